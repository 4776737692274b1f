//! The catalogue: every built-in check, with its stable id, CIS Docker Benchmark v1.6
//! number, default severity, title and remediation, in one list ([`CHECKS`]). Ids never
//! change meaning; a retired check's id is not reused.
//!
//! Scheme: `BW-DF-NNN` checks read a Dockerfile (and, where they make sense, an image
//! config); `BW-RT-NNN` checks read a runtime container config (compose service,
//! Kubernetes pod spec, `docker inspect`). `BW-RT-1NN` are advice (`INFO`).

use serde::Serialize;

use crate::finding::{FileKind, Severity};

/// The definition of one check.
#[derive(Debug, Serialize)]
pub struct CheckDef {
    pub id: &'static str,
    /// CIS Docker Benchmark v1.6.0 recommendation, where one applies.
    pub cis: Option<&'static str>,
    pub severity: Severity,
    pub title: &'static str,
    pub remediation: &'static str,
    /// Which inputs it reads.
    pub applies_to: &'static [FileKind],
}

const DF: &[FileKind] = &[FileKind::Dockerfile];
const DF_IMG: &[FileKind] = &[FileKind::Dockerfile, FileKind::ImageConfig];
const IMG: &[FileKind] = &[FileKind::ImageConfig];
const RT: &[FileKind] = &[
    FileKind::Compose,
    FileKind::Kubernetes,
    FileKind::DockerInspect,
];
const RT_DOCKER: &[FileKind] = &[FileKind::Compose, FileKind::DockerInspect];
const K8S: &[FileKind] = &[FileKind::Kubernetes];

macro_rules! checks {
    ($($name:ident = $id:literal, $cis:expr, $sev:ident, $applies:expr, $title:literal, $fix:literal;)*) => {
        $(
            #[doc = $title]
            pub static $name: CheckDef = CheckDef {
                id: $id,
                cis: $cis,
                severity: Severity::$sev,
                title: $title,
                remediation: $fix,
                applies_to: $applies,
            };
        )*
        /// Every built-in check, in id order.
        pub static CHECKS: &[&CheckDef] = &[$(&$name),*];
    };
}

