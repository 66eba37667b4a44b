//! A fast path for the plain block-style YAML that compose files are almost always written in.
//!
//! The event parser costs about 300 instructions per input byte; this one-pass reader of bytes
//! costs a small fraction of that. It reads only a subset: block mappings and sequences (also a
//! sequence at its parent key's indentation), plain keys and single-line quoted keys, single-line
//! plain and quoted scalars, one-line flow collections of scalars, comments and blank lines. It
//! builds exactly the tree the event path builds, spans included, and answers `None` for anything
//! else — anchors, tags, block scalars, multi-line scalars, several documents, tabs, anything that
//! might be an error — so that the event path parses the file and reports its diagnostics.

use foldhash::fast::RandomState;

use super::{MAX_NODES, resolve_plain};
use crate::frontend::node::{Entry, Map, Node, Value};
use crate::source::{FileId, Span};

/// Deeper files go to the event path, which enforces its own limit.
const MAX_DEPTH: usize = 64;

/// YAML limits an implicit key to 1024 characters; longer keys go to the event path.
const MAX_KEY_BYTES: usize = 1000;

/// Parses `text` when it is in the subset, as the only document of the file; `None` when it is
/// not, or when it may be invalid.
pub(super) fn parse(text: &str, file: FileId) -> Option<Vec<Node>> {
    if !plain_characters(text) {
        return None;
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        file,
        nodes: 0,
        depth: 0,
        entries: Vec::new(),
        items: Vec::new(),
    };
    // One document, which may open with a `---` line of its own.
    let start = if text.starts_with("---") && reader.separates(3) {
        reader.finish_line(3)?
    } else {
        0
    };
    let first = reader.next_line(start).ok()??;
    let (node, rest) = reader.block(first)?;
    if rest.is_some() {
        return None;
    }
    Some(vec![node])
}

/// Only newlines and printable characters: no tabs (YAML's rules for them are subtle), no
/// carriage returns, no byte-order mark, and none of the characters YAML rejects or treats as
/// line breaks.
fn plain_characters(text: &str) -> bool {
    // In blocks without an early exit, so that the check compiles to vector instructions.
    let control = |b: u8| (b < 0x20 && b != b'\n') || b == 0x7f;
    if text
        .as_bytes()
        .chunks(64)
        .any(|chunk| chunk.iter().fold(false, |found, &b| found | control(b)))
    {
        return false;
    }
    text.is_ascii()
        || text.chars().all(|c| {
            !matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        })
}

/// A `---` or `...` line after the start: several documents, which the event path reads.
struct DocumentMarker;

/// The first token of a line: its column and its byte offset.
#[derive(Clone, Copy)]
struct Line {
    indent: usize,
    at: usize,
}

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    file: FileId,
    nodes: usize,
    depth: usize,
    /// The entries and items of the collections being read, innermost last: each collection is
    /// allocated once at its final size when it closes.
    entries: Vec<(String, Entry)>,
    items: Vec<Node>,
}

/// A node and the line that follows it (`None` at the end of the text).
type Parsed = (Node, Option<Line>);

