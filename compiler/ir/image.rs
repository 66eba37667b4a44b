//! Image references as Docker reads them (the grammar of `distribution/reference`): compose
//! passes `image` to the engine untouched, so a reference it cannot parse fails only when the
//! container is created, and a short name means Docker Hub.

/// The registry reference Docker reads an image name as: `postgres:16` is
/// `docker.io/library/postgres:16`, `bitnami/redis` is `docker.io/bitnami/redis`, and a name
/// whose first part is a host (`ghcr.io/…`, `registry:5000/…`, `localhost/…`) is its own.
#[must_use]
pub fn docker_reference(image: &str) -> String {
    match image.split_once('/') {
        None => format!("docker.io/library/{image}"),
        Some((first, _)) if is_domain(first) => image.to_owned(),
        Some(_) => format!("docker.io/{image}"),
    }
}

/// Why `image` is not a reference Docker (or a kubelet) can pull, or `None` when it is one.
#[must_use]
pub fn reference_problem(image: &str) -> Option<&'static str> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    if let Some(digest) = digest
        && !is_digest(digest)
    {
        return Some("its digest is not `algorithm:hex`");
    }
    let last_part = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[last_part..].find(':') {
        Some(i) => (&name[..last_part + i], Some(&name[last_part + i + 1..])),
        None => (name, None),
    };
    if name.is_empty() {
        return Some("its name is empty");
    }
    match tag {
        Some("") => return Some("its tag is empty"),
        Some(tag) if !is_tag(tag) => {
            return Some(
                "a tag is letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`",
            );
        }
        _ => {}
    }
    if name.len() > 255 {
        return Some("its name is longer than 255 characters");
    }
    let first = name.split('/').next().unwrap_or_default();
    let registry = name.contains('/') && is_domain(first);
    if registry && !is_host(first) {
        return Some("its registry is not a host name with an optional port");
    }
    if name
        .split('/')
        .skip(usize::from(registry))
        .any(|part| !is_path_component(part))
    {
        return Some(
            "each part of a name is lowercase letters and digits, joined by `.`, `_`, `__` or dashes",
        );
    }
    None
}

/// Docker's test for a registry host as the first part of a name.
fn is_domain(first: &str) -> bool {
    first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase())
}

fn is_host(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || domain.starts_with('[') => (host, Some(port)),
        _ => (domain, None),
    };
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':')
    } else {
        !host.is_empty()
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    };
    host_ok && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn is_path_component(part: &str) -> bool {
    let bytes = part.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.first().is_none_or(|&b| !alnum(b)) || bytes.last().is_none_or(|&b| !alnum(b)) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &part[start..i];
        let allowed = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !allowed {
            return false;
        }
    }
    true
}

/// `[\w][\w.-]{0,127}`
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    tag.len() <= 128
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-')
}

/// `algorithm:hex`, the algorithm `[a-z0-9]+([+._-][a-z0-9]+)*` and at least 32 hex digits.
fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    algorithm_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::{docker_reference, reference_problem};

    #[test]
    fn short_names_are_docker_hub() {
        assert_eq!(
            docker_reference("postgres:16"),
            "docker.io/library/postgres:16"
        );
        assert_eq!(
            docker_reference("redis@sha256:0123"),
            "docker.io/library/redis@sha256:0123"
        );
        assert_eq!(docker_reference("bitnami/redis"), "docker.io/bitnami/redis");
        assert_eq!(docker_reference("ghcr.io/org/app:1"), "ghcr.io/org/app:1");
        assert_eq!(docker_reference("registry:5000/app"), "registry:5000/app");
        assert_eq!(docker_reference("localhost/app"), "localhost/app");
        assert_eq!(
            docker_reference("docker.io/library/nginx"),
            "docker.io/library/nginx"
        );
    }

    #[test]
    fn valid_references_pass() {
        for image in [
            "postgres",
            "postgres:16.4-alpine",
            "bitnami/redis:7.2",
            "ghcr.io/org/sub/app:v1.0_rc",
            "registry.example.com:5000/team/app",
            "localhost/app",
            "[::1]:5000/app",
            "MyRegistry/app",
            "my_org/my__app-x.y",
            "a--b/c",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(reference_problem(image), None, "{image}");
        }
    }

    #[test]
    fn invalid_references_say_why() {
        assert_eq!(reference_problem("emqx/emqx:"), Some("its tag is empty"));
        assert!(
            reference_problem("docker.elastic.co/elasticsearch/elasticsearch:{version}").is_some()
        );
        assert!(reference_problem("org/My-App").is_some());
        assert!(reference_problem("app name").is_some());
        assert!(reference_problem("app:-x").is_some());
        assert!(reference_problem("app@sha256:short").is_some());
        assert!(reference_problem("a_-b").is_some());
        assert_eq!(reference_problem(":"), Some("its name is empty"));
        assert_eq!(reference_problem(":latest"), Some("its name is empty"));
    }
}
