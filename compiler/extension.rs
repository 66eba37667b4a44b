//! `x-stackc`: stackc's own settings inside a compose file, at the top level and per service.
//!
//! Compose ignores `x-*` keys, so these settings travel with the compose file without changing
//! what `docker compose` does. They are typed here, and `schemas/x-stackc.schema.json` (written
//! by `stackc schema`, kept current by a test) lets editors check them. Compose labels are never
//! read as stackc settings.
//!
//! ```yaml
//! x-stackc:
//!   device-plugin: intel
//!   network-policies: true
//!   groups: { video: 44, render: 105 }
//!   volumes:
//!     db-data: { size: 20Gi, storage-class: local-path, access-mode: ReadWriteOnce }
//! services:
//!   frigate:
//!     x-stackc:
//!       device-plugin: generic
//!       config-files: [./config/frigate.yml]
//! ```

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Extensions, Project};
use crate::source::Span;

/// The extension key.
pub const KEY: &str = "x-stackc";

/// How `devices:` entries become Kubernetes resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceProfile {
    /// The generic device plugin (squat/generic-device-plugin): one resource name per device
    /// path under `stackc.io/`, and the plugin's DaemonSet and configuration are emitted.
    Generic,
    /// Intel's GPU plugin: `gpu.intel.com/i915`.
    Intel,
    /// Intel's GPU plugin for the `xe` driver: `gpu.intel.com/xe`.
    IntelXe,
    /// AMD's GPU plugin: `amd.com/gpu`, which covers `/dev/kfd` and `/dev/dri`.
    Amd,
    /// A privileged container with the device as a hostPath `CharDevice`: no plugin needed, but
    /// the container gets every privilege. Only when asked for.
    Hostpath,
}

/// Storage for one named volume.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct VolumeSettings {
    /// Requested size, as a Kubernetes quantity (`10Gi`). Default: `1Gi`.
    pub size: Option<String>,
    /// Storage class. Default: the cluster's default class (`local-path` on K3s).
    pub storage_class: Option<String>,
    /// `ReadWriteOnce` (default), `ReadWriteMany`, `ReadOnlyMany` or `ReadWriteOncePod`.
    pub access_mode: Option<String>,
}

/// Top-level `x-stackc`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ProjectSettings {
    /// The device profile for every service (overridden per service and by `--device-plugin`).
    pub device_plugin: Option<DeviceProfile>,
    /// Group names used in `group_add`, with their numeric ids on the nodes (`video: 44`).
    #[serde(default)]
    pub groups: IndexMap<String, u32>,
    /// Storage settings per named volume.
    #[serde(default)]
    pub volumes: IndexMap<String, VolumeSettings>,
    /// Keep compose network isolation with NetworkPolicies, as `--network-policies` does.
    #[serde(default)]
    pub network_policies: bool,
}

/// A service's `x-stackc`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ServiceSettings {
    /// The device profile for this service's `devices:`.
    pub device_plugin: Option<DeviceProfile>,
    /// Group names used in this service's `group_add`, with their ids (wins over the top level).
    #[serde(default)]
    pub groups: IndexMap<String, u32>,
    /// Bind-mounted files or directories (host paths as written in `volumes:`) that become a
    /// ConfigMap instead of a hostPath, so the content travels with the manifests.
    #[serde(default)]
    pub config_files: Vec<String>,
}

/// Every `x-stackc` setting of a project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub project: ProjectSettings,
    pub services: IndexMap<String, ServiceSettings>,
}

impl Settings {
    /// The settings of `service`, or the defaults.
    #[must_use]
    pub fn service(&self, service: &str) -> ServiceSettings {
        self.services.get(service).cloned().unwrap_or_default()
    }

    /// The device profile of `service`: the service's, else the project's, else `fallback`
    /// (the `--device-plugin` flag or `generic`).
    #[must_use]
    pub fn device_profile(&self, service: &str, fallback: DeviceProfile) -> DeviceProfile {
        self.services
            .get(service)
            .and_then(|s| s.device_plugin)
            .or(self.project.device_plugin)
            .unwrap_or(fallback)
    }

