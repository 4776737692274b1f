//! Go executables: the build information the Go linker embeds in every binary since Go 1.13
//! (`.go.buildinfo`): the toolchain version, the main module and every module compiled in,
//! with their replacements. It is what `go version -m` prints.
//!
//! Two layouts exist. Both start with a 32-byte header: the magic `\xff Go buildinf:`, the
//! pointer size and a flags byte. Go 1.18 and later (flag `0x2`) store the version and the
//! module text right after the header, each prefixed by its length as a varint. Go 1.13 to
//! 1.17 store two pointers (pointer size and byte order from the header) to Go string
//! headers `{data, len}` elsewhere in the image, so those are virtual addresses resolved
//! through the program headers.
//!
//! Replacements: for `dep A v1 => B v2` the code compiled in is `B` at `v2`, so the package
//! is `B v2` (what Trivy and Syft record too). A replacement by a local directory
//! (`=> ./fork (devel)`) is the project's own code with no module version: it is left out,
//! like Cargo's path dependencies (Trivy and Syft emit it under the directory's name and
//! an empty or `(devel)` version, which no advisory can match).

use std::collections::BTreeSet;

use object::{Object, ObjectSection, ObjectSegment};

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

/// Largest executable the binary analyzers read (256 MiB, the scan's default per-file limit):
/// real Go and Rust binaries are far smaller, even Kubernetes' at ~150 MiB.
pub(super) const MAX_EXECUTABLE_BYTES: u64 = 256 << 20;

/// Longest version or module-list string accepted (4 MiB; real ones are a few KiB).
const MAX_STRING_BYTES: u64 = 4 << 20;

/// How many `\xff Go buildinf:` occurrences a file without a build-info section is searched
/// for before giving up (the header sits 16-byte aligned; the Go linker's own binary also
/// holds the magic as a string constant).
const MAX_MAGIC_CANDIDATES: usize = 64;

/// The build-info header's magic.
const MAGIC: &[u8; 14] = b"\xff Go buildinf:";

/// Reads Go build info from every executable file (any execute permission bit), wherever it
/// lives. Files that are not ELF, PE or Mach-O, or carry no build info, give nothing.
pub(crate) struct GoBinaryAnalyzer;

impl Analyzer for GoBinaryAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::GoBinary
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn wants_file(&self, _path: &str, mode: u32) -> bool {
        mode & 0o111 != 0
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_EXECUTABLE_BYTES)
    }
    /// Silent: the file is not read, so nothing says it is a Go binary at all, and a
    /// warning for every big executable (browsers, databases, CUDA libraries) would be noise.
    fn oversized(&self, _path: &str, _size: u64, _limit: u64) -> Vec<Fact> {
        Vec::new()
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(match read_build_info(content) {
            Ok(None) => Vec::new(),
            Ok(Some(info)) => {
                let mut facts = vec![Fact::Packages(packages(&info, &format!("/{path}")))];
                if info.malformed_lines > 0 {
                    facts.push(Fact::Warning(format!(
                        "/{path}: {} malformed Go build-info line(s) ignored",
                        info.malformed_lines
                    )));
                }
                facts
            }
            Err(reason) => vec![Fact::Warning(format!("/{path}: skipped: {reason}"))],
        })
    }
}

/// The build information of one Go binary, as `runtime/debug.BuildInfo` has it.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct BuildInfo {
    /// The toolchain, e.g. `go1.19.8` or `go1.22.3 X:boringcrypto`.
    pub go_version: String,
    /// The main package's import path (`path` line).
    pub path: String,
    /// The main module (`mod` line); absent for GOPATH builds.
    pub main: Option<Module>,
    /// Every other module compiled in (`dep` lines), in file order.
    pub deps: Vec<Module>,
    /// Build settings (`build` lines): `GOOS`, `GOARCH`, `-ldflags`, `vcs.revision`, ...
    pub settings: Vec<(String, String)>,
    /// Lines that did not parse and were skipped.
    pub malformed_lines: usize,
}

