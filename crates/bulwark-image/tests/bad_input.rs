//! Broken and hostile images must fail with a clear [`ImageError`] — the right variant and a
//! message naming the layer, blob or file at fault — and never panic.
//!
//! Every bad image is built here, in a temp dir, from layer tars made with the `tar` crate
//! (names with `..` or a leading `/` are written into the header bytes directly, since the
//! builder refuses them). The end-to-end view of the same cases (exit code 2 from the
//! `bulwark` binary) is in `crates/bulwark-cli/tests/exit_codes.rs`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use bulwark_image::{
    read_entry, walk_layer, Digest, EntryKind, EntryMeta, ImageError, ImageSource, Limits,
    MergedView, OpenOptions, Target,
};
use serde_json::{json, Value};
use tempfile::TempDir;

const GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
/// The label the direct `walk_layer` tests give their layer.
const LABEL: &str = "layer 1 (test)";

// ---------------------------------------------------------------------------------------------
// Layer streams
// ---------------------------------------------------------------------------------------------

#[test]
fn truncated_tar_layer_is_a_stream_error_naming_the_layer() {
    let tar = tar_of(&[("etc/os-release", &text(4000)), ("etc/hostname", b"x\n")]);
    // Cut inside the first file's content: neither a header boundary nor the end marker.
    let cut = &tar[..512 + 1000];
    let err = walk(cut, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL]);

    // With the diff_id known (as in every image) a cut anywhere, even on a header boundary,
    // is caught.
    let on_boundary = &tar[..512 + 4096];
    let err = walk(on_boundary, Some(&Digest::of(&tar)), &Limits::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::Stream { .. } | ImageError::DigestMismatch { .. }
        ),
        "{err:?}"
    );
    assert_mentions(&err, &[LABEL]);
}

#[test]
fn truncated_layer_in_an_image_is_an_error() {
    let tar = tar_of(&[("etc/os-release", &text(4000))]);
    let gz = gzip(&tar);
    // The stored blob is cut short but the manifest names the cut blob, so only the
    // decompressor and the diff_id can notice.
    let cut = gz[..gz.len() / 2].to_vec();
    let layout = Layout::write(&[Layer {
        diff_id: Digest::of(&tar),
        blob: cut,
        media_type: GZIP,
    }]);
    let err = layout.read_layers(&Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &["etc/os-release"]);

    // A visitor that skips the content: the tar reader meets the cut and names the layer.
    let source = layout.open().unwrap_or_else(|e| panic!("{e}"));
    let blob = source.open_layer(0).unwrap_or_else(|e| panic!("{e}"));
    let mut skip = |_: &EntryMeta, _: &mut dyn Read| -> Result<(), ImageError> { Ok(()) };
    let diff_id = Digest::of(&tar);
    let err = walk_layer(
        blob,
        Some(&diff_id),
        "layer 1",
        &Limits::default(),
        &mut skip,
    )
    .unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &["layer 1"]);
}

#[test]
fn corrupt_gzip_is_a_stream_error_naming_the_layer() {
    let tar = tar_of(&[("etc/os-release", &text(20_000))]);
    let gz = gzip(&tar);

    // A bad CRC32 trailer: the data decodes, then the checksum fails.
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    let err = walk(&bad_crc, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL]);

    // Reserved header flag bits.
    let mut bad_header = gz.clone();
    bad_header[3] = 0xe0;
    let err = walk(&bad_header, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL]);

    // Garbage in the middle of the deflate stream: some error naming the layer.
    let mut bad_data = gz.clone();
    for b in &mut bad_data[40..60] {
        *b ^= 0x5a;
    }
    let err = walk(&bad_data, Some(&Digest::of(&tar)), &Limits::default()).unwrap_err();
    assert_mentions(&err, &[LABEL]);

    // Half a gzip stream, cut inside a file the visitor reads: the error names the file
    // (but not the layer: see `stream_error_inside_a_file_names_the_layer`).
    let err = walk(&gz[..gz.len() / 2], None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &["etc/os-release"]);
}

#[test]
fn stream_error_inside_a_file_names_the_layer() {
    let tar = tar_of(&[("etc/os-release", &text(20_000))]);
    let gz = gzip(&tar);
    let err = walk(&gz[..gz.len() / 2], None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL, "etc/os-release"]);
}

