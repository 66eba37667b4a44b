//! Secrets, configs and volumes of a service: Secrets, ConfigMaps and claims of the project, and
//! the pod volumes and mounts that put them where compose does.
//!
//! Every compose secret and config is one object with one key, mounted alone with `subPath` at
//! its compose path, so several of them share a directory without hiding each other. Secret
//! values are read only when they are to be written out ([`Options::read_secrets`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use super::{Lowering, NameRules, Options, templates};
use crate::diagnostics::{Code, Diagnostic};
use crate::extension::{self, Settings};
use crate::frontend::paths::{clean, is_windows_abs};
use crate::ir::locate::FROM_PROJECT_DIR;
use crate::ir::names::{
    distinct_dns_label, distinct_prefixed_label, dns_label, dns_subdomain, first_free,
};
use crate::ir::{
    AccessMode, ConfigMap, KeyToPath, Locate, Memory, MountPropagation, Pod, Project, Secret,
    StorageClaim, Volume, VolumeMount, VolumeSource,
};
use crate::model;
use crate::text::{joined, push_number};

/// Kubernetes rejects ConfigMaps larger than this.
const CONFIG_MAP_LIMIT: u64 = 1 << 20;

/// The node directory that holds the project directories bind mounts refer to.
const NODE_PROJECTS: &str = "/var/lib/stackc";

/// The node directory that stands for the home directory of whoever runs compose (`~/data`).
/// `~` is never a project's name, which is a DNS label.
const NODE_HOME: &str = "/var/lib/stackc/~";

/// Where WSL, and so the clusters and podman machines that run in it on Windows (Rancher
/// Desktop, `podman machine`), mount the Windows drives: `D:\data` is `/mnt/d/data` there.
const NODE_WINDOWS_DRIVES: &str = "/mnt";

/// Default claim size when `x-stackc.volumes.<name>.size` is not set.
const DEFAULT_SIZE: u64 = 1 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Secret,
    Config,
}

impl Kind {
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

impl<L: Locate> Lowering<'_, L> {
    /// Lowers `secrets`, `configs`, `volumes`, `tmpfs` and `shm_size` of every service.
    pub(super) fn storage(
        &mut self,
        project: &model::Project,
        options: &Options,
        ir: &mut Project,
    ) {
        let locations = self.locations;
        let settings = match extension::read(project, &|path| locations.span(path)) {
            Ok(settings) => settings,
            Err(diagnostic) => {
                self.diagnostics.push(diagnostic);
                Settings::default()
            }
        };
        let mut owners = Owners::default();
        let node_paths = NodePaths::new(project, self.locations);
        for (name, service) in &project.services {
            let Some(mut pod) = ir
                .workloads
                .get_mut(name)
                .map(|w| std::mem::take(&mut w.pod))
            else {
                continue;
            };
            let mut cx = Service {
                project,
                name,
                options,
                pod: &mut pod,
                ir: &mut *ir,
                node_paths: &node_paths,
                owners: &mut owners,
                file_group: None,
            };
            self.files(&mut cx, Kind::Secret, &service.secrets);
            self.files(&mut cx, Kind::Config, &service.configs);
            let config_files = settings.service(name).config_files;
            self.volumes(&mut cx, &settings, service, &config_files);
            tmpfs(&mut cx, service);
            self.one_mount_per_path(name, &mut pod);
            if let Some(workload) = ir.workloads.get_mut(name) {
                workload.pod = pod;
            }
        }
        let mut done = vec![false; project.services.len()];
        for name in project.services.keys() {
            self.volumes_from(project, ir, name, &mut done);
        }
    }

    /// The object an external volume, secret or config (`section.key`, named `external` in
    /// the engine) is referenced as; reported once when Kubernetes cannot hold its name, as the
    /// user creates it.
    fn external(
        &mut self,
        owners: &mut Owners,
        section: &'static str,
        key: &str,
        external: &str,
        object: String,
    ) -> String {
        let first = !owners.of(section).contains_key(&object);
        self.own(
            owners,
            section,
            &object,
            (&joined(&["external ", external]), key),
        );
        if first && object != external {
            let (noun, kind) = match section {
                "volumes" => ("volume", "PersistentVolumeClaim"),
                "secrets" => ("secret", "Secret"),
                _ => ("config", "ConfigMap"),
            };
            self.warn(
                Code::NameChanged,
                &[section, key],
                format!(
                    "external {noun} `{external}` is referenced as the {kind} `{object}`, as Kubernetes names are lowercase letters, digits, `-` and `.`: create it under that name"
                ),
                "renamed",
            );
        }
        object
    }

