//! AI and SaaS APIs.

use super::{case, tok, Case, Gen, ALNUM, DIGITS, HEX, LETTERS, LOWER, URLSAFE};

pub fn cases(g: &mut Gen) -> Vec<Case> {
    let mut out = Vec::new();
    let openai = format!("sk-proj-{}T3BlbkFJ{}", g.s(URLSAFE, 74), g.s(URLSAFE, 74));
    out.push(case(
        "openai-api-key",
        format!("OPENAI_API_KEY={openai}\n"),
        &openai,
        format!("OPENAI_API_KEY=sk-{}\n", g.s(ALNUM, 48)),
    ));
    let ant = format!("sk-ant-api03-{}AA", g.s(URLSAFE, 93));
    out.push(case(
        "anthropic-api-key",
        format!("ANTHROPIC_API_KEY={ant}\n"),
        &ant,
        format!("ANTHROPIC_API_KEY=sk-ant-api03-{}\n", g.s(URLSAFE, 20)),
    ));
    let admin = format!("sk-ant-admin01-{}AA", g.s(URLSAFE, 93));
    out.push(case(
        "anthropic-admin-key",
        format!("key: {admin}\n"),
        &admin,
        format!("key: sk-ant-admin01-{}\n", g.s(URLSAFE, 20)),
    ));
    for (rule, prefix) in [
        ("huggingface-access-token", "hf_"),
        ("huggingface-org-token", "api_org_"),
    ] {
        let t = tok(prefix, g, LETTERS, 34);
        out.push(case(
            rule,
            format!("HF_TOKEN={t}\n"),
            &t,
            format!("x = {}\n", tok(prefix, g, LOWER, 34)),
        ));
    }
    let simple: &[(&str, &str, &str, usize, usize)] = &[
        ("groq-api-key", "gsk_", ALNUM, 52, 20),
        ("replicate-api-token", "r8_", ALNUM, 37, 20),
        ("linear-api-key", "lin_api_", ALNUM, 40, 20),
        ("atlassian-api-token", "ATATT3", URLSAFE, 186, 40),
        ("dropbox-api-token", "sl.", URLSAFE, 140, 40),
        ("facebook-access-token", "EAAC", ALNUM, 120, 50),
        ("adobe-client-secret", "p8e-", ALNUM, 32, 12),
        ("frameio-api-token", "fio-u-", URLSAFE, 64, 20),
        ("typeform-api-token", "tfp_", URLSAFE, 59, 20),
        ("figma-pat", "figd_", URLSAFE, 40, 20),
    ];
    for &(rule, prefix, alphabet, n, short) in simple {
        let t = tok(prefix, g, alphabet, n);
        out.push(case(
            rule,
            format!("token: {t}\n"),
            &t,
            format!("token: {}\n", tok(prefix, g, alphabet, short)),
        ));
    }
    let notion = format!("ntn_{}{}", g.s(DIGITS, 11), g.s(ALNUM, 35));
    out.push(case(
        "notion-integration-token",
        format!("NOTION_TOKEN={notion}\n"),
        &notion,
        format!("NOTION_TOKEN=ntn_{}\n", g.s(DIGITS, 11)),
    ));
    let asana = format!("1/{}:{}", g.s(DIGITS, 16), g.s(HEX, 32));
    out.push(case(
        "asana-pat",
        format!("ASANA_TOKEN={asana}\n"),
        &asana,
        "ASANA_TOKEN=1/123\n".into(),
    ));
    let pat = format!("pat{}.{}", g.s(ALNUM, 14), g.s(HEX, 64));
    out.push(case(
        "airtable-pat",
        format!("airtable:\n  token: {pat}\n"),
        &pat,
        format!("service:\n  token: {pat}\n"),
    ));
    for (rule, key, alphabet, n, short) in [
        (
            "contentful-delivery-token",
            "CONTENTFUL_DELIVERY_TOKEN",
            URLSAFE,
            43,
            20,
        ),
        ("algolia-api-key", "ALGOLIA_ADMIN_KEY", HEX, 32, 16),
        ("facebook-app-secret", "FACEBOOK_APP_SECRET", HEX, 32, 16),
        ("twitter-api-secret", "TWITTER_API_SECRET", ALNUM, 50, 25),
    ] {
        let v = g.s(alphabet, n);
        out.push(case(
            rule,
            format!("{key}={v}\n"),
            &v,
            format!("{key}={}\n", g.s(alphabet, short)),
        ));
    }
    let okta = format!("00{}", g.s(URLSAFE, 40));
    out.push(case(
        "okta-api-token",
        format!("OKTA_API_TOKEN={okta}\n"),
        &okta,
        format!("OKTA_API_TOKEN=00{}\n", g.s(URLSAFE, 20)),
    ));
    let bearer = format!("{}{}", "A".repeat(22), g.s(ALNUM, 90));
    out.push(case(
        "twitter-bearer-token",
        format!("TWITTER_BEARER_TOKEN={bearer}\n"),
        &bearer,
        format!("TWITTER_BEARER_TOKEN={}\n", g.s(ALNUM, 30)),
    ));
    let mapbox = format!("sk.eyJ1Ijoi{}.{}", g.s(URLSAFE, 50), g.s(URLSAFE, 22));
    out.push(case(
        "mapbox-secret-token",
        format!("MAPBOX_TOKEN={mapbox}\n"),
        &mapbox,
        format!(
            "MAPBOX_TOKEN=pk.eyJ1Ijoi{}.{}\n",
            g.s(URLSAFE, 50),
            g.s(URLSAFE, 22)
        ),
    ));
    let hubspot = format!("pat-na1-{}", g.uuid());
    out.push(case(
        "hubspot-private-app-token",
        format!("HUBSPOT_TOKEN={hubspot}\n"),
        &hubspot,
        "HUBSPOT_TOKEN=pat-na1-1234\n".into(),
    ));
    out
}
