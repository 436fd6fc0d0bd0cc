//! Evaluating employees in chunks on every core and writing their rows in
//! order, as they come: memory holds one chunk, however many employees.

use super::{EmployeeAggregates, EmployeeReport, Evaluated, RowWriter, Totals};
use super::{employee_report, evaluate_employee};
use crate::data::Employee;
use crate::eval::{Frame, Program};
use rayon::prelude::*;
use std::io::Write;

/// How many employees are evaluated together: enough to keep every core
/// busy, few enough that a chunk's rows are small.
pub const CHUNK: usize = 1024;

pub struct Pipeline<'a, 'p, W: Write> {
    program: &'a Program<'p>,
    /// None: the rows are kept (for a format that needs them all, the table).
    rows: Option<&'a dyn RowWriter>,
    out: W,
    totals: Totals,
    kept: Vec<EmployeeReport>,
    buffer: Vec<u8>,
}

impl<'a, 'p, W: Write> Pipeline<'a, 'p, W> {
    /// Starts a report; with a row writer its header is written at once.
    pub fn new(program: &'a Program<'p>, rows: Option<&'a dyn RowWriter>, out: W) -> Self {
        let mut buffer = Vec::with_capacity(1 << 16);
        if let Some(rows) = rows {
            rows.header(&mut buffer);
        }
        Pipeline {
            program,
            rows,
            out,
            totals: Totals::default(),
            kept: Vec::new(),
            buffer,
        }
    }

    /// Evaluates `employees` in parallel and writes their rows in order.
    /// `aggregates` holds each one's aggregates (empty when the policy has
    /// none); `on_error` sees every employee with an error, in order.
    pub fn push(
        &mut self,
        employees: &[Employee],
        aggregates: &[EmployeeAggregates],
        mut on_error: impl FnMut(&Employee, &Evaluated),
    ) -> std::io::Result<()> {
        let program = self.program;
        let rows = self.rows;
        let first = self.totals.employees;
        let done: Vec<(Evaluated, EmployeeReport, Vec<u8>)> = employees
            .par_iter()
            .enumerate()
            .map_init(
                || Frame::new(program),
                |frame, (index, employee)| {
                    let evaluated =
                        evaluate_employee(program, employee, aggregates.get(index), frame);
                    let report = employee_report(employee, &evaluated);
                    let mut row = Vec::new();
                    if let Some(rows) = rows {
                        rows.employee(first + index, &report, &mut row);
                    }
                    (evaluated, report, row)
                },
            )
            .collect();
        for ((evaluated, report, row), employee) in done.into_iter().zip(employees) {
            if !matches!(evaluated, Evaluated::Paid(_)) {
                on_error(employee, &evaluated);
            }
            self.totals.add(&report);
            if self.rows.is_some() {
                self.buffer.extend_from_slice(&row);
            } else {
                self.kept.push(report);
            }
        }
        self.out.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// How many employees' rows have gone out.
    pub fn written(&self) -> usize {
        self.totals.employees
    }

    /// Ends the report: its totals, the rows kept (for the table), and the
    /// output, flushed.
    pub fn finish(mut self) -> std::io::Result<(Totals, Vec<EmployeeReport>, W)> {
        if let Some(rows) = self.rows {
            rows.footer(&self.totals, &mut self.buffer);
        }
        self.out.write_all(&self.buffer)?;
        self.out.flush()?;
        Ok((self.totals, self.kept, self.out))
    }
}
