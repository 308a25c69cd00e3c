//! Lowering the checked segments of a file to their plans: one after the
//! other for a small file, in one chunk per core for a large one, with the
//! results always in file order.

use super::compiled::{CompiledSegment, Info};
use super::error::Problems;
use crate::limits::Limits;
use crate::lower::{self, PlanOptions};
use crate::{Problem, typed};
use std::sync::{Mutex, PoisonError};

/// Files with at least this many segments are lowered on every core;
/// below it, starting threads would cost more than they save (lowering a
/// segment takes some microseconds).
const PARALLEL_SEGMENTS: usize = 256;

/// A checked segment, ready to lower.
type Checked = (Info, typed::Query);

/// Lowers checked segments, in file order, collecting their errors and
/// warnings; each compiled segment keeps its query. Segments are
/// independent once checked, so a large file is lowered in one chunk per
/// core; the results are put back in file order, so the output does not
/// depend on the number of cores.
pub(super) fn lower_all(
    segments: Vec<Checked>,
    options: &PlanOptions,
    limits: &Limits,
    problems: &mut Problems,
) -> Vec<CompiledSegment> {
    let lower_one = |(info, query): Checked| {
        lower::lower(&query, options, limits).map(|lowered| CompiledSegment {
            info,
            query,
            lowered,
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let results = if threads == 1 || segments.len() < PARALLEL_SEGMENTS {
        segments.into_iter().map(lower_one).collect()
    } else {
        lower_in_chunks(segments, threads, &lower_one)
    };
    let mut compiled = Vec::with_capacity(results.len());
    for result in results {
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
    compiled
}

/// `segments` lowered by `lower_one` in one chunk per thread, the results
/// in the order of `segments`.
///
/// Each chunk sits in a slot its worker empties; this thread lowers the
/// first chunk, and any chunk whose thread could not be started (a
/// platform without threads, a process at its limit), so that the work
/// never depends on one.
fn lower_in_chunks<R: Send>(
    segments: Vec<Checked>,
    threads: usize,
    lower_one: &(dyn Fn(Checked) -> R + Sync),
) -> Vec<R> {
    let chunk_len = segments.len().div_ceil(threads);
    let mut slots = Vec::with_capacity(threads);
    let mut rest = segments;
    while rest.len() > chunk_len {
        let tail = rest.split_off(chunk_len);
        slots.push(Mutex::new(Some(rest)));
        rest = tail;
    }
    slots.push(Mutex::new(Some(rest)));
    let lower_slot = |slot: &Mutex<Option<Vec<Checked>>>| {
        let chunk = slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        chunk.into_iter().map(lower_one).collect::<Vec<_>>()
    };
    let lower_slot = &lower_slot;
    std::thread::scope(|scope| {
        let workers: Vec<_> = slots[1..]
            .iter()
            .map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || lower_slot(slot))
                    .ok()
            })
            .collect();
        let mut results = lower_slot(&slots[0]);
        for (slot, worker) in slots[1..].iter().zip(workers) {
            match worker {
                Some(worker) => results.extend(
                    worker
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                ),
                None => results.extend(lower_slot(slot)),
            }
        }
        results
    })
}
