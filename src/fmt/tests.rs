use super::*;
use proptest::prelude::*;

mod generate;

fn formatted(source: &str) -> String {
    match format(source) {
        Ok(text) => text,
        Err(FormatError::Parse(errors)) => panic!("does not parse: {errors:?}\n{source}"),
        Err(FormatError::Unsafe(error)) => panic!("{error}\n{source}"),
    }
}

/// The three properties: same tree, idempotent, every comment kept.
fn assert_formats_well(source: &str) -> Result<(), TestCaseError> {
    let original = syntax::parse(source).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
    let once = lay_out(source, &original, comments::scan(source));
    let reparsed = syntax::parse(&once).map_err(|e| {
        TestCaseError::fail(format!("output does not parse: {e:?}\n--- output:\n{once}"))
    })?;
    prop_assert_eq!(&reparsed, &original, "--- output:\n{}", once);
    for line in once.lines() {
        prop_assert_eq!(line.trim_end(), line, "trailing whitespace in:\n{}", once);
    }
    let twice = formatted(&once);
    prop_assert_eq!(&twice, &once, "not idempotent");
    let mut before: Vec<String> = comments::scan(source).into_iter().map(|c| c.text).collect();
    let mut after: Vec<String> = comments::scan(&once).into_iter().map(|c| c.text).collect();
    before.sort();
    after.sort();
    prop_assert_eq!(before, after, "comments differ; output:\n{}", once);
    Ok(())
}

/// Runs `check` on a thread with a large stack, as `kpi` itself does:
/// debug builds of the parser and of proptest's recursive strategies
/// recurse deeply on nested tables.
fn on_big_stack<T: Send + 'static>(check: impl FnOnce() -> T + Send + 'static) -> T {
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(check);
    match worker.map(std::thread::JoinHandle::join) {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(error) => panic!("cannot start a test thread: {error}"),
    }
}