impl Reader<'_> {
    fn byte(&self, at: usize) -> u8 {
        self.bytes.get(at).copied().unwrap_or(b'\n')
    }

    /// A space, a line break or the end of the text: what must follow `-` and `:` indicators.
    fn separates(&self, at: usize) -> bool {
        matches!(self.byte(at), b' ' | b'\n')
    }

    fn skip_spaces(&self, mut at: usize) -> usize {
        while self.bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        at
    }

    fn line_end(&self, at: usize) -> usize {
        self.bytes[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |i| at + i)
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Counts one more node; `None` past the limit, which the event path reports.
    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// The next line with a token, from the start of a line: blank and comment lines are
    /// skipped. `Ok(None)` at the end of the text.
    fn next_line(&self, mut from: usize) -> Result<Option<Line>, DocumentMarker> {
        loop {
            let at = self.skip_spaces(from);
            match self.bytes.get(at) {
                None => return Ok(None),
                Some(b'\n') => from = at + 1,
                Some(b'#') => from = self.line_end(at) + 1,
                Some(_) => {
                    let indent = at - from;
                    if indent == 0
                        && (self.bytes[at..].starts_with(b"---")
                            || self.bytes[at..].starts_with(b"..."))
                        && self.separates(at + 3)
                    {
                        return Err(DocumentMarker);
                    }
                    return Ok(Some(Line { indent, at }));
                }
            }
        }
    }

    /// After a value on its line: spaces and a comment may follow, nothing else. Returns the
    /// start of the next line.
    fn finish_line(&self, end: usize) -> Option<usize> {
        let at = self.skip_spaces(end);
        match self.bytes.get(at) {
            None => Some(at),
            Some(b'\n') => Some(at + 1),
            Some(b'#') if at > end => Some(self.line_end(at) + 1),
            Some(_) => None,
        }
    }

    fn is_item(&self, at: usize) -> bool {
        self.byte(at) == b'-' && self.separates(at + 1)
    }

    fn block(&mut self, line: Line) -> Option<Parsed> {
        if self.is_item(line.at) {
            self.seq(line, false)
        } else {
            self.map(line)
        }
    }

    fn map(&mut self, first: Line) -> Option<Parsed> {
        self.enter()?;
        self.count()?;
        let indent = first.indent;
        let base = self.entries.len();
        let mut line = first;
        let next = loop {
            let (key, key_span, colon) = self.key(line.at)?;
            let (node, next) = self.value(colon, indent)?;
            self.entries.push((key, Entry { key_span, node }));
            match next {
                None => break None,
                Some(l) if l.indent == indent => line = l,
                Some(l) if l.indent < indent => break Some(l),
                Some(_) => return None,
            }
        };
        self.depth -= 1;
        // Later stages add keys (defaults, canonical forms): the room that growing one key at a
        // time would have left saves them reallocating the map.
        let room = (self.entries.len() - base).max(3).next_power_of_two();
        let mut entries = Map::with_capacity_and_hasher(room, RandomState::default());
        for (key, entry) in self.entries.drain(base..) {
            // A duplicate key is an error, which the event path reports.
            if entries.insert(key, entry).is_some() {
                return None;
            }
        }
        let end = next.map_or(self.bytes.len(), |l| l.at);
        let span = self.span(first.at, end);
        Some((Node::new(Value::Map(Box::new(entries)), span), next))
    }

    /// A sequence whose items start at `first.indent`; `indentless` when it is the value of a
    /// key at that same indentation, so that a key line ends it.
    fn seq(&mut self, first: Line, indentless: bool) -> Option<Parsed> {
        self.enter()?;
        self.count()?;
        let indent = first.indent;
        let base = self.items.len();
        let mut line = first;
        let next = loop {
            let dash = line.at;
            let at = self.skip_spaces(dash + 1);
            let (node, next) = if matches!(self.byte(at), b'\n' | b'#') {
                let eol = self.line_end(at);
                let next = self.next_line(eol + 1).ok()?;
                match next {
                    Some(l) if l.indent > indent => self.block(l)?,
                    _ => {
                        self.count()?;
                        (Node::new(Value::Null, self.span(eol, eol)), next)
                    }
                }
            } else if self.has_key(at) {
                let column = indent + (at - dash);
                self.map(Line { indent: column, at })?
            } else {
                let (node, end) = self.inline(at)?;
                let next = self.next_line(self.finish_line(end)?).ok()?;
                (node, next)
            };
            self.items.push(node);
            match next {
                None => break None,
                Some(l) if l.indent == indent && self.is_item(l.at) => line = l,
                Some(l) if l.indent < indent || (indentless && l.indent == indent) => {
                    break Some(l);
                }
                Some(_) => return None,
            }
        };
        self.depth -= 1;
        let items: Vec<Node> = self.items.drain(base..).collect();
        let start = if indentless {
            items[0].span.start as usize
        } else {
            first.at
        };
        let end = next.map_or(self.bytes.len(), |l| l.at);
        let span = self.span(start, end);
        Some((Node::new(Value::Seq(items), span), next))
    }

    /// Whether the line from `at` is `key: ...`: a compact mapping in a sequence item. A flow
    /// collection is never a key here (the subset has no complex keys).
    fn has_key(&self, at: usize) -> bool {
        let mut i = at;
        if matches!(self.byte(at), b'[' | b'{') {
            return false;
        }
        if matches!(self.byte(at), b'"' | b'\'') {
            let Some((_, end)) = self.quoted(at) else {
                return false;
            };
            i = self.skip_spaces(end);
            return self.byte(i) == b':' && self.separates(i + 1);
        }
        loop {
            match self.byte(i) {
                b'\n' => return false,
                b':' if self.separates(i + 1) => return true,
                b'#' if self.byte(i - 1) == b' ' => return false,
                _ => i += 1,
            }
        }
    }

    /// A key up to its `:`; returns the key, its span, and the offset of the colon.
    fn key(&mut self, at: usize) -> Option<(String, Span, usize)> {
        self.count()?;
        let (key, end, colon) = if matches!(self.byte(at), b'"' | b'\'') {
            let (key, end) = self.quoted(at)?;
            (key, end, self.skip_spaces(end))
        } else {
            if !self.plain_start(at) {
                return None;
            }
            let mut i = at;
            loop {
                match self.byte(i) {
                    b'\n' => return None,
                    b':' if self.separates(i + 1) => break,
                    b'#' if self.byte(i - 1) == b' ' => return None,
                    _ => i += 1,
                }
            }
            let mut end = i;
            while self.bytes[end - 1] == b' ' {
                end -= 1;
            }
            let Value::Str(key) = resolve_plain(&self.text[at..end]) else {
                return None;
            };
            (key, end, i)
        };
        if self.byte(colon) != b':' || !self.separates(colon + 1) {
            return None;
        }
        if key == "<<" || end - at > MAX_KEY_BYTES {
            return None;
        }
        Some((key, self.span(at, end), colon))
    }

    /// The value after a key's colon, and the line after it.
    fn value(&mut self, colon: usize, indent: usize) -> Option<Parsed> {
        let at = self.skip_spaces(colon + 1);
        if matches!(self.byte(at), b'\n' | b'#') {
            let next = self.next_line(self.line_end(at) + 1).ok()?;
            return match next {
                Some(l) if l.indent > indent => self.block(l),
                Some(l) if l.indent == indent && self.is_item(l.at) => self.seq(l, true),
                _ => {
                    self.count()?;
                    Some((Node::new(Value::Null, self.span(colon, colon)), next))
                }
            };
        }
        let (node, end) = self.inline(at)?;
        let next = self.next_line(self.finish_line(end)?).ok()?;
        Some((node, next))
    }

    /// Whether a plain scalar may start at `at`: not with an indicator, except `-` before a
    /// non-space (`-1`, `--port`).
    fn plain_start(&self, at: usize) -> bool {
        match self.byte(at) {
            b'-' => !self.separates(at + 1),
            b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|'
            | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b' ' | b'\n' => false,
            _ => true,
        }
    }

    /// A scalar or flow collection that must end on its line; returns it and where it ends.
    fn inline(&mut self, at: usize) -> Option<(Node, usize)> {
        match self.byte(at) {
            b'"' | b'\'' => self.quoted_node(at),
            b'[' => self.flow_seq(at),
            b'{' => self.flow_map(at),
            _ => {
                if !self.plain_start(at) {
                    return None;
                }
                let mut i = at;
                let mut end = at;
                loop {
                    match self.byte(i) {
                        b'\n' => break,
                        b':' if self.separates(i + 1) => return None,
                        b'#' if self.byte(i - 1) == b' ' => break,
                        b' ' => i += 1,
                        _ => {
                            i += 1;
                            end = i;
                        }
                    }
                }
                Some((self.plain_node(at, end)?, end))
            }
        }
    }

    fn plain_node(&mut self, start: usize, end: usize) -> Option<Node> {
        self.count()?;
        Some(Node::new(
            resolve_plain(&self.text[start..end]),
            self.span(start, end),
        ))
    }

    fn quoted_node(&mut self, at: usize) -> Option<(Node, usize)> {
        self.count()?;
        let (text, end) = self.quoted(at)?;
        let mut node = Node::new(Value::Str(text), self.span(at, end));
        node.quoted = true;
        Some((node, end))
    }

    /// A single-line quoted scalar at `at`: its text and the offset after the closing quote.
    /// Double quotes allow only the common escapes.
    fn quoted(&self, at: usize) -> Option<(String, usize)> {
        let quote = self.bytes[at];
        let mut text = String::new();
        let mut from = at + 1;
        let mut i = from;
        loop {
            match *self.bytes.get(i)? {
                b'\n' => return None,
                b'\'' if quote == b'\'' => {
                    text.push_str(&self.text[from..i]);
                    if self.byte(i + 1) != b'\'' {
                        return Some((text, i + 1));
                    }
                    text.push('\'');
                    i += 2;
                    from = i;
                }
                b'"' if quote == b'"' => {
                    text.push_str(&self.text[from..i]);
                    return Some((text, i + 1));
                }
                b'\\' if quote == b'"' => {
                    text.push_str(&self.text[from..i]);
                    text.push(match self.byte(i + 1) {
                        b'\\' => '\\',
                        b'"' => '"',
                        b'/' => '/',
                        b'n' => '\n',
                        b't' => '\t',
                        _ => return None,
                    });
                    i += 2;
                    from = i;
                }
                _ => i += 1,
            }
        }
    }

    /// A scalar inside a flow collection: quoted, or plain without flow indicators, and with a
    /// colon only inside a word (`http://host:80`); a `key` ends at its colon.
    fn flow_scalar(&mut self, at: usize, key: bool) -> Option<(Node, usize)> {
        if matches!(self.byte(at), b'"' | b'\'') {
            return self.quoted_node(at);
        }
        if !self.plain_start(at) {
            return None;
        }
        let mut i = at;
        let mut end = at;
        loop {
            match self.byte(i) {
                b',' | b']' | b'}' => break,
                b':' if key => break,
                b':' if i > at
                    && !matches!(
                        self.byte(i + 1),
                        b' ' | b'\n' | b',' | b']' | b'}' | b'[' | b'{'
                    ) =>
                {
                    i += 1;
                    end = i;
                }
                b'\n' | b'[' | b'{' | b':' => return None,
                b'#' if self.byte(i - 1) == b' ' => return None,
                b' ' => i += 1,
                _ => {
                    i += 1;
                    end = i;
                }
            }
        }
        Some((self.plain_node(at, end)?, end))
    }

    fn flow_seq(&mut self, open: usize) -> Option<(Node, usize)> {
        self.count()?;
        let mut items = Vec::new();
        let mut at = self.skip_spaces(open + 1);
        if self.byte(at) != b']' {
            loop {
                let (item, end) = self.flow_scalar(at, false)?;
                items.push(item);
                at = self.skip_spaces(end);
                match self.byte(at) {
                    b',' => at = self.skip_spaces(at + 1),
                    b']' => break,
                    _ => return None,
                }
            }
        }
        Some((
            Node::new(Value::Seq(items), self.span(open, at + 1)),
            at + 1,
        ))
    }

    fn flow_map(&mut self, open: usize) -> Option<(Node, usize)> {
        self.count()?;
        let mut entries = Map::default();
        let mut at = self.skip_spaces(open + 1);
        if self.byte(at) != b'}' {
            loop {
                let (key, key_end) = self.flow_scalar(at, true)?;
                let colon = self.skip_spaces(key_end);
                if self.byte(colon) != b':' || self.byte(colon + 1) != b' ' {
                    return None;
                }
                let Value::Str(name) = key.value else {
                    return None;
                };
                if name == "<<" {
                    return None;
                }
                let (node, end) = self.flow_scalar(self.skip_spaces(colon + 1), false)?;
                let entry = Entry {
                    key_span: key.span,
                    node,
                };
                if entries.insert(name, entry).is_some() {
                    return None;
                }
                at = self.skip_spaces(end);
                match self.byte(at) {
                    b',' => at = self.skip_spaces(at + 1),
                    b'}' => break,
                    _ => return None,
                }
            }
        }
        let span = self.span(open, at + 1);
        Some((Node::new(Value::Map(Box::new(entries)), span), at + 1))
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;
    use std::path::{Path, PathBuf};

    use super::super::parse_events;
    use super::*;

    /// Everything the event path sets, in order: `Map`'s own `PartialEq` ignores key order.
    fn dump(node: &Node, out: &mut String) {
        let span = |s: Span| format!("{}..{}", s.start, s.end);
        write!(
            out,
            "{} {:?} q={} alias={:?} ",
            span(node.span),
            node.tag,
            node.quoted,
            node.via_alias()
        )
        .unwrap();
        match &node.value {
            Value::Seq(items) => {
                out.push_str("[\n");
                for item in items {
                    dump(item, out);
                }
                out.push_str("]\n");
            }
            Value::Map(map) => {
                out.push_str("{\n");
                for (key, entry) in map.iter() {
                    writeln!(out, "{key:?} @{}:", span(entry.key_span)).unwrap();
                    dump(&entry.node, out);
                }
                out.push_str("}\n");
            }
            scalar => writeln!(out, "{scalar:?}").unwrap(),
        }
    }

    fn dump_all(nodes: &[Node]) -> String {
        let mut out = String::new();
        for node in nodes {
            dump(node, &mut out);
        }
        out
    }

    /// The property: the fast path answers only for valid files, with the event path's tree.
    /// Returns whether it answered.
    fn agrees(text: &str, what: &str) -> bool {
        let fast = parse(text, FileId(3));
        match (fast, parse_events(text, FileId(3))) {
            (None, _) => false,
            (Some(fast), Ok(slow)) => {
                assert_eq!(dump_all(&fast), dump_all(&slow), "{what}:\n{text}");
                true
            }
            (Some(_), Err(error)) => panic!(
                "{what}: the fast path accepts a file the event path rejects ({})\n{text}",
                error.message
            ),
        }
    }

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                yaml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                out.push(path);
            }
        }
    }

    /// The fixtures, then the shared corpus (CI always has it beside the checkout).
    fn samples() -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        yaml_files(&root.join("fixtures"), &mut paths);
        yaml_files(&root.join("../shared/corpus"), &mut paths);
        paths
            .into_iter()
            .filter_map(|p| {
                let text = std::fs::read_to_string(&p).ok()?;
                Some((p.display().to_string(), text))
            })
            .collect()
    }

    /// The shape of `scripts/gen-stack.py`'s services.
    fn generated_stack(n: usize) -> String {
        let mut text = format!("name: stack{n}\nservices:\n");
        for i in 0..n {
            write!(
                text,
                "  svc{i:04}:\n    image: registry.example.com/team/svc{i:04}:${{TAG:-1.{}.0}}\n    \
                 command: [\"serve\", \"--port\", \"{}\"]\n    ports:\n      - \"{}:{}\"\n      \
                 - target: 9090\n        protocol: tcp\n    environment:\n      \
                 SERVICE_NAME: svc{i:04}\n      PEERS: \"{},{}\"\n    healthcheck:\n      \
                 test: [\"CMD\", \"curl\", \"-f\", \"http://localhost/health\"]\n      \
                 interval: 10s\n      retries: 3\n",
                i % 7,
                8000 + i % 100,
                10000 + i,
                8000 + i % 100,
                (i + 1) % n,
                (i + 2) % n
            )
            .unwrap();
            if i > 0 {
                write!(
                    text,
                    "    depends_on:\n      svc{:04}:\n        condition: service_healthy\n",
                    i - 1
                )
                .unwrap();
            }
            text.push_str("    deploy:\n      resources:\n        limits:\n          cpus: \"0.5\"\n    labels:\n      com.example.tier: \"web\"\n    networks:\n      - backend\n");
        }
        text.push_str("volumes:\n  data0: {}\nnetworks:\n  backend: {}\n");
        text
    }

    #[test]
    fn generated_stacks_take_the_fast_path() {
        for n in [1, 3, 40] {
            assert!(agrees(&generated_stack(n), "generated stack"));
        }
    }

    #[test]
    fn corpus_and_fixtures_agree() {
        let samples = samples();
        let fast = samples
            .iter()
            .filter(|(name, text)| agrees(text, name))
            .count();
        // Measured: 239 of 276; a regression that sends everything to the event path fails.
        assert!(samples.len() >= 270, "{} files", samples.len());
        assert!(
            fast >= 235,
            "only {fast} of {} files take the fast path",
            samples.len()
        );
    }

    /// One-byte edits, duplicated lines and shifted indentation of every sample: invalid and
    /// unusual YAML next to the subset's edges.
    #[test]
    fn mutations_agree() {
        const BYTES: &[u8] = b" :-#\"'[],{}\nax";
        let mut checked = 0;
        for (name, text) in samples() {
            let bytes = text.as_bytes();
            let step = (bytes.len() / 12).max(1);
            let mut mutants: Vec<Vec<u8>> = Vec::new();
            for (n, at) in (0..bytes.len()).step_by(step).enumerate() {
                let mut deleted = bytes.to_vec();
                deleted.remove(at);
                mutants.push(deleted);
                let mut inserted = bytes.to_vec();
                inserted.insert(at, BYTES[n % BYTES.len()]);
                mutants.push(inserted);
                let line = bytes[..at]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                let end = bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| at + i + 1);
                let mut doubled = bytes.to_vec();
                doubled.splice(line..line, bytes[line..end].iter().copied());
                mutants.push(doubled);
                let mut indented = bytes.to_vec();
                indented.splice(line..line, *b"  ");
                mutants.push(indented);
                if bytes.get(line) == Some(&b' ') {
                    let mut outdented = bytes.to_vec();
                    outdented.remove(line);
                    mutants.push(outdented);
                }
            }
            for mutant in mutants {
                if let Ok(mutant) = String::from_utf8(mutant) {
                    agrees(&mutant, &name);
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked} mutants");
    }

    /// Takes the fast path, with the event path's tree.
    fn accepted(text: &str) {
        assert!(agrees(text, "accepted"), "not on the fast path:\n{text}");
    }

    /// Goes to the event path (which agrees or reports an error).
    fn rejected(text: &str) {
        assert!(!agrees(text, "rejected"), "on the fast path:\n{text}");
    }

    #[test]
    fn comments_and_blank_lines() {
        accepted("# head\n\na: 1 # trailing\n\n  # indented\nb: x#y\nc:\n  d: 1\n\n# end\n\n");
        accepted("a: 1   ");
        accepted("a: 1 # c\n  # d\n     # e\nb: 2\n");
        accepted("a:\n  b: 1\n  ");
    }

    #[test]
    fn nested_collections() {
        accepted("a:\n  b:\n    c: 1\n  d:\n    - x\n    -   y\ne: 2\n");
        accepted("a:\n- 1\n- k: v\n  j: w\n\n- [a, \"b\"]\nf: x\n");
        accepted("a:\n  - b: 1\n    c:\n  - d\n  -\n    e: 1\n");
        accepted("- a\n- b: c\n");
    }

    #[test]
    fn one_document_marker_at_the_start() {
        accepted("---\na: 1\n");
        accepted("--- # c\n# d\na: 1\n");
        rejected("---\na: 1\n---\n");
        rejected("--- a: 1\n");
    }

    #[test]
    fn empty_values() {
        accepted("a:\nb: # c\nc:   \nd:\n- \n-\n- # c\ne:");
    }

    #[test]
    fn quoted_scalars_and_keys() {
        accepted("\"k y\": 'it''s'\n'b': \"a\\\"b\\\\c\\n\\t/\"\nc: ''\nd: \"\"\ne: \"1\"\n");
        accepted("- 'x': 1\n- \"y\"\n");
    }

    #[test]
    fn plain_scalars() {
        accepted("a: -1\nb: --port\nc: 0755\nd: 1e3\ne: ~\nf: yes\ng: a:b\nh: http://x/y?z=1\n");
        accepted("k y: v w\nü: é\nx: a[0], b{c}\n");
    }

    #[test]
    fn flow_collections() {
        accepted("a: [\"CMD\", x, 'y']\nb: []\nc: {}\nd: { e: 1, \"f\": \"g\" }\ne: [ ]\n");
        accepted("- [a, b] # c\n- {x: y}\n");
        accepted("a: [ http://host:9200, a:b ]\n");
    }

    #[test]
    fn unusual_yaml_goes_to_the_event_path() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !reset []\n",
            "a: {x: 1}\n<<: {y: 2}\n",
            "a: |\n  x\n",
            "a: >-\n  x\n",
            "a: b\n  c\n",
            "a: \"b\n  c\"\n",
            "a: 1\n---\nb: 1\n",
            "a: 1\n...\n",
            "%YAML 1.2\n---\na: 1\n",
            "? a\n: 1\n",
            "a: \"\\x41\"\n",
            "- - a\n",
            "a: [[1]]\n",
            "a: [1, {b: c}]\n",
            "a: {b: [1]}\n",
            "a\n",
        ] {
            rejected(text);
        }
    }

    #[test]
    fn whitespace_the_subset_avoids() {
        rejected("a:\n\tb: 1\n");
        rejected("a: 1\t# c\n");
        rejected("a: 1\r\nb: 2\r\n");
        rejected("\u{feff}a: 1\n");
        rejected("a: \u{85}\n");
    }

    #[test]
    fn errors_go_to_the_event_path() {
        for text in [
            "a: 1\na: 2\n",
            "a: b: c\n",
            "a: ,b\n",
            "a: @b\n",
            "a: [1,]\n",
            "a: [1\n",
            "a: 'x'y\n",
            "80: http\n",
            "null: x\n",
            "a: x\n b: y\n",
            "a:\n    b: 1\n  c: 2\n",
            "- a\nb: 1\n",
            "a:\n  - b\n  c: 1\n",
            "",
            "# only a comment\n",
            "a: {b: 1, b: 2}\n",
        ] {
            rejected(text);
        }
    }

    #[test]
    fn limits_go_to_the_event_path() {
        let nested = |levels: usize| {
            let mut text = String::new();
            for level in 0..levels {
                write!(text, "\n{}k{level}:", " ".repeat(level)).unwrap();
            }
            text + " v\n"
        };
        accepted(&nested(MAX_DEPTH));
        assert!(parse(&nested(MAX_DEPTH + 1), FileId(0)).is_none());

        let long_key = format!("{}: 1\n", "k".repeat(MAX_KEY_BYTES + 1));
        rejected(&long_key);

        let many = format!("a: [{}x]\n", "x, ".repeat(MAX_NODES));
        assert!(parse(&many, FileId(0)).is_none());
    }
}
