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
    /// With `--coverage`: what the examples reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<CoverageJson>,
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
                    coverage: None,
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
                let reached = self::coverage(&loaded.plan, &loaded.file, &coverage);
                print!("{}", coverage_report(&loaded.file, &reached));
            }
        }
        policies.push(JsonPolicy {
            file: name,
            error: None,
            examples: results
                .iter()
                .map(|r| json_example(r, &loaded.file))
                .collect(),
            coverage: (json && args.coverage)
                .then(|| self::coverage(&loaded.plan, &loaded.file, &coverage)),
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

/// What the examples of one policy reached: each table, `if` and gate,
/// in the order they are written, with each outcome and how often it was
/// reached.
#[derive(Serialize)]
struct CoverageJson {
    reached: usize,
    total: usize,
    items: Vec<CoverageItem>,
}

#[derive(Serialize)]
struct CoverageItem {
    line: usize,
    /// `tiers`, `marginal`, `curve`, `match`, `if` or `gate`.
    kind: String,
    /// The first line of its text (for a gate, its message).
    text: String,
    outcomes: Vec<Outcome>,
}

#[derive(Serialize)]
struct Outcome {
    /// An arm as written, `then`/`else`, or `passes`/`fails`.
    name: String,
    /// How many times the examples reached it.
    hits: u32,
}

fn coverage(plan: &Plan, file: &SourceFile, coverage: &Coverage) -> CoverageJson {
    let mut items: Vec<(usize, CoverageItem)> = Vec::new();
    let mut item = |span: Span, kind: &str, text: String, outcomes: Vec<Outcome>| {
        let (line, _) = file.line_column(span.start);
        let kind = kind.to_string();
        items.push((
            span.start,
            CoverageItem {
                line,
                kind,
                text,
                outcomes,
            },
        ));
    };
    examples::for_each_table(plan, |table| {
        if !examples::has_arms(&table.kind) {
            return;
        }
        let hits = coverage.table_arms.get(table.id as usize);
        let outcomes = table
            .arms
            .iter()
            .enumerate()
            .map(|(index, arm)| Outcome {
                name: first_line(file, *arm),
                hits: hits.and_then(|h| h.get(index)).copied().unwrap_or(0),
            })
            .collect();
        let head = first_line(file, table.span);
        let keyword = head
            .split_whitespace()
            .next()
            .unwrap_or("table")
            .to_string();
        item(table.span, &keyword, head, outcomes);
    });
    examples::for_each_if(plan, |id, span| {
        let [then, otherwise] = coverage
            .branches
            .get(id as usize)
            .copied()
            .unwrap_or([0, 0]);
        let outcomes = vec![
            Outcome {
                name: "then".to_string(),
                hits: then,
            },
            Outcome {
                name: "else".to_string(),
                hits: otherwise,
            },
        ];
        item(span, "if", first_line(file, span), outcomes);
    });
    for (index, gate) in plan.gates.iter().enumerate() {
        let [passes, fails] = coverage.gates.get(index).copied().unwrap_or([0, 0]);
        let outcomes = vec![
            Outcome {
                name: "passes".to_string(),
                hits: passes,
            },
            Outcome {
                name: "fails".to_string(),
                hits: fails,
            },
        ];
        item(gate.span, "gate", gate.message.clone(), outcomes);
    }
    items.sort_by_key(|(start, _)| *start);
    let items: Vec<CoverageItem> = items.into_iter().map(|(_, item)| item).collect();
    let outcomes = items.iter().flat_map(|item| &item.outcomes);
    CoverageJson {
        reached: outcomes.clone().filter(|o| o.hits > 0).count(),
        total: outcomes.count(),
        items,
    }
}

/// Which arms, branches and gate outcomes the examples reached, for people.
fn coverage_report(file: &SourceFile, coverage: &CoverageJson) -> String {
    let mark = |hits: u32| if hits > 0 { "✓" } else { "✗ never" };
    let mut out = format!("coverage of {}:\n", file.name());
    for item in &coverage.items {
        let line = item.line;
        let kind = &item.kind;
        match kind.as_str() {
            "if" | "gate" => {
                let what = if kind == "gate" {
                    format!("gate \"{}\"", item.text)
                } else {
                    "if".to_string()
                };
                let parts: Vec<String> = item
                    .outcomes
                    .iter()
                    .map(|o| format!("{} {}", o.name, mark(o.hits)))
                    .collect();
                out.push_str(&format!("  line {line}: {what}: {}\n", parts.join(", ")));
            }
            _ => {
                let done = item.outcomes.iter().filter(|o| o.hits > 0).count();
                out.push_str(&format!(
                    "  line {line}: {kind}: {done} of {} arms reached\n",
                    item.outcomes.len()
                ));
                for outcome in &item.outcomes {
                    out.push_str(&format!("    {:<8} {}\n", mark(outcome.hits), outcome.name));
                }
            }
        }
    }
    if coverage.total == 0 {
        out.push_str("  no tables, branches or gates\n");
    } else {
        out.push_str(&format!(
            "  {} of {} reached\n",
            coverage.reached, coverage.total
        ));
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
