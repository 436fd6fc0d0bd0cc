//! `kpi eval POLICY --data FILE --explain`: a statement per employee of how
//! the payout was reached. The work is done by `crate::explain`; this file
//! picks the employees, streams the statements out and reports errors.

use super::status;
use crate::data::Dataset;
use crate::diagnostic::{Renderer, SourceFile};
use crate::eval::Program;
use crate::explain::{self, Explainer, JsonWriter, Options, Unexplained, Workspace};
use crate::plan::Slot;
use crate::report::{self, EmployeeAggregates};
use crate::suggest;
use rayon::prelude::*;
use std::io::{BufWriter, Write};
use std::path::Path;

#[derive(Clone, Copy, Debug)]
pub(super) enum Format {
    Text,
    Json,
    Markdown,
}

pub(super) struct Request<'a> {
    pub format: Format,
    /// Ids asked for with `--employee`; empty for everyone.
    pub employees: &'a [String],
    pub output: Option<&'a Path>,
    /// Params set with `--set`.
    pub overridden: Vec<Slot>,
}

pub(super) fn run(
    program: &Program<'_>,
    policy: &SourceFile,
    dataset: &Dataset,
    aggregates: &[EmployeeAggregates],
    data_file: &SourceFile,
    renderer: &Renderer,
    request: Request<'_>,
) -> u8 {
    let chosen = match choose(dataset, request.employees) {
        Ok(chosen) => chosen,
        Err(message) => {
            eprintln!("error: {message}");
            return status::USAGE;
        }
    };
    let options = Options {
        next_tier: true,
        overridden: request.overridden,
    };
    let explainer = Explainer::new(program, policy.text(), options);

    // Statements are streamed: 100,000 of them need not fit in memory.
    // `--output` goes to a temporary file renamed at the end.
    let mut temp = None;
    let sink: Box<dyn Write> = match request.output {
        Some(path) => {
            let dir = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            match tempfile::NamedTempFile::new_in(dir) {
                Ok(file) => {
                    let writer = file.as_file().try_clone();
                    temp = Some(file);
                    match writer {
                        Ok(writer) => Box::new(writer),
                        Err(error) => return cannot_write(&error),
                    }
                }
                Err(error) => return cannot_write(&error),
            }
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 16, sink);

    let mut errors = 0;
    let mut json = JsonWriter::new();
    let mut written = match request.format {
        Format::Json => json.begin(&explainer, &mut out),
        Format::Text | Format::Markdown => Ok(()),
    };
    // Statements are built on every core, a chunk at a time, and written
    // in order.
    let format = request.format;
    for (number, chunk) in chosen.chunks(report::CHUNK).enumerate() {
        if written.is_err() {
            break;
        }
        let first = number * report::CHUNK;
        let done: Vec<(Option<explain::Explanation<'_>>, Vec<u8>)> = chunk
            .par_iter()
            .enumerate()
            .map_init(
                || Workspace::new(&explainer),
                |work, (offset, &index)| {
                    let employee = &dataset.employees[index];
                    let explanation = explainer.explain(employee, aggregates.get(index), work);
                    let mut bytes = Vec::new();
                    // INVARIANT: writing into memory cannot fail.
                    let _ = match format {
                        Format::Text => explain::write_text(&explainer, &explanation, &mut bytes),
                        Format::Markdown => {
                            explain::write_markdown(&explainer, &explanation, &mut bytes)
                        }
                        Format::Json => JsonWriter::nth(first + offset).employee(
                            &explainer,
                            &explanation,
                            &mut bytes,
                        ),
                    };
                    (explanation.has_error().then_some(explanation), bytes)
                },
            )
            .collect();
        for (failed, bytes) in done {
            if let Some(explanation) = failed {
                errors += 1;
                report_error(&explanation, policy, data_file, renderer);
            }
            if written.is_ok() {
                written = out.write_all(&bytes);
            }
        }
    }
    if let Format::Json = request.format {
        written = written.and_then(|()| json.end(errors, &mut out));
    }
    let written = written.and_then(|()| out.flush());
    drop(out);
    let written = written.and_then(|()| match temp {
        Some(file) => super::eval::put_in_place(file, request.output.unwrap_or(Path::new("."))),
        None => Ok(()),
    });
    if let Err(error) = written
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        return cannot_write(&error);
    }
    if errors > 0 {
        let noun = if errors == 1 { "employee" } else { "employees" };
        eprintln!(
            "{errors} {noun} of {} could not be evaluated; see the errors above",
            chosen.len()
        );
        return status::FAILED;
    }
    status::OK
}

fn cannot_write(error: &std::io::Error) -> u8 {
    eprintln!("error: cannot write the explanation: {error}");
    status::USAGE
}

/// Indexes of the employees to explain: those asked for, in the order
/// asked, or everyone in data order.
fn choose(dataset: &Dataset, ids: &[String]) -> Result<Vec<usize>, String> {
    if ids.is_empty() {
        return Ok((0..dataset.employees.len()).collect());
    }
    let mut chosen = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        match dataset.employees.iter().position(|e| e.id == id) {
            Some(index) => {
                if !chosen.contains(&index) {
                    chosen.push(index);
                }
            }
            None => {
                let known = dataset.employees.iter().map(|e| e.id.as_str());
                let hint = suggest::did_you_mean(id, known)
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                return Err(format!(
                    "`--employee {id}`: the data has no employee `{id}`{hint}"
                ));
            }
        }
    }
    Ok(chosen)
}

fn report_error(
    explanation: &explain::Explanation<'_>,
    policy: &SourceFile,
    data_file: &SourceFile,
    renderer: &Renderer,
) {
    let prefix = format!("employee `{}`: ", explanation.id);
    match &explanation.body {
        Err(Unexplained::Data(errors)) => super::load::print_all(errors, data_file, renderer),
        Err(Unexplained::Records(error)) => {
            eprint!("{}", renderer.render(*error, Some(policy), Some(&prefix)));
        }
        Ok(statement) => {
            if let Some(error) = &statement.error {
                eprint!("{}", renderer.render(error, Some(policy), Some(&prefix)));
            }
        }
    }
}
