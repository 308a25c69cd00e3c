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
    let export = match hcq::contacts::read_export(&contacts.name, &contacts.text) {
        Ok(export) => export,
        Err(error) => {
            session.report_diagnostic(&error, &contacts.name, &contacts.text, || {
                vec![error.to_json()]
            });
            return Ok(INVALID);
        }
    };
    for warning in &export.warnings {
        session.report_diagnostic(warning, &contacts.name, &contacts.text, || {
            vec![warning.to_json()]
        });
    }
    let records = export.records;
    let people: Vec<hcq::eval::Contact> = records.iter().map(|(c, _)| c.clone()).collect();

    // The page by the reference evaluator and by the plan's requests, run
    // as a client would; they must agree.
    let rows = match hcq::eval::answer(&query, &plan, &people) {
        Ok(rows) => rows,
        Err(error) => {
            let json = || vec![hcq::diagnostic::to_json(&error, &input.name, &input.text)];
            session.report_diagnostic(&error, &input.name, &input.text, json);
            return Ok(FAILURE);
        }
    };

    let out = if args.count {
        format!("{}\n", rows.len())
    } else if args.ids {
        rows.iter()
            .map(|&i| format!("{}\n", people[i].id))
            .collect()
    } else if rows.is_empty() {
        "[]\n".to_owned()
    } else {
        let items: Vec<String> = rows
            .iter()
            .map(|&i| reindent(&contacts, records[i].1))
            .collect();
        format!("[\n{}\n]\n", items.join(",\n"))
    };
    session.stdout(&out)?;
    Ok(SUCCESS)
}

/// `record`, a slice of the contacts' text, indented as an element of a
/// JSON array: its continuation lines lose the indentation its first line
/// had in the file, and every line gains two spaces.
fn reindent(contacts: &Input, record: &str) -> String {
    if !record.contains('\n') {
        // Nothing to realign, and no search back through a one-line export.
        return format!("  {record}");
    }
    let text = &contacts.text;
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
