//! Explanations: how each employee's payout was reached, step by step, in
//! the policy's own words (`kpi eval --explain`).
//!
//! An [`Explainer`] prepares a bound program once: every formula cut into a
//! [`formula::Template`], every `tiers` table's subject analysed for the
//! next-tier computation. [`Explainer::explain`] then evaluates one
//! employee with the ordinary evaluator (its values are the report's), and
//! evaluates each formula once more with a recording [`Trace`] to learn
//! which arm of each table applied, which slices and components added up,
//! and which branch each `if` took. Writers turn an [`Explanation`] into
//! text, Markdown or JSON.

mod formula;
mod json;
mod markdown;
mod text;
mod tier;
mod words;

pub use json::JsonWriter;
pub use markdown::write_markdown;
pub use text::write_text;
pub use tier::{Direction, Lever, NextTier, Reach, TierOutcome};

use crate::data::{DataError, Employee};
use crate::eval::expr::{Env, eval};
use crate::eval::{EvalError, Frame, Program, Trace, Verdict};
use crate::plan::{Expr, Plan, Role, Slot, TableKind};
use crate::report::EmployeeAggregates;
use crate::value::{self, Value};
use formula::Template;
use rust_decimal::Decimal;
use std::sync::OnceLock;

/// What an explanation includes besides the steps.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Compute what it would take to reach the next tier of each `tiers`.
    pub next_tier: bool,
    /// Params given on the command line (`--set`), marked as such.
    pub overridden: Vec<Slot>,
}

/// A program prepared for explaining employees.
pub struct Explainer<'a> {
    program: &'a Program<'a>,
    plan: &'a Plan,
    source: &'a str,
    steps: Vec<StepInfo<'a>>,
    gates: Vec<Template<'a>>,
    cap: Option<Template<'a>>,
    /// Each aggregate as written: `count(deals where stage == "won")`.
    aggregates: Vec<String>,
    targets: Vec<tier::Target<'a>>,
    options: Options,
    /// The params' part of a statement, the same for every employee.
    params_text: OnceLock<String>,
    params_markdown: OnceLock<String>,
}

struct StepInfo<'a> {
    slot: Slot,
    expr: &'a Expr,
    template: Template<'a>,
}

impl<'a> Explainer<'a> {
    /// Prepares `program`, whose policy's text is `source` (the spans of
    /// the plan point into it).
    pub fn new(program: &'a Program<'a>, source: &'a str, options: Options) -> Explainer<'a> {
        let plan = program.plan;
        // The plan's own formulas, not the program's: their params are
        // still names, so they can be shown as written and substituted.
        let steps: Vec<StepInfo<'a>> = plan
            .steps
            .iter()
            .map(|step| StepInfo {
                slot: step.slot,
                expr: &step.expr,
                template: Template::new(&step.expr, plan, source),
            })
            .collect();
        let gates = plan
            .gates
            .iter()
            .map(|gate| Template::new(&gate.cond, plan, source))
            .collect();
        let cap = plan
            .cap
            .as_ref()
            .map(|cap| Template::new(cap, plan, source));
        let aggregates = plan
            .aggregates
            .iter()
            .map(|a| {
                formula::clean(formula::slice(source, a.span))
                    .trim()
                    .to_string()
            })
            .collect();
        let targets = if options.next_tier {
            tier::targets(program, source, &steps_exprs(&steps))
        } else {
            Vec::new()
        };
        Explainer {
            program,
            plan,
            source,
            steps,
            gates,
            cap,
            aggregates,
            targets,
            options,
            params_text: OnceLock::new(),
            params_markdown: OnceLock::new(),
        }
    }

    pub fn plan(&self) -> &'a Plan {
        self.plan
    }

