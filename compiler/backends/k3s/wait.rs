//! K3s objects for `depends_on` waits and the generic device plugin.
//!
//! A dependent pod waits in init containers: a TCP connection loop to the dependency's Service,
//! or a loop until a headless Service's name resolves (no cluster access needed for either), or
//! `kubectl wait` for a Job, which needs a `ServiceAccount` allowed to read that Job and nothing
//! else.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, DaemonSetSpec};
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::Meta;
use crate::ir::names::distinct_dns_label;
use crate::ir::{self, Wait};

/// Small, pinned, with `nc`, `grep` and `sh`.
const BUSYBOX_IMAGE: &str = "docker.io/library/busybox:1.36.1";
/// The upstream kubectl image, pinned.
const JOB_WAIT_IMAGE: &str = "registry.k8s.io/kubectl:v1.33.4";
/// squat/generic-device-plugin 0.2.0, pinned by digest.
const DEVICE_PLUGIN_IMAGE: &str = "ghcr.io/squat/generic-device-plugin:0.2.0@sha256:66c8d5c270eb2b721f1064c549b9b7898152a6d2f0163380a5d37dc7636c20ff";
/// The name of the generic device plugin's DaemonSet and ConfigMap.
pub(super) const DEVICE_PLUGIN: &str = "stackc-device-plugin";
/// The resource domain of devices the generic plugin advertises.
const DEVICE_DOMAIN: &str = "stackc.io";

/// The name of the `ServiceAccount`, `Role` and `RoleBinding` a workload's Job waits use.
pub(super) fn account(workload: &ir::Workload) -> Option<String> {
    workload
        .depends_on
        .iter()
        .any(|d| matches!(d.wait, Some(Wait::JobComplete { .. })))
        .then(|| distinct_dns_label(&format!("{}-wait", workload.name)))
}

/// One init container per awaited dependency, in `depends_on` order.
pub(super) fn init_containers(workload: &ir::Workload) -> Vec<core::Container> {
    workload
        .depends_on
        .iter()
        .filter_map(|d| {
            let (image, command) = match d.wait.as_ref()? {
                Wait::Tcp { host, port } => (
                    BUSYBOX_IMAGE,
                    vec![
                        "sh".to_owned(),
                        "-c".to_owned(),
                        format!(
                            "until nc -z -w 2 {host} {port}; do echo waiting for {host}:{port}; sleep 2; done"
                        ),
                    ],
                ),
                // busybox's `nc` says `bad address` when the name does not resolve; any other
                // outcome (connected, refused, timed out) means it does.
                Wait::Resolves { host } => (
                    BUSYBOX_IMAGE,
                    vec![
                        "sh".to_owned(),
                        "-c".to_owned(),
                        format!(
                            "while nc -z -w 2 {host} 9 2>&1 | grep -q 'bad address'; do echo waiting for {host} to resolve; sleep 2; done"
                        ),
                    ],
                ),
                Wait::JobComplete { job } => (
                    JOB_WAIT_IMAGE,
                    vec![
                        "kubectl".to_owned(),
                        "wait".to_owned(),
                        "--for=condition=complete".to_owned(),
                        "--timeout=-1s".to_owned(),
                        format!("job/{job}"),
                    ],
                ),
            };
            Some(core::Container {
                name: distinct_dns_label(&format!("wait-for-{}", d.service)),
                image: Some(image.to_owned()),
                command: Some(command),
                ..core::Container::default()
            })
        })
        .collect()
}

/// The `ServiceAccount`, `Role` and `RoleBinding` that let `name`'s init containers read the Jobs
/// they wait for.
pub(super) fn rbac(
    meta: &Meta<'_>,
    workload: &ir::Workload,
    name: &str,
) -> (core::ServiceAccount, Role, RoleBinding) {
    let jobs: Vec<String> = workload
        .depends_on
        .iter()
        .filter_map(|d| match &d.wait {
            Some(Wait::JobComplete { job }) => Some(job.clone()),
            _ => None,
        })
        .collect();
    let metadata = meta.object(name, &workload.name);
    let account = core::ServiceAccount {
        metadata: metadata.clone(),
        ..core::ServiceAccount::default()
    };
    let role = Role {
        metadata: metadata.clone(),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec!["batch".to_owned()]),
            resources: Some(vec!["jobs".to_owned()]),
            resource_names: Some(jobs),
            verbs: vec!["get".to_owned(), "list".to_owned(), "watch".to_owned()],
            ..PolicyRule::default()
        }]),
    };
    let binding = RoleBinding {
        metadata,
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".to_owned(),
            kind: "Role".to_owned(),
            name: name.to_owned(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".to_owned(),
            name: name.to_owned(),
            namespace: meta.options.namespace.clone(),
            ..Subject::default()
        }]),
    };
    (account, role, binding)
}

