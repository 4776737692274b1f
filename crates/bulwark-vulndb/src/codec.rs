//! The stored forms of [`AffectedEntry`], [`Advisory`] and of one package's row: small
//! length-prefixed binary encodings, because every lookup walks every entry of the package
//! (most of which turn out not to affect the installed version), and decoding JSON was a
//! large part of a lookup's cost. Written by hand rather than with a serde binary format
//! (postcard, bincode): the model's serde attributes (`skip_serializing_if`, `default`) are
//! shaped for JSON and do not round-trip through non-self-describing formats, and these
//! layouts are small enough to test whole.
//!
//! Reading is zero-copy: [`EntryRef`] and [`AdvisoryRef`] check their bytes once (structure,
//! tags, UTF-8) and then hand out `&str`s borrowed from the stored row, so matching
//! allocates nothing for the entries that do not match, and only the fields a finding keeps
//! for those that do.
//!
//! Layouts. Integers are LEB128 varints. An entry and an advisory are each a *header* and a
//! *pool*: every string's UTF-8 bytes go, in order, to the pool, which is checked as UTF-8 once,
//! and the header holds the structure with each string's byte length (`str` below). `opt x`
//! is a byte 0 (none) or 1 followed by `x`; `bytes` is a varint length and that many bytes.
//!
//! ```text
//! entry:    pool length, header, pool; the header:
//!           package: str
//!           ranges: n, then n × (kind: u8 (0 ECOSYSTEM, 1 SEMVER), events: m, then
//!                   m × (tag: u8 (0 introduced, 1 fixed, 2 last_affected, 3 limit), version: str))
//!           severity: n, then n × (kind: str, score: str)
//!           vendor_severity: opt (source: str, value: str)
//!           will_not_fix: u8 (0, 1)
//! advisory: pool length, header, pool; the header:
//!           aliases: n × str
//!           summary: opt str
//!           severity: n, then n × (kind: str, score: str)
//!           vendor_severity: opt (source: str, value: str)
//!           published: opt str, modified: opt str, url: opt str
//! package row (one per `name::package_key`; several packages only if their keys collide):
//!           packages: n, then n × (ecosystem: str, name key: str, entries: m, then
//!                   m × (entry id: varint, listed count: varint, advisory id: str,
//!                        entry: bytes, advisory: bytes))
//!           (here `str` is a varint byte length and the UTF-8 bytes)
//! ```
//!
//! An entry's ecosystem is its package's, and its listed versions live in the `listed` table
//! (keyed by the entry id). A package's entries are sorted by advisory ID, then entry id.

use crate::model::{
    Advisory, AffectedEntry, Event, EventKind, Range, RangeKind, SeverityVector, VendorRating,
};

/// Encodes everything of `e` but its ecosystem and listed versions.
pub(crate) fn encode_entry(e: &AffectedEntry) -> Vec<u8> {
    let mut w = Writer::default();
    w.str(&e.package);
    w.len(e.ranges.len());
    for r in &e.ranges {
        w.byte(match r.kind {
            RangeKind::Ecosystem => 0,
            RangeKind::Semver => 1,
        });
        w.len(r.events.len());
        for ev in &r.events {
            let (tag, v) = match ev {
                Event::Introduced(v) => (0, v),
                Event::Fixed(v) => (1, v),
                Event::LastAffected(v) => (2, v),
                Event::Limit(v) => (3, v),
            };
            w.byte(tag);
            w.str(v);
        }
    }
    w.len(e.severity.len());
    for s in &e.severity {
        w.str(&s.kind);
        w.str(&s.score);
    }
    w.opt_pair(e.vendor_severity.as_ref().map(|v| (&*v.source, &*v.value)));
    w.byte(u8::from(e.will_not_fix));
    w.finish()
}

/// Decodes what [`encode_entry`] wrote; `Err` says what is wrong with corrupt bytes.
#[cfg(test)]
pub(crate) fn decode_entry(ecosystem: &str, bytes: &[u8]) -> Result<AffectedEntry, String> {
    EntryRef::parse(bytes).map(|e| e.to_entry(ecosystem))
}

