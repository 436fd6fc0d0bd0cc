//! pest pairs → syntax tree: one function per grammar rule.

use super::{MAX_DEPTH, ParseError, Rule};
use crate::ast::*;
use crate::span::Span;
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;

type Result<T> = std::result::Result<T, ParseError>;

/// An expression and the height of its tree, so that no later stage has to
/// walk a tree deeper than [`MAX_DEPTH`].
struct Lowered {
    expr: Expr,
    height: usize,
}

pub(super) struct Lowerer {
    pratt: PrattParser<Rule>,
}

impl Lowerer {
    pub(super) fn new() -> Self {
        // Lowest precedence first (language reference §4).
        let pratt = PrattParser::new()
            .op(Op::infix(Rule::or_op, Assoc::Left))
            .op(Op::infix(Rule::and_op, Assoc::Left))
            .op(Op::prefix(Rule::not_op))
            .op(Op::infix(Rule::eq, Assoc::Left)
                | Op::infix(Rule::ne, Assoc::Left)
                | Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::neg));
        Lowerer { pratt }
    }

    /// Lowers one declaration; `base` is its byte offset in the file.
    pub(super) fn item(
        &self,
        pair: Pair<'_, Rule>,
        base: usize,
    ) -> std::result::Result<Item, Vec<ParseError>> {
        let cx = Cx {
            base,
            lowerer: self,
        };
        cx.item(pair).map_err(|error| vec![error])
    }
}

/// The lowering of one declaration.
struct Cx<'l> {
    base: usize,
    lowerer: &'l Lowerer,
}

