//! Short-syntax volumes, parsed the way compose-go's `format.ParseVolume` parses them.

/// The fields compose-go's `ServiceVolumeConfig` gets from a short spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VolumeSpec {
    /// `bind` or `volume`.
    pub kind: &'static str,
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub bind: Option<BindOptions>,
    /// `Some` for every named or anonymous volume, and for any mount with `nocopy`.
    pub volume: Option<VolumeOptions>,
    /// Options compose-go drops without a word, such as `RO` or `roz`, which leave the mount
    /// read-write; Docker Desktop's consistency hints (`cached`) are left out, as they mean
    /// nothing off macOS.
    pub ignored: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct BindOptions {
    pub selinux: String,
    pub propagation: String,
    pub create_host_path: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VolumeOptions {
    pub nocopy: bool,
}

const PROPAGATIONS: [&str; 6] = [
    "rprivate", "private", "rshared", "shared", "rslave", "slave",
];

const CONSISTENCY_HINTS: [&str; 3] = ["cached", "delegated", "consistent"];

/// Whether [`parse_volume`] reads `option` without dropping it.
pub(crate) fn is_known_option(option: &str) -> bool {
    matches!(option, "ro" | "rw" | "nocopy" | "z" | "Z")
        || PROPAGATIONS.contains(&option)
        || CONSISTENCY_HINTS.contains(&option)
}

/// Splits `[source:]target[:options]` on colons that are neither part of a Windows drive letter
/// nor inside `${...}`, then decides bind or volume from the source's first character.
pub(crate) fn parse_volume(spec: &str) -> Result<VolumeSpec, String> {
    let mut volume = VolumeSpec::default();
    match spec.len() {
        0 => return Err("the spec is empty".into()),
        // compose-go takes such a short spec as a bare target and skips the type detection.
        1 | 2 => {
            volume.target = spec.into();
            volume.kind = "volume";
            return Ok(volume);
        }
        _ => {}
    }
    let mut fields = Fields { spec, start: 0 }.peekable();
    while let Some(field) = fields.next() {
        populate_field(fields.peek().is_none(), field, &mut volume)?;
    }
    populate_type(&mut volume);
    Ok(volume)
}

/// The mount target of a short spec, as [`parse_volume`] reads it, without building the rest.
pub(crate) fn short_target(spec: &str) -> &str {
    short_source_and_target(spec).1
}

/// The source (none for a bare target) and the target of a short spec, as [`parse_volume`]
/// reads them.
pub(crate) fn short_source_and_target(spec: &str) -> (Option<&str>, &str) {
    if spec.len() <= 2 {
        return (None, spec);
    }
    let mut fields = Fields { spec, start: 0 };
    let first = fields.next().unwrap_or(spec);
    match fields.next() {
        Some(second) => (Some(first), second),
        None => (None, first),
    }
}

/// The fields of a short spec, split on the colons that neither end a Windows drive letter nor
/// sit inside `${...}`.
struct Fields<'a> {
    spec: &'a str,
    /// Where the next field starts; past the end when every field was given.
    start: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let spec = self.spec;
        if self.start > spec.len() {
            return None;
        }
        let bytes = spec.as_bytes();
        let mut in_substitution = 0usize;
        // Bytes, not chars: every byte that matters is ASCII, which UTF-8 never uses inside a
        // longer character.
        for (offset, &byte) in bytes[self.start..].iter().enumerate() {
            let index = self.start + offset;
            match byte {
                b'$' if bytes.get(index + 1) == Some(&b'{') => in_substitution += 1,
                b'}' if in_substitution > 0 => in_substitution -= 1,
                b':' if in_substitution == 0 => {
                    let field = &spec[self.start..index];
                    if !is_windows_drive(field) {
                        self.start = index + 1;
                        return Some(field);
                    }
                }
                _ => {}
            }
        }
        let field = &spec[self.start..];
        self.start = spec.len() + 1;
        // An unclosed `${` takes the rest of the spec, which then ends no field.
        (in_substitution == 0).then_some(field)
    }
}

fn is_windows_drive(field: &str) -> bool {
    let mut chars = field.chars();
    chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none()
}

fn populate_field(at_end: bool, text: &str, volume: &mut VolumeSpec) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("empty section between colons");
    }
    if volume.source.is_empty() && at_end {
        text.clone_into(&mut volume.target);
        return Ok(());
    }
    if volume.source.is_empty() {
        text.clone_into(&mut volume.source);
        return Ok(());
    }
    if volume.target.is_empty() {
        text.clone_into(&mut volume.target);
        return Ok(());
    }
    if !at_end {
        return Err("too many colons");
    }
    // compose-go ignores options it does not know, such as `cached` or `delegated`.
    for option in text.split(',') {
        match option {
            "ro" => volume.read_only = true,
            "rw" => volume.read_only = false,
            "nocopy" => volume.volume = Some(VolumeOptions { nocopy: true }),
            "z" | "Z" => {
                volume.bind.get_or_insert_with(BindOptions::default).selinux = option.into();
            }
            p if PROPAGATIONS.contains(&p) => {
                volume
                    .bind
                    .get_or_insert_with(BindOptions::default)
                    .propagation = p.into();
            }
            known if is_known_option(known) => {}
            unknown => volume.ignored.push(unknown.to_owned()),
        }
    }
    Ok(())
}

