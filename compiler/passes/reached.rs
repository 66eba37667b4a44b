//! Ports other services reach: a service that declares no port is still reached on a compose
//! network, where every port of a container is open to the others (`postgres://db:5432/app`
//! with no `ports:` or `expose:` on `db`). A Kubernetes name resolves only through a Service,
//! and a Service needs its ports, so the ports other services name are added to the workload,
//! and the `services` pass, which runs next, puts a Service in front of them.
//!
//! A port is taken from what another service's configuration says, never guessed from an image:
//! `host:port` in an environment value, a command, or a file it mounts, from a ConfigMap or from
//! the project directory (`db:5432`, `proxy_pass http://api:8000/;`); the standard port of a
//! URL's scheme when the URL gives none (`redis://cache`); and for a `*_HOST` variable that names
//! the service, the `*_PORT` variable of the same prefix (which also wins over the scheme of a
//! URL in it: `RPC_HOST=http://node` beside `RPC_PORT=18443`), or else the standard port of the
//! protocol its name says (`REDIS_HOST`, `KONG_PG_HOST`). A service named in a `*_HOST` variable
//! with no port anywhere (`DB_HOST`) is reported, and marked as named, as is every service a
//! `depends_on` entry waits on: without ports, the `services` pass gives it a headless Service.

use std::collections::HashMap;
use std::ops::Range;

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{
    Condition, ContainerPort, EnvSource, Locate, Project, Protocol, VolumeSource, WorkloadKind,
};

/// The lowercase names a workload is reached by, to its index. Only looked up, never iterated,
/// so its order cannot reach the output; hashed with foldhash, as stackc's own names need no
/// resistance to chosen keys.
pub(super) type Names = HashMap<String, usize, foldhash::fast::RandomState>;

/// Standard ports of URL schemes, for URLs that give none. `postgresql+psycopg2://` and
/// `jdbc:postgresql://` count as their database's scheme.
const SCHEME_PORTS: &[(&str, u16)] = &[
    ("amqp", 5672),
    ("amqps", 5671),
    ("http", 80),
    ("https", 443),
    ("ldap", 389),
    ("ldaps", 636),
    ("mariadb", 3306),
    ("memcached", 11211),
    ("mongodb", 27017),
    ("mqtt", 1883),
    ("mysql", 3306),
    ("nats", 4222),
    ("postgres", 5432),
    ("postgresql", 5432),
    ("redis", 6379),
    ("rediss", 6379),
    ("smtp", 25),
    ("ws", 80),
    ("wss", 443),
];

/// Protocols named in variables the way a URL names them by its scheme (`PG` in `KONG_PG_HOST`).
const PROTOCOL_ALIASES: &[(&str, u16)] = &[("mongo", 27017), ("pg", 5432), ("rabbitmq", 5672)];

/// Suffixes of variables that hold a host name (`DB_HOST=db`), and the one of its port.
const HOST_SUFFIXES: &[&str] = &["_HOST", "_HOSTNAME", "_SERVER", "_ADDR", "_ADDRESS"];
const PORT_SUFFIX: &str = "_PORT";

