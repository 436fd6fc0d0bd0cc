//! `kpi eval POLICY --data FILE`: evaluate every employee and write the
//! report.

use super::{explain, load, status};
use crate::data::{self, Format};
use crate::diagnostic::{Renderer, SourceFile};
use crate::eval::{self, Overrides};
use crate::plan::{Plan, Role};
use crate::report::{self, Evaluated};
use crate::suggest;
use crate::value::{self, TextValueError};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// An aligned table for people (money with thousands separators).
    Table,
    /// The JSON report of the language reference, section 8.
    Json,
    /// One row per employee, values exact.
    Csv,
    /// With `--explain`: a statement for people (the default there).
    Text,
    /// With `--explain`: a statement to paste into a message or a wiki.
    Markdown,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The policy (.kpi file).
    policy: PathBuf,
    /// The period's data: a .toml, .csv or .json file.
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// How to write the report: table (the default), json or csv; with
    /// `--explain`, text (the default), json or markdown.
    #[arg(long, value_enum)]
    format: Option<ReportFormat>,
    /// Explains each employee's payout step by step instead of the report:
    /// every formula as written and with the employee's values, the arm of
    /// each table that applied, gates, cap, rounding, and what it would
    /// take to reach the next tier.
    #[arg(long)]
    explain: bool,
    /// With `--explain`: only this employee (by id; repeatable).
    #[arg(long, value_name = "ID", requires = "explain")]
    employee: Vec<String>,
    /// Activity records of a record set from a file, e.g.
    /// `--records deals=deals.csv` (repeatable). Without it, a TOML or
    /// JSON data file may hold them under the set's name.
    #[arg(long = "records", value_name = "SET=FILE")]
    records: Vec<String>,
    /// Overrides a param for this run, e.g. `--set rate=10%` (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Writes the report to FILE (atomically: all of it or nothing)
    /// instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> u8 {
    let explain_format = match (args.explain, args.format) {
        (false, Some(ReportFormat::Text | ReportFormat::Markdown)) => {
            eprintln!("error: `--format text` and `--format markdown` go with `--explain`");
            return status::USAGE;
        }
        (true, None | Some(ReportFormat::Text)) => Some(explain::Format::Text),
        (true, Some(ReportFormat::Json)) => Some(explain::Format::Json),
        (true, Some(ReportFormat::Markdown)) => Some(explain::Format::Markdown),
        (true, Some(ReportFormat::Table | ReportFormat::Csv)) => {
            eprintln!("error: with `--explain`, `--format` is text, json or markdown");
            return status::USAGE;
        }
        (false, _) => None,
    };
    let renderer = Renderer::for_stderr();
    let loaded = match load::policy(&args.policy, &renderer) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let plan = &loaded.plan;
    let overrides = match overrides(plan, "--set", &args.set) {
        Ok(overrides) => overrides,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let program = match eval::bind(plan, &overrides) {
        Ok(program) => program,
        Err(errors) => {
            load::print_all(&errors, &loaded.file, &renderer);
            return status::FAILED;
        }
    };

    let (data_file, format) = match read_data(&args.data) {
        Ok(read) => read,
        Err(code) => return code,
    };
    let dataset = match data::read_employees(plan, format, data_file.text()) {
        Ok(dataset) => dataset,
        Err(errors) => {
            load::print_all(&errors, &data_file, &renderer);
            return status::FAILED;
        }
    };
    load::print_all(&dataset.warnings, &data_file, &renderer);

    let aggregates = match aggregate(
        &program,
        &dataset,
        &args.records,
        &data_file,
        format,
        &renderer,
    ) {
        Ok(aggregates) => aggregates,
        Err(code) => return code,
    };
    if let Some(format) = explain_format {
        let request = explain::Request {
            format,
            employees: &args.employee,
            output: args.output.as_deref(),
            overridden: overrides.params.iter().map(|(slot, _)| *slot).collect(),
        };
        return explain::run(
            &program,
            &loaded.file,
            &dataset,
            &aggregates,
            &data_file,
            &renderer,
            request,
        );
    }
    let report =
        report::evaluate(
            &program,
            &dataset,
            &aggregates,
            |employee, evaluated| match evaluated {
                Evaluated::DataErrors(errors) => load::print_all(errors, &data_file, &renderer),
                Evaluated::EvalError(error) => {
                    let prefix = format!("employee `{}`: ", employee.id);
                    eprint!(
                        "{}",
                        renderer.render(error, Some(&loaded.file), Some(&prefix))
                    );
                }
                Evaluated::Paid(_) => {}
            },
        );

    let mut out = Vec::new();
    let written = match args.format.unwrap_or(ReportFormat::Table) {
        ReportFormat::Json => report::write_json(&report, &mut out),
        ReportFormat::Csv => report::write_csv(&report, &mut out),
        ReportFormat::Table | ReportFormat::Text | ReportFormat::Markdown => {
            report::write_table(&report, &mut out)
        }
    };
    let written = written.and_then(|()| match &args.output {
        Some(path) => write_atomically(path, &out),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&out).and_then(|()| stdout.flush())
        }
    });
    if let Err(error) = written
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {error}");
        return status::USAGE;
    }
    let errors = report.error_count();
    if errors > 0 {
        let noun = if errors == 1 { "employee" } else { "employees" };
        eprintln!(
            "{errors} {noun} of {} could not be evaluated; see the errors above",
            report.employees.len()
        );
        return status::FAILED;
    }
    status::OK
}

