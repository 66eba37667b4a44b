//! The `k3s` target: plain Kubernetes manifests built from k8s-openapi objects.
//!
//! [`map_objects`] turns the IR into objects in the canonical kind order (storage and configuration
//! first, then Services, then workloads), which is the order of the `--stdout` stream. [`files`]
//! writes one file per object, `<name>-<kind>.yaml`, plus a `kustomization.yaml` listing them.
//! Secrets are referenced by name only: their values reach the output only when lowering read
//! them (`--secrets inline`, or [`secrets`] for `stackc secrets`).

mod network;
mod placement;
/// Also used by the podman backend: a pod is written the same way for both, bar what podman lacks.
pub(in crate::backends) mod pod;
mod wait;

use std::collections::BTreeMap;

use indexmap::IndexMap;
use k8s_openapi::api::apps::v1::{
    DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy, Deployment, DeploymentSpec,
    DeploymentStrategy, RollingUpdateDaemonSet, RollingUpdateDeployment,
};
use k8s_openapi::api::batch::v1::{Job, JobSpec};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::yaml::{self, YamlError};
use super::{Files, annotate};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::label_value;
use crate::ir::{self, Locate};

/// Choices of the user that shape the manifests.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Stamped on every object when set; otherwise the namespace is chosen at apply time.
    pub namespace: Option<String>,
}

/// One Kubernetes object; serializes as the object itself, with `apiVersion` and `kind`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Object {
    ConfigMap(core::ConfigMap),
    Secret(core::Secret),
    ServiceAccount(core::ServiceAccount),
    Role(Role),
    RoleBinding(RoleBinding),
    PersistentVolumeClaim(core::PersistentVolumeClaim),
    Service(core::Service),
    NetworkPolicy(k8s_openapi::api::networking::v1::NetworkPolicy),
    Deployment(Deployment),
    DaemonSet(DaemonSet),
    Job(Job),
}

impl Object {
    /// The kind, lowercased, as used in file names.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ConfigMap(_) => "configmap",
            Self::Secret(_) => "secret",
            Self::ServiceAccount(_) => "serviceaccount",
            Self::Role(_) => "role",
            Self::RoleBinding(_) => "rolebinding",
            Self::PersistentVolumeClaim(_) => "persistentvolumeclaim",
            Self::Service(_) => "service",
            Self::NetworkPolicy(_) => "networkpolicy",
            Self::Deployment(_) => "deployment",
            Self::DaemonSet(_) => "daemonset",
            Self::Job(_) => "job",
        }
    }

    #[must_use]
    pub fn name(&self) -> &str {
        let meta = match self {
            Self::ConfigMap(o) => &o.metadata,
            Self::Secret(o) => &o.metadata,
            Self::ServiceAccount(o) => &o.metadata,
            Self::Role(o) => &o.metadata,
            Self::RoleBinding(o) => &o.metadata,
            Self::PersistentVolumeClaim(o) => &o.metadata,
            Self::Service(o) => &o.metadata,
            Self::NetworkPolicy(o) => &o.metadata,
            Self::Deployment(o) => &o.metadata,
            Self::DaemonSet(o) => &o.metadata,
            Self::Job(o) => &o.metadata,
        };
        meta.name.as_deref().unwrap_or_default()
    }

    /// The file this object is written to with `-o DIR`.
    #[must_use]
    pub fn file_name(&self) -> String {
        crate::text::joined(&[self.name(), "-", self.kind(), ".yaml"])
    }
}