/// Where a service names another: an environment variable, a file it mounts from a ConfigMap or
/// from the project directory, or its command line.
#[derive(Clone, Copy)]
enum Site<'a> {
    Env(&'a str),
    File(&'a str),
    Mount(&'a str),
    Command,
}

/// One service naming another (by index into the project's workloads), with the port when the
/// text gives one.
struct Reference<'a> {
    target: usize,
    port: Option<u16>,
    site: Site<'a>,
}

/// A reference as reported: the referring workload and the place, owned, since the ports are
/// added to the project the references were read from.
struct Found {
    from: usize,
    /// The compose service whose key holds the reference: the workload's own, or one whose
    /// container joined its pod (`network_mode: service:X`).
    by: String,
    target: usize,
    port: Option<u16>,
    place: Place,
}

pub(super) enum Place {
    Env(String),
    File(String),
    Mount(String),
    Command,
}

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let found = references(project);
    mark_named(project, &found);
    for reference in &found {
        let Some(port) = reference.port else { continue };
        let pod = &mut project.workloads[reference.target].pod;
        // A port declared for UDP only is the one meant: adding it for TCP would make a
        // dependent wait on a TCP port nothing listens on. A host port the service publishes
        // for another container port (`5178:9000`) is configuration written for the host,
        // which compose's network does not reach either.
        if pod
            .containers
            .iter()
            .flat_map(|c| &c.ports)
            .any(|p| p.port == port || p.published == Some(port))
        {
            continue;
        }
        pod.containers[0].ports.push(ContainerPort {
            port,
            protocol: Protocol::Tcp,
            published: None,
            name: None,
            app_protocol: None,
        });
        let (to, by) = compose_names(project, reference);
        let (span, place) = site_span(locations, by, &reference.place);
        diagnostics.push(
            Diagnostic::warning(
                Code::InferredPort,
                format!(
                    "service `{to}` does not declare port {port}, which `{by}` reaches in {place}: it gets a Service on that port"
                ),
            )
            .with_label(span, format!("reaches `{to}` on port {port}"))
            .with_help(format!(
                "declare the port on `{to}` with `expose: [\"{port}\"]` to make it explicit"
            )),
        );
    }
    let mut reported: Vec<(usize, usize)> = Vec::new();
    for reference in found.iter().filter(|r| r.port.is_none()) {
        let listens = project.workloads[reference.target]
            .pod
            .containers
            .iter()
            .any(|c| !c.ports.is_empty());
        let pair = (reference.from, reference.target);
        if listens || reported.contains(&pair) {
            continue;
        }
        reported.push(pair);
        let (to, by) = compose_names(project, reference);
        let (span, place) = site_span(locations, by, &reference.place);
        diagnostics.push(
            Diagnostic::warning(
                Code::HeadlessService,
                format!(
                    "service `{by}` names `{to}` in {place}, but `{to}` declares no port: it gets a headless Service, whose name resolves to its pods' addresses"
                ),
            )
            .with_label(span, format!("names `{to}`"))
            .with_help(format!(
                "declare the port `{to}` listens on with `expose`, or give it beside the name (`{to}:PORT`), for a Service with a stable address"
            )),
        );
    }
}

/// Marks the workloads other services reach by name: those a reference names, and those a
/// `depends_on` entry waits for, unless it waits for a Job to complete. Lowering has marked
/// those an `extra_hosts` entry names by their fixed address.
fn mark_named(project: &mut Project, found: &[Found]) {
    let mut named = vec![false; project.workloads.len()];
    for reference in found {
        named[reference.target] = true;
    }
    for workload in project.workloads.values() {
        for dependency in &workload.depends_on {
            let Some((i, _, target)) = project.workloads.get_full(&dependency.service) else {
                continue;
            };
            let completes = dependency.condition == Condition::CompletedSuccessfully
                && matches!(target.kind, WorkloadKind::Job { .. });
            named[i] |= !completes;
        }
    }
    for (workload, named) in project.workloads.values_mut().zip(named) {
        workload.named |= named;
    }
}

/// The compose names of the service a reference names and of the one it is written in.
fn compose_names<'a>(project: &'a Project, reference: &'a Found) -> (&'a str, &'a str) {
    let target = project
        .workloads
        .get_index(reference.target)
        .map_or("", |(n, _)| n.as_str());
    (target, &reference.by)
}

