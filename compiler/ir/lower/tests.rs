use serde_json::json;

use crate::diagnostics::{Code, Diagnostics};
use crate::ir::{
    Locate, NodeOperator, NodeRequirement, PidNamespace, Project, ServiceKind, WorkloadKind,
};
use crate::model;
use crate::source::{FileId, Span};

/// Locations where every key path has a span of its own: the span's start is the number of
/// path segments, so a test can tell which key a diagnostic points at.
struct Paths;

impl Locate for Paths {
    fn span(&self, path: &[&str]) -> Option<Span> {
        Some(Span::new(
            FileId(0),
            path.len(),
            path.len() + path.join(".").len(),
        ))
    }
}

fn lower(services: &serde_json::Value) -> (Project, Diagnostics) {
    let project: model::Project =
        serde_json::from_value(json!({ "name": "demo", "services": services })).unwrap();
    let (mut ir, mut diagnostics) = lower_project(&project);
    crate::passes::run(&mut ir, &Paths, &mut diagnostics);
    (ir, diagnostics)
}

/// A whole project lowered with the default options, without the passes.
fn lower_project(project: &model::Project) -> (Project, Diagnostics) {
    let mut diagnostics = Diagnostics::new();
    let ir = super::lower(
        project,
        &super::Options::default(),
        &Paths,
        &mut diagnostics,
    );
    (ir, diagnostics)
}

#[test]
fn shell_healthchecks_run_through_sh() {
    let (ir, _) = lower(&json!({ "db": {
        "image": "postgres",
        "healthcheck": {
            "test": ["CMD-SHELL", "pg_isready || exit 1"],
            "interval": "10s", "timeout": "5s", "retries": 5, "start_period": "30s"
        }
    }}));
    let probes = &ir.workloads["db"].pod.containers[0].probes;
    let readiness = probes.readiness.as_ref().unwrap();
    assert_eq!(readiness.exec, ["sh", "-c", "pg_isready || exit 1"]);
    assert_eq!(
        (
            readiness.period_seconds,
            readiness.timeout_seconds,
            readiness.failure_threshold
        ),
        (10, 5, 5)
    );
    assert_eq!(probes.liveness.as_ref(), Some(readiness));
    let startup = probes.startup.as_ref().unwrap();
    assert_eq!(
        (startup.period_seconds, startup.failure_threshold),
        (5, 6 + 5)
    );
}

#[test]
fn disabled_healthchecks_give_no_probe() {
    let (ir, _) = lower(&json!({ "web": {
        "image": "nginx",
        "healthcheck": { "test": ["CMD", "true"], "disable": true }
    }}));
    assert_eq!(
        ir.workloads["web"].pod.containers[0].probes,
        crate::ir::Probes::default()
    );
}

#[test]
fn an_empty_entrypoint_runs_the_command_on_its_own() {
    let (ir, diagnostics) = lower(&json!({
        "direct": { "image": "postgres", "entrypoint": "", "command": ["pg_isready"] },
        "bare": { "image": "postgres", "entrypoint": [] },
        "wrapped": { "image": "postgres", "entrypoint": ["tini", "--"], "command": ["postgres"] },
        "plain": { "image": "postgres", "command": ["postgres"] }
    }));
    let argv = |name: &str| {
        let c = &ir.workloads[name].pod.containers[0];
        (c.command.clone(), c.args.clone())
    };
    let words = |w: &[&str]| Some(w.iter().map(ToString::to_string).collect::<Vec<_>>());
    assert_eq!(argv("direct"), (words(&["pg_isready"]), None));
    assert_eq!(argv("bare"), (None, None));
    assert_eq!(
        argv("wrapped"),
        (words(&["tini", "--"]), words(&["postgres"]))
    );
    assert_eq!(argv("plain"), (None, words(&["postgres"])));
    let approximated: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == Code::ApproximatedKey)
        .collect();
    assert_eq!(approximated.len(), 1);
    assert_eq!(
        approximated[0].primary_span(),
        Paths.span(&["services", "bare", "entrypoint"])
    );
}

