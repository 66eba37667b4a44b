//! The typed intermediate representation: what will run, independent of compose syntax and of
//! any backend.
//!
//! [`lower`] builds it from the resolved compose model, the passes in `crate::passes` rewrite it,
//! and each backend emits it. Every map is an [`IndexMap`] in compose order, so the output order
//! follows the user's file. Names in the IR (`Workload::name`, `Service::name`, …) are already
//! valid Kubernetes names; the compose names they come from are kept for diagnostics.
//!
//! Quantities are kept as plain numbers (bytes, millicores, seconds) and only formatted as
//! Kubernetes quantities by [`Memory::quantity`] and [`Cpu::quantity`].

pub mod image;
pub mod locate;
pub mod lower;
pub mod names;
pub mod support;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Serialize;

pub use locate::{Locate, Sourced, Unlocated};

/// The JSON schema of the IR, written to `schemas/ir.schema.json` by `stackc schema`.
#[must_use]
pub fn schema() -> schemars::Schema {
    schemars::schema_for!(Project)
}

/// A compose project after lowering.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Project {
    /// The compose project name; it becomes the `app.kubernetes.io/part-of` label.
    pub name: String,
    /// One workload per compose service, keyed by the compose service name.
    pub workloads: IndexMap<String, Workload>,
    /// Network endpoints, keyed by their Kubernetes name.
    pub services: IndexMap<String, Service>,
    /// Persistent storage, keyed by their Kubernetes name.
    pub claims: IndexMap<String, StorageClaim>,
    /// Non-secret files and values, keyed by their Kubernetes name.
    pub config_maps: IndexMap<String, ConfigMap>,
    /// Secret files and values, keyed by their Kubernetes name.
    pub secrets: IndexMap<String, Secret>,
    /// The generic device plugin the `generic` device profile needs, when a service uses it.
    pub device_plugin: Option<DevicePlugin>,
    /// The compose networks some pod is on, keyed by their compose name, when their isolation is
    /// kept (`--network-policies`); empty otherwise.
    pub networks: IndexMap<String, Network>,
    /// Who may connect to whom, keyed by their Kubernetes name: made by the `network_policies`
    /// pass from `networks` and each pod's [`Pod::network`].
    pub network_policies: IndexMap<String, NetworkPolicy>,
    /// The text of small files of the project directory that pods mount as hostPaths, keyed by
    /// that hostPath: read while lowering so that the `reached` pass sees what a mounted
    /// configuration names (`proxy_pass http://api:8000`). Nothing of it is written out.
    #[serde(skip)]
    pub host_files: IndexMap<String, String>,
}

/// The configuration of the generic device plugin (squat/generic-device-plugin): one resource
/// per device group, keyed by the resource name (`stackc.io/dri`), each holding host paths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct DevicePlugin {
    pub devices: IndexMap<String, Vec<String>>,
}

/// One compose service: a pod template and the controller that runs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Workload {
    /// The Kubernetes name (DNS-1123 label) derived from the compose service name.
    pub name: String,
    pub kind: WorkloadKind,
    /// From compose `labels`: free-form metadata, so annotations rather than selector labels.
    pub annotations: IndexMap<String, String>,
    /// Other names compose resolves to this service (`container_name`, network aliases).
    pub dns_aliases: Vec<String>,
    pub pod: Pod,
    /// From `depends_on`, in compose order; the `dependencies` pass decides how each is awaited.
    pub depends_on: Vec<Dependency>,
    /// From `network_mode`, `ipc` or `pid: service:X`: the compose name of the service whose pod
    /// this service's containers join. The `namespaces` pass merges the two and clears it.
    pub joins: Option<String>,
    /// Another service reaches this one by name (a `depends_on` entry, or a host variable or URL
    /// with no port, or an `extra_hosts` entry with its fixed address), set by the `reached` pass
    /// and by lowering: without ports it still gets a headless Service, so that the name
    /// resolves.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub named: bool,
    /// `deploy.endpoint_mode: dnsrr`: its name resolves to every pod's address rather than to
    /// one virtual address, so its Services are headless.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dns_round_robin: bool,
    /// From `deploy.update_config`: how many pods a rolling update replaces at a time, and
    /// whether it starts the new ones first. `None` keeps Kubernetes' defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

/// A rolling update's pace: pods added above the wanted count, and pods that may be missing
/// from it, at a time. One of them is always more than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Rollout {
    pub max_surge: RolloutStep,
    pub max_unavailable: RolloutStep,
}

