//! The `bulwark` command: parses arguments, wires the libraries together, shows progress on
//! stderr, writes results to stdout or `--output`, and maps outcomes to exit codes
//! (0 ok, 1 findings with `--exit-code`, 2 usage or input error).

mod args;
mod config_cmd;
mod db;
mod policy_cmd;
mod progress;
mod vuln;
mod warnings;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use bulwark_image::{LayerCache, Limits, OpenOptions, Platform, Target};
use bulwark_inventory::{scan_image, scan_rootfs, AnalyzerRegistry, ScanOptions, ScanOutcome};
use bulwark_report::{write_sbom_with, Artifact, Format, SbomOptions};
use clap::Parser;

use args::{Cli, Command, ScanArgs};

fn main() -> ExitCode {
    warnings::init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `bulwark ... | head` closing the pipe early is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Image(args) => vuln::scan(&args, Kind::Image),
        Command::Rootfs(args) | Command::Fs(args) => vuln::scan(&args, Kind::Rootfs),
        Command::SbomScan(args) => vuln::scan(&args, Kind::Sbom),
        Command::Sbom(args) => {
            // A table by default, as Syft and `docker sbom` print; SBOM documents on request.
            let format: Format = match &args.format {
                Some(f) => f.parse()?,
                None => Format::Table,
            };
            // An image needs the merged filesystem only to give each file its layer.
            let mut scanned = scan(
                &args,
                Kind::ImageOrRootfs,
                AnalyzerRegistry::sbom(),
                None,
                args.list_files,
            )?;
            let mut out = output(&args)?;
            let options = SbomOptions {
                color: args.output.is_none() && io::stdout().is_terminal(),
                list_files: args.list_files,
                ..SbomOptions::default()
            };
            write_sbom_with(
                format,
                &scanned.artifact,
                &scanned.inventory,
                &options,
                &mut out,
            )?;
            out.flush()?;
            // Waits for the layer cache's last write, which ran beside the report.
            drop(scanned.cache.take());
            // The process exits next and the OS takes the memory back at once; freeing the
            // inventory and merged view one allocation at a time would only delay the exit.
            std::mem::forget(scanned);
            Ok(ExitCode::SUCCESS)
        }
        Command::Db(cmd) => db::run(cmd),
        Command::Config(args) => config_cmd::run(&args),
        Command::Policy(cmd) => policy_cmd::run(&cmd),
    }
}

/// Whether the target is an image or a directory.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image,
    Rootfs,
    /// A CycloneDX or SPDX file: its package list instead of a filesystem.
    Sbom,
    /// An image, or a root filesystem directory catalogued as `bulwark rootfs` reads it
    /// (`bulwark sbom`).
    ImageOrRootfs,
}

/// What a scan found, before any matching.
struct Scanned {
    artifact: Artifact,
    inventory: bulwark_inventory::Inventory,
    /// Secrets in every layer's files and in the image config; empty without a scanner.
    secrets: bulwark_inventory::SecretsReport,
    /// Setuid/setgid regular files of the final filesystem, for the image checks.
    special_files: Vec<bulwark_checks::SpecialFile>,
    /// The final filesystem (empty for an SBOM), for entrypoint reachability.
    view: bulwark_image::MergedView,
    /// The layer cache, kept open until the report is out: the scan's last cache write runs
    /// beside the report, and closing the cache waits for it.
    cache: Option<LayerCache>,
}

