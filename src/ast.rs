//! The syntax tree of a policy, as written.
//!
//! Every node keeps the [`Span`] it was read from; `==` ignores spans (see
//! [`Span`]), so two trees compare equal when they say the same thing. Names
//! are not resolved here and kinds are not known: that is the checker's job.

use crate::span::Span;
use rust_decimal::Decimal;

/// A whole `.kpi` file: its items in the order written.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `policy "Sales manager: monthly bonus"`
    Policy(StrLit),
    /// `currency RUB`
    Currency(Ident),
    /// `rounding 2`
    Rounding(NumLit),
    /// `input rating : number = 3 "Manager's assessment"`
    Input(Input),
    /// `param`, `let`, `kpi` and `bonus`: `kpi NAME [: TYPE] = EXPR ["doc"]`
    Binding(Binding),
    /// `gate attainment >= 80% else "Plan below 80%"`
    Gate(Gate),
    /// `cap 2 * target_bonus`
    Cap(Expr),
    /// `example "on plan" { revenue = 100 RUB  expect payout = 5 RUB }`
    Example(Example),
    /// `records deals "doc" { amount : money }`
    Records(Records),
}

/// `input NAME : TYPE [= DEFAULT] ["doc"]`
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Literal>,
    pub doc: Option<StrLit>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BindingKind {
    Param,
    Let,
    Kpi,
    Bonus,
}

impl BindingKind {
    pub fn keyword(self) -> &'static str {
        match self {
            BindingKind::Param => "param",
            BindingKind::Let => "let",
            BindingKind::Kpi => "kpi",
            BindingKind::Bonus => "bonus",
        }
    }
}

/// `kpi attainment : percent = revenue / revenue_plan "doc"`
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub kind: BindingKind,
    pub name: Ident,
    pub ty: Option<Ident>,
    pub value: Expr,
    pub doc: Option<StrLit>,
}

/// `gate COND else "message"`
#[derive(Clone, Debug, PartialEq)]
pub struct Gate {
    pub cond: Expr,
    pub message: StrLit,
}

/// `example "title" { NAME = LITERAL ... expect NAME = LITERAL ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    pub title: StrLit,
    pub stmts: Vec<ExampleStmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExampleStmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `revenue = 100_000 RUB`: an input's or param's value.
    Given { name: Ident, value: Literal },
    /// `expect payout = 5_000 RUB`, `expect capped = true`.
    Expect { name: Ident, value: Literal },
    /// `expect gate "Plan below 80%"`: that gate fails.
    ExpectGate { message: StrLit },
    /// `deals { amount = 600_000 RUB, stage = "won" }`: a record of a set.
    Record {
        set: Ident,
        fields: Vec<(Ident, Literal)>,
    },
}

/// `records deals "doc" { amount : money  stage : text  margin : percent = 0% }`
#[derive(Clone, Debug, PartialEq)]
pub struct Records {
    pub name: Ident,
    pub doc: Option<StrLit>,
    pub fields: Vec<Field>,
}

/// `amount : money`, `margin : percent = 0% "doc"`
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Literal>,
    pub doc: Option<StrLit>,
    pub span: Span,
}

/// A name as written: `revenue`, `выручка`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal; `value` has its escapes resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A number as written (`1_000.50`) and its value (`1000.50`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumLit {
    pub raw: String,
    pub value: Decimal,
    pub span: Span,
}

/// A literal value with an optional leading `-` (input defaults, examples).
#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub negative: bool,
    pub lit: Lit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// `0.125`, `1_000`
    Number(NumLit),
    /// `80%` (the number is the one written: 80)
    Percent(NumLit),
    /// `30_000 RUB`
    Money(NumLit, Ident),
    /// `"north"`
    Text(StrLit),
    /// `true`, `false`
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// `5`, `80%`, `30_000 RUB`, `"north"`, `true`
    Lit(Lit),
    /// `revenue`
    Name(Ident),
    /// `-x`, `not x`
    Unary(UnaryOp, Box<Expr>),
    /// `a + b`, `a >= b`, `a and b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `(a + b)`: kept so that a formatted policy keeps its parentheses.
    Paren(Box<Expr>),
    /// `if C then A else B`; `else if` is an `If` in the else branch.
    If(Box<If>),
    /// `min(a, b)`, `round(x, 2)`
    Call(Call),
    /// `sum(deals.amount where stage == "won")`, `count(deals)`
    Aggregate(Box<Aggregate>),
    /// `tiers S { … }`, `marginal S { … }`, `curve S { … }`, `weighted { … }`,
    /// `match S { … }`
    Table(Box<Table>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    /// Binding strength, higher binds tighter (language reference §4).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            // 3 is `not`
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div => 6,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct If {
    pub cond: Expr,
    pub then: Expr,
    pub otherwise: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub func: Ident,
    pub args: Vec<Expr>,
}

/// `FUNC(SET[.FIELD | : EXPR] [where COND])`
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub func: Ident,
    pub set: Ident,
    pub of: AggregateOf,
    pub filter: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AggregateOf {
    /// `count(deals)`
    Records,
    /// `sum(deals.amount)`
    Field(Ident),
    /// `sum(deals: amount * margin)`
    Expr(Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TableKind {
    Tiers,
    Marginal,
    Curve,
    Weighted,
    Match,
}

impl TableKind {
    pub fn keyword(self) -> &'static str {
        match self {
            TableKind::Tiers => "tiers",
            TableKind::Marginal => "marginal",
            TableKind::Curve => "curve",
            TableKind::Weighted => "weighted",
            TableKind::Match => "match",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub kind: TableKind,
    /// None for `weighted`.
    pub subject: Option<Expr>,
    pub arms: Vec<Arm>,
    /// The braces and what is between them.
    pub body_span: Span,
}

/// `LEFT : VALUE`, one line of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    pub left: ArmLeft,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArmLeft {
    /// `below 80%` (tiers)
    Below(Expr),
    /// `up to 100_000 RUB` (marginal)
    UpTo(Expr),
    /// `otherwise`
    Otherwise(Span),
    /// `"south", "east"` (match)
    Strings(Vec<StrLit>),
    /// `50%` (curve), `conversion / 25%` (weighted)
    Expr(Expr),
}

impl ArmLeft {
    pub fn span(&self) -> Span {
        match self {
            ArmLeft::Below(e) | ArmLeft::UpTo(e) | ArmLeft::Expr(e) => e.span,
            ArmLeft::Otherwise(span) => *span,
            ArmLeft::Strings(strings) => match (strings.first(), strings.last()) {
                (Some(first), Some(last)) => first.span.to(last.span),
                _ => Span::default(),
            },
        }
    }
}
