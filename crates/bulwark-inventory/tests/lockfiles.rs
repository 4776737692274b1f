//! Lockfiles and installed-package manifests of Python (requirements, Poetry, Pipenv, uv),
//! Node (yarn classic and berry, pnpm 5/6/9), Ruby (gemspecs, Gemfile.lock), PHP
//! (composer.lock, installed.json) and .NET (deps.json, packages.lock.json), scanned as
//! one root filesystem laid out the way images hold them.
//!
//! The files are in `tests/data/lang/` (their README says which tool made each one). The
//! expected packages below were read from them with other programs, never with bulwark:
//! - Python: `tomllib`/`json` in python3 (`[[package]]` minus `directory`, `editable` and
//!   `virtual` sources; Pipfile.lock `default` + `develop` versions), and for
//!   requirements.txt `re.findall(r'^([A-Za-z0-9._-]+)==([^\s;\\]+)', text, re.M)`;
//! - Node: PyYAML on the pnpm lockfiles (`packages` keys) and the berry lockfile
//!   (`resolution` of each entry), the classic one by eye (its headers and `version`
//!   lines); all five come from one `package.json` and lock the same eight packages;
//! - Ruby: `Gem::Specification.load` for each gemspec, `Bundler::LockfileParser` for
//!   Gemfile.lock (specs whose source is `Bundler::Source::Rubygems`);
//! - PHP: `json_decode` in php over `packages`/`packages-dev` and the installed lists;
//! - .NET: python3 `json` over `libraries` with `"type": "package"` and over every
//!   framework's non-`Project` entries.

use std::path::Path;

use bulwark_inventory::{scan_rootfs, AnalyzerRegistry, Inventory, PackageKind, ScanOptions};

/// Where each test file goes in the root filesystem.
const LAYOUT: &[(&str, &str)] = &[
    ("python/requirements.txt", "app/py/req/requirements.txt"),
    ("python/poetry.lock", "app/py/poetry/poetry.lock"),
    ("python/Pipfile.lock", "app/py/pipenv/Pipfile.lock"),
    ("python/uv.lock", "app/py/uv/uv.lock"),
    (
        "node/yarn-classic/yarn.lock",
        "app/node/yarn-classic/yarn.lock",
    ),
    ("node/yarn-berry/yarn.lock", "app/node/yarn-berry/yarn.lock"),
    (
        "node/pnpm-v5/pnpm-lock.yaml",
        "app/node/pnpm-v5/pnpm-lock.yaml",
    ),
    (
        "node/pnpm-v6/pnpm-lock.yaml",
        "app/node/pnpm-v6/pnpm-lock.yaml",
    ),
    (
        "node/pnpm-v9/pnpm-lock.yaml",
        "app/node/pnpm-v9/pnpm-lock.yaml",
    ),
    ("ruby/Gemfile.lock", "app/ruby/Gemfile.lock"),
    // `bundle install --deployment`: installed below the project, so the lockfile's rack
    // is the same package and counts once.
    (
        "ruby/rack-2.2.22.gemspec",
        "app/ruby/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.22.gemspec",
    ),
    (
        "ruby/json-2.6.1.gemspec",
        "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
    ),
    (
        "ruby/nativeish-1.15.0-x86_64-linux.gemspec",
        "usr/local/bundle/specifications/nativeish-1.15.0-x86_64-linux.gemspec",
    ),
    ("php/composer.lock", "app/php/composer.lock"),
    (
        "php/installed.json",
        "app/php/vendor/composer/installed.json",
    ),
    (
        "php/installed-v1.json",
        "srv/legacy/vendor/composer/installed.json",
    ),
    (
        "dotnet/Python.Runtime.deps.json",
        "app/dotnet/Python.Runtime.deps.json",
    ),
    ("dotnet/packages.lock.json", "src/Demo/packages.lock.json"),
];

