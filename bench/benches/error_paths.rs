//! How fast hcq fails: inputs whose every part is an error, which must
//! cost no more than valid ones of their size. Run with `cargo bench -p
//! hcq-bench --bench error_paths`.
//!
//! - `error_paths/long_unknown_refs`: a segment file of 300 references to
//!   segments that do not exist, each name 1 KB or 4 KB long, among 3,000
//!   segments that do, through `segment::check_file`. "Did you mean" once
//!   compared every unknown name with every segment, which took about a
//!   minute at 4 KB; with `schema::Suggester`'s bounds the time grows with
//!   the file's size alone, so both sizes run at about the same MB/s.
//! - `error_paths/long_unknown_refs_report`: the same, then the report
//!   the binary prints (`hcq::cli::render`).
//! - `error_paths/broken_segments`: 5,000 and 20,000 segments that each
//!   misspell a field, checked and reported as the binary does, in the
//!   human form (50 problems in full, the rest counted) and as JSON (all
//!   of them). The human report once took over a minute at 20,000 (miette
//!   rescanned the file for every label); now both forms are linear.

use criterion::{Criterion, SamplingMode, Throughput};
use hcq::cli::render::{self, Style};
use hcq::{Options, segment};

/// The clock every compilation uses.
const NOW: &str = "2024-06-01T00:00:00Z";

/// How many unknown references, and how many segments that do exist.
const UNKNOWN: usize = 300;
const DEFINED: usize = 3_000;

/// `UNKNOWN` segments each using an unknown name of `len` letters (from a
/// fixed seed), then `DEFINED` segments no one uses.
fn long_unknown_refs(len: usize) -> String {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut text = String::new();
    for i in 0..UNKNOWN {
        let name: String = (0..len)
            .map(|_| {
                // xorshift: any fixed sequence of letters will do.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(b'a' + (state % 26) as u8)
            })
            .collect();
        text.push_str(&format!("segment broken_{i}\n  @{name} and id > {i}\n\n"));
    }
    for i in 0..DEFINED {
        text.push_str(&format!("segment seg_{i:05}\n  id > {i}\n\n"));
    }
    text
}

/// `count` segments that each misspell `email`.
fn broken_segments(count: usize) -> String {
    (0..count)
        .map(|i| format!("segment s{i}\n  emial ~ x{i}\n"))
        .collect()
}

fn error_paths(c: &mut Criterion) {
    let options = Options::at(NOW.parse().expect("a valid time"));
    let mut group = c.benchmark_group("error_paths");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    for (size, len) in [("1KB", 1024), ("4KB", 4096)] {
        let text = long_unknown_refs(len);
        let error = segment::check_file("bench.hcq", &text, &options)
            .expect_err("every long reference is unknown");
        assert_eq!(error.problems().len(), UNKNOWN);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("long_unknown_refs/{size}"), |b| {
            b.iter(|| segment::check_file("bench.hcq", &text, &options).is_err())
        });
        group.bench_function(format!("long_unknown_refs_report/{size}"), |b| {
            b.iter(|| {
                let error = segment::check_file("bench.hcq", &text, &options)
                    .expect_err("every long reference is unknown");
                render::render(&error, "bench.hcq", &text, Style::plain()).len()
            })
        });
    }
    for count in [5_000, 20_000] {
        let text = broken_segments(count);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(format!("broken_segments/human/{count}"), |b| {
            b.iter(|| {
                let error = segment::check_file("bench.hcq", &text, &options)
                    .expect_err("every segment is broken");
                render::render(&error, "bench.hcq", &text, Style::plain()).len()
            })
        });
        group.bench_function(format!("broken_segments/json/{count}"), |b| {
            b.iter(|| {
                let error = segment::check_file("bench.hcq", &text, &options)
                    .expect_err("every segment is broken");
                error
                    .to_json()
                    .iter()
                    .map(|d| serde_json::to_string(d).expect("serialises").len())
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    error_paths(&mut c);
    c.final_summary();
}
