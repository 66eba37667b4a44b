//! Kubernetes names derived from compose names.
//!
//! Compose allows `[a-zA-Z0-9][a-zA-Z0-9_.-]*` for service names; Kubernetes Services need a
//! DNS-1035 label (lowercase letters, digits and `-`, starting with a letter, at most 63
//! characters). Every object name stackc derives follows the stricter rule, so one derivation
//! serves every kind.

use std::fmt::Write as _;

/// The longest DNS label Kubernetes accepts.
pub const MAX_LABEL: usize = 63;

/// Whether a lookup of `asked` finds a record named `name`: DNS names match whatever their
/// case, in Docker's resolver, CoreDNS (the cluster's) and podman's aardvark-dns alike, so
/// `webApp` reaches the Service `webapp`.
#[must_use]
pub fn same_dns_name(asked: &str, name: &str) -> bool {
    asked.eq_ignore_ascii_case(name)
}

/// A DNS-1035 label derived from `name`: lowercased, every other character replaced by `-`,
/// prefixed with `x-` when it does not start with a letter, and cut to 63 characters.
#[must_use]
pub fn dns_label(name: &str) -> String {
    // Sized once: storage lowering makes several labels per mount, and growing each string
    // from empty was half of their cost. Not `label_of(&[name])`, which costs 0.15% more of a
    // 1000-service build on this, the hottest label.
    let mut out = String::with_capacity(name.len() + 2);
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.push_str("x-");
    }
    out.extend(name.chars().map(label_char));
    truncate_label(&mut out, MAX_LABEL);
    out
}

/// A DNS-1123 subdomain derived from `name`, as Secrets and ConfigMaps are named: lowercased,
/// every character but letters, digits, `-` and `.` replaced by `-`, each `.`-separated label
/// trimmed of `-` and empty ones dropped, and cut to 253 characters. A valid name is kept as it
/// is.
#[must_use]
pub fn dns_subdomain(name: &str) -> String {
    if is_dns_subdomain(name) {
        return name.to_owned();
    }
    let mapped: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-') => c,
            _ => '-',
        })
        .collect();
    let labels: Vec<&str> = mapped
        .split('.')
        .map(|label| label.trim_matches('-'))
        .filter(|label| !label.is_empty())
        .collect();
    if labels.is_empty() {
        return "x".to_owned();
    }
    let joined = labels.join(".");
    joined
        .chars()
        .take(253)
        .collect::<String>()
        .trim_end_matches(['-', '.'])
        .to_owned()
}

/// The [`dns_label`] of the concatenation of `parts`, without building the concatenation.
fn label_of(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 2);
    if !starts_with_letter(parts) {
        out.push_str("x-");
    }
    for part in parts {
        out.extend(part.chars().map(label_char));
    }
    truncate_label(&mut out, MAX_LABEL);
    out
}

fn starts_with_letter(parts: &[&str]) -> bool {
    parts
        .iter()
        .find(|p| !p.is_empty())
        .is_some_and(|p| p.as_bytes()[0].is_ascii_alphabetic())
}

/// Whether [`label_of`] cuts `parts` to fit a label.
fn is_cut(parts: &[&str]) -> bool {
    let x_prefix = if starts_with_letter(parts) { 0 } else { 2 };
    x_prefix + parts.iter().map(|p| p.chars().count()).sum::<usize>() > MAX_LABEL
}

/// A character of a DNS label: lowercase letters and digits are kept, others become `-`.
fn label_char(c: char) -> char {
    match c.to_ascii_lowercase() {
        c @ ('a'..='z' | '0'..='9') => c,
        _ => '-',
    }
}

/// A DNS label for `name`, as [`dns_label`] derives it, that stays distinct from the labels of
/// other names that share its first 63 characters (`<long project>-postgres-user` and
/// `<long project>-postgres-password`): a name cut to fit ends with a hash of the whole of it.
/// The same name always gives the same label.
#[must_use]
pub fn distinct_dns_label(name: &str) -> String {
    let mut label = dns_label(name);
    if is_cut(&[name]) {
        truncate_label(&mut label, MAX_LABEL - HASH_DIGITS - 1);
        label.push('-');
        push_hash(&mut label, name);
    }
    label
}

