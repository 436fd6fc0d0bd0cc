use crate::testing::{errors, messages, plan};
use crate::value::Type;

fn one(body: &str) -> String {
    let found = errors(body);
    assert_eq!(
        found.len(),
        1,
        "expected one error for {body:?}, got {found:?}"
    );
    found[0].clone()
}

#[test]
fn well_formed_policies_check() {
    for body in [
        "input a : money\nkpi x : percent = a / a",
        "input a : money\nbonus b = if a > 0 then a else 0",
        "input a : money\nbonus b = max(a, 0)",
        "input a : money = 0\ncap 0",
        "input n : count\nkpi x = n * 2 + 1",
        "input t : text\nkpi k = t == \"x\" and not (t != \"y\")",
        "param p = 5%\nparam q = p * 2\ninput a : money\nbonus b = a * q",
        "input a : money\nlet l = a\nkpi k = l\nbonus b = k",
    ] {
        assert_eq!(errors(body), Vec::<String>::new(), "{body}");
    }
}

#[test]
fn units_are_checked() {
    for body in [
        "input a : money\nbonus b = a + 5",
        "input a : money\nbonus b = a * a",
        "input a : money\nkpi k = 5 / a",
        "input a : money\ninput n : number\nkpi k = a > n",
        "input a : money\nbonus b = if a > 0 then a else 1",
        "input a : money\nbonus b = min(a, 3)",
    ] {
        assert_eq!(one(body), "kpi::check::unit_mismatch", "{body}");
    }
}

#[test]
fn a_unitless_number_beside_money_suggests_the_currency() {
    let found = messages("input revenue : money\nbonus b = revenue + 5");
    assert!(found[0].contains("write `5 USD`"), "{found:?}");
}

#[test]
fn kinds_are_checked() {
    for body in [
        "input t : text\nkpi k = t + 1",
        "input b : bool\nkpi k = if 1 then b else b",
        "input t : text\nkpi k = t < \"x\"",
        "input n : number\nkpi k = n and true",
        "input n : number\ngate n else \"x\"",
    ] {
        assert_eq!(one(body), "kpi::check::type_mismatch", "{body}");
    }
}

#[test]
fn declared_types_must_match() {
    assert_eq!(
        one("input d : count\ninput m : count\nkpi x : money = d / m"),
        "kpi::check::declared_type"
    );
    assert_eq!(
        one("input a : number\nbonus b = a * 2"),
        "kpi::check::bonus_not_money"
    );
    assert_eq!(one("input a : mony"), "kpi::check::unknown_type");
}

#[test]
fn unknown_names_suggest_the_closest() {
    let found = messages("input revenue : money\nkpi doubled : money = revnue * 2");
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("unknown name `revnue`"), "{found:?}");
    assert!(found[0].contains("did you mean `revenue`?"), "{found:?}");
}

