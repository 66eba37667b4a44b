//! The JSON output of `config --format json`, byte for byte as Go's `encoding/json` writes it:
//! struct fields in declaration order, map keys sorted, two-space indentation, `<`, `>`, `&`,
//! U+2028 and U+2029 escaped as `\u003c` and so on, float32 values printed in their shortest form.

use std::io;

use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};

use super::Project;

/// The project as Docker Compose prints it with `config --format json`, without a trailing
/// newline.
#[must_use]
pub fn to_json(project: &Project) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoFormatter::default());
    project
        .serialize(&mut serializer)
        .expect("serializing a project into memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// The project as the JSON value Docker Compose prints, with object keys in output order.
#[must_use]
pub fn to_json_value(project: &Project) -> Value {
    serde_json::to_value(project).expect("a project is always representable as JSON")
}

/// `serde_json`'s pretty printer with Go's extra escapes, which make Go's output HTML-safe.
#[derive(Default)]
struct GoFormatter {
    pretty: PrettyFormatter<'static>,
}

impl Formatter for GoFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escape = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escape.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        self.pretty.write_char_escape(writer, char_escape)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(writer)
    }
}

/// Serializes a map with its keys in Go's order (sorted by bytes), each value through `convert`.
pub(crate) fn sorted_entries<'a, S, V, T, F>(
    map: &'a IndexMap<String, V>,
    serializer: S,
    convert: F,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    T: Serialize,
    F: Fn(&'a V) -> T,
{
    let mut entries: Vec<(&String, &'a V)> = map.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    serializer.collect_map(entries.into_iter().map(|(k, v)| (k, convert(v))))
}

/// Serializes a Go map field: keys sorted.
pub(crate) fn sorted<S: Serializer, V: Serialize>(
    map: &IndexMap<String, V>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    sorted_entries(map, serializer, |v| v)
}

/// An extension value (`x-*`), decoded from YAML into Go's `map[string]any`, so every nested
/// object prints with sorted keys.
pub(crate) struct GoValue<'a>(pub(crate) &'a Value);

impl Serialize for GoValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                serializer.collect_map(entries.into_iter().map(|(k, v)| (k, GoValue(v))))
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(GoValue)),
            other => other.serialize(serializer),
        }
    }
}

/// Serializes a Go `float32` as Go does: the shortest decimal that reads back as the same
/// float32, with no fraction when the value is whole (`1`, `0.7`, `1.5`).
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's `serialize_with` passes a reference"
)]
pub(crate) fn float32<S: Serializer>(value: &f32, serializer: S) -> Result<S::Ok, S::Error> {
    let value = *value;
    // Whole values below 2^53 convert to i64 exactly; Go prints them without a fraction.
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        return serializer.serialize_i64(value as i64);
    }
    // Rust's `Display` for f32 is the shortest round-tripping decimal, as Go's formatting is;
    // reading it back as f64 keeps that decimal instead of widening the binary value.
    let shortest: f64 = value.to_string().parse().unwrap_or(f64::from(value));
    serializer.serialize_f64(shortest)
}
