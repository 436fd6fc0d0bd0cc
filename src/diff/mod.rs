//! Two policies (or one policy with two sets of params) on the same data:
//! what each employee gains or loses, in total, and in which bonus lines
//! (`kpi diff`).
//!
//! Each side is evaluated on its own, as `kpi eval` would; [`compare`]
//! then matches employees by id. An employee that one side cannot evaluate
//! (a value the data lacks for that policy, a division by zero) is kept
//! with the reason and left out of the totals, which cover only employees
//! both sides paid or not.

mod csv;
mod json;
mod table;

pub use csv::write_csv;
pub use json::write_json;
pub use table::write_table;

use crate::data::{DataError, Dataset};
use crate::report::{Outcome, Report};
use crate::value;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One side of a diff: a policy evaluated on the data.
pub struct Side<'a, 'p> {
    pub report: &'a Report<'p>,
    pub dataset: &'a Dataset,
    /// Params set for this side (`--old-set`), as written: `rate=10%`.
    pub sets: &'a [String],
    /// The policy's file, as given.
    pub file: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Old,
    New,
}

impl Which {
    pub fn word(self) -> &'static str {
        match self {
            Which::Old => "old",
            Which::New => "new",
        }
    }
}

/// The comparison.
#[derive(Debug)]
pub struct Diff {
    pub old: SideInfo,
    pub new: SideInfo,
    pub currency: String,
    /// Decimal places money is shown with (the larger rounding).
    pub places: u32,
    /// Every bonus line of either policy: the old policy's in order, then
    /// the new policy's own.
    pub lines: Vec<LineDiff>,
    /// Employees both sides evaluated, by the size of the change (largest
    /// first, ties in data order); then the others, in data order.
    pub employees: Vec<EmployeeDiff>,
    pub totals: Totals,
    /// Inputs the data lacks, per side: which employees lack which input.
    pub missing: Vec<MissingInput>,
}

#[derive(Debug)]
pub struct SideInfo {
    pub title: String,
    pub file: String,
    pub sets: Vec<String>,
}

#[derive(Debug)]
pub struct LineDiff {
    pub name: String,
    pub in_old: bool,
    pub in_new: bool,
    /// Totals over the employees compared.
    pub old_total: Decimal,
    pub new_total: Decimal,
    /// Employees compared whose line changed.
    pub changed: usize,
}

impl LineDiff {
    pub fn difference(&self) -> Decimal {
        sub(self.new_total, self.old_total)
    }
}

#[derive(Debug)]
pub struct EmployeeDiff {
    pub id: String,
    pub name: Option<String>,
    pub old: SideResult,
    pub new: SideResult,
    /// Per line of [`Diff::lines`]: the old and new amount (None where the
    /// policy has no such line or the side failed).
    pub lines: Vec<(Option<Decimal>, Option<Decimal>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SideResult {
    Paid {
        payout: Decimal,
        capped: bool,
        failed_gates: Vec<String>,
    },
    Failed {
        code: String,
        message: String,
    },
    /// The employee is not in this side's data (never when both sides
    /// read the same file).
    Absent,
}

impl SideResult {
    pub fn payout(&self) -> Option<Decimal> {
        match self {
            SideResult::Paid { payout, .. } => Some(*payout),
            _ => None,
        }
    }
}

impl EmployeeDiff {
    /// New minus old, when both sides paid (or not).
    pub fn difference(&self) -> Option<Decimal> {
        Some(sub(self.new.payout()?, self.old.payout()?))
    }

    /// The lines whose amount changed: (line index, old, new, new - old).
    pub fn moved(&self) -> impl Iterator<Item = (usize, Decimal, Decimal, Decimal)> + '_ {
        let compared = self.difference().is_some();
        self.lines
            .iter()
            .enumerate()
            .filter(move |_| compared)
            .filter_map(|(index, (old, new))| {
                let (old, new) = (old.unwrap_or_default(), new.unwrap_or_default());
                (old != new).then(|| (index, old, new, sub(new, old)))
            })
    }

    /// What changed besides amounts: a gate, the cap.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let (
            SideResult::Paid {
                capped: old_capped,
                failed_gates: old_gates,
                ..
            },
            SideResult::Paid {
                capped: new_capped,
                failed_gates: new_gates,
                ..
            },
        ) = (&self.old, &self.new)
        {
            for gate in new_gates.iter().filter(|g| !old_gates.contains(g)) {
                notes.push(format!("now fails: {gate}"));
            }
            for gate in old_gates.iter().filter(|g| !new_gates.contains(g)) {
                notes.push(format!("no longer fails: {gate}"));
            }
            // Why lines moved and the payout did not.
            if self.moved().next().is_some() {
                for gate in new_gates.iter().filter(|g| old_gates.contains(g)) {
                    notes.push(format!("fails in both: {gate}"));
                }
            }
            match (old_capped, new_capped) {
                (false, true) => notes.push("now capped".to_string()),
                (true, false) => notes.push("no longer capped".to_string()),
                _ => {}
            }
        }
        for (which, side) in [(Which::Old, &self.old), (Which::New, &self.new)] {
            match side {
                SideResult::Failed { message, .. } => {
                    notes.push(format!("{} policy: {message}", which.word()));
                }
                SideResult::Absent => {
                    notes.push(format!("not in the {} policy's data", which.word()));
                }
                SideResult::Paid { .. } => {}
            }
        }
        notes
    }
}