#[test]
fn swarm_job_modes_become_jobs() {
    let (ir, diagnostics) = lower(&json!({
        "batch": { "image": "alpine", "deploy": { "mode": "replicated-job", "replicas": 4 } },
        "capped": {
            "image": "alpine",
            "restart": "always",
            "deploy": {
                "mode": "replicated-job",
                "restart_policy": { "condition": "any", "max_attempts": 2 }
            }
        },
        "once": {
            "image": "alpine",
            "deploy": { "mode": "replicated-job", "restart_policy": { "condition": "none" } }
        },
        "sweep": { "image": "alpine", "deploy": { "mode": "global-job" } }
    }));
    let kind = |name: &str| ir.workloads[name].kind;
    let job = |backoff_limit, restart_on_failure, completions| WorkloadKind::Job {
        backoff_limit,
        restart_on_failure,
        completions,
    };
    assert_eq!(kind("batch"), job(None, true, 4));
    assert_eq!(kind("capped"), job(Some(2), true, 1));
    assert_eq!(kind("once"), job(Some(0), false, 1));
    assert_eq!(kind("sweep"), job(None, true, 1));
    let codes = |code: Code| -> Vec<String> {
        diagnostics
            .iter()
            .filter(|d| d.code == code)
            .map(|d| d.message.clone())
            .collect()
    };
    let approximated = codes(Code::ApproximatedKey);
    assert_eq!(approximated.len(), 1);
    assert!(approximated[0].contains("`sweep`"), "{approximated:?}");
}

#[test]
fn a_service_awaited_to_complete_runs_once_unless_told_to_restart() {
    let completed = json!({ "condition": "service_completed_successfully", "required": true });
    let (ir, diagnostics) = lower(&json!({
        "init": { "image": "app" },
        "seed": { "image": "app", "restart": "always" },
        "server": { "image": "app" },
        "web": {
            "image": "app",
            "depends_on": {
                "init": completed,
                "seed": completed,
                "server": { "condition": "service_started", "required": true }
            }
        }
    }));
    let kind = |name: &str| ir.workloads[name].kind;
    assert_eq!(
        kind("init"),
        WorkloadKind::Job {
            backoff_limit: Some(0),
            restart_on_failure: false,
            completions: 1
        },
        "compose's default `restart: no`"
    );
    assert_eq!(kind("seed"), WorkloadKind::Deployment { replicas: 1 });
    assert_eq!(kind("server"), WorkloadKind::Deployment { replicas: 1 });
    let long_running: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == Code::DependencyNotJob)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(long_running.len(), 1, "{long_running:?}");
    assert!(long_running[0].starts_with("`seed`"), "{long_running:?}");
}

#[test]
fn an_unknown_deploy_mode_runs_replicated_and_is_reported() {
    let (ir, diagnostics) = lower(&json!({
        "app": { "image": "app", "deploy": { "mode": "Global", "replicas": 2 } }
    }));
    assert_eq!(
        ir.workloads["app"].kind,
        WorkloadKind::Deployment { replicas: 2 }
    );
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnloweredValue]);
}

#[test]
fn init_and_pid_choose_the_process_namespace() {
    let (ir, diagnostics) = lower(&json!({
        "plain": { "image": "app" },
        "init": { "image": "app", "init": true },
        "no-init": { "image": "app", "init": false },
        "host": { "image": "app", "pid": "host", "init": true },
        "joined": { "image": "app" },
        "joiner": { "image": "app", "pid": "service:joined" }
    }));
    let pid = |name: &str| ir.workloads[name].pod.pid;
    assert_eq!(pid("plain"), PidNamespace::PerContainer);
    assert_eq!(pid("init"), PidNamespace::Pod);
    assert_eq!(pid("no-init"), PidNamespace::PerContainer);
    assert_eq!(pid("host"), PidNamespace::Host);
    assert_eq!(
        pid("joined"),
        PidNamespace::Pod,
        "the joiner shares its processes"
    );
    assert!(!ir.workloads.contains_key("joiner"));
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::ApproximatedKey],
        "init is not kept with hostPID"
    );
}

