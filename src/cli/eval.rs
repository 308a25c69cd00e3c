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

    let contacts = input::read(session, &args.contacts, hcq::limits::MAX_CONTACTS_BYTES)?;
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
            return Ok(INVALID);
        }
    };
    // The page by the reference evaluator and by the plan's requests, run
    // as a client would; they must agree.
    let mut answering = hcq::eval::Answering::new(&query, &hcq::PlanOptions::default(), &plan);
    let mut refused = None;
    for record in &mut stream {
        let (contact, range) = match record {
            Ok(record) => record,
            Err(error) => {
                report_read_error(session, &error);
                return Ok(INVALID);
            }
        };
        if refused.is_none() {
            // The reader refuses repeated ids itself, so this stays
            // `None`; were it not, the reading's errors still come first.
            refused = answering.push(&contact, (contact.id, range)).err();
        }
    }
    for warning in stream.warnings() {
        session.report_diagnostic(&warning, &contacts.name, &contacts.text, || {
            vec![warning.to_json()]
        });
    }
    let rows = match refused.map_or_else(|| answering.finish(), Err) {
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
    for (n, (id, range)) in rows.iter().enumerate() {
        if args.ids {
            out.push_str(&format!("{id}\n"));
        } else {
            if n > 0 {
                out.push_str(",\n");
            }
            out.push_str(&reindent(&contacts, range.clone()));
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

/// The record at `range` of the contacts' text, indented as an element of a
/// JSON array: its continuation lines lose the indentation its first line
/// had in the file, and every line gains two spaces.
fn reindent(contacts: &Input, range: std::ops::Range<usize>) -> String {
    let text = &contacts.text;
    let start = range.start;
    let record = &text[range];
    if !record.contains('\n') {
        // Nothing to realign, and no search back through a one-line export.
        return format!("  {record}");
    }
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
