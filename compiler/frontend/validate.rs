//! compose-go's semantic checks on the merged model, beyond what the JSON schema can say:
//! mutually exclusive keys of secrets, configs and device requests, external volumes with
//! creation options, host IP addresses of ports, blank watch paths.

use std::net::IpAddr;
use std::sync::LazyLock;

use super::node::{Entry, Node, Value};
use super::tree::{Cursor, Path, PatternSet};
use crate::diagnostics::{Code, Diagnostic};

/// The paths that have a check, in the order compose-go tries them.
const CHECKED: [&str; 7] = [
    "volumes.*",
    "configs.*",
    "secrets.*",
    "services.*.ports.*",
    "services.*.develop.watch.*.path",
    "services.*.deploy.resources.reservations.devices.*",
    "services.*.gpus.*",
];

static CHECKED_PATTERNS: LazyLock<PatternSet> = LazyLock::new(|| PatternSet::new(CHECKED));

/// Runs every check; the first failure is returned, as Docker Compose stops there too.
pub fn validate(root: &Node) -> Result<(), Diagnostic> {
    check(root, &Path::root(), CHECKED_PATTERNS.root())
}

/// Only subtrees where some check's pattern can still match are visited.
fn check(node: &Node, path: &Path, cursor: Cursor) -> Result<(), Diagnostic> {
    let patterns = &*CHECKED_PATTERNS;
    match patterns.matched(cursor) {
        Some(0) => return check_external(node, path),
        Some(1) => return check_file_object(node, path, &["file", "environment", "content"]),
        Some(2) => return check_file_object(node, path, &["file", "environment"]),
        Some(3) => return check_ip_address(node, path),
        Some(4) => {
            if node.as_str() == Some("") {
                return Err(Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{path}` can't be blank"),
                )
                .with_label(Some(node.span), "empty path")
                .with_help("name the file or directory to watch"));
            }
            return Ok(());
        }
        Some(_) => {
            if node.get("count").is_some() && node.get("device_ids").is_some() {
                return Err(Diagnostic::error(
                    Code::InconsistentValue,
                    format!("`{path}` sets both `count` and `device_ids`, which are exclusive"),
                )
                .with_label(Some(node.span), "this device request")
                .with_help(
                    "request a number of devices with `count`, or specific ones with `device_ids`",
                ));
            }
            return Ok(());
        }
        None if !patterns.may_match_below(cursor) => return Ok(()),
        None => {}
    }
    match &node.value {
        Value::Map(map) => {
            let visit = |(key, entry): (&String, &Entry)| {
                let child = patterns.step(cursor, key);
                if patterns.is_relevant(child) {
                    check(&entry.node, &path.next(key), child)
                } else {
                    Ok(())
                }
            };
            // Services are independent: they are shared among threads, and the first error in
            // service order is the one returned.
            if path.is_services() {
                crate::parallel::try_for_each(map.iter(), visit)?;
            } else {
                map.iter().try_for_each(visit)?;
            }
        }
        Value::Seq(items) => {
            let next = path.next("[]");
            let item = patterns.step(cursor, "[]");
            for node in items {
                check(node, &next, item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_external(node: &Node, path: &Path) -> Result<(), Diagnostic> {
    let Some(map) = node.as_map() else {
        return Ok(());
    };
    if !matches!(
        map.get("external").map(|e| &e.node.value),
        Some(Value::Bool(true))
    ) {
        return Ok(());
    }
    for (key, entry) in map {
        if !matches!(key.as_str(), "name" | "external") && !key.starts_with("x-") {
            return Err(Diagnostic::error(
                Code::InconsistentValue,
                format!("`{path}` is external, so it cannot also set `{key}`"),
            )
            .with_label(Some(entry.key_span), "not allowed with `external: true`")
            .with_help("an external resource is created outside the project; remove this key"));
        }
    }
    Ok(())
}

fn check_file_object(node: &Node, path: &Path, keys: &[&str]) -> Result<(), Diagnostic> {
    let Some(map) = node.as_map() else {
        return Ok(());
    };
    let present: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| map.contains_key(*k))
        .collect();
    let names = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if present.len() > 1 {
        return Err(Diagnostic::error(
            Code::InconsistentValue,
            format!("`{path}` can set only one of {names}"),
        )
        .with_label(map.get(present[1]).map(|e| e.key_span), "second source")
        .with_help("keep one source for the content"));
    }
    if present.is_empty() && !map.contains_key("driver") && !map.contains_key("external") {
        return Err(Diagnostic::error(
            Code::InconsistentValue,
            format!("`{path}` must set one of {names}"),
        )
        .with_label(Some(node.span), "no content source")
        .with_help("add `file: ./path`, or mark it `external: true`"));
    }
    Ok(())
}

fn check_ip_address(node: &Node, path: &Path) -> Result<(), Diagnostic> {
    let Some(ip) = node.get("host_ip") else {
        return Ok(());
    };
    let text = ip.scalar_text().unwrap_or_default();
    if text.parse::<IpAddr>().is_err() {
        return Err(Diagnostic::error(
            Code::InvalidValue,
            format!("`{path}` has an invalid host IP address `{text}`"),
        )
        .with_label(Some(ip.span), "not an IP address")
        .with_help("write an IPv4 or IPv6 address such as `127.0.0.1`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::validate;
    use crate::frontend::yaml;
    use crate::source::FileId;

    /// Enough services for the walk to share them among threads: the error reported is still
    /// the first in document order, as compose-go's walk returns it.
    #[test]
    fn the_first_failing_service_is_reported_however_many_there_are() {
        let mut text = String::from("services:\n");
        for i in 0..200 {
            let host_ip = match i {
                70 => "not-an-ip",
                150 => "also-wrong",
                _ => "127.0.0.1",
            };
            writeln!(
                text,
                "  s{i}:\n    ports:\n      - {{target: 80, host_ip: {host_ip}}}"
            )
            .unwrap();
        }
        let root = yaml::parse(&text, FileId(0)).unwrap().remove(0);
        let error = validate(&root).unwrap_err();
        assert_eq!(
            error.message,
            "`services.s70.ports.[]` has an invalid host IP address `not-an-ip`"
        );
        let valid = text
            .replace("not-an-ip", "::1")
            .replace("also-wrong", "10.0.0.1");
        let root = yaml::parse(&valid, FileId(0)).unwrap().remove(0);
        assert!(validate(&root).is_ok());
    }
}
