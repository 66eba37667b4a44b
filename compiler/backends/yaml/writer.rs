//! A block-YAML writer for the value shapes stackc emits: maps, structs, sequences, strings,
//! integers, booleans and nulls. It writes the same bytes as serde-saphyr with the options in
//! [`super::options`], several times faster, because it decides plain strings with a byte scan
//! and leaves every string that scan cannot clear to serde-saphyr's own quoting ([`Quote`]).
//! Shapes it does not write (floats, enum variants with data, tuples, bytes) stop it with
//! [`Fallback`], and the caller writes the whole document with serde-saphyr instead.

use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::text::push_number;
use crate::text_key::TextKey;

/// Why the fast writer handed a document back to serde-saphyr.
#[derive(Debug, thiserror::Error)]
pub(super) enum Fallback {
    #[error("the fast writer does not write {0}")]
    Shape(&'static str),
    #[error("{0}")]
    Value(String),
}

impl ser::Error for Fallback {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Self::Value(message.to_string())
    }
}

/// Where a string that is not plain stands, which decides its quoting.
#[derive(Clone, Copy, Debug)]
pub(super) enum Position {
    Key,
    Value,
}

/// How serde-saphyr writes a string the byte scan could not clear: the scalar as it appears on
/// its line, without the line's indentation or newline.
pub(super) type Quote = fn(&str, Position) -> Result<String, Fallback>;

/// Where a string value stands on its line, for a [`Custom`] writer: alone (`Start`), after
/// `key:` (`Key`), or after `- ` (`Dash`). The line itself is the end of the output, from its
/// last newline on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Start,
    Key,
    Dash,
}

/// What a [`Custom`] writer did with a string value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Handled {
    /// It wrote the value, and any change to its line, ending with a newline.
    Wrote,
    /// It left the value to the writer.
    Left,
    /// The value cannot stand where it is: the document is not written.
    Refused,
}

/// Offered every string value before the writer writes it, with the output so far.
pub(crate) type Custom<'c> = &'c mut dyn FnMut(&mut String, Slot, &str) -> Handled;

/// Writes `value` as one YAML document at the end of `out`.
pub(super) fn write<T: Serialize + ?Sized>(
    out: &mut String,
    value: &T,
    quote: Quote,
    custom: Option<Custom<'_>>,
) -> Result<(), Fallback> {
    value.serialize(&mut Writer {
        out,
        at: At::Start,
        quote,
        custom,
    })
}

/// What the line holds just before the next node.
#[derive(Clone, Copy)]
enum At {
    /// The start of the document.
    Start,
    /// `key:` of a mapping entry, the key at this indentation.
    Key(usize),
    /// `- ` of a sequence item, the dash at this indentation.
    Dash(usize),
}

struct Writer<'o, 'c> {
    out: &'o mut String,
    at: At,
    quote: Quote,
    custom: Option<Custom<'c>>,
}

impl<'o, 'c> Writer<'o, 'c> {
    /// The space between a key's `:` and a scalar on its line.
    fn start_scalar(&mut self) {
        if let At::Key(_) = self.at {
            self.out.push(' ');
        }
    }

    fn scalar(&mut self, text: &str) {
        self.start_scalar();
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn number(&mut self, negative: bool, magnitude: u64) {
        self.start_scalar();
        if negative {
            self.out.push('-');
        }
        push_number(self.out, magnitude);
        self.out.push('\n');
    }

    fn string(&mut self, text: &str) -> Result<(), Fallback> {
        if let Some(custom) = &mut self.custom {
            let slot = match self.at {
                At::Start => Slot::Start,
                At::Key(_) => Slot::Key,
                At::Dash(_) => Slot::Dash,
            };
            match custom(self.out, slot, text) {
                Handled::Wrote => return Ok(()),
                Handled::Left => {}
                Handled::Refused => return Err(Fallback::Shape("a value its caller refused")),
            }
        }
        if is_plain_value(text) {
            self.scalar(text);
        } else if reads_as_number_or_nothing(text) {
            // Double-quoted as it is, as serde-saphyr writes it, without asking it: image tags,
            // ports and empty defaults are most of the strings a chart's values quote.
            self.start_scalar();
            self.out.push('"');
            self.out.push_str(text);
            self.out.push_str("\"\n");
        } else {
            let quoted = (self.quote)(text, Position::Value)?;
            self.scalar(&quoted);
        }
        Ok(())
    }

    /// A struct's field name: always a plain key, so the byte scan of [`Writer::key`] is left to
    /// debug builds (the tests write every struct stackc emits).
    fn field(&mut self, field: &'static str) {
        debug_assert!(is_plain_key(field), "field `{field}` needs quotes");
        self.out.push_str(field);
        self.out.push(':');
    }

    fn key(&mut self, key: &str) -> Result<(), Fallback> {
        if is_plain_key(key) {
            self.out.push_str(key);
        } else {
            self.out.push_str(&(self.quote)(key, Position::Key)?);
        }
        self.out.push(':');
        Ok(())
    }

    fn block<'w>(&'w mut self, kind: Kind) -> Block<'w, 'o, 'c> {
        let (indent, inline) = match (self.at, kind) {
            (At::Start, _) => (0, true),
            (At::Key(key), Kind::Map) => (key + 2, false),
            // Sequences under a key are not indented (`compact_list_indent`).
            (At::Key(key), Kind::Seq) => (key, false),
            (At::Dash(dash), _) => (dash + 2, true),
        };
        Block {
            opened_at: self.at,
            kind,
            indent,
            inline,
            entries: 0,
            writer: self,
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Map,
    Seq,
}

/// A mapping or sequence being written. Its first entry shares the line of a `- ` before it;
/// under a key it starts on the next line; an empty one is written in flow style.
struct Block<'w, 'o, 'c> {
    writer: &'w mut Writer<'o, 'c>,
    opened_at: At,
    kind: Kind,
    indent: usize,
    inline: bool,
    entries: usize,
}

