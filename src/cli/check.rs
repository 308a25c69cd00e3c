//! `hcq check`: the verdict `emit` would give, for every input, without
//! the plans.

use super::args::ReportArgs;
use super::emit::{compile, options, summarize_file};
use super::input::{self, Input};
use super::{FAILURE, Failure, INVALID, SUCCESS, Session};
use crate as hcq;
use clap::Args;
use hcq::segment::{Budget, calls_text};
use std::path::PathBuf;

/// The flags of `hcq check`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq check -e 'email ~ gmail and lastSeen >= 2024-01-01'
  hcq check filter.txt
  hcq check segments.hcq more.hcq --budget 120
  hcq check --message-format json -e 'emial ~ gmail'

Every file is checked, even after one fails to read; the exit status is
the worst of them.")]
pub(super) struct CheckArgs {
    /// The expression to check, given on the command line.
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "files"
    )]
    pub expr: Option<String>,
    /// Files holding an expression or segments; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "expr")]
    pub files: Vec<PathBuf>,
    /// Fail when running everything checked (every segment of a file, or
    /// the expression) needs more than N API calls (at 120 a minute, N
    /// calls take at least N/2 seconds).
    #[arg(long, value_name = "N")]
    pub budget: Option<u64>,
    /// Refuse plans needing more requests than this, as `emit` does.
    #[arg(long, value_name = "N", default_value_t = crate::limits::MAX_REQUESTS)]
    pub max_requests: usize,
    #[command(flatten)]
    pub report: ReportArgs,
}

pub(super) fn run(args: &CheckArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let max_bytes = hcq::Limits::default().max_file_bytes;
    let mut status = SUCCESS;
    let mut summaries = String::new();
    // `-e` is one input; files are read each in its turn, so that memory
    // holds one input at a time, and one that fails to read does not hide
    // the diagnostics of the others.
    let sources: Vec<Option<&std::path::PathBuf>> = match &args.expr {
        Some(_) => vec![None],
        None => args.files.iter().map(Some).collect(),
    };
    for source in sources {
        let input = match (source, &args.expr) {
            (None, Some(expr)) => Input::expression(expr),
            (Some(path), _) => match input::read(session, path, max_bytes) {
                Ok(input) => input,
                Err(failure) => {
                    status = status.max(session.failed(&failure));
                    continue;
                }
            },
            (None, None) => unreachable!("clap requires FILE without -e"),
        };
        if !check_one(args, &input, session, &mut summaries) {
            status = status.max(INVALID);
        }
    }
    session.stdout_for_people(&summaries)?;
    Ok(status)
}

/// Checks one input; whether it passed.
fn check_one(
    args: &CheckArgs,
    input: &Input,
    session: &mut Session<'_, '_>,
    summaries: &mut String,
) -> bool {
    let mut options = options(&args.report, input);
    options.limits.max_requests = args.max_requests;
    if input.is_segment_file() {
        let Some(compiled) = summarize_file(session, input, &options) else {
            return false;
        };
        summaries.push_str(&compiled.summary());
        if let Some(budget) = args.budget
            && let Err(error) = compiled.check_budget(budget)
        {
            session.report(&error);
            return false;
        }
        return true;
    }
    let Some(compiled) = compile(session, input, &options) else {
        return false;
    };
    let calls = compiled.plan.api_calls();
    match args.budget {
        Some(budget) if calls > budget => {
            let error = OverBudget {
                calls,
                budget,
                seconds: Budget::of(calls).minimum_time(),
                span: (0, input.text.len()).into(),
            };
            let json = || vec![hcq::diagnostic::to_json(&error, &input.name, &input.text)];
            session.report_diagnostic(&error, &input.name, &input.text, json);
            false
        }
        _ => true,
    }
}

/// `hcq check -e EXPR --budget N` when running the expression takes more
/// than N API calls (a segment file has `hcq::segment::over_budget`).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(
    "this expression needs {}, over the budget of {budget} \
     (at least {seconds} at 120 requests a minute)",
    calls_text(*.calls)
)]
#[diagnostic(
    code(hcq::check::over_budget),
    help("make it cheaper (see `hcq explain`), or raise the budget if the cost is expected")
)]
struct OverBudget {
    calls: u64,
    budget: u64,
    seconds: String,
    #[label("{}", calls_text(*.calls))]
    span: miette::SourceSpan,
}

// Status 2 is the worst a run can end with; it is named here so a reader
// sees why `max` orders statuses.
const _: () = assert!(SUCCESS < INVALID && INVALID < FAILURE);
