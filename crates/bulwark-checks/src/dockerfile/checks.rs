//! The BW-DF checks on a parsed Dockerfile, and the script analysis they share with the
//! image-config checks (history lines are RUN scripts too).
//!
//! Stages are numbered from 0, as `COPY --from=0` does. USER, HEALTHCHECK, ENV and CMD are
//! inherited through `FROM <earlier stage>`; only the last stage (the image that is shipped)
//! is checked for USER, HEALTHCHECK and the sshd command.

use std::collections::BTreeMap;

use super::parse::{Dockerfile, Instruction, Keyword};
use super::shell::{pairs, pipelines, process_word, split_words, Command, Vars};
use crate::finding::Position;
use crate::image_ref::ImageRef;
use crate::options::Emitter;
use crate::registry::*;

/// What a stage ends up with (inherited by stages built FROM it).
#[derive(Debug, Clone, Default)]
struct StageState {
    vars: Vars,
    user: Option<(String, Position)>,
    /// `(is NONE, position)`.
    healthcheck: Option<(bool, Position)>,
    entrypoint: Vec<String>,
    cmd: Vec<String>,
    /// The external base image (through internal stages).
    base: Option<String>,
}

/// Runs every Dockerfile check.
pub(crate) fn check(df: &Dockerfile, em: &mut Emitter<'_>) {
    let esc = df.escape;
    let mut globals = Vars::new();
    for ins in df.global_args() {
        for (name, value) in pairs(&ins.args, &globals, esc) {
            secret_name(em, &name, ins, "ARG", None);
            globals.insert(name, value.unwrap_or_default());
        }
    }
    let stages = df.stages();
    let mut done: Vec<(Option<String>, StageState)> = Vec::new();
    for stage in &stages {
        let subject = match &stage.alias {
            Some(a) => format!("stage {} ({a})", stage.index),
            None => format!("stage {}", stage.index),
        };
        let subject = Some(subject.as_str());
        let image = process_word(&stage.image, &globals, esc);
        let parent = done.iter().rev().find(|(alias, _)| {
            alias
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&image))
        });
        let mut state = match parent {
            Some((_, s)) => s.clone(),
            None => {
                base_image_checks(em, &stage.image, &image, stage.from.position, subject);
                StageState {
                    base: Some(image.clone()),
                    ..StageState::default()
                }
            }
        };
        for ins in stage.body {
            instruction(em, ins, &mut state, &globals, esc, subject);
        }
        done.push((stage.alias.clone(), state));
    }

    // The shipped image is the last stage.
    let (Some(last), Some((_, state))) = (stages.last(), done.last()) else {
        return;
    };
    let subject = Some(match &last.alias {
        Some(a) => format!("stage {} ({a})", last.index),
        None => format!("stage {}", last.index),
    });
    let subject = subject.as_deref();
    let base = state.base.clone().unwrap_or_default();
    let scratch = base.eq_ignore_ascii_case("scratch");
    match &state.user {
        Some((user, pos)) if is_root(user) => {
            em.emit(
                &DF_ROOT_USER,
                *pos,
                subject,
                format!("the last USER is {user:?}: the container runs as root"),
            );
        }
        Some(_) => {}
        None if base.contains("nonroot") || scratch => {} // distroless :nonroot; scratch has no users at all
        None => {
            em.emit(
                &DF_ROOT_USER,
                last.from.position,
                subject,
                format!("no USER instruction in the final stage: it runs as the base image's user ({base}), root unless that image sets one"),
            );
        }
    }
    match &state.healthcheck {
        Some((true, pos)) => {
            em.emit(
                &DF_NO_HEALTHCHECK,
                *pos,
                subject,
                "HEALTHCHECK NONE disables the base image's health check",
            );
        }
        Some(_) => {}
        None => {
            em.emit(
                &DF_NO_HEALTHCHECK,
                last.from.position,
                subject,
                "the final stage has no HEALTHCHECK instruction",
            );
        }
    }
    let command: Vec<String> = state.entrypoint.iter().chain(&state.cmd).cloned().collect();
    if runs_sshd(&command) {
        let pos = stage_command_position(last.body).unwrap_or(last.from.position);
        em.emit(
            &DF_SSHD_COMMAND,
            pos,
            subject,
            format!("the container command starts sshd: {}", command.join(" ")),
        );
    }
}

