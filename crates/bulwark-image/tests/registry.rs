//! The registry source against real registries (CNCF distribution) on 127.0.0.1, started with
//! `eval "$(.ci/registry.sh start)"`, which pushes the fixtures from `../shared/fixtures/images`.
//! Without the variables it prints, these tests fail (they are never skipped silently).
//! A few more tests talk to a tiny misbehaving HTTP server to show bad responses become errors.

use std::io::Read;
use std::path::PathBuf;

use bulwark_image::registry::{open_registry, RegistryImage, RegistryOptions};
use bulwark_image::{Digest, ImageError, ImageSource, Platform, SourceKind};

const USER: &str = "bulwark";
const PASSWORD: &str = "s3cret-test";
// From ../shared/fixtures/images/README.md.
const ALPINE_3_19_4_MANIFEST: &str =
    "sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69";
const ALPINE_3_19_4_CONFIG: &str =
    "sha256:652cecfc2c99318b1388598a3396ff44927e0f36faa0934582ee6d5c42225b2b";
const ALPINE_3_19_4_LAYER: &str =
    "sha256:a2a87004e87720cbb0372c08b7de9b80748afdfd7fd72d2eab2ec0b074b92211";
const ALPINE_3_7_3_MANIFEST: &str =
    "sha256:94aaffd34e24b4ad99025c89c08b47a478ad1d616db3cbddeee194fa3bc203a0";
const ALPINE_3_7_3_CONFIG: &str =
    "sha256:6b68e1764c8ce3815821ef7d8f4e44622470f209f4494319d178c17d952d7c61";
const DEBIAN_APP_DIFF_IDS: [&str; 4] = [
    "sha256:629d91b9761a6529d832264f52da0f326cc0581a3b939f8a02689cc2a6e2cedd",
    "sha256:89d73d6b6239b1d6e2e030d7e9ca69a0e625e57fcfbafa6bd124318f95e74773",
    "sha256:79429eb4f1d34267055bd12aa11a903f9b6c9703dd800a7a9059e05d1dcf3b74",
    "sha256:ef3856b52d1e3eb0964e72f427a8e4696639ffb08017b55d1973ecdee051a487",
];

fn env_registry(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!(
            "{var} is not set: start the test registries with `eval \"$(.ci/registry.sh start)\"` \
             from the repository root (needs docker-registry, skopeo, apache2-utils), then rerun"
        )
    })
}

/// Anonymous, plain HTTP.
fn plain() -> String {
    env_registry("BULWARK_TEST_REGISTRY")
}

/// htpasswd basic auth.
fn basic() -> String {
    env_registry("BULWARK_TEST_REGISTRY_BASIC")
}

/// Bearer-token auth.
fn token() -> String {
    env_registry("BULWARK_TEST_REGISTRY_TOKEN")
}

/// Anonymous over HTTPS with a self-signed certificate.
fn tls() -> String {
    env_registry("BULWARK_TEST_REGISTRY_TLS")
}

/// Options for `host` over plain HTTP, isolated from the developer's own docker config.
fn opts(host: &str) -> RegistryOptions {
    RegistryOptions {
        platform: Platform::parse("linux/amd64").unwrap(),
        insecure_registries: vec![host.to_string()],
        docker_config: Some(PathBuf::from("/nonexistent/bulwark-tests/config.json")),
        ..Default::default()
    }
}

fn with_creds(host: &str, user: &str, password: &str) -> RegistryOptions {
    RegistryOptions {
        username: Some(user.into()),
        password: Some(password.into()),
        ..opts(host)
    }
}

fn open(reference: &str, opts: &RegistryOptions) -> RegistryImage {
    open_registry(reference, opts).unwrap_or_else(|e| panic!("{reference}: {e}"))
}

fn open_err(reference: &str, opts: &RegistryOptions) -> ImageError {
    match open_registry(reference, opts) {
        Ok(image) => panic!("{reference} opened, expected an error: {image:?}"),
        Err(e) => e,
    }
}

fn digest(s: &str) -> Digest {
    s.parse().unwrap()
}

/// Reads layer `index` to the end; returns its sha256 and length.
fn read_layer(image: &RegistryImage, index: usize) -> (Digest, usize) {
    let mut bytes = Vec::new();
    image
        .open_layer(index)
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    (Digest::of(&bytes), bytes.len())
}

