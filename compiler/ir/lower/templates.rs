//! Swarm service templates (`{{.Service.Name}}`, `{{.Task.Slot}}`, `{{.Node.Hostname}}`):
//! `docker stack deploy` expands them for each service, task or node in `hostname`,
//! `environment` and volume names, while `docker compose up` passes them as written. A
//! service's own name is known when compiling, so `{{.Service.Name}}` becomes the swarm service
//! name, `<project>_<service>`; the others name a task or a node, which nothing in a
//! Deployment's pod spec stands for, so they are reported.

use std::borrow::Cow;

/// The swarm templates in `text`, in order: each whole `{{ ... }}` and the field it reads
/// (`Task.Slot`), for templates that read a service, task or node.
pub(super) fn templates(text: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find("{{")?;
            let end = start + rest[start..].find("}}")? + 2;
            let whole = &rest[start..end];
            rest = &rest[end..];
            let field = whole[2..whole.len() - 2].trim();
            let read = field
                .split_whitespace()
                .find_map(|word| word.strip_prefix('.'))
                .filter(|f| {
                    ["Service.", "Task.", "Node."]
                        .iter()
                        .any(|p| f.starts_with(p))
                });
            if let Some(read) = read {
                return Some((whole, read));
            }
        }
    })
}

/// `text` with each `{{.Service.Name}}` replaced by `swarm_name`, and the templates left in it.
pub(super) fn expand_service_name<'a>(
    text: &'a str,
    swarm_name: &str,
) -> (Cow<'a, str>, Vec<&'a str>) {
    let mut expanded = Cow::Borrowed(text);
    let mut left = Vec::new();
    for (whole, field) in templates(text) {
        if field == "Service.Name" && whole[2..whole.len() - 2].trim() == ".Service.Name" {
            expanded = Cow::Owned(expanded.replace(whole, swarm_name));
        } else {
            left.push(whole);
        }
    }
    (expanded, left)
}

#[cfg(test)]
mod tests {
    use super::{expand_service_name, templates};

    #[test]
    fn templates_that_read_a_service_task_or_node_are_found() {
        let found: Vec<_> = templates(
            "replica-{{.Task.Slot}}.{{ .Node.ID }}-{{x}}-{{index .Service.Labels \"a\"}}",
        )
        .collect();
        assert_eq!(
            found,
            [
                ("{{.Task.Slot}}", "Task.Slot"),
                ("{{ .Node.ID }}", "Node.ID"),
                ("{{index .Service.Labels \"a\"}}", "Service.Labels"),
            ]
        );
        assert_eq!(templates("{{ unclosed").count(), 0);
        assert_eq!(templates("plain").count(), 0);
    }

    #[test]
    fn the_service_name_is_expanded_and_the_rest_left() {
        let (text, left) = expand_service_name("{{.Service.Name}}-{{.Task.Slot}}-data", "db_node");
        assert_eq!(text, "db_node-{{.Task.Slot}}-data");
        assert_eq!(left, ["{{.Task.Slot}}"]);
        let (text, left) = expand_service_name("{{ .Service.Name }}", "db_node");
        assert_eq!((text.as_ref(), left.len()), ("db_node", 0));
    }
}
