//! Infrastructure, secret stores, CI/CD and observability: HashiCorp Vault and Terraform
//! Cloud, Pulumi, Doppler, 1Password, Postman, Grafana, Datadog, New Relic, Sentry,
//! Dynatrace, Databricks, Confluent, PlanetScale, Prefect, ReadMe, Sumo Logic, Sourcegraph,
//! CircleCI, Snyk, SonarQube, Infracost, Harness, Octopus Deploy.

use super::{keyed, prefixed, ASSIGN, END, UUID};
use crate::finding::{Category, Severity};
use crate::rule::{rule, RuleDef};

pub(super) fn rules() -> Vec<RuleDef> {
    use Category::Infrastructure as Infra;
    use Severity::{Critical, High, Low, Medium};
    let token = |id: &str, title: &str, sev: Severity, kws: &[&str], re: &str| {
        rule(id, title, sev, Infra, kws, prefixed(re)).exact()
    };
    let named = |id: &str, title: &str, sev: Severity, kws: &[&str], vendor: &str, re: &str| {
        rule(id, title, sev, Infra, kws, keyed(vendor, re)).entropy(3.5)
    };
    vec![
        token(
            "vault-service-token",
            "HashiCorp Vault service token",
            Critical,
            &["hvs."],
            "hvs\\.[A-Za-z0-9_\\-]{90,120}",
        ),
        token(
            "vault-batch-token",
            "HashiCorp Vault batch token",
            High,
            &["hvb."],
            "hvb\\.[A-Za-z0-9_\\-]{138,300}",
        ),
        rule(
            "vault-legacy-token",
            "HashiCorp Vault token (legacy s. format)",
            High,
            Infra,
            &["vault"],
            format!(
                r"(?i)vault[a-z0-9_.\-]{{0,30}}{ASSIGN}(?P<secret>(?-i:s\.[A-Za-z0-9]{{24}})){END}"
            ),
        )
        .entropy(3.5),
        token(
            "terraform-cloud-token",
            "Terraform Cloud / Enterprise API token",
            Critical,
            &[".atlasv1."],
            "[A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=\\-]{60,70}",
        ),
        token(
            "pulumi-access-token",
            "Pulumi access token",
            High,
            &["pul-"],
            "pul-[a-f0-9]{40}",
        ),
        token(
            "doppler-token",
            "Doppler API token",
            High,
            &[
                "dp.pt.",
                "dp.st.",
                "dp.sa.",
                "dp.ct.",
                "dp.scim.",
                "dp.audit.",
            ],
            "dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,44}",
        ),
        token(
            "onepassword-service-account-token",
            "1Password service account token",
            Critical,
            &["ops_eyJ"],
            "ops_eyJ[A-Za-z0-9+/]{250,}={0,3}",
        ),
        token(
            "postman-api-key",
            "Postman API key",
            High,
            &["PMAK-"],
            "PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        ),
        // Grafana: legacy API keys are base64 JSON (`{"k":"`), newer ones have prefixes.
        token(
            "grafana-api-key",
            "Grafana API key",
            High,
            &["eyJrIjoi"],
            "eyJrIjoi[A-Za-z0-9]{70,400}={0,2}",
        ),
        token(
            "grafana-cloud-api-token",
            "Grafana Cloud access policy token",
            High,
            &["glc_"],
            "glc_[A-Za-z0-9+/]{32,400}={0,2}",
        ),
        token(
            "grafana-service-account-token",
            "Grafana service account token",
            High,
            &["glsa_"],
            "glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
        ),
        rule(
            "datadog-api-key",
            "Datadog API or application key",
            High,
            Infra,
            &[
                "datadog", "dd_api", "dd-api", "ddapi", "dd_app", "dd-app", "ddapp",
            ],
            keyed(r"datadog|dd[_\-]?ap[ip]", "[a-f0-9]{40}|[a-f0-9]{32}"),
        )
        .entropy(3.0),
        token(
            "new-relic-user-api-key",
            "New Relic user API key",
            High,
            &["NRAK-"],
            "NRAK-[A-Z0-9]{27}",
        ),
        token(
            "new-relic-insert-key",
            "New Relic insert key",
            Medium,
            &["NRII-"],
            "NRII-[A-Za-z0-9_\\-]{32}",
        ),
        token(
            "new-relic-browser-api-token",
            "New Relic browser API token",
            Low,
            &["NRJS-"],
            "NRJS-[a-f0-9]{19}",
        ),
        rule(
            "new-relic-license-key",
            "New Relic license key",
            High,
            Infra,
            &["NRAL"],
            r"\b(?P<secret>[a-f0-9]{36}NRAL)\b",
        )
        .exact(),
        token(
            "sentry-org-token",
            "Sentry organization auth token",
            High,
            &["sntrys_"],
            "sntrys_eyJ[A-Za-z0-9+/=_\\-]{60,}",
        ),
        token(
            "sentry-user-token",
            "Sentry user auth token",
            High,
            &["sntryu_"],
            "sntryu_[a-f0-9]{64}",
        ),
        token(
            "dynatrace-api-token",
            "Dynatrace API token",
            High,
            &["dt0c01."],
            "dt0c01\\.[A-Z0-9]{24}\\.[A-Z0-9]{64}",
        ),
        token(
            "databricks-api-token",
            "Databricks API token",
            High,
            &["dapi"],
            "dapi[a-f0-9]{32}(?:-[0-9])?",
        ),
        named(
            "confluent-api-secret",
            "Confluent Cloud API secret",
            High,
            &["confluent"],
            "confluent",
            "[A-Za-z0-9+/]{64}",
        ),
        token(
            "planetscale-password",
            "PlanetScale database password",
            High,
            &["pscale_pw_"],
            "pscale_pw_[A-Za-z0-9_.\\-]{32,64}",
        ),
        token(
            "planetscale-api-token",
            "PlanetScale API token",
            High,
            &["pscale_tkn_"],
            "pscale_tkn_[A-Za-z0-9_.\\-]{32,64}",
        ),
        token(
            "planetscale-oauth-token",
            "PlanetScale OAuth token",
            High,
            &["pscale_oauth_"],
            "pscale_oauth_[A-Za-z0-9_.\\-]{32,64}",
        ),
        token(
            "prefect-api-token",
            "Prefect API token",
            High,
            &["pnu_"],
            "pnu_[A-Za-z0-9]{36}",
        ),
        token(
            "readme-api-token",
            "ReadMe API token",
            High,
            &["rdme_"],
            "rdme_[a-z0-9]{70}",
        ),
        named(
            "sumologic-access-key",
            "Sumo Logic access key",
            High,
            &["sumo"],
            "sumo(?:logic)?",
            "[A-Za-z0-9]{64}",
        ),
        token(
            "sourcegraph-access-token",
            "Sourcegraph access token",
            High,
            &["sgp_"],
            "sgp_(?:(?:[a-f0-9]{16}|local)_)?[a-f0-9]{40}",
        ),
        token(
            "circleci-personal-token",
            "CircleCI personal API token",
            High,
            &["CCIPAT_"],
            "CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}",
        ),
        rule(
            "snyk-api-token",
            "Snyk API token",
            High,
            Infra,
            &["snyk"],
            keyed("snyk", UUID),
        ),
        token(
            "sonarqube-token",
            "SonarQube token",
            High,
            &["sqp_", "sqa_", "squ_"],
            "sq[pau]_[a-f0-9]{40}",
        ),
        token(
            "infracost-api-token",
            "Infracost API token",
            Medium,
            &["ico-"],
            "ico-[A-Za-z0-9]{32}",
        ),
        token(
            "harness-api-token",
            "Harness personal or service account token",
            High,
            &["pat.", "sat."],
            "(?:pat|sat)\\.[A-Za-z0-9_\\-]{22}\\.[0-9a-f]{24}\\.[A-Za-z0-9]{20}",
        ),
        token(
            "octopus-deploy-api-key",
            "Octopus Deploy API key",
            Medium,
            &["API-"],
            "API-[A-Z0-9]{26}",
        )
        .entropy(3.5),
    ]
}
