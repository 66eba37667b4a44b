//! A [`Deserializer`] that reads the model straight from the frontend's [`Node`] tree.
//!
//! Binding used to convert the whole tree to a `serde_json::Value`, move the `x-*` keys, then
//! decode that value: three copies of every key and string. This deserializer walks the tree in
//! place and presents it exactly as that value would have been presented: the same `visit_*`
//! calls, the same error messages, and compose-go's `processExtensions` applied on the fly (each
//! object's `x-*` keys appear under one `#extensions` key at its end, and a secret's `x-#value`
//! appears as its `content`).

use std::fmt;

use serde::Deserialize as _;
use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};

use super::EXTENSIONS_KEY;
use crate::frontend::node::{Map, Node, Value};

/// A decoding error: only its message is kept, as `serde_json::Error` keeps it.
#[derive(Debug)]
pub(super) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }

    // serde_json words these two its own way (`null`, floats printed shortest).
    fn invalid_type(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self(serde_json::Error::invalid_type(unexpected, expected).to_string())
    }

    fn invalid_value(unexpected: Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self(serde_json::Error::invalid_value(unexpected, expected).to_string())
    }
}

/// Where a mapping sits in the compose tree, which decides how its `x-*` keys are read
/// (compose-go's `processExtensions` skips mappings whose keys are user-chosen names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Root,
    /// The root, with `services` left out, to be decoded on their own.
    RootWithoutServices,
    /// `services`.
    Services,
    /// `services.<name>`.
    Service,
    /// `secrets`.
    Secrets,
    /// `secrets.<name>`: its `x-#value` is the secret's `content`.
    Secret,
    /// `volumes`, `networks`, `configs`, `services.<name>.depends_on`: keys are names.
    Names,
    /// Anywhere else: `x-*` keys are extensions.
    Other,
    /// Inside an extension's value: read as written.
    Raw,
}

impl Place {
    fn child(self, key: Option<&str>) -> Self {
        let place = if self == Self::RootWithoutServices {
            Self::Root
        } else {
            self
        };
        match (place, key) {
            (Self::Root, Some("services")) => Self::Services,
            (Self::Root, Some("secrets")) => Self::Secrets,
            (Self::Root, Some("volumes" | "networks" | "configs"))
            | (Self::Service, Some("depends_on")) => Self::Names,
            (Self::Services, _) => Self::Service,
            (Self::Secrets, Some(_)) => Self::Secret,
            (Self::Raw, _) => Self::Raw,
            _ => Self::Other,
        }
    }

    fn extracts(self) -> bool {
        !matches!(
            self,
            Self::Services | Self::Secrets | Self::Names | Self::Raw
        )
    }
}

/// One value to decode: a node, or the `#extensions` mapping gathered from a node's `x-*` keys.
#[derive(Debug, Clone, Copy)]
pub(super) enum Item<'a> {
    Node(&'a Node, Place),
    Extensions(&'a Map, Place),
}

/// A value's shape as `serde_json::Value` would have it.
enum Shape<'a> {
    Null,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Str(&'a str),
    Seq(&'a [Node], Place),
    Map(&'a Map, Place, Mode),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Every key as written.
    Plain,
    /// `x-*` keys moved under `#extensions`.
    Extract,
    /// Only the `x-*` keys: the `#extensions` mapping itself.
    ExtensionsOnly,
}

impl<'a> Item<'a> {
    fn shape(self) -> Shape<'a> {
        let (node, place) = match self {
            Item::Extensions(map, place) => return Shape::Map(map, place, Mode::ExtensionsOnly),
            Item::Node(node, place) => (node, place),
        };
        match &node.value {
            Value::Bool(b) => Shape::Bool(*b),
            Value::Int(i) => u64::try_from(*i).map_or(Shape::Signed(*i), Shape::Unsigned),
            Value::Uint(u) => Shape::Unsigned(*u),
            Value::Float(f) if f.is_finite() => Shape::Float(*f),
            // The model's untyped values are JSON, which has no infinities or NaN. Compose only
            // prints them (an environment value, a label), as Go's words for them.
            Value::Float(f) if f.is_nan() => Shape::Str("NaN"),
            Value::Float(f) => Shape::Str(if *f > 0.0 { "+Inf" } else { "-Inf" }),
            Value::Null => Shape::Null,
            Value::Str(s) => Shape::Str(s),
            Value::Seq(items) => Shape::Seq(items, place),
            Value::Map(map) => {
                let mode = if place.extracts() {
                    Mode::Extract
                } else {
                    Mode::Plain
                };
                Shape::Map(map, place, mode)
            }
        }
    }
}

impl<'a> Shape<'a> {
    fn unexpected(&self) -> Unexpected<'a> {
        match *self {
            Shape::Null => Unexpected::Unit,
            Shape::Bool(b) => Unexpected::Bool(b),
            Shape::Unsigned(u) => Unexpected::Unsigned(u),
            Shape::Signed(i) => Unexpected::Signed(i),
            Shape::Float(f) => Unexpected::Float(f),
            Shape::Str(s) => Unexpected::Str(s),
            Shape::Seq(..) => Unexpected::Seq,
            Shape::Map(..) => Unexpected::Map,
        }
    }
}

fn visit_seq<'de, V: Visitor<'de>>(
    items: &[Node],
    place: Place,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Items {
        items: items.iter(),
        place: place.child(None),
    };
    let value = visitor.visit_seq(&mut access)?;
    if access.items.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

fn visit_map<'de, V: Visitor<'de>>(
    map: &Map,
    place: Place,
    mode: Mode,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = Entries::new(map, place, mode);
    let value = visitor.visit_map(&mut access)?;
    if access.next_entry().is_none() {
        Ok(value)
    } else {
        let len = Entries::new(map, place, mode).count();
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
                match self.shape() {
                    Shape::Unsigned(u) => visitor.visit_u64(u),
                    Shape::Signed(i) => visitor.visit_i64(i),
                    Shape::Float(f) => visitor.visit_f64(f),
                    other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
                }
            }
        )*
    };
}