    /// Records that `object` of `section` (`volumes`, `secrets` or `configs`) is made from
    /// `key`, whose `identity` is the key itself, or the name of the external object it refers
    /// to (two keys may name one external volume). Two identities whose objects get one name
    /// (`cache_1` and `cache-1`) would be one object, in which a service of the one would find
    /// the data of the other: an error.
    fn own(
        &mut self,
        owners: &mut Owners,
        section: &'static str,
        object: &str,
        (identity, key): (&str, &str),
    ) {
        let owners = owners.of(section);
        let Some(makers) = owners.get_mut(object) else {
            owners.insert(
                object.to_owned(),
                vec![(identity.to_owned(), key.to_owned())],
            );
            return;
        };
        if makers.iter().any(|(made_by, _)| made_by == identity) {
            return;
        }
        // Each other maker is reported once, against the first.
        makers.push((identity.to_owned(), key.to_owned()));
        let first = makers[0].1.clone();
        let kind = match section {
            "volumes" => "PersistentVolumeClaim",
            "secrets" => "Secret",
            _ => "ConfigMap",
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::NameCollision,
                format!("`{section}.{first}` and `{section}.{key}` are both the {kind} `{object}`, so the services of each would share its data"),
            )
            .with_label(self.span(&[section, &first]), format!("`{object}`"))
            .with_label(self.span(&[section, key]), format!("also `{object}`"))
            .with_help(format!("rename `{key}`, or give it a `name`")),
        );
    }

    /// Kubernetes rejects a container with two mounts at one path. Docker lets a `tmpfs` at
    /// `/dev/shm` replace the one `shm_size` sizes, and refuses other pairs; either way the mount
    /// lowered first is kept (secrets, configs, volumes, tmpfs, then `shm_size`), and the other
    /// is reported and left out with its volume.
    fn one_mount_per_path(&mut self, name: &str, pod: &mut Pod) {
        let Some(container) = pod.containers.first_mut() else {
            return;
        };
        let mut seen: Vec<&str> = Vec::with_capacity(container.volume_mounts.len());
        let mut dropped = Vec::new();
        for (i, mount) in container.volume_mounts.iter().enumerate() {
            if seen.contains(&mount.mount_path.as_str()) {
                dropped.push(i);
            } else {
                seen.push(&mount.mount_path);
            }
        }
        for &i in &dropped {
            self.warn(
                Code::UnloweredValue,
                &["services", name],
                format!(
                    "service `{name}` mounts two volumes at `{}`: Kubernetes allows one, so the first is kept (secrets, configs, volumes, tmpfs, then `shm_size`)",
                    container.volume_mounts[i].mount_path
                ),
                "two mounts at one path",
            );
        }
        for i in dropped.into_iter().rev() {
            let mount = container.volume_mounts.remove(i);
            if !container
                .volume_mounts
                .iter()
                .any(|m| m.volume == mount.volume)
            {
                pod.volumes.retain(|v| v.name != mount.volume);
            }
        }
    }

    /// The service and mode of a `volumes_from` entry: `SERVICE[:MODE]`, or `container:NAME[:MODE]`
    /// for the container a service of the project runs, where the mode is a list such as `ro,z`.
    /// `None`, reported, for a container the project does not run.
    fn volumes_from_source<'p>(
        &mut self,
        project: &'p model::Project,
        name: &str,
        entry: &'p str,
        path: &[&str],
    ) -> Option<(&'p str, &'p str)> {
        let Some(container) = entry.strip_prefix("container:") else {
            return Some(entry.split_once(':').unwrap_or((entry, "")));
        };
        let (container, mode) = container.split_once(':').unwrap_or((container, ""));
        let Some(service) = project.service_by_container_name(container) else {
            self.warn(
                Code::UnsupportedKey,
                path,
                format!(
                    "`volumes_from: {entry}` of service `{name}` is left out: container `{container}` is not part of the project; mount its volumes by name"
                ),
                "not a service",
            );
            return None;
        };
        Some((service, mode))
    }

    /// `volumes_from`: the service mounts what each service it names mounts, at the same paths
    /// (all read-only with `:ro`), including what that service has from its own `volumes_from`,
    /// which is lowered first. `done` marks, by index, the services already lowered or being
    /// lowered.
    fn volumes_from(
        &mut self,
        project: &model::Project,
        ir: &mut Project,
        name: &str,
        done: &mut [bool],
    ) {
        let Some((at, _, service)) = project.services.get_full(name) else {
            return;
        };
        if std::mem::replace(&mut done[at], true) || service.volumes_from.is_empty() {
            return;
        }
        for (i, entry) in service.volumes_from.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "volumes_from", index.as_str()];
            let Some((source, mode)) = self.volumes_from_source(project, name, entry, &path) else {
                continue;
            };
            let read_only = mode.split(',').any(|m| m == "ro");
            let Some((source, _)) = project.services.get_key_value(source) else {
                self.warn(
                    Code::UnsupportedKey,
                    &path,
                    format!(
                        "`volumes_from: {entry}` of service `{name}` is left out: `{source}` is not a service of the project"
                    ),
                    "not a service",
                );
                continue;
            };
            self.volumes_from(project, ir, source, done);
            // What the source mounts from its volumes (devices are not volumes to compose).
            let Some(mounts) = ir.workloads.get(source).map(|w| {
                let pod = &w.pod;
                pod.containers
                    .iter()
                    .take(1)
                    .flat_map(|c| &c.volume_mounts)
                    .filter_map(|m| {
                        let volume = pod.volumes.iter().find(|v| v.name == m.volume)?;
                        (!matches!(volume.source, VolumeSource::Device { .. }))
                            .then(|| (m.clone(), volume.clone()))
                    })
                    .collect::<Vec<_>>()
            }) else {
                self.warn(
                    Code::UnsupportedKey,
                    &path,
                    format!(
                        "`volumes_from: {entry}` of service `{name}` is left out: `{source}` runs no container"
                    ),
                    "nothing to share",
                );
                continue;
            };
            let Some(pod) = ir.workloads.get_mut(name).map(|w| &mut w.pod) else {
                continue;
            };
            for (mount, volume) in mounts {
                let taken = pod.containers.first().is_some_and(|c| {
                    c.volume_mounts
                        .iter()
                        .any(|m| m.mount_path == mount.mount_path)
                });
                if taken {
                    self.warn(
                        Code::UnloweredValue,
                        &path,
                        format!(
                            "`{}` of service `{source}` is not mounted in service `{name}`, which mounts its own volume there",
                            mount.mount_path
                        ),
                        "mount path taken",
                    );
                    continue;
                }
                if matches!(volume.source, VolumeSource::EmptyDir { .. }) {
                    self.warn(
                        Code::ApproximatedKey,
                        &path,
                        format!(
                            "service `{name}` gets an empty volume of its own at `{}`: the anonymous volume or tmpfs of service `{source}` there lives in its pod only",
                            mount.mount_path
                        ),
                        "not shared across pods",
                    );
                }
                let volume = add_volume(pod, &volume.name, volume.source);
                if let Some(container) = pod.containers.first_mut() {
                    container.volume_mounts.push(VolumeMount {
                        volume,
                        read_only: read_only || mount.read_only,
                        ..mount
                    });
                }
            }
        }
    }

    fn files(
        &mut self,
        cx: &mut Service<'_>,
        kind: Kind,
        references: &[model::FileReferenceConfig],
    ) {
        let name = cx.name;
        for (i, reference) in references.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, kind.key(), index.as_str()];
            let definitions = match kind {
                Kind::Secret => &cx.project.secrets,
                Kind::Config => &cx.project.configs,
            };
            let Some(definition) = definitions.get(&reference.source) else {
                continue;
            };
            let source = reference.source.as_str();
            let key = data_key(source);
            let object = if definition.external {
                let external = if definition.name.is_empty() {
                    source
                } else {
                    definition.name.as_str()
                };
                let object = match cx.options.name_rules {
                    NameRules::Kubernetes => dns_subdomain(external),
                    NameRules::Engine => external.to_owned(),
                };
                self.external(cx.owners, kind.key(), source, external, object)
            } else {
                let object = object_name(&cx.project.name, source, &definition.name);
                self.own(cx.owners, kind.key(), &object, (source, source));
                self.file_object(cx, kind, source, definition, &object, &key);
                object
            };
            // As `docker compose up` mounts them. The engine resolves a `..` in a Linux target,
            // which the API server refuses in a mount path.
            let absolute = |t: &str| t.starts_with('/') || is_windows_abs(t);
            let target = match (kind, reference.target.as_str()) {
                (Kind::Secret, "") => joined(&["/run/secrets/", source]),
                (Kind::Secret, t) if !absolute(t) => joined(&["/run/secrets/", t]),
                (Kind::Config, "") => joined(&["/", source]),
                (Kind::Config, t) if !absolute(t) => joined(&["/", t]),
                (_, t) => t.to_owned(),
            };
            let target = if target.starts_with('/') {
                clean(&target)
            } else {
                target
            };
            let mode = reference
                .mode
                .map_or(0o444, |m| i32::try_from(m.0 & 0o7777).unwrap_or(0o444));
            self.owner(cx, kind, reference, &path);
            let items = vec![KeyToPath {
                key: key.clone(),
                path: key.clone(),
                mode: Some(mode),
            }];
            let volume_source = match kind {
                Kind::Secret => VolumeSource::Secret {
                    secret: object,
                    items,
                },
                Kind::Config => VolumeSource::ConfigMap {
                    config_map: object,
                    items,
                },
            };
            let volume = add_volume(cx.pod, &joined(&[kind.noun(), "-", source]), volume_source);
            cx.mount(volume, target, Some(key), true);
        }
    }

    /// The Secret or ConfigMap of one compose secret or config, once per project.
    fn file_object(
        &mut self,
        cx: &mut Service<'_>,
        kind: Kind,
        source: &str,
        definition: &model::FileObjectConfig,
        object: &str,
        key: &str,
    ) {
        let exists = match kind {
            Kind::Secret => cx.ir.secrets.contains_key(object),
            Kind::Config => cx.ir.config_maps.contains_key(object),
        };
        if exists {
            return;
        }
        // A file written from `$PWD` is the project's, as a bind source from `$PWD` is.
        let file = self
            .locations
            .relative_path(&[kind.key(), source, "file"])
            .and_then(|written| from_project_dir(Path::new(&cx.project.working_dir), written))
            .map_or(Cow::Borrowed(definition.file.as_str()), |path| {
                Cow::Owned(path.to_string_lossy().into_owned())
            });
        let origin = if kind == Kind::Config && !definition.content.is_empty() {
            "content".to_owned()
        } else if !file.is_empty() {
            format!("file:{}", relative(&cx.project.working_dir, &file))
        } else {
            format!("environment:{}", definition.environment)
        };
        let read = kind == Kind::Config || cx.options.read_secrets;
        let value = if read {
            let value = file_value(cx.project, kind, definition, &file);
            if value.is_none() {
                let what = if file.is_empty() {
                    format!("variable `{}` is not set", definition.environment)
                } else {
                    // Named as written beside the compose file, not by this machine's path.
                    let shown = relative(&cx.project.working_dir, &file);
                    if shown == file {
                        format!("file `{shown}` cannot be read")
                    } else {
                        format!("file `./{shown}` cannot be read")
                    }
                };
                self.warn(
                    Code::FileValueMissing,
                    &[kind.key(), source],
                    format!(
                        "{} `{source}` has no value ({what}), so no {} `{object}` is written; create it in the cluster before the pods can start",
                        kind.noun(),
                        match kind {
                            Kind::Secret => "Secret",
                            Kind::Config => "ConfigMap",
                        }
                    ),
                    "no readable value",
                );
                return;
            }
            value
        } else {
            None
        };
        match kind {
            Kind::Secret => {
                let fingerprint = match &value {
                    Some(v) => format!("{origin}:{}", sha256(v.as_bytes())),
                    None => origin,
                };
                let data = value.map(|v| IndexMap::from([(key.to_owned(), v)]));
                cx.ir.secrets.insert(
                    object.to_owned(),
                    Secret {
                        name: object.to_owned(),
                        key: key.to_owned(),
                        data,
                        fingerprint,
                        origin: vec![kind.key().to_owned(), source.to_owned()],
                        provenance: self.provenance(cx.options, &[kind.key(), source]),
                    },
                );
            }
            Kind::Config => {
                let data = IndexMap::from([(key.to_owned(), value.unwrap_or_default())]);
                cx.ir.config_maps.insert(
                    object.to_owned(),
                    ConfigMap {
                        name: object.to_owned(),
                        data,
                        origin: vec![kind.key().to_owned(), source.to_owned()],
                        provenance: self.provenance(cx.options, &[kind.key(), source]),
                    },
                );
            }
        }
    }

    /// `gid` becomes the pod's `fsGroup`; `uid` cannot be honoured unless it is root, who owns
    /// mounted files, or the container's own user, who reads the file through its mode anyway.
    /// Group 0 is what mounted files have without an `fsGroup`, which would also change the
    /// group of the pod's other volumes.
    fn owner(
        &mut self,
        cx: &mut Service<'_>,
        kind: Kind,
        reference: &model::FileReferenceConfig,
        path: &[&str],
    ) {
        let name = cx.name;
        let source = &reference.source;
        if !reference.uid.is_empty() {
            let user = cx
                .pod
                .containers
                .first()
                .and_then(|c| c.security.run_as_user);
            let uid = reference.uid.parse::<i64>().ok();
            if uid != Some(0) && uid != user {
                self.warn(
                    Code::FileOwner,
                    path,
                    format!(
                        "{} `{source}` of service `{name}` is owned by root, not uid {}: Kubernetes chooses only the group of mounted files",
                        kind.noun(),
                        reference.uid
                    ),
                    "`uid` not kept",
                );
            }
        }
        if reference.gid.is_empty() {
            return;
        }
        let Ok(gid) = reference.gid.parse::<i64>() else {
            return;
        };
        match &cx.file_group {
            None => {
                if gid != 0 {
                    cx.pod.fs_group = Some(gid);
                }
                cx.file_group = Some((gid, source.clone()));
            }
            Some((first, from)) if *first != gid => {
                let message = format!(
                    "{} `{source}` of service `{name}` asks for gid {gid}, but `{from}` already asked for gid {first}; every mounted file gets group {first}",
                    kind.noun()
                );
                self.warn(Code::FileGroupConflict, path, message, "second group");
            }
            Some(_) => {}
        }
    }

    fn volumes(
        &mut self,
        cx: &mut Service<'_>,
        settings: &Settings,
        service: &model::ServiceConfig,
        config_files: &[String],
    ) {
        let name = cx.name;
        let wanted: Vec<PathBuf> = config_files
            .iter()
            .map(|f| normalize(&Path::new(&cx.project.working_dir).join(f)))
            .collect();
        let mut used = vec![false; wanted.len()];
        for (i, mount) in service.volumes.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "volumes", index.as_str()];
            let sub_path = mount
                .volume
                .as_ref()
                .map(|v| v.subpath.clone())
                .filter(|s| !s.is_empty());
            match mount.kind.as_str() {
                "volume" if mount.source.is_empty() => {
                    let volume = add_volume(
                        cx.pod,
                        "anonymous",
                        VolumeSource::EmptyDir {
                            in_memory: false,
                            size_limit: None,
                        },
                    );
                    cx.mount(volume, mount.target.clone(), None, mount.read_only);
                }
                "volume" => {
                    let project = cx.project;
                    let definition = project.volumes.get(&mount.source);
                    if let Some(device) = definition.and_then(bound_device) {
                        self.bound_volume(cx, &path, i, device, mount);
                        continue;
                    }
                    if mount.volume.as_ref().is_some_and(|v| v.nocopy) {
                        self.warn(
                            Code::VolumeNoCopy,
                            &path,
                            format!(
                                "`nocopy` of volume `{}` in service `{name}` is what Kubernetes always does: image content is never copied into a claim",
                                mount.source
                            ),
                            "always the case",
                        );
                    }
                    let claim = self.claim(cx, settings, &mount.source, definition);
                    let volume = add_volume(
                        cx.pod,
                        &joined(&["volume-", &mount.source]),
                        VolumeSource::Claim {
                            claim,
                            read_only: false,
                        },
                    );
                    cx.mount(volume, mount.target.clone(), sub_path, mount.read_only);
                }
                "bind" => {
                    let source = normalize(Path::new(&mount.source));
                    if let Some(at) = wanted.iter().position(|w| *w == source) {
                        used[at] = true;
                        self.config_file(cx, &path, &source, mount);
                    } else {
                        self.bind(cx, &path, i, &source, mount);
                    }
                }
                "tmpfs" => {
                    let size = mount.tmpfs.as_ref().map_or(0, |t| t.size.0);
                    let volume = add_volume(
                        cx.pod,
                        "tmpfs",
                        VolumeSource::EmptyDir {
                            in_memory: true,
                            size_limit: u64::try_from(size).ok().filter(|&s| s > 0).map(Memory),
                        },
                    );
                    cx.mount(volume, mount.target.clone(), None, mount.read_only);
                }
                other => self.warn(
                    Code::UnsupportedKey,
                    &path,
                    format!(
                        "the `{other}` mount at `{}` of service `{name}` is left out: Kubernetes has no such volume",
                        mount.target
                    ),
                    "not supported on k3s",
                ),
            }
        }
        for (entry, used) in config_files.iter().zip(used) {
            if !used {
                self.warn(
                    Code::ConfigFileUnused,
                    &["services", name, extension::KEY, "config-files"],
                    format!(
                        "`{entry}` in `x-stackc.config-files` of service `{name}` is not the source of any of its bind mounts"
                    ),
                    "no matching bind mount",
                );
            }
        }
    }

    /// A volume of Docker's `local` driver with `o: bind`, which mounts `device` under the
    /// volume's name: the bind mount of `device`, which Docker never creates.
    fn bound_volume(
        &mut self,
        cx: &mut Service<'_>,
        path: &[&str; 4],
        i: usize,
        device: &str,
        mount: &model::ServiceVolumeConfig,
    ) {
        let written =
            self.locations
                .relative_path(&["volumes", &mount.source, "driver_opts", "device"]);
        let rerooted = cx.node_paths.rerooted(Path::new(device), || written);
        let device = rerooted
            .as_deref()
            .map_or(Cow::Borrowed(device), Path::to_string_lossy);
        // `volume.subpath` mounts a directory of the volume, here of the device.
        let subpath = mount.volume.as_ref().map_or("", |v| v.subpath.as_str());
        let device = if subpath.is_empty() {
            device.into_owned()
        } else {
            joined(&[device.trim_end_matches('/'), "/", subpath])
        };
        let as_bind = model::ServiceVolumeConfig {
            kind: "bind".to_owned(),
            source: device.clone(),
            bind: Some(model::ServiceVolumeBind::default()),
            volume: None,
            ..mount.clone()
        };
        self.bind(cx, path, i, &normalize(Path::new(&device)), &as_bind);
    }

    /// A bind mount as a hostPath, reported.
    fn bind(
        &mut self,
        cx: &mut Service<'_>,
        path: &[&str; 4],
        i: usize,
        source: &Path,
        mount: &model::ServiceVolumeConfig,
    ) {
        let name = cx.name;
        if let Some(relabel) = mount.bind.as_ref().filter(|b| !b.selinux.is_empty()) {
            self.warn(
                Code::ApproximatedKey,
                path,
                format!(
                    "the SELinux relabelling `{}` of the bind mount at `{}` in service `{name}` is not kept: the kubelet chooses the labels",
                    relabel.selinux, mount.target
                ),
                "relabelling not kept",
            );
        }
        let propagation = self.propagation(cx, path, mount);
        let locations = self.locations;
        let [services, service, volumes, index] = *path;
        let source_key = [services, service, volumes, index, "source"];
        let written = || locations.relative_path(&source_key);
        let rerooted = cx.node_paths.rerooted(source, written);
        let source = rerooted.as_deref().unwrap_or(source);
        // A Windows container keeps a Windows source: its node is a Windows machine.
        let placement = match windows_drive_path(&mount.source) {
            Some(host) if !is_windows_abs(&mount.target) => Placement::WindowsDrive(host),
            _ => cx.node_paths.place(source, written),
        };
        let in_project_tree = matches!(placement, Placement::Project { .. });
        let placed = matches!(placement, Placement::Project { .. } | Placement::Home(_));
        let (host, mut message) = match placement {
            Placement::Kept => {
                // A hostPath must not hold `..`; compose keeps an absolute source as written.
                let host = source.to_string_lossy().into_owned();
                let message = format!(
                    "bind mount `{}` of service `{name}` becomes hostPath `{host}`: that path must exist on the node, and the data stays on that node",
                    mount.source
                );
                (host, message)
            }
            Placement::Project {
                host,
                outside: false,
            } => {
                let message = format!(
                    "bind mount `{}` of service `{name}` is in the project directory and becomes hostPath `{host}`: copy it there on the node; the data stays on that node",
                    cx.node_paths.shown(source)
                );
                (host, message)
            }
            Placement::Project {
                host,
                outside: true,
            } => {
                let message = format!(
                    "bind mount `{}` of service `{name}` is outside the project directory and becomes hostPath `{host}`: the project's relative bind mounts reach `{}`, which is placed at `{}` on the node; copy it there; the data stays on that node",
                    cx.node_paths.shown(source),
                    cx.node_paths
                        .root
                        .as_deref()
                        .map(|root| cx.node_paths.shown(root))
                        .unwrap_or_default(),
                    cx.node_paths.on_node
                );
                (host, message)
            }
            Placement::Home(host) => {
                let message = format!(
                    "bind mount `{}` of service `{name}` is in the home directory of whoever runs compose and becomes hostPath `{host}`: copy it there on the node; the data stays on that node",
                    written().unwrap_or(&mount.source)
                );
                (host, message)
            }
            Placement::WindowsDrive(host) => {
                let message = format!(
                    "bind mount `{}` of service `{name}` is on a Windows drive, which a Linux node does not have, and becomes hostPath `{host}`, where WSL-based nodes (Rancher Desktop, `podman machine`) mount that drive; on other nodes, copy it there; the data stays on that node",
                    mount.source
                );
                (host, message)
            }
        };
        if rerooted.is_some() {
            message.push_str("; `$PWD` is read as the project directory, wherever stackc runs");
        }
        self.warn(Code::BindMount, path, message, "hostPath");
        // The project's files as checked out, and the home directory's: what compose would
        // find on this machine.
        let metadata = placed.then(|| std::fs::metadata(source).ok()).flatten();
        let file = metadata.filter(std::fs::Metadata::is_file);
        let create = in_project_tree
            && file.is_none()
            && mount.bind.as_ref().is_some_and(|b| b.create_host_path);
        if let Some(file) = file
            && !cx.ir.host_files.contains_key(&host)
            && let Some(text) = small_text_file(source, &file)
        {
            cx.ir.host_files.insert(host.clone(), text);
        }
        let mut base = String::with_capacity(8);
        base.push_str("host-");
        push_number(&mut base, i as u64);
        let volume = add_volume(cx.pod, &base, VolumeSource::HostPath { path: host, create });
        if let Some(added) = cx.mount(volume, mount.target.clone(), None, mount.read_only) {
            added.propagation = propagation;
        }
    }

    /// `bind.propagation`. Kubernetes' propagation is always recursive, and lets mounts cross
    /// from the container to the node only in a privileged container.
    fn propagation(
        &mut self,
        cx: &Service<'_>,
        path: &[&str; 4],
        mount: &model::ServiceVolumeConfig,
    ) -> Option<MountPropagation> {
        let mode = mount.bind.as_ref().map_or("", |b| b.propagation.as_str());
        match mode {
            "rslave" | "slave" => Some(MountPropagation::HostToContainer),
            "rshared" | "shared" => {
                let privileged = cx
                    .pod
                    .containers
                    .first()
                    .is_some_and(|c| c.security.privileged);
                if privileged {
                    return Some(MountPropagation::Bidirectional);
                }
                self.warn_help(
                    Code::ApproximatedKey,
                    path,
                    format!(
                        "mounts that service `{}` makes under `{}` stay in its container: Kubernetes shares them with the node (`{mode}`) only from a privileged container, so the mount gets the node's mounts only",
                        cx.name, mount.target
                    ),
                    "propagation approximated",
                    "add `privileged: true` to the service if other services must see its mounts",
                );
                Some(MountPropagation::HostToContainer)
            }
            _ => None,
        }
    }

    /// The claim of a named volume, created once per project; external volumes are referenced.
    fn claim(
        &mut self,
        cx: &mut Service<'_>,
        settings: &Settings,
        volume: &str,
        definition: Option<&model::VolumeConfig>,
    ) -> String {
        if let Some(d) = definition.filter(|d| d.external) {
            let external = if d.name.is_empty() { volume } else { &d.name };
            // Podman finds the existing volume by the engine's name (`caddy_data`).
            let claim = match cx.options.name_rules {
                NameRules::Kubernetes => dns_label(external),
                NameRules::Engine => external.to_owned(),
            };
            return self.external(cx.owners, "volumes", volume, external, claim);
        }
        let compose_name = definition.map_or("", |d| d.name.as_str());
        // Swarm names a volume for each service, task or node from its templates.
        let (compose_name, per_task) = if compose_name.contains("{{") {
            let swarm_name = joined(&[&cx.project.name, "_", cx.name]);
            let (expanded, left) = templates::expand_service_name(compose_name, &swarm_name);
            let mut spelled = expanded.into_owned();
            for template in &left {
                let field = templates::templates(template).next().map_or("", |(_, f)| f);
                spelled = spelled.replace(template, &field.replace('.', "-").to_lowercase());
            }
            (Cow::Owned(spelled), left.first().copied())
        } else {
            (Cow::Borrowed(compose_name), None)
        };
        let claim = object_name(&cx.project.name, volume, &compose_name);
        self.own(cx.owners, "volumes", &claim, (volume, volume));
        if cx.ir.claims.contains_key(&claim) {
            return claim;
        }
        if let Some(template) = per_task {
            self.warn(
                Code::SwarmTemplate,
                &["volumes", volume, "name"],
                format!(
                    "volume `{volume}` is named for each swarm task or node (`{template}`), which a Deployment's pods do not have: every replica of service `{}` shares claim `{claim}`",
                    cx.name
                ),
                "swarm template",
            );
        }
        // Docker's `local` driver with `driver_opts` mounts NFS or a device; a claim cannot.
        if definition.is_some_and(|d| {
            !matches!(d.driver.as_str(), "" | "local") || !d.driver_opts.is_empty()
        }) {
            self.warn(
                Code::ApproximatedKey,
                &["volumes", volume],
                format!(
                    "the driver and driver options of volume `{volume}` are not kept: the claim gets its storage from a StorageClass"
                ),
                "driver not kept",
            );
        }
        let wanted = settings
            .project
            .volumes
            .get(volume)
            .cloned()
            .unwrap_or_default();
        let path = [extension::KEY, "volumes", volume];
        let size = wanted.size.as_deref().and_then(|s| {
            let parsed = parse_quantity(s);
            if parsed.is_none() {
                self.warn(
                    Code::VolumeSetting,
                    &path,
                    format!("size `{s}` of volume `{volume}` is not a Kubernetes quantity; the claim asks for 1Gi"),
                    "not a quantity",
                );
            }
            parsed
        });
        let access_mode = match wanted.access_mode.as_deref() {
            None | Some("ReadWriteOnce") => AccessMode::ReadWriteOnce,
            Some("ReadWriteMany") => AccessMode::ReadWriteMany,
            Some("ReadOnlyMany") => AccessMode::ReadOnlyMany,
            Some("ReadWriteOncePod") => AccessMode::ReadWriteOncePod,
            Some(other) => {
                self.warn(
                    Code::VolumeSetting,
                    &path,
                    format!("access mode `{other}` of volume `{volume}` is not a Kubernetes access mode; the claim is ReadWriteOnce"),
                    "unknown access mode",
                );
                AccessMode::ReadWriteOnce
            }
        };
        cx.ir.claims.insert(
            claim.clone(),
            StorageClaim {
                name: claim.clone(),
                size: Memory(size.unwrap_or(DEFAULT_SIZE)),
                storage_class: wanted.storage_class,
                access_mode,
                provenance: self.provenance(cx.options, &["volumes", volume]),
            },
        );
        claim
    }

    /// A bind-mounted file or directory listed in `x-stackc.config-files`: a ConfigMap read now.
    fn config_file(
        &mut self,
        cx: &mut Service<'_>,
        path: &[&str],
        source: &Path,
        mount: &model::ServiceVolumeConfig,
    ) {
        let name = cx.name;
        let base = source
            .file_name()
            .map_or_else(String::new, |b| b.to_string_lossy().into_owned());
        let mut data = IndexMap::new();
        let mut unreadable = Vec::new();
        let is_dir = source.is_dir();
        let files: Vec<PathBuf> = if is_dir {
            let mut files: Vec<PathBuf> = std::fs::read_dir(source)
                .map(|rd| {
                    rd.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            files
        } else {
            vec![source.to_owned()]
        };
        let mut total = 0u64;
        for file in &files {
            let key = data_key(
                &file
                    .file_name()
                    .map_or_else(String::new, |b| b.to_string_lossy().into_owned()),
            );
            match std::fs::read_to_string(file) {
                Ok(text) => {
                    total += text.len() as u64;
                    data.insert(key, text);
                }
                Err(_) => unreadable.push(file),
            }
        }
        let object = config_file_object(cx, &base, &data);
        for file in unreadable {
            self.warn(
                Code::FileValueMissing,
                path,
                format!(
                    "`{}` of service `{name}` cannot be read as UTF-8 text, so ConfigMap `{object}` is written without it",
                    file.display()
                ),
                "unreadable config file",
            );
        }
        if total > CONFIG_MAP_LIMIT {
            let span = self.span(path);
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ConfigFileTooLarge,
                    format!(
                        "`{}` of service `{name}` holds {total} bytes, more than the 1 MiB a ConfigMap can hold",
                        mount.source
                    ),
                )
                .with_label(span, "too large for a ConfigMap")
                .with_help("remove it from `x-stackc.config-files` to mount it as a hostPath"),
            );
            return;
        }
        let items: Vec<KeyToPath> = if is_dir {
            Vec::new()
        } else {
            data.keys()
                .map(|k| KeyToPath {
                    key: k.clone(),
                    path: k.clone(),
                    mode: None,
                })
                .collect()
        };
        let sub_path = (!is_dir)
            .then(|| items.first().map(|i| i.key.clone()))
            .flatten();
        cx.ir.config_maps.insert(
            object.clone(),
            ConfigMap {
                name: object.clone(),
                data,
                origin: path.iter().map(|&p| p.to_owned()).collect(),
                provenance: self.provenance(cx.options, path),
            },
        );
        let volume = add_volume(
            cx.pod,
            &format!("files-{base}"),
            VolumeSource::ConfigMap {
                config_map: object,
                items,
            },
        );
        cx.mount(volume, mount.target.clone(), sub_path, true);
    }
}

