//! The statement for people: the policy's formulas as written, each arm
//! that applied marked beside it, the values substituted, the results.

use super::formula::Template;
use super::words::{self, num, table_notes};
use super::{CapExplained, Explained, Explainer, Explanation, Statement, Unexplained};
use crate::plan::Role;
use crate::value::Type;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes one employee's statement, followed by a blank line.
pub fn write_text(
    explainer: &Explainer<'_>,
    explanation: &Explanation<'_>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut s = String::with_capacity(4096);
    let plan = explainer.plan;
    let _ = write!(s, "{}", explanation.id);
    if let Some(name) = explanation.name {
        let _ = write!(s, " {name}");
    }
    let _ = writeln!(s, " · {}", plan.title);
    match &explanation.body {
        Err(Unexplained::Data(errors)) => {
            for error in errors.iter() {
                let _ = writeln!(s, "cannot be explained: {error}");
            }
        }
        Err(Unexplained::Records(error)) => {
            let why = error.to_string();
            let _ = writeln!(s, "cannot be explained: {why}");
        }
        Ok(statement) => statement_text(explainer, statement, &mut s),
    }
    s.push('\n');
    out.write_all(s.as_bytes())
}

fn statement_text(explainer: &Explainer<'_>, statement: &Statement<'_>, s: &mut String) {
    let plan = explainer.plan;
    if let Some(verdict) = &statement.verdict {
        let _ = writeln!(s, "payout {}", num(explainer, verdict.payout, Type::Money));
    }

    section(s, "Inputs");
    let rows: Vec<[Cow<'_, str>; 3]> = plan
        .inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let info = plan.slot(input.slot);
            let value = statement
                .inputs
                .get(index)
                .map_or(String::new(), |v| words::value(explainer, v, info.ty));
            [
                Cow::Borrowed(info.name.as_str()),
                Cow::Owned(value),
                Cow::Borrowed(info.doc.as_deref().unwrap_or("")),
            ]
        })
        .collect();
    columns(s, &rows);
    s.push_str(explainer.params_text.get_or_init(|| params_text(explainer)));
    if !plan.aggregates.is_empty() {
        section(s, "Records");
        let rows: Vec<[Cow<'_, str>; 3]> = explainer
            .aggregates
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let ty = plan.aggregates[index].kind.default_type();
                let value = match statement.aggregates.get(index) {
                    Some(Some(v)) => words::value(explainer, v, ty),
                    _ => "no records".to_string(),
                };
                [
                    Cow::Borrowed(text.as_str()),
                    Cow::Owned(value),
                    Cow::Borrowed(""),
                ]
            })
            .collect();
        columns(s, &rows);
    }

    section(s, "Steps");
    for (position, explained) in statement.steps.iter().enumerate() {
        let Some(step) = explainer.steps.get(explained.index) else {
            continue;
        };
        if position > 0 {
            s.push('\n');
        }
        let info = plan.slot(step.slot);
        let _ = write!(s, "  {} {}", info.role.keyword(), info.name);
        if let Some(doc) = &info.doc {
            let _ = write!(s, ": {doc}");
        }
        s.push('\n');
        formula_text(explainer, &step.template, explained, s);
        match &explained.value {
            Some(value) => {
                let shown = words::value(explainer, value, info.ty);
                match explained.exact {
                    Some(exact) if info.role == Role::Bonus => {
                        let _ = writeln!(
                            s,
                            "    = {}, rounded to {shown}",
                            num(explainer, exact, Type::Money)
                        );
                    }
                    _ => {
                        let _ = writeln!(s, "    = {shown}");
                    }
                }
            }
            None => {
                if let Some(error) = &statement.error {
                    let _ = writeln!(s, "    cannot be computed: {error}");
                }
            }
        }
    }
    if statement.verdict.is_none() {
        return;
    }

    if !statement.gates.is_empty() {
        section(s, "Gates");
        for (gate, plan_gate) in statement.gates.iter().zip(&plan.gates) {
            let template = &explainer.gates[gate.explained.index];
            let mark = if gate.passed { "passed" } else { "FAILED" };
            let _ = write!(s, "  {mark}  {}", template.short);
            if let Some(substituted) = &gate.explained.substituted {
                let _ = write!(s, "  ({substituted})");
            }
            if !gate.passed {
                let _ = write!(s, ": {}", plan_gate.message);
            }
            s.push('\n');
        }
    }

    section(s, "Payout");
    let names: Vec<&str> = plan
        .bonuses
        .iter()
        .map(|slot| plan.slot(*slot).name.as_str())
        .collect();
    let amounts: Vec<String> = statement
        .lines
        .iter()
        .map(|line| crate::report::money(*line, plan.rounding))
        .collect();
    let total = num(explainer, statement.lines_total, Type::Money);
    if names.len() > 1 {
        let _ = writeln!(s, "  lines   {}", names.join(" + "));
        let _ = writeln!(s, "        = {} = {total}", amounts.join(" + "));
    } else {
        let _ = writeln!(s, "  lines   {total}");
    }
    let verdict = statement.verdict.as_ref();
    match &statement.cap {
        CapExplained::None => {}
        CapExplained::NotEvaluated => {
            let _ = writeln!(s, "  cap     not looked at: a gate failed");
        }
        CapExplained::Evaluated {
            explained,
            limit,
            capped,
        } => {
            let template = explainer.cap.as_ref();
            let _ = write!(s, "  cap     {}", template.map_or("", |t| t.short.as_str()));
            if let Some(substituted) = &explained.substituted {
                let _ = write!(s, " = {substituted}");
            }
            let limit = num(explainer, *limit, Type::Money);
            if *capped {
                let _ = writeln!(
                    s,
                    " = {limit}: the lines are above it, so the payout is the cap"
                );
            } else {
                let _ = writeln!(s, " = {limit}: not reached");
            }
        }
    }
    if let Some(verdict) = verdict {
        if !verdict.failed_gates.is_empty() {
            let _ = writeln!(
                s,
                "  gates   {} failed: no payout",
                if verdict.failed_gates.len() == 1 {
                    "a gate"
                } else {
                    "gates"
                }
            );
        }
        let _ = writeln!(
            s,
            "  payout  {}",
            num(explainer, verdict.payout, Type::Money)
        );
    }

    if !statement.next_tiers.is_empty() {
        section(s, "Next tier");
        for next in &statement.next_tiers {
            let _ = writeln!(s, "  {}", words::next_tier(explainer, next));
        }
    }
}

