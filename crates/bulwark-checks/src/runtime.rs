//! Runtime container configuration in one shape, whatever it was read from (compose
//! service, Kubernetes container in its pod, `docker inspect`), and the BW-RT checks on it.
//!
//! A field the source cannot express is `Unsupported` so that its check stays silent (there
//! is no per-container PIDs limit in Kubernetes); a field it can express but that is not set
//! is `None` and may be a finding (no memory limit).

use crate::dockerfile::checks::{analyze_script, command_script, is_root, runs_sshd};
use crate::finding::{CapabilityReason, CapabilitySuggestion, FileKind, Position};
use crate::image_ref::ImageRef;
use crate::options::Emitter;
use crate::registry::*;

/// A value with the position of the key (or item) that set it.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub pos: Position,
}

impl<T> At<T> {
    pub fn new(value: T, pos: Position) -> Self {
        At { value, pos }
    }
}

/// Whether a limit-like setting is present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Setting {
    /// The source has no such setting: no finding either way.
    Unsupported,
    #[default]
    Missing,
    Set,
}

/// A host path or volume mounted into the container.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    /// Host path for binds and hostPath volumes; `None` for named volumes and tmpfs.
    pub host_path: Option<String>,
    pub target: String,
    pub read_only: bool,
    /// `shared`, `rshared`, `Bidirectional`, ...
    pub propagation: Option<String>,
    pub pos: Position,
}

/// A published port.
#[derive(Debug, Clone, PartialEq)]
pub struct Port {
    /// Host port, when one is fixed.
    pub host: Option<u16>,
    /// Container port (first of a range).
    pub container: Option<u16>,
    pub pos: Position,
}

/// Health check state.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Health {
    /// The source does not say (compose without `healthcheck:`: the image's applies).
    #[default]
    Unknown,
    Set,
    Missing,
    Disabled(Position),
}

/// One container's runtime configuration.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    pub kind: Option<FileKind>,
    /// `service web`, `Deployment/api container app`, `container /web`.
    pub subject: String,
    /// Where the container is defined (for "missing" findings).
    pub pos: Position,
    pub image: Option<At<String>>,
    pub privileged: Option<At<bool>>,
    pub cap_add: Vec<At<String>>,
    pub cap_drop: Vec<At<String>>,
    /// Where capability settings are (or would go).
    pub mounts: Vec<Mount>,
    pub devices: Vec<At<String>>,
    pub ports: Vec<Port>,
    /// Container ports it listens on without publishing (`expose`, `containerPort`).
    pub listen_ports: Vec<u16>,
    pub network_mode: Option<At<String>>,
    pub pid_mode: Option<At<String>>,
    pub ipc_mode: Option<At<String>>,
    pub uts_mode: Option<At<String>>,
    pub userns_mode: Option<At<String>>,
    pub read_only_rootfs: Option<At<bool>>,
    pub seccomp_unconfined: Option<Position>,
    /// Kubernetes: no seccomp profile on the container, its pod or in the legacy
    /// annotations, which means Unconfined on a default kubelet.
    pub seccomp_unset: bool,
    pub apparmor_unconfined: Option<Position>,
    /// no-new-privileges set, or allowPrivilegeEscalation: false.
    pub no_new_privileges: Option<At<bool>>,
    /// The user, if set (`user:`, `Config.User`, `runAsUser`).
    pub user: Option<At<String>>,
    /// Kubernetes: effective runAsNonRoot.
    pub run_as_non_root: Option<At<bool>>,
    /// Docker inspect: an empty `Config.User` means root; elsewhere unset means "the image's".
    pub unset_user_is_root: bool,
    pub memory: Setting,
    pub cpu: Setting,
    pub pids: Setting,
    pub health: Health,
    /// Entrypoint and command words.
    pub command: Vec<String>,
    pub command_pos: Option<Position>,
    /// Evidence outside the command that the container switches user (PUID/PGID).
    pub user_switch_hint: Option<String>,
}

