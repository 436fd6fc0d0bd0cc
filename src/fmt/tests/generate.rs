//! Random policies for the property tests: every declaration, expression
//! and literal form, written with odd spacing, line breaks, blank lines and
//! comments wherever the grammar allows them.
//!
//! The strategies build a small tree of what to write and how (`Gap`s say
//! what goes between two tokens); `render` turns it into source text.
//! Where a line break would end a table arm or an example statement, a gap
//! that asks for one is written as a space instead.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// What goes between two tokens.
#[derive(Clone, Debug)]
pub enum Gap {
    One,
    /// Nothing where the tokens allow it, else one space.
    Tight,
    Wide,
    Newline,
    Comment(String),
}

#[derive(Clone, Debug)]
pub enum Expr {
    Leaf(String),
    Neg(Gap, Box<Expr>),
    Not(Gap, Box<Expr>),
    Binary(Box<Expr>, &'static str, Gap, Gap, Box<Expr>),
    Paren(Gap, Box<Expr>, Gap),
    If(Box<[Expr; 3]>, [Gap; 4]),
    Call(String, Vec<(Gap, Expr)>, Gap),
    Aggregate(Box<Aggregate>),
    Table(Box<Table>),
}

#[derive(Clone, Debug)]
pub struct Aggregate {
    func: &'static str,
    set: &'static str,
    of: AggregateOf,
    filter: Option<(Gap, Expr)>,
    gaps: [Gap; 2],
}

#[derive(Clone, Debug)]
pub enum AggregateOf {
    Records,
    Field(&'static str),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub struct Table {
    keyword: &'static str,
    subject: Option<Expr>,
    arms: Block<(Left, Expr)>,
}

#[derive(Clone, Debug)]
pub enum Left {
    Below(Expr),
    UpTo(Expr),
    Otherwise,
    Strings(Vec<String>),
    Expr(Expr),
}

/// Rows in braces, one a line, with comments and blank lines around them.
#[derive(Clone, Debug)]
pub struct Block<T> {
    opening: Option<String>,
    rows: Vec<Row<T>>,
    closing: Vec<Before>,
}

#[derive(Clone, Debug)]
pub struct Row<T> {
    before: Vec<Before>,
    indent: &'static str,
    row: T,
    trailing: Option<String>,
}

#[derive(Clone, Debug)]
pub enum Before {
    Blank,
    Comment(String),
}

#[derive(Clone, Debug)]
pub enum Decl {
    Input {
        name: &'static str,
        ty: &'static str,
        default: Option<String>,
        doc: Option<String>,
        gaps: [Gap; 3],
    },
    Binding {
        keyword: &'static str,
        name: &'static str,
        ty: Option<&'static str>,
        value: Expr,
        doc: Option<(Gap, String)>,
        gaps: [Gap; 2],
    },
    Gate(Expr, Gap, String),
    Cap(Gap, Expr),
    Example(String, Gap, Block<String>),
    Records(&'static str, Option<String>, Block<String>),
}

#[derive(Clone, Debug)]
pub struct Policy {
    bom: bool,
    crlf: bool,
    header: Vec<String>,
    decls: Vec<(Vec<Before>, Decl, Option<String>, bool)>,
    end: Vec<Before>,
}

const NAMES: &[&str] = &[
    "a",
    "b",
    "revenue",
    "plan_2",
    "_x",
    "выручка",
    "deals",
    "stage",
];
const FUNCS: &[&str] = &[
    "min", "max", "clamp", "abs", "round", "floor", "ceil", "sum", "f",
];
const AGGREGATES: &[&str] = &["count", "sum", "avg", "min", "max", "distinct"];
const TYPES: &[&str] = &["money", "number", "percent", "count", "bool", "text"];

fn pick(list: &'static [&'static str]) -> impl Strategy<Value = &'static str> + Clone {
    proptest::sample::select(list)
}

fn comment() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        Just("#".to_string()),
        "[ a-z#\"\\\\é€ы]{0,12}".prop_map(|text| format!("#{text}")),
        "[a-z ]{0,8}".prop_map(|text| format!("# {text}  ")),
    ]
}

