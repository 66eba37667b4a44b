//! Emit: the IR becomes files for one target.
//!
//! A backend returns its files as an ordered map from a relative path to the file's text; it never
//! touches the disk, so `--stdout`, `-o DIR` and tests all share one result.

pub mod helm;
pub mod k3s;
pub mod podman;
pub mod yaml;

use indexmap::IndexMap;

/// Files of one target: relative path → contents, in the order they should be listed.
pub type Files = IndexMap<String, String>;
