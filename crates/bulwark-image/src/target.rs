//! What the user names on the command line, resolved to a kind of source: an explicit
//! prefix (`oci:`, `docker-archive:`, `registry:`, `rootfs:`) wins, otherwise the kind is
//! detected from what is on disk, and anything else is a registry reference.

use std::path::{Path, PathBuf};

use crate::docker_archive::DockerArchive;
use crate::oci_layout::OciLayout;
use crate::store::BlobStore;
use crate::{ImageError, ImageSource};

/// A scan target after prefix parsing and detection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `docker save` tar, optionally with the tag of one of its images.
    DockerArchive { path: PathBuf, tag: Option<String> },
    /// OCI layout directory or tar, optionally with a ref name.
    Oci { path: PathBuf, tag: Option<String> },
    /// A registry reference such as `docker.io/library/alpine:3.19`.
    Registry(String),
    /// A root filesystem directory.
    Rootfs(PathBuf),
}

impl Target {
    /// Parses a target string, detecting its kind when it has no prefix.
    pub fn parse(s: &str) -> Result<Self, ImageError> {
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            let (path, tag) = split_tag(rest);
            return Ok(Self::DockerArchive { path, tag });
        }
        if let Some(rest) = s
            .strip_prefix("oci-archive:")
            .or_else(|| s.strip_prefix("oci:"))
        {
            let (path, tag) = split_tag(rest);
            return Ok(Self::Oci { path, tag });
        }
        if let Some(rest) = s
            .strip_prefix("registry:")
            .or_else(|| s.strip_prefix("docker://"))
        {
            return Ok(Self::Registry(rest.to_string()));
        }
        if let Some(rest) = s.strip_prefix("rootfs:").or_else(|| s.strip_prefix("dir:")) {
            return Ok(Self::Rootfs(PathBuf::from(rest)));
        }
        let (path, tag) = split_tag(s);
        if path.is_dir() {
            if path.join("index.json").is_file() || path.join("oci-layout").is_file() {
                return Ok(Self::Oci { path, tag });
            }
            if tag.is_none() {
                return Ok(Self::Rootfs(path));
            }
        } else if path.is_file() {
            let store = BlobStore::open_tar(&path).map_err(|e| ImageError::Target {
                target: s.to_string(),
                reason: format!("a file that is not an image archive ({e})"),
            })?;
            if DockerArchive::is_docker_archive(&store) {
                return Ok(Self::DockerArchive { path, tag });
            }
            if store.contains("index.json") {
                return Ok(Self::Oci { path, tag });
            }
            return Err(ImageError::Target {
                target: s.to_string(),
                reason:
                    "a tar with neither manifest.json (docker-archive) nor index.json (OCI layout)"
                        .into(),
            });
        }
        if s.starts_with('/') || s.starts_with("./") || s.starts_with("../") || s.ends_with(".tar")
        {
            return Err(ImageError::Target {
                target: s.to_string(),
                reason: "no such file or directory".into(),
            });
        }
        Ok(Self::Registry(s.to_string()))
    }

    /// Opens an image target. A root filesystem is not an image: walk it with
    /// [`crate::walk_rootfs`] instead.
    pub fn open_image(&self, opts: &OpenOptions) -> Result<Box<dyn ImageSource>, ImageError> {
        match self {
            Self::DockerArchive { path, tag } => {
                Ok(Box::new(DockerArchive::open(path, tag.as_deref())?))
            }
            Self::Oci { path, tag } => Ok(Box::new(OciLayout::open(
                path,
                tag.as_deref(),
                &opts.platform,
            )?)),
            Self::Registry(reference) => {
                Ok(Box::new(crate::registry::open_registry(reference, opts)?))
            }
            Self::Rootfs(path) => Err(ImageError::Target {
                target: path.display().to_string(),
                reason: "a directory is not an image; use `bulwark rootfs DIR`".into(),
            }),
        }
    }
}

/// How to open image targets: the registry options (platform, plain-HTTP exceptions,
/// credentials) are all that any source needs.
pub type OpenOptions = crate::registry::RegistryOptions;

/// Splits `path:tag` when `path` exists and `tag` has no `/`; otherwise the whole is a path.
fn split_tag(s: &str) -> (PathBuf, Option<String>) {
    if Path::new(s).exists() {
        return (PathBuf::from(s), None);
    }
    if let Some((path, tag)) = s.rsplit_once(':') {
        if !tag.is_empty() && !tag.contains('/') && Path::new(path).exists() {
            return (PathBuf::from(path), Some(tag.to_string()));
        }
    }
    (PathBuf::from(s), None)
}
