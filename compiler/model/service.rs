//! One service (`services.<name>`) and everything nested under it.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::json::{float32, sorted};
use super::values::{
    Duration, EnvFile, FileMode, HostsList, SshKey, UlimitsConfig, UnitBytes, deserialize_hosts,
    serialize_hosts,
};
use super::{Extensions, decode, is_zero};

/// One entry of `services` (compose-go `ServiceConfig`), fields in Go declaration order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is a compose key of its own"
)]
pub struct ServiceConfig {
    /// The service key under `services`; not printed (the map key is).
    #[serde(skip)]
    pub name: String,
    /// `profiles`: the profiles that enable the service.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub profiles: Vec<String>,
    /// `annotations`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub annotations: IndexMap<String, String>,
    /// `attach`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub attach: Option<bool>,
    /// `build`, always in long syntax after loading.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Box<BuildConfig>>,
    /// `develop`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<DevelopConfig>,
    /// `blkio_config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<Box<BlkioConfig>>,
    /// `cap_add`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub cap_add: Vec<String>,
    /// `cap_drop`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub cap_drop: Vec<String>,
    /// `cgroup_parent`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub cgroup_parent: String,
    /// `cgroup`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub cgroup: String,
    /// `cpu_count`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub cpu_count: i64,
    /// `cpu_percent`.
    #[serde(
        skip_serializing_if = "is_zero",
        serialize_with = "float32",
        deserialize_with = "decode::scalar"
    )]
    pub cpu_percent: f32,
    /// `cpu_period`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub cpu_period: i64,
    /// `cpu_quota`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub cpu_quota: i64,
    /// `cpu_rt_period`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub cpu_rt_period: i64,
    /// `cpu_rt_runtime`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub cpu_rt_runtime: i64,
    /// `cpus`.
    #[serde(
        skip_serializing_if = "is_zero",
        serialize_with = "float32",
        deserialize_with = "decode::scalar"
    )]
    pub cpus: f32,
    /// `cpuset`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub cpuset: String,
    /// `cpu_shares`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub cpu_shares: i64,
    /// `command`, split into words; `None` (printed `null`) keeps the image's, `Some(vec![])` clears it.
    #[serde(deserialize_with = "decode::shell_command")]
    pub command: Option<Vec<String>>,
    /// `configs`, in long syntax.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<FileReferenceConfig>,
    /// `container_name`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub container_name: String,
    /// `credential_spec`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<Box<CredentialSpecConfig>>,
    /// `depends_on`, in long syntax.
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub depends_on: IndexMap<String, ServiceDependency>,
    /// `deploy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Box<DeployConfig>>,
    /// `device_cgroup_rules`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub device_cgroup_rules: Vec<String>,
    /// `devices`, in long syntax.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceMapping>,
    /// `dns`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub dns: Vec<String>,
    /// `dns_opt`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub dns_opt: Vec<String>,
    /// `dns_search`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub dns_search: Vec<String>,
    /// `dockerfile` (legacy service-level key).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub dockerfile: String,
    /// `domainname`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub domainname: String,
    /// `entrypoint`, split into words; `None` (printed `null`) keeps the image's, `Some(vec![])` clears it.
    #[serde(deserialize_with = "decode::shell_command")]
    pub entrypoint: Option<Vec<String>>,
    /// `provider`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Box<ServiceProviderConfig>>,
    /// `environment`; `None` is a variable named without a value (printed `null`).
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping_with_equals"
    )]
    pub environment: IndexMap<String, Option<String>>,
    /// `env_file`, in long syntax with absolute paths.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "EnvFile::serialize_list",
        deserialize_with = "EnvFile::deserialize_list"
    )]
    pub env_file: Vec<EnvFile>,
    /// `expose`, numbers turned into strings.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_or_number_list"
    )]
    pub expose: Vec<String>,
    /// `extends`; cleared by the loader once resolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<ExtendsConfig>,
    /// `external_links`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub external_links: Vec<String>,
    /// `extra_hosts`: host name to addresses.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "serialize_hosts",
        deserialize_with = "deserialize_hosts"
    )]
    pub extra_hosts: HostsList,
    /// `group_add`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub group_add: Vec<String>,
    /// `gpus`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<DeviceRequest>,
    /// `hostname`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub hostname: String,
    /// `healthcheck`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheckConfig>,
    /// `image`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub image: String,
    /// `init`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub init: Option<bool>,
    /// `ipc`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub ipc: String,
    /// `isolation`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub isolation: String,
    /// `labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `label_file`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub label_file: Vec<String>,
    /// `links`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub links: Vec<String>,
    /// `logging`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Box<LoggingConfig>>,
    /// `log_driver` (legacy).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub log_driver: String,
    /// `log_opt` (legacy).
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::string_map"
    )]
    pub log_opt: IndexMap<String, String>,
    /// `mem_limit`.
    #[serde(skip_serializing_if = "is_zero")]
    pub mem_limit: UnitBytes,
    /// `mem_reservation`.
    #[serde(skip_serializing_if = "is_zero")]
    pub mem_reservation: UnitBytes,
    /// `memswap_limit`.
    #[serde(skip_serializing_if = "is_zero")]
    pub memswap_limit: UnitBytes,
    /// `mem_swappiness`.
    #[serde(skip_serializing_if = "is_zero")]
    pub mem_swappiness: UnitBytes,
    /// `mac_address`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub mac_address: String,
    /// `models`: model key to how it is exposed; `None` for the short list form.
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub models: IndexMap<String, Option<ServiceModelConfig>>,
    /// `net` (legacy).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub net: String,
    /// `network_mode`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub network_mode: String,
    /// `networks`: network key to attachment options; `None` (printed `null`) when given without options.
    #[serde(skip_serializing_if = "IndexMap::is_empty", serialize_with = "sorted")]
    pub networks: IndexMap<String, Option<ServiceNetworkConfig>>,
    /// `oom_kill_disable`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub oom_kill_disable: bool,
    /// `oom_score_adj`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub oom_score_adj: i64,
    /// `pid`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub pid: String,
    /// `pids_limit`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub pids_limit: i64,
    /// `platform`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub platform: String,
    /// `ports`, in long syntax, one entry per published port.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePortConfig>,
    /// `privileged`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub privileged: bool,
    /// `pull_policy`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub pull_policy: String,
    /// `read_only`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub read_only: bool,
    /// `restart`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub restart: String,
    /// `runtime`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub runtime: String,
    /// `scale`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub scale: Option<i64>,
    /// `secrets`, in long syntax.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileReferenceConfig>,
    /// `security_opt`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub security_opt: Vec<String>,
    /// `shm_size`.
    #[serde(skip_serializing_if = "is_zero")]
    pub shm_size: UnitBytes,
    /// `stdin_open`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub stdin_open: bool,
    /// `stop_grace_period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    /// `stop_signal`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub stop_signal: String,
    /// `storage_opt`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::string_map"
    )]
    pub storage_opt: IndexMap<String, String>,
    /// `sysctls`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub sysctls: IndexMap<String, String>,
    /// `tmpfs`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub tmpfs: Vec<String>,
    /// `tty`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub tty: bool,
    /// `ulimits`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "UlimitsConfig::serialize_map",
        deserialize_with = "UlimitsConfig::deserialize_map"
    )]
    pub ulimits: IndexMap<String, UlimitsConfig>,
    /// `use_api_socket`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub use_api_socket: bool,
    /// `user`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub user: String,
    /// `userns_mode`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub userns_mode: String,
    /// `uts`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub uts: String,
    /// `volume_driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub volume_driver: String,
    /// `volumes`, in long syntax with absolute bind sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<ServiceVolumeConfig>,
    /// `volumes_from`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub volumes_from: Vec<String>,
    /// `working_dir`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub working_dir: String,
    /// `post_start` hooks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_start: Vec<ServiceHook>,
    /// `pre_stop` hooks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_stop: Vec<ServiceHook>,
    /// `x-*` keys of the service; Docker Compose does not print these.
    #[serde(
        rename = "#extensions",
        skip_serializing,
        deserialize_with = "decode::extensions"
    )]
    pub extensions: Extensions,
}