    /// The id of group `name` for `service`.
    #[must_use]
    pub fn group_id(&self, service: &str, name: &str) -> Option<u32> {
        self.services
            .get(service)
            .and_then(|s| s.groups.get(name))
            .or_else(|| self.project.groups.get(name))
            .copied()
    }
}

/// Reads `x-stackc` from the project and its services. `span` locates a key path for
/// diagnostics; a malformed setting is an error that names the key and the expected form.
pub fn read(
    project: &Project,
    span: &dyn Fn(&[&str]) -> Option<Span>,
) -> Result<Settings, Diagnostic> {
    let mut settings = Settings {
        project: parse(&project.extensions, &[KEY], span)?.unwrap_or_default(),
        services: IndexMap::new(),
    };
    for (name, service) in &project.services {
        if let Some(s) = parse(&service.extensions, &["services", name, KEY], span)? {
            settings.services.insert(name.clone(), s);
        }
    }
    Ok(settings)
}

fn parse<T: for<'de> Deserialize<'de>>(
    extensions: &Extensions,
    path: &[&str],
    span: &dyn Fn(&[&str]) -> Option<Span>,
) -> Result<Option<T>, Diagnostic> {
    let Some(value) = extensions.get(KEY) else {
        return Ok(None);
    };
    if value.is_null() {
        return Ok(None);
    }
    serde_path_to_error::deserialize(value.clone())
        .map(Some)
        .map_err(|e| {
            let inner = e.path().to_string();
            let mut full: Vec<&str> = path.to_vec();
            full.extend(inner.split('.').filter(|p| !p.is_empty() && *p != "?"));
            Diagnostic::error(
                Code::InvalidExtension,
                format!(
                    "invalid `{}` setting: {}",
                    full.join("."),
                    e.inner().to_string().replace('\n', " ")
                ),
            )
            .with_label(span(&full), "here")
            .with_help("see `schemas/x-stackc.schema.json` for the settings stackc reads")
        })
}

/// The JSON schema of top-level `x-stackc`, with the per-service settings under `$defs`.
#[must_use]
pub fn schema() -> schemars::Schema {
    let mut schema = schemars::schema_for!(ProjectSettings);
    let service = schemars::schema_for!(ServiceSettings);
    if let Some(defs) = schema.as_object_mut().and_then(|o| {
        o.entry("$defs")
            .or_insert_with(|| serde_json::json!({}))
            .as_object_mut()
    }) {
        defs.insert("ServiceSettings".to_owned(), service.to_value());
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(json: serde_json::Value) -> Project {
        crate::model::from_canonical(json).unwrap()
    }

    #[test]
    fn settings_are_read_and_service_wins() {
        let p = project(serde_json::json!({
            "x-stackc": {"device-plugin": "intel", "groups": {"video": 44},
                          "volumes": {"data": {"size": "5Gi"}}},
            "services": {"web": {"image": "x", "x-stackc": {"device-plugin": "amd", "groups": {"video": 39}}},
                         "db": {"image": "y"}}
        }));
        let s = read(&p, &|_| None).unwrap();
        assert_eq!(
            s.device_profile("web", DeviceProfile::Generic),
            DeviceProfile::Amd
        );
        assert_eq!(
            s.device_profile("db", DeviceProfile::Generic),
            DeviceProfile::Intel
        );
        assert_eq!(s.group_id("web", "video"), Some(39));
        assert_eq!(s.group_id("db", "video"), Some(44));
        assert_eq!(s.project.volumes["data"].size.as_deref(), Some("5Gi"));
    }

    #[test]
    fn unknown_settings_are_errors_naming_the_key() {
        let p = project(serde_json::json!({
            "x-stackc": {"volumes": {"data": {"sise": "5Gi"}}},
            "services": {"web": {"image": "x"}}
        }));
        let e = read(&p, &|_| None).unwrap_err();
        assert_eq!(e.code, Code::InvalidExtension);
        assert!(e.message.contains("x-stackc.volumes.data"), "{}", e.message);
    }
}
