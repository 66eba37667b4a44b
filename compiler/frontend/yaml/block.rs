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

/// How a large top-level `services` mapping is shared out over the pool: its entries are read
/// in pieces of whole services, side by side, and joined in order into the one mapping.
#[derive(Clone, Copy)]
struct Split {
    /// A `services` block shorter than this, from its first service to the end of the text, is
    /// read on the calling thread: handing pieces to the pool costs more than it saves.
    min_bytes: usize,
    pieces: usize,
}

/// Reading in pieces pays with a free core: on the 1000-service stack (1 MB) the whole build took
/// 11% less wall time side by side. Under glibc's malloc it gained nothing, as the pieces filled
/// the pool threads' still empty arenas (page clearing, `mprotect` to grow them) at twice the
/// CPU time of the serial read; with jemalloc (`compiler/main.rs`) the split pays.
const SERVICES_SPLIT: Split = Split {
    // About 128 services of the generated benchmark shape, which take half a millisecond to read
    // here; handing work to the pool costs tens of microseconds.
    min_bytes: 128 * 1024,
    // `parallel::map` shares out work only from 64 items; pieces of a few services also keep
    // every thread busy to the end.
    pieces: 64,
};

/// Parses `text` when it is in the subset, as the only document of the file; `None` when it is
/// not, or when it may be invalid.
pub(super) fn parse(text: &str, file: FileId) -> Option<Vec<Node>> {
    read(text, file, Some(SERVICES_SPLIT))
}

