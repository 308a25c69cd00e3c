//! Work over a file's segments on every core, the results always in file
//! order, so that what comes out does not depend on the number of cores:
//! one chunk per core, its results kept until all are done
//! ([`in_chunks`]), or batches handed back in order as soon as those
//! before them are done, so that only a few are held ([`in_order`]).

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, PoisonError, mpsc};

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
            .map(|slot| worker().spawn_scoped(scope, move || work_on(slot)).ok())
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

/// A worker thread with the stack the main thread has on Linux (8 MiB,
/// committed only as used), rather than a spawned thread's 2 MiB: parsing
/// and lowering recurse once per level of nesting, and a caller may raise
/// `Limits::max_depth` far past the default.
fn worker() -> std::thread::Builder {
    std::thread::Builder::new().stack_size(8 << 20)
}

/// Items in one batch of [`in_order`]: large enough that handing batches
/// out costs nothing next to working on them, small enough that the
/// results held back for order stay small.
const BATCH: usize = 256;

/// How many batches ahead of the last one handed to `sink` the workers
/// may be, per core: the most results held back at once.
const AHEAD_PER_CORE: usize = 4;

/// `work` over the items `0..count`, in batches on every core (one after
/// the other when there are fewer than [`PARALLEL_SEGMENTS`]), each
/// result handed to `sink` on this thread in the order of the items, as
/// soon as those before it are: memory holds a few batches of results,
/// not all of them. Each worker makes its `state` once (a cache its items
/// share).
pub(super) fn in_order<S, R: Send>(
    count: usize,
    state: &(dyn Fn() -> S + Sync),
    work: &(dyn Fn(&mut S, usize) -> R + Sync),
    sink: &mut dyn FnMut(R),
) {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads == 1 || count < PARALLEL_SEGMENTS {
        let mut state = state();
        (0..count).for_each(|i| sink(work(&mut state, i)));
        return;
    }
    let batches = count.div_ceil(BATCH);
    let ahead = AHEAD_PER_CORE * threads;
    let progress = Mutex::new(Progress::default());
    let turn = Condvar::new();
    let (results, received) = mpsc::channel::<(usize, Vec<R>)>();
    let started = std::thread::scope(|scope| {
        let mut started = 0;
        for _ in 0..threads {
            let results = results.clone();
            let (progress, turn) = (&progress, &turn);
            let worker = move || {
                // A worker that panics stops the others, which would
                // otherwise wait forever for its batch to be handed on.
                let _stop = StopOnUnwind { progress, turn };
                let mut state = state();
                while let Some(batch) = next_batch(progress, turn, batches, ahead) {
                    let items = batch * BATCH..count.min((batch + 1) * BATCH);
                    let done = items.map(|i| work(&mut state, i)).collect();
                    if results.send((batch, done)).is_err() {
                        break;
                    }
                }
            };
            if self::worker().spawn_scoped(scope, worker).is_ok() {
                started += 1;
            }
        }
        drop(results);
        if started == 0 {
            return 0;
        }
        let mut held: BTreeMap<usize, Vec<R>> = BTreeMap::new();
        let mut next = 0;
        for (batch, done) in received {
            held.insert(batch, done);
            while let Some(done) = held.remove(&next) {
                done.into_iter().for_each(&mut *sink);
                next += 1;
                lock(&progress).handed = next;
                turn.notify_all();
            }
        }
        started
    });
    // A platform without threads, or a process at its limit: the work
    // never depends on one.
    if started == 0 {
        let mut state = state();
        (0..count).for_each(|i| sink(work(&mut state, i)));
    }
}

/// How far the workers of [`in_order`] are.
#[derive(Default)]
struct Progress {
    /// The next batch to hand out.
    next: usize,
    /// How many batches have been handed to the sink.
    handed: usize,
    /// Set when a worker panics: the others stop.
    stopped: bool,
}

fn lock(progress: &Mutex<Progress>) -> std::sync::MutexGuard<'_, Progress> {
    progress.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The next batch for a worker, once it is at most `ahead` batches past
/// the last one handed on; `None` when there is none left.
fn next_batch(
    progress: &Mutex<Progress>,
    turn: &Condvar,
    batches: usize,
    ahead: usize,
) -> Option<usize> {
    let mut state = lock(progress);
    while !state.stopped && state.next < batches && state.next >= state.handed + ahead {
        state = turn.wait(state).unwrap_or_else(PoisonError::into_inner);
    }
    if state.stopped || state.next >= batches {
        return None;
    }
    state.next += 1;
    Some(state.next - 1)
}

struct StopOnUnwind<'a> {
    progress: &'a Mutex<Progress>,
    turn: &'a Condvar,
}

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(self.progress).stopped = true;
            self.turn.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_order_whatever_the_work_takes() {
        for count in [0, 1, 255, 256, 257, 5000] {
            let mut seen = Vec::new();
            in_order(
                count,
                &|| 0usize,
                &|calls: &mut usize, i| {
                    *calls += 1;
                    // Uneven work, so that batches finish out of order.
                    if i % 997 == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                    i * 2
                },
                &mut |r| seen.push(r),
            );
            assert_eq!(seen, (0..count).map(|i| i * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panicking_worker_ends_the_run_with_its_panic() {
        let result = std::panic::catch_unwind(|| {
            in_order(
                10_000,
                &|| (),
                &|(), i| assert!(i != 3000, "the item that fails"),
                &mut |()| {},
            );
        });
        assert!(result.is_err());
    }
}
