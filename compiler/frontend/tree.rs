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
        let mut parts = self.0.iter();
        for pat in pattern.split('.') {
            match parts.next() {
                Some(part) if pat == "*" || part == pat => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }
}

/// A table of path patterns compiled once, matched incrementally while a walker descends.
///
/// Walkers used to split every pattern at every node; with a [`Cursor`] each step only checks
/// the patterns still alive, and a walker skips a subtree as soon as none can match below it.
/// At most 64 patterns, one bit each.
#[derive(Debug)]
pub struct PatternSet {
    /// Each pattern's parts, `None` for `*`.
    patterns: Vec<Vec<Option<&'static str>>>,
}

/// Where a walker stands in a [`PatternSet`]: the patterns whose prefix matches the path so far.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    alive: u64,
    depth: usize,
}

impl PatternSet {
    #[must_use]
    pub fn new(patterns: impl IntoIterator<Item = &'static str>) -> Self {
        let patterns: Vec<Vec<Option<&'static str>>> = patterns
            .into_iter()
            .map(|p| {
                p.split('.')
                    .map(|part| (part != "*").then_some(part))
                    .collect()
            })
            .collect();
        assert!(
            patterns.len() <= 64,
            "a pattern set holds at most 64 patterns"
        );
        Self { patterns }
    }

    /// The cursor at the document root, where every pattern is still possible.
    #[must_use]
    pub fn root(&self) -> Cursor {
        let alive = if self.patterns.len() == 64 {
            u64::MAX
        } else {
            (1u64 << self.patterns.len()) - 1
        };
        Cursor { alive, depth: 0 }
    }

    /// The cursor at `parts`, for a walk that resumes below a node it was handed.
    #[must_use]
    pub fn at<'p>(&self, parts: impl IntoIterator<Item = &'p str>) -> Cursor {
        parts
            .into_iter()
            .fold(self.root(), |cursor, part| self.step(cursor, part))
    }

    /// Whether the walk must visit the node at `cursor`: a pattern matches it or lies below it.
    #[must_use]
    pub fn is_relevant(&self, cursor: Cursor) -> bool {
        cursor.alive != 0
    }

    /// The cursor one part further down: `part` is a mapping key or `[]` for a list item.
    #[must_use]
    pub fn step(&self, cursor: Cursor, part: &str) -> Cursor {
        let mut alive = 0;
        let mut rest = cursor.alive;
        while rest != 0 {
            let i = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            if let Some(want) = self.patterns[i].get(cursor.depth)
                && want.is_none_or(|w| w == part)
            {
                alive |= 1 << i;
            }
        }
        Cursor {
            alive,
            depth: cursor.depth + 1,
        }
    }

    /// The first pattern, in table order, that matches the whole path (compose-go's `Matches`).
    #[must_use]
    pub fn matched(&self, cursor: Cursor) -> Option<usize> {
        let mut rest = cursor.alive;
        while rest != 0 {
            let i = rest.trailing_zeros() as usize;
            if self.patterns[i].len() == cursor.depth {
                return Some(i);
            }
            rest &= rest - 1;
        }
        None
    }

    /// Whether some pattern is longer than the path and still matches it so far.
    #[must_use]
    pub fn may_match_below(&self, cursor: Cursor) -> bool {
        let mut rest = cursor.alive;
        while rest != 0 {
            let i = rest.trailing_zeros() as usize;
            if self.patterns[i].len() > cursor.depth {
                return true;
            }
            rest &= rest - 1;
        }
        false
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

    #[test]
    fn pattern_sets_match_like_paths_and_prune() {
        let set = PatternSet::new(["services.*.ports.*", "services.*", "volumes.*.labels"]);
        let services = set.step(set.root(), "services");
        assert_eq!(set.matched(services), None);
        assert!(set.may_match_below(services));
        let web = set.step(services, "web");
        assert_eq!(set.matched(web), Some(1));
        let ports = set.step(web, "ports");
        assert_eq!(set.matched(ports), None);
        assert_eq!(set.matched(set.step(ports, "[]")), Some(0));
        assert!(!set.may_match_below(set.step(ports, "[]")));
        assert!(!set.may_match_below(set.step(web, "environment")));
        assert!(!set.may_match_below(set.step(set.root(), "x-extension")));
    }
}