/// The DNS label of `<prefix>-<name>` (a project's object, `<project>-<volume>`), distinct as
/// [`distinct_dns_label`]'s are. The prefix, which the project's objects share, is cut before
/// the name that tells them apart: `<project, cut>-<name>-<hash>`.
#[must_use]
pub fn distinct_prefixed_label(prefix: &str, name: &str) -> String {
    let parts = [prefix, "-", name];
    if !is_cut(&parts) {
        return label_of(&parts);
    }
    let mut tail: String = name.chars().map(label_char).collect();
    tail.truncate(MAX_LABEL / 2);
    let mut tail = tail.trim_matches('-').to_owned();
    if !tail.is_empty() {
        tail.push('-');
    }
    push_hash(&mut tail, &crate::text::joined(&parts));
    let mut head = dns_label(prefix);
    truncate_label(&mut head, MAX_LABEL - 1 - tail.len());
    crate::text::joined(&[&head, "-", &tail])
}

/// The first of `base`, `base-2`, `base-3`… (each still a label) that is not `taken`.
#[must_use]
pub fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = base.to_owned();
    let mut n = 1;
    while taken(&name) {
        n += 1;
        name = with_suffix(base, &n.to_string());
    }
    name
}

/// The pod hostname and subdomain under which `name`, two DNS labels (`node-1.rabbit`),
/// resolves in a namespace: the subdomain names a Service, so it must start with a letter.
/// `None` for any other name: one of three labels or more cannot resolve through a subdomain.
#[must_use]
pub fn subdomain(name: &str) -> Option<crate::ir::Subdomain> {
    let (hostname, subdomain) = name.split_once('.')?;
    let (hostname, subdomain) = (
        hostname.to_ascii_lowercase(),
        subdomain.to_ascii_lowercase(),
    );
    (is_dns_label(&hostname)
        && is_dns_label(&subdomain)
        && subdomain.starts_with(|c: char| c.is_ascii_lowercase()))
    .then_some(crate::ir::Subdomain {
        hostname,
        name: subdomain,
    })
}

/// `base` with `suffix` appended, cut so that the result is still a label of at most 63
/// characters (the suffix is kept whole).
#[must_use]
pub fn with_suffix(base: &str, suffix: &str) -> String {
    let mut out = String::with_capacity(base.len() + 1 + suffix.len());
    out.push_str(base);
    truncate_label(&mut out, MAX_LABEL.saturating_sub(suffix.len() + 1));
    crate::text::push_all(&mut out, &["-", suffix]);
    out
}

/// A label value (at most 63 characters of alphanumerics, `-`, `_` and `.`, starting and ending
/// with an alphanumeric) derived from `value`.
#[must_use]
pub fn label_value(value: &str) -> String {
    // Most values (a project's or a service's name) are valid as they are; every object carries
    // several of them.
    if is_label_value(value) {
        return value.to_owned();
    }
    let mapped: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut out = mapped
        .trim_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    out.truncate(MAX_LABEL);
    out.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned()
}

/// A label value for `value` that stays distinct from the label values of other values that
/// share its first 63 characters (`<long project>_backend`, `<long project>_frontend`): a value
/// cut to fit ends with a hash of the whole of it. The same value always gives the same label.
#[must_use]
pub fn distinct_label_value(value: &str) -> String {
    let mut label = label_value(value);
    if value.len() <= MAX_LABEL {
        return label;
    }
    label.truncate(MAX_LABEL - HASH_DIGITS - 1);
    label.truncate(
        label
            .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
            .len(),
    );
    if !label.is_empty() {
        label.push('-');
    }
    push_hash(&mut label, value);
    label
}

/// How many hexadecimal digits of a hash keep a cut name distinct.
const HASH_DIGITS: usize = 8;

/// Appends the first [`HASH_DIGITS`] hexadecimal digits of the SHA-256 of `whole`.
fn push_hash(out: &mut String, whole: &str) {
    use sha2::{Digest, Sha256};
    for byte in &Sha256::digest(whole.as_bytes())[..HASH_DIGITS / 2] {
        let _ = write!(out, "{byte:02x}");
    }
}