    /// Explains one employee of a dataset, given their aggregates (none
    /// when the policy has no records).
    pub fn explain<'e>(
        &'e self,
        employee: &'e Employee,
        aggregates: Option<&'e EmployeeAggregates>,
        work: &mut Workspace,
    ) -> Explanation<'e> {
        let body = match (&employee.inputs, aggregates) {
            (Err(errors), _) => Err(Unexplained::Data(errors)),
            (Ok(_), Some(Err(error))) => Err(Unexplained::Records(error)),
            (Ok(inputs), Some(Ok(values))) => Ok(self.statement(inputs, values, work)),
            (Ok(inputs), None) => Ok(self.statement(inputs, &[], work)),
        };
        Explanation {
            id: &employee.id,
            name: employee.name.as_deref(),
            body,
        }
    }

    fn statement<'e>(
        &'e self,
        inputs: &'e [Value],
        aggregates: &'e [Option<Value>],
        work: &mut Workspace,
    ) -> Statement<'e> {
        let program = self.program;
        let (verdict, error) = match program.evaluate(inputs, aggregates, &mut work.frame, &mut ())
        {
            Ok(verdict) => (Some(verdict), None),
            Err(error) => {
                // A fresh frame, so that the steps done before the error
                // are told apart from values of the previous employee.
                work.frame = Frame::new(program);
                let _ = program.evaluate(inputs, aggregates, &mut work.frame, &mut ());
                (None, Some(error))
            }
        };
        let Workspace {
            frame, recorder, ..
        } = work;
        let env = Env {
            slots: frame.slots(),
            fields: &[],
            inputs,
            aggregates,
        };
        let mut steps = Vec::with_capacity(self.steps.len());
        for (index, info) in self.steps.iter().enumerate() {
            let value = frame.get(info.slot).cloned();
            let done = value.is_some();
            let mut explained =
                self.explain_formula(index, info.expr, &info.template, &env, recorder);
            if self.plan.slot(info.slot).role == Role::Bonus
                && let (Some(Value::Num(exact)), Some(Value::Num(rounded))) =
                    (&explained.value, &value)
                && exact != rounded
            {
                explained.exact = Some(*exact);
            }
            explained.value = value;
            steps.push(explained);
            if !done {
                break;
            }
        }

        let mut statement = Statement {
            inputs,
            aggregates,
            lines: Vec::new(),
            steps,
            error,
            gates: Vec::new(),
            lines_total: Decimal::ZERO,
            cap: CapExplained::None,
            verdict: None,
            next_tiers: Vec::new(),
        };
        let Some(verdict) = verdict else {
            return statement;
        };
        for (index, (template, gate)) in self.gates.iter().zip(&self.plan.gates).enumerate() {
            let explained = self.explain_formula(index, &gate.cond, template, &env, recorder);
            statement.gates.push(GateExplained {
                explained,
                passed: !verdict.failed_gates.contains(&index),
            });
        }
        statement.lines = self
            .plan
            .bonuses
            .iter()
            .map(|slot| frame.get(*slot).and_then(Value::as_num).unwrap_or_default())
            .collect();
        statement.lines_total = statement.lines.iter().fold(Decimal::ZERO, |sum, line| {
            sum.checked_add(*line).unwrap_or(Decimal::MAX)
        });
        if let (Some(template), Some(cap)) = (&self.cap, &self.plan.cap) {
            statement.cap = if verdict.failed_gates.is_empty() {
                let explained = self.explain_formula(0, cap, template, &env, recorder);
                let limit = explained
                    .value
                    .as_ref()
                    .and_then(Value::as_num)
                    .map(|limit| value::round(limit, self.plan.rounding));
                match limit {
                    Some(limit) => CapExplained::Evaluated {
                        explained,
                        limit,
                        capped: verdict.capped,
                    },
                    None => CapExplained::NotEvaluated,
                }
            } else {
                CapExplained::NotEvaluated
            };
        }
        if self.options.next_tier {
            statement.next_tiers =
                tier::next_tiers(self, &statement, inputs, aggregates, &verdict, work);
        }
        statement.verdict = Some(verdict);
        statement
    }

    /// Evaluates one formula again, recording what its tables and `if`s
    /// did. The value is the formula's exact value (a bonus line before
    /// rounding).
    fn explain_formula(
        &self,
        index: usize,
        expr: &Expr,
        template: &Template<'_>,
        env: &Env<'_>,
        recorder: &mut Recorder,
    ) -> Explained {
        recorder.clear();
        let value = eval(expr, env, recorder).ok();
        let evaluated = |id: u32| {
            template
                .tables
                .iter()
                .find(|info| info.table.id == id)
                .is_some_and(|info| recorder.evaluated(info.table.id, &info.guards))
        };
        let substituted = (!template.is_single_hole() && !template.is_constant())
            .then(|| template.substitute(self.plan, env, evaluated));
        let mut tables = Vec::new();
        for (position, info) in template.tables.iter().enumerate() {
            if !recorder.evaluated(info.table.id, &info.guards) {
                continue;
            }
            if let Some(detail) = table_detail(&info.table.kind, info.table.id, env, recorder) {
                tables.push(TableExplained {
                    index: position,
                    detail,
                });
            }
        }
        let branches = template
            .ifs
            .iter()
            .enumerate()
            .filter_map(|(position, info)| {
                recorder
                    .taken(info.branch.id)
                    .map(|taken| (position, taken))
            })
            .collect();
        Explained {
            index,
            substituted,
            value,
            exact: None,
            tables,
            branches,
        }
    }
}

