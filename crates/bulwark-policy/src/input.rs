//! The input document policies see as `input`: a projection of one scan, versioned on its
//! own so that report formats can change without breaking anyone's policies.
//!
//! Version 1 (`input.bulwark.input_version == 1`) is documented field by field in
//! docs/POLICY.md and by the JSON Schema `docs/policy-input-v1.schema.json`, which the
//! tests check every generated document against. Fields are only ever added within a
//! version; renaming or removing one bumps [`INPUT_VERSION`].

use std::collections::BTreeMap;

use bulwark_image::ImageMeta;
use bulwark_inventory::{Inventory, Package, SecretFinding, SecretLocation};
use bulwark_reach::Reachability;
use bulwark_vuln::{Finding as VulnFinding, Status};
use serde::Serialize;

/// The input document's schema version.
pub const INPUT_VERSION: u32 = 1;

/// The whole input document of an image (or filesystem) scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanInput {
    /// Schema version and producer.
    pub bulwark: InputHeader,
    /// `image` or `filesystem`.
    pub kind: &'static str,
    /// What was scanned.
    pub artifact: ArtifactInput,
    /// Detected operating system, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<OsInput>,
    /// Every catalogued package.
    pub packages: Vec<PackageInput>,
    /// Vulnerability findings (also the suppressed ones, marked), when the vulnerability
    /// scanner ran; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Vec<VulnInput>>,
    /// Secret findings (masked), when the secret scanner ran; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Vec<SecretInput>>,
    /// Built-in misconfiguration findings, when the config scanner ran; otherwise absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misconfigurations: Option<Vec<MisconfigInput>>,
}

/// `input.bulwark`.
#[derive(Debug, Clone, Serialize)]
pub struct InputHeader {
    /// [`INPUT_VERSION`].
    pub input_version: u32,
    /// The bulwark version that built the document.
    pub version: String,
}

/// `input.artifact`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArtifactInput {
    /// The name the user gave (reference, archive path, directory).
    pub name: String,
    /// Manifest digest, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<String>,
    /// Config digest (the image ID), for images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_digest: Option<String>,
    pub repo_tags: Vec<String>,
    pub repo_digests: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// RFC 3339 creation time, as the config gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The runtime config, for images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigInput>,
    /// The layers, bottom first.
    pub layers: Vec<LayerInput>,
}

/// `input.artifact.config`: the image's runtime configuration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConfigInput {
    /// `User` as written (`""` when unset: runs as root).
    pub user: String,
    /// `Env` as a name → value object (later duplicates win, as in Docker). Values the
    /// secret scanner flagged are masked.
    pub env: BTreeMap<String, String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: String,
    /// Exposed ports as written (`22/tcp`), sorted.
    pub exposed_ports: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub volumes: Vec<String>,
    /// True when the image defines a health check other than `NONE`.
    pub healthcheck: bool,
    /// `StopSignal`, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
}

/// One layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInput {
    pub index: usize,
    pub diff_id: String,
    /// The blob digest as stored (compressed), when the format names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// The blob size in bytes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The build step that made it (`created_by` of its history entry), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// `input.os`.
#[derive(Debug, Clone, Serialize)]
pub struct OsInput {
    /// os-release `ID`.
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codename: Option<String>,
    pub id_like: Vec<String>,
}

/// One package of `input.packages`.
#[derive(Debug, Clone, Serialize)]
pub struct PackageInput {
    /// Package manager: `deb`, `apk`, `rpm`, `python`, `npm`, `cargo`, `go`, ...
    pub kind: String,
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_version: Option<String>,
    pub licenses: Vec<String>,
    /// The database or manifest it was read from, absolute.
    pub found_in: String,
    /// Index of the layer that introduced it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}

/// One finding of `input.vulnerabilities`.
#[derive(Debug, Clone, Serialize)]
pub struct VulnInput {
    /// The ID shown (a CVE when there is one).
    pub id: String,
    pub aliases: Vec<String>,
    /// `CRITICAL`, `HIGH`, `MEDIUM`, `LOW` or `UNKNOWN`.
    pub severity: String,
    /// Highest CVSS base score of any source, when scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss_score: Option<f64>,
    /// `fixed`, `affected` (no fix yet), ... as in the JSON report.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_version: Option<String>,
    /// The affected package: kind, name, version, purl, found_in.
    pub package: VulnPackageInput,
    /// True when an exception or VEX statement suppresses it.
    pub suppressed: bool,
    /// Whether the image's entrypoint loads the package (`loaded`, `not-loaded`,
    /// `unknown`), when reachability was analysed (image scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability: Option<&'static str>,
    /// How it is loaded: the chain from the entrypoint (`python3.11 -> libexpat.so.1`), for
    /// `loaded`; why not known, for `unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability_detail: Option<String>,
}

/// `input.vulnerabilities[_].package`.
#[derive(Debug, Clone, Serialize)]
pub struct VulnPackageInput {
    pub kind: String,
    pub name: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    pub found_in: String,
}

/// One finding of `input.secrets`: where and which rule, never the secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretInput {
    pub rule_id: String,
    pub severity: String,
    /// `file`, `env`, `label` or `history`.
    pub location_kind: &'static str,
    /// The file path, variable name, label key or history index, as text.
    pub location: String,
    pub line: usize,
    /// The masked value, as in the reports.
    pub masked: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
    /// The layer that deleted or overwrote the file, if any (still readable below it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<usize>,
}

