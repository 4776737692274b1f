//! Private keys (PEM, OpenSSH, PGP, PuTTY, age) and JSON Web Tokens.
//!
//! PEM-style rules share the keyword `PRIVATE KEY` and a multi-line window reaching 128 KiB
//! past it (a 16 kbit RSA key is 12 KiB; PGP secret key blocks with sub-keys run larger).
//! The secret is the key body between the armor lines, so masks and fingerprints do not
//! depend on the armor. One specific rule per key type gives stable ids; `private-key`
//! catches the other PEM kinds and yields to the specific rules on overlap.

use super::base64_decode;
use crate::finding::{Category, Severity};
use crate::rule::{rule, RuleDef, Window};

/// Reaches from the armor line's start to well past a large key's end.
const PEM_WINDOW: Window = Window::Around {
    before: 64,
    after: 128 * 1024,
};

/// RFC 4880 armor headers (`Version: GnuPG v2`) and RFC 1421 encryption headers
/// (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: ...`): part of the block, not of the secret.
const ARMOR_HEADERS: &str = r"\s*(?:[A-Za-z][A-Za-z\-]{1,30}: [^\n]{0,200}\n)*\s*";

/// A PEM block of the given type (`RSA `, `OPENSSH `, `` for PKCS#8); the body may not
/// contain `--`, so one block never swallows the next.
fn pem(kind: &str, suffix: &str) -> String {
    format!(
        "-----BEGIN {kind}PRIVATE KEY{suffix}-----{ARMOR_HEADERS}(?P<secret>(?:[^-]|-[^-]){{40,}}?)\
         -----END {kind}PRIVATE KEY{suffix}-----"
    )
}

pub(super) fn rules() -> Vec<RuleDef> {
    let key = |id: &str, title: &str, regex: String| {
        rule(
            id,
            title,
            Severity::High,
            Category::PrivateKey,
            &["PRIVATE KEY"],
            regex,
        )
        .exact()
        .window(PEM_WINDOW)
        .allow_runs()
        .validate(key_body_ok)
    };
    vec![
        key("rsa-private-key", "RSA private key", pem("RSA ", "")),
        key("ec-private-key", "EC private key", pem("EC ", "")),
        key("dsa-private-key", "DSA private key", pem("DSA ", "")),
        key(
            "openssh-private-key",
            "OpenSSH private key",
            pem("OPENSSH ", ""),
        ),
        key("pgp-private-key", "PGP private key block", pem("PGP ", " BLOCK")),
        key(
            "pkcs8-private-key",
            "PKCS#8 private key",
            pem("", ""),
        ),
        key(
            "encrypted-private-key",
            "Encrypted private key (PKCS#8 or SSH2)",
            format!(
                "-----BEGIN (?:SSH2 )?ENCRYPTED PRIVATE KEY-----{ARMOR_HEADERS}\
                 (?P<secret>(?:[^-]|-[^-]){{40,}}?)-----END (?:SSH2 )?ENCRYPTED PRIVATE KEY-----"
            ),
        )
        .severity(Severity::Medium),
        key(
            "private-key",
            "Private key (other PEM type)",
            format!(
                "-----BEGIN [A-Z0-9 ]{{0,40}}PRIVATE KEY(?: BLOCK)?-----{ARMOR_HEADERS}\
                 (?P<secret>(?:[^-]|-[^-]){{40,}}?)-----END [A-Z0-9 ]{{0,40}}PRIVATE KEY(?: BLOCK)?-----"
            ),
        )
        .generic(),
        rule(
            "putty-private-key",
            "PuTTY private key",
            Severity::High,
            Category::PrivateKey,
            &["PuTTY-User-Key-File-"],
            r"PuTTY-User-Key-File-[23]: [^\n]{1,60}\n(?:[^\n]{0,400}\n){0,60}?Private-Lines: ?[0-9]{1,3}\r?\n(?P<secret>(?:[A-Za-z0-9+/=]{4,}\r?\n){1,200})",
        )
        .exact()
        .window(Window::Around {
            before: 0,
            after: 32 * 1024,
        })
        .allow_runs(),
        rule(
            "age-secret-key",
            "age secret key",
            Severity::High,
            Category::PrivateKey,
            &["AGE-SECRET-KEY-1"],
            r"\b(?P<secret>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})\b",
        )
        .exact(),
        rule(
            "jwt",
            "JSON Web Token",
            Severity::Medium,
            Category::Jwt,
            &["eyJ"],
            r"\b(?P<secret>eyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}={0,2})(?:[^A-Za-z0-9_\-.=]|(?m:$))",
        )
        .exact()
        .allow_runs()
        .validate(jwt_header_ok),
    ]
}

impl RuleDef {
    /// Overrides the severity.
    fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// A key body holds real key material: at least 64 base64 characters (placeholders like
/// `...` or `<your key here>` do not).
fn key_body_ok(_before: &[u8], body: &[u8], _after: &[u8]) -> bool {
    let base64 = body
        .iter()
        .filter(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        .count();
    base64 >= 64
}

/// A JWT's header decodes (base64url) to JSON naming an algorithm or type.
fn jwt_header_ok(_before: &[u8], token: &[u8], _after: &[u8]) -> bool {
    let header = token.split(|&b| b == b'.').next().unwrap_or_default();
    let decoded = base64_decode(&header[..header.len().min(512)]);
    let has = |needle: &[u8]| decoded.windows(needle.len()).any(|w| w == needle);
    has(b"\"alg\"") || has(b"\"typ\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_decodes_jwt_headers() {
        assert_eq!(
            base64_decode(b"eyJhbGciOiJIUzI1NiJ9"),
            br#"{"alg":"HS256"}"#
        );
        assert!(jwt_header_ok(
            b"",
            b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            b""
        ));
        // Base64 of `{"k":"...` (a Grafana key) is not a JWT header.
        assert!(!jwt_header_ok(b"", b"eyJrIjoiYWJjZGVmIn0.eyJ4.y", b""));
    }

    #[test]
    fn key_body_needs_material() {
        assert!(!key_body_ok(b"", b"\n...\n", b""));
        assert!(key_body_ok(b"", "MIIE".repeat(20).as_bytes(), b""));
    }
}