#[test]
fn each_anonymous_volume_and_tmpfs_is_a_volume_of_its_own() {
    let (ir, _) = lower(&json!({
        "db": {
            "image": "postgres",
            "volumes": [
                {"type": "volume", "target": "/var/lib/postgresql/data"},
                {"type": "volume", "target": "/var/log/app"},
                {"type": "tmpfs", "target": "/cache"}
            ],
            "tmpfs": ["/run", "/tmp"]
        }
    }));
    let pod = &ir.workloads["db"].pod;
    let mounts: Vec<(&str, &str)> = pod.containers[0]
        .volume_mounts
        .iter()
        .map(|m| (m.mount_path.as_str(), m.volume.as_str()))
        .collect();
    assert_eq!(
        mounts,
        [
            ("/var/lib/postgresql/data", "anonymous"),
            ("/var/log/app", "anonymous-2"),
            ("/cache", "tmpfs"),
            ("/run", "tmpfs-2"),
            ("/tmp", "tmpfs-3"),
        ]
    );
    assert_eq!(pod.volumes.len(), 5);
}

#[test]
fn a_path_is_mounted_once_and_tmpfs_wins_over_shm_size() {
    let (ir, diagnostics) = lower(&json!({
        "browser": { "image": "chrome", "shm_size": 134_217_728, "tmpfs": ["/dev/shm:size=64m"] }
    }));
    let pod = &ir.workloads["browser"].pod;
    let mounts: Vec<(&str, &str)> = pod.containers[0]
        .volume_mounts
        .iter()
        .map(|m| (m.mount_path.as_str(), m.volume.as_str()))
        .collect();
    assert_eq!(mounts, [("/dev/shm", "tmpfs")]);
    assert_eq!(
        pod.volumes.len(),
        1,
        "the shm volume is left out with its mount"
    );
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnloweredValue]);
}

#[test]
fn host_network_mode_discards_published_ports_and_namespaced_sysctls() {
    let (ir, diagnostics) = lower(&json!({
        "edge": {
            "image": "haproxy",
            "network_mode": "host",
            "ipc": "host",
            "ports": [{"target": 80, "published": "8080", "protocol": "tcp"}],
            "sysctls": {"net.core.somaxconn": "1024", "kernel.shmmax": "1", "vm.swappiness": "1"}
        }
    }));
    let pod = &ir.workloads["edge"].pod;
    assert!(pod.host_network);
    let ports: Vec<_> = pod.containers[0]
        .ports
        .iter()
        .map(|p| (p.port, p.published))
        .collect();
    assert_eq!(ports, [(80, None)]);
    assert!(!ir.services.contains_key("edge-lb"));
    assert_eq!(pod.sysctls.keys().collect::<Vec<_>>(), ["vm.swappiness"]);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            Code::ApproximatedKey,
            Code::UnloweredValue,
            Code::UnloweredValue,
            Code::UnsafeSysctl
        ]
    );
}

#[test]
fn volumes_from_reads_a_mode_list() {
    let (ir, _) = lower(&json!({
        "a": { "image": "a", "volumes": [{"type": "volume", "source": "data", "target": "/data"}] },
        "b": { "image": "b", "volumes_from": ["a:ro,z"] }
    }));
    let mounts = &ir.workloads["b"].pod.containers[0].volume_mounts;
    assert_eq!(mounts.len(), 1);
    assert!(mounts[0].read_only);
}

