//! The last frontend stage: the canonical tree becomes the typed [`Project`], then compose-go's
//! project-level steps run on it: profiles, consistency checks (references, cycles,
//! contradictory keys), and each service's environment and labels resolved from its `env_file`s
//! and `label_file`s.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;

use super::dotenv;
use super::locations::Locations;
use super::node::Node;
use super::project::ProjectSetup;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::{self, Project, ServiceConfig};
use crate::source::Span;

/// Binds `tree` (the canonical dict with its `name`) to a [`Project`].
pub fn bind(
    tree: &Node,
    setup: &ProjectSetup,
    locations: &Locations,
) -> Result<(Project, Diagnostics), Diagnostic> {
    let mut warnings = Diagnostics::new();
    let name = tree
        .get("name")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_owned();
    let mut project = model::from_tree(tree).map_err(|e| {
        let path: Vec<&str> = e.path.split('.').collect();
        Diagnostic::error(
            Code::InvalidValue,
            format!("invalid value for `{}`: {}", e.path, e.message),
        )
        .with_label(locations.value(&path), "this value")
    })?;
    project.name = name;
    project.working_dir = setup.working_dir.display().to_string();
    project.compose_files = setup
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    project.environment = setup
        .environment
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    project
        .environment
        .insert("COMPOSE_PROJECT_NAME".to_owned(), project.name.clone());

    apply_profiles(&mut project, &setup.profiles);
    if project.services.is_empty() && !project.disabled_services.is_empty() {
        warnings.push(no_service_enabled(&project, locations));
    }
    check_consistency(&mut project, locations)?;
    check_container_names(&project, locations)?;
    resolve_service_environment(&mut project, locations)?;
    resolve_service_labels(&mut project, locations)?;
    drop_unused_resources(&mut project);
    Ok((project, warnings))
}

/// compose-go's `WithProfiles`: a service with no `profiles` is always on; others need one of
/// theirs active (`*` activates all).
/// The disabled services are moved out in place: rebuilding the map of enabled ones would hold
/// two copies of every service's (large) configuration at once.
fn apply_profiles(project: &mut Project, profiles: &[String]) {
    let disabled = project.services.extract_if(.., |_, service| {
        let enabled = service.profiles.is_empty()
            || profiles
                .iter()
                .any(|p| p == "*" || service.profiles.contains(p));
        !enabled
    });
    project.disabled_services.extend(disabled);
    project.profiles = profiles.to_vec();
}

/// Every service has profiles and none is active: a build would silently write no workload.
fn no_service_enabled(project: &Project, locations: &Locations) -> Diagnostic {
    let mut profiles: Vec<&str> = Vec::new();
    for service in project.disabled_services.values() {
        for profile in &service.profiles {
            if !profiles.contains(&profile.as_str()) {
                profiles.push(profile);
            }
        }
    }
    let listed: Vec<String> = profiles.iter().map(|p| format!("`{p}`")).collect();
    Diagnostic::warning(
        Code::NoServiceEnabled,
        format!(
            "no service is enabled: all {} services have profiles, and none of them is active",
            project.disabled_services.len()
        ),
    )
    .with_label(locations.key(&["services"]), "every service has profiles")
    .with_help(format!(
        "pass `--profile` with one of {}, or `--profile '*'` for every service",
        listed.join(", ")
    ))
}

fn unknown(
    locations: &Locations,
    path: &[&str],
    message: String,
    candidates: &[&str],
    missing: &str,
) -> Diagnostic {
    let mut d = Diagnostic::error(Code::UnknownReference, message)
        .with_label(locations.value(path), "not defined");
    if let Some(close) = super::closest(missing, candidates.iter().copied()) {
        d = d.with_help(format!("did you mean `{close}`?"));
    } else {
        d = d.with_help("define it at the top level of the compose file, or fix the name");
    }
    d
}