fn assert_alpine_3_19_4(image: &RegistryImage) {
    let meta = image.meta();
    assert_eq!(meta.source, SourceKind::Registry);
    assert_eq!(meta.manifest_digest, Some(digest(ALPINE_3_19_4_MANIFEST)));
    assert_eq!(meta.config_digest, digest(ALPINE_3_19_4_CONFIG));
    assert_eq!(Digest::of(&meta.config_raw), digest(ALPINE_3_19_4_CONFIG));
    assert_eq!(meta.layers.len(), 1);
    let layer = &meta.layers[0];
    assert_eq!(layer.index, 0);
    assert_eq!(layer.blob_digest, Some(digest(ALPINE_3_19_4_LAYER)));
    assert_eq!(layer.size, Some(3_299_369));
    assert_eq!(
        layer.media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+gzip")
    );
    let rootfs = meta.config.rootfs.as_ref().unwrap();
    assert_eq!(layer.diff_id.as_str(), rootfs.diff_ids[0]);
    let cmd = meta.config.config.as_ref().and_then(|c| c.cmd.clone());
    assert_eq!(cmd, Some(vec!["/bin/sh".to_string()]));
}

#[test]
fn pulls_by_tag_with_the_fixture_manifest_digest() {
    let host = plain();
    let name = format!("{host}/library/alpine:3.19.4");
    let image = open(&name, &opts(&host));
    assert_alpine_3_19_4(&image);
    let meta = image.meta();
    assert_eq!(meta.name, name);
    assert_eq!(meta.repo_tags, vec![name.clone()]);
    assert_eq!(
        meta.repo_digests,
        vec![format!("{host}/library/alpine@{ALPINE_3_19_4_MANIFEST}")]
    );
    assert_eq!(image.reference().repository, "library/alpine");
}

#[test]
fn pulls_by_digest_and_by_tag_plus_digest() {
    let host = plain();
    let image = open(
        &format!("{host}/library/alpine@{ALPINE_3_19_4_MANIFEST}"),
        &opts(&host),
    );
    assert_alpine_3_19_4(&image);
    assert!(image.meta().repo_tags.is_empty());

    let image = open(
        &format!("{host}/library/alpine:3.19.4@{ALPINE_3_19_4_MANIFEST}"),
        &opts(&host),
    );
    assert_alpine_3_19_4(&image);

    // A digest the repository does not have.
    let missing = format!("{host}/library/alpine@sha256:{}", "0".repeat(64));
    let err = open_err(&missing, &opts(&host));
    assert!(
        matches!(err, ImageError::Registry { .. }) && err.to_string().contains("not found"),
        "{err}"
    );
}

#[test]
fn layer_bytes_match_the_blob_digest() {
    let host = plain();
    let image = open(&format!("{host}/library/alpine:3.19.4"), &opts(&host));
    let (sha, len) = read_layer(&image, 0);
    assert_eq!(sha, digest(ALPINE_3_19_4_LAYER));
    assert_eq!(len, 3_299_369);

    let err = image.open_layer(1).err().expect("layer 1 does not exist");
    assert!(err.to_string().contains("layer 1 does not exist"), "{err}");
}

#[test]
fn streams_every_layer_of_a_multi_layer_image() {
    let host = plain();
    let image = open(
        &format!("{host}/bulwark/debian-12-app:latest"),
        &opts(&host),
    );
    let meta = image.meta();
    let diff_ids: Vec<&str> = meta.layers.iter().map(|l| l.diff_id.as_str()).collect();
    assert_eq!(diff_ids, DEBIAN_APP_DIFF_IDS);
    for layer in &meta.layers {
        let (sha, len) = read_layer(&image, layer.index);
        assert_eq!(Some(sha), layer.blob_digest, "layer {}", layer.index);
        assert_eq!(Some(len as u64), layer.size, "layer {}", layer.index);
    }
    // Stopping early is fine: dropping the reader cancels the download.
    let mut first = [0u8; 10];
    image.open_layer(0).unwrap().read_exact(&mut first).unwrap();
    assert_eq!(&first[..2], &[0x1f, 0x8b], "gzip magic");
}

