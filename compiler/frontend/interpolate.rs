//! Variable interpolation in compose values, with the exact rules of compose-go v2.9.1
//! (`template.Substitute`), quirks included.
//!
//! compose-go matches `$` followed by one of:
//! - `$`: an escaped dollar, giving a literal `$`;
//! - a name `[_a-z][_a-z0-9]*` (case-insensitive, so also `ſ` U+017F and `K` U+212A, the
//!   Unicode case-folds of `s` and `k`);
//! - `{name}` or `{name` + operator + argument + `}`, where the argument runs to the *last* `}`
//!   on the line and is then cut back at the brace that closes the `${` (see
//!   [`closing_brace`]);
//! - `{` followed by anything else: an invalid template, which is an error.
//!
//! A `$` followed by anything else (`$1`, `$-`, `$}`, a trailing `$`) stays a literal `$`.
//! The argument of an operator is substituted *before* the variable is looked up, so a
//! `${A:-${B:?msg}}` fails even when `A` is set, and unset variables in an unused default are
//! still reported.

use std::ops::Range;

/// A parsed template, so that the Helm backend can later keep variables as variables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text copied as is; an escaped `$$` is already a single `$` here.
    Literal(String),
    Variable(Variable),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// The name as written: lookups are case-sensitive even though the syntax is not.
    pub name: String,
    pub operator: Option<Operator>,
    /// The default, alternative or error message; `Some` exactly when `operator` is.
    pub argument: Option<Template>,
    /// Byte range of the whole `$NAME` or `${...}` in the input.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `${VAR:-default}`
    DefaultIfUnsetOrEmpty,
    /// `${VAR-default}`
    DefaultIfUnset,
    /// `${VAR:?message}`
    RequiredNonEmpty,
    /// `${VAR?message}`
    Required,
    /// `${VAR:+alternative}`
    AlternativeIfNonEmpty,
    /// `${VAR+alternative}`
    AlternativeIfSet,
}

/// The result of [`interpolate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    pub value: String,
    /// Variables that were unset where compose-go falls back to an empty string (and warns
    /// "the variable is not set"), in order of evaluation, each once.
    pub unset: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct InterpolationError {
    pub kind: InterpolationErrorKind,
    /// Byte range in the input: the offending `${` or the required variable.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpolationErrorKind {
    /// A `${` that does not start a valid `${NAME}` or `${NAME<operator>...}`.
    #[error(
        "invalid interpolation format: write `$$` for a literal `$`, and `${{NAME}}` for a variable"
    )]
    InvalidFormat,
    /// A `${NAME?message}` or `${NAME:?message}` whose variable is missing.
    #[error(
        "required variable `{name}` is missing a value{}",
        reason_suffix(message)
    )]
    MissingRequired { name: String, message: String },
}

