//! The statement as Markdown, to paste into a message or a wiki: a heading
//! with the payout, tables of inputs and params, a numbered list of steps
//! (tables shortened, what each did as sub-items), gates, payout, next tier.

use super::words::{self, num, table_notes};
use super::{CapExplained, Explainer, Explanation, Statement, Unexplained};
use crate::plan::Role;
use crate::value::Type;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes one employee's statement, followed by a blank line.
pub fn write_markdown(
    explainer: &Explainer<'_>,
    explanation: &Explanation<'_>,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut s = String::with_capacity(4096);
    let plan = explainer.plan;
    let _ = write!(s, "## {}", escape(explanation.id));
    if let Some(name) = explanation.name {
        let _ = write!(s, " {}", escape(name));
    }
    if let Ok(Statement {
        verdict: Some(verdict),
        ..
    }) = &explanation.body
    {
        let _ = write!(s, ": {}", num(explainer, verdict.payout, Type::Money));
    }
    let _ = writeln!(s, "\n\n*{}*\n", escape(&plan.title));
    match &explanation.body {
        Err(Unexplained::Data(errors)) => {
            for error in errors.iter() {
                let _ = writeln!(
                    s,
                    "- cannot be explained: {}",
                    escape_outside_code(&error.to_string())
                );
            }
        }
        Err(Unexplained::Records(error)) => {
            let why = error.to_string();
            let _ = writeln!(s, "- cannot be explained: {}", escape_outside_code(&why));
        }
        Ok(statement) => statement_markdown(explainer, statement, &mut s),
    }
    s.push('\n');
    out.write_all(s.as_bytes())
}

