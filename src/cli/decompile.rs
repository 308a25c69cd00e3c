//! `hcq decompile`: JSON request bodies, arrays of them, or plans, printed
//! as hcq text in the canonical layout.

use super::args::FormatArgs;
use super::input;
use super::{Failure, INVALID, SUCCESS, Session};
use crate as hcq;
use clap::{Args, ValueEnum};
use hcq::decompile::{self, Dates};
use std::path::PathBuf;

/// The flags of `hcq decompile`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq decompile body.json
  echo '{\"filter\": []}' | hcq decompile -      # prints: all
  hcq emit -e 'tag = Lead or city = Kyiv' | hcq decompile -
  hcq decompile requests.json --segment old_leads >> segments.hcq
  hcq decompile body.json --dates iso

The input is one JSON value: a request body as POST /v1/customers/search
takes it, an array of bodies (the union of their answers; the bodies must
share one page), or a plan as `hcq emit` prints it. The text means exactly
what the JSON asks: fields by their short names, `a or b` from an OR
request, `in (...)` where a field is compared with several values, and
only the clauses that differ from the defaults (sort by firstSeen asc,
offset 0, limit 100). A body without filters is `all`, every contact.

Everything the API would refuse or might read otherwise is an error that
points into the JSON: an unknown field or key, an operator the field's
type does not take, a value of the wrong type (a date as text, an id as a
string), `!=` on tags, a limit over 100, a key written twice. Exit status:
0 done; 1 the JSON has errors; 2 bad usage, or input that failed.")]
pub(super) struct DecompileArgs {
    /// The JSON file; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print a segment with this name, ready to append to a .hcq file.
    #[arg(long, value_name = "NAME")]
    pub segment: Option<String>,
    /// How to write timestamps: unix (seconds, as the API takes them) or
    /// iso (2024-06-01 at midnight UTC, else 2024-06-01T10:30:00Z).
    #[arg(long, value_enum, default_value_t = DatesArg::Unix)]
    pub dates: DatesArg,
    #[command(flatten)]
    pub format: FormatArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum DatesArg {
    Unix,
    Iso,
}

pub(super) fn run(args: &DecompileArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    if let Some(name) = &args.segment {
        check_segment_name(name)?;
    }
    let input = input::read(session, &args.file, hcq::Limits::default().max_file_bytes)?;
    let dates = match args.dates {
        DatesArg::Unix => Dates::Unix,
        DatesArg::Iso => Dates::Iso,
    };
    let query = match decompile::decompile(&input.name, &input.text, dates) {
        Ok(query) => query,
        Err(error) => {
            session.report(&error);
            return Ok(INVALID);
        }
    };
    let text = match &args.segment {
        Some(name) => decompile::segment_text(name, &query),
        None => hcq::format::query_to_string(&query),
    };
    session.stdout(&text)?;
    Ok(SUCCESS)
}

/// A `--segment` name the language reads back as that name.
fn check_segment_name(name: &str) -> Result<(), Failure> {
    let text = format!("segment {name}\n  all\n");
    let parsed = hcq::syntax::parse_file(&text, &hcq::Limits::default());
    match parsed {
        Ok(file) if file.segments.len() == 1 && file.segments[0].name.name == name => Ok(()),
        _ => Err(Failure::usage(format!(
            "--segment {}: a segment name is letters, digits and `_`, and not a keyword",
            super::render::printable(name)
        ))),
    }
}
