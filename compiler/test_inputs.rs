//! Inputs the unit tests share: every YAML file of the fixtures and of the shared corpus.

use std::path::{Path, PathBuf};

/// The fixtures, then the shared corpus (CI always has it beside the checkout): each YAML
/// file's path, for messages, and its text.
pub(crate) fn yaml_samples() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    yaml_files(&root.join("fixtures"), &mut paths);
    yaml_files(&root.join("../shared/corpus"), &mut paths);
    paths
        .into_iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            Some((p.display().to_string(), text))
        })
        .collect()
}

/// Every `.yml` and `.yaml` file under `dir`, recursively, in name order.
fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}