/// A module as the build info names it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Module {
    pub path: String,
    /// `v1.2.3`, a pseudo-version, or `(devel)` for a local build.
    pub version: String,
    /// The go.sum hash (`h1:...`), empty when absent.
    pub sum: String,
    /// The `=>` replacement, if any.
    pub replace: Option<Box<Module>>,
}

impl BuildInfo {
    /// The value of build setting `key`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The container formats executables come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExeFormat {
    Elf,
    Pe,
    MachO,
}

/// The executable format by magic bytes alone, so that scripts, data files and anything
/// else with an execute bit are rejected before any parsing.
pub(super) fn executable_format(bytes: &[u8]) -> Option<ExeFormat> {
    match bytes.get(..4)? {
        [0x7f, b'E', b'L', b'F'] => Some(ExeFormat::Elf),
        [b'M', b'Z', ..] => Some(ExeFormat::Pe),
        [0xfe, 0xed, 0xfa, 0xce | 0xcf] | [0xce | 0xcf, 0xfa, 0xed, 0xfe] => Some(ExeFormat::MachO),
        _ => None,
    }
}

/// Reads the build info of an executable. `Ok(None)`: not an executable, or not built by
/// Go. `Err`: the file has Go build info that cannot be read (truncated, pointers outside
/// the file, bad lengths).
pub(crate) fn read_build_info(bytes: &[u8]) -> Result<Option<BuildInfo>, String> {
    let Some(format) = executable_format(bytes) else {
        return Ok(None);
    };
    let file = object::File::parse(bytes).ok();
    if let Some(file) = &file {
        let section = file
            .section_by_name(".go.buildinfo")
            .or_else(|| file.section_by_name("__go_buildinfo"));
        if let Some(section) = section {
            let (offset, _) = section
                .file_range()
                .ok_or(".go.buildinfo has no data in the file")?;
            let offset = usize::try_from(offset).map_err(|_| "section offset out of range")?;
            return decode(bytes, offset, Some(file)).map(Some);
        }
        // An ELF file with a section table but no build-info section is not a Go binary
        // (or predates Go 1.13, which had none).
        if format == ExeFormat::Elf && file.sections().nth(1).is_some() {
            return Ok(None);
        }
    }
    // No section table (stripped of it, packed) or another format: look for the header.
    let mut first_error = None;
    for at in memchr::memmem::find_iter(bytes, MAGIC)
        .filter(|at| at % 16 == 0)
        .take(MAX_MAGIC_CANDIDATES)
    {
        match decode(bytes, at, file.as_ref()) {
            Ok(info) => return Ok(Some(info)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        // Only a plausible header (pointer size 4 or 8, known flags) makes it a Go binary.
        Some(e) if plausible_header(bytes) => Err(e),
        _ => Ok(None),
    }
}

/// True if some aligned magic in `bytes` is followed by a sane pointer size and flags.
fn plausible_header(bytes: &[u8]) -> bool {
    memchr::memmem::find_iter(bytes, MAGIC)
        .filter(|at| at % 16 == 0)
        .take(MAX_MAGIC_CANDIDATES)
        .any(|at| {
            matches!(
                (bytes.get(at + 14), bytes.get(at + 15)),
                (Some(4 | 8), Some(0..=3))
            )
        })
}

/// Decodes the build-info header at `offset` and the strings it leads to.
fn decode(
    bytes: &[u8],
    offset: usize,
    file: Option<&object::File<'_>>,
) -> Result<BuildInfo, String> {
    let header = bytes
        .get(offset..)
        .and_then(|b| b.get(..32))
        .ok_or("truncated build-info header")?;
    if &header[..14] != MAGIC {
        return Err("build-info section without the build-info magic".into());
    }
    let ptr_size = usize::from(header[14]);
    let flags = header[15];
    let (version, modinfo) = if flags & 0x2 != 0 {
        let mut rest = &bytes[offset + 32..];
        let version = take_varint_string(&mut rest)?;
        let modinfo = take_varint_string(&mut rest)?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!("build-info pointer size {ptr_size}"));
        }
        let file = file.ok_or("pointer-format build info in a file whose headers do not parse")?;
        let reader = PointerReader {
            file,
            ptr_size,
            big_endian: flags & 0x1 != 0,
        };
        let version = reader.go_string(reader.pointer(&header[16..])?)?;
        let modinfo = reader.go_string(reader.pointer(&header[16 + ptr_size..])?)?;
        (version, modinfo)
    };
    let go_version = std::str::from_utf8(version)
        .map_err(|_| "the Go version is not UTF-8")?
        .to_string();
    if !(go_version.starts_with("go") || go_version.starts_with("devel")) {
        return Err(format!("not a Go version: {go_version:?}"));
    }
    let text = String::from_utf8_lossy(strip_sentinels(modinfo));
    Ok(parse_modinfo(go_version, &text))
}