/// Each method answers as `serde_json::Value`'s own `Deserializer` impl does.
impl<'de> Deserializer<'de> for Item<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Null => visitor.visit_unit(),
            Shape::Bool(b) => visitor.visit_bool(b),
            Shape::Unsigned(u) => visitor.visit_u64(u),
            Shape::Signed(i) => visitor.visit_i64(i),
            Shape::Float(f) => visitor.visit_f64(f),
            Shape::Str(s) => visitor.visit_str(s),
            Shape::Seq(items, place) => visit_seq(items, place, visitor),
            Shape::Map(map, place, mode) => visit_map(map, place, mode, visitor),
        }
    }

    numbers!(
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    /// No model type is an externally tagged enum read from a mapping: the rare enum goes
    /// through `serde_json::Value` to keep its exact rules.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        let value = serde_json::Value::deserialize(self)?;
        value
            .deserialize_enum(name, variants, visitor)
            .map_err(|e| Error(e.to_string()))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Bool(b) => visitor.visit_bool(b),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Str(s) => visitor.visit_str(s),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Str(s) => visitor.visit_str(s),
            Shape::Seq(items, place) => visit_seq(items, place, visitor),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Null => visitor.visit_unit(),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Seq(items, place) => visit_seq(items, place, visitor),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Map(map, place, mode) => visit_map(map, place, mode, visitor),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.shape() {
            Shape::Seq(items, place) => visit_seq(items, place, visitor),
            Shape::Map(map, place, mode) => visit_map(map, place, mode, visitor),
            other => Err(de::Error::invalid_type(other.unexpected(), &visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Node>,
    place: Place,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.items
            .next()
            .map(|node| seed.deserialize(Item::Node(node, self.place)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a mapping, in the order the processed JSON object had them: the plain keys,
/// then `#extensions`, then a secret's `content` when it came from `x-#value`.
struct Entries<'a> {
    map: &'a Map,
    place: Place,
    mode: Mode,
    next: usize,
    /// 0: the mapping's own entries; 1: `#extensions`; 2: `content`; 3: done.
    phase: u8,
    /// A secret's `x-#value`, shown as its `content`.
    secret_value: Option<&'a Node>,
    value: Option<Item<'a>>,
}

impl<'a> Entries<'a> {
    fn new(map: &'a Map, place: Place, mode: Mode) -> Self {
        let secret_value = if place == Place::Secret {
            map.get("x-#value")
                .map(|e| &e.node)
                .filter(|n| matches!(n.value, Value::Str(_)))
        } else {
            None
        };
        Self {
            map,
            place,
            mode,
            next: 0,
            phase: 0,
            secret_value,
            value: None,
        }
    }

    fn is_extension(&self, key: &str) -> bool {
        key.starts_with("x-") && !(self.secret_value.is_some() && key == "x-#value")
    }

    fn next_entry(&mut self) -> Option<(&'a str, Item<'a>)> {
        if self.phase == 0 {
            while let Some((key, entry)) = self.map.get_index(self.next) {
                self.next += 1;
                let node = &entry.node;
                match self.mode {
                    Mode::Plain => {
                        return Some((key, Item::Node(node, self.place.child(Some(key)))));
                    }
                    Mode::ExtensionsOnly => {
                        if self.is_extension(key) {
                            return Some((key, Item::Node(node, Place::Raw)));
                        }
                    }
                    Mode::Extract => {
                        if key.starts_with("x-")
                            || (self.place == Place::RootWithoutServices && key == "services")
                        {
                            continue;
                        }
                        if key == "content" {
                            if let Some(secret) = self.secret_value {
                                return Some((key, Item::Node(secret, Place::Other)));
                            }
                        }
                        return Some((key, Item::Node(node, self.place.child(Some(key)))));
                    }
                }
            }
            self.phase = if self.mode == Mode::Extract { 1 } else { 3 };
        }
        if self.phase == 1 {
            self.phase = 2;
            if self.map.keys().any(|k| self.is_extension(k)) {
                return Some((EXTENSIONS_KEY, Item::Extensions(self.map, self.place)));
            }
        }
        if self.phase == 2 {
            self.phase = 3;
            if let Some(secret) = self.secret_value {
                if !self.map.contains_key("content") {
                    return Some(("content", Item::Node(secret, Place::Other)));
                }
            }
        }
        None
    }

    fn count(mut self) -> usize {
        let mut count = 0;
        while self.next_entry().is_some() {
            count += 1;
        }
        count
    }
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.next_entry() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(StrDeserializer::<Error>::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.map.len().saturating_sub(self.next))
    }
}
