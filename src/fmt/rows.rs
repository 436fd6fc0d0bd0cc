//! Blocks of rows: the declarations of a file, the arms of a table, the
//! statements of an example, the fields of a records block. Here rows are
//! grouped, aligned, and separated by blank lines; what a row says is
//! decided by the printer.

use super::text::{Text, width};

/// What kind of row: rows of one kind in a run form an alignment group, and
/// at the top level a change of kind is a change of section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Group {
    /// `policy`, `currency`, `rounding`
    Header,
    Input,
    Param,
    Let,
    Kpi,
    Bonus,
    /// `gate` and `cap`: the payout rules, one section.
    Rule,
    Example,
    Records,
    Arm,
    Statement,
    Field,
}

impl Group {
    /// Whether the doc strings of a group start in one column.
    fn aligns_docs(self) -> bool {
        matches!(self, Group::Input | Group::Param | Group::Field)
    }

    /// Blocks of their own: a blank line around each, never aligned.
    fn stands_alone(self) -> bool {
        matches!(self, Group::Example | Group::Records)
    }
}

/// One line (or more) of a block as the printer made it.
pub(crate) struct Row {
    pub group: Group,
    /// Leading parts aligned in columns across the group (`kpi`, the name,
    /// `: percent`). Empty for a row that takes no part in the alignment.
    pub cells: Vec<String>,
    /// The rest of the row after the cells, e.g. `= revenue / plan`.
    pub body: Text,
    /// The doc string, quoted.
    pub doc: Option<String>,
    /// A comment at the end of the row's (last) line.
    pub comment: Option<String>,
    /// Comments from inside the row's header, printed on lines above it.
    pub above: Vec<String>,
}

impl Row {
    pub fn new(group: Group, cells: Vec<String>, body: Text) -> Self {
        Row {
            group,
            cells,
            body,
            doc: None,
            comment: None,
            above: Vec::new(),
        }
    }
}

/// A block before layout.
pub(crate) enum Piece {
    Blank,
    Comment(String),
    Row(Row),
}

/// Makes sure a blank line separates sections of the top level: rows of
/// different kinds, and examples and records blocks from anything.
pub(crate) fn separate_sections(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out = Vec::with_capacity(pieces.len() + 8);
    // The previous row's kind and where a blank line after it would go.
    let mut previous: Option<(Group, usize)> = None;
    let mut blank_since = false;
    for piece in pieces {
        match &piece {
            Piece::Blank => blank_since = true,
            Piece::Comment(_) => {}
            Piece::Row(row) => {
                if let Some((group, after)) = previous
                    && !blank_since
                    && (group != row.group || group.stands_alone() || row.group.stands_alone())
                {
                    out.insert(after, Piece::Blank);
                }
                blank_since = false;
                previous = Some((row.group, out.len() + 1));
            }
        }
        out.push(piece);
    }
    out
}

/// Lays a block out: `None` is a blank line, `Some` a row or comment (a
/// row may span lines). Runs of blank lines become one; none at either end.
pub(crate) fn layout(pieces: Vec<Piece>) -> Vec<Option<Text>> {
    let pieces = collapse_blanks(pieces);
    let mut out = Vec::with_capacity(pieces.len());
    let mut group: Vec<Row> = Vec::new();
    // Comments between rows of one group wait for the group to be laid out.
    let mut held: Vec<(usize, String)> = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Row(row) => {
                let joins = group
                    .last()
                    .is_some_and(|last| last.group == row.group && !row.group.stands_alone());
                if !joins {
                    flush_group(&mut group, &mut held, &mut out);
                }
                group.push(row);
            }
            Piece::Comment(text) => held.push((group.len(), text)),
            Piece::Blank => {
                flush_group(&mut group, &mut held, &mut out);
                out.push(None);
            }
        }
    }
    flush_group(&mut group, &mut held, &mut out);
    out
}

