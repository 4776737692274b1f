//! Rust executables built with `cargo auditable`: the dependency list it embeds in a
//! `.dep-v0` section (ELF, PE, Mach-O) as zlib-compressed JSON,
//! `{"packages":[{"name","version","source","kind","dependencies","root"}]}`.
//!
//! Only what is linked in counts, as Trivy and Syft read it: runtime packages (`kind` absent
//! or `runtime`; `build` ones ran at build time only), from crates.io, another registry or
//! git. The root package (`root: true`) and `local` (path) packages are the project's own
//! code, not third-party packages.

use std::collections::BTreeSet;
use std::io::Read;

use object::{Object, ObjectSection};
use serde::Deserialize;

use super::go_binary::{executable_format, MAX_EXECUTABLE_BYTES};
use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::{InventoryError, Package, PackageKind};

/// Largest decompressed dependency list accepted (8 MiB; a binary with a thousand crates
/// needs about 100 KiB). More is a decompression bomb.
const MAX_JSON_BYTES: u64 = 8 << 20;

/// Reads the `cargo auditable` dependency list of every executable file (any execute bit).
/// Files without the section give nothing.
pub(crate) struct CargoAuditableAnalyzer;

impl Analyzer for CargoAuditableAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::CargoAuditable
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
    /// Silent, as for Go binaries: an unread file is not known to be a Rust binary.
    fn oversized(&self, _path: &str, _size: u64, _limit: u64) -> Vec<Fact> {
        Vec::new()
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        Ok(match read_dependency_list(content) {
            Ok(None) => Vec::new(),
            Ok(Some(list)) => vec![Fact::Packages(packages(&list, &format!("/{path}")))],
            Err(reason) => vec![Fact::Warning(format!("/{path}: skipped: {reason}"))],
        })
    }
}

/// The embedded dependency list; unknown keys are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct DependencyList {
    pub packages: Vec<AuditedPackage>,
}

/// One package of the list.
#[derive(Debug, Deserialize)]
pub(crate) struct AuditedPackage {
    pub name: String,
    pub version: String,
    /// `crates.io`, `git`, `local`, `registry` (or an object for other sources).
    pub source: serde_json::Value,
    /// `runtime` (the default, usually omitted) or `build`.
    #[serde(default)]
    pub kind: Option<String>,
    /// True for the binary's own package.
    #[serde(default)]
    pub root: bool,
}

/// The dependency list of an executable. `Ok(None)`: not an executable, or no `.dep-v0`
/// section. `Err`: the section is there but not a readable list.
pub(crate) fn read_dependency_list(bytes: &[u8]) -> Result<Option<DependencyList>, String> {
    if executable_format(bytes).is_none() {
        return Ok(None);
    }
    let Ok(file) = object::File::parse(bytes) else {
        return Ok(None);
    };
    let Some(section) = file.section_by_name(".dep-v0") else {
        return Ok(None);
    };
    let compressed = section
        .data()
        .map_err(|e| format!("unreadable .dep-v0 section: {e}"))?;
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(compressed)
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!(".dep-v0 is not zlib data: {e}"))?;
    if json.len() as u64 > MAX_JSON_BYTES {
        return Err(format!(
            ".dep-v0 decompresses to over {MAX_JSON_BYTES} bytes"
        ));
    }
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(|e| format!(".dep-v0 is not a cargo-auditable dependency list: {e}"))
}

