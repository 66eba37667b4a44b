//! The `helm` target: a chart whose default values render exactly the objects of the `k3s`
//! target.
//!
//! Each template starts from the k3s backend's object, serialized by the same YAML writer; only
//! the fields people change between environments are replaced by template expressions (see
//! [`template`]), and each expression's default in `values.yaml` is the k3s value. So
//! `helm template` with default values and `stackc build --target k3s --namespace default` give
//! the same objects, apart from Helm's release labels (`app.kubernetes.io/instance`,
//! `app.kubernetes.io/managed-by: Helm`, `helm.sh/chart`).
//!
//! Parameterised: per compose service, the image (repository, tag, digest, pull policy),
//! replicas, environment values and extra variables, resources (including device and GPU
//! resources), the runtime class, the node selector, tolerations and affinity, each Service's
//! type and ports, and an Ingress (off by default, class `traefik`); per claim, size, class and
//! access mode; per compose secret, the name of an existing Secret or values to create it from;
//! globally, image pull secrets. Objects go to `.Release.Namespace`.

mod chart;
mod package;
mod template;
mod values;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use self::template::{Fill, Templater, at, put, quoted};
use super::Files;
use super::k3s;
use super::yaml::{self, YamlError};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::label_value;
use crate::ir::{self, Locate};

/// Choices of the user that shape the chart.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Also write `helmchart.yaml`: a K3s `HelmChart` object that carries the packaged chart.
    pub k3s_helmchart: bool,
    /// The namespace the `HelmChart` object installs into (`default` when unset). The chart's
    /// own objects go to the release namespace.
    pub namespace: Option<String>,
    /// Compose values written as one required variable (`${NAME:?message}`), by compose key
    /// path (`services.web.environment.APP_ENV`, `services.web.image`); see [`required`].
    pub required: IndexMap<String, Required>,
}

/// A compose value written as exactly one `${NAME:?message}` or `${NAME?message}`. Its chart
/// value keeps the resolved value as default, so the defaults still render the k3s objects, and
/// the chart refuses an empty value with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    pub name: String,
    /// The compose message, possibly empty.
    pub message: String,
}

impl Required {
    /// `expr` wrapped in a `required` call that names the value to set.
    fn guard(&self, expr: &str, values_path: &str) -> String {
        let message = if self.message.is_empty() {
            format!("set {values_path} (compose variable {})", self.name)
        } else {
            format!("{} (set {values_path})", self.message)
        };
        format!("required {} ({expr})", quoted(&message))
    }
}

/// The required variables behind the values the chart parameterises (each service's image and
/// environment), from the text of each value before interpolation.
pub fn required(project: &ir::Project, locations: &impl Locate) -> IndexMap<String, Required> {
    let mut out = IndexMap::new();
    for (compose, workload) in &project.workloads {
        let image = ["services", compose.as_str(), "image"];
        if let Some(required) = locations
            .template(&image)
            .and_then(|t| required_variable(t, ""))
        {
            out.insert(image.join("."), required);
        }
        let Some(container) = workload
            .pod
            .containers
            .iter()
            .find(|c| c.name == workload.name)
        else {
            continue;
        };
        for (index, name) in container.env.keys().enumerate() {
            // `environment` is a mapping (`NAME: ${X:?…}`) or a list (`- NAME=${X:?…}`).
            let mapping = ["services", compose.as_str(), "environment", name.as_str()];
            let index = index.to_string();
            let list = ["services", compose.as_str(), "environment", index.as_str()];
            let found = locations
                .template(&mapping)
                .and_then(|t| required_variable(t, ""))
                .or_else(|| {
                    let prefix = format!("{name}=");
                    locations
                        .template(&list)
                        .and_then(|t| required_variable(t, &prefix))
                });
            if let Some(required) = found {
                out.insert(mapping.join("."), required);
            }
        }
    }
    out
}

