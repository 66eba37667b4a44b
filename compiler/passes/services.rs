//! Services in front of workloads that listen on ports.
//!
//! Every workload with ports gets a ClusterIP Service named after it, so `http://web:8000`
//! resolves as it does on a compose network, and one more per DNS alias (`container_name`,
//! network aliases). A workload other services reach by name but whose ports nothing says gets
//! headless Services instead (`clusterIP: None`, no ports): the name resolves to its pods, on
//! every port, as on a compose network; so does one with `endpoint_mode: dnsrr`, with its ports.
//! An alias that several workloads share gets one headless Service over all their pods, so the
//! name resolves to each of their addresses, as Docker's DNS answers it.
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
            Some(ServiceKind::ClusterIp)
        } else if !cluster.is_empty() || workload.named {
            Some(ServiceKind::Headless)
        } else {
            None
        };
        // A workload without a Service of its own still answers to an alias it shares.
        if !workload.dns_aliases.is_empty() {
            aliased.push(Claim {
                compose,
                workload,
                kind,
                ports: cluster.clone(),
            });
        }
        let Some(kind) = kind else {
            continue;
        };
        // A clash of workload names is reported by the `names` pass.
        services
            .entry(workload.name.clone())
            .or_insert_with(|| service(compose, workload, workload.name.clone(), kind, cluster));
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
                    service(
                        compose,
                        workload,
                        name,
                        ServiceKind::LoadBalancer,
                        published,
                    ),
                );
            }
        }
    }
    let shared = alias_services(&aliased, &mut services, locations, diagnostics);
    for (alias, members) in shared {
        for member in members {
            if let Some(workload) = project.workloads.get_mut(&member) {
                workload.pod.shared_aliases.push(alias.clone());
            }
        }
    }
    project.services = services;
}

/// The Services of the workloads' DNS aliases, added to `services`, which holds the workloads'
/// own. Returns each shared alias with the compose names of the workloads that share it.
fn alias_services(
    aliased: &[Claim<'_>],
    services: &mut IndexMap<String, Service>,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Vec<(String, Vec<String>)> {
    // Each alias's claims, in the order of the workloads.
    let mut claims: IndexMap<String, Vec<(&Claim, &str)>> = IndexMap::new();
    for claim in aliased {
        for alias in &claim.workload.dns_aliases {
            let claimants = claims.entry(dns_label(alias)).or_default();
            if !claimants.iter().any(|(c, _)| c.compose == claim.compose) {
                claimants.push((claim, alias));
            }
        }
    }
    let mut shared: Vec<(String, Vec<String>)> = Vec::new();
    for (name, claimants) in claims {
        if let Some(existing) = services.get(&name) {
            for (claim, alias) in claimants
                .iter()
                .filter(|(c, _)| *c.compose != existing.workload)
            {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::NameCollision,
                        format!(
                            "`{alias}`, a DNS alias of service `{}`, resolves to service `{}` instead",
                            claim.compose, existing.workload
                        ),
                    )
                    .with_label(
                        locations.span(&["services", claim.compose]),
                        "alias of this service",
                    )
                    .with_help("give the alias a name no other service uses"),
                );
            }
            continue;
        }
        match claimants.as_slice() {
            [(claim, _)] => {
                if let Some(kind) = claim.kind {
                    let own = service(
                        claim.compose,
                        claim.workload,
                        name.clone(),
                        kind,
                        claim.ports.clone(),
                    );
                    services.insert(name, own);
                }
            }
            [(first, _), ..] if claimants.iter().any(|(c, _)| c.kind.is_some()) => {
                let mut ports = Ports::default();
                for (claim, _) in &claimants {
                    for p in claim.workload.pod.containers.iter().flat_map(|c| &c.ports) {
                        ports.add(p, p.port);
                    }
                }
                let mut headless = service(
                    first.compose,
                    first.workload,
                    name.clone(),
                    ServiceKind::Headless,
                    ports.list,
                );
                headless.shared_alias = Some(name.clone());
                services.insert(name.clone(), headless);
                let members = claimants.iter().map(|(c, _)| c.compose.clone()).collect();
                shared.push((name, members));
            }
            _ => {}
        }
    }
    shared
}

/// A workload that answers to DNS aliases, with the Service its own name would get.
struct Claim<'a> {
    compose: &'a String,
    workload: &'a Workload,
    kind: Option<ServiceKind>,
    ports: Vec<ServicePort>,
}

/// A Service named `name` in front of the pods of `workload` (compose name `compose`).
fn service(
    compose: &str,
    workload: &Workload,
    name: String,
    kind: ServiceKind,
    ports: Vec<ServicePort>,
) -> Service {
    Service {
        name,
        workload: compose.to_owned(),
        kind,
        ports,
        shared_alias: None,
        provenance: workload.provenance.clone(),
    }
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
