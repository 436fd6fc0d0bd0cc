//! Syntax tree → checked plan: names resolved to slots, kinds and units
//! checked, declarations ordered by dependency, constants validated.
//!
//! The checker reports every error it can find in one run. An expression
//! that fails to check gets the kind [`Ty::Unknown`], which every later
//! check accepts silently, so one mistake is reported once, not again at
//! each place that uses it.

mod allow;
mod error;
mod examples;
mod expr;
mod graph;
mod lint;
mod tables;

pub use error::CheckError;
pub use lint::{WARNING_NAMES, Warning};

use crate::ast::{self, BindingKind, ItemKind};
use crate::eval::{self, Overrides};
use crate::plan::{self, GatePlan, InputPlan, Plan, Role, Slot, SlotInfo, Step};
use crate::span::Span;
use crate::suggest;
use crate::value::{Kind, Type, Value};
use miette::{Diagnostic, LabeledSpan};
use std::collections::HashMap;

/// A policy that checked: its plan, and the warnings about it (see
/// [`Warning`]), in the order they appear in the file.
#[derive(Clone, Debug)]
pub struct Checked {
    pub plan: Plan,
    pub warnings: Vec<Warning>,
}

/// Checks a parsed policy; on failure returns every error found, in the
/// order they appear in the file. `source` is the text `policy` was parsed
/// from: warnings are silenced by comments in it (`# kpi:allow(unused)`),
/// which the syntax tree does not keep.
pub fn check(policy: &ast::Policy, source: &str) -> Result<Checked, Vec<CheckError>> {
    // The checker recurses once per level of nesting (at most
    // `syntax::MAX_DEPTH`); give it room on any thread.
    stacker::grow(crate::syntax::STAGE_STACK, || {
        check_on_this_stack(policy, source)
    })
}

fn check_on_this_stack(policy: &ast::Policy, source: &str) -> Result<Checked, Vec<CheckError>> {
    let mut checker = Checker::new();
    let plan = checker.run(policy);
    let mut errors = checker.errors;
    // Constant parts of tables need the params' values; expressions that
    // failed to check are skipped there, so this adds only new errors.
    if let Err(bind_errors) = eval::bind(&plan, &Overrides::default()) {
        errors.extend(bind_errors.into_iter().map(CheckError::Bind));
    }
    if errors.is_empty() {
        let warnings = lint::lint(&plan, policy, source);
        return Ok(Checked { plan, warnings });
    }
    errors.sort_by_key(|error| first_offset(error));
    Err(errors)
}

/// Where a diagnostic's first label starts, to sort diagnostics by place.
fn first_offset(error: &dyn Diagnostic) -> usize {
    error
        .labels()
        .and_then(|mut labels| labels.next())
        .map_or(0, |label| label.offset())
}

/// The kind of an expression while checking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Money,
    Number,
    Bool,
    Text,
    /// The literal `0`, which may stand for zero money (reference §3).
    Zero,
    /// The expression has an error, already reported.
    Unknown,
}

impl Ty {
    fn of(kind: Kind) -> Ty {
        match kind {
            Kind::Money => Ty::Money,
            Kind::Number => Ty::Number,
            Kind::Bool => Ty::Bool,
            Kind::Text => Ty::Text,
        }
    }

    /// The kind once the checker is done: a lone `0` is a number.
    fn kind(self) -> Option<Kind> {
        match self {
            Ty::Money => Some(Kind::Money),
            Ty::Number | Ty::Zero => Some(Kind::Number),
            Ty::Bool => Some(Kind::Bool),
            Ty::Text => Some(Kind::Text),
            Ty::Unknown => None,
        }
    }

    fn is_numeric(self) -> bool {
        matches!(self, Ty::Money | Ty::Number | Ty::Zero | Ty::Unknown)
    }

    /// "money", "a number", … for messages.
    fn describe(self) -> &'static str {
        match self {
            Ty::Money => "money",
            Ty::Number | Ty::Zero => "a number",
            Ty::Bool => "a bool",
            Ty::Text => "text",
            Ty::Unknown => "unknown",
        }
    }
}

/// A named declaration: input, param, let, kpi or bonus. Its index is its
/// slot in the plan.
struct Decl<'a> {
    name: &'a ast::Ident,
    role: Role,
    item_span: Span,
    declared: Option<Type>,
    /// Where the type is written, if it is.
    type_span: Option<Span>,
    doc: Option<&'a ast::StrLit>,
    /// The expression of a param, let, kpi or bonus.
    expr: Option<&'a ast::Expr>,
}

