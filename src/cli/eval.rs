//! `kpi eval POLICY --data FILE`: evaluate every employee and write the
//! report.

use super::{explain, load, status};
use crate::data::{self, Format};
use crate::diagnostic::{Renderer, SourceFile};
use crate::eval::{self, Overrides};
use crate::plan::{Plan, Role};
use crate::report::{self, Evaluated};
use crate::suggest;
use crate::value::{self, TextValueError, Value};
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

    if let Some(format) = explain_format {
        let (data_file, data_format) = match read_data(&args.data) {
            Ok(read) => read,
            Err(code) => return code,
        };
        let dataset = match data::read_employees(plan, data_format, data_file.text()) {
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
            Some(&data_file),
            data_format,
            &renderer,
        ) {
            Ok(aggregates) => aggregates,
            Err(code) => return code,
        };
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
    report(
        &program,
        &loaded.file,
        &args,
        args.format.unwrap_or(ReportFormat::Table),
        &renderer,
    )
}

/// Evaluates every employee and writes the report as employees come: a CSV
/// data file of a policy without records streams through in chunks, each
/// evaluated on every core; otherwise the employees are read first (their
/// records need them all), then evaluated the same way.
fn report(
    program: &eval::Program<'_>,
    policy_file: &SourceFile,
    args: &Args,
    format: ReportFormat,
    renderer: &Renderer,
) -> u8 {
    let plan = program.plan;
    let Some(data_format) = Format::from_path(&args.data) else {
        eprintln!(
            "error: cannot tell the format of `{}`: name it .toml, .csv or .json",
            args.data.display()
        );
        return status::USAGE;
    };
    let json_rows;
    let csv_rows;
    let rows: Option<&dyn report::RowWriter> = match format {
        ReportFormat::Json => {
            json_rows = report::JsonRows { plan };
            Some(&json_rows)
        }
        ReportFormat::Csv => {
            csv_rows = report::CsvRows { plan };
            Some(&csv_rows)
        }
        _ => None,
    };
    let output = match Output::open(args.output.as_deref()) {
        Ok(output) => output,
        Err(error) => {
            let target = args.output.as_deref().unwrap_or(Path::new("-"));
            eprintln!(
                "error: cannot write the report to `{}`: {}",
                target.display(),
                cannot_create(target, &error)
            );
            return status::USAGE;
        }
    };
    // TOML and JSON are read whole anyway (and must be readable and UTF-8
    // before anything else happens); a CSV file is read again only to show
    // a diagnostic about it.
    let data_file = LazyFile::new(&args.data);
    if data_format != Format::Csv {
        match read_data(&args.data) {
            Ok((file, _)) => data_file.set(file),
            Err(code) => return code,
        }
    }
    let print_error = |employee: &data::Employee, evaluated: &Evaluated| match evaluated {
        Evaluated::DataErrors(errors) => load::print_all(errors, data_file.get(), renderer),
        Evaluated::EvalError(error) => {
            let prefix = format!("employee `{}`: ", employee.id);
            eprint!(
                "{}",
                renderer.render(error, Some(policy_file), Some(&prefix))
            );
        }
        Evaluated::Paid(_) => {}
    };
    let mut pipeline = report::Pipeline::new(program, rows, output);
    let mut written: std::io::Result<()> = Ok(());

    let read = if data_format == Format::Csv && plan.record_sets.is_empty() {
        let file = match std::fs::File::open(&args.data) {
            Ok(file) => file,
            Err(error) => {
                eprintln!("error: cannot read `{}`: {error}", args.data.display());
                return status::USAGE;
            }
        };
        // A reader thread parses the next chunk while the pool evaluates
        // and formats this one.
        std::thread::scope(|scope| {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<data::Employee>>(2);
            let reading = scope.spawn(move || {
                let reader = std::io::BufReader::with_capacity(1 << 16, file);
                let mut chunk = Vec::with_capacity(report::CHUNK);
                let streamed = data::stream_employees(
                    plan,
                    data_format,
                    data::Source::Reader(Box::new(reader)),
                    |employee| {
                        chunk.push(employee);
                        if chunk.len() == report::CHUNK {
                            let full =
                                std::mem::replace(&mut chunk, Vec::with_capacity(report::CHUNK));
                            // The receiver is gone only if writing failed.
                            let _ = sender.send(full);
                        }
                    },
                );
                if streamed.is_ok() && !chunk.is_empty() {
                    let _ = sender.send(chunk);
                }
                streamed
            });
            for chunk in receiver {
                if written.is_ok() {
                    written = pipeline.push(&chunk, &[], &print_error);
                }
            }
            reading.join().unwrap_or_else(|_| {
                Err(vec![data::DataError::Malformed {
                    message: "kpi stopped reading the file unexpectedly".to_string(),
                    span: crate::span::Span::default().into(),
                    help: Some(
                        "please report this with the file to the kpi developers".to_string(),
                    ),
                }])
            })
        })
    } else {
        let dataset = match employees(&args.data, data_format, plan, &data_file) {
            Ok(dataset) => dataset,
            Err(code) => return code,
        };
        let aggregates = match aggregate(
            program,
            &dataset,
            &args.records,
            (data_format != Format::Csv).then(|| data_file.get()),
            data_format,
            renderer,
        ) {
            Ok(aggregates) => aggregates,
            Err(code) => return code,
        };
        for (index, chunk) in dataset.employees.chunks(report::CHUNK).enumerate() {
            let start = index * report::CHUNK;
            let end = (start + chunk.len()).min(aggregates.len());
            let these = aggregates.get(start..end).unwrap_or_default();
            if written.is_ok() {
                written = pipeline.push(chunk, these, &print_error);
            }
        }
        Ok(dataset.warnings)
    };
    match read {
        Ok(warnings) => load::print_all(&warnings, data_file.get_if_needed(&warnings), renderer),
        Err(errors) => {
            load::print_all(&errors, data_file.get(), renderer);
            // A file report is only ever replaced whole; standard output may
            // have had the rows before the error.
            if args.output.is_none() && pipeline.written() > 0 {
                eprintln!(
                    "the report on standard output is incomplete: the data file has errors (use --output FILE to write a report only when it is complete)"
                );
            } else {
                eprintln!("no report was written: the data file has errors");
            }
            return status::FAILED;
        }
    }
    let finished = written.and_then(|()| pipeline.finish());
    let (totals, kept, output) = match finished {
        Ok(done) => done,
        Err(error) => return write_failed(&error),
    };
    let mut output = output;
    if rows.is_none() {
        let report = report::Report {
            plan,
            employees: kept,
        };
        if let Err(error) = report::write_table(&report, &mut output) {
            return write_failed(&error);
        }
    }
    if let Err(error) = output.commit() {
        return write_failed(&error);
    }
    if totals.errors > 0 {
        let noun = if totals.errors == 1 {
            "employee"
        } else {
            "employees"
        };
        eprintln!(
            "{} {noun} of {} could not be evaluated; see the errors above",
            totals.errors, totals.employees
        );
        return status::FAILED;
    }
    status::OK
}