/// The required variable that `template`, after `prefix`, consists of exactly.
fn required_variable(template: &str, prefix: &str) -> Option<Required> {
    use crate::frontend::interpolate::{self, Operator, Part};
    let parsed = interpolate::parse(template).ok()?;
    let parts = match parsed.parts.as_slice() {
        [Part::Literal(text), rest @ ..] if !prefix.is_empty() && text == prefix => rest,
        parts if prefix.is_empty() => parts,
        _ => return None,
    };
    let [Part::Variable(variable)] = parts else {
        return None;
    };
    if !matches!(
        variable.operator,
        Some(Operator::Required | Operator::RequiredNonEmpty)
    ) {
        return None;
    }
    let message = variable
        .argument
        .iter()
        .flat_map(|a| &a.parts)
        .map(|part| match part {
            Part::Literal(text) => text.clone(),
            Part::Variable(v) => format!("${{{}}}", v.name),
        })
        .collect();
    Some(Required {
        name: variable.name.clone(),
        message,
    })
}

/// Why the chart could not be written; only a bug in stackc can cause it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A Kubernetes object could not be turned into a JSON value to template.
    #[error("cannot read a Kubernetes object as JSON")]
    Json(#[from] serde_json::Error),
    /// A template expression was asked for where YAML cannot hold one.
    #[error("cannot place a template expression on the line `{0}`")]
    Placement(String),
}

/// Top-level keys of `values.yaml` that are not compose services.
const RESERVED: &[&str] = &["global", "persistence", "secrets"];

/// The chart: `Chart.yaml`, `values.yaml`, `values.schema.json`, `templates/…`, and
/// `helmchart.yaml` when asked.
pub fn files(project: &ir::Project, options: &Options) -> Result<Files, Error> {
    let chart = chart::name(&project.name);
    let mut emit = Emit {
        project,
        required: &options.required,
        by_name: project
            .workloads
            .iter()
            .map(|(compose, w)| (w.name.as_str(), compose.as_str()))
            .collect(),
        chart: &chart,
        keys: value_keys(project),
        values: Map::new(),
        templates: Files::new(),
    };
    emit.values
        .insert("global".to_owned(), json!({"imagePullSecrets": []}));
    let objects = k3s::objects(
        project,
        &k3s::Options {
            namespace: Some(String::new()),
        },
    );
    for object in &objects {
        emit.object(object)?;
    }
    emit.ingresses()?;
    emit.secrets()?;
    for key in emit.keys.values() {
        if let Some(Value::Object(service)) = emit.values.get_mut(key) {
            let mut fields: Vec<(String, Value)> = std::mem::take(service).into_iter().collect();
            fields.sort_by_key(|(field, _)| field_rank(field));
            service.extend(fields);
        }
    }

    let values = Value::Object(emit.values);
    let mut files = Files::new();
    files.insert("Chart.yaml".to_owned(), chart::chart_yaml(project, &chart)?);
    files.insert(
        "values.yaml".to_owned(),
        format!(
            "# Default values of the `{chart}` chart, generated by stackc. With these values the\n# chart renders the same objects as `stackc build --target k3s`.\n{}",
            yaml::to_string(&values)?
        ),
    );
    files.insert(
        "values.schema.json".to_owned(),
        pretty_json(&values::schema(&values)),
    );
    files.insert(
        "templates/_helpers.tpl".to_owned(),
        chart::helpers(&chart, &project.name),
    );
    files.extend(emit.templates);
    files.insert(
        "templates/NOTES.txt".to_owned(),
        chart::notes(project, &values),
    );
    // stackc's record of the files it wrote, its temporary files, and the HelmChart object, which
    // carries the chart and is no part of it.
    files.insert(
        ".helmignore".to_owned(),
        ".stackc-*\n*.stackc-tmp\nhelmchart.yaml\n".to_owned(),
    );
    if options.k3s_helmchart {
        let namespace = options.namespace.as_deref().unwrap_or("default");
        let object = chart::helmchart(&chart, namespace, &files)?;
        files.insert("helmchart.yaml".to_owned(), object);
    }
    Ok(files)
}

