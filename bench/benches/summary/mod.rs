//! Keeps each benchmark's sample times next to criterion's, so that one run
//! can end with a table of medians, throughputs and the ratios between
//! benchmarks (criterion reports each benchmark on its own).

use criterion::Bencher;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Instant;

/// One benchmark's samples: seconds per iteration, in the order measured.
struct Record {
    per_iteration: Vec<f64>,
    bytes: usize,
    samples: usize,
}

static RECORDS: Mutex<BTreeMap<String, Record>> = Mutex::new(BTreeMap::new());

/// Times `routine` for criterion and records each sample under `id`.
/// `bytes` is the throughput's size; `samples` the group's sample size:
/// criterion's warm-up calls come first and its last `samples` calls are
/// the measurement, whose median per-iteration time is criterion's median.
pub fn measure<O>(
    b: &mut Bencher<'_>,
    id: &str,
    bytes: usize,
    samples: usize,
    mut routine: impl FnMut() -> O,
) {
    b.iter_custom(|iters| {
        let start = Instant::now();
        for _ in 0..iters {
            black_box(routine());
        }
        let elapsed = start.elapsed();
        let mut records = RECORDS
            .lock()
            .expect("no benchmark panics holding the lock");
        let record = records.entry(id.to_owned()).or_insert_with(|| Record {
            per_iteration: Vec::new(),
            bytes,
            samples,
        });
        record
            .per_iteration
            .push(elapsed.as_secs_f64() / iters as f64);
        elapsed
    });
}

/// The median seconds per iteration of `id` over its measured samples, and
/// its throughput size in bytes.
pub fn median(id: &str) -> Option<(f64, usize)> {
    let records = RECORDS
        .lock()
        .expect("no benchmark panics holding the lock");
    let record = records.get(id)?;
    let tail = &record.per_iteration[record.per_iteration.len().saturating_sub(record.samples)..];
    let mut sorted = tail.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some((median, record.bytes))
}

/// `1.23 µs`, `45.6 ms`: three significant digits.
pub fn time(seconds: f64) -> String {
    let (value, unit) = if seconds < 1e-6 {
        (seconds * 1e9, "ns")
    } else if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else {
        (seconds, "s")
    };
    let decimals = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.decimals$} {unit}")
}

/// Megabytes (10^6 bytes) per second.
pub fn mb_per_s(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / seconds / 1e6
}
