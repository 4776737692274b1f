//! Heuristic rules: password/secret/token assignments in config files, environment
//! variables and command lines, and credentials in URLs.
//!
//! These have no vendor format to lean on, so they report MEDIUM (rules with a vendor
//! format report HIGH or CRITICAL), and every candidate passes second-stage checks:
//! the key must name a credential (not `password_file` or `token_type`), and the value must
//! not be a placeholder (`changeme`, `${VAR}`, `<password>`, `xxxx`, `example`), a code
//! reference (`self.password`, `os.getenv(...)`), an identifier or a path, must mix at
//! least two character classes and must reach 3 bits of entropy per byte.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use regex_automata::meta::Regex;

use crate::entropy::shannon_entropy;
use crate::finding::{Category, Severity};
use crate::rule::{compile_regex, rule, RuleDef, Window};

/// `KEY <op> value`: up to 30 key characters, the credential word, up to 20 more, an
/// assignment, then an 8–128 character value ending at whitespace, a quote, `;` or `,`.
fn assignment(words: &str) -> String {
    format!(
        r#"(?i)[a-z0-9_.\-]{{0,30}}(?:{words})[a-z0-9_.\-]{{0,20}}["'\x60\]]{{0,2}}[ \t]{{0,5}}(?:=|:=|:|=>|\?=)[ \t]{{0,5}}["'\x60]?(?P<secret>[^\s"'\x60;,]{{8,128}})(?:[\s"'\x60;,]|(?m:$))"#
    )
}

pub(super) fn rules() -> Vec<RuleDef> {
    vec![
        rule(
            "generic-password",
            "Hard-coded password",
            Severity::Medium,
            Category::Generic,
            &["password", "passwd", "passphrase", "pwd"],
            assignment("password|passwd|passphrase|pwd"),
        )
        .generic()
        .validate(password_assignment_ok),
        rule(
            "generic-secret",
            "Hard-coded secret",
            Severity::Medium,
            Category::Generic,
            &["secret", "private_key", "private-key", "privatekey", "credential"],
            assignment(r"secret|private[_.\-]?key|credentials?"),
        )
        .generic()
        .validate(assignment_ok),
        rule(
            "generic-api-key",
            "Hard-coded API key or token",
            Severity::Medium,
            Category::Generic,
            &[
                "api_key",
                "api-key",
                "apikey",
                "api.key",
                "access_key",
                "access-key",
                "accesskey",
                "auth_key",
                "authkey",
                "token",
            ],
            assignment(r"api[_.\-]?key|access[_.\-]?key|auth[_.\-]?key|token"),
        )
        .generic()
        .validate(assignment_ok),
        // Kubernetes `env:` entries put the name and the literal value on two lines
        // (`- name: DB_PASSWORD` / `value: "..."`); `valueFrom.secretKeyRef` has no
        // `value:` line, so references never match.
        rule(
            "kubernetes-env-secret",
            "Secret in a Kubernetes env value",
            Severity::Medium,
            Category::Generic,
            &["password", "passwd", "secret", "token", "api_key", "apikey", "access_key", "credential"],
            r#"(?i)name:[ \t]*["']?(?P<key>[a-z0-9_.\-]{0,40}(?:password|passwd|secret|token|api_?key|access_?key|private_?key|credentials?)[a-z0-9_.\-]{0,20})["']?[ \t]*\r?\n[ \t]*value:[ \t]*["']?(?P<secret>[^\s"']{8,128})["']?[ \t]*(?m:$)"#,
        )
        .window(Window::Around {
            before: 64,
            after: 256,
        })
        .generic()
        .validate(kubernetes_env_ok),
        rule(
            "url-credentials",
            "Credentials in a URL",
            Severity::Medium,
            Category::UrlCredential,
            &["://"],
            r#"(?i)\b[a-z][a-z0-9+.\-]{1,20}://(?P<user>[^\s:@/"'<>\\]{1,64}):(?P<secret>[^\s:@/"'<>\\]{3,128})@[a-z0-9_\-]{2,}[a-z0-9_.\-]*"#,
        )
        .generic()
        .validate(url_password_ok),
    ]
}

