//! Work over a file's segments on every core: the segments cut into one
//! chunk per core, each chunk's results in the order of its items, and the
//! chunks' results put back in file order, so that what comes out does
//! not depend on the number of cores.

use std::sync::{Mutex, PoisonError};

/// Files with at least this many segments are worked on on every core;
/// below it, starting threads would cost more than they save (checking and
/// lowering a segment take some microseconds).
pub(super) const PARALLEL_SEGMENTS: usize = 256;

/// `work` over `items` cut into one chunk per core (one chunk when there
/// are fewer than [`PARALLEL_SEGMENTS`]): what it makes of each chunk, in
/// the order of `items`. `work` gets a whole chunk, so that it can keep
/// what its items share (a cache) for the chunk.
///
/// Each chunk sits in a slot its worker empties; this thread works on the
/// first chunk, and on any chunk whose thread could not be started (a
/// platform without threads, a process at its limit), so that the work
/// never depends on one.
pub(super) fn in_chunks<T: Send, C: Send>(
    items: Vec<T>,
    work: &(dyn Fn(Vec<T>) -> C + Sync),
) -> Vec<C> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads == 1 || items.len() < PARALLEL_SEGMENTS {
        return vec![work(items)];
    }
    let chunk_len = items.len().div_ceil(threads);
    let mut slots = Vec::with_capacity(threads);
    let mut rest = items;
    while rest.len() > chunk_len {
        let tail = rest.split_off(chunk_len);
        slots.push(Mutex::new(Some(rest)));
        rest = tail;
    }
    slots.push(Mutex::new(Some(rest)));
    let work_on = |slot: &Mutex<Option<Vec<T>>>| {
        let chunk = slot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default();
        work(chunk)
    };
    let work_on = &work_on;
    std::thread::scope(|scope| {
        let workers: Vec<_> = slots[1..]
            .iter()
            .map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || work_on(slot))
                    .ok()
            })
            .collect();
        let mut results = Vec::with_capacity(slots.len());
        results.push(work_on(&slots[0]));
        for (slot, worker) in slots[1..].iter().zip(workers) {
            results.push(match worker {
                Some(worker) => worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => work_on(slot),
            });
        }
        results
    })
}
