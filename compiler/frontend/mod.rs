//! parse: compose files on disk → the resolved compose [`crate::model`].
//!
//! The stages mirror compose-go, the loader inside Docker Compose, so that stackc reads every
//! project exactly as `docker compose config` does:
//!
//! 1. [`project`] finds the files, the working directory, the environment (`.env`), the profiles
//!    and the project name.
//! 2. [`yaml`] parses each file into a [`node::Node`] tree that keeps spans; [`load`] then runs,
//!    per file, [`substitute`] (interpolation), `!reset`/`!override`, `extends`, `include`,
//!    [`merge`], the schema check ([`schema`]) and [`canonical`] (short syntax → long syntax).
//! 3. For the whole model: defaults, [`validate`], [`paths`] and [`normalize`].
//! 4. [`bind`] converts the tree to the typed [`crate::model::Project`], applies profiles and
//!    checks references; [`locations::Locations`] keeps the span of every key for later stages.

pub mod bind;
pub mod canonical;
pub mod dotenv;
pub mod interpolate;
mod load;
pub mod locations;
pub mod merge;
pub mod node;
pub mod normalize;
pub mod paths;
pub mod project;
pub mod schema;
pub mod substitute;
pub mod tree;
pub mod units;
pub mod validate;
pub mod yaml;

use std::path::PathBuf;

use self::load::{Loader, Stages};
use self::locations::Locations;
use self::node::{Entry, Node, Value};
use self::project::{ProjectOptions, SetupError};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::error::Error;
use crate::model::Project;
use crate::source::{SourceMap, Span};

/// The result of loading a project: the model when there were no errors, the span of every
/// key, and every diagnostic found on the way.
#[derive(Debug, Default)]
pub struct LoadReturn {
    pub project: Option<Project>,
    pub locations: Locations,
    pub diagnostics: Diagnostics,
}

/// Loads the compose project described by `options`. Problems in the input are diagnostics in
/// the result; an [`Error`] means stackc could not even find or read the project.
pub fn load(options: &ProjectOptions, sources: &mut SourceMap) -> Result<LoadReturn, Error> {
    let mut result = LoadReturn::default();
    let setup = match project::setup(options) {
        Ok(setup) => setup,
        Err(SetupError::Io(error)) => return Err(error),
        Err(SetupError::EnvFile { path, text, error }) => {
            let display = path
                .strip_prefix(&options.cwd)
                .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
            let id = sources.add(path, display.clone(), text);
            result.diagnostics.push(
                Diagnostic::error(
                    Code::InvalidEnvFile,
                    format!("cannot parse env file `{display}`: {}", error.message),
                )
                .with_label(
                    Some(Span::new(id, error.range.start, error.range.end)),
                    "here",
                )
                .with_help("env files hold `KEY=VALUE` lines; quote values with spaces or `#`"),
            );
            return Ok(result);
        }
    };

    let mut loader = Loader {
        sources,
        diagnostics: &mut result.diagnostics,
        cwd: options.cwd.clone(),
        stdin: options.stdin.clone(),
        parsed: std::collections::HashMap::new(),
        linted: std::collections::HashSet::new(),
        env_templates: setup.env_templates.clone(),
        unset_warned: Vec::new(),
    };
    match load_tree(&mut loader, &setup) {
        Ok(tree) => {
            let locations = Locations::new(tree);
            if let Some(tree) = locations.tree() {
                match bind::bind(tree, &setup, &locations) {
                    Ok((project, warnings)) => {
                        result.diagnostics.extend(warnings);
                        result.project = Some(project);
                    }
                    Err(diagnostic) => result.diagnostics.push(diagnostic),
                }
            }
            result.locations = locations;
        }
        Err(diagnostic) => result.diagnostics.push(diagnostic),
    }
    Ok(result)
}

fn load_tree(loader: &mut Loader<'_>, setup: &project::ProjectSetup) -> Result<Node, Diagnostic> {
    let mut environment = setup.environment.clone();
    let files: Vec<(PathBuf, bool)> = setup
        .files
        .iter()
        .map(|f| (f.path.clone(), f.is_stdin))
        .collect();
    let name = project_name(loader, setup, &files)?;
    environment.insert("COMPOSE_PROJECT_NAME".to_owned(), name.clone());

    let stages = Stages {
        resolve_paths: true,
        extends: true,
        include: true,
        validation: true,
        default_values: true,
        resource_dir: setup.working_dir.clone(),
    };
    let mut tree = loader.load_model(&files, &setup.working_dir, &environment, &stages, &[])?;
    load::check_service_count(&tree)?;
    let span = tree.span;
    let Some(map) = tree.as_map_mut() else {
        unreachable!("the loader always returns a mapping");
    };
    if map.is_empty() {
        let first = files
            .first()
            .map(|(p, _)| loader.display(p))
            .unwrap_or_default();
        return Err(Diagnostic::error(
            Code::EmptyProject,
            format!("the compose project in `{first}` is empty"),
        )
        .with_help("define at least one service under `services:`"));
    }
    map.insert(
        "name".to_owned(),
        Entry {
            key_span: span,
            node: Node::new(Value::Str(name), span),
        },
    );
    normalize::normalize(&mut tree, &|k| environment.get(k).cloned())?;
    Ok(tree)
}

/// `-p` or `COMPOSE_PROJECT_NAME` (which must already be valid), else the last `name:` in the
/// files (interpolated, then normalised), else the working directory's name (normalised).
fn project_name(
    loader: &mut Loader<'_>,
    setup: &project::ProjectSetup,
    files: &[(PathBuf, bool)],
) -> Result<String, Diagnostic> {
    if let Some(name) = &setup.imperative_name {
        if project::normalize_project_name(name) != *name {
            return Err(Diagnostic::error(
                Code::InvalidProjectName,
                format!("invalid project name `{name}`: use only lowercase letters, digits, dashes and underscores, starting with a letter or digit"),
            )
            .with_help(format!("try `-p {}`", project::normalize_project_name(name))));
        }
        return Ok(name.clone());
    }
    let mut from_files: Option<(String, Span)> = None;
    for (path, is_stdin) in files {
        let (_, documents) = loader.peek(path, *is_stdin)?;
        for document in documents {
            if let Some(node) = document.get("name") {
                if let Some(s) = node.as_str().filter(|s| !s.is_empty()) {
                    from_files = Some((s.to_owned(), node.span));
                }
            }
        }
    }
    if let Some((raw, span)) = from_files {
        let lookup = |k: &str| setup.environment.get(k).cloned();
        let value = interpolate::interpolate(&raw, &lookup)
            .map(|i| i.value)
            .map_err(|_| {
                Diagnostic::error(
                    Code::InvalidInterpolation,
                    format!("invalid interpolation in the project name `{raw}`"),
                )
                .with_label(Some(span), "here")
            })?;
        let name = project::normalize_project_name(&value);
        if name.is_empty() {
            return Err(Diagnostic::error(
                Code::InvalidProjectName,
                format!("the project name `{value}` has no valid characters"),
            )
            .with_label(Some(span), "here")
            .with_help("use lowercase letters, digits, dashes and underscores"));
        }
        return Ok(name);
    }
    let dir = setup
        .working_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = project::normalize_project_name(&dir);
    if name.is_empty() {
        return Err(
            Diagnostic::error(Code::InvalidProjectName, "project name must not be empty")
                .with_help("name the project with `-p NAME` or a top-level `name:`"),
        );
    }
    Ok(name)
}

/// The candidate closest to `word` by edit distance, when it is close enough to be a typo.
#[must_use]
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= (word.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}
