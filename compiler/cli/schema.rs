//! `stackc schema`: the JSON schemas of the IR and of `x-stackc`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::error::Error;

#[derive(Debug, Args)]
pub(super) struct SchemaArgs {
    /// Write every schema into this directory (the repository keeps them in `schemas/`)
    /// instead of printing them.
    #[arg(long, value_name = "DIR")]
    write: Option<PathBuf>,
}

pub(super) fn run(args: &SchemaArgs) -> Result<ExitCode, Error> {
    for (name, text) in crate::schema::generated() {
        match &args.write {
            Some(dir) => {
                let path = dir.join(name);
                std::fs::write(&path, text).map_err(|source| Error::Write { path, source })?;
            }
            None => std::io::stdout()
                .write_all(text.as_bytes())
                .map_err(|source| Error::Write {
                    path: PathBuf::from("-"),
                    source,
                })?,
        }
    }
    Ok(ExitCode::SUCCESS)
}
