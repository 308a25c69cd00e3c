//! The parser on arbitrary UTF-8: as an expression and as a segment file,
//! under the default bounds and under a depth bound of 4. Any result is
//! fine; a panic, a stack overflow or a runaway is not. Every error must
//! label only bytes of the input, on character boundaries, and every tree
//! must nest no deeper than the depth bound allows (the bound is checked
//! by a scan before the recursive parser runs; the two must agree). The
//! hand-written fast path and pest alone must give the same result, spans
//! included (compared through `Debug`, which shows them).

#![no_main]

use hcq::Limits;
use hcq::ast::{Expr, ExprKind};
use libfuzzer_sys::fuzz_target;
use miette::Diagnostic;

fuzz_target!(|text: &str| {
    let mut shallow = Limits::default();
    shallow.max_depth = 4;
    for limits in [Limits::default(), shallow] {
        assert_eq!(
            format!("{:?}", hcq::syntax::parse_query(text, &limits)),
            format!("{:?}", hcq::fuzzing::parse_query_with_pest(text, &limits)),
            "the fast path and pest disagree on {text:?}"
        );
        assert_eq!(
            format!("{:?}", hcq::syntax::parse_file(text, &limits)),
            format!("{:?}", hcq::fuzzing::parse_file_with_pest(text, &limits)),
            "the fast path and pest disagree on the file {text:?}"
        );
        match hcq::syntax::parse_query(text, &limits) {
            Ok(query) => assert_depth(&query.expr, &limits, text),
            Err(error) => assert_spans_inside(&error, text),
        }
        match hcq::syntax::parse_file(text, &limits) {
            Ok(file) => {
                for segment in &file.segments {
                    assert_depth(&segment.query.expr, &limits, text);
                }
            }
            Err(error) => assert_spans_inside(&error, text),
        }
    }
});

/// How deeply `and`, `or` and `not` nest in `expr`. Each level below the
/// top needs a parenthesis or a `not`, which the depth bound counts.
fn depth(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::And(operands) | ExprKind::Or(operands) => {
            1 + operands.iter().map(depth).max().unwrap_or(0)
        }
        ExprKind::Not(operand) => 1 + depth(operand),
        ExprKind::Compare { .. } | ExprKind::In { .. } | ExprKind::Ref(_) | ExprKind::All => 0,
    }
}

fn assert_depth(expr: &Expr, limits: &Limits, text: &str) {
    let depth = depth(expr);
    assert!(
        depth <= limits.max_depth + 1,
        "a tree {depth} deep passed the depth bound {} in {text:?}",
        limits.max_depth
    );
}

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