/// (found_in, kind, name, version) of every package the scan must report.
fn expected() -> Vec<(String, PackageKind, String, String)> {
    use PackageKind::*;
    let mut out = Vec::new();
    let mut add = |file: &str, kind: PackageKind, list: &[(&str, &str)]| {
        for (n, v) in list {
            out.push((file.to_string(), kind, n.to_string(), v.to_string()));
        }
    };
    add(
        "/app/py/req/requirements.txt",
        Python,
        &[
            ("certifi", "2026.10.19.post1"),
            ("charset-normalizer", "3.5.3"),
            ("click", "8.1.7"),
            ("colorama", "0.4.6"),
            ("idna", "3.20"),
            ("packaging", "23.2"),
            ("pysocks", "1.7.1"),
            ("requests", "2.31.0"),
            // uv forks the resolution by Python version: both are pinned.
            ("urllib3", "2.6.3"),
            ("urllib3", "2.8.0"),
        ],
    );
    add(
        "/app/py/poetry/poetry.lock",
        Python,
        &[
            ("click", "8.1.7"),
            ("colorama", "0.4.6"),
            ("idna", "3.20"),
            ("six", "1.17.0"),
        ],
    );
    add(
        "/app/py/pipenv/Pipfile.lock",
        Python,
        &[
            ("click", "8.1.7"),
            ("iniconfig", "2.0.0"),
            ("pyyaml", "6.0.1"),
            ("six", "1.17.0"),
        ],
    );
    add(
        "/app/py/uv/uv.lock",
        Python,
        &[
            ("attrs", "23.2.0"),
            ("idna", "3.20"),
            ("iniconfig", "2.0.0"),
            ("six", "1.17.0"),
        ],
    );
    let node: &[(&str, &str)] = &[
        ("@sindresorhus/is", "4.6.0"),
        ("js-tokens", "4.0.0"),
        // `"old-lodash": "npm:lodash@4.17.20"`: an alias of the real package.
        ("lodash", "4.17.20"),
        ("lodash", "4.17.21"),
        ("loose-envify", "1.4.0"),
        ("ms", "2.1.3"),
        ("react", "18.2.0"),
        ("use-sync-external-store", "1.2.0"),
    ];
    for lockfile in [
        "yarn-classic/yarn.lock",
        "yarn-berry/yarn.lock",
        "pnpm-v5/pnpm-lock.yaml",
        "pnpm-v6/pnpm-lock.yaml",
        "pnpm-v9/pnpm-lock.yaml",
    ] {
        add(&format!("/app/node/{lockfile}"), Npm, node);
    }
    // Gemfile.lock minus the PATH gem mylib and minus rack, installed under the project.
    add(
        "/app/ruby/Gemfile.lock",
        Gem,
        &[
            ("minitest", "5.15.0"),
            ("nativeish", "1.15.0"),
            ("power_assert", "2.0.1"),
            ("rake", "13.0.6"),
            ("test-unit", "3.5.3"),
        ],
    );
    add(
        "/app/ruby/vendor/bundle/ruby/3.1.0/specifications/rack-2.2.22.gemspec",
        Gem,
        &[("rack", "2.2.22")],
    );
    add(
        "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
        Gem,
        &[("json", "2.6.1")],
    );
    // Installed outside /app/ruby: the merge does not tie it to the lockfile's copy.
    add(
        "/usr/local/bundle/specifications/nativeish-1.15.0-x86_64-linux.gemspec",
        Gem,
        &[("nativeish", "1.15.0")],
    );
    // composer.lock locks exactly what vendor/ holds: only the installed copies remain.
    add(
        "/app/php/vendor/composer/installed.json",
        Composer,
        &[
            ("Acme/Test-Tools", "2.1.0-beta1"),
            ("psr/log", "3.0.0"),
            ("symfony/console", "v6.4.1"),
        ],
    );
    add(
        "/srv/legacy/vendor/composer/installed.json",
        Composer,
        &[("monolog/monolog", "1.25.1"), ("psr/log", "1.1.0")],
    );
    add(
        "/app/dotnet/Python.Runtime.deps.json",
        Nuget,
        &[
            ("Microsoft.CSharp", "4.7.0"),
            ("Microsoft.SourceLink.GitHub", "10.0.401"),
            ("System.Buffers", "4.6.1"),
            ("System.IO.Hashing", "10.0.12"),
            ("System.Memory", "4.6.3"),
            ("System.Numerics.Vectors", "4.6.1"),
            ("System.Reflection.Emit", "4.7.0"),
            ("System.Reflection.Emit.ILGeneration", "4.7.0"),
            ("System.Runtime.CompilerServices.Unsafe", "6.1.2"),
        ],
    );
    add(
        "/src/Demo/packages.lock.json",
        Nuget,
        &[
            ("Microsoft.CSharp", "4.7.0"),
            ("System.Buffers", "4.6.1"),
            ("System.Memory", "4.6.3"),
            ("System.Reflection.Emit", "4.7.0"),
            ("System.Reflection.Emit.ILGeneration", "4.7.0"),
            ("System.Runtime.CompilerServices.Unsafe", "6.1.2"),
        ],
    );
    out.sort();
    out
}

