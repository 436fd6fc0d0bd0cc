//! `kpi fmt`: snapshots of the canonical layout, the command line, and
//! proof that formatting changes no result of `kpi eval`, `kpi test` and
//! `kpi check` on the shipped policies and the conformance cases.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const KPI: &str = env!("CARGO_BIN_EXE_kpi");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kpi(args: &[&str], cwd: &Path, stdin: Option<&str>) -> Output {
    let mut child = Command::new(KPI)
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "120")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kpi binary runs");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.unwrap_or("").as_bytes())
            .expect("stdin takes the policy");
    }
    child.wait_with_output().expect("kpi finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `*.kpi` files under `dir`, in name order.
fn kpi_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            found.extend(kpi_files(&path));
        } else if path.extension().is_some_and(|e| e == "kpi") {
            found.push(path);
        }
    }
    found
}

fn format_ok(source: &str, name: &str) -> String {
    match kpi::fmt::format(source) {
        Ok(text) => text,
        Err(error) => panic!("{name} does not format: {error:?}"),
    }
}

// -- snapshots ---------------------------------------------------------------

/// The layout of every policy in `policies/` and `tests/` (among them
/// `tests/fmt/*.kpi`, written awkwardly on purpose). A new policy file
/// needs its snapshot accepted once (`INSTA_UPDATE=always cargo test`).
#[test]
fn snapshots_of_the_canonical_layout() {
    let root = Path::new(ROOT);
    let mut files = kpi_files(&root.join("policies"));
    files.extend(kpi_files(&root.join("tests")));
    assert!(files.len() >= 6, "expected the shipped and test policies");
    for path in files {
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let name = relative
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "__");
        // Under tests/diagnostics/ policies are broken on purpose: the
        // formatter leaves those alone (tested below), nothing to snapshot.
        let bytes = std::fs::read(&path).expect("policy is readable");
        let broken = kpi::syntax::parse_bytes(&bytes).is_err();
        if relative.starts_with("tests/diagnostics") && broken {
            continue;
        }
        let source = String::from_utf8(bytes).expect("policy is UTF-8");
        let formatted = format_ok(&source, &name);
        assert_eq!(
            format_ok(&formatted, &name),
            formatted,
            "{name}: not idempotent"
        );
        insta::assert_snapshot!(name, formatted);
    }
}

// -- the command line --------------------------------------------------------

const UNFORMATTED: &str =
    "policy \"P\"\ncurrency USD\ninput a:money\nbonus b=a*10% # ten percent\n";
const FORMATTED: &str =
    "policy \"P\"\ncurrency USD\n\ninput a : money\n\nbonus b = a * 10%  # ten percent\n";

fn temp_policy(content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("policy.kpi");
    std::fs::write(&path, content).expect("policy written");
    (dir, path)
}

#[test]
fn check_lists_a_file_that_would_change_with_a_diff_and_changes_nothing() {
    let (dir, path) = temp_policy(UNFORMATTED);
    let out = kpi(&["fmt", "--check", "policy.kpi"], dir.path(), None);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("--- policy.kpi\n+++ policy.kpi (formatted)\n@@ "),
        "{stdout}"
    );
    assert!(stdout.contains("\n-input a:money\n"), "{stdout}");
    assert!(stdout.contains("\n+input a : money\n"), "{stdout}");
    assert!(text(&out.stderr).contains("would reformat policy.kpi"));
    assert_eq!(
        std::fs::read_to_string(&path).ok().as_deref(),
        Some(UNFORMATTED)
    );
}

#[test]
fn check_passes_quietly_on_formatted_files() {
    let (dir, _) = temp_policy(FORMATTED);
    let out = kpi(&["fmt", "--check", "."], dir.path(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn fmt_rewrites_files_in_place_keeping_permissions() {
    let (dir, path) = temp_policy(UNFORMATTED);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    let out = kpi(&["fmt", "policy.kpi"], dir.path(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&path).ok().as_deref(),
        Some(FORMATTED)
    );
    assert!(text(&out.stderr).contains("reformatted policy.kpi"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o640));
    }
    let again = kpi(&["fmt", "policy.kpi"], dir.path(), None);
    assert!(text(&again.stderr).contains("1 policy: 0 changed"));
}

#[test]
fn folders_are_searched_for_policies() {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::create_dir(dir.path().join("nested")).expect("folder");
    std::fs::write(dir.path().join("nested/a.kpi"), UNFORMATTED).expect("policy");
    std::fs::write(dir.path().join("notes.txt"), "not a policy").expect("file");
    let out = kpi(&["fmt", "."], dir.path(), None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let formatted = std::fs::read_to_string(dir.path().join("nested/a.kpi")).ok();
    assert_eq!(formatted.as_deref(), Some(FORMATTED));
    let untouched = std::fs::read_to_string(dir.path().join("notes.txt")).ok();
    assert_eq!(untouched.as_deref(), Some("not a policy"));
}

#[test]
fn dash_formats_standard_input_to_standard_output() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let out = kpi(&["fmt", "-"], dir.path(), Some(UNFORMATTED));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), FORMATTED);

    let check = kpi(&["fmt", "--check", "-"], dir.path(), Some(UNFORMATTED));
    assert_eq!(check.status.code(), Some(1));
    assert!(text(&check.stdout).starts_with("--- <stdin>\n"));

    let clean = kpi(&["fmt", "--check", "-"], dir.path(), Some(FORMATTED));
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(text(&clean.stdout), "");
}