/// The generic device plugin's configuration (one key per resource, the device in the plugin's
/// JSON form) and its DaemonSet, which reads each key into a `--device` argument.
pub(super) fn device_plugin(
    meta: &Meta<'_>,
    plugin: &ir::DevicePlugin,
) -> (core::ConfigMap, DaemonSet) {
    let mut data = BTreeMap::new();
    let mut args = vec!["--domain".to_owned(), DEVICE_DOMAIN.to_owned()];
    let mut env = Vec::new();
    for (i, (resource, paths)) in plugin.devices.iter().enumerate() {
        let name = resource
            .strip_prefix(&format!("{DEVICE_DOMAIN}/"))
            .unwrap_or(resource);
        let spec = serde_json::json!({
            "name": name,
            "groups": [{"paths": paths.iter().map(|p| serde_json::json!({"path": p})).collect::<Vec<_>>()}],
        });
        data.insert(name.to_owned(), spec.to_string());
        let variable = format!("DEVICE_{i}");
        args.push("--device".to_owned());
        args.push(format!("$({variable})"));
        env.push(core::EnvVar {
            name: variable,
            value_from: Some(core::EnvVarSource {
                config_map_key_ref: Some(core::ConfigMapKeySelector {
                    name: DEVICE_PLUGIN.to_owned(),
                    key: name.to_owned(),
                    ..core::ConfigMapKeySelector::default()
                }),
                ..core::EnvVarSource::default()
            }),
            ..core::EnvVar::default()
        });
    }
    let config = core::ConfigMap {
        metadata: meta.object(DEVICE_PLUGIN, DEVICE_PLUGIN),
        data: Some(data),
        ..core::ConfigMap::default()
    };
    let host = |name: &str, path: &str| core::Volume {
        name: name.to_owned(),
        host_path: Some(core::HostPathVolumeSource {
            path: path.to_owned(),
            ..core::HostPathVolumeSource::default()
        }),
        ..core::Volume::default()
    };
    let mount = |name: &str, path: &str| core::VolumeMount {
        name: name.to_owned(),
        mount_path: path.to_owned(),
        ..core::VolumeMount::default()
    };
    let container = core::Container {
        name: "device-plugin".to_owned(),
        image: Some(DEVICE_PLUGIN_IMAGE.to_owned()),
        args: Some(args),
        env: Some(env),
        security_context: Some(core::SecurityContext {
            privileged: Some(true),
            ..core::SecurityContext::default()
        }),
        volume_mounts: Some(vec![
            mount("device-plugins", "/var/lib/kubelet/device-plugins"),
            mount("dev", "/dev"),
        ]),
        ..core::Container::default()
    };
    let daemon_set = DaemonSet {
        metadata: meta.object(DEVICE_PLUGIN, DEVICE_PLUGIN),
        spec: Some(DaemonSetSpec {
            selector: LabelSelector {
                match_labels: Some(meta.selector(DEVICE_PLUGIN)),
                ..LabelSelector::default()
            },
            template: core::PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(meta.labels(DEVICE_PLUGIN)),
                    ..ObjectMeta::default()
                }),
                spec: Some(core::PodSpec {
                    containers: vec![container],
                    tolerations: Some(vec![core::Toleration {
                        operator: Some("Exists".to_owned()),
                        ..core::Toleration::default()
                    }]),
                    volumes: Some(vec![
                        host("device-plugins", "/var/lib/kubelet/device-plugins"),
                        host("dev", "/dev"),
                    ]),
                    ..core::PodSpec::default()
                }),
            },
            ..DaemonSetSpec::default()
        }),
        ..DaemonSet::default()
    };
    (config, daemon_set)
}
