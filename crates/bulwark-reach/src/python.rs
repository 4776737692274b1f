//! Python entrypoints: the interpreter's own ELF closure is loaded (see [`crate::loader`]);
//! on top of it, the modules Python provably imports: at start-up (`encodings`, `site`,
//! `sitecustomize`), the entry script's (or `-m` module's, or `-c` code's) imports, and
//! transitively the module-level imports of every module found, with each package's
//! `__init__.py`. Modules are looked up the way CPython's path finder does on a `sys.path`
//! built from the interpreter's location, the config's `PYTHONPATH` and working directory:
//! package directory, then extension module (`*.cpython-XY-*.so`, `*.abi3.so`, `*.so`), then
//! source. Extension modules are `dlopen`ed, so their `DT_NEEDED` closure is loaded too.
//!
//! Python may import anything at run time (dynamic imports, plugins, imports inside
//! functions), so packages not proven loaded stay *unknown*, never *not loaded*.

use std::collections::{HashMap, VecDeque};

use bulwark_inventory::PyImport;

use crate::loader::Loader;
use crate::{file_name, normalize, parent, Context, State};

/// Most modules imported before giving up (a large Django site imports a few thousand).
const MAX_MODULES: usize = 20_000;

/// Modules CPython 3.11+ freezes into the interpreter: imported without reading the files.
const FROZEN: &[&str] = &[
    "_collections_abc",
    "_sitebuiltins",
    "abc",
    "codecs",
    "genericpath",
    "importlib._bootstrap",
    "importlib._bootstrap_external",
    "importlib.machinery",
    "importlib.util",
    "io",
    "ntpath",
    "os",
    "posixpath",
    "runpy",
    "site",
    "stat",
    "zipimport",
];

/// Top-level modules that are usually built into the interpreter: not worth a note when
/// no file is found for them.
const BUILTIN: &[&str] = &[
    "sys",
    "builtins",
    "posix",
    "time",
    "marshal",
    "gc",
    "errno",
    "pwd",
    "itertools",
    "atexit",
    "faulthandler",
    "_thread",
    "_io",
    "_signal",
    "_abc",
    "_codecs",
    "_collections",
    "_functools",
    "_imp",
    "_locale",
    "_operator",
    "_sre",
    "_stat",
    "_string",
    "_tracemalloc",
    "_warnings",
    "_weakref",
    "_socket",
    "select",
    "math",
    "binascii",
    "zlib",
    "array",
    "_struct",
    "_random",
    "_datetime",
    "_pickle",
    "_json",
    "unicodedata",
    "_posixsubprocess",
    "fcntl",
    "grp",
    "_md5",
    "_sha1",
    "_sha256",
    "_sha512",
    "_sha3",
    "_blake2",
    "_bisect",
    "_heapq",
    "_csv",
    "_contextvars",
    "_asyncio",
    "_queue",
    "_opcode",
    "_typing",
    "_ast",
    "_tokenize",
    "_symtable",
    "cmath",
    "_statistics",
    "resource",
    "syslog",
    "termios",
    "mmap",
    "spwd",
    "_elementtree",
    "pyexpat",
];

/// Platform tags of extension module file names (`*.cpython-311-<tag>.so`).
const EXTENSION_TAGS: &[&str] = &[
    "x86_64-linux-gnu",
    "aarch64-linux-gnu",
    "x86_64-linux-musl",
    "aarch64-linux-musl",
    "i386-linux-gnu",
    "arm-linux-gnueabihf",
    "powerpc64le-linux-gnu",
    "s390x-linux-gnu",
    "riscv64-linux-gnu",
];

/// What running `python [options] [script | -m module | -c code]` starts with.
enum Target {
    Script(String),
    Module(String),
    Code(String),
    /// Interactive or stdin: nothing beyond start-up is known.
    Nothing,
}

/// Interpreter options that change what is imported.
#[derive(Default)]
struct Flags {
    /// `-I`: isolated (no script directory, no `PYTHON*` variables, no user site).
    isolated: bool,
    /// `-E`: `PYTHON*` variables ignored.
    ignore_env: bool,
    /// `-S`: no `site` (so no site-packages and no `sitecustomize`).
    no_site: bool,
    /// `-P`: no script directory or working directory on `sys.path`.
    safe_path: bool,
}

