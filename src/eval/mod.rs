//! Evaluation of one employee at a time over a bound [`Program`].
//!
//! A [`Frame`] holds one value per slot and is reused from one employee to
//! the next; steps run in dependency order, so every slot is written before
//! it is read. Nothing here looks up a name.

mod aggregate;
mod bind;
mod error;
pub(crate) mod expr;

pub use aggregate::Aggregator;
pub use bind::{Overrides, Program, bind};
pub use error::{BindError, EvalError};
pub use expr::Trace;

use crate::plan::Slot;
use crate::value::{self, Value};
use expr::{Env, Fault, FaultKind, boolean, eval, num};
use rust_decimal::Decimal;

/// Values of one employee's evaluation, by slot.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    slots: Vec<Option<Value>>,
}

impl Frame {
    pub fn new(program: &Program<'_>) -> Frame {
        Frame {
            slots: program.param_values.clone(),
        }
    }

    /// The value of a slot after evaluation (bonus lines rounded).
    pub fn get(&self, slot: Slot) -> Option<&Value> {
        self.slots.get(slot.index()).and_then(Option::as_ref)
    }

    /// Every slot's value (params included), so that expressions of the
    /// plan can be evaluated against an employee after the fact.
    pub(crate) fn slots(&self) -> &[Option<Value>] {
        &self.slots
    }
}

/// How an employee's payout came out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Indexes into the program's gates of those that failed, in order.
    pub failed_gates: Vec<usize>,
    /// The cap bit: the payout is the cap, not the sum of the lines.
    pub capped: bool,
    pub payout: Decimal,
}

impl Program<'_> {
    /// Evaluates one employee: `inputs` holds a value per input of the plan
    /// (in declaration order, defaults already applied), `aggregates` a
    /// value per aggregate (`None` for `avg`/`min`/`max` of no records).
    pub fn evaluate(
        &self,
        inputs: &[Value],
        aggregates: &[Option<Value>],
        frame: &mut Frame,
        trace: &mut impl Trace,
    ) -> Result<Verdict, EvalError> {
        if frame.slots.len() != self.param_values.len() {
            *frame = Frame::new(self);
        }
        for (input, value) in self.plan.inputs.iter().zip(inputs) {
            frame.slots[input.slot.index()] = Some(value.clone());
        }
        let places = self.plan.rounding;
        let mut sum = Decimal::ZERO;
        for (step, is_bonus) in self.steps.iter().zip(&self.step_is_bonus) {
            let env = Env {
                slots: &frame.slots,
                fields: &[],
                inputs,
                aggregates,
            };
            let mut value = eval(&step.expr, &env, trace).map_err(|f| self.error(*f, step.slot))?;
            if *is_bonus && let Value::Num(amount) = value {
                let rounded = value::round(amount, places);
                sum = sum
                    .checked_add(rounded)
                    .ok_or_else(|| EvalError::Overflow {
                        target: "payout".to_string(),
                        span: step.expr.span.into(),
                    })?;
                value = Value::Num(rounded);
            }
            frame.slots[step.slot.index()] = Some(value);
        }
        let env = Env {
            slots: &frame.slots,
            fields: &[],
            inputs,
            aggregates,
        };
        let mut failed_gates = Vec::new();
        for (index, gate) in self.gates.iter().enumerate() {
            let passed =
                boolean(&gate.cond, &env, trace).map_err(|fault| self.error_in(*fault, "gate"))?;
            if !passed {
                failed_gates.push(index);
            }
        }
        if !failed_gates.is_empty() {
            return Ok(Verdict {
                failed_gates,
                capped: false,
                payout: Decimal::ZERO,
            });
        }
        if let Some(cap) = &self.cap {
            let limit = num(cap, &env, trace).map_err(|fault| self.error_in(*fault, "cap"))?;
            let limit = value::round(limit, places);
            if sum > limit {
                return Ok(Verdict {
                    failed_gates,
                    capped: true,
                    payout: limit,
                });
            }
        }
        Ok(Verdict {
            failed_gates,
            capped: false,
            payout: sum,
        })
    }

    fn error(&self, fault: Fault, slot: Slot) -> EvalError {
        self.error_in(fault, &self.plan.slot(slot).name)
    }

    pub(crate) fn error_in(&self, fault: Fault, target: &str) -> EvalError {
        let target = target.to_string();
        let span = fault.span.into();
        match fault.kind {
            FaultKind::DivisionByZero => EvalError::DivisionByZero { target, span },
            FaultKind::Overflow => EvalError::Overflow { target, span },
            FaultKind::EmptyAggregate(index) => {
                let aggregate = self.aggregates.get(index as usize);
                EvalError::EmptyAggregate {
                    target,
                    func: aggregate.map_or("", |a| a.func.name()).to_string(),
                    set: aggregate
                        .and_then(|a| self.plan.record_sets.get(a.set))
                        .map_or(String::new(), |set| set.name.clone()),
                    span,
                }
            }
            kind @ (FaultKind::InvalidArgument(_) | FaultKind::Unavailable) => {
                EvalError::InvalidArgument {
                    target,
                    message: bind::describe(&kind),
                    span,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
