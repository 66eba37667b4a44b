//! Merging compose trees (`-f a -f b`, `extends`) and removing redefined list entries, with the
//! rules of the compose specification's merge chapter as compose-go implements them.
//!
//! Mappings merge key by key, sequences append, scalars are replaced; a table of per-key rules
//! overrides that (`command` is replaced, `environment` merges as `KEY=VALUE` entries,
//! `depends_on` as a mapping, …). After appending, [`enforce_unicity`] keeps only the last
//! definition of each entry of keyed lists (`ports` by address, `volumes` by target, …).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::node::{Entry, Map, Node, Value, format_go_float};
use super::tree::{Cursor, Path, PatternSet};
use crate::diagnostics::{Code, Diagnostic};

/// The merge rule for a path, when it is not the default one.
#[derive(Clone, Copy)]
enum Rule {
    /// Both sides become `KEY=VALUE` lists, appended.
    ToSequence,
    /// The later value replaces the earlier one.
    Replace,
    Build,
    DependsOn,
    /// A list of names becomes a mapping of names to null, then mappings merge.
    NamesToMapping,
    ExtraHosts,
    Logging,
    Ulimit,
    IpamConfig,
}

fn rule_for(path: &Path) -> Option<Rule> {
    const RULES: &[(&str, Rule)] = &[
        ("networks.*.ipam.config", Rule::IpamConfig),
        ("networks.*.labels", Rule::ToSequence),
        ("volumes.*.labels", Rule::ToSequence),
        ("services.*.annotations", Rule::ToSequence),
        ("services.*.build", Rule::Build),
        ("services.*.build.args", Rule::ToSequence),
        ("services.*.build.additional_contexts", Rule::ToSequence),
        ("services.*.build.extra_hosts", Rule::ExtraHosts),
        ("services.*.build.labels", Rule::ToSequence),
        ("services.*.command", Rule::Replace),
        ("services.*.depends_on", Rule::DependsOn),
        ("services.*.deploy.labels", Rule::ToSequence),
        ("services.*.dns", Rule::ToSequence),
        ("services.*.dns_opt", Rule::ToSequence),
        ("services.*.dns_search", Rule::ToSequence),
        ("services.*.entrypoint", Rule::Replace),
        ("services.*.env_file", Rule::ToSequence),
        ("services.*.label_file", Rule::ToSequence),
        ("services.*.environment", Rule::ToSequence),
        ("services.*.extra_hosts", Rule::ExtraHosts),
        ("services.*.healthcheck.test", Rule::Replace),
        ("services.*.labels", Rule::ToSequence),
        ("services.*.volumes.*.volume.labels", Rule::ToSequence),
        ("services.*.logging", Rule::Logging),
        ("services.*.models", Rule::NamesToMapping),
        ("services.*.networks", Rule::NamesToMapping),
        ("services.*.sysctls", Rule::ToSequence),
        ("services.*.tmpfs", Rule::ToSequence),
        ("services.*.ulimits.*", Rule::Ulimit),
    ];
    RULES
        .iter()
        .find(|(pattern, _)| path.matches(pattern))
        .map(|(_, rule)| *rule)
}

/// Merges `over` onto `base` (a later file onto an earlier one, or a service onto the service it
/// extends). `path` is where the two trees sit.
pub fn merge(base: Node, mut over: Node, path: &Path) -> Result<Node, Diagnostic> {
    if let Some(rule) = rule_for(path) {
        return merge_special(rule, base, over, path);
    }
    if over.is_null() {
        return Ok(base);
    }
    let (span, via_alias) = (over.span, over.via_alias());
    match (base.value, std::mem::replace(&mut over.value, Value::Null)) {
        (Value::Map(base_map), Value::Map(over_map)) => Ok(over_with_value(
            Value::Map(Box::new(merge_mappings(*base_map, *over_map, path)?)),
            span,
            via_alias,
        )),
        (Value::Seq(mut base_items), Value::Seq(over_items)) => {
            base_items.extend(over_items);
            Ok(over_with_value(Value::Seq(base_items), span, via_alias))
        }
        (Value::Map(_) | Value::Seq(_), other) => Err(cannot_override(path, &span, &other)),
        (_, value) => {
            over.value = value;
            Ok(over)
        }
    }
}

