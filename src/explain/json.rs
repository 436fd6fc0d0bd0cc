//! Explanations as JSON: a tree of steps a user interface can render.
//!
//! Numbers are exact decimal strings as in the report (reference §8):
//! percentages as fractions, bonus lines and payouts with the policy's
//! rounding. Each value also comes `shown` as the text statement shows it.
//! The document is written one employee at a time.

use super::formula::{Template, slice};
use super::tier::{self, Direction, TierOutcome};
use super::{
    CapExplained, Explained, Explainer, Explanation, NextTier, Statement, TableDetail, Unexplained,
    words,
};
use crate::plan::{Role, TableKind};
use crate::value::{self, Type, Value};
use rust_decimal::Decimal;
use serde::Serialize;
use std::io::{self, Write};

/// Writes the document: [`JsonWriter::begin`], then each employee, then
/// [`JsonWriter::end`].
#[derive(Default)]
pub struct JsonWriter {
    /// One employee's JSON, before it is indented into the document.
    buffer: Vec<u8>,
    written: usize,
}

impl JsonWriter {
    pub fn new() -> JsonWriter {
        JsonWriter::default()
    }

    /// A writer for the `index`-th employee of the list (from 0), so that
    /// employees can be written apart, in parallel, and joined in order.
    pub fn nth(index: usize) -> JsonWriter {
        JsonWriter {
            written: index,
            ..JsonWriter::default()
        }
    }

    /// The policy, its params, and the opening of the employees' list.
    pub fn begin(&mut self, explainer: &Explainer<'_>, out: &mut impl Write) -> io::Result<()> {
        let plan = explainer.plan;
        let params: Vec<ParamJson<'_>> = plan
            .params
            .iter()
            .map(|step| {
                let info = plan.slot(step.slot);
                let value = explainer
                    .program
                    .param_values
                    .get(step.slot.index())
                    .and_then(Option::as_ref);
                ParamJson {
                    name: &info.name,
                    r#type: info.ty.name(),
                    value: value.map(|v| exact(v, false, plan.rounding)),
                    shown: value.map_or(String::new(), |v| words::value(explainer, v, info.ty)),
                    doc: info.doc.as_deref(),
                    set: explainer.options.overridden.contains(&step.slot),
                }
            })
            .collect();
        writeln!(out, "{{\n  \"policy\": {},", string(&plan.title)?)?;
        writeln!(out, "  \"currency\": {},", string(&plan.currency)?)?;
        writeln!(out, "  \"rounding\": {},", plan.rounding)?;
        write!(out, "  \"params\": ")?;
        self.indented(out, &params, b"\n  ")?;
        write!(out, ",\n  \"employees\": [")
    }

    /// One employee.
    pub fn employee(
        &mut self,
        explainer: &Explainer<'_>,
        explanation: &Explanation<'_>,
        out: &mut impl Write,
    ) -> io::Result<()> {
        out.write_all(if self.written == 0 {
            b"\n    "
        } else {
            b",\n    "
        })?;
        self.written += 1;
        self.indented(out, &employee(explainer, explanation), b"\n    ")
    }

    /// Closes the list, with the number of employees with errors.
    pub fn end(&mut self, errors: usize, out: &mut impl Write) -> io::Result<()> {
        write!(out, "\n  ],\n  \"errors\": {errors}\n}}\n")
    }

    /// Pretty JSON with every newline followed by `newline`'s indentation,
    /// to sit inside the document (JSON strings hold no raw newline).
    fn indented(
        &mut self,
        out: &mut impl Write,
        value: &impl Serialize,
        newline: &[u8],
    ) -> io::Result<()> {
        self.buffer.clear();
        serde_json::to_writer_pretty(&mut self.buffer, value).map_err(io::Error::other)?;
        for (index, line) in self.buffer.split(|b| *b == b'\n').enumerate() {
            if index > 0 {
                out.write_all(newline)?;
            }
            out.write_all(line)?;
        }
        Ok(())
    }
}

fn string(text: &str) -> io::Result<String> {
    serde_json::to_string(text).map_err(io::Error::other)
}

