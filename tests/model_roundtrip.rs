//! The compose model has exactly Docker Compose's JSON shape: every reference output of the
//! corpus (`docker-compose config --format json`) reads into `stackc::model::Project` and prints
//! back as the same JSON value. Byte-identical text is measured and reported, not required.

mod support;

use std::fmt::Write as _;

use serde_json::Value;
use stackc::model::{self, Project};
use support::Reference;

/// The JSON path of the first place where `want` and `got` differ, or `None` when equal.
fn first_difference(path: &str, want: &Value, got: &Value) -> Option<String> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (key, value) in w {
                let here = format!("{path}.{key}");
                match g.get(key) {
                    None => return Some(format!("{here}: missing from the output")),
                    Some(other) => {
                        if let Some(diff) = first_difference(&here, value, other) {
                            return Some(diff);
                        }
                    }
                }
            }
            g.keys()
                .find(|key| !w.contains_key(*key))
                .map(|key| format!("{path}.{key}: not in the reference"))
        }
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => w
            .iter()
            .zip(g)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(&format!("{path}[{i}]"), a, b)),
        _ if want == got => None,
        _ => Some(format!("{path}: reference {want}, output {got}")),
    }
}

#[test]
fn every_reference_output_round_trips() {
    let mut total = 0;
    let mut failures = String::new();
    let mut byte_identical = 0;
    let mut not_identical = Vec::new();
    for case in support::corpus_cases() {
        let Reference::Ok(want) = support::reference(&case) else {
            continue;
        };
        total += 1;
        let project: Project = match serde_json::from_value(want.clone()) {
            Ok(project) => project,
            Err(err) => {
                writeln!(failures, "{}: does not deserialize: {err}", case.id).unwrap();
                continue;
            }
        };
        let got = model::to_json_value(&project);
        if let Some(diff) = first_difference("$", &want, &got) {
            writeln!(failures, "{}: {diff}", case.id).unwrap();
        }
        if model::to_json(&project) == support::reference_text(&case) {
            byte_identical += 1;
        } else {
            not_identical.push(case.id);
        }
    }
    let failed = failures.lines().count();
    println!("{}/{total} cases round-trip", total - failed);
    println!("{byte_identical}/{total} cases are byte-identical");
    for id in &not_identical {
        println!("  not byte-identical: {id}");
    }
    assert!(total > 0, "no corpus case has a reference output");
    assert!(
        failures.is_empty(),
        "{failed}/{total} cases do not round-trip:\n{failures}"
    );
}
