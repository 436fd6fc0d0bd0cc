//! Comments. The grammar skips them, so they are not in the syntax tree: the
//! formatter finds them again with a lexical scan that knows where strings
//! are (a `#` inside a string is text, not a comment).

/// One `# …` comment of the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Comment {
    /// Byte offset of the `#`.
    pub start: usize,
    /// Byte offset of the end of the comment's line (before any `\r\n`).
    pub end: usize,
    /// The comment from its `#`, without trailing whitespace.
    pub text: String,
}

/// Every comment of `source`, in order.
pub(crate) fn scan(source: &str) -> Vec<Comment> {
    let mut comments = Vec::new();
    let mut chars = source.char_indices();
    let mut in_string = false;
    while let Some((at, c)) = chars.next() {
        match (c, in_string) {
            ('"', _) => in_string = !in_string,
            ('\\', true) => {
                chars.next();
            }
            // A string never spans lines; this only resyncs after a broken one.
            ('\n', true) => in_string = false,
            ('#', false) => {
                let end = source[at..].find('\n').map_or(source.len(), |i| at + i);
                let text = source[at..end].trim_end();
                comments.push(Comment {
                    start: at,
                    end: at + text.len(),
                    text: text.to_string(),
                });
                // Resume at the newline, which the next round skips.
                while chars.clone().next().is_some_and(|(i, _)| i < end) {
                    chars.next();
                }
            }
            _ => {}
        }
    }
    comments
}

/// The comments not yet printed, in source order: the formatter takes them
/// as it walks the tree, so each is printed exactly once.
pub(crate) struct Queue {
    comments: Vec<Comment>,
    next: usize,
}

impl Queue {
    pub fn new(comments: Vec<Comment>) -> Self {
        Queue { comments, next: 0 }
    }

    /// Takes every remaining comment that starts before `pos`.
    pub fn take_before(&mut self, pos: usize) -> Vec<Comment> {
        let from = self.next;
        while self.comments.get(self.next).is_some_and(|c| c.start < pos) {
            self.next += 1;
        }
        self.comments[from..self.next].to_vec()
    }

    /// The next comment, if it starts in `from..to`.
    pub fn peek_within(&self, from: usize, to: usize) -> Option<&Comment> {
        self.comments
            .get(self.next)
            .filter(|c| c.start >= from && c.start < to)
    }

    /// Takes the next comment (after [`Queue::peek_within`] found it).
    pub fn take_next(&mut self) -> Option<Comment> {
        let comment = self.comments.get(self.next).cloned();
        if comment.is_some() {
            self.next += 1;
        }
        comment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<String> {
        scan(source).into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn a_hash_inside_a_string_is_not_a_comment() {
        assert_eq!(
            texts("gate x else \"no # here \\\" # nor here\" # but here\n"),
            vec!["# but here"]
        );
    }

    #[test]
    fn comments_end_at_the_line_end_without_trailing_space() {
        let source = "a # one  \r\n# two\n#three";
        let found = scan(source);
        assert_eq!(texts(source), vec!["# one", "# two", "#three"]);
        assert_eq!(&source[found[0].start..found[0].end], "# one");
    }

    #[test]
    fn a_quote_inside_a_comment_opens_no_string() {
        assert_eq!(
            texts("# it's \"odd\n# second"),
            vec!["# it's \"odd", "# second"]
        );
    }
}
