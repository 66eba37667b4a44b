//! Interpolation over a whole compose tree: every string value (never a key) goes through
//! [`interpolate`], then values at keys that need a number or a boolean are converted, exactly
//! where compose-go converts them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::interpolate::{InterpolationErrorKind, MAX_NESTING, interpolate};
use super::node::{Node, Value};
use super::tree::{Cursor, PatternSet};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;

#[derive(Clone, Copy)]
enum Cast {
    Int,
    Int64,
    Float,
    Float32,
    Bool,
}

const CASTS: &[(&str, Cast)] = &[
    ("services.*.cpu_count", Cast::Int64),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int64),
    ("services.*.cpu_quota", Cast::Int64),
    ("services.*.cpu_rt_period", Cast::Int64),
    ("services.*.cpu_rt_runtime", Cast::Int64),
    ("services.*.cpus", Cast::Float32),
    ("services.*.cpu_shares", Cast::Int64),
    ("services.*.init", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int64),
    ("services.*.pids_limit", Cast::Int64),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

static CAST_PATTERNS: LazyLock<PatternSet> =
    LazyLock::new(|| PatternSet::new(CASTS.iter().map(|(pattern, _)| *pattern)));

/// Interpolates every string in `root`. Unset variables give one warning per name; the first
/// error (an invalid expression, a required variable, a value of the wrong type) stops, as in
/// Docker Compose.
///
/// `env_templates` holds how env files wrote the values they set from other variables
/// (`MODELS=${PWD}/models`): a string that uses such a variable keeps, as its template, the text
/// with the variable written out (`$MODELS/x` as `${PWD}/models/x`), so that the shell's
/// variables behind a value are seen through the env file.
///
/// `warned` holds the unset variables reported by earlier documents of the project, which are
/// not reported again: a file named by several `extends` is interpolated once per use.
pub fn substitute(
    root: &mut Node,
    lookup: &(dyn Fn(&str) -> Option<String> + Sync),
    env_templates: &BTreeMap<String, String>,
    warned: &mut Vec<String>,
    diagnostics: &mut Diagnostics,
) -> Result<(), Diagnostic> {
    let mut walker = Walker {
        lookup,
        env_templates,
        warned: std::mem::take(warned),
        diagnostics,
    };
    let result = walker.walk(root, &mut Vec::new(), CAST_PATTERNS.root());
    *warned = walker.warned;
    result
}

struct Walker<'l, 'd> {
    lookup: &'l (dyn Fn(&str) -> Option<String> + Sync),
    env_templates: &'l BTreeMap<String, String>,
    /// The unset variables warned about, each once, at its first use.
    warned: Vec<String>,
    diagnostics: &'d mut Diagnostics,
}

/// What the walk of one service found, when services are walked on several threads.
struct ServiceWalk {
    /// Its unset-variable warnings, each with the variable's name.
    warnings: Vec<(String, Diagnostic)>,
    result: Result<(), Diagnostic>,
}

impl Walker<'_, '_> {
    /// The services, shared among threads. Each keeps its own warnings; they are then taken in
    /// service order, up to the first error, leaving out variables warned about before, which
    /// is what one walk in order would have reported.
    fn services(
        &mut self,
        services: &mut crate::frontend::node::Map,
        outer: &[&str],
        cursor: Cursor,
    ) -> Result<(), Diagnostic> {
        let lookup = self.lookup;
        let env_templates = self.env_templates;
        let walks = crate::parallel::map(services.iter_mut(), |(key, entry)| {
            let mut diagnostics = Diagnostics::new();
            let mut walker = Walker {
                lookup,
                env_templates,
                warned: Vec::new(),
                diagnostics: &mut diagnostics,
            };
            let mut path: Vec<&str> = outer.to_vec();
            path.push(key);
            let result = walker.walk(&mut entry.node, &mut path, CAST_PATTERNS.step(cursor, key));
            ServiceWalk {
                warnings: walker.warned.into_iter().zip(diagnostics).collect(),
                result,
            }
        });
        for walk in walks {
            for (name, warning) in walk.warnings {
                if !self.warned.contains(&name) {
                    self.diagnostics.push(warning);
                    self.warned.push(name);
                }
            }
            walk.result?;
        }
        Ok(())
    }