fn stage_command_position(body: &[Instruction]) -> Option<Position> {
    body.iter()
        .rev()
        .find(|i| matches!(i.keyword, Keyword::Cmd | Keyword::Entrypoint))
        .map(|i| i.position)
}

fn instruction(
    em: &mut Emitter<'_>,
    ins: &Instruction,
    state: &mut StageState,
    globals: &Vars,
    esc: char,
    subject: Option<&str>,
) {
    let pos = ins.position;
    match ins.keyword {
        Keyword::Arg => {
            for (name, value) in pairs(&ins.args, &state.vars, esc) {
                secret_name(em, &name, ins, "ARG", subject);
                let value = value
                    .or_else(|| globals.get(&name).cloned())
                    .unwrap_or_default();
                state.vars.insert(name, value);
            }
        }
        Keyword::Env => {
            for (name, value) in pairs(&ins.args, &state.vars, esc) {
                secret_name(em, &name, ins, "ENV", subject);
                let value = value.unwrap_or_default();
                if let Some(what) = insecure_env(&name, &value) {
                    em.emit(&DF_INSECURE_FETCH, pos, subject, format!("ENV {what}"));
                }
                state.vars.insert(name, value);
            }
        }
        Keyword::User => {
            state.user = Some((process_word(&ins.args, &state.vars, esc), pos));
        }
        Keyword::Healthcheck => {
            let none = ins.args.trim().eq_ignore_ascii_case("none");
            state.healthcheck = Some((none, pos));
        }
        Keyword::Expose => {
            for w in split_words(&ins.args, esc) {
                let port = process_word(&w, &state.vars, esc);
                if port_covers(&port, 22) {
                    em.emit(&DF_EXPOSE_SSH, pos, subject, format!("EXPOSE {port}"));
                }
            }
        }
        Keyword::Cmd | Keyword::Entrypoint => {
            let words = match &ins.exec {
                Some(v) => v.clone(),
                None => split_words(&ins.args, esc)
                    .iter()
                    .map(|w| process_word(w, &state.vars, esc))
                    .collect(),
            };
            if ins.keyword == Keyword::Cmd {
                state.cmd = words;
            } else {
                state.entrypoint = words;
                state.cmd.clear(); // ENTRYPOINT resets an inherited CMD
            }
        }
        Keyword::Run => {
            let script = run_script(ins);
            let facts = analyze_script(&script);
            emit_script_facts(em, &facts, pos, subject);
        }
        Keyword::Add => add_checks(em, ins, &state.vars, esc, subject),
        _ => {}
    }
}

fn base_image_checks(
    em: &mut Emitter<'_>,
    written: &str,
    image: &str,
    pos: Position,
    subject: Option<&str>,
) {
    if image.eq_ignore_ascii_case("scratch") {
        return;
    }
    let Some(r) = ImageRef::parse(image) else {
        return; // an unresolvable ${VAR}: nothing to say about an image we cannot name
    };
    let shown = if written == image {
        image.to_string()
    } else {
        format!("{written} (= {image})")
    };
    if r.is_latest() {
        let what = if r.tag.is_some() {
            "the latest tag"
        } else {
            "no tag (latest)"
        };
        em.emit(
            &DF_BASE_LATEST,
            pos,
            subject,
            format!("FROM {shown} uses {what}"),
        );
    } else if r.digest.is_none() {
        em.emit(
            &DF_BASE_NO_DIGEST,
            pos,
            subject,
            format!("FROM {shown} has no @sha256 digest"),
        );
    }
    let trusted = &em.options().trusted_registries;
    if !trusted.iter().any(|t| r.is_under(t)) {
        let name = r.full_name();
        em.emit(
            &DF_UNTRUSTED_BASE,
            pos,
            subject,
            format!("{name} is not under a trusted registry or repository"),
        );
    }
}

