//! Canonical long syntax, default values and empty-value removal, as compose-go's
//! `transform.Canonical`, `transform.SetDefaultValues` and `loader.OmitEmpty` do them.
//!
//! compose-go walks the untyped dict with a dotted path and, at the first registered pattern the
//! path matches, hands the subtree to that pattern's function instead of descending further.
//! Patterns never overlap, so the table order here does not matter; what matters is which
//! functions descend again into their children (services, build, extends, gpus and top-level
//! resources do; the others stop). Nodes created here point at the node they were written as.

mod ports;
pub(super) mod volumes;

use std::borrow::Cow;
use std::sync::LazyLock;

use foldhash::fast::RandomState;

use super::node::{Entry, Map, Node, Value};
use super::paths::clean;
use super::tree::{Cursor, Path, PatternSet};
use crate::diagnostics::{Code, Diagnostic};

/// The dotted location of a node, `[]` standing for any list item, as compose-go's `tree.Path`.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct TreePath<'a>(Path<'a>);

impl<'a> TreePath<'a> {
    pub(crate) fn child(&'a self, part: &'a str) -> Self {
        Self(self.0.next(part))
    }

    fn display(&self) -> String {
        self.0.to_string()
    }
}

type Transformer = fn(&mut Node, &TreePath<'_>) -> Result<(), Diagnostic>;

const TRANSFORMERS: &[(&str, Transformer)] = &[
    ("services.*", transform_service),
    ("services.*.build.secrets.*", transform_file_mount),
    ("services.*.build.provenance", transform_string_or_x),
    ("services.*.build.sbom", transform_string_or_x),
    ("services.*.build.additional_contexts", transform_key_value),
    ("services.*.depends_on", transform_depends_on),
    ("services.*.env_file", transform_env_file),
    ("services.*.label_file", transform_string_or_list),
    ("services.*.extends", transform_extends),
    ("services.*.gpus", transform_gpus),
    ("services.*.networks", transform_string_slice_to_map),
    ("services.*.models", transform_string_slice_to_map),
    ("services.*.volumes.*", transform_volume_mount),
    ("services.*.dns", transform_string_or_list),
    ("services.*.devices.*", transform_device_mapping),
    ("services.*.secrets.*", transform_file_mount),
    ("services.*.configs.*", transform_file_mount),
    ("services.*.ports", transform_ports),
    ("services.*.build", transform_build),
    ("services.*.build.ssh", transform_ssh),
    ("services.*.ulimits.*", transform_ulimits),
    ("services.*.build.ulimits.*", transform_ulimits),
    (
        "services.*.develop.watch.*.ignore",
        transform_string_or_list,
    ),
    (
        "services.*.develop.watch.*.include",
        transform_string_or_list,
    ),
    ("volumes.*", transform_maybe_external),
    ("networks.*", transform_maybe_external),
    ("secrets.*", transform_maybe_external),
    ("configs.*", transform_maybe_external),
    ("include.*", transform_include),
];

const DEFAULTS: &[(&str, Transformer)] = &[
    ("services.*.build", default_build_context),
    ("services.*.secrets.*", default_secret_mount),
    ("services.*.ports.*", port_defaults),
    (
        "services.*.deploy.resources.reservations.devices.*",
        device_request_defaults,
    ),
    ("services.*.gpus.*", device_request_defaults),
];

/// Rewrites every short syntax compose-go knows into its long form (`transform.Canonical`).
pub fn canonical(root: &mut Node) -> Result<(), Diagnostic> {
    walk(
        root,
        &TreePath::default(),
        TRANSFORMER_TABLE.patterns.root(),
        &TRANSFORMER_TABLE,
    )
}

/// Fills in the defaults compose-go adds after all files are merged (`transform.SetDefaultValues`).
pub fn set_defaults(root: &mut Node) -> Result<(), Diagnostic> {
    walk(
        root,
        &TreePath::default(),
        DEFAULT_TABLE.patterns.root(),
        &DEFAULT_TABLE,
    )
}

/// Removes null and empty-string entries where compose-go's `OmitEmpty` does: `services.*.dns`.
pub fn omit_empty(root: &mut Node) {
    omit_empty_at(root, OMIT_EMPTY.root());
}

/// The warnings one file's text deserves before [`canonical`] rewrites it: each deprecated
/// `external: {name: ...}` on a top-level resource, which compose-go logs too, each short-syntax
/// volume option compose-go drops without a word or reads as part of the target, and each quoted
/// value of an environment list.
#[must_use]
pub fn file_warnings(root: &Node) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for (_, item, spec) in list_strings(root, "volumes") {
        // A comma is rare in a spec, and needed by both slips.
        if spec.contains(',') {
            options_in_target(item, spec, &mut warnings);
        }
        ignored_volume_options(item, spec, &mut warnings);
    }
    quoted_environment_values(root, &mut warnings);
    for section in ["volumes", "networks", "secrets", "configs"] {
        let Some(resources) = root.get(section).and_then(Node::as_map) else {
            continue;
        };
        for (key, entry) in resources {
            let Some(name) = entry
                .node
                .get("external")
                .and_then(Node::as_map)
                .and_then(|m| m.get("name"))
            else {
                continue;
            };
            warnings.push(
                Diagnostic::warning(
                    Code::DeprecatedExternalName,
                    format!("`{section}.{key}`: `external.name` is deprecated"),
                )
                .with_label(Some(name.key_span), "deprecated spelling")
                .with_help("set `name:` on the resource and `external: true`"),
            );
        }
    }
    warnings
}

