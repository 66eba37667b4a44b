//! The one table of what becomes of each compose key: lowered, approximated (with a warning) or
//! not supported (with a warning).
//!
//! Lowering walks every key the resolved project holds and looks it up here, so a key stackc
//! does not lower can never be dropped without a word: a key marked approximated or unsupported
//! gives [`Code::ApproximatedKey`](crate::diagnostics::Code) or
//! [`Code::UnsupportedKey`](crate::diagnostics::Code) with the note below, and a key missing from
//! the table gives the unsupported warning too. `docs/compose-support.md` is generated from this
//! table by [`markdown`]; a test keeps the committed file current.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

/// What happens to a compose key on a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Becomes the matching Kubernetes field with the same behaviour.
    Lowered,
    /// Becomes something close, with a warning that says how it differs.
    Approximated,
    /// Has no equivalent (yet): a warning says so and the key is left out.
    Unsupported,
}

impl Disposition {
    fn as_str(self) -> &'static str {
        match self {
            Self::Lowered => "lowered",
            Self::Approximated => "approximated",
            Self::Unsupported => "not supported",
        }
    }
}

/// One row of the table: a dotted key path under `services.<name>` (or the top level, for keys
/// starting with `/`), its disposition on the `k3s` target and what it becomes or why not.
#[derive(Debug, Clone, Copy)]
pub struct KeySupport {
    pub key: &'static str,
    pub k3s: Disposition,
    pub note: &'static str,
}

use Disposition::{Approximated as A, Lowered as L, Unsupported as U};

macro_rules! table {
    ($($key:literal => $d:ident, $note:literal;)*) => {
        &[$(KeySupport { key: $key, k3s: $d, note: $note },)*]
    };
}

/// Top-level keys. `services` is lowered service by service; `volumes`, `secrets` and `configs`
/// become objects when a service uses them.
pub const PROJECT_KEYS: &[KeySupport] = table! {
    "name" => L, "`app.kubernetes.io/part-of` label of every object";
    "services" => L, "one workload each, see below";
    "networks" => A, "with `--network-policies` (or `x-stackc: {network-policies: true}`), one NetworkPolicy each: members accept connections only from one another, `internal` confines pods on no other network, `external` admits members from any namespace; driver, addresses and IP versions are reported. Without it, every pod reaches every other pod on the cluster network";
    "volumes" => L, "one PersistentVolumeClaim each (size, class and access mode from `x-stackc.volumes`, default 1Gi, the cluster's default class, ReadWriteOnce); external volumes are referenced; a `local` volume with `o: bind` is the hostPath of its `device`, as a bind mount; a name holding swarm's `{{.Service.Name}}` is one claim per service that mounts it, and one holding a task or node template one claim its replicas share (SC1023)";
    "secrets" => L, "one Secret each, referenced by name; its value is written only by `stackc secrets` or `--secrets inline`, and then checked against the same limits as a config (SC1156, SC2003)";
    "configs" => L, "one ConfigMap each (file, content or environment); external configs are referenced; one over 1 MiB is refused (SC1156), and one over 256 KiB as JSON reported, as client-side `kubectl apply` cannot apply it (SC2003)";
    "models" => U, "model runners have no Kubernetes equivalent";
};

