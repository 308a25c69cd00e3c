//! `hcq emit` and `hcq explain`, and the compilation every subcommand
//! shares: options from the flags, an expression compiled with its
//! warnings reported, a segment found by name.

use super::args::{OrderArg, PageArgs, ReportArgs, SourceArgs};
use super::input::{self, Input};
use super::pretty::Pretty;
use super::{Failure, INVALID, SUCCESS, Session};
use crate as hcq;
use clap::Args;
use hcq::ast::{Limit, Order};
use hcq::segment::{self, CompiledFile};
use hcq::{Options, PlanOptions};

/// The flags of `hcq explain`, which `emit` shares.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq explain -e '(tag = Lead or tag = Paid) and not (city = Kyiv)'
  hcq explain -e 'id > 500 or id > 1000 or (email ~ gmail and id > 500)'
  hcq explain segments.hcq --segment call_list")]
pub(super) struct ExplainArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub page: PageArgs,
    /// Refuse plans needing more requests than this.
    #[arg(long, value_name = "N", default_value_t = crate::limits::MAX_REQUESTS)]
    pub max_requests: usize,
}

/// The flags of `hcq emit`.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  hcq emit -e 'email ~ gmail or tag = Lead'
  hcq emit -e '(city = Kyiv or id = 2) and id > 5' --sort lastSeen --order desc --limit 50
  hcq emit -e 'tag = Lead' --all              # every match, read in pages of 100
  hcq emit -e 'all sort by lastSeen desc limit 10'   # any contact: the 10 seen last
  hcq emit --now 2024-06-01T00:00:00Z -e 'lastSeen >= now - 30d' --compact
  hcq emit segments.hcq                      # every segment, keyed by name
  hcq emit segments.hcq --segment gmail_leads

