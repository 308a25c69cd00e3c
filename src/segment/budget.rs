//! What running a file's segments costs in API calls and time, and the
//! error when that is over the budget a caller set (`hcq check --budget N`).

use super::compiled::CompiledFile;
use super::error::SegmentError;
use super::summary::SegmentCost;
use crate::Error;
use crate::plan::UNBOUNDED_CALLS;
use miette::LabeledSpan;
use std::fmt;
use std::sync::Arc;

/// The API's rate limit for a whole account (docs/SEMANTICS.md, "Rate limit").
pub const REQUESTS_PER_MINUTE: u64 = 120;

/// What running every segment of a file costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// The most API calls running every segment once takes (see
    /// [`CompiledSegment::api_calls`](super::CompiledSegment::api_calls)).
    pub total_requests: u64,
    /// The least time those requests take at [`REQUESTS_PER_MINUTE`],
    /// spread evenly: half a second per request.
    pub minimum_seconds: f64,
}

/// `n` API calls in words: `1 API call`, `7 API calls`, or, for
/// [`UNBOUNDED_CALLS`] (a plan that reads every matching row), that they
/// have no bound.
pub(crate) fn calls_text(n: u64) -> String {
    match n {
        1 => "1 API call".to_owned(),
        UNBOUNDED_CALLS => "an unbounded number of API calls (every page: `limit all`)".to_owned(),
        n => format!("{n} API calls"),
    }
}

impl Budget {
    /// The cost of `total_requests` API calls.
    pub fn of(total_requests: u64) -> Budget {
        Budget {
            total_requests,
            // Precision loss above 2^53 requests does not matter here.
            minimum_seconds: total_requests as f64 * 60.0 / REQUESTS_PER_MINUTE as f64,
        }
    }

    /// The minimum time as text: `6.5 s`, `2 min 30 s`.
    pub fn minimum_time(&self) -> String {
        if self.total_requests == UNBOUNDED_CALLS {
            return "as long as every page takes".to_owned();
        }
        let seconds = self.minimum_seconds;
        if seconds < 60.0 {
            format!("{seconds} s")
        } else {
            let minutes = (seconds / 60.0).floor();
            let rest = seconds - minutes * 60.0;
            if rest == 0.0 {
                format!("{minutes} min")
            } else {
                format!("{minutes} min {rest} s")
            }
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total_requests == UNBOUNDED_CALLS {
            return f.write_str(&calls_text(self.total_requests));
        }
        write!(
            f,
            "{}, at least {} at {REQUESTS_PER_MINUTE} requests a minute",
            calls_text(self.total_requests),
            self.minimum_time()
        )
    }
}

/// What running every segment once costs.
pub(super) fn budget_of<'a>(segments: impl Iterator<Item = SegmentCost<'a>>) -> Budget {
    Budget::of(segments.map(|s| s.api_calls()).fold(0, u64::saturating_add))
}

/// The cost of running every segment once, or an
/// `hcq::segment::over_budget` error labelling the costliest segments
/// when it is over `max_requests` API calls.
pub(super) fn check_budget_of<'a>(
    name: &str,
    text: &Arc<str>,
    segments: impl Iterator<Item = SegmentCost<'a>> + Clone,
    max_requests: u64,
) -> Result<Budget, Error> {
    let budget = budget_of(segments.clone());
    if budget.total_requests <= max_requests {
        return Ok(budget);
    }
    let mut costliest: Vec<SegmentCost<'_>> = segments.collect();
    costliest.sort_by_key(|s| std::cmp::Reverse(s.api_calls()));
    let largest = costliest
        .iter()
        .take(5)
        .map(|s| LabeledSpan::new_with_span(Some(calls_text(s.api_calls())), s.name_span()))
        .collect();
    let error = SegmentError::OverBudget {
        total: budget.total_requests,
        budget: max_requests,
        seconds: budget.minimum_time(),
        largest,
    };
    Err(Error::new(name, text.clone(), vec![error.into()]))
}

impl CompiledFile {
    /// What running every segment once costs.
    pub fn budget(&self) -> Budget {
        budget_of(self.costs())
    }

    /// The cost of running every segment once (`hcq check --budget N`, for
    /// CI).
    ///
    /// # Errors
    ///
    /// An `hcq::segment::over_budget` error labelling the costliest
    /// segments when the cost is over `max_requests` API calls.
    pub fn check_budget(&self, max_requests: u64) -> Result<Budget, Error> {
        check_budget_of(&self.name, &self.text, self.costs(), max_requests)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_count_half_a_second_a_request() {
        let budget = Budget::of(13);
        assert_eq!(budget.minimum_seconds, 6.5);
        assert_eq!(
            budget.to_string(),
            "13 API calls, at least 6.5 s at 120 requests a minute"
        );
        assert_eq!(Budget::of(300).minimum_time(), "2 min 30 s");
        assert_eq!(Budget::of(240).minimum_time(), "2 min");
        assert_eq!(
            Budget::of(1).to_string(),
            "1 API call, at least 0.5 s at 120 requests a minute"
        );
        assert_eq!(
            Budget::of(UNBOUNDED_CALLS).to_string(),
            "an unbounded number of API calls (every page: `limit all`)"
        );
    }
}
