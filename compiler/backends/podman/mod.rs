//! The `podman` target: one YAML stream for `podman kube play` (Podman 5), and optionally a
//! Quadlet `.kube` unit that runs it under systemd.
//!
//! Each compose service becomes a `kind: Pod` named after the service: on the network of one
//! `kube play`, podman resolves a pod by its own name only (a Deployment `api` would be reachable
//! as `api-pod`), so this keeps compose's service-name DNS. The stream holds ConfigMaps, Secrets
//! and `PersistentVolumeClaim`s first, then the pods in `depends_on` order, because podman starts
//! the pods of a file one after the other in file order. Services are not written: podman ignores
//! them, and published ports become `hostPort`s. What Podman 5 cannot express is reported by
//! [`check`] with the compose key's location.

mod compose;
mod devices;
mod pod;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use indexmap::{IndexMap, IndexSet};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;

pub use compose::{Extras, HostIpPort};

use super::yaml::{self, YamlError};
use super::{Files, annotate};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::{dns_label, label_value, same_dns_name};
use crate::ir::{self, Locate};
use crate::model;
use crate::passes::devices::NVIDIA_RUNTIME;
use crate::source::Span;

/// Choices of the user that shape the podman output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Also write a Quadlet `.kube` unit next to the YAML.
    pub quadlet: bool,
}

/// A project ready to emit for podman: the IR, what it does not carry yet, and the pod order.
#[derive(Debug, Clone)]
pub struct Stack {
    pub ir: ir::Project,
    pub extras: Extras,
    /// Compose service names, dependencies first.
    pub order: Vec<String>,
}

/// One document of the stream.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Object {
    ConfigMap(core::ConfigMap),
    Secret(core::Secret),
    PersistentVolumeClaim(Box<core::PersistentVolumeClaim>),
    Pod(Box<core::Pod>),
}