fn data(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lang")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn write(root: &Path, path: &str, content: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

fn scan(root: &Path) -> Inventory {
    scan_rootfs(root, &AnalyzerRegistry::builtin(), &ScanOptions::default())
        .expect("language files never fail the scan")
        .inventory
}

fn found(inv: &Inventory) -> Vec<(String, PackageKind, String, String)> {
    let mut got: Vec<_> = inv
        .packages
        .iter()
        .map(|p| {
            (
                p.found_in.clone(),
                p.kind,
                p.name.clone(),
                p.version.clone(),
            )
        })
        .collect();
    got.sort();
    got
}

#[test]
fn every_lockfile_and_manifest_exactly() {
    let dir = tempfile::tempdir().unwrap();
    for (source, target) in LAYOUT {
        write(dir.path(), target, &data(source));
    }
    let inv = scan(dir.path());
    assert!(inv.warnings.is_empty(), "{:#?}", inv.warnings);
    let got = found(&inv);
    let want = expected();
    let missing: Vec<_> = want.iter().filter(|p| !got.contains(p)).collect();
    let extra: Vec<_> = got.iter().filter(|p| !want.contains(p)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    assert_eq!(got, want, "each package once per file");

    // Licenses where the format records them.
    let licenses = |found_in: &str, name: &str| -> Vec<String> {
        inv.packages
            .iter()
            .find(|p| p.found_in == found_in && p.name == name)
            .unwrap_or_else(|| panic!("{name} in {found_in}"))
            .licenses
            .clone()
    };
    assert_eq!(
        licenses(
            "/usr/local/bundle/specifications/nativeish-1.15.0-x86_64-linux.gemspec",
            "nativeish"
        ),
        vec!["MIT", "Apache-2.0"]
    );
    assert_eq!(
        licenses(
            "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            "json"
        ),
        vec!["Ruby"]
    );
    assert_eq!(
        licenses("/app/php/vendor/composer/installed.json", "Acme/Test-Tools"),
        vec!["BSD-3-Clause", "MIT"]
    );
    assert_eq!(
        licenses("/srv/legacy/vendor/composer/installed.json", "psr/log"),
        vec!["MIT"]
    );
    // A plain root filesystem is one layer.
    assert!(inv
        .packages
        .iter()
        .all(|p| p.layer.as_ref().is_some_and(|l| l.index == 0)));
}

#[test]
fn lockfiles_inside_installed_packages_are_not_projects() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Each of these would be read (and, being junk, warned about) if it were wanted.
    for path in [
        "app/node_modules/some-pkg/yarn.lock",
        "app/node_modules/some-pkg/pnpm-lock.yaml",
        "usr/local/bundle/gems/rack-2.2.22/Gemfile.lock",
        "usr/local/bundle/bundler/gems/thing-0123abc/Gemfile.lock",
        "app/vendor/acme/tool/composer.lock",
        "usr/local/lib/python3.12/site-packages/pkg/requirements.txt",
        "usr/local/lib/python3.12/site-packages/pkg/poetry.lock",
        "usr/lib/python3/dist-packages/pkg/uv.lock",
        "root/.nuget/packages/tool/1.0.0/tools/tool.deps.json",
        "app/not-a-spec-dir/x-1.0.gemspec",
    ] {
        write(root, path, b"\xff junk {[");
    }
    let inv = scan(root);
    assert!(inv.packages.is_empty(), "{:#?}", inv.packages);
    assert!(inv.warnings.is_empty(), "{:#?}", inv.warnings);
}

#[test]
fn broken_files_are_warnings_naming_them_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let broken: &[(&str, &[u8])] = &[
        ("a/requirements.txt", b"six==1.16.0\n\xff\xfe\n"),
        ("b/poetry.lock", b"[[package]]\nname = \"x\"\n"),
        ("c/Pipfile.lock", b"{\"default\": [1]}"),
        ("d/uv.lock", b"[[package]\n"),
        (
            "e/yarn.lock",
            b"lodash@^4:\n  version \"4.17.21\"\nnot an entry\n",
        ),
        ("f/pnpm-lock.yaml", b"lockfileVersion: '9.0'\npackages: [\n"),
        (
            "usr/local/bundle/specifications/x-1.0.gemspec",
            b"Gem::Specification.new do |s|\n  s.name = \"x\"\n  s.version = X::VERSION\nend\n",
        ),
        ("g/Gemfile.lock", b"    rack (2.2.8)\n"),
        ("h/composer.lock", b"{\"packages\": {}}"),
        ("h/vendor/composer/installed.json", b"[{\"name\": "),
        ("i/App.deps.json", b"{\"targets\": {}}"),
        ("j/packages.lock.json", b"[]"),
    ];
    for (path, content) in broken {
        write(root, path, content);
    }
    // One good file among them: the scan goes on.
    write(
        root,
        "k/pnpm-lock.yaml",
        &data("node/pnpm-v9/pnpm-lock.yaml"),
    );
    let inv = scan(root);
    let mut warned: Vec<&str> = inv
        .warnings
        .iter()
        .map(|w| w.split(": skipped: ").next().unwrap())
        .collect();
    warned.sort();
    let mut want: Vec<String> = broken.iter().map(|(p, _)| format!("/{p}")).collect();
    want.sort();
    assert_eq!(warned, want, "{:#?}", inv.warnings);
    assert!(inv
        .packages
        .iter()
        .all(|p| p.found_in == "/k/pnpm-lock.yaml"));
    assert_eq!(inv.packages.len(), 8);
}
