//! From the image config to the programs that run: `ENTRYPOINT` + `CMD` as Docker combines
//! them, `argv[0]` looked up on the config's `PATH`, `#!` scripts handed to their
//! interpreter (as the kernel does), exec wrappers (`env`, `tini`, `gosu`, ...) followed to
//! the program they start, and `sh -c "..."` followed to its command when that is one plain
//! command. Interpreters are recognised by name: Python goes to [`crate::python`], other
//! interpreters leave the analysis incomplete.

use bulwark_image::RuntimeConfig;

use crate::loader::Loader;
use crate::{file_name, python, Context, State};

/// Most nested program starts followed (`#!` scripts, wrappers, `sh -c`); Linux allows 4
/// levels of `#!` interpreters.
const MAX_DEPTH: usize = 8;

/// The command the runtime starts: `ENTRYPOINT` followed by `CMD`.
pub(crate) fn command(config: &RuntimeConfig) -> Vec<String> {
    let mut argv = config.entrypoint.clone().unwrap_or_default();
    argv.extend(config.cmd.iter().flatten().cloned());
    argv
}

/// Follows `argv` and everything it loads into `state`.
pub(crate) fn run(cx: &Context<'_>, argv: &[String], state: &mut State) {
    if argv.is_empty() {
        state.gap("no ENTRYPOINT or CMD".to_string());
        return;
    }
    let mut loader = Loader::new(cx);
    start(cx, &mut loader, argv, &[], 0, state);
}

/// What kind of interpreter a program is, by name.
#[derive(Debug, PartialEq, Eq)]
enum Interpreter {
    Python,
    Shell,
    /// Another interpreter or virtual machine, by name.
    Other(String),
}

/// Shells: they run commands the analysis can only follow for `-c` with a plain command.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "rbash"];

/// Interpreters and runtimes other than Python and shells (also with a version suffix:
/// `perl5.36.0`, `ruby3.1`, `php8.2`).
const OTHER_INTERPRETERS: &[&str] = &[
    "node", "nodejs", "deno", "bun", "ruby", "irb", "jruby", "perl", "php", "php-fpm", "php-cgi",
    "java", "lua", "luajit", "Rscript", "R", "tclsh", "wish", "pwsh", "erl", "beam.smp", "elixir",
    "dotnet", "mono", "pypy", "pypy3", "guile", "racket", "julia", "awk", "gawk", "mawk",
];