/// Encodes everything of `a` but its ID (stored next to it).
pub(crate) fn encode_advisory(a: &Advisory) -> Vec<u8> {
    let mut w = Writer::default();
    w.len(a.aliases.len());
    for alias in &a.aliases {
        w.str(alias);
    }
    w.opt_str(a.summary.as_deref());
    w.len(a.severity.len());
    for s in &a.severity {
        w.str(&s.kind);
        w.str(&s.score);
    }
    w.opt_pair(a.vendor_severity.as_ref().map(|v| (&*v.source, &*v.value)));
    w.opt_str(a.published.as_deref());
    w.opt_str(a.modified.as_deref());
    w.opt_str(a.url.as_deref());
    w.finish()
}

/// One entry of a package row, as [`encode_package_row`] takes them.
pub(crate) struct RowEntry {
    pub(crate) entry_id: i64,
    pub(crate) listed_count: u64,
    pub(crate) advisory_id: String,
    pub(crate) entry: Vec<u8>,
    pub(crate) advisory: Vec<u8>,
}

/// Encodes one package row: every `(ecosystem, name key, entries)` sharing a package key,
/// entries in the order given.
pub(crate) fn encode_package_row(packages: &[(String, String, Vec<RowEntry>)]) -> Vec<u8> {
    let size: usize = packages
        .iter()
        .flat_map(|(_, _, es)| es)
        .map(|e| e.entry.len() + e.advisory.len() + e.advisory_id.len() + 16)
        .sum();
    let mut out = Vec::with_capacity(size + 64);
    put_len(&mut out, packages.len());
    for (ecosystem, name, entries) in packages {
        put_str(&mut out, ecosystem);
        put_str(&mut out, name);
        put_len(&mut out, entries.len());
        for e in entries {
            put_u64(&mut out, e.entry_id as u64);
            put_u64(&mut out, e.listed_count);
            put_str(&mut out, &e.advisory_id);
            put_bytes(&mut out, &e.entry);
            put_bytes(&mut out, &e.advisory);
        }
    }
    out
}

/// One entry of a package row, its parts not decoded yet.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawEntry<'a> {
    pub(crate) entry_id: i64,
    pub(crate) listed_count: u64,
    pub(crate) advisory_id: &'a str,
    pub(crate) entry: &'a [u8],
    pub(crate) advisory: &'a [u8],
}

/// The entries of the package `(ecosystem, name_key)` in a package row: `Ok(None)` when the
/// row holds only other packages (whose keys collide with this one's).
pub(crate) fn package_entries<'a>(
    row: &'a [u8],
    ecosystem: &str,
    name_key: &str,
) -> Result<Option<RawEntries<'a>>, String> {
    let mut r = Reader::new(row);
    let packages = r.len()?;
    for _ in 0..packages {
        let eco = r.str()?;
        let name = r.str()?;
        let count = r.len()?;
        let entries = RawEntries {
            r: r.clone(),
            left: count,
        };
        if eco == ecosystem && name == name_key {
            return Ok(Some(entries));
        }
        let mut skip = entries;
        for e in skip.by_ref() {
            e?;
        }
        r = skip.r;
    }
    Ok(None)
}

/// Iterator over the entries of one package of a row.
pub(crate) struct RawEntries<'a> {
    r: Reader<'a>,
    left: usize,
}

impl RawEntries<'_> {
    /// How many entries are left.
    pub(crate) fn remaining(&self) -> usize {
        self.left
    }
}

impl<'a> Iterator for RawEntries<'a> {
    type Item = Result<RawEntry<'a>, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut read = || -> Result<RawEntry<'a>, String> {
            let entry_id = self.r.u64()?;
            let listed_count = self.r.u64()?;
            let advisory_id = self.r.str()?;
            let entry = self.r.bytes()?;
            let advisory = self.r.bytes()?;
            Ok(RawEntry {
                entry_id: i64::try_from(entry_id).map_err(|_| "entry id out of range")?,
                listed_count,
                advisory_id,
                entry,
                advisory,
            })
        };
        let item = read();
        if item.is_err() {
            self.left = 0;
        }
        Some(item)
    }
}