/// Service keys, as dotted paths. A key whose children are listed is walked into.
pub const SERVICE_KEYS: &[KeySupport] = table! {
    "annotations" => L, "pod template annotations";
    "attach" => L, "no effect: logs are read with `kubectl logs`";
    "blkio_config" => U, "Kubernetes has no block I/O limits";
    "build" => L, "the image compose builds, `<project>-<service>` unless `image` names it (prefixed with `--image-registry`), with a warning to build and push it";
    "cap_add" => L, "container `securityContext.capabilities.add`";
    "cap_drop" => L, "container `securityContext.capabilities.drop`";
    "cgroup" => U, "the kubelet chooses the cgroup namespace";
    "cgroup_parent" => U, "the kubelet chooses the cgroup parent";
    "command" => L, "container `args` (its `command` under an empty `entrypoint`); `$(` is escaped so Kubernetes does not expand it";
    "configs" => L, "the ConfigMap's key mounted with `subPath` at `target` (default `/<name>`), `mode` as the item mode, `gid` as the pod `fsGroup`; `uid` is reported";
    "container_name" => L, "an extra ClusterIP Service with that name, so the name keeps resolving; a name of two labels resolves through a pod subdomain, and any other name that is not a DNS label is reported";
    "cpu_count" => U, "use `cpus`";
    "cpu_percent" => U, "use `cpus`";
    "cpu_period" => U, "use `cpus`";
    "cpu_quota" => U, "use `cpus`";
    "cpu_rt_period" => U, "Kubernetes has no real-time CPU scheduling";
    "cpu_rt_runtime" => U, "Kubernetes has no real-time CPU scheduling";
    "cpu_shares" => U, "use `deploy.resources.reservations.cpus`";
    "cpus" => L, "`resources.limits.cpu` in millicores";
    "cpuset" => U, "CPU pinning is the kubelet's CPU manager policy";
    "credential_spec" => U, "Windows only";
    "depends_on" => L, "init containers that wait for the dependency's Service (started, healthy; a dependency with no port gets a headless Service, awaited until its name resolves) or Job (completed); see docs/lowerings.md";
    "deploy.mode" => L, "`global` → DaemonSet, `replicated` → Deployment, `replicated-job` → Job of `replicas` pods run to completion, `global-job` → a Job of one pod (approximated)";
    "deploy.replicas" => L, "Deployment `replicas`";
    "deploy.labels" => L, "workload annotations";
    "deploy.resources.limits.cpus" => L, "`resources.limits.cpu` in millicores";
    "deploy.resources.limits.memory" => L, "`resources.limits.memory` in binary units (`512Mi`)";
    "deploy.resources.limits.pids" => U, "the PID limit is a kubelet setting";
    "deploy.resources.limits.devices" => U, "device requests are planned";
    "deploy.resources.limits.generic_resources" => U, "use device plugins";
    "deploy.resources.reservations.cpus" => L, "`resources.requests.cpu` in millicores";
    "deploy.resources.reservations.memory" => L, "`resources.requests.memory` in binary units";
    "deploy.resources.reservations.pids" => U, "the PID limit is a kubelet setting";
    "deploy.resources.reservations.devices" => L, "NVIDIA GPUs (driver `nvidia`, or `cdi` with `nvidia.com/gpu=` devices): `nvidia.com/gpu` limits and `runtimeClassName: nvidia`, driver capabilities → `NVIDIA_DRIVER_CAPABILITIES`; `all` becomes 1, `device_ids` and `options` are not kept (reported), other drivers are left out";
    "deploy.resources.reservations.generic_resources" => U, "use device plugins";
    "deploy.restart_policy.condition" => L, "replaces `restart`, as Docker Compose takes it; `none` or `no` → Job that never restarts, `on-failure` → Job, `any`, `always` or `unless-stopped` → Deployment; none written → as if unset; any other is reported, as the engine refuses it";
    "deploy.restart_policy.max_attempts" => L, "Job `backoffLimit` (without it, or with 0, the largest limit); with another condition than `on-failure` it is reported and left out, as the engine refuses it";
    "deploy.restart_policy.delay" => A, "Kubernetes uses its own exponential back-off";
    "deploy.restart_policy.window" => A, "Kubernetes uses its own exponential back-off";
    "deploy.placement.constraints" => L, "required node affinity: `node.role` → `node-role.kubernetes.io/control-plane`, `node.hostname` → `kubernetes.io/hostname`, `node.platform.os`/`arch` → `kubernetes.io/os`/`arch`, `node.labels.L` → node label `L` (reported: the nodes must carry it); `node.id` and `engine.labels` are reported and left out";
    "deploy.placement.preferences" => L, "`spread` → a topology spread constraint over that node label (`ScheduleAnyway`)";
    "deploy.placement.max_replicas_per_node" => L, "`1` → a required pod anti-affinity per node; a larger cap is reported and left out";
    "deploy.update_config.parallelism" => L, "rolling update `maxUnavailable` (`maxSurge` with `order: start-first`); 0 → `100%`";
    "deploy.update_config.order" => L, "`stop-first` → `maxSurge: 0`, `start-first` → `maxUnavailable: 0`";
    "deploy.update_config.delay" => A, "the rollout moves on as soon as new pods are ready; `minReadySeconds` is the nearest setting";
    "deploy.update_config.failure_action" => A, "a failed rollout stops and is reported by `kubectl rollout status`; roll back with `kubectl rollout undo`";
    "deploy.update_config.monitor" => A, "Kubernetes watches a rollout until its `progressDeadlineSeconds`";
    "deploy.update_config.max_failure_ratio" => A, "a rollout stops at its first pod that does not become ready";
    "deploy.rollback_config" => A, "roll back with `kubectl rollout undo`";
    "deploy.endpoint_mode" => L, "`vip` → ClusterIP Services, `dnsrr` → headless Services (`clusterIP: None`): the name resolves to every ready pod's address";
    "develop" => U, "`compose watch` has no cluster equivalent";
    "device_cgroup_rules" => U, "device access is granted through device plugins";
    "devices" => L, "device-plugin resource limits chosen by the device profile (`--device-plugin`, `x-stackc.device-plugin`); see docs/lowerings.md";
    "dns" => L, "pod `dnsConfig.nameservers`, added to the cluster DNS; on k3s and helm a name instead of an address, or a server after the third, is left out (SC1014)";
    "dns_opt" => L, "pod `dnsConfig.options`";
    "dns_search" => L, "pod `dnsConfig.searches`, lowercased; on k3s and helm a domain Kubernetes refuses (`lab_net`) is left out (SC1014)";
    "dockerfile" => A, "see `build`";
    "domainname" => U, "Kubernetes sets the pod's domain from its namespace";
    "entrypoint" => L, "container `command`; an empty one runs `command` on its own; `$(` is escaped so Kubernetes does not expand it";
    "env_file" => L, "already merged into `environment`, in compose precedence";
    "environment" => L, "container `env`, literal values in compose order; a quoted value in list form keeps its quotes, as Docker passes it (SC0332); a name set twice in one list keeps the later value, as in compose (SC0331); swarm's `{{.Service.Name}}` → `<project>_<service>`, other swarm templates kept as written (SC1023); on k3s and helm a name the API server refuses (empty, or outside printable ASCII) is left out (SC1014)";
    "expose" => L, "ClusterIP Service ports";
    "extends" => L, "resolved while loading";
    "external_links" => U, "link to external containers by their Service name instead";
    "extra_hosts" => L, "pod `hostAliases`; a name mapped to another service's fixed `ipv4_address` becomes a DNS name of that service instead; on k3s and helm names are lowercased, and an entry whose name is not a DNS name or whose address is not an IP address is left out (SC1014)";
    "gpus" => L, "`nvidia.com/gpu` limits and `runtimeClassName: nvidia`; `all` becomes 1, `device_ids` and `options` are not kept (reported)";
    "group_add" => L, "pod `securityContext.supplementalGroups`; group names through `x-stackc.groups`";
    "healthcheck" => L, "readiness and liveness exec probes; shell forms through `sh -c`; `start_period` → startupProbe; a `test` that cannot pass (a string starting with `CMD-SHELL`, a `CMD` program name with spaces) reported (SC1022)";
    "hostname" => L, "pod `hostname`; one of two labels (`node-1.rabbit`) → `hostname` and `subdomain`, with a headless Service named after the subdomain, so the name resolves; one holding a swarm template (`{{.Task.Slot}}`) left out (SC1023)";
    "image" => L, "container `image`";
    "init" => L, "`shareProcessNamespace`: the pod's pause process is PID 1 and reaps orphaned processes";
    "ipc" => L, "`host` → `hostIPC`; `service:X` (or `container:NAME` of a service's `container_name`) → a container in the pod of X";
    "isolation" => U, "Windows only";
    "label_file" => L, "merged into `labels` while loading";
    "labels" => L, "workload and pod template annotations";
    "links" => L, "start order as `depends_on`; an alias (`db:database`) becomes one more Service of the linked service, which every pod resolves";
    "log_driver" => U, "the kubelet keeps container logs";
    "log_opt" => U, "the kubelet keeps container logs";
    "logging" => U, "the kubelet keeps container logs; collect them with a cluster log agent";
    "mac_address" => U, "the CNI plugin assigns addresses";
    "mem_limit" => L, "`resources.limits.memory` in binary units";
    "mem_reservation" => L, "`resources.requests.memory` in binary units";
    "mem_swappiness" => U, "swap is a node setting";
    "memswap_limit" => U, "swap is a node setting";
    "models" => U, "model runners have no Kubernetes equivalent, so the service gets none of the variables compose sets for them (`<MODEL>_URL`, `<MODEL>_MODEL`, or `endpoint_var` and `model_var`); set them in `environment` to a model server the cluster runs";
    "net" => L, "see `network_mode`";
    "network_mode" => L, "`host` → `hostNetwork`, without published ports (Docker discards them); `service:X` (or `container:NAME` of a service's `container_name`) → a container in the pod of X; `none` → a NetworkPolicy that allows no connection, with `--network-policies` (reported without it)";
    "networks" => L, "network aliases become Services (one headless Service over every service that shares an alias); with `--network-policies` the pod carries a `network.stackc.io/<network>` label per network, and otherwise custom networks are reported at the top level";
    "oom_kill_disable" => U, "the kubelet manages OOM handling";
    "oom_score_adj" => U, "the kubelet sets OOM scores from the QoS class";
    "pid" => L, "`host` → `hostPID`; `service:X` (or `container:NAME` of a service's `container_name`) → a container in the pod of X, with `shareProcessNamespace`";
    "pids_limit" => U, "the PID limit is a kubelet setting";
    "platform" => L, "pod `nodeSelector` on `kubernetes.io/os` and `kubernetes.io/arch` (platforms nodes do not report are reported and left out)";
    "ports" => L, "published → LoadBalancer Service `<name>-lb` (K3s ServiceLB binds the host port); without a host port (compose's random one) reported, SC1019; all → ClusterIP Service `<name>`; `name` and `app_protocol` → the Service port's `name` and `appProtocol`; a range is one port per number (more than 100 published reported, SC2002)";
    "post_start" => L, "container `lifecycle.postStart` exec";
    "pre_stop" => L, "container `lifecycle.preStop` exec";
    "privileged" => L, "container `securityContext.privileged`";
    "profiles" => L, "applied while loading (`--profile`)";
    "provider" => U, "provider services have no Kubernetes equivalent";
    "pull_policy" => L, "container `imagePullPolicy`";
    "read_only" => L, "container `securityContext.readOnlyRootFilesystem`";
    "restart" => L, "`no` or `none` → Job that never restarts, `on-failure[:N]` → Job (`backoffLimit` N; without N, or with 0, the largest limit, 2147483647, as Docker retries forever), `always`, `any` or `unless-stopped` → Deployment; unset (compose's `no`), or with no name before `:` (reported) → Deployment, or a Job that never restarts when another service waits for it with `service_completed_successfully`; an unknown policy, or a count with another policy than `on-failure`, is reported, as the engine refuses it";
    "runtime" => L, "pod `runtimeClassName` (`io.containerd.wasmedge.v1` → `wasmedge`, as K3s names them; `runc` is the default)";
    "scale" => L, "Deployment `replicas`";
    "secrets" => L, "the Secret's key mounted with `subPath` at `/run/secrets/<name>` or `target`, `mode` as the item mode, `gid` as the pod `fsGroup`; `uid` is reported";
    "security_opt" => L, "`no-new-privileges` → `allowPrivilegeEscalation: false`; `seccomp:unconfined` and `apparmor:unconfined` → `seccompProfile` and `appArmorProfile` `Unconfined` (podman: the `container.seccomp…`/`container.apparmor…` annotations it reads); `label:user/role/type/level:…` → `seLinuxOptions`, `label:disable` → type `spc_t` (podman: its `io.podman.annotations.label/…` annotation); profiles from files and other `label:` options are reported";
    "shm_size" => L, "a memory-backed `emptyDir` with that `sizeLimit` at `/dev/shm`";
    "stdin_open" => L, "container `stdin`";
    "stop_grace_period" => L, "pod `terminationGracePeriodSeconds`";
    "stop_signal" => U, "Kubernetes 1.33 always stops containers with the image's stop signal";
    "storage_opt" => U, "storage options are a node setting";
    "sysctls" => L, "pod `securityContext.sysctls` (unsafe ones need the kubelet's allow-list; `net.*` with `network_mode: host` and IPC ones with `ipc: host` are reported and left out)";
    "tmpfs" => L, "a memory-backed `emptyDir` (`size=` as `sizeLimit`)";
    "tty" => L, "container `tty`";
    "ulimits" => U, "resource limits of processes are a node setting";
    "use_api_socket" => U, "there is no Docker API in a Kubernetes pod";
    "user" => L, "container `runAsUser`/`runAsGroup` (numeric ids, and `root` as 0; other names SC1006); an empty user, as in `:` from unset variables, is the engine's root (0), and an empty group the user's own";
    "userns_mode" => L, "`host` → `hostUsers: true`, also Kubernetes' default; other modes are reported";
    "uts" => U, "the pod always has its own UTS namespace";
    "volume_driver" => U, "use a StorageClass";
    "volumes" => L, "named volume → claim (shared `ReadWriteOnce` claims co-locate their pods); anonymous → `emptyDir`; tmpfs → memory `emptyDir`; bind → `hostPath` with a warning, or a ConfigMap when listed in `x-stackc.config-files`; `read_only`, `subpath` kept; bind propagation → `mountPropagation` (`rshared` only in a privileged container, else approximated); SELinux relabelling reported; short-syntax options Compose ignores (`RO`, `uid=1000`) or reads as part of the target (`/tmp,ro`), and two mounts at one target in one list, are reported (SC0330, SC0333, SC0331)";
    "volumes_from" => L, "the named service's mounts at the same paths (all read-only with `:ro`): the same claims, hostPaths and files; its anonymous volumes and tmpfs are per pod (reported); `container:NAME` follows the service whose `container_name` it is, and is reported otherwise";
    "working_dir" => L, "container `workingDir`";
};

