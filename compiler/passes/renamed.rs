//! References to services by a name the target cannot resolve.
//!
//! A compose name that is not a DNS label (`bookstack_mariadb`, `1panel`) becomes another
//! name in Kubernetes and under podman (`bookstack-mariadb`): the Service's, and the pod's. So
//! `DB_HOST=bookstack_mariadb`, which Docker's resolver answers, would name nothing. Where a
//! service names another the way the [`reached`](super::reached) pass reads references
//! (`name:port`, a URL, a `*_HOST` variable), in its environment (with its env files' variables)
//! or its command line, the name is rewritten to the one the service has once converted, and
//! reported. [`run`] does this for every target, right after `reached`, which looks the compose
//! names up.
//!
//! Podman resolves fewer names still: a pod answers to its own name only, not to a
//! `container_name` or a network alias, which Kubernetes gives a Service. The podman backend
//! calls [`run_for_podman`] for those.
//!
//! Left as written, and reported by SC1003 (SC2106 under podman) only: names in the files a
//! service mounts, which are the project's own; names with a dot, which are as often a name the
//! software goes by as a host it connects to (`VIRTUAL_HOST=shop.example.com`, a TLS
//! certificate's `peer0.org1.example.com`), and which a pod subdomain keeps resolving on
//! Kubernetes (`node-1.rabbit`); and a service's references to itself, as `reached` leaves them.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{keeps_dns_label, same_dns_name};
use crate::ir::{Locate, Project};
use crate::passes::reached::{HostAt, Names, Place, host_prefix, hosts_in, lookup, site_span};

/// The lowercase names that do not resolve once converted, to the index of their workload.
/// Only looked up, never iterated.
type Renamed = Names;

/// Which names a target resolves.
#[derive(Clone, Copy)]
enum Resolver {
    /// A Service per DNS label, and pod subdomains for names of two labels.
    Kubernetes,
    /// A pod's own name only.
    Podman,
}

/// Rewrites the references by names that are not DNS labels, which no target resolves.
pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    rewrite(project, locations, diagnostics, Resolver::Kubernetes);
}

/// Rewrites the references by the names podman does not resolve: every name but the pod's,
/// unless it has a dot.
pub fn run_for_podman(
    project: &mut Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) {
    rewrite(project, locations, diagnostics, Resolver::Podman);
}

fn rewrite(
    project: &mut Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
    resolver: Resolver,
) {
    let renamed = renamed(project, resolver);
    if renamed.is_empty() {
        return;
    }
    let converted: Vec<String> = project.workloads.values().map(|w| w.name.clone()).collect();
    let rewriter = Rewriter {
        renamed: &renamed,
        converted: &converted,
    };
    let mut reports = Vec::new();
    for (from, workload) in project.workloads.values_mut().enumerate() {
        for container in &mut workload.pod.containers {
            for (key, value) in &mut container.env {
                if let Some(names) = rewriter.rewrite(value, host_prefix(key).is_some(), from) {
                    reports.push((container.service.clone(), Place::Env(key.clone()), names));
                }
            }
            let words = container.command.iter_mut().chain(&mut container.args);
            let mut names = Vec::new();
            for word in words.flatten() {
                for name in rewriter.rewrite(word, false, from).into_iter().flatten() {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
            if !names.is_empty() {
                reports.push((container.service.clone(), Place::Command, names));
            }
        }
    }
    for (service, place, names) in reports {
        let (span, place) = site_span(locations, &service, &place);
        for (written, target) in names {
            let name = &converted[target];
            let why = match resolver {
                Resolver::Kubernetes => format!(
                    "which does not resolve once converted: it is rewritten to `{name}`, the name that service has in Kubernetes and under podman"
                ),
                Resolver::Podman => format!(
                    "which does not resolve under podman, where a pod answers to its own name only: it is rewritten to `{name}`, the name of its pod"
                ),
            };
            diagnostics.push(
                Diagnostic::warning(
                    Code::RenamedReference,
                    format!("service `{service}` names `{written}` in {place}, {why}"),
                )
                .with_label(span, format!("`{written}` rewritten to `{name}`"))
                .with_help(format!(
                    "write `{name}` there, or rename `{written}` to a DNS label, to keep one name everywhere"
                )),
            );
        }
    }
}

/// Every compose name and DNS alias that does not resolve on the target.
fn renamed(project: &Project, resolver: Resolver) -> Renamed {
    let mut renamed = Renamed::default();
    for (i, (compose, workload)) in project.workloads.iter().enumerate() {
        for name in std::iter::once(compose).chain(&workload.dns_aliases) {
            let answered = match resolver {
                Resolver::Kubernetes => keeps_dns_label(name),
                Resolver::Podman => same_dns_name(name, &workload.name),
            };
            if !answered && !name.contains('.') {
                renamed.entry(name.to_ascii_lowercase()).or_insert(i);
            }
        }
    }
    renamed
}

struct Rewriter<'a> {
    renamed: &'a Renamed,
    /// The converted name of each workload, by index.
    converted: &'a [String],
}

impl Rewriter<'_> {
    /// Rewrites the names in `text` that do not resolve, and returns them as written with the
    /// workload each names; `None` when there is none. `whole_host` is for a variable that
    /// holds a host name (`DB_HOST`): its whole value may be one.
    fn rewrite(
        &self,
        text: &mut String,
        whole_host: bool,
        from: usize,
    ) -> Option<Vec<(String, usize)>> {
        let mut found = Vec::new();
        let mut take = |start: usize, end: usize| {
            let target = lookup(self.renamed, &text[start..end])?;
            (target != from).then(|| found.push((start..end, target)))
        };
        if whole_host {
            let trimmed = text.trim_start();
            let start = text.len() - trimmed.len();
            take(start, start + trimmed.trim_end().len());
        }
        hosts_in(text, |host| {
            let (HostAt::WithPort { host, .. } | HostAt::Url { host, .. }) = host;
            take(host.start, host.end);
        });
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut at = 0;
        let mut names = Vec::with_capacity(found.len());
        for (range, target) in found {
            out.push_str(&text[at..range.start]);
            out.push_str(&self.converted[target]);
            let written = text[range.clone()].to_owned();
            if !names.contains(&(written.clone(), target)) {
                names.push((written, target));
            }
            at = range.end;
        }
        out.push_str(&text[at..]);
        *text = out;
        Some(names)
    }
}

