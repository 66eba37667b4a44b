//! compose-go's `loader.Normalize` and `loader.ResolveEnvironment`: the implicit parts of a
//! project made explicit on the merged, canonical tree. Resources get their engine names
//! (`<project>_<key>`), services without networks join `default`, and service references through
//! links, shared namespaces and `volumes_from` become `depends_on` entries.

use super::canonical::{insert_default, mapping};
use super::node::{Entry, Map, Node, Value};
use super::paths::clean;
use crate::diagnostics::Diagnostic;

/// Looks a variable up in the project environment.
pub type Environment<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Applies `loader.Normalize`; the project name must already be at `root["name"]`.
pub fn normalize(root: &mut Node, environment: Environment<'_>) -> Result<(), Diagnostic> {
    normalize_networks(root);
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for entry in services.values_mut() {
            normalize_service(&mut entry.node, environment);
        }
    }
    set_name_from_key(root);
    Ok(())
}

/// Applies `loader.ResolveEnvironment`: list-form service `environment` entries that name a
/// variable of the project environment get its value, and secrets and configs declared with
/// `environment:` get their content from it.
pub fn resolve_environment(root: &mut Node, environment: Environment<'_>) {
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for entry in services.values_mut() {
            let Some(Value::Seq(items)) = entry.node.get_mut("environment").map(|n| &mut n.value)
            else {
                continue;
            };
            // compose-go drops list items that are not strings here.
            items.retain(|item| item.as_str().is_some());
            for item in items.iter_mut() {
                let Value::Str(name) = &item.value else {
                    continue;
                };
                if let Some(value) = environment(name) {
                    let text = format!("{name}={value}");
                    item.value = Value::Str(text);
                }
            }
        }
    }
    for (section, key) in [("secrets", "x-#value"), ("configs", "content")] {
        let Some(resources) = root.get_mut(section).and_then(Node::as_map_mut) else {
            continue;
        };
        for entry in resources.values_mut() {
            let Some(variable) = entry.node.get("environment").and_then(Node::as_str) else {
                continue;
            };
            if let Some(value) = environment(variable) {
                let origin = entry.node.get("environment").cloned().expect("read above");
                if let Some(map) = entry.node.as_map_mut() {
                    let node = Node::str(value, &origin);
                    map.insert(
                        key.to_owned(),
                        Entry {
                            key_span: origin.span,
                            node,
                        },
                    );
                }
            }
        }
    }
}

fn normalize_networks(root: &mut Node) {
    let mut uses_default = false;
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for entry in services.values_mut() {
            let service = &mut entry.node;
            let Some(map) = service.as_map() else {
                continue;
            };
            if map.contains_key("provider") || map.contains_key("network_mode") {
                continue;
            }
            let networks = map.get("networks").map(|e| &e.node);
            let empty = networks.is_none_or(|n| n.as_map().is_none_or(Map::is_empty));
            if empty {
                let origin = networks
                    .cloned()
                    .unwrap_or_else(|| Node::derived(Value::Null, service));
                let attached = mapping(
                    &origin,
                    vec![("default", Node::derived(Value::Null, &origin))],
                );
                let map = service.as_map_mut().expect("checked above");
                map.insert(
                    "networks".into(),
                    Entry {
                        key_span: origin.span,
                        node: attached,
                    },
                );
                uses_default = true;
            } else if networks.and_then(|n| n.get("default")).is_some() {
                uses_default = true;
            }
        }
    }
    if !uses_default {
        return;
    }
    let origin = Node::derived(Value::Null, root);
    let Some(root_map) = root.as_map_mut() else {
        return;
    };
    let networks = root_map.entry("networks".into()).or_insert_with(|| Entry {
        key_span: origin.span,
        node: Node::derived(Value::Map(Map::new()), &origin),
    });
    if networks.node.is_null() {
        networks.node.value = Value::Map(Map::new());
    }
    insert_default(&mut networks.node, "default", Value::Null);
}

