//! Devices and GPUs: what the device profiles and NVIDIA requests need beyond one container.
//!
//! - The `generic` profile needs the generic device plugin on every node, configured with the
//!   devices the project uses: collected here into [`DevicePlugin`].
//! - The `hostpath` profile mounts each device node as a hostPath volume in a privileged
//!   container, with a warning.
//! - NVIDIA GPUs need `runtimeClassName: nvidia`; a request for every GPU, or for GPUs by id,
//!   cannot be kept as written.
//!
//! The resource limits themselves are read from [`Container::devices`](crate::ir::Container) and
//! `gpus` by the backends, since each runtime names devices its own way.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::lower::DEVICE_DIRECTORIES;
use crate::ir::names::distinct_dns_label;
use crate::ir::{DeviceAccess, DevicePlugin, Locate, Project, Volume, VolumeMount, VolumeSource};
use crate::source::Span;

/// The RuntimeClass K3s creates when it finds the NVIDIA container runtime.
pub(crate) const NVIDIA_RUNTIME: &str = "nvidia";

pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    let mut plugin = DevicePlugin::default();
    for workload in project.workloads.values_mut() {
        let pod = &mut workload.pod;
        let mut gpu = false;
        for container in &mut pod.containers {
            // A service that joined this pod keeps its own name in reports.
            let name = &container.service;
            for device in &container.devices {
                match &device.access {
                    DeviceAccess::Resource { name: resource }
                        if resource.starts_with("stackc.io/") =>
                    {
                        let paths = plugin.devices.entry(resource.clone()).or_default();
                        let path = if DEVICE_DIRECTORIES.contains(&device.source.as_str()) {
                            format!("{}/*", device.source)
                        } else {
                            device.source.clone()
                        };
                        if !paths.contains(&path) {
                            paths.push(path);
                        }
                    }
                    DeviceAccess::Resource { .. } => {}
                    DeviceAccess::HostPath => {
                        diagnostics.push(
                            Diagnostic::warning(
                                Code::DeviceHostPath,
                                format!(
                                    "device `{}` of service `{name}` is mounted from the node and its container runs privileged",
                                    device.source
                                ),
                            )
                            .with_label(locations.span(&["services", name, "devices"]), "hostpath device profile")
                            .with_help("choose a device plugin profile (`generic`, `intel`, `intel-xe`, `amd`) to avoid privileged containers"),
                        );
                        let volume = device_volume(&device.source);
                        if !pod.volumes.iter().any(|v| v.name == volume) {
                            pod.volumes.push(Volume {
                                name: volume.clone(),
                                source: VolumeSource::Device {
                                    path: device.source.clone(),
                                },
                            });
                        }
                        container.volume_mounts.push(VolumeMount {
                            volume,
                            mount_path: device.target.clone(),
                            sub_path: None,
                            read_only: false,
                            propagation: None,
                        });
                        container.security.privileged = true;
                    }
                }
            }
            let Some(gpus) = &container.gpus else {
                continue;
            };
            gpu = true;
            let path = gpu_request_span(locations, name);
            if gpus.count.is_none() {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::GpuCount,
                        format!("service `{name}` asks for every GPU of the node; it gets one (`nvidia.com/gpu: 1`)"),
                    )
                    .with_label(path, "`all` GPUs")
                    .with_help("write `count: N` to request N GPUs"),
                );
            }
            if !gpus.device_ids.is_empty() {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::GpuCount,
                        format!(
                            "service `{name}` asks for GPUs `{}`; the NVIDIA device plugin chooses which {} GPU(s) it gets",
                            gpus.device_ids.join("`, `"),
                            gpus.device_ids.len()
                        ),
                    )
                    .with_label(path, "device ids not kept"),
                );
            }
        }
        if gpu && pod.runtime_class.is_none() {
            pod.runtime_class = Some(NVIDIA_RUNTIME.to_owned());
        }
    }
    if !plugin.devices.is_empty() {
        project.device_plugin = Some(plugin);
    }
}

/// The pod volume of a device mounted from the node: `device-<path>`, kept distinct for paths
/// that share their first characters, as serial adapters' `/dev/serial/by-id/` names of one
/// model do.
pub(crate) fn device_volume(source: &str) -> String {
    distinct_dns_label(&format!("device-{}", source.trim_start_matches("/dev/")))
}

/// Where a service asks for GPUs: `gpus:`, else its device reservations, else the service.
pub(crate) fn gpu_request_span(locations: &impl Locate, service: &str) -> Option<Span> {
    let reservations = [
        "services",
        service,
        "deploy",
        "resources",
        "reservations",
        "devices",
    ];
    locations
        .exact_span(&["services", service, "gpus"])
        .or_else(|| locations.exact_span(&reservations))
        .or_else(|| locations.span(&["services", service]))
}
