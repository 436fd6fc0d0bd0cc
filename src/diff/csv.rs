//! The diff as CSV: one row per employee, in the diff's order, amounts
//! exact, each bonus line's old and new amount in its own columns.

use super::{Diff, SideResult};
use crate::value;
use rust_decimal::Decimal;
use std::io::{self, Write};

pub fn write_csv(diff: &Diff, out: &mut impl Write) -> io::Result<()> {
    let places = diff.places;
    let fixed = |n: Decimal| value::fixed_string(n, places);
    let mut writer = ::csv::Writer::from_writer(out);
    let mut header: Vec<String> = [
        "id",
        "name",
        "old_payout",
        "new_payout",
        "difference",
        "change",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    for line in &diff.lines {
        header.push(format!("old_{}", line.name));
        header.push(format!("new_{}", line.name));
    }
    header.extend(["notes", "old_error", "new_error"].map(String::from));
    writer.write_record(&header)?;
    for employee in &diff.employees {
        let difference = employee.difference();
        let mut row = vec![
            employee.id.clone(),
            employee.name.clone().unwrap_or_default(),
            employee.old.payout().map_or(String::new(), fixed),
            employee.new.payout().map_or(String::new(), fixed),
            difference.map_or(String::new(), fixed),
            match difference {
                None => "not_compared",
                Some(d) if d > Decimal::ZERO => "gain",
                Some(d) if d < Decimal::ZERO => "loss",
                Some(_) => "unchanged",
            }
            .to_string(),
        ];
        for (old, new) in &employee.lines {
            row.push(old.map_or(String::new(), fixed));
            row.push(new.map_or(String::new(), fixed));
        }
        row.push(employee.notes().join("; "));
        for side in [&employee.old, &employee.new] {
            row.push(match side {
                SideResult::Failed { code, .. } => code.clone(),
                SideResult::Absent => "kpi::diff::absent".to_string(),
                SideResult::Paid { .. } => String::new(),
            });
        }
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