/// Follows the Python interpreter at real path `real` (invoked as `invoked`, absolute)
/// with arguments `args`, reached by `chain` (ending with the interpreter).
pub(crate) fn run(
    cx: &Context<'_>,
    loader: &mut Loader<'_>,
    invoked: &str,
    real: &str,
    args: &[String],
    chain: &[String],
    state: &mut State,
) {
    let name = file_name(real);
    state.gap(format!(
        "interpreted entrypoint ({name}): only imports proven at start-up are followed"
    ));
    let (flags, target) = parse_args(args);
    let Some(version) = version(cx, real) else {
        state.note(format!(
            "{name}: Python version unknown, its modules are not followed"
        ));
        return;
    };
    let mut importer = Importer {
        cx,
        sys_path: sys_path(cx, invoked, real, version, &flags, &target),
        frozen: version >= (3, 11),
        tag: format!("{}{}", version.0, version.1),
        modules: HashMap::new(),
        queue: VecDeque::new(),
    };
    importer.push("encodings", chain, false);
    if !flags.no_site {
        importer.push("site", chain, false);
        importer.push("sitecustomize", chain, false);
    }
    match &target {
        Target::Script(path) => {
            let shown = cx.absolute(path);
            match cx.regular_file(&shown) {
                Some(script) => {
                    let mut c = chain.to_vec();
                    // A `#!` script already heads the chain (`tool -> python3.11 -> ...`).
                    if !chain.contains(&format!("/{script}")) {
                        c.push(shown.clone());
                    }
                    state.load(&script, c.clone());
                    if let Some(imports) = cx.code.python_imports.get(cx.content_path(&script)) {
                        for import in imports {
                            if import.module.starts_with('.') {
                                continue;
                            }
                            if !importer.finds(&import.module) && !is_builtin(&import.module) {
                                state.note(format!(
                                    "module `{}` (imported by {shown}) not found in the image: the program may fail at start",
                                    import.module
                                ));
                            }
                            importer.push_import(import, "", &c);
                        }
                    }
                }
                None => state.note(format!("Python script {shown} not found in the image")),
            }
        }
        Target::Module(module) => {
            importer.push(module, chain, true);
            importer.push(&format!("{module}.__main__"), chain, true);
        }
        Target::Code(code) => {
            let mut c = chain.to_vec();
            c.push("-c".to_string());
            for import in bulwark_inventory::parse_python_imports(code.as_bytes()) {
                if !import.module.starts_with('.') {
                    importer.push_import(&import, "", &c);
                }
            }
        }
        Target::Nothing => {}
    }
    importer.run(loader, state);
}

/// Splits the interpreter's options from what it runs.
fn parse_args(args: &[String]) -> (Flags, Target) {
    let mut flags = Flags::default();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if a == "-" {
            return (flags, Target::Nothing);
        }
        if a == "--" {
            return match args.get(i + 1) {
                Some(s) => (flags, Target::Script(s.clone())),
                None => (flags, Target::Nothing),
            };
        }
        let Some(opts) = a.strip_prefix('-') else {
            return (flags, Target::Script(a.clone()));
        };
        if opts.starts_with('-') {
            // Long options: `--check-hash-based-pycs MODE` takes a value.
            i += if opts == "-check-hash-based-pycs" {
                2
            } else {
                1
            };
            continue;
        }
        for (k, c) in opts.char_indices() {
            match c {
                'I' => flags.isolated = true,
                'E' => flags.ignore_env = true,
                'S' => flags.no_site = true,
                'P' => flags.safe_path = true,
                'c' | 'm' => {
                    let rest = &opts[k + 1..];
                    let value = if rest.is_empty() {
                        args.get(i + 1).cloned()
                    } else {
                        Some(rest.to_string())
                    };
                    let Some(value) = value else {
                        return (flags, Target::Nothing);
                    };
                    return if c == 'c' {
                        (flags, Target::Code(value))
                    } else {
                        (flags, Target::Module(value))
                    };
                }
                'W' | 'X' => {
                    // The value is the rest of this argument or the next one.
                    if opts[k + 1..].is_empty() {
                        i += 1;
                    }
                    break;
                }
                _ => {}
            }
        }
        i += 1;
    }
    (flags, Target::Nothing)
}