The plan is {\"requests\": [API request body, ...], \"merge\": {...}}; `merge`
appears when the answer needs several requests (or a page over 100, or
every row), and says how to read, union by id, sort and cut them (README,
\"The plan\"). Without `sort by`, plans read by firstSeen ascending.

Every segment's plan is written as it is made, in file order, so a large
file never holds all of them: after an error far into a file (past the
first MiB of plans), the plans before it are written and the JSON object
is left unclosed; the status is 1.")]
pub(super) struct EmitArgs {
    #[command(flatten)]
    pub plan: ExplainArgs,
    /// Print the JSON on one line.
    #[arg(long)]
    pub compact: bool,
}

/// Options for compiling `input` with the flags of `report`.
pub(super) fn options(report: &ReportArgs, input: &Input) -> Options {
    Options {
        now: report.now,
        source_name: Some(input.name.clone()),
        ..Options::default()
    }
}

/// The input named by `-e` or FILE, read within the bounds.
pub(super) fn source(session: &mut Session<'_, '_>, source: &SourceArgs) -> Result<Input, Failure> {
    match (&source.expr, &source.file) {
        (Some(expr), _) => Ok(Input::expression(expr)),
        (None, Some(path)) => input::read(session, path, hcq::Limits::default().max_file_bytes),
        (None, None) => Err(Failure::usage("give an expression with -e, or a FILE")),
    }
}

/// An expression compiled; its errors, or its warnings, are reported.
/// `None` when it has errors.
pub(super) fn compile(
    session: &mut Session<'_, '_>,
    input: &Input,
    options: &Options,
) -> Option<hcq::Compiled> {
    match hcq::compile(&input.text, options) {
        Ok(compiled) => {
            if let Some(warnings) = &compiled.warnings {
                session.report(warnings);
            }
            Some(compiled)
        }
        Err(error) => {
            session.report(&error);
            None
        }
    }
}

/// A segment file checked and lowered; its errors, or its warnings, are
/// reported.
pub(super) fn compile_file(
    session: &mut Session<'_, '_>,
    input: &Input,
    options: &Options,
) -> Option<CompiledFile> {
    let result = segment::check_file(&input.name, &input.text, options);
    reported(session, result, CompiledFile::warnings)
}

/// A segment file checked, keeping each segment's cost and not its plan
/// (`check`, `list`); its errors, or its warnings, are reported.
pub(super) fn summarize_file(
    session: &mut Session<'_, '_>,
    input: &Input,
    options: &Options,
) -> Option<segment::FileSummary> {
    let result = segment::summarize_file(&input.name, input.text.clone(), options);
    reported(session, result, segment::FileSummary::warnings)
}

/// What checking a file gave, once its errors, or its warnings, are
/// reported.
fn reported<T>(
    session: &mut Session<'_, '_>,
    result: Result<T, hcq::Error>,
    warnings: fn(&T) -> Option<hcq::Error>,
) -> Option<T> {
    match result {
        Ok(checked) => {
            if let Some(warnings) = warnings(&checked) {
                session.report(&warnings);
            }
            Some(checked)
        }
        Err(error) => {
            session.report(&error);
            None
        }
    }
}

pub(super) fn emit(args: &EmitArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    run(&args.plan, args.compact, false, session)
}

pub(super) fn explain(args: &ExplainArgs, session: &mut Session<'_, '_>) -> Result<u8, Failure> {
    run(args, false, true, session)
}

fn run(
    args: &ExplainArgs,
    compact: bool,
    explain: bool,
    session: &mut Session<'_, '_>,
) -> Result<u8, Failure> {
    let input = source(session, &args.source)?;
    let mut options = options(&args.report, &input);
    options.limits.max_requests = args.max_requests;
    options.page = plan_options(&args.page)?;
    let shown = Shown { compact, explain };
    if input.is_segment_file() {
        segments(args, &input, &options, shown, session)
    } else {
        expression(args, &input, &options, shown, session)
    }
}

/// What `emit` or `explain` prints.
#[derive(Clone, Copy)]
struct Shown {
    /// The JSON on one line.
    compact: bool,
    /// The stages for a person instead of the plan.
    explain: bool,
}

impl Shown {
    fn plan(self, plan: &hcq::Plan) -> String {
        if self.compact {
            serde_json::to_string(plan).expect("a plan holds only strings and numbers") + "\n"
        } else {
            plan.to_json() + "\n"
        }
    }
}

/// `emit` or `explain` of an input holding one expression.
fn expression(
    args: &ExplainArgs,
    input: &Input,
    options: &Options,
    shown: Shown,
    session: &mut Session<'_, '_>,
) -> Result<u8, Failure> {
    if let Some(name) = &args.source.segment {
        return Err(Failure::usage(format!(
            "--segment {name}: {} holds one expression, not segments",
            input.name
        )));
    }
    if shown.explain {
        let compilation = match hcq::compile_detailed(&input.text, options) {
            Ok(compilation) => compilation,
            Err(error) => {
                session.report(&error);
                return Ok(INVALID);
            }
        };
        if let Some(warnings) = options.warnings(&input.text, &compilation.lowered.warnings) {
            session.report(&warnings);
        }
        session.stdout_for_people(&compilation.explain(&input.text))?;
        return Ok(SUCCESS);
    }
    let Some(compiled) = compile(session, input, options) else {
        return Ok(INVALID);
    };
    session.stdout(&shown.plan(&compiled.plan))?;
    Ok(SUCCESS)
}

/// Plans of `hcq emit FILE` held back before the first write: a file
/// whose plans before its first error are smaller than this prints no
/// plan at all, as it would if it were held whole.
const HELD_PLANS: usize = 1 << 20;

/// `emit` of every segment of a file: one JSON object keyed by segment
/// name, in file order, as [`CompiledFile::to_json`] (or compact, as
/// `serde_json::to_string(&compiled.plans())`) prints it, written as the
/// plans come ([`segment::compile_each`]), so that a large file's plans
/// (seventeen times its size, pretty) are never all in memory. The first
/// [`HELD_PLANS`] bytes are held back: a file with an error prints no plan
/// unless the plans before the error are larger, and then the object is
/// left unclosed (never a valid object missing some segments).
fn every_plan(
    input: &Input,
    options: &Options,
    compact: bool,
    session: &mut Session<'_, '_>,
) -> Result<u8, Failure> {
    // Bytes: serde_json writes UTF-8, and each plan's bytes go out as
    // they are rather than checked again to make a `String`.
    let mut out: Vec<u8> = Vec::new();
    let mut entries = 0usize;
    let mut written = false;
    let mut failed: Option<Failure> = None;
    let make =
        |segment: segment::CompiledSegment| one_entry(segment.name(), segment.plan(), compact);
    let result = segment::compile_each(
        &input.name,
        input.text.clone(),
        options,
        &make,
        &mut |object: Vec<u8>| {
            // `{` (and the line break, pretty) opens the object of every
            // plan, or is the comma between two entries; the closing
            // brace (and the line break before it) comes once, at the end.
            let (open, close) = if compact { (1, 1) } else { (2, 2) };
            out.extend_from_slice(match (entries, compact) {
                (0, _) => &object[..open],
                (_, true) => b",",
                (_, false) => b",\n",
            });
            out.extend_from_slice(&object[open..object.len() - close]);
            entries += 1;
            if out.len() >= HELD_PLANS && failed.is_none() {
                if let Err(failure) = session.stdout_bytes(&out) {
                    failed = Some(failure);
                }
                out.clear();
                written = true;
            }
        },
    );
    if let Some(failure) = failed {
        return Err(failure);
    }
    match result {
        Ok(summary) => {
            if let Some(warnings) = summary.warnings() {
                session.report(&warnings);
            }
            out.extend_from_slice(match (entries, compact) {
                (0, _) => b"{}\n",
                (_, true) => b"}\n",
                (_, false) => b"\n}\n",
            });
            session.stdout_bytes(&out)?;
            Ok(SUCCESS)
        }
        Err(error) => {
            session.report(&error);
            if !written {
                return Ok(INVALID);
            }
            session.stdout_bytes(&out)?;
            let incomplete = Failure::new(
                INVALID,
                "hcq::emit::incomplete",
                format!(
                    "the plans on standard output are incomplete: {entries} segments were \
                     written as they came before the problems above were found, and the JSON \
                     object is left unclosed; fix them and emit again"
                ),
            )
            .about(&input.name);
            Ok(session.failed(&incomplete))
        }
    }
}

/// The object of one segment's plan keyed by its name, pretty or
/// compact: its entry is exactly what serialising the object of every
/// plan writes for that segment, between `{\n` and `\n}` (`{` and `}`
/// compact).
fn one_entry(name: &str, plan: &hcq::Plan, compact: bool) -> Vec<u8> {
    let one = [(name, plan)];
    let object = OneEntry(&one);
    // Room for a usual plan (a request is about 300 bytes pretty), so that
    // the text is not copied as it grows.
    let mut json = Vec::with_capacity(1024 * (1 + plan.requests.len()));
    if compact {
        serde_json::to_writer(&mut json, &object)
    } else {
        let mut serializer = serde_json::Serializer::with_formatter(&mut json, Pretty::default());
        serde::Serialize::serialize(&object, &mut serializer)
    }
    .expect("a plan holds only strings and numbers");
    json
}

/// A map of one entry, serialised as a JSON object.
struct OneEntry<'a>(&'a [(&'a str, &'a hcq::Plan); 1]);

impl serde::Serialize for OneEntry<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, plan)| (name, plan)))
    }
}

