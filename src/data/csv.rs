//! CSV data: a header row, then a row per employee, as spreadsheet programs
//! write it (quoted cells, a UTF-8 byte order mark, CRLF line endings). An
//! empty cell means "no value": the input's default applies.

use super::{DataError, Raw, RowSink};
use crate::span::Span;
use std::borrow::Cow;

pub(super) fn read<S: RowSink>(text: &str, sink: &mut S) -> Result<(), Vec<DataError>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|error| vec![malformed(&error, text)])?
        .clone();
    let header_span = line_span(text, 0);
    let mut columns = Vec::with_capacity(headers.len());
    for (index, header) in headers.iter().enumerate() {
        let header = header.trim_start_matches('\u{FEFF}').trim();
        if headers.iter().take(index).any(|h| h.trim() == header) && !header.is_empty() {
            return Err(vec![DataError::Malformed {
                message: format!("the column `{header}` appears twice in the header"),
                span: header_span.into(),
                help: Some("every column holds one input; remove or rename one".to_string()),
            }]);
        }
        let column = if header.is_empty() {
            None
        } else {
            sink.column(header, header_span)
        };
        columns.push(column);
    }
    sink.header(&columns, header_span);
    let mut record = ::csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => return Err(vec![malformed(&error, text)]),
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let span = line_span(text, start);
        if record.len() != columns.len() {
            sink.error(DataError::Malformed {
                message: format!(
                    "this row has {} cells, but the header has {}",
                    record.len(),
                    columns.len()
                ),
                span: span.into(),
                help: Some("a cell with a comma in it must be quoted: \"Anna, Jr.\"".to_string()),
            });
            continue;
        }
        for (cell, column) in record.iter().zip(&columns) {
            let Some(column) = column else { continue };
            let raw = if cell.trim().is_empty() {
                Raw::Empty
            } else {
                Raw::Text(Cow::Borrowed(cell))
            };
            sink.cell(*column, raw, span);
        }
        sink.end_row(span);
    }
    Ok(())
}

/// The line starting at `start`, without its line ending.
fn line_span(text: &str, start: usize) -> Span {
    let start = start.min(text.len());
    let end = text[start..]
        .find(['\n', '\r'])
        .map_or(text.len(), |offset| start + offset);
    Span::new(start, end)
}

fn malformed(error: &::csv::Error, text: &str) -> DataError {
    let start = error.position().map_or(0, |p| p.byte() as usize);
    let message = match error.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_string(),
        _ => super::error::plain(&error.to_string()),
    };
    DataError::Malformed {
        message,
        span: line_span(text, start).into(),
        help: Some("save the sheet as \"CSV UTF-8 (comma delimited)\"".to_string()),
    }
}