/// Makes the [`Stack`] for a lowered project. Lowering's warnings about keys the podman target
/// handles itself, or about K3s behaviour podman does not share (port addresses, the Job retry
/// limit), are dropped; the podman target's own diagnostics are added instead.
pub fn prepare(
    mut project: ir::Project,
    compose: &model::Project,
    lowering: Diagnostics,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Stack {
    let extras = compose::complete(&project, compose);
    // Podman keeps the limits that lowering reported as a node setting.
    let kept_ulimits: Vec<_> = extras
        .ulimits
        .keys()
        .filter_map(|name| locations.span(&["services", name, "ulimits"]))
        .collect();
    for d in lowering {
        // Host addresses of published ports are kept by the podman target (`hostIP`).
        // Device plugins, GPU counts, init-container waits and Services are K3s matters; podman
        // passes devices and GPUs its own way, orders pods instead of waiting, and resolves a
        // pod's name on every port.
        let k3s_only = matches!(
            d.code,
            Code::DevicePath
                | Code::InferredPort
                | Code::HeadlessService
                | Code::DependencyNotAwaited
                | Code::DependencyHealth
                | Code::DependencyNotJob
                | Code::GpuCount
                | Code::WindowsContainer
        );
        let handled = k3s_only
            || matches!(
                d.code,
                Code::PortNotPublished | Code::PortAddress | Code::SharedVolume
            )
            || (d.code == Code::UnsupportedKey
                && d.primary_span().is_some_and(|s| kept_ulimits.contains(&s)));
        if !handled {
            diagnostics.push(d);
        }
    }
    crate::passes::renamed::run_for_podman(&mut project, locations, diagnostics);
    devices::run(&mut project, locations, diagnostics);
    let order = order(&project, locations, diagnostics);
    Stack {
        ir: project,
        extras,
        order,
    }
}

/// Compose services with dependencies first; among services that are ready, compose order.
/// A cycle is an error that lists it; its services keep compose order.
fn order(
    project: &ir::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Vec<String> {
    let deps = |name: &str| -> Vec<&str> {
        project
            .workloads
            .get(name)
            .map(|w| w.depends_on.iter().map(|d| d.service.as_str()).collect())
            .unwrap_or_default()
    };
    // Kahn's algorithm with the ready services in a min-heap of compose positions: the same order
    // as "take the first ready service in compose order" without rescanning every service at
    // each step.
    let names: Vec<&str> = project.workloads.keys().map(String::as_str).collect();
    let mut waiting: Vec<usize> = vec![0; names.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    for (i, name) in names.iter().enumerate() {
        for dependency in deps(name) {
            if let Some(d) = project.workloads.get_index_of(dependency) {
                waiting[i] += 1;
                dependents[d].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..names.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut done: IndexSet<&str> = IndexSet::new();
    while done.len() < names.len() {
        if let Some(Reverse(i)) = ready.pop() {
            if !done.contains(names[i]) {
                finish(i, &names, &dependents, &mut waiting, &mut done, &mut ready);
            }
            continue;
        }
        // Every service left waits on another one left: follow first edges to a cycle.
        let left = |name: &str| !done.contains(name) && project.workloads.contains_key(name);
        let start = project
            .workloads
            .keys()
            .find(|n| left(n))
            .map_or("", String::as_str);
        let mut path: Vec<&str> = vec![start];
        let mut next = start;
        loop {
            next = deps(next).into_iter().find(|d| left(d)).unwrap_or(start);
            if let Some(at) = path.iter().position(|n| *n == next) {
                path.drain(..at);
                break;
            }
            path.push(next);
        }
        let mut cycle = path.join(" → ");
        cycle.push_str(" → ");
        cycle.push_str(path[0]);
        let mut diagnostic = Diagnostic::error(
            Code::PodmanDependencyCycle,
            format!("services depend on each other in a cycle: {cycle}"),
        );
        for (i, from) in path.iter().enumerate() {
            let to = path[(i + 1) % path.len()];
            diagnostic = diagnostic.with_label(
                locations.span(&["services", from, "depends_on", to]),
                format!("`{from}` depends on `{to}`"),
            );
        }
        diagnostics.push(diagnostic.with_help("remove one of these `depends_on` entries"));
        for name in path {
            if let Some(i) = project.workloads.get_index_of(name) {
                finish(i, &names, &dependents, &mut waiting, &mut done, &mut ready);
            }
        }
    }
    done.into_iter().map(str::to_owned).collect()
}

/// Marks service `i` of `names` done and queues the services that waited only on it.
fn finish<'a>(
    i: usize,
    names: &[&'a str],
    dependents: &[Vec<usize>],
    waiting: &mut [usize],
    done: &mut IndexSet<&'a str>,
    ready: &mut BinaryHeap<Reverse<usize>>,
) {
    done.insert(names[i]);
    for &j in &dependents[i] {
        waiting[j] -= 1;
        if waiting[j] == 0 && !done.contains(names[j]) {
            ready.push(Reverse(j));
        }
    }
}

/// Reports what Podman 5 does not do the way compose does.
pub fn check(stack: &Stack, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut cx = Checker {
        locations,
        workloads: &stack.ir.workloads,
        diagnostics,
    };
    let mut host_ports: IndexMap<(u16, ir::Protocol), &str> = IndexMap::new();
    for (name, workload) in &stack.ir.workloads {
        cx.workload(name, workload);
        for container in &workload.pod.containers {
            // A service that joined this pod is reported under its own name and keys.
            cx.container(&container.service, container, &mut host_ports);
        }
    }
}

/// Where [`check`] reports.
struct Checker<'a, L> {
    locations: &'a L,
    /// Every workload, by compose name: another service's link can name this one.
    workloads: &'a IndexMap<String, ir::Workload>,
    diagnostics: &'a mut Diagnostics,
}

impl<L: Locate> Checker<'_, L> {
    fn warn(&mut self, code: Code, path: &[&str], message: String, label: &str) {
        let span = self.locations.span(path);
        self.warn_at(code, span, message, label);
    }

    fn warn_at(&mut self, code: Code, span: Option<Span>, message: String, label: &str) {
        self.diagnostics
            .push(Diagnostic::warning(code, message).with_label(span, label));
    }

    /// What podman does not keep of the pod's volumes: `fsGroup` and tmpfs sizes.
    fn storage(&mut self, name: &str, pod: &ir::Pod) {
        if pod.fs_group.is_some() {
            self.warn(
                Code::PodmanFileMode,
                &["services", name],
                format!(
                    "the `gid` of the secrets and configs of service `{name}` is not kept: podman has no `fsGroup` and mounts them as root"
                ),
                "group not kept",
            );
        }
        if pod.volumes.iter().any(|v| {
            matches!(
                v.source,
                ir::VolumeSource::EmptyDir {
                    in_memory: true,
                    size_limit: Some(_)
                }
            )
        }) {
            self.warn(
                Code::PodmanTmpfs,
                &["services", name],
                format!(
                    "the tmpfs size of service `{name}` is not kept: podman mounts a tmpfs of the default size"
                ),
                "size not kept",
            );
        }
    }

    /// The names other services reach `name` by that podman does not keep.
    fn names(&mut self, name: &str, workload: &ir::Workload) {
        let aliases = workload.dns_aliases.iter();
        for alias in aliases.filter(|a| !same_dns_name(a, &workload.name)) {
            let span =
                crate::passes::names::alias_span(self.locations, self.workloads, name, alias)
                    .or_else(|| self.locations.span(&["services", name]));
            self.warn_at(
                Code::PodmanDnsAlias,
                span,
                format!(
                    "`{alias}` does not resolve to service `{name}` under podman; other services reach it as `{}`",
                    workload.name
                ),
                "alias not kept",
            );
        }
        // A name of two labels resolves on k3s through the pod's subdomain, which podman has
        // no field for; the pod takes it from its `hostname` if it has one, and otherwise from
        // its names, of which the aliases are reported above.
        let Some(place) = &workload.pod.subdomain else {
            return;
        };
        if workload.pod.hostname.is_some() {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "hostname"],
                format!(
                    "`hostname: {}.{}` of service `{name}` becomes `{}` under podman, which keeps no pod subdomain",
                    place.hostname, place.name, place.hostname
                ),
                "subdomain not kept",
            );
        } else if place.answers(name) {
            self.warn(
                Code::PodmanDnsAlias,
                &["services", name],
                format!(
                    "service `{name}` does not resolve by that name under podman, which keeps no pod subdomain; other services reach it as `{}`",
                    workload.name
                ),
                "name not kept",
            );
        }
    }

    fn workload(&mut self, name: &str, workload: &ir::Workload) {
        let copies = match workload.kind {
            ir::WorkloadKind::Deployment { replicas } => replicas,
            ir::WorkloadKind::Job { completions, .. } => completions,
            ir::WorkloadKind::DaemonSet => 1,
        };
        if copies > 1 {
            self.warn(
                Code::PodmanReplicas,
                &["services", name, "deploy", "replicas"],
                format!("service `{name}` asks for {copies} replicas; podman runs one pod"),
                "one pod under podman",
            );
        }
        if let ir::WorkloadKind::Job {
            backoff_limit: Some(limit),
            restart_on_failure: true,
            ..
        } = workload.kind
        {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "restart"],
                format!(
                    "the retry limit {limit} of service `{name}` is not kept: podman restarts a failed container of an `OnFailure` pod without a limit"
                ),
                "retry limit not kept",
            );
        }
        if workload.rollout.is_some() {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "deploy", "update_config"],
                format!(
                    "`deploy.update_config` of service `{name}` is left out: podman kube play replaces a pod whole, without a rolling update"
                ),
                "not supported on podman",
            );
        }
        let pod = &workload.pod;
        self.storage(name, pod);
        // The devices pass gives a pod with GPUs the NVIDIA runtime class, which K3s needs;
        // podman reaches the GPUs through CDI names instead, so only another runtime is lost.
        let gpus_by_cdi = pod.runtime_class.as_deref() == Some(NVIDIA_RUNTIME)
            && pod.containers.iter().any(|c| c.gpus.is_some());
        if pod.runtime_class.is_some() && !gpus_by_cdi {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "runtime"],
                format!(
                    "`runtime` of service `{name}` is left out: podman kube play has no runtime classes; request GPUs with `gpus:` (CDI) instead"
                ),
                "not supported on podman",
            );
        }
        self.operating_system(name, pod);
        if !pod.placement.is_empty() {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "deploy", "placement"],
                format!(
                    "`deploy.placement` of service `{name}` is left out: podman runs every pod on this host"
                ),
                "not supported on podman",
            );
        }
        self.names(name, workload);
        for dep in &workload.depends_on {
            let waits = match dep.condition {
                ir::Condition::Started => continue,
                ir::Condition::Healthy => "healthy",
                ir::Condition::CompletedSuccessfully => "completed",
            };
            self.warn(
                Code::PodmanDependencyOrder,
                &["services", name, "depends_on", &dep.service],
                format!(
                    "service `{name}` starts after `{}` has started, not after it is {waits}: podman kube play starts pods in file order without waiting",
                    dep.service
                ),
                "start order only",
            );
        }
    }

    /// A Windows container is refused; `platform` is left out.
    fn operating_system(&mut self, name: &str, pod: &ir::Pod) {
        if let Some(path) = pod.windows_mount_path() {
            let span = self.locations.span(&["services", name, "volumes"]);
            self.diagnostics.push(
                Diagnostic::error(
                    Code::PodmanWindowsContainer,
                    format!(
                        "service `{name}` mounts `{path}`, a Windows path: it is a Windows container, and podman runs Linux containers only"
                    ),
                )
                .with_label(span, "Windows path")
                .with_help(
                    "build it for a cluster with Windows nodes with `--target k3s` or `--target helm`",
                ),
            );
        } else if !pod.node_selector.is_empty() {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "platform"],
                format!(
                    "`platform` of service `{name}` is left out: podman runs the image's platform of this host"
                ),
                "not supported on podman",
            );
        }
    }

    fn container<'n>(
        &mut self,
        name: &'n str,
        container: &ir::Container,
        host_ports: &mut IndexMap<(u16, ir::Protocol), &'n str>,
    ) {
        if container.probes.readiness.is_some() {
            self.warn(
                    Code::PodmanReadiness,
                    &["services", name, "healthcheck"],
                    format!(
                        "the healthcheck of service `{name}` becomes a liveness check only: podman drops readiness probes, and runs health checks only where systemd timers do"
                    ),
                    "no readiness under podman",
                );
        }
        if container.tty || container.stdin {
            let key = if container.tty { "tty" } else { "stdin_open" };
            self.warn(
                    Code::PodmanIgnoredField,
                    &["services", name, key],
                    format!(
                        "`{key}` of service `{name}` is left out: podman kube play does not attach a terminal"
                    ),
                    "not supported on podman",
                );
        }
        for (key, hooks) in [
            ("post_start", &container.post_start),
            ("pre_stop", &container.pre_stop),
        ] {
            if !hooks.is_empty() {
                self.warn(
                        Code::PodmanIgnoredField,
                        &["services", name, key],
                        format!(
                            "`{key}` of service `{name}` is left out: podman kube play does not run lifecycle hooks"
                        ),
                        "not supported on podman",
                    );
            }
        }
        if container
            .volume_mounts
            .iter()
            .any(|m| m.propagation.is_some())
        {
            self.warn(
                Code::PodmanIgnoredField,
                &["services", name, "volumes"],
                format!(
                    "the mount propagation of the bind mounts of service `{name}` is left out: podman kube play does not read `mountPropagation`"
                ),
                "not supported on podman",
            );
        }
        self.unreadable_text(name, container);
        for port in &container.ports {
            let Some(host) = port.published else {
                continue;
            };
            let first = *host_ports.entry((host, port.protocol)).or_insert(name);
            if first != name {
                self.warn(
                        Code::PodmanPortTwice,
                        &["services", name, "ports"],
                        format!(
                            "services `{first}` and `{name}` both publish {} port {host}; the second pod fails to start",
                            port.protocol.as_str()
                        ),
                        "published again here",
                    );
            }
        }
    }

    /// Texts that Podman 5.4's reading of its YAML input cannot round-trip (see SC2116).
    fn unreadable_text(&mut self, name: &str, container: &ir::Container) {
        for (key, argv) in [
            ("entrypoint", &container.command),
            ("command", &container.args),
        ] {
            if argv
                .iter()
                .flatten()
                .any(|arg| unreadable_under_podman(arg))
            {
                self.warn(
                    Code::PodmanUnreadableText,
                    &["services", name, key],
                    format!(
                        "`{key}` of service `{name}` has an argument of several lines that starts with a space, a tab or a line break, which podman kube play cannot read"
                    ),
                    "unreadable under podman",
                );
            }
        }
        for (variable, value) in &container.env {
            if unreadable_under_podman(value) {
                self.warn(
                    Code::PodmanUnreadableText,
                    &["services", name, "environment", variable],
                    format!(
                        "the value of `{variable}` in service `{name}` has several lines and starts with a space, a tab or a line break, which podman kube play cannot read"
                    ),
                    "unreadable under podman",
                );
            }
        }
    }
}