/// Why a file could not be created, in terms of the path the user gave (the
/// error itself names the temporary file).
pub(super) fn cannot_create(path: &Path, error: &std::io::Error) -> String {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            format!("the folder `{}` does not exist", dir.display())
        }
        _ => error.kind().to_string(),
    }
}

fn write_failed(error: &std::io::Error) -> u8 {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        return status::OK;
    }
    eprintln!("error: cannot write the report: {error}");
    status::USAGE
}

/// Reads all employees: a CSV file as a stream, TOML and JSON whole.
fn employees(
    path: &Path,
    format: Format,
    plan: &Plan,
    file: &LazyFile,
) -> Result<data::Dataset, u8> {
    let source = match format {
        Format::Csv => match std::fs::File::open(path) {
            Ok(opened) => data::Source::Reader(Box::new(std::io::BufReader::new(opened))),
            Err(error) => {
                eprintln!("error: cannot read `{}`: {error}", path.display());
                return Err(status::USAGE);
            }
        },
        _ => data::Source::Text(file.get().text()),
    };
    let mut employees = Vec::new();
    match data::stream_employees(plan, format, source, |employee| employees.push(employee)) {
        Ok(warnings) => Ok(data::Dataset {
            employees,
            warnings,
        }),
        Err(errors) => {
            load::print_all(&errors, file.get(), &Renderer::for_stderr());
            Err(status::FAILED)
        }
    }
}

/// A data file read from disk only when it is needed: to parse TOML or
/// JSON, or to show a diagnostic about a CSV file that was streamed.
pub(super) struct LazyFile {
    path: PathBuf,
    file: std::cell::OnceCell<SourceFile>,
}

impl LazyFile {
    pub(super) fn new(path: &Path) -> Self {
        LazyFile {
            path: path.to_path_buf(),
            file: std::cell::OnceCell::new(),
        }
    }

    fn set(&self, file: SourceFile) {
        // Set once, before any `get`.
        let _ = self.file.set(file);
    }

