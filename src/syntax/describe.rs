//! pest's errors → messages in the words of a policy author.
//!
//! pest says which grammar rules and tokens it tried at the furthest place
//! it reached. Here that becomes "expected an expression after `=`", with
//! the place of the mistake: the token before it when the line ended too
//! early, the opening `{` or `(` when a block is never closed, the opening
//! `"` of a string that is never closed.

use super::{Grammar, MAX_DEPTH, ParseError, Rule};
use crate::span::Span;
use pest::Parser as _;
use pest::error::{ErrorVariant, InputLocation};

/// The words that start a declaration.
pub(super) const DECLARATION_KEYWORDS: &[&str] = &[
    "policy", "currency", "rounding", "input", "param", "let", "kpi", "bonus", "gate", "cap",
    "example", "records",
];

/// Describes the failure to read a declaration at `pos`. `previous` is the
/// declaration read just before (start, end), if any: when the failure is
/// at the very start of this one, on the line where that one ended, that
/// one ended too early (`min(a,` was read as the name `min`), so it is read
/// again, up to where reading resumes, with a rule that must reach the end
/// of that text, to find what is really wrong.
pub(super) fn diagnose(
    error: &pest::error::Error<Rule>,
    source: &str,
    pos: usize,
    previous: Option<(usize, usize)>,
) -> ParseError {
    if let Some((start, end)) = previous
        && Expected::of(error).at == 0
        && !source[end..pos].contains('\n')
    {
        // Up to where reading resumes after this error: the next line that
        // starts a declaration.
        let end = super::resume_point(source, pos);
        if let Err(strict) = Grammar::parse(Rule::strict_item, &source[start..end])
            && start + Expected::of(&strict).at >= pos
        {
            return describe(&strict, source, start, true);
        }
    }
    describe(error, source, pos, false)
}

/// What pest expected, and where (relative to where it started).
struct Expected {
    at: usize,
    rules: Vec<Rule>,
    tokens: Vec<String>,
    /// The rules are those pest expected at its error's location (rather
    /// than those open where the furthest tokens were tried).
    at_location: bool,
}

impl Expected {
    /// pest tracks the furthest place any attempt reached, with the
    /// tokens tried there; that is where the mistake is, unless only
    /// lookaheads reached it (`!keyword` reads a whole keyword), in which
    /// case the rules tried at the error's own location say more.
    fn of(error: &pest::error::Error<Rule>) -> Expected {
        let location = match error.location {
            InputLocation::Pos(pos) => pos,
            InputLocation::Span((start, _)) => start,
        };
        let positives = match &error.variant {
            ErrorVariant::ParsingError { positives, .. } => positives.clone(),
            ErrorVariant::CustomError { .. } => Vec::new(),
        };
        if let Some(attempts) = error.parse_attempts()
            && attempts.max_position >= location
        {
            let tokens: Vec<String> = attempts
                .expected_tokens()
                .iter()
                .map(|t| t.to_string())
                .filter(|t| !is_junk(t))
                .collect();
            if !tokens.is_empty() {
                let mut rules: Vec<Rule> = attempts
                    .call_stacks()
                    .iter()
                    .filter_map(|stack| stack.deepest.get_rule().copied())
                    .collect();
                if attempts.max_position == location {
                    rules.extend(positives);
                }
                return Expected {
                    at: attempts.max_position,
                    rules,
                    tokens,
                    at_location: false,
                };
            }
        }
        Expected {
            at: location,
            rules: positives,
            tokens: Vec::new(),
            at_location: true,
        }
    }
}

/// Whitespace, comments, character classes and pieces of numbers and
/// names: never what the author meant to write.
fn is_junk(token: &str) -> bool {
    matches!(
        token,
        "" | " " | "\t" | "\r" | "#" | "|" | "%" | "\u{FEFF}" | "_" | "." | "\\" | "BUILTIN_RULE"
    ) || token.contains("..") && token.chars().count() > 2
}

