//! `example` blocks (reference §6): names resolved, values typed, every
//! input without a default given.

use super::{CheckError, Checker, Named, Ty};
use crate::ast;
use crate::plan::{ExamplePlan, ExpectTarget, Expectation, Role, Slot};
use crate::span::Span;
use crate::suggest;
use crate::value::Type;
use std::collections::HashMap;

impl Checker<'_> {
    pub(super) fn example(&mut self, example: &ast::Example, span: Span) -> ExamplePlan {
        let mut plan = ExamplePlan {
            title: example.title.value.clone(),
            span,
            inputs: Vec::new(),
            params: Vec::new(),
            expects: Vec::new(),
        };
        let mut given: HashMap<&str, Span> = HashMap::new();
        for stmt in &example.stmts {
            if stmt.expect {
                self.expectation(stmt, &mut plan);
                continue;
            }
            let name = stmt.name.name.as_str();
            if let Some(first) = given.insert(name, stmt.name.span) {
                self.errors.push(CheckError::DuplicateName {
                    name: name.to_string(),
                    span: stmt.name.span.into(),
                    first: first.into(),
                });
                continue;
            }
            let Some(index) = self.resolve_in_example(&stmt.name) else {
                continue;
            };
            let role = self.decls[index].role;
            if !matches!(role, Role::Input | Role::Param) {
                self.example_error(
                    format!(
                        "an example gives inputs and params, and `{name}` is a {}",
                        role.keyword()
                    ),
                    stmt.name.span,
                    format!("a {} is computed", role.keyword()),
                    Some(format!("to check its value, write `expect {name} = …`")),
                );
                continue;
            }
            let Some(value) = self.typed_value(index, &stmt.value) else {
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
                        "example \"{}\" gives no value for `{name}`, which has no default",
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

    fn expectation(&mut self, stmt: &ast::ExampleStmt, plan: &mut ExamplePlan) {
        let name = stmt.name.name.as_str();
        let declared = matches!(self.names.get(name), Some(Named::Decl(_)));
        let (target, ty) = if name == "payout" && !declared {
            (ExpectTarget::Payout, Some(Type::Money))
        } else {
            let Some(index) = self.resolve_in_example(&stmt.name) else {
                return;
            };
            let role = self.decls[index].role;
            if matches!(role, Role::Input | Role::Param) {
                self.example_error(
                    format!(
                        "`expect` checks computed values, and `{name}` is a {}",
                        role.keyword()
                    ),
                    stmt.name.span,
                    format!("a {} is given, not computed", role.keyword()),
                    Some(format!(
                        "to give its value, write `{name} = …` without `expect`"
                    )),
                );
                return;
            }
            let ty = (self.tys[index] != Ty::Unknown).then_some(self.shown[index]);
            (ExpectTarget::Slot(Slot(index as u32)), ty)
        };
        let Some(ty) = ty else {
            return;
        };
        if let Some(value) = self.literal_value(&stmt.value, ty) {
            plan.expects.push(Expectation {
                target,
                value,
                span: stmt.span,
            });
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