/// A `records` declaration.
struct RecordSetInfo<'a> {
    decl: &'a ast::Records,
    fields: Vec<plan::FieldPlan>,
}

impl RecordSetInfo<'_> {
    fn field(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == name)
    }
}

#[derive(Clone, Copy, Debug)]
enum Named {
    Decl(usize),
    Set(usize),
}

struct Checker<'a> {
    errors: Vec<CheckError>,
    title: String,
    /// Empty when the policy declares none (already reported).
    currency: String,
    rounding: u32,
    decls: Vec<Decl<'a>>,
    sets: Vec<RecordSetInfo<'a>>,
    names: HashMap<&'a str, Named>,
    /// Per declaration, once checked.
    tys: Vec<Ty>,
    /// Per declaration: what reports show it as.
    shown: Vec<Type>,
    input_defaults: Vec<Option<Value>>,
    aggregates: Vec<plan::AggregatePlan>,
    tables: u32,
    branches: u32,
}

impl<'a> Checker<'a> {
    fn new() -> Self {
        Checker {
            errors: Vec::new(),
            title: String::new(),
            currency: String::new(),
            rounding: 2,
            decls: Vec::new(),
            sets: Vec::new(),
            names: HashMap::new(),
            tys: Vec::new(),
            shown: Vec::new(),
            input_defaults: Vec::new(),
            aggregates: Vec::new(),
            tables: 0,
            branches: 0,
        }
    }

    fn run(&mut self, policy: &'a ast::Policy) -> Plan {
        self.header(policy);
        self.declarations(policy);
        let order = graph::order(self);
        self.tys = vec![Ty::Unknown; self.decls.len()];
        self.shown = self
            .decls
            .iter()
            .map(|decl| decl.declared.unwrap_or(Type::Number))
            .collect();
        for (index, decl) in self.decls.iter().enumerate() {
            if decl.role == Role::Input
                && let Some(ty) = decl.declared
            {
                self.tys[index] = Ty::of(ty.kind());
            }
        }

        let mut params = Vec::new();
        let mut steps = Vec::new();
        for index in order.evaluation {
            let step = self.binding(index, order.in_cycle.contains(&index));
            if self.decls[index].role == Role::Param {
                params.push(step);
            } else {
                steps.push(step);
            }
        }

        let mut gates = Vec::new();
        let mut cap: Option<(plan::Expr, Span)> = None;
        for item in &policy.items {
            match &item.kind {
                ItemKind::Gate(gate) => {
                    let cond = self.expect_kind(&gate.cond, Ty::Bool, "a gate's condition");
                    gates.push(GatePlan {
                        cond,
                        message: gate.message.value.clone(),
                        span: item.span,
                    });
                }
                ItemKind::Cap(expr) => {
                    let checked = self.expect_kind(expr, Ty::Money, "the cap");
                    match &cap {
                        Some((_, first)) => self.errors.push(CheckError::MultipleCaps {
                            span: item.span.into(),
                            first: (*first).into(),
                        }),
                        None => cap = Some((checked, item.span)),
                    }
                }
                _ => {}
            }
        }

        let examples = policy
            .items
            .iter()
            .filter_map(|item| match &item.kind {
                ItemKind::Example(example) => Some(self.example(example, item.span, &gates)),
                _ => None,
            })
            .collect();

        self.plan(params, steps, gates, cap.map(|(expr, _)| expr), examples)
    }

