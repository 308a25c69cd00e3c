//! Hand-built segment trees and an analysis of them, for the unit tests of
//! resolving and splicing.

use super::SegmentError;
use super::analyse::{Analysis, analyse_parsed};
use super::parse::Parsed;
use crate::ast::{self, CompareOp, Expr, ExprKind, Ident, Span, Value, ValueKind};
use crate::limits::Limits;
use crate::{Problem, check};
use std::collections::HashSet;

pub(super) fn ident(name: &str, at: usize) -> Ident {
    Ident {
        name: name.to_owned(),
        span: Span::new(at, at + name.len()),
    }
}

pub(super) fn compare(field: &str, value: &str, at: usize) -> Expr {
    Expr {
        kind: ExprKind::Compare {
            field: ident(field, at),
            op: CompareOp::Eq,
            op_span: Span::new(at, at),
            value: Value {
                kind: ValueKind::Word(value.to_owned()),
                span: Span::new(at, at),
            },
        },
        span: Span::new(at, at + 1),
    }
}

pub(super) fn reference(name: &str, at: usize) -> Expr {
    Expr {
        kind: ExprKind::Ref(ident(name, at)),
        span: Span::new(at, at + name.len() + 1),
    }
}

pub(super) fn or(operands: Vec<Expr>) -> Expr {
    Expr {
        kind: ExprKind::Or(operands),
        span: Span::default(),
    }
}

pub(super) fn and(operands: Vec<Expr>) -> Expr {
    Expr {
        kind: ExprKind::And(operands),
        span: Span::default(),
    }
}

pub(super) fn not(operand: Expr) -> Expr {
    Expr {
        kind: ExprKind::Not(Box::new(operand)),
        span: Span::default(),
    }
}

/// A segment named `name` at offset `at` (names in tests are placed
/// 100 bytes apart so that their spans differ).
pub(super) fn segment(
    name: &str,
    at: usize,
    expr: Expr,
    clauses: Vec<ast::Clause>,
) -> ast::Segment {
    ast::Segment {
        name: ident(name, at),
        query: ast::Query {
            expr,
            clauses,
            span: Span::new(at, at + 50),
        },
        span: Span::new(at, at + 60),
    }
}

pub(super) fn limit(at: usize) -> ast::Clause {
    ast::Clause {
        kind: ast::ClauseKind::Limit("10".to_owned(), Span::new(at + 6, at + 8)),
        span: Span::new(at, at + 8),
    }
}

pub(super) fn context() -> check::Context {
    check::Context {
        schema: crate::Schema::CONTACTS,
        now: jiff::Timestamp::UNIX_EPOCH,
        limits: Limits::default(),
    }
}

pub(super) fn analyse_segments(segments: Vec<ast::Segment>, cx: &check::Context) -> Analysis {
    let parsed = Parsed {
        file: ast::File { segments },
        problems: Vec::new(),
        broken: HashSet::new(),
    };
    analyse_parsed(parsed, cx)
}

/// The problems only segment files have.
pub(super) fn segment_errors(analysis: &Analysis) -> Vec<&SegmentError> {
    analysis
        .problems
        .list
        .iter()
        .filter_map(|p| match p {
            Problem::Segment(e) => Some(e),
            _ => None,
        })
        .collect()
}