fn gap() -> impl Strategy<Value = Gap> + Clone {
    prop_oneof![
        8 => Just(Gap::One),
        2 => Just(Gap::Tight),
        1 => Just(Gap::Wide),
        2 => Just(Gap::Newline),
        1 => comment().prop_map(Gap::Comment),
    ]
}

fn number() -> impl Strategy<Value = String> + Clone {
    "[0-9]{1,3}(_[0-9]{3}){0,2}(\\.[0-9]{1,3})?"
}

fn string() -> impl Strategy<Value = String> + Clone {
    "[ a-zA-Z#\"\\\\\n\té€ы]{0,10}".prop_map(|value| {
        let escaped = value
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n");
        format!("\"{escaped}\"")
    })
}

/// A literal as an expression: number, percent, money, string, bool.
fn literal() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        3 => number(),
        2 => number().prop_map(|n| format!("{n}%")),
        2 => (number(), pick(&["USD", "RUB"]), prop_oneof![Just(" "), Just("\t"), Just("  ")])
            .prop_map(|(n, code, space)| format!("{n}{space}{code}")),
        1 => string(),
        1 => prop_oneof![Just("true".to_string()), Just("false".to_string())],
    ]
}

/// A literal with an optional sign (defaults, examples).
fn signed_literal() -> impl Strategy<Value = String> + Clone {
    (any::<bool>(), literal()).prop_map(|(minus, lit)| if minus { format!("-{lit}") } else { lit })
}

const OPERATORS: &[&str] = &[
    "+", "-", "*", "/", "+", "-", "*", "/", "and", "or", "<", ">=", "==", "!=",
];

pub fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        literal().prop_map(Expr::Leaf),
        pick(NAMES).prop_map(|name| Expr::Leaf(name.to_string())),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            4 => (inner.clone(), pick(OPERATORS), gap(), gap(), inner.clone())
                .prop_map(|(l, op, g1, g2, r)| Expr::Binary(Box::new(l), op, g1, g2, Box::new(r))),
            1 => (gap(), inner.clone()).prop_map(|(g, e)| Expr::Neg(g, Box::new(e))),
            1 => (gap(), inner.clone()).prop_map(|(g, e)| Expr::Not(g, Box::new(e))),
            2 => (gap(), inner.clone(), gap()).prop_map(|(g1, e, g2)| Expr::Paren(g1, Box::new(e), g2)),
            1 => (inner.clone(), inner.clone(), inner.clone(), [gap(), gap(), gap(), gap()])
                .prop_map(|(c, t, e, gaps)| Expr::If(Box::new([c, t, e]), gaps)),
            1 => (pick(FUNCS), vec((gap(), inner.clone()), 0..4), gap())
                .prop_map(|(f, args, close)| Expr::Call(f.to_string(), args, close)),
            1 => aggregate(inner.clone()).prop_map(|a| Expr::Aggregate(Box::new(a))),
            1 => table(inner).prop_map(|t| Expr::Table(Box::new(t))),
        ]
    })
}

fn aggregate(inner: impl Strategy<Value = Expr> + Clone) -> impl Strategy<Value = Aggregate> {
    let of = prop_oneof![
        Just(AggregateOf::Records),
        pick(NAMES).prop_map(AggregateOf::Field),
        inner.clone().prop_map(AggregateOf::Expr),
    ];
    (
        pick(AGGREGATES),
        pick(NAMES),
        of,
        option::of((gap(), inner)),
        [gap(), gap()],
    )
        .prop_map(|(func, set, of, filter, gaps)| Aggregate {
            func,
            set,
            of,
            filter,
            gaps,
        })
}

fn table(inner: impl Strategy<Value = Expr> + Clone) -> impl Strategy<Value = Table> {
    let left = prop_oneof![
        inner.clone().prop_map(Left::Below),
        inner.clone().prop_map(Left::UpTo),
        Just(Left::Otherwise),
        vec(string(), 1..3).prop_map(Left::Strings),
        inner.clone().prop_map(Left::Expr),
    ];
    let keyword = pick(&["tiers", "marginal", "curve", "weighted", "match"]);
    (keyword, inner.clone(), block((left, inner), 0..4)).prop_map(|(keyword, subject, arms)| {
        Table {
            keyword,
            subject: (keyword != "weighted").then_some(subject),
            arms,
        }
    })
}