/// One built-in misconfiguration finding of `input.misconfigurations`.
#[derive(Debug, Clone, Serialize)]
pub struct MisconfigInput {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cis: Option<String>,
    pub severity: String,
    pub title: String,
    pub message: String,
    /// True when an exception suppresses it.
    pub suppressed: bool,
}

/// What a scan produced, by reference, for [`ScanInput::build`].
#[derive(Debug, Clone, Copy)]
pub struct ScanParts<'a> {
    /// The name the user gave.
    pub name: &'a str,
    /// Image metadata; `None` for a filesystem scan.
    pub image: Option<&'a ImageMeta>,
    pub inventory: &'a Inventory,
    pub vulnerabilities: Option<&'a [VulnFinding]>,
    pub secrets: Option<&'a [SecretFinding]>,
    pub misconfigurations: Option<&'a [bulwark_checks::Finding]>,
}

impl ScanInput {
    /// Projects a scan's results into the version-1 input document.
    pub fn build(parts: ScanParts<'_>) -> Self {
        let mut artifact = artifact(parts.name, parts.image);
        // A variable the secret scanner flagged is given masked, as in every report: a
        // policy message quoting it must not leak it.
        if let Some(config) = artifact.config.as_mut() {
            for s in parts.secrets.into_iter().flatten() {
                if let SecretLocation::Env { name } = &s.location {
                    if let Some(value) = config.env.get_mut(name) {
                        value.clone_from(&s.secret.masked);
                    }
                }
            }
        }
        ScanInput {
            bulwark: InputHeader {
                input_version: INPUT_VERSION,
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            kind: if parts.image.is_some() {
                "image"
            } else {
                "filesystem"
            },
            artifact,
            os: parts.inventory.os.as_ref().map(|os| OsInput {
                id: os.id.clone(),
                version_id: os.version_id.clone(),
                codename: os.codename.clone(),
                id_like: os.id_like.clone(),
            }),
            packages: parts.inventory.packages.iter().map(package).collect(),
            vulnerabilities: parts
                .vulnerabilities
                .map(|v| v.iter().map(vulnerability).collect()),
            secrets: parts.secrets.map(|s| s.iter().map(secret).collect()),
            misconfigurations: parts.misconfigurations.map(|m| {
                m.iter()
                    .map(|f| MisconfigInput {
                        id: f.check_id.clone(),
                        cis: f.cis.clone(),
                        severity: f.severity.as_str().to_string(),
                        title: f.title.clone(),
                        message: f.message.clone(),
                        suppressed: f.suppressed.is_some(),
                    })
                    .collect()
            }),
        }
    }

    /// The document as JSON, for the engine (and for users who want to see it).
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing these plain structs cannot fail: no maps with non-string keys, no
        // non-finite floats (CVSS scores are finite by construction).
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

fn artifact(name: &str, image: Option<&ImageMeta>) -> ArtifactInput {
    let Some(meta) = image else {
        return ArtifactInput {
            name: name.to_string(),
            ..ArtifactInput::default()
        };
    };
    let runtime = meta.config.config.clone().unwrap_or_default();
    let keys = |m: Option<BTreeMap<String, serde_json::Value>>| -> Vec<String> {
        m.map(|m| m.into_keys().collect()).unwrap_or_default()
    };
    let env = runtime
        .env
        .iter()
        .flatten()
        .map(|e| match e.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (e.clone(), String::new()),
        })
        .collect();
    let healthcheck = runtime.healthcheck.as_ref().is_some_and(|h| {
        h.get("Test")
            .and_then(|t| t.as_array())
            .and_then(|t| t.first())
            .and_then(|t| t.as_str())
            .is_some_and(|first| first != "NONE")
    });
    ArtifactInput {
        name: name.to_string(),
        manifest_digest: meta
            .manifest_digest
            .as_ref()
            .map(|d| d.as_str().to_string()),
        config_digest: Some(meta.config_digest.as_str().to_string()),
        repo_tags: meta.repo_tags.clone(),
        repo_digests: meta.repo_digests.clone(),
        architecture: meta.config.architecture.clone(),
        os: meta.config.os.clone(),
        created: meta.config.created.clone(),
        config: Some(ConfigInput {
            user: runtime.user.clone().unwrap_or_default(),
            env,
            entrypoint: runtime.entrypoint.clone().unwrap_or_default(),
            cmd: runtime.cmd.clone().unwrap_or_default(),
            working_dir: runtime.working_dir.clone().unwrap_or_default(),
            exposed_ports: keys(runtime.exposed_ports.clone()),
            labels: runtime.labels.clone().unwrap_or_default(),
            volumes: keys(runtime.volumes.clone()),
            healthcheck,
            stop_signal: runtime.stop_signal.clone(),
        }),
        layers: meta
            .layers
            .iter()
            .enumerate()
            .map(|(index, l)| LayerInput {
                index,
                diff_id: l.diff_id.as_str().to_string(),
                digest: l.blob_digest.as_ref().map(|d| d.as_str().to_string()),
                size: l.size,
                created_by: meta.config.layer_created_by(index).map(str::to_string),
            })
            .collect(),
    }
}

fn kind_name<T: Serialize>(kind: &T) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn package(p: &Package) -> PackageInput {
    PackageInput {
        kind: kind_name(&p.kind),
        name: p.name.clone(),
        version: p.version.clone(),
        arch: p.arch.clone(),
        source_name: p.source_name.clone(),
        source_version: p.source_version.clone(),
        licenses: p.licenses.clone(),
        found_in: p.found_in.clone(),
        layer: p.layer.as_ref().map(|l| l.index),
    }
}

fn vulnerability(f: &VulnFinding) -> VulnInput {
    VulnInput {
        id: f.id.clone(),
        aliases: f.aliases.clone(),
        severity: f.severity.name().to_string(),
        cvss_score: f
            .cvss
            .iter()
            .map(|c| c.base_score)
            .filter(|s| s.is_finite())
            .fold(None, |best: Option<f64>, s| {
                Some(best.map_or(s, |b| b.max(s)))
            }),
        status: f.status.name().to_string(),
        fixed_version: (f.status == Status::Fixed)
            .then(|| f.fixed_version.clone())
            .flatten(),
        package: VulnPackageInput {
            kind: kind_name(&f.package.kind),
            name: f.package.name.clone(),
            version: f.package.version.clone(),
            source_name: f.package.source_name.clone(),
            purl: f.package.purl.clone(),
            found_in: f.package.found_in.clone(),
        },
        suppressed: f.suppressed.is_some(),
        reachability: f.reachability.as_ref().map(|r| match r {
            Reachability::Loaded { .. } => "loaded",
            Reachability::NotLoaded => "not-loaded",
            Reachability::Unknown { .. } => "unknown",
        }),
        reachability_detail: f.reachability.as_ref().and_then(|r| match r {
            Reachability::Loaded { .. } => r.chain_text(),
            Reachability::NotLoaded => None,
            Reachability::Unknown { reason } => Some(reason.clone()),
        }),
    }
}

fn secret(s: &SecretFinding) -> SecretInput {
    let (location_kind, location) = match &s.location {
        SecretLocation::File { path } => ("file", path.clone()),
        SecretLocation::Env { name } => ("env", name.clone()),
        SecretLocation::Label { key } => ("label", key.clone()),
        SecretLocation::History { index } => ("history", index.to_string()),
    };
    SecretInput {
        rule_id: s.secret.rule_id.clone(),
        severity: s.secret.severity.as_str().to_string(),
        location_kind,
        location,
        line: s.secret.line,
        masked: s.secret.masked.clone(),
        layer: s.layer.as_ref().map(|l| l.index),
        removed_in: s.removed_in.as_ref().map(|l| l.index),
    }
}