#[test]
fn corrupt_zstd_is_a_stream_error_naming_the_layer() {
    let tar = tar_of(&[("etc/os-release", &text(20_000))]);
    let zst = zstd::encode_all(&tar[..], 3).unwrap();

    // Reserved bit of the frame header descriptor.
    let mut bad_header = zst.clone();
    bad_header[4] |= 0x08;
    let err = walk(&bad_header, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL]);

    // Garbage in the compressed blocks: some error naming the layer.
    let mut bad_data = zst.clone();
    for b in &mut bad_data[20..60] {
        *b ^= 0x5a;
    }
    let err = walk(&bad_data, Some(&Digest::of(&tar)), &Limits::default()).unwrap_err();
    assert_mentions(&err, &[LABEL]);

    // Half a zstd frame.
    let err = walk(&zst[..zst.len() / 2], None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL]);
}

#[test]
fn corrupt_zstd_layer_in_an_image_is_an_error() {
    let tar = tar_of(&[("etc/os-release", &text(20_000))]);
    let mut zst = zstd::encode_all(&tar[..], 3).unwrap();
    zst[4] |= 0x08;
    let layout = Layout::write(&[Layer {
        diff_id: Digest::of(&tar),
        blob: zst,
        media_type: ZSTD,
    }]);
    let err = layout.read_layers(&Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Stream { .. }), "{err:?}");
    assert_mentions(&err, &["layer 1"]);
}

// ---------------------------------------------------------------------------------------------
// Blobs and digests
// ---------------------------------------------------------------------------------------------

#[test]
fn missing_layer_blob_is_missing_blob_naming_it() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let digest = layout.layer_digests()[0].clone();
    std::fs::remove_file(layout.blob_path(&digest)).unwrap();
    // The layer blob is only needed when the layer is read.
    let source = layout.open().unwrap_or_else(|e| panic!("{e}"));
    let err = source.open_layer(0).err().expect("an error");
    assert!(matches!(err, ImageError::MissingBlob { .. }), "{err:?}");
    assert_mentions(&err, &[digest.hex()]);
}

#[test]
fn missing_blob_says_not_found_not_unsafe() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let digest = layout.layer_digests()[0].clone();
    std::fs::remove_file(layout.blob_path(&digest)).unwrap();
    let source = layout.open().unwrap_or_else(|e| panic!("{e}"));
    let err = source.open_layer(0).err().expect("an error");
    assert!(matches!(err, ImageError::MissingBlob { .. }), "{err:?}");
    assert_mentions(&err, &["not found"]);
    assert!(!err.to_string().contains("unsafe"), "{err}");
}

#[test]
fn missing_config_blob_is_missing_blob_naming_it() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let config = layout.config_digest();
    std::fs::remove_file(layout.blob_path(&config)).unwrap();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::MissingBlob { .. }), "{err:?}");
    assert_mentions(&err, &[config.hex()]);
}

#[test]
fn changed_layer_blob_is_a_digest_mismatch_naming_the_blob() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("etc/os-release", &text(3000))]))]);
    let digest = layout.layer_digests()[0].clone();
    let path = layout.blob_path(&digest);
    // Change the gzip header's mtime: the content decompresses to the same tar (same diff_id),
    // so only the blob digest can catch it.
    let mut blob = std::fs::read(&path).unwrap();
    blob[4] ^= 0xff;
    std::fs::write(&path, &blob).unwrap();
    let err = layout.read_layers(&Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
    assert_mentions(&err, &[digest.as_str(), Digest::of(&blob).as_str()]);
}

#[test]
fn replaced_layer_blob_is_a_digest_mismatch() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("etc/os-release", &text(3000))]))]);
    let digest = layout.layer_digests()[0].clone();
    // A different, valid layer under the old name.
    let other = gzip(&tar_of(&[("etc/os-release", b"ID=evil\n")]));
    std::fs::write(layout.blob_path(&digest), &other).unwrap();
    let err = layout.read_layers(&Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
    assert_mentions(&err, &[digest.as_str()]);
}

#[test]
fn changed_config_blob_is_a_digest_mismatch_naming_the_config() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let config = layout.config_digest();
    let path = layout.blob_path(&config);
    let mut blob = std::fs::read(&path).unwrap();
    blob.extend_from_slice(b"\n");
    std::fs::write(&path, &blob).unwrap();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
    assert_mentions(&err, &["config", config.as_str()]);
}