/// `tmpfs:` entries and `shm_size`: memory-backed emptyDirs.
fn tmpfs(cx: &mut Service<'_>, service: &model::ServiceConfig) {
    for spec in &service.tmpfs {
        let (target, options) = spec.split_once(':').unwrap_or((spec, ""));
        let size = options
            .split(',')
            .find_map(|o| o.strip_prefix("size="))
            .and_then(parse_docker_size);
        let volume = add_volume(
            cx.pod,
            "tmpfs",
            VolumeSource::EmptyDir {
                in_memory: true,
                size_limit: size.map(Memory),
            },
        );
        cx.mount(volume, target.to_owned(), None, false);
    }
    if let Ok(size) = u64::try_from(service.shm_size.0)
        && size > 0
    {
        let volume = add_volume(
            cx.pod,
            "shm",
            VolumeSource::EmptyDir {
                in_memory: true,
                size_limit: Some(Memory(size)),
            },
        );
        cx.mount(volume, "/dev/shm".to_owned(), None, false);
    }
}

/// What each project-owned object (claim, Secret, ConfigMap) was made from, by section and
/// object name: more than one thing is an error.
#[derive(Default)]
struct Owners {
    volumes: Keys,
    secrets: Keys,
    configs: Keys,
}

/// The identity and compose key of each maker, by object name.
type Keys = HashMap<String, Vec<(String, String)>, foldhash::fast::RandomState>;