/// Substrings that mark a value as a placeholder, template, mask or reference.
const PLACEHOLDER_PARTS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "changethis",
    "change_this",
    "example",
    "placeholder",
    "dummy",
    "redacted",
    "replace",
    "your_",
    "your-",
    "yourpass",
    "mypass",
    "yoursecret",
    "yourtoken",
    "_here",
    "-here",
    "xxxx",
    "****",
    "....",
    "<",
    ">",
    "${",
    "{{",
    "}}",
    "$(",
    "%(",
    "%s",
    "#{",
    "@@",
    "fake",
    "sample",
    "insert",
    "enter_",
    "todo",
    "fixme",
    "vault:",
    "arn:aws",
    "secretsmanager",
];

/// Whole values that are placeholders or textbook passwords.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passw0rd",
    "password1",
    "password12",
    "password123",
    "secret",
    "secret123",
    "changeit",
    "changeme",
    "admin123",
    "12345678",
    "123456789",
    "1234567890",
    "qwerty123",
    "letmein1",
    "p@ssw0rd",
    "pa55word",
    "testtest",
    "test1234",
    "abcd1234",
    "foobar123",
    "required",
    "optional",
    "undefined",
    "notsecret",
    "insecure",
    "nopassword",
    "anonymous",
    "password!",
    "secret!",
];

/// One automaton for all placeholder parts (candidates are many on code: `token = ...`).
static PLACEHOLDERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(PLACEHOLDER_PARTS)
        .unwrap_or_else(|e| unreachable!("static patterns: {e}"))
});

/// Values that are obviously not real: placeholders, templates, masks, variable references.
pub(super) fn looks_like_placeholder(value: &[u8]) -> bool {
    PLACEHOLDERS.is_match(value)
        || PLACEHOLDER_VALUES
            .iter()
            .any(|p| value.eq_ignore_ascii_case(p.as_bytes()))
}

/// `npmrc-auth-token`'s check: not a placeholder.
pub(super) fn value_not_placeholder(_before: &[u8], secret: &[u8], _after: &[u8]) -> bool {
    !looks_like_placeholder(secret)
}

/// Key-name words that mean the value describes a credential rather than being one.
const KEY_DENY_SUFFIXES: &[&str] = &[
    "file",
    "files",
    "path",
    "dir",
    "length",
    "len",
    "size",
    "type",
    "name",
    "names",
    "field",
    "fields",
    "prompt",
    "policy",
    "regex",
    "regexp",
    "pattern",
    "endpoint",
    "url",
    "uri",
    "env",
    "var",
    "label",
    "format",
    "mode",
    "count",
    "min",
    "max",
    "timeout",
    "ttl",
    "header",
    "hash",
    "hashed",
    "id",
    "ids",
    "enabled",
    "enable",
    "required",
    "command",
    "cmd",
    "helper",
    "method",
    "algorithm",
    "algo",
    "chars",
    "reset",
    "expiry",
    "expires",
    "expiration",
    "store",
    "source",
    "provider",
    "class",
    "input",
    "validator",
    "version",
    "prefix",
    "suffix",
    "index",
    "template",
    "location",
    "ref",
    "arn",
    "hint",
    "mask",
    "masked",
    "char",
    "encoding",
    "level",
    "strength",
    "placeholder",
    "question",
    "filename",
    "option",
    "options",
    "flag",
    "script",
    "program",
];

/// Key-name words that mark test data or public material.
const KEY_DENY_WORDS: &[&str] = &[
    "public",
    "publishable",
    "dummy",
    "example",
    "sample",
    "fake",
    "mock",
];

