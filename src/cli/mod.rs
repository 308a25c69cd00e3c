//! The `hcq` binary's own layer: arguments, reading input, reporting,
//! writing files, exit codes. One file per subcommand; `main.rs` only
//! calls [`main`].
//!
//! [`run`](fn@run) takes the arguments and the three standard streams as values,
//! so tests, property tests and the fuzzer drive exactly what the binary
//! does, in-process.
//!
//! **Invariant:** whatever the arguments and input, [`run`](fn@run) returns 0, 1
//! or 2 (and, for `hcq run` once the API has been called, 3 or 4) and
//! never panics; what it prints about a failure is bounded in size
//! and holds no raw control characters.

mod args;
mod check;
mod decompile;
mod emit;
mod eval;
mod fmt;
mod input;
mod list;
mod lsp;
mod output;
mod pretty;
mod progress;
pub mod render;
mod rows;
mod run;

use args::{Cli, Command, MessageFormat};
use clap::Parser;
use hcq::diagnostic::{JsonDiagnostic, MAX_TEXT_CHARS, clip};
use miette::Diagnostic;
use std::ffi::OsString;
use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

// The library is used by its public name, as any embedder would.
use crate as hcq;

/// The exit status for success.
pub const SUCCESS: u8 = 0;
/// The exit status when the input has errors (or `fmt --check` finds
/// unformatted files).
pub const INVALID: u8 = 1;
/// The exit status for bad usage, or input or output that failed.
pub const FAILURE: u8 = 2;
/// The exit status of `hcq run` when the API refused the request or the
/// key (400, 401, 403, or another status no retry can change).
pub const REFUSED: u8 = 3;
/// The exit status of `hcq run` when it gave up: retries exhausted, or
/// the network down.
pub const GAVE_UP: u8 = 4;

/// The standard streams and what the binary knows of its terminal.
pub struct Io<'a> {
    /// Standard input.
    pub stdin: &'a mut dyn Read,
    /// Standard output.
    pub stdout: &'a mut dyn Write,
    /// Standard error.
    pub stderr: &'a mut dyn Write,
    /// How human diagnostics look.
    pub style: render::Style,
}

/// The allocator `main.rs` makes the binary's: jemalloc with the feature
/// `jemalloc` (on by default; not on MSVC), else the system's. A library
/// never sets one: this is for the binary only.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
pub type Allocator = tikv_jemallocator::Jemalloc;

/// The allocator `main.rs` makes the binary's: the system's, as the
/// feature `jemalloc` is off.
#[cfg(not(all(feature = "jemalloc", not(target_env = "msvc"))))]
pub type Allocator = std::alloc::System;

/// The value of [`Allocator`] `main.rs` declares global.
pub const ALLOCATOR: Allocator = Allocator {};

/// Runs the binary with the process's arguments and streams.
pub fn main() -> ExitCode {
    // A write past a file-size limit then fails with EFBIG, which `fmt`
    // reports and cleans up after, instead of killing the process.
    #[cfg(unix)]
    let _ = signal_hook::flag::register(
        signal_hook::consts::SIGXFSZ,
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
    );
    let terminal = io::stderr().is_terminal();
    let colour = terminal && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.parse().ok())
        .unwrap_or(100);
    let (mut stdin, mut stdout, mut stderr) = (io::stdin().lock(), io::stdout(), io::stderr());
    let mut io = Io {
        stdin: &mut stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: render::Style {
            colour,
            width,
            progress: terminal,
        },
    };
    ExitCode::from(run(std::env::args_os(), &mut io))
}

/// Runs `hcq` with `args` (the first is the program's name) and returns
/// the exit status: 0 success, 1 invalid input, 2 usage or I/O failure,
/// and for `hcq run` 3 the API refused, 4 gave up.
pub fn run(args: impl IntoIterator<Item = OsString>, io: &mut Io<'_>) -> u8 {
    let args: Vec<OsString> = args.into_iter().collect();
    let format = args::message_format(&args);
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(error) => return usage(error, format, io),
    };
    let mut session = Session::new(io, format);
    let outcome = match &cli.command {
        Command::Check(args) => check::run(args, &mut session),
        Command::Emit(args) => emit::emit(args, &mut session),
        Command::Explain(args) => emit::explain(args, &mut session),
        Command::List(args) => list::run(args, &mut session),
        Command::Fmt(args) => fmt::run(args, &mut session),
        Command::Eval(args) => eval::run(args, &mut session),
        Command::Run(args) => run::run(args, &mut session),
        Command::Decompile(args) => decompile::run(args, &mut session),
        Command::Lsp(args) => lsp::run(args, &mut session),
    };
    match outcome {
        Ok(status) => status,
        Err(failure) => session.failed(&failure),
    }
}

/// Help and version go to stdout with status 0; every other argument
/// error is a usage failure, in the chosen message format.
fn usage(error: clap::Error, format: MessageFormat, io: &mut Io<'_>) -> u8 {
    use clap::error::ErrorKind;
    let text = error.render().to_string();
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = io.stdout.write_all(text.as_bytes());
        return SUCCESS;
    }
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        && format == MessageFormat::Human
    {
        // `hcq` alone: the whole help, which a failure would clip.
        let _ = io.stderr.write_all(text.as_bytes());
        return FAILURE;
    }
    let message = text
        .trim_end()
        .strip_prefix("error: ")
        .unwrap_or(text.trim_end());
    let failure = Failure::new(FAILURE, "hcq::usage", message);
    Session::new(io, format).failure(&failure);
    FAILURE
}

