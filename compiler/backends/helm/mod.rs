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
//! globally, image pull secrets, and whether the NetworkPolicies of `--network-policies` are
//! applied. Objects go to `.Release.Namespace`.

mod chart;
mod container;
mod object;
mod package;
mod required;
mod template;
mod tree;
mod values;

use indexmap::IndexMap;

use self::container::{Params, image_values};
use self::object::{Found, Role, Walk};
pub use self::required::{Required, required};
use self::template::{Fill, Templater, put, quoted};
use self::tree::{Map, Tree};
use self::values::Values;
use super::k3s;
use super::yaml::YamlError;
use super::{Files, SOURCE_ANNOTATION};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::names::label_value;
use crate::ir::{self, Locate};
use crate::text::joined;

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

/// Why the chart could not be written; only a bug in stackc can cause it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Yaml(#[from] YamlError),
    /// A Kubernetes object could not be turned into a tree to template.
    #[error("cannot read a Kubernetes object as a tree of values")]
    Json(#[from] serde_json::Error),
    /// A template expression was asked for where YAML cannot hold one.
    #[error("cannot place a template expression on the line `{0}`")]
    Placement(String),
}

/// The first line of a NetworkPolicy's template: `global.networkPolicies: false` leaves them
/// all out, for a cluster whose own policies govern the namespace.
const NETWORK_POLICIES_ON: &str = "{{- if $.Values.global.networkPolicies }}\n";

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
        part_of: label_value(&project.name),
        labels: format!(
            "{{{{- include {} $ | nindent {{N}} }}}}",
            quoted(&format!("{chart}.labels"))
        ),
        selector_labels: quoted(&format!("{chart}.selectorLabels")),
        image_include: joined(&["include ", &quoted(&format!("{chart}.image")), " $v.image"]),
        keys: value_keys(project),
        values: Values::new(),
        templates: Files::default(),
    };
    let mut global = Map::from([("imagePullSecrets", Tree::Seq(Vec::new()))]);
    if !project.network_policies.is_empty() {
        global.insert("networkPolicies".to_owned(), Tree::Bool(true));
    }
    emit.values.insert("global".to_owned(), global.into());
    let k3s_options = k3s::Options {
        namespace: Some(String::new()),
    };
    for rendered in k3s::map_objects(project, &k3s_options, |object| emit.object(object)) {
        let rendered = rendered?;
        emit.contribute(rendered.values);
        emit.templates.insert(rendered.file, rendered.text);
    }
    emit.ingresses()?;
    emit.secrets()?;
    for key in emit.keys.values() {
        if let Some(Tree::Map(service)) = emit.values.get_mut(key) {
            service.sort_by_key(field_rank);
        }
    }

    let values = emit.values;
    // The values' YAML, their schema and the notes are each a walk of every service's values;
    // the schema costs about as much as the other two.
    let ((values_yaml, notes), schema) = crate::parallel::join(
        || {
            (
                values::values_yaml(&chart, &values),
                chart::notes(project, &values),
            )
        },
        || values::schema_json(&values),
    );
    let mut files = Files::default();
    files.insert("Chart.yaml".to_owned(), chart::chart_yaml(project, &chart)?);
    files.insert("values.yaml".to_owned(), values_yaml?);
    files.insert("values.schema.json".to_owned(), schema);
    files.insert(
        "templates/_helpers.tpl".to_owned(),
        chart::helpers(&chart, &project.name),
    );
    files.extend(emit.templates);
    files.insert("templates/NOTES.txt".to_owned(), notes);
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
    // Freeing every service's values takes milliseconds at a thousand services; a pool thread
    // does it while the files are written, off the main thread's path.
    crate::parallel::ahead(move || drop(values));
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
    /// The `app.kubernetes.io/part-of` label of every object.
    part_of: String,
    /// The line that includes Helm's release labels.
    labels: String,
    /// The quoted name of the selector labels helper.
    selector_labels: String,
    /// The expression of a main container's image, before the required-variable guard.
    image_include: String,
    /// Compose service → key in `values.yaml`.
    keys: IndexMap<String, String>,
    values: Values,
    templates: Files,
}

