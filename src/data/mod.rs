//! A period's data → one typed row of inputs per employee (reference §7).
//!
//! The three formats only find rows and cells; what a cell means — which
//! input, what type, the default when it is empty — is decided once, here,
//! for all of them.

mod csv;
mod error;
mod json;
mod records;
mod toml;

pub use error::DataError;
pub use records::{EmployeeIndex, RecordSource, RecordsRead, read_records};

use crate::plan::Plan;
use crate::span::Span;
use crate::suggest;
use crate::value::{self, TextValueError, Type, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// The format of a data file, chosen by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Csv,
    Json,
}

impl Format {
    pub fn from_path(path: &Path) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "toml" => Some(Format::Toml),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// One employee of the data.
#[derive(Clone, Debug)]
pub struct Employee {
    pub id: String,
    pub name: Option<String>,
    /// The employee's row or table in the data file.
    pub span: Span,
    /// A value per input of the plan (defaults applied), or what is wrong.
    pub inputs: Result<Vec<Value>, Vec<DataError>>,
}

/// The employees of a data file, in file order.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    pub employees: Vec<Employee>,
    /// Columns or keys that are no input of the policy.
    pub warnings: Vec<DataError>,
}

/// Where a data file's text comes from: already in memory, or read as it
/// is parsed (CSV only is parsed as a stream; TOML and JSON are read whole).
pub enum Source<'t> {
    Text(&'t str),
    Reader(Box<dyn std::io::Read + 't>),
}

/// Reads the employees of a data file for a plan. Problems of one employee
/// stay with that employee; problems of the file (malformed, duplicate
/// ids) are returned as errors.
pub fn read_employees(plan: &Plan, format: Format, text: &str) -> Result<Dataset, Vec<DataError>> {
    let mut employees = Vec::new();
    let warnings = stream_employees(plan, format, Source::Text(text), |employee| {
        employees.push(employee)
    })?;
    Ok(Dataset {
        employees,
        warnings,
    })
}

/// Reads the employees of a data file one at a time, handing each to
/// `each` as soon as it is read, so that a CSV file of any size needs
/// memory for one row (and 40 bytes an employee to notice duplicate ids).
/// Returns the warnings, or every file-level error; after the first error
/// no more employees are handed on.
pub fn stream_employees(
    plan: &Plan,
    format: Format,
    source: Source<'_>,
    each: impl FnMut(Employee),
) -> Result<Vec<DataError>, Vec<DataError>> {
    let mut builder = DatasetBuilder::new(plan, each);
    let top = read_rows(format, source, "employee", &mut builder)?;
    if !top.found {
        let (expected, help) = match format {
            Format::Toml => (
                "`[[employee]]` tables",
                "each employee is a table: `[[employee]]`, then `id = \"E-001\"` and the inputs",
            ),
            _ => (
                "a key \"employee\" holding a list",
                "the JSON data reads `{\"employee\": [{\"id\": \"E-001\", …}, …]}`",
            ),
        };
        return Err(vec![DataError::NoEmployees {
            span: Span::new(0, 0).into(),
            expected,
            help: Some(help.to_string()),
        }]);
    }
    // Other top-level keys: record sets of the policy, or mistakes.
    for (key, span) in top.keys {
        let is_set = plan.record_sets.iter().any(|set| set.name == key);
        if key != "employee" && !is_set {
            let candidates = plan
                .record_sets
                .iter()
                .map(|set| set.name.as_str())
                .chain(["employee"]);
            let help = suggest::did_you_mean(&key, candidates);
            builder.warnings.push(DataError::UnknownColumn {
                column: key,
                span: span.into(),
                help,
            });
        }
    }
    builder.finish()
}

/// What a format reader found at the top of a TOML or JSON file.
pub(crate) struct TopLevel {
    /// Whether the key asked for is there.
    pub found: bool,
    /// Every top-level key, for warnings about unknown ones.
    pub keys: Vec<(String, Span)>,
}

/// Reads the rows under `key` (TOML, JSON) or all rows (CSV) into `sink`.
pub(crate) fn read_rows(
    format: Format,
    source: Source<'_>,
    key: &str,
    sink: &mut impl RowSink,
) -> Result<TopLevel, Vec<DataError>> {
    if format == Format::Csv {
        let reader: Box<dyn std::io::Read + '_> = match source {
            Source::Text(text) => Box::new(text.as_bytes()),
            Source::Reader(reader) => reader,
        };
        return csv::read(reader, sink).map(|()| TopLevel {
            found: true,
            keys: Vec::new(),
        });
    }
    let owned;
    let text = match source {
        Source::Text(text) => text,
        Source::Reader(mut reader) => {
            let mut text = String::new();
            reader.read_to_string(&mut text).map_err(|error| {
                vec![DataError::Malformed {
                    message: format!("cannot read the file as UTF-8 text: {error}"),
                    span: Span::new(0, 0).into(),
                    help: Some("save it as UTF-8".to_string()),
                }]
            })?;
            owned = text;
            &owned
        }
    };
    match format {
        Format::Toml => toml::read(text, key, sink),
        _ => json::read(text, key, sink),
    }
}

