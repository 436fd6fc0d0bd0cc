//! The diff as an aligned table for people, with totals, the lines that
//! moved and the inputs the data lacks.

use super::Diff;
use crate::report::money;
use rust_decimal::Decimal;
use std::io::{self, Write};

pub fn write_table(diff: &Diff, out: &mut impl Write) -> io::Result<()> {
    let places = diff.places;
    let money = |n: Decimal| money(n, places);
    let signed = |n: Decimal| {
        if n > Decimal::ZERO {
            format!("+{}", money(n))
        } else {
            money(n)
        }
    };
    for (label, side) in [("old", &diff.old), ("new", &diff.new)] {
        let mut line = format!("{label}: {} ({})", side.file, side.title);
        if !side.sets.is_empty() {
            line.push_str(&format!(" with {}", side.sets.join(", ")));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;

    let with_names = diff.employees.iter().any(|e| e.name.is_some());
    let mut header = vec!["id"];
    if with_names {
        header.push("name");
    }
    header.extend([
        "old payout",
        "new payout",
        "difference",
        "change",
        "what moved",
    ]);
    let numeric: Vec<bool> = header
        .iter()
        .map(|h| matches!(*h, "old payout" | "new payout" | "difference" | "change"))
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::with_capacity(diff.employees.len());
    for employee in &diff.employees {
        let mut row = vec![employee.id.clone()];
        if with_names {
            row.push(employee.name.clone().unwrap_or_default());
        }
        let old = employee.old.payout();
        let new = employee.new.payout();
        row.push(old.map_or("—".to_string(), money));
        row.push(new.map_or("—".to_string(), money));
        let difference = employee.difference();
        row.push(difference.map_or(String::new(), signed));
        row.push(match (difference, old) {
            (Some(d), Some(o)) if !o.is_zero() && !d.is_zero() => percent(d, o),
            (Some(d), Some(_)) if !d.is_zero() => "new".to_string(),
            _ => String::new(),
        });
        let mut moved: Vec<String> = employee
            .moved()
            .filter_map(|(index, _, _, change)| {
                let line = diff.lines.get(index)?;
                Some(format!("{} {}", line.name, signed(change)))
            })
            .collect();
        moved.extend(employee.notes());
        row.push(moved.join("; "));
        rows.push(row);
    }
    let totals = &diff.totals;
    let mut total_row = vec!["total".to_string()];
    if with_names {
        total_row.push(format!("{} compared", totals.compared));
    }
    total_row.push(money(totals.old));
    total_row.push(money(totals.new));
    total_row.push(signed(totals.difference()));
    total_row.push(totals.percent().map_or(String::new(), |p| {
        format!("{}{}%", if p > Decimal::ZERO { "+" } else { "" }, p)
    }));
    total_row.push(String::new());
    aligned(out, &header, &numeric, &rows, &total_row)?;

    writeln!(out)?;
    writeln!(
        out,
        "old total {} {}, new total {} {}: {} {}{}",
        money(totals.old),
        diff.currency,
        money(totals.new),
        diff.currency,
        signed(totals.difference()),
        diff.currency,
        totals.percent().map_or(String::new(), |p| format!(
            " ({}{}%)",
            if p > Decimal::ZERO { "+" } else { "" },
            p
        ))
    )?;
    writeln!(
        out,
        "{} employees compared: {} gain, {} lose, {} unchanged{}",
        totals.compared,
        totals.gained,
        totals.lost,
        totals.unchanged,
        match totals.not_compared {
            0 => String::new(),
            n => format!("; {n} not compared (see below)"),
        }
    )?;

    writeln!(
        out,
        "\nbonus lines (before gates and cap; totals over the employees compared):"
    )?;
    let line_rows: Vec<Vec<String>> = diff
        .lines
        .iter()
        .map(|line| {
            let side = |present: bool, total: Decimal| {
                if present {
                    money(total)
                } else {
                    "—".to_string()
                }
            };
            let note = match (line.in_old, line.in_new, line.changed) {
                (true, false, _) => "only in the old policy".to_string(),
                (false, true, _) => "only in the new policy".to_string(),
                (_, _, 0) => "unchanged".to_string(),
                (_, _, 1) => "moved for 1 employee".to_string(),
                (_, _, n) => format!("moved for {n} employees"),
            };
            vec![
                format!("  {}", line.name),
                side(line.in_old, line.old_total),
                "→".to_string(),
                side(line.in_new, line.new_total),
                signed(line.difference()),
                note,
            ]
        })
        .collect();
    let line_numeric = [false, true, false, true, true, false];
    aligned_rows(out, &line_numeric, &line_rows)?;

    if !diff.missing.is_empty() {
        writeln!(out, "\nmissing inputs:")?;
        for missing in &diff.missing {
            writeln!(out, "  {}", missing.sentence())?;
        }
    }
    Ok(())
}

/// `+11.17%`: a change as a percentage of `of`, two decimals.
fn percent(change: Decimal, of: Decimal) -> String {
    let Ok(ratio) = crate::value::div(change, of) else {
        return String::new();
    };
    let Ok(percent) = crate::value::mul(ratio, Decimal::ONE_HUNDRED) else {
        return String::new();
    };
    let percent = crate::value::round(percent, 2);
    let sign = if percent > Decimal::ZERO { "+" } else { "" };
    format!("{sign}{percent}%")
}

/// Header, rule, rows, rule, totals.
fn aligned(
    out: &mut impl Write,
    header: &[&str],
    numeric: &[bool],
    rows: &[Vec<String>],
    totals: &[String],
) -> io::Result<()> {
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let widths = widths(
        std::iter::once(&header)
            .chain(rows)
            .chain(std::iter::once(&totals.to_vec())),
    );
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(out, &widths, numeric, &header)?;
    line(out, &widths, numeric, &rule)?;
    for row in rows {
        line(out, &widths, numeric, row)?;
    }
    line(out, &widths, numeric, &rule)?;
    line(out, &widths, numeric, totals)
}

fn aligned_rows(out: &mut impl Write, numeric: &[bool], rows: &[Vec<String>]) -> io::Result<()> {
    let widths = widths(rows.iter());
    for row in rows {
        line(out, &widths, numeric, row)?;
    }
    Ok(())
}

fn widths<'r>(rows: impl Iterator<Item = &'r Vec<String>>) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (column, cell) in row.iter().enumerate() {
            let width = cell.chars().count();
            match widths.get_mut(column) {
                Some(w) => *w = (*w).max(width),
                None => widths.push(width),
            }
        }
    }
    widths
}

fn line(
    out: &mut impl Write,
    widths: &[usize],
    numeric: &[bool],
    row: &[String],
) -> io::Result<()> {
    let mut text = String::new();
    for (column, cell) in row.iter().enumerate() {
        let pad = widths
            .get(column)
            .copied()
            .unwrap_or(0)
            .saturating_sub(cell.chars().count());
        if column > 0 {
            text.push_str("  ");
        }
        if numeric.get(column).copied().unwrap_or(false) {
            text.extend(std::iter::repeat_n(' ', pad));
            text.push_str(cell);
        } else {
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', pad));
        }
    }
    writeln!(out, "{}", text.trim_end())
}
