//! `kpi eval --explain`, run as a user would: the numbers of explanations
//! (from the JSON statement), and the text and Markdown statements of the
//! shipped example as snapshots.

use serde_json::Value;
mod common;
use common::kpi;

const SALES: &str = "policies/sales_manager.kpi";
const OCTOBER: &str = "policies/data/2026-10.toml";

/// The JSON statement of some employees.
fn explain_json(policy: &str, data: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "eval",
        policy,
        "--data",
        data,
        "--explain",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = kpi(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("the statement is JSON")
}

fn employee<'v>(document: &'v Value, id: &str) -> &'v Value {
    document["employees"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["id"] == id))
        .unwrap_or_else(|| panic!("no employee {id}"))
}

fn step<'v>(employee: &'v Value, name: &str) -> &'v Value {
    employee["steps"]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no step {name}"))
}

#[test]
fn a_gated_employee_is_explained_with_exact_numbers() {
    let document = explain_json(SALES, OCTOBER, &["--employee", "SM-001"]);
    assert_eq!(document["employees"].as_array().map(Vec::len), Some(1));
    let anna = employee(&document, "SM-001");
    assert_eq!(anna["payout"], "0.00");
    assert_eq!(anna["lines_total"], "5661.54");
    assert_eq!(
        anna["failed_gates"][0],
        "Revenue below 80% of plan: no bonus this month"
    );

    let attainment = step(anna, "attainment");
    assert_eq!(attainment["formula"], "revenue / revenue_plan");
    assert_eq!(
        attainment["substituted"],
        "741,732.00 RUB / 1,200,000.00 RUB"
    );
    assert_eq!(attainment["value"], "0.61811");
    assert_eq!(attainment["shown"], "61.811%");

    // The tier that applied, and why.
    let tiers = &step(anna, "plan_multiplier")["tables"][0];
    assert_eq!(tiers["kind"], "tiers");
    assert_eq!(tiers["arm"], 0);
    assert_eq!(tiers["arm_text"], "below 80% : 0");
    assert_eq!(tiers["subject_value"], "0.61811");
    assert_eq!(tiers["upper"], "0.8");
    assert!(tiers.get("lower").is_none());
    assert_eq!(tiers["notes"][0], "attainment 61.811% is below 80%: 0");

    // The scorecard's components add up to the kpi.
    let quality = step(anna, "quality");
    let parts = quality["tables"][0]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(parts.len(), 2);
    assert_eq!(
        parts[0]["formula"],
        "min(conversion / conversion_goal, 150%)"
    );
    assert_eq!(parts[0]["weight"], "0.6");
    assert_eq!(parts[1]["value"], "0.8");
    assert_eq!(parts[1]["contribution"], "0.32");

    // Rounding of a line: the exact amount and the amount paid.
    let quality_bonus = step(anna, "quality_bonus");
    assert_eq!(quality_bonus["value"], "5661.54");
    assert_eq!(quality_bonus["exact"], "5661.538461538461538461538462");

    // Gates and cap.
    assert_eq!(anna["gates"][0]["passed"], false);
    assert_eq!(anna["gates"][0]["substituted"], "61.811% >= 80%");
    assert_eq!(anna["gates"][1]["passed"], true);
    assert_eq!(anna["cap"]["evaluated"], false);

    // 741,732 + 218,268 = 960,000 = 80% of the plan: the gate opens and
    // the 0.6 tier pays 24,000 + the quality bonus.
    let next = &anna["next_tiers"][0];
    assert_eq!(next["outcome"], "reached");
    let reach = &next["reach"];
    assert_eq!(reach["direction"], "up");
    assert_eq!(reach["lever"], "revenue");
    assert_eq!(reach["lever_to"], "960000");
    assert_eq!(reach["lever_change"], "218268");
    assert_eq!(reach["subject_to"], "0.8");
    assert_eq!(reach["tier_to"], "below 100% : 0.6");
    assert_eq!(reach["payout_to"], "29661.54");
    assert_eq!(reach["payout_change"], "29661.54");
}

#[test]
fn the_next_tier_is_the_least_revenue_that_reaches_it() {
    let document = explain_json(
        SALES,
        OCTOBER,
        &["--employee", "SM-002", "--employee", "SM-008"],
    );
    let ivan = employee(&document, "SM-002");
    assert_eq!(ivan["payout"], "47415.38");
    assert_eq!(ivan["cap"]["limit"], "100000.00");
    assert_eq!(ivan["cap"]["capped"], false);
    let reach = &ivan["next_tiers"][0]["reach"];
    // 110% of 1,000,000 is 1,100,000: 98,958.75 more than 1,001,041.25.
    assert_eq!(reach["lever_change"], "98958.75");
    assert_eq!(reach["threshold"], "1.1");
    assert_eq!(reach["payout_to"], "59415.38");
    assert_eq!(reach["payout_change"], "12000.00");

    let alexey = employee(&document, "SM-008");
    let reach = &alexey["next_tiers"][0]["reach"];
    assert_eq!(reach["lever_from"], "1113910.25");
    assert_eq!(reach["lever_to"], "1200000");
    assert_eq!(reach["payout_change"], "16000.00");
    assert_eq!(
        alexey["next_tiers"][0]["text"],
        "+7.1741…% attainment (revenue +86,089.75 RUB) reaches the next tier `below 110% : 1`: +16,000.00 RUB (payout 59,711.11 RUB)"
    );
}

