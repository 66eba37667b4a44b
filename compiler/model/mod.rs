//! The resolved compose project, in the exact shape Docker Compose prints with
//! `docker compose config --format json` (compose-go v2's `types.Project`).
//!
//! The [`frontend`](crate::frontend) builds a [`Project`] (interpolated, merged, `extends` and
//! `include` resolved, every short syntax turned into the long one, paths made absolute) and
//! `ir::lower` reads it. Its JSON form, [`to_json`] and [`to_json_value`], is Docker Compose
//! v2.40.3's output: the same keys, the same `omitempty` rules, the same custom encodings
//! (durations as `1m30s`, byte counts as `"1024"`, `published` ports as strings, `null` for an
//! unset `command`), map keys sorted and struct fields in Go's declaration order.
//!
//! [`from_canonical`] binds the frontend's canonical dict to a [`Project`] with the conversions
//! compose-go's mapstructure binding applies (`command: "a b"` split like a shell would, `"1g"` a
//! byte count, `"true"` a bool, `x-*` keys into `extensions`); the same `Deserialize` impls read
//! the printed JSON back.
//!
//! Maps are [`IndexMap`]s in user order in memory; only the JSON output sorts them. Scalars
//! compose-go leaves at Go's zero value when absent (`""`, `0`, `false`) are plain fields here
//! too, and are left out of the output when zero; compose-go's pointers are [`Option`]s.

mod decode;
mod json;
mod resources;
mod service;
mod values;

use indexmap::IndexMap;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use decode::{DecodeError, from_canonical, from_tree};
pub use json::{to_json, to_json_value};
pub use resources::{
    FileObjectConfig, IpamConfig, IpamPool, ModelConfig, NetworkConfig, VolumeConfig,
};
pub use service::{
    BlkioConfig, BuildConfig, CredentialSpecConfig, DeployConfig, DevelopConfig, DeviceMapping,
    DeviceRequest, DiscreteGenericResource, ExtendsConfig, FileReferenceConfig, GenericResource,
    HealthCheckConfig, LoggingConfig, Placement, PlacementPreferences, Resource, Resources,
    RestartPolicy, ServiceConfig, ServiceDependency, ServiceHook, ServiceModelConfig,
    ServiceNetworkConfig, ServicePortConfig, ServiceProviderConfig, ServiceVolumeBind,
    ServiceVolumeConfig, ServiceVolumeImage, ServiceVolumeTmpfs, ServiceVolumeVolume,
    ThrottleDevice, Trigger, UpdateConfig, WeightDevice,
};
pub use values::{
    Duration, DurationError, EnvFile, FileMode, HostsList, SshKey, UlimitsConfig, UnitBytes,
};

/// `x-*` keys and their values, as decoded from YAML.
pub type Extensions = IndexMap<String, serde_json::Value>;

/// A whole compose project (compose-go `types.Project`): what `config --format json` prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Project {
    /// `name`: the project name (top-level `name:`, `-p`, or the directory name).
    pub name: String,
    /// `services`, the enabled ones only. Reading JSON fills each [`ServiceConfig::name`] from its
    /// key, as compose-go's loader does.
    pub services: IndexMap<String, ServiceConfig>,
    /// Top-level `networks`, including the implicit `default` network when a service uses it.
    pub networks: IndexMap<String, NetworkConfig>,
    /// Top-level `volumes`.
    pub volumes: IndexMap<String, VolumeConfig>,
    /// Top-level `secrets`.
    pub secrets: IndexMap<String, FileObjectConfig>,
    /// Top-level `configs`.
    pub configs: IndexMap<String, FileObjectConfig>,
    /// Top-level `models`; Docker Compose does not print them in `config --format json`.
    pub models: IndexMap<String, ModelConfig>,
    /// Top-level `x-*` keys, printed inline beside `services`.
    pub extensions: Extensions,
    /// The project directory: relative paths in the compose files were resolved against it.
    pub working_dir: String,
    /// The compose files loaded, in `-f` order.
    pub compose_files: Vec<String>,
    /// The environment used for interpolation (process environment plus `.env`).
    pub environment: IndexMap<String, String>,
    /// Services left out because none of their `profiles` is active.
    pub disabled_services: IndexMap<String, ServiceConfig>,
    /// The active profiles.
    pub profiles: Vec<String>,
}

