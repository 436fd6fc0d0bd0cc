//! The printer's state and the two things every construct needs: the
//! whitespace between two tokens (a "gap", where comments may wait) and a
//! block of rows in braces.

use super::comments::{Comment, Queue};
use super::rows::{Piece, Row, layout};
use super::text::Text;

pub(crate) struct Printer<'s> {
    pub source: &'s str,
    pub comments: Queue,
}

/// What a gap becomes when it holds no comment.
#[derive(Clone, Copy)]
pub(crate) struct Gap {
    /// Printed when the gap stays on one line: `" "` or `""`.
    pub sep: &'static str,
    /// Whether a line break written here is kept (before an operator,
    /// `then`, `else`, `where`, after `(` and `,`, before `)`).
    pub breakable: bool,
    /// The indentation of the next line if the gap breaks, relative to the
    /// line the construct starts on.
    pub indent: usize,
}

impl Gap {
    /// A space that is never a line break (unless a comment forces one).
    pub const SPACE: Gap = Gap {
        sep: " ",
        breakable: false,
        indent: 1,
    };
    /// Nothing, never a line break (unless a comment forces one).
    pub const TIGHT: Gap = Gap {
        sep: "",
        breakable: false,
        indent: 1,
    };
    /// A space that keeps a line break written here.
    pub const BREAK: Gap = Gap {
        sep: " ",
        breakable: true,
        indent: 1,
    };
    /// After `(`: nothing, or a line break one level in.
    pub const OPEN: Gap = Gap {
        sep: "",
        breakable: true,
        indent: 1,
    };
    /// Before `)`: nothing, or a line break back to the opening line's level.
    pub const CLOSE: Gap = Gap {
        sep: "",
        breakable: true,
        indent: 0,
    };
}

impl<'s> Printer<'s> {
    pub fn new(source: &'s str, comments: Vec<Comment>) -> Self {
        Printer {
            source,
            comments: Queue::new(comments),
        }
    }

    /// Whether the source has a line break in `from..to`.
    pub fn breaks(&self, from: usize, to: usize) -> bool {
        self.source.get(from..to).is_some_and(|s| s.contains('\n'))
    }

    /// Whether the source has an empty line in `from..to`.
    pub fn blank_line(&self, from: usize, to: usize) -> bool {
        let Some(between) = self.source.get(from..to) else {
            return false;
        };
        let mut lines = between.split('\n');
        lines.next();
        let mut inner: Vec<&str> = lines.collect();
        inner.pop();
        inner.iter().any(|line| line.trim().is_empty())
    }

    /// Where the next token after `from` starts (skipping whitespace and
    /// comments): the position of a `{`, `(` or `}` the tree has no span for.
    pub fn next_token(&self, from: usize) -> usize {
        let mut pos = from;
        let bytes = self.source.as_bytes();
        while let Some(&byte) = bytes.get(pos) {
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
                b'#' => {
                    pos = self.source[pos..]
                        .find('\n')
                        .map_or(self.source.len(), |i| pos + i)
                }
                _ => break,
            }
        }
        pos
    }

    /// Comments in a declaration's header (where the layout has no place
    /// for a line break) move to lines above the declaration.
    pub fn hoist(&mut self, row_above: &mut Vec<String>, pos: usize) {
        row_above.extend(self.comments.take_before(pos).into_iter().map(|c| c.text));
    }

    /// Writes the gap between a token ending at `from` and the next one,
    /// starting at `to`: its comments (the first at the end of the line if
    /// it was written there), then a line break; without comments, `gap`
    /// decides.
    pub fn gap(&mut self, out: &mut Text, from: usize, to: usize, gap: Gap) {
        let comments = self.comments.take_before(to);
        if comments.is_empty() {
            if gap.breakable && self.breaks(from, to) {
                out.newline(gap.indent);
            } else {
                out.push(gap.sep);
            }
            return;
        }
        for (i, comment) in comments.iter().enumerate() {
            if i == 0 && !self.breaks(from, comment.start) {
                out.push("  ");
            } else {
                out.newline(gap.indent);
            }
            out.push(&comment.text);
        }
        out.newline(gap.indent);
    }

    /// The rows of a block: `open` is just after its `{` (`None` for the
    /// whole file), `close` where its `}` is. `start_end` gives an entry's
    /// first and last byte; `row` prints one.
    pub fn pieces<T>(
        &mut self,
        open: Option<usize>,
        entries: &[T],
        close: usize,
        start_end: impl Fn(&Self, &T) -> (usize, usize),
        row: impl Fn(&mut Self, &T) -> Row,
    ) -> (Option<String>, Vec<Piece>) {
        let mut block = Collected {
            open,
            previous_end: open.unwrap_or(0),
            brace_comment: None,
            pieces: Vec::new(),
        };
        let bounds: Vec<(usize, usize)> = entries.iter().map(|e| start_end(self, e)).collect();
        for (index, (entry, &(start, end))) in entries.iter().zip(&bounds).enumerate() {
            self.leading(&mut block, start);
            if self.blank_line(block.previous_end, start) {
                block.pieces.push(Piece::Blank);
            }
            let mut row = row(self, entry);
            block.previous_end = end;
            // A comment after the row on its line is the row's.
            let limit = bounds.get(index + 1).map_or(close, |next| next.0);
            if let Some(comment) = self.comments.peek_within(end, limit)
                && !self.breaks(end, comment.start)
            {
                block.previous_end = comment.end;
                row.comment = self.comments.take_next().map(|c| c.text);
            }
            block.pieces.push(Piece::Row(row));
        }
        self.leading(&mut block, close);
        (block.brace_comment, block.pieces)
    }

    /// Own-line comments before `until` (each keeps a blank line written
    /// before it); the first may sit on the line of the block's `{`.
    fn leading(&mut self, block: &mut Collected, until: usize) {
        for comment in self.comments.take_before(until) {
            let on_brace_line = block.open == Some(block.previous_end)
                && !self.breaks(block.previous_end, comment.start);
            if on_brace_line {
                block.brace_comment = Some(comment.text);
            } else {
                if self.blank_line(block.previous_end, comment.start) {
                    block.pieces.push(Piece::Blank);
                }
                block.pieces.push(Piece::Comment(comment.text));
            }
            block.previous_end = comment.end;
        }
    }
}

/// A block's pieces as [`Printer::pieces`] collects them.
struct Collected {
    open: Option<usize>,
    /// Where the last row or comment collected ends.
    previous_end: usize,
    brace_comment: Option<String>,
    pieces: Vec<Piece>,
}

/// Lays a block out after its `{` (already in `out`) and closes it.
pub(crate) fn close_block(out: &mut Text, (brace_comment, pieces): (Option<String>, Vec<Piece>)) {
    let lines = layout(pieces);
    let base = out.last_indent();
    let empty = lines.is_empty() && brace_comment.is_none();
    if let Some(comment) = brace_comment {
        out.push("  ");
        out.push(&comment);
    }
    for line in lines {
        match line {
            None => out.blank(),
            Some(text) => {
                out.newline(base + 1);
                out.append(text);
            }
        }
    }
    if !empty {
        out.newline(base);
    }
    out.push("}");
}
