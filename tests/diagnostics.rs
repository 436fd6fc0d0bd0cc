//! Every diagnostic, rendered as a user sees it, and the rules every
//! diagnostic follows.
//!
//! Each folder under `tests/diagnostics/STAGE/NAME/` holds a `policy.kpi`
//! (and data files) showing one diagnostic; `cmd` holds the arguments of
//! `kpi` when they are not `check policy.kpi`. The test runs the binary in
//! that folder, without colours at a fixed width, and snapshots the exit
//! status and both outputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run_case(dir: &Path) -> String {
    let args =
        std::fs::read_to_string(dir.join("cmd")).unwrap_or_else(|_| "check policy.kpi".to_string());
    let args = args.trim();
    let output = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args.split_whitespace())
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("run kpi");
    format!(
        "$ kpi {args}\nexit status: {}\n--- stderr\n{}--- stdout\n{}",
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout),
    )
}

#[test]
fn every_diagnostic_renders() {
    insta::glob!("diagnostics/*/*/policy.kpi", |path| {
        let dir = path.parent().expect("a case folder");
        let rendered = run_case(dir);
        check_style(&rendered, dir);
        insta::assert_snapshot!(rendered);
    });
}

/// The message style of every diagnostic: a lowercase start and no final
/// period, for the message and the help.
fn check_style(rendered: &str, dir: &Path) {
    let mut texts: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in rendered.lines() {
        let start = ["  × ", "  ⚠ ", "  ☞ ", "  help: "]
            .iter()
            .find_map(|marker| line.strip_prefix(marker));
        if let Some(text) = start {
            texts.extend(current.take());
            current = Some(text.to_string());
        } else if let Some(text) = line
            .strip_prefix("  │ ")
            .or_else(|| line.strip_prefix("        "))
            && let Some(open) = current.as_mut()
        {
            open.push(' ');
            open.push_str(text.trim());
        } else {
            texts.extend(current.take());
        }
    }
    texts.extend(current);
    for text in texts {
        // The message may follow a prefix such as `employee `E-2`: `.
        let first = text.chars().next().unwrap_or(' ');
        assert!(
            !first.is_uppercase(),
            "{}: a message starts lowercase: {text}",
            dir.display()
        );
        assert!(
            !text.ends_with('.'),
            "{}: a message has no final period: {text}",
            dir.display()
        );
    }
}

/// Every `kpi::…` code declared in the sources.
fn codes() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read src") {
                stack.push(entry.expect("entry").path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read a source file");
        for (at, _) in text.match_indices("code(kpi::") {
            let rest = &text[at + "code(".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            out.insert(rest[..end].to_string());
        }
    }
    out
}

fn snapshots() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).expect("read tests/snapshots") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with("diagnostics__every_diagnostic_renders@") && name.ends_with(".snap") {
            all.push_str(&std::fs::read_to_string(&path).expect("read a snapshot"));
        }
    }
    all
}

#[test]
fn the_sources_declare_the_codes_of_every_stage() {
    let codes = codes();
    for stage in ["parse", "check", "data", "eval", "test"] {
        assert!(
            codes
                .iter()
                .any(|c| c.starts_with(&format!("kpi::{stage}::"))),
            "no code of {stage} found: the scan of the sources is broken"
        );
    }
    assert!(codes.len() > 60, "only {} codes found", codes.len());
}

/// Codes no input can trigger: they report a bug in kpi itself (the
/// formatter refusing output that would change the policy), so no case can
/// show them; they are still documented.
const INTERNAL: &[&str] = &["kpi::fmt::internal"];

#[test]
fn every_code_has_a_snapshot() {
    let snapshots = snapshots();
    let missing: Vec<String> = codes()
        .into_iter()
        .filter(|code| !snapshots.contains(code.as_str()) && !INTERNAL.contains(&code.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case under tests/diagnostics/: {missing:?}"
    );
}

#[test]
fn every_code_is_documented() {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md"))
            .expect("read docs/errors.md");
    let missing: Vec<String> = codes()
        .into_iter()
        .filter(|code| !docs.contains(&format!("## `{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a `## `CODE`` section in docs/errors.md: {missing:?}"
    );
}

#[test]
fn every_warning_name_is_a_code() {
    let codes = codes();
    for name in kpi::check::WARNING_NAMES {
        assert!(
            codes.contains(&format!("kpi::check::{name}")),
            "`{name}` in WARNING_NAMES has no code"
        );
    }
}

/// The codes a policy text gets from the parser and the checker, and
/// whether any is an error.
fn check_codes(source: &str) -> (Vec<String>, bool) {
    use miette::Diagnostic;
    let code = |d: &dyn Diagnostic| d.code().map(|c| c.to_string()).unwrap_or_default();
    match kpi::syntax::parse(source) {
        Err(errors) => (errors.iter().map(|e| code(e)).collect(), true),
        Ok(ast) => match kpi::check::check(&ast, source) {
            Err(errors) => (errors.iter().map(|e| code(e)).collect(), true),
            Ok(checked) => (checked.warnings.iter().map(|w| code(w)).collect(), false),
        },
    }
}

/// The `kpi` code blocks of a section of docs/errors.md.
fn kpi_blocks(section: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(start) = rest.find("```kpi\n") {
        let body = &rest[start + "```kpi\n".len()..];
        let Some(end) = body.find("```") else { break };
        blocks.push(body[..end].to_string());
        rest = &body[end..];
    }
    blocks
}

#[test]
fn the_examples_of_the_error_reference_get_their_codes() {
    let docs =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/errors.md"))
            .expect("read docs/errors.md");
    let mut verified = 0;
    for section in docs.split("\n## `").skip(1) {
        let Some(code) = section.split('`').next() else {
            continue;
        };
        if !(code.starts_with("kpi::parse::") || code.starts_with("kpi::check::")) {
            continue;
        }
        let [wrong, fixed] = kpi_blocks(section).try_into().unwrap_or_default();
        if wrong.is_empty() {
            continue;
        }
        let full = |text: &str| {
            if text.starts_with("policy") || text.starts_with("currency") {
                text.to_string()
            } else {
                format!("policy \"Sales\"\ncurrency USD\n{text}")
            }
        };
        let (codes, _) = check_codes(&full(&wrong));
        assert!(
            codes.iter().any(|c| c == code),
            "the example of {code} gets {codes:?}"
        );
        let (codes, errors) = check_codes(&full(&fixed));
        assert!(
            !errors && !codes.iter().any(|c| c == code),
            "the fixed example of {code} gets {codes:?}"
        );
        verified += 1;
    }
    assert!(verified > 40, "only {verified} examples verified");
}