#[test]
fn marginal_slices_curve_points_and_match_arms_are_explained() {
    let document = explain_json(
        "policies/sales_head.kpi",
        "policies/data/2026-10-sales-heads.toml",
        &["--employee", "HD-02"],
    );
    let larisa = employee(&document, "HD-02");
    assert_eq!(larisa["payout"], "118615.02");

    let commission = step(larisa, "commission");
    let slices = commission["tables"][0]["slices"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(slices.len(), 2);
    assert_eq!(slices[0]["to"], "5000000");
    assert_eq!(slices[0]["rate"], "0.005");
    assert_eq!(slices[0]["amount"], "25000");
    assert_eq!(slices[1]["from"], "5000000");
    assert_eq!(slices[1]["to"], "8120500.5");
    assert_eq!(slices[1]["amount"], "31205.005");
    assert_eq!(commission["exact"], "56205.005");
    assert_eq!(commission["value"], "56205.01");

    let curve = &step(larisa, "plan_factor")["tables"][0];
    assert_eq!(curve["kind"], "curve");
    assert_eq!(curve["from_point"]["point"], "1");
    assert_eq!(curve["from_point"]["value"], "1");
    assert_eq!(curve["to_point"]["point"], "1.3");
    assert_eq!(curve["to_point"]["value"], "1.8");
    assert_eq!(curve["value"], "1.0401668333333333333333333333");

    let regional = &step(larisa, "regional")["tables"][0];
    assert_eq!(regional["kind"], "match");
    assert_eq!(regional["arm"], 1);
    assert_eq!(regional["subject_value"], "central");
    assert_eq!(regional["value"], "1");

    let team = step(larisa, "team_bonus");
    assert_eq!(team["branches"][0]["condition"], "team_on_plan >= 50%");
    assert_eq!(team["branches"][0]["taken"], false);
    assert_eq!(team["value"], "0.00");
}

#[test]
fn a_lower_tier_that_pays_more_is_shown_with_a_whole_count() {
    let document = explain_json(
        "policies/order_processing.kpi",
        "policies/data/2026-10-order-processing.toml",
        &["--employee", "OP-001"],
    );
    let galina = employee(&document, "OP-001");
    let tiers = galina["next_tiers"].as_array().cloned().unwrap_or_default();
    assert_eq!(tiers.len(), 2);
    // 8 more errors push the error rate to 13 / 412 >= 3%: accuracy 0.7.
    assert_eq!(tiers[0]["reach"]["direction"], "up");
    assert_eq!(tiers[0]["reach"]["lever_to"], "13");
    assert_eq!(tiers[0]["reach"]["payout_change"], "-3712.50");
    // One error fewer, 4 / 412 < 1%: accuracy 1.2.
    assert_eq!(tiers[1]["reach"]["direction"], "down");
    assert_eq!(tiers[1]["reach"]["lever_to"], "4");
    assert_eq!(tiers[1]["reach"]["tier_to"], "below 1% : 1.2");
    assert_eq!(tiers[1]["reach"]["payout_to"], "35450.00");
}

#[test]
fn subjects_that_are_no_straight_line_say_so() {
    let document = explain_json(
        "tests/fixtures/explain_edges.kpi",
        "tests/fixtures/explain_edges.toml",
        &["--employee", "E-1"],
    );
    let first = employee(&document, "E-1");
    let by_step = |name: &str| {
        first["next_tiers"]
            .as_array()
            .and_then(|list| list.iter().find(|n| n["step"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no next tier for {name}"))
    };
    // `conversion` is a line in `contracts`: its `if` does not depend on it.
    let funnel = by_step("funnel");
    assert_eq!(funnel["reach"]["lever"], "contracts");
    assert_eq!(funnel["reach"]["lever_to"], "4");
    assert_eq!(funnel["reach"]["subject_to"], "0.2");
    assert_eq!(funnel["reach"]["payout_change"], "3000.00");
    // An input as the subject: two more contracts; conversion follows.
    let volume = by_step("volume");
    assert_eq!(volume["reach"]["lever_change"], "2");
    assert_eq!(volume["reach"]["payout_to"], "8500.00");
    let activity = by_step("activity");
    assert_eq!(activity["outcome"], "unavailable");
    assert_eq!(
        activity["reason"],
        "not a straight line in any one input (it goes through `max`)"
    );
    // A table inside a formula is substituted by its value.
    let plan = step(first, "plan_bonus");
    assert_eq!(plan["substituted"], "10_000 RUB * 0.5");
    assert_eq!(by_step("plan_bonus")["reach"]["lever_change"], "49999.9");
}

#[test]
fn record_aggregates_are_steps_and_levers() {
    let document = explain_json(
        "tests/fixtures/records_tiers.kpi",
        "tests/fixtures/records_tiers.toml",
        &["--employee", "E2"],
    );
    let second = employee(&document, "E2");
    assert_eq!(
        second["records"][0]["formula"],
        "sum(deals.amount where stage == \"won\")"
    );
    assert_eq!(second["records"][0]["value"], "250");
    let next = &second["next_tiers"][0]["reach"];
    assert_eq!(next["lever"], "sum(deals.amount where stage == \"won\")");
    assert_eq!(next["lever_to"], "500");
    assert_eq!(next["payout_to"], "112.50");
}

#[test]
fn an_employee_that_cannot_be_evaluated_is_explained_up_to_the_error() {
    let run = kpi(&[
        "eval",
        "tests/fixtures/explain_edges.kpi",
        "--data",
        "tests/fixtures/explain_edges.toml",
        "--explain",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("employee `E-2`: division by zero"),
        "{}",
        run.stderr
    );
    let document: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(document["errors"], 1);
    let second = employee(&document, "E-2");
    assert_eq!(second["error"]["code"], "kpi::eval::division_by_zero");
    let steps = second["steps"].as_array().cloned().unwrap_or_default();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["substituted"], "100,000.00 RUB / 0.00 RUB");
    assert!(steps[0]["value"].is_null());
    assert!(second.get("payout").is_none());
}

#[test]
fn set_params_are_marked_and_used() {
    let document = explain_json(
        SALES,
        OCTOBER,
        &["--employee", "SM-002", "--set", "target_bonus=50000"],
    );
    let param = document["params"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["name"] == "target_bonus"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(param["value"], "50000");
    assert_eq!(param["set"], true);
    let ivan = employee(&document, "SM-002");
    assert_eq!(step(ivan, "plan_bonus")["substituted"], "50,000.00 RUB * 1");
    assert_eq!(ivan["payout"], "57415.38");
}

#[test]
fn every_employee_is_explained_and_the_statement_parses() {
    let document = explain_json(SALES, "policies/data/2026-10.csv", &[]);
    let list = document["employees"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(list.len(), 20);
    // The payouts are the report's.
    let report = kpi(&["eval", SALES, "--data", OCTOBER, "--format", "json"]);
    let report: Value = serde_json::from_str(&report.stdout).expect("JSON");
    for (explained, reported) in list
        .iter()
        .zip(report["employees"].as_array().into_iter().flatten())
    {
        assert_eq!(explained["id"], reported["id"]);
        assert_eq!(explained["payout"], reported["payout"]);
    }
}

#[test]
fn usage_errors_are_reported() {
    let run = kpi(&[
        "eval",
        SALES,
        "--data",
        OCTOBER,
        "--explain",
        "--employee",
        "SM-0O1",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the data has no employee `SM-0O1`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("SM-001"),
        "a suggestion: {}",
        run.stderr
    );

    let run = kpi(&[
        "eval",
        SALES,
        "--data",
        OCTOBER,
        "--explain",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("text, json or markdown"),
        "{}",
        run.stderr
    );

    let run = kpi(&["eval", SALES, "--data", OCTOBER, "--format", "markdown"]);
    assert_eq!(run.code, 2);

    let run = kpi(&["eval", SALES, "--data", OCTOBER, "--employee", "SM-001"]);
    assert_eq!(run.code, 2, "--employee needs --explain");
}

#[test]
fn the_statement_can_be_written_to_a_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("statement.md");
    let path_text = path.display().to_string();
    let run = kpi(&[
        "eval",
        SALES,
        "--data",
        OCTOBER,
        "--explain",
        "--format",
        "markdown",
        "--employee",
        "SM-002",
        "--output",
        &path_text,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let written = std::fs::read_to_string(&path).expect("the statement was written");
    assert!(
        written.starts_with("## SM-002 Ivan Sokolov: 47,415.38 RUB"),
        "{written}"
    );
}

#[test]
fn text_statement_of_the_shipped_example() {
    let run = kpi(&[
        "eval",
        SALES,
        "--data",
        OCTOBER,
        "--explain",
        "--employee",
        "SM-001",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn markdown_statement_of_the_shipped_example() {
    let run = kpi(&[
        "eval",
        SALES,
        "--data",
        OCTOBER,
        "--explain",
        "--format",
        "markdown",
        "--employee",
        "SM-008",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
}
