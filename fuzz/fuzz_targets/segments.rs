//! Segment files on arbitrary UTF-8: reading (`SegmentFile::parse`),
//! compiling every segment (`segment::check_file`, and a segment at a time
//! with `segment::compile_each`) and formatting (`format::format_source`).
//! Any result is fine; a panic, an overflow or a runaway is not. Errors
//! label only bytes of the input; plans hold only requests the API
//! accepts; the segment-at-a-time check gives the whole-file check's plans
//! and diagnostics; formatting twice changes nothing.

#![no_main]

use hcq::plan::MAX_PAGE;
use libfuzzer_sys::fuzz_target;
use miette::Diagnostic;

fuzz_target!(|text: &str| {
    let options = hcq::Options::at(jiff::Timestamp::from_second(1_717_200_000).unwrap());
    let read = hcq::segment::SegmentFile::parse("fuzz.hcq", text, &options);
    if let Err(error) = &read {
        assert_well_formed(error, text);
    }
    let whole = hcq::segment::check_file("fuzz.hcq", text, &options);
    let mut plans = Vec::new();
    let streamed = hcq::segment::compile_each(
        "fuzz.hcq",
        text,
        &options,
        &|segment| (segment.name().to_owned(), segment.plan().clone()),
        &mut |named| plans.push(named),
    );
    match (&whole, &streamed) {
        (Ok(compiled), Ok(summary)) => {
            let expected: Vec<_> = compiled
                .segments()
                .map(|s| (s.name().to_owned(), s.plan().clone()))
                .collect();
            assert_eq!(plans, expected, "{text:?}");
            assert_eq!(compiled.summary(), summary.summary(), "{text:?}");
            let warnings = |w: Option<hcq::Error>| w.map(|w| w.to_json());
            assert_eq!(warnings(compiled.warnings()), warnings(summary.warnings()));
        }
        (Err(whole), Err(streamed)) => assert_eq!(whole.to_json(), streamed.to_json(), "{text:?}"),
        _ => panic!("the whole-file check and the stream disagree on {text:?}"),
    }
    match whole {
        Err(error) => assert_well_formed(&error, text),
        Ok(compiled) => {
            assert!(read.is_ok(), "compiles but does not read: {text:?}");
            for segment in compiled.segments() {
                let plan = segment.plan();
                assert!(plan.requests.len() <= options.limits.max_requests);
                for request in &plan.requests {
                    assert!(request.limit <= MAX_PAGE);
                    if let Err(why) = hcq::eval::validate(request, &options.schema) {
                        panic!("the API would refuse {}: {why}", plan.to_json());
                    }
                }
            }
        }
    }
    if let Ok(formatted) = hcq::format::format_source("fuzz.hcq", text, &options.limits) {
        match hcq::format::format_source("fuzz.hcq", &formatted, &options.limits) {
            Ok(again) => assert_eq!(again, formatted, "formatting {text:?} twice differs"),
            Err(error) => {
                panic!("formatted {text:?} into {formatted:?}, which does not parse: {error:?}")
            }
        }
        // The same tree (spans aside), read the way the formatter read it.
        let limits = &options.limits;
        if hcq::segment::is_segment_file(text) || hcq::segment::is_blank(text) {
            if let Ok(before) = hcq::syntax::parse_file(text, limits) {
                let after = hcq::syntax::parse_file(&formatted, limits);
                assert_eq!(after.as_ref(), Ok(&before), "{text:?} formatted as {formatted:?}");
            }
        } else if let Ok(before) = hcq::syntax::parse_query(text, limits) {
            let after = hcq::syntax::parse_query(&formatted, limits);
            assert_eq!(after.as_ref(), Ok(&before), "{text:?} formatted as {formatted:?}");
        }
    }
});

fn assert_well_formed(error: &hcq::Error, text: &str) {
    assert!(!error.problems().is_empty());
    for problem in error.problems() {
        assert!(problem.code().is_some(), "no code on {problem}");
        for label in problem.labels().into_iter().flatten() {
            let (start, end) = (label.offset(), label.offset() + label.len());
            assert!(end <= text.len(), "label {start}..{end} past the end of {text:?}");
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "label {start}..{end} splits a character in {text:?}"
            );
        }
    }
}
