//! Kinds and units of expressions (language reference §3, §4, §10), and
//! their lowering to plan expressions with names resolved.

use super::{CheckError, Checker, Named, Ty, labels};
use crate::ast::{self, AggregateOf, BinaryOp, ExprKind, Lit, UnaryOp};
use crate::plan::{self, AggregateFunc, ArithOp, Builtin, CmpOp, Role, Slot};
use crate::span::Span;
use crate::suggest;
use crate::value::{self, Type, Value};
use rust_decimal::Decimal;
use std::sync::Arc;

/// Where an expression is being checked.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Scope {
    /// Checking this param: only literals and params may be used.
    pub param: Option<usize>,
    /// Inside an aggregate over this record set (and the aggregate's span):
    /// the set's fields are in scope.
    pub set: Option<(usize, Span)>,
}

/// A checked expression and its kind.
pub(super) struct Typed {
    pub expr: plan::Expr,
    pub ty: Ty,
}

impl Typed {
    pub(super) fn new(kind: plan::ExprKind, span: Span, ty: Ty) -> Typed {
        Typed {
            expr: plan::Expr::new(kind, span),
            ty,
        }
    }

    pub(super) fn invalid(span: Span) -> Typed {
        Typed::new(plan::ExprKind::Invalid, span, Ty::Unknown)
    }
}

