use crate::testing::run;

fn value(body: &str, inputs: &[(&str, &str)], name: &str) -> String {
    run(body, inputs).expect("evaluates").get(name)
}

fn payout(body: &str, inputs: &[(&str, &str)]) -> String {
    run(body, inputs).expect("evaluates").payout()
}

fn error_code(body: &str, inputs: &[(&str, &str)]) -> &'static str {
    match run(body, inputs) {
        Ok(_) => "no error",
        Err(error) => error.code(),
    }
}

#[test]
fn arithmetic_is_exact_decimal() {
    let body =
        "input a : number\nkpi x = a + 0.2\nkpi y = 1 / 3 * 3\nkpi z = 2 + 3 * 4 - 6 / 3 - -1";
    assert_eq!(value(body, &[("a", "0.1")], "x"), "0.3");
    assert_eq!(
        value(body, &[("a", "0")], "y"),
        "0.9999999999999999999999999999"
    );
    assert_eq!(value(body, &[("a", "0")], "z"), "13");
}

#[test]
fn tiers_take_the_first_arm_the_subject_is_below() {
    let body = "input a : percent\nkpi m = tiers a {\n  below 80% : 0\n  below 100% : 0.5\n  otherwise : 1\n}";
    for (a, m) in [
        ("0.79999", "0"),
        ("0.8", "0.5"),
        ("0.99999", "0.5"),
        ("1", "1"),
        ("-5", "0"),
    ] {
        assert_eq!(value(body, &[("a", a)], "m"), m, "attainment {a}");
    }
}

#[test]
fn marginal_pays_each_slice_at_its_rate() {
    let body = "input r : money\nbonus c = marginal r {\n  up to 10_000 USD : 2%\n  up to 50_000 USD : 5%\n  otherwise : 10%\n}";
    for (r, c) in [
        ("0", "0"),
        ("-500", "0"),
        ("5000", "100"),
        ("10000", "200"),
        ("10010", "200.5"),
        ("50000", "2200"),
        ("80000", "5200"),
    ] {
        assert_eq!(value(body, &[("r", r)], "c"), c, "revenue {r}");
    }
}

#[test]
fn curves_interpolate_and_hold_their_ends() {
    let body = "input a : percent\nkpi f = curve a {\n  50% : 0\n  100% : 1\n  150% : 2.5\n}";
    for (a, f) in [
        ("0.3", "0"),
        ("0.5", "0"),
        ("0.6", "0.2"),
        ("0.75", "0.5"),
        ("1", "1"),
        ("1.2", "1.6"),
        ("1.5", "2.5"),
        ("2", "2.5"),
    ] {
        assert_eq!(value(body, &[("a", a)], "f"), f, "attainment {a}");
    }
    // Money values interpolate to money.
    let money = "input a : number\nbonus b = curve a {\n  0 : 0\n  3 : 100 USD\n}";
    assert_eq!(value(money, &[("a", "1")], "b"), "33.33");
}

#[test]
fn weighted_adds_value_times_weight() {
    let body =
        "input a : number\ninput b : number\nkpi s = weighted {\n  a : 60%\n  b / 2 : 40%\n}";
    assert_eq!(value(body, &[("a", "1"), ("b", "1")], "s"), "0.8");
}

#[test]
fn match_takes_the_first_arm_listing_the_subject() {
    let body = "input r : text\nkpi rate = match r {\n  \"north\" : 5%\n  \"south\", \"east\" : 4%\n  otherwise : 3%\n}";
    for (r, rate) in [
        ("north", "0.05"),
        ("east", "0.04"),
        ("west", "0.03"),
        ("North", "0.03"),
    ] {
        assert_eq!(value(body, &[("r", r)], "rate"), rate, "region {r}");
    }
}

#[test]
fn functions_work_on_money_and_numbers() {
    let body = "input a : money\ninput n : number\nkpi lo = min(a, 10 USD, 0)\nkpi hi = max(a, 5 USD)\nkpi c = clamp(n, 0, 1)\nkpi ab = abs(a)\nkpi r = round(n)\nkpi r2 = round(n, 2)\nkpi fl = floor(n)\nkpi ce = ceil(n)";
    let inputs = [("a", "-7.5"), ("n", "2.345")];
    let got: Vec<String> = ["lo", "hi", "c", "ab", "r", "r2", "fl", "ce"]
        .iter()
        .map(|name| value(body, &inputs, name))
        .collect();
    assert_eq!(got, ["-7.5", "5", "1", "7.5", "2", "2.35", "2", "3"]);
    // Half away from zero, also below zero.
    assert_eq!(value(body, &[("a", "0"), ("n", "-2.5")], "r"), "-3");
}

