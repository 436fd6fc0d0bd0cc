//! `kpi check PATH…`: parse and type-check policies.

use super::{load, status};
use crate::diagnostic::Renderer;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Policy files, or folders searched for *.kpi files.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

pub(crate) fn run(args: Args) -> u8 {
    let renderer = Renderer::for_stderr();
    let files = match load::policy_files(&args.paths) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let mut worst = status::OK;
    let mut failed = 0;
    for path in &files {
        match load::policy(path, &renderer) {
            Ok(_) => {}
            Err(code) => {
                failed += 1;
                worst = worst.max(code);
            }
        }
    }
    let checked = files.len();
    let noun = if checked == 1 { "policy" } else { "policies" };
    if failed == 0 {
        eprintln!("checked {checked} {noun}: no errors");
    } else {
        eprintln!("checked {checked} {noun}: {failed} with errors");
    }
    worst
}