impl ServiceConfig {
    /// `network_mode`, or the legacy `net` it replaced when only that is set.
    #[must_use]
    pub fn network_mode(&self) -> &str {
        if self.network_mode.is_empty() {
            &self.net
        } else {
            &self.network_mode
        }
    }
}

/// `services.<name>.provider`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceProviderConfig {
    /// `provider.type`.
    #[serde(
        rename = "type",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub kind: String,
    /// `provider.options`: every value is a list.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::multi_options"
    )]
    pub options: IndexMap<String, Vec<String>>,
}

/// `services.<name>.build` (compose-go `BuildConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildConfig {
    /// `build.context`, absolute after loading unless a URL.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub context: String,
    /// `build.dockerfile`; the loader defaults it to `Dockerfile`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub dockerfile: String,
    /// `build.dockerfile_inline`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub dockerfile_inline: String,
    /// `build.entitlements`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub entitlements: Vec<String>,
    /// `build.args`; `None` is an argument named without a value.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping_with_equals"
    )]
    pub args: IndexMap<String, Option<String>>,
    /// `build.provenance`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub provenance: String,
    /// `build.sbom`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub sbom: String,
    /// `build.ssh`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::ssh"
    )]
    pub ssh: Vec<SshKey>,
    /// `build.labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `build.cache_from`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub cache_from: Vec<String>,
    /// `build.cache_to`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub cache_to: Vec<String>,
    /// `build.no_cache`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub no_cache: bool,
    /// `build.additional_contexts`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub additional_contexts: IndexMap<String, String>,
    /// `build.pull`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub pull: bool,
    /// `build.extra_hosts`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "serialize_hosts",
        deserialize_with = "deserialize_hosts"
    )]
    pub extra_hosts: HostsList,
    /// `build.isolation`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub isolation: String,
    /// `build.network`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub network: String,
    /// `build.target`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub target: String,
    /// `build.secrets`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileReferenceConfig>,
    /// `build.shm_size`.
    #[serde(skip_serializing_if = "is_zero")]
    pub shm_size: UnitBytes,
    /// `build.tags`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub tags: Vec<String>,
    /// `build.ulimits`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "UlimitsConfig::serialize_map",
        deserialize_with = "UlimitsConfig::deserialize_map"
    )]
    pub ulimits: IndexMap<String, UlimitsConfig>,
    /// `build.platforms`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::string_list"
    )]
    pub platforms: Vec<String>,
    /// `build.privileged`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub privileged: bool,
}

