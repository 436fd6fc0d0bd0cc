//! Rendering diagnostics for people: the file name is attached to the
//! source only here, at the edge, as each stage's errors carry spans only.

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceCode,
};
use std::fmt;

/// A file's text under the name the user gave it.
#[derive(Debug)]
pub struct SourceFile {
    source: NamedSource<String>,
}

impl SourceFile {
    pub fn new(name: impl AsRef<str>, text: String) -> Self {
        SourceFile {
            source: NamedSource::new(name, text).with_language("kpi"),
        }
    }

    pub fn name(&self) -> &str {
        self.source.name()
    }

    pub fn text(&self) -> &str {
        self.source.inner()
    }

    /// 1-based line and column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let offset = offset.min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// The length in bytes of the line holding a byte offset.
    pub fn line_length(&self, offset: usize) -> usize {
        let text = self.text();
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
        end - start
    }
}

/// Lines longer than this are not drawn under a diagnostic.
const MAX_SHOWN_LINE: usize = 1_000;

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Renders diagnostics as text with the source lines underlined.
pub struct Renderer {
    handler: GraphicalReportHandler,
}

impl Renderer {
    /// `color`: whether to use ANSI colours (only on a terminal, and never
    /// when `NO_COLOR` is set; see [`Renderer::for_stderr`]).
    pub fn new(color: bool) -> Self {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Renderer {
            handler: GraphicalReportHandler::new_themed(theme).with_width(width),
        }
    }

    /// Colours when standard error is a terminal and `NO_COLOR` is unset.
    pub fn for_stderr() -> Self {
        use std::io::IsTerminal;
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Renderer::new(color)
    }

    /// Renders a diagnostic against `source`; `prefix` goes before the
    /// message (e.g. which employee it concerns).
    pub fn render(
        &self,
        diagnostic: &dyn Diagnostic,
        source: Option<&SourceFile>,
        prefix: Option<&str>,
    ) -> String {
        // A label on a very long line (a minified file, a generated
        // formula) is shown as a position instead of the line itself.
        if let Some(file) = source {
            let first = diagnostic.labels().and_then(|mut labels| labels.next());
            if let Some(label) = first
                && file.line_length(label.offset()) > MAX_SHOWN_LINE
            {
                let (line, column) = file.line_column(label.offset());
                let at = format!("{}{}:{line}:{column}: ", prefix.unwrap_or(""), file.name());
                return self.render(diagnostic, None, Some(&at));
            }
        }
        let attached = Attached {
            inner: diagnostic,
            source: source.map(|s| &s.source),
            prefix,
        };
        let mut out = String::new();
        if self.handler.render_report(&mut out, &attached).is_err() {
            out = format!("error: {attached}\n");
        }
        out
    }
}

/// A diagnostic with its source (and a prefix) attached.
struct Attached<'a> {
    inner: &'a dyn Diagnostic,
    source: Option<&'a NamedSource<String>>,
    prefix: Option<&'a str>,
}

impl fmt::Display for Attached<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(prefix) = self.prefix {
            write!(f, "{prefix}")?;
        }
        write!(f, "{}", self.inner)
    }
}

impl fmt::Debug for Attached<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Attached<'_> {}

impl Diagnostic for Attached<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.code()
    }

    fn severity(&self) -> Option<Severity> {
        self.inner.severity()
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.help()
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.inner.url()
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match self.source {
            Some(source) => Some(source),
            None => self.inner.source_code(),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        // Without a source, labels cannot be drawn.
        self.source.and(self.inner.labels())
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn Diagnostic> + 'b>> {
        self.inner.related()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let file = SourceFile::new("p.kpi", "ab\nцdé\n".to_string());
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(3), (2, 1));
        assert_eq!(file.line_column(6), (2, 3));
    }
}
