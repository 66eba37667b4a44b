//! The command line: argument parsing, the subcommands, and exit codes.

pub mod build;

use std::process::ExitCode;

use clap::Parser;

/// Compile Compose files to Kubernetes manifests, Helm charts and podman kube play YAML.
#[derive(Debug, Parser)]
#[command(name = "stackc", version, about)]
pub struct Cli {}

/// Runs the command line and returns the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    let _cli = Cli::parse();
    ExitCode::SUCCESS
}
