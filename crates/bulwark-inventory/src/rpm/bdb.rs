//! `Packages`: the Berkeley DB hash database of rpm ≤ 4.15 (RHEL/CentOS ≤ 8, Amazon Linux 2).
//!
//! We do not walk the hash table; like go-rpmdb we read the file page by page. Every hash page
//! holds key/value item pairs; rpm's values (the header blobs) are nearly always too big to sit
//! on the page, so the value item is an "off-page" reference to a chain of overflow pages that
//! hold the blob in pieces. Keys are the 4-byte header numbers, used in messages only.
//!
//! Layout (from Berkeley DB's `db_page.h`), integers in the byte order the metadata page's
//! magic reveals:
//!
//! ```text
//! page 0, hash metadata: 12 magic=0x061561 | 16 version | 20 page size | 24 encryption |
//!                        25 page type=8 | 26 meta flags | 32 last page number
//! every other page:      8 page no | 12 prev | 16 next | 20 entries: u16 | 22 high free offset
//!                        (overflow pages: bytes used) | 25 page type | 26 item offsets: u16 × entries
//! hash item:             1 type: 1 = inline data (type byte then data), 3 = off-page
//!                        (type, 3 padding, first overflow page: u32, total length: u32)
//! ```
//!
//! A page's items are packed from its end downwards, so item `i` ends where item `i - 1`
//! starts (item 0 at the page end).

use super::{Corrupt, OnBlob};

/// Hash database magic number, at offset 12 of the metadata page.
const HASH_MAGIC: u32 = 0x0006_1561;

/// Page types (`P_*` in `db_page.h`).
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;

/// Hash item types (`H_*`).
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;

/// The page header every non-metadata page starts with.
const PAGE_HEADER_LEN: usize = 26;
/// With page checksums on, 6 more bytes (2 unused, a 4-byte checksum) follow the header.
const CHECKSUM_LEN: usize = 6;
/// `DBMETA_CHKSUM` in the metadata page's flags byte.
const META_FLAG_CHECKSUM: u8 = 0x01;
const OFFPAGE_ITEM_LEN: usize = 12;
/// The smallest possible rpm header (8 bytes of counts, one 16-byte index entry). Shorter
/// inline values are not headers: rpm keeps its next header number under key 0.
const MIN_HEADER_LEN: usize = 24;

/// True when `bytes` start with a Berkeley DB hash metadata page, in either byte order.
pub(super) fn is_hash_db(bytes: &[u8]) -> bool {
    Endian::of(bytes).is_some()
}

/// Calls `on_blob` with every package header in the database, in page order.
pub(super) fn for_each_blob(bytes: &[u8], on_blob: &mut OnBlob<'_>) -> Result<(), Corrupt> {
    let db = Db::open(bytes)?;
    // In a sound database every overflow page belongs to exactly one chain. Remembering which
    // pages were used stops cycles and shared chains, so the work and memory stay linear in
    // the input however the page links are forged.
    let mut used = vec![false; db.page_count];
    for page_no in 1..db.page_count {
        let page = db.page(page_no)?;
        if !matches!(page[25], P_HASH | P_HASH_UNSORTED) {
            continue;
        }
        let offsets = db.item_offsets(page_no, page)?;
        // Items come in key/value pairs; the values are the odd ones.
        for item in (1..offsets.len()).step_by(2) {
            let value = db.item(page_no, page, &offsets, item)?;
            let record = db.header_number(db.item(page_no, page, &offsets, item - 1)?);
            match value.first() {
                Some(&H_OFFPAGE) => {
                    let blob = db.overflow_chain(page_no, value, &mut used)?;
                    on_blob(record, &blob)?;
                }
                Some(&H_KEYDATA) if value.len() > MIN_HEADER_LEN => on_blob(record, &value[1..])?,
                // Short inline values (the header-number counter) and duplicate sets, which
                // rpm never writes to Packages.
                _ => {}
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endian {
    Little,
    Big,
}

impl Endian {
    /// The byte order of a hash database, from its metadata magic.
    fn of(bytes: &[u8]) -> Option<Self> {
        let magic: [u8; 4] = bytes.get(12..16)?.try_into().ok()?;
        if u32::from_le_bytes(magic) == HASH_MAGIC {
            Some(Self::Little)
        } else if u32::from_be_bytes(magic) == HASH_MAGIC {
            Some(Self::Big)
        } else {
            None
        }
    }

    fn u16(self, bytes: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u16::from_le_bytes(b),
            Self::Big => u16::from_be_bytes(b),
        })
    }

    fn u32(self, bytes: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Self::Little => u32::from_le_bytes(b),
            Self::Big => u32::from_be_bytes(b),
        })
    }
}

/// The database as a sequence of equal-sized pages.
struct Db<'a> {
    bytes: &'a [u8],
    endian: Endian,
    page_size: usize,
    /// Pages the metadata declares (all present in `bytes`).
    page_count: usize,
    /// Bytes before a page's item offsets or overflow data.
    overhead: usize,
}

