use super::*;
use crate::ast::{ArmLeft, Expr, ExprKind, ItemKind, Lit, UnaryOp};
use crate::testing::{HEADER, codes};

/// The expression of the first `let`/`kpi`/… of `body`, as an S-expression.
fn sexp(body: &str) -> String {
    let policy = parse(&format!("{HEADER}{body}")).expect("parses");
    let expr = policy
        .items
        .iter()
        .find_map(|item| match &item.kind {
            ItemKind::Binding(binding) => Some(&binding.value),
            _ => None,
        })
        .expect("a binding");
    render(expr)
}

fn render(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Lit(Lit::Number(n)) => n.raw.clone(),
        ExprKind::Lit(Lit::Percent(n)) => format!("{}%", n.raw),
        ExprKind::Lit(Lit::Money(n, code)) => format!("{} {}", n.raw, code.name),
        ExprKind::Lit(Lit::Text(t)) => format!("{:?}", t.value),
        ExprKind::Lit(Lit::Bool(b)) => b.to_string(),
        ExprKind::Name(ident) => ident.name.clone(),
        ExprKind::Unary(UnaryOp::Neg, e) => format!("(- {})", render(e)),
        ExprKind::Unary(UnaryOp::Not, e) => format!("(not {})", render(e)),
        ExprKind::Binary(op, a, b) => format!("({} {} {})", op.symbol(), render(a), render(b)),
        ExprKind::Paren(e) => format!("[{}]", render(e)),
        ExprKind::If(i) => format!(
            "(if {} {} {})",
            render(&i.cond),
            render(&i.then),
            render(&i.otherwise)
        ),
        ExprKind::Call(c) => format!(
            "({} {})",
            c.func.name,
            c.args.iter().map(render).collect::<Vec<_>>().join(" ")
        ),
        ExprKind::Aggregate(a) => format!("(agg {} {})", a.func.name, a.set.name),
        ExprKind::Table(t) => format!("({} {} arms)", t.kind.keyword(), t.arms.len()),
    }
}

fn parse_codes(body: &str) -> Vec<String> {
    match parse(&format!("{HEADER}{body}")) {
        Ok(_) => Vec::new(),
        Err(errors) => codes(&errors),
    }
}

#[test]
fn operators_follow_the_reference_precedence() {
    assert_eq!(sexp("kpi x = a + b * c"), "(+ a (* b c))");
    assert_eq!(sexp("kpi x = a - b - c"), "(- (- a b) c)");
    assert_eq!(sexp("kpi x = -a * b"), "(* (- a) b)");
    assert_eq!(sexp("kpi x = not a > b and c"), "(and (not (> a b)) c)");
    assert_eq!(sexp("kpi x = a or b and c"), "(or a (and b c))");
    assert_eq!(sexp("kpi x = a < b + 1"), "(< a (+ b 1))");
    assert_eq!(sexp("kpi x = (a + b) * c"), "(* [(+ a b)] c)");
    assert_eq!(
        sexp("kpi x = if a then 1 else if b then 2 else 3 + 4"),
        "(if a 1 (if b 2 (+ 3 4)))"
    );
}

#[test]
fn literals_keep_their_text() {
    assert_eq!(
        sexp("kpi x = 1_000.50 USD + 12.5% * 0"),
        "(+ 1_000.50 USD (* 12.5% 0))"
    );
    assert_eq!(sexp("kpi x = \"a \\\"b\\\"\\n\""), "\"a \\\"b\\\"\\n\"");
    assert_eq!(sexp("kpi x = min(a, b, 3)"), "(min a b 3)");
    assert_eq!(sexp("kpi x = count(deals)"), "(agg count deals)");
    assert_eq!(
        sexp("kpi x = sum(deals.amount where ok)"),
        "(agg sum deals)"
    );
}

#[test]
fn unicode_names_are_names() {
    assert_eq!(
        sexp("kpi выручка_план = выручка / план"),
        "(/ выручка план)"
    );
}

