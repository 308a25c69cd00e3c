//! The command line: what each subcommand takes, with `--help` that
//! teaches. A flag appears only on the subcommands where it means
//! something.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  hcq emit -e 'email ~ gmail and (tag = Lead or lastSeen >= now - 30d)'
  hcq check -e 'countryCode in (UA, PL) and id > 1000'
  hcq explain -e '(tag = Lead or tag = Paid) and not (city = Kyiv)'
  echo 'tags = [Lead, Paid] sort by lastSeen desc limit 50' | hcq emit -
  hcq check segments/*.hcq --budget 120
  hcq emit segments.hcq --segment gmail_leads
  hcq eval -e 'city = Kyiv' --contacts export.json --ids

A FILE holds either one expression or, when it starts with `segment NAME`,
any number of named segments. Exit status: 0 success, 1 the input has
errors (diagnostics on stderr) or, for `fmt --check`, is not formatted,
2 bad usage, or input or output that failed (an unreadable file, a full
disk). With --message-format json every failure is a JSON object on
stderr, usage errors included.";

/// Compile HelpCrunch contact filters into the fewest API requests.
#[derive(Parser, Debug)]
#[command(name = "hcq", version, about, after_help = AFTER_HELP)]
pub(super) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Check expressions or segment files: the same verdict and warnings as
    /// `emit`, without printing plans; a segment file gets a summary of the
    /// requests each segment needs.
    #[command(after_help = "\
Examples:
  hcq check -e 'email ~ gmail and lastSeen >= 2024-01-01'
  hcq check filter.txt
  hcq check segments.hcq more.hcq --budget 120
  hcq check --message-format json -e 'emial ~ gmail'

Every file is checked, even after one fails to read; the exit status is
the worst of them.")]
    Check(CheckArgs),
    /// Print the plan: the API requests, as JSON, and how to merge them.
    #[command(after_help = "\
Examples:
  hcq emit -e 'email ~ gmail or tag = Lead'
  hcq emit -e '(city = Kyiv or id = 2) and id > 5' --sort lastSeen --order desc --limit 50
  hcq emit --now 2024-06-01T00:00:00Z -e 'lastSeen >= now - 30d' --compact
  hcq emit segments.hcq                      # every segment, keyed by name
  hcq emit segments.hcq --segment gmail_leads

The plan is {\"requests\": [API request body, ...], \"merge\": {...}}; `merge`
appears when the answer needs several requests (or a page over 100), and
says how to read, union by id, sort and cut them (README, \"The plan\").")]
    Emit(EmitArgs),
    /// Show each compilation stage for a person: why this many requests?
    #[command(after_help = "\
Examples:
  hcq explain -e '(tag = Lead or tag = Paid) and not (city = Kyiv)'
  hcq explain -e 'id > 500 or id > 1000 or (email ~ gmail and id > 500)'
  hcq explain segments.hcq --segment call_list")]
    Explain(ExplainArgs),
    /// List the segments of segment files with the requests each needs.
    #[command(after_help = "\
Examples:
  hcq list segments.hcq")]
    List(ListArgs),
    /// Rewrite files in the canonical layout (or, with --check, show the diff).
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
    Fmt(FmtArgs),
    /// Run an expression or segment over exported contacts, offline.
    #[command(after_help = "\
Examples:
  hcq eval -e 'city = Kyiv and tag = Lead' --contacts export.json
  hcq eval segments.hcq --segment gmail_leads --contacts export.jsonl --count
  hcq eval -e 'lastSeen >= now - 30d sort by lastSeen desc limit 10' --contacts export.json --ids

Contacts are a JSON array, an API response {\"data\": [...]}, or one JSON
object per line, each shaped like the API's contacts. The expression is
evaluated with the semantics hcq's plans rely on (docs/SEMANTICS.md), and
so is its plan, which must agree. With `sort by`, `limit` or `offset` the
answer is exactly the page the plan answers; without them, every match in
the file's order.")]
    Eval(EvalArgs),
}

/// Where an expression comes from.
#[derive(Args, Debug)]
pub(super) struct SourceArgs {
    /// The expression to read, given on the command line.
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "file"
    )]
    pub expr: Option<String>,
    /// A file holding an expression or segments; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "expr")]
    pub file: Option<PathBuf>,
    /// The segment to use, when FILE is a segment file.
    #[arg(long, value_name = "NAME")]
    pub segment: Option<String>,
}

/// How diagnostics are printed.
#[derive(Args, Debug)]
pub(super) struct FormatArgs {
    /// How to print diagnostics: `human` (a report for people) or `json`
    /// (one object per line on stderr: code, severity, message, help,
    /// source, and labels with byte offset, length, line and column, the
    /// column counted in characters, UTF-16 units and bytes). Usage and I/O
    /// failures are objects too, with an `hcq::usage` or `hcq::io::…` code.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,
}

/// How to report and what `now` means.
#[derive(Args, Debug)]
pub(super) struct ReportArgs {
    #[command(flatten)]
    pub format: FormatArgs,
    /// What `now` means in `now - 30d`: an RFC 3339 time
    /// (2024-06-01T00:00:00Z), a date (2024-06-01) or UNIX seconds.
    /// Default: the system clock.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    pub now: Option<jiff::Timestamp>,
}

#[derive(Args, Debug)]
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

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub page: PageArgs,
    /// Refuse plans needing more requests than this.
    #[arg(long, value_name = "N", default_value_t = crate::limits::MAX_REQUESTS)]
    pub max_requests: usize,
}

#[derive(Args, Debug)]
pub(super) struct EmitArgs {
    #[command(flatten)]
    pub plan: ExplainArgs,
    /// Print the JSON on one line.
    #[arg(long)]
    pub compact: bool,
}

/// Overrides of the expression's `sort by`, `limit` and `offset`.
#[derive(Args, Debug)]
pub(super) struct PageArgs {
    /// Sort by this field (overrides `sort by`): lastSeen or firstSeen.
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
    /// Sort order (overrides the expression's).
    #[arg(long, value_enum)]
    pub order: Option<OrderArg>,
    /// Skip this many contacts (overrides `offset`).
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,
    /// Return at most this many contacts (overrides `limit`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

#[derive(Args, Debug)]
pub(super) struct ListArgs {
    /// Segment files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
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

#[derive(Args, Debug)]
pub(super) struct EvalArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The contacts: a JSON array, {"data": [...]}, or JSON Lines; `-` reads
    /// standard input. At most 256 MiB.
    #[arg(long, value_name = "FILE")]
    pub contacts: PathBuf,
    /// Print only how many contacts match.
    #[arg(long, conflicts_with = "ids")]
    pub count: bool,
    /// Print only the ids of the matching contacts, one per line.
    #[arg(long)]
    pub ids: bool,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum OrderArg {
    Asc,
    Desc,
}

/// The message format asked for, read from the raw arguments so that even
/// an error in the arguments themselves is printed in it.
pub(super) fn message_format(args: &[OsString]) -> MessageFormat {
    let mut format = MessageFormat::Human;
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let value = if arg == "--message-format" {
            args.next().cloned()
        } else {
            arg.to_str()
                .and_then(|a| a.strip_prefix("--message-format="))
                .map(OsString::from)
        };
        if let Some(value) = value {
            format = if value == "json" {
                MessageFormat::Json
            } else {
                MessageFormat::Human
            };
        }
    }
    format
}

fn parse_now(text: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(ts);
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return jiff::Timestamp::from_second(seconds)
            .map_err(|_| format!("`{seconds}` is outside the times hcq can represent"));
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|_| format!("`{date}` is outside the dates hcq can represent"));
    }
    Err(format!(
        "`{text}` is not a time: write 2024-06-01T00:00:00Z, 2024-06-01 or UNIX seconds"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_format_is_found_before_parsing() {
        let args = |list: &[&str]| -> Vec<OsString> { list.iter().map(OsString::from).collect() };
        let json = MessageFormat::Json;
        let human = MessageFormat::Human;
        assert_eq!(
            message_format(&args(&["hcq", "check", "--message-format", "json"])),
            json
        );
        assert_eq!(
            message_format(&args(&["hcq", "--message-format=json", "x"])),
            json
        );
        assert_eq!(message_format(&args(&["hcq", "check", "-e", "x"])), human);
        assert_eq!(
            message_format(&args(&["hcq", "--", "--message-format=json"])),
            human
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
