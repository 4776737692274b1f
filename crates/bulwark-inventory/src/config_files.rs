//! Dockerfiles, compose files and Kubernetes manifests stored inside an image (a
//! `Dockerfile` copied in with the sources, manifests an operator image ships), kept as
//! text so that `bulwark image --scanners config` can run the misconfiguration checks on
//! them as `bulwark config` would on a checkout.
//!
//! Selection by name: `Dockerfile`, `Containerfile`, `Dockerfile.*`, `*.dockerfile`,
//! `compose*.y(a)ml`, `docker-compose*.y(a)ml`; and other `*.yaml`/`*.yml` files whose text
//! has top-level `apiVersion:` and `kind:` keys (a Kubernetes manifest), outside the
//! trees where YAML is package data (`usr/share`, `usr/lib`, language package
//! directories). Files over [`MAX_CONFIG_BYTES`] are skipped silently: config files are
//! small, a big YAML file is data.

use crate::analyzer::{Analyzer, AnalyzerKind, Fact};
use crate::InventoryError;

/// Largest file kept (1 MiB, bulwark config's own limit is 4 MiB for files on disk).
pub(crate) const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Keeps the text of config files found in the image.
pub(crate) struct ConfigFilesAnalyzer;

/// Directories whose YAML is package data, not deployment config.
const DATA_TREES: &[&str] = &[
    "usr/share/",
    "usr/lib/",
    "usr/local/lib/",
    "lib/",
    "usr/include/",
    "var/lib/",
    "proc/",
    "sys/",
];

const PACKAGE_DIRS: &[&str] = &[
    "/site-packages/",
    "/dist-packages/",
    "/node_modules/",
    "/vendor/",
    "/gems/",
    "/.cargo/",
    "/go/pkg/",
    "/testdata/",
];

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Dockerfile or compose file by name.
fn named_config(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    if n.ends_with(".dockerignore") {
        return false;
    }
    let yaml = n.ends_with(".yml") || n.ends_with(".yaml");
    n == "dockerfile"
        || n == "containerfile"
        || n.starts_with("dockerfile.")
        || n.starts_with("containerfile.")
        || n.ends_with(".dockerfile")
        || n.ends_with(".containerfile")
        || (yaml && (n.starts_with("compose") || n.starts_with("docker-compose")))
}

fn in_data_tree(path: &str) -> bool {
    DATA_TREES.iter().any(|t| path.starts_with(t))
        || PACKAGE_DIRS
            .iter()
            .any(|d| path.contains(d) || path.starts_with(&d[1..]))
}

/// A top-level `apiVersion:` and `kind:` key: how a Kubernetes manifest starts.
fn looks_like_manifest(text: &str) -> bool {
    let mut api = false;
    let mut kind = false;
    for line in text.lines() {
        api |= line.starts_with("apiVersion:");
        kind |= line.starts_with("kind:");
        if api && kind {
            return true;
        }
    }
    false
}

impl Analyzer for ConfigFilesAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::ConfigFiles
    }
    fn version(&self) -> u32 {
        1
    }
    fn wants(&self, path: &str) -> bool {
        if in_data_tree(path) {
            return false;
        }
        let name = file_name(path);
        // Lockfiles are YAML too (pnpm's can be megabytes), never deployment config.
        named_config(name)
            || (name != "pnpm-lock.yaml" && (name.ends_with(".yaml") || name.ends_with(".yml")))
    }
    fn max_file_bytes(&self) -> Option<u64> {
        Some(MAX_CONFIG_BYTES)
    }
    fn oversized(&self, _path: &str, _size: u64, _limit: u64) -> Vec<Fact> {
        Vec::new()
    }
    fn analyze(&self, path: &str, content: &[u8]) -> Result<Vec<Fact>, InventoryError> {
        let Ok(text) = std::str::from_utf8(content) else {
            return Ok(Vec::new());
        };
        if named_config(file_name(path)) || looks_like_manifest(text) {
            Ok(vec![Fact::ConfigFile(text.to_string())])
        } else {
            Ok(Vec::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_config_files_and_skips_package_data() {
        let a = ConfigFilesAnalyzer;
        for p in [
            "app/Dockerfile",
            "Dockerfile.prod",
            "srv/api.dockerfile",
            "app/compose.yaml",
            "opt/docker-compose.prod.yml",
            "etc/app/deploy.yaml",
        ] {
            assert!(a.wants(p), "{p}");
        }
        for p in [
            "usr/share/doc/x/example.yaml",
            "usr/lib/python3/dist-packages/yaml/tests/a.yaml",
            "app/site-packages/pkg/k8s.yaml",
            "app/web/node_modules/x/compose.yml",
            "app/.dockerignore",
            "app/main.py",
            "app/web/pnpm-lock.yaml",
        ] {
            assert!(!a.wants(p), "{p}");
        }
        let facts = |p: &str, t: &str| a.analyze(p, t.as_bytes()).unwrap();
        assert_eq!(facts("app/Dockerfile", "FROM x\n").len(), 1);
        assert_eq!(
            facts("etc/app/deploy.yaml", "apiVersion: v1\nkind: Pod\n").len(),
            1
        );
        assert!(facts("etc/app/settings.yaml", "debug: true\nkind: x\n").is_empty());
        assert!(a
            .analyze("app/Dockerfile", &[0xff, 0xfe])
            .unwrap()
            .is_empty());
        assert!(a
            .oversized("app/Dockerfile", 2 << 20, MAX_CONFIG_BYTES)
            .is_empty());
    }
}