fn add_checks(
    em: &mut Emitter<'_>,
    ins: &Instruction,
    vars: &Vars,
    esc: char,
    subject: Option<&str>,
) {
    let words: Vec<String> = match &ins.exec {
        Some(v) => v.clone(),
        None => split_words(&ins.args, esc)
            .iter()
            .map(|w| process_word(w, vars, esc))
            .collect(),
    };
    // The last word is the destination; heredoc markers are sources too.
    let sources = &words[..words.len().saturating_sub(1)];
    let checksum = ins.flag("checksum").is_some();
    for src in sources {
        let lower = src.to_ascii_lowercase();
        if lower.starts_with("http://")
            || lower.starts_with("https://")
            || lower.starts_with("git@")
        {
            if !checksum {
                em.emit(
                    &DF_ADD_REMOTE,
                    ins.position,
                    subject,
                    format!("ADD {src} downloads without --checksum"),
                );
            }
        } else if !is_archive(&lower) {
            em.emit(
                &DF_ADD_LOCAL,
                ins.position,
                subject,
                format!("ADD {src}: use COPY for files that are not tar archives"),
            );
        }
    }
}

fn is_archive(name: &str) -> bool {
    [
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst",
        ".tzst",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

fn secret_name(
    em: &mut Emitter<'_>,
    name: &str,
    ins: &Instruction,
    what: &str,
    subject: Option<&str>,
) {
    if secret_like(name) {
        em.emit(
            &DF_SECRET_NAME,
            ins.position,
            subject,
            format!("{what} {name} looks like a secret: its value is stored in the image"),
        );
    }
}

/// A name that suggests a credential: PASSWORD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ...
/// Names ending in `_FILE`, `_PATH`, `_DIR` (pointers to secrets) and the like are not.
pub(crate) fn secret_like(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let tokens: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let Some(last) = tokens.last() else {
        return false;
    };
    if matches!(
        *last,
        "FILE"
            | "PATH"
            | "DIR"
            | "NAME"
            | "LENGTH"
            | "LEN"
            | "TTL"
            | "TIMEOUT"
            | "EXPIRY"
            | "EXPIRES"
            | "HEADER"
            | "TYPE"
            | "FORMAT"
            | "ENABLED"
            | "REQUIRED"
            | "MIN"
            | "MAX"
            | "ID"
            | "URL"
            | "HOST"
            | "PORT"
            | "USER"
            | "USERNAME"
            | "ALGORITHM"
            | "SIZE"
    ) {
        return false;
    }
    let single = tokens.iter().any(|t| {
        matches!(
            *t,
            "PASSWORD"
                | "PASSWD"
                | "PASS"
                | "SECRET"
                | "SECRETS"
                | "TOKEN"
                | "APIKEY"
                | "CREDENTIALS"
                | "CREDENTIAL"
                | "PRIVATEKEY"
                | "ACCESSKEY"
                | "SECRETKEY"
        )
    });
    let pair = tokens.windows(2).any(|w| {
        w[1] == "KEY"
            && matches!(
                w[0],
                "API"
                    | "ACCESS"
                    | "PRIVATE"
                    | "SECRET"
                    | "AUTH"
                    | "ENCRYPTION"
                    | "SIGNING"
                    | "MASTER"
            )
    });
    single || pair
}

fn insecure_env(name: &str, value: &str) -> Option<String> {
    let v = value.trim().to_ascii_lowercase();
    match name {
        "GIT_SSL_NO_VERIFY" if !v.is_empty() && v != "0" && v != "false" => {
            Some(format!("{name}={value}"))
        }
        "NODE_TLS_REJECT_UNAUTHORIZED" if v == "0" => Some(format!("{name}={value}")),
        "PYTHONHTTPSVERIFY" if v == "0" => Some(format!("{name}={value}")),
        "PIP_TRUSTED_HOST" if !v.is_empty() => Some(format!("{name}={value}")),
        _ => None,
    }
}

/// The shell script a RUN runs: the shell form, the `-c` argument of an exec-form shell, and
/// heredoc bodies fed to the default shell (`RUN <<EOF`) or to a named one (`RUN bash <<EOF`).
pub(crate) fn run_script(ins: &Instruction) -> String {
    if let Some(words) = &ins.exec {
        let is_shell = words
            .first()
            .is_some_and(|w| is_shell(w.rsplit('/').next().unwrap_or(w)));
        if is_shell {
            if let Some(n) = words.iter().position(|w| w == "-c") {
                return words.get(n + 1).cloned().unwrap_or_default();
            }
        }
        return words.join(" ");
    }
    let mut script = ins.args.clone();
    if !ins.heredocs.is_empty() {
        let rest: Vec<&str> = ins
            .args
            .split_whitespace()
            .filter(|w| !w.contains("<<"))
            .collect();
        let feeds_shell = rest
            .first()
            .is_none_or(|w| is_shell(w.rsplit('/').next().unwrap_or(w)));
        if feeds_shell {
            for h in &ins.heredocs {
                script.push('\n');
                script.push_str(&h.body);
            }
        }
    }
    script
}

fn is_shell(program: &str) -> bool {
    matches!(
        program,
        "sh" | "bash" | "zsh" | "ash" | "dash" | "ksh" | "busybox"
    )
}

/// What a script does that the checks care about.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ScriptFacts {
    /// Unnecessary packages installed, with the installing command.
    pub unneeded: Vec<(String, String)>,
    /// `apt-get update` (or `apk update`) without an install in the same script.
    pub update_alone: Option<String>,
    /// A download piped into a shell.
    pub pipe_to_shell: Vec<String>,
    /// Verification switched off.
    pub insecure: Vec<String>,
    /// The script switches user (gosu, su-exec, su, sudo, setpriv, runuser, chroot --userspec).
    pub switches_user: Option<String>,
    /// The script changes ownership (chown).
    pub chowns: bool,
    /// Passwords set from literals: (command, account). Never the password itself.
    pub passwords: Vec<(String, String)>,
}

const UNNEEDED: &[&str] = &[
    "openssh-server",
    "openssh",
    "ssh",
    "dropbear",
    "sudo",
    "telnet",
    "telnetd",
    "inetutils-telnet",
    "inetutils-telnetd",
    "rsh-server",
    "rsh-redone-server",
    "vsftpd",
    "ftpd",
    "tftpd",
    "tftpd-hpa",
    "tftp-server",
    "xinetd",
];

pub(crate) fn analyze_script(script: &str) -> ScriptFacts {
    let mut facts = ScriptFacts::default();
    let mut updates: Option<String> = None;
    let mut installs = false;
    for pipeline in pipelines(script) {
        facts.passwords.extend(password_settings(&pipeline));
        let mut downloaded = None;
        for cmd in &pipeline {
            let Some((prog, args)) = cmd.program() else {
                continue;
            };
            if matches!(prog, "curl" | "wget" | "fetch") && downloaded.is_none() {
                downloaded = Some(prog.to_string());
            } else if is_shell(prog) {
                if let Some(d) = &downloaded {
                    facts.pipe_to_shell.push(format!("{d} ... | {prog}"));
                }
                if let Some(sub) = args.iter().find(|a| {
                    ["$(curl", "$(wget", "<(curl", "<(wget", "`curl", "`wget"]
                        .iter()
                        .any(|p| a.starts_with(p))
                }) {
                    facts.pipe_to_shell.push(format!("{prog} {sub}"));
                }
            }
            if let Some((sub, pkgs)) = package_command(prog, args) {
                match sub {
                    PkgOp::Update => updates = updates.or(Some(format!("{prog} update"))),
                    PkgOp::Install => {
                        installs = true;
                        for p in pkgs {
                            if UNNEEDED.contains(&p.as_str()) {
                                facts.unneeded.push((p, prog.to_string()));
                            }
                        }
                    }
                }
            }
            facts.insecure.extend(insecure_args(prog, args));
            for w in &cmd.words {
                if let Some((n, v)) = w.split_once('=') {
                    if let Some(what) = insecure_env(n, v) {
                        facts.insecure.push(what);
                    }
                }
            }
            if matches!(
                prog,
                "gosu" | "su-exec" | "su" | "sudo" | "setpriv" | "runuser" | "chpst" | "setuidgid"
            ) || (prog == "chroot" && args.iter().any(|a| a.starts_with("--userspec")))
            {
                facts.switches_user.get_or_insert_with(|| prog.to_string());
            }
            if cmd.words.iter().any(|w| w == "sudo") {
                facts
                    .switches_user
                    .get_or_insert_with(|| "sudo".to_string());
            }
            if prog == "chown" {
                facts.chowns = true;
            }
        }
    }
    if !installs {
        facts.update_alone = updates;
    }
    facts
}

/// Accounts given a password from a literal in this pipeline: `echo 'root:x' | chpasswd`,
/// `echo x | passwd --stdin root`, `usermod -p HASH user`, `useradd -p HASH user`.
fn password_settings(pipeline: &[Command]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut fed: Option<&[String]> = None;
    for cmd in pipeline {
        let Some((prog, args)) = cmd.program() else {
            continue;
        };
        match prog {
            "echo" | "printf" => fed = Some(args),
            "chpasswd" => {
                let literal = fed.into_iter().flatten().find_map(|a| {
                    let (user, pass) = a.split_once(':')?;
                    (!user.is_empty() && !pass.is_empty() && !pass.starts_with('$'))
                        .then(|| user.to_string())
                });
                if let Some(user) = literal {
                    out.push(("chpasswd".to_string(), user));
                }
            }
            "passwd" if fed.is_some() && args.iter().any(|a| a == "--stdin") => {
                let user = args.iter().rfind(|a| !a.starts_with('-'));
                out.push((
                    "passwd --stdin".to_string(),
                    user.cloned().unwrap_or_else(|| "root".to_string()),
                ));
            }
            "usermod" | "useradd" => {
                let given = args
                    .iter()
                    .position(|a| a == "-p" || a == "--password")
                    .and_then(|i| args.get(i + 1))
                    .is_some_and(|v| !v.is_empty() && !v.starts_with('$') && v != "*" && v != "!");
                if given {
                    let user = args.last().cloned().unwrap_or_default();
                    out.push((format!("{prog} -p"), user));
                }
            }
            _ => {}
        }
    }
    out
}

enum PkgOp {
    Update,
    Install,
}

/// `apt-get install a b`, `apk add --no-cache a`, `dnf install -y a`, ... → operation and
/// package names (versions and architectures stripped).
fn package_command(prog: &str, args: &[String]) -> Option<(PkgOp, Vec<String>)> {
    let value_flags: &[&str] = match prog {
        "apt-get" | "apt" | "aptitude" => &["-o", "-t", "-c", "--option", "--target-release"],
        "apk" => &["-t", "--virtual", "-X", "--repository", "--root", "-p"],
        "yum" | "dnf" | "microdnf" | "tdnf" => &[
            "--enablerepo",
            "--disablerepo",
            "--setopt",
            "--installroot",
            "--releasever",
        ],
        "zypper" => &["-r", "--repo"],
        _ => return None,
    };
    let mut positional = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            skip = value_flags.contains(&a.as_str());
            continue;
        }
        positional.push(a.as_str());
    }
    let (sub, rest) = positional.split_first()?;
    let op = match (prog, *sub) {
        ("apt-get" | "apt" | "aptitude", "update") | ("apk", "update") => PkgOp::Update,
        (
            "apt-get" | "apt" | "aptitude",
            "install" | "upgrade" | "dist-upgrade" | "full-upgrade",
        )
        | ("apk", "add" | "upgrade")
        | ("yum" | "dnf" | "microdnf" | "tdnf", "install")
        | ("zypper", "install" | "in") => PkgOp::Install,
        _ => return None,
    };
    let pkgs = rest
        .iter()
        .map(|p| {
            let end = p.find(['=', '~', '>', '<', ':']).unwrap_or(p.len());
            p[..end].to_ascii_lowercase()
        })
        .collect();
    Some((op, pkgs))
}