/// Reads the data file: its text (UTF-8) and its format, by extension.
pub(super) fn read_data(path: &Path) -> Result<(SourceFile, Format), u8> {
    let Some(format) = Format::from_path(path) else {
        eprintln!(
            "error: cannot tell the format of `{}`: name it .toml, .csv or .json",
            path.display()
        );
        return Err(status::USAGE);
    };
    let bytes = load::read(path)?;
    let data_name = path.display().to_string();
    match String::from_utf8(bytes) {
        Ok(text) => Ok((SourceFile::new(&data_name, text), format)),
        Err(error) => {
            let at = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            let file = SourceFile::new(&data_name, text);
            let (line, column) = file.line_column(at);
            eprintln!(
                "error: `{data_name}` is not UTF-8 text (line {line}, column {column}); save it as UTF-8"
            );
            Err(status::FAILED)
        }
    }
}

/// Reads every record set's records (from `--records` files, else from a
/// TOML or JSON data file) and aggregates them per employee.
pub(super) fn aggregate(
    program: &eval::Program<'_>,
    dataset: &data::Dataset,
    records: &[String],
    data_file: &SourceFile,
    data_format: Format,
    renderer: &Renderer,
) -> Result<Vec<report::EmployeeAggregates>, u8> {
    let plan = program.plan;
    let mut files: Vec<Option<(SourceFile, Format)>> =
        plan.record_sets.iter().map(|_| None).collect();
    for entry in records {
        let Some((name, path)) = entry.split_once('=') else {
            eprintln!("error: `--records {entry}`: write `--records SET=FILE`");
            return Err(status::USAGE);
        };
        let Some(set) = plan.record_sets.iter().position(|s| s.name == name.trim()) else {
            let names = || plan.record_sets.iter().map(|s| s.name.as_str());
            let hint = suggest::did_you_mean(name.trim(), names())
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            eprintln!(
                "error: `--records {entry}`: the policy declares no records `{}`{hint}",
                name.trim()
            );
            return Err(status::USAGE);
        };
        let path = Path::new(path);
        let Some(format) = Format::from_path(path) else {
            eprintln!(
                "error: cannot tell the format of `{}`: name it .toml, .csv or .json",
                path.display()
            );
            return Err(status::USAGE);
        };
        let bytes = load::read(path)?;
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!(
                "error: `{}` is not UTF-8 text; save it as UTF-8",
                path.display()
            );
            return Err(status::FAILED);
        };
        files[set] = Some((SourceFile::new(path.display().to_string(), text), format));
    }
    if plan.record_sets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: std::collections::HashMap<&str, usize> = dataset
        .employees
        .iter()
        .enumerate()
        .map(|(index, employee)| (employee.id.as_str(), index))
        .collect();
    let mut aggregator = eval::Aggregator::new(program, dataset.employees.len());
    let mut failed = false;
    for (set, file) in files.iter().enumerate() {
        let (file, format) = match file {
            Some((file, format)) => (file, *format),
            None if data_format != Format::Csv => (data_file, data_format),
            None => {
                eprintln!(
                    "warning: no records of `{0}` given (use `--records {0}=FILE`): every employee has none",
                    plan.record_sets[set].name
                );
                continue;
            }
        };
        let source = data::RecordSource {
            set,
            format,
            source: data::Source::Text(file.text()),
        };
        let read = data::read_records(plan, source, &ids, |employee, fields| {
            if let Ok(inputs) = &dataset.employees[employee].inputs {
                aggregator.add(employee, set, fields, inputs);
            }
        });
        match read {
            Ok(read) => {
                load::print_all(&read.warnings, file, renderer);
                if !read.found {
                    eprintln!(
                        "warning: `{}` holds no records of `{1}` (use `--records {1}=FILE`): every employee has none",
                        file.name(),
                        plan.record_sets[set].name
                    );
                }
            }
            Err(errors) => {
                load::print_all(&errors, file, renderer);
                failed = true;
            }
        }
    }
    if failed {
        return Err(status::FAILED);
    }
    Ok(aggregator.finish())
}

