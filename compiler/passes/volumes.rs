//! Claims mounted by several workloads. A `ReadWriteOnce` claim attaches to one node, so the pods
//! of every workload that mounts it must run there: each gets a required pod affinity to all of
//! them (a pod may match its own term, so the first one schedules freely), and the user is told.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{AccessMode, Locate, Project, VolumeSource};

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut users: IndexMap<&str, Vec<(&str, &str)>> = IndexMap::new();
    for (compose, workload) in &project.workloads {
        for volume in &workload.pod.volumes {
            if let VolumeSource::Claim { claim, .. } = &volume.source {
                let list = users.entry(claim.as_str()).or_default();
                if !list.iter().any(|(c, _)| c == compose) {
                    list.push((compose.as_str(), workload.name.as_str()));
                }
            }
        }
    }
    let mut colocate: IndexMap<String, Vec<String>> = IndexMap::new();
    for (claim, list) in &users {
        let single_node = project.claims.get(*claim).is_some_and(|c| {
            matches!(
                c.access_mode,
                AccessMode::ReadWriteOnce | AccessMode::ReadWriteOncePod
            )
        });
        if list.len() < 2 || !single_node {
            continue;
        }
        let names: Vec<&str> = list.iter().map(|(c, _)| *c).collect();
        let mut diagnostic = Diagnostic::warning(
            Code::SharedVolume,
            format!(
                "claim `{claim}` is ReadWriteOnce and mounted by services `{}`; their pods are scheduled on the same node",
                names.join("`, `")
            ),
        );
        for (compose, _) in list {
            diagnostic = diagnostic.with_label(
                locations.span(&["services", compose, "volumes"]),
                format!("mounted by `{compose}`"),
            );
        }
        diagnostics.push(diagnostic.with_help(
            "set `access-mode: ReadWriteMany` under `x-stackc.volumes` if the storage class supports it",
        ));
        for (compose, _) in list {
            let entry = colocate.entry((*compose).to_owned()).or_default();
            for (_, k8s) in list {
                if !entry.iter().any(|n| n == k8s) {
                    entry.push((*k8s).to_owned());
                }
            }
        }
    }
    for (compose, names) in colocate {
        if let Some(workload) = project.workloads.get_mut(&compose) {
            workload.pod.colocate_with = names;
        }
    }
}
