//! Golden tests: one folder under `fixtures/` is one test case, its snapshots live in
//! `golden/<name>/`. How to add one: `docs/testing.md`.
//!
//! For each fixture this checks, and reports every failing fixture together at the end:
//! - `config.json`: `stackc config --format json`, or `diagnostics` when stackc rejects the input;
//! - `k3s`: `stackc build --target k3s --stdout`, plus `k3s-diagnostics` for anything on stderr;
//! - `podman` for `podman-*` fixtures (`build --target podman --stdout`) and `helm` for `helm-*`
//!   fixtures (the whole chart, file by file);
//! - that `docker-compose config --format json` agrees (skipped for `stackc-only-*` fixtures);
//! - that `golden/` holds no snapshot that no fixture produces any more.

mod support;

use std::fmt::Write as _;

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use support::{Outcome, Reference};

/// A fixture is a small project; anything slower than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Fixtures with this prefix test stackc-only behaviour (`x-stackc`, target errors) that the
/// reference loader has no opinion on, so the comparison with `docker-compose` is skipped.
const STACKC_ONLY: &str = "stackc-only-";

/// What replaces the fixture's absolute path in snapshots, so they are the same on every machine.
const PLACEHOLDER: &str = "<fixture>";

struct Fixture {
    name: String,
    dir: PathBuf,
    /// `fixtures/<name>/args`: extra CLI arguments before the subcommand, one per line.
    args: Vec<String>,
    /// `fixtures/<name>/env`: `KEY=VALUE` lines, the process environment of both loaders.
    env: Vec<(String, String)>,
}

impl Fixture {
    fn load(compose: &Path) -> Self {
        let dir = compose
            .parent()
            .expect("a fixture file is inside its folder");
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let read = |file: &str| std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        let args = read("args")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let env = read("env")
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (k, v) = l
                    .split_once('=')
                    .unwrap_or_else(|| panic!("fixtures/{name}/env: `{l}` is not KEY=VALUE"));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        Self {
            name,
            dir: dir.to_owned(),
            args,
            env,
        }
    }

    fn stackc(&self, subcommand: &[&str]) -> Outcome {
        let mut cmd = support::clean_command(support::stackc(), &self.dir);
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(&self.args)
            .args(subcommand);
        support::run(&mut cmd, b"", TIMEOUT)
    }

    /// Replaces the machine-dependent absolute path of the fixture with [`PLACEHOLDER`].
    fn redact(&self, text: &str) -> String {
        let mut paths = vec![self.dir.to_string_lossy().into_owned()];
        if let Ok(real) = self.dir.canonicalize() {
            paths.push(real.to_string_lossy().into_owned());
        }
        paths.sort_by_key(|p| std::cmp::Reverse(p.len()));
        paths.iter().fold(text.to_owned(), |text, path| {
            text.replace(path.as_str(), PLACEHOLDER)
        })
    }
}

/// Both renderings of the diagnostics of a rejected input, as one snapshot.
fn diagnostics_snapshot(fixture: &Fixture, subcommand: &[&str]) -> Result<String, String> {
    let mut human_args = vec!["--color", "never"];
    human_args.extend(subcommand);
    let mut json_args = vec!["--message-format", "json"];
    json_args.extend(subcommand);
    let human = fixture.stackc(&human_args);
    let json = fixture.stackc(&json_args);
    for (format, out) in [("human", &human), ("json", &json)] {
        if out.code != Some(1) {
            return Err(format!(
                "`{}` with --message-format {format}: {}, expected exit 1",
                subcommand.join(" "),
                out.describe()
            ));
        }
    }
    Ok(fixture.redact(&format!(
        "── human (--color never) ──\n{}\n── json (--message-format json) ──\n{}",
        human.stderr.trim_end(),
        json.stderr.trim_end()
    )))
}

/// Runs one fixture; returns its snapshot names and its failures (snapshot mismatches are counted
/// by insta itself).
fn run_fixture(fixture: &Fixture, failures: &mut Vec<String>) -> BTreeSet<&'static str> {
    let mut snapshots = BTreeSet::new();
    let config = fixture.stackc(&["config", "--format", "json"]);
    let stackc_value = match config.code {
        Some(0) => match serde_json::from_str::<serde_json::Value>(&config.stdout) {
            Ok(value) => {
                insta::assert_snapshot!("config.json", fixture.redact(&config.stdout));
                snapshots.insert("config.json");
                build_k3s(fixture, failures, &mut snapshots);
                if fixture.name.starts_with("podman-") {
                    build_podman(fixture, failures, &mut snapshots);
                }
                if fixture.name.starts_with("helm-") {
                    build_helm(fixture, failures, &mut snapshots);
                }
                Some(value)
            }
            Err(e) => {
                failures.push(format!("`config --format json` printed no JSON: {e}"));
                None
            }
        },
        Some(1) => {
            match diagnostics_snapshot(fixture, &["config", "--format", "json"]) {
                Ok(text) => {
                    insta::assert_snapshot!("diagnostics", text);
                    snapshots.insert("diagnostics");
                }
                Err(e) => failures.push(e),
            }
            None
        }
        _ => {
            failures.push(format!("`config --format json`: {}", config.describe()));
            return snapshots;
        }
    };

    if !fixture.name.starts_with(STACKC_ONLY) {
        match support::reference_at(
            &fixture.dir,
            &fixture.args,
            &fixture.env,
            &format!("fixture-{}", fixture.name),
        ) {
            Reference::Ok(expected) => match &stackc_value {
                Some(actual) => {
                    let diff = support::json_diff(&expected, actual, 5);
                    if !diff.is_empty() {
                        failures.push(format!(
                            "config differs from docker compose:\n    {}",
                            diff.join("\n    ")
                        ));
                    }
                }
                None => failures.push("docker compose accepts it, stackc rejects it".to_owned()),
            },
            Reference::Error(reason) => {
                if config.code != Some(1) {
                    failures.push(format!(
                        "docker compose rejects it ({}), stackc: {}",
                        reason.lines().last().unwrap_or_default(),
                        config.describe()
                    ));
                }
            }
        }
    }
    snapshots
}