fn steps_exprs<'a>(steps: &[StepInfo<'a>]) -> Vec<(Slot, &'a Expr)> {
    steps.iter().map(|step| (step.slot, step.expr)).collect()
}

/// What one table did for the employee, from the recorded trace.
fn table_detail(
    kind: &TableKind,
    id: u32,
    env: &Env<'_>,
    recorder: &Recorder,
) -> Option<TableDetail> {
    let num = |expr: &Expr| formula::value_of(expr, env).and_then(|v| v.as_num());
    Some(match kind {
        TableKind::Tiers {
            subject,
            thresholds,
            values,
        } => {
            let arm = recorder.arm(id)?;
            TableDetail::Tiers {
                subject: num(subject)?,
                arm,
                lower: arm
                    .checked_sub(1)
                    .and_then(|i| thresholds.get(i))
                    .and_then(num),
                upper: thresholds.get(arm).and_then(num),
                value: formula::value_of(values.get(arm)?, env)?,
            }
        }
        TableKind::Match {
            subject, values, ..
        } => {
            let arm = recorder.arm(id)?;
            TableDetail::Match {
                subject: formula::value_of(subject, env)?,
                arm,
                value: formula::value_of(values.get(arm)?, env)?,
            }
        }
        TableKind::Marginal { subject, .. } => {
            let mut from = Decimal::ZERO;
            let mut slices = Vec::new();
            let mut total = Decimal::ZERO;
            for term in recorder.terms(id) {
                let to = from.checked_add(term.base)?;
                slices.push(Slice {
                    arm: term.arm,
                    from,
                    to,
                    rate: term.factor,
                    amount: term.amount,
                });
                total = total.checked_add(term.amount)?;
                from = to;
            }
            TableDetail::Marginal {
                subject: num(subject)?,
                slices,
                total,
            }
        }
        TableKind::Curve {
            subject,
            points,
            values,
        } => {
            let arm = recorder.arm(id)?;
            let subject = num(subject)?;
            let point = |i: usize| Some((num(points.get(i)?)?, num(values.get(i)?)?));
            let at = point(arm)?;
            let (lower, upper) = if subject > at.0 {
                (Some(at), None)
            } else if arm == 0 || subject == at.0 {
                (None, Some(at))
            } else {
                (point(arm - 1), Some(at))
            };
            let value = match (lower, upper) {
                (Some((_, v)), None) | (None, Some((_, v))) => v,
                (Some((p0, v0)), Some((p1, v1))) => curve_value(subject, p0, v0, p1, v1)?,
                (None, None) => return None,
            };
            TableDetail::Curve {
                subject,
                arm,
                lower,
                upper,
                value,
            }
        }
        TableKind::Weighted { .. } => {
            let terms: Vec<Term> = recorder
                .terms(id)
                .map(|t| Term {
                    arm: t.arm,
                    value: t.base,
                    weight: t.factor,
                    amount: t.amount,
                })
                .collect();
            let mut total = Decimal::ZERO;
            for term in &terms {
                total = total.checked_add(term.amount)?;
            }
            TableDetail::Weighted { terms, total }
        }
    })
}

