//! `hcq::decompile` on arbitrary UTF-8 (JSON or not): it returns; an
//! error has a code on every problem and labels inside the input; text it
//! writes is in `fmt`'s layout and compiles (with the schema's bounds
//! lifted where a big input needs them) without an error.

#![no_main]

use hcq::decompile::{Dates, decompile};
use libfuzzer_sys::fuzz_target;
use miette::Diagnostic;

fuzz_target!(|text: &str| {
    for dates in [Dates::Unix, Dates::Iso] {
        match decompile("<fuzz>", text, dates) {
            Err(error) => {
                assert!(!error.problems().is_empty());
                for problem in error.problems() {
                    assert!(problem.code().is_some(), "no code on {problem}");
                    for label in problem.labels().into_iter().flatten() {
                        let end = label.offset() + label.len();
                        assert!(end <= text.len(), "{problem}: label past the end");
                        assert!(text.is_char_boundary(label.offset()) && text.is_char_boundary(end));
                    }
                }
            }
            Ok(query) => {
                let written = hcq::format::query_to_string(&query);
                // The bounds guard hand-written text; decompiled text is
                // as big as its JSON, and flat.
                let mut limits = hcq::Limits::default();
                limits.max_input_bytes = usize::MAX;
                limits.max_filters = usize::MAX;
                limits.max_list_len = usize::MAX;
                limits.max_dnf_terms = usize::MAX;
                limits.max_dnf_filters = usize::MAX;
                limits.max_requests = usize::MAX;
                let formatted = hcq::format::format_query("<text>", &written, &limits)
                    .unwrap_or_else(|e| panic!("{written:?} does not parse: {e:?}"));
                assert_eq!(formatted, written);
                let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH).with_limits(limits);
                if let Err(error) = hcq::compile(&written, &options) {
                    assert!(!error.has_errors(), "{written:?}: {error:?}");
                }
            }
        }
    }
});
