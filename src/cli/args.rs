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
  HELPCRUNCH_API_KEY=... hcq run -e 'tag = Lead' --format ids --all

A FILE holds either one expression or, when it starts with `segment NAME`,
any number of named segments. Exit status: 0 success, 1 the input has
errors (diagnostics on stderr) or, for `fmt --check`, is not formatted,
2 bad usage, or input or output that failed (an unreadable file, a full
disk); `hcq run` adds 3 the API refused and 4 gave up. With --message-format json every failure is a JSON object on
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
    Check(super::check::CheckArgs),
    /// Print the plan: the API requests, as JSON, and how to merge them.
    Emit(super::emit::EmitArgs),
    /// Show each compilation stage for a person: why this many requests?
    Explain(super::emit::ExplainArgs),
    /// List the segments of segment files with the requests each needs.
    List(super::list::ListArgs),
    /// Rewrite files in the canonical layout (or, with --check, show the diff).
    Fmt(super::fmt::FmtArgs),
    /// Run an expression or segment over exported contacts, offline.
    Eval(super::eval::EvalArgs),
    /// Run an expression or segment against HelpCrunch's API and print the
    /// contacts (the key from HELPCRUNCH_API_KEY or --api-key-file).
    Run(super::run::RunArgs),
    /// Turn JSON request bodies, arrays of them, or plans back into hcq text.
    Decompile(super::decompile::DecompileArgs),
    /// Serve editors over the Language Server Protocol (stdin and stdout):
    /// diagnostics, formatting, completion, hover and navigation.
    Lsp(super::lsp::LspArgs),
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

/// Overrides of the expression's `sort by`, `limit` and `offset`.
#[derive(Args, Debug)]
pub(super) struct PageArgs {
    /// Sort by this field (overrides `sort by`): lastSeen or firstSeen.
    /// Default: firstSeen, which contacts do not move in while pages are
    /// read.
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
    /// Sort order (overrides the expression's). Default: asc.
    #[arg(long, value_enum)]
    pub order: Option<OrderArg>,
    /// Skip this many contacts (overrides `offset`).
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,
    /// Return at most this many contacts (overrides `limit`). Default: 100.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Return every matching contact, reading as many pages as that takes
    /// (overrides `limit`; `limit all` in the expression says the same).
    #[arg(long, conflicts_with = "limit")]
    pub all: bool,
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
