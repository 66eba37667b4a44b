//! The schemas in `schemas/` are generated (`stackc schema --write schemas`, and the compose
//! schema's copy for validation); these tests fail when a committed file is stale and rewrite it
//! when `STACKC_UPDATE_SCHEMAS=1`.

use std::path::Path;

use serde_json::Value;

#[test]
fn committed_schemas_are_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let update = std::env::var_os("STACKC_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for (name, expected) in stackc::schema::generated() {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, &expected).unwrap();
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != expected {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale in schemas/: {stale:?}; run `STACKC_UPDATE_SCHEMAS=1 cargo test --test schemas`"
    );
}

/// `compose-spec.validation.json`, what the validator reads, is `compose-spec.json` without its
/// `description` texts, in compact JSON and in the same key order, and without the keywords for
/// mappings in a schema whose `type` rules mappings out (`gpus`' list form has
/// `additionalProperties` beside `"type": "array"`): they can never apply, and the code that
/// `jsonschema`'s `validator` macro generates for them (0.60) accepts a mapping there.
#[test]
fn the_validation_schema_is_the_bundled_one_without_what_never_applies() {
    const MAPPING_KEYWORDS: [&str; 8] = [
        "properties",
        "patternProperties",
        "additionalProperties",
        "required",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependencies",
    ];
    fn rules_out_mappings(schema: &serde_json::Map<String, Value>) -> bool {
        match schema.get("type") {
            Some(Value::String(kind)) => kind != "object",
            Some(Value::Array(kinds)) => !kinds.iter().any(|kind| kind == "object"),
            _ => false,
        }
    }
    fn for_validation(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let no_mappings = rules_out_mappings(map);
                Value::Object(
                    map.iter()
                        .filter(|(key, value)| !(*key == "description" && value.is_string()))
                        .filter(|(key, _)| {
                            !(no_mappings && MAPPING_KEYWORDS.contains(&key.as_str()))
                        })
                        .map(|(key, value)| (key.clone(), for_validation(value)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(for_validation).collect()),
            other => other.clone(),
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let text = std::fs::read_to_string(dir.join("compose-spec.json")).unwrap();
    assert!(text.contains("\"description\""));
    let full: Value = serde_json::from_str(&text).unwrap();
    let expected = serde_json::to_string(&for_validation(&full)).unwrap() + "\n";
    let path = dir.join("compose-spec.validation.json");
    if std::env::var_os("STACKC_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == expected,
        "schemas/compose-spec.validation.json is stale; run `STACKC_UPDATE_SCHEMAS=1 cargo test --test schemas`"
    );
}