/// Docker Compose's `config` keeps only the networks, volumes, secrets, configs and models that
/// an enabled service uses (compose-go's `WithoutUnnecessaryResources`).
fn drop_unused_resources(project: &mut Project) {
    let mut networks = Vec::new();
    let mut volumes = Vec::new();
    let mut secrets = Vec::new();
    let mut configs = Vec::new();
    let mut models = Vec::new();
    for service in project.services.values() {
        networks.extend(service.networks.keys().cloned());
        volumes.extend(
            service
                .volumes
                .iter()
                .filter(|v| v.kind == "volume" && !v.source.is_empty())
                .map(|v| v.source.clone()),
        );
        secrets.extend(service.secrets.iter().map(|s| s.source.clone()));
        if let Some(build) = &service.build {
            secrets.extend(build.secrets.iter().map(|s| s.source.clone()));
        }
        configs.extend(service.configs.iter().map(|c| c.source.clone()));
        models.extend(service.models.keys().cloned());
    }
    project.networks.retain(|k, _| networks.contains(k));
    project.volumes.retain(|k, _| volumes.contains(k));
    project.secrets.retain(|k, _| secrets.contains(k));
    project.configs.retain(|k, _| configs.contains(k));
    project.models.retain(|k, _| models.contains(k));
}

/// compose-go's `checkConsistency`, with located diagnostics.
#[allow(clippy::too_many_lines)]
fn check_consistency(project: &mut Project, locations: &Locations) -> Result<(), Diagnostic> {
    let names: Vec<&str> = project.services.keys().map(String::as_str).collect();
    let networks: Vec<&str> = project.networks.keys().map(String::as_str).collect();
    let volumes: Vec<&str> = project.volumes.keys().map(String::as_str).collect();
    let secrets: Vec<&str> = project.secrets.keys().map(String::as_str).collect();
    let configs: Vec<&str> = project.configs.keys().map(String::as_str).collect();
    for (name, s) in &project.services {
        if s.build.is_none() && s.image.is_empty() && s.provider.is_none() {
            return Err(Diagnostic::error(
                Code::InconsistentValue,
                format!("service `{name}` has neither an `image` nor a `build` context"),
            )
            .with_label(locations.key(&svc_path(name, &[])), "this service")
            .with_help("add `image: NAME` (or `build: DIR` to build it)"));
        }
        if let Some(build) = &s.build {
            if !build.dockerfile_inline.is_empty() && !build.dockerfile.is_empty() {
                return Err(inconsistent(
                    locations,
                    &svc_path(name, &["build"]),
                    format!(
                        "service `{name}` sets both `build.dockerfile` and `build.dockerfile_inline`"
                    ),
                ));
            }
            let platform = &s.platform;
            if !build.platforms.is_empty()
                && !platform.is_empty()
                && !build.platforms.contains(platform)
            {
                return Err(Diagnostic::error(
                    Code::InconsistentValue,
                    format!(
                        "service `{name}` runs on platform `{platform}`, which its `build.platforms` does not list"
                    ),
                )
                .with_label(locations.value(&svc_path(name, &["platform"])), "here")
                .with_label(
                    locations.key(&svc_path(name, &["build", "platforms"])),
                    "not listed here",
                )
                .with_help(format!(
                    "add `{platform}` to `build.platforms`, or remove `platform`"
                )));
            }
        }
        if !s.network_mode.is_empty() && !s.networks.is_empty() {
            return Err(inconsistent(
                locations,
                &svc_path(name, &["network_mode"]),
                format!("service `{name}` sets both `network_mode` and `networks`"),
            ));
        }
        for network in s.networks.keys() {
            if !project.networks.contains_key(network) {
                return Err(unknown(
                    locations,
                    &svc_path(name, &["networks", network]),
                    format!("service `{name}` refers to undefined network `{network}`"),
                    &networks,
                    network,
                ));
            }
        }
        if let Some(hc) = &s.healthcheck {
            if let Some(first) = hc.test.first() {
                if !matches!(first.as_str(), "CMD" | "CMD-SHELL" | "NONE") {
                    return Err(inconsistent(
                        locations,
                        &svc_path(name, &["healthcheck", "test"]),
                        format!(
                            "`services.{name}.healthcheck.test` must start with `CMD`, `CMD-SHELL` or `NONE`"
                        ),
                    ));
                }
            }
        }
        for (dependency, cfg) in &s.depends_on {
            if !project.services.contains_key(dependency) {
                if project.disabled_services.contains_key(dependency) && !cfg.required {
                    continue;
                }
                let why = if project.disabled_services.contains_key(dependency) {
                    " (it is disabled: none of its profiles is active)"
                } else {
                    ""
                };
                return Err(unknown(
                    locations,
                    &svc_path(name, &["depends_on", dependency]),
                    format!("service `{name}` depends on undefined service `{dependency}`{why}"),
                    &names,
                    dependency,
                ));
            }
        }
        if let Some(target) = s.network_mode.strip_prefix("service:") {
            if !project.services.contains_key(target) {
                return Err(unknown(
                    locations,
                    &svc_path(name, &["network_mode"]),
                    format!("service `{name}` uses the network of undefined service `{target}`"),
                    &names,
                    target,
                ));
            }
        }
        for (i, volume) in s.volumes.iter().enumerate() {
            if volume.kind == "volume"
                && !volume.source.is_empty()
                && !project.volumes.contains_key(&volume.source)
            {
                let index = i.to_string();
                return Err(unknown(
                    locations,
                    &svc_path(name, &["volumes", &index]),
                    format!(
                        "service `{name}` refers to undefined volume `{}`",
                        volume.source
                    ),
                    &volumes,
                    &volume.source,
                ));
            }
        }
        if let Some(build) = &s.build {
            for secret in &build.secrets {
                if !project.secrets.contains_key(&secret.source) {
                    return Err(unknown(
                        locations,
                        &svc_path(name, &["build", "secrets"]),
                        format!(
                            "service `{name}` refers to undefined build secret `{}`",
                            secret.source
                        ),
                        &secrets,
                        &secret.source,
                    ));
                }
            }
        }
        for (i, config) in s.configs.iter().enumerate() {
            if !project.configs.contains_key(&config.source) {
                let index = i.to_string();
                return Err(unknown(
                    locations,
                    &svc_path(name, &["configs", &index]),
                    format!(
                        "service `{name}` refers to undefined config `{}`",
                        config.source
                    ),
                    &configs,
                    &config.source,
                ));
            }
        }
        for model in s.models.keys() {
            if !project.models.contains_key(model) {
                return Err(unknown(
                    locations,
                    &svc_path(name, &["models", model]),
                    format!("service `{name}` refers to undefined model `{model}`"),
                    &[],
                    model,
                ));
            }
        }
        for (i, secret) in s.secrets.iter().enumerate() {
            if !project.secrets.contains_key(&secret.source) {
                let index = i.to_string();
                return Err(unknown(
                    locations,
                    &svc_path(name, &["secrets", &index]),
                    format!(
                        "service `{name}` refers to undefined secret `{}`",
                        secret.source
                    ),
                    &secrets,
                    &secret.source,
                ));
            }
        }
        if let (Some(scale), Some(deploy)) = (s.scale, &s.deploy) {
            if deploy.replicas.is_some_and(|r| r != scale) {
                return Err(inconsistent(
                    locations,
                    &svc_path(name, &["scale"]),
                    format!(
                        "service `{name}` sets different values for `scale` and `deploy.replicas`"
                    ),
                ));
            }
        }
        if s.scale.is_some_and(|v| v < 0) {
            return Err(inconsistent(
                locations,
                &svc_path(name, &["scale"]),
                format!("`services.{name}.scale` must be greater than or equal to 0"),
            ));
        }
        if let Some(deploy) = &s.deploy {
            if deploy.replicas.is_some_and(|v| v < 0) {
                return Err(inconsistent(
                    locations,
                    &svc_path(name, &["deploy", "replicas"]),
                    format!("`services.{name}.deploy.replicas` must be greater than or equal to 0"),
                ));
            }
            if let Some(limits) = &deploy.resources.limits {
                if s.cpus != 0.0 && (limits.cpus - s.cpus).abs() > f32::EPSILON {
                    return Err(inconsistent(
                        locations,
                        &svc_path(name, &["cpus"]),
                        format!(
                            "service `{name}` sets different values for `cpus` and `deploy.resources.limits.cpus`"
                        ),
                    ));
                }
                if s.mem_limit.0 != 0 && limits.memory.0 != s.mem_limit.0 {
                    return Err(inconsistent(
                        locations,
                        &svc_path(name, &["mem_limit"]),
                        format!(
                            "service `{name}` sets different values for `mem_limit` and `deploy.resources.limits.memory`"
                        ),
                    ));
                }
                if s.pids_limit != 0 && limits.pids != s.pids_limit {
                    return Err(inconsistent(
                        locations,
                        &svc_path(name, &["pids_limit"]),
                        format!(
                            "service `{name}` sets different values for `pids_limit` and `deploy.resources.limits.pids`"
                        ),
                    ));
                }
            }
            if let Some(reservations) = &deploy.resources.reservations {
                if s.mem_reservation.0 != 0 && reservations.memory.0 != s.mem_reservation.0 {
                    return Err(inconsistent(
                        locations,
                        &svc_path(name, &["mem_reservation"]),
                        format!(
                            "service `{name}` sets different values for `mem_reservation` and `deploy.resources.reservations.memory`"
                        ),
                    ));
                }
            }
        }
        let scale = s
            .scale
            .or_else(|| s.deploy.as_ref().and_then(|d| d.replicas))
            .unwrap_or(1);
        if scale > 1 && !s.container_name.is_empty() {
            return Err(inconsistent(
                locations,
                &svc_path(name, &["container_name"]),
                format!(
                    "service `{name}` sets `container_name` but runs {scale} replicas; container names must be unique"
                ),
            ));
        }
        let watches = s.develop.iter().flat_map(|d| d.watch.iter().enumerate());
        for (i, watch) in watches {
            if watch.action != "rebuild" && watch.target.is_empty() {
                let index = i.to_string();
                return Err(Diagnostic::error(
                    Code::InconsistentValue,
                    format!(
                        "`services.{name}.develop.watch[{i}]` has no `target`, which action `{}` needs",
                        watch.action
                    ),
                )
                .with_label(
                    locations.key(&svc_path(name, &["develop", "watch", &index])),
                    "this rule",
                )
                .with_help(
                    "set `target` to the path in the container that the files go to; only `rebuild` needs none",
                ));
            }
        }
        // Each target with the key and index of the mount that claimed it.
        let mut mounts: HashMap<&str, (&str, usize), foldhash::fast::RandomState> =
            HashMap::default();
        for (i, tmpfs) in s.tmpfs.iter().enumerate() {
            let target = tmpfs.split_once(':').map_or(tmpfs.as_str(), |(p, _)| p);
            if let Some(previous) = mounts.insert(target, ("tmpfs", i)) {
                return Err(double_mount(
                    locations,
                    name,
                    target,
                    previous,
                    &svc_path(name, &["tmpfs", &i.to_string()]),
                ));
            }
        }
        for (i, volume) in s.volumes.iter().enumerate() {
            if let Some(previous) = mounts.insert(&volume.target, ("volumes", i)) {
                return Err(double_mount(
                    locations,
                    name,
                    &volume.target,
                    previous,
                    &svc_path(name, &["volumes", &i.to_string()]),
                ));
            }
        }
    }
    for (name, secret) in &project.secrets {
        if !secret.external && secret.file.is_empty() && secret.environment.is_empty() {
            return Err(Diagnostic::error(
                Code::InconsistentValue,
                format!("secret `{name}` must declare either `file` or `environment`"),
            )
            .with_label(locations.key(&["secrets", name]), "this secret")
            .with_help("add `file: ./path` or `environment: VAR`, or mark it `external: true`"));
        }
    }
    // `scale` wins over `deploy.replicas` once they agree, as in compose-go.
    for service in project.services.values_mut() {
        if let (Some(scale), Some(deploy)) = (service.scale, service.deploy.as_mut()) {
            deploy.replicas = Some(scale);
        }
    }
    check_cycles(project, locations)
}

