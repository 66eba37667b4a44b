//! Every corpus case the reference loader accepts, and every `fixtures/podman-*` project, builds
//! with `--target podman`: twice to the same bytes, the same stream with `--stdout` as in the
//! file, only kinds podman plays, and YAML that yamllint accepts.
//!
//! The project comes from the reference loader's JSON for now; the frontend replaces it once it
//! reads every case.

#[path = "podman/build.rs"]
mod podman;
mod support;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use stackc::cli::build::Output;
use stackc::diagnostics::Severity;
use stackc::model;

const YAMLLINT_CONFIG: &str = "{extends: default, rules: {document-start: disable, line-length: disable, indentation: {indent-sequences: whatever}, truthy: {level: error, check-keys: true}}}";

/// Kinds `podman kube play` creates something for; it skips any other kind without a word.
const PLAYED_KINDS: &[&str] = &["ConfigMap", "Secret", "PersistentVolumeClaim", "Pod"];

fn has_extension(name: &str, extension: &str) -> bool {
    Path::new(name).extension() == Some(OsStr::new(extension))
}

fn inputs() -> Vec<(String, Result<model::Project, String>)> {
    let mut inputs: Vec<(String, Result<model::Project, String>)> = support::corpus_cases()
        .into_iter()
        .filter(|c| c.reference_ok)
        .map(|case| {
            let project = match support::reference(&case) {
                support::Reference::Ok(json) => {
                    serde_json::from_value(podman::unescape_dollars(json))
                        .map_err(|e| format!("the model cannot read the reference: {e}"))
                }
                support::Reference::Error(e) => Err(format!("the reference loader failed: {e}")),
            };
            (case.id, project)
        })
        .collect();
    for dir in podman::fixture_dirs() {
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        inputs.push((id, podman::fixture_project(&dir)));
    }
    inputs
}

#[test]
fn corpus_builds_podman_yaml() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-podman");
    let _ = std::fs::remove_dir_all(&root);
    let mut files_written: Vec<PathBuf> = Vec::new();
    let mut codes: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed: Vec<String> = Vec::new();
    let mut built = 0;
    for (id, project) in inputs() {
        let project = match project {
            Ok(project) => project,
            Err(e) => {
                failed.push(format!("{id}: {e}"));
                continue;
            }
        };
        let (output, diagnostics) = podman::build(&project, false);
        for d in diagnostics.iter() {
            *codes.entry(d.code.id()).or_default() += 1;
        }
        if diagnostics.has_errors() {
            let errors: Vec<String> = diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{}: {}", d.code.id(), d.message))
                .collect();
            failed.push(format!("{id}: {}", errors.join("; ")));
            continue;
        }
        let Output::Files(files) = output else {
            unreachable!("`-o` gives files")
        };
        assert_eq!(
            podman::build(&project, false).0,
            Output::Files(files.clone()),
            "{id}: a second build differs"
        );
        let Output::Stream(stream) = podman::build(&project, true).0 else {
            unreachable!("`--stdout` gives a stream")
        };
        let yaml = files
            .iter()
            .find(|(name, _)| has_extension(name, "yaml"))
            .map(|(_, text)| text)
            .expect("the build writes a YAML file");
        assert_eq!(&stream, yaml, "{id}: `--stdout` differs from the file");
        assert!(
            files.keys().any(|name| has_extension(name, "kube")),
            "{id}: `--quadlet` wrote no unit"
        );
        for line in stream.lines().filter(|l| l.starts_with("kind: ")) {
            let kind = &line["kind: ".len()..];
            assert!(
                PLAYED_KINDS.contains(&kind),
                "{id}: podman does not play kind `{kind}`"
            );
            *kinds.entry(kind.to_owned()).or_default() += 1;
        }
        let dir = root.join(&id);
        stackc::cli::build::write_dir(&dir, &files, stackc::output::Mode::Write)
            .expect("write the output");
        built += 1;
        files_written.extend(
            files
                .keys()
                .filter(|n| has_extension(n, "yaml"))
                .map(|n| dir.join(n)),
        );
    }
    println!(
        "podman corpus: {built} projects built, {} failed",
        failed.len()
    );
    println!("documents by kind: {kinds:?}");
    println!("diagnostics by code: {codes:?}");
    assert!(
        failed.is_empty(),
        "projects that did not build:\n{}",
        failed.join("\n")
    );
    assert!(built > 0, "nothing was built");

    let out = Command::new("yamllint")
        .args(["-d", YAMLLINT_CONFIG, "-f", "parsable"])
        .args(&files_written)
        .output()
        .expect("`yamllint` must be on PATH");
    let text = String::from_utf8_lossy(&out.stdout);
    println!(
        "yamllint: {} files, {} problems",
        files_written.len(),
        text.lines().count()
    );
    assert!(
        out.status.success() && text.trim().is_empty(),
        "yamllint:\n{text}"
    );
}
