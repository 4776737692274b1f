#!/usr/bin/env bash
# Recomputes the expected loaded package sets of the fixture image debian-12-app, without
# Bulwark:
#   expected-loaded.txt       its CMD, `python3 /app/app.py`;
#   expected-sshd-loaded.txt  `/usr/sbin/sshd -D` as the entrypoint (a native program).
# How:
#   1. the ELF closure of the program with lddtree (pax-utils) inside the unpacked rootfs;
#   2. for Python, the modules it reads from files, by running the CMD under chroot with
#      `python3 -v` (the image's own interpreter; app.py fails at `import http.server`,
#      which python3-minimal does not ship, so nothing beyond start-up runs);
#   3. each file mapped to its dpkg package through var/lib/dpkg/info/*.list, comparing
#      real paths inside the rootfs (merged /usr: the lists say /lib/..., files live in
#      /usr/lib); a package's symlink (libz.so.1 -> libz.so.1.2.13) does not count, its target does.
# Needs root (chroot), umoci and pax-utils (apt-get install -y umoci pax-utils).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
image=$(cd "$here/../../../../../../shared/fixtures/images" && pwd)/debian-12-app
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
umoci unpack --rootless --image "$image:latest" "$work/bundle" >/dev/null
root=$work/bundle/rootfs

# owners FILES... -> the dpkg packages owning each file's real path, sorted.
owners() {
  for f in "$@"; do
    real=$(chroot "$root" readlink -f "$f")
    for list in "$root"/var/lib/dpkg/info/*.list; do
      while read -r owned; do
        [ -e "$root$owned" ] && [ ! -d "$root$owned" ] && [ ! -L "$root$owned" ] || continue
        if [ "$(chroot "$root" readlink -f "$owned")" = "$real" ]; then
          basename "$list" .list | sed 's/:.*//'
          break
        fi
      done < <(grep -F "/$(basename "$real")" "$list")
    done
  done | sort -u
}

elf_closure() { /usr/bin/python3 /usr/bin/lddtree -l -R "$root" "$1" | sed "s|^$root||"; }

mapfile -t files < <({
  elf_closure /usr/bin/python3.11
  # app.py exits 1 (ModuleNotFoundError), hence the `|| true`.
  { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      PYTHONPATH=/app/site-packages sh -c 'cd /app && exec python3 -v /app/app.py' 2>&1 || true; } |
    sed -n "s/^# \(.*\) matches \(.*\)$/\2/p"
} | sort -u)
owners "${files[@]}" > "$here/expected-loaded.txt"

mapfile -t files < <(elf_closure /usr/sbin/sshd)
owners "${files[@]}" > "$here/expected-sshd-loaded.txt"
wc -l "$here"/expected-*.txt