/// Flags that switch off TLS or signature verification.
fn insecure_args(prog: &str, args: &[String]) -> Vec<String> {
    let has = |f: &str| args.iter().any(|a| a == f);
    let mut out = Vec::new();
    let mut flag = |f: &str| out.push(format!("{prog} {f}"));
    match prog {
        "curl" => {
            if has("--insecure") {
                flag("--insecure");
            } else if args.iter().any(|a| {
                a.len() > 1
                    && a.starts_with('-')
                    && !a.starts_with("--")
                    && a[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && a.contains('k')
            }) {
                flag("-k");
            }
        }
        "wget" if has("--no-check-certificate") => flag("--no-check-certificate"),
        "apt-get" | "apt" | "aptitude" => {
            for f in [
                "--allow-unauthenticated",
                "--allow-insecure-repositories",
                "--force-yes",
            ] {
                if has(f) {
                    flag(f);
                }
            }
        }
        "yum" | "dnf" | "microdnf" | "tdnf" if has("--nogpgcheck") => flag("--nogpgcheck"),
        "zypper" if has("--no-gpg-checks") => flag("--no-gpg-checks"),
        "rpm" if has("--nosignature") => flag("--nosignature"),
        "apk" if has("--allow-untrusted") => flag("--allow-untrusted"),
        "pip" | "pip3" | "python" | "python3" if has("--trusted-host") => flag("--trusted-host"),
        "npm" | "yarn" | "pnpm"
            if args
                .windows(2)
                .any(|w| w[0] == "strict-ssl" && w[1] == "false")
                || args.iter().any(|a| a == "--strict-ssl=false") =>
        {
            flag("strict-ssl false")
        }
        "git"
            if args
                .iter()
                .any(|a| a.eq_ignore_ascii_case("http.sslverify=false")) =>
        {
            flag("-c http.sslVerify=false")
        }
        _ => {}
    }
    out
}

pub(crate) fn emit_script_facts(
    em: &mut Emitter<'_>,
    facts: &ScriptFacts,
    pos: Position,
    subject: Option<&str>,
) {
    let mut seen = BTreeMap::new();
    for (pkg, cmd) in &facts.unneeded {
        if seen.insert(pkg.clone(), ()).is_none() {
            em.emit(
                &DF_UNNEEDED_PACKAGE,
                pos,
                subject,
                format!("{cmd} installs {pkg}"),
            );
        }
    }
    if let Some(u) = &facts.update_alone {
        em.emit(
            &DF_UPDATE_ALONE,
            pos,
            subject,
            format!("{u} without an install in the same RUN leaves a stale cache layer"),
        );
    }
    for p in &facts.pipe_to_shell {
        em.emit(
            &DF_CURL_PIPE_SHELL,
            pos,
            subject,
            format!("{p} runs unverified downloaded code"),
        );
    }
    for i in &facts.insecure {
        em.emit(
            &DF_INSECURE_FETCH,
            pos,
            subject,
            format!("{i} disables verification"),
        );
    }
    for (cmd, user) in &facts.passwords {
        em.emit(
            &DF_PASSWORD_SET,
            pos,
            subject,
            format!("{cmd} sets a password for {user} from a literal in the build step"),
        );
    }
}

/// Root by name or id (`root`, `0`, `root:root`, `0:0`, empty).
pub(crate) fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name.is_empty() || name == "root" || name == "0"
}