fn normalize_service(service: &mut Node, environment: Environment<'_>) {
    if service.get("pull_policy").and_then(Node::as_str) == Some("if_not_present") {
        let policy = service.get_mut("pull_policy").expect("read above");
        policy.value = Value::Str("missing".into());
    }
    if let Some(build) = service.get_mut("build") {
        if build.get("context").is_none_or(Node::is_null) {
            set(build, "context", Value::Str(".".into()));
        }
        if build.get("dockerfile").is_none_or(Node::is_null)
            && build.get("dockerfile_inline").is_none_or(Node::is_null)
        {
            set(build, "dockerfile", Value::Str("Dockerfile".into()));
        }
        if let Some(args) = build.get_mut("args") {
            resolve(args, environment, false);
        }
    }
    if let Some(env) = service.get_mut("environment") {
        resolve(env, environment, true);
    }
    let mut depends_on = match service.get("depends_on") {
        Some(node) => node.clone(),
        None => Node::derived(Value::Map(Map::new()), service),
    };
    let before = depends_on.as_map().map_or(0, Map::len);
    let mut implied: Vec<(String, bool, Node)> = Vec::new();
    if let Some(links) = service.get("links").and_then(Node::as_seq) {
        for link in links {
            let Some(text) = link.as_str() else { continue };
            let parts: Vec<&str> = text.split(':').collect();
            // compose-go keeps the whole text as the service name when it has two colons.
            let name = if parts.len() == 2 { parts[0] } else { text };
            implied.push((name.to_owned(), true, link.clone()));
        }
    }
    for namespace in ["network_mode", "ipc", "pid", "uts", "cgroup"] {
        if let Some(node) = service.get(namespace)
            && let Some(shared) = node.as_str().and_then(|s| s.strip_prefix("service:"))
        {
            implied.push((shared.to_owned(), true, node.clone()));
        }
    }
    if let Some(volumes) = service.get_mut("volumes").and_then(Node::as_seq_mut) {
        for volume in volumes {
            if let Some(Value::Str(target)) = volume.get_mut("target").map(|n| &mut n.value) {
                *target = clean(target);
            }
        }
    }
    if let Some(volumes_from) = service.get("volumes_from").and_then(Node::as_seq) {
        for from in volumes_from {
            let Some(text) = from.as_str() else { continue };
            if !text.starts_with("container:") {
                let name = text.split(':').next().unwrap_or(text);
                implied.push((name.to_owned(), false, from.clone()));
            }
        }
    }
    if let Some(map) = depends_on.as_map_mut() {
        for (name, restart, origin) in implied {
            map.entry(name).or_insert_with(|| Entry {
                key_span: origin.span,
                node: mapping(
                    &origin,
                    vec![
                        ("condition", Node::str("service_started", &origin)),
                        ("restart", Node::derived(Value::Bool(restart), &origin)),
                        ("required", Node::derived(Value::Bool(true), &origin)),
                    ],
                ),
            });
        }
    }
    let after = depends_on.as_map().map_or(0, Map::len);
    if after > 0 && (after != before || service.get("depends_on").is_none()) {
        set(service, "depends_on", depends_on.value);
    }
}

/// Sets `key` to `value`, keeping the existing entry's spans when there is one.
fn set(node: &mut Node, key: &str, value: Value) {
    let origin = node
        .get(key)
        .cloned()
        .unwrap_or_else(|| Node::derived(Value::Null, node));
    if let Some(map) = node.as_map_mut() {
        let key_span = map.get(key).map_or(origin.span, |e| e.key_span);
        map.insert(
            key.to_owned(),
            Entry {
                key_span,
                node: Node::derived(value, &origin),
            },
        );
    }
}

/// compose-go's `resolve`: entries without a value take it from the environment; when the
/// variable is unset they stay valueless (`keep_empty`, for `environment`) or are dropped (build
/// args). Items that are neither strings nor mapping values are dropped from lists.
fn resolve(node: &mut Node, environment: Environment<'_>, keep_empty: bool) {
    match &mut node.value {
        Value::Seq(items) => {
            items.retain_mut(|item| match &item.value {
                Value::Str(text) if text.contains('=') => true,
                Value::Str(name) => match environment(name) {
                    Some(value) => {
                        item.value = Value::Str(format!("{name}={value}"));
                        true
                    }
                    None => keep_empty,
                },
                _ => false,
            });
        }
        Value::Map(map) => {
            map.retain(|name, entry| {
                if !entry.node.is_null() {
                    return true;
                }
                match environment(name) {
                    Some(value) => {
                        entry.node.value = Value::Str(value);
                        true
                    }
                    None => keep_empty,
                }
            });
        }
        _ => {}
    }
}

/// Resources without an explicit name are named after their key: as is when external,
/// `<project>_<key>` otherwise.
fn set_name_from_key(root: &mut Node) {
    let project = root
        .get("name")
        .and_then(Node::scalar_text)
        .unwrap_or_else(|| "%!s(<nil>)".into());
    for section in ["networks", "volumes", "configs", "secrets"] {
        let Some(resources) = root.get_mut(section).and_then(Node::as_map_mut) else {
            continue;
        };
        for (key, entry) in resources.iter_mut() {
            if entry.node.is_null() {
                entry.node.value = Value::Map(Map::new());
            }
            if entry.node.get("name").is_some_and(|n| !n.is_null()) {
                continue;
            }
            let external = entry.node.get("external").is_some_and(is_true);
            let name = if external {
                key.clone()
            } else {
                format!("{project}_{key}")
            };
            set(&mut entry.node, "name", Value::Str(name));
        }
    }
}

/// Go's `strconv.ParseBool(fmt.Sprint(x))`.
fn is_true(node: &Node) -> bool {
    matches!(
        node.scalar_text().as_deref(),
        Some("1" | "t" | "T" | "true" | "TRUE" | "True")
    )
}