/// Whether `s` is a DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters,
/// starting and ending with a letter or digit.
#[must_use]
pub fn is_dns_label(s: &str) -> bool {
    s.len() <= MAX_LABEL && is_label_of_any_length(s)
}

/// A DNS-1123 label but for its length: lowercase letters, digits and `-`, starting and ending
/// with a letter or digit.
fn is_label_of_any_length(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Whether [`dns_label`] keeps `name` as a DNS lookup sees it (`webApp` is kept, as `webapp`;
/// `web_app` and `1panel` are not), without making the label.
#[must_use]
pub fn keeps_dns_label(name: &str) -> bool {
    name.len() <= MAX_LABEL
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && !name.ends_with('-')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether `s` is a DNS-1123 subdomain as the API server checks one: at most 253 characters of
/// `.`-separated parts of lowercase letters, digits and `-`, each starting and ending with a
/// letter or digit. Unlike DNS, it puts no limit on one part's length.
#[must_use]
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_label_of_any_length)
}

/// Whether the API server takes `name` as an environment variable's: printable ASCII other
/// than `=` (Kubernetes 1.32 and later; before, a C identifier with `-` and `.`).
#[must_use]
pub fn is_env_var_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| matches!(b, b' '..=b'~') && b != b'=')
}

/// Whether `key` can be a label or annotation key: an optional DNS subdomain prefix and `/`,
/// then a name of at most 63 alphanumerics, `-`, `_` and `.` that starts and ends alphanumeric.
#[must_use]
pub fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    let prefix_ok = prefix.is_none_or(|p| p.len() <= 253 && p.split('.').all(is_dns_label));
    is_label_value(name) && prefix_ok
}