fn reason_suffix(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

/// Parses `input` into literals and variables.
///
/// Fails on the first invalid `${`, even where [`interpolate`] would first have failed on a
/// missing required variable.
pub fn parse(input: &str) -> Result<Template, InterpolationError> {
    parse_at(input, 0)
}

/// Substitutes variables. `lookup` returns None for unset variables.
pub fn interpolate(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, InterpolationError> {
    let mut interpolated = Interpolated {
        value: String::with_capacity(input.len()),
        unset: Vec::new(),
    };
    if !input.contains('$') {
        interpolated.value.push_str(input);
        return Ok(interpolated);
    }
    evaluate(
        input,
        0,
        lookup,
        &mut interpolated.value,
        &mut interpolated.unset,
    )?;
    Ok(interpolated)
}

/// One match of compose-go's pattern, with byte offsets relative to the scanned string.
enum Token {
    /// `$$`
    Escaped,
    /// `$NAME` or `${NAME}`
    Plain { name: Range<usize> },
    /// `${NAME<op>argument}`
    WithOperator {
        name: Range<usize>,
        operator: Operator,
        argument: Range<usize>,
    },
    /// `${` starting no valid variable
    Invalid,
}

struct Match {
    token: Token,
    /// Where the `$` is.
    start: usize,
    /// Where scanning resumes.
    end: usize,
}

/// Finds the next match at or after `from`, as compose-go's `ReplaceAllStringFunc` does.
fn next_match(s: &str, from: usize) -> Option<Match> {
    let mut start = from;
    loop {
        start += s[start..].find('$')?;
        if let Some((token, end)) = match_at(s, start) {
            return Some(Match { token, start, end });
        }
        // A `$` that starts no match stays literal; the next candidate is after it.
        start += 1;
    }
}

/// Tries compose-go's pattern at the `$` at `start`.
fn match_at(s: &str, start: usize) -> Option<(Token, usize)> {
    let after = start + 1;
    let rest = &s[after..];
    if rest.starts_with('$') {
        return Some((Token::Escaped, after + 1));
    }
    if let Some(len) = name_len(rest) {
        return Some((
            Token::Plain {
                name: after..after + len,
            },
            after + len,
        ));
    }
    if !rest.starts_with('{') {
        return None;
    }
    let name_start = after + 1;
    let invalid = Some((Token::Invalid, name_start));
    let Some(len) = name_len(&s[name_start..]) else {
        return invalid;
    };
    let name = name_start..name_start + len;
    let tail = &s[name.end..];
    if tail.starts_with('}') {
        return Some((Token::Plain { name: name.clone() }, name.end + 1));
    }
    let Some((operator, op_len)) = operator_at(tail) else {
        return invalid;
    };
    let argument_start = name.end + op_len;
    // `(.*)}` is greedy and `.` stops at a newline: the match ends at the last `}` of the line.
    let line = &s[argument_start..];
    let line = &line[..line.find('\n').unwrap_or(line.len())];
    let Some(last_brace) = line.rfind('}') else {
        return invalid;
    };
    let matched_end = argument_start + last_brace + 1;
    // compose-go then cuts the match at the brace closing the `${` and substitutes the text
    // after it separately, which amounts to resuming the scan there.
    let (argument_end, end) = match closing_brace(&s[start..matched_end]) {
        Some(index) => (start + index, start + index + 1),
        None => (matched_end - 1, matched_end),
    };
    Some((
        Token::WithOperator {
            name,
            operator,
            argument: argument_start..argument_end,
        },
        end,
    ))
}

/// Length of the variable name at the start of `s`: `[_a-z][_a-z0-9]*`, case-insensitive with
/// Go's Unicode simple case folding.
fn name_len(s: &str) -> Option<usize> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    if !(first == '_' || is_folded_ascii_letter(first)) {
        return None;
    }
    let end = chars
        .find(|&(_, c)| !(c == '_' || c.is_ascii_digit() || is_folded_ascii_letter(c)))
        .map_or(s.len(), |(index, _)| index);
    Some(end)
}

fn is_folded_ascii_letter(c: char) -> bool {
    // U+017F LATIN SMALL LETTER LONG S folds to `s`, U+212A KELVIN SIGN to `k`.
    c.is_ascii_alphabetic() || c == '\u{017F}' || c == '\u{212A}'
}

fn operator_at(s: &str) -> Option<(Operator, usize)> {
    let bytes = s.as_bytes();
    let (colon, op) = match bytes.first()? {
        b':' => (true, *bytes.get(1)?),
        &op => (false, op),
    };
    let operator = match (colon, op) {
        (true, b'-') => Operator::DefaultIfUnsetOrEmpty,
        (false, b'-') => Operator::DefaultIfUnset,
        (true, b'?') => Operator::RequiredNonEmpty,
        (false, b'?') => Operator::Required,
        (true, b'+') => Operator::AlternativeIfNonEmpty,
        (false, b'+') => Operator::AlternativeIfSet,
        _ => return None,
    };
    Some((operator, usize::from(colon) + 1))
}

/// compose-go's `getFirstBraceClosingIndex`: counts braces, but skips the byte after every `{`,
/// so `{}` inside a default does not close anything.
fn closing_brace(matched: &str) -> Option<usize> {
    let bytes = matched.as_bytes();
    let mut open = 0_usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'}' => {
                open = open.saturating_sub(1);
                if open == 0 {
                    return Some(index);
                }
            }
            b'{' => {
                open += 1;
                index += 1;
            }
            _ => {}
        }
        index += 1;
    }
    None
}

