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
    /// A generated file's path is not a plain relative path inside the output directory.
    #[error("generated path `{path}` is not allowed in the output directory: {reason}")]
    UnsafeOutputPath { path: PathBuf, reason: &'static str },
    /// Something already in the output directory is in the way of a generated file.
    #[error("`{path}` {reason}: remove it, or choose another output directory")]
    OutputBlocked { path: PathBuf, reason: &'static str },
    /// `stackc explain` was given a code that does not exist.
    #[error("unknown diagnostic code `{code}`: run `stackc explain --list` to see every code")]
    UnknownCode { code: String },
}

impl Error {
    /// Exit code for this failure: usage and I/O errors are 2; input errors (diagnostics) are 1.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        2
    }
}
