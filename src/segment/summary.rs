//! What `hcq check` and `hcq list` need of a file: each segment's cost,
//! not its plan, so that a large file is checked in memory bounded by a
//! few times its size ([`super::summarize_file`]).

use super::budget::{Budget, Costed, budget_of, check_budget_of};
use super::compiled::{CompiledFile, CompiledSegment};
use super::output::summary_of;
use crate::ast::Span;
use crate::{Error, Problem};
use std::sync::Arc;

/// A segment file checked and lowered, keeping what each segment costs
/// but not its plan. It prints like [`CompiledFile`]: the same
/// [`FileSummary::summary`], [`FileSummary::budget`] and
/// [`FileSummary::check_budget`].
#[derive(Debug, Clone)]
pub struct FileSummary {
    pub(super) name: String,
    pub(super) text: Arc<str>,
    pub(super) segments: Vec<SegmentCost>,
    pub(super) warnings: Vec<Problem>,
}

/// What one segment's plan costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentCost {
    name: Box<str>,
    name_span: Span,
    requests: usize,
    api_calls: u64,
}

impl SegmentCost {
    pub(super) fn of(segment: &CompiledSegment) -> SegmentCost {
        SegmentCost {
            name: segment.name().into(),
            name_span: segment.name_span(),
            requests: segment.requests(),
            api_calls: segment.api_calls(),
        }
    }

    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its name is written.
    pub fn name_span(&self) -> Span {
        self.name_span
    }

    /// The request bodies in its plan.
    pub fn requests(&self) -> usize {
        self.requests
    }

    /// The most API calls running its plan once takes
    /// ([`CompiledSegment::api_calls`]).
    pub fn api_calls(&self) -> u64 {
        self.api_calls
    }
}

impl Costed for SegmentCost {
    fn name(&self) -> &str {
        &self.name
    }
    fn name_span(&self) -> Span {
        self.name_span
    }
    fn requests(&self) -> usize {
        self.requests
    }
    fn api_calls(&self) -> u64 {
        self.api_calls
    }
}

impl FileSummary {
    pub(super) fn of(compiled: &CompiledFile) -> FileSummary {
        FileSummary {
            name: compiled.name.clone(),
            text: compiled.text.clone(),
            segments: compiled.segments.iter().map(SegmentCost::of).collect(),
            warnings: compiled.warnings.clone(),
        }
    }

    /// Each segment's cost, in file order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &SegmentCost> + '_ {
        self.segments.iter()
    }

    /// The table [`CompiledFile::summary`] prints.
    pub fn summary(&self) -> String {
        summary_of(&self.name, &self.segments)
    }

    /// What running every segment once costs.
    pub fn budget(&self) -> Budget {
        budget_of(&self.segments)
    }

    /// As [`CompiledFile::check_budget`].
    ///
    /// # Errors
    ///
    /// An `hcq::segment::over_budget` error labelling the costliest
    /// segments when the cost is over `max_requests` API calls.
    pub fn check_budget(&self, max_requests: u64) -> Result<Budget, Error> {
        check_budget_of(&self.name, &self.text, &self.segments, max_requests)
    }

    /// The warnings of the file and of lowering, rendered against the
    /// file, or `None` when there are none.
    pub fn warnings(&self) -> Option<Error> {
        (!self.warnings.is_empty())
            .then(|| Error::new(self.name.clone(), self.text.clone(), self.warnings.clone()))
    }
}
