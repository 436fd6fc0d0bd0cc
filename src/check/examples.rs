//! `example` blocks (reference §6): names resolved, values typed, every
//! input without a default given.

use super::{CheckError, Checker, Named, Ty};
use crate::ast;
use crate::ast::StmtKind;
use crate::plan::{ExamplePlan, ExpectTarget, Expectation, GatePlan, Role, Slot};
use crate::span::Span;
use crate::suggest;
use crate::value::{Type, Value};
use std::collections::HashMap;

impl Checker<'_> {
    pub(super) fn example(
        &mut self,
        example: &ast::Example,
        span: Span,
        gates: &[GatePlan],
    ) -> ExamplePlan {
        let mut plan = ExamplePlan {
            title: example.title.value.clone(),
            span,
            inputs: Vec::new(),
            params: Vec::new(),
            records: Vec::new(),
            expects: Vec::new(),
        };
        let mut given: HashMap<&str, Span> = HashMap::new();
        for stmt in &example.stmts {
            let (name, literal) = match &stmt.kind {
                StmtKind::Given { name, value } => (name, value),
                StmtKind::Expect { name, value } => {
                    self.expectation(name, value, stmt.span, &mut plan);
                    continue;
                }
                StmtKind::ExpectGate { message } => {
                    self.expect_gate(message, stmt.span, gates, &mut plan);
                    continue;
                }
                StmtKind::Record { set, fields } => {
                    self.example_record(set, fields, stmt.span, &mut plan);
                    continue;
                }
            };
            let text = name.name.as_str();
            if let Some(first) = given.insert(text, name.span) {
                self.errors.push(CheckError::DuplicateName {
                    name: text.to_string(),
                    span: name.span.into(),
                    first: first.into(),
                });
                continue;
            }
            let Some(index) = self.resolve_in_example(name) else {
                continue;
            };
            let role = self.decls[index].role;
            if !matches!(role, Role::Input | Role::Param) {
                self.example_error(
                    format!(
                        "an example gives inputs and params, and `{text}` is a {}",
                        role.keyword()
                    ),
                    name.span,
                    format!("a {} is computed", role.keyword()),
                    Some(format!("to check its value, write `expect {text} = …`")),
                );
                continue;
            }
            let Some(value) = self.typed_value(index, literal) else {
                continue;
            };
            let entry = (Slot(index as u32), value, stmt.span);
            if role == Role::Input {
                plan.inputs.push(entry);
            } else {
                plan.params.push(entry);
            }
        }
        for (index, decl) in self.decls.iter().enumerate() {
            let missing = decl.role == Role::Input
                && self.input_defaults[index].is_none()
                && !given.contains_key(decl.name.name.as_str());
            if missing {
                let name = &decl.name.name;
                self.errors.push(CheckError::Example {
                    message: format!(
                        "example `\"{}\"` gives no value for `{name}`, which has no default",
                        example.title.value
                    ),
                    span: example.title.span.into(),
                    label: format!("`{name}` is missing here"),
                    help: Some(format!(
                        "add `{name} = …` to the example, or give the input a default: `input {name} : {} = …`",
                        self.shown[index]
                    )),
                });
            }
        }
        plan
    }

    fn expectation(
        &mut self,
        ident: &ast::Ident,
        literal: &ast::Literal,
        span: Span,
        plan: &mut ExamplePlan,
    ) {
        let name = ident.name.as_str();
        let declared = matches!(self.names.get(name), Some(Named::Decl(_)));
        let (target, ty) = match name {
            // `payout` and `capped` name the outcome, unless the policy
            // declares values of those names.
            "payout" if !declared => (ExpectTarget::Payout, Some(Type::Money)),
            "capped" if !declared => (ExpectTarget::Capped, Some(Type::Bool)),
            _ => {
                let Some(index) = self.resolve_in_example(ident) else {
                    return;
                };
                let role = self.decls[index].role;
                if matches!(role, Role::Input | Role::Param) {
                    self.example_error(
                        format!(
                            "`expect` checks computed values, and `{name}` is a {}",
                            role.keyword()
                        ),
                        ident.span,
                        format!("a {} is given, not computed", role.keyword()),
                        Some(format!(
                            "to give its value, write `{name} = …` without `expect`"
                        )),
                    );
                    return;
                }
                let ty = (self.tys[index] != Ty::Unknown).then_some(self.shown[index]);
                (ExpectTarget::Slot(Slot(index as u32)), ty)
            }
        };
        let Some(ty) = ty else {
            return;
        };
        if let Some(value) = self.literal_value(literal, ty) {
            plan.expects.push(Expectation {
                target,
                value,
                span,
            });
        }
    }

    /// `expect gate "message"`: the message must be a gate's.
    fn expect_gate(
        &mut self,
        message: &ast::StrLit,
        span: Span,
        gates: &[GatePlan],
        plan: &mut ExamplePlan,
    ) {
        match gates.iter().position(|gate| gate.message == message.value) {
            Some(index) => plan.expects.push(Expectation {
                target: ExpectTarget::GateFails(index),
                value: Value::Bool(false),
                span,
            }),
            None => {
                let help = suggest::did_you_mean(
                    &message.value,
                    gates.iter().map(|gate| gate.message.as_str()),
                )
                .or_else(|| {
                    (!gates.is_empty()).then(|| {
                        let all: Vec<String> = gates
                            .iter()
                            .map(|g| format!("`\"{}\"`", g.message))
                            .collect();
                        format!("the gates' messages are {}", all.join(", "))
                    })
                });
                self.example_error(
                    format!("no gate has the message `\"{}\"`", message.value),
                    message.span,
                    "not a gate's message".to_string(),
                    help,
                );
            }
        }
    }

    /// `deals { amount = 600_000 RUB, stage = "won" }`.
    fn example_record(
        &mut self,
        set: &ast::Ident,
        fields: &[(ast::Ident, ast::Literal)],
        span: Span,
        plan: &mut ExamplePlan,
    ) {
        let Some(Named::Set(index)) = self.names.get(set.name.as_str()).copied() else {
            let help = suggest::did_you_mean(
                &set.name,
                self.sets.iter().map(|s| s.decl.name.name.as_str()),
            );
            self.example_error(
                format!("`{}` is not a record set", set.name),
                set.span,
                "no `records` of this name".to_string(),
                help.or_else(|| {
                    Some("a record in an example reads `SET { FIELD = VALUE, … }`".to_string())
                }),
            );
            return;
        };
        let declared = self.sets[index].fields.clone();
        let mut values: Vec<Option<Value>> = vec![None; declared.len()];
        // Given, even if with a wrong value (reported as such, not again as
        // missing).
        let mut given = vec![false; declared.len()];
        let mut complete = true;
        for (name, literal) in fields {
            let Some(field) = declared.iter().position(|f| f.name == name.name) else {
                let help =
                    suggest::did_you_mean(&name.name, declared.iter().map(|f| f.name.as_str()));
                self.example_error(
                    format!("`{}` has no field `{}`", set.name, name.name),
                    name.span,
                    "unknown field".to_string(),
                    help,
                );
                complete = false;
                continue;
            };
            if given[field] {
                self.example_error(
                    format!("the field `{}` is given twice", name.name),
                    name.span,
                    "again here".to_string(),
                    None,
                );
                complete = false;
                continue;
            }
            given[field] = true;
            match self.literal_value(literal, declared[field].ty) {
                Some(value) => values[field] = Some(value),
                None => complete = false,
            }
        }
        let mut row = Vec::with_capacity(declared.len());
        for ((field, value), given) in declared.iter().zip(values).zip(given) {
            match value.or_else(|| field.default.clone()) {
                Some(value) => row.push(value),
                None if given => {}
                None => {
                    self.example_error(
                        format!(
                            "this `{}` record gives no `{}`, which has no default",
                            set.name, field.name
                        ),
                        set.span,
                        format!("`{}` is missing", field.name),
                        Some(format!("add `{} = …` inside the braces", field.name)),
                    );
                    complete = false;
                }
            }
        }
        if complete {
            plan.records.push((index, row, span));
        }
    }

    fn resolve_in_example(&mut self, ident: &ast::Ident) -> Option<usize> {
        match self.names.get(ident.name.as_str()) {
            Some(Named::Decl(index)) => Some(*index),
            _ => {
                let candidates = self.names.keys().copied().chain(std::iter::once("payout"));
                self.errors.push(CheckError::UnknownName {
                    name: ident.name.clone(),
                    span: ident.span.into(),
                    help: suggest::did_you_mean(&ident.name, candidates),
                });
                None
            }
        }
    }

    /// The value of a literal for declaration `index`.
    fn typed_value(&mut self, index: usize, literal: &ast::Literal) -> Option<crate::value::Value> {
        let decl = &self.decls[index];
        let ty = match decl.role {
            Role::Input => decl.declared?,
            _ if self.tys[index] == Ty::Unknown => return None,
            _ => self.shown[index],
        };
        self.literal_value(literal, ty)
    }

    fn example_error(&mut self, message: String, span: Span, label: String, help: Option<String>) {
        self.errors.push(CheckError::Example {
            message,
            span: span.into(),
            label,
            help,
        });
    }
}
