//! Compose names of two DNS labels (`node-1.rabbit`, a service `wazuh.master`), kept resolving
//! through pod subdomains.
//!
//! A Kubernetes Service name has no dots, so such a name's Service is renamed (`wazuh-master`).
//! But a pod with `hostname: wazuh` and `subdomain: master`, selected by a headless Service
//! named `master`, answers as `wazuh.master` in its namespace, through the search domain
//! `<namespace>.svc.cluster.local`. A pod takes the subdomain of its `hostname` (set by
//! lowering), or else of its first such name: its compose name, then its DNS aliases. Pods of
//! one subdomain share its Service. A name that still does not resolve is reported: one of three
//! labels or more, one whose subdomain is another Service's name, a second name of a pod that
//! answers to one already, and a DNS alias that is not a valid Service name.

use std::collections::HashSet;

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{dns_label, same_dns_name, subdomain};
use crate::ir::{Locate, Project, Service, ServiceKind, Subdomain, Workload};

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    for (compose, workload) in &mut project.workloads {
        let pod = &mut workload.pod;
        if pod.subdomain.is_none() && pod.hostname.is_none() {
            pod.subdomain = std::iter::once(compose)
                .chain(&workload.dns_aliases)
                .find_map(|name| subdomain(name));
        }
    }
    let mut refused = IndexMap::new();
    if project
        .workloads
        .values()
        .any(|w| w.pod.subdomain.is_some())
    {
        refused = place(project, locations, diagnostics);
        drop_renamed_aliases(project);
    }
    for (compose, workload) in &project.workloads {
        let refusal = refused.get(compose);
        let names = LostNames {
            compose,
            workload,
            refusal,
            workloads: &project.workloads,
        };
        names.report(locations, diagnostics);
    }
}

/// Removes the Service the `services` pass made for an alias a pod now answers to through its
/// subdomain: named after the alias with its dot replaced (`node-1-rabbit`), it is a name no
/// compose file uses.
fn drop_renamed_aliases(project: &mut Project) {
    let renamed: Vec<String> = project
        .workloads
        .iter()
        .filter_map(|(compose, workload)| {
            let place = workload.pod.subdomain.as_ref()?;
            let alias = workload.dns_aliases.iter().find(|a| place.answers(a))?;
            let name = dns_label(alias);
            let service = project.services.get(&name)?;
            (service.workload == *compose
                && service.shared_alias.is_none()
                && name != workload.name)
                .then_some(name)
        })
        .collect();
    for name in renamed {
        project.services.shift_remove(&name);
    }
}

