//! Items (segments, or one query) as lines: the expression cut into
//! pieces, broken before `or`s (and `and`s) where its width or a comment
//! needs, with the comments placed by `comments.rs` printed beside them.

use super::comments::{Placed, line_start, place_comments, trim_span};
use super::print::{Context, write_clause, write_expr};
use super::{MAX_WIDTH, expr_to_string};
use crate::ast::{self, Expr, ExprKind, Span};
use std::fmt::Write as _;

/// What one segment, or the query of a single-expression file, prints:
/// its parts one below the other.
pub(super) struct Item<'a> {
    parts: Vec<Part<'a>>,
    /// The indentation of the comments kept at the end of a segment's
    /// body; `None` for a query, whose comments after it go after it.
    body: Option<usize>,
}

/// A part of an item, at its indentation.
struct Part<'a> {
    indent: usize,
    kind: PartKind<'a>,
}

enum PartKind<'a> {
    /// A segment header or a clause: one line, never broken.
    Fixed { span: Span, text: String },
    /// An expression, broken where its width or its comments need.
    Expr(&'a Expr),
}

pub(super) fn segment_item(segment: &ast::Segment) -> Item<'_> {
    let mut parts = vec![Part {
        indent: 0,
        kind: PartKind::Fixed {
            span: Span::new(segment.span.start, segment.name.span.end),
            text: format!("segment {}", segment.name.name),
        },
    }];
    parts.extend(query_parts(&segment.query, 2));
    Item {
        parts,
        body: Some(2),
    }
}

pub(super) fn query_item(query: &ast::Query) -> Item<'_> {
    Item {
        parts: query_parts(query, 0),
        body: None,
    }
}

fn query_parts(query: &ast::Query, indent: usize) -> Vec<Part<'_>> {
    let mut parts = vec![Part {
        indent,
        kind: PartKind::Expr(&query.expr),
    }];
    parts.extend(query.clauses.iter().map(|clause| Part {
        indent,
        kind: PartKind::Fixed {
            span: clause.span,
            text: write_clause(&clause.kind),
        },
    }));
    parts
}

/// The pieces of `expr`, the smallest units the layout may put on lines
/// of their own, in order: the operands of a top-level `or` (an `and`
/// among them cut into its operands), or the operands of a top-level
/// `and`, or `expr` itself.
fn pieces(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Or(operands) => {
            let mut pieces = Vec::new();
            for operand in operands {
                match &operand.kind {
                    ExprKind::And(inner) => pieces.extend(inner),
                    _ => pieces.push(operand),
                }
            }
            pieces
        }
        ExprKind::And(operands) => operands.iter().collect(),
        _ => vec![expr],
    }
}

/// The number of pieces `operand` of a top-level `or` has.
fn piece_count(operand: &Expr) -> usize {
    match &operand.kind {
        ExprKind::And(inner) => inner.len(),
        _ => 1,
    }
}

/// One output line: its pieces are `first..=last`.
struct Line {
    indent: usize,
    text: String,
    first: usize,
    last: usize,
}

/// The lines of `part`, whose first piece is number `first`.
fn part_lines(part: &Part<'_>, first: usize, placed: &Placed) -> Vec<Line> {
    let indent = part.indent;
    let expr = match &part.kind {
        PartKind::Fixed { text, .. } => {
            return vec![Line {
                indent,
                text: text.clone(),
                first,
                last: first,
            }];
        }
        PartKind::Expr(expr) => *expr,
    };
    // Whether a comment sits between two of the `count` pieces from `from`.
    let split =
        |from: usize, count: usize| (from..from + count - 1).any(|j| placed.splits_after(j));
    let whole = expr_to_string(expr);
    let count = match &expr.kind {
        ExprKind::Or(operands) => {
            let count = operands.iter().map(piece_count).sum();
            let too_wide = indent + whole.chars().count() > MAX_WIDTH;
            if too_wide || split(first, count) {
                return or_lines(operands, indent, first, &split);
            }
            count
        }
        ExprKind::And(operands) => {
            if split(first, operands.len()) {
                let mut lines = Vec::new();
                and_lines(&mut lines, operands, "", (indent, indent + 2), first);
                return lines;
            }
            operands.len()
        }
        _ => 1,
    };
    vec![Line {
        indent,
        text: whole,
        first,
        last: first + count - 1,
    }]
}

