//! Warnings: policies that check but are probably not what their author
//! meant. They run on a plan without errors, with the params at the values
//! the policy gives them (`--set` may change those at run time).
//!
//! Each warning is silenced for one declaration by a comment marker, e.g.
//! `# kpi:allow(unused)` (see [`super::allow`]).

use super::allow;
use crate::ast;
use crate::eval::expr::Env;
use crate::eval::{self, Overrides, Program};
use crate::plan::{
    AggregateFunc, ArithOp, Builtin, CmpOp, Expr, ExprKind, Plan, Role, Slot, Table, TableKind,
};
use crate::span::Span;
use crate::suggest;
use crate::value::{self, Type, Value};
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use thiserror::Error;

/// The names of the warnings, as a `kpi:allow(…)` marker writes them: the
/// last part of each code.
pub const WARNING_NAMES: &[&str] = &[
    "unused",
    "report_only",
    "always_zero",
    "unreachable_arm",
    "constant_gate",
    "decreasing_curve",
    "unguarded_division",
    "similar_cases",
];

/// A warning about a policy that checks. `kpi check` exits 0 with warnings
/// unless `--deny-warnings` is given.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum Warning {
    #[error("{role} `{name}` is never used")]
    #[diagnostic(code(kpi::check::unused), severity(Warning))]
    Unused {
        role: &'static str,
        name: String,
        #[label("nothing uses this {role}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("kpi `{name}` affects no payout")]
    #[diagnostic(
        code(kpi::check::report_only),
        severity(Advice),
        help(
            "it is still reported for every employee; if it should count, use it in a bonus line, a gate or the cap, else mark it `# kpi:allow(report_only)`"
        )
    )]
    ReportOnly {
        name: String,
        #[label("no bonus line, gate or cap uses this kpi")]
        span: SourceSpan,
    },

    #[error("bonus line `{name}` is always zero")]
    #[diagnostic(code(kpi::check::always_zero), severity(Warning))]
    AlwaysZero {
        name: String,
        #[label(collection)]
        labels: Vec<LabeledSpan>,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::unreachable_arm), severity(Warning))]
    UnreachableArm {
        message: String,
        #[label(collection)]
        labels: Vec<LabeledSpan>,
        #[help]
        help: String,
    },

    #[error("this gate is always {value}")]
    #[diagnostic(code(kpi::check::constant_gate), severity(Warning))]
    ConstantGate {
        value: bool,
        #[label("always {value}")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("the values of this `curve` go down")]
    #[diagnostic(
        code(kpi::check::decreasing_curve),
        severity(Warning),
        help(
            "a payout curve usually rises with its subject; if lower is better here (a processing time, an error rate), mark the declaration `# kpi:allow(decreasing_curve)`"
        )
    )]
    DecreasingCurve {
        #[label(collection)]
        labels: Vec<LabeledSpan>,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::unguarded_division), severity(Warning))]
    UnguardedDivision {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: String,
    },

    #[error("`\"{first}\"` and `\"{second}\"` differ only in letter case or spaces")]
    #[diagnostic(
        code(kpi::check::similar_cases),
        severity(Warning),
        help(
            "`match` compares text exactly, so each arm takes only the spelling it lists; if both spellings occur in the data, mark the declaration `# kpi:allow(similar_cases)`"
        )
    )]
    SimilarCases {
        first: String,
        second: String,
        #[label("`\"{second}\"` here")]
        span: SourceSpan,
        #[label("`\"{first}\"` here")]
        other: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::bad_allow), severity(Warning))]
    BadAllow {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },
}

impl Warning {
    /// The last part of the code: the name a `kpi:allow(…)` marker uses.
    pub fn name(&self) -> String {
        Diagnostic::code(self)
            .map(|code| code.to_string())
            .and_then(|code| code.rsplit("::").next().map(str::to_string))
            .unwrap_or_default()
    }
}

/// Every warning about a plan that checked, minus those its markers
/// allow, in the order they appear in the file.
pub(super) fn lint(plan: &Plan, policy: &ast::Policy, source: &str) -> Vec<Warning> {
    let Ok(program) = eval::bind(plan, &Overrides::default()) else {
        // The checker reports bind errors; a plan that has them is not linted.
        return Vec::new();
    };
    let mut lints = Lints {
        plan,
        program: &program,
        source,
        warnings: Vec::new(),
        ranges: HashMap::new(),
        zero: HashMap::new(),
    };
    lints.unused();
    lints.steps();
    lints.gates();
    lints.tables();
    lints.divisions();

    let allows = allow::scan(source, policy);
    let mut warnings: Vec<Warning> = lints
        .warnings
        .into_iter()
        .filter(|warning| {
            let offset = super::first_offset(warning);
            // Items are in file order: the last one starting at or before
            // the warning's place, if the place is inside it.
            let item = policy
                .items
                .partition_point(|item| item.span.start <= offset)
                .checked_sub(1)
                .filter(|i| offset < policy.items[*i].span.end.max(1));
            !item.is_some_and(|item| allows.allows(item, &warning.name()))
        })
        .collect();
    for name in &allows.names {
        let short = name.name.rsplit("::").next().unwrap_or(&name.name);
        if !WARNING_NAMES.contains(&short) {
            warnings.push(Warning::BadAllow {
                message: format!("`kpi:allow({})` names no warning", name.name),
                span: name.span.into(),
                label: "not a warning's name".to_string(),
                help: suggest::did_you_mean(short, WARNING_NAMES.iter().copied())
                    .or_else(|| Some(format!("the warnings are {}", WARNING_NAMES.join(", ")))),
            });
        } else if !name.attached {
            warnings.push(Warning::BadAllow {
                message: format!("`kpi:allow({})` is not attached to a declaration", name.name),
                span: name.span.into(),
                label: "silences nothing".to_string(),
                help: Some(
                    "write the marker at the end of a line of the declaration, or on a comment line right above it, without a blank line between"
                        .to_string(),
                ),
            });
        }
    }
    warnings.sort_by_key(|warning| super::first_offset(warning));
    warnings
}