fn before() -> impl Strategy<Value = Vec<Before>> + Clone {
    vec(
        prop_oneof![Just(Before::Blank), comment().prop_map(Before::Comment)],
        0..3,
    )
}

fn block<T: std::fmt::Debug + Clone>(
    row: impl Strategy<Value = T> + Clone,
    count: std::ops::Range<usize>,
) -> impl Strategy<Value = Block<T>> + Clone {
    let one = (
        before(),
        pick(&["", "  ", "    ", "\t"]),
        row,
        option::weighted(0.3, comment()),
    )
        .prop_map(|(before, indent, row, trailing)| Row {
            before,
            indent,
            row,
            trailing,
        });
    (option::weighted(0.2, comment()), vec(one, count), before()).prop_map(
        |(opening, rows, closing)| Block {
            opening,
            rows,
            closing,
        },
    )
}

fn statement() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        (pick(NAMES), signed_literal()).prop_map(|(n, v)| format!("{n} = {v}")),
        (pick(NAMES), signed_literal()).prop_map(|(n, v)| format!("expect  {n}={v}")),
        string().prop_map(|message| format!("expect gate {message}")),
        (pick(NAMES), vec((pick(NAMES), signed_literal()), 0..3)).prop_map(|(set, fields)| {
            let fields: Vec<String> = fields.iter().map(|(n, v)| format!("{n}={v}")).collect();
            format!("{set} {{{}}}", fields.join(" ,"))
        }),
    ]
}

fn field() -> impl Strategy<Value = String> + Clone {
    (
        pick(NAMES),
        pick(TYPES),
        option::of(signed_literal()),
        option::of(string()),
    )
        .prop_map(|(name, ty, default, doc)| {
            let default = default.map(|d| format!(" = {d}")).unwrap_or_default();
            let doc = doc.map(|d| format!(" {d}")).unwrap_or_default();
            format!("{name} : {ty}{default}{doc}")
        })
}

fn decl() -> impl Strategy<Value = Decl> {
    let input = (
        pick(NAMES),
        pick(TYPES),
        option::of(signed_literal()),
        option::of(string()),
        [gap(), gap(), gap()],
    )
        .prop_map(|(name, ty, default, doc, gaps)| Decl::Input {
            name,
            ty,
            default,
            doc,
            gaps,
        });
    let binding = (
        pick(&["param", "let", "kpi", "bonus"]),
        pick(NAMES),
        option::of(pick(TYPES)),
        expr(),
        option::of((gap(), string())),
        [gap(), gap()],
    )
        .prop_map(|(keyword, name, ty, value, doc, gaps)| Decl::Binding {
            keyword,
            name,
            ty,
            value,
            doc,
            gaps,
        });
    prop_oneof![
        3 => input,
        6 => binding,
        1 => (expr(), gap(), string()).prop_map(|(cond, g, message)| Decl::Gate(cond, g, message)),
        1 => (gap(), expr()).prop_map(|(g, value)| Decl::Cap(g, value)),
        1 => (string(), gap(), block(statement(), 0..5)).prop_map(|(t, g, b)| Decl::Example(t, g, b)),
        1 => (pick(NAMES), option::of(string()), block(field(), 0..4))
            .prop_map(|(name, doc, fields)| Decl::Records(name, doc, fields)),
    ]
}

