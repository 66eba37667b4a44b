//! `restart`, `deploy.restart_policy` and `deploy.mode`: whether a service becomes a
//! Deployment, a DaemonSet or a Job.
//!
//! `docker compose up` gives the engine `deploy.restart_policy` when the service has one, and
//! `restart` otherwise, with Swarm's condition names mapped to the engine's (`none` and `no` are
//! `no`, `any` and `always` are `always`). The engine then refuses a policy it does not know,
//! and a retry count on any policy but `on-failure`: such a service does not start under
//! Compose, which is reported here, as `docker compose config` accepts any text.

use super::Lowering;
use crate::diagnostics::Code;
use crate::ir::{Locate, WorkloadKind};
use crate::model;

/// What the engine does when the service's container exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// No policy: compose's default, which never restarts, and what an empty policy name reads as.
    Unset,
    Never,
    /// `always`, `unless-stopped` or Swarm's `any`.
    Always,
    /// `on-failure`, with its retry limit; `None` retries without limit.
    OnFailure(Option<u32>),
}

/// A restart policy as written: its name, and its retry count, if any.
struct Written<'a> {
    name: &'a str,
    count: Option<Count>,
    service: &'a str,
    /// `deploy.restart_policy`, which Swarm reads too, with its `max_attempts`; else `restart`,
    /// whole.
    from: Source<'a>,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Restart(&'a str),
    Deploy(Option<u64>),
}

impl Written<'_> {
    /// Where the policy's name was written.
    fn name_path(&self) -> Vec<&str> {
        self.path("condition")
    }

    /// Where its retry count was written.
    fn count_path(&self) -> Vec<&str> {
        self.path("max_attempts")
    }

    /// `restart`, which holds both name and count, or `key` of `deploy.restart_policy`.
    fn path<'k>(&'k self, key: &'k str) -> Vec<&'k str> {
        match self.from {
            Source::Restart(_) => vec!["services", self.service, "restart"],
            Source::Deploy(_) => vec!["services", self.service, "deploy", "restart_policy", key],
        }
    }

    /// How a report quotes it, e.g. `restart: always:3`.
    fn shown(&self) -> String {
        match self.from {
            Source::Restart(whole) => format!("restart: {whole}"),
            Source::Deploy(Some(n)) => format!(
                "deploy.restart_policy: {{condition: {}, max_attempts: {n}}}",
                self.name
            ),
            Source::Deploy(None) => format!("deploy.restart_policy.condition: {}", self.name),
        }
    }
}

/// A retry count: a number, or text after `restart`'s `:` that is not one, which Docker reads
/// as `0`.
#[derive(Clone, Copy)]
enum Count {
    Number(i64),
    NotANumber,
}

