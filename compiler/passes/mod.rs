//! IR → IR rewrites, one file per pass, run in the order of [`run`].
//!
//! Lowering maps each compose service on its own; passes do what needs the whole project:
//!
//! 1. [`names`] checks the Kubernetes names lowering derived: renamed services are reported
//!    (compose DNS names change) and collisions are errors. It runs first so that later passes
//!    can rely on unique workload names.
//! 2. [`services`] puts Services in front of workloads that listen on ports: a ClusterIP Service
//!    named after the compose service (and one per DNS alias), plus a LoadBalancer Service for
//!    published ports; a headless Service for one reached by name on no known port. It runs after
//!    `names` because Service names derive from workload names.
//! 3. [`namespaces`] (between the two above) merges a service with `network_mode: service:X`
//!    into the pod of X, so that its ports join X's Service.
//! 4. [`reached`] (right before `services`) adds the ports other services reach a service on
//!    (`postgres://db:5432`) when it does not declare them, so that it gets a Service too, and
//!    marks the services others reach by name (`DB_HOST=db`, `depends_on`).
//! 5. [`renamed`] (right after `reached`, which reads the compose names) rewrites the
//!    references to a service by a compose name that does not resolve once converted
//!    (`DB_HOST=bookstack_mariadb`) to the converted name (`bookstack-mariadb`).
//! 6. [`subdomains`] keeps compose names of two DNS labels (`node-1.rabbit`) resolving: the
//!    pod takes them as its hostname and subdomain, and the subdomain gets a headless Service.
//!    It runs after `services`, whose names a subdomain's Service must not take, and reports
//!    the DNS aliases that lost their names.
//! 7. [`dependencies`] chooses how each `depends_on` entry is awaited; it needs the Services.
//! 8. [`devices`] collects the generic device plugin's configuration, mounts `hostpath` devices
//!    and sets the NVIDIA runtime class.
//! 9. [`volumes`] co-locates the pods of workloads that share a `ReadWriteOnce` claim; it runs
//!    after `namespaces`, which may have merged two such workloads into one pod.
//! 10. [`network_policies`] keeps compose network isolation with NetworkPolicies
//!     (`--network-policies`): it reads the waits `dependencies` chose and the ports of the
//!     Services.
//! 11. [`config_hash`] stamps a hash of the ConfigMaps and Secrets a pod uses on its template.
//!     It runs last, once every pass that adds a mount or an environment source has run.

pub mod config_hash;
pub mod dependencies;
pub mod devices;
pub mod names;
pub mod namespaces;
pub mod network_policies;
pub mod reached;
pub mod renamed;
pub mod services;
pub mod subdomains;
pub mod volumes;

use crate::diagnostics::Diagnostics;
use crate::ir::{Locate, Project};

/// Runs every pass in order.
pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    names::run(project, locations, diagnostics);
    namespaces::run(project, locations, diagnostics);
    reached::run(project, locations, diagnostics);
    renamed::run(project, locations, diagnostics);
    services::run(project, locations, diagnostics);
    subdomains::run(project, locations, diagnostics);
    dependencies::run(project, locations, diagnostics);
    devices::run(project, locations, diagnostics);
    volumes::run(project, locations, diagnostics);
    network_policies::run(project, locations, diagnostics);
    config_hash::run(project, locations, diagnostics);
}
