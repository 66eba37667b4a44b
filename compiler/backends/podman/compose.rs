//! What the podman target needs from the compose model that lowering does not carry yet:
//! secrets, configs, volumes, tmpfs mounts, and the host address of published ports.
//!
//! The shared lowering marks these keys as planned. Until it lowers them, this module fills the
//! IR fields that already exist for them (Secrets, ConfigMaps, claims, pod volumes and mounts,
//! extended resources) and keeps what the IR has no field for (host addresses) in [`Extras`]. Each step skips what lowering already produced (an object of the
//! same name, a mount at the same path, the same resource), so that once lowering handles a key,
//! the matching step here adds nothing and can be deleted.

use std::path::Path;

use indexmap::{IndexMap, IndexSet};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::dns_label;
use crate::ir::{self, Locate};
use crate::model;

/// Service keys this module lowers for podman. Lowering's "left out" warnings for them do not
/// apply to the podman target.
pub(super) const HANDLED_KEYS: &[&str] = &["configs", "secrets", "tmpfs", "volumes"];

/// What the IR has no field for yet, keyed by compose service name.
#[derive(Debug, Clone, Default)]
pub struct Extras {
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
        compose,
        locations,
        diagnostics,
        extras: Extras::default(),
        modes: IndexMap::new(),
        written: IndexSet::new(),
    };
    for (name, service) in &compose.services {
        let Some(workload) = project.workloads.get_mut(name) else {
            continue;
        };
        let mut objects = Objects::default();
        cx.files(name, service, workload, &mut objects, FileKind::Secret);
        cx.files(name, service, workload, &mut objects, FileKind::Config);
        cx.volumes(name, service, workload, &mut objects);
        let ports = host_ip_ports(service);
        if !ports.is_empty() {
            cx.extras.host_ip_ports.insert(name.clone(), ports);
        }
        for secret in objects.secrets {
            project.secrets.entry(secret.name.clone()).or_insert(secret);
        }
        for config in objects.config_maps {
            project
                .config_maps
                .entry(config.name.clone())
                .or_insert(config);
        }
        for claim in objects.claims {
            project.claims.entry(claim.name.clone()).or_insert(claim);
        }
    }
    cx.extras
}

/// Objects one service needs.
#[derive(Default)]
struct Objects {
    secrets: Vec<ir::Secret>,
    config_maps: Vec<ir::ConfigMap>,
    claims: Vec<ir::StorageClaim>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Secret,
    Config,
}

impl FileKind {
    fn key(self) -> &'static str {
        match self {
            Self::Secret => "secrets",
            Self::Config => "configs",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Config => "config",
        }
    }
}

struct Completion<'a, L> {
    compose: &'a model::Project,
    locations: &'a L,
    diagnostics: &'a mut Diagnostics,
    extras: Extras,
    /// Object name → (mode, compose service), to report one object mounted with two modes.
    modes: IndexMap<String, (i32, String)>,
    /// Secrets and ConfigMaps already written (or reported unreadable), by object name.
    written: IndexSet<String>,
}

