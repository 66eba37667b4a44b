//! `values.yaml` and the JSON schema that types it.
//!
//! The schema is derived from the default values, field by field: every object lists its
//! properties and refuses others (a misspelt `--set web.replica=3` fails instead of being
//! ignored), every leaf gets the type of its default, and the maps users extend (`env`,
//! `resources`, `annotations`, `data`) are open with typed entries.
//!
//! It is serialized straight from the values: each schema node is a view of the value it types
//! or a constant, so a large stack's schema (megabytes of JSON) is written without being built.

use std::fmt::Write as _;

use indexmap::IndexMap;

use super::tree::{Map, Tree};

/// The chart's values: `global`, `persistence`, `secrets` and one entry per compose service.
pub(super) type Values = IndexMap<String, Tree>;

/// Fields every service has with the same shape; their schemas are written once under
/// `definitions` and referenced, so the schema of a large stack stays small.
const SHARED: &[&str] = &[
    "image",
    "env",
    "extraEnv",
    "resources",
    "nodeSelector",
    "tolerations",
    "affinity",
    "ingress",
];

/// `values.schema.json`: the schema of `values`, pretty-printed with its leaves on one line,
/// ending in a newline.
pub(super) fn schema_json(values: &Values) -> String {
    let mut json = Pretty::default();
    json.root(values);
    json.out.push('\n');
    json.out.shrink_to_fit();
    json.out
}

/// A fixed part of the schema.
enum Lit {
    Object(&'static [(&'static str, Lit)]),
    Str(&'static str),
    Strs(&'static [&'static str]),
    UInt(u64),
    Bool(bool),
}

impl Lit {
    /// Whether the schema is a scalar or a list of them, which a one-line object may hold.
    fn is_flat(&self) -> bool {
        !matches!(self, Self::Object(_))
    }
}

/// `{"type": "string", "enum": [...]}`.
macro_rules! enumeration {
    ($($allowed:literal),* $(,)?) => {
        Lit::Object(&[("type", Lit::Str("string")), ("enum", Lit::Strs(&[$($allowed),*]))])
    };
}

const EMPTY: Lit = Lit::Object(&[]);
const STRING: Lit = Lit::Object(&[("type", Lit::Str("string"))]);
const BOOLEAN: Lit = Lit::Object(&[("type", Lit::Str("boolean"))]);
const INTEGER: Lit = Lit::Object(&[("type", Lit::Str("integer"))]);
const NUMBER: Lit = Lit::Object(&[("type", Lit::Str("number"))]);
const ARRAY: Lit = Lit::Object(&[("type", Lit::Str("array"))]);
const OBJECT: Lit = Lit::Object(&[("type", Lit::Str("object"))]);
const OBJECTS: Lit = Lit::Object(&[("type", Lit::Str("array")), ("items", OBJECT)]);
const REPLICAS: Lit = Lit::Object(&[("type", Lit::Str("integer")), ("minimum", Lit::UInt(0))]);
const PORT: Lit = Lit::Object(&[
    ("type", Lit::Str("integer")),
    ("minimum", Lit::UInt(1)),
    ("maximum", Lit::UInt(65535)),
]);
/// Environment values: what compose accepts for them.
const ENV: Lit = Lit::Object(&[
    ("type", Lit::Str("object")),
    (
        "additionalProperties",
        Lit::Object(&[("type", Lit::Strs(&["string", "number", "boolean"]))]),
    ),
]);
const STRINGS: Lit = Lit::Object(&[
    ("type", Lit::Str("object")),
    ("additionalProperties", STRING),
]);
/// Kubernetes quantities by name: `512Mi`, `500m`, `2`.
const QUANTITIES: Lit = Lit::Object(&[
    ("type", Lit::Str("object")),
    (
        "additionalProperties",
        Lit::Object(&[("type", Lit::Strs(&["string", "integer"]))]),
    ),
]);
const RESOURCES: Lit = Lit::Object(&[
    ("type", Lit::Str("object")),
    (
        "properties",
        Lit::Object(&[
            ("limits", QUANTITIES),
            ("requests", QUANTITIES),
            ("claims", ARRAY),
        ]),
    ),
    ("additionalProperties", Lit::Bool(false)),
]);
const PULL_POLICY: Lit = enumeration!["", "Always", "IfNotPresent", "Never"];
const SERVICE_TYPE: Lit = enumeration!["", "ClusterIP", "NodePort", "LoadBalancer"];
const ACCESS_MODE: Lit = enumeration![
    "ReadWriteOnce",
    "ReadOnlyMany",
    "ReadWriteMany",
    "ReadWriteOncePod",
];
const PATH_TYPE: Lit = enumeration!["Prefix", "Exact", "ImplementationSpecific"];