/// Each service's list items under `attribute` that are strings, with the service's name.
fn list_strings<'a>(
    root: &'a Node,
    attribute: &'a str,
) -> impl Iterator<Item = (&'a str, &'a Node, &'a str)> {
    root.get("services")
        .and_then(Node::as_map)
        .into_iter()
        .flatten()
        .filter_map(move |(name, service)| {
            let items = service.node.get(attribute).and_then(Node::as_seq)?;
            Some(items.iter().map(move |item| (name.as_str(), item)))
        })
        .flatten()
        .filter_map(|(name, item)| Some((name, item, item.as_str()?)))
}

/// In list form, everything after `=` is the value, quotes included, unlike in an env file or a
/// mapping; `- JAVA_OPTS="-Xmx1g"` hands the quotes to the program.
fn quoted_environment_values(root: &Node, warnings: &mut Vec<Diagnostic>) {
    for (service, item, text) in list_strings(root, "environment") {
        let Some((name, value)) = text.split_once('=') else {
            continue;
        };
        let quoted =
            |quote: char| value.len() >= 2 && value.starts_with(quote) && value.ends_with(quote);
        if !quoted('"') && !quoted('\'') {
            continue;
        }
        let bare = &value[1..value.len() - 1];
        warnings.push(
            Diagnostic::warning(
                Code::QuotedEnvironmentValue,
                format!(
                    "the value of `{name}` in `services.{service}.environment` keeps its quotes: `{value}`; in a list, Docker Compose passes everything after `=` as it is"
                ),
            )
            .with_label(Some(item.span), "quotes are part of the value")
            .with_help(format!(
                "remove the quotes (`{name}={bare}`), or write the environment as a mapping (`{name}: {value}`)"
            )),
        );
    }
}

/// `data:/tmp,subpath=logs` mounts `data` at a directory named `/tmp,subpath=logs`: what follows
/// a comma in the target is reported when it reads as a volume option or a `key=value` setting.
fn options_in_target(item: &Node, spec: &str, warnings: &mut Vec<Diagnostic>) {
    let (source, target) = volumes::short_source_and_target(spec);
    let Some((path, rest)) = target.split_once(',') else {
        return;
    };
    let is_setting = |part: &str| {
        part.split_once('=').is_some_and(|(key, _)| {
            !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
    };
    let options: Vec<&str> = rest.split(',').collect();
    if !options
        .iter()
        .any(|o| volumes::is_known_option(o) || is_setting(o))
    {
        return;
    }
    let subpath = options.iter().find_map(|o| o.strip_prefix("subpath="));
    let help = match (source, subpath) {
        (Some(source), None) if options.iter().all(|o| volumes::is_known_option(o)) => {
            // Options already behind a colon join the moved ones.
            let mut written = options.join(",");
            if let Some(more) = spec
                .get(source.len() + 1 + target.len()..)
                .and_then(|rest| rest.strip_prefix(':'))
            {
                written = format!("{written},{more}");
            }
            format!("write the options after a second colon: `{source}:{path}:{written}`")
        }
        (Some(source), Some(subpath))
            if volumes::parse_volume(spec).is_ok_and(|v| v.kind == "bind") =>
        {
            format!(
                "a bind mount takes its subdirectory in the source: `{source}/{subpath}:{path}`"
            )
        }
        (_, Some(subpath)) => format!(
            "`subpath` has no short form: use the long syntax, with `target: {path}` and `volume: {{subpath: {subpath}}}`"
        ),
        _ => format!("use the long syntax, with `target: {path}`"),
    };
    warnings.push(
        Diagnostic::warning(
            Code::OptionsInVolumeTarget,
            format!(
                "volume `{spec}` is mounted at a directory named `{target}`, not at `{path}`: options follow a colon, and Docker Compose reads what follows a comma as part of the target"
            ),
        )
        .with_label(Some(item.span), "options inside the target")
        .with_help(help),
    );
}

fn ignored_volume_options(item: &Node, spec: &str, warnings: &mut Vec<Diagnostic>) {
    // Options follow a second colon, after the last one: most specs have none, or only known
    // ones.
    let Some((before, last)) = spec.rsplit_once(':') else {
        return;
    };
    if !before.contains(':') || last.split(',').all(volumes::is_known_option) {
        return;
    }
    let Ok(parsed) = volumes::parse_volume(spec) else {
        return;
    };
    let Some((last, others)) = parsed.ignored.split_last() else {
        return;
    };
    let options = if others.is_empty() {
        format!("option `{last}`")
    } else {
        format!("options `{}` and `{last}`", others.join("`, `"))
    };
    let access = if parsed.read_only {
        "read-only"
    } else {
        "read-write"
    };
    warnings.push(
            Diagnostic::warning(
                Code::IgnoredVolumeOption,
                format!(
                    "volume `{spec}`: Docker Compose does not know {options}, and ignores {them}; the mount is {access}",
                    them = if others.is_empty() { "it" } else { "them" }
                ),
            )
            .with_label(Some(item.span), "ignored by Docker Compose")
            .with_help("write options Compose knows, such as `ro`, `ro,z` or `nocopy`, or use the long syntax"),
        );
}

static OMIT_EMPTY: LazyLock<PatternSet> = LazyLock::new(|| PatternSet::new(["services.*.dns"]));

fn omit_empty_at(node: &mut Node, cursor: Cursor) {
    let patterns = &*OMIT_EMPTY;
    let is_empty = |n: &Node| n.is_null() || n.as_str() == Some("");
    if patterns.matched(cursor).is_some() {
        match &mut node.value {
            Value::Map(map) => map.retain(|_, e| !is_empty(&e.node)),
            Value::Seq(items) => items.retain(|n| !is_empty(n)),
            _ => {}
        }
        return;
    }
    match &mut node.value {
        Value::Map(map) => {
            for (key, entry) in map.iter_mut() {
                let child = patterns.step(cursor, key);
                if patterns.is_relevant(child) {
                    omit_empty_at(&mut entry.node, child);
                }
            }
        }
        Value::Seq(items) => {
            let child = patterns.step(cursor, "[]");
            if patterns.is_relevant(child) {
                for item in items {
                    omit_empty_at(item, child);
                }
            }
        }
        _ => {}
    }
}

/// A table of transformers with its patterns compiled, so walks skip subtrees no pattern reaches.
struct Table {
    entries: &'static [(&'static str, Transformer)],
    patterns: &'static LazyLock<PatternSet>,
}