    /// `policy "…"` first, then `currency`, optionally `rounding`.
    fn header(&mut self, policy: &'a ast::Policy) {
        let mut title: Option<Span> = None;
        let mut currency: Option<Span> = None;
        let mut rounding: Option<Span> = None;
        for (position, item) in policy.items.iter().enumerate() {
            match &item.kind {
                ItemKind::Policy(text) => {
                    if let Some(first) = title {
                        self.duplicate_header("policy", item.span, first);
                        continue;
                    }
                    title = Some(item.span);
                    self.title = text.value.clone();
                    if position != 0 {
                        self.errors.push(CheckError::HeaderOrder {
                            span: item.span.into(),
                            help: Some("move it to the top of the file".to_string()),
                        });
                    }
                }
                ItemKind::Currency(code) => {
                    if let Some(first) = currency {
                        self.duplicate_header("currency", item.span, first);
                        continue;
                    }
                    currency = Some(item.span);
                    let valid =
                        code.name.len() == 3 && code.name.chars().all(|c| c.is_ascii_uppercase());
                    if valid {
                        self.currency = code.name.clone();
                    } else {
                        self.errors.push(CheckError::BadCurrency {
                            code: code.name.clone(),
                            span: code.span.into(),
                        });
                    }
                }
                ItemKind::Rounding(places) => {
                    if let Some(first) = rounding {
                        self.duplicate_header("rounding", item.span, first);
                        continue;
                    }
                    rounding = Some(item.span);
                    let whole = places.value.fract().is_zero();
                    match u32::try_from(places.value.trunc().mantissa()) {
                        Ok(n) if whole && n <= 10 => self.rounding = n,
                        _ => self.errors.push(CheckError::BadRounding {
                            span: places.span.into(),
                        }),
                    }
                }
                _ => {}
            }
        }
        let start = policy
            .items
            .first()
            .map_or(Span::default(), |item| item.span);
        if title.is_none() {
            self.errors.push(CheckError::MissingPolicy {
                span: Span::new(start.start, start.start).into(),
            });
        }
        if currency.is_none() {
            self.errors.push(CheckError::MissingCurrency {
                span: title.unwrap_or(Span::new(start.start, start.start)).into(),
            });
        }
    }

    fn duplicate_header(&mut self, name: &str, span: Span, first: Span) {
        self.errors.push(CheckError::DuplicateHeader {
            name: name.to_string(),
            span: span.into(),
            first: first.into(),
        });
    }

    /// Collects every named declaration and record set, types included.
    fn declarations(&mut self, policy: &'a ast::Policy) {
        for item in &policy.items {
            match &item.kind {
                ItemKind::Input(input) => {
                    let declared = self.type_name(&input.ty);
                    let default = match (&input.default, declared) {
                        (Some(literal), Some(ty)) => self.literal_value(literal, ty),
                        _ => None,
                    };
                    self.declare(Decl {
                        name: &input.name,
                        role: Role::Input,
                        item_span: item.span,
                        declared,
                        type_span: Some(input.ty.span),
                        doc: input.doc.as_ref(),
                        expr: None,
                    });
                    self.input_defaults.push(default);
                }
                ItemKind::Binding(binding) => {
                    let declared = binding.ty.as_ref().and_then(|ty| self.type_name(ty));
                    let role = match binding.kind {
                        BindingKind::Param => Role::Param,
                        BindingKind::Let => Role::Let,
                        BindingKind::Kpi => Role::Kpi,
                        BindingKind::Bonus => Role::Bonus,
                    };
                    self.declare(Decl {
                        name: &binding.name,
                        role,
                        item_span: item.span,
                        declared,
                        type_span: binding.ty.as_ref().map(|ty| ty.span),
                        doc: binding.doc.as_ref(),
                        expr: Some(&binding.value),
                    });
                    self.input_defaults.push(None);
                }
                ItemKind::Records(records) => self.record_set(records),
                _ => {}
            }
        }
        // A field named like a policy name would make `where` ambiguous.
        let mut shadows = Vec::new();
        for set in &self.sets {
            for field in &set.decl.fields {
                let other = match self.names.get(field.name.name.as_str()) {
                    Some(Named::Decl(index)) => {
                        let decl = &self.decls[*index];
                        (decl.role.keyword(), decl.name.span)
                    }
                    Some(Named::Set(index)) => ("record set", self.sets[*index].decl.name.span),
                    None => continue,
                };
                shadows.push(CheckError::FieldShadows {
                    field: field.name.name.clone(),
                    set: set.decl.name.name.clone(),
                    what: other.0,
                    span: field.name.span.into(),
                    other: other.1.into(),
                });
            }
        }
        self.errors.extend(shadows);
    }

    fn declare(&mut self, decl: Decl<'a>) {
        let name = decl.name.name.as_str();
        if let Some(first) = self.names.get(name) {
            let first = match first {
                Named::Decl(index) => self.decls[*index].name.span,
                Named::Set(index) => self.sets[*index].decl.name.span,
            };
            self.errors.push(CheckError::DuplicateName {
                name: name.to_string(),
                span: decl.name.span.into(),
                first: first.into(),
            });
            // Keep the first; the second still gets a slot so that its own
            // mistakes are reported too.
        } else {
            self.names.insert(name, Named::Decl(self.decls.len()));
        }
        self.decls.push(decl);
    }

