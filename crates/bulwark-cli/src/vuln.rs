//! `bulwark image|rootfs`: scan, match against the advisory database, apply exceptions and
//! VEX, filter, report, and turn what remains into the exit code.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use bulwark_report::{purl, write_vuln_report, Format, SbomOptions};
use bulwark_vuln::policy::{Exceptions, VexDocument};
use bulwark_vuln::{match_inventory, MatchOptions, Severity, Status, VulnReport};
use bulwark_vulndb::VulnDb;

use crate::args::VulnScanArgs;
use crate::db::age_days;
use crate::{cache_dir, output, Kind};

/// The default exceptions file, read from the current directory when present.
const DEFAULT_IGNOREFILE: &str = ".bulwarkignore.yaml";

/// Scans `args.scan.target` for vulnerabilities and reports them.
pub fn scan(args: &VulnScanArgs, kind: Kind) -> Result<ExitCode> {
    for s in &args.scanners {
        match s.trim() {
            "vuln" => {}
            "secret" | "config" | "misconfig" | "license" => {
                bail!("scanner `{s}` is not available yet (available: vuln)")
            }
            other => bail!("unknown scanner `{other}` (available: vuln)"),
        }
    }
    let format: Format = match &args.scan.format {
        Some(f) => f.parse()?,
        None => Format::Table,
    };
    if format == Format::SpdxJson {
        bail!("SPDX 2.3 has no place for vulnerabilities; use `bulwark sbom --format spdx-json` for the SBOM, or --format json|sarif|cyclonedx|table");
    }
    let severities: Vec<Severity> = args
        .severity
        .iter()
        .map(|s| s.parse::<Severity>().map_err(anyhow::Error::msg))
        .collect::<Result<_>>()?;
    // Policy inputs are read before the (long) scan so a typo fails fast.
    let exceptions = load_exceptions(args.ignorefile.as_ref())?;
    let vex = args
        .vex
        .iter()
        .map(|p| VexDocument::load(p))
        .collect::<Result<Vec<_>, _>>()?;
    // The image is read first: a broken image is the error users need to see, whatever
    // the state of the database.
    let scanned = crate::scan(&args.scan, kind)?;
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
    let today = time::OffsetDateTime::now_utc().date();
    if let Some(ex) = &exceptions {
        ex.apply(&mut report.findings, today, &mut report.warnings);
    }
    if !vex.is_empty() {
        let merged = VexDocument::merge(vex);
        merged.apply(
            &mut report.findings,
            &artifact_ids(&scanned.artifact),
            &mut report.warnings,
        );
    }
    report.findings.retain(|f| {
        (severities.is_empty() || severities.contains(&f.severity))
            && (!args.ignore_unfixed || f.status == Status::Fixed)
    });
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    let mut out = output(&args.scan)?;
    let options = SbomOptions {
        color: args.scan.output.is_none() && io::stdout().is_terminal(),
        list_files: args.scan.list_files,
        ..SbomOptions::default()
    };
    write_vuln_report(
        format,
        &scanned.artifact,
        &scanned.inventory,
        &report,
        &options,
        &mut out,
    )?;
    out.flush()?;
    let active = report.active().count();
    if active > 0 && args.exit_code != 0 {
        return Ok(ExitCode::from(args.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--ignorefile`, else `.bulwarkignore.yaml` when it exists. A named file must exist.
fn load_exceptions(flag: Option<&PathBuf>) -> Result<Option<Exceptions>> {
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
