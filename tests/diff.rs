//! `kpi diff`, run as a user would; the numbers checked from its JSON and
//! CSV output.

use serde_json::Value;
mod common;
use common::kpi;

const SALES: &str = "policies/sales_manager.kpi";
const PROPOSAL: &str = "policies/sales_manager_2027.kpi";
const OCTOBER: &str = "policies/data/2026-10.toml";

fn diff_json(args: &[&str], code: i32) -> Value {
    let mut all = vec!["diff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let run = kpi(&all);
    assert_eq!(run.code, code, "{}", run.stderr);
    serde_json::from_str(&run.stdout).expect("the diff is JSON")
}

fn employee<'v>(document: &'v Value, id: &str) -> &'v Value {
    document["employees"]
        .as_array()
        .and_then(|list| list.iter().find(|e| e["id"] == id))
        .unwrap_or_else(|| panic!("no employee {id}"))
}

fn line<'v>(document: &'v Value, name: &str) -> &'v Value {
    document["lines"]
        .as_array()
        .and_then(|list| list.iter().find(|l| l["name"] == name))
        .unwrap_or_else(|| panic!("no line {name}"))
}

fn decimal(value: &Value) -> rust_decimal::Decimal {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a decimal string: {value}"))
}

#[test]
fn a_param_change_is_priced_without_editing_the_policy() {
    let document = diff_json(
        &[SALES, "--new-set", "target_bonus=45000", "--data", OCTOBER],
        0,
    );
    let totals = &document["totals"];
    // The report of `kpi eval` totals 832,319.36; every plan bonus paid
    // grows by an eighth (45,000 / 40,000).
    assert_eq!(totals["old"], "832319.36");
    assert_eq!(totals["new"], "918319.36");
    assert_eq!(totals["difference"], "86000.00");
    assert_eq!(totals["percent"], "10.33");
    assert_eq!(totals["compared"], 20);
    assert_eq!(totals["gained"], 16);
    assert_eq!(totals["lost"], 0);
    assert_eq!(totals["unchanged"], 4);
    assert_eq!(totals["not_compared"], 0);
    assert_eq!(document["new"]["set"][0], "target_bonus=45000");

    // Largest change first: 64,000 → 72,000 at the top tier.
    let first = &document["employees"][0];
    assert_eq!(first["id"], "SM-003");
    assert_eq!(first["old_payout"], "70065.12");
    assert_eq!(first["new_payout"], "78065.12");
    assert_eq!(first["difference"], "8000.00");
    assert_eq!(first["change"], "gain");
    assert_eq!(first["lines"][0]["line"], "plan_bonus");
    assert_eq!(first["lines"][0]["old"], "64000.00");
    assert_eq!(first["lines"][0]["new"], "72000.00");

    // A gated employee: the line moves, the payout does not.
    let on_hold = employee(&document, "SM-014");
    assert_eq!(on_hold["difference"], "0.00");
    assert_eq!(on_hold["change"], "unchanged");
    assert_eq!(on_hold["lines"][0]["difference"], "3000.00");
    assert_eq!(
        on_hold["notes"][0],
        "fails in both: Unresolved disciplinary case: bonus on hold"
    );

    let plan = line(&document, "plan_bonus");
    assert_eq!(plan["old_total"], "712000.00");
    assert_eq!(plan["new_total"], "801000.00");
    assert_eq!(plan["employees_changed"], 17);
    assert_eq!(line(&document, "quality_bonus")["employees_changed"], 0);
}

#[test]
fn a_proposed_policy_is_compared_employee_by_employee() {
    let document = diff_json(&[SALES, PROPOSAL, "--data", OCTOBER], 0);
    let totals = &document["totals"];
    assert_eq!(totals["old"], "832319.36");
    assert_eq!(totals["new"], "848619.36");
    assert_eq!(totals["difference"], "16300.00");
    assert_eq!(totals["percent"], "1.96");
    assert_eq!(
        (&totals["gained"], &totals["lost"], &totals["unchanged"]),
        (&Value::from(5), &Value::from(5), &Value::from(10))
    );

    // Sorted by the size of the change, largest first.
    let changes: Vec<rust_decimal::Decimal> = document["employees"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| decimal(&e["difference"]).abs())
        .collect();
    assert_eq!(changes.len(), 20);
    assert!(
        changes.windows(2).all(|pair| pair[0] >= pair[1]),
        "{changes:?}"
    );

    // 98.84% of plan: 0.6 → 0.75 of 40,000; 13 contracts: 3 × 1,500 → 5 × 1,200.
    let roman = employee(&document, "SM-020");
    assert_eq!(roman["old_payout"], "35400.00");
    assert_eq!(roman["new_payout"], "43800.00");
    assert_eq!(roman["difference"], "8400.00");
    // The top tier is lower: 64,000 → 60,000, partly made up by contracts.
    let vladimir = employee(&document, "SM-018");
    assert_eq!(vladimir["difference"], "-2800.00");
    assert_eq!(vladimir["change"], "loss");

    assert_eq!(line(&document, "contract_bonus")["old_total"], "40500.00");
    assert_eq!(line(&document, "contract_bonus")["new_total"], "50400.00");
    assert_eq!(line(&document, "contract_bonus")["employees_changed"], 8);

    // The totals are the sums of the rows.
    let sum = |key: &str| -> rust_decimal::Decimal {
        document["employees"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| decimal(&e[key]))
            .sum()
    };
    assert_eq!(sum("old_payout"), decimal(&totals["old"]));
    assert_eq!(sum("new_payout"), decimal(&totals["new"]));
    assert_eq!(sum("difference"), decimal(&totals["difference"]));
}