/// Gives each subdomain its headless Service, or takes the subdomain back from a pod that
/// cannot have it: one whose Service name another Service or a workload has, or a second pod
/// that answers to the same name. Returns the place each such pod was refused, and why.
fn place(
    project: &mut Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> IndexMap<String, (Subdomain, String)> {
    let taken: HashSet<&str> = project
        .services
        .keys()
        .chain(project.workloads.values().map(|w| &w.name))
        .map(String::as_str)
        .collect();
    let mut answered: HashSet<(&str, &str)> = HashSet::new();
    let mut refused: IndexMap<String, (Subdomain, String)> = IndexMap::new();
    let mut members: IndexMap<String, Vec<String>> = IndexMap::new();
    for (compose, workload) in &project.workloads {
        let Some(place) = &workload.pod.subdomain else {
            continue;
        };
        let problem = if taken.contains(place.name.as_str()) {
            format!(
                "`{}` is the name of another Service or workload",
                place.name
            )
        } else if !answered.insert((&place.hostname, &place.name)) {
            format!("another pod answers as `{}.{}`", place.hostname, place.name)
        } else {
            members
                .entry(place.name.clone())
                .or_default()
                .push(compose.clone());
            continue;
        };
        if workload.pod.hostname.is_some() {
            diagnostics.push(
                Diagnostic::warning(
                    Code::UnloweredValue,
                    format!(
                        "`hostname: {}.{}` of service `{compose}` becomes `{}` without its subdomain: {problem}",
                        place.hostname, place.name, place.hostname
                    ),
                )
                .with_label(
                    locations.span(&["services", compose, "hostname"]),
                    "does not resolve",
                )
                .with_help(format!(
                    "give the hostname a second label that no Service has, or rename what takes `{}`",
                    place.name
                )),
            );
        }
        refused.insert(compose.clone(), (place.clone(), problem));
    }
    for compose in refused.keys() {
        project.workloads[compose].pod.subdomain = None;
    }
    for (name, composes) in members {
        let first = &project.workloads[&composes[0]];
        project.services.insert(
            name.clone(),
            Service {
                name: name.clone(),
                workload: composes[0].clone(),
                kind: ServiceKind::Headless,
                ports: Vec::new(),
                shared_alias: Some(name.clone()),
                provenance: first.provenance.clone(),
            },
        );
        for compose in composes {
            project.workloads[&compose]
                .pod
                .shared_aliases
                .push(name.clone());
        }
    }
    refused
}

/// The names of one workload, for [`LostNames::report`].
struct LostNames<'a> {
    compose: &'a str,
    workload: &'a Workload,
    refusal: Option<&'a (Subdomain, String)>,
    /// Every workload by compose name: a link or an `extra_hosts` entry of another service can
    /// give this one a name.
    workloads: &'a IndexMap<String, Workload>,
}

impl LostNames<'_> {
    /// SC1003 for each name of the workload that no Service or subdomain answers to. A renamed
    /// service whose name is not of two labels was reported by the `names` pass.
    fn report(&self, locations: &impl Locate, diagnostics: &mut Diagnostics) {
        let Self {
            compose, workload, ..
        } = *self;
        let answers = |name: &str| {
            workload
                .pod
                .subdomain
                .as_ref()
                .is_some_and(|p| p.answers(name))
        };
        if subdomain(compose).is_some() && !answers(compose) {
            diagnostics.push(crate::passes::names::renamed(
                compose,
                &workload.name,
                locations.span(&["services", compose]),
            ));
        }
        if workload.dns_aliases.is_empty() {
            return;
        }
        for alias in &workload.dns_aliases {
            let service = dns_label(alias);
            // The name of a service that joined this pod was reported with that service.
            let joined = locations.exact_span(&["services", alias]).is_some();
            if same_dns_name(alias, &service) || answers(alias) || joined {
                continue;
            }
            let span = crate::passes::names::alias_span(locations, self.workloads, compose, alias);
            diagnostics.push(
                Diagnostic::warning(
                    Code::NameChanged,
                    format!(
                        "`{alias}`, a DNS alias of service `{compose}`, is the Service `{service}` in Kubernetes, so other services must use that name to reach it{}",
                        self.why_unplaced(alias).unwrap_or_default()
                    ),
                )
                .with_label(
                    span.or_else(|| locations.span(&["services", compose])),
                    "not a valid Kubernetes name",
                )
                .with_help(format!(
                    "use `{service}`, or a name of two DNS labels (`name.group`), which a pod subdomain keeps"
                )),
            );
        }
    }

    /// Why a name of two labels did not get the pod's subdomain.
    fn why_unplaced(&self, alias: &str) -> Option<String> {
        subdomain(alias)?;
        let pod = &self.workload.pod;
        Some(match (&pod.subdomain, &pod.hostname, self.refusal) {
            (Some(place), ..) => format!(
                ": the pod answers as `{}.{}` already",
                place.hostname, place.name
            ),
            (None, Some(hostname), _) => format!(": the pod's hostname is `{hostname}`"),
            (None, None, Some((wanted, problem))) if wanted.answers(alias) => {
                format!(": {problem}")
            }
            (None, None, _) => {
                ": a pod takes the subdomain of its first name of two labels only".to_owned()
            }
        })
    }
}
