//! The command line: arguments, the subcommands, diagnostics on stderr, and exit codes.
//!
//! Exit codes: 0 success; 1 the input has errors (diagnostics were printed); 2 usage or I/O
//! errors (stackc could not read or write what it was asked to).

pub mod build;
mod check;
mod config;
mod explain;
mod schema;
pub mod secrets;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostics::Diagnostics;
use crate::diagnostics::render::{self, MessageFormat};
use crate::error::Error;
use crate::frontend::{self, LoadReturn, project::ProjectOptions};
use crate::ir::Sourced;
use crate::source::SourceMap;

/// Compile Compose files to Kubernetes manifests, Helm charts and podman kube play YAML.
#[derive(Debug, Parser)]
#[command(name = "stackc", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options shared by every subcommand; they mean what they mean to `docker compose`.
#[derive(Debug, Args)]
struct GlobalArgs {
    /// Compose file (repeatable; `-` reads standard input). Default: `COMPOSE_FILE`, else
    /// compose.yaml, compose.yml, docker-compose.yml or docker-compose.yaml, searched upwards.
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    files: Vec<String>,
    /// Directory that relative paths in the compose files are resolved from
    /// (default: the first compose file's directory).
    #[arg(long, global = true, value_name = "DIR")]
    project_directory: Option<PathBuf>,
    /// Project name (default: `COMPOSE_PROJECT_NAME`, else `name:` in the file, else the
    /// directory name).
    #[arg(short = 'p', long, global = true, value_name = "NAME")]
    project_name: Option<String>,
    /// Env file used for interpolation instead of the project's `.env` (repeatable).
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    env_files: Vec<PathBuf>,
    /// Profile to enable (repeatable; default: `COMPOSE_PROFILES`).
    #[arg(long = "profile", global = true, value_name = "NAME")]
    profiles: Vec<String>,
    /// How diagnostics are printed on stderr.
    #[arg(long, global = true, value_enum, default_value = "human")]
    message_format: MessageFormat,
    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    color: Color,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Compile the project into one target's files.
    Build(build::BuildArgs),
    /// Report every problem a build would report, without writing anything.
    Check(check::CheckArgs),
    /// Print the resolved compose project, like `docker compose config`.
    Config(config::ConfigArgs),
    /// Explain a diagnostic code, or list every code with `--list`.
    Explain(explain::ExplainArgs),
    /// Print the project's Secrets with their values, for `| kubectl apply -f -`.
    Secrets(secrets::SecretsArgs),
    /// Print (or write) the JSON schemas of stackc's IR and of the `x-stackc` extension.
    Schema(schema::SchemaArgs),
}

/// Runs the command line and returns the process exit code.
#[must_use]
pub fn main() -> ExitCode {
    crate::parallel::join_from_this_thread();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {}", error_chain(&error));
            ExitCode::from(error.exit_code())
        }
    }
}

fn error_chain(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string().to_lowercase());
        source = cause.source();
    }
    text
}

fn run(cli: &Cli) -> Result<ExitCode, Error> {
    match &cli.command {
        Command::Build(args) => run_build(cli, args),
        Command::Check(args) => check::run(cli, args),
        Command::Config(args) => config::run(cli, args),
        Command::Explain(args) => explain::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Secrets(args) => run_secrets(cli, args),
    }
}

fn run_secrets(cli: &Cli, args: &secrets::SecretsArgs) -> Result<ExitCode, Error> {
    with_project(cli, |project, locations, diagnostics, _| {
        secrets::run(args, &project, &locations, diagnostics).map(|()| true)
    })
}

fn run_build(cli: &Cli, args: &build::BuildArgs) -> Result<ExitCode, Error> {
    with_project(cli, |project, locations, diagnostics, report| {
        build::run(args, project, locations, diagnostics, report)
    })
}

/// Loads the project and, when it loaded without errors, runs `command` on it with locations
/// that can name the file, line and column of every key. Exit code 1 when any error was
/// reported or `command` returned `false` (a stale `--check`).
fn with_project(
    cli: &Cli,
    command: impl FnOnce(
        crate::model::Project,
        Sourced<'_, frontend::locations::Locations>,
        &mut Diagnostics,
        &Report<'_>,
    ) -> Result<bool, Error>,
) -> Result<ExitCode, Error> {
    let (mut result, sources) = load(cli)?;
    let Some(project) = result
        .project
        .take()
        .filter(|_| !result.diagnostics.has_errors())
    else {
        report(cli, &result.diagnostics, &sources);
        return Ok(ExitCode::from(1));
    };
    let report = Report::new(cli, &sources);
    let project_dir = PathBuf::from(&project.working_dir);
    let locations = Sourced {
        locations: std::mem::take(&mut result.locations),
        sources: &sources,
        project_dir: &project_dir,
    };
    let outcome = command(project, locations, &mut result.diagnostics, &report);
    report.print(&result.diagnostics);
    let up_to_date = outcome?;
    let code = if result.diagnostics.has_errors() || !up_to_date {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    exiting(result);
    exiting(sources);
    Ok(code)
}

/// Leaves a value to the end of the process, which is next: freeing it piece by piece would
/// cost time and give back memory no one needs any more.
pub(super) fn exiting<T>(value: T) {
    std::mem::forget(value);
}

/// Writes generated text to standard output.
pub(super) fn write_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Write {
            path: PathBuf::from("<stdout>"),
            source,
        })
}

