//! The hooks in `.pre-commit-hooks.yaml`, run by the real `pre-commit` tool (PyPI) in a throwaway
//! git repository: a commit fails while the manifests are stale and passes once they are
//! regenerated.
//!
//! pre-commit would build a `language: rust` hook with `cargo install` (minutes on these
//! machines), so the test runs the same hook definition (entry, file pattern, `pass_filenames`) as
//! a `language: system` hook pointing at the binary under test. `pre-commit validate-manifest`
//! checks the real manifest itself.

mod support;

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "stackc test")
        .env("GIT_AUTHOR_EMAIL", "test@stackc.invalid")
        .env("GIT_COMMITTER_NAME", "stackc test")
        .env("GIT_COMMITTER_EMAIL", "test@stackc.invalid")
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .output()
        .expect("git runs")
}

/// The `entry` and `files` of a hook in `.pre-commit-hooks.yaml`.
fn hook(manifest: &str, id: &str) -> (String, String) {
    let block = manifest
        .split("- id: ")
        .find(|b| b.starts_with(id))
        .unwrap_or_else(|| panic!("hook `{id}` is in .pre-commit-hooks.yaml"));
    let field = |name: &str| {
        block
            .lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("hook `{id}` has `{name}`"))
            .to_owned()
    };
    (field("entry"), field("files"))
}

#[test]
fn check_hook_blocks_stale_manifests_until_they_are_regenerated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let validated = Command::new("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(root)
        .output()
        .expect("`pre-commit` must be on PATH: pip install pre-commit");
    assert!(
        validated.status.success(),
        "{}",
        String::from_utf8_lossy(&validated.stderr)
    );

    let manifest = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let (entry, files) = hook(&manifest, "stackc-check");
    let entry = entry.replacen("stackc", &support::stackc().display().to_string(), 1);

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("precommit-repo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n- repo: local\n  hooks:\n  - id: stackc-check\n    name: stackc check\n    entry: {entry}\n    args: [-o, k8s]\n    language: system\n    pass_filenames: false\n    files: '{files}'\n"
        ),
    )
    .unwrap();
    assert!(git(&dir, &["init", "-q"]).status.success());
    let installed = Command::new("pre-commit")
        .arg("install")
        .current_dir(&dir)
        .env("PRE_COMMIT_HOME", dir.join(".pre-commit-home"))
        .output()
        .unwrap();
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    std::fs::write(dir.join(".gitignore"), ".pre-commit-home/\n").unwrap();

    let build = || {
        let out = Command::new(support::stackc())
            .args(["build", "-o", "k8s"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    build();
    assert!(git(&dir, &["add", "-A"]).status.success());
    let first = git(&dir, &["commit", "-q", "-m", "first"]);
    assert!(
        first.status.success(),
        "a commit with fresh manifests passes: {}{}",
        String::from_utf8_lossy(&first.stdout),
        String::from_utf8_lossy(&first.stderr)
    );

    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"9090:80\"\n",
    )
    .unwrap();
    assert!(git(&dir, &["add", "compose.yaml"]).status.success());
    let stale = git(&dir, &["commit", "-q", "-m", "stale"]);
    let text = String::from_utf8_lossy(&stale.stdout).into_owned()
        + &String::from_utf8_lossy(&stale.stderr);
    assert!(
        !stale.status.success(),
        "a commit with stale manifests fails"
    );
    assert!(
        text.contains("web-lb-service.yaml"),
        "the failure names the stale file: {text}"
    );

    build();
    assert!(git(&dir, &["add", "-A"]).status.success());
    let fixed = git(&dir, &["commit", "-q", "-m", "regenerated"]);
    assert!(
        fixed.status.success(),
        "the commit passes once the manifests are regenerated: {}{}",
        String::from_utf8_lossy(&fixed.stdout),
        String::from_utf8_lossy(&fixed.stderr)
    );
}