/// A length-prefixed (unsigned varint) string at the start of `rest`, which moves past it.
fn take_varint_string<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8], String> {
    let mut len: u64 = 0;
    let mut used = 0;
    loop {
        let byte = *rest.get(used).ok_or("truncated varint in build info")?;
        if used == 9 && byte > 1 {
            return Err("varint overflow in build info".into());
        }
        len |= u64::from(byte & 0x7f) << (7 * used);
        used += 1;
        if byte < 0x80 {
            break;
        }
    }
    if len > MAX_STRING_BYTES {
        return Err(format!("build-info string of {len} bytes"));
    }
    let end = used + len as usize;
    let s = rest
        .get(used..end)
        .ok_or("build-info string runs past the end of the file")?;
    *rest = &rest[end..];
    Ok(s)
}

/// Reads Go string headers through the file's segments (Go < 1.18 layout).
struct PointerReader<'f, 'data> {
    file: &'f object::File<'data>,
    ptr_size: usize,
    big_endian: bool,
}

impl<'data> PointerReader<'_, 'data> {
    fn pointer(&self, b: &[u8]) -> Result<u64, String> {
        let n = self.ptr_size;
        let b = b.get(..n).ok_or("truncated pointer")?;
        let mut buf = [0u8; 8];
        Ok(if self.big_endian {
            buf[8 - n..].copy_from_slice(b);
            u64::from_be_bytes(buf)
        } else {
            buf[..n].copy_from_slice(b);
            u64::from_le_bytes(buf)
        })
    }

    /// `size` bytes at virtual address `address`, from the segment that maps it.
    fn read(&self, address: u64, size: u64) -> Result<&'data [u8], String> {
        self.file
            .segments()
            .find_map(|s| s.data_range(address, size).ok().flatten())
            .ok_or_else(|| format!("build-info pointer {address:#x} is outside the file"))
    }

    /// The bytes of the Go string whose header is at `address`.
    fn go_string(&self, address: u64) -> Result<&'data [u8], String> {
        let header = self.read(address, 2 * self.ptr_size as u64)?;
        let data = self.pointer(header)?;
        let len = self.pointer(&header[self.ptr_size..])?;
        if len > MAX_STRING_BYTES {
            return Err(format!("build-info string of {len} bytes"));
        }
        self.read(data, len)
    }
}

/// The module text without the 16-byte markers the linker puts around it (`runtime/debug`
/// does the same check); anything else means no module information.
fn strip_sentinels(modinfo: &[u8]) -> &[u8] {
    let n = modinfo.len();
    if n >= 33 && modinfo[n - 17] == b'\n' {
        &modinfo[16..n - 16]
    } else {
        &[]
    }
}