#[test]
fn changed_manifest_blob_is_a_digest_mismatch_naming_the_manifest() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let manifest = layout.manifest_digest();
    let path = layout.blob_path(&manifest);
    let mut blob = std::fs::read(&path).unwrap();
    blob.extend_from_slice(b" ");
    std::fs::write(&path, &blob).unwrap();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
    assert_mentions(&err, &["manifest", manifest.as_str()]);
}

#[test]
fn altered_diff_id_is_a_digest_mismatch_naming_the_diff_id() {
    let tar = tar_of(&[("etc/os-release", &text(3000))]);
    let mut layout = Layout::write(&[gzip_layer(&tar)]);
    // Alter the config, then re-chain config → manifest → index so that every blob digest
    // is right and only the diff_id check is left to notice.
    let forged = Digest::of(b"not the layer");
    layout.config["rootfs"]["diff_ids"][0] = json!(forged.as_str());
    layout.commit();
    let source = layout.open().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(source.meta().layers[0].diff_id, forged);
    let err = read_layers(source.as_ref(), &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
    assert_mentions(
        &err,
        &["diff_id", forged.as_str(), Digest::of(&tar).as_str()],
    );
}

#[test]
fn diff_id_count_mismatch_is_a_format_error() {
    let mut layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    layout.config["rootfs"]["diff_ids"] = json!([]);
    layout.commit();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::Format { .. }), "{err:?}");
    assert_mentions(&err, &["diff_ids"]);
}

#[test]
fn malformed_diff_id_is_an_invalid_digest() {
    let mut layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    layout.config["rootfs"]["diff_ids"][0] = json!("sha256:../../etc/passwd");
    layout.commit();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::InvalidDigest(_)), "{err:?}");
    assert_mentions(&err, &["sha256:../../etc/passwd"]);
}

#[test]
fn unknown_layer_media_type_is_unsupported_naming_it() {
    let mut layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    layout.manifest["layers"][0]["mediaType"] = json!("application/vnd.example.squashfs");
    layout.commit();
    let err = layout.open_err();
    assert!(
        matches!(err, ImageError::UnsupportedMediaType(_)),
        "{err:?}"
    );
    assert_mentions(&err, &["application/vnd.example.squashfs"]);
}

// ---------------------------------------------------------------------------------------------
// Hostile entries
// ---------------------------------------------------------------------------------------------

#[test]
fn entries_with_dot_dot_are_unsafe_paths_naming_the_entry() {
    for bad in ["../etc/passwd", "usr/../../etc/shadow", "a/b/../../../c"] {
        let tar = raw_tar(&[RawEntry::file(bad, b"pwned")]);
        let err = walk(&tar, None, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, ImageError::UnsafePath { .. }),
            "{bad}: {err:?}"
        );
        assert_mentions(&err, &[LABEL, bad]);
    }
}

#[test]
fn entries_with_absolute_paths_are_unsafe_paths_naming_the_entry() {
    for bad in ["/etc/passwd", "//root/.ssh/authorized_keys"] {
        let tar = raw_tar(&[RawEntry::file(bad, b"pwned")]);
        let err = walk(&tar, None, &Limits::default()).unwrap_err();
        assert!(
            matches!(err, ImageError::UnsafePath { .. }),
            "{bad}: {err:?}"
        );
        assert_mentions(&err, &[LABEL, bad]);
    }
}

#[test]
fn unsafe_path_message_names_the_layer_once() {
    let tar = raw_tar(&[RawEntry::file("../x", b"")]);
    let err = walk(&tar, None, &Limits::default()).unwrap_err();
    assert!(!err.to_string().contains("layer layer"), "{err}");
}

#[test]
fn unsafe_entry_in_an_image_layer_is_an_error() {
    let tar = raw_tar(&[
        RawEntry::file("etc/os-release", b"ID=x\n"),
        RawEntry::file("../../tmp/evil", b"x"),
    ]);
    let layout = Layout::write(&[gzip_layer(&tar)]);
    let err = layout.read_layers(&Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::UnsafePath { .. }), "{err:?}");
    assert_mentions(&err, &["layer 1", "../../tmp/evil"]);
}

