//! The compose tree as a JSON instance for the validator.
//!
//! `jsonschema` validates any representation that implements its `Json` traits. Reading the
//! [`Node`] tree in place saves the `serde_json::Value` copy of every file (a third of the cost
//! of validating it). Every accessor answers as `Node::to_json` would: a float that JSON cannot
//! hold (`.inf`, `.nan`) is `null`, and maps keep their order.

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{self, Json, NodeIdentity, cmp, unique};
use serde_json::Number;

use crate::frontend::node::{Entry, Map, Node, Value};

/// The longest list [`json::Array::is_unique`] compares pair by pair, as `jsonschema` does.
const PAIRWISE_LIMIT: usize = 15;

/// The `Json` representation whose nodes are `&Node`.
pub(super) struct Tree;

impl Json for Tree {
    type Node<'a> = &'a Node;
    type PreparedKey = String;
    type StringBuffer = Option<Node>;

    fn prepare_key(key: &str) -> String {
        key.to_owned()
    }

    fn with_string_node<T>(
        buffer: &mut Option<Node>,
        string: &str,
        f: impl FnOnce(&Node) -> T,
    ) -> T {
        let node = buffer.insert(Node::detached(Value::Str(string.to_owned())));
        f(node)
    }
}

/// The number a scalar is in JSON; `None` for a float JSON cannot hold.
fn number(node: &Node) -> Option<Number> {
    match node.value {
        Value::Int(i) => Some(Number::from(i)),
        Value::Uint(u) => Some(Number::from(u)),
        Value::Float(f) => Number::from_f64(f),
        _ => None,
    }
}

/// Null in JSON: YAML's null, or a float JSON cannot hold.
fn is_null(node: &Node) -> bool {
    match node.value {
        Value::Null => true,
        Value::Float(f) => !f.is_finite(),
        _ => false,
    }
}

/// Equality under JSON Schema's rules (numbers compare mathematically, maps ignore key order),
/// without building either side as JSON.
fn equal(left: &Node, right: &Node) -> bool {
    match (&left.value, &right.value) {
        (Value::Str(l), Value::Str(r)) => l == r,
        (Value::Bool(l), Value::Bool(r)) => l == r,
        (Value::Seq(l), Value::Seq(r)) => {
            l.len() == r.len() && l.iter().zip(r).all(|(l, r)| equal(l, r))
        }
        (Value::Map(l), Value::Map(r)) => {
            l.len() == r.len()
                && l.iter().all(|(key, entry)| {
                    r.get(key)
                        .is_some_and(|other| equal(&entry.node, &other.node))
                })
        }
        _ => match (number(left), number(right)) {
            (Some(l), Some(r)) => cmp::equal_numbers(&l, &r),
            (None, None) => is_null(left) && is_null(right),
            _ => false,
        },
    }
}

impl<'a> json::Node<'a, Tree> for &'a Node {
    type Object = &'a Map;
    type Array = &'a [Node];
    type Number = Number;

    fn as_object(&self) -> Option<&'a Map> {
        let node: &'a Node = self;
        node.as_map()
    }

    fn as_array(&self) -> Option<&'a [Node]> {
        let node: &'a Node = self;
        node.as_seq().map(Vec::as_slice)
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        let node: &'a Node = self;
        node.as_str().map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<Number> {
        number(self)
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        is_null(self)
    }

    fn json_type(&self) -> JsonType {
        match &self.value {
            Value::Bool(_) => JsonType::Boolean,
            Value::Int(_) | Value::Uint(_) => JsonType::Number,
            Value::Float(f) if f.is_finite() => JsonType::Number,
            Value::Null | Value::Float(_) => JsonType::Null,
            Value::Str(_) => JsonType::String,
            Value::Seq(_) => JsonType::Array,
            Value::Map(_) => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &serde_json::Value) -> bool {
        match (&self.value, expected) {
            (Value::Str(s), serde_json::Value::String(e)) => s == e,
            (Value::Str(_), _) => false,
            _ => cmp::equal(&self.to_json(), expected),
        }
    }

    fn to_value(&self) -> Cow<'a, serde_json::Value> {
        Cow::Owned(self.to_json())
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(std::ptr::from_ref::<Node>(self) as usize))
    }
}

/// The members of a mapping, in order.
pub(super) struct Members<'a>(indexmap::map::Iter<'a, String, Entry>);

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, &'a Node);

    fn next(&mut self) -> Option<Self::Item> {
        self.0
            .next()
            .map(|(key, entry)| (key.as_str(), &entry.node))
    }
}

impl<'a> json::Object<'a, Tree> for &'a Map {
    type Node = &'a Node;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        Map::len(self)
    }

    fn get(&self, key: &String) -> Option<&'a Node> {
        Map::get(self, key.as_str()).map(|entry| &entry.node)
    }

    fn members(&self) -> Members<'a> {
        Members(self.iter())
    }
}

impl<'a> json::Array<'a, Tree> for &'a [Node] {
    type Node = &'a Node;
    type ElementsIter = std::slice::Iter<'a, Node>;

    fn len(&self) -> usize {
        <[Node]>::len(self)
    }

    fn elements(&self) -> std::slice::Iter<'a, Node> {
        self.iter()
    }

    /// Pairwise while that is cheaper than hashing (compose lists are short), so that no element
    /// is copied to JSON; a long list is hashed as JSON.
    fn is_unique(&self) -> bool {
        if self.len() > PAIRWISE_LIMIT {
            let values: Vec<serde_json::Value> = self.iter().map(Node::to_json).collect();
            return unique::is_unique(&values);
        }
        self.iter()
            .enumerate()
            .all(|(i, item)| self[i + 1..].iter().all(|other| !equal(item, other)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(value: &serde_json::Value) -> Node {
        Node::from_json(value)
    }

    #[test]
    fn equality_follows_json_schema() {
        let same = [
            (json!(1), json!(1.0)),
            (
                json!({"a": [1, "x"], "b": null}),
                json!({"b": null, "a": [1.0, "x"]}),
            ),
            (json!(-0.0), json!(0)),
        ];
        for (l, r) in &same {
            assert!(equal(&node(l), &node(r)), "{l} == {r}");
        }
        let different = [
            (json!(1), json!("1")),
            (json!(true), json!(1)),
            (json!({"a": 1}), json!({"a": 1, "b": 1})),
            (json!([1, 2]), json!([2, 1])),
            (json!(null), json!(0)),
        ];
        for (l, r) in &different {
            assert!(!equal(&node(l), &node(r)), "{l} != {r}");
        }
    }

    #[test]
    fn a_float_json_cannot_hold_is_null() {
        let inf = Node::detached(Value::Float(f64::INFINITY));
        let null = Node::detached(Value::Null);
        assert_eq!(json::Node::json_type(&&inf), JsonType::Null);
        assert!(json::Node::is_null(&&inf));
        assert!(json::Node::as_number(&&inf).is_none());
        assert!(equal(&inf, &null));
    }

    #[test]
    fn uniqueness_compares_values_not_spellings() {
        let is_unique = |v: serde_json::Value| {
            let n = node(&v);
            json::Array::is_unique(&n.as_seq().unwrap().as_slice())
        };
        assert!(is_unique(json!(["a", "b", 1, {"a": 1}])));
        assert!(!is_unique(json!(["a", 1, "b", 1.0])));
        assert!(!is_unique(json!([{"a": 1, "b": 2}, {"b": 2, "a": 1}])));
        let long: Vec<u32> = (0..=20).collect();
        assert!(is_unique(json!(long)));
        let mut repeated = long.clone();
        repeated.push(3);
        assert!(!is_unique(json!(repeated)));
    }
}
