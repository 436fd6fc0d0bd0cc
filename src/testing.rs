//! Helpers for the unit tests of every stage: compile a policy from text,
//! evaluate one employee given as `name = text` pairs.

use crate::eval::{self, Frame, Overrides, Verdict};
use crate::plan::Plan;
use crate::value::{self, Value};
use miette::Diagnostic;

/// The policy header every snippet gets.
pub const HEADER: &str = "policy \"Test\"\ncurrency USD\n";

/// Parses and checks; panics with the errors' codes on failure.
pub fn plan(body: &str) -> Plan {
    let source = format!("{HEADER}{body}");
    let ast = crate::syntax::parse(&source)
        .unwrap_or_else(|errors| panic!("parse errors: {:?}", codes(&errors)));
    crate::check::check(&ast, &source)
        .unwrap_or_else(|errors| panic!("check errors: {errors:#?}"))
        .plan
}

/// The codes of the errors a policy body gets from parsing or checking.
pub fn errors(body: &str) -> Vec<String> {
    let source = format!("{HEADER}{body}");
    match crate::syntax::parse(&source) {
        Err(errors) => codes(&errors),
        Ok(ast) => match crate::check::check(&ast, &source) {
            Ok(_) => Vec::new(),
            Err(errors) => codes(&errors),
        },
    }
}

/// The messages and helps of the errors a policy body gets.
pub fn messages(body: &str) -> Vec<String> {
    let source = format!("{HEADER}{body}");
    let describe = |d: &dyn Diagnostic| {
        let help = d
            .help()
            .map(|h| format!(" / help: {h}"))
            .unwrap_or_default();
        format!("{d}{help}")
    };
    match crate::syntax::parse(&source) {
        Err(errors) => errors.iter().map(|e| describe(e)).collect(),
        Ok(ast) => match crate::check::check(&ast, &source) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(|e| describe(e)).collect(),
        },
    }
}

pub fn codes<D: Diagnostic>(errors: &[D]) -> Vec<String> {
    errors
        .iter()
        .map(|e| e.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

/// An evaluated employee: the verdict and every named value.
pub struct Outcome {
    pub verdict: Verdict,
    plan: Plan,
    frame: Frame,
}

impl Outcome {
    /// A named value as its exact string (`"1.25"`, `"true"`, `"north"`).
    pub fn get(&self, name: &str) -> String {
        let slot = self
            .plan
            .slot_named(name)
            .unwrap_or_else(|| panic!("no value named {name}"));
        match self.frame.get(slot) {
            Some(Value::Num(n)) => value::exact_string(*n),
            Some(Value::Bool(b)) => b.to_string(),
            Some(Value::Text(t)) => t.to_string(),
            None => panic!("{name} was not computed"),
        }
    }

    pub fn payout(&self) -> String {
        value::exact_string(self.verdict.payout)
    }
}

/// Evaluates one employee whose inputs are given as text, as in a CSV.
pub fn run(body: &str, inputs: &[(&str, &str)]) -> Result<Outcome, eval::EvalError> {
    let plan = plan(body);
    let values: Vec<Value> = plan
        .inputs
        .iter()
        .map(|input| {
            let name = &plan.slot(input.slot).name;
            match inputs.iter().find(|(n, _)| n == name) {
                Some((_, text)) => value::parse_text_value(text, input.ty, &plan.currency)
                    .unwrap_or_else(|e| panic!("bad test value for {name}: {e:?}")),
                None => input
                    .default
                    .clone()
                    .unwrap_or_else(|| panic!("no value for {name}")),
            }
        })
        .collect();
    let (verdict, frame) = {
        let program = eval::bind(&plan, &Overrides::default())
            .unwrap_or_else(|errors| panic!("bind errors: {errors:?}"));
        let aggregates = eval::Aggregator::new(&program, 1)
            .finish()
            .pop()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut frame = Frame::new(&program);
        let verdict = program.evaluate(&values, &aggregates, &mut frame, &mut ())?;
        (verdict, frame)
    };
    Ok(Outcome {
        verdict,
        plan,
        frame,
    })
}
