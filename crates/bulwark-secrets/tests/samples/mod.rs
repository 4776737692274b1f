//! Fake credentials for every built-in rule, generated at run time from a fixed seed so
//! the repository holds no literal token (push protection and other scanners stay quiet)
//! and every run sees the same strings.

mod cloud;
mod commerce;
mod devtools;
mod generic;
mod infra;
mod keys;
mod saas;

/// One rule's samples: `text` must yield a finding of `rule` whose secret is `secret`;
/// `negative` is a near miss that must not yield one.
pub struct Case {
    pub rule: &'static str,
    pub text: String,
    pub secret: String,
    pub negative: String,
}

/// Builds a case.
pub fn case(rule: &'static str, text: String, secret: &str, negative: String) -> Case {
    assert!(
        text.contains(secret),
        "{rule}: sample text must contain the secret"
    );
    Case {
        rule,
        text,
        secret: secret.to_owned(),
        negative,
    }
}

/// Every case, in rule order within each family.
pub fn all() -> Vec<Case> {
    let mut g = Gen(0x5eed_cafe_f00d_beef);
    let mut out = Vec::new();
    out.extend(keys::cases(&mut g));
    out.extend(cloud::cases(&mut g));
    out.extend(devtools::cases(&mut g));
    out.extend(infra::cases(&mut g));
    out.extend(commerce::cases(&mut g));
    out.extend(saas::cases(&mut g));
    out.extend(generic::cases(&mut g));
    out
}

pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const LOWER: &str = "abcdefghijklmnopqrstuvwxyz";
pub const UPNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
pub const LOWNUM: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &str = "0123456789abcdef";
pub const DIGITS: &str = "0123456789";
pub const B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// A small deterministic generator (xorshift64*).
pub struct Gen(pub u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// `n` characters from `alphabet`, never two equal ones in a row, starting and ending
    /// with an alphanumeric character (so token boundaries are unambiguous).
    pub fn s(&mut self, alphabet: &str, n: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        let alnum: Vec<char> = chars
            .iter()
            .copied()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let mut out = String::with_capacity(n);
        let mut prev = None;
        for i in 0..n {
            let pool = if i == 0 || i + 1 == n { &alnum } else { &chars };
            let mut idx = (self.next() % pool.len() as u64) as usize;
            if Some(pool[idx]) == prev {
                idx = (idx + 1) % pool.len();
            }
            prev = Some(pool[idx]);
            out.push(pool[idx]);
        }
        out
    }

    /// A lowercase UUID.
    pub fn uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.s(HEX, 8),
            self.s(HEX, 4),
            self.s(HEX, 4),
            self.s(HEX, 4),
            self.s(HEX, 12)
        )
    }

    /// `lines` lines of 64 base64 characters, each ending in `\n`.
    pub fn pem_body(&mut self, lines: usize) -> String {
        (0..lines).map(|_| self.s(B64, 64) + "\n").collect()
    }
}

/// Standard or URL-safe base64 without padding.
pub fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        B64.as_bytes()
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A token made of a prefix and a random body.
pub fn tok(prefix: &str, g: &mut Gen, alphabet: &str, n: usize) -> String {
    format!("{prefix}{}", g.s(alphabet, n))
}