/// One object's template, from [`Emit::object`].
struct Rendered {
    file: String,
    text: String,
    values: Contribution,
}

/// What one object adds to `values.yaml`.
enum Contribution {
    None,
    /// The workload's own values of a compose service.
    Workload {
        compose: String,
        values: Map,
    },
    /// One Service's type and ports, under the compose service's `services`.
    Service {
        compose: String,
        name: String,
        values: Tree,
    },
    /// A claim's size, class and access mode, under `persistence`.
    Claim {
        name: String,
        values: Tree,
    },
}

/// The release namespace, quoted.
const NAMESPACE: &str = "$.Release.Namespace | quote";

impl Emit<'_> {
    /// An object's template, and what it adds to the chart's values. It reads only the chart's
    /// settings, so that objects can be templated on several threads; the values are added
    /// after, in object order ([`Emit::contribute`]).
    fn object(&self, object: &k3s::Object) -> Result<Rendered, Error> {
        let t = Templater::default();
        let walk = Walk::new(self, &t, object, self.role(object));
        let header = match walk.role() {
            Role::Workload { params, .. } => self.bind(params.compose),
            Role::Service { compose, .. } => self.bind(compose),
            Role::Claim { .. } | Role::Other => String::new(),
        };
        let mut text = t.render(&header, &walk)?;
        if matches!(object, k3s::Object::NetworkPolicy(_)) {
            text = joined(&[NETWORK_POLICIES_ON, &text, "{{- end }}\n"]);
        }
        Ok(Rendered {
            file: joined(&["templates/", &object.file_name()]),
            text,
            values: contribution(self.project, walk),
        })
    }

    /// What the chart parameterises in `object`, by kind name, so that a kind the k3s target
    /// adds later is written as it is (with the release namespace and labels) until it gets
    /// values of its own.
    fn role<'s>(&'s self, object: &'s k3s::Object) -> Role<'s> {
        let name = object.name();
        match object.kind() {
            "deployment" | "daemonset" | "job" => {
                let Some((compose, workload)) = self.workload_of(name) else {
                    return Role::Other;
                };
                let main = workload
                    .pod
                    .containers
                    .iter()
                    .position(|c| c.name == workload.name)
                    .unwrap_or(0);
                let params = Params {
                    image_include: &self.image_include,
                    compose,
                    values_key: self.keys.get(compose).map_or(compose, String::as_str),
                    required: self.required,
                };
                Role::Workload { params, main }
            }
            // A headless Service has neither a type nor ports to set.
            "service" => match self.project.services.get(name) {
                Some(service) if service.kind != ir::ServiceKind::Headless => Role::Service {
                    name,
                    compose: &service.workload,
                },
                _ => Role::Other,
            },
            "persistentvolumeclaim" if self.project.claims.contains_key(name) => {
                Role::Claim { name }
            }
            _ => Role::Other,
        }
    }

    fn contribute(&mut self, contribution: Contribution) {
        match contribution {
            Contribution::None => {}
            Contribution::Workload { compose, values } => {
                let service = self.service_values(&compose);
                for (k, val) in values.into_entries() {
                    service.insert(k, val);
                }
            }
            Contribution::Service {
                compose,
                name,
                values,
            } => {
                let service = self.service_values(&compose);
                let services = service.entry("services", || Map::new().into());
                if let Some(services) = services.as_map_mut() {
                    services.insert(name, values);
                }
            }
            Contribution::Claim { name, values } => {
                let persistence = self
                    .values
                    .entry("persistence".to_owned())
                    .or_insert_with(|| Map::new().into());
                if let Some(persistence) = persistence.as_map_mut() {
                    persistence.insert(name, values);
                }
            }
        }
    }

    /// An object's metadata: the namespace from the release, and Helm's release labels beside
    /// the k3s ones.
    fn object_metadata(&self, t: &Templater, metadata: &mut Tree) {
        let Some(meta) = metadata.as_map_mut() else {
            return;
        };
        put(meta, "namespace", t.value(Fill::Inline(NAMESPACE.into())));
        if let Some(labels) = meta.get_mut("labels").and_then(Tree::as_map_mut) {
            self.labels(t, labels);
        }
    }

    /// The labels of an object or a pod: Helm's release labels beside the k3s ones, which go
    /// through the helpers.
    fn labels(&self, t: &Templater, labels: &mut Map) {
        labels.remove("app.kubernetes.io/managed-by");
        self.selector(t, labels);
        let include = t.token(Fill::Lines(self.labels.clone().into()));
        labels.insert(include.clone(), Tree::Str(include));
    }

    /// A selector: a map of labels (a Service's) or a label selector with `matchLabels`.
    fn selectors(&self, t: &Templater, selector: &mut Tree) {
        if let Some(labels) = selector.as_map_mut() {
            self.selector(t, labels);
        }
        if let Some(labels) = selector.get_mut("matchLabels").and_then(Tree::as_map_mut) {
            self.selector(t, labels);
        }
    }

    /// Writes the k3s selector labels through the `selectorLabels` helper when `labels` holds
    /// exactly them; other labels stay literal.
    fn selector(&self, t: &Templater, labels: &mut Map) {
        const NAME: &str = "app.kubernetes.io/name";
        const PART_OF: &str = "app.kubernetes.io/part-of";
        if labels.get(PART_OF).and_then(Tree::as_str) != Some(self.part_of.as_str()) {
            return;
        }
        let Some(name) = labels.get(NAME).and_then(Tree::as_str).map(quoted) else {
            return;
        };
        labels.remove(NAME);
        labels.remove(PART_OF);
        let include = joined(&[
            "{{- include ",
            &self.selector_labels,
            " ",
            &name,
            " | nindent {N} }}",
        ]);
        let include = t.token(Fill::Lines(include.into()));
        labels.insert_at(0, include.clone(), Tree::Str(include));
    }

    fn workload_of(&self, name: &str) -> Option<(&String, &ir::Workload)> {
        let compose = self.by_name.get(name)?;
        self.project.workloads.get_key_value(*compose)
    }

    /// Values of a compose service, created on first use.
    fn service_values(&mut self, compose: &str) -> &mut Map {
        let key = self
            .keys
            .get(compose)
            .cloned()
            .unwrap_or_else(|| compose.to_owned());
        self.values
            .entry(key)
            .or_insert_with(|| Map::new().into())
            .as_map_mut()
            .expect("service values are a mapping")
    }

    /// The header binding `$v` to a service's values.
    fn bind(&self, compose: &str) -> String {
        let key = self.keys.get(compose).map_or(compose, String::as_str);
        joined(&["{{- $v := index .Values ", &quoted(key), " -}}\n"])
    }

    /// A claim's size, class and access mode come from `persistence.<name>`.
    fn claim_spec(&self, t: &Templater, spec: &mut Tree, name: &str) {
        if let Some(selector) = spec.get_mut("selector") {
            self.selectors(t, selector);
        }
        let Some(spec) = spec.as_map_mut() else {
            return;
        };
        let quoted_name = quoted(name);
        let p = |field: &str| format!("index .Values.persistence {quoted_name} {}", quoted(field));
        let mode = t.value(Fill::Inline(format!("{} | quote", p("accessMode")).into()));
        put(spec, "accessModes", Tree::Seq(vec![mode]));
        put(
            spec,
            "storageClassName",
            t.value(Fill::OptionalScalar(
                format!("({})", p("storageClass")).into(),
            )),
        );
        if let Some(storage) = spec
            .get_mut("resources")
            .and_then(|r| r.at(&["requests", "storage"]))
        {
            *storage = t.value(Fill::Inline(format!("{} | quote", p("size")).into()));
        }
    }
}

