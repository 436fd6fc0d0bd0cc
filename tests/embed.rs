//! The library API another Rust program would use.

use kpi::report::Outcome;
use kpi::value::Value;
use kpi::{Policy, PolicyError, Row};
use rust_decimal::Decimal;

const POLICY: &str = r#"
policy "Embedded"
currency EUR
input revenue : money
input deals : count = 0
param rate = 5%
kpi per_deal : money = if deals > 0 then revenue / deals else 0
bonus commission = revenue * rate
gate deals > 0 else "No deals"
"#;

fn eur(n: i64) -> Value {
    Value::Num(Decimal::from(n))
}

#[test]
fn a_program_can_evaluate_rows_it_supplies() {
    let policy = Policy::parse(POLICY).expect("checks");
    let rows = vec![
        Row::new("A")
            .with("revenue", eur(1_000))
            .with("deals", eur(4)),
        Row::new("B").with("revenue", eur(500)),
        Row::new("C"),
        Row::new("D").with("revenue", Value::Text("lots".into())),
    ];
    let report = policy
        .evaluate(&rows, &[("rate", Value::Num(Decimal::new(1, 1)))])
        .expect("binds");
    let Outcome::Paid(a) = &report.employees[0].outcome else {
        panic!("A is paid")
    };
    assert_eq!(a.kpis, [Value::Num(Decimal::from(250))]);
    assert_eq!(a.bonuses, [Decimal::from(100)]);
    assert_eq!(a.payout, Decimal::from(100));
    let Outcome::Paid(b) = &report.employees[1].outcome else {
        panic!("B is evaluated")
    };
    assert_eq!(b.failed_gates, ["No deals"]);
    assert!(
        matches!(&report.employees[2].outcome, Outcome::Failed { code, .. } if code == "kpi::data::missing_value")
    );
    assert!(
        matches!(&report.employees[3].outcome, Outcome::Failed { code, .. } if code == "kpi::data::wrong_type")
    );
    assert_eq!(report.total_payout(), Decimal::from(100));
    assert_eq!(report.error_count(), 2);
}

#[test]
fn invalid_policies_return_every_error() {
    let Err(PolicyError::Check(errors)) =
        Policy::parse("policy \"x\"\ncurrency EUR\nkpi a = b\nkpi c = d")
    else {
        panic!("two unknown names")
    };
    assert_eq!(errors.len(), 2);
    let Err(error) = Policy::parse("policy \"x\"\nkpi = ") else {
        panic!("a syntax error")
    };
    assert_eq!(error.diagnostics().len(), 1);
}