/// Receives the rows a format reader finds: the employee data or a record
/// set, each of which gives the cells their meaning.
pub(crate) trait RowSink {
    type Column: Copy;
    /// What a key or column holds; None for one the policy does not use
    /// (the sink warns about it once).
    fn column(&mut self, key: &str, span: Span) -> Option<Self::Column>;
    fn cell(&mut self, column: Self::Column, raw: Raw<'_>, span: Span);
    /// The columns of a CSV header, once read.
    fn header(&mut self, columns: &[Option<Self::Column>], span: Span) {
        let _ = (columns, span);
    }
    /// Ends the current row, whose whole extent is `span`.
    fn end_row(&mut self, span: Span);
    /// A problem with the file, not one row.
    fn error(&mut self, error: DataError);
}

/// A cell as a format found it, before the policy gives it a type.
#[derive(Clone, Debug)]
pub(crate) enum Raw<'t> {
    /// A number as written: `125000.50`, `1e3`.
    Number(Cow<'t, str>),
    Text(Cow<'t, str>),
    Bool(bool),
    /// An empty CSV cell or JSON `null`: no value, use the default.
    Empty,
    /// Something no input can hold: a table, an array, a date.
    Other(&'static str),
}

impl Raw<'_> {
    pub(crate) fn describe(&self) -> String {
        match self {
            Raw::Number(n) => format!("the number {n}"),
            Raw::Text(t) => format!("the text \"{t}\""),
            Raw::Bool(b) => format!("`{b}`"),
            Raw::Empty => "nothing".to_string(),
            Raw::Other(what) => what.to_string(),
        }
    }
}

/// What a column or key of the employee data holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    Id,
    Name,
    /// An input, by its index in `Plan::inputs`.
    Input(usize),
}

/// Builds employees row by row and hands each on.
pub(crate) struct DatasetBuilder<'p, F> {
    plan: &'p Plan,
    columns: HashMap<&'p str, Column>,
    each: F,
    warnings: Vec<DataError>,
    errors: Vec<DataError>,
    /// A 128-bit hash of every id seen, with where it starts: enough to
    /// find duplicates without keeping the ids (24 bytes an employee).
    ids: HashMap<u128, usize>,
    unknown_reported: HashMap<String, ()>,
    /// A CSV without an `id` column is reported once, not per row.
    missing_id_reported: bool,
    /// The current row's id is reported as wrong already.
    bad_id_reported: bool,
    // The row being read.
    id: Option<(String, Span)>,
    name: Option<String>,
    values: Vec<Option<(Value, Span)>>,
    problems: Vec<RowProblem>,
}

/// A problem with one cell, reported once the row's id is known.
enum RowProblem {
    WrongType {
        input: usize,
        found: String,
        span: Span,
    },
    Invalid {
        input: usize,
        problem: String,
        help: Option<String>,
        span: Span,
    },
}

impl<'p, F: FnMut(Employee)> DatasetBuilder<'p, F> {
    fn new(plan: &'p Plan, each: F) -> Self {
        let mut columns: HashMap<&str, Column> = plan
            .inputs
            .iter()
            .enumerate()
            .map(|(index, input)| (plan.slot(input.slot).name.as_str(), Column::Input(index)))
            .collect();
        // An input named `id` or `name` would be shadowed; the checker does
        // not forbid it, so inputs win for `name` and `id` stays the id.
        columns.insert("id", Column::Id);
        columns.entry("name").or_insert(Column::Name);
        DatasetBuilder {
            plan,
            columns,
            each,
            warnings: Vec::new(),
            errors: Vec::new(),
            ids: HashMap::new(),
            unknown_reported: HashMap::new(),
            missing_id_reported: false,
            bad_id_reported: false,
            id: None,
            name: None,
            values: vec![None; plan.inputs.len()],
            problems: Vec::new(),
        }
    }

