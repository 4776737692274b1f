//! rpm package databases: find which of rpm's three on-disk formats a file is in, pull the
//! package header blobs out of it and turn each header into a [`Package`].
//!
//! rpm has stored its database in three formats over the years, and images of every age are
//! still around:
//!
//! - Berkeley DB hash (`/var/lib/rpm/Packages`): RHEL/CentOS ≤ 8, Amazon Linux 2, older SUSE
//!   (`bdb.rs`);
//! - NDB (`Packages.db`), rpm's own simple format: SUSE 15 (`ndb.rs`);
//! - SQLite (`rpmdb.sqlite`): Fedora ≥ 33, RHEL 9, CBL-Mariner (`sqlite.rs`).
//!
//! All three store the same thing: one rpm header blob per installed package, which `header.rs`
//! parses. The other files next to the database (`Name`, `Basenames`, ...) are indexes derived
//! from those blobs, so they are never read.
//!
//! The input is untrusted (it comes from an image): every reader bounds-checks offsets, caps
//! counts by the input size and reports a corrupt database as an error, never a panic.
//!
//! ```no_run
//! use bulwark_inventory::rpm;
//!
//! let bytes = std::fs::read("rootfs/var/lib/rpm/rpmdb.sqlite")?;
//! for package in rpm::parse_rpmdb("var/lib/rpm/rpmdb.sqlite", &bytes)? {
//!     println!("{} {}", package.name, package.version);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod bdb;
mod header;
mod ndb;
mod sqlite;

use std::fmt;

use crate::{InventoryError, Package, PackageKind};
use header::PackageHeader;

/// Which of rpm's database formats a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RpmDbFormat {
    /// `rpmdb.sqlite`: a SQLite database with a `Packages(hnum, blob)` table.
    Sqlite,
    /// `Packages`: a Berkeley DB hash database keyed by header number.
    BerkeleyDb,
    /// `Packages.db`: rpm's own "new database" format (SUSE).
    Ndb,
}

/// Paths (relative to the image root, no leading slash) where rpm keeps its database.
pub const RPMDB_PATHS: &[&str] = &[
    "var/lib/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages.db",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
];

/// Detects the format from the content's magic bytes.
pub fn detect(bytes: &[u8]) -> Option<RpmDbFormat> {
    if bytes.starts_with(sqlite::MAGIC) {
        Some(RpmDbFormat::Sqlite)
    } else if bytes.starts_with(ndb::MAGIC) {
        Some(RpmDbFormat::Ndb)
    } else if bdb::is_hash_db(bytes) {
        Some(RpmDbFormat::BerkeleyDb)
    } else {
        None
    }
}

/// Parses a whole rpm database held in memory; `path` is only used in messages and as
/// [`Package::found_in`].
///
/// The `gpg-pubkey` pseudo packages (the keys imported with `rpm --import`) are left out.
pub fn parse_rpmdb(path: &str, bytes: &[u8]) -> Result<Vec<Package>, InventoryError> {
    let format = detect(bytes).ok_or_else(|| {
        InventoryError::db(
            path,
            "not an rpm database (no SQLite, Berkeley DB hash or NDB magic)",
        )
    })?;
    let mut packages = Vec::new();
    let mut on_blob = |record: u64, blob: &[u8]| -> Result<(), Corrupt> {
        let header = PackageHeader::parse(blob)
            .map_err(|e| Corrupt(format!("package record {record}: {e}")))?;
        if header.name != GPG_PUBKEY {
            packages.push(to_package(path, header));
        }
        Ok(())
    };
    let read = match format {
        RpmDbFormat::Sqlite => sqlite::for_each_blob(bytes, &mut on_blob),
        RpmDbFormat::BerkeleyDb => bdb::for_each_blob(bytes, &mut on_blob),
        RpmDbFormat::Ndb => ndb::for_each_blob(bytes, &mut on_blob),
    };
    read.map_err(|Corrupt(reason)| InventoryError::db(path, format!("{format}: {reason}")))?;
    Ok(packages)
}

impl fmt::Display for RpmDbFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "rpm SQLite database",
            Self::BerkeleyDb => "rpm Berkeley DB database",
            Self::Ndb => "rpm NDB database",
        })
    }
}

/// The name rpm gives the headers that hold imported signing keys.
const GPG_PUBKEY: &str = "gpg-pubkey";

/// Why a database or one of its headers could not be read; the readers return it and
/// [`parse_rpmdb`] turns it into an [`InventoryError`] naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Corrupt(String);

impl fmt::Display for Corrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The callback through which a format reader hands over each header blob with its record
/// number (SQLite `hnum`, NDB package index, Berkeley DB key).
type OnBlob<'a> = dyn FnMut(u64, &[u8]) -> Result<(), Corrupt> + 'a;

fn to_package(path: &str, header: PackageHeader) -> Package {
    let version_release = format!("{}-{}", header.version, header.release);
    let version = match header.epoch {
        Some(epoch) => format!("{epoch}:{version_release}"),
        None => version_release.clone(),
    };
    let mut package = Package::new(PackageKind::Rpm, header.name, version, path);
    package.epoch = header.epoch.map(u64::from);
    package.arch = header.arch;
    if let Some((name, source_version)) = header.source_rpm.as_deref().and_then(split_source_rpm) {
        package.source_name = Some(name.to_owned());
        if source_version != version_release {
            package.source_version = Some(source_version.to_owned());
        }
    }
    package.licenses = header.license.into_iter().collect();
    package.maintainer = header.vendor;
    package.files = header.files;
    package
}

