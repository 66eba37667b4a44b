//! `stackc.io/config-hash` on the pod template of every workload that mounts or reads a
//! ConfigMap or Secret, so that applying changed content rolls its pods (`subPath` mounts are
//! never refreshed in place). Secrets contribute their fingerprint: the source of the value, and
//! a digest of the value only when the value is written out anyway.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::diagnostics::Diagnostics;
use crate::ir::{EnvSource, Locate, Project, VolumeSource, Workload};

/// The annotation on pod templates.
pub const ANNOTATION: &str = "stackc.io/config-hash";

pub fn run(project: &mut Project, _locations: &impl Locate, _diagnostics: &mut Diagnostics) {
    // Each workload's digest reads only the project: they are computed on several threads.
    let digests = crate::parallel::map(project.workloads.values(), |workload| {
        digest(project, workload)
    });
    let stamped: Vec<(String, String)> = project
        .workloads
        .keys()
        .zip(digests)
        .filter_map(|(compose, digest)| Some((compose.clone(), digest?)))
        .collect();
    for (compose, digest) in stamped {
        if let Some(workload) = project.workloads.get_mut(&compose) {
            workload
                .pod
                .annotations
                .insert(ANNOTATION.to_owned(), digest);
        }
    }
}

/// The digest of what `workload` mounts or reads, or `None` when it uses no ConfigMap or Secret.
fn digest(project: &Project, workload: &Workload) -> Option<String> {
    let mut hasher = Sha256::new();
    let mut used = false;
    // Each entry's header is formatted into one reused buffer, not a new string: a shared
    // ConfigMap is digested once for every workload that uses it.
    let mut header = String::new();
    let mut config_map = |name: &str, hasher: &mut Sha256| {
        if let Some(c) = project.config_maps.get(name) {
            hasher.update(b"configmap\0");
            hasher.update(name.as_bytes());
            hasher.update(b"\0");
            for (k, v) in &c.data {
                header.clear();
                let _ = write!(header, "{}\0{k}\0{}\0", k.len(), v.len());
                hasher.update(header.as_bytes());
                hasher.update(v.as_bytes());
            }
            used = true;
        }
    };
    let mut secrets = Vec::new();
    for volume in &workload.pod.volumes {
        match &volume.source {
            VolumeSource::ConfigMap {
                config_map: name, ..
            } => config_map(name, &mut hasher),
            VolumeSource::Secret { secret, .. } => secrets.push(secret.as_str()),
            _ => {}
        }
    }
    for container in &workload.pod.containers {
        for source in &container.env_from {
            match source {
                EnvSource::ConfigMap(name) => config_map(name, &mut hasher),
                EnvSource::Secret(name) => secrets.push(name.as_str()),
            }
        }
    }
    for name in secrets {
        if let Some(s) = project.secrets.get(name) {
            for part in ["secret", name, &s.fingerprint] {
                hasher.update(part.as_bytes());
                hasher.update(b"\0");
            }
            used = true;
        }
    }
    used.then(|| hex(&hasher.finalize()[..16]))
}

/// `bytes` in lowercase hexadecimal, without a formatting call per byte.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    crate::text::push_hex(&mut out, bytes);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn digests_are_written_in_lowercase_hexadecimal() {
        assert_eq!(super::hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
        assert_eq!(super::hex(&[]), "");
    }
}
