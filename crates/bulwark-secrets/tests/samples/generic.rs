//! Heuristic rules.

use super::{case, Case, Gen};

pub fn cases(_g: &mut Gen) -> Vec<Case> {
    vec![
        case(
            "generic-password",
            "DB_PASSWORD=SuperSecret123!".into(),
            "SuperSecret123!",
            "DB_PASSWORD=${DB_PASSWORD}".into(),
        ),
        case(
            "generic-secret",
            "client_secret: \"q8Z!x2Lr-Pw9\"\n".into(),
            "q8Z!x2Lr-Pw9",
            "client_secret: changeme\n".into(),
        ),
        case(
            "generic-api-key",
            "api_key = \"Zx81kLq0Pw3mTr7v\"\n".into(),
            "Zx81kLq0Pw3mTr7v",
            "api_key = \"<your-api-key>\"\n".into(),
        ),
        case(
            "kubernetes-env-secret",
            "      env:\n        - name: DB_PASSWORD\n          value: \"Wm3@zQ8kLp5#tY\"\n".into(),
            "Wm3@zQ8kLp5#tY",
            "        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef: {name: db, key: password}\n".into(),
        ),
        case(
            "url-credentials",
            "DATABASE_URL=postgres://app:Qz8rT2vxW@db.internal:5432/prod\n".into(),
            "Qz8rT2vxW",
            "http_proxy=http://user:password@proxy:3128\n".into(),
        ),
    ]
}
