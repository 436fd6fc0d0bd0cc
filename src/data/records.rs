//! Activity records (reference §10): rows of a record set, each naming the
//! employee it belongs to, typed by the set's fields. Records are handed to
//! a sink one at a time and not kept, so memory does not grow with their
//! number.

use super::{DataError, Format, Problem, Raw, RowSink, Source, convert, describe_type, read_rows};
use crate::plan::{Plan, RecordSet};
use crate::span::Span;
use crate::suggest;
use crate::value::{Type, Value};
use rustc_hash::FxHashMap;
use std::collections::HashSet;
use std::sync::Arc;

/// Where the records of one set come from.
pub struct RecordSource<'t> {
    /// Index into `Plan::record_sets`.
    pub set: usize,
    pub format: Format,
    pub source: Source<'t>,
}

/// Each employee's index by id, for matching records to employees (FxHash:
/// ids are looked up once a record, and this is the records' hot path).
pub struct EmployeeIndex<'d> {
    by_id: FxHashMap<&'d str, usize>,
}

impl<'d> EmployeeIndex<'d> {
    pub fn new(employees: &'d [super::Employee]) -> Self {
        EmployeeIndex {
            by_id: employees
                .iter()
                .enumerate()
                .map(|(index, employee)| (employee.id.as_str(), index))
                .collect(),
        }
    }

    pub fn get(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

/// What reading a record set found.
#[derive(Debug, Default)]
pub struct RecordsRead {
    /// False when a TOML or JSON file has no key for the set.
    pub found: bool,
    pub count: usize,
    pub warnings: Vec<DataError>,
}

/// Reads the records of one set. `employees` maps each id of the employee
/// data to its index; `sink` gets each record's employee index and field
/// values (in the set's field order, defaults applied).
pub fn read_records(
    plan: &Plan,
    source: RecordSource<'_>,
    employees: &EmployeeIndex<'_>,
    sink: impl FnMut(usize, &[Value]),
) -> Result<RecordsRead, Vec<DataError>> {
    let Some(set) = plan.record_sets.get(source.set) else {
        return Ok(RecordsRead::default());
    };
    // Text fields no aggregate reads need no work: any text is valid.
    let mut read_by_aggregates = vec![false; set.fields.len()];
    for aggregate in plan.aggregates.iter().filter(|a| a.set == source.set) {
        for expr in aggregate.value.iter().chain(aggregate.filter.iter()) {
            mark_fields(expr, &mut read_by_aggregates);
        }
    }
    let skipped: Vec<bool> = set
        .fields
        .iter()
        .zip(&read_by_aggregates)
        .map(|(field, read)| !read && field.ty == Type::Text)
        .collect();
    let mut builder = RecordBuilder {
        set,
        skipped,
        unread: Value::Text(Arc::from("")),
        currency: &plan.currency,
        employees,
        sink,
        employee: String::new(),
        employee_span: None,
        values: vec![None; set.fields.len()],
        interned: vec![FxHashMap::default(); set.fields.len()],
        row: Vec::with_capacity(set.fields.len()),
        errors: Vec::new(),
        warnings: Vec::new(),
        unknown_reported: HashSet::new(),
        employee_column_missing: false,
        count: 0,
    };
    let top = read_rows(source.format, source.source, &set.name, &mut builder)?;
    if !builder.errors.is_empty() {
        return Err(builder.errors);
    }
    Ok(RecordsRead {
        found: top.found,
        count: builder.count,
        warnings: builder.warnings,
    })
}

/// Marks the fields an expression reads.
fn mark_fields(expr: &crate::plan::Expr, read: &mut [bool]) {
    if let crate::plan::ExprKind::Field(index) = expr.kind
        && let Some(flag) = read.get_mut(index as usize)
    {
        *flag = true;
    }
    expr.for_each_child(|child| mark_fields(child, read));
}

/// How many different values of one text field are shared.
const INTERNED_PER_FIELD: usize = 1 << 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecordColumn {
    Employee,
    Field(usize),
}

struct RecordBuilder<'a, F> {
    set: &'a RecordSet,
    /// Per field: a text field no aggregate reads, left unread.
    skipped: Vec<bool>,
    /// What an unread field holds.
    unread: Value,
    currency: &'a str,
    employees: &'a EmployeeIndex<'a>,
    sink: F,
    // The record being read: its employee's id (a buffer reused from record
    // to record) and where it was.
    employee: String,
    employee_span: Option<Span>,
    values: Vec<Option<Value>>,
    /// Per text field, each different value once: a `stage` of millions of
    /// records is a handful of shared strings, not millions of copies.
    interned: Vec<FxHashMap<Box<str>, Arc<str>>>,
    row: Vec<Value>,
    errors: Vec<DataError>,
    warnings: Vec<DataError>,
    unknown_reported: HashSet<String>,
    employee_column_missing: bool,
    count: usize,
}

impl<F: FnMut(usize, &[Value])> RowSink for RecordBuilder<'_, F> {
    type Column = RecordColumn;