impl Owners {
    fn of(&mut self, section: &str) -> &mut Keys {
        match section {
            "volumes" => &mut self.volumes,
            "secrets" => &mut self.secrets,
            _ => &mut self.configs,
        }
    }
}

/// One service being lowered.
struct Service<'a> {
    project: &'a model::Project,
    name: &'a str,
    options: &'a Options,
    pod: &'a mut Pod,
    ir: &'a mut Project,
    node_paths: &'a NodePaths,
    owners: &'a mut Owners,
    /// The first `gid` of a secret or config, which sets the pod's fsGroup unless it is root's,
    /// and the secret or config that asked for it.
    file_group: Option<(i64, String)>,
}

impl Service<'_> {
    /// Mounts `volume` in the service's container; the mount, for the caller to complete.
    fn mount(
        &mut self,
        volume: String,
        mount_path: String,
        sub_path: Option<String>,
        read_only: bool,
    ) -> Option<&mut VolumeMount> {
        let container = self.pod.containers.first_mut()?;
        container.volume_mounts.push(VolumeMount {
            volume,
            mount_path,
            sub_path,
            read_only,
            propagation: None,
        });
        container.volume_mounts.last_mut()
    }
}

/// The `device` that Docker's `local` driver bind-mounts for a volume with `o: bind`, as the
/// loader resolved it. `local` is Docker's default driver, but the loader resolves a relative
/// device only where the driver is named, so without one only an absolute device is bound.
fn bound_device(definition: &model::VolumeConfig) -> Option<&str> {
    let options = &definition.driver_opts;
    let device = options.get("device").map(String::as_str)?;
    let bound = match definition.driver.as_str() {
        "local" => !device.is_empty(),
        "" => device.starts_with('/'),
        _ => false,
    };
    (bound && options.get("o").is_some_and(|o| o == "bind")).then_some(device)
}