    /// Every node is visited, as every string may hold a variable; the path is a stack of
    /// borrowed keys, joined only for a message.
    fn walk<'a>(
        &mut self,
        node: &'a mut Node,
        path: &mut Vec<&'a str>,
        cursor: Cursor,
    ) -> Result<(), Diagnostic> {
        if matches!(node.value, Value::Str(_)) {
            return self.string(node, path, cursor);
        }
        if path.as_slice() == ["services"] {
            if let Value::Map(map) = &mut node.value {
                return self.services(map, path, cursor);
            }
        }
        match &mut node.value {
            Value::Map(map) => {
                for (key, entry) in map.iter_mut() {
                    let child = CAST_PATTERNS.step(cursor, key);
                    path.push(key);
                    self.walk(&mut entry.node, path, child)?;
                    path.pop();
                }
            }
            Value::Seq(items) => {
                let child = CAST_PATTERNS.step(cursor, "[]");
                for item in items {
                    path.push("[]");
                    self.walk(item, path, child)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// SC0220 for `name`, a variable of the shell, once per name: `text` (at `path`) uses it,
    /// itself or through a variable an env file sets from it.
    fn warn_machine_variable(&mut self, name: &str, text: &str, path: &[&str], span: Span) {
        let key = format!("${name}");
        if !self.warned.contains(&key) {
            // Named by the env file variable that brought it in, when it is not in the text.
            let through = variables(text)
                .all(|v| v != name)
                .then(|| {
                    variables(text).find(|v| {
                        self.env_templates.get(*v).is_some_and(|t| {
                            variables(&through_env_files(t, self.env_templates)).any(|u| u == name)
                        })
                    })
                })
                .flatten()
                .map(|v| format!(" (through `{v}`, which an env file sets from it)"))
                .unwrap_or_default();
            self.diagnostics.push(
                Diagnostic::warning(
                    Code::MachineVariable,
                    format!(
                        "`${{{name}}}` comes from the shell of whoever runs the build{through}, so `{}` holds this machine's value and the output differs between machines",
                        path.iter()
                            .take_while(|&&key| key != "[]")
                            .copied()
                            .collect::<Vec<_>>()
                            .join(".")
                    ),
                )
                .with_label(Some(span), "this machine's value")
                .with_help("write the value the container should see"),
            );
            self.warned.push(key);
        }
    }

    fn string(&mut self, node: &mut Node, path: &[&str], cursor: Cursor) -> Result<(), Diagnostic> {
        let Value::Str(text) = &mut node.value else {
            return Ok(());
        };
        // The text as written, kept on the node when interpolation changed it.
        let mut written = None;
        if text.contains('$') {
            let result = interpolate(text, self.lookup).map_err(|e| match e.kind {
                InterpolationErrorKind::TooDeep => Diagnostic::error(
                    Code::YamlLimit,
                    format!(
                        "`{}` nests `${{...}}` more than {MAX_NESTING} levels deep",
                        path.join(".")
                    ),
                )
                .with_label(Some(node.span), "in this value")
                .with_help("write the value with fewer nested defaults"),
                InterpolationErrorKind::InvalidFormat => Diagnostic::error(
                    Code::InvalidInterpolation,
                    format!(
                        "invalid interpolation format for `{}`: `{text}`",
                        path.join(".")
                    ),
                )
                .with_label(Some(node.span), "in this value")
                .with_help("write a literal `$` as `$$`"),
                InterpolationErrorKind::MissingRequired { name, message } => {
                    let detail = if message.is_empty() {
                        String::new()
                    } else {
                        format!(": {message}")
                    };
                    Diagnostic::error(
                        Code::RequiredVariable,
                        format!("required variable `{name}` is missing a value{detail}"),
                    )
                    .with_label(Some(node.span), format!("`{name}` is required here"))
                    .with_help(format!(
                        "set `{name}` in the environment or in the project's `.env` file"
                    ))
                }
            })?;
            let template = through_env_files(text, self.env_templates);
            if let Some(name) = machine_variable(&template, path) {
                self.warn_machine_variable(name, text, path, node.span);
            }
            for name in result.unset {
                if !self.warned.contains(&name) {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::UnsetVariable,
                            format!(
                                "the `{name}` variable is not set; it defaults to an empty string"
                            ),
                        )
                        .with_label(Some(node.span), "used here")
                        .with_help(format!(
                            "set `{name}`, or write `${{{name}:-}}` to make the empty default explicit"
                        )),
                    );
                    self.warned.push(name);
                }
            }
            // The text itself is moved, not copied, unless an env file's variable was written out.
            let expanded = match template {
                Cow::Owned(expanded) => Some(expanded),
                Cow::Borrowed(_) => None,
            };
            if result.value != *text {
                let original = std::mem::replace(text, result.value);
                written = Some(expanded.unwrap_or(original));
            }
        }
        if let Some(i) = CAST_PATTERNS.matched(cursor) {
            node.value = apply_cast(CASTS[i].1, text, path, node.span)?;
        }
        if let Some(written) = written {
            node.set_template(&written);
        }
        Ok(())
    }
}

/// `text` with each `$NAME` and `${NAME}` of a variable in `env_templates` replaced by the text
/// its env file wrote, itself so replaced (to a few levels, as an env file may name itself).
fn through_env_files<'t>(text: &'t str, env_templates: &BTreeMap<String, String>) -> Cow<'t, str> {
    if env_templates.is_empty() {
        return Cow::Borrowed(text);
    }
    written_out(
        text,
        &|name| env_templates.get(name).map(|t| Cow::Borrowed(t.as_str())),
        4,
    )
}

