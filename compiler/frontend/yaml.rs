//! YAML text → [`Node`] trees, with the byte span of every key and value.
//!
//! This is the only frontend module that talks to the YAML parser (serde-saphyr's event parser,
//! `granit_parser`). It resolves scalars the way Docker Compose's YAML library (go-yaml v3) does
//! when decoding into untyped values: plain `true`/`false`/`null`/`~`, integers with Go's base
//! prefixes (`0x1F`, `0o17`, and `0755`, which is octal), floats; quoted and block scalars are
//! strings. Anchors, aliases and `<<` merge keys are expanded here, with a budget that stops alias
//! bombs, and the copied nodes remember the alias that produced them.

mod block;

use std::borrow::Cow;

use serde_saphyr::granit_parser::{
    ErrorKind, Event, Options, Parser, ScalarStyle, ScanError, Span as YamlSpan, Tag,
};

use super::node::{ComposeTag, Entry, Map, Node, Value};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The most that aliases and `<<` merge keys may copy in one file, in estimated bytes (see
/// [`own_weight`]). Real compose files copy a few kilobytes; an alias bomb copies billions of
/// nodes, or a long string millions of times. Measured peak memory for bombs of short strings,
/// of mappings and of long strings stays under 100 MB.
const MAX_COPIED: usize = 48 * 1024 * 1024;

/// The most nodes one file may hold, copies included. The largest generated benchmark project
/// (1000 services, 1 MB) has about 65 000; a 32 MiB file of one-character items has millions,
/// and would take gigabytes.
const MAX_NODES: usize = 500_000;

/// The estimated memory of one node, and of one more mapping entry, beyond their text.
const NODE_WEIGHT: usize = 128;
const ENTRY_WEIGHT: usize = 128;

/// The deepest nesting of collections, flow or block (the parser's default): it stops a deeply
/// nested file before the recursive code after the parser can overflow the stack.
const MAX_DEPTH: usize = 255;

/// The largest compose file stackc reads.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// Parses every document of a file. Compose merges the documents of one file in order.
///
/// Most compose files are plain block-style YAML, which [`block`] reads in a fraction of the
/// time; anything else, and every invalid file, goes through the event parser.
pub fn parse(text: &str, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            Code::YamlLimit,
            format!(
                "the file is larger than the {} MiB stackc reads",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .with_label(Some(Span::new(file, 0, 0)), "file starts here")
        .with_help("split the project into several files and use `include`"));
    }
    if let Some(documents) = block::parse(text, file) {
        return Ok(documents);
    }
    parse_events(text, file)
}

/// Parses with the event parser: any YAML, and the diagnostics for invalid files.
fn parse_events(text: &str, file: FileId) -> Result<Vec<Node>, Diagnostic> {
    check_version_directives(text, file)?;
    let mut builder = Builder {
        file,
        text,
        anchors: Vec::new(),
        stack: Vec::new(),
        documents: Vec::new(),
        copied: 0,
        nodes: 0,
    };
    let mut options = Options::default();
    options.flow_nesting_limit = MAX_DEPTH;
    options.block_nesting_limit = MAX_DEPTH;
    for event in Parser::new_from_str_with_options(text, options) {
        match event {
            Ok((event, span)) => builder.event(event, span)?,
            Err(error) => return Err(builder.syntax_error(&error)),
        }
    }
    Ok(builder.documents)
}

/// go-yaml, which Docker Compose reads files with, knows only its own YAML version: a `%YAML`
/// directive other than 1.1 is "found incompatible YAML document", and a second one in a
/// document "found duplicate %YAML directive". The event parser takes any, so the prologue of
/// each document (the lines before its `---`) is checked here.
fn check_version_directives(text: &str, file: FileId) -> Result<(), Diagnostic> {
    let mut prologue = true;
    let mut version_seen = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        let is_marker = |marker: &str| {
            content
                .strip_prefix(marker)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
        };
        if is_marker("...") {
            prologue = true;
            version_seen = false;
            continue;
        }
        if !prologue {
            continue;
        }
        let trimmed = content.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some(directive) = content.strip_prefix('%') else {
            prologue = false;
            version_seen = false;
            continue;
        };
        let mut words = directive.split_whitespace();
        if words.next() != Some("YAML") {
            continue;
        }
        let version = words.next().unwrap_or_default();
        let span = Span::new(file, start, start + content.len());
        if version_seen {
            return Err(Diagnostic::error(
                Code::YamlSyntax,
                "invalid YAML: found duplicate %YAML directive",
            )
            .with_label(Some(span), "second `%YAML` directive")
            .with_help("keep one `%YAML 1.1` line, or none"));
        }
        version_seen = true;
        let numbers: Option<Vec<u32>> = version.split('.').map(|n| n.parse().ok()).collect();
        if numbers.as_deref() != Some(&[1, 1]) {
            return Err(Diagnostic::error(
                Code::YamlSyntax,
                format!(
                    "invalid YAML: found incompatible YAML document: compose reads YAML 1.1, not `%YAML {version}`"
                ),
            )
            .with_label(Some(span), "YAML version directive")
            .with_help("remove the `%YAML` line; compose files need no version directive"));
        }
    }
    Ok(())
}

