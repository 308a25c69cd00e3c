//! The `hcq` binary: thin glue of clap, I/O and exit codes around the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use hcq::ast::Order;
use hcq::segment::{self, Compiled};
use hcq::{Error, Options, PlanOptions, Problem};
use miette::{GraphicalReportHandler, GraphicalTheme};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
2 bad usage or an unreadable file.";

/// Compile HelpCrunch contact filters into the fewest API requests.
#[derive(Parser, Debug)]
#[command(name = "hcq", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check expressions or segment files; a segment file gets a summary of
    /// the requests each segment needs.
    #[command(after_help = "\
Examples:
  hcq check -e 'email ~ gmail and lastSeen >= 2024-01-01'
  hcq check filter.txt
  hcq check segments.hcq more.hcq --budget 120
  hcq check --message-format json -e 'emial ~ gmail'")]
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
says how to read, union by id, sort and cut them.")]
    Emit(EmitArgs),
    /// Show each compilation stage for a person: why this many requests?
    #[command(after_help = "\
Examples:
  hcq explain -e '(tag = Lead or tag = Paid) and not (city = Kyiv)'
  hcq explain -e 'id > 500 or id > 1000 or (email ~ gmail and id > 500)'
  hcq explain segments.hcq --segment call_list")]
    Explain(EmitArgs),
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
each top-level `or`, parentheses only where precedence needs them,
comments kept where they were.")]
    Fmt(FmtArgs),
    /// Run an expression or segment over exported contacts, offline.
    #[command(after_help = "\
Examples:
  hcq eval -e 'city = Kyiv and tag = Lead' --contacts export.json
  hcq eval segments.hcq --segment gmail_leads --contacts export.jsonl --count
  hcq eval -e 'lastSeen >= now - 30d' --contacts export.json --ids

Contacts are a JSON array, an API response {\"data\": [...]}, or one JSON
object per line, each shaped like the API's contacts. The expression is
evaluated with the semantics hcq's plans rely on (see docs/SEMANTICS.md), and so is
its plan, which must agree.")]
    Eval(EvalArgs),
}

/// Where an expression comes from.
#[derive(Args, Debug)]
struct SourceArgs {
    /// The expression to read, given on the command line.
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "file"
    )]
    expr: Option<String>,
    /// A file holding an expression or segments; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "expr")]
    file: Option<PathBuf>,
    /// The segment to use, when FILE is a segment file.
    #[arg(long, value_name = "NAME")]
    segment: Option<String>,
}

/// How to report and what `now` means.
#[derive(Args, Debug)]
struct ReportArgs {
    /// How to print diagnostics: `human` (miette's report) or `json` (one
    /// object per line on stderr: code, severity, message, help, source, and
    /// labels with byte offset, length, line and column).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// What `now` means in `now - 30d`: an RFC 3339 time
    /// (2024-06-01T00:00:00Z), a date (2024-06-01) or UNIX seconds.
    /// Default: the system clock.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    now: Option<jiff::Timestamp>,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// The expression to check, given on the command line.
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "files"
    )]
    expr: Option<String>,
    /// Files holding an expression or segments; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "expr")]
    files: Vec<PathBuf>,
    /// Fail when a segment file needs more than N API calls to run every
    /// segment once (at 120 a minute, N calls take at least N/2 seconds).
    #[arg(long, value_name = "N")]
    budget: Option<u64>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
struct EmitArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    report: ReportArgs,
    #[command(flatten)]
    page: PageArgs,
    /// Refuse plans needing more requests than this.
    #[arg(long, value_name = "N", default_value_t = hcq::limits::MAX_REQUESTS)]
    max_requests: usize,
    /// Print the JSON on one line.
    #[arg(long)]
    compact: bool,
}

/// Overrides of the expression's `sort by`, `limit` and `offset`.
#[derive(Args, Debug)]
struct PageArgs {
    /// Sort by this field (overrides `sort by`): lastSeen or firstSeen.
    #[arg(long, value_name = "FIELD")]
    sort: Option<String>,
    /// Sort order (overrides the expression's).
    #[arg(long, value_enum)]
    order: Option<OrderArg>,
    /// Skip this many contacts (overrides `offset`).
    #[arg(long, value_name = "N")]
    offset: Option<u64>,
    /// Return at most this many contacts (overrides `limit`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    limit: Option<u64>,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Segment files.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
struct FmtArgs {
    /// Files to format; `-` formats standard input to standard output.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Change nothing; print a diff and exit 1 when a file is not formatted.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Args, Debug)]
struct EvalArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// The contacts: a JSON array, {"data": [...]}, or JSON Lines; `-` reads
    /// standard input.
    #[arg(long, value_name = "FILE")]
    contacts: PathBuf,
    /// Print only how many contacts match.
    #[arg(long, conflicts_with = "ids")]
    count: bool,
    /// Print only the ids of the matching contacts, one per line.
    #[arg(long)]
    ids: bool,
    #[command(flatten)]
    report: ReportArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OrderArg {
    Asc,
    Desc,
}

fn parse_now(text: &str) -> Result<jiff::Timestamp, String> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Ok(ts);
    }
    if let Ok(seconds) = text.parse::<i64>() {
        return jiff::Timestamp::from_second(seconds).map_err(|e| e.to_string());
    }
    if let Ok(date) = text.parse::<jiff::civil::Date>() {
        return date
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| e.to_string());
    }
    Err(format!(
        "`{text}` is not a time: write 2024-06-01T00:00:00Z, 2024-06-01 or UNIX seconds"
    ))
}

