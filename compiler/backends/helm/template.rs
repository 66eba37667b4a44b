//! Templates are written in two steps: an object is serialized as YAML through `backends/yaml.rs`
//! with placeholder tokens where values are parameterised, then each token's line is rewritten
//! into Go-template text. The YAML writer thus decides all quoting and layout of the literal
//! parts, and only the lines holding a token are text we write by hand.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::Error;
use crate::backends::yaml;

/// What a placeholder token becomes.
#[derive(Debug, Clone)]
pub(super) enum Fill {
    /// `key: TOKEN` → `key: {{ EXPR }}`; the expression must render valid YAML (quote it).
    Inline(String),
    /// `key: TOKEN` → the key holding `{{ . | quote }}`, present only when EXPR is not empty.
    OptionalScalar(String),
    /// `key: TOKEN` → the key holding `toYaml EXPR`, present only when EXPR is not empty.
    OptionalBlock(String),
    /// A whole line (`- TOKEN` or `TOKEN: …`) replaced by template text; `{N}` in it stands for
    /// the line's indentation.
    Lines(String),
}

/// Hands out placeholder tokens and rewrites them into template text.
#[derive(Debug, Default)]
pub(super) struct Templater {
    fills: Vec<Fill>,
}

const PREFIX: &str = "zzstackc";
const SUFFIX: &str = "zz";

impl Templater {
    /// A token standing for `fill`: a plain YAML scalar the writer never quotes.
    pub(super) fn token(&mut self, fill: Fill) -> String {
        self.fills.push(fill);
        format!("{PREFIX}{}{SUFFIX}", self.fills.len() - 1)
    }

    /// The token as a JSON string value.
    pub(super) fn value(&mut self, fill: Fill) -> Value {
        Value::String(self.token(fill))
    }

    /// Serializes `value` and rewrites every token in it.
    pub(super) fn render(&self, header: &str, value: &Value) -> Result<String, Error> {
        let text = yaml::to_string(value)?;
        let mut out = String::with_capacity(text.len() + header.len() + 256);
        out.push_str(header);
        for line in text.lines() {
            match self.find(line) {
                None => push_escaped(&mut out, line),
                Some((at, len, fill)) => Self::rewrite(&mut out, line, at, len, fill)?,
            }
            out.push('\n');
        }
        Ok(out)
    }

    fn find(&self, line: &str) -> Option<(usize, usize, &Fill)> {
        let at = line.find(PREFIX)?;
        let rest = &line[at + PREFIX.len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let index: usize = rest[..digits].parse().ok()?;
        rest[digits..].starts_with(SUFFIX).then_some(())?;
        let fill = self.fills.get(index)?;
        Some((at, PREFIX.len() + digits + SUFFIX.len(), fill))
    }

    fn rewrite(
        out: &mut String,
        line: &str,
        at: usize,
        len: usize,
        fill: &Fill,
    ) -> Result<(), Error> {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let pad = &line[..indent];
        let body = &line[indent..];
        // A key on the first line of a list item shares its line with the `- `, so it cannot be
        // made conditional on its own; the objects are built so that this never happens.
        let key = || match body.strip_suffix(&line[at..at + len]) {
            Some(k) if !k.starts_with("- ") => k
                .strip_suffix(": ")
                .ok_or_else(|| Error::Placement(line.to_owned())),
            _ => Err(Error::Placement(line.to_owned())),
        };
        match fill {
            Fill::Inline(expr) => {
                out.push_str(&line[..at]);
                out.push_str("{{ ");
                out.push_str(expr);
                out.push_str(" }}");
                out.push_str(&line[at + len..]);
            }
            Fill::OptionalScalar(expr) => {
                let key = key()?;
                let _ = write!(
                    out,
                    "{pad}{{{{- with {expr} }}}}\n{pad}{key}: {{{{ . | quote }}}}\n{pad}{{{{- end }}}}"
                );
            }
            Fill::OptionalBlock(expr) => {
                let key = key()?;
                let inner = indent + 2;
                let _ = write!(
                    out,
                    "{pad}{{{{- with {expr} }}}}\n{pad}{key}:\n{pad}  {{{{- toYaml . | nindent {inner} }}}}\n{pad}{{{{- end }}}}"
                );
            }
            Fill::Lines(text) => {
                out.push_str(pad);
                out.push_str(&text.replace("{N}", &indent.to_string()));
            }
        }
        Ok(())
    }
}

/// A Go-template string literal.
pub(super) fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

/// Sets `key` in an object serialized from k8s-openapi, whose fields are in alphabetical order:
/// in place when present, else where the order puts it, but never first, because the first key
/// of a list item shares its line with the `- ` and could not hold a conditional field.
pub(super) fn put(map: &mut Map<String, Value>, key: &str, value: Value) {
    if let Some(slot) = map.get_mut(key) {
        *slot = value;
        return;
    }
    let at = map
        .keys()
        .position(|k| k.as_str() > key)
        .unwrap_or(map.len())
        .max(1)
        .min(map.len());
    map.shift_insert(at, key.to_owned(), value);
}

/// The JSON value at `path`, if every step exists.
pub(super) fn at<'a>(value: &'a mut Value, path: &[&str]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(*key))
}

