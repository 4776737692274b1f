//! The stored form of an [`AffectedEntry`]: a small length-prefixed binary encoding, because
//! every lookup decodes every entry of the package (most of which turn out not to affect the
//! installed version), and decoding JSON was a large part of a lookup's cost. Written by
//! hand rather than with a serde binary format (postcard, bincode): the model's serde
//! attributes (`skip_serializing_if`, `default`) are shaped for JSON and do not round-trip
//! through non-self-describing formats, and this layout is small enough to test whole.
//!
//! Layout (integers are LEB128 varints, strings a varint byte length and UTF-8 bytes):
//!
//! ```text
//! package: str
//! ranges: n, then n × (kind: u8 (0 ECOSYSTEM, 1 SEMVER), events: m, then
//!         m × (tag: u8 (0 introduced, 1 fixed, 2 last_affected, 3 limit), version: str))
//! severity: n, then n × (kind: str, score: str)
//! vendor_severity: u8 (0 none, 1 some), then (source: str, value: str) if some
//! will_not_fix: u8 (0, 1)
//! ```
//!
//! The ecosystem is not stored (it is the row's `ecosystem` column) and neither are the
//! listed versions (they have their own table).

use crate::model::{AffectedEntry, Event, Range, RangeKind, SeverityVector, VendorRating};

/// Encodes everything of `e` but its ecosystem and listed versions.
pub(crate) fn encode_entry(e: &AffectedEntry) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    put_str(&mut out, &e.package);
    put_len(&mut out, e.ranges.len());
    for r in &e.ranges {
        out.push(match r.kind {
            RangeKind::Ecosystem => 0,
            RangeKind::Semver => 1,
        });
        put_len(&mut out, r.events.len());
        for ev in &r.events {
            let (tag, v) = match ev {
                Event::Introduced(v) => (0, v),
                Event::Fixed(v) => (1, v),
                Event::LastAffected(v) => (2, v),
                Event::Limit(v) => (3, v),
            };
            out.push(tag);
            put_str(&mut out, v);
        }
    }
    put_len(&mut out, e.severity.len());
    for s in &e.severity {
        put_str(&mut out, &s.kind);
        put_str(&mut out, &s.score);
    }
    match &e.vendor_severity {
        Some(v) => {
            out.push(1);
            put_str(&mut out, &v.source);
            put_str(&mut out, &v.value);
        }
        None => out.push(0),
    }
    out.push(u8::from(e.will_not_fix));
    out
}

/// Decodes what [`encode_entry`] wrote; `Err` says what is wrong with corrupt bytes.
pub(crate) fn decode_entry(ecosystem: &str, bytes: &[u8]) -> Result<AffectedEntry, String> {
    let mut r = Reader { bytes, pos: 0 };
    let package = r.string()?;
    let n = r.len()?;
    let mut ranges = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = match r.byte()? {
            0 => RangeKind::Ecosystem,
            1 => RangeKind::Semver,
            k => return Err(format!("unknown range kind {k}")),
        };
        let m = r.len()?;
        let mut events = Vec::with_capacity(m);
        for _ in 0..m {
            let tag = r.byte()?;
            let v = r.string()?;
            events.push(match tag {
                0 => Event::Introduced(v),
                1 => Event::Fixed(v),
                2 => Event::LastAffected(v),
                3 => Event::Limit(v),
                t => return Err(format!("unknown event kind {t}")),
            });
        }
        ranges.push(Range { kind, events });
    }
    let n = r.len()?;
    let mut severity = Vec::with_capacity(n);
    for _ in 0..n {
        severity.push(SeverityVector {
            kind: r.string()?,
            score: r.string()?,
        });
    }
    let vendor_severity = match r.byte()? {
        0 => None,
        1 => Some(VendorRating {
            source: r.string()?,
            value: r.string()?,
        }),
        f => return Err(format!("bad vendor severity flag {f}")),
    };
    let will_not_fix = match r.byte()? {
        0 => false,
        1 => true,
        f => return Err(format!("bad will-not-fix flag {f}")),
    };
    if r.pos != bytes.len() {
        return Err(format!("{} trailing bytes", bytes.len() - r.pos));
    }
    Ok(AffectedEntry {
        ecosystem: ecosystem.to_string(),
        package,
        ranges,
        versions: Vec::new(),
        severity,
        vendor_severity,
        will_not_fix,
    })
}

fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.pos).ok_or("truncated entry")?;
        self.pos += 1;
        Ok(b)
    }

    /// A varint that counts something inside the entry, so it cannot exceed its length.
    fn len(&mut self) -> Result<usize, String> {
        let mut n: usize = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 28 {
                return Err("length too large".into());
            }
            n |= usize::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        if n > self.bytes.len() - self.pos {
            return Err("length past the end of the entry".into());
        }
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.len()?;
        let raw = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        std::str::from_utf8(raw)
            .map(str::to_string)
            .map_err(|e| format!("bad text: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> AffectedEntry {
        AffectedEntry {
            ecosystem: "PyPI".into(),
            package: "Dj-ango".into(),
            ranges: vec![
                Range {
                    kind: RangeKind::Ecosystem,
                    events: vec![
                        Event::Introduced("0".into()),
                        Event::Fixed("1.2.3".into()),
                        Event::Introduced("2.0".into()),
                        Event::LastAffected("2.1".into()),
                    ],
                },
                Range {
                    kind: RangeKind::Semver,
                    events: vec![
                        Event::Introduced("1.0.0".into()),
                        Event::Limit("é".repeat(100)),
                    ],
                },
            ],
            versions: Vec::new(),
            severity: vec![SeverityVector {
                kind: "CVSS_V3".into(),
                score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            }],
            vendor_severity: Some(VendorRating {
                source: "debian".into(),
                value: "low".into(),
            }),
            will_not_fix: true,
        }
    }

    #[test]
    fn round_trips() {
        let e = entry();
        assert_eq!(decode_entry("PyPI", &encode_entry(&e)).unwrap(), e);
        let bare = AffectedEntry {
            ranges: Vec::new(),
            severity: Vec::new(),
            vendor_severity: None,
            will_not_fix: false,
            ..e
        };
        assert_eq!(decode_entry("PyPI", &encode_entry(&bare)).unwrap(), bare);
    }

    #[test]
    fn corrupt_bytes_are_errors_not_panics() {
        let good = encode_entry(&entry());
        for cut in 0..good.len() {
            assert!(decode_entry("PyPI", &good[..cut]).is_err(), "cut at {cut}");
        }
        let mut long = good.clone();
        long.push(0);
        assert!(decode_entry("PyPI", &long).is_err());
        assert!(decode_entry("PyPI", &[0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        let mut bad_kind = good;
        bad_kind[1 + "Dj-ango".len() + 1] = 9;
        assert!(decode_entry("PyPI", &bad_kind).is_err());
    }
}
