//! `# kpi:allow(NAME, …)`: silencing a warning for one declaration.
//!
//! Comments are not part of the syntax tree (the grammar skips them), so the
//! markers are found here by a small lexical scan of the source that knows
//! where strings are: a `#` inside `"…"` starts no comment. A marker applies
//! to the declaration whose lines it is on (at the end of any of them), or
//! to the declaration right below the block of comment lines it is part of.

use crate::ast;
use crate::span::Span;

/// One name inside a marker: `unused` in `# kpi:allow(unused)`.
#[derive(Clone, Debug)]
pub(super) struct AllowName {
    pub name: String,
    pub span: Span,
    /// Whether the marker is attached to a declaration.
    pub attached: bool,
}

/// The markers of a source, and which declaration each applies to.
#[derive(Debug, Default)]
pub(super) struct Allows {
    /// Per declaration (in item order): the warning names it allows.
    pub per_item: Vec<Vec<String>>,
    /// Every name written in a marker.
    pub names: Vec<AllowName>,
}

impl Allows {
    /// Whether item `item` allows the warning `name` (the last part of its
    /// code, `unused` for `kpi::check::unused`).
    pub fn allows(&self, item: usize, name: &str) -> bool {
        self.per_item
            .get(item)
            .is_some_and(|names| names.iter().any(|n| n == name))
    }
}

/// A line of the source: where it starts and ends, and its comment.
struct Line {
    start: usize,
    end: usize,
    /// The comment's start (the `#`), if the line has one.
    comment: Option<usize>,
    /// Nothing but a comment (and spaces) on the line.
    comment_only: bool,
}

fn lines(source: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for text in source.split_inclusive('\n') {
        let comment = comment_start(text).map(|at| start + at);
        let before = &text[..comment.map_or(text.len(), |at| at - start)];
        out.push(Line {
            start,
            end: start + text.trim_end_matches(['\n', '\r']).len(),
            comment,
            comment_only: comment.is_some() && before.trim().is_empty(),
        });
        start += text.len();
    }
    out
}

/// Where a line's comment starts: the first `#` outside a string. Strings
/// do not span lines (the grammar forbids it), so a line is scanned alone.
fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut chars = line.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => in_string = !in_string,
            '\\' if in_string => {
                chars.next();
            }
            '#' if !in_string => return Some(at),
            _ => {}
        }
    }
    None
}

const MARKER: &str = "kpi:allow(";

/// The names of the markers in a comment, with their spans.
fn marker_names(source: &str, comment: usize, end: usize) -> Vec<(String, Span)> {
    let text = &source[comment..end];
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find(MARKER) {
        let open = from + found + MARKER.len();
        let Some(close) = text[open..].find(')').map(|c| open + c) else {
            break;
        };
        let mut offset = open;
        for part in text[open..close].split(',') {
            let name = part.trim();
            if !name.is_empty() {
                let lead = part.len() - part.trim_start().len();
                let start = comment + offset + lead;
                out.push((name.to_string(), Span::new(start, start + name.len())));
            }
            offset += part.len() + 1;
        }
        from = close + 1;
    }
    out
}

/// Finds every marker of `source` and the declaration it applies to.
pub(super) fn scan(source: &str, policy: &ast::Policy) -> Allows {
    let lines = lines(source);
    let line_of = |offset: usize| lines.partition_point(|line| line.start <= offset).max(1) - 1;
    // Per line: the item it belongs to, if any.
    let mut owner: Vec<Option<usize>> = vec![None; lines.len()];
    for (index, item) in policy.items.iter().enumerate() {
        if lines.is_empty() {
            break;
        }
        let first = line_of(item.span.start);
        let last = line_of(item.span.end.saturating_sub(1).max(item.span.start));
        for slot in owner.iter_mut().take(last + 1).skip(first) {
            slot.get_or_insert(index);
        }
        // The block of comment lines right above the declaration.
        let mut above = first;
        while above > 0 && lines[above - 1].comment_only && owner[above - 1].is_none() {
            above -= 1;
            owner[above] = Some(index);
        }
    }
    let mut allows = Allows {
        per_item: vec![Vec::new(); policy.items.len()],
        names: Vec::new(),
    };
    for (number, line) in lines.iter().enumerate() {
        let Some(comment) = line.comment else {
            continue;
        };
        for (name, span) in marker_names(source, comment, line.end) {
            let item = owner[number];
            if let Some(item) = item {
                // `kpi::check::unused` and `unused` are the same warning.
                let short = name.rsplit("::").next().unwrap_or(&name).to_string();
                allows.per_item[item].push(short);
            }
            allows.names.push(AllowName {
                name,
                span,
                attached: item.is_some(),
            });
        }
    }
    allows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(source: &str) -> Allows {
        let policy = crate::syntax::parse(source).unwrap_or_else(|e| panic!("{e:?}"));
        scan(source, &policy)
    }

    #[test]
    fn markers_apply_above_and_on_the_line() {
        let source = "policy \"# not a comment kpi:allow(x)\"\ncurrency USD\n\n# kpi:allow(unused)\n# the rating\ninput a : money\ninput b : money  # kpi:allow(unused, report_only)\n\n# kpi:allow(too_far)\n\ninput c : money\n";
        let found = allows(source);
        assert!(found.allows(2, "unused"));
        assert!(found.allows(3, "unused"));
        assert!(found.allows(3, "report_only"));
        assert!(!found.allows(4, "too_far"));
        let names: Vec<_> = found.names.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["unused", "unused", "report_only", "too_far"]);
        assert!(!found.names[3].attached);
        assert_eq!(
            &source[found.names[2].span.start..found.names[2].span.end],
            "report_only"
        );
    }

    #[test]
    fn a_marker_inside_a_table_applies_to_its_declaration() {
        let source = "policy \"T\"\ncurrency USD\ninput a : number\nkpi k = curve a {\n  0 : 2   # kpi:allow(kpi::check::decreasing_curve)\n  1 : 1\n}\n";
        assert!(allows(source).allows(3, "decreasing_curve"));
    }
}
