//! Source hosting and package registries.

use super::{base64, case, tok, Case, Gen, ALNUM, HEX, LOWNUM, URLSAFE};

pub fn cases(g: &mut Gen) -> Vec<Case> {
    let mut out = Vec::new();
    // (rule, prefix, alphabet, length, near-miss length)
    let simple: &[(&str, &str, &str, usize, usize)] = &[
        ("github-pat", "ghp_", ALNUM, 36, 20),
        ("github-oauth-token", "gho_", ALNUM, 36, 20),
        ("github-user-to-server-token", "ghu_", ALNUM, 36, 20),
        ("github-server-to-server-token", "ghs_", ALNUM, 36, 20),
        ("github-refresh-token", "ghr_", ALNUM, 36, 20),
        ("gitlab-pat", "glpat-", URLSAFE, 20, 10),
        ("gitlab-deploy-token", "gldt-", URLSAFE, 20, 10),
        ("gitlab-runner-auth-token", "glrt-", URLSAFE, 20, 10),
        ("gitlab-pipeline-trigger-token", "glptt-", HEX, 40, 20),
        (
            "gitlab-runner-registration-token",
            "GR1348941",
            URLSAFE,
            20,
            10,
        ),
        ("gitlab-ci-build-token", "glcbt-1a_", URLSAFE, 20, 10),
        ("gitlab-feed-token", "glft-", URLSAFE, 20, 10),
        ("gitlab-oauth-app-secret", "gloas-", URLSAFE, 64, 30),
        ("gitlab-agent-token", "glagent-", URLSAFE, 50, 20),
        ("gitlab-incoming-mail-token", "glimt-", URLSAFE, 25, 10),
        ("gitlab-scim-token", "glsoat-", URLSAFE, 20, 10),
        (
            "gitlab-feature-flag-client-token",
            "glffct-",
            URLSAFE,
            20,
            10,
        ),
        ("bitbucket-app-password", "ATBB", ALNUM, 32, 10),
        ("npm-access-token", "npm_", ALNUM, 36, 20),
        ("pypi-upload-token", "pypi-AgEIcHlwaS5vcmc", URLSAFE, 70, 20),
        ("dockerhub-pat", "dckr_pat_", URLSAFE, 27, 10),
        ("dockerhub-org-access-token", "dckr_oat_", URLSAFE, 32, 10),
        ("rubygems-api-token", "rubygems_", HEX, 48, 20),
        ("clojars-api-token", "CLOJARS_", LOWNUM, 60, 30),
        ("jfrog-api-key", "AKCp", ALNUM, 69, 30),
        ("nuget-api-key", "oy2", LOWNUM, 43, 20),
    ];
    for &(rule, prefix, alphabet, n, short) in simple {
        let t = tok(prefix, g, alphabet, n);
        out.push(case(
            rule,
            format!("token: \"{t}\"\n"),
            &t,
            format!("token: \"{}\"\n", tok(prefix, g, alphabet, short)),
        ));
    }
    let fine = format!("github_pat_{}_{}", g.s(ALNUM, 22), g.s(ALNUM, 59));
    out.push(case(
        "github-fine-grained-pat",
        format!("GH_TOKEN={fine}\n"),
        &fine,
        format!("GH_TOKEN=github_pat_{}\n", g.s(ALNUM, 22)),
    ));
    let bb = g.s(URLSAFE, 64);
    out.push(case(
        "bitbucket-client-secret",
        format!("BITBUCKET_CLIENT_SECRET={bb}\n"),
        &bb,
        format!("BITBUCKET_CLIENT_SECRET={}\n", g.s(URLSAFE, 20)),
    ));
    let npm = g.uuid();
    out.push(case(
        "npmrc-auth-token",
        format!("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={npm}\n"),
        &npm,
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n".into(),
    ));
    let auth = base64(format!("deploy:{}", g.s(ALNUM, 16)).as_bytes(), false);
    let docker = |a: &str| {
        format!("{{\n  \"auths\": {{\n    \"registry.corp.io\": {{\n      \"auth\": \"{a}\"\n    }}\n  }}\n}}\n")
    };
    out.push(case(
        "docker-config-auth",
        docker(&auth),
        &auth,
        docker(&base64(b"usernameonly", false)),
    ));
    out
}