/// Decodes a whole package row, every entry and advisory, and returns its number of entries;
/// `Err` says what is wrong with corrupt bytes. For fuzzing and tests.
pub(crate) fn check_package_row(row: &[u8]) -> Result<usize, String> {
    let mut r = Reader::new(row);
    let packages = r.len()?;
    let mut total = 0;
    for _ in 0..packages {
        r.str()?;
        r.str()?;
        let count = r.len()?;
        let mut entries = RawEntries {
            r: r.clone(),
            left: count,
        };
        for e in entries.by_ref() {
            let e = e?;
            EntryRef::parse(e.entry)?.to_entry("");
            AdvisoryRef::parse(e.advisory_id, e.advisory)?.to_advisory();
            total += 1;
        }
        r = entries.r;
    }
    r.end()?;
    Ok(total)
}

/// A stored affected entry, checked and readable without copying. Its strings borrow the
/// database row it was read from.
#[derive(Debug, Clone)]
pub struct EntryRef<'a> {
    package: &'a str,
    range_count: usize,
    ranges: PoolReader<'a>,
    severity_count: usize,
    severity: PoolReader<'a>,
    vendor_severity: Option<(&'a str, &'a str)>,
    will_not_fix: bool,
}

impl<'a> EntryRef<'a> {
    /// Checks an encoded entry (structure, tags, UTF-8) and indexes its parts.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, String> {
        let mut r = PoolReader::open(bytes)?;
        let package = r.str()?;
        let range_count = r.count()?;
        let ranges = r.clone();
        for _ in 0..range_count {
            let k = r.byte()?;
            if k > 1 {
                return Err(format!("unknown range kind {k}"));
            }
            let m = r.count()?;
            for _ in 0..m {
                let t = r.byte()?;
                if t > 3 {
                    return Err(format!("unknown event kind {t}"));
                }
                r.str()?;
            }
        }
        let severity_count = r.count()?;
        let severity = r.clone();
        for _ in 0..severity_count {
            r.str()?;
            r.str()?;
        }
        let vendor_severity = r.opt_pair("vendor severity")?;
        let will_not_fix = match r.byte()? {
            0 => false,
            1 => true,
            f => return Err(format!("bad will-not-fix flag {f}")),
        };
        r.end()?;
        Ok(Self {
            package,
            range_count,
            ranges,
            severity_count,
            severity,
            vendor_severity,
            will_not_fix,
        })
    }

    /// The package name as the advisory spells it.
    pub fn package(&self) -> &'a str {
        self.package
    }

    /// The version ranges.
    pub fn ranges(&self) -> RangeIter<'a> {
        RangeIter {
            r: self.ranges.clone(),
            left: self.range_count,
        }
    }

    /// True when the entry has no ranges (only listed versions).
    pub fn ranges_is_empty(&self) -> bool {
        self.range_count == 0
    }

    /// Score vectors specific to this package: `(kind, score)`.
    pub fn severity(&self) -> PairIter<'a> {
        PairIter {
            r: self.severity.clone(),
            left: self.severity_count,
        }
    }

    /// The rating in words specific to this package: `(source, value)`.
    pub fn vendor_severity(&self) -> Option<(&'a str, &'a str)> {
        self.vendor_severity
    }

    /// The vendor decided not to fix this package in this release.
    pub fn will_not_fix(&self) -> bool {
        self.will_not_fix
    }

    /// The owned entry (without listed versions, which are stored apart).
    pub fn to_entry(&self, ecosystem: &str) -> AffectedEntry {
        AffectedEntry {
            ecosystem: ecosystem.to_string(),
            package: self.package.to_string(),
            ranges: self
                .ranges()
                .map(|r| Range {
                    kind: r.kind,
                    events: r.events().map(|(k, v)| k.event(v.to_string())).collect(),
                })
                .collect(),
            versions: Vec::new(),
            severity: self
                .severity()
                .map(|(kind, score)| SeverityVector {
                    kind: kind.to_string(),
                    score: score.to_string(),
                })
                .collect(),
            vendor_severity: self.vendor_severity.map(|(s, v)| VendorRating {
                source: s.to_string(),
                value: v.to_string(),
            }),
            will_not_fix: self.will_not_fix,
        }
    }
}