/// The order of a service's fields in `values.yaml`: the workload first, then its network.
fn field_rank(field: &str) -> usize {
    const ORDER: &[&str] = &[
        "replicas",
        "image",
        "env",
        "extraEnv",
        "resources",
        "runtimeClassName",
        "nodeSelector",
        "tolerations",
        "affinity",
        "services",
        "ingress",
    ];
    ORDER
        .iter()
        .position(|f| *f == field)
        .unwrap_or(ORDER.len())
}

/// Reports what the chart changes in the user's names.
pub fn check(project: &ir::Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    for (compose, key) in value_keys(project) {
        if compose == key {
            continue;
        }
        diagnostics.push(
            Diagnostic::warning(
                Code::HelmValuesKey,
                format!(
                    "the values of service `{compose}` are under `{key}` in values.yaml: `{compose}` holds the chart's own settings"
                ),
            )
            .with_label(locations.span(&["services", &compose]), "service defined here")
            .with_help(format!(
                "use `{key}` with `--set` and in values files, or rename the service"
            )),
        );
    }
}

/// The `values.yaml` key of each compose service: its compose name, unless that is one of the
/// [`RESERVED`] keys.
fn value_keys(project: &ir::Project) -> IndexMap<String, String> {
    project
        .workloads
        .keys()
        .map(|compose| {
            let key = if RESERVED.contains(&compose.as_str()) {
                format!("{compose}-service")
            } else {
                compose.clone()
            };
            (compose.clone(), key)
        })
        .collect()
}

/// The chart being built.
struct Emit<'a> {
    project: &'a ir::Project,
    required: &'a IndexMap<String, Required>,
    /// Workload Kubernetes name → compose service.
    by_name: IndexMap<&'a str, &'a str>,
    chart: &'a str,
    /// Compose service → key in `values.yaml`.
    keys: IndexMap<String, String>,
    values: Map<String, Value>,
    templates: Files,
}