/// What one document is made from, in the order `podman kube play` should create them.
/// Listing the parts costs nothing, so [`stream`] can share the building among threads.
#[derive(Clone, Copy)]
enum Part<'a> {
    ConfigMap(&'a ir::ConfigMap),
    Secret(&'a ir::Secret),
    Claim(&'a ir::StorageClaim),
    Pod(&'a str),
}

fn parts(stack: &Stack) -> impl Iterator<Item = Part<'_>> {
    let project = &stack.ir;
    project
        .config_maps
        .values()
        .map(Part::ConfigMap)
        .chain(project.secrets.values().map(Part::Secret))
        .chain(project.claims.values().map(Part::Claim))
        .chain(stack.order.iter().map(|name| Part::Pod(name)))
}

impl Part<'_> {
    fn build(self, stack: &Stack) -> Option<Object> {
        let project = &stack.ir;
        let meta = |name: &str, provenance: Option<&String>| {
            let mut metadata = ObjectMeta {
                name: Some(name.to_owned()),
                labels: Some(labels(&project.name, name)),
                ..ObjectMeta::default()
            };
            annotate(&mut metadata, provenance);
            metadata
        };
        match self {
            Self::ConfigMap(c) => Some(Object::ConfigMap(core::ConfigMap {
                metadata: meta(&c.name, c.provenance.as_ref()),
                data: Some(c.data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                ..core::ConfigMap::default()
            })),
            Self::Secret(s) => secret_object(project, s),
            Self::Claim(c) => Some(Object::PersistentVolumeClaim(Box::new(
                core::PersistentVolumeClaim {
                    metadata: meta(&c.name, c.provenance.as_ref()),
                    spec: Some(core::PersistentVolumeClaimSpec {
                        access_modes: Some(vec![c.access_mode.as_str().to_owned()]),
                        storage_class_name: c.storage_class.clone(),
                        resources: Some(core::VolumeResourceRequirements {
                            requests: Some(BTreeMap::from([(
                                "storage".to_owned(),
                                Quantity(c.size.quantity()),
                            )])),
                            ..core::VolumeResourceRequirements::default()
                        }),
                        ..core::PersistentVolumeClaimSpec::default()
                    }),
                    ..core::PersistentVolumeClaim::default()
                },
            ))),
            Self::Pod(name) => {
                let workload = project.workloads.get(name)?;
                let mut metadata = meta(&workload.name, workload.provenance.as_ref());
                if !workload.annotations.is_empty() {
                    metadata.annotations.get_or_insert_default().extend(
                        workload
                            .annotations
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone())),
                    );
                }
                if let Some(limits) = stack.extras.ulimits.get(name) {
                    metadata
                        .annotations
                        .get_or_insert_default()
                        .insert("io.podman.annotations.ulimit".to_owned(), limits.clone());
                }
                let ports = stack.extras.host_ip_ports.get(name).map(Vec::as_slice);
                Some(Object::Pod(Box::new(pod::pod(
                    workload,
                    metadata,
                    ports.unwrap_or_default(),
                ))))
            }
        }
    }
}