#[test]
fn every_member_of_a_cycle_is_named() {
    let found = messages(
        "input base : money\nlet first = second + base\nlet second = third * 2\nlet third = first\nbonus b = first",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    for name in ["first", "second", "third"] {
        assert!(found[0].contains(name), "{found:?}");
    }
    assert_eq!(one("let x = x + 1"), "kpi::check::cycle");
}

#[test]
fn a_long_chain_is_not_a_cycle() {
    let mut body = String::from("input a : money\nlet v0 = a\n");
    for i in 1..20_000 {
        body.push_str(&format!("let v{i} = v{} + 1 USD\n", i - 1));
    }
    body.push_str("bonus b = v19999\n");
    assert!(errors(&body).is_empty());
}

#[test]
fn names_are_declared_once() {
    assert_eq!(
        one("input a : money\nkpi a = 1"),
        "kpi::check::duplicate_name"
    );
}

#[test]
fn params_use_literals_and_params_only() {
    assert_eq!(
        one("input a : money\nparam p = a * 2"),
        "kpi::check::param_not_constant"
    );
}

#[test]
fn tables_are_checked() {
    let tiers = |arms: &str| format!("input a : number\nkpi k = tiers a {{\n{arms}\n}}");
    assert_eq!(
        one(&tiers("  below 1 : 0")),
        "kpi::check::missing_otherwise"
    );
    assert_eq!(
        one(&tiers("  otherwise : 1\n  below 1 : 0")),
        "kpi::check::table_arm"
    );
    assert_eq!(
        one(&tiers("  below 2 : 0\n  below 1 : 1\n  otherwise : 2")),
        "kpi::check::not_increasing"
    );
    assert_eq!(
        one(&tiers("  below a : 0\n  otherwise : 2")),
        "kpi::check::not_constant"
    );
    assert_eq!(
        one(&tiers("  up to 1 : 0\n  otherwise : 2")),
        "kpi::check::table_arm"
    );
    assert_eq!(
        one("input a : money\nkpi k = tiers a {\n  below 5 : 0\n  otherwise : 1\n}"),
        "kpi::check::unit_mismatch"
    );
    assert_eq!(
        one("input a : number\nkpi k = weighted {\n  a : 60%\n  a : 30%\n}"),
        "kpi::check::weights_sum"
    );
    assert_eq!(
        one(
            "input r : text\nkpi k = match r {\n  \"a\" : 1\n  \"b\", \"a\" : 2\n  otherwise : 0\n}"
        ),
        "kpi::check::duplicate_case"
    );
    assert_eq!(
        one("input a : money\nbonus b = marginal a {\n  up to 0 USD : 1%\n  otherwise : 2%\n}"),
        "kpi::check::marginal_start"
    );
    assert_eq!(
        one(
            "input a : money\nbonus b = marginal a {\n  up to 5 USD : 1 USD\n  otherwise : 2 USD\n}"
        ),
        "kpi::check::unit_mismatch"
    );
}

#[test]
fn weights_that_do_not_add_up_say_by_how_much() {
    let found = messages("input a : number\nkpi k = weighted {\n  a : 60%\n  a : 30%\n}");
    assert!(found[0].contains("add up to 90%"), "{found:?}");
    assert!(found[0].contains("add 10%"), "{found:?}");
}

#[test]
fn the_header_is_checked() {
    let source = "currency usd\npolicy \"x\"\nrounding 11\ncap 1 EUR\ncap 2 EUR";
    let ast = crate::syntax::parse(source).expect("parses");
    let errors = crate::check::check(&ast, source).expect_err("broken header");
    let codes = crate::testing::codes(&errors);
    for code in [
        "kpi::check::bad_currency",
        "kpi::check::header_order",
        "kpi::check::bad_rounding",
        "kpi::check::multiple_caps",
    ] {
        assert!(
            codes.contains(&code.to_string()),
            "{code} missing from {codes:?}"
        );
    }
}

#[test]
fn money_in_another_currency_is_an_error() {
    assert_eq!(one("bonus b = 5 EUR"), "kpi::check::wrong_currency");
}

#[test]
fn examples_are_checked() {
    let policy = "input a : money\ninput n : count = 0\nparam p = 1\nkpi k = a * p\n";
    let example = |lines: &str| format!("{policy}example \"e\" {{\n{lines}\n}}");
    assert!(
        errors(&example(
            "  a = 5 USD\n  p = 2\n  expect k = 10 USD\n  expect payout = 0 USD"
        ))
        .is_empty()
    );
    assert_eq!(one(&example("  n = 1")), "kpi::check::example");
    assert_eq!(
        one(&example("  a = 5 USD\n  k = 1 USD")),
        "kpi::check::example"
    );
    assert_eq!(
        one(&example("  a = 5 USD\n  expect a = 1 USD")),
        "kpi::check::example"
    );
    assert_eq!(
        one(&example("  a = 5 USD\n  expect kk = 1 USD")),
        "kpi::check::unknown_name"
    );
    assert_eq!(one(&example("  a = 5")), "kpi::check::bad_literal");
    assert_eq!(
        one(&example("  a = 5 USD\n  n = 1.5")),
        "kpi::check::bad_literal"
    );
    assert_eq!(
        one(&example("  a = 5 USD\n  expect gate \"nope\"")),
        "kpi::check::example"
    );
}

#[test]
fn records_are_checked() {
    let set = "records deals {\n  amount : money\n  stage : text\n}\n";
    let with = |rest: &str| format!("{set}{rest}");
    assert!(
        errors(&with(
            "kpi w : money = sum(deals.amount where stage == \"won\")"
        ))
        .is_empty()
    );
    assert!(errors(&with("kpi n = count(deals)\nkpi d = distinct(deals.stage)")).is_empty());
    assert_eq!(
        one(&with("kpi w = sum(deals.amout)")),
        "kpi::check::records"
    );
    assert_eq!(
        one(&with("kpi w = sum(deels.amount)")),
        "kpi::check::records"
    );
    assert_eq!(one(&with("kpi w = amount")), "kpi::check::records");
    assert_eq!(
        one(&with("kpi w = sum(deals: sum(deals.amount))")),
        "kpi::check::nested_aggregate"
    );
    assert_eq!(
        one(&with("kpi w = sum(deals.stage)")),
        "kpi::check::type_mismatch"
    );
    assert_eq!(
        one(&with("input amount : money")),
        "kpi::check::field_shadows"
    );
    assert_eq!(
        one(&with("kpi k = 1\nkpi w = count(deals where k > 0)")),
        "kpi::check::records"
    );
}

#[test]
fn examples_may_give_records() {
    let policy = "input plan : money\nrecords deals {\n  amount : money\n  stage : text = \"won\"\n}\nkpi won : money = sum(deals.amount where stage == \"won\")\n";
    let example = |lines: &str| format!("{policy}example \"e\" {{\n  plan = 1 USD\n{lines}\n}}");
    assert!(errors(&example("  deals { amount = 5 USD }\n  deals { amount = 1 USD, stage = \"lost\", }\n  expect won = 5 USD")).is_empty());
    assert_eq!(
        one(&example("  deals { stage = \"won\" }")),
        "kpi::check::example"
    );
    assert_eq!(
        one(&example("  deals { amount = 5 USD, amout = 1 USD }")),
        "kpi::check::example"
    );
    assert_eq!(
        one(&example("  deals { amount = 5 }")),
        "kpi::check::bad_literal"
    );
    assert_eq!(
        one(&example("  deels { amount = 5 USD }")),
        "kpi::check::example"
    );
    let plan = plan(&example(
        "  deals { amount = 5 USD }\n  deals { amount = 7 USD, stage = \"lost\" }",
    ));
    assert_eq!(plan.examples[0].records.len(), 2);
}

#[test]
fn five_mistakes_five_errors() {
    let body = "input revenue : money\nkpi a = revnue\nbonus b = revenue + 5\nkpi c : money = 2 > 1\nlet d = d\nkpi e = tiers revenue {\n  below 1 USD : 0\n}";
    assert_eq!(errors(body).len(), 5, "{:?}", messages(body));
}

#[test]
fn undeclared_types_show_like_what_they_repeat() {
    let plan = plan("input a : percent\nkpi k = a\nkpi p = 5%\nkpi n = a * 2");
    let shown = |name: &str| plan.slot(plan.slot_named(name).expect("declared")).ty;
    assert_eq!(shown("k"), Type::Percent);
    assert_eq!(shown("p"), Type::Percent);
    assert_eq!(shown("n"), Type::Number);
}
