//! Validation of one compose file against the compose specification's JSON schema.
//!
//! Docker Compose validates every file, after interpolation, against `compose-spec.json` and
//! reports the single most specific error. stackc reports every error, each once, in document
//! order, as a located diagnostic. The schema describes most keys as a `oneOf` of a short and a
//! long syntax; a raw validator reports such failures as one error per alternative, so
//! [`validate`] keeps only the alternative the value was evidently written in (see [`reduce`]).

use std::cmp::Ordering;
use std::sync::{LazyLock, Once};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::types::{JsonType, JsonTypeSet};
use jsonschema::{Draft, ValidationError};
use serde_json::Value;

use crate::diagnostics::{Code, Diagnostic};
use crate::frontend::node::{Node, Value as NodeValue};
use crate::source::Span;

mod instance;

/// The compose schema without its `description` texts (`schemas/compose-spec.validation.json`,
/// see `schemas/SOURCES.md`): they validate nothing, and are most of its bytes and a third of
/// its strings, each read on every run and walked by the validator's compiler.
static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../schemas/compose-spec.validation.json"))
        .expect("the bundled compose schema is valid JSON")
});

/// The full validator, built at run time from [`SCHEMA`] (about two milliseconds): it names every
/// error, which the diagnostics need, and checks the documents too large to copy for
/// [`Precompiled`].
static VALIDATOR: LazyLock<jsonschema::Validator<instance::Tree>> = LazyLock::new(|| {
    jsonschema::options_for::<instance::Tree>()
        .with_draft(Draft::Draft7)
        .build(&SCHEMA)
        .expect("the bundled compose schema is a valid draft-07 schema")
});

/// The same schema turned into Rust code when stackc is compiled (`jsonschema`'s `validator`
/// macro): it only answers whether a document is valid, and it reads `serde_json` values, not
/// the tree, but it costs nothing to start. A valid file, the usual case, needs no more; an
/// invalid one is checked again by [`VALIDATOR`] for its errors. Its copy of the schema has no
/// key pattern with a `.`, which is costly to compile (`schemas/SOURCES.md`).
#[jsonschema::validator(
    path = "schemas/compose-spec.precompiled.json",
    draft = Draft7,
    methods = { is_valid = true, validate = false, iter_errors = false }
)]
struct Precompiled;

/// From this size on, a compose file is checked by [`VALIDATOR`] alone, built in the background
/// while the file is parsed: copying a large tree into a `serde_json` value for [`Precompiled`]
/// takes longer than the build. Measured break-even: about 200 KB (200 generated services).
const BACKGROUND_FROM_BYTES: usize = 128 * 1024;

static BACKGROUND: Once = Once::new();

/// The most nodes a document is copied for [`Precompiled`]: about what a 128 KiB file holds.
/// Aliases can make a small file's tree far larger, up to the parser's node budget; such a tree
/// is checked in place by [`VALIDATOR`] instead of copied.
const PRECOMPILED_MAX_NODES: usize = 8_000;

/// Called with the size of each compose file as it is read. For a large file, starts building
/// [`VALIDATOR`] on another thread, so that the build overlaps parsing instead of adding to it;
/// [`validate`] waits for it. Later calls do nothing, so that no second thread blocks on the
/// first one's build.
pub fn prepare_for(file_bytes: usize) {
    if file_bytes >= BACKGROUND_FROM_BYTES {
        BACKGROUND.call_once(|| {
            crate::parallel::ahead(|| {
                LazyLock::force(&VALIDATOR);
            });
        });
    }
}

/// Validates one compose file's content. `span_of` maps a JSON pointer (e.g.
/// `/services/web/ports/0`) to the span of that node in the source, or of its key when the flag
/// is true (unknown-key errors point at the key).
#[must_use]
pub fn validate(document: &Node, span_of: &dyn Fn(&str, bool) -> Option<Span>) -> Vec<Diagnostic> {
    let valid = if !BACKGROUND.is_completed() && has_at_most(document, PRECOMPILED_MAX_NODES) {
        Precompiled::is_valid(&document.to_json())
    } else {
        VALIDATOR.is_valid(document)
    };
    if valid {
        return Vec::new();
    }
    let mut issues: Vec<Issue> = VALIDATOR
        .iter_errors(document)
        .flat_map(|error| reduce(&error))
        .collect();
    issues.sort_by(|a, b| compare_pointers(&a.pointer, &b.pointer));
    issues.dedup_by(|a, b| a.pointer == b.pointer && a.problem == b.problem);
    let mut located: Vec<(Option<u32>, Diagnostic)> = issues
        .into_iter()
        .map(|issue| {
            let diagnostic = describe(&issue, document, span_of);
            (diagnostic.primary_span().map(|s| s.start), diagnostic)
        })
        .collect();
    // The sort is stable, so issues without a span keep pointer order after the located ones.
    located.sort_by_key(|(start, _)| start.unwrap_or(u32::MAX));
    located.into_iter().map(|(_, d)| d).collect()
}

