//! The keys that link a service to others or to the node: `depends_on`, `network_mode`/`ipc`/
//! `pid: service:X`, `devices`, `gpus` and GPU reservations, `group_add`.
//!
//! Lowering records them on the workload; what needs the whole project (the wait of a
//! dependency, merging pods, the generic device plugin) is left to the passes.

use super::Lowering;
use crate::diagnostics::{Code, Diagnostic};
use crate::extension::{DeviceProfile, Settings};
use crate::ir::names::dns_label;
use crate::ir::{Condition, Container, Dependency, Device, DeviceAccess, Gpus, Locate};
use crate::model;

/// The capabilities Docker's `nvidia` device driver serves: a request is for it when it asks for
/// nothing else. All but `gpu` and `nvidia` are NVIDIA driver capabilities, which its hook hands
/// to the container as `NVIDIA_DRIVER_CAPABILITIES`.
const NVIDIA_CAPABILITIES: &[&str] = &[
    "gpu", "nvidia", "compute", "compat32", "graphics", "utility", "video", "display",
];

/// The variable through which the NVIDIA container runtime reads the driver capabilities.
const DRIVER_CAPABILITIES_VARIABLE: &str = "NVIDIA_DRIVER_CAPABILITIES";

/// Directories of device nodes: a hostPath of one cannot be checked as a `CharDevice`, and the
/// generic device plugin is given the nodes inside.
pub(crate) const DEVICE_DIRECTORIES: &[&str] =
    &["/dev/dri", "/dev/snd", "/dev/input", "/dev/bus/usb"];

