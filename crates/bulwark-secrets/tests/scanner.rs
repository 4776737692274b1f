//! The scanner's contract beyond single rules: secrets never leave it unmasked, the
//! configuration behaves as documented, hostile input is bounded, and the real fixture
//! image's secrets are found.

use std::time::{Duration, Instant};

use bulwark_secrets::{
    fingerprint, Config, ScanResult, Scanner, SecretMatch, SecretsError, Severity, SkipReason,
};

fn matches(result: ScanResult) -> Vec<SecretMatch> {
    match result {
        ScanResult::Scanned { matches, .. } => matches,
        ScanResult::Skipped(r) => panic!("skipped: {r:?}"),
    }
}

fn scanner(yaml: &str) -> Scanner {
    Scanner::new(&Config::from_yaml(yaml, "test.yaml").unwrap()).unwrap()
}

fn config_error(yaml: &str) -> SecretsError {
    match Config::from_yaml(yaml, "test.yaml") {
        Err(e) => e,
        Ok(cfg) => match Scanner::new(&cfg) {
            Err(e) => e,
            Ok(_) => panic!("config accepted: {yaml}"),
        },
    }
}

/// A fake GitHub token built at run time.
fn github_token(seed: u8) -> String {
    let body: String = (0..36)
        .map(|i| {
            let alphabet = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            alphabet[(usize::from(seed) * 7 + i * 13 + i * i) % alphabet.len()] as char
        })
        .collect();
    format!("gh{}_{body}", "p")
}

// --- masking -------------------------------------------------------------------------

#[test]
fn no_output_form_holds_the_full_secret() {
    let token = github_token(1);
    let password = "Zq8!rT2vx-LmP4";
    let text = format!(
        "GITHUB_TOKEN={token} DB_PASSWORD={password}\nurl = postgres://app:{password}@db.internal/prod\n"
    );
    let result = Scanner::builtin().scan("app/.env", text.as_bytes());
    let shown = format!(
        "{result:?}\n{}\n{}",
        serde_json::to_string(&result).unwrap(),
        serde_json::to_string_pretty(&result).unwrap()
    );
    assert!(!shown.contains(&token), "{shown}");
    assert!(!shown.contains(password), "{shown}");
    let found = matches(result);
    let rules: Vec<&str> = found.iter().map(|m| m.rule_id.as_str()).collect();
    assert_eq!(rules, ["github-pat", "generic-password", "url-credentials"]);
    // Every snippet masks every secret on its line, not only its own.
    assert_eq!(found[0].snippet, found[1].snippet);
    assert_eq!(
        found[0].snippet,
        "GITHUB_TOKEN=ghp_**** DB_PASSWORD=Zq8!****"
    );
    assert_eq!(found[0].fingerprint, fingerprint(token.as_bytes()));
    assert_eq!(found[2].masked, "Zq8!****");
    assert_eq!(
        found[1].fingerprint, found[2].fingerprint,
        "same password, same fingerprint"
    );
}

#[test]
fn serialized_results_round_trip() {
    let result = Scanner::builtin().scan("app/.env", b"DB_PASSWORD=Zq8!rT2vx-LmP4\n");
    let json = serde_json::to_string(&result).unwrap();
    let back: ScanResult = serde_json::from_str(&json).unwrap();
    assert_eq!(back, result);
    let skipped = ScanResult::Skipped(SkipReason::TooLarge { size: 5, limit: 4 });
    let json = serde_json::to_string(&skipped).unwrap();
    assert_eq!(
        json,
        r#"{"status":"skipped","reason":"too-large","size":5,"limit":4}"#
    );
}

#[test]
fn positions_of_a_multi_line_key() {
    let body: String = (0..6)
        .map(|i| format!("{}\n", "QUJD".repeat(16).replace('J', &i.to_string())))
        .collect();
    let text = format!("# deploy key\n  -----BEGIN OPENSSH PRIVATE KEY-----\n{body}-----END OPENSSH PRIVATE KEY-----\n");
    let found = matches(Scanner::builtin().scan("root/.ssh/id_ed25519", text.as_bytes()));
    assert_eq!(found.len(), 1);
    let m = &found[0];
    assert_eq!(
        (m.rule_id.as_str(), m.line, m.column, m.end_line),
        ("openssh-private-key", 2, 3, 8)
    );
    assert_eq!(m.snippet, "-----BEGIN OPENSSH PRIVATE KEY-----");
    assert_eq!(m.masked, "QU0D****");
    assert_eq!(m.severity, Severity::High);
}

