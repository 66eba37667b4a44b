//! The untyped compose document: a YAML tree whose every node knows where it came from.
//!
//! Docker Compose loads each file into a plain map and runs interpolation, `extends`, `include`,
//! merging and canonicalisation on that map before binding it to types. stackc does the same on
//! [`Node`]s, so each stage matches the reference loader step for step while every value keeps
//! its span for diagnostics.

use indexmap::IndexMap;

use crate::source::{FileId, Span};

/// Compose's own YAML tags, which change how a value merges with an earlier file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeTag {
    /// `!reset`: remove the inherited value.
    Reset,
    /// `!override`: replace the inherited value instead of merging with it.
    Override,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    pub tag: Option<ComposeTag>,
    /// True for a scalar written with quotes or a block style: it is never a number or a bool.
    pub quoted: bool,
    /// What few nodes have, boxed so that the others stay small (see [`Node::via_alias`] and
    /// [`Node::template`]).
    origin: Option<Box<Origin>>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Origin {
    via_alias: Option<Span>,
    template: Option<Box<str>>,
    relative_path: Option<Box<str>>,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    /// A plain integer above `i64::MAX`, which go-yaml reads as a `uint64`.
    Uint(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Box<Map>),
}

/// Trees compare as what was written: a float read from the same text has the same bits, so
/// `.nan` equals `.nan` here, unlike in arithmetic.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Uint(a), Value::Uint(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Seq(a), Value::Seq(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            _ => false,
        }
    }
}

/// A mapping entry: the key's span (diagnostics about a key point at it) and the value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key_span: Span,
    pub node: Node,
}

/// Hashed with foldhash: every stage looks keys up, and `SipHash`'s resistance is not needed for
/// maps whose order is the insertion order whatever the hasher.
pub type Map = IndexMap<String, Entry, foldhash::fast::RandomState>;

impl Node {
    #[must_use]
    pub fn new(value: Value, span: Span) -> Self {
        Self {
            value,
            span,
            tag: None,
            quoted: false,
            origin: None,
        }
    }

    /// Where the alias that copied this node was written, when it came through `*anchor` or `<<`.
    #[must_use]
    pub fn via_alias(&self) -> Option<Span> {
        self.origin.as_ref().and_then(|origin| origin.via_alias)
    }

    pub fn set_via_alias(&mut self, alias: Option<Span>) {
        if alias.is_some() || self.origin.is_some() {
            self.origin.get_or_insert_default().via_alias = alias;
        }
    }

    /// The text before interpolation, when the value came from a `${...}` expression; the Helm
    /// backend turns such values back into chart values.
    #[must_use]
    pub fn template(&self) -> Option<&str> {
        self.origin
            .as_ref()
            .and_then(|origin| origin.template.as_deref())
    }

    pub fn set_template(&mut self, template: &str) {
        self.origin.get_or_insert_default().template = Some(template.into());
    }

    /// The path as written (`../src`, `~/data`), when it was relative and the loader made it
    /// absolute against the project directory or the home directory: the absolute form holds
    /// the converting machine's directories, which lowering must not copy into manifests.
    #[must_use]
    pub fn relative_path(&self) -> Option<&str> {
        self.origin
            .as_ref()
            .and_then(|origin| origin.relative_path.as_deref())
    }

    pub fn set_relative_path(&mut self, written: &str) {
        self.origin.get_or_insert_default().relative_path = Some(written.into());
    }

    /// A node written in no file, such as a name the schema validator checks on its own.
    #[must_use]
    pub fn detached(value: Value) -> Self {
        Self::new(value, Span::new(FileId(0), 0, 0))
    }

    /// The tree of a dict written as JSON (tests, and tools that build a dict by hand), every
    /// node [`detached`](Self::detached). An integer beyond the int64 range becomes a float, as
    /// YAML would read it.
    #[must_use]
    pub fn from_json(value: &serde_json::Value) -> Self {
        use serde_json::Value as J;
        let value = match value {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => n
                .as_i64()
                .map_or_else(|| Value::Float(n.as_f64().unwrap_or_default()), Value::Int),
            J::String(s) => Value::Str(s.clone()),
            J::Array(items) => Value::Seq(items.iter().map(Node::from_json).collect()),
            J::Object(map) => Value::Map(Box::new(
                map.iter()
                    .map(|(k, v)| {
                        let node = Node::from_json(v);
                        let entry = Entry {
                            key_span: node.span,
                            node,
                        };
                        (k.clone(), entry)
                    })
                    .collect(),
            )),
        };
        Self::detached(value)
    }

    /// A node synthesised by stackc (a default, a canonical form) that points at `origin`.
    #[must_use]
    pub fn derived(value: Value, origin: &Node) -> Self {
        let mut node = Self::new(value, origin.span);
        node.set_via_alias(origin.via_alias());
        node
    }

    #[must_use]
    pub fn str(s: impl Into<String>, origin: &Node) -> Self {
        Self::derived(Value::Str(s.into()), origin)
    }

    #[must_use]
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_seq(&self) -> Option<&Vec<Node>> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    #[must_use]
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The child at `key`, when this is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key).map(|e| &e.node)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.as_map_mut()?.get_mut(key).map(|e| &mut e.node)
    }

    /// The scalar as text, the way Go's `fmt.Sprint` prints a decoded YAML scalar.
    #[must_use]
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Uint(u) => Some(u.to_string()),
            Value::Float(f) => Some(format_go_float(*f)),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// A short name of the node's type for messages.
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Uint(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// Converts to JSON for schema validation and for binding to the typed model.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Uint(u) => J::from(*u),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(map) => J::Object(
                map.iter()
                    .map(|(k, e)| (k.clone(), e.node.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Formats a float like Go's `fmt.Sprint(float64)` (`%v`, which is `strconv.FormatFloat(f, 'g',
/// -1, 64)`): the shortest digits that read back as `f`, in exponent form when the decimal
/// exponent is below -4 or at least 6, with a signed exponent of at least two digits.
#[must_use]
pub fn format_go_float(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f.is_nan() {
        return "NaN".into();
    }
    // Rust's `{:e}` gives the same shortest digits: `1.2345e8`, `1e-7`.
    let scientific = format!("{f:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    let exponent: i32 = exponent.parse().unwrap_or_default();
    if f != 0.0 && !(-4..6).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.unsigned_abs())
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::Node;

    /// Every file's tree stays alive for the whole build (for locations), and nodes are moved
    /// while merging: a mapping's table, and what only aliased or interpolated nodes carry, are
    /// boxed so that the other nodes do not pay for them.
    #[test]
    fn floats_print_as_go_prints_them() {
        let cases = [
            (1.1, "1.1"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123_456.5, "123456.5"),
            (1_000_000.0, "1e+06"),
            (123_456_789.123_456_79, "1.2345678912345679e+08"),
            (1e20, "1e+20"),
            (-2.5e300, "-2.5e+300"),
            (0.0, "0"),
            (f64::INFINITY, "+Inf"),
            (f64::NAN, "NaN"),
        ];
        for (f, go) in cases {
            assert_eq!(super::format_go_float(f), go, "{f}");
        }
    }

    #[test]
    fn a_node_stays_small() {
        assert!(std::mem::size_of::<Node>() <= 56);
    }
}