#[derive(Debug, Default)]
pub struct Totals {
    /// Over the employees compared.
    pub old: Decimal,
    pub new: Decimal,
    /// Employees both sides evaluated, and of those how many gain, lose or
    /// keep the same payout.
    pub compared: usize,
    pub gained: usize,
    pub lost: usize,
    pub unchanged: usize,
    /// Employees one side or both could not evaluate.
    pub not_compared: usize,
}

impl Totals {
    pub fn difference(&self) -> Decimal {
        sub(self.new, self.old)
    }

    /// The change as a percentage of the old total, rounded to two
    /// decimals; None when the old total is zero.
    pub fn percent(&self) -> Option<Decimal> {
        let ratio = value::div(self.difference(), self.old).ok()?;
        Some(value::round(
            value::mul(ratio, Decimal::ONE_HUNDRED).ok()?,
            2,
        ))
    }
}

/// An input one policy needs that the data lacks for some employees.
#[derive(Debug)]
pub struct MissingInput {
    pub side: Which,
    pub input: String,
    /// Ids of the employees without it, in data order.
    pub employees: Vec<String>,
    /// How many employees the data has.
    pub of: usize,
}

fn sub(a: Decimal, b: Decimal) -> Decimal {
    a.checked_sub(b).unwrap_or(Decimal::MAX)
}

fn add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(Decimal::MAX)
}

/// Compares two evaluated sides of the same data.
pub fn compare(old: &Side<'_, '_>, new: &Side<'_, '_>) -> Diff {
    let (old_plan, new_plan) = (old.report.plan, new.report.plan);
    let old_lines: Vec<&str> = old_plan
        .bonuses
        .iter()
        .map(|slot| old_plan.slot(*slot).name.as_str())
        .collect();
    let new_lines: Vec<&str> = new_plan
        .bonuses
        .iter()
        .map(|slot| new_plan.slot(*slot).name.as_str())
        .collect();
    let mut lines: Vec<LineDiff> = old_lines
        .iter()
        .chain(new_lines.iter().filter(|name| !old_lines.contains(name)))
        .map(|name| LineDiff {
            name: name.to_string(),
            in_old: old_lines.contains(name),
            in_new: new_lines.contains(name),
            old_total: Decimal::ZERO,
            new_total: Decimal::ZERO,
            changed: 0,
        })
        .collect();
    // Where each side's lines go among all lines.
    let position = |names: &[&str]| -> Vec<usize> {
        names
            .iter()
            .map(|name| lines.iter().position(|l| l.name == *name).unwrap_or(0))
            .collect()
    };
    let (old_at, new_at) = (position(&old_lines), position(&new_lines));

    let new_by_id: HashMap<&str, usize> = new
        .report
        .employees
        .iter()
        .enumerate()
        .map(|(index, e)| (e.id.as_str(), index))
        .collect();
    let mut seen_new = vec![false; new.report.employees.len()];
    let mut employees: Vec<EmployeeDiff> = Vec::with_capacity(old.report.employees.len());
    for employee in &old.report.employees {
        let matched = new_by_id.get(employee.id.as_str()).copied();
        let new_outcome = matched.and_then(|index| {
            seen_new[index] = true;
            new.report.employees.get(index).map(|e| &e.outcome)
        });
        let mut amounts = vec![(None, None); lines.len()];
        fill(&mut amounts, Some(&employee.outcome), &old_at, |pair| {
            &mut pair.0
        });
        fill(&mut amounts, new_outcome, &new_at, |pair| &mut pair.1);
        employees.push(EmployeeDiff {
            id: employee.id.clone(),
            name: employee.name.clone(),
            old: side_result(Some(&employee.outcome)),
            new: side_result(new_outcome),
            lines: amounts,
        });
    }
    for (index, employee) in new.report.employees.iter().enumerate() {
        if seen_new[index] {
            continue;
        }
        let mut amounts = vec![(None, None); lines.len()];
        fill(&mut amounts, Some(&employee.outcome), &new_at, |pair| {
            &mut pair.1
        });
        employees.push(EmployeeDiff {
            id: employee.id.clone(),
            name: employee.name.clone(),
            old: SideResult::Absent,
            new: side_result(Some(&employee.outcome)),
            lines: amounts,
        });
    }

    let mut totals = Totals::default();
    for employee in &employees {
        let (Some(old_payout), Some(difference)) = (employee.old.payout(), employee.difference())
        else {
            totals.not_compared += 1;
            continue;
        };
        totals.compared += 1;
        totals.old = add(totals.old, old_payout);
        totals.new = add(totals.new, employee.new.payout().unwrap_or_default());
        match difference.cmp(&Decimal::ZERO) {
            std::cmp::Ordering::Greater => totals.gained += 1,
            std::cmp::Ordering::Less => totals.lost += 1,
            std::cmp::Ordering::Equal => totals.unchanged += 1,
        }
        for (line, (old_amount, new_amount)) in lines.iter_mut().zip(&employee.lines) {
            let (o, n) = (
                old_amount.unwrap_or_default(),
                new_amount.unwrap_or_default(),
            );
            line.old_total = add(line.old_total, o);
            line.new_total = add(line.new_total, n);
            if o != n {
                line.changed += 1;
            }
        }
    }
    // Largest change first; a stable sort keeps data order among equals,
    // and puts the employees not compared last.
    employees.sort_by(|a, b| match (a.difference(), b.difference()) {
        (Some(x), Some(y)) => y.abs().cmp(&x.abs()),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });

    let mut missing = missing_inputs(Which::Old, old.dataset);
    missing.extend(missing_inputs(Which::New, new.dataset));
    Diff {
        old: side_info(old),
        new: side_info(new),
        currency: new_plan.currency.clone(),
        places: old_plan.rounding.max(new_plan.rounding),
        lines,
        employees,
        totals,
        missing,
    }
}

