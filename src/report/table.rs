//! The report as an aligned table for people: money with thousands
//! separators and the policy's rounding, percentages as percentages, a
//! totals row, and a note per employee (failed gates, cap, errors).

use super::{Outcome, Report};
use crate::value::{self, Type, Value};
use rust_decimal::Decimal;
use std::io::Write;

pub fn write_table(report: &Report<'_>, out: &mut impl Write) -> std::io::Result<()> {
    let plan = report.plan;
    let places = plan.rounding;
    let with_names = report.employees.iter().any(|e| e.name.is_some());

    let mut header: Vec<String> = vec!["id".to_string()];
    if with_names {
        header.push("name".to_string());
    }
    let mut numeric = vec![false; header.len()];
    for slot in plan.kpis.iter().chain(&plan.bonuses) {
        let info = plan.slot(*slot);
        header.push(info.name.clone());
        numeric.push(!matches!(info.ty, Type::Text | Type::Bool));
    }
    header.push("payout".to_string());
    numeric.push(true);
    header.push("note".to_string());
    numeric.push(false);

    let kpi_types: Vec<Type> = plan.kpis.iter().map(|s| plan.slot(*s).ty).collect();
    let mut bonus_totals = vec![Decimal::ZERO; plan.bonuses.len()];
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(report.employees.len() + 1);
    for employee in &report.employees {
        let mut row = vec![employee.id.clone()];
        if with_names {
            row.push(employee.name.clone().unwrap_or_default());
        }
        match &employee.outcome {
            Outcome::Paid(paid) => {
                row.extend(
                    paid.kpis
                        .iter()
                        .zip(&kpi_types)
                        .map(|(value, ty)| show(value, *ty, places)),
                );
                for (index, amount) in paid.bonuses.iter().enumerate() {
                    bonus_totals[index] = bonus_totals[index]
                        .checked_add(*amount)
                        .unwrap_or(Decimal::MAX);
                    row.push(money(*amount, places));
                }
                row.push(money(paid.payout, places));
                let mut notes: Vec<String> = paid
                    .failed_gates
                    .iter()
                    .map(|message| format!("gate: {message}"))
                    .collect();
                if paid.capped {
                    notes.push("capped".to_string());
                }
                row.push(notes.join("; "));
            }
            Outcome::Failed { message, .. } => {
                row.extend(std::iter::repeat_n(
                    String::new(),
                    plan.kpis.len() + plan.bonuses.len() + 1,
                ));
                row.push(format!("error: {message}"));
            }
        }
        rows.push(row);
    }
    let mut totals = vec!["total".to_string()];
    if with_names {
        totals.push(match report.employees.len() {
            1 => "1 employee".to_string(),
            n => format!("{n} employees"),
        });
    }
    totals.extend(std::iter::repeat_n(String::new(), plan.kpis.len()));
    totals.extend(bonus_totals.iter().map(|total| money(*total, places)));
    totals.push(money(report.total_payout(), places));
    let errors = report.error_count();
    totals.push(match errors {
        0 => String::new(),
        1 => "1 employee with an error, not counted".to_string(),
        n => format!("{n} employees with errors, not counted"),
    });

    let widths: Vec<usize> = (0..header.len())
        .map(|column| {
            std::iter::once(&header)
                .chain(&rows)
                .chain(std::iter::once(&totals))
                .map(|row| row.get(column).map_or(0, |cell| cell.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |out: &mut dyn Write, row: &[String]| -> std::io::Result<()> {
        let mut text = String::new();
        for (column, cell) in row.iter().enumerate() {
            let pad = widths[column].saturating_sub(cell.chars().count());
            if column > 0 {
                text.push_str("  ");
            }
            if numeric[column] {
                text.extend(std::iter::repeat_n(' ', pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                if column + 1 < row.len() {
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &header)?;
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &rule)?;
    for row in &rows {
        line(out, row)?;
    }
    line(out, &rule)?;
    line(out, &totals)?;
    Ok(())
}

/// A value as people read it: `93.4%`, `12`, `0.5`, `125,000.50`.
pub fn show(value: &Value, ty: Type, places: u32) -> String {
    match (value, ty) {
        (Value::Num(n), Type::Money) => money(*n, places),
        (Value::Num(n), Type::Percent) => match value::mul(*n, Decimal::ONE_HUNDRED) {
            Ok(percent) => format!("{}%", value::exact_string(value::round(percent, 2))),
            Err(_) => value::exact_string(*n),
        },
        (Value::Num(n), _) => value::exact_string(value::round(*n, 4)),
        (Value::Bool(b), _) => if *b { "yes" } else { "no" }.to_string(),
        (Value::Text(t), _) => t.to_string(),
    }
}

/// An amount with thousands separators and exactly `places` decimals.
pub fn money(amount: Decimal, places: u32) -> String {
    let fixed = value::fixed_string(amount, places);
    let (sign, digits) = match fixed.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", fixed.as_str()),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn money_has_thousands_separators() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(money(d("1234567.891"), 2), "1,234,567.89");
        assert_eq!(money(d("-1234.5"), 2), "-1,234.50");
        assert_eq!(money(d("999"), 0), "999");
        assert_eq!(money(d("1000"), 0), "1,000");
    }

    #[test]
    fn percentages_show_as_percentages() {
        let v = Value::Num(Decimal::from_str("0.934").unwrap());
        assert_eq!(show(&v, Type::Percent, 2), "93.4%");
        assert_eq!(show(&v, Type::Number, 2), "0.934");
    }
}
