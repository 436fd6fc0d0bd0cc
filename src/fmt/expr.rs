//! Expressions and tables. Every token is printed in the order written, so
//! the formatted text parses to the same tree; parentheses are in the tree
//! (`ExprKind::Paren`) and so are kept. Between two tokens a [`Gap`] keeps
//! a line break only where the layout allows one and the source had one.

use super::printer::{Gap, Printer, close_block};
use super::rows::{Group, Row};
use super::text::Text;
use crate::ast::*;
use crate::span::Span;

impl Printer<'_> {
    pub fn expr(&mut self, expr: &Expr) -> Text {
        match &expr.kind {
            ExprKind::Lit(lit) => Text::new(&lit_text(lit)),
            ExprKind::Name(ident) => Text::new(&ident.name),
            ExprKind::Unary(op, operand) => self.unary(expr.span, *op, operand),
            ExprKind::Binary(op, lhs, rhs) => self.binary(*op, lhs, rhs),
            ExprKind::Paren(inner) => self.paren(expr.span, inner),
            ExprKind::If(chain) => self.if_chain(expr.span.start, chain),
            ExprKind::Call(call) => self.call(expr.span, call),
            ExprKind::Aggregate(aggregate) => self.aggregate(expr.span, aggregate),
            ExprKind::Table(table) => self.table(expr.span, table),
        }
    }

    fn unary(&mut self, span: Span, op: UnaryOp, operand: &Expr) -> Text {
        let (word, gap) = match op {
            UnaryOp::Neg => ("-", Gap::TIGHT),
            UnaryOp::Not => ("not", Gap::SPACE),
        };
        let mut out = Text::new(word);
        self.gap(&mut out, span.start + word.len(), operand.span.start, gap);
        out.append(self.expr(operand));
        out
    }

    /// `a + b`; a line break between the operands goes before the operator.
    fn binary(&mut self, op: BinaryOp, lhs: &Expr, rhs: &Expr) -> Text {
        let mut out = self.expr(lhs);
        self.gap(&mut out, end(lhs), rhs.span.start, Gap::BREAK);
        out.push(op.symbol());
        out.push(" ");
        out.append(self.expr(rhs));
        out
    }

    fn paren(&mut self, span: Span, inner: &Expr) -> Text {
        let mut out = Text::new("(");
        self.gap(&mut out, span.start + 1, inner.span.start, Gap::OPEN);
        out.append(self.expr(inner));
        self.gap(&mut out, end(inner), close_of(span), Gap::CLOSE);
        out.push(")");
        out
    }

    /// `if … then … else if … else …`: a chain of `else if`s is printed
    /// flat, each `then` and `else` on a new line if it was written so.
    fn if_chain(&mut self, start: usize, first: &If) -> Text {
        let mut out = Text::new("if");
        let mut keyword_end = start + "if".len();
        let mut current = first;
        loop {
            self.gap(&mut out, keyword_end, current.cond.span.start, Gap::SPACE);
            out.append(self.expr(&current.cond));
            self.gap(
                &mut out,
                end(&current.cond),
                current.then.span.start,
                Gap::BREAK,
            );
            out.push("then ");
            out.append(self.expr(&current.then));
            let otherwise = &current.otherwise;
            self.gap(
                &mut out,
                end(&current.then),
                otherwise.span.start,
                Gap::BREAK,
            );
            out.push("else ");
            match &otherwise.kind {
                ExprKind::If(next) => {
                    out.push("if");
                    keyword_end = otherwise.span.start + "if".len();
                    current = next;
                }
                _ => {
                    out.append(self.expr(otherwise));
                    return out;
                }
            }
        }
    }

    fn call(&mut self, span: Span, call: &Call) -> Text {
        let mut out = self.open_call(&call.func);
        let mut from = self.next_token(call.func.span.end) + 1;
        for (index, arg) in call.args.iter().enumerate() {
            let gap = if index == 0 {
                Gap::OPEN
            } else {
                out.push(",");
                Gap::BREAK
            };
            self.gap(&mut out, from, arg.span.start, gap);
            out.append(self.expr(arg));
            from = end(arg);
        }
        self.gap(&mut out, from, close_of(span), Gap::CLOSE);
        out.push(")");
        out
    }

    /// `FUNC(SET[.FIELD | : EXPR] [where COND])`
    fn aggregate(&mut self, span: Span, aggregate: &Aggregate) -> Text {
        let mut out = self.open_call(&aggregate.func);
        let open = self.next_token(aggregate.func.span.end);
        self.gap(&mut out, open + 1, aggregate.set.span.start, Gap::OPEN);
        out.push(&aggregate.set.name);
        let mut from = aggregate.set.span.end;
        match &aggregate.of {
            AggregateOf::Records => {}
            AggregateOf::Field(field) => {
                out.push(".");
                self.gap(&mut out, from, field.span.start, Gap::TIGHT);
                out.push(&field.name);
                from = field.span.end;
            }
            AggregateOf::Expr(value) => {
                out.push(":");
                self.gap(&mut out, from, value.span.start, Gap::SPACE);
                out.append(self.expr(value));
                from = end(value);
            }
        }
        if let Some(filter) = &aggregate.filter {
            self.gap(&mut out, from, filter.span.start, Gap::BREAK);
            out.push("where ");
            out.append(self.expr(filter));
            from = end(filter);
        }
        self.gap(&mut out, from, close_of(span), Gap::CLOSE);
        out.push(")");
        out
    }

    /// `min(`: the function's name and the parenthesis (a comment between
    /// them, if any, stays between them).
    fn open_call(&mut self, func: &Ident) -> Text {
        let mut out = Text::new(&func.name);
        let open = self.next_token(func.span.end);
        self.gap(&mut out, func.span.end, open, Gap::TIGHT);
        out.push("(");
        out
    }

    /// `tiers S {`, one arm a line with the `:`s aligned, `}`.
    fn table(&mut self, span: Span, table: &Table) -> Text {
        let keyword = table.kind.keyword();
        let mut out = Text::new(keyword);
        let mut from = span.start + keyword.len();
        if let Some(subject) = &table.subject {
            self.gap(&mut out, from, subject.span.start, Gap::SPACE);
            out.append(self.expr(subject));
            from = end(subject);
        }
        self.gap(&mut out, from, table.body_span.start, Gap::SPACE);
        out.push("{");
        let block = self.pieces(
            Some(table.body_span.start + 1),
            &table.arms,
            close_of(table.body_span),
            |_, arm| (arm.span.start, end(&arm.value)),
            |printer, arm| printer.arm(arm),
        );
        close_block(&mut out, block);
        out
    }

    /// `LEFT : VALUE`. The left side is a cell (aligned) when it fits on
    /// one line. An arm ends at its line's end, so nothing here may break
    /// a line outside parentheses; the source could not have either.
    fn arm(&mut self, arm: &Arm) -> Row {
        let mut above = Vec::new();
        let left = match &arm.left {
            ArmLeft::Otherwise(_) => Text::new("otherwise"),
            ArmLeft::Below(bound) => self.keyword_then(&mut above, "below ", bound),
            ArmLeft::UpTo(bound) => self.keyword_then(&mut above, "up to ", bound),
            ArmLeft::Strings(strings) => {
                let quoted: Vec<String> = strings.iter().map(|s| quote(&s.value)).collect();
                Text::new(&quoted.join(", "))
            }
            ArmLeft::Expr(expr) => self.expr(expr),
        };
        self.hoist(&mut above, arm.value.span.start);
        let mut body = Text::new(": ");
        body.append(self.expr(&arm.value));
        let mut row = if let Some(cell) = left.single_line() {
            Row::new(Group::Arm, vec![cell.to_string()], body)
        } else {
            let mut whole = left;
            whole.push(" ");
            whole.append(body);
            Row::new(Group::Arm, Vec::new(), whole)
        };
        row.above = above;
        row
    }

    fn keyword_then(&mut self, above: &mut Vec<String>, keyword: &str, bound: &Expr) -> Text {
        self.hoist(above, bound.span.start);
        let mut out = Text::new(keyword);
        out.append(self.expr(bound));
        out
    }
}

/// Where an expression's last token ends. Spans of `if`s (and of nodes
/// ending with one) may run over the whitespace after them, so the end is
/// found from the tree.
pub(crate) fn end(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::If(chain) => end(&chain.otherwise),
        ExprKind::Unary(_, operand) => end(operand),
        ExprKind::Binary(_, _, rhs) => end(rhs),
        _ => expr.span.end,
    }
}

/// The position of the closing bracket of a node ending with one.
fn close_of(span: Span) -> usize {
    span.end.saturating_sub(1)
}

pub(crate) fn lit_text(lit: &Lit) -> String {
    match lit {
        Lit::Number(number) => number.raw.clone(),
        Lit::Percent(number) => format!("{}%", number.raw),
        Lit::Money(number, code) => format!("{} {}", number.raw, code.name),
        Lit::Text(text) => quote(&text.value),
        Lit::Bool(value) => value.to_string(),
    }
}

pub(crate) fn literal_text(literal: &Literal) -> String {
    let sign = if literal.negative { "-" } else { "" };
    format!("{sign}{}", lit_text(&literal.lit))
}

/// A string literal with its escapes written back: `\"`, `\\`, `\n`.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