static TRANSFORMER_PATTERNS: LazyLock<PatternSet> =
    LazyLock::new(|| PatternSet::new(TRANSFORMERS.iter().map(|(p, _)| *p)));
static DEFAULT_PATTERNS: LazyLock<PatternSet> =
    LazyLock::new(|| PatternSet::new(DEFAULTS.iter().map(|(p, _)| *p)));
static TRANSFORMER_TABLE: Table = Table {
    entries: TRANSFORMERS,
    patterns: &TRANSFORMER_PATTERNS,
};
static DEFAULT_TABLE: Table = Table {
    entries: DEFAULTS,
    patterns: &DEFAULT_PATTERNS,
};

fn walk(node: &mut Node, path: &TreePath, cursor: Cursor, table: &Table) -> Result<(), Diagnostic> {
    if let Some(i) = table.patterns.matched(cursor) {
        return table.entries[i].1(node, path);
    }
    walk_children(node, path, cursor, table)
}

fn walk_children(
    node: &mut Node,
    path: &TreePath,
    cursor: Cursor,
    table: &Table,
) -> Result<(), Diagnostic> {
    let patterns: &PatternSet = table.patterns;
    if !patterns.may_match_below(cursor) {
        return Ok(());
    }
    match &mut node.value {
        Value::Map(map) if path.0.is_services() => {
            // Services are independent: they are shared among threads, and the first error in
            // service order is the one a single walk would have stopped at.
            crate::parallel::try_for_each(map.iter_mut(), |(key, entry)| {
                let child = patterns.step(cursor, key);
                if patterns.is_relevant(child) {
                    walk(&mut entry.node, &path.child(key), child, table)?;
                }
                Ok(())
            })?;
        }
        Value::Map(map) => {
            for (key, entry) in map.iter_mut() {
                let child = patterns.step(cursor, key);
                if patterns.is_relevant(child) {
                    walk(&mut entry.node, &path.child(key), child, table)?;
                }
            }
        }
        Value::Seq(items) => {
            let child = patterns.step(cursor, "[]");
            if patterns.is_relevant(child) {
                let item_path = path.child("[]");
                for item in items {
                    walk(item, &item_path, child, table)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn descend(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let table = &TRANSFORMER_TABLE;
    let cursor = table.patterns.at_path(&path.0);
    walk_children(node, path, cursor, table)
}

/// Builds a mapping node whose keys and values all point at `origin`.
pub(crate) fn mapping(origin: &Node, entries: Vec<(&str, Node)>) -> Node {
    let map: Map = entries
        .into_iter()
        .map(|(key, node)| {
            let entry = Entry {
                key_span: origin.span,
                node,
            };
            (key.to_owned(), entry)
        })
        .collect();
    Node::derived(Value::Map(Box::new(map)), origin)
}

/// Inserts `key` when the mapping lacks it, pointing the new entry at the mapping.
pub(crate) fn insert_default(node: &mut Node, key: &str, value: Value) {
    let origin = Node::derived(Value::Null, node);
    if let Some(map) = node.as_map_mut() {
        if !map.contains_key(key) {
            let entry = Entry {
                key_span: origin.span,
                node: Node::derived(value, &origin),
            };
            map.insert(key.to_owned(), entry);
        }
    }
}

/// `node` moved into a one-entry mapping under `key` (`build: ./dir` → `{context: ./dir}`).
fn wrap_in_mapping(node: &mut Node, key: &str) {
    let origin = Node::derived(Value::Null, node);
    let value = std::mem::replace(node, Node::derived(Value::Null, &origin));
    *node = mapping(&origin, vec![(key, value)]);
}

fn shape_error(node: &Node, path: &TreePath, expected: &str) -> Diagnostic {
    // Where "a number" is expected, a float is still refused: say why it is one.
    let kind = match node.value {
        Value::Float(f) => {
            format!("`{f:e}`, a float (a fraction, or an integer beyond 64 bits)")
        }
        _ => node.kind_name().to_owned(),
    };
    Diagnostic::error(
        Code::UnexpectedShape,
        format!(
            "`{}` is {kind}, which compose cannot read here",
            path.display()
        ),
    )
    .with_label(Some(node.span), format!("expected {expected}"))
    .with_help(format!("write `{}` as {expected}", path.display()))
}

fn transform_service(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    if node.as_map().is_some() {
        descend(node, path)?;
    }
    Ok(())
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "every transformer has the table's signature"
)]
fn transform_string_or_list(node: &mut Node, _: &TreePath) -> Result<(), Diagnostic> {
    if node.as_str().is_some() {
        let item = node.clone();
        *node = Node::derived(Value::Seq(vec![item]), node);
    }
    Ok(())
}

/// `provenance` and `sbom` take a string or a boolean; compose-go keeps the text form.
#[expect(
    clippy::unnecessary_wraps,
    reason = "every transformer has the table's signature"
)]
fn transform_string_or_x(node: &mut Node, _: &TreePath) -> Result<(), Diagnostic> {
    if node.as_str().is_none() {
        let text = node.scalar_text().unwrap_or_else(|| "<nil>".to_owned());
        if node.as_map().is_none() && node.as_seq().is_none() {
            *node = Node::str(text, node);
        }
    }
    Ok(())
}

fn transform_build(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Map(_) => descend(node, path),
        Value::Str(_) => {
            wrap_in_mapping(node, "context");
            Ok(())
        }
        _ => Err(shape_error(node, path, "a build context path or a mapping")),
    }
}

fn transform_depends_on(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &mut node.value {
        Value::Map(map) => {
            for (name, entry) in map.iter_mut() {
                if entry.node.as_map().is_none() {
                    return Err(shape_error(&entry.node, &path.child(name), "a mapping"));
                }
                insert_default(
                    &mut entry.node,
                    "condition",
                    Value::Str("service_started".into()),
                );
                insert_default(&mut entry.node, "required", Value::Bool(true));
            }
            Ok(())
        }
        Value::Seq(items) => {
            let mut map = Map::with_capacity_and_hasher(items.len(), RandomState::default());
            for item in items.iter() {
                let Some(name) = item.as_str() else {
                    return Err(shape_error(item, &path.child("[]"), "a service name"));
                };
                let value = mapping(
                    item,
                    vec![
                        ("condition", Node::str("service_started", item)),
                        ("required", Node::derived(Value::Bool(true), item)),
                    ],
                );
                map.insert(
                    name.to_owned(),
                    Entry {
                        key_span: item.span,
                        node: value,
                    },
                );
            }
            node.value = Value::Map(Box::new(map));
            Ok(())
        }
        _ => Err(shape_error(
            node,
            path,
            "a list of service names or a mapping",
        )),
    }
}

fn transform_env_file(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &mut node.value {
        Value::Str(_) => {
            let item = env_file_entry(node.clone());
            *node = Node::derived(Value::Seq(vec![item]), node);
            Ok(())
        }
        Value::Seq(items) => {
            for item in items.iter_mut() {
                *item = env_file_entry(std::mem::replace(item, Node::derived(Value::Null, item)));
            }
            Ok(())
        }
        _ => Err(shape_error(node, path, "a path or a list of paths")),
    }
}

fn env_file_entry(mut item: Node) -> Node {
    match item.value {
        Value::Str(_) => {
            let origin = Node::derived(Value::Null, &item);
            let required = Node::derived(Value::Bool(true), &origin);
            mapping(&origin, vec![("path", item), ("required", required)])
        }
        Value::Map(_) => {
            insert_default(&mut item, "required", Value::Bool(true));
            item
        }
        // compose-go replaces anything else with nil; the schema has rejected it by then.
        _ => Node::derived(Value::Null, &item),
    }
}

fn transform_extends(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Map(_) => descend(node, path),
        Value::Str(_) => {
            wrap_in_mapping(node, "service");
            Ok(())
        }
        _ => Err(shape_error(node, path, "a service name or a mapping")),
    }
}

