//! `hcq run`: an expression or segment compiled, then run against the API
//! by the blocking driver (`hcq::run::http`), rows streamed to stdout.

use super::args::{PageArgs, ReportArgs, SourceArgs};
use super::emit::{compile_chosen, options, plan_options, source};
use super::{FAILURE, Failure, GAVE_UP, INVALID, REFUSED, SUCCESS, Session};
use crate as hcq;
use clap::{Args, ValueEnum};
use hcq::run::http::{self, ApiKey, Endpoint, HttpError};
use hcq::run::{Executor, RunError, RunOptions, Stats};
use std::io::{self, Read};
use std::path::PathBuf;
use std::time::Instant;

/// The environment variable holding the API key.
const KEY_VAR: &str = "HELPCRUNCH_API_KEY";

/// The flags of `hcq run`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  export HELPCRUNCH_API_KEY=...        # or --api-key-file ~/.config/hcq/key
  hcq run -e 'city = Kyiv and tag = Lead'
  hcq run -e 'tag = Lead or tag = Paid' --sort lastSeen --order desc --limit 50 --format ids
  hcq run segments.hcq --segment gmail_leads --format json > leads.json
  hcq run -e 'email ~ gmail' --dry-run   # the calls it would start with; sends nothing
  hcq run -e 'tag = Lead' --all --format count   # every match, however many pages
  hcq run -e 'tag = Lead' --base-url http://127.0.0.1:8080 --format count

The key comes from HELPCRUNCH_API_KEY or --api-key-file, never from the
command line (other users can read a process's arguments); it is never
printed. Plain http:// base URLs are refused except to 127.0.0.1, [::1]
or localhost. Calls are paced (default 100 a minute), 429, 5xx and lost
connections retried, and a plan's requests merged exactly as `hcq eval`
does; rows are printed as soon as they are final.

Exit status: 0 done; 1 the input has errors; 2 bad usage, or input or
output that failed; 3 the API refused the request or the key (400, 401,
403); 4 gave up (retries exhausted, network down).")]
pub(super) struct RunArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub page: PageArgs,
    /// What to print: each contact's JSON on a line as received (jsonl),
    /// one JSON array (json), one id a line (ids), or how many (count).
    #[arg(long, value_enum, default_value_t = OutputFormat::Jsonl)]
    pub format: OutputFormat,
    /// At most N calls a minute, evenly spaced. Default: 100 a minute,
    /// with bursts of up to 10 (the API allows 120 a minute).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=6000))]
    pub rate: Option<u32>,
    /// The API's base URL; calls go to {URL}/customers/search.
    #[arg(long, value_name = "URL", default_value = http::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Read the API key from this file (its first line, trimmed) instead
    /// of HELPCRUNCH_API_KEY.
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// Print the calls the plan starts with (method, URL, body) and send
    /// nothing; needs no key.
    #[arg(long)]
    pub dry_run: bool,
    /// No summary line on stderr.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum OutputFormat {
    Jsonl,
    Json,
    Ids,
    Count,
}

/// The most bytes read from --api-key-file.
const MAX_KEY_FILE_BYTES: u64 = 16 * 1024;

