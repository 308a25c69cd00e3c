//! `segment::summarize_file`, which checks a file a segment at a time,
//! against `segment::check_file`, which checks it whole: the same costs,
//! the same summary, the same errors and warnings, on generated files
//! mixing every kind of problem a segment file can have, small and past
//! the size at which the work is shared between cores.

mod common;

use hcq::ast::Span;
use hcq::segment::{SegmentCost, check_file, summarize_file};
use hcq::{Error, Options};
use proptest::prelude::*;

/// What either check says of a file, in a form to compare.
#[derive(Debug, PartialEq)]
enum Verdict {
    Passed {
        /// Each segment's name, where it is written, requests and calls.
        costs: Vec<(String, Span, usize, u64)>,
        summary: String,
        warnings: Option<String>,
    },
    Failed(String),
}

fn diagnostics(error: &Error) -> String {
    serde_json::to_string(&error.to_json()).expect("diagnostics serialise")
}

/// A segment's cost, kept after its file is gone.
fn owned(cost: SegmentCost<'_>) -> (String, Span, usize, u64) {
    let name = cost.name().to_owned();
    (name, cost.name_span(), cost.requests(), cost.api_calls())
}

fn whole(text: &str, options: &Options) -> Verdict {
    match check_file("segments.hcq", text, options) {
        Ok(compiled) => Verdict::Passed {
            costs: compiled.segments().map(|s| owned(s.cost())).collect(),
            summary: compiled.summary(),
            warnings: compiled.warnings().as_ref().map(diagnostics),
        },
        Err(error) => Verdict::Failed(diagnostics(&error)),
    }
}

fn streamed(text: &str, options: &Options) -> Verdict {
    match summarize_file("segments.hcq", text, options) {
        Ok(summary) => Verdict::Passed {
            costs: summary.segments().map(owned).collect(),
            summary: summary.summary(),
            warnings: summary.warnings().as_ref().map(diagnostics),
        },
        Err(error) => Verdict::Failed(diagnostics(&error)),
    }
}

fn options(small: bool) -> Options {
    let mut options = Options::at(jiff::Timestamp::from_second(1_750_000_000).expect("valid"));
    if small {
        // Bounds a few segments reach, so that splicing crosses them.
        options.limits.max_filters = 12;
        options.limits.max_depth = 9;
        options.limits.max_file_filters = 60;
    }
    options
}

/// A segment's expression: plain ones, ones with warnings, check errors,
/// parse errors, references (known, unknown, to themselves), and strings
/// and comments holding the word `segment`.
fn body(k: usize, refs: (usize, usize)) -> String {
    let (a, b) = refs;
    match k {
        0 => "tag = Lead".to_owned(),
        1 => "city = Kyiv or tag = Trial".to_owned(),
        2 => "email ~ gmail and lastSeen >= 2024-01-01".to_owned(),
        3 => "id > 5 and id < 3".to_owned(),
        4 => "emial ~ gmail".to_owned(),
        5 => "tag = ".to_owned(),
        6 => format!("@s{a}"),
        7 => format!("@s{a} and city = Lviv"),
        8 => format!("not @s{a}"),
        9 => format!("(@s{a} or @s{b}) and name ~ x"),
        10 => "@nowhere and tag = Lead".to_owned(),
        11 => "name = \"a\nsegment b\"".to_owned(),
        12 => "city in (Kyiv, Lviv, Odesa) # segment x".to_owned(),
        13 => format!("@s{a} or @s{a} or @s{b} or tag = Paid"),
        14 => "lastSeen >= \"yesterday\"".to_owned(),
        _ => "(city = Kyiv and tag = Lead) or (city = Lviv and tag = Trial) or id in (1, 2)"
            .to_owned(),
    }
}

fn clauses(k: usize) -> &'static str {
    match k {
        0 => "\n  limit 5",
        1 => "\n  sort by lastSeen desc",
        _ => "",
    }
}

/// A file of `segments` (body kind, references, clause kind, name), with
/// or without a comment before the first.
fn file(prefix: bool, segments: &[(usize, (usize, usize), usize, usize)]) -> String {
    let mut text = String::new();
    if prefix {
        text.push_str("# saved segments\n\n");
    }
    for &(k, refs, clause, name) in segments {
        text.push_str(&format!(
            "segment s{name}\n  {}{}\n\n",
            body(k, refs),
            clauses(clause)
        ));
    }
    text
}

fn segment_strategy(
    names: usize,
    mostly_valid: bool,
) -> impl Strategy<Value = (usize, (usize, usize), usize, usize)> {
    let kinds = if mostly_valid {
        prop_oneof![
            6 => prop::sample::select(vec![0, 1, 2, 6, 7, 9, 11, 12, 13, 15]),
            1 => 0usize..16,
        ]
        .boxed()
    } else {
        (0usize..16).boxed()
    };
    (
        kinds,
        (0..names, 0..names),
        prop_oneof![1 => 0usize..2, 6 => Just(2)],
        0..names,
    )
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn small_files_stream_as_they_check_whole(
        prefix in any::<bool>(),
        small in any::<bool>(),
        segments in prop::collection::vec(segment_strategy(10, false), 0..12),
    ) {
        let text = file(prefix, &segments);
        let options = options(small);
        prop_assert_eq!(streamed(&text, &options), whole(&text, &options));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: common::proptest_config().cases.div_ceil(16),
        ..common::proptest_config()
    })]

    /// Past 256 segments the work is shared between cores; names are
    /// distinct but for a few, so that most segments resolve.
    #[test]
    fn large_files_stream_as_they_check_whole(
        small in any::<bool>(),
        segments in prop::collection::vec(segment_strategy(400, true), 256..400),
    ) {
        let segments: Vec<_> = segments
            .into_iter()
            .enumerate()
            .map(|(i, (k, refs, clause, name))| (k, refs, clause, if name % 50 == 0 { name } else { i }))
            .collect();
        let text = file(true, &segments);
        let options = options(small);
        prop_assert_eq!(streamed(&text, &options), whole(&text, &options));
    }
}

