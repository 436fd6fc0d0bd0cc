//! Errors in data files. Spans point into the data file.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum DataError {
    #[error("the data file is malformed: {message}")]
    #[diagnostic(code(kpi::data::malformed))]
    Malformed {
        message: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("the data has no employees list")]
    #[diagnostic(code(kpi::data::no_employees))]
    NoEmployees {
        #[label("expected {expected}")]
        span: SourceSpan,
        expected: &'static str,
        #[help]
        help: Option<String>,
    },

    #[error("an employee has no `id`")]
    #[diagnostic(
        code(kpi::data::missing_id),
        help("every employee needs a unique `id`, such as \"E-001\"")
    )]
    MissingId {
        #[label("this employee has no id")]
        span: SourceSpan,
    },

    #[error("an employee's `id` must be text or a whole number, not {found}")]
    #[diagnostic(code(kpi::data::bad_id))]
    BadId {
        found: String,
        #[label("not an id")]
        span: SourceSpan,
    },

    #[error("employee `{id}` appears twice")]
    #[diagnostic(
        code(kpi::data::duplicate_id),
        help("every employee's id is unique; merge the two rows or correct one id")
    )]
    DuplicateId {
        id: String,
        #[label("again here")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("employee `{employee}` has no value for `{input}`, which has no default")]
    #[diagnostic(code(kpi::data::missing_value))]
    MissingValue {
        employee: String,
        input: String,
        #[label("`{input}` is missing for `{employee}`")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("employee `{employee}`: `{input}` must be {expected}, not {found}")]
    #[diagnostic(code(kpi::data::wrong_type))]
    WrongType {
        employee: String,
        input: String,
        expected: String,
        found: String,
        #[label("{found}")]
        span: SourceSpan,
    },

    #[error("employee `{employee}`: `{input}` {problem}")]
    #[diagnostic(code(kpi::data::invalid_value))]
    InvalidValue {
        employee: String,
        input: String,
        problem: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{column}` is not an input of the policy; it is ignored")]
    #[diagnostic(code(kpi::data::unknown_column), severity(Warning))]
    UnknownColumn {
        column: String,
        #[label("not used")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("a `{set}` record belongs to employee `{employee}`, who is not in the employee data")]
    #[diagnostic(
        code(kpi::data::unknown_employee),
        help("add the employee to the employee data, or correct the record's `employee`")
    )]
    UnknownEmployee {
        set: String,
        employee: String,
        #[label("no employee `{employee}`")]
        span: SourceSpan,
    },

    #[error("a `{set}` record has no `employee`")]
    #[diagnostic(
        code(kpi::data::missing_employee),
        help("every record names the employee it belongs to: `employee = \"E-001\"`")
    )]
    MissingEmployee {
        set: String,
        #[label("whose record is this?")]
        span: SourceSpan,
    },

    #[error("a `{set}` record: `{field}` {problem}")]
    #[diagnostic(code(kpi::data::invalid_record))]
    InvalidRecord {
        set: String,
        field: String,
        problem: String,
        #[label("here")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },
}

/// A message of a TOML, CSV or JSON library in kpi's style: one line, a
/// lowercase start (unless it starts with an acronym), no final period.
pub(crate) fn plain(message: &str) -> String {
    let joined = message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let trimmed = joined.trim_end_matches('.');
    let mut chars = trimmed.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => first
            .to_lowercase()
            .chain(trimmed[first.len_utf8()..].chars())
            .collect(),
        _ => trimmed.to_string(),
    }
}

impl DataError {
    /// The stable code, as written into reports.
    pub fn code(&self) -> String {
        Diagnostic::code(self).map_or_else(String::new, |code| code.to_string())
    }
}
