//! Aggregates over activity records (reference §10), accumulated one record
//! at a time: memory is one small state per employee and aggregate, never
//! the records themselves.

use super::expr::{Env, Fault, boolean, eval};
use super::{EvalError, Program};
use crate::plan::AggregateFunc;
use crate::value::{self, Value};
use rust_decimal::Decimal;
use rustc_hash::FxHashSet;

/// Running state of one aggregate for one employee.
#[derive(Clone, Debug)]
enum State {
    Count(u64),
    Sum(Decimal),
    Avg(Decimal, u64),
    Min(Option<Decimal>),
    Max(Option<Decimal>),
    /// Boxed so that the other states stay small: a `HashSet` is 48
    /// bytes, a box 8, and most states are sums and counts.
    Distinct(Option<Box<FxHashSet<Value>>>),
}

impl State {
    fn new(func: AggregateFunc) -> State {
        match func {
            AggregateFunc::Count => State::Count(0),
            AggregateFunc::Sum => State::Sum(Decimal::ZERO),
            AggregateFunc::Avg => State::Avg(Decimal::ZERO, 0),
            AggregateFunc::Min => State::Min(None),
            AggregateFunc::Max => State::Max(None),
            AggregateFunc::Distinct => State::Distinct(None),
        }
    }

    /// The aggregate's value; None for `avg`, `min`, `max` of no records.
    fn value(&self) -> Result<Option<Value>, value::ArithError> {
        Ok(match self {
            State::Count(n) => Some(Value::Num(Decimal::from(*n))),
            State::Sum(sum) => Some(Value::Num(*sum)),
            State::Avg(_, 0) => None,
            State::Avg(sum, n) => Some(Value::Num(value::div(*sum, Decimal::from(*n))?)),
            State::Min(m) | State::Max(m) => m.map(Value::Num),
            State::Distinct(set) => Some(Value::Num(Decimal::from(
                set.as_ref().map_or(0, |set| set.len()),
            ))),
        })
    }
}

/// The aggregates of every employee of a run.
pub struct Aggregator<'a, 'p> {
    program: &'a Program<'p>,
    /// Per record set, the aggregates over it, each with the index of its
    /// filter in `filters` of the set.
    by_set: Vec<Vec<(usize, Option<usize>)>>,
    /// Per record set, its different `where` conditions: aggregates that
    /// share one (`sum(deals.amount where won)`, `count(deals where won)`)
    /// have it evaluated once a record.
    filters: Vec<Vec<&'a crate::plan::Expr>>,
    /// Scratch: the filters' outcomes for the record being added.
    passed: Vec<bool>,
    /// Employees × aggregates.
    states: Vec<State>,
    /// The first error of each employee, if any.
    errors: Vec<Option<EvalError>>,
}

impl<'a, 'p> Aggregator<'a, 'p> {
    pub fn new(program: &'a Program<'p>, employees: usize) -> Self {
        let aggregates = program.aggregates();
        let sets = program.plan.record_sets.len();
        let mut by_set = vec![Vec::new(); sets];
        let mut filters: Vec<Vec<&crate::plan::Expr>> = vec![Vec::new(); sets];
        for (index, aggregate) in aggregates.iter().enumerate() {
            let (Some(list), Some(known)) = (
                by_set.get_mut(aggregate.set),
                filters.get_mut(aggregate.set),
            ) else {
                continue;
            };
            let filter = aggregate.filter.as_ref().map(|filter| {
                known.iter().position(|f| *f == filter).unwrap_or_else(|| {
                    known.push(filter);
                    known.len() - 1
                })
            });
            list.push((index, filter));
        }
        let fresh: Vec<State> = aggregates.iter().map(|a| State::new(a.func)).collect();
        let mut states = Vec::with_capacity(employees * fresh.len());
        for _ in 0..employees {
            states.extend(fresh.iter().cloned());
        }
        Aggregator {
            program,
            by_set,
            filters,
            passed: Vec::new(),
            states,
            errors: vec![None; employees],
        }
    }

