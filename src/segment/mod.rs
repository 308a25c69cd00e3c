//! Segment files (`*.hcq`): saved, named segments, one file checked as a
//! whole.
//!
//! ```text
//! # Leads who write from Gmail
//! segment gmail_leads
//!   email ~ "gmail" and tag = Lead
//!   sort by lastSeen desc
//!   limit 50
//!
//! segment fresh_gmail_leads
//!   @gmail_leads and lastSeen >= now - 30d
//! ```
//!
//! `@name` uses another segment of the same file as if its expression were
//! written there in parentheses. The file is checked in one pass that
//! reports every problem it can find:
//!
//! 1. parse (`parse.rs`, with `syntax::lexical` to find the `segment` lines):
//!    the whole text at once, and when that fails, each chunk that
//!    starts at a line beginning with `segment` on its own, so that one
//!    broken segment does not hide the errors of the others;
//! 2. resolve (`resolve.rs`, then `splice.rs`): duplicate names, unknown
//!    `@name`s (with "did you mean"), cycles (found with an iterative
//!    Tarjan, so a chain of 10,000 segments does not overflow the stack),
//!    and a bound on how large and how deep a segment becomes once its
//!    references are spliced in;
//! 3. check (`analyse.rs`): each segment with its references spliced in,
//!    through [`crate::check`](mod@crate::check); an error inside `a` is
//!    reported once, not again for every segment that uses `a`;
//! 4. lower (`lower.rs`, in [`check_file`] and the `compile_*` methods):
//!    each segment to its plan, giving a [`CompiledFile`], which prints
//!    as a table or as JSON (`output.rs`) and knows its [`Budget`];
//!    [`check_file_cached`] lowers again only the segments an edit changed.
//!
//! Clauses (`sort by`, `limit`, `offset`) belong to the segment that is run:
//! those of a segment used through `@` do not apply to the user, and a
//! warning says so.

mod analyse;
mod budget;
mod compiled;
mod error;
mod lower;
mod outline;
mod output;
mod parallel;
mod parse;
mod resolve;
mod splice;
mod stream;
mod summary;
#[cfg(test)]
mod testing;

pub use crate::syntax::lexical::{is_blank, is_segment_file};
#[cfg(feature = "cli")]
pub(crate) use budget::calls_text;
pub use budget::{Budget, REQUESTS_PER_MINUTE};
pub use compiled::{CompiledFile, CompiledSegment};
pub use error::{SegmentError, ShiftedParseError};
pub(crate) use parse::parse_recovering;
pub use summary::{FileSummary, SegmentCost};

use analyse::{Analysis, analyse};
use compiled::Info;
use error::Problems;
pub use lower::LowerCache;
use lower::lower_all;
use resolve::suggest;

use crate::ast::{self, Span};
use crate::check;
use crate::limits::Limits;
use crate::lower::{Lowered, PlanOptions};
use crate::{Error, Options, Problem, typed};
use std::collections::HashMap;
use std::sync::Arc;

/// The checker's context for `options`: the clock read once when it is
/// not fixed.
fn check_context(options: &Options) -> check::Context {
    check::Context {
        schema: options.schema,
        now: options.now.unwrap_or_else(jiff::Timestamp::now),
        limits: options.limits,
    }
}

/// Parses, checks and lowers every segment of a file: everything `hcq
/// check FILE` reports, in one run. `options.page` applies over every
/// segment's clauses; `options.source_name` is not used (`name` is). On
/// success the result holds each segment's plan and the file's warnings.
///
/// # Errors
///
/// An [`Error`] holding every problem of every stage and every segment (a
/// segment that fails to check is not lowered, the others are), and the
/// file's warnings.
///
/// ```
/// # use hcq::segment::check_file;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let text = "segment leads\n  tag = Lead or tag = Trial\n\nsegment kyiv\n  @leads and city = Kyiv\n";
/// let compiled = check_file("segments.hcq", text, &options).unwrap();
/// let counts: Vec<(&str, usize)> = compiled.segments().map(|s| (s.name(), s.requests())).collect();
/// assert_eq!(counts, [("leads", 1), ("kyiv", 2)]);
/// assert_eq!(compiled.budget().total_requests, 3);
/// ```
pub fn check_file(name: &str, text: &str, options: &Options) -> Result<CompiledFile, Error> {
    check_file_with(name, text, options, None)
}

