//! `stackc check`: every diagnostic a build would give, and nothing written (for editors and CI).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::Cli;
use super::build::{self, BuildArgs, Target};
use crate::error::Error;

#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    /// The target whose lowering is checked.
    #[arg(long, value_enum, default_value_t)]
    target: Target,
    /// Treat warnings as errors.
    #[arg(long)]
    strict: bool,
}

pub(super) fn run(cli: &Cli, args: &CheckArgs) -> Result<ExitCode, Error> {
    let (mut result, sources) = super::load(cli)?;
    if let Some(project) = result
        .project
        .take()
        .filter(|_| !result.diagnostics.has_errors())
    {
        // The output is discarded, so where it would go only has to be a form the target
        // accepts: a Helm chart is always a folder, the other targets can stream.
        let helm = args.target == Target::Helm;
        let build_args = BuildArgs {
            target: args.target,
            stdout: !helm,
            output: helm.then(|| PathBuf::from(".")),
            strict: args.strict,
            ..BuildArgs::default()
        };
        build::compile(
            &build_args,
            &project,
            &result.locations,
            &mut result.diagnostics,
        )?;
    } else if args.strict {
        result.diagnostics.promote_warnings();
    }
    super::report(cli, &result.diagnostics, &sources);
    Ok(if result.diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
