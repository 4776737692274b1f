//! Executables, shared objects and the dynamic loader's configuration: the facts entrypoint
//! reachability needs to follow a program to the libraries it loads (`bulwark-reach`).
//!
//! [`ElfAnalyzer`] wants every regular file with an execute bit, every file named like a
//! shared object (`*.so`, `*.so.*`) and the loader configuration files. It looks at the
//! first bytes first: an ELF file gives a [`Fact::Elf`] with what the loader reads (program
//! headers `PT_INTERP` and `PT_DYNAMIC`, then `DT_NEEDED`, `DT_SONAME`, `DT_RPATH`,
//! `DT_RUNPATH` from the dynamic string table); a `#!` script gives a [`Fact::Script`];
//! anything else gives nothing. Section headers, symbols and relocations are never read.

use std::collections::BTreeMap;

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::Endianness;
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::py_imports::PyImport;
use crate::InventoryError;

/// Most `DT_NEEDED` entries kept per file (real programs have a few dozen).
const MAX_NEEDED: usize = 1024;
/// Longest string kept from a dynamic string table or a configuration line, in bytes.
const MAX_STRING: usize = 4096;
/// Most dynamic entries looked at (the segment of a real file has a few hundred).
const MAX_DYNAMIC: usize = 1 << 16;
/// Most directories or `include` patterns kept per loader configuration file.
const MAX_CONFIG_ENTRIES: usize = 1024;
/// Longest `#!` line the kernel reads (Linux `BINPRM_BUF_SIZE`).
const MAX_SHEBANG: usize = 256;
/// Largest file read for its ELF header. Bigger ones (rare: huge CUDA or LLVM libraries)
/// give no fact, so reachability calls their libraries unknown. Below the scan's default
/// per-file limit (256 MiB), so a big binary never fails a default scan.
const MAX_ELF_BYTES: u64 = 160 << 20;

/// What the dynamic loader reads from one ELF file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElfInfo {
    /// 32 or 64 (`EI_CLASS`).
    pub class: u8,
    /// `e_machine` (62 = x86-64, 183 = AArch64, 3 = i386, ...).
    pub machine: u16,
    /// `PT_INTERP`: the program interpreter (`/lib64/ld-linux-x86-64.so.2`); `None` for a
    /// static program or a shared library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    /// `DT_NEEDED` names in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soname: Option<String>,
    /// `DT_RPATH`, as written (colon-separated, may use `$ORIGIN`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpath: Option<String>,
    /// `DT_RUNPATH`, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runpath: Option<String>,
    /// Set when a cap cut the needed list or a string: the list may be incomplete.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// An executable script's `#!` line, split the way Linux does: the interpreter path, then
/// everything after it (trimmed) as at most one argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shebang {
    /// The interpreter path (`/bin/sh`, `/usr/bin/env`).
    pub interpreter: String,
    /// The optional single argument (`python3` after `/usr/bin/env`, `-e`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
}

/// The library directories a loader configuration file names: glibc's `etc/ld.so.conf` and
/// `etc/ld.so.conf.d/*.conf` (with `include` patterns), or musl's `etc/ld-musl-ARCH.path`;
/// for glibc's `etc/ld.so.preload`, the libraries (absolute paths) every program preloads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoaderConfig {
    /// Absolute directories, in file order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirs: Vec<String>,
    /// `include` glob patterns, absolute (relative ones made relative to the file's directory).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
}

/// The code facts of the final filesystem, by path (relative, as in the merged view): only
/// files that survive there, each from the layer that wrote its surviving copy. What
/// `bulwark-reach` resolves entrypoints with; empty when no analyzer produced any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFacts {
    /// ELF executables and shared objects.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub elf: BTreeMap<String, ElfInfo>,
    /// Executable scripts' `#!` lines.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scripts: BTreeMap<String, Shebang>,
    /// Loader configuration files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub loader_config: BTreeMap<String, LoaderConfig>,
    /// Python source files with module-level imports.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub python_imports: BTreeMap<String, Vec<PyImport>>,
}

