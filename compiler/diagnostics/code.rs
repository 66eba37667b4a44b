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
    InvalidPort = "SC0320", "a port is not a valid short-syntax port mapping",
        "A short-syntax port is `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`, where ports are numbers from 0 to 65535, the protocol is tcp, udp or sctp, and an IPv6 host address is written in brackets. Docker Compose rejects anything else. Fix the value, or write the port in long syntax (`target:`, `published:`, `host_ip:`, `protocol:`).";
    InvalidVolume = "SC0321", "a volume is not a valid short-syntax mount",
        "A short-syntax volume is `[SOURCE:]TARGET[:OPTIONS]`: at most three colon-separated parts (a Windows drive letter such as `C:` does not count), none of them empty. Docker Compose rejects anything else. Fix the value, or write the mount in long syntax (`type:`, `source:`, `target:`).";
    InvalidDevice = "SC0322", "a device mapping has too many colons",
        "A short-syntax device is `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`. Docker Compose rejects a value with more than three parts. Write the device in long syntax (`source:`, `target:`, `permissions:`).";
    InvalidKeyValue = "SC0323", "a list item is not `key=value`",
        "This attribute accepts either a mapping or a list of `key=value` strings; Docker Compose rejects a list item without `=`. Add the `=value` part or use a mapping.";
    InvalidSshKey = "SC0324", "a build ssh entry is not `id=path` or `default`",
        "Each `build.ssh` list item names an SSH agent socket or key as `id=path`; only the id `default` may be written alone. Docker Compose rejects anything else.";
    ExternalNameConflict = "SC0325", "a resource sets both `name` and a different `external.name`",
        "`external.name` is the deprecated spelling of `name` on an external resource. When both are set they must agree, or Docker Compose cannot tell which resource is meant. Remove `external.name` and keep `name` with `external: true`.";
    UnexpectedShape = "SC0326", "an attribute has a type Docker Compose cannot read",
        "Docker Compose accepts only certain shapes for this attribute (for example a string or a list, a mapping or a list) and rejects the file otherwise. Rewrite the value in one of the forms named in the message.";
    BindWithoutSource = "SC0327", "a bind mount has no source",
        "A mount of type `bind` makes a host path visible in the container, so it needs `source:`. Add the host path, or use `type: volume` for a named or anonymous volume.";
    SymlinkUnresolved = "SC0328", "a watched path could not be resolved",
        "Docker Compose resolves symbolic links in `develop.watch` paths and fails when a link in the path cannot be followed. Fix or remove the broken link, or point `path` elsewhere.";
    DeprecatedExternalName = "SC0329", "`external.name` is deprecated",
        "Docker Compose still reads `external: {name: x}` but warns that it is deprecated. Write `name: x` and `external: true` instead; the meaning is the same.";
}
