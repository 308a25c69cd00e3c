//! The whole compile, text to plan JSON, on arbitrary UTF-8 with a fixed
//! clock. An error must label only bytes of the input; a plan must
//! serialise, read back the same, and hold only requests the API accepts
//! (`limit` at most 100, fields, operators and values of the right type),
//! no more of them than the bound allows.

#![no_main]

use hcq::plan::{MAX_PAGE, Plan};
use libfuzzer_sys::fuzz_target;
use miette::Diagnostic;

fuzz_target!(|text: &str| {
    let options = hcq::Options::at(jiff::Timestamp::from_second(1_717_200_000).unwrap());
    match hcq::compile(text, &options).map(|compiled| compiled.plan) {
        Err(error) => {
            assert!(!error.problems().is_empty());
            for problem in error.problems() {
                assert_spans_inside(problem, text);
            }
        }
        Ok(plan) => {
            let json = plan.to_json();
            let back: Plan = serde_json::from_str(&json).expect("a plan reads back");
            assert_eq!(back, plan);
            assert!(plan.requests.len() <= options.limits.max_requests);
            // Several requests always need merging (one may too, to page past 100 rows).
            assert!(plan.requests.len() <= 1 || plan.merge.is_some());
            for request in &plan.requests {
                assert!(request.limit <= MAX_PAGE, "limit {} in {json}", request.limit);
                if let Err(why) = hcq::eval::validate(request, &options.schema) {
                    panic!("the API would refuse {json}: {why}");
                }
            }
        }
    }
});

fn assert_spans_inside(error: &dyn Diagnostic, text: &str) {
    assert!(error.code().is_some(), "no code on {error}");
    for label in error.labels().into_iter().flatten() {
        let (start, end) = (label.offset(), label.offset() + label.len());
        assert!(end <= text.len(), "label {start}..{end} past the end of {text:?}");
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "label {start}..{end} splits a character in {text:?}"
        );
    }
}