impl Emit<'_> {
    fn object(&mut self, object: &k3s::Object) -> Result<(), Error> {
        let mut t = Templater::default();
        let mut value = serde_json::to_value(object)?;
        self.metadata(&mut t, &mut value);
        let header = match object {
            k3s::Object::Deployment(_) | k3s::Object::DaemonSet(_) | k3s::Object::Job(_) => {
                self.workload(&mut t, &mut value, object.name())
            }
            k3s::Object::Service(_) => self.service(&mut t, &mut value, object.name()),
            k3s::Object::PersistentVolumeClaim(_) => self.claim(&mut t, &mut value, object.name()),
            k3s::Object::ConfigMap(_) => String::new(),
        };
        let text = t.render(&header, &value)?;
        self.templates
            .insert(format!("templates/{}", object.file_name()), text);
        Ok(())
    }

    /// Namespace from the release, and Helm's release labels beside the k3s ones.
    fn metadata(&self, t: &mut Templater, value: &mut Value) {
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            put(
                meta,
                "namespace",
                t.value(Fill::Inline("$.Release.Namespace | quote".to_owned())),
            );
        }
        for path in [
            &["metadata", "labels"][..],
            &["spec", "template", "metadata", "labels"],
        ] {
            if let Some(labels) = at(value, path).and_then(Value::as_object_mut) {
                labels.shift_remove("app.kubernetes.io/managed-by");
                self.selector(t, labels);
                let include = format!(
                    "{{{{- include {} $ | nindent {{N}} }}}}",
                    quoted(&format!("{}.labels", self.chart))
                );
                labels.insert(t.token(Fill::Lines(include)), Value::String(String::new()));
            }
        }
        for path in [
            &["spec", "selector"][..],
            &["spec", "selector", "matchLabels"],
        ] {
            if let Some(labels) = at(value, path).and_then(Value::as_object_mut) {
                self.selector(t, labels);
            }
        }
    }

    /// Writes the k3s selector labels through the `selectorLabels` helper when `labels` holds
    /// exactly them; other labels stay literal.
    fn selector(&self, t: &mut Templater, labels: &mut Map<String, Value>) {
        const NAME: &str = "app.kubernetes.io/name";
        const PART_OF: &str = "app.kubernetes.io/part-of";
        let part_of = label_value(&self.project.name);
        let Some(name) = labels.get(NAME).and_then(Value::as_str).map(str::to_owned) else {
            return;
        };
        if labels.get(PART_OF).and_then(Value::as_str) != Some(part_of.as_str()) {
            return;
        }
        labels.shift_remove(NAME);
        labels.shift_remove(PART_OF);
        let include = format!(
            "{{{{- include {} {} | nindent {{N}} }}}}",
            quoted(&format!("{}.selectorLabels", self.chart)),
            quoted(&name)
        );
        labels.shift_insert(
            0,
            t.token(Fill::Lines(include)),
            Value::String(String::new()),
        );
    }

    fn workload_of(&self, name: &str) -> Option<(&String, &ir::Workload)> {
        let compose = self.by_name.get(name)?;
        self.project.workloads.get_key_value(*compose)
    }

    /// Values of a compose service, created on first use.
    fn service_values(&mut self, compose: &str) -> &mut Map<String, Value> {
        let key = self
            .keys
            .get(compose)
            .cloned()
            .unwrap_or_else(|| compose.to_owned());
        self.values
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("service values are a mapping")
    }

    /// The header binding `$v` to a service's values.
    fn bind(&self, compose: &str) -> String {
        let key = self.keys.get(compose).map_or(compose, String::as_str);
        format!("{{{{- $v := index .Values {} -}}}}\n", quoted(key))
    }

    fn workload(&mut self, t: &mut Templater, value: &mut Value, name: &str) -> String {
        let Some((compose, workload)) = self.workload_of(name) else {
            return String::new();
        };
        let compose = compose.clone();
        let main = workload
            .pod
            .containers
            .iter()
            .position(|c| c.name == workload.name)
            .unwrap_or(0);
        let mut v = Map::new();
        if let Some(replicas) = at(value, &["spec", "replicas"]) {
            v.insert("replicas".to_owned(), replicas.clone());
            *replicas = t.value(Fill::Inline("$v.replicas".to_owned()));
        }
        if let Some(pod) = at(value, &["spec", "template", "spec"]).and_then(Value::as_object_mut) {
            if let Some(container) = pod
                .get_mut("containers")
                .and_then(|c| c.get_mut(main))
                .and_then(Value::as_object_mut)
            {
                let key = self
                    .keys
                    .get(&compose)
                    .map_or(compose.as_str(), String::as_str);
                let params = Params {
                    chart: self.chart,
                    compose: &compose,
                    values_key: key,
                    required: self.required,
                };
                container_values(t, &params, container, &mut v);
            }
            v.insert(
                "runtimeClassName".to_owned(),
                pod.get("runtimeClassName")
                    .cloned()
                    .unwrap_or_else(|| Value::from("")),
            );
            put(
                pod,
                "runtimeClassName",
                t.value(Fill::OptionalScalar("$v.runtimeClassName".to_owned())),
            );
            // Scheduling: where the pods run differs between clusters.
            for (field, empty) in [
                ("nodeSelector", json!({})),
                ("tolerations", json!([])),
                ("affinity", json!({})),
            ] {
                v.insert(field.to_owned(), pod.get(field).cloned().unwrap_or(empty));
                put(
                    pod,
                    field,
                    t.value(Fill::OptionalBlock(format!("$v.{field}"))),
                );
            }
            put(
                pod,
                "imagePullSecrets",
                t.value(Fill::OptionalBlock(
                    "$.Values.global.imagePullSecrets".to_owned(),
                )),
            );
            self.secret_references(t, pod);
        }
        let values = self.service_values(&compose);
        for (k, val) in v {
            values.insert(k, val);
        }
        self.bind(&compose)
    }

    /// Secret names in volumes and `envFrom` come from the secret's values.
    fn secret_references(&self, t: &mut Templater, pod: &mut Map<String, Value>) {
        let expr = |name: &str| {
            Fill::Inline(format!(
                "index $.Values.secrets {} \"existingSecret\" | quote",
                quoted(name)
            ))
        };
        let mut rewrite = |name: &mut Value| {
            if let Some(secret) = name
                .as_str()
                .filter(|n| self.project.secrets.contains_key(*n))
            {
                *name = t.value(expr(secret));
            }
        };
        if let Some(Value::Array(volumes)) = pod.get_mut("volumes") {
            volumes
                .iter_mut()
                .filter_map(|v| at(v, &["secret", "secretName"]))
                .for_each(&mut rewrite);
        }
        if let Some(Value::Array(containers)) = pod.get_mut("containers") {
            for container in containers {
                if let Some(Value::Array(sources)) = container.get_mut("envFrom") {
                    sources
                        .iter_mut()
                        .filter_map(|s| at(s, &["secretRef", "name"]))
                        .for_each(&mut rewrite);
                }
            }
        }
    }

    fn service(&mut self, t: &mut Templater, value: &mut Value, name: &str) -> String {
        let Some(service) = self.project.services.get(name) else {
            return String::new();
        };
        let compose = service.workload.clone();
        let path =
            |field: &str| format!("index $v \"services\" {} {}", quoted(name), quoted(field));
        let mut ports = Map::new();
        if let Some(Value::Array(list)) = at(value, &["spec", "ports"]) {
            for port in list {
                let (Some(port_name), Some(number)) = (
                    port.get("name").and_then(Value::as_str).map(str::to_owned),
                    port.get("port").cloned(),
                ) else {
                    continue;
                };
                port["port"] = t.value(Fill::Inline(format!(
                    "{} {}",
                    path("ports"),
                    quoted(&port_name)
                )));
                ports.insert(port_name, number);
            }
        }
        let mut kind = Value::from("");
        if let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) {
            kind = spec.get("type").cloned().unwrap_or(kind);
            put(
                spec,
                "type",
                t.value(Fill::OptionalScalar(format!("({})", path("type")))),
            );
        }
        let values = self.service_values(&compose);
        let services = values
            .entry("services")
            .or_insert_with(|| Value::Object(Map::new()));
        services[name] = json!({"type": kind, "ports": ports});
        self.bind(&compose)
    }

    fn claim(&mut self, t: &mut Templater, value: &mut Value, name: &str) -> String {
        let Some(claim) = self.project.claims.get(name) else {
            return String::new();
        };
        let p = |field: &str| {
            format!(
                "index .Values.persistence {} {}",
                quoted(name),
                quoted(field)
            )
        };
        if let Some(spec) = value.get_mut("spec").and_then(Value::as_object_mut) {
            put(
                spec,
                "accessModes",
                json!([t.value(Fill::Inline(format!("{} | quote", p("accessMode"))))]),
            );
            put(
                spec,
                "storageClassName",
                t.value(Fill::OptionalScalar(format!("({})", p("storageClass")))),
            );
            if let Some(storage) = spec
                .get_mut("resources")
                .and_then(|r| at(r, &["requests", "storage"]))
            {
                *storage = t.value(Fill::Inline(format!("{} | quote", p("size"))));
            }
        }
        let persistence = self
            .values
            .entry("persistence")
            .or_insert_with(|| Value::Object(Map::new()));
        persistence[name] = json!({
            "size": claim.size.quantity(),
            "storageClass": claim.storage_class.clone().unwrap_or_default(),
            "accessMode": claim.access_mode.as_str(),
        });
        String::new()
    }
}

