//! `segment::summarize_file`, which checks a file a segment at a time,
//! against `segment::check_file`, which checks it whole: the same costs,
//! the same summary, the same errors and warnings, on generated files
//! mixing every kind of problem a segment file can have, small and past
//! the size at which the work is shared between cores.

mod common;

use hcq::ast::Span;
use hcq::segment::{check_file, summarize_file};
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

fn whole(text: &str, options: &Options) -> Verdict {
    match check_file("segments.hcq", text, options) {
        Ok(compiled) => Verdict::Passed {
            costs: compiled
                .segments()
                .map(|s| {
                    (
                        s.name().to_owned(),
                        s.name_span(),
                        s.requests(),
                        s.api_calls(),
                    )
                })
                .collect(),
            summary: compiled.summary(),
            warnings: compiled.warnings().as_ref().map(diagnostics),
        },
        Err(error) => Verdict::Failed(diagnostics(&error)),
    }
}

fn streamed(text: &str, options: &Options) -> Verdict {
    match summarize_file("segments.hcq", text, options) {
        Ok(summary) => Verdict::Passed {
            costs: summary
                .segments()
                .map(|s| {
                    (
                        s.name().to_owned(),
                        s.name_span(),
                        s.requests(),
                        s.api_calls(),
                    )
                })
                .collect(),
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
