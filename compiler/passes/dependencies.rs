//! `depends_on`: how each dependent waits for its dependencies.
//!
//! - `service_started` and `service_healthy`: until the dependency's Service accepts TCP
//!   connections. A Service routes only to ready pods, and the compose healthcheck is the
//!   readiness probe, so for a dependency with a healthcheck this means healthy. A dependency
//!   with no port has a headless Service, whose name resolves only to ready pods: the wait is
//!   until it resolves.
//! - `service_completed_successfully`: until the dependency's Job has completed.
//!
//! Backends turn a [`Wait`] into what their runtime can do (an init container on K3s, start
//! order under podman). It runs after `services`, whose Services the waits connect to.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{
    Condition, Dependency, Locate, Project, Protocol, ServiceKind, Wait, WorkloadKind,
};

/// The key that made `dependency` a dependency of service `name` with `restart: true` when
/// `depends_on` does not list it: compose adds it for a link (`db:database`) and for a
/// namespace shared with it (`network_mode: service:db`), at that entry's place.
fn implied_by(locations: &impl Locate, name: &str, dependency: &str) -> Option<&'static str> {
    let entry = locations.exact_span(&["services", name, "depends_on", dependency])?;
    let names_dependency = |text: &str| {
        text.split_once(':').map_or(text, |(target, _)| target) == dependency
            || text.strip_prefix("service:") == Some(dependency)
    };
    ["links", "network_mode", "ipc", "pid", "uts", "cgroup"]
        .into_iter()
        .find(|key| {
            locations.find_value(&["services", name, key], &names_dependency) == Some(entry)
        })
}

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let endpoints = endpoints(project);
    let mut waits = Vec::with_capacity(project.workloads.len());
    for name in project.workloads.keys() {
        let dependencies = project.workloads[name].depends_on.clone();
        let mut resolved = Vec::with_capacity(dependencies.len());
        for mut dep in dependencies {
            let service = dep.service.clone();
            let path = ["services", name, "depends_on", service.as_str()];
            let warn = |diagnostics: &mut Diagnostics, code, message: String, label: &str| {
                diagnostics.push(
                    Diagnostic::warning(code, message).with_label(locations.span(&path), label),
                );
            };
            if dep.restart {
                let what = match implied_by(locations, name, &service) {
                    Some(key) => format!(
                        "`{key}` of service `{name}` implies `restart: true` for dependency `{service}`, which is not kept"
                    ),
                    None => format!(
                        "`restart: true` of dependency `{service}` of service `{name}` is not kept"
                    ),
                };
                warn(
                    diagnostics,
                    Code::DependencyRestart,
                    format!("{what}: `{name}` is not restarted when `{service}` restarts"),
                    "restart not kept",
                );
            }
            if !dep.required {
                warn(
                    diagnostics,
                    Code::DependencyNotAwaited,
                    format!(
                        "service `{name}` does not wait for `{}`, which is `required: false`",
                        dep.service
                    ),
                    "not awaited",
                );
                resolved.push(dep);
                continue;
            }
            dep.wait = wait(
                project,
                &endpoints,
                name,
                &dep,
                &mut |code, message, label| {
                    warn(diagnostics, code, message, label);
                },
            );
            resolved.push(dep);
        }
        waits.push(resolved);
    }
    for (workload, resolved) in project.workloads.values_mut().zip(waits) {
        workload.depends_on = resolved;
    }
}

/// What shows that a workload is ready, by workload name: the first TCP port of its first
/// ClusterIP or headless Service accepting connections, or else the name of a headless Service
/// resolving.
fn endpoints(project: &Project) -> HashMap<&str, Wait> {
    let mut endpoints = HashMap::new();
    // A shared alias answers for several workloads: a wait on it is not a wait on one of them.
    for service in project
        .services
        .values()
        .filter(|s| s.shared_alias.is_none())
    {
        let tcp = service.ports.iter().find(|p| p.protocol == Protocol::Tcp);
        let host = service.name.clone();
        let wait = match (service.kind, tcp) {
            (ServiceKind::ClusterIp, Some(p)) => Some(Wait::Tcp { host, port: p.port }),
            // A headless Service's name is the pods' own addresses: no port is translated.
            (ServiceKind::Headless, Some(p)) => Some(Wait::Tcp {
                host,
                port: p.target_port,
            }),
            (ServiceKind::Headless, None) => Some(Wait::Resolves { host }),
            _ => None,
        };
        if let Some(wait) = wait {
            endpoints.entry(service.workload.as_str()).or_insert(wait);
        }
    }
    endpoints
}

