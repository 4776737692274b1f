//! Dockerfiles, compose files and Kubernetes manifests stored inside an image (a
//! `Dockerfile` copied in with the sources, manifests an operator image ships), kept as
//! text so that `bulwark image --scanners config` can run the misconfiguration checks on
//! them as `bulwark config` would on a checkout.
//!
//! Selection as `bulwark config` makes it (`bulwark_checks::is_config_candidate`):
//! Dockerfiles and compose files by name, other `*.yaml`/`*.yml` files by a look at their
//! text (a Kubernetes manifest's `apiVersion:`/`kind:`, a compose file's `services:`),
//! outside the trees where YAML is package data (`usr/share`, `usr/lib`, language package
//! directories). Files over [`MAX_CONFIG_BYTES`] are skipped silently: config files are
//! small, a big YAML file is data.

use std::path::Path;

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

fn in_data_tree(path: &str) -> bool {
    DATA_TREES.iter().any(|t| path.starts_with(t))
        || PACKAGE_DIRS
            .iter()
            .any(|d| path.contains(d) || path.starts_with(&d[1..]))
}

/// A Dockerfile or compose file by name, as `bulwark config` tells them.
fn named_config(name: &str) -> bool {
    bulwark_checks::kind_from_name(Path::new(name)).is_some()
}

impl Analyzer for ConfigFilesAnalyzer {
    fn kind(&self) -> AnalyzerKind {
        AnalyzerKind::ConfigFiles
    }
    fn version(&self) -> u32 {
        2
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
        if bulwark_checks::is_config_candidate(Path::new(path), text) {
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
