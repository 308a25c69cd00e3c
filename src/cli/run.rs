//! `hcq run`: an expression or segments compiled, then run against the
//! API by the blocking driver (`hcq::run::http`), rows streamed to stdout
//! or, for every segment of a file, to one file per segment.

use super::args::{PageArgs, ReportArgs, SourceArgs};
use super::emit::{compile, compile_file, find_segment, options, plan_options, source};
use super::input::Input;
use super::progress::{Progress, plural};
use super::render;
use super::rows::{RowArgs, RowFormat, RowWriter};
use super::{FAILURE, Failure, GAVE_UP, INVALID, MessageFormat, REFUSED, SUCCESS, Session};
use crate as hcq;
use clap::Args;
use hcq::Plan;
use hcq::diagnostic::JsonDiagnostic;
use hcq::run::http::{self, ApiKey, Client, Endpoint, HttpError, Observer};
use hcq::run::{Executor, Row, RunError, RunOptions, Stats};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The environment variable holding the API key.
const KEY_VAR: &str = "HELPCRUNCH_API_KEY";

/// The flags of `hcq run`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  export HELPCRUNCH_API_KEY=...        # or --api-key-file ~/.config/hcq/key
  hcq run -e 'city = Kyiv and tag = Lead'
  hcq run -e 'tag = Lead or tag = Paid' --sort lastSeen --order desc --limit 50 --format ids
  hcq run -e 'tag = Lead' --all --format csv --columns id,email,location.city > leads.csv
  hcq run segments.hcq --segment gmail_leads --format json > leads.json
  hcq run segments.hcq --out-dir exports/   # every segment, one file each
  hcq run -e 'email ~ gmail' --dry-run   # the calls it would start with; sends nothing
  hcq run -e 'tag = Lead' --all --format count   # every match, however many pages
  hcq run -e 'tag = Lead' --base-url http://127.0.0.1:8080 --format count

