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
    pub text: Arc<str>,
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

    pub fn add(
        &mut self,
        path: PathBuf,
        display_name: String,
        text: impl Into<Arc<str>>,
    ) -> FileId {
        let id = FileId(self.files.len() as u32);
        let text: Arc<str> = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
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
