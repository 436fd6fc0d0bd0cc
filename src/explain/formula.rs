//! Formulas as written and with an employee's values substituted, and how
//! explanations show values.
//!
//! A [`Template`] is made once per formula of a policy: the source text cut
//! at every name, aggregate and table (the holes). Substituting an
//! employee's values only joins the pieces, so it costs one string per
//! formula and employee.

use crate::eval::expr::{Env, eval};
use crate::plan::{ArithOp, Expr, ExprKind, IfExpr, Plan, Slot, Table, TableKind};
use crate::span::Span;
use crate::value::{self, Type, Value};
use rust_decimal::Decimal;

/// A formula of the policy, prepared for explanations.
#[derive(Debug)]
pub(crate) struct Template<'a> {
    /// The formula as written, line by line, without comments.
    pub lines: Vec<String>,
    /// The same lines joined.
    pub written: String,
    /// The same on one line, tables shortened to `tiers x {…}`.
    pub short: String,
    pieces: Vec<Piece<'a>>,
    /// Tables in the formula, in source order (nested ones too).
    pub tables: Vec<TableInfo<'a>>,
    /// `if`s in the formula, in source order, with their conditions.
    pub ifs: Vec<IfInfo<'a>>,
}

#[derive(Debug)]
enum Piece<'a> {
    Text(String),
    Slot(Slot),
    Aggregate(u32),
    /// A table: its value where it was evaluated, else its short form.
    Table(&'a Expr, &'a Table, String, Type),
}

#[derive(Debug)]
pub(crate) struct TableInfo<'a> {
    pub table: &'a Table,
    /// `tiers attainment {…}`
    pub short: String,
    /// Each arm as written, without comments, whitespace collapsed.
    pub arms: Vec<String>,
    /// The line of [`Template::lines`] each arm starts on.
    pub arm_lines: Vec<usize>,
    /// The subject as written (`attainment`); empty for `weighted`.
    pub subject: String,
    /// How the subject, thresholds and points are shown.
    pub subject_type: Type,
    /// How the table's values are shown.
    pub value_type: Type,
    /// The `if` branches the table sits in: (`if` id, `then` or not).
    pub guards: Vec<(u32, bool)>,
}

#[derive(Debug)]
pub(crate) struct IfInfo<'a> {
    pub branch: &'a IfExpr,
    pub condition: String,
}

impl<'a> Template<'a> {
    pub fn new(expr: &'a Expr, plan: &'a Plan, source: &str) -> Template<'a> {
        let text = slice(source, expr.span);
        let mut holes = Vec::new();
        collect_holes(expr, &mut holes);
        holes.sort_by_key(|(span, _)| span.start);
        let mut pieces = Vec::with_capacity(holes.len() * 2 + 1);
        let mut short = String::new();
        let mut cursor = expr.span.start;
        for (span, hole) in holes {
            if span.start < cursor || span.end > expr.span.end {
                continue;
            }
            let between = clean(slice(source, Span::new(cursor, span.start)));
            short.push_str(&between);
            pieces.push(Piece::Text(between));
            let written = clean(slice(source, span));
            match hole {
                Hole::Slot(slot) => {
                    short.push_str(&written);
                    pieces.push(Piece::Slot(slot));
                }
                Hole::Aggregate(index) => {
                    short.push_str(&written);
                    pieces.push(Piece::Aggregate(index));
                }
                Hole::Table(expr, table) => {
                    let shortened = shorten_table(source, table);
                    short.push_str(&shortened);
                    let ty = display_type(expr, plan, source);
                    pieces.push(Piece::Table(expr, table, shortened, ty));
                }
            }
            cursor = span.end;
        }
        let rest = clean(slice(source, Span::new(cursor, expr.span.end)));
        short.push_str(&rest);
        pieces.push(Piece::Text(rest));
        // Substituting then needs no trimming.
        if let Some(Piece::Text(first)) = pieces.first_mut() {
            *first = first.trim_start().to_string();
        }
        if let Some(Piece::Text(last)) = pieces.last_mut() {
            *last = last.trim_end().to_string();
        }
        pieces.retain(|piece| !matches!(piece, Piece::Text(text) if text.is_empty()));