/// Every place a workload names another, in workload order: environment values (those of its
/// env files' ConfigMaps first, as the kubelet reads them), host and port variables, its command
/// line, then the files of the ConfigMaps it mounts (compose `configs`, files given as
/// ConfigMaps).
fn references(project: &Project) -> Vec<Found> {
    let names = names(project);
    let mut maps = MapReferences::default();
    let mut found = Vec::new();
    for (from, (compose, workload)) in project.workloads.iter().enumerate() {
        let mut references = Vec::new();
        // Who wrote each reference: a container's own service, or for the pod's files the
        // workload's.
        let mut writers: Vec<&str> = Vec::new();
        for container in &workload.pod.containers {
            for source in &container.env_from {
                if let EnvSource::ConfigMap(name) = source {
                    maps.add(project, &names, name, Site::Env, &mut references);
                }
            }
            for (key, value) in &container.env {
                // A URL in a host variable with a port variable beside it is reached on that
                // port, not its scheme's: `host_port_pairs` finds it.
                let paired_url = host_prefix(key).is_some()
                    && url_host(value).is_some()
                    && host_variable_port(&container.env, key).is_some();
                if !paired_url {
                    scan(value, &names, Site::Env(key), &mut references);
                }
            }
            host_port_pairs(&container.env, &names, &mut references);
            for word in container.command.iter().chain(&container.args).flatten() {
                scan(word, &names, Site::Command, &mut references);
            }
            writers.resize(references.len(), &container.service);
        }
        for volume in &workload.pod.volumes {
            match &volume.source {
                VolumeSource::ConfigMap { config_map, .. } => {
                    maps.add(project, &names, config_map, Site::File, &mut references);
                }
                VolumeSource::HostPath { path, .. } => {
                    maps.add_host_file(project, &names, path, &mut references);
                }
                _ => {}
            }
        }
        writers.resize(references.len(), compose);
        found.extend(
            references
                .into_iter()
                .zip(writers)
                .filter(|(r, _)| r.target != from)
                .map(|(r, by)| Found {
                    from,
                    by: by.to_owned(),
                    target: r.target,
                    port: r.port,
                    place: match r.site {
                        Site::Env(key) => Place::Env(key.to_owned()),
                        Site::File(key) => Place::File(key.to_owned()),
                        Site::Mount(file) => Place::Mount(file.to_owned()),
                        Site::Command => Place::Command,
                    },
                }),
        );
    }
    found
}

/// The references in each ConfigMap's values and each mounted project file, read once: an env
/// file or a config file is often shared by many services.
#[derive(Default)]
struct MapReferences<'p> {
    config_maps: Cache<'p>,
    host_files: Cache<'p>,
}

type Cache<'p> = HashMap<&'p str, Vec<Reference<'p>>, foldhash::fast::RandomState>;

impl<'p> MapReferences<'p> {
    /// The references in the values of ConfigMap `name`, each at `site(key)`.
    fn add(
        &mut self,
        project: &'p Project,
        names: &Names,
        name: &'p str,
        site: fn(&'p str) -> Site<'p>,
        references: &mut Vec<Reference<'p>>,
    ) {
        let texts = || {
            project
                .config_maps
                .get(name)
                .into_iter()
                .flat_map(|m| &m.data)
                .map(move |(key, value)| (site(key), value.as_str()))
        };
        cached(&mut self.config_maps, name, texts, names, references);
    }

    /// The references in the project file mounted at hostPath `path`, if it was read.
    fn add_host_file(
        &mut self,
        project: &'p Project,
        names: &Names,
        path: &'p str,
        references: &mut Vec<Reference<'p>>,
    ) {
        let texts = || {
            let file = path.rsplit('/').next().unwrap_or(path);
            project
                .host_files
                .get(path)
                .map(|text| (Site::Mount(file), text.as_str()))
        };
        cached(&mut self.host_files, path, texts, names, references);
    }
}

/// Adds the references in the texts of source `key`, scanned the first time it is asked for.
fn cached<'p, I: IntoIterator<Item = (Site<'p>, &'p str)>>(
    cache: &mut Cache<'p>,
    key: &'p str,
    texts: impl FnOnce() -> I,
    names: &Names,
    references: &mut Vec<Reference<'p>>,
) {
    let found = cache.entry(key).or_insert_with(|| {
        let mut found = Vec::new();
        for (site, text) in texts() {
            scan(text, names, site, &mut found);
        }
        found
    });
    for r in found.iter() {
        add(references, r.target, r.port, r.site);
    }
}

/// The lowercase names each workload is reached by on a compose network: its compose name and
/// its aliases (`container_name`, network aliases), with the workload's index.
fn names(project: &Project) -> Names {
    let mut names = Names::default();
    for (i, (compose, workload)) in project.workloads.iter().enumerate() {
        names.entry(compose.to_ascii_lowercase()).or_insert(i);
        for alias in &workload.dns_aliases {
            names.entry(alias.to_ascii_lowercase()).or_insert(i);
        }
    }
    names
}

