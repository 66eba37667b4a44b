//! Turns diagnostics into text: miette's graphical report for people, JSON lines for tools.
//!
//! This is the only module that knows about line and column numbers and about miette.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;

use super::{Code, Diagnostic, Diagnostics, Severity};
use crate::source::{SourceFile, SourceMap};

/// How diagnostics are printed (`--message-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    /// A report with the source snippet; a warning code's later occurrences on one line each.
    Human,
    /// One line per diagnostic: `file:line:col: severity[code]: message`.
    Short,
    /// One JSON object per line, for tools.
    Json,
}

/// How many warnings of one code get the full report. A stack that repeats a pattern repeats
/// its warning once per service; after ten reports the snippet and help say nothing new, so the
/// rest are listed one per line, each still with its location. Errors are always reported in
/// full.
const FULL_REPORTS_PER_CODE: usize = 10;

/// Renders every diagnostic in `diagnostics`, one after another.
#[must_use]
pub fn render_all(
    diagnostics: &Diagnostics,
    sources: &SourceMap,
    format: MessageFormat,
    color: bool,
) -> String {
    let mut full_reports: BTreeMap<Code, usize> = BTreeMap::new();
    let full: Vec<bool> = diagnostics
        .iter()
        .map(|diagnostic| {
            let reported = full_reports.entry(diagnostic.code).or_default();
            let full = format == MessageFormat::Human
                && (diagnostic.severity == Severity::Error || *reported < FULL_REPORTS_PER_CODE);
            *reported += usize::from(full);
            full
        })
        .collect();
    // A full report costs a few hundred microseconds of miette's layout, so even a handful is
    // worth sharing between the cores.
    let mut reports = crate::parallel::map_costly(
        diagnostics.iter().zip(&full).filter(|(_, full)| **full),
        |(diagnostic, _)| human(diagnostic, sources, color),
    )
    .into_iter();
    let mut out = String::new();
    for (diagnostic, full) in diagnostics.iter().zip(full) {
        match format {
            _ if full => out.push_str(&reports.next().expect("one report per full diagnostic")),
            MessageFormat::Human | MessageFormat::Short => short(&mut out, diagnostic, sources),
            MessageFormat::Json => {
                out.push_str(&json(diagnostic, sources));
                out.push('\n');
            }
        }
    }
    out
}

/// One line, in the `file:line:col: ` form that editors and CI annotations link to.
fn short(out: &mut String, diagnostic: &Diagnostic, sources: &SourceMap) {
    if let Some((file, line, column)) = location(diagnostic, sources) {
        let _ = write!(out, "{file}:{line}:{column}: ");
    }
    let _ = writeln!(
        out,
        "{}[{}]: {}",
        diagnostic.severity.as_str(),
        diagnostic.code.id(),
        diagnostic.message.replace('\n', " ")
    );
}

/// The graphical report, without colour when `color` is false (as in golden tests).
#[must_use]
pub fn human(diagnostic: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false)
        // Wrapping at spaces only keeps paths and names whole for copying (the default breaks
        // after a `/` or a `-`), and costs less: a report that lists the hundred services of a
        // shared claim took a million instructions to wrap (a 1000-service stack's reports:
        // 19.3 -> 13.8 M).
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation);
    let report = Report::new(diagnostic, sources);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            diagnostic.severity.as_str(),
            diagnostic.code.id(),
            diagnostic.message
        );
    }
    out
}