/// The generic assignment rules' check: a credential-naming key and a real-looking value.
/// `kubernetes-env-secret`'s check: the env var's name (after `name:` in the match) names a
/// credential, and the value looks real.
fn kubernetes_env_ok(before: &[u8], secret: &[u8], _after: &[u8]) -> bool {
    let Some(at) = before
        .windows(5)
        .position(|w| w.eq_ignore_ascii_case(b"name:"))
    else {
        return false;
    };
    let key = before[at + 5..]
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'"' | b'\''))
        .map_or(&before[before.len()..], |start| &before[at + 5 + start..]);
    key_names_credential(key) && value_looks_real(secret)
}

/// `generic-password`'s check: [`assignment_ok`], and when `pwd` is the key's only
/// password word it must not run into more letters (`gpio_pwdown`, `pwdata` are not
/// passwords; `db_pwd`, `PWD2` are).
fn password_assignment_ok(before: &[u8], secret: &[u8], after: &[u8]) -> bool {
    assignment_ok(before, secret, after) && !pwd_inside_a_word(before)
}

fn pwd_inside_a_word(before: &[u8]) -> bool {
    let key_len = before
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .unwrap_or(before.len());
    let key = before[..key_len].to_ascii_lowercase();
    let longer: [&[u8]; 3] = [b"password", b"passwd", b"passphrase"];
    if longer
        .iter()
        .any(|t| memchr::memmem::find(&key, t).is_some())
    {
        return false;
    }
    let mut uses = key.windows(3).enumerate().filter(|(_, w)| *w == b"pwd");
    uses.all(|(i, _)| key.get(i + 3).is_some_and(u8::is_ascii_lowercase))
}

fn assignment_ok(before: &[u8], secret: &[u8], _after: &[u8]) -> bool {
    key_names_credential(before) && value_looks_real(secret)
}

fn key_names_credential(before: &[u8]) -> bool {
    let key_len = before
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
        .unwrap_or(before.len());
    let key = before[..key_len].to_ascii_lowercase();
    let mut words = key
        .split(|b| matches!(b, b'_' | b'-' | b'.'))
        .filter(|w| !w.is_empty());
    let Some(last) = words.clone().next_back() else {
        return true;
    };
    if KEY_DENY_SUFFIXES.iter().any(|s| last == s.as_bytes()) {
        return false;
    }
    !words.any(|w| KEY_DENY_WORDS.iter().any(|d| w == d.as_bytes()))
}

