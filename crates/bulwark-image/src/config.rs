//! The image configuration blob (OCI image config / Docker container config), read tolerantly:
//! every field optional, unknown fields kept in `raw` for policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The parts of an image configuration that scanners and checks use.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ImageConfig {
    #[serde(default)]
    pub architecture: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub author: Option<String>,
    /// The runtime defaults (`config` in OCI; `config` or `container_config` in Docker).
    #[serde(default)]
    pub config: Option<RuntimeConfig>,
    #[serde(default)]
    pub rootfs: Option<RootFs>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// Runtime defaults baked into the image (what `docker run` uses without flags).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RuntimeConfig {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub env: Option<Vec<String>>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub cmd: Option<Vec<String>>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub volumes: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub healthcheck: Option<serde_json::Value>,
}

/// The ordered list of uncompressed layer digests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RootFs {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub diff_ids: Vec<String>,
}

/// One build step; `empty_layer` steps produced no layer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct HistoryEntry {
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    #[serde(default)]
    pub empty_layer: Option<bool>,
}

impl ImageConfig {
    /// Parses a config blob. Tolerant of missing fields; strict about JSON syntax.
    pub fn parse(bytes: &[u8]) -> Result<Self, crate::ImageError> {
        serde_json::from_slice(bytes).map_err(|e| crate::ImageError::json("image config", e))
    }

    /// The `created_by` of the history entry that produced layer `index` (skipping empty layers).
    pub fn layer_created_by(&self, index: usize) -> Option<&str> {
        self.history
            .iter()
            .filter(|h| !h.empty_layer.unwrap_or(false))
            .nth(index)
            .and_then(|h| h.created_by.as_deref())
    }
}
