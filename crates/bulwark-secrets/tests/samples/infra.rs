//! Infrastructure, secret stores, CI/CD and observability.

use super::{case, tok, Case, Gen, ALNUM, B64, HEX, LOWNUM, UPNUM, URLSAFE};

pub fn cases(g: &mut Gen) -> Vec<Case> {
    let mut out = Vec::new();
    let simple: &[(&str, &str, &str, usize, usize)] = &[
        ("vault-service-token", "hvs.", URLSAFE, 95, 24),
        ("vault-batch-token", "hvb.", URLSAFE, 140, 40),
        ("pulumi-access-token", "pul-", HEX, 40, 20),
        ("doppler-token", "dp.pt.", ALNUM, 43, 20),
        (
            "onepassword-service-account-token",
            "ops_eyJ",
            B64,
            300,
            100,
        ),
        ("grafana-api-key", "eyJrIjoi", ALNUM, 72, 20),
        ("grafana-cloud-api-token", "glc_", B64, 40, 16),
        ("new-relic-user-api-key", "NRAK-", UPNUM, 27, 12),
        ("new-relic-insert-key", "NRII-", URLSAFE, 32, 12),
        ("new-relic-browser-api-token", "NRJS-", HEX, 19, 10),
        ("sentry-org-token", "sntrys_eyJ", URLSAFE, 80, 20),
        ("sentry-user-token", "sntryu_", HEX, 64, 30),
        ("databricks-api-token", "dapi", HEX, 32, 16),
        ("planetscale-password", "pscale_pw_", URLSAFE, 43, 12),
        ("planetscale-api-token", "pscale_tkn_", URLSAFE, 43, 12),
        ("planetscale-oauth-token", "pscale_oauth_", URLSAFE, 43, 12),
        ("prefect-api-token", "pnu_", ALNUM, 36, 12),
        ("readme-api-token", "rdme_", LOWNUM, 70, 20),
        ("sonarqube-token", "sqp_", HEX, 40, 20),
        ("infracost-api-token", "ico-", ALNUM, 32, 12),
        ("octopus-deploy-api-key", "API-", UPNUM, 26, 12),
    ];
    for &(rule, prefix, alphabet, n, short) in simple {
        let t = tok(prefix, g, alphabet, n);
        out.push(case(
            rule,
            format!("value: {t}\n"),
            &t,
            format!("value: {}\n", tok(prefix, g, alphabet, short)),
        ));
    }
    let legacy = format!("s.{}", g.s(ALNUM, 24));
    out.push(case(
        "vault-legacy-token",
        format!("VAULT_TOKEN={legacy}\n"),
        &legacy,
        format!("VAULT_TOKEN=s.{}\n", g.s(ALNUM, 10)),
    ));
    let tf = format!("{}.atlasv1.{}", g.s(ALNUM, 14), g.s(URLSAFE, 67));
    out.push(case(
        "terraform-cloud-token",
        format!("credentials \"app.terraform.io\" {{\n  token = \"{tf}\"\n}}\n"),
        &tf,
        format!(
            "token = \"{}.atlasv1.{}\"\n",
            g.s(ALNUM, 14),
            g.s(URLSAFE, 10)
        ),
    ));
    let pmak = format!("PMAK-{}-{}", g.s(HEX, 24), g.s(HEX, 34));
    out.push(case(
        "postman-api-key",
        format!("POSTMAN_API_KEY={pmak}\n"),
        &pmak,
        format!("POSTMAN_API_KEY=PMAK-{}\n", g.s(HEX, 24)),
    ));
    let glsa = format!("glsa_{}_{}", g.s(ALNUM, 32), g.s(HEX, 8));
    out.push(case(
        "grafana-service-account-token",
        format!("GF_TOKEN={glsa}\n"),
        &glsa,
        format!("GF_TOKEN=glsa_{}\n", g.s(ALNUM, 32)),
    ));
    for (rule, key, alphabet, n, short) in [
        ("datadog-api-key", "DD_API_KEY", HEX, 32, 16),
        ("confluent-api-secret", "CONFLUENT_API_SECRET", B64, 64, 30),
        (
            "sumologic-access-key",
            "SUMOLOGIC_ACCESS_KEY",
            ALNUM,
            64,
            30,
        ),
    ] {
        let v = g.s(alphabet, n);
        out.push(case(
            rule,
            format!("{key}={v}\n"),
            &v,
            format!("{key}={}\n", g.s(alphabet, short)),
        ));
    }
    let nral = format!("{}NRAL", g.s(HEX, 36));
    out.push(case(
        "new-relic-license-key",
        format!("license_key: {nral}\n"),
        &nral,
        format!("license_key: {}NRAL\n", g.s(HEX, 20)),
    ));
    let dt = format!("dt0c01.{}.{}", g.s(UPNUM, 24), g.s(UPNUM, 64));
    out.push(case(
        "dynatrace-api-token",
        format!("DT_API_TOKEN={dt}\n"),
        &dt,
        format!("DT_API_TOKEN=dt0c01.{}\n", g.s(UPNUM, 24)),
    ));
    let sgp = format!("sgp_{}_{}", g.s(HEX, 16), g.s(HEX, 40));
    out.push(case(
        "sourcegraph-access-token",
        format!("SRC_ACCESS_TOKEN={sgp}\n"),
        &sgp,
        format!("SRC_ACCESS_TOKEN=sgp_{}\n", g.s(HEX, 16)),
    ));
    let cci = format!("CCIPAT_{}_{}", g.s(ALNUM, 22), g.s(HEX, 40));
    out.push(case(
        "circleci-personal-token",
        format!("CIRCLE_TOKEN={cci}\n"),
        &cci,
        format!("CIRCLE_TOKEN=CCIPAT_{}\n", g.s(ALNUM, 22)),
    ));
    let snyk = g.uuid();
    out.push(case(
        "snyk-api-token",
        format!("SNYK_TOKEN={snyk}\n"),
        &snyk,
        "SNYK_TOKEN=not-a-uuid\n".into(),
    ));
    let harness = format!(
        "pat.{}.{}.{}",
        g.s(URLSAFE, 22),
        g.s(HEX, 24),
        g.s(ALNUM, 20)
    );
    out.push(case(
        "harness-api-token",
        format!("HARNESS_TOKEN={harness}\n"),
        &harness,
        format!("HARNESS_TOKEN=pat.{}\n", g.s(URLSAFE, 22)),
    ));
    out
}