/// Parses the module text (`path`, `mod`, `dep`, `=>`, `build` lines, tab-separated) the
/// way `runtime/debug.ParseBuildInfo` does, except that a bad line is counted and skipped
/// instead of failing the whole binary. Unknown line kinds are ignored, as Go does.
pub(crate) fn parse_modinfo(go_version: String, text: &str) -> BuildInfo {
    let mut info = BuildInfo {
        go_version,
        ..BuildInfo::default()
    };
    // Which module a `=>` line replaces: the main module or the last dep.
    #[derive(Clone, Copy)]
    enum Last {
        None,
        Main,
        Dep,
    }
    let mut last = Last::None;
    for line in text.split('\n') {
        if let Some(path) = line.strip_prefix("path\t") {
            info.path = path.to_string();
        } else if let Some(rest) = line.strip_prefix("mod\t") {
            info.main = module_line(rest);
            last = if info.main.is_some() {
                Last::Main
            } else {
                info.malformed_lines += 1;
                Last::None
            };
        } else if let Some(rest) = line.strip_prefix("dep\t") {
            match module_line(rest) {
                Some(m) => {
                    info.deps.push(m);
                    last = Last::Dep;
                }
                None => {
                    info.malformed_lines += 1;
                    last = Last::None;
                }
            }
        } else if let Some(rest) = line.strip_prefix("=>\t") {
            let target = match last {
                Last::Main => info.main.as_mut(),
                Last::Dep => info.deps.last_mut(),
                Last::None => None,
            };
            match (target, module_line(rest)) {
                (Some(m), Some(r)) => m.replace = Some(Box::new(r)),
                _ => info.malformed_lines += 1,
            }
            last = Last::None;
        } else if let Some(kv) = line.strip_prefix("build\t") {
            match build_setting(kv) {
                Some(setting) => info.settings.push(setting),
                None => info.malformed_lines += 1,
            }
        }
    }
    info
}

/// `path \t version [\t sum]`.
fn module_line(rest: &str) -> Option<Module> {
    let mut cols = rest.split('\t');
    let path = cols.next().filter(|p| !p.is_empty())?;
    let version = cols.next()?;
    let sum = cols.next().unwrap_or_default();
    if cols.next().is_some() {
        return None;
    }
    Some(Module {
        path: path.to_string(),
        version: version.to_string(),
        sum: sum.to_string(),
        replace: None,
    })
}

/// `key=value`, where a key or value holding spaces, tabs, quotes or `=` (in a key) is Go
/// quoted (`-ldflags="-s -w"`).
fn build_setting(kv: &str) -> Option<(String, String)> {
    let (key, raw_value) = if kv.starts_with(['"', '`']) {
        let end = quoted_prefix_len(kv)?;
        let key = unquote(&kv[..end])?;
        (key, kv[end..].strip_prefix('=')?)
    } else {
        let (key, value) = kv.split_once('=')?;
        (key.to_string(), value)
    };
    if key.is_empty() {
        return None;
    }
    let value = if raw_value.starts_with(['"', '`']) {
        unquote(raw_value)?
    } else {
        raw_value.to_string()
    };
    Some((key, value))
}

/// The length of the quoted string at the start of `s` (quotes included); also go.mod's.
pub(super) fn quoted_prefix_len(s: &str) -> Option<usize> {
    let quote = s.chars().next()?;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quote == '"' => escaped = true,
            c if c == quote => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// Go's `strconv.Unquote` for the forms `strconv.Quote` writes: raw `` `...` `` and
/// double-quoted with `\n`, `\t`, `\"`, `\\`, `\xHH`, `\uHHHH`, `\UHHHHHHHH` escapes (and
/// the rarer single-letter and octal ones).
pub(super) fn unquote(s: &str) -> Option<String> {
    if let Some(raw) = s.strip_prefix('`') {
        return raw.strip_suffix('`').map(str::to_string);
    }
    let body = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escape = chars.next()?;
        let hex = |chars: &mut std::str::Chars<'_>, n: usize| {
            let digits: String = chars.by_ref().take(n).collect();
            (digits.len() == n)
                .then(|| u32::from_str_radix(&digits, 16).ok())
                .flatten()
        };
        let decoded = match escape {
            'a' => '\u{7}',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{b}',
            '\\' | '"' | '\'' => escape,
            'x' => char::from_u32(hex(&mut chars, 2)?)?,
            'u' => char::from_u32(hex(&mut chars, 4)?)?,
            'U' => char::from_u32(hex(&mut chars, 8)?)?,
            '0'..='7' => {
                let rest: String = chars.by_ref().take(2).collect();
                char::from_u32(u32::from_str_radix(&format!("{escape}{rest}"), 8).ok()?)?
            }
            _ => return None,
        };
        out.push(decoded);
    }
    Some(out)
}