/// The `ServiceAccount` a wait's `RoleBinding` names lives in the release namespace.
fn subjects(t: &Templater, subjects: &mut Tree) {
    if let Some(subjects) = subjects.as_seq_mut() {
        for subject in subjects.iter_mut().filter_map(Tree::as_map_mut) {
            put(
                subject,
                "namespace",
                t.value(Fill::Inline(NAMESPACE.into())),
            );
        }
    }
}

/// What an object's walk adds to the chart's values.
fn contribution(project: &ir::Project, walk: Walk<'_>) -> Contribution {
    let (role, found) = walk.finish();
    match role {
        Role::Workload { params, .. } => Contribution::Workload {
            compose: params.compose.to_owned(),
            values: workload_values(found),
        },
        Role::Service { name, compose } => {
            let Found {
                mut values, ports, ..
            } = found;
            let kind = values.remove("type").unwrap_or_else(|| "".into());
            Contribution::Service {
                compose: compose.to_owned(),
                name: name.to_owned(),
                values: Map::from([("type", kind), ("ports", ports.into())]).into(),
            }
        }
        Role::Claim { name } => {
            let Some(claim) = project.claims.get(name) else {
                return Contribution::None;
            };
            let values = Map::from([
                ("size", claim.size.quantity().into()),
                (
                    "storageClass",
                    claim.storage_class.clone().unwrap_or_default().into(),
                ),
                ("accessMode", claim.access_mode.as_str().into()),
            ]);
            Contribution::Claim {
                name: name.to_owned(),
                values: values.into(),
            }
        }
        Role::Other => Contribution::None,
    }
}

