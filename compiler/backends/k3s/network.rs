//! NetworkPolicies, and the labels that make pods members of compose networks.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Meta;
use crate::backends::annotate;
use crate::ir;

/// The prefix of the label that marks a pod as a member of a compose network; the label's name
/// is the network's ([`ir::Network::label`]), its value `"true"`.
const MEMBER_LABEL: &str = "network.stackc.io/";

/// The namespace and pod labels of the cluster DNS (CoreDNS on K3s, and kube-dns before it).
const DNS_NAMESPACE: &str = "kube-system";
const DNS_POD_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

/// The member labels of a pod, added to `labels`.
pub(super) fn member_labels(
    project: &ir::Project,
    pod: &ir::Pod,
    labels: &mut BTreeMap<String, String>,
) {
    for network in pod.network.networks() {
        if project.networks.contains_key(network) {
            labels.insert(member_label(project, network), "true".to_owned());
        }
    }
}

/// The member label of the network with compose name `key`. Policies name only networks of the
/// project; were one missing, its key would stand for its label, which no pod carries, so that
/// a selector selects no pod rather than every pod.
fn member_label(project: &ir::Project, key: &str) -> String {
    let label = project.networks.get(key).map_or(key, |n| n.label.as_str());
    crate::text::joined(&[MEMBER_LABEL, label])
}

/// Selects the members of the network with compose name `key`.
fn members(meta: &Meta<'_>, key: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(member_label(meta.project, key), "true".to_owned())])
}

pub(super) fn policy(meta: &Meta<'_>, policy: &ir::NetworkPolicy) -> networking::NetworkPolicy {
    let mut metadata = meta.object(&policy.name, &policy.name);
    super::set_annotations(&mut metadata, &policy.annotations);
    annotate(&mut metadata, policy.provenance.as_ref());
    let mut types = Vec::new();
    if policy.ingress.is_some() {
        types.push("Ingress".to_owned());
    }
    if policy.egress.is_some() {
        types.push("Egress".to_owned());
    }
    networking::NetworkPolicy {
        metadata,
        spec: Some(networking::NetworkPolicySpec {
            pod_selector: Some(pods(meta, &policy.pods)),
            policy_types: Some(types),
            ingress: policy.ingress.as_ref().map(|rules| {
                rules
                    .iter()
                    .map(|rule| networking::NetworkPolicyIngressRule {
                        from: peers(meta, &rule.peers),
                        ports: ports(&rule.ports),
                    })
                    .collect()
            }),
            egress: policy.egress.as_ref().map(|rules| {
                rules
                    .iter()
                    .map(|rule| networking::NetworkPolicyEgressRule {
                        to: peers(meta, &rule.peers),
                        ports: ports(&rule.ports),
                    })
                    .collect()
            }),
        }),
    }
}

fn pods(meta: &Meta<'_>, pods: &ir::PolicyPods) -> LabelSelector {
    match pods {
        ir::PolicyPods::Workload(compose) => workload_pods(meta, compose),
        ir::PolicyPods::Network { network, except } => {
            let excluded: Vec<LabelSelectorRequirement> = except
                .iter()
                .map(|n| LabelSelectorRequirement {
                    key: member_label(meta.project, n),
                    operator: "DoesNotExist".to_owned(),
                    values: None,
                })
                .collect();
            LabelSelector {
                match_labels: Some(members(meta, network)),
                match_expressions: (!excluded.is_empty()).then_some(excluded),
            }
        }
    }
}

fn workload_pods(meta: &Meta<'_>, compose: &str) -> LabelSelector {
    let name = meta
        .project
        .workloads
        .get(compose)
        .map_or(compose, |w| w.name.as_str());
    LabelSelector {
        match_labels: Some(meta.selector(name)),
        match_expressions: None,
    }
}

/// The peers of a rule; `None` (any peer) for none.
fn peers(meta: &Meta<'_>, peers: &[ir::Peer]) -> Option<Vec<networking::NetworkPolicyPeer>> {
    if peers.is_empty() {
        return None;
    }
    let peers = peers
        .iter()
        .map(|peer| match peer {
            ir::Peer::Workload(compose) => networking::NetworkPolicyPeer {
                pod_selector: Some(workload_pods(meta, compose)),
                ..networking::NetworkPolicyPeer::default()
            },
            ir::Peer::Network(network) => networking::NetworkPolicyPeer {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(members(meta, network)),
                    match_expressions: None,
                }),
                // Containers outside the project share an external network: they may be in any
                // namespace.
                namespace_selector: meta
                    .project
                    .networks
                    .get(network)
                    .filter(|n| n.external)
                    .map(|_| LabelSelector::default()),
                ip_block: None,
            },
            ir::Peer::ClusterDns => networking::NetworkPolicyPeer {
                namespace_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        "kubernetes.io/metadata.name".to_owned(),
                        DNS_NAMESPACE.to_owned(),
                    )])),
                    match_expressions: None,
                }),
                pod_selector: Some(LabelSelector {
                    match_labels: Some(BTreeMap::from([(
                        DNS_POD_LABEL.0.to_owned(),
                        DNS_POD_LABEL.1.to_owned(),
                    )])),
                    match_expressions: None,
                }),
                ip_block: None,
            },
        })
        .collect();
    Some(peers)
}

/// The ports of a rule; `None` (every port) for none.
fn ports(ports: &[ir::PolicyPort]) -> Option<Vec<networking::NetworkPolicyPort>> {
    (!ports.is_empty()).then(|| {
        ports
            .iter()
            .map(|p| networking::NetworkPolicyPort {
                port: Some(IntOrString::Int(i32::from(p.port))),
                protocol: Some(p.protocol.as_str().to_owned()),
                end_port: None,
            })
            .collect()
    })
}