/// Adds a pod volume and returns its name: the same claim, path or file set reuses its volume,
/// another source with the same base name gets a numbered name. An empty directory is always a
/// new volume: two anonymous volumes or tmpfs mounts are two volumes under compose.
fn add_volume(pod: &mut Pod, base: &str, source: VolumeSource) -> String {
    let scratch = matches!(source, VolumeSource::EmptyDir { .. });
    if let Some(v) = pod.volumes.iter().find(|v| !scratch && v.source == source) {
        return v.name.clone();
    }
    let name = first_free(&dns_label(base), |name| {
        pod.volumes.iter().any(|v| v.name == name)
    });
    pod.volumes.push(Volume {
        name: name.clone(),
        source,
    });
    name
}

/// Configuration files are small; anything larger, or not text, is data no service is named in.
const HOST_FILE_LIMIT: u64 = 64 * 1024;

/// The text of a regular file of at most [`HOST_FILE_LIMIT`] bytes of UTF-8.
fn small_text_file(path: &Path, metadata: &std::fs::Metadata) -> Option<String> {
    if metadata.len() > HOST_FILE_LIMIT {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

/// The value of a secret or config: inline content, its `file`, or a project variable.
fn file_value(
    project: &model::Project,
    kind: Kind,
    definition: &model::FileObjectConfig,
    file: &str,
) -> Option<String> {
    if kind == Kind::Config && !definition.content.is_empty() {
        return Some(definition.content.clone());
    }
    if !file.is_empty() {
        let path = Path::new(&project.working_dir).join(file);
        return std::fs::read_to_string(path).ok();
    }
    if !definition.environment.is_empty() {
        return project.environment.get(&definition.environment).cloned();
    }
    None
}

/// The name of the ConfigMap of a config file: `<project>-<service>-<file name>`, numbered
/// when a ConfigMap of other data has it (`./nginx/default.conf` and `./php/default.conf` of one
/// service); the same data shares one.
fn config_file_object(cx: &Service<'_>, base: &str, data: &IndexMap<String, String>) -> String {
    let first = distinct_dns_label(&joined(&[&cx.project.name, "-", cx.name, "-", base]));
    first_free(&first, |object| {
        cx.ir
            .config_maps
            .get(object)
            .is_some_and(|existing| existing.data != *data)
    })
}

/// The name of a project-owned object: the name compose gives it (`<project>_<key>`), as a DNS
/// label; podman secrets and volumes are global to the host, so the prefix keeps projects apart.
fn object_name(project: &str, key: &str, compose_name: &str) -> String {
    if compose_name.is_empty() {
        return distinct_prefixed_label(project, key);
    }
    match compose_name
        .strip_prefix(project)
        .and_then(|rest| rest.strip_prefix('_'))
    {
        Some(own) => distinct_prefixed_label(project, own),
        None => distinct_dns_label(compose_name),
    }
}

/// A ConfigMap or Secret key (`[-._a-zA-Z0-9]+`) derived from a compose name.
fn data_key(name: &str) -> String {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.chars().all(allowed) {
        return name.to_owned();
    }
    name.chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .collect()
}

/// Where bind-mounted host paths are on the node, so that the manifests never hold the converting
/// machine's checkout path or home directory and are the same wherever they are built:
///
/// - the project directory moves to [`NODE_PROJECTS`]`/<project>/`; when relative bind sources
///   climb out of it (`../src` from a `deploy/` folder), the directory they climb to moves there
///   instead, and the project directory below it keeps its place in that tree;
/// - a source written from the home directory (`~/data`) moves under [`NODE_HOME`];
/// - other absolute paths are kept.
struct NodePaths {
    /// The project directory, normalised; `None` when the project has none.
    project_dir: Option<PathBuf>,
    /// The directory placed at `on_node`: the project directory, or the ancestor of it that
    /// relative bind sources reach.
    root: Option<PathBuf>,
    /// Where `root` is on the node.
    on_node: String,
}

/// Where a bind source goes on the node, and why.
enum Placement {
    /// In the tree placed at [`NODE_PROJECTS`]`/<project>/`; `outside` when the source is not
    /// in the project directory itself.
    Project { host: String, outside: bool },
    /// In the home directory of whoever ran compose.
    Home(String),
    /// On a Windows drive, written for Docker Desktop, mounted into a Linux container.
    WindowsDrive(String),
    /// An absolute path, kept.
    Kept,
}

/// `D:\data` or `D:/data`, a path on a Windows drive, as WSL mounts it: `/mnt/d/data`.
fn windows_drive_path(source: &str) -> Option<String> {
    let bytes = source.as_bytes();
    let drive = *bytes.first()?;
    if !(drive.is_ascii_alphabetic() && bytes.get(1) == Some(&b':') && is_windows_abs(source)) {
        return None;
    }
    // `..` stops at the drive's root, as on Windows.
    let rest = normalize(&Path::new("/").join(source[2..].replace('\\', "/")));
    let path = Path::new(NODE_WINDOWS_DRIVES)
        .join(char::from(drive.to_ascii_lowercase()).to_string())
        .join(rest.strip_prefix("/").unwrap_or(&rest));
    Some(path.to_string_lossy().into_owned())
}

impl NodePaths {
    /// Made once per project, from every bind source written as a relative path.
    fn new(project: &model::Project, locations: &impl Locate) -> Self {
        let project_dir =
            (!project.working_dir.is_empty()).then(|| normalize(Path::new(&project.working_dir)));
        let climb = project_dir.as_deref().map_or(0, |dir| {
            let depth = dir.ancestors().count() - 1;
            let mut climb = 0;
            for (name, service) in &project.services {
                for (i, mount) in service.volumes.iter().enumerate() {
                    if mount.kind != "bind" {
                        continue;
                    }
                    let source = normalize(Path::new(&mount.source));
                    if below(&source, dir).is_some() {
                        continue;
                    }
                    let index = i.to_string();
                    let key = ["services", name, "volumes", index.as_str(), "source"];
                    let written = locations.relative_path(&key);
                    let source = written
                        .and_then(|w| from_project_dir(dir, w))
                        .unwrap_or(source);
                    if below(&source, dir).is_some() {
                        continue;
                    }
                    if written.is_some_and(|w| !w.starts_with('~')) {
                        // A climb to the filesystem's root leaves nothing of the project's
                        // surroundings to place: such a source is as good as absolute.
                        let up = levels_above(dir, &source);
                        if up < depth {
                            climb = climb.max(up);
                        }
                    }
                }
            }
            climb
        });
        let root = project_dir.as_deref().map(|dir| {
            dir.ancestors()
                .nth(climb)
                .unwrap_or(Path::new("/"))
                .to_path_buf()
        });
        Self {
            project_dir,
            root,
            on_node: joined(&[NODE_PROJECTS, "/", &dns_label(&project.name)]),
        }
    }

    /// A source written from `$PWD` that the loader placed in another directory than the
    /// project's: compose files write `$PWD` for the project directory they are run from, and
    /// where stackc runs must not change its output.
    fn rerooted<'w>(
        &self,
        source: &Path,
        written: impl FnOnce() -> Option<&'w str>,
    ) -> Option<PathBuf> {
        let dir = self.project_dir.as_deref()?;
        if below(source, dir).is_some() {
            return None;
        }
        written().and_then(|w| from_project_dir(dir, w))
    }

    /// `source` is the model's absolute path; `written` gives the path as written when it was
    /// relative, and is asked only for a source outside the project directory, where it matters.
    fn place<'w>(&self, source: &Path, written: impl FnOnce() -> Option<&'w str>) -> Placement {
        let inside = self
            .project_dir
            .as_deref()
            .is_some_and(|dir| below(source, dir).is_some());
        let written = if inside { None } else { written() };
        if let Some(rest) = written.and_then(|w| w.strip_prefix('~')) {
            let host = normalize(&Path::new(NODE_HOME).join(rest.trim_start_matches('/')));
            return Placement::Home(host.to_string_lossy().into_owned());
        }
        match self.root.as_deref() {
            Some(root) if inside || written.is_some() => match below(source, root) {
                Some("") => Placement::Project {
                    host: self.on_node.clone(),
                    outside: !inside,
                },
                Some(rest) => Placement::Project {
                    host: joined(&[&self.on_node, "/", rest]),
                    outside: !inside,
                },
                None => Placement::Kept,
            },
            _ => Placement::Kept,
        }
    }

    /// `source` as a path relative to the project directory (`./site`, `../src`).
    fn shown(&self, source: &Path) -> String {
        let Some(dir) = self.project_dir.as_deref() else {
            return source.display().to_string();
        };
        match below(source, dir) {
            Some("") => return ".".to_owned(),
            Some(rest) => return joined(&["./", rest]),
            None => {}
        }
        let up = levels_above(dir, source);
        let ancestor = dir.ancestors().nth(up).unwrap_or(Path::new("/"));
        let rest = below(source, ancestor).unwrap_or_default();
        let mut shown = if up == 0 {
            String::from(".")
        } else {
            let mut climb = "../".repeat(up);
            climb.pop();
            climb
        };
        if !rest.is_empty() {
            shown.push('/');
            shown.push_str(rest);
        }
        shown
    }
}