/// The Go packages a binary's build info stands for: `stdlib` at the toolchain's version,
/// the main module when it has a real version (not `(devel)`), and every dep (as its
/// replacement, see the module docs), each (name, version) once. All carry `GOARCH` as
/// their arch when the build settings record it.
pub(crate) fn packages(info: &BuildInfo, found_in: &str) -> Vec<Package> {
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut out = Vec::new();
    let arch = info.setting("GOARCH").filter(|a| !a.is_empty());
    let mut push = |name: &str, version: String| {
        if seen.insert((name.to_string(), version.clone())) {
            let mut p = Package::new(PackageKind::Go, name, version, found_in);
            p.arch = arch.map(str::to_string);
            out.push(p);
        }
    };
    if let Some(version) = stdlib_version(&info.go_version) {
        push("stdlib", version);
    }
    for module in info.main.iter().chain(&info.deps) {
        let compiled = module.replace.as_deref().unwrap_or(module);
        let local = compiled.path.starts_with(['.', '/']) || compiled.path.contains('\\');
        if !local && !compiled.version.is_empty() && compiled.version != "(devel)" {
            push(&compiled.path, compiled.version.clone());
        }
    }
    out
}

/// The standard library's version as the Go vulnerability database writes it (SemVer
/// without `v`): `go1.19.8` → `1.19.8`, `go1.20` → `1.20.0`, `go1.21rc2` → `1.21.0-rc.2`,
/// `go1.18beta1` → `1.18.0-beta.1`; experiments (`go1.22.3 X:boringcrypto`) and vendor
/// suffixes (`go1.21.0-bigcorp`) dropped. `None` for development toolchains (`devel ...`).
pub(crate) fn stdlib_version(go_version: &str) -> Option<String> {
    let v = go_version.split(' ').next()?.strip_prefix("go")?;
    let v = v.split('-').next()?;
    let core_end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (core, tail) = v.split_at(core_end);
    let parts: Vec<&str> = core.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(numeric) {
        return None;
    }
    let patch = parts.get(2).copied().unwrap_or("0");
    let base = format!("{}.{}.{patch}", parts[0], parts[1]);
    if tail.is_empty() {
        return Some(base);
    }
    let (kind, n) = if let Some(n) = tail.strip_prefix("rc") {
        ("rc", n)
    } else {
        ("beta", tail.strip_prefix("beta")?)
    };
    (numeric(&n) && parts.len() == 2).then(|| format!("{base}-{kind}.{n}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::test_support::skipped;

    /// The module text of `tests/data/lang/go/hello` (see its README), as the linker
    /// writes it: with the empty lines `runtime/debug` leaves after replacements.
    const HELLO: &str = "path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\ndep\texample.com/greet\tv1.2.3\n=>\texample.com/greet-fork\tv1.2.4\th1:bNTciLHZ7+0k/IDYo4xfxht8H2xbhg7vcZbyAgzsLCc=\n\ndep\texample.com/local\tv0.1.0\n=>\t./local\t(devel)\t\n\ndep\texample.com/plain\tv0.3.0\th1:1c0PH/HX9EJJ+NKQHtu12MwmEE8aQFTqza7LSpPws48=\nbuild\t-compiler=gc\nbuild\t-ldflags=\"-s -w -X main.greeting=hi\"\nbuild\tCGO_ENABLED=1\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\n";

    /// Builds the 1.18+ inline layout around `modinfo` (with the linker's sentinels).
    fn inline_blob(version: &str, modinfo: &str) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend([8, 2]);
        b.resize(32, 0);
        let wrapped = format!("{}{modinfo}{}", "S".repeat(16), "E".repeat(16));
        for s in [version, wrapped.as_str()] {
            let mut n = s.len();
            while n >= 0x80 {
                b.push((n as u8) | 0x80);
                n >>= 7;
            }
            b.push(n as u8);
            b.extend(s.as_bytes());
        }
        b
    }

    /// `inline_blob` behind a fake PE signature: no section table, so the scan finds it.
    fn pe_with(blob: &[u8]) -> Vec<u8> {
        let mut b = b"MZ".to_vec();
        b.resize(64, 0);
        b.extend(blob);
        b
    }

    #[test]
    fn parses_modules_replacements_and_settings() {
        let info = parse_modinfo("go1.19.8".into(), HELLO);
        assert_eq!(info.path, "example.com/hello");
        assert_eq!(info.main.as_ref().unwrap().version, "(devel)");
        assert_eq!(info.deps.len(), 3);
        let greet = info.deps[0].replace.as_ref().unwrap();
        assert_eq!(
            (greet.path.as_str(), greet.version.as_str()),
            ("example.com/greet-fork", "v1.2.4")
        );
        assert_eq!(info.setting("-ldflags"), Some("-s -w -X main.greeting=hi"));
        assert_eq!(info.setting("GOARCH"), Some("amd64"));
        assert_eq!(info.malformed_lines, 0);
        let got: Vec<(String, String, Option<String>)> = packages(&info, "/bin/hello")
            .into_iter()
            .map(|p| (p.name, p.version, p.arch))
            .collect();
        let amd64 = Some("amd64".to_string());
        assert_eq!(
            got,
            vec![
                ("stdlib".into(), "1.19.8".into(), amd64.clone()),
                (
                    "example.com/greet-fork".into(),
                    "v1.2.4".into(),
                    amd64.clone()
                ),
                ("example.com/plain".into(), "v0.3.0".into(), amd64),
            ],
            "the main module is (devel), ./local is local code"
        );
    }

    #[test]
    fn stdlib_versions_follow_the_go_vulnerability_database() {
        for (go, want) in [
            ("go1.19.8", Some("1.19.8")),
            ("go1.20", Some("1.20.0")),
            ("go1.21rc2", Some("1.21.0-rc.2")),
            ("go1.18beta1", Some("1.18.0-beta.1")),
            ("go1.22.3 X:boringcrypto", Some("1.22.3")),
            ("go1.21.0-bigcorp", Some("1.21.0")),
            ("devel go1.23-abcdef Tue", None),
            ("go1", None),
            ("go1.x", None),
            ("go1.21.0rc1", None),
            ("go1.21rc", None),
            ("", None),
        ] {
            assert_eq!(stdlib_version(go).as_deref(), want, "{go}");
        }
    }

    #[test]
    fn quoted_keys_and_values() {
        assert_eq!(
            build_setting("\"we=ird\"=`raw value`"),
            Some(("we=ird".into(), "raw value".into()))
        );
        assert_eq!(
            build_setting("k=\"a\\tb\\\"c\\x41\\u00e9\\101\""),
            Some(("k".into(), "a\tb\"cAéA".into()))
        );
        assert_eq!(
            build_setting("CGO_CFLAGS="),
            Some(("CGO_CFLAGS".into(), "".into()))
        );
        for bad in [
            "=x",
            "noequals",
            "\"unterminated=1",
            "k=\"bad\\q\"",
            "\"k\"x",
        ] {
            assert_eq!(build_setting(bad), None, "{bad}");
        }
    }

    #[test]
    fn malformed_lines_are_counted_not_fatal() {
        let info = parse_modinfo(
            "go1.20".into(),
            "path\tx\nmod\t\t\ndep\tonly-path\n=>\torphan\tv1\t\ndep\ta\tv1\t\tx\tx\nbuild\tnokey\nfuture\tline\ndep\tok\tv1.0.0\t\n",
        );
        assert_eq!(info.malformed_lines, 5);
        assert_eq!(info.deps.len(), 1);
        assert_eq!(info.deps[0].path, "ok");
    }

    #[test]
    fn inline_layout_found_by_scanning_without_sections() {
        let blob = inline_blob("go1.21.5", HELLO);
        let info = read_build_info(&pe_with(&blob)).unwrap().unwrap();
        assert_eq!(info.go_version, "go1.21.5");
        assert_eq!(info.deps.len(), 3);
        // Without sentinels the module text is absent, as Go reads it.
        let mut bare = MAGIC.to_vec();
        bare.extend([8, 2]);
        bare.resize(32, 0);
        bare.extend([8]);
        bare.extend(b"go1.13.1");
        bare.extend([3]);
        bare.extend(b"abc");
        let info = read_build_info(&pe_with(&bare)).unwrap().unwrap();
        assert_eq!((info.main, info.deps.len()), (None, 0));
    }

    #[test]
    fn not_executables_or_not_go_are_silent() {
        for bytes in [
            &b""[..],
            b"#!/bin/sh\necho hi\n",
            b"\x7fEL",
            b"\x7fELF",
            b"MZ no build info here",
            b"\xcf\xfa\xed\xfe",
        ] {
            assert_eq!(read_build_info(bytes), Ok(None), "{bytes:?}");
        }
        // The magic unaligned, or with an implausible header: not Go build info.
        let mut b = pe_with(&inline_blob("go1.20", HELLO));
        b.insert(0, b'M');
        b[1] = b'Z';
        assert_eq!(read_build_info(&b), Ok(None));
        let mut b = pe_with(&inline_blob("go1.20", HELLO));
        b[64 + 14] = 3;
        b[64 + 15] = 0;
        assert_eq!(read_build_info(&b), Ok(None));
    }

    #[test]
    fn broken_build_info_is_an_error() {
        let good = inline_blob("go1.20", HELLO);
        // Truncated anywhere inside the strings.
        for cut in [33, 40, 60, good.len() - 1] {
            let r = read_build_info(&pe_with(&good[..cut]));
            assert!(r.is_err(), "{cut}: {r:?}");
        }
        // A varint that never ends, and one over ten bytes.
        let mut b = good[..32].to_vec();
        b.extend([0xff; 9]);
        assert!(read_build_info(&pe_with(&b))
            .unwrap_err()
            .contains("varint"));
        b.extend([0xff; 3]);
        assert!(read_build_info(&pe_with(&b))
            .unwrap_err()
            .contains("varint"));
        // A length over the cap.
        let mut b = good[..32].to_vec();
        b.extend([0x80, 0x80, 0x80, 0x04]);
        assert!(read_build_info(&pe_with(&b)).unwrap_err().contains("bytes"));
        // Not a Go version string.
        let b = inline_blob("rust1.80", HELLO);
        assert!(read_build_info(&pe_with(&b))
            .unwrap_err()
            .contains("not a Go version"));
        // Pointer format with no parsable headers to resolve addresses with.
        let mut b = MAGIC.to_vec();
        b.extend([8, 0]);
        b.resize(48, 0);
        assert!(read_build_info(&pe_with(&b)).is_err());
        // An implausible pointer size found by scanning: not taken for build info.
        let mut b = MAGIC.to_vec();
        b.extend([5, 0]);
        b.resize(48, 0);
        assert_eq!(read_build_info(&pe_with(&b)), Ok(None));
    }

    #[test]
    fn analyzer_wants_executables_and_warns_on_broken_go() {
        let a = GoBinaryAnalyzer;
        assert!(a.wants_file("app/bin/registry", 0o755));
        assert!(a.wants_file("usr/bin/sudo", 0o4711));
        assert!(!a.wants_file("app/bin/registry", 0o644));
        assert!(!a.wants("app/bin/registry"));
        assert!(a.oversized("a/b", 1 << 30, MAX_EXECUTABLE_BYTES).is_empty());
        skipped(&a, "x.exe", &pe_with(&inline_blob("go1.20", HELLO)[..40]));
        let facts = a.analyze("x.exe", b"MZ").unwrap();
        assert!(facts.is_empty());
    }

    #[test]
    fn never_panics_on_truncated_or_mangled_input() {
        let good = pe_with(&inline_blob("go1.20", HELLO));
        for end in 0..=good.len() {
            let _ = read_build_info(&good[..end]);
        }
        for i in 64..good.len() {
            let mut b = good.clone();
            b[i] ^= 0xff;
            let _ = read_build_info(&b);
        }
    }
}
