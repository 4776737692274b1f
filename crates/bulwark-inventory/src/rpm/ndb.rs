//! `Packages.db`: rpm's own "NDB" format (`lib/backend/ndb/rpmpkg.c`), used by SUSE.
//!
//! All integers little-endian. The file is a sequence of 16-byte blocks:
//!
//! ```text
//! 0     file header, 32 bytes: magic "RpmP" | version=0 | generation | slot pages | next index
//! 32    slots, to the end of the slot pages (4096 bytes each), 16 bytes each:
//!       magic "Slot" | package index | first block | block count     (first block 0 = free)
//! ...   blobs, each starting at a slot's first block and filling its block count:
//!       "BlbS" | package index | timestamp | length | header blob | zero padding |
//!       adler32 (of everything before it) | length | "BlbE"
//! ```

use super::{Corrupt, OnBlob};

/// The file starts with the little-endian `'R' | 'p' << 8 | 'm' << 16 | 'P' << 24`.
pub(super) const MAGIC: &[u8] = b"RpmP";

const SLOT_MAGIC: &[u8] = b"Slot";
const BLOB_HEAD_MAGIC: &[u8] = b"BlbS";
const BLOB_TAIL_MAGIC: &[u8] = b"BlbE";

const VERSION: u32 = 0;
const FILE_HEADER_LEN: usize = 32;
const SLOT_PAGE_LEN: usize = 4096;
const SLOT_LEN: usize = 16;
const BLOCK_LEN: usize = 16;
const BLOB_HEAD_LEN: usize = 16;
const BLOB_TAIL_LEN: usize = 12;

/// Calls `on_blob` with every package header in the database, in slot order.
pub(super) fn for_each_blob(bytes: &[u8], on_blob: &mut OnBlob<'_>) -> Result<(), Corrupt> {
    let field = |at: usize| read_le_u32(bytes, at).ok_or_else(|| truncated("file header"));
    let version = field(4)?;
    if version != VERSION {
        return Err(Corrupt(format!("unsupported NDB version {version}")));
    }
    let slot_pages = field(12)? as usize;
    let slots_end = slot_pages
        .checked_mul(SLOT_PAGE_LEN)
        .filter(|&end| slot_pages > 0 && end <= bytes.len())
        .ok_or_else(|| {
            Corrupt(format!(
                "{slot_pages} slot pages do not fit in the {}-byte file",
                bytes.len()
            ))
        })?;
    // Blobs live after the slot pages; rpm rejects slots pointing into them.
    let first_blob_block = slots_end / BLOCK_LEN;

    let mut slots = bytes
        .get(FILE_HEADER_LEN..slots_end)
        .unwrap_or_default()
        .chunks_exact(SLOT_LEN);
    for (number, slot) in (FILE_HEADER_LEN / SLOT_LEN..).zip(&mut slots) {
        if !slot.starts_with(SLOT_MAGIC) {
            return Err(Corrupt(format!("slot {number} has a bad magic")));
        }
        let (package, first_block, blocks) = (
            le_u32(slot, 4) as usize,
            le_u32(slot, 8) as usize,
            le_u32(slot, 12) as usize,
        );
        if first_block == 0 {
            continue; // a free slot
        }
        if package == 0 || blocks == 0 || first_block < first_blob_block {
            return Err(Corrupt(format!(
                "slot {number} is invalid (package {package}, block {first_block}, \
                 {blocks} blocks)"
            )));
        }
        let start = first_block.checked_mul(BLOCK_LEN);
        let end = first_block
            .checked_add(blocks)
            .and_then(|end| end.checked_mul(BLOCK_LEN));
        let stored = start
            .zip(end)
            .and_then(|(start, end)| bytes.get(start..end))
            .ok_or_else(|| truncated(&format!("package {package}")))?;
        let blob = unwrap_blob(package, stored)
            .map_err(|Corrupt(reason)| Corrupt(format!("package {package}: {reason}")))?;
        on_blob(package as u64, blob)?;
    }
    Ok(())
}

