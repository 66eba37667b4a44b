//! Robustness: no input makes stackc panic, hang or exhaust memory. Every hostile input must end
//! with exit 1 (a problem in the input) or 2 (usage or I/O), a message on stderr that names the
//! problem, no Rust panic text, and a peak resident memory under [`MAX_MEMORY_KB`]; inputs that
//! may happen to be valid may also exit 0.
//!
//! Time: each run must end within [`TIMEOUT`] on the unoptimised test build. With `STACKC_BIN`
//! naming a release binary (`scripts/hostile-limits.sh` does this), the bound is [`RELEASE_TIME`],
//! the inputs run one at a time, and each measurement is printed for docs/security.md.
//!
//! Peak memory comes from GNU time (`/usr/bin/time -f %M`, Debian package `time`): it reports the
//! child's `ru_maxrss` from `wait4`, which is exact and needs no polling, and the standard library
//! has no `getrusage`.

mod support;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tempfile::TempDir;

/// "Within a few seconds", with headroom for unoptimised test builds on a busy 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The acceptance bound for a release binary.
const RELEASE_TIME: Duration = Duration::from_secs(1);

/// 200 MB, the acceptance bound, in the kilobytes GNU time reports.
const MAX_MEMORY_KB: u64 = 200 * 1000;

const GNU_TIME: &str = "/usr/bin/time";

/// A realistic compose file: every prefix of it is a plausible half-written or truncated file.
const REALISTIC: &str = include_str!("../examples/webapp/compose.yaml");

/// Each hostile input goes through both entry points, because they share the frontend but not
/// the code after it.
const COMMANDS: [&[&str]; 2] = [
    &["config", "--format", "json"],
    &["build", "--target", "k3s", "--stdout"],
];

/// The binary under test: `STACKC_BIN` when set (a release build, for the time bound), else the
/// test build.
fn binary() -> (PathBuf, bool) {
    match std::env::var_os("STACKC_BIN") {
        Some(path) => (PathBuf::from(path), true),
        None => (support::stackc(), false),
    }
}

/// One run of the binary under GNU time.
struct Measured {
    out: support::Outcome,
    peak_kb: Option<u64>,
}

/// Runs `stackc ARGS` in `dir` under GNU time, with the time bound for the binary under test.
fn measure(dir: &Path, args: &[&str]) -> Measured {
    assert!(
        Path::new(GNU_TIME).exists(),
        "{GNU_TIME} is needed to measure peak memory: apt-get install time"
    );
    let (bin, release) = binary();
    let report = dir.join(".peak-kb");
    let mut cmd = support::clean_command(GNU_TIME, dir);
    cmd.args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(bin)
        .args(args);
    let out = support::run(
        &mut cmd,
        b"",
        if release { RELEASE_TIME * 5 } else { TIMEOUT },
    );
    let peak_kb = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| t.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&report);
    Measured { out, peak_kb }
}

/// The failures of one measured run against the time and memory bounds.
fn bounds(what: &str, m: &Measured) -> Vec<String> {
    let (_, release) = binary();
    let mut failures = Vec::new();
    if m.out.timed_out {
        failures.push(format!("{what}: {}", m.out.describe()));
    } else if release && m.out.elapsed > RELEASE_TIME {
        failures.push(format!(
            "{what}: took {} ms, more than {} ms",
            m.out.elapsed.as_millis(),
            RELEASE_TIME.as_millis()
        ));
    }
    match m.peak_kb {
        Some(kb) if kb > MAX_MEMORY_KB => failures.push(format!(
            "{what}: peak memory {} MB, more than {} MB",
            kb / 1000,
            MAX_MEMORY_KB / 1000
        )),
        Some(_) => {}
        None if m.out.timed_out => {}
        None => failures.push(format!("{what}: GNU time reported no peak memory")),
    }
    if release {
        println!(
            "| {what} | {} | {} |",
            m.out.elapsed.as_millis(),
            m.peak_kb.map_or_else(
                || "?".to_owned(),
                |kb| format!("{}.{}", kb / 1000, kb % 1000 / 100)
            )
        );
    }
    failures
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The input is certainly invalid: exit 1 or 2.
    Reject,
    /// The input may be valid (a prefix ending at a line break, random YAML-like text): any of
    /// 0, 1 or 2, but still no panic or hang.
    NoCrash,
}