/// Whether the tree has at most `limit` nodes, counting no further than that.
fn has_at_most(node: &Node, mut limit: usize) -> bool {
    fn count_down(node: &Node, left: &mut usize) -> bool {
        let Some(rest) = left.checked_sub(1) else {
            return false;
        };
        *left = rest;
        match &node.value {
            NodeValue::Seq(items) => items.iter().all(|item| count_down(item, left)),
            NodeValue::Map(map) => map.values().all(|entry| count_down(&entry.node, left)),
            _ => true,
        }
    }
    count_down(node, &mut limit)
}

/// One schema violation at one node, after `oneOf`/`anyOf` reduction.
#[derive(Debug, Clone, PartialEq)]
struct Issue {
    pointer: String,
    problem: Problem,
}

#[derive(Debug, Clone, PartialEq)]
enum Problem {
    /// `key` is not allowed in the mapping at the issue's pointer, whose schema is at `schema_at`.
    UnknownKey {
        key: String,
        schema_at: String,
    },
    WrongType {
        expected: JsonTypeSet,
    },
    NotInEnum {
        options: Vec<Value>,
    },
    NotConst {
        expected: Value,
    },
    Pattern {
        pattern: String,
    },
    Below {
        limit: Value,
        exclusive: bool,
    },
    Above {
        limit: Value,
        exclusive: bool,
    },
    MissingKey {
        key: String,
    },
    DuplicateItems,
    Ambiguous,
    Other {
        message: String,
    },
}

/// Turns one validator error into the issues worth reporting. For `oneOf`/`anyOf`, an
/// alternative whose type does not match the value (the short string syntax when a mapping was
/// written) says nothing useful; among the alternatives the value has the right type for, the
/// one with the deepest error is the one the author meant. When no alternative has the right
/// type, the single useful message is the list of types that would have been accepted.
fn reduce(error: &ValidationError<'_>) -> Vec<Issue> {
    let pointer = error.instance_path().as_str().to_owned();
    let problem = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            return reduce_alternatives(&pointer, context);
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let schema_path = error.schema_path().as_str();
            let schema_at = schema_path
                .strip_suffix("/additionalProperties")
                .unwrap_or(schema_path);
            return unexpected
                .iter()
                .map(|key| Issue {
                    pointer: pointer.clone(),
                    problem: Problem::UnknownKey {
                        key: key.clone(),
                        schema_at: schema_at.to_owned(),
                    },
                })
                .collect();
        }
        ValidationErrorKind::Type { kind } => Problem::WrongType {
            expected: match kind {
                TypeKind::Single(ty) => JsonTypeSet::from(*ty),
                TypeKind::Multiple(set) => *set,
            },
        },
        ValidationErrorKind::Enum { options } => Problem::NotInEnum {
            options: options.as_array().cloned().unwrap_or_default(),
        },
        ValidationErrorKind::Constant { expected_value } => Problem::NotConst {
            expected: (**expected_value).clone(),
        },
        ValidationErrorKind::Pattern { pattern } => Problem::Pattern {
            pattern: pattern.clone(),
        },
        ValidationErrorKind::Minimum { limit } => Problem::Below {
            limit: limit.clone(),
            exclusive: false,
        },
        ValidationErrorKind::ExclusiveMinimum { limit } => Problem::Below {
            limit: limit.clone(),
            exclusive: true,
        },
        ValidationErrorKind::Maximum { limit } => Problem::Above {
            limit: limit.clone(),
            exclusive: false,
        },
        ValidationErrorKind::ExclusiveMaximum { limit } => Problem::Above {
            limit: limit.clone(),
            exclusive: true,
        },
        ValidationErrorKind::Required { property } => Problem::MissingKey {
            key: property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned),
        },
        ValidationErrorKind::UniqueItems => Problem::DuplicateItems,
        ValidationErrorKind::OneOfMultipleValid { .. } => Problem::Ambiguous,
        _ => Problem::Other {
            message: error.to_string(),
        },
    };
    vec![Issue { pointer, problem }]
}

