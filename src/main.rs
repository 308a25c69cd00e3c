//! The `hcq` binary: thin glue of clap, I/O and exit codes around the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use hcq::ast::Order;
use hcq::{Error, Options, PlanOptions};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  hcq emit -e 'email ~ gmail and (tag = Lead or lastSeen >= now - 30d)'
  hcq check -e 'countryCode in (UA, PL) and id > 1000'
  hcq explain -e '(tag = Lead or tag = Paid) and not (city = Kyiv)'
  echo 'tags = [Lead, Paid] sort by lastSeen desc limit 50' | hcq emit -

Exit status: 0 success, 1 the input has errors (diagnostics on stderr),
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
    /// Check expressions for errors; print nothing and exit 0 when valid.
    #[command(after_help = "\
Examples:
  hcq check -e 'email ~ gmail and lastSeen >= 2024-01-01'
  hcq check filter.hcq
  hcq check --message-format json -e 'emial ~ gmail'")]
    Check(CommonArgs),
    /// Print the plan: the API requests, as JSON, and how to merge them.
    #[command(after_help = "\
Examples:
  hcq emit -e 'email ~ gmail or tag = Lead'
  hcq emit -e '(a = 1 or b = 2) and id > 5' --sort lastSeen --order desc --limit 50
  hcq emit --now 2024-06-01T00:00:00Z -e 'lastSeen >= now - 30d' --compact

The plan is {\"requests\": [API request body, ...], \"merge\": {...}}; `merge`
appears only when the answer needs several requests, and says how to read,
union by id, sort and cut them.")]
    Emit(EmitArgs),
    /// Show each compilation stage for a person: why this many requests?
    #[command(after_help = "\
Examples:
  hcq explain -e '(tag = Lead or tag = Paid) and not (city = Kyiv)'
  hcq explain -e 'id > 500 or id > 1000 or (email ~ gmail and id > 500)'")]
    Explain(EmitArgs),
}

/// Where the input comes from and how to report problems.
#[derive(Args, Debug)]
struct CommonArgs {
    /// The expression to read, given on the command line.
    #[arg(
        short = 'e',
        long = "expr",
        value_name = "EXPR",
        conflicts_with = "file"
    )]
    expr: Option<String>,
    /// A file holding the expression; `-` reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "expr")]
    file: Option<PathBuf>,
    /// How to print diagnostics: `human` (miette's report) or `json` (one
    /// object per line on stderr: code, severity, message, help, labels with
    /// offset, length, line and column).
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    message_format: MessageFormat,
    /// What `now` means in `now - 30d`: an RFC 3339 time
    /// (2024-06-01T00:00:00Z), a date (2024-06-01) or UNIX seconds.
    /// Default: the system clock.
    #[arg(long, value_name = "TIME", value_parser = parse_now)]
    now: Option<jiff::Timestamp>,
}

#[derive(Args, Debug)]
struct EmitArgs {
    #[command(flatten)]
    common: CommonArgs,
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
    /// Refuse plans needing more requests than this.
    #[arg(long, value_name = "N", default_value_t = hcq::limits::MAX_REQUESTS)]
    max_requests: usize,
    /// Print the JSON on one line.
    #[arg(long)]
    compact: bool,
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
    }
}

/// The text to compile and its name for diagnostics.
struct Input {
    name: String,
    text: String,
}

fn read_input(args: &CommonArgs) -> Result<Input, UsageError> {
    if let Some(expr) = &args.expr {
        return Ok(Input {
            name: "<expression>".into(),
            text: expr.clone(),
        });
    }
    let path = args.file.as_ref().expect("clap requires FILE without -e");
    let (name, bytes) = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| UsageError(format!("cannot read standard input: {e}")))?;
        ("<stdin>".to_owned(), bytes)
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        (path.display().to_string(), bytes)
    };
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Input { name, text }),
        Err(e) => Err(UsageError(format!(
            "{name} is not UTF-8 text: invalid byte 0x{:02x} at byte offset {}",
            e.as_bytes()[e.utf8_error().valid_up_to()],
            e.utf8_error().valid_up_to()
        ))),
    }
}

fn options(args: &CommonArgs, input: &Input) -> Options {
    Options {
        now: args.now,
        source_name: Some(input.name.clone()),
        ..Options::default()
    }
}

fn check(args: &CommonArgs) -> Outcome {
    let input = read_input(args)?;
    match hcq::check(&input.text, &options(args, &input)) {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(error) => Ok(report(&error, args.message_format)),
    }
}

fn emit(args: &EmitArgs, explain: bool) -> Outcome {
    let input = read_input(&args.common)?;
    let mut options = options(&args.common, &input);
    options.limits.max_requests = args.max_requests;
    options.page = PlanOptions {
        sort: args.sort.as_deref().map(sort_field).transpose()?,
        order: args.order.map(|o| match o {
            OrderArg::Asc => Order::Asc,
            OrderArg::Desc => Order::Desc,
        }),
        offset: args.offset,
        limit: args.limit,
    };
    let compilation = match hcq::compile_detailed(&input.text, &options) {
        Ok(compilation) => compilation,
        Err(error) => return Ok(report(&error, args.common.message_format)),
    };
    let warnings = hcq::diagnostic::Warnings::new(
        &input.name,
        input.text.as_str(),
        compilation.lowered.warnings.clone(),
    );
    if !warnings.is_empty() {
        print_diagnostic(&warnings, &warnings.as_json(), args.common.message_format);
    }
    let output = if explain {
        hcq::lower::explain::render(&input.text, &compilation.lowered)
    } else if args.compact {
        serde_json::to_string(&compilation.lowered.plan).expect("a plan always serialises") + "\n"
    } else {
        serde_json::to_string_pretty(&compilation.lowered.plan).expect("a plan always serialises")
            + "\n"
    };
    write_stdout(&output)
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

/// Prints an input's errors and gives the exit status for them.
fn report(error: &Error, format: MessageFormat) -> ExitCode {
    print_diagnostic(error, &error.to_json(), format);
    ExitCode::from(1)
}

fn print_diagnostic(
    diagnostic: &dyn Diagnostic,
    json: &[hcq::diagnostic::JsonDiagnostic],
    format: MessageFormat,
) {
    let mut stderr = io::stderr().lock();
    let text = match format {
        MessageFormat::Json => json
            .iter()
            .map(|d| serde_json::to_string(d).expect("diagnostics always serialise") + "\n")
            .collect(),
        MessageFormat::Human => {
            let mut out = String::new();
            let _ = human_handler().render_report(&mut out, diagnostic);
            out
        }
    };
    let _ = stderr.write_all(text.as_bytes());
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
    let width = terminal_width();
    GraphicalReportHandler::new_themed(theme).with_width(width)
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
