//! Stable diagnostic codes.
//!
//! A code never changes meaning once released. Each entry carries a one-line summary and an
//! explanation (what it means, why it matters, what to do); `stackc explain CODE` prints them.
//! Codes are grouped by stage: `SC01xx` YAML, `SC02xx` project loading and interpolation,
//! `SC03xx` schema and model validation, `SC1xxx` lowering and passes, `SC2xxx` backends.

macro_rules! codes {
    ($($variant:ident = $id:literal, $summary:literal, $explanation:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $($variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            #[must_use]
            pub fn id(self) -> &'static str {
                match self {
                    $(Code::$variant => $id,)*
                }
            }

            #[must_use]
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }

            #[must_use]
            pub fn explanation(self) -> &'static str {
                match self {
                    $(Code::$variant => $explanation,)*
                }
            }

            #[must_use]
            pub fn from_id(id: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.id().eq_ignore_ascii_case(id))
            }
        }
    };
}

codes! {
    YamlSyntax = "SC0101", "the file is not valid YAML",
        "The YAML parser could not read the file. The label points at the first character it could not accept. Fix the indentation, quoting or structure there; a common cause is a tab used for indentation or an unclosed quote.";
    DuplicateKey = "SC0102", "a mapping has the same key twice",
        "YAML forbids a key appearing twice in one mapping, and Docker Compose rejects such files. Tools that keep the last value silently lose the first one. Remove or rename one of the two keys.";
    YamlLimit = "SC0103", "the YAML exceeds a safety limit",
        "The file expands beyond stackc's limits (alias expansion, nesting depth or size). These limits stop hostile inputs such as the 'billion laughs' alias bomb. Write the value out or simplify the file.";
    BadMergeKey = "SC0104", "a `<<` merge key does not name a mapping",
        "A YAML merge key `<<` must be given a mapping, an alias of a mapping, or a list of those. Point it at a mapping anchor.";
    MultipleDocuments = "SC0105", "a compose file holds more than one YAML document",
        "Docker Compose reads one document per file. Split the documents into separate files and pass each with `-f`.";
    UnknownTag = "SC0106", "an unknown YAML tag",
        "Compose understands only the `!reset` and `!override` tags (and standard YAML tags). Remove the tag.";
    UnsupportedKey = "SC1001", "a compose key has no equivalent on the target",
        "The key is left out of the output, so the workload runs without it. `docs/compose-support.md` lists every key and what becomes of it. Remove the key, or provide the behaviour another way (the message says how), or run with `--strict` to make this an error.";
    ApproximatedKey = "SC1002", "a compose key is lowered with different behaviour",
        "The key becomes the closest Kubernetes equivalent, which behaves differently in the way the message describes. Check that the difference does not matter for this service.";
    NameChanged = "SC1003", "a compose name is not a valid Kubernetes name",
        "Kubernetes names are lowercase letters, digits and `-`, start with a letter and are at most 63 characters. The name was changed, so other services must use the new name to reach this one. Rename the service to a valid name to keep the same name everywhere.";
    NameCollision = "SC1004", "two compose names give the same Kubernetes name",
        "After turning compose names into Kubernetes names, two objects of the same kind would have the same name and one would overwrite the other. Rename one of them.";
    ImageNotBuilt = "SC1005", "a service's image is built by compose",
        "Kubernetes pulls images from a registry; it cannot build them. The manifests use the name Docker Compose gives the built image, `<project>-<service>`, prefixed with `--image-registry` when given. Build and push that image before applying, or set `image:`.";
    UserName = "SC1006", "`user` names a user instead of a numeric id",
        "Kubernetes runs containers as a numeric uid and gid (`runAsUser`, `runAsGroup`); it cannot look names up in the image. The user is left out, so the image's default user runs. Write `user: \"1000:1000\"` with the ids the name has in the image.";
    GroupName = "SC1007", "`group_add` names a group instead of a numeric id",
        "Kubernetes supplementary groups are numeric; the name cannot be looked up in the image or on the node. Running without the group would fail at the first access it guards. Write the numeric gid (for example `getent group video` on the node).";
    QuantityRounded = "SC1008", "a memory or CPU amount was rounded",
        "Kubernetes quantities are written in whole units (`Ki`, `Mi`, millicores). The amount was rounded up to the next whole unit. Write the amount in those units to silence this.";
    DurationRounded = "SC1009", "a duration was rounded to whole seconds",
        "Kubernetes probe timings and grace periods are whole seconds (at least 1). The duration was rounded up. Write whole seconds to silence this.";
    PortNotPublished = "SC1010", "a port published on a loopback address is not published",
        "Compose binds the port on the host's loopback address only. A LoadBalancer would expose it on every node address, so it is reachable inside the cluster only. Use `kubectl port-forward` to reach it from your machine.";
    PortAddress = "SC1011", "a port published on one address is published on every node address",
        "K3s ServiceLB binds a LoadBalancer port on the node's addresses; it cannot be limited to one host address. Restrict access with a firewall or a NetworkPolicy if that matters.";
    UnsafeSysctl = "SC1012", "a sysctl is not in Kubernetes' safe set",
        "Pods with unsafe sysctls are rejected unless the kubelet allows them with `--allowed-unsafe-sysctls` (on K3s: `--kubelet-arg=allowed-unsafe-sysctls=...`). Allow it on the nodes, or remove it.";
    HostGateway = "SC1013", "`host-gateway` has no Kubernetes equivalent",
        "Docker resolves `host-gateway` to the host's address; Kubernetes host aliases need a literal IP address. The entry is left out. Write the node's address, or reach the host through a Service.";
    InvalidValue = "SC1014", "a value cannot be lowered",
        "The value is outside what the Kubernetes field accepts (for example a port number of 0, or an unknown protocol). The entry is left out. Fix the value.";
    HookOptions = "SC1015", "a lifecycle hook option has no Kubernetes equivalent",
        "Kubernetes exec hooks run with the container's user, environment and working directory. The hook's own `user`, `privileged`, `environment` or `working_dir` is ignored; fold it into the command if it matters.";
    ImageHealthcheck = "SC1016", "a healthcheck without `test` relies on the image's HEALTHCHECK",
        "Kubernetes ignores the image's HEALTHCHECK instruction, so no probe is created. Write the `test` in the compose file.";
    UnboundedRetries = "SC1017", "`on-failure` without a limit becomes a Job with Kubernetes' default of 6 retries",
        "Compose restarts an `on-failure` service forever; a Job gives up after `backoffLimit` failures, 6 by default. Write `on-failure:N` to choose the limit.";
    PublishedTwice = "SC2001", "two services publish the same host port",
        "K3s ServiceLB binds each LoadBalancer port on the node; a second Service asking for the same port and protocol stays pending. Publish one of them on another port.";
    HelmValuesKey = "SC2201", "a service's values are under another key in values.yaml",
        "The Helm chart keeps each compose service's values under the service's name, except for names the chart uses for its own settings (`global`, `persistence`, `secrets`). The service's values are under `<name>-service` instead; `--set` and values files must use that key. Rename the service to keep its own name.";
}
