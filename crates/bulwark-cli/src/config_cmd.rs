//! `bulwark config PATH...`: misconfiguration checks on Dockerfiles, compose files,
//! Kubernetes manifests and `docker inspect` output.
//!
//! Exit codes: 2 when an option is wrong, or when any file could not be read or parsed
//! (after the report of all the other files is written, and each such file is named on
//! stderr as `error: file:line:col: ...`); otherwise `--exit-code N` when findings remain
//! after `--severity` that no exception (`.bulwarkignore.yaml`) waives, else 0.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use bulwark_checks::{render, scan_paths, Severity};
use bulwark_policy::WaivableMisconfig;
use bulwark_vuln::policy::Waivable;
use clap::Args;

/// `bulwark config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Files and directories to check (directories recursively, without .git and node_modules).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format: table, json or sarif.
    #[arg(short, long, default_value = "table")]
    pub format: String,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report only these severities (comma-separated: INFO,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub severity: Vec<String>,
    /// Exit with this code when any reported finding remains.
    #[arg(long, default_value_t = 0, value_name = "CODE")]
    pub exit_code: u8,
    /// Do not run this check (e.g. BW-DF-006); repeatable.
    #[arg(long = "skip-check", value_name = "ID")]
    pub skip_check: Vec<String>,
    /// Re-grade a check: ID=LEVEL (e.g. BW-RT-015=MEDIUM); repeatable.
    #[arg(long = "check-severity", value_name = "ID=LEVEL")]
    pub check_severity: Vec<String>,
    /// Trust base images under this registry or repository prefix (e.g. registry.example.com/base);
    /// repeatable, added to the defaults (see docs/CHECKS.md).
    #[arg(long = "trusted-registry", value_name = "PREFIX")]
    pub trusted_registry: Vec<String>,
    /// Check settings (disable or re-grade check ids; docs/CHECKS.md); default
    /// `.bulwark-checks.yaml` in the current directory when it exists.
    #[arg(long, value_name = "FILE")]
    pub check_config: Option<PathBuf>,
    /// Exceptions file (docs/EXCEPTIONS.md), the same as for vulnerabilities; default
    /// `.bulwarkignore.yaml` in the current directory when it exists.
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
}

#[derive(Clone, Copy)]
enum Format {
    Table,
    Json,
    Sarif,
}

/// Runs the checks and writes the report.
pub fn run(args: &ConfigArgs) -> Result<ExitCode> {
    let format = match args.format.as_str() {
        "table" => Format::Table,
        "json" => Format::Json,
        "sarif" => Format::Sarif,
        other => bail!("unknown format {other:?} for config: use table, json or sarif"),
    };
    let mut opts = crate::vuln::load_check_options(args.check_config.as_ref())?;
    let exceptions = crate::vuln::load_exceptions(args.ignorefile.as_ref())?;
    for id in &args.skip_check {
        opts.skip_check(id)?;
    }
    for spec in &args.check_severity {
        opts.set_severity(spec)?;
    }
    opts.trusted_registries
        .extend(args.trusted_registry.iter().cloned());
    let keep: Vec<Severity> = args
        .severity
        .iter()
        .map(|s| s.parse::<Severity>())
        .collect::<Result<_, _>>()?;

    let mut report = scan_paths(&args.paths, &opts);
    if let Some(ex) = &exceptions {
        let mut wrapped: Vec<WaivableMisconfig> = report
            .files
            .iter_mut()
            .flat_map(|file| {
                let path = file.path.as_str();
                file.findings
                    .iter_mut()
                    .map(move |finding| WaivableMisconfig {
                        finding,
                        path: Some(path),
                    })
            })
            .collect();
        let mut items: Vec<&mut dyn Waivable> =
            wrapped.iter_mut().map(|w| w as &mut dyn Waivable).collect();
        let mut warnings = Vec::new();
        ex.apply_all(
            &mut items,
            time::OffsetDateTime::now_utc().date(),
            &mut warnings,
        );
        for w in warnings {
            eprintln!("warning: {w}");
        }
    }
    report.retain_severities(&keep);

    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(io::stdout().lock())),
    };
    match format {
        Format::Table => render::write_table(&report, &mut out)?,
        Format::Json => render::write_json(&report, &mut out)?,
        Format::Sarif => render::write_sarif(&report, env!("CARGO_PKG_VERSION"), &mut out)?,
    }
    out.flush()?;

    let mut errors = 0;
    for e in report.errors() {
        eprintln!("error: {e}");
        errors += 1;
    }
    if errors > 0 {
        return Ok(ExitCode::from(2));
    }
    if args.exit_code != 0 && report.findings().any(|(_, f)| f.suppressed.is_none()) {
        return Ok(ExitCode::from(args.exit_code));
    }
    Ok(ExitCode::SUCCESS)
}