fn transform_gpus(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Seq(_) => descend(node, path),
        Value::Str(_) => {
            let request = mapping(node, vec![("count", Node::str("all", node))]);
            *node = Node::derived(Value::Seq(vec![request]), node);
            Ok(())
        }
        _ => Err(shape_error(
            node,
            path,
            "`all` or a list of device requests",
        )),
    }
}

/// `networks: [front, back]` → `{front: null, back: null}`.
fn transform_string_slice_to_map(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let Some(items) = node.as_seq() else {
        return Ok(());
    };
    let mut map = Map::with_capacity_and_hasher(items.len(), RandomState::default());
    for item in items {
        let Some(name) = item.scalar_text() else {
            return Err(shape_error(item, &path.child("[]"), "a name"));
        };
        let entry = Entry {
            key_span: item.span,
            node: Node::derived(Value::Null, item),
        };
        map.insert(name, entry);
    }
    node.value = Value::Map(Box::new(map));
    Ok(())
}

fn transform_key_value(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Seq(items) => {
            let mut map = Map::with_capacity_and_hasher(items.len(), RandomState::default());
            for item in items {
                let text = item.scalar_text().unwrap_or_default();
                let Some((key, value)) = text.split_once('=') else {
                    return Err(Diagnostic::error(
                        Code::InvalidKeyValue,
                        format!(
                            "invalid value `{text}` in `{}`, expected `key=value`",
                            path.display()
                        ),
                    )
                    .with_label(Some(item.span), "no `=` here")
                    .with_help("write the item as `name=value`, or use a mapping"));
                };
                let entry = Entry {
                    key_span: item.span,
                    node: Node::str(value, item),
                };
                map.insert(key.to_owned(), entry);
            }
            node.value = Value::Map(Box::new(map));
            Ok(())
        }
        _ => Err(shape_error(
            node,
            path,
            "a mapping or a list of `key=value`",
        )),
    }
}

