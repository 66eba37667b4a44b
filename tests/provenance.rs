//! `build --provenance`: every object made from a compose key carries
//! `stackc.io/source: <file>:<line>:<col> <key>`, naming the file relative to the project
//! directory, the same on every run and from every working directory; without the flag no
//! object carries it.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

use support::Outcome;

const TIMEOUT: Duration = Duration::from_secs(30);

const ANNOTATION: &str = "stackc.io/source";

/// Line numbers matter: the tests below name them.
const COMPOSE: &str = "\
name: shop
services:
  web:
    image: nginx:1.27
    ports:
      - \"8080:80\"
    volumes:
      - data:/data
      - ./site.conf:/etc/nginx/conf.d/site.conf:ro
    secrets:
      - db_password
    configs:
      - app_config
    depends_on:
      migrate:
        condition: service_completed_successfully
    x-stackc:
      config-files: [./site.conf]
  migrate:
    image: busybox:1.37
    command: [\"true\"]
    restart: \"no\"
volumes:
  data: {}
secrets:
  db_password:
    file: ./db_password.txt
configs:
  app_config:
    content: |
      debug=false
";

const OVERRIDE: &str = "\
services:
  web:
    environment:
      MODE: production
  db:
    image: postgres:17
    expose:
      - \"5432\"
    volumes:
      - dbdata:/var/lib/postgresql/data
volumes:
  dbdata: {}
";

/// The k3s files that must carry the annotation, and its value. `web` is in both files: the
/// override, which set it last, is named.
const EXPECTED: &[(&str, &str)] = &[
    (
        "web-deployment.yaml",
        "compose.override.yaml:2:3 services.web",
    ),
    ("web-service.yaml", "compose.override.yaml:2:3 services.web"),
    (
        "web-lb-service.yaml",
        "compose.override.yaml:2:3 services.web",
    ),
    ("migrate-job.yaml", "compose.yaml:19:3 services.migrate"),
    (
        "db-deployment.yaml",
        "compose.override.yaml:5:3 services.db",
    ),
    ("db-service.yaml", "compose.override.yaml:5:3 services.db"),
    (
        "shop-data-persistentvolumeclaim.yaml",
        "compose.yaml:24:3 volumes.data",
    ),
    (
        "shop-dbdata-persistentvolumeclaim.yaml",
        "compose.override.yaml:12:3 volumes.dbdata",
    ),
    (
        "shop-db-password-secret.yaml",
        "compose.yaml:26:3 secrets.db_password",
    ),
    (
        "shop-app-config-configmap.yaml",
        "compose.yaml:29:3 configs.app_config",
    ),
    (
        "shop-web-site-conf-configmap.yaml",
        "compose.yaml:9:9 services.web.volumes.1",
    ),
];

/// Files that no compose key made: the waits' RBAC, the kustomization, and the list of files
/// stackc manages in the directory.
const UNANNOTATED: &[&str] = &[
    ".stackc-files",
    "web-wait-serviceaccount.yaml",
    "web-wait-role.yaml",
    "web-wait-rolebinding.yaml",
    "kustomization.yaml",
];

/// A scratch folder holding the project in `shop/`, removed when dropped.
fn workspace(test: &str) -> TempDir {
    let root = tempfile::Builder::new()
        .prefix(&format!("stackc-provenance-{test}-"))
        .tempdir()
        .expect("create scratch folder");
    let dir = root.path().join("shop");
    std::fs::create_dir_all(&dir).expect("create scratch project");
    for (name, text) in [
        ("compose.yaml", COMPOSE),
        ("compose.override.yaml", OVERRIDE),
        ("site.conf", "server { listen 80; }\n"),
        ("db_password.txt", "not-a-real-password\n"),
    ] {
        std::fs::write(dir.join(name), text).expect("write project file");
    }
    root
}

fn stackc(cwd: &Path, args: &[&str]) -> Outcome {
    let mut cmd = support::clean_command(support::stackc(), cwd);
    cmd.args(["--color", "never"]).args(args);
    let out = support::run(&mut cmd, b"", TIMEOUT);
    assert_eq!(out.code, Some(0), "stackc {args:?}: {}", out.describe());
    out
}

/// Every file of an output directory, by path relative to it.
fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("read output directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(name, std::fs::read_to_string(&path).expect("read output"));
            }
        }
    }
    files
}

/// The values of the annotation in `text`, in order.
fn sources(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix(ANNOTATION)?.strip_prefix(": "))
        .collect()
}