/// A scratch folder per input, so that parallel runs never share a file; removed when dropped.
fn scratch(name: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("stackc-hostile-{name}-"))
        .tempdir()
        .expect("create scratch folder")
}

/// A hostile project: its files (the first is `-f`), what it must do, and words its report must
/// contain (any one of each group, case-insensitive), so that the message names the problem.
struct Hostile {
    name: String,
    files: Vec<(&'static str, Vec<u8>)>,
    expect: Expect,
    words: &'static [&'static [&'static str]],
}

impl Hostile {
    fn new(name: impl Into<String>, input: impl Into<Vec<u8>>, expect: Expect) -> Self {
        Hostile {
            name: name.into(),
            files: vec![("compose.yaml", input.into())],
            expect,
            words: &[],
        }
    }

    fn naming(mut self, words: &'static [&'static [&'static str]]) -> Self {
        self.words = words;
        self
    }

    fn with_file(mut self, path: &'static str, text: &str) -> Self {
        self.files.push((path, text.as_bytes().to_vec()));
        self
    }
}

/// Runs every command on the input and returns what went wrong, if anything.
fn check(input: &Hostile) -> Vec<String> {
    let workspace = scratch(&input.name);
    let dir = workspace.path();
    for (path, bytes) in &input.files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).expect("create input folder");
        std::fs::write(path, bytes).expect("write hostile input");
    }
    let mut failures = Vec::new();
    for command in COMMANDS {
        let mut args = vec!["-f", input.files[0].0];
        args.extend_from_slice(command);
        let m = measure(dir, &args);
        let out = &m.out;
        let what = format!(
            "{} ({} bytes), `{}`",
            input.name,
            input.files[0].1.len(),
            command.join(" ")
        );
        failures.extend(bounds(&what, &m));
        if out.timed_out {
            continue;
        }
        let allowed = match input.expect {
            Expect::Reject => matches!(out.code, Some(1 | 2)),
            Expect::NoCrash => matches!(out.code, Some(0..=2)),
        };
        if !allowed {
            failures.push(format!("{what}: {}", out.describe()));
        } else if out.code != Some(0) && out.stderr.trim().is_empty() {
            failures.push(format!(
                "{what}: exit {:?} with nothing on stderr",
                out.code
            ));
        }
        if out.stderr.contains("panicked") {
            failures.push(format!("{what}: panicked: {}", out.describe()));
        }
        let stderr = out.stderr.to_lowercase();
        for group in input.words {
            if !group.iter().any(|w| stderr.contains(&w.to_lowercase())) {
                failures.push(format!(
                    "{what}: the report names none of {group:?}: {}",
                    out.describe()
                ));
            }
        }
    }
    failures
}

/// Runs many inputs (in parallel, unless measuring a release binary) and fails once, listing
/// every failure.
fn check_all(inputs: &[Hostile]) {
    let failures: Vec<String> = if binary().1 {
        inputs.iter().flat_map(check).collect()
    } else {
        support::parallel_map(inputs, check)
            .into_iter()
            .flatten()
            .collect()
    };
    assert!(
        failures.is_empty(),
        "{} of {} hostile inputs misbehaved:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}

/// xorshift64: a fixed-seed generator, so that a failing input can be reproduced exactly.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Without this, a command line that stackc rejects (exit 2) would make every test below pass.
#[test]
fn the_commands_accept_the_whole_file() {
    let workspace = scratch("whole-file");
    let dir = workspace.path();
    std::fs::write(dir.join("compose.yaml"), REALISTIC).expect("write compose.yaml");
    for command in COMMANDS {
        let mut args = vec!["-f", "compose.yaml"];
        args.extend_from_slice(command);
        let m = measure(dir, &args);
        assert_eq!(
            m.out.code,
            Some(0),
            "`{}`: {}",
            command.join(" "),
            m.out.describe()
        );
        assert!(
            m.peak_kb.is_some_and(|kb| kb > 0),
            "GNU time measured no memory"
        );
    }
}

#[test]
fn truncated_files() {
    let bytes = REALISTIC.as_bytes();
    let step = (bytes.len() / 120).max(1);
    let inputs: Vec<_> = (0..bytes.len())
        .step_by(step)
        .map(|len| {
            let expect = if len == 0 {
                Expect::Reject
            } else {
                Expect::NoCrash
            };
            Hostile::new(format!("prefix-{len}"), &bytes[..len], expect)
        })
        .collect();
    check_all(&inputs);
}

#[test]
fn random_bytes() {
    let mut rng = XorShift(0x5eed_cafe_f00d_d00d);
    let inputs: Vec<_> = (0..48)
        .map(|i| {
            let len = 1 + rng.below(4096);
            // Keep one byte above 0x7f so that the input is never valid UTF-8 and must be rejected.
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            bytes[rng.below(len)] = 0xff;
            Hostile::new(format!("random-{i}"), bytes, Expect::Reject)
        })
        .collect();
    check_all(&inputs);
}

#[test]
fn random_yaml_punctuation() {
    const ALPHABET: &[u8] = b"services:image- []{}&*!|>'\"#%@,?\n\n  \t$${}0123456789.~";
    let mut rng = XorShift(0x0123_4567_89ab_cdef);
    let inputs: Vec<_> = (0..48)
        .map(|i| {
            let len = 1 + rng.below(2048);
            let bytes: Vec<u8> = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect();
            Hostile::new(format!("yamlish-{i}"), bytes, Expect::NoCrash)
        })
        .collect();
    check_all(&inputs);
}

#[test]
fn malformed_text() {
    let mut cut_utf8 = "services:\n  café:\n    image: nginx\n".as_bytes().to_vec();
    cut_utf8.truncate(cut_utf8.iter().position(|&b| b == 0xc3).unwrap() + 1);
    check_all(&[
        Hostile::new("empty", Vec::new(), Expect::Reject).naming(&[&["empty"]]),
        Hostile::new(
            "invalid-utf8",
            b"services:\n  web:\n    image: \"\xff\xfe\"\n".to_vec(),
            Expect::Reject,
        )
        .naming(&[&["utf-8"], &["compose.yaml"]]),
        Hostile::new("utf8-cut-mid-character", cut_utf8, Expect::Reject).naming(&[&["utf-8"]]),
        Hostile::new(
            "nul-byte",
            b"services:\n  web:\n    image: ngi\0nx\n".to_vec(),
            Expect::Reject,
        )
        .naming(&[&["\\u{0}"], &["compose.yaml:3:15"]]),
        Hostile::new(
            "utf16-bom",
            b"\xff\xfes\0e\0r\0v\0i\0c\0e\0s\0:\0\n\0".to_vec(),
            Expect::Reject,
        )
        .naming(&[&["utf-8"]]),
    ]);
}

#[test]
fn deep_nesting() {
    const DEPTH: usize = 10_000;
    const DEPTH_WORDS: &[&[&str]] = &[&["nests deeper than 255"]];
    let list = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let map = format!(
        "a: {}1{}\n",
        "{a: ".repeat(DEPTH - 1),
        "}".repeat(DEPTH - 1)
    );
    let in_service = format!(
        "services:\n  web:\n    image: nginx\n    command: {}{}\n",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    // Block style: one `- ` per level on a single line, so that the file stays small; nesting
    // by indentation needs a quadratic number of spaces, which the size limit stops first.
    let block_list = format!("x-deep:\n  {}x\nservices: {{}}\n", "- ".repeat(DEPTH));
    let mut block_map = String::from("x-deep:\n");
    for level in 0..DEPTH {
        writeln!(block_map, "{}k:", " ".repeat(level + 1)).unwrap();
    }
    check_all(&[
        Hostile::new("deep-flow-list", list, Expect::Reject).naming(DEPTH_WORDS),
        Hostile::new("deep-flow-map", map, Expect::Reject).naming(DEPTH_WORDS),
        Hostile::new("deep-command", in_service, Expect::Reject).naming(DEPTH_WORDS),
        Hostile::new("deep-block-list", block_list, Expect::Reject).naming(DEPTH_WORDS),
        Hostile::new("deep-block-map", block_map, Expect::Reject)
            .naming(&[&["nests deeper than 255", "more than the 32 mib"]]),
    ]);
}

#[test]
fn alias_bomb() {
    // Nine levels of nine aliases: a billion "lol"s if expanded.
    let mut text = String::from(
        "x-l0: &l0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in 1..9 {
        let refs = vec![format!("*l{}", level - 1); 9].join(",");
        writeln!(text, "x-l{level}: &l{level} [{refs}]").unwrap();
    }
    text.push_str("services:\n  web:\n    image: nginx\n    command: *l8\n");
    // The same bomb through `<<` merge keys, which copy mappings.
    let mut merges = String::from("x-m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}\n");
    for level in 1..9 {
        let mut keys = String::new();
        for k in 0..9 {
            write!(keys, "k{k}: *m{}, ", level - 1).unwrap();
        }
        writeln!(
            merges,
            "x-m{level}: &m{level} {{{keys}<<: *m{}}}",
            level - 1
        )
        .unwrap();
    }
    merges.push_str("services:\n  web:\n    image: nginx\n");
    // Few copies, each of a long string: counting nodes alone would miss it.
    let mut long = format!("x-s: &s \"{}\"\n", "A".repeat(100_000));
    let mut previous = "s".to_owned();
    for level in 1..4 {
        writeln!(
            long,
            "x-{level}: &x{level} [{}]",
            vec![format!("*{previous}"); 10].join(",")
        )
        .unwrap();
        previous = format!("x{level}");
    }
    long.push_str("services:\n  web:\n    image: nginx\n");
    check_all(&[
        Hostile::new("long-string-bomb", long, Expect::Reject).naming(&[&["aliases expand"]]),
        Hostile::new("billion-laughs", text, Expect::Reject).naming(&[&["aliases expand"]]),
        Hostile::new("merge-key-bomb", merges, Expect::Reject).naming(&[&["aliases expand"]]),
    ]);
}

#[test]
fn huge_numbers() {
    let service =
        |field: &str| format!("services:\n  web:\n    image: nginx\n    {field}\n").into_bytes();
    let huge = |name: &str, field: &str, words: &'static [&'static [&'static str]]| {
        Hostile::new(name, service(field), Expect::Reject).naming(words)
    };
    check_all(&[
        huge(
            "huge-scale",
            "scale: 123456789012345678901234567890",
            &[&["scale"]],
        ),
        huge(
            "huge-scale-float",
            "scale: 1e400",
            &[&["scale"], &["1e400"]],
        ),
        huge("huge-cpus", "cpus: 1e400", &[&["cpus"], &["1e400"]]),
        huge(
            "huge-port",
            "ports:\n      - 99999999999999999999999999",
            &[&["ports"], &["float"]],
        ),
        huge(
            "huge-host-port",
            "ports:\n      - \"99999999999999999999:80\"",
            &[&["99999999999999999999"]],
        ),
        huge(
            "huge-mem-limit",
            "mem_limit: 99999999999999999999g",
            &[&["mem_limit"], &["too large"]],
        ),
        huge(
            "huge-replicas",
            "deploy:\n      replicas: 99999999999999999999",
            &[&["replicas"], &["out of range"]],
        ),
    ]);
}

/// Port ranges expand to one port each, so a single line can ask for 65 535 ports; the fuzzer
/// found that the Service and container port lists used to be built in quadratic time (9 s for
/// 60 000 ports). Valid input: it must build, in linear time.
#[test]
fn huge_port_ranges() {
    let service =
        |field: &str| format!("services:\n  web:\n    image: nginx\n    {field}\n").into_bytes();
    check_all(&[
        Hostile::new(
            "expose-every-port",
            service("expose: [\"1-65535\"]"),
            Expect::NoCrash,
        ),
        Hostile::new(
            "publish-every-port",
            service("ports: [\"1-65535:1-65535\"]"),
            Expect::NoCrash,
        ),
    ]);
}

/// Every target writes an entry per port, and the chart a value per port: a lookup per port that
/// scans the ports before it is quadratic (the chart once took 15 s for this), so each target is
/// built, not only the k3s stream that `huge_port_ranges` checks.
#[test]
fn huge_port_ranges_on_every_target() {
    let workspace = scratch("ports-every-target");
    let dir = workspace.path();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n    ports: [\"1-65535:1-65535\"]\n",
    )
    .expect("write compose.yaml");
    let out = dir.join("out");
    let out = out.to_str().expect("a UTF-8 scratch path");
    let mut failures = Vec::new();
    for target in ["k3s", "helm", "podman"] {
        let m = measure(dir, &["build", "--target", target, "-o", out]);
        let what = format!("65535 published ports, `build --target {target}`");
        failures.extend(bounds(&what, &m));
        if m.out.code != Some(0) {
            failures.push(format!("{what}: {}", m.out.describe()));
        }
        let _ = std::fs::remove_dir_all(out);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn large_files() {
    // A valid 10 MB extension field followed by a service with an invalid port, so the whole file
    // has to be read before the error is found.
    let mut text = String::from("x-padding:\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("  - \"padding padding padding padding padding padding padding padding\"\n");
    }
    let ten =
        format!("{text}services:\n  web:\n    image: nginx\n    ports:\n      - \"not a port\"\n");
    while text.len() < 50 * 1024 * 1024 {
        text.push_str("  - \"padding padding padding padding padding padding padding padding\"\n");
    }
    text.push_str("services:\n  web:\n    image: nginx\n");
    let mut services = String::new();
    for i in 0..=10_000 {
        write!(services, "  s{i}:\n    image: nginx\n").unwrap();
    }
    // Under the size limit, but millions of one-character items.
    let tiny = format!(
        "x-tiny:\n{}services:\n  web:\n    image: nginx\n",
        "  - a\n".repeat(30 * 1024 * 1024 / 6)
    );
    check_all(&[
        Hostile::new("thirty-megabytes-of-tiny-items", tiny, Expect::Reject)
            .naming(&[&["more than 500000 yaml nodes"]]),
        Hostile::new("ten-megabytes", ten, Expect::Reject).naming(&[&["not a port"]]),
        Hostile::new("fifty-megabytes", text, Expect::Reject)
            .naming(&[&["compose.yaml"], &["more than the 32 mib"]]),
        Hostile::new(
            "too-many-services",
            format!("services:\n{services}"),
            Expect::Reject,
        )
        .naming(&[&["10001 services"]]),
    ]);
}

#[test]
fn cycles() {
    let service = "services:\n  a:\n    image: x\n";
    check_all(&[
        Hostile::new(
            "extends-cycle",
            "services:\n  a:\n    image: x\n    extends: b\n  b:\n    extends: a\n",
            Expect::Reject,
        )
        .naming(&[&["cycle"], &["`a`"]]),
        Hostile::new(
            "self-extends",
            "services:\n  a:\n    image: x\n    extends: a\n",
            Expect::Reject,
        )
        .naming(&[&["cycle"]]),
        Hostile::new(
            "extends-file-cycle",
            "services:\n  a:\n    extends:\n      file: other.yaml\n      service: b\n",
            Expect::Reject,
        )
        .with_file(
            "other.yaml",
            "services:\n  b:\n    extends:\n      file: compose.yaml\n      service: a\n",
        )
        .naming(&[&["cycle"]]),
        Hostile::new(
            "include-cycle",
            format!("include:\n  - other.yaml\n{service}"),
            Expect::Reject,
        )
        .with_file("other.yaml", "include:\n  - compose.yaml\n")
        .naming(&[&["include cycle"], &["other.yaml"]]),
        Hostile::new(
            "self-include",
            format!("include:\n  - compose.yaml\n{service}"),
            Expect::Reject,
        )
        .naming(&[&["include cycle"]]),
        Hostile::new(
            "depends-on-cycle",
            "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
            Expect::Reject,
        )
        .naming(&[&["dependency cycle"]]),
        Hostile::new(
            "interpolation-depth",
            format!(
                "services:\n  a:\n    image: \"{}x{}\"\n",
                "${A:-".repeat(100),
                "}".repeat(100)
            ),
            Expect::Reject,
        )
        .naming(&[&["more than 64 levels"]]),
    ]);
}

/// Paths in the project are read as Docker Compose reads them (relative to the project, `..`
/// and absolute paths allowed); what matters is that a file which is not a compose file is
/// rejected without its contents in the report.
#[test]
fn path_traversal_in_includes() {
    const PASSWD: &str = "../../../../../../../../etc/passwd";
    let service = "services:\n  a:\n    image: x\n";
    check_all(&[
        Hostile::new(
            "include-traversal",
            format!("include:\n  - {PASSWD}\n{service}"),
            Expect::Reject,
        )
        .naming(&[&["/etc/passwd"], &["must be a mapping"]]),
        Hostile::new(
            "include-absolute",
            format!("include:\n  - /etc/passwd\n{service}"),
            Expect::Reject,
        )
        .naming(&[&["/etc/passwd"], &["must be a mapping"]]),
        Hostile::new(
            "extends-traversal",
            format!("{service}    extends:\n      file: {PASSWD}\n      service: root\n"),
            Expect::Reject,
        )
        .naming(&[&["/etc/passwd"], &["must be a mapping"]]),
        Hostile::new(
            "env-file-missing",
            format!("{service}    env_file: ../../../../../../no/such/env\n"),
            Expect::Reject,
        )
        .naming(&[&["/no/such/env"], &["not found"]]),
        Hostile::new(
            "include-directory",
            format!("include:\n  - /\n{service}"),
            Expect::Reject,
        )
        .naming(&[&["`/`"]]),
    ]);
}

/// Every file under `dir`, relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("list scratch folder") {
            let path = entry.expect("list scratch folder").path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            files.push(path.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    files.sort();
    files
}

/// Names that reach output file names (services, volumes, secrets, configs) are either refused
/// by the compose schema with a diagnostic naming them, or sanitised: `build -o` writes nothing
/// outside its output folder for any of them, on every target.
#[test]
fn path_traversal_in_names() {
    let names = [
        "../evil",
        "..",
        ".",
        "a/../../b",
        "/abs",
        "a\\b",
        "café",
        "a\u{202e}b",
        "-",
        "_x",
        "CON",
    ];
    let kinds = ["services", "volumes", "secrets", "configs", "networks"];
    let mut cases = Vec::new();
    for name in names {
        for kind in kinds {
            cases.push((name, kind));
        }
    }
    let failures: Vec<String> = support::parallel_map(&cases, |&(name, kind)| {
        let id = format!("name-{kind}-{}", cases.iter().position(|c| c.0 == name).unwrap());
        let workspace = scratch(&id);
        let root = workspace.path();
        let project = root.join("a/b/project");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::write(project.join("value.txt"), "value").unwrap();
        let quoted = serde_json::to_string(name).unwrap();
        let mount = serde_json::to_string(&format!("{name}:/data")).unwrap();
        let text = match kind {
            "services" => format!("services:\n  {quoted}:\n    image: nginx\n"),
            "volumes" => format!(
                "services:\n  web:\n    image: nginx\n    volumes: [{mount}]\nvolumes:\n  {quoted}: {{}}\n"
            ),
            "networks" => format!(
                "services:\n  web:\n    image: nginx\n    networks: [{quoted}]\nnetworks:\n  {quoted}: {{}}\n"
            ),
            _ => format!(
                "services:\n  web:\n    image: nginx\n    {kind}: [{quoted}]\n{kind}:\n  {quoted}:\n    file: ./value.txt\n"
            ),
        };
        std::fs::write(project.join("compose.yaml"), &text).unwrap();
        let mut failures = Vec::new();
        for target in ["k3s", "helm", "podman"] {
            let before = tree(root);
            let out_dir = format!("out-{target}");
            let m = measure(&project, &["build", "--target", target, "-o", &out_dir]);
            let what = format!("{kind} named {name:?}, target {target}");
            failures.extend(bounds(&what, &m));
            if !matches!(m.out.code, Some(0 | 1)) || m.out.stderr.contains("panicked") {
                failures.push(format!("{what}: {}", m.out.describe()));
            }
            let outside: Vec<_> = tree(root)
                .into_iter()
                .filter(|p| !before.contains(p) && !p.starts_with(format!("a/b/project/{out_dir}")))
                .collect();
            if !outside.is_empty() {
                failures.push(format!("{what}: wrote outside `{out_dir}`: {outside:?}"));
            }
            if m.out.code == Some(1) && !m.out.stderr.contains("not a valid") {
                failures.push(format!("{what}: refused without naming it: {}", m.out.describe()));
            }
        }
        failures
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
