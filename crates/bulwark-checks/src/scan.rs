//! Finding config files and checking them: file type detection (by name, then content),
//! the directory walk, and [`check_bytes`], the pure entry point for one file's bytes.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::CheckError;
use crate::finding::{FileKind, FileReport, Finding, Report};
use crate::options::{CheckOptions, Emitter};
use crate::{compose, dockerfile, inspect, kubernetes, yaml};

/// Directories never descended into.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", ".hg", ".svn"];

/// The kind a file name alone says, if any: `Dockerfile`, `Containerfile`,
/// `Dockerfile.prod`, `api.dockerfile`, `compose.yaml`, `docker-compose.override.yml`.
pub fn kind_from_name(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".dockerignore") {
        return None;
    }
    if name == "dockerfile"
        || name == "containerfile"
        || name.starts_with("dockerfile.")
        || name.starts_with("containerfile.")
        || name.ends_with(".dockerfile")
        || name.ends_with(".containerfile")
    {
        return Some(FileKind::Dockerfile);
    }
    let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
    if yaml && (name.starts_with("compose.") || name.starts_with("docker-compose")) {
        return Some(FileKind::Compose);
    }
    None
}

/// Whether `bulwark config` would check a file with this name and text: a Dockerfile or
/// compose file by name, or YAML/JSON that [looks like](content_candidate) a manifest,
/// compose file or `docker inspect` output. For callers that pick files out of a larger
/// tree (the image scan keeps the config files stored in an image).
pub fn is_config_candidate(path: &Path, text: &str) -> bool {
    kind_from_name(path).is_some() || content_candidate(path, text)
}

/// Whether the name and a cheap look at the text make the file worth parsing: YAML with
/// `apiVersion:` and `kind:` lines, or a top-level `services:`; JSON with `"HostConfig"`.
fn content_candidate(path: &Path, text: &str) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".json") {
        return text.contains("\"HostConfig\"");
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        let line_starts = |p: &str| text.lines().any(|l| l.starts_with(p));
        return (line_starts("apiVersion:")
            || text.contains("\napiVersion:")
            || text.contains("- apiVersion:"))
            && text.contains("kind:")
            || line_starts("services:");
    }
    false
}

/// Checks one file's bytes. `kind` forces the type; otherwise it is detected from the name,
/// then from the content. `Ok(None)` means "not a config file this crate reads".
pub fn check_bytes(
    path: &Path,
    bytes: &[u8],
    kind: Option<FileKind>,
    opts: &CheckOptions,
) -> Result<Option<(FileKind, Vec<Finding>)>, CheckError> {
    if bytes.len() as u64 > opts.limits.max_file_bytes {
        return Err(CheckError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: opts.limits.max_file_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_col(bytes, e.valid_up_to());
        CheckError::syntax(path, line, column, "not valid UTF-8")
    })?;
    let kind = kind.or_else(|| kind_from_name(path));
    let mut em = Emitter::new(opts);
    let kind = match kind {
        Some(FileKind::Dockerfile) => {
            let df =
                dockerfile::parse(text).map_err(|(l, c, m)| CheckError::syntax(path, l, c, m))?;
            dockerfile::checks::check(&df, &mut em);
            FileKind::Dockerfile
        }
        Some(FileKind::ImageConfig) => return Ok(None),
        forced => {
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                // serde_json's positions for JSON syntax errors are the ones users expect.
                serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
                    let msg = e.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                    CheckError::syntax(path, e.line() as u32, e.column() as u32, msg)
                })?;
            }
            let docs = yaml::load(text, &opts.limits)
                .map_err(|(l, c, m)| CheckError::syntax(path, l, c, m))?;
            let kind = forced.or_else(|| classify(&docs));
            match kind {
                Some(FileKind::Compose) => compose::check(&docs, &mut em),
                Some(FileKind::Kubernetes) => kubernetes::check(&docs, &mut em),
                Some(FileKind::DockerInspect) => inspect::check(&docs, &mut em),
                _ => return Ok(None),
            }
            kind.unwrap_or(FileKind::Compose)
        }
    };
    Ok(Some((kind, em.finish())))
}

/// What a set of YAML documents is.
fn classify(docs: &[yaml::Node]) -> Option<FileKind> {
    if docs.iter().any(inspect::is_inspect) {
        Some(FileKind::DockerInspect)
    } else if docs.iter().any(kubernetes::is_kubernetes) {
        Some(FileKind::Kubernetes)
    } else if docs.iter().any(compose::is_compose) {
        Some(FileKind::Compose)
    } else {
        None
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|n| n + 1)
        .unwrap_or(0);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// Scans files and directories (recursively, skipping `.git` and `node_modules`, not
/// following symlinked directories). A file named directly must be a config file; files
/// found in a directory that are not config files are skipped silently. A file that fails
/// is reported with its error; the others are still scanned.
pub fn scan_paths(paths: &[PathBuf], opts: &CheckOptions) -> Report {
    let mut report = Report::default();
    for root in paths {
        match fs::metadata(root) {
            Ok(m) if m.is_dir() => walk(root, root, opts, &mut report),
            Ok(_) => {
                let rel = root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| root.display().to_string());
                if let Some(r) = scan_file(root, rel, true, opts) {
                    report.files.push(r);
                }
            }
            Err(source) => report.files.push(FileReport {
                path: root.display().to_string(),
                relative_path: root.display().to_string(),
                kind: None,
                findings: Vec::new(),
                error: Some(CheckError::Io {
                    path: root.clone(),
                    source,
                }),
            }),
        }
    }
    report
}

