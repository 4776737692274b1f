//! Command-line arguments. Flags follow Trivy's names where Trivy has one.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Container security scanner: images, root filesystems, SBOMs.
#[derive(Debug, Parser)]
#[command(name = "bulwark", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan a container image (docker-archive, OCI layout, registry reference) for
    /// vulnerabilities.
    Image(VulnScanArgs),
    /// Write the SBOM of an image or root filesystem: a table by default, or CycloneDX,
    /// SPDX or bulwark's JSON with `--format`.
    Sbom(ScanArgs),
    /// Scan a root filesystem directory for vulnerabilities and secrets.
    Rootfs(VulnScanArgs),
    /// Scan a source tree (lockfiles, manifests, config files) for vulnerabilities and
    /// secrets.
    Fs(VulnScanArgs),
    /// Manage the vulnerability database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Check Dockerfiles, compose files, Kubernetes manifests and docker inspect output for
    /// misconfigurations (CIS Docker Benchmark).
    Config(crate::config_cmd::ConfigArgs),
    /// Scan a CycloneDX or SPDX JSON SBOM (bulwark's, Trivy's, Syft's) for vulnerabilities.
    SbomScan(VulnScanArgs),
    /// Rego policies: run their unit tests (`bulwark policy test DIR`).
    #[command(subcommand)]
    Policy(crate::policy_cmd::PolicyCommand),
}

/// `bulwark db ...`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Download OSV advisories (or read a mirror) and replace the database atomically.
    Update(DbUpdateArgs),
    /// Build the database from local OSV zips, OSV JSON directories or Alpine secdb YAML.
    Import(DbImportArgs),
    /// Show what the database holds and how old it is.
    Status(DbCommonArgs),
}

/// Options every `db` subcommand has.
#[derive(Debug, Args)]
pub struct DbCommonArgs {
    /// Cache directory holding the database (default: $BULWARK_CACHE_DIR or the XDG cache dir).
    #[arg(long, env = "BULWARK_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Output format: table or json.
    #[arg(short, long, default_value = "table")]
    pub format: String,
}

/// `bulwark db update`.
#[derive(Debug, Args)]
pub struct DbUpdateArgs {
    #[command(flatten)]
    pub common: DbCommonArgs,
    /// Where `<ECOSYSTEM>/all.zip` files live: an https:// or http:// URL, file:// URL or
    /// directory (default: osv.dev's export bucket).
    #[arg(long, value_name = "URL|DIR")]
    pub source: Option<String>,
    /// Comma-separated OSV ecosystems to fetch (default: the OS and language ecosystems
    /// found in containers).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub ecosystems: Vec<String>,
    /// Also import these local sources (OSV zip/dir/JSON, Alpine secdb YAML).
    #[arg(long = "add", value_name = "PATH")]
    pub extra: Vec<PathBuf>,
}

/// `bulwark db import`.
#[derive(Debug, Args)]
pub struct DbImportArgs {
    #[command(flatten)]
    pub common: DbCommonArgs,
    /// OSV zips (`all.zip`), directories of OSV JSON, OSV JSON files, Alpine secdb YAML.
    #[arg(required = true, value_name = "PATH")]
    pub sources: Vec<PathBuf>,
}

/// Scanning arguments plus the vulnerability gate.
#[derive(Debug, Args)]
pub struct VulnScanArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Report only these severities (comma-separated: UNKNOWN,NEGLIGIBLE,LOW,MEDIUM,HIGH,CRITICAL).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub severity: Vec<String>,
    /// Exit with this code when any reported, unsuppressed vulnerability remains.
    #[arg(long, default_value_t = 0, value_name = "CODE")]
    pub exit_code: u8,
    /// Leave out vulnerabilities that have no fixed version yet.
    #[arg(long)]
    pub ignore_unfixed: bool,
    /// Leave out vulnerabilities in packages the image's ENTRYPOINT/CMD provably does not
    /// load (`not loaded`); `unknown` ones are kept (images only).
    #[arg(long)]
    pub reachable_only: bool,
    /// Exceptions file (default: .bulwarkignore.yaml in the current directory, if present).
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// OpenVEX document whose not_affected statements suppress findings; repeatable.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Scanners to run, comma-separated: vuln, secret, config (image config checks).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "vuln,secret",
        value_name = "LIST"
    )]
    pub scanners: Vec<String>,
    /// Secret scanner configuration: custom rules, allow rules, disabled rules (default:
    /// .bulwark-secret.yaml in the current directory, if present).
    #[arg(long, value_name = "FILE")]
    pub secret_config: Option<PathBuf>,
    /// Warn when the vulnerability database is older than this many days.
    #[arg(long, default_value_t = 7, value_name = "DAYS")]
    pub db_max_age: u64,
    /// Evaluate the Rego policies (`deny`/`warn` rules) under DIR against the scan's input
    /// document (docs/POLICY.md); repeatable. Results are reported as misconfigurations.
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<PathBuf>,
    /// Check settings (disable or re-grade check and policy ids; docs/CHECKS.md); default
    /// `.bulwark-checks.yaml` in the current directory when it exists.
    #[arg(long, value_name = "FILE")]
    pub check_config: Option<PathBuf>,
    /// Write the policy input document (docs/POLICY.md) of this scan to FILE, to see what
    /// policies see; works without --policy.
    #[arg(long, value_name = "FILE")]
    pub policy_input: Option<PathBuf>,
}

/// Arguments shared by the scanning subcommands.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// What to scan: a path (detected), `oci:DIR[:TAG]`, `docker-archive:FILE[:TAG]`,
    /// `registry:REF`, `rootfs:DIR`, or a registry reference such as `alpine:3.19`.
    pub target: String,
    /// Output format: table, json, cyclonedx, spdx-json (sbom), sarif (image, rootfs).
    #[arg(short, long)]
    pub format: Option<String>,
    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Platform to pick from a multi-arch image, os/arch[/variant] (default: this machine's).
    #[arg(long)]
    pub platform: Option<String>,
    /// Allow plain HTTP and unverified TLS for this registry (host[:port]); repeatable.
    #[arg(long, value_name = "REGISTRY")]
    pub insecure: Vec<String>,
    /// Registry user name.
    #[arg(long, env = "BULWARK_USERNAME")]
    pub username: Option<String>,
    /// Registry password or token.
    #[arg(long, env = "BULWARK_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// Layer cache directory (default: $BULWARK_CACHE_DIR or the XDG cache dir).
    #[arg(long, env = "BULWARK_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the layer cache.
    #[arg(long)]
    pub no_cache: bool,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// In the native JSON (`--format json`), list each package's files with the layer that
    /// wrote each one.
    #[arg(long)]
    pub list_files: bool,
    /// Largest uncompressed size of one layer, in bytes.
    #[arg(long, default_value_t = 16 << 30, value_name = "BYTES")]
    pub max_layer_size: u64,
    /// Largest uncompressed size of the whole image, in bytes.
    #[arg(long, default_value_t = 64 << 30, value_name = "BYTES")]
    pub max_image_size: u64,
    /// Largest file handed to an analyzer, in bytes.
    #[arg(long, default_value_t = 256 << 20, value_name = "BYTES")]
    pub max_file_size: u64,
}