/// The schema of a value: a constant, a reference to a definition, or derived from the value.
#[derive(Clone, Copy)]
enum Node<'a> {
    Lit(&'static Lit),
    /// `{"$ref": "#/definitions/<name>"}`.
    Ref(&'a str),
    /// A closed object with the schema of each entry of `map`, found under `key` at `depth`.
    Object {
        depth: usize,
        key: &'a str,
        map: &'a Map,
    },
    /// A Service's ports by name, each a port number.
    Ports(&'a Map),
}

/// The schema of `value` found under `key` at `depth`. A key that is a name the user chose (a
/// service, a volume, a secret) is never mistaken for a field.
fn node<'a>(depth: usize, key: &'a str, is_name: bool, value: &'a Tree) -> Node<'a> {
    if is_name {
        return generic(value, depth, key);
    }
    if depth == 2 && SHARED.contains(&key) {
        return Node::Ref(key);
    }
    field(depth, key, value)
}

fn field<'a>(depth: usize, key: &'a str, value: &'a Tree) -> Node<'a> {
    match (key, value) {
        ("env", _) => Node::Lit(&ENV),
        ("annotations" | "data" | "nodeSelector", _) => Node::Lit(&STRINGS),
        ("resources", _) => Node::Lit(&RESOURCES),
        ("extraEnv" | "imagePullSecrets" | "tolerations", _) => Node::Lit(&OBJECTS),
        ("affinity", _) => Node::Lit(&OBJECT),
        ("replicas", _) => Node::Lit(&REPLICAS),
        ("pullPolicy", _) => Node::Lit(&PULL_POLICY),
        ("type", _) => Node::Lit(&SERVICE_TYPE),
        ("accessMode", _) => Node::Lit(&ACCESS_MODE),
        ("pathType", _) => Node::Lit(&PATH_TYPE),
        ("ports", Tree::Map(ports)) => Node::Ports(ports),
        _ => generic(value, depth, key),
    }
}

fn generic<'a>(value: &'a Tree, depth: usize, key: &'a str) -> Node<'a> {
    match value {
        Tree::Map(map) => Node::Object { depth, key, map },
        Tree::Str(_) => Node::Lit(&STRING),
        Tree::Bool(_) => Node::Lit(&BOOLEAN),
        Tree::UInt(_) | Tree::Int(_) => Node::Lit(&INTEGER),
        Tree::Float(_) => Node::Lit(&NUMBER),
        Tree::Seq(_) => Node::Lit(&ARRAY),
        Tree::Null => Node::Lit(&EMPTY),
    }
}

/// Whether the keys of the object under `key` at `depth` are names the user chose.
fn names_keys(depth: usize, key: &str) -> bool {
    depth == 0
        || (depth == 1 && matches!(key, "persistence" | "secrets"))
        || (depth == 2 && key == "services")
}

/// The definitions the schema refers to, in the order the references first appear: each shared
/// field is typed by its first service.
fn definitions(values: &Values) -> Vec<(&str, Node<'_>)> {
    let mut found = Vec::new();
    for (key, value) in values {
        collect(generic(value, 1, key), &mut found);
    }
    found
}

fn collect<'a>(node: Node<'a>, found: &mut Vec<(&'a str, Node<'a>)>) {
    let known = |found: &[(&str, Node<'_>)], name: &str| found.iter().any(|(n, _)| *n == name);
    match node {
        Node::Object { depth, key, map } => {
            let named = names_keys(depth, key);
            for (k, v) in map.iter() {
                match self::node(depth + 1, k, named, v) {
                    Node::Ref(name) if !known(found, name) => {
                        let definition = field(depth + 1, name, v);
                        collect(definition, found);
                        found.push((name, definition));
                    }
                    child => collect(child, found),
                }
            }
        }
        Node::Ports(_) if !known(found, "port") => found.push(("port", Node::Lit(&PORT))),
        Node::Lit(_) | Node::Ref(_) | Node::Ports(_) => {}
    }
}

/// A JSON writer with the layout of `serde_json::to_string_pretty` (two-space indent, `": "`
/// after keys, empty containers as `{}`), except that a schema holding only scalars and lists
/// of them, and a reference, take one line (`{"type": "integer", "minimum": 0}`): spread over
/// lines, those leaves were half of a large stack's schema and nothing to read.
#[derive(Default)]
struct Pretty {
    out: String,
    depth: usize,
    /// Whether the container just opened has no entry yet.
    first: bool,
}

impl Pretty {
    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
        self.first = true;
    }

    fn close(&mut self, bracket: char) {
        self.depth -= 1;
        if !self.first {
            self.out.push('\n');
            self.indent();
        }
        self.out.push(bracket);
        // A closed container is an entry of the one around it.
        self.first = false;
    }

    /// Starts an entry of the open container.
    fn item(&mut self) {
        self.out.push_str(if self.first { "\n" } else { ",\n" });
        self.first = false;
        self.indent();
    }

    fn key(&mut self, key: &str) {
        self.item();
        self.string("", key);
        self.out.push_str(": ");
    }

    fn indent(&mut self) {
        const SPACES: &str = "                                ";
        let mut width = 2 * self.depth;
        while width > 0 {
            let step = width.min(SPACES.len());
            self.out.push_str(&SPACES[..step]);
            width -= step;
        }
    }

    /// `prefix` (which needs no escaping) and `text` as one JSON string, escaped as
    /// `serde_json` escapes.
    fn string(&mut self, prefix: &str, text: &str) {
        self.out.push('"');
        self.out.push_str(prefix);
        if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.out.push_str(text);
        } else {
            for c in text.chars() {
                match c {
                    '"' => self.out.push_str("\\\""),
                    '\\' => self.out.push_str("\\\\"),
                    '\u{8}' => self.out.push_str("\\b"),
                    '\t' => self.out.push_str("\\t"),
                    '\n' => self.out.push_str("\\n"),
                    '\u{c}' => self.out.push_str("\\f"),
                    '\r' => self.out.push_str("\\r"),
                    c if u32::from(c) < 0x20 => {
                        let _ = write!(self.out, "\\u{:04x}", u32::from(c));
                    }
                    c => self.out.push(c),
                }
            }
        }
        self.out.push('"');
    }

    fn lit(&mut self, lit: &Lit) {
        match lit {
            Lit::Object(entries) if entries.iter().all(|(_, value)| value.is_flat()) => {
                self.out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.string("", key);
                    self.out.push_str(": ");
                    self.lit(value);
                }
                self.out.push('}');
            }
            Lit::Object(entries) => {
                self.open('{');
                for (key, value) in *entries {
                    self.key(key);
                    self.lit(value);
                }
                self.close('}');
            }
            Lit::Str(s) => self.string("", s),
            Lit::Strs(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.string("", item);
                }
                self.out.push(']');
            }
            Lit::UInt(n) => {
                let _ = write!(self.out, "{n}");
            }
            Lit::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
        }
    }

    fn node(&mut self, schema: Node<'_>) {
        match schema {
            Node::Lit(lit) => self.lit(lit),
            Node::Ref(name) => {
                self.out.push_str("{\"$ref\": ");
                self.string("#/definitions/", name);
                self.out.push('}');
            }
            Node::Object { depth, key, map } => {
                let named = names_keys(depth, key);
                self.closed(map, |k, v| self::node(depth + 1, k, named, v));
            }
            // Every port refers to the one `port` definition.
            Node::Ports(ports) => self.closed(ports, |_, _| Node::Ref("port")),
        }
    }

    /// An object schema that lists the entries of `map`, each with the schema `schema` gives
    /// it, and refuses other keys.
    fn closed<'a>(&mut self, map: &'a Map, schema: impl Fn(&'a str, &'a Tree) -> Node<'a>) {
        self.open('{');
        self.key("type");
        self.string("", "object");
        self.key("properties");
        self.open('{');
        for (key, value) in map.iter() {
            self.key(key);
            self.node(schema(key, value));
        }
        self.close('}');
        self.key("additionalProperties");
        self.out.push_str("false");
        self.close('}');
    }

    fn root(&mut self, values: &Values) {
        self.open('{');
        self.key("$schema");
        self.string("", "http://json-schema.org/draft-07/schema#");
        self.key("title");
        self.string("", "values");
        self.key("type");
        self.string("", "object");
        self.key("properties");
        self.open('{');
        for (key, value) in values {
            self.key(key);
            self.node(generic(value, 1, key));
        }
        self.close('}');
        self.key("additionalProperties");
        self.out.push_str("false");
        let definitions = definitions(values);
        if !definitions.is_empty() {
            self.key("definitions");
            self.open('{');
            for (name, definition) in definitions {
                self.key(name);
                self.node(definition);
            }
            self.close('}');
        }
        self.close('}');
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::Values;
    use crate::backends::helm::tree::{Tree, to_tree};

    fn schema(values: &Value) -> Value {
        let Ok(Tree::Map(map)) = to_tree(values) else {
            panic!("values are a mapping")
        };
        let values: Values = map.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        serde_json::from_str(&super::schema_json(&values)).unwrap()
    }

    #[test]
    fn defaults_give_types_and_closed_objects() {
        let values = json!({"web": {"replicas": 2, "image": {"tag": "1"}, "env": {"A": "b"}}});
        let schema = schema(&values);
        let web = &schema["properties"]["web"];
        assert_eq!(web["properties"]["replicas"]["type"], "integer");
        assert_eq!(web["properties"]["image"]["$ref"], "#/definitions/image");
        let definitions = &schema["definitions"];
        assert_eq!(definitions["image"]["properties"]["tag"]["type"], "string");
        assert_eq!(web["additionalProperties"], false);
        assert_eq!(
            definitions["env"]["additionalProperties"]["type"][0],
            "string"
        );
    }

    #[test]
    fn user_names_are_never_taken_for_fields() {
        let values = json!({
            "env": {"replicas": 1, "services": {"data": {"type": "", "ports": {"tcp-80": 80}}}},
            "persistence": {"data": {"size": "1Gi"}},
        });
        let schema = schema(&values);
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
        let env = &schema["properties"]["env"];
        assert_eq!(env["additionalProperties"], false);
        assert_eq!(env["properties"]["replicas"]["type"], "integer");
        let data = &env["properties"]["services"]["properties"]["data"];
        assert_eq!(
            data["properties"]["ports"]["properties"]["tcp-80"]["$ref"],
            "#/definitions/port"
        );
        let claim = &schema["properties"]["persistence"]["properties"]["data"];
        assert_eq!(claim["properties"]["size"]["type"], "string");
    }

    /// `value` laid out as the schema is: pretty, but an object with no object in it, and a
    /// list, on one line; strings escaped by `serde_json`.
    fn laid_out(value: &Value, depth: usize, out: &mut String) {
        let indent = |depth: usize| "  ".repeat(depth);
        match value {
            Value::Object(map) if map.values().any(Value::is_object) => {
                out.push('{');
                for (i, (key, value)) in map.iter().enumerate() {
                    out.push_str(if i == 0 { "\n" } else { ",\n" });
                    out.push_str(&indent(depth + 1));
                    out.push_str(&serde_json::to_string(key).unwrap());
                    out.push_str(": ");
                    laid_out(value, depth + 1, out);
                }
                out.push('\n');
                out.push_str(&indent(depth));
                out.push('}');
            }
            leaf => out.push_str(&one_line(leaf)),
        }
    }

    fn one_line(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let entries: Vec<String> = map
                    .iter()
                    .map(|(key, value)| {
                        format!(
                            "{}: {}",
                            serde_json::to_string(key).unwrap(),
                            one_line(value)
                        )
                    })
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(one_line).collect();
                format!("[{}]", items.join(", "))
            }
            scalar => scalar.to_string(),
        }
    }

    #[test]
    fn the_schema_is_pretty_with_its_leaves_on_one_line() {
        let values = json!({
            "we\"b\\\u{1}\t": {"replicas": 1, "env": {}, "services": {"a\nb": {"type": "", "ports": {}}}},
            "persistence": {"data": {"size": "1Gi", "accessMode": "ReadWriteOnce"}},
            "global": {"imagePullSecrets": []},
        });
        let Ok(Tree::Map(map)) = to_tree(&values) else {
            panic!("values are a mapping")
        };
        let values: Values = map.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect();
        let text = super::schema_json(&values);
        let parsed: Value = serde_json::from_str(&text).unwrap();
        let mut expected = String::new();
        laid_out(&parsed, 0, &mut expected);
        assert_eq!(text, expected + "\n");
        assert!(
            text.contains("\n        \"replicas\": {\"type\": \"integer\", \"minimum\": 0},\n")
        );
        assert!(text.contains("\"enum\": [\"\", \"ClusterIP\", \"NodePort\", \"LoadBalancer\"]}"));
    }
}
