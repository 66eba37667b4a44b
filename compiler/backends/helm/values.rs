//! `values.yaml` and the JSON schema that types it.
//!
//! The schema is derived from the default values, field by field: every object lists its
//! properties and refuses others (a misspelt `--set web.replica=3` fails instead of being
//! ignored), every leaf gets the type of its default, and the maps users extend (`env`,
//! `resources`, `annotations`, `data`) are open with typed entries.

use serde_json::{Map, Value, json};

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

/// The schema of `values`.
pub(super) fn schema(values: &Value) -> Value {
    let mut schema = Schema::default();
    let root = schema.generic(0, "", values);
    let mut out = Map::new();
    out.insert(
        "$schema".to_owned(),
        Value::from("http://json-schema.org/draft-07/schema#"),
    );
    out.insert("title".to_owned(), Value::from("values"));
    if let Value::Object(root) = root {
        out.extend(root);
    }
    if !schema.definitions.is_empty() {
        out.insert("definitions".to_owned(), Value::Object(schema.definitions));
    }
    Value::Object(out)
}

#[derive(Default)]
struct Schema {
    definitions: Map<String, Value>,
}

impl Schema {
    /// The schema of `value` found under `key` at `depth`. A key that is a name the user chose
    /// (a service, a volume, a secret) is never mistaken for a field.
    fn node(&mut self, depth: usize, key: &str, is_name: bool, value: &Value) -> Value {
        if is_name {
            return self.generic(depth, key, value);
        }
        if depth == 2 && SHARED.contains(&key) {
            if !self.definitions.contains_key(key) {
                let definition = self.field(depth, key, value);
                self.definitions.insert(key.to_owned(), definition);
            }
            return json!({"$ref": format!("#/definitions/{key}")});
        }
        self.field(depth, key, value)
    }

    fn field(&mut self, depth: usize, key: &str, value: &Value) -> Value {
        match (key, value) {
            ("env", _) => open(&json!({"type": ["string", "number", "boolean"]})),
            ("annotations" | "data" | "nodeSelector", _) => open(&json!({"type": "string"})),
            ("resources", _) => json!({
                "type": "object",
                "properties": {
                    "limits": open(&quantity()),
                    "requests": open(&quantity()),
                    "claims": {"type": "array"},
                },
                "additionalProperties": false,
            }),
            ("extraEnv" | "imagePullSecrets" | "tolerations", _) => {
                json!({"type": "array", "items": {"type": "object"}})
            }
            ("affinity", _) => json!({"type": "object"}),
            ("replicas", _) => json!({"type": "integer", "minimum": 0}),
            ("pullPolicy", _) => enumeration(&["", "Always", "IfNotPresent", "Never"]),
            ("type", _) => enumeration(&["", "ClusterIP", "NodePort", "LoadBalancer"]),
            ("accessMode", _) => enumeration(&[
                "ReadWriteOnce",
                "ReadOnlyMany",
                "ReadWriteMany",
                "ReadWriteOncePod",
            ]),
            ("pathType", _) => enumeration(&["Prefix", "Exact", "ImplementationSpecific"]),
            ("ports", Value::Object(ports)) => {
                self.definitions
                    .entry("port")
                    .or_insert_with(|| json!({"type": "integer", "minimum": 1, "maximum": 65535}));
                json!({
                    "type": "object",
                    "properties": ports.keys().map(|k| (k.clone(), json!({"$ref": "#/definitions/port"}))).collect::<Map<_, _>>(),
                    "additionalProperties": false,
                })
            }
            _ => self.generic(depth, key, value),
        }
    }

    fn generic(&mut self, depth: usize, key: &str, value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let named = depth == 0
                    || (depth == 1 && matches!(key, "persistence" | "secrets"))
                    || (depth == 2 && key == "services");
                let properties: Map<String, Value> = map
                    .iter()
                    .map(|(k, v)| (k.clone(), self.node(depth + 1, k, named, v)))
                    .collect();
                json!({"type": "object", "properties": properties, "additionalProperties": false})
            }
            Value::String(_) => json!({"type": "string"}),
            Value::Bool(_) => json!({"type": "boolean"}),
            Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
            Value::Number(_) => json!({"type": "number"}),
            Value::Array(_) => json!({"type": "array"}),
            Value::Null => json!({}),
        }
    }
}

fn open(entries: &Value) -> Value {
    json!({"type": "object", "additionalProperties": entries})
}

/// A Kubernetes quantity: `512Mi`, `500m`, `2`.
fn quantity() -> Value {
    json!({"type": ["string", "integer"]})
}

fn enumeration(allowed: &[&str]) -> Value {
    json!({"type": "string", "enum": allowed})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn defaults_give_types_and_closed_objects() {
        let values = json!({"web": {"replicas": 2, "image": {"tag": "1"}, "env": {"A": "b"}}});
        let schema = super::schema(&values);
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
        let schema = super::schema(&values);
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