    /// A key or column that is no input: a warning, once per name.
    fn unknown_column(&mut self, key: &str, span: Span) {
        if self.unknown_reported.insert(key.to_string(), ()).is_some() {
            return;
        }
        let candidates = self
            .plan
            .inputs
            .iter()
            .map(|input| self.plan.slot(input.slot).name.as_str());
        self.warnings.push(DataError::UnknownColumn {
            column: key.to_string(),
            span: span.into(),
            help: suggest::did_you_mean(key, candidates),
        });
    }

    fn reset_row(&mut self) {
        self.id = None;
        self.bad_id_reported = false;
        self.name = None;
        self.values.iter_mut().for_each(|value| *value = None);
        self.problems.clear();
    }

    fn finish(self) -> Result<Vec<DataError>, Vec<DataError>> {
        if self.errors.is_empty() {
            Ok(self.warnings)
        } else {
            Err(self.errors)
        }
    }
}

/// A 128-bit hash of an id (two SipHashes): a collision between two
/// different ids is beyond any realistic chance.
fn id_key(id: &str) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut hasher);
        id.hash(&mut hasher);
        hasher.finish()
    };
    (u128::from(half(1)) << 64) | u128::from(half(2))
}

impl<F: FnMut(Employee)> RowSink for DatasetBuilder<'_, F> {
    type Column = Column;

    fn header(&mut self, columns: &[Option<Column>], span: Span) {
        if !columns.contains(&Some(Column::Id)) {
            self.errors.push(DataError::NoEmployees {
                span: span.into(),
                expected: "an `id` column",
                help: Some("the first row names the columns: `id,name,revenue,…`".to_string()),
            });
            self.missing_id_reported = true;
        }
    }

    fn column(&mut self, key: &str, span: Span) -> Option<Column> {
        match self.columns.get(key) {
            Some(column) => Some(*column),
            None => {
                self.unknown_column(key, span);
                None
            }
        }
    }

    fn cell(&mut self, column: Column, raw: Raw<'_>, span: Span) {
        match column {
            Column::Id => match raw {
                Raw::Text(text) if !text.trim().is_empty() => {
                    self.id = Some((text.trim().to_string(), span));
                }
                Raw::Number(digits) if digits.chars().all(|c| c.is_ascii_digit()) => {
                    self.id = Some((digits.into_owned(), span));
                }
                Raw::Empty | Raw::Text(_) => {}
                other => {
                    self.errors.push(DataError::BadId {
                        found: other.describe(),
                        span: span.into(),
                    });
                    self.bad_id_reported = true;
                }
            },
            Column::Name => match raw {
                Raw::Text(text) => self.name = Some(text.into_owned()),
                Raw::Number(n) => self.name = Some(n.into_owned()),
                _ => {}
            },
            Column::Input(index) => {
                let ty = self.plan.inputs[index].ty;
                match convert(&raw, ty, &self.plan.currency) {
                    Ok(Some(value)) => self.values[index] = Some((value, span)),
                    Ok(None) => {}
                    Err(Problem::WrongType) => self.problems.push(RowProblem::WrongType {
                        input: index,
                        found: raw.describe(),
                        span,
                    }),
                    Err(Problem::Invalid { problem, help }) => {
                        self.problems.push(RowProblem::Invalid {
                            input: index,
                            problem,
                            help,
                            span,
                        })
                    }
                }
            }
        }
    }

    fn end_row(&mut self, span: Span) {
        let name = self.name.take();
        let Some((id, id_span)) = self.id.take() else {
            if !self.missing_id_reported && !self.bad_id_reported {
                self.errors.push(DataError::MissingId { span: span.into() });
            }
            self.reset_row();
            return;
        };
        let key = id_key(&id);
        if let Some(first) = self.ids.get(&key) {
            self.errors.push(DataError::DuplicateId {
                id: id.clone(),
                span: id_span.into(),
                first: Span::new(*first, *first + id.len()).into(),
            });
        } else {
            self.ids.insert(key, id_span.start);
        }
        let reported: Vec<usize> = self.problems.iter().map(RowProblem::input).collect();
        let mut problems: Vec<DataError> = self
            .problems
            .drain(..)
            .map(|problem| match problem {
                RowProblem::WrongType { input, found, span } => DataError::WrongType {
                    employee: id.clone(),
                    input: input_name(self.plan, input).to_string(),
                    expected: describe_type(self.plan.inputs[input].ty).to_string(),
                    found,
                    span: span.into(),
                },
                RowProblem::Invalid {
                    input,
                    problem,
                    help,
                    span,
                } => DataError::InvalidValue {
                    employee: id.clone(),
                    input: input_name(self.plan, input).to_string(),
                    problem,
                    span: span.into(),
                    help,
                },
            })
            .collect();
        let mut inputs = Vec::with_capacity(self.values.len());
        for (index, input) in self.plan.inputs.iter().enumerate() {
            match (self.values[index].take(), &input.default) {
                (Some((value, _)), _) => inputs.push(value),
                (None, Some(default)) => inputs.push(default.clone()),
                (None, None) => {
                    // A cell with a wrong value is reported as such, not
                    // again as missing.
                    if !reported.contains(&index) {
                        let name = input_name(self.plan, index);
                        problems.push(DataError::MissingValue {
                            employee: id.clone(),
                            input: name.to_string(),
                            span: span.into(),
                            help: Some(format!(
                                "give `{name}` a value for this employee, or a default in the policy: `input {name} : {} = …`",
                                input.ty
                            )),
                        });
                    }
                }
            }
        }
        // After a file-level error no report can be trusted: read on only
        // to find the other errors.
        if self.errors.is_empty() {
            (self.each)(Employee {
                id,
                name,
                span,
                inputs: if problems.is_empty() {
                    Ok(inputs)
                } else {
                    Err(problems)
                },
            });
        }
        self.reset_row();
    }

    fn error(&mut self, error: DataError) {
        self.errors.push(error);
    }
}