/// `strict`: the error is of [`Rule::strict_item`], which must reach the
/// end of the text it is given.
fn describe(
    error: &pest::error::Error<Rule>,
    source: &str,
    base: usize,
    strict: bool,
) -> ParseError {
    let expectation = Expected::of(error);
    let at = (base + expectation.at).min(source.len());
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
    let context = Context::scan(source, base, at);
    let found = Token::at(source, at);
    if let Some(&(open, open_at)) = context.open.last()
        && (found.is_end_of_file() || found.starts_declaration(source))
    {
        let (what, close) = if open == '{' {
            ("block", "}")
        } else {
            ("parenthesis", ")")
        };
        let end_label = if found.is_end_of_file() {
            "the file ends here".to_string()
        } else {
            format!("expected `{close}` before this")
        };
        return ParseError::Unclosed {
            open: open.to_string(),
            what,
            close,
            span: Span::new(open_at, open_at + 1).into(),
            end: Span::new(at, at).into(),
            end_label,
        };
    }

    let expected = expected_descriptions(&expectation, &found, &context, strict);
    let list = join_or(&expected);
    let line_broken = context
        .previous
        .as_ref()
        .is_some_and(|previous| source[previous.span.end..at].contains('\n'));
    let help = hint(source, at, &found, &expected, &context, line_broken);
    let after = context
        .previous
        .as_ref()
        .filter(|previous| previous.text.chars().count() <= 24 && !previous.text.starts_with('"'));
    // The line ended where something was still needed: point at the end
    // of what was written, not at the next declaration.
    if let Some(previous) = &context.previous
        && line_broken
        && !expected.is_empty()
    {
        let message = match after {
            Some(previous) => format!("expected {list} after `{}`", previous.text),
            None => format!("expected {list} before the end of the line"),
        };
        return ParseError::Syntax {
            message,
            span: previous.span.into(),
            label: format!("expected {} after this", expected[0]),
            help,
        };
    }
    let message = match (expected.is_empty(), after) {
        (true, _) => format!("unexpected {}", found.describe()),
        (false, Some(previous)) => format!(
            "expected {list} after `{}`, found {}",
            previous.text,
            found.describe()
        ),
        (false, None) => format!("expected {list}, found {}", found.describe()),
    };
    ParseError::Syntax {
        message,
        span: found.span.into(),
        label: "here".to_string(),
        help,
    }
}