fn collapse_blanks(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let blank = matches!(piece, Piece::Blank);
        let after_blank = matches!(out.last(), None | Some(Piece::Blank));
        if !(blank && after_blank) {
            out.push(piece);
        }
    }
    if matches!(out.last(), Some(Piece::Blank)) {
        out.pop();
    }
    out
}

/// Lays out the rows of one alignment group with the comments among them
/// (`held`: comments, each before the row of that index).
fn flush_group(group: &mut Vec<Row>, held: &mut Vec<(usize, String)>, out: &mut Vec<Option<Text>>) {
    let rows = std::mem::take(group);
    let mut comments = std::mem::take(held).into_iter().peekable();
    for (index, (above, text)) in align(rows).into_iter().enumerate() {
        while let Some((_, comment)) = comments.next_if(|(before, _)| *before <= index) {
            out.push(Some(Text::new(&comment)));
        }
        // Comments hoisted out of a row's header go on lines above it.
        out.extend(above.iter().map(|comment| Some(Text::new(comment))));
        out.push(Some(text));
    }
    out.extend(comments.map(|(_, comment)| Some(Text::new(&comment))));
}

/// A row on its way through [`align`].
struct Staged {
    text: Text,
    doc: Option<String>,
    comment: Option<String>,
    above: Vec<String>,
}

/// Aligns the rows of a group: cells in columns, then doc strings (for
/// kinds that align them), then end-of-line comments, each column two
/// spaces after the longest line that has one. Rows spanning lines keep
/// the cells' alignment; their doc and comment follow the last line.
fn align(rows: Vec<Row>) -> Vec<(Vec<String>, Text)> {
    let aligns_docs = rows.first().is_some_and(|row| row.group.aligns_docs());
    let widths = cell_widths(&rows);
    let mut staged: Vec<Staged> = rows
        .into_iter()
        .map(|row| {
            let mut text = Text::new("");
            if !row.cells.is_empty() {
                for (k, &column) in widths.iter().enumerate().filter(|(_, w)| **w > 0) {
                    let cell = row.cells.get(k).map_or("", String::as_str);
                    text.push(cell);
                    text.push(&" ".repeat(column - width(cell) + 1));
                }
            }
            text.append(row.body);
            Staged {
                text,
                doc: row.doc,
                comment: row.comment,
                above: row.above,
            }
        })
        .collect();
    let doc_column = if aligns_docs {
        column_after(&staged, |row| row.doc.is_some())
    } else {
        None
    };
    for row in &mut staged {
        if let Some(doc) = row.doc.take() {
            place(&mut row.text, &doc, doc_column, " ");
        }
    }
    let comment_column = column_after(&staged, |row| row.comment.is_some());
    staged
        .into_iter()
        .map(|mut row| {
            if let Some(comment) = row.comment.take() {
                place(&mut row.text, &comment, comment_column, "  ");
            }
            (row.above, row.text)
        })
        .collect()
}

/// The width of each column of cells: its widest cell.
fn cell_widths(rows: &[Row]) -> Vec<usize> {
    let columns = rows.iter().map(|row| row.cells.len()).max().unwrap_or(0);
    (0..columns)
        .map(|k| {
            rows.iter()
                .filter_map(|row| row.cells.get(k))
                .map(|cell| width(cell))
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// Two spaces after the longest one-line row that `wants` the column.
fn column_after(staged: &[Staged], wants: impl Fn(&Staged) -> bool) -> Option<usize> {
    staged
        .iter()
        .filter(|row| row.text.is_single_line() && wants(row))
        .map(|row| row.text.last_width() + 2)
        .max()
}

/// Puts `what` at `column` on a one-line row, else `gap` after the row.
fn place(text: &mut Text, what: &str, column: Option<usize>, gap: &str) {
    match column {
        Some(column) if text.is_single_line() => text.pad_to(column),
        _ => text.push(gap),
    }
    text.push(what);
}