/// Where to point at a reference, and how to name the place in a message.
pub(super) fn site_span<L: Locate>(
    locations: &L,
    service: &str,
    place: &Place,
) -> (Option<crate::source::Span>, String) {
    match place {
        Place::Env(key) => {
            // A mapping entry, or a `KEY=value` item of a list.
            let item = |entry: &str| entry.split_once('=').is_some_and(|(k, _)| k == key);
            let span = locations
                .exact_span(&["services", service, "environment", key])
                .or_else(|| locations.find_value(&["services", service, "environment"], &item))
                .or_else(|| locations.exact_span(&["services", service, "env_file"]))
                .or_else(|| locations.span(&["services", service]));
            (span, format!("`{key}`"))
        }
        Place::File(key) => {
            let span = locations
                .exact_span(&["services", service, "configs"])
                .or_else(|| locations.exact_span(&["services", service, "volumes"]))
                .or_else(|| locations.span(&["services", service]));
            (span, format!("its file `{key}`"))
        }
        Place::Mount(file) => {
            let span = locations
                .exact_span(&["services", service, "volumes"])
                .or_else(|| locations.span(&["services", service]));
            (span, format!("its mounted file `{file}`"))
        }
        Place::Command => {
            let span = locations
                .exact_span(&["services", service, "command"])
                .or_else(|| locations.exact_span(&["services", service, "entrypoint"]))
                .or_else(|| locations.span(&["services", service]));
            (span, "its command".to_owned())
        }
    }
}

/// Adds the services `text` names with a port: `host:port` anywhere, and URLs whose scheme has
/// a standard port.
///
/// A URL without a port is not counted for a service the same text also names with a port: in
/// nginx's `upstream relay { server relay:3000; }` and `proxy_pass http://relay;`, the second
/// `relay` is the upstream block, not the service on port 80.
fn scan<'a>(text: &str, names: &Names, site: Site<'a>, references: &mut Vec<Reference<'a>>) {
    let mut with_port = Vec::new();
    let mut without_port = Vec::new();
    hosts_in(text, |host| match host {
        HostAt::WithPort { host, port } => {
            if let Some(target) = lookup(names, &text[host]) {
                with_port.push(target);
                add(references, target, Some(port), site);
            }
        }
        HostAt::Url { host, scheme } => {
            if let Some(target) = lookup(names, &text[host]) {
                let scheme = scheme.split('+').next().unwrap_or_default();
                let port = protocol_port(&scheme.to_ascii_lowercase());
                add(&mut without_port, target, port, site);
            }
        }
    });
    for r in without_port {
        if !with_port.contains(&r.target) {
            add(references, r.target, r.port, r.site);
        }
    }
}

/// Where a text names a host the way [`scan`] reads it, by byte range.
pub(super) enum HostAt<'t> {
    /// `host:port`, with a port above 0.
    WithPort { host: Range<usize>, port: u16 },
    /// `scheme://host`, a URL that gives no port; the scheme as written.
    Url { host: Range<usize>, scheme: &'t str },
}

/// Calls `each` with every host `text` names before a `:port` or in a URL without a port, in
/// text order.
pub(super) fn hosts_in<'t>(text: &'t str, mut each: impl FnMut(HostAt<'t>)) {
    if !text.contains(':') {
        return;
    }
    let bytes = text.as_bytes();
    for (colon, _) in text.match_indices(':') {
        let digits = bytes[colon + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let after = bytes.get(colon + 1 + digits);
        if digits > 0 && !after.is_some_and(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(b)) {
            let port = text[colon + 1..colon + 1 + digits].parse::<u16>().ok();
            if let (Some(host), Some(port)) = (host_before(text, colon), port.filter(|p| *p > 0)) {
                each(HostAt::WithPort { host, port });
            }
        } else if text[colon..].starts_with("://") {
            let scheme_start = text[..colon]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
                .map_or(0, |i| i + 1);
            let start = colon + 3;
            let rest = &text[start..];
            let end = start
                + rest
                    .find(|c: char| "/?#,;\"' \t\n".contains(c))
                    .unwrap_or(rest.len());
            let host_start = text[start..end]
                .rfind('@')
                .map_or(start, |at| start + at + 1);
            // With a port, the `host:port` branch counts it.
            if host_start < end && !text[host_start..end].contains(':') {
                each(HostAt::Url {
                    host: host_start..end,
                    scheme: &text[scheme_start..colon],
                });
            }
        }
    }
}

/// `DB_HOST=db` beside `DB_PORT=5432`, or `RPC_HOST=http://node` beside `RPC_PORT=18443`; a
/// host variable that names a service without a port anywhere is a reference without a port.
fn host_port_pairs<'a>(
    env: &'a IndexMap<String, String>,
    names: &Names,
    references: &mut Vec<Reference<'a>>,
) {
    for (key, value) in env {
        let Some(prefix) = host_prefix(key) else {
            continue;
        };
        let sibling = host_variable_port(env, key);
        // A URL without its port variable is left to `scan`, which gives it its scheme's.
        let host = match url_host(value) {
            Some(host) if sibling.is_some() => host,
            Some(_) => continue,
            None => value.trim(),
        };
        let Some(target) = lookup(names, host) else {
            continue;
        };
        let port = sibling.or_else(|| {
            prefix
                .rsplit('_')
                .find_map(|word| protocol_port(&word.to_ascii_lowercase()))
        });
        add(references, target, port, Site::Env(key));
    }
}

