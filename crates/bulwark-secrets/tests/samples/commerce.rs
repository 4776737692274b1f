//! Messaging and payments.

use super::{case, tok, Case, Gen, ALNUM, DIGITS, HEX, LOWNUM, UPNUM, URLSAFE};

const A_TO_H: &str = "abcdefgh0123456789";

pub fn cases(g: &mut Gen) -> Vec<Case> {
    let mut out = Vec::new();
    let bot = format!(
        "xoxb-{}-{}-{}",
        g.s(DIGITS, 12),
        g.s(DIGITS, 13),
        g.s(ALNUM, 24)
    );
    out.push(case(
        "slack-bot-token",
        format!("SLACK_BOT_TOKEN={bot}\n"),
        &bot,
        "SLACK_BOT_TOKEN=xoxb-123\n".into(),
    ));
    let user = format!(
        "xoxp-{}-{}-{}-{}",
        g.s(DIGITS, 12),
        g.s(DIGITS, 12),
        g.s(DIGITS, 13),
        g.s(HEX, 32)
    );
    out.push(case(
        "slack-user-token",
        format!("token: {user}\n"),
        &user,
        format!("token: xoxp-{}\n", g.s(DIGITS, 5)),
    ));
    let app = format!(
        "xapp-1-A{}-{}-{}",
        g.s(UPNUM, 10),
        g.s(DIGITS, 13),
        g.s(LOWNUM, 64)
    );
    out.push(case(
        "slack-app-token",
        format!("SLACK_APP_TOKEN={app}\n"),
        &app,
        "SLACK_APP_TOKEN=xapp-1-\n".into(),
    ));
    let legacy = format!(
        "xoxs-{}-{}-{}",
        g.s(DIGITS, 10),
        g.s(DIGITS, 12),
        g.s(ALNUM, 32)
    );
    out.push(case(
        "slack-legacy-token",
        format!("token: {legacy}\n"),
        &legacy,
        "token: xoxs-abc\n".into(),
    ));
    let config = format!("xoxe.xoxp-1-{}", g.s(UPNUM, 164));
    out.push(case(
        "slack-config-token",
        format!("token: {config}\n"),
        &config,
        format!("token: xoxe.xoxp-1-{}\n", g.s(UPNUM, 20)),
    ));
    let hook = format!("T{}/B{}/{}", g.s(UPNUM, 8), g.s(UPNUM, 10), g.s(ALNUM, 24));
    out.push(case(
        "slack-webhook-url",
        format!("url: https://hooks.slack.com/services/{hook}\n"),
        &hook,
        "url: https://hooks.slack.com/services/short\n".into(),
    ));
    let discord = g.s(URLSAFE, 68);
    out.push(case(
        "discord-webhook-url",
        format!(
            "https://discord.com/api/webhooks/{}/{discord}\n",
            g.s(DIGITS, 18)
        ),
        &discord,
        format!(
            "https://discord.com/api/webhooks/{}/{}\n",
            g.s(DIGITS, 18),
            g.s(URLSAFE, 20)
        ),
    ));
    let dbot = format!(
        "M{}.{}.{}",
        g.s(URLSAFE, 23),
        g.s(URLSAFE, 6),
        g.s(URLSAFE, 27)
    );
    out.push(case(
        "discord-bot-token",
        format!("DISCORD_BOT_TOKEN={dbot}\n"),
        &dbot,
        "DISCORD_BOT_TOKEN=abc.def\n".into(),
    ));
    let tg = format!("{}:AA{}", g.s(DIGITS, 10), g.s(URLSAFE, 33));
    out.push(case(
        "telegram-bot-token",
        format!("bot_token = \"{tg}\"\n"),
        &tg,
        format!(
            "bot_token = \"{}:AA{}\"\n",
            g.s(DIGITS, 10),
            g.s(URLSAFE, 20)
        ),
    ));
    let teams = format!(
        "{}@{}/IncomingWebhook/{}/{}",
        g.uuid(),
        g.uuid(),
        g.s(ALNUM, 32),
        g.uuid()
    );
    out.push(case(
        "microsoft-teams-webhook-url",
        format!("https://acme.webhook.office.com/webhookb2/{teams}\n"),
        &teams,
        "https://acme.webhook.office.com/webhookb2/abc\n".into(),
    ));
    let sk = format!("SK{}", g.s(HEX, 32));
    out.push(case(
        "twilio-api-key",
        format!("# twilio\nAPI_KEY_SID={sk}\n"),
        &sk,
        format!("API_KEY_SID=SK{}\n", g.s(HEX, 32)),
    ));
    let tw = g.s(HEX, 32);
    out.push(case(
        "twilio-auth-token",
        format!("TWILIO_AUTH_TOKEN={tw}\n"),
        &tw,
        format!("TWILIO_AUTH_TOKEN={}\n", g.s(HEX, 16)),
    ));
    let sg = format!("SG.{}.{}", g.s(URLSAFE, 22), g.s(URLSAFE, 43));
    out.push(case(
        "sendgrid-api-token",
        format!("SENDGRID_API_KEY={sg}\n"),
        &sg,
        format!(
            "SENDGRID_API_KEY=SG.{}.{}\n",
            g.s(URLSAFE, 10),
            g.s(URLSAFE, 10)
        ),
    ));
    let mg = format!("key-{}", g.s(HEX, 32));
    out.push(case(
        "mailgun-private-api-token",
        format!("api_key: {mg}\n"),
        &mg,
        format!("api_key: key-{}\n", g.s(HEX, 10)),
    ));
    let signing = format!("{}-{}-{}", g.s(A_TO_H, 32), g.s(A_TO_H, 8), g.s(A_TO_H, 8));
    out.push(case(
        "mailgun-webhook-signing-key",
        format!("MAILGUN_SIGNING_KEY={signing}\n"),
        &signing,
        "MAILGUN_SIGNING_KEY=abc\n".into(),
    ));
    let mc = format!("{}-us12", g.s(HEX, 32));
    out.push(case(
        "mailchimp-api-key",
        format!("apikey: {mc}\n"),
        &mc,
        format!("apikey: {}-us12\n", g.s(HEX, 20)),
    ));
    let brevo = format!("xkeysib-{}-{}", g.s(HEX, 64), g.s(ALNUM, 16));
    out.push(case(
        "brevo-api-key",
        format!("BREVO_KEY={brevo}\n"),
        &brevo,
        format!("BREVO_KEY=xkeysib-{}\n", g.s(HEX, 20)),
    ));
    let simple: &[(&str, &str, &str, usize, usize)] = &[
        ("stripe-secret-key", "sk_live_", ALNUM, 24, 6),
        ("stripe-restricted-key", "rk_live_", ALNUM, 24, 6),
        ("stripe-test-key", "sk_test_", ALNUM, 24, 6),
        ("stripe-webhook-secret", "whsec_", ALNUM, 32, 12),
        ("square-access-token", "EAAA", URLSAFE, 40, 10),
        ("square-oauth-secret", "sq0csp-", URLSAFE, 43, 10),
        ("shopify-access-token", "shpat_", HEX, 32, 16),
        ("shopify-custom-access-token", "shpca_", HEX, 32, 16),
        ("shopify-private-app-token", "shppa_", HEX, 32, 16),
        ("shopify-shared-secret", "shpss_", HEX, 32, 16),
        ("shippo-api-token", "shippo_live_", HEX, 40, 20),
        ("duffel-api-token", "duffel_test_", URLSAFE, 43, 20),
        ("easypost-api-token", "EZAK", ALNUM, 54, 20),
        ("easypost-test-token", "EZTK", ALNUM, 54, 20),
    ];
    for &(rule, prefix, alphabet, n, short) in simple {
        let t = tok(prefix, g, alphabet, n);
        out.push(case(
            rule,
            format!("key: {t}\n"),
            &t,
            format!("key: {}\n", tok(prefix, g, alphabet, short)),
        ));
    }
    let bt = format!(
        "access_token$production${}${}",
        g.s(LOWNUM, 16),
        g.s(HEX, 32)
    );
    out.push(case(
        "paypal-braintree-access-token",
        format!("BRAINTREE_TOKEN={bt}\n"),
        &bt,
        format!(
            "BRAINTREE_TOKEN=access_token$production${}\n",
            g.s(LOWNUM, 16)
        ),
    ));
    let flw = format!("FLWSECK-{}-X", g.s(A_TO_H, 32));
    out.push(case(
        "flutterwave-secret-key",
        format!("FLW_SECRET_KEY={flw}\n"),
        &flw,
        "FLW_SECRET_KEY=FLWSECK-abc-X\n".into(),
    ));
    let gc = format!("live_{}", g.s(URLSAFE, 40));
    out.push(case(
        "gocardless-api-token",
        format!("GOCARDLESS_ACCESS_TOKEN={gc}\n"),
        &gc,
        format!("GOCARDLESS_ACCESS_TOKEN=sandbox_{}\n", g.s(URLSAFE, 40)),
    ));
    out
}