/// A failure that is not the input's fault: exit status 2.
#[derive(Debug)]
struct UsageError(String);

type Outcome = Result<ExitCode, UsageError>;

const INVALID: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(UsageError(message)) => {
            let _ = writeln!(io::stderr(), "hcq: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Emit(args) => emit(&args, false),
        Command::Explain(args) => emit(&args, true),
        Command::List(args) => list(&args),
        Command::Fmt(args) => fmt(&args),
        Command::Eval(args) => eval(&args),
    }
}

/// Text to compile and its name for diagnostics.
struct Input {
    name: String,
    text: String,
}

impl Input {
    fn expression(expr: &str) -> Input {
        Input {
            name: "<expression>".into(),
            text: expr.to_owned(),
        }
    }

    fn read(path: &Path) -> Result<Input, UsageError> {
        let (name, bytes) = read_bytes(path)?;
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Input { name, text }),
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                Err(UsageError(format!(
                    "{name} is not UTF-8 text: invalid byte 0x{:02x} at byte offset {offset}",
                    e.as_bytes()[offset],
                )))
            }
        }
    }

    fn is_segment_file(&self) -> bool {
        segment::is_segment_file(&self.text)
    }
}

fn read_bytes(path: &Path) -> Result<(String, Vec<u8>), UsageError> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| UsageError(format!("cannot read standard input: {e}")))?;
        Ok(("<stdin>".to_owned(), bytes))
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        Ok((path.display().to_string(), bytes))
    }
}

fn source_input(args: &SourceArgs) -> Result<Input, UsageError> {
    match (&args.expr, &args.file) {
        (Some(expr), _) => Ok(Input::expression(expr)),
        (None, Some(path)) => Input::read(path),
        (None, None) => unreachable!("clap requires FILE without -e"),
    }
}

fn options(report: &ReportArgs, input: &Input) -> Options {
    Options {
        now: report.now,
        source_name: Some(input.name.clone()),
        ..Options::default()
    }
}

fn check(args: &CheckArgs) -> Outcome {
    let inputs = match &args.expr {
        Some(expr) => vec![Input::expression(expr)],
        None => args
            .files
            .iter()
            .map(|path| Input::read(path))
            .collect::<Result<_, _>>()?,
    };
    let mut failed = false;
    let mut summaries = String::new();
    for input in &inputs {
        let options = options(&args.report, input);
        if input.is_segment_file() {
            match segment::check_file(&input.name, &input.text, &options) {
                Ok(compiled) => {
                    print_warnings(&compiled, args.report.message_format);
                    summaries.push_str(&compiled.summary());
                    if let Some(budget) = args.budget
                        && let Err(error) = compiled.check_budget(budget)
                    {
                        print_error(&error, args.report.message_format);
                        failed = true;
                    }
                }
                Err(error) => {
                    print_error(&error, args.report.message_format);
                    failed = true;
                }
            }
        } else if let Err(error) = hcq::check(&input.text, &options) {
            print_error(&error, args.report.message_format);
            failed = true;
        }
    }
    write_stdout(&summaries)?;
    Ok(exit_status(failed))
}

fn exit_status(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(INVALID)
    } else {
        ExitCode::SUCCESS
    }
}

fn plan_options(args: &PageArgs) -> Result<PlanOptions, UsageError> {
    Ok(PlanOptions {
        sort: args.sort.as_deref().map(sort_field).transpose()?,
        order: args.order.map(|o| match o {
            OrderArg::Asc => Order::Asc,
            OrderArg::Desc => Order::Desc,
        }),
        offset: args.offset,
        limit: args.limit,
    })
}

