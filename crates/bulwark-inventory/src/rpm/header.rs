//! The rpm header blob, as every rpm database format stores it: the part of a `.rpm` file's
//! main header after its 8-byte magic.
//!
//! Layout (all integers big-endian):
//!
//! ```text
//! il: u32  dl: u32  index: il × { tag: u32, type: u32, offset: u32, count: u32 }  store: dl bytes
//! ```
//!
//! Each index entry points at `offset` into the data store. The first entry is usually a
//! "region" tag (63, HEADERIMMUTABLE) covering the signed part; entries rpm adds at install time
//! come after the region and override same-tag entries inside it, so a lookup takes the last
//! entry with the tag. The region markers themselves carry nothing we need and are not checked
//! beyond bounds: unlike rpm, which verifies the header it is about to trust, we only read a
//! few strings out of it.

use std::borrow::Cow;

use super::Corrupt;

/// The fields of an installed package's header the inventory uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PackageHeader {
    pub(super) name: String,
    pub(super) version: String,
    pub(super) release: String,
    /// EPOCH, only when the tag is present (rpm shows `(none)` otherwise).
    pub(super) epoch: Option<u32>,
    pub(super) arch: Option<String>,
    /// SOURCERPM: the file name of the source package, `name-version-release.src.rpm`.
    pub(super) source_rpm: Option<String>,
    pub(super) license: Option<String>,
    pub(super) vendor: Option<String>,
    /// Installed size in bytes (LONGSIZE, else SIZE). `Package` has no field for it yet, so
    /// only the tests read it.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(super) size: Option<u64>,
    /// Absolute paths of the files the package owns, in header order.
    pub(super) files: Vec<String>,
}

impl PackageHeader {
    /// Parses a header blob and extracts the package fields.
    pub(super) fn parse(blob: &[u8]) -> Result<Self, Corrupt> {
        let header = Header::parse(blob)?;
        let required = |tag: Tag| {
            header
                .string(tag)?
                .ok_or_else(|| Corrupt(format!("header has no {} tag", tag.name)))
        };
        Ok(Self {
            name: required(NAME)?,
            version: required(VERSION)?,
            release: required(RELEASE)?,
            epoch: header.u32_scalar(EPOCH)?,
            arch: header.string(ARCH)?,
            source_rpm: header.string(SOURCERPM)?,
            license: header.string(LICENSE)?,
            vendor: header.string(VENDOR)?,
            size: match header.u64_scalar(LONGSIZE)? {
                Some(size) => Some(size),
                None => header.u64_scalar(SIZE)?,
            },
            files: header.file_names(blob.len())?,
        })
    }
}

/// A tag number with its rpm name, for messages.
#[derive(Debug, Clone, Copy)]
struct Tag {
    number: u32,
    name: &'static str,
}

const fn tag(number: u32, name: &'static str) -> Tag {
    Tag { number, name }
}

const NAME: Tag = tag(1000, "NAME");
const VERSION: Tag = tag(1001, "VERSION");
const RELEASE: Tag = tag(1002, "RELEASE");
const EPOCH: Tag = tag(1003, "EPOCH");
const SIZE: Tag = tag(1009, "SIZE");
const VENDOR: Tag = tag(1011, "VENDOR");
const LICENSE: Tag = tag(1014, "LICENSE");
const ARCH: Tag = tag(1022, "ARCH");
/// Full paths, from before rpm 4.0 split them into DIRNAMES + BASENAMES (rpm still converts
/// such headers on read, so we do too).
const OLDFILENAMES: Tag = tag(1027, "OLDFILENAMES");
const SOURCERPM: Tag = tag(1044, "SOURCERPM");
const DIRINDEXES: Tag = tag(1116, "DIRINDEXES");
const BASENAMES: Tag = tag(1117, "BASENAMES");
const DIRNAMES: Tag = tag(1118, "DIRNAMES");
const LONGSIZE: Tag = tag(5009, "LONGSIZE");

/// rpm's data types (`rpmTagType`).
const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

/// rpm refuses headers with more index entries or data than this (`hdrchkTags`,
/// `hdrchkData`); so do we, before sizing anything by them.
const MAX_INDEX_ENTRIES: u32 = 0x00ff_ffff;
const MAX_DATA_LEN: u32 = 256 << 20;

const INDEX_ENTRY_LEN: usize = 16;

/// A file list is built by joining each base name with a shared directory name, so a crafted
/// header could make a list far larger than itself (one long directory referenced by every
/// entry). Real headers spend well over a hundred bytes per file on digests, sizes, owners and
/// flags, so their path bytes stay a fraction of the blob; refuse lists beyond this multiple.
const FILE_LIST_EXPANSION: usize = 16;
/// ... but always allow this much, for tiny headers with deep paths.
const FILE_LIST_MIN_BUDGET: usize = 1 << 20;

