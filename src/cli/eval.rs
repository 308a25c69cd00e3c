//! `hcq eval`: an expression or segment run over exported contacts,
//! offline, by the reference evaluator and by its plan, which must agree.

use super::args::{ReportArgs, SourceArgs};
use super::emit::{compile_chosen, options, source};
use super::input::{self, Input};
use super::{FAILURE, Failure, INVALID, SUCCESS, Session};
use crate as hcq;
use clap::Args;
use std::path::PathBuf;

/// The flags of `hcq eval`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq eval -e 'city = Kyiv and tag = Lead' --contacts export.json
  hcq eval segments.hcq --segment gmail_leads --contacts export.jsonl --count
  hcq eval -e 'lastSeen >= now - 30d sort by lastSeen desc limit 10' --contacts export.json --ids

Contacts are a JSON array, an API response {\"data\": [...]}, or one JSON
object per line, each shaped like the API's contacts. The expression is
evaluated with the semantics hcq's plans rely on (docs/SEMANTICS.md), and
so is its plan, which must agree. With `sort by`, `limit` or `offset` the
answer is exactly the page the plan answers (100 contacts by firstSeen
ascending unless the clauses say otherwise; `limit all` for every match);
without them, every match in the file's order.")]
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

pub(super) fn run(args: &EvalArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let input = source(session, &args.source)?;
    let options = options(&args.report, &input);
    let Some((query, plan)) = compile_chosen(
        session,
        &input,
        &options,
        args.source.segment.as_deref(),
        "evaluate",
    )?
    else {
        return Ok(INVALID);
    };

    // The contacts' text, when it had to be read whole.
    let mut whole: Option<Input> = None;
    let answered = match windowed(&args.contacts, &query, &plan) {
        Some(answered) => answered,
        None => {
            let contacts = input::read(session, &args.contacts, hcq::limits::MAX_CONTACTS_BYTES)?;
            let answered = match answer_text(session, &contacts, &query, &plan) {
                Some(answered) => answered,
                None => return Ok(INVALID),
            };
            whole = Some(contacts);
            answered
        }
    };
    let rows = match answered {
        Ok(rows) => rows,
        Err(error) => {
            let json = || vec![hcq::diagnostic::to_json(&error, &input.name, &input.text)];
            session.report_diagnostic(&error, &input.name, &input.text, json);
            return Ok(FAILURE);
        }
    };

    if args.count {
        session.stdout(&format!("{}\n", rows.len()))?;
        return Ok(SUCCESS);
    }
    if !args.ids && rows.is_empty() {
        session.stdout("[]\n")?;
        return Ok(SUCCESS);
    }
    // Written in pieces of about 64 KiB, not as one string: the matches'
    // text would otherwise be held twice more, reindented and joined.
    const PIECE: usize = 64 * 1024;
    let mut out = String::with_capacity(PIECE + 4096);
    if !args.ids {
        out.push_str("[\n");
    }
    for (n, (id, written)) in rows.iter().enumerate() {
        if args.ids {
            out.push_str(&format!("{id}\n"));
        } else {
            if n > 0 {
                out.push_str(",\n");
            }
            let (record, column) = match (written, &whole) {
                (Written::Copy(record, column), _) => (record.as_str(), *column),
                (Written::Range(range), Some(contacts)) => (
                    &contacts.text[range.clone()],
                    column_of(contacts, range.start),
                ),
                (Written::Range(_), None) => unreachable!("ranges come with the whole text"),
            };
            out.push_str(&reindent(record, column));
        }
        if out.len() >= PIECE {
            session.stdout(&out)?;
            out.clear();
        }
    }
    if !args.ids {
        out.push_str("\n]\n");
    }
    session.stdout(&out)?;
    Ok(SUCCESS)
}

/// A record of the answer as it is printed: a range of the contacts'
/// text when that was read whole, or a copy of the record with the column
/// it starts at when the file was read through a window.
enum Written {
    Range(std::ops::Range<usize>),
    Copy(String, usize),
}

/// The answer, or why there is none.
type Answered = Result<Vec<(i64, Written)>, hcq::eval::AnswerError>;

/// The answer over a regular file read through a window of its bytes
/// (`contacts::window`), holding the matches, never the whole text; `None`
/// when the file is not the common case (standard input, a FIFO, an
/// error, a warning, a rarer layout), which the whole-text reading then
/// reads and reports exactly as it always has.
fn windowed(
    path: &std::path::Path,
    query: &hcq::typed::Query,
    plan: &hcq::plan::Plan,
) -> Option<Answered> {
    use hcq::contacts::window::{self, Outcome};
    if path.as_os_str() == "-" {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut answering = hcq::eval::Answering::new(query, &hcq::PlanOptions::default(), plan);
    let mut refused = false;
    let outcome = window::read(&mut file, hcq::limits::MAX_CONTACTS_BYTES, &mut |record| {
        let id = record.contact.id;
        let pushed = answering.push_with(&record.contact, || {
            (id, Written::Copy(record.text.to_owned(), record.column))
        });
        refused |= pushed.is_err();
    })
    .ok()?;
    match outcome {
        // A repeated id is refused by the window first; were it not, the
        // whole-text reading names both records.
        Outcome::Read if !refused => Some(answering.finish()),
        _ => None,
    }
}

/// The answer over the whole text of the contacts, its reading errors and
/// warnings reported; `None` when it does not read.
fn answer_text(
    session: &mut Session<'_, '_>,
    contacts: &Input,
    query: &hcq::typed::Query,
    plan: &hcq::plan::Plan,
) -> Option<Answered> {
    // The records are read one at a time and judged as they come: what
    // stays is what the answer needs (the matches' byte ranges, or a
    // bounded page), not every record (issue 15).
    let report_read_error = |session: &mut Session<'_, '_>,
                             error: &hcq::contacts::ContactsError| {
        session.report_diagnostic(error, &contacts.name, &contacts.text, || {
            vec![error.to_json()]
        });
    };
    let mut stream = match hcq::contacts::stream(&contacts.name, &contacts.text) {
        Ok(stream) => stream,
        Err(error) => {
            report_read_error(session, &error);
            return None;
        }
    };
    // The page by the reference evaluator and by the plan's requests, run
    // as a client would; they must agree.
    let mut answering = hcq::eval::Answering::new(query, &hcq::PlanOptions::default(), plan);
    let mut refused = None;
    for record in &mut stream {
        let (contact, range) = match record {
            Ok(record) => record,
            Err(error) => {
                report_read_error(session, &error);
                return None;
            }
        };
        if refused.is_none() {
            // The reader refuses repeated ids itself, so this stays
            // `None`; were it not, the reading's errors still come first.
            refused = answering
                .push(&contact, (contact.id, Written::Range(range)))
                .err();
        }
    }
    for warning in stream.warnings() {
        session.report_diagnostic(&warning, &contacts.name, &contacts.text, || {
            vec![warning.to_json()]
        });
    }
    Some(refused.map_or_else(|| answering.finish(), Err))
}

/// The column (in characters) byte `start` of the contacts' text is at.
fn column_of(contacts: &Input, start: usize) -> usize {
    let text = &contacts.text;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..start].chars().count()
}

/// `record`, indented as an element of a JSON array: its continuation
/// lines lose the indentation its first line had in the file (it starts at
/// `column`), and every line gains two spaces.
fn reindent(record: &str, column: usize) -> String {
    if !record.contains('\n') {
        return format!("  {record}");
    }
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