/// Whether `s` is a label value, and the name part of a label key: at most 63 alphanumerics,
/// `-`, `_` and `.`, starting and ending with an alphanumeric.
#[must_use]
pub fn is_label_value(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.len() <= MAX_LABEL
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn truncate_label(s: &mut String, max: usize) {
    s.truncate(max);
    while s.ends_with('-') {
        s.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_labels_are_those_dns_label_keeps() {
        let long = "a".repeat(64);
        for name in [
            "web", "webApp", "web-1", "web_app", "1panel", "web-", "-web", "web.app", "", "é",
            &long,
        ] {
            assert_eq!(
                keeps_dns_label(name),
                same_dns_name(name, &dns_label(name)),
                "{name}"
            );
        }
    }

    #[test]
    fn external_names_become_dns_subdomains() {
        assert_eq!(dns_subdomain("kong.yml"), "kong.yml");
        assert_eq!(dns_subdomain("97-supabase.sql"), "97-supabase.sql");
        assert_eq!(dns_subdomain("Postgres_Password"), "postgres-password");
        assert_eq!(dns_subdomain("_x_."), "x");
        assert_eq!(dns_subdomain("__"), "x");
        assert_eq!(dns_subdomain("app_.tls_key"), "app.tls-key");
        assert_eq!(dns_subdomain("a..b"), "a.b");
        assert!(is_dns_subdomain(&dns_subdomain(&"a_".repeat(200))));
    }

    #[test]
    fn compose_names_become_dns_labels() {
        assert_eq!(dns_label("web"), "web");
        assert_eq!(dns_label("My_App.v2"), "my-app-v2");
        assert_eq!(dns_label("3proxy"), "x-3proxy");
        assert_eq!(dns_label(&"a".repeat(70)).len(), 63);
        assert_eq!(dns_label("db_"), "db");
        assert_eq!(dns_label("Äpfel"), "x--pfel");
        assert_eq!(dns_label("_"), "x");
        assert_eq!(dns_label(""), "x");
    }

    #[test]
    fn names_of_two_labels_resolve_through_a_subdomain() {
        let parts = |name: &str| subdomain(name).map(|s| (s.hostname, s.name));
        assert_eq!(
            parts("Node-1.Rabbit"),
            Some(("node-1".to_owned(), "rabbit".to_owned()))
        );
        assert_eq!(
            parts("1.indexer"),
            Some(("1".to_owned(), "indexer".to_owned()))
        );
        for name in [
            "web",
            "peer0.org1.example.com",
            "a.1b",
            "my_db.x",
            "a.",
            ".b",
        ] {
            assert_eq!(parts(name), None, "{name}");
        }
    }

    #[test]
    fn long_names_that_share_a_prefix_stay_distinct() {
        let project = "t-crxnit-traefik-docker-hosting-2026-clients-template";
        let user = distinct_dns_label(&format!("{project}-postgres-user"));
        let password = distinct_dns_label(&format!("{project}-postgres-password"));
        assert_ne!(user, password);
        for label in [&user, &password] {
            assert!(is_dns_label(label), "{label}");
            assert!(label.len() <= MAX_LABEL, "{label}");
        }
        assert_eq!(
            user,
            distinct_dns_label(&format!("{project}-postgres-user"))
        );
        assert_eq!(distinct_dns_label("shop_db_pass"), "shop-db-pass");
        let volume = distinct_prefixed_label(project, "postgres_data");
        assert!(
            volume.starts_with("t-crxnit-traefik-docker-hosting-2026-"),
            "{volume}"
        );
        assert!(volume.contains("-postgres-data-"), "{volume}");
        assert!(is_dns_label(&volume), "{volume}");
        assert_ne!(
            volume,
            distinct_prefixed_label(project, "postgres_data_archive")
        );
        assert_eq!(distinct_prefixed_label("shop", "db_pass"), "shop-db-pass");
        assert_eq!(distinct_prefixed_label("9shop", "Data_"), "x-9shop-data");
        assert_eq!(distinct_dns_label("9lives"), "x-9lives");
    }

    #[test]
    fn suffixes_survive_truncation() {
        let long = "b".repeat(63);
        let name = with_suffix(&long, "lb");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("-lb"));
    }

    #[test]
    fn annotation_keys_follow_kubernetes_rules() {
        assert!(is_qualified_name("com.example.team"));
        assert!(is_qualified_name("example.com/team_name"));
        assert!(!is_qualified_name(&format!("traefik.{}", "x".repeat(60))));
        assert!(!is_qualified_name("Example.com/team"));
        assert!(!is_qualified_name("team-"));
    }

    #[test]
    fn label_values_start_and_end_alphanumeric() {
        assert_eq!(label_value("_my project_"), "my-project");
        assert_eq!(
            label_value("docker__awesome-compose__django"),
            "docker__awesome-compose__django"
        );
    }

    #[test]
    fn cut_label_values_stay_distinct() {
        let project = "damalis__full-stack-nginx-drupal-for-everyone-with-docker-compose__root";
        let backend = distinct_label_value(&format!("{project}_backend"));
        let frontend = distinct_label_value(&format!("{project}_frontend"));
        assert_ne!(backend, frontend);
        assert_eq!(backend.len(), 63);
        assert!(is_label_value(&backend) && is_label_value(&frontend));
        assert_eq!(backend, distinct_label_value(&format!("{project}_backend")));
        assert_eq!(distinct_label_value("shop_back"), "shop_back");
        assert_eq!(distinct_label_value(&"a".repeat(63)), "a".repeat(63));
        assert!(is_label_value(&distinct_label_value(&"_".repeat(70))));
    }

    #[test]
    fn label_values_are_cut_to_63_characters_and_cleaned() {
        let long = "a".repeat(63);
        assert_eq!(label_value(&long), long);
        assert_eq!(label_value(&format!("{long}b")), long);
        assert_eq!(
            label_value(&format!("{}-b", "a".repeat(62))),
            "a".repeat(62)
        );
        assert_eq!(label_value("web.1"), "web.1");
        assert_eq!(label_value("web."), "web");
        assert_eq!(label_value("-web"), "web");
        assert_eq!(label_value("wéb"), "w-b");
        assert_eq!(label_value(""), "");
        assert_eq!(label_value("._-"), "");
    }
}