fn reduce_alternatives(pointer: &str, context: &[Vec<ValidationError<'static>>]) -> Vec<Issue> {
    let alternatives: Vec<Vec<Issue>> = context
        .iter()
        .map(|branch| branch.iter().flat_map(reduce).collect())
        .collect();
    let wrong_type_here = |issue: &Issue| {
        issue.pointer == pointer && matches!(issue.problem, Problem::WrongType { .. })
    };
    let best = alternatives
        .iter()
        .filter(|issues| !issues.is_empty() && !issues.iter().any(wrong_type_here))
        .fold(None::<&Vec<Issue>>, |best, issues| match best {
            Some(best) if specificity(best) >= specificity(issues) => Some(best),
            _ => Some(issues),
        });
    if let Some(best) = best {
        return best.clone();
    }
    let expected = alternatives
        .iter()
        .flatten()
        .filter(|issue| issue.pointer == pointer)
        .fold(JsonTypeSet::empty(), |set, issue| match &issue.problem {
            Problem::WrongType { expected } => set.union(*expected),
            _ => set,
        });
    vec![Issue {
        pointer: pointer.to_owned(),
        problem: Problem::WrongType { expected },
    }]
}

/// How deep into the value an alternative's errors reach; an unknown key counts one deeper than
/// its mapping because it names a child, as in compose-go.
fn specificity(issues: &[Issue]) -> usize {
    issues
        .iter()
        .map(|issue| {
            let depth = issue.pointer.matches('/').count();
            depth + usize::from(matches!(issue.problem, Problem::UnknownKey { .. }))
        })
        .max()
        .unwrap_or(0)
}

fn describe(
    issue: &Issue,
    document: &Node,
    span_of: &dyn Fn(&str, bool) -> Option<Span>,
) -> Diagnostic {
    let pointer = issue.pointer.as_str();
    let path = display_path(pointer);
    let node = span_of(pointer, false);
    let value = node_at(document, pointer).map(Node::to_json);
    let value = value.as_ref();
    match &issue.problem {
        Problem::UnknownKey { key, schema_at } => {
            describe_unknown_key(pointer, key, schema_at, span_of)
        }
        Problem::WrongType { expected } => {
            let actual = value.map_or("missing", type_phrase);
            Diagnostic::error(
                Code::SchemaWrongType,
                format!(
                    "{path} must be {}, not {actual}",
                    expected_phrase(*expected)
                ),
            )
            .with_label(node, format!("this is {actual}"))
        }
        Problem::NotInEnum { options } => {
            let shown = value.map_or_else(String::new, show_value);
            let allowed: Vec<String> = options.iter().map(show_value).collect();
            let mut diagnostic = Diagnostic::error(
                Code::SchemaValueNotAllowed,
                format!("{path} must be {}, not {shown}", one_of(&allowed)),
            )
            .with_label(node, "not an allowed value");
            let candidates = options.iter().filter_map(Value::as_str);
            if let Some(close) = value
                .and_then(Value::as_str)
                .and_then(|v| closest(v, candidates))
            {
                diagnostic = diagnostic.with_help(format!("did you mean `{close}`?"));
            }
            diagnostic
        }
        Problem::NotConst { expected } => Diagnostic::error(
            Code::SchemaValueNotAllowed,
            format!(
                "{path} must be {}, not {}",
                show_value(expected),
                value.map_or_else(String::new, show_value)
            ),
        )
        .with_label(node, "not the allowed value"),
        Problem::Pattern { pattern } => Diagnostic::error(
            Code::SchemaPatternMismatch,
            format!(
                "{path} is {}, which does not match the pattern `{pattern}`",
                value.map_or_else(String::new, show_value)
            ),
        )
        .with_label(node, "does not match")
        .with_help(pattern_help(pattern)),
        Problem::Below { limit, exclusive } => Diagnostic::error(
            Code::SchemaOutOfRange,
            format!(
                "{path} must be {} {limit}, not {}",
                if *exclusive {
                    "greater than"
                } else {
                    "at least"
                },
                value.map_or_else(String::new, Value::to_string)
            ),
        )
        .with_label(node, "too small"),
        Problem::Above { limit, exclusive } => Diagnostic::error(
            Code::SchemaOutOfRange,
            format!(
                "{path} must be {} {limit}, not {}",
                if *exclusive { "less than" } else { "at most" },
                value.map_or_else(String::new, Value::to_string)
            ),
        )
        .with_label(node, "too large"),
        Problem::MissingKey { key } => Diagnostic::error(
            Code::SchemaMissingKey,
            format!("{path} is missing the required key `{key}`"),
        )
        .with_label(node, format!("add `{key}` here")),
        Problem::DuplicateItems => describe_duplicates(&path, pointer, value, node, span_of),
        Problem::Ambiguous => Diagnostic::error(
            Code::SchemaAmbiguousForm,
            format!("{path} matches more than one of the forms compose allows here"),
        )
        .with_label(node, "ambiguous"),
        Problem::Other { message } => Diagnostic::error(
            Code::SchemaViolation,
            format!("{path} is not valid: {}", lowercase_first(message)),
        )
        .with_label(node, "here"),
    }
}

fn describe_unknown_key(
    pointer: &str,
    key: &str,
    schema_at: &str,
    span_of: &dyn Fn(&str, bool) -> Option<Span>,
) -> Diagnostic {
    let key_pointer = format!("{pointer}/{}", escape_segment(key));
    let key_span = span_of(&key_pointer, true);
    let schema = SCHEMA.pointer(schema_at);
    let known: Vec<&str> = schema
        .and_then(|s| s.get("properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let patterns: Vec<&str> = schema
        .and_then(|s| s.get("patternProperties"))
        .and_then(Value::as_object)
        .map(|patterns| patterns.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let extensions_allowed = patterns.contains(&"^x-");
    let name_patterns: Vec<&str> = patterns.into_iter().filter(|p| *p != "^x-").collect();

    // A mapping of user-chosen names (services, networks…) rejects a key only for its spelling.
    if known.is_empty() && !name_patterns.is_empty() {
        let what = match pointer {
            "/services" => "service",
            "/networks" => "network",
            "/volumes" => "volume",
            "/configs" => "config",
            "/secrets" => "secret",
            "/models" => "model",
            _ => "key",
        };
        let help = if name_patterns == ["^[a-zA-Z0-9._-]+$"] {
            "names may contain only letters, digits, `.`, `_` and `-`".to_owned()
        } else {
            format!("names must match `{}`", name_patterns.join("` or `"))
        };
        return Diagnostic::error(
            Code::SchemaInvalidName,
            format!("`{key}` is not a valid {what} name"),
        )
        .with_label(key_span, "invalid name")
        .with_help(help);
    }

    let owner = if pointer.is_empty() {
        "the top level".to_owned()
    } else {
        display_path(pointer)
    };
    let diagnostic = Diagnostic::error(
        Code::SchemaUnknownKey,
        format!("{owner} has an unknown key `{key}`"),
    )
    .with_label(key_span, "unknown key");
    if let Some(close) = closest(key, known.iter().copied()) {
        diagnostic.with_help(format!("did you mean `{close}`?"))
    } else if extensions_allowed {
        diagnostic.with_help(
            "remove it, or rename it to start with `x-` to keep it as an extension field",
        )
    } else {
        diagnostic.with_help("remove it")
    }
}

fn describe_duplicates(
    path: &str,
    pointer: &str,
    value: Option<&Value>,
    node: Option<Span>,
    span_of: &dyn Fn(&str, bool) -> Option<Span>,
) -> Diagnostic {
    let items = value
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let duplicate = items.iter().enumerate().find_map(|(later, item)| {
        items[..later]
            .iter()
            .position(|earlier| earlier == item)
            .map(|first| (first, later, item))
    });
    let Some((first, later, item)) = duplicate else {
        return Diagnostic::error(
            Code::SchemaDuplicateItem,
            format!("{path} holds the same item twice"),
        )
        .with_label(node, "duplicate items");
    };
    Diagnostic::error(
        Code::SchemaDuplicateItem,
        format!("{path} holds {} twice", show_value(item)),
    )
    .with_label(span_of(&format!("{pointer}/{later}"), false), "duplicate")
    .with_label(span_of(&format!("{pointer}/{first}"), false), "first here")
    .with_help("remove the duplicate")
}

/// The node at a JSON pointer the validator reported.
fn node_at<'a>(root: &'a Node, pointer: &str) -> Option<&'a Node> {
    pointer
        .split('/')
        .skip(1)
        .try_fold(root, |node, segment| match &node.value {
            NodeValue::Map(map) => map.get(&unescape_segment(segment)).map(|e| &e.node),
            NodeValue::Seq(items) => items.get(segment.parse::<usize>().ok()?),
            _ => None,
        })
}

/// `/services/web/ports/0` → `` `services.web.ports.0` ``, the dotted form Docker Compose prints.
fn display_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the file".to_owned();
    }
    let dotted: Vec<String> = pointer[1..].split('/').map(unescape_segment).collect();
    format!("`{}`", dotted.join("."))
}

fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Orders pointers segment by segment, list indices numerically, so that `…/2` precedes `…/10`.
fn compare_pointers(a: &str, b: &str) -> Ordering {
    let segments = |p: &str| {
        p.split('/')
            .map(|s| (s.parse::<u64>().ok(), s.to_owned()))
            .collect::<Vec<_>>()
    };
    segments(a).cmp(&segments(b))
}

const TYPE_ORDER: [(JsonType, &str); 7] = [
    (JsonType::Object, "a mapping"),
    (JsonType::Array, "a list"),
    (JsonType::String, "a string"),
    (JsonType::Integer, "an integer"),
    (JsonType::Number, "a number"),
    (JsonType::Boolean, "a boolean"),
    (JsonType::Null, "null"),
];

fn expected_phrase(expected: JsonTypeSet) -> String {
    let names: Vec<String> = TYPE_ORDER
        .iter()
        .filter(|(ty, _)| expected.contains(*ty))
        // "an integer or a number" says no more than "a number".
        .filter(|(ty, _)| !(*ty == JsonType::Integer && expected.contains(JsonType::Number)))
        .map(|(_, name)| (*name).to_owned())
        .collect();
    if names.is_empty() {
        return "a different kind of value".to_owned();
    }
    or_list(&names)
}

fn type_phrase(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A value as it appears in a message: scalars in backticks, collections by their kind.
fn show_value(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Array(_) | Value::Object(_) => type_phrase(value).to_owned(),
        scalar => format!("`{scalar}`"),
    }
}