/// A number of pods, or every pod (`parallelism: 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum RolloutStep {
    Pods(u32),
    All,
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Dependency {
    /// The compose name of the service depended on.
    pub service: String,
    pub condition: Condition,
    /// `required: false`: a missing or failing dependency does not block the dependent.
    pub required: bool,
    /// `restart: true`: compose restarts the dependent when the dependency restarts.
    pub restart: bool,
    /// How the dependent waits, chosen by the `dependencies` pass; `None` starts it at once.
    pub wait: Option<Wait>,
}

/// How far a dependency must have progressed before its dependent starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Started,
    Healthy,
    CompletedSuccessfully,
}

/// What an init container of the dependent waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Wait {
    /// A Service accepts TCP connections; a Service routes only to ready pods, so with a
    /// readiness probe this also means healthy.
    Tcp { host: String, port: u16 },
    /// A headless Service's name resolves, which it does once a pod behind it is ready: for a
    /// dependency with no port to connect to.
    Resolves { host: String },
    /// A Job (by Kubernetes name) has completed successfully.
    JobComplete { job: String },
}

/// The controller that runs a workload's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum WorkloadKind {
    /// A long-running service with a fixed number of replicas.
    Deployment { replicas: u32 },
    /// One pod per node (`deploy.mode: global`).
    DaemonSet,
    /// A one-shot service (`restart: "no"` or `on-failure`).
    Job {
        /// Retries after the first failure; `None` retries without limit, as compose restarts an
        /// `on-failure` service with no count.
        backoff_limit: Option<u32>,
        /// `on-failure` restarts the container in place; `no` never restarts it.
        restart_on_failure: bool,
        /// How many pods run to completion, all at once (compose `scale`/`deploy.replicas`).
        completions: u32,
    },
}

/// The pod template of a workload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Pod {
    pub containers: Vec<Container>,
    /// Containers that run to completion, in order, before `containers` start.
    pub init_containers: Vec<Container>,
    pub volumes: Vec<Volume>,
    pub hostname: Option<String>,
    /// The pod's `hostname` and `subdomain` under which a compose name of two labels
    /// (`hostname: node-1.rabbit`, a service or alias `wazuh.master`) resolves; set by lowering
    /// for `hostname` and by the `subdomains` pass for the others, which also makes the
    /// subdomain's headless Service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdomain: Option<Subdomain>,
    /// From `extra_hosts`: IP address → host names, in first-seen order.
    pub host_aliases: IndexMap<String, Vec<String>>,
    pub dns: Dns,
    /// Kernel parameters, name → value.
    pub sysctls: IndexMap<String, String>,
    /// Numeric supplementary groups of every container's first process.
    pub supplemental_groups: Vec<i64>,
    pub termination_grace_period_seconds: Option<i64>,
    /// `network_mode: host`.
    pub host_network: bool,
    /// The compose networks the pod is on, when their isolation is kept.
    pub network: NetworkMembership,
    /// `ipc: host`.
    pub host_ipc: bool,
    /// `userns_mode: host`: the node's user namespace, also Kubernetes' default.
    pub host_users: bool,
    /// `pid`, and `init: true`.
    pub pid: PidNamespace,
    /// Node labels the pod must run on (from `platform`).
    pub node_selector: IndexMap<String, String>,
    /// From `deploy.placement`.
    pub placement: Placement,
    /// From `runtime`: the RuntimeClass of the pod (for example `nvidia`).
    pub runtime_class: Option<String>,
    /// Group that owns mounted volumes (the `gid` of mounted secrets and configs).
    pub fs_group: Option<i64>,
    /// Annotations of the pod template only (`stackc.io/config-hash`), so that a change rolls
    /// the pods.
    pub annotations: IndexMap<String, String>,
    /// The group of workloads whose pods must run on one node because they share
    /// `ReadWriteOnce` claims (directly or through one another), named after the group's first
    /// such claim. Every pod of the group carries it as a label and requires a pod with it on
    /// its node.
    pub colocation: Option<String>,
    /// The DNS aliases this pod shares with the pods of other workloads, by the name of their
    /// Service ([`Service::shared_alias`]); each is a label on the pod that the Service selects.
    pub shared_aliases: Vec<String>,
}

/// A pod's place in a subdomain: it answers as `<hostname>.<name>` in its namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Subdomain {
    pub hostname: String,
    pub name: String,
}