/// Splits `name-version-release.src.rpm` into `(name, "version-release")`.
fn split_source_rpm(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name
        .strip_suffix(".src.rpm")
        .or_else(|| file_name.strip_suffix(".nosrc.rpm"))?;
    let (name_version, release) = stem.rsplit_once('-')?;
    let (name, version) = name_version.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name, &stem[name.len() + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn splits_source_rpm_names() {
        assert_eq!(
            split_source_rpm("util-linux-2.32.1-42.el8_8.src.rpm"),
            Some(("util-linux", "2.32.1-42.el8_8"))
        );
        assert_eq!(
            split_source_rpm("gcc12-12.2.1+git416-150000.1.5.1.src.rpm"),
            Some(("gcc12", "12.2.1+git416-150000.1.5.1"))
        );
        assert_eq!(split_source_rpm("x-1-2.nosrc.rpm"), Some(("x", "1-2")));
        assert_eq!(split_source_rpm("(none)"), None);
        assert_eq!(split_source_rpm("noversion.src.rpm"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
        assert_eq!(split_source_rpm("a--2.src.rpm"), None);
    }

    #[test]
    fn detects_formats_by_magic() {
        assert_eq!(detect(b"SQLite format 3\0rest"), Some(RpmDbFormat::Sqlite));
        assert_eq!(detect(b"RpmP\0\0\0\0"), Some(RpmDbFormat::Ndb));
        let mut bdb = [0u8; 512];
        bdb[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        assert_eq!(detect(&bdb), Some(RpmDbFormat::BerkeleyDb));
        bdb[12..16].copy_from_slice(&0x0006_1561u32.to_be_bytes());
        assert_eq!(detect(&bdb), Some(RpmDbFormat::BerkeleyDb));
        // A Berkeley DB btree (magic 0x053162) is not an rpm Packages file.
        bdb[12..16].copy_from_slice(&0x0005_3162u32.to_le_bytes());
        assert_eq!(detect(&bdb), None);
        assert_eq!(detect(b""), None);
        assert_eq!(detect(b"\x7fELF"), None);
    }

    #[test]
    fn unknown_format_is_an_error() {
        let err = parse_rpmdb("var/lib/rpm/Packages", b"hello").unwrap_err();
        assert!(err.to_string().contains("var/lib/rpm/Packages"), "{err}");
    }

    pub(super) fn fixture(name: &str) -> Vec<u8> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/fixtures/pkgdb/rpmdb")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "rpm fixture {} is missing ({e}); the tests need the shared fixtures checked out \
                 next to the workspace",
                path.display()
            )
        })
    }

    /// A small deterministic generator, so a failing mutation can be replayed.
    pub(super) struct XorShift(pub(super) u64);

    impl XorShift {
        pub(super) fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        pub(super) fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Truncated and bit-flipped copies of every real database must give `Ok` or `Err`,
    /// never a panic (the test harness reports a panic as a failure).
    #[test]
    fn corrupt_fixtures_never_panic() {
        for (name, flips) in [
            ("go-rpmdb_cbl-mariner-2.0_rpmdb.sqlite", 60),
            ("go-rpmdb_sle15-bci_Packages.db", 300),
            ("go-rpmdb_libuuid_Packages", 300),
            ("osv-scalibr_Packages_epoch", 300),
        ] {
            let original = fixture(name);
            assert!(
                parse_rpmdb(name, &original).is_ok(),
                "{name} must parse intact"
            );
            let mut rng = XorShift(0x9e37_79b9_7f4a_7c15 ^ original.len() as u64);

            // Truncations: at every structure boundary of the first pages, then spread out.
            let mut cuts: Vec<usize> = (0..64).chain([100, 511, 512, 4095, 4096, 4097]).collect();
            cuts.extend((0..40).map(|_| rng.below(original.len())));
            for cut in cuts.into_iter().filter(|&c| c < original.len()) {
                let _ = parse_rpmdb(name, &original[..cut]);
            }

            // Bit flips: single flips anywhere, and bursts in the first page where the
            // format's own header and the first index entries live.
            let mut mutated = original.clone();
            for round in 0..flips {
                let at = if round % 3 == 0 {
                    rng.below(original.len().min(8192))
                } else {
                    rng.below(original.len())
                };
                let bits = 1u8 << rng.below(8);
                mutated[at] ^= bits;
                let _ = parse_rpmdb(name, &mutated);
                mutated[at] ^= bits;
            }
            // Overwrite whole 32-bit fields with extreme values.
            for _ in 0..flips / 3 {
                let at = rng.below(original.len().saturating_sub(4)) & !3;
                let saved: [u8; 4] = [
                    mutated[at],
                    mutated[at + 1],
                    mutated[at + 2],
                    mutated[at + 3],
                ];
                let value = [0u32, 1, 0x7fff_ffff, 0xffff_ffff, 0x1000][rng.below(5)];
                mutated[at..at + 4].copy_from_slice(&value.to_le_bytes());
                let _ = parse_rpmdb(name, &mutated);
                mutated[at..at + 4].copy_from_slice(&saved);
            }
        }
    }
}
