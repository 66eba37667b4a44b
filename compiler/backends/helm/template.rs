//! Templates are YAML objects with placeholder tokens where values are parameterised; each
//! token's line becomes Go-template text. The YAML writer decides all quoting and layout of the
//! literal parts, and only the lines holding a token are text we write by hand.
//!
//! The YAML writer hands every token to [`Templater::render`] as it meets it, which writes the
//! template text in place. A document the fast writer cannot write, or whose literal text holds
//! template delimiters to escape, is written whole and its token lines are rewritten after.

use std::borrow::Cow;
use std::cell::RefCell;
use std::ops::Range;

use serde::Serialize;

use super::Error;
use super::tree::{Map, Tree};
use crate::backends::yaml::{self, Handled, Slot, push_spaces};
use crate::text::{push_all, push_json_escaped, push_number};

/// Template text: most expressions are fixed, so they are borrowed.
pub(super) type Text = Cow<'static, str>;

/// What a placeholder token becomes.
#[derive(Debug, Clone)]
pub(super) enum Fill {
    /// `key: TOKEN` → `key: {{ EXPR }}`; the expression must render valid YAML (quote it).
    Inline(Text),
    /// `key: TOKEN` → the key holding `{{ . | quote }}`, present only when EXPR is not empty.
    OptionalScalar(Text),
    /// `key: TOKEN` → the key holding `toYaml EXPR`, present only when EXPR is not empty.
    OptionalBlock(Text),
    /// A whole line (`- TOKEN`, or `TOKEN: TOKEN` in a mapping) replaced by template text; `{N}`
    /// in it stands for the line's indentation.
    Lines(Text),
}

/// Hands out placeholder tokens and rewrites them into template text. Tokens are handed out
/// while the writer writes the document ([`super::object`]), so the fills are shared.
#[derive(Debug, Default)]
pub(super) struct Templater {
    fills: RefCell<Vec<Fill>>,
}

const PREFIX: &str = "zzstackc";
const SUFFIX: &str = "zz";

impl Templater {
    /// A token standing for `fill`: a plain YAML scalar the writer never quotes.
    pub(super) fn token(&self, fill: Fill) -> String {
        let mut fills = self.fills.borrow_mut();
        fills.push(fill);
        let mut token = String::with_capacity(PREFIX.len() + SUFFIX.len() + 4);
        token.push_str(PREFIX);
        push_number(&mut token, (fills.len() - 1) as u64);
        token.push_str(SUFFIX);
        token
    }

    /// The token as a string value.
    pub(super) fn value(&self, fill: Fill) -> Tree {
        Tree::Str(self.token(fill))
    }

    /// `header`, then `value` as YAML with every token written as template text.
    pub(super) fn render<T: Serialize>(&self, header: &str, value: &T) -> Result<String, Error> {
        // Most objects are one to four kilobytes.
        let mut out = String::with_capacity(header.len() + 2048);
        out.push_str(header);
        let mut filled = Vec::new();
        let written = yaml::append_custom(&mut out, value, &mut |out, slot, text| {
            self.fill_in_place(out, slot, text, &mut filled)
        });
        if written && !literal_needs_escaping(&out, header.len(), &filled) {
            out.shrink_to_fit();
            return Ok(out);
        }
        self.render_by_lines(header, value)
    }

    /// Writes the fill `text` names, if it is a token, where the writer stands on the last line
    /// of `out`, and notes the bytes of template text written.
    fn fill_in_place(
        &self,
        out: &mut String,
        slot: Slot,
        text: &str,
        filled: &mut Vec<Range<usize>>,
    ) -> Handled {
        let fills = self.fills.borrow();
        let Some(fill) = fill_named(&fills, text) else {
            return Handled::Left;
        };
        // The line so far, and its indentation, for the fills that replace it.
        let line = |out: &str| {
            let start = out.rfind('\n').map_or(0, |at| at + 1);
            let indent = out[start..].bytes().take_while(|&b| b == b' ').count();
            (start, indent)
        };
        let start = match fill {
            Fill::Inline(expr) => {
                if slot == Slot::Key {
                    out.push(' ');
                }
                let start = out.len();
                push_all(out, &["{{ ", expr, " }}"]);
                start
            }
            Fill::OptionalScalar(expr) | Fill::OptionalBlock(expr) => {
                let (line_start, indent) = line(out);
                // `key:`, which must not share its line with a list item's `- `.
                let key = match (slot, out[line_start + indent..].strip_suffix(':')) {
                    (Slot::Key, Some(key)) if !key.starts_with("- ") => key.to_owned(),
                    _ => return Handled::Refused,
                };
                out.truncate(line_start);
                let block = matches!(fill, Fill::OptionalBlock(_));
                optional(out, indent, &key, expr, block);
                line_start
            }
            Fill::Lines(text) => {
                let (line_start, indent) = line(out);
                out.truncate(line_start);
                lines(out, indent, text);
                line_start
            }
        };
        filled.push(start..out.len());
        out.push('\n');
        Handled::Wrote
    }