#[test]
fn a_policy_that_does_not_parse_is_shown_and_left_alone() {
    let broken = "policy \"P\"\ncurrency USD\ninput a:money\nbonus b a * 10%\n";
    let (dir, path) = temp_policy(broken);
    let out = kpi(&["fmt", "policy.kpi"], dir.path(), None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("kpi::parse::syntax"), "{stderr}");
    assert!(stderr.contains("policy.kpi:4:"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some(broken));

    let piped = kpi(&["fmt", "-"], dir.path(), Some(broken));
    assert_eq!(piped.status.code(), Some(1));
    assert_eq!(text(&piped.stdout), "");
    assert!(text(&piped.stderr).contains("<stdin>:4:"));
}

#[test]
fn usage_errors_and_unreadable_files_exit_2() {
    let (dir, _) = temp_policy(FORMATTED);
    let missing = kpi(&["fmt", "missing.kpi"], dir.path(), None);
    assert_eq!(missing.status.code(), Some(2));
    let mixed = kpi(&["fmt", "-", "policy.kpi"], dir.path(), None);
    assert_eq!(mixed.status.code(), Some(2));
    let nothing = kpi(&["fmt"], dir.path(), None);
    assert_eq!(nothing.status.code(), Some(2));
}

// -- formatting changes no result ----------------------------------------------

/// What a run shows that formatting must not change: the exit status, the
/// standard output, and the codes of the diagnostics (their line numbers
/// may move).
fn outcome(out: &Output) -> (Option<i32>, String, BTreeSet<String>) {
    let codes = text(&out.stderr)
        .split_whitespace()
        .filter(|word| word.starts_with("kpi::"))
        .map(str::to_string)
        .collect();
    (out.status.code(), text(&out.stdout), codes)
}

/// Copies `from` (files only) into a new temporary folder.
fn copy_folder(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    for entry in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(entry.file_name())).expect("copied");
        }
    }
    dir
}

/// Every conformance case gives the same result with its policy formatted
/// (the argument list is built as the conformance runner builds it). The
/// case whose policy does not parse is refused and left alone.
#[test]
fn conformance_cases_give_the_same_results_formatted() {
    let cases = Path::new(ROOT).join("../shared/spec/conformance");
    let Ok(entries) = std::fs::read_dir(&cases) else {
        eprintln!("no conformance cases at {}; skipped", cases.display());
        return;
    };
    let mut dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    dirs.retain(|dir| dir.join("case.toml").is_file());
    dirs.sort();
    let mut compared = 0;
    for case in dirs {
        let spec: toml::Table = std::fs::read_to_string(case.join("case.toml"))
            .ok()
            .and_then(|t| t.parse().ok())
            .expect("case.toml is TOML");
        let argv = conformance_argv(&case, &spec);
        let original = kpi(
            &argv.iter().map(String::as_str).collect::<Vec<_>>(),
            &case,
            None,
        );
        let copy = copy_folder(&case);
        let formatting = kpi(&["fmt", "."], copy.path(), None);
        let before = std::fs::read_to_string(case.join("policy.kpi")).unwrap_or_default();
        if kpi::fmt::format(&before).is_err() {
            assert_eq!(formatting.status.code(), Some(1), "{}", case.display());
            let after = std::fs::read_to_string(copy.path().join("policy.kpi")).unwrap_or_default();
            assert_eq!(
                after,
                before,
                "{}: an unparsable policy was rewritten",
                case.display()
            );
        } else {
            assert_eq!(
                formatting.status.code(),
                Some(0),
                "{}",
                text(&formatting.stderr)
            );
        }
        let formatted = kpi(
            &argv.iter().map(String::as_str).collect::<Vec<_>>(),
            copy.path(),
            None,
        );
        assert_eq!(
            outcome(&formatted),
            outcome(&original),
            "{}",
            case.display()
        );
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} conformance cases");
}

fn conformance_argv(case: &Path, spec: &toml::Table) -> Vec<String> {
    let command = spec
        .get("command")
        .and_then(|c| c.as_str())
        .unwrap_or("check");
    let mut argv = vec![command.to_string()];
    let strings = |key: &str| -> Vec<String> {
        spec.get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let policies = strings("policies");
    if policies.is_empty() {
        argv.push("policy.kpi".to_string());
    } else {
        argv.extend(policies);
    }
    if command == "eval" {
        let data = ["data.toml", "data.csv", "data.json"]
            .into_iter()
            .find(|name| case.join(name).is_file());
        if let Some(data) = data {
            argv.extend(["--data".to_string(), data.to_string()]);
        }
        argv.extend(["--format".to_string(), "json".to_string()]);
    }
    argv.extend(strings("args"));
    argv
}

/// The shipped policies, formatted, pass the same examples and give the
/// same report on every data file.
#[test]
fn shipped_policies_give_the_same_results_formatted() {
    let policies = Path::new(ROOT).join("policies");
    let copy = tempfile::tempdir().expect("temporary folder");
    for path in kpi_files(&policies) {
        let source = std::fs::read_to_string(&path).expect("readable");
        let name = path.file_name().expect("a file name");
        std::fs::write(
            copy.path().join(name),
            format_ok(&source, &path.display().to_string()),
        )
        .expect("written");
    }
    let tested = |dir: &Path| outcome(&kpi(&["test", "."], dir, None));
    assert_eq!(tested(copy.path()), tested(&policies));
    let data: Vec<PathBuf> = std::fs::read_dir(policies.join("data"))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(!data.is_empty());
    for policy in kpi_files(&policies) {
        let name = policy
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        for file in &data {
            let file = file.to_string_lossy();
            let args = ["eval", name, "--data", &file, "--format", "json"];
            let original = outcome(&kpi(&args, &policies, None));
            let formatted = outcome(&kpi(&args, copy.path(), None));
            assert_eq!(formatted, original, "{name} on {file}");
        }
    }
}