impl<L: Locate> Lowering<'_, L> {
    /// A `provider` service, which Docker Compose hands to a plugin to create (a cloud database,
    /// a model runner) and which runs no container of its own: it gets no workload.
    pub(super) fn provider_service(&mut self, name: &str, provider: &model::ServiceProviderConfig) {
        self.warn(
            Code::UnsupportedKey,
            &["services", name, "provider"],
            format!(
                "service `{name}` is left out: Docker Compose has its `{}` provider plugin create it, and no container can stand in for that",
                provider.kind
            ),
            "provider service",
        );
    }

    /// The `depends_on` entries of a service, in compose order; the waits are chosen later. A
    /// dependency on a `provider` service, which gets no workload, is reported and not kept.
    pub(super) fn dependencies(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
    ) -> Vec<Dependency> {
        let mut dependencies = Vec::with_capacity(service.depends_on.len());
        for (dep, d) in &service.depends_on {
            if project
                .services
                .get(dep)
                .is_some_and(|s| s.provider.is_some())
            {
                self.warn(
                    Code::UnsupportedKey,
                    &["services", name, "depends_on", dep],
                    format!(
                        "dependency `{dep}` of service `{name}` is left out: `{dep}` is a `provider` service, which stackc leaves out"
                    ),
                    "not awaited",
                );
                continue;
            }
            dependencies.push(Dependency {
                service: dep.clone(),
                condition: match d.condition.as_str() {
                    "service_healthy" => Condition::Healthy,
                    "service_completed_successfully" => Condition::CompletedSuccessfully,
                    _ => Condition::Started,
                },
                required: d.required,
                restart: d.restart,
                wait: None,
            });
        }
        dependencies
    }

    /// The service whose pod this one joins, from `network_mode`, `ipc` or `pid: service:X`, or
    /// `container:X` where X is the `container_name` of a service of the project.
    pub(super) fn joins(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
    ) -> Option<String> {
        let mut joins: Option<String> = None;
        for (key, mode) in [
            ("network_mode", service.network_mode()),
            ("ipc", service.ipc.as_str()),
            ("pid", service.pid.as_str()),
        ] {
            let Some(target) = project.namespace_owner(mode) else {
                if let Some(container) = mode.strip_prefix("container:") {
                    self.warn_help(
                        Code::SharedNamespace,
                        &["services", name, key],
                        format!(
                            "`{key}: container:{container}` of service `{name}` is left out: no service of the project runs a container named `{container}`, so the pod gets its own namespace"
                        ),
                        "a container, not a service",
                        "write `service:NAME` with the compose service that runs the container",
                    );
                }
                continue;
            };
            match &joins {
                Some(first) if first != target => self.warn(
                    Code::SharedNamespace,
                    &["services", name, key],
                    format!(
                        "`{key}: {mode}` of service `{name}` is not kept: its containers join the pod of `{first}`"
                    ),
                    "a second pod to share",
                ),
                Some(_) => {}
                None => joins = Some(target.to_owned()),
            }
        }
        joins
    }

    /// `devices`, with how each reaches the container under the service's device profile.
    pub(super) fn devices(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        profile: DeviceProfile,
    ) -> Vec<Device> {
        let mut out = Vec::new();
        for (i, device) in service.devices.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "devices", &index];
            if device.source.is_empty() {
                self.warn_help(
                    Code::UnsupportedKey,
                    &path,
                    format!(
                        "device `:{}` of service `{name}` is left out: it names no device of the host",
                        device.target
                    ),
                    "no host path",
                    "write the host device (`/dev/ttyUSB0:/dev/ttyACM0`), or set the variable it comes from",
                );
                continue;
            }
            let source = device.source.clone();
            let target = if device.target.is_empty() {
                source.clone()
            } else {
                device.target.clone()
            };
            let access = match profile {
                DeviceProfile::Hostpath => DeviceAccess::HostPath,
                DeviceProfile::Generic => DeviceAccess::Resource {
                    name: format!("stackc.io/{}", generic_name(&source)),
                },
                DeviceProfile::Intel | DeviceProfile::IntelXe | DeviceProfile::Amd => {
                    let Some(resource) = vendor_resource(profile, &source) else {
                        self.warn_help(
                            Code::DeviceNotCovered,
                            &path,
                            format!(
                                "device `{source}` of service `{name}` is left out: the `{}` device plugin does not provide it",
                                profile_name(profile)
                            ),
                            "not a device of this profile",
                            "choose another profile for this service in `x-stackc.device-plugin` (`generic` advertises any device)",
                        );
                        continue;
                    };
                    DeviceAccess::Resource {
                        name: resource.to_owned(),
                    }
                }
            };
            if target != source && matches!(access, DeviceAccess::Resource { .. }) {
                self.warn(
                    Code::DevicePath,
                    &path,
                    format!(
                        "device `{source}` of service `{name}` appears at `{source}`, not `{target}`: device plugins keep the host path"
                    ),
                    "target path not kept",
                );
            }
            if !matches!(device.permissions.as_str(), "" | "rwm") {
                self.warn(
                    Code::DevicePath,
                    &path,
                    format!(
                        "device `{source}` of service `{name}` is granted read, write and mknod access, not `{}`",
                        device.permissions
                    ),
                    "permissions not kept",
                );
            }
            out.push(Device {
                source,
                target,
                permissions: device.permissions.clone(),
                access,
            });
        }
        out
    }

    /// `gpus` and device reservations: NVIDIA GPUs, merged into `container`; other drivers are
    /// reported. Driver capabilities a request names (`compute`, `utility`) reach the container
    /// as `NVIDIA_DRIVER_CAPABILITIES`, as Docker's NVIDIA hook passes them, unless the service
    /// sets that variable itself.
    pub(super) fn gpus(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        container: &mut Container,
    ) {
        let keyed = device_requests(service);
        let mut out: Option<Gpus> = None;
        let mut driver_capabilities: Vec<&str> = Vec::new();
        for (key, request) in keyed {
            let mut path = vec!["services", name];
            path.extend(key.iter().map(String::as_str));
            let cdi = cdi_gpus(request);
            let nvidia = cdi.is_some()
                || matches!(request.driver.as_str(), "" | "nvidia")
                    && request
                        .capabilities
                        .iter()
                        .all(|c| NVIDIA_CAPABILITIES.contains(&c.as_str()));
            if !nvidia {
                self.warn(
                    Code::GpuRequest,
                    &path,
                    format!(
                        "the device request of service `{name}` (driver `{}`, capabilities `{}`) is left out: stackc lowers requests that Docker's `nvidia` driver serves, whose capabilities are among `{}`",
                        request.driver,
                        request.capabilities.join(", "),
                        NVIDIA_CAPABILITIES.join("`, `")
                    ),
                    "not an NVIDIA GPU request",
                );
                continue;
            }
            if !request.options.is_empty() {
                let mut options_path = path.clone();
                options_path.push("options");
                self.warn(
                    Code::UnsupportedKey,
                    &options_path,
                    format!(
                        "the `options` of a GPU request of service `{name}` are left out: a GPU is requested by its resource name, which takes no driver options"
                    ),
                    "not kept",
                );
            }
            // A CDI device's specification sets what the container gets, not the request.
            let capabilities = if cdi.is_some() {
                &[][..]
            } else {
                request.capabilities.as_slice()
            };
            for capability in capabilities {
                if !matches!(capability.as_str(), "gpu" | "nvidia")
                    && !driver_capabilities.contains(&capability.as_str())
                {
                    driver_capabilities.push(capability);
                }
            }
            let gpus = out.get_or_insert(Gpus {
                count: Some(0),
                device_ids: Vec::new(),
            });
            let count = match cdi {
                Some(ids) if ids.contains(&"all") => None,
                Some(ids) => {
                    gpus.device_ids.extend(ids.iter().map(|&id| id.to_owned()));
                    u32::try_from(ids.len()).ok()
                }
                None if request.device_ids.is_empty() => {
                    u32::try_from(request.count).ok().filter(|&n| n > 0)
                }
                None => {
                    gpus.device_ids.extend(request.device_ids.iter().cloned());
                    u32::try_from(request.device_ids.len()).ok()
                }
            };
            gpus.count = match (gpus.count, count) {
                (Some(a), Some(b)) => Some(a.saturating_add(b)),
                _ => None,
            };
        }
        if !driver_capabilities.is_empty()
            && !service
                .environment
                .contains_key(DRIVER_CAPABILITIES_VARIABLE)
        {
            container.env.insert(
                DRIVER_CAPABILITIES_VARIABLE.to_owned(),
                driver_capabilities.join(","),
            );
        }
        container.gpus = out;
    }

    /// `group_add`: numeric ids as they are, names through `x-stackc` `groups`.
    pub(super) fn groups(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        settings: &Settings,
    ) -> Vec<i64> {
        let mut out = Vec::new();
        for group in &service.group_add {
            let gid = group
                .parse::<i64>()
                .ok()
                .or_else(|| settings.group_id(name, group).map(i64::from));
            if let Some(gid) = gid {
                if !out.contains(&gid) {
                    out.push(gid);
                }
                continue;
            }
            let path = ["services", name, "group_add"];
            let span = self
                .locations
                .find_value(&path, &|entry| entry == group)
                .or_else(|| self.span(&path));
            // Docker looks the name up in the container's own `/etc/group`; a device node keeps
            // the group it has on the host, so for a device the node's id is the one that works.
            let image = if service.image.is_empty() {
                "the `/etc/group` of the image it builds".to_owned()
            } else {
                format!(
                    "`docker run --rm --entrypoint cat {} /etc/group`",
                    service.image
                )
            };
            self.diagnostics.push(
                Diagnostic::error(
                    Code::GroupName,
                    format!(
                        "group `{group}` of service `{name}` is a name; Kubernetes needs a numeric gid"
                    ),
                )
                .with_label(span, "not a number")
                .with_help(format!(
                    "give its id with `--gid {group}=GID`, or in `x-stackc: {{groups: {{{group}: GID}}}}` at the top level or in the service: for access to devices, the id on the nodes (`getent group {group}`); Docker used the image's ({image})"
                )),
            );
        }
        out
    }
}

