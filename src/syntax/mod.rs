//! Source text → syntax tree.
//!
//! The pest grammar (`grammar/kpi.pest`) is applied one declaration at a
//! time: after a syntax error the parser skips to the next line that starts
//! with a declaration keyword and goes on, so one run reports every broken
//! declaration of a file, not only the first.

mod describe;
mod error;
mod lower;

pub use error::ParseError;

use crate::ast;
use crate::span::Span;
use describe::DECLARATION_KEYWORDS;
use pest::Parser as _;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/kpi.pest"]
pub(crate) struct Grammar;

/// The deepest nesting of expressions the parser accepts. Deeper input gets
/// [`ParseError::TooDeep`] instead of exhausting the stack of later stages.
pub const MAX_DEPTH: usize = 500;

/// Work the grammar may do on one declaration before giving up, so that no
/// input can make the parser run for minutes.
const CALL_LIMIT: usize = 20_000_000;

/// Parses a policy from its bytes (checking they are UTF-8).
pub fn parse_bytes(bytes: &[u8]) -> Result<ast::Policy, Vec<ParseError>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(error) => {
            let at = error.valid_up_to();
            Err(vec![ParseError::NotUtf8 {
                span: Span::new(at, at + 1).into(),
            }])
        }
    }
}

/// Parses a policy; on failure returns every syntax error found.
pub fn parse(source: &str) -> Result<ast::Policy, Vec<ParseError>> {
    // Parsing and lowering recurse once per level of nesting; a fresh
    // stack segment makes that safe on any thread (pest stops at its own
    // guard, lowering at MAX_DEPTH).
    stacker::grow(STAGE_STACK, || parse_on_this_stack(source))
}

/// The stack each stage gets for its recursion (address space only: pages
/// are committed as they are used).
pub(crate) const STAGE_STACK: usize = 64 * 1024 * 1024;

fn parse_on_this_stack(source: &str) -> Result<ast::Policy, Vec<ParseError>> {
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let lowerer = lower::Lowerer::new();
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut pos = skip_trivia(source, 0);
    // The declaration read last (start, end), for errors right after it.
    let mut previous: Option<(usize, usize)> = None;
    while pos < source.len() {
        let rest = &source[pos..];
        match Grammar::parse(Rule::next_item, rest) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else { break };
                let consumed = pair.as_span().end();
                match lowerer.item(pair, pos) {
                    Ok(item) => items.push(item),
                    Err(mut found) => errors.append(&mut found),
                }
                previous = Some((pos, pos + consumed));
                pos = skip_trivia(source, pos + consumed.max(1));
            }
            Err(error) => {
                // Parse the broken declaration again, this time recording
                // what was expected where (slower, so only on failure).
                pest::set_error_detail(true);
                let detailed = Grammar::parse(Rule::next_item, rest).err().unwrap_or(error);
                errors.push(describe::diagnose(&detailed, source, pos, previous));
                pest::set_error_detail(false);
                previous = None;
                pos = skip_trivia(source, resume_point(source, pos));
            }
        }
    }
    if errors.is_empty() {
        Ok(ast::Policy { items })
    } else {
        Err(errors)
    }
}

/// Skips whitespace, comments and a byte order mark from `pos`.
fn skip_trivia(source: &str, mut pos: usize) -> usize {
    let bytes = source.as_bytes();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                pos = source[pos..]
                    .find('\n')
                    .map_or(source.len(), |offset| pos + offset)
            }
            _ if source[pos..].starts_with('\u{FEFF}') => pos += '\u{FEFF}'.len_utf8(),
            _ => break,
        }
    }
    pos
}

/// The start of the next line after `pos` that begins with a declaration
/// keyword, or the end of the source.
fn resume_point(source: &str, pos: usize) -> usize {
    let mut line_start = match source[pos..].find('\n') {
        Some(offset) => pos + offset + 1,
        None => return source.len(),
    };
    while line_start < source.len() {
        let line = &source[line_start..];
        let trimmed = line.trim_start_matches([' ', '\t']);
        let starts_declaration = DECLARATION_KEYWORDS.iter().any(|keyword| {
            trimmed.starts_with(keyword)
                && !trimmed[keyword.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c == '_' || c.is_alphanumeric())
        });
        if starts_declaration {
            return line_start;
        }
        match line.find('\n') {
            Some(offset) => line_start += offset + 1,
            None => return source.len(),
        }
    }
    source.len()
}

#[cfg(test)]
mod tests;
