//! No secret value reaches a generated file by default: every corpus case the reference loader
//! accepts, and every `fixtures/secrets-*` and `fixtures/podman-*` project, is built for the k3s
//! and podman targets (`-o DIR`, with the Quadlet unit), and the bytes of every file written are
//! searched for each secret value the project defines, raw and base64-encoded (and line by line,
//! for a value of several lines). The values are the contents of `file:` secrets and the values
//! of `environment:` secrets.
//!
//! So that the search itself is known to work, `--secrets inline` builds must show the values.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stackc::frontend::{self, project::ProjectOptions};
use stackc::source::SourceMap;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Shorter values (`1`, `true`) occur in manifests by chance; they are counted, not searched.
const MIN_LEN: usize = 6;

/// Whether `value` also occurs in what is not secret: the compose files, the env files, or the
/// project's path (`zabbix` as the password of the `zabbix` project). Such a value cannot be told
/// apart from the names derived from it, so it is counted, not searched.
fn public(input: &Input, value: &str) -> bool {
    let value = value.trim();
    if input.dir.to_string_lossy().contains(value) || input.id.contains(value) {
        return true;
    }
    let mut names: Vec<PathBuf> = input
        .args
        .chunks(2)
        .filter(|pair| pair[0] == "-f")
        .map(|pair| input.dir.join(&pair[1]))
        .collect();
    names.extend(
        [
            "compose.yaml",
            "docker-compose.yml",
            "compose.yml",
            "docker-compose.yaml",
        ]
        .iter()
        .map(|f| input.dir.join(f)),
    );
    names
        .iter()
        .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains(value)))
}

