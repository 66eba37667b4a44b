//! compose-go's `loader.Normalize` and `loader.ResolveEnvironment`: the implicit parts of a
//! project made explicit on the merged, canonical tree. Resources get their engine names
//! (`<project>_<key>`), services without networks join `default`, and service references through
//! links, shared namespaces and `volumes_from` become `depends_on` entries.

use super::canonical::{insert_default, mapping};
use super::node::{Entry, Map, Node, Value};
use super::paths::{clean, is_clean};
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
        node: Node::derived(Value::Map(Box::default()), &origin),
    });
    if networks.node.is_null() {
        networks.node.value = Value::Map(Box::default());
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
                if !is_clean(target) {
                    *target = clean(target);
                }
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
    // Most services imply no dependency: then `depends_on` is not even copied.
    if implied.is_empty() {
        return;
    }
    let mut depends_on = match service.get("depends_on") {
        Some(node) => node.clone(),
        None => Node::derived(Value::Map(Box::default()), service),
    };
    let before = depends_on.as_map().map_or(0, Map::len);
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
    // An existing mapping only changes when an implicit dependency was added.
    if after > before {
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
                entry.node.value = Value::Map(Box::default());
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::{Value as J, json};

    use super::*;
    use crate::frontend::{canonical, paths, yaml};
    use crate::source::FileId;

    /// The loader's order: canonical and omit-empty per file, then defaults, paths, environment,
    /// and normalisation once the project name is set.
    fn load(text: &str, env: &[(&str, &str)]) -> J {
        let mut root = yaml::parse(text, FileId(0)).unwrap().remove(0);
        canonical::canonical(&mut root).unwrap();
        canonical::omit_empty(&mut root);
        canonical::set_defaults(&mut root).unwrap();
        paths::resolve_with_home(&mut root, Path::new("/tmp/cc"), Some("/tmp".into())).unwrap();
        let lookup = |name: &str| {
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        resolve_environment(&mut root, &lookup);
        normalize(&mut root, &lookup).unwrap();
        root.to_json()
    }

    const PROJECT: &str = r#"
name: proj
services:
  web:
    image: nginx
    pull_policy: if_not_present
    ports:
      - 80
      - "8080:80/udp"
      - "127.0.0.1::81"
      - "[::1]:82:82"
      - "9-10"
      - "8000-8010:83"
      - "7000-7001:90-91"
      - target: 100
    volumes:
      - ./a:/b:ro
      - name:/c
      - /abs:/d:rw,z,rshared
      - ~/x:/y
      - 'C:\x:/z'
      - /data
      - .:/app:cached
      - data:/nc:nocopy
      - /e/
    devices: ["/dev/a", "/dev/b:/dev/c", "/dev/d:/dev/e:r"]
    dns: 8.8.8.8
    env_file: .env
    links: [db:database, cache]
    volumes_from: [db, "container:foo"]
    ipc: "service:db"
    environment: [FOO, BAR=1, UNSET_X]
    secrets: [s1, {source: s2}]
    gpus: all
    build:
      context: ./app
      args: {A: , B: x}
      additional_contexts: [a=../other]
      provenance: true
  db:
    image: postgres
    depends_on: [cache]
    networks: [back]
    build: .
  cache:
    image: redis
    network_mode: host
  web2:
    image: x
volumes:
  data:
  name:
    external: {name: realname}
  v2:
    driver: local
    driver_opts: {o: bind, device: ./dd, type: none}
networks:
  back:
secrets:
  s1: {file: ./s1.txt}
  s2: {environment: FOO}
"#;

    /// Expected values are docker-compose v2.40.3's `config --format json` for the same file, where
    /// the typed output keeps the information this stage produces.
    #[test]
    fn matches_docker_compose() {
        let j = load(PROJECT, &[("FOO", "foo")]);
        let web = &j["services"]["web"];
        assert_eq!(
            web["ports"],
            json!([
                {"mode": "ingress", "target": 80, "protocol": "tcp"},
                {"mode": "ingress", "target": 80, "published": "8080", "protocol": "udp"},
                {"mode": "ingress", "host_ip": "127.0.0.1", "target": 81, "protocol": "tcp"},
                {"mode": "ingress", "host_ip": "::1", "target": 82, "published": "82", "protocol": "tcp"},
                {"mode": "ingress", "target": 10, "protocol": "tcp"},
                {"mode": "ingress", "target": 9, "protocol": "tcp"},
                {"mode": "ingress", "target": 83, "published": "8000-8010", "protocol": "tcp"},
                {"mode": "ingress", "target": 90, "published": "7000", "protocol": "tcp"},
                {"mode": "ingress", "target": 91, "published": "7001", "protocol": "tcp"},
                {"target": 100, "protocol": "tcp", "mode": "ingress"}
            ])
        );
        let bind = json!({"create_host_path": true});
        assert_eq!(
            web["volumes"],
            json!([
                {"type": "bind", "source": "/tmp/cc/a", "target": "/b", "read_only": true, "bind": bind},
                {"type": "volume", "source": "name", "target": "/c", "volume": {}},
                {"type": "bind", "source": "/abs", "target": "/d",
                 "bind": {"selinux": "z", "propagation": "rshared", "create_host_path": true}},
                {"type": "bind", "source": "/tmp/x", "target": "/y", "bind": bind},
                {"type": "bind", "source": "C:\\x", "target": "/z", "bind": bind},
                {"type": "volume", "target": "/data", "volume": {}},
                {"type": "bind", "source": "/tmp/cc", "target": "/app", "bind": bind},
                {"type": "volume", "source": "data", "target": "/nc", "volume": {"nocopy": true}},
                {"type": "volume", "target": "/e", "volume": {}}
            ])
        );
        assert_eq!(
            web["devices"][0],
            json!({"source": "/dev/a", "target": "/dev/a", "permissions": "rwm"})
        );
        assert_eq!(
            web["devices"][2],
            json!({"source": "/dev/d", "target": "/dev/e", "permissions": "r"})
        );
        assert_eq!(web["dns"], json!(["8.8.8.8"]));
        assert_eq!(
            web["env_file"],
            json!([{"path": "/tmp/cc/.env", "required": true}])
        );
        let started = json!({"condition": "service_started", "restart": true, "required": true});
        assert_eq!(web["depends_on"], json!({"db": started, "cache": started}));
        assert_eq!(web["environment"], json!(["FOO=foo", "BAR=1", "UNSET_X"]));
        assert_eq!(
            web["secrets"][1],
            json!({"source": "s2", "target": "/run/secrets/s2"})
        );
        assert_eq!(web["gpus"], json!([{"count": "all"}]));
        assert_eq!(web["pull_policy"], "missing");
        assert_eq!(web["networks"], json!({"default": null}));
        let build = &web["build"];
        assert_eq!(
            (&build["context"], &build["dockerfile"], &build["args"]),
            (
                &json!("/tmp/cc/app"),
                &json!("Dockerfile"),
                &json!({"B": "x"})
            )
        );
        assert_eq!(build["additional_contexts"], json!({"a": "/tmp/other"}));
        assert_eq!(build["provenance"], "true");
        let db = &j["services"]["db"];
        assert_eq!(
            db["depends_on"],
            json!({"cache": {"condition": "service_started", "required": true}})
        );
        assert_eq!(
            db["build"],
            json!({"context": "/tmp/cc", "dockerfile": "Dockerfile"})
        );
        assert_eq!(db["networks"], json!({"back": null}));
        assert_eq!(j["services"]["cache"].get("networks"), None);
        assert_eq!(j["volumes"]["data"], json!({"name": "proj_data"}));
        assert_eq!(
            j["volumes"]["name"],
            json!({"external": true, "name": "realname"})
        );
        assert_eq!(j["volumes"]["v2"]["driver_opts"]["device"], "/tmp/cc/dd");
        assert_eq!(
            j["networks"],
            json!({"back": {"name": "proj_back"}, "default": {"name": "proj_default"}})
        );
        assert_eq!(
            j["secrets"]["s1"],
            json!({"file": "/tmp/cc/s1.txt", "name": "proj_s1"})
        );
        assert_eq!(j["secrets"]["s2"]["x-#value"], "foo");
    }

    #[test]
    fn no_default_network_when_unused() {
        let j = load(
            "name: p\nservices: {a: {image: x, network_mode: host}}",
            &[],
        );
        assert_eq!(j.get("networks"), None);
        let j = load("name: p\nservices: {a: {image: x, networks: []}}", &[]);
        assert_eq!(j["services"]["a"]["networks"], json!({"default": null}));
        assert_eq!(j["networks"], json!({"default": {"name": "p_default"}}));
    }

    #[test]
    fn links_and_namespaces_imply_depends_on() {
        let j = load(
            "name: p\nservices:\n  a: {image: x, links: ['b:c:d'], pid: 'service:c', network_mode: 'service:e', volumes_from: ['f:ro'], depends_on: {c: {condition: service_healthy}}}",
            &[],
        );
        let depends_on = &j["services"]["a"]["depends_on"];
        let names: Vec<&String> = depends_on.as_object().unwrap().keys().collect();
        assert_eq!(names, ["c", "b:c:d", "e", "f"]);
        assert_eq!(
            depends_on["c"],
            json!({"condition": "service_healthy", "required": true})
        );
        assert_eq!(depends_on["f"]["restart"], false);
        assert_eq!(depends_on["e"]["restart"], true);
    }

    #[test]
    fn external_resources_keep_their_key_as_name() {
        let j = load(
            "name: p\nnetworks: {n: {external: true}, m: {external: 'false'}, o: {name: own}}",
            &[],
        );
        assert_eq!(j["networks"]["n"]["name"], "n");
        assert_eq!(j["networks"]["m"]["name"], "p_m");
        assert_eq!(j["networks"]["o"]["name"], "own");
    }

    #[test]
    fn environment_mapping_values_resolve() {
        let j = load(
            "name: p\nservices: {a: {image: x, environment: {A: null, B: '', C: null}, build: {context: ., args: [X, Y=1, Z]}}}\nconfigs: {c: {environment: A}}",
            &[("A", "1"), ("X", "2")],
        );
        let a = &j["services"]["a"];
        assert_eq!(a["environment"], json!({"A": "1", "B": "", "C": null}));
        assert_eq!(a["build"]["args"], json!(["X=2", "Y=1"]));
        assert_eq!(j["configs"]["c"]["content"], "1");
    }
}
