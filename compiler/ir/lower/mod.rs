//! Lower: the resolved compose model becomes the IR.
//!
//! Each compose service becomes one [`Workload`] on its own; what needs the whole project
//! (Services, name collisions) is left to `crate::passes`. Before a service is lowered, every key
//! it holds is looked up in the [`support`] table, so a key that is approximated or not supported
//! is reported with its location instead of being dropped.

mod container;
mod devices;
mod keys;
mod networks;
mod placement;
mod resolver;
mod restart;
mod storage;
mod templates;

pub(crate) use devices::DEVICE_DIRECTORIES;

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::Value;

use self::keys::Step;
use super::names::{dns_label, is_dns_label, is_qualified_name, subdomain};
use super::support::{self, Disposition};
use super::{
    Dns, Locate, PidNamespace, Pod, Project, Rollout, RolloutStep, Workload, WorkloadKind,
};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model;
use crate::source::Span;

/// Choices of the user that change lowering.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Prefixed to the image names of services that compose builds (`registry.example.com/team`).
    pub image_registry: Option<String>,
    /// Read secret values into the IR, to be written out (`--secrets inline`, `stackc secrets`).
    /// Otherwise they are never read, and workloads reference Secrets by name.
    pub read_secrets: bool,
    /// The `x-stackc` settings of the project (device profiles, group ids).
    pub settings: crate::extension::Settings,
    /// `--device-plugin`: the device profile of services whose `x-stackc` names none.
    pub device_plugin: Option<crate::extension::DeviceProfile>,
    /// `--provenance`: every object names the compose key it comes from.
    pub provenance: bool,
    /// `--network-policies`: compose network isolation is kept, with NetworkPolicies.
    pub network_policies: bool,
    /// Whose rules the names of external objects and of environment variables, and the pods'
    /// host aliases and DNS settings, follow.
    pub name_rules: NameRules,
}

/// Whose rules names follow where the container engine's and the API server's differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NameRules {
    /// The engine's, and the names as written: podman's secrets can have any name Docker's
    /// can, and its containers any variable name the kernel takes.
    #[default]
    Engine,
    /// The API server's: an external object's name is made one Kubernetes can hold
    /// (`db_password` → `db-password`); a variable, host alias, DNS server or search domain it
    /// refuses is left out (`resolver.rs`); each is reported.
    Kubernetes,
}

/// Lowers a resolved compose project. Problems are pushed to `diagnostics`; the IR is always
/// returned, with the parts that could not be lowered left out.
pub fn lower(
    project: &model::Project,
    options: &Options,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Project {
    let awaited = awaited_to_complete(project);
    let mut cx = Lowering {
        locations,
        diagnostics,
        awaited_to_complete: &awaited,
    };
    cx.project_keys(project);
    let mut ir = Project {
        name: project.name.clone(),
        ..Project::default()
    };
    let mut services: Vec<(&String, &model::ServiceConfig)> =
        Vec::with_capacity(project.services.len());
    for (name, service) in &project.services {
        match &service.provider {
            Some(provider) => cx.provider_service(name, provider),
            None => services.push((name, service)),
        }
    }
    // Each service lowers on its own, so services are shared among threads; their workloads and
    // diagnostics are then taken in service order, as one thread would have made them.
    let workloads = crate::parallel::map(&services, |(name, service)| {
        let mut diagnostics = Diagnostics::new();
        let mut cx = Lowering {
            locations,
            diagnostics: &mut diagnostics,
            awaited_to_complete: &awaited,
        };
        let workload = cx.workload(project, name, service, options);
        (workload, diagnostics)
    });
    ir.workloads.reserve(services.len());
    for ((name, _), (workload, diagnostics)) in services.into_iter().zip(workloads) {
        cx.diagnostics.extend(diagnostics);
        ir.workloads.insert(name.clone(), workload);
    }
    cx.storage(project, options, &mut ir);
    cx.windows_nodes(project, &mut ir);
    cx.networks(project, options, &mut ir);
    cx.static_addresses(project, &mut ir);
    networks::link_aliases(project, &mut ir);
    cx.resolvers(options.name_rules, &mut ir);
    ir
}

/// The state of one lowering: where to report and what was reported.
struct Lowering<'a, L> {
    locations: &'a L,
    diagnostics: &'a mut Diagnostics,
    /// Services another waits for with `service_completed_successfully`.
    awaited_to_complete: &'a HashSet<&'a str>,
}