#[test]
fn index_resolves_by_platform() {
    let host = plain();
    let name = format!("{host}/bulwark/multi-arch:latest");
    let with_platform = |p: &str| RegistryOptions {
        platform: Platform::parse(p).unwrap(),
        ..opts(&host)
    };

    let amd64 = open(&name, &with_platform("linux/amd64"));
    assert_alpine_3_19_4(&amd64);
    let arm64 = open(&name, &with_platform("linux/arm64"));
    assert_eq!(
        arm64.meta().manifest_digest,
        Some(digest(ALPINE_3_7_3_MANIFEST))
    );
    assert_eq!(arm64.meta().config_digest, digest(ALPINE_3_7_3_CONFIG));
    // Both name the index, which is what pulls them again.
    assert_eq!(amd64.meta().repo_digests, arm64.meta().repo_digests);
    assert!(!amd64.meta().repo_digests[0].contains(ALPINE_3_19_4_MANIFEST));

    let err = open_err(&name, &with_platform("linux/s390x"));
    match &err {
        ImageError::Platform { wanted, available } => {
            assert_eq!(wanted, "linux/s390x");
            assert_eq!(available, "linux/amd64, linux/arm64");
        }
        other => panic!("expected a Platform error, got {other}"),
    }
}

#[test]
fn basic_auth_with_right_wrong_and_missing_credentials() {
    let host = basic();
    let name = format!("{host}/library/alpine:3.19.4");
    let image = open(&name, &with_creds(&host, USER, PASSWORD));
    assert_alpine_3_19_4(&image);
    assert_eq!(read_layer(&image, 0).0, digest(ALPINE_3_19_4_LAYER));

    let err = open_err(&name, &with_creds(&host, USER, "wrong"));
    assert!(matches!(err, ImageError::Auth { .. }), "{err}");
    assert!(
        err.to_string().contains("rejected user \"bulwark\""),
        "{err}"
    );

    let err = open_err(&name, &opts(&host));
    assert!(matches!(err, ImageError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("--username"), "{err}");
}

#[test]
fn credentials_from_a_docker_config() {
    use base64::Engine as _;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.json");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let (basic, token) = (basic(), token());
    std::fs::write(
        &config,
        format!(
            r#"{{"auths": {{"{basic}": {{"auth": "{auth}"}},
                "http://{token}/v2/": {{"username": "{USER}", "password": "{PASSWORD}"}}}}}}"#
        ),
    )
    .unwrap();
    let from_config = |host: &str| RegistryOptions {
        docker_config: Some(config.clone()),
        ..opts(host)
    };
    assert_alpine_3_19_4(&open(
        &format!("{basic}/library/alpine:3.19.4"),
        &from_config(&basic),
    ));
    assert_alpine_3_19_4(&open(
        &format!("{token}/library/alpine:3.19.4"),
        &from_config(&token),
    ));
}