fn parse_at(s: &str, offset: usize) -> Result<Template, InterpolationError> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut position = 0;
    while let Some(found) = next_match(s, position) {
        literal.push_str(&s[position..found.start]);
        position = found.end;
        let range = offset + found.start..offset + found.end;
        let variable = match found.token {
            Token::Escaped => {
                literal.push('$');
                continue;
            }
            Token::Invalid => return Err(invalid_format(offset + found.start)),
            Token::Plain { name } => Variable {
                name: s[name].to_owned(),
                operator: None,
                argument: None,
                range,
            },
            Token::WithOperator {
                name,
                operator,
                argument,
            } => Variable {
                name: s[name].to_owned(),
                operator: Some(operator),
                argument: Some(parse_at(&s[argument.clone()], offset + argument.start)?),
                range,
            },
        };
        if !literal.is_empty() {
            parts.push(Part::Literal(std::mem::take(&mut literal)));
        }
        parts.push(Part::Variable(variable));
    }
    literal.push_str(&s[position..]);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    Ok(Template { parts })
}

fn invalid_format(start: usize) -> InterpolationError {
    InterpolationError {
        kind: InterpolationErrorKind::InvalidFormat,
        range: start..start + 2,
    }
}

fn evaluate(
    s: &str,
    offset: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    value: &mut String,
    unset: &mut Vec<String>,
) -> Result<(), InterpolationError> {
    let mut position = 0;
    while let Some(found) = next_match(s, position) {
        value.push_str(&s[position..found.start]);
        position = found.end;
        match found.token {
            Token::Escaped => value.push('$'),
            Token::Invalid => return Err(invalid_format(offset + found.start)),
            Token::Plain { name } => {
                let name = &s[name];
                if let Some(current) = lookup(name) {
                    value.push_str(&current);
                } else if !unset.iter().any(|unset| unset == name) {
                    unset.push(name.to_owned());
                }
            }
            Token::WithOperator {
                name,
                operator,
                argument,
            } => {
                let name = &s[name];
                // The argument is substituted first, whatever the variable's value.
                let mut substituted_argument = String::new();
                evaluate(
                    &s[argument.clone()],
                    offset + argument.start,
                    lookup,
                    &mut substituted_argument,
                    unset,
                )?;
                let argument = substituted_argument;
                let current = lookup(name);
                let substituted = match operator {
                    Operator::DefaultIfUnsetOrEmpty => match current {
                        Some(set) if !set.is_empty() => set,
                        _ => argument,
                    },
                    Operator::DefaultIfUnset => current.unwrap_or(argument),
                    Operator::AlternativeIfNonEmpty => match current {
                        Some(set) if !set.is_empty() => argument,
                        empty_or_unset => empty_or_unset.unwrap_or_default(),
                    },
                    Operator::AlternativeIfSet => match current {
                        Some(_) => argument,
                        None => String::new(),
                    },
                    Operator::RequiredNonEmpty | Operator::Required => match current {
                        Some(set) if operator == Operator::Required || !set.is_empty() => set,
                        _ => {
                            return Err(InterpolationError {
                                kind: InterpolationErrorKind::MissingRequired {
                                    name: name.to_owned(),
                                    message: argument,
                                },
                                range: offset + found.start..offset + found.end,
                            });
                        }
                    },
                };
                value.push_str(&substituted);
            }
        }
    }
    value.push_str(&s[position..]);
    Ok(())
}
