//! `stackc build --network-policies` on every corpus case the reference loader accepts and on
//! the `helm-network-policies` fixture, checked against compose's own rules rather than against
//! stackc's: for every pair of pods and every port of the receiving pod, the NetworkPolicies are
//! evaluated as the cluster evaluates them (a pod selected by no policy of a direction is open in
//! it; otherwise any rule of a policy selecting it may allow), and the answer is compared with
//! what compose allows between the two services (`stackc config`, which the golden and corpus
//! tests hold equal to Docker Compose's): they share a network, or the port is published (not
//! on the host's loopback address only) and the sender is not confined to internal networks.
//!
//! A connection compose allows must be allowed. One compose does not allow may be allowed only
//! when the sender waits for the receiver (`depends_on`), which stackc lets through and reports.
//! Pods on the node's network, and pods holding the containers of several services (`service:X`
//! namespaces), are left out of the pairs: their networks are not one service's.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(30);

/// A pod template of the output, with what the comparison needs.
struct Pod {
    service: String,
    labels: BTreeMap<String, String>,
    ports: BTreeSet<u16>,
}

/// What compose says about one service.
struct Compose {
    networks: BTreeSet<String>,
    /// Container ports of its published ports.
    published: BTreeSet<u16>,
    /// Every network it is on is internal (or it has none).
    confined: bool,
    depends_on: BTreeSet<String>,
}

fn run_json(project: &support::Project, subcommand: &[&str]) -> Result<String, String> {
    let mut cmd = support::clean_command(support::stackc(), &project.dir);
    cmd.args(&project.args).args(subcommand);
    let out = support::run(&mut cmd, b"", TIMEOUT);
    if out.code != Some(0) {
        return Err(format!(
            "`{}` failed: {}",
            subcommand.join(" "),
            out.describe()
        ));
    }
    Ok(out.stdout)
}

/// Every document of a YAML stream, parsed by `PyYAML` into JSON.
fn documents(stream: &str) -> Vec<Value> {
    const SCRIPT: &str = "import json, sys, yaml\nprint(json.dumps([d for d in yaml.safe_load_all(sys.stdin) if d]))";
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with PyYAML (a yamllint dependency) must be on PATH");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), stream.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "PyYAML failed");
    serde_json::from_slice(&out.stdout).expect("PyYAML output is JSON")
}

