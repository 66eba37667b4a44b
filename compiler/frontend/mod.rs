//! parse: compose files on disk → the resolved compose [`crate::model`].

pub mod canonical;
pub mod node;
pub mod normalize;
pub mod paths;
pub mod yaml;
