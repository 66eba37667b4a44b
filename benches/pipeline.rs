//! Per-stage benchmarks: `cargo bench --bench pipeline`.
//!
//! Inputs: stacks of 50, 200 and 1000 services written by `scripts/gen-stack.py`, and the three
//! largest corpus cases the reference loader accepts (by bytes of compose files), when
//! `../shared/corpus` is beside the checkout. Each stage is timed on the output of the one
//! before it: `parse` (the frontend: files to the resolved model), `lower`, `passes`, one per
//! backend (IR to files in memory), `write_k3s` (the k3s files into a new directory) beside
//! `write_floor` (the same files with plain `std::fs::write`), and `render` (the human report
//! of every diagnostic).
//!
//! Under `cargo test` divan runs each benchmark once, as a smoke test; then only the smallest
//! generated stack is used, so that the test suite stays quick in an unoptimised build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use divan::Bencher;
use indexmap::IndexMap;
use stackc::backends::{helm, k3s, podman};
use stackc::diagnostics::{Diagnostics, render};
use stackc::frontend::{self, LoadReturn, project::ProjectOptions};
use stackc::source::SourceMap;
use stackc::{extension, ir, output, passes};

fn main() {
    // Few, long samples: one sample of the 1000-service stack already takes a large fraction of
    // a second. Command-line options (`-- --sample-count 50`) override these.
    divan::Divan::default()
        .sample_count(10)
        .max_time(Duration::from_secs(3))
        .config_with_args()
        .main();
}

/// One input, loaded and taken through every stage once, so each benchmark starts from the
/// output of the stage before it.
struct Prepared {
    options: ProjectOptions,
    sources: SourceMap,
    loaded: LoadReturn,
    lowering: ir::lower::Options,
    lowered: ir::Project,
    passed: ir::Project,
    diagnostics: Diagnostics,
}

static INPUTS: LazyLock<IndexMap<String, Prepared>> = LazyLock::new(|| {
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let sizes: &[usize] = if benchmarking {
        &[50, 200, 1000]
    } else {
        &[50]
    };
    let mut inputs = IndexMap::new();
    for &services in sizes {
        let dir = generated(services);
        inputs.insert(
            format!("generated-{services}"),
            prepare(options(&dir, &["compose.yaml"], None)),
        );
    }
    if benchmarking {
        for (id, options) in largest_corpus_cases(3) {
            inputs.insert(id, prepare(options));
        }
    }
    inputs
});

fn names() -> Vec<&'static str> {
    INPUTS.keys().map(String::as_str).collect()
}

fn input(name: &str) -> &'static Prepared {
    &INPUTS[name]
}

#[divan::bench(args = names())]
fn parse(bencher: Bencher, name: &str) {
    let input = input(name);
    bencher.bench(|| {
        let mut sources = SourceMap::new();
        frontend::load(&input.options, &mut sources).expect("load")
    });
}

#[divan::bench(args = names())]
fn lower(bencher: Bencher, name: &str) {
    let input = input(name);
    let project = input.loaded.project.as_ref().expect("a valid project");
    bencher.bench(|| {
        let mut diagnostics = Diagnostics::new();
        ir::lower::lower(
            project,
            &input.lowering,
            &input.loaded.locations,
            &mut diagnostics,
        )
    });
}

#[divan::bench(args = names())]
fn passes(bencher: Bencher, name: &str) {
    let input = input(name);
    bencher
        .with_inputs(|| input.lowered.clone())
        .bench_local_values(|mut project| {
            let mut diagnostics = Diagnostics::new();
            passes::run(&mut project, &input.loaded.locations, &mut diagnostics);
            project
        });
}

#[divan::bench(args = names())]
fn backend_k3s(bencher: Bencher, name: &str) {
    let input = input(name);
    let options = k3s::Options::default();
    bencher.bench(|| k3s::files(&input.passed, &options).expect("k3s files"));
}

#[divan::bench(args = names())]
fn backend_helm(bencher: Bencher, name: &str) {
    let input = input(name);
    let options = helm::Options {
        k3s_helmchart: false,
        namespace: None,
        required: helm::required(&input.passed, &input.loaded.locations),
    };
    bencher.bench(|| helm::files(&input.passed, &options).expect("helm chart"));
}

#[divan::bench(args = names())]
fn backend_podman(bencher: Bencher, name: &str) {
    let input = input(name);
    let project = input.loaded.project.as_ref().expect("a valid project");
    bencher
        .with_inputs(|| input.passed.clone())
        .bench_local_values(|ir| {
            let mut diagnostics = Diagnostics::new();
            let stack = podman::prepare(
                ir,
                project,
                Diagnostics::new(),
                &input.loaded.locations,
                &mut diagnostics,
            );
            podman::files(&stack, podman::Options { quadlet: false }).expect("podman files")
        });
}

/// The k3s files written into a new directory by `output::write` (a staging directory, the
/// record of written files, the rename into place), beside [`write_floor`].
#[divan::bench(args = names())]
fn write_k3s(bencher: Bencher, name: &str) {
    bench_writing(bencher, name, |dir, files| {
        output::write(dir, files, output::Mode::Write).expect("write");
    });
}

