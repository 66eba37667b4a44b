//! IR pods and containers → k8s-openapi pod specs.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::ir;

pub(super) fn spec(pod: &ir::Pod, restart_policy: Option<&str>) -> core::PodSpec {
    let security = pod_security(pod);
    core::PodSpec {
        containers: pod.containers.iter().map(container).collect(),
        init_containers: non_empty(pod.init_containers.iter().map(container).collect()),
        volumes: non_empty(pod.volumes.iter().map(volume).collect()),
        restart_policy: restart_policy.map(str::to_owned),
        // Compose injects no `<SERVICE>_PORT` variables; Kubernetes would, and they break images
        // that read a variable of the same name (for example `REDIS_PORT`).
        enable_service_links: Some(false),
        hostname: pod
            .subdomain
            .as_ref()
            .map(|s| s.hostname.clone())
            .or_else(|| pod.hostname.clone()),
        subdomain: pod.subdomain.as_ref().map(|s| s.name.clone()),
        host_aliases: host_aliases(pod),
        dns_config: dns_config(pod),
        security_context: security,
        termination_grace_period_seconds: pod.termination_grace_period_seconds,
        host_network: pod.host_network.then_some(true),
        host_ipc: pod.host_ipc.then_some(true),
        host_users: pod.host_users.then_some(true),
        host_pid: (pod.pid == ir::PidNamespace::Host).then_some(true),
        share_process_namespace: (pod.pid == ir::PidNamespace::Pod).then_some(true),
        node_selector: (!pod.node_selector.is_empty()).then(|| {
            pod.node_selector
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }),
        runtime_class_name: pod.runtime_class.clone(),
        ..core::PodSpec::default()
    }
}

fn pod_security(pod: &ir::Pod) -> Option<core::PodSecurityContext> {
    if pod.sysctls.is_empty() && pod.supplemental_groups.is_empty() && pod.fs_group.is_none() {
        return None;
    }
    Some(core::PodSecurityContext {
        fs_group: pod.fs_group,
        supplemental_groups: non_empty(pod.supplemental_groups.clone()),
        sysctls: sysctls(pod),
        ..core::PodSecurityContext::default()
    })
}

/// `extra_hosts`, one entry per address.
pub(in crate::backends) fn host_aliases(pod: &ir::Pod) -> Option<Vec<core::HostAlias>> {
    non_empty(
        pod.host_aliases
            .iter()
            .map(|(ip, names)| core::HostAlias {
                ip: ip.clone(),
                hostnames: Some(names.clone()),
            })
            .collect(),
    )
}

/// `dns`, `dns_search` and `dns_opt`.
pub(in crate::backends) fn dns_config(pod: &ir::Pod) -> Option<core::PodDNSConfig> {
    (!pod.dns.is_empty()).then(|| core::PodDNSConfig {
        nameservers: non_empty(pod.dns.nameservers.clone()),
        searches: non_empty(pod.dns.searches.clone()),
        options: non_empty(
            pod.dns
                .options
                .iter()
                .map(|(name, value)| core::PodDNSConfigOption {
                    name: Some(name.clone()),
                    value: value.clone(),
                })
                .collect(),
        ),
    })
}

pub(in crate::backends) fn sysctls(pod: &ir::Pod) -> Option<Vec<core::Sysctl>> {
    non_empty(
        pod.sysctls
            .iter()
            .map(|(name, value)| core::Sysctl {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
    )
}

pub(in crate::backends) fn volume_mounts(c: &ir::Container) -> Option<Vec<core::VolumeMount>> {
    non_empty(
        c.volume_mounts
            .iter()
            .map(|m| core::VolumeMount {
                name: m.volume.clone(),
                mount_path: m.mount_path.clone(),
                sub_path: m.sub_path.clone(),
                read_only: m.read_only.then_some(true),
                mount_propagation: m.propagation.map(|p| {
                    match p {
                        ir::MountPropagation::HostToContainer => "HostToContainer",
                        ir::MountPropagation::Bidirectional => "Bidirectional",
                    }
                    .to_owned()
                }),
                ..core::VolumeMount::default()
            })
            .collect(),
    )
}

fn container(c: &ir::Container) -> core::Container {
    let mut ports: Vec<core::ContainerPort> = Vec::new();
    // A set, not a scan of `ports`: one compose range (`1-65535`) is tens of thousands of ports.
    let mut seen = std::collections::HashSet::new();
    for p in &c.ports {
        if seen.insert((p.port, p.protocol)) {
            ports.push(core::ContainerPort {
                container_port: i32::from(p.port),
                protocol: Some(p.protocol.as_str().to_owned()),
                ..core::ContainerPort::default()
            });
        }
    }
    core::Container {
        name: c.name.clone(),
        image: Some(c.image.clone()),
        image_pull_policy: c.pull_policy.map(|p| format!("{p:?}")),
        command: c.command.as_ref().map(|argv| escape_all(argv)),
        args: c.args.as_ref().map(|argv| escape_all(argv)),
        env: non_empty(
            c.env
                .iter()
                .map(|(name, value)| core::EnvVar {
                    name: name.clone(),
                    value: Some(escape_expansion(value)),
                    ..core::EnvVar::default()
                })
                .collect(),
        ),
        env_from: non_empty(c.env_from.iter().map(env_from).collect()),
        ports: non_empty(ports),
        readiness_probe: c.probes.readiness.as_ref().map(probe),
        liveness_probe: c.probes.liveness.as_ref().map(probe),
        startup_probe: c.probes.startup.as_ref().map(probe),
        resources: resources(c),
        security_context: security(&c.security),
        working_dir: c.working_dir.clone(),
        tty: c.tty.then_some(true),
        stdin: c.stdin.then_some(true),
        lifecycle: lifecycle(c),
        volume_mounts: volume_mounts(c),
        ..core::Container::default()
    }
}

/// Kubernetes expands `$(VAR)` and turns `$$` into `$` in `command`, `args` and env values;
/// compose passes them through literally. Doubling every `$` that starts such a sequence keeps
/// the text literal, and leaves `$VAR` (which Kubernetes does not touch) as it is.
fn escape_expansion(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('$' | '(')) {
            out.push('$');
        }
    }
    out
}

