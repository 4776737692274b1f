//! Masking and fingerprints: the only forms in which a secret leaves the scanner.
//!
//! A masked secret shows at most its first four characters and never more than a third of
//! them, then `****`; a fingerprint is a SHA-256 digest; a snippet is the matched line with
//! every secret on it replaced by its masked form.

use std::ops::Range;

use sha2::{Digest, Sha256};

/// The masked form of a secret: `min(4, chars / 3)` leading characters, then `****`.
///
/// Works on characters, not bytes (invalid UTF-8 counts as U+FFFD), so a multi-byte
/// character is never split: `ghp_aB3…` → `ghp_****`, a 9-character password → `Sup****`,
/// anything shorter than 3 characters → `****`.
pub fn mask(secret: &[u8]) -> String {
    let text = String::from_utf8_lossy(secret);
    let chars = text.chars().count();
    let keep = (chars / 3).min(4);
    let mut out: String = text.chars().take(keep).collect();
    out.push_str("****");
    out
}

/// Domain-separation prefix: makes fingerprints useless against precomputed SHA-256 tables
/// of common passwords, while equal secrets still get equal fingerprints everywhere.
const FINGERPRINT_DOMAIN: &[u8] = b"bulwark-secret-v1\0";

/// Lowercase hex SHA-256 of a domain-separation prefix (`bulwark-secret-v1\0`) followed by
/// the secret: a stable identity to compare secrets across files, layers and image
/// metadata without keeping them.
pub fn fingerprint(secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(FINGERPRINT_DOMAIN);
    h.update(secret);
    hex::encode(h.finalize())
}

/// Fingerprint of a PEM or OpenSSH key body, ignoring line breaks, whitespace and the
/// literal `\n` escapes of keys embedded in JSON, so the same key in a `.pem` file and in a
/// service-account JSON gets one fingerprint.
pub(crate) fn key_body_fingerprint(body: &[u8]) -> String {
    let mut normalized = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'\\' && matches!(body.get(i + 1), Some(b'n' | b'r')) {
            i += 2;
            continue;
        }
        if !b.is_ascii_whitespace() {
            normalized.push(b);
        }
        i += 1;
    }
    fingerprint(&normalized)
}

/// Bytes of context kept before the match start and after the secret in a snippet.
const CONTEXT: usize = 60;
/// Upper bound on the bytes of source a snippet shows (before masking).
const MAX_SNIPPET_BYTES: usize = 160;

/// A secret's span in the content and its masked form, for building snippets.
pub(crate) struct MaskedSpan<'a> {
    /// Byte range of the secret.
    pub range: Range<usize>,
    /// Its masked form.
    pub masked: &'a str,
}

/// The line around `match_start` (capped, cut on character boundaries), with every span in
/// `secrets` (sorted by start) that touches it replaced by its masked form. `secret_end` is
/// the end of the match's own secret, kept in view when the line allows.
pub(crate) fn snippet(
    content: &[u8],
    match_start: usize,
    secret_end: usize,
    secrets: &[MaskedSpan<'_>],
) -> String {
    let match_start = match_start.min(content.len());
    let line_start = memchr::memrchr(b'\n', &content[..match_start]).map_or(0, |p| p + 1);
    let line_end =
        memchr::memchr(b'\n', &content[match_start..]).map_or(content.len(), |p| match_start + p);
    let mut lo = line_start.max(match_start.saturating_sub(CONTEXT));
    let want_hi = secret_end.max(match_start).saturating_add(CONTEXT);
    let mut hi = line_end.min(want_hi).min(lo + MAX_SNIPPET_BYTES);
    while lo < hi && is_continuation(content[lo]) {
        lo += 1;
    }
    while hi > lo && hi < content.len() && is_continuation(content[hi]) {
        hi -= 1;
    }

    let mut out = String::new();
    if lo > line_start {
        out.push('…');
    }
    let mut pos = lo;
    for span in secrets {
        if span.range.end <= lo || span.range.start >= hi {
            continue;
        }
        if span.range.start > pos {
            push_clean(&mut out, &content[pos..span.range.start]);
        }
        if span.range.end > pos {
            out.push_str(span.masked);
            pos = span.range.end;
        }
        if pos >= hi {
            break;
        }
    }
    if pos < hi {
        push_clean(&mut out, &content[pos..hi]);
    }
    if hi < line_end && pos < line_end {
        out.push('…');
    }
    let trimmed = out.trim();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_owned()
    }
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// Appends `bytes` as text, invalid UTF-8 as U+FFFD and control characters as spaces.
fn push_clean(out: &mut String, bytes: &[u8]) {
    for c in String::from_utf8_lossy(bytes).chars() {
        out.push(if c.is_control() { ' ' } else { c });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_at_most_four_chars_and_a_third() {
        assert_eq!(mask(b"abcdefghijklmnop"), "abcd****");
        assert_eq!(mask(b"abcdefghijkl"), "abcd****");
        assert_eq!(mask(b"abcdefghijk"), "abc****");
        assert_eq!(mask(b"abcdefgh"), "ab****");
        assert_eq!(mask(b"abcde"), "a****");
        assert_eq!(mask(b"ab"), "****");
        assert_eq!(mask(b""), "****");
    }

    #[test]
    fn mask_never_splits_multibyte_characters() {
        let secret = "ééééééééééééé".as_bytes(); // 13 chars, 26 bytes
        assert_eq!(mask(secret), "éééé****");
        // Invalid UTF-8 is replaced, not a panic.
        assert_eq!(
            mask(&[0xff, 0xfe, 0xfd, b'a', b'b', b'c']),
            "\u{fffd}\u{fffd}****"
        );
    }

    #[test]
    fn fingerprint_is_stable_and_key_bodies_ignore_layout() {
        assert_eq!(fingerprint(b"abc"), fingerprint(b"abc"));
        assert_ne!(fingerprint(b"abc"), fingerprint(b"abd"));
        assert_eq!(fingerprint(b"abc").len(), 64);
        assert_eq!(
            key_body_fingerprint(b"\nMIIB\nAAAA\n"),
            key_body_fingerprint(b"\\nMIIB\\nAAAA\\n")
        );
    }

    #[test]
    fn snippet_masks_every_secret_on_the_line() {
        let content = b"first\nuser=admin pass=hunter22 token=abcdefghijklmnop end\nlast";
        let start = content.windows(4).position(|w| w == b"pass").unwrap();
        let s1 = start + 5..start + 13;
        let t = content.windows(5).position(|w| w == b"token").unwrap();
        let s2 = t + 6..t + 22;
        let spans = [
            MaskedSpan {
                range: s1.clone(),
                masked: "hu****",
            },
            MaskedSpan {
                range: s2,
                masked: "abcd****",
            },
        ];
        let snip = snippet(content, start, s1.end, &spans);
        assert_eq!(snip, "user=admin pass=hu**** token=abcd**** end");
    }

    #[test]
    fn snippet_is_capped_and_cut_on_char_boundaries() {
        let mut content = "é".repeat(500).into_bytes();
        let start = content.len();
        content.extend_from_slice(b"password=abcdefgh12");
        content.extend_from_slice("ü".repeat(500).as_bytes());
        let end = start + 19;
        let spans = [MaskedSpan {
            range: start + 9..end,
            masked: "ab****",
        }];
        let snip = snippet(&content, start, end, &spans);
        assert!(snip.starts_with('…') && snip.ends_with('…'), "{snip}");
        assert!(snip.contains("password=ab****"));
        assert!(!snip.contains('\u{fffd}'));
        assert!(snip.len() < 400);
    }
}
