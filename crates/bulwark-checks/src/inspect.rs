//! `docker inspect` output of containers: a JSON array of objects with `Config` and
//! `HostConfig` (a single object is accepted too). JSON is read through the YAML loader so
//! that findings get line and column; `Config` and `HostConfig` values are what the engine
//! applied, so an empty `Config.User` means root and a missing `Config.Healthcheck` means
//! no health check (the image's is merged in already).

use crate::finding::FileKind;
use crate::options::Emitter;
use crate::runtime::{self, At, ContainerSpec, Health, Mount, Port, Setting};
use crate::yaml::{Node, Value};

/// Whether a document is `docker inspect` output of containers.
pub(crate) fn is_inspect(doc: &Node) -> bool {
    match &doc.value {
        Value::Seq(items) => items.first().is_some_and(|i| i.get("HostConfig").is_some()),
        Value::Map(_) => doc.get("HostConfig").is_some(),
        _ => false,
    }
}

pub(crate) fn check(docs: &[Node], em: &mut Emitter<'_>) {
    for doc in docs {
        let items: Vec<&Node> = match &doc.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Map(_) => vec![doc],
            _ => Vec::new(),
        };
        for c in items {
            if c.get("HostConfig").is_some() {
                runtime::check(&container(c), em);
            }
        }
    }
}

