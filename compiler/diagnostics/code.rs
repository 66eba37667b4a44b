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
    NonStringKey = "SC0105", "a mapping key is not a string",
        "Compose requires every mapping key to be a string. A plain `80:` or `true:` is read as a number or a boolean; quote it (`\"80\":`).";
    UnknownTag = "SC0106", "an unknown YAML tag",
        "Compose understands only the `!reset` and `!override` tags (and standard YAML tags). Remove the tag.";
    MissingFile = "SC0201", "a file the project needs does not exist",
        "A compose file, env file, `extends` file, `include` path, secret or config file could not be read. Paths inside a compose file are relative to the project directory (for `include`, to the included file's directory). Fix the path or create the file.";
    InvalidInterpolation = "SC0202", "a `$` expression is not valid interpolation",
        "Compose replaces `${VAR}`, `${VAR:-default}`, `${VAR:?message}` and similar forms. A `$` that is not followed by a variable name or a well-formed `${...}` is an error. To write a literal dollar sign, double it: `$$`.";
    RequiredVariable = "SC0203", "a required variable has no value",
        "`${VAR:?message}` and `${VAR?message}` stop the build when `VAR` is unset (or empty, for `:?`). Set the variable in the environment or in the project's `.env` file, or give a default with `${VAR:-default}`.";
    UnsetVariable = "SC0204", "a variable is not set and defaults to an empty string",
        "Compose replaces an unset variable with an empty string, which is often not what was meant. Set it in the environment or `.env`, or write the default explicitly: `${VAR:-}`.";
    MergeTypeMismatch = "SC0205", "a value cannot be merged with an earlier definition",
        "When several compose files (or `extends`) define the same key, mappings merge and lists append; a mapping cannot be merged with a list or a scalar. Give both definitions the same shape, or use `!override` to replace the earlier value.";
    Cycle = "SC0206", "`extends` or `include` forms a cycle",
        "A service extends itself through a chain of `extends`, or a file includes itself through a chain of `include`. Break the chain.";
    ExtendsUnknownService = "SC0207", "`extends` names a service that does not exist",
        "The service named in `extends` must exist in the same file, or in the file given by `extends.file`. Check the spelling.";
    IncludeConflict = "SC0208", "an included resource conflicts with one already defined",
        "A service, volume, network, secret, config or model from an `include`d file has the same name as a different definition in the including project. Rename one of them.";
    InvalidValue = "SC0209", "a value cannot be converted to the type the key needs",
        "Some keys need a number or a boolean (`replicas`, `privileged`, `ports.target`, …). After interpolation the value must read as one: `true`/`false`, or digits.";
    InvalidProjectName = "SC0210", "the project name is not valid",
        "A project name must contain only lowercase letters, digits, dashes and underscores, and start with a letter or digit. Pass another with `-p`.";
    EmptyProject = "SC0211", "the compose project is empty",
        "The compose files define nothing. Add `services`.";
    InvalidEnvFile = "SC0212", "an env file cannot be parsed",
        "Env files hold `KEY=VALUE` lines, with optional quotes and `#` comments. Fix the line shown.";
    NotAMapping = "SC0213", "a compose file or section is not a mapping",
        "The top level of a compose file, and sections such as `services`, must be mappings of names to definitions.";
    ObsoleteVersion = "SC0214", "the top-level `version` key is obsolete",
        "Compose ignores `version`; it no longer selects a file format. Remove it.";
    UnknownReference = "SC0215", "a reference names something that is not defined",
        "A service refers to a service, network, volume, secret or config that the project does not define (or that is disabled by profiles). Define it, fix the spelling, or enable its profile.";
    InconsistentValue = "SC0216", "two keys of a service disagree",
        "Compose requires some pairs of keys to agree, such as `scale` and `deploy.replicas`, `mem_limit` and `deploy.resources.limits.memory`, or `platform` and `build.platforms` (which must list it), and forbids some combinations, such as `network_mode` with `networks`, or a `develop.watch` rule that copies files without a `target`. Keep one of them, or make them agree.";
    SchemaUnknownKey = "SC0301", "a mapping has a key compose does not know",
        "The compose specification does not define this key here, so Docker Compose rejects the file. It is usually a typo or a key placed at the wrong level. Fix the spelling (stackc suggests the closest known key), move it where it belongs, or prefix it with `x-` to keep it as an extension field where extensions are allowed.";
    SchemaWrongType = "SC0302", "a value has the wrong type",
        "The compose specification expects another kind of value here, for example a list where a string was written. Write the value in one of the forms the message names; many keys accept a short string form and a long mapping form.";
    SchemaInvalidName = "SC0303", "a service, network, volume, config, secret or model name is not valid",
        "Names of services and top-level resources may contain only letters, digits, `.`, `_` and `-`, because they become parts of container, network and volume names. Rename it.";
    SchemaValueNotAllowed = "SC0304", "a value is not one of the allowed values",
        "This key accepts only a fixed set of values, which the message lists. Use one of them; the spelling is exact and case-sensitive.";
    SchemaPatternMismatch = "SC0305", "a value does not have the required form",
        "The compose specification requires this value to match a pattern, which the message shows. Rewrite the value in that form.";
    SchemaOutOfRange = "SC0306", "a number is outside the allowed range",
        "This key accepts only numbers within a range, for example no negative replica count. Use a number within the bounds the message names.";
    SchemaMissingKey = "SC0307", "a required key is missing",
        "This mapping must contain the key the message names, for example `source` in the long form of a secret. Add it, or use the short form of the entry if there is one.";
    SchemaDuplicateItem = "SC0308", "a list holds the same item twice",
        "The compose specification requires the items of this list to be unique. Remove the duplicate.";
    SchemaAmbiguousForm = "SC0309", "a value matches more than one allowed form",
        "The compose specification allows exactly one of several forms here and this value matches more than one. Write it so that it matches only one form, usually by removing keys that belong to the other form.";
    SchemaViolation = "SC0310", "the file does not follow the compose specification",
        "Docker Compose validates every file against the compose specification's JSON schema, and this part of the file does not conform to it. The message names the rule that failed; change the value so that it follows the rule.";
    DependencyCycle = "SC0217", "`depends_on` forms a cycle",
        "Services wait for their dependencies to start; when the dependencies form a cycle, none can start. Remove one `depends_on` entry of the cycle.";
    InvalidPort = "SC0320", "a port is not a valid short-syntax port mapping",
        "A short-syntax port is `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTOCOL]`, where ports are numbers from 0 to 65535, the protocol is tcp, udp or sctp, and an IPv6 host address is written in brackets. Docker Compose rejects anything else. Fix the value, or write the port in long syntax (`target:`, `published:`, `host_ip:`, `protocol:`).";
    InvalidVolume = "SC0321", "a volume is not a valid short-syntax mount",
        "A short-syntax volume is `[SOURCE:]TARGET[:OPTIONS]`: at most three colon-separated parts (a Windows drive letter such as `C:` does not count), none of them empty. Docker Compose rejects anything else. Fix the value, or write the mount in long syntax (`type:`, `source:`, `target:`).";
    InvalidDevice = "SC0322", "a device mapping has too many colons",
        "A short-syntax device is `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`. Docker Compose rejects a value with more than three parts. Write the device in long syntax (`source:`, `target:`, `permissions:`).";
    InvalidKeyValue = "SC0323", "a list item is not `key=value`",
        "This attribute accepts either a mapping or a list of `key=value` strings; Docker Compose rejects a list item without `=`. Add the `=value` part or use a mapping.";
    InvalidSshKey = "SC0324", "a build ssh entry is not `id=path` or `default`",
        "Each `build.ssh` list item names an SSH agent socket or key as `id=path`; only the id `default` may be written alone. Docker Compose rejects anything else.";
    ExternalNameConflict = "SC0325", "a resource sets both `name` and a different `external.name`",
        "`external.name` is the deprecated spelling of `name` on an external resource. When both are set they must agree, or Docker Compose cannot tell which resource is meant. Remove `external.name` and keep `name` with `external: true`.";
    UnexpectedShape = "SC0326", "an attribute has a type Docker Compose cannot read",
        "Docker Compose accepts only certain shapes for this attribute (for example a string or a list, a mapping or a list) and rejects the file otherwise. Rewrite the value in one of the forms named in the message.";
    BindWithoutSource = "SC0327", "a bind mount has no source",
        "A mount of type `bind` makes a host path visible in the container, so it needs `source:`. Add the host path, or use `type: volume` for a named or anonymous volume.";
    SymlinkUnresolved = "SC0328", "a watched path could not be resolved",
        "Docker Compose resolves symbolic links in `develop.watch` paths and fails when a link in the path cannot be followed. Fix or remove the broken link, or point `path` elsewhere.";
    DeprecatedExternalName = "SC0329", "`external.name` is deprecated",
        "Docker Compose still reads `external: {name: x}` but warns that it is deprecated. Write `name: x` and `external: true` instead; the meaning is the same.";
    IgnoredVolumeOption = "SC0330", "a short-syntax volume option is ignored",
        "Docker Compose knows the short-syntax volume options `ro`, `rw`, `nocopy`, `z`, `Z` and the propagation modes (`shared`, `rslave`, ...), separated by commas, and drops any other without a word, so `RO`, `roz` or `uid=1000` change nothing and the mount stays read-write. stackc reads the file the same way and says so. Write the options Compose knows (`ro,z`), or the long syntax; ownership is set by the image or, on Kubernetes, by `fsGroup`. Docker Desktop's hints `cached`, `delegated` and `consistent` are dropped quietly: they mean nothing off macOS.";
    ReplacedListEntry = "SC0331", "a list entry replaces an earlier one of the same list",
        "In lists whose entries have an identity (`volumes`, `secrets` and `configs` by target, `environment` and `labels` by name, `env_file` by path, ...), Docker Compose keeps only the last entry of each identity, even within one file, and drops the others without a word. That is how an override file replaces an entry; within one file's list it is usually a slip, such as two host directories mounted at one path, or a variable set twice. Remove one of the two entries, or give them different targets or names. Two `ports` of one address are one mapping written twice, and are not reported.";
    QuotedEnvironmentValue = "SC0332", "a value in an `environment` list keeps its quotes",
        "In the list form of `environment` (`- KEY=value`), Docker Compose takes everything after the first `=` as the value, quotes included: `- JAVA_OPTS=\"-Xmx1g\"` sets `JAVA_OPTS` to `\"-Xmx1g\"`, quotes and all, which most programs do not expect. Env files and the mapping form read quotes as YAML or shell quoting instead. stackc passes the value as Docker does. Remove the quotes, or write the environment as a mapping (`JAVA_OPTS: \"-Xmx1g\"`).";
    OptionsInVolumeTarget = "SC0333", "a short-syntax volume target holds what reads as options",
        "In the short syntax `source:target:options`, options follow a second colon. Written after a comma (`data:/tmp,subpath=logs`, `./conf:/etc/app,ro`), they are part of the target: Docker Compose mounts the volume at a directory named `/tmp,subpath=logs` and leaves `/tmp` as it was, without a word. stackc reads the file the same way and says so. Put the options after a colon (`./conf:/etc/app:ro`); `subpath`, like other settings without a short form, is written in the long syntax (`type: volume`, `source`, `target`, `volume: {subpath: logs}`).";
    UnsupportedKey = "SC1001", "a compose key has no equivalent on the target",
        "The key is left out of the output, so the workload runs without it. `docs/compose-support.md` lists every key and what becomes of it. Remove the key, or provide the behaviour another way (the message says how), or run with `--strict` to make this an error.";
    ApproximatedKey = "SC1002", "a compose key is lowered with different behaviour",
        "The key becomes the closest Kubernetes equivalent, which behaves differently in the way the message describes. Check that the difference does not matter for this service.";
    NameChanged = "SC1003", "a compose name is not a valid Kubernetes name",
        "Kubernetes names are lowercase letters, digits and `-`, start with a letter and are at most 63 characters. The name of a service, or a DNS alias (`container_name`, network `aliases`), was changed, so other services must use the new name to reach this one; or the name of an external volume, secret or config was, so the object must be created in the cluster under the new name. A name that differs in case only (`webApp`, the Service `webapp`) is not reported, as DNS names match whatever their case; nor is a name of two DNS labels (`node-1.rabbit`): it keeps resolving through a pod subdomain, unless the subdomain is another Service's name. Rename the service or alias to a valid name to keep the same name everywhere.";
    NameCollision = "SC1004", "two compose names give the same Kubernetes name",
        "After turning compose names into Kubernetes names, two objects of the same kind would have the same name and one would overwrite the other. Rename one of them.";
    ImageNotBuilt = "SC1005", "a service's image is built by compose",
        "Kubernetes pulls images from a registry; it cannot build them. The manifests use the name Docker Compose gives the built image, `<project>-<service>`, prefixed with `--image-registry` when given. Build and push that image before applying, or set `image:`.";
    UserName = "SC1006", "`user` names a user instead of a numeric id",
        "Kubernetes runs containers as a numeric uid and gid (`runAsUser`, `runAsGroup`); it cannot look names up in the image. The user is left out, so the image's default user runs. Write `user: \"1000:1000\"` with the ids the name has in the image.";
    GroupName = "SC1007", "`group_add` names a group whose id stackc does not know",
        "Kubernetes supplementary groups are numeric; the name cannot be looked up in the image or on the node. Running without the group would fail at the first access it guards. Give its id with `--gid video=44` (repeatable), or in `x-stackc: {groups: {video: 44}}`, at the top level or in the service, which takes precedence; or write the number in `group_add`. For access to devices, which keep the group they have on the node, that is the id on the nodes (`getent group video`); Docker looked the name up in the image (`docker run --rm --entrypoint cat IMAGE /etc/group`). For device nodes there is a way without gids: containerd's and CRI-O's `device_ownership_from_security_context` makes the devices a pod gets owned by its `runAsUser` and `runAsGroup`.";
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
    UnloweredValue = "SC1014", "a value cannot be lowered",
        "The value is outside what the Kubernetes field accepts (for example a port number of 0, an unknown protocol, an environment variable named with a character outside printable ASCII, or a host alias or DNS server that is not an IP address), and the API server would refuse the whole object for it. The entry is left out. Fix the value.";
    HookOptions = "SC1015", "a lifecycle hook option has no Kubernetes equivalent",
        "Kubernetes exec hooks run with the container's user, environment and working directory. The hook's own `user`, `privileged`, `environment` or `working_dir` is ignored; fold it into the command if it matters.";
    ImageHealthcheck = "SC1016", "a healthcheck without `test` relies on the image's HEALTHCHECK",
        "Kubernetes ignores the image's HEALTHCHECK instruction, so no probe is created. Write the `test` in the compose file.";
    UnboundedRetries = "SC1017", "`on-failure` without a limit (no longer reported)",
        "Compose restarts an `on-failure` service forever. stackc 0.1.0 at first gave its Job Kubernetes' default of 6 retries and reported it with this code; the Job now gets the largest `backoffLimit` (2147483647), so it retries without limit too, and nothing is reported. The code is kept so that it is never reused.";
    InvalidImage = "SC1018", "an image reference cannot be pulled",
        "Compose passes `image` to the engine as written, so `docker compose config` accepts any text and `up` fails with `invalid reference format`; the kubelet refuses it the same way (`InvalidImageName`), and the pod never starts. An empty tag usually comes from an unset variable (`app:${TAG}`, see SC0204). Write a reference of the form `[registry/]name[:tag][@digest]`, or set the variable.";
    PortRandomHost = "SC1019", "a port published on a random host port is not published",
        "Without a host port (`- \"5432\"`, `127.0.0.1::5432`), compose publishes the port on a host port the engine picks, which `docker compose port` tells. A LoadBalancer needs a fixed port, so the port is reachable inside the cluster only, through the service's ClusterIP Service. Reach it with `kubectl port-forward service/NAME :PORT`, which picks a local port the same way, or write the host port (`5432:5432`) to publish it.";
    StaticAddressUsed = "SC1020", "a service is reached by the fixed address it has on a compose network",
        "Compose gives a container the `ipv4_address` or `ipv6_address` written in its `networks`, and other services then name it by that address: as a nameserver in `dns`, in `extra_hosts`, in an environment value or a command. The cluster network gives each pod an address of its own, so the address reaches nothing. Name the service instead (its Service resolves on the cluster), or, where an address is required (a nameserver), give its Service a fixed `clusterIP` from the cluster's service range and write that.";
    WindowsContainer = "SC1021", "a Windows container runs on Windows nodes only",
        "A service that mounts a volume, secret or config at a Windows path (`C:\\data`) is a Windows container: a Linux engine refuses such a path, and so does a Linux node. Its pods are therefore placed on Windows nodes (`nodeSelector: kubernetes.io/os: windows`), as `platform: windows/amd64` would place them. K3s runs Linux nodes only, so there they stay pending; run them on a cluster with Windows nodes (RKE2, AKS, EKS, GKE), or give the service a Linux image and Linux paths. Writing `platform` on the service says which nodes are meant, and this warning is not given.";
    BrokenHealthcheck = "SC1022", "a healthcheck `test` cannot work as written",
        "Docker reads a healthcheck `test` by its first item: `CMD` runs the rest as a program and its arguments, `CMD-SHELL` (and the string form) hands the rest to `/bin/sh -c`, `NONE` turns the check off. Written otherwise, the check cannot work, in Docker too: a string that starts with `CMD-SHELL` or `CMD` makes the shell look for a program of that name, and a `CMD` item with spaces names a program with spaces in its name. stackc writes the probe Docker would run, so a check that always fails becomes a probe that always fails; Docker only marks such a container unhealthy, but Kubernetes (and `podman kube play`, whose liveness checks restart on failure) restarts a container whose liveness probe fails. Write `[\"CMD\", \"curl\", \"-f\", \"http://localhost/\"]`, `[\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"]`, or the shell command alone as a string.";
    SwarmTemplate = "SC1023", "a swarm template is not expanded",
        "`docker stack deploy` expands Go templates such as `{{.Task.Slot}}`, `{{.Node.Hostname}}` or `{{.Service.Name}}` in a service's `hostname`, `environment` and volume names, for each task, node or service; `docker compose up` passes them as written. stackc expands `{{.Service.Name}}` to the swarm service name `<project>_<service>`, so a volume named after it is a claim per service, as in a swarm stack. A task or a node has no counterpart in a Deployment's pod spec: such a template in `environment` is passed as written, a `hostname` that holds one is left out (each pod's hostname is its own name), and a volume named after one is one claim that every replica shares. Give the value another way, or use the pod's own name through the application's configuration.";
    DependencyNotAwaited = "SC1101", "a dependency is not waited for",
        "A `depends_on` entry becomes an init container of the dependent pod that waits until the dependency is reachable. A dependency that declares no port gets a headless Service, and the wait is until its name resolves, which it does once a pod is ready. It is not waited for when it is `required: false` (compose starts the dependent anyway), when it listens on UDP ports only (there is nothing to connect to, and its Service's name resolves at once), or when it is not part of the project. Give the dependency a TCP port with `expose`, or make the dependent retry its connection.";
    DependencyHealth = "SC1102", "`service_healthy` on a service whose healthcheck stackc cannot see",
        "A `service_healthy` dependency is awaited through its Service, which routes only to pods whose readiness probe passes. The probe comes from the compose `healthcheck`; a healthcheck defined only in the image (`HEALTHCHECK`) is not visible to stackc and Kubernetes ignores it, so the wait means 'accepting connections' instead. Write the healthcheck in the compose file.";
    DependencyRestart = "SC1103", "`restart: true` of a dependency is not kept",
        "Compose restarts the dependent service when a dependency with `restart: true` restarts; it gives every link (`links: [db]`) and every namespace shared with another service (`network_mode: service:db`) such a dependency. Kubernetes has no such link; the init container only orders the first start. Make the dependent reconnect on its own.";
    DependencyNotJob = "SC1104", "`service_completed_successfully` on a long-running service",
        "Only a one-shot service (`restart: \"no\"`, `on-failure`, or no `restart` at all, compose's default) becomes a Job that can complete. A dependency told to restart (`always`, `unless-stopped`) never completes, so the dependent waits until it accepts connections instead. Set `restart: \"no\"` on the dependency if it is meant to run once.";
    InferredPort = "SC1105", "a port another service reaches is given a Service",
        "On a compose network every port of a container is open to the other services, so a service reached at `db:5432` or `postgres://db/app` often declares no port. A Kubernetes name resolves only through a Service, which needs its ports: the port another service's environment, command or mounted config files name (with the standard port of a URL's scheme when it gives none, or for a `*_HOST` variable the `*_PORT` variable beside it, else the standard port of the protocol its name says, as in `REDIS_HOST`) is added to the service, which then gets a ClusterIP Service. Declare the port with `expose` to make it explicit.";
    HeadlessService = "SC1106", "a service named by another gets a headless Service",
        "A `*_HOST` variable or a URL names a service that declares no port, and no port could be read beside the name. The service gets a headless Service (`clusterIP: None`, no ports): its name resolves to the addresses of its ready pods, on every port, as on a compose network. Unlike a ClusterIP Service, it has no stable address: a client that keeps the address it resolved loses the service when its pod is replaced. Declare the port the service listens on with `expose`, or write it beside the name (`db:5432`).";
    RenamedReference = "SC1107", "a reference to a service by a name that does not resolve is rewritten",
        "Docker's resolver answers a service's compose name as it is written; Kubernetes and podman resolve only the name the service has once converted, a DNS label (`bookstack_mariadb` is `bookstack-mariadb`). Where another service names it as a host (`bookstack_mariadb:3306`, `mysql://bookstack_mariadb/app`, `DB_HOST=bookstack_mariadb`) in its environment, its env files or its command line, the name is rewritten to the converted one, so the reference keeps reaching it. Under podman, where a pod answers to its own name only, references by a `container_name` or a network alias are rewritten to the pod's name too. Names in mounted files are not rewritten (SC1003 and SC2106 report them), nor names with a dot, which are as often a name the software goes by (`VIRTUAL_HOST=shop.example.com`) as a host it connects to. Rename the service to a DNS label, and use service names rather than aliases, to keep one name everywhere.";
    SharedNamespace = "SC1110", "a shared namespace cannot be kept",
        "`network_mode`, `ipc` or `pid: service:X` put the service's container into the pod of X, where containers share network, IPC and (with `shareProcessNamespace`) process namespaces. This is not possible when the two services run a different number of copies or kinds of workload, when X has no pod (a `provider` service) or joins another pod itself, or for `container:NAME`; the service then keeps its own pod. A service that joins the pod of X starts without waiting for a dependency that itself waits for X: the whole pod would wait for it, and neither would start.";
    DevicePath = "SC1120", "a device is granted differently",
        "Device plugins grant a device at its host path with read, write and mknod access; a different container path or narrower permissions from the compose entry are not kept.";
    DeviceNotCovered = "SC1121", "the chosen device plugin does not provide a device",
        "Each device profile maps `devices:` entries to the resource of one device plugin: `intel` and `intel-xe` provide `/dev/dri`, `amd` provides `/dev/dri` and `/dev/kfd`. Another device is left out; choose the `generic` profile (any device node) or `hostpath` for the service in `x-stackc.device-plugin`.";
    DeviceHostPath = "SC1122", "a device is passed as a hostPath in a privileged container",
        "The `hostpath` device profile needs no device plugin: the device node is mounted as a hostPath volume and the container runs privileged, which gives it every device and capability of the node. Prefer a device plugin profile where one exists.";
    GpuRequest = "SC1123", "a device request is not for an NVIDIA GPU",
        "NVIDIA GPU requests become `nvidia.com/gpu` limits with `runtimeClassName: nvidia`, which needs the NVIDIA device plugin and container toolkit on the node. A device reservation for another driver or capability has no equivalent and is left out.";
    PublishedTwice = "SC2001", "two services publish the same host port",
        "K3s ServiceLB binds each LoadBalancer port on the node; a second Service asking for the same port and protocol stays pending. Publish one of them on another port.";
    ManyPublishedPorts = "SC2002", "a service publishes more ports than a LoadBalancer carries well",
        "Kubernetes has no port ranges: a published range (`40000-40100:40000-40100/udp`) becomes one port of the LoadBalancer Service per number. K3s's ServiceLB runs one proxy container per port, with `NET_ADMIN`, in a pod on every node, and each port number takes one of the cluster's node ports (30000-32767 by default, 2 768 shared by every Service); a Service that needs more than the range holds is refused by the API server. stackc reports a service that publishes more than 100 ports, and published ports that need more node ports than the default range holds. Media servers (WebRTC, SIP, TURN) usually run on Kubernetes with the node's network: `network_mode: host` becomes `hostNetwork`, which binds the ports on the node without a proxy. Otherwise publish a smaller range and configure the server to use it.";
    ClientSideApply = "SC2003", "an object is too large for client-side `kubectl apply`",
        "Client-side `kubectl apply` keeps a copy of each object, as JSON, in the annotation `kubectl.kubernetes.io/last-applied-configuration`, and the API server refuses an object whose annotations take more than 256 KiB together: a ConfigMap or a Secret of a large file (a Grafana dashboard, a GeoIP database) cannot be applied that way, although it is under the 1 MiB limit. Argo CD's default sync applies client-side too, a Helm chart's rendered objects as well (`helm install` itself keeps no such copy). `kubectl apply --server-side` keeps no such copy, and Flux always applies server-side: apply the manifests that way, or give the Argo CD application the sync option `ServerSideApply=true`.";
    PodmanSecretInline = "SC2101", "a secret's value is written into the podman YAML",
        "No longer given: the podman YAML references Secrets by name, and `stackc secrets --target podman` or `--secrets inline` writes values (the latter with SC1159).";
    PodmanReplicas = "SC2102", "podman runs one pod per service",
        "`podman kube play` caps a Deployment's replicas at 1, and the podman target writes one Pod per compose service. Run more copies with another compose project or on Kubernetes.";
    PodmanReadiness = "SC2103", "podman drops readiness probes",
        "`podman kube play` ignores `readinessProbe`, so nothing waits for the service to be healthy. The healthcheck becomes a liveness check (a podman healthcheck), which podman only runs on a schedule where systemd timers are available (for example under Quadlet).";
    PodmanIgnoredField = "SC2104", "a field podman kube play ignores",
        "Podman 5 does not read this field of a pod or container (for example `runtimeClassName`, `nodeSelector`, `tty`, `stdin` or lifecycle hooks), so it is left out of the podman YAML. The message says what to use instead where there is a podman equivalent.";
    PodmanDependencyOrder = "SC2105", "podman starts dependencies in file order only",
        "`podman kube play` starts the pods of one file in order, one after the other, and does not wait for a pod to be healthy or to finish. The podman target orders pods so that dependencies come first; `service_healthy` and `service_completed_successfully` become plain start order. Make the dependent service retry its connection.";
    PodmanDnsAlias = "SC2106", "an extra DNS name does not resolve under podman",
        "On the network of `podman kube play`, a pod resolves by its own name only; container names and aliases do not resolve. The pod is named after the compose service, so the service name keeps working, but `container_name` and network aliases do not. Where another service names one as a host in its environment or command line, the reference is rewritten to the pod's name (SC1107); elsewhere, in a mounted file for one, use the service name instead.";
    PodmanDependencyCycle = "SC2107", "services depend on each other in a cycle",
        "The podman target starts pods in dependency order, which does not exist when services depend on each other in a cycle. Remove one of the `depends_on` edges printed in the message.";
    PodmanDevice = "SC2108", "a device is passed through differently",
        "Devices are passed with `podman.io/device=PATH` resource limits (podman 5.4 and later), which keep the host path and grant read, write and mknod access; a device mounted at another path becomes a `CharDevice` hostPath volume, which needs a character device node (not a directory). The message says which part of the compose entry is not kept.";
    PodmanGpu = "SC2109", "a GPU request cannot be expressed for podman",
        "Podman passes GPUs through CDI device names (`nvidia.com/gpu=all`, `nvidia.com/gpu=0`), which needs the NVIDIA Container Toolkit's CDI specification on the host (`nvidia-ctk cdi generate`). A count of GPUs cannot be chosen without device ids, and other drivers have no CDI name stackc knows.";
    PodmanFileSource = "SC2110", "a secret or config value cannot be read",
        "No longer given: lowering reports unreadable values for every target with SC1153.";
    PodmanFileMode = "SC2111", "a secret or config file's owner or mode is not kept",
        "Podman 5 ignores per-item modes, has no `fsGroup`, and shares one podman volume between every mount of the same Secret or ConfigMap. The podman target sets the mode as the volume's `defaultMode`; owners (`uid`, `gid`) and differing modes of the same object are not kept.";
    PodmanBindPath = "SC2112", "a bind mount names a path of the converting machine",
        "No longer given: bind mounts are reported for every target with SC1155, and paths inside the project directory no longer reach the output.";
    PodmanTmpfs = "SC2113", "a tmpfs size is not kept",
        "Podman 5 mounts `emptyDir: {medium: Memory}` as a tmpfs of the default size and ignores `sizeLimit`. The mount is kept without the size limit.";
    PodmanVolumeType = "SC2114", "a mount type has no podman kube equivalent",
        "Only named volumes, bind mounts, tmpfs and anonymous volumes become pod volumes under `podman kube play`; this mount is left out.";
    PodmanPortTwice = "SC2115", "two services publish the same host port",
        "Each `hostPort` can be bound by one pod only; the second pod of the file fails to start. Publish one of them on another host port.";
    PodmanUnreadableText = "SC2116", "podman kube play cannot read a text of several lines that starts with a space, a tab or a line break",
        "Podman 5.4 splits the YAML into documents by decoding and re-encoding each with go-yaml v3, which writes such a text as a block scalar with an indentation indicator (`|2-`), and then parses that with Kubernetes' YAML reader, which refuses it: `kube play` fails with `did not find expected key` or `did not find expected '-' indicator` (with a leading tab, `found a tab character where an indentation space is expected`), whatever the form stackc wrote the text in. A text a literal block cannot hold, with a space at the end of a line or a control character, go-yaml double-quotes instead, and that reads back, as does a text of line breaks only; neither is reported. Remove the leading blank (a shell script does not need it), or run the service's command from a file.";
    PodmanWindowsContainer = "SC2117", "podman cannot run a Windows container",
        "A service that mounts a volume, secret or config at a Windows path (`C:\\data`) is a Windows container, and podman runs Linux containers only (on Windows and macOS too, inside a Linux machine): `kube play` refuses the mount (`invalid container path`). Build the project for a cluster with Windows nodes with `--target k3s` or `--target helm`, or give the service a Linux image and Linux paths.";
    InvalidExtension = "SC0218", "an `x-stackc` setting is not valid",
        "`x-stackc` holds stackc's own settings (device plugin, group ids, volume storage, config files). A key stackc does not know, or a value of the wrong type, is an error so that a typo never silently changes the output. See `schemas/x-stackc.schema.json`.";
    NoServiceEnabled = "SC0219", "every service is disabled by its profiles",
        "Each service of the project lists `profiles`, and none of them is active, so the project has no service and the build writes no workload, as `docker compose up` would start none. Pass `--profile NAME` (or set `COMPOSE_PROFILES`) for the services to run, or `--profile '*'` for all of them.";
    MachineVariable = "SC0220", "a variable of the converting machine's shell reaches the output",
        "`PWD`, `OLDPWD`, `HOME`, `USER`, `LOGNAME` and `PATH` come from the shell of whoever runs the build, so a value built from them (`WORK_DIR: $PWD`, `working_dir: ${PWD}`, `PATH: /opt/bin:${PATH}`) holds this machine's directories or user, and so does one built from a variable an env file sets from them (`DATA=${PWD}/data` in `.env`, then `$DATA/cache`); the manifests then differ between machines and checkouts: a pre-commit hook or a GitOps stage that rebuilds them sees a change each time. Compose reads them the same way, so stackc keeps the value and warns. Bind mount sources, env files and build contexts are not reported: stackc places bind sources on the node without this machine's directories (`$HOME/x` as `~/x`, `$PWD/x` as `./x`, also through such an env file variable), and the others are read, not written out. Write the value the container should see instead.";
    DuplicateContainerName = "SC0221", "two services have the same container name",
        "A container name is the name of one container on the engine, so Docker Compose refuses a project in which two enabled services set the same `container_name` (`container name \"x\" is already in use`). Give one of them another name, or remove `container_name`: other services reach a service by its service name too.";
    HelmValuesKey = "SC2201", "a service's values are under another key in values.yaml",
        "The Helm chart keeps each compose service's values under the service's name, except for names the chart uses for its own settings (`global`, `persistence`, `secrets`). The service's values are under `<name>-service` instead; `--set` and values files must use that key. Rename the service to keep its own name.";
    FileOwner = "SC1151", "a secret or config file's `uid` cannot be honoured",
        "Kubernetes mounts Secret and ConfigMap files owned by root; only their group can be chosen, through the pod's `fsGroup`. The `uid` is left out, so the file is owned by root with the item's mode. Give the file a mode the container's user can read (for example `0444`), or a `gid` the user belongs to.";
    FileGroupConflict = "SC1152", "files of one service ask for different groups",
        "A pod has one `fsGroup`, which owns every mounted volume. When the secrets and configs of one service ask for different `gid`s, the first one is used. Use the same `gid` for all of them.";
    FileValueMissing = "SC1153", "a secret or config value cannot be read",
        "The value of a secret or config comes from a file, inline content or a project variable. When it cannot be read, no Secret or ConfigMap is written for it and the pod waits until one with that name exists. Create the file or set the variable, or declare the object `external: true` and create it in the cluster.";
    SharedVolume = "SC1154", "a named volume is mounted by several services",
        "A `ReadWriteOnce` claim can be mounted by pods on one node only. The pods of every service that mounts it get a required pod affinity, so they are scheduled together on the same node. Ask for `access-mode: ReadWriteMany` under `x-stackc.volumes.<name>` if the storage class supports it, to let them spread.";
    BindMount = "SC1155", "a bind mount becomes a hostPath",
        "A bind mount becomes a `hostPath` volume. A path inside the project directory becomes `/var/lib/stackc/<project>/<path>` on the node, so the output never holds the converting machine's checkout path or home directory. When relative paths climb out of the project directory (`../src`), the directory they reach is placed at `/var/lib/stackc/<project>` instead, with the project directory inside it; a path written from the home directory (`~/data`, `$HOME/data`) goes under `/var/lib/stackc/~`; a path written from `$PWD` is read from the project directory, wherever stackc runs; any other absolute path is kept. That path must exist on the node that runs the pod, and it pins the data to that node. Use a named volume for data, or list the path under `x-stackc.config-files` to ship a file or directory as a ConfigMap.";
    ConfigFileTooLarge = "SC1156", "a file is too large for a ConfigMap or a Secret",
        "Kubernetes limits the data of a ConfigMap or a Secret to 1 MiB, and the API server refuses a larger one. The file of a compose `config` or `secret`, or the files listed under `x-stackc.config-files` for one mount, exceed it. Mount the path from the node with a bind mount instead, or split the file.";
    ConfigFileUnused = "SC1157", "an `x-stackc.config-files` entry matches no bind mount",
        "Each `config-files` entry names the host path of one of the service's bind mounts, as written in `volumes:`. This entry matches none, so nothing becomes a ConfigMap. Fix the path, or remove the entry.";
    VolumeNoCopy = "SC1158", "image content is never copied into a volume",
        "Docker copies the image's files at the mount path into an empty named volume unless `nocopy` is set; Kubernetes never does. Compose `nocopy: true` is therefore what Kubernetes does; without it, a volume that relied on the copy starts empty.";
    SecretsInline = "SC1159", "secret values are written into the output",
        "`--secrets inline` writes each secret's value into the generated files (base64 is not encryption). Keep those files out of version control, or build without `--secrets inline` and apply `stackc secrets | kubectl apply -f -` instead.";
    VolumeSetting = "SC1160", "an `x-stackc.volumes` setting cannot be used",
        "The size must be a Kubernetes quantity (`10Gi`, `500M`) and the access mode one of `ReadWriteOnce`, `ReadWriteMany`, `ReadOnlyMany` or `ReadWriteOncePod`. The default is used instead.";
    GpuCount = "SC1161", "a GPU count or GPU ids cannot be requested on Kubernetes",
        "The NVIDIA device plugin hands out a number of GPUs: Kubernetes cannot request every GPU of a node (`all` becomes 1) nor pick GPUs by id (the plugin chooses as many as ids were listed). Write `count: N`. Podman passes GPUs through CDI and keeps the request as written.";
}