/// The Secrets whose values lowering read (`--secrets inline`, `stackc secrets`).
fn secret_objects(project: &ir::Project) -> impl Iterator<Item = Object> + '_ {
    project
        .secrets
        .values()
        .filter_map(|s| secret_object(project, s))
}

fn secret_object(project: &ir::Project, secret: &ir::Secret) -> Option<Object> {
    let data = secret.data.as_ref()?;
    let mut metadata = ObjectMeta {
        name: Some(secret.name.clone()),
        labels: Some(labels(&project.name, &secret.name)),
        ..ObjectMeta::default()
    };
    annotate(&mut metadata, secret.provenance.as_ref());
    Some(Object::Secret(core::Secret {
        metadata,
        type_: Some("Opaque".to_owned()),
        data: Some(
            data.iter()
                .map(|(k, v)| (k.clone(), ByteString(v.clone().into_bytes())))
                .collect(),
        ),
        ..core::Secret::default()
    }))
}

/// The `stackc secrets --target podman` stream: the Secrets only, for `podman kube play`.
pub fn secrets(project: &ir::Project) -> Result<String, YamlError> {
    yaml::to_stream(secret_objects(project))
}

fn labels(project: &str, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/name".to_owned(), label_value(name)),
        ("app.kubernetes.io/part-of".to_owned(), label_value(project)),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "stackc".to_owned(),
        ),
    ])
}

