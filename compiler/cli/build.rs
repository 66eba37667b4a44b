//! `stackc build`: lower the project, run the passes and write one target's files.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::backends::{self, Files};
use crate::diagnostics::Diagnostics;
use crate::error::Error;
use crate::extension::{self, DeviceProfile};
use crate::ir::names::is_dns_label;
use crate::ir::{self, Locate};
use crate::output::{self, Mode, OutputFiles, WriteReport};
use crate::{model, passes};

/// What `stackc build` writes and how.
#[derive(Debug, Clone, Default, clap::Args)]
// Command-line switches are independent flags; an enum per switch would only rename `bool`.
#[allow(clippy::struct_excessive_bools)]
pub struct BuildArgs {
    /// The kind of output.
    #[arg(long, value_enum, default_value_t)]
    pub target: Target,
    /// Write one file per object, plus `kustomization.yaml`, into this directory.
    #[arg(short, long, value_name = "DIR", conflicts_with = "stdout")]
    pub output: Option<PathBuf>,
    /// Write every object to standard output as one multi-document YAML stream.
    #[arg(long)]
    pub stdout: bool,
    /// Treat warnings as errors: write nothing if any key is approximated or left out.
    #[arg(long)]
    pub strict: bool,
    /// Write nothing; exit 1 and show what would change when the output directory is stale
    /// (for pre-commit hooks and CI).
    #[arg(long, requires = "output")]
    pub check: bool,
    /// Stamp this namespace on every object (by default the namespace is chosen at apply time).
    /// With `--target helm` the objects go to the release namespace, and this is the namespace
    /// the `--k3s-helmchart` object installs the chart into.
    #[arg(long, value_name = "NAME")]
    pub namespace: Option<String>,
    /// Prefix the images of services that compose builds with this registry path.
    #[arg(long, value_name = "REGISTRY")]
    pub image_registry: Option<String>,
    /// With `--target podman`: also write a Quadlet `.kube` unit next to the YAML.
    #[arg(long)]
    pub quadlet: bool,
    /// With `--target helm`: also write `helmchart.yaml`, a K3s `HelmChart` object carrying the
    /// packaged chart, for the K3s manifests directory (`/var/lib/rancher/k3s/server/manifests`).
    #[arg(long)]
    pub k3s_helmchart: bool,
    /// Where secret values go: `reference` writes none (apply `stackc secrets` separately),
    /// `inline` writes them into the output.
    #[arg(long, value_enum, default_value_t)]
    pub secrets: Secrets,
    /// How `devices:` entries reach the pods, for services whose `x-stackc` names no
    /// `device-plugin` (see docs/lowerings.md).
    #[arg(long, value_enum, default_value_t)]
    pub device_plugin: DevicePlugin,
    /// The id a group has on the nodes (`render=993`), for `group_add` entries that name a
    /// group (repeatable, or comma-separated). `x-stackc: {groups: ...}` in the compose files
    /// takes precedence.
    #[arg(long = "gid", value_name = "NAME=GID", value_delimiter = ',', value_parser = parse_gid)]
    pub gids: Vec<(String, u32)>,
    /// Annotate every object made from a compose key with the file, line, column and key it
    /// comes from (`stackc.io/source: compose.yaml:12:3 services.web`), for tracing a manifest
    /// back to compose in review.
    #[arg(long)]
    pub provenance: bool,
    /// Keep compose network isolation: each compose network becomes a NetworkPolicy that lets
    /// its members accept connections only from one another (published ports from anywhere).
    /// Also `x-stackc: {network-policies: true}`. Not for `--target podman`.
    #[arg(long)]
    pub network_policies: bool,
}

/// `--gid NAME=GID`.
fn parse_gid(text: &str) -> Result<(String, u32), String> {
    let (name, gid) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not `NAME=GID`: write the group's name and its id on the nodes, as in `render=993`"))?;
    let gid = gid.parse::<u32>().map_err(|_| {
        format!("the id of group `{name}` is `{gid}`: write a number, as in `{name}=993`")
    })?;
    if name.is_empty() {
        return Err(format!("`{text}` names no group: write `NAME={gid}`"));
    }
    Ok((name.to_owned(), gid))
}

/// Where secret values go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Secrets {
    /// Workloads reference Secrets by name; no value is read or written.
    #[default]
    Reference,
    /// The Secrets, with their values, are written with the other objects.
    Inline,
}