#[test]
fn volumes_from_a_service_without_a_container_is_reported() {
    let (ir, diagnostics) = lower(&json!({
        "db": { "provider": { "type": "awesomecloud" } },
        "app": { "image": "app", "volumes_from": ["db"] }
    }));
    assert!(ir.workloads["app"].pod.volumes.is_empty());
    assert!(
        diagnostics.iter().any(|d| d
            .message
            .contains("`volumes_from: db` of service `app` is left out")),
        "{:?}",
        diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

#[test]
fn one_shot_services_become_jobs() {
    let (ir, diagnostics) = lower(&json!({
        "once": { "image": "alpine", "restart": "no", "scale": 3 },
        "retry": { "image": "alpine", "restart": "on-failure:3" },
        "forever": { "image": "alpine", "restart": "on-failure" },
        "web": { "image": "nginx", "restart": "always", "deploy": { "replicas": 2 } },
        "agent": { "image": "agent", "deploy": { "mode": "global" } }
    }));
    let kind = |name: &str| ir.workloads[name].kind;
    assert_eq!(
        kind("once"),
        WorkloadKind::Job {
            backoff_limit: Some(0),
            restart_on_failure: false,
            completions: 3,
        }
    );
    assert_eq!(
        kind("retry"),
        WorkloadKind::Job {
            backoff_limit: Some(3),
            restart_on_failure: true,
            completions: 1,
        }
    );
    assert_eq!(
        kind("forever"),
        WorkloadKind::Job {
            backoff_limit: None,
            restart_on_failure: true,
            completions: 1,
        }
    );
    assert_eq!(kind("web"), WorkloadKind::Deployment { replicas: 2 });
    assert_eq!(kind("agent"), WorkloadKind::DaemonSet);
    // `on-failure` with no count retries without limit, as compose does: nothing to report.
    assert!(
        diagnostics.is_empty(),
        "{:?}",
        diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}

#[test]
fn memory_is_written_in_binary_units() {
    let (ir, diagnostics) = lower(&json!({ "api": {
        "image": "nginx",
        "mem_limit": "536870912",
        "deploy": { "resources": { "reservations": { "cpus": 0.25 } } }
    }}));
    let resources = &ir.workloads["api"].pod.containers[0].resources;
    assert_eq!(resources.limits.memory.unwrap().quantity(), "512Mi");
    assert_eq!(resources.requests.cpu.unwrap().quantity(), "250m");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
}

#[test]
fn published_ports_get_a_load_balancer() {
    let (ir, _) = lower(&json!({ "web": {
        "image": "nginx",
        "ports": [
            { "target": 80, "published": "8080", "protocol": "tcp", "mode": "ingress" },
            { "target": 9229, "published": "9229", "host_ip": "127.0.0.1", "protocol": "tcp" }
        ],
        "expose": ["9000"]
    }}));
    let cluster = &ir.services["web"];
    assert_eq!(cluster.kind, ServiceKind::ClusterIp);
    let ports: Vec<(u16, u16)> = cluster
        .ports
        .iter()
        .map(|p| (p.port, p.target_port))
        .collect();
    assert_eq!(ports, [(80, 80), (9229, 9229), (9000, 9000)]);
    let lb = &ir.services["web-lb"];
    assert_eq!(lb.kind, ServiceKind::LoadBalancer);
    let ports: Vec<(u16, u16)> = lb.ports.iter().map(|p| (p.port, p.target_port)).collect();
    assert_eq!(ports, [(8080, 80)], "a loopback port is not published");
}

#[test]
fn keys_not_lowered_are_reported_where_they_are_written() {
    let (_, diagnostics) = lower(&json!({ "app": {
        "image": "nginx",
        "logging": { "driver": "json-file" },
        "deploy": { "resources": { "limits": { "pids": 100 } } }
    }}));
    let spans: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == Code::UnsupportedKey)
        .map(crate::diagnostics::Diagnostic::primary_span)
        .collect();
    assert_eq!(
        spans,
        [
            Paths.span(&["services", "app", "logging"]),
            Paths.span(&["services", "app", "deploy", "resources", "limits", "pids"]),
        ],
        "in source order"
    );
}

#[test]
fn invalid_names_are_renamed_and_collisions_are_errors() {
    let (ir, diagnostics) = lower(&json!({
        "my_app": { "image": "nginx" },
        "My-App": { "image": "nginx" }
    }));
    assert_eq!(ir.workloads["my_app"].name, "my-app");
    assert_eq!(ir.workloads["My-App"].name, "my-app");
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    // `My-App` differs from its Kubernetes name in case only, which DNS ignores.
    assert_eq!(codes, [Code::NameChanged, Code::NameCollision]);
    assert!(diagnostics.has_errors());
}

#[test]
fn names_of_two_labels_resolve_through_one_subdomain_per_pod() {
    let (ir, diagnostics) = lower(&json!({
        "wazuh.master": { "image": "wazuh", "hostname": "wazuh" },
        "one": { "image": "rabbitmq", "hostname": "node.rabbit" },
        "two": { "image": "rabbitmq", "hostname": "node.rabbit" },
        "three": { "image": "rabbitmq", "container_name": "node-3.rabbit" }
    }));
    let place = |name: &str| {
        let pod = &ir.workloads[name].pod;
        (pod.hostname.clone(), pod.subdomain.clone().map(|s| s.name))
    };
    let some = |s: &str| Some(s.to_owned());
    // An explicit hostname of one label keeps the service's own name from being taken.
    assert_eq!(place("wazuh.master"), (some("wazuh"), None));
    assert_eq!(place("one"), (some("node"), some("rabbit")));
    assert_eq!(place("two"), (some("node"), None));
    assert_eq!(place("three"), (None, some("rabbit")));
    assert_eq!(ir.services["rabbit"].kind, crate::ir::ServiceKind::Headless);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnloweredValue, Code::NameChanged]);
}

