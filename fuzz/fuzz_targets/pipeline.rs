//! The whole pipeline on arbitrary bytes: parse → lower → passes → every backend, in memory.
//! Any panic, hang or runaway allocation is a bug; errors in the input are expected.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use stackc::cli::build::{self, BuildArgs, Target};
use stackc::diagnostics::Diagnostics;
use stackc::frontend::{self, project::ProjectOptions};
use stackc::source::SourceMap;

fuzz_target!(|data: &[u8]| {
    // The CLI refuses standard input that is not UTF-8 before parsing; so does the fuzz target.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let options = ProjectOptions {
        files: vec!["-".to_owned()],
        project_name: Some("fuzz".to_owned()),
        environment: BTreeMap::new(),
        cwd: std::env::temp_dir().join("stackc-fuzz"),
        stdin: Some(text.to_owned()),
        ..ProjectOptions::default()
    };
    let mut sources = SourceMap::new();
    let Ok(result) = frontend::load(&options, &mut sources) else {
        return;
    };
    let Some(project) = result.project else {
        return;
    };
    for target in [Target::K3s, Target::Podman, Target::Helm] {
        let args = BuildArgs {
            target,
            output: Some(PathBuf::from("out")),
            ..BuildArgs::default()
        };
        let mut diagnostics = Diagnostics::new();
        let _ = build::compile(&args, &project, &result.locations, &mut diagnostics);
    }
});