The key comes from HELPCRUNCH_API_KEY or --api-key-file, never from the
command line (other users can read a process's arguments); it is never
printed. Plain http:// base URLs are refused except to 127.0.0.1, [::1]
or localhost. Calls are paced (default 100 a minute, under the API's 120),
429, 5xx, timeouts and lost connections retried (5 attempts a page), and
a plan's requests merged exactly as `hcq eval` does; rows are printed as
soon as they are final. A request whose matches change while it is read
is read again once; if they keep changing, a warning says so.

On a terminal, a progress line on stderr shows requests, rows and waits;
a summary line ends the run unless --quiet.

Exit status: 0 done; 1 the input has errors; 2 bad usage, or input or
output that failed; 3 the API refused the request or the key (400, 401,
403); 4 gave up (retries exhausted, network down, --max-requests reached).")]
pub(super) struct RunArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub page: PageArgs,
    #[command(flatten)]
    pub rows: RowArgs,
    /// At most N calls a minute, evenly spaced. Default: 100 a minute
    /// (the API allows 120), leaving room for other clients of the account.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=6000))]
    pub rate: Option<u32>,
    /// Stop after N calls (retries included) and exit with status 4 if
    /// the answer needs more: a guard for --all over a large account.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_requests: Option<u64>,
    /// Give up on a call after this many seconds without its answer (it
    /// is retried like a lost connection); connecting gets the same.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// The API's base URL; calls go to {URL}/customers/search.
    #[arg(long, value_name = "URL", default_value = http::DEFAULT_BASE_URL)]
    pub base_url: String,
    /// Read the API key from this file (its first line, trimmed) instead
    /// of HELPCRUNCH_API_KEY.
    #[arg(long, value_name = "PATH")]
    pub api_key_file: Option<PathBuf>,
    /// Write each segment's rows to DIR/NAME.EXT (jsonl, json, csv, or
    /// txt for ids and count) instead of stdout. With a segment file and
    /// no --segment, runs every segment, one after another, sharing one
    /// rate budget. A file appears only when its segment ran to the end.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Print the calls the plan starts with (method, URL, body) and send
    /// nothing; needs no key.
    #[arg(long)]
    pub dry_run: bool,
    /// No progress line and no summary on stderr.
    #[arg(long)]
    pub quiet: bool,
}

/// The most bytes read from --api-key-file.
const MAX_KEY_FILE_BYTES: u64 = 16 * 1024;

/// A plan to run, and the segment it comes from.
struct Job {
    /// The segment's name; `None` for an expression.
    name: Option<String>,
    plan: Plan,
}

impl Job {
    /// What its reports are about: the segment, or the API it was run
    /// against.
    fn source<'a>(&'a self, args: &'a RunArgs) -> &'a str {
        self.name.as_deref().unwrap_or(&args.base_url)
    }
}

pub(super) fn run(args: &RunArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let input = source(session, &args.source)?;
    // The row flags are checked before anything is compiled or sent.
    RowWriter::for_args(&args.rows).map_err(Failure::usage)?;
    let Some(jobs) = jobs(args, session, &input)? else {
        return Ok(INVALID);
    };
    if args.dry_run {
        return dry_run(args, &jobs, session);
    }
    let key = api_key(args)?;
    let timeout = Duration::from_secs(args.timeout);
    let endpoint = endpoint(&args.base_url, key)?.with_timeouts(timeout, timeout);
    if let Some(dir) = &args.out_dir {
        check_out_dir(dir)?;
    }
    let mut run_options = RunOptions::default();
    if let Some(rate) = args.rate {
        run_options = run_options.with_rate_per_minute(rate);
    }
    let mut client = Client::new(&endpoint);
    let mut progress = Progress::new(session.io.style.progress && !args.quiet);
    let mut sent = 0;
    for job in &jobs {
        let mut options = run_options.clone();
        if let Some(max) = args.max_requests {
            // One ceiling for the whole invocation.
            options = options.with_max_requests(max.saturating_sub(sent));
        }
        progress.start(job.name.as_deref());
        let started = Instant::now();
        let executor = Executor::new(&job.plan, options);
        let path = args.out_dir.as_ref().map(|dir| {
            let name = job.name.as_deref().unwrap_or("hcq");
            dir.join(format!("{name}.{}", extension(args.rows.format)))
        });
        let outcome = match &path {
            Some(path) => run_to_file(&mut client, executor, args, path, &mut progress),
            None => run_to_stdout(&mut client, executor, args, session, &mut progress),
        };
        progress.clear();
        match outcome {
            Ok(stats) => {
                sent += stats.requests_sent;
                report_stats(
                    args,
                    session,
                    job,
                    path.as_deref(),
                    &stats,
                    started.elapsed(),
                );
            }
            Err(Stop::Failure(failure)) => return Err(failure),
            Err(Stop::Http(HttpError::Output(e))) if e.kind() == io::ErrorKind::BrokenPipe => {
                return Ok(SUCCESS);
            }
            Err(Stop::Http(HttpError::Output(e))) => {
                return Err(Failure::new(
                    FAILURE,
                    "hcq::io::write",
                    format!("cannot write output: {e}"),
                ));
            }
            Err(Stop::Http(error)) => return Ok(report_error(args, session, job, &error)),
        }
    }
    Ok(SUCCESS)
}

/// What the command line asks to run: the expression, the `--segment`,
/// or with `--out-dir` every segment of the file. `Ok(None)` when the
/// input has errors (they are reported).
fn jobs(
    args: &RunArgs,
    session: &mut Session<'_, '_>,
    input: &Input,
) -> Result<Option<Vec<Job>>, Failure> {
    let mut options = options(&args.report, input);
    options.page = plan_options(&args.page)?;
    let segment = args.source.segment.as_deref();
    if !input.is_segment_file() {
        if let Some(name) = segment {
            return Err(Failure::usage(format!(
                "--segment {name}: {} holds one expression, not segments",
                input.name
            )));
        }
        if args.out_dir.is_some() {
            return Err(Failure::usage(format!(
                "--out-dir writes one file per segment, and {} holds one expression, \
                 not segments; redirect stdout instead",
                input.name
            )));
        }
        let compiled = compile(session, input, &options);
        return Ok(compiled.map(|compiled| {
            vec![Job {
                name: None,
                plan: compiled.plan,
            }]
        }));
    }
    if segment.is_none() && args.out_dir.is_none() {
        return Err(Failure::usage(format!(
            "{} holds segments: say which to run with --segment NAME, \
             or run every segment with --out-dir DIR",
            input.name
        )));
    }
    let Some(compiled) = compile_file(session, input, &options) else {
        return Ok(None);
    };
    let chosen = match segment {
        Some(name) => vec![find_segment(&compiled, name, &input.name)?],
        None => compiled.segments().collect(),
    };
    Ok(Some(
        chosen
            .into_iter()
            .map(|segment| Job {
                name: Some(segment.name().to_owned()),
                plan: segment.plan().clone(),
            })
            .collect(),
    ))
}

/// `--dry-run`: each job's first calls, validated as a real run would
/// be, with a key that is never sent.
fn dry_run(args: &RunArgs, jobs: &[Job], session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let placeholder = ApiKey::new("dry-run").expect("a valid key");
    let url = endpoint(&args.base_url, placeholder)?.search_url();
    let mut text = String::new();
    for job in jobs {
        if let Some(name) = &job.name {
            text.push_str(&format!("# segment {name}\n"));
        }
        for request in &job.plan.requests {
            let body = serde_json::to_string(request).expect("a request serialises");
            text.push_str(&format!("POST {url}\n{body}\n"));
        }
    }
    session.stdout(&text)?;
    Ok(SUCCESS)
}

/// Why one job's run stopped early.
enum Stop {
    Http(HttpError),
    Failure(Failure),
}

/// Prints rows and moves the progress line as the run goes.
struct Printer<'a> {
    out: &'a mut dyn Write,
    writer: RowWriter,
    progress: &'a mut Progress,
}