fn side_info(side: &Side<'_, '_>) -> SideInfo {
    SideInfo {
        title: side.report.plan.title.clone(),
        file: side.file.to_string(),
        sets: side.sets.to_vec(),
    }
}

fn side_result(outcome: Option<&Outcome>) -> SideResult {
    match outcome {
        Some(Outcome::Paid(paid)) => SideResult::Paid {
            payout: paid.payout,
            capped: paid.capped,
            failed_gates: paid.failed_gates.clone(),
        },
        Some(Outcome::Failed { code, message }) => SideResult::Failed {
            code: code.clone(),
            message: message.clone(),
        },
        None => SideResult::Absent,
    }
}

/// Puts one side's line amounts at their places among all lines.
fn fill(
    amounts: &mut [(Option<Decimal>, Option<Decimal>)],
    outcome: Option<&Outcome>,
    at: &[usize],
    side: impl Fn(&mut (Option<Decimal>, Option<Decimal>)) -> &mut Option<Decimal>,
) {
    let Some(Outcome::Paid(paid)) = outcome else {
        return;
    };
    for (amount, index) in paid.bonuses.iter().zip(at) {
        if let Some(pair) = amounts.get_mut(*index) {
            *side(pair) = Some(*amount);
        }
    }
}

/// Which employees lack which input, from the data errors of one side.
fn missing_inputs(side: Which, dataset: &Dataset) -> Vec<MissingInput> {
    let mut missing: Vec<MissingInput> = Vec::new();
    for employee in &dataset.employees {
        let Err(errors) = &employee.inputs else {
            continue;
        };
        for error in errors {
            let DataError::MissingValue { input, .. } = error else {
                continue;
            };
            match missing.iter_mut().find(|m| &m.input == input) {
                Some(entry) => entry.employees.push(employee.id.clone()),
                None => missing.push(MissingInput {
                    side,
                    input: input.clone(),
                    employees: vec![employee.id.clone()],
                    of: dataset.employees.len(),
                }),
            }
        }
    }
    missing
}

impl MissingInput {
    /// `the new policy needs `bonus_adjust` (it has no default), which the
    /// data lacks for 3 of 20 employees (SM-001, SM-004, SM-009)`.
    pub fn sentence(&self) -> String {
        const SHOWN: usize = 5;
        let count = self.employees.len();
        let whom = if count == self.of {
            format!("has for none of the {} employees", self.of)
        } else {
            let mut ids: Vec<&str> = self
                .employees
                .iter()
                .take(SHOWN)
                .map(String::as_str)
                .collect();
            if count > SHOWN {
                ids.push("…");
            }
            format!(
                "lacks for {count} of {} employees ({})",
                self.of,
                ids.join(", ")
            )
        };
        format!(
            "the {} policy needs `{}` (it has no default), which the data {whom}",
            self.side.word(),
            self.input
        )
    }
}
