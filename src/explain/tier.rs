//! What it would take to reach the next tier.
//!
//! For each `tiers` table, the subject is analysed once per policy: in which
//! inputs (or record aggregates) is it a straight line — built from the
//! input by `+`, `-`, `×` a constant and `÷` a constant, through any number
//! of lets and kpis (an `if` whose condition does not depend on the input
//! counts too)? Those are its levers: `attainment = revenue / revenue_plan`
//! has the lever `revenue`, not `revenue_plan` (it divides).
//!
//! For each employee and lever, the value that puts the subject at the
//! next threshold is solved for from two evaluations (the employee as is,
//! and with the lever one unit higher), rounded to the lever's step (the
//! policy's rounding for money, 1 for counts, 0.01 for numbers, 0.01% for
//! percentages), then checked and tightened by evaluating the employee
//! again with the lever at that value, so the answer is the least change,
//! in whole steps, that the real evaluator agrees reaches the tier. The
//! payout shown is that evaluation's: every formula, gate and cap that the
//! lever feeds follows it.
//!
//! Not computed (and said so): subjects that are no straight line in any
//! input (`if meetings > 0 then contracts / meetings else 0`, `min(…)`,
//! another table, a bonus line, which is rounded), inputs that records'
//! `where` or values also read (changing them would change the aggregates,
//! which are computed from the records once), and a lever that would have
//! to become negative.

use super::formula;
use super::{Explainer, Statement, TableDetail, Workspace};
use crate::eval::expr::Env;
use crate::eval::{Program, Verdict};
use crate::plan::{AggregateFunc, ArithOp, Expr, ExprKind, Plan, Role, Slot, TableKind};
use crate::value::{self, Kind, Type, Value};
use rust_decimal::{Decimal, RoundingStrategy};
use std::collections::HashMap;

/// What can be changed to move a subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lever {
    /// An input, by its index in `Plan::inputs`.
    Input(usize),
    /// A record aggregate, by its index in `Plan::aggregates`.
    Aggregate(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// To the tier above: the subject up to the current arm's threshold.
    Up,
    /// To the tier below, where that pays more (lower is better).
    Down,
}

/// A `tiers` table of a step, with its levers.
pub(crate) struct Target<'a> {
    /// The step holding the table, and its position in the step's formula.
    pub step: usize,
    pub table_index: usize,
    subject: &'a Expr,
    thresholds: &'a [Expr],
    /// The levers, or why there are none.
    levers: Result<Vec<Lever>, String>,
}

/// The next tier of one table for one employee.
#[derive(Debug)]
pub struct NextTier {
    pub step: usize,
    /// Position of the table in the step's formula.
    pub table_index: usize,
    pub outcome: TierOutcome,
}

#[derive(Debug)]
pub enum TierOutcome {
    Reached(Reach),
    /// Already in the last tier, and the one below pays no more.
    LastTier,
    /// Why it cannot be computed.
    Unavailable(String),
}

/// Moving `lever` from `lever_from` to `lever_to` moves the subject from
/// `subject_from` to `subject_to`, past `threshold`, into arm `arm_to`,
/// and the payout from `payout_from` to `payout_to`.
#[derive(Debug)]
pub struct Reach {
    pub direction: Direction,
    pub lever: Lever,
    pub threshold: Decimal,
    pub subject_from: Decimal,
    pub subject_to: Decimal,
    pub lever_from: Decimal,
    pub lever_to: Decimal,
    pub arm_from: usize,
    pub arm_to: usize,
    pub payout_from: Decimal,
    pub payout_to: Decimal,
}

/// Finds every `tiers` table of the steps and the levers of its subject.
pub(crate) fn targets<'a>(
    program: &Program<'a>,
    source: &str,
    steps: &[(Slot, &'a Expr)],
) -> Vec<Target<'a>> {
    let plan = program.plan;
    let by_slot: HashMap<Slot, &'a Expr> = steps.iter().copied().collect();
    let read_by_records = inputs_read_by_records(program);
    let mut targets = Vec::new();
    for (step, (_, expr)) in steps.iter().enumerate() {
        let mut tables = Vec::new();
        collect_tables(expr, &mut tables);
        for (table_index, table_expr) in tables.into_iter().enumerate() {
            let ExprKind::Table(table) = &table_expr.kind else {
                continue;
            };
            let TableKind::Tiers {
                subject,
                thresholds,
                ..
            } = &table.kind
            else {
                continue;
            };
            let analysis = Analysis {
                plan,
                source,
                by_slot: &by_slot,
            };
            targets.push(Target {
                step,
                table_index,
                subject,
                thresholds,
                levers: analysis.levers(subject, &read_by_records),
            });
        }
    }
    targets
}

