//! Robustness: no input makes stackc panic or hang. Every hostile input must end, within
//! [`TIMEOUT`], with exit 1 (a problem in the input) or 2 (usage or I/O), a message on stderr,
//! and no Rust panic text; inputs that may happen to be valid may also exit 0.

mod support;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

/// "Within a few seconds", with headroom for unoptimised test builds on a busy 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A realistic compose file: every prefix of it is a plausible half-written or truncated file.
const REALISTIC: &str = include_str!("../examples/webapp/compose.yaml");

/// Each hostile input goes through both entry points, because they share the frontend but not
/// the code after it.
const COMMANDS: [&[&str]; 2] = [
    &["config", "--format", "json"],
    &["build", "--target", "k3s", "--stdout"],
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The input is certainly invalid: exit 1 or 2.
    Reject,
    /// The input may be valid (a prefix ending at a line break, random YAML-like text): any of
    /// 0, 1 or 2, but still no panic or hang.
    NoCrash,
}

/// A scratch folder per input, so that parallel runs never share a file.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-hostile-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// Runs every command on `input` and returns what went wrong, if anything.
fn check(name: &str, input: &[u8], expect: Expect) -> Vec<String> {
    let dir = scratch(name);
    std::fs::write(dir.join("compose.yaml"), input).expect("write hostile input");
    let mut failures = Vec::new();
    for command in COMMANDS {
        let mut cmd = support::clean_command(support::stackc(), &dir);
        cmd.args(["-f", "compose.yaml"]).args(command);
        let out = support::run(&mut cmd, b"", TIMEOUT);
        let what = format!("{name} ({} bytes), `{}`", input.len(), command.join(" "));
        let allowed = match expect {
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
    }
    let _ = std::fs::remove_dir_all(&dir);
    failures
}

/// Runs many inputs in parallel and fails once, listing every failure.
fn check_all(inputs: &[(String, Vec<u8>, Expect)]) {
    let failures: Vec<String> =
        support::parallel_map(inputs, |(name, input, expect)| check(name, input, *expect))
            .into_iter()
            .flatten()
            .collect();
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
    let dir = scratch("whole-file");
    std::fs::write(dir.join("compose.yaml"), REALISTIC).expect("write compose.yaml");
    for command in COMMANDS {
        let mut cmd = support::clean_command(support::stackc(), &dir);
        cmd.args(["-f", "compose.yaml"]).args(command);
        let out = support::run(&mut cmd, b"", TIMEOUT);
        assert_eq!(
            out.code,
            Some(0),
            "`{}`: {}",
            command.join(" "),
            out.describe()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn truncated_files() {
    let bytes = REALISTIC.as_bytes();
    let step = (bytes.len() / 120).max(1);
    let inputs: Vec<_> = (0..bytes.len())
        .step_by(step)
        .map(|len| {
            (
                format!("prefix-{len}"),
                bytes[..len].to_vec(),
                if len == 0 {
                    Expect::Reject
                } else {
                    Expect::NoCrash
                },
            )
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
            (format!("random-{i}"), bytes, Expect::Reject)
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
            let bytes = (0..len)
                .map(|_| ALPHABET[rng.below(ALPHABET.len())])
                .collect();
            (format!("yamlish-{i}"), bytes, Expect::NoCrash)
        })
        .collect();
    check_all(&inputs);
}

#[test]
fn malformed_text() {
    let mut cut_utf8 = "services:\n  café:\n    image: nginx\n".as_bytes().to_vec();
    cut_utf8.truncate(cut_utf8.iter().position(|&b| b == 0xc3).unwrap() + 1);
    check_all(&[
        ("empty".to_owned(), Vec::new(), Expect::Reject),
        (
            "invalid-utf8".to_owned(),
            b"services:\n  web:\n    image: \"\xff\xfe\"\n".to_vec(),
            Expect::Reject,
        ),
        (
            "utf8-cut-mid-character".to_owned(),
            cut_utf8,
            Expect::Reject,
        ),
        (
            "nul-byte".to_owned(),
            b"services:\n  web:\n    image: ngi\0nx\n".to_vec(),
            Expect::Reject,
        ),
        (
            "utf16-bom".to_owned(),
            b"\xff\xfes\0e\0r\0v\0i\0c\0e\0s\0:\0\n\0".to_vec(),
            Expect::Reject,
        ),
    ]);
}

#[test]
fn deep_nesting() {
    const DEPTH: usize = 10_000;
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
    check_all(&[
        ("deep-list".to_owned(), list.into_bytes(), Expect::Reject),
        ("deep-map".to_owned(), map.into_bytes(), Expect::Reject),
        (
            "deep-command".to_owned(),
            in_service.into_bytes(),
            Expect::Reject,
        ),
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
    check_all(&[("alias-bomb".to_owned(), text.into_bytes(), Expect::Reject)]);
}

#[test]
fn huge_numbers() {
    let service =
        |field: &str| format!("services:\n  web:\n    image: nginx\n    {field}\n").into_bytes();
    check_all(&[
        (
            "huge-scale".to_owned(),
            service("scale: 123456789012345678901234567890"),
            Expect::Reject,
        ),
        (
            "huge-cpus".to_owned(),
            service("cpus: 1e400"),
            Expect::Reject,
        ),
        (
            "huge-port".to_owned(),
            service("ports:\n      - 99999999999999999999999999"),
            Expect::Reject,
        ),
    ]);
}

#[test]
fn ten_megabytes() {
    // A valid 10 MB extension field followed by a service with an invalid port, so the whole file
    // has to be read before the error is found.
    let mut text = String::from("x-padding:\n");
    while text.len() < 10 * 1024 * 1024 {
        text.push_str("  - \"padding padding padding padding padding padding padding padding\"\n");
    }
    text.push_str("services:\n  web:\n    image: nginx\n    ports:\n      - \"not a port\"\n");
    check_all(&[(
        "ten-megabytes".to_owned(),
        text.into_bytes(),
        Expect::Reject,
    )]);
}