/// A collection being built, waiting for its children.
enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        tag: Option<ComposeTag>,
    },
    Map {
        entries: Map,
        /// `<<` values, applied when the mapping closes so that explicit keys win.
        merges: Vec<(Span, Node)>,
        pending_key: Option<(String, Span)>,
        start: usize,
        anchor: usize,
        tag: Option<ComposeTag>,
    },
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    /// Anchor id → the node it names (ids start at 1; 0 means "no anchor").
    anchors: Vec<Option<(Node, usize)>>,
    stack: Vec<Frame>,
    documents: Vec<Node>,
    /// The estimated size of what aliases have copied so far; the rest of the file is bounded by
    /// [`MAX_FILE_BYTES`].
    copied: usize,
    /// Nodes built so far; an alias copy counts as one.
    nodes: usize,
}

impl Builder<'_> {
    fn span(&self, span: &YamlSpan) -> Span {
        let start = span.start.byte_offset().unwrap_or(0);
        let end = span.end.byte_offset().unwrap_or(start);
        Span::new(self.file, start, end)
    }

    fn syntax_error(&self, error: &ScanError) -> Diagnostic {
        let marker = error.marker();
        let offset = marker.byte_offset().unwrap_or(0).min(self.text.len());
        if *error.kind() == ErrorKind::RecursionLimitExceeded {
            return Diagnostic::error(
                Code::YamlLimit,
                format!("the YAML nests deeper than {MAX_DEPTH} levels, the most stackc reads"),
            )
            .with_label(Some(Span::new(self.file, offset, offset)), "too deep here")
            .with_help("flatten the structure; compose files rarely nest more than ten levels");
        }
        let info = error.info();
        let message = if info.is_empty() {
            "invalid YAML".to_owned()
        } else {
            format!("invalid YAML: {}", lowercase_first(&info))
        };
        Diagnostic::error(Code::YamlSyntax, message)
            .with_label(Some(Span::new(self.file, offset, offset)), "here")
            .with_help("check the indentation (spaces, not tabs) and the quoting around this point")
    }

    fn event(&mut self, event: Event<'_>, span: YamlSpan) -> Result<(), Diagnostic> {
        let span_here = self.span(&span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let node = Self::scalar(&text, style, tag.as_deref(), span_here)?;
                self.define(anchor, &node);
                self.push_node(node)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                let tag = Self::compose_tag(tag.as_deref(), span_here)?;
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: span_here.start as usize,
                    anchor,
                    tag,
                });
            }
            Event::MappingStart(_, anchor, tag) => {
                let tag = Self::compose_tag(tag.as_deref(), span_here)?;
                self.stack.push(Frame::Map {
                    entries: Map::default(),
                    merges: Vec::new(),
                    pending_key: None,
                    start: span_here.start as usize,
                    anchor,
                    tag,
                });
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    tag,
                }) = self.stack.pop()
                else {
                    unreachable!("the parser balances sequence events");
                };
                let mut node = Node::new(
                    Value::Seq(items),
                    Span::new(self.file, start, span_here.end as usize),
                );
                node.tag = tag;
                self.define(anchor, &node);
                self.push_node(node)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    mut entries,
                    merges,
                    start,
                    anchor,
                    tag,
                    ..
                }) = self.stack.pop()
                else {
                    unreachable!("the parser balances mapping events");
                };
                for (merge_span, merged) in merges {
                    apply_merge(&mut entries, merged, merge_span)?;
                }
                let mut node = Node::new(
                    Value::Map(Box::new(entries)),
                    Span::new(self.file, start, span_here.end as usize),
                );
                node.tag = tag;
                self.define(anchor, &node);
                self.push_node(node)?;
            }
            Event::Alias(id) => {
                let Some(Some((target, size))) = self.anchors.get(id) else {
                    return Err(Diagnostic::error(
                        Code::YamlSyntax,
                        "this alias refers to an anchor that is still being defined",
                    )
                    .with_label(Some(span_here), "alias used inside its own anchor")
                    .with_help("an alias can only copy a node whose definition is complete"));
                };
                self.copied += size;
                if self.copied > MAX_COPIED {
                    return Err(Diagnostic::error(
                        Code::YamlLimit,
                        format!(
                            "aliases expand this file by more than {} MiB",
                            MAX_COPIED / (1024 * 1024)
                        ),
                    )
                    .with_label(Some(span_here), "this alias crosses the limit")
                    .with_help("this looks like an alias bomb; write the values out instead"));
                }
                let mut copy = target.clone();
                mark_alias(&mut copy, span_here);
                self.push_node(copy)?;
            }
            Event::DocumentEnd => {
                self.anchors.clear();
            }
            _ => {}
        }
        Ok(())
    }

    fn define(&mut self, anchor: usize, node: &Node) {
        if anchor == 0 {
            return;
        }
        if self.anchors.len() <= anchor {
            self.anchors.resize(anchor + 1, None);
        }
        self.anchors[anchor] = Some((node.clone(), weight(node)));
    }

    /// Adds a finished node to the collection being built, or makes it a document.
    fn push_node(&mut self, node: Node) -> Result<(), Diagnostic> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(Diagnostic::error(
                Code::YamlLimit,
                format!("the file has more than {MAX_NODES} YAML nodes, the most stackc reads"),
            )
            .with_label(Some(node.span), "the limit is crossed here")
            .with_help("split the project into several files and use `include`"));
        }
        match self.stack.last_mut() {
            None => self.documents.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                merges,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => {
                    let key = match &node.value {
                        Value::Str(s) => s.clone(),
                        _ if node.quoted => node.scalar_text().unwrap_or_default(),
                        _ => {
                            return Err(Diagnostic::error(
                                Code::NonStringKey,
                                format!("a mapping key must be a string, not {}", node.kind_name()),
                            )
                            .with_label(Some(node.span), "this key")
                            .with_help("quote the key, for example `\"80\":`"));
                        }
                    };
                    // Compose's YAML reader compares keys by their text, so a second `<<`
                    // is refused like any other repeated key, quoted or not.
                    let previous = entries.get(&key).map(|entry| entry.key_span).or_else(|| {
                        (key == "<<")
                            .then(|| merges.first().map(|(span, _)| *span))
                            .flatten()
                    });
                    if let Some(previous) = previous {
                        let help = if key == "<<" {
                            "merge several mappings with one key: `<<: [*first, *second]`"
                        } else {
                            "remove one of the two, or merge their contents"
                        };
                        return Err(Diagnostic::error(
                            Code::DuplicateKey,
                            format!("the key `{key}` appears twice in this mapping"),
                        )
                        .with_label(Some(node.span), "second definition")
                        .with_label(Some(previous), "first definition")
                        .with_help(help));
                    }
                    *pending_key = Some((key, node.span));
                }
                Some((key, key_span)) if key == "<<" && !is_quoted_merge(self.text, key_span) => {
                    merges.push((key_span, node));
                }
                Some((key, key_span)) => {
                    entries.insert(key, Entry { key_span, node });
                }
            },
        }
        Ok(())
    }

    fn compose_tag(tag: Option<&Tag>, span: Span) -> Result<Option<ComposeTag>, Diagnostic> {
        let Some(tag) = tag else { return Ok(None) };
        if tag.handle() == "!" {
            return match tag.suffix() {
                "reset" => Ok(Some(ComposeTag::Reset)),
                "override" => Ok(Some(ComposeTag::Override)),
                other => Err(Diagnostic::error(
                    Code::UnknownTag,
                    format!("unknown YAML tag `!{other}`"),
                )
                .with_label(Some(span), "tagged here")
                .with_help("compose understands `!reset` and `!override`; remove the tag")),
            };
        }
        Ok(None)
    }

    fn scalar(
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Node, Diagnostic> {
        let compose_tag = Self::compose_tag(tag, span)?;
        let core = tag
            .filter(|t| t.is_yaml_core_schema())
            .map(|t| t.suffix().to_owned());
        let quoted = style != ScalarStyle::Plain;
        let value = match core.as_deref() {
            Some("str") => Value::Str(text.to_owned()),
            Some("null") => Value::Null,
            Some("bool" | "int" | "float") | None if !quoted => resolve_plain(text),
            Some(other) if !quoted && other != "binary" => resolve_plain(text),
            _ => Value::Str(text.to_owned()),
        };
        let mut node = Node::new(value, span);
        node.tag = compose_tag;
        node.quoted = quoted || core.as_deref() == Some("str");
        Ok(node)
    }
}

