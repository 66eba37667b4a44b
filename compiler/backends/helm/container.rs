//! The main container of a workload: its image, environment and resources become values.

use std::fmt;

use indexmap::IndexMap;

use super::Required;
use super::template::{Fill, Templater, joined, put, quoted};
use super::tree::{Map, Tree};

/// What parameterising one container needs to know.
pub(super) struct Params<'a> {
    pub(super) chart: &'a str,
    /// The compose service the container comes from.
    pub(super) compose: &'a str,
    /// Its key in `values.yaml`.
    pub(super) values_key: &'a str,
    pub(super) required: &'a IndexMap<String, Required>,
}

impl Params<'_> {
    /// `expr` guarded by the required variable behind the compose value at
    /// `services.<service>.<key>`, if there is one.
    fn guard(
        &self,
        key: fmt::Arguments<'_>,
        expr: String,
        values_path: fmt::Arguments<'_>,
    ) -> String {
        if self.required.is_empty() {
            return expr;
        }
        let path = format!("services.{}.{key}", self.compose);
        match self.required.get(&path) {
            Some(required) => required.guard(&expr, &format!("{}.{values_path}", self.values_key)),
            None => expr,
        }
    }
}

/// Parameterises the main container of a workload and records the defaults in `v`.
pub(super) fn container_values(
    t: &mut Templater,
    params: &Params<'_>,
    container: &mut Map,
    v: &mut Map,
) {
    let image = container
        .get("image")
        .and_then(Tree::as_str)
        .unwrap_or_default();
    let (repository, tag, digest) = split_image(image);
    let image = Map::from([
        ("repository", repository.into()),
        ("tag", tag.into()),
        ("digest", digest.into()),
        (
            "pullPolicy",
            container
                .get("imagePullPolicy")
                .cloned()
                .unwrap_or_else(|| "".into()),
        ),
    ]);
    v.insert("image", image.into());
    put(
        container,
        "image",
        t.value(Fill::Inline(
            format!(
                "{} | quote",
                params.guard(
                    format_args!("image"),
                    format!(
                        "include {} $v.image",
                        quoted(&format!("{}.image", params.chart))
                    ),
                    format_args!("image.repository")
                )
            )
            .into(),
        )),
    );
    put(
        container,
        "imagePullPolicy",
        t.value(Fill::OptionalScalar("$v.image.pullPolicy".into())),
    );

    let mut env = Map::new();
    match container.get_mut("env") {
        Some(Tree::Seq(list)) => {
            for var in list.iter_mut() {
                let Some(var) = var.as_map_mut() else {
                    continue;
                };
                let Some(name) = var.get("name").and_then(Tree::as_str).map(str::to_owned) else {
                    continue;
                };
                if let Some(value) = var.get_mut("value") {
                    let expr = params.guard(
                        format_args!("environment.{name}"),
                        joined(&["index $v.env ", &quoted(&name)]),
                        format_args!("env.{name}"),
                    );
                    let token =
                        t.value(Fill::Inline(joined(&[&expr, " | toString | quote"]).into()));
                    env.insert(name, std::mem::replace(value, token));
                }
            }
            list.push(t.value(Fill::Lines(
                "{{- with $v.extraEnv }}{{ toYaml . | nindent {N} }}{{- end }}".into(),
            )));
        }
        _ => {
            put(
                container,
                "env",
                t.value(Fill::OptionalBlock("$v.extraEnv".into())),
            );
        }
    }
    v.insert("env", env.into());
    v.insert("extraEnv", Tree::Seq(Vec::new()));

    let resources = container
        .get_mut("resources")
        .map_or_else(|| Map::new().into(), |r| std::mem::replace(r, Tree::Null));
    v.insert("resources", resources);
    put(
        container,
        "resources",
        t.value(Fill::OptionalBlock("$v.resources".into())),
    );
}

/// `repo/name:tag@digest` → (`repo/name`, `tag`, `digest`), each possibly empty.
/// A reference the parts cannot rebuild (an empty tag after `:`) stays whole in the repository,
/// so that the default values still give the k3s image.
fn split_image(image: &str) -> (&str, &str, &str) {
    let (name, digest) = image.split_once('@').unwrap_or((image, ""));
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[slash..].rfind(':') {
        Some(colon) => (&name[..slash + colon], &name[slash + colon + 1..]),
        None => (name, ""),
    };
    if repository.is_empty()
        || (tag.is_empty() && repository != name)
        || (digest.is_empty() && name != image)
    {
        return (image, "", "");
    }
    (repository, tag, digest)
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn images_split_into_repository_tag_and_digest() {
        assert_eq!(split_image("nginx"), ("nginx", "", ""));
        assert_eq!(split_image("nginx:1.25"), ("nginx", "1.25", ""));
        assert_eq!(
            split_image("localhost:5000/a/b:v1@sha256:ab"),
            ("localhost:5000/a/b", "v1", "sha256:ab")
        );
        assert_eq!(
            split_image("localhost:5000/a"),
            ("localhost:5000/a", "", "")
        );
        assert_eq!(split_image(":"), (":", "", ""));
        assert_eq!(split_image("app:"), ("app:", "", ""));
        assert_eq!(split_image("app@"), ("app@", "", ""));
    }
}