#[test]
fn scan_text_and_scan_agree_on_fingerprints() {
    let s = Scanner::builtin();
    let env = s.scan_text("image-config/env", "DB_PASSWORD=SuperSecret123!");
    assert_eq!(env.len(), 1);
    assert_eq!(env[0].rule_id, "generic-password");
    assert_eq!(env[0].masked, "Supe****");
    let file = matches(s.scan("app/settings.py", b"DB_PASSWORD = \"SuperSecret123!\"\n"));
    assert_eq!(file[0].fingerprint, env[0].fingerprint);
    // A build argument in a history line.
    let history = s.scan_text(
        "image-config/history",
        "RUN /bin/sh -c mysql --user=root --password=Xk3!mQ9zLr7 < /seed.sql",
    );
    assert_eq!(history.len(), 1, "{history:?}");
    assert!(history[0].remediation().contains("Inject it at run time"));
}

// --- configuration -------------------------------------------------------------------

#[test]
fn custom_rules_with_groups_entropy_paths_and_allow_rules() {
    let s = scanner(
        r#"
rules:
  - id: acme-api-key
    title: ACME API key
    severity: critical
    category: saas
    keywords: [acme_]
    regex: '\bacme_(?P<key>[a-z0-9]{16})\b'
    secret-group: key
    entropy: 3.0
    allow-rules:
      - id: acme-sandbox
        description: sandbox keys are public
        regex: '^0000'
  - id: internal-token
    severity: LOW
    keywords: [itok]
    regex: 'itok-[0-9]{6}'
    path: '\.conf$'
"#,
    );
    let found = matches(s.scan("app/a.txt", b"k = acme_a1b2c3d4e5f6g7h8\n"));
    assert_eq!(found[0].rule_id, "acme-api-key");
    assert_eq!(found[0].title, "ACME API key");
    assert_eq!(found[0].severity, Severity::Critical);
    assert_eq!(found[0].fingerprint, fingerprint(b"a1b2c3d4e5f6g7h8"));
    // Low entropy and the rule's own allow rule.
    assert!(matches(s.scan("app/a.txt", b"acme_aaaaaaaaaaaaaaaa\n")).is_empty());
    assert!(matches(s.scan("app/a.txt", b"acme_0000b2c3d4e5f6g7\n")).is_empty());
    // Path-restricted rule.
    assert!(matches(s.scan("app/a.txt", b"itok-123456\n")).is_empty());
    assert_eq!(matches(s.scan("etc/app.conf", b"itok-123456\n")).len(), 1);
    assert_eq!(s.rules().last().map(|r| r.id), Some("internal-token"));
}

#[test]
fn custom_rules_without_keywords_or_multiline() {
    let s = scanner(
        r#"
rules:
  - id: everywhere
    severity: LOW
    regex: 'zz-[0-9]{4}-zz'
  - id: block
    severity: MEDIUM
    keywords: [BEGIN BLOB]
    regex: '(?s)BEGIN BLOB\n(?P<secret>.+?)\nEND BLOB'
    multiline: true
"#,
    );
    assert_eq!(matches(s.scan("a", b"x zz-1234-zz y")).len(), 1);
    let found = matches(s.scan("a", b"BEGIN BLOB\nline one\nline two\nEND BLOB\n"));
    // Fingerprints ignore whitespace (so re-wrapped PEM bodies compare equal).
    assert_eq!(found[0].fingerprint, fingerprint(b"lineonelinetwo"));
}

#[test]
fn enable_and_disable_rules() {
    let text = format!("a = {}\nDB_PASSWORD=Zq8!rT2vx-LmP4\n", github_token(2));
    let only = scanner("enable-rules: [github-pat]\n");
    assert_eq!(only.rules().count(), 1);
    let found = matches(only.scan("app/x", text.as_bytes()));
    assert_eq!(found.len(), 1);
    let without = scanner("disable-rules: [github-pat]\n");
    let found = matches(without.scan("app/x", text.as_bytes()));
    assert!(found.iter().all(|m| m.rule_id != "github-pat"));
    assert!(found.iter().any(|m| m.rule_id == "generic-password"));
}