impl<L: Locate> Completion<'_, L> {
    fn warn(&mut self, code: Code, path: &[&str], message: String, label: &str) {
        let span = self.locations.span(path);
        self.diagnostics
            .push(Diagnostic::warning(code, message).with_label(span, label));
    }

    /// Secrets or configs: one Secret or ConfigMap per compose object, holding one key named
    /// after it, mounted whole with `subPath` at the compose target.
    fn files(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        workload: &mut ir::Workload,
        objects: &mut Objects,
        kind: FileKind,
    ) {
        let (references, definitions) = match kind {
            FileKind::Secret => (&service.secrets, &self.compose.secrets),
            FileKind::Config => (&service.configs, &self.compose.configs),
        };
        for (i, reference) in references.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, kind.key(), &index];
            let Some(definition) = definitions.get(&reference.source) else {
                continue;
            };
            let object = if definition.external {
                if definition.name.is_empty() {
                    reference.source.clone()
                } else {
                    definition.name.clone()
                }
            } else {
                object_name(&self.compose.name, &reference.source, &definition.name)
            };
            let key = data_key(&reference.source);
            let target = match (kind, reference.target.as_str()) {
                (FileKind::Secret, "") => format!("/run/secrets/{}", reference.source),
                (FileKind::Secret, t) if !t.starts_with('/') => format!("/run/secrets/{t}"),
                (FileKind::Config, "") => format!("/{}", reference.source),
                (_, t) => t.to_owned(),
            };
            let container = &mut workload.pod.containers[0];
            if container
                .volume_mounts
                .iter()
                .any(|m| m.mount_path == target)
            {
                continue;
            }
            if !definition.external && self.written.insert(object.clone()) {
                self.file_object(kind, &reference.source, definition, &object, &key, objects);
            }
            let mode = self.file_mode(name, kind, reference, &object, &path);
            let volume = dns_label(&format!("{}-{}", kind.noun(), reference.source));
            let items = vec![ir::KeyToPath {
                key: key.clone(),
                path: key.clone(),
                mode: Some(mode),
            }];
            let source = match kind {
                FileKind::Secret => ir::VolumeSource::Secret {
                    secret: object,
                    items,
                },
                FileKind::Config => ir::VolumeSource::ConfigMap {
                    config_map: object,
                    items,
                },
            };
            add_volume(&mut workload.pod, &volume, source);
            workload.pod.containers[0]
                .volume_mounts
                .push(ir::VolumeMount {
                    volume,
                    mount_path: target,
                    sub_path: Some(key),
                    read_only: true,
                });
        }
    }

    /// The Secret or ConfigMap holding the value of one compose secret or config.
    fn file_object(
        &mut self,
        kind: FileKind,
        source: &str,
        definition: &model::FileObjectConfig,
        object: &str,
        key: &str,
        objects: &mut Objects,
    ) {
        let Some(value) = self.file_value(kind, definition) else {
            self.warn(
                Code::PodmanFileSource,
                &[kind.key(), source],
                format!(
                    "the value of {} `{source}` cannot be read, so no document is written for it; create `{object}` on the host before playing the file",
                    kind.noun()
                ),
                "no readable file, content or environment variable",
            );
            return;
        };
        let data = IndexMap::from([(key.to_owned(), value)]);
        let name = object.to_owned();
        match kind {
            FileKind::Secret => objects.secrets.push(ir::Secret { name, data }),
            FileKind::Config => objects.config_maps.push(ir::ConfigMap { name, data }),
        }
    }

    /// The mode of a mounted secret or config; reports owners and a second, different mode of
    /// the same object.
    fn file_mode(
        &mut self,
        name: &str,
        kind: FileKind,
        reference: &model::FileReferenceConfig,
        object: &str,
        path: &[&str],
    ) -> i32 {
        if !reference.uid.is_empty() || !reference.gid.is_empty() {
            self.warn(
                Code::PodmanFileMode,
                path,
                format!(
                    "the owner of {} `{}` in service `{name}` is not kept: podman mounts it as root",
                    kind.noun(),
                    reference.source
                ),
                "`uid`/`gid` not kept",
            );
        }
        let mode = reference
            .mode
            .map_or(0o444, |m| i32::try_from(m.0 & 0o7777).unwrap_or(0o444));
        match self.modes.get(object).cloned() {
            Some((first, other)) if first != mode => self.warn(
                Code::PodmanFileMode,
                path,
                format!(
                    "{} `{}` is mounted with mode {mode:04o} in service `{name}` and {first:04o} in `{other}`; podman shares one volume per object, so one mode applies to both",
                    kind.noun(),
                    reference.source
                ),
                "mode differs",
            ),
            Some(_) => {}
            None => {
                self.modes.insert(object.to_owned(), (mode, name.to_owned()));
            }
        }
        mode
    }

    /// The value of a secret or config: inline content, a file, or a project variable.
    fn file_value(&self, kind: FileKind, definition: &model::FileObjectConfig) -> Option<String> {
        if kind == FileKind::Config && !definition.content.is_empty() {
            return Some(definition.content.clone());
        }
        if !definition.file.is_empty() {
            let path = Path::new(&self.compose.working_dir).join(&definition.file);
            return std::fs::read_to_string(path).ok();
        }
        if !definition.environment.is_empty() {
            return self
                .compose
                .environment
                .get(&definition.environment)
                .cloned();
        }
        None
    }

    fn volumes(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
        workload: &mut ir::Workload,
        objects: &mut Objects,
    ) {
        for (i, mount) in service.volumes.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "volumes", &index];
            if workload.pod.containers[0]
                .volume_mounts
                .iter()
                .any(|m| m.mount_path == mount.target)
            {
                continue;
            }
            let Some((volume, source, sub_path)) = self.mount(name, i, mount, &path, objects)
            else {
                continue;
            };
            add_volume(&mut workload.pod, &volume, source);
            workload.pod.containers[0]
                .volume_mounts
                .push(ir::VolumeMount {
                    volume,
                    mount_path: mount.target.clone(),
                    sub_path,
                    read_only: mount.read_only,
                });
        }
        for (i, spec) in service.tmpfs.iter().enumerate() {
            let (target, options) = spec.split_once(':').unwrap_or((spec, ""));
            if workload.pod.containers[0]
                .volume_mounts
                .iter()
                .any(|m| m.mount_path == target)
            {
                continue;
            }
            if options.split(',').any(|o| o.starts_with("size=")) {
                let index = i.to_string();
                self.tmpfs_size(name, &["services", name, "tmpfs", &index]);
            }
            let volume = format!("tmpfs-list-{i}");
            add_volume(
                &mut workload.pod,
                &volume,
                ir::VolumeSource::EmptyDir {
                    in_memory: true,
                    size_limit: None,
                },
            );
            workload.pod.containers[0]
                .volume_mounts
                .push(ir::VolumeMount {
                    volume,
                    mount_path: target.to_owned(),
                    sub_path: None,
                    read_only: false,
                });
        }
    }

    /// The pod volume of one compose mount: its name, source and `subPath`.
    fn mount(
        &mut self,
        name: &str,
        i: usize,
        mount: &model::ServiceVolumeConfig,
        path: &[&str],
        objects: &mut Objects,
    ) -> Option<(String, ir::VolumeSource, Option<String>)> {
        let mut sub_path = None;
        let (volume, source) = match mount.kind.as_str() {
            "volume" if mount.source.is_empty() => (
                format!("anon-{i}"),
                ir::VolumeSource::EmptyDir {
                    in_memory: false,
                    size_limit: None,
                },
            ),
            "volume" => {
                let definition = self.compose.volumes.get(&mount.source);
                let external = definition.is_some_and(|d| d.external);
                let claim = match definition {
                    Some(d) if external && !d.name.is_empty() => d.name.clone(),
                    Some(d) => object_name(&self.compose.name, &mount.source, &d.name),
                    None => object_name(&self.compose.name, &mount.source, ""),
                };
                if !external {
                    objects.claims.push(ir::StorageClaim {
                        name: claim.clone(),
                        size: ir::Memory(1 << 30),
                        storage_class: None,
                        access_mode: ir::AccessMode::ReadWriteOnce,
                    });
                }
                sub_path = mount
                    .volume
                    .as_ref()
                    .map(|v| v.subpath.clone())
                    .filter(|s| !s.is_empty());
                (
                    dns_label(&format!("volume-{}", mount.source)),
                    ir::VolumeSource::Claim {
                        claim,
                        read_only: false,
                    },
                )
            }
            "bind" => {
                let inside = !self.compose.working_dir.is_empty()
                    && Path::new(&mount.source).starts_with(&self.compose.working_dir);
                if inside {
                    self.warn(
                        Code::PodmanBindPath,
                        path,
                        format!(
                            "bind mount `{}` of service `{name}` is a path in this machine's project directory; the YAML runs only from this checkout",
                            mount.source
                        ),
                        "project-relative bind mount",
                    );
                }
                (
                    format!("bind-{i}"),
                    ir::VolumeSource::HostPath {
                        path: mount.source.clone(),
                    },
                )
            }
            "tmpfs" => {
                let size = mount.tmpfs.as_ref().map_or(0, |t| t.size.0);
                if size > 0 {
                    self.tmpfs_size(name, path);
                }
                (
                    format!("tmpfs-{i}"),
                    ir::VolumeSource::EmptyDir {
                        in_memory: true,
                        size_limit: None,
                    },
                )
            }
            other => {
                self.warn(
                    Code::PodmanVolumeType,
                    path,
                    format!(
                        "the `{other}` mount at `{}` of service `{name}` is left out: podman kube play has no such volume",
                        mount.target
                    ),
                    "not supported on podman",
                );
                return None;
            }
        };
        Some((volume, source, sub_path))
    }

    fn tmpfs_size(&mut self, name: &str, path: &[&str]) {
        self.warn(
            Code::PodmanTmpfs,
            path,
            format!(
                "the tmpfs size of service `{name}` is not kept: podman mounts a tmpfs of the default size"
            ),
            "size not kept",
        );
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

/// The name of a project-owned object: the name compose gives it (`<project>_<key>`), as a DNS
/// label. Podman secrets and volumes are global to the host, so the project prefix keeps two
/// projects apart, as it does under compose.
fn object_name(project: &str, key: &str, compose_name: &str) -> String {
    if compose_name.is_empty() {
        dns_label(&format!("{project}-{key}"))
    } else {
        dns_label(compose_name)
    }
}

/// A ConfigMap or Secret key (`[-._a-zA-Z0-9]+`) derived from a compose name.
fn data_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn object_names_keep_the_project_prefix() {
        assert_eq!(super::object_name("shop", "db_pass", ""), "shop-db-pass");
        assert_eq!(
            super::object_name("shop", "db_pass", "shop_db_pass"),
            "shop-db-pass"
        );
        assert_eq!(super::data_key("my key/1"), "my_key_1");
    }
}