/// The curve's value between two points, as the evaluator computes it.
fn curve_value(s: Decimal, p0: Decimal, v0: Decimal, p1: Decimal, v1: Decimal) -> Option<Decimal> {
    let rise = value::mul(value::sub(s, p0).ok()?, value::sub(v1, v0).ok()?).ok()?;
    let step = value::div(rise, value::sub(p1, p0).ok()?).ok()?;
    value::add(v0, step).ok()
}

/// Reusable buffers for explaining one employee after another.
pub struct Workspace {
    frame: Frame,
    /// For re-evaluating an employee with one value changed.
    scratch: Frame,
    recorder: Recorder,
    inputs: Vec<Value>,
    aggregates: Vec<Option<Value>>,
}

impl Workspace {
    pub fn new(explainer: &Explainer<'_>) -> Workspace {
        Workspace {
            frame: Frame::new(explainer.program),
            scratch: Frame::new(explainer.program),
            recorder: Recorder::default(),
            inputs: Vec::new(),
            aggregates: Vec::new(),
        }
    }
}

/// One employee, explained.
#[derive(Debug)]
pub struct Explanation<'e> {
    pub id: &'e str,
    pub name: Option<&'e str>,
    pub body: Result<Statement<'e>, Unexplained<'e>>,
}

impl Explanation<'_> {
    /// Whether the employee could not be evaluated (data or evaluation).
    pub fn has_error(&self) -> bool {
        match &self.body {
            Ok(statement) => statement.error.is_some(),
            Err(_) => true,
        }
    }
}

/// Why an employee could not be explained at all.
#[derive(Debug)]
pub enum Unexplained<'e> {
    /// Their data row has errors.
    Data(&'e [DataError]),
    /// Their records could not be aggregated.
    Records(&'e EvalError),
}

/// The walk from an employee's inputs to their payout.
#[derive(Debug)]
pub struct Statement<'e> {
    /// The employee's inputs, in declaration order.
    pub inputs: &'e [Value],
    /// The employee's aggregates (`None`: `avg`, `min`, `max` of none).
    pub aggregates: &'e [Option<Value>],
    /// Each bonus line, rounded, in declaration order.
    pub lines: Vec<Decimal>,
    /// Lets, kpis and bonus lines in dependency order; when evaluation
    /// failed, those done and then the one that failed (without a value).
    pub steps: Vec<Explained>,
    pub error: Option<EvalError>,
    pub gates: Vec<GateExplained>,
    /// The sum of the rounded bonus lines.
    pub lines_total: Decimal,
    pub cap: CapExplained,
    /// None when evaluation failed.
    pub verdict: Option<Verdict>,
    pub next_tiers: Vec<NextTier>,
}

/// One formula (a step, a gate or the cap) for one employee.
#[derive(Debug)]
pub struct Explained {
    /// Which step or gate.
    pub index: usize,
    /// The formula with values in place of names; None where it would only
    /// repeat the formula or the value.
    pub substituted: Option<String>,
    /// The value (a bonus line rounded); None where it failed.
    pub value: Option<Value>,
    /// A bonus line's value before rounding, where rounding changed it.
    pub exact: Option<Decimal>,
    /// What each table of the formula did, in source order.
    pub tables: Vec<TableExplained>,
    /// Each `if` evaluated (by position in the formula) and whether it
    /// took its `then` branch.
    pub branches: Vec<(usize, bool)>,
}

#[derive(Debug)]
pub struct GateExplained {
    pub explained: Explained,
    pub passed: bool,
}