/// `(major, minor)` from the interpreter's name (`python3.11`), else from the one
/// `lib/python3.N` directory beside it.
fn version(cx: &Context<'_>, real: &str) -> Option<(u32, u32)> {
    let from_name = file_name(real)
        .strip_prefix("python")
        .and_then(|v| v.split_once('.'))
        .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
    if from_name.is_some() {
        return from_name;
    }
    let prefix = parent(parent(real));
    let found: Vec<(u32, u32)> = (0..=30)
        .map(|minor| (3, minor))
        .filter(|(major, minor)| {
            cx.directory(&format!("/{prefix}/lib/python{major}.{minor}"))
                .is_some()
        })
        .collect();
    match found[..] {
        [one] => Some(one),
        _ => None,
    }
}

/// `sys.path` as CPython builds it on POSIX, as real directories (relative) that exist.
fn sys_path(
    cx: &Context<'_>,
    invoked: &str,
    real: &str,
    (major, minor): (u32, u32),
    flags: &Flags,
    target: &Target,
) -> Vec<String> {
    let mut dirs: Vec<String> = Vec::new();
    if !flags.isolated && !flags.safe_path {
        match target {
            Target::Script(s) => {
                // The script's directory, symlinks resolved.
                if let Ok(r) = cx.view.resolve(&cx.absolute(s)) {
                    dirs.push(format!("/{}", parent(&r)));
                }
            }
            _ => dirs.push(cx.cwd.clone()),
        }
    }
    if !flags.isolated && !flags.ignore_env {
        if let Some(pythonpath) = cx.env("PYTHONPATH") {
            dirs.extend(
                pythonpath
                    .split(':')
                    .filter(|p| !p.is_empty())
                    .map(|p| cx.absolute(p)),
            );
        }
    }
    let prefix = parent(parent(real));
    let stdlib = format!("/{prefix}/lib/python{major}.{minor}");
    dirs.push(stdlib.clone());
    dirs.push(format!("{stdlib}/lib-dynload"));
    if !flags.no_site {
        // A virtual environment: `<venv>/bin/python` beside `<venv>/pyvenv.cfg`.
        let venv = parent(parent(invoked.trim_start_matches('/')));
        if cx.regular_file(&format!("/{venv}/pyvenv.cfg")).is_some() {
            dirs.push(format!("/{venv}/lib/python{major}.{minor}/site-packages"));
        } else if prefix == "usr" && debian_like(cx) {
            dirs.push(format!(
                "/usr/local/lib/python{major}.{minor}/dist-packages"
            ));
            dirs.push("/usr/lib/python3/dist-packages".to_string());
            dirs.push(format!("/usr/lib/python{major}.{minor}/dist-packages"));
        } else {
            dirs.push(format!("/{prefix}/lib/python{major}.{minor}/site-packages"));
            dirs.push(format!(
                "/{prefix}/lib64/python{major}.{minor}/site-packages"
            ));
        }
    }
    let mut out: Vec<String> = Vec::new();
    for d in dirs {
        if let Some(real) = cx.directory(&d) {
            if !out.contains(&real) {
                out.push(real);
            }
        }
    }
    out
}

/// Debian and its derivatives patch Python to use `dist-packages`.
fn debian_like(cx: &Context<'_>) -> bool {
    cx.inventory.os.as_ref().is_some_and(|os| {
        os.id == "debian" || os.id == "ubuntu" || os.id_like.iter().any(|l| l == "debian")
    })
}

fn is_builtin(module: &str) -> bool {
    BUILTIN.contains(&module.split('.').next().unwrap_or_default())
}

/// A module found on `sys.path`.
#[derive(Debug, Clone)]
enum Spec {
    /// Built in, frozen, or not found: nothing to load.
    None,
    /// A source or bytecode module (its real path).
    Source(String),
    /// A regular package: its `__init__` file and its directory (real paths).
    Package { init: String, dir: String },
    /// A namespace package: its directories.
    Namespace(Vec<String>),
    /// An extension module: the path found (absolute) and its real path.
    Extension { found: String, real: String },
}

