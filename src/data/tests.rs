use super::*;
use crate::testing::{codes, plan};
use crate::value::exact_string;

const POLICY: &str = "input revenue : money\ninput share : percent = 0%\ninput deals : count = 0\ninput active : bool = true\ninput region : text = \"north\"";

/// An employee's inputs as text, or the codes of its errors.
type Inputs = Result<Vec<String>, Vec<String>>;

/// Each employee's id and inputs.
fn read(format: Format, text: &str) -> Vec<(String, Inputs)> {
    let plan = plan(POLICY);
    let dataset = read_employees(&plan, format, text).unwrap_or_else(|errors| {
        panic!("file errors: {:?}", codes(&errors));
    });
    dataset
        .employees
        .into_iter()
        .map(|employee| {
            let inputs = match employee.inputs {
                Ok(values) => Ok(values
                    .iter()
                    .map(|value| match value {
                        Value::Num(n) => exact_string(*n),
                        Value::Bool(b) => b.to_string(),
                        Value::Text(t) => t.to_string(),
                    })
                    .collect()),
                Err(errors) => Err(codes(&errors)),
            };
            (employee.id, inputs)
        })
        .collect()
}

fn file_errors(format: Format, text: &str) -> Vec<String> {
    match read_employees(&plan(POLICY), format, text) {
        Ok(_) => Vec::new(),
        Err(errors) => codes(&errors),
    }
}

fn ok(values: &[&str]) -> Inputs {
    Ok(values.iter().map(|v| v.to_string()).collect())
}

#[test]
fn toml_numbers_are_read_exactly_as_written() {
    let text = "[[employee]]\nid = \"E1\"\nrevenue = 0.1\nshare = \"85%\"\ndeals = 12\n\n[[employee]]\nid = 42\nrevenue = 1_000_000.50\nshare = 0.5\nactive = false\nregion = \"south\"\n\n[[employee]]\nid = \"E3\"\nrevenue = \"12345678901234567.89\"\nshare = 1e-1\n";
    assert_eq!(
        read(Format::Toml, text),
        [
            (
                "E1".to_string(),
                ok(&["0.1", "0.85", "12", "true", "north"])
            ),
            (
                "42".to_string(),
                ok(&["1000000.5", "0.5", "0", "false", "south"])
            ),
            (
                "E3".to_string(),
                ok(&["12345678901234567.89", "0.1", "0", "true", "north"])
            ),
        ]
    );
}

#[test]
fn csv_as_spreadsheets_write_it() {
    let text = "\u{FEFF}id,name,revenue,share,deals,active,region\r\nE1,\"Petrova, Anna\",125000.50,85%,3,TRUE,\r\nE2,Ivan,0.1,,,,\"east\"\r\n";
    assert_eq!(
        read(Format::Csv, text),
        [
            (
                "E1".to_string(),
                ok(&["125000.5", "0.85", "3", "true", "north"])
            ),
            ("E2".to_string(), ok(&["0.1", "0", "0", "true", "east"])),
        ]
    );
    let dataset = read_employees(&plan(POLICY), Format::Csv, text).expect("reads");
    assert_eq!(dataset.employees[0].name.as_deref(), Some("Petrova, Anna"));
}

#[test]
fn json_numbers_are_read_exactly_as_written() {
    let text = r#"{"employee": [
        {"id": "J1", "revenue": 0.1, "deals": 2, "active": true, "region": "A"},
        {"id": 7, "revenue": "12345678901234567.89", "share": null}
    ]}"#;
    assert_eq!(
        read(Format::Json, text),
        [
            ("J1".to_string(), ok(&["0.1", "0", "2", "true", "A"])),
            (
                "7".to_string(),
                ok(&["12345678901234567.89", "0", "0", "true", "north"])
            ),
        ]
    );
}

#[test]
fn row_problems_stay_with_the_employee() {
    let text = "id,revenue,deals,active,share\nE1,,1,true,0\nE2,5,1.5,true,0\nE3,5,-1,true,0\nE4,abc,1,maybe,0\nE5,1234567890123456789012345678901234567890,0,true,0\nE6,5 EUR,0,true,0\nE7,5,0,true,0";
    let read = read(Format::Csv, text);
    let errors: Vec<Vec<String>> = read
        .iter()
        .map(|(_, inputs)| inputs.clone().err().unwrap_or_default())
        .collect();
    assert_eq!(errors[0], ["kpi::data::missing_value"]);
    assert_eq!(errors[1], ["kpi::data::invalid_value"]);
    assert_eq!(errors[2], ["kpi::data::invalid_value"]);
    assert_eq!(
        errors[3],
        ["kpi::data::invalid_value", "kpi::data::invalid_value"]
    );
    assert_eq!(errors[4], ["kpi::data::invalid_value"]);
    assert_eq!(errors[5], ["kpi::data::invalid_value"]);
    assert!(errors[6].is_empty());
}

