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

/// A diagnostic of any stage.
pub(crate) type AnyDiagnostic = Box<dyn Diagnostic + Send + Sync>;

/// A policy file read, parsed and checked, with everything found.
pub(crate) struct Diagnosed {
    pub file: SourceFile,
    /// Parse or check errors; empty when the policy checked.
    pub errors: Vec<AnyDiagnostic>,
    /// The plan and the warnings, when the policy checked.
    pub checked: Option<check::Checked>,
}

impl Diagnosed {
    /// Errors, then warnings: every diagnostic of the file.
    pub fn diagnostics(&self) -> Vec<&dyn Diagnostic> {
        let errors = self.errors.iter().map(|e| e.as_ref() as &dyn Diagnostic);
        let warnings = self
            .checked
            .iter()
            .flat_map(|checked| checked.warnings.iter().map(|w| w as &dyn Diagnostic));
        errors.chain(warnings).collect()
    }
}

/// Reads a file, reporting an unreadable one (exit status 2).
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|error| {
        eprintln!("error: cannot read `{}`: {error}", path.display());
        status::USAGE
    })
}

/// Reads, parses and checks a policy without printing anything but a
/// failure to read it.
pub(crate) fn diagnose(path: &Path) -> Result<Diagnosed, Failure> {
    let bytes = read(path)?;
    let name = path.display().to_string();
    let parsed = syntax::parse_bytes(&bytes);
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    };
    let file = SourceFile::new(&name, text);
    let (errors, checked): (Vec<AnyDiagnostic>, _) = match parsed {
        Err(errors) => (boxed(errors), None),
        Ok(ast) => match check::check(&ast, file.text()) {
            Ok(checked) => (Vec::new(), Some(checked)),
            Err(errors) => (boxed(errors), None),
        },
    };
    Ok(Diagnosed {
        file,
        errors,
        checked,
    })
}

fn boxed<D: Diagnostic + Send + Sync + 'static>(diagnostics: Vec<D>) -> Vec<AnyDiagnostic> {
    diagnostics
        .into_iter()
        .map(|d| Box::new(d) as AnyDiagnostic)
        .collect()
}

/// Reads, parses and checks a policy, printing its errors and warnings
/// (which do not fail it).
pub(crate) fn policy(path: &Path, renderer: &Renderer) -> Result<Loaded, Failure> {
    let diagnosed = diagnose(path)?;
    print_dyn(&diagnosed.diagnostics(), &diagnosed.file, renderer);
    match diagnosed.checked {
        Some(checked) => Ok(Loaded {
            file: diagnosed.file,
            plan: checked.plan,
        }),
        None => Err(status::FAILED),
    }
}

/// Prints diagnostics of one file, then a count of those not printed.
pub(crate) fn print_all<D: Diagnostic>(diagnostics: &[D], file: &SourceFile, renderer: &Renderer) {
    let all: Vec<&dyn Diagnostic> = diagnostics.iter().map(|d| d as &dyn Diagnostic).collect();
    print_dyn(&all, file, renderer);
}

/// [`print_all`] for diagnostics of different types.
pub(crate) fn print_dyn(diagnostics: &[&dyn Diagnostic], file: &SourceFile, renderer: &Renderer) {
    for diagnostic in diagnostics.iter().take(MAX_PRINTED) {
        eprint!("{}", renderer.render(*diagnostic, Some(file), None));
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
