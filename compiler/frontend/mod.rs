//! parse: compose files on disk → the resolved compose [`crate::model`].

pub mod dotenv;
pub mod interpolate;