/// Copies `line` with Go-template delimiters in literal text escaped (`{{` → `{{ "{{" }}`), so
/// that configuration files which use them themselves (Prometheus rules, Go templates) reach the
/// rendered object unchanged.
fn push_escaped(out: &mut String, line: &str) {
    let mut rest = line;
    while let Some(at) = rest.find(['{', '}']) {
        let pair = rest.get(at..at + 2);
        out.push_str(&rest[..at]);
        match pair {
            Some("{{") => out.push_str("{{ \"{{\" }}"),
            Some("}}") => out.push_str("{{ \"}}\" }}"),
            _ => {
                out.push_str(&rest[at..=at]);
                rest = &rest[at + 1..];
                continue;
            }
        }
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Fill, Templater, put};

    #[test]
    fn literal_template_delimiters_are_escaped() {
        let mut out = String::new();
        super::push_escaped(&mut out, "summary: \"{{ $labels.instance }} down\" {x}");
        assert_eq!(
            out,
            "summary: \"{{ \"{{\" }} $labels.instance {{ \"}}\" }} down\" {x}"
        );
    }

    #[test]
    fn tokens_become_template_text() {
        let mut t = Templater::default();
        let value = json!({
            "spec": {
                "replicas": t.value(Fill::Inline("$v.replicas".to_owned())),
                "type": t.value(Fill::OptionalScalar("$v.type".to_owned())),
                "resources": t.value(Fill::OptionalBlock("$v.resources".to_owned())),
                "env": [{"name": "A", "value": "1"}, t.value(Fill::Lines("{{- toYaml $v.extra | nindent {N} }}".to_owned()))],
            }
        });
        let text = t.render("", &value).unwrap();
        assert_eq!(
            text,
            "spec:\n  replicas: {{ $v.replicas }}\n  {{- with $v.type }}\n  type: {{ . | quote }}\n  {{- end }}\n  {{- with $v.resources }}\n  resources:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n  env:\n  - name: A\n    value: \"1\"\n  {{- toYaml $v.extra | nindent 2 }}\n"
        );
    }

    #[test]
    fn a_conditional_key_cannot_open_a_list_item() {
        let mut t = Templater::default();
        let value = json!([{"type": t.value(Fill::OptionalScalar("$v".to_owned()))}]);
        assert!(t.render("", &value).is_err());
    }

    #[test]
    fn fields_go_where_the_alphabet_puts_them_but_never_first() {
        let mut map = json!({"image": "a", "name": "b"})
            .as_object()
            .cloned()
            .unwrap();
        put(&mut map, "imagePullPolicy", json!("c"));
        put(&mut map, "env", json!("d"));
        put(&mut map, "resources", json!("e"));
        put(&mut map, "name", json!("f"));
        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["image", "env", "imagePullPolicy", "name", "resources"]
        );
        assert_eq!(map["name"], "f");
    }
}
