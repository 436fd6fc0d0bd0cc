//! Running a policy's `example` blocks (reference §6), and which tiers,
//! branches and gates they exercise.

use crate::eval::{self, Aggregator, Frame, Overrides, Trace};
use crate::plan::{ExpectTarget, Expr, ExprKind, Plan, Slot, TableKind};
use crate::report::show;
use crate::span::Span;
use crate::value::{Type, Value};
use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// Why an example failed.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum TestError {
    #[error("expected `{target}` to be {expected}, but it is {actual}")]
    #[diagnostic(code(kpi::test::mismatch))]
    Mismatch {
        target: String,
        expected: String,
        actual: String,
        #[label("expected {expected}, got {actual}")]
        span: SourceSpan,
        #[help]
        computed_from: Option<String>,
    },

    #[error("expected the gate `\"{message}\"` to fail, but it passed")]
    #[diagnostic(code(kpi::test::gate_passed))]
    GatePassed {
        message: String,
        #[label("this gate passed")]
        span: SourceSpan,
    },

    #[error("the gate `\"{message}\"` failed, and the example does not expect it")]
    #[diagnostic(
        code(kpi::test::gate_failed),
        help("if it should fail here, add `expect gate \"{message}\"` to the example")
    )]
    GateFailed {
        message: String,
        #[label("in this example")]
        span: SourceSpan,
    },

    #[error("the example cannot be evaluated: {message}")]
    #[diagnostic(code(kpi::test::not_evaluated))]
    NotEvaluated {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
    },
}

/// The outcome of one example.
#[derive(Clone, Debug)]
pub struct ExampleResult {
    pub title: String,
    pub span: Span,
    pub failures: Vec<TestError>,
}

impl ExampleResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// How often each arm, branch and gate outcome was reached.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Per table id, hits per arm.
    pub table_arms: Vec<Vec<u32>>,
    /// Per `if` id: hits of `then`, of `else`.
    pub branches: Vec<[u32; 2]>,
    /// Per gate: passes, failures.
    pub gates: Vec<[u32; 2]>,
}

impl Coverage {
    pub fn new(plan: &Plan) -> Coverage {
        let mut table_arms = vec![Vec::new(); plan.table_count as usize];
        for_each_table(plan, |table| {
            if let Some(arms) = table_arms.get_mut(table.id as usize) {
                *arms = vec![0; table.arms.len()];
            }
        });
        Coverage {
            table_arms,
            branches: vec![[0, 0]; plan.branch_count as usize],
            gates: vec![[0, 0]; plan.gates.len()],
        }
    }
}

impl Trace for Coverage {
    fn table_arm(&mut self, table: u32, arm: usize) {
        if let Some(hits) = self
            .table_arms
            .get_mut(table as usize)
            .and_then(|arms| arms.get_mut(arm))
        {
            *hits += 1;
        }
    }

    fn branch(&mut self, id: u32, taken: bool) {
        if let Some(hits) = self.branches.get_mut(id as usize) {
            hits[usize::from(!taken)] += 1;
        }
    }
}

/// Runs every example of a plan, adding what they reach to `coverage`.
pub fn run(plan: &Plan, coverage: &mut Coverage) -> Vec<ExampleResult> {
    plan.examples
        .iter()
        .map(|example| {
            let failures = run_one(plan, example, coverage);
            ExampleResult {
                title: example.title.clone(),
                span: example.span,
                failures,
            }
        })
        .collect()
}

