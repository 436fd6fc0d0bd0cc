//! Syntax errors of any text: never a panic, always a place inside the
//! text, and the checker's warnings never panic either.

use miette::Diagnostic;
use proptest::prelude::*;

/// Pieces of policies, so that random texts get deep into the grammar.
const PIECES: &[&str] = &[
    "policy \"T\"\n",
    "currency USD\n",
    "input ",
    "param ",
    "kpi ",
    "bonus ",
    "let ",
    "gate ",
    "cap ",
    "example \"e\" {\n",
    "records deals {\n",
    "revenue",
    "deals",
    " : ",
    " = ",
    "==",
    " + ",
    " / ",
    " * ",
    "money",
    "count",
    "(",
    ")",
    "{",
    "}\n",
    "\n",
    "\"text",
    "\"",
    "# kpi:allow(unused)\n",
    "if ",
    " then ",
    " else ",
    "tiers ",
    "below ",
    "otherwise",
    "5",
    "80%",
    "100 USD",
    "min(",
    ",",
    "é",
    "\t",
];

fn policy_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn errors_have_places_inside_the_text(text in policy_text()) {
        match kpi::syntax::parse(&text) {
            Err(errors) => {
                for error in errors {
                    for label in error.labels().into_iter().flatten() {
                        prop_assert!(label.offset() + label.len() <= text.len(), "{error:?}");
                        prop_assert!(text.is_char_boundary(label.offset()), "{error:?}");
                    }
                    let message = error.to_string();
                    prop_assert!(!message.contains("BUILTIN_RULE"), "{message}");
                    prop_assert!(!message.starts_with(char::is_uppercase), "{message}");
                }
            }
            Ok(ast) => {
                // Errors or warnings, the checker returns.
                let _ = kpi::check::check(&ast, &text);
            }
        }
    }
}

#[test]
fn a_long_chain_of_unused_lets_is_linted_quickly() {
    let mut text = String::from("policy \"T\"\ncurrency USD\ninput a : money\nbonus b = a * 10%\n");
    for i in 0..20_000 {
        text.push_str(&format!("let l{i} = a * {i}\n"));
    }
    let ast = kpi::syntax::parse(&text).expect("parses");
    let started = std::time::Instant::now();
    let checked = kpi::check::check(&ast, &text).expect("checks");
    assert_eq!(checked.warnings.len(), 20_000);
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}
