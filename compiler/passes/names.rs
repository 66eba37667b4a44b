//! Reports compose service names that changed on the way to Kubernetes names, and names that
//! collide.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{same_dns_name, subdomain};
use crate::ir::{Locate, Project, Workload};
use crate::source::Span;

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut owners: IndexMap<&str, &str> = IndexMap::new();
    for (compose, workload) in &project.workloads {
        let span = locations.span(&["services", compose]);
        // A name of two labels may keep resolving through a pod subdomain; the `subdomains`
        // pass reports it if not.
        if !same_dns_name(compose, &workload.name) && subdomain(compose).is_none() {
            diagnostics.push(renamed(compose, &workload.name, span));
        }
        if let Some(first) = owners.insert(&workload.name, compose) {
            diagnostics.push(
                Diagnostic::error(
                    Code::NameCollision,
                    format!(
                        "services `{first}` and `{compose}` both become the Kubernetes name `{}`",
                        workload.name
                    ),
                )
                .with_label(span, "this service")
                .with_label(
                    locations.span(&["services", first]),
                    "collides with this one",
                )
                .with_help("rename one of them"),
            );
        }
    }
}

/// SC1003: service `compose` is `name` in Kubernetes, and other services do not reach it by
/// its compose name.
pub(crate) fn renamed(compose: &str, name: &str, span: Option<Span>) -> Diagnostic {
    Diagnostic::warning(
        Code::NameChanged,
        format!(
            "service `{compose}` is named `{name}` in Kubernetes, so other services must use that name to reach it"
        ),
    )
    .with_label(span, "not a valid Kubernetes name")
    .with_help(format!("rename the service to `{name}`"))
}

/// Where `alias`, a DNS name of service `compose`, was written: its `container_name`, one of its
/// network aliases, or another service's link (`compose:alias`) or `extra_hosts` entry that
/// names it (`workloads` are every service's, by compose name).
pub(crate) fn alias_span(
    locations: &impl Locate,
    workloads: &IndexMap<String, Workload>,
    compose: &str,
    alias: &str,
) -> Option<Span> {
    let own = |key| locations.find_value(&["services", compose, key], &|v| v == alias);
    let link = |text: &str| {
        text.split_once(':')
            .is_some_and(|(target, name)| target == compose && name == alias)
    };
    // A list of `host=address` (or `host:address`), or a mapping.
    let host = |entry: &str| {
        entry
            .split_once(['=', ':'])
            .is_some_and(|(host, _)| host == alias)
    };
    let others = || {
        workloads.keys().find_map(|other| {
            locations
                .find_value(&["services", other, "links"], &link)
                .or_else(|| locations.find_value(&["services", other, "extra_hosts"], &host))
                .or_else(|| locations.exact_span(&["services", other, "extra_hosts", alias]))
        })
    };
    own("container_name")
        .or_else(|| own("networks"))
        .or_else(others)
}