#[derive(Debug, Clone, Copy)]
struct IndexEntry {
    tag: u32,
    ty: u32,
    offset: u32,
    count: u32,
}

/// A parsed header: the index, and the data store its offsets point into.
struct Header<'a> {
    index: Vec<IndexEntry>,
    store: &'a [u8],
}

impl<'a> Header<'a> {
    fn parse(blob: &'a [u8]) -> Result<Self, Corrupt> {
        let il =
            read_be_u32(blob, 0).ok_or_else(|| Corrupt("header shorter than 8 bytes".into()))?;
        let dl =
            read_be_u32(blob, 4).ok_or_else(|| Corrupt("header shorter than 8 bytes".into()))?;
        if il == 0 || il > MAX_INDEX_ENTRIES {
            return Err(Corrupt(format!("header has {il} index entries")));
        }
        if dl > MAX_DATA_LEN {
            return Err(Corrupt(format!("header data store of {dl} bytes")));
        }
        // Both fit in 32 bits and were capped above, so this cannot overflow a usize.
        let store_start = 8 + il as usize * INDEX_ENTRY_LEN;
        let store_end = store_start + dl as usize;
        let (Some(index), Some(store)) =
            (blob.get(8..store_start), blob.get(store_start..store_end))
        else {
            return Err(Corrupt(format!(
                "header of {} bytes is shorter than its {il} index entries and {dl} data bytes",
                blob.len()
            )));
        };
        let index = index
            .chunks_exact(INDEX_ENTRY_LEN)
            .map(|e| IndexEntry {
                tag: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
                ty: u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
                offset: u32::from_be_bytes([e[8], e[9], e[10], e[11]]),
                count: u32::from_be_bytes([e[12], e[13], e[14], e[15]]),
            })
            .collect();
        Ok(Self { index, store })
    }

    /// The entry for `tag`: the last one, as entries added at install time follow (and
    /// override) the signed region.
    fn entry(&self, tag: Tag) -> Option<IndexEntry> {
        self.index
            .iter()
            .rev()
            .find(|e| e.tag == tag.number)
            .copied()
    }

