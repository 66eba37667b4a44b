//! References to services by a name the cluster cannot resolve.
//!
//! A compose name that is not a DNS label (`bookstack_mariadb`, `1panel`) becomes another
//! name in Kubernetes and under podman (`bookstack-mariadb`): the Service's, and the pod's. So
//! `DB_HOST=bookstack_mariadb`, which Docker's resolver answers, would name nothing. Where a
//! service names another the way the [`reached`](super::reached) pass reads references
//! (`name:port`, a URL, a `*_HOST` variable), in its environment (with its env files' variables)
//! or its command line, the name is rewritten to the one the service has once converted, and
//! reported. It runs right after `reached`, which looks the compose names up.
//!
//! Left as written, and reported by SC1003 only: names in the files a service mounts, which
//! are the project's own; names with a dot, which a TLS certificate may hold
//! (`peer0.org1.example.com`) or a pod subdomain keeps resolving (`node-1.rabbit`); and a
//! service's references to itself, as `reached` leaves them.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::keeps_dns_label;
use crate::ir::{Locate, Project};
use crate::passes::reached::{HostAt, Place, host_prefix, hosts_in, site_span};

/// The lowercase names that do not resolve once converted, to the index of their workload.
/// Only looked up, never iterated.
type Renamed = HashMap<String, usize, foldhash::fast::RandomState>;

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let renamed = renamed(project);
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
            diagnostics.push(
                Diagnostic::warning(
                    Code::RenamedReference,
                    format!(
                        "service `{service}` names `{written}` in {place}, which does not resolve once converted: it is rewritten to `{name}`, the name that service has in Kubernetes and under podman"
                    ),
                )
                .with_label(span, format!("`{written}` rewritten to `{name}`"))
                .with_help(format!(
                    "write `{name}` there, or rename `{written}` to a DNS label, to keep one name everywhere"
                )),
            );
        }
    }
}

/// Every compose name and DNS alias that converts to another name, unless it has a dot.
fn renamed(project: &Project) -> Renamed {
    let mut renamed = Renamed::default();
    for (i, (compose, workload)) in project.workloads.iter().enumerate() {
        for name in std::iter::once(compose).chain(&workload.dns_aliases) {
            if !name.contains('.') && !keeps_dns_label(name) {
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
    /// Rewrites the names in `text` that do not resolve once converted, and returns them as
    /// written with the workload each names; `None` when there is none. `whole_host` is for a
    /// variable that holds a host name (`DB_HOST`): its whole value may be one.
    fn rewrite(
        &self,
        text: &mut String,
        whole_host: bool,
        from: usize,
    ) -> Option<Vec<(String, usize)>> {
        let mut found = Vec::new();
        let mut take = |start: usize, end: usize| {
            let target = self.target(&text[start..end])?;
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

    fn target(&self, host: &str) -> Option<usize> {
        if host.is_empty() || host.contains('.') {
            return None;
        }
        self.renamed.get(&host.to_ascii_lowercase()).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::{Renamed, Rewriter};

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
}