/// `text` with each variable that `template_of` has a text for written out as that text,
/// itself so written out, to `levels` levels (as an env file may name itself).
pub(super) fn written_out<'t, 'm>(
    text: &'t str,
    template_of: &dyn Fn(&str) -> Option<Cow<'m, str>>,
    levels: usize,
) -> Cow<'t, str> {
    if levels == 0 || !text.contains('$') {
        return Cow::Borrowed(text);
    }
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) == Some(&b'$') {
            i += 2;
            continue;
        }
        let braced = bytes.get(i + 1) == Some(&b'{');
        let start = i + 1 + usize::from(braced);
        let end = start + bytes[start..].iter().take_while(|&&b| is_name(b)).count();
        // A default (`${NAME:-x}`) gives way to the variable's own value, which an env file
        // that wrote a template for it sets. A required form (`${NAME:?msg}`) stays as written:
        // the Helm backend reads it from the template to keep the value required. An
        // alternative (`${NAME:+x}`) is text of its own, left as it is.
        let after = if braced {
            match &bytes[end..] {
                [b'}', ..] => Some(end + 1),
                [b':', b'-', ..] | [b'-', ..] => closing_brace(bytes, end),
                _ => None,
            }
        } else {
            Some(end)
        };
        let template = Some(&text[start..end])
            .filter(|name| !name.is_empty())
            .and_then(template_of)
            .filter(|template| !template.is_empty());
        // Scanning goes on inside a default that is not replaced, as it may name variables too.
        let mut next = end;
        if let (Some(template), Some(after)) = (template, after) {
            out.push_str(&text[copied..i]);
            out.push_str(&written_out(&template, template_of, levels - 1));
            copied = after;
            next = after;
        }
        i = next.max(i + 1);
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The index just past the `}` that closes the `${` whose name ends at `from`, counting the
/// `${` nested in a default.
fn closing_brace(bytes: &[u8], from: usize) -> Option<usize> {
    let mut depth = 1;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Variables of the shell rather than of the project.
const MACHINE_VARIABLES: &[&str] = &["PWD", "OLDPWD", "HOME", "USER", "LOGNAME", "PATH"];

/// The first shell variable `text` (a value at `path`, before interpolation) uses where its
/// value reaches the output: bind sources are placed on the node without this machine's
/// directories, and env files, build contexts and other files are read, not written.
fn machine_variable(text: &str, path: &[&str]) -> Option<&'static str> {
    let used = variables(text).find_map(|name| MACHINE_VARIABLES.iter().find(|&&m| m == name))?;
    let read_not_written = match path {
        ["include" | "volumes", ..] | ["secrets" | "configs", _, "file"] => true,
        ["services", _, key, rest @ ..] => match (*key, rest) {
            ("env_file" | "build" | "label_file" | "extends" | "develop", _)
            | ("volumes", [_, "source"]) => true,
            // The short syntax: only a variable of its source part is placed.
            ("volumes", [_]) => super::canonical::volumes::parse_volume(text)
                .is_ok_and(|v| !variables(&v.target).any(|name| name == *used)),
            _ => false,
        },
        _ => false,
    };
    (!read_not_written).then_some(*used)
}

/// The names of the variables `text` refers to (`$NAME`, `${NAME…}`), skipping `$$`.
pub(crate) fn variables(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(offset) = text[at..].find('$') {
            let dollar = at + offset;
            at = dollar + 1;
            if matches!(bytes.get(at), Some(b'$' | b'{')) {
                at += 1;
            }
            let start = at;
            while bytes
                .get(at)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            {
                at += 1;
            }
            if at > start && bytes[dollar + 1] != b'$' {
                return Some(&text[start..at]);
            }
        }
        None
    })
}

