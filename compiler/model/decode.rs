//! Binding compose-go's canonical dict to the model, rule for rule as compose-go's mapstructure
//! binding does it (`loader.Transform` with its hooks, and each type's `DecodeMapstructure`).
//!
//! The dict is what compose-go holds at the end of its loader: interpolated, merged, in long
//! syntax, with defaults and absolute paths. Binding it still converts values: a string becomes a
//! bool or number where the field has that type (`cast`), an integer becomes a string where the
//! field is a string, and many compose types accept several shapes (`command: "a b"` is split like
//! a shell would, `test: "curl x"` becomes `["CMD-SHELL", "curl x"]`, `mem_limit: "1g"` a byte
//! count). Every rule also accepts the shape Docker Compose prints, so the same `Deserialize`
//! impls read `config --format json` output.
//!
//! A `null` leaves the field at its zero value, as mapstructure skips nil input.

use indexmap::IndexMap;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::{Project, ServiceConfig, SshKey};
use crate::frontend::node::{Node, format_go_float};
use crate::frontend::units;

mod tree;

/// The project with its services decoded on several threads, as the project's own decoding
/// would have decoded them. `None` when something does not decode: the decoding in one piece
/// then finds the error and its path.
fn services_in_parallel(dict: &Node) -> Option<Project> {
    let services = dict.get("services")?.as_map()?;
    let mut project =
        Project::deserialize(tree::Item::Node(dict, tree::Place::RootWithoutServices)).ok()?;
    let decoded = crate::parallel::map(services.iter(), |(name, entry)| {
        let mut service =
            ServiceConfig::deserialize(tree::Item::Node(&entry.node, tree::Place::Service)).ok()?;
        // compose-go's `nameServices`: the key is the service's name.
        service.name.clone_from(name);
        Some((name.clone(), service))
    });
    // Sized up front: a service is kilobytes, and a map grown by doubling would copy them all
    // about twice, into memory touched for nothing else.
    project.services = IndexMap::with_capacity(decoded.len());
    for service in decoded {
        let (name, service) = service?;
        project.services.insert(name, service);
    }
    Some(project)
}

/// Why the canonical dict does not bind to the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DecodeError {
    /// The dotted JSON path of the bad value, e.g. `services.web.ports.0.target`.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Binds compose-go's canonical dict to the model. Errors name the dotted path of the bad value.
///
/// `x-*` keys go to the `extensions` of the object holding them, except where keys are user
/// names (services, networks, volumes, secrets, configs, `depends_on` entries), as compose-go's
/// `processExtensions` does; a secret's `x-#value` (the value of its `environment` variable) is
/// its `content`, as compose-go's `secretConfigDecoderHook` makes it.
pub fn from_tree(dict: &Node) -> Result<Project, DecodeError> {
    if let Some(project) = services_in_parallel(dict) {
        return Ok(project);
    }
    let root = tree::Item::Node(dict, tree::Place::Root);
    // Tracking the path costs a string per key; decoding is deterministic, so the path is found
    // by decoding again, only when there is an error to report.
    let error = match Project::deserialize(root) {
        Ok(project) => return Ok(project),
        Err(error) => error,
    };
    let Err(err) = serde_path_to_error::deserialize::<_, Project>(root) else {
        return Err(DecodeError {
            path: String::new(),
            message: error.to_string(),
        });
    };
    let path = err
        .path()
        .iter()
        .map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => index.to_string(),
            serde_path_to_error::Segment::Map { key } => key.clone(),
            serde_path_to_error::Segment::Enum { variant } => variant.clone(),
            serde_path_to_error::Segment::Unknown => "?".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".");
    Err(DecodeError {
        path,
        message: err.into_inner().to_string(),
    })
}

/// [`from_tree`] for a dict written as JSON (tests, and tools that build a dict by hand). An
/// integer beyond the int64 range becomes a float, as YAML would read it.
#[allow(
    clippy::needless_pass_by_value,
    reason = "callers build the dict only to bind it"
)]
pub fn from_canonical(dict: Value) -> Result<Project, DecodeError> {
    from_tree(&Node::from_json(&dict))
}

/// The key under which compose-go gathers an object's `x-*` keys.
pub(crate) const EXTENSIONS_KEY: &str = "#extensions";

/// Prints a decoded YAML value as Go's `fmt.Sprint` does.
pub(crate) fn go_sprint(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (None, Some(u), _) => u.to_string(),
            (None, None, Some(f)) => format_go_float(f),
            (None, None, None) => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(go_sprint).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            let entries: Vec<String> = entries
                .into_iter()
                .map(|(k, v)| format!("{k}:{}", go_sprint(v)))
                .collect();
            format!("map[{}]", entries.join(" "))
        }
    }
}

