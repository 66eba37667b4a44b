//! Source files and byte spans.
//!
//! Every file stackc reads (compose files, env files, included files) is registered once in a
//! [`SourceMap`] and referred to by a [`FileId`]. A [`Span`] is a byte range inside one file; it is
//! what diagnostics point at. Line and column are computed only when a diagnostic is rendered.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    #[must_use]
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Self {
            file,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    #[must_use]
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// One file as read from disk (or standard input).
#[derive(Debug)]
pub struct SourceFile {
    /// Absolute path, used to resolve relative paths inside the file.
    pub path: PathBuf,
    /// The name shown in diagnostics: the path relative to the working directory when possible,
    /// so that reports do not depend on where the project is checked out.
    pub display_name: String,
    /// Not an `Arc<str>`, which would copy the text once more: a file can be megabytes.
    pub text: Arc<String>,
    /// Byte offset of the start of every line, so that locating a span costs a binary search
    /// rather than a scan of the file (a file can have thousands of diagnostics).
    pub line_starts: Vec<usize>,
}

impl SourceFile {
    /// The 0-based line that contains byte `offset`.
    #[must_use]
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next.saturating_sub(1),
        }
    }
}

/// All files read during one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: PathBuf, display_name: String, text: impl Into<String>) -> FileId {
        let id = FileId(self.files.len() as u32);
        let text = Arc::new(text.into());
        let line_starts = line_starts(text.as_bytes());
        self.files.push(SourceFile {
            path,
            display_name,
            text,
            line_starts,
        });
        id
    }

    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The id of a file already read, so that a file included twice shares its spans.
    #[must_use]
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }

    /// 1-based line and column (in characters) of a byte offset.
    #[must_use]
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        let source = self.get(file);
        let text = &source.text;
        let offset = (offset as usize).min(text.len());
        let offset = (0..=offset)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        let line = source.line_of(offset);
        let col = text[source.line_starts[line]..offset].chars().count() + 1;
        (line + 1, col)
    }
}

/// The offset of every line's first byte. Compose files have short lines, so searching for each
/// newline with `memchr` costs more in setup than in scanning; eight bytes are tested at a time
/// instead, and the newlines of a word are read off its bits.
fn line_starts(text: &[u8]) -> Vec<usize> {
    const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);
    const NEWLINES: u64 = u64::from_le_bytes([b'\n'; 8]);
    let mut starts = vec![0];
    let words = text.chunks_exact(8);
    let tail = words.remainder();
    for (index, word) in words.enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("chunks of eight bytes")) ^ NEWLINES;
        // The high bit of each byte of `x` that is zero, i.e. of each newline in the word (the
        // low seven bits are added without a carry into the next byte, so there are no false
        // positives).
        let mut found = !(((x & LOWS) + LOWS) | x | LOWS);
        while found != 0 {
            starts.push(index * 8 + found.trailing_zeros() as usize / 8 + 1);
            found &= found - 1;
        }
    }
    let base = text.len() - tail.len();
    starts.extend(
        tail.iter()
            .enumerate()
            .filter(|(_, byte)| **byte == b'\n')
            .map(|(offset, _)| base + offset + 1),
    );
    starts
}

#[cfg(test)]
mod tests {
    use super::line_starts;

    #[test]
    fn line_starts_follow_every_newline() {
        for text in [
            "",
            "a",
            "\n",
            "ab\ncd\n",
            "0123456\n89abcdef\n\n\nxyz",
            "é\u{2028}\n0123456789abcdef0123456789\n",
            "\n\n\n\n\n\n\n\n\n",
        ] {
            let expected: Vec<usize> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            assert_eq!(line_starts(text.as_bytes()), expected, "{text:?}");
        }
        // Every other byte value around a newline.
        for other in (0..=u8::MAX).filter(|b| *b != b'\n') {
            let mut text = [other; 16];
            text[3] = b'\n';
            assert_eq!(line_starts(&text), [0, 4], "{other}");
        }
        // A newline at every position of every word and of the tail.
        for len in 0..=24 {
            for at in 0..len {
                let mut text = vec![b'x'; len];
                text[at] = b'\n';
                assert_eq!(line_starts(&text), [0, at + 1], "{len} {at}");
            }
        }
    }
}
