//! `deploy.placement`: swarm's node constraints, spread preferences and per-node cap, as node
//! affinity, topology spread constraints and pod anti-affinity.
//!
//! Swarm matches nodes by their attributes (`node.role`, `node.hostname`, `node.platform.*`)
//! and by labels an operator set (`node.labels.*`). The attributes have well-known Kubernetes
//! node labels; swarm's own labels become node labels of the same name, which the cluster's
//! nodes must be given, and which is reported.

use std::borrow::Cow;

use super::Lowering;
use crate::diagnostics::Code;
use crate::ir::names::{is_label_value, is_qualified_name};
use crate::ir::{Locate, NodeOperator, NodeRequirement, Placement, Project};
use crate::model;

/// The label K3s (and kubeadm) put on control-plane nodes: swarm's managers.
const CONTROL_PLANE: &str = "node-role.kubernetes.io/control-plane";
const HOSTNAME: &str = "kubernetes.io/hostname";
/// The node label of the operating system.
pub(super) const OS: &str = "kubernetes.io/os";

impl<L: Locate> Lowering<'_, L> {
    /// Places the pods of Windows containers ([`crate::ir::Pod::windows_mount_path`]) on Windows nodes,
    /// unless `platform` or a constraint already names the operating system. Runs once every
    /// mount is lowered.
    pub(super) fn windows_nodes(&mut self, project: &model::Project, ir: &mut Project) {
        for (name, workload) in &mut ir.workloads {
            let pod = &mut workload.pod;
            let Some(target) = pod.windows_mount_path() else {
                continue;
            };
            let named = pod.node_selector.contains_key(OS)
                || pod.placement.node_requirements.iter().any(|r| r.key == OS);
            if named {
                continue;
            }
            let target = target.to_owned();
            pod.node_selector
                .insert(OS.to_owned(), "windows".to_owned());
            let mount = project
                .services
                .get(name)
                .and_then(|service| mount_entry(service, &target));
            let path: Vec<&str> = match &mount {
                Some((key, index)) => vec!["services", name, key, index],
                None => vec!["services", name],
            };
            self.warn_help(
                Code::WindowsContainer,
                &path,
                format!(
                    "service `{name}` mounts `{target}`, a Windows path, so its pods are placed on Windows nodes, which K3s does not run"
                ),
                "Windows path",
                "run it on a cluster with Windows nodes, or write `platform: windows/amd64` on the service to say which nodes are meant",
            );
        }
    }

    pub(super) fn placement(&mut self, name: &str, placement: &model::Placement) -> Placement {
        let mut lowered = Placement::default();
        for (i, constraint) in placement.constraints.iter().enumerate() {
            let index = i.to_string();
            let path = entry_path(name, "constraints", &index);
            if let Some(requirement) = self.constraint(name, constraint, &path) {
                lowered.node_requirements.push(requirement);
            }
        }
        for (i, preference) in placement.preferences.iter().enumerate() {
            let index = i.to_string();
            let path = entry_path(name, "preferences", &index);
            match node_label_key(&preference.spread) {
                Some(key) if !lowered.spread_over.contains(&key) => lowered.spread_over.push(key),
                Some(_) => {}
                None => self.warn(
                    Code::UnloweredValue,
                    &path,
                    format!(
                        "`spread: {}` of service `{name}` is left out: only `node.labels.<label>`, `node.id`, `node.hostname`, `node.role` and `node.platform.*` are node labels on Kubernetes",
                        preference.spread
                    ),
                    "no node label to spread over",
                ),
            }
        }
        match placement.max_replicas_per_node {
            0 => {}
            1 => lowered.one_per_node = true,
            n => self.warn_help(
                Code::UnsupportedKey,
                &["services", name, "deploy", "placement", "max_replicas_per_node"],
                format!(
                    "`max_replicas_per_node: {n}` of service `{name}` is left out: Kubernetes can keep pods one to a node, but has no cap above one"
                ),
                "no equivalent",
                "use `max_replicas_per_node: 1`, or leave the spread to the scheduler",
            ),
        }
        lowered
    }

    /// One `node.<attribute> == value` (or `!=`) constraint as a node requirement; `None` (and
    /// a report) when it has no equivalent.
    fn constraint(&mut self, name: &str, text: &str, path: &[&str]) -> Option<NodeRequirement> {
        let parsed = ["==", "!="].into_iter().find_map(|op| {
            text.split_once(op)
                .map(|(attribute, value)| (attribute.trim(), op == "==", value.trim()))
        });
        let Some((written, equal, value)) = parsed else {
            self.warn(
                Code::UnloweredValue,
                path,
                format!(
                    "placement constraint `{text}` of service `{name}` is left out: it is neither `attribute == value` nor `attribute != value`"
                ),
                "not a constraint",
            );
            return None;
        };
        let attribute = swarm_attribute(written);
        match requirement(&attribute, equal, value) {
            Ok(requirement) => {
                if let Some(label) = attribute.strip_prefix("node.labels.") {
                    self.warn_help(
                        Code::ApproximatedKey,
                        path,
                        format!(
                            "service `{name}` runs only on nodes {} the label `{label}={value}`: label the cluster's nodes as the swarm's were",
                            if equal { "with" } else { "without" }
                        ),
                        "needs labelled nodes",
                        &format!("kubectl label node NODE {label}={value}"),
                    );
                }
                Some(requirement)
            }
            Err(Unlowered::Value(why)) => {
                self.warn(
                    Code::UnloweredValue,
                    path,
                    format!("placement constraint `{text}` of service `{name}` is left out: {why}"),
                    "unknown value",
                );
                None
            }
            Err(Unlowered::Attribute(why)) => {
                self.warn_help(
                    Code::UnsupportedKey,
                    path,
                    format!("placement constraint `{text}` of service `{name}` is left out: {why}"),
                    "no equivalent",
                    "label the nodes the service may run on and constrain it with `node.labels.<label> == value`",
                );
                None
            }
        }
    }
}