fn one_of(allowed: &[String]) -> String {
    match allowed {
        [single] => single.clone(),
        _ => format!("one of {}", or_list(allowed)),
    }
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [single] => single.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn pattern_help(pattern: &str) -> String {
    if pattern.contains("every_") {
        // pull_policy: the pattern lists the keywords, plus a refresh interval.
        "use `always`, `never`, `missing`, `build`, `if_not_present`, `refresh`, `daily`, `weekly` or `every_<interval>` such as `every_12h`".to_owned()
    } else {
        format!("write a value that matches `{pattern}`")
    }
}

fn lowercase_first(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .filter(|candidate| *candidate != word)
        .map(|candidate| {
            (
                edit_distance(&word_lower, &candidate.to_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| {
            let longest = word.chars().count().max(candidate.chars().count());
            *distance <= 2.max(longest / 3) && *distance < longest
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, counting an adjacent transposition as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::source::FileId;

    /// Every pointer of `value`, in document order.
    fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
        out.push(at.to_owned());
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    pointers(child, &format!("{at}/{}", escape_segment(key)), out);
                }
            }
            Value::Array(items) => {
                for (index, child) in items.iter().enumerate() {
                    pointers(child, &format!("{at}/{index}"), out);
                }
            }
            _ => {}
        }
    }

    /// A reported diagnostic with its labels turned back into pointers: the key span of node `i`
    /// is at offset `2i` and its value span at `2i + 1`, so spans follow document order.
    #[derive(Debug)]
    struct Report {
        code: &'static str,
        message: String,
        help: Option<String>,
        labels: Vec<String>,
    }

    fn check(document: &Value) -> Vec<Report> {
        let mut all = Vec::new();
        pointers(document, "", &mut all);
        let span_of = |pointer: &str, key: bool| {
            let index = all.iter().position(|p| p == pointer)?;
            let start = 2 * index + usize::from(!key);
            Some(Span::new(FileId(0), start, start + 1))
        };
        validate(&Node::from_json(document), &span_of)
            .into_iter()
            .map(|d| Report {
                code: d.code.id(),
                message: d.message.clone(),
                help: d.help.clone(),
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let start = l.span.start as usize;
                        let kind = if start % 2 == 0 { "key" } else { "value" };
                        format!("{kind} {}", all[start / 2])
                    })
                    .collect(),
            })
            .collect()
    }

    fn only(document: &Value) -> Report {
        let mut reports = check(document);
        assert_eq!(reports.len(), 1, "{reports:#?}");
        reports.remove(0)
    }

    /// Whether the document is valid, after checking that every verdict [`validate`] may take
    /// agrees with the errors [`VALIDATOR`] finds: [`Precompiled`]'s and [`VALIDATOR`]'s own
    /// `is_valid`, which each skip the error walk when they say valid.
    fn agreed_validity(document: &Node, what: &dyn std::fmt::Display) -> bool {
        let full = VALIDATOR.iter_errors(document).next().is_none();
        assert_eq!(
            Precompiled::is_valid(&document.to_json()),
            full,
            "the validators disagree on {what}"
        );
        assert_eq!(
            VALIDATOR.is_valid(document),
            full,
            "is_valid and iter_errors disagree on {what}"
        );
        full
    }

    /// [`Precompiled`] decides alone that a document is valid, so it must accept exactly what
    /// [`VALIDATOR`] accepts. Shown: every fixture and corpus file as parsed, and, for the first
    /// entry of each top-level mapping (a service, a network…), documents holding just that
    /// entry with one value at a time, down to its values' own entries, replaced by a value of
    /// each JSON kind, which breaks each keyword the schema uses somewhere; the entry under a
    /// name the schema refuses; and each top-level value replaced likewise.
    #[test]
    fn the_precompiled_check_accepts_exactly_what_the_validator_accepts() {
        let replacements = [
            json!(null),
            json!(true),
            json!(7),
            json!(-1),
            json!(1000),
            json!(1.5),
            json!(""),
            json!("x y"),
            json!([]),
            json!(["a", "a"]),
            json!([{}]),
            json!({}),
            json!({"x-a": 1, "b": 2}),
            json!({"": "a"}),
            json!({"\n": "a"}),
            json!({"a\nb": "a"}),
            json!({"a\nb": ["a"]}),
        ];
        let (mut valid, mut invalid) = (0, 0);
        let mut check = |document: &Value, what: &dyn std::fmt::Display| {
            if agreed_validity(&Node::from_json(document), what) {
                valid += 1;
            } else {
                invalid += 1;
            }
        };
        for (file, text) in crate::test_inputs::yaml_samples() {
            let Ok(documents) = crate::frontend::yaml::parse(&text, FileId(0)) else {
                continue;
            };
            for document in documents {
                agreed_validity(&document, &file);
                let json = document.to_json();
                let Some(top) = json.as_object() else {
                    continue;
                };
                for (section, value) in top {
                    for replacement in &replacements {
                        let what = format!("{file} with /{section} = {replacement}");
                        check(&json!({ section: replacement }), &what);
                    }
                    let Some((name, entry)) = value.as_object().and_then(|m| m.iter().next())
                    else {
                        continue;
                    };
                    let what = format!("{file} with /{section}/{name} renamed");
                    check(&json!({ section: { "x y": entry } }), &what);
                    let mut all = Vec::new();
                    pointers(entry, "", &mut all);
                    for pointer in all.iter().filter(|p| p.matches('/').count() <= 2) {
                        for replacement in &replacements {
                            let mut changed = entry.clone();
                            *changed.pointer_mut(pointer).unwrap() = replacement.clone();
                            let what =
                                format!("{file} with /{section}/{name}{pointer} = {replacement}");
                            check(&json!({ section: { name: changed } }), &what);
                        }
                    }
                }
            }
        }
        assert!(
            valid > 1_000 && invalid > 10_000,
            "too few documents of a kind: {valid} valid, {invalid} invalid"
        );
    }

    #[test]
    fn a_valid_file_has_no_diagnostics() {
        let document = json!({
            "name": "demo",
            "services": {
                "web": {
                    "image": "nginx",
                    "ports": ["80:80", {"target": 443, "published": "8443"}],
                    "environment": {"A": "1", "B": null, "C": 2},
                    "depends_on": {"db": {"condition": "service_healthy"}},
                    "secrets": ["s", {"source": "s", "target": "t"}],
                    "x-custom": {"anything": true}
                },
                "db": {"image": "postgres", "healthcheck": {"test": ["CMD", "true"], "interval": "10s"}}
            },
            "secrets": {"s": {"file": "./s.txt"}},
            "x-top": 1
        });
        assert!(check(&document).is_empty(), "{:#?}", check(&document));
    }

    #[test]
    fn unknown_key_points_at_the_key_and_suggests_the_closest() {
        let report = only(&json!({"services": {"web": {"image": "x", "enviroment": ["A=1"]}}}));
        assert_eq!(report.code, "SC0301");
        assert_eq!(
            report.message,
            "`services.web` has an unknown key `enviroment`"
        );
        assert_eq!(report.labels, ["key /services/web/enviroment"]);
        assert_eq!(report.help.as_deref(), Some("did you mean `environment`?"));
    }

    #[test]
    fn unknown_key_without_a_close_match_suggests_an_extension() {
        let report = only(&json!({"services": {"web": {"image": "x", "flavour": "mint"}}}));
        assert_eq!(
            report.help.as_deref(),
            Some("remove it, or rename it to start with `x-` to keep it as an extension field")
        );
    }

    #[test]
    fn unknown_top_level_key() {
        let report = only(&json!({"servics": {"web": {"image": "x"}}}));
        assert_eq!(report.message, "the top level has an unknown key `servics`");
        assert_eq!(report.help.as_deref(), Some("did you mean `services`?"));
        assert_eq!(report.labels, ["key /servics"]);
    }

    #[test]
    fn long_syntax_entry_with_an_unknown_key_names_that_key_only() {
        // compose-go: "services.test.secrets.0 additional properties 'type' not allowed"
        let report = only(&json!({"services": {"web": {"image": "x", "secrets": [
            "ok", {"source": "a", "type": "x"}
        ]}}}));
        assert_eq!(report.code, "SC0301");
        assert_eq!(
            report.message,
            "`services.web.secrets.1` has an unknown key `type`"
        );
        assert_eq!(report.labels, ["key /services/web/secrets/1/type"]);
    }

    #[test]
    fn every_unknown_key_of_the_chosen_alternative_is_reported() {
        // Docker Compose stops at the deepest one (`propagaton`); both are typos.
        let document = json!({"services": {"web": {"image": "x", "volumes": [{
            "type": "bind", "source": "./a", "target": "/a",
            "readonly": true, "bind": {"propagaton": "rshared"}
        }]}}});
        let reports = check(&document);
        let summary: Vec<(&str, Option<&str>)> = reports
            .iter()
            .map(|r| (r.message.as_str(), r.help.as_deref()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "`services.web.volumes.0` has an unknown key `readonly`",
                    Some("did you mean `read_only`?")
                ),
                (
                    "`services.web.volumes.0.bind` has an unknown key `propagaton`",
                    Some("did you mean `propagation`?")
                ),
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_a_mapping() {
        let report = only(&json!(["web"]));
        assert_eq!(report.message, "the file must be a mapping, not a list");
        assert_eq!(report.labels, ["value "]);
    }

    #[test]
    fn wrong_type_names_expected_and_actual() {
        let report = only(&json!({"services": {"web": {"image": "x", "ports": "80:80"}}}));
        assert_eq!(report.code, "SC0302");
        assert_eq!(
            report.message,
            "`services.web.ports` must be a list, not a string"
        );
        assert_eq!(report.labels, ["value /services/web/ports"]);
    }

    #[test]
    fn wrong_type_under_one_of_lists_every_accepted_type() {
        let report = only(&json!({"services": {"web": {"image": "x", "environment": "A=1"}}}));
        assert_eq!(
            report.message,
            "`services.web.environment` must be a mapping or a list, not a string"
        );
    }

    #[test]
    fn one_of_picks_the_alternative_the_value_was_written_in() {
        let report = only(&json!({"services": {"web": {"image": "x", "environment": {"A": [1]}}}}));
        assert_eq!(
            report.message,
            "`services.web.environment.A` must be a string, a number, a boolean or null, not a list"
        );
        assert_eq!(report.labels, ["value /services/web/environment/A"]);
    }

    #[test]
    fn enum_lists_allowed_values_and_suggests() {
        let report = only(&json!({"services": {"web": {"image": "x",
            "depends_on": {"db": {"condition": "service_helthy"}}}}}));
        assert_eq!(report.code, "SC0304");
        assert_eq!(
            report.message,
            "`services.web.depends_on.db.condition` must be one of `service_started`, \
             `service_healthy` or `service_completed_successfully`, not `service_helthy`"
        );
        assert_eq!(
            report.help.as_deref(),
            Some("did you mean `service_healthy`?")
        );
    }

    #[test]
    fn pattern_mismatch_shows_the_pattern() {
        let report =
            only(&json!({"services": {"web": {"image": "x", "pull_policy": "sometimes"}}}));
        assert_eq!(report.code, "SC0305");
        assert!(
            report.message.starts_with(
                "`services.web.pull_policy` is `sometimes`, which does not match the pattern `always|never"
            ),
            "{}",
            report.message
        );
        assert!(report.help.unwrap().contains("`every_12h`"));
    }

    #[test]
    fn minimum_names_the_bound() {
        let report = only(&json!({"services": {"web": {"image": "x", "cpu_percent": 150}}}));
        assert_eq!(report.code, "SC0306");
        assert_eq!(
            report.message,
            "`services.web.cpu_percent` must be at most 100, not 150"
        );
        let report = only(&json!({"services": {"web": {"image": "x", "cpu_count": -1}}}));
        assert_eq!(
            report.message,
            "`services.web.cpu_count` must be at least 0, not -1"
        );
    }

    #[test]
    fn missing_required_key() {
        let report = only(
            &json!({"services": {"web": {"image": "x", "depends_on": {"db": {"restart": true}}}}}),
        );
        assert_eq!(report.code, "SC0307");
        assert_eq!(
            report.message,
            "`services.web.depends_on.db` is missing the required key `condition`"
        );
        assert_eq!(report.labels, ["value /services/web/depends_on/db"]);
    }

    #[test]
    fn duplicate_items_point_at_both() {
        let report = only(
            &json!({"services": {"web": {"image": "x", "cap_add": ["NET_ADMIN", "SYS_TIME", "NET_ADMIN"]}}}),
        );
        assert_eq!(report.code, "SC0308");
        assert_eq!(
            report.message,
            "`services.web.cap_add` holds `NET_ADMIN` twice"
        );
        assert_eq!(
            report.labels,
            [
                "value /services/web/cap_add/2",
                "value /services/web/cap_add/0"
            ]
        );
    }

    #[test]
    fn invalid_service_name() {
        let report = only(&json!({"services": {"we b": {"image": "x"}}}));
        assert_eq!(report.code, "SC0303");
        assert_eq!(report.message, "`we b` is not a valid service name");
        assert_eq!(report.labels, ["key /services/we b"]);
        assert_eq!(
            report.help.as_deref(),
            Some("names may contain only letters, digits, `.`, `_` and `-`")
        );
    }

    #[test]
    fn every_error_is_reported_once_in_document_order() {
        let document = json!({
            "services": {
                "b": {"image": "x", "ports": "80", "restrat": "always"},
                "a": {"image": "x", "cap_add": "ALL"}
            },
            "volumse": {}
        });
        let messages: Vec<String> = check(&document).into_iter().map(|r| r.message).collect();
        assert_eq!(
            messages,
            [
                "`services.b.ports` must be a list, not a string",
                "`services.b` has an unknown key `restrat`",
                "`services.a.cap_add` must be a list, not a string",
                "the top level has an unknown key `volumse`",
            ]
        );
    }

    #[test]
    fn node_counts_stop_at_the_limit() {
        let document = Node::from_json(&json!({"a": [1, 2], "b": {"c": null}}));
        assert!(has_at_most(&document, 6));
        assert!(!has_at_most(&document, 5));
        assert!(!has_at_most(&document, 0));
    }

    #[test]
    fn pointers_order_indices_numerically() {
        assert_eq!(compare_pointers("/a/2", "/a/10"), Ordering::Less);
        assert_eq!(compare_pointers("/a", "/a/0"), Ordering::Less);
        assert_eq!(compare_pointers("/b", "/a/0"), Ordering::Greater);
    }

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("enviroment", "environment"), 1);
        assert_eq!(edit_distance("imgae", "image"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            closest("volumse", ["volumes", "networks"].into_iter()),
            Some("volumes")
        );
        assert_eq!(closest("flavour", ["image", "ports"].into_iter()), None);
    }
}
