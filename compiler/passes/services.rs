//! Services in front of workloads that listen on ports.
//!
//! Every workload with ports gets a ClusterIP Service named after it, so `http://web:8000`
//! resolves as it does on a compose network, and one more per DNS alias (`container_name`,
//! network aliases). A workload other services reach by name but whose ports nothing says gets
//! headless Services instead (`clusterIP: None`, no ports): the name resolves to its pods, on
//! every port, as on a compose network; so does one with `endpoint_mode: dnsrr`, with its ports.
//! Published ports get a LoadBalancer Service `<name>-lb`: K3s ServiceLB binds its ports on the
//! node, the way compose binds them on the host.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{dns_label, is_dns_label, with_suffix};
use crate::ir::{
    ContainerPort, Locate, Project, Protocol, Service, ServiceKind, ServicePort, Workload,
};
use crate::text;

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut services: IndexMap<String, Service> = IndexMap::new();
    // A workload's ports depend on it alone: they are gathered on several threads.
    let all_ports = crate::parallel::map(project.workloads.values(), ports);
    // Names of workloads first: a workload's own name wins over another one's alias. The few
    // workloads with aliases keep their ports for the second round.
    let mut aliased = Vec::new();
    for ((compose, workload), (cluster, published)) in project.workloads.iter().zip(all_ports) {
        let kind = if !cluster.is_empty() && !workload.dns_round_robin {
            ServiceKind::ClusterIp
        } else if !cluster.is_empty() || workload.named {
            ServiceKind::Headless
        } else {
            continue;
        };
        if !workload.dns_aliases.is_empty() {
            aliased.push((compose, workload, kind, cluster.clone()));
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
            .or_insert_with(|| service(workload.name.clone(), kind, cluster));
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
    for (compose, workload, kind, cluster) in aliased {
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
                            kind,
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
    let mut cluster = Ports::default();
    let mut published = Ports::default();
    for p in workload.pod.containers.iter().flat_map(|c| &c.ports) {
        cluster.add(p, p.port);
        if let Some(host) = p.published {
            published.add(p, host);
        }
    }
    (cluster.list, published.list)
}

/// The ports of one Service, with sets of what is taken: one compose range (`1-65535`) is tens
/// of thousands of ports, so a scan of the list for each port would be quadratic.
#[derive(Default)]
struct Ports {
    list: Vec<ServicePort>,
    numbers: HashSet<(u16, Protocol), foldhash::fast::RandomState>,
    names: HashSet<String, foldhash::fast::RandomState>,
}

impl Ports {
    fn add(&mut self, p: &ContainerPort, port: u16) {
        if self.numbers.insert((port, p.protocol)) {
            let service_port = self.port(p, port);
            self.names.insert(service_port.name.clone());
            self.list.push(service_port);
        }
    }

    /// The Service port `port` → `p.port`, named after the compose port when that name is a
    /// valid and unused port name (at most 15 characters, with a letter), else
    /// `<protocol>-<port>`, with a number added in the rare case a compose port name already
    /// took that.
    fn port(&self, p: &ContainerPort, port: u16) -> ServicePort {
        let free = |n: &str| !self.names.contains(n);
        let compose = p.name.as_deref().filter(|n| {
            is_dns_label(n) && n.len() <= 15 && n.bytes().any(|b| b.is_ascii_lowercase()) && free(n)
        });
        let mut default = String::with_capacity(10);
        text::push_all(&mut default, &[p.protocol.lowercase(), "-"]);
        text::push_number(&mut default, port.into());
        let name = match compose {
            Some(n) => n.to_owned(),
            None if free(&default) => default,
            // Among `names.len() + 1` candidates at least one is free.
            None => (2..=self.names.len() + 2)
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
}
