//! `--network-policies`: compose network isolation as NetworkPolicies.
//!
//! On a compose network a container accepts connections from the network's members only, and
//! makes them anywhere unless every network it is on is `internal`. So:
//!
//! - each network gets a policy selecting its members and allowing connections from them (from
//!   any namespace for an external network, which containers outside the project share);
//! - an internal network gets a second one that confines the members whose networks are all
//!   internal to their networks' members and the cluster DNS;
//! - a workload gets one of its own for what compose allows besides: published ports accept
//!   connections from anywhere, and `network_mode: none` allows nothing.
//!
//! A `depends_on` wait is an init container that connects to the dependency, where compose's
//! engine waits outside any network. A wait that its pod's networks would block is let through,
//! and reported. It runs after `dependencies`, whose waits it reads, and `services`, whose
//! ports it translates to the pods' ports.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{dns_label, with_suffix};
use crate::ir::{
    Locate, NetworkMembership, NetworkPolicy, Peer, PolicyPods, PolicyPort, PolicyRule, Project,
    Protocol, ServiceKind, Wait,
};

/// The ports of the Kubernetes API server as a pod reaches it: the `kubernetes` Service's, and
/// K3s's own behind it, which a policy sees once the Service's address is translated.
const API_PORTS: [u16; 2] = [443, 6443];

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let disconnected = project
        .workloads
        .values()
        .any(|w| w.pod.network == NetworkMembership::Disconnected);
    if project.networks.is_empty() && !disconnected {
        return;
    }
    report_shared_names(project, locations, diagnostics);
    let mut policies = IndexMap::new();
    for policy in network_policies(project) {
        policies.insert(policy.name.clone(), policy);
    }
    let mut extra = extra_rules(project, locations, diagnostics);
    for (compose, workload) in &project.workloads {
        let (ingress, egress) = extra
            .get_mut(compose)
            .map(std::mem::take)
            .unwrap_or_default();
        let disconnected = workload.pod.network == NetworkMembership::Disconnected;
        let egress = (disconnected || confined(project, compose)).then_some(egress);
        let ingress = (disconnected || !ingress.is_empty()).then_some(ingress);
        if ingress.is_none() && egress.as_ref().is_none_or(Vec::is_empty) {
            continue;
        }
        if policies.contains_key(&workload.name) {
            diagnostics.push(
                Diagnostic::error(
                    Code::NameCollision,
                    format!(
                        "the NetworkPolicy of service `{compose}` and that of a network are both named `{}`",
                        workload.name
                    ),
                )
                .with_label(locations.span(&["services", compose]), "service defined here")
                .with_help("rename the service or the network"),
            );
            continue;
        }
        policies.insert(
            workload.name.clone(),
            NetworkPolicy {
                name: workload.name.clone(),
                pods: PolicyPods::Workload(compose.clone()),
                ingress,
                egress,
                annotations: IndexMap::new(),
                provenance: workload.provenance.clone(),
            },
        );
    }
    project.network_policies = policies;
}

/// Two networks whose policies would have one name: the second would replace the first, so it
/// is an error. (Two whose members would carry one label are reported by lowering.)
fn report_shared_names(project: &Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut names: IndexMap<String, &str> = IndexMap::new();
    for key in project.networks.keys() {
        let name = with_suffix(&dns_label(key), "network");
        if let Some(first) = names.get(&name) {
            diagnostics.push(
                Diagnostic::error(
                    Code::NameCollision,
                    format!("networks `{first}` and `{key}` both give the NetworkPolicy `{name}`"),
                )
                .with_label(locations.span(&["networks", key]), "this network")
                .with_label(
                    locations.span(&["networks", first]),
                    "collides with this one",
                )
                .with_help("rename one of the networks"),
            );
        }
        names.entry(name).or_insert(key);
    }
}

