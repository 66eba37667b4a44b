//! Where a compose key was written, so that every diagnostic of lowering, the passes and the
//! backends points at the key that caused it.

use std::path::{Component, Path};

use crate::source::{SourceMap, Span};

/// How [`Locate::relative_path`] begins a path written from `$PWD` (`${PWD}/conf`), which
/// compose files use to mean the project directory they are run from.
pub const FROM_PROJECT_DIR: &str = "$PWD";

/// A lookup from a dotted key path of the resolved project (`["services", "web", "devices"]`)
/// to the span of that key in the source, falling back to the nearest ancestor that has one.
/// Shared by the threads that lower services.
pub trait Locate: Sync {
    fn span(&self, path: &[&str]) -> Option<Span>;

    /// The span of the key at exactly `path`, without falling back to an ancestor: `None` when
    /// the key was not written.
    fn exact_span(&self, _path: &[&str]) -> Option<Span> {
        None
    }

    /// The span of the first string at or below `path`, in document order, that `matches`: a
    /// list item such as a network alias, whose key path names only its list.
    fn find_value(&self, _path: &[&str], _matches: &dyn Fn(&str) -> bool) -> Option<Span> {
        None
    }

    /// The text before interpolation of the value at exactly `path`, when it came from `${...}`;
    /// the Helm backend turns required variables into required chart values with it.
    fn template(&self, _path: &[&str]) -> Option<&str> {
        None
    }

    /// The path at exactly `path` as written, when it was relative (`../src`, `~/data`,
    /// `$PWD/conf`) and the loader made it absolute: lowering places such paths on the node
    /// without the converting machine's directories.
    fn relative_path(&self, _path: &[&str]) -> Option<&str> {
        None
    }

    /// The `stackc.io/source` annotation of an object made from the key at `path`
    /// (`compose.yaml:12:3 services.web`), for `--provenance`; `None` when the lookup has no
    /// source text to name.
    fn provenance(&self, _path: &[&str]) -> Option<String> {
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

/// Locations together with the files they point into, so that provenance can name the file,
/// line and column of a key.
#[derive(Debug, Clone, Copy)]
pub struct Sourced<'a, L> {
    pub locations: L,
    pub sources: &'a SourceMap,
    /// The project directory: files are named relative to it, so the annotation does not depend
    /// on where the project is checked out.
    pub project_dir: &'a Path,
}

impl<L: Locate> Locate for Sourced<'_, L> {
    fn span(&self, path: &[&str]) -> Option<Span> {
        self.locations.span(path)
    }

    fn exact_span(&self, path: &[&str]) -> Option<Span> {
        self.locations.exact_span(path)
    }

    fn find_value(&self, path: &[&str], matches: &dyn Fn(&str) -> bool) -> Option<Span> {
        self.locations.find_value(path, matches)
    }

    fn template(&self, path: &[&str]) -> Option<&str> {
        self.locations.template(path)
    }

    fn relative_path(&self, path: &[&str]) -> Option<&str> {
        self.locations.relative_path(path)
    }

    fn provenance(&self, path: &[&str]) -> Option<String> {
        let span = self.span(path)?;
        let file = &self.sources.get(span.file);
        let name = relative_name(&file.path, self.project_dir).unwrap_or_else(|| {
            file.path.file_name().map_or_else(
                || file.display_name.clone(),
                |n| n.to_string_lossy().into_owned(),
            )
        });
        let (line, col) = self.sources.line_col(span.file, span.start);
        Some(format!("{name}:{line}:{col} {}", path.join(".")))
    }
}

/// `file` relative to `dir`, with `/` between components whatever the platform; `None` when
/// `file` is not inside `dir`.
fn relative_name(file: &Path, dir: &Path) -> Option<String> {
    let rest = file.strip_prefix(dir).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn files_are_named_relative_to_the_project_directory() {
        let dir = Path::new("/home/me/shop");
        assert_eq!(
            super::relative_name(Path::new("/home/me/shop/deploy/compose.yaml"), dir).as_deref(),
            Some("deploy/compose.yaml")
        );
        assert_eq!(
            super::relative_name(Path::new("/etc/compose.yaml"), dir),
            None
        );
        assert_eq!(super::relative_name(dir, dir), None);
    }
}
