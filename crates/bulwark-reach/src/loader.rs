//! The dynamic loader, replayed on the image: a program's `PT_INTERP`, then its `DT_NEEDED`
//! closure breadth-first (the order ld.so loads in), each name searched the way glibc's
//! ld.so searches it:
//!
//! 1. a name with a slash is a path (relative to the working directory);
//! 2. `DT_RPATH` of the requesting object, then of the object that loaded it, and so on up
//!    to the program, each only if that object has no `DT_RUNPATH`, and none at all if the
//!    requesting object has a `DT_RUNPATH`;
//! 3. `LD_LIBRARY_PATH` from the config's `Env`;
//! 4. `DT_RUNPATH` of the requesting object only;
//! 5. the directories of `etc/ld.so.conf` and its `include`s (what `ldconfig` caches);
//! 6. the default directories: `/lib/<triplet>`, `/usr/lib/<triplet>` for the ELF machine,
//!    `/lib64` and `/usr/lib64` for 64-bit objects, `/lib`, `/usr/lib`.
//!
//! musl (`PT_INTERP` `ld-musl-*`): `LD_LIBRARY_PATH`, then the `DT_RUNPATH` (else `DT_RPATH`)
//! of the requester and its loaders, then `etc/ld-musl-<arch>.path` or `/lib:/usr/local/lib:/usr/lib`.
//!
//! `LD_PRELOAD` (config `Env`) and `etc/ld.so.preload` are loaded first, as if the program
//! needed them before its own `DT_NEEDED` names.
//!
//! `$ORIGIN` (the directory of the object as found; the program's real directory), `$LIB`
//! and `$PLATFORM` are expanded; entries with other tokens are skipped. Candidates of
//! another ELF class or machine are skipped, as ld.so does. A name already loaded (by
//! `DT_NEEDED` name or `DT_SONAME`) is not searched again.

use std::collections::{HashMap, VecDeque};

use bulwark_inventory::ElfInfo;

use crate::{file_name, parent, Context, State};

/// Library names whose presence means an embedded interpreter runs code the analysis does
/// not follow.
const EMBEDDED_INTERPRETERS: &[&str] = &[
    "libpython",
    "libperl",
    "libruby",
    "libnode",
    "libjvm",
    "liblua",
    "libtcl",
    "libphp",
    "libmono",
];

/// Most ld.so.conf `include` levels followed.
const MAX_INCLUDE_DEPTH: usize = 8;

/// Which loader's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    Glibc,
    Musl,
}

/// One loaded object in the breadth-first walk.
struct Object<'a> {
    /// Real path, relative.
    real: String,
    /// `$ORIGIN`: the absolute directory it was found in.
    origin: String,
    chain: Vec<String>,
    info: &'a ElfInfo,
    /// The object that loaded it (index in the walk), for `DT_RPATH` inheritance.
    loader: Option<usize>,
}

/// The loader state of one process image: what is loaded under which names.
pub(crate) struct Loader<'a> {
    cx: &'a Context<'a>,
    /// `DT_NEEDED` names and `DT_SONAME`s already loaded.
    names: HashMap<String, String>,
    flavour: Flavour,
    /// The program's `DT_RPATH` (if it has no `DT_RUNPATH`), expanded: searched for objects
    /// the program `dlopen`s too.
    program_rpath: Vec<String>,
    /// The program's `$ORIGIN`, for `LD_LIBRARY_PATH` tokens.
    program_origin: String,
    /// ld.so.conf directories (or the musl path), computed on first use.
    system_dirs: Option<Vec<String>>,
}

impl<'a> Loader<'a> {
    pub fn new(cx: &'a Context<'a>) -> Self {
        Self {
            cx,
            names: HashMap::new(),
            flavour: Flavour::Glibc,
            program_rpath: Vec::new(),
            program_origin: "/".to_string(),
            system_dirs: None,
        }
    }