fn build_k3s(fixture: &Fixture, failures: &mut Vec<String>, snapshots: &mut BTreeSet<&str>) {
    let build = fixture.stackc(&["--color", "never", "build", "--target", "k3s", "--stdout"]);
    match build.code {
        Some(0) => {
            insta::assert_snapshot!("k3s", fixture.redact(&build.stdout));
            snapshots.insert("k3s");
            if !build.stderr.trim().is_empty() {
                insta::assert_snapshot!("k3s-diagnostics", fixture.redact(&build.stderr));
                snapshots.insert("k3s-diagnostics");
            }
        }
        Some(1) => match diagnostics_snapshot(fixture, &["build", "--target", "k3s", "--stdout"]) {
            Ok(text) => {
                insta::assert_snapshot!("k3s-diagnostics", text);
                snapshots.insert("k3s-diagnostics");
            }
            Err(e) => failures.push(e),
        },
        _ => failures.push(format!(
            "`build --target k3s --stdout`: {}",
            build.describe()
        )),
    }
}

/// `podman-*` fixtures also snapshot the podman target's stream.
fn build_podman(fixture: &Fixture, failures: &mut Vec<String>, snapshots: &mut BTreeSet<&str>) {
    let build = fixture.stackc(&[
        "--color", "never", "build", "--target", "podman", "--stdout",
    ]);
    if build.code == Some(0) {
        insta::assert_snapshot!("podman", fixture.redact(&build.stdout));
        snapshots.insert("podman");
    } else {
        failures.push(format!(
            "`build --target podman --stdout`: {}",
            build.describe()
        ));
    }
}

/// `helm-*` fixtures also snapshot the whole chart, file by file in path order.
fn build_helm(fixture: &Fixture, failures: &mut Vec<String>, snapshots: &mut BTreeSet<&str>) {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("golden-helm")
        .join(&fixture.name);
    let _ = std::fs::remove_dir_all(&out);
    let out_arg = out.display().to_string();
    let build = fixture.stackc(&[
        "--color", "never", "build", "--target", "helm", "-o", &out_arg,
    ]);
    if build.code != Some(0) {
        failures.push(format!("`build --target helm`: {}", build.describe()));
        return;
    }
    let mut files = Vec::new();
    collect_files(&out, &out, &mut files);
    files.sort();
    let mut chart = String::new();
    for relative in files {
        let text = std::fs::read_to_string(out.join(&relative)).unwrap_or_default();
        let _ = write!(chart, "── {relative} ──\n{text}");
        if !text.ends_with('\n') {
            chart.push('\n');
        }
    }
    insta::assert_snapshot!("helm", fixture.redact(&chart));
    snapshots.insert("helm");
}

fn collect_files(root: &Path, dir: &Path, files: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            files.push(relative.display().to_string());
        }
    }
}

/// Snapshot files in `golden/<name>/` that the fixture no longer produces.
fn stale_snapshots(golden: &Path, expected: &BTreeSet<&str>) -> Vec<String> {
    let mut stale: Vec<String> = std::fs::read_dir(golden)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|f| {
                    f.strip_suffix(".snap")
                        .is_some_and(|stem| !expected.contains(stem))
                })
                .collect()
        })
        .unwrap_or_default();
    stale.sort();
    stale
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn golden() {
    let mut failing: Vec<(String, Vec<String>)> = Vec::new();
    let insta_result = catch_unwind(AssertUnwindSafe(|| {
        insta::glob!("../fixtures", "*/compose.yaml", |path| {
            let fixture = Fixture::load(path);
            let golden = root().join("golden").join(&fixture.name);
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(&golden);
            settings.remove_snapshot_suffix();
            settings.set_prepend_module_to_snapshot(false);
            settings.set_omit_expression(true);
            let mut failures = Vec::new();
            let snapshots = settings.bind(|| run_fixture(&fixture, &mut failures));
            for stale in stale_snapshots(&golden, &snapshots) {
                failures.push(format!(
                    "golden/{}/{stale} is no longer produced; delete it",
                    fixture.name
                ));
            }
            if !failures.is_empty() {
                failing.push((fixture.name, failures));
            }
        });
    }));

    // A filtered run sees only some fixtures, so only a full run can tell a golden folder is orphaned.
    if std::env::var_os("INSTA_GLOB_FILTER").is_none_or(|f| f.is_empty()) {
        let mut orphans: Vec<String> = std::fs::read_dir(root().join("golden"))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| {
                        !root()
                            .join("fixtures")
                            .join(name)
                            .join("compose.yaml")
                            .exists()
                    })
                    .collect()
            })
            .unwrap_or_default();
        orphans.sort();
        for name in orphans {
            failing.push((
                name.clone(),
                vec![format!(
                    "golden/{name} has no fixtures/{name}/compose.yaml; delete it"
                )],
            ));
        }
    }

    for (name, failures) in &failing {
        eprintln!("FAIL fixture {name}");
        for failure in failures {
            eprintln!("    {failure}");
        }
    }
    if let Err(panic) = insta_result {
        resume_unwind(panic);
    }
    let names: Vec<&str> = failing.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.is_empty(), "failing fixtures: {}", names.join(" "));
}