fn container(c: &Node) -> ContainerSpec {
    let hc = c.at(&["HostConfig"]);
    let cfg = c.at(&["Config"]);
    let name = c
        .get("Name")
        .and_then(Node::as_str)
        .or_else(|| c.get("Id").and_then(Node::as_str))
        .unwrap_or("?");
    let mut spec = ContainerSpec {
        kind: Some(FileKind::DockerInspect),
        subject: format!("container {name}"),
        pos: c.pos,
        unset_user_is_root: true,
        ..ContainerSpec::default()
    };
    let str_at = |n: &Node, key: &str| {
        n.entry(key).and_then(|(k, v)| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(|s| At::new(s.to_string(), k.pos))
        })
    };
    let bool_at = |n: &Node, key: &str| {
        n.entry(key)
            .and_then(|(k, v)| v.as_bool().map(|b| At::new(b, k.pos)))
    };
    let positive = |n: &Node, key: &str| n.get(key).and_then(Node::as_i64).is_some_and(|v| v > 0);
    spec.image = cfg.get("Image").and_then(|v| {
        v.as_str()
            .filter(|s| !s.starts_with("sha256:"))
            .map(|s| At::new(s.to_string(), v.pos))
    });
    spec.privileged = bool_at(hc, "Privileged");
    spec.cap_add = hc
        .at(&["CapAdd"])
        .strings()
        .into_iter()
        .map(|(s, p)| At::new(s.to_string(), p))
        .collect();
    spec.cap_drop = hc
        .at(&["CapDrop"])
        .strings()
        .into_iter()
        .map(|(s, p)| At::new(s.to_string(), p))
        .collect();
    spec.network_mode = str_at(hc, "NetworkMode");
    spec.pid_mode = str_at(hc, "PidMode");
    spec.ipc_mode = str_at(hc, "IpcMode");
    spec.uts_mode = str_at(hc, "UTSMode");
    spec.userns_mode = str_at(hc, "UsernsMode");
    spec.read_only_rootfs = bool_at(hc, "ReadonlyRootfs");
    spec.user = cfg.entry("User").and_then(|(k, v)| {
        v.as_str()
            .or(v.is_null().then_some(""))
            .map(|s| At::new(s.to_string(), k.pos))
    });
    spec.memory = if positive(hc, "Memory") {
        Setting::Set
    } else {
        Setting::Missing
    };
    spec.cpu = if positive(hc, "NanoCpus") || positive(hc, "CpuQuota") || positive(hc, "CpuShares")
    {
        Setting::Set
    } else {
        Setting::Missing
    };
    spec.pids = if positive(hc, "PidsLimit") {
        Setting::Set
    } else {
        Setting::Missing
    };
    for (opt, p) in hc.at(&["SecurityOpt"]).strings() {
        let o = opt.to_ascii_lowercase().replace(':', "=");
        match o.as_str() {
            "seccomp=unconfined" => spec.seccomp_unconfined = Some(p),
            "apparmor=unconfined" => spec.apparmor_unconfined = Some(p),
            "no-new-privileges" | "no-new-privileges=true" => {
                spec.no_new_privileges = Some(At::new(true, p))
            }
            "no-new-privileges=false" => spec.no_new_privileges = Some(At::new(false, p)),
            _ => {}
        }
    }
    if let Some((k, v)) = c.entry("AppArmorProfile") {
        if v.as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("unconfined"))
        {
            spec.apparmor_unconfined.get_or_insert(k.pos);
        }
    }
    for d in hc.at(&["Devices"]).items() {
        if let Some(path) = d.get("PathOnHost").and_then(Node::as_str) {
            spec.devices.push(At::new(path.to_string(), d.pos));
        }
    }
    // Binds: "src:dst[:opts]"; Mounts (top-level, what is mounted): Type/Source/Destination/RW.
    for b in hc.at(&["Binds"]).items() {
        let Some(s) = b.as_str() else { continue };
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() < 2 || !parts[0].starts_with('/') {
            continue;
        }
        let opts: Vec<&str> = parts
            .get(2)
            .map(|o| o.split(',').collect())
            .unwrap_or_default();
        spec.mounts.push(Mount {
            host_path: Some(parts[0].to_string()),
            target: parts[1].to_string(),
            read_only: opts.contains(&"ro"),
            propagation: opts
                .iter()
                .find(|o| o.ends_with("shared") || o.ends_with("slave"))
                .map(|o| o.to_string()),
            pos: b.pos,
        });
    }
    for m in c
        .at(&["Mounts"])
        .items()
        .iter()
        .chain(hc.at(&["Mounts"]).items())
    {
        if m.get("Type").and_then(Node::as_str) != Some("bind") {
            continue;
        }
        let Some(src) = m.get("Source").and_then(Node::as_str) else {
            continue;
        };
        let target = m
            .get("Destination")
            .or_else(|| m.get("Target"))
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_string();
        if spec
            .mounts
            .iter()
            .any(|x| x.host_path.as_deref() == Some(src) && x.target == target)
        {
            continue; // the same bind as in Binds
        }
        let read_only = m
            .get("RW")
            .and_then(Node::as_bool)
            .map(|rw| !rw)
            .or_else(|| m.get("ReadOnly").and_then(Node::as_bool))
            .unwrap_or(false);
        let propagation = m
            .get("Propagation")
            .or_else(|| m.get("BindOptions").and_then(|b| b.get("Propagation")))
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        spec.mounts.push(Mount {
            host_path: Some(src.to_string()),
            target,
            read_only,
            propagation,
            pos: m.pos,
        });
    }
    for (k, bindings) in hc.at(&["PortBindings"]).entries() {
        let container = k
            .as_str()
            .and_then(|s| s.split('/').next())
            .and_then(|s| s.parse::<u16>().ok());
        for b in bindings.items() {
            let host = b
                .get("HostPort")
                .and_then(Node::as_str)
                .and_then(|s| s.split('-').next()?.parse().ok());
            spec.ports.push(Port {
                host,
                container,
                pos: b.pos,
            });
        }
    }
    for (k, _) in cfg.at(&["ExposedPorts"]).entries() {
        if let Some(p) = k
            .as_str()
            .and_then(|s| s.split('/').next())
            .and_then(|s| s.parse().ok())
        {
            spec.listen_ports.push(p);
        }
    }
    spec.health = match cfg.entry("Healthcheck") {
        None => Health::Missing,
        Some((_, h)) if h.is_null() => Health::Missing,
        Some((k, h)) => {
            if h.at(&["Test"])
                .strings()
                .first()
                .is_some_and(|(s, _)| s.eq_ignore_ascii_case("NONE"))
            {
                Health::Disabled(k.pos)
            } else {
                Health::Set
            }
        }
    };
    let entry = cfg.at(&["Entrypoint"]).strings();
    let cmd = cfg.at(&["Cmd"]).strings();
    spec.command = entry
        .iter()
        .chain(&cmd)
        .map(|(s, _)| s.to_string())
        .collect();
    spec.command_pos = cfg
        .entry("Cmd")
        .or_else(|| cfg.entry("Entrypoint"))
        .map(|(k, _)| k.pos);
    spec
}