/// What [`SERVICE_KEYS`] says of one key path: lowering asks for every key that every service
/// sets, about 200 a service, so both answers come from one hash lookup.
#[derive(Default)]
struct PathSupport {
    row: Option<&'static KeySupport>,
    has_children: bool,
}

/// Every key of [`SERVICE_KEYS`] and every dotted prefix of one.
static SERVICE_PATHS: LazyLock<HashMap<&'static str, PathSupport, foldhash::fast::FixedState>> =
    LazyLock::new(|| {
        let mut paths: HashMap<&'static str, PathSupport, _> = HashMap::default();
        for row in SERVICE_KEYS {
            paths.entry(row.key).or_default().row.get_or_insert(row);
            for (dot, _) in row.key.match_indices('.') {
                paths.entry(&row.key[..dot]).or_default().has_children = true;
            }
        }
        paths
    });

/// The table row for a service key path, if there is one.
#[must_use]
pub fn service_key(path: &str) -> Option<&'static KeySupport> {
    SERVICE_PATHS.get(path).and_then(|support| support.row)
}

/// Whether the table lists keys below `path`, so that lowering walks into it.
#[must_use]
pub fn has_children(path: &str) -> bool {
    SERVICE_PATHS
        .get(path)
        .is_some_and(|support| support.has_children)
}

