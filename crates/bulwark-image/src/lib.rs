//! Reading container images: the first stage of Bulwark's pipeline.
//!
//! A *source* ([`ImageSource`]) opens a target (docker-archive, OCI layout, registry, root
//! filesystem) and yields its metadata and digest-verified layer blobs. The layer walker
//! streams each layer once, decompressing and applying whiteout semantics, handing entries
//! to a visitor; the merged view answers "which layer does this path come from" for the
//! final filesystem. Nothing is extracted to disk.

#![forbid(unsafe_code)]

mod blocks;
mod cache;
mod config;
mod digest;
mod docker_archive;
mod error;
mod gzip;
mod hugebuf;
mod layer;
mod limits;
pub mod manifest;
mod oci_layout;
mod pool;
pub mod priority;
pub mod registry;
mod rootfs;
mod source;
mod store;
mod target;
mod view;

pub use cache::LayerCache;
pub use config::{HistoryEntry, ImageConfig, RootFs, RuntimeConfig};
pub use digest::{drain, Digest, VerifyingReader};
pub use docker_archive::DockerArchive;
pub use error::ImageError;
pub use gzip::UncheckedGzDecoder;
pub use layer::{
    normalize_entry_path, read_entry, walk_layer, Compression, EntryKind, EntryMeta, EntryVisitor,
    FileBuffer, LayerStats,
};
pub use limits::Limits;
pub use oci_layout::OciLayout;
pub use rootfs::walk_rootfs;
pub use source::{ImageMeta, ImageSource, LayerInfo, Platform, SourceKind};
pub use target::{OpenOptions, Target};
pub use view::{MergedEntry, MergedView};

/// Frees the buffers layer streams keep for reuse (read blocks, whole-file buffers). They
/// only save page faults while layers are still to be read: a scan calls this when no
/// layer is left to start, so the memory goes back while the last streams finish instead
/// of at exit.
pub fn release_pooled_buffers() {
    blocks::POOL.clear();
    layer::FILE_BUFFERS.clear();
    layer::BIG_FILE_BUFFERS.clear();
}