fn labels(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether a label selector (`matchLabels` and `DoesNotExist`/`Exists` expressions) selects
/// `pod`; an empty selector selects every pod.
fn selects(selector: &Value, pod: &BTreeMap<String, String>) -> bool {
    let matched = labels(&selector["matchLabels"])
        .iter()
        .all(|(k, v)| pod.get(k) == Some(v));
    let expressions = selector["matchExpressions"].as_array().cloned();
    matched
        && expressions.unwrap_or_default().iter().all(|e| {
            let key = e["key"].as_str().unwrap_or_default();
            match e["operator"].as_str() {
                Some("DoesNotExist") => !pod.contains_key(key),
                Some("Exists") => pod.contains_key(key),
                other => panic!("selector operator {other:?} is not evaluated here"),
            }
        })
}

/// Whether the policies let `pod` take part in a connection in `direction` (`Ingress` or
/// `Egress`) with `peer` on `port`.
fn allows(policies: &[Value], direction: &str, pod: &Pod, peer: &Pod, port: u16) -> bool {
    let (rules_key, peers_key) = match direction {
        "Ingress" => ("ingress", "from"),
        _ => ("egress", "to"),
    };
    let applying: Vec<&Value> = policies
        .iter()
        .filter(|p| {
            let types = p["spec"]["policyTypes"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            types.iter().any(|t| t == direction) && selects(&p["spec"]["podSelector"], &pod.labels)
        })
        .collect();
    if applying.is_empty() {
        return true;
    }
    applying.iter().any(|p| {
        let rules = p["spec"][rules_key].as_array().cloned().unwrap_or_default();
        rules.iter().any(|rule| {
            let peers = rule[peers_key].as_array();
            let peer_ok = peers.is_none_or(|peers| {
                peers.iter().any(|other| {
                    other.get("ipBlock").is_none()
                        && other
                            .get("podSelector")
                            .is_some_and(|s| selects(s, &peer.labels))
                })
            });
            let ports = rule["ports"].as_array();
            let port_ok = ports.is_none_or(|ports| {
                ports.iter().any(|p| {
                    p["port"].as_u64() == Some(u64::from(port))
                        && p["protocol"].as_str().unwrap_or("TCP") == "TCP"
                })
            });
            peer_ok && port_ok
        })
    })
}

/// What compose says about each service that has a pod of its own on the project's networks.
fn compose_services(config: &Value) -> BTreeMap<String, Compose> {
    let internal = |network: &str| config["networks"][network]["internal"] == true;
    let mut services = BTreeMap::new();
    let mut joined = BTreeSet::new();
    let Some(all) = config["services"].as_object() else {
        return services;
    };
    for (name, service) in all {
        for key in ["network_mode", "ipc", "pid"] {
            if let Some(target) = service[key]
                .as_str()
                .and_then(|m| m.strip_prefix("service:"))
            {
                joined.insert(name.clone());
                joined.insert(target.to_owned());
            }
        }
        if service["network_mode"]
            .as_str()
            .is_some_and(|m| m != "none")
        {
            continue;
        }
        let keys: Vec<&String> = service["networks"]
            .as_object()
            .map(|n| n.keys().collect())
            .unwrap_or_default();
        // The engine knows a network by its name: two keys of one name (an external network
        // naming the project's own, `${COMPOSE_PROJECT_NAME}_backend`) are one network.
        let networks: BTreeSet<String> = keys
            .iter()
            .map(|key| {
                config["networks"][key.as_str()]["name"]
                    .as_str()
                    .map_or_else(|| (*key).clone(), str::to_owned)
            })
            .collect();
        let confined = keys.iter().all(|key| internal(key));
        let published = service["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["published"].as_str().is_some_and(|s| !s.is_empty()))
            .filter(|p| p["protocol"].as_str().unwrap_or("tcp") == "tcp")
            // A port published on the host's loopback address is reachable from that host only,
            // not from other containers, whatever their networks.
            .filter(|p| {
                let address = p["host_ip"].as_str().unwrap_or_default();
                !(address.starts_with("127.") || matches!(address, "::1" | "localhost"))
            })
            .filter_map(|p| p["target"].as_u64().and_then(|t| u16::try_from(t).ok()))
            .collect();
        let depends_on = service["depends_on"]
            .as_object()
            .map(|d| d.keys().cloned().collect())
            .unwrap_or_default();
        services.insert(
            name.clone(),
            Compose {
                networks,
                published,
                confined,
                depends_on,
            },
        );
    }
    services.retain(|name, _| !joined.contains(name));
    services
}

/// The pods of the output whose service compose describes, and the NetworkPolicies.
fn pods_and_policies(
    objects: Vec<Value>,
    services: &BTreeMap<String, Compose>,
) -> (Vec<Pod>, Vec<Value>) {
    // The workload's name is the service's as a DNS label; match them the same way.
    let by_workload: BTreeMap<String, &String> = services
        .keys()
        .map(|s| (stackc::ir::names::dns_label(s), s))
        .collect();
    let mut pods = Vec::new();
    let mut policies = Vec::new();
    for object in objects {
        match object["kind"].as_str() {
            Some("NetworkPolicy") => policies.push(object),
            Some("Deployment" | "DaemonSet" | "Job") => {
                let template = &object["spec"]["template"];
                if template["spec"]["hostNetwork"] == true {
                    continue;
                }
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                let Some(service) = by_workload.get(name) else {
                    continue;
                };
                let containers = template["spec"]["containers"].as_array().cloned();
                let mut ports: BTreeSet<u16> = containers
                    .unwrap_or_default()
                    .iter()
                    .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                    .filter_map(|p| p["containerPort"].as_u64())
                    .filter_map(|p| u16::try_from(p).ok())
                    .collect();
                ports.extend(&services[*service].published);
                // A port nothing declares: what a member may still connect to on a network.
                ports.insert(9);
                pods.push(Pod {
                    service: (*service).clone(),
                    labels: labels(&template["metadata"]["labels"]),
                    ports,
                });
            }
            _ => {}
        }
    }
    (pods, policies)
}

/// The disagreements between the policies and compose for one project; how many connections
/// were compared.
fn compare(project: &support::Project) -> Result<(usize, Vec<String>), String> {
    let config: Value = serde_json::from_str(&run_json(project, &["config", "--format", "json"])?)
        .map_err(|e| format!("config is not JSON: {e}"))?;
    let stream = run_json(project, &["build", "--network-policies", "--stdout"])?;
    let services = compose_services(&config);
    let (pods, policies) = pods_and_policies(documents(&stream), &services);
    let mut compared = 0;
    let mut wrong = Vec::new();
    for sender in &pods {
        for receiver in &pods {
            if sender.service == receiver.service {
                continue;
            }
            let (from, to) = (&services[&sender.service], &services[&receiver.service]);
            for &port in &receiver.ports {
                compared += 1;
                let shared = !from.networks.is_disjoint(&to.networks);
                let expected = shared || (to.published.contains(&port) && !from.confined);
                let actual = allows(&policies, "Ingress", receiver, sender, port)
                    && allows(&policies, "Egress", sender, receiver, port);
                let waits = from.depends_on.contains(&receiver.service);
                if expected != actual && !(actual && waits) {
                    wrong.push(format!(
                        "{} → {} port {port}: compose {}, policies {}",
                        sender.service,
                        receiver.service,
                        if expected { "allows" } else { "blocks" },
                        if actual { "allow" } else { "block" },
                    ));
                }
            }
        }
    }
    Ok((compared, wrong))
}

#[test]
fn network_policies_allow_what_compose_networks_allow() {
    let mut projects = support::projects("helm-network-policies");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/helm-network-policies");
    assert!(
        projects.iter().any(|p| p.dir == fixture),
        "the fixture is among the projects"
    );
    projects.retain(|p| !p.id.starts_with("helm-") || p.dir == fixture);
    let results = support::parallel_map(&projects, compare);
    let mut compared = 0;
    let mut failures = Vec::new();
    for (project, result) in projects.iter().zip(results) {
        match result {
            Ok((n, wrong)) => {
                compared += n;
                failures.extend(wrong.into_iter().map(|w| format!("{}: {w}", project.id)));
            }
            Err(why) => failures.push(format!("{}: {why}", project.id)),
        }
    }
    println!(
        "network policies: {} projects, {compared} connections compared",
        projects.len()
    );
    assert!(compared > 1000, "too few connections compared: {compared}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