/// A key written `"<<"` is an ordinary key, not a merge.
fn is_quoted_merge(text: &str, key_span: Span) -> bool {
    text.as_bytes()
        .get(key_span.start as usize)
        .is_some_and(|b| *b == b'"' || *b == b'\'')
}

/// Applies one `<<` value: keys already present win, and in a list the first mapping wins.
fn apply_merge(entries: &mut Map, merged: Node, merge_span: Span) -> Result<(), Diagnostic> {
    let sources = match merged.value {
        Value::Map(map) => vec![map],
        Value::Seq(items) => {
            let mut maps = Vec::new();
            for item in items {
                match item.value {
                    Value::Map(map) => maps.push(map),
                    _ => return Err(bad_merge(item.span, merge_span)),
                }
            }
            maps
        }
        _ => return Err(bad_merge(merged.span, merge_span)),
    };
    for map in sources {
        for (key, entry) in *map {
            if !entries.contains_key(&key) {
                entries.insert(key, entry);
            }
        }
    }
    Ok(())
}

fn bad_merge(value: Span, key: Span) -> Diagnostic {
    Diagnostic::error(
        Code::BadMergeKey,
        "a `<<` merge key must be given a mapping",
    )
    .with_label(Some(value), "not a mapping")
    .with_label(Some(key), "merge key")
    .with_help("point `<<` at a mapping anchor, e.g. `<<: *defaults`")
}

