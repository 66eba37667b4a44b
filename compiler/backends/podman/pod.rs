//! IR workloads → `kind: Pod` documents in the subset Podman 5 reads.
//!
//! Fields `podman kube play` ignores (readiness probes, `runtimeClassName`, `nodeSelector`,
//! `tty`, `stdin`, lifecycle hooks) are not written; `super::check` reports them.

use std::collections::HashSet;

use indexmap::IndexMap;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::HostIpPort;
use crate::backends::k3s::pod::{
    dns_config, env_from, escape_all, host_aliases, non_empty, probe, resource_list, security,
    sysctls, volume_mounts,
};
use crate::ir;

/// The pod of one workload. `host_ip_ports` are the first container's ports published on one
/// host address.
pub(super) fn pod(
    workload: &ir::Workload,
    metadata: ObjectMeta,
    host_ip_ports: &[HostIpPort],
) -> core::Pod {
    let restart_policy = match workload.kind {
        ir::WorkloadKind::Deployment { .. } | ir::WorkloadKind::DaemonSet => "Always",
        ir::WorkloadKind::Job {
            restart_on_failure: true,
            ..
        } => "OnFailure",
        ir::WorkloadKind::Job { .. } => "Never",
    };
    let pod = &workload.pod;
    let mut metadata = metadata;
    profile_annotations(pod, &mut metadata);
    core::Pod {
        metadata,
        spec: Some(core::PodSpec {
            containers: pod
                .containers
                .iter()
                .enumerate()
                .map(|(i, c)| container(c, true, if i == 0 { host_ip_ports } else { &[] }))
                .collect(),
            init_containers: non_empty(
                pod.init_containers
                    .iter()
                    .map(|c| container(c, false, &[]))
                    .collect(),
            ),
            volumes: non_empty(pod.volumes.iter().map(volume).collect()),
            restart_policy: Some(restart_policy.to_owned()),
            hostname: pod.hostname.clone(),
            host_aliases: host_aliases(pod),
            dns_config: dns_config(pod),
            security_context: pod_security(pod),
            termination_grace_period_seconds: pod.termination_grace_period_seconds,
            host_network: pod.host_network.then_some(true),
            host_ipc: pod.host_ipc.then_some(true),
            host_users: pod.host_users.then_some(true),
            host_pid: (pod.pid == ir::PidNamespace::Host).then_some(true),
            share_process_namespace: (pod.pid == ir::PidNamespace::Pod).then_some(true),
            ..core::PodSpec::default()
        }),
        ..core::Pod::default()
    }
}

fn pod_security(pod: &ir::Pod) -> Option<core::PodSecurityContext> {
    if pod.sysctls.is_empty() && pod.supplemental_groups.is_empty() {
        return None;
    }
    Some(core::PodSecurityContext {
        supplemental_groups: non_empty(pod.supplemental_groups.clone()),
        sysctls: sysctls(pod),
        ..core::PodSecurityContext::default()
    })
}

/// A container; init containers (`probes: false`) must not have probes under podman.
fn container(c: &ir::Container, probes: bool, host_ip_ports: &[HostIpPort]) -> core::Container {
    // Ports by (container port, host port, protocol), in first-seen order: a map, not scans of
    // the list, since one compose range (`1-65535`) is tens of thousands of ports.
    let mut ports: IndexMap<(u16, Option<u16>, ir::Protocol), core::ContainerPort> =
        IndexMap::new();
    for p in &c.ports {
        ports
            .entry((p.port, p.published, p.protocol))
            .or_insert_with(|| core::ContainerPort {
                container_port: i32::from(p.port),
                host_port: p.published.map(i32::from),
                protocol: Some(p.protocol.as_str().to_owned()),
                ..core::ContainerPort::default()
            });
    }
    for p in host_ip_ports {
        ports
            .entry((p.port, Some(p.host_port), p.protocol))
            .or_insert_with(|| core::ContainerPort {
                container_port: i32::from(p.port),
                host_port: Some(i32::from(p.host_port)),
                protocol: Some(p.protocol.as_str().to_owned()),
                ..core::ContainerPort::default()
            })
            .host_ip = Some(p.host_ip.clone());
    }
    // An unpublished port listed next to the same port published adds nothing.
    let published: HashSet<(u16, ir::Protocol)> = ports
        .keys()
        .filter(|(_, host, _)| host.is_some())
        .map(|&(port, _, protocol)| (port, protocol))
        .collect();
    ports.retain(|&(port, host, protocol), _| {
        host.is_some() || !published.contains(&(port, protocol))
    });
    let ports: Vec<core::ContainerPort> = ports.into_values().collect();
    core::Container {
        name: c.name.clone(),
        image: Some(if c.built {
            c.image.clone()
        } else {
            ir::image::docker_reference(&c.image)
        }),
        image_pull_policy: c.pull_policy.map(|p| format!("{p:?}")),
        command: c.command.as_ref().map(|argv| escape_all(argv)),
        args: c.args.as_ref().map(|argv| escape_all(argv)),
        env: non_empty(
            c.env
                .iter()
                .map(|(name, value)| core::EnvVar {
                    name: name.clone(),
                    value: Some(value.clone()),
                    ..core::EnvVar::default()
                })
                .collect(),
        ),
        env_from: non_empty(c.env_from.iter().map(env_from).collect()),
        ports: non_empty(ports),
        liveness_probe: c.probes.liveness.as_ref().filter(|_| probes).map(probe),
        startup_probe: c.probes.startup.as_ref().filter(|_| probes).map(probe),
        resources: (!c.resources.is_empty()).then(|| core::ResourceRequirements {
            limits: resource_list(&c.resources.limits),
            requests: resource_list(&c.resources.requests),
            ..core::ResourceRequirements::default()
        }),
        security_context: container_security(&c.security),
        working_dir: c.working_dir.clone(),
        volume_mounts: volume_mounts(c).map(without_propagation),
        ..core::Container::default()
    }
}

