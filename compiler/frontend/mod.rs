//! parse: compose files on disk → the resolved compose [`crate::model`].

pub mod schema;
pub mod units;
