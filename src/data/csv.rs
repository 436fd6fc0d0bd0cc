//! CSV data: a header row, then a row per employee, as spreadsheet programs
//! write it (quoted cells, a UTF-8 byte order mark, CRLF line endings). An
//! empty cell means "no value": the input's default applies.

use super::{DataError, Raw, RowSink};
use crate::span::Span;
use std::borrow::Cow;
use std::io::{BufRead, Read};

/// Reads a CSV file row by row from `input` (it is never held whole).
pub(super) fn read<S: RowSink>(input: impl Read, sink: &mut S) -> Result<(), Vec<DataError>> {
    // Spreadsheet programs end every line with CRLF. The csv crate places
    // a record after a CRLF on its `\n`, one byte early; so CRLF files have
    // their CRs taken out before parsing, and each position is moved back
    // by one byte a line before it.
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let crlf = input.fill_buf().is_ok_and(|head| {
        head.iter()
            .position(|b| *b == b'\n')
            .is_some_and(|at| at > 0 && head[at - 1] == b'\r')
    });
    let mut reader = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(StripCr {
            inner: input,
            active: crlf,
            held: None,
        });
    let at = |position: Option<&::csv::Position>| {
        position.map_or(0, |p| {
            let byte = p.byte() as usize;
            if crlf {
                byte + p.line().saturating_sub(1) as usize
            } else {
                byte
            }
        })
    };
    let headers = reader
        .headers()
        .map_err(|error| vec![malformed(&error)])?
        .clone();
    let header_span = row_span(0, headers.as_byte_record());
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
            Err(error) => return Err(vec![malformed(&error)]),
        }
        let start = at(record.position());
        let span = row_span(start, record.as_byte_record());
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

/// The row starting at byte `start`: its cells and the commas between
/// them (quotes make the row a little longer than this; the span then ends
/// before the row does, never after).
fn row_span(start: usize, record: &::csv::ByteRecord) -> Span {
    let length = record.as_slice().len() + record.len().saturating_sub(1);
    Span::new(start, start + length)
}

fn malformed(error: &::csv::Error) -> DataError {
    let start = error.position().map_or(0, |p| p.byte() as usize);
    let message = match error.kind() {
        ::csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8 text".to_string(),
        _ => super::error::plain(&error.to_string()),
    };
    DataError::Malformed {
        message,
        span: Span::new(start, start).into(),
        help: Some("save the sheet as \"CSV UTF-8 (comma delimited)\"".to_string()),
    }
}

/// Takes out every `\r` that comes right before a `\n`.
struct StripCr<R> {
    inner: R,
    active: bool,
    /// A `\r` at the end of the last read, not yet known to precede `\n`.
    held: Option<u8>,
}

impl<R: Read> Read for StripCr<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !self.active || buf.is_empty() {
            return self.inner.read(buf);
        }
        let mut start = 0;
        if let Some(byte) = self.held.take() {
            buf[0] = byte;
            start = 1;
        }
        let read = self.inner.read(&mut buf[start..])?;
        let end = start + read;
        let mut kept = 0;
        for index in 0..end {
            let byte = buf[index];
            if byte == b'\r' {
                match buf.get(index + 1).filter(|_| index + 1 < end) {
                    Some(b'\n') => continue,
                    None if read > 0 => {
                        // The last byte: decide once the next read shows
                        // what follows.
                        self.held = Some(byte);
                        continue;
                    }
                    _ => {}
                }
            }
            buf[kept] = byte;
            kept += 1;
        }
        if kept == 0 && self.held.is_some() {
            return self.read(buf);
        }
        Ok(kept)
    }
}