        let mut tables = Vec::new();
        let mut ifs = Vec::new();
        let mut parts = Parts {
            plan,
            source,
            tables: &mut tables,
            ifs: &mut ifs,
            guards: Vec::new(),
        };
        parts.collect(expr);
        for info in &mut tables {
            info.arm_lines = info
                .table
                .arms
                .iter()
                .map(|arm| line_of(source, expr.span.start, arm.start))
                .collect();
        }
        let mut lines: Vec<String> = text.lines().map(strip_comment).collect();
        // Some spans run on over blank lines and comments after the formula.
        while lines.last().is_some_and(|line| line.trim().is_empty()) {
            lines.pop();
        }
        Template {
            written: lines.join("\n"),
            lines,
            short: short.trim().to_string(),
            pieces,
            tables,
            ifs,
        }
    }

    /// Whether substituting values would only repeat the value: the formula
    /// is one name, one table or one aggregate.
    pub fn is_single_hole(&self) -> bool {
        matches!(
            self.pieces.as_slice(),
            [Piece::Slot(_) | Piece::Table(..) | Piece::Aggregate(_)]
        )
    }

    /// Whether the formula has no name, table or aggregate at all.
    pub fn is_constant(&self) -> bool {
        self.pieces
            .iter()
            .all(|piece| matches!(piece, Piece::Text(_)))
    }

    /// The formula with the employee's values in place of names, tables
    /// (those evaluated: `evaluated` says which) and aggregates.
    pub fn substitute(
        &self,
        plan: &Plan,
        env: &Env<'_>,
        evaluated: impl Fn(u32) -> bool,
    ) -> String {
        let mut out = String::with_capacity(self.short.len() + 16);
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Slot(slot) => match env.slots.get(slot.index()).and_then(Option::as_ref) {
                    Some(value) => push_shown(&mut out, value, plan.slot(*slot).ty, plan),
                    None => out.push_str(&plan.slot(*slot).name),
                },
                Piece::Aggregate(index) => {
                    let ty = aggregate_type(plan, *index);
                    match env.aggregates.get(*index as usize) {
                        Some(Some(value)) => push_shown(&mut out, value, ty, plan),
                        _ => out.push('…'),
                    }
                }
                Piece::Table(expr, table, short, ty) => {
                    let value = evaluated(table.id)
                        .then(|| eval(expr, env, &mut ()).ok())
                        .flatten();
                    match value {
                        Some(value) => {
                            push_shown(&mut out, &value, *ty, plan);
                        }
                        None => out.push_str(short),
                    }
                }
            }
        }
        out
    }
}

enum Hole<'a> {
    Slot(Slot),
    Aggregate(u32),
    Table(&'a Expr, &'a Table),
}

fn collect_holes<'a>(expr: &'a Expr, holes: &mut Vec<(Span, Hole<'a>)>) {
    match &expr.kind {
        ExprKind::Slot(slot) => holes.push((expr.span, Hole::Slot(*slot))),
        ExprKind::Aggregate(index) => holes.push((expr.span, Hole::Aggregate(*index))),
        ExprKind::Table(table) => holes.push((expr.span, Hole::Table(expr, table))),
        _ => expr.for_each_child(|child| collect_holes(child, holes)),
    }
}

/// Collects the tables and `if`s of a formula, in source order.
struct Parts<'a, 'o> {
    plan: &'a Plan,
    source: &'o str,
    tables: &'o mut Vec<TableInfo<'a>>,
    ifs: &'o mut Vec<IfInfo<'a>>,
    guards: Vec<(u32, bool)>,
}