impl Subdomain {
    /// Whether `name` (`Wazuh.Master`) is the name the pod answers as, in any case.
    #[must_use]
    pub fn answers(&self, name: &str) -> bool {
        name.split_once('.').is_some_and(|(hostname, subdomain)| {
            names::same_dns_name(hostname, &self.hostname)
                && names::same_dns_name(subdomain, &self.name)
        })
    }
}

impl Pod {
    /// The first mount at a Windows path (`C:\data`): a Linux engine and a Linux node refuse
    /// such a path, so the pod's containers are Windows containers.
    #[must_use]
    pub fn windows_mount_path(&self) -> Option<&str> {
        self.containers
            .iter()
            .flat_map(|c| &c.volume_mounts)
            .map(|m| m.mount_path.as_str())
            .find(|path| crate::frontend::paths::is_windows_abs(path))
    }
}

/// The process namespace of a pod's containers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
pub enum PidNamespace {
    /// One per container, Kubernetes' default.
    #[default]
    PerContainer,
    /// One for the whole pod (`shareProcessNamespace`): from `pid: service:X`, whose container
    /// joins the pod, and from `init: true`, since the pod's pause process is then PID 1 and
    /// reaps orphaned processes, as compose's init does.
    Pod,
    /// The node's (`hostPID`): `pid: host`.
    Host,
}

/// Which compose networks a pod is on, for its NetworkPolicies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkMembership {
    /// Compose networks are not kept (the default), or the pod is on the node's network, which
    /// NetworkPolicies do not govern.
    #[default]
    Unrestricted,
    /// On these networks, by compose name: the pod accepts connections only from their members.
    Members(Vec<String>),
    /// `network_mode: none`: no connection in or out.
    Disconnected,
}

impl NetworkMembership {
    /// The networks of the pod, none unless it is [`NetworkMembership::Members`].
    #[must_use]
    pub fn networks(&self) -> &[String] {
        match self {
            Self::Members(networks) => networks,
            Self::Unrestricted | Self::Disconnected => &[],
        }
    }
}

/// Which nodes a workload's pods may run on, and how they spread over them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Placement {
    /// Node label requirements, all of which a node must meet (from `constraints`).
    pub node_requirements: Vec<NodeRequirement>,
    /// Node label keys whose values the pods spread over as evenly as the scheduler can (from
    /// `preferences`).
    pub spread_over: Vec<String>,
    /// No two pods of the workload on one node (`max_replicas_per_node: 1`).
    pub one_per_node: bool,
}

impl Placement {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.node_requirements.is_empty() && self.spread_over.is_empty() && !self.one_per_node
    }
}

/// A node label requirement, as in a node affinity's `matchExpressions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct NodeRequirement {
    pub key: String,
    pub operator: NodeOperator,
    /// The values for `In` and `NotIn`; empty for `Exists` and `DoesNotExist`.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum NodeOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl NodeOperator {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::In => "In",
            Self::NotIn => "NotIn",
            Self::Exists => "Exists",
            Self::DoesNotExist => "DoesNotExist",
        }
    }
}

/// Resolver settings added to the cluster's own DNS configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Dns {
    pub nameservers: Vec<String>,
    pub searches: Vec<String>,
    /// `resolv.conf` options: name → optional value.
    pub options: IndexMap<String, Option<String>>,
}

impl Dns {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nameservers.is_empty() && self.searches.is_empty() && self.options.is_empty()
    }
}

/// One container of a pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Container {
    /// The Kubernetes name (DNS-1123 label).
    pub name: String,
    /// The compose service it runs: the workload's own, or one whose containers joined its pod
    /// (`network_mode: service:X`), for reports about the container.
    pub service: String,
    pub image: String,
    /// Compose builds the image (`build:`): `image` is the tag of that build, a local name
    /// rather than a reference into Docker Hub.
    pub built: bool,
    pub pull_policy: Option<PullPolicy>,
    /// Replaces the image's entrypoint (compose `entrypoint`), literal argv.
    pub command: Option<Vec<String>>,
    /// Replaces the image's command (compose `command`), literal argv.
    pub args: Option<Vec<String>>,
    /// Literal environment, in compose order.
    pub env: IndexMap<String, String>,
    /// Environment read whole from ConfigMaps or Secrets.
    pub env_from: Vec<EnvSource>,
    pub ports: Vec<ContainerPort>,
    pub probes: Probes,
    pub resources: Resources,
    pub security: SecurityContext,
    pub working_dir: Option<String>,
    pub tty: bool,
    pub stdin: bool,
    /// Run after the container starts (`post_start`).
    pub post_start: Vec<Vec<String>>,
    /// Run before the container is stopped (`pre_stop`).
    pub pre_stop: Vec<Vec<String>>,
    pub volume_mounts: Vec<VolumeMount>,
    /// From `devices`, in compose order.
    pub devices: Vec<Device>,
    /// From `gpus` and NVIDIA device reservations, merged.
    pub gpus: Option<Gpus>,
}