    /// Serializes `value` and rewrites every token's line in the text.
    fn render_by_lines<T: Serialize>(&self, header: &str, value: &T) -> Result<String, Error> {
        let text = yaml::to_string(value)?;
        let mut out = String::with_capacity(text.len() + header.len() + 64);
        out.push_str(header);
        // Text without template delimiters or carriage returns needs no escaping and splits into
        // lines at `\n` alone, so only the lines holding a token are looked at: the objects that
        // come here for a shape the fast writer leaves (a string that spans lines, a float).
        if needs_escaping(&text) {
            for line in text.lines() {
                self.line(&mut out, line, find_prefix(line))?;
            }
        } else {
            let mut done = 0;
            while let Some(found) = find_prefix(&text[done..]).map(|at| done + at) {
                let start = text[done..found]
                    .rfind('\n')
                    .map_or(done, |at| done + at + 1);
                let end = text[found..].find('\n').map_or(text.len(), |at| found + at);
                out.push_str(&text[done..start]);
                self.line(&mut out, &text[start..end], Some(found - start))?;
                done = (end + 1).min(text.len());
            }
            let tail = &text[done..];
            out.push_str(tail);
            if !tail.is_empty() && !tail.ends_with('\n') {
                out.push('\n');
            }
        }
        // The chart keeps every template until it is written.
        out.shrink_to_fit();
        Ok(out)
    }

    /// Copies one line (without its line break), rewriting the token at `prefix`, where the
    /// line's first [`PREFIX`] is, if that is a token.
    fn line(&self, out: &mut String, line: &str, prefix: Option<usize>) -> Result<(), Error> {
        let fills = self.fills.borrow();
        match prefix.and_then(|at| token_at(&fills, line, at)) {
            None => push_escaped(out, line),
            Some((at, len, fill)) => Self::rewrite(out, line, at, len, fill)?,
        }
        out.push('\n');
        Ok(())
    }

    fn rewrite(
        out: &mut String,
        line: &str,
        at: usize,
        len: usize,
        fill: &Fill,
    ) -> Result<(), Error> {
        let indent = line.len() - line.trim_start_matches(' ').len();
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
            Fill::OptionalScalar(expr) => optional(out, indent, key()?, expr, false),
            Fill::OptionalBlock(expr) => optional(out, indent, key()?, expr, true),
            Fill::Lines(text) => lines(out, indent, text),
        }
        Ok(())
    }
}

/// The fill of `text` when all of it is a token.
fn fill_named<'f>(fills: &'f [Fill], text: &str) -> Option<&'f Fill> {
    if !text.starts_with(PREFIX) {
        return None;
    }
    token_at(fills, text, 0)
        .filter(|(_, len, _)| *len == text.len())
        .map(|(_, _, fill)| fill)
}

/// The position, length and fill of the token at `at` in `line`, where [`PREFIX`] is.
fn token_at<'f>(fills: &'f [Fill], line: &str, at: usize) -> Option<(usize, usize, &'f Fill)> {
    let rest = line.get(at..)?.strip_prefix(PREFIX)?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let index: usize = rest[..digits].parse().ok()?;
    rest[digits..].starts_with(SUFFIX).then_some(())?;
    let fill = fills.get(index)?;
    Some((at, PREFIX.len() + digits + SUFFIX.len(), fill))
}

/// `key` at `indent`, present only when `expr` is not empty: `{{- with EXPR }}`, the key holding
/// the value quoted, or as YAML (`block`), `{{- end }}`.
fn optional(out: &mut String, indent: usize, key: &str, expr: &str, block: bool) {
    push_spaces(out, indent);
    push_all(out, &["{{- with ", expr, " }}\n"]);
    push_spaces(out, indent);
    out.push_str(key);
    if block {
        out.push_str(":\n");
        push_spaces(out, indent);
        out.push_str("  {{- toYaml . | nindent ");
        push_number(out, (indent + 2) as u64);
        out.push_str(" }}\n");
    } else {
        out.push_str(": {{ . | quote }}\n");
    }
    push_spaces(out, indent);
    out.push_str("{{- end }}");
}

/// Template lines at `indent`, `{N}` in them standing for it.
fn lines(out: &mut String, indent: usize, text: &str) {
    push_spaces(out, indent);
    // A byte search for the rare `N`, then a look at its neighbours: a substring search would
    // build its tables at each call.
    let bytes = text.as_bytes();
    let mut copied = 0;
    let mut from = 0;
    while let Some(at) = text[from..].find('N').map(|at| from + at) {
        from = at + 1;
        if at > 0 && bytes[at - 1] == b'{' && bytes.get(at + 1) == Some(&b'}') {
            out.push_str(&text[copied..at - 1]);
            push_number(out, indent as u64);
            copied = at + 2;
            from = copied;
        }
    }
    out.push_str(&text[copied..]);
}

