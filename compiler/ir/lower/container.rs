//! The container of a service: image, command, environment, ports, probes, resources and
//! security settings.

use std::fmt::Write as _;

use indexmap::IndexMap;

use super::{Lowering, NameRules, templates};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::names::is_env_var_name;
use crate::ir::{
    Container, ContainerPort, Cpu, Locate, Memory, Probe, Probes, Protocol, PullPolicy,
    ResourceList, Resources, SeLinux, SecurityContext,
};
use crate::model;
use crate::text::joined;

/// Compose's healthcheck defaults (Docker Engine's): 30s interval, 30s timeout, 3 retries, and
/// probes every 5s during the start period.
const DEFAULT_INTERVAL: i64 = 30;
const DEFAULT_TIMEOUT: i64 = 30;
const DEFAULT_RETRIES: u64 = 3;
const DEFAULT_START_INTERVAL: i64 = 5;

impl<L: Locate> Lowering<'_, L> {
    pub(super) fn container(
        &mut self,
        project: &model::Project,
        name: &str,
        k8s_name: &str,
        service: &model::ServiceConfig,
        options: &super::Options,
    ) -> Container {
        let (command, args) = self.command_line(name, service);
        Container {
            name: k8s_name.to_owned(),
            service: name.to_owned(),
            image: self.image(project, name, service, options),
            built: service.build.is_some(),
            pull_policy: self.pull_policy(name, &service.pull_policy),
            command,
            args,
            env: self.environment(project, name, service, options.name_rules),
            ports: self.ports(name, service),
            probes: self.probes(name, service.healthcheck.as_ref()),
            resources: self.resources(name, service),
            security: self.security(name, service),
            working_dir: (!service.working_dir.is_empty()).then(|| service.working_dir.clone()),
            tty: service.tty,
            stdin: service.stdin_open,
            post_start: self.hooks(name, "post_start", &service.post_start),
            pre_stop: self.hooks(name, "pre_stop", &service.pre_stop),
            ..Container::default()
        }
    }

    /// The literal environment, with swarm's `{{.Service.Name}}` expanded; any other swarm
    /// template is passed as written, and reported. Under Kubernetes' rules a variable whose
    /// name the API server refuses is left out, as it would refuse the whole workload.
    fn environment(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
        rules: NameRules,
    ) -> IndexMap<String, String> {
        let mut env = IndexMap::with_capacity(service.environment.len());
        for (key, value) in &service.environment {
            let Some(value) = value else { continue };
            if rules == NameRules::Kubernetes && !is_env_var_name(key) {
                let span = self
                    .locations
                    .exact_span(&["services", name, "environment", key])
                    .or_else(|| self.locations.exact_span(&["services", name, "env_file"]))
                    .or_else(|| self.span(&["services", name, "environment"]));
                let message = if key.is_empty() {
                    format!(
                        "a variable with an empty name in service `{name}` is left out: Kubernetes refuses it"
                    )
                } else {
                    format!(
                        "variable `{}` of service `{name}` is left out: Kubernetes takes only printable ASCII characters other than `=` in a variable's name",
                        key.escape_debug()
                    )
                };
                self.diagnostics.push(
                    Diagnostic::warning(Code::UnloweredValue, message)
                        .with_label(span, "not a name Kubernetes takes"),
                );
                continue;
            }
            if !value.contains("{{") {
                env.insert(key.clone(), value.clone());
                continue;
            }
            let swarm_name = joined(&[&project.name, "_", name]);
            let (expanded, left) = templates::expand_service_name(value, &swarm_name);
            if let Some(template) = left.first() {
                self.warn(
                    Code::SwarmTemplate,
                    &["services", name, "environment", key],
                    format!(
                        "`{template}` in `{key}` of service `{name}` is a swarm template, which only `docker stack deploy` expands; the container gets it as written"
                    ),
                    "swarm template",
                );
            }
            env.insert(key.clone(), expanded.into_owned());
        }
        env
    }

    /// The container's `command` and `args` from compose's `entrypoint` and `command`. An
    /// entrypoint of its own makes the kubelet drop the image's command as Docker does. An empty
    /// `entrypoint` (`""` or `[]`) clears the image's, so that `command` alone is run: that is a
    /// Kubernetes `command`, since `args` would go to the image's entrypoint.
    fn command_line(
        &mut self,
        name: &str,
        service: &model::ServiceConfig,
    ) -> (Option<Vec<String>>, Option<Vec<String>>) {
        let non_empty = |argv: &Option<Vec<String>>| argv.clone().filter(|a| !a.is_empty());
        if service.entrypoint.as_ref().is_some_and(Vec::is_empty) {
            if let Some(command) = non_empty(&service.command) {
                return (Some(command), None);
            }
            self.warn_help(
                Code::ApproximatedKey,
                &["services", name, "entrypoint"],
                format!(
                    "the empty `entrypoint` of service `{name}` is not kept: Kubernetes cannot run an image's command without its entrypoint, so both run"
                ),
                "clears the image's entrypoint",
                "repeat the image's command under `command:` to run it on its own",
            );
            return (None, None);
        }
        (non_empty(&service.entrypoint), non_empty(&service.command))
    }

    /// The image to pull. A service that compose builds gets the name compose tags the build
    /// with, and a warning that it must be pushed where the cluster can pull it.
    fn image(
        &mut self,
        project: &model::Project,
        name: &str,
        service: &model::ServiceConfig,
        options: &super::Options,
    ) -> String {
        if let Some(problem) = crate::ir::image::reference_problem(&service.image)
            && !service.image.is_empty()
        {
            self.warn(
                Code::InvalidImage,
                &["services", name, "image"],
                format!(
                    "image `{}` of service `{name}` is not a reference a container engine can pull: {problem}",
                    service.image
                ),
                "not a valid image reference",
            );
        }
        let mut image = service.image.clone();
        if image.is_empty() {
            image = format!("{}-{name}", project.name);
            if let Some(registry) = &options.image_registry {
                image = format!("{}/{image}", registry.trim_end_matches('/'));
            }
        }
        if service.build.is_some() {
            let help = if service.image.is_empty() && options.image_registry.is_none() {
                "build and push the image before applying (`docker compose build && docker compose push`), and pass `--image-registry` with the registry you push to"
            } else {
                "build and push the image before applying (`docker compose build && docker compose push`)"
            };
            self.warn_help(
                Code::ImageNotBuilt,
                &["services", name, "build"],
                format!(
                    "service `{name}` runs image `{image}`, which compose builds; Kubernetes only pulls it"
                ),
                "built by compose",
                help,
            );
        }
        image
    }

    fn pull_policy(&mut self, name: &str, policy: &str) -> Option<PullPolicy> {
        match policy {
            "" => None,
            "always" => Some(PullPolicy::Always),
            "never" => Some(PullPolicy::Never),
            "missing" | "if_not_present" | "build" => Some(PullPolicy::IfNotPresent),
            other => {
                self.warn(
                    Code::ApproximatedKey,
                    &["services", name, "pull_policy"],
                    format!(
                        "`pull_policy: {other}` of service `{name}` becomes `Always`: Kubernetes has no periodic pull"
                    ),
                    "approximated",
                );
                Some(PullPolicy::Always)
            }
        }
    }

    fn ports(&mut self, name: &str, service: &model::ServiceConfig) -> Vec<ContainerPort> {
        let mut out = Vec::new();
        let host_network = service.network_mode() == "host";
        let mut random_host = Vec::new();
        for (i, p) in service.ports.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "ports", &index];
            let Some(protocol) = self.protocol(name, &p.protocol, &path) else {
                continue;
            };
            let Some(port) = u16::try_from(p.target).ok().filter(|&n| n != 0) else {
                self.invalid_port(name, &p.target.to_string(), &path);
                continue;
            };
            let mut published = None;
            if host_network && !p.published.is_empty() {
                self.warn(
                    Code::ApproximatedKey,
                    &path,
                    format!(
                        "port `{}:{port}` of service `{name}` is not published: with `network_mode: host` the service listens on the node's own port {port}, and Docker discards published ports",
                        p.published
                    ),
                    "discarded in host network mode",
                );
            } else if p.published.is_empty() {
                if !host_network {
                    random_host.push(i);
                }
            } else {
                let first = p.published.split('-').next().unwrap_or_default();
                match first.parse::<u16>() {
                    Ok(0) | Err(_) => self.invalid_port(name, &p.published, &path),
                    Ok(host) => published = self.published(name, host, p, &path),
                }
            }
            let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            out.push(ContainerPort {
                port,
                protocol,
                published,
                name: non_empty(&p.name),
                app_protocol: non_empty(&p.app_protocol),
            });
        }
        if !random_host.is_empty() {
            self.random_host_ports(name, &service.ports, &random_host);
        }
        for (i, spec) in service.expose.iter().enumerate() {
            let index = i.to_string();
            let path = ["services", name, "expose", &index];
            let (range, protocol) = spec.split_once('/').unwrap_or((spec, "tcp"));
            let Some(protocol) = self.protocol(name, protocol, &path) else {
                continue;
            };
            let (low, high) = range.split_once('-').unwrap_or((range, range));
            match (low.parse::<u16>(), high.parse::<u16>()) {
                (Ok(low), Ok(high)) if low != 0 && low <= high => {
                    out.extend((low..=high).map(|port| ContainerPort {
                        port,
                        protocol,
                        published: None,
                        name: None,
                        app_protocol: None,
                    }));
                }
                _ => self.invalid_port(name, spec, &path),
            }
        }
        out
    }

    /// The host port a published port keeps, after checking its host address.
    fn published(
        &mut self,
        name: &str,
        host: u16,
        p: &model::ServicePortConfig,
        path: &[&str],
    ) -> Option<u16> {
        match p.host_ip.as_str() {
            "" | "0.0.0.0" | "::" | "[::]" => Some(host),
            // The whole of 127.0.0.0/8 is the host's loopback, not only 127.0.0.1.
            loopback
                if loopback.starts_with("127.")
                    || matches!(loopback, "::1" | "[::1]" | "localhost") =>
            {
                self.warn_help(
                    Code::PortNotPublished,
                    path,
                    format!(
                        "port {host} of service `{name}` is published on `{}` only, so it is reachable inside the cluster only",
                        p.host_ip
                    ),
                    "loopback address",
                    &format!("reach it with `kubectl port-forward service/{} {host}:{}`", super::dns_label(name), p.target),
                );
                None
            }
            address => {
                self.warn(
                    Code::PortAddress,
                    path,
                    format!(
                        "port {host} of service `{name}` is published on every node address, not only on `{address}`"
                    ),
                    "host address not kept",
                );
                Some(host)
            }
        }
    }

    /// One report for the ports published without a host port (`ports[i]` for each `i` of
    /// `random`), as a range of them (`"8000-8099"`) is one entry per port.
    fn random_host_ports(
        &mut self,
        name: &str,
        ports: &[model::ServicePortConfig],
        random: &[usize],
    ) {
        const LISTED: usize = 5;
        let first = &ports[random[0]];
        let message = if let [_] = random {
            let on = if first.host_ip.is_empty() {
                String::new()
            } else {
                format!(" of `{}`", first.host_ip)
            };
            format!(
                "port {} of service `{name}` is published on a random host port{on}, which a Service cannot choose, so it is reachable inside the cluster only",
                first.target
            )
        } else {
            let mut listed = random
                .iter()
                .take(LISTED)
                .map(|&i| ports[i].target.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            if random.len() > LISTED {
                let _ = write!(listed, " and {} more", random.len() - LISTED);
            }
            format!(
                "ports {listed} of service `{name}` are published on random host ports, which a Service cannot choose, so they are reachable inside the cluster only"
            )
        };
        let index = random[0].to_string();
        self.warn_help(
            Code::PortRandomHost,
            &["services", name, "ports", &index],
            message,
            "no host port",
            &format!(
                "reach it with `kubectl port-forward service/{} :{}`, or write the host port to publish it",
                super::dns_label(name),
                first.target
            ),
        );
    }

    fn protocol(&mut self, name: &str, protocol: &str, path: &[&str]) -> Option<Protocol> {
        match protocol.to_ascii_lowercase().as_str() {
            "" | "tcp" => Some(Protocol::Tcp),
            "udp" => Some(Protocol::Udp),
            "sctp" => Some(Protocol::Sctp),
            other => {
                self.warn(
                    Code::UnloweredValue,
                    path,
                    format!("port protocol `{other}` of service `{name}` is left out: use `tcp`, `udp` or `sctp`"),
                    "unknown protocol",
                );
                None
            }
        }
    }

    fn invalid_port(&mut self, name: &str, port: &str, path: &[&str]) {
        self.warn(
            Code::UnloweredValue,
            path,
            format!("port `{port}` of service `{name}` is left out: ports are 1 to 65535"),
            "not a valid port",
        );
    }

    /// Readiness and liveness probes, plus a startup probe for `start_period`.
    fn probes(&mut self, name: &str, healthcheck: Option<&model::HealthCheckConfig>) -> Probes {
        let Some(check) = healthcheck else {
            return Probes::default();
        };
        let exec = match check.test.split_first() {
            _ if check.disable => return Probes::default(),
            Some((kind, _)) if kind == "NONE" => return Probes::default(),
            Some((kind, argv)) if kind == "CMD" && !argv.is_empty() => {
                if argv[0].contains(' ') {
                    self.broken_healthcheck(
                        name,
                        &format!(
                            "runs a program named `{}`, spaces included, which does not exist",
                            argv[0]
                        ),
                    );
                }
                argv.to_vec()
            }
            Some((kind, script)) if kind == "CMD-SHELL" && !script.is_empty() => {
                let script = script.join(" ");
                let first_word = script.split_whitespace().next().unwrap_or_default();
                if ["CMD", "CMD-SHELL"].contains(&first_word) {
                    self.broken_healthcheck(
                        name,
                        &format!(
                            "hands `{script}` to the shell, which looks for a program named `{first_word}`"
                        ),
                    );
                }
                vec!["sh".to_owned(), "-c".to_owned(), script]
            }
            _ => {
                self.warn(
                    Code::ImageHealthcheck,
                    &["services", name, "healthcheck"],
                    format!(
                        "the healthcheck of service `{name}` has no `test`, so it has no probe: Kubernetes ignores the image's HEALTHCHECK"
                    ),
                    "no `test`",
                );
                return Probes::default();
            }
        };
        let path = |key: &'static str| ["services", name, "healthcheck", key];
        // Docker Engine reads a zero interval, timeout or retry count as "the default".
        let set = |d: Option<model::Duration>| d.filter(|d| d.0 > 0);
        let interval =
            set(check.interval).map_or(DEFAULT_INTERVAL, |d| self.seconds(d, &path("interval"), 1));
        let timeout =
            set(check.timeout).map_or(DEFAULT_TIMEOUT, |d| self.seconds(d, &path("timeout"), 1));
        let retries = check.retries.filter(|&n| n > 0).unwrap_or(DEFAULT_RETRIES);
        let probe = Probe {
            exec,
            period_seconds: clamp(interval),
            timeout_seconds: clamp(timeout),
            failure_threshold: clamp(i64::try_from(retries).unwrap_or(i64::MAX)),
        };
        let start_period = check
            .start_period
            .map_or(0, |d| self.seconds(d, &path("start_period"), 0));
        let startup = (start_period > 0).then(|| {
            let every = set(check.start_interval).map_or(DEFAULT_START_INTERVAL, |d| {
                self.seconds(d, &path("start_interval"), 1)
            });
            // Failures during the start period do not count; after it, `retries` do.
            let attempts = (start_period + every - 1) / every + i64::from(probe.failure_threshold);
            Probe {
                period_seconds: clamp(every),
                failure_threshold: clamp(attempts),
                ..probe.clone()
            }
        });
        Probes {
            readiness: Some(probe.clone()),
            liveness: Some(probe),
            startup,
        }
    }

    /// A check that Docker runs and that fails every time: its probes are written as Docker
    /// runs it, and the liveness probe then restarts the container again and again.
    fn broken_healthcheck(&mut self, name: &str, what: &str) {
        self.warn_help(
            Code::BrokenHealthcheck,
            &["services", name, "healthcheck", "test"],
            format!(
                "the healthcheck of service `{name}` {what}: the check always fails, in Docker too, which only marks the container unhealthy; its liveness probe restarts it again and again"
            ),
            "cannot pass",
            "write `[\"CMD\", \"program\", \"arg\", ...]`, or `[\"CMD-SHELL\", \"shell command\"]`, or the shell command alone as a string",
        );
    }

    fn resources(&mut self, name: &str, service: &model::ServiceConfig) -> Resources {
        let deploy = service.deploy.as_ref().map(|d| &d.resources);
        let limits = deploy.and_then(|r| r.limits.as_ref());
        let reservations = deploy.and_then(|r| r.reservations.as_ref());
        let mut out = Resources::default();
        let limit_path = ["services", name, "deploy", "resources", "limits"];
        let request_path = ["services", name, "deploy", "resources", "reservations"];
        out.limits = ResourceList {
            cpu: match limits.map(|l| l.cpus).filter(|&c| c > 0.0) {
                Some(cpus) => self.cpu(cpus, &limit_path),
                None => self.cpu(service.cpus, &["services", name, "cpus"]),
            },
            memory: match limits.map(|l| l.memory).filter(|m| m.0 > 0) {
                Some(bytes) => self.memory(bytes, &limit_path),
                None => self.memory(service.mem_limit, &["services", name, "mem_limit"]),
            },
            ..ResourceList::default()
        };
        out.requests = ResourceList {
            cpu: reservations.and_then(|r| self.cpu(r.cpus, &request_path)),
            memory: match reservations.map(|r| r.memory).filter(|m| m.0 > 0) {
                Some(bytes) => self.memory(bytes, &request_path),
                None => self.memory(
                    service.mem_reservation,
                    &["services", name, "mem_reservation"],
                ),
            },
            ..ResourceList::default()
        };
        // The API server rejects a request above its limit; without the request, Kubernetes
        // requests the limit.
        if out
            .requests
            .memory
            .zip(out.limits.memory)
            .is_some_and(|(r, l)| r.0 > l.0)
        {
            let from_deploy = reservations.is_some_and(|r| r.memory.0 > 0);
            let path: &[&str] = if from_deploy {
                &request_path
            } else {
                &["services", name, "mem_reservation"]
            };
            self.request_above_limit(name, "memory", path);
            out.requests.memory = None;
        }
        if out
            .requests
            .cpu
            .zip(out.limits.cpu)
            .is_some_and(|(r, l)| r.0 > l.0)
        {
            self.request_above_limit(name, "cpu", &request_path);
            out.requests.cpu = None;
        }
        out
    }

    fn request_above_limit(&mut self, name: &str, resource: &str, path: &[&str]) {
        self.warn(
            Code::UnloweredValue,
            path,
            format!(
                "the {resource} reservation of service `{name}` is above its limit, so the limit is requested instead"
            ),
            "above the limit",
        );
    }

    fn cpu(&mut self, cpus: f32, path: &[&str]) -> Option<Cpu> {
        if cpus <= 0.0 {
            return None;
        }
        let exact = f64::from(cpus) * 1000.0;
        #[allow(clippy::cast_sign_loss, reason = "`cpus` is positive here")]
        let millis = exact.round().max(1.0) as u64;
        if (exact - exact.round()).abs() > 0.01 || exact < 0.5 {
            self.warn(
                Code::QuantityRounded,
                path,
                format!(
                    "{}: {cpus} CPUs is rounded to {millis}m",
                    super::describe(path)
                ),
                "finer than a millicore",
            );
        }
        Some(Cpu(millis))
    }

    fn memory(&mut self, bytes: model::UnitBytes, path: &[&str]) -> Option<Memory> {
        let bytes = u64::try_from(bytes.0).ok().filter(|&b| b > 0)?;
        if bytes % 1024 == 0 || bytes % 1000 == 0 {
            return Some(Memory(bytes));
        }
        let rounded = Memory(bytes.div_ceil(1024) * 1024);
        self.warn(
            Code::QuantityRounded,
            path,
            format!(
                "{}: {bytes} bytes is rounded up to {}",
                super::describe(path),
                rounded.quantity()
            ),
            "not a whole number of KiB",
        );
        Some(rounded)
    }

    fn security(&mut self, name: &str, service: &model::ServiceConfig) -> SecurityContext {
        let strip = |caps: &[String]| -> Vec<String> {
            caps.iter()
                .map(|c| c.strip_prefix("CAP_").unwrap_or(c).to_owned())
                .collect()
        };
        let mut out = SecurityContext {
            privileged: service.privileged,
            read_only_root_filesystem: service.read_only,
            cap_add: strip(&service.cap_add),
            cap_drop: strip(&service.cap_drop),
            ..SecurityContext::default()
        };
        if !service.user.is_empty() {
            // An empty part is the engine's default, not the image's `USER`, which `user`
            // replaces: uid 0 for the user, and the user's own group for the group.
            let (user, group) = service
                .user
                .split_once(':')
                .map_or((service.user.as_str(), None), |(u, g)| (u, Some(g)));
            let user = if user.is_empty() { "0" } else { user };
            let group = group.filter(|g| !g.is_empty());
            match (numeric_id(user), group.map(numeric_id)) {
                (Some(uid), None) => out.run_as_user = Some(uid),
                (Some(uid), Some(Some(gid))) => {
                    out.run_as_user = Some(uid);
                    out.run_as_group = Some(gid);
                }
                (Some(uid), Some(None)) => {
                    out.run_as_user = Some(uid);
                    self.warn_help(
                        Code::UserName,
                        &["services", name, "user"],
                        format!(
                            "the group of `user: {}` of service `{name}` is left out: Kubernetes needs {}, so the group is the image's for user {uid}",
                            service.user,
                            id_rule(group.unwrap_or_default(), "a numeric id"),
                        ),
                        "not a group id Kubernetes takes",
                        "write `user: \"UID:GID\"` with the id the group has in the image",
                    );
                }
                (None, _) => self.warn_help(
                    Code::UserName,
                    &["services", name, "user"],
                    format!(
                        "`user: {}` of service `{name}` is left out: Kubernetes needs {}, so the image's default user runs",
                        service.user,
                        id_rule(user, "numeric ids"),
                    ),
                    "not an id Kubernetes takes",
                    "write `user: \"UID:GID\"` with the ids the user has in the image",
                ),
            }
        }
        for (i, option) in service.security_opt.iter().enumerate() {
            // Docker accepts `key:value` and `key=value` alike.
            match option.replacen('=', ":", 1).as_str() {
                "no-new-privileges" | "no-new-privileges:true" => out.no_new_privileges = true,
                "seccomp:unconfined" => out.seccomp_unconfined = true,
                "apparmor:unconfined" => out.apparmor_unconfined = true,
                "label:disable" => out.selinux.disabled = true,
                label if selinux_part(&mut out.selinux, label) => {}
                _ => {
                    let index = i.to_string();
                    self.warn(
                        Code::UnsupportedKey,
                        &["services", name, "security_opt", &index],
                        format!("security option `{option}` of service `{name}` is left out"),
                        "not supported on k3s",
                    );
                }
            }
        }
        out
    }

    fn hooks(&mut self, name: &str, key: &str, hooks: &[model::ServiceHook]) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        for (i, hook) in hooks.iter().enumerate() {
            let index = i.to_string();
            if !hook.user.is_empty()
                || hook.privileged
                || !hook.working_dir.is_empty()
                || !hook.environment.is_empty()
            {
                self.warn(
                    Code::HookOptions,
                    &["services", name, key, &index],
                    format!(
                        "the `{key}` hook of service `{name}` runs with the container's user, environment and working directory"
                    ),
                    "options ignored",
                );
            }
            if let Some(command) = hook.command.clone().filter(|c| !c.is_empty()) {
                out.push(command);
            }
        }
        out
    }
}