fn walk(root: &Path, dir: &Path, opts: &CheckOptions, report: &mut Report) {
    let mut entries: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(source) => {
            report.files.push(FileReport {
                path: dir.display().to_string(),
                relative_path: relative(root, dir),
                kind: None,
                findings: Vec::new(),
                error: Some(CheckError::Io {
                    path: dir.to_path_buf(),
                    source,
                }),
            });
            return;
        }
    };
    entries.sort();
    for path in entries {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        if meta.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !SKIP_DIRS.contains(&name) {
                walk(root, &path, opts, report);
            }
        } else if meta.is_file() {
            if let Some(r) = scan_file(&path, relative(root, &path), false, opts) {
                report.files.push(r);
            }
        }
    }
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Reads and checks one file. `None` when a walked file is not a config file.
fn scan_file(
    path: &Path,
    relative_path: String,
    explicit: bool,
    opts: &CheckOptions,
) -> Option<FileReport> {
    let by_name = kind_from_name(path);
    let mut report = FileReport {
        path: path.display().to_string(),
        relative_path,
        kind: by_name,
        findings: Vec::new(),
        error: None,
    };
    let bytes = match read_capped(path, opts.limits.max_file_bytes) {
        Ok(b) => b,
        Err(e) => {
            if by_name.is_none() && !explicit && !might_be_config(path) {
                return None;
            }
            report.error = Some(e);
            return Some(report);
        }
    };
    if by_name.is_none() && !explicit {
        let text = String::from_utf8_lossy(&bytes);
        if !content_candidate(path, &text) {
            return None;
        }
    }
    match check_bytes(path, &bytes, by_name, opts) {
        Ok(Some((kind, findings))) => {
            report.kind = Some(kind);
            report.findings = findings;
        }
        Ok(None) if explicit => {
            report.error = Some(CheckError::UnknownKind {
                path: path.to_path_buf(),
            })
        }
        Ok(None) => return None,
        Err(e) => report.error = Some(e),
    }
    Some(report)
}

fn might_be_config(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json")
}

/// Reads at most `limit` bytes; a larger file is [`CheckError::TooLarge`].
fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, CheckError> {
    let io = |source| CheckError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = fs::File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    if size > limit {
        return Err(CheckError::TooLarge {
            path: path.to_path_buf(),
            size,
            limit,
        });
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(CheckError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (n, k) in [
            ("Dockerfile", Some(FileKind::Dockerfile)),
            ("Containerfile", Some(FileKind::Dockerfile)),
            ("Dockerfile.prod", Some(FileKind::Dockerfile)),
            ("api.Dockerfile", Some(FileKind::Dockerfile)),
            ("Dockerfile.dockerignore", None),
            ("compose.yaml", Some(FileKind::Compose)),
            ("docker-compose.override.yml", Some(FileKind::Compose)),
            ("deploy.yaml", None),
        ] {
            assert_eq!(kind_from_name(Path::new(n)), k, "{n}");
        }
    }

    #[test]
    fn content_detection() {
        let opts = CheckOptions::default();
        let k8s = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx}]\n";
        let got = check_bytes(Path::new("pod.yaml"), k8s, None, &opts)
            .unwrap()
            .unwrap();
        assert_eq!(got.0, FileKind::Kubernetes);
        let inspect =
            b"[{\"Name\": \"/x\", \"Config\": {}, \"HostConfig\": {\"Privileged\": true}}]";
        let got = check_bytes(Path::new("x.json"), inspect, None, &opts)
            .unwrap()
            .unwrap();
        assert_eq!(got.0, FileKind::DockerInspect);
        assert!(got
            .1
            .iter()
            .any(|f| f.check_id == "BW-RT-001" && f.position.line == 1));
        assert!(check_bytes(Path::new("other.yaml"), b"a: 1\n", None, &opts)
            .unwrap()
            .is_none());
        let e =
            check_bytes(Path::new("Dockerfile"), b"FROM a\nRUN \xff\n", None, &opts).unwrap_err();
        assert_eq!(e.position(), Some((2, 5)));
    }

    #[test]
    fn size_cap() {
        let opts = CheckOptions {
            limits: crate::Limits {
                max_file_bytes: 10,
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(matches!(
            check_bytes(Path::new("Dockerfile"), b"FROM alpine:3.20\n", None, &opts),
            Err(CheckError::TooLarge { .. })
        ));
    }
}
