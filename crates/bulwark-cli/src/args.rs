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
    /// Scan a container image (docker-archive, OCI layout, registry reference).
    Image(ScanArgs),
    /// Write the SBOM of an image (CycloneDX by default).
    Sbom(ScanArgs),
    /// Scan a root filesystem directory.
    Rootfs(ScanArgs),
}

/// Arguments shared by the scanning subcommands.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// What to scan: a path (detected), `oci:DIR[:TAG]`, `docker-archive:FILE[:TAG]`,
    /// `registry:REF`, `rootfs:DIR`, or a registry reference such as `alpine:3.19`.
    pub target: String,
    /// Output format: table, json, cyclonedx, spdx-json.
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