/// A host device the container uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Device {
    /// The host path (`/dev/dri`).
    pub source: String,
    /// The path in the container; the host path when compose gives none.
    pub target: String,
    /// Compose's cgroup permissions (`rwm`).
    pub permissions: String,
    /// How Kubernetes grants it, chosen by lowering from the service's device profile.
    pub access: DeviceAccess,
}

/// How a device reaches a Kubernetes container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DeviceAccess {
    /// One unit of a device plugin's extended resource (`gpu.intel.com/i915`).
    Resource { name: String },
    /// A hostPath volume of the device node in a privileged container.
    HostPath,
}

/// NVIDIA GPUs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Gpus {
    /// How many; `None` is compose's `all`.
    pub count: Option<u32>,
    /// Particular GPUs by id or UUID; Kubernetes' device plugin chooses GPUs itself.
    pub device_ids: Vec<String>,
}

/// When the kubelet pulls the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

/// A ConfigMap or Secret whose keys all become environment variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum EnvSource {
    ConfigMap(String),
    Secret(String),
}

/// A port the container listens on (compose `ports` or `expose`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub struct ContainerPort {
    pub port: u16,
    pub protocol: Protocol,
    /// The host port compose publishes it on; a port published twice appears twice.
    pub published: Option<u16>,
    /// The compose port `name`, used for the Service port when it is a valid port name.
    pub name: Option<String>,
    /// The application protocol (`http`, `grpc`, …) for load balancers and meshes.
    pub app_protocol: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, JsonSchema)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The spelling Kubernetes uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tcp => "TCP",
            Self::Udp => "UDP",
            Self::Sctp => "SCTP",
        }
    }

    /// The lowercase spelling, used in port names.
    #[must_use]
    pub fn lowercase(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Sctp => "sctp",
        }
    }
}

/// Health probes derived from a compose healthcheck.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Probes {
    /// Routes traffic only to healthy pods (compose `service_healthy` semantics).
    pub readiness: Option<Probe>,
    /// Restarts a container that stays unhealthy.
    pub liveness: Option<Probe>,
    /// Holds the other probes back during compose's `start_period`.
    pub startup: Option<Probe>,
}

/// A probe that runs a command in the container; exit status 0 means healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Probe {
    /// Literal argv; shell forms are already wrapped in `sh -c`.
    pub exec: Vec<String>,
    pub period_seconds: i32,
    pub timeout_seconds: i32,
    pub failure_threshold: i32,
}

/// Requests and limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Resources {
    pub limits: ResourceList,
    pub requests: ResourceList,
}

impl Resources {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty() && self.requests.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ResourceList {
    pub cpu: Option<Cpu>,
    pub memory: Option<Memory>,
    /// Extended resources such as `nvidia.com/gpu` or `gpu.intel.com/i915`: name → count.
    pub extended: IndexMap<String, u32>,
}

impl ResourceList {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none() && self.extended.is_empty()
    }
}

/// CPU in millicores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Cpu(pub u64);

impl Cpu {
    /// The Kubernetes quantity: whole cores when exact (`2`), millicores otherwise (`500m`).
    #[must_use]
    pub fn quantity(self) -> String {
        if self.0 % 1000 == 0 {
            (self.0 / 1000).to_string()
        } else {
            format!("{}m", self.0)
        }
    }
}

/// Memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Memory(pub u64);

impl Memory {
    /// The Kubernetes quantity in the largest unit that is exact: binary units first (`512Mi`),
    /// then decimal ones (`500M`). Lowering rounds odd byte counts to whole KiB, so raw bytes
    /// are written only for values below 1 KiB.
    #[must_use]
    pub fn quantity(self) -> String {
        const UNITS: [(u64, &str); 8] = [
            (1 << 50, "Pi"),
            (1 << 40, "Ti"),
            (1 << 30, "Gi"),
            (1 << 20, "Mi"),
            (1 << 10, "Ki"),
            (1_000_000_000, "G"),
            (1_000_000, "M"),
            (1_000, "k"),
        ];
        let bytes = self.0;
        UNITS
            .iter()
            .find(|(unit, _)| bytes >= *unit && bytes % unit == 0)
            .map_or_else(
                || bytes.to_string(),
                |(unit, suffix)| {
                    let mut quantity = String::with_capacity(8);
                    crate::text::push_number(&mut quantity, bytes / unit);
                    quantity.push_str(suffix);
                    quantity
                },
            )
    }
}