fn mark_alias(node: &mut Node, alias: Span) {
    node.set_via_alias(Some(alias));
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| mark_alias(n, alias)),
        Value::Map(map) => map
            .values_mut()
            .for_each(|e| mark_alias(&mut e.node, alias)),
        _ => {}
    }
}

/// A node's estimated memory without its children: the node, its text, and its mapping entries
/// with their keys. An estimate, because what matters is that it grows with what a copy costs.
fn own_weight(node: &Node) -> usize {
    NODE_WEIGHT
        + match &node.value {
            Value::Str(s) => s.len(),
            Value::Map(map) => map.keys().map(|k| ENTRY_WEIGHT + k.len()).sum(),
            _ => 0,
        }
}

/// A node's estimated memory with its children.
fn weight(node: &Node) -> usize {
    own_weight(node)
        + match &node.value {
            Value::Seq(items) => items.iter().map(weight).sum(),
            Value::Map(map) => map.values().map(|e| weight(&e.node)).sum(),
            _ => 0,
        }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Resolves an untagged plain scalar like go-yaml v3 does when decoding into `interface{}`.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return Value::Str(text.to_owned());
    }
    // Go ints and YAML floats use only these bytes: `8080:80` or `1.2.3.4/24` is a string
    // without the work below.
    if !text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-' | b'.'))
    {
        return Value::Str(text.to_owned());
    }
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.chars().filter(|&c| c != '_').collect())
    } else {
        Cow::Borrowed(text)
    };
    if let Some(i) = parse_go_int(&plain) {
        return match i64::try_from(i) {
            Ok(i) => Value::Int(i),
            // Go's `ParseUint` takes no sign.
            Err(_) => match u64::try_from(i) {
                Ok(u) if !plain.starts_with('+') => Value::Uint(u),
                _ => float_or_string(text, &plain),
            },
        };
    }
    float_or_string(text, &plain)
}

/// A plain scalar that is not an integer Go can hold: a float when it has YAML's float syntax
/// and Go can parse it, else a string.
fn float_or_string(text: &str, plain: &str) -> Value {
    if is_yaml_float(plain) {
        // Go's `ParseFloat` fails on a value out of range (`1e400`), so go-yaml keeps it a string;
        // Rust's returns infinity.
        if let Ok(f) = plain
            .parse::<f64>()
            .map_err(drop)
            .and_then(|f| if f.is_finite() { Ok(f) } else { Err(()) })
        {
            return Value::Float(f);
        }
    }
    Value::Str(text.to_owned())
}