    /// The data store from the entry's offset to its end.
    fn data(&self, tag: Tag, entry: IndexEntry) -> Result<&'a [u8], Corrupt> {
        self.store.get(entry.offset as usize..).ok_or_else(|| {
            Corrupt(format!(
                "{} data offset {} is past the {}-byte data store",
                tag.name,
                entry.offset,
                self.store.len()
            ))
        })
    }

    /// A string tag (an i18n string gives its first, untranslated, value).
    fn string(&self, tag: Tag) -> Result<Option<String>, Corrupt> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(entry.ty, TYPE_STRING | TYPE_I18NSTRING) || entry.count == 0 {
            return Err(wrong_type(tag, entry, "a string"));
        }
        let mut strings = Strings {
            tag,
            rest: self.data(tag, entry)?,
        };
        Ok(Some(strings.next_string()?.into_owned()))
    }

    /// A string-array tag; absent means empty.
    fn strings(&self, tag: Tag) -> Result<Vec<Cow<'a, str>>, Corrupt> {
        let Some(entry) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if entry.ty != TYPE_STRING_ARRAY {
            return Err(wrong_type(tag, entry, "a string array"));
        }
        let mut strings = Strings {
            tag,
            rest: self.data(tag, entry)?,
        };
        // Every string takes at least its NUL byte, so a count beyond the data is a lie:
        // cap the allocation by what the data could hold and let the loop find the error.
        let count = entry.count as usize;
        let mut out = Vec::with_capacity(count.min(strings.rest.len()));
        for _ in 0..count {
            out.push(strings.next_string()?);
        }
        Ok(out)
    }

    /// An INT32 array tag; absent means empty.
    fn u32s(&self, tag: Tag) -> Result<Vec<u32>, Corrupt> {
        let Some(entry) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if entry.ty != TYPE_INT32 {
            return Err(wrong_type(tag, entry, "INT32"));
        }
        let bytes = self.fixed_width(tag, entry, 4)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The first value of an INT32 tag.
    fn u32_scalar(&self, tag: Tag) -> Result<Option<u32>, Corrupt> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        if entry.ty != TYPE_INT32 || entry.count == 0 {
            return Err(wrong_type(tag, entry, "INT32"));
        }
        let b = self.fixed_width(tag, IndexEntry { count: 1, ..entry }, 4)?;
        Ok(Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
    }

    /// The first value of an INT32 or INT64 tag.
    fn u64_scalar(&self, tag: Tag) -> Result<Option<u64>, Corrupt> {
        let Some(entry) = self.entry(tag) else {
            return Ok(None);
        };
        match entry.ty {
            TYPE_INT32 => self.u32_scalar(tag).map(|v| v.map(u64::from)),
            TYPE_INT64 if entry.count > 0 => {
                let b = self.fixed_width(tag, IndexEntry { count: 1, ..entry }, 8)?;
                let mut value = [0u8; 8];
                value.copy_from_slice(b);
                Ok(Some(u64::from_be_bytes(value)))
            }
            _ => Err(wrong_type(tag, entry, "an integer")),
        }
    }

    /// The `count × width` bytes of a fixed-width array.
    fn fixed_width(&self, tag: Tag, entry: IndexEntry, width: usize) -> Result<&'a [u8], Corrupt> {
        let data = self.data(tag, entry)?;
        (entry.count as usize)
            .checked_mul(width)
            .and_then(|len| data.get(..len))
            .ok_or_else(|| {
                Corrupt(format!(
                    "{} claims {} values but its data ends after {} bytes",
                    tag.name,
                    entry.count,
                    data.len()
                ))
            })
    }

    /// The package's files: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or the legacy
    /// OLDFILENAMES. `blob_len` sizes the budget that stops a crafted header from expanding.
    fn file_names(&self, blob_len: usize) -> Result<Vec<String>, Corrupt> {
        let mut budget = blob_len
            .saturating_mul(FILE_LIST_EXPANSION)
            .max(FILE_LIST_MIN_BUDGET);
        let mut spend = |len: usize| {
            budget = budget.checked_sub(len).ok_or_else(|| {
                Corrupt(format!(
                    "file list expands to more than {FILE_LIST_EXPANSION} times the header size"
                ))
            })?;
            Ok::<_, Corrupt>(())
        };

        let base_names = self.strings(BASENAMES)?;
        if base_names.is_empty() {
            return self
                .strings(OLDFILENAMES)?
                .into_iter()
                .map(|path| {
                    spend(path.len())?;
                    Ok(path.into_owned())
                })
                .collect();
        }
        let dir_names = self.strings(DIRNAMES)?;
        let dir_indexes = self.u32s(DIRINDEXES)?;
        if dir_indexes.len() != base_names.len() {
            return Err(Corrupt(format!(
                "{} BASENAMES but {} DIRINDEXES",
                base_names.len(),
                dir_indexes.len()
            )));
        }
        let mut files = Vec::with_capacity(base_names.len());
        for (base, &dir_index) in base_names.iter().zip(&dir_indexes) {
            let dir = dir_names.get(dir_index as usize).ok_or_else(|| {
                Corrupt(format!(
                    "DIRINDEXES entry {dir_index} is past the {} DIRNAMES",
                    dir_names.len()
                ))
            })?;
            spend(dir.len() + base.len())?;
            files.push(format!("{dir}{base}"));
        }
        Ok(files)
    }
}

/// Walks NUL-terminated strings through a tag's data.
struct Strings<'a> {
    tag: Tag,
    rest: &'a [u8],
}

impl<'a> Strings<'a> {
    fn next_string(&mut self) -> Result<Cow<'a, str>, Corrupt> {
        let nul = self.rest.iter().position(|&b| b == 0).ok_or_else(|| {
            Corrupt(format!(
                "{} string runs past the end of the data store",
                self.tag.name
            ))
        })?;
        let (text, rest) = self.rest.split_at(nul);
        self.rest = rest.get(1..).unwrap_or_default();
        // Old packages carry Latin-1 text; keep what is readable rather than failing.
        Ok(String::from_utf8_lossy(text))
    }
}

fn wrong_type(tag: Tag, entry: IndexEntry, expected: &str) -> Corrupt {
    Corrupt(format!(
        "{} has type {} and count {}, expected {expected}",
        tag.name, entry.ty, entry.count
    ))
}