#[derive(Debug)]
pub enum CapExplained {
    /// The policy has no cap.
    None,
    /// A gate failed, so the cap was not looked at.
    NotEvaluated,
    Evaluated {
        explained: Explained,
        /// The cap, rounded like a bonus line.
        limit: Decimal,
        /// Whether the lines' sum was above it.
        capped: bool,
    },
}

#[derive(Debug)]
pub struct TableExplained {
    /// Position of the table in its formula.
    pub index: usize,
    pub detail: TableDetail,
}

#[derive(Debug)]
pub enum TableDetail {
    /// Arm `arm` applied: `lower <= subject < upper`.
    Tiers {
        subject: Decimal,
        arm: usize,
        lower: Option<Decimal>,
        upper: Option<Decimal>,
        value: Value,
    },
    Match {
        subject: Value,
        arm: usize,
        value: Value,
    },
    /// The slices that contributed, lowest first.
    Marginal {
        subject: Decimal,
        slices: Vec<Slice>,
        total: Decimal,
    },
    /// `lower` and `upper` are the points (point, value) interpolated
    /// between; only `upper` at or below the first point or on a point,
    /// only `lower` above the last.
    Curve {
        subject: Decimal,
        arm: usize,
        lower: Option<(Decimal, Decimal)>,
        upper: Option<(Decimal, Decimal)>,
        value: Decimal,
    },
    Weighted {
        terms: Vec<Term>,
        total: Decimal,
    },
}

/// One slice of a `marginal` table: `(to - from) × rate = amount`.
#[derive(Debug)]
pub struct Slice {
    pub arm: usize,
    pub from: Decimal,
    pub to: Decimal,
    pub rate: Decimal,
    pub amount: Decimal,
}

/// One component of a `weighted` table: `value × weight = amount`.
#[derive(Debug)]
pub struct Term {
    pub arm: usize,
    pub value: Decimal,
    pub weight: Decimal,
    pub amount: Decimal,
}

/// A trace that keeps what evaluation did, for one formula at a time.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    arms: Vec<(u32, usize)>,
    branches: Vec<(u32, bool)>,
    terms: Vec<RecordedTerm>,
}

#[derive(Debug)]
struct RecordedTerm {
    table: u32,
    arm: usize,
    base: Decimal,
    factor: Decimal,
    amount: Decimal,
}

impl Recorder {
    fn clear(&mut self) {
        self.arms.clear();
        self.branches.clear();
        self.terms.clear();
    }

    /// The arm that applied (the last slice, for `marginal`).
    fn arm(&self, table: u32) -> Option<usize> {
        self.arms
            .iter()
            .rev()
            .find(|(t, _)| *t == table)
            .map(|(_, arm)| *arm)
    }

    fn taken(&self, id: u32) -> Option<bool> {
        self.branches
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, taken)| *taken)
    }

    fn terms(&self, table: u32) -> impl Iterator<Item = &RecordedTerm> {
        self.terms.iter().filter(move |t| t.table == table)
    }

    /// Whether a table was evaluated: an arm of it applied, or (a
    /// `marginal` of a subject at or below zero applies none) every `if`
    /// branch it sits in was taken.
    fn evaluated(&self, table: u32, guards: &[(u32, bool)]) -> bool {
        self.arm(table).is_some()
            || guards
                .iter()
                .all(|(id, taken)| self.taken(*id) == Some(*taken))
    }
}

impl Trace for Recorder {
    fn table_arm(&mut self, table: u32, arm: usize) {
        self.arms.push((table, arm));
    }

    fn branch(&mut self, id: u32, taken: bool) {
        self.branches.push((id, taken));
    }

    fn table_term(
        &mut self,
        table: u32,
        arm: usize,
        base: Decimal,
        factor: Decimal,
        amount: Decimal,
    ) {
        self.terms.push(RecordedTerm {
            table,
            arm,
            base,
            factor,
            amount,
        });
    }
}