/// A closed range of numbers; `None` is unbounded on that side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    lo: Option<Decimal>,
    hi: Option<Decimal>,
}

impl Range {
    const ANY: Range = Range { lo: None, hi: None };

    fn exactly(n: Decimal) -> Range {
        Range {
            lo: Some(n),
            hi: Some(n),
        }
    }

    fn at_least(n: Decimal) -> Range {
        Range {
            lo: Some(n),
            hi: None,
        }
    }

    fn union(self, other: Range) -> Range {
        Range {
            lo: self.lo.zip(other.lo).map(|(a, b)| a.min(b)),
            hi: self.hi.zip(other.hi).map(|(a, b)| a.max(b)),
        }
    }

    fn non_negative(self) -> bool {
        self.lo.is_some_and(|lo| lo >= Decimal::ZERO)
    }

    /// "at least 0", "between 0 and 1.5", "exactly 2".
    fn describe(self) -> String {
        let show = value::exact_string;
        match (self.lo, self.hi) {
            (Some(lo), Some(hi)) if lo == hi => format!("exactly {}", show(lo)),
            (Some(lo), Some(hi)) => format!("between {} and {}", show(lo), show(hi)),
            (Some(lo), None) => format!("at least {}", show(lo)),
            (None, Some(hi)) => format!("at most {}", show(hi)),
            (None, None) => "any number".to_string(),
        }
    }
}

fn both(
    a: Option<Decimal>,
    b: Option<Decimal>,
    f: fn(Decimal, Decimal) -> Option<Decimal>,
) -> Option<Decimal> {
    a.zip(b).and_then(|(a, b)| f(a, b))
}

struct Lints<'p> {
    plan: &'p Plan,
    program: &'p Program<'p>,
    source: &'p str,
    warnings: Vec<Warning>,
    /// The range of each computed value, filled in evaluation order.
    ranges: HashMap<Slot, Range>,
    /// Computed values that are always zero, with the reason's span.
    zero: HashMap<Slot, Span>,
}