/// A merged value that points where the overriding one was written.
fn over_with_value(
    value: Value,
    span: crate::source::Span,
    via_alias: Option<crate::source::Span>,
) -> Node {
    let mut node = Node::new(value, span);
    node.set_via_alias(via_alias);
    node
}

fn cannot_override(path: &Path, span: &crate::source::Span, value: &Value) -> Diagnostic {
    let kind = Node::new(value.clone(), *span).kind_name();
    Diagnostic::error(
        Code::MergeTypeMismatch,
        format!("cannot override `{path}` with {kind}: the earlier value has another type"),
    )
    .with_label(Some(*span), "overriding value")
    .with_help("use the same shape as the earlier definition, or tag this value with `!override`")
}

fn merge_mappings(mut base: Map, over: Map, path: &Path) -> Result<Map, Diagnostic> {
    for (key, entry) in over {
        match base.shift_remove_full(&key) {
            None => {
                base.insert(key, entry);
            }
            Some((index, _, existing)) => {
                let next = path.next(&key);
                let merged = merge(existing.node, entry.node, &next)?;
                base.shift_insert(
                    index,
                    key,
                    Entry {
                        key_span: entry.key_span,
                        node: merged,
                    },
                );
            }
        }
    }
    Ok(base)
}

fn merge_special(rule: Rule, base: Node, over: Node, path: &Path) -> Result<Node, Diagnostic> {
    let span = over.span;
    let via_alias = over.via_alias();
    let wrap = |value: Value| over_with_value(value, span, via_alias);
    match rule {
        Rule::Replace => Ok(over),
        Rule::ToSequence => {
            let mut items = into_sequence(base);
            items.extend(into_sequence(over));
            Ok(wrap(Value::Seq(items)))
        }
        Rule::ExtraHosts => {
            let mut items = into_sequence(base);
            let extra: Vec<Node> = into_sequence(over)
                .into_iter()
                .filter(|n| !items.iter().any(|b| b.value == n.value))
                .collect();
            items.extend(extra);
            Ok(wrap(Value::Seq(items)))
        }
        Rule::Build => {
            let base = build_mapping(base);
            let over = build_mapping(over);
            Ok(wrap(Value::Map(Box::new(merge_mappings(
                base, over, path,
            )?))))
        }
        Rule::DependsOn => {
            let base = into_mapping(base, true);
            let over = into_mapping(over, true);
            Ok(wrap(Value::Map(Box::new(merge_mappings(
                base, over, path,
            )?))))
        }
        Rule::NamesToMapping => {
            let base = into_mapping(base, false);
            let over = into_mapping(over, false);
            Ok(wrap(Value::Map(Box::new(merge_mappings(
                base, over, path,
            )?))))
        }
        Rule::Logging => {
            let (Value::Map(base_map), Value::Map(over_map)) = (&base.value, &over.value) else {
                return Ok(over);
            };
            let same_driver = match (over_map.get("driver"), base_map.get("driver")) {
                (Some(a), Some(b)) => a.node.value == b.node.value,
                _ => true,
            };
            if same_driver {
                let (Value::Map(base_map), Value::Map(over_map)) = (base.value, over.value) else {
                    unreachable!("checked above");
                };
                Ok(wrap(Value::Map(Box::new(merge_mappings(
                    *base_map, *over_map, path,
                )?))))
            } else {
                Ok(over)
            }
        }
        Rule::Ulimit => {
            // compose-go merges the override with itself here, so the later value simply wins.
            Ok(over)
        }
        Rule::IpamConfig => merge_ipam_config(base, over, path),
    }
}