#[derive(Serialize)]
struct ParamJson<'x> {
    name: &'x str,
    r#type: &'static str,
    value: Option<JsonValue>,
    shown: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<&'x str>,
    /// Set for this run (`--set`).
    set: bool,
}

/// A value as the report writes it.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonValue {
    Num(Dec),
    Text(String),
    Bool(bool),
}

/// Numbers exact (or with `places` for money lines), bools, texts.
fn exact(value: &Value, fixed: bool, places: u32) -> JsonValue {
    match value {
        Value::Num(n) if fixed => JsonValue::Num(fixed_places(*n, places)),
        Value::Num(n) => JsonValue::Num(dec(*n)),
        Value::Bool(b) => JsonValue::Bool(*b),
        Value::Text(t) => JsonValue::Text(t.to_string()),
    }
}

/// A decimal written as a JSON string exactly as it is scaled, without
/// an allocation (explanations write dozens per employee).
#[derive(Clone, Copy, Debug, Default)]
struct Dec(Decimal);

impl Serialize for Dec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// The exact decimal, without trailing zeros (as `value::exact_string`).
fn dec(n: Decimal) -> Dec {
    if n.is_zero() {
        Dec(Decimal::ZERO)
    } else {
        Dec(n.normalize())
    }
}

/// With exactly `places` decimals (as `value::fixed_string`).
fn fixed_places(n: Decimal, places: u32) -> Dec {
    let mut rounded = value::round(n, places);
    rounded.rescale(places);
    Dec(rounded)
}

#[derive(Serialize)]
struct EmployeeJson<'x> {
    id: &'x str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'x str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payout: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    capped: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed_gates: Option<Vec<&'x str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<InputJson<'x>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    records: Vec<RecordJson<'x>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<StepJson<'x>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    gates: Vec<GateJson<'x>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lines_total: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cap: Option<CapJson<'x>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    next_tiers: Vec<NextTierJson<'x>>,
}

#[derive(Serialize)]
struct ErrorJson {
    code: String,
    message: String,
}

#[derive(Serialize)]
struct InputJson<'x> {
    name: &'x str,
    r#type: &'static str,
    value: JsonValue,
    shown: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<&'x str>,
}

#[derive(Serialize)]
struct RecordJson<'x> {
    formula: &'x str,
    /// None: `avg`, `min` or `max` of no records.
    value: Option<JsonValue>,
    shown: String,
}

#[derive(Serialize)]
struct StepJson<'x> {
    role: &'static str,
    name: &'x str,
    r#type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    doc: Option<&'x str>,
    #[serde(flatten)]
    formula: FormulaJson<'x>,
    /// A bonus line before rounding, where rounding changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    exact: Option<Dec>,
}

#[derive(Serialize)]
struct FormulaJson<'x> {
    /// As written, comments left out; lines joined with `\n`.
    formula: &'x str,
    #[serde(skip_serializing_if = "Option::is_none")]
    substituted: Option<&'x str>,
    /// None where it could not be computed.
    value: Option<JsonValue>,
    shown: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tables: Vec<TableJson<'x>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    branches: Vec<BranchJson<'x>>,
}

#[derive(Serialize)]
struct BranchJson<'x> {
    condition: &'x str,
    /// Whether the `then` branch was taken.
    taken: bool,
}

#[derive(Serialize)]
struct TableJson<'x> {
    kind: &'static str,
    /// `tiers attainment {…}`
    table: &'x str,
    #[serde(skip_serializing_if = "str::is_empty")]
    subject: &'x str,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject_value: Option<JsonValue>,
    /// The arm that applied (0-based), and as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    arm: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    arm_text: Option<&'x str>,
    /// tiers: the thresholds around the subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    lower: Option<Dec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    upper: Option<Dec>,
    /// curve: the points interpolated between.
    #[serde(skip_serializing_if = "Option::is_none")]
    from_point: Option<PointJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to_point: Option<PointJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slices: Vec<SliceJson<'x>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<ComponentJson<'x>>,
    value: JsonValue,
    /// What the text statement says of it.
    notes: Vec<String>,
}

