//! `kpi diff OLD.kpi [NEW.kpi] --data FILE`: what a policy change costs,
//! employee by employee. The comparison is `crate::diff`; this file loads
//! both sides, evaluates them and writes the result.

use super::{eval, load, status};
use crate::data::{self, DataError, Dataset};
use crate::diagnostic::{Renderer, SourceFile};
use crate::diff::{self, Side};
use crate::eval::Program;
use crate::report::{self, Evaluated, Report};
use std::io::Write;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    /// An aligned table for people, with totals and the lines that moved.
    Table,
    /// Totals, lines and employees, amounts as exact decimal strings.
    Json,
    /// One row per employee, amounts exact.
    Csv,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The policy in force (.kpi file).
    old: PathBuf,
    /// The proposed policy; without it, OLD again (to price `--new-set`).
    new: Option<PathBuf>,
    /// The period's data: a .toml, .csv or .json file.
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// Overrides a param of the old policy, e.g. `--old-set rate=10%`
    /// (repeatable).
    #[arg(long = "old-set", value_name = "NAME=VALUE")]
    old_set: Vec<String>,
    /// Overrides a param of the new policy, e.g. `--new-set rate=12%`
    /// (repeatable).
    #[arg(long = "new-set", value_name = "NAME=VALUE")]
    new_set: Vec<String>,
    /// Activity records of a record set from a file, for whichever policy
    /// declares the set (repeatable).
    #[arg(long = "records", value_name = "SET=FILE")]
    records: Vec<String>,
    /// How to write the diff.
    #[arg(long, value_enum, default_value = "table")]
    format: DiffFormat,
    /// Writes the diff to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Errors printed per side before the rest are only counted.
const MAX_EMPLOYEE_ERRORS: usize = 10;