#[test]
fn built_images_get_the_compose_name_and_a_warning() {
    let project: model::Project = serde_json::from_value(json!({
        "name": "shop",
        "services": { "web": { "build": { "context": "/src", "dockerfile": "Dockerfile" } } }
    }))
    .unwrap();
    let options = super::Options {
        image_registry: Some("registry.example.com/team/".to_owned()),
        ..super::Options::default()
    };
    let mut diagnostics = Diagnostics::new();
    let ir = super::lower(&project, &options, &Paths, &mut diagnostics);
    assert_eq!(
        ir.workloads["web"].pod.containers[0].image,
        "registry.example.com/team/shop-web"
    );
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::ImageNotBuilt]);
}

#[test]
fn swarm_placement_becomes_node_and_pod_affinity() {
    let (ir, diagnostics) = lower(&json!({
        "db": { "image": "db", "deploy": { "placement": {
            "constraints": ["node.role==manager", " node.hostname != Edge-1 ", "node.platform.arch == x86_64"],
            "preferences": [{"spread": "node.labels.zone"}, {"spread": "node.labels.zone"}],
            "max_replicas_per_node": 1
        }}},
        "worker": { "image": "w", "deploy": { "placement": {
            "constraints": ["node.role == worker", "node.labels.gpu == true", "node.id == x1", "role=worker"],
            "max_replicas_per_node": 3
        }}}
    }));
    let requirement = |key: &str, operator, values: &[&str]| NodeRequirement {
        key: key.to_owned(),
        operator,
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    };
    let db = &ir.workloads["db"].pod.placement;
    assert_eq!(
        db.node_requirements,
        [
            requirement(
                "node-role.kubernetes.io/control-plane",
                NodeOperator::Exists,
                &[]
            ),
            requirement("kubernetes.io/hostname", NodeOperator::NotIn, &["edge-1"]),
            requirement("kubernetes.io/arch", NodeOperator::In, &["amd64"]),
        ]
    );
    assert_eq!(db.spread_over, ["zone"]);
    assert!(db.one_per_node);
    let worker = &ir.workloads["worker"].pod.placement;
    assert_eq!(
        worker.node_requirements,
        [
            requirement(
                "node-role.kubernetes.io/control-plane",
                NodeOperator::DoesNotExist,
                &[]
            ),
            requirement("gpu", NodeOperator::In, &["true"]),
        ]
    );
    assert!(!worker.one_per_node);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            Code::ApproximatedKey,
            Code::UnsupportedKey,
            Code::UnloweredValue,
            Code::UnsupportedKey
        ]
    );
}

/// Swarm reads attribute names and the `node.labels.` prefix in any case, and a role's value too;
/// a label's own name keeps its case.
#[test]
fn swarm_placement_attributes_are_read_in_any_case() {
    let (ir, diagnostics) = lower(&json!({
        "db": { "image": "db", "deploy": { "placement": {
            "constraints": ["Node.Role == Manager", "node.Labels.storageGroup==RED", "NODE.hostname==Web1"],
            "preferences": [{"spread": "Node.Labels.Zone"}]
        }}}
    }));
    let placement = &ir.workloads["db"].pod.placement;
    let keys: Vec<(&str, NodeOperator, &[String])> = placement
        .node_requirements
        .iter()
        .map(|r| (r.key.as_str(), r.operator, r.values.as_slice()))
        .collect();
    assert_eq!(
        keys,
        [
            (
                "node-role.kubernetes.io/control-plane",
                NodeOperator::Exists,
                &[][..]
            ),
            ("storageGroup", NodeOperator::In, &["RED".to_owned()][..]),
            (
                "kubernetes.io/hostname",
                NodeOperator::In,
                &["web1".to_owned()][..]
            ),
        ]
    );
    assert_eq!(placement.spread_over, ["Zone"]);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::ApproximatedKey]);
}