#[derive(Serialize)]
struct PointJson {
    point: Dec,
    value: Dec,
}

#[derive(Serialize)]
struct SliceJson<'x> {
    arm: usize,
    arm_text: &'x str,
    from: Dec,
    to: Dec,
    rate: Dec,
    amount: Dec,
}

#[derive(Serialize)]
struct ComponentJson<'x> {
    arm: usize,
    formula: String,
    arm_text: &'x str,
    value: Dec,
    weight: Dec,
    contribution: Dec,
}

#[derive(Serialize)]
struct GateJson<'x> {
    #[serde(flatten)]
    formula: FormulaJson<'x>,
    passed: bool,
    message: &'x str,
}

#[derive(Serialize)]
struct CapJson<'x> {
    #[serde(flatten)]
    formula: Option<FormulaJson<'x>>,
    /// False when a gate failed: the cap is then not looked at.
    evaluated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<Dec>,
    capped: bool,
}

#[derive(Serialize)]
struct NextTierJson<'x> {
    /// The step holding the table, and the table.
    step: &'x str,
    table: &'x str,
    subject: &'x str,
    /// `reached`, `last_tier` or `unavailable`.
    outcome: &'static str,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'x str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reach: Option<ReachJson<'x>>,
}

#[derive(Serialize)]
struct ReachJson<'x> {
    direction: &'static str,
    threshold: Dec,
    subject_from: Dec,
    subject_to: Dec,
    lever: String,
    lever_from: Dec,
    lever_to: Dec,
    lever_change: Dec,
    tier_from: &'x str,
    tier_to: &'x str,
    payout_from: Dec,
    payout_to: Dec,
    payout_change: Dec,
}

fn employee<'x>(
    explainer: &'x Explainer<'_>,
    explanation: &'x Explanation<'_>,
) -> EmployeeJson<'x> {
    let mut json = EmployeeJson {
        id: explanation.id,
        name: explanation.name,
        error: None,
        payout: None,
        capped: None,
        failed_gates: None,
        inputs: Vec::new(),
        records: Vec::new(),
        steps: Vec::new(),
        gates: Vec::new(),
        lines_total: None,
        cap: None,
        next_tiers: Vec::new(),
    };
    match &explanation.body {
        Err(Unexplained::Data(errors)) => {
            json.error = errors.first().map(|e| ErrorJson {
                code: e.code(),
                message: e.to_string(),
            });
        }
        Err(Unexplained::Records(error)) => {
            json.error = Some(ErrorJson {
                code: error.code().to_string(),
                message: error.to_string(),
            });
        }
        Ok(statement) => statement_json(explainer, statement, &mut json),
    }
    json
}

