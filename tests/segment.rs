//! Segment files end to end: fixtures of valid files with their plans,
//! invalid files with their rendered diagnostics.
//!
//! `tests/segment_fixtures/invalid/NAME.hcq` is compared with `NAME.stderr`,
//! its diagnostics rendered without colour at 80 columns;
//! `tests/segment_fixtures/valid/NAME.hcq` with `NAME.json`, every
//! segment's plan keyed by name, and with `NAME.stderr` when it has
//! warnings. `SNAPSHOTS=overwrite cargo test --test segment` rewrites the
//! expected files from the actual output (`tests/common/snapshot.rs`, the
//! comparison every fixture suite shares).

#[path = "common/snapshot.rs"]
mod snapshot;

use hcq::Error;
use hcq::lower::PlanOptions;
use hcq::segment::{Budget, SegmentFile, check_file};
use snapshot::Snapshots;
use std::fs;
use std::path::{Path, PathBuf};

/// The clock every fixture runs with: 2025-06-15T15:06:40Z.
const NOW: i64 = 1_750_000_000;

fn context() -> hcq::Options {
    hcq::Options::at(jiff::Timestamp::from_second(NOW).expect("a valid timestamp"))
}

/// The binary's own renderer, without colour, at 80 columns.
fn render(error: &Error) -> String {
    hcq::cli::render::render(
        error,
        error.name(),
        error.source_text(),
        hcq::cli::render::Style::plain(),
    )
}

/// `path` under `tests/segment_fixtures/`.
fn under_fixtures(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/segment_fixtures")
        .join(path)
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = under_fixtures(kind);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "hcq"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
}

fn read(path: &Path) -> (String, String) {
    let name = path
        .file_name()
        .expect("a fixture file name")
        .to_string_lossy()
        .into_owned();
    let text = fs::read_to_string(path).expect("reading a fixture");
    (name, text)
}

#[test]
fn invalid_files_render_every_problem() {
    let paths = fixtures("invalid");
    let mut snapshots = Snapshots::default();
    for path in &paths {
        let (name, text) = read(path);
        match SegmentFile::parse(&name, &text, &context()) {
            Ok(_) => snapshots.fail(format!("{name} was accepted")),
            Err(error) => snapshots.check(&path.with_extension("stderr"), &render(&error)),
        }
    }
    snapshots.unclaimed(&under_fixtures("invalid"), "stderr", has_input);
    snapshots.finish("invalid", paths.len());
}

#[test]
fn valid_files_compile_to_their_plans() {
    let paths = fixtures("valid");
    let mut snapshots = Snapshots::default();
    for path in &paths {
        let (name, text) = read(path);
        match check_file(&name, &text, &context()) {
            Err(error) => snapshots.fail(format!("{name} was rejected:\n{}", render(&error))),
            Ok(compiled) => {
                snapshots.check(&path.with_extension("json"), &(compiled.to_json() + "\n"));
                let warnings = compiled.warnings().map(|w| render(&w)).unwrap_or_default();
                let stderr = path.with_extension("stderr");
                if warnings.is_empty() && !stderr.exists() {
                    continue;
                }
                snapshots.check(&stderr, &warnings);
            }
        }
    }
    for extension in ["json", "stderr"] {
        snapshots.unclaimed(&under_fixtures("valid"), extension, has_input);
    }
    snapshots.finish("valid", paths.len());
}

/// Whether an expected file has its input beside it.
fn has_input(expected: &Path) -> bool {
    expected.with_extension("hcq").exists()
}

#[test]
fn the_example_file_checks_without_warnings() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/segments.hcq");
    let text = fs::read_to_string(path).expect("reading the example");
    let compiled =
        check_file(path, &text, &context()).unwrap_or_else(|error| panic!("{}", render(&error)));
    assert!(compiled.warnings().is_none());
    assert!(compiled.segments().len() >= 6);
    assert!(compiled.segments().any(|s| !s.uses().is_empty()));
}

/// `SegmentFile` and `check_file` agree: the same plans, segment by
/// segment and all at once.
#[test]
fn compiling_one_segment_or_all_gives_the_same_plans() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/segments.hcq");
    let text = fs::read_to_string(path).expect("reading the example");
    let options = PlanOptions::default();
    let file =
        SegmentFile::parse(path, &text, &context()).unwrap_or_else(|e| panic!("{}", render(&e)));
    let all = file
        .compile_all(&options)
        .unwrap_or_else(|e| panic!("{}", render(&e)));
    let checked = check_file(path, &text, &context()).unwrap_or_else(|e| panic!("{}", render(&e)));
    assert_eq!(all.to_json(), checked.to_json());
    for segment in file.segments() {
        let one = file
            .compile_segment(segment.name(), &options)
            .expect("the segment exists")
            .unwrap_or_else(|e| panic!("{}", render(&e)));
        assert_eq!(&one.plan, all.get(segment.name()).expect("compiled").plan());
    }
    assert!(file.compile_segment("no_such_segment", &options).is_none());
    assert_eq!(file.suggest("gmail_user"), Some("gmail_users"));
}

