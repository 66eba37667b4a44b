//! Dotenv files (the project `.env`, `env_file`, `label_file`) with the exact rules of
//! compose-go v2.9.1 (`dotenv/parser.go`), quirks included:
//!
//! - a statement is `KEY=value`, `KEY: value` or a bare `KEY` on its own line, optionally after
//!   `export `; keys are letters, digits, `_`, `.`, `-`, `[` and `]`;
//! - a bare `KEY` takes its value from the environment, and is dropped when the environment has
//!   none; a last line without `=` and without a trailing newline is not a bare key but the
//!   value of the key `""` (compose-go keeps it, `docker compose config` shows it);
//! - unquoted values end at the newline, lose a ` #` comment (a space is needed before the
//!   `#`) and trailing whitespace, and are interpolated;
//! - single-quoted values are literal except that `\'` is a quote;
//! - double-quoted values may span lines, understand `\a \b \f \n \r \t \v \\ \" \$` and
//!   `\0NNN` octal escapes, and are interpolated;
//! - text after a closing quote is parsed as the next statement.
//!
//! Interpolation looks a name up in the surrounding environment first and only then among the
//! variables defined earlier in the same file.

use std::borrow::Cow;
use std::ops::Range;

use indexmap::IndexMap;

use super::interpolate;

/// A parsed dotenv file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dotenv {
    /// The variables in file order; a key defined twice keeps its first position and last value.
    pub vars: IndexMap<String, String>,
    /// Variables interpolated in values while unset (compose-go warns about each), each once.
    pub unset: Vec<String>,
    /// The values that interpolation changed, as written (`MODELS=${PWD}/models`): where a value
    /// came from, for the variables of the shell it names.
    pub templates: IndexMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DotenvError {
    /// 1-based line of the problem (compose-go sometimes reports a later line, for example
    /// the end of the file for an unterminated quote).
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte range of the problem in the text given to [`parse`].
    pub range: Range<usize>,
    pub message: String,
}

/// Parses a dotenv file with compose-go's rules. `lookup` resolves `${VAR}` in values and bare
/// `VAR` lines from the surrounding environment. Returns the variables in file order.
///
/// The caller chooses the surrounding environment as Docker Compose does: for the project
/// `.env`, the process environment; for a service `env_file`, the project environment, then
/// the service's `environment:`, then the files listed before this one.
pub fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Dotenv, DotenvError> {
    parse_with_templates(text, lookup, &|_| None)
}

/// [`parse`], for a file whose templates matter (the project's env files). A template is
/// written out as the variables it names were at its line, whatever a later line sets them
/// to: a variable of the file or of an earlier one as its own template, or else its value;
/// only a variable of the process environment is kept by name (`${PWD}`). `outer_template`
/// writes out a variable `lookup` finds, or gives `None` for one of the process environment.
pub fn parse_with_templates<'a>(
    text: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    outer_template: &'a dyn Fn(&str) -> Option<Cow<'a, str>>,
) -> Result<Dotenv, DotenvError> {
    let start = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let mut parser = Parser {
        text,
        position: start,
        lookup,
        outer_template,
        dotenv: Dotenv::default(),
    };
    while parser.statement()? {}
    Ok(parser.dotenv)
}

struct Parser<'a> {
    text: &'a str,
    position: usize,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    outer_template: &'a dyn Fn(&str) -> Option<Cow<'a, str>>,
    dotenv: Dotenv,
}