/// Docker Compose's `CheckContainerNameUnicity`, which `config` and `up` run on the enabled
/// services.
fn check_container_names(project: &Project, locations: &Locations) -> Result<(), Diagnostic> {
    let mut first_by_name: HashMap<&str, &str, foldhash::fast::RandomState> = HashMap::default();
    for (name, s) in &project.services {
        if s.container_name.is_empty() {
            continue;
        }
        if let Some(first) = first_by_name.insert(&s.container_name, name) {
            let container = &s.container_name;
            return Err(Diagnostic::error(
                Code::DuplicateContainerName,
                format!(
                    "services `{first}` and `{name}` have the same container name `{container}`"
                ),
            )
            .with_label(
                locations.value(&svc_path(name, &["container_name"])),
                "second",
            )
            .with_label(
                locations.value(&svc_path(first, &["container_name"])),
                "first",
            )
            .with_help(format!(
                "give `{name}` another `container_name`, or remove it: other services reach it as `{name}` too"
            )));
        }
    }
    Ok(())
}

fn svc_path<'a>(name: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut p = vec!["services", name];
    p.extend_from_slice(rest);
    p
}

fn inconsistent(locations: &Locations, path: &[&str], message: String) -> Diagnostic {
    Diagnostic::error(Code::InconsistentValue, message)
        .with_label(locations.key(path), "here")
        .with_help("keep only one of the two, or make them agree")
}