/// The interpreter `name` (a file name) is, if any.
fn interpreter(name: &str) -> Option<Interpreter> {
    let versioned = |base: &str| {
        name.strip_prefix(base).is_some_and(|rest| {
            rest.is_empty()
                || (rest.starts_with(|c: char| c.is_ascii_digit())
                    && rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
        })
    };
    if versioned("python") {
        return Some(Interpreter::Python);
    }
    if SHELLS.contains(&name) {
        return Some(Interpreter::Shell);
    }
    OTHER_INTERPRETERS
        .iter()
        .find(|base| versioned(base))
        .map(|base| Interpreter::Other(base.to_string()))
}

/// Service supervisors and init systems: they start programs named in configuration the
/// analysis does not read, so what loads is not known.
const SUPERVISORS: &[&str] = &[
    "init",
    "systemd",
    "s6-svscan",
    "s6-supervise",
    "runsvdir",
    "runsv",
    "svscan",
    "supervise",
    "openrc-init",
    "dinit",
    "monit",
    "circusd",
    "supervisord",
    "pm2",
    "pm2-runtime",
    "forego",
    "honcho",
    "overmind",
    "crond",
    "cron",
];

/// Programs that start the program named in their arguments: how many arguments to skip
/// (besides options) before it.
fn wrapper(name: &str) -> Option<usize> {
    match name {
        "env" | "tini" | "tini-static" | "dumb-init" | "nohup" | "setsid" => Some(0),
        "gosu" | "su-exec" => Some(1),
        _ => None,
    }
}

/// Starts `argv`, reached through `prefix` (the chain up to it).
fn start(
    cx: &Context<'_>,
    loader: &mut Loader<'_>,
    argv: &[String],
    prefix: &[String],
    depth: usize,
    state: &mut State,
) {
    if depth > MAX_DEPTH {
        state.gap("too many nested program starts to follow".to_string());
        return;
    }
    let Some(name) = argv.first() else {
        state.gap("empty command".to_string());
        return;
    };
    let Some((invoked, real)) = find_program(cx, name) else {
        state.gap(format!("entrypoint `{name}` not found in the image"));
        state.note(format!(
            "`{name}` is not an executable file in the image (PATH {})",
            cx.path_dirs().join(":")
        ));
        return;
    };
    let shown = format!("/{real}");
    let mut chain = prefix.to_vec();
    chain.push(shown.clone());
    let content = cx.content_path(&real);
    if cx.code.elf.contains_key(content) {
        state.programs.push(shown);
        loader.load_program(&real, chain.clone(), state);
        let kind = interpreter(file_name(name)).or_else(|| interpreter(file_name(&real)));
        if kind.is_none() && file_name(name) == "busybox" {
            state.gap("busybox: the applet it runs is not followed".to_string());
            return;
        }
        match kind {
            Some(Interpreter::Python) => {
                python::run(cx, loader, &invoked, &real, &argv[1..], &chain, state)
            }
            Some(Interpreter::Shell) => shell(cx, loader, &argv[1..], &chain, depth, state),
            Some(Interpreter::Other(n)) => state.gap(format!(
                "interpreted entrypoint ({n}): what it runs is not followed"
            )),
            None if [name.as_str(), real.as_str()]
                .iter()
                .any(|n| SUPERVISORS.contains(&file_name(n))) =>
            {
                state.gap(format!(
                    "`{}` supervises programs its configuration names: they are not followed",
                    file_name(name)
                ));
            }
            None => {
                if let Some(skip) = wrapper(file_name(name)).or_else(|| wrapper(file_name(&real))) {
                    match wrapped(file_name(name), &argv[1..], skip) {
                        Some(rest) => start(cx, loader, rest, &chain, depth + 1, state),
                        None => state.gap(format!("`{name}`: the program it starts is unclear")),
                    }
                }
            }
        }
    } else if let Some(script) = cx.code.scripts.get(content) {
        // The kernel runs: interpreter [arg] script-path args...
        state.load(&real, chain.clone());
        let mut next = vec![script.interpreter.clone()];
        next.extend(script.arg.iter().cloned());
        next.push(invoked);
        next.extend(argv[1..].iter().cloned());
        start(cx, loader, &next, &chain, depth + 1, state);
    } else {
        state.load(&real, chain);
        state.gap(format!(
            "`/{real}` is neither an ELF file nor a script this scan could read"
        ));
    }
}

/// `argv[0]` as runc resolves it: a name with a slash is a path (relative to the working
/// directory), anything else is looked up on `PATH` (the first executable regular file).
/// Returns the path as invoked (absolute) and the real path.
fn find_program(cx: &Context<'_>, name: &str) -> Option<(String, String)> {
    if name.is_empty() {
        return None;
    }
    if name.contains('/') {
        let invoked = cx.absolute(name);
        return cx.regular_file(&invoked).map(|real| (invoked, real));
    }
    cx.path_dirs().into_iter().find_map(|dir| {
        let invoked = cx.absolute(&format!("{}/{name}", dir.trim_end_matches('/')));
        cx.regular_file(&invoked)
            .filter(|real| cx.is_executable(real))
            .map(|real| (invoked, real))
    })
}

/// The command an exec wrapper starts: its options skipped (`env`'s `VAR=value` too), then
/// `skip` positional arguments (`gosu USER`), then an optional `--`.
fn wrapped<'a>(name: &str, args: &'a [String], skip: usize) -> Option<&'a [String]> {
    let mut i = 0;
    // Options that take a value in the next argument.
    let with_value: &[&str] = match name {
        "env" => &["-u", "--unset", "-C", "--chdir"],
        "tini" | "tini-static" => &["-p", "-e"],
        "dumb-init" => &["-r", "--rewrite"],
        _ => &[],
    };
    while let Some(a) = args.get(i) {
        if a == "--" {
            i += 1;
            break;
        }
        if name == "env" && (a == "-S" || a.starts_with("--split-string")) {
            // The rest is one string to split: not followed.
            return None;
        }
        if with_value.contains(&a.as_str()) {
            i += 2;
        } else if a.starts_with('-') || (name == "env" && a.contains('=')) {
            i += 1;
        } else {
            break;
        }
    }
    let rest = args.get(i + skip..)?;
    (!rest.is_empty()).then_some(rest)
}