    fn record_set(&mut self, records: &'a ast::Records) {
        let name = records.name.name.as_str();
        if let Some(first) = self.names.get(name) {
            let first = match first {
                Named::Decl(index) => self.decls[*index].name.span,
                Named::Set(index) => self.sets[*index].decl.name.span,
            };
            self.errors.push(CheckError::DuplicateName {
                name: name.to_string(),
                span: records.name.span.into(),
                first: first.into(),
            });
        } else {
            self.names.insert(name, Named::Set(self.sets.len()));
        }
        let mut fields: Vec<plan::FieldPlan> = Vec::new();
        for (index, field) in records.fields.iter().enumerate() {
            if field.name.name == "employee" {
                self.errors.push(CheckError::Records {
                    message: "a record field cannot be named `employee`".to_string(),
                    span: field.name.span.into(),
                    label: "reserved".to_string(),
                    help: Some(
                        "`employee` is the column that names whose record it is".to_string(),
                    ),
                });
            }
            if let Some(first) = records.fields[..index]
                .iter()
                .find(|other| other.name.name == field.name.name)
            {
                self.errors.push(CheckError::DuplicateName {
                    name: field.name.name.clone(),
                    span: field.name.span.into(),
                    first: first.name.span.into(),
                });
            }
            let ty = self.type_name(&field.ty).unwrap_or(Type::Number);
            let default = field
                .default
                .as_ref()
                .and_then(|literal| self.literal_value(literal, ty));
            fields.push(plan::FieldPlan {
                name: field.name.name.clone(),
                ty,
                default,
            });
        }
        self.sets.push(RecordSetInfo {
            decl: records,
            fields,
        });
    }

    fn type_name(&mut self, ident: &ast::Ident) -> Option<Type> {
        let ty = Type::from_name(&ident.name);
        if ty.is_none() {
            let help = suggest::did_you_mean(&ident.name, Type::ALL.iter().map(|t| t.name()))
                .or_else(|| {
                    Some("the types are money, number, percent, count, bool and text".to_string())
                });
            self.errors.push(CheckError::UnknownType {
                name: ident.name.clone(),
                span: ident.span.into(),
                help,
            });
        }
        ty
    }

    /// Checks one param, let, kpi or bonus; `broken` when it is in a cycle
    /// (already reported).
    fn binding(&mut self, index: usize, broken: bool) -> Step {
        let decl = &self.decls[index];
        let slot = Slot(index as u32);
        let Some(expr) = decl.expr else {
            return Step {
                slot,
                expr: plan::Expr::new(plan::ExprKind::Invalid, decl.name.span),
            };
        };
        if broken {
            return Step {
                slot,
                expr: plan::Expr::new(plan::ExprKind::Invalid, expr.span),
            };
        }
        let role = decl.role;
        let declared = decl.declared;
        let name = decl.name;
        let scope = expr::Scope {
            param: (role == Role::Param).then_some(index),
            set: None,
        };
        let typed = self.expr(expr, &scope);
        let mut ty = typed.ty;
        if let (Some(declared), Some(kind)) = (declared, ty.kind()) {
            let fits = declared.kind() == kind || ty == Ty::Zero && declared.kind() == Kind::Money;
            if fits {
                ty = Ty::of(declared.kind());
            } else {
                let literal = (declared.kind() == Kind::Money)
                    .then(|| self.money_literal_help(expr))
                    .flatten();
                let help = literal.or_else(|| {
                    (declared.kind() == Kind::Money && kind == Kind::Number).then(|| {
                        "multiply by an amount of money, e.g. `… * 1 USD`, or change the type"
                            .to_string()
                    })
                });
                let help = help.or_else(|| {
                    (declared.kind() == Kind::Number && kind == Kind::Money).then(|| {
                        "money divided by money is a number: divide by the amount it is a share of"
                            .to_string()
                    })
                });
                self.errors.push(CheckError::DeclaredType {
                    name: name.name.clone(),
                    declared: declared.name().to_string(),
                    found: ty.describe().to_string(),
                    span: self.decls[index].type_span.unwrap_or(name.span).into(),
                    expr: expr.span.into(),
                    help,
                });
                ty = Ty::Unknown;
            }
        }
        if role == Role::Bonus && ty != Ty::Unknown && ty != Ty::Money && ty != Ty::Zero {
            let help = if ty == Ty::Number {
                self.money_literal_help(expr).or_else(|| {
                    Some(format!(
                        "a payout line is an amount: multiply by money, e.g. `target_bonus * …` or `… * 1_000 {}`",
                        self.currency_or("USD")
                    ))
                })
            } else {
                None
            };
            self.errors.push(CheckError::BonusNotMoney {
                name: name.name.clone(),
                found: ty.describe().to_string(),
                span: expr.span.into(),
                help,
            });
            ty = Ty::Unknown;
        }
        if role == Role::Bonus && ty == Ty::Zero {
            ty = Ty::Money;
        }
        self.tys[index] = ty;
        self.shown[index] = match declared {
            Some(declared) => declared,
            None => self.inferred_type(expr, ty),
        };
        Step {
            slot,
            expr: typed.expr,
        }
    }