/// Tables in source order, nested ones too, as the formula templates
/// number them.
fn collect_tables<'a>(expr: &'a Expr, out: &mut Vec<&'a Expr>) {
    if let ExprKind::Table(_) = expr.kind {
        out.push(expr);
    }
    if let ExprKind::If(branch) = &expr.kind {
        collect_tables(&branch.cond, out);
        collect_tables(&branch.then, out);
        collect_tables(&branch.otherwise, out);
        return;
    }
    expr.for_each_child(|child| collect_tables(child, out));
}

fn inputs_read_by_records(program: &Program<'_>) -> Vec<usize> {
    fn walk(expr: &Expr, out: &mut Vec<usize>) {
        if let ExprKind::Input(index) = expr.kind {
            out.push(index as usize);
        }
        expr.for_each_child(|child| walk(child, out));
    }
    let mut out = Vec::new();
    for aggregate in program.aggregates() {
        for expr in aggregate.value.iter().chain(aggregate.filter.iter()) {
            walk(expr, &mut out);
        }
    }
    out
}

/// How an expression depends on one lever.
#[derive(Clone, Debug)]
enum Shape {
    /// Not at all.
    Constant,
    /// `a + b × lever`, locally.
    Line,
    /// Otherwise; says through what.
    Other(String),
}

struct Analysis<'a, 'm> {
    plan: &'a Plan,
    source: &'m str,
    by_slot: &'m HashMap<Slot, &'a Expr>,
}

impl Analysis<'_, '_> {
    fn levers(&self, subject: &Expr, read_by_records: &[usize]) -> Result<Vec<Lever>, String> {
        let plan = self.plan;
        let candidates = plan
            .inputs
            .iter()
            .enumerate()
            .filter(|(_, input)| matches!(input.ty.kind(), Kind::Number | Kind::Money))
            .map(|(index, _)| Lever::Input(index))
            .chain((0..plan.aggregates.len()).map(Lever::Aggregate));
        let mut levers = Vec::new();
        let mut why_not = None;
        for lever in candidates {
            let mut memo = HashMap::new();
            match self.shape(subject, lever, &mut memo) {
                Shape::Line => match lever {
                    Lever::Input(index) if read_by_records.contains(&index) => {
                        why_not.get_or_insert(format!(
                            "`{}` is also read by records' aggregates, which are computed once from the records",
                            input_name(plan, index)
                        ));
                    }
                    _ => levers.push(lever),
                },
                Shape::Other(reason) => {
                    why_not.get_or_insert(reason);
                }
                Shape::Constant => {}
            }
        }
        if levers.is_empty() {
            let reason = why_not.unwrap_or_else(|| "it depends on no input".to_string());
            return Err(format!("not a straight line in any one input ({reason})"));
        }
        Ok(levers)
    }

