//! `stackc explain CODE`: what a diagnostic code means and what to do about it.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use clap::{ArgGroup, Args};

use crate::diagnostics::docs;
use crate::error::Error;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["code", "list"])))]
pub(super) struct ExplainArgs {
    /// The code to explain, such as `SC0101`.
    code: Option<String>,
    /// Print every code with its summary.
    #[arg(long)]
    list: bool,
}

/// Explanations are single paragraphs; wrapped here so they read well in a terminal.
const WIDTH: usize = 80;

pub(super) fn run(args: &ExplainArgs) -> Result<ExitCode, Error> {
    let mut text = String::new();
    if args.list {
        for code in docs::sorted_codes() {
            let _ = writeln!(text, "{}  {}", code.id(), code.summary());
        }
    } else if let Some(name) = &args.code {
        let code = docs::lookup(name).ok_or_else(|| Error::UnknownCode { code: name.clone() })?;
        let _ = writeln!(text, "{}: {}\n", code.id(), code.summary());
        text.push_str(&wrap(code.explanation(), WIDTH));
    }
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|source| Error::Write {
            path: "-".into(),
            source,
        })?;
    Ok(ExitCode::SUCCESS)
}

/// Greedy word wrap; a word longer than `width` gets a line of its own.
fn wrap(paragraph: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in paragraph.split_whitespace() {
        let word_len = word.chars().count();
        if line_len > 0 && line_len + 1 + word_len > width {
            out.push('\n');
            line_len = 0;
        }
        if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += word_len;
    }
    out.push('\n');
    out
}