fn input_name(plan: &Plan, input: usize) -> &str {
    &plan.slot(plan.inputs[input].slot).name
}

pub(crate) fn describe_type(ty: Type) -> &'static str {
    match ty {
        Type::Money => "an amount of money",
        Type::Number => "a number",
        Type::Percent => "a percentage",
        Type::Count => "a whole number, not negative",
        Type::Bool => "true or false",
        Type::Text => "text",
    }
}

impl RowProblem {
    fn input(&self) -> usize {
        match self {
            RowProblem::WrongType { input, .. } | RowProblem::Invalid { input, .. } => *input,
        }
    }
}

pub(crate) enum Problem {
    WrongType,
    Invalid {
        problem: String,
        help: Option<String>,
    },
}

/// The value of a cell for an input of type `ty`; `None` for an empty cell.
pub(crate) fn convert(raw: &Raw<'_>, ty: Type, currency: &str) -> Result<Option<Value>, Problem> {
    let too_large = || Problem::Invalid {
        problem: "has more digits than kpi can hold exactly".to_string(),
        help: Some("kpi computes exactly with up to 28 significant digits".to_string()),
    };
    match (raw, ty) {
        (Raw::Empty, _) => Ok(None),
        (Raw::Number(text), Type::Money | Type::Number | Type::Percent | Type::Count) => {
            let n = value::parse_decimal(text).ok_or_else(too_large)?;
            if ty == Type::Count {
                let n = value::check_count(n).map_err(|_| not_a_count(text))?;
                return Ok(Some(Value::Num(n)));
            }
            Ok(Some(Value::Num(n)))
        }
        (Raw::Text(text), _) => match value::parse_text_value(text, ty, currency) {
            Ok(value) => Ok(Some(value)),
            Err(TextValueError::Expected(expected)) => Err(Problem::Invalid {
                problem: format!("must be {expected}, not \"{text}\""),
                help: None,
            }),
            Err(TextValueError::WrongCurrency(code)) => Err(Problem::Invalid {
                problem: format!("is in {code}, but the policy pays in {currency}"),
                help: Some("convert the amount to the policy's currency".to_string()),
            }),
            Err(TextValueError::TooLarge) => Err(too_large()),
            Err(TextValueError::NotACount) => Err(not_a_count(text)),
        },
        (Raw::Bool(b), Type::Bool) => Ok(Some(Value::Bool(*b))),
        _ => Err(Problem::WrongType),
    }
}

fn not_a_count(text: &str) -> Problem {
    Problem::Invalid {
        problem: format!("is a count, so whole and not negative, not {text}"),
        help: None,
    }
}

#[cfg(test)]
mod tests;