/// `services.<name>.blkio_config`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlkioConfig {
    /// `blkio_config.weight`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub weight: u16,
    /// `blkio_config.weight_device`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    /// `blkio_config.device_read_bps`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_bps: Vec<ThrottleDevice>,
    /// `blkio_config.device_read_iops`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_iops: Vec<ThrottleDevice>,
    /// `blkio_config.device_write_bps`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_bps: Vec<ThrottleDevice>,
    /// `blkio_config.device_write_iops`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_iops: Vec<ThrottleDevice>,
}

/// One `blkio_config.weight_device` entry. Go gives it no JSON tags, so its keys are `Path` and `Weight`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeightDevice {
    /// `weight_device[].path`.
    #[serde(rename = "Path", deserialize_with = "decode::scalar")]
    pub path: String,
    /// `weight_device[].weight`.
    #[serde(rename = "Weight", deserialize_with = "decode::scalar")]
    pub weight: u16,
}

/// One `blkio_config.device_*_bps`/`_iops` entry. Go gives it no JSON tags, so its keys are `Path` and `Rate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottleDevice {
    /// `device_*[].path`.
    #[serde(rename = "Path", deserialize_with = "decode::scalar")]
    pub path: String,
    /// `device_*[].rate`.
    #[serde(rename = "Rate")]
    pub rate: UnitBytes,
}

/// One `services.<name>.devices` entry, in long syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceMapping {
    /// `devices[].source`: the host device.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub source: String,
    /// `devices[].target`: the path in the container.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub target: String,
    /// `devices[].permissions`, e.g. `rwm`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub permissions: String,
}

/// `services.<name>.logging`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    /// `logging.driver`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub driver: String,
    /// `logging.options`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::options"
    )]
    pub options: IndexMap<String, String>,
}

/// `services.<name>.deploy`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeployConfig {
    /// `deploy.mode`: `replicated`, `global`, ...
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub mode: String,
    /// `deploy.replicas`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub replicas: Option<i64>,
    /// `deploy.labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `deploy.update_config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    /// `deploy.rollback_config`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    /// `deploy.resources`; Go prints it even when empty.
    pub resources: Resources,
    /// `deploy.restart_policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// `deploy.placement`; Go prints it even when empty.
    pub placement: Placement,
    /// `deploy.endpoint_mode`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub endpoint_mode: String,
}

