//! The result of a run, per employee, and its writers: JSON (reference §8),
//! CSV and an aligned table for people.

mod csv;
mod json;
mod pipeline;
mod table;

pub use csv::{CsvRows, write_csv};
pub use json::{JsonRows, write_json};
pub use pipeline::{CHUNK, Pipeline};
pub use table::{money, show, write_table};

use crate::data::Dataset;
use crate::eval::{Frame, Program};
use crate::plan::Plan;
use crate::value::Value;
use rust_decimal::Decimal;

/// The outcome of evaluating every employee of a dataset.
#[derive(Clone, Debug)]
pub struct Report<'p> {
    pub plan: &'p Plan,
    pub employees: Vec<EmployeeReport>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EmployeeReport {
    pub id: String,
    pub name: Option<String>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Paid(Payout),
    /// The employee could not be evaluated: a data or evaluation error.
    Failed {
        code: String,
        message: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Payout {
    /// One per kpi of the plan, in declaration order.
    pub kpis: Vec<Value>,
    /// One per bonus line, rounded, in declaration order.
    pub bonuses: Vec<Decimal>,
    /// Messages of the gates that failed.
    pub failed_gates: Vec<String>,
    pub capped: bool,
    pub payout: Decimal,
}

impl Report<'_> {
    /// The sum of the payouts of the employees without errors.
    pub fn total_payout(&self) -> Decimal {
        self.employees
            .iter()
            .filter_map(|employee| match &employee.outcome {
                Outcome::Paid(paid) => Some(paid.payout),
                Outcome::Failed { .. } => None,
            })
            .fold(Decimal::ZERO, |total, payout| {
                total.checked_add(payout).unwrap_or(Decimal::MAX)
            })
    }

    pub fn error_count(&self) -> usize {
        self.employees
            .iter()
            .filter(|employee| matches!(employee.outcome, Outcome::Failed { .. }))
            .count()
    }
}

/// What the end of a report says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub employees: usize,
    /// The sum of the payouts of the employees without errors.
    pub payout: Decimal,
    pub errors: usize,
}

impl Totals {
    pub fn add(&mut self, employee: &EmployeeReport) {
        self.employees += 1;
        match &employee.outcome {
            Outcome::Paid(paid) => {
                self.payout = self.payout.checked_add(paid.payout).unwrap_or(Decimal::MAX);
            }
            Outcome::Failed { .. } => self.errors += 1,
        }
    }
}

/// A report format written one employee at a time, so that a report of any
/// size streams out. `employee` only reads, so rows can be formatted in
/// parallel and written in order.
pub trait RowWriter: Sync {
    fn header(&self, out: &mut Vec<u8>);
    /// The employee's row; `index` counts employees from 0.
    fn employee(&self, index: usize, employee: &EmployeeReport, out: &mut Vec<u8>);
    fn footer(&self, totals: &Totals, out: &mut Vec<u8>);
}

/// Writes a whole report with a row writer.
fn write_rows(
    rows: &dyn RowWriter,
    report: &Report<'_>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut totals = Totals::default();
    rows.header(&mut buffer);
    for (index, employee) in report.employees.iter().enumerate() {
        rows.employee(index, employee, &mut buffer);
        totals.add(employee);
        if buffer.len() > 1 << 16 {
            out.write_all(&buffer)?;
            buffer.clear();
        }
    }
    rows.footer(&totals, &mut buffer);
    out.write_all(&buffer)
}

/// One employee evaluated, or why not; the error kept for diagnostics.
pub enum Evaluated {
    Paid(Payout),
    DataErrors(Vec<crate::data::DataError>),
    EvalError(crate::eval::EvalError),
}

/// An employee's aggregates over records, or why they have none.
pub type EmployeeAggregates = Result<Vec<Option<Value>>, crate::eval::EvalError>;

/// Evaluates one employee of a dataset, given its aggregates (empty when
/// the policy has none).
pub fn evaluate_employee(
    program: &Program<'_>,
    employee: &crate::data::Employee,
    aggregates: Option<&EmployeeAggregates>,
    frame: &mut Frame,
) -> Evaluated {
    let inputs = match &employee.inputs {
        Ok(inputs) => inputs,
        Err(errors) => return Evaluated::DataErrors(errors.clone()),
    };
    let aggregates: &[Option<Value>] = match aggregates {
        Some(Ok(values)) => values,
        Some(Err(error)) => return Evaluated::EvalError(error.clone()),
        None => &[],
    };
    match program.evaluate(inputs, aggregates, frame, &mut ()) {
        Ok(verdict) => {
            let plan = program.plan;
            let value = |slot| frame.get(slot).cloned().unwrap_or(Value::Bool(false));
            Evaluated::Paid(Payout {
                kpis: plan.kpis.iter().map(|slot| value(*slot)).collect(),
                bonuses: plan
                    .bonuses
                    .iter()
                    .map(|slot| value(*slot).as_num().unwrap_or_default())
                    .collect(),
                failed_gates: verdict
                    .failed_gates
                    .iter()
                    .map(|index| program.gates()[*index].message.clone())
                    .collect(),
                capped: verdict.capped,
                payout: verdict.payout,
            })
        }
        Err(error) => Evaluated::EvalError(error),
    }
}

/// What the report says of one evaluated employee.
pub fn employee_report(employee: &crate::data::Employee, evaluated: &Evaluated) -> EmployeeReport {
    let outcome = match evaluated {
        Evaluated::Paid(payout) => Outcome::Paid(payout.clone()),
        Evaluated::DataErrors(errors) => {
            let first = errors.first();
            Outcome::Failed {
                code: first.map(|e| e.code()).unwrap_or_default(),
                message: first.map(|e| e.to_string()).unwrap_or_default(),
            }
        }
        Evaluated::EvalError(error) => Outcome::Failed {
            code: error.code().to_string(),
            message: error.to_string(),
        },
    };
    EmployeeReport {
        id: employee.id.clone(),
        name: employee.name.clone(),
        outcome,
    }
}

/// Evaluates every employee of a dataset, in order, with their aggregates
/// (one per employee, or none when the policy has no records). Errors stay
/// with their employee; `on_error` sees each one (to print it).
pub fn evaluate<'p>(
    program: &Program<'p>,
    dataset: &Dataset,
    aggregates: &[EmployeeAggregates],
    mut on_error: impl FnMut(&crate::data::Employee, &Evaluated),
) -> Report<'p> {
    let mut frame = Frame::new(program);
    let employees = dataset
        .employees
        .iter()
        .enumerate()
        .map(|(index, employee)| {
            let evaluated = evaluate_employee(program, employee, aggregates.get(index), &mut frame);
            if !matches!(evaluated, Evaluated::Paid(_)) {
                on_error(employee, &evaluated);
            }
            employee_report(employee, &evaluated)
        })
        .collect();
    Report {
        plan: program.plan,
        employees,
    }
}