impl Lints<'_> {
    /// The source text of a span, for messages.
    fn text(&self, span: Span) -> &str {
        self.source
            .get(span.start..span.end)
            .unwrap_or_default()
            .trim()
    }

    // -- unused inputs, params, lets; kpis that pay nothing -----------------

    fn unused(&mut self) {
        let plan = self.plan;
        let mut used: HashSet<Slot> = HashSet::new();
        let mut used_sets: HashSet<usize> = HashSet::new();
        for expr in plan.exprs() {
            collect_slots(expr, &mut used);
        }
        for aggregate in &plan.aggregates {
            used_sets.insert(aggregate.set);
        }
        for (index, info) in plan.slots.iter().enumerate() {
            let slot = Slot(index as u32);
            if used.contains(&slot) {
                continue;
            }
            let help = match info.role {
                Role::Input => {
                    "remove it, or use it in a formula (a data file may still hold the column)"
                }
                Role::Param => "remove it, or use it in a formula",
                Role::Let => "remove it, or use it in a kpi, a bonus line, a gate or the cap",
                Role::Kpi | Role::Bonus => continue,
            };
            self.warnings.push(Warning::Unused {
                role: info.role.keyword(),
                name: info.name.clone(),
                span: info.span.into(),
                help: help.to_string(),
            });
        }
        for (index, set) in plan.record_sets.iter().enumerate() {
            if !used_sets.contains(&index) {
                self.warnings.push(Warning::Unused {
                    role: "record set",
                    name: set.name.clone(),
                    span: set.span.into(),
                    help: format!(
                        "aggregate it, e.g. `count({0})` or `sum({0}.FIELD)`, or remove it",
                        set.name
                    ),
                });
            }
        }

        // What the payout depends on: bonus lines, gates and the cap, and
        // everything they use, through lets, kpis and aggregates.
        let steps: HashMap<Slot, &Expr> = plan
            .params
            .iter()
            .chain(&plan.steps)
            .map(|step| (step.slot, &step.expr))
            .collect();
        let mut pays: HashSet<Slot> = plan.bonuses.iter().copied().collect();
        let mut todo: Vec<&Expr> = plan
            .bonuses
            .iter()
            .filter_map(|s| steps.get(s).copied())
            .collect();
        todo.extend(plan.gates.iter().map(|gate| &gate.cond));
        todo.extend(plan.cap.iter());
        while let Some(expr) = todo.pop() {
            let mut found = HashSet::new();
            collect_slots(expr, &mut found);
            collect_aggregate_slots(plan, expr, &mut found);
            for slot in found {
                if pays.insert(slot)
                    && let Some(next) = steps.get(&slot)
                {
                    todo.push(next);
                }
            }
        }
        // A policy without bonus lines only reports its kpis.
        let reports_only = plan.bonuses.is_empty();
        for slot in &plan.kpis {
            if !reports_only && !pays.contains(slot) {
                let info = plan.slot(*slot);
                self.warnings.push(Warning::ReportOnly {
                    name: info.name.clone(),
                    span: info.span.into(),
                });
            }
        }
    }

    // -- ranges and zeros of computed values; bonus lines that pay nothing --

    fn steps(&mut self) {
        let program = self.program;
        for step in program.steps() {
            let range = self.range(&step.expr);
            self.ranges.insert(step.slot, range);
            if let Some(cause) = self.always_zero(&step.expr) {
                self.zero.insert(step.slot, cause);
            }
            let info = self.plan.slot(step.slot);
            if info.role != Role::Bonus {
                continue;
            }
            let Some(cause) = self.zero.get(&step.slot).copied() else {
                continue;
            };
            let mut labels = vec![LabeledSpan::new_with_span(
                Some("this line never pays anything".to_string()),
                info.span,
            )];
            let whole = step.expr.span;
            if cause.start != whole.start || cause.end != whole.end {
                labels.push(LabeledSpan::new_with_span(
                    Some("because this is always zero".to_string()),
                    cause,
                ));
            } else {
                labels.push(LabeledSpan::new_with_span(
                    Some("always zero".to_string()),
                    cause,
                ));
            }
            self.warnings.push(Warning::AlwaysZero {
                name: info.name.clone(),
                labels,
                help: "a zero rate, amount or table value makes a product zero; check the params' values and the table's values"
                    .to_string(),
            });
        }
    }

    /// Where an expression is always zero, the span of the reason.
    fn always_zero(&self, expr: &Expr) -> Option<Span> {
        match &expr.kind {
            ExprKind::Const(Value::Num(n)) if n.is_zero() => Some(expr.span),
            ExprKind::Slot(slot) => self.zero.get(slot).map(|_| expr.span),
            ExprKind::Neg(inner) => self.always_zero(inner),
            ExprKind::Arith(ArithOp::Mul, a, b) => {
                self.always_zero(a).or_else(|| self.always_zero(b))
            }
            ExprKind::Arith(ArithOp::Div, a, _) => self.always_zero(a),
            ExprKind::Arith(_, a, b) => (self.always_zero(a).is_some()
                && self.always_zero(b).is_some())
            .then_some(expr.span),
            ExprKind::If(branch) => match branch.cond.as_const() {
                Some(Value::Bool(true)) => self.always_zero(&branch.then),
                Some(Value::Bool(false)) => self.always_zero(&branch.otherwise),
                _ => (self.always_zero(&branch.then).is_some()
                    && self.always_zero(&branch.otherwise).is_some())
                .then_some(expr.span),
            },
            ExprKind::Call(builtin, args) => match builtin {
                Builtin::Abs | Builtin::Round | Builtin::Floor | Builtin::Ceil => {
                    args.first().and_then(|arg| self.always_zero(arg))
                }
                Builtin::Min | Builtin::Max | Builtin::Clamp => args
                    .iter()
                    .all(|arg| self.always_zero(arg).is_some())
                    .then_some(expr.span),
            },
            ExprKind::Table(table) => {
                let values = match &table.kind {
                    TableKind::Tiers { values, .. }
                    | TableKind::Curve { values, .. }
                    | TableKind::Match { values, .. }
                    | TableKind::Weighted { values, .. } => values,
                    TableKind::Marginal { rates, .. } => rates,
                };
                values
                    .iter()
                    .all(|value| self.always_zero(value).is_some())
                    .then_some(expr.span)
            }
            _ => None,
        }
    }

    /// The numbers an expression can take, as far as cheaply known.
    fn range(&self, expr: &Expr) -> Range {
        let plan = self.plan;
        match &expr.kind {
            ExprKind::Const(Value::Num(n)) => Range::exactly(*n),
            ExprKind::Slot(slot) => match plan.slot(*slot).role {
                Role::Input if plan.slot(*slot).ty == Type::Count => Range::at_least(Decimal::ZERO),
                Role::Input => Range::ANY,
                Role::Param => match self.program.param_values.get(slot.index()) {
                    Some(Some(Value::Num(n))) => Range::exactly(*n),
                    _ => Range::ANY,
                },
                _ => self.ranges.get(slot).copied().unwrap_or(Range::ANY),
            },
            ExprKind::Aggregate(index) => match self.program.aggregates().get(*index as usize) {
                Some(a) if matches!(a.func, AggregateFunc::Count | AggregateFunc::Distinct) => {
                    Range::at_least(Decimal::ZERO)
                }
                _ => Range::ANY,
            },
            ExprKind::Neg(inner) => {
                let r = self.range(inner);
                Range {
                    lo: r.hi.map(|n| -n),
                    hi: r.lo.map(|n| -n),
                }
            }
            ExprKind::Arith(op, a, b) => {
                let (a, b) = (self.range(a), self.range(b));
                match op {
                    ArithOp::Add => Range {
                        lo: both(a.lo, b.lo, Decimal::checked_add),
                        hi: both(a.hi, b.hi, Decimal::checked_add),
                    },
                    ArithOp::Sub => Range {
                        lo: both(a.lo, b.hi, Decimal::checked_sub),
                        hi: both(a.hi, b.lo, Decimal::checked_sub),
                    },
                    ArithOp::Mul if a.non_negative() && b.non_negative() => Range {
                        lo: both(a.lo, b.lo, Decimal::checked_mul),
                        hi: both(a.hi, b.hi, Decimal::checked_mul),
                    },
                    ArithOp::Div if a.non_negative() && b.non_negative() => {
                        Range::at_least(Decimal::ZERO)
                    }
                    _ => Range::ANY,
                }
            }
            ExprKind::If(branch) => match branch.cond.as_const() {
                Some(Value::Bool(true)) => self.range(&branch.then),
                Some(Value::Bool(false)) => self.range(&branch.otherwise),
                _ => self
                    .range(&branch.then)
                    .union(self.range(&branch.otherwise)),
            },
            ExprKind::Call(builtin, args) => {
                let ranges: Vec<Range> = args.iter().map(|arg| self.range(arg)).collect();
                match (builtin, ranges.as_slice()) {
                    (Builtin::Abs, _) => Range::at_least(Decimal::ZERO),
                    (Builtin::Min, [first, rest @ ..]) => {
                        rest.iter().fold(*first, |acc, r| Range {
                            lo: acc.lo.zip(r.lo).map(|(a, b)| a.min(b)),
                            hi: match (acc.hi, r.hi) {
                                (Some(a), Some(b)) => Some(a.min(b)),
                                (a, b) => a.or(b),
                            },
                        })
                    }
                    (Builtin::Max, [first, rest @ ..]) => {
                        rest.iter().fold(*first, |acc, r| Range {
                            lo: match (acc.lo, r.lo) {
                                (Some(a), Some(b)) => Some(a.max(b)),
                                (a, b) => a.or(b),
                            },
                            hi: acc.hi.zip(r.hi).map(|(a, b)| a.max(b)),
                        })
                    }
                    (Builtin::Clamp, [_, low, high]) => Range {
                        lo: low.lo,
                        hi: high.hi,
                    },
                    _ => Range::ANY,
                }
            }
            ExprKind::Table(table) => match &table.kind {
                TableKind::Tiers { values, .. }
                | TableKind::Curve { values, .. }
                | TableKind::Match { values, .. } => values
                    .iter()
                    .map(|value| self.range(value))
                    .reduce(Range::union)
                    .unwrap_or(Range::ANY),
                _ => Range::ANY,
            },
            _ => Range::ANY,
        }
    }

    /// Whether a condition is always true or always false.
    fn truth(&self, expr: &Expr) -> Option<bool> {
        match &expr.kind {
            ExprKind::Const(Value::Bool(b)) => Some(*b),
            ExprKind::Not(inner) => self.truth(inner).map(|b| !b),
            ExprKind::And(a, b) => match (self.truth(a), self.truth(b)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            ExprKind::Or(a, b) => match (self.truth(a), self.truth(b)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            ExprKind::Compare(op, a, b) => {
                let (a, b) = (self.range(a), self.range(b));
                let above = |x: Option<Decimal>, y: Option<Decimal>| {
                    both(x, y, |x, y| Some(x).filter(|x| *x > y)).is_some()
                };
                let at_least = |x: Option<Decimal>, y: Option<Decimal>| {
                    both(x, y, |x, y| Some(x).filter(|x| *x >= y)).is_some()
                };
                match op {
                    // a > b: always when a's least is above b's most.
                    CmpOp::Gt => decide(above(a.lo, b.hi), at_least(b.lo, a.hi)),
                    CmpOp::Ge => decide(at_least(a.lo, b.hi), above(b.lo, a.hi)),
                    CmpOp::Lt => decide(above(b.lo, a.hi), at_least(a.lo, b.hi)),
                    CmpOp::Le => decide(at_least(b.lo, a.hi), above(a.lo, b.hi)),
                    CmpOp::Eq | CmpOp::Ne => {
                        let apart = above(a.lo, b.hi) || above(b.lo, a.hi);
                        let same = a.lo.is_some() && a.lo == a.hi && a.lo == b.lo && b.lo == b.hi;
                        let equal = decide(same, apart);
                        if *op == CmpOp::Eq {
                            equal
                        } else {
                            equal.map(|b| !b)
                        }
                    }
                }
            }
            _ => None,
        }
    }

    // -- gates that never or always stop a payout ----------------------------

    fn gates(&mut self) {
        for gate in self.program.gates() {
            let Some(value) = self.truth(&gate.cond) else {
                continue;
            };
            let help = if value {
                "it never stops a payout; check the comparison and its threshold, or remove the gate"
            } else {
                "no one is ever paid under this policy; check the direction of the comparison (`>=` or `<=`) and its threshold"
            };
            self.warnings.push(Warning::ConstantGate {
                value,
                span: gate.cond.span.into(),
                help: help.to_string(),
            });
        }
    }

    // -- tables: arms never reached, curves that go down, similar cases ----

    fn tables(&mut self) {
        // The plan's tables, not the folded program's: a table whose
        // subject is a constant is folded away there.
        let mut tables: Vec<&Table> = Vec::new();
        for expr in self.plan.exprs() {
            collect_tables(expr, &mut tables);
        }
        for table in tables {
            match &table.kind {
                TableKind::Tiers {
                    subject,
                    thresholds,
                    ..
                } => self.tiers(table, subject, thresholds),
                TableKind::Marginal {
                    subject, bounds, ..
                } => self.marginal(table, subject, bounds),
                TableKind::Curve { values, .. } => self.curve(values),
                TableKind::Match { subject, cases, .. } => self.match_table(table, subject, cases),
                TableKind::Weighted { .. } => {}
            }
        }
    }

    /// The value of a constant expression (literals and params), with the
    /// params' values as the policy gives them.
    fn constant(&self, expr: &Expr) -> Option<Value> {
        let env = Env {
            slots: &self.program.param_values,
            ..Env::EMPTY
        };
        eval::expr::eval(expr, &env, &mut ()).ok()
    }

    /// The values of constant expressions (thresholds, points, values).
    fn constants(&self, exprs: &[Expr]) -> Option<Vec<Decimal>> {
        exprs
            .iter()
            .map(|expr| match self.constant(expr) {
                Some(Value::Num(n)) => Some(n),
                _ => None,
            })
            .collect()
    }

    fn tiers(&mut self, table: &Table, subject: &Expr, thresholds: &[Expr]) {
        let range = self.range(subject);
        let Some(limits) = self.constants(thresholds) else {
            return;
        };
        // Arm i applies to limits[i-1] <= S < limits[i]; `otherwise` to
        // S >= the last limit.
        let unreachable: Vec<usize> = (0..=limits.len())
            .filter(|&arm| {
                let from = arm.checked_sub(1).map(|i| limits[i]);
                let to = limits.get(arm).copied();
                let below_from =
                    both(range.hi, from, |hi, from| Some(hi).filter(|hi| *hi < from)).is_some();
                let above_to =
                    both(range.lo, to, |lo, to| Some(lo).filter(|lo| *lo >= to)).is_some();
                below_from || above_to
            })
            .collect();
        self.unreachable(
            table,
            subject,
            &unreachable,
            range,
            "`tiers` takes the first arm whose threshold the subject is below",
        );
    }

    fn marginal(&mut self, table: &Table, subject: &Expr, bounds: &[Expr]) {
        let range = self.range(subject);
        let Some(limits) = self.constants(bounds) else {
            return;
        };
        // Slice i pays only for a subject above limits[i-1] (or above 0).
        let unreachable: Vec<usize> = (0..=limits.len())
            .filter(|&arm| {
                let from = arm.checked_sub(1).map_or(Decimal::ZERO, |i| limits[i]);
                range.hi.is_some_and(|hi| hi <= from)
            })
            .collect();
        self.unreachable(
            table,
            subject,
            &unreachable,
            range,
            "a slice of `marginal` pays only for the part of the subject above the bound before it",
        );
    }

    fn match_table(&mut self, table: &Table, subject: &Expr, cases: &[Vec<std::sync::Arc<str>>]) {
        if let Some(Value::Text(text)) = self.constant(subject) {
            let taken = cases
                .iter()
                .position(|case| case.iter().any(|c| c.as_ref() == text.as_ref()))
                .unwrap_or(cases.len());
            let unreachable: Vec<usize> = (0..=cases.len()).filter(|arm| *arm != taken).collect();
            let labels = self.arm_labels(table, &unreachable);
            self.push_unreachable(
                labels,
                subject.span,
                format!("always `\"{text}\"`"),
                unreachable.len(),
                "match",
                "the subject is a constant, so only one arm ever applies; match on a text input instead".to_string(),
            );
        }
        // Spellings that differ only in case or spaces: likely one value
        // written two ways.
        let mut seen: Vec<(String, &str, usize)> = Vec::new();
        for (arm, case) in cases.iter().enumerate() {
            for text in case {
                let folded = text.trim().to_lowercase();
                if let Some((_, first, first_arm)) = seen.iter().find(|(f, _, _)| *f == folded) {
                    let (Some(span), Some(other)) =
                        (table.arms.get(arm), table.arms.get(*first_arm))
                    else {
                        continue;
                    };
                    self.warnings.push(Warning::SimilarCases {
                        first: first.to_string(),
                        second: text.to_string(),
                        span: (*span).into(),
                        other: (*other).into(),
                    });
                } else {
                    seen.push((folded, text, arm));
                }
            }
        }
    }

    fn unreachable(
        &mut self,
        table: &Table,
        subject: &Expr,
        arms: &[usize],
        range: Range,
        rule: &str,
    ) {
        if arms.is_empty() {
            return;
        }
        let keyword = match table.kind {
            TableKind::Marginal { .. } => "marginal",
            _ => "tiers",
        };
        let labels = self.arm_labels(table, arms);
        let why = if self.constant(subject).is_some() {
            "the subject is a constant".to_string()
        } else {
            format!(
                "`{}` is always {}",
                self.text(subject.span),
                range.describe()
            )
        };
        self.push_unreachable(
            labels,
            subject.span,
            format!("always {}", range.describe()),
            arms.len(),
            keyword,
            format!("{rule}, and {why}; remove the arms that never apply, or check the thresholds"),
        );
    }

    fn arm_labels(&self, table: &Table, arms: &[usize]) -> Vec<LabeledSpan> {
        arms.iter()
            .filter_map(|arm| table.arms.get(*arm))
            .map(|span| LabeledSpan::new_with_span(Some("never applies".to_string()), *span))
            .collect()
    }

    fn push_unreachable(
        &mut self,
        mut labels: Vec<LabeledSpan>,
        subject: Span,
        subject_label: String,
        count: usize,
        keyword: &str,
        help: String,
    ) {
        if labels.is_empty() {
            return;
        }
        labels.push(LabeledSpan::new_with_span(Some(subject_label), subject));
        let message = if count == 1 {
            format!("an arm of this `{keyword}` can never apply")
        } else {
            format!("{count} arms of this `{keyword}` can never apply")
        };
        self.warnings.push(Warning::UnreachableArm {
            message,
            labels,
            help,
        });
    }

    fn curve(&mut self, values: &[Expr]) {
        let Some(numbers) = self.constants(values) else {
            return;
        };
        if let Some(i) = (1..numbers.len()).find(|&i| numbers[i] < numbers[i - 1]) {
            let show = value::exact_string;
            self.warnings.push(Warning::DecreasingCurve {
                labels: vec![
                    LabeledSpan::new_with_span(
                        Some(format!("goes down from {}", show(numbers[i - 1]))),
                        values[i - 1].span,
                    ),
                    LabeledSpan::new_with_span(
                        Some(format!("to {}", show(numbers[i]))),
                        values[i].span,
                    ),
                ],
            });
        }
    }

    // -- divisions that can meet a zero --------------------------------------

    fn divisions(&mut self) {
        let plan = self.plan;
        for expr in plan.exprs() {
            self.division(expr, &mut Vec::new());
        }
        // With params folded: a divisor that is always zero.
        let program = self.program;
        let folded: Vec<&Expr> = program
            .steps()
            .iter()
            .map(|step| &step.expr)
            .chain(program.gates().iter().map(|gate| &gate.cond))
            .chain(program.cap())
            .collect();
        for expr in folded {
            self.zero_divisor(expr);
        }
    }

    /// Walks `expr`; `known` holds the expressions known not to be zero
    /// here (from enclosing `if` conditions and `and`s).
    fn division<'e>(&mut self, expr: &'e Expr, known: &mut Vec<&'e Expr>) {
        match &expr.kind {
            ExprKind::If(branch) => {
                self.division(&branch.cond, known);
                let before = known.len();
                facts(&branch.cond, true, known);
                self.division(&branch.then, known);
                known.truncate(before);
                facts(&branch.cond, false, known);
                self.division(&branch.otherwise, known);
                known.truncate(before);
                return;
            }
            ExprKind::And(a, b) | ExprKind::Or(a, b) => {
                let holds = matches!(expr.kind, ExprKind::And(..));
                self.division(a, known);
                let before = known.len();
                // `b` is evaluated only when `a` is true (`and`) or false (`or`).
                facts(a, holds, known);
                self.division(b, known);
                known.truncate(before);
                return;
            }
            ExprKind::Arith(ArithOp::Div, numerator, divisor) => {
                let guarded = known.iter().any(|k| same(self.plan, k, divisor));
                if !guarded && self.may_be_zero(divisor) {
                    self.unguarded(numerator, divisor);
                }
            }
            _ => {}
        }
        for child in children(expr) {
            self.division(child, known);
        }
    }

    fn unguarded(&mut self, numerator: &Expr, divisor: &Expr) {
        let name = self.text(divisor.span).to_string();
        let guard = format!(
            "if {name} > 0 then {} / {name} else 0",
            self.text(numerator.span)
        );
        let guard = if guard.contains('\n') || guard.chars().count() > 100 {
            format!("if {name} > 0 then … / {name} else 0")
        } else {
            guard
        };
        self.warnings.push(Warning::UnguardedDivision {
            message: format!("division by `{name}`, which can be zero"),
            span: divisor.span.into(),
            label: format!("`{name}` can be 0 for an employee"),
            help: format!(
                "an employee with `{name}` at 0 gets a division-by-zero error instead of a payout; guard the division: `{guard}`"
            ),
        });
    }

    /// A divisor that data can make zero: an input of type `count` or
    /// `money`, or a `count`, `distinct` or `sum` of records.
    fn may_be_zero(&self, divisor: &Expr) -> bool {
        match &divisor.kind {
            ExprKind::Slot(slot) => {
                let info = self.plan.slot(*slot);
                info.role == Role::Input && matches!(info.ty, Type::Count | Type::Money)
            }
            ExprKind::Aggregate(index) => {
                self.plan.aggregates.get(*index as usize).is_some_and(|a| {
                    matches!(
                        a.func,
                        AggregateFunc::Count | AggregateFunc::Distinct | AggregateFunc::Sum
                    )
                })
            }
            _ => false,
        }
    }

    fn zero_divisor(&mut self, expr: &Expr) {
        if let ExprKind::Arith(ArithOp::Div, _, divisor) = &expr.kind
            && let Some(Value::Num(n)) = divisor.as_const()
            && n.is_zero()
        {
            let name = self.text(divisor.span).to_string();
            self.warnings.push(Warning::UnguardedDivision {
                message: "division by zero: the divisor is always 0".to_string(),
                span: divisor.span.into(),
                label: format!("`{name}` is 0"),
                help: "every employee would get a division-by-zero error; check the param's value or the formula".to_string(),
            });
        }
        for child in children(expr) {
            self.zero_divisor(child);
        }
    }
}