    fn shape(&self, expr: &Expr, lever: Lever, memo: &mut HashMap<Slot, Shape>) -> Shape {
        let plan = self.plan;
        let text = |e: &Expr| {
            formula::clean(formula::slice(self.source, e.span))
                .trim()
                .to_string()
        };
        let children = |memo: &mut HashMap<Slot, Shape>, what: &str| {
            let mut dependent = false;
            let mut other = None;
            expr.for_each_child(|child| match self.shape(child, lever, memo) {
                Shape::Constant => {}
                Shape::Line => dependent = true,
                Shape::Other(reason) => {
                    other.get_or_insert(reason);
                }
            });
            match (other, dependent) {
                (Some(reason), _) => Shape::Other(reason),
                (None, true) => Shape::Other(format!("it goes through {what}")),
                (None, false) => Shape::Constant,
            }
        };
        match &expr.kind {
            ExprKind::Const(_) | ExprKind::Field(_) | ExprKind::Invalid => Shape::Constant,
            ExprKind::Input(index) => same(lever, Lever::Input(*index as usize)),
            ExprKind::Aggregate(index) => same(lever, Lever::Aggregate(*index as usize)),
            ExprKind::Slot(slot) => {
                let info = plan.slot(*slot);
                match info.role {
                    Role::Param => Shape::Constant,
                    Role::Input => match plan.inputs.iter().position(|i| i.slot == *slot) {
                        Some(index) => same(lever, Lever::Input(index)),
                        None => Shape::Constant,
                    },
                    Role::Let | Role::Kpi | Role::Bonus => {
                        if let Some(shape) = memo.get(slot) {
                            return shape.clone();
                        }
                        let shape = match self.by_slot.get(slot) {
                            Some(step) => self.shape(step, lever, memo),
                            None => Shape::Constant,
                        };
                        let shape = match (info.role, shape) {
                            (Role::Bonus, Shape::Line) => Shape::Other(format!(
                                "it uses the bonus line `{}`, which is rounded",
                                info.name
                            )),
                            (_, shape) => shape,
                        };
                        memo.insert(*slot, shape.clone());
                        shape
                    }
                }
            }
            ExprKind::Neg(inner) => self.shape(inner, lever, memo),
            ExprKind::Arith(op, a, b) => {
                let (sa, sb) = (self.shape(a, lever, memo), self.shape(b, lever, memo));
                match (op, sa, sb) {
                    (_, Shape::Other(reason), _) | (_, _, Shape::Other(reason)) => {
                        Shape::Other(reason)
                    }
                    (ArithOp::Add | ArithOp::Sub, Shape::Constant, Shape::Constant) => {
                        Shape::Constant
                    }
                    (ArithOp::Add | ArithOp::Sub, _, _) => Shape::Line,
                    (ArithOp::Mul, Shape::Line, Shape::Line) => {
                        Shape::Other(format!("it multiplies `{}` by `{}`", text(a), text(b)))
                    }
                    (ArithOp::Mul, Shape::Constant, Shape::Constant) => Shape::Constant,
                    (ArithOp::Mul, _, _) => Shape::Line,
                    (ArithOp::Div, sa, Shape::Constant) => sa,
                    (ArithOp::Div, _, _) => Shape::Other(format!("it divides by `{}`", text(b))),
                }
            }
            ExprKind::If(branch) => match self.shape(&branch.cond, lever, memo) {
                Shape::Constant => {
                    let then = self.shape(&branch.then, lever, memo);
                    let otherwise = self.shape(&branch.otherwise, lever, memo);
                    match (then, otherwise) {
                        (Shape::Other(reason), _) | (_, Shape::Other(reason)) => {
                            Shape::Other(reason)
                        }
                        (Shape::Constant, Shape::Constant) => Shape::Constant,
                        _ => Shape::Line,
                    }
                }
                Shape::Line | Shape::Other(_) => Shape::Other(format!(
                    "the condition `{}` depends on it",
                    text(&branch.cond)
                )),
            },
            ExprKind::Call(builtin, _) => children(memo, &format!("`{}`", builtin.name())),
            ExprKind::Table(table) => {
                children(memo, &format!("a `{}` table", table_keyword(&table.kind)))
            }
            ExprKind::Not(_) | ExprKind::Compare(..) | ExprKind::And(..) | ExprKind::Or(..) => {
                children(memo, "a comparison")
            }
        }
    }
}

fn same(lever: Lever, this: Lever) -> Shape {
    if lever == this {
        Shape::Line
    } else {
        Shape::Constant
    }
}

fn table_keyword(kind: &TableKind) -> &'static str {
    match kind {
        TableKind::Tiers { .. } => "tiers",
        TableKind::Marginal { .. } => "marginal",
        TableKind::Curve { .. } => "curve",
        TableKind::Weighted { .. } => "weighted",
        TableKind::Match { .. } => "match",
    }
}

