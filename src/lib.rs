//! `kpi`: a rules engine for KPI and bonus policies.
//!
//! The pipeline is a straight line of types, one module a stage:
//!
//! ```text
//! source text ─syntax─▶ ast::Policy ─check─▶ plan::Plan ─eval::bind─▶ eval::Program
//!   ─Program::evaluate (one employee at a time)─▶ eval::Verdict ─report─▶ JSON, CSV, table
//! ```
//!
//! Data files are read by [`data`] into typed input rows for a plan.

pub mod ast;
pub mod check;
pub mod data;
pub mod diagnostic;
pub mod diff;
pub mod eval;
pub mod examples;
pub mod explain;
pub mod plan;
pub mod report;
pub mod span;
pub mod suggest;
pub mod syntax;
pub mod value;

#[doc(hidden)]
pub mod cli;