impl Parser<'_> {
    /// Parses one statement; false at the end of the text.
    fn statement(&mut self) -> Result<bool, DotenvError> {
        loop {
            let rest = &self.text[self.position..];
            let Some(skip) = rest.find(|c: char| !c.is_whitespace()) else {
                return Ok(false);
            };
            self.position += skip;
            if !self.text[self.position..].starts_with('#') {
                break;
            }
            match self.text[self.position..].find('\n') {
                Some(end) => self.position += end,
                None => return Ok(false),
            }
        }

        let statement = self.position;
        let mut key_start = statement;
        // Go's `^export\s+`, where `\s` is `[\t\n\f\r ]`.
        if let Some(after) = self.text[statement..].strip_prefix("export") {
            if after.starts_with([' ', '\t', '\n', '\r', '\u{c}']) {
                key_start = self.text.len() - after.trim_start_matches(is_space).len();
            }
        }
        let src = &self.text[key_start..];
        if src.is_empty() {
            return Err(self.error(
                statement,
                statement + "export".len(),
                "expected a variable name after `export`".to_owned(),
            ));
        }

        let mut terminator = None;
        for (index, c) in src.char_indices() {
            if is_space(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    terminator = Some((index, c));
                    break;
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if c.is_alphanumeric() => {}
                c => {
                    let at = key_start + index;
                    let line = src.split('\n').next().unwrap_or_default();
                    return Err(self.error(
                        at,
                        at + c.len_utf8(),
                        format!("unexpected character {c:?} in variable name {line:?}; names may contain letters, digits, `_`, `.`, `-`, `[` and `]`"),
                    ));
                }
            }
        }
        // compose-go leaves the key empty when the text ends before `=`, `:` or a newline, and
        // then reads the whole line as a value.
        let (key, value_start, inherited) = match terminator {
            Some((index, c)) => (&src[..index], key_start + index + 1, c == '\n'),
            None => ("", key_start, false),
        };
        let key = key.trim_end_matches(char::is_whitespace);
        if key.contains(' ') {
            return Err(self.error(
                key_start,
                key_start + key.len(),
                format!("variable name {key:?} contains a space; remove it or use `_`"),
            ));
        }
        let value_start =
            self.text.len() - self.text[value_start..].trim_start_matches(is_space).len();
        self.position = value_start;

        if inherited {
            if let Some(value) = (self.lookup)(key) {
                match (self.outer_template)(key) {
                    Some(template) => self
                        .dotenv
                        .templates
                        .insert(key.to_owned(), template.into_owned()),
                    None => self.dotenv.templates.shift_remove(key),
                };
                self.dotenv.vars.insert(key.to_owned(), value);
            }
            return Ok(true);
        }
        let (value, template) = self.value()?;
        match template {
            Some(template) => self.dotenv.templates.insert(key.to_owned(), template),
            None => self.dotenv.templates.shift_remove(key),
        };
        self.dotenv.vars.insert(key.to_owned(), value);
        Ok(true)
    }

    /// Reads the value at the current position and moves past it, with the text it was
    /// interpolated from when interpolation changed it.
    fn value(&mut self) -> Result<(String, Option<String>), DotenvError> {
        let start = self.position;
        let src = &self.text[start..];
        let Some(&quote @ (b'"' | b'\'')) = src.as_bytes().first() else {
            let line_end = src.find('\n');
            self.position = line_end.map_or(self.text.len(), |end| start + end + 1);
            let line = &src[..line_end.unwrap_or(src.len())];
            let value = line.split(" #").next().unwrap_or_default();
            let value = value.trim_end_matches(char::is_whitespace);
            return self.expand(value, start);
        };

        let mut chars = Vec::new();
        let mut escaped = false;
        for (index, &byte) in src.as_bytes().iter().enumerate().skip(1) {
            if byte != quote {
                if !escaped && byte == b'\\' {
                    escaped = true;
                    continue;
                }
                if escaped {
                    escaped = false;
                    chars.push(b'\\');
                }
                chars.push(byte);
                continue;
            }
            if escaped {
                escaped = false;
                chars.push(byte);
                continue;
            }
            self.position = start + index + 1;
            // Only ASCII backslashes were dropped, so the bytes are still UTF-8.
            let value = String::from_utf8(chars).expect("a quoted value is a part of a string");
            if quote == b'\'' {
                return Ok((value, None));
            }
            return self.expand(&expand_escapes(&value), start);
        }
        let line = src.split('\n').next().unwrap_or_default();
        Err(self.error(
            start,
            start + line.len(),
            format!(
                "unterminated quoted value `{line}`; add the closing {}",
                char::from(quote)
            ),
        ))
    }

    /// Interpolates a value: the surrounding environment first, then this file. The text is
    /// returned too when interpolation changed it.
    fn expand(
        &mut self,
        value: &str,
        start: usize,
    ) -> Result<(String, Option<String>), DotenvError> {
        let lookup = self.lookup;
        let vars = &self.dotenv.vars;
        let interpolated = interpolate::interpolate(value, &|name| {
            lookup(name).or_else(|| vars.get(name).cloned())
        })
        .map_err(|error| self.error(start, start + value.len(), error.to_string()))?;
        for name in interpolated.unset {
            if !self.dotenv.unset.contains(&name) {
                self.dotenv.unset.push(name);
            }
        }
        // Written out now, as the variables it names are at this line.
        let template = (interpolated.value != value).then(|| {
            let Dotenv {
                vars, templates, ..
            } = &self.dotenv;
            let outer = self.outer_template;
            let template_of = |name: &str| {
                if lookup(name).is_some() {
                    outer(name)
                } else if let Some(template) = templates.get(name) {
                    Some(Cow::Borrowed(template.as_str()))
                } else {
                    vars.get(name).map(|v| as_written(v))
                }
            };
            super::substitute::written_out(value, &template_of, 1).into_owned()
        });
        Ok((interpolated.value, template))
    }

    fn error(&self, start: usize, end: usize, message: String) -> DotenvError {
        let before = &self.text[..start];
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        DotenvError {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            range: start..end,
            message,
        }
    }
}