/// A workload's values, in the order of `values.yaml`'s first fields.
fn workload_values(found: Found) -> Map {
    let Found {
        mut values,
        image,
        pull_policy,
        env,
        ..
    } = found;
    let mut v = Map::new();
    if let Some(replicas) = values.remove("replicas") {
        v.insert("replicas", replicas);
    }
    if let Some(image) = image {
        let pull_policy = pull_policy.unwrap_or_else(|| "".into());
        v.insert("image", image_values(&image, pull_policy));
        v.insert("env", env.into());
        v.insert("extraEnv", Tree::Seq(Vec::new()));
    }
    for (key, value) in values.into_entries() {
        v.insert(key, value);
    }
    v
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
        let workloads: Vec<(&String, &ir::Workload)> = project.workloads.iter().collect();
        let rendered = crate::parallel::map(&workloads, |(compose, workload)| {
            let published = first_published.get(compose.as_str()).copied();
            let (service, published) = project.services.get(&workload.name).zip(published)?;
            let tcp = |p: &&ir::ServicePort| p.protocol == ir::Protocol::Tcp;
            let port = service
                .ports
                .iter()
                .filter(tcp)
                .find(|p| p.target_port == published.target_port)
                .or_else(|| service.ports.iter().find(tcp))?;
            let t = Templater::default();
            let mut value = self.ingress(&t, workload, service, port);
            if let Some(metadata) = value.get_mut("metadata") {
                self.object_metadata(&t, metadata);
            }
            let header = format!("{}{{{{- if $v.ingress.enabled }}}}\n", self.bind(compose));
            Some(t.render(&header, &value).map(|mut text| {
                text.push_str("{{- end }}\n");
                text
            }))
        });
        for ((compose, workload), text) in workloads.into_iter().zip(rendered) {
            let Some(text) = text.transpose()? else {
                continue;
            };
            self.templates
                .insert(format!("templates/{}-ingress.yaml", workload.name), text);
            self.service_values(compose).insert(
                "ingress",
                Map::from([
                    ("enabled", false.into()),
                    ("className", "traefik".into()),
                    ("host", "".into()),
                    ("path", "/".into()),
                    ("pathType", "Prefix".into()),
                    ("annotations", Map::new().into()),
                    ("tls", Tree::Seq(Vec::new())),
                ])
                .into(),
            );
        }
        Ok(())
    }

    /// The Ingress of `workload`: to `port` of `service`, with its class, host, path and TLS
    /// from the values.
    fn ingress(
        &self,
        t: &Templater,
        workload: &ir::Workload,
        service: &ir::Service,
        port: &ir::ServicePort,
    ) -> Tree {
        let annotations = t.value(Fill::OptionalBlock("$v.ingress.annotations".into()));
        let metadata = Map::from([
            ("name", workload.name.as_str().into()),
            ("namespace", "".into()),
            (
                "labels",
                Map::from([
                    ("app.kubernetes.io/name", label_value(&workload.name).into()),
                    ("app.kubernetes.io/part-of", self.part_of.as_str().into()),
                ])
                .into(),
            ),
            ("annotations", annotations),
        ]);
        let class = t.value(Fill::OptionalScalar("$v.ingress.className".into()));
        let tls = t.value(Fill::OptionalBlock("$v.ingress.tls".into()));
        let backend = Map::from([(
            "service",
            Map::from([
                ("name", service.name.as_str().into()),
                (
                    "port",
                    Map::from([("name", port.name.as_str().into())]).into(),
                ),
            ])
            .into(),
        )]);
        let path = Map::from([
            (
                "path",
                t.value(Fill::Inline("$v.ingress.path | quote".into())),
            ),
            (
                "pathType",
                t.value(Fill::Inline("$v.ingress.pathType | quote".into())),
            ),
            ("backend", backend.into()),
        ]);
        let http = Map::from([("paths", Tree::Seq(vec![path.into()]))]);
        let rule = Map::from([
            ("http", http.into()),
            (
                "host",
                t.value(Fill::OptionalScalar("$v.ingress.host".into())),
            ),
        ]);
        let spec = Map::from([
            ("ingressClassName", class),
            ("tls", tls),
            ("rules", Tree::Seq(vec![rule.into()])),
        ]);
        Tree::Map(Map::from([
            ("apiVersion", "networking.k8s.io/v1".into()),
            ("kind", "Ingress".into()),
            ("metadata", metadata.into()),
            ("spec", spec.into()),
        ]))
    }

    /// Each compose secret names an existing Secret by default; with `create: true` the chart
    /// creates it from `data`, and every key the workloads read is required.
    fn secrets(&mut self) -> Result<(), Error> {
        let project = self.project;
        let mut secrets = Map::new();
        for (name, secret) in &project.secrets {
            let t = Templater::default();
            let keys: Vec<&String> = secret
                .data
                .as_ref()
                .map_or_else(|| vec![&secret.key], |d| d.keys().collect());
            let data: Map = keys
                .into_iter()
                .map(|key| {
                    let message = format!("set secrets.{name}.data.{key}, or create the Secret yourself and set secrets.{name}.create=false");
                    let expr = format!("required {} (index $s.data {}) | toString | quote", quoted(&message), quoted(key));
                    (key.clone(), t.value(Fill::Inline(expr.into())))
                })
                .collect();
            let metadata = Map::from([
                (
                    "name",
                    t.value(Fill::Inline("$s.existingSecret | quote".into())),
                ),
                ("namespace", "".into()),
                (
                    "labels",
                    Map::from([
                        ("app.kubernetes.io/name", label_value(name).into()),
                        ("app.kubernetes.io/part-of", self.part_of.as_str().into()),
                    ])
                    .into(),
                ),
            ]);
            let mut value = Tree::Map(Map::from([
                ("apiVersion", "v1".into()),
                ("kind", "Secret".into()),
                ("metadata", metadata.into()),
                ("type", "Opaque".into()),
                ("stringData", data.into()),
            ]));
            provenance(&mut value, secret.provenance.as_ref());
            if let Some(metadata) = value.get_mut("metadata") {
                self.object_metadata(&t, metadata);
            }
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
                Map::from([
                    ("existingSecret", name.as_str().into()),
                    ("create", false.into()),
                    ("data", Map::new().into()),
                ])
                .into(),
            );
        }
        if !secrets.is_empty() {
            self.values.insert("secrets".to_owned(), secrets.into());
        }
        Ok(())
    }
}