#[test]
fn hardlink_to_a_missing_target_is_a_format_error_naming_both() {
    let tar = raw_tar(&[
        RawEntry::file("etc/a", b"1"),
        RawEntry::hardlink("etc/b", "etc/nowhere"),
    ]);
    let err = walk(&tar, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Format { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL, "etc/b", "etc/nowhere"]);

    // A link to a later entry is no better: tar extracts in order.
    let tar = raw_tar(&[
        RawEntry::hardlink("etc/b", "etc/a"),
        RawEntry::file("etc/a", b"1"),
    ]);
    let err = walk(&tar, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::Format { .. }), "{err:?}");

    // A link out of the root is an unsafe path.
    let tar = raw_tar(&[RawEntry::hardlink("etc/b", "../../etc/shadow")]);
    let err = walk(&tar, None, &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::UnsafePath { .. }), "{err:?}");
    assert_mentions(&err, &["../../etc/shadow"]);
}

#[test]
fn hardlink_to_an_earlier_file_is_fine() {
    let tar = raw_tar(&[
        RawEntry::file("etc/a", b"1"),
        RawEntry::hardlink("etc/b", "./etc/a"),
    ]);
    let entries = walk(&tar, None, &Limits::default()).unwrap();
    assert_eq!(entries[1].0.kind, EntryKind::Hardlink);
    assert_eq!(entries[1].0.link.as_deref(), Some("etc/a"));
}

#[test]
fn symlink_out_of_the_root_is_clamped_to_the_root() {
    let tar = raw_tar(&[
        RawEntry::dir("etc"),
        RawEntry::file("etc/shadow", b"root:*:"),
        RawEntry::symlink("escape", "../../../../../etc/shadow"),
        RawEntry::symlink("abs", "/../../etc/shadow"),
        RawEntry::symlink("etc/up", "../../.."),
    ]);
    let view = view_of(&tar);
    assert_eq!(view.resolve("escape").unwrap(), "etc/shadow");
    assert_eq!(view.resolve("/abs").unwrap(), "etc/shadow");
    assert_eq!(view.resolve("etc/up/etc/shadow").unwrap(), "etc/shadow");
    assert_eq!(view.resolve("../../etc/up").unwrap(), "");
}

#[test]
fn symlink_loop_is_a_symlink_error_naming_the_path() {
    let tar = raw_tar(&[
        RawEntry::symlink("a", "b"),
        RawEntry::symlink("b", "/a"),
        RawEntry::symlink("self", "./self"),
        RawEntry::dir("d"),
        RawEntry::symlink("d/down", "../d/down/x"),
    ]);
    let view = view_of(&tar);
    for path in ["a", "/b/c", "self", "d/down"] {
        let err = view.resolve(path).unwrap_err();
        assert!(matches!(err, ImageError::Symlink { .. }), "{path}: {err:?}");
        assert_mentions(&err, &[path]);
    }
}

// ---------------------------------------------------------------------------------------------
// Decompression bombs
// ---------------------------------------------------------------------------------------------

#[test]
fn gzip_bomb_hits_the_layer_cap() {
    let tar = tar_of(&[("zeros", &vec![0u8; 4 << 20])]);
    let bomb = gzip(&tar);
    assert!(bomb.len() < 64 << 10, "a small blob: {}", bomb.len());
    let limits = Limits {
        max_layer_bytes: 100_000,
        ..Limits::default()
    };
    let err = walk(&bomb, Some(&Digest::of(&tar)), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                limit: 100_000,
                flag: "--max-layer-size",
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(&err, &[LABEL, "100000"]);

    // The same through an image, whether the visitor reads the content or not.
    let layout = Layout::write(&[Layer {
        diff_id: Digest::of(&tar),
        blob: bomb,
        media_type: GZIP,
    }]);
    let err = layout.read_layers(&limits).unwrap_err();
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err:?}");
    assert_mentions(&err, &["layer 1", "--max-layer-size"]);
    let source = layout.open().unwrap_or_else(|e| panic!("{e}"));
    let blob = source.open_layer(0).unwrap_or_else(|e| panic!("{e}"));
    let mut skip = |_: &EntryMeta, _: &mut dyn Read| -> Result<(), ImageError> { Ok(()) };
    let err = walk_layer(blob, None, "layer 1", &limits, &mut skip).unwrap_err();
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err:?}");
}

