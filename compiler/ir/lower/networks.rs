//! Compose networks. On a compose network only its members reach each other; the cluster
//! network lets every pod reach every other. With `--network-policies` (or `x-stackc:
//! {network-policies: true}`) each pod records the networks it is on and each network the label
//! its members carry, for the `network_policies` pass; otherwise custom networks are reported.

use indexmap::IndexMap;
use serde_json::Value;

use super::{Lowering, Options, is_empty};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::names::distinct_label_value;
use crate::ir::{Locate, Network, NetworkMembership, Project};
use crate::model;

/// A link's alias (`links: [db:database]`) is one more name of the linked service, as a network
/// alias is: compose resolves it in the linking container only, the cluster in every pod. The
/// `services` pass gives it a Service, or reports a clash with another service's name.
pub(super) fn link_aliases(project: &model::Project, ir: &mut Project) {
    for service in project.services.values() {
        for link in &service.links {
            // compose-go reads a link with two colons as a service name, without an alias.
            let Some((target, alias)) = link.split_once(':') else {
                continue;
            };
            if alias.contains(':') || alias == target {
                continue;
            }
            if let Some(workload) = ir.workloads.get_mut(target)
                && !workload.dns_aliases.iter().any(|a| a == alias)
            {
                workload.dns_aliases.push(alias.to_owned());
            }
        }
    }
}