/// Runs the BW-RT checks on one container.
pub(crate) fn check(spec: &ContainerSpec, em: &mut Emitter<'_>) {
    let subject = Some(spec.subject.as_str());
    let here = spec.pos;
    if let Some(p) = spec.privileged.as_ref().filter(|p| p.value) {
        em.emit(
            &RT_PRIVILEGED,
            p.pos,
            subject,
            "runs privileged: all capabilities and all host devices",
        );
    }
    let suggestion = suggest_capabilities(spec);
    for cap in &spec.cap_add {
        let name = cap_name(&cap.value);
        let explained = suggestion
            .as_ref()
            .is_some_and(|s| s.add.iter().any(|c| c.capability == name));
        if DANGEROUS_CAPS.contains(&name.as_str()) {
            em.emit(&RT_CAP_DANGEROUS, cap.pos, subject, format!("adds {name}"));
        } else if !explained {
            // A capability with an observed reason (BW-RT-100's evidence) is what 5.3 asks for.
            em.emit(
                &RT_CAP_ADDED,
                cap.pos,
                subject,
                format!("adds {name} with no observed reason"),
            );
        }
    }
    let drops_all = spec.cap_drop.iter().any(|c| cap_name(&c.value) == "ALL");
    if !drops_all && !spec.privileged.as_ref().is_some_and(|p| p.value) {
        let msg = if spec.cap_drop.is_empty() {
            "keeps the runtime's default capabilities (no drop ALL)".to_string()
        } else {
            let dropped: Vec<String> = spec.cap_drop.iter().map(|c| cap_name(&c.value)).collect();
            format!("drops only {} instead of ALL", dropped.join(", "))
        };
        let pos = spec.cap_drop.first().map(|c| c.pos).unwrap_or(here);
        em.emit(&RT_CAP_NOT_DROPPED, pos, subject, msg);
    }
    for m in &spec.mounts {
        let Some(host) = &m.host_path else { continue };
        if let Some(sock) = runtime_socket(host) {
            em.emit(
                &RT_SOCKET_MOUNT,
                m.pos,
                subject,
                format!("mounts the {sock} socket {host}"),
            );
        } else if let Some(dir) = sensitive(host, m.read_only) {
            let mode = if m.read_only {
                "read-only"
            } else {
                "read-write"
            };
            em.emit(
                &RT_SENSITIVE_MOUNT,
                m.pos,
                subject,
                format!("mounts host {host} ({dir}) {mode} at {}", m.target),
            );
        }
        if let Some(p) = m.propagation.as_deref() {
            if matches!(
                p.to_ascii_lowercase().as_str(),
                "shared" | "rshared" | "bidirectional"
            ) {
                em.emit(
                    &RT_SHARED_PROPAGATION,
                    m.pos,
                    subject,
                    format!("mount {} has {p} propagation", m.target),
                );
            }
        }
    }
    if runs_sshd(&spec.command) {
        em.emit(
            &RT_SSHD,
            spec.command_pos.unwrap_or(here),
            subject,
            format!("the command starts sshd: {}", spec.command.join(" ")),
        );
    }
    for p in &spec.ports {
        if let Some(h) = p.host.filter(|h| *h > 0 && *h < 1024) {
            em.emit(
                &RT_PRIVILEGED_PORT,
                p.pos,
                subject,
                format!("publishes host port {h}"),
            );
        }
    }
    if let Some(m) = host(&spec.network_mode) {
        em.emit(
            &RT_HOST_NETWORK,
            m.pos,
            subject,
            "uses the host's network namespace",
        );
    }
    if let Some(m) = host(&spec.pid_mode) {
        em.emit(
            &RT_HOST_PID,
            m.pos,
            subject,
            "uses the host's PID namespace",
        );
    }
    if let Some(m) = host(&spec.ipc_mode) {
        em.emit(
            &RT_HOST_IPC,
            m.pos,
            subject,
            "uses the host's IPC namespace",
        );
    }
    if let Some(m) = host(&spec.uts_mode) {
        em.emit(
            &RT_HOST_UTS,
            m.pos,
            subject,
            "uses the host's UTS namespace",
        );
    }
    if let Some(m) = host(&spec.userns_mode) {
        em.emit(
            &RT_HOST_USERNS,
            m.pos,
            subject,
            "uses the host's user namespace",
        );
    }
    for d in &spec.devices {
        em.emit(
            &RT_HOST_DEVICE,
            d.pos,
            subject,
            format!("passes host device {}", d.value),
        );
    }
    if spec.memory == Setting::Missing {
        em.emit(&RT_NO_MEMORY_LIMIT, here, subject, "no memory limit");
    }
    if spec.cpu == Setting::Missing {
        em.emit(&RT_NO_CPU_LIMIT, here, subject, "no CPU limit");
    }
    if spec.pids == Setting::Missing {
        em.emit(&RT_NO_PIDS_LIMIT, here, subject, "no PIDs limit");
    }
    match &spec.read_only_rootfs {
        Some(r) if r.value => {}
        Some(r) => {
            em.emit(
                &RT_WRITABLE_ROOTFS,
                r.pos,
                subject,
                "the root filesystem is explicitly writable",
            );
        }
        None => {
            em.emit(
                &RT_WRITABLE_ROOTFS,
                here,
                subject,
                "the root filesystem is writable (read-only not set)",
            );
        }
    }
    if let Some(p) = spec.seccomp_unconfined {
        em.emit(
            &RT_SECCOMP_UNCONFINED,
            p,
            subject,
            "seccomp profile is unconfined",
        );
    } else if spec.seccomp_unset {
        em.emit(
            &RT_SECCOMP_UNSET,
            here,
            subject,
            "no seccomp profile on the container or its pod (runs Unconfined by default)",
        );
    }
    if let Some(p) = spec.apparmor_unconfined {
        em.emit(
            &RT_APPARMOR_UNCONFINED,
            p,
            subject,
            "AppArmor profile is unconfined",
        );
    }
    let k8s = spec.kind == Some(FileKind::Kubernetes);
    match &spec.no_new_privileges {
        Some(n) if n.value => {}
        Some(n) => {
            let msg = if k8s {
                "allowPrivilegeEscalation is true"
            } else {
                "no-new-privileges is false"
            };
            em.emit(&RT_PRIV_ESCALATION, n.pos, subject, msg);
        }
        None => {
            let msg = if k8s {
                "allowPrivilegeEscalation is not set to false"
            } else {
                "no-new-privileges is not set"
            };
            em.emit(&RT_PRIV_ESCALATION, here, subject, msg);
        }
    }
    root_user(spec, em);
    if let Some(img) = &spec.image {
        if let Some(r) = ImageRef::parse(&img.value) {
            if r.is_latest() {
                em.emit(
                    &RT_IMAGE_LATEST,
                    img.pos,
                    subject,
                    format!("image {} is not pinned to a version", img.value),
                );
            } else if r.digest.is_none() {
                em.emit(
                    &RT_IMAGE_NO_DIGEST,
                    img.pos,
                    subject,
                    format!("image {} has no @sha256 digest", img.value),
                );
            }
            let trusted = &em.options().trusted_registries;
            if !trusted.iter().any(|t| r.is_under(t)) {
                em.emit(
                    &RT_UNTRUSTED_IMAGE,
                    img.pos,
                    subject,
                    format!(
                        "image {} is not under a trusted registry or repository",
                        r.full_name()
                    ),
                );
            }
        }
    }
    match spec.health {
        Health::Missing => {
            em.emit(
                &RT_NO_HEALTHCHECK,
                here,
                subject,
                "no health check configured (none in the container or its image)",
            );
        }
        Health::Disabled(p) => {
            em.emit(
                &RT_NO_HEALTHCHECK,
                p,
                subject,
                "the health check is disabled",
            );
        }
        Health::Unknown | Health::Set => {}
    }
    if let Some(s) = suggestion {
        let current_ok = drops_all && s.unexplained.is_empty();
        if !current_ok && !spec.privileged.as_ref().is_some_and(|p| p.value) {
            let add: Vec<String> = s
                .add
                .iter()
                .map(|c| format!("{} ({})", c.capability, c.reason))
                .collect();
            let mut msg = if add.is_empty() {
                "drop ALL; nothing observed needs a capability".to_string()
            } else {
                format!("drop ALL, add {}", add.join("; "))
            };
            if !s.unexplained.is_empty() {
                msg.push_str(&format!(
                    "; no observed reason for {}",
                    s.unexplained.join(", ")
                ));
            }
            let pos = spec.cap_add.first().map(|c| c.pos).unwrap_or(here);
            if let Some(f) = em.emit(&RT_SUGGESTED_CAPS, pos, subject, msg) {
                f.suggested_capabilities = Some(s);
            }
        }
    }
}