fn populate_type(volume: &mut VolumeSpec) {
    if is_file_path(&volume.source) {
        volume.kind = "bind";
        // Short syntax creates a missing host path, as the original docker-compose did.
        volume
            .bind
            .get_or_insert_with(BindOptions::default)
            .create_host_path = true;
    } else {
        volume.kind = "volume";
        volume.volume.get_or_insert_with(VolumeOptions::default);
    }
}

fn is_file_path(source: &str) -> bool {
    let mut chars = source.chars();
    match chars.next() {
        None => false,
        Some('.' | '/' | '~') => true,
        _ if source.starts_with(r"\\") => true,
        Some(first) => {
            source.as_bytes().get(first.len_utf8()) == Some(&b':') && first.is_alphabetic()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(source: &str, target: &str) -> VolumeSpec {
        VolumeSpec {
            kind: "bind",
            source: source.into(),
            target: target.into(),
            bind: Some(BindOptions {
                create_host_path: true,
                ..BindOptions::default()
            }),
            ..VolumeSpec::default()
        }
    }

    fn named(source: &str, target: &str) -> VolumeSpec {
        VolumeSpec {
            kind: "volume",
            source: source.into(),
            target: target.into(),
            volume: Some(VolumeOptions::default()),
            ..VolumeSpec::default()
        }
    }

    #[test]
    fn relative_bind_read_only() {
        let mut expected = bind("./a", "/b");
        expected.read_only = true;
        assert_eq!(parse_volume("./a:/b:ro").unwrap(), expected);
    }

    #[test]
    fn named_volume() {
        assert_eq!(parse_volume("name:/b").unwrap(), named("name", "/b"));
    }

    #[test]
    fn absolute_bind_with_selinux_and_propagation() {
        let mut expected = bind("/abs", "/b");
        let options = expected.bind.as_mut().unwrap();
        options.selinux = "z".into();
        options.propagation = "rshared".into();
        assert_eq!(parse_volume("/abs:/b:rw,z,rshared").unwrap(), expected);
    }

    /// Merging keys short volumes by target without parsing them whole, and the lints read their
    /// source: the same target and source.
    #[test]
    fn short_target_is_the_parsed_target() {
        for (spec, target) in [
            (r".\website:C:\deploy", r"C:\deploy"),
            (r"C:\data:D:\data:ro", r"D:\data"),
            ("a:/b", "a:/b"),
            ("/d", "/d"),
            ("ab", "ab"),
            ("${DATA:-./x:y}:/data:ro", "/data"),
            ("cache:/var/cache:nocopy", "/var/cache"),
            ("./données:/srv/données:ro", "/srv/données"),
            ("data:/tmp,subpath=logs", "/tmp,subpath=logs"),
        ] {
            let parsed = parse_volume(spec).unwrap();
            assert_eq!(short_target(spec), target, "{spec}");
            assert_eq!(parsed.target, target, "{spec}");
            let source = short_source_and_target(spec).0.unwrap_or_default();
            assert_eq!(source, parsed.source, "{spec}");
        }
    }

    #[test]
    fn home_and_windows_sources_are_binds() {
        assert_eq!(parse_volume("~/x:/y").unwrap(), bind("~/x", "/y"));
        assert_eq!(parse_volume(r"C:\x:/y").unwrap(), bind(r"C:\x", "/y"));
        assert_eq!(
            parse_volume(r"\\host\share:/y").unwrap(),
            bind(r"\\host\share", "/y")
        );
    }

    #[test]
    fn anonymous_volume() {
        assert_eq!(parse_volume("/data").unwrap(), named("", "/data"));
        let short = parse_volume("/d").unwrap();
        assert_eq!(
            (short.kind, short.target.as_str(), short.volume),
            ("volume", "/d", None)
        );
    }

    #[test]
    fn unknown_options_are_ignored() {
        assert_eq!(parse_volume(".:/app:cached").unwrap(), bind(".", "/app"));
        let mut expected = named("data", "/d");
        expected.ignored = vec!["RO".into(), "uid=1000".into()];
        assert_eq!(
            parse_volume("data:/d:RO,delegated,uid=1000").unwrap(),
            expected
        );
    }

    #[test]
    fn nocopy_on_named_volume() {
        let mut expected = named("data", "/d");
        expected.volume = Some(VolumeOptions { nocopy: true });
        assert_eq!(parse_volume("data:/d:nocopy").unwrap(), expected);
    }

    #[test]
    fn colons_inside_substitution_do_not_split() {
        assert_eq!(parse_volume("${A:-x}:/b").unwrap(), named("${A:-x}", "/b"));
    }

    #[test]
    fn errors() {
        assert_eq!(parse_volume("").unwrap_err(), "the spec is empty");
        assert!(
            parse_volume("ab::c")
                .unwrap_err()
                .ends_with("empty section between colons")
        );
        assert!(
            parse_volume("/a:/b:ro:x")
                .unwrap_err()
                .ends_with("too many colons")
        );
    }
}