impl Cx<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.base + span.start(), self.base + span.end())
    }

    /// The span of a pair without the trivia pest may have consumed after
    /// its last token (optional trailing parts skip whitespace and comments
    /// first): it ends at the last character that is not a space, and not
    /// on a comment line.
    fn tight_span(&self, pair: &Pair<'_, Rule>) -> Span {
        let full = self.span(pair);
        Span::new(
            full.start,
            full.start + without_trailing_trivia(pair.as_str()),
        )
    }

    fn item(&self, pair: Pair<'_, Rule>) -> Result<Item> {
        let span = self.tight_span(&pair);
        let rule = pair.as_rule();
        let mut inner = pair.into_inner();
        let kind = match rule {
            Rule::policy_decl => ItemKind::Policy(self.string(next(&mut inner)?)?),
            Rule::currency_decl => ItemKind::Currency(self.ident(next(&mut inner)?)),
            Rule::rounding_decl => ItemKind::Rounding(self.number(next(&mut inner)?)?),
            Rule::input_decl => ItemKind::Input(self.input(inner)?),
            Rule::param_decl => ItemKind::Binding(self.binding(BindingKind::Param, inner)?),
            Rule::let_decl => ItemKind::Binding(self.binding(BindingKind::Let, inner)?),
            Rule::kpi_decl => ItemKind::Binding(self.binding(BindingKind::Kpi, inner)?),
            Rule::bonus_decl => ItemKind::Binding(self.binding(BindingKind::Bonus, inner)?),
            Rule::gate_decl => {
                let cond = self.expr(next(&mut inner)?, 0)?.expr;
                let message = self.string(next(&mut inner)?)?;
                ItemKind::Gate(Gate { cond, message })
            }
            Rule::cap_decl => ItemKind::Cap(self.expr(next(&mut inner)?, 0)?.expr),
            Rule::example_decl => ItemKind::Example(self.example(inner)?),
            Rule::records_decl => ItemKind::Records(self.records(inner)?),
            other => return Err(unexpected(other, span)),
        };
        Ok(Item { kind, span })
    }

    fn input(&self, mut inner: Pairs<'_, Rule>) -> Result<Input> {
        let name = self.decl_name(next(&mut inner)?)?;
        let ty = self.ident(next(&mut inner)?);
        let mut input = Input {
            name,
            ty,
            default: None,
            doc: None,
        };
        for pair in inner {
            match pair.as_rule() {
                Rule::default => input.default = Some(self.literal(first_inner(pair)?)?),
                Rule::doc => input.doc = Some(self.string(first_inner(pair)?)?),
                other => return Err(unexpected(other, self.span(&pair))),
            }
        }
        Ok(input)
    }

    fn binding(&self, kind: BindingKind, mut inner: Pairs<'_, Rule>) -> Result<Binding> {
        let name = self.decl_name(next(&mut inner)?)?;
        let mut ty = None;
        let mut value = None;
        let mut doc = None;
        for pair in inner {
            match pair.as_rule() {
                Rule::type_name => ty = Some(self.ident(pair)),
                Rule::expr => value = Some(self.expr(pair, 0)?.expr),
                Rule::doc => doc = Some(self.string(first_inner(pair)?)?),
                other => return Err(unexpected(other, self.span(&pair))),
            }
        }
        let value = value.ok_or_else(|| unexpected(Rule::expr, name.span))?;
        Ok(Binding {
            kind,
            name,
            ty,
            value,
            doc,
        })
    }

    fn example(&self, mut inner: Pairs<'_, Rule>) -> Result<Example> {
        let title = self.string(next(&mut inner)?)?;
        let mut stmts = Vec::new();
        for pair in inner {
            let rule = pair.as_rule();
            // A record ends with its `}`, which is no child pair.
            let span = if rule == Rule::record_stmt {
                self.span(&pair)
            } else {
                self.tight_span(&pair)
            };
            let mut parts = pair.into_inner();
            let kind = if rule == Rule::expect_gate {
                StmtKind::ExpectGate {
                    message: self.string(next(&mut parts)?)?,
                }
            } else if rule == Rule::record_stmt {
                let set = self.ident(next(&mut parts)?);
                let mut fields = Vec::new();
                for field in parts {
                    let mut inner = field.into_inner();
                    let name = self.ident(next(&mut inner)?);
                    let value = self.literal(next(&mut inner)?)?;
                    fields.push((name, value));
                }
                StmtKind::Record { set, fields }
            } else {
                let name = self.ident(next(&mut parts)?);
                let value = self.literal(next(&mut parts)?)?;
                if rule == Rule::expect_stmt {
                    StmtKind::Expect { name, value }
                } else {
                    StmtKind::Given { name, value }
                }
            };
            stmts.push(ExampleStmt { kind, span });
        }
        Ok(Example { title, stmts })
    }

    fn records(&self, mut inner: Pairs<'_, Rule>) -> Result<Records> {
        let name = self.decl_name(next(&mut inner)?)?;
        let mut doc = None;
        let mut fields = Vec::new();
        for pair in inner {
            match pair.as_rule() {
                Rule::doc => doc = Some(self.string(first_inner(pair)?)?),
                Rule::field_decl => fields.push(self.field(pair)?),
                other => return Err(unexpected(other, self.span(&pair))),
            }
        }
        Ok(Records { name, doc, fields })
    }

    fn field(&self, pair: Pair<'_, Rule>) -> Result<Field> {
        let span = self.tight_span(&pair);
        let mut inner = pair.into_inner();
        let name = self.decl_name(next(&mut inner)?)?;
        let ty = self.ident(next(&mut inner)?);
        let mut field = Field {
            name,
            ty,
            default: None,
            doc: None,
            span,
        };
        for pair in inner {
            match pair.as_rule() {
                Rule::default => field.default = Some(self.literal(first_inner(pair)?)?),
                Rule::doc => field.doc = Some(self.string(first_inner(pair)?)?),
                other => return Err(unexpected(other, self.span(&pair))),
            }
        }
        Ok(field)
    }

    // -- expressions ------------------------------------------------------

    /// `nesting` counts the expressions this one is inside, so that the
    /// recursion stops at [`MAX_DEPTH`] whatever the input.
    fn expr(&self, pair: Pair<'_, Rule>, nesting: usize) -> Result<Lowered> {
        let span = self.span(&pair);
        if nesting > MAX_DEPTH {
            return Err(too_deep(span));
        }
        // The Pratt parser recurses once per prefix operator.
        let mut run = 0;
        for part in pair.clone().into_inner() {
            if matches!(part.as_rule(), Rule::neg | Rule::not_op) {
                run += 1;
                if run > MAX_DEPTH {
                    return Err(too_deep(self.span(&part)));
                }
            } else {
                run = 0;
            }
        }
        self.lowerer
            .pratt
            .map_primary(|primary| self.primary(primary, nesting + 1))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let op_span = self.span(&op);
                let unary = match op.as_rule() {
                    Rule::neg => UnaryOp::Neg,
                    _ => UnaryOp::Not,
                };
                let span = op_span.to(operand.expr.span);
                node(
                    ExprKind::Unary(unary, Box::new(operand.expr)),
                    span,
                    operand.height + 1,
                )
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let op = binary_op(op.as_rule());
                if op.is_comparison() {
                    for side in [&lhs.expr, &rhs.expr] {
                        if let ExprKind::Binary(inner, _, _) = &side.kind
                            && inner.is_comparison()
                        {
                            return Err(ParseError::ChainedComparison {
                                span: lhs.expr.span.to(rhs.expr.span).into(),
                                first: side.span.into(),
                            });
                        }
                    }
                }
                let span = lhs.expr.span.to(rhs.expr.span);
                let height = lhs.height.max(rhs.height) + 1;
                node(
                    ExprKind::Binary(op, Box::new(lhs.expr), Box::new(rhs.expr)),
                    span,
                    height,
                )
            })
            .parse(pair.into_inner())
    }

    fn primary(&self, pair: Pair<'_, Rule>, nesting: usize) -> Result<Lowered> {
        let span = self.span(&pair);
        let leaf = |kind| node(kind, span, 1);
        match pair.as_rule() {
            Rule::number => leaf(ExprKind::Lit(Lit::Number(self.number(pair)?))),
            Rule::percent => leaf(ExprKind::Lit(Lit::Percent(
                self.number(first_inner(pair)?)?,
            ))),
            Rule::money => leaf(ExprKind::Lit(self.money(pair)?)),
            Rule::string => leaf(ExprKind::Lit(Lit::Text(self.string(pair)?))),
            Rule::boolean => leaf(ExprKind::Lit(Lit::Bool(pair.as_str().starts_with('t')))),
            Rule::name => leaf(ExprKind::Name(self.ident(pair))),
            Rule::paren => {
                let inner = self.expr(first_inner(pair)?, nesting)?;
                node(
                    ExprKind::Paren(Box::new(inner.expr)),
                    span,
                    inner.height + 1,
                )
            }
            Rule::if_expr => {
                let mut inner = pair.into_inner();
                let cond = self.expr(next(&mut inner)?, nesting)?;
                let then = self.expr(next(&mut inner)?, nesting)?;
                let otherwise = self.expr(next(&mut inner)?, nesting)?;
                let height = cond.height.max(then.height).max(otherwise.height) + 1;
                node(
                    ExprKind::If(Box::new(If {
                        cond: cond.expr,
                        then: then.expr,
                        otherwise: otherwise.expr,
                    })),
                    span,
                    height,
                )
            }
            Rule::call => self.call(pair, nesting),
            Rule::tiers => self.table(TableKind::Tiers, pair, nesting),
            Rule::marginal => self.table(TableKind::Marginal, pair, nesting),
            Rule::curve => self.table(TableKind::Curve, pair, nesting),
            Rule::weighted => self.table(TableKind::Weighted, pair, nesting),
            Rule::match_table => self.table(TableKind::Match, pair, nesting),
            other => Err(unexpected(other, span)),
        }
    }

    fn call(&self, pair: Pair<'_, Rule>, nesting: usize) -> Result<Lowered> {
        let span = self.span(&pair);
        let mut inner = pair.into_inner();
        let func = self.ident(next(&mut inner)?);
        let Some(arguments) = inner.next() else {
            return node(
                ExprKind::Call(Call {
                    func,
                    args: Vec::new(),
                }),
                span,
                1,
            );
        };
        if arguments.as_rule() == Rule::agg_args {
            return self.aggregate(func, arguments, span, nesting);
        }
        let mut args = Vec::new();
        let mut height = 0;
        for arg in arguments.into_inner() {
            let arg = self.expr(arg, nesting)?;
            height = height.max(arg.height);
            args.push(arg.expr);
        }
        // `count(deals)` has no other reading: it counts a record set.
        if func.name == "count"
            && let [
                Expr {
                    kind: ExprKind::Name(set),
                    ..
                },
            ] = args.as_slice()
        {
            let aggregate = Aggregate {
                func,
                set: set.clone(),
                of: AggregateOf::Records,
                filter: None,
            };
            return node(ExprKind::Aggregate(Box::new(aggregate)), span, 2);
        }
        node(ExprKind::Call(Call { func, args }), span, height + 1)
    }

    fn aggregate(
        &self,
        func: Ident,
        pair: Pair<'_, Rule>,
        span: Span,
        nesting: usize,
    ) -> Result<Lowered> {
        let mut inner = pair.into_inner();
        let set = self.ident(next(&mut inner)?);
        let mut of = AggregateOf::Records;
        let mut filter = None;
        let mut height = 1;
        for part in inner {
            match part.as_rule() {
                Rule::agg_field => of = AggregateOf::Field(self.ident(first_inner(part)?)),
                Rule::agg_expr => {
                    let value = self.expr(first_inner(part)?, nesting)?;
                    height = height.max(value.height);
                    of = AggregateOf::Expr(value.expr);
                }
                Rule::agg_where => {
                    let cond = self.expr(first_inner(part)?, nesting)?;
                    height = height.max(cond.height);
                    filter = Some(cond.expr);
                }
                other => return Err(unexpected(other, self.span(&part))),
            }
        }
        let aggregate = Aggregate {
            func,
            set,
            of,
            filter,
        };
        node(ExprKind::Aggregate(Box::new(aggregate)), span, height + 1)
    }

    fn table(&self, kind: TableKind, pair: Pair<'_, Rule>, nesting: usize) -> Result<Lowered> {
        let span = self.span(&pair);
        let mut subject = None;
        let mut arms = Vec::new();
        let mut body_span = span;
        let mut height = 1;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::expr => {
                    let lowered = self.expr(part, nesting)?;
                    height = height.max(lowered.height);
                    subject = Some(lowered.expr);
                }
                Rule::table_body => {
                    body_span = self.span(&part);
                    for arm in part.into_inner() {
                        let (arm, arm_height) = self.arm(arm, nesting)?;
                        height = height.max(arm_height);
                        arms.push(arm);
                    }
                }
                other => return Err(unexpected(other, self.span(&part))),
            }
        }
        let table = Table {
            kind,
            subject,
            arms,
            body_span,
        };
        node(ExprKind::Table(Box::new(table)), span, height + 1)
    }

    fn arm(&self, pair: Pair<'_, Rule>, nesting: usize) -> Result<(Arm, usize)> {
        let span = self.tight_span(&pair);
        let mut inner = pair.into_inner();
        let left_pair = next(&mut inner)?;
        let mut height = 1;
        let mut sub = |pair| -> Result<Expr> {
            let lowered = self.expr(pair, nesting)?;
            height = height.max(lowered.height);
            Ok(lowered.expr)
        };
        let left = match left_pair.as_rule() {
            Rule::otherwise => ArmLeft::Otherwise(self.span(&left_pair)),
            Rule::below => ArmLeft::Below(sub(first_inner(left_pair)?)?),
            Rule::up_to => ArmLeft::UpTo(sub(first_inner(left_pair)?)?),
            Rule::strings => ArmLeft::Strings(
                left_pair
                    .into_inner()
                    .map(|s| self.string(s))
                    .collect::<Result<_>>()?,
            ),
            Rule::expr => ArmLeft::Expr(sub(left_pair)?),
            other => return Err(unexpected(other, self.span(&left_pair))),
        };
        let value = sub(next(&mut inner)?)?;
        Ok((Arm { left, value, span }, height))
    }

    // -- tokens -----------------------------------------------------------

    fn literal(&self, pair: Pair<'_, Rule>) -> Result<Literal> {
        let span = self.span(&pair);
        let mut negative = false;
        let mut lit = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::neg => negative = true,
                Rule::number => lit = Some(Lit::Number(self.number(part)?)),
                Rule::percent => lit = Some(Lit::Percent(self.number(first_inner(part)?)?)),
                Rule::money => lit = Some(self.money(part)?),
                Rule::string => lit = Some(Lit::Text(self.string(part)?)),
                Rule::boolean => lit = Some(Lit::Bool(part.as_str().starts_with('t'))),
                other => return Err(unexpected(other, self.span(&part))),
            }
        }
        let lit = lit.ok_or_else(|| unexpected(Rule::literal, span))?;
        Ok(Literal {
            negative,
            lit,
            span,
        })
    }

    fn money(&self, pair: Pair<'_, Rule>) -> Result<Lit> {
        let mut inner = pair.into_inner();
        let amount = self.number(next(&mut inner)?)?;
        let code = self.ident(next(&mut inner)?);
        Ok(Lit::Money(amount, code))
    }

    fn number(&self, pair: Pair<'_, Rule>) -> Result<NumLit> {
        let span = self.span(&pair);
        let raw = pair.as_str().to_string();
        let digits: String = raw.chars().filter(|c| *c != '_').collect();
        let value = Decimal::from_str_exact(&digits).map_err(|_| ParseError::NumberTooLarge {
            raw: raw.clone(),
            span: span.into(),
        })?;
        Ok(NumLit { raw, value, span })
    }

    fn string(&self, pair: Pair<'_, Rule>) -> Result<StrLit> {
        let span = self.span(&pair);
        let text = first_inner(pair)?;
        let text_start = self.span(&text).start;
        let mut value = String::with_capacity(text.as_str().len());
        let mut chars = text.as_str().char_indices();
        while let Some((_, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, 'n')) => value.push('\n'),
                Some((at, other)) => {
                    let start = text_start + at - 1;
                    return Err(ParseError::BadEscape {
                        escape: other.to_string(),
                        span: Span::new(start, start + 1 + other.len_utf8()).into(),
                    });
                }
                None => value.push('\\'),
            }
        }
        Ok(StrLit { value, span })
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident {
            name: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn decl_name(&self, pair: Pair<'_, Rule>) -> Result<Ident> {
        let ident = self.ident(pair);
        if is_keyword(&ident.name) {
            return Err(ParseError::KeywordAsName {
                word: ident.name,
                span: ident.span.into(),
            });
        }
        Ok(ident)
    }
}