/// The `--stdout` form, and the contents of the YAML file.
pub fn stream(stack: &Stack) -> Result<String, YamlError> {
    let parts: Vec<Part> = parts(stack).collect();
    let documents = crate::parallel::map(&parts, |part| {
        part.build(stack)
            .map(|object| yaml::to_string(&object))
            .transpose()
    });
    let mut out = String::new();
    for document in documents {
        if let Some(document) = document? {
            if !out.is_empty() {
                out.push_str("---\n");
            }
            out.push_str(&document);
        }
    }
    Ok(out)
}

/// The `-o DIR` form: `<project>.yaml`, and `<project>.kube` with `--quadlet`.
pub fn files(stack: &Stack, options: Options) -> Result<Files, YamlError> {
    let base = dns_label(&stack.ir.name);
    let yaml_name = format!("{base}.yaml");
    let mut files = Files::default();
    files.insert(yaml_name.clone(), stream(stack)?);
    if options.quadlet {
        files.insert(format!("{base}.kube"), quadlet(&stack.ir.name, &yaml_name));
    }
    Ok(files)
}

/// A Quadlet unit that plays the YAML next to it (`Yaml=` is relative to the unit file).
fn quadlet(project: &str, yaml_name: &str) -> String {
    format!(
        "# Generated by stackc. Install next to {yaml_name} in /etc/containers/systemd/\n\
         # (or ~/.config/containers/systemd/), then `systemctl daemon-reload`.\n\
         [Unit]\n\
         Description=compose project {project} (podman kube play)\n\
         \n\
         [Kube]\n\
         Yaml={yaml_name}\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n"
    )
}