impl Block<'_, '_, '_> {
    fn start_entry(&mut self) {
        let out = &mut *self.writer.out;
        if self.entries == 0 && !self.inline {
            out.push('\n');
        }
        if self.entries > 0 || !self.inline {
            push_spaces(out, self.indent);
        }
        self.entries += 1;
    }

    fn field(&mut self, field: &'static str) {
        self.start_entry();
        self.writer.field(field);
        self.writer.at = At::Key(self.indent);
    }

    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.start_entry();
        self.writer.out.push_str("- ");
        self.writer.at = At::Dash(self.indent);
        value.serialize(&mut *self.writer)
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) {
        if self.entries == 0 {
            self.writer.at = self.opened_at;
            self.writer.scalar(match self.kind {
                Kind::Map => "{}",
                Kind::Seq => "[]",
            });
        }
    }
}

/// Appends `count` spaces a slice at a time: one push per indentation instead of one per space.
pub(crate) fn push_spaces(out: &mut String, mut count: usize) {
    const SPACES: &str = "                                                                ";
    while count > 0 {
        let run = count.min(SPACES.len());
        out.push_str(&SPACES[..run]);
        count -= run;
    }
}

/// The bytes of a plain scalar: ASCII letters and digits and `extra`, as a table, so that a
/// string costs one lookup a byte.
const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut byte = 0;
    while byte < set.len() {
        set[byte] = (byte as u8).is_ascii_alphanumeric();
        byte += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

static VALUE_BYTES: [bool; 256] = byte_set(b"._/-+=@,;: ");
static KEY_BYTES: [bool; 256] = byte_set(b"._/-");

/// YAML 1.1 and 1.2 spellings of booleans, nulls and special floats, which a plain scalar must
/// not be (compared without case).
const AMBIGUOUS_WORDS: [&str; 11] = [
    "true", "false", "null", "nan", "inf", "yes", "no", "y", "n", "on", "off",
];

fn is_ambiguous_word(text: &str) -> bool {
    text.len() <= 5 && AMBIGUOUS_WORDS.iter().any(|w| text.eq_ignore_ascii_case(w))
}

/// Whether a string is certainly written plain in a value position. `false` only means "ask
/// serde-saphyr": the scan clears the common cases (names, images, paths, quantities, flags,
/// digests, shell commands) and no string that could read as another type or as YAML syntax.
fn is_plain_value(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first.is_ascii_digit() {
        return is_plain_with_digits(bytes);
    }
    // `: ` would start a mapping value; the pair is found in the same pass as the bytes' check.
    let body_is_plain = last != b' '
        && last != b':'
        && bytes
            .iter()
            .zip(&bytes[1..])
            .all(|(&b, &next)| VALUE_BYTES[usize::from(b)] && !(b == b':' && next == b' '))
        && VALUE_BYTES[usize::from(last)];
    match first {
        // A flag (`-f`, `--port`), but not a sequence entry, a document marker or `-inf`.
        b'-' => {
            matches!(bytes.get(1), Some(b) if b.is_ascii_alphabetic() || *b == b'-')
                && !text.starts_with("---")
                && !is_ambiguous_word(&text[1..])
                && body_is_plain
        }
        b'/' => body_is_plain,
        _ => first.is_ascii_alphabetic() && body_is_plain && !is_ambiguous_word(text),
    }
}

/// Whether a string that starts with a digit is certainly plain: digits, letters and commas,
/// with a comma or a letter that no number spells (`256Mi`, `10s`, `1,2`, a hex digest), and
/// no `0x`, `0o` or `0b` prefix.
fn is_plain_with_digits(bytes: &[u8]) -> bool {
    let radix_prefix = bytes.len() > 1
        && bytes[0] == b'0'
        && matches!(bytes[1].to_ascii_lowercase(), b'x' | b'o' | b'b');
    !radix_prefix
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b',')
        && bytes
            .iter()
            .any(|b| *b == b',' || (b.is_ascii_alphabetic() && !b"eE".contains(b)))
}

