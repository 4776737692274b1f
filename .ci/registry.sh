#!/usr/bin/env bash
# Local OCI registries for the bulwark-image registry tests (crates/bulwark-image/tests/registry.rs).
#
#   .ci/registry.sh start   # (re)start them and push the fixtures; prints the env lines the tests read
#   .ci/registry.sh env     # print those env lines again
#   .ci/registry.sh stop    # stop them and delete their data
#
# Typical use: `eval "$(.ci/registry.sh start)" && cargo test -p bulwark-image --test registry`.
#
# Four CNCF distribution (Debian `docker-registry`) instances on 127.0.0.1, all plain HTTP:
#   :5000  anonymous, plain HTTP
#   :5001  htpasswd basic auth          (user bulwark, password s3cret-test)
#   :5002  bearer-token auth, realm :5003 (a small stdlib-Python token server signing RS256 JWTs with
#          the openssl CLI; same user and password; anonymous callers get a token without access)
#   :5004  anonymous over HTTPS with a self-signed certificate (for --insecure without plain HTTP)
# Needs: docker-registry, skopeo, apache2-utils (htpasswd), openssl, python3, curl, jq.
# Everything lives under $BULWARK_TEST_REGISTRY_DIR (default /tmp/bulwark-registry); fixtures are read-only
# and only copied from. Progress goes to stderr; stdout carries only the `export` lines.
set -euo pipefail

DIR="${BULWARK_TEST_REGISTRY_DIR:-/tmp/bulwark-registry}"
MARKER="$DIR/.bulwark-test-registry"
USER_NAME=bulwark
PASSWORD=s3cret-test
PLAIN=127.0.0.1:5000
BASIC=127.0.0.1:5001
TOKEN=127.0.0.1:5002
TOKEN_SERVER=127.0.0.1:5003
TLS=127.0.0.1:5004
SERVICE=bulwark-test-registry
ISSUER=bulwark-test-token-issuer

log() { printf 'registry.sh: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

fixtures_dir() {
    local root
    root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)" || die "not inside the bulwark git checkout"
    local f="$root/../shared/fixtures/images"
    [[ -d "$f" ]] || die "fixtures not found at $f (expected ../shared/fixtures next to the repository)"
    printf '%s\n' "$f"
}

print_env() {
    printf 'export BULWARK_TEST_REGISTRY=%s\n' "$PLAIN"
    printf 'export BULWARK_TEST_REGISTRY_BASIC=%s\n' "$BASIC"
    printf 'export BULWARK_TEST_REGISTRY_TOKEN=%s\n' "$TOKEN"
    printf 'export BULWARK_TEST_REGISTRY_TLS=%s\n' "$TLS"
}