/// The device profiles of `--device-plugin`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DevicePlugin {
    /// The generic device plugin, emitted with the manifests (`stackc.io/<device>`).
    #[default]
    Generic,
    /// Intel's GPU plugin (`gpu.intel.com/i915`).
    Intel,
    /// Intel's GPU plugin for the `xe` driver (`gpu.intel.com/xe`).
    IntelXe,
    /// AMD's GPU plugin (`amd.com/gpu`).
    Amd,
    /// The device node as a hostPath in a privileged container.
    Hostpath,
}

impl From<DevicePlugin> for DeviceProfile {
    fn from(plugin: DevicePlugin) -> Self {
        match plugin {
            DevicePlugin::Generic => Self::Generic,
            DevicePlugin::Intel => Self::Intel,
            DevicePlugin::IntelXe => Self::IntelXe,
            DevicePlugin::Amd => Self::Amd,
            DevicePlugin::Hostpath => Self::Hostpath,
        }
    }
}

/// The targets stackc knows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Kubernetes manifests tuned for K3s.
    #[default]
    K3s,
    /// A Helm chart.
    Helm,
    /// YAML for `podman kube play`.
    Podman,
}

/// What a build produces, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Relative path → contents, for `-o DIR`.
    Files(Files),
    /// One YAML stream, for `--stdout`.
    Stream(String),
}

/// Runs `stackc build`: writes the output unless `diagnostics` end up holding errors (the caller
/// renders them and chooses the exit code). Returns `false` when `--check` found the output
/// directory stale (the differences were printed on stderr).
pub fn run(
    args: &BuildArgs,
    project: model::Project,
    locations: impl Locate + Send,
    diagnostics: &mut Diagnostics,
    report: &super::Report<'_>,
) -> Result<bool, Error> {
    let lowered = lower(args, &project, &locations, diagnostics)?;
    // The diagnostics are final once lowered: they are rendered beside emitting and writing.
    let diagnostics: &Diagnostics = diagnostics;
    let (outcome, ()) = crate::parallel::join(
        || emit_and_write(args, project, locations, lowered),
        || report.render_ahead(diagnostics),
    );
    outcome
}

/// From this many services the compose model and the source tree are freed before emitting:
/// about 20 KB a service, which the objects then reuse. It is also where freeing them is shared
/// with the pool (`parallel::map`).
const FREE_EARLY_FROM_SERVICES: usize = 64;

fn emit_and_write(
    args: &BuildArgs,
    project: model::Project,
    locations: impl Locate,
    lowered: Option<Lowered>,
) -> Result<bool, Error> {
    // Emitting needs only the IR: freeing the compose model and the source tree first lowers the
    // peak memory of a build by their size. Services are most of both, so they are freed on the
    // pool: the tree's by `Locations`' drop, the model's here. A small project's are left to the
    // process's exit, as the IR is: they hold a megabyte or two, and freeing them piece by piece
    // on the main thread would be a twentieth of its build.
    if project.services.len() < FREE_EARLY_FROM_SERVICES {
        super::exiting(locations);
        super::exiting(project);
    } else {
        drop(locations);
        let mut project = project;
        crate::parallel::map(std::mem::take(&mut project.services), drop);
        drop(project);
    }
    let output = lowered.as_ref().map(|l| emit(args, l)).transpose()?;
    super::exiting(lowered);
    match output {
        None => Ok(true),
        Some(Output::Stream(text)) => {
            super::write_stdout(&text)?;
            Ok(true)
        }
        Some(Output::Files(files)) => {
            let dir = args.output.as_deref().unwrap_or(Path::new("."));
            let mode = if args.check { Mode::Check } else { Mode::Write };
            let files = OutputFiles::from(files);
            let report = output::write(dir, &files, mode)?;
            super::exiting(files);
            let text = output::render(dir, mode, &report);
            if !text.is_empty() {
                let _ = std::io::stderr().write_all(text.as_bytes());
            }
            Ok(report.stale.is_empty())
        }
    }
}