/// The length of `text` without the blank and comment-only lines (and
/// spaces) at its end. Strings never span lines, so a line whose first
/// non-space character is `#` is a comment.
fn without_trailing_trivia(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        if line_start == 0 || !text[line_start..end].trim_start().starts_with('#') {
            return end;
        }
        end = text[..line_start].trim_end().len();
    }
}

fn node(kind: ExprKind, span: Span, height: usize) -> Result<Lowered> {
    if height > MAX_DEPTH {
        return Err(too_deep(span));
    }
    Ok(Lowered {
        expr: Expr { kind, span },
        height,
    })
}

fn too_deep(span: Span) -> ParseError {
    ParseError::TooDeep {
        span: Span::new(span.start, span.start + 1).into(),
        limit: MAX_DEPTH,
    }
}

fn binary_op(rule: Rule) -> BinaryOp {
    match rule {
        Rule::or_op => BinaryOp::Or,
        Rule::and_op => BinaryOp::And,
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::lt => BinaryOp::Lt,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::ge => BinaryOp::Ge,
        Rule::add => BinaryOp::Add,
        Rule::sub => BinaryOp::Sub,
        Rule::mul => BinaryOp::Mul,
        // INVARIANT: the Pratt parser only passes the infix rules listed in
        // `Lowerer::new`; `/` is the last of them.
        _ => BinaryOp::Div,
    }
}