/// The `stackc.io/source` annotation of a Secret the chart writes itself (the objects made from
/// k3s objects carry it already).
fn provenance(value: &mut Tree, provenance: Option<&String>) {
    let Some(source) = provenance else { return };
    if let Some(meta) = value.get_mut("metadata").and_then(Tree::as_map_mut) {
        let annotations = Map::from_iter([(SOURCE_ANNOTATION.to_owned(), source.as_str().into())]);
        put(meta, "annotations", annotations.into());
    }
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;

    use crate::diagnostics::{Code, Diagnostics};
    use crate::ir;

    fn project(services: &[&str]) -> ir::Project {
        let workloads = services
            .iter()
            .map(|name| {
                let container = ir::Container {
                    name: (*name).to_owned(),
                    service: (*name).to_owned(),
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
                    depends_on: Vec::new(),
                    joins: None,
                    named: false,
                    dns_round_robin: false,
                    rollout: None,
                    provenance: None,
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
    fn fields_the_chart_adds_go_where_the_alphabet_puts_them_but_never_first() {
        let files = super::files(&project(&["web"]), &super::Options::default()).unwrap();
        let template = &files["templates/web-deployment.yaml"];
        // `env` sorts before `image`, the container's first field, so it comes second.
        let container = "      - image: {{ include \"demo.image\" $v.image | quote }}\n        {{- with $v.extraEnv }}\n        env:\n          {{- toYaml . | nindent 10 }}\n        {{- end }}\n        {{- with $v.image.pullPolicy }}\n        imagePullPolicy: {{ . | quote }}\n        {{- end }}\n        name: web\n";
        assert!(template.contains(container), "{template}");
        assert!(template.contains("\n      {{- with $v.runtimeClassName }}\n      runtimeClassName: {{ . | quote }}\n      {{- end }}\n"), "{template}");
        let values = &files["values.yaml"];
        assert!(values.contains("\nweb:\n  replicas: 1\n  image:\n    repository: busybox\n    tag: \"1.37\"\n    digest: \"\"\n    pullPolicy: \"\"\n  env: {}\n  extraEnv: []\n  resources: {}\n  runtimeClassName: \"\"\n"), "{values}");
    }

    /// A value the fast writer cannot write sends the object down the line-by-line path, which
    /// walks it again: the template and the values must be those of one walk.
    #[test]
    fn an_object_written_twice_keeps_one_set_of_values() {
        let mut project = project(&["web"]);
        let container = &mut project.workloads["web"].pod.containers[0];
        container.args = Some(vec!["echo one\necho two".to_owned()]);
        container
            .env
            .insert("SCRIPT".to_owned(), "one\ntwo".to_owned());
        container.env.insert("PLAIN".to_owned(), "x".to_owned());
        let files = super::files(&project, &super::Options::default()).unwrap();
        let template = &files["templates/web-deployment.yaml"];
        assert!(
            template.contains("        env:\n        - name: SCRIPT\n          value: {{ index $v.env \"SCRIPT\" | toString | quote }}\n        - name: PLAIN\n          value: {{ index $v.env \"PLAIN\" | toString | quote }}\n        {{- with $v.extraEnv }}{{ toYaml . | nindent 8 }}{{- end }}\n"),
            "{template}"
        );
        assert!(!template.contains("zzstackc"), "{template}");
        let values = &files["values.yaml"];
        assert!(
            values.contains("\n  env:\n    SCRIPT: \"one\\ntwo\"\n    PLAIN: x\n  extraEnv: []\n"),
            "{values}"
        );
    }

    #[test]
    fn standard_labels_go_through_the_helpers_and_the_others_stay() {
        let mut project = project(&["web"]);
        project.workloads["web"].pod.colocation = Some("demo-data".to_owned());
        let files = super::files(&project, &super::Options::default()).unwrap();
        let template = &files["templates/web-deployment.yaml"];
        let selector = "{{- include \"demo.selectorLabels\" \"web\" | nindent";
        let release = "{{- include \"demo.labels\" $ | nindent";
        let object =
            format!("  labels:\n    {selector} 4 }}}}\n    {release} 4 }}}}\n  name: web\n");
        assert!(template.contains(&object), "{template}");
        let matched = format!("    matchLabels:\n      {selector} 6 }}}}\n  template:\n");
        assert!(template.contains(&matched), "{template}");
        let pod = format!(
            "      labels:\n        {selector} 8 }}}}\n        stackc.io/colocation: demo-data\n        {release} 8 }}}}\n"
        );
        assert!(template.contains(&pod), "{template}");
        assert!(!template.contains("managed-by"), "{template}");
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
}