fn transform_volume_mount(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let spec = match &node.value {
        Value::Map(_) => return Ok(()),
        Value::Str(spec) => spec,
        _ => return Err(shape_error(node, path, "a volume string or a mapping")),
    };
    let parsed = volumes::parse_volume(spec).map_err(|reason| {
        Diagnostic::error(Code::InvalidVolume, format!("invalid volume `{spec}`: {reason}"))
            .with_label(Some(node.span), "not a valid short-syntax volume")
            .with_help("write `[SOURCE:]TARGET[:ro|rw|z|Z|nocopy|PROPAGATION]`, for example `./data:/data:ro` or `cache:/cache`")
    })?;
    let target = if parsed.target.is_empty() {
        String::new()
    } else {
        clean(&parsed.target)
    };
    let origin = Node::derived(Value::Null, node);
    let text = |s: &str| Node::str(s, &origin);
    let yes = || Node::derived(Value::Bool(true), &origin);
    let mut entries = vec![("type", text(parsed.kind))];
    if !parsed.source.is_empty() {
        let mut source = text(&parsed.source);
        // The template of the whole entry (`$HOME/media:/media`) says where the source came from.
        let written = node
            .template()
            .filter(|t| t.contains("HOME") || t.contains("PWD"))
            .and_then(|t| volumes::parse_volume(t).ok());
        if let Some(relative) =
            written.and_then(|w| super::paths::shell_relative(&w.source, &parsed.source))
        {
            source.set_relative_path(&relative);
        }
        entries.push(("source", source));
    }
    if !target.is_empty() {
        entries.push(("target", text(&target)));
    }
    if parsed.read_only {
        entries.push(("read_only", yes()));
    }
    if let Some(bind) = &parsed.bind {
        let mut options = Vec::new();
        if !bind.selinux.is_empty() {
            options.push(("selinux", text(&bind.selinux)));
        }
        if !bind.propagation.is_empty() {
            options.push(("propagation", text(&bind.propagation)));
        }
        if bind.create_host_path {
            options.push(("create_host_path", yes()));
        }
        entries.push(("bind", mapping(&origin, options)));
    }
    if let Some(volume) = &parsed.volume {
        let options = if volume.nocopy {
            vec![("nocopy", yes())]
        } else {
            Vec::new()
        };
        entries.push(("volume", mapping(&origin, options)));
    }
    *node = mapping(&origin, entries);
    Ok(())
}

fn transform_device_mapping(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let spec = match &node.value {
        Value::Map(_) => return Ok(()),
        Value::Str(spec) => spec,
        _ => return Err(shape_error(node, path, "a device string or a mapping")),
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, permissions) = match parts.as_slice() {
        [source] => (*source, "", "rwm"),
        [source, target] => (*source, *target, "rwm"),
        [source, target, permissions] => (*source, *target, *permissions),
        _ => {
            return Err(Diagnostic::error(
                Code::InvalidDevice,
                format!("confusing device mapping `{spec}`"),
            )
            .with_label(Some(node.span), "more than three colon-separated parts")
            .with_help(
                "write the device in long syntax: `source:`, `target:` and `permissions:`",
            ));
        }
    };
    let target = if target.is_empty() { source } else { target };
    let origin = Node::derived(Value::Null, node);
    let device = mapping(
        &origin,
        vec![
            ("source", Node::str(source, &origin)),
            ("target", Node::str(target, &origin)),
            ("permissions", Node::str(permissions, &origin)),
        ],
    );
    *node = device;
    Ok(())
}

fn transform_file_mount(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Str(_) => {
            wrap_in_mapping(node, "source");
            Ok(())
        }
        _ => Err(shape_error(node, path, "a name or a mapping")),
    }
}

