//! What is particular to manifests served by registries: the media types we ask for, how the
//! response's Content-Type stands in for a missing `mediaType`, and which layers a registry can
//! serve. The documents themselves are [`crate::manifest`]'s, shared with the OCI layout source.

use crate::manifest::{
    check_layer_media_type, Descriptor, Manifest, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX,
    OCI_MANIFEST,
};
use crate::ImageError;

/// What we ask the manifest endpoint for, in order of preference.
pub(crate) const ACCEPT: [&str; 4] = [
    OCI_INDEX,
    OCI_MANIFEST,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST,
];

/// Layers whose blobs live outside the registry (at the descriptor's `urls`) or that may not be
/// redistributed: a registry normally does not serve them, so we refuse rather than guess.
const NON_DISTRIBUTABLE_LAYERS: [&str; 4] = [
    "application/vnd.oci.image.layer.nondistributable.v1.tar",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
];

/// Parses a manifest or index response. The kind comes from the document's `mediaType`, else
/// from the response's Content-Type (ignoring parameters and a generic `application/json`),
/// else from its shape (OCI allows documents without `mediaType`).
pub(crate) fn parse(bytes: &[u8], content_type: Option<&str>) -> Result<Manifest, ImageError> {
    let header_type = content_type
        .and_then(|c| c.split(';').next())
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "application/json");
    Manifest::parse_as(bytes, "manifest", header_type)
}

/// Accepts a layer a registry can serve and the walker can read: a known, distributable layer
/// media type, which registry manifests always declare.
pub(crate) fn check_pullable_layer(layer: &Descriptor) -> Result<(), ImageError> {
    let media_type = layer.media_type.as_deref().unwrap_or_default();
    if NON_DISTRIBUTABLE_LAYERS.contains(&media_type) {
        return Err(ImageError::UnsupportedMediaType(format!(
            "{media_type} (foreign or non-distributable layer; its blob is not served by the registry)"
        )));
    }
    check_layer_media_type(Some(media_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:efbc66f9a894c94852dfe9419ea632ee889e3862ce2a60dc35bd483cddc88b69";

    #[test]
    fn content_type_decides_the_kind_when_the_document_does_not() {
        let manifest = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{D1}","size":1}},"layers":[]}}"#
        );
        let m = parse(manifest.as_bytes(), Some(DOCKER_MANIFEST)).unwrap();
        assert!(!m.is_index());
        let m = parse(manifest.as_bytes(), Some("application/json; charset=utf-8")).unwrap();
        assert!(!m.is_index());
        assert_eq!(m.media_type, None);

        let index = format!(r#"{{"schemaVersion":2,"manifests":[{{"digest":"{D1}"}}]}}"#);
        let m = parse(
            index.as_bytes(),
            Some(&format!("{OCI_INDEX}; charset=utf-8")),
        )
        .unwrap();
        assert!(m.is_index());

        let v1 = br#"{"name":"x","fsLayers":[]}"#;
        assert!(matches!(
            parse(
                v1,
                Some("application/vnd.docker.distribution.manifest.v1+prettyjws")
            ),
            Err(ImageError::UnsupportedMediaType(_))
        ));
        assert!(matches!(
            parse(b"[1,2", Some(OCI_MANIFEST)),
            Err(ImageError::Json { .. })
        ));
    }

    #[test]
    fn only_distributable_known_layers_are_pullable() {
        let layer = |media_type: Option<&str>| Descriptor {
            media_type: media_type.map(str::to_string),
            digest: D1.parse().unwrap(),
            size: Some(1),
            platform: None,
            annotations: None,
        };
        check_pullable_layer(&layer(Some("application/vnd.oci.image.layer.v1.tar+gzip"))).unwrap();
        check_pullable_layer(&layer(Some("application/vnd.docker.image.rootfs.diff.tar"))).unwrap();
        for bad in [
            None,
            Some("application/vnd.oci.image.layer.v1.tar+encrypted"),
            Some("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"),
            Some("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
        ] {
            assert!(
                matches!(
                    check_pullable_layer(&layer(bad)),
                    Err(ImageError::UnsupportedMediaType(_))
                ),
                "{bad:?}"
            );
        }
    }
}