#[test]
fn allow_rules_by_secret_path_and_rule() {
    let s = scanner(
        r#"
allow-rules:
  - id: fixtures
    description: fake keys used by our tests
    path: '^app/tests/fixtures/'
  - id: known-test-password
    regex: '^Zq8!rT2vx'
    rules: [generic-password]
"#,
    );
    assert_eq!(
        s.scan("/app/tests/fixtures/keys.txt", b"x"),
        ScanResult::Skipped(SkipReason::Excluded {
            allow_rule: "fixtures".into()
        })
    );
    assert!(matches(s.scan("app/.env", b"DB_PASSWORD=Zq8!rT2vx-LmP4\n")).is_empty());
    // Restricted to generic-password: the same value in a URL is still reported.
    let found = matches(s.scan("app/.env", b"u = mysql://app:Zq8!rT2vx-LmP4@db/x\n"));
    assert_eq!(found[0].rule_id, "url-credentials");
    assert!(s.allow_rules().any(|a| a.id == "documentation-examples"));
}

#[test]
fn default_exclusions_and_documentation_keys() {
    let s = Scanner::builtin();
    let key = format!("token = {}\n", github_token(3));
    for path in [
        "usr/share/doc/pkg/README",
        "/usr/share/man/man1/x.1",
        "./usr/share/locale/de/LC_MESSAGES/x.po",
        "srv/repo/.git/objects/ab/cdef",
    ] {
        assert!(
            matches!(
                s.scan(path, key.as_bytes()),
                ScanResult::Skipped(SkipReason::Excluded { .. })
            ),
            "{path}"
        );
    }
    // Application files, a repository's config, node_modules and test dirs are scanned.
    for path in [
        "app/README",
        "srv/repo/.git/config",
        "app/node_modules/x/test/a.js",
        "usr/lib/python3/dist-packages/a.py",
    ] {
        assert_eq!(matches(s.scan(path, key.as_bytes())).len(), 1, "{path}");
    }
    // AWS's documentation example keys.
    let doc = b"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    assert!(matches(s.scan("app/creds", doc)).is_empty());
    let strict = scanner("disable-allow-rules: [documentation-examples, package-documentation]\n");
    let found = matches(strict.scan("usr/share/doc/aws/creds", doc));
    let rules: Vec<&str> = found.iter().map(|m| m.rule_id.as_str()).collect();
    assert_eq!(rules, ["aws-access-key-id", "aws-secret-access-key"]);
}

#[test]
fn config_errors_are_typed_and_name_the_culprit() {
    let e = config_error(
        "rules:\n  - id: broken\n    severity: HIGH\n    keywords: [x]\n    regex: 'a(b'\n",
    );
    assert!(
        matches!(&e, SecretsError::Regex { rule, field: "regex", .. } if rule == "broken"),
        "{e}"
    );
    assert!(e.to_string().contains("broken"));
    let e = config_error("disable-rules: [gihub-pat]\n");
    assert!(
        matches!(&e, SecretsError::UnknownRule { id, .. } if id == "gihub-pat"),
        "{e}"
    );
    let e = config_error("enable-rules: [nope]\n");
    assert!(matches!(
        e,
        SecretsError::UnknownRule {
            field: "enable-rules",
            ..
        }
    ));
    let e = config_error("disable-allow-rules: [nope]\n");
    assert!(matches!(
        e,
        SecretsError::UnknownRule {
            field: "disable-allow-rules",
            ..
        }
    ));
    let e = config_error("rules:\n  - id: github-pat\n    severity: HIGH\n    regex: x\n");
    assert!(matches!(e, SecretsError::DuplicateRule(id) if id == "github-pat"));
    let e = config_error(
        "rules:\n  - id: g\n    severity: HIGH\n    regex: 'x(?P<a>y)'\n    secret-group: b\n",
    );
    assert!(matches!(e, SecretsError::InvalidRule { .. }), "{e}");
    let e = config_error("rules:\n  - id: g\n    severity: HIGH\n    regex: x\n    entropy: 9\n");
    assert!(e.to_string().contains("entropy"), "{e}");
    let e = config_error("allow-rules:\n  - id: nothing\n");
    assert!(e.to_string().contains("nothing"), "{e}");
    let e = config_error("allow-rules:\n  - id: a\n    path: '(['\n");
    assert!(
        matches!(&e, SecretsError::Regex { rule, field: "path", .. } if rule == "a"),
        "{e}"
    );
    let e = config_error("allow-rules:\n  - id: a\n    regex: x\n    rules: [nope]\n");
    assert!(matches!(e, SecretsError::UnknownRule { .. }));
    let e = config_error("rules: {}\n");
    assert!(matches!(e, SecretsError::Config { .. }), "{e}");
}

