//! CycloneDX 1.6 JSON (`--format cyclonedx`), from our own serde structs (the `cyclonedx-bom`
//! crate stops at 1.5).
//!
//! Layout: `metadata.component` is the scanned artifact (`container` for an image, `file` for
//! a directory); `components` holds one `operating-system` component when the OS is known and
//! one `library` component per package; `dependencies` says the artifact depends on all of
//! them. Bulwark-specific facts are `bulwark:` properties:
//!
//! | property | on | value |
//! |---|---|---|
//! | `bulwark:package:type` | packages | `deb`, `apk`, `npm`, ... |
//! | `bulwark:package:sourceName` / `sourceVersion` | packages | source package |
//! | `bulwark:layer:index` / `bulwark:layer:diffID` | packages | introducing layer |
//! | `bulwark:location:0:path` | packages | database or manifest the package was read from |
//! | `bulwark:image:id`, `bulwark:image:repoTag`, `bulwark:image:repoDigest` | image | |
//!
//! `bom-ref`s are the purl when it is unique in the document, else the purl plus `|` and the
//! location, else a counter; packages without a purl get `bulwark:<type>/<name>@<version>`.

use std::io::Write;

use serde::Serialize;

use crate::ids::UniqueIds;
use crate::license::{self, License};
use crate::{kind_name, purl, ArtifactKind, Context, ReportError, TOOL_NAME};

const SCHEMA_URL: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

pub(crate) fn write(cx: &Context<'_>, out: &mut dyn Write) -> Result<(), ReportError> {
    let bom = bom(cx);
    serde_json::to_writer_pretty(&mut *out, &bom)
        .map_err(|e| ReportError::from_json("CycloneDX", e))?;
    out.write_all(b"\n")?;
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    publisher: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

/// The schema allows either a list of licenses or exactly one expression.
#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: LicenseItem },
    Expression { expression: String },
}

#[derive(Serialize)]
struct LicenseItem {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: &'static str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

fn bom(cx: &Context<'_>) -> Bom {
    let mut ids = UniqueIds::default();
    let root = root_component(cx, &mut ids);
    let root_ref = root.bom_ref.clone().unwrap_or_default();

    let mut components = Vec::with_capacity(cx.inventory.packages.len() + 1);
    if let Some(os) = &cx.inventory.os {
        let base = match os.version_id.as_deref() {
            Some(v) => format!("os:{}@{v}", os.id),
            None => format!("os:{}", os.id),
        };
        components.push(Component {
            bom_ref: Some(ids.claim(&[base], "|")),
            kind: "operating-system",
            name: os.id.clone(),
            version: os.version_id.clone(),
            description: os.pretty_name.clone(),
            ..Default::default()
        });
    }
    for (pkg, purl) in cx.inventory.packages.iter().zip(&cx.purls) {
        let base = purl.clone().unwrap_or_else(|| {
            format!(
                "bulwark:{}/{}@{}",
                kind_name(pkg.kind),
                pkg.name,
                pkg.version
            )
        });
        let located = format!("{base}|{}", pkg.found_in);
        let mut properties = vec![Property {
            name: "bulwark:package:type",
            value: kind_name(pkg.kind).to_string(),
        }];
        if let Some(s) = &pkg.source_name {
            properties.push(Property {
                name: "bulwark:package:sourceName",
                value: s.clone(),
            });
        }
        if let Some(s) = &pkg.source_version {
            properties.push(Property {
                name: "bulwark:package:sourceVersion",
                value: s.clone(),
            });
        }
        if let Some(layer) = &pkg.layer {
            properties.push(Property {
                name: "bulwark:layer:index",
                value: layer.index.to_string(),
            });
            if let Some(d) = &layer.diff_id {
                properties.push(Property {
                    name: "bulwark:layer:diffID",
                    value: d.clone(),
                });
            }
        }
        properties.push(Property {
            name: "bulwark:location:0:path",
            value: pkg.found_in.clone(),
        });
        components.push(Component {
            bom_ref: Some(ids.claim(&[base, located], "|")),
            kind: "library",
            publisher: pkg.maintainer.clone(),
            name: pkg.name.clone(),
            version: Some(pkg.version.clone()).filter(|v| !v.is_empty()),
            licenses: licenses(&pkg.licenses),
            purl: purl.clone(),
            properties,
            ..Default::default()
        });
    }

    let dependencies = vec![Dependency {
        reference: root_ref,
        depends_on: components
            .iter()
            .filter_map(|c| c.bom_ref.clone())
            .collect(),
    }];

    Bom {
        schema: SCHEMA_URL,
        bom_format: "CycloneDX",
        spec_version: "1.6",
        serial_number: format!("urn:uuid:{}", cx.serial),
        version: 1,
        metadata: Metadata {
            timestamp: cx.timestamp.clone(),
            tools: Tools {
                components: vec![Component {
                    kind: "application",
                    name: TOOL_NAME.to_string(),
                    version: Some(cx.tool_version.clone()),
                    ..Default::default()
                }],
            },
            component: root,
        },
        components,
        dependencies,
    }
}

/// The scanned artifact as `metadata.component`.
fn root_component(cx: &Context<'_>, ids: &mut UniqueIds) -> Component {
    let artifact = cx.artifact;
    let image = artifact.image.as_ref();
    let purl = image.and_then(purl::image_purl);
    let (kind, prefix) = match artifact.kind {
        ArtifactKind::ContainerImage => ("container", "image"),
        ArtifactKind::Filesystem => ("file", "fs"),
    };
    let base = purl
        .clone()
        .unwrap_or_else(|| format!("bulwark:{prefix}:{}", artifact.name));
    let mut properties = Vec::new();
    if let Some(meta) = image {
        properties.push(Property {
            name: "bulwark:image:id",
            value: meta.config_digest.to_string(),
        });
        for tag in &meta.repo_tags {
            properties.push(Property {
                name: "bulwark:image:repoTag",
                value: tag.clone(),
            });
        }
        for digest in &meta.repo_digests {
            properties.push(Property {
                name: "bulwark:image:repoDigest",
                value: digest.clone(),
            });
        }
    }
    Component {
        bom_ref: Some(ids.claim(&[base], "|")),
        kind,
        name: artifact.name.clone(),
        version: artifact.version().map(str::to_string),
        purl,
        properties,
        ..Default::default()
    }
}

/// A single valid expression stays one; otherwise one entry per license, by SPDX id when it
/// is one, by name when not.
fn licenses(raw: &[String]) -> Vec<LicenseChoice> {
    if let [one] = raw {
        if let License::Expression(e) = license::classify(one) {
            return vec![LicenseChoice::Expression {
                expression: e.to_string(),
            }];
        }
    }
    let mut out: Vec<LicenseChoice> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for l in raw {
        let item = match license::classify(l) {
            License::Id(id) => LicenseItem {
                id: Some(id.to_string()),
                name: None,
            },
            License::Expression(s) | License::Name(s) => LicenseItem {
                id: None,
                name: Some(s.to_string()),
            },
        };
        let key = l.trim();
        if key.is_empty() || seen.contains(&key) {
            continue;
        }
        seen.push(key);
        out.push(LicenseChoice::License { license: item });
    }
    out
}