# Kills the process in a pid file only if it still is the one we started (pids get reused).
stop_pidfile() {
    local pidfile="$1" pid
    pid="$(cat "$pidfile" 2>/dev/null || true)"
    if [[ -n "$pid" ]] && grep -qaE 'docker-registry|token_server' "/proc/$pid/cmdline" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

stop() {
    [[ -d "$DIR" ]] || return 0
    [[ -f "$MARKER" ]] || die "$DIR exists but was not made by this script; refusing to touch it"
    local p
    for p in "$DIR"/*.pid; do
        [[ -e "$p" ]] && stop_pidfile "$p"
    done
    rm -rf "$DIR"
    log "stopped"
}

# Waits until $3://$1$2 (default http) answers with any HTTP status.
wait_http() {
    local addr="$1" path="$2" scheme="${3:-http}" code
    for _ in $(seq 100); do
        code="$(curl -sk -o /dev/null -w '%{http_code}' "$scheme://$addr$path" || true)"
        if [[ "$code" != "000" ]]; then
            log "$addr$path answers ($code)"
            return 0
        fi
        sleep 0.2
    done
    die "nothing answers on http://$addr$path; see the logs in $DIR"
}

# write_registry_config NAME ADDR [AUTH_YAML] [EXTRA_HTTP_YAML]
write_registry_config() {
    local name="$1" addr="$2" auth="${3:-}" http_extra="${4:-}"
    mkdir -p "$DIR/$name/data"
    cat >"$DIR/$name/config.yml" <<EOF
version: 0.1
log: {level: info}
storage: {filesystem: {rootdirectory: $DIR/$name/data}, delete: {enabled: true}}
http: {addr: $addr, secret: bulwark-test-only-secret$http_extra}
$auth
EOF
}

start_registry() {
    local name="$1"
    setsid docker-registry serve "$DIR/$name/config.yml" >"$DIR/$name.log" 2>&1 </dev/null &
    echo $! >"$DIR/$name.pid"
}

write_token_server() {
    mkdir -p "$DIR/token"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=bulwark-test-token-signer \
        -keyout "$DIR/token/key.pem" -out "$DIR/token/cert.pem" 2>/dev/null
    cat >"$DIR/token/token_server.py" <<'EOF'
"""Docker registry token server for tests: GET /token?service=..&scope=.. with optional basic auth.

Signs RS256 JWTs with the openssl CLI (stdlib only). The JWT `kid` is the libtrust key ID of the
certificate's public key, which is how distribution finds the key in its rootcertbundle.
"""
import base64, hashlib, json, subprocess, sys, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

HOST, PORT, KEY, CERT, ISSUER, SERVICE, USER, PASSWORD = sys.argv[1:9]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def run(args, data=None):
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout


def libtrust_key_id():
    pem = run(["openssl", "x509", "-in", CERT, "-noout", "-pubkey"])
    der = run(["openssl", "pkey", "-pubin", "-outform", "DER"], pem)
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i:i + 4] for i in range(0, len(s), 4))


KID = libtrust_key_id()


def make_token(subject, access):
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "kid": KID}
    claims = {"iss": ISSUER, "sub": subject, "aud": SERVICE, "exp": now + 300, "nbf": now - 10,
              "iat": now, "jti": uuid.uuid4().hex, "access": access}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    signature = run(["openssl", "dgst", "-sha256", "-sign", KEY], signing_input.encode())
    return signing_input + "." + b64url(signature)


def granted(scopes):
    access = []
    for scope in scopes:
        for item in scope.split(" "):
            parts = item.split(":")
            if len(parts) >= 3 and parts[0] == "repository":
                actions = [a for a in parts[-1].split(",") if a in ("pull", "push")]
                access.append({"type": "repository", "name": ":".join(parts[1:-1]), "actions": actions})
    return access


class Handler(BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "only /token is served"}]})
        query = parse_qs(url.query)
        authz = self.headers.get("Authorization", "")
        subject = ""
        if authz:
            try:
                user, _, password = base64.b64decode(authz.split(" ", 1)[1]).decode().partition(":")
            except Exception:
                user, password = "", None
            if not authz.startswith("Basic ") or (user, password) != (USER, PASSWORD):
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                                    "message": "invalid username or password"}]})
            subject = user
        # Anonymous callers get a valid token that grants nothing, as Docker Hub does for private repos.
        access = granted(query.get("scope", [])) if subject else []
        token = make_token(subject, access)
        issued = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300, "issued_at": issued})

    def log_message(self, fmt, *args):
        sys.stderr.write("token_server: " + (fmt % args) + "\n")


ThreadingHTTPServer((HOST, int(PORT)), Handler).serve_forever()
EOF
}

start_token_server() {
    setsid python3 "$DIR/token/token_server.py" "${TOKEN_SERVER%:*}" "${TOKEN_SERVER#*:}" \
        "$DIR/token/key.pem" "$DIR/token/cert.pem" "$ISSUER" "$SERVICE" "$USER_NAME" "$PASSWORD" \
        >"$DIR/token_server.log" 2>&1 </dev/null &
    echo $! >"$DIR/token_server.pid"
}

# push SRC_LAYOUT_DIR SRC_TAG DEST_REF [extra skopeo args...]
# --preserve-digests makes skopeo fail instead of silently rewriting a manifest.
push() {
    local src="$1" tag="$2" dest="$3"
    shift 3
    log "push $(basename "$src"):$tag -> $dest"
    skopeo --policy "$DIR/policy.json" copy --quiet --preserve-digests --dest-tls-verify=false "$@" \
        "oci:$src:$tag" "docker://$dest" >&2
}

# Digest the registry reports for a reference (plain-HTTP registry, anonymous).
remote_digest() {
    skopeo inspect --raw --tls-verify=false "docker://$1" | sha256sum | sed 's/^/sha256:/; s/ .*//'
}

# An OCI layout holding one image index: alpine-3.19.4 as linux/amd64, alpine-3.7.3 as linux/arm64.
make_multi_arch_layout() {
    local fixtures="$1" out="$DIR/multi-arch-oci"
    mkdir -p "$out/blobs/sha256"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
    local entries=() img arch desc
    for pair in alpine-3.19.4:amd64 alpine-3.7.3:arm64; do
        img="${pair%%:*}" arch="${pair##*:}"
        cp "$fixtures/$img/blobs/sha256/"* "$out/blobs/sha256/"
        desc="$(jq -c --arg arch "$arch" '.manifests[0] | {mediaType, digest, size,
            platform: {architecture: $arch, os: "linux"}}' "$fixtures/$img/index.json")"
        entries+=("$desc")
    done
    chmod -R u+w "$out"
    printf '%s\n' "${entries[@]}" | jq -cs '{schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' >"$out/image-index.json"
    local digest size
    digest="$(sha256sum "$out/image-index.json" | cut -d' ' -f1)"
    size="$(stat -c %s "$out/image-index.json")"
    mv "$out/image-index.json" "$out/blobs/sha256/$digest"
    jq -n --arg d "sha256:$digest" --argjson s "$size" '{schemaVersion: 2,
        manifests: [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
        annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$out/index.json"
    printf '%s\n' "$out"
}

start() {
    local cmd
    for cmd in docker-registry skopeo htpasswd openssl python3 curl jq; do
        command -v "$cmd" >/dev/null || die "$cmd not found (apt-get install docker-registry skopeo apache2-utils openssl python3 curl jq)"
    done
    local fixtures
    fixtures="$(fixtures_dir)"
    stop
    mkdir -p "$DIR"
    touch "$MARKER"
    printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$DIR/policy.json"

    htpasswd -Bbn "$USER_NAME" "$PASSWORD" >"$DIR/htpasswd" 2>/dev/null
    write_token_server
    write_registry_config plain "$PLAIN"
    write_registry_config basic "$BASIC" "auth: {htpasswd: {realm: bulwark-test, path: $DIR/htpasswd}}"
    mkdir -p "$DIR/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
        -addext subjectAltName=IP:127.0.0.1 -keyout "$DIR/tls/key.pem" -out "$DIR/tls/cert.pem" 2>/dev/null
    write_registry_config tls "$TLS" "" ", tls: {certificate: $DIR/tls/cert.pem, key: $DIR/tls/key.pem}"
    write_registry_config token "$TOKEN" "auth: {token: {realm: 'http://$TOKEN_SERVER/token', service: $SERVICE, issuer: $ISSUER, rootcertbundle: $DIR/token/cert.pem}}"

    start_token_server
    start_registry plain
    start_registry basic
    start_registry token
    start_registry tls
    wait_http "$TOKEN_SERVER" /token
    wait_http "$PLAIN" /v2/
    wait_http "$BASIC" /v2/
    wait_http "$TOKEN" /v2/
    wait_http "$TLS" /v2/ https

    local creds="$USER_NAME:$PASSWORD"
    push "$fixtures/alpine-3.19.4" 3.19.4 "$PLAIN/library/alpine:3.19.4"
    push "$fixtures/alpine-3.10.3" 3.10.3 "$PLAIN/library/alpine:3.10.3"
    push "$fixtures/debian-12-app" latest "$PLAIN/bulwark/debian-12-app:latest"
    push "$(make_multi_arch_layout "$fixtures")" latest "$PLAIN/bulwark/multi-arch:latest" --all
    push "$fixtures/alpine-3.19.4" 3.19.4 "$BASIC/library/alpine:3.19.4" --dest-creds "$creds"
    push "$fixtures/alpine-3.19.4" 3.19.4 "$TOKEN/library/alpine:3.19.4" --dest-creds "$creds"
    push "$fixtures/alpine-3.19.4" 3.19.4 "$TLS/library/alpine:3.19.4"

    local want=sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69 got
    got="$(remote_digest "$PLAIN/library/alpine:3.19.4")"
    [[ "$got" == "$want" ]] || die "registry reports $got for alpine:3.19.4, the fixture's manifest is $want"
    log "ready (data and logs in $DIR); run the tests with these variables set:"
    print_env
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) print_env ;;
*)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