/// A top-level `or` broken before each `or`, and each `and` among its
/// operands broken where `split` says, two spaces deeper than the `or`s.
fn or_lines(
    operands: &[Expr],
    indent: usize,
    first: usize,
    split: &dyn Fn(usize, usize) -> bool,
) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut piece = first;
    for (i, operand) in operands.iter().enumerate() {
        let (prefix, line_indent) = if i == 0 {
            ("", indent)
        } else {
            ("or ", indent + 2)
        };
        let count = piece_count(operand);
        match &operand.kind {
            ExprKind::And(inner) if split(piece, count) => {
                and_lines(&mut lines, inner, prefix, (line_indent, indent + 4), piece);
            }
            _ => {
                let mut text = prefix.to_owned();
                write_expr(&mut text, operand, Context::OrOperand);
                lines.push(Line {
                    indent: line_indent,
                    text,
                    first: piece,
                    last: piece + count - 1,
                });
            }
        }
        piece += count;
    }
    lines
}

/// An `and` broken before each `and`: the first operand after `prefix`
/// at the first indentation, the others at the second.
fn and_lines(
    lines: &mut Vec<Line>,
    operands: &[Expr],
    prefix: &str,
    (indent, continued): (usize, usize),
    first: usize,
) {
    for (i, operand) in operands.iter().enumerate() {
        let mut text = if i == 0 { prefix } else { "and " }.to_owned();
        write_expr(&mut text, operand, Context::AndOperand);
        lines.push(Line {
            indent: if i == 0 { indent } else { continued },
            text,
            first: first + i,
            last: first + i,
        });
    }
}

/// Whether the source line before the one holding `offset` is blank.
fn blank_line_before(text: &str, offset: usize) -> bool {
    let start = line_start(text, offset);
    if start == 0 {
        return false;
    }
    let previous = line_start(text, start - 1);
    text[previous..start].trim().is_empty()
}

/// Prints items (segments, or one query) one blank line apart, with the
/// comments of `text` placed.
pub(super) fn layout(text: &str, comments: &[Span], items: &[Item<'_>]) -> String {
    let mut spans = Vec::new();
    let mut owner = Vec::new();
    for (i, item) in items.iter().enumerate() {
        for part in &item.parts {
            match &part.kind {
                PartKind::Fixed { span, .. } => spans.push(*span),
                PartKind::Expr(expr) => spans.extend(pieces(expr).iter().map(|p| p.span)),
            }
            owner.resize(spans.len(), i);
        }
    }
    let spans: Vec<Span> = spans
        .into_iter()
        .map(|span| trim_span(text, comments, span))
        .collect();
    let bodies: Vec<bool> = items.iter().map(|item| item.body.is_some()).collect();
    let placed = place_comments(text, comments, &spans, &owner, &bodies);
    let mut out = String::new();
    // Whether `out` ends in a blank line, or is empty: no blank line is
    // printed there.
    let mut at_blank = true;
    let mut piece = 0;
    for (i, item) in items.iter().enumerate() {
        blank(&mut out, &mut at_blank);
        let mut k = 0;
        for part in &item.parts {
            for line in part_lines(part, piece, &placed) {
                let indent = " ".repeat(line.indent);
                let before = &placed.before[line.first];
                for comment in before {
                    if k == 0 && blank_line_before(text, comment.start) {
                        blank(&mut out, &mut at_blank);
                    }
                    let _ = writeln!(out, "{indent}{}", comment.slice(text));
                    at_blank = false;
                }
                if k == 0 && !before.is_empty() && blank_line_before(text, spans[piece].start) {
                    blank(&mut out, &mut at_blank);
                }
                out.push_str(&indent);
                out.push_str(&line.text);
                if let Some(comment) = placed.end_of_line[line.last] {
                    out.push_str("  ");
                    out.push_str(comment.slice(text));
                }
                out.push('\n');
                at_blank = false;
                piece = line.last + 1;
                k += 1;
            }
        }
        if let Some(body) = item.body {
            let indent = " ".repeat(body);
            for comment in &placed.end_of_body[i] {
                let _ = writeln!(out, "{indent}{}", comment.slice(text));
                at_blank = false;
            }
        }
    }
    for comment in &placed.before[spans.len()] {
        if blank_line_before(text, comment.start) {
            blank(&mut out, &mut at_blank);
        }
        let _ = writeln!(out, "{}", comment.slice(text));
        at_blank = false;
    }
    out
}

/// Prints a blank line unless `out` already ends in one (or is empty).
fn blank(out: &mut String, at_blank: &mut bool) {
    if !*at_blank {
        out.push('\n');
        *at_blank = true;
    }
}
