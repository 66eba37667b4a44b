//! The only module that writes YAML. Every backend serializes through it, so one set of pinned
//! options decides the bytes of every file stackc writes.

use serde::Serialize;

/// Why a value could not be written as YAML; only a bug in stackc can cause it.
#[derive(Debug, thiserror::Error)]
#[error("cannot write YAML: {0}")]
pub struct YamlError(String);

/// The serializer options, pinned so that a serde-saphyr upgrade that changes a default does not
/// change our output. YAML 1.1 quoting stays on (`yaml_12: false`): Kubernetes tooling still reads
/// `on`, `no` and `y` as booleans, so such strings must be quoted. Block scalars are off: a
/// folded or literal block keeps a line's trailing spaces as trailing whitespace in the file,
/// which linters reject, while a double-quoted scalar escapes them.
fn options() -> serde_saphyr::SerializerOptions {
    serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: true,
        prefer_block_scalars: false,
        quote_all: false,
        tagged_enums: false,
        yaml_12: false,
    }
}

/// One YAML document, ending in a newline.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_saphyr::to_string_with_options(value, options()).map_err(|e| YamlError(e.to_string()))
}

/// Several documents separated by `---`, as `kubectl apply -f -` reads them. Each value is
/// written before the next is taken, so an iterator that builds values lazily never holds more
/// than one.
pub fn to_stream<T: Serialize>(values: impl IntoIterator<Item = T>) -> Result<String, YamlError> {
    let mut out = String::new();
    for (i, value) in values.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&to_string(&value)?);
    }
    Ok(out)
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

    #[test]
    fn multi_line_strings_stay_on_one_quoted_line() {
        let text = super::to_string(&["set -e   \nrun", &"word ".repeat(30)]).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with("- \"set -e   \\nrun\"\n"), "{text}");
    }
}
