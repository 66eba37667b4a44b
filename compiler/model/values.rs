//! Scalar value types whose JSON form is not the obvious one: compose-go gives each of them a
//! custom `MarshalJSON`, and these types reproduce that form exactly.

use std::fmt;

use indexmap::IndexMap;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::decode::{go_sprint, kind, scalar};
use crate::frontend::units;

/// A Go `time.Duration` in nanoseconds (`healthcheck.interval`, `stop_grace_period`,
/// `deploy.restart_policy.delay`, ...). Printed as Go prints durations: `1m30s`, `500ms`, `0s`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

/// Why a duration string was rejected by [`Duration::parse`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid duration `{0}`: use a number followed by a unit (ns, us, ms, s, m, h, d, w), e.g. `1m30s`"
)]
pub struct DurationError(pub String);

impl Duration {
    const SECOND: i64 = 1_000_000_000;

    /// Builds a duration of whole seconds.
    #[must_use]
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs * Self::SECOND)
    }

    /// Parses a duration the way compose-go does (`str2duration`): Go's `time.ParseDuration`
    /// syntax plus the `d` (day) and `w` (week) units, e.g. `1h30m`, `1.5s`, `2d`, `-3ms`, `0`.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        units::parse_duration(text)
            .map(Self)
            .map_err(|_| DurationError(text.to_owned()))
    }
}

impl fmt::Display for Duration {
    /// Formats like Go's `time.Duration.String`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn with_fraction(value: u64, unit: u64) -> String {
            let whole = value / unit;
            let rest = value % unit;
            if rest == 0 {
                return whole.to_string();
            }
            let width = unit.ilog10() as usize;
            let digits = format!("{rest:0width$}");
            format!("{whole}.{}", digits.trim_end_matches('0'))
        }
        if self.0 == 0 {
            return f.write_str("0s");
        }
        if self.0 < 0 {
            f.write_str("-")?;
        }
        let nanos = self.0.unsigned_abs();
        if nanos < 1_000 {
            return write!(f, "{nanos}ns");
        }
        if nanos < 1_000_000 {
            return write!(f, "{}\u{b5}s", with_fraction(nanos, 1_000));
        }
        if nanos < 1_000_000_000 {
            return write!(f, "{}ms", with_fraction(nanos, 1_000_000));
        }
        let whole_secs = nanos / 1_000_000_000;
        let secs = with_fraction(nanos % 60_000_000_000, 1_000_000_000);
        let (hours, minutes) = (whole_secs / 3_600, whole_secs / 60 % 60);
        if hours > 0 {
            write!(f, "{hours}h{minutes}m{secs}s")
        } else if minutes > 0 {
            write!(f, "{minutes}m{secs}s")
        } else {
            write!(f, "{secs}s")
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    /// compose-go prints the value (`90s`, or a bare `0`) and parses the text.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(Self(0)),
            value => Self::parse(&go_sprint(&value)).map_err(D::Error::custom),
        }
    }
}

/// A byte count (`mem_limit`, `shm_size`, `deploy.resources.limits.memory`, `tmpfs.size`, ...).
/// compose-go stores it as an `int64` and prints it as a decimal string: `"536870912"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnitBytes(pub i64);

impl UnitBytes {
    /// Go's zero value, which `omitempty` leaves out.
    #[must_use]
    pub const fn is_zero(&self) -> bool {
        self.0 == 0
    }
}

impl Serialize for UnitBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UnitBytes {
    /// An integer is a byte count; a string is a size (`1g`, `512m`) read with go-units
    /// `RAMInBytes`. compose-go ignores any other value, leaving zero.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Number(n) => Ok(Self(n.as_i64().unwrap_or_default())),
            // The printed form of a negative count (`memswap_limit: -1`) is `"-1"`, which
            // `RAMInBytes` rejects; read it back as the number it was.
            Value::String(text) => text
                .parse()
                .or_else(|_| units::parse_bytes(&text))
                .map(Self)
                .map_err(D::Error::custom),
            _ => Ok(Self(0)),
        }
    }
}

/// A file permission (`secrets[].mode`, `configs[].mode`), printed in octal as Go prints
/// `FileMode`: `"0444"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FileMode(pub i64);

impl Serialize for FileMode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("0{:o}", self.0))
    }
}

