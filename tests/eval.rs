//! `kpi eval`: formats, overrides, data errors, exit statuses.

mod common;
use common::{json, kpi, kpi_in, scratch};

const POLICY: &str = r#"policy "Sales manager: monthly bonus"
currency RUB

input revenue      : money  "Paid revenue in the period"
input revenue_plan : money
input deals        : count  "Contracts concluded"
input meetings     : count
input rating       : number = 3  "Manager's assessment, 1 to 5"

param target_bonus   = 30_000 RUB
param min_attainment = 80%

kpi attainment : percent = revenue / revenue_plan
kpi conversion : percent = if meetings > 0 then deals / meetings else 0%

let multiplier = tiers attainment {
  below 80%  : 0
  below 100% : 0.5
  below 120% : 1
  otherwise  : 1.5
}

bonus plan_bonus    = target_bonus * multiplier
bonus quality_bonus = 5_000 RUB * weighted {
  conversion / 25% : 70%
  rating / 5       : 30%
}

gate attainment >= min_attainment else "Plan below 80%: no bonus this month"
cap 2 * target_bonus
"#;

const DATA: &str = r#"[[employee]]
id = "E-001"
name = "Anna Petrova"
revenue = 125_000.50
revenue_plan = 100_000
deals = 12
meetings = 40

[[employee]]
id = "E-002"
revenue = 100000
revenue_plan = 0
deals = 1
meetings = 10

[[employee]]
id = "E-003"
revenue = 70000
revenue_plan = 100000
deals = 2
meetings = 10
"#;

#[test]
fn the_json_report_is_the_reference_shape() {
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    let run = kpi_in(
        dir.path(),
        &["eval", "p.kpi", "--data", "d.toml", "--format", "json"],
    );
    assert_eq!(run.code, 1, "one employee fails: {}", run.stderr);
    let report = json(&run.stdout);
    assert_eq!(report["policy"], "Sales manager: monthly bonus");
    assert_eq!(report["currency"], "RUB");
    let first = &report["employees"][0];
    assert_eq!(first["id"], "E-001");
    assert_eq!(first["name"], "Anna Petrova");
    assert_eq!(first["kpis"]["attainment"], "1.250005");
    assert_eq!(first["kpis"]["conversion"], "0.3");
    assert_eq!(first["bonuses"]["plan_bonus"], "45000.00");
    assert_eq!(first["bonuses"]["quality_bonus"], "5100.00");
    assert_eq!(first["failed_gates"], serde_json::json!([]));
    assert_eq!(first["capped"], false);
    assert_eq!(first["payout"], "50100.00");
    // Keys in declaration order.
    let kpis: Vec<&String> = first["kpis"]
        .as_object()
        .expect("an object")
        .keys()
        .collect();
    assert_eq!(kpis, ["attainment", "conversion"]);
    let failed = &report["employees"][1];
    assert_eq!(failed["id"], "E-002");
    assert_eq!(failed["error"]["code"], "kpi::eval::division_by_zero");
    assert!(failed.get("payout").is_none());
    let gated = &report["employees"][2];
    assert_eq!(
        gated["failed_gates"][0],
        "Plan below 80%: no bonus this month"
    );
    assert_eq!(gated["payout"], "0.00");
    assert_eq!(report["total_payout"], "50100.00");
    assert_eq!(report["errors"], 1);
    assert!(
        run.stderr.contains("employee `E-002`: division by zero"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("p.kpi:13:"), "{}", run.stderr);
}

#[test]
fn the_table_has_separators_and_a_total() {
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    let run = kpi_in(dir.path(), &["eval", "p.kpi", "--data", "d.toml"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("id "), "{}", run.stdout);
    assert!(
        lines[2].contains("125%")
            && lines[2].contains("45,000.00")
            && lines[2].contains("50,100.00")
    );
    assert!(lines[3].contains("error: division by zero while computing `attainment`"));
    assert!(lines[4].contains("gate: Plan below 80%: no bonus this month"));
    let total = lines.last().expect("a total row");
    assert!(
        total.starts_with("total") && total.contains("50,100.00"),
        "{total}"
    );
    assert!(
        total.contains("1 employee with an error, not counted"),
        "{total}"
    );
}

#[test]
fn the_csv_report_is_exact() {
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    let run = kpi_in(
        dir.path(),
        &["eval", "p.kpi", "--data", "d.toml", "--format", "csv"],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "id,name,attainment,conversion,plan_bonus,quality_bonus,payout,capped,failed_gates,error_code,error"
    );
    assert_eq!(
        lines[1],
        "E-001,Anna Petrova,1.250005,0.3,45000.00,5100.00,50100.00,false,,,"
    );
    assert!(
        lines[2].starts_with("E-002,,,,,,,,,kpi::eval::division_by_zero,"),
        "{}",
        lines[2]
    );
}

#[test]
fn set_overrides_params_and_their_dependents() {
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    let run = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--format",
            "json",
            "--set",
            "target_bonus=40000",
            "--set",
            "min_attainment=60%",
        ],
    );
    let report = json(&run.stdout);
    assert_eq!(report["employees"][0]["bonuses"]["plan_bonus"], "60000.00");
    // 70% now passes the gate: the tier below 80% pays nothing.
    assert_eq!(
        report["employees"][2]["failed_gates"],
        serde_json::json!([])
    );
    let unknown = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--set",
            "target_bonsu=1",
        ],
    );
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `target_bonus`?"),
        "{}",
        unknown.stderr
    );
    let input = kpi_in(
        dir.path(),
        &["eval", "p.kpi", "--data", "d.toml", "--set", "revenue=1"],
    );
    assert_eq!(input.code, 2);
    assert!(
        input.stderr.contains("only params can be set"),
        "{}",
        input.stderr
    );
    let bad = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--set",
            "min_attainment=lots",
        ],
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("percentage"), "{}", bad.stderr);
}