/// Whether a port spec (`22`, `22/tcp`, `20-25`) covers `port`.
pub(crate) fn port_covers(spec: &str, port: u16) -> bool {
    let p = spec.split('/').next().unwrap_or("");
    match p.split_once('-') {
        Some((a, b)) => match (a.parse::<u16>(), b.parse::<u16>()) {
            (Ok(a), Ok(b)) => a <= port && port <= b,
            _ => false,
        },
        None => p.parse::<u16>() == Ok(port),
    }
}

/// The script an exec-form command runs: the `-c` argument of a shell (`sh -c "..."`),
/// else the words joined.
pub(crate) fn command_script(words: &[String]) -> String {
    let shell = words
        .first()
        .is_some_and(|w| is_shell(w.rsplit('/').next().unwrap_or(w)));
    if shell {
        if let Some(n) = words
            .iter()
            .position(|w| w == "-c" || w == "-ec" || w == "-xc")
        {
            if let Some(script) = words.get(n + 1) {
                return script.clone();
            }
        }
    }
    words.join(" ")
}

/// Whether a command (entrypoint + cmd words) starts sshd.
pub(crate) fn runs_sshd(words: &[String]) -> bool {
    words.iter().any(|w| w.rsplit('/').next() == Some("sshd"))
        || pipelines(&command_script(words))
            .iter()
            .flatten()
            .any(|c: &Command| {
                c.program().is_some_and(|(p, a)| {
                    p == "sshd"
                        || (p == "service" && a.first().is_some_and(|s| s == "ssh" || s == "sshd"))
                })
            })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "apiKey",
            "API_KEY",
            "STRIPE_SECRET",
            "NPM_AUTH_TOKEN",
            "PRIVATE_KEY",
        ] {
            assert!(secret_like(n), "{n}");
        }
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "PWD",
            "GPG_KEY",
            "TOKEN_URL",
            "PASSENGER_APP_ENV",
            "KEYCLOAK_VERSION",
            "PATH",
            "AWS_ACCESS_KEY_ID",
        ] {
            assert!(!secret_like(n), "{n}");
        }
    }

    #[test]
    fn passwords_from_literals() {
        let users = |script: &str| -> Vec<(String, String)> { analyze_script(script).passwords };
        assert_eq!(
            users("mkdir /run/sshd && echo 'root:changeme' | chpasswd"),
            [("chpasswd".to_string(), "root".to_string())]
        );
        assert_eq!(
            users("printf 'app:s3cret' | chpasswd && true"),
            [("chpasswd".to_string(), "app".to_string())]
        );
        assert_eq!(
            users("echo hunter2 | passwd --stdin deploy"),
            [("passwd --stdin".to_string(), "deploy".to_string())]
        );
        assert_eq!(
            users("useradd -m -p 'hashed' builder"),
            [("useradd -p".to_string(), "builder".to_string())]
        );
        // From a variable or a secret mount: not a literal; locking is fine.
        assert!(users("echo \"root:$ROOT_PW\" | chpasswd").is_empty());
        assert!(users("chpasswd < /run/secrets/pw").is_empty());
        assert!(users("passwd -l root && usermod -p '!' root").is_empty());
        assert!(users("echo done").is_empty());
    }

    #[test]
    fn scripts() {
        let f = analyze_script("apt-get update && apt-get install -y --no-install-recommends openssh-server=1:9 sudo curl");
        assert_eq!(
            f.unneeded.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(),
            ["openssh-server", "sudo"]
        );
        assert!(f.update_alone.is_none());
        assert_eq!(
            analyze_script("apt-get update").update_alone.as_deref(),
            Some("apt-get update")
        );
        assert!(
            analyze_script("apk update && apk add --no-cache --virtual .deps gcc")
                .update_alone
                .is_none()
        );
        assert!(analyze_script("apk add --virtual sudo gcc")
            .unneeded
            .is_empty());
        assert_eq!(
            analyze_script("curl -fsSL https://x.sh | sudo -E bash -")
                .pipe_to_shell
                .len(),
            1
        );
        assert_eq!(
            analyze_script("wget -qO- https://x | tar xz")
                .pipe_to_shell
                .len(),
            0
        );
        assert_eq!(
            analyze_script("sh -c \"$(curl -fsSL https://x)\"")
                .pipe_to_shell
                .len(),
            1
        );
        assert_eq!(
            analyze_script("curl -fsSLk https://x -o /tmp/x").insecure,
            ["curl -k"]
        );
        assert!(analyze_script("curl -fsSL https://x -o /tmp/k")
            .insecure
            .is_empty());
        assert_eq!(
            analyze_script("apt-get install -y --allow-unauthenticated x")
                .insecure
                .len(),
            1
        );
        assert_eq!(
            analyze_script("pip install --trusted-host pypi.org x")
                .insecure
                .len(),
            1
        );
        assert_eq!(
            analyze_script("GIT_SSL_NO_VERIFY=1 git clone x")
                .insecure
                .len(),
            1
        );
        assert_eq!(
            analyze_script("exec gosu app \"$@\"")
                .switches_user
                .as_deref(),
            Some("gosu")
        );
    }

    #[test]
    fn helpers() {
        assert!(is_root("root:root") && is_root("0") && !is_root("1000:0") && !is_root("app"));
        assert!(port_covers("22/tcp", 22) && port_covers("20-30", 22) && !port_covers("2222", 22));
        assert!(runs_sshd(&["/usr/sbin/sshd".into(), "-D".into()]));
        assert!(runs_sshd(&[
            "sh".into(),
            "-c".into(),
            "service ssh start && nginx".into()
        ]));
        assert!(!runs_sshd(&["nginx".into()]));
    }
}
