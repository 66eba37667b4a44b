//! The keys a service sets, read through the model's `Serialize` impls without building a JSON
//! value: each value is first tested for emptiness, then the support table classifies the key
//! paths of the others, and only the values of keys it neither marks lowered nor reports are
//! walked into.

use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::text_key::TextKey;

/// What the walk does with a key path.
pub(super) enum Step {
    /// Lowered: nothing to report, whatever its value.
    Skip,
    /// Reported when its value is not empty.
    Report,
    /// Its children are classified in turn.
    Descend,
}

/// The dotted paths of the keys of `value` (a struct or map) that `classify` wants reported and
/// that hold a value other than null or an empty string, list or map, in serialization order.
/// `x-` extension keys are never reported.
pub(super) fn reported<T: Serialize>(value: &T, classify: &dyn Fn(&str) -> Step) -> Vec<String> {
    let mut found = Vec::new();
    // A value that cannot be serialized has no keys to report.
    let _ = value.serialize(Keys {
        path: &mut String::new(),
        classify,
        found: &mut found,
    });
    found
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Skipped(String);

impl ser::Error for Skipped {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

struct Keys<'a> {
    /// The dotted path of the value being walked (empty at the top), one buffer for the walk.
    path: &'a mut String,
    classify: &'a dyn Fn(&str) -> Step,
    found: &'a mut Vec<String>,
}

impl Keys<'_> {
    fn key<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) {
        // An empty value is neither reported nor holds keys to walk, whatever its key's step, so
        // it needs no lookup in the support table.
        if key.starts_with("x-") || value.serialize(Empty).unwrap_or(true) {
            return;
        }
        let parent = self.path.len();
        if parent > 0 {
            self.path.push('.');
        }
        self.path.push_str(key);
        match (self.classify)(self.path) {
            Step::Skip => {}
            Step::Report => self.found.push(self.path.clone()),
            Step::Descend => {
                let _ = value.serialize(Keys {
                    path: &mut *self.path,
                    classify: self.classify,
                    found: &mut *self.found,
                });
            }
        }
        self.path.truncate(parent);
    }
}

/// A struct or map being walked; `pending` holds a map key until its value arrives.
struct Entries<'a> {
    keys: Keys<'a>,
    pending: Option<String>,
}

