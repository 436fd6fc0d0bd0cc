//! `kpi test PATH…`: run the policies' examples.

use super::{load, status};
use crate::diagnostic::{Renderer, SourceFile};
use crate::examples::{self, Coverage, ExampleResult, TestError};
use crate::plan::Plan;
use crate::span::Span;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum TestFormat {
    /// A line per example, diagnostics for failures, a summary line.
    Human,
    /// One JSON document with every example's result.
    Json,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Policy files, or folders searched for *.kpi files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Also report which tiers, match arms, `if` branches and gate
    /// outcomes the examples reach, and which they never do.
    #[arg(long)]
    coverage: bool,
    #[arg(long, value_enum, default_value = "human")]
    format: TestFormat,
}

#[derive(Serialize)]
struct JsonReport {
    policies: Vec<JsonPolicy>,
    passed: usize,
    failed: usize,
}

#[derive(Serialize)]
struct JsonPolicy {
    file: String,
    /// Errors that kept the policy from being tested.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    examples: Vec<JsonExample>,
}

#[derive(Serialize)]
struct JsonExample {
    title: String,
    line: usize,
    passed: bool,
    failures: Vec<JsonFailure>,
}

#[derive(Serialize)]
struct JsonFailure {
    code: String,
    message: String,
    line: usize,
    column: usize,
}

pub(crate) fn run(args: Args) -> u8 {
    let renderer = Renderer::for_stderr();
    let files = match load::policy_files(&args.paths) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let json = matches!(args.format, TestFormat::Json);
    let (mut passed, mut failed) = (0, 0);
    let mut broken = false;
    let mut policies = Vec::new();
    for path in &files {
        let name = path.display().to_string();
        let loaded = match load::policy(path, &renderer) {
            Ok(loaded) => loaded,
            Err(code) => {
                if code == status::USAGE {
                    return code;
                }
                broken = true;
                if !json {
                    println!("ERROR   {name}  the policy does not check; see the errors above");
                }
                policies.push(JsonPolicy {
                    file: name,
                    error: Some("the policy does not check".to_string()),
                    examples: Vec::new(),
                });
                continue;
            }
        };
        let mut coverage = Coverage::new(&loaded.plan);
        let results = examples::run(&loaded.plan, &mut coverage);
        if results.is_empty() && !json {
            println!("none    {name}  (no examples)");
        }
        for result in &results {
            if result.passed() {
                passed += 1;
            } else {
                failed += 1;
            }
            if !json {
                let verdict = if result.passed() { "ok    " } else { "FAILED" };
                println!("{verdict}  {name}  {}", result.title);
            }
        }
        if !json {
            for result in results.iter().filter(|r| !r.passed()) {
                for failure in &result.failures {
                    let prefix = format!("example \"{}\": ", result.title);
                    eprint!(
                        "{}",
                        renderer.render(failure, Some(&loaded.file), Some(&prefix))
                    );
                }
            }
            if args.coverage {
                print!("{}", coverage_report(&loaded.plan, &loaded.file, &coverage));
            }
        }
        policies.push(JsonPolicy {
            file: name,
            error: None,
            examples: results
                .iter()
                .map(|r| json_example(r, &loaded.file))
                .collect(),
        });
    }
    if json {
        let report = JsonReport {
            policies,
            passed,
            failed,
        };
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(error) => {
                eprintln!("error: {error}");
                return status::FAILED;
            }
        }
    } else {
        println!("{passed} passed, {failed} failed");
    }
    if failed > 0 || broken {
        status::FAILED
    } else {
        status::OK
    }
}

fn json_example(result: &ExampleResult, file: &SourceFile) -> JsonExample {
    JsonExample {
        title: result.title.clone(),
        line: file.line_column(result.span.start).0,
        passed: result.passed(),
        failures: result
            .failures
            .iter()
            .map(|failure| {
                let offset = failure_offset(failure);
                let (line, column) = file.line_column(offset);
                JsonFailure {
                    code: miette::Diagnostic::code(failure)
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    message: failure.to_string(),
                    line,
                    column,
                }
            })
            .collect(),
    }
}

