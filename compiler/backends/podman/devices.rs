//! Devices and GPUs the podman way: a device at its host path becomes a `podman.io/device=PATH`
//! resource limit (Podman 5.4 and later), a device at another path a `CharDevice` hostPath
//! volume, and NVIDIA GPUs CDI names of the NVIDIA Container Toolkit (`nvidia.com/gpu=all`).
//! Devices of the `hostpath` profile are already mounted by the `devices` pass.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, DeviceAccess, Locate};

pub(super) fn run(
    project: &mut ir::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) {
    for workload in project.workloads.values_mut() {
        let pod = &mut workload.pod;
        for container in &mut pod.containers {
            // A service that joined this pod keeps its own name in reports.
            let name = &container.service;
            for device in &container.devices {
                if device.access == DeviceAccess::HostPath {
                    continue;
                }
                if !matches!(device.permissions.as_str(), "" | "rwm") {
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::PodmanDevice,
                            format!(
                                "device `{}` of service `{name}` is passed with read, write and mknod access, not `{}`",
                                device.source, device.permissions
                            ),
                        )
                        .with_label(locations.span(&["services", name, "devices"]), "permissions not kept"),
                    );
                }
                if device.target == device.source {
                    container
                        .resources
                        .limits
                        .extended
                        .entry(format!("podman.io/device={}", device.source))
                        .or_insert(1);
                    continue;
                }
                let volume = crate::passes::devices::device_volume(&device.source);
                if !pod.volumes.iter().any(|v| v.name == volume) {
                    pod.volumes.push(ir::Volume {
                        name: volume.clone(),
                        source: ir::VolumeSource::Device {
                            path: device.source.clone(),
                        },
                    });
                }
                container.volume_mounts.push(ir::VolumeMount {
                    volume,
                    mount_path: device.target.clone(),
                    sub_path: None,
                    read_only: false,
                    propagation: None,
                });
            }
            let Some(gpus) = &container.gpus else {
                continue;
            };
            let limits = &mut container.resources.limits.extended;
            if gpus.device_ids.is_empty() {
                if let Some(count) = gpus.count {
                    let span = crate::passes::devices::gpu_request_span(locations, name);
                    diagnostics.push(
                        Diagnostic::warning(
                            Code::PodmanGpu,
                            format!(
                                "service `{name}` asks for {count} GPU(s); podman gets every GPU (`nvidia.com/gpu=all`) because CDI picks devices by id"
                            ),
                        )
                        .with_label(span, "count not kept"),
                    );
                }
                limits.entry("nvidia.com/gpu=all".to_owned()).or_insert(1);
            } else {
                for id in &gpus.device_ids {
                    limits.entry(format!("nvidia.com/gpu={id}")).or_insert(1);
                }
            }
        }
    }
}