    pub(super) fn get(&self) -> &SourceFile {
        self.file.get_or_init(|| {
            let bytes = std::fs::read(&self.path).unwrap_or_default();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            SourceFile::new(self.path.display().to_string(), text)
        })
    }

    /// The file if there is anything to show about it.
    fn get_if_needed<T>(&self, diagnostics: &[T]) -> &SourceFile {
        if diagnostics.is_empty() {
            static EMPTY: std::sync::OnceLock<SourceFile> = std::sync::OnceLock::new();
            return EMPTY.get_or_init(|| SourceFile::new("", String::new()));
        }
        self.get()
    }
}

/// Records handed from the reader thread to the aggregator at a time.
const RECORD_BATCH: usize = 8192;

/// Records in one flat vector: no allocation per record.
struct RecordBatch {
    width: usize,
    employees: Vec<usize>,
    fields: Vec<Value>,
}

impl RecordBatch {
    fn new(width: usize) -> Self {
        RecordBatch {
            width,
            employees: Vec::with_capacity(RECORD_BATCH),
            fields: Vec::with_capacity(RECORD_BATCH * width),
        }
    }

    fn push(&mut self, employee: usize, fields: &[Value]) {
        self.employees.push(employee);
        self.fields.extend_from_slice(fields);
    }

    /// Each record's employee and fields (`width` fields a record).
    fn iter(&self) -> impl Iterator<Item = (usize, &[Value])> {
        self.employees
            .iter()
            .enumerate()
            .map(move |(index, employee)| {
                let start = index * self.width;
                let fields = self
                    .fields
                    .get(start..start + self.width)
                    .unwrap_or_default();
                (*employee, fields)
            })
    }
}

/// A record source that can go to the reader thread.
enum Opened<'t> {
    File(std::fs::File),
    Text(&'t str),
}

impl<'t> Opened<'t> {
    fn source(self) -> data::Source<'t> {
        match self {
            Opened::File(file) => {
                data::Source::Reader(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
            }
            Opened::Text(text) => data::Source::Text(text),
        }
    }
}

/// A file to show diagnostics against: read already, or when needed.
enum Shown<'a> {
    Lazy(&'a LazyFile),
    Loaded(&'a SourceFile),
}

impl<'a> Shown<'a> {
    fn get(&self) -> &'a SourceFile {
        match self {
            Shown::Lazy(file) => file.get(),
            Shown::Loaded(file) => file,
        }
    }
}

/// Where the report goes: standard output, or a temporary file beside the
/// target that replaces it only once the report is complete.
enum Output {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        temp: std::io::BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl Output {
    fn open(path: Option<&Path>) -> std::io::Result<Output> {
        Ok(match path {
            None => Output::Stdout(std::io::BufWriter::with_capacity(
                1 << 16,
                std::io::stdout(),
            )),
            Some(path) => {
                let dir = match path.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                Output::File {
                    temp: std::io::BufWriter::with_capacity(
                        1 << 16,
                        tempfile::NamedTempFile::new_in(dir)?,
                    ),
                    path: path.to_path_buf(),
                }
            }
        })
    }

