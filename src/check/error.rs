//! Errors of the checker: a policy that parses but does not make sense.

use crate::eval::BindError;
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use thiserror::Error;

#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum CheckError {
    #[error("the policy has no title")]
    #[diagnostic(
        code(kpi::check::missing_policy),
        help("start the file with a line such as `policy \"Sales manager: monthly bonus\"`")
    )]
    MissingPolicy {
        #[label("expected `policy \"Title\"` before this")]
        span: SourceSpan,
    },

    #[error("`policy \"…\"` must be the first line of the file")]
    #[diagnostic(code(kpi::check::header_order))]
    HeaderOrder {
        #[label("this comes after other declarations")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("the policy declares no currency")]
    #[diagnostic(
        code(kpi::check::missing_currency),
        help("add a line such as `currency USD` after the `policy` line")
    )]
    MissingCurrency {
        #[label("expected `currency CODE` after this")]
        span: SourceSpan,
    },

    #[error("`{name}` is declared twice")]
    #[diagnostic(code(kpi::check::duplicate_declaration))]
    DuplicateHeader {
        name: String,
        #[label("declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("`{code}` is not a currency code")]
    #[diagnostic(
        code(kpi::check::bad_currency),
        help("a currency code is three capital letters, such as USD, EUR or RUB")
    )]
    BadCurrency {
        code: String,
        #[label("not three capital letters")]
        span: SourceSpan,
    },

    #[error("`rounding` takes a whole number from 0 to 10")]
    #[diagnostic(
        code(kpi::check::bad_rounding),
        help("`rounding 2` rounds money to cents")
    )]
    BadRounding {
        #[label("not a whole number from 0 to 10")]
        span: SourceSpan,
    },

    #[error("`{code}` is not this policy's currency")]
    #[diagnostic(code(kpi::check::wrong_currency))]
    WrongCurrency {
        code: String,
        #[label("this policy's currency is {currency}")]
        span: SourceSpan,
        currency: String,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is declared twice")]
    #[diagnostic(
        code(kpi::check::duplicate_name),
        help("every name is declared once; rename one of them")
    )]
    DuplicateName {
        name: String,
        #[label("declared again here")]
        span: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("unknown name `{name}`")]
    #[diagnostic(code(kpi::check::unknown_name))]
    UnknownName {
        name: String,
        #[label("not declared in this policy")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("unknown type `{name}`")]
    #[diagnostic(code(kpi::check::unknown_type))]
    UnknownType {
        name: String,
        #[label("not a type")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("unknown function `{name}`")]
    #[diagnostic(code(kpi::check::unknown_function))]
    UnknownFunction {
        name: String,
        #[label("not a function")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("`{func}` takes {expected}, not {found}")]
    #[diagnostic(code(kpi::check::arguments))]
    Arguments {
        func: String,
        expected: String,
        found: usize,
        #[label("{found} given")]
        span: SourceSpan,
    },

    /// Kinds that do not fit: a bool where a number is needed, `if`
    /// branches of different kinds, a comparison of text with a number.
    #[error("{message}")]
    #[diagnostic(code(kpi::check::type_mismatch))]
    TypeMismatch {
        message: String,
        #[label(collection)]
        labels: Vec<LabeledSpan>,
        #[help]
        help: Option<String>,
    },

    /// Money mixed with numbers where the units do not allow it.
    #[error("{message}")]
    #[diagnostic(code(kpi::check::unit_mismatch))]
    UnitMismatch {
        message: String,
        #[label(collection)]
        labels: Vec<LabeledSpan>,
        #[help]
        help: Option<String>,
    },

    #[error("`{name}` is declared `{declared}` but its expression is {found}")]
    #[diagnostic(code(kpi::check::declared_type))]
    DeclaredType {
        name: String,
        declared: String,
        found: String,
        #[label("declared `{declared}` here")]
        span: SourceSpan,
        #[label("this is {found}")]
        expr: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("bonus line `{name}` must be money, but it is {found}")]
    #[diagnostic(code(kpi::check::bonus_not_money))]
    BonusNotMoney {
        name: String,
        found: String,
        #[label("this is {found}")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::cycle))]
    Cycle {
        message: String,
        #[label(collection)]
        labels: Vec<LabeledSpan>,
        #[help]
        help: Option<String>,
    },

    #[error("param `{name}` uses `{uses}`, which is not a param")]
    #[diagnostic(code(kpi::check::param_not_constant))]
    ParamNotConstant {
        name: String,
        uses: String,
        #[label("`{uses}` is {role}")]
        span: SourceSpan,
        role: String,
        #[help]
        help: String,
    },

    #[error("{what} must be constant: literals and params only")]
    #[diagnostic(code(kpi::check::not_constant))]
    NotConstant {
        what: String,
        #[label("this depends on each employee")]
        span: SourceSpan,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::table_arm))]
    TableArm {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("`{table}` needs an `otherwise` arm at the end")]
    #[diagnostic(code(kpi::check::missing_otherwise))]
    MissingOtherwise {
        table: String,
        #[label("no `otherwise` arm in these braces")]
        span: SourceSpan,
        #[help]
        help: String,
    },

    #[error("the string `\"{text}\"` appears in two arms of `match`")]
    #[diagnostic(
        code(kpi::check::duplicate_case),
        help("only the first arm could ever apply; remove one of them")
    )]
    DuplicateCase {
        text: String,
        #[label("again here")]
        span: SourceSpan,
        #[label("first here")]
        first: SourceSpan,
    },

    #[error("a policy has at most one `cap`")]
    #[diagnostic(
        code(kpi::check::multiple_caps),
        help("combine them: `cap min(first, second)`")
    )]
    MultipleCaps {
        #[label("second cap")]
        span: SourceSpan,
        #[label("first cap")]
        first: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::bad_literal))]
    BadLiteral {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::example))]
    Example {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("{message}")]
    #[diagnostic(code(kpi::check::records))]
    Records {
        message: String,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("field `{field}` of `{set}` has the name of the {what} `{field}`")]
    #[diagnostic(
        code(kpi::check::field_shadows),
        help("inside an aggregate both would be in scope; rename one of them")
    )]
    FieldShadows {
        field: String,
        set: String,
        what: &'static str,
        #[label("this field")]
        span: SourceSpan,
        #[label("the {what}")]
        other: SourceSpan,
    },

    #[error("aggregates do not nest")]
    #[diagnostic(
        code(kpi::check::nested_aggregate),
        help("compute the inner aggregate in a `let` first, outside this one")
    )]
    NestedAggregate {
        #[label("this aggregate is inside another")]
        span: SourceSpan,
        #[label("the outer one")]
        outer: SourceSpan,
    },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Bind(#[from] BindError),
}