#[test]
fn zstd_bomb_hits_the_layer_cap() {
    let tar = tar_of(&[("zeros", &vec![0u8; 4 << 20])]);
    let bomb = zstd::encode_all(&tar[..], 3).unwrap();
    let limits = Limits {
        max_layer_bytes: 100_000,
        ..Limits::default()
    };
    let err = walk(&bomb, None, &limits).unwrap_err();
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err:?}");
    assert_mentions(&err, &[LABEL, "--max-layer-size"]);
}

#[test]
fn big_file_hits_the_file_cap_naming_the_file() {
    let tar = tar_of(&[
        ("small", b"ok"),
        ("var/lib/dpkg/status", &vec![b'x'; 50_000]),
    ]);
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let err = walk(&gzip(&tar), Some(&Digest::of(&tar)), &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                limit: 1000,
                flag: "--max-file-size",
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(&err, &["var/lib/dpkg/status"]);

    // Exactly at the cap is allowed.
    let tar = tar_of(&[("f", &vec![b'x'; 1000])]);
    let got = walk(&tar, None, &limits).unwrap();
    assert_eq!(got[0].1.len(), 1000);
}

#[test]
fn too_many_entries_hit_the_entry_cap() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
    let limits = Limits {
        max_entries: 10,
        ..Limits::default()
    };
    let err = walk(&tar_of(&entries), None, &limits).unwrap_err();
    assert!(
        matches!(
            err,
            ImageError::TooLarge {
                flag: "--max-entries",
                ..
            }
        ),
        "{err:?}"
    );
    assert_mentions(&err, &[LABEL]);
}

// ---------------------------------------------------------------------------------------------
// Archives, manifests and targets
// ---------------------------------------------------------------------------------------------

#[test]
fn docker_archive_with_a_missing_layer_file_is_missing_blob_naming_it() {
    let dir = TempDir::new().unwrap();
    let tar = tar_of(&[("etc/os-release", b"ID=x\n")]);
    let config = config_json(&[Digest::of(&tar)]);
    let config_name = format!("{}.json", Digest::of(&config).hex());
    let manifest = serde_json::to_vec(&json!([{
        "Config": config_name,
        "RepoTags": ["test/missing:1"],
        "Layers": ["0123abcd/layer.tar"],
    }]))
    .unwrap();
    let path = write_tar(
        dir.path(),
        "missing.tar",
        &[("manifest.json", &manifest), (&config_name, &config)],
    );
    let err = open_err(path.to_str().unwrap());
    assert!(matches!(err, ImageError::MissingBlob { .. }), "{err:?}");
    assert_mentions(&err, &["0123abcd/layer.tar"]);
}

#[test]
fn docker_archive_with_a_changed_layer_is_a_digest_mismatch() {
    let dir = TempDir::new().unwrap();
    let tar = tar_of(&[("etc/os-release", &text(3000))]);
    let config = config_json(&[Digest::of(&tar)]);
    let config_name = format!("{}.json", Digest::of(&config).hex());
    let manifest = serde_json::to_vec(&json!([{
        "Config": config_name,
        "Layers": ["0123abcd/layer.tar"],
    }]))
    .unwrap();
    let evil = tar_of(&[("etc/os-release", b"ID=evil\n")]);
    let path = write_tar(
        dir.path(),
        "changed.tar",
        &[
            ("manifest.json", &manifest),
            (&config_name, &config),
            ("0123abcd/layer.tar", &evil),
        ],
    );
    let source = match Target::parse(path.to_str().unwrap())
        .and_then(|t| t.open_image(&OpenOptions::default()))
    {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    };
    let err = read_layers(source.as_ref(), &Limits::default()).unwrap_err();
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
    assert_mentions(&err, &[Digest::of(&tar).as_str()]);
}

#[test]
fn docker_archive_manifest_that_is_not_json_is_a_json_error() {
    let dir = TempDir::new().unwrap();
    let path = write_tar(
        dir.path(),
        "bad.tar",
        &[("manifest.json", b"[{\"Config\": \"x.json\", ")],
    );
    let err = open_err(path.to_str().unwrap());
    assert!(matches!(err, ImageError::Json { .. }), "{err:?}");
    assert_mentions(&err, &["manifest.json"]);
}