/// Shell builtins that start no program.
const BUILTINS: &[&str] = &[
    ":", "true", "false", "echo", "printf", "cd", "export", "set", "unset", "test", "[", "exit",
    "return", "read", "shift", "trap", "ulimit", "umask", "wait", "sleep",
];

/// A shell started with `args`: `-c COMMAND` is followed when COMMAND is one plain command
/// (words of `[A-Za-z0-9_./:=@%+,-]` only, optional `VAR=value` words and `exec` first);
/// otherwise its first word is still followed when plain, but the analysis is incomplete.
fn shell(
    cx: &Context<'_>,
    loader: &mut Loader<'_>,
    args: &[String],
    chain: &[String],
    depth: usize,
    state: &mut State,
) {
    let mut i = 0;
    let mut command = None;
    while let Some(a) = args.get(i) {
        if a == "-c" || (a.starts_with('-') && !a.starts_with("--") && a.contains('c')) {
            command = args.get(i + 1);
            break;
        }
        if a == "-o" || a == "+o" || a == "-O" || a == "+O" {
            i += 2;
        } else if a.starts_with('-') || a.starts_with('+') {
            i += 1;
        } else {
            state.gap(format!("shell script `{a}`: its commands are not followed"));
            return;
        }
    }
    let Some(command) = command else {
        state.gap("interactive shell: its commands are unknown".to_string());
        return;
    };
    let plain = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c))
    };
    let is_assignment = |w: &str| {
        w.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && !k.starts_with(|c: char| c.is_ascii_digit())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let words: Vec<&str> = command.split_whitespace().collect();
    let simple = words.iter().all(|w| plain(w));
    let mut rest: &[&str] = &words;
    while let Some((first, tail)) = rest.split_first() {
        if is_assignment(first) || *first == "exec" {
            rest = tail;
        } else {
            break;
        }
    }
    let Some(first) = rest.first() else {
        if !simple {
            state.gap("shell command is not a simple command".to_string());
        }
        return;
    };
    if !plain(first) {
        state.gap("shell command is not a simple command".to_string());
        return;
    }
    if !simple {
        state.gap("shell command is not a simple command".to_string());
    }
    if BUILTINS.contains(first) {
        return;
    }
    if ["eval", ".", "source"].contains(first) {
        state.gap(format!("shell `{first}`: what it runs is not followed"));
        return;
    }
    let argv: Vec<String> = if simple {
        rest.iter().map(|w| w.to_string()).collect()
    } else {
        vec![first.to_string()]
    };
    start(cx, loader, &argv, chain, depth + 1, state);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entrypoint_and_cmd_combine_like_docker() {
        let config = RuntimeConfig {
            entrypoint: Some(strings(&["/tini", "--"])),
            cmd: Some(strings(&["python3", "/app/app.py"])),
            ..RuntimeConfig::default()
        };
        assert_eq!(
            command(&config),
            strings(&["/tini", "--", "python3", "/app/app.py"])
        );
        assert!(command(&RuntimeConfig::default()).is_empty());
    }

    #[test]
    fn interpreters_by_name() {
        assert_eq!(interpreter("python3.11"), Some(Interpreter::Python));
        assert_eq!(interpreter("python"), Some(Interpreter::Python));
        assert_eq!(interpreter("python3-config"), None);
        assert_eq!(interpreter("bash"), Some(Interpreter::Shell));
        assert_eq!(
            interpreter("perl5.36.0"),
            Some(Interpreter::Other("perl".into()))
        );
        assert_eq!(interpreter("node"), Some(Interpreter::Other("node".into())));
        assert_eq!(interpreter("nodemon"), None);
        assert_eq!(interpreter("sshd"), None);
    }

    #[test]
    fn wrappers_start_their_argument() {
        let args = strings(&["-s", "-p", "SIGTERM", "--", "python3", "app.py"]);
        assert_eq!(wrapped("tini", &args, 0).unwrap(), &args[4..]);
        let args = strings(&["-i", "A=1", "-u", "B", "python3", "x"]);
        assert_eq!(wrapped("env", &args, 0).unwrap(), &args[4..]);
        let args = strings(&["app:app", "/app/run"]);
        assert_eq!(wrapped("gosu", &args, 1).unwrap(), &args[1..]);
        assert!(wrapped("env", &strings(&["-S", "a b"]), 0).is_none());
        assert!(wrapped("tini", &strings(&["--"]), 0).is_none());
    }
}
