//! What `hcq check` and `hcq list` need of a file: each segment's cost,
//! not its plan, so that a large file is checked in memory bounded by a
//! few times its size ([`super::summarize_file`]).

use super::budget::{Budget, budget_of, check_budget_of};
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
    pub(super) segments: Vec<Cost>,
    pub(super) warnings: Vec<Problem>,
}

/// What one segment's plan costs, as a [`FileSummary`] keeps it: its name
/// is its span into the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cost {
    name_span: Span,
    requests: usize,
    api_calls: u64,
}

impl Cost {
    pub(super) fn of(segment: &CompiledSegment) -> Cost {
        Cost {
            name_span: segment.name_span(),
            requests: segment.requests(),
            api_calls: segment.api_calls(),
        }
    }
}

/// What one segment's plan costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentCost<'a> {
    name: &'a str,
    cost: Cost,
}

impl<'a> SegmentCost<'a> {
    pub(super) fn of(segment: &'a CompiledSegment) -> SegmentCost<'a> {
        SegmentCost {
            name: segment.name(),
            cost: Cost::of(segment),
        }
    }

    /// The segment's name.
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// Where its name is written.
    pub fn name_span(&self) -> Span {
        self.cost.name_span
    }

    /// The request bodies in its plan.
    pub fn requests(&self) -> usize {
        self.cost.requests
    }

    /// The most API calls running its plan once takes
    /// ([`CompiledSegment::api_calls`]).
    pub fn api_calls(&self) -> u64 {
        self.cost.api_calls
    }
}

impl FileSummary {
    pub(super) fn of(compiled: &CompiledFile) -> FileSummary {
        FileSummary {
            name: compiled.name.clone(),
            text: compiled.text.clone(),
            segments: compiled.segments.iter().map(Cost::of).collect(),
            warnings: compiled.warnings.clone(),
        }
    }

    /// Each segment's cost, in file order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = SegmentCost<'_>> + Clone + '_ {
        self.segments.iter().map(|&cost| SegmentCost {
            name: cost.name_span.slice(&self.text),
            cost,
        })
    }

    /// The table [`CompiledFile::summary`] prints.
    pub fn summary(&self) -> String {
        summary_of(&self.name, self.segments())
    }

    /// What running every segment once costs.
    pub fn budget(&self) -> Budget {
        budget_of(self.segments())
    }

    /// As [`CompiledFile::check_budget`].
    ///
    /// # Errors
    ///
    /// An `hcq::segment::over_budget` error labelling the costliest
    /// segments when the cost is over `max_requests` API calls.
    pub fn check_budget(&self, max_requests: u64) -> Result<Budget, Error> {
        check_budget_of(&self.name, &self.text, self.segments(), max_requests)
    }

    /// The warnings of the file and of lowering, rendered against the
    /// file, or `None` when there are none.
    pub fn warnings(&self) -> Option<Error> {
        rendered_warnings(&self.name, &self.text, &self.warnings)
    }
}

/// `warnings` rendered against the file `name` holding `text`, or `None`
/// when there are none: [`FileSummary::warnings`] and
/// [`CompiledFile::warnings`].
pub(super) fn rendered_warnings(
    name: &str,
    text: &Arc<str>,
    warnings: &[Problem],
) -> Option<Error> {
    (!warnings.is_empty()).then(|| Error::new(name, text.clone(), warnings.to_vec()))
}