pub(crate) fn input_name(plan: &Plan, index: usize) -> &str {
    plan.inputs
        .get(index)
        .map_or("", |input| plan.slot(input.slot).name.as_str())
}

/// The lever's name and how its values are shown.
pub(crate) fn lever_name(explainer: &Explainer<'_>, lever: Lever) -> String {
    match lever {
        Lever::Input(index) => input_name(explainer.plan, index).to_string(),
        Lever::Aggregate(index) => explainer.aggregates.get(index).cloned().unwrap_or_default(),
    }
}

pub(crate) fn lever_type(plan: &Plan, lever: Lever) -> Type {
    match lever {
        Lever::Input(index) => plan.inputs.get(index).map_or(Type::Number, |i| i.ty),
        Lever::Aggregate(index) => match plan.aggregates.get(index) {
            Some(a) if matches!(a.func, AggregateFunc::Count | AggregateFunc::Distinct) => {
                Type::Count
            }
            Some(a) => a.kind.default_type(),
            None => Type::Number,
        },
    }
}

/// The smallest change of a lever considered, in decimal places: the
/// policy's rounding for money, whole counts, hundredths of numbers, and
/// hundredths of a percent.
fn step_places(plan: &Plan, lever: Lever) -> u32 {
    match lever_type(plan, lever) {
        Type::Money => plan.rounding,
        Type::Count => 0,
        Type::Percent => 4,
        _ => 2,
    }
}

/// Computes, for one employee, the next tier of every `tiers` table that
/// was evaluated.
pub(crate) fn next_tiers(
    explainer: &Explainer<'_>,
    statement: &Statement<'_>,
    inputs: &[Value],
    aggregates: &[Option<Value>],
    verdict: &Verdict,
    work: &mut Workspace,
) -> Vec<NextTier> {
    let mut out = Vec::new();
    for target in &explainer.targets {
        let detail = statement
            .steps
            .get(target.step)
            .and_then(|step| step.tables.iter().find(|t| t.index == target.table_index));
        let Some(TableDetail::Tiers { subject, arm, .. }) = detail.map(|t| &t.detail) else {
            continue;
        };
        let levers = match &target.levers {
            Ok(levers) => levers,
            Err(reason) => {
                out.push(NextTier {
                    step: target.step,
                    table_index: target.table_index,
                    outcome: TierOutcome::Unavailable(reason.clone()),
                });
                continue;
            }
        };
        let env = Env {
            slots: work.frame.slots(),
            fields: &[],
            inputs,
            aggregates,
        };
        let thresholds: Option<Vec<Decimal>> = target
            .thresholds
            .iter()
            .map(|t| formula::value_of(t, &env).and_then(|v| v.as_num()))
            .collect();
        let Some(thresholds) = thresholds else {
            continue;
        };
        for lever in levers {
            let mut solver = Solver {
                explainer,
                target,
                lever: *lever,
                thresholds: &thresholds,
                subject: *subject,
                arm: *arm,
                payout: verdict.payout,
                inputs,
                aggregates,
                from: Decimal::ZERO,
                slope: Decimal::ZERO,
            };
            let mut push = |outcome| {
                out.push(NextTier {
                    step: target.step,
                    table_index: target.table_index,
                    outcome,
                })
            };
            // One evaluation gives the slope, for both directions.
            if let Err(reason) = solver.measure(work) {
                if *arm < thresholds.len() {
                    push(TierOutcome::Unavailable(reason));
                }
                continue;
            }
            let up = (*arm < thresholds.len()).then(|| solver.reach(Direction::Up, work));
            let down = (*arm > 0)
                .then(|| solver.reach(Direction::Down, work))
                .and_then(Result::ok)
                .filter(|reach| reach.payout_to > reach.payout_from);
            match up {
                Some(Ok(reach)) => push(TierOutcome::Reached(reach)),
                Some(Err(reason)) => push(TierOutcome::Unavailable(reason)),
                None if down.is_none() => push(TierOutcome::LastTier),
                None => {}
            }
            if let Some(reach) = down {
                push(TierOutcome::Reached(reach));
            }
        }
    }
    out
}