fn location(diagnostic: &Diagnostic, sources: &SourceMap) -> Option<(String, usize, usize)> {
    let span = diagnostic.primary_span()?;
    let (line, col) = sources.line_col(span.file, span.start);
    Some((sources.get(span.file).display_name.clone(), line, col))
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

/// One JSON object on one line (`--message-format json`).
#[must_use]
pub fn json(diagnostic: &Diagnostic, sources: &SourceMap) -> String {
    let loc = location(diagnostic, sources);
    let labels = diagnostic
        .labels
        .iter()
        .map(|label| {
            let span = drawn(label.span, sources);
            let (line, column) = sources.line_col(span.file, span.start);
            let (end_line, end_column) = sources.line_col(span.file, span.end);
            JsonLabel {
                file: sources.get(label.span.file).display_name.clone(),
                line,
                column,
                end_line,
                end_column,
                message: &label.message,
            }
        })
        .collect();
    let value = JsonDiagnostic {
        code: diagnostic.code.id(),
        severity: diagnostic.severity.as_str(),
        message: &diagnostic.message,
        file: loc.as_ref().map(|l| l.0.clone()),
        line: loc.as_ref().map(|l| l.1),
        column: loc.as_ref().map(|l| l.2),
        labels,
        help: diagnostic.help.as_deref(),
    };
    serde_json::to_string(&value).unwrap_or_default()
}

/// The part of `span` a label marks. A block mapping or sequence runs, in the parsed tree, to the
/// token that ends it: the next key or item, past the blank lines and comments between them. A
/// label drawn to there would end on a line that belongs to something else (`├─▶   environment:`),
/// so it ends at the collection's last content instead. A block scalar (`|`, `>`) keeps its
/// comment-like lines, which are its text.
fn drawn(span: crate::source::Span, sources: &SourceMap) -> crate::source::Span {
    let text = sources.get(span.file).text.as_bytes();
    let start = span.start as usize;
    let mut end = (span.end as usize).min(text.len());
    let block_scalar = matches!(text.get(start), Some(b'|' | b'>'));
    loop {
        while end > start && text[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let line_start = text[..end]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let comment_line =
            line_start > start && text[line_start..end].trim_ascii_start().first() == Some(&b'#');
        if block_scalar || !comment_line {
            return crate::source::Span::new(span.file, start, end);
        }
        end = line_start;
    }
}

/// Lines longer than this are not drawn: a snippet of a minified or generated line helps nobody.
const MAX_SNIPPET_LINE: usize = 400;

/// Two labels' snippets separated by at most this many hidden lines are shown as one.
const SNIPPET_JOIN_GAP: usize = 3;

fn on_long_line(sources: &SourceMap, span: crate::source::Span) -> bool {
    let text = &sources.get(span.file).text;
    let at = (span.start as usize).min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    end - start > MAX_SNIPPET_LINE
}

/// A source file as miette reads it, through a window around the span: miette's own lookup scans
/// the text from its start for every diagnostic, which makes many diagnostics on a large file
/// quadratic. The window starts one line before the context miette asks for, so miette sees the
/// same lines it would see in the whole file; its line numbers are then shifted back.
struct Windowed<'a>(&'a SourceFile);

impl SourceCode for Windowed<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let file = self.0;
        let end = span.offset() + span.len();
        if end > file.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first = file.line_of(span.offset());
        let last = file.line_of(end);
        let from_line = first.saturating_sub(context_lines_before + 1);
        let from = file.line_starts[from_line];
        let to = file
            .line_starts
            .get(last + context_lines_after + 2)
            .copied()
            .unwrap_or(file.text.len());
        let window: &'b [u8] = &file.text.as_bytes()[from..to];
        let inner = SourceSpan::new((span.offset() - from).into(), span.len());
        let contents = window.read_span(&inner, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            file.display_name.clone(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + from).into(),
                contents.span().len(),
            ),
            contents.line() + from_line,
            contents.column(),
            // miette joins two labels into one snippet when `line + line_count` of the first
            // reaches the second's line. Its own reader counts every line from the start of the
            // file, which joins labels hundreds of lines apart into one snippet of all the lines
            // between them. Counting the lines shown plus a small gap joins only snippets that
            // nearly touch, where one continuous excerpt reads better than two.
            contents.line_count().saturating_sub(contents.line()) + SNIPPET_JOIN_GAP,
        )))
    }
}

/// The most labels drawn in one report's snippets; the rest are listed with their locations. A
/// claim mounted by a hundred services has a label per mount, and a hundred snippets bury the
/// message.
const MAX_DRAWN_LABELS: usize = 5;

