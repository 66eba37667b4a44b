//! Dotted key paths into a compose tree, and compose-go's pattern matching on them.
//!
//! Many of compose's rules are keyed by a path pattern such as `services.*.ports.[].target`:
//! `*` matches any one key or list marker, and list elements are written `[]` (or `[N]`).

/// A path from the document root, one part per mapping key or list element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(Vec<String>);

impl Path {
    #[must_use]
    pub fn root() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn next(&self, part: &str) -> Self {
        let mut parts = self.0.clone();
        parts.push(part.to_owned());
        Self(parts)
    }

    #[must_use]
    pub fn parts(&self) -> &[String] {
        &self.0
    }

    /// compose-go's `Path.Matches`: same length, each part equal or the pattern part is `*`.
    #[must_use]
    pub fn matches(&self, pattern: &str) -> bool {
        let pattern: Vec<&str> = pattern.split('.').collect();
        pattern.len() == self.0.len()
            && self
                .0
                .iter()
                .zip(&pattern)
                .all(|(part, pat)| *pat == "*" || part == pat)
    }
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_part() {
        let p = Path::root().next("services").next("web").next("ports");
        assert!(p.matches("services.*.ports"));
        assert!(!p.matches("services.*"));
        assert!(
            p.next("[]")
                .next("target")
                .matches("services.*.ports.[].target")
        );
        assert!(p.next("[]").matches("services.*.ports.*"));
    }
}