pub(in crate::backends) fn escape_all(argv: &[String]) -> Vec<String> {
    argv.iter().map(|a| escape_expansion(a)).collect()
}

pub(in crate::backends) fn env_from(source: &ir::EnvSource) -> core::EnvFromSource {
    match source {
        ir::EnvSource::ConfigMap(name) => core::EnvFromSource {
            config_map_ref: Some(core::ConfigMapEnvSource {
                name: name.clone(),
                ..core::ConfigMapEnvSource::default()
            }),
            ..core::EnvFromSource::default()
        },
        ir::EnvSource::Secret(name) => core::EnvFromSource {
            secret_ref: Some(core::SecretEnvSource {
                name: name.clone(),
                ..core::SecretEnvSource::default()
            }),
            ..core::EnvFromSource::default()
        },
    }
}

pub(in crate::backends) fn probe(p: &ir::Probe) -> core::Probe {
    core::Probe {
        exec: Some(core::ExecAction {
            command: Some(p.exec.clone()),
        }),
        period_seconds: Some(p.period_seconds),
        timeout_seconds: Some(p.timeout_seconds),
        failure_threshold: Some(p.failure_threshold),
        ..core::Probe::default()
    }
}

/// Requests and limits, with one unit of each device plugin resource the container's devices
/// use and its NVIDIA GPUs (extended resources are set as limits only).
fn resources(c: &ir::Container) -> Option<core::ResourceRequirements> {
    let mut limits = c.resources.limits.clone();
    for device in &c.devices {
        if let ir::DeviceAccess::Resource { name } = &device.access {
            limits.extended.entry(name.clone()).or_insert(1);
        }
    }
    if let Some(gpus) = &c.gpus {
        // Kubernetes cannot request every GPU of a node; `all` requests one.
        limits
            .extended
            .insert("nvidia.com/gpu".to_owned(), gpus.count.unwrap_or(1).max(1));
    }
    let resources = ir::Resources {
        limits,
        requests: c.resources.requests.clone(),
    };
    (!resources.is_empty()).then(|| core::ResourceRequirements {
        limits: resource_list(&resources.limits),
        requests: resource_list(&resources.requests),
        ..core::ResourceRequirements::default()
    })
}

pub(in crate::backends) fn resource_list(
    list: &ir::ResourceList,
) -> Option<BTreeMap<String, Quantity>> {
    if list.is_empty() {
        return None;
    }
    let mut out = BTreeMap::new();
    if let Some(cpu) = list.cpu {
        out.insert("cpu".to_owned(), Quantity(cpu.quantity()));
    }
    if let Some(memory) = list.memory {
        out.insert("memory".to_owned(), Quantity(memory.quantity()));
    }
    for (name, count) in &list.extended {
        out.insert(name.clone(), Quantity(count.to_string()));
    }
    Some(out)
}

pub(in crate::backends) fn security(s: &ir::SecurityContext) -> Option<core::SecurityContext> {
    if *s == ir::SecurityContext::default() {
        return None;
    }
    let capabilities =
        (!s.cap_add.is_empty() || !s.cap_drop.is_empty()).then(|| core::Capabilities {
            add: non_empty(s.cap_add.clone()),
            drop: non_empty(s.cap_drop.clone()),
        });
    Some(core::SecurityContext {
        run_as_user: s.run_as_user,
        run_as_group: s.run_as_group,
        privileged: s.privileged.then_some(true),
        read_only_root_filesystem: s.read_only_root_filesystem.then_some(true),
        allow_privilege_escalation: s.no_new_privileges.then_some(false),
        capabilities,
        seccomp_profile: s.seccomp_unconfined.then(|| core::SeccompProfile {
            type_: "Unconfined".to_owned(),
            localhost_profile: None,
        }),
        app_armor_profile: s.apparmor_unconfined.then(|| core::AppArmorProfile {
            type_: "Unconfined".to_owned(),
            localhost_profile: None,
        }),
        se_linux_options: selinux_options(&s.selinux),
        ..core::SecurityContext::default()
    })
}