impl Emit<'_> {
    /// One Ingress per workload that publishes a TCP port, rendered only when enabled. It routes
    /// to the workload's ClusterIP Service, on the port that serves the first published one.
    fn ingresses(&mut self) -> Result<(), Error> {
        let project = self.project;
        // The first published TCP port of each compose service.
        let mut first_published: IndexMap<&str, &ir::ServicePort> = IndexMap::new();
        for service in project.services.values() {
            if service.kind != ir::ServiceKind::LoadBalancer {
                continue;
            }
            if let Some(port) = service
                .ports
                .iter()
                .find(|p| p.protocol == ir::Protocol::Tcp)
            {
                first_published
                    .entry(service.workload.as_str())
                    .or_insert(port);
            }
        }
        for (compose, workload) in &project.workloads {
            let published = first_published.get(compose.as_str()).copied();
            let Some((service, published)) = project.services.get(&workload.name).zip(published)
            else {
                continue;
            };
            let tcp = |p: &&ir::ServicePort| p.protocol == ir::Protocol::Tcp;
            let Some(port) = service
                .ports
                .iter()
                .filter(tcp)
                .find(|p| p.target_port == published.target_port)
                .or_else(|| service.ports.iter().find(tcp))
            else {
                continue;
            };
            let mut t = Templater::default();
            let mut value = json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": {
                    "name": workload.name,
                    "namespace": "",
                    "labels": {
                        "app.kubernetes.io/name": label_value(&workload.name),
                        "app.kubernetes.io/part-of": label_value(&project.name),
                    },
                    "annotations": t.value(Fill::OptionalBlock("$v.ingress.annotations".to_owned())),
                },
                "spec": {
                    "ingressClassName": t.value(Fill::OptionalScalar("$v.ingress.className".to_owned())),
                    "tls": t.value(Fill::OptionalBlock("$v.ingress.tls".to_owned())),
                    "rules": [{
                        "http": {"paths": [{
                            "path": t.value(Fill::Inline("$v.ingress.path | quote".to_owned())),
                            "pathType": t.value(Fill::Inline("$v.ingress.pathType | quote".to_owned())),
                            "backend": {"service": {"name": service.name, "port": {"name": port.name}}},
                        }]},
                        "host": t.value(Fill::OptionalScalar("$v.ingress.host".to_owned())),
                    }],
                },
            });
            self.metadata(&mut t, &mut value);
            let header = format!("{}{{{{- if $v.ingress.enabled }}}}\n", self.bind(compose));
            let mut text = t.render(&header, &value)?;
            text.push_str("{{- end }}\n");
            self.templates
                .insert(format!("templates/{}-ingress.yaml", workload.name), text);
            self.service_values(compose).insert(
                "ingress".to_owned(),
                json!({
                    "enabled": false,
                    "className": "traefik",
                    "host": "",
                    "path": "/",
                    "pathType": "Prefix",
                    "annotations": {},
                    "tls": [],
                }),
            );
        }
        Ok(())
    }

    /// Each compose secret names an existing Secret by default; with `create: true` the chart
    /// creates it from `data`, and every key the workloads read is required.
    fn secrets(&mut self) -> Result<(), Error> {
        let project = self.project;
        let mut secrets = Map::new();
        for (name, secret) in &project.secrets {
            let mut t = Templater::default();
            let data: Map<String, Value> = secret
                .data
                .keys()
                .map(|key| {
                    let message = format!("set secrets.{name}.data.{key}, or create the Secret yourself and set secrets.{name}.create=false");
                    let expr = format!("required {} (index $s.data {}) | toString | quote", quoted(&message), quoted(key));
                    (key.clone(), t.value(Fill::Inline(expr)))
                })
                .collect();
            let mut value = json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": t.value(Fill::Inline("$s.existingSecret | quote".to_owned())),
                    "namespace": "",
                    "labels": {
                        "app.kubernetes.io/name": label_value(name),
                        "app.kubernetes.io/part-of": label_value(&project.name),
                    },
                },
                "type": "Opaque",
                "stringData": data,
            });
            self.metadata(&mut t, &mut value);
            let header = format!(
                "{{{{- $s := index .Values.secrets {} -}}}}\n{{{{- if $s.create }}}}\n",
                quoted(name)
            );
            let mut text = t.render(&header, &value)?;
            text.push_str("{{- end }}\n");
            self.templates
                .insert(format!("templates/{name}-secret.yaml"), text);
            secrets.insert(
                name.clone(),
                json!({"existingSecret": name, "create": false, "data": {}}),
            );
        }
        if !secrets.is_empty() {
            self.values
                .insert("secrets".to_owned(), Value::Object(secrets));
        }
        Ok(())
    }
}

