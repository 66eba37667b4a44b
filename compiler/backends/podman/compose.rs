//! What the podman target needs from the compose model that lowering does not carry yet:
//! devices, GPUs, `depends_on`, and the host address of published ports.
//!
//! The shared lowering marks these keys as planned. Until it lowers them, this module fills the
//! IR fields that already exist for them (pod volumes and mounts, extended resources) and keeps what the IR has no field for (dependencies, device nodes, host
//! addresses) in [`Extras`]. Each step skips what lowering already produced (the same resource),
//! so that once lowering handles a key, the matching step here adds nothing and can be deleted.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, Locate};
use crate::model;

/// Service keys this module lowers for podman. Lowering's "left out" warnings for them do not
/// apply to the podman target.
pub(super) const HANDLED_KEYS: &[&str] = &[
    "depends_on",
    "deploy.resources.reservations.devices",
    "devices",
    "gpus",
];

/// How a dependency must have progressed before its dependent starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Started,
    Healthy,
    CompletedSuccessfully,
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The compose name of the service depended on.
    pub service: String,
    pub condition: Condition,
}

/// What the IR has no field for yet, keyed by compose service name.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `depends_on`, in compose order, only on services of the project.
    pub depends_on: IndexMap<String, Vec<Dependency>>,
    /// Names of the pod volumes that are device nodes (`hostPath` `type: CharDevice`).
    pub char_devices: IndexMap<String, Vec<String>>,
    /// Ports published on one host address, which the IR does not keep (podman binds `hostIP`).
    pub host_ip_ports: IndexMap<String, Vec<HostIpPort>>,
}

/// A port compose publishes on one host address only (`127.0.0.1:5432:5432`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostIpPort {
    pub port: u16,
    pub protocol: ir::Protocol,
    pub host_port: u16,
    pub host_ip: String,
}

/// Fills `project` from `compose` and returns what the IR cannot hold.
pub(super) fn complete(
    project: &mut ir::Project,
    compose: &model::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Extras {
    let mut cx = Completion {
        locations,
        diagnostics,
        extras: Extras::default(),
    };
    for (name, service) in &compose.services {
        let Some(workload) = project.workloads.get_mut(name) else {
            continue;
        };
        cx.devices(name, service, workload);
        cx.gpus(name, service, workload);
        let ports = host_ip_ports(service);
        if !ports.is_empty() {
            cx.extras.host_ip_ports.insert(name.clone(), ports);
        }
        let deps: Vec<Dependency> = service
            .depends_on
            .iter()
            .filter(|(dep, _)| compose.services.contains_key(*dep))
            .map(|(dep, d)| Dependency {
                service: dep.clone(),
                condition: match d.condition.as_str() {
                    "service_healthy" => Condition::Healthy,
                    "service_completed_successfully" => Condition::CompletedSuccessfully,
                    _ => Condition::Started,
                },
            })
            .collect();
        if !deps.is_empty() {
            cx.extras.depends_on.insert(name.clone(), deps);
        }
    }
    cx.extras
}

struct Completion<'a, L> {
    locations: &'a L,
    diagnostics: &'a mut Diagnostics,
    extras: Extras,
}

