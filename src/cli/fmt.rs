//! `hcq fmt`: the canonical layout, written back safely or shown as a diff.

use super::args::FormatArgs;
use super::{FAILURE, Failure, INVALID, SUCCESS, Session, input, output};
use crate as hcq;
use clap::Args;
use std::path::Path;
use std::path::PathBuf;

/// The flags of `hcq fmt`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq fmt segments.hcq            # rewrite in place
  hcq fmt --check segments/*.hcq  # for CI: exit 1 and print a diff if unformatted
  hcq fmt - < in.hcq > out.hcq

The layout: lowercase keywords, one space around operators, one segment
header per line with its body indented, long expressions broken before
each top-level `or`, parentheses only where precedence needs them.
Each comment stays beside the code it was written next to, in its
segment, one to a line: a comment between two operands breaks the
expression there (before each `or`, or each `and` of that chain), and
one deeper inside (in parentheses, a list, after `not`) goes on its own
line just before the line holding that code.

A file is rewritten safely: the new text goes to a temporary file beside
it, which is synced and renamed over the original, so a full disk or a
signal leaves the original whole. Symbolic links are followed to their
target and the file's permissions are kept; only regular files are
rewritten.")]
pub(super) struct FmtArgs {
    /// Files to format; `-` formats standard input to standard output.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Change nothing; print a diff and exit 1 when a file is not formatted.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub format: FormatArgs,
}

pub(super) fn run(args: &FmtArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let mut status = SUCCESS;
    let mut out = String::new();
    for path in &args.files {
        match one(args, path, session, &mut out) {
            Ok(true) => {}
            Ok(false) => status = status.max(INVALID),
            Err(failure) => {
                status = status.max(session.failed(&failure));
            }
        }
    }
    // A diff is for people; formatted text is data.
    if args.check {
        session.stdout_for_people(&out)?;
    } else {
        session.stdout(&out)?;
    }
    Ok(status)
}

/// Formats one file; whether it was well-formed (and, with `--check`,
/// already formatted).
fn one(
    args: &FmtArgs,
    path: &Path,
    session: &mut Session<'_, '_>,
    out: &mut String,
) -> Result<bool, Failure> {
    let limits = hcq::Limits::default();
    let stdin = path.as_os_str() == "-";
    if !stdin && !args.check {
        // Checked before reading: opening a FIFO would wait for a writer.
        refuse_irregular(path)?;
    }
    let input = input::read(session, path, limits.max_file_bytes)?;
    let formatted = match hcq::format::format_source(&input.name, &input.text, &limits) {
        Ok(formatted) => formatted,
        Err(error) => {
            session.report(&error);
            return Ok(false);
        }
    };
    if args.check {
        let diff = hcq::format::diff(&input.name, &input.text, &formatted);
        out.push_str(&diff);
        return Ok(diff.is_empty());
    }
    if stdin {
        out.push_str(&formatted);
    } else if *formatted != *input.text {
        output::replace(path, formatted.as_bytes())?;
    }
    Ok(true)
}

fn refuse_irregular(path: &Path) -> Result<(), Failure> {
    let name = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| {
        Failure::new(FAILURE, "hcq::io::read", format!("cannot read {name}: {e}")).about(&name)
    })?;
    if metadata.is_file() {
        return Ok(());
    }
    let what = if metadata.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    };
    Err(Failure::new(
        FAILURE,
        "hcq::io::not_a_file",
        format!(
            "cannot format {name} in place: it is {what}; `hcq fmt` rewrites only regular \
             files (`hcq fmt - < {name}` formats to standard output)"
        ),
    )
    .about(&name))
}