struct Input {
    id: String,
    dir: PathBuf,
    /// Global options, before the subcommand.
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

fn inputs() -> Vec<Input> {
    let mut inputs: Vec<Input> = support::corpus_cases()
        .into_iter()
        .filter(|c| c.reference_ok)
        .map(|case| Input {
            args: case.args(),
            id: case.id,
            dir: case.dir,
            env: BTreeMap::new(),
        })
        .collect();
    let dirs = support::fixture_dirs(&["secrets-", "podman-"]);
    for dir in dirs {
        let env = std::fs::read_to_string(dir.join("env"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        inputs.push(Input {
            id: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir,
            args: Vec::new(),
            env,
        });
    }
    inputs
}

/// The secret values the project defines, as the loader resolves them, and the values of its
/// services' environments: a project may write a secret's value into an environment itself
/// (`PASSWORD: ${DB_PASSWORD}` beside a secret file of the same text).
fn secret_values(input: &Input) -> (Vec<String>, Vec<String>) {
    let mut options = ProjectOptions {
        cwd: input.dir.clone(),
        environment: input.env.clone(),
        ..ProjectOptions::default()
    };
    let mut args = input.args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "-f" => options.files.push(value),
            "--env-file" => options.env_files.push(input.dir.join(value)),
            "--profile" => options.profiles.push(value),
            other => panic!("{}: unexpected argument `{other}`", input.id),
        }
    }
    let mut sources = SourceMap::new();
    let Ok(loaded) = frontend::load(&options, &mut sources) else {
        return (Vec::new(), Vec::new());
    };
    let Some(project) = loaded.project else {
        return (Vec::new(), Vec::new());
    };
    let mut values = Vec::new();
    for secret in project.secrets.values() {
        if !secret.file.is_empty() {
            let path = Path::new(&project.working_dir).join(&secret.file);
            if let Ok(text) = std::fs::read_to_string(path) {
                values.push(text);
            }
        } else if let Some(value) = project.environment.get(&secret.environment) {
            values.push(value.clone());
        }
    }
    let environments = project
        .services
        .values()
        .flat_map(|service| service.environment.values().flatten().cloned())
        .collect();
    (values, environments)
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

/// What a value looks like in a file: as it is, base64-encoded, and, for a value of several
/// lines, each of its lines long enough to search, since a YAML writer escapes the line breaks;
/// each also as a double-quoted YAML (or JSON) string escapes it (`\"` for `"`), as a JSON
/// document in a secret file is written.
fn needles(input: &Input, value: &str) -> Vec<String> {
    let mut plain = vec![value.trim().to_owned()];
    if value.trim().contains('\n') {
        plain.extend(
            value
                .lines()
                .map(str::trim)
                .filter(|line| line.len() >= MIN_LEN && !public(input, line))
                .map(str::to_owned),
        );
    }
    let quoted = plain.iter().filter_map(|text| {
        let json = serde_json::to_string(text).ok()?;
        let inner = &json[1..json.len() - 1];
        (inner != text).then(|| inner.to_owned())
    });
    let quoted: Vec<String> = quoted.collect();
    plain.extend(quoted);
    plain.push(base64(value.as_bytes()));
    plain
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else {
            let bytes = std::fs::read(&path).unwrap_or_default();
            out.push((path, bytes));
        }
    }
}

struct Result {
    searched: usize,
    short: usize,
    built: usize,
    leaks: Vec<String>,
    inline_found: bool,
}

fn check(input: &Input, root: &Path) -> Result {
    let (values, environments) = secret_values(input);
    let (long, short): (Vec<&String>, Vec<&String>) = values.iter().partition(|v| {
        v.trim().len() >= MIN_LEN
            && !public(input, v)
            && !environments.iter().any(|e| e.contains(v.trim()))
    });
    let mut result = Result {
        searched: long.len(),
        short: short.len(),
        built: 0,
        leaks: Vec::new(),
        inline_found: false,
    };
    let builds: [(&str, &[&str]); 3] = [
        ("k3s", &["build", "--target", "k3s", "-o"]),
        (
            "podman",
            &["build", "--target", "podman", "--quadlet", "-o"],
        ),
        (
            "inline",
            &["build", "--target", "k3s", "--secrets", "inline", "-o"],
        ),
    ];
    for (name, build) in builds {
        let out = root.join(format!("{}.{name}", input.id));
        let _ = std::fs::remove_dir_all(&out);
        let mut cmd = support::clean_command(support::stackc(), &input.dir);
        cmd.envs(&input.env)
            .args(["--message-format", "json"])
            .args(&input.args)
            .args(build)
            .arg(&out);
        let run = support::run(&mut cmd, b"", TIMEOUT);
        let mut written = Vec::new();
        files(&out, &mut written);
        // Diagnostics must not show values either.
        written.push((PathBuf::from("<stderr>"), run.stderr.into_bytes()));
        if name != "inline" {
            result.built += usize::from(run.code == Some(0));
        }
        for (path, bytes) in &written {
            let text = String::from_utf8_lossy(bytes);
            for value in &long {
                for needle in needles(input, value) {
                    if !text.contains(&needle) {
                        continue;
                    }
                    if name == "inline" && path.as_os_str() != "<stderr>" {
                        result.inline_found = true;
                    } else {
                        result.leaks.push(format!(
                            "{} ({name}): {} holds a secret value",
                            input.id,
                            path.display()
                        ));
                    }
                }
            }
        }
    }
    result
}

#[test]
fn no_secret_value_reaches_a_generated_file() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("no-secret-leak");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let inputs = inputs();
    let results = support::parallel_map(&inputs, |input| check(input, &root));
    let mut leaks = Vec::new();
    let (mut searched, mut short, mut built, mut with_values, mut inline_found) = (0, 0, 0, 0, 0);
    for (input, result) in inputs.iter().zip(results) {
        searched += result.searched;
        short += result.short;
        built += result.built;
        leaks.extend(result.leaks);
        if result.searched > 0 {
            with_values += 1;
            if result.inline_found {
                inline_found += 1;
            } else {
                leaks.push(format!(
                    "{}: `--secrets inline` shows none of its values, so the search cannot be trusted",
                    input.id
                ));
            }
        }
    }
    println!(
        "{} projects, {built} builds, {searched} secret values searched ({short} skipped: shorter than {MIN_LEN} bytes, or also in the compose files or a service's environment) in {with_values} projects; inline builds showed them in {inline_found}",
        inputs.len()
    );
    assert!(searched > 0, "no secret values found to search for");
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

#[test]
fn base64_matches_the_standard_alphabet() {
    assert_eq!(base64(b"key-1234"), "a2V5LTEyMzQ=");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"abc"), "YWJj");
}

/// A value planted as a file secret, and one as an environment secret. Unique, so that any
/// occurrence in an output stream is a leak.
const FILE_MARKER: &str = "planted-file-secret-7f3a9c2e51";
const ENV_MARKER: &str = "planted-env-secret-b84d06e1f9";