fn statement_json<'x>(
    explainer: &'x Explainer<'_>,
    statement: &'x Statement<'_>,
    json: &mut EmployeeJson<'x>,
) {
    let plan = explainer.plan;
    let places = plan.rounding;
    json.error = statement.error.as_ref().map(|e| ErrorJson {
        code: e.code().to_string(),
        message: e.to_string(),
    });
    if let Some(verdict) = &statement.verdict {
        json.payout = Some(fixed_places(verdict.payout, places));
        json.capped = Some(verdict.capped);
        json.failed_gates = Some(
            verdict
                .failed_gates
                .iter()
                .filter_map(|i| plan.gates.get(*i).map(|g| g.message.as_str()))
                .collect(),
        );
        json.lines_total = Some(fixed_places(statement.lines_total, places));
    }
    json.inputs = plan
        .inputs
        .iter()
        .zip(statement.inputs)
        .map(|(input, value)| {
            let info = plan.slot(input.slot);
            InputJson {
                name: &info.name,
                r#type: info.ty.name(),
                value: exact(value, false, places),
                shown: words::value(explainer, value, info.ty),
                doc: info.doc.as_deref(),
            }
        })
        .collect();
    json.records = explainer
        .aggregates
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let value = statement.aggregates.get(index).and_then(Option::as_ref);
            let ty = plan
                .aggregates
                .get(index)
                .map_or(Type::Number, |a| a.kind.default_type());
            RecordJson {
                formula: text,
                value: value.map(|v| exact(v, false, places)),
                shown: value.map_or("no records".to_string(), |v| words::value(explainer, v, ty)),
            }
        })
        .collect();
    for explained in &statement.steps {
        let Some(step) = explainer.steps.get(explained.index) else {
            continue;
        };
        let info = plan.slot(step.slot);
        let bonus = info.role == Role::Bonus;
        json.steps.push(StepJson {
            role: info.role.keyword(),
            name: &info.name,
            r#type: info.ty.name(),
            doc: info.doc.as_deref(),
            formula: formula(explainer, &step.template, explained, info.ty, bonus),
            exact: explained.exact.map(dec),
        });
    }
    for gate in &statement.gates {
        let (Some(template), Some(plan_gate)) = (
            explainer.gates.get(gate.explained.index),
            plan.gates.get(gate.explained.index),
        ) else {
            continue;
        };
        json.gates.push(GateJson {
            formula: formula(explainer, template, &gate.explained, Type::Bool, false),
            passed: gate.passed,
            message: &plan_gate.message,
        });
    }
    json.cap = match (&statement.cap, &explainer.cap) {
        (
            CapExplained::Evaluated {
                explained,
                limit,
                capped,
            },
            Some(template),
        ) => Some(CapJson {
            formula: Some(formula(explainer, template, explained, Type::Money, false)),
            evaluated: true,
            limit: Some(fixed_places(*limit, places)),
            capped: *capped,
        }),
        (CapExplained::NotEvaluated, Some(_)) => Some(CapJson {
            formula: None,
            evaluated: false,
            limit: None,
            capped: false,
        }),
        _ => None,
    };
    json.next_tiers = statement
        .next_tiers
        .iter()
        .filter_map(|next| next_tier(explainer, next))
        .collect();
}

fn formula<'x>(
    explainer: &'x Explainer<'_>,
    template: &'x Template<'_>,
    explained: &'x Explained,
    ty: Type,
    fixed: bool,
) -> FormulaJson<'x> {
    let places = explainer.plan.rounding;
    FormulaJson {
        formula: &template.written,
        substituted: explained.substituted.as_deref(),
        value: explained.value.as_ref().map(|v| exact(v, fixed, places)),
        shown: explained
            .value
            .as_ref()
            .map_or(String::new(), |v| words::value(explainer, v, ty)),
        tables: explained
            .tables
            .iter()
            .filter_map(|table| {
                let info = template.tables.get(table.index)?;
                Some(table_json(explainer, info, &table.detail))
            })
            .collect(),
        branches: explained
            .branches
            .iter()
            .filter_map(|(position, taken)| {
                Some(BranchJson {
                    condition: &template.ifs.get(*position)?.condition,
                    taken: *taken,
                })
            })
            .collect(),
    }
}

