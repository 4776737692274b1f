//! Messaging and payments: Slack, Discord, Telegram, Microsoft Teams, Twilio, SendGrid,
//! Mailgun, Mailchimp, Brevo; Stripe, Square, PayPal/Braintree, Shopify, Flutterwave,
//! GoCardless, Shippo, Duffel, EasyPost.

use super::{keyed, prefixed, END};
use crate::finding::{Category, Severity};
use crate::rule::{rule, RuleDef, Window};

pub(super) fn rules() -> Vec<RuleDef> {
    use Category::{Messaging, Payment};
    use Severity::{Critical, High, Low, Medium};
    let token = |id: &str, title: &str, sev: Severity, cat: Category, kws: &[&str], re: &str| {
        rule(id, title, sev, cat, kws, prefixed(re)).exact()
    };
    vec![
        // Slack.
        token(
            "slack-bot-token",
            "Slack bot token",
            High,
            Messaging,
            &["xoxb-"],
            "xoxb-[0-9]{8,14}-(?:[0-9]{8,14}-)?[A-Za-z0-9]{18,40}",
        ),
        token(
            "slack-user-token",
            "Slack user token",
            High,
            Messaging,
            &["xoxp-", "xoxe-"],
            "xox[pe](?:-[0-9]{10,13}){3}-[A-Za-z0-9\\-]{28,34}",
        ),
        token(
            "slack-app-token",
            "Slack app-level token",
            High,
            Messaging,
            &["xapp-"],
            "xapp-[0-9]-[A-Z0-9]+-[0-9]+-[a-z0-9]+",
        ),
        token(
            "slack-legacy-token",
            "Slack legacy, workspace or refresh token",
            High,
            Messaging,
            &["xoxa-", "xoxr-", "xoxs-", "xoxo-"],
            "xox[aors]-(?:[0-9]+-){1,4}[A-Za-z0-9\\-]{8,64}",
        ),
        token(
            "slack-config-token",
            "Slack configuration token",
            High,
            Messaging,
            &["xoxe.xox"],
            "xoxe\\.xox[bp]-[0-9]-[A-Z0-9]{163,166}",
        ),
        rule(
            "slack-webhook-url",
            "Slack incoming webhook URL",
            High,
            Messaging,
            &["hooks.slack.com"],
            format!(
                r"hooks\.slack\.com/(?:services|workflows|triggers)/(?P<secret>[A-Za-z0-9+/_\-]{{30,120}}){END}"
            ),
        )
        .exact(),
        rule(
            "discord-webhook-url",
            "Discord webhook URL",
            High,
            Messaging,
            &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
            r"discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/(?P<secret>[A-Za-z0-9_\-]{60,68})\b",
        )
        .exact(),
        rule(
            "discord-bot-token",
            "Discord bot token",
            High,
            Messaging,
            &["discord"],
            keyed(
                "discord",
                "[MNO][A-Za-z0-9_\\-]{23,25}\\.[A-Za-z0-9_\\-]{6}\\.[A-Za-z0-9_\\-]{27,38}",
            ),
        ),
        rule(
            "telegram-bot-token",
            "Telegram bot token",
            High,
            Messaging,
            &[":AA"],
            r"\b(?P<secret>[0-9]{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|(?m:$))",
        )
        .exact(),
        rule(
            "microsoft-teams-webhook-url",
            "Microsoft Teams incoming webhook URL",
            High,
            Messaging,
            &["webhook.office.com/webhookb2/"],
            r"webhook\.office\.com/webhookb2/(?P<secret>[a-f0-9\-]{36}@[a-f0-9\-]{36}/IncomingWebhook/[A-Za-z0-9]{32}/[a-f0-9\-]{36})",
        )
        .exact(),
        // Twilio API key SIDs have no vendor marker of their own: require the word
        // `twilio` somewhere in the file.
        rule(
            "twilio-api-key",
            "Twilio API key",
            High,
            Messaging,
            &["twilio"],
            r"\b(?P<secret>SK[0-9a-fA-F]{32})\b",
        )
        .window(Window::File),
        rule(
            "twilio-auth-token",
            "Twilio auth token",
            High,
            Messaging,
            &["twilio"],
            keyed("twilio", "[a-f0-9]{32}"),
        )
        .entropy(3.0),
        token(
            "sendgrid-api-token",
            "SendGrid API key",
            High,
            Messaging,
            &["SG."],
            "SG\\.[A-Za-z0-9_\\-]{22}\\.[A-Za-z0-9_\\-]{43}",
        ),
        token(
            "mailgun-private-api-token",
            "Mailgun private API key",
            High,
            Messaging,
            &["key-"],
            "key-[a-f0-9]{32}",
        ),
        rule(
            "mailgun-webhook-signing-key",
            "Mailgun webhook signing key",
            Medium,
            Messaging,
            &["mailgun"],
            keyed("mailgun", "[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}"),
        ),
        token(
            "mailchimp-api-key",
            "Mailchimp API key",
            High,
            Messaging,
            &["-us"],
            "[a-f0-9]{32}-us[0-9]{1,2}",
        ),
        token(
            "brevo-api-key",
            "Brevo (Sendinblue) API key",
            High,
            Messaging,
            &["xkeysib-"],
            "xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}",
        ),
        // Payments.
        token(
            "stripe-secret-key",
            "Stripe live secret key",
            Critical,
            Payment,
            &["sk_live_", "sk_prod_"],
            "sk_(?:live|prod)_[A-Za-z0-9]{10,99}",
        ),
        token(
            "stripe-restricted-key",
            "Stripe live restricted key",
            High,
            Payment,
            &["rk_live_", "rk_prod_"],
            "rk_(?:live|prod)_[A-Za-z0-9]{10,99}",
        ),
        token(
            "stripe-test-key",
            "Stripe test-mode secret key",
            Low,
            Payment,
            &["sk_test_", "rk_test_"],
            "[sr]k_test_[A-Za-z0-9]{10,99}",
        ),
        token(
            "stripe-webhook-secret",
            "Stripe webhook signing secret",
            Medium,
            Payment,
            &["whsec_"],
            "whsec_[A-Za-z0-9]{32,64}",
        ),
        token(
            "square-access-token",
            "Square access token",
            High,
            Payment,
            &["EAAA", "sq0atp-"],
            "(?:EAAA|sq0atp-)[A-Za-z0-9_\\-]{22,60}",
        ),
        token(
            "square-oauth-secret",
            "Square OAuth secret",
            High,
            Payment,
            &["sq0csp-"],
            "sq0csp-[A-Za-z0-9_\\-]{43}",
        ),
        token(
            "paypal-braintree-access-token",
            "PayPal Braintree access token",
            Critical,
            Payment,
            &["access_token$production$"],
            "access_token\\$production\\$[0-9a-z]{16}\\$[0-9a-f]{32}",
        ),
        token(
            "shopify-access-token",
            "Shopify access token",
            High,
            Payment,
            &["shpat_"],
            "shpat_[a-fA-F0-9]{32}",
        ),
        token(
            "shopify-custom-access-token",
            "Shopify custom app access token",
            High,
            Payment,
            &["shpca_"],
            "shpca_[a-fA-F0-9]{32}",
        ),
        token(
            "shopify-private-app-token",
            "Shopify private app access token",
            High,
            Payment,
            &["shppa_"],
            "shppa_[a-fA-F0-9]{32}",
        ),
        token(
            "shopify-shared-secret",
            "Shopify shared secret",
            High,
            Payment,
            &["shpss_"],
            "shpss_[a-fA-F0-9]{32}",
        ),
        rule(
            "flutterwave-secret-key",
            "Flutterwave secret key",
            High,
            Payment,
            &["FLWSECK"],
            r"\b(?P<secret>FLWSECK(?:_TEST)?-[a-h0-9]{32}-X)\b",
        )
        .exact(),
        rule(
            "gocardless-api-token",
            "GoCardless API token",
            High,
            Payment,
            &["gocardless"],
            keyed("gocardless", "live_[A-Za-z0-9_=\\-]{40}"),
        ),
        token(
            "shippo-api-token",
            "Shippo API token",
            Medium,
            Payment,
            &["shippo_live_", "shippo_test_"],
            "shippo_(?:live|test)_[a-f0-9]{40}",
        ),
        token(
            "duffel-api-token",
            "Duffel API token",
            High,
            Payment,
            &["duffel_live_", "duffel_test_"],
            "duffel_(?:live|test)_[A-Za-z0-9_=\\-]{43}",
        ),
        token(
            "easypost-api-token",
            "EasyPost production API key",
            High,
            Payment,
            &["EZAK"],
            "EZAK[A-Za-z0-9]{54}",
        ),
        token(
            "easypost-test-token",
            "EasyPost test API key",
            Low,
            Payment,
            &["EZTK"],
            "EZTK[A-Za-z0-9]{54}",
        ),
    ]
}