/// `f` applied to every object of the project, in the canonical order of the `--stdout` stream.
/// The objects are built and passed to `f` on several threads, since building and writing them
/// is most of a backend's work; each is dropped once `f` has seen it, as a pod spec is
/// kilobytes of mostly empty fields.
pub(in crate::backends) fn map_objects<R: Send>(
    project: &ir::Project,
    options: &Options,
    f: impl Fn(&Object) -> R + Sync,
) -> Vec<R> {
    let meta = Meta { project, options };
    let parts: Vec<Part> = parts(project).collect();
    crate::parallel::map(&parts, |part| {
        part.build(&meta).iter().map(&f).collect::<Vec<R>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// What one step of [`map_objects`] builds: an object, or the three RBAC objects of a workload.
/// Listing the parts costs nothing, so that the building can be shared among threads.
#[derive(Clone, Copy)]
enum Part<'a> {
    PluginConfig(&'a ir::DevicePlugin),
    ConfigMap(&'a ir::ConfigMap),
    Secret(&'a ir::Secret),
    Rbac(&'a ir::Workload),
    Claim(&'a ir::StorageClaim),
    Service(&'a ir::Service),
    NetworkPolicy(&'a ir::NetworkPolicy),
    PluginDaemonSet(&'a ir::DevicePlugin),
    Workload(&'a ir::Workload),
}

/// The parts of the project, in the order of its objects.
fn parts(project: &ir::Project) -> impl Iterator<Item = Part<'_>> {
    let plugin = project.device_plugin.as_ref();
    plugin
        .map(Part::PluginConfig)
        .into_iter()
        .chain(project.config_maps.values().map(Part::ConfigMap))
        .chain(
            project
                .secrets
                .values()
                .filter(|s| s.data.is_some())
                .map(Part::Secret),
        )
        .chain(project.workloads.values().map(Part::Rbac))
        .chain(project.claims.values().map(Part::Claim))
        .chain(project.services.values().map(Part::Service))
        .chain(project.network_policies.values().map(Part::NetworkPolicy))
        .chain(plugin.map(Part::PluginDaemonSet))
        .chain(project.workloads.values().map(Part::Workload))
}

impl Part<'_> {
    fn build(self, meta: &Meta<'_>) -> Vec<Object> {
        match self {
            Self::PluginConfig(plugin) => {
                vec![Object::ConfigMap(wait::device_plugin(meta, plugin).0)]
            }
            Self::ConfigMap(config) => vec![Object::ConfigMap(config_map(meta, config))],
            Self::Secret(secret) => secret_object(meta, secret).into_iter().collect(),
            Self::Rbac(workload) => wait::account(workload)
                .map(|name| {
                    let (account, role, binding) = wait::rbac(meta, workload, &name);
                    vec![
                        Object::ServiceAccount(account),
                        Object::Role(role),
                        Object::RoleBinding(binding),
                    ]
                })
                .unwrap_or_default(),
            Self::Claim(c) => vec![Object::PersistentVolumeClaim(claim(meta, c))],
            Self::Service(s) => vec![Object::Service(service(meta, meta.project, s))],
            Self::NetworkPolicy(p) => vec![Object::NetworkPolicy(network::policy(meta, p))],
            Self::PluginDaemonSet(plugin) => {
                vec![Object::DaemonSet(wait::device_plugin(meta, plugin).1)]
            }
            Self::Workload(w) => vec![workload(meta, w)],
        }
    }
}

/// The Secrets whose values lowering read, for `stackc secrets`.
pub fn secrets(project: &ir::Project, options: &Options) -> Result<String, YamlError> {
    let meta = Meta { project, options };
    yaml::to_stream(secret_objects(meta, project))
}

fn secret_objects<'a>(
    meta: Meta<'a>,
    project: &'a ir::Project,
) -> impl Iterator<Item = Object> + 'a {
    project
        .secrets
        .values()
        .filter_map(move |s| secret_object(&meta, s))
}

fn secret_object(meta: &Meta<'_>, secret: &ir::Secret) -> Option<Object> {
    let data = secret.data.as_ref()?;
    let mut metadata = meta.object(&secret.name, &secret.name);
    annotate(&mut metadata, secret.provenance.as_ref());
    Some(Object::Secret(core::Secret {
        metadata,
        type_: Some("Opaque".to_owned()),
        string_data: Some(data.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        ..core::Secret::default()
    }))
}

/// Reports what would fail on a K3s cluster although each object is valid on its own.
pub fn check(project: &ir::Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    published_twice(project, locations, diagnostics);
    many_published_ports(project, locations, diagnostics);
    too_much_data(project, locations, diagnostics);
}

/// The API server refuses a ConfigMap or a Secret whose data is larger than this.
const DATA_LIMIT: usize = 1 << 20;

/// The API server's limit on an object's annotations together.
const ANNOTATIONS_LIMIT: usize = 256 * 1024;

/// Where client-side `kubectl apply` keeps a copy of the object, as JSON.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The project's ConfigMaps, and its Secrets whose values were read: kind, name, the compose
/// key it is made from, and its data.
fn data_objects(
    project: &ir::Project,
) -> impl Iterator<Item = (&'static str, &str, &[String], &IndexMap<String, String>)> {
    let config_maps = project
        .config_maps
        .values()
        .map(|c| ("ConfigMap", c.name.as_str(), c.origin.as_slice(), &c.data));
    let secrets = project.secrets.values().filter_map(|s| {
        let data = s.data.as_ref()?;
        Some(("Secret", s.name.as_str(), s.origin.as_slice(), data))
    });
    config_maps.chain(secrets)
}

fn data_size(data: &IndexMap<String, String>) -> usize {
    data.iter().map(|(k, v)| k.len() + v.len()).sum()
}

fn origin_span(locations: &impl Locate, origin: &[String]) -> Option<crate::source::Span> {
    let path: Vec<&str> = origin.iter().map(String::as_str).collect();
    locations.span(&path)
}

/// A ConfigMap or a Secret of more than 1 MiB: the API server refuses it.
fn too_much_data(project: &ir::Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    for (kind, name, origin, data) in data_objects(project) {
        let size = data_size(data);
        if size <= DATA_LIMIT {
            continue;
        }
        diagnostics.push(
            Diagnostic::error(
                Code::ConfigFileTooLarge,
                format!(
                    "{kind} `{name}` holds {size} bytes, more than the 1 MiB the API server accepts in one {kind}"
                ),
            )
            .with_label(origin_span(locations, origin), format!("too large for a {kind}"))
            .with_help("mount the file from the node with a bind mount instead, or split it into several smaller files"),
        );
    }
}

/// Reports the objects that client-side `kubectl apply` cannot apply: it keeps a copy of each
/// object, as JSON, in an annotation, and the API server refuses annotations of more than
/// 256 KiB together. Only ConfigMaps and Secrets hold data of that size. For a chart (`chart`),
/// the k3s object stands for the rendered one, whose labels differ by a few bytes: `helm
/// install` keeps no such copy, but Argo CD applies a chart's rendered objects client-side.
pub fn check_client_side_apply(
    project: &ir::Project,
    options: &Options,
    chart: bool,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) {
    let meta = Meta { project, options };
    for (kind, name, origin, data) in data_objects(project) {
        let size = data_size(data);
        // JSON escapes a byte into at most six: below this no object can reach the limit.
        if size <= ANNOTATIONS_LIMIT / 6 || size > DATA_LIMIT {
            continue;
        }
        let object = if kind == "Secret" {
            project
                .secrets
                .get(name)
                .and_then(|s| secret_object(&meta, s))
        } else {
            project
                .config_maps
                .get(name)
                .map(|c| Object::ConfigMap(config_map(&meta, c)))
        };
        let Some(applied) = object.as_ref().map(last_applied_size) else {
            continue;
        };
        if applied <= ANNOTATIONS_LIMIT {
            continue;
        }
        let appliers = if chart {
            "Argo CD's default sync applies a chart's rendered objects with client-side `kubectl apply`, which keeps a copy of each object in the annotation"
        } else {
            "client-side `kubectl apply` keeps a copy of each object in the annotation"
        };
        let also = if chart {
            "`helm install` keeps no such copy"
        } else {
            "Argo CD's default sync applies the same way"
        };
        diagnostics.push(
            Diagnostic::warning(
                Code::ClientSideApply,
                format!(
                    "{kind} `{name}` takes {} KiB as JSON: {appliers} `{LAST_APPLIED}`, and the API server refuses annotations of more than 256 KiB, so the apply fails; {also}",
                    applied.div_ceil(1024)
                ),
            )
            .with_label(origin_span(locations, origin), "too large for client-side apply")
            .with_help("apply with `kubectl apply --server-side` (Flux always does), or give the Argo CD application the sync option `ServerSideApply=true`"),
        );
    }
}

/// The annotations' size an object has once client-side `kubectl apply` adds its copy: Go's
/// JSON encoder escapes `<`, `>` and `&` as `\u003c` and ends the copy with a newline, and the
/// object's own annotations count in the copy and again as annotations.
fn last_applied_size(object: &Object) -> usize {
    let json = serde_json::to_vec(object).unwrap_or_default();
    let escaped = json
        .iter()
        .filter(|b| matches!(b, b'<' | b'>' | b'&'))
        .count();
    let meta = match object {
        Object::ConfigMap(o) => &o.metadata,
        Object::Secret(o) => &o.metadata,
        _ => return json.len(),
    };
    let own: usize = meta
        .annotations
        .iter()
        .flatten()
        .map(|(k, v)| k.len() + v.len())
        .sum();
    LAST_APPLIED.len() + json.len() + 5 * escaped + 1 + own
}

/// Published ports past which ServiceLB's pod on every node, one container per port, is reported.
const PUBLISHED_PORTS_REPORTED: usize = 100;

/// The node ports of Kubernetes' default range, 30000-32767, which every Service of a cluster
/// shares.
const NODE_PORTS: usize = 2768;

/// A published range is one LoadBalancer port per number, each a ServiceLB container on every
/// node and a node port of the cluster; reported past [`PUBLISHED_PORTS_REPORTED`] ports, or when
/// the project needs more node ports than the default range holds.
fn many_published_ports(
    project: &ir::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) {
    let balancers = project
        .services
        .values()
        .filter(|s| s.kind == ir::ServiceKind::LoadBalancer);
    let mut node_ports = 0;
    let mut largest: Option<(&ir::Service, usize)> = None;
    for service in balancers {
        // The API server gives a port number's TCP and UDP ports one node port.
        let mut numbers: Vec<u16> = service.ports.iter().map(|p| p.port).collect();
        numbers.sort_unstable();
        numbers.dedup();
        node_ports += numbers.len();
        if largest.is_none_or(|(_, most)| numbers.len() > most) {
            largest = Some((service, numbers.len()));
        }
        let count = service.ports.len();
        if count <= PUBLISHED_PORTS_REPORTED {
            continue;
        }
        let refused = if numbers.len() > NODE_PORTS {
            format!(
                ", more than the {NODE_PORTS} of the default range, so the API server refuses it"
            )
        } else {
            String::new()
        };
        diagnostics.push(
            Diagnostic::warning(
                Code::ManyPublishedPorts,
                format!(
                    "service `{}` publishes {count} ports, each a port of Service `{}`: K3s's ServiceLB runs {count} proxy containers on every node, and the Service takes {} of the cluster's node ports{refused}",
                    service.workload, service.name, numbers.len()
                ),
            )
            .with_label(locations.span(&["services", &service.workload, "ports"]), "a port per number")
            .with_help("a media server usually runs with `network_mode: host`, which binds its ports on the node without a proxy; or publish a smaller range and configure the server to use it"),
        );
    }
    if node_ports <= NODE_PORTS {
        return;
    }
    let Some((service, most)) = largest.filter(|(_, most)| *most <= NODE_PORTS) else {
        return;
    };
    diagnostics.push(
        Diagnostic::warning(
            Code::ManyPublishedPorts,
            format!(
                "the published ports of the project need {node_ports} node ports, more than the {NODE_PORTS} of the default range, so the API server refuses the Services created last; service `{}` needs {most} of them",
                service.workload
            ),
        )
        .with_label(locations.span(&["services", &service.workload, "ports"]), "the most node ports")
        .with_help("publish smaller ranges, or run the servers that need them with `network_mode: host`"),
    );
}

/// Two LoadBalancer Services that ask for one host port: ServiceLB binds it for one of them.
fn published_twice(project: &ir::Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut bound: IndexMap<(u16, ir::Protocol), &str> = IndexMap::new();
    for service in project.services.values() {
        if service.kind != ir::ServiceKind::LoadBalancer {
            continue;
        }
        for port in &service.ports {
            let first = *bound
                .entry((port.port, port.protocol))
                .or_insert(&service.workload);
            if first != service.workload {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::PublishedTwice,
                        format!(
                            "services `{first}` and `{}` both publish {} port {}; ServiceLB binds it for only one of them",
                            service.workload,
                            port.protocol.as_str(),
                            port.port
                        ),
                    )
                    .with_label(locations.span(&["services", &service.workload, "ports"]), "published again here")
                    .with_label(locations.span(&["services", first, "ports"]), "first published here")
                    .with_help("publish one of them on another host port"),
                );
            }
        }
    }
}

/// The `--stdout` form: one multi-document YAML stream.
pub fn stream(project: &ir::Project, options: &Options) -> Result<String, YamlError> {
    yaml::join(map_objects(project, options, yaml::to_string))
}

/// The `-o DIR` form: one file per object, then `kustomization.yaml` listing them in name order.
pub fn files(project: &ir::Project, options: &Options) -> Result<Files, YamlError> {
    let written = map_objects(project, options, |object| {
        Ok::<_, YamlError>((object.file_name(), yaml::to_string(object)?))
    });
    let mut files = Files::default();
    for file in written {
        let (name, text) = file?;
        files.insert(name, text);
    }
    let mut resources: Vec<&str> = files.keys().map(String::as_str).collect();
    resources.sort_unstable();
    let kustomization = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: options.namespace.as_deref(),
        resources,
    };
    let text = yaml::to_string(&kustomization)?;
    files.insert("kustomization.yaml".to_owned(), text);
    Ok(files)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization<'a> {
    api_version: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    resources: Vec<&'a str>,
}

/// Metadata shared by every object of one build.
#[derive(Clone, Copy)]
struct Meta<'a> {
    project: &'a ir::Project,
    options: &'a Options,
}

impl Meta<'_> {
    /// The labels that select a workload's pods: stable for the life of the workload.
    fn selector(&self, workload: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), label_value(workload)),
            (
                "app.kubernetes.io/part-of".to_owned(),
                label_value(&self.project.name),
            ),
        ])
    }

    /// The labels that select the pods of every workload sharing the DNS alias `alias`.
    fn alias_selector(&self, alias: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            (alias_label(alias), "true".to_owned()),
            (
                "app.kubernetes.io/part-of".to_owned(),
                label_value(&self.project.name),
            ),
        ])
    }

    fn labels(&self, name: &str) -> BTreeMap<String, String> {
        let mut labels = self.selector(name);
        labels.insert(
            "app.kubernetes.io/managed-by".to_owned(),
            "stackc".to_owned(),
        );
        labels
    }

    fn object(&self, name: &str, labels_for: &str) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: self.options.namespace.clone(),
            labels: Some(self.labels(labels_for)),
            ..ObjectMeta::default()
        }
    }
}