fn root_user(spec: &ContainerSpec, em: &mut Emitter<'_>) {
    let subject = Some(spec.subject.as_str());
    if spec.kind == Some(FileKind::Kubernetes) {
        let uid0 = spec.user.as_ref().filter(|u| u.value == "0");
        let non_root = spec.run_as_non_root.as_ref().is_some_and(|n| n.value);
        let uid_set = spec.user.as_ref().is_some_and(|u| u.value != "0");
        if let Some(u) = uid0 {
            em.emit(&RT_ROOT_USER, u.pos, subject, "runAsUser is 0 (root)");
        } else if !non_root && !uid_set {
            let pos = spec
                .run_as_non_root
                .as_ref()
                .map(|n| n.pos)
                .unwrap_or(spec.pos);
            em.emit(&RT_ROOT_USER, pos, subject, "neither runAsNonRoot: true nor a non-zero runAsUser: the image's user (often root) applies");
        }
        return;
    }
    match &spec.user {
        Some(u) if is_root(&u.value) => {
            let shown = if u.value.is_empty() {
                "empty (root)"
            } else {
                u.value.as_str()
            };
            em.emit(&RT_ROOT_USER, u.pos, subject, format!("user is {shown}"));
        }
        None if spec.unset_user_is_root => {
            em.emit(
                &RT_ROOT_USER,
                spec.pos,
                subject,
                "no user set: runs as root",
            );
        }
        _ => {}
    }
}