/// What the parser would have accepted, in words a policy author knows,
/// the most specific first.
fn expected_descriptions(
    expectation: &Expected,
    found: &Token,
    context: &Context,
    strict: bool,
) -> Vec<String> {
    let (rules, tokens) = (&expectation.rules, &expectation.tokens);
    let operators = ["==", "!=", "<", "<=", ">", ">=", "+", "*", "/", "and", "or"];
    let after_value = tokens.iter().any(|t| operators.contains(&t.as_str()));
    let mut specific: Vec<String> = Vec::new();
    let mut generic: Vec<&'static str> = Vec::new();
    let mut newline = false;
    let mut end_of_item = false;
    for token in tokens {
        match token.as_str() {
            "\n" => newline = true,
            "\"" => generic.push(STRING),
            t if operators.contains(&t) => generic.push(OPERATOR),
            // After a value, `-` is an operator and `(` calls a function.
            "(" | "-" if after_value => {}
            "(" | "-" | "not" | "if" | "tiers" | "marginal" | "curve" | "weighted" | "match"
            | "true" | "false" => generic.push(EXPRESSION),
            t if DECLARATION_KEYWORDS.contains(&t) => generic.push(DECLARATION),
            t => specific.push(format!("`{t}`")),
        }
    }
    // Rules say what tokens cannot: a name, a type, a literal value. (Rules
    // such as `expr` are open at every place inside a formula, so they say
    // nothing; the tokens tried tell whether a formula may start here.)
    let in_braces = context.open.last().is_some_and(|(c, _)| *c == '{');
    let after_colon = context.previous.as_ref().is_some_and(|p| p.text == ":");
    for &rule in rules {
        let text = match rule {
            Rule::name | Rule::decl_name | Rule::word | Rule::type_name
                if after_colon && !in_braces || rule == Rule::type_name =>
            {
                TYPE
            }
            Rule::name | Rule::decl_name | Rule::word => NAME,
            Rule::literal | Rule::default => VALUE,
            Rule::number => "a number",
            Rule::arm => "a table arm (`LEFT : VALUE`)",
            Rule::field_decl => "a field (`NAME : TYPE`)",
            Rule::expect_stmt | Rule::given_stmt | Rule::expect_gate => STATEMENT,
            Rule::currency if found.is_word() => "a currency code in capitals",
            Rule::string | Rule::doc => STRING,
            Rule::EOI if strict => {
                end_of_item = true;
                continue;
            }
            Rule::expr | Rule::if_expr | Rule::paren | Rule::call if expectation.at_location => {
                EXPRESSION
            }
            rule if is_declaration(rule) => DECLARATION,
            _ => continue,
        };
        generic.push(text);
    }
    if generic.contains(&VALUE) {
        // A literal's tokens (`"`, `-`, `true`) do not start a formula here.
        generic.retain(|t| !matches!(*t, EXPRESSION | STRING));
    }
    if generic.contains(&EXPRESSION) {
        generic.retain(|t| !matches!(*t, STRING | NAME | "a number"));
    }
    if generic.contains(&OPERATOR) {
        // After a whole formula only a declaration's doc string could
        // follow; suggesting it would mislead.
        generic.retain(|t| *t != STRING);
    }
    if !specific.is_empty() {
        generic.retain(|t| !matches!(*t, STATEMENT | DECLARATION));
    }
    let mut out: Vec<String> = Vec::new();
    for text in specific
        .into_iter()
        .chain(generic.into_iter().map(str::to_string))
    {
        if !out.contains(&text) {
            out.push(text);
        }
    }
    // A newline is whitespace except inside a table, an example or a
    // records block; there (and at the end of a declaration) it ends
    // something complete.
    let complete = out.iter().any(|t| t == OPERATOR || t == "`}`");
    let line_may_end = newline && in_braces && complete || end_of_item;
    if line_may_end && !found.is_end_of_line() {
        out.push("the end of the line".to_string());
    }
    if out.len() > 1 {
        out.retain(|t| t != DECLARATION);
    }
    out
}

const EXPRESSION: &str = "an expression";
const OPERATOR: &str = "an operator";
const STRING: &str = "a string in double quotes";
const NAME: &str = "a name";
const TYPE: &str = "a type (money, number, percent, count, bool or text)";
const VALUE: &str = "a value (a number, a percentage, an amount, a string, `true` or `false`)";
const STATEMENT: &str = "`NAME = VALUE` or `expect NAME = VALUE`";
const DECLARATION: &str =
    "a declaration (input, param, let, kpi, bonus, gate, cap, example or records)";