fn transform_ports(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let Some(items) = node.as_seq() else {
        return Err(shape_error(node, path, "a list of ports"));
    };
    // Checked first, so that the list is taken apart only when every item is valid.
    let mut parsed_items = Vec::with_capacity(items.len());
    for item in items {
        let spec = match &item.value {
            Value::Map(_) => {
                parsed_items.push(None);
                continue;
            }
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Str(s) => Cow::Borrowed(s.as_str()),
            _ => {
                return Err(shape_error(
                    item,
                    &path.child("[]"),
                    "a port string, a number or a mapping",
                ));
            }
        };
        let parsed = ports::parse_port_spec(&spec).map_err(|reason| {
            Diagnostic::error(Code::InvalidPort, format!("invalid port `{spec}`: {reason}"))
                .with_label(Some(item.span), "not a valid short-syntax port")
                .with_help("write `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, for example `80`, `8080:80`, `127.0.0.1:8080:80/udp`, `[::1]:8080:80` or `8000-8010:80-90`")
        })?;
        parsed_items.push(Some(parsed));
    }
    let Some(items) = node.as_seq_mut() else {
        unreachable!("checked above");
    };
    let mut ports = Vec::with_capacity(items.len());
    for (item, parsed) in std::mem::take(items).into_iter().zip(parsed_items) {
        let Some(parsed) = parsed else {
            ports.push(item);
            continue;
        };
        let item = &item;
        for port in parsed {
            let mut entries = vec![("mode", Node::str("ingress", item))];
            if !port.host_ip.is_empty() {
                entries.push(("host_ip", Node::str(port.host_ip, item)));
            }
            if port.target != 0 {
                entries.push((
                    "target",
                    Node::derived(Value::Int(i64::from(port.target)), item),
                ));
            }
            if !port.published.is_empty() {
                entries.push(("published", Node::str(port.published, item)));
            }
            entries.push(("protocol", Node::str(port.protocol, item)));
            ports.push(mapping(item, entries));
        }
    }
    node.value = Value::Seq(ports);
    Ok(())
}

fn transform_ssh(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Seq(items) => {
            let mut map = Map::with_capacity_and_hasher(items.len(), RandomState::default());
            for item in items {
                let Some(text) = item.as_str() else {
                    return Err(shape_error(item, &path.child("[]"), "a string `id=path`"));
                };
                let value = match text.split_once('=') {
                    Some((id, key_path)) => (id, Node::str(key_path, item)),
                    None if text == "default" => (text, Node::derived(Value::Null, item)),
                    None => {
                        return Err(Diagnostic::error(
                            Code::InvalidSshKey,
                            format!("invalid ssh key `{text}`"),
                        )
                        .with_label(Some(item.span), "neither `id=path` nor `default`")
                        .with_help("write `default`, or `ID=PATH` to name a key or agent socket"));
                    }
                };
                map.insert(
                    value.0.to_owned(),
                    Entry {
                        key_span: item.span,
                        node: value.1,
                    },
                );
            }
            node.value = Value::Map(Box::new(map));
            Ok(())
        }
        _ => Err(shape_error(node, path, "a list of `id=path` or a mapping")),
    }
}

fn transform_ulimits(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match node.value {
        Value::Map(_) | Value::Int(_) => Ok(()),
        _ => Err(shape_error(
            node,
            path,
            "a number or a mapping with `soft` and `hard`",
        )),
    }
}

/// Top-level resources: `external: {name: x}` (deprecated) becomes `external: true, name: x`.
fn transform_maybe_external(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    if node.as_map().is_none() {
        return Ok(());
    }
    descend(node, path)?;
    let map = node.as_map_mut().expect("checked above");
    let Some(external) = map.get_mut("external") else {
        return Ok(());
    };
    let Some(external_map) = external.node.as_map() else {
        return Ok(());
    };
    let external_name = external_map.get("name").map(|e| e.node.clone());
    external.node = Node::derived(Value::Bool(true), &external.node);
    let Some(external_name) = external_name else {
        return Ok(());
    };
    match map.get("name") {
        Some(name) if name.node.value != external_name.value => Err(Diagnostic::error(
            Code::ExternalNameConflict,
            format!("`{}`: `name` and `external.name` conflict", path.display()),
        )
        .with_label(
            Some(external_name.span),
            "deprecated `external.name` set here",
        )
        .with_label(Some(name.node.span), "differs from `name` set here")
        .with_help("remove `external.name` and keep `name` with `external: true`")),
        Some(_) => Ok(()),
        None => {
            let key_span = external_name.span;
            map.insert(
                "name".into(),
                Entry {
                    key_span,
                    node: external_name,
                },
            );
            Ok(())
        }
    }
}

fn transform_include(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    match &node.value {
        Value::Map(_) => Ok(()),
        Value::Str(_) => {
            wrap_in_mapping(node, "path");
            Ok(())
        }
        _ => Err(shape_error(node, path, "a path or a mapping")),
    }
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "every transformer has the table's signature"
)]
fn default_build_context(node: &mut Node, _: &TreePath) -> Result<(), Diagnostic> {
    insert_default(node, "context", Value::Str(".".into()));
    Ok(())
}