struct Solver<'s, 'a> {
    explainer: &'s Explainer<'a>,
    target: &'s Target<'a>,
    lever: Lever,
    thresholds: &'s [Decimal],
    subject: Decimal,
    arm: usize,
    payout: Decimal,
    inputs: &'s [Value],
    aggregates: &'s [Option<Value>],
    /// The lever's value, and how much the subject moves per unit of it.
    from: Decimal,
    slope: Decimal,
}

/// The employee evaluated with the lever at some value.
struct Point {
    subject: Decimal,
    payout: Decimal,
}

/// Decimals kept of the solved value before it is rounded to the lever's
/// step: the quotient is exact to 28 digits, and its last digits must not
/// push an exact answer (960,000.00) to the next step (960,000.01).
const SOLVED_PLACES: u32 = 8;

fn cannot(why: &str) -> String {
    format!("cannot be computed: {why}")
}

impl Solver<'_, '_> {
    /// The lever's value and the subject's slope in it, from one more unit
    /// of the lever (the subject is a straight line in it).
    fn measure(&mut self, work: &mut Workspace) -> Result<(), String> {
        let name = lever_name(self.explainer, self.lever);
        self.from = match self.lever {
            Lever::Input(index) => self.inputs.get(index).and_then(Value::as_num),
            Lever::Aggregate(index) => self
                .aggregates
                .get(index)
                .and_then(Option::as_ref)
                .and_then(Value::as_num),
        }
        .ok_or_else(|| cannot("the value is unknown"))?;
        let probe = value::add(self.from, Decimal::ONE).map_err(|_| cannot("overflow"))?;
        self.slope = value::sub(self.at(probe, work)?.subject, self.subject)
            .map_err(|_| cannot("overflow"))?;
        if self.slope.is_zero() {
            return Err(format!(
                "changing `{name}` does not move it for this employee"
            ));
        }
        Ok(())
    }

    fn reach(&self, direction: Direction, work: &mut Workspace) -> Result<Reach, String> {
        let plan = self.explainer.plan;
        let name = lever_name(self.explainer, self.lever);
        let from = self.from;
        let threshold = match direction {
            Direction::Up => self.thresholds.get(self.arm),
            Direction::Down => self.arm.checked_sub(1).and_then(|i| self.thresholds.get(i)),
        }
        .copied()
        .ok_or_else(|| cannot("there is no such tier"))?;
        let reached = |subject: Decimal| match direction {
            Direction::Up => subject >= threshold,
            Direction::Down => subject < threshold,
        };
        let need = value::sub(threshold, self.subject).map_err(|_| cannot("overflow"))?;
        let change = value::div(need, self.slope).map_err(|_| cannot("overflow"))?;
        let solved = value::add(from, change).map_err(|_| cannot("overflow"))?;

        // Whole steps of the lever, away from its current value: the least
        // change that reaches the threshold (the subject is a line in it).
        let places = step_places(plan, self.lever);
        let away = change.is_sign_positive();
        let (strategy, step) = if away {
            (
                RoundingStrategy::ToPositiveInfinity,
                Decimal::new(1, places),
            )
        } else {
            (
                RoundingStrategy::ToNegativeInfinity,
                -Decimal::new(1, places),
            )
        };
        let solved = value::round(solved, places + SOLVED_PLACES);
        let mut candidate = solved.round_dp_with_strategy(places, strategy);
        if direction == Direction::Down && candidate == solved {
            // Below a threshold is strictly below it.
            candidate = value::add(candidate, step).map_err(|_| cannot("overflow"))?;
        }
        let mut point = None;
        for _ in 0..3 {
            let at = self.at(candidate, work)?;
            if reached(at.subject) {
                point = Some(at);
                break;
            }
            candidate = value::add(candidate, step).map_err(|_| cannot("overflow"))?;
        }
        let point = point.ok_or_else(|| cannot("no value of the lever found reaches it"))?;
        if candidate.is_sign_negative() && !from.is_sign_negative() {
            return Err(format!("`{name}` would have to be below zero"));
        }
        Ok(Reach {
            direction,
            lever: self.lever,
            threshold,
            subject_from: self.subject,
            subject_to: point.subject,
            lever_from: from,
            lever_to: candidate,
            arm_from: self.arm,
            arm_to: self.arm_at(point.subject),
            payout_from: self.payout,
            payout_to: point.payout,
        })
    }

