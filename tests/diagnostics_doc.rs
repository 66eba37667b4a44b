//! `docs/diagnostics.md` and `stackc explain` come from the one table of codes in
//! `compiler/diagnostics/code.rs`. This test fails when the committed doc is out of date;
//! `STACKC_UPDATE_DOCS=1 cargo test --test diagnostics_doc` rewrites it.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use stackc::diagnostics::{Code, docs};

#[test]
fn committed_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    let expected = docs::markdown();
    if std::env::var_os("STACKC_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("docs/diagnostics.md is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "docs/diagnostics.md is out of date with compiler/diagnostics/code.rs: run \
         `STACKC_UPDATE_DOCS=1 cargo test --test diagnostics_doc` and commit the result"
    );
}

#[test]
fn every_code_is_well_formed_and_unique() {
    let mut ids = BTreeSet::new();
    for code in Code::ALL {
        let id = code.id();
        assert!(
            id.len() == 6 && id.starts_with("SC") && id[2..].bytes().all(|b| b.is_ascii_digit()),
            "`{id}` is not `SC` and four digits"
        );
        assert!(ids.insert(id), "`{id}` is used twice");
        assert!(
            !code.summary().is_empty() && !code.explanation().is_empty(),
            "`{id}` has no text"
        );
        assert!(
            !code.summary().ends_with('.'),
            "the summary of `{id}` ends with a period; summaries are fragments"
        );
        assert!(
            code.explanation().ends_with('.'),
            "the explanation of `{id}` does not end with a period"
        );
    }
}

#[test]
fn doc_has_a_section_per_code() {
    let doc = docs::markdown();
    for code in Code::ALL {
        let heading = format!("\n### {}\n", code.id());
        assert_eq!(
            doc.matches(&heading).count(),
            1,
            "no single section for `{}`",
            code.id()
        );
    }
}

fn stackc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .output()
        .expect("stackc runs");
    (
        out.status.code().expect("stackc exits"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn explain_prints_summary_and_explanation() {
    let (code, stdout, _) = stackc(&["explain", "sc0102"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with("SC0102: a mapping has the same key twice\n\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("YAML forbids a key appearing twice"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .all(|l| l.chars().count() <= 80 || !l.contains(' ')),
        "{stdout}"
    );
    let (code, digits, _) = stackc(&["explain", "0102"]);
    assert_eq!((code, digits), (0, stdout));
}

#[test]
fn explain_unknown_code_suggests_the_list() {
    let (code, stdout, stderr) = stackc(&["explain", "SC9999"]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert_eq!(
        stderr,
        "error: unknown diagnostic code `SC9999`: run `stackc explain --list` to see every code\n"
    );
}

#[test]
fn explain_list_has_every_code_in_order() {
    let (code, stdout, _) = stackc(&["explain", "--list"]);
    assert_eq!(code, 0);
    let ids: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let expected: Vec<&str> = docs::sorted_codes().iter().map(|c| c.id()).collect();
    assert_eq!(ids, expected);
    assert!(stdout.contains("SC0101  the file is not valid YAML\n"));
}

#[test]
fn explain_needs_a_code_or_list() {
    let (code, _, stderr) = stackc(&["explain"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--list"), "{stderr}");
}