#[test]
fn bearer_token_auth_with_right_wrong_and_missing_credentials() {
    let host = token();
    let name = format!("{host}/library/alpine:3.19.4");
    let image = open(&name, &with_creds(&host, USER, PASSWORD));
    assert_alpine_3_19_4(&image);
    // Blob requests carry the token too.
    assert_eq!(read_layer(&image, 0).0, digest(ALPINE_3_19_4_LAYER));

    let err = open_err(&name, &with_creds(&host, USER, "wrong"));
    assert!(matches!(err, ImageError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("token server rejected"), "{err}");

    // Anonymous callers get a token that grants nothing.
    let err = open_err(&name, &opts(&host));
    assert!(matches!(err, ImageError::Auth { .. }), "{err}");
    assert!(err.to_string().contains("needs credentials"), "{err}");
}

#[test]
fn plain_http_needs_insecure() {
    let host = plain();
    let secure_only = RegistryOptions {
        insecure_registries: Vec::new(),
        ..opts(&host)
    };
    let err = open_err(&format!("{host}/library/alpine:3.19.4"), &secure_only);
    assert!(matches!(err, ImageError::Registry { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("use --insecure {host}")),
        "{err}"
    );
}

#[test]
fn self_signed_tls_needs_insecure_and_then_stays_on_https() {
    let host = tls();
    let name = format!("{host}/library/alpine:3.19.4");
    let verified = RegistryOptions {
        insecure_registries: Vec::new(),
        ..opts(&host)
    };
    let err = open_err(&name, &verified);
    assert!(matches!(err, ImageError::Registry { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("certificate") && msg.contains(&format!("use --insecure {host}")),
        "{msg}"
    );

    let image = open(&name, &opts(&host));
    assert_alpine_3_19_4(&image);
    assert_eq!(read_layer(&image, 0).0, digest(ALPINE_3_19_4_LAYER));
}

#[test]
fn missing_tag_or_repository_is_a_clear_error() {
    let host = plain();
    let err = open_err(&format!("{host}/library/alpine:3.99"), &opts(&host));
    let msg = err.to_string();
    assert!(matches!(err, ImageError::Registry { .. }), "{msg}");
    assert!(
        msg.contains("library/alpine:3.99 not found") && msg.contains("MANIFEST_UNKNOWN"),
        "{msg}"
    );
    let err = open_err(&format!("{host}/nobody/nothing:1"), &opts(&host));
    assert!(err.to_string().contains("not found"), "{err}");
}

#[test]
fn bad_references_fail_before_any_network() {
    let err = open_err("127.0.0.1:5000/Library/Alpine", &opts("127.0.0.1:5000"));
    assert!(matches!(err, ImageError::Target { .. }), "{err}");
}

/// Misbehaving servers: every bad response must become an error, never a panic or a hang.
mod misbehaving {
    use super::*;
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

    struct Response {
        content_type: &'static str,
        body: Vec<u8>,
        /// Declared length when it differs from the body (a lie, or a huge body never sent).
        content_length: Option<usize>,
    }

    /// Serves fixed responses by path over plain HTTP on 127.0.0.1; returns `host:port`.
    fn serve(routes: HashMap<String, Response>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request_line.split(' ').nth(1).unwrap_or("").to_string();
                let (status, resp) = match routes.get(&path) {
                    Some(r) => ("200 OK", r),
                    None => (
                        "404 Not Found",
                        &Response {
                            content_type: "application/json",
                            body: br#"{"errors":[{"code":"NOT_FOUND","message":"no route"}]}"#
                                .to_vec(),
                            content_length: None,
                        },
                    ),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    resp.content_type,
                    resp.content_length.unwrap_or(resp.body.len())
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&resp.body);
            }
        });
        addr
    }

    fn json(body: String) -> Response {
        Response {
            content_type: OCI_MANIFEST,
            body: body.into_bytes(),
            content_length: None,
        }
    }

    fn blob(bytes: &[u8]) -> Response {
        Response {
            content_type: "application/octet-stream",
            body: bytes.to_vec(),
            content_length: None,
        }
    }

    /// A manifest over `config` and one layer described as `layer_digest` with `layer_type`.
    fn manifest(
        config: &[u8],
        layer_digest: &Digest,
        layer_type: &str,
        layer_size: usize,
    ) -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}",
               "config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},
               "layers":[{{"mediaType":"{layer_type}","digest":"{layer_digest}","size":{layer_size}}}]}}"#,
            Digest::of(config),
            config.len()
        )
    }

    fn config(diff_ids: &[Digest]) -> Vec<u8> {
        let ids: Vec<String> = diff_ids.iter().map(|d| format!("\"{d}\"")).collect();
        format!(
            r#"{{"architecture":"amd64","os":"linux","rootfs":{{"type":"layers","diff_ids":[{}]}}}}"#,
            ids.join(",")
        )
        .into_bytes()
    }

    #[test]
    fn bad_responses_become_errors() {
        let good_layer = b"hello";
        let layer_digest = Digest::of(good_layer);
        let one_layer = config(&[Digest::of(b"diff")]);
        let two_diff_ids = config(&[Digest::of(b"a"), Digest::of(b"b")]);
        let mut routes = HashMap::new();
        let mut route = |path: String, r: Response| routes.insert(path, r);
        route("/v2/".into(), blob(b"{}"));
        route("/v2/bad/manifests/garbage".into(), json("{not json".into()));
        route(
            "/v2/bad/manifests/huge".into(),
            Response {
                content_type: OCI_MANIFEST,
                body: Vec::new(),
                content_length: Some(5 << 20),
            },
        );
        route(
            "/v2/bad/manifests/tampered".into(),
            json(manifest(&one_layer, &layer_digest, GZIP_LAYER, 5)),
        );
        route(
            format!("/v2/bad/blobs/{}", Digest::of(&one_layer)),
            blob(&one_layer),
        );
        // Same length, different content: only the digest check can notice.
        route(format!("/v2/bad/blobs/{layer_digest}"), blob(b"hellO"));
        route(
            "/v2/bad/manifests/foreign".into(),
            json(manifest(
                &one_layer,
                &layer_digest,
                "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
                5,
            )),
        );
        route(
            "/v2/bad/manifests/count".into(),
            json(manifest(&two_diff_ids, &layer_digest, GZIP_LAYER, 5)),
        );
        route(
            format!("/v2/bad/blobs/{}", Digest::of(&two_diff_ids)),
            blob(&two_diff_ids),
        );
        let wrong_config = config(&[]);
        let mut lying = manifest(&one_layer, &layer_digest, GZIP_LAYER, 5);
        lying = lying.replace(
            &Digest::of(&one_layer).to_string(),
            &Digest::of(&wrong_config).to_string(),
        );
        route("/v2/bad/manifests/config-mismatch".into(), json(lying));
        route(
            format!("/v2/bad/blobs/{}", Digest::of(&wrong_config)),
            blob(&one_layer),
        );

        let host = serve(routes);
        let o = opts(&host);
        let r = |tag: &str| format!("{host}/bad:{tag}");

        let err = open_err(&r("garbage"), &o);
        assert!(matches!(err, ImageError::Json { .. }), "{err}");

        let err = open_err(&r("huge"), &o);
        assert!(err.to_string().contains("refusing to read it"), "{err}");

        let err = open_err(&r("foreign"), &o);
        assert!(matches!(err, ImageError::UnsupportedMediaType(_)), "{err}");

        let err = open_err(&r("count"), &o);
        assert!(
            err.to_string().contains("rootfs.diff_ids lists 2 layers"),
            "{err}"
        );

        let err = open_err(&r("config-mismatch"), &o);
        assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err}");

        let image = open(&r("tampered"), &o);
        let mut sink = Vec::new();
        let err = image
            .open_layer(0)
            .unwrap()
            .read_to_end(&mut sink)
            .unwrap_err();
        assert!(err.to_string().contains("digest mismatch"), "{err}");

        let err = open_err(&r("absent"), &o);
        assert!(err.to_string().contains("not found"), "{err}");
    }
    /// An OCI index over `entries` (media type, digest, size, `os/arch`).
    fn index(entries: &[(&str, &Digest, usize, &str)]) -> String {
        let entries: Vec<String> = entries
            .iter()
            .map(|(media_type, digest, size, platform)| {
                let (os, arch) = platform.split_once('/').unwrap();
                format!(
                    r#"{{"mediaType":"{media_type}","digest":"{digest}","size":{size},"platform":{{"os":"{os}","architecture":"{arch}"}}}}"#
                )
            })
            .collect();
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
            entries.join(",")
        )
    }

    #[test]
    fn nested_indexes_are_followed_and_artifacts_and_sizeless_layers_refused() {
        const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
        let layer_digest = Digest::of(b"hello");
        let one_layer = config(&[Digest::of(b"diff")]);
        let image = manifest(&one_layer, &layer_digest, GZIP_LAYER, 5);
        let image_digest = Digest::of(image.as_bytes());
        let inner = index(&[(OCI_MANIFEST, &image_digest, image.len(), "linux/amd64")]);
        let inner_digest = Digest::of(inner.as_bytes());
        // Not served: taking the artifact entry instead of the nested index fails the test.
        let artifact_digest = Digest::of(b"artifact");
        let outer = index(&[
            (
                "application/vnd.example.artifact+json",
                &artifact_digest,
                image.len(),
                "linux/amd64",
            ),
            (OCI_INDEX, &inner_digest, inner.len(), "linux/amd64"),
        ]);
        let helm = manifest(&one_layer, &layer_digest, GZIP_LAYER, 5).replace(
            "application/vnd.oci.image.config.v1+json",
            "application/vnd.cncf.helm.config.v1+json",
        );
        let sizeless =
            manifest(&one_layer, &layer_digest, GZIP_LAYER, 5).replace(r#","size":5}]"#, "}]");
        assert_ne!(sizeless, image);

        let mut routes = HashMap::new();
        let mut route = |path: String, r: Response| routes.insert(path, r);
        route("/v2/".into(), blob(b"{}"));
        route("/v2/nest/manifests/outer".into(), json(outer));
        route(format!("/v2/nest/manifests/{inner_digest}"), json(inner));
        route(format!("/v2/nest/manifests/{image_digest}"), json(image));
        route(
            format!("/v2/nest/blobs/{}", Digest::of(&one_layer)),
            blob(&one_layer),
        );
        route("/v2/nest/manifests/helm".into(), json(helm));
        route("/v2/nest/manifests/sizeless".into(), json(sizeless));

        let host = serve(routes);
        let o = opts(&host);
        let r = |tag: &str| format!("{host}/nest:{tag}");

        let nested = open(&r("outer"), &o);
        assert_eq!(nested.meta().manifest_digest, Some(image_digest));
        assert_eq!(nested.meta().layers.len(), 1);

        let err = open_err(&r("helm"), &o);
        assert!(matches!(err, ImageError::Format { .. }), "{err}");
        assert!(err.to_string().contains("OCI artifact"), "{err}");

        let err = open_err(&r("sizeless"), &o);
        assert!(matches!(err, ImageError::Format { .. }), "{err}");
        assert!(err.to_string().contains("no size"), "{err}");
    }
}