impl CodeFacts {
    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.elf.is_empty()
            && self.scripts.is_empty()
            && self.loader_config.is_empty()
            && self.python_imports.is_empty()
    }

    /// Records the code facts of the surviving file at `path` (relative); other facts are
    /// ignored. Used by the merge.
    pub fn record(&mut self, path: &str, fact: &Fact) {
        match fact {
            Fact::Elf(info) => {
                self.elf.insert(path.to_string(), info.clone());
            }
            Fact::Script(s) => {
                self.scripts.insert(path.to_string(), s.clone());
            }
            Fact::LoaderConfig(c) => {
                self.loader_config.insert(path.to_string(), c.clone());
            }
            Fact::PythonImports(list) => {
                self.python_imports.insert(path.to_string(), list.clone());
            }
            _ => {}
        }
    }
}

/// Why bytes that start like an ELF file could not be read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed ELF file: {0}")]
pub struct MalformedElf(pub String);

impl MalformedElf {
    fn new(reason: &str) -> Self {
        Self(reason.to_string())
    }
}

impl From<object::read::Error> for MalformedElf {
    fn from(e: object::read::Error) -> Self {
        Self(e.to_string())
    }
}

/// The ELF, script and loader configuration analyzer (see the module docs).
pub struct ElfAnalyzer;

impl Analyzer for ElfAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::Elf
    }

    fn version(&self) -> u32 {
        1
    }

    fn wants(&self, path: &str) -> bool {
        is_loader_config(path) || is_shared_object_name(file_name(path))
    }

    fn wants_file(&self, path: &str, mode: u32) -> bool {
        mode & 0o111 != 0 || self.wants(path)
    }

    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_ELF_BYTES)
    }

    /// Nothing: a huge file is simply not analysed, and reachability says so where it matters.
    fn oversized(&self, _path: &str, _size: u64, _limit: u64) -> Vec<Fact> {
        Vec::new()
    }

    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        if is_loader_config(path) {
            let config = parse_loader_config(path, content);
            return Ok(if config == LoaderConfig::default() {
                Vec::new()
            } else {
                vec![Fact::LoaderConfig(config)]
            });
        }
        if content.starts_with(&elf::ELFMAG) {
            return Ok(match parse_elf(content) {
                Ok(info) => vec![Fact::Elf(info)],
                Err(e) => vec![Fact::Warning(format!(
                    "/{path}: {e}; its libraries are unknown to reachability"
                ))],
            });
        }
        Ok(parse_shebang(content)
            .map(|s| vec![Fact::Script(s)])
            .unwrap_or_default())
    }
}

/// Reads the loader-relevant parts of an ELF file (see [`ElfInfo`]). Bounded: only the
/// program headers and the dynamic segment are looked at, lists and strings are capped.
pub fn parse_elf(data: &[u8]) -> Result<ElfInfo, MalformedElf> {
    // e_ident[EI_CLASS], byte 4: 1 = ELFCLASS32, 2 = ELFCLASS64.
    let class = *data
        .get(4)
        .ok_or_else(|| MalformedElf::new("truncated header"))?;
    match class {
        2 => parse_class::<elf::FileHeader64<Endianness>>(data, 64),
        1 => parse_class::<elf::FileHeader32<Endianness>>(data, 32),
        _ => Err(MalformedElf::new("unknown ELF class")),
    }
}

