//! Giving params their values and folding them into the plan.

use super::error::BindError;
use super::expr::{Env, FaultKind, eval};
use crate::plan::{AggregatePlan, Expr, ExprKind, GatePlan, Plan, Role, Slot, Step, TableKind};
use crate::span::Span;
use crate::value::{self, Value};
use miette::LabeledSpan;
use rust_decimal::Decimal;

/// Values that replace params' own expressions for one run: `--set`, or
/// an example's `target_bonus = 10_000 RUB`. Params computed from an
/// overridden param follow it.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub params: Vec<(Slot, Value)>,
}

/// A plan with every param folded in: ready to evaluate employees.
#[derive(Clone, Debug)]
pub struct Program<'p> {
    pub plan: &'p Plan,
    /// Each param's value, by slot (`None` for slots that are not params).
    pub param_values: Vec<Option<Value>>,
    pub(crate) steps: Vec<Step>,
    /// Per step: whether it is a bonus line, rounded once computed.
    pub(crate) step_is_bonus: Vec<bool>,
    pub(crate) gates: Vec<GatePlan>,
    pub(crate) cap: Option<Expr>,
    pub(crate) aggregates: Vec<AggregatePlan>,
}

impl<'p> Program<'p> {
    /// The folded steps (lets, kpis and bonus lines in dependency order).
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn gates(&self) -> &[GatePlan] {
        &self.gates
    }

    pub fn cap(&self) -> Option<&Expr> {
        self.cap.as_ref()
    }

    pub fn aggregates(&self) -> &[AggregatePlan] {
        &self.aggregates
    }
}

/// Computes the params (overrides first), folds them into every expression
/// and checks the constant parts of tables (thresholds, points, weights).
pub fn bind<'p>(plan: &'p Plan, overrides: &Overrides) -> Result<Program<'p>, Vec<BindError>> {
    stacker::grow(crate::syntax::STAGE_STACK, || {
        bind_on_this_stack(plan, overrides)
    })
}

