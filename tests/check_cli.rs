//! `kpi check` for CI: every mistake in one run, `--format json` and
//! `--format github`, `--deny-warnings`, and `# kpi:allow(…)` markers.

use std::path::Path;
use std::process::{Command, Output};

const HEADER: &str = "policy \"Sales\"\ncurrency USD\n\n";

/// A policy with five different mistakes.
const FIVE_MISTAKES: &str = "input revenue : money
input deals : count

kpi share = revnue / 1_000 USD
bonus b = revenue + 5
let deals = 3
bonus c = 100 USD * tiers revenue {
  below 1_000 USD : 0
  below 5_000 USD : 1
}
bonus d = 500
";

/// A policy that checks, with one warning and one piece of advice.
const WARNINGS: &str = "input revenue : money
input rating : number
input deals : count

kpi deals_shown = deals
bonus b = revenue * 10%
";

fn write_policy(dir: &Path, name: &str, body: &str) -> String {
    std::fs::write(dir.join(name), format!("{HEADER}{body}")).expect("write a policy");
    name.to_string()
}

fn kpi(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .current_dir(dir)
        .env("COLUMNS", "100")
        .env_remove("NO_COLOR")
        .output()
        .expect("run kpi")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("kpi check --format json prints JSON")
}

#[test]
fn five_mistakes_give_five_diagnostics_in_one_run() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(dir.path(), "policy.kpi", FIVE_MISTAKES);
    let output = kpi(dir.path(), &["check", &policy]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    let codes: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("kpi::"))
        .collect();
    assert_eq!(
        codes,
        [
            "kpi::check::unknown_name",
            "kpi::check::unit_mismatch",
            "kpi::check::duplicate_name",
            "kpi::check::missing_otherwise",
            "kpi::check::bonus_not_money",
        ],
        "{text}"
    );
    assert!(
        text.ends_with("checked 1 policy: 1 with errors\n"),
        "{text}"
    );
}

#[test]
fn json_lists_every_diagnostic_with_its_places() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(dir.path(), "policy.kpi", FIVE_MISTAKES);
    let output = kpi(dir.path(), &["check", "--format", "json", &policy]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["files"], 1);
    assert_eq!(report["errors"], 5);
    assert_eq!(report["warnings"], 0);
    let diagnostics = report["diagnostics"].as_array().expect("a list");
    assert_eq!(diagnostics.len(), 5);

    // `bonus b = revenue + 5` on line 8 of the file: both operands labelled.
    let unit = &diagnostics[1];
    assert_eq!(unit["code"], "kpi::check::unit_mismatch");
    assert_eq!(unit["severity"], "error");
    assert_eq!(unit["message"], "cannot add money and a number");
    assert_eq!(unit["file"], "policy.kpi");
    assert_eq!(unit["line"], 8);
    assert_eq!(unit["column"], 11);
    assert_eq!(unit["end_line"], 8);
    assert_eq!(unit["end_column"], 17);
    assert_eq!(unit["help"], "write `5 USD` for an amount of money");
    let labels = unit["labels"].as_array().expect("labels");
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0]["message"], "this is money");
    assert_eq!(labels[1]["message"], "this is a number");
    assert_eq!(labels[1]["line"], 8);
    assert_eq!(labels[1]["column"], 21);
    assert_eq!(labels[1]["end_column"], 21);

    // The missing `otherwise` spans lines 10 to 13.
    let otherwise = &diagnostics[3];
    assert_eq!(otherwise["code"], "kpi::check::missing_otherwise");
    assert_eq!(otherwise["line"], 10);
    assert_eq!(otherwise["end_line"], 13);
}

#[test]
fn json_shows_warnings_and_advice_with_their_severity() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(dir.path(), "policy.kpi", WARNINGS);
    let output = kpi(dir.path(), &["check", "--format", "json", &policy]);
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["warnings"], 1);
    assert_eq!(report["notes"], 1);
    let diagnostics = report["diagnostics"].as_array().expect("a list");
    let found: Vec<(&str, &str)> = diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default(),
                d["severity"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("kpi::check::unused", "warning"),
            ("kpi::check::report_only", "advice"),
        ]
    );
    assert_eq!(diagnostics[0]["line"], 5);
    assert_eq!(diagnostics[0]["column"], 7);
    assert_eq!(diagnostics[0]["end_column"], 12);
}