impl<'a> Parts<'a, '_> {
    fn collect(&mut self, expr: &'a Expr) {
        let (plan, source) = (self.plan, self.source);
        match &expr.kind {
            ExprKind::Table(table) => {
                let subject_type = match &table.kind {
                    TableKind::Tiers {
                        subject,
                        thresholds,
                        ..
                    } => bound_type(subject, thresholds, plan, source),
                    TableKind::Marginal {
                        subject, bounds, ..
                    } => bound_type(subject, bounds, plan, source),
                    TableKind::Curve {
                        subject, points, ..
                    } => bound_type(subject, points, plan, source),
                    TableKind::Match { .. } => Type::Text,
                    TableKind::Weighted { .. } => Type::Number,
                };
                self.tables.push(TableInfo {
                    table,
                    short: shorten_table(source, table),
                    arms: table
                        .arms
                        .iter()
                        .map(|arm| clean(slice(source, *arm)))
                        .collect(),
                    arm_lines: Vec::new(),
                    subject: table
                        .kind
                        .subject()
                        .map_or(String::new(), |s| clean(slice(source, s.span))),
                    subject_type,
                    value_type: display_type(expr, plan, source),
                    guards: self.guards.clone(),
                });
                expr.for_each_child(|child| self.collect(child));
            }
            ExprKind::If(branch) => {
                self.ifs.push(IfInfo {
                    branch,
                    condition: clean(slice(source, branch.cond.span)),
                });
                self.collect(&branch.cond);
                for (taken, child) in [(true, &branch.then), (false, &branch.otherwise)] {
                    self.guards.push((branch.id, taken));
                    self.collect(child);
                    self.guards.pop();
                }
            }
            _ => expr.for_each_child(|child| self.collect(child)),
        }
    }
}

/// How a table's subject and its thresholds or points are shown: like the
/// subject, or as percentages when the thresholds are written so.
fn bound_type(subject: &Expr, bounds: &[Expr], plan: &Plan, source: &str) -> Type {
    match display_type(subject, plan, source) {
        Type::Number
            if bounds
                .iter()
                .any(|b| slice(source, b.span).trim_end().ends_with('%')) =>
        {
            Type::Percent
        }
        ty => ty,
    }
}

fn aggregate_type(plan: &Plan, index: u32) -> Type {
    plan.aggregates
        .get(index as usize)
        .map_or(Type::Number, |a| a.kind.default_type())
}

/// How a value computed by `expr` is best shown: money with the currency,
/// percentages as percentages. The plan keeps no kinds on expressions, so
/// this follows the unit rules of reference §3 from the leaves up.
pub(crate) fn display_type(expr: &Expr, plan: &Plan, source: &str) -> Type {
    let money_or = |a: Type, b: Type, other: Type| {
        if a == Type::Money || b == Type::Money {
            Type::Money
        } else {
            other
        }
    };
    match &expr.kind {
        ExprKind::Slot(slot) => plan.slot(*slot).ty,
        ExprKind::Const(value) => match value {
            Value::Bool(_) => Type::Bool,
            Value::Text(_) => Type::Text,
            // The plan keeps a literal's value, not its unit: read the text.
            Value::Num(_) => {
                let text = slice(source, expr.span).trim_end();
                if text.ends_with('%') {
                    Type::Percent
                } else if text.ends_with(plan.currency.as_str()) {
                    Type::Money
                } else {
                    Type::Number
                }
            }
        },
        ExprKind::Aggregate(index) => aggregate_type(plan, *index),
        ExprKind::Neg(inner) => display_type(inner, plan, source),
        ExprKind::Not(_) | ExprKind::Compare(..) | ExprKind::And(..) | ExprKind::Or(..) => {
            Type::Bool
        }
        ExprKind::Arith(op, a, b) => {
            let (a, b) = (display_type(a, plan, source), display_type(b, plan, source));
            match op {
                ArithOp::Add | ArithOp::Sub | ArithOp::Mul => money_or(a, b, Type::Number),
                ArithOp::Div if a == Type::Money && b != Type::Money => Type::Money,
                ArithOp::Div => Type::Number,
            }
        }
        ExprKind::If(branch) => {
            let (a, b) = (
                display_type(&branch.then, plan, source),
                display_type(&branch.otherwise, plan, source),
            );
            money_or(a, b, a)
        }
        ExprKind::Call(_, args) => {
            let types: Vec<Type> = args.iter().map(|a| display_type(a, plan, source)).collect();
            if types.contains(&Type::Money) {
                Type::Money
            } else if types.first() == Some(&Type::Percent) {
                Type::Percent
            } else {
                Type::Number
            }
        }
        ExprKind::Table(table) => match &table.kind {
            TableKind::Tiers { values, .. }
            | TableKind::Curve { values, .. }
            | TableKind::Match { values, .. } => {
                let types: Vec<Type> = values
                    .iter()
                    .map(|v| display_type(v, plan, source))
                    .collect();
                if types.contains(&Type::Money) {
                    Type::Money
                } else if types.iter().all(|t| *t == Type::Percent) {
                    Type::Percent
                } else {
                    types.first().copied().unwrap_or(Type::Number)
                }
            }
            TableKind::Marginal { subject, rates, .. } => {
                let rate = rates
                    .first()
                    .map_or(Type::Number, |r| display_type(r, plan, source));
                money_or(display_type(subject, plan, source), rate, Type::Number)
            }
            TableKind::Weighted { .. } => Type::Number,
        },
        ExprKind::Field(_) | ExprKind::Input(_) | ExprKind::Invalid => Type::Number,
    }
}

