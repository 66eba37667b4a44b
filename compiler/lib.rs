//! stackc compiles a Compose project into Kubernetes objects.
//!
//! The pipeline has four stages, each in its own module tree:
//!
//! 1. **parse** ([`frontend`]): compose files, env files and includes are read exactly as Docker
//!    Compose reads them (interpolation, merging, `extends`, `include`, profiles, canonical long
//!    syntax) into the resolved compose [`model`], with the source span of every key kept aside.
//! 2. **lower** (`ir::lower`): the compose model becomes the typed IR of what will run.
//! 3. **passes** (`passes`): IR to IR rewrites shared by every backend.
//! 4. **emit** (`backends`): the IR becomes files for one target.
//!
//! Problems with the input are [`diagnostics::Diagnostic`]s carrying spans; failures of stackc
//! itself (I/O, bad flags) are [`error::Error`]s.

pub mod backends;
pub mod cli;
pub mod diagnostics;
pub mod error;
pub mod extension;
pub mod frontend;
mod heap;
pub mod ir;
pub mod model;
pub mod output;
mod parallel;
pub mod passes;
pub mod schema;
pub mod source;
#[cfg(test)]
mod test_inputs;
mod text;
mod text_key;
