//! `kpi check PATH…`: parse and type-check policies.

use super::{load, status};
use crate::diagnostic::{Located, Renderer};
use miette::{Diagnostic, Severity};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CheckFormat {
    /// Diagnostics for people, with the source lines underlined.
    Human,
    /// One JSON document on standard output with every diagnostic.
    Json,
    /// GitHub Actions workflow commands on standard output, so that
    /// diagnostics show on the lines of a pull request.
    Github,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Policy files, or folders searched for *.kpi files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    format: CheckFormat,
    /// Exit 1 when there are warnings, not only errors (advice, such as a
    /// kpi that affects no payout, never fails the check).
    #[arg(long)]
    deny_warnings: bool,
}

/// `kpi check --format json`.
#[derive(Serialize)]
struct JsonReport {
    files: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    diagnostics: Vec<Located>,
}

pub(crate) fn run(args: Args) -> u8 {
    let renderer = Renderer::for_stderr();
    let files = match load::policy_files(&args.paths) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let (mut errors, mut warnings, mut notes, mut failed) = (0, 0, 0, 0);
    let mut located = Vec::new();
    for path in &files {
        let diagnosed = match load::diagnose(path) {
            Ok(diagnosed) => diagnosed,
            Err(code) => return code,
        };
        let diagnostics = diagnosed.diagnostics();
        let file_errors = diagnostics
            .iter()
            .filter(|d| matches!(d.severity(), None | Some(Severity::Error)))
            .count();
        errors += file_errors;
        warnings += diagnostics
            .iter()
            .filter(|d| d.severity() == Some(Severity::Warning))
            .count();
        notes += diagnostics
            .iter()
            .filter(|d| d.severity() == Some(Severity::Advice))
            .count();
        if file_errors > 0 {
            failed += 1;
        }
        match args.format {
            CheckFormat::Human => load::print_dyn(&diagnostics, &diagnosed.file, &renderer),
            CheckFormat::Json | CheckFormat::Github => located.extend(
                diagnostics
                    .iter()
                    .map(|d| Located::new(*d as &dyn Diagnostic, &diagnosed.file)),
            ),
        }
    }
    match args.format {
        CheckFormat::Human => {}
        CheckFormat::Json => {
            let report = JsonReport {
                files: files.len(),
                errors,
                warnings,
                notes,
                diagnostics: located,
            };
            match serde_json::to_string_pretty(&report) {
                Ok(text) => println!("{text}"),
                Err(error) => {
                    eprintln!("error: {error}");
                    return status::FAILED;
                }
            }
        }
        CheckFormat::Github => {
            for diagnostic in &located {
                println!("{}", diagnostic.github_annotation());
            }
        }
    }
    eprintln!("{}", summary(files.len(), failed, warnings, notes));
    if errors > 0 || args.deny_warnings && warnings > 0 {
        status::FAILED
    } else {
        status::OK
    }
}

/// `checked 3 policies: 1 with errors, 2 warnings, 1 note`.
fn summary(checked: usize, failed: usize, warnings: usize, notes: usize) -> String {
    let noun = if checked == 1 { "policy" } else { "policies" };
    let mut parts = Vec::new();
    if failed == 0 {
        parts.push("no errors".to_string());
    } else {
        parts.push(format!("{failed} with errors"));
    }
    match warnings {
        0 => {}
        1 => parts.push("1 warning".to_string()),
        n => parts.push(format!("{n} warnings")),
    }
    match notes {
        0 => {}
        1 => parts.push("1 note".to_string()),
        n => parts.push(format!("{n} notes")),
    }
    format!("checked {checked} {noun}: {}", parts.join(", "))
}