fn default_secret_mount(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let Some(map) = node.as_map() else {
        return Err(shape_error(node, path, "a mapping"));
    };
    if !map.contains_key("target") {
        let mut target = String::from("/run/secrets/");
        match map.get("source").and_then(|e| e.node.scalar_text()) {
            Some(source) => target.push_str(&source),
            // Go formats a missing source with `%s` as this.
            None => target.push_str("%!s(<nil>)"),
        }
        insert_default(node, "target", Value::Str(target));
    }
    Ok(())
}

#[expect(
    clippy::unnecessary_wraps,
    reason = "every transformer has the table's signature"
)]
fn port_defaults(node: &mut Node, _: &TreePath) -> Result<(), Diagnostic> {
    insert_default(node, "protocol", Value::Str("tcp".into()));
    insert_default(node, "mode", Value::Str("ingress".into()));
    Ok(())
}

fn device_request_defaults(node: &mut Node, path: &TreePath) -> Result<(), Diagnostic> {
    let Some(map) = node.as_map() else {
        return Err(shape_error(node, path, "a mapping"));
    };
    if !map.contains_key("count") && !map.contains_key("device_ids") {
        insert_default(node, "count", Value::Str("all".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value as J, json};

    use super::*;
    use crate::frontend::yaml;
    use crate::source::FileId;

    fn parse(text: &str) -> Node {
        yaml::parse(text, FileId(0)).unwrap().remove(0)
    }

    fn canon(text: &str) -> J {
        let mut root = parse(text);
        canonical(&mut root).unwrap();
        root.to_json()
    }

    fn canon_err(text: &str) -> Diagnostic {
        let mut root = parse(text);
        canonical(&mut root).unwrap_err()
    }

    #[test]
    fn path_patterns_match_list_items() {
        let patterns = &*TRANSFORMER_PATTERNS;
        let volumes = patterns.at(["services", "a", "volumes"]);
        let item = patterns.step(volumes, "[]");
        assert_eq!(
            patterns.matched(item).map(|i| TRANSFORMERS[i].0),
            Some("services.*.volumes.*")
        );
        assert_eq!(patterns.matched(volumes), None);
        assert!(!patterns.may_match_below(item));
    }

    #[test]
    fn short_forms_become_mappings() {
        let j = canon(
            "services:\n  a:\n    build: ./dir\n    extends: base\n    depends_on: [db]\n    networks: [front]\n    models: [m]\n    env_file: [a.env, {path: b.env, required: false}]\n    label_file: l\n    dns: 1.1.1.1\n    secrets: [s]\n    configs: [c]\n    devices: ['/dev/x:/dev/y']\n    develop: {watch: [{path: ., action: sync, ignore: x, include: y}]}\ninclude: [other.yaml]",
        );
        let a = &j["services"]["a"];
        assert_eq!(a["build"], json!({"context": "./dir"}));
        assert_eq!(a["extends"], json!({"service": "base"}));
        assert_eq!(
            a["depends_on"],
            json!({"db": {"condition": "service_started", "required": true}})
        );
        assert_eq!(a["networks"], json!({"front": null}));
        assert_eq!(a["models"], json!({"m": null}));
        assert_eq!(
            a["env_file"],
            json!([{"path": "a.env", "required": true}, {"path": "b.env", "required": false}])
        );
        assert_eq!(a["label_file"], json!(["l"]));
        assert_eq!(a["dns"], json!(["1.1.1.1"]));
        assert_eq!(a["secrets"], json!([{"source": "s"}]));
        assert_eq!(a["configs"], json!([{"source": "c"}]));
        assert_eq!(
            a["devices"],
            json!([{"source": "/dev/x", "target": "/dev/y", "permissions": "rwm"}])
        );
        assert_eq!(a["develop"]["watch"][0]["ignore"], json!(["x"]));
        assert_eq!(a["develop"]["watch"][0]["include"], json!(["y"]));
        assert_eq!(j["include"], json!([{"path": "other.yaml"}]));
    }

    #[test]
    fn build_sub_attributes() {
        let j = canon(
            "services:\n  a:\n    build:\n      context: .\n      secrets: [s]\n      ssh: [default, k=/key]\n      additional_contexts: ['x=../y']\n      sbom: false\n      ulimits: {nofile: 10}",
        );
        let build = &j["services"]["a"]["build"];
        assert_eq!(build["secrets"], json!([{"source": "s"}]));
        assert_eq!(build["ssh"], json!({"default": null, "k": "/key"}));
        assert_eq!(build["additional_contexts"], json!({"x": "../y"}));
        assert_eq!(build["sbom"], "false");
        assert_eq!(build["ulimits"], json!({"nofile": 10}));
    }

    #[test]
    fn existing_depends_on_mapping_gets_defaults() {
        let j = canon("services: {a: {depends_on: {db: {condition: service_healthy}}}}");
        assert_eq!(
            j["services"]["a"]["depends_on"],
            json!({"db": {"condition": "service_healthy", "required": true}})
        );
    }

    #[test]
    fn deprecated_external_name() {
        let j = canon("volumes: {v: {external: {name: real}}, w: {external: true}, x:}");
        assert_eq!(j["volumes"]["v"], json!({"external": true, "name": "real"}));
        assert_eq!(j["volumes"]["w"], json!({"external": true}));
        assert_eq!(j["volumes"]["x"], J::Null);
        let warnings = file_warnings(&parse(
            "volumes: {v: {external: {name: real}}, w: {external: true}}",
        ));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].code, Code::DeprecatedExternalName);
        let err = canon_err("networks: {n: {name: a, external: {name: b}}}");
        assert_eq!(err.code, Code::ExternalNameConflict);
    }

    #[test]
    fn invalid_port_points_at_the_item() {
        let text = "services: {a: {ports: ['80:80:80:80']}}";
        let err = canon_err(text);
        assert_eq!(err.code, Code::InvalidPort);
        assert_eq!(
            err.message,
            "invalid port `80:80:80:80`: invalid IP address: 80:80"
        );
        let span = err.primary_span().unwrap();
        assert_eq!(
            &text[span.start as usize..span.end as usize],
            "'80:80:80:80'"
        );
        assert!(err.help.is_some());
    }

    #[test]
    fn integer_ports_and_long_syntax_ports() {
        let j = canon("services: {a: {ports: [8080, {target: 80, published: '81'}]}}");
        assert_eq!(
            j["services"]["a"]["ports"],
            json!([{"mode": "ingress", "target": 8080, "protocol": "tcp"}, {"target": 80, "published": "81"}])
        );
    }

    #[test]
    fn windows_drive_quirk_in_volume_targets() {
        let j = canon("services: {a: {volumes: ['a:/b', '/d', './x:rel/./y/']}}");
        assert_eq!(
            j["services"]["a"]["volumes"],
            json!([
                {"type": "volume", "target": "a:/b", "volume": {}},
                {"type": "volume", "target": "/d"},
                {"type": "bind", "source": "./x", "target": "rel/y", "bind": {"create_host_path": true}}
            ])
        );
    }

    #[test]
    fn shape_errors() {
        for (text, code) in [
            (
                "services: {a: {volumes: ['/a:/b:ro:x']}}",
                Code::InvalidVolume,
            ),
            ("services: {a: {devices: ['a:b:c:d']}}", Code::InvalidDevice),
            (
                "services: {a: {build: {context: ., additional_contexts: [x]}}}",
                Code::InvalidKeyValue,
            ),
            (
                "services: {a: {build: {context: ., ssh: [mykey]}}}",
                Code::InvalidSshKey,
            ),
            (
                "services: {a: {ulimits: {nofile: '10'}}}",
                Code::UnexpectedShape,
            ),
            ("services: {a: {build: 3}}", Code::UnexpectedShape),
            ("services: {a: {ports: 80}}", Code::UnexpectedShape),
            ("services: {a: {gpus: 1}}", Code::UnexpectedShape),
            ("services: {a: {depends_on: {b: x}}}", Code::UnexpectedShape),
        ] {
            assert_eq!(canon_err(text).code, code, "{text}");
        }
    }

    #[test]
    fn defaults() {
        let mut root = parse(
            "services:\n  a:\n    build: {dockerfile: D}\n    secrets: [{source: s}, {source: t, target: /x}]\n    ports: [{target: 80}]\n    gpus: [{driver: nvidia}, {count: 1}]\n    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}, {device_ids: ['0']}]}}}",
        );
        set_defaults(&mut root).unwrap();
        let j = root.to_json();
        let a = &j["services"]["a"];
        assert_eq!(a["build"], json!({"dockerfile": "D", "context": "."}));
        assert_eq!(
            a["secrets"],
            json!([{"source": "s", "target": "/run/secrets/s"}, {"source": "t", "target": "/x"}])
        );
        assert_eq!(
            a["ports"],
            json!([{"target": 80, "protocol": "tcp", "mode": "ingress"}])
        );
        assert_eq!(
            a["gpus"],
            json!([{"driver": "nvidia", "count": "all"}, {"count": 1}])
        );
        assert_eq!(
            a["deploy"]["resources"]["reservations"]["devices"],
            json!([{"capabilities": ["gpu"], "count": "all"}, {"device_ids": ["0"]}])
        );
    }

    #[test]
    fn omit_empty_only_touches_dns() {
        let mut root = parse("services: {a: {dns: ['', null, 1.1.1.1], dns_search: ['']}}");
        omit_empty(&mut root);
        let j = root.to_json();
        assert_eq!(j["services"]["a"]["dns"], json!(["1.1.1.1"]));
        assert_eq!(j["services"]["a"]["dns_search"], json!([""]));
    }

    #[test]
    fn synthesized_nodes_point_at_their_origin() {
        let text = "services: {a: {build: ./dir}}";
        let mut root = parse(text);
        canonical(&mut root).unwrap();
        let build = root
            .get("services")
            .and_then(|s| s.get("a"))
            .and_then(|a| a.get("build"))
            .unwrap();
        let context = build.get("context").unwrap();
        assert_eq!(
            &text[context.span.start as usize..context.span.end as usize],
            "./dir"
        );
        assert_eq!(build.span, context.span);
    }
}
