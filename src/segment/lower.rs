//! Lowering the checked segments of a file to their plans, on every core
//! for a large one (`parallel.rs`), with the results always in file
//! order; with a [`LowerCache`], only the segments that changed since the
//! last time.

use super::compiled::{CompiledSegment, Info};
use super::error::Problems;
use crate::limits::Limits;
use crate::lower::{self, PlanOptions};
use crate::plan::Plan;
use crate::{Problem, typed};
use std::collections::HashMap;

/// A checked segment, ready to lower.
type Checked = (Info, typed::Query);

/// The plans of a file's segments from one check to the next, for
/// checking a file again after an edit ([`super::check_file_cached`]), as
/// an editor does on every keystroke: lowering is most of a large file's
/// check, and an edit changes few segments.
///
/// A segment keeps its plan when its checked query equals the one it was
/// lowered from (spans aside: a segment that only moved is the same) under
/// the same options and limits, and that lowering gave neither an error
/// nor a warning, whose spans would point where the segment used to be.
/// What the check reports is the same as without the cache. A query
/// written with `now` is checked against the clock each time, so it is
/// lowered again each time, as it would be.
#[derive(Debug, Default)]
pub struct LowerCache {
    settings: Option<(PlanOptions, Limits)>,
    plans: HashMap<String, (typed::Query, Plan)>,
}

/// Lowers checked segments, in file order, collecting their errors and
/// warnings; each compiled segment keeps its query. Segments are
/// independent once checked, so a large file is lowered in one chunk per
/// core; the results are put back in file order, so the output does not
/// depend on the number of cores. With a cache, a segment that has not
/// changed keeps its plan, and the cache is left holding this file's.
pub(super) fn lower_all(
    segments: Vec<Checked>,
    options: &PlanOptions,
    limits: &Limits,
    problems: &mut Problems,
    cache: Option<&mut LowerCache>,
) -> Vec<CompiledSegment> {
    let Some(cache) = cache else {
        return lower_each(segments, options, limits, problems);
    };
    if cache.settings != Some((*options, *limits)) {
        *cache = LowerCache {
            settings: Some((*options, *limits)),
            plans: HashMap::new(),
        };
    }
    let mut old = std::mem::take(&mut cache.plans);
    // Each segment in file order: its plan kept, or `None` to lower it.
    let mut kept: Vec<Option<CompiledSegment>> = Vec::with_capacity(segments.len());
    let mut changed: Vec<Checked> = Vec::new();
    for (info, query) in segments {
        let hit = old
            .remove_entry(&info.name.name)
            .filter(|(_, (cached, _))| *cached == query);
        match hit {
            Some((name, (cached, plan))) => {
                let lowered = lower::Lowered {
                    plan: plan.clone(),
                    warnings: Vec::new(),
                };
                kept.push(Some(CompiledSegment {
                    info,
                    query,
                    lowered,
                }));
                cache.plans.insert(name, (cached, plan));
            }
            None => {
                kept.push(None);
                changed.push((info, query));
            }
        }
    }
    let mut lowered = lower_results(changed, options, limits).into_iter();
    let mut compiled = Vec::with_capacity(kept.len());
    for slot in kept {
        let result = match slot {
            Some(segment) => Ok(segment),
            None => {
                let result = lowered.next().expect("one result for each segment lowered");
                if let Ok(segment) = &result {
                    if segment.lowered.warnings.is_empty() {
                        let entry = (segment.query.clone(), segment.lowered.plan.clone());
                        cache.plans.insert(segment.info.name.name.clone(), entry);
                    }
                }
                result
            }
        };
        collect(result, &mut compiled, problems);
    }
    compiled
}

/// Lowers every segment of `segments` (see [`lower_all`]).
fn lower_each(
    segments: Vec<Checked>,
    options: &PlanOptions,
    limits: &Limits,
    problems: &mut Problems,
) -> Vec<CompiledSegment> {
    let results = lower_results(segments, options, limits);
    let mut compiled = Vec::with_capacity(results.len());
    for result in results {
        collect(result, &mut compiled, problems);
    }
    compiled
}

/// A segment lowered, kept with its warnings; or its error.
fn collect(
    result: Result<CompiledSegment, lower::LowerError>,
    compiled: &mut Vec<CompiledSegment>,
    problems: &mut Problems,
) {
    match result {
        Ok(segment) => {
            for warning in &segment.lowered.warnings {
                problems.push(warning.clone());
            }
            compiled.push(segment);
        }
        Err(error) => problems.push(Problem::Lower(error)),
    }
}

/// Each segment's plan or error, in the order of `segments`.
fn lower_results(
    segments: Vec<Checked>,
    options: &PlanOptions,
    limits: &Limits,
) -> Vec<Result<CompiledSegment, lower::LowerError>> {
    let chunks = super::parallel::in_chunks(segments, &|chunk: Vec<Checked>| {
        (chunk.into_iter())
            .map(|(info, query)| lower_one(info, query, options, limits))
            .collect::<Vec<_>>()
    });
    chunks.into_iter().flatten().collect()
}

/// One checked segment lowered to its plan, or lowering's error: for the
/// whole file's check and for the one a segment at a time
/// (`stream.rs`).
pub(super) fn lower_one(
    info: Info,
    query: typed::Query,
    options: &PlanOptions,
    limits: &Limits,
) -> Result<CompiledSegment, lower::LowerError> {
    lower::lower(&query, options, limits).map(|lowered| CompiledSegment {
        info,
        query,
        lowered,
    })
}