impl<'de> Deserialize<'de> for FileMode {
    /// A string is octal (`"0440"`); an integer is taken as is (YAML reads `0440` as 288).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(Self(0)),
            Value::Number(n) if !n.is_f64() => n
                .as_i64()
                .map(Self)
                .ok_or_else(|| D::Error::custom(format!("file mode `{n}` is too large"))),
            Value::String(text) => i64::from_str_radix(&text, 8).map(Self).map_err(|_| {
                D::Error::custom(format!(
                    "invalid file mode `{text}`: write it in octal, e.g. `0440`"
                ))
            }),
            other => Err(D::Error::custom(format!(
                "expected a file mode, got {}",
                kind(&other)
            ))),
        }
    }
}

/// One `env_file` entry. A required file prints as its bare path; an optional one as
/// `{"path": ..., "required": false}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EnvFile {
    /// `env_file[].path`, absolute after loading.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "scalar")]
    pub path: String,
    /// `env_file[].required`; compose defaults it to `true`.
    #[serde(deserialize_with = "scalar")]
    pub required: bool,
    /// `env_file[].format`, e.g. `raw`.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "scalar")]
    pub format: String,
}

impl EnvFile {
    pub(crate) fn serialize_list<S: Serializer>(
        files: &[Self],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Repr<'a> {
            Path(&'a str),
            Full(&'a EnvFile),
        }
        serializer.collect_seq(files.iter().map(|file| {
            if file.required {
                Repr::Path(&file.path)
            } else {
                Repr::Full(file)
            }
        }))
    }

    pub(crate) fn deserialize_list<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Self>, D::Error> {
        // Each shape fits one variant only; the long form, which the loader's canonical dict
        // always holds, is tried first, so that it does not first fail as a path.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Full(EnvFile),
            Path(String),
        }
        Ok(Vec::<Repr>::deserialize(deserializer)?
            .into_iter()
            .map(|repr| match repr {
                Repr::Path(path) => Self {
                    path,
                    required: true,
                    format: String::new(),
                },
                Repr::Full(file) => file,
            })
            .collect())
    }
}

/// One `build.ssh` entry: `default` or `id=path`.
///
/// compose-go prints a key without a path as `"id"`; with a path its `MarshalJSON` emits
/// invalid JSON and Docker Compose fails, so stackc prints the compose short form `"id=path"`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshKey {
    /// The key id, e.g. `default`.
    pub id: String,
    /// The agent socket or key file; empty for the default agent.
    pub path: String,
}

impl Serialize for SshKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.path.is_empty() {
            serializer.serialize_str(&self.id)
        } else {
            serializer.collect_str(&format_args!("{}={}", self.id, self.path))
        }
    }
}

impl<'de> Deserialize<'de> for SshKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let (id, path) = text.split_once('=').unwrap_or((&text, ""));
        Ok(Self {
            id: id.to_owned(),
            path: path.to_owned(),
        })
    }
}

/// One `ulimits` entry. compose-go keeps both forms in one struct: `nofile: 1024` sets
/// `single`; `nofile: {soft: 1, hard: 2}` sets `soft` and `hard`. A non-zero `single` prints as a
/// bare number, otherwise the soft/hard object is printed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UlimitsConfig {
    /// `ulimits.<name>` given as one number.
    #[serde(skip_serializing_if = "super::is_zero")]
    pub single: i64,
    /// `ulimits.<name>.soft`.
    #[serde(skip_serializing_if = "super::is_zero")]
    pub soft: i64,
    /// `ulimits.<name>.hard`.
    #[serde(skip_serializing_if = "super::is_zero")]
    pub hard: i64,
}

impl UlimitsConfig {
    pub(crate) fn serialize_map<S: Serializer>(
        map: &IndexMap<String, Self>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(untagged)]
        enum Repr<'a> {
            Single(i64),
            Pair(&'a UlimitsConfig),
        }
        super::json::sorted_entries(map, serializer, |limit| {
            if limit.single == 0 {
                Repr::Pair(limit)
            } else {
                Repr::Single(limit.single)
            }
        })
    }

    /// Each limit is one integer (`single`) or `{soft, hard}`; `null` is all zero.
    pub(crate) fn deserialize_map<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<IndexMap<String, Self>, D::Error> {
        let limits = Option::<IndexMap<String, Value>>::deserialize(deserializer)?;
        let mut map = IndexMap::new();
        for (name, value) in limits.unwrap_or_default() {
            let limit = match value {
                Value::Null => Self::default(),
                Value::Object(pair) => {
                    let half = |key: &str| match pair.get(key) {
                        None => Ok(0),
                        Some(Value::Number(n)) if n.as_i64().is_some() => {
                            Ok(n.as_i64().unwrap_or_default())
                        }
                        Some(other) => Err(D::Error::custom(format!(
                            "ulimit `{name}.{key}` must be an integer, got {}",
                            kind(other)
                        ))),
                    };
                    Self {
                        single: 0,
                        soft: half("soft")?,
                        hard: half("hard")?,
                    }
                }
                Value::Number(n) if n.as_i64().is_some() => Self {
                    single: n.as_i64().unwrap_or_default(),
                    ..Self::default()
                },
                other => {
                    return Err(D::Error::custom(format!(
                        "ulimit `{name}` must be an integer or `{{soft, hard}}`, got {}",
                        kind(&other)
                    )));
                }
            };
            map.insert(name, limit);
        }
        Ok(map)
    }
}