/// The path a source written from `$PWD` ([`FROM_PROJECT_DIR`]`/rest`) names in the project
/// directory `dir`.
fn from_project_dir(dir: &Path, written: &str) -> Option<PathBuf> {
    let rest = written.strip_prefix(FROM_PROJECT_DIR)?;
    Some(normalize(&dir.join(rest.trim_start_matches('/'))))
}

/// How many levels above `dir` one must climb to reach a directory holding `path`.
fn levels_above(dir: &Path, path: &Path) -> usize {
    dir.ancestors()
        .position(|ancestor| below(path, ancestor).is_some())
        .unwrap_or(0)
}

/// What is left of `path` below `dir` (`""` for `dir` itself), or `None` when it is not below
/// it. Both are normalised, and compared as text: a build checks every bind mount, and
/// `Path`'s comparisons go component by component.
fn below<'p>(path: &'p Path, dir: &Path) -> Option<&'p str> {
    let rest = path.to_str()?.strip_prefix(dir.to_str()?)?;
    if rest.is_empty() || dir.as_os_str() == "/" {
        Some(rest)
    } else {
        rest.strip_prefix('/')
    }
}

/// `file` relative to the project directory, so hashes do not depend on where it is checked out.
fn relative(working_dir: &str, file: &str) -> String {
    Path::new(file)
        .strip_prefix(working_dir)
        .map_or_else(|_| file.to_owned(), |p| p.to_string_lossy().into_owned())
}

