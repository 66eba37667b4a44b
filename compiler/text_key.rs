//! A serde serializer that takes only a string: the YAML writer and lowering's key check read
//! map keys through it, and give up on a map whose keys are anything else.

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Hands a string key to the closure; any other value is an error of the caller's type.
pub(crate) struct TextKey<F>(pub(crate) F);

fn not_text<T, E: ser::Error>() -> Result<T, E> {
    Err(E::custom("a map key that is not a string"))
}

impl<F, T, E> ser::Serializer for TextKey<F>
where
    F: FnOnce(&str) -> Result<T, E>,
    E: ser::Error,
{
    type Ok = T;
    type Error = E;
    type SerializeSeq = Impossible<T, E>;
    type SerializeTuple = Impossible<T, E>;
    type SerializeTupleStruct = Impossible<T, E>;
    type SerializeTupleVariant = Impossible<T, E>;
    type SerializeMap = Impossible<T, E>;
    type SerializeStruct = Impossible<T, E>;
    type SerializeStructVariant = Impossible<T, E>;

    fn serialize_str(self, v: &str) -> Result<T, E> {
        (self.0)(v)
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &V,
    ) -> Result<T, E> {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<T, E> {
        not_text()
    }
    fn serialize_i8(self, _: i8) -> Result<T, E> {
        not_text()
    }
    fn serialize_i16(self, _: i16) -> Result<T, E> {
        not_text()
    }
    fn serialize_i32(self, _: i32) -> Result<T, E> {
        not_text()
    }
    fn serialize_i64(self, _: i64) -> Result<T, E> {
        not_text()
    }
    fn serialize_u8(self, _: u8) -> Result<T, E> {
        not_text()
    }
    fn serialize_u16(self, _: u16) -> Result<T, E> {
        not_text()
    }
    fn serialize_u32(self, _: u32) -> Result<T, E> {
        not_text()
    }
    fn serialize_u64(self, _: u64) -> Result<T, E> {
        not_text()
    }
    fn serialize_f32(self, _: f32) -> Result<T, E> {
        not_text()
    }
    fn serialize_f64(self, _: f64) -> Result<T, E> {
        not_text()
    }
    fn serialize_char(self, _: char) -> Result<T, E> {
        not_text()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<T, E> {
        not_text()
    }
    fn serialize_none(self) -> Result<T, E> {
        not_text()
    }
    fn serialize_some<V: Serialize + ?Sized>(self, _: &V) -> Result<T, E> {
        not_text()
    }
    fn serialize_unit(self) -> Result<T, E> {
        not_text()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<T, E> {
        not_text()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<T, E> {
        not_text()
    }
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<T, E> {
        not_text()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, E> {
        not_text()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, E> {
        not_text()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, E> {
        not_text()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, E> {
        not_text()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, E> {
        not_text()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, E> {
        not_text()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, E> {
        not_text()
    }
}
