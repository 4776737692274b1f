//! Private keys and JWTs.

use super::{base64, case, Case, Gen, B64, URLSAFE};

const BECH32_UPPER: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

fn pem(kind: &str, body: &str) -> String {
    format!("-----BEGIN {kind}PRIVATE KEY-----\n{body}-----END {kind}PRIVATE KEY-----\n")
}

pub fn cases(g: &mut Gen) -> Vec<Case> {
    let mut out = Vec::new();
    for (rule, kind) in [
        ("rsa-private-key", "RSA "),
        ("ec-private-key", "EC "),
        ("dsa-private-key", "DSA "),
        ("openssh-private-key", "OPENSSH "),
        ("pkcs8-private-key", ""),
        ("encrypted-private-key", "ENCRYPTED "),
        ("private-key", "ED25519 "),
    ] {
        let body = g.pem_body(8);
        out.push(case(
            rule,
            format!("# key\n{}", pem(kind, &body)),
            &body,
            pem(kind, "...\n"),
        ));
    }
    let body = format!("{}={}\n", g.pem_body(12), g.s(B64, 4));
    out.push(case(
        "pgp-private-key",
        format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n{body}\
             -----END PGP PRIVATE KEY BLOCK-----\n"
        ),
        &body,
        format!(
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{body}-----END PGP PUBLIC KEY BLOCK-----\n"
        ),
    ));
    let private = g.pem_body(14);
    out.push(case(
        "putty-private-key",
        format!(
            "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: rsa-key-20240101\n\
             Public-Lines: 2\n{}Private-Lines: 14\n{private}Private-MAC: {}\n",
            g.pem_body(2),
            g.s(super::HEX, 40)
        ),
        &private,
        "PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: none\n".to_owned(),
    ));
    let age = format!("AGE-SECRET-KEY-1{}", g.s(BECH32_UPPER, 58));
    out.push(case(
        "age-secret-key",
        format!("# created: 2024-01-01\n{age}\n"),
        &age,
        format!("AGE-SECRET-KEY-1{}\n", g.s(BECH32_UPPER, 40)),
    ));
    let header = base64(br#"{"alg":"HS256","typ":"JWT"}"#, true);
    let payload = base64(
        format!(r#"{{"sub":"{}","iat":1700000000}}"#, g.s(super::ALNUM, 12)).as_bytes(),
        true,
    );
    let jwt = format!("{header}.{payload}.{}", g.s(URLSAFE, 43));
    let not_jwt = format!(
        "{}.{payload}.{}",
        base64(br#"{"k":"abcdefgh","n":"x"}"#, true),
        g.s(URLSAFE, 43)
    );
    out.push(case(
        "jwt",
        format!("Authorization: Bearer {jwt}\n"),
        &jwt,
        format!("Authorization: Bearer {not_jwt}\n"),
    ));
    out
}