fn decide(always: bool, never: bool) -> Option<bool> {
    if always {
        Some(true)
    } else if never {
        Some(false)
    } else {
        None
    }
}

/// Expressions that `cond` being `holds` proves not zero: `x > 0`,
/// `x != 0`, `x >= 1`, …, through `and`, `or` and `not`.
fn facts<'e>(cond: &'e Expr, holds: bool, out: &mut Vec<&'e Expr>) {
    match &cond.kind {
        ExprKind::Not(inner) => facts(inner, !holds, out),
        ExprKind::And(a, b) if holds => {
            facts(a, true, out);
            facts(b, true, out);
        }
        ExprKind::Or(a, b) if !holds => {
            facts(a, false, out);
            facts(b, false, out);
        }
        ExprKind::Compare(op, a, b) => {
            let op = if holds { *op } else { negate(*op) };
            let number = |e: &Expr| match e.as_const() {
                Some(Value::Num(n)) => Some(*n),
                _ => None,
            };
            if let Some(c) = number(b) {
                if excludes_zero(op, c) {
                    out.push(a);
                }
            } else if let Some(c) = number(a)
                && excludes_zero(flip(op), c)
            {
                out.push(b);
            }
        }
        _ => {}
    }
}

/// Whether `x OP c` rules out `x == 0`.
fn excludes_zero(op: CmpOp, c: Decimal) -> bool {
    let zero = Decimal::ZERO;
    match op {
        CmpOp::Gt => c >= zero,
        CmpOp::Ge => c > zero,
        CmpOp::Lt => c <= zero,
        CmpOp::Le => c < zero,
        CmpOp::Eq => c != zero,
        CmpOp::Ne => c == zero,
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

/// `c OP x` as `x OP' c`.
fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// Whether two expressions compute the same value (spans aside).
fn same(plan: &Plan, a: &Expr, b: &Expr) -> bool {
    match (&a.kind, &b.kind) {
        (ExprKind::Slot(x), ExprKind::Slot(y)) => x == y,
        (ExprKind::Const(x), ExprKind::Const(y)) => x == y,
        (ExprKind::Field(x), ExprKind::Field(y)) => x == y,
        (ExprKind::Aggregate(x), ExprKind::Aggregate(y)) => {
            x == y
                || match (
                    plan.aggregates.get(*x as usize),
                    plan.aggregates.get(*y as usize),
                ) {
                    (Some(x), Some(y)) => {
                        x.func == y.func
                            && x.set == y.set
                            && same_opt(plan, x.value.as_ref(), y.value.as_ref())
                            && same_opt(plan, x.filter.as_ref(), y.filter.as_ref())
                    }
                    _ => false,
                }
        }
        (ExprKind::Neg(x), ExprKind::Neg(y)) | (ExprKind::Not(x), ExprKind::Not(y)) => {
            same(plan, x, y)
        }
        (ExprKind::Arith(p, x1, x2), ExprKind::Arith(q, y1, y2)) => {
            p == q && same(plan, x1, y1) && same(plan, x2, y2)
        }
        (ExprKind::Compare(p, x1, x2), ExprKind::Compare(q, y1, y2)) => {
            p == q && same(plan, x1, y1) && same(plan, x2, y2)
        }
        (ExprKind::And(x1, x2), ExprKind::And(y1, y2))
        | (ExprKind::Or(x1, x2), ExprKind::Or(y1, y2)) => same(plan, x1, y1) && same(plan, x2, y2),
        (ExprKind::Call(f, xs), ExprKind::Call(g, ys)) => {
            f == g && xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| same(plan, x, y))
        }
        _ => false,
    }
}

fn same_opt(plan: &Plan, a: Option<&Expr>, b: Option<&Expr>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(plan, a, b),
        (None, None) => true,
        _ => false,
    }
}