/// What parameterising one container needs to know.
struct Params<'a> {
    chart: &'a str,
    /// The compose service the container comes from.
    compose: &'a str,
    /// Its key in `values.yaml`.
    values_key: &'a str,
    required: &'a IndexMap<String, Required>,
}

impl Params<'_> {
    /// `expr` guarded by the required variable behind the compose value at
    /// `services.<service>.<key>`, if there is one.
    fn guard(&self, key: &str, expr: String, values_path: &str) -> String {
        let path = format!("services.{}.{key}", self.compose);
        match self.required.get(&path) {
            Some(required) => required.guard(&expr, &format!("{}.{values_path}", self.values_key)),
            None => expr,
        }
    }
}

/// Parameterises the main container of a workload and records the defaults in `v`.
fn container_values(
    t: &mut Templater,
    params: &Params<'_>,
    container: &mut Map<String, Value>,
    v: &mut Map<String, Value>,
) {
    let image = container
        .get("image")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let (repository, tag, digest) = split_image(image);
    v.insert(
        "image".to_owned(),
        json!({
            "repository": repository,
            "tag": tag,
            "digest": digest,
            "pullPolicy": container.get("imagePullPolicy").cloned().unwrap_or_else(|| Value::from("")),
        }),
    );
    put(
        container,
        "image",
        t.value(Fill::Inline(format!(
            "{} | quote",
            params.guard(
                "image",
                format!(
                    "include {} $v.image",
                    quoted(&format!("{}.image", params.chart))
                ),
                "image.repository"
            )
        ))),
    );
    put(
        container,
        "imagePullPolicy",
        t.value(Fill::OptionalScalar("$v.image.pullPolicy".to_owned())),
    );

    let mut env = Map::new();
    match container.get_mut("env") {
        Some(Value::Array(list)) => {
            for var in list.iter_mut() {
                let Some(name) = var.get("name").and_then(Value::as_str).map(str::to_owned) else {
                    continue;
                };
                if let Some(value) = var.get_mut("value") {
                    env.insert(name.clone(), value.clone());
                    let expr = params.guard(
                        &format!("environment.{name}"),
                        format!("index $v.env {}", quoted(&name)),
                        &format!("env.{name}"),
                    );
                    *value = t.value(Fill::Inline(format!("{expr} | toString | quote")));
                }
            }
            list.push(t.value(Fill::Lines(
                "{{- with $v.extraEnv }}{{ toYaml . | nindent {N} }}{{- end }}".to_owned(),
            )));
        }
        _ => {
            put(
                container,
                "env",
                t.value(Fill::OptionalBlock("$v.extraEnv".to_owned())),
            );
        }
    }
    v.insert("env".to_owned(), Value::Object(env));
    v.insert("extraEnv".to_owned(), json!([]));

    v.insert(
        "resources".to_owned(),
        container
            .get("resources")
            .cloned()
            .unwrap_or_else(|| json!({})),
    );
    put(
        container,
        "resources",
        t.value(Fill::OptionalBlock("$v.resources".to_owned())),
    );
}