/// The services some other service waits for with `service_completed_successfully`: compose
/// runs a service once unless told to restart it, and such a wait says this one is meant to
/// finish (a migration, an `airflow-init`).
fn awaited_to_complete(project: &model::Project) -> HashSet<&str> {
    project
        .services
        .values()
        .flat_map(|service| &service.depends_on)
        .filter(|(_, dependency)| dependency.condition == "service_completed_successfully")
        .map(|(name, _)| name.as_str())
        .collect()
}

impl<L: Locate> Lowering<'_, L> {
    fn span(&self, path: &[&str]) -> Option<Span> {
        self.locations.span(path)
    }

    /// The provenance of an object made from the key at `path`, when it was asked for.
    fn provenance(&self, options: &Options, path: &[&str]) -> Option<String> {
        options
            .provenance
            .then(|| self.locations.provenance(path))
            .flatten()
    }

    fn warn(&mut self, code: Code, path: &[&str], message: String, label: &str) {
        let span = self.span(path);
        self.diagnostics
            .push(Diagnostic::warning(code, message).with_label(span, label));
    }

    fn warn_help(&mut self, code: Code, path: &[&str], message: String, label: &str, help: &str) {
        let span = self.span(path);
        self.diagnostics.push(
            Diagnostic::warning(code, message)
                .with_label(span, label)
                .with_help(help),
        );
    }

    /// One service's workload, with its devices, GPUs and groups.
    fn workload(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
        options: &Options,
    ) -> Workload {
        self.service_keys(name, service);
        let mut workload = self.service(project, name, service, options);
        workload.depends_on = self.dependencies(project, name, service);
        workload.joins = self.joins(project, name, service);
        workload.pod.network = self.network_membership(name, service, options);
        let profile = options.settings.device_profile(
            name,
            options
                .device_plugin
                .unwrap_or(crate::extension::DeviceProfile::Generic),
        );
        workload.pod.containers[0].devices = self.devices(name, service, profile);
        self.gpus(name, service, &mut workload.pod.containers[0]);
        workload.pod.supplemental_groups = self.groups(name, service, &options.settings);
        workload
    }

    /// Top-level `models`, which are unsupported; networks are lowered once the pods are.
    fn project_keys(&mut self, project: &model::Project) {
        for name in project.models.keys() {
            self.warn(
                Code::UnsupportedKey,
                &["models", name],
                format!("model `{name}` is left out: model runners have no Kubernetes equivalent"),
                "model defined here",
            );
        }
    }

    /// Reports every key of a service that the table marks approximated or unsupported, and
    /// every key the table does not know.
    fn service_keys(&mut self, name: &str, service: &model::ServiceConfig) {
        let paths = keys::reported(service, &|path| match support::service_key(path) {
            Some(row) if row.k3s == Disposition::Lowered => Step::Skip,
            None if support::has_children(path) => Step::Descend,
            _ => Step::Report,
        });
        let mut found: Vec<Diagnostic> = paths
            .iter()
            .map(|path| self.key_diagnostic(name, path))
            .collect();
        // The walk sees keys in the model's order; report them in the order of the file.
        found.sort_by_key(|d: &Diagnostic| d.primary_span().map(|s| (s.file, s.start)));
        for diagnostic in found {
            self.diagnostics.push(diagnostic);
        }
    }

    fn key_diagnostic(&self, service: &str, path: &str) -> Diagnostic {
        let (code, message, label) = match support::service_key(path) {
            Some(row) if row.k3s == Disposition::Approximated => (
                Code::ApproximatedKey,
                format!(
                    "`{path}` of service `{service}` is approximated: {}",
                    row.note
                ),
                "approximated",
            ),
            Some(row) => (
                Code::UnsupportedKey,
                format!("`{path}` of service `{service}` is left out: {}", row.note),
                "not supported on k3s",
            ),
            None => (
                Code::UnsupportedKey,
                format!("`{path}` of service `{service}` is left out: stackc does not lower it"),
                "not supported on k3s",
            ),
        };
        let mut span_path = vec!["services", service];
        span_path.extend(path.split('.'));
        let span = self.span(&span_path);
        Diagnostic::warning(code, message).with_label(span, label)
    }

    fn service(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
        options: &Options,
    ) -> Workload {
        let k8s_name = dns_label(name);
        let container = self.container(project, name, &k8s_name, service, options);
        let mut annotations = IndexMap::new();
        let deploy_labels = service.deploy.as_ref().map(|d| &d.labels);
        for (key, entries) in [
            (&["labels"][..], Some(&service.labels)),
            (&["annotations"], Some(&service.annotations)),
            (&["deploy", "labels"], deploy_labels),
        ] {
            let entries = entries.into_iter().flatten();
            self.annotations(("services", name), key, entries, &mut annotations);
        }
        let mut dns_aliases = Vec::new();
        if !service.container_name.is_empty() {
            dns_aliases.push(service.container_name.clone());
        }
        for (network, config) in &service.networks {
            let Some(config) = config else { continue };
            dns_aliases.extend(config.aliases.iter().cloned());
            self.network_options(name, network, config);
        }
        let kind = self.kind(name, service);
        let rollout = self.rollout(name, service, &kind);
        Workload {
            kind,
            name: k8s_name,
            annotations,
            dns_aliases,
            pod: Pod {
                containers: vec![container],
                ..self.pod(project, name, service)
            },
            depends_on: Vec::new(),
            joins: None,
            named: false,
            dns_round_robin: self.dns_round_robin(name, service),
            rollout,
            provenance: self.provenance(options, &["services", name]),
        }
    }

    /// Compose labels (or annotations) at `key` of `owner` (`("services", "web")`) as
    /// annotations; a name Kubernetes does not accept is reported.
    fn annotations<'e>(
        &mut self,
        (section, owner): (&str, &str),
        key: &[&str],
        entries: impl IntoIterator<Item = (&'e String, &'e String)>,
        out: &mut IndexMap<String, String>,
    ) {
        for (k, v) in entries {
            if is_qualified_name(k) {
                out.insert(k.clone(), v.clone());
            } else {
                let mut path = vec![section, owner];
                path.extend_from_slice(key);
                path.push(k);
                let kind = section.trim_end_matches('s');
                self.warn(
                    Code::UnloweredValue,
                    &path,
                    format!(
                        "`{k}` of {kind} `{owner}` is left out: Kubernetes annotation names are at most 63 characters of letters, digits, `-`, `_` and `.`, after an optional `prefix/`"
                    ),
                    "not a valid annotation name",
                );
            }
        }
    }

    /// Per-network settings other than `aliases` (addresses, priorities, driver options) have no
    /// meaning on the cluster network.
    fn network_options(&mut self, name: &str, network: &str, config: &model::ServiceNetworkConfig) {
        let Ok(Value::Object(options)) = serde_json::to_value(config) else {
            return;
        };
        for (key, value) in &options {
            if key == "aliases" || is_empty(value) {
                continue;
            }
            self.warn(
                Code::UnsupportedKey,
                &["services", name, "networks", network, key],
                format!(
                    "`networks.{network}.{key}` of service `{name}` is left out: the cluster network assigns addresses and routes"
                ),
                "not supported on k3s",
            );
        }
    }

    /// Pod-level settings of a service; the containers are filled in by the caller.
    fn pod(&mut self, project: &model::Project, name: &str, service: &model::ServiceConfig) -> Pod {
        let templated = templates::templates(&service.hostname).next().is_some();
        let mut pod = Pod {
            hostname: self.hostname(name, &service.hostname),
            subdomain: subdomain(&service.hostname).filter(|_| !templated),
            runtime_class: runtime_class(&service.runtime),
            ..Pod::default()
        };
        for (host, addresses) in &service.extra_hosts {
            for address in addresses {
                if address == "host-gateway" {
                    let span = self.extra_host_span(name, host);
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::HostGateway,
                            format!(
                                "`{host}=host-gateway` of service `{name}` is left out: Kubernetes host aliases need an IP address"
                            ),
                        )
                        .with_label(span, "`host-gateway` cannot be resolved")
                        .with_help("write the node's IP address instead"),
                    );
                    continue;
                }
                let address = address.trim_start_matches('[').trim_end_matches(']');
                let names = pod.host_aliases.entry(address.to_owned()).or_default();
                if !names.contains(host) {
                    names.push(host.clone());
                }
            }
        }
        pod.dns = Dns {
            nameservers: service.dns.clone(),
            searches: service
                .dns_search
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect(),
            options: service
                .dns_opt
                .iter()
                .map(|o| match o.split_once(':') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (o.clone(), None),
                })
                .collect(),
        };
        self.sysctls(name, service, &mut pod.sysctls);
        if let Some(grace) = service.stop_grace_period {
            pod.termination_grace_period_seconds =
                Some(self.seconds(grace, &["services", name, "stop_grace_period"], 0));
        }
        if !service.platform.is_empty() {
            self.platform(name, &service.platform, &mut pod.node_selector);
        }
        if let Some(deploy) = &service.deploy {
            pod.placement = self.placement(name, &deploy.placement);
        }
        // `none` is for `network_membership`, which keeps it with NetworkPolicies.
        let network_mode = service.network_mode();
        pod.host_network =
            network_mode != "none" && self.namespace_mode(name, "network_mode", network_mode);
        pod.host_ipc = self.namespace_mode(name, "ipc", &service.ipc);
        pod.host_users = self.user_namespace(name, &service.userns_mode);
        pod.pid = self.pid_namespace(project, name, service);
        pod
    }

    /// `pid: host` is the node's; `pid: service:X` (or `container:NAME` of X's container) joins the
    /// pod of X and shares its namespace; `init: true` shares the pod's, whose pause process reaps
    /// orphans as compose's init does.
    fn pid_namespace(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
    ) -> PidNamespace {
        let init = service.init == Some(true);
        if self.namespace_mode(name, "pid", &service.pid) {
            if init {
                self.warn(
                    Code::ApproximatedKey,
                    &["services", name, "init"],
                    format!(
                        "`init: true` of service `{name}` is not kept: with `pid: host` its processes are the node's, and nothing in the pod reaps them"
                    ),
                    "no init with hostPID",
                );
            }
            PidNamespace::Host
        } else if init || project.namespace_owner(&service.pid).is_some() {
            PidNamespace::Pod
        } else {
            PidNamespace::PerContainer
        }
    }

    /// `deploy.update_config`: Swarm replaces `parallelism` tasks at a time (1 by default,
    /// every task for 0), stopping the old ones first unless `order: start-first`. A Job is
    /// never rolled.
    fn rollout(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        kind: &WorkloadKind,
    ) -> Option<Rollout> {
        let update = service.deploy.as_ref()?.update_config.as_ref()?;
        if matches!(kind, WorkloadKind::Job { .. }) {
            self.warn(
                Code::ApproximatedKey,
                &["services", name, "deploy", "update_config"],
                format!(
                    "`deploy.update_config` of service `{name}` is left out: a one-shot service becomes a Job, which is never rolled"
                ),
                "not rolled",
            );
            return None;
        }
        let step = match update.parallelism {
            Some(0) => RolloutStep::All,
            Some(n) => RolloutStep::Pods(u32::try_from(n).unwrap_or(u32::MAX)),
            None => RolloutStep::Pods(1),
        };
        let none = RolloutStep::Pods(0);
        Some(if update.order == "start-first" {
            Rollout {
                max_surge: step,
                max_unavailable: none,
            }
        } else {
            Rollout {
                max_surge: none,
                max_unavailable: step,
            }
        })
    }

    /// `deploy.endpoint_mode`: `vip` (the default) or `dnsrr`.
    fn dns_round_robin(&mut self, name: &str, service: &model::ServiceConfig) -> bool {
        let mode = service
            .deploy
            .as_ref()
            .map_or("", |d| d.endpoint_mode.as_str());
        match mode {
            "" | "vip" => false,
            "dnsrr" => true,
            other => {
                self.warn(
                    Code::UnloweredValue,
                    &["services", name, "deploy", "endpoint_mode"],
                    format!(
                        "`endpoint_mode: {other}` of service `{name}` is left out: it is neither `vip` nor `dnsrr`, so its Services get a virtual address"
                    ),
                    "unknown endpoint mode",
                );
                false
            }
        }
    }

    /// Node labels for `platform: os/arch[/variant]`. Only the values Kubernetes nodes report
    /// are used: a selector nothing matches would keep the pod pending forever.
    fn platform(&mut self, name: &str, platform: &str, out: &mut IndexMap<String, String>) {
        let mut parts = platform.split('/');
        let os = placement::operating_system(parts.next().unwrap_or_default());
        // No architecture is any; an unknown one is no platform a node reports.
        let arch = parts
            .next()
            .map_or(Some(None), |a| placement::architecture(a).map(Some));
        let (Some(os), Some(arch)) = (os, arch) else {
            self.warn(
                Code::ApproximatedKey,
                &["services", name, "platform"],
                format!(
                    "`platform: {platform}` of service `{name}` is left out: Kubernetes nodes report no such platform, so the scheduler chooses the node"
                ),
                "unknown platform",
            );
            return;
        };
        out.insert(placement::OS.to_owned(), os.to_owned());
        if let Some(arch) = arch {
            out.insert("kubernetes.io/arch".to_owned(), arch.to_owned());
        }
    }

    /// The pod hostname: a DNS label. A dotted name keeps its first label, as the short name the
    /// container sees; one of two labels keeps the second as the pod's subdomain, which the
    /// `subdomains` pass reports if it cannot be made.
    fn hostname(&mut self, name: &str, hostname: &str) -> Option<String> {
        if let Some((template, _)) = templates::templates(hostname).next() {
            self.warn(
                Code::SwarmTemplate,
                &["services", name, "hostname"],
                format!(
                    "`hostname: {hostname}` of service `{name}` is left out: `{template}` is a swarm template, which only `docker stack deploy` expands; each pod's hostname is its own name"
                ),
                "swarm template",
            );
            return None;
        }
        if hostname.is_empty() || is_dns_label(hostname) {
            return (!hostname.is_empty()).then(|| hostname.to_owned());
        }
        if let Some(subdomain) = subdomain(hostname) {
            return Some(subdomain.hostname);
        }
        let first = dns_label(hostname.split('.').next().unwrap_or_default());
        self.warn(
            Code::UnloweredValue,
            &["services", name, "hostname"],
            format!(
                "`hostname: {hostname}` of service `{name}` becomes `{first}`: a pod hostname is a single lowercase DNS label"
            ),
            "not a DNS label",
        );
        Some(first)
    }

    /// `host` shares the node's namespace; `service:X` is lowered by [`Self::joins`].
    fn namespace_mode(&mut self, name: &str, key: &str, mode: &str) -> bool {
        match mode {
            "host" => true,
            "" | "bridge" | "default" | "private" | "shareable" => false,
            m if m.starts_with("service:") || m.starts_with("container:") => false,
            other => {
                self.warn(
                    Code::UnsupportedKey,
                    &["services", name, key],
                    format!(
                        "`{key}: {other}` of service `{name}` is left out: the pod gets its own namespace"
                    ),
                    "not supported on k3s",
                );
                false
            }
        }
    }

    /// `userns_mode: host` is what every pod gets unless told otherwise; Docker's other modes
    /// (and Podman's `keep-id`, `auto`) have no pod field.
    fn user_namespace(&mut self, name: &str, mode: &str) -> bool {
        match mode {
            "" => false,
            "host" => true,
            other => {
                self.warn(
                    Code::UnsupportedKey,
                    &["services", name, "userns_mode"],
                    format!(
                        "`userns_mode: {other}` of service `{name}` is left out: the pod runs in the node's user namespace, as Kubernetes pods do by default"
                    ),
                    "not supported on k3s",
                );
                false
            }
        }
    }

    fn sysctls(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        out: &mut IndexMap<String, String>,
    ) {
        /// Sysctls the kubelet allows without `--allowed-unsafe-sysctls` (Kubernetes 1.33).
        const SAFE: &[&str] = &[
            "kernel.shm_rmid_forced",
            "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies",
            "net.ipv4.ping_group_range",
            "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.ip_local_reserved_ports",
            "net.ipv4.tcp_keepalive_time",
            "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl",
            "net.ipv4.tcp_keepalive_probes",
        ];
        let host_network = service.network_mode() == "host";
        for (key, value) in &service.sysctls {
            // A namespaced sysctl would change the node's own namespace: the kubelet refuses the
            // pod, as Docker refuses the container.
            let ipc = key.starts_with("kernel.shm")
                || key.starts_with("kernel.msg")
                || key == "kernel.sem"
                || key.starts_with("fs.mqueue.");
            let host = if key.starts_with("net.") && host_network {
                Some("network_mode")
            } else if ipc && service.ipc == "host" {
                Some("ipc")
            } else {
                None
            };
            if let Some(mode) = host {
                self.warn(
                    Code::UnloweredValue,
                    &["services", name, "sysctls", key],
                    format!(
                        "sysctl `{key}` of service `{name}` is left out: with `{mode}: host` it would set the node's own, which the kubelet refuses, as Docker does"
                    ),
                    "the node's namespace",
                );
                continue;
            }
            if !SAFE.contains(&key.as_str()) {
                self.warn_help(
                    Code::UnsafeSysctl,
                    &["services", name, "sysctls", key],
                    format!("sysctl `{key}` of service `{name}` needs the kubelet's allow-list"),
                    "unsafe sysctl",
                    &format!("start K3s with `--kubelet-arg=allowed-unsafe-sysctls={key}`"),
                );
            }
            out.insert(key.clone(), value.clone());
        }
    }

    /// Whole seconds, at least `min`, rounded up with a warning when the duration is not whole.
    fn seconds(&mut self, duration: model::Duration, path: &[&str], min: i64) -> i64 {
        const NANOS: i64 = 1_000_000_000;
        let nanos = duration.0.max(0);
        let seconds = ((nanos + NANOS - 1) / NANOS).max(min);
        if nanos % NANOS != 0 || nanos / NANOS < min {
            self.warn(
                Code::DurationRounded,
                path,
                format!("{}: {duration} is rounded up to {seconds}s", describe(path)),
                "not a whole number of seconds",
            );
        }
        seconds
    }
}

/// "`healthcheck.interval` of service `web`" for the key path `services.web.healthcheck.interval`.
fn describe(path: &[&str]) -> String {
    match path {
        ["services", service, key @ ..] => format!("`{}` of service `{service}`", key.join(".")),
        _ => format!("`{}`", path.join(".")),
    }
}

/// The RuntimeClass for a Docker runtime name: `runc` is the default, and containerd shim names
/// (`io.containerd.wasmedge.v1`) become the handler name K3s registers (`wasmedge`).
fn runtime_class(runtime: &str) -> Option<String> {
    if runtime.is_empty() || runtime == "runc" {
        return None;
    }
    let shim = runtime
        .strip_prefix("io.containerd.")
        .and_then(|rest| rest.split_once('.'))
        .map(|(handler, _)| handler);
    Some(shim.unwrap_or(runtime).to_owned())
}

/// Values the walk skips: absent, `null`, or empty.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

#[cfg(test)]
mod tests;