/// The text of `docs/compose-support.md`.
#[must_use]
pub fn markdown() -> String {
    let mut out = String::from(
        "# Compose support\n\n\
         <!-- Generated from `compiler/ir/support.rs` by `STACKC_UPDATE_DOCS=1 cargo test --lib ir::support`. -->\n\n\
         Every compose key ends in exactly one of: **lowered** (same behaviour), **approximated** \
         (a warning says how it differs) or **not supported** (a warning says so). A key that is \
         not in these tables is reported as not supported.\n\n",
    );
    for (title, rows) in [
        ("Top-level keys", PROJECT_KEYS),
        ("Service keys", SERVICE_KEYS),
    ] {
        let _ = write!(
            out,
            "## {title}\n\n| key | k3s | becomes |\n|---|---|---|\n"
        );
        for row in rows {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} |",
                row.key,
                row.k3s.as_str(),
                row.note
            );
        }
        out.push('\n');
    }
    out.pop();
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn keys_are_unique_and_walkable() {
        for (i, row) in super::SERVICE_KEYS.iter().enumerate() {
            assert!(
                super::SERVICE_KEYS[i + 1..]
                    .iter()
                    .all(|r| r.key != row.key),
                "`{}` is listed twice",
                row.key
            );
            assert!(
                !super::has_children(row.key),
                "`{}` has both a row and children",
                row.key
            );
        }
        assert!(super::has_children("deploy"));
        assert!(super::has_children("deploy.resources.limits"));
        assert!(!super::has_children("deploy.replicas"));
        assert!(!super::has_children("deploy.resources.limits.cpus"));
        assert!(!super::has_children("deploy.resources.lim"));
        assert!(!super::has_children("zzz"));
        assert!(super::service_key("nope").is_none());
    }

    /// The index answers as a scan of the table in its own order would.
    #[test]
    fn lookups_agree_with_a_scan_of_the_table() {
        let mut probes: Vec<&str> = vec!["", ".", "deploy.", "a", "zzzz"];
        for row in super::SERVICE_KEYS {
            for (i, _) in row.key.char_indices().skip(1) {
                probes.push(&row.key[..i]);
            }
            probes.push(row.key);
        }
        for path in probes {
            let found = super::SERVICE_KEYS.iter().find(|k| k.key == path);
            assert_eq!(
                super::service_key(path).map(|row| row.key),
                found.map(|row| row.key),
                "{path}"
            );
            let children = super::SERVICE_KEYS.iter().any(|k| {
                k.key.len() > path.len()
                    && k.key.starts_with(path)
                    && k.key.as_bytes()[path.len()] == b'.'
            });
            assert_eq!(super::has_children(path), children, "{path}");
        }
    }

    /// `docs/compose-support.md` is generated; `STACKC_UPDATE_DOCS=1` rewrites it.
    #[test]
    fn compose_support_doc_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/compose-support.md");
        let expected = super::markdown();
        if std::env::var_os("STACKC_UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/compose-support.md is stale: run `STACKC_UPDATE_DOCS=1 cargo test --lib ir::support`"
        );
    }
}
