//! Evaluation of one plan expression. Shared by the per-employee evaluator,
//! constant folding in [`super::bind`], and record aggregation.

use crate::plan::{ArithOp, Builtin, CmpOp, Expr, ExprKind, TableKind};
use crate::span::Span;
use crate::value::{self, ArithError, Value};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cmp::Ordering;

/// What an expression can read.
pub(crate) struct Env<'a> {
    /// Named values by slot; `None` where not known (yet).
    pub slots: &'a [Option<Value>],
    /// The fields of the record being aggregated.
    pub fields: &'a [Value],
    /// The employee's inputs (read by aggregates).
    pub inputs: &'a [Value],
    /// The employee's aggregates; `None` for `avg`/`min`/`max` of no records.
    pub aggregates: &'a [Option<Value>],
}

impl Env<'_> {
    pub const EMPTY: Env<'static> = Env {
        slots: &[],
        fields: &[],
        inputs: &[],
        aggregates: &[],
    };
}

/// Why an expression has no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FaultKind {
    DivisionByZero,
    Overflow,
    /// `avg`, `min` or `max` of no records; the aggregate's index.
    EmptyAggregate(u32),
    InvalidArgument(String),
    /// A value not known here (constant folding meets an input).
    Unavailable,
}

/// Observes the choices evaluation makes, for coverage and explanations.
/// Every method has an empty default, and `()` observes nothing at no cost.
pub trait Trace {
    /// Arm `arm` (0-based, in written order) of table `table` was taken;
    /// for `marginal`, once per slice that contributed.
    fn table_arm(&mut self, table: u32, arm: usize) {
        let _ = (table, arm);
    }
    /// `if` number `id` took its `then` branch (`true`) or its `else`.
    fn branch(&mut self, id: u32, taken: bool) {
        let _ = (id, taken);
    }
    /// One term of a sum table, reported just before its `table_arm`: for
    /// `marginal`, slice × rate = amount; for `weighted`, value × weight =
    /// amount. Explanations show these without recomputing them.
    fn table_term(
        &mut self,
        table: u32,
        arm: usize,
        base: Decimal,
        factor: Decimal,
        amount: Decimal,
    ) {
        let _ = (table, arm, base, factor, amount);
    }
}

impl Trace for () {}

/// Faults are rare and large: boxed, they keep every `Result` of the
/// evaluator small, which is most of its speed.
type Result<T> = std::result::Result<T, Box<Fault>>;

fn fault(kind: FaultKind, span: Span) -> Box<Fault> {
    Box::new(Fault { kind, span })
}

fn arith(result: std::result::Result<Decimal, ArithError>, span: Span) -> Result<Decimal> {
    result.map_err(|error| match error {
        ArithError::DivisionByZero => fault(FaultKind::DivisionByZero, span),
        ArithError::Overflow => fault(FaultKind::Overflow, span),
    })
}

/// A value that is read, not computed: borrowed, never cloned.
fn read<'e>(expr: &'e Expr, env: &'e Env<'_>) -> Option<Result<&'e Value>> {
    let span = expr.span;
    let unavailable = || fault(FaultKind::Unavailable, span);
    Some(match &expr.kind {
        ExprKind::Const(value) => Ok(value),
        ExprKind::Slot(slot) => env
            .slots
            .get(slot.index())
            .and_then(Option::as_ref)
            .ok_or_else(unavailable),
        ExprKind::Field(index) => env.fields.get(*index as usize).ok_or_else(unavailable),
        ExprKind::Input(index) => env.inputs.get(*index as usize).ok_or_else(unavailable),
        ExprKind::Aggregate(index) => match env.aggregates.get(*index as usize) {
            Some(Some(value)) => Ok(value),
            Some(None) => Err(fault(FaultKind::EmptyAggregate(*index), span)),
            None => Err(unavailable()),
        },
        ExprKind::Invalid => Err(unavailable()),
        _ => return None,
    })
}