#[cfg(test)]
mod tests {
    use super::{Renamed, Rewriter, run_for_podman};
    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir::Unlocated;

    fn rewritten(text: &str, whole_host: bool) -> (String, Vec<(String, usize)>) {
        let mut renamed = Renamed::default();
        renamed.insert("bookstack_mariadb".to_owned(), 1);
        renamed.insert("my_cache".to_owned(), 2);
        let converted = [
            "app".to_owned(),
            "bookstack-mariadb".to_owned(),
            "redis-cache".to_owned(),
        ];
        let rewriter = Rewriter {
            renamed: &renamed,
            converted: &converted,
        };
        let mut text = text.to_owned();
        let names = rewriter
            .rewrite(&mut text, whole_host, 0)
            .unwrap_or_default();
        (text, names)
    }

    #[test]
    fn names_that_do_not_resolve_are_rewritten_where_they_are_hosts() {
        assert_eq!(
            rewritten(" Bookstack_MariaDB ", true).0,
            " bookstack-mariadb "
        );
        assert_eq!(
            rewritten(
                "mysql://u:p@bookstack_mariadb:3306/db,redis://my_cache",
                false
            ),
            (
                "mysql://u:p@bookstack-mariadb:3306/db,redis://redis-cache".to_owned(),
                vec![
                    ("bookstack_mariadb".to_owned(), 1),
                    ("my_cache".to_owned(), 2)
                ]
            )
        );
        assert_eq!(
            rewritten("--peers=my_cache:6379,my_cache:6380", false).0,
            "--peers=redis-cache:6379,redis-cache:6380"
        );
    }

    #[test]
    fn other_words_and_lookalikes_are_left_as_written() {
        for text in [
            "bookstack_mariadb",
            "DB_NAME=bookstack_mariadb",
            "bookstack_mariadb.local:3306",
            "x_bookstack_mariadb:3306",
            "bookstack_mariadb:latest",
        ] {
            assert_eq!(
                rewritten(text, false),
                (text.to_owned(), Vec::new()),
                "{text}"
            );
        }
        assert_eq!(
            rewritten("bookstack_mariadb db", true).0,
            "bookstack_mariadb db"
        );
    }

    /// The environment of service `app` after the passes, and after podman's rewrite too, with
    /// the number of references rewritten.
    fn app_env(services: &serde_json::Value) -> (Vec<String>, Vec<String>, usize) {
        let (mut ir, codes) = crate::passes::reached::tests::project(services);
        let env = |ir: &crate::ir::Project| {
            ir.workloads["app"].pod.containers[0]
                .env
                .values()
                .cloned()
                .collect::<Vec<_>>()
        };
        let kubernetes = env(&ir);
        let mut diagnostics = Diagnostics::new();
        run_for_podman(&mut ir, &Unlocated, &mut diagnostics);
        let reports = codes
            .into_iter()
            .chain(diagnostics.iter().map(|d| d.code))
            .filter(|code| *code == Code::RenamedReference)
            .count();
        (kubernetes, env(&ir), reports)
    }

    #[test]
    fn podman_also_rewrites_the_aliases_a_service_answers_to_but_not_dotted_names() {
        let (kubernetes, podman, reports) = app_env(&serde_json::json!({
            "app": {
                "image": "app",
                "environment": {
                    "DB": "postgres://db_main:5432/app",
                    "CACHE_HOST": "redis-cache",
                    "BROKER": "amqp://broker.internal:5672",
                    "SELF": "http://app:8080"
                }
            },
            "db_main": { "image": "postgres" },
            "cache": { "image": "redis", "container_name": "redis-cache" },
            "broker.internal": { "image": "rabbitmq" }
        }));
        assert_eq!(
            kubernetes,
            [
                "postgres://db-main:5432/app",
                "redis-cache",
                "amqp://broker.internal:5672",
                "http://app:8080"
            ]
        );
        assert_eq!(
            podman,
            [
                "postgres://db-main:5432/app",
                "cache",
                "amqp://broker.internal:5672",
                "http://app:8080"
            ]
        );
        assert_eq!(reports, 2);
    }
}
