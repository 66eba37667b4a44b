//! The schemas in `schemas/` are generated (`stackc schema --write schemas`); this test fails when
//! a committed file is stale and rewrites it when `STACKC_UPDATE_SCHEMAS=1`.

use std::path::Path;

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