fn double_mount(
    locations: &Locations,
    service: &str,
    target: &str,
    (previous_key, previous_index): (&str, usize),
    path: &[&str],
) -> Diagnostic {
    Diagnostic::error(
        Code::InconsistentValue,
        format!("service `{service}` mounts two things at `{target}`"),
    )
    .with_label(locations.value(path), "second mount")
    .with_label(
        locations.value(&[
            "services",
            service,
            previous_key,
            &previous_index.to_string(),
        ]),
        "first mount",
    )
    .with_help("give each mount its own target path")
}

/// A `depends_on` cycle is an error that shows every edge of the cycle where it was written.
fn check_cycles(project: &Project, locations: &Locations) -> Result<(), Diagnostic> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Visiting,
        Done,
    }
    fn visit<'a>(
        name: &'a str,
        services: &'a IndexMap<String, ServiceConfig>,
        state: &mut HashMap<&'a str, State, foldhash::fast::RandomState>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        match state.get(name) {
            Some(State::Done) => return None,
            Some(State::Visiting) => {
                let start = stack.iter().position(|s| *s == name).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(name);
                return Some(cycle);
            }
            None => {}
        }
        state.insert(name, State::Visiting);
        stack.push(name);
        if let Some(service) = services.get(name) {
            for dependency in service.depends_on.keys() {
                if let Some(cycle) = visit(dependency, services, state, stack) {
                    return Some(cycle);
                }
            }
        }
        stack.pop();
        state.insert(name, State::Done);
        None
    }
    let mut state = HashMap::default();
    for name in project.services.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(name, &project.services, &mut state, &mut stack) {
            let shown: Vec<String> = cycle.iter().map(|s| format!("`{s}`")).collect();
            let mut d = Diagnostic::error(
                Code::DependencyCycle,
                format!("dependency cycle: {}", shown.join(" → ")),
            );
            for pair in cycle.windows(2) {
                d = d.with_label(
                    locations.key(&["services", pair[0], "depends_on", pair[1]]),
                    format!("`{}` depends on `{}`", pair[0], pair[1]),
                );
            }
            return Err(d.with_help("remove one of these `depends_on` entries to break the cycle"));
        }
    }
    Ok(())
}