fn failure_offset(failure: &TestError) -> usize {
    match failure {
        TestError::Mismatch { span, .. }
        | TestError::GatePassed { span, .. }
        | TestError::GateFailed { span, .. }
        | TestError::NotEvaluated { span, .. } => span.offset(),
    }
}

/// Which arms, branches and gate outcomes the examples reached.
fn coverage_report(plan: &Plan, file: &SourceFile, coverage: &Coverage) -> String {
    let mut out = format!("coverage of {}:\n", file.name());
    let mut tables = Vec::new();
    examples::for_each_table(plan, |table| {
        if examples::has_arms(&table.kind) {
            tables.push((table.span, table.id, table.arms.clone()));
        }
    });
    let mut ifs = Vec::new();
    examples::for_each_if(plan, |id, span| ifs.push((span, id)));
    enum Entry {
        Table(u32, Vec<Span>),
        If(u32),
        Gate(usize),
    }
    let mut entries: Vec<(Span, Entry)> = tables
        .into_iter()
        .map(|(span, id, arms)| (span, Entry::Table(id, arms)))
        .chain(ifs.into_iter().map(|(span, id)| (span, Entry::If(id))))
        .chain(
            plan.gates
                .iter()
                .enumerate()
                .map(|(index, gate)| (gate.span, Entry::Gate(index))),
        )
        .collect();
    entries.sort_by_key(|(span, _)| span.start);
    let (mut reached, mut total) = (0, 0);
    let mark = |hits: u32| if hits > 0 { "✓" } else { "✗ never" };
    for (span, entry) in entries {
        let (line, _) = file.line_column(span.start);
        match entry {
            Entry::Table(id, arms) => {
                let hits = coverage
                    .table_arms
                    .get(id as usize)
                    .cloned()
                    .unwrap_or_default();
                let head = first_line(file, span);
                let keyword = head.split_whitespace().next().unwrap_or("table");
                let done = hits.iter().filter(|h| **h > 0).count();
                out.push_str(&format!(
                    "  line {line}: {keyword}: {done} of {} arms reached\n",
                    arms.len()
                ));
                for (arm, count) in arms
                    .iter()
                    .zip(hits.iter().copied().chain(std::iter::repeat(0)))
                {
                    out.push_str(&format!(
                        "    {:<8} {}\n",
                        mark(count),
                        first_line(file, *arm)
                    ));
                }
                reached += done;
                total += arms.len();
            }
            Entry::If(id) => {
                let [then, otherwise] = coverage
                    .branches
                    .get(id as usize)
                    .copied()
                    .unwrap_or([0, 0]);
                out.push_str(&format!(
                    "  line {line}: if: then {}, else {}\n",
                    mark(then),
                    mark(otherwise)
                ));
                reached += usize::from(then > 0) + usize::from(otherwise > 0);
                total += 2;
            }
            Entry::Gate(index) => {
                let [passes, fails] = coverage.gates.get(index).copied().unwrap_or([0, 0]);
                out.push_str(&format!(
                    "  line {line}: gate \"{}\": passes {}, fails {}\n",
                    plan.gates[index].message,
                    mark(passes),
                    mark(fails)
                ));
                reached += usize::from(passes > 0) + usize::from(fails > 0);
                total += 2;
            }
        }
    }
    if total == 0 {
        out.push_str("  no tables, branches or gates\n");
    } else {
        out.push_str(&format!("  {reached} of {total} reached\n"));
    }
    out
}

/// The first line of a span's text, trimmed.
fn first_line(file: &SourceFile, span: Span) -> String {
    let text = file.text();
    let end = span.end.min(text.len());
    let start = span.start.min(end);
    text.get(start..end)
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}
