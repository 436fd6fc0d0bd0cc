//! The `kpi` command line: a thin layer over the library. One file a
//! subcommand; this one parses arguments and dispatches.

mod check;
mod diff;
mod eval;
mod explain;
mod fmt;
mod load;
mod test;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit statuses (reference §9).
pub(crate) mod status {
    pub const OK: u8 = 0;
    /// Errors in a policy, its data, or an employee.
    pub const FAILED: u8 = 1;
    /// Usage errors and unreadable files.
    pub const USAGE: u8 = 2;
}

#[derive(Parser)]
#[command(
    name = "kpi",
    version,
    about = "Check and evaluate KPI and bonus policies written in the .kpi language",
    after_help = "Exit status: 0 success, 1 errors in policies, data or employees, 2 usage errors and unreadable files."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and type-check policies (files, or folders searched for *.kpi).
    Check(check::Args),
    /// Evaluate a policy against a period's data and write the report.
    Eval(eval::Args),
    /// Run the policies' examples; ends with a line `N passed, N failed`.
    Test(test::Args),
    /// Rewrite policies in the canonical layout; `--check` only reports.
    Fmt(fmt::Args),
    /// Compare what two policies (or one with changed params) pay on the
    /// same data, employee by employee.
    Diff(diff::Args),
}

/// Runs the program.
pub fn main() -> ExitCode {
    ExitCode::from(run())
}

fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                status::USAGE
            } else {
                status::OK
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Test(args) => test::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Diff(args) => diff::run(args),
    }
}
