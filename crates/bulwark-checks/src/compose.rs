//! Compose files (the Compose Specification, which covers the v2 and v3 file formats):
//! each service becomes a [`ContainerSpec`]. Variables are interpolated only through their
//! defaults (`${SOCK:-/var/run/docker.sock}`): the environment of the machine that will run
//! `docker compose up` is not known here.

use crate::dockerfile::shell::{process_word, Vars};
use crate::finding::{FileKind, Position};
use crate::options::Emitter;
use crate::runtime::{self, At, ContainerSpec, Health, Mount, Port, Setting};
use crate::yaml::{Node, Value};

/// Whether a YAML document looks like a compose file.
pub(crate) fn is_compose(doc: &Node) -> bool {
    doc.get("services").is_some_and(Node::is_map)
}

/// Checks every service of every compose document.
pub(crate) fn check(docs: &[Node], em: &mut Emitter<'_>) {
    for doc in docs {
        let Some(services) = doc.get("services") else {
            continue;
        };
        for (name, svc) in services.entries() {
            if !svc.is_map() {
                continue;
            }
            let spec = service(name.as_str().unwrap_or("?"), name.pos, svc);
            runtime::check(&spec, em);
        }
    }
}

fn interpolate(s: &str) -> String {
    if s.contains('$') {
        process_word(s, &Vars::new(), '\\')
    } else {
        s.to_string()
    }
}

fn service(name: &str, pos: Position, svc: &Node) -> ContainerSpec {
    let mut spec = ContainerSpec {
        kind: Some(FileKind::Compose),
        subject: format!("service {name}"),
        pos,
        ..ContainerSpec::default()
    };
    let str_at = |key: &str| {
        svc.entry(key)
            .and_then(|(k, v)| v.as_str().map(|s| At::new(s.to_string(), k.pos)))
    };
    let bool_at = |key: &str| {
        svc.entry(key)
            .and_then(|(k, v)| v.as_bool().map(|b| At::new(b, k.pos)))
    };
    spec.image = svc.entry("image").and_then(|(_, v)| {
        v.as_str()
            .filter(|s| !s.contains('$'))
            .map(|s| At::new(s.to_string(), v.pos))
    });
    spec.privileged = bool_at("privileged");
    spec.cap_add = strings_at(svc.get("cap_add"));
    spec.cap_drop = strings_at(svc.get("cap_drop"));
    spec.network_mode = str_at("network_mode");
    spec.pid_mode = str_at("pid");
    spec.ipc_mode = str_at("ipc");
    spec.uts_mode = str_at("uts");
    spec.userns_mode = str_at("userns_mode");
    spec.read_only_rootfs = bool_at("read_only");
    spec.user = svc
        .entry("user")
        .and_then(|(k, v)| v.as_str().map(|s| At::new(s.to_string(), k.pos)));
    for v in svc.at(&["volumes"]).items() {
        if let Some(m) = volume(v) {
            spec.mounts.push(m);
        }
    }
    for d in svc.at(&["devices"]).items() {
        let text = d
            .as_str()
            .map(str::to_string)
            .or_else(|| d.get("source").and_then(Node::as_str).map(str::to_string));
        if let Some(t) = text {
            spec.devices.push(At::new(t, d.pos));
        }
    }
    for p in svc.at(&["ports"]).items() {
        if let Some(p) = port(p) {
            spec.ports.push(p);
        }
    }
    for e in svc.at(&["expose"]).items() {
        if let Some(p) = e
            .as_str()
            .and_then(|s| first_port(s.split('/').next().unwrap_or("")))
        {
            spec.listen_ports.push(p);
        }
    }
    for (opt, p) in svc.at(&["security_opt"]).strings() {
        let o = opt.to_ascii_lowercase().replace('=', ":");
        match o.as_str() {
            "seccomp:unconfined" => spec.seccomp_unconfined = Some(p),
            "apparmor:unconfined" => spec.apparmor_unconfined = Some(p),
            "no-new-privileges" | "no-new-privileges:true" => {
                spec.no_new_privileges = Some(At::new(true, p))
            }
            "no-new-privileges:false" => spec.no_new_privileges = Some(At::new(false, p)),
            _ => {}
        }
    }
    let limits = svc.at(&["deploy", "resources", "limits"]);
    let set = |present: bool| {
        if present {
            Setting::Set
        } else {
            Setting::Missing
        }
    };
    spec.memory = set(has(svc, "mem_limit") || has(limits, "memory"));
    spec.cpu = set(has(svc, "cpus")
        || has(svc, "cpu_quota")
        || has(svc, "cpu_shares")
        || has(limits, "cpus"));
    spec.pids = set(has(svc, "pids_limit") || has(limits, "pids"));
    spec.health = match svc.entry("healthcheck") {
        None => Health::Unknown,
        Some((k, h)) => {
            let disabled = h.get("disable").and_then(Node::as_bool) == Some(true)
                || h.get("test").is_some_and(|t| {
                    t.strings()
                        .first()
                        .is_some_and(|(s, _)| s.eq_ignore_ascii_case("NONE"))
                });
            if disabled {
                Health::Disabled(k.pos)
            } else {
                Health::Set
            }
        }
    };
    for key in ["entrypoint", "command"] {
        if let Some((k, v)) = svc.entry(key) {
            spec.command_pos.get_or_insert(k.pos);
            match &v.value {
                Value::Seq(_) => spec
                    .command
                    .extend(v.strings().iter().map(|(s, _)| s.to_string())),
                Value::Scalar(s, _) => spec
                    .command
                    .extend(s.split_whitespace().map(str::to_string)),
                _ => {}
            }
        }
    }
    // linuxserver.io-style images read PUID/PGID and switch to that user in their init.
    let env = svc.at(&["environment"]);
    let env_names: Vec<String> = match &env.value {
        Value::Map(entries) => entries
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .collect(),
        Value::Seq(items) => items
            .iter()
            .filter_map(|i| {
                i.as_str()
                    .map(|s| s.split('=').next().unwrap_or("").to_string())
            })
            .collect(),
        _ => Vec::new(),
    };
    if env_names.iter().any(|n| n == "PUID" || n == "PGID") {
        spec.user_switch_hint = Some("PUID/PGID in the environment (the image's init)".to_string());
    }
    spec
}