/// Sets the part of the SELinux label that `option` (`label:type:svirt_apache_t`) names, as
/// Docker reads it; false for any other option.
fn selinux_part(label: &mut SeLinux, option: &str) -> bool {
    let Some((part, value)) = option
        .strip_prefix("label:")
        .and_then(|l| l.split_once(':'))
    else {
        return false;
    };
    let slot = match part {
        "user" => &mut label.user,
        "role" => &mut label.role,
        "type" => &mut label.type_,
        "level" => &mut label.level,
        _ => return false,
    };
    *slot = Some(value.to_owned());
    true
}

/// Kubernetes probe fields are `int32`.
fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A user or group id of `user:`, in the API server's range of 0 to 2³¹ − 1. `root` is 0 in the
/// `/etc/passwd` of every image; other names depend on the image's `/etc/passwd` (`www-data`
/// is 33 on Debian, 82 on Alpine).
fn numeric_id(text: &str) -> Option<i64> {
    if text == "root" {
        Some(0)
    } else {
        text.parse::<i32>()
            .ok()
            .filter(|&id| id >= 0)
            .map(i64::from)
    }
}

/// What the API server wants instead of `id`: a number in its range, when `id` is one outside
/// it, or else `numeric`.
fn id_rule<'a>(id: &str, numeric: &'a str) -> &'a str {
    if id.parse::<i64>().is_ok() {
        "ids from 0 to 2147483647"
    } else {
        numeric
    }
}
