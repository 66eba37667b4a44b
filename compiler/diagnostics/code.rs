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
    NonStringKey = "SC0105", "a mapping key is not a string",
        "Compose requires every mapping key to be a string. A plain `80:` or `true:` is read as a number or a boolean; quote it (`\"80\":`).";
    UnknownTag = "SC0106", "an unknown YAML tag",
        "Compose understands only the `!reset` and `!override` tags (and standard YAML tags). Remove the tag.";
}
