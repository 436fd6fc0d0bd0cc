//! `kpi`: a rules engine for KPI and bonus policies.
//!
//! The pipeline is a straight line of types, one module a stage:
//!
//! ```text
//! source text ─syntax─▶ ast::Policy ─check─▶ plan::Plan ─eval::bind─▶ eval::Program
//!   ─Program::evaluate (one employee at a time)─▶ eval::Verdict ─report─▶ JSON, CSV, table
//! ```
//!
//! Data files are read by [`data`] into typed input rows for a plan.
//!
//! For embedding, [`Policy`] wraps the pipeline: parse and check a policy
//! from a string, evaluate employees whose inputs the caller supplies, and
//! get a typed [`report::Report`]:
//!
//! ```
//! use kpi::{Policy, Row, value::Value};
//! use rust_decimal::Decimal;
//!
//! let policy = Policy::parse(r#"
//!     policy "Commission"
//!     currency USD
//!     input revenue : money
//!     bonus commission = revenue * 5%
//! "#).expect("a valid policy");
//! let rows = vec![Row::new("E-1").with("revenue", Value::Num(Decimal::from(2_000)))];
//! let report = policy.evaluate(&rows, &[]).expect("params bind");
//! assert_eq!(report.total_payout(), Decimal::from(100));
//! ```

pub mod ast;
pub mod check;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod examples;
pub mod explain;
pub mod fmt;
pub mod plan;
pub mod report;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod value;

#[cfg(test)]
mod testing;

#[doc(hidden)]
pub mod cli;

use miette::Diagnostic;
use value::Value;

/// A checked policy, ready to evaluate.
#[derive(Clone, Debug)]
pub struct Policy {
    plan: plan::Plan,
    warnings: Vec<check::Warning>,
}

/// Why a policy text is not a valid policy: every error found.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    #[error("the policy does not parse ({} errors)", .0.len())]
    Parse(Vec<syntax::ParseError>),
    #[error("the policy does not check ({} errors)", .0.len())]
    Check(Vec<check::CheckError>),
}

impl PolicyError {
    /// Each error, as a diagnostic to render (see [`diagnostic::Renderer`]).
    pub fn diagnostics(&self) -> Vec<&dyn Diagnostic> {
        match self {
            PolicyError::Parse(errors) => errors.iter().map(|e| e as &dyn Diagnostic).collect(),
            PolicyError::Check(errors) => errors.iter().map(|e| e as &dyn Diagnostic).collect(),
        }
    }
}

/// One employee's inputs, as the caller has them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub id: String,
    pub name: Option<String>,
    /// Input values by input name; inputs left out take their defaults.
    pub values: Vec<(String, Value)>,
}

impl Row {
    pub fn new(id: impl Into<String>) -> Row {
        Row {
            id: id.into(),
            ..Row::default()
        }
    }

    pub fn with(mut self, input: impl Into<String>, value: Value) -> Row {
        self.values.push((input.into(), value));
        self
    }
}

impl Policy {
    /// Parses and checks a policy.
    pub fn parse(source: &str) -> Result<Policy, PolicyError> {
        let ast = syntax::parse(source).map_err(PolicyError::Parse)?;
        let checked = check::check(&ast, source).map_err(PolicyError::Check)?;
        Ok(Policy {
            plan: checked.plan,
            warnings: checked.warnings,
        })
    }

    /// What the checker found worth a warning (unused inputs, unguarded
    /// divisions, …); evaluation does not depend on them.
    pub fn warnings(&self) -> &[check::Warning] {
        &self.warnings
    }

    /// What the checker proved: inputs, params, kpis, bonus lines, kinds.
    pub fn plan(&self) -> &plan::Plan {
        &self.plan
    }

    /// Evaluates employees, in order, with `overrides` for params (by
    /// name). An employee whose inputs are missing or of the wrong kind, or
    /// who cannot be evaluated, gets an error in the report; the others are
    /// evaluated. Fails only if the overrides do not fit the policy.
    pub fn evaluate(
        &self,
        rows: &[Row],
        overrides: &[(&str, Value)],
    ) -> Result<report::Report<'_>, Vec<eval::BindError>> {
        let mut params = eval::Overrides::default();
        for (name, value) in overrides {
            if let Some(slot) = self.plan.slot_named(name) {
                params.params.push((slot, value.clone()));
            }
        }
        let program = eval::bind(&self.plan, &params)?;
        let dataset = data::Dataset {
            employees: rows.iter().map(|row| self.employee(row)).collect(),
            warnings: Vec::new(),
        };
        let aggregates = if self.plan.aggregates.is_empty() {
            Vec::new()
        } else {
            // Rows carry no records: every aggregate is that of none.
            eval::Aggregator::new(&program, dataset.employees.len()).finish()
        };
        Ok(report::evaluate(&program, &dataset, &aggregates, |_, _| {}))
    }

    /// A caller's row as the data stage would have read it.
    fn employee(&self, row: &Row) -> data::Employee {
        let mut inputs = Vec::with_capacity(self.plan.inputs.len());
        let mut problems = Vec::new();
        for input in &self.plan.inputs {
            let name = &self.plan.slot(input.slot).name;
            let given = row.values.iter().find(|(n, _)| n == name).map(|(_, v)| v);
            match given.or(input.default.as_ref()) {
                Some(value) if fits(value, input.ty) => inputs.push(value.clone()),
                Some(value) => problems.push(data::DataError::WrongType {
                    employee: row.id.clone(),
                    input: name.clone(),
                    expected: input.ty.to_string(),
                    found: format!("{value:?}"),
                    span: span::Span::default().into(),
                }),
                None => problems.push(data::DataError::MissingValue {
                    employee: row.id.clone(),
                    input: name.clone(),
                    span: span::Span::default().into(),
                    help: None,
                }),
            }
        }
        data::Employee {
            id: row.id.clone(),
            name: row.name.clone(),
            span: span::Span::default(),
            inputs: if problems.is_empty() {
                Ok(inputs)
            } else {
                Err(problems)
            },
        }
    }
}

/// Whether a value can be an input of the type (a count is whole and not
/// negative).
fn fits(value: &Value, ty: value::Type) -> bool {
    match (value, ty.kind()) {
        (Value::Num(n), value::Kind::Money | value::Kind::Number) => {
            ty != value::Type::Count || value::check_count(*n).is_ok()
        }
        (Value::Bool(_), value::Kind::Bool) | (Value::Text(_), value::Kind::Text) => true,
        _ => false,
    }
}