/// A short name of a JSON value's type for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
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

/// A scalar field type and how mapstructure, with compose-go's `cast` hook, fills it.
pub(crate) trait Scalar: Sized + Default {
    fn from_value(value: Value) -> Result<Self, String>;
}

fn expected(what: &str, value: &Value) -> String {
    format!("expected {what}, got {}", kind(value))
}

impl Scalar for bool {
    /// compose-go's `toBoolean`: YAML 1.1 spellings too, in any case.
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(b),
            Value::String(s) => match s.to_ascii_lowercase().as_str() {
                "true" | "y" | "yes" | "on" => Ok(true),
                "false" | "n" | "no" | "off" => Ok(false),
                _ => Err(format!("invalid boolean `{s}`: use `true` or `false`")),
            },
            other => Err(expected("a boolean", &other)),
        }
    }
}

impl Scalar for i64 {
    /// Go `int`/`int64`: floats are truncated, strings parsed in base 10.
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Number(n) => n
                .as_i64()
                // mapstructure truncates a float; one beyond the int64 range is an error, not a wrap.
                .or_else(|| {
                    n.as_f64()
                        .filter(|f| (-I64_LIMIT..I64_LIMIT).contains(f))
                        .map(|f| f as i64)
                })
                .ok_or_else(|| format!("integer `{n}` is out of range")),
            Value::String(s) => s.parse().map_err(|_| {
                format!("invalid integer `{s}`: write a whole number within the int64 range")
            }),
            other => Err(expected("an integer", &other)),
        }
    }
}

/// 2^63, the first float beyond the int64 range.
const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;

/// Go unsigned fields: compose-go casts no string to them.
fn unsigned(value: &Value) -> Result<u64, String> {
    match value {
        Value::Number(n) => n
            .as_u64()
            // mapstructure truncates a float; the range check keeps the sign out of the cast.
            .or_else(|| {
                #[allow(clippy::cast_sign_loss, reason = "negative values are filtered out")]
                n.as_f64()
                    .filter(|f| (0.0..2.0 * I64_LIMIT).contains(f))
                    .map(|f| f as u64)
            })
            .ok_or_else(|| format!("`{n}` is out of range: expected a whole number from 0 up")),
        other => Err(expected("a non-negative integer", other)),
    }
}

impl Scalar for u64 {
    fn from_value(value: Value) -> Result<Self, String> {
        unsigned(&value)
    }
}

impl Scalar for u32 {
    fn from_value(value: Value) -> Result<Self, String> {
        let n = unsigned(&value)?;
        Self::try_from(n).map_err(|_| format!("`{n}` is too large: the largest is {}", Self::MAX))
    }
}

impl Scalar for u16 {
    fn from_value(value: Value) -> Result<Self, String> {
        let n = unsigned(&value)?;
        Self::try_from(n).map_err(|_| format!("`{n}` is too large: the largest is {}", Self::MAX))
    }
}

impl Scalar for f32 {
    /// Go `float32`: strings parsed as `strconv.ParseFloat(s, 32)`.
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Number(n) => n
                .as_f64()
                .map(|f| f as f32)
                .ok_or_else(|| format!("number `{n}` is out of range")),
            Value::String(s) => s
                .parse()
                .map_err(|_| format!("invalid number `{s}`: write a decimal like `0.5`")),
            other => Err(expected("a number", &other)),
        }
    }
}

impl Scalar for String {
    /// Go `string`: an integer is printed in decimal; any other non-string is an error.
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::String(s) => Ok(s),
            Value::Number(n) if !n.is_f64() => Ok(n.to_string()),
            other => Err(expected("a string", &other)),
        }
    }
}

/// A scalar read with compose-go's casts; `null` is the zero value.
pub(crate) struct Cast<T>(pub(crate) T);

impl<'de, T: Scalar> Deserialize<'de> for Cast<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(Self(T::default())),
            value => T::from_value(value).map(Self).map_err(D::Error::custom),
        }
    }
}

/// A scalar field (`bool`, Go ints, `float32`, `string`).
pub(crate) fn scalar<'de, D: Deserializer<'de>, T: Scalar>(deserializer: D) -> Result<T, D::Error> {
    Cast::deserialize(deserializer).map(|cast: Cast<T>| cast.0)
}

/// A pointer to a scalar (`*bool`, `*int`, `*uint64`): `null` is unset.
pub(crate) fn opt_scalar<'de, D: Deserializer<'de>, T: Scalar>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<Cast<T>>::deserialize(deserializer)?.map(|cast| cast.0))
}