#[test]
fn index_json_that_is_not_json_is_a_json_error() {
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    std::fs::write(layout.path().join("index.json"), b"<html>not json</html>").unwrap();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err:?}");
    assert_mentions(&err, &["index.json"]);
}

#[test]
fn manifest_and_config_that_are_not_json_are_json_errors() {
    // A manifest blob that is not JSON (digest right, so the parser is reached).
    let mut layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let garbage = layout.put_blob(b"{\"schemaVersion\": 2, \"layers\": [");
    layout.index["manifests"][0]["digest"] = json!(garbage.as_str());
    layout.write_index();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err:?}");
    assert_mentions(&err, &["manifest"]);

    // A config blob that is not JSON.
    let layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    let garbage = layout.put_blob(b"\x00\x01binary");
    let mut layout = layout;
    layout.manifest["config"]["digest"] = json!(garbage.as_str());
    layout.write_manifest_and_index();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::Json { .. }), "{err:?}");
    assert_mentions(&err, &["config"]);
}

#[test]
fn schema_1_manifest_is_unsupported() {
    let mut layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    layout.manifest["schemaVersion"] = json!(1);
    layout.write_manifest_and_index();
    let err = layout.open_err();
    assert!(
        matches!(err, ImageError::UnsupportedMediaType(_)),
        "{err:?}"
    );
    assert_mentions(&err, &["schema 1"]);
}

#[test]
fn empty_index_is_a_format_error() {
    let mut layout = Layout::write(&[gzip_layer(&tar_of(&[("a", b"1")]))]);
    layout.index["manifests"] = json!([]);
    layout.write_index();
    let err = layout.open_err();
    assert!(matches!(err, ImageError::Format { .. }), "{err:?}");
    assert_mentions(&err, &["index.json"]);
}

#[test]
fn directory_with_neither_index_json_nor_rootfs_is_not_an_image() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().to_str().unwrap();
    // Detected as a root filesystem, which is not an image.
    let err = open_err(path);
    assert!(matches!(err, ImageError::Target { .. }), "{err:?}");
    assert_mentions(&err, &[path, "rootfs"]);
    // Named as an OCI layout, it lacks index.json.
    let err = open_err(&format!("oci:{path}"));
    assert!(matches!(err, ImageError::Target { .. }), "{err:?}");
    assert_mentions(&err, &[path, "index.json"]);
    // A path that does not exist is not mistaken for a registry reference.
    let missing = dir.path().join("nope.tar");
    let err = Target::parse(missing.to_str().unwrap()).unwrap_err();
    assert!(matches!(err, ImageError::Target { .. }), "{err:?}");
    assert_mentions(&err, &["nope.tar"]);
}

#[test]
fn file_that_is_not_an_image_archive_is_a_target_error() {
    let dir = TempDir::new().unwrap();
    let garbage = dir.path().join("garbage.tar");
    std::fs::write(&garbage, text(3000)).unwrap();
    let err = Target::parse(garbage.to_str().unwrap()).unwrap_err();
    assert!(matches!(err, ImageError::Target { .. }), "{err:?}");
    assert_mentions(&err, &["garbage.tar"]);

    // A valid tar that is neither kind of image.
    let plain = write_tar(dir.path(), "plain.tar", &[("etc/os-release", b"ID=x\n")]);
    let err = Target::parse(plain.to_str().unwrap()).unwrap_err();
    assert!(matches!(err, ImageError::Target { .. }), "{err:?}");
    assert_mentions(&err, &["plain.tar", "manifest.json"]);
}

#[test]
fn well_formed_layout_reads_cleanly() {
    // The builders themselves make good images: every failure above is the one change made.
    let tar = tar_of(&[("etc/os-release", &text(3000))]);
    let layout = Layout::write(&[gzip_layer(&tar), zstd_layer(&tar_of(&[("b", b"2")]))]);
    let layers = layout.read_layers(&Limits::default()).unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0][0].path, "etc/os-release");
}

// ---------------------------------------------------------------------------------------------
// Helpers: layer tars
// ---------------------------------------------------------------------------------------------

