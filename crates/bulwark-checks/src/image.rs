//! The BW-DF checks that make sense on a built image's configuration: USER, HEALTHCHECK,
//! exposed ports, ENV names, the command, and the history's RUN lines. Plain data in, so
//! `bulwark image` can call it with `bulwark_image::ImageConfig` fields without this crate
//! depending on the image crate.

use crate::dockerfile::checks::{
    analyze_script, emit_script_facts, is_root, port_covers, runs_sshd, secret_like,
};
use crate::finding::{Finding, Position};
use crate::options::{CheckOptions, Emitter};
use crate::registry::*;

/// What an image config says, as plain data.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageFacts<'a> {
    /// `Config.User` (`None` or empty: root).
    pub user: Option<&'a str>,
    /// `Config.ExposedPorts` keys (`22/tcp`).
    pub exposed_ports: &'a [String],
    /// Whether `Config.Healthcheck` is set to something other than `NONE`.
    pub healthcheck: bool,
    /// Names from `Config.Env` (`NAME=value` → `NAME`; values are the secret scanner's job).
    pub env_names: &'a [String],
    /// `Config.Entrypoint` followed by `Config.Cmd`.
    pub command: &'a [String],
    /// `history[].created_by`, in order.
    pub history: &'a [String],
    /// Regular files of the final filesystem with the setuid or setgid bit (CIS 4.8 asks
    /// to list and review them).
    pub special_files: &'a [SpecialFile],
}

/// A setuid/setgid file of the image's final filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialFile {
    /// Absolute path.
    pub path: String,
    /// Permission bits, including setuid (0o4000) and setgid (0o2000).
    pub mode: u32,
    /// Owner uid.
    pub uid: u64,
    /// Index of the layer that wrote it (0-based).
    pub layer: usize,
}

/// Runs the image checks. Findings have no line (`0:0`); the subject names the config
/// field (`config.User`, `history[3]`).
pub fn check_image_config(facts: &ImageFacts<'_>, opts: &CheckOptions) -> Vec<Finding> {
    let mut em = Emitter::new(opts);
    let nowhere = Position::default();
    let user = facts.user.unwrap_or("");
    if is_root(user) {
        let shown = if user.is_empty() {
            "not set (root)"
        } else {
            user
        };
        em.emit(
            &DF_ROOT_USER,
            nowhere,
            Some("config.User"),
            format!("the image user is {shown}"),
        );
    }
    if !facts.healthcheck {
        em.emit(
            &DF_NO_HEALTHCHECK,
            nowhere,
            Some("config.Healthcheck"),
            "the image has no health check",
        );
    }
    for p in facts.exposed_ports {
        if port_covers(p, 22) {
            em.emit(
                &DF_EXPOSE_SSH,
                nowhere,
                Some("config.ExposedPorts"),
                format!("exposes {p}"),
            );
        }
    }
    for name in facts.env_names {
        let name = name.split('=').next().unwrap_or(name);
        if secret_like(name) {
            em.emit(
                &DF_SECRET_NAME,
                nowhere,
                Some("config.Env"),
                format!("ENV {name} looks like a secret"),
            );
        }
    }
    if runs_sshd(facts.command) {
        em.emit(
            &DF_SSHD_COMMAND,
            nowhere,
            Some("config.Cmd"),
            format!("the command starts sshd: {}", facts.command.join(" ")),
        );
    }
    for f in facts.special_files {
        let bits = match (f.mode & 0o4000 != 0, f.mode & 0o2000 != 0) {
            (true, true) => "setuid and setgid",
            (true, false) => "setuid",
            (false, true) => "setgid",
            (false, false) => continue,
        };
        em.emit(
            &IMG_SETUID,
            nowhere,
            Some("filesystem"),
            format!(
                "{} is {bits} (mode {:04o}, owner uid {}, layer {})",
                f.path,
                f.mode & 0o7777,
                f.uid,
                f.layer
            ),
        );
    }
    for (n, line) in facts.history.iter().enumerate() {
        if let Some(script) = history_script(line) {
            let subject = format!("history[{n}]");
            emit_script_facts(&mut em, &analyze_script(script), nowhere, Some(&subject));
        }
    }
    em.finish()
}

