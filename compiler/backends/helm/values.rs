//! `values.yaml` and the JSON schema that types it.
//!
//! The schema is derived from the default values, field by field: every object lists its
//! properties and refuses others (a misspelt `--set web.replica=3` fails instead of being
//! ignored), every leaf gets the type of its default, and the maps users extend (`env`,
//! `resources`, `annotations`, `data`) are open with typed entries.
//!
//! It is serialized straight from the values: each schema node is a view of the value it types
//! or a constant, so a large stack's schema (megabytes of JSON) is written without being built.

use indexmap::IndexMap;
use serde::ser::{Serialize, SerializeMap, Serializer};

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

/// `values.schema.json`: the schema of `values`, pretty-printed, ending in a newline.
pub(super) fn schema_json(values: &Values) -> String {
    let mut text = serde_json::to_string_pretty(&Root { values }).unwrap_or_default();
    text.push('\n');
    text
}

/// A fixed part of the schema.
enum Lit {
    Object(&'static [(&'static str, Lit)]),
    Str(&'static str),
    Strs(&'static [&'static str]),
    UInt(u64),
    Bool(bool),
}

impl Serialize for Lit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Object(entries) => serializer.collect_map(entries.iter().map(|(k, v)| (k, v))),
            Self::Str(s) => serializer.serialize_str(s),
            Self::Strs(items) => serializer.collect_seq(*items),
            Self::UInt(n) => serializer.serialize_u64(*n),
            Self::Bool(b) => serializer.serialize_bool(*b),
        }
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

struct Root<'a> {
    values: &'a Values,
}

impl Serialize for Root<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let definitions = definitions(self.values);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("$schema", "http://json-schema.org/draft-07/schema#")?;
        map.serialize_entry("title", "values")?;
        map.serialize_entry("type", "object")?;
        map.serialize_entry("properties", &Named(self.values))?;
        map.serialize_entry("additionalProperties", &false)?;
        if !definitions.is_empty() {
            map.serialize_entry("definitions", &Entries(&definitions))?;
        }
        map.end()
    }
}

/// The properties of the root: a schema per top-level key of the values.
struct Named<'a>(&'a Values);

impl Serialize for Named<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, generic(v, 1, k))))
    }
}

struct Entries<'n, 'a>(&'n [(&'a str, Node<'a>)]);

impl Serialize for Entries<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::Lit(lit) => lit.serialize(serializer),
            Self::Ref(name) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("$ref", &Reference(name))?;
                map.end()
            }
            Self::Object { depth, key, map } => {
                let named = names_keys(depth, key);
                let properties = Properties(map, move |k, v| node(depth + 1, k, named, v));
                closed(serializer, &properties)
            }
            // Every port refers to the one `port` definition.
            Self::Ports(ports) => closed(serializer, &Properties(ports, |_, _| Node::Ref("port"))),
        }
    }
}

/// The entries of `map`, each with the schema `schema` gives it.
struct Properties<'a, F>(&'a Map, F);

impl<'a, F: Fn(&'a str, &'a Tree) -> Node<'a>> Serialize for Properties<'a, F> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, (self.1)(k, v))))
    }
}

/// An object schema that refuses keys it does not list.
fn closed<S: Serializer>(serializer: S, properties: &impl Serialize) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(3))?;
    map.serialize_entry("type", "object")?;
    map.serialize_entry("properties", properties)?;
    map.serialize_entry("additionalProperties", &false)?;
    map.end()
}

/// `#/definitions/<name>`.
struct Reference<'a>(&'a str);

impl Serialize for Reference<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("#/definitions/{}", self.0))
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
}
