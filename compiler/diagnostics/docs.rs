//! The reference text for every diagnostic code, for `stackc explain` and `docs/diagnostics.md`.
//!
//! Both read the `codes!` table in `code.rs`, so a code added there is documented everywhere;
//! `tests/diagnostics_doc.rs` fails until the committed markdown is regenerated.

use std::fmt::Write as _;

use super::Code;

/// Every code, ordered by id (the table itself is in the order codes were added).
#[must_use]
pub fn sorted_codes() -> Vec<Code> {
    let mut codes = Code::ALL.to_vec();
    codes.sort_by_key(|code| code.id());
    codes
}

/// The code `text` names: its id in any letter case, or just its digits (`0101`).
#[must_use]
pub fn lookup(text: &str) -> Option<Code> {
    let text = text.trim();
    Code::from_id(text).or_else(|| {
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| Code::from_id(&format!("SC{text}")))
            .flatten()
    })
}

/// The stage a code belongs to, from the ranges documented in `code.rs`.
fn stage(id: &str) -> &'static str {
    match id.get(2..4) {
        Some("01") => "YAML (SC01xx)",
        Some("02") => "Project loading and interpolation (SC02xx)",
        Some("03") => "Schema and model validation (SC03xx)",
        Some(range) if range.starts_with('1') => "Lowering and passes (SC1xxx)",
        Some(range) if range.starts_with('2') => "Backends (SC2xxx)",
        _ => "Other codes",
    }
}

/// `docs/diagnostics.md`: an index table, then one section per code, grouped by stage.
#[must_use]
pub fn markdown() -> String {
    let codes = sorted_codes();
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         <!-- Generated from compiler/diagnostics/code.rs; do not edit. \
         Regenerate with `STACKC_UPDATE_DOCS=1 cargo test --test diagnostics_doc`. -->\n\n\
         Every warning and error stackc reports about its input carries a stable code, and a \
         code never changes meaning once released. `stackc explain CODE` prints the same text \
         in a terminal; `stackc explain --list` lists every code.\n\n\
         | code | summary |\n|---|---|\n",
    );
    for code in &codes {
        let id = code.id();
        let _ = writeln!(
            out,
            "| [{id}](#{}) | {} |",
            id.to_ascii_lowercase(),
            code.summary().replace('|', "\\|")
        );
    }
    let mut current = "";
    for code in &codes {
        let group = stage(code.id());
        if group != current {
            let _ = write!(out, "\n## {group}\n");
            current = group;
        }
        let _ = write!(
            out,
            "\n### {}\n\n**{}**\n\n{}\n",
            code.id(),
            code.summary(),
            code.explanation()
        );
    }
    out
}