/// A plain Go `[]string`: a list, each item a string or an integer.
pub(crate) fn strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<Cast<String>>>::deserialize(deserializer)?
        .unwrap_or_default()
        .into_iter()
        .map(|cast| cast.0)
        .collect())
}

/// A plain Go `map[string]string`: each value a string or an integer; `null` is `""`.
pub(crate) fn string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, String>, D::Error> {
    Ok(
        Option::<IndexMap<String, Cast<String>>>::deserialize(deserializer)?
            .unwrap_or_default()
            .into_iter()
            .map(|(k, cast)| (k, cast.0))
            .collect(),
    )
}

/// `StringList` (`dns`, `tmpfs`, `tags`, ...): one string or a list of strings.
pub(crate) fn string_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                other => Err(D::Error::custom(expected("a list of strings", &other))),
            })
            .collect(),
        other => Err(D::Error::custom(expected(
            "a string or a list of strings",
            &other,
        ))),
    }
}

/// `StringOrNumberList` (`expose`): one string, or a list whose items are printed as strings.
pub(crate) fn string_or_number_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => Ok(items.iter().map(go_sprint).collect()),
        other => Err(D::Error::custom(expected("a string or a list", &other))),
    }
}

/// `Mapping` and `Labels` (`labels`, `annotations`, `sysctls`, ...): a mapping whose values are
/// printed as strings (`null` is `""`), or a list of `KEY=VALUE` (`KEY` alone is `""`).
pub(crate) fn mapping<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(IndexMap::new()),
        Value::Object(map) => Ok(printed_values(map)),
        Value::Array(items) => Ok(items
            .iter()
            .map(|item| {
                let text = go_sprint(item);
                let (key, value) = text.split_once('=').unwrap_or((&text, ""));
                (key.to_owned(), value.to_owned())
            })
            .collect()),
        other => Err(D::Error::custom(expected(
            "a mapping or a list of `KEY=VALUE`",
            &other,
        ))),
    }
}

/// `Options` (`driver_opts`, `logging.options`): a mapping whose values are printed as strings.
pub(crate) fn options<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(IndexMap::new()),
        Value::Object(map) => Ok(printed_values(map)),
        other => Err(D::Error::custom(expected("a mapping", &other))),
    }
}

/// A mapping's values printed as Go prints them, `null` as `""`.
fn printed_values(map: Map<String, Value>) -> IndexMap<String, String> {
    map.into_iter()
        .map(|(k, v)| {
            let text = if v.is_null() {
                String::new()
            } else {
                go_sprint(&v)
            };
            (k, text)
        })
        .collect()
}

/// `MultiOptions` (`provider.options`): each value a list, or one value, printed as strings.
pub(crate) fn multi_options<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, Vec<String>>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(IndexMap::new()),
        Value::Object(map) => Ok(map
            .into_iter()
            .map(|(k, v)| {
                let values = match &v {
                    Value::Array(items) => items.iter().map(go_sprint).collect(),
                    other => vec![go_sprint(other)],
                };
                (k, values)
            })
            .collect()),
        other => Err(D::Error::custom(expected("a mapping", &other))),
    }
}

/// `MappingWithEquals` (`environment`, `build.args`): a mapping whose values are printed as
/// strings (`null` stays unset), or a list of `KEY=VALUE` (`KEY` alone is unset).
pub(crate) fn mapping_with_equals<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, Option<String>>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(IndexMap::new()),
        Value::Object(map) => Ok(map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    other => Some(go_sprint(&other)),
                };
                (k, text)
            })
            .collect()),
        Value::Array(items) => {
            let mut mapping = IndexMap::new();
            for item in &items {
                let text = go_sprint(item);
                let (key, value) = match text.split_once('=') {
                    Some((key, value)) => (key, Some(value.to_owned())),
                    None => (text.as_str(), None),
                };
                if key.ends_with(char::is_whitespace) {
                    return Err(D::Error::custom(format!(
                        "variable `{key}` is declared with a trailing space: remove the space before `=`"
                    )));
                }
                mapping.insert(key.to_owned(), value);
            }
            Ok(mapping)
        }
        other => Err(D::Error::custom(expected(
            "a mapping or a list of `KEY=VALUE`",
            &other,
        ))),
    }
}

/// `ShellCommand` (`command`, `entrypoint`): a list of strings, or one string split into words
/// like a shell would; `null` keeps the image's.
pub(crate) fn shell_command<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(s) => split_shell_words(&s).map(Some).map_err(D::Error::custom),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                other => Err(D::Error::custom(expected("a list of strings", &other))),
            })
            .collect::<Result<_, _>>()
            .map(Some),
        _ => Ok(None),
    }
}