impl Spec {
    /// Where its submodules are looked up.
    fn search_dirs(&self) -> Vec<String> {
        match self {
            Self::Package { dir, .. } => vec![dir.clone()],
            Self::Namespace(dirs) => dirs.clone(),
            _ => Vec::new(),
        }
    }
}

/// One pending import.
struct Pending {
    module: String,
    chain: Vec<String>,
    /// Runs as `__main__` (`-m`): its `if __name__ == "__main__":` imports count.
    as_main: bool,
}

/// The import system, replayed.
struct Importer<'c> {
    cx: &'c Context<'c>,
    sys_path: Vec<String>,
    frozen: bool,
    /// `311` for the extension module tag.
    tag: String,
    modules: HashMap<String, Spec>,
    queue: VecDeque<Pending>,
}

impl Importer<'_> {
    fn push(&mut self, module: &str, chain: &[String], as_main: bool) {
        self.queue.push_back(Pending {
            module: module.to_string(),
            chain: chain.to_vec(),
            as_main,
        });
    }

    /// Queues an import statement of module `context` (absolute name; for relative
    /// imports, the importing module's package), reached by `chain`.
    fn push_import(&mut self, import: &PyImport, context: &str, chain: &[String]) {
        let Some(module) = absolute_module(&import.module, context) else {
            return;
        };
        self.push(&module, chain, false);
        // `from package import name`: a submodule when the package has one by that name.
        for name in &import.names {
            self.push(&format!("{module}.{name}"), chain, false);
        }
    }

    /// True when `module`'s top-level package or module exists on `sys.path`.
    fn finds(&mut self, module: &str) -> bool {
        let top = module.split('.').next().unwrap_or_default();
        let dirs = self.sys_path.clone();
        !matches!(self.find(top, &dirs), Spec::None)
    }

    fn run(&mut self, loader: &mut Loader<'_>, state: &mut State) {
        while let Some(p) = self.queue.pop_front() {
            if self.modules.len() >= MAX_MODULES {
                state.gap("too many Python modules to follow".to_string());
                return;
            }
            self.import(&p, loader, state);
        }
    }

    /// Imports `p.module` and its parent packages, loading each one's file.
    fn import(&mut self, p: &Pending, loader: &mut Loader<'_>, state: &mut State) {
        let parts: Vec<&str> = p.module.split('.').collect();
        let mut dirs = self.sys_path.clone();
        for k in 1..=parts.len() {
            let name = parts[..k].join(".");
            let spec = match self.modules.get(&name) {
                Some(spec) => spec.clone(),
                None => {
                    if self.frozen && FROZEN.contains(&name.as_str()) {
                        self.modules.insert(name, Spec::None);
                        return;
                    }
                    let spec = self.find(parts[k - 1], &dirs);
                    self.modules.insert(name.clone(), spec.clone());
                    let mut chain = p.chain.clone();
                    chain.push(name.clone());
                    self.execute(
                        &name,
                        &spec,
                        chain,
                        p.as_main && k == parts.len(),
                        loader,
                        state,
                    );
                    spec
                }
            };
            dirs = spec.search_dirs();
            if dirs.is_empty() && k < parts.len() {
                // Not a package: `from module import attribute`, or not found.
                return;
            }
        }
    }

    /// Runs a newly imported module: loads its file and queues its imports.
    fn execute(
        &mut self,
        name: &str,
        spec: &Spec,
        chain: Vec<String>,
        as_main: bool,
        loader: &mut Loader<'_>,
        state: &mut State,
    ) {
        let (file, package) = match spec {
            Spec::None | Spec::Namespace(_) => return,
            Spec::Extension { found, real } => {
                loader.load_dlopen(found, real, chain, state);
                return;
            }
            Spec::Source(file) => (file, name.rsplit_once('.').map_or("", |(p, _)| p)),
            Spec::Package { init, .. } => (init, name),
        };
        if !state.load(file, chain.clone()) {
            return;
        }
        let cx = self.cx;
        let Some(imports) = cx.code.python_imports.get(cx.content_path(file)) else {
            return;
        };
        for import in imports {
            if import.main_only && !as_main {
                continue;
            }
            let context = if import.module.starts_with('.') {
                package
            } else {
                ""
            };
            if import.module.starts_with('.') && context.is_empty() {
                continue;
            }
            self.push_import(import, context, &chain);
        }
    }

    /// Finds top-level or submodule `name` in `dirs` (real, relative), in CPython's order:
    /// per directory a regular package, then an extension module, then source, then
    /// bytecode; a directory without `__init__` is a namespace portion, used only when no
    /// directory has a regular module.
    fn find(&mut self, name: &str, dirs: &[String]) -> Spec {
        let cx = self.cx;
        let mut namespace = Vec::new();
        for dir in dirs {
            let base = if dir.is_empty() {
                format!("/{name}")
            } else {
                format!("/{dir}/{name}")
            };
            if let Some(pkg) = cx.directory(&base) {
                for init in ["__init__.py", "__init__.pyc"] {
                    if let Some(real) = cx.regular_file(&format!("/{pkg}/{init}")) {
                        return Spec::Package {
                            init: real,
                            dir: pkg,
                        };
                    }
                }
                namespace.push(pkg);
            }
            let mut suffixes: Vec<String> = EXTENSION_TAGS
                .iter()
                .map(|t| format!(".cpython-{}-{t}.so", self.tag))
                .collect();
            suffixes.extend([".abi3.so".to_string(), ".so".to_string()]);
            for suffix in suffixes {
                let found = format!("{base}{suffix}");
                if let Some(real) = cx.regular_file(&found) {
                    return Spec::Extension { found, real };
                }
            }
            for ext in [".py", ".pyc"] {
                if let Some(real) = cx.regular_file(&format!("{base}{ext}")) {
                    return Spec::Source(real);
                }
            }
        }
        if namespace.is_empty() {
            Spec::None
        } else {
            Spec::Namespace(namespace)
        }
    }
}

