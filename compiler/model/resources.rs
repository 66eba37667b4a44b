//! The project-level resources services refer to: top-level `networks`, `volumes`, `secrets`,
//! `configs` and `models`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize, Serializer};

use super::json::sorted;
use super::{Extensions, decode, is_zero};

/// One entry of top-level `networks` (compose-go `NetworkConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkConfig {
    /// `networks.<key>.name`: the engine-level name; the loader sets it to `<project>_<key>` unless
    /// given or external.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub name: String,
    /// `networks.<key>.driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub driver: String,
    /// `networks.<key>.driver_opts`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::options"
    )]
    pub driver_opts: IndexMap<String, String>,
    /// `networks.<key>.ipam`; Go prints it even when empty (`"ipam": {}`).
    pub ipam: IpamConfig,
    /// `networks.<key>.external`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub external: bool,
    /// `networks.<key>.internal`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub internal: bool,
    /// `networks.<key>.attachable`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub attachable: bool,
    /// `networks.<key>.labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `networks.<key>.enable_ipv4`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub enable_ipv4: Option<bool>,
    /// `networks.<key>.enable_ipv6`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub enable_ipv6: Option<bool>,
    /// `networks.<key>.x-*`; Docker Compose does not print these.
    #[serde(
        rename = "#extensions",
        skip_serializing,
        deserialize_with = "decode::extensions"
    )]
    pub extensions: Extensions,
}

/// `networks.<key>.ipam` (compose-go `IPAMConfig`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpamConfig {
    /// `ipam.driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub driver: String,
    /// `ipam.config`: the address pools.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
}

/// One `ipam.config` entry (compose-go `IPAMPool`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpamPool {
    /// `ipam.config[].subnet`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub subnet: String,
    /// `ipam.config[].gateway`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub gateway: String,
    /// `ipam.config[].ip_range`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub ip_range: String,
    /// `ipam.config[].aux_addresses`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub aux_addresses: IndexMap<String, String>,
}

/// One entry of top-level `volumes` (compose-go `VolumeConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeConfig {
    /// `volumes.<key>.name`: the engine-level name; the loader sets it to `<project>_<key>` unless
    /// given or external.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub name: String,
    /// `volumes.<key>.driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub driver: String,
    /// `volumes.<key>.driver_opts`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::options"
    )]
    pub driver_opts: IndexMap<String, String>,
    /// `volumes.<key>.external`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub external: bool,
    /// `volumes.<key>.labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `volumes.<key>.x-*`; Docker Compose does not print these.
    #[serde(
        rename = "#extensions",
        skip_serializing,
        deserialize_with = "decode::extensions"
    )]
    pub extensions: Extensions,
}

/// One entry of top-level `secrets` or `configs` (compose-go `FileObjectConfig`, behind both
/// `SecretConfig` and `ConfigObjConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileObjectConfig {
    /// `<key>.name`: the engine-level name; the loader sets it to `<project>_<key>`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub name: String,
    /// `<key>.file`, absolute after loading.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub file: String,
    /// `<key>.environment`: the variable holding the content.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub environment: String,
    /// `<key>.content` (inline configs), or the value the loader read from `environment`.
    /// Printed only for configs without `environment`; never for secrets.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub content: String,
    /// `<key>.external`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub external: bool,
    /// `<key>.labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `<key>.driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub driver: String,
    /// `<key>.driver_opts`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::string_map"
    )]
    pub driver_opts: IndexMap<String, String>,
    /// `<key>.template_driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub template_driver: String,
    /// `<key>.x-*`; Docker Compose does not print these.
    #[serde(
        rename = "#extensions",
        skip_serializing,
        deserialize_with = "decode::extensions"
    )]
    pub extensions: Extensions,
}

impl FileObjectConfig {
    /// Top-level `secrets`: compose-go never prints a secret's content.
    pub(crate) fn serialize_secrets<S: Serializer>(
        secrets: &IndexMap<String, Self>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::json::sorted_entries(secrets, serializer, |secret| Self {
            content: String::new(),
            ..secret.clone()
        })
    }

    /// Top-level `configs`: content read from an environment variable is not printed, the
    /// variable name is.
    pub(crate) fn serialize_configs<S: Serializer>(
        configs: &IndexMap<String, Self>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        super::json::sorted_entries(configs, serializer, |config| {
            if config.environment.is_empty() {
                config.clone()
            } else {
                Self {
                    content: String::new(),
                    ..config.clone()
                }
            }
        })
    }
}

/// One entry of top-level `models` (compose-go `ModelConfig`). Docker Compose does not print
/// top-level models in `config --format json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelConfig {
    /// `models.<key>.name`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub name: String,
    /// `models.<key>.model`: the model reference, e.g. `ai/smollm2`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub model: String,
    /// `models.<key>.context_size`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub context_size: i64,
    /// `models.<key>.runtime_flags`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub runtime_flags: Vec<String>,
    /// `models.<key>.x-*`.
    #[serde(
        rename = "#extensions",
        skip_serializing,
        deserialize_with = "decode::extensions"
    )]
    pub extensions: Extensions,
}
