//! Errors of the parser: the text is not a well-formed policy.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum ParseError {
    #[error("{message}")]
    #[diagnostic(code(kpi::parse::syntax))]
    Syntax {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("the policy is not valid UTF-8 text")]
    #[diagnostic(
        code(kpi::parse::not_utf8),
        help("save the file as UTF-8 (most editors offer it under \"Save as\" or \"Encoding\")")
    )]
    NotUtf8 {
        #[label("this byte is not UTF-8")]
        span: SourceSpan,
    },

    #[error("the policy is nested too deeply")]
    #[diagnostic(
        code(kpi::parse::too_deep),
        help(
            "kpi reads at most {limit} levels of nesting; split the formula with `let` declarations"
        )
    )]
    TooDeep {
        #[label("nesting goes deeper than {limit} levels here")]
        span: SourceSpan,
        limit: usize,
    },

    #[error("the number `{raw}` has more digits than kpi can hold exactly")]
    #[diagnostic(
        code(kpi::parse::number_too_large),
        help("kpi computes exactly with up to 28 significant digits")
    )]
    NumberTooLarge {
        raw: String,
        #[label("too many digits")]
        span: SourceSpan,
    },

    #[error("`{word}` is a keyword and cannot be a name")]
    #[diagnostic(
        code(kpi::parse::keyword_as_name),
        help("choose another name, e.g. `{word}_value`")
    )]
    KeywordAsName {
        word: String,
        #[label("keyword used as a name")]
        span: SourceSpan,
    },

    #[error("unknown escape `\\{escape}` in a string")]
    #[diagnostic(
        code(kpi::parse::bad_escape),
        help("a string may contain `\\\"`, `\\\\` and `\\n`")
    )]
    BadEscape {
        escape: String,
        #[label("unknown escape")]
        span: SourceSpan,
    },

    #[error("this string is never closed")]
    #[diagnostic(
        code(kpi::parse::unterminated_string),
        help("close it with `\"` on the same line")
    )]
    UnterminatedString {
        #[label("the string starts here")]
        span: SourceSpan,
    },

    #[error("this `{open}` is never closed")]
    #[diagnostic(
        code(kpi::parse::unclosed),
        help("add `{close}` where the {what} should end")
    )]
    Unclosed {
        open: String,
        what: &'static str,
        close: &'static str,
        #[label("the {what} starts here")]
        span: SourceSpan,
        #[label("{end_label}")]
        end: SourceSpan,
        end_label: String,
    },

    #[error("comparisons do not chain")]
    #[diagnostic(
        code(kpi::parse::chained_comparison),
        help("write `a < b and b < c` instead of `a < b < c`")
    )]
    ChainedComparison {
        #[label("second comparison")]
        span: SourceSpan,
        #[label("first comparison")]
        first: SourceSpan,
    },
}
