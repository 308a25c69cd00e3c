//! `hcq list`: each segment of each file with the requests it needs.

use super::args::ReportArgs;
use super::emit::{options, summarize_file};
use super::{Failure, INVALID, SUCCESS, Session, input};
use clap::Args;
use std::path::PathBuf;

/// The flags of `hcq list`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq list segments.hcq")]
pub(super) struct ListArgs {
    /// Segment files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub(super) fn run(args: &ListArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let max_bytes = crate::Limits::default().max_file_bytes;
    let mut status = SUCCESS;
    let mut out = String::new();
    for path in &args.files {
        let input = match input::read(session, path, max_bytes) {
            Ok(input) => input,
            Err(failure) => {
                status = status.max(session.failed(&failure));
                continue;
            }
        };
        match summarize_file(session, &input, &options(&args.report, &input)) {
            Some(compiled) => out.push_str(&compiled.summary()),
            None => status = status.max(INVALID),
        }
    }
    session.stdout_for_people(&out)?;
    Ok(status)
}