/// Container security settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is one independent compose setting, as in Kubernetes' securityContext"
)]
pub struct SecurityContext {
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub privileged: bool,
    pub read_only_root_filesystem: bool,
    /// `security_opt: no-new-privileges`.
    pub no_new_privileges: bool,
    /// `security_opt: seccomp:unconfined`: no seccomp filter, where Docker applies its default.
    pub seccomp_unconfined: bool,
    /// `security_opt: apparmor:unconfined`: no AppArmor profile, where Docker applies its default.
    pub apparmor_unconfined: bool,
    /// `security_opt: label:…`: the container's SELinux label.
    pub selinux: SeLinux,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
}

/// The SELinux label of a container, from `security_opt: label:<part>:<value>` options. Each part
/// left unset keeps what the runtime gives by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SeLinux {
    pub user: Option<String>,
    pub role: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub level: Option<String>,
    /// `label:disable`: no SELinux separation for the container.
    pub disabled: bool,
}

/// A pod volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Volume {
    /// The Kubernetes name (DNS-1123 label), unique in the pod.
    pub name: String,
    pub source: VolumeSource,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum VolumeSource {
    /// Scratch space that lives as long as the pod (tmpfs, anonymous volumes).
    EmptyDir {
        in_memory: bool,
        size_limit: Option<Memory>,
    },
    /// A [`StorageClaim`] by Kubernetes name.
    Claim { claim: String, read_only: bool },
    /// A [`ConfigMap`] by Kubernetes name.
    ConfigMap {
        config_map: String,
        items: Vec<KeyToPath>,
    },
    /// A [`Secret`] by Kubernetes name.
    Secret {
        secret: String,
        items: Vec<KeyToPath>,
    },
    /// A path on the node. `create`: compose would create the source as a directory if it were
    /// missing (short syntax, or `bind.create_host_path`), and it is a directory of the project
    /// or not there at all; a file of the project, or a path outside the project tree, must exist.
    HostPath { path: String, create: bool },
    /// A device node on the node (hostPath `CharDevice`, or no type check for a directory of
    /// devices such as `/dev/dri`).
    Device { path: String },
}

/// One key of a ConfigMap or Secret projected to a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct KeyToPath {
    pub key: String,
    pub path: String,
    pub mode: Option<i32>,
}

/// Where a pod volume appears in a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct VolumeMount {
    pub volume: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
    /// `bind.propagation` (`:rslave`, `:rshared`): whether later mounts cross the bind mount.
    pub propagation: Option<MountPropagation>,
}

/// How mounts made after a bind mount cross it, as Kubernetes' `mountPropagation` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum MountPropagation {
    /// `rslave` (or `slave`): mounts the node makes appear in the container.
    HostToContainer,
    /// `rshared` (or `shared`), in a privileged container: mounts cross both ways.
    Bidirectional,
}

/// A stable network name in front of a workload's pods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Service {
    /// The Kubernetes name (DNS-1035 label); for ClusterIP Services it is the compose service
    /// name, so compose DNS names keep resolving.
    pub name: String,
    /// The compose service whose workload the Service selects.
    pub workload: String,
    pub kind: ServiceKind,
    pub ports: Vec<ServicePort>,
    /// For a DNS alias that several workloads share on compose networks: the alias's name. The
    /// Service is headless and selects the pods of all of them, which carry it in
    /// [`Pod::shared_aliases`], so the name resolves to every one of their addresses, as Docker's
    /// DNS answers it; `workload` is the first of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_alias: Option<String>,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum ServiceKind {
    /// Reachable inside the cluster only.
    ClusterIp,
    /// Bound on the node's address by K3s ServiceLB, like a published compose port.
    LoadBalancer,
    /// `clusterIP: None`: the name resolves to the ready pods' own addresses. Without ports for
    /// a service reached by name that declares none (every port of a pod is open, as on a
    /// compose network); with them for `endpoint_mode: dnsrr`.
    Headless,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ServicePort {
    /// DNS-1035 label of at most 15 characters, unique in the Service.
    pub name: String,
    pub port: u16,
    pub target_port: u16,
    pub protocol: Protocol,
    pub app_protocol: Option<String>,
}

