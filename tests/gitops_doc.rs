//! The stackc commands in `docs/gitops.md` (the CI step, the Argo CD plugin's generate command)
//! run as written against a small project, with the binary under test first on `PATH`. The
//! pre-commit example is exercised by `tests/precommit.rs`; installing from git and Flux or Argo CD
//! themselves cannot run here.

mod support;

use std::path::Path;

/// Lines of fenced code blocks that run stackc itself (`run: stackc …`, `- exec stackc …`).
fn documented_commands(doc: &str) -> Vec<String> {
    let mut in_block = false;
    let mut commands = Vec::new();
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let line = line.trim();
        let command = line
            .strip_prefix("run: ")
            .or_else(|| line.strip_prefix("- exec "))
            .unwrap_or(line);
        if in_block && command.starts_with("stackc ") {
            commands.push(command.to_owned());
        }
    }
    commands
}

#[test]
fn documented_commands_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/gitops.md")).unwrap();
    let commands = documented_commands(&doc);
    assert!(
        commands.len() >= 2,
        "docs/gitops.md shows the CI step and the Argo CD command: {commands:?}"
    );

    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gitops-doc");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n",
    )
    .unwrap();
    let bin_dir = support::stackc().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let sh = |command: &str| {
        let mut cmd = support::clean_command("sh", &dir);
        cmd.env("PATH", &path).args(["-c", command]);
        support::run(&mut cmd, b"", std::time::Duration::from_secs(60))
    };
    let built = sh("stackc build -o k8s");
    assert_eq!(built.code, Some(0), "{}", built.stderr);
    for command in &commands {
        let out = sh(command);
        assert_eq!(
            out.code,
            Some(0),
            "`{command}` from docs/gitops.md failed: {}",
            out.stderr
        );
    }
}