/// `tiers attainment {…}`: a table as one short phrase.
fn shorten_table(source: &str, table: &Table) -> String {
    let text = slice(source, table.span);
    match text.find('{') {
        Some(brace) => format!("{} {{…}}", clean(&text[..brace]).trim()),
        None => clean(text),
    }
}

/// The text of a span, or nothing when the span does not fit the source.
pub(crate) fn slice(source: &str, span: Span) -> &str {
    source.get(span.start..span.end).unwrap_or("")
}

/// Which line of the text starting at `start` holds `offset` (0-based).
fn line_of(source: &str, start: usize, offset: usize) -> usize {
    source
        .get(start..offset)
        .map_or(0, |between| between.matches('\n').count())
}

/// Source text on one line: comments dropped, whitespace runs collapsed to
/// one space (strings are kept as written).
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    let mut space = false;
    for c in text.chars() {
        if in_comment {
            if c == '\n' {
                in_comment = false;
                space = true;
            }
            continue;
        }
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '#' => in_comment = true,
            c if c.is_whitespace() => space = true,
            c => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                if c == '"' {
                    in_string = true;
                }
                out.push(c);
            }
        }
    }
    // Keep one space at either end where the text had some, so that pieces
    // joined around a value stay apart: `revenue` ` / ` `plan`.
    let leading = text.starts_with(char::is_whitespace);
    let trailing = space && !in_string;
    let mut result = String::with_capacity(out.len() + 2);
    if leading && !out.is_empty() {
        result.push(' ');
    }
    result.push_str(&out);
    if trailing && !out.is_empty() || out.is_empty() && !text.is_empty() && text.trim().is_empty() {
        result.push(' ');
    }
    result
}

/// One line without its comment and trailing whitespace.
fn strip_comment(line: &str) -> String {
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in line.char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' {
            return line[..index].trim_end().to_string();
        }
    }
    line.trim_end().to_string()
}

/// A value as explanations show it (see [`push_shown`]).
pub(crate) fn shown(value: &Value, ty: Type, plan: &Plan) -> String {
    let mut out = String::new();
    push_shown(&mut out, value, ty, plan);
    out
}

/// Decimals shown before an explanation cuts a value short with `…`: of
/// numbers and percentages, and of money beyond the policy's rounding.
const EXTRA_PLACES: u32 = 4;
const EXTRA_MONEY_PLACES: u32 = 2;