/// compose-go's `convertIntoSequence`: a mapping becomes sorted `KEY=VALUE` strings (a null
/// value gives the bare key; a list value gives one entry per element).
fn into_sequence(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        Value::Str(_) => vec![node],
        Value::Map(map) => {
            let mut items: Vec<Node> = Vec::new();
            for (key, entry) in *map {
                match &entry.node.value {
                    Value::Null => items.push(Node::str(key, &entry.node)),
                    Value::Seq(values) => {
                        for v in values {
                            items.push(Node::str(format!("{key}={}", go_sprint(v)), v));
                        }
                    }
                    _ => items.push(Node::str(
                        format!("{key}={}", go_sprint(&entry.node)),
                        &entry.node,
                    )),
                }
            }
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            items
        }
        _ => Vec::new(),
    }
}

/// Go's `fmt.Sprintf("%v", v)` for a decoded YAML value.
#[must_use]
pub fn go_sprint(node: &Node) -> String {
    match &node.value {
        Value::Null => "<nil>".to_owned(),
        Value::Float(f) => format_go_float(*f),
        Value::Seq(items) => format!(
            "[{}]",
            items.iter().map(go_sprint).collect::<Vec<_>>().join(" ")
        ),
        Value::Map(map) => {
            let mut parts: Vec<String> = map
                .iter()
                .map(|(k, e)| format!("{k}:{}", go_sprint(&e.node)))
                .collect();
            parts.sort();
            format!("map[{}]", parts.join(" "))
        }
        _ => node.scalar_text().unwrap_or_default(),
    }
}

fn build_mapping(node: Node) -> Map {
    match node.value {
        Value::Str(_) => {
            let mut map = Map::default();
            map.insert(
                "context".to_owned(),
                Entry {
                    key_span: node.span,
                    node,
                },
            );
            map
        }
        Value::Map(map) => *map,
        _ => Map::default(),
    }
}

/// compose-go's `convertIntoMapping`: a list of names becomes a mapping; with `depends_on`
/// defaults each name gets `{condition: service_started, required: true}`.
fn into_mapping(node: Node, depends_on_defaults: bool) -> Map {
    match node.value {
        Value::Map(map) => *map,
        Value::Seq(items) => {
            let mut map = Map::default();
            for item in items {
                let Some(name) = item.as_str().map(str::to_owned) else {
                    continue;
                };
                let value = if depends_on_defaults {
                    depends_on_default(&item)
                } else {
                    Node::derived(Value::Null, &item)
                };
                map.insert(
                    name,
                    Entry {
                        key_span: item.span,
                        node: value,
                    },
                );
            }
            map
        }
        _ => Map::default(),
    }
}

/// `{condition: service_started, required: true}`, pointing at `origin`.
#[must_use]
pub fn depends_on_default(origin: &Node) -> Node {
    let mut map = Map::default();
    map.insert(
        "condition".to_owned(),
        Entry {
            key_span: origin.span,
            node: Node::str("service_started", origin),
        },
    );
    map.insert(
        "required".to_owned(),
        Entry {
            key_span: origin.span,
            node: Node::derived(Value::Bool(true), origin),
        },
    );
    Node::derived(Value::Map(Box::new(map)), origin)
}

fn merge_ipam_config(base: Node, over: Node, path: &Path) -> Result<Node, Diagnostic> {
    let span = over.span;
    let (Value::Seq(configs), Value::Seq(overrides)) = (base.value, over.value) else {
        return Err(
            Diagnostic::error(Code::MergeTypeMismatch, format!("`{path}` must be a list"))
                .with_label(Some(span), "not a list"),
        );
    };
    let subnet = |m: &Map| m.get("subnet").map(|e| e.node.value.clone());
    let mut result: Vec<Map> = Vec::new();
    for original in configs {
        let right = into_mapping(original, false);
        for override_node in &overrides {
            let left = into_mapping(override_node.clone(), false);
            if subnet(&left) != subnet(&right) && !result.iter().any(|m| subnet(m) == subnet(&left))
            {
                result.push(left);
                continue;
            }
            let merged = merge_mappings(right.clone(), left, path)?;
            if let Some(i) = result.iter().position(|m| subnet(m) == subnet(&merged)) {
                result[i] = merged;
            } else {
                result.push(merged);
            }
        }
    }
    Ok(Node::new(
        Value::Seq(
            result
                .into_iter()
                .map(|m| Node::new(Value::Map(Box::new(m)), span))
                .collect(),
        ),
        span,
    ))
}

