//! The checked plan: what the checker proved about a policy, in a form the
//! evaluator can run without looking up a single name.
//!
//! Every named value (input, param, let, kpi, bonus) has a [`Slot`]; an
//! expression refers to slots, record fields and aggregates by index, and
//! the kind of every expression is known. Params are still symbolic here:
//! `eval::bind` gives them their values (defaults, `--set`, an example's
//! overrides) and folds them into constants, giving an `eval::Program`.

use crate::span::Span;
use crate::value::{Kind, Type, Value};
use std::sync::Arc;

/// Index of a named value in [`Plan::slots`] and in an evaluation frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u32);

impl Slot {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Input,
    Param,
    Let,
    Kpi,
    Bonus,
}

impl Role {
    pub fn keyword(self) -> &'static str {
        match self {
            Role::Input => "input",
            Role::Param => "param",
            Role::Let => "let",
            Role::Kpi => "kpi",
            Role::Bonus => "bonus",
        }
    }
}

/// What the plan knows of one named value.
#[derive(Clone, Debug)]
pub struct SlotInfo {
    pub name: String,
    pub role: Role,
    /// The declared type, or the one the expression's kind gives.
    pub ty: Type,
    pub doc: Option<String>,
    /// The declaration's name as written.
    pub span: Span,
    /// The whole declaration.
    pub decl_span: Span,
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub title: String,
    pub currency: String,
    /// Decimal places of bonus lines, payouts and the cap.
    pub rounding: u32,
    pub slots: Vec<SlotInfo>,
    /// Inputs in declaration order.
    pub inputs: Vec<InputPlan>,
    /// Params in dependency order.
    pub params: Vec<Step>,
    /// Lets, kpis and bonus lines in dependency order.
    pub steps: Vec<Step>,
    /// Kpis in declaration order (the report's columns).
    pub kpis: Vec<Slot>,
    /// Bonus lines in declaration order.
    pub bonuses: Vec<Slot>,
    pub gates: Vec<GatePlan>,
    pub cap: Option<Expr>,
    pub record_sets: Vec<RecordSet>,
    pub aggregates: Vec<AggregatePlan>,
    pub examples: Vec<ExamplePlan>,
    /// Number of tables and `if`s, for coverage and explanations.
    pub table_count: u32,
    pub branch_count: u32,
}

impl Plan {
    pub fn slot(&self, slot: Slot) -> &SlotInfo {
        &self.slots[slot.index()]
    }

    pub fn slot_named(&self, name: &str) -> Option<Slot> {
        self.slots
            .iter()
            .position(|info| info.name == name)
            .map(|index| Slot(index as u32))
    }

    /// Every expression of the plan: params, steps, gates, the cap, and the
    /// aggregates' values and filters.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        self.params
            .iter()
            .chain(&self.steps)
            .map(|step| &step.expr)
            .chain(self.gates.iter().map(|gate| &gate.cond))
            .chain(self.cap.iter())
            .chain(
                self.aggregates
                    .iter()
                    .flat_map(|a| a.value.iter().chain(a.filter.iter())),
            )
    }

    pub fn input_named(&self, name: &str) -> Option<&InputPlan> {
        self.inputs
            .iter()
            .find(|input| self.slot(input.slot).name == name)
    }
}

#[derive(Clone, Debug)]
pub struct InputPlan {
    pub slot: Slot,
    pub ty: Type,
    pub default: Option<Value>,
}