    /// Loads the program at real path `real` (an exec: a fresh process image), reached by
    /// `chain` (ending with the program), with its interpreter and closure.
    pub fn load_program(&mut self, real: &str, chain: Vec<String>, state: &mut State) {
        let cx = self.cx;
        self.names.clear();
        state.load(real, chain.clone());
        let Some(info) = cx.code.elf.get(cx.content_path(real)) else {
            return;
        };
        self.flavour = match &info.interpreter {
            Some(i) if file_name(i).starts_with("ld-musl") => Flavour::Musl,
            _ => Flavour::Glibc,
        };
        self.system_dirs = None;
        self.program_origin = format!("/{}", parent(real));
        self.program_rpath = match (&info.rpath, &info.runpath) {
            (Some(rpath), None) => self.expand(rpath, &self.program_origin.clone(), info),
            _ => Vec::new(),
        };
        if let Some(interp) = &info.interpreter {
            match cx.regular_file(interp) {
                Some(interp_real) => {
                    let mut c = chain.clone();
                    c.push(interp.clone());
                    state.load(&interp_real, c);
                    self.names
                        .insert(file_name(interp).to_string(), interp_real);
                }
                None => state.note(format!(
                    "program interpreter {interp} of /{real} not found: the program would not start"
                )),
            }
        }
        // LD_PRELOAD and /etc/ld.so.preload (glibc) load before the program's own needs.
        let mut preload: Vec<String> = self
            .cx
            .env("LD_PRELOAD")
            .unwrap_or_default()
            .split([' ', ':'])
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        if info.interpreter.is_none() {
            // A static program: no dynamic loader, nothing preloaded.
            preload.clear();
        } else if self.flavour == Flavour::Glibc {
            if let Some(conf) = cx.code.loader_config.get("etc/ld.so.preload") {
                preload.extend(conf.dirs.iter().cloned());
            }
        }
        let origin = self.program_origin.clone();
        self.walk(real, &origin, chain, info, &preload, state);
    }

    /// Loads a shared object the program `dlopen`s (a Python extension module), found at
    /// `found` (absolute) with real path `real`, and its closure.
    pub fn load_dlopen(&mut self, found: &str, real: &str, chain: Vec<String>, state: &mut State) {
        let cx = self.cx;
        state.load(real, chain.clone());
        let Some(info) = cx.code.elf.get(cx.content_path(real)) else {
            state.gap(format!(
                "/{real} is not an ELF file this scan could read: its libraries are unknown"
            ));
            return;
        };
        if let Some(soname) = &info.soname {
            self.names.insert(soname.clone(), real.to_string());
        }
        self.walk(
            real,
            &format!("/{}", parent(found)),
            chain,
            info,
            &[],
            state,
        );
    }

    /// The breadth-first `DT_NEEDED` walk from one root object; `preload` comes before the
    /// root's own `DT_NEEDED` names.
    fn walk(
        &mut self,
        real: &str,
        origin: &str,
        chain: Vec<String>,
        info: &'a ElfInfo,
        preload: &[String],
        state: &mut State,
    ) {
        let cx = self.cx;
        let mut objects = vec![Object {
            real: real.to_string(),
            origin: origin.to_string(),
            chain,
            info,
            loader: None,
        }];
        let mut queue = VecDeque::from([0usize]);
        while let Some(i) = queue.pop_front() {
            let obj = &objects[i];
            if obj.info.truncated {
                state.gap(format!("/{}: too many libraries to list", obj.real));
            }
            let mut found = Vec::new();
            let needed: Vec<&String> = if i == 0 {
                preload.iter().chain(&obj.info.needed).collect()
            } else {
                obj.info.needed.iter().collect()
            };
            for name in needed {
                if self.names.contains_key(name) {
                    continue;
                }
                match self.search(name, &objects, i) {
                    None => state.note(format!(
                        "{name} (needed by /{}) not found: the program would not start",
                        obj.real
                    )),
                    Some((path, lib_real)) => {
                        self.names.insert(name.clone(), lib_real.clone());
                        let mut chain = obj.chain.clone();
                        chain.push(name.clone());
                        if !state.load(&lib_real, chain.clone()) {
                            continue;
                        }
                        if let Some(e) = EMBEDDED_INTERPRETERS.iter().find(|e| name.starts_with(*e))
                        {
                            state.gap(format!("{name} embeds an interpreter ({e})"));
                        }
                        match cx.code.elf.get(cx.content_path(&lib_real)) {
                            Some(lib) => {
                                if let Some(soname) = &lib.soname {
                                    self.names.insert(soname.clone(), lib_real.clone());
                                }
                                found.push(Object {
                                    real: lib_real,
                                    origin: format!("/{}", parent(&path).trim_start_matches('/')),
                                    chain,
                                    info: lib,
                                    loader: Some(i),
                                });
                            }
                            None => state.gap(format!(
                                "{name} (/{lib_real}) is not an ELF file this scan could read"
                            )),
                        }
                    }
                }
            }
            for o in found {
                queue.push_back(objects.len());
                objects.push(o);
            }
        }
    }

