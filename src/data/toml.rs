//! TOML data: `[[employee]]` tables. Numbers are read from their text, so a
//! float `0.1` is exactly 0.1.

use super::{Column, DataError, DatasetBuilder, Raw};
use crate::span::Span;
use std::borrow::Cow;
use toml::de::{DeTable, DeValue};

pub(super) fn read(text: &str, builder: &mut DatasetBuilder<'_>) -> Result<(), Vec<DataError>> {
    let root = DeTable::parse(text).map_err(|error| vec![malformed(&error)])?;
    let Some(employees) = root.get_ref().get("employee") else {
        return Err(vec![DataError::NoEmployees {
            span: Span::new(0, 0).into(),
            expected: "`[[employee]]` tables",
            help: Some(
                "each employee is a table: `[[employee]]` then `id = \"E-001\"` and the inputs"
                    .to_string(),
            ),
        }]);
    };
    let DeValue::Array(rows) = employees.get_ref() else {
        return Err(vec![DataError::Malformed {
            message: "`employee` must be an array of tables".to_string(),
            span: span(employees.span()).into(),
            help: Some("write each employee as `[[employee]]` followed by its keys".to_string()),
        }]);
    };
    for row in rows.iter() {
        let row_span = span(row.span());
        let DeValue::Table(table) = row.get_ref() else {
            builder.file_error(DataError::Malformed {
                message: "each `employee` must be a table".to_string(),
                span: row_span.into(),
                help: None,
            });
            continue;
        };
        for (key, value) in table.iter() {
            let column = builder.column(key.get_ref());
            if column == Column::Unknown {
                builder.unknown_column(key.get_ref(), span(key.span()));
            }
            builder.cell(column, raw(value.get_ref()), span(value.span()));
        }
        builder.end_row(row_span);
    }
    Ok(())
}

fn raw<'t>(value: &'t DeValue<'_>) -> Raw<'t> {
    match value {
        DeValue::String(text) => Raw::Text(Cow::Borrowed(text.as_ref())),
        DeValue::Integer(integer) if integer.radix() == 10 => {
            Raw::Number(Cow::Borrowed(integer.as_str()))
        }
        DeValue::Integer(_) => Raw::Other("a number in another base than 10"),
        DeValue::Float(float) => {
            let text = float.as_str();
            if text.contains("inf") || text.contains("nan") {
                Raw::Other("an infinite or undefined number")
            } else {
                Raw::Number(Cow::Borrowed(text))
            }
        }
        DeValue::Boolean(b) => Raw::Bool(*b),
        DeValue::Datetime(_) => Raw::Other("a date"),
        DeValue::Array(_) => Raw::Other("a list"),
        DeValue::Table(_) => Raw::Other("a table"),
    }
}

fn span(range: std::ops::Range<usize>) -> Span {
    Span::new(range.start, range.end)
}

fn malformed(error: &toml::de::Error) -> DataError {
    let at = error.span().unwrap_or(0..0);
    DataError::Malformed {
        message: error.message().trim().to_string(),
        span: span(at).into(),
        help: Some("the TOML data holds `[[employee]]` tables of `key = value` lines".to_string()),
    }
}
