//! The canonical, defaults, path and normalisation stages on real single-file projects, checked
//! against what Docker Compose prints for the attributes these stages decide: ports, volume
//! mounts, implicit dependencies, networks and resource names.
//!
//! Only files that need no interpolation, `extends`, `include`, `.env` or home expansion are
//! used, because those belong to other stages.

mod support;

use serde_json::{Value as J, json};
use stackc::frontend::node::{Entry, Node, Value};
use stackc::frontend::{canonical, normalize, paths, yaml};
use stackc::source::FileId;

fn plain_text(case: &support::Case) -> Option<String> {
    if !case.reference_ok
        || case.files.len() != 1
        || case.env_file.is_some()
        || !case.profiles.is_empty()
    {
        return None;
    }
    if case.dir.join(".env").exists() {
        return None;
    }
    let text = std::fs::read_to_string(case.dir.join(&case.files[0])).ok()?;
    let needs_other_stages = ["$", "extends", "include", "~", "<<"]
        .iter()
        .any(|s| text.contains(s));
    (!needs_other_stages).then_some(text)
}

fn run_stages(text: &str, case: &support::Case, name: &J) -> J {
    let mut documents = yaml::parse(text, FileId(0)).expect("the reference accepted this file");
    let mut root = documents.remove(0);
    canonical::canonical(&mut root).unwrap();
    canonical::omit_empty(&mut root);
    canonical::set_defaults(&mut root).unwrap();
    paths::resolve_relative_paths(&mut root, &case.dir).unwrap();
    let name_node = Node::str(name.as_str().unwrap(), &root);
    let span = root.span;
    root.as_map_mut().unwrap().insert(
        "name".into(),
        Entry {
            key_span: span,
            node: name_node,
        },
    );
    let empty = |_: &str| None;
    normalize::resolve_environment(&mut root, &empty);
    normalize::normalize(&mut root, &empty).unwrap();
    assert!(matches!(root.value, Value::Map(_)));
    root.to_json()
}

/// Scalars as the typed output prints them: numbers in `published` become strings.
fn text(v: &J) -> J {
    match v {
        J::Number(n) => J::String(n.to_string()),
        other => other.clone(),
    }
}

fn pick(v: &J, keys: &[&str]) -> J {
    let map = keys
        .iter()
        .filter_map(|k| {
            v.get(*k)
                .filter(|x| !x.is_null())
                .map(|x| ((*k).to_owned(), text(x)))
        })
        .filter(|(k, x)| !(k == "read_only" && x == &json!(false)))
        .collect();
    J::Object(map)
}

fn compare_service(id: &str, name: &str, ours: &J, theirs: &J, problems: &mut Vec<String>) {
    let mut check = |what: &str, a: J, b: J| {
        if a != b {
            problems.push(format!("{id} {name}.{what}: ours {a} reference {b}"));
        }
    };
    let list = |v: &J, keys: &[&str]| -> J {
        J::Array(
            v.as_array()
                .map(|a| a.iter().map(|x| pick(x, keys)).collect())
                .unwrap_or_default(),
        )
    };
    let port_keys = ["mode", "host_ip", "target", "published", "protocol"];
    check(
        "ports",
        list(&ours["ports"], &port_keys),
        list(&theirs["ports"], &port_keys),
    );
    let volume_keys = ["type", "source", "target", "read_only"];
    check(
        "volumes",
        list(&ours["volumes"], &volume_keys),
        list(&theirs["volumes"], &volume_keys),
    );
    let keys = |v: &J| -> J {
        let mut names: Vec<&String> = v
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        names.sort();
        json!(names)
    };
    check(
        "depends_on",
        keys(&ours["depends_on"]),
        keys(&theirs["depends_on"]),
    );
    check(
        "networks",
        keys(&ours["networks"]),
        keys(&theirs["networks"]),
    );
}

#[test]
fn canonical_stages_agree_with_docker_compose() {
    let mut problems = Vec::new();
    let mut compared = 0;
    let mut mounts = 0;
    for case in support::corpus_cases() {
        let Some(text) = plain_text(&case) else {
            continue;
        };
        let support::Reference::Ok(reference) = support::reference(&case) else {
            continue;
        };
        let ours = run_stages(&text, &case, &reference["name"]);
        compared += 1;
        mounts += reference["services"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, s)| {
                s["ports"].as_array().map_or(0, Vec::len)
                    + s["volumes"].as_array().map_or(0, Vec::len)
            })
            .sum::<usize>();
        for (name, theirs) in reference["services"].as_object().into_iter().flatten() {
            compare_service(
                &case.id,
                name,
                &ours["services"][name],
                theirs,
                &mut problems,
            );
        }
        for section in ["networks", "volumes", "secrets", "configs"] {
            for (key, theirs) in reference[section].as_object().into_iter().flatten() {
                let ours_name = &ours[section][key]["name"];
                if ours_name != &theirs["name"] {
                    problems.push(format!(
                        "{} {section}.{key}.name: ours {ours_name} reference {}",
                        case.id, theirs["name"]
                    ));
                }
            }
        }
    }
    assert!(compared >= 20, "only {compared} corpus cases qualified");
    assert!(mounts >= 100, "only {mounts} ports and volumes compared");
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
