//! What the podman target needs from the compose model that the IR does not carry, because
//! Kubernetes has no field for it: the host address of published ports (lowering drops loopback
//! ports and publishes the others on every address, as a K3s LoadBalancer would; podman binds
//! one, `hostIP`) and `ulimits` (podman's `io.podman.annotations.ulimit`).

use indexmap::IndexMap;

use crate::ir;
use crate::model;

/// What the IR has no field for, keyed by compose service name.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// Ports published on one host address, which the IR does not keep (podman binds `hostIP`).
    pub host_ip_ports: IndexMap<String, Vec<HostIpPort>>,
    /// `ulimits`, as podman's pod annotation reads them (`nofile=1024:2048,memlock=-1:-1`).
    pub ulimits: IndexMap<String, String>,
}

/// A port compose publishes on one host address only (`127.0.0.1:5432:5432`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostIpPort {
    pub port: u16,
    pub protocol: ir::Protocol,
    pub host_port: u16,
    pub host_ip: String,
}

/// What podman needs beyond the IR, for the services the IR has a workload for.
pub(super) fn complete(project: &ir::Project, compose: &model::Project) -> Extras {
    let mut extras = Extras::default();
    for (name, service) in &compose.services {
        if !project.workloads.contains_key(name) {
            continue;
        }
        let ports = host_ip_ports(service);
        if !ports.is_empty() {
            extras.host_ip_ports.insert(name.clone(), ports);
        }
        if !service.ulimits.is_empty() {
            extras
                .ulimits
                .insert(name.clone(), ulimits(&service.ulimits));
        }
    }
    extras
}

/// `name=soft:hard` for each limit, comma-separated; one number is both limits.
fn ulimits(limits: &IndexMap<String, model::UlimitsConfig>) -> String {
    limits
        .iter()
        .map(|(name, limit)| {
            let (soft, hard) = if limit.single == 0 {
                (limit.soft, limit.hard)
            } else {
                (limit.single, limit.single)
            };
            format!("{name}={soft}:{hard}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Ports published on a single host address. Lowering keeps no address: it drops loopback ports
/// and publishes the others on every address, as a K3s LoadBalancer would.
fn host_ip_ports(service: &model::ServiceConfig) -> Vec<HostIpPort> {
    service
        .ports
        .iter()
        .filter(|p| !matches!(p.host_ip.as_str(), "" | "0.0.0.0" | "::" | "[::]"))
        .filter_map(|p| {
            let host_port = p.published.split('-').next()?.parse::<u16>().ok()?;
            let protocol = match p.protocol.to_ascii_lowercase().as_str() {
                "" | "tcp" => ir::Protocol::Tcp,
                "udp" => ir::Protocol::Udp,
                "sctp" => ir::Protocol::Sctp,
                _ => return None,
            };
            Some(HostIpPort {
                port: u16::try_from(p.target).ok().filter(|&n| n != 0)?,
                protocol,
                host_port: (host_port != 0).then_some(host_port)?,
                host_ip: p
                    .host_ip
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            })
        })
        .collect()
}
