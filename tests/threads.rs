//! Sharing work among threads changes no byte: a project large enough for every parallel step
//! (200 services, each with ports, environment, volumes, secrets, configs and dependencies)
//! builds the same files, streams and diagnostics on one thread as on four.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn generate(dir: &Path) -> PathBuf {
    let project = dir.join("stack");
    let status = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-stack.py"))
        .arg("200")
        .arg(&project)
        .status()
        .expect("run scripts/gen-stack.py (needs python3)");
    assert!(status.success(), "scripts/gen-stack.py failed");
    project
}

/// stdout, stderr and every file written, for `build` with `args` on `threads` threads.
fn build(
    project: &Path,
    threads: &str,
    args: &[&str],
) -> (Vec<u8>, Vec<u8>, BTreeMap<String, Vec<u8>>) {
    let out = project.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let output = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .current_dir(project)
        .env("STACKC_THREADS", threads)
        .args(["--message-format", "json", "build"])
        .args(args)
        .output()
        .expect("run stackc");
    assert!(
        output.status.success(),
        "stackc {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut files = BTreeMap::new();
    collect(&out, &out, &mut files);
    (output.stdout, output.stderr, files)
}

fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("read the output directory").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let name = path
                .strip_prefix(root)
                .expect("below the root")
                .display()
                .to_string();
            files.insert(name, std::fs::read(&path).expect("read an output file"));
        }
    }
}

#[test]
fn every_target_builds_the_same_on_one_thread_and_on_four() {
    let work = tempfile::tempdir().expect("temporary directory");
    let project = generate(work.path());
    let runs: [&[&str]; 5] = [
        &["--target", "k3s", "-o", "out"],
        &["--target", "helm", "-o", "out"],
        &["--target", "podman", "-o", "out"],
        &["--target", "k3s", "--stdout"],
        &["--target", "podman", "--stdout"],
    ];
    for args in runs {
        let one = build(&project, "1", args);
        let four = build(&project, "4", args);
        assert!(
            !one.1.is_empty(),
            "the stack is expected to warn, so that diagnostics are compared"
        );
        assert!(
            !one.0.is_empty() || !one.2.is_empty(),
            "{args:?} produced nothing"
        );
        assert_eq!(one.1, four.1, "{args:?}: diagnostics differ");
        assert_eq!(one.0, four.0, "{args:?}: stdout differs");
        assert_eq!(
            one.2.keys().collect::<Vec<_>>(),
            four.2.keys().collect::<Vec<_>>(),
            "{args:?}: different files"
        );
        for (name, text) in &one.2 {
            assert!(four.2[name] == *text, "{args:?}: `{name}` differs");
        }
    }
}
