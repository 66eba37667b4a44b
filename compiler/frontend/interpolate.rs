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
    /// `${...}` nested deeper than [`MAX_NESTING`]: refused before any work, so that a hostile
    /// value cannot make interpolation quadratic.
    #[error(
        "`${{...}}` nests more than {MAX_NESTING} levels deep: write the value with fewer nested defaults"
    )]
    TooDeep,
}

/// The deepest `${...}` nesting interpolated; real files nest two or three levels.
pub const MAX_NESTING: usize = 64;

/// How deeply `${` expressions nest in `text` (a literal `$${` counts too, which only makes the
/// limit stricter).
fn nesting_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut previous_dollar = false;
    for b in text.bytes() {
        match b {
            b'{' if previous_dollar => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous_dollar = b == b'$';
    }
    deepest
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
    if nesting_depth(input) > MAX_NESTING {
        return Err(InterpolationError {
            kind: InterpolationErrorKind::TooDeep,
            range: 0..input.len(),
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "FOO" => Some("first".to_owned()),
            "BAR" => Some(String::new()),
            "JSON" => Some(r#"{"json":2}"#.to_owned()),
            _ => None,
        }
    }

    fn sub(input: &str) -> String {
        interpolate(input, &env).unwrap().value
    }

    fn err(input: &str) -> InterpolationError {
        interpolate(input, &env).unwrap_err()
    }

    #[test]
    fn escapes_and_literal_dollars() {
        assert_eq!(sub("$${foo}"), "${foo}");
        assert_eq!(sub("$$FOO $$$FOO"), "$FOO $first");
        for literal in ["foo", "a $ string", "^REGEX$", "$}", "$", "$1 $- $ $.x", ""] {
            assert_eq!(sub(literal), literal);
        }
    }

    #[test]
    fn invalid_templates() {
        for (input, at) in [
            ("${", 0),
            ("${}", 0),
            ("${ }", 0),
            ("${ foo}", 0),
            ("${foo }", 0),
            ("${foo!}", 0),
            ("x ${FOO:}", 2),
            ("${FOO:-a\n}", 0),
            ("a ${FOO:-b} ${}", 12),
        ] {
            let error = err(input);
            assert_eq!(
                error.kind,
                InterpolationErrorKind::InvalidFormat,
                "{input:?}"
            );
            assert_eq!(error.range, at..at + 2, "{input:?}");
            assert!(parse(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn plain_variables() {
        assert_eq!(sub("$FOO-bar"), "first-bar");
        assert_eq!(sub("This $FOO var"), "This first var");
        assert_eq!(sub("This ${FOO} var"), "This first var");
        assert_eq!(sub("This ${BAR} var"), "This  var");
        let result = interpolate("This ${missing} $missing ${Other}$FOO", &env).unwrap();
        assert_eq!(result.value, "This   first");
        assert_eq!(result.unset, ["missing", "Other"]);
    }

    #[test]
    fn names_are_case_insensitive_in_syntax_but_looked_up_as_written() {
        let result = interpolate("$foo ${Foo} $_x1 $\u{17f}", &env).unwrap();
        assert_eq!(result.value, "   ");
        assert_eq!(result.unset, ["foo", "Foo", "_x1", "\u{17f}"]);
    }

    #[test]
    fn defaults() {
        assert_eq!(sub("ok ${missing:-def}"), "ok def");
        assert_eq!(sub("ok ${missing-def}"), "ok def");
        assert_eq!(sub("ok ${BAR:-def}"), "ok def");
        assert_eq!(sub("ok ${FOO:-def}"), "ok first");
        assert_eq!(sub("ok ${BAR-def}"), "ok ");
        assert_eq!(
            sub("ok ${BAR:-/non:-alphanumeric}"),
            "ok /non:-alphanumeric"
        );
        assert_eq!(sub("${UNSET_VAR-myerror?msg}"), "myerror?msg");
        assert_eq!(sub("ok ${SUBDOMAIN:-redis}.${FOO:?}"), "ok redis.first");
        assert!(interpolate("${missing:-x}", &env).unwrap().unset.is_empty());
    }

    #[test]
    fn alternatives() {
        assert_eq!(sub("ok ${UNSET_VAR:+presence_value}"), "ok ");
        assert_eq!(sub("ok ${UNSET_VAR+presence_value}"), "ok ");
        assert_eq!(sub("ok ${FOO:+presence_value}"), "ok presence_value");
        assert_eq!(sub("ok ${FOO+presence_value}"), "ok presence_value");
        assert_eq!(sub("ok ${BAR+presence_value}"), "ok presence_value");
        assert_eq!(sub("ok ${BAR:+presence_value}"), "ok ");
    }

    #[test]
    fn outer_text_does_not_change_the_operator() {
        for (input, expected) in [
            ("-ok ${BAR:-defaultValue}", "-ok defaultValue"),
            ("+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
            (":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
            (":?ok ${BAR-defaultValue}", ":?ok "),
            (":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
            ("?ok ${BAR:-defaultValue}", "?ok defaultValue"),
        ] {
            assert_eq!(sub(input), expected);
        }
    }

    #[test]
    fn nested_expansion() {
        for (input, expected) in [
            ("ok ${UNSET_VAR-$FOO}", "ok first"),
            ("ok ${UNSET_VAR-${FOO}}", "ok first"),
            ("ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
            ("ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
            (r#"ok ${missing:-{"json":1}}"#, r#"ok {"json":1}"#),
            (r#"ok ${JSON-{"json":1}}"#, r#"ok {"json":2}"#),
        ] {
            assert_eq!(sub(input), expected);
        }
    }

    #[test]
    fn required_variables() {
        for (input, name, message) in [
            (
                "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
                "UNSET_VAR",
                "Mandatory Variable Unset",
            ),
            (
                "not ok ${BAR:?Mandatory Variable Empty}",
                "BAR",
                "Mandatory Variable Empty",
            ),
            ("not ok ${UNSET_VAR:?}", "UNSET_VAR", ""),
            ("not ok ${UNSET_VAR?}", "UNSET_VAR", ""),
            (
                "not ok ${UNSET_VAR?Mandatory ${FOO}}",
                "UNSET_VAR",
                "Mandatory first",
            ),
            ("${UNSET_VAR?bar-baz}", "UNSET_VAR", "bar-baz"),
        ] {
            let error = err(input);
            assert_eq!(
                error.kind,
                InterpolationErrorKind::MissingRequired {
                    name: name.to_owned(),
                    message: message.to_owned()
                }
            );
            assert_eq!(&input[error.range], &input[input.find('$').unwrap()..]);
        }
        assert_eq!(
            sub("ok ${FOO:?err} ${FOO?err} ${BAR?err}"),
            "ok first first "
        );
        assert_eq!(
            err("${X:?need x}").to_string(),
            "required variable `X` is missing a value: need x"
        );
        assert_eq!(
            err("${X?}").to_string(),
            "required variable `X` is missing a value"
        );
    }

    #[test]
    fn arguments_are_evaluated_even_when_unused() {
        let result = interpolate("${FOO:-${NOPE}}", &env).unwrap();
        assert_eq!(result.value, "first");
        assert_eq!(result.unset, ["NOPE"]);
        let error = err("${FOO:-${R:?boom}}");
        assert_eq!(
            error.kind,
            InterpolationErrorKind::MissingRequired {
                name: "R".into(),
                message: "boom".into()
            }
        );
        assert_eq!(error.range, 7..17);
    }

    #[test]
    fn the_first_error_in_evaluation_order_wins() {
        assert!(matches!(
            err("${R:?x} ${}").kind,
            InterpolationErrorKind::MissingRequired { .. }
        ));
        assert_eq!(
            err("${} ${R:?x}").kind,
            InterpolationErrorKind::InvalidFormat
        );
    }

    #[test]
    fn the_argument_ends_at_compose_go_closing_brace() {
        // `{}` inside an argument does not close anything: the brace after `{` is skipped.
        assert_eq!(sub("${FOO:-{}x}y}"), "first");
        assert_eq!(sub("${NOPE:-{}x}y}"), "{}x}y");
        assert_eq!(sub("${FOO-a}-${BAR:-b}-${FOO}}"), "first-b-first}");
        assert_eq!(sub("${NOPE:-{x}"), "{x");
        assert_eq!(sub("${FOO:-a}\n}"), "first\n}");
    }

    #[test]
    fn parse_keeps_the_structure() {
        let template = parse("a$$b ${X:-${Y}z} $W").unwrap();
        let Part::Variable(x) = &template.parts[1] else {
            panic!("{template:?}")
        };
        assert_eq!(template.parts[0], Part::Literal("a$b ".into()));
        assert_eq!(
            (x.name.as_str(), x.operator, x.range.clone()),
            ("X", Some(Operator::DefaultIfUnsetOrEmpty), 5..16)
        );
        let argument = x.argument.as_ref().unwrap();
        assert_eq!(
            argument.parts,
            [
                Part::Variable(Variable {
                    name: "Y".into(),
                    operator: None,
                    argument: None,
                    range: 10..14
                }),
                Part::Literal("z".into())
            ]
        );
        assert_eq!(template.parts[2], Part::Literal(" ".into()));
        assert_eq!(
            template.parts[3],
            Part::Variable(Variable {
                name: "W".into(),
                operator: None,
                argument: None,
                range: 17..19
            })
        );
        assert_eq!(parse("").unwrap().parts, []);
        for (input, operator) in [
            ("${A:-x}", Operator::DefaultIfUnsetOrEmpty),
            ("${A-x}", Operator::DefaultIfUnset),
            ("${A:?x}", Operator::RequiredNonEmpty),
            ("${A?x}", Operator::Required),
            ("${A:+x}", Operator::AlternativeIfNonEmpty),
            ("${A+x}", Operator::AlternativeIfSet),
        ] {
            let Part::Variable(variable) = &parse(input).unwrap().parts[0] else {
                panic!()
            };
            assert_eq!(variable.operator, Some(operator));
            assert_eq!(
                variable.argument,
                Some(Template {
                    parts: vec![Part::Literal("x".into())]
                })
            );
        }
    }
}
