//! Claims mounted by several workloads. A `ReadWriteOnce` claim attaches to one node, so the pods
//! of every workload that mounts it must run there. Workloads linked by such claims, directly or
//! through one another, form one colocation group: each of their pods carries the group's label
//! and requires a pod with that label on its node (a pod may match its own term, so the first one
//! schedules freely). A label per group keeps each pod's affinity one term long, however many
//! workloads share the claim. The user is told.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::label_value;
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
    let mut groups = Groups::new(project.workloads.len());
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
        let members: Vec<usize> = names
            .iter()
            .filter_map(|compose| project.workloads.get_index_of(*compose))
            .collect();
        groups.join(&members, claim);
    }
    let names: Vec<Option<String>> = (0..project.workloads.len())
        .map(|workload| groups.name(workload).map(label_value))
        .collect();
    for ((_, workload), name) in project.workloads.iter_mut().zip(names) {
        workload.pod.colocation = name;
    }
}

/// Union-find over workload indices; each root remembers the first claim that joined its group.
struct Groups<'a> {
    parent: Vec<usize>,
    /// For roots of a group: (the order in which its first claim was joined, that claim).
    first_claim: Vec<Option<(usize, &'a str)>>,
    joins: usize,
}

impl<'a> Groups<'a> {
    fn new(len: usize) -> Self {
        Self {
            parent: (0..len).collect(),
            first_claim: vec![None; len],
            joins: 0,
        }
    }

    fn root(&mut self, mut item: usize) -> usize {
        while self.parent[item] != item {
            self.parent[item] = self.parent[self.parent[item]];
            item = self.parent[item];
        }
        item
    }

    fn join(&mut self, members: &[usize], claim: &'a str) {
        let Some(&first) = members.first() else {
            return;
        };
        let order = self.joins;
        self.joins += 1;
        let mut root = self.root(first);
        let mut named = self.first_claim[root].unwrap_or((order, claim));
        for &member in &members[1..] {
            let other = self.root(member);
            if other == root {
                continue;
            }
            if let Some(claimed) = self.first_claim[other] {
                named = named.min(claimed);
            }
            let (keep, drop) = (root.min(other), root.max(other));
            self.parent[drop] = keep;
            root = keep;
        }
        self.first_claim[root] = Some(named);
    }

    fn name(&mut self, item: usize) -> Option<&'a str> {
        let root = self.root(item);
        self.first_claim[root].map(|(_, claim)| claim)
    }
}
