//! The template of one k3s object, written straight from the typed object.
//!
//! The object is serialized once, through a serializer that stands in front of the YAML writer
//! and knows where in the object it is ([`Ctx`]). Where a value is one people change between
//! environments, it hands the writer a placeholder token instead (see [`super::template`]) and
//! keeps the value, the default of `values.yaml`. Only the spine that leads to such values is
//! walked this way; every other field goes to the writer untouched. The small parts that are
//! edited as a whole (label maps, selectors, a claim's spec, a `RoleBinding`'s subjects) are read
//! into a [`Tree`], edited, and written from it.
//!
//! Fields the chart adds when the object lacks them (an optional `runtimeClassName`, the image
//! pull secrets) go where the alphabet puts them among the object's fields, which k8s-openapi
//! writes in that order, but never first: the first key of a list item shares its line with the
//! `- ` and could not be conditional.
//!
//! The walk runs again for an object the fast writer hands back (see [`Templater::render`]); what
//! it keeps is set, never appended, so every walk keeps the same values.

use std::cell::RefCell;

use serde::ser::{self, Serialize, SerializeSeq, SerializeStruct, Serializer};

use super::container::{Params, image_expr};
use super::template::{Fill, Templater, quoted};
use super::tree::{Map, Tree, to_tree};
use super::{Emit, NAMESPACE, subjects};
use crate::backends::k3s;
use crate::text::joined;

/// What an object is to the chart: which of its values it parameterises.
pub(super) enum Role<'a> {
    /// The workload of a compose service; `main` is the index of its own container.
    Workload {
        params: Params<'a>,
        main: usize,
    },
    /// A Service; its values sit under `services.<name>` of its compose service.
    Service {
        name: &'a str,
        compose: &'a str,
    },
    /// A claim; its values are under `persistence.<name>`.
    Claim {
        name: &'a str,
    },
    Other,
}

/// One object being walked, and the values found on the way.
pub(super) struct Walk<'a> {
    emit: &'a Emit<'a>,
    t: &'a Templater,
    object: &'a k3s::Object,
    role: Role<'a>,
    found: RefCell<Found>,
}

/// The values the walk replaced by tokens, keyed as in `values.yaml`.
#[derive(Default)]
pub(super) struct Found {
    /// A workload's values, or a Service's `type`.
    pub(super) values: Map,
    /// The main container's image, and its pull policy: the image's values are made of both.
    pub(super) image: Option<String>,
    pub(super) pull_policy: Option<Tree>,
    /// The main container's environment values, by variable.
    pub(super) env: Map,
    /// A Service's port numbers, by port name.
    pub(super) ports: Map,
}

/// Where in the object the writer stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Object,
    /// An object's metadata (`object`), or its pod template's.
    Metadata {
        object: bool,
    },
    /// `spec` of an object the chart does not parameterise beyond its labels.
    Spec,
    WorkloadSpec,
    /// `spec.template`; `pod` when its spec is a parameterised workload's.
    Template {
        pod: bool,
    },
    Pod,
    Containers,
    Container {
        main: bool,
    },
    Env,
    EnvVar,
    EnvFrom,
    EnvFromSource,
    SecretRef,
    Volumes,
    Volume,
    VolumeSecret,
    ServiceSpec,
    Ports,
    Port,
}

impl Ctx {
    /// The context of the field `key`, where the walk goes on into it.
    fn child(self, key: &str, role: &Role<'_>) -> Option<Self> {
        Some(match (self, key) {
            (Self::Object, "metadata") => Self::Metadata { object: true },
            (Self::Object, "spec") => match role {
                Role::Workload { .. } => Self::WorkloadSpec,
                Role::Service { .. } => Self::ServiceSpec,
                Role::Claim { .. } => return None,
                Role::Other => Self::Spec,
            },
            (Self::Spec, "template") => Self::Template { pod: false },
            (Self::WorkloadSpec, "template") => Self::Template { pod: true },
            (Self::Template { .. }, "metadata") => Self::Metadata { object: false },
            (Self::Template { pod: true }, "spec") => Self::Pod,
            (Self::Pod, "containers") => Self::Containers,
            (Self::Pod, "volumes") => Self::Volumes,
            (Self::Container { .. }, "envFrom") => Self::EnvFrom,
            (Self::Container { main: true }, "env") => Self::Env,
            (Self::EnvFromSource, "secretRef") => Self::SecretRef,
            (Self::Volume, "secret") => Self::VolumeSecret,
            (Self::ServiceSpec, "ports") => Self::Ports,
            _ => return None,
        })
    }