/// Splits a command line into words with go-shellwords' rules (v1.0.12, no environment or
/// backtick expansion), which compose-go uses for a string `command`.
///
/// Quotes group words; a backslash escapes the next character except inside single quotes;
/// `$(...)` and backticks are kept as text; an unquoted `;`, `&`, `|`, `<` or `>` ends the
/// command (the rest is dropped, and `2>` drops its digits too). An unmatched quote or parenthesis
/// is an error.
pub(crate) fn split_shell_words(line: &str) -> Result<Vec<String>, String> {
    let invalid = || format!("invalid command line `{line}`: check its quotes and parentheses");
    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut double, mut single, mut back, mut dollar) =
        (false, false, false, false, false);
    let mut got = false;
    for c in line.chars() {
        if escaped {
            buf.push(c);
            escaped = false;
            got = true;
            continue;
        }
        if c == '\\' {
            if single {
                buf.push(c);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            if single || double || back || dollar {
                buf.push(c);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        match c {
            '`' if !single && !double && !dollar => back = !back,
            ')' if !single && !double && !back => {
                if !dollar {
                    return Err(invalid());
                }
                dollar = false;
            }
            '(' if !single && !double && !back => {
                if !dollar && buf.ends_with('$') {
                    dollar = true;
                    buf.push(c);
                    continue;
                }
                return Err(invalid());
            }
            '"' if !single && !dollar => {
                if double {
                    got = true;
                }
                double = !double;
                continue;
            }
            '\'' if !double && !dollar => {
                if single {
                    got = true;
                }
                single = !single;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(single || double || back || dollar) => {
                if c == '>' && !buf.is_empty() && buf.bytes().all(|b| b.is_ascii_digit()) {
                    got = false;
                }
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(c);
    }
    if got {
        args.push(buf);
    }
    if escaped || single || double || back || dollar {
        return Err(invalid());
    }
    Ok(args)
}

/// `HealthCheckTest`: a list of strings, or one string run by the shell (`["CMD-SHELL", s]`).
pub(crate) fn health_check_test<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::String(s) => Ok(vec!["CMD-SHELL".to_owned(), s]),
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                other => Err(D::Error::custom(expected("a list of strings", &other))),
            })
            .collect(),
        other => Err(D::Error::custom(expected(
            "a string or a list of strings",
            &other,
        ))),
    }
}

/// `NanoCPUs` (`deploy.resources.*.cpus`): a number, or a string holding one.
pub(crate) fn nano_cpus<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f32, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(0.0),
        Value::Number(n) => Ok(n.as_f64().unwrap_or_default() as f32),
        Value::String(s) => units::parse_cpus(&s)
            .map(|cpus| cpus as f32)
            .map_err(D::Error::custom),
        other => Err(D::Error::custom(expected("a number of CPUs", &other))),
    }
}

/// `DeviceCount`: an integer, a string holding one, or `all` (stored as -1).
pub(crate) fn device_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(0),
        Value::Number(n) if !n.is_f64() => n
            .as_i64()
            .ok_or_else(|| D::Error::custom(format!("device count `{n}` is too large"))),
        Value::String(s) if s.eq_ignore_ascii_case("all") => Ok(-1),
        Value::String(s) => s.parse().map_err(|_| {
            D::Error::custom(format!(
                "invalid device count `{s}`: write a number or `all`"
            ))
        }),
        other => Err(D::Error::custom(expected("a number or `all`", &other))),
    }
}

/// `SSHConfig` (`build.ssh`): the canonical mapping of key id to path (`null` for none), or the
/// printed list of `id` and `id=path`.
pub(crate) fn ssh<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<SshKey>, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Null => Ok(Vec::new()),
        Value::Object(map) => Ok(map
            .into_iter()
            .map(|(id, path)| SshKey {
                id,
                path: if path.is_null() {
                    String::new()
                } else {
                    go_sprint(&path)
                },
            })
            .collect()),
        // The printed form: `id` or `id=path`.
        list @ Value::Array(_) => Vec::<SshKey>::deserialize(list).map_err(D::Error::custom),
        other => Err(D::Error::custom(expected(
            "a mapping of key ids to paths",
            &other,
        ))),
    }
}

/// The `x-*` keys compose-go gathered under `#extensions`.
pub(crate) fn extensions<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, Value>, D::Error> {
    Ok(Option::<IndexMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests;
