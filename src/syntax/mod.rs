//! Source text → syntax tree.
//!
//! The pest grammar (`grammar/kpi.pest`) is applied one declaration at a
//! time: after a syntax error the parser skips to the next line that starts
//! with a declaration keyword and goes on, so one run reports every broken
//! declaration of a file, not only the first.

mod error;
mod lower;

pub use error::ParseError;

use crate::ast;
use crate::span::Span;
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/kpi.pest"]
pub(crate) struct Grammar;

/// The deepest nesting of expressions the parser accepts. Deeper input gets
/// [`ParseError::TooDeep`] instead of exhausting the stack of later stages.
pub const MAX_DEPTH: usize = 500;

/// Work the grammar may do on one declaration before giving up, so that no
/// input can make the parser run for minutes.
const CALL_LIMIT: usize = 20_000_000;

/// The words that start a declaration; a syntax error resumes at the next
/// line beginning with one of them.
const DECLARATION_KEYWORDS: &[&str] = &[
    "policy", "currency", "rounding", "input", "param", "let", "kpi", "bonus", "gate", "cap",
    "example", "records",
];

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
                pos = skip_trivia(source, pos + consumed.max(1));
            }
            Err(error) => {
                // Parse the broken declaration again, this time recording
                // what was expected where (slower, so only on failure).
                pest::set_error_detail(true);
                let detailed = Grammar::parse(Rule::next_item, rest).err().unwrap_or(error);
                pest::set_error_detail(false);
                errors.push(describe(&detailed, source, pos));
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

/// Turns pest's error into one that speaks the language of the policy.
fn describe(error: &pest::error::Error<Rule>, source: &str, base: usize) -> ParseError {
    let rule_level = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    // pest places the error where the last named rule failed; the tokens it
    // tried (`:`, `=`) may have got further, and that is where the author
    // went wrong.
    let furthest = error.parse_attempts().map_or(0, |a| a.max_position);
    let at = base + rule_level.max(furthest);
    let past_rules = furthest > rule_level;
    if let ErrorVariant::CustomError { message } = &error.variant
        && message.contains("limit")
    {
        return ParseError::TooDeep {
            span: Span::new(at, at).into(),
            limit: MAX_DEPTH,
        };
    }
    if let Some(start) = unterminated_string_at(source, at) {
        return ParseError::UnterminatedString {
            span: Span::new(start, start + 1).into(),
        };
    }
    let mut expected = expected_descriptions(error, past_rules);
    expected.dedup();
    let found = found_description(source, at);
    let message = match expected.as_slice() {
        [] => format!("unexpected {found}"),
        [only] => format!("expected {only}, found {found}"),
        [init @ .., last] => format!("expected {} or {last}, found {found}", init.join(", ")),
    };
    let help = hint_for(source, at, &expected);
    let width = source[at..].chars().next().map_or(0, |c| {
        if c == '\n' || c == '\r' {
            0
        } else {
            c.len_utf8()
        }
    });
    ParseError::Syntax {
        message,
        span: Span::new(at, at + width).into(),
        label: "here".to_string(),
        help,
    }
}

/// What the parser would have accepted, in words a policy author knows.
/// `past_rules`: the furthest attempts were tokens beyond where pest's named
/// rules failed, so only the tokens (and the rules tried there) count.
fn expected_descriptions(error: &pest::error::Error<Rule>, past_rules: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    fn push(out: &mut Vec<String>, text: String) {
        if !out.contains(&text) {
            out.push(text);
        }
    }
    if let ErrorVariant::ParsingError { positives, .. } = &error.variant
        && !past_rules
    {
        for rule in positives {
            if let Some(text) = rule_description(*rule) {
                push(&mut out, text.to_string());
            }
        }
    }
    if let Some(attempts) = error.parse_attempts() {
        for stack in &attempts.call_stacks {
            if let Some(text) = stack.deepest.get_rule().and_then(|r| rule_description(*r)) {
                push(&mut out, text.to_string());
            }
        }
        for token in attempts.expected_tokens() {
            // Ranges print as `a..z`: character classes, not words to suggest.
            let token = token.to_string();
            if token.contains("..") && token.chars().count() > 2 {
                continue;
            }
            match token.as_str() {
                "\n" => push(&mut out, "the end of the line".to_string()),
                "\"" => push(&mut out, "a string in double quotes".to_string()),
                // Whitespace, comments and grammar internals are never
                // what the author meant to write.
                "" | " " | "\t" | "\r" | "#" | "|" | "%" | "\u{FEFF}" | "_" | "." | "\\"
                | "BUILTIN_RULE" => {}
                "-" | "(" if out.iter().any(|t| t.contains("expression")) => {}
                _ => push(&mut out, format!("`{token}`")),
            }
        }
    }
    // A newline is whitespace almost everywhere; it is worth naming only
    // when nothing else would do.
    if out.len() > 1 {
        out.retain(|t| t != "the end of the line");
    }
    // An expression subsumes the literal forms it can start with.
    if out.iter().any(|t| t == "an expression") {
        out.retain(|t| !matches!(t.as_str(), "a number" | "a name" | "a value"));
    }
    out
}

fn rule_description(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::expr | Rule::if_expr | Rule::paren | Rule::call => "an expression",
        Rule::name | Rule::decl_name | Rule::word => "a name",
        Rule::type_name => "a type (money, number, percent, count, bool or text)",
        Rule::string | Rule::doc => "a string in double quotes",
        Rule::number => "a number",
        Rule::literal => "a value",
        Rule::arm => "a table arm (`LEFT : VALUE`)",
        Rule::table_body => "`{`",
        Rule::eq
        | Rule::ne
        | Rule::lt
        | Rule::le
        | Rule::gt
        | Rule::ge
        | Rule::add
        | Rule::sub
        | Rule::mul
        | Rule::div
        | Rule::and_op
        | Rule::or_op => "an operator",
        Rule::policy_decl
        | Rule::currency_decl
        | Rule::rounding_decl
        | Rule::input_decl
        | Rule::param_decl
        | Rule::let_decl
        | Rule::kpi_decl
        | Rule::bonus_decl
        | Rule::gate_decl
        | Rule::cap_decl
        | Rule::example_decl
        | Rule::records_decl => {
            "a declaration (input, param, let, kpi, bonus, gate, cap, example, records)"
        }
        Rule::kwa_then => "`then`",
        Rule::kwa_else => "`else`",
        Rule::kwa_to => "`to`",
        Rule::expect_stmt | Rule::given_stmt => "`NAME = VALUE` or `expect NAME = VALUE`",
        Rule::field_decl => "a field (`NAME : TYPE`)",
        Rule::currency => "a currency code",
        _ => return None,
    })
}