#[test]
fn github_annotations_point_at_the_lines() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let broken = write_policy(
        dir.path(),
        "broken.kpi",
        "input revenue : money\nbonus b = revenue + 5\n",
    );
    let warned = write_policy(dir.path(), "warned.kpi", WARNINGS);
    let output = kpi(
        dir.path(),
        &["check", "--format", "github", &broken, &warned],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "::error file=broken.kpi,line=5,col=11,endLine=5,endColumn=17,title=kpi%3A%3Acheck%3A%3Aunit_mismatch::cannot add money and a number%0Ahelp: write `5 USD` for an amount of money",
            "::warning file=warned.kpi,line=5,col=7,endLine=5,endColumn=12,title=kpi%3A%3Acheck%3A%3Aunused::input `rating` is never used%0Ahelp: remove it, or use it in a formula (a data file may still hold the column)",
            "::notice file=warned.kpi,line=8,col=5,endLine=8,endColumn=15,title=kpi%3A%3Acheck%3A%3Areport_only::kpi `deals_shown` affects no payout%0Ahelp: it is still reported for every employee; if it should count, use it in a bonus line, a gate or the cap, else mark it `# kpi:allow(report_only)`",
        ]
    );
    assert_eq!(
        stderr(&output),
        "checked 2 policies: 1 with errors, 1 warning, 1 note\n"
    );
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(dir.path(), "policy.kpi", WARNINGS);
    let output = kpi(dir.path(), &["check", &policy]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("⚠ input `rating` is never used"));
    assert!(stderr(&output).ends_with("checked 1 policy: no errors, 1 warning, 1 note\n"));

    let output = kpi(dir.path(), &["check", "--deny-warnings", &policy]);
    assert_eq!(output.status.code(), Some(1));

    // Advice alone does not fail, even with --deny-warnings.
    let advice_only = write_policy(
        dir.path(),
        "advice.kpi",
        "input revenue : money\ninput deals : count\n\nkpi deals_shown = deals\nbonus b = revenue * 10%\n",
    );
    let output = kpi(dir.path(), &["check", "--deny-warnings", &advice_only]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn markers_silence_a_warning_for_one_declaration() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(
        dir.path(),
        "policy.kpi",
        "input revenue : money
input rating : number  # kpi:allow(unused)
input spare : number

# Lower is better: fewer hours, more pay.
# kpi:allow(decreasing_curve)
bonus speed = 1_000 USD * curve hours {
  4  : 1.25
  24 : 0
}
input hours : number
bonus b = revenue * 10%
",
    );
    let output = kpi(
        dir.path(),
        &["check", "--deny-warnings", "--format", "json", &policy],
    );
    let report = json(&output);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default())
        .collect();
    // Only the unmarked `spare` is reported.
    assert_eq!(codes, ["kpi::check::unused"]);
    assert_eq!(
        report["diagnostics"][0]["message"],
        "input `spare` is never used"
    );
    assert_eq!(output.status.code(), Some(1));

    let marked = std::fs::read_to_string(dir.path().join(&policy))
        .expect("read the policy")
        .replace(
            "input spare : number",
            "input spare : number  # kpi:allow(kpi::check::unused)",
        );
    std::fs::write(dir.path().join(&policy), marked).expect("write the policy");
    let output = kpi(dir.path(), &["check", "--deny-warnings", &policy]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stderr(&output), "checked 1 policy: no errors\n");
}

#[test]
fn eval_and_test_print_warnings_but_do_not_fail_on_them() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(
        dir.path(),
        "policy.kpi",
        "input revenue : money\ninput rating : number = 3\n\nbonus b = revenue * 10%\n\nexample \"one\" {\n  revenue = 100 USD\n  expect b = 10 USD\n}\n",
    );
    std::fs::write(dir.path().join("data.csv"), "id,revenue\nE-1,1000\n").expect("write data");
    let output = kpi(dir.path(), &["eval", &policy, "--data", "data.csv"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("kpi::check::unused"));

    let output = kpi(dir.path(), &["test", &policy]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stderr(&output).contains("kpi::check::unused"));
    assert!(stdout(&output).contains("1 passed, 0 failed"));
}

#[test]
fn no_colours_off_a_terminal() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let policy = write_policy(dir.path(), "policy.kpi", FIVE_MISTAKES);
    // Standard error is a pipe here, so even without NO_COLOR there are no
    // escape sequences.
    let output = kpi(dir.path(), &["check", &policy]);
    assert!(!stderr(&output).contains('\u{1b}'));
}
