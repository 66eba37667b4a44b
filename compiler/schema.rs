//! The JSON schemas stackc generates from its own types, written into `schemas/`.

/// `(file name, schema text)` for every generated schema, in a fixed order.
#[must_use]
pub fn generated() -> Vec<(&'static str, String)> {
    let text =
        |schema: schemars::Schema| serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
    vec![
        ("ir.schema.json", text(crate::ir::schema())),
        ("x-stackc.schema.json", text(crate::extension::schema())),
    ]
}
