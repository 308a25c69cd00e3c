//! How fast each stage of hcq is, next to a well-known parser answering the
//! same question. Run with `cargo bench -p hcq-bench --bench pipeline`;
//! BENCHMARKS.md holds the numbers and how they were taken.
//!
//! One criterion group per stage, each over the same inputs, with the
//! input's size as throughput (so every stage's MB/s is measured against
//! the text the user wrote):
//!
//! - `parse`: text to `ast` (`syntax::parse_query`);
//! - `check`: `ast` to `typed` (`check::check_query`);
//! - `lower`: `typed` to the plan (`lower::lower`: NNF, DNF, simplify, pack);
//! - `json`: the plan to the JSON `hcq emit` prints (`Plan::to_json`);
//! - `compile`: all of the above but the JSON (`hcq::compile`);
//! - the same five on `exact8_*`, expressions of eight comparisons whose
//!   lowering searches for the exact minimum (`inputs::exact`);
//! - `sqlparser`: sqlparser's generic dialect parsing the equivalent
//!   `SELECT * FROM customers WHERE …` (throughput: the SQL's bytes);
//! - `serde_json`: reading back the plan JSON hcq emits into a
//!   `serde_json::Value` (throughput: the JSON's bytes);
//! - `segments_parse`, `segments_check`, `segments_check_file`: generated
//!   segment files of 1 MiB and 16 MiB (`examples/gen_segments.rs`);
//! - `process`, `process_check`: the `hcq` binary (hcq's `main.rs`, built
//!   in this package as `hcq-under-test`), started afresh for each
//!   iteration (`hcq emit -e`, `hcq check FILE`).
//!
//! After criterion's own report, the run prints a summary: each median,
//! MB/s, the ratios hcq / sqlparser and hcq / serde_json, and how the time
//! of a 16 MiB file compares to a 1 MiB one.

mod inputs;
mod summary;

#[path = "../../examples/gen_segments.rs"]
#[allow(dead_code)]
mod gen_segments;

use criterion::{Criterion, SamplingMode, Throughput};
use hcq::plan::Plan;
use hcq::{Limits, Options, check, lower, segment, syntax};
use inputs::Input;
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use std::process::{Command, Stdio};
use summary::{measure, median};

/// The clock every compilation uses, so plans are the same on every run.
const NOW: &str = "2024-06-01T00:00:00Z";

/// The sample size of groups whose iterations take microseconds.
const SAMPLES: usize = 100;
/// The sample size of groups whose iterations take up to seconds.
const FEW_SAMPLES: usize = 10;

/// The segment-file groups whose 1 MiB → 16 MiB scaling the summary shows.
const SEGMENT_STAGES: &[&str] = &[
    "segments_parse",
    "segments_check",
    "segments_check_file",
    "segments_summarize",
    "process_check",
    "process_emit",
];

/// The generated segment files: size and seed.
const SEGMENT_FILES: [(usize, u64); 2] = [(1 << 20, 1), (16 << 20, 1)];

fn options() -> Options {
    Options::at(NOW.parse().expect("a valid time"))
}

/// An input with what each stage makes of it, computed once so that each
/// stage's benchmark starts from the previous stage's output.
struct Staged {
    input: Input,
    ast: hcq::ast::Query,
    typed: hcq::typed::Query,
    /// `None` for an input that lowering rejects (past the request bound).
    plan: Option<Plan>,
}

fn stage(input: Input) -> Staged {
    let limits = Limits::default();
    let ast = syntax::parse_query(&input.text, &limits)
        .unwrap_or_else(|e| panic!("{} parses: {e}", input.name));
    let cx = check::Context::new(NOW.parse().expect("a valid time"));
    let typed =
        check::check_query(&ast, &cx).unwrap_or_else(|e| panic!("{} checks: {e:?}", input.name));
    let plan = lower::lower(&typed, &Default::default(), &limits)
        .ok()
        .map(|l| l.plan);
    Staged {
        input,
        ast,
        typed,
        plan,
    }
}