/// Whether podman 5.4 fails to read `text` back. It re-encodes its input with go-yaml v3, which
/// writes a text of several lines as a literal block, with an indentation indicator when it
/// starts with a blank (`|2-`), and Kubernetes' YAML reader refuses such a block (`"\n b"`,
/// `" a\nb"`, a leading tab; `"\n  b"` is read, and reported all the same). go-yaml
/// double-quotes instead, which reads back, a text a literal block cannot hold: one with a
/// space at the end of a line or a control character. A text of line breaks only reads back
/// too.
fn unreadable_under_podman(text: &str) -> bool {
    text.starts_with([' ', '\t', '\n'])
        && text.contains('\n')
        && !text.trim_matches('\n').is_empty()
        && !text.ends_with(' ')
        && !text.contains(" \n")
        && !text
            .chars()
            .any(|c| c.is_control() && c != '\t' && c != '\n')
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use crate::diagnostics::{Code, Diagnostics, Severity};
    use crate::ir::{self, Unlocated};

    fn project(names: &[&str], edges: &[(&str, &str)]) -> ir::Project {
        let workloads = names
            .iter()
            .map(|n| {
                let workload = ir::Workload {
                    name: (*n).to_owned(),
                    kind: ir::WorkloadKind::Deployment { replicas: 1 },
                    annotations: IndexMap::new(),
                    dns_aliases: Vec::new(),
                    pod: ir::Pod::default(),
                    depends_on: edges
                        .iter()
                        .filter(|(from, _)| from == n)
                        .map(|(_, to)| ir::Dependency {
                            service: (*to).to_owned(),
                            condition: ir::Condition::Started,
                            required: true,
                            restart: false,
                            wait: None,
                        })
                        .collect(),
                    joins: None,
                    named: false,
                    dns_round_robin: false,
                    rollout: None,
                    provenance: None,
                };
                ((*n).to_owned(), workload)
            })
            .collect();
        ir::Project {
            name: "p".to_owned(),
            workloads,
            ..ir::Project::default()
        }
    }

    /// The podman target's diagnostics of `project`.
    fn checked(project: ir::Project) -> Diagnostics {
        let stack = super::Stack {
            order: project.workloads.keys().cloned().collect(),
            ir: project,
            extras: super::compose::Extras::default(),
        };
        let mut diagnostics = Diagnostics::new();
        super::check(&stack, &Unlocated, &mut diagnostics);
        diagnostics
    }

    #[test]
    fn names_only_a_pod_subdomain_keeps_are_reported() {
        let mut project = project(&["wazuh.master"], &[]);
        let workload = &mut project.workloads["wazuh.master"];
        workload.name = "wazuh-master".to_owned();
        workload.pod.subdomain = Some(ir::Subdomain {
            hostname: "wazuh".to_owned(),
            name: "master".to_owned(),
        });
        let codes: Vec<Code> = checked(project.clone()).iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::PodmanDnsAlias]);
        project.workloads["wazuh.master"].pod.hostname = Some("wazuh".to_owned());
        let codes: Vec<Code> = checked(project).iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::PodmanIgnoredField]);
    }

    #[test]
    fn an_alias_that_differs_from_the_pod_name_in_case_only_resolves() {
        let mut project = project(&["apiServer"], &[]);
        let workload = &mut project.workloads["apiServer"];
        workload.name = "apiserver".to_owned();
        workload.dns_aliases = vec!["ApiServer".to_owned(), "api_v1".to_owned()];
        let diagnostics = checked(project);
        let reported: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.message.split('`').nth(1).unwrap_or_default()))
            .collect();
        assert_eq!(reported, [(Code::PodmanDnsAlias, "api_v1")]);
    }

    #[test]
    fn texts_podman_cannot_read_back_are_reported() {
        let mut project = project(&["web"], &[]);
        let container = ir::Container {
            args: Some(vec![
                "-c".to_owned(),
                " if true; then\n  echo ok\nfi".to_owned(),
            ]),
            env: [
                ("BANNER", "\n{\"pull\": true}\n"),
                ("SCRIPT", "set -e\nrun"),
                ("INDENTED", "  one line"),
                ("MAKEFILE", "\tmake all\n\tmake install"),
                // Double-quoted by go-yaml, or of line breaks only: these read back.
                ("TRAILING", " mc mb data\nfi "),
                ("SPACED", "\n  set -e \n  run"),
                ("CARRIAGE", "\n  run\r"),
                ("BREAK", "\n"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            service: "web".to_owned(),
            ..ir::Container::default()
        };
        project.workloads["web"].pod.containers.push(container);
        let diagnostics = checked(project);
        let reported: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.message.split('`').nth(1).unwrap_or_default()))
            .collect();
        assert_eq!(
            reported,
            [
                (Code::PodmanUnreadableText, "command"),
                (Code::PodmanUnreadableText, "BANNER"),
                (Code::PodmanUnreadableText, "MAKEFILE"),
            ]
        );
    }

    #[test]
    fn a_windows_container_is_an_error_not_a_left_out_platform() {
        let mut project = project(&["iis", "web"], &[]);
        for (name, path) in [
            ("iis", r"C:\inetpub\wwwroot"),
            ("web", "/usr/share/nginx/html"),
        ] {
            let pod = &mut project.workloads[name].pod;
            pod.node_selector
                .insert("kubernetes.io/os".to_owned(), "windows".to_owned());
            pod.containers.push(ir::Container {
                volume_mounts: vec![ir::VolumeMount {
                    volume: "site".to_owned(),
                    mount_path: path.to_owned(),
                    sub_path: None,
                    read_only: false,
                    propagation: None,
                }],
                ..ir::Container::default()
            });
        }
        let diagnostics = checked(project);
        let reported: Vec<_> = diagnostics
            .iter()
            .map(|d| {
                (
                    d.code,
                    d.severity,
                    d.message.split('`').nth(1).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            reported,
            [
                (Code::PodmanWindowsContainer, Severity::Error, "iis"),
                (Code::PodmanIgnoredField, Severity::Warning, "platform"),
            ]
        );
    }

    #[test]
    fn the_runtime_class_of_gpus_is_not_reported_but_another_runtime_is() {
        let mut project = project(&["ollama", "ui", "wasm"], &[]);
        for (name, runtime, gpus) in [
            ("ollama", "nvidia", true),
            ("ui", "nvidia", false),
            ("wasm", "wasmedge", false),
        ] {
            let pod = &mut project.workloads[name].pod;
            pod.runtime_class = Some(runtime.to_owned());
            pod.containers.push(ir::Container {
                gpus: gpus.then(|| ir::Gpus {
                    count: Some(1),
                    device_ids: Vec::new(),
                }),
                ..ir::Container::default()
            });
        }
        let diagnostics = checked(project);
        let reported: Vec<_> = diagnostics
            .iter()
            .map(|d| (d.code, d.message.split('`').nth(3).unwrap_or_default()))
            .collect();
        assert_eq!(
            reported,
            [
                (Code::PodmanIgnoredField, "ui"),
                (Code::PodmanIgnoredField, "wasm"),
            ]
        );
    }

    #[test]
    fn placement_is_reported_as_one_host_runs_every_pod() {
        let mut project = project(&["web", "db"], &[]);
        project.workloads["web"].pod.placement.one_per_node = true;
        let diagnostics = checked(project);
        let reported: Vec<_> = diagnostics
            .iter()
            .map(|d| {
                (
                    d.code,
                    d.message.contains("`deploy.placement` of service `web`"),
                )
            })
            .collect();
        assert_eq!(reported, [(Code::PodmanIgnoredField, true)]);
    }

    #[test]
    fn dependencies_come_first_and_ties_keep_compose_order() {
        let project = project(
            &["web", "api", "db", "cache"],
            &[("web", "api"), ("api", "db"), ("web", "cache")],
        );
        let mut diagnostics = Diagnostics::new();
        let order = super::order(&project, &Unlocated, &mut diagnostics);
        assert_eq!(order, ["db", "api", "cache", "web"]);
        assert!(diagnostics.is_empty());
    }

    #[test]
    fn a_cycle_is_an_error_that_names_it() {
        let project = project(
            &["a", "b", "c", "d"],
            &[("a", "b"), ("b", "c"), ("c", "b"), ("d", "a")],
        );
        let mut diagnostics = Diagnostics::new();
        let order = super::order(&project, &Unlocated, &mut diagnostics);
        assert_eq!(order.len(), 4, "every service is still written once");
        let errors: Vec<_> = diagnostics.iter().collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].code, Code::PodmanDependencyCycle);
        assert!(
            errors[0].message.ends_with("b → c → b"),
            "{}",
            errors[0].message
        );
    }
}