#[test]
fn runtimes_and_platforms_match_what_nodes_report() {
    let (ir, diagnostics) = lower(&json!({
        "wasm": { "image": "app", "runtime": "io.containerd.wasmedge.v1", "platform": "wasi/wasm" },
        "gpu": { "image": "app", "runtime": "nvidia", "platform": "linux/arm64" },
        "uname": { "image": "app", "platform": "linux/x86_64" }
    }));
    let pod = |name: &str| &ir.workloads[name].pod;
    assert_eq!(pod("uname").node_selector["kubernetes.io/arch"], "amd64");
    assert_eq!(pod("wasm").runtime_class.as_deref(), Some("wasmedge"));
    assert!(pod("wasm").node_selector.is_empty());
    assert_eq!(pod("gpu").runtime_class.as_deref(), Some("nvidia"));
    assert_eq!(pod("gpu").node_selector["kubernetes.io/arch"], "arm64");
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::ApproximatedKey]);
}

#[test]
fn network_aliases_become_services_and_addresses_are_reported() {
    let (ir, diagnostics) = lower(&json!({ "db": {
        "image": "postgres",
        "expose": ["5432"],
        "networks": { "backend": { "aliases": ["database"], "ipv4_address": "172.20.0.5" } }
    }}));
    assert_eq!(ir.services["database"].workload, "db");
    let spans: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == Code::UnsupportedKey)
        .map(crate::diagnostics::Diagnostic::primary_span)
        .collect();
    assert_eq!(
        spans,
        [Paths.span(&["services", "db", "networks", "backend", "ipv4_address"])]
    );
}

#[test]
fn a_host_port_published_twice_is_reported() {
    let (ir, _) = lower(&json!({
        "a": { "image": "nginx", "ports": [{ "target": 80, "published": "8080", "protocol": "tcp" }] },
        "b": { "image": "nginx", "ports": [{ "target": 81, "published": "8080", "protocol": "tcp" }] }
    }));
    let mut diagnostics = Diagnostics::new();
    crate::backends::k3s::check(&ir, &Paths, &mut diagnostics);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::PublishedTwice]);
    assert_eq!(
        diagnostics.iter().next().unwrap().primary_span(),
        Paths.span(&["services", "b", "ports"])
    );
}

#[test]
fn service_port_names_stay_unique() {
    let (ir, _) = lower(&json!({ "web": {
        "image": "nginx",
        "ports": [
            { "name": "tcp-443", "target": 80, "protocol": "tcp" },
            { "target": 443, "protocol": "tcp" }
        ]
    }}));
    let names: Vec<&str> = ir.services["web"]
        .ports
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["tcp-443", "tcp-443-2"]);
}

#[test]
fn zero_healthcheck_settings_mean_the_defaults() {
    let (ir, _) = lower(&json!({ "web": {
        "image": "nginx",
        "healthcheck": { "test": ["CMD", "true"], "interval": "0s", "retries": 0 }
    }}));
    let probe = ir.workloads["web"].pod.containers[0]
        .probes
        .readiness
        .clone()
        .unwrap();
    assert_eq!((probe.period_seconds, probe.failure_threshold), (30, 3));
}

/// The first service to use a shared object makes it, and the object's warnings come between that
/// service's own storage warnings, in service order; a value that cannot be read is reported at
/// every use, since no object is made.
#[test]
fn shared_storage_objects_warn_in_service_order() {
    let project: model::Project = serde_json::from_value(json!({
        "name": "demo",
        "services": {
            "a": {
                "image": "alpine",
                "configs": [{ "source": "one", "uid": "5" }, { "source": "two" }],
                "volumes": [{ "type": "volume", "source": "data", "target": "/data" }]
            },
            "b": {
                "image": "alpine",
                "configs": [{ "source": "one" }],
                "volumes": [{ "type": "volume", "source": "data", "target": "/data" }]
            }
        },
        "configs": { "one": { "file": "/nonexistent/one" }, "two": { "file": "/nonexistent/two" } },
        "volumes": { "data": { "driver": "nfs" } }
    }))
    .unwrap();
    let (ir, diagnostics) = lower_project(&project);
    let storage: Vec<(Code, String)> = diagnostics
        .iter()
        .filter(|d| {
            matches!(
                d.code,
                Code::FileValueMissing | Code::FileOwner | Code::ApproximatedKey
            )
        })
        .map(|d| {
            (
                d.code,
                d.message.split(' ').take(2).collect::<Vec<_>>().join(" "),
            )
        })
        .collect();
    let expected = [
        (Code::FileValueMissing, "config `one`"),
        (Code::FileOwner, "config `one`"),
        (Code::FileValueMissing, "config `two`"),
        (Code::ApproximatedKey, "the driver"),
        (Code::FileValueMissing, "config `one`"),
    ];
    assert_eq!(
        storage,
        expected.map(|(code, start)| (code, start.to_owned()))
    );
    assert_eq!(ir.claims.keys().collect::<Vec<_>>(), ["demo-data"]);
    assert!(ir.config_maps.is_empty());
}

