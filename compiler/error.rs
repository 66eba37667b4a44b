//! Failures of stackc itself rather than of its input: I/O, usage, the output directory.
//! Problems in compose files are [`crate::diagnostics::Diagnostic`]s instead.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A file or directory could not be written.
    #[error("cannot write `{path}`")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// No compose file was given and none of the default names exists.
    #[error(
        "no compose file found in `{dir}` or its parents: pass one with `-f`, or create `compose.yaml`"
    )]
    NoComposeFile { dir: PathBuf },
    /// Flags that cannot be used together, or a flag with a bad value.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Exit code for this failure: usage and I/O errors are 2; input errors (diagnostics) are 1.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        2
    }
}