fn emit(args: &EmitArgs, explain: bool) -> Outcome {
    let input = source_input(&args.source)?;
    let format = args.report.message_format;
    let mut options = options(&args.report, &input);
    options.limits.max_requests = args.max_requests;
    options.page = plan_options(&args.page)?;
    let to_json = |plan: &hcq::Plan| {
        if args.compact {
            serde_json::to_string(plan).expect("a plan always serialises") + "\n"
        } else {
            plan.to_json() + "\n"
        }
    };

    if !input.is_segment_file() {
        if let Some(name) = &args.source.segment {
            return Err(UsageError(format!(
                "--segment {name}: {} holds one expression, not segments",
                input.name
            )));
        }
        let compilation = match hcq::compile_detailed(&input.text, &options) {
            Ok(compilation) => compilation,
            Err(error) => {
                print_error(&error, format);
                return Ok(ExitCode::from(INVALID));
            }
        };
        let warnings = &compilation.lowered.warnings;
        if !warnings.is_empty() {
            let warnings = warnings.iter().cloned().map(Problem::Warning).collect();
            print_error(
                &Error::new(&input.name, input.text.as_str(), warnings),
                format,
            );
        }
        return write_stdout(&if explain {
            hcq::lower::explain::render(&input.text, &compilation.lowered, &compilation.trace)
        } else {
            to_json(&compilation.lowered.plan)
        });
    }

    let compiled = match segment::check_file(&input.name, &input.text, &options) {
        Ok(compiled) => compiled,
        Err(error) => {
            print_error(&error, format);
            return Ok(ExitCode::from(INVALID));
        }
    };
    print_warnings(&compiled, format);
    match (&args.source.segment, explain) {
        (Some(name), _) => {
            let segment = find_segment(&compiled, name, &input.name)?;
            write_stdout(&if explain {
                let trace = compiled.trace(name).expect("the segment was found");
                hcq::lower::explain::render(&input.text, segment.lowered(), &trace)
            } else {
                to_json(segment.plan())
            })
        }
        (None, true) => Err(UsageError(format!(
            "{} holds segments: say which to explain with --segment NAME",
            input.name
        ))),
        (None, false) if args.compact => {
            // One object keyed by name in file order (serde_json's map would sort).
            let entries: Vec<String> = compiled
                .segments()
                .map(|s| {
                    let name = serde_json::to_string(s.name()).expect("a name serialises");
                    let plan = serde_json::to_string(s.plan()).expect("a plan serialises");
                    format!("{name}:{plan}")
                })
                .collect();
            write_stdout(&format!("{{{}}}\n", entries.join(",")))
        }
        (None, false) => write_stdout(&(compiled.to_json() + "\n")),
    }
}

fn find_segment<'a>(
    compiled: &'a Compiled,
    name: &str,
    file: &str,
) -> Result<&'a segment::CompiledSegment, UsageError> {
    compiled.get(name).ok_or_else(|| {
        let hint = compiled
            .suggest(name)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        UsageError(format!(
            "--segment {name}: {file} has no such segment{hint}"
        ))
    })
}

fn list(args: &ListArgs) -> Outcome {
    let mut failed = false;
    let mut out = String::new();
    for path in &args.files {
        let input = Input::read(path)?;
        match segment::check_file(&input.name, &input.text, &options(&args.report, &input)) {
            Ok(compiled) => out.push_str(&compiled.summary()),
            Err(error) => {
                print_error(&error, args.report.message_format);
                failed = true;
            }
        }
    }
    write_stdout(&out)?;
    Ok(exit_status(failed))
}