/// Lowers, runs the passes and emits; `None` when the diagnostics hold errors (after `--strict`
/// promoted warnings), so that nothing is written.
pub fn compile(
    args: &BuildArgs,
    project: &model::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Result<Option<Output>, Error> {
    lower(args, project, locations, diagnostics)?
        .map(|lowered| emit(args, &lowered))
        .transpose()
}

/// A project lowered and checked for one target, ready to emit.
enum Lowered {
    /// The K3s manifests, or the Helm chart with its options.
    Kubernetes {
        ir: ir::Project,
        helm: Option<backends::helm::Options>,
    },
    Podman(backends::podman::Stack),
}

/// Everything of [`compile`] that reads the compose model and the source locations: lowering,
/// the passes and the target's checks. `None` when the diagnostics hold errors.
fn lower(
    args: &BuildArgs,
    project: &model::Project,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Result<Option<Lowered>, Error> {
    if args.target == Target::Podman && args.namespace.is_some() {
        return Err(Error::Usage(
            "`--namespace` has no effect on podman, which has no namespaces: leave it out with `--target podman`"
                .to_owned(),
        ));
    }
    if args.quadlet && (args.target != Target::Podman || args.output.is_none()) {
        return Err(Error::Usage(
            "`--quadlet` writes a unit next to the YAML: use it with `--target podman -o DIR`"
                .to_owned(),
        ));
    }
    if args.target == Target::Podman && args.network_policies {
        return Err(Error::Usage(
            "`podman kube play` applies no NetworkPolicies: leave out `--network-policies` with `--target podman`".to_owned(),
        ));
    }
    if args.target == Target::Helm && args.secrets == Secrets::Inline {
        return Err(Error::Usage(
            "a Helm chart takes secret values from its values (`secrets.<name>.data`): leave out `--secrets inline` with `--target helm`".to_owned(),
        ));
    }
    if args.target == Target::Helm && args.stdout {
        return Err(Error::Usage(
            "a Helm chart is a directory: write it with `-o DIR`".to_owned(),
        ));
    }
    if args.output.is_none() && !args.stdout {
        return Err(Error::Usage(
            "say where to write: `-o DIR` for one file per object, or `--stdout`".to_owned(),
        ));
    }
    if let Some(namespace) = args.namespace.as_deref().filter(|n| !is_dns_label(n)) {
        return Err(Error::Usage(format!(
            "`--namespace {namespace}` is not a valid namespace: use lowercase letters, digits and `-`, at most 63 characters"
        )));
    }
    let mut settings = match extension::read(project, &|path| locations.span(path)) {
        Ok(settings) => settings,
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return Ok(None);
        }
    };
    for (name, gid) in &args.gids {
        settings.project.groups.entry(name.clone()).or_insert(*gid);
    }
    // Podman has no NetworkPolicies, so there the setting keeps networks reported as not kept.
    let network_policies = args.target != Target::Podman
        && (args.network_policies || settings.project.network_policies);
    let options = ir::lower::Options {
        image_registry: args.image_registry.clone(),
        read_secrets: args.secrets == Secrets::Inline,
        settings,
        device_plugin: Some(args.device_plugin.into()),
        provenance: args.provenance,
        network_policies,
        name_rules: if args.target == Target::Podman {
            ir::lower::NameRules::Engine
        } else {
            ir::lower::NameRules::Kubernetes
        },
    };
    if args.target == Target::Podman {
        return Ok(lower_podman(
            args,
            project,
            &options,
            locations,
            diagnostics,
        ));
    }
    let mut ir = ir::lower::lower(project, &options, locations, diagnostics);
    passes::run(&mut ir, locations, diagnostics);
    warn_inline(&ir, diagnostics);
    backends::k3s::check(&ir, locations, diagnostics);
    if args.target != Target::Podman {
        let options = backends::k3s::Options {
            namespace: args.namespace.clone(),
        };
        let chart = args.target == Target::Helm;
        backends::k3s::check_client_side_apply(&ir, &options, chart, locations, diagnostics);
    }
    if args.target == Target::Helm {
        backends::helm::check(&ir, locations, diagnostics);
    }
    if args.strict {
        diagnostics.promote_warnings();
    }
    if diagnostics.has_errors() {
        return Ok(None);
    }
    let helm = (args.target == Target::Helm).then(|| backends::helm::Options {
        k3s_helmchart: args.k3s_helmchart,
        namespace: args.namespace.clone(),
        required: backends::helm::required(&ir, locations),
    });
    Ok(Some(Lowered::Kubernetes { ir, helm }))
}

/// The podman arm of [`lower`].
fn lower_podman(
    args: &BuildArgs,
    project: &model::Project,
    options: &ir::lower::Options,
    locations: &impl Locate,
    diagnostics: &mut Diagnostics,
) -> Option<Lowered> {
    let mut lowering = Diagnostics::new();
    let mut ir = ir::lower::lower(project, options, locations, &mut lowering);
    passes::run(&mut ir, locations, &mut lowering);
    warn_inline(&ir, diagnostics);
    let stack = backends::podman::prepare(ir, project, lowering, locations, diagnostics);
    backends::podman::check(&stack, locations, diagnostics);
    if args.strict {
        diagnostics.promote_warnings();
    }
    (!diagnostics.has_errors()).then_some(Lowered::Podman(stack))
}

/// The files or the stream of a lowered project.
fn emit(args: &BuildArgs, lowered: &Lowered) -> Result<Output, Error> {
    let k3s = backends::k3s::Options {
        namespace: args.namespace.clone(),
    };
    let output = match lowered {
        Lowered::Kubernetes {
            ir,
            helm: Some(helm),
        } => backends::helm::files(ir, helm)
            .map(Output::Files)
            .map_err(std::io::Error::other),
        Lowered::Kubernetes { ir, helm: None } if args.stdout => backends::k3s::stream(ir, &k3s)
            .map(Output::Stream)
            .map_err(std::io::Error::other),
        Lowered::Kubernetes { ir, helm: None } => backends::k3s::files(ir, &k3s)
            .map(Output::Files)
            .map_err(std::io::Error::other),
        Lowered::Podman(stack) if args.stdout => backends::podman::stream(stack)
            .map(Output::Stream)
            .map_err(std::io::Error::other),
        Lowered::Podman(stack) => backends::podman::files(
            stack,
            backends::podman::Options {
                quadlet: args.quadlet,
            },
        )
        .map(Output::Files)
        .map_err(std::io::Error::other),
    };
    output.map_err(|source| Error::Write {
        path: args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdout>")),
        source,
    })
}

/// `--secrets inline` writes values: say which, without ever showing one.
fn warn_inline(ir: &ir::Project, diagnostics: &mut Diagnostics) {
    let written: Vec<&str> = ir
        .secrets
        .values()
        .filter(|s| s.data.is_some())
        .map(|s| s.name.as_str())
        .collect();
    if !written.is_empty() {
        diagnostics.push(
            crate::diagnostics::Diagnostic::warning(
                crate::diagnostics::Code::SecretsInline,
                format!(
                    "the values of Secrets `{}` are written into the output; keep it out of version control",
                    written.join("`, `")
                ),
            )
            .with_help("build without `--secrets inline` and apply `stackc secrets` separately"),
        );
    }
}

/// Writes `files` into `dir` as a managed output directory (see [`crate::output`]): atomic per
/// file, unchanged files untouched, files stackc wrote before and no longer produces removed, and
/// nothing else in `dir` touched. In [`Mode::Check`] nothing is written.
pub fn write_dir(dir: &Path, files: &Files, mode: Mode) -> Result<WriteReport, Error> {
    output::write(dir, &OutputFiles::from(files.clone()), mode)
}

#[cfg(test)]
mod tests {
    use super::{BuildArgs, Output, Target};
    use crate::diagnostics::Diagnostics;
    use crate::error::Error;
    use crate::ir::Unlocated;

    fn project() -> crate::model::Project {
        serde_json::from_value(serde_json::json!({
            "name": "demo",
            "services": { "web": { "image": "nginx", "logging": { "driver": "syslog" } } }
        }))
        .unwrap()
    }

    #[test]
    fn strict_builds_write_nothing_when_a_key_is_left_out() {
        let args = BuildArgs {
            stdout: true,
            strict: true,
            ..BuildArgs::default()
        };
        let mut diagnostics = Diagnostics::new();
        let output = super::compile(&args, &project(), &Unlocated, &mut diagnostics).unwrap();
        assert_eq!(output, None);
        assert!(diagnostics.has_errors());
    }

    #[test]
    fn namespaces_are_stamped_only_on_request() {
        let build = |namespace: Option<&str>| {
            let args = BuildArgs {
                stdout: true,
                namespace: namespace.map(str::to_owned),
                ..BuildArgs::default()
            };
            let output = super::compile(&args, &project(), &Unlocated, &mut Diagnostics::new());
            match output.unwrap() {
                Some(Output::Stream(text)) => text,
                other => panic!("expected a stream, got {other:?}"),
            }
        };
        assert!(!build(None).contains("namespace:"));
        assert!(build(Some("shop")).contains("namespace: shop\n"));
    }

    #[test]
    fn helm_charts_take_secret_values_from_their_values() {
        let args = BuildArgs {
            target: Target::Helm,
            output: Some("chart".into()),
            secrets: super::Secrets::Inline,
            ..BuildArgs::default()
        };
        let result = super::compile(&args, &project(), &Unlocated, &mut Diagnostics::new());
        assert!(matches!(result, Err(Error::Usage(m)) if m.contains("--secrets inline")));
    }

    #[test]
    fn a_chart_is_written_to_a_directory() {
        let args = BuildArgs {
            target: Target::Helm,
            stdout: true,
            ..BuildArgs::default()
        };
        let result = super::compile(&args, &project(), &Unlocated, &mut Diagnostics::new());
        assert!(matches!(result, Err(Error::Usage(m)) if m.contains("-o DIR")));
    }
}
