//! Where each key of the resolved project was written, for diagnostics of later stages.
//!
//! The typed model has no spans; lowering and backends ask for the span of a key path such as
//! `services.web.devices` and get the span of that key, or of the nearest ancestor that has one
//! (a synthesised default points at what caused it).
//!
//! The resolved tree already holds every span, so it is kept and walked on each query: a query
//! costs one map lookup per path part, while an index of every node's path would cost a string
//! and a hash entry per node of the project, for the few paths a build ever asks about.

use super::node::{Node, Value};
use crate::source::Span;

#[derive(Debug, Default, Clone)]
pub struct Locations {
    root: Option<Node>,
}

impl Locations {
    /// Keeps the resolved tree for queries.
    #[must_use]
    pub fn new(root: Node) -> Self {
        Self { root: Some(root) }
    }

    /// The resolved tree (`None` when the project did not load).
    #[must_use]
    pub fn tree(&self) -> Option<&Node> {
        self.root.as_ref()
    }

    /// The span of the key at `path`, or of the nearest ancestor key.
    #[must_use]
    pub fn key(&self, path: &[&str]) -> Option<Span> {
        self.lookup(path).map(|(key, _, _)| key)
    }

    /// The span of the value at `path`, or of the nearest ancestor's value.
    #[must_use]
    pub fn value(&self, path: &[&str]) -> Option<Span> {
        self.lookup(path).map(|(_, value, _)| value.span)
    }

    /// The text before interpolation of the value at exactly `path`, when it came from `${...}`
    /// (for example `${TAG:-latest}` for `services.web.image`'s tag).
    #[must_use]
    pub fn template(&self, path: &[&str]) -> Option<&str> {
        self.lookup(path)
            .filter(|(_, _, depth)| *depth == path.len())
            .and_then(|(_, node, _)| node.template())
    }

    /// The path at exactly `path` as written, when it was relative (see [`Node::relative_path`]).
    #[must_use]
    pub fn relative_path(&self, path: &[&str]) -> Option<&str> {
        self.lookup(path)
            .filter(|(_, _, depth)| *depth == path.len())
            .and_then(|(_, node, _)| node.relative_path())
    }

    /// The deepest node on `path` (a list item by its index), with the span of its key (a list
    /// item's own span) and how many parts of `path` it matched.
    fn lookup(&self, path: &[&str]) -> Option<(Span, &Node, usize)> {
        let mut node = self.root.as_ref()?;
        let mut found = None;
        for (depth, part) in path.iter().enumerate() {
            let (key, child) = match &node.value {
                Value::Map(map) => match map.get(*part) {
                    Some(entry) => (entry.key_span, &entry.node),
                    None => break,
                },
                Value::Seq(items) => match part.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(item) => (item.span, item),
                    None => break,
                },
                _ => break,
            };
            found = Some((key, child, depth + 1));
            node = child;
        }
        found
    }
}

impl crate::ir::Locate for Locations {
    fn span(&self, path: &[&str]) -> Option<Span> {
        self.key(path)
    }

    fn exact_span(&self, path: &[&str]) -> Option<Span> {
        self.lookup(path)
            .filter(|(_, _, depth)| *depth == path.len())
            .map(|(key, _, _)| key)
    }

    fn find_value(&self, path: &[&str], matches: &dyn Fn(&str) -> bool) -> Option<Span> {
        let (_, node, depth) = self.lookup(path)?;
        (depth == path.len())
            .then(|| first_string(node, matches))
            .flatten()
    }

    fn template(&self, path: &[&str]) -> Option<&str> {
        Locations::template(self, path)
    }

    fn relative_path(&self, path: &[&str]) -> Option<&str> {
        Locations::relative_path(self, path)
    }
}

fn first_string(node: &Node, matches: &dyn Fn(&str) -> bool) -> Option<Span> {
    match &node.value {
        Value::Str(text) => matches(text).then_some(node.span),
        Value::Seq(items) => items.iter().find_map(|item| first_string(item, matches)),
        Value::Map(map) => map
            .values()
            .find_map(|entry| first_string(&entry.node, matches)),
        _ => None,
    }
}

impl Drop for Locations {
    /// A large project's tree is hundreds of thousands of nodes, most of them in its services,
    /// which are freed side by side on the pool.
    fn drop(&mut self) {
        let services = self
            .root
            .as_mut()
            .and_then(|root| root.as_map_mut()?.get_mut("services"))
            .map(|entry| std::mem::replace(&mut entry.node.value, Value::Null));
        if let Some(Value::Map(services)) = services {
            crate::parallel::map(*services, drop);
        }
    }
}