impl Project {
    /// The service whose namespace a `network_mode`, `ipc` or `pid` of `mode` shares:
    /// `service:NAME`, or `container:NAME` of the container a service of the project runs
    /// (its `container_name`), which Docker joins the same way.
    #[must_use]
    pub fn namespace_owner<'a>(&'a self, mode: &'a str) -> Option<&'a str> {
        if let Some(service) = mode.strip_prefix("service:") {
            return Some(service);
        }
        self.service_by_container_name(mode.strip_prefix("container:")?)
    }

    /// The enabled service whose `container_name` is `container`: what Docker names
    /// `container:NAME` when the project itself runs that container.
    #[must_use]
    pub fn service_by_container_name(&self, container: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|(_, service)| service.container_name == container)
            .map(|(name, _)| name.as_str())
    }
}

impl Serialize for Project {
    /// compose-go marshals the project through a `map[string]any`, so the top-level keys,
    /// extensions included, come out sorted; empty resource maps are left out, `name` and
    /// `services` never are.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        enum Entry<'a> {
            Name(&'a str),
            Services(&'a IndexMap<String, ServiceConfig>),
            Networks(&'a IndexMap<String, NetworkConfig>),
            Volumes(&'a IndexMap<String, VolumeConfig>),
            Secrets(&'a IndexMap<String, FileObjectConfig>),
            Configs(&'a IndexMap<String, FileObjectConfig>),
            Extension(&'a serde_json::Value),
        }
        impl Serialize for Entry<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    Self::Name(name) => serializer.serialize_str(name),
                    Self::Services(map) => json::sorted(map, serializer),
                    Self::Networks(map) => json::sorted(map, serializer),
                    Self::Volumes(map) => json::sorted(map, serializer),
                    Self::Secrets(map) => FileObjectConfig::serialize_secrets(map, serializer),
                    Self::Configs(map) => FileObjectConfig::serialize_configs(map, serializer),
                    Self::Extension(value) => json::GoValue(value).serialize(serializer),
                }
            }
        }

        let mut entries = vec![
            ("name", Entry::Name(&self.name)),
            ("services", Entry::Services(&self.services)),
        ];
        if !self.networks.is_empty() {
            entries.push(("networks", Entry::Networks(&self.networks)));
        }
        if !self.volumes.is_empty() {
            entries.push(("volumes", Entry::Volumes(&self.volumes)));
        }
        if !self.secrets.is_empty() {
            entries.push(("secrets", Entry::Secrets(&self.secrets)));
        }
        if !self.configs.is_empty() {
            entries.push(("configs", Entry::Configs(&self.configs)));
        }
        // An extension named like a built-in key replaces it, as a later Go map assignment does.
        for (key, value) in &self.extensions {
            entries.retain(|(existing, _)| existing != key);
            entries.push((key, Entry::Extension(value)));
        }
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (key, value) in &entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Project {
    /// Reads both the printed JSON, whose `x-*` keys sit beside `services`, and compose-go's
    /// canonical dict after [`from_canonical`] gathered them under `#extensions`. Other keys
    /// (`include`, `version`) are ignored, as compose-go's binding ignores them.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ProjectVisitor;
        impl<'de> Visitor<'de> for ProjectVisitor {
            type Value = Project;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a compose project mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Project, A::Error> {
                let mut project = Project::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" => project.name = map.next_value::<decode::Cast<String>>()?.0,
                        "services" => {
                            let services: Option<IndexMap<String, ServiceConfig>> =
                                map.next_value()?;
                            project.services = services.unwrap_or_default();
                            // compose-go's `nameServices`: the key is the service's name.
                            for (name, service) in &mut project.services {
                                service.name.clone_from(name);
                            }
                        }
                        "networks" => {
                            project.networks = map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        "volumes" => {
                            project.volumes = map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        "secrets" => {
                            project.secrets = map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        "configs" => {
                            project.configs = map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        "models" => {
                            project.models = map.next_value::<Option<_>>()?.unwrap_or_default();
                        }
                        decode::EXTENSIONS_KEY => {
                            let extensions: Option<Extensions> = map.next_value()?;
                            project.extensions.extend(extensions.unwrap_or_default());
                        }
                        _ if key.starts_with("x-") => {
                            let value = map.next_value()?;
                            project.extensions.insert(key, value);
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(project)
            }
        }
        deserializer.deserialize_map(ProjectVisitor)
    }
}

/// Go's `omitempty` test for scalars: the type's zero value.
fn is_zero<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

#[cfg(test)]
mod tests;