/// An integer as Go's `strconv.ParseInt(s, 0, 64)` reads it (an optional sign, then `0x`, `0o`,
/// `0b` or a leading `0` for octal, else decimal), before it is checked against a Go type's range.
fn parse_go_int(s: &str) -> Option<i128> {
    let (negative, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, body) = match digits.as_bytes() {
        [b'0', b'x' | b'X', ..] => (16, &digits[2..]),
        [b'0', b'o' | b'O', ..] => (8, &digits[2..]),
        [b'0', b'b' | b'B', ..] => (2, &digits[2..]),
        [b'0', _, ..] => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(body, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// go-yaml's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => !frac.is_empty() && frac.bytes().all(|b| b.is_ascii_digit()),
        Some((int, frac)) => {
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;

    use super::*;

    fn doc(text: &str) -> Node {
        parse(text, FileId(0)).expect("valid").remove(0)
    }

    #[test]
    fn scalars_resolve_like_go_yaml() {
        let n = doc(
            "a: 0755\nb: 0x1F\nc: 1_000\nd: 1e3\ne: on\nf: '1'\ng: ~\nh: 08\ni: True\nj: 1e400\nk: .inf\n\
             l: 18446744073709551615\nm: +9223372036854775808\nn: -9223372036854775809\n\
             o: 18446744073709551616\n",
        );
        let get = |k: &str| n.get(k).unwrap().value.clone();
        assert_eq!(get("a"), Value::Int(493));
        assert_eq!(get("b"), Value::Int(31));
        assert_eq!(get("c"), Value::Int(1000));
        assert_eq!(get("d"), Value::Float(1000.0));
        assert_eq!(get("e"), Value::Str("on".into()));
        assert_eq!(get("f"), Value::Str("1".into()));
        assert_eq!(get("g"), Value::Null);
        assert_eq!(get("h"), Value::Float(8.0));
        assert_eq!(get("i"), Value::Bool(true));
        assert_eq!(get("j"), Value::Str("1e400".into()));
        assert_eq!(get("k"), Value::Float(f64::INFINITY));
        assert_eq!(get("l"), Value::Uint(u64::MAX));
        assert_eq!(get("m"), Value::Float(9_223_372_036_854_775_808.0));
        assert_eq!(get("n"), Value::Float(-9_223_372_036_854_775_809.0));
        assert_eq!(get("o"), Value::Float(18_446_744_073_709_551_616.0));
    }

    #[test]
    fn merge_keys_keep_explicit_values_and_first_source() {
        let n = doc("x: &x {a: 1, b: 1}\ny: &y {b: 2, c: 2}\nz:\n  <<: [*x, *y]\n  a: 3\n");
        let z = n.get("z").unwrap();
        assert_eq!(z.get("a").unwrap().value, Value::Int(3));
        assert_eq!(z.get("b").unwrap().value, Value::Int(1));
        assert_eq!(z.get("c").unwrap().value, Value::Int(2));
        assert!(z.get("b").unwrap().via_alias().is_some());
    }

    #[test]
    fn only_yaml_1_1_version_directives_are_read_as_go_yaml_reads_them() {
        assert_eq!(
            doc("%YAML 1.1\n---\na: 1\n").get("a").unwrap().value,
            Value::Int(1)
        );
        assert_eq!(
            doc("%TAG ! tag:example.com,2000:\n---\na: 1\n")
                .get("a")
                .unwrap()
                .value,
            Value::Int(1)
        );
        let err = parse("# AdGuard Home\n%YAML 1.2\n---\na: 1\n", FileId(0)).unwrap_err();
        assert_eq!(err.code, Code::YamlSyntax);
        assert!(err.message.contains("incompatible"), "{}", err.message);
        assert_eq!(err.labels[0].span.start, 15);
        let err = parse("%YAML 1.1\n%YAML 1.1\n---\na: 1\n", FileId(0)).unwrap_err();
        assert!(err.message.contains("duplicate"), "{}", err.message);
        let err = parse("a: 1\n...\n%YAML 2.0\n---\nb: 1\n", FileId(0)).unwrap_err();
        assert!(err.message.contains("incompatible"), "{}", err.message);
        assert!(
            parse("a: |\n  %YAML 1.2\n", FileId(0)).is_ok(),
            "content is not a prologue"
        );
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n", FileId(0)).unwrap_err();
        assert_eq!(err.code, Code::DuplicateKey);
        assert_eq!(err.labels[0].span.start, 10);
    }

    #[test]
    fn alias_bombs_stop() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = i - 1;
            let items = vec![format!("*a{prev}"); 10].join(", ");
            writeln!(text, "a{i}: &a{i} [{items}]").unwrap();
        }
        let err = parse(&text, FileId(0)).unwrap_err();
        assert_eq!(err.code, Code::YamlLimit);
    }

    #[test]
    fn compose_tags_are_kept() {
        let n = doc("a: !reset []\nb: !override {x: 1}\n");
        assert_eq!(n.get("a").unwrap().tag, Some(ComposeTag::Reset));
        assert_eq!(n.get("b").unwrap().tag, Some(ComposeTag::Override));
    }
}
