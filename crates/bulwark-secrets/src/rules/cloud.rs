//! Cloud providers: AWS, Google Cloud, Azure, Alibaba, Tencent, DigitalOcean, Heroku,
//! Fly.io, Vercel, Netlify, Cloudflare, Fastly, OpenShift, Scalingo, Yandex, Linode.

use super::{keyed, prefixed, ASSIGN, END, UUID};
use crate::finding::{Category, Severity};
use crate::rule::{rule, RuleDef, Window};

pub(super) fn rules() -> Vec<RuleDef> {
    use Category::Cloud;
    use Severity::{Critical, High, Medium};
    vec![
        // AWS key ids are 20 characters of base32 behind a type prefix.
        rule(
            "aws-access-key-id",
            "AWS access key ID",
            Critical,
            Cloud,
            &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
            r"\b(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\b",
        )
        .exact(),
        rule(
            "aws-secret-access-key",
            "AWS secret access key",
            Critical,
            Cloud,
            &[
                "aws_secret",
                "aws-secret",
                "aws.secret",
                "awssecret",
                "secret_access",
                "secret-access",
                "secret.access",
                "secretaccess",
            ],
            format!(
                r"(?i)(?:aws[_.\-]?secret[_.\-]?(?:access[_.\-]?)?key|secret[_.\-]?access[_.\-]?key){ASSIGN}(?P<secret>(?-i:[A-Za-z0-9/+]{{40}}))(?:[^A-Za-z0-9/+=]|(?m:$))"
            ),
        )
        .entropy(4.0),
        rule(
            "aws-session-token",
            "AWS session token",
            High,
            Cloud,
            &["session_token", "session-token", "sessiontoken", "security-token"],
            format!(
                r"(?i)(?:aws[_.\-]?session[_.\-]?token|x-amz-security-token){ASSIGN}(?P<secret>(?-i:[A-Za-z0-9/+=]{{100,2000}})){END}"
            ),
        )
        .entropy(4.0),
        rule(
            "aws-mws-key",
            "Amazon MWS auth token",
            High,
            Cloud,
            &["amzn.mws."],
            format!(r"\b(?P<secret>amzn\.mws\.{UUID})\b"),
        )
        .exact(),
        // Google Cloud.
        rule(
            "gcp-service-account",
            "Google Cloud service account key",
            Critical,
            Cloud,
            &["\"private_key\""],
            r#""private_key"[ \t]*:[ \t]*"-----BEGIN PRIVATE KEY-----(?P<secret>(?:[A-Za-z0-9+/=]|\\n|\\r){64,}?)-----END PRIVATE KEY-----"#,
        )
        .exact()
        .window(Window::Around {
            before: 0,
            after: 16 * 1024,
        })
        .file_requires("service_account")
        .allow_runs(),
        rule(
            "gcp-api-key",
            "Google API key",
            High,
            Cloud,
            &["AIza"],
            prefixed("AIza[0-9A-Za-z_\\-]{35}"),
        )
        .exact(),
        rule(
            "gcp-oauth-client-secret",
            "Google OAuth client secret",
            High,
            Cloud,
            &["GOCSPX-"],
            prefixed("GOCSPX-[A-Za-z0-9_\\-]{28}"),
        )
        .exact(),
        // Azure.
        rule(
            "azure-storage-account-key",
            "Azure storage account key",
            Critical,
            Cloud,
            &["AccountKey"],
            r"(?i)AccountKey[ \t]*=[ \t]*(?P<secret>(?-i:[A-Za-z0-9+/]{86}==))",
        )
        .entropy(4.0),
        rule(
            "azure-ad-client-secret",
            "Azure AD client secret",
            High,
            Cloud,
            &["Q~"],
            r#"(?:(?m:^)|[\\'"\x60\s>=:(,)])(?P<secret>[a-zA-Z0-9_~.]{3}[0-9]Q~[a-zA-Z0-9_~.\-]{31,34})(?:[\\'"\x60\s<),]|(?m:$))"#,
        )
        .exact()
        .entropy(3.5),
        rule(
            "azure-sas-token",
            "Azure shared access signature",
            High,
            Cloud,
            &["sv=20"],
            r#"(?i)\bsv=20[0-9]{2}-[0-9]{2}-[0-9]{2}&[^\s"'<>]{0,300}?\bsig=(?P<secret>(?-i:[A-Za-z0-9%+/]{30,}(?:%3D|=){0,2}))"#,
        )
        .entropy(3.5),
        // Alibaba and Tencent.
        rule(
            "alibaba-access-key-id",
            "Alibaba Cloud AccessKey ID",
            High,
            Cloud,
            &["LTAI"],
            r"\b(?P<secret>LTAI(?:[A-Za-z0-9]{20}|[A-Za-z0-9]{12}))\b",
        )
        .exact(),
        rule(
            "alibaba-access-key-secret",
            "Alibaba Cloud AccessKey secret",
            High,
            Cloud,
            &["alibaba", "aliyun"],
            keyed("alibaba|aliyun", "[A-Za-z0-9]{30}"),
        )
        .entropy(3.5),
        rule(
            "tencent-secret-id",
            "Tencent Cloud SecretId",
            High,
            Cloud,
            &["AKID"],
            r"\b(?P<secret>AKID[A-Za-z0-9]{32})\b",
        )
        .exact(),
        rule(
            "tencent-secret-key",
            "Tencent Cloud SecretKey",
            High,
            Cloud,
            &["tencent"],
            keyed("tencent", "[A-Za-z0-9]{32}"),
        )
        .entropy(3.5),
        // DigitalOcean.
        rule(
            "digitalocean-pat",
            "DigitalOcean personal access token",
            Critical,
            Cloud,
            &["dop_v1_"],
            prefixed("dop_v1_[a-f0-9]{64}"),
        )
        .exact(),
        rule(
            "digitalocean-oauth-token",
            "DigitalOcean OAuth access token",
            High,
            Cloud,
            &["doo_v1_"],
            prefixed("doo_v1_[a-f0-9]{64}"),
        )
        .exact(),
        rule(
            "digitalocean-refresh-token",
            "DigitalOcean OAuth refresh token",
            High,
            Cloud,
            &["dor_v1_"],
            prefixed("dor_v1_[a-f0-9]{64}"),
        )
        .exact(),
        // Platform hosts.
        rule(
            "heroku-api-key",
            "Heroku API key",
            High,
            Cloud,
            &["heroku"],
            keyed("heroku", UUID),
        ),
        rule(
            "heroku-api-key-v2",
            "Heroku API key (HRKU format)",
            High,
            Cloud,
            &["HRKU-AA"],
            prefixed("HRKU-AA[0-9a-zA-Z_\\-]{58}"),
        )
        .exact(),
        rule(
            "flyio-access-token",
            "Fly.io access token",
            High,
            Cloud,
            &["fo1_", "fm1a_", "fm1r_", "fm2_"],
            r"\b(?P<secret>fo1_[A-Za-z0-9_\-]{43}|fm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|fm2_[A-Za-z0-9+/]{100,}={0,3})(?:[^A-Za-z0-9_/+=\-]|(?m:$))",
        )
        .exact(),
        rule(
            "vercel-access-token",
            "Vercel access token",
            High,
            Cloud,
            &["vercel"],
            keyed("vercel", "[A-Za-z0-9]{24}"),
        )
        .entropy(3.5),
        rule(
            "netlify-access-token",
            "Netlify access token",
            High,
            Cloud,
            &["netlify"],
            keyed("netlify", "[A-Za-z0-9_=\\-]{40,46}"),
        )
        .entropy(3.5),
        rule(
            "cloudflare-api-token",
            "Cloudflare API token",
            High,
            Cloud,
            &["cloudflare", "cf_api"],
            keyed("cloudflare|cf_api", "[A-Za-z0-9_\\-]{40}"),
        )
        .entropy(3.5),
        rule(
            "cloudflare-global-api-key",
            "Cloudflare global API key",
            High,
            Cloud,
            &["cloudflare", "cf_api"],
            keyed("cloudflare|cf_api", "[a-f0-9]{37}"),
        ),
        rule(
            "cloudflare-origin-ca-key",
            "Cloudflare Origin CA key",
            High,
            Cloud,
            &["v1.0-"],
            r"\b(?P<secret>v1\.0-[a-f0-9]{24}-[a-f0-9]{146})\b",
        )
        .exact(),
        rule(
            "fastly-api-token",
            "Fastly API token",
            High,
            Cloud,
            &["fastly"],
            keyed("fastly", "[A-Za-z0-9_\\-]{32}"),
        )
        .entropy(3.5),
        rule(
            "openshift-user-token",
            "OpenShift user token",
            High,
            Cloud,
            &["sha256~"],
            r"(?:(?m:^)|[^A-Za-z0-9_])(?P<secret>sha256~[A-Za-z0-9_\-]{43})(?:[^A-Za-z0-9_\-]|(?m:$))",
        )
        .exact(),
        rule(
            "scalingo-api-token",
            "Scalingo API token",
            High,
            Cloud,
            &["tk-us-"],
            prefixed("tk-us-[A-Za-z0-9_\\-]{48}"),
        )
        .exact(),
        rule(
            "yandex-api-key",
            "Yandex Cloud API key",
            High,
            Cloud,
            &["AQVN"],
            prefixed("AQVN[A-Za-z0-9_\\-]{35,38}"),
        )
        .exact(),
        rule(
            "linode-api-token",
            "Linode (Akamai) API token",
            Medium,
            Cloud,
            &["linode"],
            keyed("linode", "[a-f0-9]{64}"),
        ),
    ]
}