/// The resource a vendor device plugin provides for a host device.
fn vendor_resource(profile: DeviceProfile, source: &str) -> Option<&'static str> {
    let dri = source == "/dev/dri" || source.starts_with("/dev/dri/");
    match profile {
        DeviceProfile::Intel if dri => Some("gpu.intel.com/i915"),
        DeviceProfile::IntelXe if dri => Some("gpu.intel.com/xe"),
        DeviceProfile::Amd if dri || source == "/dev/kfd" => Some("amd.com/gpu"),
        _ => None,
    }
}

/// The resource name of a device under the generic plugin: its last path component.
pub(crate) fn generic_name(source: &str) -> String {
    let last = source
        .rsplit('/')
        .find(|p| !p.is_empty())
        .unwrap_or("device");
    dns_label(last)
}

fn profile_name(profile: DeviceProfile) -> &'static str {
    match profile {
        DeviceProfile::Generic => "generic",
        DeviceProfile::Intel => "intel",
        DeviceProfile::IntelXe => "intel-xe",
        DeviceProfile::Amd => "amd",
        DeviceProfile::Hostpath => "hostpath",
    }
}

/// A service's GPU requests, `gpus` then reservations, each with its key path.
fn device_requests(
    service: &model::ServiceConfig,
) -> impl Iterator<Item = (Vec<String>, &model::DeviceRequest)> {
    let reservations = service
        .deploy
        .as_ref()
        .and_then(|d| d.resources.reservations.as_ref())
        .map(|r| r.devices.as_slice())
        .unwrap_or_default();
    service
        .gpus
        .iter()
        .enumerate()
        .map(|(i, r)| (vec!["gpus".to_owned(), i.to_string()], r))
        .chain(reservations.iter().enumerate().map(|(i, r)| {
            let key = "deploy.resources.reservations.devices";
            let mut path: Vec<String> = key.split('.').map(str::to_owned).collect();
            path.push(i.to_string());
            (path, r)
        }))
}

/// The NVIDIA GPUs a request of Docker's `cdi` driver names (`nvidia.com/gpu=0`,
/// `nvidia.com/gpu=all`), by the part after `=`; `None` for any other request, which names other
/// devices or none.
fn cdi_gpus(request: &model::DeviceRequest) -> Option<Vec<&str>> {
    if request.driver != "cdi" || request.device_ids.is_empty() {
        return None;
    }
    request
        .device_ids
        .iter()
        .map(|id| id.strip_prefix("nvidia.com/gpu="))
        .collect()
}