/// Whether the literal text of a document, `out` from `start` on outside the `filled` ranges,
/// holds a template delimiter or a carriage return.
fn literal_needs_escaping(out: &str, start: usize, filled: &[Range<usize>]) -> bool {
    let mut from = start;
    for range in filled {
        if needs_escaping(&out[from..range.start]) {
            return true;
        }
        from = range.end;
    }
    needs_escaping(&out[from..])
}

/// Whether `text` holds a template delimiter or a carriage return, which only the line by line
/// path handles. Each block is scanned without an early exit, which the compiler vectorizes.
fn needs_escaping(text: &str) -> bool {
    text.as_bytes().chunks(512).any(|block| {
        block
            .iter()
            .fold(false, |found, &b| found | matches!(b, b'{' | b'}' | b'\r'))
    })
}

/// Where [`PREFIX`] first occurs in `text`. Its first byte is rare in YAML, so a byte search
/// (`memchr`) for it finds the few candidates; a substring search would prepare its tables at
/// every call, which cost more than the search on the short texts here.
fn find_prefix(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find('z').map(|at| from + at) {
        if text[at..].starts_with(PREFIX) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A Go-template string literal.
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    push_json_escaped(&mut out, s);
    out.push('"');
    out
}

/// Sets `key` in an object serialized from k8s-openapi, whose fields are in alphabetical order:
/// in place when present, else where the order puts it, but never first, because the first key
/// of a list item shares its line with the `- ` and could not hold a conditional field.
pub(super) fn put(map: &mut Map, key: &'static str, value: Tree) {
    if let Some(slot) = map.get_mut(key) {
        *slot = value;
        return;
    }
    let at = map
        .keys()
        .position(|k| k > key)
        .unwrap_or(map.len())
        .max(1)
        .min(map.len());
    map.insert_at(at, key, value);
}

/// Copies `line` with Go-template delimiters in literal text escaped (`{{` → `{{ "{{" }}`), so
/// that configuration files which use them themselves (Prometheus rules, Go templates) reach the
/// rendered object unchanged.
fn push_escaped(out: &mut String, line: &str) {
    let mut rest = line;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let escape = match rest.get(at..at + 2) {
            Some("{{") => "{{ \"{{\" }}",
            Some("}}") => "{{ \"}}\" }}",
            _ => {
                out.push_str(&rest[at..=at]);
                rest = &rest[at + 1..];
                continue;
            }
        };
        // A literal `{` just before the escape would open an action with it (`{}}`).
        if out.ends_with('{') {
            out.pop();
            out.push_str("{{ \"{\" }}");
        }
        out.push_str(escape);
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::{Fill, Templater, put};
    use crate::backends::helm::tree::{Map, Tree};
    use crate::backends::yaml;

    #[test]
    fn each_placeholder_of_a_line_is_its_indentation() {
        let mut out = String::new();
        super::lines(&mut out, 2, "éN{N} N {N}} {N");
        assert_eq!(out, "  éN2 N 2} {N");
    }

    #[test]
    fn names_are_quoted_as_serde_json_quotes_them() {
        for name in [
            "web",
            "",
            "a b",
            "é",
            "\u{7f}",
            "a\"b",
            "a\\b",
            "tab\there",
            "two\nlines",
            "\u{1}",
        ] {
            assert_eq!(
                super::quoted(name),
                serde_json::to_string(name).unwrap(),
                "{name:?}"
            );
        }
    }

    #[test]
    fn literal_template_delimiters_are_escaped() {
        let mut out = String::new();
        super::push_escaped(&mut out, "summary: \"{{ $labels.instance }} down\" {x}");
        assert_eq!(
            out,
            "summary: \"{{ \"{{\" }} $labels.instance {{ \"}}\" }} down\" {x}"
        );
        let mut out = String::new();
        super::push_escaped(&mut out, "\"params\":{}}, {{{");
        assert_eq!(out, "\"params\":{{ \"{\" }}{{ \"}}\" }}, {{ \"{{\" }}{");
    }

    #[test]
    fn tokens_become_template_text() {
        let t = Templater::default();
        let env = Tree::Seq(vec![
            Map::from([("name", "A".into()), ("value", "1".into())]).into(),
            t.value(Fill::Lines("{{- toYaml $v.extra | nindent {N} }}".into())),
        ]);
        let spec = Map::from([
            ("replicas", t.value(Fill::Inline("$v.replicas".into()))),
            ("type", t.value(Fill::OptionalScalar("$v.type".into()))),
            (
                "resources",
                t.value(Fill::OptionalBlock("$v.resources".into())),
            ),
            ("env", env),
        ]);
        let value = Tree::Map(Map::from([("spec", spec.into())]));
        let text = t.render("", &value).unwrap();
        assert_eq!(
            text,
            "spec:\n  replicas: {{ $v.replicas }}\n  {{- with $v.type }}\n  type: {{ . | quote }}\n  {{- end }}\n  {{- with $v.resources }}\n  resources:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n  env:\n  - name: A\n    value: \"1\"\n  {{- toYaml $v.extra | nindent 2 }}\n"
        );
    }

    /// A tree with every kind of fill in every place the objects put one.
    fn every_fill(t: &Templater, literal: &str) -> Tree {
        let include = t.token(Fill::Lines("{{- include \"x\" . | nindent {N} }}".into()));
        let labels = Map::from_iter([
            (include.clone(), Tree::Str(include)),
            ("app".to_owned(), literal.into()),
        ]);
        let container = Map::from([
            ("image", t.value(Fill::Inline("$v.image | quote".into()))),
            ("name", "web".into()),
            (
                "pullPolicy",
                t.value(Fill::OptionalScalar("$v.pull".into())),
            ),
            (
                "env",
                Tree::Seq(vec![
                    Map::from([("name", "A".into()), ("value", "1".into())]).into(),
                    t.value(Fill::Lines("{{- toYaml $v.extra | nindent {N} }}".into())),
                ]),
            ),
            (
                "resources",
                t.value(Fill::OptionalBlock("$v.resources".into())),
            ),
        ]);
        let spec = Map::from([
            ("replicas", t.value(Fill::Inline("$v.replicas".into()))),
            (
                "modes",
                Tree::Seq(vec![t.value(Fill::Inline("$v.mode".into()))]),
            ),
            ("containers", Tree::Seq(vec![container.into()])),
            ("empty", Map::new().into()),
        ]);
        Tree::Map(Map::from([
            ("metadata", Map::from([("labels", labels.into())]).into()),
            ("spec", spec.into()),
        ]))
    }

    #[test]
    fn tokens_written_in_place_read_as_tokens_rewritten_by_lines() {
        let t = Templater::default();
        let value = every_fill(&t, "web");
        let mut out = "{{- $v := .Values.web -}}\n".to_owned();
        let mut filled = Vec::new();
        let written = yaml::append_custom(&mut out, &value, &mut |out, slot, text| {
            t.fill_in_place(out, slot, text, &mut filled)
        });
        assert!(written);
        let by_lines = t
            .render_by_lines("{{- $v := .Values.web -}}\n", &value)
            .unwrap();
        assert_eq!(out, by_lines);
        assert_eq!(
            t.render("{{- $v := .Values.web -}}\n", &value).unwrap(),
            by_lines
        );
        assert!(by_lines.contains("\n    {{- include \"x\" . | nindent 4 }}\n    app: web\n"));
    }

    #[test]
    fn documents_the_writer_hands_back_are_rewritten_by_lines() {
        for literal in ["{{ $labels.instance }}", "two\nlines", "carriage\rreturn"] {
            let t = Templater::default();
            let value = every_fill(&t, literal);
            assert_eq!(
                t.render("", &value).unwrap(),
                t.render_by_lines("", &value).unwrap(),
                "{literal:?}"
            );
        }
    }

    #[test]
    fn tokens_are_rewritten_beside_literal_delimiters() {
        let t = Templater::default();
        let value = Tree::Map(Map::from([
            ("rule", "{{ $x }}".into()),
            ("replicas", t.value(Fill::Inline("$v.replicas".into()))),
        ]));
        let text = t.render("", &value).unwrap();
        assert!(text.starts_with("rule: "), "{text}");
        assert!(text.contains("{{ \"{{\" }} $x {{ \"}}\" }}"), "{text}");
        assert!(text.ends_with("\nreplicas: {{ $v.replicas }}\n"), "{text}");
    }

    #[test]
    fn a_conditional_key_cannot_open_a_list_item() {
        let t = Templater::default();
        let item = Map::from([("type", t.value(Fill::OptionalScalar("$v".into())))]);
        let value = Tree::Seq(vec![item.into()]);
        assert!(t.render("", &value).is_err());
    }

    #[test]
    fn fields_go_where_the_alphabet_puts_them_but_never_first() {
        let mut map = Map::from([("image", "a".into()), ("name", "b".into())]);
        put(&mut map, "imagePullPolicy", "c".into());
        put(&mut map, "env", "d".into());
        put(&mut map, "resources", "e".into());
        put(&mut map, "name", "f".into());
        let keys: Vec<&str> = map.keys().collect();
        assert_eq!(
            keys,
            ["image", "env", "imagePullPolicy", "name", "resources"]
        );
        assert_eq!(map.get("name"), Some(&Tree::from("f")));
    }
}