/// `--set NAME=VALUE` pairs as param overrides; `flag` is the option's
/// name, for messages (`--set`, `--old-set`, `--new-set`).
pub(super) fn overrides(plan: &Plan, flag: &str, sets: &[String]) -> Result<Overrides, String> {
    let mut overrides = Overrides::default();
    for set in sets {
        let Some((name, text)) = set.split_once('=') else {
            return Err(format!("`{flag} {set}`: write `{flag} NAME=VALUE`"));
        };
        let name = name.trim();
        let params = || {
            plan.slots
                .iter()
                .filter(|s| s.role == Role::Param)
                .map(|s| s.name.as_str())
        };
        let slot = match plan.slot_named(name) {
            Some(slot) if plan.slot(slot).role == Role::Param => slot,
            Some(slot) => {
                return Err(format!(
                    "`{flag} {name}=…`: `{name}` is {} {}, and only params can be set",
                    if plan.slot(slot).role == Role::Input {
                        "an"
                    } else {
                        "a"
                    },
                    plan.slot(slot).role.keyword()
                ));
            }
            None => {
                let hint = suggest::did_you_mean(name, params())
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                let list: Vec<&str> = params().collect();
                let known = if list.is_empty() {
                    "the policy has no params".to_string()
                } else {
                    format!("its params are {}", list.join(", "))
                };
                return Err(format!(
                    "`{flag} {name}=…`: the policy has no param `{name}`{hint}; {known}"
                ));
            }
        };
        let ty = plan.slot(slot).ty;
        let value = value::parse_text_value(text, ty, &plan.currency).map_err(|error| {
            let why = match error {
                TextValueError::Expected(expected) => format!("expected {expected}"),
                TextValueError::WrongCurrency(code) => {
                    format!("{code} is not the policy's currency ({})", plan.currency)
                }
                TextValueError::TooLarge => "the number has too many digits".to_string(),
                TextValueError::NotACount => "a count is whole and not negative".to_string(),
            };
            format!("`{flag} {name}={text}`: {why} (`{name}` is {ty})")
        })?;
        overrides.params.retain(|(s, _)| *s != slot);
        overrides.params.push((slot, value));
    }
    Ok(overrides)
}

/// Writes to a temporary file beside `path`, then renames it over `path`,
/// so that readers never see half a report.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}
