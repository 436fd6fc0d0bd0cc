//! The CSV report: one row per employee, values exact as in the JSON
//! report (percents as fractions), for spreadsheets and payroll imports.

use super::{EmployeeReport, Outcome, Report, RowWriter, Totals};
use crate::plan::Plan;
use crate::value::{self, Value};
use std::io::Write;

pub fn write_csv(report: &Report<'_>, out: &mut impl Write) -> std::io::Result<()> {
    super::write_rows(&CsvRows { plan: report.plan }, report, out)
}

/// The CSV report, a row at a time. Columns: `id, name`, every kpi, every
/// bonus line, `payout, capped, failed_gates, error_code, error`.
pub struct CsvRows<'p> {
    pub plan: &'p Plan,
}

impl RowWriter for CsvRows<'_> {
    fn header(&self, out: &mut Vec<u8>) {
        let plan = self.plan;
        let mut cells: Vec<&str> = vec!["id", "name"];
        cells.extend(plan.kpis.iter().map(|slot| plan.slot(*slot).name.as_str()));
        cells.extend(
            plan.bonuses
                .iter()
                .map(|slot| plan.slot(*slot).name.as_str()),
        );
        cells.extend(["payout", "capped", "failed_gates", "error_code", "error"]);
        row(&cells, out);
    }

    fn employee(&self, _index: usize, employee: &EmployeeReport, out: &mut Vec<u8>) {
        let plan = self.plan;
        let places = plan.rounding;
        let mut cells: Vec<String> = Vec::with_capacity(plan.kpis.len() + plan.bonuses.len() + 7);
        cells.push(employee.id.clone());
        cells.push(employee.name.clone().unwrap_or_default());
        match &employee.outcome {
            Outcome::Paid(paid) => {
                cells.extend(paid.kpis.iter().map(cell));
                cells.extend(paid.bonuses.iter().map(|b| value::fixed_string(*b, places)));
                cells.push(value::fixed_string(paid.payout, places));
                cells.push(paid.capped.to_string());
                cells.push(paid.failed_gates.join("; "));
                cells.extend([String::new(), String::new()]);
            }
            Outcome::Failed { code, message } => {
                let blanks = plan.kpis.len() + plan.bonuses.len() + 3;
                cells.extend(std::iter::repeat_n(String::new(), blanks));
                cells.extend([code.clone(), message.clone()]);
            }
        }
        row(&cells, out);
    }

    fn footer(&self, _totals: &Totals, _out: &mut Vec<u8>) {}
}

/// Writes one CSV row, quoting cells as RFC 4180 asks.
fn row<S: AsRef<str>>(cells: &[S], out: &mut Vec<u8>) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        let cell = cell.as_ref();
        if cell.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(cell.as_bytes());
        }
    }
    out.push(b'\n');
}

fn cell(value: &Value) -> String {
    match value {
        Value::Num(n) => value::exact_string(*n),
        Value::Bool(b) => b.to_string(),
        Value::Text(t) => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_are_quoted_when_they_must_be() {
        let mut out = Vec::new();
        super::row(&["plain", "a,b", "say \"hi\"", "two\nlines", ""], &mut out);
        assert_eq!(
            String::from_utf8(out).ok(),
            Some("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n".to_string())
        );
    }
}
