//! Tables: `tiers`, `marginal`, `curve`, `weighted`, `match` (reference §4).
//!
//! The arms' forms, kinds and constness are checked here; whether constant
//! thresholds increase and weights add up is checked once params have
//! values, by `eval::bind`.

use super::expr::{Scope, Typed, is_constant, unify};
use super::{CheckError, Checker, Ty};
use crate::ast::{self, ArmLeft, TableKind};
use crate::plan;
use crate::span::Span;
use std::collections::HashMap;
use std::sync::Arc;

/// How each table's arms read, for messages.
fn arm_form(kind: TableKind) -> &'static str {
    match kind {
        TableKind::Tiers => "`below THRESHOLD : VALUE`, then `otherwise : VALUE`",
        TableKind::Marginal => "`up to BOUND : RATE`, then `otherwise : RATE`",
        TableKind::Curve => "`POINT : VALUE`",
        TableKind::Weighted => "`VALUE : WEIGHT`",
        TableKind::Match => "`\"text\", \"other\" : VALUE`, then `otherwise : VALUE`",
    }
}

impl Checker<'_> {
    pub(super) fn table(&mut self, table: &ast::Table, span: Span, scope: &Scope) -> Typed {
        let ast_table = table;
        let id = self.tables;
        self.tables += 1;
        let keyword = table.kind.keyword();
        if table.arms.is_empty() {
            self.arm_error(
                format!("`{keyword}` has no arms"),
                table.body_span,
                "empty".to_string(),
                Some(format!("its arms read {}", arm_form(table.kind))),
            );
            return Typed::invalid(span);
        }
        let subject = table.subject.as_ref().map(|s| (self.expr(s, scope), s));
        if let Some((typed, expr)) = &subject {
            let fits = match table.kind {
                TableKind::Match => matches!(typed.ty, Ty::Text | Ty::Unknown),
                _ => typed.ty.is_numeric(),
            };
            if !fits {
                let want = if table.kind == TableKind::Match {
                    "text"
                } else {
                    "a number or money"
                };
                self.mismatch(
                    format!("`{keyword}` takes {want}, not {}", typed.ty.describe()),
                    &[(expr.span, format!("this is {}", typed.ty.describe()))],
                    None,
                );
            }
        }
        let subject_ty = subject.as_ref().map_or(Ty::Unknown, |(t, _)| t.ty);
        let arms = self.arms(table, scope);
        let Some(arms) = arms else {
            return Typed::invalid(span);
        };
        let subject = subject.map(|(typed, _)| typed.expr);

        // Constant parts: thresholds, bounds, points (of the subject's
        // kind) and weights (numbers).
        let (left_what, left_ty) = match table.kind {
            TableKind::Tiers => ("the thresholds of `tiers`", Some(subject_ty)),
            TableKind::Marginal => ("the bounds of `marginal`", Some(subject_ty)),
            TableKind::Curve => ("the points of `curve`", Some(subject_ty)),
            TableKind::Weighted => ("the weights of `weighted`", None),
            TableKind::Match => ("", None),
        };
        if table.kind == TableKind::Weighted {
            // Left of `:` are the values, right the weights.
            return self.weighted(id, span, arms.left, arms.right, arm_spans(table));
        }
        let mut lefts = Vec::with_capacity(arms.left.len());
        for (typed, expr) in arms.left {
            if !is_constant(self, &typed.expr) {
                self.errors.push(CheckError::NotConstant {
                    what: left_what.to_string(),
                    span: expr.span.into(),
                    help: Some("use a number, a percentage, an amount or a param".to_string()),
                });
            }
            if let Some(want) = left_ty
                && unify(want, typed.ty).is_none()
            {
                let message = format!(
                    "{left_what} must be of the subject's kind: {}, not {}",
                    want.describe(),
                    typed.ty.describe()
                );
                let help = (want == Ty::Money)
                    .then(|| self.money_literal_help(expr))
                    .flatten();
                self.errors.push(CheckError::UnitMismatch {
                    message,
                    labels: super::labels(&[(
                        expr.span,
                        format!("this is {}", typed.ty.describe()),
                    )]),
                    help,
                });
            }
            lefts.push(typed.expr);
        }
        let right_exprs: Vec<&ast::Expr> = arms.right.iter().map(|(_, e)| *e).collect();
        if table.kind == TableKind::Curve {
            for (typed, expr) in &arms.right {
                if !is_constant(self, &typed.expr) {
                    self.errors.push(CheckError::NotConstant {
                        what: "the values of `curve`".to_string(),
                        span: expr.span.into(),
                        help: Some("a curve's values are fixed; scale the curve's result instead, e.g. `target * curve …`".to_string()),
                    });
                }
            }
        }
        let parts: Vec<(Ty, &ast::Expr)> = arms
            .right
            .iter()
            .map(|(typed, _)| typed.ty)
            .zip(right_exprs.iter().copied())
            .collect();
        let what = match table.kind {
            TableKind::Marginal => format!("the rates of `{keyword}`"),
            _ => format!("the values of `{keyword}`"),
        };
        let mut ty = self.unify_all(&parts, &what);
        let values: Vec<plan::Expr> = arms.right.into_iter().map(|(t, _)| t.expr).collect();
        if matches!(table.kind, TableKind::Marginal | TableKind::Curve) && !ty.is_numeric() {
            self.mismatch(
                format!("{what} must be numbers or money, not {}", ty.describe()),
                &[(table.body_span, format!("these are {}", ty.describe()))],
                None,
            );
            ty = Ty::Unknown;
        }
        if table.kind == TableKind::Marginal {
            ty = self.marginal_kind(subject_ty, ty, table);
        }
        let Some(subject) = subject else {
            return Typed::invalid(span);
        };
        let kind = match table.kind {
            TableKind::Tiers => plan::TableKind::Tiers {
                subject,
                thresholds: lefts,
                values,
            },
            TableKind::Marginal => plan::TableKind::Marginal {
                subject,
                bounds: lefts,
                rates: values,
            },
            TableKind::Curve => plan::TableKind::Curve {
                subject,
                points: lefts,
                values,
            },
            TableKind::Match => plan::TableKind::Match {
                subject,
                cases: arms.cases,
                values,
            },
            TableKind::Weighted => return Typed::invalid(span),
        };
        let table = plan::Table {
            id,
            kind,
            span,
            arms: arm_spans(ast_table),
        };
        Typed {
            expr: plan::Expr::new(plan::ExprKind::Table(Box::new(table)), span),
            ty,
        }
    }

    /// `marginal`'s result: subject kind × rate kind.
    fn marginal_kind(&mut self, subject: Ty, rate: Ty, table: &ast::Table) -> Ty {
        let as_number = |ty| if ty == Ty::Zero { Ty::Number } else { ty };
        match (as_number(subject), as_number(rate)) {
            (Ty::Unknown, _) | (_, Ty::Unknown) => Ty::Unknown,
            (Ty::Money, Ty::Money) => {
                self.errors.push(CheckError::UnitMismatch {
                    message: "`marginal` of money with money rates would multiply money by money"
                        .to_string(),
                    labels: super::labels(&[(
                        table.body_span,
                        "these rates are money".to_string(),
                    )]),
                    help: Some(
                        "rates of a money subject are numbers: `up to 100_000 USD : 3%`"
                            .to_string(),
                    ),
                });
                Ty::Unknown
            }
            (Ty::Money, _) | (_, Ty::Money) => Ty::Money,
            _ => Ty::Number,
        }
    }

    fn weighted(
        &mut self,
        id: u32,
        span: Span,
        values: Vec<(Typed, &ast::Expr)>,
        weights: Vec<(Typed, &ast::Expr)>,
        arms: Vec<Span>,
    ) -> Typed {
        let mut ok = true;
        for (value, expr) in &values {
            if !matches!(value.ty, Ty::Number | Ty::Zero | Ty::Unknown) {
                let help = (value.ty == Ty::Money).then(|| {
                    "divide by the target amount to make a score, e.g. `revenue / revenue_plan`"
                        .to_string()
                });
                self.mismatch(
                    format!(
                        "the values of `weighted` are scores (numbers), not {}",
                        value.ty.describe()
                    ),
                    &[(expr.span, format!("this is {}", value.ty.describe()))],
                    help,
                );
                ok = false;
            }
        }
        for (weight, expr) in &weights {
            if !is_constant(self, &weight.expr) {
                self.errors.push(CheckError::NotConstant {
                    what: "the weights of `weighted`".to_string(),
                    span: expr.span.into(),
                    help: Some("a weight is a percentage or a param, e.g. `40%`".to_string()),
                });
                ok = false;
            }
            if !matches!(weight.ty, Ty::Number | Ty::Zero | Ty::Unknown) {
                self.mismatch(
                    format!("a weight is a number, not {}", weight.ty.describe()),
                    &[(expr.span, format!("this is {}", weight.ty.describe()))],
                    Some("write weights as percentages, e.g. `40%`".to_string()),
                );
                ok = false;
            }
        }
        if !ok {
            return Typed::invalid(span);
        }
        let table = plan::Table {
            id,
            kind: plan::TableKind::Weighted {
                values: values.into_iter().map(|(t, _)| t.expr).collect(),
                weights: weights.into_iter().map(|(t, _)| t.expr).collect(),
            },
            span,
            arms,
        };
        Typed {
            expr: plan::Expr::new(plan::ExprKind::Table(Box::new(table)), span),
            ty: Ty::Number,
        }
    }

    /// Checks the arms' forms (`below`, `up to`, strings, `otherwise`
    /// last) and types both sides; None when the forms are wrong.
    fn arms<'e>(&mut self, table: &'e ast::Table, scope: &Scope) -> Option<Arms<'e>> {
        let kind = table.kind;
        let keyword = kind.keyword();
        let needs_otherwise = matches!(
            kind,
            TableKind::Tiers | TableKind::Marginal | TableKind::Match
        );
        let mut arms = Arms {
            left: Vec::new(),
            right: Vec::new(),
            cases: Vec::new(),
        };
        let mut ok = true;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        let last = table.arms.len() - 1;
        for (index, arm) in table.arms.iter().enumerate() {
            let is_last = index == last;
            match (&arm.left, kind) {
                (ArmLeft::Otherwise(span), _) if needs_otherwise => {
                    if !is_last {
                        self.arm_error(
                            "`otherwise` must be the last arm".to_string(),
                            *span,
                            "arms after it could never apply".to_string(),
                            Some("move it to the end".to_string()),
                        );
                        ok = false;
                    }
                }
                (ArmLeft::Otherwise(span), _) => {
                    let help = if kind == TableKind::Curve {
                        "below its first point a curve gives the first value, above its last point the last"
                    } else {
                        "every arm of `weighted` adds to the score"
                    };
                    self.arm_error(
                        format!("`{keyword}` has no `otherwise` arm"),
                        *span,
                        "not allowed here".to_string(),
                        Some(help.to_string()),
                    );
                    ok = false;
                }
                (ArmLeft::Below(threshold), TableKind::Tiers)
                | (ArmLeft::UpTo(threshold), TableKind::Marginal)
                    if !is_last =>
                {
                    arms.left.push((self.expr(threshold, scope), threshold));
                }
                (ArmLeft::Expr(point), TableKind::Curve | TableKind::Weighted) => {
                    arms.left.push((self.expr(point, scope), point));
                }
                (ArmLeft::Strings(strings), TableKind::Match) if !is_last => {
                    let mut case = Vec::with_capacity(strings.len());
                    for text in strings {
                        if let Some(first) = seen.get(text.value.as_str()) {
                            self.errors.push(CheckError::DuplicateCase {
                                text: text.value.clone(),
                                span: text.span.into(),
                                first: (*first).into(),
                            });
                            ok = false;
                        } else {
                            seen.insert(&text.value, text.span);
                        }
                        case.push(Arc::from(text.value.as_str()));
                    }
                    arms.cases.push(case);
                }
                (ArmLeft::Below(_) | ArmLeft::UpTo(_) | ArmLeft::Strings(_), _)
                    if is_last && needs_otherwise =>
                {
                    // An `otherwise` out of place is reported as such.
                    let misplaced = table
                        .arms
                        .iter()
                        .any(|arm| matches!(arm.left, ArmLeft::Otherwise(_)));
                    if misplaced {
                        ok = false;
                        arms.right.push((self.expr(&arm.value, scope), &arm.value));
                        continue;
                    }
                    self.errors.push(CheckError::MissingOtherwise {
                        table: keyword.to_string(),
                        span: table.body_span.into(),
                        help: format!(
                            "add `otherwise : VALUE` as the last arm; it applies {}",
                            match kind {
                                TableKind::Tiers =>
                                    "when the subject is at or above every threshold",
                                TableKind::Marginal =>
                                    "to the part of the subject above the last bound",
                                _ => "to every other text",
                            }
                        ),
                    });
                    ok = false;
                }
                (left, _) => {
                    let hint = match left {
                        ArmLeft::UpTo(_) => Some("`up to` is for `marginal`".to_string()),
                        ArmLeft::Below(_) => Some("`below` is for `tiers`".to_string()),
                        _ => None,
                    };
                    self.arm_error(
                        format!("a `{keyword}` arm reads {}", arm_form(kind)),
                        left.span(),
                        "not the form of this table".to_string(),
                        hint,
                    );
                    ok = false;
                }
            }
            arms.right.push((self.expr(&arm.value, scope), &arm.value));
        }
        ok.then_some(arms)
    }

    fn arm_error(&mut self, message: String, span: Span, label: String, help: Option<String>) {
        self.errors.push(CheckError::TableArm {
            message,
            span: span.into(),
            label,
            help,
        });
    }
}

fn arm_spans(table: &ast::Table) -> Vec<Span> {
    table.arms.iter().map(|arm| arm.span).collect()
}

/// A table's arms, typed: constant left sides, values, and for `match`
/// the strings of each arm.
struct Arms<'e> {
    left: Vec<(Typed, &'e ast::Expr)>,
    right: Vec<(Typed, &'e ast::Expr)>,
    cases: Vec<Vec<Arc<str>>>,
}
