//! `bulwark image|rootfs|fs`: scan (packages, secrets), match against the advisory
//! database, run the image config checks and the user's Rego policies, apply exceptions
//! and VEX, filter, report, and turn what remains into the exit code.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use bulwark_checks::CheckOptions;
use bulwark_policy::{Limits as PolicyLimits, PolicySet, ScanInput, ScanParts, WaivableMisconfig};
use bulwark_report::{purl, write_scan_report, Format, SbomOptions, ScanFindings};
use bulwark_secrets::{Config as SecretConfig, Scanner};
use bulwark_vuln::policy::{Exceptions, VexDocument, Waivable};
use bulwark_vuln::{match_inventory, MatchOptions, Severity, Status, VulnReport};
use bulwark_vulndb::VulnDb;

use crate::args::VulnScanArgs;
use crate::db::age_days;
use crate::{cache_dir, output, Kind};

/// The default exceptions file, read from the current directory when present.
const DEFAULT_IGNOREFILE: &str = ".bulwarkignore.yaml";

/// The default secret scanner configuration, read from the current directory when present.
const DEFAULT_SECRET_CONFIG: &str = ".bulwark-secret.yaml";

/// Which scanners `--scanners` turned on.
struct Scanners {
    vuln: bool,
    secret: bool,
    /// Image config checks (`config`, alias `misconfig`).
    config: bool,
}

impl Scanners {
    fn parse(list: &[String]) -> Result<Self> {
        let mut on = Scanners {
            vuln: false,
            secret: false,
            config: false,
        };
        for s in list {
            match s.trim() {
                "vuln" => on.vuln = true,
                "secret" => on.secret = true,
                "config" | "misconfig" => on.config = true,
                "license" => {
                    bail!("scanner `{s}` is not available yet (available: vuln, secret, config)")
                }
                other => bail!("unknown scanner `{other}` (available: vuln, secret, config)"),
            }
        }
        if !on.vuln && !on.secret && !on.config {
            bail!("--scanners needs at least one of: vuln, secret, config");
        }
        Ok(on)
    }
}