/// [`check_file`] for a file checked again and again as it is edited (an
/// editor's language server): segments whose checked query has not changed
/// since the last check with this `cache` keep their plans instead of being
/// lowered again. The result is the same as [`check_file`]'s.
///
/// # Errors
///
/// As [`check_file`].
///
/// ```
/// # use hcq::segment::{LowerCache, check_file_cached};
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let mut cache = LowerCache::default();
/// let before = "segment leads\n  tag = Lead or tag = Trial\n";
/// check_file_cached("segments.hcq", before, &options, &mut cache).unwrap();
/// let after = "# moved\nsegment leads\n  tag = Lead or tag = Trial\n\nsegment kyiv\n  @leads and city = Kyiv\n";
/// let compiled = check_file_cached("segments.hcq", after, &options, &mut cache).unwrap();
/// let counts: Vec<(&str, usize)> = compiled.segments().map(|s| (s.name(), s.requests())).collect();
/// assert_eq!(counts, [("leads", 1), ("kyiv", 2)]);
/// ```
pub fn check_file_cached(
    name: &str,
    text: &str,
    options: &Options,
    cache: &mut LowerCache,
) -> Result<CompiledFile, Error> {
    check_file_with(name, text, options, Some(cache))
}

fn check_file_with(
    name: &str,
    text: &str,
    options: &Options,
    cache: Option<&mut LowerCache>,
) -> Result<CompiledFile, Error> {
    let cx = check_context(options);
    let Analysis {
        segments,
        mut problems,
    } = analyse(text, &cx);
    let checked = segments
        .into_iter()
        .filter_map(|segment| {
            let info = Info {
                name: segment.name,
                span: segment.span,
                uses: segment.uses,
            };
            Some((info, segment.query?))
        })
        .collect();
    let compiled = lower_all(checked, &options.page, &cx.limits, &mut problems, cache);
    if problems.has_errors() {
        return Err(Error::new(name, text, problems.list));
    }
    Ok(CompiledFile {
        name: name.to_owned(),
        text: text.into(),
        segments: compiled,
        warnings: problems.list,
        page: options.page,
        limits: cx.limits,
    })
}

/// [`check_file`] keeping each segment's cost instead of its plan: what
/// `hcq check FILE` and `hcq list FILE` print, and the same errors and
/// warnings, in memory bounded by a few times the file's size
/// ([`compile_each`]). The text is kept for reports; pass an `Arc<str>`
/// to share it rather than copy it.
///
/// # Errors
///
/// As [`check_file`].
///
/// ```
/// # use hcq::segment::summarize_file;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let text = "segment leads\n  tag = Lead or tag = Trial\n\nsegment kyiv\n  @leads and city = Kyiv\n";
/// let summary = summarize_file("segments.hcq", text, &options).unwrap();
/// let counts: Vec<(&str, usize)> = summary.segments().map(|s| (s.name(), s.requests())).collect();
/// assert_eq!(counts, [("leads", 1), ("kyiv", 2)]);
/// assert_eq!(summary.budget().total_requests, 3);
/// ```
pub fn summarize_file(
    name: &str,
    text: impl Into<Arc<str>>,
    options: &Options,
) -> Result<FileSummary, Error> {
    compile_each(name, text, options, &|_| (), &mut |()| {})
}