/// How `name` waits for `dep`; `None` when there is nothing to wait on. `warn` reports at the
/// `depends_on` entry.
fn wait(
    project: &Project,
    endpoints: &HashMap<&str, Wait>,
    name: &str,
    dep: &Dependency,
    warn: &mut dyn FnMut(Code, String, &str),
) -> Option<Wait> {
    let target = project.workloads.get(&dep.service)?;
    let is_job = matches!(target.kind, WorkloadKind::Job { .. });
    if dep.condition == Condition::CompletedSuccessfully && is_job {
        return Some(Wait::JobComplete {
            job: target.name.clone(),
        });
    }
    if dep.condition == Condition::CompletedSuccessfully {
        warn(
            Code::DependencyNotJob,
            format!(
                "`{}` runs until stopped, so service `{name}` waits until it accepts connections instead of until it completes",
                dep.service
            ),
            "never completes",
        );
    }
    let has_probe = target
        .pod
        .containers
        .iter()
        .any(|c| c.probes.readiness.is_some());
    if dep.condition == Condition::Healthy && !has_probe {
        warn(
            Code::DependencyHealth,
            format!(
                "`{}` has no healthcheck in the compose file, so service `{name}` waits until it accepts connections; a HEALTHCHECK in its image is not used",
                dep.service
            ),
            "no healthcheck to wait for",
        );
    }
    let endpoint = endpoints.get(dep.service.as_str());
    if endpoint.is_none() {
        warn(
            Code::DependencyNotAwaited,
            format!(
                "service `{name}` starts without waiting for `{}`, which listens on no TCP port",
                dep.service
            ),
            "nothing to connect to",
        );
    }
    endpoint.cloned()
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir::{Condition, ServiceKind, Unlocated, Wait};

    fn project(json: serde_json::Value) -> crate::ir::Project {
        let model = crate::model::from_canonical(json).unwrap();
        let mut diagnostics = Diagnostics::new();
        let options = crate::ir::lower::Options::default();
        let mut ir = crate::ir::lower::lower(&model, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        ir
    }

    #[test]
    fn each_condition_gets_its_wait() {
        let ir = project(serde_json::json!({
            "name": "p",
            "services": {
                "db": {"image": "db", "expose": ["5432"]},
                "job": {"image": "job", "restart": "no"},
                "quiet": {"image": "q"},
                "dns": {"image": "dns", "expose": ["53/udp"]},
                "api": {"image": "api", "depends_on": {
                    "db": {"condition": "service_healthy", "required": true},
                    "job": {"condition": "service_completed_successfully", "required": true},
                    "quiet": {"condition": "service_started", "required": true},
                    "dns": {"condition": "service_started", "required": true}
                }}
            }
        }));
        let waits: Vec<_> = ir.workloads["api"]
            .depends_on
            .iter()
            .map(|d| (d.condition, d.wait.clone()))
            .collect();
        assert_eq!(
            waits,
            [
                (
                    Condition::Healthy,
                    Some(Wait::Tcp {
                        host: "db".to_owned(),
                        port: 5432
                    })
                ),
                (
                    Condition::CompletedSuccessfully,
                    Some(Wait::JobComplete {
                        job: "job".to_owned()
                    })
                ),
                (
                    Condition::Started,
                    Some(Wait::Resolves {
                        host: "quiet".to_owned()
                    })
                ),
                (Condition::Started, None),
            ]
        );
        assert_eq!(ir.services["quiet"].kind, ServiceKind::Headless);
        assert!(ir.services["quiet"].ports.is_empty());
        assert!(!ir.services.contains_key("job"));
    }

    #[test]
    fn a_pod_does_not_wait_for_a_service_that_waits_for_it() {
        let mut diagnostics = Diagnostics::new();
        let model = crate::model::from_canonical(serde_json::json!({
            "name": "p",
            "services": {
                "db": {"image": "db", "expose": ["5432"]},
                "migrate": {"image": "m", "expose": ["1"], "depends_on": {"db": {"condition": "service_started", "required": true}}},
                "docs": {"image": "d", "network_mode": "service:db", "depends_on": {
                    "db": {"condition": "service_started", "required": true},
                    "migrate": {"condition": "service_started", "required": true}
                }}
            }
        }))
        .unwrap();
        let options = crate::ir::lower::Options::default();
        let mut ir = crate::ir::lower::lower(&model, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        assert!(ir.workloads["db"].depends_on.is_empty());
        assert_eq!(ir.workloads["migrate"].depends_on[0].service, "db");
        let reported: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.code == Code::SharedNamespace)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(reported.len(), 1);
        assert!(reported[0].contains("`docs` starts without waiting for `migrate`"));
    }

    #[test]
    fn a_shared_network_namespace_merges_pods() {
        let mut diagnostics = Diagnostics::new();
        let model = crate::model::from_canonical(serde_json::json!({
            "name": "p",
            "services": {
                "vpn": {"image": "vpn", "expose": ["1"]},
                "app": {"image": "app", "network_mode": "service:vpn", "expose": ["2"]},
                "web": {"image": "web", "depends_on": {"app": {"condition": "service_started", "required": true}}}
            }
        }))
        .unwrap();
        let options = crate::ir::lower::Options::default();
        let mut ir = crate::ir::lower::lower(&model, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        assert!(!ir.workloads.contains_key("app"));
        assert_eq!(ir.workloads["vpn"].pod.containers.len(), 2);
        assert_eq!(ir.services["vpn"].ports.len(), 2);
        assert_eq!(ir.workloads["web"].depends_on[0].service, "vpn");
        assert!(diagnostics.iter().all(|d| d.code != Code::SharedNamespace));
    }
}
