//! Helpers shared by the schemes.

use std::cmp::Ordering;

/// Compares two runs of ASCII digits as unbounded non-negative integers: leading zeros are
/// ignored, then the longer run is larger, then the runs compare lexically. An empty run is 0.
/// Never overflows, whatever the length.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `s` without leading zeros; `""` for zero. The canonical form [`cmp_digits`] compares.
pub(crate) fn strip_zeros(s: &str) -> &str {
    s.trim_start_matches('0')
}

/// True for a non-empty string of ASCII digits.
pub(crate) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Length of the run of ASCII digits at the start of `s`.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_compare_as_numbers() {
        assert_eq!(cmp_digits("0010", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("000", ""), Ordering::Equal);
        assert_eq!(cmp_digits("123", "124"), Ordering::Less);
        assert_eq!(
            cmp_digits(
                "99999999999999999999999999999",
                "100000000000000000000000000000"
            ),
            Ordering::Less
        );
        assert!(is_digits("0123"));
        assert!(!is_digits(""));
        assert!(!is_digits("1a"));
        assert_eq!(digit_run(b"123abc"), 3);
        assert_eq!(strip_zeros("000"), "");
    }
}