impl<L: Locate> Lowering<'_, L> {
    /// Deployment, DaemonSet or Job, from `restart`, `deploy.restart_policy` and `deploy.mode`.
    pub(super) fn kind(&mut self, name: &str, service: &model::ServiceConfig) -> WorkloadKind {
        let deploy = service.deploy.as_ref();
        let mode = deploy.map_or("", |d| d.mode.as_str());
        if !matches!(
            mode,
            "" | "replicated" | "global" | "replicated-job" | "global-job"
        ) {
            self.warn(
                Code::UnloweredValue,
                &["services", name, "deploy", "mode"],
                format!(
                    "`deploy.mode: {mode}` of service `{name}` is not a mode (`replicated`, `global`, `replicated-job` or `global-job`): it runs replicated, as Docker Compose runs it"
                ),
                "unknown mode",
            );
        }
        // Swarm's job modes run their tasks to completion and restart them only on failure.
        let job_mode = matches!(mode, "replicated-job" | "global-job");
        let replicas = deploy
            .and_then(|d| d.replicas)
            .or(service.scale)
            .unwrap_or(1);
        let replicas = u32::try_from(replicas.max(0)).unwrap_or(u32::MAX);
        let (one_shot, on_failure, limit) = match self.policy(name, service, job_mode) {
            Policy::Never => (true, false, Some(0)),
            Policy::OnFailure(limit) => (true, true, limit),
            _ if job_mode => (true, true, None),
            // Compose's default is `no`; stackc makes an unset policy a Deployment, which
            // restarts, unless the service is awaited to complete.
            Policy::Unset if self.awaited_to_complete.contains(name) => (true, false, Some(0)),
            Policy::Unset | Policy::Always => (false, false, None),
        };
        if one_shot {
            let completions = if mode == "global-job" {
                self.warn(
                    Code::ApproximatedKey,
                    &["services", name, "deploy", "mode"],
                    format!(
                        "`deploy.mode: global-job` of service `{name}` is approximated: its Job runs one pod to completion, not one on every node"
                    ),
                    "one run, not one per node",
                );
                1
            } else {
                replicas
            };
            return WorkloadKind::Job {
                backoff_limit: limit,
                restart_on_failure: on_failure,
                completions,
            };
        }
        if mode == "global" {
            return WorkloadKind::DaemonSet;
        }
        WorkloadKind::Deployment { replicas }
    }

    /// The policy `docker compose up` gives the engine for the service, with what the engine
    /// would refuse reported. Swarm's job modes restart a task on failure only, and keep
    /// `max_attempts` with any condition.
    fn policy(&mut self, name: &str, service: &model::ServiceConfig, job_mode: bool) -> Policy {
        let Some(written) = self.written_policy(name, service) else {
            return Policy::Unset;
        };
        let (policy, outcome) = match written.name {
            "" => return Policy::Unset,
            "no" | "none" => (Policy::Never, "it never restarts"),
            "always" | "unless-stopped" | "any" if job_mode => {
                return self.on_failure(name, &written);
            }
            "always" | "unless-stopped" | "any" => (Policy::Always, "it restarts without limit"),
            "on-failure" => return self.on_failure(name, &written),
            _ => {
                self.warn_help(
                    Code::UnloweredValue,
                    &written.name_path(),
                    format!(
                        "`{}` of service `{name}` is not a restart policy: Docker Engine refuses to create its container; it is lowered as if the policy were unset",
                        written.shown()
                    ),
                    "unknown policy",
                    "write `no`, `always`, `on-failure[:N]` or `unless-stopped`",
                );
                return Policy::Unset;
            }
        };
        if let Some(Count::Number(count)) = written.count.filter(|c| !matches!(c, Count::Number(0)))
        {
            let refused = if matches!(written.from, Source::Deploy(_)) {
                "Swarm keeps a retry count with any condition, but `docker compose up` fails, as Docker Engine takes one only with `on-failure`"
            } else {
                "Docker Engine takes a retry count only with `on-failure`, and refuses to create the container"
            };
            self.warn_help(
                Code::UnloweredValue,
                &written.count_path(),
                format!(
                    "the retry count {count} of service `{name}` (`{}`) is left out, and {outcome}: {refused}",
                    written.shown()
                ),
                "only for `on-failure`",
                "remove the count, or restart on failure only",
            );
        }
        policy
    }

    /// `on-failure` and its retry limit: none, `0` or a count Docker does not read as a number
    /// retry without limit.
    fn on_failure(&mut self, name: &str, written: &Written) -> Policy {
        let limit = match written.count {
            None | Some(Count::Number(0)) => None,
            Some(Count::Number(count)) if count < 0 => {
                self.warn(
                    Code::UnloweredValue,
                    &written.count_path(),
                    format!(
                        "`{}` of service `{name}` gives a negative retry count, which Docker Engine refuses: its Job retries without limit",
                        written.shown()
                    ),
                    "negative",
                );
                None
            }
            Some(Count::Number(count)) => u32::try_from(count).ok(),
            Some(Count::NotANumber) => {
                self.warn(
                    Code::UnloweredValue,
                    &written.count_path(),
                    format!(
                        "`{}` of service `{name}` does not give a number of retries: it retries without limit",
                        written.shown()
                    ),
                    "not a number",
                );
                None
            }
        };
        Policy::OnFailure(limit)
    }

    /// `deploy.restart_policy` if the service has one, else `restart`, as Compose chooses.
    fn written_policy<'a>(
        &mut self,
        name: &'a str,
        service: &'a model::ServiceConfig,
    ) -> Option<Written<'a>> {
        if let Some(policy) = service
            .deploy
            .as_ref()
            .and_then(|d| d.restart_policy.as_ref())
        {
            if policy.condition.is_empty()
                && !matches!(service.restart.as_str(), "" | "no" | "none")
            {
                self.warn_help(
                    Code::UnloweredValue,
                    &["services", name, "restart"],
                    format!(
                        "`restart: {}` of service `{name}` has no effect: Docker Compose takes `deploy.restart_policy` instead, which has no `condition`, and the container never restarts; it is lowered as if the policy were unset",
                        service.restart
                    ),
                    "overridden",
                    "give `deploy.restart_policy` a `condition`",
                );
            }
            return Some(Written {
                name: &policy.condition,
                count: policy
                    .max_attempts
                    .map(|n| Count::Number(i64::try_from(n).unwrap_or(i64::MAX))),
                service: name,
                from: Source::Deploy(policy.max_attempts),
            });
        }
        if service.restart.is_empty() {
            return None;
        }
        // Compose splits at every `:` and reads the second part as the count, `0` when it is
        // not a number.
        let mut parts = service.restart.split(':');
        let policy_name = parts.next().unwrap_or_default();
        if policy_name.is_empty() {
            self.warn_help(
                Code::UnloweredValue,
                &["services", name, "restart"],
                format!(
                    "`restart: {}` of service `{name}` names no policy before `:`: Docker gives the container no restart policy, and it is lowered as if the policy were unset",
                    service.restart
                ),
                "no policy name",
                "write the policy's name, or set the variable that should give it",
            );
        }
        Some(Written {
            name: policy_name,
            count: parts.next().map(|count| match count.parse() {
                Ok(number) => Count::Number(number),
                Err(_) => Count::NotANumber,
            }),
            service: name,
            from: Source::Restart(&service.restart),
        })
    }
}
