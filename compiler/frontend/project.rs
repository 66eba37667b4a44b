//! Finding the project the way `docker compose` does: which files, which working directory,
//! which environment, which profiles and which name.
//!
//! Precedence follows Docker Compose v2: `-f` over `COMPOSE_FILE` over the default file names
//! (searched upwards from the working directory); the process environment over the project's
//! `.env` (or `--env-file`); `-p` over `COMPOSE_PROJECT_NAME` over the top-level `name:` over the
//! working directory's name.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::dotenv;
use super::paths::clean_path as clean;
use crate::error::Error;

/// The default compose file names, in the order Docker Compose tries them.
pub const DEFAULT_FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// The override files Docker Compose adds after a default file.
pub const DEFAULT_OVERRIDE_FILE_NAMES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// What the user asked for on the command line and in the process environment.
#[derive(Debug, Clone, Default)]
pub struct ProjectOptions {
    /// `-f` values in order; `-` is standard input.
    pub files: Vec<String>,
    pub project_directory: Option<PathBuf>,
    pub project_name: Option<String>,
    pub env_files: Vec<PathBuf>,
    pub profiles: Vec<String>,
    /// The process environment. Sorted, so nothing depends on the order the OS lists it in.
    pub environment: BTreeMap<String, String>,
    /// The directory stackc runs in; relative `-f`, `--env-file` and `--project-directory`
    /// values are resolved against it.
    pub cwd: PathBuf,
    /// Standard input, read by the CLI when a file is `-`.
    pub stdin: Option<String>,
}

/// One compose file to load: its absolute path, or `-` for standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub is_stdin: bool,
}

/// The project as found, before any compose file is parsed.
#[derive(Debug, Clone)]
pub struct ProjectSetup {
    pub files: Vec<ConfigFile>,
    pub working_dir: PathBuf,
    pub environment: BTreeMap<String, String>,
    pub profiles: Vec<String>,
    /// A name given with `-p` or `COMPOSE_PROJECT_NAME`, which wins over `name:` in the files.
    pub imperative_name: Option<String>,
    /// The env files that were read, for diagnostics.
    pub env_files: Vec<PathBuf>,
    /// How the env files wrote the values of `environment` they set by interpolating others.
    pub env_templates: BTreeMap<String, String>,
}

/// A failure while finding the project, before any compose file could be read.
#[derive(Debug)]
pub enum SetupError {
    Io(Error),
    /// An env file exists but cannot be parsed.
    EnvFile {
        path: PathBuf,
        text: String,
        error: dotenv::DotenvError,
    },
}

impl From<Error> for SetupError {
    fn from(e: Error) -> Self {
        Self::Io(e)
    }
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    clean(&cwd.join(p))
}

/// Resolves files, working directory, environment and profiles.
pub fn setup(options: &ProjectOptions) -> Result<ProjectSetup, SetupError> {
    let mut environment = options.environment.clone();
    let project_directory = options
        .project_directory
        .as_ref()
        .map(|d| absolute(&options.cwd, d));

    let mut files: Vec<ConfigFile> = options
        .files
        .iter()
        .map(|f| config_file(&options.cwd, f))
        .collect();
    // With no `-f`, Docker Compose reads the env files of the project directory (or the current
    // one) before it looks at `COMPOSE_FILE`, so that `.env` can choose the compose files. Once
    // the files are known, it reads those of the working directory they give, without
    // overriding what it read first.
    let mut env_files: Vec<PathBuf> = Vec::new();
    let mut env_templates = BTreeMap::new();
    if files.is_empty() {
        let dir = project_directory.as_deref().unwrap_or(&options.cwd);
        env_files = env_files_for(options, &environment, dir);
        read_env_files(&environment, &env_files)?.add_to(&mut environment, &mut env_templates);
        if let Some(list) = environment.get("COMPOSE_FILE").filter(|v| !v.is_empty()) {
            let separator = environment
                .get("COMPOSE_PATH_SEPARATOR")
                .filter(|s| !s.is_empty())
                .map_or(":", String::as_str);
            files = list
                .split(separator)
                .map(|f| config_file(&options.cwd, f))
                .collect();
        }
    }
    if files.is_empty() {
        let start = project_directory.clone().unwrap_or(options.cwd.clone());
        files = default_files(&start)?;
    }
    for file in &files {
        if !file.is_stdin && !file.path.is_file() {
            return Err(Error::Read {
                path: file.path.clone(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            }
            .into());
        }
    }

    let working_dir = project_directory.unwrap_or_else(|| {
        files
            .iter()
            .find(|f| !f.is_stdin)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| options.cwd.clone())
    });

    let more: Vec<PathBuf> = env_files_for(options, &environment, &working_dir)
        .into_iter()
        .filter(|f| !env_files.contains(f))
        .collect();
    read_env_files(&environment, &more)?.add_to(&mut environment, &mut env_templates);
    env_files.extend(more);

    // Like Docker Compose, an unset `COMPOSE_PROFILES` still yields one empty profile name, which
    // enables services that list `''` among their profiles.
    let profiles = if options.profiles.is_empty() {
        environment
            .get("COMPOSE_PROFILES")
            .map_or("", String::as_str)
            .split(',')
            .map(|s| s.trim().to_owned())
            .collect()
    } else {
        options.profiles.clone()
    };

    let imperative_name = options.project_name.clone().or_else(|| {
        environment
            .get("COMPOSE_PROJECT_NAME")
            .filter(|n| !n.is_empty())
            .cloned()
    });

    Ok(ProjectSetup {
        files,
        working_dir,
        environment,
        profiles,
        imperative_name,
        env_files,
        env_templates,
    })
}