/// compose-go's `isSpace`: whitespace except the line breaks that end a statement.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

/// Expands the escapes of a double-quoted value as compose-go's `expandEscapes` does. `\$`
/// becomes `$$` so that interpolation then yields a literal `$`.
fn expand_escapes(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(backslash) = rest.find('\\') {
        out.push_str(&rest[..backslash]);
        rest = &rest[backslash..];
        let Some(next) = rest[1..].chars().next() else {
            break;
        };
        let (replacement, consumed): (String, usize) = match next {
            'a' => ("\u{7}".into(), 2),
            'b' => ("\u{8}".into(), 2),
            'f' => ("\u{c}".into(), 2),
            'n' => ("\n".into(), 2),
            'r' => ("\r".into(), 2),
            't' => ("\t".into(), 2),
            'v' => ("\u{b}".into(), 2),
            '\\' => ("\\".into(), 2),
            '"' => ("\"".into(), 2),
            '$' => ("$$".into(), 2),
            '0' => {
                let digits = rest[2..]
                    .bytes()
                    .take(3)
                    .take_while(u8::is_ascii_digit)
                    .count();
                (octal(&rest[2..2 + digits]), 2 + digits)
            }
            // `\c` is in compose-go's escape pattern, but Go cannot unquote it, so it stays.
            _ => {
                out.push('\\');
                rest = &rest[1..];
                continue;
            }
        };
        out.push_str(&replacement);
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out
}

/// `\0NNN`: exactly three octal digits up to 255 give that character; anything else keeps the
/// digits and loses the `0` (compose-go rewrites `\0` to `\` before trying to unquote).
fn octal(digits: &str) -> String {
    match u8::from_str_radix(digits, 8) {
        Ok(code) if digits.len() == 3 => char::from(code).to_string(),
        _ => format!("\\{digits}"),
    }
}

/// `value` as template text: a `$` in it is a literal, written `$$`.
#[must_use]
pub fn as_written(value: &str) -> Cow<'_, str> {
    if value.contains('$') {
        Cow::Owned(value.replace('$', "$$"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_interpolation_changed_keep_their_text() {
        let pwd = |k: &str| (k == "PWD").then(|| "/work/app".to_owned());
        let parsed = parse(
            "A=${PWD}/x\nB='${PWD}'\nC=plain\nD=\"$A/y\"\nA=again\n",
            &pwd,
        )
        .unwrap();
        assert_eq!(parsed.vars["D"], "/work/app/x/y");
        let templates: Vec<(&str, &str)> = parsed
            .templates
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(templates, [("D", "${PWD}/x/y")]);
    }

    #[test]
    fn templates_are_written_out_as_their_variables_were_at_their_line() {
        let env = |k: &str| (k == "PWD" || k == "HOME").then(|| format!("/{k}"));
        let parsed = parse(
            "A=${PWD}/x\nB=$A/y\nA=/fixed\nC=$A/z\nA=${PWD}\nD=$HOME\nE='p$w'\nF=${E}x\n",
            &env,
        )
        .unwrap();
        let templates: Vec<(&str, &str)> = parsed
            .templates
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            templates,
            [
                ("B", "${PWD}/x/y"),
                ("C", "/fixed/z"),
                ("A", "${PWD}"),
                ("D", "$HOME"),
                ("F", "p$$wx"),
            ]
        );
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn vars(text: &str) -> Vec<(String, String)> {
        parse(text, &no_env).unwrap().vars.into_iter().collect()
    }

    fn one(line: &str) -> String {
        let parsed = vars(line);
        assert_eq!(parsed.len(), 1, "{line:?} gave {parsed:?}");
        parsed.into_iter().next().unwrap().1
    }

    fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
        expected
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    #[test]
    fn plain_file() {
        let text = "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n";
        let expected = pairs(&[
            ("OPTION_A", "1"),
            ("OPTION_B", "2"),
            ("OPTION_C", "3"),
            ("OPTION_D", "4"),
            ("OPTION_E", "5"),
            ("456", "ABC"),
            ("OPTION_F", ""),
            ("OPTION_G", ""),
            ("OPTION_H", "my string"),
        ]);
        assert_eq!(vars(text), expected);
        assert_eq!(vars(&format!("\u{feff}{text}")), expected);
    }

    #[test]
    fn quoted_values() {
        let text = "OPTION_A='1'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\" # Inline comment\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\nOPTION_K='Let\\'s go!'\nOPTION_Z = \"last value\"\n";
        assert_eq!(
            vars(text),
            pairs(&[
                ("OPTION_A", "1"),
                ("OPTION_C", ""),
                ("OPTION_D", "\\n"),
                ("OPTION_E", "1"),
                ("OPTION_G", ""),
                ("OPTION_H", "\n"),
                ("OPTION_I", "echo 'asd'"),
                ("OPTION_J", "first line\nsecond line\nthird line\nand so on"),
                ("OPTION_K", "Let's go!"),
                ("OPTION_Z", "last value"),
            ])
        );
    }

    #[test]
    fn statement_forms() {
        assert_eq!(one("FOO =bar"), "bar");
        assert_eq!(one("OPTION_A: 1"), "1");
        assert_eq!(one("OPTION_A: Foo=bar"), "Foo=bar");
        assert_eq!(one("OPTION_A=1:B"), "1:B");
        assert_eq!(
            vars("export OPTION_A=2\nexport\tB=3\n  export C=4"),
            pairs(&[("OPTION_A", "2"), ("B", "3"), ("C", "4")])
        );
        assert_eq!(
            vars("export exportFoo=2\nexportFOO=2\nexport_FOO =2\nexport.FOO= 2"),
            pairs(&[
                ("exportFoo", "2"),
                ("exportFOO", "2"),
                ("export_FOO", "2"),
                ("export.FOO", "2")
            ])
        );
        assert_eq!(one(r#"export OPTION_A="export A""#), "export A");
        assert_eq!(
            vars("VAR.WITH.DOTS=dots\nVAR-WITH-DASHES=dashes\nA[0]=x\n\u{e9}=u"),
            pairs(&[
                ("VAR.WITH.DOTS", "dots"),
                ("VAR-WITH-DASHES", "dashes"),
                ("A[0]", "x"),
                ("\u{e9}", "u")
            ])
        );
        assert_eq!(vars("=\"value\""), pairs(&[("", "value")]));
        assert_eq!(
            vars(" KEY =value\n\tK2=v\r\n"),
            pairs(&[("KEY", "value"), ("K2", "v")])
        );
    }

    #[test]
    fn ignored_lines() {
        for text in [
            "\n",
            "\r\n",
            "\t\t ",
            "# Comment",
            "\t # comment",
            "# a\n\n  # b\n",
        ] {
            assert_eq!(vars(text), [], "{text:?}");
        }
    }

    #[test]
    fn inline_comments() {
        assert_eq!(one("FOO=bar # this is foo"), "bar");
        assert_eq!(one("FOO=bar #"), "bar");
        assert_eq!(
            one("FOO=123#not-an-inline-comment"),
            "123#not-an-inline-comment"
        );
        assert_eq!(
            one("FOO=v\t#tab is not a comment start"),
            "v\t#tab is not a comment start"
        );
        assert_eq!(one("FOO= #comment"), "#comment");
        assert_eq!(one("FOO=x # y # z"), "x");
        assert_eq!(one(r##"FOO="bar#baz"#"##), "bar#baz");
        assert_eq!(one(r#"FOO="bar#baz" # comment"#), "bar#baz");
        assert_eq!(one("FOO='bar#baz' # comment"), "bar#baz");
    }

    #[test]
    fn escapes() {
        assert_eq!(one(r#"FOO="escaped\"bar""#), "escaped\"bar");
        assert_eq!(one(r#"FOO="'d'""#), "'d'");
        assert_eq!(one(r"FOO=a\tb"), r"a\tb");
        assert_eq!(one(r#"FOO="a\tb""#), "a\tb");
        assert_eq!(
            one(r#"KEY="Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\Z\0123Z""#),
            "Z\u{7}Z\u{8}Z\u{c}Z\nZ\rZ\tZ\u{b}Z\\ZSZ"
        );
        assert_eq!(one(r#"FOO="bar\n\ b\az""#), "bar\n\\ b\u{7}z");
        assert_eq!(one(r#"FOO="bar\\\n\ b\az""#), "bar\\\n\\ b\u{7}z");
        assert_eq!(one(r#"FOO="bar\nbaz\\""#), "bar\nbaz\\");
        assert_eq!(one(r#"KEY="\x07 \u12e4 \c \q""#), r"\x07 \u12e4 \c \q");
        assert_eq!(one(r#"KEY="\0101\01\0\0777\0089""#), r"A\1\\777\089");
        assert_eq!(one(r#"KEY="\0377""#), "\u{ff}");
    }

    #[test]
    fn expansion() {
        assert_eq!(
            vars("FOO=test\nBAR=$FOO\nBAZ=${FOO}bar\nQ=\"quote $FOO\"\nS='quote $FOO'"),
            pairs(&[
                ("FOO", "test"),
                ("BAR", "test"),
                ("BAZ", "testbar"),
                ("Q", "quote test"),
                ("S", "quote $FOO")
            ])
        );
        assert_eq!(one(r#"FOO="foo\$BAR""#), "foo$BAR");
        assert_eq!(one(r#"FOO="foo\${BAR}""#), "foo${BAR}");
        assert_eq!(one(r"FOO=\$BAR"), "\\");
        assert_eq!(one("FOO=$$BAR"), "$BAR");
        let parsed = parse("B=$UNSET_ONE\nC=${UNSET_ONE}${X:-$UNSET_TWO}", &no_env).unwrap();
        assert_eq!(parsed.unset, ["UNSET_ONE", "UNSET_TWO"]);
    }

    #[test]
    fn the_environment_wins_over_earlier_lines() {
        let text = "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n";
        let env = |name: &str| (name == "OPTION_A").then(|| "5".to_owned());
        let parsed = parse(text, &env).unwrap();
        assert_eq!(
            parsed.vars.into_iter().collect::<Vec<_>>(),
            pairs(&[
                ("OPTION_A", "1"),
                ("OPTION_B", "5"),
                ("OPTION_C", "5"),
                ("OPTION_D", "5_5"),
                ("OPTION_E", "")
            ])
        );
        let defaults = parse("OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}", &no_env).unwrap();
        assert_eq!(defaults.vars["OPTION_B"], "1");
    }

    #[test]
    fn bare_keys_come_from_the_environment() {
        let env = |name: &str| (name == "FROM_ENV").then(|| "env value".to_owned());
        let parsed = parse("foo=bar\nFROM_ENV\nNOT_FOUND\nbar=baz\n", &env).unwrap();
        assert_eq!(
            parsed.vars.into_iter().collect::<Vec<_>>(),
            pairs(&[("foo", "bar"), ("FROM_ENV", "env value"), ("bar", "baz")])
        );
        // Without a final newline the last word is the value of the empty key.
        assert_eq!(
            vars("A=1\nlastbare"),
            pairs(&[("A", "1"), ("", "lastbare")])
        );
        // Text after a closing quote starts the next statement.
        assert_eq!(
            vars("H=\"quoted\"junk\nI=1"),
            pairs(&[("H", "quoted"), ("I", "1")])
        );
        assert_eq!(vars("export\nJ=1"), pairs(&[("J", "1")]));
    }

    #[test]
    fn errors() {
        let error = parse(
            "# c\nfoo=\"\n  a\n  multine\n\"\nINVALID LINE\nzot=qix",
            &no_env,
        )
        .unwrap_err();
        assert_eq!((error.line, error.column), (6, 1));
        assert_eq!(
            error.to_string(),
            "line 6: variable name \"INVALID LINE\" contains a space; remove it or use `_`"
        );
        let error = parse("A=1\nlol$wut", &no_env).unwrap_err();
        assert_eq!(
            (error.line, error.column, error.range.clone()),
            (2, 4, 7..8)
        );
        assert!(
            error
                .message
                .starts_with("unexpected character '$' in variable name \"lol$wut\"")
        );
        for text in [
            r#"KEY=""#,
            r#"KEY="value"#,
            r#"KEY="value\""#,
            r#"KEY="value'"#,
            "KEY='",
            "KEY='value",
            r"KEY='value\'",
            r#"KEY='value""#,
        ] {
            let error = parse(text, &no_env).unwrap_err();
            assert!(
                error.message.starts_with("unterminated quoted value"),
                "{text:?}"
            );
            assert_eq!((error.line, error.column), (1, 5));
        }
        let error = parse("A=1\nB=x${BAD\n", &no_env).unwrap_err();
        assert_eq!((error.line, error.column), (2, 3));
        assert!(error.message.starts_with("invalid interpolation format"));
        let error = parse("A=\"${R:?need r}\"", &no_env).unwrap_err();
        assert_eq!(
            error.message,
            "required variable `R` is missing a value: need r"
        );
        assert_eq!(parse("export\t", &no_env).unwrap_err().column, 1);
    }
}