/// [`check_file`] for a file of any size: each segment, checked and
/// lowered, is handed to `make` on the thread that lowered it, and what
/// `make` makes to `sink` on this one, in file order, as soon as the
/// segments before it are done; nothing else of it is kept but its cost.
/// `hcq emit FILE` writes each plan as it comes this way, and a 16 MiB
/// file is checked in about four times its size (BENCHMARKS.md), where
/// [`check_file`] holds thirty.
///
/// A file whose every segment parses is worked on a segment at a time, on
/// every core; any other is checked as [`check_file`] checks it, then its
/// segments handed on. The errors and warnings are [`check_file`]'s.
/// `sink` may have had segments before an error is found in a later one:
/// a caller that must not act on a file with errors holds what it is
/// given until this returns.
/// The text is kept for reports; pass an `Arc<str>` to share it rather
/// than copy it.
///
/// # Errors
///
/// As [`check_file`].
///
/// ```
/// # use hcq::segment::compile_each;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let text = "segment leads\n  tag = Lead or tag = Trial\n\nsegment kyiv\n  @leads and city = Kyiv\n";
/// let mut plans = Vec::new();
/// let summary = compile_each(
///     "segments.hcq",
///     text,
///     &options,
///     &|segment| (segment.name().to_owned(), segment.plan().to_json()),
///     &mut |named| plans.push(named),
/// )
/// .unwrap();
/// assert_eq!(plans.len(), 2);
/// assert_eq!(plans[1].0, "kyiv");
/// assert_eq!(summary.budget().total_requests, 3);
/// ```
pub fn compile_each<R: Send>(
    name: &str,
    text: impl Into<Arc<str>>,
    options: &Options,
    make: &(dyn Fn(CompiledSegment) -> R + Sync),
    sink: &mut dyn FnMut(R),
) -> Result<FileSummary, Error> {
    let text: Arc<str> = text.into();
    let cx = check_context(options);
    let Some(streamed) = stream::compile_streaming(&text, &cx, &options.page, make, sink) else {
        return compile_whole(name, &text, options, make, sink);
    };
    if streamed.problems.has_errors() {
        return Err(Error::new(name, text, streamed.problems.list));
    }
    Ok(FileSummary {
        name: name.to_owned(),
        text,
        segments: streamed.costs,
        warnings: streamed.problems.list,
    })
}

/// [`compile_each`] of a file that does not parse segment by segment.
fn compile_whole<R>(
    name: &str,
    text: &Arc<str>,
    options: &Options,
    make: &(dyn Fn(CompiledSegment) -> R + Sync),
    sink: &mut dyn FnMut(R),
) -> Result<FileSummary, Error> {
    let compiled = check_file_with(name, text, options, None)?;
    let summary = FileSummary::of(&compiled);
    for segment in compiled.segments {
        sink(make(segment));
    }
    Ok(summary)
}

/// A checked segment file: every segment parsed, its references resolved
/// and spliced in, and checked against the schema.
///
/// ```
/// # use hcq::segment::SegmentFile;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let text = "segment leads\n  tag = Lead\n\nsegment kyiv_leads\n  @leads and city = Kyiv\n";
/// let file = SegmentFile::parse("segments.hcq", text, &options)?;
/// let names: Vec<&str> = file.segments().map(|s| s.name()).collect();
/// assert_eq!(names, ["leads", "kyiv_leads"]);
/// let lowered = file.compile_segment("kyiv_leads", &options.page).expect("defined")?;
/// assert_eq!(lowered.plan.requests.len(), 1);
/// # Ok::<(), hcq::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SegmentFile {
    name: String,
    text: Arc<str>,
    segments: Vec<Segment>,
    by_name: HashMap<String, usize>,
    warnings: Vec<Problem>,
    limits: Limits,
}

/// One segment of a checked file.
#[derive(Debug, Clone)]
pub struct Segment {
    name: ast::Ident,
    span: Span,
    uses: Vec<String>,
    query: typed::Query,
}

