//! `stackc config`: the resolved project, as `docker compose config` prints it.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use super::Cli;
use crate::error::Error;
use crate::model;

#[derive(Debug, Args)]
pub(super) struct ConfigArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

pub(super) fn run(cli: &Cli, args: &ConfigArgs) -> Result<ExitCode, Error> {
    let (result, sources) = super::load(cli)?;
    super::report(cli, &result.diagnostics, &sources);
    let Some(project) = result.project.filter(|_| !result.diagnostics.has_errors()) else {
        return Ok(ExitCode::from(1));
    };
    // Docker Compose escapes every `$` of the resolved model so that the output can be read
    // back as a compose file without a second interpolation.
    let text =
        match args.format {
            Format::Json => model::to_json(&project),
            Format::Yaml => crate::backends::yaml::to_string(&model::to_json_value(&project))
                .map_err(|e| Error::Write {
                    path: "-".into(),
                    source: std::io::Error::other(e),
                })?,
        }
        .replace('$', "$$");
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                stdout.write_all(b"\n")
            }
        })
        .map_err(|source| Error::Write {
            path: "-".into(),
            source,
        })?;
    Ok(ExitCode::SUCCESS)
}