fn read_be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpm::tests::XorShift;

    /// Builds header blobs for tests: entries are laid out in order in the data store.
    #[derive(Default)]
    struct Builder {
        index: Vec<[u32; 4]>,
        store: Vec<u8>,
    }

    impl Builder {
        fn raw(mut self, tag: u32, ty: u32, count: u32, data: &[u8]) -> Self {
            let align = match ty {
                TYPE_INT32 => 4,
                TYPE_INT64 => 8,
                _ => 1,
            };
            while !self.store.len().is_multiple_of(align) {
                self.store.push(0);
            }
            self.index.push([tag, ty, self.store.len() as u32, count]);
            self.store.extend_from_slice(data);
            self
        }

        fn string(self, tag: Tag, value: &str) -> Self {
            let mut data = value.as_bytes().to_vec();
            data.push(0);
            self.raw(tag.number, TYPE_STRING, 1, &data)
        }

        fn strings(self, tag: Tag, values: &[&str]) -> Self {
            let mut data = Vec::new();
            for value in values {
                data.extend_from_slice(value.as_bytes());
                data.push(0);
            }
            self.raw(tag.number, TYPE_STRING_ARRAY, values.len() as u32, &data)
        }

        fn u32s(self, tag: Tag, values: &[u32]) -> Self {
            let data: Vec<u8> = values.iter().flat_map(|v| v.to_be_bytes()).collect();
            self.raw(tag.number, TYPE_INT32, values.len() as u32, &data)
        }

        fn nvr(self, name: &str, version: &str, release: &str) -> Self {
            self.string(NAME, name)
                .string(VERSION, version)
                .string(RELEASE, release)
        }

        fn build(self) -> Vec<u8> {
            let mut blob = Vec::new();
            blob.extend_from_slice(&(self.index.len() as u32).to_be_bytes());
            blob.extend_from_slice(&(self.store.len() as u32).to_be_bytes());
            for entry in &self.index {
                for field in entry {
                    blob.extend_from_slice(&field.to_be_bytes());
                }
            }
            blob.extend_from_slice(&self.store);
            blob
        }
    }

    #[test]
    fn reads_package_fields_and_dir_based_file_list() {
        let blob = Builder::default()
            .nvr("tiny", "1.0", "2.el9")
            .u32s(EPOCH, &[7])
            .string(ARCH, "x86_64")
            .string(SOURCERPM, "tiny-src-1.0-2.el9.src.rpm")
            .string(LICENSE, "MIT")
            .string(VENDOR, "Example")
            .u32s(SIZE, &[1234])
            .strings(BASENAMES, &["tiny", "a.conf", "b.conf"])
            .strings(DIRNAMES, &["/usr/bin/", "/etc/tiny/"])
            .u32s(DIRINDEXES, &[0, 1, 1])
            .build();
        let header = PackageHeader::parse(&blob).unwrap();
        assert_eq!(header.name, "tiny");
        assert_eq!(header.version, "1.0");
        assert_eq!(header.release, "2.el9");
        assert_eq!(header.epoch, Some(7));
        assert_eq!(header.arch.as_deref(), Some("x86_64"));
        assert_eq!(
            header.source_rpm.as_deref(),
            Some("tiny-src-1.0-2.el9.src.rpm")
        );
        assert_eq!(header.license.as_deref(), Some("MIT"));
        assert_eq!(header.vendor.as_deref(), Some("Example"));
        assert_eq!(header.size, Some(1234));
        assert_eq!(
            header.files,
            ["/usr/bin/tiny", "/etc/tiny/a.conf", "/etc/tiny/b.conf"]
        );
    }

    #[test]
    fn reads_legacy_oldfilenames() {
        let blob = Builder::default()
            .nvr("old", "1", "1")
            .strings(OLDFILENAMES, &["/bin/old", "/etc/old.conf"])
            .build();
        let header = PackageHeader::parse(&blob).unwrap();
        assert_eq!(header.files, ["/bin/old", "/etc/old.conf"]);
        assert_eq!(header.epoch, None);
        assert_eq!(header.arch, None);
    }

    #[test]
    fn later_entries_override_earlier_ones() {
        let blob = Builder::default()
            .nvr("pkg", "1", "1")
            .string(VENDOR, "signed")
            .string(VENDOR, "installed")
            .build();
        let header = PackageHeader::parse(&blob).unwrap();
        assert_eq!(header.vendor.as_deref(), Some("installed"));
    }

    #[test]
    fn reads_longsize_and_latin1_text() {
        let blob = Builder::default()
            .nvr("pkg", "1", "1")
            .raw(VENDOR.number, TYPE_STRING, 1, b"Soci\xe9t\xe9\0")
            .raw(LONGSIZE.number, TYPE_INT64, 1, &(5u64 << 32).to_be_bytes())
            .build();
        let header = PackageHeader::parse(&blob).unwrap();
        assert_eq!(header.vendor.as_deref(), Some("Soci\u{fffd}t\u{fffd}"));
        assert_eq!(header.size, Some(5 << 32));
    }

    fn error_of(blob: &[u8]) -> String {
        PackageHeader::parse(blob).unwrap_err().0
    }

    #[test]
    fn rejects_corrupt_headers() {
        assert!(error_of(b"").contains("shorter"));
        assert!(error_of(&[0, 0, 0, 0, 0, 0, 0, 0]).contains("0 index entries"));
        assert!(error_of(&[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]).contains("index entries"));
        assert!(error_of(&[0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]).contains("data store"));
        assert!(error_of(&[0, 0, 0, 9, 0, 0, 0, 9]).contains("shorter than its 9 index"));
        assert!(error_of(&Builder::default().string(NAME, "x").build()).contains("no VERSION"));

        let unterminated = Builder::default()
            .nvr("pkg", "1", "1")
            .raw(VENDOR.number, TYPE_STRING, 1, b"no nul")
            .build();
        assert!(error_of(&unterminated).contains("VENDOR string runs past"));

        let huge_count = Builder::default()
            .nvr("pkg", "1", "1")
            .raw(BASENAMES.number, TYPE_STRING_ARRAY, u32::MAX, b"a\0")
            .build();
        assert!(error_of(&huge_count).contains("BASENAMES string runs past"));

        let short_ints = Builder::default()
            .nvr("pkg", "1", "1")
            .strings(BASENAMES, &["a"])
            .strings(DIRNAMES, &["/"])
            .raw(DIRINDEXES.number, TYPE_INT32, u32::MAX, &[0, 0, 0, 0])
            .build();
        assert!(error_of(&short_ints).contains("DIRINDEXES claims"));

        let bad_dir = Builder::default()
            .nvr("pkg", "1", "1")
            .strings(BASENAMES, &["a"])
            .strings(DIRNAMES, &["/"])
            .u32s(DIRINDEXES, &[1])
            .build();
        assert!(error_of(&bad_dir).contains("past the 1 DIRNAMES"));

        let mismatched = Builder::default()
            .nvr("pkg", "1", "1")
            .strings(BASENAMES, &["a", "b"])
            .strings(DIRNAMES, &["/"])
            .u32s(DIRINDEXES, &[0])
            .build();
        assert!(error_of(&mismatched).contains("2 BASENAMES but 1 DIRINDEXES"));

        let wrong_type = Builder::default()
            .nvr("pkg", "1", "1")
            .string(EPOCH, "1")
            .build();
        assert!(error_of(&wrong_type).contains("EPOCH has type 6"));

        let mut past_store = Builder::default().nvr("pkg", "1", "1").build();
        past_store[8 + 8..8 + 12].copy_from_slice(&1000u32.to_be_bytes());
        assert!(error_of(&past_store).contains("NAME data offset 1000 is past"));
    }

    #[test]
    fn refuses_file_lists_that_expand_far_beyond_the_header() {
        // One 64 KiB directory shared by 20 000 one-letter files: ~1.3 GB of paths from a
        // 160 KB header.
        let long_dir = format!("/{}/", "d".repeat(64 << 10));
        let names = vec!["f"; 20_000];
        let blob = Builder::default()
            .nvr("bomb", "1", "1")
            .strings(BASENAMES, &names)
            .strings(DIRNAMES, &[long_dir.as_str()])
            .u32s(DIRINDEXES, &vec![0; names.len()])
            .build();
        assert!(error_of(&blob).contains("file list expands"));
    }

    #[test]
    fn mutated_headers_never_panic() {
        let blob = Builder::default()
            .nvr("pkg", "1.0", "1")
            .u32s(EPOCH, &[1])
            .string(ARCH, "noarch")
            .string(SOURCERPM, "pkg-1.0-1.src.rpm")
            .strings(BASENAMES, &["a", "b", "c"])
            .strings(DIRNAMES, &["/x/", "/y/"])
            .u32s(DIRINDEXES, &[0, 1, 1])
            .strings(OLDFILENAMES, &["/old"])
            .raw(LONGSIZE.number, TYPE_INT64, 1, &[0; 8])
            .build();
        assert!(PackageHeader::parse(&blob).is_ok());
        let mut rng = XorShift(42);
        for cut in 0..blob.len() {
            let _ = PackageHeader::parse(&blob[..cut]);
        }
        let mut mutated = blob.clone();
        for _ in 0..20_000 {
            let at = rng.below(blob.len());
            let bits = 1u8 << rng.below(8);
            mutated[at] ^= bits;
            let _ = PackageHeader::parse(&mutated);
            if rng.below(4) != 0 {
                mutated[at] ^= bits; // mostly single flips, sometimes accumulate
            }
        }
    }
}