/// The env files Docker Compose reads for the working directory `dir`: the `--env-file`s, else
/// `dir/.env` when it exists and `COMPOSE_DISABLE_ENV_FILE` is not set.
fn env_files_for(
    options: &ProjectOptions,
    environment: &BTreeMap<String, String>,
    dir: &Path,
) -> Vec<PathBuf> {
    if !options.env_files.is_empty() {
        return options
            .env_files
            .iter()
            .map(|f| absolute(&options.cwd, f))
            .collect();
    }
    let disabled = environment
        .get("COMPOSE_DISABLE_ENV_FILE")
        .is_some_and(|v| parse_go_bool(v) == Some(true));
    let default = dir.join(".env");
    if !disabled && default.is_file() {
        vec![default]
    } else {
        Vec::new()
    }
}

fn config_file(cwd: &Path, f: &str) -> ConfigFile {
    if f == "-" {
        ConfigFile {
            path: PathBuf::from("-"),
            is_stdin: true,
        }
    } else {
        ConfigFile {
            path: absolute(cwd, Path::new(f)),
            is_stdin: false,
        }
    }
}

/// The first default compose file in `start` or the nearest parent that has one, plus its
/// override file.
fn default_files(start: &Path) -> Result<Vec<ConfigFile>, Error> {
    let mut dir = start.to_path_buf();
    loop {
        if let Some(found) = DEFAULT_FILE_NAMES
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
        {
            let mut files = vec![ConfigFile {
                path: found,
                is_stdin: false,
            }];
            if let Some(over) = DEFAULT_OVERRIDE_FILE_NAMES
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file())
            {
                files.push(ConfigFile {
                    path: over,
                    is_stdin: false,
                });
            }
            return Ok(files);
        }
        if !dir.pop() {
            return Err(Error::NoComposeFile {
                dir: start.to_path_buf(),
            });
        }
    }
}

/// The variables env files set.
#[derive(Debug, Clone, Default)]
pub struct EnvFileValues {
    pub values: BTreeMap<String, String>,
    /// How the values that interpolated others were written (`MODELS=${PWD}/models`).
    pub templates: BTreeMap<String, String>,
}

impl EnvFileValues {
    /// Adds the variables `environment` does not set already, which wins over env files, and
    /// their templates to `templates`.
    pub fn add_to(
        self,
        environment: &mut BTreeMap<String, String>,
        templates: &mut BTreeMap<String, String>,
    ) {
        for (k, v) in self.values {
            if let std::collections::btree_map::Entry::Vacant(entry) = environment.entry(k) {
                if let Some(template) = self.templates.get(entry.key()) {
                    templates.insert(entry.key().clone(), template.clone());
                }
                entry.insert(v);
            }
        }
    }
}

/// Reads env files in order; a later file overrides an earlier one, and `${VAR}` inside them
/// sees the process environment first.
pub fn read_env_files(
    environment: &BTreeMap<String, String>,
    files: &[PathBuf],
) -> Result<EnvFileValues, SetupError> {
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    let mut templates: BTreeMap<String, String> = BTreeMap::new();
    for path in files {
        if path.is_dir() {
            return Err(Error::Usage(format!(
                "env file `{}` is a directory: pass a file",
                path.display()
            ))
            .into());
        }
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let lookup = |k: &str| environment.get(k).or_else(|| values.get(k)).cloned();
        // The environment's values were written by no env file.
        let outer_template = |k: &str| {
            if environment.contains_key(k) {
                None
            } else if let Some(template) = templates.get(k) {
                Some(Cow::Borrowed(template.as_str()))
            } else {
                values.get(k).map(|v| dotenv::as_written(v))
            }
        };
        let parsed =
            dotenv::parse_with_templates(&text, &lookup, &outer_template).map_err(|error| {
                SetupError::EnvFile {
                    path: path.clone(),
                    text: text.clone(),
                    error,
                }
            })?;
        for key in parsed.vars.keys() {
            templates.remove(key);
        }
        templates.extend(parsed.templates);
        values.extend(parsed.vars);
    }
    Ok(EnvFileValues { values, templates })
}

/// Go's `strconv.ParseBool`.
#[must_use]
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// compose-go's `NormalizeProjectName`: lowercase, keep `[a-z0-9_-]`, trim leading `_` and `-`.
#[must_use]
pub fn normalize_project_name(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::read_env_files;

    #[test]
    fn a_later_env_file_writes_out_the_templates_of_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.env");
        let second = dir.path().join("second.env");
        std::fs::write(&first, "A=${PWD}/x\nH=/file\n").unwrap();
        std::fs::write(&second, "B=$A/y\nA=plain\nC=$H/z\n").unwrap();
        let environment = BTreeMap::from([
            ("PWD".to_owned(), "/p".to_owned()),
            ("H".to_owned(), "/shell".to_owned()),
        ]);
        let read = read_env_files(&environment, &[first, second]).unwrap();
        let template = |name: &str| read.templates.get(name).map(String::as_str);
        assert_eq!(template("B"), Some("${PWD}/x/y"));
        assert_eq!(template("A"), None);
        // The process environment's `H` wins over the file's, and is the shell's.
        assert_eq!(read.values["C"], "/shell/z");
        assert_eq!(template("C"), Some("$H/z"));
    }
}