impl<L: Locate> Completion<'_, L> {
    fn warn(&mut self, code: Code, path: &[&str], message: String, label: &str) {
        let span = self.locations.span(path);
        self.diagnostics
            .push(Diagnostic::warning(code, message).with_label(span, label));
    }

    /// `devices`: the same path → a `podman.io/device` resource; another path → a `CharDevice`
    /// hostPath volume mounted there.
    fn devices(&mut self, name: &str, service: &model::ServiceConfig, workload: &mut ir::Workload) {
        for (i, device) in service.devices.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "devices", &index];
            if !matches!(device.permissions.as_str(), "" | "rwm") {
                self.warn(
                    Code::PodmanDevice,
                    &path,
                    format!(
                        "device `{}` of service `{name}` is passed with read, write and mknod access, not `{}`",
                        device.source, device.permissions
                    ),
                    "permissions not kept",
                );
            }
            let target = if device.target.is_empty() {
                &device.source
            } else {
                &device.target
            };
            if *target == device.source {
                workload.pod.containers[0]
                    .resources
                    .limits
                    .extended
                    .entry(format!("podman.io/device={}", device.source))
                    .or_insert(1);
                continue;
            }
            let volume = format!("device-{i}");
            add_volume(
                &mut workload.pod,
                &volume,
                ir::VolumeSource::HostPath {
                    path: device.source.clone(),
                },
            );
            workload.pod.containers[0]
                .volume_mounts
                .push(ir::VolumeMount {
                    volume: volume.clone(),
                    mount_path: target.clone(),
                    sub_path: None,
                    read_only: false,
                });
            self.extras
                .char_devices
                .entry(name.to_owned())
                .or_default()
                .push(volume);
        }
    }

    /// `gpus` and GPU reservations → CDI names of the NVIDIA Container Toolkit.
    fn gpus(&mut self, name: &str, service: &model::ServiceConfig, workload: &mut ir::Workload) {
        let reservations = service
            .deploy
            .as_ref()
            .and_then(|d| d.resources.reservations.as_ref())
            .map(|r| r.devices.as_slice())
            .unwrap_or_default();
        let requests = service
            .gpus
            .iter()
            .enumerate()
            .map(|(i, r)| (vec!["services", name, "gpus"], i, r))
            .chain(reservations.iter().enumerate().map(|(i, r)| {
                (
                    vec![
                        "services",
                        name,
                        "deploy",
                        "resources",
                        "reservations",
                        "devices",
                    ],
                    i,
                    r,
                )
            }));
        let mut names: Vec<String> = Vec::new();
        let mut problems: Vec<(Vec<String>, String, &'static str)> = Vec::new();
        for (key, i, request) in requests {
            let mut path: Vec<String> = key.iter().map(|s| (*s).to_owned()).collect();
            path.push(i.to_string());
            let nvidia = matches!(request.driver.as_str(), "" | "nvidia")
                && (request.capabilities.is_empty()
                    || request.capabilities.iter().any(|c| c == "gpu"));
            if !nvidia {
                problems.push((
                    path,
                    format!(
                        "the device request of service `{name}` (driver `{}`, capabilities {:?}) is left out: podman knows CDI names for NVIDIA GPUs only",
                        request.driver, request.capabilities
                    ),
                    "no CDI name",
                ));
                continue;
            }
            if request.device_ids.is_empty() {
                if request.count > 0 {
                    problems.push((
                        path,
                        format!(
                            "service `{name}` asks for {} GPU(s); podman gets every GPU (`nvidia.com/gpu=all`) because CDI picks devices by id",
                            request.count
                        ),
                        "count not kept",
                    ));
                }
                names.push("nvidia.com/gpu=all".to_owned());
            } else {
                names.extend(
                    request
                        .device_ids
                        .iter()
                        .map(|id| format!("nvidia.com/gpu={id}")),
                );
            }
        }
        for (path, message, label) in problems {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            self.warn(Code::PodmanGpu, &path, message, label);
        }
        let limits = &mut workload.pod.containers[0].resources.limits.extended;
        for cdi in names {
            limits.entry(cdi).or_insert(1);
        }
    }
}

/// Ports published on a single host address. Lowering keeps no address: it drops loopback ports
/// and publishes the others on every address, as a K3s LoadBalancer would.
fn host_ip_ports(service: &model::ServiceConfig) -> Vec<HostIpPort> {
    service
        .ports
        .iter()
        .filter(|p| !matches!(p.host_ip.as_str(), "" | "0.0.0.0" | "::" | "[::]"))
        .filter_map(|p| {
            let host_port = p.published.split('-').next()?.parse::<u16>().ok()?;
            let protocol = match p.protocol.to_ascii_lowercase().as_str() {
                "" | "tcp" => ir::Protocol::Tcp,
                "udp" => ir::Protocol::Udp,
                "sctp" => ir::Protocol::Sctp,
                _ => return None,
            };
            Some(HostIpPort {
                port: u16::try_from(p.target).ok().filter(|&n| n != 0)?,
                protocol,
                host_port: (host_port != 0).then_some(host_port)?,
                host_ip: p
                    .host_ip
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            })
        })
        .collect()
}

/// Adds a pod volume unless one of that name exists (a second mount of the same source).
fn add_volume(pod: &mut ir::Pod, name: &str, source: ir::VolumeSource) {
    if !pod.volumes.iter().any(|v| v.name == name) {
        pod.volumes.push(ir::Volume {
            name: name.to_owned(),
            source,
        });
    }
}