impl Segment {
    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name.name
    }

    /// Where its name is written.
    pub fn name_span(&self) -> Span {
        self.name.span
    }

    /// The whole definition, from `segment` to its last clause.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The segments it uses directly through `@`, each once, in the order
    /// first written.
    pub fn uses(&self) -> &[String] {
        &self.uses
    }

    /// Its checked query, with every reference spliced in: what is
    /// lowered to its plan.
    pub fn query(&self) -> &typed::Query {
        &self.query
    }
}

impl SegmentFile {
    /// Parses and checks the segment file `text`, named `name` in
    /// diagnostics; [`SegmentFile::warnings`] has the warnings.
    ///
    /// # Errors
    ///
    /// An [`Error`] holding every problem of the file, and its warnings.
    pub fn parse(name: &str, text: &str, options: &Options) -> Result<SegmentFile, Error> {
        let cx = check_context(options);
        let analysis = analyse(text, &cx);
        if analysis.problems.has_errors() {
            return Err(Error::new(name, text, analysis.problems.list));
        }
        let segments: Vec<Segment> = analysis
            .segments
            .into_iter()
            .map(|a| Segment {
                query: a.query.expect("a file without errors checks every segment"),
                name: a.name,
                span: a.span,
                uses: a.uses,
            })
            .collect();
        let by_name = segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.name.clone(), i))
            .collect();
        Ok(SegmentFile {
            name: name.to_owned(),
            text: text.into(),
            segments,
            by_name,
            warnings: analysis.problems.list,
            limits: cx.limits,
        })
    }

    /// The file's name, as given to [`SegmentFile::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's text.
    pub fn source_text(&self) -> &str {
        &self.text
    }

    /// The segments, in file order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &Segment> + '_ {
        self.segments.iter()
    }

    /// The segment named `name`.
    pub fn get(&self, name: &str) -> Option<&Segment> {
        self.by_name.get(name).map(|&i| &self.segments[i])
    }

    /// The segment name closest to `name`, for "did you mean" when a
    /// caller asks for a segment that is not there.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        suggest(name, self.segments.iter().map(|s| s.name()))
    }

    /// The warnings found while checking, rendered against the file, or
    /// `None` when there are none.
    pub fn warnings(&self) -> Option<Error> {
        (!self.warnings.is_empty()).then(|| self.report(self.warnings.clone()))
    }

    /// `problems` (say, the warnings of a [`Lowered`]) as a report against
    /// this file.
    pub fn report<P: Into<Problem>>(&self, problems: impl IntoIterator<Item = P>) -> Error {
        let problems = problems.into_iter().map(Into::into).collect();
        Error::new(self.name.clone(), self.text.clone(), problems)
    }

    /// Lowers the segment named `name` to its plan, with `options` over
    /// its clauses; `None` when the file has no such segment (see
    /// [`SegmentFile::suggest`]).
    pub fn compile_segment(
        &self,
        name: &str,
        options: &PlanOptions,
    ) -> Option<Result<Lowered, Error>> {
        let segment = self.get(name)?;
        Some(
            crate::lower::lower(&segment.query, options, &self.limits)
                .map_err(|error| self.report([Problem::Lower(error)])),
        )
    }

    /// Lowers every segment, in file order, with `options` over each one's
    /// clauses.
    ///
    /// # Errors
    ///
    /// An [`Error`] holding every segment's lowering errors.
    pub fn compile_all(&self, options: &PlanOptions) -> Result<CompiledFile, Error> {
        let mut problems = Problems::default();
        let checked = self
            .segments
            .iter()
            .map(|segment| {
                let info = Info {
                    name: segment.name.clone(),
                    span: segment.span,
                    uses: segment.uses.clone(),
                };
                (info, segment.query.clone())
            })
            .collect();
        let compiled = lower_all(checked, options, &self.limits, &mut problems, None);
        if problems.has_errors() {
            return Err(self.report(problems.list));
        }
        Ok(CompiledFile {
            name: self.name.clone(),
            text: self.text.clone(),
            segments: compiled,
            warnings: problems.list,
            page: *options,
            limits: self.limits,
        })
    }
}