#[test]
fn output_is_written_whole_or_not_at_all() {
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    let run = kpi_in(
        dir.path(),
        &[
            "eval", "p.kpi", "--data", "d.toml", "--format", "json", "--output", "out.json",
        ],
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let written = std::fs::read_to_string(dir.path().join("out.json")).expect("written");
    assert_eq!(json(&written)["total_payout"], "50100.00");
    let nowhere = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--output",
            "missing/out.json",
        ],
    );
    assert_eq!(nowhere.code, 2);
    assert!(!dir.path().join("missing").exists());
    let leftovers = std::fs::read_dir(dir.path()).expect("lists").count();
    assert_eq!(leftovers, 3, "no temporary file left behind");
}

#[test]
fn a_missing_value_names_file_line_employee_and_input() {
    let data = "[[employee]]\nid = \"E-1\"\nrevenue = 100\nrevenue_plan = 100\ndeals = 1\nmeetings = 1\n\n[[employee]]\nid = \"E-2\"\nrevenue_plan = 100\ndeals = 1\nmeetings = 1\n";
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", data)]);
    let run = kpi_in(
        dir.path(),
        &["eval", "p.kpi", "--data", "d.toml", "--format", "json"],
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("d.toml:8:"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("employee `E-2` has no value for `revenue`"),
        "{}",
        run.stderr
    );
    let report = json(&run.stdout);
    assert_eq!(report["employees"][0]["payout"], "44900.00");
    assert_eq!(
        report["employees"][1]["error"]["code"],
        "kpi::data::missing_value"
    );
}

#[test]
fn file_level_data_errors_stop_before_any_report() {
    let duplicate = "[[employee]]\nid = \"A\"\nrevenue = 1\nrevenue_plan = 1\ndeals = 1\nmeetings = 1\n[[employee]]\nid = \"A\"\nrevenue = 1\nrevenue_plan = 1\ndeals = 1\nmeetings = 1\n";
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", duplicate), ("d.xlsx", "")]);
    let run = kpi_in(dir.path(), &["eval", "p.kpi", "--data", "d.toml"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("employee `A` appears twice"),
        "{}",
        run.stderr
    );
    assert_eq!(
        kpi_in(dir.path(), &["eval", "p.kpi", "--data", "d.xlsx"]).code,
        2
    );
    assert_eq!(
        kpi_in(dir.path(), &["eval", "p.kpi", "--data", "none.toml"]).code,
        2
    );
    assert_eq!(
        kpi_in(dir.path(), &["eval", "none.kpi", "--data", "d.toml"]).code,
        2
    );
}

#[test]
fn unknown_columns_warn_but_do_not_fail() {
    let data = "id,revenue,revenue_plan,deals,meetings,ratign\nE1,100,100,1,4,5\n";
    let dir = scratch(&[("p.kpi", POLICY), ("d.csv", data)]);
    let run = kpi_in(dir.path(), &["eval", "p.kpi", "--data", "d.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("`ratign` is not an input"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `rating`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_shipped_example_runs_and_its_csv_twin_agrees() {
    let toml = kpi(&[
        "eval",
        "policies/sales_manager.kpi",
        "--data",
        "policies/data/2026-10.toml",
        "--format",
        "json",
    ]);
    let csv = kpi(&[
        "eval",
        "policies/sales_manager.kpi",
        "--data",
        "policies/data/2026-10.csv",
        "--format",
        "json",
    ]);
    assert_eq!(toml.code, 0, "{}", toml.stderr);
    assert_eq!(toml.stdout, csv.stdout);
    let report = json(&toml.stdout);
    assert_eq!(report["employees"].as_array().map(Vec::len), Some(20));
    for (policy, data) in [
        (
            "policies/order_processing.kpi",
            "policies/data/2026-10-order-processing.toml",
        ),
        (
            "policies/sales_head.kpi",
            "policies/data/2026-10-sales-heads.toml",
        ),
    ] {
        let run = kpi(&["eval", policy, "--data", data]);
        assert_eq!(run.code, 0, "{policy}: {}", run.stderr);
    }
}

#[test]
fn records_come_from_csv_files_or_the_data_file() {
    let policy = "policy \"R\"\ncurrency USD\ninput plan : money\nrecords deals {\n  amount : money\n  stage : text\n}\nkpi won : money = sum(deals.amount where stage == \"won\")\nkpi n : count = count(deals)\nkpi top : money = if n > 0 then max(deals.amount) else 0\nbonus b = won * 10%\n";
    let data = "id,plan\nE1,100\nE2,100\n";
    let deals = "employee,amount,stage\nE2,30,won\nE1,10,won\nE2,5,lost\n";
    let dir = scratch(&[("p.kpi", policy), ("d.csv", data), ("deals.csv", deals)]);
    let run = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.csv",
            "--records",
            "deals=deals.csv",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = json(&run.stdout);
    assert_eq!(report["employees"][0]["kpis"]["won"], "10");
    assert_eq!(report["employees"][1]["kpis"]["n"], "2");
    assert_eq!(report["employees"][1]["kpis"]["top"], "30");
    assert_eq!(report["total_payout"], "4.00");
    let none = kpi_in(dir.path(), &["eval", "p.kpi", "--data", "d.csv"]);
    assert_eq!(none.code, 0);
    assert!(
        none.stderr.contains("no records of `deals`"),
        "{}",
        none.stderr
    );
    let typo = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.csv",
            "--records",
            "deal=deals.csv",
        ],
    );
    assert_eq!(typo.code, 2);
    assert!(
        typo.stderr.contains("did you mean `deals`?"),
        "{}",
        typo.stderr
    );
}

#[test]
fn set_reads_values_as_a_policy_writes_them() {
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    let run = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--format",
            "json",
            "--set",
            "target_bonus=40_000 RUB",
        ],
    );
    assert_eq!(
        json(&run.stdout)["employees"][0]["bonuses"]["plan_bonus"],
        "60000.00"
    );
    let bare = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--set",
            "min_attainment=75",
        ],
    );
    assert_eq!(bare.code, 2);
    assert!(bare.stderr.contains("write `75%`"), "{}", bare.stderr);
    let fraction = kpi_in(
        dir.path(),
        &[
            "eval",
            "p.kpi",
            "--data",
            "d.toml",
            "--set",
            "min_attainment=0.75",
        ],
    );
    assert_eq!(
        fraction.code, 1,
        "E-002 still divides by zero: {}",
        fraction.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_written_report_is_readable_like_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch(&[("p.kpi", POLICY), ("d.toml", DATA)]);
    kpi_in(
        dir.path(),
        &["eval", "p.kpi", "--data", "d.toml", "--output", "r.txt"],
    );
    let mode = std::fs::metadata(dir.path().join("r.txt"))
        .expect("written")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    let nowhere = kpi_in(
        dir.path(),
        &["eval", "p.kpi", "--data", "d.toml", "--output", "no/r.txt"],
    );
    assert!(
        nowhere.stderr.contains("the folder `no` does not exist"),
        "{}",
        nowhere.stderr
    );
}