/// Identifiers and references that appear as values in code: `user_password`,
/// `DB_PASSWORD`, `self.password`, `config.db.secret`, `userPassword2`.
static IDENTIFIER: LazyLock<Regex> = LazyLock::new(|| {
    compile_regex(
        "generic",
        "identifier",
        r"^(?:[A-Za-z]+|[a-z][a-z0-9]*(?:[_.\-][a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+|[a-z]{2,}(?:[A-Z][a-z]{2,})+[0-9]{0,2})$",
    )
    .unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Whether an assignment's value looks like a real credential.
pub(super) fn value_looks_real(v: &[u8]) -> bool {
    let Some(&first) = v.first() else {
        return false;
    };
    // Cheapest checks first: most candidates on source code fail here.
    if matches!(
        first,
        b'$' | b'%' | b'@' | b'!' | b'&' | b'*' | b'/' | b'~' | b'\\' | b'#' | b':' | b'=' | b'_'
    ) || v.starts_with(b"./")
        || v.starts_with(b"../")
    {
        return false;
    }
    // Code (calls, indexing, blocks), and query strings (`a=b&c=d`).
    if v.iter().any(|b| b"()[]{}\\".contains(b))
        || memchr::memchr(b'&', v).is_some_and(|i| memchr::memchr(b'=', &v[i..]).is_some())
        || memchr::memmem::find(v, b"->").is_some()
        || memchr::memmem::find(v, b"::").is_some()
    {
        return false;
    }
    if char_classes(v) < 2 || shannon_entropy(v) < 3.0 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with(b"http:") || lower.starts_with(b"https:") || lower.starts_with(b"file:") {
        return false;
    }
    !(IDENTIFIER.is_match(v) || looks_like_placeholder(v))
}

/// How many of lowercase, uppercase, digits and other characters `v` uses.
fn char_classes(v: &[u8]) -> usize {
    let (mut lo, mut up, mut dig, mut other) = (false, false, false, false);
    for &b in v {
        match b {
            b'a'..=b'z' => lo = true,
            b'A'..=b'Z' => up = true,
            b'0'..=b'9' => dig = true,
            _ => other = true,
        }
    }
    [lo, up, dig, other].iter().filter(|&&x| x).count()
}

/// `url-credentials`' check: `before` is `scheme://user:`, `after` is `@host...`.
fn url_password_ok(before: &[u8], secret: &[u8], after: &[u8]) -> bool {
    const WEAK: &[&str] = &[
        "pass", "passwd", "pwd", "pw", "password", "secret", "user", "username", "token", "apikey",
        "api_key", "key", "xxx", "passw0rd",
    ];
    let lower = secret.to_ascii_lowercase();
    if looks_like_placeholder(secret)
        || WEAK.iter().any(|w| lower == w.as_bytes())
        || matches!(secret.first(), Some(b'$' | b'%' | b'*'))
        || secret.iter().all(u8::is_ascii_digit)
    {
        return false;
    }
    let user = before
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or_default()
        .strip_suffix(b":")
        .unwrap_or_default();
    if user.eq_ignore_ascii_case(secret) || looks_like_placeholder(user) {
        return false;
    }
    let host = after
        .strip_prefix(b"@")
        .unwrap_or(after)
        .to_ascii_lowercase();
    const HOST_PLACEHOLDERS: &[&str] = &["host", "hostname", "server", "domain", "your", "myhost"];
    !(memchr::memmem::find(&host, b"example").is_some()
        || HOST_PLACEHOLDERS.iter().any(|h| host == h.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pwd_must_end_its_word() {
        // Linux kernel board files: `.gpio_pwdown = GPIO105_HX4700_nIR_ON,`.
        assert!(pwd_inside_a_word(b".gpio_pwdown\t\t= "));
        assert!(pwd_inside_a_word(b"pwdata = "));
        assert!(!pwd_inside_a_word(b"db_pwd = "));
        assert!(!pwd_inside_a_word(b"PWD2="));
        assert!(!pwd_inside_a_word(b"pwdown_password = "));
        assert!(looks_like_placeholder(b"mypassword.domain=mydom"));
    }

    #[test]
    fn real_looking_values_pass() {
        for v in [
            "SuperSecret123!",
            "hunter2Hunt3r",
            "8f2Kq9Zr1mXp",
            "s3cr3t-Pa55",
        ] {
            assert!(value_looks_real(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn placeholders_and_code_fail() {
        for v in [
            "changeme",
            "${DB_PASSWORD}",
            "<password>",
            "xxxxxxxx",
            "example123",
            "self.password",
            "os.getenv(\"PW\")",
            "user_password",
            "DB_PASSWORD_FILE",
            "/run/secrets/db",
            "userPassword",
            "12345678",
            "password123",
            "{{ .Values.password }}",
        ] {
            assert!(!value_looks_real(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn key_names_that_describe_credentials_are_skipped() {
        assert!(key_names_credential(b"DB_PASSWORD="));
        assert!(key_names_credential(b"\"client_secret\": \""));
        assert!(!key_names_credential(b"password_file = "));
        assert!(!key_names_credential(b"token_type: "));
        assert!(!key_names_credential(b"STRIPE_PUBLIC_TOKEN="));
    }

    #[test]
    fn url_passwords() {
        assert!(url_password_ok(
            b"postgres://app:",
            b"Zq8rT2vx",
            b"@db.internal"
        ));
        assert!(!url_password_ok(b"http://user:", b"password", b"@proxy"));
        assert!(!url_password_ok(
            b"ftp://guest:",
            b"guest",
            b"@ftp.site.org"
        ));
        assert!(!url_password_ok(
            b"https://bob:",
            b"S3cretPw",
            b"@www.example.com"
        ));
        assert!(!url_password_ok(b"redis://u:", b"${REDIS_PW}", b"@cache"));
    }
}
