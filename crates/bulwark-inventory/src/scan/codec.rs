//! The layer cache's payload: the entry listing in a compact binary form, the analyzers'
//! facts as JSON after it. A warm scan decodes every layer's listing (tens of thousands
//! of entries for a Debian base), and JSON decoding of those small records was the
//! largest part of a warm scan; the facts are few and keep their serde form.
//!
//! Written by hand: the listing is six integers and two strings per entry, and serde's
//! binary formats cannot carry `EntryMeta`'s `skip_serializing_if` fields.
//!
//! Layout: `BWL1`, varint entry count, then per entry: path (varint length + UTF-8),
//! kind (one byte), mode, size, uid, gid (varints), link flag (0/1) and, if 1, the link
//! (varint length + UTF-8); then the facts JSON to the end. Decoding never trusts a
//! length: every read is checked against what is left, so a corrupt entry is a cache
//! miss, never a panic or a huge allocation.

use bulwark_image::{EntryKind, EntryMeta};

use super::{FileFacts, LayerFacts};

const MAGIC: &[u8; 4] = b"BWL1";

/// Encodes `facts` (None only if the facts do not serialize, which is a bug upstream).
pub(super) fn encode(facts: &LayerFacts) -> Option<Vec<u8>> {
    let json = serde_json::to_vec(&facts.facts).ok()?;
    let mut out = Vec::with_capacity(facts.entries.len() * 48 + json.len() + 16);
    out.extend_from_slice(MAGIC);
    varint(&mut out, facts.entries.len() as u64);
    for e in &facts.entries {
        string(&mut out, &e.path);
        out.push(kind_byte(e.kind));
        varint(&mut out, u64::from(e.mode));
        varint(&mut out, e.size);
        varint(&mut out, e.uid);
        varint(&mut out, e.gid);
        match &e.link {
            Some(link) => {
                out.push(1);
                string(&mut out, link);
            }
            None => out.push(0),
        }
    }
    out.extend_from_slice(&json);
    Some(out)
}

/// Decodes what [`encode`] wrote; `None` for anything else (an old or corrupt entry).
pub(super) fn decode(bytes: &[u8]) -> Option<LayerFacts> {
    let mut r = Reader {
        bytes: bytes.strip_prefix(MAGIC)?,
    };
    let count = r.varint()?;
    // Every entry takes at least 8 bytes: a count beyond that is corrupt.
    if count > (r.bytes.len() / 8) as u64 {
        return None;
    }
    let mut entries = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let path = r.string()?;
        let kind = kind_from(r.byte()?)?;
        let mode = u32::try_from(r.varint()?).ok()?;
        let size = r.varint()?;
        let uid = r.varint()?;
        let gid = r.varint()?;
        let link = match r.byte()? {
            0 => None,
            1 => Some(r.string()?),
            _ => return None,
        };
        entries.push(EntryMeta {
            path,
            kind,
            mode,
            size,
            uid,
            gid,
            link,
        });
    }
    let facts: Vec<FileFacts> = serde_json::from_slice(r.bytes).ok()?;
    Some(LayerFacts { entries, facts })
}

fn kind_byte(kind: EntryKind) -> u8 {
    match kind {
        EntryKind::File => 0,
        EntryKind::Dir => 1,
        EntryKind::Symlink => 2,
        EntryKind::Hardlink => 3,
        EntryKind::Whiteout => 4,
        EntryKind::OpaqueDir => 5,
        EntryKind::Other => 6,
    }
}

fn kind_from(b: u8) -> Option<EntryKind> {
    Some(match b {
        0 => EntryKind::File,
        1 => EntryKind::Dir,
        2 => EntryKind::Symlink,
        3 => EntryKind::Hardlink,
        4 => EntryKind::Whiteout,
        5 => EntryKind::OpaqueDir,
        6 => EntryKind::Other,
        _ => return None,
    })
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn string(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn string(&mut self) -> Option<String> {
        let len = usize::try_from(self.varint()?).ok()?;
        if len > self.bytes.len() {
            return None;
        }
        let (s, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        String::from_utf8(s.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyzer::{AnalyzerKind, Fact};

    fn sample() -> LayerFacts {
        let entry = |path: &str, kind, link: Option<&str>| EntryMeta {
            path: path.to_string(),
            kind,
            mode: 0o104755,
            size: 1 << 40,
            uid: 65534,
            gid: u64::MAX,
            link: link.map(str::to_string),
        };
        LayerFacts {
            entries: vec![
                entry("usr/bin/su", EntryKind::File, None),
                entry("lib", EntryKind::Symlink, Some("usr/lib")),
                entry("app/.wh.deploy_key", EntryKind::Whiteout, None),
                entry("ünï/cødé", EntryKind::Hardlink, Some("usr/bin/su")),
                entry("", EntryKind::Other, None),
            ],
            facts: vec![FileFacts {
                path: "var/lib/dpkg/status".into(),
                analyzer: AnalyzerKind::Dpkg,
                facts: vec![Fact::Warning("w".into())],
            }],
        }
    }

    #[test]
    fn round_trips() {
        let facts = sample();
        let bytes = encode(&facts).unwrap();
        let back = decode(&bytes).unwrap();
        assert_eq!(back.entries, facts.entries);
        assert_eq!(back.facts, facts.facts);
        let empty = decode(&encode(&LayerFacts::default()).unwrap()).unwrap();
        assert!(empty.entries.is_empty() && empty.facts.is_empty());
    }

    #[test]
    fn every_truncation_and_byte_flip_is_a_miss_or_a_value_never_a_panic() {
        let bytes = encode(&sample()).unwrap();
        for n in 0..bytes.len() {
            let _ = decode(&bytes[..n]);
        }
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = bytes.clone();
                b[i] ^= flip;
                let _ = decode(&b);
            }
        }
        // A huge entry count does not allocate: it is refused.
        let mut huge = MAGIC.to_vec();
        varint(&mut huge, u64::MAX >> 1);
        assert!(decode(&huge).is_none());
        // The old JSON payload is a miss.
        assert!(decode(br#"{"entries":[],"facts":[]}"#).is_none());
    }
}
