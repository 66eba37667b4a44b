//! IR → IR rewrites, one file per pass, run in the order of [`run`].
//!
//! Lowering maps each compose service on its own; passes do what needs the whole project:
//!
//! 1. [`names`] checks the Kubernetes names lowering derived: renamed services are reported
//!    (compose DNS names change) and collisions are errors. It runs first so that later passes
//!    can rely on unique workload names.
//! 2. [`services`] puts Services in front of workloads that listen on ports: a ClusterIP Service
//!    named after the compose service (and one per DNS alias), plus a LoadBalancer Service for
//!    published ports. It runs after `names` because Service names derive from workload names.
//!
//! Passes for `depends_on` (wait init containers), secrets and configs (Secret and ConfigMap
//! mounts), volumes (claims) and devices (device-plugin resources) slot in after `services`,
//! since waiting on a dependency needs its Service.

pub mod names;
pub mod services;

use crate::diagnostics::Diagnostics;
use crate::ir::{Locate, Project};

/// Runs every pass in order.
pub fn run(project: &mut Project, locations: &impl Locate, diagnostics: &mut Diagnostics) {
    names::run(project, locations, diagnostics);
    services::run(project, locations, diagnostics);
}