pub(crate) fn run(args: Args) -> u8 {
    let renderer = Renderer::for_stderr();
    let new_path = args.new.clone().unwrap_or_else(|| args.old.clone());
    let old = match load::policy(&args.old, &renderer) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let new = match load::policy(&new_path, &renderer) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if old.plan.currency != new.plan.currency {
        eprintln!(
            "error: the old policy pays in {} and the new one in {}: their payouts cannot be compared",
            old.plan.currency, new.plan.currency
        );
        return status::USAGE;
    }
    let sides = [
        (&old, "--old-set", &args.old_set),
        (&new, "--new-set", &args.new_set),
    ];
    let mut programs = Vec::with_capacity(2);
    for (loaded, flag, sets) in sides {
        let overrides = match eval::overrides(&loaded.plan, flag, sets) {
            Ok(overrides) => overrides,
            Err(message) => {
                eprintln!("error: {message}");
                return status::USAGE;
            }
        };
        match crate::eval::bind(&loaded.plan, &overrides) {
            Ok(program) => programs.push(program),
            Err(errors) => {
                load::print_all(&errors, &loaded.file, &renderer);
                return status::FAILED;
            }
        }
    }
    let [old_program, new_program] = programs.as_slice() else {
        return status::FAILED;
    };
    for entry in &args.records {
        let set = entry
            .split_once('=')
            .map_or(entry.as_str(), |(set, _)| set)
            .trim();
        let declared =
            |program: &Program<'_>| program.plan.record_sets.iter().any(|s| s.name == set);
        if !declared(old_program) && !declared(new_program) {
            eprintln!("error: `--records {entry}`: neither policy declares records `{set}`");
            return status::USAGE;
        }
    }

    let (data_file, format) = match eval::read_data(&args.data) {
        Ok(read) => read,
        Err(code) => return code,
    };
    let datasets = match (
        data::read_employees(&old.plan, format, data_file.text()),
        data::read_employees(&new.plan, format, data_file.text()),
    ) {
        (Ok(old_data), Ok(new_data)) => [old_data, new_data],
        (Err(errors), _) | (_, Err(errors)) => {
            load::print_all(&errors, &data_file, &renderer);
            return status::FAILED;
        }
    };
    // A column is worth a warning only when neither policy reads it.
    let unread: Vec<&DataError> = datasets[0]
        .warnings
        .iter()
        .filter(|warning| match warning {
            DataError::UnknownColumn { column, .. } => datasets[1].warnings.iter().any(
                |w| matches!(w, DataError::UnknownColumn { column: other, .. } if other == column),
            ),
            _ => true,
        })
        .collect();
    for warning in unread {
        eprint!("{}", renderer.render(warning, Some(&data_file), None));
    }

    let mut reports: Vec<Report<'_>> = Vec::with_capacity(2);
    for ((program, dataset), loaded) in [old_program, new_program]
        .into_iter()
        .zip(&datasets)
        .zip([&old, &new])
    {
        let records: Vec<String> = args
            .records
            .iter()
            .filter(|entry| {
                let set = entry
                    .split_once('=')
                    .map_or(entry.as_str(), |(set, _)| set)
                    .trim();
                program.plan.record_sets.iter().any(|s| s.name == set)
            })
            .cloned()
            .collect();
        let aggregates = match eval::aggregate(
            program,
            dataset,
            &records,
            Some(&data_file),
            format,
            &renderer,
        ) {
            Ok(aggregates) => aggregates,
            Err(code) => return code,
        };
        reports.push(evaluate(program, dataset, &aggregates, loaded, &renderer));
    }
    let [old_report, new_report] = reports.as_slice() else {
        return status::FAILED;
    };

    let old_file = args.old.display().to_string();
    let new_file = new_path.display().to_string();
    let comparison = diff::compare(
        &Side {
            report: old_report,
            dataset: &datasets[0],
            sets: &args.old_set,
            file: &old_file,
        },
        &Side {
            report: new_report,
            dataset: &datasets[1],
            sets: &args.new_set,
            file: &new_file,
        },
    );
    for missing in &comparison.missing {
        eprintln!("warning: {}", missing.sentence());
    }

    let mut out = Vec::new();
    let written = match args.format {
        DiffFormat::Table => diff::write_table(&comparison, &mut out),
        DiffFormat::Json => diff::write_json(&comparison, &mut out),
        DiffFormat::Csv => diff::write_csv(&comparison, &mut out),
    };
    let written = written.and_then(|()| match &args.output {
        Some(path) => eval::write_atomically(path, &out),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&out).and_then(|()| stdout.flush())
        }
    });
    if let Err(error) = written
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the diff: {error}");
        return status::USAGE;
    }
    let not_compared = comparison.totals.not_compared;
    if not_compared > 0 {
        let noun = if not_compared == 1 {
            "employee"
        } else {
            "employees"
        };
        eprintln!(
            "{not_compared} {noun} of {} could not be compared; see above",
            comparison.employees.len()
        );
        return status::FAILED;
    }
    status::OK
}

/// Evaluates one side, printing its evaluation errors (the first few:
/// missing inputs are summarised instead, once per input).
fn evaluate<'p>(
    program: &Program<'p>,
    dataset: &Dataset,
    aggregates: &[report::EmployeeAggregates],
    loaded: &load::Loaded,
    renderer: &Renderer,
) -> Report<'p> {
    let mut printed = 0;
    let mut more = 0;
    let file: &SourceFile = &loaded.file;
    let report = report::evaluate(program, dataset, aggregates, |employee, evaluated| {
        if let Evaluated::EvalError(error) = evaluated {
            if printed < MAX_EMPLOYEE_ERRORS {
                let prefix = format!("employee `{}`: ", employee.id);
                eprint!("{}", renderer.render(error, Some(file), Some(&prefix)));
                printed += 1;
            } else {
                more += 1;
            }
        }
    });
    if more > 0 {
        eprintln!(
            "… and {more} more employees that `{}` cannot evaluate",
            file.name()
        );
    }
    report
}