/// The policies of the networks: membership, then confinement for an internal network.
fn network_policies(project: &Project) -> Vec<NetworkPolicy> {
    let open: Vec<String> = project
        .networks
        .iter()
        .filter(|(_, n)| !n.internal)
        .map(|(key, _)| key.clone())
        .collect();
    let mut policies = Vec::new();
    for (key, network) in &project.networks {
        let base = dns_label(key);
        let members = || vec![Peer::Network(key.clone())];
        policies.push(NetworkPolicy {
            name: with_suffix(&base, "network"),
            pods: PolicyPods::Network {
                network: key.clone(),
                except: Vec::new(),
            },
            ingress: Some(vec![PolicyRule {
                peers: members(),
                ports: Vec::new(),
            }]),
            egress: None,
            annotations: network.annotations.clone(),
            provenance: network.provenance.clone(),
        });
        if network.internal {
            policies.push(NetworkPolicy {
                name: with_suffix(&base, "network-internal"),
                pods: PolicyPods::Network {
                    network: key.clone(),
                    except: open.clone(),
                },
                ingress: None,
                egress: Some(vec![
                    PolicyRule {
                        peers: members(),
                        ports: Vec::new(),
                    },
                    dns_rule(),
                ]),
                annotations: network.annotations.clone(),
                provenance: network.provenance.clone(),
            });
        }
    }
    policies
}

/// Whether the pods of `compose` may connect only to their networks' members: every network
/// they are on is internal.
fn confined(project: &Project, compose: &str) -> bool {
    let networks = project.workloads[compose].pod.network.networks();
    !networks.is_empty()
        && networks
            .iter()
            .all(|n| project.networks.get(n).is_some_and(|n| n.internal))
}

/// Whether a pod of `from` may connect to a pod of `to` as their networks stand.
fn connects(project: &Project, from: &str, to: &str) -> bool {
    let (source, target) = (&project.workloads[from].pod, &project.workloads[to].pod);
    let shared = source
        .network
        .networks()
        .iter()
        .any(|n| target.network.networks().contains(n));
    if shared {
        return true;
    }
    let admitted = matches!(target.network, NetworkMembership::Unrestricted);
    let sent = match source.network {
        NetworkMembership::Unrestricted => true,
        NetworkMembership::Disconnected => false,
        NetworkMembership::Members(_) => !confined(project, from),
    };
    admitted && sent
}

/// Per workload (compose name), the connections it accepts and makes beyond its networks'.
type Extra = IndexMap<String, (Vec<PolicyRule>, Vec<PolicyRule>)>;

/// The connections workloads accept and make beyond their networks': published ports, and the
/// waits of `depends_on`.
fn extra_rules(project: &Project, locations: &impl Locate, diagnostics: &mut Diagnostics) -> Extra {
    let mut extra = Extra::new();
    published(project, &mut extra);
    waits(project, locations, diagnostics, &mut extra);
    extra
}

/// Published ports accept connections from anywhere.
fn published(project: &Project, extra: &mut Extra) {
    for service in project.services.values() {
        let isolated = project
            .workloads
            .get(&service.workload)
            .is_some_and(|w| matches!(w.pod.network, NetworkMembership::Members(_)));
        if service.kind != ServiceKind::LoadBalancer || !isolated {
            continue;
        }
        let ports = service
            .ports
            .iter()
            .map(|p| PolicyPort {
                port: p.target_port,
                protocol: p.protocol,
            })
            .collect();
        let (ingress, _) = extra.entry(service.workload.clone()).or_default();
        ingress.push(PolicyRule {
            peers: Vec::new(),
            ports,
        });
    }
}