/// Removes `.` and resolves `..` lexically: both sides of a comparison come from the model's
/// absolute paths, and the files need not exist.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// A Kubernetes quantity of bytes (`10Gi`, `500M`, `1024`).
fn parse_quantity(text: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 10] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
    ];
    let (digits, unit) = UNITS
        .iter()
        .find_map(|(suffix, unit)| text.strip_suffix(suffix).map(|d| (d, *unit)))
        .unwrap_or((text, 1));
    digits
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)?
        .checked_mul(unit)
}

/// A Docker size (`64m`, `1g`, `512k`, bytes), as in `tmpfs: /run:size=64m`.
fn parse_docker_size(text: &str) -> Option<u64> {
    let lower = text.to_ascii_lowercase();
    let lower = lower.trim_end_matches('b');
    let (digits, unit) = match lower.chars().last()? {
        'k' => (&lower[..lower.len() - 1], 1 << 10),
        'm' => (&lower[..lower.len() - 1], 1 << 20),
        'g' => (&lower[..lower.len() - 1], 1 << 30),
        _ => (lower, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)?
        .checked_mul(unit)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::{NodePaths, Placement, windows_drive_path};
    use crate::ir::Locate;
    use crate::model;
    use crate::source::Span;

    /// The bind sources of `services.web.volumes` written as the list says, by index.
    struct Written(&'static [Option<&'static str>]);

    impl Locate for Written {
        fn span(&self, _path: &[&str]) -> Option<Span> {
            None
        }

        fn relative_path(&self, path: &[&str]) -> Option<&str> {
            match path {
                ["services", "web", "volumes", i, "source"] => {
                    self.0.get(i.parse::<usize>().ok()?).copied().flatten()
                }
                _ => None,
            }
        }
    }

    fn node_paths(sources: &[&str], written: &'static [Option<&'static str>]) -> NodePaths {
        let volumes: Vec<_> = sources
            .iter()
            .map(|s| json!({ "type": "bind", "source": s, "target": "/mnt" }))
            .collect();
        let mut project: model::Project = serde_json::from_value(json!({
            "name": "shop",
            "services": { "web": { "image": "nginx", "volumes": volumes } }
        }))
        .unwrap();
        project.working_dir = "/home/me/shop/deploy".to_owned();
        NodePaths::new(&project, &Written(written))
    }

    fn host(paths: &NodePaths, source: &str, written: Option<&str>) -> String {
        match paths.place(Path::new(source), || written) {
            Placement::Project { host, .. }
            | Placement::Home(host)
            | Placement::WindowsDrive(host) => host,
            Placement::Kept => format!("kept {source}"),
        }
    }

    #[test]
    fn windows_drive_sources_are_where_wsl_mounts_the_drive() {
        assert_eq!(
            windows_drive_path("D:/LocalAI/Ollama").as_deref(),
            Some("/mnt/d/LocalAI/Ollama")
        );
        assert_eq!(
            windows_drive_path("C:\\Users\\me\\..\\..\\..\\data\\").as_deref(),
            Some("/mnt/c/data")
        );
        assert_eq!(windows_drive_path("c:\\").as_deref(), Some("/mnt/c/"));
        for not_a_drive in [
            "C:data",
            "/data",
            "//server/share",
            "\\\\server\\share",
            "1:/x",
            "é:/x",
        ] {
            assert_eq!(windows_drive_path(not_a_drive), None, "{not_a_drive}");
        }
    }

    #[test]
    fn relative_bind_sources_climbing_out_move_the_node_root_up() {
        let paths = node_paths(
            &["/home/me/shop/deploy/site", "/home/me/shop/assets"],
            &[Some("./site"), Some("../assets")],
        );
        assert_eq!(
            host(&paths, "/home/me/shop/deploy/site", Some("./site")),
            "/var/lib/stackc/shop/deploy/site"
        );
        assert_eq!(
            host(&paths, "/home/me/shop/assets", Some("../assets")),
            "/var/lib/stackc/shop/assets"
        );
        assert_eq!(
            host(&paths, "/home/me/shop", Some("..")),
            "/var/lib/stackc/shop"
        );
        assert_eq!(paths.shown(Path::new("/home/me/shop/assets")), "../assets");
        assert_eq!(paths.shown(Path::new("/home/me/shop")), "..");
        assert_eq!(
            paths.shown(Path::new("/home/me/shop/deploy/site")),
            "./site"
        );
        assert_eq!(
            host(&paths, "/home/me/shop/other", None),
            "kept /home/me/shop/other",
            "a path written absolute outside the project directory is the user's to keep"
        );
    }

    #[test]
    fn a_climb_to_the_filesystem_root_is_kept_absolute() {
        let paths = node_paths(
            &["/home/me/shop/deploy/site", "/cockroach"],
            &[Some("./site"), Some("../../../../cockroach")],
        );
        assert_eq!(
            host(&paths, "/cockroach", Some("../../../../cockroach")),
            "kept /cockroach"
        );
        assert_eq!(
            host(&paths, "/home/me/shop/deploy/site", Some("./site")),
            "/var/lib/stackc/shop/site",
            "the project directory stays the node root rather than bringing the whole path in"
        );
    }

    #[test]
    fn without_climbs_the_project_directory_is_the_node_root() {
        let paths = node_paths(
            &["/home/me/shop/deploy/site", "/srv/data"],
            &[Some("./site"), None],
        );
        assert_eq!(
            host(&paths, "/home/me/shop/deploy/site", Some("./site")),
            "/var/lib/stackc/shop/site"
        );
        assert_eq!(
            host(&paths, "/home/me/shop/deploy", None),
            "/var/lib/stackc/shop",
            "the project directory itself (`$PWD`) is its node root"
        );
        assert_eq!(host(&paths, "/srv/data", None), "kept /srv/data");
        assert_eq!(
            host(&paths, "/home/me/shop/deploy-old/site", None),
            "kept /home/me/shop/deploy-old/site",
            "a directory whose name starts with the project's is not inside it"
        );
    }

    #[test]
    fn below_compares_whole_components() {
        fn below<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
            super::below(Path::new(path), Path::new(dir))
        }
        assert_eq!(below("/home/me/shop/site", "/home/me/shop"), Some("site"));
        assert_eq!(below("/home/me/shop", "/home/me/shop"), Some(""));
        assert_eq!(below("/home/me/shopping", "/home/me/shop"), None);
        assert_eq!(below("/srv", "/"), Some("srv"));
    }

    #[test]
    fn the_home_directory_has_a_node_directory_of_its_own() {
        let paths = node_paths(&["/home/me/certs"], &[Some("~/certs")]);
        assert_eq!(
            host(&paths, "/home/me/certs", Some("~/certs")),
            "/var/lib/stackc/~/certs"
        );
        assert_eq!(
            host(&paths, "/home/me/shop/deploy/site", Some("./site")),
            "/var/lib/stackc/shop/site",
            "a home-relative source does not move the project's root"
        );
        assert_eq!(
            host(
                &paths,
                "/home/me/shop/deploy/site",
                Some("~/shop/deploy/site")
            ),
            "/var/lib/stackc/shop/site",
            "a path in the project directory is placed with it however it is written"
        );
    }

    #[test]
    fn sizes_parse_in_both_notations() {
        assert_eq!(super::parse_quantity("20Gi"), Some(20 << 30));
        assert_eq!(super::parse_quantity("500M"), Some(500_000_000));
        assert_eq!(super::parse_quantity("lots"), None);
        assert_eq!(super::parse_docker_size("64m"), Some(64 << 20));
        assert_eq!(super::parse_docker_size("1024"), Some(1024));
        assert_eq!(super::data_key("my key/1"), "my_key_1");
        assert_eq!(super::object_name("shop", "db_pass", ""), "shop-db-pass");
    }

    #[test]
    fn pod_volumes_whose_names_are_cut_alike_get_numbered() {
        let mut pod = crate::ir::Pod::default();
        let long = "a".repeat(70);
        let names: Vec<String> = ["one", "two"]
            .iter()
            .map(|claim| {
                super::add_volume(
                    &mut pod,
                    &long,
                    super::VolumeSource::Claim {
                        claim: (*claim).to_owned(),
                        read_only: false,
                    },
                )
            })
            .collect();
        assert_eq!(names[0], "a".repeat(63));
        assert_eq!(names[1], format!("{}-2", "a".repeat(61)));
    }
}