/// The ranges of an [`EntryRef`].
#[derive(Debug, Clone)]
pub struct RangeIter<'a> {
    r: PoolReader<'a>,
    left: usize,
}

/// One range of an [`EntryRef`].
#[derive(Debug, Clone)]
pub struct RangeRef<'a> {
    /// How the range's versions are ordered.
    pub kind: RangeKind,
    events: PoolReader<'a>,
    count: usize,
}

impl<'a> RangeRef<'a> {
    /// The events in the order the record lists them: `(kind, version)`.
    pub fn events(&self) -> EventIter<'a> {
        EventIter {
            r: self.events.clone(),
            left: self.count,
        }
    }
}

impl<'a> Iterator for RangeIter<'a> {
    type Item = RangeRef<'a>;

    fn next(&mut self) -> Option<RangeRef<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The bytes were checked by `EntryRef::parse`; a failure here cannot happen and
        // ends the iteration.
        let read = |r: &mut PoolReader<'a>| -> Result<RangeRef<'a>, String> {
            let kind = match r.byte()? {
                0 => RangeKind::Ecosystem,
                _ => RangeKind::Semver,
            };
            let count = r.count()?;
            let events = r.clone();
            for _ in 0..count {
                r.byte()?;
                r.str()?;
            }
            Ok(RangeRef {
                kind,
                events,
                count,
            })
        };
        match read(&mut self.r) {
            Ok(range) => Some(range),
            Err(_) => {
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for RangeIter<'_> {}

/// The events of a [`RangeRef`].
#[derive(Debug, Clone)]
pub struct EventIter<'a> {
    r: PoolReader<'a>,
    left: usize,
}

impl<'a> Iterator for EventIter<'a> {
    type Item = (EventKind, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = self
            .r
            .byte()
            .ok()
            .and_then(EventKind::from_tag)
            .and_then(|k| Some((k, self.r.str().ok()?)));
        if item.is_none() {
            self.left = 0;
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for EventIter<'_> {}

/// `(str, str)` pairs: severity vectors `(kind, score)`.
#[derive(Debug, Clone)]
pub struct PairIter<'a> {
    r: PoolReader<'a>,
    left: usize,
}

impl<'a> Iterator for PairIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = self
            .r
            .str()
            .ok()
            .and_then(|a| Some((a, self.r.str().ok()?)));
        if item.is_none() {
            self.left = 0;
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for PairIter<'_> {}

/// Strings: aliases.
#[derive(Debug, Clone)]
pub struct StrIter<'a> {
    r: PoolReader<'a>,
    left: usize,
}

impl<'a> Iterator for StrIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let item = self.r.str().ok();
        if item.is_none() {
            self.left = 0;
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for StrIter<'_> {}

/// A stored advisory, checked and readable without copying. Its strings borrow the database
/// row it was read from.
#[derive(Debug, Clone)]
pub struct AdvisoryRef<'a> {
    id: &'a str,
    alias_count: usize,
    aliases: PoolReader<'a>,
    summary: Option<&'a str>,
    severity_count: usize,
    severity: PoolReader<'a>,
    vendor_severity: Option<(&'a str, &'a str)>,
    published: Option<&'a str>,
    modified: Option<&'a str>,
    url: Option<&'a str>,
}

impl<'a> AdvisoryRef<'a> {
    /// Checks an encoded advisory of ID `id` and indexes its parts.
    pub(crate) fn parse(id: &'a str, bytes: &'a [u8]) -> Result<Self, String> {
        let mut r = PoolReader::open(bytes)?;
        let alias_count = r.count()?;
        let aliases = r.clone();
        for _ in 0..alias_count {
            r.str()?;
        }
        let summary = r.opt_str("summary")?;
        let severity_count = r.count()?;
        let severity = r.clone();
        for _ in 0..severity_count {
            r.str()?;
            r.str()?;
        }
        let vendor_severity = r.opt_pair("vendor severity")?;
        let published = r.opt_str("published")?;
        let modified = r.opt_str("modified")?;
        let url = r.opt_str("url")?;
        r.end()?;
        Ok(Self {
            id,
            alias_count,
            aliases,
            summary,
            severity_count,
            severity,
            vendor_severity,
            published,
            modified,
            url,
        })
    }

    /// The record's own ID.
    pub fn id(&self) -> &'a str {
        self.id
    }

    /// Other IDs of the same vulnerability, sorted.
    pub fn aliases(&self) -> StrIter<'a> {
        StrIter {
            r: self.aliases.clone(),
            left: self.alias_count,
        }
    }

    /// One-line summary.
    pub fn summary(&self) -> Option<&'a str> {
        self.summary
    }

    /// Score vectors of the whole record: `(kind, score)`.
    pub fn severity(&self) -> PairIter<'a> {
        PairIter {
            r: self.severity.clone(),
            left: self.severity_count,
        }
    }