    /// The arm of the tiers a subject falls in.
    fn arm_at(&self, subject: Decimal) -> usize {
        self.thresholds
            .iter()
            .position(|threshold| subject < *threshold)
            .unwrap_or(self.thresholds.len())
    }

    /// Evaluates the employee with the lever at `x`.
    fn at(&self, x: Decimal, work: &mut Workspace) -> Result<Point, String> {
        let Workspace {
            scratch,
            inputs,
            aggregates,
            ..
        } = work;
        inputs.clear();
        inputs.extend_from_slice(self.inputs);
        aggregates.clear();
        aggregates.extend_from_slice(self.aggregates);
        let slot = match self.lever {
            Lever::Input(index) => inputs.get_mut(index),
            Lever::Aggregate(index) => aggregates.get_mut(index).and_then(Option::as_mut),
        };
        if let Some(slot) = slot {
            *slot = Value::Num(x);
        }
        let verdict = self
            .explainer
            .program
            .evaluate(inputs, aggregates, scratch, &mut ())
            .map_err(|error| cannot(&error.to_string()))?;
        let env = Env {
            slots: scratch.slots(),
            fields: &[],
            inputs,
            aggregates,
        };
        let subject = formula::value_of(self.target.subject, &env)
            .and_then(|v| v.as_num())
            .ok_or_else(|| cannot("the subject has no value"))?;
        Ok(Point {
            subject,
            payout: verdict.payout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Overrides, bind};

    /// The levers of the (only) tiers table of a policy whose inputs are
    /// `revenue`, `plan` (money), `deals`, `calls` (counts).
    fn levers(subject: &str) -> Result<Vec<String>, String> {
        let source = format!(
            "policy \"t\"\ncurrency USD\ninput revenue : money\ninput plan : money\n\
             input deals : count\ninput calls : count\nparam goal = 10\n\
             kpi share : percent = revenue / plan\n\
             let x = tiers {subject} {{\n  below 1 : 0\n  otherwise : 1\n}}\n"
        );
        let ast = crate::syntax::parse(&source).map_err(|e| format!("{e:?}"))?;
        let plan = crate::check::check(&ast, &source)
            .map_err(|e| format!("{e:?}"))?
            .plan;
        let program = bind(&plan, &Overrides::default()).map_err(|e| format!("{e:?}"))?;
        let steps: Vec<(Slot, &Expr)> = plan.steps.iter().map(|s| (s.slot, &s.expr)).collect();
        let targets = targets(&program, &source, &steps);
        let target = targets.first().ok_or("no tiers")?;
        target.levers.clone().map(|levers| {
            levers
                .iter()
                .map(|lever| match lever {
                    Lever::Input(i) => input_name(&plan, *i).to_string(),
                    Lever::Aggregate(i) => format!("aggregate {i}"),
                })
                .collect()
        })
    }

    #[test]
    fn straight_lines_have_levers() {
        assert_eq!(levers("share"), Ok(vec!["revenue".to_string()]));
        assert_eq!(levers("deals"), Ok(vec!["deals".to_string()]));
        assert_eq!(
            levers("(deals + calls) / goal * 2 - 1"),
            Ok(vec!["deals".to_string(), "calls".to_string()])
        );
        assert_eq!(
            levers("if calls > 0 then deals / calls else 0"),
            Ok(vec!["deals".to_string()])
        );
    }

    #[test]
    fn other_shapes_say_why_not() {
        let why = |subject: &str| levers(subject).err().unwrap_or_default();
        // A product is a line in either factor alone, not in one squared.
        assert_eq!(
            levers("deals * calls"),
            Ok(vec!["deals".into(), "calls".into()])
        );
        assert!(why("deals * deals").contains("it multiplies `deals` by `deals`"));
        assert!(why("goal / deals").contains("it divides by `deals`"));
        assert!(why("min(deals, 5)").contains("it goes through `min`"));
        assert!(why("if deals > 2 then deals else 0").contains("the condition `deals > 2`"));
        assert!(why("goal").contains("it depends on no input"));
    }
}