fn table_json<'x>(
    explainer: &'x Explainer<'_>,
    info: &'x super::formula::TableInfo<'_>,
    detail: &'x TableDetail,
) -> TableJson<'x> {
    let places = explainer.plan.rounding;
    let notes = words::table_notes(explainer, info, detail)
        .into_iter()
        .map(|(_, note)| note)
        .collect();
    let arm_text = |arm: usize| info.arms.get(arm).map(String::as_str);
    let mut json = TableJson {
        kind: "",
        table: &info.short,
        subject: &info.subject,
        subject_value: None,
        arm: None,
        arm_text: None,
        lower: None,
        upper: None,
        from_point: None,
        to_point: None,
        slices: Vec::new(),
        components: Vec::new(),
        value: JsonValue::Bool(false),
        notes,
    };
    let point = |(p, v): (Decimal, Decimal)| PointJson {
        point: dec(p),
        value: dec(v),
    };
    match detail {
        TableDetail::Tiers {
            subject,
            arm,
            lower,
            upper,
            value,
        } => {
            json.kind = "tiers";
            json.subject_value = Some(JsonValue::Num(dec(*subject)));
            json.arm = Some(*arm);
            json.arm_text = arm_text(*arm);
            json.lower = lower.map(dec);
            json.upper = upper.map(dec);
            json.value = exact(value, false, places);
        }
        TableDetail::Match {
            subject,
            arm,
            value,
        } => {
            json.kind = "match";
            json.subject_value = Some(exact(subject, false, places));
            json.arm = Some(*arm);
            json.arm_text = arm_text(*arm);
            json.value = exact(value, false, places);
        }
        TableDetail::Marginal {
            subject,
            slices,
            total,
        } => {
            json.kind = "marginal";
            json.subject_value = Some(JsonValue::Num(dec(*subject)));
            json.slices = slices
                .iter()
                .map(|s| SliceJson {
                    arm: s.arm,
                    arm_text: arm_text(s.arm).unwrap_or(""),
                    from: dec(s.from),
                    to: dec(s.to),
                    rate: dec(s.rate),
                    amount: dec(s.amount),
                })
                .collect();
            json.value = JsonValue::Num(dec(*total));
        }
        TableDetail::Curve {
            subject,
            arm,
            lower,
            upper,
            value,
        } => {
            json.kind = "curve";
            json.subject_value = Some(JsonValue::Num(dec(*subject)));
            json.arm = Some(*arm);
            json.arm_text = arm_text(*arm);
            json.from_point = lower.map(point);
            json.to_point = upper.map(point);
            json.value = JsonValue::Num(dec(*value));
        }
        TableDetail::Weighted { terms, total } => {
            json.kind = "weighted";
            let values = match &info.table.kind {
                TableKind::Weighted { values, .. } => values.as_slice(),
                _ => &[],
            };
            json.components = terms
                .iter()
                .map(|t| ComponentJson {
                    arm: t.arm,
                    formula: values.get(t.arm).map_or(String::new(), |v| {
                        super::formula::clean(slice(explainer.source, v.span))
                            .trim()
                            .to_string()
                    }),
                    arm_text: arm_text(t.arm).unwrap_or(""),
                    value: dec(t.value),
                    weight: dec(t.weight),
                    contribution: dec(t.amount),
                })
                .collect();
            json.value = JsonValue::Num(dec(*total));
        }
    }
    json
}

fn next_tier<'x>(explainer: &'x Explainer<'_>, next: &'x NextTier) -> Option<NextTierJson<'x>> {
    let step = explainer.steps.get(next.step)?;
    let info = step.template.tables.get(next.table_index)?;
    let plan = explainer.plan;
    let places = plan.rounding;
    let mut json = NextTierJson {
        step: &plan.slot(step.slot).name,
        table: &info.short,
        subject: &info.subject,
        outcome: "",
        text: words::next_tier(explainer, next),
        reason: None,
        reach: None,
    };
    match &next.outcome {
        TierOutcome::LastTier => json.outcome = "last_tier",
        TierOutcome::Unavailable(reason) => {
            json.outcome = "unavailable";
            json.reason = Some(reason);
        }
        TierOutcome::Reached(reach) => {
            json.outcome = "reached";
            let change = |a: Decimal, b: Decimal| value::sub(b, a).map(dec).unwrap_or_default();
            let money = |n: Decimal| fixed_places(n, places);
            let payout_change = value::sub(reach.payout_to, reach.payout_from).unwrap_or_default();
            json.reach = Some(ReachJson {
                direction: match reach.direction {
                    Direction::Up => "up",
                    Direction::Down => "down",
                },
                threshold: dec(reach.threshold),
                subject_from: dec(reach.subject_from),
                subject_to: dec(reach.subject_to),
                lever: tier::lever_name(explainer, reach.lever),
                lever_from: dec(reach.lever_from),
                lever_to: dec(reach.lever_to),
                lever_change: change(reach.lever_from, reach.lever_to),
                tier_from: info.arms.get(reach.arm_from).map_or("", String::as_str),
                tier_to: info.arms.get(reach.arm_to).map_or("", String::as_str),
                payout_from: money(reach.payout_from),
                payout_to: money(reach.payout_to),
                payout_change: money(payout_change),
            });
        }
    }
    Some(json)
}