/// `repo/name:tag@digest` → (`repo/name`, `tag`, `digest`), each possibly empty.
/// A reference the parts cannot rebuild (an empty tag after `:`) stays whole in the repository,
/// so that the default values still give the k3s image.
fn split_image(image: &str) -> (&str, &str, &str) {
    let (name, digest) = image.split_once('@').unwrap_or((image, ""));
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[slash..].rfind(':') {
        Some(colon) => (&name[..slash + colon], &name[slash + colon + 1..]),
        None => (name, ""),
    };
    if repository.is_empty()
        || (tag.is_empty() && repository != name)
        || (digest.is_empty() && name != image)
    {
        return (image, "", "");
    }
    (repository, tag, digest)
}

fn pretty_json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use super::split_image;
    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir;

    fn project(services: &[&str]) -> ir::Project {
        let workloads = services
            .iter()
            .map(|name| {
                let container = ir::Container {
                    name: (*name).to_owned(),
                    image: "busybox:1.37".to_owned(),
                    ..ir::Container::default()
                };
                let workload = ir::Workload {
                    name: (*name).to_owned(),
                    kind: ir::WorkloadKind::Deployment { replicas: 1 },
                    annotations: IndexMap::new(),
                    dns_aliases: Vec::new(),
                    pod: ir::Pod {
                        containers: vec![container],
                        ..ir::Pod::default()
                    },
                };
                ((*name).to_owned(), workload)
            })
            .collect();
        ir::Project {
            name: "demo".to_owned(),
            workloads,
            ..ir::Project::default()
        }
    }

    #[test]
    fn a_service_named_like_a_chart_setting_moves_with_a_warning() {
        let project = project(&["global", "web"]);
        let mut diagnostics = Diagnostics::new();
        super::check(&project, &ir::Unlocated, &mut diagnostics);
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::HelmValuesKey]);
        let files = super::files(&project, &super::Options::default()).unwrap();
        let values = &files["values.yaml"];
        assert!(values.contains("\nglobal:\n  imagePullSecrets: []\n"));
        assert!(values.contains("\nglobal-service:\n  replicas: 1\n"));
        assert!(
            files["templates/global-deployment.yaml"]
                .starts_with("{{- $v := index .Values \"global-service\" -}}\n")
        );
    }

    #[test]
    fn the_chart_is_the_same_on_every_build() {
        let project = project(&["web", "db"]);
        let options = super::Options {
            k3s_helmchart: true,
            ..super::Options::default()
        };
        let first = super::files(&project, &options).unwrap();
        assert_eq!(super::files(&project, &options).unwrap(), first);
        let names: Vec<&str> = first.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "Chart.yaml",
                "values.yaml",
                "values.schema.json",
                "templates/_helpers.tpl",
                "templates/web-deployment.yaml",
                "templates/db-deployment.yaml",
                "templates/NOTES.txt",
                ".helmignore",
                "helmchart.yaml",
            ]
        );
    }

    #[test]
    fn only_a_whole_required_variable_is_required() {
        let required = |t: &str, prefix: &str| super::required_variable(t, prefix);
        let found = required("${PASSWORD:?set the password}", "").unwrap();
        assert_eq!(
            (found.name.as_str(), found.message.as_str()),
            ("PASSWORD", "set the password")
        );
        assert_eq!(required("A=${A?}", "A=").unwrap().message, "");
        assert!(required("${A:-x}", "").is_none());
        assert!(required("x${A:?m}", "").is_none());
        assert!(required("B=${A:?m}", "A=").is_none());
    }

    #[test]
    fn images_split_into_repository_tag_and_digest() {
        assert_eq!(split_image("nginx"), ("nginx", "", ""));
        assert_eq!(split_image("nginx:1.25"), ("nginx", "1.25", ""));
        assert_eq!(
            split_image("localhost:5000/a/b:v1@sha256:ab"),
            ("localhost:5000/a/b", "v1", "sha256:ab")
        );
        assert_eq!(
            split_image("localhost:5000/a"),
            ("localhost:5000/a", "", "")
        );
        assert_eq!(split_image(":"), (":", "", ""));
        assert_eq!(split_image("app:"), ("app:", "", ""));
        assert_eq!(split_image("app@"), ("app@", "", ""));
    }
}