#[test]
fn bonus_lines_round_half_away_from_zero_and_others_see_the_rounded_amount() {
    let body = "rounding 2\ninput a : money\nbonus b = a / 3\nbonus twice = b * 2";
    let outcome = run(body, &[("a", "1")]).expect("evaluates");
    assert_eq!(outcome.get("b"), "0.33");
    assert_eq!(outcome.get("twice"), "0.66");
    assert_eq!(outcome.payout(), "0.99");
    assert_eq!(
        payout("rounding 0\ninput a : money\nbonus b = a", &[("a", "2.5")]),
        "3"
    );
    assert_eq!(
        payout("input a : money\nbonus b = a", &[("a", "-2.345")]),
        "-2.35"
    );
}

#[test]
fn failed_gates_zero_the_payout_and_all_are_reported() {
    let body = "input a : money\ninput n : count = 0\nbonus b = a\ngate a > 10 USD else \"small\"\ngate n < 3 else \"many\"\ncap 100 USD";
    let outcome = run(body, &[("a", "5"), ("n", "5")]).expect("evaluates");
    assert_eq!(outcome.verdict.failed_gates, [0, 1]);
    assert_eq!(outcome.payout(), "0");
    assert!(!outcome.verdict.capped);
    assert_eq!(outcome.get("b"), "5");
}

#[test]
fn the_cap_bites_only_above_it() {
    let body = "input a : money\nbonus b = a\ncap 100 USD";
    let capped = run(body, &[("a", "150")]).expect("evaluates");
    assert!(capped.verdict.capped);
    assert_eq!(capped.payout(), "100");
    let exact = run(body, &[("a", "100")]).expect("evaluates");
    assert!(!exact.verdict.capped);
    assert_eq!(exact.payout(), "100");
}

#[test]
fn if_evaluates_only_the_branch_taken() {
    let body = "input d : count\ninput m : count\nkpi c = if m > 0 then d / m else 0";
    assert_eq!(value(body, &[("d", "3"), ("m", "0")], "c"), "0");
    assert_eq!(value(body, &[("d", "3"), ("m", "4")], "c"), "0.75");
}

#[test]
fn division_by_zero_and_overflow_are_errors_not_numbers() {
    assert_eq!(
        error_code(
            "input a : money\ninput b : money\nkpi x = a / b",
            &[("a", "1"), ("b", "0")]
        ),
        "kpi::eval::division_by_zero"
    );
    assert_eq!(
        error_code(
            "input a : number\nkpi x = a * a * a",
            &[("a", "99999999999999999999")]
        ),
        "kpi::eval::overflow"
    );
    assert_eq!(
        error_code("input a : number\nkpi x = clamp(1, a, 0)", &[("a", "2")]),
        "kpi::eval::invalid_argument"
    );
}

#[test]
fn params_are_folded_and_overridable() {
    use crate::eval::{Overrides, bind};
    use crate::value::Value;
    let plan = crate::testing::plan("param rate = 5%\nparam double = rate * 2\nkpi k = double");
    let program = bind(&plan, &Overrides::default()).expect("binds");
    let double = plan.slot_named("double").expect("declared");
    assert_eq!(
        program.param_values[double.index()],
        Some(Value::Num(rust_decimal::Decimal::new(10, 2)))
    );
    let rate = plan.slot_named("rate").expect("declared");
    let overrides = Overrides {
        params: vec![(rate, Value::Num(rust_decimal::Decimal::new(1, 1)))],
    };
    let program = bind(&plan, &overrides).expect("binds");
    assert_eq!(
        program.param_values[double.index()],
        Some(Value::Num(rust_decimal::Decimal::new(2, 1)))
    );
}

#[test]
fn overriding_a_threshold_out_of_order_is_refused() {
    use crate::eval::{Overrides, bind};
    use crate::value::Value;
    let plan = crate::testing::plan(
        "input a : number\nparam low = 1\nkpi m = tiers a {\n  below low : 0\n  below 2 : 1\n  otherwise : 2\n}",
    );
    let low = plan.slot_named("low").expect("declared");
    let overrides = Overrides {
        params: vec![(low, Value::Num(rust_decimal::Decimal::from(3)))],
    };
    let errors = bind(&plan, &overrides).expect_err("3 is above 2");
    assert_eq!(
        crate::testing::codes(&errors),
        ["kpi::check::not_increasing"]
    );
}