/// Whether a string is empty, or an integer or a decimal in plain digits (`8080`, `0755`,
/// `1.37`): strings that YAML would read as a null or a number, which need quotes and nothing
/// else.
fn reads_as_number_or_nothing(text: &str) -> bool {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "1"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    text.is_empty() || (digits(whole) && digits(fraction))
}

/// Whether a mapping key is certainly written plain.
fn is_plain_key(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.iter().all(|&b| KEY_BYTES[usize::from(b)])
        && !is_ambiguous_word(text)
}

impl<'w, 'o, 'c> ser::Serializer for &'w mut Writer<'o, 'c> {
    type Ok = ();
    type Error = Fallback;
    type SerializeSeq = Block<'w, 'o, 'c>;
    type SerializeTuple = Impossible<(), Fallback>;
    type SerializeTupleStruct = Impossible<(), Fallback>;
    type SerializeTupleVariant = Impossible<(), Fallback>;
    type SerializeMap = Block<'w, 'o, 'c>;
    type SerializeStruct = Block<'w, 'o, 'c>;
    type SerializeStructVariant = Impossible<(), Fallback>;

    fn serialize_bool(self, v: bool) -> Result<(), Fallback> {
        self.scalar(if v { "true" } else { "false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Fallback> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<(), Fallback> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<(), Fallback> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<(), Fallback> {
        self.number(v < 0, v.unsigned_abs());
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), Fallback> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<(), Fallback> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<(), Fallback> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<(), Fallback> {
        self.number(false, v);
        Ok(())
    }

    fn serialize_f32(self, _: f32) -> Result<(), Fallback> {
        Err(Fallback::Shape("a float"))
    }

    fn serialize_f64(self, _: f64) -> Result<(), Fallback> {
        Err(Fallback::Shape("a float"))
    }

    fn serialize_char(self, v: char) -> Result<(), Fallback> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Fallback> {
        self.string(v)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Fallback> {
        Err(Fallback::Shape("bytes"))
    }

    fn serialize_none(self) -> Result<(), Fallback> {
        self.scalar("null");
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Fallback> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Fallback> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Fallback> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Fallback> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Fallback> {
        Err(Fallback::Shape("an enum variant with data"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Block<'w, 'o, 'c>, Fallback> {
        Ok(self.block(Kind::Seq))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Fallback> {
        Err(Fallback::Shape("a tuple"))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Fallback> {
        Err(Fallback::Shape("a tuple"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Fallback> {
        Err(Fallback::Shape("an enum variant with data"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Block<'w, 'o, 'c>, Fallback> {
        Ok(self.block(Kind::Map))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Block<'w, 'o, 'c>, Fallback> {
        Ok(self.block(Kind::Map))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Fallback> {
        Err(Fallback::Shape("an enum variant with data"))
    }
}

impl ser::SerializeSeq for Block<'_, '_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.item(value)
    }

    fn end(self) -> Result<(), Fallback> {
        Block::end(self);
        Ok(())
    }
}

impl ser::SerializeMap for Block<'_, '_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Fallback> {
        self.start_entry();
        // A key that is not a string is left to serde-saphyr, with the whole document.
        key.serialize(TextKey(|text: &str| self.writer.key(text)))?;
        self.writer.at = At::Key(self.indent);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Fallback> {
        self.value(value)
    }

    fn end(self) -> Result<(), Fallback> {
        Block::end(self);
        Ok(())
    }
}

impl ser::SerializeStruct for Block<'_, '_, '_> {
    type Ok = ();
    type Error = Fallback;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Fallback> {
        self.field(key);
        self.value(value)
    }

    fn end(self) -> Result<(), Fallback> {
        Block::end(self);
        Ok(())
    }
}