fn run_one(
    plan: &Plan,
    example: &crate::plan::ExamplePlan,
    coverage: &mut Coverage,
) -> Vec<TestError> {
    let title_span = Span::new(example.span.start, example.span.start + "example".len());
    let overrides = Overrides {
        params: example
            .params
            .iter()
            .map(|(slot, value, _)| (*slot, value.clone()))
            .collect(),
    };
    let program = match eval::bind(plan, &overrides) {
        Ok(program) => program,
        Err(errors) => {
            return errors
                .iter()
                .map(|error| TestError::NotEvaluated {
                    message: error.to_string(),
                    span: title_span.into(),
                    label: "with this example's params".to_string(),
                })
                .collect();
        }
    };
    // Inputs in declaration order: the example's value, else the default
    // (the checker made sure one exists).
    let inputs: Vec<Value> = plan
        .inputs
        .iter()
        .map(|input| {
            example
                .inputs
                .iter()
                .find(|(slot, _, _)| *slot == input.slot)
                .map(|(_, value, _)| value.clone())
                .or_else(|| input.default.clone())
                .unwrap_or(Value::Bool(false))
        })
        .collect();
    // The example's records, aggregated as a data file's would be.
    let mut aggregator = Aggregator::new(&program, 1);
    for (set, fields, _) in &example.records {
        aggregator.add(0, *set, fields, &inputs);
    }
    let aggregates = match aggregator.finish().pop() {
        Some(Ok(values)) => values,
        Some(Err(error)) => {
            return vec![TestError::NotEvaluated {
                message: error.to_string(),
                span: title_span.into(),
                label: "in this example".to_string(),
            }];
        }
        None => Vec::new(),
    };
    let mut frame = Frame::new(&program);
    let verdict = match program.evaluate(&inputs, &aggregates, &mut frame, coverage) {
        Ok(verdict) => verdict,
        Err(error) => {
            return vec![TestError::NotEvaluated {
                message: error.to_string(),
                span: title_span.into(),
                label: "in this example".to_string(),
            }];
        }
    };
    for (index, hits) in coverage.gates.iter_mut().enumerate() {
        hits[usize::from(verdict.failed_gates.contains(&index))] += 1;
    }

    let mut failures = Vec::new();
    let expected_gates: Vec<usize> = example
        .expects
        .iter()
        .filter_map(|e| match e.target {
            ExpectTarget::GateFails(index) => Some(index),
            _ => None,
        })
        .collect();
    for expectation in &example.expects {
        let (target, actual, ty) = match &expectation.target {
            ExpectTarget::Slot(slot) => (
                plan.slot(*slot).name.clone(),
                frame.get(*slot).cloned(),
                plan.slot(*slot).ty,
            ),
            ExpectTarget::Payout => (
                "payout".to_string(),
                Some(Value::Num(verdict.payout)),
                Type::Money,
            ),
            ExpectTarget::Capped => (
                "capped".to_string(),
                Some(Value::Bool(verdict.capped)),
                Type::Bool,
            ),
            ExpectTarget::GateFails(index) => {
                if !verdict.failed_gates.contains(index) {
                    failures.push(TestError::GatePassed {
                        message: plan.gates[*index].message.clone(),
                        span: expectation.span.into(),
                    });
                }
                continue;
            }
        };
        if actual.as_ref() == Some(&expectation.value) {
            continue;
        }
        let display = |value: &Value| shown(plan, value, ty);
        failures.push(TestError::Mismatch {
            target: target.clone(),
            expected: display(&expectation.value),
            actual: actual.as_ref().map_or("not computed".to_string(), display),
            span: expectation.span.into(),
            computed_from: computed_from(plan, &program, &frame, &expectation.target, &verdict),
        });
    }
    // With gate expectations, the failing gates must be exactly those.
    if !expected_gates.is_empty() {
        for index in &verdict.failed_gates {
            if !expected_gates.contains(index) {
                failures.push(TestError::GateFailed {
                    message: plan.gates[*index].message.clone(),
                    span: title_span.into(),
                });
            }
        }
    }
    failures
}

/// A value as the policy shows it, with the currency for money.
fn shown(plan: &Plan, value: &Value, ty: Type) -> String {
    let text = show(value, ty, plan.rounding);
    match (value, ty) {
        (Value::Num(_), Type::Money) => format!("{text} {}", plan.currency),
        _ => text,
    }
}

/// "computed from attainment = 93.4%, target_bonus = 30,000.00 RUB".
fn computed_from(
    plan: &Plan,
    program: &eval::Program<'_>,
    frame: &Frame,
    target: &ExpectTarget,
    verdict: &eval::Verdict,
) -> Option<String> {
    let mut parts = Vec::new();
    let value_of = |slot: Slot| {
        frame.get(slot).or_else(|| {
            program
                .param_values
                .get(slot.index())
                .and_then(Option::as_ref)
        })
    };
    match target {
        ExpectTarget::Slot(slot) => {
            let step = plan.steps.iter().find(|step| step.slot == *slot)?;
            let mut used = Vec::new();
            collect_slots(&step.expr, &mut used);
            used.dedup();
            for slot in used {
                if let Some(value) = value_of(slot) {
                    let info = plan.slot(slot);
                    parts.push(format!("{} = {}", info.name, shown(plan, value, info.ty)));
                }
            }
        }
        ExpectTarget::Payout => {
            for slot in &plan.bonuses {
                if let Some(value) = value_of(*slot) {
                    let info = plan.slot(*slot);
                    parts.push(format!("{} = {}", info.name, shown(plan, value, info.ty)));
                }
            }
            for index in &verdict.failed_gates {
                parts.push(format!("gate \"{}\" failed", plan.gates[*index].message));
            }
            if verdict.capped {
                parts.push("the cap applied".to_string());
            }
        }
        ExpectTarget::Capped | ExpectTarget::GateFails(_) => {}
    }
    (!parts.is_empty()).then(|| format!("computed from {}", parts.join(", ")))
}

fn collect_slots(expr: &Expr, out: &mut Vec<Slot>) {
    if let ExprKind::Slot(slot) = expr.kind
        && !out.contains(&slot)
    {
        out.push(slot);
    }
    expr.for_each_child(|child| collect_slots(child, out));
}

/// Calls `f` on every table of the plan.
pub fn for_each_table(plan: &Plan, mut f: impl FnMut(&crate::plan::Table)) {
    fn walk(expr: &Expr, f: &mut dyn FnMut(&crate::plan::Table)) {
        if let ExprKind::Table(table) = &expr.kind {
            f(table);
        }
        expr.for_each_child(|child| walk(child, f));
    }
    for expr in plan.exprs() {
        walk(expr, &mut f);
    }
}

/// Calls `f` on every `if` of the plan, with its span.
pub fn for_each_if(plan: &Plan, mut f: impl FnMut(u32, Span)) {
    fn walk(expr: &Expr, f: &mut dyn FnMut(u32, Span)) {
        if let ExprKind::If(branch) = &expr.kind {
            f(branch.id, expr.span);
        }
        expr.for_each_child(|child| walk(child, f));
    }
    for expr in plan.exprs() {
        walk(expr, &mut f);
    }
}

/// Whether coverage counts a table's arms (a `weighted` table uses all).
pub fn has_arms(kind: &TableKind) -> bool {
    !matches!(kind, TableKind::Weighted { .. })
}