pub fn policy() -> impl Strategy<Value = Policy> {
    let header = (
        string(),
        pick(&["USD", "RUB"]),
        option::of("[0-9]"),
        any::<bool>(),
    )
        .prop_map(|(title, code, rounding, same_line)| {
            let mut lines = vec![format!("policy {title}"), format!("currency {code}")];
            if let Some(places) = rounding {
                lines.push(format!("rounding\t{places}"));
            }
            if same_line {
                lines = vec![lines.join(" ")];
            }
            lines
        });
    let entry = (
        before(),
        decl(),
        option::weighted(0.3, comment()),
        any::<bool>(),
    );
    (
        any::<bool>(),
        any::<bool>(),
        header,
        vec(entry, 0..10),
        before(),
    )
        .prop_map(|(bom, crlf, header, decls, end)| Policy {
            bom,
            crlf,
            header,
            decls,
            end,
        })
}

// -- rendering ---------------------------------------------------------------

/// `lines`: whether a line break is whitespace here (outside table arms
/// and example statements, or inside parentheses).
fn gap_text(out: &mut String, gap: &Gap, lines: bool, tight_ok: bool) {
    match gap {
        Gap::Tight if tight_ok => {}
        Gap::Wide => out.push_str(" \t  "),
        Gap::Newline if lines => out.push_str("\n      "),
        Gap::Comment(text) if lines => {
            out.push(' ');
            out.push_str(text);
            out.push_str("\n   ");
        }
        _ => out.push(' '),
    }
}

fn expr_text(out: &mut String, expr: &Expr, lines: bool) {
    match expr {
        Expr::Leaf(text) => out.push_str(text),
        Expr::Neg(gap, operand) => {
            out.push('-');
            gap_text(out, gap, lines, true);
            expr_text(out, operand, lines);
        }
        Expr::Not(gap, operand) => {
            out.push_str("not");
            gap_text(out, gap, lines, false);
            expr_text(out, operand, lines);
        }
        Expr::Binary(lhs, op, before, after, rhs) => {
            let symbol = !op.chars().all(char::is_alphabetic);
            expr_text(out, lhs, lines);
            gap_text(out, before, lines, symbol);
            out.push_str(op);
            gap_text(out, after, lines, symbol);
            expr_text(out, rhs, lines);
        }
        Expr::Paren(open, inner, close) => {
            out.push('(');
            gap_text(out, open, true, true);
            expr_text(out, inner, true);
            gap_text(out, close, true, true);
            out.push(')');
        }
        Expr::If(parts, gaps) => {
            let [cond, then, otherwise] = parts.as_ref();
            out.push_str("if");
            gap_text(out, &gaps[0], lines, false);
            expr_text(out, cond, lines);
            gap_text(out, &gaps[1], lines, false);
            out.push_str("then ");
            expr_text(out, then, lines);
            gap_text(out, &gaps[2], lines, false);
            out.push_str("else");
            gap_text(out, &gaps[3], lines, false);
            expr_text(out, otherwise, lines);
        }
        Expr::Call(func, args, close) => {
            out.push_str(func);
            out.push('(');
            for (index, (gap, arg)) in args.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                gap_text(out, gap, true, true);
                expr_text(out, arg, true);
            }
            gap_text(out, close, true, true);
            out.push(')');
        }
        Expr::Aggregate(aggregate) => aggregate_text(out, aggregate),
        Expr::Table(table) => table_text(out, table, lines),
    }
}

fn aggregate_text(out: &mut String, aggregate: &Aggregate) {
    out.push_str(aggregate.func);
    out.push('(');
    gap_text(out, &aggregate.gaps[0], true, true);
    out.push_str(aggregate.set);
    match &aggregate.of {
        AggregateOf::Records => {}
        AggregateOf::Field(field) => {
            out.push('.');
            out.push_str(field);
        }
        AggregateOf::Expr(value) => {
            out.push(':');
            expr_text(out, value, true);
        }
    }
    if let Some((gap, filter)) = &aggregate.filter {
        gap_text(out, gap, true, false);
        out.push_str("where ");
        expr_text(out, filter, true);
    }
    gap_text(out, &aggregate.gaps[1], true, true);
    out.push(')');
}