    /// A rating in words from the database that published the record: `(source, value)`.
    pub fn vendor_severity(&self) -> Option<(&'a str, &'a str)> {
        self.vendor_severity
    }

    /// OSV `published`.
    pub fn published(&self) -> Option<&'a str> {
        self.published
    }

    /// OSV `modified`.
    pub fn modified(&self) -> Option<&'a str> {
        self.modified
    }

    /// The most useful reference URL.
    pub fn url(&self) -> Option<&'a str> {
        self.url
    }

    /// The owned advisory.
    pub fn to_advisory(&self) -> Advisory {
        Advisory {
            id: self.id.to_string(),
            aliases: self.aliases().map(str::to_string).collect(),
            summary: self.summary.map(str::to_string),
            severity: self
                .severity()
                .map(|(kind, score)| SeverityVector {
                    kind: kind.to_string(),
                    score: score.to_string(),
                })
                .collect(),
            vendor_severity: self.vendor_severity.map(|(s, v)| VendorRating {
                source: s.to_string(),
                value: v.to_string(),
            }),
            published: self.published.map(str::to_string),
            modified: self.modified.map(str::to_string),
            url: self.url.map(str::to_string),
        }
    }
}

/// Writes a header-and-pool record.
#[derive(Default)]
struct Writer {
    header: Vec<u8>,
    pool: Vec<u8>,
}

impl Writer {
    fn byte(&mut self, b: u8) {
        self.header.push(b);
    }

    fn len(&mut self, n: usize) {
        put_len(&mut self.header, n);
    }

    fn str(&mut self, s: &str) {
        put_len(&mut self.header, s.len());
        self.pool.extend_from_slice(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.byte(1);
                self.str(s);
            }
            None => self.byte(0),
        }
    }

    fn opt_pair(&mut self, pair: Option<(&str, &str)>) {
        match pair {
            Some((a, b)) => {
                self.byte(1);
                self.str(a);
                self.str(b);
            }
            None => self.byte(0),
        }
    }

    fn finish(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.header.len() + self.pool.len() + 3);
        put_len(&mut out, self.pool.len());
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&self.pool);
        out
    }
}

/// Reads a header-and-pool record: the structure from the header, strings from the pool,
/// which is checked as UTF-8 once, so that a string costs a char-boundary check.
#[derive(Debug, Clone)]
struct PoolReader<'a> {
    header: Reader<'a>,
    pool: &'a str,
    at: usize,
}