fn parse_class<H: FileHeader<Endian = Endianness>>(
    data: &[u8],
    class: u8,
) -> Result<ElfInfo, MalformedElf> {
    let header = H::parse(data)?;
    let endian = header.endian()?;
    let mut info = ElfInfo {
        class,
        machine: header.e_machine(endian).0,
        interpreter: None,
        needed: Vec::new(),
        soname: None,
        rpath: None,
        runpath: None,
        truncated: false,
    };
    let headers = header.program_headers(endian, data)?;
    let mut dynamic = None;
    for ph in headers {
        match ph.p_type(endian) {
            elf::PT_INTERP => {
                if let Some(bytes) = ph.interpreter(endian, data)? {
                    info.interpreter = Some(capped(bytes, &mut info.truncated));
                }
            }
            elf::PT_DYNAMIC => dynamic = ph.dynamic(endian, data)?,
            _ => {}
        }
    }
    let Some(entries) = dynamic else {
        return Ok(info);
    };
    let entries = &entries[..entries.len().min(MAX_DYNAMIC)];
    let mut strtab = None;
    let mut strsz = None;
    for d in entries {
        match d.tag(endian) {
            elf::DT_NULL => break,
            elf::DT_STRTAB => strtab = Some(d.val(endian)),
            elf::DT_STRSZ => strsz = Some(d.val(endian)),
            _ => {}
        }
    }
    let (Some(address), Some(size)) = (strtab, strsz) else {
        return Ok(info);
    };
    let strings = string_table(headers, endian, data, address, size)
        .ok_or_else(|| MalformedElf::new("dynamic string table outside the file"))?;
    for d in entries {
        let tag = d.tag(endian);
        if tag == elf::DT_NULL {
            break;
        }
        let slot = match tag {
            elf::DT_NEEDED => None,
            elf::DT_SONAME => Some(&mut info.soname),
            elf::DT_RPATH => Some(&mut info.rpath),
            elf::DT_RUNPATH => Some(&mut info.runpath),
            _ => continue,
        };
        let offset = usize::try_from(d.val(endian)).unwrap_or(usize::MAX);
        let bytes = strings
            .get(offset..)
            .ok_or_else(|| MalformedElf::new("dynamic string offset out of range"))?;
        let end = bytes
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| MalformedElf::new("unterminated dynamic string"))?;
        let value = capped(&bytes[..end], &mut info.truncated);
        match slot {
            Some(slot) => *slot = Some(value),
            None if info.needed.len() < MAX_NEEDED => info.needed.push(value),
            None => info.truncated = true,
        }
    }
    Ok(info)
}

/// The bytes of the dynamic string table at virtual `address`, mapped to the file through
/// the `PT_LOAD` segment that holds it (the way the loader finds it).
fn string_table<'a, P: ProgramHeader<Endian = Endianness>>(
    headers: &[P],
    endian: Endianness,
    data: &'a [u8],
    address: u64,
    size: u64,
) -> Option<&'a [u8]> {
    headers
        .iter()
        .filter(|ph| ph.p_type(endian) == elf::PT_LOAD)
        .find_map(|ph| {
            let vaddr: u64 = ph.p_vaddr(endian).into();
            let filesz: u64 = ph.p_filesz(endian).into();
            let offset: u64 = ph.p_offset(endian).into();
            let within = address.checked_sub(vaddr).filter(|d| *d < filesz)?;
            let start = offset.checked_add(within)?;
            // The table may not run past the segment's file bytes or the file.
            let len = size.min(filesz - within);
            let start = usize::try_from(start).ok()?;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            data.get(start..end.min(data.len()))
        })
}

/// A string cut to [`MAX_STRING`] bytes (lossy UTF-8), noting the cut.
fn capped(bytes: &[u8], truncated: &mut bool) -> String {
    if bytes.len() > MAX_STRING {
        *truncated = true;
    }
    String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_STRING)]).into_owned()
}

/// The `#!` line of a script, split as Linux does; `None` when there is none or it names no
/// interpreter.
pub fn parse_shebang(content: &[u8]) -> Option<Shebang> {
    let rest = content.strip_prefix(b"#!")?;
    let line = &rest[..rest.len().min(MAX_SHEBANG - 2)];
    let line = line.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    let line = line.trim_start_matches([' ', '\t']);
    let (interpreter, arg) = match line.find([' ', '\t']) {
        Some(i) => (&line[..i], line[i..].trim_matches([' ', '\t'])),
        None => (line, ""),
    };
    if interpreter.is_empty() {
        return None;
    }
    Some(Shebang {
        interpreter: interpreter.to_string(),
        arg: (!arg.is_empty()).then(|| arg.to_string()),
    })
}