    /// Adds one record of `set` belonging to `employee`, whose inputs are
    /// `inputs` (aggregates may read them, e.g. in `where`).
    pub fn add(&mut self, employee: usize, set: usize, fields: &[Value], inputs: &[Value]) {
        if self.errors.get(employee).is_none_or(Option::is_some) {
            return;
        }
        let Some(list) = self.by_set.get(set) else {
            return;
        };
        let count = self.program.aggregates().len();
        let env = Env {
            slots: &[],
            fields,
            inputs,
            aggregates: &[],
        };
        let program = self.program;
        let fail = |fault: Box<Fault>, index: usize| {
            let aggregate = &program.aggregates()[index];
            program.error_in(*fault, &format!("{}(…)", aggregate.func.name()))
        };
        self.passed.clear();
        for (number, filter) in self.filters[set].iter().enumerate() {
            match boolean(filter, &env, &mut ()) {
                Ok(passed) => self.passed.push(passed),
                Err(fault) => {
                    // Report it against the first aggregate with this filter.
                    let index = list
                        .iter()
                        .find(|(_, f)| *f == Some(number))
                        .map_or(0, |(index, _)| *index);
                    self.errors[employee] = Some(fail(fault, index));
                    return;
                }
            }
        }
        for &(index, filter) in list {
            if filter.is_some_and(|f| !self.passed[f]) {
                continue;
            }
            let aggregate = &program.aggregates()[index];
            let value = match &aggregate.value {
                Some(expr) => match eval(expr, &env, &mut ()) {
                    Ok(value) => Some(value),
                    Err(fault) => {
                        self.errors[employee] = Some(fail(fault, index));
                        return;
                    }
                },
                None => None,
            };
            let state = &mut self.states[employee * count + index];
            if let Err(kind) = update(state, value) {
                let fault = Box::new(Fault {
                    kind,
                    span: aggregate.span,
                });
                self.errors[employee] = Some(fail(fault, index));
                return;
            }
        }
    }

    /// Each employee's aggregate values, or the error that stopped them.
    pub fn finish(self) -> Vec<Result<Vec<Option<Value>>, EvalError>> {
        let count = self.program.aggregates().len();
        let program = self.program;
        self.errors
            .into_iter()
            .enumerate()
            .map(|(employee, error)| match error {
                Some(error) => Err(error),
                None => {
                    let states = &self.states[employee * count..(employee + 1) * count];
                    states
                        .iter()
                        .zip(program.aggregates())
                        .map(|(state, aggregate)| {
                            state.value().map_err(|_| EvalError::Overflow {
                                target: format!("{}(…)", aggregate.func.name()),
                                span: aggregate.span.into(),
                            })
                        })
                        .collect()
                }
            })
            .collect()
    }
}

fn update(state: &mut State, value: Option<Value>) -> Result<(), super::expr::FaultKind> {
    use super::expr::FaultKind;
    let number = |value: &Option<Value>| value.as_ref().and_then(Value::as_num);
    let overflow = |_| FaultKind::Overflow;
    match state {
        State::Count(n) => *n += 1,
        State::Sum(sum) => {
            if let Some(x) = number(&value) {
                *sum = value::add(*sum, x).map_err(overflow)?;
            }
        }
        State::Avg(sum, n) => {
            if let Some(x) = number(&value) {
                *sum = value::add(*sum, x).map_err(overflow)?;
                *n += 1;
            }
        }
        State::Min(m) => {
            if let Some(x) = number(&value) {
                *m = Some(m.map_or(x, |m| m.min(x)));
            }
        }
        State::Max(m) => {
            if let Some(x) = number(&value) {
                *m = Some(m.map_or(x, |m| m.max(x)));
            }
        }
        State::Distinct(set) => {
            if let Some(value) = value {
                set.get_or_insert_with(Default::default).insert(value);
            }
        }
    }
    Ok(())
}
