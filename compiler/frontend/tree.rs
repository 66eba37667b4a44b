//! Dotted key paths into a compose tree, and compose-go's pattern matching on them.
//!
//! Many of compose's rules are keyed by a path pattern such as `services.*.ports.[].target`:
//! `*` matches any one key or list marker, and list elements are written `[]` (or `[N]`).

use std::collections::HashMap;

/// A path from the document root, one part per mapping key or list element.
///
/// Walkers make a path for every node they visit and rarely read it (for an error message or a
/// rule lookup), so a path is a chain of borrowed parts on the walker's stack: making one
/// allocates nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Path<'a>(Option<Link<'a>>);

#[derive(Debug, Clone, Copy)]
struct Link<'a> {
    parent: &'a Path<'a>,
    part: &'a str,
    len: usize,
}

impl<'a> Path<'a> {
    #[must_use]
    pub fn root() -> Self {
        Self(None)
    }

    #[must_use]
    pub fn next(&'a self, part: &'a str) -> Self {
        Self(Some(Link {
            parent: self,
            part,
            len: self.len() + 1,
        }))
    }

    fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |link| link.len)
    }

    /// The parts from the leaf up to the root.
    fn rev_parts(&self) -> impl Iterator<Item = &'a str> {
        std::iter::successors(self.0, |link| link.parent.0).map(|link| link.part)
    }

    /// The parts from the root down.
    #[must_use]
    pub fn parts(&self) -> Vec<&'a str> {
        let mut parts: Vec<&str> = self.rev_parts().collect();
        parts.reverse();
        parts
    }

    /// True for the path of the top-level `services` mapping, whose entries walkers share
    /// among threads.
    #[must_use]
    pub fn is_services(&self) -> bool {
        self.0
            .is_some_and(|link| link.len == 1 && link.part == "services")
    }

    /// compose-go's `Path.Matches`: same length, each part equal or the pattern part is `*`.
    #[must_use]
    pub fn matches(&self, pattern: &str) -> bool {
        let mut parts = self.rev_parts();
        if pattern.split('.').count() != self.len() {
            return false;
        }
        pattern
            .rsplit('.')
            .all(|pat| parts.next().is_some_and(|part| pat == "*" || part == pat))
    }
}

impl PartialEq for Path<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.rev_parts().eq(other.rev_parts())
    }
}

impl Eq for Path<'_> {}

/// A table of path patterns compiled once, matched incrementally while a walker descends.
///
/// Walkers used to split every pattern at every node; with a [`Cursor`] each step is one lookup
/// of the key among the literal parts at that depth, and a walker skips a subtree as soon as no
/// pattern can match below it. At most 64 patterns, one bit each.
#[derive(Debug)]
pub struct PatternSet {
    /// Per depth: which patterns have a part there, and what each literal part lets through.
    levels: Vec<Level>,
    /// Per depth: the patterns that end there (a path of that length matches them).
    ends: Vec<u64>,
    /// Every pattern.
    all: u64,
}

#[derive(Debug, Default)]
struct Level {
    /// Patterns whose part at this depth is `*`.
    wildcards: u64,
    /// Patterns whose part at this depth is this literal.
    literals: HashMap<&'static str, u64, foldhash::fast::FixedState>,
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
        let mut set = Self {
            levels: Vec::new(),
            ends: Vec::new(),
            all: 0,
        };
        for (i, pattern) in patterns.into_iter().enumerate() {
            assert!(i < 64, "a pattern set holds at most 64 patterns");
            let bit = 1u64 << i;
            let parts: Vec<&'static str> = pattern.split('.').collect();
            if set.levels.len() < parts.len() {
                set.levels.resize_with(parts.len(), Level::default);
                set.ends.resize(parts.len() + 1, 0);
            }
            for (depth, &part) in parts.iter().enumerate() {
                let level = &mut set.levels[depth];
                if part == "*" {
                    level.wildcards |= bit;
                } else {
                    *level.literals.entry(part).or_default() |= bit;
                }
            }
            set.ends[parts.len()] |= bit;
            set.all |= bit;
        }
        set
    }

    /// The cursor at the document root, where every pattern is still possible.
    #[must_use]
    pub fn root(&self) -> Cursor {
        Cursor {
            alive: self.all,
            depth: 0,
        }
    }

    /// The cursor at `parts`, for a walk that resumes below a node it was handed.
    #[must_use]
    pub fn at<'p>(&self, parts: impl IntoIterator<Item = &'p str>) -> Cursor {
        parts
            .into_iter()
            .fold(self.root(), |cursor, part| self.step(cursor, part))
    }

    /// The cursor at `path`, for a walk that resumes below a node it was handed.
    #[must_use]
    pub fn at_path(&self, path: &Path<'_>) -> Cursor {
        match path.0 {
            None => self.root(),
            Some(link) => self.step(self.at_path(link.parent), link.part),
        }
    }

    /// Whether the walk must visit the node at `cursor`: a pattern matches it or lies below it.
    #[must_use]
    pub fn is_relevant(&self, cursor: Cursor) -> bool {
        cursor.alive != 0
    }

    /// The cursor one part further down: `part` is a mapping key or `[]` for a list item.
    #[must_use]
    pub fn step(&self, cursor: Cursor, part: &str) -> Cursor {
        let depth = cursor.depth + 1;
        let Some(level) = self.levels.get(cursor.depth) else {
            return Cursor { alive: 0, depth };
        };
        let mut through = level.wildcards;
        if cursor.alive & !through != 0 {
            through |= level.literals.get(part).copied().unwrap_or(0);
        }
        Cursor {
            alive: cursor.alive & through,
            depth,
        }
    }

    /// The first pattern, in table order, that matches the whole path (compose-go's `Matches`).
    #[must_use]
    pub fn matched(&self, cursor: Cursor) -> Option<usize> {
        let hits = cursor.alive & self.ends_at(cursor.depth);
        (hits != 0).then(|| hits.trailing_zeros() as usize)
    }

    /// Whether some pattern is longer than the path and still matches it so far.
    #[must_use]
    pub fn may_match_below(&self, cursor: Cursor) -> bool {
        cursor.alive & !self.ends_at(cursor.depth) != 0
    }

    fn ends_at(&self, depth: usize) -> u64 {
        self.ends.get(depth).copied().unwrap_or(0)
    }
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.parts().join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_part() {
        let (root, services, web);
        root = Path::root();
        services = root.next("services");
        web = services.next("web");
        let p = web.next("ports");
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