checks! {
    DF_ROOT_USER = "BW-DF-001", Some("4.1"), High, DF_IMG,
        "Image runs as root",
        "Create an unprivileged user and switch to it with a final `USER name` (or `USER 10001`).";
    DF_UNTRUSTED_BASE = "BW-DF-002", Some("4.2"), Medium, DF,
        "Base image from a registry that is not trusted",
        "Build FROM an official image or a registry on the trusted list (`--trusted-registry`).";
    DF_BASE_LATEST = "BW-DF-003", None, Medium, DF,
        "Base image uses the latest tag or no tag",
        "Pin the base image to a version tag (and a digest): `FROM debian:12.7@sha256:...`.";
    DF_BASE_NO_DIGEST = "BW-DF-004", None, Low, DF,
        "Base image not pinned by digest",
        "Append the digest of the tested image: `FROM image:tag@sha256:...`, and let a bot update it.";
    DF_UNNEEDED_PACKAGE = "BW-DF-005", Some("4.3"), Medium, DF_IMG,
        "Unnecessary package installed (ssh server, sudo, telnet, ...)",
        "Do not install remote-login servers, sudo or clear-text clients in images; use `docker exec` and USER.";
    DF_NO_HEALTHCHECK = "BW-DF-006", Some("4.6"), Low, DF_IMG,
        "No HEALTHCHECK",
        "Add `HEALTHCHECK CMD ...` that probes the service (or set one in the orchestrator).";
    DF_UPDATE_ALONE = "BW-DF-007", Some("4.7"), Medium, DF_IMG,
        "Package index update without install in the same RUN",
        "Combine update and install in one RUN: `apt-get update && apt-get install -y --no-install-recommends ...`.";
    DF_ADD_LOCAL = "BW-DF-008", Some("4.9"), Low, DF,
        "ADD used instead of COPY",
        "Use COPY for local files; ADD only to unpack a local tar archive.";
    DF_ADD_REMOTE = "BW-DF-009", Some("4.9"), Medium, DF,
        "ADD fetches a remote URL without a checksum",
        "Download with `ADD --checksum=sha256:...` or RUN curl with a verified checksum.";
    DF_SECRET_NAME = "BW-DF-010", Some("4.10"), High, DF_IMG,
        "Secret-looking name in ENV or ARG",
        "Pass secrets with `RUN --mount=type=secret` (BuildKit) or at run time, never ENV/ARG: both stay in the image history.";
    DF_CURL_PIPE_SHELL = "BW-DF-011", Some("4.11"), High, DF_IMG,
        "Download piped into a shell",
        "Download to a file, verify its checksum or signature, then run it.";
    DF_INSECURE_FETCH = "BW-DF-012", Some("4.11"), High, DF_IMG,
        "Package or TLS verification disabled",
        "Remove --insecure/-k, --no-check-certificate, --allow-unauthenticated, --nogpgcheck, --allow-untrusted, --trusted-host.";
    DF_EXPOSE_SSH = "BW-DF-013", None, Medium, DF_IMG,
        "Port 22 (SSH) exposed",
        "Do not run SSH in containers; remove `EXPOSE 22`.";
    DF_SSHD_COMMAND = "BW-DF-014", Some("5.6"), Medium, DF_IMG,
        "sshd started as the container command",
        "Run the service itself as the command; use `docker exec` instead of SSH.";
    IMG_SETUID = "BW-DF-015", Some("4.8"), Low, IMG,
        "setuid/setgid file in the image",
        "Remove the setuid/setgid bit (`chmod u-s,g-s FILE` in the last RUN step) from every file that does not need it, or remove the file.";
    DF_PASSWORD_SET = "BW-DF-016", Some("4.10"), High, DF_IMG,
        "Password set in a build step",
        "Do not bake passwords into images: lock the account (`passwd -l`), use key-based access at run time, or inject the secret at run time.";

    RT_PRIVILEGED = "BW-RT-001", Some("5.4"), High, RT,
        "Privileged container",
        "Remove `privileged: true`; grant the few capabilities or devices the container needs.";
    RT_CAP_ADDED = "BW-RT-002", Some("5.3"), Medium, RT,
        "Capability added",
        "Add back only capabilities the process needs, with a reason (see BW-RT-100).";
    RT_CAP_DANGEROUS = "BW-RT-003", Some("5.3"), High, RT,
        "Dangerous capability added (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL, ...)",
        "Remove the capability; these allow escaping or controlling the host.";
    RT_CAP_NOT_DROPPED = "BW-RT-004", Some("5.3"), Low, RT,
        "Capabilities not dropped (no drop ALL)",
        "Drop all capabilities (`cap_drop: [ALL]`, `capabilities: {drop: [ALL]}`, `--cap-drop ALL`) and add back what is needed.";
    RT_SENSITIVE_MOUNT = "BW-RT-005", Some("5.5"), High, RT,
        "Sensitive host directory mounted",
        "Do not mount /, /etc, /proc, /sys, /boot, /dev, /usr, /lib, /var/run, /var/lib/docker from the host; mount narrow paths read-only.";
    RT_SOCKET_MOUNT = "BW-RT-006", Some("5.31"), High, RT,
        "Container runtime socket mounted",
        "Do not mount docker.sock (or containerd/podman/crio sockets): it gives root on the host. Use a restricted proxy.";
    RT_SSHD = "BW-RT-007", Some("5.6"), Medium, RT,
        "sshd runs in the container",
        "Run the service itself; use `docker exec`/`kubectl exec` instead of SSH.";
    RT_PRIVILEGED_PORT = "BW-RT-008", Some("5.7"), Low, RT,
        "Privileged host port (< 1024) mapped",
        "Publish on a host port >= 1024, or put a load balancer in front.";
    RT_HOST_NETWORK = "BW-RT-009", Some("5.9"), High, RT,
        "Host network namespace shared",
        "Remove `network_mode: host` / `hostNetwork: true`; publish ports instead.";
    RT_HOST_PID = "BW-RT-010", Some("5.15"), High, RT,
        "Host PID namespace shared",
        "Remove `pid: host` / `hostPID: true`.";
    RT_HOST_IPC = "BW-RT-011", Some("5.16"), High, RT,
        "Host IPC namespace shared",
        "Remove `ipc: host` / `hostIPC: true`.";
    RT_HOST_UTS = "BW-RT-012", Some("5.20"), Medium, RT_DOCKER,
        "Host UTS namespace shared",
        "Remove `uts: host` / `--uts=host`.";
    RT_HOST_USERNS = "BW-RT-013", Some("5.30"), Medium, RT_DOCKER,
        "Host user namespace shared",
        "Remove `userns_mode: host` / `--userns=host`.";
    RT_HOST_DEVICE = "BW-RT-014", Some("5.17"), Medium, RT_DOCKER,
        "Host device exposed",
        "Do not pass host devices; if one is needed, pass it with the narrowest permissions (`:r`).";
    RT_NO_MEMORY_LIMIT = "BW-RT-015", Some("5.10"), Low, RT,
        "No memory limit",
        "Set `mem_limit` / `deploy.resources.limits.memory` / `resources.limits.memory` / `--memory`.";
    RT_NO_CPU_LIMIT = "BW-RT-016", Some("5.11"), Low, RT,
        "No CPU limit or share",
        "Set `cpus` / `deploy.resources.limits.cpus` / `resources.limits.cpu` / `--cpus`.";
    RT_NO_PIDS_LIMIT = "BW-RT-017", Some("5.28"), Low, RT_DOCKER,
        "No PIDs limit",
        "Set `pids_limit` / `deploy.resources.limits.pids` / `--pids-limit`.";
    RT_WRITABLE_ROOTFS = "BW-RT-018", Some("5.12"), Low, RT,
        "Root filesystem is writable",
        "Set `read_only: true` / `readOnlyRootFilesystem: true` / `--read-only`, with tmpfs or volumes for the paths written.";
    RT_SECCOMP_UNCONFINED = "BW-RT-019", Some("5.21"), Medium, RT,
        "Seccomp disabled (unconfined)",
        "Remove `seccomp=unconfined`; use the runtime default profile (`seccompProfile: {type: RuntimeDefault}`).";
    RT_APPARMOR_UNCONFINED = "BW-RT-020", Some("5.1"), Medium, RT,
        "AppArmor disabled (unconfined)",
        "Remove `apparmor=unconfined`; use the default profile or a custom one.";
    RT_PRIV_ESCALATION = "BW-RT-021", Some("5.25"), Medium, RT,
        "Privilege escalation not blocked",
        "Set `security_opt: [no-new-privileges:true]` / `allowPrivilegeEscalation: false`.";
    RT_ROOT_USER = "BW-RT-022", Some("4.1"), Medium, RT,
        "Container runs as root",
        "Run as a non-root user: `user: \"10001\"`, `runAsNonRoot: true` with `runAsUser`, `--user`.";
    RT_SA_TOKEN = "BW-RT-023", None, Low, K8S,
        "Service account token mounted automatically",
        "Set `automountServiceAccountToken: false` in the pod spec unless the pod calls the Kubernetes API.";
    RT_IMAGE_LATEST = "BW-RT-024", None, Medium, RT,
        "Image uses the latest tag or no tag",
        "Deploy a versioned tag, ideally with a digest: `image: nginx:1.27.2@sha256:...`.";
    RT_IMAGE_NO_DIGEST = "BW-RT-025", None, Low, RT,
        "Image not pinned by digest",
        "Deploy by digest (`image@sha256:...`) so what runs is what was scanned.";
    RT_NO_HEALTHCHECK = "BW-RT-026", Some("5.26"), Low, RT_DOCKER,
        "Health check disabled or missing",
        "Define a healthcheck (compose `healthcheck.test`, `--health-cmd`) or a HEALTHCHECK in the image.";
    RT_SHARED_PROPAGATION = "BW-RT-027", Some("5.19"), Medium, RT,
        "Mount propagation shared with the host",
        "Use the default private propagation; remove `shared`/`rshared`/`Bidirectional`.";
    RT_SECCOMP_UNSET = "BW-RT-028", Some("5.21"), Medium, K8S,
        "Kubernetes seccomp profile not set",
        "Set `securityContext.seccompProfile: {type: RuntimeDefault}` on the pod or container: without one the kubelet runs it Unconfined unless `seccompDefault` is enabled on every node.";
    RT_UNTRUSTED_IMAGE = "BW-RT-029", None, Medium, RT,
        "Container image from a registry that is not trusted",
        "Run images from an official repository or a registry on the trusted list (`--trusted-registry`, `trusted_registries` in .bulwark-checks.yaml).";
    RT_SUGGESTED_CAPS = "BW-RT-100", Some("5.3"), Info, RT,
        "Suggested minimal capability set",
        "Drop ALL and add back only the listed capabilities; each comes with the evidence for it.";
}

/// The definition of a check by id (case-insensitive).
pub fn check(id: &str) -> Option<&'static CheckDef> {
    CHECKS
        .iter()
        .copied()
        .find(|c| c.id.eq_ignore_ascii_case(id.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_sorted_and_well_formed() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted, "ids unique and in order");
        for c in CHECKS {
            let ok = (c.id.starts_with("BW-DF-") || c.id.starts_with("BW-RT-"))
                && c.id.len() == 9
                && c.id[6..].bytes().all(|b| b.is_ascii_digit());
            assert!(ok, "{}", c.id);
            assert!(!c.title.is_empty() && !c.remediation.is_empty());
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(check("bw-df-001").map(|c| c.id), Some("BW-DF-001"));
        assert!(check("BW-XX-001").is_none());
    }
}