pub(crate) const KEYWORDS: &[&str] = &[
    "policy",
    "currency",
    "rounding",
    "input",
    "param",
    "let",
    "kpi",
    "bonus",
    "gate",
    "cap",
    "example",
    "expect",
    "if",
    "then",
    "else",
    "and",
    "or",
    "not",
    "true",
    "false",
    "tiers",
    "marginal",
    "curve",
    "weighted",
    "match",
    "below",
    "up",
    "to",
    "otherwise",
    "records",
    "where",
];

pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

fn next<'i>(pairs: &mut Pairs<'i, Rule>) -> Result<Pair<'i, Rule>> {
    pairs.next().ok_or_else(|| ParseError::Syntax {
        message: "the parser found an incomplete construct".to_string(),
        span: Span::default().into(),
        label: "here".to_string(),
        help: None,
    })
}

fn first_inner(pair: Pair<'_, Rule>) -> Result<Pair<'_, Rule>> {
    next(&mut pair.into_inner())
}

/// A pair the grammar cannot produce at this place. Reported rather than
/// panicking, so that a grammar change shows up as an error, not a crash.
fn unexpected(rule: Rule, span: Span) -> ParseError {
    ParseError::Syntax {
        message: format!("internal error: unexpected `{rule:?}` in the parse tree"),
        span: span.into(),
        label: "here".to_string(),
        help: Some("please report this policy to the kpi developers".to_string()),
    }
}