fn collect_slots(expr: &Expr, out: &mut HashSet<Slot>) {
    if let ExprKind::Slot(slot) = expr.kind {
        out.insert(slot);
    }
    expr.for_each_child(|child| collect_slots(child, out));
}

/// The slots read by the aggregates `expr` uses (their `where` and value).
fn collect_aggregate_slots(plan: &Plan, expr: &Expr, out: &mut HashSet<Slot>) {
    if let ExprKind::Aggregate(index) = expr.kind
        && let Some(aggregate) = plan.aggregates.get(index as usize)
    {
        for part in aggregate.value.iter().chain(aggregate.filter.iter()) {
            collect_slots(part, out);
        }
    }
    expr.for_each_child(|child| collect_aggregate_slots(plan, child, out));
}

fn collect_tables<'e>(expr: &'e Expr, out: &mut Vec<&'e Table>) {
    if let ExprKind::Table(table) = &expr.kind {
        out.push(table);
    }
    for child in children(expr) {
        collect_tables(child, out);
    }
}

/// The direct subexpressions of `expr`, borrowed as long as `expr`.
fn children(expr: &Expr) -> Vec<&Expr> {
    let mut found = Vec::new();
    expr.for_each_child(|child| found.push(child));
    found
}

#[cfg(test)]
mod tests {
    /// The names of the warnings a policy body gets.
    fn warnings(body: &str) -> Vec<String> {
        let source = format!("policy \"T\"\ncurrency USD\n{body}");
        let ast = crate::syntax::parse(&source).unwrap_or_else(|e| panic!("{e:?}"));
        let checked = super::super::check(&ast, &source).unwrap_or_else(|e| panic!("{e:?}"));
        checked.warnings.iter().map(|w| w.name()).collect()
    }

