//! Cloud providers.

use super::{case, tok, Case, Gen, ALNUM, B32, B64, HEX, URLSAFE};

pub fn cases(g: &mut Gen) -> Vec<Case> {
    let mut out = Vec::new();
    let id = tok("AKIA", g, B32, 16);
    out.push(case(
        "aws-access-key-id",
        format!("[default]\naws_access_key_id = {id}\n"),
        &id,
        format!("aws_access_key_id = {}\n", tok("AKIA", g, B32, 12)),
    ));
    let secret = g.s(B64, 40);
    out.push(case(
        "aws-secret-access-key",
        format!("[default]\naws_secret_access_key = {secret}\n"),
        &secret,
        format!("aws_secret_access_key = {}\n", g.s(B64, 30)),
    ));
    let session = g.s(B64, 300);
    out.push(case(
        "aws-session-token",
        format!("AWS_SESSION_TOKEN={session}\n"),
        &session,
        "AWS_SESSION_TOKEN=short-lived\n".into(),
    ));
    let mws = format!("amzn.mws.{}", g.uuid());
    out.push(case(
        "aws-mws-key",
        format!("mws_auth_token: {mws}\n"),
        &mws,
        "mws: amzn.mws.1234\n".into(),
    ));
    let lines: Vec<String> = (0..10).map(|_| g.s(B64, 64)).collect();
    let body = format!("\\n{}\\n", lines.join("\\n"));
    let sa = |kind: &str| {
        format!(
            "{{\n  \"type\": \"{kind}\",\n  \"project_id\": \"demo\",\n  \"private_key_id\": \"{}\",\n  \
             \"private_key\": \"-----BEGIN PRIVATE KEY-----{body}-----END PRIVATE KEY-----\\n\",\n  \
             \"client_email\": \"svc@demo.iam.gserviceaccount.com\"\n}}\n",
            "ab12cd34"
        )
    };
    out.push(case(
        "gcp-service-account",
        sa("service_account"),
        &body,
        sa("authorized_user"),
    ));
    let key = tok("AIza", g, URLSAFE, 35);
    out.push(case(
        "gcp-api-key",
        format!("const key = \"{key}\";\n"),
        &key,
        format!("const key = \"{}\";\n", tok("AIza", g, URLSAFE, 20)),
    ));
    let secret = tok("GOCSPX-", g, URLSAFE, 28);
    out.push(case(
        "gcp-oauth-client-secret",
        format!("\"client_secret\": \"{secret}\"\n"),
        &secret,
        format!(
            "\"client_secret\": \"{}\"\n",
            tok("GOCSPX-", g, URLSAFE, 10)
        ),
    ));
    let account = format!("{}==", g.s(B64, 86));
    out.push(case(
        "azure-storage-account-key",
        format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={account};EndpointSuffix=core.windows.net\n"
        ),
        &account,
        format!("AccountKey={}==\n", g.s(B64, 40)),
    ));
    let azure = format!("{}{}Q~{}", g.s(ALNUM, 3), 8, g.s(ALNUM, 34));
    out.push(case(
        "azure-ad-client-secret",
        format!("AZURE_CLIENT_SECRET=\"{azure}\"\n"),
        &azure,
        format!(
            "AZURE_CLIENT_SECRET=\"{}8Q~{}\"\n",
            g.s(ALNUM, 3),
            g.s(ALNUM, 10)
        ),
    ));
    let sig = format!("{}%3D", g.s(B64, 43));
    out.push(case(
        "azure-sas-token",
        format!(
            "https://acct.blob.core.windows.net/c?sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2030-01-01T00:00:00Z&sig={sig}\n"
        ),
        &sig,
        "https://acct.blob.core.windows.net/c?sv=2022-11-02&sig=short\n".into(),
    ));
    let ali = tok("LTAI", g, ALNUM, 20);
    out.push(case(
        "alibaba-access-key-id",
        format!("access_key_id: {ali}\n"),
        &ali,
        format!("access_key_id: {}\n", tok("LTAI", g, ALNUM, 8)),
    ));
    let ali_secret = g.s(ALNUM, 30);
    out.push(case(
        "alibaba-access-key-secret",
        format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={ali_secret}\n"),
        &ali_secret,
        format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={}\n", g.s(ALNUM, 20)),
    ));
    let akid = tok("AKID", g, ALNUM, 32);
    out.push(case(
        "tencent-secret-id",
        format!("SecretId={akid}\n"),
        &akid,
        format!("SecretId={}\n", tok("AKID", g, ALNUM, 10)),
    ));
    let tkey = g.s(ALNUM, 32);
    out.push(case(
        "tencent-secret-key",
        format!("TENCENTCLOUD_SECRET_KEY={tkey}\n"),
        &tkey,
        format!("TENCENTCLOUD_SECRET_KEY={}\n", g.s(ALNUM, 16)),
    ));
    for (rule, prefix) in [
        ("digitalocean-pat", "dop_v1_"),
        ("digitalocean-oauth-token", "doo_v1_"),
        ("digitalocean-refresh-token", "dor_v1_"),
    ] {
        let t = tok(prefix, g, HEX, 64);
        out.push(case(
            rule,
            format!("DO_TOKEN={t}\n"),
            &t,
            format!("DO_TOKEN={}\n", tok(prefix, g, HEX, 60)),
        ));
    }
    let uuid = g.uuid();
    out.push(case(
        "heroku-api-key",
        format!("HEROKU_API_KEY={uuid}\n"),
        &uuid,
        "HEROKU_API_KEY=not-a-uuid-at-all\n".into(),
    ));
    let hrku = tok("HRKU-AA", g, URLSAFE, 58);
    out.push(case(
        "heroku-api-key-v2",
        format!("key: {hrku}\n"),
        &hrku,
        format!("key: {}\n", tok("HRKU-AA", g, URLSAFE, 40)),
    ));
    let fly = tok("fo1_", g, URLSAFE, 43);
    out.push(case(
        "flyio-access-token",
        format!("FLY_API_TOKEN={fly}\n"),
        &fly,
        format!("FLY_API_TOKEN={}\n", tok("fo1_", g, URLSAFE, 20)),
    ));
    for (rule, key, alphabet, n, short) in [
        ("vercel-access-token", "VERCEL_TOKEN", ALNUM, 24, 12),
        (
            "netlify-access-token",
            "NETLIFY_AUTH_TOKEN",
            URLSAFE,
            43,
            20,
        ),
        (
            "cloudflare-api-token",
            "CLOUDFLARE_API_TOKEN",
            URLSAFE,
            40,
            20,
        ),
        (
            "cloudflare-global-api-key",
            "CLOUDFLARE_API_KEY",
            HEX,
            37,
            20,
        ),
        ("fastly-api-token", "FASTLY_API_TOKEN", URLSAFE, 32, 16),
        ("linode-api-token", "LINODE_TOKEN", HEX, 64, 32),
    ] {
        let v = g.s(alphabet, n);
        out.push(case(
            rule,
            format!("{key}={v}\n"),
            &v,
            format!("{key}={}\n", g.s(alphabet, short)),
        ));
    }
    let origin = format!("v1.0-{}-{}", g.s(HEX, 24), g.s(HEX, 146));
    out.push(case(
        "cloudflare-origin-ca-key",
        format!("origin_ca_key = \"{origin}\"\n"),
        &origin,
        format!("origin_ca_key = \"v1.0-{}\"\n", g.s(HEX, 100)),
    ));
    for (rule, prefix, alphabet, n, short) in [
        ("openshift-user-token", "sha256~", URLSAFE, 43, 20),
        ("scalingo-api-token", "tk-us-", URLSAFE, 48, 20),
        ("yandex-api-key", "AQVN", URLSAFE, 36, 10),
    ] {
        let t = tok(prefix, g, alphabet, n);
        out.push(case(
            rule,
            format!("token: {t}\n"),
            &t,
            format!("token: {}\n", tok(prefix, g, alphabet, short)),
        ));
    }
    out
}