/// The prefix of a variable that holds a host name (`DB` of `DB_HOST`).
pub(super) fn host_prefix(key: &str) -> Option<&str> {
    HOST_SUFFIXES
        .iter()
        .find_map(|suffix| key.strip_suffix(suffix))
}

/// The port in the `*_PORT` variable beside host variable `key` (`DB_PORT` beside `DB_HOST`).
fn host_variable_port(env: &IndexMap<String, String>, key: &str) -> Option<u16> {
    let prefix = host_prefix(key)?;
    env.iter()
        .find(|(k, _)| {
            k.len() == prefix.len() + PORT_SUFFIX.len()
                && k.starts_with(prefix)
                && k.ends_with(PORT_SUFFIX)
        })
        .and_then(|(_, v)| v.trim().parse::<u16>().ok())
        .filter(|p| *p > 0)
}

/// The host of a URL that gives no port (`node` of `http://user@node/rpc`).
fn url_host(value: &str) -> Option<&str> {
    let (_, rest) = value.trim().split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().unwrap_or_default();
    (!host.is_empty() && !host.contains(':')).then_some(host)
}

/// The standard port of a protocol, by its URL scheme or a common short name.
fn protocol_port(protocol: &str) -> Option<u16> {
    SCHEME_PORTS
        .binary_search_by(|(s, _)| (*s).cmp(protocol))
        .ok()
        .map(|i| SCHEME_PORTS[i].1)
        .or_else(|| {
            PROTOCOL_ALIASES
                .iter()
                .find(|(alias, _)| *alias == protocol)
                .map(|(_, port)| *port)
        })
}

/// The host name that ends just before `end`: letters, digits, `.`, `_` and `-`.
fn host_before(text: &str, end: usize) -> Option<Range<usize>> {
    let start = text[..end]
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
        .map_or(0, |i| i + 1);
    (start < end).then_some(start..end)
}

pub(super) fn lookup(names: &Names, host: &str) -> Option<usize> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        names.get(host.to_ascii_lowercase().as_str()).copied()
    } else {
        names.get(host).copied()
    }
}

fn add<'a>(references: &mut Vec<Reference<'a>>, target: usize, port: Option<u16>, site: Site<'a>) {
    if !references
        .iter()
        .any(|r| r.target == target && r.port == port)
    {
        references.push(Reference { target, port, site });
    }
}

#[cfg(test)]
pub(super) mod tests {
    use indexmap::IndexMap;

    use super::{Names, Reference, SCHEME_PORTS, Site, host_port_pairs, scan, url_host};
    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir::{Protocol, Unlocated};

    fn names() -> Names {
        Names::from_iter([
            ("db".to_owned(), 0),
            ("cache".to_owned(), 1),
            ("api".to_owned(), 2),
        ])
    }

    fn ports(texts: &[&str]) -> Vec<(usize, Option<u16>)> {
        let mut references: Vec<Reference> = Vec::new();
        for text in texts {
            scan(text, &names(), Site::Command, &mut references);
        }
        references.iter().map(|r| (r.target, r.port)).collect()
    }