impl<'a> Checker<'a> {
    pub(super) fn expr(&mut self, expr: &ast::Expr, scope: &Scope) -> Typed {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Lit(lit) => self.lit(lit, span),
            ExprKind::Name(ident) => self.name(ident, scope),
            ExprKind::Paren(inner) => self.expr(inner, scope),
            ExprKind::Unary(op, operand) => self.unary(*op, operand, span, scope),
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, span, scope),
            ExprKind::If(branch) => self.if_expr(branch, span, scope),
            ExprKind::Call(call) => self.call(call, span, scope),
            ExprKind::Aggregate(aggregate) => self.aggregate(aggregate, span, scope),
            ExprKind::Table(table) => self.table(table, span, scope),
        }
    }

    /// Checks an expression that must have one kind (a gate's condition,
    /// the cap).
    pub(super) fn expect_kind(&mut self, expr: &ast::Expr, want: Ty, what: &str) -> plan::Expr {
        let typed = self.expr(expr, &Scope::default());
        let fits = typed.ty == want
            || typed.ty == Ty::Unknown
            || want == Ty::Money && typed.ty == Ty::Zero;
        if !fits {
            let help = match (want, typed.ty) {
                (Ty::Bool, Ty::Money | Ty::Number | Ty::Zero) => {
                    Some("compare it, e.g. `attainment >= 80%`".to_string())
                }
                (Ty::Money, Ty::Number) => self.money_literal_help(expr),
                _ => None,
            };
            let error = CheckError::TypeMismatch {
                message: format!(
                    "{what} must be {}, but this is {}",
                    want.describe(),
                    typed.ty.describe()
                ),
                labels: labels(&[(expr.span, format!("this is {}", typed.ty.describe()))]),
                help,
            };
            self.errors.push(error);
        }
        typed.expr
    }

    fn lit(&mut self, lit: &Lit, span: Span) -> Typed {
        let (value, ty) = match lit {
            Lit::Number(n) => {
                let ty = if n.value.is_zero() {
                    Ty::Zero
                } else {
                    Ty::Number
                };
                (Value::Num(n.value), ty)
            }
            Lit::Percent(n) => match value::div(n.value, Decimal::ONE_HUNDRED) {
                Ok(fraction) => (Value::Num(fraction), Ty::Number),
                Err(_) => return Typed::invalid(span),
            },
            Lit::Money(n, code) => {
                self.currency_code(code);
                (Value::Num(n.value), Ty::Money)
            }
            Lit::Text(text) => (Value::Text(Arc::from(text.value.as_str())), Ty::Text),
            Lit::Bool(b) => (Value::Bool(*b), Ty::Bool),
        };
        Typed::new(plan::ExprKind::Const(value), span, ty)
    }

    /// A money literal's code must be the policy's currency.
    fn currency_code(&mut self, code: &ast::Ident) {
        if !self.currency.is_empty() && code.name != self.currency {
            let help = Some(format!(
                "a policy pays in one currency; write the amount in {}",
                self.currency
            ));
            self.errors.push(CheckError::WrongCurrency {
                code: code.name.clone(),
                span: code.span.into(),
                currency: self.currency.clone(),
                help,
            });
        }
    }

    fn name(&mut self, ident: &ast::Ident, scope: &Scope) -> Typed {
        let span = ident.span;
        if let Some((set, _)) = scope.set
            && let Some(field) = self.sets[set].field(&ident.name)
        {
            let ty = Ty::of(self.sets[set].fields[field].ty.kind());
            return Typed::new(plan::ExprKind::Field(field as u32), span, ty);
        }
        match self.names.get(ident.name.as_str()).copied() {
            Some(Named::Decl(index)) => {
                let role = self.decls[index].role;
                if let Some(param) = scope.param
                    && role != Role::Param
                {
                    self.errors.push(CheckError::ParamNotConstant {
                            name: self.decls[param].name.name.clone(),
                            uses: ident.name.clone(),
                            span: span.into(),
                            role: format!("{} {}", article(role.keyword()), role.keyword()),
                            help: format!(
                                "a param is the same for every employee, so it may use only literals and other params; make `{}` a `let` if it depends on employee data",
                                self.decls[param].name.name
                            ),
                        });
                    return Typed::invalid(span);
                }
                if scope.set.is_some() && !matches!(role, Role::Input | Role::Param) {
                    self.errors.push(CheckError::Records {
                        message: format!(
                            "an aggregate cannot use the {} `{}`",
                            role.keyword(),
                            ident.name
                        ),
                        span: span.into(),
                        label: format!("computed per employee by a `{}`", role.keyword()),
                        help: Some(
                            "inside an aggregate, use the set's fields, inputs and params; records are aggregated before anything is computed from them"
                                .to_string(),
                        ),
                    });
                    return Typed::invalid(span);
                }
                Typed::new(
                    plan::ExprKind::Slot(Slot(index as u32)),
                    span,
                    self.tys[index],
                )
            }
            Some(Named::Set(_)) => {
                self.errors.push(CheckError::Records {
                    message: format!("`{}` is a record set, not a value", ident.name),
                    span: span.into(),
                    label: "a record set".to_string(),
                    help: Some(format!(
                        "aggregate it: `count({0})`, `sum({0}.FIELD)`, …",
                        ident.name
                    )),
                });
                Typed::invalid(span)
            }
            None => {
                let owner = self
                    .sets
                    .iter()
                    .find(|set| set.field(&ident.name).is_some());
                let error = match owner {
                    Some(set) => CheckError::Records {
                        message: format!(
                            "`{}` is a field of `{}`, usable only inside an aggregate over it",
                            ident.name, set.decl.name.name
                        ),
                        span: span.into(),
                        label: "a record field".to_string(),
                        help: Some(format!(
                            "for example `sum({}.{})`",
                            set.decl.name.name, ident.name
                        )),
                    },
                    None => CheckError::UnknownName {
                        name: ident.name.clone(),
                        span: span.into(),
                        help: self.suggestion(&ident.name, scope.set.map(|(set, _)| set)),
                    },
                };
                self.errors.push(error);
                Typed::invalid(span)
            }
        }
    }

    fn unary(&mut self, op: UnaryOp, operand: &ast::Expr, span: Span, scope: &Scope) -> Typed {
        let typed = self.expr(operand, scope);
        match op {
            UnaryOp::Neg => {
                if !typed.ty.is_numeric() {
                    self.mismatch(
                        format!("`-` needs a number or money, not {}", typed.ty.describe()),
                        &[(operand.span, format!("this is {}", typed.ty.describe()))],
                        None,
                    );
                    return Typed::invalid(span);
                }
                Typed::new(plan::ExprKind::Neg(Box::new(typed.expr)), span, typed.ty)
            }
            UnaryOp::Not => {
                self.require_bool(typed.ty, operand.span, "`not`");
                Typed::new(plan::ExprKind::Not(Box::new(typed.expr)), span, Ty::Bool)
            }
        }
    }

    fn require_bool(&mut self, ty: Ty, span: Span, what: &str) {
        if ty != Ty::Bool && ty != Ty::Unknown {
            let help = ty
                .is_numeric()
                .then(|| "compare it, e.g. `deals > 0`".to_string());
            self.mismatch(
                format!("{what} needs a bool, not {}", ty.describe()),
                &[(span, format!("this is {}", ty.describe()))],
                help,
            );
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        a: &ast::Expr,
        b: &ast::Expr,
        span: Span,
        scope: &Scope,
    ) -> Typed {
        let left = self.expr(a, scope);
        let right = self.expr(b, scope);
        let (lhs, rhs) = (Box::new(left.expr), Box::new(right.expr));
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let word = format!("`{}`", op.symbol());
                self.require_bool(left.ty, a.span, &word);
                self.require_bool(right.ty, b.span, &word);
                let kind = if op == BinaryOp::And {
                    plan::ExprKind::And(lhs, rhs)
                } else {
                    plan::ExprKind::Or(lhs, rhs)
                };
                Typed::new(kind, span, Ty::Bool)
            }
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => {
                self.comparison(op, (left.ty, a), (right.ty, b));
                let cmp = match op {
                    BinaryOp::Eq => CmpOp::Eq,
                    BinaryOp::Ne => CmpOp::Ne,
                    BinaryOp::Lt => CmpOp::Lt,
                    BinaryOp::Le => CmpOp::Le,
                    BinaryOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                Typed::new(plan::ExprKind::Compare(cmp, lhs, rhs), span, Ty::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                let ty = self.arithmetic(op, (left.ty, a), (right.ty, b));
                let arith = match op {
                    BinaryOp::Add => ArithOp::Add,
                    BinaryOp::Sub => ArithOp::Sub,
                    BinaryOp::Mul => ArithOp::Mul,
                    _ => ArithOp::Div,
                };
                Typed::new(plan::ExprKind::Arith(arith, lhs, rhs), span, ty)
            }
        }
    }

    fn comparison(&mut self, op: BinaryOp, a: (Ty, &ast::Expr), b: (Ty, &ast::Expr)) {
        let (left, right) = (a.0, b.0);
        if left == Ty::Unknown || right == Ty::Unknown {
            return;
        }
        let parts = [
            (a.1.span, format!("this is {}", left.describe())),
            (b.1.span, format!("this is {}", right.describe())),
        ];
        let equality = matches!(op, BinaryOp::Eq | BinaryOp::Ne);
        match unify(left, right) {
            Some(Ty::Text | Ty::Bool) if !equality => {
                self.mismatch(
                    format!(
                        "`{}` orders numbers and money; {} can only be compared with `==` or `!=`",
                        op.symbol(),
                        left.describe()
                    ),
                    &parts,
                    None,
                );
            }
            Some(_) => {}
            None if left.is_numeric() && right.is_numeric() => {
                let help = self.literal_unit_help(a.1, b.1);
                self.errors.push(CheckError::UnitMismatch {
                    message: format!(
                        "cannot compare {} with {}",
                        left.describe(),
                        right.describe()
                    ),
                    labels: labels(&parts),
                    help,
                });
            }
            None => {
                self.mismatch(
                    format!(
                        "cannot compare {} with {}",
                        left.describe(),
                        right.describe()
                    ),
                    &parts,
                    None,
                );
            }
        }
    }

    /// The unit rules of `+ - * /` (reference §3).
    fn arithmetic(&mut self, op: BinaryOp, a: (Ty, &ast::Expr), b: (Ty, &ast::Expr)) -> Ty {
        use Ty::{Money, Number, Unknown, Zero};
        let (left, right) = (a.0, b.0);
        for (ty, side) in [a, b] {
            if !ty.is_numeric() {
                self.mismatch(
                    format!(
                        "`{}` needs numbers or money, not {}",
                        op.symbol(),
                        ty.describe()
                    ),
                    &[(side.span, format!("this is {}", ty.describe()))],
                    None,
                );
                return Unknown;
            }
        }
        if left == Unknown || right == Unknown {
            return Unknown;
        }
        // The literal `0` is a number, except beside money where it may be
        // zero money.
        let as_number = |ty: Ty| if ty == Zero { Number } else { ty };
        let result = match op {
            BinaryOp::Add | BinaryOp::Sub => match (left, right) {
                (Money, Money | Zero) | (Zero, Money) => Ok(Money),
                (Number | Zero, Number | Zero) => Ok(Number),
                _ => Err(match op {
                    BinaryOp::Add => "cannot add money and a number".to_string(),
                    _ if left == Money => "cannot subtract a number from money".to_string(),
                    _ => "cannot subtract money from a number".to_string(),
                }),
            },
            BinaryOp::Mul => match (as_number(left), as_number(right)) {
                (Money, Money) => Err("cannot multiply money by money".to_string()),
                (Money, _) | (_, Money) => Ok(Money),
                _ => Ok(Number),
            },
            _ => match (left, as_number(right)) {
                (Money, Money) => Ok(Number),
                (Money, _) => Ok(Money),
                (Number | Zero, Money) => Err("cannot divide a number by money".to_string()),
                _ => Ok(Number),
            },
        };
        match result {
            Ok(ty) => ty,
            Err(message) => {
                let help = match op {
                    BinaryOp::Mul => Some(
                        "one side should be a number: a rate, a share, a count or a score"
                            .to_string(),
                    ),
                    BinaryOp::Div => Some(
                        "money ÷ money is a share; money ÷ a number is money; a number ÷ money has no meaning"
                            .to_string(),
                    ),
                    _ => self.literal_unit_help(a.1, b.1),
                };
                let parts = [
                    (a.1.span, format!("this is {}", left.describe())),
                    (b.1.span, format!("this is {}", right.describe())),
                ];
                self.errors.push(CheckError::UnitMismatch {
                    message,
                    labels: labels(&parts),
                    help,
                });
                Unknown
            }
        }
    }

    /// "write `5 USD`" where one side is a unitless literal.
    fn literal_unit_help(&self, a: &ast::Expr, b: &ast::Expr) -> Option<String> {
        self.money_literal_help(a)
            .or_else(|| self.money_literal_help(b))
            .or_else(|| {
                Some(format!(
                    "to turn a number into money, multiply it by an amount: `… * 1 {}`",
                    self.currency_or("USD")
                ))
            })
    }

    /// "write `5 USD`" for a unitless number literal.
    pub(super) fn money_literal_help(&self, expr: &ast::Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Lit(Lit::Number(n)) if !n.value.is_zero() => Some(format!(
                "write `{} {}` for an amount of money",
                n.raw,
                self.currency_or("USD")
            )),
            ExprKind::Unary(UnaryOp::Neg, inner) => self.money_literal_help(inner),
            _ => None,
        }
    }

    pub(super) fn mismatch(
        &mut self,
        message: String,
        parts: &[(Span, String)],
        help: Option<String>,
    ) {
        self.errors.push(CheckError::TypeMismatch {
            message,
            labels: labels(parts),
            help,
        });
    }

    fn if_expr(&mut self, branch: &ast::If, span: Span, scope: &Scope) -> Typed {
        let cond = self.expr(&branch.cond, scope);
        self.require_bool(cond.ty, branch.cond.span, "the condition of `if`");
        let then = self.expr(&branch.then, scope);
        let otherwise = self.expr(&branch.otherwise, scope);
        let ty = self.unify_all(
            &[(then.ty, &branch.then), (otherwise.ty, &branch.otherwise)],
            "the branches of `if`",
        );
        let id = self.branches;
        self.branches += 1;
        Typed::new(
            plan::ExprKind::If(Box::new(plan::IfExpr {
                id,
                cond: cond.expr,
                then: then.expr,
                otherwise: otherwise.expr,
            })),
            span,
            ty,
        )
    }

    /// One kind for several values (`if` branches, table values, `min`
    /// arguments); reports the first that does not fit.
    pub(super) fn unify_all(&mut self, parts: &[(Ty, &ast::Expr)], what: &str) -> Ty {
        // The kind so far, and the value that set it (for the message).
        let mut so_far: Option<(Ty, &ast::Expr)> = None;
        for &(ty, expr) in parts {
            if ty == Ty::Unknown {
                return Ty::Unknown;
            }
            let Some((current, first)) = so_far else {
                so_far = Some((ty, expr));
                continue;
            };
            match unify(current, ty) {
                // A lone `0` does not decide the kind; what follows does.
                Some(unified) if current == Ty::Zero => so_far = Some((unified, expr)),
                Some(unified) => so_far = Some((unified, first)),
                None => {
                    let parts = [
                        (first.span, format!("this is {}", current.describe())),
                        (expr.span, format!("this is {}", ty.describe())),
                    ];
                    let message = format!(
                        "{what} must have one kind, but they are {} and {}",
                        current.describe(),
                        ty.describe()
                    );
                    if current.is_numeric() && ty.is_numeric() {
                        let help = self.literal_unit_help(first, expr);
                        self.errors.push(CheckError::UnitMismatch {
                            message,
                            labels: labels(&parts),
                            help,
                        });
                    } else {
                        self.mismatch(message, &parts, None);
                    }
                    return Ty::Unknown;
                }
            }
        }
        so_far.map_or(Ty::Unknown, |(ty, _)| ty)
    }

    fn call(&mut self, call: &ast::Call, span: Span, scope: &Scope) -> Typed {
        let name = call.func.name.as_str();
        let Some(builtin) = Builtin::from_name(name) else {
            let help = if AggregateFunc::from_name(name).is_some() {
                Some(format!(
                    "`{name}` aggregates records: `{name}(SET.FIELD)` or `{name}(SET: EXPRESSION)`, optionally with `where CONDITION`"
                ))
            } else {
                suggest::did_you_mean(
                    name,
                    [
                        "min", "max", "clamp", "abs", "round", "floor", "ceil", "count",
                        "distinct", "sum", "avg",
                    ],
                )
            };
            let error = if AggregateFunc::from_name(name).is_some() {
                CheckError::Records {
                    message: format!("`{name}` needs a record set"),
                    span: span.into(),
                    label: "not an aggregate over records".to_string(),
                    help,
                }
            } else {
                CheckError::UnknownFunction {
                    name: name.to_string(),
                    span: call.func.span.into(),
                    help,
                }
            };
            self.errors.push(error);
            return Typed::invalid(span);
        };
        // `min(deals)`: an aggregate without its field.
        if let [arg] = call.args.as_slice()
            && let ExprKind::Name(ident) = &arg.kind
            && let Some(Named::Set(_)) = self.names.get(ident.name.as_str())
        {
            self.errors.push(CheckError::Records {
                message: format!("`{name}` of a record set needs a field"),
                span: span.into(),
                label: "which field?".to_string(),
                help: Some(format!("write `{name}({}.FIELD)`", ident.name)),
            });
            return Typed::invalid(span);
        }
        let (expected, fits) = match builtin {
            Builtin::Min | Builtin::Max => ("two or more values", call.args.len() >= 2),
            Builtin::Clamp => ("three values: `clamp(x, low, high)`", call.args.len() == 3),
            Builtin::Abs | Builtin::Floor | Builtin::Ceil => ("one value", call.args.len() == 1),
            Builtin::Round => (
                "a value and optionally decimal places: `round(x)`, `round(x, 2)`",
                matches!(call.args.len(), 1 | 2),
            ),
        };
        if !fits {
            self.errors.push(CheckError::Arguments {
                func: name.to_string(),
                expected: expected.to_string(),
                found: call.args.len(),
                span: span.into(),
            });
            return Typed::invalid(span);
        }
        let typed: Vec<Typed> = call.args.iter().map(|arg| self.expr(arg, scope)).collect();
        for (arg, expr) in typed.iter().zip(&call.args) {
            if !arg.ty.is_numeric() {
                self.mismatch(
                    format!("`{name}` takes numbers or money, not {}", arg.ty.describe()),
                    &[(expr.span, format!("this is {}", arg.ty.describe()))],
                    None,
                );
                return Typed::invalid(span);
            }
        }
        let ty = match builtin {
            Builtin::Min | Builtin::Max | Builtin::Clamp => {
                let parts: Vec<(Ty, &ast::Expr)> =
                    typed.iter().map(|t| t.ty).zip(call.args.iter()).collect();
                self.unify_all(&parts, &format!("the arguments of `{name}`"))
            }
            Builtin::Round if typed.len() == 2 => {
                if typed[1].ty == Ty::Money {
                    self.mismatch(
                        "`round`'s decimal places are a number, not money".to_string(),
                        &[(call.args[1].span, "this is money".to_string())],
                        None,
                    );
                }
                typed[0].ty
            }
            _ => typed[0].ty,
        };
        let args = typed.into_iter().map(|t| t.expr).collect();
        Typed::new(plan::ExprKind::Call(builtin, args), span, ty)
    }

    fn aggregate(&mut self, aggregate: &ast::Aggregate, span: Span, scope: &Scope) -> Typed {
        let name = aggregate.func.name.as_str();
        let Some(func) = AggregateFunc::from_name(name) else {
            self.errors.push(CheckError::UnknownFunction {
                name: name.to_string(),
                span: aggregate.func.span.into(),
                help: suggest::did_you_mean(
                    name,
                    ["count", "distinct", "sum", "avg", "min", "max"],
                )
                .or_else(|| {
                    Some("the aggregates are count, distinct, sum, avg, min and max".to_string())
                }),
            });
            return Typed::invalid(span);
        };
        if let Some((_, outer)) = scope.set {
            self.errors.push(CheckError::NestedAggregate {
                span: span.into(),
                outer: outer.into(),
            });
            return Typed::invalid(span);
        }
        if let Some(param) = scope.param {
            self.errors.push(CheckError::ParamNotConstant {
                name: self.decls[param].name.name.clone(),
                uses: format!("{name}(…)"),
                span: span.into(),
                role: "computed from each employee's records".to_string(),
                help: format!(
                    "a param is the same for every employee; make `{}` a `let`",
                    self.decls[param].name.name
                ),
            });
            return Typed::invalid(span);
        }
        let set = match self.names.get(aggregate.set.name.as_str()).copied() {
            Some(Named::Set(set)) => set,
            other => {
                let help = match other {
                    Some(Named::Decl(_)) => Some(format!(
                        "`{name}` aggregates the records of a `records` declaration"
                    )),
                    _ => suggest::did_you_mean(
                        &aggregate.set.name,
                        self.sets.iter().map(|set| set.decl.name.name.as_str()),
                    ),
                };
                self.errors.push(CheckError::Records {
                    message: format!("`{}` is not a record set", aggregate.set.name),
                    span: aggregate.set.span.into(),
                    label: "no `records` of this name".to_string(),
                    help,
                });
                return Typed::invalid(span);
            }
        };
        let inner = Scope {
            param: None,
            set: Some((set, span)),
        };
        let set_name = self.sets[set].decl.name.name.clone();
        let value = match (&aggregate.of, func) {
            (AggregateOf::Records, AggregateFunc::Count) => None,
            (AggregateOf::Records, _) => {
                self.errors.push(CheckError::Records {
                    message: format!("`{name}` needs a field of `{set_name}`"),
                    span: span.into(),
                    label: "which field?".to_string(),
                    help: Some(format!(
                        "write `{name}({set_name}.FIELD)` or `{name}({set_name}: EXPRESSION)`"
                    )),
                });
                return Typed::invalid(span);
            }
            (_, AggregateFunc::Count) => {
                self.errors.push(CheckError::Records {
                    message: "`count` counts records, not values".to_string(),
                    span: span.into(),
                    label: "count takes a record set".to_string(),
                    help: Some(format!(
                        "write `count({set_name})` or `count({set_name} where CONDITION)`; `distinct({set_name}.FIELD)` counts different values"
                    )),
                });
                return Typed::invalid(span);
            }
            (AggregateOf::Field(field), _) => match self.sets[set].field(&field.name) {
                Some(index) => Some(Typed::new(
                    plan::ExprKind::Field(index as u32),
                    field.span,
                    Ty::of(self.sets[set].fields[index].ty.kind()),
                )),
                None => {
                    let help = suggest::did_you_mean(
                        &field.name,
                        self.sets[set].fields.iter().map(|f| f.name.as_str()),
                    );
                    self.errors.push(CheckError::Records {
                        message: format!("`{set_name}` has no field `{}`", field.name),
                        span: field.span.into(),
                        label: "unknown field".to_string(),
                        help,
                    });
                    return Typed::invalid(span);
                }
            },
            (AggregateOf::Expr(expr), _) => Some(self.expr(expr, &inner)),
        };
        let mut ty = Ty::Number;
        if let Some(value) = &value
            && func != AggregateFunc::Distinct
        {
            if !value.ty.is_numeric() {
                self.mismatch(
                    format!(
                        "`{name}` needs numbers or money, not {}",
                        value.ty.describe()
                    ),
                    &[(value.expr.span, format!("this is {}", value.ty.describe()))],
                    None,
                );
                return Typed::invalid(span);
            }
            ty = if value.ty == Ty::Zero {
                Ty::Number
            } else {
                value.ty
            };
        }
        let filter = aggregate.filter.as_ref().map(|filter| {
            let typed = self.expr(filter, &inner);
            self.require_bool(typed.ty, filter.span, "`where`");
            typed.expr
        });
        let index = self.aggregates.len() as u32;
        self.aggregates.push(plan::AggregatePlan {
            func,
            set,
            value: value.map(|v| v.expr),
            filter,
            kind: ty.kind().unwrap_or(crate::value::Kind::Number),
            span,
        });
        Typed::new(plan::ExprKind::Aggregate(index), span, ty)
    }

    /// The value of a literal as a value of `ty`: an input's default, a
    /// record field's default, an example's value.
    pub(super) fn literal_value(&mut self, literal: &ast::Literal, ty: Type) -> Option<Value> {
        let span = literal.span;
        let negate = |n: Decimal| if literal.negative { -n } else { n };
        let found = match &literal.lit {
            Lit::Number(_) => "a number",
            Lit::Percent(_) => "a percentage",
            Lit::Money(..) => "money",
            Lit::Text(_) => "text",
            Lit::Bool(_) => "a bool",
        };
        let value = match (&literal.lit, ty) {
            (Lit::Number(n), Type::Number | Type::Percent) => Some(Value::Num(negate(n.value))),
            (Lit::Number(n), Type::Money) if n.value.is_zero() => Some(Value::Num(Decimal::ZERO)),
            (Lit::Number(n), Type::Count) => {
                if literal.negative && !n.value.is_zero() || !n.value.fract().is_zero() {
                    self.errors.push(CheckError::BadLiteral {
                        message: "a count is a whole number, not negative".to_string(),
                        span: span.into(),
                        label: "not a count".to_string(),
                        help: None,
                    });
                    return None;
                }
                Some(Value::Num(n.value.normalize()))
            }
            (Lit::Percent(n), Type::Number | Type::Percent) => {
                value::div(negate(n.value), Decimal::ONE_HUNDRED)
                    .ok()
                    .map(Value::Num)
            }
            (Lit::Money(n, code), Type::Money) => {
                self.currency_code(code);
                Some(Value::Num(negate(n.value)))
            }
            (Lit::Text(text), Type::Text) if !literal.negative => {
                Some(Value::Text(Arc::from(text.value.as_str())))
            }
            (Lit::Bool(b), Type::Bool) if !literal.negative => Some(Value::Bool(*b)),
            _ => None,
        };
        if value.is_none() {
            let help = match (&literal.lit, ty) {
                (Lit::Number(n), Type::Money) => Some(format!(
                    "write `{}{} {}` for an amount of money",
                    if literal.negative { "-" } else { "" },
                    n.raw,
                    self.currency_or("USD")
                )),
                (Lit::Text(_) | Lit::Bool(_), _) if literal.negative => {
                    Some("only numbers can be negative".to_string())
                }
                _ => None,
            };
            let expected = match ty {
                Type::Money => "an amount of money",
                Type::Number => "a number",
                Type::Percent => "a percentage",
                Type::Count => "a count",
                Type::Bool => "`true` or `false`",
                Type::Text => "a string",
            };
            self.errors.push(CheckError::BadLiteral {
                message: format!("expected {expected}, found {found}"),
                span: span.into(),
                label: format!("this is {found}"),
                help,
            });
        }
        value
    }
}

/// The kind two values share, if any.
pub(super) fn unify(a: Ty, b: Ty) -> Option<Ty> {
    match (a, b) {
        (Ty::Unknown, other) | (other, Ty::Unknown) => Some(other),
        (Ty::Zero, other) | (other, Ty::Zero) => match other {
            Ty::Money | Ty::Number | Ty::Zero => Some(other),
            _ => None,
        },
        (a, b) if a == b => Some(a),
        _ => None,
    }
}

/// True when `expr` is the same for every employee: literals and params.
pub(super) fn is_constant(checker: &Checker<'_>, expr: &plan::Expr) -> bool {
    let own = match &expr.kind {
        plan::ExprKind::Slot(slot) => checker.decls[slot.index()].role == Role::Param,
        plan::ExprKind::Field(_) | plan::ExprKind::Aggregate(_) => false,
        _ => true,
    };
    let mut children = true;
    expr.for_each_child(|child| children &= is_constant(checker, child));
    own && children
}

fn article(word: &str) -> &'static str {
    match word.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}
