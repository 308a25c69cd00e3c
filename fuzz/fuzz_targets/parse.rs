//! The parser on arbitrary UTF-8: as an expression and as a segment file.
//! Any result is fine; a panic, a stack overflow or a runaway is not. Every
//! error must label only bytes of the input, on character boundaries.

#![no_main]

use hcq::Limits;
use libfuzzer_sys::fuzz_target;
use miette::Diagnostic;

fuzz_target!(|text: &str| {
    let limits = Limits::default();
    if let Err(error) = hcq::syntax::parse_query(text, &limits) {
        assert_spans_inside(&error, text);
    }
    if let Err(error) = hcq::syntax::parse_file(text, &limits) {
        assert_spans_inside(&error, text);
    }
});

fn assert_spans_inside(error: &dyn Diagnostic, text: &str) {
    for label in error.labels().into_iter().flatten() {
        let (start, end) = (label.offset(), label.offset() + label.len());
        assert!(end <= text.len(), "label {start}..{end} past the end of {text:?}");
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "label {start}..{end} splits a character in {text:?}"
        );
    }
}