/// The waits of `depends_on` that the networks of their two ends would block.
fn waits(
    project: &Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
    extra: &mut Extra,
) {
    for (dependent, workload) in &project.workloads {
        for dep in &workload.depends_on {
            let path = ["services", dependent, "depends_on", dep.service.as_str()];
            let report = |diagnostics: &mut Diagnostics, message: String| {
                diagnostics.push(
                    Diagnostic::warning(Code::ApproximatedKey, message)
                        .with_label(locations.span(&path), "waited for here"),
                );
            };
            match &dep.wait {
                Some(Wait::Tcp { host, port }) => {
                    if let Some(message) =
                        tcp_wait(project, (dependent, &dep.service), (host, *port), extra)
                    {
                        report(diagnostics, message);
                    }
                }
                Some(Wait::Resolves { .. })
                    if workload.pod.network == NetworkMembership::Disconnected =>
                {
                    extra
                        .entry(dependent.clone())
                        .or_default()
                        .1
                        .push(dns_rule());
                    report(
                        diagnostics,
                        format!(
                            "service `{dependent}`, which has no network, may query the cluster DNS, so that its wait for `{}` can resolve",
                            dep.service
                        ),
                    );
                }
                Some(Wait::JobComplete { .. })
                    if workload.pod.network == NetworkMembership::Disconnected
                        || confined(project, dependent) =>
                {
                    extra
                        .entry(dependent.clone())
                        .or_default()
                        .1
                        .push(PolicyRule {
                            peers: Vec::new(),
                            ports: API_PORTS
                                .iter()
                                .map(|&port| PolicyPort {
                                    port,
                                    protocol: Protocol::Tcp,
                                })
                                .collect(),
                        });
                    report(
                        diagnostics,
                        format!(
                            "service `{dependent}` may connect to the Kubernetes API (TCP ports 443 and 6443 of any address), so that its wait for job `{}` can ask whether it completed",
                            dep.service
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

/// Lets the wait of `dependent` for `service` on a TCP port of Service `host` through, when
/// their networks would block it; the report to make then.
fn tcp_wait(
    project: &Project,
    (dependent, service): (&str, &str),
    (host, port): (&str, u16),
    extra: &mut Extra,
) -> Option<String> {
    if !project.workloads.contains_key(service) || connects(project, dependent, service) {
        return None;
    }
    let target = project
        .services
        .get(host)
        .and_then(|s| s.ports.iter().find(|p| p.port == port))
        .map_or(port, |p| p.target_port);
    let ports = vec![PolicyPort {
        port: target,
        protocol: Protocol::Tcp,
    }];
    if !matches!(
        project.workloads[service].pod.network,
        NetworkMembership::Unrestricted
    ) {
        extra
            .entry(service.to_owned())
            .or_default()
            .0
            .push(PolicyRule {
                peers: vec![Peer::Workload(dependent.to_owned())],
                ports: ports.clone(),
            });
    }
    extra
        .entry(dependent.to_owned())
        .or_default()
        .1
        .push(PolicyRule {
            peers: vec![Peer::Workload(service.to_owned())],
            ports,
        });
    Some(if project.workloads[dependent].pod.host_network {
        format!(
            "service `{dependent}` waits for `{service}` on port {target} from the node's network, which NetworkPolicies do not see as `{dependent}`: the wait may never connect"
        )
    } else {
        format!(
            "service `{service}` accepts connections on port {target} from `{dependent}`, which shares no network with it, so that the wait for it can connect"
        )
    })
}

/// Queries to the cluster DNS, on both of its protocols.
fn dns_rule() -> PolicyRule {
    PolicyRule {
        peers: vec![Peer::ClusterDns],
        ports: [Protocol::Udp, Protocol::Tcp]
            .into_iter()
            .map(|protocol| PolicyPort { port: 53, protocol })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir::Unlocated;
    use crate::ir::{
        NetworkMembership, Peer, PolicyPods, PolicyPort, PolicyRule, Project, Protocol,
    };
    use crate::model;

    fn build(project: &serde_json::Value, network_policies: bool) -> (Project, Diagnostics) {
        let project: model::Project = serde_json::from_value(project.clone()).unwrap();
        let options = crate::ir::lower::Options {
            network_policies,
            ..crate::ir::lower::Options::default()
        };
        let mut diagnostics = Diagnostics::new();
        let mut ir = crate::ir::lower::lower(&project, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        (ir, diagnostics)
    }

    fn shop() -> serde_json::Value {
        json!({
            "name": "shop",
            "services": {
                "web": { "image": "nginx", "ports": [{ "target": 80, "published": "8080" }],
                         "networks": { "front": null } },
                "api": { "image": "api", "expose": ["8000"],
                         "networks": { "front": null, "back": null } },
                "db": { "image": "postgres", "expose": ["5432"], "networks": { "back": null } },
                "cache": { "image": "redis", "expose": ["6379"], "networks": { "cache": null } },
                "worker": { "image": "worker", "networks": { "back": null },
                            "depends_on": { "cache": { "condition": "service_started", "required": true } } },
                "sandbox": { "image": "busybox", "network_mode": "none" }
            },
            "networks": {
                "front": { "name": "shop_front" },
                "back": { "name": "shop_back", "internal": true },
                "cache": { "name": "shop_cache" }
            }
        })
    }

    fn tcp(port: u16) -> Vec<PolicyPort> {
        vec![PolicyPort {
            port,
            protocol: Protocol::Tcp,
        }]
    }

    #[test]
    fn members_of_a_network_accept_connections_from_one_another() {
        let (ir, _) = build(&shop(), true);
        assert_eq!(
            ir.workloads["api"].pod.network,
            NetworkMembership::Members(vec!["front".into(), "back".into()])
        );
        assert_eq!(ir.networks["front"].label, "shop_front");
        let front = &ir.network_policies["front-network"];
        assert_eq!(
            front.pods,
            PolicyPods::Network {
                network: "front".into(),
                except: vec![]
            }
        );
        assert_eq!(
            front.ingress,
            Some(vec![PolicyRule {
                peers: vec![Peer::Network("front".into())],
                ports: vec![]
            }])
        );
        assert_eq!(front.egress, None);
        // Published ports accept connections from anywhere, on the container's port.
        let web = &ir.network_policies["web"];
        assert_eq!(
            web.ingress,
            Some(vec![PolicyRule {
                peers: vec![],
                ports: tcp(80)
            }])
        );
        assert_eq!(web.egress, None);
    }

    #[test]
    fn an_internal_network_confines_only_the_pods_on_no_open_network() {
        let (ir, _) = build(&shop(), true);
        let confined = &ir.network_policies["back-network-internal"];
        assert_eq!(confined.ingress, None);
        assert_eq!(
            confined.pods,
            PolicyPods::Network {
                network: "back".into(),
                except: vec!["front".into(), "cache".into()]
            }
        );
        let egress = confined.egress.as_ref().unwrap();
        assert_eq!(egress[0].peers, vec![Peer::Network("back".into())]);
        assert_eq!(egress[1].peers, vec![Peer::ClusterDns]);
        // `api` is also on `front`, so it is not confined and has no policy of its own.
        assert!(!ir.network_policies.contains_key("api"));
    }

    #[test]
    fn a_wait_across_networks_is_let_through_both_ways_and_reported() {
        let (ir, diagnostics) = build(&shop(), true);
        let from_worker = PolicyRule {
            peers: vec![Peer::Workload("worker".into())],
            ports: tcp(6379),
        };
        assert_eq!(
            ir.network_policies["cache"].ingress,
            Some(vec![from_worker])
        );
        // `worker` is only on the internal `back`, so its own policy lets the wait out.
        assert_eq!(
            ir.network_policies["worker"].egress,
            Some(vec![PolicyRule {
                peers: vec![Peer::Workload("cache".into())],
                ports: tcp(6379),
            }])
        );
        assert_eq!(ir.network_policies["worker"].ingress, None);
        assert!(diagnostics.iter().any(|d| d.code == Code::ApproximatedKey
            && d.message.contains("from `worker`, which shares no network")));
    }

    #[test]
    fn network_mode_none_allows_no_connection() {
        let (ir, diagnostics) = build(&shop(), true);
        assert_eq!(
            ir.workloads["sandbox"].pod.network,
            NetworkMembership::Disconnected
        );
        let sandbox = &ir.network_policies["sandbox"];
        assert_eq!(sandbox.ingress, Some(vec![]));
        assert_eq!(sandbox.egress, Some(vec![]));
        assert!(
            !diagnostics
                .iter()
                .any(|d| d.message.contains("network_mode"))
        );
    }

    #[test]
    fn a_pod_on_docker_s_default_bridge_is_on_no_network_and_reported() {
        let mut project = shop();
        project["services"]["legacy"] = json!({ "image": "legacy", "network_mode": "bridge" });
        let (ir, diagnostics) = build(&project, true);
        assert_eq!(
            ir.workloads["legacy"].pod.network,
            NetworkMembership::Unrestricted
        );
        assert!(!ir.network_policies.contains_key("legacy"));
        assert!(diagnostics.iter().any(|d| {
            d.code == Code::ApproximatedKey
                && d.message
                    .contains("`network_mode: bridge` of service `legacy`")
        }));
    }

    #[test]
    fn networks_that_give_one_policy_name_or_one_label_are_an_error() {
        let mut project = shop();
        project["services"]["api"]["networks"]["back_end"] = json!(null);
        project["networks"]["back_end"] = json!({ "name": "shop_back_end" });
        project["networks"]["back-end"] = json!({ "name": "shop_back-end" });
        // Names that differ only in characters a label cannot hold.
        for (key, name) in [("spaced", "shop front"), ("coloned", "shop:front")] {
            project["services"]["web"]["networks"][key] = json!(null);
            project["networks"][key] = json!({ "name": name });
        }
        // Docker network names longer than a label, alike in their first 63 characters, keep
        // a hash of the whole name and stay apart.
        let long = "n".repeat(70);
        for (key, suffix) in [("wide", "1"), ("wider", "2")] {
            project["services"]["web"]["networks"][key] = json!(null);
            project["networks"][key] = json!({ "name": format!("{long}{suffix}") });
        }
        // Two keys for one engine network are one network, as compose has it.
        project["services"]["cache"]["networks"]["alias"] = json!(null);
        project["networks"]["alias"] = json!({ "name": "shop_cache" });
        project["services"]["db"]["networks"]["back-end"] = json!(null);
        let (_, diagnostics) = build(&project, true);
        let collisions: Vec<&str> = diagnostics
            .iter()
            .filter(|d| d.code == Code::NameCollision)
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            collisions,
            [
                "networks `spaced` and `coloned` both give the member label `shop-front`",
                "networks `back_end` and `back-end` both give the NetworkPolicy `back-end-network`",
            ]
        );
    }

    #[test]
    fn without_the_option_networks_are_reported_and_no_policy_is_made() {
        let (ir, diagnostics) = build(&shop(), false);
        assert!(ir.networks.is_empty());
        assert!(ir.network_policies.is_empty());
        assert_eq!(
            ir.workloads["api"].pod.network,
            NetworkMembership::Unrestricted
        );
        let reported = |text: &str| diagnostics.iter().any(|d| d.message.contains(text));
        assert!(reported("network `back` is not kept"));
        assert!(reported(
            "`network_mode: none` of service `sandbox` is left out"
        ));
    }

    #[test]
    fn a_service_joining_a_pod_by_ipc_brings_its_networks() {
        let mut project = shop();
        project["services"]["metrics"] =
            json!({ "image": "exporter", "ipc": "service:db", "networks": { "cache": null } });
        let (ir, _) = build(&project, true);
        assert_eq!(
            ir.workloads["db"].pod.network,
            NetworkMembership::Members(vec!["back".into(), "cache".into()])
        );
    }
}