/// Why a constraint has no node requirement.
enum Unlowered {
    /// No node could match the value: why.
    Value(&'static str),
    /// Nothing on a Kubernetes node carries the attribute: why.
    Attribute(&'static str),
}

/// The node requirement of `attribute == value` (or `!=` when not `equal`).
fn requirement(attribute: &str, equal: bool, value: &str) -> Result<NodeRequirement, Unlowered> {
    let operator = if equal {
        NodeOperator::In
    } else {
        NodeOperator::NotIn
    };
    let (key, value) = match attribute {
        "node.role" => {
            let manager = match value.to_ascii_lowercase().as_str() {
                "manager" => true,
                "worker" => false,
                _ => return Err(Unlowered::Value("its value is not `manager` or `worker`")),
            };
            let operator = if manager == equal {
                NodeOperator::Exists
            } else {
                NodeOperator::DoesNotExist
            };
            return Ok(NodeRequirement {
                key: CONTROL_PLANE.to_owned(),
                operator,
                values: Vec::new(),
            });
        }
        // The kubelet registers a node under its lowercased host name.
        "node.hostname" => (HOSTNAME, value.to_ascii_lowercase()),
        "node.platform.os" => {
            let os = operating_system(value)
                .ok_or(Unlowered::Value("its value is not `linux` or `windows`"))?;
            (OS, os.to_owned())
        }
        "node.platform.arch" => {
            let arch = architecture(value).ok_or(Unlowered::Value(
                "no Kubernetes node reports that architecture",
            ))?;
            ("kubernetes.io/arch", arch.to_owned())
        }
        "node.id" => {
            return Err(Unlowered::Attribute(
                "swarm node ids have no Kubernetes equivalent",
            ));
        }
        _ if attribute.starts_with("engine.labels.") => {
            return Err(Unlowered::Attribute(
                "Docker engine labels have no Kubernetes equivalent",
            ));
        }
        _ => {
            let label = attribute
                .strip_prefix("node.labels.")
                .ok_or(Unlowered::Attribute("swarm has no such node attribute"))?;
            if !is_qualified_name(label) {
                return Err(Unlowered::Value(
                    "the label is not a valid Kubernetes label name",
                ));
            }
            (label, value.to_owned())
        }
    };
    if !is_label_value(&value) {
        return Err(Unlowered::Value(
            "the value is not a valid Kubernetes label value",
        ));
    }
    Ok(NodeRequirement {
        key: key.to_owned(),
        operator,
        values: vec![value],
    })
}

/// A swarm node attribute as stackc matches it: swarm reads the attribute's name, and the
/// `node.labels.` and `engine.labels.` prefixes, in any case (`node.Labels.zone`); a label's own
/// name keeps its case.
fn swarm_attribute(attribute: &str) -> Cow<'_, str> {
    for prefix in ["node.labels.", "engine.labels."] {
        let prefixed = attribute
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix));
        if prefixed && !attribute.starts_with(prefix) {
            let label = &attribute[prefix.len()..];
            return Cow::Owned(crate::text::joined(&[prefix, label]));
        }
        if prefixed {
            return Cow::Borrowed(attribute);
        }
    }
    if attribute.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(attribute.to_ascii_lowercase())
    } else {
        Cow::Borrowed(attribute)
    }
}

