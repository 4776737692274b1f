//! Kubernetes manifests: every pod template (Pod, Deployment, StatefulSet, DaemonSet,
//! ReplicaSet, ReplicationController, Job, CronJob, PodTemplate, and `List` items) gives a
//! pod-level check (host namespaces, service account token) and a [`ContainerSpec`] per
//! container and init container, with the pod's securityContext as the default for the
//! container's. Other kinds (Service, ConfigMap, ...) are read and ignored.

use crate::finding::FileKind;
use crate::options::Emitter;
use crate::registry::*;
use crate::runtime::{self, At, ContainerSpec, Health, Mount, Port, Setting};
use crate::yaml::Node;

/// Whether a YAML document is a Kubernetes object.
pub(crate) fn is_kubernetes(doc: &Node) -> bool {
    doc.get("apiVersion").and_then(Node::as_str).is_some()
        && doc.get("kind").and_then(Node::as_str).is_some()
}

pub(crate) fn check(docs: &[Node], em: &mut Emitter<'_>) {
    for doc in docs {
        object(doc, em, 0);
    }
}

fn object(doc: &Node, em: &mut Emitter<'_>, depth: usize) {
    let Some(kind) = doc.get("kind").and_then(Node::as_str) else {
        return;
    };
    if kind == "List" || kind.ends_with("List") {
        if depth < 8 {
            for item in doc.at(&["items"]).items() {
                object(item, em, depth + 1);
            }
        }
        return;
    }
    let template: &[&str] = match kind {
        "Pod" => &[],
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "PodTemplate" => &["template"],
        _ => return,
    };
    let pod = doc.at(template);
    let spec = pod.at(&["spec"]);
    if !spec.is_map() {
        return;
    }
    let name = doc.at(&["metadata", "name"]).as_str().unwrap_or("?");
    let subject = format!("{kind}/{name}");
    pod_checks(spec, &subject, em);
    let annotations = pod.at(&["metadata", "annotations"]);
    for (field, label) in [
        ("initContainers", "initContainer"),
        ("containers", "container"),
    ] {
        for c in spec.at(&[field]).items() {
            let cname = c.get("name").and_then(Node::as_str).unwrap_or("?");
            let s = container(
                c,
                spec,
                annotations,
                format!("{subject} {label} {cname}"),
                cname,
            );
            runtime::check(&s, em);
        }
    }
}

fn pod_checks(spec: &Node, subject: &str, em: &mut Emitter<'_>) {
    let subject = Some(subject);
    for (key, def, what) in [
        (
            "hostNetwork",
            &RT_HOST_NETWORK,
            "hostNetwork: true shares the host's network namespace",
        ),
        (
            "hostPID",
            &RT_HOST_PID,
            "hostPID: true shares the host's PID namespace",
        ),
        (
            "hostIPC",
            &RT_HOST_IPC,
            "hostIPC: true shares the host's IPC namespace",
        ),
    ] {
        if let Some((k, v)) = spec.entry(key) {
            if v.as_bool() == Some(true) {
                em.emit(def, k.pos, subject, what);
            }
        }
    }
    match spec.entry("automountServiceAccountToken") {
        Some((_, v)) if v.as_bool() == Some(false) => {}
        Some((k, _)) => {
            em.emit(
                &RT_SA_TOKEN,
                k.pos,
                subject,
                "automountServiceAccountToken is true",
            );
        }
        None => {
            em.emit(
                &RT_SA_TOKEN,
                spec.pos,
                subject,
                "automountServiceAccountToken is not set to false: the token is mounted",
            );
        }
    }
}