/// compose-go's `WithServicesEnvironmentResolved`: entries with no value take the project
/// environment's value; `env_file`s are read in order (missing optional ones skipped); the
/// service's own `environment` wins over them. Docker Compose then drops `env_file` from the model.
fn resolve_service_environment(
    project: &mut Project,
    locations: &Locations,
) -> Result<(), Diagnostic> {
    let project_env = project.environment.clone();
    // Stacks often give every service the same env file: each file is read once.
    let mut texts: HashMap<String, EnvFileText> = HashMap::new();
    // A file that never consulted the environment while parsing parses the same for every
    // service: its variables are kept and reused.
    let mut parsed_files: HashMap<String, IndexMap<String, String>> = HashMap::new();
    for (name, service) in &mut project.services {
        for (key, value) in &mut service.environment {
            if value.is_none() {
                if let Some(v) = project_env.get(key) {
                    *value = Some(v.clone());
                }
            }
        }
        let mut from_files: IndexMap<String, String> = IndexMap::new();
        for (i, env_file) in service.env_file.iter().enumerate() {
            let span = || locations.value(&["services", name, "env_file", &i.to_string()]);
            let text = texts
                .entry(env_file.path.clone())
                .or_insert_with(|| EnvFileText::read(Path::new(&env_file.path)));
            let Some(text) = text.text(FileKind::Env, &env_file.path, env_file.required, span)?
            else {
                continue;
            };
            let parsed = if env_file.format == "raw" {
                raw_env_file(text)
            } else if let Some(vars) = parsed_files.get(&env_file.path) {
                vars.clone()
            } else {
                let environment = &service.environment;
                let consulted = Cell::new(false);
                let lookup = |k: &str| {
                    consulted.set(true);
                    project_env
                        .get(k)
                        .cloned()
                        .or_else(|| environment.get(k).cloned().flatten())
                        .or_else(|| from_files.get(k).cloned())
                };
                let vars = dotenv::parse(text, &lookup)
                    .map_err(|e| FileKind::Env.parse_error(&env_file.path, &e, span()))?
                    .vars;
                if !consulted.get() {
                    parsed_files.insert(env_file.path.clone(), vars.clone());
                }
                vars
            };
            from_files.extend(parsed);
        }
        let mut environment: IndexMap<String, Option<String>> =
            from_files.into_iter().map(|(k, v)| (k, Some(v))).collect();
        for (k, v) in std::mem::take(&mut service.environment) {
            environment.insert(k, v);
        }
        service.environment = environment;
        service.env_file.clear();
    }
    Ok(())
}

