//! Text with relative indentation: the building block of the layout.
//!
//! A [`Text`] is one or more lines. Its first line continues whatever line
//! it is put on; each later line carries an indentation level relative to
//! the line the text starts on. Appending one text to another re-bases the
//! appended lines on the indentation of the line they start on, so nested
//! tables and parentheses indent themselves without knowing where they are.

/// Spaces per indentation level.
const INDENT: &str = "  ";

#[derive(Clone, Debug)]
pub(crate) struct Text {
    lines: Vec<Line>,
}

#[derive(Clone, Debug)]
struct Line {
    indent: usize,
    /// Empty for a blank line, which is printed without indentation.
    text: String,
}

impl Text {
    pub fn new(first: &str) -> Self {
        Text {
            lines: vec![Line {
                indent: 0,
                text: first.to_string(),
            }],
        }
    }

    /// Appends to the last line.
    pub fn push(&mut self, text: &str) {
        self.last_mut().text.push_str(text);
    }

    /// Starts a new line `indent` levels in from the first line's.
    pub fn newline(&mut self, indent: usize) {
        self.lines.push(Line {
            indent,
            text: String::new(),
        });
    }

    /// Adds an empty line (a blank line between groups).
    pub fn blank(&mut self) {
        self.newline(0);
    }

    /// Continues the last line with `other`'s first line; `other`'s later
    /// lines keep their indentation relative to that line.
    pub fn append(&mut self, other: Text) {
        let base = self.last_indent();
        let mut lines = other.lines.into_iter();
        if let Some(first) = lines.next() {
            self.push(&first.text);
        }
        for line in lines {
            self.lines.push(Line {
                indent: base + line.indent,
                text: line.text,
            });
        }
    }

    /// The indentation level of the last line.
    pub fn last_indent(&self) -> usize {
        self.lines.last().map_or(0, |line| line.indent)
    }

    /// The text if it is one line.
    pub fn single_line(&self) -> Option<&str> {
        match self.lines.as_slice() {
            [only] => Some(&only.text),
            _ => None,
        }
    }

    pub fn is_single_line(&self) -> bool {
        self.lines.len() == 1
    }

    /// Characters on the last line, indentation aside.
    pub fn last_width(&self) -> usize {
        self.lines.last().map_or(0, |line| width(&line.text))
    }

    /// Pads the last line with spaces to `column` characters (at least one
    /// space is never added here: callers decide the gap).
    pub fn pad_to(&mut self, column: usize) {
        let missing = column.saturating_sub(self.last_width());
        self.push(&" ".repeat(missing));
    }

    /// The lines as printed, each ending with `\n`; `base` levels of
    /// indentation are added to every line.
    pub fn render(&self, base: usize, out: &mut String) {
        for line in &self.lines {
            if !line.text.is_empty() {
                out.push_str(&INDENT.repeat(base + line.indent));
                out.push_str(&line.text);
            }
            out.push('\n');
        }
    }

    fn last_mut(&mut self) -> &mut Line {
        if self.lines.is_empty() {
            self.newline(0);
        }
        let last = self.lines.len() - 1;
        &mut self.lines[last]
    }
}

/// The width of `text` in characters, the unit of alignment (names may be
/// `выручка`, whose bytes are twice its characters).
pub(crate) fn width(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(text: &Text) -> String {
        let mut out = String::new();
        text.render(0, &mut out);
        out
    }

    #[test]
    fn appended_lines_follow_the_line_they_start_on() {
        let mut inner = Text::new("tiers x {");
        inner.newline(1);
        inner.push("otherwise : 1");
        inner.newline(0);
        inner.push("}");
        let mut outer = Text::new("kpi y = a");
        outer.newline(1);
        outer.push("+ ");
        outer.append(inner);
        assert_eq!(
            rendered(&outer),
            "kpi y = a\n  + tiers x {\n    otherwise : 1\n  }\n"
        );
    }

    #[test]
    fn blank_lines_carry_no_indentation() {
        let mut text = Text::new("a");
        text.blank();
        text.newline(2);
        text.push("b");
        let mut out = String::new();
        text.render(1, &mut out);
        assert_eq!(out, "  a\n\n      b\n");
    }
}