/// Adapter that lets miette render a [`Diagnostic`]. miette shows one source per report, so only
/// labels in the primary label's file are drawn (at most [`MAX_DRAWN_LABELS`]); the others are
/// listed as text.
struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<Windowed<'a>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl<'a> Report<'a> {
    fn new(diagnostic: &'a Diagnostic, sources: &'a SourceMap) -> Self {
        let primary_file = diagnostic
            .primary_span()
            .filter(|span| !on_long_line(sources, *span))
            .map(|s| s.file);
        let source = primary_file.map(|file| Windowed(sources.get(file)));
        let mut labels = Vec::new();
        let mut elsewhere = Vec::new();
        for label in &diagnostic.labels {
            if Some(label.span.file) == primary_file && labels.len() < MAX_DRAWN_LABELS {
                let span = drawn(label.span, sources);
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    SourceSpan::new((span.start as usize).into(), span.len()),
                ));
            } else {
                let (line, col) = sources.line_col(label.span.file, label.span.start);
                elsewhere.push(format!(
                    "{}: {}:{line}:{col}",
                    label.message,
                    sources.get(label.span.file).display_name
                ));
            }
        }
        let mut help = diagnostic.help.clone();
        if !elsewhere.is_empty() {
            let extra = elsewhere.join("\n");
            help = Some(match help {
                Some(h) => format!("{h}\n{extra}"),
                None => extra,
            });
        }
        Self {
            diagnostic,
            source,
            labels,
            help,
        }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.id()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            super::Severity::Error => miette::Severity::Error,
            super::Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FULL_REPORTS_PER_CODE, MAX_DRAWN_LABELS, MessageFormat, human, json, render_all};
    use crate::diagnostics::{Code, Diagnostic, Diagnostics};
    use crate::source::{SourceMap, Span};

    /// Twelve bind-mount warnings, then two errors of one code, each on its own line.
    fn repeated() -> (SourceMap, Diagnostics) {
        let mut sources = SourceMap::new();
        let text = "key: a value\n".repeat(14);
        let file = sources.add("compose.yaml".into(), "compose.yaml".into(), text);
        let mut diagnostics = Diagnostics::new();
        for line in 0..14 {
            let span = Some(Span::new(file, line * 13, line * 13 + 5));
            diagnostics.push(if line < 12 {
                Diagnostic::warning(Code::BindMount, format!("warning on line {}", line + 1))
                    .with_label(span, "here")
            } else {
                Diagnostic::error(
                    Code::UnknownReference,
                    format!("error on line {}", line + 1),
                )
                .with_label(span, "here")
            });
        }
        (sources, diagnostics)
    }

    #[test]
    fn warnings_of_one_code_after_the_tenth_take_one_line_each() {
        let (sources, diagnostics) = repeated();
        let text = render_all(&diagnostics, &sources, MessageFormat::Human, false);
        assert_eq!(
            text.matches("╭─[").count(),
            FULL_REPORTS_PER_CODE + 2,
            "{text}"
        );
        assert!(text.contains("compose.yaml:11:1: warning[SC1155]: warning on line 11\n"));
        assert!(text.contains("compose.yaml:12:1: warning[SC1155]: warning on line 12\n"));
        assert!(!text.contains("compose.yaml:10:1: warning"), "{text}");
        assert!(
            !text.contains(": error["),
            "errors keep the full report: {text}"
        );
    }

    #[test]
    fn short_format_gives_every_diagnostic_one_located_line() {
        let (sources, diagnostics) = repeated();
        let text = render_all(&diagnostics, &sources, MessageFormat::Short, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 14, "{text}");
        assert_eq!(
            lines[0],
            "compose.yaml:1:1: warning[SC1155]: warning on line 1"
        );
        assert_eq!(
            lines[13],
            "compose.yaml:14:1: error[SC0215]: error on line 14"
        );
    }

    #[test]
    fn labels_past_the_drawn_ones_are_listed_with_their_locations() {
        let (sources, _) = repeated();
        let file = crate::source::FileId(0);
        let mut diagnostic = Diagnostic::warning(Code::BindMount, "shared");
        for line in 0..8 {
            diagnostic = diagnostic.with_label(
                Some(Span::new(file, line * 13, line * 13 + 3)),
                format!("mounted by `svc{line}`"),
            );
        }
        let text = human(&diagnostic, &sources, false);
        assert_eq!(
            text.matches("╰── mounted by").count(),
            MAX_DRAWN_LABELS,
            "{text}"
        );
        for line in MAX_DRAWN_LABELS..8 {
            let listed = format!("mounted by `svc{line}`: compose.yaml:{}:1", line + 1);
            assert!(text.contains(&listed), "{listed} missing from {text}");
        }
    }

    /// Paths are copied from reports, so a long message wraps at spaces only, never after a `/`
    /// or a `-` inside a path.
    #[test]
    fn long_messages_wrap_at_spaces_only() {
        let (sources, _) = repeated();
        let path = "/var/lib/stackc/a-long-project-name/with/a/deep/directory/under-it";
        let message = format!(
            "bind mount `./data` of a service becomes hostPath `{path}`: {}",
            "copy it there on the node; ".repeat(4)
        );
        let diagnostic = Diagnostic::warning(Code::BindMount, message.clone());
        let text = human(&diagnostic, &sources, false);
        assert!(text.lines().any(|line| line.contains(path)), "{text}");
        let words: Vec<&str> = text
            .lines()
            .skip_while(|line| !line.contains('⚠'))
            .take_while(|line| !line.is_empty())
            .flat_map(|line| line.trim_start_matches([' ', '⚠', '│']).split(' '))
            .filter(|word| !word.is_empty())
            .collect();
        assert_eq!(
            words,
            message
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>(),
            "{text}"
        );
    }

    /// The parser's span of a block mapping runs to the next key, past comments and blank lines;
    /// the label ends at the mapping's last value, and a block scalar keeps its `#` lines.
    #[test]
    fn labels_of_block_collections_end_at_their_last_content() {
        let mut sources = SourceMap::new();
        let text = "ports:\n  - target: 9090\n    protocol: tcp\n  # metrics\n\nenvironment:\n  \
                    A: b\nrun: |\n  echo\n  # kept\nnext: 1\n";
        let file = sources.add(
            "compose.yaml".into(),
            "compose.yaml".into(),
            text.to_owned(),
        );
        let item = Span::new(
            file,
            text.find("target").unwrap(),
            text.find("environment").unwrap(),
        );
        let script = Span::new(file, text.find('|').unwrap(), text.find("next").unwrap());
        let diagnostic = Diagnostic::warning(Code::PortRandomHost, "random")
            .with_label(Some(item), "no host port")
            .with_label(Some(script), "script");
        let lines: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(&json(
            &diagnostic,
            &sources,
        ))
        .unwrap()["labels"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(
            (&lines[0]["end_line"], &lines[0]["end_column"]),
            (&3.into(), &18.into())
        );
        assert_eq!(
            (&lines[1]["end_line"], &lines[1]["end_column"]),
            (&10.into(), &9.into())
        );
        let text = human(&diagnostic, &sources, false);
        assert!(text.contains("├─▶     protocol: tcp"), "{text}");
        assert!(!text.contains("▶ environment"), "{text}");
    }
}