/// The absolute name of `module` (relative when it starts with dots) imported from a module
/// whose package is `package`; `None` when it climbs above the top.
fn absolute_module(module: &str, package: &str) -> Option<String> {
    let rest = module.trim_start_matches('.');
    let level = module.len() - rest.len();
    if level == 0 {
        return Some(normalize_module(module));
    }
    let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
    for _ in 1..level {
        parts.pop()?;
    }
    if parts.is_empty() {
        return None;
    }
    if !rest.is_empty() {
        parts.push(rest);
    }
    Some(parts.join("."))
}

fn normalize_module(module: &str) -> String {
    normalize(&module.replace('.', "/")).replace('/', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_and_targets() {
        let (f, t) = parse_args(&strings(&["-u", "-X", "dev", "/app/app.py", "--port", "1"]));
        assert!(matches!(t, Target::Script(s) if s == "/app/app.py"));
        assert!(!f.no_site);
        let (_, t) = parse_args(&strings(&["-m", "gunicorn", "app:app"]));
        assert!(matches!(t, Target::Module(m) if m == "gunicorn"));
        let (f, t) = parse_args(&strings(&["-IS", "-c", "import ssl"]));
        assert!(f.isolated && f.no_site);
        assert!(matches!(t, Target::Code(c) if c == "import ssl"));
        let (_, t) = parse_args(&strings(&["-mhttp.server"]));
        assert!(matches!(t, Target::Module(m) if m == "http.server"));
        assert!(matches!(parse_args(&[]).1, Target::Nothing));
        assert!(matches!(parse_args(&strings(&["-"])).1, Target::Nothing));
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        assert_eq!(
            absolute_module(".compat", "requests").unwrap(),
            "requests.compat"
        );
        assert_eq!(absolute_module(".", "requests").unwrap(), "requests");
        assert_eq!(absolute_module("..x", "a.b").unwrap(), "a.x");
        assert_eq!(absolute_module("...x", "a.b"), None);
        assert_eq!(absolute_module("os.path", "").unwrap(), "os.path");
        assert_eq!(absolute_module(".x", ""), None);
    }
}