    /// Finds library `name` for the object `objects[i]`: the path it was found at
    /// (absolute) and its real path.
    fn search(&mut self, name: &str, objects: &[Object<'a>], i: usize) -> Option<(String, String)> {
        let cx = self.cx;
        let obj = &objects[i];
        if name.contains('/') {
            let path = cx.absolute(name);
            return cx.regular_file(&path).map(|real| (path, real));
        }
        let mut dirs: Vec<String> = Vec::new();
        let ld_library_path = self.ld_library_path(obj.info);
        match self.flavour {
            Flavour::Glibc => {
                if obj.info.runpath.is_none() {
                    let mut at = Some(i);
                    while let Some(j) = at {
                        let o = &objects[j];
                        if let (Some(rpath), None) = (&o.info.rpath, &o.info.runpath) {
                            dirs.extend(self.expand(rpath, &o.origin, o.info));
                        }
                        at = o.loader;
                    }
                    dirs.extend(self.program_rpath.iter().cloned());
                }
                dirs.extend(ld_library_path);
                if let Some(runpath) = &obj.info.runpath {
                    dirs.extend(self.expand(runpath, &obj.origin, obj.info));
                }
                dirs.extend(self.system_dirs().iter().cloned());
                dirs.extend(default_dirs(obj.info));
            }
            Flavour::Musl => {
                dirs.extend(ld_library_path);
                let mut at = Some(i);
                while let Some(j) = at {
                    let o = &objects[j];
                    if let Some(path) = o.info.runpath.as_ref().or(o.info.rpath.as_ref()) {
                        dirs.extend(self.expand(path, &o.origin, o.info));
                    }
                    at = o.loader;
                }
                dirs.extend(self.system_dirs().iter().cloned());
            }
        }
        let mut seen = std::collections::HashSet::new();
        for dir in dirs {
            if !seen.insert(dir.clone()) {
                continue;
            }
            let path = format!("{}/{name}", dir.trim_end_matches('/'));
            let Some(real) = cx.regular_file(&path) else {
                continue;
            };
            // ld.so skips a library of another class or machine and searches on.
            let compatible =
                cx.code.elf.get(cx.content_path(&real)).is_none_or(|lib| {
                    lib.class == obj.info.class && lib.machine == obj.info.machine
                });
            if compatible {
                return Some((path, real));
            }
        }
        None
    }

    /// `LD_LIBRARY_PATH` of the config, expanded against the program's origin.
    fn ld_library_path(&self, info: &ElfInfo) -> Vec<String> {
        match self.cx.env("LD_LIBRARY_PATH") {
            Some(list) => self.expand(list, &self.program_origin, info),
            None => Vec::new(),
        }
    }

    /// The directories of a colon-separated search list, tokens expanded, made absolute.
    fn expand(&self, list: &str, origin: &str, info: &ElfInfo) -> Vec<String> {
        let mut out = Vec::new();
        for entry in list.split(':').filter(|e| !e.is_empty()) {
            let entry = entry
                .replace("${ORIGIN}", origin)
                .replace("$ORIGIN", origin)
                .replace("${PLATFORM}", platform(info))
                .replace("$PLATFORM", platform(info));
            let variants: Vec<String> = if entry.contains("$LIB") || entry.contains("${LIB}") {
                lib_names(info)
                    .into_iter()
                    .map(|lib| entry.replace("${LIB}", &lib).replace("$LIB", &lib))
                    .collect()
            } else {
                vec![entry]
            };
            for v in variants {
                if !v.contains('$') {
                    out.push(self.cx.absolute(&v));
                }
            }
        }
        out
    }

    /// ld.so.conf directories (glibc) or the musl path file's, computed once per program.
    fn system_dirs(&mut self) -> &[String] {
        if self.system_dirs.is_none() {
            let dirs = match self.flavour {
                Flavour::Glibc => {
                    let mut dirs = Vec::new();
                    self.conf_dirs("etc/ld.so.conf", 0, &mut dirs);
                    dirs
                }
                Flavour::Musl => {
                    let conf = self.cx.code.loader_config.iter().find(|(path, _)| {
                        path.starts_with("etc/ld-musl-") && path.ends_with(".path")
                    });
                    match conf {
                        Some((_, c)) => c.dirs.clone(),
                        None => ["/lib", "/usr/local/lib", "/usr/lib"]
                            .map(String::from)
                            .to_vec(),
                    }
                }
            };
            self.system_dirs = Some(dirs);
        }
        self.system_dirs.as_deref().unwrap_or_default()
    }

    /// The directories of ld.so.conf file `path` (relative), includes expanded in place.
    fn conf_dirs(&self, path: &str, depth: usize, out: &mut Vec<String>) {
        let Some(conf) = self.cx.code.loader_config.get(path) else {
            return;
        };
        if depth > MAX_INCLUDE_DEPTH {
            return;
        }
        out.extend(conf.dirs.iter().cloned());
        for pattern in &conf.includes {
            let pattern = pattern.trim_start_matches('/');
            // glob() order: sorted paths; the facts map is sorted.
            let matches: Vec<&String> = self
                .cx
                .code
                .loader_config
                .keys()
                .filter(|k| k.as_str() != path && glob_match(pattern, k))
                .collect();
            for m in matches {
                self.conf_dirs(m, depth + 1, out);
            }
        }
    }
}

/// The default search directories for an object's class and machine.
fn default_dirs(info: &ElfInfo) -> Vec<String> {
    let mut dirs = Vec::new();
    for t in triplets(info) {
        dirs.push(format!("/lib/{t}"));
        dirs.push(format!("/usr/lib/{t}"));
    }
    if info.class == 64 {
        dirs.push("/lib64".to_string());
        dirs.push("/usr/lib64".to_string());
    }
    dirs.push("/lib".to_string());
    dirs.push("/usr/lib".to_string());
    dirs
}

/// Debian multiarch triplets for an ELF machine.
fn triplets(info: &ElfInfo) -> &'static [&'static str] {
    match (info.machine, info.class) {
        (62, 64) => &["x86_64-linux-gnu"],
        (62, _) => &["x86_64-linux-gnux32"],
        (3, _) => &["i386-linux-gnu"],
        (183, _) => &["aarch64-linux-gnu"],
        (40, _) => &["arm-linux-gnueabihf", "arm-linux-gnueabi"],
        (21, _) => &["powerpc64le-linux-gnu", "powerpc64-linux-gnu"],
        (20, _) => &["powerpc-linux-gnu"],
        (22, _) => &["s390x-linux-gnu"],
        (243, _) => &["riscv64-linux-gnu"],
        (258, _) => &["loongarch64-linux-gnu"],
        (8, 64) => &["mips64el-linux-gnuabi64"],
        (8, _) => &["mipsel-linux-gnu", "mips-linux-gnu"],
        _ => &[],
    }
}