#[test]
fn a_retry_count_that_is_not_a_number_is_reported_and_retries_without_limit() {
    let (ir, diagnostics) = lower(&json!({
        "worker": { "image": "alpine", "restart": "on-failure:often" }
    }));
    assert_eq!(
        ir.workloads["worker"].kind,
        WorkloadKind::Job {
            backoff_limit: None,
            restart_on_failure: true,
            completions: 1,
        }
    );
    let reported: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.code == Code::UnloweredValue)
        .collect();
    assert_eq!(reported.len(), 1);
    assert_eq!(
        reported[0].primary_span(),
        Paths.span(&["services", "worker", "restart"])
    );
}

#[test]
fn what_the_engine_refuses_in_a_restart_policy_is_reported_at_its_key() {
    let (ir, diagnostics) = lower(&json!({
        "negative": { "image": "alpine", "restart": "on-failure:-1" },
        "counted": { "image": "nginx", "restart": "unless-stopped:2" },
        "unknown": { "image": "nginx", "deploy": { "restart_policy": { "condition": "sometimes" } } },
        "empty": { "image": "nginx", "restart": ":3" }
    }));
    assert_eq!(
        ir.workloads["negative"].kind,
        WorkloadKind::Job {
            backoff_limit: None,
            restart_on_failure: true,
            completions: 1,
        }
    );
    for name in ["counted", "unknown", "empty"] {
        assert_eq!(
            ir.workloads[name].kind,
            WorkloadKind::Deployment { replicas: 1 }
        );
    }
    let spans: Vec<_> = diagnostics
        .iter()
        .map(|d| (d.code, d.primary_span()))
        .collect();
    assert_eq!(
        spans,
        [
            (
                Code::UnloweredValue,
                Paths.span(&["services", "negative", "restart"])
            ),
            (
                Code::UnloweredValue,
                Paths.span(&["services", "counted", "restart"])
            ),
            (
                Code::UnloweredValue,
                Paths.span(&[
                    "services",
                    "unknown",
                    "deploy",
                    "restart_policy",
                    "condition"
                ])
            ),
            (
                Code::UnloweredValue,
                Paths.span(&["services", "empty", "restart"])
            ),
        ]
    );
}

#[test]
fn a_retry_limit_of_zero_is_no_limit_as_docker_and_swarm_read_it() {
    let (ir, diagnostics) = lower(&json!({
        "engine": { "image": "alpine", "restart": "on-failure:0" },
        "swarm": { "image": "alpine", "deploy": {
            "restart_policy": { "condition": "on-failure", "max_attempts": 0 } } },
        "never": { "image": "alpine", "deploy": { "restart_policy": { "condition": "none" } } }
    }));
    let unlimited = WorkloadKind::Job {
        backoff_limit: None,
        restart_on_failure: true,
        completions: 1,
    };
    assert_eq!(ir.workloads["engine"].kind, unlimited);
    assert_eq!(ir.workloads["swarm"].kind, unlimited);
    assert_eq!(
        ir.workloads["never"].kind,
        WorkloadKind::Job {
            backoff_limit: Some(0),
            restart_on_failure: false,
            completions: 1,
        }
    );
    assert!(diagnostics.is_empty());
}