/// How entries of a keyed list are identified, for [`enforce_unicity`].
#[derive(Clone, Copy)]
enum Indexer {
    KeyValue,
    Volume,
    Device,
    Expose,
    Mount(&'static str),
    Port,
    EnvFile,
}

const UNIQUE: &[(&str, Indexer)] = &[
    ("networks.*.labels", Indexer::KeyValue),
    ("networks.*.ipam.options", Indexer::KeyValue),
    ("services.*.annotations", Indexer::KeyValue),
    ("services.*.build.args", Indexer::KeyValue),
    ("services.*.build.additional_contexts", Indexer::KeyValue),
    ("services.*.build.platform", Indexer::KeyValue),
    ("services.*.build.tags", Indexer::KeyValue),
    ("services.*.build.labels", Indexer::KeyValue),
    ("services.*.cap_add", Indexer::KeyValue),
    ("services.*.cap_drop", Indexer::KeyValue),
    ("services.*.devices", Indexer::Device),
    ("services.*.configs", Indexer::Mount("")),
    ("services.*.deploy.labels", Indexer::KeyValue),
    ("services.*.dns", Indexer::KeyValue),
    ("services.*.dns_opt", Indexer::KeyValue),
    ("services.*.dns_search", Indexer::KeyValue),
    ("services.*.environment", Indexer::KeyValue),
    ("services.*.env_file", Indexer::EnvFile),
    ("services.*.expose", Indexer::Expose),
    ("services.*.labels", Indexer::KeyValue),
    ("services.*.links", Indexer::KeyValue),
    ("services.*.networks.*.aliases", Indexer::KeyValue),
    ("services.*.networks.*.link_local_ips", Indexer::KeyValue),
    ("services.*.ports", Indexer::Port),
    ("services.*.profiles", Indexer::KeyValue),
    ("services.*.secrets", Indexer::Mount("/run/secrets")),
    ("services.*.sysctls", Indexer::KeyValue),
    ("services.*.tmpfs", Indexer::KeyValue),
    ("services.*.volumes", Indexer::Volume),
];

static UNIQUE_PATTERNS: LazyLock<PatternSet> =
    LazyLock::new(|| PatternSet::new(UNIQUE.iter().map(|(pattern, _)| *pattern)));

/// Removes earlier definitions of entries redefined later in keyed lists; the later entry takes
/// the earlier one's position, as in compose-go.
pub fn enforce_unicity(node: &mut Node, path: &Path) -> Result<(), Diagnostic> {
    let cursor = UNIQUE_PATTERNS.at_path(path);
    unicity_at(node, path, cursor)
}

/// Only subtrees where some keyed list's pattern can still match are visited.
fn unicity_at(node: &mut Node, path: &Path, cursor: Cursor) -> Result<(), Diagnostic> {
    let patterns = &*UNIQUE_PATTERNS;
    match &mut node.value {
        Value::Map(map) if path.is_services() => {
            // Services are independent: shared among threads, first error in service order.
            crate::parallel::try_for_each(map.iter_mut(), |(key, entry)| {
                let child = patterns.step(cursor, key);
                if patterns.is_relevant(child) {
                    unicity_at(&mut entry.node, &path.next(key), child)?;
                }
                Ok(())
            })?;
        }
        Value::Map(map) => {
            for (key, entry) in map.iter_mut() {
                let child = patterns.step(cursor, key);
                if patterns.is_relevant(child) {
                    unicity_at(&mut entry.node, &path.next(key), child)?;
                }
            }
        }
        Value::Seq(items) => {
            if let Some(i) = patterns.matched(cursor) {
                let indexer = UNIQUE[i].1;
                let keys = items
                    .iter()
                    .map(|item| index_key(indexer, item, path))
                    .collect::<Result<Vec<Cow<'_, str>>, Diagnostic>>()?;
                // Most lists redefine no entry: then nothing moves.
                if !has_duplicates(&keys) {
                    return Ok(());
                }
                let keys: Vec<String> = keys.into_iter().map(Cow::into_owned).collect();
                let mut unique: Vec<Node> = Vec::with_capacity(items.len());
                let mut positions: HashMap<&str, usize, foldhash::fast::RandomState> =
                    HashMap::default();
                for (item, key) in std::mem::take(items).into_iter().zip(&keys) {
                    if let Some(&i) = positions.get(key.as_str()) {
                        unique[i] = item;
                    } else {
                        positions.insert(key, unique.len());
                        unique.push(item);
                    }
                }
                *items = unique;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Warnings for entries of one file's own service lists that a later entry of the same list
/// replaces. compose-go keeps the later one without a word, so `- ./a:/data` then `- ./b:/data`
/// mounts `./b` alone and `- A=1` then `- A=2` sets `A=2`. Across files and `extends`, replacing
/// is what an override is for: call this on one file's tree, before anything is merged into it.
#[must_use]
pub fn replaced_entries(root: &Node) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let Some(services) = root.get("services").and_then(Node::as_map) else {
        return warnings;
    };
    for (service, entry) in services {
        let Some(service_map) = entry.node.as_map() else {
            continue;
        };
        for (attribute, value) in service_map {
            let Some(items) = value.node.as_seq().filter(|items| items.len() >= 2) else {
                continue;
            };
            let Some(&(attribute, indexer, identity)) =
                SERVICE_LISTS.iter().find(|(a, _, _)| a == attribute)
            else {
                continue;
            };
            let path = Path::root();
            let Ok(keys) = items
                .iter()
                .map(|item| index_key(indexer, item, &path))
                .collect::<Result<Vec<_>, _>>()
            else {
                continue;
            };
            if !has_duplicates(&keys) {
                continue;
            }
            for (i, (item, key)) in items.iter().zip(&keys).enumerate() {
                let Some(later) = keys[i + 1..]
                    .iter()
                    .position(|k| k == key)
                    .map(|j| &items[i + 1 + j])
                else {
                    continue;
                };
                if later.value == item.value {
                    continue;
                }
                warnings.push(replaced_entry(
                    service, attribute, identity, key, item, later,
                ));
            }
        }
    }
    warnings
}

/// A service's own keyed lists, with what names an entry in messages. Two ports or exposed
/// ports of one key are one mapping written twice, so nothing is lost and they are left out.
static SERVICE_LISTS: LazyLock<Vec<(&str, Indexer, &str)>> = LazyLock::new(|| {
    UNIQUE
        .iter()
        .filter_map(|&(pattern, indexer)| {
            let attribute = pattern.strip_prefix("services.*.")?;
            let identity = match indexer {
                Indexer::Volume | Indexer::Device | Indexer::Mount(_) => "target",
                Indexer::EnvFile => "path",
                Indexer::KeyValue => "name",
                Indexer::Port | Indexer::Expose => return None,
            };
            (!attribute.contains('.')).then_some((attribute, indexer, identity))
        })
        .collect()
});

fn replaced_entry(
    service: &str,
    attribute: &str,
    identity: &str,
    key: &str,
    earlier: &Node,
    later: &Node,
) -> Diagnostic {
    Diagnostic::warning(
        Code::ReplacedListEntry,
        format!(
            "`services.{service}.{attribute}` has two entries for the {identity} `{key}`: Docker Compose keeps the later one and drops the earlier"
        ),
    )
    .with_label(Some(earlier.span), "dropped")
    .with_label(Some(later.span), "kept")
    .with_help(format!(
        "remove one of the two entries, or give them different {identity}s"
    ))
}

/// Whether some key occurs twice; short lists, the usual ones, are compared pairwise.
fn has_duplicates(keys: &[Cow<'_, str>]) -> bool {
    if keys.len() <= 16 {
        return keys
            .iter()
            .enumerate()
            .any(|(i, key)| keys[..i].contains(key));
    }
    let mut seen: HashSet<&str, foldhash::fast::RandomState> = HashSet::default();
    !keys.iter().all(|key| seen.insert(key))
}

/// The identity of a keyed list's entry, borrowed from the entry when it is written there.
fn index_key<'a>(
    indexer: Indexer,
    item: &'a Node,
    path: &Path<'_>,
) -> Result<Cow<'a, str>, Diagnostic> {
    let unexpected = || {
        Diagnostic::error(
            Code::MergeTypeMismatch,
            format!("unexpected {} in `{path}`", item.kind_name()),
        )
        .with_label(Some(item.span), "here")
    };
    Ok(match indexer {
        Indexer::KeyValue => match &item.value {
            Value::Str(s) => Cow::Borrowed(s.split_once('=').map_or(s.as_str(), |(k, _)| k)),
            _ => return Err(unexpected()),
        },
        Indexer::Volume => match &item.value {
            Value::Map(m) => m
                .get("target")
                .and_then(|e| e.node.as_str())
                .map(Cow::Borrowed)
                .ok_or_else(|| {
                    Diagnostic::error(
                        Code::MergeTypeMismatch,
                        format!("a volume in `{path}` has no mount `target`"),
                    )
                    .with_label(Some(item.span), "this volume")
                })?,
            Value::Str(s) => Cow::Borrowed(super::canonical::volumes::short_target(s)),
            _ => Cow::Borrowed(""),
        },
        Indexer::Device => match &item.value {
            Value::Map(m) => m
                .get("target")
                .and_then(|e| e.node.as_str())
                .map(Cow::Borrowed)
                .ok_or_else(|| {
                    Diagnostic::error(
                        Code::MergeTypeMismatch,
                        format!("a device in `{path}` has no `target`"),
                    )
                    .with_label(Some(item.span), "this device")
                })?,
            Value::Str(s) => {
                let mut parts = s.split(':');
                let first = parts.next().unwrap_or_default();
                Cow::Borrowed(parts.next().unwrap_or(first))
            }
            _ => Cow::Borrowed(""),
        },
        Indexer::Expose => match &item.value {
            Value::Str(s) => Cow::Borrowed(s),
            Value::Int(i) => Cow::Owned(i.to_string()),
            _ => return Err(unexpected()),
        },
        Indexer::Mount(default_dir) => match &item.value {
            // Every entry of a keyed list gets a key: `concat` copies the parts once, where
            // `format!` cost several times as much.
            Value::Str(s) => Cow::Owned([default_dir, "/", s].concat()),
            Value::Map(m) => {
                if let Some(target) = m.get("target") {
                    sprint(&target.node)
                } else {
                    let source = m
                        .get("source")
                        .map_or(Cow::Borrowed("<nil>"), |e| sprint(&e.node));
                    Cow::Owned([default_dir, "/", &source].concat())
                }
            }
            _ => return Err(unexpected()),
        },
        Indexer::Port => match &item.value {
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Str(s) => Cow::Borrowed(s),
            Value::Map(m) => {
                let field = |k: &str, default: &'static str| {
                    m.get(k).map_or(Cow::Borrowed(default), |e| sprint(&e.node))
                };
                Cow::Owned(
                    [
                        &field("host_ip", "0.0.0.0"),
                        ":",
                        &field("published", "<nil>"),
                        ":",
                        &field("target", "<nil>"),
                        "/",
                        &field("protocol", "tcp"),
                    ]
                    .concat(),
                )
            }
            _ => Cow::Borrowed(""),
        },
        Indexer::EnvFile => match &item.value {
            Value::Str(s) => Cow::Borrowed(s),
            Value::Map(m) => m.get("path").map(|e| sprint(&e.node)).ok_or_else(|| {
                Diagnostic::error(
                    Code::MergeTypeMismatch,
                    format!("an entry of `{path}` has no `path`"),
                )
                .with_label(Some(item.span), "this entry")
            })?,
            _ => Cow::Borrowed(""),
        },
    })
}

/// [`go_sprint`], borrowing a string instead of copying it.
fn sprint(node: &Node) -> Cow<'_, str> {
    match &node.value {
        Value::Str(s) => Cow::Borrowed(s),
        _ => Cow::Owned(go_sprint(node)),
    }
}
