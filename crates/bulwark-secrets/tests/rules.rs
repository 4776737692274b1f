//! Every built-in rule against generated samples: each finds its positive sample (with the
//! right secret, by fingerprint) and stays quiet on its near miss; the id list is a
//! snapshot, so renaming or dropping a rule (a breaking change for users' configs and
//! ignore files) fails here first.

mod samples;

use std::collections::BTreeSet;

use bulwark_secrets::{fingerprint, ScanResult, Scanner};

/// The stable rule ids, in rule order. Add new rules here; never rename or remove one.
const RULE_IDS: &[&str] = &[
    "rsa-private-key",
    "ec-private-key",
    "dsa-private-key",
    "openssh-private-key",
    "pgp-private-key",
    "pkcs8-private-key",
    "encrypted-private-key",
    "private-key",
    "putty-private-key",
    "age-secret-key",
    "jwt",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
    "aws-mws-key",
    "gcp-service-account",
    "gcp-api-key",
    "gcp-oauth-client-secret",
    "azure-storage-account-key",
    "azure-ad-client-secret",
    "azure-sas-token",
    "alibaba-access-key-id",
    "alibaba-access-key-secret",
    "tencent-secret-id",
    "tencent-secret-key",
    "digitalocean-pat",
    "digitalocean-oauth-token",
    "digitalocean-refresh-token",
    "heroku-api-key",
    "heroku-api-key-v2",
    "flyio-access-token",
    "vercel-access-token",
    "netlify-access-token",
    "cloudflare-api-token",
    "cloudflare-global-api-key",
    "cloudflare-origin-ca-key",
    "fastly-api-token",
    "openshift-user-token",
    "scalingo-api-token",
    "yandex-api-key",
    "linode-api-token",
    "github-pat",
    "github-oauth-token",
    "github-user-to-server-token",
    "github-server-to-server-token",
    "github-refresh-token",
    "github-fine-grained-pat",
    "gitlab-pat",
    "gitlab-deploy-token",
    "gitlab-runner-auth-token",
    "gitlab-pipeline-trigger-token",
    "gitlab-runner-registration-token",
    "gitlab-ci-build-token",
    "gitlab-feed-token",
    "gitlab-oauth-app-secret",
    "gitlab-agent-token",
    "gitlab-incoming-mail-token",
    "gitlab-scim-token",
    "gitlab-feature-flag-client-token",
    "bitbucket-app-password",
    "bitbucket-client-secret",
    "npm-access-token",
    "npmrc-auth-token",
    "pypi-upload-token",
    "dockerhub-pat",
    "dockerhub-org-access-token",
    "docker-config-auth",
    "rubygems-api-token",
    "clojars-api-token",
    "jfrog-api-key",
    "nuget-api-key",
    "vault-service-token",
    "vault-batch-token",
    "vault-legacy-token",
    "terraform-cloud-token",
    "pulumi-access-token",
    "doppler-token",
    "onepassword-service-account-token",
    "postman-api-key",
    "grafana-api-key",
    "grafana-cloud-api-token",
    "grafana-service-account-token",
    "datadog-api-key",
    "new-relic-user-api-key",
    "new-relic-insert-key",
    "new-relic-browser-api-token",
    "new-relic-license-key",
    "sentry-org-token",
    "sentry-user-token",
    "dynatrace-api-token",
    "databricks-api-token",
    "confluent-api-secret",
    "planetscale-password",
    "planetscale-api-token",
    "planetscale-oauth-token",
    "prefect-api-token",
    "readme-api-token",
    "sumologic-access-key",
    "sourcegraph-access-token",
    "circleci-personal-token",
    "snyk-api-token",
    "sonarqube-token",
    "infracost-api-token",
    "harness-api-token",
    "octopus-deploy-api-key",
    "slack-bot-token",
    "slack-user-token",
    "slack-app-token",
    "slack-legacy-token",
    "slack-config-token",
    "slack-webhook-url",
    "discord-webhook-url",
    "discord-bot-token",
    "telegram-bot-token",
    "microsoft-teams-webhook-url",
    "twilio-api-key",
    "twilio-auth-token",
    "sendgrid-api-token",
    "mailgun-private-api-token",
    "mailgun-webhook-signing-key",
    "mailchimp-api-key",
    "brevo-api-key",
    "stripe-secret-key",
    "stripe-restricted-key",
    "stripe-test-key",
    "stripe-webhook-secret",
    "square-access-token",
    "square-oauth-secret",
    "paypal-braintree-access-token",
    "shopify-access-token",
    "shopify-custom-access-token",
    "shopify-private-app-token",
    "shopify-shared-secret",
    "flutterwave-secret-key",
    "gocardless-api-token",
    "shippo-api-token",
    "duffel-api-token",
    "easypost-api-token",
    "easypost-test-token",
    "openai-api-key",
    "anthropic-api-key",
    "anthropic-admin-key",
    "huggingface-access-token",
    "huggingface-org-token",
    "groq-api-key",
    "replicate-api-token",
    "notion-integration-token",
    "linear-api-key",
    "atlassian-api-token",
    "asana-pat",
    "airtable-pat",
    "contentful-delivery-token",
    "algolia-api-key",
    "okta-api-token",
    "dropbox-api-token",
    "facebook-access-token",
    "facebook-app-secret",
    "twitter-bearer-token",
    "twitter-api-secret",
    "adobe-client-secret",
    "frameio-api-token",
    "typeform-api-token",
    "mapbox-secret-token",
    "hubspot-private-app-token",
    "figma-pat",
    "generic-password",
    "generic-secret",
    "generic-api-key",
    "kubernetes-env-secret",
    "url-credentials",
];

