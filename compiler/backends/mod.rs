//! Emit: the IR becomes files for one target.
//!
//! A backend returns its files as an ordered map from a relative path to the file's text; it never
//! touches the disk, so `--stdout`, `-o DIR` and tests all share one result.

pub mod helm;
pub mod k3s;
pub mod podman;
pub mod yaml;

use indexmap::IndexMap;

/// Files of one target: relative path → contents, in the order they should be listed. The paths
/// are stackc's own, so a fixed hash (foldhash) serves: a chart has thousands.
pub type Files = IndexMap<String, String, foldhash::fast::FixedState>;

/// The annotation `--provenance` puts on every object made from a compose key.
pub const SOURCE_ANNOTATION: &str = "stackc.io/source";

/// Names the compose key an object comes from in its metadata, when provenance was asked for.
/// Only the object's own metadata carries it, never a pod template: a line moving in the
/// compose file must not restart pods.
fn annotate(
    metadata: &mut k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    provenance: Option<&String>,
) {
    if let Some(source) = provenance {
        metadata
            .annotations
            .get_or_insert_default()
            .insert(SOURCE_ANNOTATION.to_owned(), source.clone());
    }
}