fn is_declaration(rule: Rule) -> bool {
    matches!(
        rule,
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
            | Rule::records_decl
    )
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A friendlier word for the commonest slips.
fn hint(
    source: &str,
    at: usize,
    found: &Token,
    expected: &[String],
    context: &Context,
    line_broken: bool,
) -> Option<String> {
    let expects = |text: &str| expected.iter().any(|t| t == text);
    let previous = context.previous.as_ref().map_or("", |p| p.text.as_str());
    let keyword = context.keyword.as_deref().unwrap_or("");
    let in_braces = context.open.last().is_some_and(|(c, _)| *c == '{');
    // What was found matters only where it was found on the same line.
    if !line_broken && let Some(hint) = hint_for_found(&source[at..], found, expected, previous) {
        return Some(hint);
    }
    if expects("`:`") && (keyword == "input" || keyword == "records" && in_braces) {
        let (what, form, example) = if keyword == "input" {
            ("an input", "input NAME", format!("input {previous}"))
        } else {
            ("a record field", "NAME", previous.to_string())
        };
        return Some(format!(
            "{what} reads `{form} : TYPE`, e.g. `{example} : money`"
        ));
    }
    if expects("`:`") && in_braces {
        return Some("each arm of a table reads `LEFT : VALUE`, e.g. `below 80% : 0`".to_string());
    }
    if expects("`=`") && keyword == "example" {
        return Some("an example's line reads `NAME = VALUE` or `expect NAME = VALUE`".to_string());
    }
    if expects("`=`") && matches!(keyword, "param" | "let" | "kpi" | "bonus") {
        return Some(format!(
            "a `{keyword}` declaration reads `{keyword} NAME = FORMULA`"
        ));
    }
    if expects("`else`") && keyword == "gate" && context.ifs == 0 {
        return Some("a gate reads `gate CONDITION else \"message\"`".to_string());
    }
    if expects("`else`") {
        return Some("`if` needs both branches: `if CONDITION then VALUE else OTHER`".to_string());
    }
    if expects("`then`") {
        return Some("`if` reads `if CONDITION then VALUE else OTHER`".to_string());
    }
    if expects("`{`") {
        return Some("a table's arms follow in braces, one a line: `tiers x {` … `}`".to_string());
    }
    None
}

/// Hints about the token found where something else was expected.
fn hint_for_found(
    rest: &str,
    found: &Token,
    expected: &[String],
    previous: &str,
) -> Option<String> {
    let expects = |text: &str| expected.iter().any(|t| t == text);
    let after_number = previous.starts_with(|c: char| c.is_ascii_digit());
    if rest.starts_with('=') && !rest.starts_with("==") && expects(OPERATOR) {
        return Some(
            "did you mean `==`? `=` gives a name its value, `==` compares two values".to_string(),
        );
    }
    if rest.starts_with(":=") {
        return Some(
            "a value follows `=` alone; `:` introduces a type, as in `param rate : percent = 5%`"
                .to_string(),
        );
    }
    if rest.starts_with("&&") || rest.starts_with("||") {
        return Some("write `and` and `or` in words: `a > 0 and b > 0`".to_string());
    }
    if rest.starts_with('!') && !rest.starts_with("!=") {
        return Some("write `not` in words: `not on_hold`".to_string());
    }
    if rest.starts_with('\'') {
        return Some("strings are written in double quotes: `\"north\"`".to_string());
    }
    if rest.starts_with('%') && after_number {
        return Some(format!(
            "write the percentage without a space: `{previous}%`"
        ));
    }
    if rest.starts_with(',') && after_number && rest[1..].starts_with(|c: char| c.is_ascii_digit())
    {
        // `2,5` is a decimal comma in much of the world, `1,000` a
        // thousands separator in the rest: say both readings.
        let digits: String = rest[1..].chars().take_while(char::is_ascii_digit).collect();
        return Some(format!(
            "a comma does not go in numbers: write `{previous}.{digits}` for a decimal, `{previous}_{digits}` to group digits"
        ));
    }
    if after_number && found.text.len() == 3 && found.text.chars().all(|c| c.is_ascii_alphabetic())
    {
        return Some(format!(
            "an amount is a number and a currency code in capitals: `{previous} {}`",
            found.text.to_uppercase()
        ));
    }
    if found.is_word()
        && super::lower::is_keyword(&found.text)
        && (expects(EXPRESSION) || expects(NAME))
    {
        return Some(format!(
            "`{}` is a keyword and cannot be a name",
            found.text
        ));
    }
    if expects(VALUE) && found.is_word() {
        return Some(
            "a default or an example's value is written out, such as `0`, `5_000 USD`, `80%` or `\"north\"`, not computed"
                .to_string(),
        );
    }
    if found.text.starts_with(|c: char| c.is_ascii_digit()) && expects(NAME) {
        return Some("a name starts with a letter or `_`".to_string());
    }
    let only_operators = expected
        .iter()
        .all(|t| t == OPERATOR || t == "the end of the line");
    if only_operators && found.is_value() {
        return Some(
            "two values in a row: did you forget an operator such as `*` or `+`, or a line break?"
                .to_string(),
        );
    }
    if expects(DECLARATION) && found.is_word() && !super::lower::is_keyword(&found.text) {
        return Some(format!(
            "a declaration starts with its keyword, e.g. `kpi {} = …`",
            found.text
        ));
    }
    None
}

/// One token of the source, as far as messages need to know.
struct Token {
    text: String,
    span: Span,
    end_of_file: bool,
}

impl Token {
    /// The token at `at`: a word, a number, a string, an operator, or
    /// nothing at the end of a line or the file.
    fn at(source: &str, at: usize) -> Token {
        let rest = &source[at..];
        let len = match rest.chars().next() {
            None | Some('\n') | Some('\r') => 0,
            Some('"') => rest[1..].find(['"', '\n']).map_or(rest.len(), |end| {
                let close = usize::from(rest[1 + end..].starts_with('"'));
                1 + end + close
            }),
            Some(c) if is_word_char(c) => rest
                .char_indices()
                .find(|(_, c)| !is_word_char(*c) && *c != '.')
                .map_or(rest.len(), |(i, _)| i),
            Some(c) => {
                let two = rest.get(..2).unwrap_or("");
                if ["==", "!=", "<=", ">=", "&&", "||", ":="].contains(&two) {
                    2
                } else {
                    c.len_utf8()
                }
            }
        };
        let len = rest[..len].char_indices().nth(40).map_or(len, |(i, _)| i);
        Token {
            text: rest[..len].to_string(),
            span: Span::new(at, at + len),
            end_of_file: rest.trim().is_empty(),
        }
    }

    fn is_end_of_file(&self) -> bool {
        self.end_of_file
    }

    fn is_end_of_line(&self) -> bool {
        self.text.is_empty()
    }

    fn is_word(&self) -> bool {
        self.text.starts_with(is_word_char)
    }

    /// A name, number or string: something an operator could join.
    fn is_value(&self) -> bool {
        self.is_word() && !super::lower::is_keyword(&self.text) || self.text.starts_with('"')
    }

    /// A declaration keyword first on its line.
    fn starts_declaration(&self, source: &str) -> bool {
        let line_start = source[..self.span.start].rfind('\n').map_or(0, |i| i + 1);
        source[line_start..self.span.start].trim().is_empty()
            && DECLARATION_KEYWORDS.contains(&self.text.as_str())
    }

    fn describe(&self) -> String {
        if self.end_of_file {
            "the end of the file".to_string()
        } else if self.text.is_empty() {
            "the end of the line".to_string()
        } else if self.text.starts_with('"') {
            "a string".to_string()
        } else {
            format!("`{}`", self.text)
        }
    }
}

fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// What the source holds between a declaration's start and the error.
#[derive(Default)]
struct Context {
    /// Brackets opened and not closed: the bracket and where.
    open: Vec<(char, usize)>,
    /// The last token before the error.
    previous: Option<Token>,
    /// The declaration's keyword.
    keyword: Option<String>,
    /// `if`s not yet matched by an `else`.
    ifs: usize,
}

impl Context {
    fn scan(source: &str, start: usize, end: usize) -> Context {
        let mut context = Context::default();
        let mut pos = start;
        while pos < end {
            let rest = &source[pos..end];
            let Some(c) = rest.chars().next() else { break };
            if c.is_whitespace() {
                pos += c.len_utf8();
                continue;
            }
            if c == '#' {
                pos += rest.find('\n').unwrap_or(rest.len());
                continue;
            }
            let token = Token::at(&source[..end], pos);
            let len = token.span.len().max(c.len_utf8());
            match c {
                '{' | '(' => context.open.push((c, pos)),
                '}' | ')' => {
                    context.open.pop();
                }
                _ => {}
            }
            match token.text.as_str() {
                "if" => context.ifs += 1,
                "else" => context.ifs = context.ifs.saturating_sub(1),
                _ => {}
            }
            if context.keyword.is_none() {
                context.keyword = Some(token.text.clone());
            }
            context.previous = Some(token);
            pos += len;
        }
        context
    }
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
