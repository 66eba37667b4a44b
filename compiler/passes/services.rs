//! Services in front of workloads that listen on ports.
//!
//! Every workload with ports gets a ClusterIP Service named after it, so `http://web:8000`
//! resolves as it does on a compose network, and one more per DNS alias (`container_name`,
//! network aliases). Published ports get a LoadBalancer Service `<name>-lb`: K3s ServiceLB binds
//! its ports on the node, the way compose binds them on the host.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{dns_label, is_dns_label, with_suffix};
use crate::ir::{ContainerPort, Locate, Project, Service, ServiceKind, ServicePort, Workload};

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut services: IndexMap<String, Service> = IndexMap::new();
    // Names of workloads first: a workload's own name wins over another one's alias.
    for (compose, workload) in &project.workloads {
        let (cluster, published) = ports(workload);
        if cluster.is_empty() {
            continue;
        }
        let service = |name: String, kind, ports| Service {
            name,
            workload: compose.clone(),
            kind,
            ports,
            provenance: workload.provenance.clone(),
        };
        // A clash of workload names is reported by the `names` pass.
        services
            .entry(workload.name.clone())
            .or_insert_with(|| service(workload.name.clone(), ServiceKind::ClusterIp, cluster));
        if !published.is_empty() {
            let name = with_suffix(&workload.name, "lb");
            if let Some(existing) = services.get(&name) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::NameCollision,
                        format!(
                            "the LoadBalancer Service of `{compose}` and the Service of `{}` are both named `{name}`",
                            existing.workload
                        ),
                    )
                    .with_label(locations.span(&["services", compose, "ports"]), "published here")
                    .with_label(locations.span(&["services", &existing.workload]), "collides with this service")
                    .with_help(format!("rename `{}`", existing.workload)),
                );
            } else {
                services.insert(
                    name.clone(),
                    service(name, ServiceKind::LoadBalancer, published),
                );
            }
        }
    }
    for (compose, workload) in &project.workloads {
        let (cluster, _) = ports(workload);
        if cluster.is_empty() {
            continue;
        }
        for alias in &workload.dns_aliases {
            let name = dns_label(alias);
            match services.get(&name) {
                Some(existing) if existing.workload == *compose => {}
                Some(existing) => diagnostics.push(
                    Diagnostic::warning(
                        Code::NameCollision,
                        format!(
                            "`{alias}`, a DNS alias of service `{compose}`, resolves to service `{}` instead",
                            existing.workload
                        ),
                    )
                    .with_label(locations.span(&["services", compose]), "alias of this service")
                    .with_help("give the alias a name no other service uses"),
                ),
                None => {
                    services.insert(
                        name.clone(),
                        Service {
                            name,
                            workload: compose.clone(),
                            kind: ServiceKind::ClusterIp,
                            ports: cluster.clone(),
                            provenance: workload.provenance.clone(),
                        },
                    );
                }
            }
        }
    }
    project.services = services;
}

/// The ClusterIP ports (every container port once) and the published ports of a workload.
fn ports(workload: &Workload) -> (Vec<ServicePort>, Vec<ServicePort>) {
    let mut cluster: Vec<ServicePort> = Vec::new();
    let mut published: Vec<ServicePort> = Vec::new();
    for p in workload.pod.containers.iter().flat_map(|c| &c.ports) {
        if !cluster
            .iter()
            .any(|q| q.port == p.port && q.protocol == p.protocol)
        {
            cluster.push(port(p, p.port, &cluster));
        }
        if let Some(host) = p.published {
            if !published
                .iter()
                .any(|q| q.port == host && q.protocol == p.protocol)
            {
                published.push(port(p, host, &published));
            }
        }
    }
    (cluster, published)
}

/// The Service port `port` → `p.port`, named after the compose port when that name is a valid
/// and unused port name (at most 15 characters, with a letter), else `<protocol>-<port>`, with a
/// number added in the rare case a compose port name already took that.
fn port(p: &ContainerPort, port: u16, taken: &[ServicePort]) -> ServicePort {
    let free = |n: &str| !taken.iter().any(|q| q.name == n);
    let compose = p.name.as_deref().filter(|n| {
        is_dns_label(n) && n.len() <= 15 && n.bytes().any(|b| b.is_ascii_lowercase()) && free(n)
    });
    let default = format!("{}-{port}", p.protocol.lowercase());
    let name = match compose {
        Some(n) => n.to_owned(),
        None if free(&default) => default,
        // Among `taken.len() + 1` candidates at least one is free.
        None => (2..=taken.len() + 2)
            .map(|i| format!("{default}-{i}"))
            .find(|n| free(n))
            .unwrap_or(default),
    };
    ServicePort {
        name,
        port,
        target_port: p.port,
        protocol: p.protocol,
        app_protocol: p.app_protocol.clone(),
    }
}