    /// Fields the chart writes when the object lacks them, in the order k8s-openapi writes fields.
    fn added(self) -> &'static [&'static str] {
        match self {
            Self::Pod => &[
                "affinity",
                "imagePullSecrets",
                "nodeSelector",
                "runtimeClassName",
                "tolerations",
            ],
            Self::Container { main: true } => &["env", "image", "imagePullPolicy", "resources"],
            Self::ServiceSpec => &["type"],
            Self::Metadata { object: true } => &["namespace"],
            _ => &[],
        }
    }
}

impl<'a> Walk<'a> {
    pub(super) fn new(
        emit: &'a Emit<'a>,
        t: &'a Templater,
        object: &'a k3s::Object,
        role: Role<'a>,
    ) -> Self {
        Self {
            emit,
            t,
            object,
            role,
            found: RefCell::default(),
        }
    }

    pub(super) fn role(&self) -> &Role<'a> {
        &self.role
    }

    /// What the object is to the chart, and the values found, once the object is written.
    pub(super) fn finish(self) -> (Role<'a>, Found) {
        (self.role, self.found.into_inner())
    }

    fn token(&self, fill: Fill) -> String {
        self.t.token(fill)
    }

    /// Keeps `value` under `key` of the values.
    fn keep(&self, key: &'static str, value: Tree) {
        self.found.borrow_mut().values.insert(key, value);
    }

    /// A secret name the chart takes from the secret's values, when it names a compose secret.
    fn secret_name(&self, name: &Tree) -> Option<String> {
        let secret = name
            .as_str()
            .filter(|n| self.emit.project.secrets.contains_key(*n))?;
        let expr = joined(&[
            "index $.Values.secrets ",
            &quoted(secret),
            " \"existingSecret\" | quote",
        ]);
        Some(self.token(Fill::Inline(expr.into())))
    }

    /// The expression of a Service's value `field`.
    fn service_path(name: &str, field: &str) -> String {
        joined(&["index $v \"services\" ", &quoted(name), " ", &quoted(field)])
    }
}

impl Serialize for Walk<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.object.serialize(At {
            inner: serializer,
            ctx: Ctx::Object,
            walk: self,
        })
    }
}

/// A value to serialize in a context.
struct In<'w, 'a, T: ?Sized> {
    value: &'w T,
    ctx: Ctx,
    walk: &'w Walk<'a>,
}

impl<T: Serialize + ?Sized> Serialize for In<'_, '_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(At {
            inner: serializer,
            ctx: self.ctx,
            walk: self.walk,
        })
    }
}

/// The serializer at a context: structs and sequences are walked, everything else is passed on.
struct At<'w, 'a, S> {
    inner: S,
    ctx: Ctx,
    walk: &'w Walk<'a>,
}

/// The serializer's error for what only a bug in stackc causes: a value the walk cannot read, or
/// a parameterised field outside the object that has it.
fn error<E: ser::Error>(error: impl std::fmt::Display) -> E {
    E::custom(error)
}