/// Checks a stored blob's frame and returns the header inside.
fn unwrap_blob(package: usize, stored: &[u8]) -> Result<&[u8], Corrupt> {
    if stored.len() < BLOB_HEAD_LEN + BLOB_TAIL_LEN || !stored.starts_with(BLOB_HEAD_MAGIC) {
        return Err(Corrupt("no blob at the slot's block".into()));
    }
    if le_u32(stored, 4) as usize != package {
        return Err(Corrupt(format!(
            "the slot's blob belongs to package {}",
            le_u32(stored, 4)
        )));
    }
    let len = le_u32(stored, 12) as usize;
    let framed = len
        .checked_add(BLOB_HEAD_LEN + BLOB_TAIL_LEN + BLOCK_LEN - 1)
        .map(|n| n / BLOCK_LEN * BLOCK_LEN);
    if framed != Some(stored.len()) {
        return Err(Corrupt(format!(
            "a {len}-byte blob does not fill its {} blocks",
            stored.len() / BLOCK_LEN
        )));
    }
    let (body, tail) = stored.split_at(stored.len() - BLOB_TAIL_LEN);
    if !tail[8..].starts_with(BLOB_TAIL_MAGIC) || le_u32(tail, 4) as usize != len {
        return Err(Corrupt("the blob's trailer is damaged".into()));
    }
    if adler32(body) != le_u32(tail, 0) {
        return Err(Corrupt("the blob's checksum does not match".into()));
    }
    stored
        .get(BLOB_HEAD_LEN..BLOB_HEAD_LEN + len)
        .ok_or_else(|| Corrupt("the blob overruns its blocks".into()))
}

/// Adler-32 (RFC 1950), as rpm checks its blobs.
fn adler32(bytes: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    // 5552 is the most bytes that can be summed before `b` could overflow a u32.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in bytes.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    b << 16 | a
}

fn truncated(what: &str) -> Corrupt {
    Corrupt(format!("truncated: {what} runs past the end of the file"))
}

fn read_le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(b))
}

/// A field of a slot or blob frame whose length was checked by the caller.
fn le_u32(bytes: &[u8], at: usize) -> u32 {
    read_le_u32(bytes, at).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rpm::tests::fixture;

    fn packages(bytes: &[u8]) -> Result<Vec<u64>, Corrupt> {
        let mut out = Vec::new();
        for_each_blob(bytes, &mut |package, _| {
            out.push(package);
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn adler32_matches_the_rfc_example() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(adler32(b""), 1);
        // Long runs of 0xff exercise the deferred modulo.
        let ones = vec![0xffu8; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for &byte in &ones {
            a = (a + u64::from(byte)) % 65521;
            b = (b + a) % 65521;
        }
        assert_eq!(adler32(&ones), (b << 16 | a) as u32);
    }

    #[test]
    fn reads_every_slot_of_the_fixture() {
        let ids = packages(&fixture("go-rpmdb_sle15-bci_Packages.db")).unwrap();
        assert_eq!(ids.len(), 35);
    }

    #[test]
    fn detects_damage() {
        let bytes = fixture("go-rpmdb_sle15-bci_Packages.db");
        let first_block = le_u32(&bytes, 32 + 8) as usize;

        let mut bad = bytes.clone();
        bad[first_block * BLOCK_LEN + 100] ^= 1;
        assert!(packages(&bad).unwrap_err().0.contains("checksum"));

        let mut bad = bytes.clone();
        bad[32] = b'X';
        assert!(packages(&bad).unwrap_err().0.contains("bad magic"));

        let mut bad = bytes.clone();
        bad[32 + 8..32 + 12].copy_from_slice(&1u32.to_le_bytes());
        assert!(packages(&bad).unwrap_err().0.contains("invalid"));

        let mut bad = bytes.clone();
        bad[32 + 12..32 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(packages(&bad).unwrap_err().0.contains("truncated"));

        let mut bad = bytes.clone();
        bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(packages(&bad).unwrap_err().0.contains("slot pages"));

        assert!(packages(&bytes[..14]).unwrap_err().0.contains("truncated"));
        assert!(packages(&bytes[..20]).unwrap_err().0.contains("slot pages"));
    }
}