#[test]
fn cache_key_tracks_the_configuration() {
    let a = Scanner::builtin();
    let b = Scanner::builtin();
    assert_eq!(a.cache_key(), b.cache_key());
    assert_eq!(a.cache_key().len(), 64);
    assert_ne!(a.cache_key(), scanner("disable-rules: [jwt]\n").cache_key());
    assert_ne!(a.cache_key(), scanner("max-file-size: 10\n").cache_key());
}

// --- hostile input -------------------------------------------------------------------

#[test]
fn binary_and_oversized_files_are_skipped() {
    let s = Scanner::builtin();
    let mut nul = b"DB_PASSWORD=Zq8!rT2vx-LmP4\n".to_vec();
    nul.push(0);
    assert_eq!(
        s.scan("app/x", &nul),
        ScanResult::Skipped(SkipReason::Binary)
    );
    // A NUL after the first 8 KiB does not make a file binary.
    let mut late = vec![b'a'; 9000];
    late.extend_from_slice(b"\nDB_PASSWORD=Zq8!rT2vx-LmP4\n\0");
    assert_eq!(matches(s.scan("app/x", &late)).len(), 1);
    let small = scanner("max-file-size: 16\n");
    assert_eq!(
        small.scan("app/x", &[b'a'; 17]),
        ScanResult::Skipped(SkipReason::TooLarge {
            size: 17,
            limit: 16
        })
    );
    assert!(matches!(
        Scanner::builtin().scan("app/x", b""),
        ScanResult::Scanned { .. }
    ));
}

#[test]
fn invalid_utf8_around_secrets() {
    let token = github_token(4);
    let mut text = vec![0xff, 0xfe, b' '];
    text.extend_from_slice(token.as_bytes());
    text.extend_from_slice(&[b' ', 0xc3, b'\n', 0xe2, 0x82]);
    let found = matches(Scanner::builtin().scan("app/x", &text));
    assert_eq!(found.len(), 1);
    assert!(found[0].snippet.contains("ghp_****"));
    assert!(!found[0].snippet.contains(&token));
    let found =
        Scanner::builtin().scan_text("x", "\u{1F511} password=\u{e9}t\u{e9}Zq8!Rx2v \u{1F511}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].masked, "\u{e9}t\u{e9}****",
        "11 characters: 3 shown"
    );
}

fn timed<T>(label: &str, limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    eprintln!("{label}: {took:.2?}");
    assert!(took < limit, "{label} took {took:?}");
    out
}