impl<'a> PoolReader<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, String> {
        let mut r = Reader::new(bytes);
        let pool_len = r.len()?;
        let split = bytes.len() - pool_len;
        let pool = std::str::from_utf8(&bytes[split..]).map_err(|e| format!("bad text: {e}"))?;
        Ok(Self {
            header: Reader::new(&bytes[r.pos..split]),
            pool,
            at: 0,
        })
    }

    fn byte(&mut self) -> Result<u8, String> {
        self.header.byte()
    }

    /// A number of items, each at least a byte of the header.
    fn count(&mut self) -> Result<usize, String> {
        self.header.len()
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let n = self.header.u64()?;
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.at.checked_add(n))
            .ok_or("string past the end of the record")?;
        let s = self
            .pool
            .get(self.at..end)
            .ok_or("string past the end of the record or inside a character")?;
        self.at = end;
        Ok(s)
    }

    fn opt_str(&mut self, what: &str) -> Result<Option<&'a str>, String> {
        match self.byte()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            f => Err(format!("bad {what} flag {f}")),
        }
    }

    fn opt_pair(&mut self, what: &str) -> Result<Option<(&'a str, &'a str)>, String> {
        match self.byte()? {
            0 => Ok(None),
            1 => Ok(Some((self.str()?, self.str()?))),
            f => Err(format!("bad {what} flag {f}")),
        }
    }

    fn end(&self) -> Result<(), String> {
        self.header.end()?;
        match self.pool.len() - self.at {
            0 => Ok(()),
            n => Err(format!("{n} unused text bytes")),
        }
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_u64(out, n as u64);
}