impl Observer for Printer<'_> {
    fn row(&mut self, row: Row) -> io::Result<()> {
        let (writer, out) = (&mut self.writer, &mut *self.out);
        self.progress.suspend(|| writer.row(out, &row))
    }

    fn progress(&mut self, executor: &Executor, wait: Option<Duration>) {
        self.progress.update(executor, wait);
    }
}

fn writer(args: &RunArgs) -> RowWriter {
    RowWriter::for_args(&args.rows).expect("checked before the run")
}

fn run_to_stdout(
    client: &mut Client,
    executor: Executor,
    args: &RunArgs,
    session: &mut Session<'_, '_>,
    progress: &mut Progress,
) -> Result<Stats, Stop> {
    let out = &mut *session.io.stdout;
    let mut printer = Printer {
        out,
        writer: writer(args),
        progress,
    };
    let stats = client.run(executor, &mut printer).map_err(Stop::Http)?;
    printer
        .writer
        .finish(printer.out)
        .map_err(|e| Stop::Http(HttpError::Output(e)))?;
    Ok(stats)
}

/// Runs into a temporary file beside `path`, renamed to it only once the
/// run ended well: an earlier export of the segment is never replaced by
/// a partial one.
fn run_to_file(
    client: &mut Client,
    executor: Executor,
    args: &RunArgs,
    path: &Path,
    progress: &mut Progress,
) -> Result<Stats, Stop> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_stem()
        .map_or_else(|| "hcq".into(), |n| n.to_string_lossy());
    let fail = |what: String| {
        Stop::Failure(Failure::new(
            FAILURE,
            "hcq::io::write",
            format!("cannot write {}: {what}", path.display()),
        ))
    };
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    // An export is an ordinary file: readable as the umask allows, not
    // the temporary file's owner-only mode.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let file = builder.tempfile_in(dir).map_err(|e| fail(e.to_string()))?;
    let mut out = io::BufWriter::new(file);
    let mut printer = Printer {
        out: &mut out,
        writer: writer(args),
        progress,
    };
    let outcome = client.run(executor, &mut printer);
    let stats = match outcome {
        Ok(stats) => stats,
        Err(HttpError::Output(e)) => return Err(fail(e.to_string())),
        Err(error) => return Err(Stop::Http(error)),
    };
    printer
        .writer
        .finish(printer.out)
        .map_err(|e| fail(e.to_string()))?;
    let file = out.into_inner().map_err(|e| fail(e.error().to_string()))?;
    file.as_file().sync_all().map_err(|e| fail(e.to_string()))?;
    file.persist(path).map_err(|e| fail(e.error.to_string()))?;
    Ok(stats)
}