/// The third-party runtime crates of the list, each (name, version) once.
pub(crate) fn packages(list: &DependencyList, found_in: &str) -> Vec<Package> {
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    let mut out = Vec::new();
    for p in &list.packages {
        let third_party = matches!(p.source.as_str(), Some("crates.io" | "registry" | "git"));
        let runtime = p.kind.as_deref().is_none_or(|k| k == "runtime");
        if third_party
            && runtime
            && !p.root
            && !p.name.is_empty()
            && !p.version.is_empty()
            && seen.insert((&p.name, &p.version))
        {
            out.push(Package::new(
                PackageKind::Cargo,
                p.name.as_str(),
                p.version.as_str(),
                found_in,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::lang::test_support::{installed, nv, warning};

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    const LIST: &str = r#"{"packages":[
        {"name":"demo","version":"0.1.0","source":"local","dependencies":[1,2,3,4],"root":true},
        {"name":"itoa","version":"1.0.11","source":"crates.io"},
        {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"},
        {"name":"inhouse","version":"2.0.0","source":"registry","kind":"runtime"},
        {"name":"pathdep","version":"0.1.0","source":"local"},
        {"name":"forked","version":"0.3.0","source":"git"},
        {"name":"odd","version":"1.0.0","source":{"other":"x"}},
        {"name":"itoa","version":"1.0.11","source":"crates.io"}
    ],"format":1}"#;

    #[test]
    fn runtime_third_party_crates_only() {
        let list: DependencyList = serde_json::from_str(LIST).unwrap();
        let got: Vec<(String, String)> = packages(&list, "/bin/demo")
            .into_iter()
            .map(|p| (p.name, p.version))
            .collect();
        assert_eq!(
            got,
            nv(&[
                ("itoa", "1.0.11"),
                ("inhouse", "2.0.0"),
                ("forked", "0.3.0")
            ])
        );
    }

    #[test]
    fn not_executables_or_no_section_are_silent() {
        for bytes in [&b""[..], b"#!/bin/sh\n", b"\x7fELF\x02\x01\x01", b"MZ"] {
            assert!(read_dependency_list(bytes).unwrap().is_none());
        }
        let a = CargoAuditableAnalyzer;
        assert!(a.wants_file("usr/local/bin/x", 0o700));
        assert!(!a.wants_file("usr/local/bin/x", 0o600));
        assert!(a.oversized("x", 1 << 30, 1).is_empty());
    }

    /// A minimal ELF64 with one `.dep-v0` section holding `payload` (the layout object's
    /// own writer produces; written by hand to keep the test free of a writer dependency).
    fn elf_with_dep_v0(payload: &[u8]) -> Vec<u8> {
        let shstrtab = b"\0.dep-v0\0.shstrtab\0";
        let data_off = 64u64;
        let strtab_off = data_off + payload.len() as u64;
        let shoff = (strtab_off + shstrtab.len() as u64 + 7) & !7;
        let mut b = vec![0u8; shoff as usize + 3 * 64];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2; // 64-bit
        b[5] = 1; // little-endian
        b[6] = 1;
        b[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        b[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
        b[20..24].copy_from_slice(&1u32.to_le_bytes());
        b[40..48].copy_from_slice(&shoff.to_le_bytes());
        b[52..54].copy_from_slice(&64u16.to_le_bytes()); // ehsize
        b[58..60].copy_from_slice(&64u16.to_le_bytes()); // shentsize
        b[60..62].copy_from_slice(&3u16.to_le_bytes()); // shnum
        b[62..64].copy_from_slice(&2u16.to_le_bytes()); // shstrndx
        b[64..64 + payload.len()].copy_from_slice(payload);
        b[strtab_off as usize..strtab_off as usize + shstrtab.len()].copy_from_slice(shstrtab);
        let mut section = |index: usize, name: u32, kind: u32, off: u64, size: u64| {
            let s = shoff as usize + index * 64;
            b[s..s + 4].copy_from_slice(&name.to_le_bytes());
            b[s + 4..s + 8].copy_from_slice(&kind.to_le_bytes());
            b[s + 24..s + 32].copy_from_slice(&off.to_le_bytes());
            b[s + 32..s + 40].copy_from_slice(&size.to_le_bytes());
            b[s + 48..s + 56].copy_from_slice(&1u64.to_le_bytes());
        };
        section(1, 1, 1, data_off, payload.len() as u64);
        section(2, 9, 3, strtab_off, shstrtab.len() as u64);
        b
    }

    #[test]
    fn reads_the_section_and_bounds_decompression() {
        let elf = elf_with_dep_v0(&zlib(LIST.as_bytes()));
        // All Cargo, found in /bin/demo (checked by `installed`).
        let p = installed(
            &CargoAuditableAnalyzer,
            "bin/demo",
            &elf,
            PackageKind::Cargo,
        );
        assert_eq!(p.len(), 3);

        let warning = |payload: &[u8]| {
            warning(
                &CargoAuditableAnalyzer,
                "bin/demo",
                &elf_with_dep_v0(payload),
            )
        };
        // 9 MiB of spaces compress to a few KiB: refused after 8 MiB.
        let bomb = zlib(&vec![b' '; 9 << 20]);
        assert!(bomb.len() < 64 << 10);
        assert!(warning(&bomb).contains("over 8388608 bytes"));
        assert!(warning(b"not zlib").contains("not zlib"));
        assert!(warning(&zlib(b"{\"packages\": 5}")).contains("not a cargo-auditable"));
        let truncated = zlib(LIST.as_bytes());
        assert!(warning(&truncated[..truncated.len() / 2]).starts_with("/bin/demo: skipped: "));
    }

    #[test]
    fn never_panics_on_truncated_elf() {
        let elf = elf_with_dep_v0(&zlib(LIST.as_bytes()));
        for end in 0..=elf.len() {
            let _ = read_dependency_list(&elf[..end]);
        }
    }
}