    #[test]
    fn an_upstream_named_like_its_service_is_not_a_url_to_it() {
        assert_eq!(
            ports(&["upstream api { server api:8000; }\nlocation / { proxy_pass http://api; }"]),
            [(2, Some(8000))]
        );
        assert_eq!(
            ports(&["proxy_pass http://api;"]),
            [(2, Some(80))],
            "without an upstream, the URL's host is the service"
        );
    }

    #[test]
    fn host_and_port_are_found_in_urls_and_lists() {
        assert_eq!(
            ports(&["postgres://app:s3cret@db:5432/app?sslmode=disable"]),
            [(0, Some(5432))]
        );
        assert_eq!(ports(&["http://api:8000/health"]), [(2, Some(8000))]);
        assert_eq!(
            ports(&["db:5432,cache:6379"]),
            [(0, Some(5432)), (1, Some(6379))]
        );
        assert_eq!(ports(&["jdbc:postgresql://DB:5433/x"]), [(0, Some(5433))]);
    }

    #[test]
    fn a_url_without_a_port_takes_its_schemes() {
        assert_eq!(ports(&["redis://cache"]), [(1, Some(6379))]);
        assert_eq!(
            ports(&["postgresql+psycopg2://u:p@db/app"]),
            [(0, Some(5432))]
        );
        assert_eq!(ports(&["foo://db/x"]), [(0, None)]);
    }

    #[test]
    fn other_hosts_and_lookalikes_are_not_references() {
        assert!(ports(&["postgres://other:5432/db"]).is_empty());
        assert!(ports(&["db:5432abc", "mydb:5432", "db:99999", "db:0", "v1.2:db"]).is_empty());
        assert!(ports(&["image db:latest", "time 12:30"]).is_empty());
    }

    #[test]
    fn host_variables_take_the_port_beside_them() {
        let env = IndexMap::from([
            ("DB_HOST".to_owned(), "db".to_owned()),
            ("DB_PORT".to_owned(), "5432".to_owned()),
            ("CACHE_HOSTNAME".to_owned(), "cache".to_owned()),
            ("OTHER_HOST".to_owned(), "example.com".to_owned()),
            ("QUEUE_REDIS_SERVER".to_owned(), "cache".to_owned()),
            ("KONG_PG_HOST".to_owned(), "DB".to_owned()),
        ]);
        let mut references = Vec::new();
        host_port_pairs(&env, &names(), &mut references);
        let found: Vec<_> = references.iter().map(|r| (r.target, r.port)).collect();
        assert_eq!(found, [(0, Some(5432)), (1, None), (1, Some(6379))]);
    }

    #[test]
    fn a_url_in_a_host_variable_takes_the_port_beside_it_not_its_schemes() {
        let env = IndexMap::from([
            ("BTC_RPC_HOST".to_owned(), "http://db".to_owned()),
            ("BTC_RPC_PORT".to_owned(), "18443".to_owned()),
            ("CACHE_HOST".to_owned(), "redis://cache".to_owned()),
        ]);
        let mut references = Vec::new();
        host_port_pairs(&env, &names(), &mut references);
        let found: Vec<_> = references.iter().map(|r| (r.target, r.port)).collect();
        assert_eq!(found, [(0, Some(18443))]);
        assert_eq!(url_host("http://user@node/rpc"), Some("node"));
        assert_eq!(url_host("http://node:8332"), None);
        assert_eq!(url_host("node"), None);
    }