#[test]
fn plan_options_apply_over_a_segments_clauses() {
    let text = "segment a\n  tag = Lead\n  limit 5\n";
    let file = SegmentFile::parse("a.hcq", text, &context()).expect("valid");
    let options = PlanOptions {
        limit: Some(hcq::ast::Limit::Rows(7)),
        ..PlanOptions::default()
    };
    let lowered = file
        .compile_segment("a", &options)
        .expect("exists")
        .expect("lowers");
    assert_eq!(lowered.plan.requests[0].limit, 7);
}

#[test]
fn lowering_errors_of_every_segment_are_reported() {
    // 2^6 = 64 AND-terms of two filters: more requests than the cap of 30
    // (`~`, not `=`: two different `=` on one field contradict).
    let wide: Vec<String> = (0..6)
        .map(|i| format!("(city ~ a{i} or email ~ b{i})"))
        .collect();
    let text = format!(
        "segment wide_one\n  {}\n\nsegment fine\n  tag = Lead\n\nsegment wide_two\n  {}\n",
        wide.join(" and "),
        wide.join(" and ").replace("city", "name")
    );
    let error =
        check_file("wide.hcq", &text, &context()).expect_err("two segments need too many requests");
    let codes: Vec<String> = error
        .problems()
        .iter()
        .filter_map(|p| miette::Diagnostic::code(p).map(|c| c.to_string()))
        .collect();
    assert_eq!(
        codes,
        [
            "hcq::lower::too_many_requests",
            "hcq::lower::too_many_requests"
        ]
    );
}

#[test]
fn a_budget_counts_every_page_of_every_request() {
    let text = "segment one\n  tag = Lead\n\n\
                segment two\n  tag = Lead and city = Kyiv or tag = Paid and city = Lviv\n\n\
                segment paged\n  tag = Lead and city = Kyiv or tag = Paid and city = Lviv\n  limit 150\n";
    let compiled = check_file("budget.hcq", text, &context()).expect("valid");
    let calls: Vec<(&str, usize, u64)> = compiled
        .segments()
        .map(|s| (s.name(), s.requests(), s.api_calls()))
        .collect();
    // `paged` reads 150 rows from each of its two requests, 100 a page.
    assert_eq!(calls, [("one", 1, 1), ("two", 2, 2), ("paged", 2, 4)]);
    assert_eq!(
        compiled.summary(),
        "budget.hcq: 3 segments, 7 API calls, at least 3.5 s at 120 requests a minute\n\
         \x20 one    1 request\n\
         \x20 two    2 requests\n\
         \x20 paged  2 requests (4 API calls)\n"
    );
    let budget = compiled.budget();
    assert_eq!(
        budget,
        Budget {
            total_requests: 7,
            minimum_seconds: 3.5
        }
    );
    assert_eq!(compiled.check_budget(7).expect("within budget"), budget);
    let error = compiled.check_budget(6).expect_err("over budget");
    let mut snapshots = Snapshots::default();
    snapshots.check(&under_fixtures("over_budget.stderr"), &render(&error));
    snapshots.finish("budget", 1);
}

#[test]
fn a_segment_of_every_row_has_no_bound_on_its_calls() {
    let text = "segment one\n  tag = Lead\n\nsegment every\n  @one\n  limit all\n";
    let compiled = check_file("all.hcq", text, &context()).expect("valid");
    let every = compiled.get("every").expect("compiled");
    let merge = every.plan().merge.as_ref().expect("every row is merged");
    assert_eq!(merge.page.limit, None);
    assert_eq!(every.api_calls(), hcq::plan::UNBOUNDED_CALLS);
    assert_eq!(
        compiled.summary(),
        "all.hcq: 2 segments, an unbounded number of API calls (every page: `limit all`)\n\
         \x20 one    1 request\n\
         \x20 every  1 request (every page: `limit all`)\n"
    );
    // No budget holds it, however large; the sum does not overflow.
    assert_eq!(compiled.budget().total_requests, hcq::plan::UNBOUNDED_CALLS);
    let error = compiled
        .check_budget(u64::MAX - 1)
        .expect_err("over budget");
    assert!(render(&error).contains("an unbounded number of API calls"));
}

#[test]
fn emitting_a_file_keys_plans_by_name_in_file_order() {
    let text = "segment zeta\n  tag = Lead\n\nsegment alpha\n  city = \"Kyiv \\\"centre\\\"\"\n";
    let compiled = check_file("order.hcq", text, &context()).expect("valid");
    let json = compiled.to_json();
    assert!(json.find("\"zeta\"") < json.find("\"alpha\""));
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let plan: hcq::plan::Plan = serde_json::from_value(value["alpha"].clone()).expect("a plan");
    assert_eq!(&plan, compiled.get("alpha").expect("compiled").plan());
    let empty = check_file("empty.hcq", "# nothing yet\n", &context()).expect("valid");
    assert_eq!(empty.to_json(), "{}");
    assert_eq!(empty.budget().total_requests, 0);
}

