//! The main container of a workload: what its image and environment become in the template.

use std::fmt;

use indexmap::IndexMap;

use super::Required;
use super::tree::{Map, Tree};
use crate::text::joined;

/// What parameterising one container needs to know.
pub(super) struct Params<'a> {
    /// `include "<chart>.image" $v.image`: the main container's image from its values.
    pub(super) image_include: &'a str,
    /// The compose service the container comes from.
    pub(super) compose: &'a str,
    /// Its key in `values.yaml`.
    pub(super) values_key: &'a str,
    pub(super) required: &'a IndexMap<String, Required>,
}

impl Params<'_> {
    /// `expr` guarded by the required variable behind the compose value at
    /// `services.<service>.<key>`, if there is one.
    pub(super) fn guard(
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

/// The expression of the main container's image, guarded when the compose image is a required
/// variable.
pub(super) fn image_expr(params: &Params<'_>) -> String {
    let expr = params.guard(
        format_args!("image"),
        params.image_include.to_owned(),
        format_args!("image.repository"),
    );
    joined(&[&expr, " | quote"])
}

/// The values of an image: its parts, and the pull policy.
pub(super) fn image_values(image: &str, pull_policy: Tree) -> Tree {
    let (repository, tag, digest) = split_image(image);
    Map::from([
        ("repository", repository.into()),
        ("tag", tag.into()),
        ("digest", digest.into()),
        ("pullPolicy", pull_policy),
    ])
    .into()
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
