//! Shannon entropy of a candidate secret, in bits per byte: how random it looks. Random
//! tokens over a 62-character alphabet score about 5.2–5.9; English words and identifiers
//! 2.5–3.5; `aaaa...` 0. Rules use it as a floor to drop placeholder-looking values.

/// Shannon entropy of `bytes` in bits per byte (0 for empty input, at most 8).
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[usize::from(b)] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Whether `bytes` holds a run of at least `run` identical bytes: the mark of placeholders
/// such as `XXXXXXXX`, `00000000` or `********`. A random token over 62 characters has a
/// six-byte run with odds of about one in ten million per position.
pub(crate) fn has_repeated_run(bytes: &[u8], run: usize) -> bool {
    if run == 0 {
        return true;
    }
    let mut len = 0usize;
    let mut prev = None;
    for &b in bytes {
        if Some(b) == prev {
            len += 1;
        } else {
            prev = Some(b);
            len = 1;
        }
        if len >= run {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaaaaaa"), 0.0);
        assert!((shannon_entropy(b"abab") - 1.0).abs() < 1e-9);
        assert!((shannon_entropy(b"abcdefgh") - 3.0).abs() < 1e-9);
        let all: Vec<u8> = (0..=255).collect();
        assert!((shannon_entropy(&all) - 8.0).abs() < 1e-9);
        // The fixture's ENV password is above the generic rules' 3.0 floor.
        assert!(shannon_entropy(b"SuperSecret123!") > 3.0);
    }

    #[test]
    fn repeated_runs() {
        assert!(has_repeated_run(b"abXXXXXXcd", 6));
        assert!(!has_repeated_run(b"abXXXXXcd", 6));
        assert!(!has_repeated_run(b"", 2));
        assert!(has_repeated_run(b"", 0));
    }
}
