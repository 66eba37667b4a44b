//! `stackc build --target k3s` on every corpus case the reference loader accepts and on every
//! `fixtures/k3s-*` project, the way a user runs it:
//!
//! - the build succeeds, and every diagnostic it prints carries a source location;
//! - every manifest passes `kubernetes-validate -k 1.33.0 --strict` without a WARN, and every
//!   file (manifests and `kustomization.yaml`) passes yamllint;
//! - a second build from another working directory (through `--project-directory` and absolute
//!   paths, with `$PWD` set to it) with an unrelated environment variable gives byte-identical
//!   files unless a shell variable's value was reported (SC0220), and `--stdout` gives one
//!   document per file;
//! - no file holds a path of this machine, except the project directory when `$PWD`'s value
//!   was reported (SC0220).

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A build of one project; anything slower than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(30);

const YAMLLINT_CONFIG: &str = "{extends: default, rules: {document-start: disable, line-length: disable, indentation: {indent-sequences: whatever}, truthy: {level: error, check-keys: true}}}";

/// What one project's builds gave.
struct Built {
    files: Vec<PathBuf>,
    /// Diagnostic code → count.
    codes: BTreeMap<String, usize>,
}

fn build(project: &support::Project, root: &Path) -> Result<Built, String> {
    let out_dir = root.join(&project.id);
    let mut cmd = support::clean_command(support::stackc(), &project.dir);
    cmd.args(&project.args)
        .args(["--message-format", "json", "build", "--target", "k3s", "-o"])
        .arg(&out_dir);
    let first = support::run(&mut cmd, b"", TIMEOUT);
    if first.code != Some(0) {
        return Err(format!("build failed: {}", first.describe()));
    }
    let mut codes = BTreeMap::new();
    // Diagnostics are JSON lines; the output summary (`k8s/: 7 files written`) is not.
    for line in first.stderr.lines().filter(|l| l.starts_with('{')) {
        let d: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("stderr is not JSON lines: {e}"))?;
        let code = d["code"].as_str().unwrap_or_default().to_owned();
        if d["file"].is_null() {
            return Err(format!("{code} has no location: {}", d["message"]));
        }
        *codes.entry(code).or_default() += 1;
    }

    // The same build from elsewhere, with something unrelated in the environment. `$PWD` is
    // the other directory too: compose files interpolate it (`${PWD}/data`) to mean the
    // project directory, and a value that reaches the output is reported (SC0220). A project
    // that reads a file through it (`env_file: $PWD/app.env`) cannot be built from elsewhere by
    // compose either, so it is built again with `$PWD` kept.
    let again_dir = root.join(format!("{}.again", project.id));
    let build_again = |pwd: &Path| {
        let _ = std::fs::remove_dir_all(&again_dir);
        let mut cmd = support::clean_command(support::stackc(), &std::env::temp_dir());
        cmd.env("STACKC_UNRELATED", "1")
            .env("PWD", pwd)
            .arg("--project-directory")
            .arg(&project.dir)
            .args(&project.args)
            .args(["build", "--target", "k3s", "-o"])
            .arg(&again_dir);
        support::run(&mut cmd, b"", TIMEOUT)
    };
    let mut again = build_again(&std::env::temp_dir());
    if again.code != Some(0) {
        again = build_again(&project.dir);
    }
    if again.code != Some(0) {
        return Err(format!("second build failed: {}", again.describe()));
    }
    let files = read_dir(&out_dir);
    if files != read_dir(&again_dir) && !codes.contains_key("SC0220") {
        return Err("a second build from another directory differs".to_owned());
    }
    let mut cmd = support::clean_command(support::stackc(), &project.dir);
    cmd.args(&project.args)
        .args(["build", "--target", "k3s", "--stdout"]);
    let stream = support::run(&mut cmd, b"", TIMEOUT);
    // A project whose services are all disabled by profiles has no object to stream.
    let documents = if stream.stdout.trim().is_empty() {
        0
    } else {
        stream.stdout.matches("\n---\n").count() + 1
    };
    if stream.code != Some(0) || documents + 1 != files.len() {
        return Err(format!(
            "`--stdout` gave {documents} documents for {} files: {}",
            files.len(),
            stream.describe()
        ));
    }
    if let Some((name, path)) =
        support::machine_path(&files, &project.dir, root, codes.contains_key("SC0220"))
    {
        return Err(format!("{name} holds a path of this machine: `{path}`"));
    }
    Ok(Built {
        files: files.keys().map(|name| out_dir.join(name)).collect(),
        codes,
    })
}

/// The YAML files of a directory: name → contents, in name order.
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| Path::new(name).extension().is_some_and(|e| e == "yaml"))
                .map(|name| {
                    let text = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
                    (name, text)
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn corpus_builds_valid_k3s_manifests() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-k3s");
    let _ = std::fs::remove_dir_all(&root);
    let projects = support::projects("k3s-");
    let results = support::parallel_map(&projects, |p| build(p, &root));
    let mut files: Vec<PathBuf> = Vec::new();
    let mut codes: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut failed: Vec<String> = Vec::new();
    for (project, result) in projects.iter().zip(results) {
        match result {
            Ok(built) => {
                let group = if project.id.starts_with("k3s-") {
                    "fixtures"
                } else {
                    "corpus"
                };
                for (code, n) in built.codes {
                    *codes.entry((group, code)).or_default() += n;
                }
                files.extend(built.files);
            }
            Err(why) => failed.push(format!("{}: {why}", project.id)),
        }
    }
    let manifests: Vec<&PathBuf> = files
        .iter()
        .filter(|f| !f.ends_with("kustomization.yaml"))
        .collect();
    println!(
        "k3s: {} of {} projects built, {} objects",
        projects.len() - failed.len(),
        projects.len(),
        manifests.len()
    );
    for ((group, code), n) in &codes {
        println!("  {group} {code}: {n}");
    }
    assert!(
        failed.is_empty(),
        "projects that failed:\n{}",
        failed.join("\n")
    );
    validate(&manifests, &files);
}

/// One run of each validator over every file: each run costs about a second of Python start-up.
/// `kustomization.yaml` is not a Kubernetes object, so only yamllint reads it.
fn validate(manifests: &[&PathBuf], all_files: &[PathBuf]) {
    let bad = support::kubernetes_validate(manifests);
    println!(
        "kubernetes-validate: {} manifests, {} problems",
        manifests.len(),
        bad.len()
    );
    assert!(bad.is_empty(), "kubernetes-validate:\n{}", bad.join("\n"));

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
