//! The only module that writes YAML. Every backend serializes through it, so one set of pinned
//! options decides the bytes of every file stackc writes.

use serde::Serialize;

/// Why a value could not be written as YAML; only a bug in stackc can cause it.
#[derive(Debug, thiserror::Error)]
#[error("cannot write YAML: {0}")]
pub struct YamlError(String);

/// The serializer options, pinned so that a serde-saphyr upgrade that changes a default does not
/// change our output. YAML 1.1 quoting stays on (`yaml_12: false`): Kubernetes tooling still reads
/// `on`, `no` and `y` as booleans, so such strings must be quoted.
fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: true,
        prefer_block_scalars: true,
        quote_all: false,
        tagged_enums: false,
        yaml_12: false,
    }
}

/// One YAML document, ending in a newline.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_saphyr::to_string_with_options(value, options()).map_err(|e| YamlError(e.to_string()))
}

/// Several documents separated by `---`, as `kubectl apply -f -` reads them.
pub fn to_stream<T: Serialize>(values: &[T]) -> Result<String, YamlError> {
    serde_saphyr::to_string_multiple_with_options(values, options())
        .map_err(|e| YamlError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    #[test]
    fn yaml_11_booleans_and_numbers_stay_strings() {
        let map: IndexMap<&str, &str> = [
            ("a", "on"),
            ("b", "no"),
            ("c", "y"),
            ("d", "0755"),
            ("e", "1.0"),
            ("f", "plain"),
        ]
        .into_iter()
        .collect();
        let text = super::to_string(&map).unwrap();
        assert_eq!(
            text,
            "a: \"on\"\nb: \"no\"\nc: \"y\"\nd: \"0755\"\ne: \"1.0\"\nf: plain\n"
        );
    }
}