/// The same files created one after another with `std::fs::write`, into a new directory: what
/// any writer of one file per object pays on this file system, whatever it does besides. Put
/// `TMPDIR` on tmpfs (as `scripts/time-cli.sh` writes to `/dev/shm`) to measure the kernel's
/// cost of creating files rather than the disk's.
#[divan::bench(args = names())]
fn write_floor(bencher: Bencher, name: &str) {
    bench_writing(bencher, name, |dir, files| {
        std::fs::create_dir(dir).expect("create the directory");
        for (path, text) in &files.files {
            std::fs::write(dir.join(path), text).expect("write a file");
        }
    });
}

/// Times `write` putting input `name`'s k3s files into a directory not yet made, one per run.
fn bench_writing(bencher: Bencher, name: &str, write: impl Fn(&Path, &output::OutputFiles)) {
    let input = input(name);
    let files = k3s::files(&input.passed, &k3s::Options::default()).expect("k3s files");
    let files = output::OutputFiles::from(files);
    bencher
        .with_inputs(Scratch::new)
        .bench_local_values(|scratch| {
            write(&scratch.0, &files);
            scratch
        });
}

/// A directory name not yet used, removed with what was written into it once the sample is
/// timed (divan drops a benchmark's outputs outside the timing).
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("stackc-bench-{}-{n}", std::process::id()));
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[divan::bench(args = names())]
fn render(bencher: Bencher, name: &str) {
    let input = input(name);
    bencher.bench(|| {
        render::render_all(
            &input.diagnostics,
            &input.sources,
            render::MessageFormat::Human,
            false,
        )
    });
}

fn prepare(options: ProjectOptions) -> Prepared {
    let mut sources = SourceMap::new();
    let loaded = frontend::load(&options, &mut sources).expect("load");
    let project = loaded
        .project
        .as_ref()
        .unwrap_or_else(|| panic!("{:?} does not load", options.files));
    let settings = extension::read(project, &|path| ir::Locate::span(&loaded.locations, path))
        .expect("valid x-stackc settings");
    let lowering = ir::lower::Options {
        settings,
        ..ir::lower::Options::default()
    };
    let mut diagnostics = loaded.diagnostics.clone();
    let lowered = ir::lower::lower(project, &lowering, &loaded.locations, &mut diagnostics);
    let mut passed = lowered.clone();
    passes::run(&mut passed, &loaded.locations, &mut diagnostics);
    Prepared {
        options,
        sources,
        loaded,
        lowering,
        lowered,
        passed,
        diagnostics,
    }
}

fn options(dir: &Path, files: &[&str], env_file: Option<&str>) -> ProjectOptions {
    ProjectOptions {
        files: files.iter().map(|f| (*f).to_owned()).collect(),
        env_files: env_file.map(PathBuf::from).into_iter().collect(),
        environment: BTreeMap::new(),
        cwd: dir.to_path_buf(),
        ..ProjectOptions::default()
    }
}

/// A stack of `services` services from the generator, kept in Cargo's scratch directory for
/// benchmarks. The generator is deterministic: a stack another run of the same generator left
/// there is the same (its name holds a digest of the script), and a fresh one is written beside
/// it and renamed into place, so no run reads one half written.
fn generated(services: usize) -> PathBuf {
    use sha2::{Digest, Sha256};
    let generator = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gen-stack.py");
    let script = std::fs::read(&generator).expect("read scripts/gen-stack.py");
    let hash = Sha256::digest(&script);
    let digest = format!(
        "{:08x}",
        u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]])
    );
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = scratch.join(format!("stack-{services}-{digest}"));
    if dir.is_dir() {
        return dir;
    }
    let fresh = scratch.join(format!("stack-{services}-{digest}.{}", std::process::id()));
    let status = Command::new("python3")
        .arg(&generator)
        .arg(services.to_string())
        .arg(&fresh)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run scripts/gen-stack.py (needs python3)");
    assert!(status.success(), "scripts/gen-stack.py failed");
    if std::fs::rename(&fresh, &dir).is_err() {
        // Another run renamed its own copy into place first.
        let _ = std::fs::remove_dir_all(&fresh);
    }
    dir
}

/// The `count` largest corpus cases the reference loader accepts and that need no profile.
fn largest_corpus_cases(count: usize) -> Vec<(String, ProjectOptions)> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(table) = std::fs::read_to_string(corpus.join("cases.tsv")) else {
        return Vec::new();
    };
    let mut cases: Vec<(u64, String, ProjectOptions)> = table
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let [id, folder, files, env_file, profiles, verdict] =
                line.split('\t').collect::<Vec<_>>()[..]
            else {
                return None;
            };
            if verdict != "ok" || profiles != "-" {
                return None;
            }
            let dir = corpus.join(folder);
            let files: Vec<&str> = files.split(' ').collect();
            let bytes = files
                .iter()
                .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
                .map(|m| m.len())
                .sum();
            let env_file = (env_file != "-").then_some(env_file);
            Some((bytes, id.to_owned(), options(&dir, &files, env_file)))
        })
        .collect();
    cases.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    cases
        .into_iter()
        .take(count)
        .map(|(_, id, options)| (id, options))
        .collect()
}