    /// What an undeclared value is shown as: the type of the name it
    /// repeats (`kpi x = attainment` shows as a percent), a percent for a
    /// percent literal, else its kind.
    fn inferred_type(&self, expr: &ast::Expr, ty: Ty) -> Type {
        let kind = ty.kind().unwrap_or(Kind::Number);
        match &expr.kind {
            ast::ExprKind::Paren(inner) => self.inferred_type(inner, ty),
            ast::ExprKind::Name(ident) => match self.names.get(ident.name.as_str()) {
                Some(Named::Decl(index)) if self.shown[*index].kind() == kind => self.shown[*index],
                _ => kind.default_type(),
            },
            ast::ExprKind::Lit(ast::Lit::Percent(_)) => Type::Percent,
            _ => kind.default_type(),
        }
    }

    fn currency_or<'s>(&'s self, fallback: &'s str) -> &'s str {
        if self.currency.is_empty() {
            fallback
        } else {
            &self.currency
        }
    }

    fn plan(
        &mut self,
        params: Vec<Step>,
        steps: Vec<Step>,
        gates: Vec<GatePlan>,
        cap: Option<plan::Expr>,
        examples: Vec<plan::ExamplePlan>,
    ) -> Plan {
        let slots = self
            .decls
            .iter()
            .zip(&self.shown)
            .map(|(decl, shown)| SlotInfo {
                name: decl.name.name.clone(),
                role: decl.role,
                ty: *shown,
                doc: decl.doc.map(|doc| doc.value.clone()),
                span: decl.name.span,
                decl_span: decl.item_span,
            })
            .collect();
        let of_role = |role: Role| -> Vec<Slot> {
            (0..self.decls.len())
                .filter(|index| self.decls[*index].role == role)
                .map(|index| Slot(index as u32))
                .collect()
        };
        let inputs = of_role(Role::Input)
            .into_iter()
            .map(|slot| InputPlan {
                slot,
                ty: self.shown[slot.index()],
                default: self.input_defaults[slot.index()].clone(),
            })
            .collect();
        let record_sets = self
            .sets
            .iter()
            .map(|set| plan::RecordSet {
                name: set.decl.name.name.clone(),
                doc: set.decl.doc.as_ref().map(|doc| doc.value.clone()),
                fields: set.fields.clone(),
                span: set.decl.name.span,
            })
            .collect();
        Plan {
            title: self.title.clone(),
            currency: self.currency.clone(),
            rounding: self.rounding,
            slots,
            inputs,
            params,
            steps,
            kpis: of_role(Role::Kpi),
            bonuses: of_role(Role::Bonus),
            gates,
            cap,
            record_sets,
            aggregates: std::mem::take(&mut self.aggregates),
            examples,
            table_count: self.tables,
            branch_count: self.branches,
        }
    }

    /// Every name a message may suggest instead of `wrong`.
    fn suggestion(&self, wrong: &str, set: Option<usize>) -> Option<String> {
        let fields = set
            .and_then(|set| self.sets.get(set))
            .into_iter()
            .flat_map(|set| set.fields.iter().map(|field| field.name.as_str()));
        suggest::did_you_mean(wrong, self.names.keys().copied().chain(fields))
    }
}

/// Labels for a message about two places.
fn labels(parts: &[(Span, String)]) -> Vec<LabeledSpan> {
    parts
        .iter()
        .map(|(span, text)| LabeledSpan::new_with_span(Some(text.clone()), *span))
        .collect()
}

#[cfg(test)]
mod tests;
