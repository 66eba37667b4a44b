//! Replays every input kept in `fuzz/regressions/` through the CLI: `config` and `build` on each
//! target. The folder holds each input that ever crashed or stalled the fuzz target (one
//! timeout: a port range that was handled in quadratic time) and a sample of what the fuzzer
//! found on its first ten-minute run: odd but loadable projects that
//! reach every backend, and broken ones that must fail with a report. Each must exit 0, 1 or 2,
//! print a message when it fails, and never panic.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Generous for an unoptimised build on a busy machine; the fuzzer saw no input slower than 1 s
/// in an optimised one.
const TIMEOUT: Duration = Duration::from_secs(20);

const COMMANDS: [&[&str]; 4] = [
    &["config", "--format", "json"],
    &["build", "--target", "k3s", "--stdout"],
    &["build", "--target", "podman", "--stdout"],
    &["build", "--target", "helm", "-o", "chart"],
];

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fuzz/regressions exists")
        .map(|entry| entry.expect("list fuzz/regressions").path())
        .collect();
    inputs.sort();
    inputs
}

fn replay(input: &Path) -> Vec<String> {
    let name = input.file_name().unwrap_or_default().to_string_lossy();
    let bytes = std::fs::read(input).expect("read a kept input");
    let scratch = tempfile::Builder::new()
        .prefix(&format!("stackc-fuzz-regression-{name}-"))
        .tempdir()
        .expect("create scratch folder");
    let mut failures = Vec::new();
    for command in COMMANDS {
        let mut cmd = support::clean_command(support::stackc(), scratch.path());
        cmd.args(["-f", "-", "-p", "fuzz"]).args(command);
        let out = support::run(&mut cmd, &bytes, TIMEOUT);
        let what = format!("{name}: `{}`", command.join(" "));
        if !matches!(out.code, Some(0..=2)) || out.stderr.contains("panicked") {
            failures.push(format!("{what}: {}", out.describe()));
        } else if out.code != Some(0) && out.stderr.trim().is_empty() {
            failures.push(format!(
                "{what}: exit {:?} with nothing on stderr",
                out.code
            ));
        }
    }
    failures
}

#[test]
fn every_kept_fuzz_input_ends_cleanly() {
    let inputs = inputs();
    assert!(
        !inputs.is_empty(),
        "fuzz/regressions is empty: the kept inputs were lost"
    );
    let failures: Vec<String> = support::parallel_map(&inputs, |input| replay(input))
        .into_iter()
        .flatten()
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} runs misbehaved:\n{}",
        failures.len(),
        inputs.len() * COMMANDS.len(),
        failures.join("\n")
    );
}