/// `label:disable` becomes `spc_t`, the type container-selinux gives a container whose
/// separation is turned off, as Docker's and Podman's `label=disable` do; like theirs, it
/// overrides the other parts.
fn selinux_options(label: &ir::SeLinux) -> Option<core::SELinuxOptions> {
    let options = if label.disabled {
        core::SELinuxOptions {
            type_: Some("spc_t".to_owned()),
            ..core::SELinuxOptions::default()
        }
    } else {
        core::SELinuxOptions {
            user: label.user.clone(),
            role: label.role.clone(),
            type_: label.type_.clone(),
            level: label.level.clone(),
        }
    };
    (options != core::SELinuxOptions::default()).then_some(options)
}

fn lifecycle(c: &ir::Container) -> Option<core::Lifecycle> {
    // Kubernetes runs one handler per hook; several compose hooks run in order in one shell.
    let handler = |hooks: &[Vec<String>]| -> Option<core::LifecycleHandler> {
        let command = match hooks {
            [] => return None,
            [one] => one.clone(),
            many => {
                let script = many
                    .iter()
                    .map(|argv| shell_join(argv))
                    .collect::<Vec<_>>()
                    .join(" && ");
                vec!["sh".to_owned(), "-c".to_owned(), script]
            }
        };
        Some(core::LifecycleHandler {
            exec: Some(core::ExecAction {
                command: Some(command),
            }),
            ..core::LifecycleHandler::default()
        })
    };
    let post_start = handler(&c.post_start);
    let pre_stop = handler(&c.pre_stop);
    (post_start.is_some() || pre_stop.is_some()).then(|| core::Lifecycle {
        post_start,
        pre_stop,
        ..core::Lifecycle::default()
    })
}

/// A POSIX-shell command line that runs exactly `argv`.
fn shell_join(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn volume(v: &ir::Volume) -> core::Volume {
    let mut out = core::Volume {
        name: v.name.clone(),
        ..core::Volume::default()
    };
    match &v.source {
        ir::VolumeSource::EmptyDir {
            in_memory,
            size_limit,
        } => {
            out.empty_dir = Some(core::EmptyDirVolumeSource {
                medium: in_memory.then(|| "Memory".to_owned()),
                size_limit: size_limit.map(|s| Quantity(s.quantity())),
            });
        }
        ir::VolumeSource::Claim { claim, read_only } => {
            out.persistent_volume_claim = Some(core::PersistentVolumeClaimVolumeSource {
                claim_name: claim.clone(),
                read_only: read_only.then_some(true),
            });
        }
        ir::VolumeSource::ConfigMap { config_map, items } => {
            out.config_map = Some(core::ConfigMapVolumeSource {
                name: config_map.clone(),
                items: non_empty(items.iter().map(key_to_path).collect()),
                ..core::ConfigMapVolumeSource::default()
            });
        }
        ir::VolumeSource::Secret { secret, items } => {
            out.secret = Some(core::SecretVolumeSource {
                secret_name: Some(secret.clone()),
                items: non_empty(items.iter().map(key_to_path).collect()),
                ..core::SecretVolumeSource::default()
            });
        }
        // containerd creates a missing source as a directory, as compose does.
        ir::VolumeSource::HostPath { path, .. } => {
            out.host_path = Some(core::HostPathVolumeSource {
                path: path.clone(),
                ..core::HostPathVolumeSource::default()
            });
        }
        ir::VolumeSource::Device { path } => {
            let kind = if ir::lower::DEVICE_DIRECTORIES.contains(&path.as_str()) {
                "Directory"
            } else {
                "CharDevice"
            };
            out.host_path = Some(core::HostPathVolumeSource {
                path: path.clone(),
                type_: Some(kind.to_owned()),
            });
        }
    }
    out
}

fn key_to_path(k: &ir::KeyToPath) -> core::KeyToPath {
    core::KeyToPath {
        key: k.key.clone(),
        path: k.path.clone(),
        mode: k.mode,
    }
}

pub(in crate::backends) fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::{escape_expansion, shell_join};

    #[test]
    fn kubernetes_expansion_is_escaped() {
        assert_eq!(escape_expansion("echo $(date)"), "echo $$(date)");
        assert_eq!(escape_expansion("$HOME and $$"), "$HOME and $$$");
        assert_eq!(escape_expansion("cost: 5$"), "cost: 5$");
    }

    #[test]
    fn hooks_join_into_one_shell_line() {
        let argv = vec![
            "echo".to_owned(),
            "it's done".to_owned(),
            "--x=1".to_owned(),
        ];
        assert_eq!(shell_join(&argv), r"echo 'it'\''s done' --x=1");
    }
}
