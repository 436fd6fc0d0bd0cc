//! `kpi fmt`: prints a policy in the canonical layout (`docs/format.md`).
//!
//! The policy is parsed into its syntax tree; the comments, which the
//! grammar skips, are found again by a lexical scan ([`comments`]). The
//! printer walks the tree in source order, printing every token as written
//! (numbers keep their digits and `_`s, parentheses stay) and placing each
//! comment where the walk reaches it. Rows of declarations, table arms,
//! example statements and record fields are aligned by [`rows`].
//!
//! Before returning, [`format`] parses its own output: if that gives another
//! tree, or a comment went missing, it refuses rather than hand back a
//! policy that pays differently.

mod comments;
mod expr;
mod items;
mod printer;
mod rows;
mod text;

use crate::syntax::{self, ParseError};
use miette::Diagnostic;
use printer::Printer;
use rows::{layout, separate_sections};
use thiserror::Error;

/// Why a policy was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The policy does not parse; it is left as it is.
    Parse(Vec<ParseError>),
    /// The formatter's output would not mean the same as the policy.
    Unsafe(Unsafe),
}

/// The formatter failed its own check; the policy is left as it is.
#[derive(Debug, Error, Diagnostic)]
#[error("kpi fmt could not lay this policy out without changing it ({what}); it was left as it is")]
#[diagnostic(
    code(kpi::fmt::internal),
    help("please report this policy to the kpi developers")
)]
pub struct Unsafe {
    what: &'static str,
}

/// Formats a policy from its bytes (checking they are UTF-8).
pub fn format_bytes(bytes: &[u8]) -> Result<String, FormatError> {
    match std::str::from_utf8(bytes) {
        Ok(source) => format(source),
        Err(_) => Err(FormatError::Parse(
            syntax::parse_bytes(bytes).err().unwrap_or_default(),
        )),
    }
}

/// Formats a policy: the same policy, comments included, in the canonical
/// layout. A policy that does not parse gives its parse errors.
pub fn format(source: &str) -> Result<String, FormatError> {
    let policy = syntax::parse(source).map_err(FormatError::Parse)?;
    let found = comments::scan(source);
    let texts: Vec<String> = found.iter().map(|c| c.text.clone()).collect();
    let formatted = lay_out(source, &policy, found);
    verify(&policy, &texts, &formatted)?;
    Ok(formatted)
}

fn lay_out(source: &str, policy: &crate::ast::Policy, found: Vec<comments::Comment>) -> String {
    let mut printer = Printer::new(source, found);
    let (_, pieces) = printer.pieces(
        None,
        &policy.items,
        source.len(),
        |printer, item| (item.span.start, printer.item_end(item)),
        |printer, item| printer.item(item),
    );
    let mut out = String::with_capacity(source.len() + source.len() / 8);
    for line in layout(separate_sections(pieces)) {
        match line {
            Some(text) => text.render(0, &mut out),
            None => out.push('\n'),
        }
    }
    out
}

/// The output must parse to the same tree and keep every comment.
fn verify(
    policy: &crate::ast::Policy,
    comments: &[String],
    formatted: &str,
) -> Result<(), FormatError> {
    let unsafe_because = |what| Err(FormatError::Unsafe(Unsafe { what }));
    match syntax::parse(formatted) {
        Ok(reparsed) if reparsed == *policy => {}
        Ok(_) => return unsafe_because("the formatted policy reads differently"),
        Err(_) => return unsafe_because("the formatted policy does not parse"),
    }
    let mut before = comments.to_vec();
    let mut after: Vec<String> = comments::scan(formatted)
        .into_iter()
        .map(|c| c.text)
        .collect();
    before.sort();
    after.sort();
    if before != after {
        return unsafe_because("a comment would be lost");
    }
    Ok(())
}

#[cfg(test)]
mod tests;
