//! Parsing a segment file with recovery: the whole text at once, and when
//! that fails, each chunk that starts at a `segment` line on its own, with
//! the spans of what parsed moved to point into the whole file.

use super::error::{SegmentError, ShiftedParseError};
use crate::Problem;
use crate::ast::{self, Span};
use crate::limits::Limits;
use crate::syntax;
use crate::syntax::lexical::{Strings, scan};
use crate::syntax::token::starts_with_keyword;
use std::collections::HashSet;
use std::ops::Range;

/// The outcome of parsing a file as far as possible.
pub(crate) struct Parsed {
    /// Every segment that parsed, in file order, spans into the whole file.
    pub file: ast::File,
    /// Every parse problem.
    pub problems: Vec<Problem>,
    /// Names of segments that failed to parse, as far as a lexical look at
    /// their first line can tell: references to them are not reported as
    /// unknown.
    pub broken: HashSet<String>,
}

/// Parses `text`, and when it does not parse as a whole, parses each chunk
/// that starts at a `segment` line on its own so that every broken segment
/// is reported.
pub(crate) fn parse_recovering(text: &str, limits: &Limits) -> Parsed {
    let whole = match syntax::parse_file(text, limits) {
        Ok(file) => {
            return Parsed {
                file,
                problems: Vec::new(),
                broken: HashSet::new(),
            };
        }
        Err(error) => error,
    };
    let whole_failure = || Parsed {
        file: ast::File {
            segments: Vec::new(),
        },
        problems: vec![Problem::Parse(whole.clone())],
        broken: HashSet::new(),
    };
    // Bounds on the whole input hold for the whole input, not per chunk.
    if text.len() > limits.max_file_bytes {
        return whole_failure();
    }
    let starts = scan(text, Strings::OneLine).segment_starts;
    let mut parsed = Parsed {
        file: ast::File {
            segments: Vec::new(),
        },
        problems: Vec::new(),
        broken: HashSet::new(),
    };
    for Range { start, end } in pieces(&starts, text.len()) {
        let chunk = without_trailing_comments(&text[start..end]);
        match syntax::parse_file(chunk, limits) {
            Ok(file) => {
                for mut segment in file.segments {
                    shift_segment(&mut segment, start);
                    parsed.file.segments.push(segment);
                }
            }
            Err(error) => {
                let problem = if start == 0 {
                    Problem::Parse(error)
                } else {
                    SegmentError::Parse(ShiftedParseError {
                        error,
                        offset: start,
                    })
                    .into()
                };
                parsed.problems.push(problem);
                if let Some(name) = chunk_name(chunk) {
                    parsed.broken.insert(name.to_owned());
                }
            }
        }
    }
    // The chunks parsed although the whole did not: the split was wrong
    // (a `segment` line inside something), so trust the whole-file error.
    if parsed.problems.is_empty() {
        return whole_failure();
    }
    parsed
}

/// A text of `len` bytes cut at `starts` (its `segment` lines, in
/// order): the text before the first, when there is some or there is no
/// start at all, then each start to the next, the last to the end.
pub(super) fn pieces(starts: &[usize], len: usize) -> Vec<Range<usize>> {
    let before = (starts.first() != Some(&0)).then_some(0);
    let bounds: Vec<usize> = before.into_iter().chain(starts.iter().copied()).collect();
    (0..bounds.len())
        .map(|k| bounds[k]..bounds.get(k + 1).copied().unwrap_or(len))
        .collect()
}

/// `chunk` without the blank and comment-only lines at its end: they
/// belong before the next segment, and an error at the end of a broken
/// segment should point at its last code, not at the next `segment`.
fn without_trailing_comments(chunk: &str) -> &str {
    let mut rest = chunk.trim_end();
    loop {
        let line_start = rest.rfind('\n').map_or(0, |i| i + 1);
        if !rest[line_start..].trim_start().starts_with('#') {
            return rest;
        }
        rest = rest[..line_start].trim_end();
    }
}

/// The name after `segment` on a chunk's first line, read lexically.
fn chunk_name(chunk: &str) -> Option<&str> {
    let chunk = chunk.trim_start();
    if !starts_with_keyword(chunk, "segment") {
        return None;
    }
    let rest = chunk["segment".len()..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

fn shift(span: &mut Span, by: usize) {
    span.start += by;
    span.end += by;
}

pub(super) fn shift_segment(segment: &mut ast::Segment, by: usize) {
    shift(&mut segment.span, by);
    shift(&mut segment.name.span, by);
    shift(&mut segment.query.span, by);
    shift_expr(&mut segment.query.expr, by);
    for clause in &mut segment.query.clauses {
        shift(&mut clause.span, by);
        match &mut clause.kind {
            ast::ClauseKind::Sort { field, order } => {
                shift(&mut field.span, by);
                if let Some((_, span)) = order {
                    shift(span, by);
                }
            }
            ast::ClauseKind::Limit(_, span) | ast::ClauseKind::Offset(_, span) => shift(span, by),
        }
    }
}

// Recursion is bounded: the parser bounds nesting before building a tree.
fn shift_expr(expr: &mut ast::Expr, by: usize) {
    shift(&mut expr.span, by);
    match &mut expr.kind {
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
            for operand in operands {
                shift_expr(operand, by);
            }
        }
        ast::ExprKind::Not(operand) => shift_expr(operand, by),
        ast::ExprKind::Compare {
            field,
            op_span,
            value,
            ..
        } => {
            shift(&mut field.span, by);
            shift(op_span, by);
            shift_value(value, by);
        }
        ast::ExprKind::In {
            field,
            op_span,
            values,
            ..
        } => {
            shift(&mut field.span, by);
            shift(op_span, by);
            for value in values {
                shift_value(value, by);
            }
        }
        ast::ExprKind::Ref(ident) => shift(&mut ident.span, by),
        ast::ExprKind::All => {}
    }
}

fn shift_value(value: &mut ast::Value, by: usize) {
    shift(&mut value.span, by);
    match &mut value.kind {
        ast::ValueKind::Now {
            offset: Some(offset),
            ..
        } => shift(&mut offset.span, by),
        ast::ValueKind::List(values) => {
            for value in values {
                shift_value(value, by);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_their_last_code() {
        assert_eq!(
            without_trailing_comments("segment a\n  x ~ # y\n\n# next\n  # more\n\n"),
            "segment a\n  x ~ # y"
        );
        assert_eq!(without_trailing_comments("# only\n"), "");
    }

    #[test]
    fn pieces_start_with_the_text_before_the_first_segment() {
        assert_eq!(pieces(&[0, 10], 25), [0..10, 10..25]);
        assert_eq!(pieces(&[4, 10], 25), [0..4, 4..10, 10..25]);
        assert_eq!(pieces(&[], 7), vec![Range { start: 0, end: 7 }]);
        assert_eq!(pieces(&[], 0), vec![Range { start: 0, end: 0 }]);
    }

    #[test]
    fn chunk_names_are_read_from_the_first_line() {
        assert_eq!(
            chunk_name("segment gmail_leads\n  email ~"),
            Some("gmail_leads")
        );
        assert_eq!(chunk_name("  segment  a_1-b # x"), Some("a_1"));
        assert_eq!(chunk_name("segment\n"), None);
        assert_eq!(chunk_name("email = x y z"), None);
    }
}
