//! The pods' name resolution (`extra_hosts`, `dns`, `dns_search`) kept to what the API server
//! accepts. Docker writes these into the container's `/etc/hosts` and `resolv.conf` as given;
//! the API server refuses the whole workload when one host alias, nameserver or search domain
//! breaks its rules, so an entry that does is left out and reported. Case is not reported:
//! names resolve without it, and the API server takes them lowercase only.

use super::{Lowering, NameRules};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::names::is_dns_subdomain;
use crate::ir::{Locate, Pod, Project};
use crate::source::Span;

/// The resolver reads no more nameservers than this, and the API server takes no more.
const MAX_NAMESERVERS: usize = 3;
/// The API server's limits on the search list: entries, and characters joined by spaces.
const MAX_SEARCHES: usize = 32;
const MAX_SEARCH_CHARS: usize = 2048;

impl<L: Locate> Lowering<'_, L> {
    pub(super) fn resolvers(&mut self, rules: NameRules, ir: &mut Project) {
        if rules != NameRules::Kubernetes {
            return;
        }
        for (name, workload) in &mut ir.workloads {
            self.host_aliases(name, &mut workload.pod);
            self.nameservers(name, &mut workload.pod);
            self.searches(name, &mut workload.pod);
        }
    }

    /// Where `extra_hosts` entry `host` of service `name` is written: its key in a mapping, its
    /// `host=address` (or `host:address`) item in a list, or else the list.
    pub(super) fn extra_host_span(&self, name: &str, host: &str) -> Option<Span> {
        let item = |entry: &str| entry.split_once(['=', ':']).is_some_and(|(h, _)| h == host);
        self.locations
            .exact_span(&["services", name, "extra_hosts", host])
            .or_else(|| {
                self.locations
                    .find_value(&["services", name, "extra_hosts"], &item)
            })
            .or_else(|| self.span(&["services", name, "extra_hosts"]))
    }

    fn host_aliases(&mut self, name: &str, pod: &mut Pod) {
        if pod.host_aliases.is_empty() {
            return;
        }
        let aliases = std::mem::take(&mut pod.host_aliases);
        for (address, hosts) in aliases {
            if !is_ip(&address) {
                for host in &hosts {
                    let span = self.extra_host_span(name, host);
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::UnloweredValue,
                            format!(
                                "`{host}={address}` of service `{name}` is left out: `{address}` is not an IP address, and a Kubernetes host alias needs one"
                            ),
                        )
                        .with_label(span, "not an IP address"),
                    );
                }
                continue;
            }
            let mut kept: Vec<String> = Vec::with_capacity(hosts.len());
            for host in hosts {
                let lower = host.to_ascii_lowercase();
                if !is_dns_subdomain(&lower) {
                    let span = self.extra_host_span(name, &host);
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::UnloweredValue,
                            format!(
                                "`{host}={address}` of service `{name}` is left out: a Kubernetes host alias takes only names of lowercase letters, digits, `-` and `.`"
                            ),
                        )
                        .with_label(span, "not a name Kubernetes takes"),
                    );
                } else if !kept.contains(&lower) {
                    kept.push(lower);
                }
            }
            if !kept.is_empty() {
                pod.host_aliases.entry(address).or_default().extend(kept);
            }
        }
    }

    fn nameservers(&mut self, name: &str, pod: &mut Pod) {
        if pod.dns.nameservers.is_empty() {
            return;
        }
        let servers = std::mem::take(&mut pod.dns.nameservers);
        let mut beyond = Vec::new();
        let mut first_beyond = None;
        for (i, server) in servers.into_iter().enumerate() {
            if !is_ip(&server) {
                self.warn(
                    Code::UnloweredValue,
                    &["services", name, "dns", &i.to_string()],
                    format!(
                        "DNS server `{server}` of service `{name}` is left out: Kubernetes takes only IP addresses"
                    ),
                    "not an IP address",
                );
            } else if pod.dns.nameservers.len() < MAX_NAMESERVERS {
                pod.dns.nameservers.push(server);
            } else {
                first_beyond.get_or_insert(i);
                beyond.push(format!("`{server}`"));
            }
        }
        if let Some(first) = first_beyond {
            let (servers, are) = if beyond.len() == 1 {
                ("server", "is")
            } else {
                ("servers", "are")
            };
            self.warn(
                Code::UnloweredValue,
                &["services", name, "dns", &first.to_string()],
                format!(
                    "DNS {servers} {} of service `{name}` {are} left out: Kubernetes takes at most {MAX_NAMESERVERS}, the most the resolver reads",
                    beyond.join(", ")
                ),
                "beyond the third DNS server",
            );
        }
    }

    fn searches(&mut self, name: &str, pod: &mut Pod) {
        if pod.dns.searches.is_empty() {
            return;
        }
        let searches = std::mem::take(&mut pod.dns.searches);
        let mut chars = 0;
        for (i, search) in searches.into_iter().enumerate() {
            let lower = search.to_ascii_lowercase();
            let why = if search == "." {
                "Docker reads it as no search domain, but a pod keeps the cluster's, by which service names resolve"
            } else if !is_dns_subdomain(lower.strip_suffix('.').unwrap_or(&lower)) {
                "Kubernetes takes only domains of lowercase letters, digits, `-` and `.`"
            } else if pod.dns.searches.len() == MAX_SEARCHES
                || chars + usize::from(chars > 0) + lower.len() > MAX_SEARCH_CHARS
            {
                "Kubernetes takes at most 32 search domains of 2048 characters together"
            } else {
                chars += usize::from(chars > 0) + lower.len();
                pod.dns.searches.push(lower);
                continue;
            };
            self.warn(
                Code::UnloweredValue,
                &["services", name, "dns_search", &i.to_string()],
                format!("DNS search domain `{search}` of service `{name}` is left out: {why}"),
                "not a search domain Kubernetes takes",
            );
        }
    }
}

/// Whether the API server reads `text` as an IP address. It still takes IPv4 parts with leading
/// zeros (`010.0.0.1`) in these fields, which it read before Kubernetes 1.33 made new fields
/// strict.
fn is_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok() || {
        let parts: Vec<&str> = text.split('.').collect();
        parts.len() == 4
            && parts.iter().all(|p| {
                !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u8>().is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::is_ip;

    #[test]
    fn addresses_are_read_as_the_api_server_reads_legacy_fields() {
        assert!(is_ip("10.0.0.1"));
        assert!(is_ip("010.000.0.1"));
        assert!(is_ip("::1"));
        assert!(is_ip("fe80::1"));
        assert!(!is_ip("256.0.0.1"));
        assert!(!is_ip("10.0.0"));
        assert!(!is_ip("dns.example.com"));
        assert!(!is_ip(""));
    }
}
