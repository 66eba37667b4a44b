//! End-to-end checks of the command line contract: help, version, exit codes, and the JSON
//! diagnostic format.

mod support;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use tempfile::TempDir;

use support::Outcome;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A compose file whose only problem is on line 5: `web` depends on a service that does not exist.
const UNDEFINED_DEPENDENCY: &str = "services:\n  web:\n    image: nginx\n    depends_on:\n      - dbb\n  db:\n    image: postgres\n";

/// A scratch project folder holding `compose.yaml`, removed when dropped.
fn project(test: &str, compose: &str) -> TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("stackc-cli-{test}-"))
        .tempdir()
        .expect("create scratch project");
    std::fs::write(dir.path().join("compose.yaml"), compose).expect("write compose.yaml");
    dir
}

fn stackc(dir: &Path, args: &[&str]) -> Outcome {
    let mut cmd = support::clean_command(support::stackc(), dir);
    cmd.args(args);
    support::run(&mut cmd, b"", TIMEOUT)
}

#[test]
fn help_lists_the_subcommands() {
    let out = stackc(&std::env::temp_dir(), &["--help"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    for word in ["Usage", "config", "build", "--message-format"] {
        assert!(
            out.stdout.contains(word),
            "`--help` does not mention `{word}`:\n{}",
            out.stdout
        );
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = stackc(&std::env::temp_dir(), &["--version"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        out.stdout.trim(),
        format!("stackc {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = stackc(&std::env::temp_dir(), &["config", "--no-such-flag"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(out.stderr.contains("--no-such-flag"), "{}", out.describe());
}

#[test]
fn missing_file_is_an_io_error() {
    let scratch = project("missing-file", "services: {}\n");
    let dir = scratch.path();
    let out = stackc(dir, &["-f", "does-not-exist.yaml", "config"]);
    assert_eq!(out.code, Some(2), "{}", out.describe());
    assert!(
        out.stderr.contains("does-not-exist.yaml"),
        "{}",
        out.describe()
    );
}

#[test]
fn valid_project_prints_its_config() {
    let scratch = project("valid", "services:\n  web:\n    image: nginx\n");
    let dir = scratch.path();
    let out = stackc(dir, &["config", "--format", "json"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    let config: serde_json::Value = serde_json::from_str(&out.stdout).expect("config is JSON");
    assert_eq!(config["services"]["web"]["image"], "nginx");
}

/// Checks that stderr is JSON lines with the documented keys, one of them the located error.
fn assert_located_json_error(out: &Outcome) {
    assert_eq!(out.code, Some(1), "{}", out.describe());
    let diagnostics: Vec<serde_json::Value> = out
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    for d in &diagnostics {
        for key in [
            "code", "severity", "message", "file", "line", "column", "labels", "help",
        ] {
            assert!(d.get(key).is_some(), "diagnostic has no `{key}`: {d}");
        }
    }
    let error = diagnostics
        .iter()
        .find(|d| d["severity"] == "error")
        .unwrap_or_else(|| panic!("no error diagnostic: {}", out.stderr));
    assert_eq!(error["file"], "compose.yaml", "{error}");
    assert_eq!(error["line"], 5, "the error must point at `dbb`: {error}");
    assert!(error["column"].as_u64().is_some_and(|c| c >= 1), "{error}");
    assert!(
        error["message"].as_str().is_some_and(|m| m.contains("dbb")),
        "{error}"
    );
}

#[test]
fn broken_file_gives_a_located_json_diagnostic() {
    let scratch = project("json-diagnostic", UNDEFINED_DEPENDENCY);
    let dir = scratch.path();
    assert_located_json_error(&stackc(dir, &["--message-format", "json", "config"]));
}

#[test]
fn global_flags_are_accepted_after_the_subcommand() {
    let scratch = project("global-after", UNDEFINED_DEPENDENCY);
    let dir = scratch.path();
    assert_located_json_error(&stackc(
        dir,
        &[
            "build",
            "--stdout",
            "--message-format",
            "json",
            "-f",
            "compose.yaml",
        ],
    ));
}

#[test]
fn human_diagnostics_have_no_colour_with_color_never() {
    let scratch = project("color-never", UNDEFINED_DEPENDENCY);
    let dir = scratch.path();
    let out = stackc(dir, &["--color", "never", "config"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert!(
        support::has_location(&out.stderr),
        "no file:line:col: {}",
        out.stderr
    );
    assert!(
        !out.stderr.contains('\u{1b}'),
        "escape codes with --color never: {}",
        out.stderr
    );
}

#[test]
fn short_format_gives_one_located_line_per_diagnostic() {
    let scratch = project("short", UNDEFINED_DEPENDENCY);
    let dir = scratch.path();
    let out = stackc(dir, &["--message-format", "short", "config"]);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    assert_eq!(
        out.stderr,
        "compose.yaml:5:9: error[SC0215]: service `web` depends on undefined service `dbb`\n",
        "{}",
        out.describe()
    );
}

/// Kubernetes has no port ranges: a published range of more than a hundred ports is reported at
/// the service's `ports`, for both targets that run on K3s, and not for podman, which forwards
/// published ports itself.
#[test]
fn large_published_ranges_are_reported_at_the_ports_key() {
    let compose = "services:\n  sfu:\n    image: docker.io/mirotalk/sfu:latest\n    ports:\n      - 3010:3010\n      - 40000-40100:40000-40100/udp\n";
    let scratch = project("ranges", compose);
    let dir = scratch.path();
    for target in ["k3s", "helm", "podman"] {
        let out = stackc(
            dir,
            &["--message-format", "short", "check", "--target", target],
        );
        assert_eq!(out.code, Some(0), "{}", out.describe());
        let reported = out.stderr.contains(
            "compose.yaml:4:5: warning[SC2002]: service `sfu` publishes 102 ports, each a port of Service `sfu-lb`",
        );
        assert_eq!(reported, target != "podman", "{target}: {}", out.describe());
    }
}

/// A config of a large file: over 256 KiB as JSON, client-side `kubectl apply` cannot apply its
/// ConfigMap (reported for k3s, whose manifests are applied that way, and for helm, whose
/// rendered objects Argo CD applies that way; not for podman); over 1 MiB, the API server
/// refuses it on every Kubernetes target.
#[test]
fn large_configs_are_reported_by_what_refuses_them() {
    let compose = "services:\n  grafana:\n    image: docker.io/grafana/grafana:11.3.0\n    configs:\n      - source: dashboard\n        target: /var/lib/grafana/dashboards/board.json\nconfigs:\n  dashboard:\n    file: ./board.json\n";
    let scratch = project("large-configs", compose);
    let dir = scratch.path();
    let panel = "{\"title\": \"p95 > 1s & rising\", \"expr\": \"histogram_quantile(0.95, rate(x[5m]))\"},\n";
    std::fs::write(
        dir.join("board.json"),
        panel.repeat(300 * 1024 / panel.len()),
    )
    .unwrap();
    let apply = "compose.yaml:8:3: warning[SC2003]: ConfigMap `stackc-cli-large-configs";
    for (target, reported) in [("k3s", true), ("helm", true), ("podman", false)] {
        let out = stackc(
            dir,
            &["--message-format", "short", "check", "--target", target],
        );
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert_eq!(
            out.stderr.contains(apply),
            reported,
            "{target}: {}",
            out.describe()
        );
        assert_eq!(
            out.stderr.contains("a chart's rendered objects"),
            target == "helm",
            "{target}: {}",
            out.describe()
        );
    }
    std::fs::write(
        dir.join("board.json"),
        panel.repeat(1100 * 1024 / panel.len()),
    )
    .unwrap();
    for (target, code) in [("k3s", 1), ("helm", 1), ("podman", 0)] {
        let out = stackc(
            dir,
            &["--message-format", "short", "check", "--target", target],
        );
        assert_eq!(out.code, Some(code), "{target}: {}", out.describe());
        assert_eq!(
            out.stderr
                .contains("compose.yaml:8:3: error[SC1156]: ConfigMap"),
            code == 1,
            "{target}: {}",
            out.describe()
        );
    }
}

/// No Secret can be named `db_password`: the Kubernetes targets reference an external secret
/// under a name one can have, and say so; podman's secrets keep the engine's names, and so do
/// its volumes, which it finds by name.
#[test]
fn external_secrets_get_names_kubernetes_can_hold() {
    let compose = "services:\n  db:\n    image: docker.io/library/postgres:17\n    secrets: [db_password]\n    volumes: [pgdata:/var/lib/postgresql/data]\nsecrets:\n  db_password:\n    external: true\nvolumes:\n  pgdata:\n    external: true\n    name: pg_data\n";
    let scratch = project("external-names", compose);
    let dir = scratch.path();
    let warning = "external secret `db_password` is referenced as the Secret `db-password`";
    for (target, renamed) in [("k3s", true), ("podman", false)] {
        let out = stackc(dir, &["build", "--target", target, "--stdout"]);
        assert_eq!(out.code, Some(0), "{}", out.describe());
        assert_eq!(
            out.stderr.contains(warning),
            renamed,
            "{target}: {}",
            out.describe()
        );
        let referenced = if renamed {
            "db-password"
        } else {
            "db_password"
        };
        assert!(
            out.stdout.contains(&format!("secretName: {referenced}")),
            "{target}: {}",
            out.stdout
        );
        let claim = if renamed { "pg-data" } else { "pg_data" };
        assert!(
            out.stdout.contains(&format!("claimName: {claim}")),
            "{target}: {}",
            out.stdout
        );
        assert_eq!(
            out.stderr
                .contains("external volume `pg_data` is referenced"),
            renamed,
            "{target}: {}",
            out.describe()
        );
    }
    let out = stackc(dir, &["check", "--target", "helm"]);
    assert!(out.stderr.contains(warning), "helm: {}", out.describe());
}

#[test]
fn repeated_warnings_after_the_tenth_take_one_line_each() {
    let mut compose = String::from("services:\n");
    for i in 0..12 {
        writeln!(
            compose,
            "  web{i:02}:\n    image: nginx\n    stop_signal: SIGQUIT"
        )
        .unwrap();
    }
    let scratch = project("repeated", &compose);
    let dir = scratch.path();
    let out = stackc(dir, &["--color", "never", "check"]);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(
        out.stderr.matches("╭─[compose.yaml").count(),
        10,
        "{}",
        out.describe()
    );
    for (service, line) in [("web10", 34), ("web11", 37)] {
        let short = format!(
            "compose.yaml:{line}:5: warning[SC1001]: `stop_signal` of service `{service}` is left out"
        );
        assert!(
            out.stderr.contains(&short),
            "{short} missing: {}",
            out.describe()
        );
    }
}

#[test]
fn network_policies_are_refused_for_podman_and_reported_there_from_the_setting() {
    let compose = "x-stackc:\n  network-policies: true\nservices:\n  web:\n    image: nginx\n    networks: [back]\nnetworks:\n  back: {}\n";
    let scratch = project("network-policies", compose);
    let dir = scratch.path();
    let flag = stackc(
        dir,
        &[
            "build",
            "--target",
            "podman",
            "--network-policies",
            "--stdout",
        ],
    );
    assert_eq!(flag.code, Some(2), "{}", flag.describe());
    assert!(
        flag.stderr.contains("applies no NetworkPolicies"),
        "{}",
        flag.describe()
    );
    // The setting travels with the compose file, so podman builds with it: the network is
    // reported as not kept, and no policy is written.
    let setting = stackc(dir, &["build", "--target", "podman", "--stdout"]);
    assert_eq!(setting.code, Some(0), "{}", setting.describe());
    assert!(
        !setting.stdout.contains("NetworkPolicy"),
        "{}",
        setting.describe()
    );
    assert!(
        setting.stderr.contains("network `back` is not kept"),
        "{}",
        setting.describe()
    );
    let k3s = stackc(dir, &["build", "--stdout"]);
    assert_eq!(k3s.code, Some(0), "{}", k3s.describe());
    assert!(
        k3s.stdout.contains("name: back-network\n"),
        "{}",
        k3s.describe()
    );
    assert!(!k3s.stderr.contains("is not kept"), "{}", k3s.describe());
}

#[test]
fn group_names_take_their_ids_from_gid_flags_unless_the_compose_file_gives_them() {
    let compose =
        "services:\n  ollama:\n    image: ollama/ollama:rocm\n    group_add: [video, render]\n";
    let scratch = project("gid", compose);
    let dir = scratch.path();
    let unknown = stackc(dir, &["build", "--stdout"]);
    assert_eq!(unknown.code, Some(1), "{}", unknown.describe());
    assert!(
        unknown.stderr.contains("--gid video=GID"),
        "{}",
        unknown.describe()
    );
    // Each name is reported at its entry, with where its id can be found.
    let reports = stackc(dir, &["--message-format", "json", "build", "--stdout"]);
    for (group, column) in [("video", 17), ("render", 24)] {
        assert!(
            reports.stderr.lines().any(|line| {
                line.contains(&format!("group `{group}`"))
                    && line.contains(&format!("\"line\":4,\"column\":{column}"))
                    && line.contains(&format!("`getent group {group}`"))
                    && line
                        .contains("docker run --rm --entrypoint cat ollama/ollama:rocm /etc/group")
            }),
            "{}",
            reports.describe()
        );
    }
    let given = stackc(dir, &["build", "--stdout", "--gid", "video=44,render=993"]);
    assert_eq!(given.code, Some(0), "{}", given.describe());
    assert!(
        given
            .stdout
            .contains("supplementalGroups:\n        - 44\n        - 993\n"),
        "{}",
        given.describe()
    );
    let malformed = stackc(dir, &["build", "--stdout", "--gid", "render"]);
    assert_eq!(malformed.code, Some(2), "{}", malformed.describe());
    assert!(
        malformed.stderr.contains("is not `NAME=GID`"),
        "{}",
        malformed.describe()
    );

    let pinned = project(
        "gid-pinned",
        &format!("x-stackc:\n  groups: {{render: 105}}\n{compose}"),
    );
    let both = stackc(
        pinned.path(),
        &[
            "build",
            "--stdout",
            "--gid",
            "video=44",
            "--gid",
            "render=993",
        ],
    );
    assert_eq!(both.code, Some(0), "{}", both.describe());
    assert!(
        both.stdout.contains("- 44\n        - 105\n"),
        "{}",
        both.describe()
    );
}
