//! `kpi fmt PATH…`: rewrite policies in the canonical layout.

use super::{load, status};
use crate::diagnostic::{Renderer, SourceFile};
use crate::fmt::{self, FormatError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Policy files, or folders searched for *.kpi files; `-` formats
    /// standard input to standard output.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Change nothing: print a diff for each policy that is not in the
    /// canonical layout, and exit 1 if there is any.
    #[arg(long)]
    check: bool,
}

/// What became of one policy.
enum Outcome {
    Unchanged,
    /// Rewritten, or with `--check`, would be.
    Changed,
    /// Not formatted; the exit status to use.
    Failed(u8),
}

pub(crate) fn run(args: Args) -> u8 {
    let renderer = Renderer::for_stderr();
    if args.paths.iter().any(|path| path.as_os_str() == "-") {
        if args.paths.len() > 1 {
            eprintln!("error: `-` (standard input) cannot be combined with other paths");
            return status::USAGE;
        }
        return standard_input(args.check, &renderer);
    }
    let files = match load::policy_files(&args.paths) {
        Ok(files) => files,
        Err(code) => return code,
    };
    let mut worst = status::OK;
    let mut changed = Vec::new();
    for path in &files {
        match policy_file(path, args.check, &renderer) {
            Outcome::Unchanged => {}
            Outcome::Changed => changed.push(path),
            Outcome::Failed(code) => worst = worst.max(code),
        }
    }
    let count = files.len();
    let noun = if count == 1 { "policy" } else { "policies" };
    if args.check {
        for path in &changed {
            eprintln!("would reformat {}", path.display());
        }
        eprintln!(
            "checked {count} {noun}: {} would be reformatted",
            changed.len()
        );
        if !changed.is_empty() {
            worst = worst.max(status::FAILED);
        }
    } else {
        for path in &changed {
            eprintln!("reformatted {}", path.display());
        }
        eprintln!("formatted {count} {noun}: {} changed", changed.len());
    }
    worst
}

fn policy_file(path: &Path, check: bool, renderer: &Renderer) -> Outcome {
    let bytes = match load::read(path) {
        Ok(bytes) => bytes,
        Err(code) => return Outcome::Failed(code),
    };
    let name = path.display().to_string();
    let formatted = match formatted_or_report(&bytes, &name, renderer) {
        Ok(formatted) => formatted,
        Err(code) => return Outcome::Failed(code),
    };
    if formatted.as_bytes() == bytes {
        return Outcome::Unchanged;
    }
    if check {
        print_diff(&name, &String::from_utf8_lossy(&bytes), &formatted);
    } else if let Err(error) = write_in_place(path, formatted.as_bytes()) {
        eprintln!("error: cannot write `{name}`: {error}");
        return Outcome::Failed(status::USAGE);
    }
    Outcome::Changed
}

/// `kpi fmt -`: standard input to standard output (with `--check`, only
/// the diff and the exit status).
fn standard_input(check: bool, renderer: &Renderer) -> u8 {
    let mut bytes = Vec::new();
    if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("error: cannot read standard input: {error}");
        return status::USAGE;
    }
    let name = "<stdin>";
    let formatted = match formatted_or_report(&bytes, name, renderer) {
        Ok(formatted) => formatted,
        Err(code) => return code,
    };
    if check {
        if formatted.as_bytes() == bytes {
            return status::OK;
        }
        print_diff(name, &String::from_utf8_lossy(&bytes), &formatted);
        eprintln!("would reformat standard input");
        return status::FAILED;
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(formatted.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => status::OK,
        Err(error) => {
            eprintln!("error: cannot write standard output: {error}");
            status::FAILED
        }
    }
}

/// The formatted policy, or its diagnostics printed (exit status 1).
fn formatted_or_report(bytes: &[u8], name: &str, renderer: &Renderer) -> Result<String, u8> {
    match fmt::format_bytes(bytes) {
        Ok(formatted) => Ok(formatted),
        Err(FormatError::Parse(errors)) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            load::print_all(&errors, &SourceFile::new(name, text), renderer);
            Err(status::FAILED)
        }
        Err(FormatError::Unsafe(error)) => {
            eprint!(
                "{}",
                renderer.render(&error, None, Some(&format!("{name}: ")))
            );
            Err(status::FAILED)
        }
    }
}

/// A unified diff (three lines of context) on standard output.
fn print_diff(name: &str, old: &str, new: &str) {
    let diff = similar::TextDiff::from_lines(old, new);
    let formatted_name = format!("{name} (formatted)");
    print!(
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(name, &formatted_name)
    );
}

/// Replaces a file's content through a temporary file beside it, so an
/// interrupted run never leaves half a policy; the file keeps its
/// permissions, and a symbolic link stays a link to the rewritten file.
fn write_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().set_permissions(permissions)?;
    temp.as_file().sync_all()?;
    temp.persist(&target).map_err(|error| error.error)?;
    Ok(())
}