fn put_u64(out: &mut Vec<u8>, mut n: u64) {
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

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

#[derive(Debug, Clone)]
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.pos).ok_or("truncated record")?;
        self.pos += 1;
        Ok(b)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut n: u64 = 0;
        let mut shift = 0;
        loop {
            let b = self.byte()?;
            if shift > 63 || (shift == 63 && b > 1) {
                return Err("number too large".into());
            }
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
            shift += 7;
        }
    }

    /// A varint that counts something inside the record, so it cannot exceed its length.
    fn len(&mut self) -> Result<usize, String> {
        let n = self.u64()?;
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() - self.pos => Ok(n),
            _ => Err("length past the end of the record".into()),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        let raw = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(raw)
    }

    fn str(&mut self) -> Result<&'a str, String> {
        std::str::from_utf8(self.bytes()?).map_err(|e| format!("bad text: {e}"))
    }

    fn end(&self) -> Result<(), String> {
        match self.bytes.len() - self.pos {
            0 => Ok(()),
            n => Err(format!("{n} trailing bytes")),
        }
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

    fn advisory() -> Advisory {
        Advisory {
            id: "GHSA-aaaa-bbbb-cccc".into(),
            aliases: vec!["CVE-2024-0001".into(), "PYSEC-2024-1".into()],
            summary: Some("Ünïcode summary".into()),
            severity: vec![SeverityVector {
                kind: "CVSS_V4".into(),
                score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
            }],
            vendor_severity: Some(VendorRating {
                source: "ghsa".into(),
                value: "HIGH".into(),
            }),
            published: Some("2024-01-01T00:00:00Z".into()),
            modified: None,
            url: Some("https://example.invalid/a".into()),
        }
    }

    fn row() -> Vec<u8> {
        let e = RowEntry {
            entry_id: 7,
            listed_count: 300,
            advisory_id: "GHSA-aaaa-bbbb-cccc".into(),
            entry: encode_entry(&entry()),
            advisory: encode_advisory(&advisory()),
        };
        let other = RowEntry {
            entry_id: i64::MAX,
            listed_count: 0,
            advisory_id: "X-1".into(),
            entry: encode_entry(&AffectedEntry {
                ranges: Vec::new(),
                ..entry()
            }),
            advisory: encode_advisory(&Advisory {
                id: "X-1".into(),
                aliases: Vec::new(),
                summary: None,
                severity: Vec::new(),
                vendor_severity: None,
                published: None,
                modified: Some("m".into()),
                url: None,
            }),
        };
        encode_package_row(&[
            ("npm".into(), "other".into(), vec![other]),
            ("PyPI".into(), "dj-ango".into(), vec![e]),
        ])
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
        let parsed = EntryRef::parse(&encode_entry(&bare)).map(|r| r.ranges_is_empty());
        assert_eq!(parsed, Ok(true));

        let a = advisory();
        let bytes = encode_advisory(&a);
        assert_eq!(AdvisoryRef::parse(&a.id, &bytes).unwrap().to_advisory(), a);
    }

    #[test]
    fn package_rows_find_their_package() {
        let row = row();
        assert_eq!(check_package_row(&row), Ok(2));
        let found: Vec<RawEntry<'_>> = package_entries(&row, "PyPI", "dj-ango")
            .unwrap()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].entry_id, found[0].listed_count), (7, 300));
        assert_eq!(found[0].advisory_id, "GHSA-aaaa-bbbb-cccc");
        let e = EntryRef::parse(found[0].entry).unwrap();
        assert_eq!(e.to_entry("PyPI"), entry());
        assert!(!e.ranges_is_empty());
        let other: Vec<_> = package_entries(&row, "npm", "other")
            .unwrap()
            .unwrap()
            .collect();
        assert_eq!(other[0].as_ref().unwrap().entry_id, i64::MAX);
        assert!(package_entries(&row, "PyPI", "other").unwrap().is_none());
        assert!(package_entries(&row, "npm", "dj-ango").unwrap().is_none());
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
        // The first range's kind: after the pool length, the package's length and the
        // range count.
        let mut bad_kind = good.clone();
        let kind_at = {
            let mut r = Reader::new(&good);
            r.u64().unwrap();
            r.pos + 2
        };
        assert_eq!(good[kind_at], 0);
        bad_kind[kind_at] = 9;
        assert!(decode_entry("PyPI", &bad_kind).is_err());
        // A string cut inside a character, and text that is not UTF-8.
        let split = [2, 1, 0, 0, 0, 0, 0xc3, 0xa9]; // package: 1 byte of "é"
        assert!(EntryRef::parse(&split).is_err());
        assert!(EntryRef::parse(&[2, 2, 0, 0, 0, 0, 0xc3, 0xa9]).is_ok());
        let mut bad_text = good;
        let n = bad_text.len();
        bad_text[n - 1] = 0xff;
        assert!(decode_entry("PyPI", &bad_text).is_err());

        let a = encode_advisory(&advisory());
        for cut in 0..a.len() {
            assert!(AdvisoryRef::parse("x", &a[..cut]).is_err(), "cut at {cut}");
        }
        let row = row();
        for cut in 0..row.len() {
            assert!(check_package_row(&row[..cut]).is_err(), "cut at {cut}");
        }
        assert!(check_package_row(&[0x80; 11]).is_err());
        assert!(
            check_package_row(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
                .is_err()
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // Every single-byte change of a valid row, and pseudo-random bytes.
        let row = row();
        for i in 0..row.len() {
            for b in [0x00, 0x01, 0x02, 0x04, 0x7f, 0x80, 0xff] {
                let mut bad = row.clone();
                bad[i] = b;
                let _ = check_package_row(&bad);
                if let Ok(Some(entries)) = package_entries(&bad, "PyPI", "dj-ango") {
                    for e in entries.flatten() {
                        if let Ok(e) = EntryRef::parse(e.entry) {
                            for r in e.ranges() {
                                r.events().count();
                            }
                            e.severity().count();
                        }
                        if let Ok(a) = AdvisoryRef::parse(e.advisory_id, e.advisory) {
                            a.aliases().count();
                            a.severity().count();
                        }
                    }
                }
            }
        }
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut bytes = Vec::new();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            for _ in 0..(state >> 58) {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                bytes.push((state >> 56) as u8 & 0x0f);
            }
            let _ = check_package_row(&bytes);
            let _ = EntryRef::parse(&bytes);
            let _ = AdvisoryRef::parse("x", &bytes);
        }
    }
}
