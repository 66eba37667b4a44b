//! `network_mode`, `ipc` or `pid: service:X`: the service's containers join the pod of X.
//!
//! Compose runs the two containers in one network (and IPC or PID) namespace; in Kubernetes the
//! containers of one pod share it. The joining workload is removed, its container (with its
//! volumes and ports) moves into X's pod, so its ports join X's Service, and `depends_on` entries
//! that name it name X instead. It runs before `services` for that reason.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Dependency, Locate, NetworkMembership, Pod, Project};

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let joining: Vec<(String, String)> = project
        .workloads
        .iter()
        .filter_map(|(name, w)| Some((name.clone(), w.joins.clone()?)))
        .collect();
    for (name, target) in joining {
        let problem = match project.workloads.get(&target) {
            None => Some(format!("`{target}` has no pod to share")),
            Some(host) if host.joins.is_some() => Some(format!(
                "`{target}` joins the pod of another service itself"
            )),
            Some(host) if host.kind != project.workloads[&name].kind => Some(format!(
                "`{name}` and `{target}` run a different number or kind of copies"
            )),
            Some(_) => None,
        };
        if let Some(problem) = problem {
            diagnostics.push(
                Diagnostic::warning(
                    Code::SharedNamespace,
                    format!(
                        "service `{name}` keeps its own pod instead of sharing the pod of `{target}`: {problem}"
                    ),
                )
                .with_label(joining_key_span(locations, &name), "shares a namespace here"),
            );
            // Its own pod is on the networks of the service whose network it was to share.
            let shared = project
                .workloads
                .get(&target)
                .map(|t| t.pod.network.clone());
            if let Some(w) = project.workloads.get_mut(&name) {
                w.joins = None;
                if let Some(network) = shared.filter(|_| shares_network(&w.pod)) {
                    w.pod.network = network;
                }
            }
            continue;
        }
        let Some(mut guest) = project.workloads.shift_remove(&name) else {
            continue;
        };
        let awaited = carried_dependencies(
            project,
            (&name, &target),
            std::mem::take(&mut guest.depends_on),
            locations,
            diagnostics,
        );
        let host = &mut project.workloads[&target];
        host.pod.host_network |= guest.pod.host_network;
        merge_networks(&mut host.pod, guest.pod.network);
        // The guest's `pid: service:X` (or its `init: true`) shares the pod's process namespace.
        host.pod.pid = host.pod.pid.max(guest.pod.pid);
        host.pod.supplemental_groups.extend(
            guest
                .pod
                .supplemental_groups
                .iter()
                .filter(|g| !host.pod.supplemental_groups.contains(g))
                .copied()
                .collect::<Vec<_>>(),
        );
        for volume in guest.pod.volumes {
            if !host.pod.volumes.iter().any(|v| v.name == volume.name) {
                host.pod.volumes.push(volume);
            }
        }
        host.pod.containers.extend(guest.pod.containers);
        host.pod.init_containers.extend(guest.pod.init_containers);
        host.dns_aliases.extend(guest.dns_aliases);
        host.dns_aliases.push(name.clone());
        host.depends_on.extend(awaited);
        for (compose, workload) in &mut project.workloads {
            for dep in &mut workload.depends_on {
                if dep.service == name {
                    dep.service.clone_from(&target);
                }
            }
            // Merging can make X depend on itself.
            workload.depends_on.retain(|d| d.service != *compose);
        }
    }
}

/// The dependencies of `guest` (joining the pod of `target`) that the pod takes on: not those
/// the pod has, nor one that itself waits for the pod, which would then never start (reported).
fn carried_dependencies(
    project: &Project,
    (guest, target): (&str, &str),
    dependencies: Vec<Dependency>,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Vec<Dependency> {
    let mut awaited = Vec::new();
    for dep in dependencies {
        if dep.service == target
            || project.workloads[target]
                .depends_on
                .iter()
                .any(|d| d.service == dep.service)
        {
            continue;
        }
        // The whole pod would wait for a service that waits for the pod: neither starts.
        if waits_for(project, &dep.service, [target, guest]) {
            diagnostics.push(
                Diagnostic::warning(
                    Code::SharedNamespace,
                    format!(
                        "service `{guest}` starts without waiting for `{}`: it shares the pod of `{target}`, which `{}` waits for, so the pod cannot wait for it",
                        dep.service, dep.service
                    ),
                )
                .with_label(
                    locations.span(&["services", guest, "depends_on", &dep.service]),
                    "not awaited",
                ),
            );
            continue;
        }
        awaited.push(dep);
    }
    awaited
}

/// Whether workload `from` waits, directly or through others, for one of `pod`'s names.
fn waits_for(project: &Project, from: &str, pod: [&str; 2]) -> bool {
    let mut seen = vec![from];
    let mut pending = vec![from];
    while let Some(name) = pending.pop() {
        let Some(workload) = project.workloads.get(name) else {
            continue;
        };
        for dep in &workload.depends_on {
            let next = dep.service.as_str();
            if pod.contains(&next) {
                return true;
            }
            if !seen.contains(&next) {
                seen.push(next);
                pending.push(next);
            }
        }
    }
    false
}

/// Whether a pod that was to join another takes that pod's networks: it named no networks of
/// its own, because it joins with `network_mode` (and not only `ipc` or `pid`).
fn shares_network(pod: &Pod) -> bool {
    !pod.host_network && pod.network == NetworkMembership::Unrestricted
}

/// The networks of a pod that a guest's containers joined: a guest that joined through `ipc` or
/// `pid` brings its own networks, one that joined through `network_mode` none.
fn merge_networks(host: &mut Pod, guest: NetworkMembership) {
    if host.host_network {
        host.network = NetworkMembership::Unrestricted;
        return;
    }
    match (&mut host.network, guest) {
        (NetworkMembership::Members(own), NetworkMembership::Members(brought)) => {
            for network in brought {
                if !own.contains(&network) {
                    own.push(network);
                }
            }
        }
        (network @ NetworkMembership::Disconnected, brought @ NetworkMembership::Members(_)) => {
            *network = brought;
        }
        _ => {}
    }
}

/// The key by which `service` joins another's pod: `network_mode`, `ipc` or `pid`, else the
/// service itself.
fn joining_key_span(locations: &impl Locate, service: &str) -> Option<crate::source::Span> {
    ["network_mode", "ipc", "pid"]
        .into_iter()
        .find_map(|key| locations.exact_span(&["services", service, key]))
        .or_else(|| locations.span(&["services", service]))
}