fn config_map(meta: &Meta<'_>, config: &ir::ConfigMap) -> core::ConfigMap {
    let mut metadata = meta.object(&config.name, &config.name);
    annotate(&mut metadata, config.provenance.as_ref());
    core::ConfigMap {
        metadata,
        data: Some(
            config
                .data
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        ..core::ConfigMap::default()
    }
}

fn claim(meta: &Meta<'_>, claim: &ir::StorageClaim) -> core::PersistentVolumeClaim {
    let mut metadata = meta.object(&claim.name, &claim.name);
    annotate(&mut metadata, claim.provenance.as_ref());
    core::PersistentVolumeClaim {
        metadata,
        spec: Some(core::PersistentVolumeClaimSpec {
            access_modes: Some(vec![claim.access_mode.as_str().to_owned()]),
            storage_class_name: claim.storage_class.clone(),
            resources: Some(core::VolumeResourceRequirements {
                requests: Some(BTreeMap::from([(
                    "storage".to_owned(),
                    Quantity(claim.size.quantity()),
                )])),
                ..core::VolumeResourceRequirements::default()
            }),
            ..core::PersistentVolumeClaimSpec::default()
        }),
        ..core::PersistentVolumeClaim::default()
    }
}

fn service(meta: &Meta<'_>, project: &ir::Project, service: &ir::Service) -> core::Service {
    let workload = project
        .workloads
        .get(&service.workload)
        .map_or(service.name.as_str(), |w| w.name.as_str());
    let (kind, cluster_ip) = match service.kind {
        ir::ServiceKind::ClusterIp => (None, None),
        ir::ServiceKind::LoadBalancer => (Some("LoadBalancer".to_owned()), None),
        ir::ServiceKind::Headless => (None, Some("None".to_owned())),
    };
    // A shared alias's Service belongs to no one workload.
    let owner = service.shared_alias.as_deref().unwrap_or(workload);
    let mut metadata = meta.object(&service.name, owner);
    annotate(&mut metadata, service.provenance.as_ref());
    core::Service {
        metadata,
        spec: Some(core::ServiceSpec {
            type_: kind,
            cluster_ip,
            selector: Some(match &service.shared_alias {
                Some(alias) => meta.alias_selector(alias),
                None => meta.selector(workload),
            }),
            // Only a headless Service may have none.
            ports: (!service.ports.is_empty()).then(|| {
                service
                    .ports
                    .iter()
                    .map(|p| core::ServicePort {
                        name: Some(p.name.clone()),
                        port: i32::from(p.port),
                        target_port: Some(IntOrString::Int(i32::from(p.target_port))),
                        protocol: Some(p.protocol.as_str().to_owned()),
                        app_protocol: p.app_protocol.clone(),
                        ..core::ServicePort::default()
                    })
                    .collect()
            }),
            ..core::ServiceSpec::default()
        }),
        ..core::Service::default()
    }
}

fn pod_labels(meta: &Meta<'_>, workload: &ir::Workload) -> BTreeMap<String, String> {
    let mut labels = meta.labels(&workload.name);
    if let Some(group) = &workload.pod.colocation {
        labels.insert(placement::COLOCATION_LABEL.to_owned(), group.clone());
    }
    network::member_labels(meta.project, &workload.pod, &mut labels);
    for alias in &workload.pod.shared_aliases {
        labels.insert(alias_label(alias), "true".to_owned());
    }
    labels
}

/// The prefix of the label that marks a pod as answering to a DNS alias several workloads share;
/// the label's name is the alias's Service name, its value `"true"`.
const ALIAS_LABEL: &str = "alias.stackc.io/";

fn alias_label(alias: &str) -> String {
    crate::text::joined(&[ALIAS_LABEL, alias])
}

/// The annotations compose labels give an object; none leaves the field out.
fn set_annotations(metadata: &mut ObjectMeta, annotations: &IndexMap<String, String>) {
    if !annotations.is_empty() {
        metadata.annotations = Some(
            annotations
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
    }
}

/// A rolling update's step as Kubernetes writes it: a count, or every pod.
fn rollout_step(step: ir::RolloutStep) -> IntOrString {
    match step {
        ir::RolloutStep::Pods(n) => IntOrString::Int(i32::try_from(n).unwrap_or(i32::MAX)),
        ir::RolloutStep::All => IntOrString::String("100%".to_owned()),
    }
}

fn workload(meta: &Meta<'_>, workload: &ir::Workload) -> Object {
    let mut metadata = meta.object(&workload.name, &workload.name);
    set_annotations(&mut metadata, &workload.annotations);
    let restart_policy = match workload.kind {
        ir::WorkloadKind::Deployment { .. } | ir::WorkloadKind::DaemonSet => None,
        ir::WorkloadKind::Job {
            restart_on_failure, ..
        } => Some(if restart_on_failure {
            "OnFailure"
        } else {
            "Never"
        }),
    };
    let mut template_annotations = metadata.annotations.clone().unwrap_or_default();
    template_annotations.extend(
        workload
            .pod
            .annotations
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    annotate(&mut metadata, workload.provenance.as_ref());
    let mut spec = pod::spec(&workload.pod, restart_policy);
    spec.affinity = placement::affinity(meta, workload);
    spec.topology_spread_constraints = placement::spread(meta, workload);
    let waits = wait::init_containers(workload);
    if !waits.is_empty() {
        let mut init = waits;
        init.extend(spec.init_containers.take().unwrap_or_default());
        spec.init_containers = Some(init);
    }
    spec.service_account_name = wait::account(workload);
    let template = core::PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(pod_labels(meta, workload)),
            annotations: (!template_annotations.is_empty()).then_some(template_annotations),
            ..ObjectMeta::default()
        }),
        spec: Some(spec),
    };
    let selector = LabelSelector {
        match_labels: Some(meta.selector(&workload.name)),
        ..LabelSelector::default()
    };
    match workload.kind {
        ir::WorkloadKind::Deployment { replicas } => Object::Deployment(Deployment {
            metadata,
            spec: Some(DeploymentSpec {
                replicas: Some(i32::try_from(replicas).unwrap_or(i32::MAX)),
                selector,
                strategy: workload.rollout.map(|r| DeploymentStrategy {
                    type_: Some("RollingUpdate".to_owned()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(rollout_step(r.max_surge)),
                        max_unavailable: Some(rollout_step(r.max_unavailable)),
                    }),
                }),
                template,
                ..DeploymentSpec::default()
            }),
            ..Deployment::default()
        }),
        ir::WorkloadKind::DaemonSet => Object::DaemonSet(DaemonSet {
            metadata,
            spec: Some(DaemonSetSpec {
                selector,
                template,
                update_strategy: workload.rollout.map(|r| DaemonSetUpdateStrategy {
                    type_: Some("RollingUpdate".to_owned()),
                    rolling_update: Some(RollingUpdateDaemonSet {
                        max_surge: Some(rollout_step(r.max_surge)),
                        max_unavailable: Some(rollout_step(r.max_unavailable)),
                    }),
                }),
                ..DaemonSetSpec::default()
            }),
            ..DaemonSet::default()
        }),
        ir::WorkloadKind::Job {
            backoff_limit,
            completions,
            ..
        } => Object::Job(Job {
            metadata,
            spec: Some(JobSpec {
                // Kubernetes' own default is 6 retries; compose's is none, so the largest
                // limit stands for it.
                backoff_limit: Some(
                    backoff_limit.map_or(i32::MAX, |n| i32::try_from(n).unwrap_or(i32::MAX)),
                ),
                // One pod, the default, is left implicit.
                completions: (completions != 1)
                    .then(|| i32::try_from(completions).unwrap_or(i32::MAX)),
                parallelism: (completions != 1)
                    .then(|| i32::try_from(completions).unwrap_or(i32::MAX)),
                template,
                ..JobSpec::default()
            }),
            ..Job::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::{NODE_PORTS, check};
    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir::{self, Protocol, ServiceKind, Unlocated};

    /// A LoadBalancer Service of `workload` publishing `ports`.
    fn balancer(workload: &str, ports: impl IntoIterator<Item = (u16, Protocol)>) -> ir::Service {
        ir::Service {
            name: format!("{workload}-lb"),
            workload: workload.to_owned(),
            kind: ServiceKind::LoadBalancer,
            ports: ports
                .into_iter()
                .map(|(port, protocol)| ir::ServicePort {
                    name: format!("{}-{port}", protocol.as_str().to_lowercase()),
                    port,
                    target_port: port,
                    protocol,
                    app_protocol: None,
                })
                .collect(),
            shared_alias: None,
            provenance: None,
        }
    }

    fn reported(services: Vec<ir::Service>) -> Vec<(Code, String)> {
        let project = ir::Project {
            services: services.into_iter().map(|s| (s.name.clone(), s)).collect(),
            ..ir::Project::default()
        };
        let mut diagnostics = Diagnostics::new();
        check(&project, &Unlocated, &mut diagnostics);
        diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
            .collect()
    }

    fn range(from: u16, to: u16, protocol: Protocol) -> impl Iterator<Item = (u16, Protocol)> {
        (from..=to).map(move |port| (port, protocol))
    }

    #[test]
    fn a_hundred_published_ports_pass_and_more_are_reported() {
        assert_eq!(
            reported(vec![balancer("sip", range(10000, 10099, Protocol::Udp))]),
            []
        );
        let media = range(40000, 40100, Protocol::Tcp).chain(range(40000, 40100, Protocol::Udp));
        let reports = reported(vec![balancer("sfu", media)]);
        assert_eq!(reports.len(), 1, "{reports:?}");
        let (code, message) = &reports[0];
        assert_eq!(*code, Code::ManyPublishedPorts);
        // TCP and UDP of one number share a node port.
        assert!(
            message.contains("publishes 202 ports")
                && message.contains("runs 202 proxy containers")
                && message.contains("takes 101 of the cluster's node ports")
                && !message.contains("refuses"),
            "{message}"
        );
    }

    #[test]
    fn more_node_ports_than_the_default_range_are_refused() {
        let turn = balancer("turn", range(49152, 65535, Protocol::Udp));
        let reports = reported(vec![turn]);
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(
            reports[0]
                .1
                .contains(&format!("more than the {NODE_PORTS} of the default range")),
            "{reports:?}"
        );
    }

    #[test]
    fn the_node_ports_of_the_whole_project_are_counted() {
        let services = vec![
            balancer("a", range(20000, 20099, Protocol::Udp)),
            balancer("b", range(21000, 21099, Protocol::Udp)),
        ];
        assert_eq!(reported(services), []);
        let many: Vec<ir::Service> = (0..28)
            .map(|i| {
                let from = 10000 + i * 100;
                balancer(&format!("s{i}"), range(from, from + 99, Protocol::Udp))
            })
            .collect();
        let reports = reported(many);
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(
            reports[0].1.contains("need 2800 node ports") && reports[0].1.contains("`s0`"),
            "{reports:?}"
        );
    }

    #[test]
    fn secrets_over_a_mebibyte_are_refused_when_their_values_are_written() {
        let secret = |data: Option<String>| ir::Secret {
            name: "p-cert".to_owned(),
            key: "cert".to_owned(),
            data: data.map(|d| [("cert".to_owned(), d)].into_iter().collect()),
            fingerprint: String::new(),
            origin: vec!["secrets".to_owned(), "cert".to_owned()],
            provenance: None,
        };
        // The API server counts the key with the value: `cert` takes four bytes.
        let checked = |secret: ir::Secret| {
            let project = ir::Project {
                secrets: [(secret.name.clone(), secret)].into_iter().collect(),
                ..ir::Project::default()
            };
            let mut diagnostics = Diagnostics::new();
            check(&project, &Unlocated, &mut diagnostics);
            diagnostics.iter().map(|d| d.code).collect::<Vec<_>>()
        };
        assert_eq!(checked(secret(None)), []);
        assert_eq!(checked(secret(Some("x".repeat((1 << 20) - 4)))), []);
        assert_eq!(
            checked(secret(Some("x".repeat((1 << 20) - 3)))),
            [Code::ConfigFileTooLarge]
        );
    }

    #[test]
    fn two_services_publishing_one_port_are_reported() {
        let services = vec![
            balancer("a", [(25565, Protocol::Tcp)]),
            balancer("b", [(25565, Protocol::Tcp), (25565, Protocol::Udp)]),
        ];
        let reports = reported(services);
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert_eq!(reports[0].0, Code::PublishedTwice);
    }
}