fn load(cli: &Cli) -> Result<(LoadReturn, SourceMap), Error> {
    let cwd = std::env::current_dir().map_err(|source| Error::Read {
        path: PathBuf::from("."),
        source,
    })?;
    let stdin = if cli.global.files.iter().any(|f| f == "-") {
        let mut text = String::new();
        // One byte past the limit is enough for the parser to refuse the input as too large.
        std::io::stdin()
            .take(frontend::yaml::MAX_FILE_BYTES as u64 + 1)
            .read_to_string(&mut text)
            .map_err(|source| Error::Read {
                path: PathBuf::from("-"),
                source,
            })?;
        Some(text)
    } else {
        None
    };
    let options = ProjectOptions {
        files: cli.global.files.clone(),
        project_directory: cli.global.project_directory.clone(),
        project_name: cli.global.project_name.clone(),
        env_files: cli.global.env_files.clone(),
        profiles: cli.global.profiles.clone(),
        environment: process_environment(),
        cwd,
        stdin,
    };
    let mut sources = SourceMap::new();
    let result = frontend::load(&options, &mut sources)?;
    Ok((result, sources))
}

/// The process environment, sorted; variables that are not valid UTF-8 cannot be used in
/// interpolation and are skipped.
fn process_environment() -> BTreeMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

/// Prints diagnostics on stderr in the chosen format.
fn report(cli: &Cli, diagnostics: &Diagnostics, sources: &SourceMap) {
    Report::new(cli, sources).print(diagnostics);
}

/// The diagnostics of a command as stderr shows them, which a command may render ahead of
/// printing: rendering takes miette's layout for each full report, which can run beside the
/// command's last steps instead of after them.
pub struct Report<'a> {
    sources: &'a SourceMap,
    format: MessageFormat,
    color: bool,
    /// How many diagnostics were rendered ahead, and their text.
    ahead: OnceLock<(usize, String)>,
}

impl<'a> Report<'a> {
    fn new(cli: &Cli, sources: &'a SourceMap) -> Self {
        let color = match cli.global.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Self {
            sources,
            format: cli.global.message_format,
            color,
            ahead: OnceLock::new(),
        }
    }

    /// Renders `diagnostics`, which the command will add no more to, for [`Report::print`].
    pub(crate) fn render_ahead(&self, diagnostics: &Diagnostics) {
        let _ = self
            .ahead
            .set((diagnostics.len(), self.render(diagnostics)));
    }

    fn print(&self, diagnostics: &Diagnostics) {
        let _ = std::io::stderr().write_all(self.text(diagnostics).as_bytes());
    }

    /// The text of `diagnostics`: the one rendered ahead unless more came since.
    fn text(&self, diagnostics: &Diagnostics) -> Cow<'_, str> {
        match self.ahead.get() {
            Some((count, text)) if *count == diagnostics.len() => Cow::Borrowed(text.as_str()),
            _ => Cow::Owned(self.render(diagnostics)),
        }
    }

    fn render(&self, diagnostics: &Diagnostics) -> String {
        render::render_all(diagnostics, self.sources, self.format, self.color)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Report};
    use crate::diagnostics::{Code, Diagnostic, Diagnostics};
    use crate::source::SourceMap;

    #[test]
    fn diagnostics_added_after_rendering_ahead_are_printed_too() {
        let cli = Cli::parse_from(["stackc", "--color", "never", "build", "-o", "out"]);
        let sources = SourceMap::default();
        let report = Report::new(&cli, &sources);
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic::warning(Code::UnsetVariable, "first warning"));
        report.render_ahead(&diagnostics);
        assert!(report.text(&diagnostics).contains("first warning"));

        diagnostics.push(Diagnostic::warning(Code::UnsetVariable, "second warning"));
        let text = report.text(&diagnostics);
        assert!(text.contains("first warning") && text.contains("second warning"));
    }
}