impl<L: Locate> Lowering<'_, L> {
    /// The networks a service's pod is on.
    pub(super) fn network_membership(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        options: &Options,
    ) -> NetworkMembership {
        let mode = service.network_mode();
        if !options.network_policies {
            if mode == "none" {
                self.warn_help(
                    Code::UnsupportedKey,
                    &["services", name, "network_mode"],
                    format!(
                        "`network_mode: none` of service `{name}` is left out: its pod is on the cluster network"
                    ),
                    "not supported on k3s",
                    "for K3s and Helm, build with `--network-policies` to keep the pod off the network",
                );
            }
            return NetworkMembership::Unrestricted;
        }
        match mode {
            "none" => NetworkMembership::Disconnected,
            // On the node's network, which policies do not govern.
            "host" => NetworkMembership::Unrestricted,
            "bridge" => {
                self.warn(
                    Code::ApproximatedKey,
                    &["services", name, "network_mode"],
                    format!(
                        "`network_mode: bridge` of service `{name}` is approximated: its pod is on none of the project's networks, as on Docker's default bridge, but it accepts connections from every pod, where Docker's bridge admits only the containers on it"
                    ),
                    "approximated",
                );
                NetworkMembership::Unrestricted
            }
            // The pod joins another service's (`service:X`), whose networks it shares; a
            // container outside the project (`container:X`) is reported as not lowered.
            _ if !mode.is_empty() && mode != "default" => NetworkMembership::Unrestricted,
            _ => NetworkMembership::Members(service.networks.keys().cloned().collect()),
        }
    }

    /// The project's networks that some pod is on, when their isolation is kept; otherwise each
    /// custom network is reported.
    pub(super) fn networks(
        &mut self,
        project: &model::Project,
        options: &Options,
        ir: &mut Project,
    ) {
        let mut labels: IndexMap<String, (&str, &str)> = IndexMap::new();
        for (key, network) in &project.networks {
            if !options.network_policies {
                if key != "default" {
                    self.warn_help(
                        Code::ApproximatedKey,
                        &["networks", key],
                        format!(
                            "network `{key}` is not kept: every pod reaches every other pod on the cluster network"
                        ),
                        "network defined here",
                        "for K3s and Helm, build with `--network-policies` (or `x-stackc: {network-policies: true}`) to keep compose network isolation with NetworkPolicies",
                    );
                }
                continue;
            }
            let used = ir
                .workloads
                .values()
                .any(|w| w.pod.network.networks().contains(key));
            if !used {
                continue;
            }
            self.network_keys(key, network);
            let name = if network.name.is_empty() {
                key
            } else {
                &network.name
            };
            let label = [name, key.as_str()]
                .into_iter()
                .map(distinct_label_value)
                .find(|l| !l.is_empty())
                .unwrap_or_else(|| "network".to_owned());
            // One engine name is one network, whichever keys name it; two names that give one
            // label would make their members one network.
            let other = labels.get(&label).filter(|(_, other)| *other != name);
            if let Some((first, _)) = other {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::NameCollision,
                        format!(
                            "networks `{first}` and `{key}` both give the member label `{label}`"
                        ),
                    )
                    .with_label(self.span(&["networks", key]), "this network")
                    .with_label(self.span(&["networks", first]), "collides with this one")
                    .with_help("give one of the networks a shorter `name`"),
                );
            }
            labels.entry(label.clone()).or_insert((key, name));
            let mut annotations = IndexMap::new();
            self.annotations(
                ("networks", key),
                &["labels"],
                &network.labels,
                &mut annotations,
            );
            ir.networks.insert(
                key.clone(),
                Network {
                    label,
                    external: network.external,
                    internal: network.internal,
                    annotations,
                    provenance: self.provenance(options, &["networks", key]),
                },
            );
        }
    }

    /// Reports where a service is named by the fixed address another has on a compose network
    /// (`dns: [10.2.0.100]`, `PIHOLE_DNS=10.2.0.200`): the cluster gives pods its own addresses,
    /// and `ipv4_address` itself is reported with the service's keys. A host name that
    /// `extra_hosts` maps to such an address (`namenode: 172.19.34.35`) names that service
    /// instead: a host alias would pin it to an address nothing has in the cluster, so the name
    /// becomes one of the service's DNS names, which resolve to its pods.
    pub(super) fn static_addresses(&mut self, project: &model::Project, ir: &mut Project) {
        let mut addresses: Vec<(&str, &str, &str)> = Vec::new();
        for (name, service) in &project.services {
            for (network, config) in &service.networks {
                let Some(config) = config else { continue };
                for address in [&config.ipv4_address, &config.ipv6_address] {
                    if !address.is_empty() {
                        addresses.push((address, name, network));
                    }
                }
            }
        }
        if addresses.is_empty() {
            return;
        }
        for (name, service) in &project.services {
            let owner_of = |text: &str| {
                addresses
                    .iter()
                    .find(|(address, owner, _)| *owner != name && holds_address(text, address))
            };
            let mut found = Vec::new();
            for (i, server) in service.dns.iter().enumerate() {
                found.extend(owner_of(server).map(|a| (vec!["dns".to_owned(), i.to_string()], *a)));
            }
            for (host, ips) in &service.extra_hosts {
                let owner = ips.iter().find_map(|ip| {
                    let ip = ip.trim_start_matches('[').trim_end_matches(']');
                    addresses.iter().find(|(address, ..)| *address == ip)
                });
                if let Some(a @ (address, owner, _)) = owner
                    && !name_by_host_entry(ir, (name, host), (owner, address))
                {
                    found.push((vec!["extra_hosts".to_owned(), host.clone()], *a));
                }
            }
            for (key, value) in &service.environment {
                if let Some(a) = value.as_deref().and_then(owner_of) {
                    found.push((vec!["environment".to_owned(), key.clone()], *a));
                }
            }
            for (key, args) in [
                ("entrypoint", &service.entrypoint),
                ("command", &service.command),
            ] {
                if let Some(a) = args.iter().flatten().find_map(|arg| owner_of(arg)) {
                    found.push((vec![key.to_owned()], *a));
                }
            }
            let Some((first, _)) = found.first() else {
                continue;
            };
            let mut path = vec!["services", name.as_str()];
            path.extend(first.iter().map(String::as_str));
            let uses = found
                .iter()
                .map(|(at, (address, owner, network))| {
                    format!(
                        "`{}` names `{owner}` by `{address}` on `{network}`",
                        at.join(".")
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            self.warn_help(
                Code::StaticAddressUsed,
                &path,
                format!(
                    "service `{name}` reaches services by the fixed addresses they have on compose networks, which the cluster does not keep: {uses}"
                ),
                "fixed address of another service",
                "write the service's name instead, or where an address is required (a nameserver), a fixed `clusterIP` you give its Service",
            );
        }
    }

    /// Reports a network's settings of the engine (driver, addresses, IP versions): the cluster
    /// network carries every pod's traffic, and only membership is kept.
    fn network_keys(&mut self, key: &str, network: &model::NetworkConfig) {
        let Ok(Value::Object(settings)) = serde_json::to_value(network) else {
            return;
        };
        for (setting, value) in &settings {
            let kept = match setting.as_str() {
                "name" | "external" | "internal" | "labels" => true,
                // The drivers of compose's own networks: membership is what they mean here.
                "driver" => matches!(value.as_str(), Some("bridge" | "overlay")),
                "enable_ipv4" => value.as_bool() == Some(true),
                _ => false,
            };
            if kept || is_empty(value) {
                continue;
            }
            self.warn(
                Code::UnsupportedKey,
                &["networks", key, setting],
                format!(
                    "`{setting}` of network `{key}` is left out: the cluster network assigns addresses and carries every pod's traffic; only who may connect to whom is kept"
                ),
                "not supported on k3s",
            );
        }
    }
}

/// `extra_hosts` entry `host` of service `name` maps it to `address`, the fixed address of
/// service `owner`: the host alias goes, `host` becomes a DNS name of `owner` unless it is its
/// name already, and `owner` is reached by name. False when `owner` has no workload (a
/// `provider` service), whose address stays reported.
fn name_by_host_entry(
    ir: &mut Project,
    (name, host): (&str, &str),
    (owner, address): (&str, &str),
) -> bool {
    if !ir.workloads.contains_key(owner) {
        return false;
    }
    if let Some(workload) = ir.workloads.get_mut(name) {
        let aliases = &mut workload.pod.host_aliases;
        if let Some(hosts) = aliases.get_mut(address) {
            hosts.retain(|h| h != host);
            if hosts.is_empty() {
                aliases.shift_remove(address);
            }
        }
    }
    let target = &mut ir.workloads[owner];
    target.named = true;
    if !host.eq_ignore_ascii_case(owner) && !target.dns_aliases.iter().any(|a| a == host) {
        target.dns_aliases.push(host.to_owned());
    }
    true
}

/// Whether `text` holds `address` as a whole address, not as part of a longer number or name
/// (`10.2.0.1` in `10.2.0.100` or `a10.2.0.1`).
fn holds_address(text: &str, address: &str) -> bool {
    // A port follows an IPv4 address after a colon; an IPv6 address is bracketed for one.
    let ipv6 = address.contains(':');
    let part_of_address = |c: char| c.is_ascii_alphanumeric() || c == '.' || (ipv6 && c == ':');
    text.match_indices(address).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + address.len()..].chars().next();
        !before.is_some_and(part_of_address) && !after.is_some_and(part_of_address)
    })
}

#[cfg(test)]
mod tests {
    use super::holds_address;

    #[test]
    fn an_address_is_found_whole() {
        assert!(holds_address("10.2.0.100", "10.2.0.100"));
        assert!(holds_address("server=10.2.0.200#5335", "10.2.0.200"));
        assert!(holds_address("http://172.20.0.5:8080/", "172.20.0.5"));
        assert!(!holds_address("10.2.0.100", "10.2.0.1"));
        assert!(!holds_address("110.2.0.1", "10.2.0.1"));
        assert!(!holds_address("10.2.0.1.5", "10.2.0.1"));
        assert!(holds_address("[fd00::5]:8080", "fd00::5"));
        assert!(!holds_address("fd00::50", "fd00::5"));
    }
}