/// The file name extension of a format's output.
fn extension(format: RowFormat) -> &'static str {
    match format {
        RowFormat::Jsonl => "jsonl",
        RowFormat::Json => "json",
        RowFormat::Csv => "csv",
        RowFormat::Ids | RowFormat::Count => "txt",
    }
}

/// `--out-dir` must be a directory that exists: creating one from a typo
/// would hide the exports where nobody looks.
fn check_out_dir(dir: &Path) -> Result<(), Failure> {
    match std::fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(Failure::usage(format!(
            "--out-dir {}: not a directory",
            dir.display()
        ))),
        Err(e) => Err(Failure::usage(format!("--out-dir {}: {e}", dir.display()))),
    }
}

/// The run's warnings, then its summary line unless `--quiet`.
fn report_stats(
    args: &RunArgs,
    session: &mut Session<'_, '_>,
    job: &Job,
    written: Option<&Path>,
    stats: &Stats,
    elapsed: Duration,
) {
    let name = job.source(args);
    for warning in &stats.warnings {
        let json = || vec![hcq::diagnostic::to_json(warning, name, "")];
        session.report_diagnostic(warning, name, "", json);
    }
    if args.quiet {
        return;
    }
    let mut line = summary(job.name.as_deref(), stats, elapsed);
    if let Some(path) = written {
        line.push_str(&format!(" → {}", path.display()));
    }
    match session.format {
        // Segment names are plain, but a path may hold anything.
        MessageFormat::Human => session.stderr(&format!("hcq: {}\n", render::visible(&line))),
        MessageFormat::Json => {
            let summary = JsonDiagnostic {
                code: Some("hcq::run::summary".to_owned()),
                severity: "advice",
                message: line,
                help: None,
                source: name.to_owned(),
                labels: Vec::new(),
            };
            session.stderr(&super::json_line(&summary));
        }
    }
}

/// Reports why a run stopped; returns the exit status it means.
fn report_error(args: &RunArgs, session: &mut Session<'_, '_>, job: &Job, error: &HttpError) -> u8 {
    let status = match error {
        HttpError::Run(RunError::GaveUp { .. } | RunError::OverBudget { .. }) => GAVE_UP,
        HttpError::Run(_) => REFUSED,
        _ => FAILURE,
    };
    let name = job.source(args);
    let json = || vec![hcq::diagnostic::to_json(error, name, "")];
    session.report_diagnostic(error, name, "", json);
    status
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

/// `leads: 3 requests (1 retry, 1 429), 12 rows in 1.2 s`, and the
/// re-reads and late rows when there were any.
fn summary(name: Option<&str>, stats: &Stats, elapsed: Duration) -> String {
    let mut line = format!(
        "{}{} ({}, {}), {} in {:.1} s",
        name.map(|name| format!("{name}: ")).unwrap_or_default(),
        plural(stats.requests_sent, "request", "requests"),
        plural(stats.retries, "retry", "retries"),
        plural(stats.rate_limited, "429", "429s"),
        plural(stats.rows, "row", "rows"),
        elapsed.as_secs_f64()
    );
    if stats.rereads > 0 {
        line.push_str(&format!(
            "; {} read again as contacts changed",
            plural(stats.rereads, "request", "requests")
        ));
    }
    if stats.late_rows > 0 {
        line.push_str(&format!(
            "; {} came late, out of order",
            plural(stats.late_rows, "row", "rows")
        ));
    }
    line
}
