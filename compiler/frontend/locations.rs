//! Where each key of the resolved project was written, for diagnostics of later stages.
//!
//! The typed model has no spans; lowering and backends ask for the span of a key path such as
//! `services.web.devices` and get the span of that key, or of the nearest ancestor that has one
//! (a synthesised default points at what caused it).

use std::collections::HashMap;

use super::node::{Node, Value};
use crate::source::Span;

#[derive(Debug, Default, Clone)]
pub struct Locations {
    /// Dotted path (list elements by index) → (key span, value span).
    spans: HashMap<String, (Span, Span)>,
    /// Dotted path → the value's text before interpolation, for values that came from `${...}`.
    templates: HashMap<String, Box<str>>,
}

impl Locations {
    #[must_use]
    pub fn from_tree(root: &Node) -> Self {
        let mut locations = Self::default();
        locations.record(root, &mut String::new());
        locations
    }

    /// `path` is one buffer for the whole walk, truncated back after each child, so a node costs
    /// one allocation: its key in the map.
    fn record(&mut self, node: &Node, path: &mut String) {
        let len = path.len();
        let enter = |path: &mut String, part: &dyn std::fmt::Display| {
            use std::fmt::Write as _;
            path.truncate(len);
            if len > 0 {
                path.push('.');
            }
            let _ = write!(path, "{part}");
        };
        match &node.value {
            Value::Map(map) => {
                for (key, entry) in map {
                    enter(path, key);
                    self.insert(path, (entry.key_span, entry.node.span), &entry.node);
                    self.record(&entry.node, path);
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    enter(path, &i);
                    self.insert(path, (item.span, item.span), item);
                    self.record(item, path);
                }
            }
            _ => {}
        }
        path.truncate(len);
    }

    fn insert(&mut self, path: &str, spans: (Span, Span), node: &Node) {
        self.spans.insert(path.to_owned(), spans);
        if let Some(template) = &node.template {
            self.templates.insert(path.to_owned(), template.clone());
        }
    }

    /// The span of the key at `path`, or of the nearest ancestor key.
    #[must_use]
    pub fn key(&self, path: &[&str]) -> Option<Span> {
        self.lookup(path).map(|(key, _)| key)
    }

    /// The span of the value at `path`, or of the nearest ancestor's value.
    #[must_use]
    pub fn value(&self, path: &[&str]) -> Option<Span> {
        self.lookup(path).map(|(_, value)| value)
    }

    /// The text before interpolation of the value at exactly `path`, when it came from `${...}`
    /// (for example `${TAG:-latest}` for `services.web.image`'s tag).
    #[must_use]
    pub fn template(&self, path: &[&str]) -> Option<&str> {
        self.templates.get(&path.join(".")).map(AsRef::as_ref)
    }

    fn lookup(&self, path: &[&str]) -> Option<(Span, Span)> {
        (1..=path.len())
            .rev()
            .find_map(|n| self.spans.get(&path[..n].join(".")).copied())
    }
}

impl crate::ir::Locate for Locations {
    fn span(&self, path: &[&str]) -> Option<Span> {
        self.key(path)
    }

    fn template(&self, path: &[&str]) -> Option<&str> {
        Locations::template(self, path)
    }
}