#[test]
fn a_valid_file_streams() {
    let text = file(
        false,
        &[(0, (0, 0), 2, 0), (7, (0, 0), 2, 1), (9, (0, 1), 0, 2)],
    );
    let verdict = streamed(&text, &options(false));
    let Verdict::Passed { costs, .. } = &verdict else {
        panic!("{verdict:?}");
    };
    let names: Vec<&str> = costs.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["s0", "s1", "s2"]);
    assert_eq!(verdict, whole(&text, &options(false)));
}

/// `hcq emit - [--compact]` of `text`, in process: status and stdout.
fn emit(text: &str, compact: bool) -> (u8, String) {
    let (status, stdout, _) = emit_with_stderr(text, compact);
    (status, stdout)
}

fn emit_with_stderr(text: &str, compact: bool) -> (u8, String, String) {
    let mut input = text.as_bytes();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = hcq::cli::Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: hcq::cli::render::Style::plain(),
    };
    let mut args = vec!["hcq", "emit", "--now", "1750000000", "-"];
    if compact {
        args.push("--compact");
    }
    let status = hcq::cli::run(args.into_iter().map(std::ffi::OsString::from), &mut io);
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("UTF-8");
    (status, text(stdout), text(stderr))
}

/// What `hcq emit` printed, all at once, before it wrote plans as they came.
fn emitted_whole(text: &str, compact: bool) -> (u8, String) {
    match check_file("segments.hcq", text, &options(false)) {
        Ok(compiled) if compact => (
            0,
            serde_json::to_string(&compiled.plans()).expect("serialises") + "\n",
        ),
        Ok(compiled) => (0, compiled.to_json() + "\n"),
        Err(_) => (1, String::new()),
    }
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn emit_writes_every_plan_as_the_whole_file_would(
        prefix in any::<bool>(),
        compact in any::<bool>(),
        // Without a segment, the text is read as one expression.
        segments in prop::collection::vec(segment_strategy(10, true), 1..12),
    ) {
        let text = file(prefix, &segments);
        prop_assert_eq!(emit(&text, compact), emitted_whole(&text, compact));
    }
}

/// Plans past the part held back are written as they come; a later error
/// leaves the object unclosed, never a valid object missing segments.
#[test]
fn emit_of_a_large_file_writes_as_it_goes() {
    let segments: Vec<_> = (0..3000)
        .map(|i| {
            (
                [0, 1, 2, 15, 7, 9][i % 6],
                (i.saturating_sub(1), i / 2),
                2,
                i,
            )
        })
        .collect();
    let text = file(true, &segments);
    for compact in [false, true] {
        let (status, out) = emit(&text, compact);
        assert!(out.len() > 1 << 20, "{} bytes", out.len());
        assert_eq!((status, out), emitted_whole(&text, compact));
    }
    let broken = format!("{text}segment last\n  emial ~ gmail\n");
    let (status, out, err) = emit_with_stderr(&broken, false);
    assert_eq!(status, 1);
    assert!(err.contains("unknown field `emial`"), "{err}");
    assert!(
        err.contains("the plans on standard output are incomplete: 3000 segments"),
        "{err}"
    );
    let (_, whole) = emitted_whole(&text, false);
    assert!(
        out.len() > 1 << 20 && whole.starts_with(&out),
        "a prefix of the plans"
    );
    assert!(serde_json::from_str::<serde_json::Value>(&out).is_err());
}

/// Past 256 segments, parsing and lowering run on worker threads: a
/// segment nested as deep as raised bounds allow checks there as it does
/// on the caller's thread (the workers have the main thread's stack). Both
/// checks run on a thread with the stack the binary's main thread has.
#[test]
fn deep_segments_check_on_the_workers() {
    let depth = 500;
    let mut options = options(false);
    options.limits.max_depth = depth + 10;
    let deep = format!("{}id = 1{}", "(".repeat(depth), ")".repeat(depth));
    let mut text = format!("segment deep\n  {deep} or tag = Lead\n\n");
    for i in 0..300 {
        text.push_str(&format!("segment s{i}\n  @deep and city = Kyiv\n\n"));
    }
    let on_main_stack = |check: fn(&str, &Options) -> Verdict| {
        let (text, options) = (text.clone(), options.clone());
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || check(&text, &options))
            .expect("a thread")
            .join()
            .expect("no overflow")
    };
    let streamed = on_main_stack(streamed);
    assert!(matches!(streamed, Verdict::Passed { .. }), "{streamed:?}");
    assert_eq!(streamed, on_main_stack(whole));
}