/// `deploy.update_config` and `deploy.rollback_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateConfig {
    /// `parallelism`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub parallelism: Option<u64>,
    /// `delay`.
    #[serde(skip_serializing_if = "is_zero")]
    pub delay: Duration,
    /// `failure_action`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub failure_action: String,
    /// `monitor`.
    #[serde(skip_serializing_if = "is_zero")]
    pub monitor: Duration,
    /// `max_failure_ratio`.
    #[serde(
        skip_serializing_if = "is_zero",
        serialize_with = "float32",
        deserialize_with = "decode::scalar"
    )]
    pub max_failure_ratio: f32,
    /// `order`: `start-first` or `stop-first`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub order: String,
}

/// `deploy.resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resources {
    /// `resources.limits`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resource>,
    /// `resources.reservations`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resource>,
}

/// `deploy.resources.limits` or `deploy.resources.reservations`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resource {
    /// `cpus`, in CPUs (`0.5`).
    #[serde(
        skip_serializing_if = "is_zero",
        serialize_with = "float32",
        deserialize_with = "decode::nano_cpus"
    )]
    pub cpus: f32,
    /// `memory`.
    #[serde(skip_serializing_if = "is_zero")]
    pub memory: UnitBytes,
    /// `pids`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub pids: i64,
    /// `devices` (reservations only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRequest>,
    /// `generic_resources`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<GenericResource>,
}

/// One `generic_resources` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenericResource {
    /// `discrete_resource_spec`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteGenericResource>,
}

/// `generic_resources[].discrete_resource_spec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiscreteGenericResource {
    /// `kind`, e.g. `GPU`.
    #[serde(deserialize_with = "decode::scalar")]
    pub kind: String,
    /// `value`: how many.
    #[serde(deserialize_with = "decode::scalar")]
    pub value: i64,
}

/// `deploy.restart_policy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestartPolicy {
    /// `condition`: `none`, `on-failure` or `any`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub condition: String,
    /// `delay`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    /// `max_attempts`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub max_attempts: Option<u64>,
    /// `window`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
}

/// `deploy.placement`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// `placement.constraints`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub constraints: Vec<String>,
    /// `placement.preferences`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreferences>,
    /// `placement.max_replicas_per_node`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub max_replicas_per_node: u64,
}

/// One `placement.preferences` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlacementPreferences {
    /// `spread`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub spread: String,
}

/// One `gpus` entry or `deploy.resources.reservations.devices` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceRequest {
    /// `capabilities`, e.g. `gpu`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub capabilities: Vec<String>,
    /// `driver`, e.g. `nvidia`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub driver: String,
    /// `count`; `all` is stored and printed as `-1`.
    #[serde(
        skip_serializing_if = "is_zero",
        deserialize_with = "decode::device_count"
    )]
    pub count: i64,
    /// `device_ids`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub device_ids: Vec<String>,
    /// `options`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub options: IndexMap<String, String>,
}

/// The options of one `services.<name>.networks` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceNetworkConfig {
    /// `aliases`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub aliases: Vec<String>,
    /// `driver_opts`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::options"
    )]
    pub driver_opts: IndexMap<String, String>,
    /// `gw_priority`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub gw_priority: i64,
    /// `interface_name`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub interface_name: String,
    /// `ipv4_address`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub ipv4_address: String,
    /// `ipv6_address`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub ipv6_address: String,
    /// `link_local_ips`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub link_local_ips: Vec<String>,
    /// `mac_address`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub mac_address: String,
    /// `priority`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub priority: i64,
}

/// One `services.<name>.ports` entry, in long syntax (a short-syntax range becomes one entry per port).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePortConfig {
    /// `ports[].name`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub name: String,
    /// `ports[].mode`: `ingress` or `host`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub mode: String,
    /// `ports[].host_ip`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub host_ip: String,
    /// `ports[].target`: the container port.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub target: u32,
    /// `ports[].published`: the host port or range, as a string (`"8080"`, `"8000-8010"`).
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub published: String,
    /// `ports[].protocol`: `tcp` or `udp`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub protocol: String,
    /// `ports[].app_protocol`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub app_protocol: String,
}

/// One `services.<name>.volumes` entry, in long syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeConfig {
    /// `volumes[].type`: `bind`, `volume`, `tmpfs`, `npipe`, `cluster` or `image`.
    #[serde(
        rename = "type",
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub kind: String,
    /// `volumes[].source`: volume key, or absolute host path for binds.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub source: String,
    /// `volumes[].target`: the path in the container.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub target: String,
    /// `volumes[].read_only`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub read_only: bool,
    /// `volumes[].consistency`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub consistency: String,
    /// `volumes[].bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<ServiceVolumeBind>,
    /// `volumes[].volume`; the loader sets it (possibly empty) for every `volume` mount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<ServiceVolumeVolume>,
    /// `volumes[].tmpfs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<ServiceVolumeTmpfs>,
    /// `volumes[].image`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<ServiceVolumeImage>,
}

