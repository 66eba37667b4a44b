//! `stackc build -o DIR` as a pre-commit hook or pipeline stage uses it: `--check` passes right
//! after a build and fails naming the stale file after a compose change; a rebuild removes the
//! files stackc no longer produces but keeps the user's own; an input error leaves the previous
//! output byte-identical.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

const TWO_SERVICES: &str = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n  cache:\n    image: redis:7\n    expose:\n      - \"6379\"\n";

fn stackc(dir: &Path, args: &[&str]) -> support::Outcome {
    let mut cmd = support::clean_command(support::stackc(), dir);
    cmd.args(args);
    support::run(&mut cmd, b"", std::time::Duration::from_secs(60))
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_file() {
            files.insert(
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            );
        }
    }
    files
}

#[test]
fn check_rebuild_and_input_errors_keep_the_output_directory_right() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("build-dir");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let compose = dir.join("compose.yaml");
    std::fs::write(&compose, TWO_SERVICES).unwrap();

    let built = stackc(&dir, &["build", "-o", "k8s"]);
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    let fresh = stackc(&dir, &["build", "-o", "k8s", "--check"]);
    assert_eq!(
        fresh.code,
        Some(0),
        "check right after a build: {}",
        fresh.stderr
    );

    std::fs::write(&compose, TWO_SERVICES.replace("8080:80", "9090:80")).unwrap();
    let stale = stackc(&dir, &["build", "-o", "k8s", "--check"]);
    assert_eq!(stale.code, Some(1), "check after a compose change fails");
    assert!(
        stale.stderr.contains("web-lb-service.yaml"),
        "the stale file is named: {}",
        stale.stderr
    );

    let out = dir.join("k8s");
    std::fs::write(out.join("notes.md"), "my own file\n").unwrap();
    let one_service = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"9090:80\"\n";
    std::fs::write(&compose, one_service).unwrap();
    let rebuilt = stackc(&dir, &["build", "-o", "k8s"]);
    assert_eq!(rebuilt.code, Some(0), "{}", rebuilt.stderr);
    let files = snapshot(&out);
    assert!(
        !files.keys().any(|f| f.starts_with("cache-")),
        "files of the removed service are gone: {:?}",
        files.keys()
    );
    assert!(files.contains_key("notes.md"), "the user's own file stays");

    let before = snapshot(&out);
    std::fs::write(&compose, "services:\n  web:\n    image: [nginx\n").unwrap();
    let broken = stackc(&dir, &["build", "-o", "k8s"]);
    assert_eq!(broken.code, Some(1), "an input error exits 1");
    assert!(support::has_location(&broken.stderr), "{}", broken.stderr);
    assert_eq!(
        snapshot(&out),
        before,
        "an input error leaves the output byte-identical"
    );
}