/// `extra_hosts`: host name to addresses, in user order. compose-go prints it as a sorted list of
/// `host=address` strings.
pub type HostsList = IndexMap<String, Vec<String>>;

pub(crate) fn serialize_hosts<S: Serializer>(
    hosts: &HostsList,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut list: Vec<String> = hosts
        .iter()
        .flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{host}={ip}")))
        .collect();
    list.sort();
    serializer.collect_seq(list)
}

/// compose-go's `HostsList`: a list of `host=address` or `host:address` (several addresses may be
/// joined with `,`), or a mapping of host to one address or a list of them. Brackets around an
/// IPv6 address are dropped.
pub(crate) fn deserialize_hosts<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<HostsList, D::Error> {
    let mut hosts = HostsList::new();
    match Value::deserialize(deserializer)? {
        Value::Null => {}
        Value::Array(items) => {
            for item in &items {
                let entry = go_sprint(item);
                let (host, ips) = entry
                    .split_once('=')
                    .or_else(|| entry.split_once(':'))
                    .ok_or_else(|| {
                        D::Error::custom(format!(
                            "invalid extra host `{entry}`: write `host=address`"
                        ))
                    })?;
                hosts
                    .entry(host.to_owned())
                    .or_default()
                    .extend(ips.split(',').map(str::to_owned));
            }
        }
        Value::Object(map) => {
            for (host, ips) in map {
                let ips = match ips {
                    Value::Null => vec![String::new()],
                    Value::String(ip) => vec![ip],
                    Value::Array(ips) => ips.iter().map(go_sprint).collect(),
                    other => {
                        return Err(D::Error::custom(format!(
                            "extra host `{host}` must be an address or a list of them, got {}",
                            kind(&other)
                        )));
                    }
                };
                hosts.insert(host, ips);
            }
        }
        other => {
            return Err(D::Error::custom(format!(
                "expected a list or mapping of extra hosts, got {}",
                kind(&other)
            )));
        }
    }
    for (host, ips) in &mut hosts {
        if host.is_empty() || host.contains([':', '=']) {
            return Err(D::Error::custom(format!(
                "bad extra host name `{host}`: a host name cannot be empty or contain `:` or `=`"
            )));
        }
        for ip in ips {
            if ip.len() > 2 && ip.starts_with('[') && ip.ends_with(']') {
                *ip = ip[1..ip.len() - 1].to_owned();
            }
        }
    }
    Ok(hosts)
}

#[cfg(test)]
mod tests {
    use super::Duration;

    #[test]
    fn durations_print_like_go() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1.5\u{b5}s"),
            (500_000_000, "500ms"),
            (1_000_000_000, "1s"),
            (1_500_000_000, "1.5s"),
            (90_000_000_000, "1m30s"),
            (3_600_000_000_000, "1h0m0s"),
            (3_723_000_000_000, "1h2m3s"),
            (-2_000_000_000, "-2s"),
        ];
        for (nanos, text) in cases {
            assert_eq!(Duration(nanos).to_string(), text);
            assert_eq!(Duration::parse(text), Ok(Duration(nanos)), "{text}");
        }
    }

    #[test]
    fn durations_parse_compose_units() {
        assert_eq!(Duration::parse("2d"), Ok(Duration::from_secs(2 * 86_400)));
        assert_eq!(Duration::parse("1w"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(Duration::parse("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(Duration::parse(".5s"), Ok(Duration(500_000_000)));
        assert_eq!(Duration::parse("0"), Ok(Duration(0)));
        for bad in ["", "5", "1x", "s", "-", "1.s5"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }
}