    #[test]
    fn guards_that_rule_out_zero() {
        let head = "input a : money\ninput d : count\n";
        for guarded in [
            "bonus b = if d > 0 then a / d else 0",
            "bonus b = if d >= 1 then a / d else 0",
            "bonus b = if d == 0 then 0 else a / d",
            "bonus b = if not (d == 0) then a / d else 0",
            "bonus b = if 0 < d then a / d else 0",
            "bonus b = if d > 0 and a > 0 then a / d else 0",
            "bonus b = if d == 0 or a == 0 then 0 else a / d",
            "bonus b = if d != 0 and a / d > 1 USD then a else 0",
            "bonus b = if d > 0 then (if a > 0 then a / d else 0) else 0",
        ] {
            assert_eq!(
                warnings(&format!("{head}{guarded}\n")),
                Vec::<String>::new(),
                "{guarded}"
            );
        }
        for unguarded in [
            "bonus b = a / d",
            "bonus b = if d >= 0 then a / d else 0",
            "bonus b = if d > 0 then 0 else a / d",
            "bonus b = if d > 0 or a > 0 then a / d else 0",
            "bonus b = if a > 0 then a / d else 0",
        ] {
            assert_eq!(
                warnings(&format!("{head}{unguarded}\n")),
                ["unguarded_division"],
                "{unguarded}"
            );
        }
    }

