//! What compiling a file gives: every segment with its checked query and
//! its plan, in file order, and the file's warnings.

use super::resolve::suggest;
use super::summary::SegmentCost;
use crate::ast::{self, Span};
use crate::limits::Limits;
use crate::lower::{self, Lowered, PlanOptions, Trace};
use crate::plan::Plan;
use crate::{Error, Problem, typed};
use std::sync::Arc;

/// What a caller may want to know of a segment besides its plan.
#[derive(Debug, Clone)]
pub(super) struct Info {
    pub(super) name: ast::Ident,
    pub(super) span: Span,
    pub(super) uses: Vec<String>,
}

/// Every segment of a file lowered to its plan, in file order.
#[derive(Debug, Clone)]
pub struct CompiledFile {
    pub(super) name: String,
    pub(super) text: Arc<str>,
    pub(super) segments: Vec<CompiledSegment>,
    pub(super) warnings: Vec<Problem>,
    /// What every segment was lowered with, to lower one again with its
    /// trace ([`CompiledFile::trace`]).
    pub(super) page: PlanOptions,
    pub(super) limits: Limits,
}

/// One segment and its plan.
#[derive(Debug, Clone)]
pub struct CompiledSegment {
    pub(super) info: Info,
    pub(super) query: typed::Query,
    pub(super) lowered: Lowered,
}

impl CompiledSegment {
    /// The checked query, references spliced in (what `hcq eval` evaluates).
    pub fn query(&self) -> &typed::Query {
        &self.query
    }

    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.info.name.name
    }

    /// Where its name is written.
    pub fn name_span(&self) -> Span {
        self.info.name.span
    }

    /// The whole definition.
    pub fn span(&self) -> Span {
        self.info.span
    }

    /// The segments it uses directly through `@`, each once.
    pub fn uses(&self) -> &[String] {
        &self.info.uses
    }

    /// The lowering: plan and warnings ([`CompiledFile::trace`] says how it
    /// was reached).
    pub fn lowered(&self) -> &Lowered {
        &self.lowered
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.lowered.plan
    }

    /// The request bodies in the plan.
    pub fn requests(&self) -> usize {
        self.lowered.plan.requests.len()
    }

    /// What its plan costs, as [`FileSummary`](super::FileSummary) keeps it.
    pub fn cost(&self) -> SegmentCost<'_> {
        SegmentCost::of(self)
    }

    /// The most API calls running the plan once takes: one per request
    /// body, and with a `merge`, as many pages of each request as it takes
    /// to hold `merge.offset + merge.limit` rows (`plan.rs`, "The JSON
    /// format").
    pub fn api_calls(&self) -> u64 {
        self.lowered.plan.api_calls()
    }
}

impl CompiledFile {
    /// What each segment's plan costs, in file order.
    pub(super) fn costs(&self) -> impl ExactSizeIterator<Item = SegmentCost<'_>> + Clone + '_ {
        self.segments.iter().map(CompiledSegment::cost)
    }

    /// The segments and their plans, in file order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &CompiledSegment> + '_ {
        self.segments.iter()
    }

    /// The segment named `name`.
    pub fn get(&self, name: &str) -> Option<&CompiledSegment> {
        self.segments.iter().find(|s| s.name() == name)
    }

    /// How the segment named `name` was lowered, stage by stage (what `hcq
    /// explain` shows, with [`CompiledSegment::lowered`]); `None` when the
    /// file has no such segment. Segments are lowered without a trace,
    /// which only explaining needs, so this lowers the segment again.
    ///
    /// ```
    /// # use hcq::segment::check_file;
    /// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
    /// let text = "segment big_ids\n  id > 500 or id > 1000\n";
    /// let compiled = check_file("segments.hcq", text, &options).unwrap();
    /// let trace = compiled.trace("big_ids").unwrap();
    /// assert_eq!((trace.dnf_terms(), trace.simplified_terms()), (2, 1));
    /// ```
    pub fn trace(&self, name: &str) -> Option<Trace> {
        let segment = self.get(name)?;
        let (_, trace) = lower::lower_traced(&segment.query, &self.page, &self.limits)
            .expect("lowering is deterministic, and this segment lowered once already");
        Some(trace)
    }

    /// The segment name closest to `name`, for "did you mean".
    pub fn suggest(&self, name: &str) -> Option<&str> {
        suggest(name, self.segments.iter().map(|s| s.name()))
    }

    /// The warnings of the file and of lowering, rendered against the
    /// file, or `None` when there are none.
    pub fn warnings(&self) -> Option<Error> {
        super::summary::rendered_warnings(&self.name, &self.text, &self.warnings)
    }
}