/// Podman does not read `mountPropagation`; `super::check` reports it.
fn without_propagation(mut mounts: Vec<core::VolumeMount>) -> Vec<core::VolumeMount> {
    for mount in &mut mounts {
        mount.mount_propagation = None;
    }
    mounts
}

/// A pod volume. Secret and ConfigMap volumes take the whole object with the items' common mode
/// as `defaultMode`: podman ignores item modes, rejects item paths with directories, and shares
/// one podman volume per object, so mounts pick their key with `subPath` instead.
fn volume(v: &ir::Volume) -> core::Volume {
    let mut out = core::Volume {
        name: v.name.clone(),
        ..core::Volume::default()
    };
    match &v.source {
        ir::VolumeSource::EmptyDir { in_memory, .. } => {
            out.empty_dir = Some(core::EmptyDirVolumeSource {
                medium: in_memory.then(|| "Memory".to_owned()),
                size_limit: None,
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
                default_mode: default_mode(items),
                ..core::ConfigMapVolumeSource::default()
            });
        }
        ir::VolumeSource::Secret { secret, items } => {
            out.secret = Some(core::SecretVolumeSource {
                secret_name: Some(secret.clone()),
                default_mode: default_mode(items),
                ..core::SecretVolumeSource::default()
            });
        }
        // Podman refuses a missing source unless told to create it.
        ir::VolumeSource::HostPath { path, create } => {
            out.host_path = Some(core::HostPathVolumeSource {
                path: path.clone(),
                type_: create.then(|| "DirectoryOrCreate".to_owned()),
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

/// Podman reads seccomp and AppArmor profiles from the annotations Kubernetes used before the
/// `securityContext` fields, and ignores the fields (checked on Podman 5.4: `Seccomp: 2` with
/// `seccompProfile: Unconfined`, `0` with the annotation). It turns SELinux separation off with
/// its own annotation, where Kubernetes can only name the `spc_t` type.
fn profile_annotations(pod: &ir::Pod, metadata: &mut ObjectMeta) {
    for c in &pod.containers {
        let annotations = [
            (
                c.security.seccomp_unconfined,
                "container.seccomp.security.alpha.kubernetes.io/",
                "unconfined",
            ),
            (
                c.security.apparmor_unconfined,
                "container.apparmor.security.beta.kubernetes.io/",
                "unconfined",
            ),
            (
                c.security.selinux.disabled,
                "io.podman.annotations.label/",
                "disable",
            ),
        ];
        for (_, prefix, value) in annotations.iter().filter(|(on, ..)| *on) {
            metadata
                .annotations
                .get_or_insert_default()
                .insert(format!("{prefix}{}", c.name), (*value).to_owned());
        }
    }
}

/// The k3s security context without the profiles and the SELinux switch podman takes from
/// annotations.
fn container_security(s: &ir::SecurityContext) -> Option<core::SecurityContext> {
    let mut context = security(s)?;
    context.seccomp_profile = None;
    context.app_armor_profile = None;
    if s.selinux.disabled {
        context.se_linux_options = None;
    }
    (context != core::SecurityContext::default()).then_some(context)
}

/// The mode of the first item that has one; `super::check` reports items that differ.
pub(super) fn default_mode(items: &[ir::KeyToPath]) -> Option<i32> {
    items.iter().find_map(|i| i.mode)
}