/// Scans `args.scan.target` with the chosen scanners (vulnerabilities, secrets) and
/// reports what they found.
pub fn scan(args: &VulnScanArgs, kind: Kind) -> Result<ExitCode> {
    let mut scanners = Scanners::parse(&args.scanners)?;
    if kind == Kind::Sbom {
        // An SBOM lists packages; there are no files to search for secrets and no config.
        if scanners.config {
            bail!("sbom-scan matches the SBOM's packages only: --scanners vuln");
        }
        scanners.secret = false;
        scanners.vuln = true;
    }
    if scanners.config && kind == Kind::Rootfs {
        bail!("--scanners config checks an image's config; for the Dockerfiles, compose files and manifests of a directory run `bulwark config DIR`");
    }
    let format: Format = match &args.scan.format {
        Some(f) => f.parse()?,
        None => Format::Table,
    };
    if format == Format::SpdxJson {
        bail!("SPDX 2.3 has no place for vulnerabilities; use `bulwark sbom --format spdx-json` for the SBOM, or --format json|sarif|cyclonedx|table");
    }
    if args.reachable_only && kind != Kind::Image {
        bail!("--reachable-only needs an image: its ENTRYPOINT/CMD decides what is loaded");
    }
    let severities = SeverityFilter::parse(&args.severity)?;
    // Policy inputs are read before the (long) scan so a typo fails fast.
    let exceptions = load_exceptions(args.ignorefile.as_ref())?;
    let vex = args
        .vex
        .iter()
        .map(|p| VexDocument::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    let policies = load_policies(&args.policy)?;
    let check_options = load_check_options(args.check_config.as_ref())?;
    let secret_scanner = if scanners.secret {
        Some(load_secret_scanner(args.secret_config.as_ref())?)
    } else {
        None
    };
    // The image is read first: a broken image is the error users need to see, whatever
    // the state of the database.
    let registry = bulwark_inventory::AnalyzerRegistry::with_secrets(secret_scanner.clone());
    let config_scanner = secret_scanner.as_ref().map(|(s, _)| s.clone());
    let scanned = crate::scan(&args.scan, kind, registry, config_scanner, true)?;
    let today = time::OffsetDateTime::now_utc().date();
    let mut exception_warnings = Vec::new();
    let mut matched = vec![false; exceptions.as_ref().map_or(0, |e| e.len())];
    let mut report = if scanners.vuln {
        Some(match_vulns(args, &scanned)?)
    } else {
        None
    };
    if let Some(r) = report.as_mut().filter(|_| kind == Kind::Image) {
        let reach = reachability(&scanned);
        for note in &reach.notes {
            eprintln!("note: entrypoint: {note}");
        }
        r.set_reachability(&reach);
    }
    // Each misconfiguration with the in-image file it is about (None for the image config
    // and filesystem checks), for exceptions' `path` globs.
    let mut misconfigs: Option<Vec<bulwark_checks::Finding>> = None;
    let mut misconfig_paths: Vec<Option<String>> = Vec::new();
    if scanners.config || policies.is_some() {
        let mut found = Vec::new();
        if scanners.config {
            found = check_image(&scanned.artifact, &scanned.special_files, &check_options);
            misconfig_paths = vec![None; found.len()];
            for (path, finding) in check_stored_config_files(&scanned.inventory, &check_options) {
                misconfig_paths.push(Some(path));
                found.push(finding);
            }
        }
        misconfigs = Some(found);
    }
    // Exceptions first (vulnerabilities and built-in checks in one pass), then VEX, as
    // docs/EXCEPTIONS.md says; policy results, which see the suppressions, come after and
    // get their own pass.
    if let Some(ex) = &exceptions {
        let mut items: Vec<&mut dyn Waivable> = Vec::new();
        if let Some(r) = report.as_mut() {
            items.extend(r.findings.iter_mut().map(|f| f as &mut dyn Waivable));
        }
        let mut wrapped: Vec<WaivableMisconfig> = misconfigs
            .iter_mut()
            .flatten()
            .zip(&misconfig_paths)
            .map(|(finding, path)| WaivableMisconfig {
                finding,
                path: path.as_deref(),
            })
            .collect();
        items.extend(wrapped.iter_mut().map(|w| w as &mut dyn Waivable));
        ex.waive(&mut items, today, &mut matched);
    }
    if let Some(r) = report.as_mut() {
        apply_vex(r, &scanned, vex);
    }
    let mut secrets = scanned.secrets.clone();
    if policies.is_some() || args.policy_input.is_some() {
        let input = ScanInput::build(ScanParts {
            name: &scanned.artifact.name,
            image: scanned.artifact.image.as_ref(),
            inventory: &scanned.inventory,
            vulnerabilities: report.as_ref().map(|r| r.findings.as_slice()),
            secrets: scanner_ran(&secret_scanner, &secrets.findings),
            misconfigurations: scanners
                .config
                .then_some(misconfigs.as_deref().unwrap_or_default()),
        });
        let input = input.to_json();
        if let Some(path) = &args.policy_input {
            let text = serde_json::to_string_pretty(&input)?;
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let mut found: Vec<bulwark_checks::Finding> = match &policies {
            Some(policies) => policies
                .evaluate(&input)?
                .into_iter()
                .filter_map(|r| check_options.adjust(r.into_finding()))
                .collect(),
            None => Vec::new(),
        };
        if let Some(ex) = &exceptions {
            let mut wrapped: Vec<WaivableMisconfig> = found
                .iter_mut()
                .map(|finding| WaivableMisconfig {
                    finding,
                    path: None,
                })
                .collect();
            let mut items: Vec<&mut dyn Waivable> =
                wrapped.iter_mut().map(|w| w as &mut dyn Waivable).collect();
            ex.waive(&mut items, today, &mut matched);
        }
        if policies.is_some() {
            misconfigs.get_or_insert_with(Vec::new).extend(found);
        }
    }
    if let Some(ex) = &exceptions {
        exception_warnings = ex.warnings(&matched, today);
    }
    if let Some(r) = report.as_mut() {
        r.warnings.splice(0..0, exception_warnings.drain(..));
        r.findings.retain(|f| {
            severities.keeps_vuln(f.severity)
                && (!args.ignore_unfixed || f.status == Status::Fixed)
                && !(args.reachable_only
                    && f.reachability.as_ref().is_some_and(|r| r.is_not_loaded()))
        });
        for w in &r.warnings {
            eprintln!("warning: {w}");
        }
    }
    for w in &exception_warnings {
        eprintln!("warning: {w}");
    }
    let report = report;
    secrets
        .findings
        .retain(|f| severities.keeps_secret(f.secret.severity));
    if let Some(found) = misconfigs.as_mut() {
        found.retain(|f| severities.keeps_level(f.severity.as_str()));
    }

    let mut out = output(&args.scan)?;
    let options = SbomOptions {
        color: args.scan.output.is_none() && io::stdout().is_terminal(),
        list_files: args.scan.list_files,
        ..SbomOptions::default()
    };
    write_scan_report(
        format,
        &scanned.artifact,
        &scanned.inventory,
        &ScanFindings {
            vulns: report.as_ref(),
            secrets: secret_scanner.is_some().then_some(&secrets),
            misconfigs: misconfigs.as_deref(),
        },
        &options,
        &mut out,
    )?;
    out.flush()?;
    let active = report.as_ref().map_or(0, |r| r.active().count())
        + secrets.findings.len()
        + misconfigs
            .iter()
            .flatten()
            .filter(|f| f.severity != bulwark_checks::Severity::Info && f.suppressed.is_none())
            .count();
    if active > 0 && args.exit_code != 0 {
        return Ok(ExitCode::from(args.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// Which packages the image's ENTRYPOINT/CMD loads (an image without a config has no
/// entrypoint: everything is unknown).
fn reachability(scanned: &crate::Scanned) -> bulwark_vuln::ReachReport {
    let runtime = scanned
        .artifact
        .image
        .as_ref()
        .and_then(|m| m.config.config.clone())
        .unwrap_or_default();
    bulwark_reach::analyze(&scanned.inventory, &scanned.view, &runtime)
}

/// Opens the advisory database, matches the inventory and applies exceptions and VEX.
fn match_vulns(args: &VulnScanArgs, scanned: &crate::Scanned) -> Result<VulnReport> {
    let db_path = VulnDb::default_path(&cache_dir(args.scan.cache_dir.clone()));
    let db = VulnDb::open(&db_path)?;
    if let Some(days) = age_days(&db.meta().built_at) {
        if days > args.db_max_age as i64 {
            eprintln!(
                "warning: the vulnerability database is {days} days old (built {}); run `bulwark db update`",
                db.meta().built_at
            );
        }
    }
    let mut report = match_inventory(&db, &scanned.inventory, &MatchOptions::default())?;
    fill_purls(&mut report, &scanned.inventory);
    Ok(report)
}

/// Applies the VEX documents (after the exceptions: an exception is recorded first).
fn apply_vex(report: &mut VulnReport, scanned: &crate::Scanned, vex: Vec<VexDocument>) {
    if !vex.is_empty() {
        let merged = VexDocument::merge(vex);
        merged.apply(
            &mut report.findings,
            &artifact_ids(&scanned.artifact),
            &mut report.warnings,
        );
    }
}

/// The secret findings for the policy input, when the secret scanner ran.
fn scanner_ran<'a, T>(scanner: &Option<(Arc<Scanner>, u64)>, findings: &'a [T]) -> Option<&'a [T]> {
    scanner.as_ref().map(|_| findings)
}

/// `--policy DIR...`, loaded before the scan so a broken policy fails fast.
fn load_policies(dirs: &[PathBuf]) -> Result<Option<PolicySet>> {
    if dirs.is_empty() {
        return Ok(None);
    }
    Ok(Some(PolicySet::load(dirs, &PolicyLimits::default())?))
}

/// `--check-config`, else `.bulwark-checks.yaml` when it exists: disabled and re-graded
/// check and policy ids.
pub(crate) fn load_check_options(flag: Option<&PathBuf>) -> Result<CheckOptions> {
    let mut options = CheckOptions::default();
    match flag {
        Some(path) => options.apply_settings_file(path)?,
        None => {
            let path = PathBuf::from(DEFAULT_CHECK_CONFIG);
            if path.is_file() {
                options.apply_settings_file(&path)?;
            }
        }
    }
    Ok(options)
}

/// The check settings file read from the current directory when `--check-config` is not given.
pub(crate) const DEFAULT_CHECK_CONFIG: &str = ".bulwark-checks.yaml";

/// `--severity`: the levels to report, for vulnerabilities and secrets alike (secrets have
/// no UNKNOWN or NEGLIGIBLE). Empty: everything.
struct SeverityFilter {
    levels: Vec<String>,
}

impl SeverityFilter {
    fn parse(list: &[String]) -> Result<Self> {
        let mut levels = Vec::new();
        for s in list {
            let vuln = s.parse::<Severity>().map_err(anyhow::Error::msg)?;
            levels.push(vuln.name().to_string());
        }
        Ok(Self { levels })
    }

    fn keeps_vuln(&self, s: Severity) -> bool {
        self.levels.is_empty() || self.levels.iter().any(|l| l == s.name())
    }

    fn keeps_secret(&self, s: bulwark_secrets::Severity) -> bool {
        self.keeps_level(s.as_str())
    }

    fn keeps_level(&self, name: &str) -> bool {
        self.levels.is_empty() || self.levels.iter().any(|l| l == name)
    }
}

/// The image config checks (`bulwark_checks::check_image_config`) on the scanned image's
/// config: user, exposed ports, health check, env names, command, history.
fn check_image(
    artifact: &bulwark_report::Artifact,
    special_files: &[bulwark_checks::SpecialFile],
    options: &CheckOptions,
) -> Vec<bulwark_checks::Finding> {
    let Some(meta) = &artifact.image else {
        return Vec::new();
    };
    let runtime = meta.config.config.clone().unwrap_or_default();
    let exposed: Vec<String> = runtime
        .exposed_ports
        .as_ref()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let env_names: Vec<String> = runtime
        .env
        .iter()
        .flatten()
        .map(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k).to_string())
        .collect();
    let command: Vec<String> = runtime
        .entrypoint
        .iter()
        .flatten()
        .chain(runtime.cmd.iter().flatten())
        .cloned()
        .collect();
    let history: Vec<String> = meta
        .config
        .history
        .iter()
        .filter_map(|h| h.created_by.clone())
        .collect();
    let healthcheck = runtime.healthcheck.as_ref().is_some_and(|h| {
        h.get("Test")
            .and_then(|t| t.as_array())
            .and_then(|t| t.first())
            .and_then(|t| t.as_str())
            != Some("NONE")
    });
    let facts = bulwark_checks::ImageFacts {
        user: runtime.user.as_deref(),
        exposed_ports: &exposed,
        healthcheck,
        env_names: &env_names,
        command: &command,
        history: &history,
        special_files,
    };
    bulwark_checks::check_image_config(&facts, options)
}

/// The checks of `bulwark config` on the Dockerfiles, compose files and Kubernetes
/// manifests stored in the image. Each finding's subject starts with the file, its line and
/// its layer (`/app/Dockerfile:3 (layer 2) stage 0`); a file that does not parse is a
/// warning, not a failure of the image scan.
fn check_stored_config_files(
    inventory: &bulwark_inventory::Inventory,
    options: &CheckOptions,
) -> Vec<(String, bulwark_checks::Finding)> {
    let mut out = Vec::new();
    for file in &inventory.config_files {
        let path = std::path::Path::new(&file.path);
        match bulwark_checks::check_bytes(path, file.text.as_bytes(), None, options) {
            Ok(Some((_kind, findings))) => {
                let layer = file
                    .layer
                    .map(|l| format!(" (layer {l})"))
                    .unwrap_or_default();
                for mut f in findings {
                    let line = if f.position.line > 0 {
                        format!(":{}", f.position.line)
                    } else {
                        String::new()
                    };
                    f.subject = Some(match f.subject.take() {
                        Some(s) => format!("{}{line}{layer} {s}", file.path),
                        None => format!("{}{line}{layer}", file.path),
                    });
                    out.push((file.path.clone(), f));
                }
            }
            Ok(None) => {}
            Err(e) => eprintln!("warning: config file in the image: {e}"),
        }
    }
    out
}

/// `--secret-config`, else `.bulwark-secret.yaml` when it exists; the scanner and its file
/// size limit.
fn load_secret_scanner(flag: Option<&PathBuf>) -> Result<(Arc<Scanner>, u64)> {
    let config = match flag {
        Some(path) => SecretConfig::load(path)?,
        None => {
            let path = PathBuf::from(DEFAULT_SECRET_CONFIG);
            if path.is_file() {
                SecretConfig::load(&path).with_context(|| {
                    format!("reading {DEFAULT_SECRET_CONFIG} in the current directory")
                })?
            } else {
                SecretConfig::default()
            }
        }
    };
    let limit = config
        .max_file_size
        .unwrap_or(bulwark_secrets::DEFAULT_MAX_FILE_SIZE);
    Ok((Arc::new(Scanner::new(&config)?), limit))
}

/// `--ignorefile`, else `.bulwarkignore.yaml` when it exists. A named file must exist.
pub(crate) fn load_exceptions(flag: Option<&PathBuf>) -> Result<Option<Exceptions>> {
    match flag {
        Some(path) => Ok(Some(Exceptions::load(path)?)),
        None => {
            let path = PathBuf::from(DEFAULT_IGNOREFILE);
            if path.is_file() {
                Ok(Some(Exceptions::load(&path).with_context(|| {
                    format!("reading {DEFAULT_IGNOREFILE} in the current directory")
                })?))
            } else {
                Ok(None)
            }
        }
    }
}

/// Gives each finding the purl of its package, for VEX matching and reports.
fn fill_purls(report: &mut VulnReport, inventory: &bulwark_inventory::Inventory) {
    let os = inventory.os.as_ref();
    for f in &mut report.findings {
        let p = &f.package;
        if let Some(pkg) = inventory.packages.iter().find(|q| {
            q.kind == p.kind
                && q.name == p.name
                && q.version == p.version
                && q.found_in == p.found_in
        }) {
            f.package.purl = purl(pkg, os);
        }
    }
}

/// Names the scanned artifact the way VEX documents name products.
fn artifact_ids(artifact: &bulwark_report::Artifact) -> Vec<String> {
    let mut ids = vec![artifact.name.clone()];
    if let Some(image) = &artifact.image {
        let repo = image
            .repo_tags
            .first()
            .map(|t| t.rsplit_once(':').map_or(t.as_str(), |(r, _)| r))
            .and_then(|r| r.rsplit('/').next())
            .map(str::to_string);
        for digest in image.manifest_digest.iter().chain([&image.config_digest]) {
            ids.push(digest.to_string());
            if let Some(repo) = &repo {
                ids.push(format!(
                    "pkg:oci/{repo}@{}",
                    digest.to_string().replace(':', "%3A")
                ));
            }
        }
        ids.extend(image.repo_tags.iter().cloned());
        ids.extend(image.repo_digests.iter().cloned());
    }
    ids
}