fn statement_markdown(explainer: &Explainer<'_>, statement: &Statement<'_>, s: &mut String) {
    let plan = explainer.plan;
    let _ = writeln!(s, "| input | value | |\n| --- | ---: | --- |");
    for (input, value) in plan.inputs.iter().zip(statement.inputs) {
        let info = plan.slot(input.slot);
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            escape(&info.name),
            escape(&words::value(explainer, value, info.ty)),
            escape(info.doc.as_deref().unwrap_or(""))
        );
    }
    s.push_str(
        explainer
            .params_markdown
            .get_or_init(|| params_markdown(explainer)),
    );
    if !plan.aggregates.is_empty() {
        let _ = writeln!(s, "\n| records | value |\n| --- | ---: |");
        for (index, text) in explainer.aggregates.iter().enumerate() {
            let ty = plan
                .aggregates
                .get(index)
                .map_or(Type::Number, |a| a.kind.default_type());
            let value = match statement.aggregates.get(index) {
                Some(Some(v)) => words::value(explainer, v, ty),
                _ => "no records".to_string(),
            };
            let _ = writeln!(s, "| `{}` | {} |", code(text), escape(&value));
        }
    }

    let _ = writeln!(s, "\n**How the payout was reached**\n");
    for (number, explained) in statement.steps.iter().enumerate() {
        let Some(step) = explainer.steps.get(explained.index) else {
            continue;
        };
        let info = plan.slot(step.slot);
        let _ = write!(
            s,
            "{}. {} **{}**",
            number + 1,
            info.role.keyword(),
            escape(&info.name)
        );
        if let Some(doc) = &info.doc {
            let _ = write!(s, ": {}", escape(doc));
        }
        let _ = write!(s, "  \n   `{}`", code(&step.template.short));
        if let Some(substituted) = &explained.substituted {
            let _ = write!(s, " = `{}`", code(substituted));
        }
        match &explained.value {
            Some(value) => {
                let shown = escape(&words::value(explainer, value, info.ty));
                match explained.exact {
                    Some(exact) if info.role == Role::Bonus => {
                        let _ = write!(
                            s,
                            " = {}, rounded to **{shown}**",
                            escape(&num(explainer, exact, Type::Money))
                        );
                    }
                    _ => {
                        let _ = write!(s, " = **{shown}**");
                    }
                }
            }
            None => {
                if let Some(error) = &statement.error {
                    let _ = write!(
                        s,
                        ": cannot be computed: {}",
                        escape_outside_code(&error.to_string())
                    );
                }
            }
        }
        s.push('\n');
        for table in &explained.tables {
            let Some(table_info) = words::table_info(&step.template, table.index) else {
                continue;
            };
            for (arm, note) in table_notes(explainer, table_info, &table.detail) {
                match arm.and_then(|arm| table_info.arms.get(arm)) {
                    Some(arm_text) => {
                        let _ = writeln!(s, "   - `{}`: {}", code(arm_text), escape(&note));
                    }
                    None => {
                        let _ = writeln!(s, "   - {}", escape(&note));
                    }
                }
            }
        }
        for (position, taken) in &explained.branches {
            if let Some(info) = step.template.ifs.get(*position) {
                let _ = writeln!(s, "   - `{}` is {taken}", code(&info.condition));
            }
        }
    }
    let Some(verdict) = &statement.verdict else {
        return;
    };

    if !statement.gates.is_empty() {
        let _ = writeln!(s, "\n**Gates**\n");
        for (gate, plan_gate) in statement.gates.iter().zip(&plan.gates) {
            let template = &explainer.gates[gate.explained.index];
            let mark = if gate.passed { "passed" } else { "**failed**" };
            let _ = write!(s, "- {mark}: `{}`", code(&template.short));
            if let Some(substituted) = &gate.explained.substituted {
                let _ = write!(s, " (`{}`)", code(substituted));
            }
            if !gate.passed {
                let _ = write!(s, ": {}", escape(&plan_gate.message));
            }
            s.push('\n');
        }
    }

    let _ = writeln!(s, "\n**Payout**\n");
    let lines: Vec<String> = plan
        .bonuses
        .iter()
        .zip(&statement.lines)
        .map(|(slot, line)| {
            format!(
                "{} {}",
                escape(&plan.slot(*slot).name),
                crate::report::money(*line, plan.rounding)
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "- lines: {} = {}",
        lines.join(" + "),
        escape(&num(explainer, statement.lines_total, Type::Money))
    );
    match &statement.cap {
        CapExplained::None => {}
        CapExplained::NotEvaluated => {
            let _ = writeln!(s, "- cap: not looked at, a gate failed");
        }
        CapExplained::Evaluated { limit, capped, .. } => {
            let limit = escape(&num(explainer, *limit, Type::Money));
            let how = if *capped {
                "the lines are above it, so the payout is the cap"
            } else {
                "not reached"
            };
            let _ = writeln!(s, "- cap: {limit}, {how}");
        }
    }
    if !verdict.failed_gates.is_empty() {
        let _ = writeln!(s, "- a gate failed: no payout");
    }
    let _ = writeln!(
        s,
        "- **payout: {}**",
        escape(&num(explainer, verdict.payout, Type::Money))
    );

    if !statement.next_tiers.is_empty() {
        let _ = writeln!(s, "\n**Next tier**\n");
        for next in &statement.next_tiers {
            let _ = writeln!(
                s,
                "- {}",
                escape_outside_code(&words::next_tier(explainer, next))
            );
        }
    }
}

/// The params' table: the same for every employee, so made once.
fn params_markdown(explainer: &Explainer<'_>) -> String {
    let plan = explainer.plan;
    let mut s = String::new();
    if !plan.params.is_empty() {
        let _ = writeln!(&mut s, "\n| param | value | |\n| --- | ---: | --- |");
        for step in &plan.params {
            let info = plan.slot(step.slot);
            let value = explainer
                .program
                .param_values
                .get(step.slot.index())
                .and_then(Option::as_ref)
                .map_or(String::new(), |v| words::value(explainer, v, info.ty));
            let mut doc = escape(info.doc.as_deref().unwrap_or(""));
            if explainer.options.overridden.contains(&step.slot) {
                doc.push_str(" *(set for this run)*");
            }
            let _ = writeln!(
                &mut s,
                "| {} | {} | {} |",
                escape(&info.name),
                escape(&value),
                doc
            );
        }
    }
    s
}

/// Text for a Markdown table cell or paragraph: characters Markdown
/// would read as markup are escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        // `_` inside words is no emphasis in CommonMark: names stay clean.
        if matches!(c, '|' | '*' | '`' | '[' | ']' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text inside a code span: only `|` (tables) and backticks need care.
fn code(text: &str) -> String {
    text.replace('`', "'").replace('|', "\\|")
}

/// A phrase whose `code` parts are already marked with backticks.
fn escape_outside_code(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(index, part)| {
            if index % 2 == 1 {
                format!("`{}`", code(part))
            } else {
                escape(part)
            }
        })
        .collect()
}
