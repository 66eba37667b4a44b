//! Stable diagnostic codes.
//!
//! A code never changes meaning once released. Each entry carries a one-line summary and an
//! explanation (what it means, why it matters, what to do); `stackc explain CODE` prints them.
//! Codes are grouped by stage: `SC01xx` YAML, `SC02xx` project loading and interpolation,
//! `SC03xx` schema and model validation, `SC1xxx` lowering and passes, `SC2xxx` backends.

macro_rules! codes {
    ($($variant:ident = $id:literal, $summary:literal, $explanation:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            #[must_use]
            pub fn id(self) -> &'static str {
                match self {
                    $(Code::$variant => $id,)*
                }
            }

            #[must_use]
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }

            #[must_use]
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => $explanation,)*
                }
            }

            #[must_use]
            pub fn from_id(id: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.id().eq_ignore_ascii_case(id))
            }
        }
    };
}

codes! {
    YamlSyntax = "SC0101", "the file is not valid YAML",
        "The YAML parser could not read the file. The label points at the first character it could not accept. Fix the indentation, quoting or structure there; a common cause is a tab used for indentation or an unclosed quote.";
    DuplicateKey = "SC0102", "a mapping has the same key twice",
        "YAML forbids a key appearing twice in one mapping, and Docker Compose rejects such files. Tools that keep the last value silently lose the first one. Remove or rename one of the two keys.";
    YamlLimit = "SC0103", "the YAML exceeds a safety limit",
        "The file expands beyond stackc's limits (alias expansion, nesting depth or size). These limits stop hostile inputs such as the 'billion laughs' alias bomb. Write the value out or simplify the file.";
    BadMergeKey = "SC0104", "a `<<` merge key does not name a mapping",
        "A YAML merge key `<<` must be given a mapping, an alias of a mapping, or a list of those. Point it at a mapping anchor.";
    MultipleDocuments = "SC0105", "a compose file holds more than one YAML document",
        "Docker Compose reads one document per file. Split the documents into separate files and pass each with `-f`.";
    UnknownTag = "SC0106", "an unknown YAML tag",
        "Compose understands only the `!reset` and `!override` tags (and standard YAML tags). Remove the tag.";
    SchemaUnknownKey = "SC0301", "a mapping has a key compose does not know",
        "The compose specification does not define this key here, so Docker Compose rejects the file. It is usually a typo or a key placed at the wrong level. Fix the spelling (stackc suggests the closest known key), move it where it belongs, or prefix it with `x-` to keep it as an extension field where extensions are allowed.";
    SchemaWrongType = "SC0302", "a value has the wrong type",
        "The compose specification expects another kind of value here, for example a list where a string was written. Write the value in one of the forms the message names; many keys accept a short string form and a long mapping form.";
    SchemaInvalidName = "SC0303", "a service, network, volume, config, secret or model name is not valid",
        "Names of services and top-level resources may contain only letters, digits, `.`, `_` and `-`, because they become parts of container, network and volume names. Rename it.";
    SchemaValueNotAllowed = "SC0304", "a value is not one of the allowed values",
        "This key accepts only a fixed set of values, which the message lists. Use one of them; the spelling is exact and case-sensitive.";
    SchemaPatternMismatch = "SC0305", "a value does not have the required form",
        "The compose specification requires this value to match a pattern, which the message shows. Rewrite the value in that form.";
    SchemaOutOfRange = "SC0306", "a number is outside the allowed range",
        "This key accepts only numbers within a range, for example no negative replica count. Use a number within the bounds the message names.";
    SchemaMissingKey = "SC0307", "a required key is missing",
        "This mapping must contain the key the message names, for example `source` in the long form of a secret. Add it, or use the short form of the entry if there is one.";
    SchemaDuplicateItem = "SC0308", "a list holds the same item twice",
        "The compose specification requires the items of this list to be unique. Remove the duplicate.";
    SchemaAmbiguousForm = "SC0309", "a value matches more than one allowed form",
        "The compose specification allows exactly one of several forms here and this value matches more than one. Write it so that it matches only one form, usually by removing keys that belong to the other form.";
    SchemaViolation = "SC0310", "the file does not follow the compose specification",
        "Docker Compose validates every file against the compose specification's JSON schema, and this part of the file does not conform to it. The message names the rule that failed; change the value so that it follows the rule.";
}