fn bind_on_this_stack<'p>(
    plan: &'p Plan,
    overrides: &Overrides,
) -> Result<Program<'p>, Vec<BindError>> {
    let mut slots: Vec<Option<Value>> = vec![None; plan.slots.len()];
    let mut errors = Vec::new();
    for step in &plan.params {
        let overridden = overrides
            .params
            .iter()
            .find(|(slot, _)| *slot == step.slot)
            .map(|(_, value)| value.clone());
        let value = match overridden {
            Some(value) => value,
            None => {
                let env = Env {
                    slots: &slots,
                    ..Env::EMPTY
                };
                match eval(&step.expr, &env, &mut ()) {
                    Ok(value) => value,
                    Err(fault) => {
                        // A param that depends on a failed one fails too,
                        // silently: its cause is already reported.
                        if fault.kind != FaultKind::Unavailable {
                            errors.push(BindError::Param {
                                name: plan.slot(step.slot).name.clone(),
                                reason: describe(&fault.kind),
                                span: fault.span.into(),
                            });
                        }
                        continue;
                    }
                }
            }
        };
        slots[step.slot.index()] = Some(value);
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let folded = |expr: &Expr| {
        let mut expr = expr.clone();
        fold(&mut expr, &slots);
        expr
    };
    let steps: Vec<Step> = plan
        .steps
        .iter()
        .map(|step| Step {
            slot: step.slot,
            expr: folded(&step.expr),
        })
        .collect();
    let gates: Vec<GatePlan> = plan
        .gates
        .iter()
        .map(|gate| GatePlan {
            cond: folded(&gate.cond),
            ..gate.clone()
        })
        .collect();
    let cap = plan.cap.as_ref().map(folded);
    // Records are aggregated before any slot is filled: aggregates read
    // the employee's inputs directly.
    let mut input_of_slot: Vec<Option<u32>> = vec![None; plan.slots.len()];
    for (index, input) in plan.inputs.iter().enumerate() {
        input_of_slot[input.slot.index()] = Some(index as u32);
    }
    let for_records = |expr: &Expr| {
        let mut expr = folded(expr);
        read_inputs_directly(&mut expr, &input_of_slot);
        expr
    };
    let aggregates: Vec<AggregatePlan> = plan
        .aggregates
        .iter()
        .map(|aggregate| AggregatePlan {
            value: aggregate.value.as_ref().map(for_records),
            filter: aggregate.filter.as_ref().map(for_records),
            ..aggregate.clone()
        })
        .collect();

    let all_exprs = steps
        .iter()
        .map(|step| &step.expr)
        .chain(gates.iter().map(|gate| &gate.cond))
        .chain(cap.iter())
        .chain(
            aggregates
                .iter()
                .flat_map(|a| a.value.iter().chain(a.filter.iter())),
        );
    for expr in all_exprs {
        validate_tables(expr, &mut errors);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let step_is_bonus = steps
        .iter()
        .map(|step| plan.slot(step.slot).role == Role::Bonus)
        .collect();
    Ok(Program {
        plan,
        param_values: slots,
        steps,
        step_is_bonus,
        gates,
        cap,
        aggregates,
    })
}

pub(crate) fn describe(kind: &FaultKind) -> String {
    match kind {
        FaultKind::DivisionByZero => "division by zero".to_string(),
        FaultKind::Overflow => "the value grows too large".to_string(),
        FaultKind::EmptyAggregate(_) => "an aggregate of no records".to_string(),
        FaultKind::InvalidArgument(message) => message.clone(),
        FaultKind::Unavailable => "it depends on a value that is not constant".to_string(),
    }
}

/// Replaces params by their values and computes every subexpression that
/// no longer depends on an employee. A subexpression that fails (`1 / 0`)
/// is left as written: it is an error only if an employee reaches it.
fn fold(expr: &mut Expr, slots: &[Option<Value>]) {
    if let ExprKind::Slot(slot) = expr.kind {
        if let Some(Some(value)) = slots.get(slot.index()) {
            expr.kind = ExprKind::Const(value.clone());
        }
        return;
    }
    let mut all_const = true;
    expr.for_each_child_mut(|child| {
        fold(child, slots);
        all_const &= child.as_const().is_some();
    });
    let foldable = !matches!(
        expr.kind,
        ExprKind::Const(_)
            | ExprKind::Invalid
            | ExprKind::Field(_)
            | ExprKind::Input(_)
            | ExprKind::Aggregate(_)
    );
    if all_const
        && foldable
        && let Ok(value) = eval(expr, &Env::EMPTY, &mut ())
    {
        expr.kind = ExprKind::Const(value);
    }
}

fn read_inputs_directly(expr: &mut Expr, input_of_slot: &[Option<u32>]) {
    if let ExprKind::Slot(slot) = expr.kind {
        if let Some(Some(index)) = input_of_slot.get(slot.index()) {
            expr.kind = ExprKind::Input(*index);
        }
        return;
    }
    expr.for_each_child_mut(|child| read_inputs_directly(child, input_of_slot));
}

/// Thresholds and points must strictly increase, marginal bounds start
/// above zero, weights add up to exactly 100%.
fn validate_tables(expr: &Expr, errors: &mut Vec<BindError>) {
    expr.for_each_child(|child| validate_tables(child, errors));
    let ExprKind::Table(table) = &expr.kind else {
        return;
    };
    match &table.kind {
        TableKind::Tiers { thresholds, .. } => {
            increasing(thresholds, "tiers", "thresholds", "threshold", errors);
        }
        TableKind::Curve { points, .. } => {
            increasing(points, "curve", "points", "point", errors);
        }
        TableKind::Marginal { bounds, .. } => {
            if increasing(bounds, "marginal", "bounds", "bound", errors)
                && let Some(first) = bounds.first()
                && constant(first, "bound", errors).is_some_and(|b| b <= Decimal::ZERO)
            {
                errors.push(BindError::MarginalStart {
                    span: first.span.into(),
                });
            }
        }
        TableKind::Weighted { weights, .. } => {
            let mut values = Vec::with_capacity(weights.len());
            let mut sum = Decimal::ZERO;
            for weight in weights {
                match constant(weight, "weight", errors) {
                    Some(w) => {
                        sum = sum.checked_add(w).unwrap_or(Decimal::MAX);
                        values.push(w);
                    }
                    None => return,
                }
            }
            if sum != Decimal::ONE {
                let mut labels = vec![LabeledSpan::new_primary_with_span(
                    Some(format!("these weights add up to {}", percent(sum))),
                    Span::new(table.span.start, table.span.start + "weighted".len()),
                )];
                labels.extend(weights.iter().zip(&values).map(|(weight, value)| {
                    LabeledSpan::new_with_span(Some(percent(*value)), weight.span)
                }));
                errors.push(BindError::WeightsSum {
                    sum: percent(sum),
                    labels,
                    help: weights_help(&values, sum),
                });
            }
        }
        TableKind::Match { .. } => {}
    }
}

/// Checks that constant parts strictly increase; false when one is not a
/// constant or they do not increase.
fn increasing(
    parts: &[Expr],
    table: &'static str,
    what: &'static str,
    what_one: &'static str,
    errors: &mut Vec<BindError>,
) -> bool {
    let mut previous: Option<(Decimal, Span)> = None;
    let mut ok = true;
    for part in parts {
        let Some(value) = constant(part, what_one, errors) else {
            return false;
        };
        if let Some((before, before_span)) = previous
            && value <= before
        {
            errors.push(BindError::NotIncreasing {
                table,
                what,
                what_one,
                span: part.span.into(),
                previous: before_span.into(),
            });
            ok = false;
        }
        previous = Some((value, part.span));
    }
    ok
}

fn constant(expr: &Expr, what: &'static str, errors: &mut Vec<BindError>) -> Option<Decimal> {
    match &expr.kind {
        ExprKind::Const(Value::Num(n)) => Some(*n),
        _ => {
            let reason = match eval(expr, &Env::EMPTY, &mut ()) {
                // Not constant: the checker has reported it already.
                Err(fault) if fault.kind == FaultKind::Unavailable => return None,
                Err(fault) => describe(&fault.kind),
                Ok(_) => "it is not a number".to_string(),
            };
            errors.push(BindError::NotConstant {
                what,
                reason,
                span: expr.span.into(),
            });
            None
        }
    }
}

/// Which weight to change, and to what, so that they add up to 100%: the
/// last one if it can take the difference, else the largest.
fn weights_help(values: &[Decimal], sum: Decimal) -> String {
    let gap = Decimal::ONE.checked_sub(sum).unwrap_or(Decimal::MIN);
    let changed = |w: &Decimal| w.checked_add(gap).filter(|n| *n > Decimal::ZERO);
    let last = values.len().checked_sub(1);
    let which = last.filter(|i| changed(&values[*i]).is_some()).or_else(|| {
        values
            .iter()
            .enumerate()
            .filter(|(_, w)| changed(w).is_some())
            .max_by_key(|(_, w)| **w)
            .map(|(i, _)| i)
    });
    let change = if gap > Decimal::ZERO {
        format!("add {} to the weights", percent(gap))
    } else {
        format!("take {} off the weights", percent(-gap))
    };
    match which.and_then(|i| changed(&values[i]).map(|to| (i, to))) {
        Some((i, to)) => {
            let ordinal = if Some(i) == last {
                "the last weight".to_string()
            } else {
                format!("weight number {}", i + 1)
            };
            format!(
                "{change}: for example, change {ordinal} from {} to {}",
                percent(values[i]),
                percent(to)
            )
        }
        None => format!("{change}, or add an arm"),
    }
}

fn percent(fraction: Decimal) -> String {
    match value::mul(fraction, Decimal::ONE_HUNDRED) {
        Ok(p) => format!("{}%", value::exact_string(p)),
        Err(_) => value::exact_string(fraction),
    }
}
