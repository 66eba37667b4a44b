//! The only module that writes YAML. Every backend serializes through it, so one set of pinned
//! options decides the bytes of every file stackc writes.
//!
//! serde-saphyr decides those bytes; [`writer`] writes them faster for the shapes stackc emits,
//! hands every string it cannot clear to serde-saphyr's quoting, and hands back any document with
//! a shape it does not write. The tests below hold the two to the same bytes.

mod writer;

use serde::Serialize;

use self::writer::{Fallback, Position};
pub(crate) use self::writer::{Handled, Slot, push_spaces};

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
    // A manifest is one or two kilobytes: start there instead of growing from a few bytes.
    let mut out = String::with_capacity(1024);
    append(&mut out, value)?;
    // Give back what doubling left over, since a build holds every file until it writes them.
    out.shrink_to_fit();
    Ok(out)
}

/// Several documents separated by `---`, as `kubectl apply -f -` reads them. Each value is
/// written before the next is taken, so an iterator that builds values lazily never holds more
/// than one.
pub fn to_stream<T: Serialize>(values: impl IntoIterator<Item = T>) -> Result<String, YamlError> {
    join(values.into_iter().map(|value| to_string(&value)))
}

/// Documents written one by one (by [`to_string`], on several threads) joined into one stream.
pub fn join(
    documents: impl IntoIterator<Item = Result<String, YamlError>>,
) -> Result<String, YamlError> {
    let mut out = String::new();
    for (i, document) in documents.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&document?);
    }
    Ok(out)
}

/// The fast writer alone: appends `value` to `out` as one document, offering every string value
/// to `custom` first, which may write it and change its line. `false`, with `out` as it was,
/// when the document has a shape only serde-saphyr writes (a float, a string that spans lines)
/// or `custom` refused a value; the caller then writes it some other way.
pub(crate) fn append_custom<T: Serialize + ?Sized>(
    out: &mut String,
    value: &T,
    custom: &mut dyn FnMut(&mut String, Slot, &str) -> Handled,
) -> bool {
    let start = out.len();
    let written = writer::write(out, value, quote, Some(custom)).is_ok();
    if !written {
        out.truncate(start);
    }
    written
}

/// Appends `value` to `out` as one YAML document.
pub(crate) fn append<T: Serialize>(out: &mut String, value: &T) -> Result<(), YamlError> {
    let start = out.len();
    if writer::write(out, value, quote, None).is_err() {
        out.truncate(start);
        out.push_str(&by_serde_saphyr(value)?);
    }
    Ok(())
}

fn by_serde_saphyr<T: Serialize>(value: &T) -> Result<String, YamlError> {
    serde_saphyr::to_string_with_options(value, options()).map_err(|e| YamlError(e.to_string()))
}