/// Writes a value for people: money with thousands separators, the policy's
/// decimals and its currency; percentages as percentages; numbers as they
/// are. A value with more decimals than the policy's rounding (money) or
/// four (others) is cut (rounded) and marked `…`, so that a shown value is
/// never mistaken for an exact one.
pub(crate) fn push_shown(out: &mut String, value: &Value, ty: Type, plan: &Plan) {
    match (value, ty) {
        (Value::Num(n), Type::Money) => {
            push_money(out, *n, plan.rounding);
            out.push(' ');
            out.push_str(&plan.currency);
        }
        (Value::Num(n), Type::Percent) => match value::mul(*n, Decimal::ONE_HUNDRED) {
            Ok(percent) => {
                out.push_str(&limited(percent, EXTRA_PLACES));
                out.push('%');
            }
            Err(_) => out.push_str(&limited(*n, EXTRA_PLACES)),
        },
        (Value::Num(n), _) => out.push_str(&limited(*n, EXTRA_PLACES)),
        (Value::Bool(b), _) => out.push_str(if *b { "true" } else { "false" }),
        (Value::Text(t), _) => {
            out.push('"');
            out.push_str(t);
            out.push('"');
        }
    }
}

/// An amount of money: exactly `places` decimals when it has no more,
/// else up to two more and `…`.
#[cfg(test)]
fn money_text(n: Decimal, places: u32) -> String {
    let mut out = String::new();
    push_money(&mut out, n, places);
    out
}

/// Writes an amount of money (see [`money_text`]) with thousands
/// separators, without the allocations of `report::money`: explanations
/// show many amounts per employee.
pub(crate) fn push_money(out: &mut String, n: Decimal, places: u32) {
    let scale = n.normalize().scale();
    let (shown, decimals, cut) = if scale <= places {
        (n, places, false)
    } else {
        let cut = value::round(n, places + EXTRA_MONEY_PLACES);
        if cut == n {
            (n, scale, false)
        } else {
            (cut, places + EXTRA_MONEY_PLACES, true)
        }
    };
    let mut fixed = shown.round_dp(decimals);
    fixed.rescale(decimals);
    let text = fixed.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) if !fixed.is_zero() => ("-", rest),
        Some(rest) => ("", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    out.push_str(sign);
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    if cut {
        out.push('…');
    }
}

/// A number with at most `places` decimals; when cut, with all `places`
/// of them and `…` (`90.0000…`, not `90…`).
fn limited(n: Decimal, places: u32) -> String {
    let cut = value::round(n, places);
    if cut == n {
        return value::exact_string(cut);
    }
    let mut text = value::fixed_string(cut, places);
    text.push('…');
    text
}

/// Evaluates an expression of the plan against an employee's values.
pub(crate) fn value_of(expr: &Expr, env: &Env<'_>) -> Option<Value> {
    eval(expr, env, &mut ()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn cleaning_drops_comments_and_collapses_space() {
        assert_eq!(clean("a  +\n  b # note\n"), "a + b ");
        assert_eq!(clean(" / "), " / ");
        assert_eq!(clean("\"a  # b\" # c"), "\"a  # b\" ");
        assert_eq!(clean(""), "");
    }

    #[test]
    fn comments_are_stripped_from_lines() {
        assert_eq!(strip_comment("below 80% : 0   # low"), "below 80% : 0");
        assert_eq!(strip_comment("\"#1\" : 2 # x"), "\"#1\" : 2");
    }

    #[test]
    fn money_is_cut_after_two_more_decimals() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(money_text(d("5661.538461538461538"), 2), "5,661.5385…");
        assert_eq!(money_text(d("5661.53"), 2), "5,661.53");
        assert_eq!(money_text(d("-1234567.5"), 2), "-1,234,567.50");
        assert_eq!(money_text(d("999"), 0), "999");
        assert_eq!(money_text(d("-0.001"), 2), "-0.001");
        assert_eq!(money_text(d("62410.0100001"), 2), "62,410.0100…");
        assert_eq!(money_text(d("5661.5"), 2), "5,661.50");
        assert_eq!(money_text(d("0.125"), 2), "0.125");
    }

    #[test]
    fn percentages_show_up_to_four_decimals() {
        let d = |s| Decimal::from_str(s).unwrap();
        assert_eq!(limited(d("61.811"), 4), "61.811");
        assert_eq!(limited(d("10.256410256"), 4), "10.2564…");
        assert_eq!(limited(d("90.00002"), 4), "90.0000…");
    }
}