    fn column(&mut self, key: &str, span: Span) -> Option<RecordColumn> {
        if key == "employee" {
            return Some(RecordColumn::Employee);
        }
        if let Some(index) = self.set.fields.iter().position(|f| f.name == key) {
            return Some(RecordColumn::Field(index));
        }
        if self.unknown_reported.insert(key.to_string()) {
            let candidates = self
                .set
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .chain(["employee"]);
            self.warnings.push(DataError::UnknownColumn {
                column: key.to_string(),
                span: span.into(),
                help: suggest::did_you_mean(key, candidates),
            });
        }
        None
    }

    fn header(&mut self, columns: &[Option<RecordColumn>], span: Span) {
        if !columns.contains(&Some(RecordColumn::Employee)) {
            self.employee_column_missing = true;
            self.errors.push(DataError::MissingEmployee {
                set: self.set.name.clone(),
                span: span.into(),
            });
        }
    }

    fn cell(&mut self, column: RecordColumn, raw: Raw<'_>, span: Span) {
        match column {
            RecordColumn::Employee => match raw {
                Raw::Text(text) if !text.trim().is_empty() => {
                    self.employee.clear();
                    self.employee.push_str(text.trim());
                    self.employee_span = Some(span);
                }
                Raw::Number(digits) => {
                    self.employee.clear();
                    self.employee.push_str(&digits);
                    self.employee_span = Some(span);
                }
                _ => {}
            },
            RecordColumn::Field(index) => {
                let field = &self.set.fields[index];
                if self.skipped[index] {
                    self.values[index] = Some(self.unread.clone());
                    return;
                }
                if let (Raw::Text(text), Type::Text) = (&raw, field.ty) {
                    let text = text.trim();
                    let cache = &mut self.interned[index];
                    let shared = match cache.get(text) {
                        Some(shared) => shared.clone(),
                        None => {
                            let shared: Arc<str> = Arc::from(text);
                            // Bounded, for fields whose values never repeat.
                            if cache.len() < INTERNED_PER_FIELD {
                                cache.insert(Box::from(text), shared.clone());
                            }
                            shared
                        }
                    };
                    self.values[index] = Some(Value::Text(shared));
                    return;
                }
                match convert(&raw, field.ty, self.currency) {
                    Ok(value) => self.values[index] = value,
                    Err(Problem::WrongType) => self.errors.push(DataError::InvalidRecord {
                        set: self.set.name.clone(),
                        field: field.name.clone(),
                        problem: format!(
                            "must be {}, not {}",
                            describe_type(field.ty),
                            raw.describe()
                        ),
                        span: span.into(),
                        help: None,
                    }),
                    Err(Problem::Invalid { problem, help }) => {
                        self.errors.push(DataError::InvalidRecord {
                            set: self.set.name.clone(),
                            field: field.name.clone(),
                            problem,
                            span: span.into(),
                            help,
                        })
                    }
                }
            }
        }
    }

    fn end_row(&mut self, span: Span) {
        let Some(id_span) = self.employee_span.take() else {
            self.values.iter_mut().for_each(|value| *value = None);
            if !self.employee_column_missing {
                self.errors.push(DataError::MissingEmployee {
                    set: self.set.name.clone(),
                    span: span.into(),
                });
            }
            return;
        };
        let Some(index) = self.employees.get(&self.employee) else {
            self.values.iter_mut().for_each(|value| *value = None);
            self.errors.push(DataError::UnknownEmployee {
                set: self.set.name.clone(),
                employee: self.employee.clone(),
                span: id_span.into(),
            });
            return;
        };
        self.row.clear();
        let mut complete = true;
        for (field, value) in self.set.fields.iter().zip(self.values.iter_mut()) {
            match value.take().or_else(|| field.default.clone()) {
                Some(value) => self.row.push(value),
                None if complete => {
                    complete = false;
                    self.errors.push(DataError::InvalidRecord {
                        set: self.set.name.clone(),
                        field: field.name.clone(),
                        problem: "has no value, and the field has no default".to_string(),
                        span: span.into(),
                        help: Some(format!(
                            "give every record its `{0}`, or give the field a default in the policy: `{0} : {1} = …`",
                            field.name, field.ty
                        )),
                    });
                }
                None => {}
            }
        }
        self.count += 1;
        if complete && self.errors.is_empty() {
            (self.sink)(index, &self.row);
        }
    }

    fn error(&mut self, error: DataError) {
        self.errors.push(error);
    }
}