/// Deterministic, compressible but not trivially so, text of `n` bytes.
fn text(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if i % 61 == 60 {
                b'\n'
            } else {
                b"abcdefghij klmnop="[(x % 18) as usize]
            }
        })
        .collect()
}

/// A tar of regular files, made with the `tar` builder.
fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// One entry written byte by byte, so names the builder refuses can be made.
struct RawEntry<'a> {
    name: &'a str,
    kind: tar::EntryType,
    link: Option<&'a str>,
    data: &'a [u8],
}

impl<'a> RawEntry<'a> {
    fn file(name: &'a str, data: &'a [u8]) -> Self {
        Self {
            name,
            kind: tar::EntryType::Regular,
            link: None,
            data,
        }
    }
    fn dir(name: &'a str) -> Self {
        Self {
            name,
            kind: tar::EntryType::Directory,
            link: None,
            data: b"",
        }
    }
    fn symlink(name: &'a str, target: &'a str) -> Self {
        Self {
            name,
            kind: tar::EntryType::Symlink,
            link: Some(target),
            data: b"",
        }
    }
    fn hardlink(name: &'a str, target: &'a str) -> Self {
        Self {
            name,
            kind: tar::EntryType::Link,
            link: Some(target),
            data: b"",
        }
    }
}

/// A tar of raw entries, with the end-of-archive marker.
fn raw_tar(entries: &[RawEntry<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(e.data.len() as u64);
        h.set_mode(if e.kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        h.set_entry_type(e.kind);
        let old = h.as_old_mut();
        old.name[..e.name.len()].copy_from_slice(e.name.as_bytes());
        if let Some(link) = e.link {
            old.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(e.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

/// Walks a blob with `walk_layer`, reading every entry's content.
fn walk(
    blob: &[u8],
    diff_id: Option<&Digest>,
    limits: &Limits,
) -> Result<Vec<(EntryMeta, Vec<u8>)>, ImageError> {
    let mut out = Vec::new();
    let mut visit = |m: &EntryMeta, r: &mut dyn Read| -> Result<(), ImageError> {
        let data = read_entry(r, &m.path)?;
        out.push((m.clone(), data));
        Ok(())
    };
    walk_layer(blob, diff_id, LABEL, limits, &mut visit)?;
    Ok(out)
}

/// The merged view of one layer.
fn view_of(tar: &[u8]) -> MergedView {
    let entries: Vec<EntryMeta> = walk(tar, None, &Limits::default())
        .unwrap()
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    MergedView::build([entries.as_slice()])
}

/// Reads every layer of an image the way the scan does: blob and diff_id verified, every
/// file's content read.
fn read_layers(
    source: &dyn ImageSource,
    limits: &Limits,
) -> Result<Vec<Vec<EntryMeta>>, ImageError> {
    let mut layers = Vec::new();
    for layer in &source.meta().layers {
        let blob = source.open_layer(layer.index)?;
        let mut entries = Vec::new();
        let mut visit = |m: &EntryMeta, r: &mut dyn Read| -> Result<(), ImageError> {
            read_entry(r, &m.path)?;
            entries.push(m.clone());
            Ok(())
        };
        let label = format!("layer {}", layer.index + 1);
        walk_layer(blob, Some(&layer.diff_id), &label, limits, &mut visit)?;
        layers.push(entries);
    }
    Ok(layers)
}

#[track_caller]
fn assert_mentions(err: &ImageError, needles: &[&str]) {
    let msg = err.to_string();
    for needle in needles {
        assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
    }
}

/// Opens a target that must fail.
fn open_err(target: &str) -> ImageError {
    match Target::parse(target).and_then(|t| t.open_image(&OpenOptions::default())) {
        Ok(_) => panic!("{target} opened"),
        Err(e) => e,
    }
}

/// A tar archive of `members` at `dir/name`.
fn write_tar(dir: &Path, name: &str, members: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, tar_of(members)).unwrap();
    path
}

// ---------------------------------------------------------------------------------------------
// Helpers: OCI layouts
// ---------------------------------------------------------------------------------------------

/// One layer of a test image: the blob as stored and the diff_id the config claims.
struct Layer {
    blob: Vec<u8>,
    diff_id: Digest,
    media_type: &'static str,
}

fn gzip_layer(tar: &[u8]) -> Layer {
    Layer {
        blob: gzip(tar),
        diff_id: Digest::of(tar),
        media_type: GZIP,
    }
}

fn zstd_layer(tar: &[u8]) -> Layer {
    Layer {
        blob: zstd::encode_all(tar, 3).unwrap(),
        diff_id: Digest::of(tar),
        media_type: ZSTD,
    }
}

fn config_json(diff_ids: &[Digest]) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": { "Cmd": ["/bin/sh"] },
        "rootfs": {
            "type": "layers",
            "diff_ids": diff_ids.iter().map(Digest::as_str).collect::<Vec<_>>(),
        },
    }))
    .unwrap()
}

