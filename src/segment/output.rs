//! How a compiled file prints: a table for people (`hcq check`, `hcq
//! list`) and every plan as one JSON object for programs (`hcq emit`).

use super::budget::budget_of;
use super::compiled::{CompiledFile, CompiledSegment};
use super::summary::SegmentCost;
use serde::{Serialize, Serializer};
use std::fmt::Write as _;

/// Every plan keyed by its segment's name, in file order: a map whose keys
/// are only known at run time, so `Serialize` is written out rather than
/// derived.
struct Plans<'a>(&'a [CompiledSegment]);

impl Serialize for Plans<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|segment| (segment.name(), segment.plan())),
        )
    }
}

/// The table [`CompiledFile::summary`] describes, of any segments' costs.
pub(super) fn summary_of<'a>(
    name: &str,
    segments: impl ExactSizeIterator<Item = SegmentCost<'a>> + Clone,
) -> String {
    let count = segments.len();
    let plural = if count == 1 { "" } else { "s" };
    let mut out = format!(
        "{name}: {count} segment{plural}, {}\n",
        budget_of(segments.clone())
    );
    // Align the counts, but not to one very long name.
    let width = segments
        .clone()
        .map(|s| s.name().chars().count())
        .max()
        .unwrap_or(0)
        .min(32);
    for segment in segments {
        let requests = segment.requests();
        let plural = if requests == 1 { "" } else { "s" };
        let _ = write!(
            out,
            "  {:width$}  {requests} request{plural}",
            segment.name()
        );
        let calls = segment.api_calls();
        if calls == crate::plan::UNBOUNDED_CALLS {
            out.push_str(" (every page: `limit all`)");
        } else if calls != requests as u64 {
            let _ = write!(out, " ({calls} API calls)");
        }
        out.push('\n');
    }
    out
}

impl CompiledFile {
    /// A table for people (`hcq check FILE`, `hcq list FILE`): a headline
    /// with the file's name, its segment count and [`Budget`](super::Budget), then one line
    /// per segment with its request count (and its API calls when paging
    /// needs more).
    ///
    /// ```text
    /// segments.hcq: 2 segments, 3 API calls, at least 1.5 s at 120 requests a minute
    ///   leads  1 request
    ///   kyiv   2 requests
    /// ```
    pub fn summary(&self) -> String {
        summary_of(&self.name, self.costs())
    }

    /// Every plan as one JSON object keyed by segment name, in file order,
    /// pretty-printed like [`Plan::to_json`](crate::plan::Plan::to_json)
    /// (what `hcq emit FILE` prints).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.plans()).expect("a plan holds only strings and numbers")
    }

    /// Every plan keyed by segment name, in file order, to serialise in
    /// any form: [`CompiledFile::to_json`] prints it pretty, and
    /// `serde_json::to_string(&compiled.plans())` gives the compact form
    /// (`hcq emit --compact FILE`). A `serde_json::Map` would sort the
    /// names instead.
    pub fn plans(&self) -> impl Serialize + '_ {
        Plans(&self.segments)
    }
}