/// Reads the target and catalogues it with `registry`, the layer cache and a progress bar;
/// with a secret scanner (`config_scanner`, also in `registry`), also searches the image
/// config for secrets. Without `keep_view`, [`Scanned::view`] may be empty.
fn scan(
    args: &ScanArgs,
    kind: Kind,
    registry: AnalyzerRegistry,
    config_scanner: Option<std::sync::Arc<bulwark_secrets::Scanner>>,
    keep_view: bool,
) -> Result<Scanned> {
    let limits = Limits {
        max_layer_bytes: args.max_layer_size,
        max_image_bytes: args.max_image_size,
        max_file_bytes: args.max_file_size,
        ..Limits::default()
    };
    if kind == Kind::Sbom {
        return read_sbom_target(&args.target);
    }
    // Parsed once: detecting an archive reads its index.
    let parsed = Target::parse(&args.target);
    let kind = match (kind, &parsed) {
        (Kind::ImageOrRootfs, Ok(Target::Rootfs(_))) => Kind::Rootfs,
        (kind, _) => kind,
    };
    let cache = if args.no_cache || kind == Kind::Rootfs {
        None
    } else {
        let dir = cache_dir(args.cache_dir.clone());
        match LayerCache::open(&dir) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("warning: layer cache disabled: {e}");
                None
            }
        }
    };
    let progress = progress::Bar::new(!args.quiet && io::stderr().is_terminal());
    let opts = ScanOptions {
        limits,
        cache: cache.as_ref(),
        progress: &progress,
        keep_view,
    };
    let (artifact, outcome): (Artifact, ScanOutcome) = match kind {
        Kind::Rootfs => {
            let target = match &parsed {
                Ok(Target::Rootfs(dir)) => dir.display().to_string(),
                _ => args.target.clone(),
            };
            let outcome = scan_rootfs(std::path::Path::new(&target), &registry, &opts)?;
            (Artifact::filesystem(&target), outcome)
        }
        // Returned before the cache was opened; kept here so the match stays total.
        Kind::Sbom => return read_sbom_target(&args.target),
        Kind::Image | Kind::ImageOrRootfs => {
            let target = parsed?;
            let open = OpenOptions {
                platform: match &args.platform {
                    Some(p) => Platform::parse(p)?,
                    None => Platform::host(),
                },
                insecure_registries: args.insecure.clone(),
                username: args.username.clone(),
                password: args.password.clone(),
                docker_config: None,
            };
            let source = target.open_image(&open)?;
            let outcome = scan_image(source.as_ref(), &registry, &opts)?;
            let mut meta = source.meta().clone();
            meta.name = args.target.clone();
            let mut outcome = outcome;
            if let Some(scanner) = &config_scanner {
                let found = bulwark_inventory::scan_image_config(scanner, &meta);
                outcome.secrets.findings.extend(found);
            }
            (Artifact::image(meta), outcome)
        }
    };
    progress.finish();
    for w in &outcome.inventory.warnings {
        eprintln!("warning: {w}");
    }
    let special_files = outcome
        .view
        .iter()
        .filter(|(_, e)| e.meta.kind == bulwark_image::EntryKind::File && e.meta.mode & 0o6000 != 0)
        .map(|(path, e)| bulwark_checks::SpecialFile {
            path: format!("/{}", path.trim_start_matches('/')),
            mode: e.meta.mode,
            uid: e.meta.uid,
            layer: e.layer,
        })
        .collect();
    let mut inventory = outcome.inventory;
    if args.list_files {
        bulwark_inventory::attach_file_layers(&mut inventory, &outcome.view);
    }
    Ok(Scanned {
        artifact,
        inventory,
        secrets: outcome.secrets,
        special_files,
        view: outcome.view,
        cache,
    })
}

/// `bulwark sbom-scan FILE`: the SBOM's packages as the inventory (no layers, no secrets).
fn read_sbom_target(path: &str) -> Result<Scanned> {
    let file = std::path::Path::new(path);
    let size = std::fs::metadata(file)
        .with_context(|| format!("cannot read {path}"))?
        .len();
    if size > bulwark_sbom::MAX_SBOM_BYTES {
        anyhow::bail!(
            "{path}: {size} bytes is over the {}-byte limit for an SBOM",
            bulwark_sbom::MAX_SBOM_BYTES
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {path}"))?;
    let sbom = bulwark_sbom::read_sbom(&bytes, path)?;
    if sbom.skipped > 0 {
        eprintln!(
            "note: {} component(s) without a supported package URL were not matched",
            sbom.skipped
        );
    }
    for w in &sbom.inventory.warnings {
        eprintln!("warning: {w}");
    }
    Ok(Scanned {
        artifact: Artifact::sbom(path),
        inventory: sbom.inventory,
        secrets: Default::default(),
        special_files: Vec::new(),
        view: Default::default(),
        cache: None,
    })
}

/// `--output FILE` or stdout, buffered.
fn output(args: &ScanArgs) -> Result<Box<dyn Write>> {
    Ok(match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    })
}

/// `--cache-dir`, else `BULWARK_CACHE_DIR` (handled by clap), else the XDG cache dir.
fn cache_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.unwrap_or_else(|| {
        dirs::cache_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("bulwark")
    })
}