/// compose-go's `WithServicesLabelsResolved`: each `label_file` is read in order as a dotenv file
/// whose `${VAR}`s and bare `VAR` lines see only the labels of the files before it; the service's
/// own `labels` win over them. Docker Compose then drops `label_file` from the model.
fn resolve_service_labels(project: &mut Project, locations: &Locations) -> Result<(), Diagnostic> {
    let mut texts: HashMap<String, EnvFileText> = HashMap::new();
    for (name, service) in &mut project.services {
        if service.label_file.is_empty() {
            continue;
        }
        let mut labels: IndexMap<String, String> = IndexMap::new();
        for (i, label_file) in service.label_file.iter().enumerate() {
            let span = || locations.value(&["services", name, "label_file", &i.to_string()]);
            let text = texts
                .entry(label_file.clone())
                .or_insert_with(|| EnvFileText::read(Path::new(label_file)));
            let Some(text) = text.text(FileKind::Label, label_file, true, span)? else {
                continue;
            };
            let vars = dotenv::parse(text, &|k| labels.get(k).cloned())
                .map_err(|e| FileKind::Label.parse_error(label_file, &e, span()))?;
            labels.extend(vars.vars);
        }
        for (k, v) in std::mem::take(&mut service.labels) {
            labels.insert(k, v);
        }
        service.labels = labels;
        service.label_file.clear();
    }
    Ok(())
}

/// A dotenv-format file a service names: an `env_file` or a `label_file`.
#[derive(Clone, Copy)]
enum FileKind {
    Env,
    Label,
}

impl FileKind {
    fn noun(self) -> &'static str {
        match self {
            Self::Env => "env file",
            Self::Label => "label file",
        }
    }

    fn parse_error(
        self,
        path: &str,
        error: &dotenv::DotenvError,
        span: Option<Span>,
    ) -> Diagnostic {
        let help = match self {
            Self::Env => "env files hold `KEY=VALUE` lines; quote values with spaces or `#`",
            Self::Label => {
                "label files hold `KEY=VALUE` lines, like env files; quote values with spaces or `#`"
            }
        };
        Diagnostic::error(
            Code::InvalidEnvFile,
            format!(
                "cannot parse {} `{path}` at line {}: {}",
                self.noun(),
                error.line,
                error.message
            ),
        )
        .with_label(span, "read for this service")
        .with_help(help)
    }
}

/// A dotenv-format file as read from disk, once for every service that names it.
enum EnvFileText {
    Missing,
    Unreadable(std::io::Error),
    Text(String),
}

impl EnvFileText {
    fn read(path: &Path) -> Self {
        if !path.exists() {
            return Self::Missing;
        }
        std::fs::read_to_string(path).map_or_else(Self::Unreadable, Self::Text)
    }

    /// The text; `None` for a missing file that is not `required`. A missing required file, or
    /// one that cannot be read, is an error at `span`.
    fn text(
        &self,
        kind: FileKind,
        path: &str,
        required: bool,
        span: impl Fn() -> Option<Span>,
    ) -> Result<Option<&str>, Diagnostic> {
        match self {
            Self::Text(text) => Ok(Some(text)),
            Self::Missing if !required => Ok(None),
            Self::Missing => {
                let (label, help) = match kind {
                    FileKind::Env => (
                        "required here",
                        "create the file, or mark it optional with `required: false`",
                    ),
                    FileKind::Label => (
                        "named here",
                        "create the file, or remove it from `label_file`",
                    ),
                };
                Err(Diagnostic::error(
                    Code::MissingFile,
                    format!("{} `{path}` not found", kind.noun()),
                )
                .with_label(span(), label)
                .with_help(help))
            }
            Self::Unreadable(e) => Err(Diagnostic::error(
                Code::MissingFile,
                format!("cannot read {} `{path}`: {e}", kind.noun()),
            )
            .with_label(span(), "named here")),
        }
    }
}

/// `format: raw`: every line is `KEY=VALUE` taken literally.
fn raw_env_file(text: &str) -> IndexMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
