//! JSON data: `{"employee": [ {...}, ... ]}`. Numbers are read from their
//! text, so `0.1` is exactly 0.1.

use super::{Column, DataError, DatasetBuilder, Raw};
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

pub(super) fn read(text: &str, builder: &mut DatasetBuilder<'_>) -> Result<(), Vec<DataError>> {
    let root = parse(text)?;
    let Some(Value::Array(rows)) = root.get("employee").map(|p| &p.value) else {
        return Err(vec![DataError::NoEmployees {
            span: span(root.range()).into(),
            expected: "a key \"employee\" holding a list",
            help: Some(
                "the JSON data reads `{\"employee\": [{\"id\": \"E-001\", …}, …]}`".to_string(),
            ),
        }]);
    };
    for row in &rows.elements {
        let Value::Object(object) = row else {
            builder.file_error(DataError::Malformed {
                message: "each employee must be an object".to_string(),
                span: span(row.range()).into(),
                help: None,
            });
            continue;
        };
        for property in &object.properties {
            let key = property.name.as_str();
            let column = builder.column(key);
            if column == Column::Unknown {
                builder.unknown_column(key, span(property.range));
            }
            builder.cell(column, raw(&property.value), span(property.value.range()));
        }
        builder.end_row(span(object.range));
    }
    Ok(())
}

/// Parses the text; the top level must be an object.
pub(super) fn parse(text: &str) -> Result<Object<'_>, Vec<DataError>> {
    let parsed = parse_to_ast(text, &CollectOptions::default(), &strict()).map_err(|error| {
        vec![DataError::Malformed {
            message: error.kind().to_string(),
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