/// The formula as written (tables with a note beside each arm that
/// applied), the formula with values, and which way each `if` went.
fn formula_text(
    explainer: &Explainer<'_>,
    template: &Template<'_>,
    explained: &Explained,
    s: &mut String,
) {
    if explained.tables.is_empty() {
        for line in &template.lines {
            s.push_str("      ");
            s.push_str(line);
            s.push('\n');
        }
    } else {
        table_lines(explainer, template, explained, s);
    }
    if let Some(substituted) = &explained.substituted {
        let _ = writeln!(s, "    = {substituted}");
    }
    for (position, taken) in &explained.branches {
        if let Some(info) = template.ifs.get(*position) {
            let _ = writeln!(s, "      where {} is {taken}", info.condition);
        }
    }
}

/// The lines of a formula with tables, each arm that applied with its
/// notes beside it.
fn table_lines(
    explainer: &Explainer<'_>,
    template: &Template<'_>,
    explained: &Explained,
    s: &mut String,
) {
    let mut notes: Vec<Vec<String>> = vec![Vec::new(); template.lines.len()];
    let mut after: Vec<String> = Vec::new();
    for table in &explained.tables {
        let Some(info) = words::table_info(template, table.index) else {
            continue;
        };
        for (arm, note) in table_notes(explainer, info, &table.detail) {
            let line = arm.and_then(|arm| info.arm_lines.get(arm)).copied();
            match line.and_then(|line| notes.get_mut(line)) {
                Some(at) => at.push(note),
                None => after.push(note),
            }
        }
    }
    let width = template
        .lines
        .iter()
        .zip(&notes)
        .filter(|(_, notes)| !notes.is_empty())
        .map(|(line, _)| line.chars().count())
        .max()
        .unwrap_or(0);
    for (line, notes) in template.lines.iter().zip(&notes) {
        let _ = write!(s, "      {line}");
        if !notes.is_empty() {
            let pad = width.saturating_sub(line.chars().count());
            s.extend(std::iter::repeat_n(' ', pad));
            let _ = write!(s, "   ← {}", notes.join("; "));
        }
        s.push('\n');
    }
    for note in after {
        let _ = writeln!(s, "      {note}");
    }
}

/// The params' section: the same for every employee, so made once.
fn params_text(explainer: &Explainer<'_>) -> String {
    let plan = explainer.plan;
    let params: Vec<[Cow<'_, str>; 3]> = plan
        .params
        .iter()
        .map(|step| {
            let info = plan.slot(step.slot);
            let value = explainer
                .program
                .param_values
                .get(step.slot.index())
                .and_then(Option::as_ref)
                .map_or(String::new(), |v| words::value(explainer, v, info.ty));
            let mut doc = info.doc.clone().unwrap_or_default();
            if explainer.options.overridden.contains(&step.slot) {
                doc = format!("{doc} (set for this run)").trim().to_string();
            }
            [
                Cow::Borrowed(info.name.as_str()),
                Cow::Owned(value),
                Cow::Owned(doc),
            ]
        })
        .collect();
    let mut s = String::new();
    if !params.is_empty() {
        section(&mut s, "Params");
        columns(&mut s, &params);
    }
    s
}

fn section(s: &mut String, title: &str) {
    let _ = writeln!(s, "\n{title}");
}

/// Rows of three columns: the first aligned left, the second right.
fn columns(s: &mut String, rows: &[[Cow<'_, str>; 3]]) {
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1) = (width(0), width(1));
    for [a, b, c] in rows {
        s.push_str("  ");
        s.push_str(a);
        let pad = w0 - a.chars().count() + 2 + w1 - b.chars().count();
        s.extend(std::iter::repeat_n(' ', pad));
        s.push_str(b);
        if !c.is_empty() {
            s.push_str("  ");
            s.push_str(c);
        }
        s.push('\n');
    }
}