/// [`parse`], with the top-level `services` read in pieces as `split` says, or serially.
fn read(text: &str, file: FileId, split: Option<Split>) -> Option<Vec<Node>> {
    if !plain_characters(text) {
        return None;
    }
    let mut reader = Reader::new(text, file, split);
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

/// The entries of a piece of the `services` mapping, in order, and what reading them found.
struct Piece {
    entries: Vec<(String, Entry)>,
    /// The line after the mapping when it ends inside the piece.
    next: Option<Line>,
    nodes: usize,
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
    /// `None` in the readers of the pieces, which never split again.
    split: Option<Split>,
    /// The entries and items of the collections being read, innermost last: each collection is
    /// allocated once at its final size when it closes.
    entries: Vec<(String, Entry)>,
    items: Vec<Node>,
}

/// A node and the line that follows it (`None` at the end of the text).
type Parsed = (Node, Option<Line>);

impl<'a> Reader<'a> {
    fn new(text: &'a str, file: FileId, split: Option<Split>) -> Self {
        Reader {
            text,
            bytes: text.as_bytes(),
            file,
            nodes: 0,
            depth: 0,
            split,
            entries: Vec::new(),
            items: Vec::new(),
        }
    }

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
        let base = self.entries.len();
        let next = self.map_entries(first)?;
        self.depth -= 1;
        self.close_map(first, base, next)
    }

    /// Reads the entries of a mapping whose first key is on `first`, onto `self.entries`;
    /// returns the line after the mapping.
    #[allow(
        clippy::option_option,
        reason = "`None` is outside the subset, `Some(None)` the end of the text, as in `next_line`"
    )]
    fn map_entries(&mut self, first: Line) -> Option<Option<Line>> {
        let indent = first.indent;
        let mut line = first;
        loop {
            let (key, key_span, colon) = self.key(line.at)?;
            let (node, next) = match self.split {
                Some(split) if self.depth == 1 && key == "services" => {
                    self.services(colon, indent, split)?
                }
                _ => self.value(colon, indent)?,
            };
            self.entries.push((key, Entry { key_span, node }));
            match next {
                None => return Some(None),
                Some(l) if l.indent == indent => line = l,
                Some(l) if l.indent < indent => return Some(Some(l)),
                Some(_) => return None,
            }
        }
    }

    /// The mapping of the entries from `base` on, which started on `first`.
    fn close_map(&mut self, first: Line, base: usize, next: Option<Line>) -> Option<Parsed> {
        // Sized exactly: most mappings never grow, and room for later keys (defaults, canonical
        // forms) cost more in memory touched than the few maps that grow spend reallocating
        // (1000 services: 3 MB less peak memory, 800 fewer page faults).
        let mut entries =
            Map::with_capacity_and_hasher(self.entries.len() - base, RandomState::default());
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

    /// The value of the root mapping's `services` key: a large block mapping is read in pieces
    /// on the pool, anything else as any other value.
    fn services(&mut self, colon: usize, indent: usize, split: Split) -> Option<Parsed> {
        let at = self.skip_spaces(colon + 1);
        if matches!(self.byte(at), b'\n' | b'#') {
            if let Ok(Some(first)) = self.next_line(self.line_end(at) + 1) {
                if first.indent > indent
                    && !self.is_item(first.at)
                    && self.bytes.len() - first.at >= split.min_bytes
                {
                    return self.map_in_pieces(first, split.pieces);
                }
            }
        }
        self.value(colon, indent)
    }

    /// The block mapping whose first key is on `first`, read in up to `pieces` pieces that each
    /// start at a key of the mapping.
    ///
    /// A piece's reader sees the text only up to the next piece's first key, which it reads as
    /// the end of the text: every construct the subset reads ends at a line with a token at the
    /// mapping's indentation, and ends the same way at the end of the text, with the same span
    /// end (the offset of that token). So each piece reads exactly what the serial reader reads
    /// there, as long as the mapping has not ended or failed before: the pieces are looked at in
    /// order, and the first that fails, or that ends the mapping, ends the mapping.
    fn map_in_pieces(&mut self, first: Line, pieces: usize) -> Option<Parsed> {
        self.enter()?;
        self.count()?;
        let starts = self.piece_starts(first, pieces);
        let ends = starts[1..].iter().map(|l| l.at).chain([self.bytes.len()]);
        let ranges: Vec<(Line, usize)> = starts.iter().copied().zip(ends).collect();
        let (text, file, depth) = (self.text, self.file, self.depth);
        let read = crate::parallel::map(ranges, |(start, end)| {
            Reader::new(&text[..end], file, None).piece(start, depth)
        });
        let base = self.entries.len();
        let mut next = None;
        for piece in read {
            let piece = piece?;
            self.nodes += piece.nodes;
            self.entries.extend(piece.entries);
            if piece.next.is_some() {
                next = piece.next;
                break;
            }
        }
        if self.nodes > MAX_NODES {
            return None;
        }
        self.depth -= 1;
        self.close_map(first, base, next)
    }

    /// The first line of each piece: `first`, then the first key line of the mapping at or after
    /// each even share of the rest of the text. A line that is not a key of the mapping is caught
    /// by the piece reader before it (which fails, or ends the mapping there).
    fn piece_starts(&self, first: Line, pieces: usize) -> Vec<Line> {
        let mut starts = vec![first];
        let share = (self.bytes.len() - first.at) / pieces;
        let mut from = first.at;
        for piece in 1..pieces {
            let target = (first.at + piece * share).max(from);
            let mut line = self.line_end(target) + 1;
            loop {
                match self.next_line(line) {
                    Ok(Some(l)) if l.indent == first.indent && !self.is_item(l.at) => {
                        starts.push(l);
                        from = l.at;
                        break;
                    }
                    Ok(Some(l)) if l.indent >= first.indent => line = self.line_end(l.at) + 1,
                    // The mapping ends before: the last piece runs to the end of the text.
                    _ => return starts,
                }
            }
        }
        starts
    }

    /// Reads the keys of a mapping from `start`, which the serial reader reads at `depth`.
    fn piece(mut self, start: Line, depth: usize) -> Option<Piece> {
        self.depth = depth;
        let next = self.map_entries(start)?;
        Some(Piece {
            entries: self.entries,
            next,
            nodes: self.nodes,
        })
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

    /// The numbers of pieces the tests split `services` into, whatever its size: two halves,
    /// a few services each, and as many pieces as `parallel::map` needs to use the pool.
    const FORCED_PIECES: [usize; 3] = [2, 5, 64];

    /// [`agrees`], and reading the top-level `services` in pieces gives the serial reader's
    /// tree, or `None` where it gives `None`, whatever the number of pieces.
    fn split_agrees(text: &str, what: &str) -> bool {
        let serial = read(text, FileId(3), None);
        for pieces in FORCED_PIECES {
            let split = read(
                text,
                FileId(3),
                Some(Split {
                    min_bytes: 0,
                    pieces,
                }),
            );
            // `PartialEq` compares what the dump leaves out, the dump compares key order.
            assert!(split == serial, "{what} in {pieces} pieces:\n{text}");
            assert_eq!(
                split.as_deref().map(dump_all),
                serial.as_deref().map(dump_all),
                "{what} in {pieces} pieces:\n{text}"
            );
        }
        agrees(text, what)
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

    /// The first key line of the top-level `services` mapping.
    fn first_service(reader: &Reader<'_>) -> Line {
        let services = reader.text.find("\nservices:\n").unwrap();
        reader.next_line(services + 11).ok().flatten().unwrap()
    }

    #[test]
    fn large_stacks_are_read_in_pieces() {
        for n in [50, 200, 1000] {
            let text = generated_stack(n);
            assert!(split_agrees(&text, "generated stack"));
            assert_eq!(parse(&text, FileId(3)), read(&text, FileId(3), None));

            let reader = Reader::new(&text, FileId(3), None);
            let first = first_service(&reader);
            let starts = reader.piece_starts(first, 64);
            assert_eq!(starts.len(), n.min(64), "{n} services");
            for start in starts {
                assert!(text[start.at..].starts_with("svc"), "{n} services");
            }
        }
    }

    /// Files whose `services` a naive split would misread, each with enough services around the
    /// doubtful lines that the forced pieces start next to them.
    #[test]
    fn doubtful_services_blocks_agree() {
        let padding = |from: usize| {
            let mut text = String::new();
            for i in from..from + 6 {
                write!(text, "  p{i}:\n    image: x\n").unwrap();
            }
            text
        };
        let cases = [
            "  a:\n  - x\n  - y: 1\n  b:\n",
            "  a:\n    command: |\n      x\n  b: 1\n",
            "  a:\n    command: \"x\n  b: 1\"\n",
            "  a:\n    command: x\n      y\n  b: 1\n",
            "  a:\n    ports: [1,\n  2]\n",
            "  \"a\": 1\n  'b':\n    c: 2\n",
            "  a: 1\n # odd\n   # odd\n# first column\n  b:\n    # deeper\n    c: 2\n",
            "  a:\n    b: 1\n  a:\n    b: 2\n",
            "  a: 1\n---\n  b: 1\n",
            "  a: 1\n b: 1\n",
            "  a:\n   b: 1\n    c: 1\n",
            "  - a\n",
            "  a: 1\n  - b\n",
            "  a: {}\n  b: []\n  c:\n",
        ];
        for case in cases {
            for (before, after) in [("", "volumes:\n  v: {}\n"), ("name: x\n", "")] {
                let text = format!(
                    "{before}services:\n{}{case}{}{after}",
                    padding(0),
                    padding(6)
                );
                split_agrees(&text, "doubtful services");
            }
        }
        for text in [
            "services: {a: 1}\n",
            "services:\n- a\n",
            "services: x\n",
            "services:\n",
            "services:\n  a: 1\nservices:\n  b: 1\n",
            "x:\n  services:\n    a: 1\n    b: 1\n",
            "- services:\n    a: 1\n    b: 1\n",
            "\"services\":\n  a: 1\n  b: 1\n",
            "services:\n  # only a comment\nx: 1\n",
        ] {
            split_agrees(text, "services that is not a block mapping");
        }
    }

    /// The limits count every piece: the nodes of all pieces together, and the depth of a piece
    /// from the root.
    #[test]
    fn limits_hold_across_pieces() {
        let items = format!("[{}x]", "x, ".repeat(MAX_NODES / 4 + 1));
        let mut many = String::from("services:\n");
        for i in 0..4 {
            writeln!(many, "  s{i}: {items}").unwrap();
        }
        assert!(read(&many, FileId(0), None).is_none());
        for pieces in FORCED_PIECES {
            assert!(
                read(
                    &many,
                    FileId(0),
                    Some(Split {
                        min_bytes: 0,
                        pieces
                    })
                )
                .is_none()
            );
        }

        let nested = |levels: usize| {
            let mut text = String::from("services:\n  a: 1\n  b:");
            for level in 0..levels {
                write!(text, "\n{}k{level}:", " ".repeat(level + 3)).unwrap();
            }
            text + " v\n  c: 1\n"
        };
        split_agrees(&nested(MAX_DEPTH - 2), "nested");
        assert!(read(&nested(MAX_DEPTH - 2), FileId(0), None).is_some());
        split_agrees(&nested(MAX_DEPTH - 1), "nested");
        assert!(read(&nested(MAX_DEPTH - 1), FileId(0), None).is_none());
    }

    #[test]
    fn corpus_and_fixtures_agree() {
        let samples = crate::test_inputs::yaml_samples();
        let fast = samples
            .iter()
            .filter(|(name, text)| split_agrees(text, name))
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
        for (name, text) in crate::test_inputs::yaml_samples() {
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
                    split_agrees(&mutant, &name);
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
