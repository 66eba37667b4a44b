//! Where a workload's pods may run: node requirements (`deploy.placement.constraints`), spread
//! over node labels (`preferences`), one pod per node (`max_replicas_per_node: 1`), and the pods
//! that must share a node because they share a `ReadWriteOnce` claim (`passes::volumes`).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::Meta;
use crate::ir::{self, names::label_value};

/// The label that marks the pods of one colocation group (see `passes::volumes`).
pub(super) const COLOCATION_LABEL: &str = "stackc.io/colocation";
const HOSTNAME: &str = "kubernetes.io/hostname";

/// The pod's affinity, when anything constrains it.
pub(super) fn affinity(meta: &Meta<'_>, workload: &ir::Workload) -> Option<core::Affinity> {
    let pod = &workload.pod;
    let placement = &pod.placement;
    let node_affinity = (!placement.node_requirements.is_empty()).then(|| core::NodeAffinity {
        required_during_scheduling_ignored_during_execution: Some(core::NodeSelector {
            node_selector_terms: vec![core::NodeSelectorTerm {
                match_expressions: Some(
                    placement
                        .node_requirements
                        .iter()
                        .map(|r| core::NodeSelectorRequirement {
                            key: r.key.clone(),
                            operator: r.operator.as_str().to_owned(),
                            values: (!r.values.is_empty()).then(|| r.values.clone()),
                        })
                        .collect(),
                ),
                ..core::NodeSelectorTerm::default()
            }],
        }),
        ..core::NodeAffinity::default()
    });
    let pod_affinity = pod.colocation.as_ref().map(|group| core::PodAffinity {
        required_during_scheduling_ignored_during_execution: Some(vec![on_one_node(
            BTreeMap::from([
                (
                    "app.kubernetes.io/part-of".to_owned(),
                    label_value(&meta.project.name),
                ),
                (COLOCATION_LABEL.to_owned(), group.clone()),
            ]),
        )]),
        ..core::PodAffinity::default()
    });
    let pod_anti_affinity = placement.one_per_node.then(|| core::PodAntiAffinity {
        required_during_scheduling_ignored_during_execution: Some(vec![on_one_node(
            meta.selector(&workload.name),
        )]),
        ..core::PodAntiAffinity::default()
    });
    (node_affinity.is_some() || pod_affinity.is_some() || pod_anti_affinity.is_some()).then_some(
        core::Affinity {
            node_affinity,
            pod_affinity,
            pod_anti_affinity,
        },
    )
}

/// A term for the pods with `labels` on the pod's node. For colocation the pod's own labels
/// match it, so the first pod of a group may schedule anywhere.
fn on_one_node(labels: BTreeMap<String, String>) -> core::PodAffinityTerm {
    core::PodAffinityTerm {
        label_selector: Some(LabelSelector {
            match_labels: Some(labels),
            ..LabelSelector::default()
        }),
        topology_key: HOSTNAME.to_owned(),
        ..core::PodAffinityTerm::default()
    }
}

/// Swarm's spread preferences are soft: the scheduler spreads the pods over each label's values
/// as evenly as it can, and still places them when it cannot.
pub(super) fn spread(
    meta: &Meta<'_>,
    workload: &ir::Workload,
) -> Option<Vec<core::TopologySpreadConstraint>> {
    let keys = &workload.pod.placement.spread_over;
    (!keys.is_empty()).then(|| {
        keys.iter()
            .map(|key| core::TopologySpreadConstraint {
                label_selector: Some(LabelSelector {
                    match_labels: Some(meta.selector(&workload.name)),
                    ..LabelSelector::default()
                }),
                max_skew: 1,
                topology_key: key.clone(),
                when_unsatisfiable: "ScheduleAnyway".to_owned(),
                ..core::TopologySpreadConstraint::default()
            })
            .collect()
    })
}
