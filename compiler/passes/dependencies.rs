//! `depends_on`: how each dependent waits for its dependencies.
//!
//! - `service_started` and `service_healthy`: until the dependency's Service accepts TCP
//!   connections. A Service routes only to ready pods, and the compose healthcheck is the
//!   readiness probe, so for a dependency with a healthcheck this means healthy.
//! - `service_completed_successfully`: until the dependency's Job has completed.
//!
//! Backends turn a [`Wait`] into what their runtime can do (an init container on K3s, start
//! order under podman). It runs after `services`, whose Services the waits connect to.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Condition, Locate, Project, Protocol, ServiceKind, Wait, WorkloadKind};

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let names: Vec<String> = project.workloads.keys().cloned().collect();
    for name in names {
        let dependencies = project.workloads[&name].depends_on.clone();
        let mut resolved = Vec::with_capacity(dependencies.len());
        for mut dep in dependencies {
            let path = [
                "services",
                name.as_str(),
                "depends_on",
                dep.service.as_str(),
            ];
            let warn = |diagnostics: &mut Diagnostics, code, message: String, label: &str| {
                diagnostics.push(
                    Diagnostic::warning(code, message).with_label(locations.span(&path), label),
                );
            };
            if dep.restart {
                warn(
                    diagnostics,
                    Code::DependencyRestart,
                    format!(
                        "`restart: true` of dependency `{}` of service `{name}` is not kept: `{name}` is not restarted when `{}` restarts",
                        dep.service, dep.service
                    ),
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
            let Some(target) = project.workloads.get(&dep.service) else {
                resolved.push(dep);
                continue;
            };
            let is_job = matches!(target.kind, WorkloadKind::Job { .. });
            if dep.condition == Condition::CompletedSuccessfully && is_job {
                dep.wait = Some(Wait::JobComplete {
                    job: target.name.clone(),
                });
                resolved.push(dep);
                continue;
            }
            if dep.condition == Condition::CompletedSuccessfully {
                warn(
                    diagnostics,
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
                    diagnostics,
                    Code::DependencyHealth,
                    format!(
                        "`{}` has no healthcheck in the compose file, so service `{name}` waits until it accepts connections; a HEALTHCHECK in its image is not used",
                        dep.service
                    ),
                    "no healthcheck to wait for",
                );
            }
            let port = project
                .services
                .values()
                .filter(|s| s.workload == dep.service && s.kind == ServiceKind::ClusterIp)
                .find_map(|s| {
                    s.ports
                        .iter()
                        .find(|p| p.protocol == Protocol::Tcp)
                        .map(|p| (s.name.clone(), p.port))
                });
            match port {
                Some((host, port)) => dep.wait = Some(Wait::Tcp { host, port }),
                None => warn(
                    diagnostics,
                    Code::DependencyNotAwaited,
                    format!(
                        "service `{name}` starts without waiting for `{}`, which listens on no TCP port",
                        dep.service
                    ),
                    "nothing to connect to",
                ),
            }
            resolved.push(dep);
        }
        project.workloads[&name].depends_on = resolved;
    }
}