#[test]
fn a_20_mib_single_line_is_bounded() {
    // Long runs of token characters with keywords sprinkled in, no newline.
    let mut line = Vec::with_capacity(21 << 20);
    let mut i = 0u32;
    while line.len() < 20 << 20 {
        line.extend_from_slice(b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MjQyNDI0");
        if i.is_multiple_of(7) {
            line.extend_from_slice(b" token=");
        }
        if i.is_multiple_of(11) {
            line.extend_from_slice(b"AKIA");
        }
        i += 1;
    }
    let s = scanner("max-file-size: 33554432\n");
    let result = timed("20 MiB line", Duration::from_secs(60), || {
        s.scan("app/blob.txt", &line)
    });
    assert!(result.matches().len() <= 1000);
}

#[test]
fn dense_keywords_and_match_caps() {
    let s = scanner("max-file-size: 33554432\n");
    let dense = "password=".repeat(2 << 20);
    timed("18 MiB of keywords", Duration::from_secs(60), || {
        s.scan("app/x", dense.as_bytes())
    });
    let many: String = (0..3000)
        .map(|i| format!("t{i} = {}\n", github_token((i % 250) as u8)))
        .collect();
    let result = timed("3000 tokens", Duration::from_secs(30), || {
        s.scan("app/x", many.as_bytes())
    });
    let ScanResult::Scanned { matches, truncated } = result else {
        panic!()
    };
    assert!(truncated);
    assert_eq!(matches.len(), 100, "per-rule cap");
    let capped = scanner("max-matches-per-file: 10\n");
    let ScanResult::Scanned { matches, truncated } = capped.scan("app/x", many.as_bytes()) else {
        panic!()
    };
    assert!(truncated && matches.len() == 10);
}

#[test]
fn scanner_is_shared_across_threads() {
    let s = Scanner::builtin();
    let text = format!("x = {}\n", github_token(5));
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for _ in 0..50 {
                    assert_eq!(matches(s.scan("app/x", text.as_bytes())).len(), 1);
                }
            });
        }
    });
}

// --- the real fixture image ------------------------------------------------------------

#[test]
fn debian_12_app_fixture_secrets_are_found() {
    use bulwark_image::{walk_layer, EntryKind, Limits, OpenOptions, Target};
    use std::io::Read;

    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/images/debian-12-app"
    );
    if !std::path::Path::new(dir).exists() {
        eprintln!("fixture image not found at {dir}; skipping");
        return;
    }
    let source = Target::parse(dir)
        .unwrap()
        .open_image(&OpenOptions::default())
        .unwrap();
    let scanner = Scanner::builtin();
    let mut found: Vec<(usize, String, String, Severity)> = Vec::new();
    let (mut files, mut bytes) = (0usize, 0usize);
    let start = Instant::now();
    for layer in &source.meta().layers {
        let blob = source.open_layer(layer.index).unwrap();
        let mut visit = |entry: &bulwark_image::EntryMeta, content: &mut dyn Read| {
            if entry.kind == EntryKind::File {
                let mut buf = Vec::new();
                content
                    .read_to_end(&mut buf)
                    .map_err(|e| bulwark_image::ImageError::stream("read", e))?;
                files += 1;
                bytes += buf.len();
                for m in scanner.scan(&entry.path, &buf).into_matches() {
                    eprintln!(
                        "layer {} {}:{} {} {} {}",
                        layer.index, entry.path, m.line, m.severity, m.rule_id, m.snippet
                    );
                    found.push((layer.index, entry.path.clone(), m.rule_id, m.severity));
                }
            }
            Ok(())
        };
        walk_layer(
            blob,
            Some(&layer.diff_id),
            "layer",
            &Limits::default(),
            &mut visit,
        )
        .unwrap();
    }
    eprintln!(
        "{files} files, {:.1} MB scanned in {:.2?}",
        bytes as f64 / 1e6,
        start.elapsed()
    );
    let has = |path: &str, rule: &str| {
        found
            .iter()
            .any(|(_, p, r, _)| p.ends_with(path) && r == rule)
    };
    assert!(
        has("app/config/.aws/credentials", "aws-access-key-id"),
        "{found:?}"
    );
    assert!(
        has("app/config/.aws/credentials", "aws-secret-access-key"),
        "{found:?}"
    );
    assert!(
        has("app/deploy_key", "openssh-private-key"),
        "deleted in a later layer, still in its own"
    );
    for key in [
        "ssh_host_ecdsa_key",
        "ssh_host_ed25519_key",
        "ssh_host_rsa_key",
    ] {
        assert!(
            has(&format!("etc/ssh/{key}"), "openssh-private-key"),
            "{key}: {found:?}"
        );
    }
    let env = source
        .meta()
        .config
        .config
        .as_ref()
        .and_then(|c| c.env.clone())
        .unwrap_or_default();
    let env_found: Vec<SecretMatch> = env
        .iter()
        .flat_map(|e| scanner.scan_text("image-config/env", e))
        .collect();
    assert_eq!(env_found.len(), 1, "{env_found:?}");
    assert_eq!(env_found[0].rule_id, "generic-password");
    assert_eq!(env_found[0].masked, "Supe****");
}
