//! Reading, parsing and checking policy files, with their diagnostics
//! printed; shared by every subcommand.

use super::status;
use crate::diagnostic::{Renderer, SourceFile};
use crate::plan::Plan;
use crate::{check, syntax};
use miette::Diagnostic;
use std::path::{Path, PathBuf};

/// At most this many diagnostics are printed per file; the rest are
/// counted, so that a broken 50 MB file does not flood the terminal.
const MAX_PRINTED: usize = 100;

/// A policy file that parsed and checked.
pub(crate) struct Loaded {
    pub file: SourceFile,
    pub plan: Plan,
}

/// Why a policy could not be loaded: the exit status to use.
pub(crate) type Failure = u8;

/// Reads a file, reporting an unreadable one (exit status 2).
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|error| {
        eprintln!("error: cannot read `{}`: {error}", path.display());
        status::USAGE
    })
}

/// Reads, parses and checks a policy, printing its diagnostics.
pub(crate) fn policy(path: &Path, renderer: &Renderer) -> Result<Loaded, Failure> {
    let bytes = read(path)?;
    let name = path.display().to_string();
    let parsed = syntax::parse_bytes(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    };
    let file = SourceFile::new(&name, text);
    let ast = match parsed {
        Ok(ast) => ast,
        Err(errors) => {
            print_all(&errors, &file, renderer);
            return Err(status::FAILED);
        }
    };
    match check::check(&ast) {
        Ok(plan) => Ok(Loaded { file, plan }),
        Err(errors) => {
            print_all(&errors, &file, renderer);
            Err(status::FAILED)
        }
    }
}

/// Prints diagnostics of one file, then a count of those not printed.
pub(crate) fn print_all<D: Diagnostic>(diagnostics: &[D], file: &SourceFile, renderer: &Renderer) {
    for diagnostic in diagnostics.iter().take(MAX_PRINTED) {
        eprint!("{}", renderer.render(diagnostic, Some(file), None));
    }
    if diagnostics.len() > MAX_PRINTED {
        eprintln!(
            "… and {} more in {}",
            diagnostics.len() - MAX_PRINTED,
            file.name()
        );
    }
}

/// The policy files named by `paths`: files as given, folders searched
/// (recursively, in name order) for `*.kpi`.
pub(crate) fn policy_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            collect_kpi(path, &mut files)?;
            if files.len() == before {
                eprintln!("error: no .kpi files in `{}`", path.display());
                return Err(status::USAGE);
            }
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect_kpi(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        eprintln!("error: cannot read the folder `{}`: {error}", dir.display());
        status::USAGE
    })?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_kpi(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "kpi") {
            out.push(path);
        }
    }
    Ok(())
}