/// A string as serde-saphyr writes it in `position`, cut out of a one-entry document.
fn quote(text: &str, position: Position) -> Result<String, Fallback> {
    let document = match position {
        Position::Value => by_serde_saphyr(&[text]),
        Position::Key => by_serde_saphyr(&std::collections::BTreeMap::from([(text, 0)])),
    }
    .map_err(|e| Fallback::Value(e.0))?;
    let scalar = match position {
        Position::Value => document
            .strip_prefix("- ")
            .and_then(|rest| rest.strip_suffix('\n')),
        Position::Key => document.strip_suffix(": 0\n"),
    };
    match scalar {
        Some(scalar) if !scalar.contains('\n') => Ok(scalar.to_owned()),
        _ => Err(Fallback::Shape("a string that spans lines")),
    }
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;
    use serde::Serialize;
    use serde_json::json;

    /// Strings that probe every rule of plain scalars: YAML 1.1 and 1.2 booleans, nulls and
    /// numbers, dates, indicators at the start, `: ` and ` #` inside, edge spaces, escapes,
    /// non-ASCII, and the everyday names, images, paths and quantities that take the fast path.
    const STRINGS: &[&str] = &[
        "",
        " ",
        "a b",
        "a  b",
        " x",
        "x ",
        "8000",
        "0755",
        "1.0",
        "1.37",
        "10.250",
        "1.0.0",
        "1.",
        "1..2",
        "12345678901234567890123456789",
        "1e5",
        "1E5",
        "0x1F",
        "0o17",
        "0b101",
        "1_000",
        "+1",
        "-1",
        ".5",
        ".inf",
        "-.inf",
        ".NaN",
        "nan",
        "NaN",
        "inf",
        "Inf",
        "1:20",
        "190:20:30",
        "2001-01-01",
        "2001-12-14t21:59:43.10-05:00",
        "y",
        "Y",
        "n",
        "N",
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "null",
        "Null",
        "NULL",
        "nUll",
        "~",
        "=",
        "<<",
        "---",
        "--- x",
        "...",
        "-",
        "-a",
        "- a",
        "?",
        "?x",
        "? x",
        ":",
        ":x",
        "a:",
        "a:b",
        "a: b",
        "a :b",
        "/a: b",
        "/a:b",
        "-a:b",
        "--a: b",
        "#x",
        "a#b",
        "a #b",
        "a,b",
        "[x",
        "x]",
        "{}",
        "a{b",
        "!x",
        "&x",
        "*x",
        "|x",
        ">x",
        "%x",
        "@x",
        "`x",
        "'x",
        "\"x",
        "a'b",
        "a\"b",
        "a\\b",
        "x\ny",
        "x\n",
        "tab\there",
        "x\r",
        "\u{7f}",
        "\u{85}",
        "\u{feff}x",
        "\u{2028}",
        "é",
        "ünï",
        "emoji 😀",
        "256Mi",
        "500m",
        "10s",
        "1Gi",
        "2e3Mi",
        "0xZ",
        "8080/tcp",
        "a=b",
        "k=v,w=x",
        "user@host",
        "http://x:80/y",
        "registry.example.com/team/svc0000:1.0.0",
        "/var/lib/svc",
        "/",
        "//x",
        "sh -c 'x'",
        "CMD-SHELL",
        "app.kubernetes.io/name",
        "ReadWriteOnce",
        "IfNotPresent",
        "a+b",
        "x,",
        "x=",
        "x@",
        "x/",
        "x-",
        "x.",
        "x_",
        "_x",
        "1a",
        "1f",
        "12ab",
        "9Z",
        "-f",
        "--port",
        "--",
        "-inf",
        "-Inf",
        "-nan",
        "-on",
        "-y",
        "-_x",
        "--- ",
        "---x",
        "-.5",
        "-1",
        "-1e5",
        "+x",
        "1,2",
        "10,20,30",
        "1,",
        ",1",
        "1e5,",
        "1e5e",
        "1E5a",
        "0b1",
        "0B1",
        "0o7",
        "0xfa",
        "0Xfa",
        "9e9da12345678d12d123ceef12de123b",
        "3f2a",
        "1d",
        "12E3",
        "a;b",
        "a; b",
        "a ;",
        "until nc -z -w 1 db 5432; do sleep 1; done",
        "x;#y",
        "x ;#y",
        "/x:80",
        "/x: y",
        "/ x",
    ];

    fn same_as_serde_saphyr<T: Serialize>(value: &T) {
        let fast = super::to_string(value).unwrap();
        let reference = super::by_serde_saphyr(value).unwrap();
        assert_eq!(fast, reference);
    }

    #[test]
    fn strings_are_written_as_serde_saphyr_writes_them() {
        for text in STRINGS {
            same_as_serde_saphyr(&[text]);
            same_as_serde_saphyr(&IndexMap::from([(text, text)]));
            same_as_serde_saphyr(&IndexMap::from([("key", IndexMap::from([(text, [text])]))]));
        }
    }

    #[test]
    fn nested_shapes_are_written_as_serde_saphyr_writes_them() {
        let tree = json!({
            "a": {"b": [1, 2, {"c": "d", "e": []}, [3, 4], [], {}], "f": {}, "g": null,
                  "h": true, "j": -3, "k": [{"x": [{"y": 1}]}]},
            "l": [[[1]]],
            "p": [null, {"q": {"r": {}}}],
            "u": 18_446_744_073_709_551_615_u64,
            "v": [0, 9, 10, -1, -10, i64::MIN, i64::MAX],
        });
        same_as_serde_saphyr(&tree);
        // Deeper than one slice of indentation.
        let deep = (0..40).fold(json!(["leaf"]), |inner, _| json!({ "k": inner }));
        same_as_serde_saphyr(&deep);
        same_as_serde_saphyr(&json!({}));
        same_as_serde_saphyr(&json!([]));
        same_as_serde_saphyr(&json!("on"));
        same_as_serde_saphyr(&json!(7));
        // The fast writer must take these shapes itself, or the comparisons above prove little.
        let mut out = String::new();
        super::writer::write(&mut out, &tree, super::quote, None).unwrap();
    }

    #[test]
    fn shapes_the_fast_writer_leaves_are_still_written() {
        #[derive(Serialize)]
        enum Shape {
            Unit,
            Newtype(u8),
            Struct { x: u8 },
        }
        same_as_serde_saphyr(&json!({"f": 1.5, "g": [0.1, 1e300]}));
        same_as_serde_saphyr(&[Shape::Unit, Shape::Newtype(2), Shape::Struct { x: 1 }]);
        same_as_serde_saphyr(&IndexMap::from([(1, "a"), (2, "b")]));
        same_as_serde_saphyr(&(1, "tuple"));
        same_as_serde_saphyr(&["word ".repeat(40).trim_end()]);
        let mut out = String::new();
        assert!(super::writer::write(&mut out, &1.5, super::quote, None).is_err());
    }

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