fn host(m: &Option<At<String>>) -> Option<&At<String>> {
    m.as_ref().filter(|m| m.value.eq_ignore_ascii_case("host"))
}

/// Capabilities that give control over the host or other containers.
const DANGEROUS_CAPS: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "NET_ADMIN",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
    "SYS_RESOURCE",
];

/// `cap_sys_admin` → `SYS_ADMIN`.
pub(crate) fn cap_name(s: &str) -> String {
    let up = s.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

/// Which runtime's socket a host path is.
fn runtime_socket(path: &str) -> Option<&'static str> {
    let p = path.trim_end_matches('/');
    let name = p.rsplit('/').next().unwrap_or(p);
    match name {
        "docker.sock" => Some("Docker"),
        "containerd.sock" => Some("containerd"),
        "podman.sock" => Some("Podman"),
        "crio.sock" => Some("CRI-O"),
        "dockershim.sock" => Some("dockershim"),
        _ => None,
    }
}

const SENSITIVE: &[&str] = &[
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/usr",
    "/bin",
    "/sbin",
    "/root",
    "/var/run",
    "/run",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/etc/kubernetes",
];

/// The sensitive directory a host path is (any mode) or is under (read-write only: a
/// read-only `/etc/localtime` is common and harmless).
fn sensitive(path: &str, read_only: bool) -> Option<&'static str> {
    let p = normalize(path);
    if let Some(d) = SENSITIVE.iter().find(|d| **d == p) {
        return Some(d);
    }
    if read_only {
        return None;
    }
    SENSITIVE
        .iter()
        .filter(|d| **d != "/")
        .find(|d| p.starts_with(&format!("{d}/")))
        .copied()
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The smallest capability set the config gives evidence for, or `None` when nothing can
/// be said (privileged containers).
pub fn suggest_capabilities(spec: &ContainerSpec) -> Option<CapabilitySuggestion> {
    if spec.privileged.as_ref().is_some_and(|p| p.value) {
        return None;
    }
    let mut add: Vec<CapabilityReason> = Vec::new();
    let mut push = |cap: &str, reason: String| {
        if !add.iter().any(|c| c.capability == cap) {
            add.push(CapabilityReason {
                capability: cap.to_string(),
                reason,
            });
        }
    };
    let low_port = spec
        .ports
        .iter()
        .filter_map(|p| p.container)
        .chain(spec.listen_ports.iter().copied())
        .find(|p| *p > 0 && *p < 1024);
    if let Some(p) = low_port {
        push(
            "NET_BIND_SERVICE",
            format!("listens on port {p} < 1024 inside the container"),
        );
    }
    let facts = analyze_script(&command_script(&spec.command));
    if let Some(tool) = facts
        .switches_user
        .as_ref()
        .or(spec.user_switch_hint.as_ref())
    {
        push("SETUID", format!("the command switches user with {tool}"));
        push("SETGID", format!("the command switches group with {tool}"));
    }
    if facts.chowns {
        push("CHOWN", "the command runs chown".to_string());
    }
    let explained: Vec<&str> = add.iter().map(|c| c.capability.as_str()).collect();
    let unexplained = spec
        .cap_add
        .iter()
        .map(|c| cap_name(&c.value))
        .filter(|c| !explained.contains(&c.as_str()))
        .collect();
    Some(CapabilitySuggestion {
        drop: vec!["ALL".to_string()],
        add,
        unexplained,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_paths() {
        assert_eq!(sensitive("/", true), Some("/"));
        assert_eq!(sensitive("/etc/", true), Some("/etc"));
        assert_eq!(sensitive("/etc/localtime", true), None);
        assert_eq!(sensitive("/etc/nginx", false), Some("/etc"));
        assert_eq!(sensitive("/srv/data", false), None);
        assert_eq!(sensitive("/var/../etc", true), Some("/etc"));
        assert_eq!(runtime_socket("/var/run/docker.sock"), Some("Docker"));
        assert_eq!(
            runtime_socket("/run/containerd/containerd.sock"),
            Some("containerd")
        );
    }

    #[test]
    fn capability_suggestion() {
        let spec = ContainerSpec {
            ports: vec![Port {
                host: Some(8080),
                container: Some(80),
                pos: Position::default(),
            }],
            command: vec![
                "sh".into(),
                "-c".into(),
                "chown -R app /data && exec su-exec app nginx".into(),
            ],
            cap_add: vec![At::new("NET_ADMIN".into(), Position::default())],
            ..ContainerSpec::default()
        };
        let s = suggest_capabilities(&spec).unwrap();
        let caps: Vec<&str> = s.add.iter().map(|c| c.capability.as_str()).collect();
        assert_eq!(caps, ["NET_BIND_SERVICE", "SETUID", "SETGID", "CHOWN"]);
        assert_eq!(s.unexplained, ["NET_ADMIN"]);
    }
}
