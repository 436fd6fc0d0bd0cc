//! TOML data: `[[employee]]` tables. Numbers are read from their text, so a
//! float `0.1` is exactly 0.1.

use super::{DataError, Raw, RowSink, TopLevel};
use crate::span::Span;
use std::borrow::Cow;
use toml::de::{DeTable, DeValue};

/// Reads the `[[KEY]]` tables of a TOML file into `sink`.
pub(super) fn read(
    text: &str,
    key: &str,
    sink: &mut impl RowSink,
) -> Result<TopLevel, Vec<DataError>> {
    let root = DeTable::parse(text).map_err(|error| vec![malformed(&error)])?;
    let keys = root
        .get_ref()
        .iter()
        .map(|(name, _)| (name.get_ref().to_string(), span(name.span())))
        .collect();
    let Some(rows) = root.get_ref().get(key) else {
        return Ok(TopLevel { found: false, keys });
    };
    let DeValue::Array(rows) = rows.get_ref() else {
        return Err(vec![DataError::Malformed {
            message: format!("`{key}` must be an array of tables"),
            span: span(rows.span()).into(),
            help: Some(format!(
                "write each one as `[[{key}]]` followed by its keys"
            )),
        }]);
    };
    for row in rows.iter() {
        let row_span = span(row.span());
        let DeValue::Table(table) = row.get_ref() else {
            sink.error(DataError::Malformed {
                message: format!("each `{key}` must be a table"),
                span: row_span.into(),
                help: None,
            });
            continue;
        };
        for (name, value) in table.iter() {
            if let Some(column) = sink.column(name.get_ref(), span(name.span())) {
                sink.cell(column, raw(value.get_ref()), span(value.span()));
            }
        }
        sink.end_row(row_span);
    }
    Ok(TopLevel { found: true, keys })
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
        message: super::error::plain(error.message()),
        span: span(at).into(),
        help: Some("the TOML data holds `[[employee]]` tables of `key = value` lines".to_string()),
    }
}