#[test]
fn inputs_the_data_lacks_are_summarised_and_the_rest_compared() {
    let run = kpi(&[
        "diff",
        SALES,
        "tests/fixtures/sales_manager_nps.kpi",
        "--data",
        "tests/fixtures/nps.csv",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "not everyone could be compared");
    assert!(
        run.stderr.contains(
            "the new policy needs `nps` (it has no default), which the data lacks for 2 of 4 employees (A-2, A-4)"
        ),
        "{}",
        run.stderr
    );
    let document: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let missing = &document["missing_inputs"][0];
    assert_eq!(missing["policy"], "new");
    assert_eq!(missing["input"], "nps");
    assert_eq!(missing["count"], 2);
    assert_eq!(missing["of"], 4);
    assert_eq!(missing["employees"][1], "A-4");

    let totals = &document["totals"];
    assert_eq!(totals["compared"], 2);
    assert_eq!(totals["not_compared"], 2);
    assert_eq!(totals["old"], "113960.00");
    assert_eq!(totals["new"], "85000.00");

    let second = employee(&document, "A-2");
    assert_eq!(second["change"], "not_compared");
    assert_eq!(second["old_payout"], "32800.00");
    assert!(second["new_payout"].is_null());
    assert_eq!(second["new_error"]["code"], "kpi::data::missing_value");
    // Employees not compared come last.
    assert_eq!(document["employees"][3]["change"], "not_compared");

    let nps = line(&document, "nps_bonus");
    assert_eq!(nps["in_old"], false);
    assert_eq!(nps["new_total"], "5000.00");
}

#[test]
fn the_table_reads_like_a_report() {
    let run = kpi(&["diff", SALES, PROPOSAL, "--data", OCTOBER]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first_row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("SM-"))
        .unwrap_or_default();
    assert!(
        first_row.starts_with("SM-020  Roman Tikhonov"),
        "{first_row}"
    );
    assert!(
        first_row.contains("35,400.00   43,800.00   +8,400.00  +23.73%"),
        "{first_row}"
    );
    assert!(
        run.stdout.contains(
            "old total 832,319.36 RUB, new total 848,619.36 RUB: +16,300.00 RUB (+1.96%)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("20 employees compared: 5 gain, 5 lose, 10 unchanged")
    );
}

#[test]
fn csv_has_a_row_per_employee_with_exact_amounts() {
    let run = kpi(&[
        "diff",
        SALES,
        "--old-set",
        "per_contract=1000",
        "--data",
        OCTOBER,
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(String::from).collect())
        .unwrap_or_default();
    assert_eq!(
        &header[..6],
        [
            "id",
            "name",
            "old_payout",
            "new_payout",
            "difference",
            "change"
        ]
    );
    assert!(header.contains(&"old_contract_bonus".to_string()));
    let rows: Vec<csv::StringRecord> = reader.records().filter_map(Result::ok).collect();
    assert_eq!(rows.len(), 20);
    // 17 contracts, 7 above ten: the largest change, so the first row.
    let column = |name: &str| header.iter().position(|h| h == name).unwrap_or(usize::MAX);
    let first = &rows[0];
    assert_eq!(&first[0], "SM-012");
    assert_eq!(&first[column("old_contract_bonus")], "7000.00");
    assert_eq!(&first[column("new_contract_bonus")], "10500.00");
    assert_eq!(&first[column("difference")], "3500.00");
}

#[test]
fn usage_errors_are_reported() {
    let run = kpi(&["diff", SALES, "--new-set", "target=1", "--data", OCTOBER]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("`--new-set target=…`: the policy has no param `target`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("target_bonus"),
        "a suggestion: {}",
        run.stderr
    );

    let run = kpi(&[
        "diff",
        SALES,
        "policies/sales_head.kpi",
        "--data",
        OCTOBER,
        "--records",
        "calls=x.csv",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("neither policy declares records `calls`"),
        "{}",
        run.stderr
    );

    let run = kpi(&["diff", SALES, "--data", "policies/data/missing.toml"]);
    assert_eq!(run.code, 2);
}

#[test]
fn policies_in_other_currencies_are_not_compared() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("usd.kpi");
    let text = std::fs::read_to_string(SALES)
        .expect("the policy")
        .replace("currency RUB", "currency USD")
        .replace(" RUB", " USD");
    std::fs::write(&path, text).expect("written");
    let path = path.display().to_string();
    let run = kpi(&["diff", SALES, &path, "--data", OCTOBER]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("pays in RUB and the new one in USD"),
        "{}",
        run.stderr
    );
}
