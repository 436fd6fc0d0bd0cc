//! Errors of evaluation: an employee (or a param) whose value cannot be
//! computed, and constant parts of tables that break the rules once params
//! have their values.

use miette::{Diagnostic, LabeledSpan, SourceSpan};
use thiserror::Error;

/// An employee that cannot be evaluated. The others still are.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum EvalError {
    #[error("division by zero while computing `{target}`")]
    #[diagnostic(
        code(kpi::eval::division_by_zero),
        help("guard the division, e.g. `if plan > 0 then revenue / plan else 0`")
    )]
    DivisionByZero {
        target: String,
        #[label("the divisor of this is zero")]
        span: SourceSpan,
    },

    #[error("a value grew too large to hold exactly while computing `{target}`")]
    #[diagnostic(
        code(kpi::eval::overflow),
        help(
            "kpi computes exactly with up to 28 significant digits; check the data for a misplaced decimal point"
        )
    )]
    Overflow {
        target: String,
        #[label("overflows here")]
        span: SourceSpan,
    },

    #[error("`{func}` of no `{set}` records while computing `{target}`")]
    #[diagnostic(
        code(kpi::eval::empty_aggregate),
        help("guard it with a count: `if count({set}) > 0 then {func}(…) else 0`")
    )]
    EmptyAggregate {
        target: String,
        func: String,
        set: String,
        #[label("there are no records to take `{func}` of")]
        span: SourceSpan,
    },

    #[error("{message} while computing `{target}`")]
    #[diagnostic(code(kpi::eval::invalid_argument))]
    InvalidArgument {
        target: String,
        message: String,
        #[label("here")]
        span: SourceSpan,
    },
}

impl EvalError {
    /// The stable code, as written into reports.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::DivisionByZero { .. } => "kpi::eval::division_by_zero",
            EvalError::Overflow { .. } => "kpi::eval::overflow",
            EvalError::EmptyAggregate { .. } => "kpi::eval::empty_aggregate",
            EvalError::InvalidArgument { .. } => "kpi::eval::invalid_argument",
        }
    }
}

/// Params and constant table parts that do not work out once params have
/// their values (defaults, `--set`, or an example's overrides).
#[derive(Clone, Debug, Error, Diagnostic, PartialEq, Eq)]
pub enum BindError {
    #[error("param `{name}` cannot be computed: {reason}")]
    #[diagnostic(code(kpi::check::param_value))]
    Param {
        name: String,
        reason: String,
        #[label("{reason}")]
        span: SourceSpan,
    },

    #[error("the {what} of `{table}` must strictly increase")]
    #[diagnostic(
        code(kpi::check::not_increasing),
        help(
            "order the arms from the smallest {what_one} to the largest, each larger than the one before"
        )
    )]
    NotIncreasing {
        table: &'static str,
        what: &'static str,
        what_one: &'static str,
        #[label("this is not above the one before")]
        span: SourceSpan,
        #[label("the one before")]
        previous: SourceSpan,
    },

    #[error("the first `up to` bound of `marginal` must be above zero")]
    #[diagnostic(
        code(kpi::check::marginal_start),
        help("slices start at zero: a subject at or below zero pays nothing")
    )]
    MarginalStart {
        #[label("not above zero")]
        span: SourceSpan,
    },

    #[error("the weights of `weighted` add up to {sum}, not 100%")]
    #[diagnostic(code(kpi::check::weights_sum))]
    WeightsSum {
        sum: String,
        /// The table's keyword, then every weight with its value.
        #[label(collection)]
        labels: Vec<LabeledSpan>,
        #[help]
        help: String,
    },

    #[error("this {what} must be a constant, but it could not be computed: {reason}")]
    #[diagnostic(code(kpi::check::not_constant))]
    NotConstant {
        what: &'static str,
        reason: String,
        #[label("not a constant")]
        span: SourceSpan,
    },
}
