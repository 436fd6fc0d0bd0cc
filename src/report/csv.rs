//! The CSV report: one row per employee, values exact as in the JSON
//! report (percents as fractions), for spreadsheets and payroll imports.

use super::{Outcome, Report};
use crate::value::{self, Value};
use std::io::Write;

pub fn write_csv(report: &Report<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let plan = report.plan;
    let places = plan.rounding;
    let mut writer = ::csv::Writer::from_writer(out);
    let mut header: Vec<&str> = vec!["id", "name"];
    header.extend(plan.kpis.iter().map(|slot| plan.slot(*slot).name.as_str()));
    header.extend(
        plan.bonuses
            .iter()
            .map(|slot| plan.slot(*slot).name.as_str()),
    );
    header.extend(["payout", "capped", "failed_gates", "error_code", "error"]);
    writer.write_record(&header)?;
    let blanks = plan.kpis.len() + plan.bonuses.len();
    for employee in &report.employees {
        let mut row: Vec<String> = vec![
            employee.id.clone(),
            employee.name.clone().unwrap_or_default(),
        ];
        match &employee.outcome {
            Outcome::Paid(paid) => {
                row.extend(paid.kpis.iter().map(cell));
                row.extend(paid.bonuses.iter().map(|b| value::fixed_string(*b, places)));
                row.push(value::fixed_string(paid.payout, places));
                row.push(paid.capped.to_string());
                row.push(paid.failed_gates.join("; "));
                row.extend([String::new(), String::new()]);
            }
            Outcome::Failed { code, message } => {
                row.extend(std::iter::repeat_n(String::new(), blanks + 3));
                row.extend([code.clone(), message.clone()]);
            }
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

fn cell(value: &Value) -> String {
    match value {
        Value::Num(n) => value::exact_string(*n),
        Value::Bool(b) => b.to_string(),
        Value::Text(t) => t.to_string(),
    }
}