/// `emit` or `explain` of a segment file: one segment, or for `emit`
/// every segment keyed by name.
fn segments(
    args: &ExplainArgs,
    input: &Input,
    options: &Options,
    shown: Shown,
    session: &mut Session<'_, '_>,
) -> Result<u8, Failure> {
    let Some(name) = &args.source.segment else {
        if !shown.explain {
            return every_plan(input, options, shown.compact, session);
        }
        if compile_file(session, input, options).is_none() {
            return Ok(INVALID);
        }
        return Err(Failure::usage(format!(
            "{} holds segments: say which to explain with --segment NAME",
            input.name
        )));
    };
    let Some(compiled) = compile_file(session, input, options) else {
        return Ok(INVALID);
    };
    let segment = find_segment(&compiled, name, &input.name)?;
    let text = if shown.explain {
        let trace = compiled.trace(name).expect("the segment was found");
        hcq::lower::explain::render(&input.text, segment.lowered(), &trace)
    } else {
        shown.plan(segment.plan())
    };
    if shown.explain {
        session.stdout_for_people(&text)?;
    } else {
        session.stdout(&text)?;
    }
    Ok(SUCCESS)
}

pub(super) fn find_segment<'a>(
    compiled: &'a CompiledFile,
    name: &str,
    file: &str,
) -> Result<&'a segment::CompiledSegment, Failure> {
    compiled.get(name).ok_or_else(|| {
        let hint = compiled
            .suggest(name)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        Failure::usage(format!(
            "--segment {name}: {file} has no such segment{hint}"
        ))
    })
}

/// The checked query and plan of what the command line names: the
/// expression, or with `--segment NAME` that segment of a segment file.
/// `Ok(None)` when the input has errors (they are reported); a usage
/// failure when `--segment` is missing for a segment file, or given for
/// one expression. `verb` says what the command does (`run`), for the
/// message.
pub(super) fn compile_chosen(
    session: &mut Session<'_, '_>,
    input: &Input,
    options: &Options,
    segment: Option<&str>,
    verb: &str,
) -> Result<Option<(hcq::typed::Query, hcq::Plan)>, Failure> {
    if input.is_segment_file() {
        let Some(name) = segment else {
            return Err(Failure::usage(format!(
                "{} holds segments: say which to {verb} with --segment NAME",
                input.name
            )));
        };
        let Some(compiled) = compile_file(session, input, options) else {
            return Ok(None);
        };
        let segment = find_segment(&compiled, name, &input.name)?;
        Ok(Some((segment.query().clone(), segment.plan().clone())))
    } else {
        if let Some(name) = segment {
            return Err(Failure::usage(format!(
                "--segment {name}: {} holds one expression, not segments",
                input.name
            )));
        }
        Ok(compile(session, input, options).map(|compiled| (compiled.query, compiled.plan)))
    }
}

pub(super) fn plan_options(args: &PageArgs) -> Result<PlanOptions, Failure> {
    Ok(PlanOptions {
        sort: args.sort.as_deref().map(sort_field).transpose()?,
        order: args.order.map(|o| match o {
            OrderArg::Asc => Order::Asc,
            OrderArg::Desc => Order::Desc,
        }),
        offset: args.offset,
        limit: if args.all {
            Some(Limit::All)
        } else {
            args.limit.map(Limit::Rows)
        },
    })
}

fn sort_field(name: &str) -> Result<&'static hcq::schema::Field, Failure> {
    let schema = hcq::Schema::default();
    match schema.field(name) {
        Some(field) if field.usage.sort => Ok(field),
        _ => {
            let sortable: Vec<_> = schema.sortable().map(|f| f.short_name()).collect();
            Err(Failure::usage(format!(
                "--sort {name}: the API sorts only by {}",
                sortable.join(" or ")
            )))
        }
    }
}
