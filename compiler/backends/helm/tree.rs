//! A light tree of YAML values, for the objects the templates are made from and for the chart's
//! values.
//!
//! It stands where `serde_json::Value` stood, at a fraction of the cost: a mapping is a vector of
//! entries (Kubernetes objects have a few keys per level, so a scan beats hashing), and a key
//! that is a struct field name is borrowed instead of copied. [`to_tree`] builds one from any
//! `Serialize` type exactly as `serde_json::to_value` would, and a tree serializes with the same
//! calls a `serde_json::Value` makes, so the YAML writer sees the same input as before.

use std::borrow::Cow;
use std::collections::HashMap;

use foldhash::fast::FixedState;

use serde::ser::{self, Serialize, Serializer};

/// A mapping key: a field name of a Kubernetes struct, or a name taken from the input.
pub(super) type Key = Cow<'static, str>;

/// A YAML value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tree {
    Null,
    Bool(bool),
    /// A non-negative integer.
    UInt(u64),
    /// A negative integer.
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Tree>),
    Map(Map),
}

/// A mapping in insertion order. Most have a few keys, where a scan beats hashing; one that
/// grows past [`INDEXED`] entries (the ports of a Service, the services of a chart) gets a hash
/// index on its first lookup, so that filling it stays linear.
#[derive(Debug, Clone, Default)]
pub(super) struct Map {
    entries: Vec<(Key, Tree)>,
    /// Boxed: most maps never have one, and every entry of every map holds a tree, whose size
    /// is that of a map.
    #[allow(
        clippy::box_collection,
        reason = "a pointer instead of the table's five words in every map"
    )]
    index: Option<Box<HashMap<String, usize, FixedState>>>,
}

const INDEXED: usize = 32;

impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl Tree {
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Self::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn as_map(&self) -> Option<&Map> {
        match self {
            Self::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(super) fn as_map_mut(&mut self) -> Option<&mut Map> {
        match self {
            Self::Map(m) => Some(m),
            _ => None,
        }
    }

    pub(super) fn as_seq_mut(&mut self) -> Option<&mut Vec<Tree>> {
        match self {
            Self::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key`, when this is a mapping that has it.
    pub(super) fn get(&self, key: &str) -> Option<&Tree> {
        self.as_map()?.get(key)
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Tree> {
        self.as_map_mut()?.get_mut(key)
    }

    /// The value at `path`, if every step exists.
    pub(super) fn at(&mut self, path: &[&str]) -> Option<&mut Tree> {
        path.iter().try_fold(self, |v, key| v.get_mut(key))
    }
}

impl Map {
    pub(super) fn new() -> Self {
        Self::default()
    }

    fn with_entries(entries: Vec<(Key, Tree)>) -> Self {
        Self {
            entries,
            index: None,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &Tree)> {
        self.entries.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub(super) fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k == key),
        }
    }

    /// Builds the index of a map that has grown large enough to need one.
    fn index_if_large(&mut self) {
        if self.index.is_none() && self.entries.len() >= INDEXED {
            let mut index =
                HashMap::with_capacity_and_hasher(self.entries.len(), FixedState::default());
            for (at, (key, _)) in self.entries.iter().enumerate() {
                index.entry(key.to_string()).or_insert(at);
            }
            self.index = Some(Box::new(index));
        }
    }

    fn push(&mut self, key: Key, value: Tree) -> usize {
        let at = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(key.to_string(), at);
        }
        self.entries.push((key, value));
        at
    }

    pub(super) fn get(&self, key: &str) -> Option<&Tree> {
        self.position(key).map(|at| &self.entries[at].1)
    }

    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Tree> {
        self.index_if_large();
        let at = self.position(key)?;
        Some(&mut self.entries[at].1)
    }

    /// Sets `key`: in place when present, else last.
    pub(super) fn insert(&mut self, key: impl Into<Key>, value: Tree) {
        let key = key.into();
        self.index_if_large();
        match self.position(&key) {
            Some(at) => self.entries[at].1 = value,
            None => {
                self.push(key, value);
            }
        }
    }

    /// The value under `key`, created by `default` (last) when missing.
    pub(super) fn entry(&mut self, key: &str, default: impl FnOnce() -> Tree) -> &mut Tree {
        self.index_if_large();
        let at = match self.position(key) {
            Some(at) => at,
            None => self.push(Key::Owned(key.to_owned()), default()),
        };
        &mut self.entries[at].1
    }

    /// Inserts a key that is not present at `index`, shifting the following entries.
    pub(super) fn insert_at(&mut self, index: usize, key: impl Into<Key>, value: Tree) {
        self.entries.insert(index, (key.into(), value));
        self.index = None;
    }

    /// Removes `key`, keeping the order of the others.
    pub(super) fn remove(&mut self, key: &str) -> Option<Tree> {
        let at = self.position(key)?;
        self.index = None;
        Some(self.entries.remove(at).1)
    }

    pub(super) fn into_entries(self) -> impl Iterator<Item = (Key, Tree)> {
        self.entries.into_iter()
    }

    /// Reorders the entries by `rank`, keeping the order of equal ranks.
    pub(super) fn sort_by_key<K: Ord>(&mut self, mut rank: impl FnMut(&str) -> K) {
        self.entries.sort_by_key(|(k, _)| rank(k));
        self.index = None;
    }
}

impl From<&str> for Tree {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for Tree {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

impl From<bool> for Tree {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<Map> for Tree {
    fn from(m: Map) -> Self {
        Self::Map(m)
    }
}

impl From<Vec<Tree>> for Tree {
    fn from(s: Vec<Tree>) -> Self {
        Self::Seq(s)
    }
}

impl<const N: usize> From<[(&'static str, Tree); N]> for Map {
    fn from(entries: [(&'static str, Tree); N]) -> Self {
        Self::with_entries(
            entries
                .into_iter()
                .map(|(k, v)| (Key::Borrowed(k), v))
                .collect(),
        )
    }
}

impl FromIterator<(String, Tree)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Tree)>>(entries: I) -> Self {
        Self::with_entries(
            entries
                .into_iter()
                .map(|(k, v)| (Key::Owned(k), v))
                .collect(),
        )
    }
}

/// The same calls as `serde_json::Value`'s `Serialize`: numbers as `u64`, `i64` or `f64`,
/// mappings through `serialize_map`.
impl Serialize for Tree {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::UInt(n) => serializer.serialize_u64(*n),
            Self::Int(n) => serializer.serialize_i64(*n),
            Self::Float(f) => serializer.serialize_f64(*f),
            Self::Str(s) => serializer.serialize_str(s),
            Self::Seq(items) => serializer.collect_seq(items),
            Self::Map(map) => map.serialize(serializer),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

type Error = serde_json::Error;

/// `value` as a tree, with the shapes `serde_json::to_value` gives: `None` and units are null,
/// a unit variant is its name, other variants are a one-entry mapping, bytes are a sequence of
/// numbers, non-finite floats are null.
pub(super) fn to_tree<T: Serialize + ?Sized>(value: &T) -> Result<Tree, Error> {
    value.serialize(TreeSerializer)
}

struct TreeSerializer;

fn int(n: i64) -> Tree {
    u64::try_from(n).map_or(Tree::Int(n), Tree::UInt)
}

fn float(f: f64) -> Tree {
    if f.is_finite() {
        Tree::Float(f)
    } else {
        Tree::Null
    }
}

fn out_of_range() -> Error {
    ser::Error::custom("number out of range")
}

/// `{variant: value}`.
fn variant(name: &'static str, value: Tree) -> Tree {
    Tree::Map(Map::from([(name, value)]))
}

impl Serializer for TreeSerializer {
    type Ok = Tree;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Tree, Error> {
        Ok(Tree::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Tree, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Tree, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Tree, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Tree, Error> {
        Ok(int(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Tree, Error> {
        if let Ok(n) = u64::try_from(v) {
            Ok(Tree::UInt(n))
        } else {
            i64::try_from(v).map(Tree::Int).map_err(|_| out_of_range())
        }
    }
    fn serialize_u8(self, v: u8) -> Result<Tree, Error> {
        Ok(Tree::UInt(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Tree, Error> {
        Ok(Tree::UInt(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Tree, Error> {
        Ok(Tree::UInt(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Tree, Error> {
        Ok(Tree::UInt(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Tree, Error> {
        u64::try_from(v).map(Tree::UInt).map_err(|_| out_of_range())
    }
    fn serialize_f32(self, v: f32) -> Result<Tree, Error> {
        Ok(float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Tree, Error> {
        Ok(float(v))
    }
    fn serialize_char(self, v: char) -> Result<Tree, Error> {
        Ok(Tree::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Tree, Error> {
        Ok(Tree::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Tree, Error> {
        Ok(Tree::Seq(v.iter().map(|&b| Tree::UInt(b.into())).collect()))
    }
    fn serialize_none(self) -> Result<Tree, Error> {
        Ok(Tree::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Tree, Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Tree, Error> {
        Ok(Tree::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Tree, Error> {
        Ok(Tree::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Tree, Error> {
        Ok(Tree::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Tree, Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        name: &'static str,
        value: &T,
    ) -> Result<Tree, Error> {
        Ok(variant(name, to_tree(value)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0)),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, Error> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len),
            variant: Some(name),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, Error> {
        Ok(MapBuilder {
            map: Map::with_entries(Vec::with_capacity(len.unwrap_or(0))),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        name: &'static str,
        len: usize,
    ) -> Result<MapBuilder, Error> {
        Ok(MapBuilder {
            map: Map::with_entries(Vec::with_capacity(len)),
            key: None,
            variant: Some(name),
        })
    }
}

/// A sequence being built; a tuple variant's items go under its name.
struct SeqBuilder {
    items: Vec<Tree>,
    variant: Option<&'static str>,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.items.push(to_tree(value)?);
        Ok(())
    }

    fn finish(self) -> Tree {
        let seq = Tree::Seq(self.items);
        match self.variant {
            Some(name) => variant(name, seq),
            None => seq,
        }
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

/// A mapping being built; a struct variant's fields go under its name.
struct MapBuilder {
    map: Map,
    key: Option<Key>,
    variant: Option<&'static str>,
}

impl MapBuilder {
    /// Adds an entry without looking for an earlier one: a struct names each field once, and
    /// the maps of Kubernetes objects (`BTreeMap`s) hold each key once, so a scan per key (a
    /// quadratic cost on a large ConfigMap) would find nothing.
    fn put(&mut self, key: Key, value: Tree) {
        self.map.entries.push((key, value));
    }

    fn finish(self) -> Tree {
        let map = Tree::Map(self.map);
        match self.variant {
            Some(name) => variant(name, map),
            None => map,
        }
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // Keys as `serde_json` writes them: strings, and numbers and booleans as their text.
        self.key = Some(match to_tree(key)? {
            Tree::Str(s) => Key::Owned(s),
            Tree::UInt(n) => Key::Owned(n.to_string()),
            Tree::Int(n) => Key::Owned(n.to_string()),
            Tree::Bool(b) => Key::Owned(b.to_string()),
            _ => return Err(ser::Error::custom("key must be a string")),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a value came before its key"))?;
        let value = to_tree(value)?;
        self.put(key, value);
        Ok(())
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let value = to_tree(value)?;
        self.put(Key::Borrowed(key), value);
        Ok(())
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = Tree;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let value = to_tree(value)?;
        self.put(Key::Borrowed(key), value);
        Ok(())
    }
    fn end(self) -> Result<Tree, Error> {
        Ok(self.finish())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::{Map, Tree, to_tree};

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    enum Shape {
        Unit,
        Newtype(i32),
        Struct { a: Option<u8> },
    }

    #[derive(Serialize)]
    struct Sample {
        count: i32,
        offset: i64,
        ratio: f64,
        infinite: f32,
        missing: Option<String>,
        labels: BTreeMap<String, String>,
        shapes: Vec<Shape>,
    }

    #[test]
    fn trees_have_the_shapes_of_json_values() {
        let sample = Sample {
            count: 3,
            offset: -2,
            ratio: 0.5,
            infinite: f32::INFINITY,
            missing: None,
            labels: BTreeMap::from([("b".to_owned(), "2".to_owned())]),
            shapes: vec![Shape::Unit, Shape::Newtype(1), Shape::Struct { a: Some(4) }],
        };
        let tree = to_tree(&sample).unwrap();
        let json = serde_json::to_value(&sample).unwrap();
        assert_eq!(serde_json::to_value(&tree).unwrap(), json);
        assert_eq!(tree.get("count"), Some(&Tree::UInt(3)));
        assert_eq!(tree.get("offset"), Some(&Tree::Int(-2)));
        assert_eq!(tree.get("infinite"), Some(&Tree::Null));
    }

    #[test]
    fn maps_keep_their_order_and_replace_in_place() {
        let mut map = Map::from([("b", Tree::from("1")), ("a", Tree::from("2"))]);
        map.insert("b", Tree::from("3"));
        map.insert("c", Tree::from("4"));
        assert_eq!(map.keys().collect::<Vec<_>>(), ["b", "a", "c"]);
        assert_eq!(map.remove("a"), Some(Tree::from("2")));
        map.insert_at(0, "z", Tree::Null);
        assert_eq!(map.keys().collect::<Vec<_>>(), ["z", "b", "c"]);
        assert_eq!(map.len(), 3);
    }
}