/// One command's output streams and written files, as text, with where each came from.
fn streams(dir: &Path, args: &[&str], out_dir: Option<&Path>) -> Vec<(String, String)> {
    let mut cmd = support::clean_command(support::stackc(), dir);
    cmd.env("DB_PASSWORD", ENV_MARKER).args(args);
    let run = support::run(&mut cmd, b"", TIMEOUT);
    let what = args.join(" ");
    assert!(
        matches!(run.code, Some(0 | 1)),
        "`{what}`: {}",
        run.describe()
    );
    let mut found = vec![
        (format!("`{what}` stdout"), run.stdout),
        (format!("`{what}` stderr"), run.stderr),
    ];
    let mut written = Vec::new();
    if let Some(out_dir) = out_dir {
        files(out_dir, &mut written);
    }
    found.extend(written.into_iter().map(|(path, bytes)| {
        (
            format!("`{what}` wrote {}", path.display()),
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }));
    found
}

/// Where the planted values occur in `streams`.
fn marker_hits(streams: &[(String, String)]) -> Vec<String> {
    let needles: Vec<String> = [FILE_MARKER, ENV_MARKER]
        .iter()
        .flat_map(|m| [(*m).to_owned(), base64(m.as_bytes())])
        .collect();
    streams
        .iter()
        .filter(|(_, text)| needles.iter().any(|n| text.contains(n.as_str())))
        .map(|(what, _)| what.clone())
        .collect()
}

/// What every command that should never show a secret prints and writes for `text`, which is
/// written to `project/compose.yaml`.
fn every_output(root: &Path, project: &Path, state: &str, text: &str) -> Vec<(String, String)> {
    std::fs::write(project.join("compose.yaml"), text).unwrap();
    let mut all = Vec::new();
    for target in ["k3s", "helm", "podman"] {
        let out = root.join(format!("{state}-{target}"));
        let out_str = out.to_str().unwrap();
        all.extend(streams(
            project,
            &["build", "--target", target, "-o", out_str],
            Some(&out),
        ));
        let json_out = root.join(format!("{state}-{target}-json"));
        let json_str = json_out.to_str().unwrap();
        all.extend(streams(
            project,
            &[
                "--message-format",
                "json",
                "build",
                "--target",
                target,
                "-o",
                json_str,
            ],
            Some(&json_out),
        ));
        // A Helm chart is a folder; it has no `--stdout` form.
        if target != "helm" {
            all.extend(streams(
                project,
                &["build", "--target", target, "--stdout"],
                None,
            ));
            all.extend(streams(
                project,
                &[
                    "--message-format",
                    "json",
                    "build",
                    "--target",
                    target,
                    "--stdout",
                ],
                None,
            ));
        }
    }
    let quadlet = root.join(format!("{state}-quadlet"));
    let quadlet_str = quadlet.to_str().unwrap();
    all.extend(streams(
        project,
        &[
            "build",
            "--target",
            "podman",
            "--quadlet",
            "-o",
            quadlet_str,
        ],
        Some(&quadlet),
    ));
    // A stale output folder, so that `--check` prints its difference.
    let outdated = root.join(format!("{state}-stale"));
    std::fs::create_dir_all(&outdated).unwrap();
    std::fs::write(
        project.join("compose.yaml"),
        text.replace("postgres:16", "postgres:15"),
    )
    .unwrap();
    let _ = streams(
        project,
        &["build", "--target", "k3s", "-o", outdated.to_str().unwrap()],
        None,
    );
    std::fs::write(project.join("compose.yaml"), text).unwrap();
    all.extend(streams(
        project,
        &[
            "build",
            "--target",
            "k3s",
            "--check",
            "-o",
            outdated.to_str().unwrap(),
        ],
        Some(&outdated),
    ));
    for args in [
        &["check"][..],
        &["--message-format", "json", "check"],
        &["check", "--target", "helm"],
        &["config"],
        &["config", "--format", "json"],
    ] {
        all.extend(streams(project, args, None));
    }
    all
}

/// Every command path that could print a secret value, on a valid project and on one with an
/// error elsewhere, searched on stdout, stderr and every file written. `stackc secrets` and
/// `--secrets inline` exist to output the values; they must show them, so the search can fail.
#[test]
fn a_planted_secret_reaches_no_output_stream() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("planted-secret");
    let _ = std::fs::remove_dir_all(&root);
    let project = root.join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(project.join("db_password.txt"), format!("{FILE_MARKER}\n")).unwrap();
    let valid = "name: planted\nservices:\n  db:\n    image: postgres:16\n    secrets: [from_file, from_env]\n    environment:\n      POSTGRES_PASSWORD_FILE: /run/secrets/from_file\nsecrets:\n  from_file:\n    file: ./db_password.txt\n  from_env:\n    environment: DB_PASSWORD\n";
    let invalid = valid.replace(
        "    image: postgres:16\n",
        "    image: postgres:16\n    ports: [\"not a port\"]\n",
    );
    let mut leaks = Vec::new();
    let mut shown = Vec::new();
    for (state, text) in [("valid", valid.to_owned()), ("invalid", invalid)] {
        let all = every_output(&root, &project, state, &text);
        leaks.extend(
            marker_hits(&all)
                .into_iter()
                .map(|w| format!("{state}: {w}")),
        );
        if state == "valid" {
            let secrets = streams(&project, &["secrets"], None);
            let inline = root.join("inline");
            let inline_str = inline.to_str().unwrap();
            let inline = streams(
                &project,
                &[
                    "build",
                    "--target",
                    "k3s",
                    "--secrets",
                    "inline",
                    "-o",
                    inline_str,
                ],
                Some(&inline),
            );
            shown.push(("`stackc secrets`", marker_hits(&secrets)));
            shown.push(("`--secrets inline`", marker_hits(&inline)));
        }
    }
    for (what, hits) in shown {
        assert!(
            !hits.is_empty(),
            "{what} shows no planted value, so the search cannot be trusted"
        );
    }
    assert!(
        leaks.is_empty(),
        "secret values leaked:\n{}",
        leaks.join("\n")
    );
}
