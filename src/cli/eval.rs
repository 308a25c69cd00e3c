//! `hcq eval`: an expression or segment run over exported contacts,
//! offline, by the reference evaluator and by its plan, which must agree.

use super::args::EvalArgs;
use super::emit::{compile, compile_file, find_segment, options, source};
use super::input::{self, Input};
use super::{FAILURE, Failure, INVALID, SUCCESS, Session};
use crate as hcq;

pub(super) fn run(args: &EvalArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    let input = source(session, &args.source)?;
    let options = options(&args.report, &input);
    // The checked query and its plan, from an expression or a segment.
    let (query, plan) = if input.is_segment_file() {
        let Some(name) = &args.source.segment else {
            return Err(Failure::usage(format!(
                "{} holds segments: say which to evaluate with --segment NAME",
                input.name
            )));
        };
        let Some(compiled) = compile_file(session, &input, &options) else {
            return Ok(INVALID);
        };
        let segment = find_segment(&compiled, name, &input.name)?;
        (segment.query().clone(), segment.plan().clone())
    } else {
        let Some((query, lowered)) = compile(session, &input, &options) else {
            return Ok(INVALID);
        };
        (query, lowered.plan)
    };

    let contacts = input::read(session, &args.contacts, hcq::limits::MAX_CONTACTS_BYTES)?;
    let records = match hcq::contacts::read_records(&contacts.name, &contacts.text) {
        Ok(records) => records,
        Err(error) => {
            let json = || {
                vec![hcq::diagnostic::to_json(
                    &error,
                    &contacts.name,
                    &contacts.text,
                )]
            };
            session.report_diagnostic(&error, &contacts.name, &contacts.text, json);
            return Ok(INVALID);
        }
    };
    let people: Vec<hcq::eval::Contact> = records.iter().map(|(c, _)| c.clone()).collect();

    // Every match, in the file's order, by the reference evaluator; and the
    // same answer from the plan's requests, which must agree.
    let by_expression: Vec<usize> = (0..people.len())
        .filter(|&i| hcq::eval::matches_expr(&query.expr, &people[i]))
        .collect();
    let by_plan: Vec<usize> = (0..people.len())
        .filter(|&i| {
            plan.requests
                .iter()
                .any(|r| hcq::eval::matches_request(r, &people[i]))
        })
        .collect();
    if by_expression != by_plan {
        return Err(Failure::new(
            FAILURE,
            "hcq::internal",
            format!(
                "internal error: the plan selects {} contacts where the expression selects {}; \
                 please report this with the expression",
                by_plan.len(),
                by_expression.len()
            ),
        ));
    }

    let out = if args.count {
        format!("{}\n", by_expression.len())
    } else if args.ids {
        by_expression
            .iter()
            .map(|&i| format!("{}\n", people[i].id))
            .collect()
    } else if by_expression.is_empty() {
        "[]\n".to_owned()
    } else {
        let items: Vec<String> = by_expression
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