impl<'a> Db<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, Corrupt> {
        let endian =
            Endian::of(bytes).ok_or_else(|| Corrupt("no Berkeley DB hash magic".into()))?;
        let meta = |at: usize| {
            endian
                .u32(bytes, at)
                .ok_or_else(|| Corrupt("metadata page is truncated".into()))
        };
        let page_size = meta(20)? as usize;
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(Corrupt(format!("invalid page size {page_size}")));
        }
        let last_page = meta(32)? as usize;
        let (Some(&encryption), Some(&page_type), Some(&flags)) =
            (bytes.get(24), bytes.get(25), bytes.get(26))
        else {
            return Err(Corrupt("metadata page is truncated".into()));
        };
        if page_type != P_HASHMETA {
            return Err(Corrupt(format!("metadata page has type {page_type}")));
        }
        if encryption != 0 {
            return Err(Corrupt("the database is encrypted".into()));
        }
        let page_count = last_page
            .checked_add(1)
            .ok_or_else(|| Corrupt("invalid last page number".into()))?;
        let available = bytes.len() / page_size;
        if page_count > available {
            return Err(Corrupt(format!(
                "truncated: the metadata declares {page_count} pages of {page_size} bytes, \
                 the file holds {available}"
            )));
        }
        let overhead = if flags & META_FLAG_CHECKSUM != 0 {
            PAGE_HEADER_LEN + CHECKSUM_LEN
        } else {
            PAGE_HEADER_LEN
        };
        Ok(Self {
            bytes,
            endian,
            page_size,
            page_count,
            overhead,
        })
    }

    fn page(&self, page_no: usize) -> Result<&'a [u8], Corrupt> {
        page_no
            .checked_mul(self.page_size)
            .filter(|_| page_no < self.page_count)
            .and_then(|start| self.bytes.get(start..start.checked_add(self.page_size)?))
            .ok_or_else(|| Corrupt(format!("page {page_no} is past the end of the file")))
    }

    /// A page header field; the header is inside every page, so this only fails on a bug.
    fn field_u16(&self, page: &[u8], at: usize) -> u16 {
        self.endian.u16(page, at).unwrap_or(0)
    }

    fn field_u32(&self, page: &[u8], at: usize) -> u32 {
        self.endian.u32(page, at).unwrap_or(0)
    }

    /// The item offsets of a hash page.
    fn item_offsets(&self, page_no: usize, page: &[u8]) -> Result<Vec<usize>, Corrupt> {
        let entries = usize::from(self.field_u16(page, 20));
        let table = entries
            .checked_mul(2)
            .and_then(|len| page.get(self.overhead..self.overhead.checked_add(len)?))
            .ok_or_else(|| {
                Corrupt(format!(
                    "hash page {page_no} claims {entries} items, more than fit in a page"
                ))
            })?;
        Ok(table
            .chunks_exact(2)
            .map(|b| usize::from(self.field_u16(b, 0)))
            .collect())
    }

    /// Item `index` of a hash page: from its offset to the start of the previous item.
    fn item(
        &self,
        page_no: usize,
        page: &'a [u8],
        offsets: &[usize],
        index: usize,
    ) -> Result<&'a [u8], Corrupt> {
        let start = offsets.get(index).copied();
        let end = match index.checked_sub(1) {
            Some(previous) => offsets.get(previous).copied(),
            None => Some(self.page_size),
        };
        let table_end = self.overhead + offsets.len() * 2;
        match (start, end) {
            (Some(start), Some(end)) if table_end <= start && start < end => page
                .get(start..end)
                .ok_or_else(|| Corrupt(format!("hash page {page_no} item {index} overruns it"))),
            _ => Err(Corrupt(format!(
                "hash page {page_no} item {index} has an invalid offset"
            ))),
        }
    }

    /// rpm's key: the header number, a 4-byte inline item in the writer's byte order.
    fn header_number(&self, key: &[u8]) -> u64 {
        match key {
            [H_KEYDATA, number @ ..] if number.len() == 4 => u64::from(self.field_u32(number, 0)),
            _ => 0,
        }
    }

    /// Joins the overflow pages an off-page item points to.
    fn overflow_chain(
        &self,
        page_no: usize,
        item: &[u8],
        used: &mut [bool],
    ) -> Result<Vec<u8>, Corrupt> {
        if item.len() < OFFPAGE_ITEM_LEN {
            return Err(Corrupt(format!(
                "hash page {page_no} has a truncated off-page item"
            )));
        }
        let mut next = self.field_u32(item, 4) as usize;
        let total = self.field_u32(item, 8) as usize;
        // The chain cannot hold more than the file, so neither can the buffer.
        let mut blob = Vec::with_capacity(total.min(self.bytes.len()));
        while next != 0 {
            let current = next;
            let seen = used
                .get_mut(current)
                .ok_or_else(|| Corrupt(format!("overflow page {current} is past the end")))?;
            if std::mem::replace(seen, true) {
                return Err(Corrupt(format!(
                    "overflow page {current} is linked twice (a cycle or a shared chain)"
                )));
            }
            let page = self.page(current)?;
            if page[25] != P_OVERFLOW {
                return Err(Corrupt(format!(
                    "overflow chain from hash page {page_no} reaches page {current} of type {}",
                    page[25]
                )));
            }
            let len = usize::from(self.field_u16(page, 22));
            let data = page
                .get(self.overhead..self.overhead + len)
                .ok_or_else(|| Corrupt(format!("overflow page {current} claims {len} bytes")))?;
            blob.extend_from_slice(data);
            if blob.len() > total {
                break;
            }
            next = self.field_u32(page, 16) as usize;
        }
        if blob.len() != total {
            return Err(Corrupt(format!(
                "overflow chain from hash page {page_no} holds {} bytes, the item says {total}",
                blob.len()
            )));
        }
        Ok(blob)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpm::tests::fixture;

    fn blobs(bytes: &[u8]) -> Result<Vec<Vec<u8>>, Corrupt> {
        let mut out = Vec::new();
        for_each_blob(bytes, &mut |_, blob| {
            out.push(blob.to_vec());
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_the_fixtures() {
        assert_eq!(
            blobs(&fixture("go-rpmdb_libuuid_Packages")).unwrap().len(),
            1
        );
        assert_eq!(
            blobs(&fixture("osv-scalibr_Packages_epoch")).unwrap().len(),
            1
        );
    }

    /// Finds the first off-page item of the fixture: (hash page, item offset).
    fn first_offpage(bytes: &[u8]) -> (usize, usize) {
        let db = Db::open(bytes).unwrap();
        for page_no in 1..db.page_count {
            let page = db.page(page_no).unwrap();
            if page[25] != P_HASH {
                continue;
            }
            let offsets = db.item_offsets(page_no, page).unwrap();
            for item in (1..offsets.len()).step_by(2) {
                if page[offsets[item]] == H_OFFPAGE {
                    return (page_no, page_no * db.page_size + offsets[item]);
                }
            }
        }
        panic!("no off-page item");
    }

    #[test]
    fn detects_overflow_cycles() {
        let mut bytes = fixture("go-rpmdb_libuuid_Packages");
        let (_, item_at) = first_offpage(&bytes);
        let first = u32::from_le_bytes(bytes[item_at + 4..item_at + 8].try_into().unwrap());
        // Point the first overflow page's "next" link back at itself.
        let page_at = first as usize * 4096;
        bytes[page_at + 16..page_at + 20].copy_from_slice(&first.to_le_bytes());
        let err = blobs(&bytes).unwrap_err();
        assert!(err.0.contains("linked twice"), "{err}");
    }

    #[test]
    fn detects_a_wrong_total_length() {
        let mut bytes = fixture("go-rpmdb_libuuid_Packages");
        let (_, item_at) = first_offpage(&bytes);
        bytes[item_at + 8..item_at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = blobs(&bytes).unwrap_err();
        assert!(err.0.contains("the item says"), "{err}");
    }

    #[test]
    fn detects_truncation_and_bad_metadata() {
        let bytes = fixture("go-rpmdb_libuuid_Packages");
        let err = blobs(&bytes[..bytes.len() - 1]).unwrap_err();
        assert!(err.0.contains("truncated"), "{err}");

        let mut bad = bytes.clone();
        bad[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(blobs(&bad).unwrap_err().0.contains("page size"));

        let mut bad = bytes.clone();
        bad[24] = 1;
        assert!(blobs(&bad).unwrap_err().0.contains("encrypted"));
    }

    /// Byte-swaps every page structure of a little-endian fixture, giving what a big-endian
    /// machine would have written.
    fn to_big_endian(bytes: &[u8]) -> Vec<u8> {
        let db = Db::open(bytes).unwrap();
        let mut out = bytes.to_vec();
        let swap32 = |out: &mut Vec<u8>, at: usize| out[at..at + 4].reverse();
        let swap16 = |out: &mut Vec<u8>, at: usize| out[at..at + 2].reverse();
        for at in [12, 16, 20, 32] {
            swap32(&mut out, at);
        }
        for page_no in 1..db.page_count {
            let base = page_no * db.page_size;
            let page = db.page(page_no).unwrap();
            for at in [8, 12, 16] {
                swap32(&mut out, base + at);
            }
            swap16(&mut out, base + 20);
            swap16(&mut out, base + 22);
            if page[25] == P_HASH {
                let offsets = db.item_offsets(page_no, page).unwrap();
                for (i, &offset) in offsets.iter().enumerate() {
                    swap16(&mut out, base + PAGE_HEADER_LEN + 2 * i);
                    if page[offset] == H_OFFPAGE {
                        swap32(&mut out, base + offset + 4);
                        swap32(&mut out, base + offset + 8);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn reads_big_endian_databases() {
        let bytes = fixture("go-rpmdb_libuuid_Packages");
        let swapped = to_big_endian(&bytes);
        assert_eq!(Endian::of(&swapped), Some(Endian::Big));
        assert_eq!(blobs(&swapped).unwrap(), blobs(&bytes).unwrap());
    }
}