/// The shell script of a history line, for RUN steps only: classic builder
/// `/bin/sh -c apt-get ...` (`#(nop)` marks non-RUN steps), BuildKit
/// `RUN /bin/sh -c apt-get ... # buildkit`, with `|2 A=1 B=2` build-arg prefixes.
fn history_script(line: &str) -> Option<&str> {
    let mut s = line.trim();
    if let Some(rest) = s.strip_prefix("RUN ") {
        s = rest.trim_start();
    } else if s.contains("#(nop)") || !s.starts_with("/bin/sh -c") && !s.starts_with('|') {
        return None;
    }
    if let Some(rest) = s.strip_prefix('|') {
        // `|N k=v k=v /bin/sh -c ...`
        let n: usize = rest.split_whitespace().next()?.parse().ok()?;
        let mut it = rest.splitn(n + 2, ' ');
        for _ in 0..=n {
            it.next();
        }
        s = it.next().unwrap_or("").trim_start();
    }
    s = s.strip_prefix("/bin/sh -c ").unwrap_or(s);
    s = s.strip_suffix("# buildkit").unwrap_or(s).trim_end();
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lines() {
        assert_eq!(
            history_script("/bin/sh -c apt-get update"),
            Some("apt-get update")
        );
        assert_eq!(history_script("/bin/sh -c #(nop)  CMD [\"sh\"]"), None);
        assert_eq!(
            history_script("RUN /bin/sh -c curl x | sh # buildkit"),
            Some("curl x | sh")
        );
        assert_eq!(history_script("|1 V=2 /bin/sh -c echo $V"), Some("echo $V"));
        assert_eq!(history_script("COPY . . # buildkit"), None);
    }

    #[test]
    fn image_checks() {
        let ports = vec!["22/tcp".to_string(), "80/tcp".to_string()];
        let env = vec!["PATH=/usr/bin".to_string(), "DB_PASSWORD=x".to_string()];
        let history = vec![
            "/bin/sh -c apt-get update".to_string(),
            "RUN /bin/sh -c apt-get install -y openssh-server # buildkit".to_string(),
        ];
        let facts = ImageFacts {
            user: Some("0"),
            exposed_ports: &ports,
            healthcheck: false,
            env_names: &env,
            command: &[],
            history: &history,
            special_files: &[],
        };
        let ids: Vec<String> = check_image_config(&facts, &CheckOptions::default())
            .into_iter()
            .map(|f| f.check_id)
            .collect();
        for id in [
            "BW-DF-001",
            "BW-DF-006",
            "BW-DF-013",
            "BW-DF-010",
            "BW-DF-007",
            "BW-DF-005",
        ] {
            assert!(ids.iter().any(|i| i == id), "{id} in {ids:?}");
        }
        let facts = ImageFacts {
            user: Some("app"),
            healthcheck: true,
            ..ImageFacts::default()
        };
        assert!(check_image_config(&facts, &CheckOptions::default()).is_empty());

        let special = vec![
            SpecialFile {
                path: "/usr/bin/su".into(),
                mode: 0o104755,
                uid: 0,
                layer: 0,
            },
            SpecialFile {
                path: "/usr/bin/wall".into(),
                mode: 0o2755,
                uid: 0,
                layer: 1,
            },
        ];
        let facts = ImageFacts {
            user: Some("app"),
            healthcheck: true,
            special_files: &special,
            ..ImageFacts::default()
        };
        let msgs: Vec<String> = check_image_config(&facts, &CheckOptions::default())
            .into_iter()
            .map(|f| format!("{} {}", f.check_id, f.message))
            .collect();
        assert_eq!(
            msgs,
            vec![
                "BW-DF-015 /usr/bin/su is setuid (mode 4755, owner uid 0, layer 0)",
                "BW-DF-015 /usr/bin/wall is setgid (mode 2755, owner uid 0, layer 1)",
            ]
        );
    }
}