/// Fingerprints ignore whitespace and JSON `\\n` escapes (so PEM files and JSON-embedded
/// keys compare equal).
fn expected_fingerprint(secret: &str) -> String {
    let normalized: String = secret
        .replace("\\n", "")
        .replace("\\r", "")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    fingerprint(normalized.as_bytes())
}

fn scan(scanner: &Scanner, text: &str) -> Vec<bulwark_secrets::SecretMatch> {
    match scanner.scan("app/config/settings.txt", text.as_bytes()) {
        ScanResult::Scanned { matches, .. } => matches,
        ScanResult::Skipped(reason) => panic!("sample skipped: {reason:?}"),
    }
}

#[test]
fn rule_ids_are_a_stable_snapshot() {
    let scanner = Scanner::builtin();
    let ids: Vec<&str> = scanner.rules().map(|r| r.id).collect();
    assert_eq!(
        ids, RULE_IDS,
        "rule ids changed: update RULE_IDS and docs/SECRETS.md"
    );
    assert!(ids.len() >= 80, "the issue asks for at least 80 rule types");
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate rule ids");
}

#[test]
fn every_rule_has_title_keywords_and_severity() {
    for r in Scanner::builtin().rules() {
        assert!(!r.title.is_empty(), "{}", r.id);
        assert!(!r.keywords.is_empty(), "{} has no prefilter keyword", r.id);
        assert!(
            r.keywords.iter().all(|k| k.len() >= 2),
            "{}: keyword too short",
            r.id
        );
    }
}

#[test]
fn every_rule_has_a_sample() {
    let covered: BTreeSet<&str> = samples::all().iter().map(|c| c.rule).collect();
    let missing: Vec<&&str> = RULE_IDS
        .iter()
        .filter(|id| !covered.contains(**id))
        .collect();
    assert!(missing.is_empty(), "rules without samples: {missing:?}");
    for c in samples::all() {
        assert!(
            RULE_IDS.contains(&c.rule),
            "sample for unknown rule {}",
            c.rule
        );
    }
}

#[test]
fn every_rule_finds_its_positive_sample() {
    let scanner = Scanner::builtin();
    let mut failures = Vec::new();
    for c in samples::all() {
        let found = scan(&scanner, &c.text);
        let want = expected_fingerprint(&c.secret);
        let hit = found
            .iter()
            .find(|m| m.rule_id == c.rule && m.fingerprint == want);
        match hit {
            None => failures.push(format!(
                "{}: not found (got {:?})",
                c.rule,
                found
                    .iter()
                    .map(|m| (&m.rule_id, &m.masked))
                    .collect::<Vec<_>>()
            )),
            Some(m) => {
                let shown = format!("{m:?}{}", serde_json::to_string(m).unwrap_or_default());
                if shown.contains(c.secret.trim()) {
                    failures.push(format!("{}: the full secret leaked into the match", c.rule));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_ignores_its_near_miss() {
    let scanner = Scanner::builtin();
    let mut failures = Vec::new();
    for c in samples::all() {
        let found = scan(&scanner, &c.negative);
        if let Some(m) = found.iter().find(|m| m.rule_id == c.rule) {
            failures.push(format!("{}: matched its near miss as {}", c.rule, m.masked));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn samples_are_found_by_scan_text_too() {
    // The image-config path: same rules, no path, no binary check.
    let scanner = Scanner::builtin();
    for c in samples::all() {
        let found = scanner.scan_text("image-config/env", &c.text);
        assert!(
            found.iter().any(|m| m.rule_id == c.rule),
            "{} not found by scan_text",
            c.rule
        );
    }
}

#[test]
fn docs_list_every_rule() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/SECRETS.md"
    ))
    .unwrap_or_default();
    let missing: Vec<&&str> = RULE_IDS
        .iter()
        .filter(|id| !doc.contains(&format!("| `{id}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/SECRETS.md lacks rules: {missing:?}"
    );
}

/// Every rule's row of the docs/SECRETS.md table matches the rule set (title, severity,
/// category, keywords), so the documentation cannot drift from the code.
#[test]
fn docs_rule_table_matches_the_rules() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/SECRETS.md"),
    )
    .expect("docs/SECRETS.md");
    let mut wrong = Vec::new();
    for r in Scanner::builtin().rules() {
        let keywords: Vec<String> = r
            .keywords
            .iter()
            .map(|k| format!("`{}`", k.replace('|', "\\|")))
            .collect();
        let row = format!(
            "| `{}` | {} | {} | {} | {} |",
            r.id,
            r.title,
            r.severity,
            r.category,
            keywords.join(" ")
        );
        if !docs.lines().any(|l| l == row) {
            wrong.push(row);
        }
    }
    assert!(
        wrong.is_empty(),
        "docs/SECRETS.md rows to fix:\n{}",
        wrong.join("\n")
    );
}