/// A failure that ends the run: bad usage, or input or output that failed.
/// Diagnostics about the input's content are [`hcq::Error`]s instead.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    /// The exit status.
    status: u8,
    /// A stable code, `hcq::usage` or `hcq::io::…`.
    code: &'static str,
    message: String,
    /// The input it is about, if any.
    source: Option<String>,
}

impl Failure {
    fn new(status: u8, code: &'static str, message: impl Into<String>) -> Failure {
        Failure {
            status,
            code,
            message: message.into(),
            source: None,
        }
    }

    /// A usage failure: status 2.
    fn usage(message: impl Into<String>) -> Failure {
        Failure::new(FAILURE, "hcq::usage", message)
    }

    fn about(mut self, source: &str) -> Failure {
        self.source = Some(source.to_owned());
        self
    }
}

/// One run's streams and message format.
pub(crate) struct Session<'a, 'io> {
    io: &'a mut Io<'io>,
    format: MessageFormat,
    /// How many more problems the human format shows in full: one
    /// allowance for the whole run, so that a thousand broken files print
    /// a bounded report.
    shown_left: usize,
    /// Whether standard input has been read: a second `-` would see
    /// nothing and report a confusing error about an empty input.
    stdin_read: bool,
}

impl<'a, 'io> Session<'a, 'io> {
    fn new(io: &'a mut Io<'io>, format: MessageFormat) -> Self {
        Session {
            io,
            format,
            shown_left: render::MAX_SHOWN,
            stdin_read: false,
        }
    }

    /// Prints a failure that ends one input's work; returns its status.
    fn failed(&mut self, failure: &Failure) -> u8 {
        self.failure(failure);
        failure.status
    }

    /// Prints a failure on stderr.
    fn failure(&mut self, failure: &Failure) {
        let text = match self.format {
            MessageFormat::Human => {
                // Continuation lines indented under the first, blank ones left blank.
                let message: Vec<String> = render::printable(&failure.message)
                    .lines()
                    .map(|line| line.trim_end().to_owned())
                    .collect();
                format!("hcq: {}\n", message.join("\n  ").replace("\n  \n", "\n\n"))
            }
            MessageFormat::Json => json_line(&JsonDiagnostic {
                code: Some(failure.code.to_owned()),
                severity: "error",
                message: clip(&failure.message, MAX_TEXT_CHARS).into_owned(),
                help: None,
                source: clip(
                    failure.source.as_deref().unwrap_or_default(),
                    MAX_TEXT_CHARS,
                )
                .into_owned(),
                labels: Vec::new(),
            }),
        };
        self.stderr(&text);
    }

    /// Prints an input's errors or warnings on stderr.
    fn report(&mut self, error: &hcq::Error) {
        self.report_diagnostic(error, error.name(), error.source_text(), || error.to_json());
    }

    /// Prints any diagnostic whose labels point into `text`.
    fn report_diagnostic(
        &mut self,
        diagnostic: &dyn Diagnostic,
        name: &str,
        text: &str,
        json: impl FnOnce() -> Vec<JsonDiagnostic>,
    ) {
        let out = match self.format {
            MessageFormat::Human => {
                let (out, shown) =
                    render::render_at_most(diagnostic, name, text, self.io.style, self.shown_left);
                self.shown_left = self.shown_left.saturating_sub(shown);
                out
            }
            MessageFormat::Json => json().iter().map(json_line).collect(),
        };
        self.stderr(&out);
    }

    fn stderr(&mut self, text: &str) {
        // Nothing useful can be done when stderr itself fails.
        let _ = self.io.stderr.write_all(text.as_bytes());
        let _ = self.io.stderr.flush();
    }

    /// Writes the command's answer on stdout.
    fn stdout(&mut self, text: &str) -> Result<(), Failure> {
        self.stdout_bytes(text.as_bytes())
    }

    /// [`Session::stdout`] of bytes that are UTF-8 already (JSON
    /// serde_json wrote).
    fn stdout_bytes(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        match self
            .io
            .stdout
            .write_all(bytes)
            .and_then(|()| self.io.stdout.flush())
        {
            Ok(()) => Ok(()),
            // A reader that stops early (`hcq emit … | head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(Failure::new(
                FAILURE,
                "hcq::io::write",
                format!("cannot write output: {e}"),
            )),
        }
    }

    /// Writes text meant for a person on stdout (summaries, diffs,
    /// `explain`): control and invisible characters quoted from the input
    /// are shown by their stand-ins, as in reports. Data (plans, formatted
    /// text, contacts) goes through [`Session::stdout`] untouched.
    fn stdout_for_people(&mut self, text: &str) -> Result<(), Failure> {
        self.stdout(&render::visible(text))
    }

    fn stdin(&mut self) -> &mut dyn Read {
        self.io.stdin
    }
}

/// One diagnostic as a line of JSON. serde_json escapes only the C0
/// controls; DEL, the C1 controls (U+009B starts an escape sequence on some
/// terminals) and invisible characters are escaped here too, as `\\uXXXX`,
/// which is still the same JSON: they only ever occur inside strings.
fn json_line(diagnostic: &JsonDiagnostic) -> String {
    let json =
        serde_json::to_string(diagnostic).expect("a diagnostic holds only strings and numbers");
    let mut line = String::with_capacity(json.len() + 1);
    for c in json.chars() {
        if render::stand_in(c).is_some() {
            line.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            line.push(c);
        }
    }
    line.push('\n');
    line
}
