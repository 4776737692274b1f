//! Source hosting and package registries: GitHub, GitLab, Bitbucket, npm (tokens and
//! `.npmrc`), PyPI, Docker Hub (tokens and `config.json` auths), RubyGems, Clojars, JFrog,
//! NuGet.

use super::{base64_decode, generic, keyed, prefixed};
use crate::finding::{Category, Severity};
use crate::rule::{rule, RuleDef};

pub(super) fn rules() -> Vec<RuleDef> {
    use Category::{PackageRegistry, SourceControl};
    use Severity::{Critical, High, Low, Medium};
    let token = |id: &str, title: &str, sev: Severity, cat: Category, kw: &str, re: &str| {
        rule(id, title, sev, cat, &[kw], prefixed(re)).exact()
    };
    vec![
        // GitHub: `gh?_` + 36 base62 characters (the last six are a checksum), and the
        // fine-grained `github_pat_` format.
        token(
            "github-pat",
            "GitHub personal access token",
            Critical,
            SourceControl,
            "ghp_",
            "ghp_[A-Za-z0-9]{36}",
        ),
        token(
            "github-oauth-token",
            "GitHub OAuth access token",
            Critical,
            SourceControl,
            "gho_",
            "gho_[A-Za-z0-9]{36}",
        ),
        token(
            "github-user-to-server-token",
            "GitHub App user-to-server token",
            High,
            SourceControl,
            "ghu_",
            "ghu_[A-Za-z0-9]{36}",
        ),
        token(
            "github-server-to-server-token",
            "GitHub App installation token",
            High,
            SourceControl,
            "ghs_",
            "ghs_[A-Za-z0-9]{36}",
        ),
        token(
            "github-refresh-token",
            "GitHub refresh token",
            High,
            SourceControl,
            "ghr_",
            "ghr_[A-Za-z0-9]{36,76}",
        ),
        token(
            "github-fine-grained-pat",
            "GitHub fine-grained personal access token",
            Critical,
            SourceControl,
            "github_pat_",
            "github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}",
        ),
        // GitLab: every token type has its own `gl...-` prefix.
        token(
            "gitlab-pat",
            "GitLab personal access token",
            Critical,
            SourceControl,
            "glpat-",
            "glpat-[A-Za-z0-9_\\-]{20,}(?:\\.[A-Za-z0-9_\\-]{2,}){0,2}",
        ),
        token(
            "gitlab-deploy-token",
            "GitLab deploy token",
            High,
            SourceControl,
            "gldt-",
            "gldt-[A-Za-z0-9_\\-]{20,}",
        ),
        token(
            "gitlab-runner-auth-token",
            "GitLab runner authentication token",
            High,
            SourceControl,
            "glrt-",
            "glrt-[A-Za-z0-9_\\-]{20,}(?:\\.[A-Za-z0-9_\\-]{2,}){0,2}",
        ),
        token(
            "gitlab-pipeline-trigger-token",
            "GitLab pipeline trigger token",
            High,
            SourceControl,
            "glptt-",
            "glptt-[a-f0-9]{40}",
        ),
        token(
            "gitlab-runner-registration-token",
            "GitLab runner registration token",
            High,
            SourceControl,
            "GR1348941",
            "GR1348941[A-Za-z0-9_\\-]{20}",
        ),
        token(
            "gitlab-ci-build-token",
            "GitLab CI/CD job token",
            High,
            SourceControl,
            "glcbt-",
            "glcbt-[0-9a-fA-F]{1,5}_[A-Za-z0-9_\\-]{20}",
        ),
        token(
            "gitlab-feed-token",
            "GitLab feed token",
            Medium,
            SourceControl,
            "glft-",
            "glft-[A-Za-z0-9_\\-]{20}",
        ),
        token(
            "gitlab-oauth-app-secret",
            "GitLab OAuth application secret",
            High,
            SourceControl,
            "gloas-",
            "gloas-[A-Za-z0-9_\\-]{64}",
        ),
        token(
            "gitlab-agent-token",
            "GitLab Kubernetes agent token",
            High,
            SourceControl,
            "glagent-",
            "glagent-[A-Za-z0-9_\\-]{50}",
        ),
        token(
            "gitlab-incoming-mail-token",
            "GitLab incoming mail token",
            Medium,
            SourceControl,
            "glimt-",
            "glimt-[A-Za-z0-9_\\-]{25}",
        ),
        token(
            "gitlab-scim-token",
            "GitLab SCIM OAuth token",
            High,
            SourceControl,
            "glsoat-",
            "glsoat-[A-Za-z0-9_\\-]{20}",
        ),
        token(
            "gitlab-feature-flag-client-token",
            "GitLab feature flag client token",
            Low,
            SourceControl,
            "glffct-",
            "glffct-[A-Za-z0-9_\\-]{20}",
        ),
        // Bitbucket.
        token(
            "bitbucket-app-password",
            "Bitbucket app password or API token",
            High,
            SourceControl,
            "ATBB",
            "ATBB[A-Za-z0-9_=.\\-]{32,}",
        ),
        rule(
            "bitbucket-client-secret",
            "Bitbucket OAuth client secret",
            High,
            SourceControl,
            &["bitbucket"],
            keyed("bitbucket", "[A-Za-z0-9=_\\-]{64}"),
        )
        .entropy(3.5),
        // Registries.
        token(
            "npm-access-token",
            "npm access token",
            Critical,
            PackageRegistry,
            "npm_",
            "npm_[A-Za-z0-9]{36}",
        ),
        rule(
            "npmrc-auth-token",
            "npm registry credential in .npmrc",
            High,
            PackageRegistry,
            &["_auth"],
            r#"(?m:^)[ \t]*(?:[^\s=]*:)?_(?:authToken|auth|password)[ \t]*=[ \t]*["']?(?P<secret>[A-Za-z0-9+/=._~\-]{8,512})(?:["'\s]|(?m:$))"#,
        )
        .validate(generic::value_not_placeholder),
        rule(
            "pypi-upload-token",
            "PyPI upload token",
            Critical,
            PackageRegistry,
            &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBp"],
            r"\b(?P<secret>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_\-]{50,})",
        )
        .exact(),
        token(
            "dockerhub-pat",
            "Docker Hub personal access token",
            High,
            PackageRegistry,
            "dckr_pat_",
            "dckr_pat_[A-Za-z0-9_\\-]{27}",
        ),
        token(
            "dockerhub-org-access-token",
            "Docker Hub organization access token",
            High,
            PackageRegistry,
            "dckr_oat_",
            "dckr_oat_[A-Za-z0-9_\\-]{32}",
        ),
        rule(
            "docker-config-auth",
            "Registry credential in a Docker config.json",
            High,
            PackageRegistry,
            &["\"auth\""],
            r#""auth"[ \t]*:[ \t]*"(?P<secret>[A-Za-z0-9+/]{8,}={0,2})""#,
        )
        .exact()
        .file_requires("\"auths\"")
        .validate(docker_auth_ok),
        token(
            "rubygems-api-token",
            "RubyGems API token",
            High,
            PackageRegistry,
            "rubygems_",
            "rubygems_[a-f0-9]{48}",
        ),
        token(
            "clojars-api-token",
            "Clojars deploy token",
            High,
            PackageRegistry,
            "CLOJARS_",
            "CLOJARS_[a-z0-9]{60}",
        ),
        token(
            "jfrog-api-key",
            "JFrog Artifactory API key",
            High,
            PackageRegistry,
            "AKCp",
            "AKCp[A-Za-z0-9]{69}",
        ),
        token(
            "nuget-api-key",
            "NuGet API key",
            High,
            PackageRegistry,
            "oy2",
            "oy2[a-z0-9]{43}",
        ),
    ]
}

/// A Docker `auths` entry is base64 of `user:password`.
fn docker_auth_ok(_before: &[u8], secret: &[u8], _after: &[u8]) -> bool {
    let decoded = base64_decode(secret);
    decoded.contains(&b':') && decoded.len() >= 3 && !decoded.ends_with(b":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_auth_must_decode_to_user_and_password() {
        assert!(docker_auth_ok(b"", b"dXNlcjpwYXNzd29yZA==", b"")); // user:password
        assert!(!docker_auth_ok(b"", b"dXNlcm5hbWU=", b"")); // username
    }
}
