//! Reports compose service names that changed on the way to Kubernetes names, and names that
//! collide.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Locate, Project};

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut owners: IndexMap<&str, &str> = IndexMap::new();
    for (compose, workload) in &project.workloads {
        let span = locations.span(&["services", compose]);
        if workload.name != *compose {
            diagnostics.push(
                Diagnostic::warning(
                    Code::NameChanged,
                    format!(
                        "service `{compose}` is named `{}` in Kubernetes, so other services must use that name to reach it",
                        workload.name
                    ),
                )
                .with_label(span, "not a valid Kubernetes name")
                .with_help(format!("rename the service to `{}`", workload.name)),
            );
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
