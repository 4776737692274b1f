//! Reading container images: the first stage of Bulwark's pipeline.
//!
//! A *source* ([`ImageSource`]) opens a target (docker-archive, OCI layout, registry, root
//! filesystem) and yields its metadata and digest-verified layer blobs. The layer walker
//! streams each layer once, decompressing and applying whiteout semantics, handing entries
//! to a visitor; the merged view answers "which layer does this path come from" for the
//! final filesystem. Nothing is extracted to disk.

#![forbid(unsafe_code)]

mod config;
mod digest;
mod error;
mod limits;
pub mod registry;
mod source;

pub use config::{HistoryEntry, ImageConfig, RootFs, RuntimeConfig};
pub use digest::{drain, Digest, VerifyingReader};
pub use error::ImageError;
pub use limits::Limits;
pub use source::{ImageMeta, ImageSource, LayerInfo, Platform, SourceKind};