fn found_description(source: &str, at: usize) -> String {
    let rest = &source[at..];
    match rest.chars().next() {
        None => "the end of the file".to_string(),
        Some('\n') | Some('\r') => "the end of the line".to_string(),
        Some(c) if c == '_' || c.is_alphanumeric() => {
            let word: String = rest
                .chars()
                .take_while(|c| *c == '_' || c.is_alphanumeric() || *c == '.')
                .take(40)
                .collect();
            format!("`{word}`")
        }
        Some(c) => format!("`{c}`"),
    }
}

/// A friendlier word for the commonest slips.
fn hint_for(source: &str, at: usize, expected: &[String]) -> Option<String> {
    let rest = &source[at..];
    if rest.starts_with('=') && !rest.starts_with("==") && expected.iter().any(|t| t == "`then`") {
        return Some("did you mean `==`? A single `=` only names a value".to_string());
    }
    if rest.starts_with('=') && !rest.starts_with("==") && expected.iter().any(|t| t == "`else`") {
        return Some("did you mean `==`? A single `=` only names a value".to_string());
    }
    if expected.iter().any(|t| t == "`=`") && !rest.starts_with('=') {
        return Some("a declaration reads `kpi NAME = EXPRESSION`".to_string());
    }
    None
}

/// If `at` lies inside a string that is never closed on its line, where it
/// starts.
fn unterminated_string_at(source: &str, at: usize) -> Option<usize> {
    let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[line_start..]
        .find('\n')
        .map_or(source.len(), |i| line_start + i);
    let line = &source[line_start..line_end];
    let mut open: Option<usize> = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match (c, open) {
            ('#', None) => break,
            ('"', None) => open = Some(line_start + i),
            ('"', Some(_)) => open = None,
            ('\\', Some(_)) => {
                chars.next();
            }
            _ => {}
        }
    }
    open.filter(|start| *start <= at)
}

#[cfg(test)]
mod tests;