pub(super) fn run(args: &RunArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let input = source(session, &args.source)?;
    let mut options = options(&args.report, &input);
    options.page = plan_options(&args.page)?;
    let Some((_, plan)) = compile_chosen(
        session,
        &input,
        &options,
        args.source.segment.as_deref(),
        "run",
    )?
    else {
        return Ok(INVALID);
    };

    if args.dry_run {
        // Validated as a real run would, with a key that is never sent.
        let placeholder = ApiKey::new("dry-run").expect("a valid key");
        let endpoint = endpoint(&args.base_url, placeholder)?;
        let url = endpoint.search_url();
        let calls: String = plan
            .requests
            .iter()
            .map(|request| {
                let body = serde_json::to_string(request).expect("a request serialises");
                format!("POST {url}\n{body}\n")
            })
            .collect();
        session.stdout(&calls)?;
        return Ok(SUCCESS);
    }

    let key = api_key(args)?;
    let endpoint = endpoint(&args.base_url, key)?;
    let run_options = match args.rate {
        Some(rate) => RunOptions::default()
            .with_rate_per_minute(rate)
            .with_burst(1),
        None => RunOptions::default(),
    };
    let executor = Executor::new(&plan, run_options);
    let started = Instant::now();
    let format = args.format;
    let mut count = 0u64;
    let outcome = {
        let out = &mut *session.io.stdout;
        let mut on_row = |row: hcq::run::Row| -> io::Result<()> {
            let text = match format {
                OutputFormat::Jsonl => format!("{}\n", row.raw),
                OutputFormat::Json if count == 0 => format!("[\n  {}", row.raw),
                OutputFormat::Json => format!(",\n  {}", row.raw),
                OutputFormat::Ids => format!("{}\n", row.contact.id),
                OutputFormat::Count => String::new(),
            };
            count += 1;
            out.write_all(text.as_bytes())?;
            out.flush()
        };
        http::run_blocking(executor, &endpoint, &mut on_row)
    };
    let end = match format {
        OutputFormat::Json if count == 0 => "[]\n".to_owned(),
        OutputFormat::Json => "\n]\n".to_owned(),
        OutputFormat::Count => format!("{count}\n"),
        OutputFormat::Jsonl | OutputFormat::Ids => String::new(),
    };
    match outcome {
        Ok(stats) => {
            session.stdout(&end)?;
            if !args.quiet {
                session.stderr(&summary(&stats, started));
            }
            Ok(SUCCESS)
        }
        Err(HttpError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(SUCCESS),
        Err(HttpError::Output(e)) => Err(Failure::new(
            FAILURE,
            "hcq::io::write",
            format!("cannot write output: {e}"),
        )),
        Err(error) => {
            let status = match &error {
                HttpError::Run(RunError::GaveUp { .. }) => GAVE_UP,
                HttpError::Run(_) => REFUSED,
                _ => FAILURE,
            };
            let name = args.base_url.as_str();
            let json = || vec![hcq::diagnostic::to_json(&error, name, "")];
            session.report_diagnostic(&error, name, "", json);
            Ok(status)
        }
    }
}

/// The endpoint at `base_url`; a refused URL is a usage failure.
fn endpoint(base_url: &str, key: ApiKey) -> Result<Endpoint, Failure> {
    Endpoint::new(base_url, key).map_err(|error| {
        let help = miette::Diagnostic::help(&error)
            .map(|help| format!("\n{help}"))
            .unwrap_or_default();
        Failure::usage(format!("--base-url: {error}{help}"))
    })
}

/// The API key from --api-key-file or the environment. Its errors never
/// quote it.
fn api_key(args: &RunArgs) -> Result<ApiKey, Failure> {
    let text = if let Some(path) = &args.api_key_file {
        let shown = path.display();
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_KEY_FILE_BYTES).read_to_string(&mut text))
            .map_err(|e| {
                Failure::new(
                    FAILURE,
                    "hcq::io::read",
                    format!("cannot read the API key from {shown}: {e}"),
                )
            })?;
        text.lines().next().unwrap_or_default().to_owned()
    } else {
        match std::env::var(KEY_VAR) {
            Ok(text) if !text.trim().is_empty() => text,
            _ => {
                return Err(Failure::usage(format!(
                    "no API key: set {KEY_VAR}, or give --api-key-file PATH \
                     (never the key itself on the command line)"
                )));
            }
        }
    };
    ApiKey::new(text).map_err(|error| Failure::usage(error.to_string()))
}

/// `hcq: 3 requests (1 retry, 1 429), 12 rows in 1.2 s`.
fn summary(stats: &Stats, started: Instant) -> String {
    let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "hcq: {} ({}, {}), {} in {:.1} s\n",
        plural(stats.requests_sent, "request", "requests"),
        plural(stats.retries, "retry", "retries"),
        plural(stats.rate_limited, "429", "429s"),
        plural(stats.rows, "row", "rows"),
        started.elapsed().as_secs_f64()
    )
}