    /// Makes the report final: flushed, and for a file renamed into place.
    fn commit(self) -> std::io::Result<()> {
        match self {
            Output::Stdout(mut out) => out.flush(),
            Output::File { temp, path } => {
                let temp = temp.into_inner().map_err(|e| e.into_error())?;
                put_in_place(temp, &path)
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self {
            Output::Stdout(out) => out.write(bytes),
            Output::File { temp, .. } => temp.write(bytes),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Output::Stdout(out) => out.flush(),
            Output::File { temp, .. } => temp.flush(),
        }
    }
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
    data_file: Option<&SourceFile>,
    data_format: Format,
    renderer: &Renderer,
) -> Result<Vec<report::EmployeeAggregates>, u8> {
    let plan = program.plan;
    let mut files: Vec<Option<(LazyFile, Format)>> =
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
        if let Err(error) = std::fs::metadata(path) {
            eprintln!("error: cannot read `{}`: {error}", path.display());
            return Err(status::USAGE);
        }
        files[set] = Some((LazyFile::new(path), format));
    }
    if plan.record_sets.is_empty() {
        return Ok(Vec::new());
    }
    let ids = data::EmployeeIndex::new(&dataset.employees);
    let mut aggregator = eval::Aggregator::new(program, dataset.employees.len());
    // Where each set's records come from: their own file, or a TOML or
    // JSON data file that holds them too.
    let mut sources = Vec::new();
    for (set, file) in files.iter().enumerate() {
        let set_name = &plan.record_sets[set].name;
        let source: (usize, Opened<'_>, Format, Shown<'_>) = match (file, data_file) {
            (Some((file, format)), _) => match std::fs::File::open(&file.path) {
                Ok(opened) => (set, Opened::File(opened), *format, Shown::Lazy(file)),
                Err(error) => {
                    eprintln!("error: cannot read `{}`: {error}", file.path.display());
                    return Err(status::USAGE);
                }
            },
            (None, Some(data_file)) => (
                set,
                Opened::Text(data_file.text()),
                data_format,
                Shown::Loaded(data_file),
            ),
            (None, None) => {
                eprintln!(
                    "warning: no records of `{set_name}` given (use `--records {set_name}=FILE`): every employee has none"
                );
                continue;
            }
        };
        sources.push(source);
    }
    // One reader thread per set parses and types its records, in batches;
    // this thread aggregates them all, as they come.
    let results = std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<(usize, RecordBatch)>(4);
        let ids = &ids;
        let mut readers = Vec::new();
        let mut shown = Vec::new();
        for (set, opened, format, file) in sources {
            let sender = sender.clone();
            let width = plan.record_sets[set].fields.len();
            shown.push((set, file));
            readers.push(scope.spawn(move || {
                let source = data::RecordSource {
                    set,
                    format,
                    source: opened.source(),
                };
                let mut batch = RecordBatch::new(width);
                let read = data::read_records(plan, source, ids, |employee, fields| {
                    batch.push(employee, fields);
                    if batch.employees.len() == RECORD_BATCH {
                        let full = std::mem::replace(&mut batch, RecordBatch::new(width));
                        let _ = sender.send((set, full));
                    }
                });
                let _ = sender.send((set, batch));
                read
            }));
        }
        drop(sender);
        for (set, batch) in receiver {
            for (employee, fields) in batch.iter() {
                if let Ok(inputs) = &dataset.employees[employee].inputs {
                    aggregator.add(employee, set, fields, inputs);
                }
            }
        }
        readers
            .into_iter()
            .map(|reader| {
                reader.join().unwrap_or_else(|_| {
                    Err(vec![data::DataError::Malformed {
                        message: "kpi stopped reading the records unexpectedly".to_string(),
                        span: crate::span::Span::default().into(),
                        help: Some(
                            "please report this with the file to the kpi developers".to_string(),
                        ),
                    }])
                })
            })
            .zip(shown)
            .collect::<Vec<_>>()
    });
    let mut failed = false;
    for (read, (set, shown)) in results {
        let set_name = &plan.record_sets[set].name;
        match read {
            Ok(read) => {
                if !read.warnings.is_empty() {
                    load::print_all(&read.warnings, shown.get(), renderer);
                }
                if !read.found {
                    eprintln!(
                        "warning: `{}` holds no records of `{set_name}` (use `--records {set_name}=FILE`): every employee has none",
                        shown.get().name(),
                    );
                }
            }
            Err(errors) => {
                load::print_all(&errors, shown.get(), renderer);
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
        // Written as in a policy, `45_000`: the digit separators go.
        let text = &without_digit_separators(text);
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
        // `--set min_attainment=75` almost always means 75%, not 7,500%.
        if ty == crate::value::Type::Percent
            && !text.trim_end().ends_with('%')
            && value
                .as_num()
                .is_some_and(|n| n > rust_decimal::Decimal::ONE)
        {
            return Err(format!(
                "`{flag} {name}={text}`: `{name}` is a percentage; write `{}%` for {0} percent (a plain number is a fraction: `0.75` is 75%)",
                text.trim()
            ));
        }
        overrides.params.retain(|(s, _)| *s != slot);
        overrides.params.push((slot, value));
    }
    Ok(overrides)
}

/// `45_000` → `45000`: underscores between digits, as policies write them.
fn without_digit_separators(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|(index, c)| {
            let between_digits = **c == '_'
                && index
                    .checked_sub(1)
                    .and_then(|i| chars.get(i))
                    .is_some_and(char::is_ascii_digit)
                && chars.get(index + 1).is_some_and(char::is_ascii_digit);
            !between_digits
        })
        .map(|(_, c)| *c)
        .collect()
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
    put_in_place(temp, path)
}

/// Renames a complete temporary file over `path`. A report is a file like
/// any other: it gets the permissions of the file it replaces, or those
/// of a new file (temporary files are private to their owner).
pub(super) fn put_in_place(temp: tempfile::NamedTempFile, path: &Path) -> std::io::Result<()> {
    let permissions = match std::fs::metadata(path) {
        Ok(existing) => existing.permissions(),
        Err(_) => new_file_permissions(temp.as_file())?,
    };
    temp.as_file().set_permissions(permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}