fn has(node: &Node, key: &str) -> bool {
    node.get(key).is_some_and(|v| !v.is_null())
}

fn strings_at(node: Option<&Node>) -> Vec<At<String>> {
    node.map(|n| {
        n.strings()
            .into_iter()
            .map(|(s, p)| At::new(s.to_string(), p))
            .collect()
    })
    .unwrap_or_default()
}

/// `SRC:DST[:MODE]` or the long syntax.
fn volume(v: &Node) -> Option<Mount> {
    if let Some(s) = v.as_str() {
        let s = interpolate(s);
        let parts: Vec<&str> = s.split(':').collect();
        let (src, dst, mode) = match parts.as_slice() {
            [dst] => (None, *dst, ""),
            [src, dst] => (Some(*src), *dst, ""),
            [src, dst, mode, ..] => (Some(*src), *dst, *mode),
            [] => return None,
        };
        let host = src.filter(|s| is_host_path(s)).map(str::to_string);
        let opts: Vec<&str> = mode.split(',').collect();
        return Some(Mount {
            host_path: host,
            target: dst.to_string(),
            read_only: opts.contains(&"ro"),
            propagation: opts
                .iter()
                .find(|o| {
                    matches!(
                        **o,
                        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
                    )
                })
                .map(|o| o.to_string()),
            pos: v.pos,
        });
    }
    let kind = v.get("type").and_then(Node::as_str).unwrap_or("volume");
    let source = v.get("source").and_then(Node::as_str).map(interpolate);
    let host = match kind {
        "bind" => source,
        _ => None,
    };
    Some(Mount {
        host_path: host,
        target: v
            .get("target")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string(),
        read_only: v.get("read_only").and_then(Node::as_bool).unwrap_or(false),
        propagation: v.at(&["bind", "propagation"]).as_str().map(str::to_string),
        pos: v.pos,
    })
}

fn is_host_path(s: &str) -> bool {
    s.starts_with('/') || s.starts_with('.') || s.starts_with('~')
}

/// `[IP:][HOST:]CONTAINER[/proto]` or `{target, published}`.
fn port(p: &Node) -> Option<Port> {
    if p.is_map() {
        let container = p.get("target").and_then(Node::as_str).and_then(first_port);
        let host = p
            .get("published")
            .and_then(Node::as_str)
            .and_then(first_port);
        return Some(Port {
            host,
            container,
            pos: p.pos,
        });
    }
    let s = interpolate(p.as_str()?);
    let s = s.split('/').next().unwrap_or("");
    // An IPv6 host address is bracketed: [::1]:80:80.
    let s = match s.rfind(']') {
        Some(n) => s[n + 1..].trim_start_matches(':'),
        None => s,
    };
    let parts: Vec<&str> = s.split(':').collect();
    let (host, container) = match parts.as_slice() {
        [c] => (None, first_port(c)),
        [h, c] => (first_port(h), first_port(c)),
        [_, h, c, ..] => (first_port(h), first_port(c)),
        [] => (None, None),
    };
    Some(Port {
        host,
        container,
        pos: p.pos,
    })
}

fn first_port(s: &str) -> Option<u16> {
    s.split('-').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::Limits;
    use crate::yaml::load;

    #[test]
    fn ports_and_volumes() {
        let docs = load("- 80\n- '127.0.0.1:443:8443/tcp'\n- '8000-8010:80'\n- '[::1]:22:22'\n- {target: 80, published: '81'}\n", &Limits::default()).unwrap();
        let got: Vec<(Option<u16>, Option<u16>)> = docs[0]
            .items()
            .iter()
            .map(|p| port(p).map(|p| (p.host, p.container)).unwrap())
            .collect();
        assert_eq!(
            got,
            [
                (None, Some(80)),
                (Some(443), Some(8443)),
                (Some(8000), Some(80)),
                (Some(22), Some(22)),
                (Some(81), Some(80))
            ]
        );
        let docs = load("- data:/data\n- /etc:/host/etc:ro,rshared\n- '${SOCK:-/var/run/docker.sock}:/var/run/docker.sock'\n- {type: bind, source: /, target: /host, read_only: true}\n", &Limits::default()).unwrap();
        let m: Vec<Mount> = docs[0].items().iter().filter_map(volume).collect();
        assert_eq!(m[0].host_path, None);
        assert_eq!(
            (
                m[1].host_path.as_deref(),
                m[1].read_only,
                m[1].propagation.as_deref()
            ),
            (Some("/etc"), true, Some("rshared"))
        );
        assert_eq!(m[2].host_path.as_deref(), Some("/var/run/docker.sock"));
        assert_eq!(
            (m[3].host_path.as_deref(), m[3].read_only),
            (Some("/"), true)
        );
    }
}