#[test]
fn a_newline_ends_a_table_arm() {
    let body = "let c = curve growth {\n  -10% : 0\n  -5%  : 1\n  0    : 2 - 1 # comment\n}";
    assert_eq!(sexp(body), "(curve 3 arms)");
    let policy = parse(&format!("{HEADER}{body}")).expect("parses");
    let ItemKind::Binding(binding) = &policy.items[2].kind else {
        panic!("a binding")
    };
    let ExprKind::Table(table) = &binding.value.kind else {
        panic!("a table")
    };
    let lefts: Vec<String> = table
        .arms
        .iter()
        .map(|arm| match &arm.left {
            ArmLeft::Expr(e) => render(e),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(lefts, ["(- 10%)", "(- 5%)", "0"]);
    assert_eq!(render(&table.arms[2].value), "(- 2 1)");
}

#[test]
fn parentheses_let_a_formula_span_lines_anywhere() {
    assert_eq!(sexp("kpi x = (a\n  + b)"), "[(+ a b)]");
    assert_eq!(sexp("kpi x = a\n  + b"), "(+ a b)");
    assert_eq!(
        sexp("let t = tiers x {\n  below 1 : (a\n    + b)\n  otherwise : 0\n}"),
        "(tiers 2 arms)"
    );
}

#[test]
fn bom_and_crlf_line_endings_are_accepted() {
    let source = "\u{FEFF}policy \"T\"\r\ncurrency USD\r\ninput a : money\r\nlet t = tiers a {\r\n  below 1 USD : 1\r\n  otherwise : 2\r\n}\r\n";
    assert!(parse(source).is_ok());
}

#[test]
fn keywords_are_not_names() {
    assert_eq!(parse_codes("let if = 1"), ["kpi::parse::keyword_as_name"]);
    assert_eq!(
        sexp("kpi x = iffy + nothing + android"),
        "(+ (+ iffy nothing) android)"
    );
}

#[test]
fn comparisons_do_not_chain() {
    assert_eq!(
        parse_codes("kpi x = a < b < c"),
        ["kpi::parse::chained_comparison"]
    );
    assert_eq!(sexp("kpi x = (a < b) == c"), "(== [(< a b)] c)");
}

#[test]
fn strings_must_close_and_escape_properly() {
    assert_eq!(
        parse_codes("gate x else \"never closed\nkpi y = 1"),
        ["kpi::parse::unterminated_string"]
    );
    assert_eq!(parse_codes("kpi x = \"a\\tb\""), ["kpi::parse::bad_escape"]);
}

#[test]
fn every_broken_declaration_is_reported() {
    let body = "bonus b revenue * 10%\ninput ok : money\nkpi c = * 2\nkpi fine = 1\nlet d = (1\n";
    assert_eq!(
        parse_codes(body),
        [
            "kpi::parse::syntax",
            "kpi::parse::syntax",
            "kpi::parse::unclosed"
        ]
    );
}

#[test]
fn a_syntax_error_points_at_its_line() {
    let source = format!("{HEADER}input revenue : money\nbonus b revenue * 10%\n");
    let errors = parse(&source).expect_err("a syntax error");
    let ParseError::Syntax { span, message, .. } = &errors[0] else {
        panic!("a syntax error, got {errors:?}")
    };
    let line = source[..span.offset()].matches('\n').count() + 1;
    assert_eq!(line, 4);
    assert!(message.contains("`=`"), "{message}");
}

#[test]
fn numbers_beyond_28_digits_are_errors_not_rounded() {
    assert_eq!(
        parse_codes("kpi x = 1234567890123456789012345678901234567890"),
        ["kpi::parse::number_too_large"]
    );
}

#[test]
fn bytes_that_are_not_utf8_are_an_error() {
    let errors =
        parse_bytes(b"policy \"T\"\ncurrency USD\nkpi x = \xff\xfe").expect_err("not UTF-8");
    assert_eq!(codes(&errors), ["kpi::parse::not_utf8"]);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = |open: &str, core: &str, close: &str, n: usize| {
        format!("kpi x = {}{core}{}", open.repeat(n), close.repeat(n))
    };
    for body in [
        deep("(", "1", ")", 100_000),
        deep("-", "1", "", 100_000),
        deep("not ", "true", "", 100_000),
        deep("if a then 1 else ", "1", "", 20_000),
        format!("kpi x = 1{}", " + 1".repeat(100_000)),
        deep("min(1, ", "1", ")", 20_000),
    ] {
        assert_eq!(
            parse_codes(&body),
            ["kpi::parse::too_deep"],
            "{}",
            &body[..40]
        );
    }
    // Nesting well within the limit is fine.
    assert!(parse_codes(&deep("(", "1", ")", 200)).is_empty());
    assert!(parse_codes(&format!("kpi x = 1{}", " + 1".repeat(400))).is_empty());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// No text, however malformed, makes the parser panic.
        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        /// Nor on arbitrary bytes.
        #[test]
        fn never_panics_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_bytes(&bytes);
        }

        /// Nor on near-policies: real tokens in random order.
        #[test]
        fn never_panics_on_token_soup(tokens in proptest::collection::vec(
            prop::sample::select(vec![
                "policy", "\"t\"", "currency", "USD", "input", "a", ":", "money", "=", "kpi",
                "tiers", "{", "}", "below", "otherwise", "1", "5%", "3 USD", "(", ")", "+", "-",
                "*", "/", "if", "then", "else", "\n", "#", "example", "expect", "gate", "cap",
                "records", "sum", ".", "where", "==", "and", "not", ",", "up", "to", "match",
            ]),
            0..60,
        )) {
            let _ = parse(&tokens.join(" "));
        }

        /// Generated expressions, printed with every operation in
        /// parentheses, parse back to the tree they were printed from.
        #[test]
        fn printed_expressions_parse_back((text, expected) in arithmetic()) {
            prop_assert_eq!(sexp(&format!("kpi x = {text}")), expected);
        }
    }

    /// A random expression: its text, and the S-expression it must parse to.
    fn arithmetic() -> impl Strategy<Value = (String, String)> {
        let leaf = prop_oneof![
            "[a-c]".prop_map(|n| (n.clone(), n)),
            (0u32..1000).prop_map(|n| (n.to_string(), n.to_string())),
            (0u32..100).prop_map(|n| (format!("{n}%"), format!("{n}%"))),
            (1u32..100).prop_map(|n| (format!("{n} USD"), format!("{n} USD"))),
        ];
        leaf.prop_recursive(6, 40, 3, |inner| {
            prop_oneof![
                (
                    inner.clone(),
                    prop::sample::select(vec!["+", "-", "*", "/", "<", "==", "and", "or"]),
                    inner.clone()
                )
                    .prop_map(|((a, sa), op, (b, sb))| {
                        (format!("({a} {op} {b})"), format!("[({op} {sa} {sb})]"))
                    }),
                inner
                    .clone()
                    .prop_map(|(e, s)| (format!("-({e})"), format!("(- [{s}])"))),
                inner
                    .clone()
                    // `not` binds looser than `+`: parenthesized as a whole.
                    .prop_map(|(e, s)| (format!("(not ({e}))"), format!("[(not [{s}])]"))),
                (inner.clone(), inner).prop_map(|((a, sa), (b, sb))| (
                    format!("min({a}, {b})"),
                    format!("(min {sa} {sb})")
                )),
            ]
        })
    }
}