fn fmt(args: &FmtArgs) -> Outcome {
    let limits = hcq::Limits::default();
    let mut failed = false;
    let mut out = String::new();
    for path in &args.files {
        let input = Input::read(path)?;
        let formatted = match hcq::format::format_source(&input.name, &input.text, &limits) {
            Ok(formatted) => formatted,
            Err(error) => {
                print_error(&error, args.report.message_format);
                failed = true;
                continue;
            }
        };
        let stdin = path.as_os_str() == "-";
        if args.check {
            let diff = hcq::format::diff(&input.name, &input.text, &formatted);
            if !diff.is_empty() {
                out.push_str(&diff);
                failed = true;
            }
        } else if stdin {
            out.push_str(&formatted);
        } else if formatted != input.text {
            std::fs::write(path, &formatted)
                .map_err(|e| UsageError(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    write_stdout(&out)?;
    Ok(exit_status(failed))
}

fn eval(args: &EvalArgs) -> Outcome {
    let input = source_input(&args.source)?;
    let format = args.report.message_format;
    let options = options(&args.report, &input);
    // The checked query and its plan, from an expression or a segment.
    let (query, plan) = if input.is_segment_file() {
        let Some(name) = &args.source.segment else {
            return Err(UsageError(format!(
                "{} holds segments: say which to evaluate with --segment NAME",
                input.name
            )));
        };
        let compiled = match segment::check_file(&input.name, &input.text, &options) {
            Ok(compiled) => compiled,
            Err(error) => {
                print_error(&error, format);
                return Ok(ExitCode::from(INVALID));
            }
        };
        let segment = find_segment(&compiled, name, &input.name)?;
        (segment.query().clone(), segment.plan().clone())
    } else {
        match hcq::compile_detailed(&input.text, &options) {
            Ok(compilation) => (compilation.query, compilation.lowered.plan),
            Err(error) => {
                print_error(&error, format);
                return Ok(ExitCode::from(INVALID));
            }
        }
    };

    let (contacts_name, bytes) = read_bytes(&args.contacts)?;
    let contacts_text = String::from_utf8(bytes).map_err(|e| {
        UsageError(format!(
            "{contacts_name} is not UTF-8 text: invalid byte at byte offset {}",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let records = match hcq::contacts::read_records(&contacts_name, &contacts_text) {
        Ok(records) => records,
        Err(error) => {
            let mut out = String::new();
            let _ = human_handler().render_report(&mut out, &error);
            let _ = io::stderr().lock().write_all(out.as_bytes());
            return Ok(ExitCode::from(INVALID));
        }
    };
    let contacts: Vec<hcq::eval::Contact> = records.iter().map(|(c, _)| c.clone()).collect();

    // Every match, in the file's order, by the reference evaluator; and the
    // same answer from the plan's requests, which must agree.
    let by_expression: Vec<usize> = (0..contacts.len())
        .filter(|&i| hcq::eval::matches_expr(&query.expr, &contacts[i]))
        .collect();
    let by_plan: Vec<usize> = (0..contacts.len())
        .filter(|&i| {
            plan.requests
                .iter()
                .any(|r| hcq::eval::matches_request(r, &contacts[i]))
        })
        .collect();
    if by_expression != by_plan {
        return Err(UsageError(format!(
            "internal error: the plan selects {} contacts where the expression selects {}; \
             please report this with the expression",
            by_plan.len(),
            by_expression.len()
        )));
    }

    let out = if args.count {
        format!("{}\n", by_expression.len())
    } else if args.ids {
        by_expression
            .iter()
            .map(|&i| format!("{}\n", contacts[i].id))
            .collect()
    } else if by_expression.is_empty() {
        "[]\n".to_owned()
    } else {
        let items: Vec<String> = by_expression
            .iter()
            .map(|&i| reindent(&contacts_text, records[i].1))
            .collect();
        format!("[\n{}\n]\n", items.join(",\n"))
    };
    write_stdout(&out)
}

/// `record`, a slice of `text`, indented as an element of a JSON array:
/// its continuation lines lose the indentation its first line had in the
/// file, and every line gains two spaces.
fn reindent(text: &str, record: &str) -> String {
    let start = record.as_ptr() as usize - text.as_ptr() as usize;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count();
    record
        .lines()
        .enumerate()
        .map(|(n, line)| {
            let line = if n == 0 {
                line
            } else {
                let blanks = line.len() - line.trim_start_matches(' ').len();
                &line[blanks.min(column)..]
            };
            format!("  {line}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn sort_field(name: &str) -> Result<&'static hcq::schema::Field, UsageError> {
    let schema = hcq::Schema::default();
    match schema.field(name) {
        Some(field) if field.usage.sort => Ok(field),
        _ => {
            let sortable: Vec<_> = schema.sortable().map(|f| f.short_name()).collect();
            Err(UsageError(format!(
                "--sort {name}: the API sorts only by {}",
                sortable.join(" or ")
            )))
        }
    }
}

fn write_stdout(text: &str) -> Outcome {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // A reader that stops early (`hcq emit … | head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(UsageError(format!("cannot write output: {e}"))),
    }
}

fn print_warnings(compiled: &Compiled, format: MessageFormat) {
    if let Some(warnings) = compiled.warnings() {
        print_error(&warnings, format);
    }
}

/// Prints an input's errors or warnings on stderr.
fn print_error(error: &Error, format: MessageFormat) {
    let text = match format {
        MessageFormat::Json => error
            .to_json()
            .iter()
            .map(|d| serde_json::to_string(d).expect("diagnostics always serialise") + "\n")
            .collect(),
        MessageFormat::Human => {
            let mut out = String::new();
            let _ = human_handler().render_report(&mut out, error);
            out
        }
    };
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// miette's graphical report; colour only on a terminal without `NO_COLOR`.
fn human_handler() -> GraphicalReportHandler {
    let colour =
        io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    GraphicalReportHandler::new_themed(theme).with_width(width)
}
