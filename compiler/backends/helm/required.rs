//! Required compose variables: a value written as one `${NAME:?message}` stays required in the
//! chart. The frontend keeps the text of each value before interpolation ([`Locate::template`]);
//! this module finds the values the chart parameterises that were such a variable.

use indexmap::IndexMap;

use super::template::quoted;
use crate::ir::{self, Locate};

/// A compose value written as exactly one `${NAME:?message}` or `${NAME?message}`. Its chart
/// value keeps the resolved value as default, so the defaults still render the k3s objects, and
/// the chart refuses an empty value with the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Required {
    pub name: String,
    /// The compose message, possibly empty.
    pub message: String,
}

impl Required {
    /// `expr` wrapped in a `required` call that names the value to set.
    pub(super) fn guard(&self, expr: &str, values_path: &str) -> String {
        let message = if self.message.is_empty() {
            format!("set {values_path} (compose variable {})", self.name)
        } else {
            format!("{} (set {values_path})", self.message)
        };
        format!("required {} ({expr})", quoted(&message))
    }
}

/// The required variables behind the values the chart parameterises (each service's image and
/// environment), from the text of each value before interpolation.
pub fn required(project: &ir::Project, locations: &impl Locate) -> IndexMap<String, Required> {
    let mut out = IndexMap::new();
    for (compose, workload) in &project.workloads {
        let image = ["services", compose.as_str(), "image"];
        if let Some(required) = locations
            .template(&image)
            .and_then(|t| required_variable(t, ""))
        {
            out.insert(image.join("."), required);
        }
        let Some(container) = workload
            .pod
            .containers
            .iter()
            .find(|c| c.name == workload.name)
        else {
            continue;
        };
        for (index, name) in container.env.keys().enumerate() {
            // `environment` is a mapping (`NAME: ${X:?…}`) or a list (`- NAME=${X:?…}`).
            let mapping = ["services", compose.as_str(), "environment", name.as_str()];
            let index = index.to_string();
            let list = ["services", compose.as_str(), "environment", index.as_str()];
            let found = locations
                .template(&mapping)
                .and_then(|t| required_variable(t, ""))
                .or_else(|| {
                    let prefix = format!("{name}=");
                    locations
                        .template(&list)
                        .and_then(|t| required_variable(t, &prefix))
                });
            if let Some(required) = found {
                out.insert(mapping.join("."), required);
            }
        }
    }
    out
}

/// The required variable that `template`, after `prefix`, consists of exactly.
fn required_variable(template: &str, prefix: &str) -> Option<Required> {
    use crate::frontend::interpolate::{self, Operator, Part};
    let parsed = interpolate::parse(template).ok()?;
    let parts = match parsed.parts.as_slice() {
        [Part::Literal(text), rest @ ..] if !prefix.is_empty() && text == prefix => rest,
        parts if prefix.is_empty() => parts,
        _ => return None,
    };
    let [Part::Variable(variable)] = parts else {
        return None;
    };
    if !matches!(
        variable.operator,
        Some(Operator::Required | Operator::RequiredNonEmpty)
    ) {
        return None;
    }
    let message = variable
        .argument
        .iter()
        .flat_map(|a| &a.parts)
        .map(|part| match part {
            Part::Literal(text) => text.clone(),
            Part::Variable(v) => format!("${{{}}}", v.name),
        })
        .collect();
    Some(Required {
        name: variable.name.clone(),
        message,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_whole_required_variable_is_required() {
        let required = |t: &str, prefix: &str| super::required_variable(t, prefix);
        let found = required("${PASSWORD:?set the password}", "").unwrap();
        assert_eq!(
            (found.name.as_str(), found.message.as_str()),
            ("PASSWORD", "set the password")
        );
        assert_eq!(required("A=${A?}", "A=").unwrap().message, "");
        assert!(required("${A:-x}", "").is_none());
        assert!(required("x${A:?m}", "").is_none());
        assert!(required("B=${A:?m}", "A=").is_none());
    }
}