/// Runs a property over `cases` values of `strategy()` on a big stack; a
/// failure names the smallest input proptest could shrink it to.
fn check_property<S>(
    cases: u32,
    strategy: fn() -> S,
    property: fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy + 'static,
    S::Value: std::fmt::Debug,
{
    on_big_stack(move || {
        let strategy = strategy();
        let config = ProptestConfig {
            cases,
            max_global_rejects: cases * 8,
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        let mut runner = proptest::test_runner::TestRunner::new(config);
        if let Err(error) = runner.run(&strategy, property) {
            panic!("{error}");
        }
    });
}

#[test]
fn formatting_keeps_the_tree_and_the_comments_and_is_idempotent() {
    check_property(512, generate::policy, |policy| {
        let source = generate::render(&policy);
        // Generated operators may chain comparisons (`a < b == c`), which
        // the parser rightly refuses; such policies say nothing here.
        prop_assume!(syntax::parse(&source).is_ok());
        assert_formats_well(&source)
    });
}

/// Near-policies (a generated policy with a piece cut out) are either
/// formatted, keeping their meaning, or refused; never a panic.
#[test]
fn broken_policies_are_refused_or_formatted_never_a_panic() {
    let strategy = || (generate::policy(), 0.0..1.0f64, 0usize..12);
    check_property(256, strategy, |(policy, cut_at, cut_length)| {
        let source = generate::render(&policy);
        let mut from = (source.len() as f64 * cut_at) as usize;
        while !source.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (from + cut_length).min(source.len());
        while !source.is_char_boundary(to) {
            to += 1;
        }
        let broken = format!("{}{}", &source[..from], &source[to..]);
        match format(&broken) {
            Ok(once) => prop_assert_eq!(formatted(&once), once),
            Err(FormatError::Parse(errors)) => prop_assert!(!errors.is_empty()),
            Err(FormatError::Unsafe(error)) => prop_assert!(false, "{}\n{}", error, broken),
        }
        Ok(())
    });
}

#[test]
fn no_text_makes_the_formatter_panic() {
    check_property(
        256,
        || "[a-z =:#\"(){}\n0-9%_.+*<-]{0,80}",
        |source| {
            let _ = format(&source);
            Ok(())
        },
    );
}

#[test]
fn the_shipped_policies_format_well() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/policies");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "kpi") {
            let source = std::fs::read_to_string(&path).unwrap_or_default();
            if let Err(error) = assert_formats_well(&source) {
                panic!("{}: {error}", path.display());
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "no policies in {dir}");
}

#[test]
fn a_policy_that_does_not_parse_is_refused_with_its_errors() {
    match format("policy \"x\"\ncurrency USD\nbonus b revenue * 10%\n") {
        Err(FormatError::Parse(errors)) => assert!(!errors.is_empty()),
        other => panic!("expected parse errors, got {other:?}"),
    }
}

#[test]
fn not_utf8_is_a_parse_error() {
    assert!(
        matches!(format_bytes(b"policy \"\xff\""), Err(FormatError::Parse(e)) if !e.is_empty())
    );
}

#[test]
fn an_empty_policy_stays_empty() {
    assert_eq!(formatted(""), "");
    assert_eq!(formatted("\n\n  \n"), "");
    assert_eq!(formatted("# only a comment\n\n"), "# only a comment\n");
}

#[test]
fn declarations_of_a_kind_align_and_sections_get_a_blank_line() {
    let source = "policy \"P\"\ncurrency USD\ninput revenue : money \"Paid\"\ninput plan:money=0 USD   \"Plan\"\ninput rating : number\nparam target = 1_000 USD \"T\"\nparam rate : percent = 0.50 \nkpi attainment : percent = revenue/plan\nkpi x = 1\nbonus b = target*rate\ngate attainment>=80% else \"low\"\ncap 2*target\n";
    let expected = "\
policy \"P\"
currency USD

input revenue : money          \"Paid\"
input plan    : money = 0 USD  \"Plan\"
input rating  : number

param target           = 1_000 USD  \"T\"
param rate   : percent = 0.50

kpi attainment : percent = revenue / plan
kpi x                    = 1

bonus b = target * rate

gate attainment >= 80% else \"low\"
cap 2 * target
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn tables_align_their_colons_and_keep_comments_in_place() {
    let source = "\
let m = tiers a { # steps
below 80% : 0   # nothing
  # the middle
    below 100%:0.5
otherwise : 1.5 # more
  # last words
}
";
    let expected = "\
let m = tiers a {  # steps
  below 80%  : 0    # nothing
  # the middle
  below 100% : 0.5
  otherwise  : 1.5  # more
  # last words
}
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn line_breaks_in_formulas_are_kept_before_operators() {
    let source = "kpi total = plan_bonus +\n      quality_bonus + extra\nkpi r = if a then 1\n else if b then 2 else 3\n";
    let expected = "\
kpi total = plan_bonus
  + quality_bonus + extra
kpi r     = if a then 1
  else if b then 2 else 3
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn comments_inside_formulas_end_their_line() {
    let source = "kpi x = a + # first part\n  b * (c # inner\n  - d)\n";
    let expected = "kpi x = a  # first part\n  + b * (c  # inner\n    - d)\n";
    assert_eq!(formatted(source), expected);
}

#[test]
fn comments_in_a_declaration_header_move_above_it() {
    let source = "input revenue # money in\n  : money\nkpi k # why\n = 1 # one\n";
    let expected = "# money in\ninput revenue : money\n\n# why\nkpi k = 1  # one\n";
    assert_eq!(formatted(source), expected);
}

#[test]
fn numbers_stay_as_written_and_strings_are_re_escaped() {
    let source = "param p = 0001_000.50 +  12.50% + 0.50\tRUB\ngate \"a\\\\b\\\"c\\nd # e\" == x else \"m\"\n";
    let expected = "param p = 0001_000.50 + 12.50% + 0.50 RUB\n\ngate \"a\\\\b\\\"c\\nd # e\" == x else \"m\"\n";
    assert_eq!(formatted(source), expected);
}

#[test]
fn examples_and_records_are_blocks_of_their_own() {
    let source = "records deals \"CRM\" { amount:money\n stage : text = \"won\" \"Stage\"\n}\nexample \"e\" {\n  a=1\n\n\n  expect   b = -2 USD # why\n  expect gate \"low\"\n  deals{amount=5 USD,stage = \"lost\",}\n  deals {  }\n}\nexample \"f\" {}\n";
    let expected = "\
records deals \"CRM\" {
  amount : money
  stage  : text = \"won\"  \"Stage\"
}

example \"e\" {
  a = 1

  expect b = -2 USD  # why
  expect gate \"low\"
  deals { amount = 5 USD, stage = \"lost\" }
  deals {}
}

example \"f\" {}
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn blank_lines_collapse_and_own_line_comments_keep_their_blank_lines() {
    let source = "\n\n# head\n\n\npolicy \"p\"\ncurrency USD\n\n\n\n# inputs\ninput a : money\n\n\ninput b : money\n\n# trailing words\n\n\n";
    let expected = "# head\n\npolicy \"p\"\ncurrency USD\n\n# inputs\ninput a : money\n\ninput b : money\n\n# trailing words\n";
    assert_eq!(formatted(source), expected);
}

#[test]
fn crlf_and_byte_order_mark_become_plain_lines() {
    let source = "\u{FEFF}policy \"p\"\r\ncurrency USD # code\r\n";
    assert_eq!(formatted(source), "policy \"p\"\ncurrency USD  # code\n");
}

#[test]
fn calls_and_aggregates_keep_their_line_breaks() {
    let source = "kpi s = sum(deals: amount * margin\n where stage == \"won\") + min(a,\n b, c)\nkpi n = count( deals ) + distinct(deals . client)\n";
    let expected = "\
kpi s = sum(deals: amount * margin
  where stage == \"won\") + min(a,
    b, c)
kpi n = count(deals) + distinct(deals.client)
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn nested_tables_indent_by_level() {
    let source = "bonus b = 5 USD * tiers a {\nbelow 1 : weighted {\nx : 50%\n(y # why\n) : 50%\n}\notherwise : (1 +\n2)\n}\n";
    let expected = "\
bonus b = 5 USD * tiers a {
  below 1   : weighted {
    x : 50%
    (y  # why
    ) : 50%
  }
  otherwise : (1
    + 2)
}
";
    assert_eq!(formatted(source), expected);
}

#[test]
fn comments_in_every_odd_place_are_kept() {
    let source = "\
policy # a
  \"P\" # b
currency # c
  USD
rounding # d
  2
records # e
  deals # f
  \"doc\" # g
  { # h
  amount : money # i
}
param # j
  p # k
  : # l
  money = # m
  1 USD # n
  \"doc\" # o
kpi t = tiers p # p
  { below 1 USD : 1 # q
  otherwise : 2 }
kpi c = min # r
  ( # s
  p, # t
  p # u
  ) + f( # v
  ) + sum(deals . # w
  amount where # x
  amount > 0) + count( # y
  deals)
gate - # z
  p > p # z1
  else # z2
  \"m\" # z3
cap # z4
  p
example # z5
  \"e\" # z6
{ # z7
}
";
    on_big_stack(move || {
        if let Err(error) = assert_formats_well(source) {
            panic!("{error}");
        }
        let out = formatted(source);
        for comment in ["# a", "# f", "# k", "# m", "# z2", "# z6"] {
            let line = out.lines().find(|l| l.contains(comment));
            assert_eq!(
                line.map(str::trim),
                Some(comment),
                "{comment} hoisted:\n{out}"
            );
        }
        assert!(out.contains("{  # h\n  amount : money  # i\n}"), "{out}");
        assert!(out.contains("example \"e\" {  # z7\n}"), "{out}");
    });
}

#[test]
fn the_safety_net_refuses_output_that_reads_differently_or_drops_a_comment() {
    let source = "kpi x = (a + b) * c # why\n";
    let policy = syntax::parse(source).expect("parses");
    let comments = vec!["# why".to_string()];
    assert!(verify(&policy, &comments, source).is_ok());
    let regrouped = "kpi x = a + b * c # why\n";
    assert!(matches!(
        verify(&policy, &comments, regrouped),
        Err(FormatError::Unsafe(_))
    ));
    let silent = "kpi x = (a + b) * c\n";
    assert!(matches!(
        verify(&policy, &comments, silent),
        Err(FormatError::Unsafe(_))
    ));
    let broken = "kpi x = (a + b * c # why\n";
    assert!(matches!(
        verify(&policy, &comments, broken),
        Err(FormatError::Unsafe(_))
    ));
}
