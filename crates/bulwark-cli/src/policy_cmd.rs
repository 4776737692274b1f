//! `bulwark policy test PATH...`: runs Rego policy unit tests the way `opa test` does and
//! prints one line per test and a summary. Exit 0 when all pass, 1 when any fails or
//! errors, 2 when the policies cannot be loaded.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use bulwark_policy::{run_tests, Limits, Outcome, PolicySet};
use clap::{Args, Subcommand};

/// `bulwark policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of the policies under PATH (files or directories).
    Test(PolicyTestArgs),
}

/// `bulwark policy test`.
#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Policy and data files or directories (`.rego`, `.json`, `.yaml`).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only run tests whose full rule path contains this text.
    #[arg(long, value_name = "TEXT")]
    pub run: Option<String>,
    /// Print passing tests too, with their duration.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Dispatches a `policy` subcommand.
pub fn run(cmd: &PolicyCommand) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Test(args) => test(args),
    }
}

fn test(args: &PolicyTestArgs) -> Result<ExitCode> {
    let set = PolicySet::load(&args.paths, &Limits::default())?;
    let report = run_tests(&set, args.run.as_deref());
    for r in &report.results {
        let ms = r.duration.as_secs_f64() * 1000.0;
        match &r.outcome {
            Outcome::Pass if args.verbose => println!("{}: PASS ({ms:.1}ms)", r.rule),
            Outcome::Pass => {}
            Outcome::Fail => println!("{} ({}): FAIL ({ms:.1}ms)", r.rule, r.file),
            Outcome::Error(e) => println!("{} ({}): ERROR\n  {e}", r.rule, r.file),
            Outcome::Skip => println!("{}: SKIPPED", r.rule),
        }
    }
    if report.results.is_empty() {
        println!("no tests found");
        return Ok(ExitCode::from(1));
    }
    let total = report.results.len() - report.skipped();
    println!("{}", "-".repeat(60));
    if report.failed() == 0 {
        println!("PASS: {}/{total}", report.passed());
        if report.skipped() > 0 {
            println!("SKIPPED: {}/{}", report.skipped(), report.results.len());
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!("PASS: {}/{total}", report.passed());
        println!("FAIL: {}/{total}", report.failed());
        Ok(ExitCode::from(1))
    }
}