fn table_text(out: &mut String, table: &Table, lines: bool) {
    out.push_str(table.keyword);
    out.push(' ');
    if let Some(subject) = &table.subject {
        expr_text(out, subject, lines);
        out.push(' ');
    }
    block_text(out, &table.arms, |out, (left, value)| {
        match left {
            Left::Below(bound) => {
                out.push_str("below ");
                expr_text(out, bound, false);
            }
            Left::UpTo(bound) => {
                out.push_str("up  to ");
                expr_text(out, bound, false);
            }
            Left::Otherwise => out.push_str("otherwise"),
            Left::Strings(strings) => out.push_str(&strings.join(" ,")),
            Left::Expr(left) => expr_text(out, left, false),
        }
        out.push_str(" :");
        expr_text(out, value, false);
    });
}

fn block_text<T>(out: &mut String, block: &Block<T>, row: impl Fn(&mut String, &T)) {
    out.push('{');
    if let Some(comment) = &block.opening {
        out.push_str(comment);
    }
    out.push('\n');
    for line in &block.rows {
        before_text(out, &line.before);
        out.push_str(line.indent);
        row(out, &line.row);
        if let Some(comment) = &line.trailing {
            out.push_str(comment);
        }
        out.push('\n');
    }
    before_text(out, &block.closing);
    out.push('}');
}

fn before_text(out: &mut String, before: &[Before]) {
    for line in before {
        match line {
            Before::Blank => out.push('\n'),
            Before::Comment(text) => {
                out.push_str("  ");
                out.push_str(text);
                out.push('\n');
            }
        }
    }
}

fn decl_text(out: &mut String, decl: &Decl) {
    match decl {
        Decl::Input {
            name,
            ty,
            default,
            doc,
            gaps,
        } => {
            out.push_str("input ");
            out.push_str(name);
            gap_text(out, &gaps[0], true, true);
            out.push(':');
            gap_text(out, &gaps[1], true, true);
            out.push_str(ty);
            if let Some(default) = default {
                out.push_str(" = ");
                out.push_str(default);
            }
            if let Some(doc) = doc {
                gap_text(out, &gaps[2], true, false);
                out.push_str(doc);
            }
        }
        Decl::Binding {
            keyword,
            name,
            ty,
            value,
            doc,
            gaps,
        } => {
            out.push_str(keyword);
            out.push(' ');
            out.push_str(name);
            if let Some(ty) = ty {
                out.push_str(" : ");
                out.push_str(ty);
            }
            gap_text(out, &gaps[0], true, true);
            out.push('=');
            gap_text(out, &gaps[1], true, true);
            expr_text(out, value, true);
            if let Some((gap, doc)) = doc {
                gap_text(out, gap, true, false);
                out.push_str(doc);
            }
        }
        Decl::Gate(cond, gap, message) => {
            out.push_str("gate ");
            expr_text(out, cond, true);
            gap_text(out, gap, true, false);
            out.push_str("else ");
            out.push_str(message);
        }
        Decl::Cap(gap, value) => {
            out.push_str("cap");
            gap_text(out, gap, true, false);
            expr_text(out, value, true);
        }
        Decl::Example(title, gap, statements) => {
            out.push_str("example ");
            out.push_str(title);
            gap_text(out, gap, true, false);
            block_text(out, statements, |out, s| out.push_str(s));
        }
        Decl::Records(name, doc, fields) => {
            out.push_str("records ");
            out.push_str(name);
            if let Some(doc) = doc {
                out.push(' ');
                out.push_str(doc);
            }
            out.push(' ');
            block_text(out, fields, |out, f| out.push_str(f));
        }
    }
}

pub fn render(policy: &Policy) -> String {
    let mut out = String::new();
    if policy.bom {
        out.push('\u{FEFF}');
    }
    out.push_str(&policy.header.join("\n"));
    out.push('\n');
    for (before, decl, trailing, same_line) in &policy.decls {
        before_text(&mut out, before);
        decl_text(&mut out, decl);
        match trailing {
            Some(comment) => {
                out.push(' ');
                out.push_str(comment);
                out.push('\n');
            }
            None if *same_line => out.push(' '),
            None => out.push('\n'),
        }
    }
    before_text(&mut out, &policy.end);
    if policy.crlf {
        out = out.replace('\n', "\r\n");
    }
    out
}