/// What `if`, `tiers` and `match` choose, and what the other tables
/// compute: one place for both, whatever kind the caller wants.
enum Chosen<'e> {
    Expr(&'e Expr),
    Number(Decimal),
}

fn choose<'e>(expr: &'e Expr, env: &Env<'_>, trace: &mut impl Trace) -> Result<Option<Chosen<'e>>> {
    let span = expr.span;
    Ok(Some(match &expr.kind {
        ExprKind::If(branch) => {
            let taken = boolean(&branch.cond, env, trace)?;
            trace.branch(branch.id, taken);
            Chosen::Expr(if taken {
                &branch.then
            } else {
                &branch.otherwise
            })
        }
        ExprKind::Table(table) => {
            let arm = |trace: &mut _, arm| Trace::table_arm(trace, table.id, arm);
            match &table.kind {
                TableKind::Tiers {
                    subject,
                    thresholds,
                    values,
                } => {
                    let subject = num(subject, env, trace)?;
                    let mut chosen = thresholds.len();
                    for (index, threshold) in thresholds.iter().enumerate() {
                        if subject < num(threshold, env, trace)? {
                            chosen = index;
                            break;
                        }
                    }
                    arm(trace, chosen);
                    Chosen::Expr(&values[chosen])
                }
                TableKind::Match {
                    subject,
                    cases,
                    values,
                } => {
                    let subject = operand(subject, env, trace)?;
                    let text = subject.as_text().unwrap_or_default();
                    let chosen = cases
                        .iter()
                        .position(|case| case.iter().any(|s| &**s == text))
                        .unwrap_or(cases.len());
                    arm(trace, chosen);
                    Chosen::Expr(&values[chosen])
                }
                TableKind::Marginal {
                    subject,
                    bounds,
                    rates,
                } => {
                    let subject = num(subject, env, trace)?;
                    Chosen::Number(marginal(
                        subject, bounds, rates, span, env, trace, table.id,
                    )?)
                }
                TableKind::Curve {
                    subject,
                    points,
                    values,
                } => {
                    let subject = num(subject, env, trace)?;
                    Chosen::Number(curve(subject, points, values, span, env, trace, &arm)?)
                }
                TableKind::Weighted { values, weights } => {
                    let mut total = Decimal::ZERO;
                    for (index, (value, weight)) in values.iter().zip(weights).enumerate() {
                        let (value, weight) = (num(value, env, trace)?, num(weight, env, trace)?);
                        let term = arith(value::mul(value, weight), span)?;
                        total = arith(value::add(total, term), span)?;
                        trace.table_term(table.id, index, value, weight, term);
                        arm(trace, index);
                    }
                    Chosen::Number(total)
                }
            }
        }
        _ => return Ok(None),
    }))
}

/// Any expression's value.
pub(crate) fn eval(expr: &Expr, env: &Env<'_>, trace: &mut impl Trace) -> Result<Value> {
    if let Some(value) = read(expr, env) {
        return value.cloned();
    }
    match choose(expr, env, trace)? {
        Some(Chosen::Expr(chosen)) => return eval(chosen, env, trace),
        Some(Chosen::Number(n)) => return Ok(Value::Num(n)),
        None => {}
    }
    Ok(match &expr.kind {
        ExprKind::Not(_) | ExprKind::And(..) | ExprKind::Or(..) | ExprKind::Compare(..) => {
            Value::Bool(boolean(expr, env, trace)?)
        }
        _ => Value::Num(num(expr, env, trace)?),
    })
}

/// An operand of a comparison: read in place where it can be.
fn operand<'e>(expr: &'e Expr, env: &'e Env<'_>, trace: &mut impl Trace) -> Result<Cow<'e, Value>> {
    match read(expr, env) {
        Some(value) => value.map(Cow::Borrowed),
        None => eval(expr, env, trace).map(Cow::Owned),
    }
}