/// `volumes[].bind`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeBind {
    /// `bind.selinux`: `z` or `Z`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub selinux: String,
    /// `bind.propagation`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub propagation: String,
    /// `bind.create_host_path`; true for short syntax.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub create_host_path: bool,
    /// `bind.recursive`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub recursive: String,
}

/// `volumes[].volume`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeVolume {
    /// `volume.labels`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping"
    )]
    pub labels: IndexMap<String, String>,
    /// `volume.nocopy`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub nocopy: bool,
    /// `volume.subpath`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub subpath: String,
}

/// `volumes[].tmpfs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeTmpfs {
    /// `tmpfs.size`.
    #[serde(skip_serializing_if = "is_zero")]
    pub size: UnitBytes,
    /// `tmpfs.mode`, printed in decimal.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub mode: u32,
}

/// `volumes[].image`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeImage {
    /// `image.subpath`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub subpath: String,
}

/// One `services.<name>.secrets`, `services.<name>.configs` or `build.secrets` entry, in long syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileReferenceConfig {
    /// `source`: the top-level secret or config key.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub source: String,
    /// `target`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub target: String,
    /// `uid`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub uid: String,
    /// `gid`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub gid: String,
    /// `mode`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
}

/// One `services.<name>.depends_on` entry, in long syntax.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceDependency {
    /// `condition`: `service_started`, `service_healthy` or `service_completed_successfully`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub condition: String,
    /// `restart`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub restart: bool,
    /// `required`; the loader defaults it to `true`. Always printed.
    #[serde(deserialize_with = "decode::scalar")]
    pub required: bool,
}

/// `services.<name>.extends`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtendsConfig {
    /// `extends.file`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub file: String,
    /// `extends.service`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub service: String,
}

/// `services.<name>.credential_spec` (Windows).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialSpecConfig {
    /// `credential_spec.config`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub config: String,
    /// `credential_spec.file`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub file: String,
    /// `credential_spec.registry`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub registry: String,
}

/// `services.<name>.healthcheck`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCheckConfig {
    /// `healthcheck.test`; a string `cmd` becomes `["CMD-SHELL", cmd]`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::health_check_test"
    )]
    pub test: Vec<String>,
    /// `healthcheck.timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// `healthcheck.interval`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// `healthcheck.retries`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decode::opt_scalar"
    )]
    pub retries: Option<u64>,
    /// `healthcheck.start_period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    /// `healthcheck.start_interval`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    /// `healthcheck.disable`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub disable: bool,
}

/// One `post_start` or `pre_stop` hook, or a `develop.watch[].exec`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceHook {
    /// `command`; always printed, `null` when unset.
    #[serde(deserialize_with = "decode::shell_command")]
    pub command: Option<Vec<String>>,
    /// `user`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub user: String,
    /// `privileged`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub privileged: bool,
    /// `working_dir`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub working_dir: String,
    /// `environment`.
    #[serde(
        skip_serializing_if = "IndexMap::is_empty",
        serialize_with = "sorted",
        deserialize_with = "decode::mapping_with_equals"
    )]
    pub environment: IndexMap<String, Option<String>>,
}

/// `services.<name>.develop`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevelopConfig {
    /// `develop.watch`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<Trigger>,
}

/// One `develop.watch` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trigger {
    /// `path`; always printed.
    #[serde(deserialize_with = "decode::scalar")]
    pub path: String,
    /// `action`: `sync`, `rebuild`, `restart`, `sync+restart` or `sync+exec`; always printed.
    #[serde(deserialize_with = "decode::scalar")]
    pub action: String,
    /// `target`.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub target: String,
    /// `exec`; Go prints it even when unset.
    pub exec: ServiceHook,
    /// `include`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub include: Vec<String>,
    /// `ignore`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "decode::strings"
    )]
    pub ignore: Vec<String>,
    /// `initial_sync`.
    #[serde(skip_serializing_if = "is_zero", deserialize_with = "decode::scalar")]
    pub initial_sync: bool,
}

/// The options of one `services.<name>.models` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceModelConfig {
    /// `endpoint_var`: the variable receiving the model endpoint.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub endpoint_var: String,
    /// `model_var`: the variable receiving the model name.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "decode::scalar"
    )]
    pub model_var: String,
}