fn apply_cast(
    cast: Cast,
    text: &str,
    path: &[&str],
    span: crate::source::Span,
) -> Result<Value, Diagnostic> {
    let fail = |expected: &str| {
        Diagnostic::error(
            Code::InvalidValue,
            format!("`{}` must be {expected}, not `{text}`", path.join(".")),
        )
        .with_label(Some(span), "this value")
        .with_help(format!(
            "write {expected} here, or a variable whose value is one"
        ))
    };
    match cast {
        Cast::Int | Cast::Int64 => go_parse_int(text)
            .map(Value::Int)
            .ok_or_else(|| fail("an integer")),
        Cast::Float | Cast::Float32 => go_parse_float(text)
            .and_then(|f| {
                if matches!(cast, Cast::Float32) {
                    // compose-go stores cpus as float32; the rounding shows in its output, and a
                    // value beyond float32's range is an error, as in Go.
                    let narrowed = f64::from(f as f32);
                    narrowed.is_finite().then_some(narrowed)
                } else {
                    Some(f)
                }
            })
            .map(Value::Float)
            .ok_or_else(|| fail("a number")),
        Cast::Bool => match text.to_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Ok(Value::Bool(true)),
            "false" | "n" | "no" | "off" => Ok(Value::Bool(false)),
            _ => Err(fail("`true` or `false`")),
        },
    }
}

/// Go's `strconv.Atoi` / `ParseInt(s, 10, 64)`: optional sign, decimal digits only.
fn go_parse_int(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

/// Go's `strconv.ParseFloat`, for the decimal forms compose files use.
fn go_parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.strip_prefix(['+', '-']).unwrap_or(&lower);
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'+' | b'-' | b'_'))
    {
        return match body {
            "inf" | "infinity" | "nan" => lower.parse::<f64>().ok(),
            _ => None,
        };
    }
    // Go refuses a finite literal out of range (`1e400`) instead of returning infinity.
    lower
        .replace('_', "")
        .parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{machine_variable, through_env_files, variables};

    #[test]
    fn a_value_an_env_file_sets_is_seen_as_the_file_wrote_it() {
        let templates = BTreeMap::from([
            ("DATA".to_owned(), "${PWD}/data".to_owned()),
            ("CACHE".to_owned(), "$DATA/cache".to_owned()),
        ]);
        assert_eq!(
            through_env_files("${DATA}:/data", &templates),
            "${PWD}/data:/data"
        );
        assert_eq!(
            through_env_files("$CACHE/x", &templates),
            "${PWD}/data/cache/x"
        );
        assert_eq!(
            through_env_files("$$DATA $DATAX ${DATA:+x} ${DATA:x} $", &templates),
            "$$DATA $DATAX ${DATA:+x} ${DATA:x} $"
        );
        assert_eq!(
            through_env_files(
                "${DATA:-./d}:/d ${DATA-${X:-y}}/${CACHE?set it}",
                &templates
            ),
            "${PWD}/data:/d ${PWD}/data/${CACHE?set it}"
        );
        let empty = BTreeMap::from([("E".to_owned(), String::new())]);
        assert_eq!(through_env_files("${E:-./d}", &empty), "${E:-./d}");
        assert_eq!(
            through_env_files("${UNSET:-$DATA}", &templates),
            "${UNSET:-${PWD}/data}"
        );
        let itself = BTreeMap::from([("A".to_owned(), "${A}x".to_owned())]);
        assert_eq!(through_env_files("$A", &itself), "${A}xxxx");
    }

    #[test]
    fn variables_are_read_in_both_spellings_and_not_after_a_doubled_dollar() {
        let names: Vec<&str> = variables("$A ${B:-x} $$C ${D} $ $").collect();
        assert_eq!(names, ["A", "B", "D"]);
    }

    #[test]
    fn shell_variables_are_reported_where_their_value_is_written_out() {
        let at = |text: &str, path: &[&str]| machine_variable(text, path);
        let env = ["services", "app", "environment", "DIR"];
        assert_eq!(at("$PWD/out", &env), Some("PWD"));
        assert_eq!(at("${PATH}:/opt/bin", &env), Some("PATH"));
        assert_eq!(at("$PWDX", &env), None);
        assert_eq!(at("$$PWD", &env), None);
        let short = ["services", "app", "volumes", "[]"];
        assert_eq!(
            at("$PWD/data:/data", &short),
            None,
            "a bind source is placed"
        );
        assert_eq!(at(".:$PWD", &short), Some("PWD"), "a mount path is written");
        let long = ["services", "app", "volumes", "[]", "source"];
        assert_eq!(at("${HOME}/cache", &long), None);
        assert_eq!(at("$PWD/.env", &["services", "app", "env_file"]), None);
    }
}