fn container(
    c: &Node,
    pod: &Node,
    annotations: &Node,
    subject: String,
    name: &str,
) -> ContainerSpec {
    let sc = c.at(&["securityContext"]);
    let psc = pod.at(&["securityContext"]);
    // The container's setting, else the pod's (for the fields both have).
    let either = |key: &str| sc.entry(key).or_else(|| psc.entry(key));
    let bool_at = |n: &Node, key: &str| {
        n.entry(key)
            .and_then(|(k, v)| v.as_bool().map(|b| At::new(b, k.pos)))
    };
    let mut spec = ContainerSpec {
        kind: Some(FileKind::Kubernetes),
        subject,
        pos: c.pos,
        pids: Setting::Unsupported,
        health: Health::Unknown,
        ..ContainerSpec::default()
    };
    spec.image = c
        .get("image")
        .and_then(|v| v.as_str().map(|s| At::new(s.to_string(), v.pos)));
    spec.privileged = bool_at(sc, "privileged");
    let caps = sc.at(&["capabilities"]);
    spec.cap_add = caps
        .at(&["add"])
        .strings()
        .into_iter()
        .map(|(s, p)| At::new(s.to_string(), p))
        .collect();
    spec.cap_drop = caps
        .at(&["drop"])
        .strings()
        .into_iter()
        .map(|(s, p)| At::new(s.to_string(), p))
        .collect();
    spec.read_only_rootfs = bool_at(sc, "readOnlyRootFilesystem");
    spec.no_new_privileges = sc
        .entry("allowPrivilegeEscalation")
        .and_then(|(k, v)| v.as_bool().map(|b| At::new(!b, k.pos)));
    spec.user =
        either("runAsUser").and_then(|(k, v)| v.as_str().map(|s| At::new(s.to_string(), k.pos)));
    spec.run_as_non_root =
        either("runAsNonRoot").and_then(|(k, v)| v.as_bool().map(|b| At::new(b, k.pos)));
    let profile = |key: &str| {
        [sc, psc].into_iter().find_map(|n| {
            n.at(&[key, "type"])
                .as_str()
                .map(|t| (t.to_string(), n.at(&[key, "type"]).pos))
        })
    };
    let seccomp = profile("seccompProfile");
    if let Some((t, p)) = &seccomp {
        if t.eq_ignore_ascii_case("unconfined") {
            spec.seccomp_unconfined = Some(*p);
        }
    }
    let seccomp_annotation = annotations.entries().iter().any(|(k, _)| {
        k.as_str().is_some_and(|key| {
            key == "seccomp.security.alpha.kubernetes.io/pod"
                || key == format!("container.seccomp.security.alpha.kubernetes.io/{name}")
        })
    });
    spec.seccomp_unset = seccomp.is_none() && !seccomp_annotation;
    if let Some((t, p)) = profile("appArmorProfile") {
        if t.eq_ignore_ascii_case("unconfined") {
            spec.apparmor_unconfined = Some(p);
        }
    }
    for (k, v) in annotations.entries() {
        let (Some(key), Some(val)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        let unconfined = val.eq_ignore_ascii_case("unconfined");
        if unconfined
            && (key == "seccomp.security.alpha.kubernetes.io/pod"
                || key == format!("container.seccomp.security.alpha.kubernetes.io/{name}"))
        {
            spec.seccomp_unconfined.get_or_insert(k.pos);
        }
        if unconfined && key == format!("container.apparmor.security.beta.kubernetes.io/{name}") {
            spec.apparmor_unconfined.get_or_insert(k.pos);
        }
    }
    let limits = c.at(&["resources", "limits"]);
    let set = |present: bool| {
        if present {
            Setting::Set
        } else {
            Setting::Missing
        }
    };
    spec.memory = set(!limits.at(&["memory"]).is_null());
    spec.cpu = set(!limits.at(&["cpu"]).is_null());
    for p in c.at(&["ports"]).items() {
        let container = p
            .get("containerPort")
            .and_then(Node::as_i64)
            .and_then(|n| u16::try_from(n).ok());
        if let Some(cp) = container {
            spec.listen_ports.push(cp);
        }
        if let Some((k, h)) = p.entry("hostPort") {
            let host = h.as_i64().and_then(|n| u16::try_from(n).ok());
            spec.ports.push(Port {
                host,
                container,
                pos: k.pos,
            });
        }
    }
    let volumes = pod.at(&["volumes"]);
    for vm in c.at(&["volumeMounts"]).items() {
        let Some(vname) = vm.get("name").and_then(Node::as_str) else {
            continue;
        };
        let Some(vol) = volumes
            .items()
            .iter()
            .find(|v| v.get("name").and_then(Node::as_str) == Some(vname))
        else {
            continue;
        };
        let path = vol.at(&["hostPath", "path"]);
        let Some(host) = path.as_str() else { continue };
        spec.mounts.push(Mount {
            host_path: Some(host.to_string()),
            target: vm
                .get("mountPath")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
            read_only: vm.get("readOnly").and_then(Node::as_bool).unwrap_or(false),
            propagation: vm
                .get("mountPropagation")
                .and_then(Node::as_str)
                .map(str::to_string),
            pos: path.pos,
        });
    }
    for key in ["command", "args"] {
        if let Some((k, v)) = c.entry(key) {
            spec.command_pos.get_or_insert(k.pos);
            spec.command
                .extend(v.strings().iter().map(|(s, _)| s.to_string()));
        }
    }
    spec
}
