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
/// `description` texts, in compact JSON and in the same key order.
#[test]
fn the_validation_schema_is_the_bundled_one_without_descriptions() {
    fn without_descriptions(value: &Value) -> Value {
        match value {
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(key, value)| !(*key == "description" && value.is_string()))
                    .map(|(key, value)| (key.clone(), without_descriptions(value)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(without_descriptions).collect()),
            other => other.clone(),
        }
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let text = std::fs::read_to_string(dir.join("compose-spec.json")).unwrap();
    assert!(text.contains("\"description\""));
    let full: Value = serde_json::from_str(&text).unwrap();
    let expected = serde_json::to_string(&without_descriptions(&full)).unwrap() + "\n";
    let path = dir.join("compose-spec.validation.json");
    if std::env::var_os("STACKC_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == expected,
        "schemas/compose-spec.validation.json is stale; run `STACKC_UPDATE_SCHEMAS=1 cargo test --test schemas`"
    );
}
