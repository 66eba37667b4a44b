//! Where a compose key was written, so that every diagnostic of lowering, the passes and the
//! backends points at the key that caused it.

use crate::source::Span;

/// A lookup from a dotted key path of the resolved project (`["services", "web", "devices"]`)
/// to the span of that key in the source, falling back to the nearest ancestor that has one.
pub trait Locate {
    fn span(&self, path: &[&str]) -> Option<Span>;

    /// The text before interpolation of the value at exactly `path`, when it came from `${...}`;
    /// the Helm backend turns required variables into required chart values with it.
    fn template(&self, _path: &[&str]) -> Option<&str> {
        None
    }
}

/// Locations for a project that was not read from source text (for example deserialized from
/// `docker compose config --format json`): every lookup misses, so diagnostics carry no label.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlocated;

impl Locate for Unlocated {
    fn span(&self, _path: &[&str]) -> Option<Span> {
        None
    }
}
