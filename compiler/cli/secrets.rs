//! `stackc secrets`: the project's Secrets with their values, as one YAML stream on stdout, for
//! `stackc secrets | kubectl apply -f -` (or `| podman kube play -`). Nothing is written to disk.

use std::path::PathBuf;

use crate::backends;
use crate::cli::build::Target;
use crate::diagnostics::Diagnostics;
use crate::error::Error;
use crate::ir::names::is_dns_label;
use crate::ir::{self, Locate};
use crate::{model, passes};

/// Which Secrets stream to write.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SecretsArgs {
    /// The target the Secrets are for.
    #[arg(long, value_enum, default_value_t)]
    pub target: Target,
    /// Stamp this namespace on every Secret (k3s only).
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Annotate every Secret with the compose file, line, column and key it comes from
    /// (`stackc.io/source`).
    #[arg(long)]
    pub provenance: bool,
}

/// The stream, or `None` when the diagnostics hold errors.
pub fn compile(
    args: &SecretsArgs,
    project: &model::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Result<Option<String>, Error> {
    if let Some(namespace) = args.namespace.as_deref() {
        if args.target != Target::K3s {
            return Err(Error::Usage(
                "`--namespace` applies to `--target k3s` only".to_owned(),
            ));
        }
        if !is_dns_label(namespace) {
            return Err(Error::Usage(format!(
                "`--namespace {namespace}` is not a valid namespace: use lowercase letters, digits and `-`, at most 63 characters"
            )));
        }
    }
    let options = ir::lower::Options {
        read_secrets: true,
        provenance: args.provenance,
        ..ir::lower::Options::default()
    };
    // Only the Secrets are written: warnings about the rest of the project belong to `build`.
    let mut lowering = Diagnostics::new();
    let mut ir = ir::lower::lower(project, &options, locations, &mut lowering);
    passes::run(&mut ir, locations, &mut lowering);
    for d in lowering {
        if d.code == crate::diagnostics::Code::FileValueMissing
            || d.severity == crate::diagnostics::Severity::Error
        {
            diagnostics.push(d);
        }
    }
    if diagnostics.has_errors() {
        return Ok(None);
    }
    let text = match args.target {
        Target::Podman => backends::podman::secrets(&ir),
        Target::K3s | Target::Helm => backends::k3s::secrets(
            &ir,
            &backends::k3s::Options {
                namespace: args.namespace.clone(),
            },
        ),
    };
    text.map(Some).map_err(|e| Error::Write {
        path: PathBuf::from("<stdout>"),
        source: std::io::Error::other(e),
    })
}

/// Writes the stream to stdout.
pub fn run(
    args: &SecretsArgs,
    project: &model::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Result<(), Error> {
    match compile(args, project, locations, diagnostics)? {
        Some(text) => super::write_stdout(&text),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{SecretsArgs, Target};
    use crate::cli::build::{self, BuildArgs, Output, Secrets};
    use crate::diagnostics::Diagnostics;
    use crate::ir::Unlocated;

    const VALUE: &str = "tok-0123456789";

    fn project() -> crate::model::Project {
        let mut project: crate::model::Project = serde_json::from_value(serde_json::json!({
            "name": "demo",
            "services": { "web": { "image": "nginx", "secrets": [{ "source": "token" }] } },
            "secrets": { "token": { "environment": "TOKEN" } }
        }))
        .unwrap();
        project
            .environment
            .insert("TOKEN".to_owned(), VALUE.to_owned());
        project
    }

    fn build(secrets: Secrets) -> String {
        let args = BuildArgs {
            stdout: true,
            secrets,
            ..BuildArgs::default()
        };
        match build::compile(&args, &project(), &Unlocated, &mut Diagnostics::new()) {
            Ok(Some(Output::Stream(text))) => text,
            other => panic!("expected a stream, got {other:?}"),
        }
    }

    #[test]
    fn values_are_written_only_by_secrets_and_inline_builds() {
        let reference = build(Secrets::Reference);
        assert!(!reference.contains(VALUE) && !reference.contains("kind: Secret"));
        assert!(reference.contains("secretName: demo-token"));
        assert!(build(Secrets::Inline).contains(VALUE));
        for target in [Target::K3s, Target::Podman] {
            let args = SecretsArgs {
                target,
                namespace: None,
                provenance: false,
            };
            let text = super::compile(&args, &project(), &Unlocated, &mut Diagnostics::new())
                .unwrap()
                .unwrap();
            assert!(text.contains("name: demo-token"), "{text}");
            assert!(!text.contains("kind: Deployment"), "{text}");
        }
    }
}