#[test]
fn wrong_types_in_toml_and_json_are_reported() {
    let toml = "[[employee]]\nid = \"E1\"\nrevenue = true\nregion = 5\n";
    assert_eq!(
        read(Format::Toml, toml)[0].1,
        Err(vec![
            "kpi::data::wrong_type".to_string(),
            "kpi::data::wrong_type".to_string()
        ])
    );
    let json = r#"{"employee": [{"id": "E1", "revenue": [1], "active": "yes"}]}"#;
    assert_eq!(
        read(Format::Json, json)[0].1,
        Err(vec![
            "kpi::data::wrong_type".to_string(),
            "kpi::data::invalid_value".to_string()
        ])
    );
}

#[test]
fn file_problems_stop_the_run() {
    assert_eq!(
        file_errors(
            Format::Toml,
            "[[employee]]\nid = \"E1\"\nrevenue = 1\n\n[[employee]]\nid = \"E1\"\nrevenue = 2\n"
        ),
        ["kpi::data::duplicate_id"]
    );
    assert_eq!(
        file_errors(Format::Toml, "[[employee]\nid = 1"),
        ["kpi::data::malformed"]
    );
    assert_eq!(
        file_errors(Format::Toml, "title = 1"),
        ["kpi::data::no_employees"]
    );
    assert_eq!(
        file_errors(Format::Json, "{\"employee\": [1,]}"),
        ["kpi::data::malformed"]
    );
    assert_eq!(file_errors(Format::Json, "[]"), ["kpi::data::no_employees"]);
    assert_eq!(
        file_errors(Format::Csv, "name,revenue\nA,1\nB,2"),
        ["kpi::data::no_employees"]
    );
    assert_eq!(
        file_errors(Format::Csv, "id,revenue\nE1,1,3"),
        ["kpi::data::malformed"]
    );
    assert_eq!(
        file_errors(Format::Csv, "id,revenue\n,1"),
        ["kpi::data::missing_id"]
    );
    assert_eq!(
        file_errors(Format::Toml, "[[employee]]\nid = 1.5\nrevenue = 1"),
        ["kpi::data::bad_id"]
    );
}

#[test]
fn unknown_columns_are_warnings_with_suggestions() {
    let text = "id,revenu,bonus_note\nE1,1,x\n";
    let dataset = read_employees(&plan(POLICY), Format::Csv, text).expect("reads");
    assert_eq!(
        codes(&dataset.warnings),
        ["kpi::data::unknown_column", "kpi::data::unknown_column"]
    );
    let help = miette::Diagnostic::help(&dataset.warnings[0]).map(|h| h.to_string());
    assert_eq!(help.as_deref(), Some("did you mean `revenue`?"));
    assert_eq!(
        codes(
            &dataset.employees[0]
                .inputs
                .clone()
                .err()
                .unwrap_or_default()
        ),
        ["kpi::data::missing_value"]
    );
}

#[test]
fn records_are_typed_and_matched_to_employees() {
    let plan = plan(
        "input plan : money\nrecords deals {\n  amount : money\n  stage : text\n  margin : percent = 0%\n}\nkpi won : money = sum(deals.amount where stage == \"won\")",
    );
    let people = read_employees(&plan, Format::Csv, "id,plan\nE1,1\nE2,2\n").expect("reads");
    let employees = EmployeeIndex::new(&people.employees);
    let text = "employee,amount,stage,margin\nE2,10,won,\nE1,20.5,lost,5%\n";
    let mut seen = Vec::new();
    let read = read_records(
        &plan,
        RecordSource {
            set: 0,
            format: Format::Csv,
            source: Source::Text(text),
        },
        &employees,
        |employee, fields| {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| match f {
                    Value::Num(n) => exact_string(*n),
                    Value::Text(t) => t.to_string(),
                    Value::Bool(b) => b.to_string(),
                })
                .collect();
            seen.push((employee, fields));
        },
    )
    .expect("reads");
    assert_eq!(read.count, 2);
    assert_eq!(
        seen,
        [
            (
                1,
                vec!["10".to_string(), "won".to_string(), "0".to_string()]
            ),
            (
                0,
                vec!["20.5".to_string(), "lost".to_string(), "0.05".to_string()]
            ),
        ]
    );
    let unknown = "employee,amount,stage\nE9,1,won\n";
    let errors = read_records(
        &plan,
        RecordSource {
            set: 0,
            format: Format::Csv,
            source: Source::Text(unknown),
        },
        &employees,
        |_, _| {},
    )
    .expect_err("E9 is unknown");
    assert_eq!(codes(&errors), ["kpi::data::unknown_employee"]);
}

#[test]
fn crlf_rows_are_placed_on_their_own_line() {
    let text = "id,revenue\r\nE1,1\r\nE2,abc\r\nE3,2\r\n";
    let dataset = read_employees(&plan(POLICY), Format::Csv, text).expect("reads");
    let Err(errors) = &dataset.employees[1].inputs else {
        panic!("E2's revenue is not a number")
    };
    let offset = errors
        .iter()
        .find_map(|e| miette::Diagnostic::labels(e).and_then(|mut l| l.next()))
        .map(|label| label.offset())
        .expect("a label");
    assert_eq!(&text[offset..offset + 6], "E2,abc", "points at {offset}");
}