/// A numeric expression's value, without wrapping it in a [`Value`].
pub(crate) fn num(expr: &Expr, env: &Env<'_>, trace: &mut impl Trace) -> Result<Decimal> {
    let span = expr.span;
    let not_a_number = || {
        // INVARIANT: the checker proved this expression numeric.
        fault(
            FaultKind::InvalidArgument("expected a number".to_string()),
            span,
        )
    };
    if let Some(value) = read(expr, env) {
        return value?.as_num().ok_or_else(not_a_number);
    }
    match choose(expr, env, trace)? {
        Some(Chosen::Expr(chosen)) => return num(chosen, env, trace),
        Some(Chosen::Number(n)) => return Ok(n),
        None => {}
    }
    match &expr.kind {
        ExprKind::Neg(operand) => Ok(value::neg(num(operand, env, trace)?)),
        ExprKind::Arith(op, a, b) => {
            let (a, b) = (num(a, env, trace)?, num(b, env, trace)?);
            let result = match op {
                ArithOp::Add => value::add(a, b),
                ArithOp::Sub => value::sub(a, b),
                ArithOp::Mul => value::mul(a, b),
                ArithOp::Div => value::div(a, b),
            };
            arith(result, span)
        }
        ExprKind::Call(builtin, args) => call(*builtin, args, span, env, trace),
        _ => Err(not_a_number()),
    }
}

/// A condition's value.
pub(crate) fn boolean(expr: &Expr, env: &Env<'_>, trace: &mut impl Trace) -> Result<bool> {
    let span = expr.span;
    let not_a_bool = || {
        // INVARIANT: the checker proved this expression a bool.
        fault(
            FaultKind::InvalidArgument("expected true or false".to_string()),
            span,
        )
    };
    if let Some(value) = read(expr, env) {
        return value?.as_bool().ok_or_else(not_a_bool);
    }
    if let Some(Chosen::Expr(chosen)) = choose(expr, env, trace)? {
        return boolean(chosen, env, trace);
    }
    match &expr.kind {
        ExprKind::Not(operand) => Ok(!boolean(operand, env, trace)?),
        ExprKind::And(a, b) => Ok(boolean(a, env, trace)? && boolean(b, env, trace)?),
        ExprKind::Or(a, b) => Ok(boolean(a, env, trace)? || boolean(b, env, trace)?),
        ExprKind::Compare(op, a, b) => {
            let a = operand(a, env, trace)?;
            let b = operand(b, env, trace)?;
            let ordering = compare(&a, &b, span)?;
            Ok(match op {
                CmpOp::Eq => ordering == Ordering::Equal,
                CmpOp::Ne => ordering != Ordering::Equal,
                CmpOp::Lt => ordering == Ordering::Less,
                CmpOp::Le => ordering != Ordering::Greater,
                CmpOp::Gt => ordering == Ordering::Greater,
                CmpOp::Ge => ordering != Ordering::Less,
            })
        }
        _ => Err(not_a_bool()),
    }
}

