//! Short-syntax ports, parsed the way compose-go's `types.ParsePortConfig` parses them through
//! go-connections' `nat.ParsePortSpecs` (v0.6.0, the version Docker Compose v2.40 links).

use std::net::{Ipv4Addr, Ipv6Addr};

/// One published port, with the fields compose-go's `ServicePortConfig` encodes from a short spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortMapping {
    /// Empty when the port binds every host address.
    pub host_ip: String,
    pub target: u16,
    /// Empty when the host port is chosen by the engine; `8000-8010` for a dynamic host range.
    pub published: String,
    pub protocol: String,
}

/// Parses `[ip:][host[-end]:]container[-end][/proto]` into one mapping per container port, in
/// the order compose-go returns them: sorted by the text `port/proto`, so `9-10` yields 10 first.
pub(crate) fn parse_port_spec(spec: &str) -> Result<Vec<PortMapping>, String> {
    let (raw_ip, host_port, container) = split_parts(spec);
    let (proto, container_port) = split_proto_port(container);
    // go-connections reports an empty container port as an empty protocol; say what is missing.
    if container_port.is_empty() {
        return Err("no container port specified".into());
    }
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let ip = strip_brackets(&raw_ip)?;
    if !ip.is_empty() && !is_ip(ip) {
        return Err(format!("invalid IP address: {ip}"));
    }
    let (start, end) = parse_port_range(container_port)
        .map_err(|()| format!("invalid containerPort: {container_port}"))?;
    let (host_start, host_end) = if host_port.is_empty() {
        (0, 0)
    } else {
        let (s, e) =
            parse_port_range(host_port).map_err(|()| format!("invalid hostPort: {host_port}"))?;
        if end - start != e - s && end != start {
            return Err(format!(
                "invalid ranges specified for container and host ports: {container_port} and {host_port}"
            ));
        }
        (s, e)
    };
    let count = end - start + 1;
    let mut mappings: Vec<(String, PortMapping)> = (0..count)
        .map(|i| {
            let target = (start + i) as u16;
            let mut published = String::new();
            if !host_port.is_empty() {
                published = (host_start + i).to_string();
                if count == 1 && host_start != host_end {
                    published = format!("{published}-{host_end}");
                }
            }
            let key = format!("{target}/{proto}");
            let mapping = PortMapping {
                host_ip: ip.to_owned(),
                target,
                published,
                protocol: proto.clone(),
            };
            (key, mapping)
        })
        .collect();
    mappings.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(mappings.into_iter().map(|(_, m)| m).collect())
}

fn split_parts(spec: &str) -> (String, &str, &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    match parts.as_slice() {
        [container] => (String::new(), "", container),
        [host, container] => (String::new(), host, container),
        [ip @ .., host, container] => (ip.join(":"), host, container),
        [] => unreachable!("split always yields one part"),
    }
}

/// `80/udp` → (`udp`, `80`); no protocol means tcp; no port means neither.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let (port, proto) = raw.split_once('/').unwrap_or((raw, ""));
    if port.is_empty() {
        return ("", "");
    }
    (if proto.is_empty() { "tcp" } else { proto }, port)
}

/// `[::1]` → `::1`, as Go's `net.SplitHostPort(ip + ":")` does.
fn strip_brackets(ip: &str) -> Result<&str, String> {
    let Some(rest) = ip.strip_prefix('[') else {
        return Ok(ip);
    };
    match rest.strip_suffix(']') {
        Some(inner) if !inner.contains(['[', ']']) => Ok(inner),
        _ => Err(format!("invalid IP address {ip}")),
    }
}

fn is_ip(ip: &str) -> bool {
    ip.parse::<Ipv4Addr>().is_ok() || ip.parse::<Ipv6Addr>().is_ok()
}

/// Go's `strconv.ParseUint(s, 10, 16)`: ASCII digits only, at most 65535.
fn parse_u16(s: &str) -> Result<u32, ()> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    s.parse::<u16>().map(u32::from).map_err(|_| ())
}

/// `8000` or `8000-8010`; only the first two dash-separated parts count, as in go-connections.
fn parse_port_range(ports: &str) -> Result<(u32, u32), ()> {
    let Some((first, rest)) = ports.split_once('-') else {
        let port = parse_u16(ports)?;
        return Ok((port, port));
    };
    let start = parse_u16(first)?;
    let end = parse_u16(rest.split('-').next().unwrap_or(rest))?;
    if end < start {
        return Err(());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(host_ip: &str, target: u16, published: &str, protocol: &str) -> PortMapping {
        PortMapping {
            host_ip: host_ip.into(),
            target,
            published: published.into(),
            protocol: protocol.into(),
        }
    }

    #[test]
    fn container_port_only() {
        assert_eq!(parse_port_spec("80").unwrap(), [one("", 80, "", "tcp")]);
    }

    #[test]
    fn host_and_container_with_protocol() {
        assert_eq!(
            parse_port_spec("8080:80/UDP").unwrap(),
            [one("", 80, "8080", "udp")]
        );
    }

    #[test]
    fn ip_with_empty_host_port() {
        assert_eq!(
            parse_port_spec("127.0.0.1::80").unwrap(),
            [one("127.0.0.1", 80, "", "tcp")]
        );
    }

    #[test]
    fn bracketed_and_bare_ipv6() {
        assert_eq!(
            parse_port_spec("[::1]:80:80").unwrap(),
            [one("::1", 80, "80", "tcp")]
        );
        assert_eq!(
            parse_port_spec("::1:81:80").unwrap(),
            [one("::1", 80, "81", "tcp")]
        );
    }

    #[test]
    fn ranges_pair_up_and_sort_as_text() {
        let ports = parse_port_spec("8000-8001:80-81").unwrap();
        assert_eq!(
            ports,
            [one("", 80, "8000", "tcp"), one("", 81, "8001", "tcp")]
        );
        let targets: Vec<u16> = parse_port_spec("9-10")
            .unwrap()
            .iter()
            .map(|p| p.target)
            .collect();
        assert_eq!(targets, [10, 9]);
    }

    #[test]
    fn host_range_for_single_container_port() {
        assert_eq!(
            parse_port_spec("8000-8010:80").unwrap(),
            [one("", 80, "8000-8010", "tcp")]
        );
    }

    #[test]
    fn rejects_bad_specs() {
        for (spec, reason) in [
            ("80:80:80:80", "invalid IP address: 80:80"),
            ("80/xyz", "invalid proto: xyz"),
            ("+80", "invalid containerPort: +80"),
            ("70000", "invalid containerPort: 70000"),
            ("x:80", "invalid hostPort: x"),
            ("80:", "no container port specified"),
            ("1-3:1-2", "invalid ranges"),
            ("[::1:80:80", "invalid IP address [::1"),
        ] {
            let err = parse_port_spec(spec).unwrap_err();
            assert!(err.starts_with(reason), "{spec}: {err}");
        }
    }
}