    /// A project of `services`, lowered and through the passes, with the codes reported.
    pub(in crate::passes) fn project(
        services: &serde_json::Value,
    ) -> (crate::ir::Project, Vec<Code>) {
        let model = crate::model::from_canonical(serde_json::json!({
            "name": "p",
            "services": services
        }))
        .unwrap();
        let mut diagnostics = Diagnostics::new();
        let options = crate::ir::lower::Options::default();
        let mut ir = crate::ir::lower::lower(&model, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        (ir, diagnostics.iter().map(|d| d.code).collect())
    }

    #[test]
    fn a_service_reached_on_an_undeclared_port_gets_a_service_and_is_awaited() {
        let (ir, codes) = project(&serde_json::json!({
            "db": {"image": "postgres"},
            "dns": {"image": "coredns", "expose": ["53/udp"]},
            "minio": {
                "image": "minio/minio",
                "ports": [{"target": 9000, "published": "5178", "protocol": "tcp"}]
            },
            "api": {
                "image": "api",
                "environment": {
                    "DATABASE_URL": "postgres://u:p@db/app",
                    "RESOLVER": "dns:53",
                    "SELF": "http://api:9000",
                    "MINIO_HOST": "minio",
                    "MINIO_PORT": "5178"
                },
                "depends_on": {"db": {"condition": "service_started", "required": true}}
            }
        }));
        let ports = |name: &str| -> Vec<(u16, Protocol)> {
            ir.workloads[name].pod.containers[0]
                .ports
                .iter()
                .map(|p| (p.port, p.protocol))
                .collect()
        };
        assert_eq!(ports("db"), [(5432, Protocol::Tcp)]);
        assert_eq!(
            ports("dns"),
            [(53, Protocol::Udp)],
            "declared for UDP, not added for TCP"
        );
        assert!(
            ports("api").is_empty(),
            "a service naming itself adds nothing"
        );
        assert_eq!(
            ports("minio"),
            [(9000, Protocol::Tcp)],
            "a published host port is not one the container listens on"
        );
        assert!(ir.services.contains_key("db"));
        assert!(ir.workloads["api"].depends_on[0].wait.is_some());
        assert_eq!(codes, [Code::InferredPort]);
    }

    #[test]
    fn a_mounted_config_file_names_the_services_it_proxies_to() {
        let model = crate::model::from_canonical(serde_json::json!({
            "name": "p",
            "services": {
                "api": {"image": "api"},
                "proxy": {
                    "image": "nginx",
                    "configs": [{"source": "site", "target": "/etc/nginx/conf.d/site.conf"}]
                }
            },
            "configs": {"site": {"content": "location / { proxy_pass http://api:8000; }"}}
        }))
        .unwrap();
        let mut diagnostics = Diagnostics::new();
        let options = crate::ir::lower::Options::default();
        let mut ir = crate::ir::lower::lower(&model, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        let api: Vec<u16> = ir.workloads["api"].pod.containers[0]
            .ports
            .iter()
            .map(|p| p.port)
            .collect();
        assert_eq!(api, [8000]);
        assert!(ir.services.contains_key("api"));
    }

    #[test]
    fn a_project_file_mounted_as_a_host_path_is_read_too() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap();
        std::fs::write(
            dir.path().join("default.conf"),
            "location / { proxy_pass http://api:8000; }",
        )
        .unwrap();
        // Larger than a configuration file: not read.
        let large = format!("{}\nhttp://worker:9000\n", " ".repeat(70_000));
        std::fs::write(dir.path().join("big.txt"), large).unwrap();
        let bind = |file: &str, target: &str| serde_json::json!({"type": "bind", "source": format!("{root}/{file}"), "target": target});
        let mut model = crate::model::from_canonical(serde_json::json!({
            "name": "p",
            "services": {
                "api": {"image": "api"},
                "worker": {"image": "worker"},
                "proxy": {
                    "image": "nginx",
                    "volumes": [bind("default.conf", "/etc/nginx/conf.d/default.conf"), bind("big.txt", "/big.txt")]
                }
            }
        }))
        .unwrap();
        model.working_dir = root.to_owned();
        let mut diagnostics = Diagnostics::new();
        let options = crate::ir::lower::Options::default();
        let mut ir = crate::ir::lower::lower(&model, &options, &Unlocated, &mut diagnostics);
        crate::passes::run(&mut ir, &Unlocated, &mut diagnostics);
        let ports = |name: &str| -> Vec<u16> {
            ir.workloads[name].pod.containers[0]
                .ports
                .iter()
                .map(|p| p.port)
                .collect()
        };
        assert_eq!(ports("api"), [8000]);
        assert!(ports("worker").is_empty());
        assert_eq!(ir.host_files.len(), 1);
    }

    #[test]
    fn scheme_ports_are_sorted_for_the_binary_search() {
        assert!(SCHEME_PORTS.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