/// Reads a loader configuration file at `path` (relative). glibc's format: one directory
/// per line (whitespace, `:` or `,` also separate), `#` comments, `include PATTERN...`,
/// `hwcap` lines ignored; musl's `.path` files: directories separated by newlines or `:`.
/// Only absolute directories are kept; relative include patterns are taken relative to the
/// file's directory, as ldconfig does.
pub fn parse_loader_config(path: &str, content: &[u8]) -> LoaderConfig {
    let text = String::from_utf8_lossy(content);
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut out = LoaderConfig::default();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() || line.len() > MAX_STRING {
            continue;
        }
        let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
        match words.next() {
            Some("include") if !path.ends_with(".path") => {
                for pattern in words {
                    if out.includes.len() < MAX_CONFIG_ENTRIES {
                        out.includes.push(if pattern.starts_with('/') {
                            pattern.to_string()
                        } else {
                            format!("/{dir}/{pattern}")
                        });
                    }
                }
            }
            Some("hwcap") => {}
            _ => {
                for d in line.split([' ', '\t', ':', ',']) {
                    // Old syntax `/usr/lib=libc5` names a library type after the directory.
                    let d = d.split('=').next().unwrap_or_default();
                    if d.starts_with('/') && out.dirs.len() < MAX_CONFIG_ENTRIES {
                        out.dirs.push(d.to_string());
                    }
                }
            }
        }
    }
    out
}

/// True for the loader configuration files the analyzer reads.
fn is_loader_config(path: &str) -> bool {
    path == "etc/ld.so.conf"
        || path == "etc/ld.so.preload"
        || path
            .strip_prefix("etc/ld.so.conf.d/")
            .is_some_and(|name| !name.contains('/') && name.ends_with(".conf"))
        || path
            .strip_prefix("etc/ld-musl-")
            .is_some_and(|name| !name.contains('/') && name.ends_with(".path"))
}