/// A computed value: `let`, `kpi`, `bonus` (or a param, in [`Plan::params`]).
#[derive(Clone, Debug)]
pub struct Step {
    pub slot: Slot,
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct GatePlan {
    pub cond: Expr,
    pub message: String,
    pub span: Span,
}

/// `records deals { … }`
#[derive(Clone, Debug)]
pub struct RecordSet {
    pub name: String,
    pub doc: Option<String>,
    pub fields: Vec<FieldPlan>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct FieldPlan {
    pub name: String,
    pub ty: Type,
    pub default: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateFunc {
    Count,
    Distinct,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggregateFunc {
    pub fn from_name(name: &str) -> Option<AggregateFunc> {
        Some(match name {
            "count" => AggregateFunc::Count,
            "distinct" => AggregateFunc::Distinct,
            "sum" => AggregateFunc::Sum,
            "avg" => AggregateFunc::Avg,
            "min" => AggregateFunc::Min,
            "max" => AggregateFunc::Max,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            AggregateFunc::Count => "count",
            AggregateFunc::Distinct => "distinct",
            AggregateFunc::Sum => "sum",
            AggregateFunc::Avg => "avg",
            AggregateFunc::Min => "min",
            AggregateFunc::Max => "max",
        }
    }
}

/// One aggregate of a policy: `sum(deals.amount where stage == "won")`.
/// Its `value` and `filter` may read the set's fields ([`ExprKind::Field`]),
/// inputs and params, but no computed value, so that it can be accumulated
/// while records stream past.
#[derive(Clone, Debug)]
pub struct AggregatePlan {
    pub func: AggregateFunc,
    /// Index into [`Plan::record_sets`].
    pub set: usize,
    /// What is summed, averaged, … or counted distinct; None for `count`.
    pub value: Option<Expr>,
    pub filter: Option<Expr>,
    pub kind: Kind,
    pub span: Span,
}

/// An `example` block, checked: names resolved, values typed.
#[derive(Clone, Debug)]
pub struct ExamplePlan {
    pub title: String,
    pub span: Span,
    pub inputs: Vec<(Slot, Value, Span)>,
    pub params: Vec<(Slot, Value, Span)>,
    /// Records the example gives: the set (index into
    /// [`Plan::record_sets`]) and every field's value, defaults applied.
    pub records: Vec<(usize, Vec<Value>, Span)>,
    pub expects: Vec<Expectation>,
}

#[derive(Clone, Debug)]
pub struct Expectation {
    pub target: ExpectTarget,
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectTarget {
    /// A let, kpi or bonus line.
    Slot(Slot),
    Payout,
    /// Whether the cap bit.
    Capped,
    /// That the gate (index into `Plan::gates`) fails; the value is unused.
    GateFails(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Min,
    Max,
    Clamp,
    Abs,
    Round,
    Floor,
    Ceil,
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "min" => Builtin::Min,
            "max" => Builtin::Max,
            "clamp" => Builtin::Clamp,
            "abs" => Builtin::Abs,
            "round" => Builtin::Round,
            "floor" => Builtin::Floor,
            "ceil" => Builtin::Ceil,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Min => "min",
            Builtin::Max => "max",
            Builtin::Clamp => "clamp",
            Builtin::Abs => "abs",
            Builtin::Round => "round",
            Builtin::Floor => "floor",
            Builtin::Ceil => "ceil",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Const(Value),
    /// Stands for an expression the checker rejected. Never in a plan that
    /// `check` returns; it lets the checker validate the rest.
    Invalid,
    /// The value of a named declaration.
    Slot(Slot),
    /// A field of the record being aggregated.
    Field(u32),
    /// The employee's input, by index into [`Plan::inputs`]. Only in a
    /// bound program's aggregates, where `eval::bind` puts it for inputs'
    /// slots: records are aggregated before any slot is filled.
    Input(u32),
    /// The value of [`Plan::aggregates`]`[i]` for the employee.
    Aggregate(u32),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    If(Box<IfExpr>),
    Call(Builtin, Vec<Expr>),
    Table(Box<Table>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct IfExpr {
    /// Numbers the `if`s of a plan, for branch coverage.
    pub id: u32,
    pub cond: Expr,
    pub then: Expr,
    pub otherwise: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Numbers the tables of a plan, for arm coverage and explanations.
    pub id: u32,
    pub kind: TableKind,
    pub span: Span,
    /// Each arm as written, in order (for coverage and explanations).
    pub arms: Vec<Span>,
}

/// Tables, with constant parts (thresholds, points, weights) as
/// expressions that `eval::bind` folds to [`ExprKind::Const`].
#[derive(Clone, Debug, PartialEq)]
pub enum TableKind {
    /// Values has one more entry than thresholds: the `otherwise` value.
    Tiers {
        subject: Expr,
        thresholds: Vec<Expr>,
        values: Vec<Expr>,
    },
    /// Rates has one more entry than bounds: the `otherwise` rate.
    Marginal {
        subject: Expr,
        bounds: Vec<Expr>,
        rates: Vec<Expr>,
    },
    Curve {
        subject: Expr,
        points: Vec<Expr>,
        values: Vec<Expr>,
    },
    Weighted {
        values: Vec<Expr>,
        weights: Vec<Expr>,
    },
    /// Values has one more entry than cases: the `otherwise` value.
    Match {
        subject: Expr,
        cases: Vec<Vec<Arc<str>>>,
        values: Vec<Expr>,
    },
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn as_const(&self) -> Option<&Value> {
        match &self.kind {
            ExprKind::Const(value) => Some(value),
            _ => None,
        }
    }

    /// Calls `f` on every direct subexpression.
    pub fn for_each_child<'e>(&'e self, mut f: impl FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Const(_)
            | ExprKind::Invalid
            | ExprKind::Slot(_)
            | ExprKind::Field(_)
            | ExprKind::Input(_)
            | ExprKind::Aggregate(_) => {}
            ExprKind::Neg(e) | ExprKind::Not(e) => f(e),
            ExprKind::Arith(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b) => {
                f(a);
                f(b);
            }
            ExprKind::If(i) => {
                f(&i.cond);
                f(&i.then);
                f(&i.otherwise);
            }
            ExprKind::Call(_, args) => args.iter().for_each(f),
            ExprKind::Table(table) => table.kind.for_each_expr(f),
        }
    }

    /// Calls `f` on every direct subexpression, mutably.
    pub fn for_each_child_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        match &mut self.kind {
            ExprKind::Const(_)
            | ExprKind::Invalid
            | ExprKind::Slot(_)
            | ExprKind::Field(_)
            | ExprKind::Input(_)
            | ExprKind::Aggregate(_) => {}
            ExprKind::Neg(e) | ExprKind::Not(e) => f(e),
            ExprKind::Arith(_, a, b)
            | ExprKind::Compare(_, a, b)
            | ExprKind::And(a, b)
            | ExprKind::Or(a, b) => {
                f(a);
                f(b);
            }
            ExprKind::If(i) => {
                f(&mut i.cond);
                f(&mut i.then);
                f(&mut i.otherwise);
            }
            ExprKind::Call(_, args) => args.iter_mut().for_each(f),
            ExprKind::Table(table) => table.kind.for_each_expr_mut(f),
        }
    }
}

impl TableKind {
    pub fn subject(&self) -> Option<&Expr> {
        match self {
            TableKind::Tiers { subject, .. }
            | TableKind::Marginal { subject, .. }
            | TableKind::Curve { subject, .. }
            | TableKind::Match { subject, .. } => Some(subject),
            TableKind::Weighted { .. } => None,
        }
    }

    fn parts(&self) -> (Option<&Expr>, &[Expr], &[Expr]) {
        match self {
            TableKind::Tiers {
                subject,
                thresholds,
                values,
            } => (Some(subject), thresholds, values),
            TableKind::Marginal {
                subject,
                bounds,
                rates,
            } => (Some(subject), bounds, rates),
            TableKind::Curve {
                subject,
                points,
                values,
            } => (Some(subject), points, values),
            TableKind::Weighted { values, weights } => (None, values, weights),
            TableKind::Match {
                subject, values, ..
            } => (Some(subject), &[], values),
        }
    }

    fn for_each_expr<'e>(&'e self, mut f: impl FnMut(&'e Expr)) {
        let (subject, left, right) = self.parts();
        subject
            .into_iter()
            .chain(left)
            .chain(right)
            .for_each(&mut f);
    }

    fn for_each_expr_mut(&mut self, mut f: impl FnMut(&mut Expr)) {
        let (subject, left, right): (Option<&mut Expr>, &mut [Expr], &mut [Expr]) = match self {
            TableKind::Tiers {
                subject,
                thresholds,
                values,
            } => (Some(subject), thresholds, values),
            TableKind::Marginal {
                subject,
                bounds,
                rates,
            } => (Some(subject), bounds, rates),
            TableKind::Curve {
                subject,
                points,
                values,
            } => (Some(subject), points, values),
            TableKind::Weighted { values, weights } => (None, values, weights),
            TableKind::Match {
                subject, values, ..
            } => (Some(subject), &mut [], values),
        };
        subject
            .into_iter()
            .chain(left.iter_mut())
            .chain(right.iter_mut())
            .for_each(&mut f);
    }
}