/// The groups `parse`, `check`, `lower`, `json` and `compile` over `inputs`.
fn stages(c: &mut Criterion, inputs: &[Staged], samples: usize) {
    let limits = Limits::default();
    let cx = check::Context::new(NOW.parse().expect("a valid time"));
    let options = options();
    let page = hcq::PlanOptions::default();

    let mut group = c.benchmark_group("parse");
    configure(&mut group, samples);
    for s in inputs {
        let (id, bytes) = (format!("parse/{}", s.input.name), s.input.text.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, samples, || {
                syntax::parse_query(&s.input.text, &limits)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("check");
    configure(&mut group, samples);
    for s in inputs {
        let (id, bytes) = (format!("check/{}", s.input.name), s.input.text.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, samples, || check::check_query(&s.ast, &cx))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("lower");
    configure(&mut group, samples);
    for s in inputs {
        let (id, bytes) = (format!("lower/{}", s.input.name), s.input.text.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, samples, || {
                lower::lower(&s.typed, &page, &limits)
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("json");
    configure(&mut group, samples);
    for s in inputs {
        let Some(plan) = &s.plan else { continue };
        let (id, bytes) = (format!("json/{}", s.input.name), s.input.text.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, samples, || plan.to_json())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("compile");
    configure(&mut group, samples);
    for s in inputs {
        let (id, bytes) = (format!("compile/{}", s.input.name), s.input.text.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, samples, || {
                hcq::compile(&s.input.text, &options)
            })
        });
    }
    group.finish();
}

/// Small samples, one iteration each, for inputs that take milliseconds or more.
fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    n: usize,
) {
    if n < SAMPLES {
        group.sample_size(n).sampling_mode(SamplingMode::Flat);
    }
}

/// sqlparser on the SQL, serde_json on the plan JSON.
fn baselines(c: &mut Criterion, inputs: &[Staged]) {
    let dialect = GenericDialect {};
    let mut group = c.benchmark_group("sqlparser");
    for s in inputs {
        let Some(sql) = &s.input.sql else { continue };
        Parser::parse_sql(&dialect, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let (id, bytes) = (format!("sqlparser/{}", s.input.name), sql.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, SAMPLES, || Parser::parse_sql(&dialect, sql))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("serde_json");
    for s in inputs {
        let Some(plan) = &s.plan else { continue };
        let json = plan.to_json();
        let (id, bytes) = (format!("serde_json/{}", s.input.name), json.len());
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(&s.input.name, |b| {
            measure(b, &id, bytes, SAMPLES, || {
                serde_json::from_str::<serde_json::Value>(&json)
            })
        });
    }
    group.finish();
}

/// A generated segment file and its benchmark name.
struct SegmentFile {
    name: String,
    text: String,
}

fn segment_files() -> Vec<SegmentFile> {
    SEGMENT_FILES
        .iter()
        .map(|&(bytes, seed)| {
            let text = gen_segments::generate(bytes, seed);
            SegmentFile {
                name: format!("file_{}", inputs::size(bytes)),
                text,
            }
        })
        .collect()
}

/// One stage run over a whole segment file; whether it succeeded.
type Stage<'a> = dyn Fn(&str) -> bool + 'a;

/// The segment-file stages over the generated files: `segments_parse`
/// (`syntax::parse_file`), `segments_check` (`SegmentFile::parse`: parse,
/// resolve `@name`s, check), `segments_check_file` (`segment::check_file`,
/// all of that and every segment lowered to its plan, every plan kept) and
/// `segments_summarize` (`segment::summarize_file`, the same a segment at
/// a time keeping each one's cost: what `hcq check FILE` computes).
fn segments(c: &mut Criterion, files: &[SegmentFile]) {
    let limits = Limits::default();
    let options = options();
    for f in files {
        let compiled = segment::check_file(&f.name, &f.text, &options)
            .unwrap_or_else(|e| panic!("{} checks: {:?}", f.name, e.problems()));
        assert!(compiled.warnings().is_none(), "{} checks clean", f.name);
    }
    let stages: [(&str, &Stage); 4] = [
        ("segments_parse", &|text| {
            syntax::parse_file(text, &limits).is_ok()
        }),
        ("segments_check", &|text| {
            segment::SegmentFile::parse("bench.hcq", text, &options).is_ok()
        }),
        ("segments_check_file", &|text| {
            segment::check_file("bench.hcq", text, &options).is_ok()
        }),
        ("segments_summarize", &|text| {
            segment::summarize_file("bench.hcq", text, &options).is_ok()
        }),
    ];
    for (stage, run) in stages {
        let mut group = c.benchmark_group(stage);
        group
            .sample_size(FEW_SAMPLES)
            .sampling_mode(SamplingMode::Flat);
        for f in files {
            let (id, bytes) = (format!("{stage}/{}", f.name), f.text.len());
            group.throughput(Throughput::Bytes(bytes as u64));
            group.bench_function(&f.name, |b| {
                measure(b, &id, bytes, FEW_SAMPLES, || run(&f.text))
            });
        }
        group.finish();
    }
}

/// The binary, started for each iteration, as an editor or CI starts it:
/// `hcq emit -e` on the typical expression, `hcq check FILE` and `hcq
/// emit FILE` (every plan) on each generated file (written to the
/// temporary directory).
fn process(c: &mut Criterion, files: &[SegmentFile]) {
    let hcq = env!("CARGO_BIN_EXE_hcq-under-test");
    let run = |args: &[&str]| {
        let status = Command::new(hcq)
            .args(args)
            .stdout(Stdio::null())
            .status()
            .expect("hcq starts");
        assert!(status.success(), "hcq {args:?}");
    };
    let mut group = c.benchmark_group("process");
    let bytes = inputs::TYPICAL.len();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("emit_typical", |b| {
        measure(b, "process/emit_typical", bytes, SAMPLES, || {
            run(&["emit", "--now", NOW, "-e", inputs::TYPICAL])
        })
    });
    group.finish();

    let paths: Vec<String> = files
        .iter()
        .map(|f| {
            let path = std::env::temp_dir().join(format!("hcq-bench-{}.hcq", f.name));
            std::fs::write(&path, &f.text).expect("the temporary directory is writable");
            path.to_str().expect("a UTF-8 temporary path").to_owned()
        })
        .collect();
    for command in ["check", "emit"] {
        let name = format!("process_{command}");
        let mut group = c.benchmark_group(&name);
        group
            .sample_size(FEW_SAMPLES)
            .sampling_mode(SamplingMode::Flat);
        for (f, path) in files.iter().zip(&paths) {
            let (id, bytes) = (format!("{name}/{}", f.name), f.text.len());
            group.throughput(Throughput::Bytes(bytes as u64));
            group.bench_function(&f.name, |b| {
                measure(b, &id, bytes, FEW_SAMPLES, || {
                    run(&[command, "--now", NOW, path])
                })
            });
        }
        group.finish();
    }
}

/// The typical expression compiled in this process after it has checked
/// the largest generated file: with `segment::check_file`, which holds
/// every segment's tree, query and plan until it returns, and with
/// `segment::summarize_file`, which holds a segment at a time. Compare
/// with `compile/typical_85B`, measured before any large input (the issue
/// asks for within 10 %).
fn compile_after(c: &mut Criterion, typical: &Staged, files: &[SegmentFile]) {
    let Some(large) = files.last() else {
        return;
    };
    let options = options();
    let bytes = typical.input.text.len();
    let mut group = c.benchmark_group("compile_after");
    configure(&mut group, SAMPLES);
    group.throughput(Throughput::Bytes(bytes as u64));
    // `summarize_file` first, so that what `check_file` leaves in the
    // heap does not count against it.
    let checks: [(&str, &Stage); 2] = [
        ("summarize_file", &|text| {
            segment::summarize_file("bench.hcq", text, &options).is_ok()
        }),
        ("check_file", &|text| {
            segment::check_file("bench.hcq", text, &options).is_ok()
        }),
    ];
    for (name, check) in checks {
        assert!(check(&large.text), "{} checks", large.name);
        let id = format!("compile_after/{name}_{}", large.name);
        group.bench_function(format!("{name}_{}", large.name), |b| {
            measure(b, &id, bytes, SAMPLES, || {
                hcq::compile(&typical.input.text, &options)
            })
        });
    }
    group.finish();
}

/// The medians, throughputs, ratios and scaling, after criterion's report,
/// as the Markdown tables of BENCHMARKS.md.
fn print_summary(inputs: &[&Staged], files: &[SegmentFile]) {
    println!("\n## Summary\n");
    println!("Medians of criterion's samples; MB/s is 10^6 bytes of input a second.\n");
    let cell = |id: &str| match median(id) {
        Some((t, bytes)) => format!("{} ({})", summary::time(t), mb(bytes, t)),
        None => "–".to_owned(),
    };
    println!("| input | bytes | parse | check | lower | json | compile |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for s in inputs {
        let name = &s.input.name;
        let cells: Vec<String> = ["parse", "check", "lower", "json", "compile"]
            .iter()
            .map(|stage| cell(&format!("{stage}/{name}")))
            .collect();
        println!(
            "| {name} | {} | {} |",
            s.input.text.len(),
            cells.join(" | ")
        );
    }

    println!(
        "\n| input | hcq compile | sqlparser parse | hcq / sqlparser | serde_json read | hcq / serde_json |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for s in inputs.iter().filter(|s| s.input.sql.is_some()) {
        let name = &s.input.name;
        let Some((hcq, _)) = median(&format!("compile/{name}")) else {
            continue;
        };
        let ratio = |baseline: &str| match median(&format!("{baseline}/{name}")) {
            Some((t, _)) => (summary::time(t), format!("{:.2}", hcq / t)),
            None => ("–".to_owned(), "–".to_owned()),
        };
        let (sql, sql_ratio) = ratio("sqlparser");
        let (json, json_ratio) = ratio("serde_json");
        println!(
            "| {name} | {} | {sql} | {sql_ratio} | {json} | {json_ratio} |",
            summary::time(hcq)
        );
    }

    println!(
        "\n| segment file | bytes | {} |",
        SEGMENT_STAGES.join(" | ")
    );
    println!("|---|---:|{}", "---:|".repeat(SEGMENT_STAGES.len()));
    for f in files {
        let cells: Vec<String> = SEGMENT_STAGES
            .iter()
            .map(|stage| cell(&format!("{stage}/{}", f.name)))
            .collect();
        println!("| {} | {} | {} |", f.name, f.text.len(), cells.join(" | "));
    }
    if let [small, large] = files {
        let scaling: Vec<String> = SEGMENT_STAGES
            .iter()
            .map(|stage| {
                let times = (
                    median(&format!("{stage}/{}", small.name)),
                    median(&format!("{stage}/{}", large.name)),
                );
                match times {
                    (Some((t1, _)), Some((t16, _))) => format!("{:.2}×", t16 / t1),
                    _ => "–".to_owned(),
                }
            })
            .collect();
        let bytes = large.text.len() as f64 / small.text.len() as f64;
        println!(
            "| time {} / {} | {bytes:.2}× | {} |",
            large.name,
            small.name,
            scaling.join(" | ")
        );
    }
    if let (Some((fresh, _)), Some(large)) = (median("compile/typical_85B"), files.last()) {
        println!("\n| typical compile | median | / before any large input |");
        println!("|---|---:|---:|");
        println!(
            "| before any large input | {} | 1.00 |",
            summary::time(fresh)
        );
        for name in ["summarize_file", "check_file"] {
            if let Some((t, _)) = median(&format!("compile_after/{name}_{}", large.name)) {
                println!(
                    "| after `{name}` of {} | {} | {:.2} |",
                    large.name,
                    summary::time(t),
                    t / fresh
                );
            }
        }
    }
    if let Some((t, _)) = median("process/emit_typical") {
        println!(
            "\n`hcq emit -e` on the typical expression, whole process: {}",
            summary::time(t)
        );
    }
}

/// MB/s with two significant digits at least.
fn mb(bytes: usize, seconds: f64) -> String {
    let rate = summary::mb_per_s(bytes, seconds);
    if rate < 1.0 {
        format!("{rate:.2} MB/s")
    } else {
        format!("{rate:.1} MB/s")
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let staged: Vec<Staged> = inputs::expressions().into_iter().map(stage).collect();
    let caps: Vec<Staged> = inputs::caps().into_iter().map(stage).collect();
    let exact: Vec<Staged> = inputs::exact().into_iter().map(stage).collect();
    stages(&mut c, &staged, SAMPLES);
    stages(&mut c, &exact, SAMPLES);
    baselines(&mut c, &staged);
    stages(&mut c, &caps, FEW_SAMPLES);
    let files = segment_files();
    segments(&mut c, &files);
    process(&mut c, &files);
    let typical = staged
        .iter()
        .find(|s| s.input.name.starts_with("typical"))
        .expect("the typical input");
    compile_after(&mut c, typical, &files);
    c.final_summary();
    let all: Vec<&Staged> = staged.iter().chain(&exact).chain(&caps).collect();
    print_summary(&all, &files);
}