impl<'w, 'a, S: Serializer> Serializer for At<'w, 'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Items<'w, 'a, S::SerializeSeq>;
    type SerializeTuple = S::SerializeTuple;
    type SerializeTupleStruct = S::SerializeTupleStruct;
    type SerializeTupleVariant = S::SerializeTupleVariant;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = Fields<'w, 'a, S::SerializeStruct>;
    type SerializeStructVariant = S::SerializeStructVariant;

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bool(v)
    }
    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i8(v)
    }
    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i16(v)
    }
    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i32(v)
    }
    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i64(v)
    }
    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u8(v)
    }
    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u16(v)
    }
    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u32(v)
    }
    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u64(v)
    }
    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_f32(v)
    }
    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_f64(v)
    }
    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.inner.serialize_char(v)
    }
    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bytes(v)
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_struct(name)
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let value = In {
            value,
            ctx: self.ctx,
            walk: self.walk,
        };
        self.inner.serialize_newtype_struct(name, &value)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, value)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Items {
            inner: self.inner.serialize_seq(len)?,
            ctx: self.ctx,
            walk: self.walk,
            index: 0,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<S::SerializeTuple, S::Error> {
        self.inner.serialize_tuple(len)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<S::SerializeTupleStruct, S::Error> {
        self.inner.serialize_tuple_struct(name, len)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<S::SerializeTupleVariant, S::Error> {
        self.inner
            .serialize_tuple_variant(name, index, variant, len)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<S::SerializeMap, S::Error> {
        self.inner.serialize_map(len)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Fields {
            inner: self.inner.serialize_struct(name, len)?,
            ctx: self.ctx,
            walk: self.walk,
            added: self.ctx.added(),
            next_added: 0,
            present: 0,
            written: 0,
            name: None,
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<S::SerializeStructVariant, S::Error> {
        self.inner
            .serialize_struct_variant(name, index, variant, len)
    }
}

/// The items of a sequence in a context.
struct Items<'w, 'a, S> {
    inner: S,
    ctx: Ctx,
    walk: &'w Walk<'a>,
    index: usize,
}

impl<S: SerializeSeq> SerializeSeq for Items<'_, '_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), S::Error> {
        let item = match self.ctx {
            Ctx::Containers => Some(Ctx::Container {
                main: matches!(self.walk.role, Role::Workload { main, .. } if main == self.index),
            }),
            Ctx::Env => Some(Ctx::EnvVar),
            Ctx::EnvFrom => Some(Ctx::EnvFromSource),
            Ctx::Volumes => Some(Ctx::Volume),
            Ctx::Ports => Some(Ctx::Port),
            _ => None,
        };
        self.index += 1;
        match item {
            Some(ctx) => self.inner.serialize_element(&In {
                value,
                ctx,
                walk: self.walk,
            }),
            None => self.inner.serialize_element(value),
        }
    }

    fn end(mut self) -> Result<S::Ok, S::Error> {
        if self.ctx == Ctx::Env {
            // The main container's environment ends with the variables users add.
            let extra = self.walk.token(Fill::Lines(
                "{{- with $v.extraEnv }}{{ toYaml . | nindent {N} }}{{- end }}".into(),
            ));
            self.inner.serialize_element(&extra)?;
        }
        self.inner.end()
    }
}

/// The fields of a struct in a context.
struct Fields<'w, 'a, S> {
    inner: S,
    ctx: Ctx,
    walk: &'w Walk<'a>,
    /// [`Ctx::added`]: the fields the chart writes when the object lacks them.
    added: &'static [&'static str],
    /// The first of `added` not yet written or found.
    next_added: usize,
    /// Which of `added` the object has (bit `i` for `added[i]`).
    present: u8,
    written: usize,
    /// The `name` field of an environment variable or a port, which comes before its value.
    name: Option<String>,
}

impl<S: SerializeStruct> Fields<'_, '_, S> {
    /// Writes the added fields that sort before `key` and that the object lacks, unless nothing
    /// has been written yet: those go after the first field.
    fn add_before(&mut self, key: &str) -> Result<(), S::Error> {
        while self.written > 0
            && self
                .added
                .get(self.next_added)
                .is_some_and(|added| *added < key)
        {
            if self.present & (1 << self.next_added) == 0 {
                self.add(self.added[self.next_added], false)?;
            }
            self.next_added += 1;
        }
        Ok(())
    }

    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        let walk = self.walk;
        if let Some(ctx) = self.ctx.child(key, &walk.role) {
            return self.inner.serialize_field(key, &In { value, ctx, walk });
        }
        match (self.ctx, key) {
            (Ctx::Object, "subjects") if walk.object.kind() == "rolebinding" => {
                self.edited(key, value, subjects)
            }
            (Ctx::Object, "spec") => match &walk.role {
                Role::Claim { name } => {
                    self.edited(key, value, |t, spec| walk.emit.claim_spec(t, spec, name))
                }
                _ => self.inner.serialize_field(key, value),
            },
            (Ctx::Metadata { .. }, "labels") => self.edited(key, value, |t, labels| {
                if let Some(labels) = labels.as_map_mut() {
                    walk.emit.labels(t, labels);
                }
            }),
            (Ctx::Spec | Ctx::WorkloadSpec | Ctx::ServiceSpec, "selector") => {
                self.edited(key, value, |t, selector| walk.emit.selectors(t, selector))
            }
            (Ctx::WorkloadSpec, "replicas") => {
                walk.keep("replicas", tree(value)?);
                self.token(key, Fill::Inline("$v.replicas".into()))
            }
            (Ctx::Pod, "runtimeClassName" | "nodeSelector" | "tolerations" | "affinity")
            | (Ctx::Container { main: true }, "resources")
            | (Ctx::ServiceSpec, "type") => {
                walk.keep(key, tree(value)?);
                self.add(key, true)
            }
            (Ctx::Metadata { object: true }, "namespace") | (Ctx::Pod, "imagePullSecrets") => {
                self.add(key, true)
            }
            (Ctx::Container { main: true }, "image") => {
                let image = tree(value)?.as_str().unwrap_or_default().to_owned();
                walk.found.borrow_mut().image = Some(image);
                self.add(key, true)
            }
            (Ctx::Container { main: true }, "imagePullPolicy") => {
                walk.found.borrow_mut().pull_policy = Some(tree(value)?);
                self.add(key, true)
            }
            (Ctx::EnvVar | Ctx::Port, "name") => {
                self.name = tree(value)?.as_str().map(str::to_owned);
                self.inner.serialize_field(key, value)
            }
            (Ctx::EnvVar, "value") => match self.name.take() {
                Some(name) => self.env_value(key, name, tree(value)?),
                None => self.inner.serialize_field(key, value),
            },
            (Ctx::Port, "port") => match self.name.take() {
                Some(name) => self.port(key, name, tree(value)?),
                None => self.inner.serialize_field(key, value),
            },
            (Ctx::SecretRef, "name") | (Ctx::VolumeSecret, "secretName") => {
                match walk.secret_name(&tree(value)?) {
                    Some(token) => self.inner.serialize_field(key, &token),
                    None => self.inner.serialize_field(key, value),
                }
            }
            _ => self.inner.serialize_field(key, value),
        }
    }

    /// Writes the chart's own field `key`: a token in place of the object's value, which the
    /// caller kept (`kept`), or where the object has none, with the default it then keeps.
    fn add(&mut self, key: &'static str, kept: bool) -> Result<(), S::Error> {
        let walk = self.walk;
        let missing = |walk: &Walk<'_>, default: Tree| {
            if !kept {
                walk.keep(key, default);
            }
        };
        let fill = match (self.ctx, key) {
            (Ctx::Pod, "runtimeClassName") => {
                missing(walk, "".into());
                Fill::OptionalScalar("$v.runtimeClassName".into())
            }
            (Ctx::Pod, "nodeSelector" | "affinity") => {
                missing(walk, Map::new().into());
                Fill::OptionalBlock(joined(&["$v.", key]).into())
            }
            (Ctx::Pod, "tolerations") => {
                missing(walk, Tree::Seq(Vec::new()));
                Fill::OptionalBlock("$v.tolerations".into())
            }
            (Ctx::Pod, "imagePullSecrets") => {
                Fill::OptionalBlock("$.Values.global.imagePullSecrets".into())
            }
            (Ctx::Metadata { .. }, "namespace") => Fill::Inline(NAMESPACE.into()),
            (Ctx::Container { .. }, "env") => Fill::OptionalBlock("$v.extraEnv".into()),
            (Ctx::Container { .. }, "image") => {
                if !kept {
                    walk.found.borrow_mut().image = Some(String::new());
                }
                let Role::Workload { params, .. } = &walk.role else {
                    return Err(error("an image outside a workload"));
                };
                Fill::Inline(image_expr(params).into())
            }
            (Ctx::Container { .. }, "imagePullPolicy") => {
                if !kept {
                    walk.found.borrow_mut().pull_policy = Some("".into());
                }
                Fill::OptionalScalar("$v.image.pullPolicy".into())
            }
            (Ctx::Container { .. }, "resources") => {
                missing(walk, Map::new().into());
                Fill::OptionalBlock("$v.resources".into())
            }
            (Ctx::ServiceSpec, "type") => {
                missing(walk, "".into());
                let Role::Service { name, .. } = &walk.role else {
                    return Err(error("a Service type outside a Service"));
                };
                let path = Walk::service_path(name, "type");
                Fill::OptionalScalar(joined(&["(", &path, ")"]).into())
            }
            _ => return Err(error(format_args!("no value for the field `{key}`"))),
        };
        self.token(key, fill)
    }

    fn token(&mut self, key: &'static str, fill: Fill) -> Result<(), S::Error> {
        let token = self.walk.token(fill);
        self.inner.serialize_field(key, &token)
    }

    /// Reads `value` into a tree, lets `edit` change it, and writes it.
    fn edited<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
        edit: impl FnOnce(&Templater, &mut Tree),
    ) -> Result<(), S::Error> {
        let mut value = tree(value)?;
        edit(self.walk.t, &mut value);
        self.inner.serialize_field(key, &value)
    }

    fn env_value(&mut self, key: &'static str, name: String, value: Tree) -> Result<(), S::Error> {
        let Role::Workload { params, .. } = &self.walk.role else {
            return Err(error("an environment outside a workload"));
        };
        let expr = params.guard(
            format_args!("environment.{name}"),
            joined(&["index $v.env ", &quoted(&name)]),
            format_args!("env.{name}"),
        );
        let fill = Fill::Inline(joined(&[&expr, " | toString | quote"]).into());
        self.walk.found.borrow_mut().env.insert(name, value);
        self.token(key, fill)
    }

    fn port(&mut self, key: &'static str, name: String, number: Tree) -> Result<(), S::Error> {
        let Role::Service { name: service, .. } = &self.walk.role else {
            return Err(error("a port outside a Service"));
        };
        let expr = joined(&[&Walk::service_path(service, "ports"), " ", &quoted(&name)]);
        self.walk.found.borrow_mut().ports.insert(name, number);
        self.token(key, Fill::Inline(expr.into()))
    }
}

fn tree<T: Serialize + ?Sized, E: ser::Error>(value: &T) -> Result<Tree, E> {
    to_tree(value).map_err(error)
}

impl<S: SerializeStruct> SerializeStruct for Fields<'_, '_, S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        self.add_before(key)?;
        if let Some(at) = self.added.iter().position(|added| *added == key) {
            self.present |= 1 << at;
        }
        self.field(key, value)?;
        self.written += 1;
        if self.written == 1 {
            self.add_before(key)?;
        }
        Ok(())
    }

    fn end(mut self) -> Result<S::Ok, S::Error> {
        for at in self.next_added..self.added.len() {
            if self.present & (1 << at) == 0 {
                self.add(self.added[at], false)?;
            }
        }
        self.inner.end()
    }
}