#[test]
fn k3s_objects_name_the_file_line_column_and_key_they_come_from() {
    let scratch = workspace("k3s");
    let root = scratch.path();
    let project = root.join("shop");
    let out = root.join("out");
    let out_arg = out.to_string_lossy().into_owned();
    stackc(
        &project,
        &[
            "build",
            "--provenance",
            "--secrets",
            "inline",
            "-o",
            &out_arg,
        ],
    );
    let files = read_dir(&out);
    for (file, expected) in EXPECTED {
        let text = files
            .get(*file)
            .unwrap_or_else(|| panic!("no {file} in {:?}", files.keys()));
        // Once, in the object's own metadata: a pod template never carries it.
        assert_eq!(sources(text), [*expected], "{file}:\n{text}");
        assert!(
            text.contains(&format!("  annotations:\n    {ANNOTATION}: ")),
            "{file}:\n{text}"
        );
    }
    for file in UNANNOTATED {
        let text = files.get(*file).unwrap_or_else(|| panic!("no {file}"));
        assert!(!text.contains(ANNOTATION), "{file}:\n{text}");
    }
    assert_eq!(
        files.len(),
        EXPECTED.len() + UNANNOTATED.len(),
        "{:?}",
        files.keys()
    );
    let here = root.to_string_lossy();
    for (file, text) in &files {
        assert!(
            !text.contains(here.as_ref()),
            "{file} holds a path of this machine"
        );
    }
    validate(&out, &files);
}

#[test]
fn provenance_is_the_same_on_every_run_and_from_every_working_directory() {
    let scratch = workspace("stable");
    let root = scratch.path();
    let project = root.join("shop");
    let build = |cwd: &Path, out: &str, extra: &[&str]| {
        let out = root.join(out);
        let out_arg = out.to_string_lossy().into_owned();
        let mut args: Vec<&str> = extra.to_vec();
        args.extend(["build", "--provenance", "-o", &out_arg]);
        stackc(cwd, &args);
        read_dir(&out)
    };
    let first = build(&project, "first", &[]);
    assert_eq!(first, build(&project, "second", &[]));
    let elsewhere = build(
        root,
        "elsewhere",
        &[
            "--project-directory",
            "shop",
            "-f",
            "shop/compose.yaml",
            "-f",
            "shop/compose.override.yaml",
        ],
    );
    assert_eq!(first, elsewhere);
    assert_eq!(
        sources(&first["migrate-job.yaml"]),
        ["compose.yaml:19:3 services.migrate"]
    );
}

#[test]
fn without_the_flag_no_object_is_annotated() {
    let scratch = workspace("off");
    let root = scratch.path();
    let project = root.join("shop");
    let chart = root.join("chart").to_string_lossy().into_owned();
    let k3s = stackc(&project, &["build", "--stdout"]);
    let podman = stackc(&project, &["build", "--target", "podman", "--stdout"]);
    stackc(&project, &["build", "--target", "helm", "-o", &chart]);
    let secrets = stackc(&project, &["secrets"]);
    assert!(!k3s.stdout.contains(ANNOTATION), "{}", k3s.stdout);
    assert!(!podman.stdout.contains(ANNOTATION), "{}", podman.stdout);
    assert!(!secrets.stdout.contains(ANNOTATION), "{}", secrets.stdout);
    for (file, text) in read_dir(&root.join("chart")) {
        assert!(!text.contains(ANNOTATION), "{file}:\n{text}");
    }
}

#[test]
fn helm_podman_and_secrets_carry_it_too() {
    let scratch = workspace("targets");
    let root = scratch.path();
    let project = root.join("shop");
    let chart = root.join("chart").to_string_lossy().into_owned();
    stackc(
        &project,
        &["build", "--target", "helm", "--provenance", "-o", &chart],
    );
    let templates = read_dir(&root.join("chart"));
    for (file, expected) in EXPECTED {
        let text = templates
            .get(&format!("templates/{file}"))
            .unwrap_or_else(|| panic!("no templates/{file} in {:?}", templates.keys()));
        assert_eq!(sources(text), [*expected], "templates/{file}:\n{text}");
    }

    let podman = stackc(
        &project,
        &[
            "build",
            "--target",
            "podman",
            "--provenance",
            "--secrets",
            "inline",
            "--stdout",
        ],
    );
    // Podman has no Services and no RBAC: one pod per service, and the rest as for k3s.
    let mut expected: Vec<&str> = EXPECTED
        .iter()
        .filter(|(file, _)| !file.ends_with("-service.yaml"))
        .map(|(_, source)| *source)
        .collect();
    let mut found = sources(&podman.stdout);
    expected.sort_unstable();
    found.sort_unstable();
    assert_eq!(found, expected, "{}", podman.stdout);

    let secrets = stackc(&project, &["secrets", "--provenance"]);
    assert_eq!(
        sources(&secrets.stdout),
        ["compose.yaml:26:3 secrets.db_password"]
    );
}

/// `kubernetes-validate -k 1.33.0 --strict` over every manifest (`kustomization.yaml` and
/// `.stackc-files` are not manifests).
fn validate(dir: &Path, files: &BTreeMap<String, String>) {
    let manifests: Vec<PathBuf> = files
        .keys()
        .filter(|f| !f.starts_with('.') && *f != "kustomization.yaml")
        .map(|f| dir.join(f))
        .collect();
    let bad = support::kubernetes_validate(&manifests);
    assert!(bad.is_empty(), "kubernetes-validate:\n{}", bad.join("\n"));
}