#[test]
fn diagnostics_have_a_json_form() {
    let text = "segment a\n  @b and tag = Lead\n";
    let error = SegmentFile::parse("a.hcq", text, &context()).expect_err("unknown reference");
    let json = error.to_json();
    assert_eq!(json.len(), 1);
    assert_eq!(
        json[0].code.as_deref(),
        Some("hcq::segment::unknown_reference")
    );
    assert_eq!((json[0].labels[0].line, json[0].labels[0].column), (2, 3));
    assert_eq!(json[0].labels[0].length, 2);
}

/// Not a timed assertion: prints how long checking (parse, resolve,
/// check, lower) a generated file of 10,000 segments takes. Run with
/// `cargo test --release --test segment -- --nocapture ten_thousand`.
#[test]
fn ten_thousand_segments_are_checked_in_one_run() {
    let mut text = String::new();
    for i in 0..10_000 {
        if i > 0 {
            text.push('\n');
        }
        text.push_str(&format!("# segment {i}\nsegment s{i}\n"));
        match i % 4 {
            0 => text.push_str(&format!(
                "  email ~ \"user{i}\" and company != Acme\n  sort by lastSeen desc\n"
            )),
            1 => text.push_str(&format!(
                "  @s{} or city in (Kyiv, Lviv, \"City {i}\")\n",
                i - 1
            )),
            2 => text.push_str(&format!(
                "  @s{} and lastSeen >= now - {i}d\n  limit 50\n",
                i - 1
            )),
            _ => text.push_str(&format!("  not @s{} and id > {i}\n", i - 3)),
        }
    }
    let time = |what: &str, run: &mut dyn FnMut()| {
        let start = std::time::Instant::now();
        run();
        println!("{what}: {:?}", start.elapsed());
    };
    println!("10,000 segments, {} bytes", text.len());
    time("parse only", &mut || {
        hcq::syntax::parse_file(&text, &Default::default()).expect("parses");
    });
    time("parse, resolve, check", &mut || {
        SegmentFile::parse("big.hcq", &text, &context())
            .unwrap_or_else(|e| panic!("{:?}", e.problems().first()));
    });
    time("parse, resolve, check, lower (hcq check)", &mut || {
        let compiled = check_file("big.hcq", &text, &context())
            .unwrap_or_else(|e| panic!("{:?}", e.problems().first()));
        assert_eq!(compiled.segments().len(), 10_000);
        println!("budget: {}", compiled.budget());
    });
    time("format", &mut || {
        let canonical =
            hcq::format::format_file("big.hcq", &text, &Default::default()).expect("formats");
        assert!(canonical == text, "the generated file is already canonical");
    });
}

/// A file large enough to be lowered on every core gives what lowering
/// each segment alone gives, in file order: the same plans, and the same
/// errors and warnings in the same order.
#[test]
fn large_files_lower_in_parallel_as_one_at_a_time() {
    let mut text = String::new();
    for i in 0..1_000 {
        text.push_str(&format!("segment s{i}\n"));
        match i % 5 {
            0 => text.push_str(&format!("  email ~ \"user{i}\" and id > {i}\n")),
            1 => text.push_str(&format!("  @s{} or city in (Kyiv, \"City {i}\")\n", i - 1)),
            // Always true: a warning.
            2 => text.push_str(&format!("  id > {i} or id <= {i}\n")),
            // 2^6 = 64 requests, past the 30 allowed: an error.
            3 if i % 3 == 0 => {
                let groups: Vec<String> = (0..6)
                    .map(|k| format!("(email ~ a{k} or name ~ b{k})"))
                    .collect();
                text.push_str(&format!("  {}\n", groups.join(" and ")));
            }
            _ => text.push_str(&format!("  not @s{} and tag = Lead\n", i - i % 5)),
        }
        text.push('\n');
    }
    let options = context();
    let file = SegmentFile::parse("big.hcq", &text, &options).expect("checks");
    let mut expected = Vec::new();
    let mut plans = Vec::new();
    for segment in file.segments() {
        match file
            .compile_segment(segment.name(), &options.page)
            .expect("defined")
        {
            Ok(lowered) => {
                expected.extend(lowered.warnings.iter().map(ToString::to_string));
                plans.push((segment.name().to_owned(), lowered.plan.to_json()));
            }
            Err(error) => expected.extend(error.problems().iter().map(ToString::to_string)),
        }
    }
    let error =
        check_file("big.hcq", &text, &options).expect_err("some segments need too many requests");
    let found: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
    assert_eq!(found, expected);
    let error = file
        .compile_all(&options.page)
        .expect_err("the same errors");
    let found: Vec<String> = error.problems().iter().map(ToString::to_string).collect();
    assert_eq!(found, expected);

    // Without the failing segments, every plan is the one lowered alone.
    let passing: String = text
        .split("\n\n")
        .filter(|chunk| !chunk.contains("(email ~ a0"))
        .map(|chunk| format!("{chunk}\n\n"))
        .collect();
    let compiled = check_file("big.hcq", &passing, &options).expect("lowers");
    let got: Vec<(String, String)> = compiled
        .segments()
        .map(|s| (s.name().to_owned(), s.plan().to_json()))
        .collect();
    assert_eq!(got.len(), plans.len());
    assert!(
        got == plans,
        "plans differ from those lowered one at a time"
    );
}
