//! AI model APIs (OpenAI, Anthropic, Hugging Face, Groq, Replicate) and other SaaS APIs
//! (Notion, Linear, Atlassian, Asana, Airtable, Contentful, Algolia, Okta, Dropbox,
//! Facebook, Twitter/X, Adobe, Frame.io, Typeform, Mapbox, HubSpot, Figma).

use super::{keyed, prefixed};
use crate::finding::{Category, Severity};
use crate::rule::{rule, RuleDef, Window};

pub(super) fn rules() -> Vec<RuleDef> {
    use Category::{Ai, Saas};
    use Severity::{Critical, High, Medium};
    let token = |id: &str, title: &str, sev: Severity, cat: Category, kws: &[&str], re: &str| {
        rule(id, title, sev, cat, kws, prefixed(re)).exact()
    };
    let named = |id: &str, title: &str, sev: Severity, vendor: &str, re: &str| {
        rule(id, title, sev, Saas, &[vendor], keyed(vendor, re)).entropy(3.5)
    };
    vec![
        // AI.
        rule(
            "openai-api-key",
            "OpenAI API key",
            High,
            Ai,
            &["T3BlbkFJ"],
            // `T3BlbkFJ` is base64 of `OpenAI`, embedded in every key format.
            r"\b(?P<secret>sk-(?:(?:proj|svcacct|admin)-)?(?:[A-Za-z0-9_\-]{20}|[A-Za-z0-9_\-]{58,200})T3BlbkFJ(?:[A-Za-z0-9_\-]{20}|[A-Za-z0-9_\-]{58,200}))(?:[^A-Za-z0-9_\-]|(?m:$))",
        )
        .exact(),
        token(
            "anthropic-api-key",
            "Anthropic API key",
            Critical,
            Ai,
            &["sk-ant-api"],
            "sk-ant-api03-[A-Za-z0-9_\\-]{93}AA",
        ),
        token(
            "anthropic-admin-key",
            "Anthropic admin API key",
            Critical,
            Ai,
            &["sk-ant-admin"],
            "sk-ant-admin01-[A-Za-z0-9_\\-]{93}AA",
        ),
        token(
            "huggingface-access-token",
            "Hugging Face access token",
            High,
            Ai,
            &["hf_"],
            "hf_[A-Za-z]{34}",
        )
        .validate(mixed_case),
        token(
            "huggingface-org-token",
            "Hugging Face organization API token",
            High,
            Ai,
            &["api_org_"],
            "api_org_[A-Za-z]{34}",
        )
        .validate(mixed_case),
        token(
            "groq-api-key",
            "Groq API key",
            High,
            Ai,
            &["gsk_"],
            "gsk_[A-Za-z0-9]{52}",
        ),
        token(
            "replicate-api-token",
            "Replicate API token",
            High,
            Ai,
            &["r8_"],
            "r8_[A-Za-z0-9]{37}",
        )
        .entropy(3.5),
        // Productivity and collaboration.
        token(
            "notion-integration-token",
            "Notion integration token",
            High,
            Saas,
            &["ntn_"],
            "ntn_[0-9]{11}[A-Za-z0-9]{35}",
        ),
        token(
            "linear-api-key",
            "Linear API key",
            High,
            Saas,
            &["lin_api_"],
            "lin_api_[A-Za-z0-9]{40}",
        ),
        token(
            "atlassian-api-token",
            "Atlassian API token",
            High,
            Saas,
            &["ATATT3"],
            "ATATT3[A-Za-z0-9_=\\-]{186}",
        ),
        named(
            "asana-pat",
            "Asana personal access token",
            High,
            "asana",
            "[0-9]/[0-9]{16}(?:/[0-9]{16})?:[a-f0-9]{32}|[0-9]/[a-f0-9]{32}",
        ),
        rule(
            "airtable-pat",
            "Airtable personal access token",
            High,
            Saas,
            &["airtable"],
            r"\b(?P<secret>pat[A-Za-z0-9]{14}\.[a-f0-9]{64})\b",
        )
        .window(Window::File),
        named(
            "contentful-delivery-token",
            "Contentful delivery API token",
            Medium,
            "contentful",
            "[A-Za-z0-9=_\\-]{43}",
        ),
        named(
            "algolia-api-key",
            "Algolia admin API key",
            High,
            "algolia",
            "[a-f0-9]{32}",
        )
        .entropy(3.0),
        named(
            "okta-api-token",
            "Okta API token",
            High,
            "okta",
            "00[A-Za-z0-9_\\-]{40}",
        ),
        token(
            "dropbox-api-token",
            "Dropbox API token",
            High,
            Saas,
            &["sl."],
            "sl\\.(?:[A-Za-z0-9_\\-]{130,152}|u\\.[A-Za-z0-9_\\-]{130,})",
        )
        .entropy(4.0),
        // Social networks.
        token(
            "facebook-access-token",
            "Facebook access token",
            High,
            Saas,
            &["EAAC", "EAAM"],
            "EAA[CM][A-Za-z0-9]{100,}",
        ),
        named(
            "facebook-app-secret",
            "Facebook app secret",
            High,
            "facebook",
            "[a-f0-9]{32}",
        )
        .entropy(3.0),
        rule(
            "twitter-bearer-token",
            "Twitter/X bearer token",
            High,
            Saas,
            &["twitter"],
            keyed("twitter", "A{22}[A-Za-z0-9%]{80,100}"),
        )
        .allow_runs(),
        named(
            "twitter-api-secret",
            "Twitter/X API secret",
            High,
            "twitter",
            "[A-Za-z0-9]{50}",
        ),
        // Media and forms.
        token(
            "adobe-client-secret",
            "Adobe client secret",
            High,
            Saas,
            &["p8e-"],
            "p8e-[A-Za-z0-9]{32}",
        ),
        token(
            "frameio-api-token",
            "Frame.io API token",
            High,
            Saas,
            &["fio-u-"],
            "fio-u-[A-Za-z0-9_=\\-]{64}",
        ),
        token(
            "typeform-api-token",
            "Typeform API token",
            Medium,
            Saas,
            &["tfp_"],
            "tfp_[A-Za-z0-9_.=\\-]{59}",
        ),
        token(
            "mapbox-secret-token",
            "Mapbox secret token",
            High,
            Saas,
            &["sk.eyJ"],
            "sk\\.eyJ[A-Za-z0-9_\\-]{40,}\\.[A-Za-z0-9_\\-]{20,}",
        ),
        token(
            "hubspot-private-app-token",
            "HubSpot private app token",
            High,
            Saas,
            &["pat-na1-", "pat-eu1-"],
            "pat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
        ),
        token(
            "figma-pat",
            "Figma personal access token",
            High,
            Saas,
            &["figd_"],
            "figd_[A-Za-z0-9_\\-]{40}",
        ),
    ]
}

/// Random letter tokens mix cases; a 34-letter identifier (`hf_...` in code) rarely does.
fn mixed_case(_before: &[u8], secret: &[u8], _after: &[u8]) -> bool {
    let body = secret.iter().skip_while(|&&b| b != b'_').skip(1);
    let (mut upper, mut lower) = (0, 0);
    for &b in body {
        if b.is_ascii_uppercase() {
            upper += 1;
        } else if b.is_ascii_lowercase() {
            lower += 1;
        }
    }
    upper >= 3 && lower >= 3
}
