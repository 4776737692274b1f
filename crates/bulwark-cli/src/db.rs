//! `bulwark db update|import|status`.

use std::process::ExitCode;

use anyhow::{bail, Result};
use bulwark_vulndb::{UpdateOptions, UpdateOutcome, VulnDb, DEFAULT_ECOSYSTEMS, DEFAULT_SOURCE};

use crate::args::{DbCommand, DbCommonArgs};
use crate::cache_dir;

/// Runs one `db` subcommand.
pub fn run(cmd: DbCommand) -> Result<ExitCode> {
    match cmd {
        DbCommand::Update(args) => {
            let path = db_path(&args.common);
            let opts = UpdateOptions {
                source: args.source.unwrap_or_else(|| DEFAULT_SOURCE.to_string()),
                ecosystems: if args.ecosystems.is_empty() {
                    DEFAULT_ECOSYSTEMS.iter().map(|s| s.to_string()).collect()
                } else {
                    args.ecosystems
                },
                extra: args.extra,
            };
            let out = bulwark_vulndb::update(&path, &opts)?;
            summarize(&out, &path);
        }
        DbCommand::Import(args) => {
            let path = db_path(&args.common);
            let out = bulwark_vulndb::import(&path, &args.sources)?;
            summarize(&out, &path);
        }
        DbCommand::Status(args) => {
            let path = db_path(&args);
            let db = VulnDb::open(&path)?;
            let ecosystems = db.ecosystems()?;
            match args.format.as_str() {
                "json" => {
                    let doc = serde_json::json!({
                        "path": path,
                        "meta": db.meta(),
                        "age_days": age_days(&db.meta().built_at),
                        "ecosystems": ecosystems.iter().map(|(e, n)| serde_json::json!({"name": e, "entries": n})).collect::<Vec<_>>(),
                    });
                    println!("{}", serde_json::to_string_pretty(&doc)?);
                }
                "table" => {
                    let meta = db.meta();
                    println!("Database:   {}", path.display());
                    println!("Schema:     {}", meta.schema_version);
                    match age_days(&meta.built_at) {
                        Some(d) => println!("Built:      {} ({d} days ago)", meta.built_at),
                        None => println!("Built:      {}", meta.built_at),
                    }
                    println!("Advisories: {}", meta.advisories);
                    println!("Entries:    {}", meta.affected);
                    println!("Sources:");
                    for s in &meta.sources {
                        println!(
                            "  {} ({}, sha256 {}): {} records, {} skipped, {} withdrawn",
                            s.location,
                            s.kind,
                            &s.sha256[..s.sha256.len().min(12)],
                            s.records,
                            s.skipped,
                            s.withdrawn
                        );
                    }
                    println!("Ecosystems:");
                    for (e, n) in &ecosystems {
                        println!("  {e}: {n}");
                    }
                }
                other => bail!("unknown format `{other}` for db status (table, json)"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `<cache>/db/vulndb.sqlite`.
pub fn db_path(args: &DbCommonArgs) -> std::path::PathBuf {
    VulnDb::default_path(&cache_dir(args.cache_dir.clone()))
}

fn summarize(out: &UpdateOutcome, path: &std::path::Path) {
    for w in &out.warnings {
        eprintln!("warning: {w}");
    }
    let skipped: u64 = out.meta.sources.iter().map(|s| s.skipped).sum();
    eprintln!(
        "vulnerability database {} updated: {} advisories, {} package entries from {} source(s){}",
        path.display(),
        out.meta.advisories,
        out.meta.affected,
        out.meta.sources.len(),
        if skipped > 0 {
            format!(", {skipped} malformed record(s) skipped")
        } else {
            String::new()
        }
    );
}

/// Whole days since `built_at` (RFC 3339), if it parses.
pub fn age_days(built_at: &str) -> Option<i64> {
    let built =
        time::OffsetDateTime::parse(built_at, &time::format_description::well_known::Rfc3339)
            .ok()?;
    Some((time::OffsetDateTime::now_utc() - built).whole_days())
}