#[test]
fn an_unreadable_project_file_is_named_as_written_beside_the_compose_file() {
    let mut project: model::Project = serde_json::from_value(json!({
        "name": "shop",
        "services": { "web": { "image": "nginx", "configs": [{ "source": "site" }, { "source": "system" }] } },
        "configs": {
            "site": { "file": "/nonexistent/shop/conf/site.conf" },
            "system": { "file": "/nonexistent/etc/system.conf" }
        }
    }))
    .unwrap();
    project.working_dir = "/nonexistent/shop".to_owned();
    let (_, diagnostics) = lower_project(&project);
    let missing: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code == Code::FileValueMissing)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(
        missing[0].contains("file `./conf/site.conf` cannot be read"),
        "{missing:?}"
    );
    assert!(
        missing[1].contains("file `/nonexistent/etc/system.conf` cannot be read"),
        "{missing:?}"
    );
}

#[test]
fn every_loopback_address_keeps_a_port_unpublished() {
    let (ir, diagnostics) = lower(&json!({ "web": {
        "image": "nginx",
        "ports": [
            { "target": 80, "published": "8080", "protocol": "tcp" },
            { "target": 6060, "published": "6060", "host_ip": "127.0.0.2", "protocol": "tcp" }
        ]
    }}));
    let lb = &ir.services["web-lb"];
    let ports: Vec<(u16, u16)> = lb.ports.iter().map(|p| (p.port, p.target_port)).collect();
    assert_eq!(ports, [(8080, 80)], "127.0.0.2 is the host's loopback too");
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::PortNotPublished]);
}

#[test]
fn names_the_api_server_refuses_are_left_out_under_its_rules_only() {
    let project: model::Project = serde_json::from_value(json!({
        "name": "demo",
        "services": { "web": {
            "image": "nginx",
            "environment": { "ADDR€": "a", "A B": "b" },
            "extra_hosts": { "Gw.Local": ["10.0.0.1"], "db_host": ["10.0.0.2"], "ldap": ["ldap.example.com"] },
            "dns": ["10.0.0.53", "ns.example.com", "1.1.1.1", "8.8.8.8", "9.9.9.9"],
            "dns_search": ["Corp.Example.COM.", "lab_net"]
        }}
    }))
    .unwrap();
    let lower = |name_rules| {
        let options = super::Options {
            name_rules,
            ..super::Options::default()
        };
        let mut diagnostics = Diagnostics::new();
        let ir = super::lower(&project, &options, &Paths, &mut diagnostics);
        (ir.workloads["web"].pod.clone(), diagnostics)
    };

    let (pod, diagnostics) = lower(super::NameRules::Kubernetes);
    let env: Vec<&String> = pod.containers[0].env.keys().collect();
    assert_eq!(env, ["A B"]);
    let aliases: Vec<(&String, &Vec<String>)> = pod.host_aliases.iter().collect();
    assert_eq!(
        aliases,
        [(&"10.0.0.1".to_owned(), &vec!["gw.local".to_owned()])]
    );
    assert_eq!(pod.dns.nameservers, ["10.0.0.53", "1.1.1.1", "8.8.8.8"]);
    assert_eq!(pod.dns.searches, ["corp.example.com."]);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::UnloweredValue; 6]);

    let (pod, diagnostics) = lower(super::NameRules::Engine);
    assert_eq!(pod.containers[0].env.len(), 2);
    assert_eq!(pod.host_aliases.len(), 3);
    assert_eq!(pod.dns.nameservers.len(), 5);
    assert_eq!(pod.dns.searches, ["Corp.Example.COM.", "lab_net"]);
    assert!(diagnostics.is_empty());
}

#[test]
fn secret_and_config_targets_are_placed_as_docker_compose_places_them() {
    let project: model::Project = serde_json::from_value(json!({
        "name": "demo",
        "services": { "web": { "image": "nginx",
            "secrets": [{ "source": "key", "target": "../app.key" }, { "source": "win", "target": "C:\\app\\win.key" }],
            "configs": [{ "source": "conf", "target": "etc/app.conf" }, { "source": "up", "target": "/etc/x/../up.conf" }]
        }},
        "secrets": { "key": { "file": "/nonexistent/key" }, "win": { "file": "/nonexistent/win" } },
        "configs": { "conf": { "content": "a" }, "up": { "content": "b" } }
    }))
    .unwrap();
    let (ir, _) = lower_project(&project);
    let paths: Vec<&str> = ir.workloads["web"].pod.containers[0]
        .volume_mounts
        .iter()
        .map(|m| m.mount_path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/run/app.key",
            "C:\\app\\win.key",
            "/etc/app.conf",
            "/etc/up.conf"
        ]
    );
}
