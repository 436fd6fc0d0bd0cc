//! The diff as JSON: exact decimal strings, as in the report.

use super::{Diff, SideResult};
use crate::value;
use rust_decimal::Decimal;
use serde::Serialize;
use std::io::{self, Write};

pub fn write_json(diff: &Diff, out: &mut impl Write) -> io::Result<()> {
    let places = diff.places;
    let fixed = |n: Decimal| value::fixed_string(n, places);
    let side = |info: &super::SideInfo| SideJson {
        policy: info.title.clone(),
        file: info.file.clone(),
        set: info.sets.clone(),
    };
    let employees = diff
        .employees
        .iter()
        .map(|employee| {
            let difference = employee.difference();
            EmployeeJson {
                id: &employee.id,
                name: employee.name.as_deref(),
                old_payout: employee.old.payout().map(fixed),
                new_payout: employee.new.payout().map(fixed),
                difference: difference.map(fixed),
                change: match difference {
                    None => "not_compared",
                    Some(d) if d > Decimal::ZERO => "gain",
                    Some(d) if d < Decimal::ZERO => "loss",
                    Some(_) => "unchanged",
                },
                lines: employee
                    .moved()
                    .filter_map(|(index, old, new, change)| {
                        Some(MovedJson {
                            line: &diff.lines.get(index)?.name,
                            old: fixed(old),
                            new: fixed(new),
                            difference: fixed(change),
                        })
                    })
                    .collect(),
                notes: employee.notes(),
                old_error: error(&employee.old),
                new_error: error(&employee.new),
            }
        })
        .collect();
    let totals = &diff.totals;
    let document = DiffJson {
        old: side(&diff.old),
        new: side(&diff.new),
        currency: &diff.currency,
        totals: TotalsJson {
            old: fixed(totals.old),
            new: fixed(totals.new),
            difference: fixed(totals.difference()),
            percent: totals.percent().map(value::exact_string),
            compared: totals.compared,
            gained: totals.gained,
            lost: totals.lost,
            unchanged: totals.unchanged,
            not_compared: totals.not_compared,
        },
        lines: diff
            .lines
            .iter()
            .map(|line| LineJson {
                name: &line.name,
                in_old: line.in_old,
                in_new: line.in_new,
                old_total: fixed(line.old_total),
                new_total: fixed(line.new_total),
                difference: fixed(line.difference()),
                employees_changed: line.changed,
            })
            .collect(),
        missing_inputs: diff
            .missing
            .iter()
            .map(|m| MissingJson {
                policy: m.side.word(),
                input: &m.input,
                count: m.employees.len(),
                of: m.of,
                employees: &m.employees,
                message: m.sentence(),
            })
            .collect(),
        employees,
    };
    serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

fn error(side: &SideResult) -> Option<ErrorJson<'_>> {
    match side {
        SideResult::Failed { code, message } => Some(ErrorJson { code, message }),
        SideResult::Absent => Some(ErrorJson {
            code: "kpi::diff::absent",
            message: "the employee is not in this policy's data",
        }),
        SideResult::Paid { .. } => None,
    }
}

#[derive(Serialize)]
struct DiffJson<'d> {
    old: SideJson,
    new: SideJson,
    currency: &'d str,
    totals: TotalsJson,
    lines: Vec<LineJson<'d>>,
    missing_inputs: Vec<MissingJson<'d>>,
    employees: Vec<EmployeeJson<'d>>,
}

#[derive(Serialize)]
struct SideJson {
    policy: String,
    file: String,
    set: Vec<String>,
}

#[derive(Serialize)]
struct TotalsJson {
    old: String,
    new: String,
    difference: String,
    /// The difference as a percentage of the old total (two decimals);
    /// null when the old total is zero.
    percent: Option<String>,
    compared: usize,
    gained: usize,
    lost: usize,
    unchanged: usize,
    not_compared: usize,
}

#[derive(Serialize)]
struct LineJson<'d> {
    name: &'d str,
    in_old: bool,
    in_new: bool,
    old_total: String,
    new_total: String,
    difference: String,
    employees_changed: usize,
}

#[derive(Serialize)]
struct MissingJson<'d> {
    policy: &'static str,
    input: &'d str,
    count: usize,
    of: usize,
    employees: &'d [String],
    message: String,
}

#[derive(Serialize)]
struct EmployeeJson<'d> {
    id: &'d str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'d str>,
    old_payout: Option<String>,
    new_payout: Option<String>,
    difference: Option<String>,
    /// `gain`, `loss`, `unchanged` or `not_compared`.
    change: &'static str,
    /// The bonus lines that moved.
    lines: Vec<MovedJson<'d>>,
    notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    old_error: Option<ErrorJson<'d>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new_error: Option<ErrorJson<'d>>,
}

#[derive(Serialize)]
struct MovedJson<'d> {
    line: &'d str,
    old: String,
    new: String,
    difference: String,
}

#[derive(Serialize)]
struct ErrorJson<'d> {
    code: &'d str,
    message: &'d str,
}