    #[test]
    fn number_inputs_and_params_are_not_suspect_divisors() {
        let body = "input a : money\ninput r : number\nparam p = 4\nbonus b = a / r + a / p\n";
        assert_eq!(warnings(body), Vec::<String>::new());
    }

    #[test]
    fn ranges_decide_gates_and_arms() {
        let head = "input a : money\ninput d : count\nbonus b = a * 10%\n";
        assert_eq!(
            warnings(&format!("{head}gate d >= 0 else \"m\"\n")),
            ["constant_gate"]
        );
        assert_eq!(
            warnings(&format!("{head}gate d + 1 > 0 else \"m\"\n")),
            ["constant_gate"]
        );
        assert_eq!(
            warnings(&format!("{head}gate min(d, 5) <= 5 else \"m\"\n")),
            ["constant_gate"]
        );
        assert_eq!(
            warnings(&format!("{head}gate d > 0 else \"m\"\n")),
            Vec::<String>::new()
        );
        let tiers = "bonus c = 10 USD * tiers clamp(d, 2, 4) {\n  below 1 : 0\n  below 3 : 1\n  below 9 : 2\n  otherwise : 3\n}\n";
        assert_eq!(warnings(&format!("{head}{tiers}")), ["unreachable_arm"]);
    }

    #[test]
    fn zero_bonus_lines_through_lets_and_tables() {
        let body = "input a : money\nparam rate = 0%\nlet r = rate * 2\nbonus b = a * r\nbonus c = a * 10%\n";
        assert_eq!(warnings(body), ["always_zero"]);
        let body =
            "input a : money\nbonus b = a * (if a > 0 USD then 0 else 0)\nbonus c = a * 10%\n";
        assert_eq!(warnings(body), ["always_zero"]);
    }
}