/// The key path of entry `index` of the placement list `list`.
fn entry_path<'a>(name: &'a str, list: &'a str, index: &'a str) -> [&'a str; 6] {
    ["services", name, "deploy", "placement", list, index]
}

/// The Kubernetes node label of a swarm node attribute a preference spreads over. A node's id,
/// like its hostname, is its own, so spreading over either is spreading over nodes.
fn node_label_key(attribute: &str) -> Option<String> {
    let attribute = swarm_attribute(attribute.trim());
    match attribute.as_ref() {
        "node.hostname" | "node.id" => Some(HOSTNAME.to_owned()),
        "node.role" => Some(CONTROL_PLANE.to_owned()),
        "node.platform.os" => Some(OS.to_owned()),
        "node.platform.arch" => Some("kubernetes.io/arch".to_owned()),
        _ => attribute
            .strip_prefix("node.labels.")
            .filter(|label| is_qualified_name(label))
            .map(str::to_owned),
    }
}

/// The operating system a Kubernetes node reports (`kubernetes.io/os`), by either case.
pub(super) fn operating_system(value: &str) -> Option<&'static str> {
    match value.to_ascii_lowercase().as_str() {
        "linux" => Some("linux"),
        "windows" => Some("windows"),
        _ => None,
    }
}

/// The architecture a Kubernetes node reports (Go's `GOARCH`, `kubernetes.io/arch`) for the one
/// swarm reports (`uname -m`), or either name of it, as containerd normalises a platform.
pub(super) fn architecture(value: &str) -> Option<&'static str> {
    Some(match value.to_ascii_lowercase().as_str() {
        "x86_64" | "amd64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "armv7l" | "armv6l" | "arm" => "arm",
        "i386" | "i686" | "386" => "386",
        "ppc64le" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        _ => return None,
    })
}

/// The key (`volumes`, `secrets`, `configs`) and index of the entry of `service` that mounts at
/// `target`, to point a report at.
fn mount_entry(service: &model::ServiceConfig, target: &str) -> Option<(&'static str, String)> {
    if let Some(i) = service.volumes.iter().position(|v| v.target == target) {
        return Some(("volumes", i.to_string()));
    }
    [("secrets", &service.secrets), ("configs", &service.configs)]
        .into_iter()
        .find_map(|(key, files)| {
            let i = files.iter().position(|f| f.target == target)?;
            Some((key, i.to_string()))
        })
}
