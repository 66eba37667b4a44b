//! Frontend fidelity: `stackc config --format json` must equal `docker compose config --format
//! json` (Docker Compose v2.40.3) on every case of the real-world corpus in `../shared/corpus`,
//! and must reject, with a located diagnostic, every case the reference rejects.

mod support;

use std::time::Duration;

use support::{Case, Reference};

/// How many differing JSON paths to print per failing case.
const DIFF_LIMIT: usize = 5;

/// A corpus case is a few compose files; anything slower than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why one case disagrees with the reference, or `None` when it agrees.
fn check(case: &Case) -> Option<String> {
    let reference = support::reference(case);
    let mut cmd = support::clean_command(support::stackc(), &case.dir);
    cmd.args(case.args()).args(["config", "--format", "json"]);
    let out = support::run(&mut cmd, b"", TIMEOUT);
    match reference {
        Reference::Ok(expected) => {
            if out.code != Some(0) {
                return Some(format!(
                    "the reference accepts it, stackc: {}",
                    out.describe()
                ));
            }
            let actual: serde_json::Value = match serde_json::from_str(&out.stdout) {
                Ok(v) => v,
                Err(e) => return Some(format!("stdout is not JSON: {e}")),
            };
            let diff = support::json_diff(&expected, &actual, DIFF_LIMIT);
            (!diff.is_empty()).then(|| diff.join("\n    "))
        }
        Reference::Error(reason) => {
            let reason = reason.lines().last().unwrap_or_default().to_owned();
            if out.code != Some(1) {
                Some(format!(
                    "the reference rejects it ({reason}), stackc: {}",
                    out.describe()
                ))
            } else if !support::has_location(&out.stderr) {
                Some(format!(
                    "rejected, but no `file:line:col` on stderr (reference: {reason}); stderr: {}",
                    out.stderr.trim_end()
                ))
            } else {
                None
            }
        }
    }
}

#[test]
fn config_agrees_with_docker_compose_on_the_corpus() {
    let cases = support::corpus_cases();
    let verdicts = support::parallel_map(&cases, check);
    let failing: Vec<(&Case, String)> = cases
        .iter()
        .zip(verdicts)
        .filter_map(|(case, verdict)| verdict.map(|v| (case, v)))
        .collect();
    for (case, why) in &failing {
        eprintln!("FAIL {}\n    {why}", case.id);
    }
    eprintln!(
        "config: {}/{} cases agree with docker compose",
        cases.len() - failing.len(),
        cases.len()
    );
    if !failing.is_empty() {
        let ids: Vec<&str> = failing.iter().map(|(c, _)| c.id.as_str()).collect();
        panic!("{} cases disagree: {}", ids.len(), ids.join(" "));
    }
}