/// A compose network whose isolation is kept: its members carry a label, and accept connections
/// from pods with the same label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Network {
    /// The name part of the member label (`network.stackc.io/<label>`): the name Docker gives the
    /// network (`<project>_<key>`, or the external network's own), so that projects sharing an
    /// external network share the label.
    pub label: String,
    /// `external: true`: the network is shared with containers outside the project, which may be
    /// in any namespace.
    pub external: bool,
    /// `internal: true`: members whose networks are all internal connect only to members of
    /// their networks (and the cluster DNS).
    pub internal: bool,
    /// From the network's `labels`.
    pub annotations: IndexMap<String, String>,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

/// A NetworkPolicy: the pods it selects accept connections only as its rules allow, and, when it
/// restricts egress, make them only as its egress rules allow. Policies add up: a pod selected by
/// several may do what any of them allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct NetworkPolicy {
    pub name: String,
    pub pods: PolicyPods,
    /// `None` leaves incoming connections to other policies; an empty list allows none.
    pub ingress: Option<Vec<PolicyRule>>,
    /// `None` leaves outgoing connections to other policies; an empty list allows none.
    pub egress: Option<Vec<PolicyRule>>,
    /// From the network's `labels`, for a network's policies.
    pub annotations: IndexMap<String, String>,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

/// The pods a NetworkPolicy applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PolicyPods {
    /// The pods of one workload, by compose service name.
    Workload(String),
    /// The members of a network (compose name), except those also on any of `except`.
    Network {
        network: String,
        except: Vec<String>,
    },
}

/// Connections a NetworkPolicy allows: from (or to) any of `peers` on any of `ports`; an empty
/// list allows any peer or any port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PolicyRule {
    pub peers: Vec<Peer>,
    pub ports: Vec<PolicyPort>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    /// The pods of one workload, by compose service name.
    Workload(String),
    /// The members of a network, by compose name (in any namespace when it is external).
    Network(String),
    /// The cluster's DNS server (`k8s-app: kube-dns` in `kube-system`).
    ClusterDns,
}

/// A port of the pods a rule applies to (after a Service's translation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct PolicyPort {
    pub port: u16,
    pub protocol: Protocol,
}

/// A PersistentVolumeClaim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct StorageClaim {
    pub name: String,
    pub size: Memory,
    /// `None` uses the cluster's default StorageClass (`local-path` on K3s).
    pub storage_class: Option<String>,
    pub access_mode: AccessMode,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub enum AccessMode {
    ReadWriteOnce,
    ReadWriteMany,
    ReadOnlyMany,
    ReadWriteOncePod,
}

impl AccessMode {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadWriteOnce => "ReadWriteOnce",
            Self::ReadWriteMany => "ReadWriteMany",
            Self::ReadOnlyMany => "ReadOnlyMany",
            Self::ReadWriteOncePod => "ReadWriteOncePod",
        }
    }
}

/// A ConfigMap: key → text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ConfigMap {
    pub name: String,
    pub data: IndexMap<String, String>,
    /// The compose key it is made from (`["configs", "dash"]`), for reports about the object.
    #[serde(skip)]
    pub origin: Vec<String>,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

/// A Secret of the project. Its values are read only when they are to be written out
/// (`--secrets inline`, `stackc secrets`); otherwise workloads only reference it by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Secret {
    pub name: String,
    /// The one key of the Secret, named after the compose secret.
    pub key: String,
    /// key → value, `None` when the values were not read.
    pub data: Option<IndexMap<String, String>>,
    /// What the config hash of the pods that mount it covers: the source of the value (file
    /// path or variable name), and a digest of the value only when the value is written out
    /// anyway. A digest of a short secret could be brute-forced.
    pub fingerprint: String,
    /// The compose key it is made from (`["secrets", "db_password"]`), for reports about the
    /// object.
    #[serde(skip)]
    pub origin: Vec<String>,
    /// With `--provenance`: where the compose key this object comes from was written
    /// (`compose.yaml:12:3 services.web`), for the `stackc.io/source` annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantities_use_kubernetes_units() {
        assert_eq!(super::Memory(512 * 1024 * 1024).quantity(), "512Mi");
        assert_eq!(super::Memory(1536 * 1024 * 1024).quantity(), "1536Mi");
        assert_eq!(super::Memory(500_000_000).quantity(), "500M");
        assert_eq!(super::Memory(1 << 30).quantity(), "1Gi");
        assert_eq!(super::Cpu(500).quantity(), "500m");
        assert_eq!(super::Cpu(2000).quantity(), "2");
    }
}