impl ser::SerializeStruct for Entries<'_> {
    type Ok = ();
    type Error = Skipped;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Skipped> {
        self.keys.key(key, value);
        Ok(())
    }

    fn end(self) -> Result<(), Skipped> {
        Ok(())
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = Skipped;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Skipped> {
        self.pending =
            Some(key.serialize(TextKey(|text: &str| Ok::<_, Skipped>(text.to_owned())))?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Skipped> {
        if let Some(key) = self.pending.take() {
            self.keys.key(&key, value);
        }
        Ok(())
    }

    fn end(self) -> Result<(), Skipped> {
        Ok(())
    }
}

/// Ends the walk below a value that is not a struct or map: it has no keys.
fn no_keys<T>() -> Result<T, Skipped> {
    Err(Skipped("a value without keys".to_owned()))
}

impl<'a> ser::Serializer for Keys<'a> {
    type Ok = ();
    type Error = Skipped;
    type SerializeSeq = Impossible<(), Skipped>;
    type SerializeTuple = Impossible<(), Skipped>;
    type SerializeTupleStruct = Impossible<(), Skipped>;
    type SerializeTupleVariant = Impossible<(), Skipped>;
    type SerializeMap = Entries<'a>;
    type SerializeStruct = Entries<'a>;
    type SerializeStructVariant = Impossible<(), Skipped>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries<'a>, Skipped> {
        Ok(Entries {
            keys: self,
            pending: None,
        })
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'a>, Skipped> {
        Ok(Entries {
            keys: self,
            pending: None,
        })
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Skipped> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Skipped> {
        value.serialize(self)
    }

    fn serialize_bool(self, _: bool) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_char(self, _: char) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_unit(self) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Skipped> {
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Skipped> {
        no_keys()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Skipped> {
        no_keys()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Skipped> {
        no_keys()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Skipped> {
        no_keys()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Skipped> {
        no_keys()
    }
}

/// Whether a value serializes to what JSON would write as `null`, `""`, `[]` or `{}`. Only the
/// number of elements of a collection is counted; the elements are not visited.
struct Empty;

/// Counts the elements of a collection.
struct Count(usize);

impl ser::Serializer for Empty {
    type Ok = bool;
    type Error = Skipped;
    type SerializeSeq = Count;
    type SerializeTuple = Count;
    type SerializeTupleStruct = Count;
    type SerializeTupleVariant = Impossible<bool, Skipped>;
    type SerializeMap = Count;
    type SerializeStruct = Count;
    type SerializeStructVariant = Impossible<bool, Skipped>;

    fn serialize_bool(self, _: bool) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_i8(self, _: i8) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_i16(self, _: i16) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_i32(self, _: i32) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_i64(self, _: i64) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_u8(self, _: u8) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_u16(self, _: u16) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_u32(self, _: u32) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_u64(self, _: u64) -> Result<bool, Skipped> {
        Ok(false)
    }
    // JSON has no infinities or NaN; they are written as `null`.
    fn serialize_f32(self, v: f32) -> Result<bool, Skipped> {
        Ok(!v.is_finite())
    }
    fn serialize_f64(self, v: f64) -> Result<bool, Skipped> {
        Ok(!v.is_finite())
    }
    fn serialize_char(self, _: char) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_str(self, v: &str) -> Result<bool, Skipped> {
        Ok(v.is_empty())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<bool, Skipped> {
        Ok(v.is_empty())
    }
    fn serialize_none(self) -> Result<bool, Skipped> {
        Ok(true)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<bool, Skipped> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<bool, Skipped> {
        Ok(true)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<bool, Skipped> {
        Ok(true)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<bool, Skipped> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<bool, Skipped> {
        Ok(false)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Count, Skipped> {
        Ok(Count(0))
    }
    fn serialize_tuple(self, _: usize) -> Result<Count, Skipped> {
        Ok(Count(0))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Count, Skipped> {
        Ok(Count(0))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Skipped> {
        Err(Skipped("a variant is never empty".to_owned()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Count, Skipped> {
        Ok(Count(0))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Count, Skipped> {
        Ok(Count(0))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Skipped> {
        Err(Skipped("a variant is never empty".to_owned()))
    }
}

impl ser::SerializeSeq for Count {
    type Ok = bool;
    type Error = Skipped;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Skipped> {
        self.0 += 1;
        Ok(())
    }
    fn end(self) -> Result<bool, Skipped> {
        Ok(self.0 == 0)
    }
}

impl ser::SerializeTuple for Count {
    type Ok = bool;
    type Error = Skipped;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Skipped> {
        self.0 += 1;
        Ok(())
    }
    fn end(self) -> Result<bool, Skipped> {
        Ok(self.0 == 0)
    }
}

impl ser::SerializeTupleStruct for Count {
    type Ok = bool;
    type Error = Skipped;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Skipped> {
        self.0 += 1;
        Ok(())
    }
    fn end(self) -> Result<bool, Skipped> {
        Ok(self.0 == 0)
    }
}

impl ser::SerializeMap for Count {
    type Ok = bool;
    type Error = Skipped;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Skipped> {
        self.0 += 1;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, _: &T) -> Result<(), Skipped> {
        Ok(())
    }
    fn end(self) -> Result<bool, Skipped> {
        Ok(self.0 == 0)
    }
}

impl ser::SerializeStruct for Count {
    type Ok = bool;
    type Error = Skipped;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        _: &T,
    ) -> Result<(), Skipped> {
        self.0 += 1;
        Ok(())
    }
    fn end(self) -> Result<bool, Skipped> {
        Ok(self.0 == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::{Step, reported};
    use serde_json::json;

    #[test]
    fn only_set_keys_the_table_does_not_lower_are_reported() {
        let service = json!({
            "image": "nginx",
            "init": true,
            "domainname": "",
            "x-custom": {"a": 1},
            "deploy": {"replicas": 2, "placement": {"constraints": ["a"]}, "labels": {}},
            "healthcheck": {"test": ["CMD", "true"], "unknown": [1]},
            "tty": null,
        });
        let paths = reported(&service, &|path| match path {
            "image" | "deploy.replicas" => Step::Skip,
            "deploy" | "healthcheck" => Step::Descend,
            _ => Step::Report,
        });
        assert_eq!(
            paths,
            [
                "init",
                "deploy.placement",
                "healthcheck.test",
                "healthcheck.unknown"
            ]
        );
    }
}