/// True for `libz.so`, `libz.so.1`, `libz.so.1.2.13`, `_yaml.cpython-311-x86_64-linux-gnu.so`.
fn is_shared_object_name(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This test program: a real, dynamically linked ELF file built by the toolchain.
    fn own_binary() -> Vec<u8> {
        std::fs::read(std::env::current_exe().unwrap()).unwrap()
    }

    #[test]
    fn reads_the_dynamic_section_of_a_real_program() {
        let info = parse_elf(&own_binary()).unwrap();
        assert_eq!(
            info.class,
            if cfg!(target_pointer_width = "64") {
                64
            } else {
                32
            }
        );
        assert!(
            info.needed.iter().any(|n| n.starts_with("libc.so")),
            "{info:?}"
        );
        assert!(info
            .interpreter
            .as_deref()
            .is_some_and(|i| i.contains("ld-")));
        assert!(!info.truncated);
        if cfg!(target_arch = "x86_64") {
            assert_eq!(info.machine, 62);
        }
    }

    #[test]
    fn damaged_files_are_errors_never_panics() {
        let mut bytes = own_binary();
        // Every short prefix, and a few long ones: headers and tables cut anywhere.
        for len in (0..4096).chain((4096..bytes.len()).step_by(bytes.len() / 64 + 1)) {
            let _ = parse_elf(&bytes[..len]);
        }
        // Flipped bytes in the header and program header table (flipped back after).
        for i in 0..1024.min(bytes.len()) {
            bytes[i] ^= 0xff;
            let _ = parse_elf(&bytes);
            bytes[i] ^= 0xff;
        }
        assert!(parse_elf(b"\x7fELF").is_err());
        assert!(parse_elf(b"\x7fELF\x09").is_err());
    }

    #[test]
    fn analyzer_picks_executables_libraries_and_loader_config() {
        let a = ElfAnalyzer;
        assert!(a.wants_file("usr/bin/python3.11", 0o755));
        assert!(a.wants_file("usr/lib/x86_64-linux-gnu/libz.so.1.2.13", 0o644));
        assert!(a.wants_file("app/_yaml.cpython-311-x86_64-linux-gnu.so", 0o644));
        assert!(a.wants_file("etc/ld.so.conf", 0o644));
        assert!(a.wants_file("etc/ld.so.conf.d/libc.conf", 0o644));
        assert!(a.wants_file("etc/ld-musl-x86_64.path", 0o644));
        assert!(a.wants_file("etc/ld.so.preload", 0o644));
        assert!(!a.wants_file("etc/ld.so.conf.d/sub/x.conf", 0o644));
        assert!(!a.wants_file("usr/share/doc/README", 0o644));
        assert!(!a.wants_file("app/sockets.txt", 0o644));

        let facts = a.analyze("usr/bin/x", &own_binary()).unwrap();
        assert!(matches!(&facts[..], [Fact::Elf(_)]));
        // A linker script named like a library, a data file: nothing, silently.
        assert!(a
            .analyze(
                "usr/lib/libc.so",
                b"/* GNU ld script */\nGROUP ( libc.so.6 )\n"
            )
            .unwrap()
            .is_empty());
        let facts = a.analyze("usr/bin/bad", b"\x7fELF\x02\x01\x01").unwrap();
        assert!(
            matches!(&facts[..], [Fact::Warning(w)] if w.starts_with("/usr/bin/bad: malformed ELF"))
        );
        let facts = a
            .analyze("usr/local/bin/gunicorn", b"#!/usr/bin/python3\nimport re\n")
            .unwrap();
        assert_eq!(
            facts,
            vec![Fact::Script(Shebang {
                interpreter: "/usr/bin/python3".into(),
                arg: None
            })]
        );
    }

    #[test]
    fn shebang_lines_split_like_linux() {
        let s = parse_shebang(b"#! /usr/bin/env  python3 -u \nrest").unwrap();
        assert_eq!(s.interpreter, "/usr/bin/env");
        assert_eq!(s.arg.as_deref(), Some("python3 -u"));
        let s = parse_shebang(b"#!/bin/sh\r\n").unwrap();
        assert_eq!((s.interpreter.as_str(), s.arg), ("/bin/sh", None));
        assert!(parse_shebang(b"#!\n").is_none());
        assert!(parse_shebang(b"echo hi").is_none());
        let long = [b"#!/bin/".as_slice(), &[b'x'; 1000]].concat();
        assert!(parse_shebang(&long).unwrap().interpreter.len() < MAX_SHEBANG);
    }

    #[test]
    fn loader_config_lists_dirs_and_includes() {
        let c = parse_loader_config(
            "etc/ld.so.conf",
            b"include /etc/ld.so.conf.d/*.conf\ninclude extra/*.conf\n# comment\n/usr/local/lib  # libc\n/opt/a:/opt/b,/opt/c=libc5\nhwcap 0 nosegneg\nrelative/dir\n",
        );
        assert_eq!(
            c.includes,
            vec!["/etc/ld.so.conf.d/*.conf", "/etc/extra/*.conf"]
        );
        assert_eq!(c.dirs, vec!["/usr/local/lib", "/opt/a", "/opt/b", "/opt/c"]);
        let m = parse_loader_config(
            "etc/ld-musl-x86_64.path",
            b"/lib:/usr/lib\n/usr/local/lib\n",
        );
        assert_eq!(m.dirs, vec!["/lib", "/usr/lib", "/usr/local/lib"]);
        assert!(m.includes.is_empty());
    }
}
