//! JSON data: `{"employee": [ {...}, ... ]}`. Numbers are read from their
//! text, so `0.1` is exactly 0.1.

use super::{DataError, Raw, RowSink, TopLevel};
use crate::span::Span;
use jsonc_parser::ast::{Object, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions, parse_to_ast};
use std::borrow::Cow;

/// Plain JSON: none of JSONC's or JSON5's extensions.
fn strict() -> ParseOptions {
    ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

/// Reads the objects of the list under `key` into `sink`.
pub(super) fn read(
    text: &str,
    key: &str,
    sink: &mut impl RowSink,
) -> Result<TopLevel, Vec<DataError>> {
    let root = parse(text)?;
    let keys = root
        .properties
        .iter()
        .map(|p| (p.name.as_str().to_string(), span(p.range)))
        .collect();
    let Some(property) = root.get(key) else {
        return Ok(TopLevel { found: false, keys });
    };
    let Value::Array(rows) = &property.value else {
        return Err(vec![DataError::Malformed {
            message: format!("\"{key}\" must hold a list of objects"),
            span: span(property.range).into(),
            help: None,
        }]);
    };
    for row in &rows.elements {
        let Value::Object(object) = row else {
            sink.error(DataError::Malformed {
                message: format!("each \"{key}\" must be an object"),
                span: span(row.range()).into(),
                help: None,
            });
            continue;
        };
        for property in &object.properties {
            if let Some(column) = sink.column(property.name.as_str(), span(property.range)) {
                sink.cell(column, raw(&property.value), span(property.value.range()));
            }
        }
        sink.end_row(span(object.range));
    }
    Ok(TopLevel { found: true, keys })
}

/// Parses the text; the top level must be an object.
fn parse(text: &str) -> Result<Object<'_>, Vec<DataError>> {
    let parsed = parse_to_ast(text, &CollectOptions::default(), &strict()).map_err(|error| {
        vec![DataError::Malformed {
            message: super::error::plain(&error.kind().to_string()),
            span: span(error.range()).into(),
            help: None,
        }]
    })?;
    match parsed.value {
        Some(Value::Object(object)) => Ok(object),
        other => Err(vec![DataError::NoEmployees {
            span: other
                .map_or(Span::new(0, 0), |value| span(value.range()))
                .into(),
            expected: "an object",
            help: Some(
                "the JSON data reads `{\"employee\": [{\"id\": \"E-001\", …}, …]}`".to_string(),
            ),
        }]),
    }
}

fn raw<'t>(value: &'t Value<'_>) -> Raw<'t> {
    match value {
        Value::StringLit(text) => Raw::Text(Cow::Borrowed(text.value.as_ref())),
        Value::NumberLit(number) => Raw::Number(Cow::Borrowed(number.value)),
        Value::BooleanLit(b) => Raw::Bool(b.value),
        Value::NullKeyword(_) => Raw::Empty,
        Value::Object(_) => Raw::Other("an object"),
        Value::Array(_) => Raw::Other("a list"),
    }
}

fn span(range: jsonc_parser::common::Range) -> Span {
    Span::new(range.start, range.end)
}