/// An OCI layout in a temp dir whose config, manifest and index can be edited and
/// re-chained ([`Layout::commit`]) so every digest stays right.
struct Layout {
    dir: TempDir,
    config: Value,
    manifest: Value,
    index: Value,
}

impl Layout {
    fn write(layers: &[Layer]) -> Self {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).unwrap();
        std::fs::write(
            dir.path().join("oci-layout"),
            br#"{"imageLayoutVersion": "1.0.0"}"#,
        )
        .unwrap();
        let mut layout = Self {
            dir,
            config: Value::Null,
            manifest: Value::Null,
            index: Value::Null,
        };
        let descriptors: Vec<Value> = layers
            .iter()
            .map(|l| {
                let digest = layout.put_blob(&l.blob);
                json!({ "mediaType": l.media_type, "digest": digest.as_str(), "size": l.blob.len() })
            })
            .collect();
        let diff_ids: Vec<Digest> = layers.iter().map(|l| l.diff_id.clone()).collect();
        layout.config = serde_json::from_slice(&config_json(&diff_ids)).unwrap();
        layout.manifest = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": { "mediaType": "application/vnd.oci.image.config.v1+json" },
            "layers": descriptors,
        });
        layout.index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "annotations": { "org.opencontainers.image.ref.name": "test" },
            }],
        });
        layout.commit();
        layout
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn blob_path(&self, d: &Digest) -> PathBuf {
        self.path().join("blobs/sha256").join(d.hex())
    }

    /// Stores a blob under its digest.
    fn put_blob(&self, bytes: &[u8]) -> Digest {
        let d = Digest::of(bytes);
        std::fs::write(self.blob_path(&d), bytes).unwrap();
        d
    }

    /// Writes config, then the manifest naming it, then the index naming that.
    fn commit(&mut self) {
        let config = serde_json::to_vec(&self.config).unwrap();
        let digest = self.put_blob(&config);
        self.manifest["config"]["digest"] = json!(digest.as_str());
        self.manifest["config"]["size"] = json!(config.len());
        self.write_manifest_and_index();
    }

    fn write_manifest_and_index(&mut self) {
        let manifest = serde_json::to_vec(&self.manifest).unwrap();
        let digest = self.put_blob(&manifest);
        self.index["manifests"][0]["digest"] = json!(digest.as_str());
        self.index["manifests"][0]["size"] = json!(manifest.len());
        self.write_index();
    }

    fn write_index(&self) {
        std::fs::write(
            self.path().join("index.json"),
            serde_json::to_vec(&self.index).unwrap(),
        )
        .unwrap();
    }

    fn digest_at(v: &Value) -> Digest {
        v.as_str().unwrap().parse().unwrap()
    }

    fn config_digest(&self) -> Digest {
        Self::digest_at(&self.manifest["config"]["digest"])
    }

    fn manifest_digest(&self) -> Digest {
        Self::digest_at(&self.index["manifests"][0]["digest"])
    }

    fn layer_digests(&self) -> Vec<Digest> {
        self.manifest["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| Self::digest_at(&l["digest"]))
            .collect()
    }

    /// Opens the layout through target detection, as the CLI does.
    fn open(&self) -> Result<Box<dyn ImageSource>, ImageError> {
        Target::parse(self.path().to_str().unwrap())?.open_image(&OpenOptions::default())
    }

    fn open_err(&self) -> ImageError {
        open_err(self.path().to_str().unwrap())
    }

    fn read_layers(&self, limits: &Limits) -> Result<Vec<Vec<EntryMeta>>, ImageError> {
        read_layers(self.open()?.as_ref(), limits)
    }
}
