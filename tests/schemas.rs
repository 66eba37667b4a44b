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
    let for_validation = for_validation(&full);
    assert_current(&dir, "compose-spec.validation.json", &for_validation);
    assert_current(
        &dir,
        "compose-spec.precompiled.json",
        &without_unicode_dot(&for_validation),
    );
}

/// Writes `schema` to `schemas/NAME` when asked to, and checks that the committed file holds it.
fn assert_current(dir: &Path, name: &str, schema: &Value) {
    let expected = serde_json::to_string(schema).unwrap() + "\n";
    let path = dir.join(name);
    if std::env::var_os("STACKC_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == expected,
        "schemas/{name} is stale; run `STACKC_UPDATE_SCHEMAS=1 cargo test --test schemas`"
    );
}

/// The schema that `jsonschema`'s `validator` macro turns into the precompiled check: the same
/// documents are valid, but no key pattern uses `.`. Compiling a Unicode `.` on first use builds
/// a UTF-8 automaton and zeroes a 400 KB table for it: 0.35 ms of a 50-service build, whose
/// labels and environment reach the `.+` pattern. Each object with a single `.+` or `^.+$`
/// pattern gets `additionalProperties` for the values those keys had to satisfy, and a pattern in
/// ASCII for the keys they do not match (`.` matches anything but a newline; `$` is the end of
/// the key): `^\n*$` for `.+`, `^$|\n` for `^.+$`. Such keys stay as free (`{}`) or as refused
/// (`false`, where `additionalProperties` was `false`) as they were. The run-time validator keeps
/// the original patterns, so that its errors, which name the schema paths, do not change; a unit
/// test in `frontend/schema.rs` holds the two to the same verdicts.
fn without_unicode_dot(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut map: serde_json::Map<String, Value> = map
                .iter()
                .map(|(key, value)| (key.clone(), without_unicode_dot(value)))
                .collect();
            let single_pattern = map
                .get("patternProperties")
                .and_then(Value::as_object)
                .filter(|patterns| patterns.len() == 1)
                .and_then(|patterns| patterns.iter().next())
                .map(|(pattern, schema)| (pattern.clone(), schema.clone()));
            let other_keys = match map.get("additionalProperties") {
                None => Some(Value::Object(serde_json::Map::new())),
                Some(Value::Bool(false)) => Some(Value::Bool(false)),
                Some(_) => None,
            };
            if let (Some((pattern, schema)), Some(other_keys)) = (single_pattern, other_keys) {
                let complement = match pattern.as_str() {
                    ".+" => Some("^\\n*$"),
                    "^.+$" => Some("^$|\\n"),
                    _ => None,
                };
                if let Some(complement) = complement {
                    map.insert(
                        "patternProperties".to_owned(),
                        serde_json::json!({ complement: other_keys }),
                    );
                    map.insert("additionalProperties".to_owned(), schema);
                }
            }
            Value::Object(map)
        }
        Value::Array(items) => Value::Array(items.iter().map(without_unicode_dot).collect()),
        other => other.clone(),
    }
}
