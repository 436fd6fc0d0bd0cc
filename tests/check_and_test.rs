//! `kpi check` and `kpi test` from the command line, and hostile input.

mod common;
use common::{json, kpi, kpi_in, scratch};

const GOOD: &str = "policy \"G\"\ncurrency USD\ninput a : money\nbonus b = a * 10%\n\nexample \"ten percent\" {\n  a = 100 USD\n  expect b = 10 USD\n}\n";
const BAD: &str = "policy \"B\"\ncurrency USD\ninput revenue : money\nkpi doubled : money = revnue * 2\nbonus b = revenue + 5\n";

#[test]
fn check_reports_every_error_with_its_place() {
    let dir = scratch(&[("good.kpi", GOOD), ("bad.kpi", BAD)]);
    let run = kpi_in(dir.path(), &["check", "good.kpi", "bad.kpi"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("bad.kpi:4:23"), "{}", run.stderr);
    assert!(
        run.stderr.contains("kpi::check::unknown_name"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `revenue`?"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("bad.kpi:5:11"), "{}", run.stderr);
    assert!(run.stderr.contains("write `5 USD`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("checked 2 policies: 1 with errors"),
        "{}",
        run.stderr
    );
    assert_eq!(kpi_in(dir.path(), &["check", "good.kpi"]).code, 0);
}

#[test]
fn check_searches_folders_for_policies() {
    assert_eq!(kpi(&["check", "policies"]).code, 0);
    let empty = tempfile::tempdir().expect("a folder");
    let run = kpi_in(empty.path(), &["check", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no .kpi files"), "{}", run.stderr);
    assert_eq!(kpi(&["check", "no/such/file.kpi"]).code, 2);
    assert_eq!(kpi(&["check"]).code, 2);
    assert_eq!(kpi(&["frobnicate"]).code, 2);
}

#[test]
fn test_runs_examples_and_summarises() {
    let failing = GOOD.replace("expect b = 10 USD", "expect b = 11 USD");
    let dir = scratch(&[("good.kpi", GOOD), ("failing.kpi", &failing)]);
    let pass = kpi_in(dir.path(), &["test", "good.kpi"]);
    assert_eq!(pass.code, 0, "{}", pass.stderr);
    assert_eq!(
        pass.stdout,
        "ok      good.kpi  ten percent\n1 passed, 0 failed\n"
    );
    let fail = kpi_in(dir.path(), &["test", "."]);
    assert_eq!(fail.code, 1);
    assert!(
        fail.stdout.contains("FAILED  ./failing.kpi  ten percent"),
        "{}",
        fail.stdout
    );
    assert!(
        fail.stdout.ends_with("1 passed, 1 failed\n"),
        "{}",
        fail.stdout
    );
    assert!(
        fail.stderr
            .contains("expected `b` to be 11.00 USD, but it is 10.00 USD"),
        "{}",
        fail.stderr
    );
    assert!(fail.stderr.contains("failing.kpi:8:3"), "{}", fail.stderr);
    let report = json(&kpi_in(dir.path(), &["test", ".", "--format", "json"]).stdout);
    assert_eq!(report["passed"], 1);
    assert_eq!(report["failed"], 1);
    assert_eq!(
        report["policies"][0]["examples"][0]["failures"][0]["code"],
        "kpi::test::mismatch"
    );
    assert_eq!(
        report["policies"][0]["examples"][0]["failures"][0]["line"],
        8
    );
}

#[test]
fn coverage_names_arms_never_reached() {
    let run = kpi(&["test", "policies/sales_manager.kpi", "--coverage"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("tiers: 5 of 5 arms reached"),
        "{}",
        run.stdout
    );
    let policy = "policy \"C\"\ncurrency USD\ninput a : number\nbonus b = 1 USD * tiers a {\n  below 1 : 0\n  below 2 : 1\n  otherwise : 2\n}\nexample \"low\" {\n  a = 0\n  expect b = 0 USD\n}\n";
    let dir = scratch(&[("c.kpi", policy)]);
    let run = kpi_in(dir.path(), &["test", "c.kpi", "--coverage"]);
    assert!(
        run.stdout.contains("tiers: 1 of 3 arms reached"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("✗ never  below 2 : 1"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_shipped_policies_pass_their_examples() {
    let run = kpi(&["test", "policies"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.ends_with("0 failed\n"), "{}", run.stdout);
}

/// No input, however malformed, makes kpi panic, hang or overflow its
/// stack: each gets a diagnostic and exit status 1.
#[test]
fn hostile_policies_get_diagnostics_not_crashes() {
    let deep_parens = format!(
        "policy \"D\"\ncurrency USD\nkpi x = {}1{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let deep_minus = format!(
        "policy \"D\"\ncurrency USD\nkpi x = {}1\n",
        "-".repeat(100_000)
    );
    let long_sum = format!(
        "policy \"D\"\ncurrency USD\nkpi x = 1{}\n",
        " + 1".repeat(50_000)
    );
    let digits = "policy \"D\"\ncurrency USD\nkpi x = 1234567890123456789012345678901234567890\n";
    let mut junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    junk.splice(0..0, b"policy \"J\"\n".iter().copied());
    let dir = scratch(&[
        ("parens.kpi", &deep_parens),
        ("minus.kpi", &deep_minus),
        ("sum.kpi", &long_sum),
        ("digits.kpi", digits),
        ("empty.kpi", ""),
        ("nul.kpi", "policy \"N\"\ncurrency USD\nkpi x = 1\0\n"),
    ]);
    std::fs::write(dir.path().join("junk.kpi"), &junk).expect("writes");
    for (file, code) in [
        ("parens.kpi", "kpi::parse::too_deep"),
        ("minus.kpi", "kpi::parse::too_deep"),
        ("sum.kpi", "kpi::parse::too_deep"),
        ("digits.kpi", "kpi::parse::number_too_large"),
        ("junk.kpi", "kpi::parse::not_utf8"),
        ("empty.kpi", "kpi::check::missing_policy"),
        ("nul.kpi", "kpi::parse::syntax"),
    ] {
        let run = kpi_in(dir.path(), &["check", file]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        assert!(run.stderr.contains(code), "{file}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{file}: {}", run.stderr);
    }
}

#[test]
fn hostile_data_gets_diagnostics_not_crashes() {
    let deep_json = format!(
        "{{\"employee\": [{}{}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let deep_toml = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let dir = scratch(&[
        ("p.kpi", GOOD),
        ("deep.json", &deep_json),
        ("deep.toml", &deep_toml),
        (
            "big.csv",
            "id,a\nE1,1234567890123456789012345678901234567890\n",
        ),
        ("quote.csv", "id,a\nE1,\"unterminated\n"),
    ]);
    std::fs::write(dir.path().join("junk.csv"), [0xff, 0xfe, 0x00, 0x41]).expect("writes");
    for file in ["deep.json", "deep.toml", "big.csv", "quote.csv", "junk.csv"] {
        let run = kpi_in(dir.path(), &["eval", "p.kpi", "--data", file]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{file}: {}", run.stderr);
    }
}

#[test]
fn coverage_is_in_the_json_too() {
    let run = kpi(&[
        "test",
        "policies/sales_head.kpi",
        "--coverage",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let coverage = &json(&run.stdout)["policies"][0]["coverage"];
    assert_eq!(coverage["reached"], 15);
    assert_eq!(coverage["total"], 15);
    let marginal = &coverage["items"][1];
    assert_eq!(marginal["kind"], "marginal");
    assert_eq!(
        marginal["outcomes"][2]["name"],
        "otherwise            : 1.5%"
    );
    assert_eq!(marginal["outcomes"][2]["hits"], 1);
}

#[test]
fn an_allow_marker_above_a_declaration_is_its_own() {
    let policy = "policy \"A\"\ncurrency USD\ninput x : number\nlet a = 1\n# lower is better here. kpi:allow(decreasing_curve)\nkpi c = curve x {\n  1 : 2\n  2 : 1\n}\nbonus b = 1 USD * c * a\n";
    let dir = scratch(&[("a.kpi", policy)]);
    let run = kpi_in(dir.path(), &["check", "--deny-warnings", "a.kpi"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