/// What `$LIB` may expand to: upstream glibc's `lib64`/`lib`, Debian's `lib/<triplet>`.
fn lib_names(info: &ElfInfo) -> Vec<String> {
    let mut out = vec![if info.class == 64 { "lib64" } else { "lib" }.to_string()];
    out.extend(triplets(info).iter().map(|t| format!("lib/{t}")));
    out
}

/// `$PLATFORM` for an ELF machine.
fn platform(info: &ElfInfo) -> &'static str {
    match info.machine {
        62 => "x86_64",
        3 => "i686",
        183 => "aarch64",
        40 => "v7l",
        21 => "ppc64le",
        22 => "s390x",
        243 => "riscv64",
        _ => "unknown",
    }
}

/// Shell-style match of `*` and `?` within path components (never across `/`), the subset
/// ld.so.conf uses. Linear per component: no backtracking blow-up on hostile patterns.
fn glob_match(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').collect();
    let s: Vec<&str> = path.split('/').collect();
    p.len() == s.len()
        && p.iter()
            .zip(&s)
            .all(|(p, s)| segment_match(p.as_bytes(), s.as_bytes()))
}

/// Wildcard match of one component: greedy, remembering only the last `*`.
fn segment_match(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_ldconfig() {
        assert!(glob_match(
            "etc/ld.so.conf.d/*.conf",
            "etc/ld.so.conf.d/libc.conf"
        ));
        assert!(!glob_match(
            "etc/ld.so.conf.d/*.conf",
            "etc/ld.so.conf.d/a/b.conf"
        ));
        assert!(!glob_match(
            "etc/ld.so.conf.d/*.conf",
            "etc/ld.so.conf.d/x.conf.bak"
        ));
        assert!(glob_match("etc/?.conf", "etc/a.conf"));
        assert!(glob_match("etc/*", "etc/x"));
        let hostile = format!("etc/{}b", "*a".repeat(200));
        assert!(!glob_match(&hostile, &format!("etc/{}", "a".repeat(250))));
    }

    #[test]
    fn default_dirs_follow_the_machine() {
        let info = ElfInfo {
            class: 64,
            machine: 183,
            interpreter: None,
            needed: Vec::new(),
            soname: None,
            rpath: None,
            runpath: None,
            truncated: false,
        };
        assert_eq!(
            default_dirs(&info)[..2],
            ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu"]
        );
        assert_eq!(lib_names(&info), ["lib64", "lib/aarch64-linux-gnu"]);
    }
}