fn compare(a: &Value, b: &Value, span: Span) -> Result<Ordering> {
    match (a, b) {
        (Value::Num(a), Value::Num(b)) => Ok(a.cmp(b)),
        (Value::Text(a), Value::Text(b)) => Ok(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Ok(a.cmp(b)),
        _ => Err(fault(
            FaultKind::InvalidArgument("values of different kinds".to_string()),
            span,
        )),
    }
}

fn call(
    builtin: Builtin,
    args: &[Expr],
    span: Span,
    env: &Env<'_>,
    trace: &mut impl Trace,
) -> Result<Decimal> {
    let invalid = |message: String| fault(FaultKind::InvalidArgument(message), span);
    let mut arg = |index: usize| match args.get(index) {
        Some(expr) => num(expr, env, trace),
        None => Err(invalid(format!("wrong arguments to `{}`", builtin.name()))),
    };
    Ok(match builtin {
        Builtin::Min | Builtin::Max => {
            let mut result = arg(0)?;
            for index in 1..args.len() {
                let next = arg(index)?;
                result = if builtin == Builtin::Min {
                    result.min(next)
                } else {
                    result.max(next)
                };
            }
            result
        }
        Builtin::Clamp => {
            let (x, lo, hi) = (arg(0)?, arg(1)?, arg(2)?);
            if lo > hi {
                return Err(invalid(format!(
                    "clamp's lower bound {} is above its upper bound {}",
                    value::exact_string(lo),
                    value::exact_string(hi)
                )));
            }
            x.clamp(lo, hi)
        }
        Builtin::Abs => arg(0)?.abs(),
        Builtin::Floor => arg(0)?.floor(),
        Builtin::Ceil => arg(0)?.ceil(),
        Builtin::Round if args.len() == 1 => value::round(arg(0)?, 0),
        Builtin::Round => {
            let x = arg(0)?;
            let places = arg(1)?.normalize();
            let whole = places.scale() == 0 && !places.is_sign_negative();
            match u32::try_from(places.mantissa()) {
                Ok(p) if whole && p <= 28 => value::round(x, p),
                _ => {
                    return Err(invalid(format!(
                        "round's places must be a whole number from 0 to 28, not {}",
                        value::exact_string(places)
                    )));
                }
            }
        }
    })
}

/// Graduated slices: each slice of the subject up to a bound, times its
/// rate. A subject at or below zero gives zero.
fn marginal<T: Trace>(
    subject: Decimal,
    bounds: &[Expr],
    rates: &[Expr],
    span: Span,
    env: &Env<'_>,
    trace: &mut T,
    table: u32,
) -> Result<Decimal> {
    let mut total = Decimal::ZERO;
    let mut floor = Decimal::ZERO;
    for (index, rate) in rates.iter().enumerate() {
        if subject <= floor {
            break;
        }
        let top = match bounds.get(index) {
            Some(bound) => num(bound, env, trace)?.min(subject),
            None => subject,
        };
        let slice = arith(value::sub(top, floor), span)?;
        let rate = num(rate, env, trace)?;
        let amount = arith(value::mul(slice, rate), span)?;
        total = arith(value::add(total, amount), span)?;
        trace.table_term(table, index, slice, rate, amount);
        trace.table_arm(table, index);
        floor = top;
    }
    Ok(total)
}

/// Straight lines between points; the first value below the first point,
/// the last value above the last point.
fn curve<T: Trace>(
    subject: Decimal,
    points: &[Expr],
    values: &[Expr],
    span: Span,
    env: &Env<'_>,
    trace: &mut T,
    arm: &impl Fn(&mut T, usize),
) -> Result<Decimal> {
    let mut previous: Option<(Decimal, Decimal)> = None;
    for (index, (point, value)) in points.iter().zip(values).enumerate() {
        let (p, v) = (num(point, env, trace)?, num(value, env, trace)?);
        if subject <= p {
            arm(trace, index);
            let Some((p0, v0)) = previous else {
                return Ok(v);
            };
            if subject == p {
                return Ok(v);
            }
            // v0 + (subject - p0) × (v - v0) / (p - p0), multiplying first
            // so that the quotient is as exact as it can be.
            let run = arith(value::sub(subject, p0), span)?;
            let rise = arith(value::mul(run, arith(value::sub(v, v0), span)?), span)?;
            let step = arith(value::div(rise, arith(value::sub(p, p0), span)?), span)?;
            return arith(value::add(v0, step), span);
        }
        previous = Some((p, v));
    }
    match previous {
        Some((_, last)) => {
            arm(trace, points.len() - 1);
            Ok(last)
        }
        None => Err(fault(
            FaultKind::InvalidArgument("a curve needs a point".to_string()),
            span,
        )),
    }
}
