//! The front end of a segment file: parse with recovery, resolve the
//! references, splice them in, and check each segment, collecting every
//! problem; a segment whose references cannot be spliced in still has its
//! own parts checked.

use super::error::Problems;
use super::outline::{Outline, has_refs};
use super::parse::{Parsed, parse_recovering};
use super::resolve::{
    Components, Graph, index_names, report_cycles, resolve_references, strongly_connected,
    warn_ignored_clauses,
};
use super::splice::{Spliced, bound_all, splice_all};
use crate::ast::{self, Span};
use crate::limits::Limits;
use crate::{Problem, check, typed};
use std::collections::HashSet;

/// What analysis learns of one segment.
pub(super) struct Analysed {
    pub(super) name: ast::Ident,
    pub(super) span: Span,
    pub(super) uses: Vec<String>,
    /// The checked query, with references spliced in; `None` when the
    /// segment or one it uses has an error.
    pub(super) query: Option<typed::Query>,
}

/// Everything the front end finds in a file.
pub(super) struct Analysis {
    pub(super) segments: Vec<Analysed>,
    pub(super) problems: Problems,
}

/// Parses, resolves and checks every segment of `text`.
pub(super) fn analyse(text: &str, cx: &check::Context) -> Analysis {
    analyse_parsed(parse_recovering(text, &cx.limits), cx)
}

/// Resolves and checks the segments of a parsed file.
pub(super) fn analyse_parsed(parsed: Parsed, cx: &check::Context) -> Analysis {
    let mut problems = Problems::default();
    for problem in parsed.problems {
        problems.push(problem);
    }
    let segments = &parsed.file.segments;
    let outlines: Vec<Outline> = segments.iter().map(Outline::of).collect();
    let (graph, order) = resolve(&outlines, &parsed.broken, &cx.limits, &mut problems);
    let mut spliced = splice_all(segments, &order, &graph);

    // Check each segment: spliced when possible; otherwise its own
    // reference-free parts, so that its own errors are still found.
    let mut analysed = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let query = match spliced[i].take() {
            Some(spliced) => {
                let checked = match spliced {
                    Spliced::AsWritten => check::check_query(&segment.query, cx),
                    Spliced::Built(expr) => {
                        let query = ast::Query {
                            expr,
                            clauses: segment.query.clauses.clone(),
                            span: segment.query.span,
                        };
                        check::check_query(&query, cx)
                    }
                };
                checked
                    .map_err(|errors| {
                        for error in errors {
                            problems.push(Problem::Check(error));
                        }
                    })
                    .ok()
            }
            None => {
                check_parts(&segment.query, cx, &mut problems);
                None
            }
        };
        analysed.push(Analysed {
            name: segment.name.clone(),
            span: segment.span,
            uses: used_names(&outlines[i]),
            query,
        });
    }
    Analysis {
        segments: analysed,
        problems,
    }
}

/// Resolves the references of `segments` and bounds what splicing them
/// makes, reporting duplicate names, unknown references, cycles, ignored
/// clauses and crossed bounds, in that order; the graph marks the
/// segments that cannot be spliced, and the order puts dependencies first.
pub(super) fn resolve(
    segments: &[Outline<'_>],
    broken: &HashSet<String>,
    limits: &Limits,
    problems: &mut Problems,
) -> (Graph, Components) {
    let by_name = index_names(segments, problems);
    let mut graph = resolve_references(segments, &by_name, broken, problems);
    let order = strongly_connected(&graph.edges);
    report_cycles(segments, &order, &mut graph, problems);
    warn_ignored_clauses(segments, &graph, problems);
    bound_all(segments, &order, &mut graph, limits, problems);
    (graph, order)
}

/// The names a segment uses, each once, in the order first written.
pub(super) fn used_names(segment: &Outline<'_>) -> Vec<String> {
    let mut uses: Vec<String> = Vec::new();
    for used in &segment.uses {
        if !uses.iter().any(|name| name == used.name) {
            uses.push(used.name.to_owned());
        }
    }
    uses
}

/// Checks the reference-free parts of a query whose references cannot be
/// spliced in; its clauses are checked with the first part.
pub(super) fn check_parts(query: &ast::Query, cx: &check::Context, problems: &mut Problems) {
    let mut parts = Vec::new();
    reference_free(&query.expr, &mut parts);
    for (k, part) in parts.into_iter().enumerate() {
        let clauses = if k == 0 {
            query.clauses.clone()
        } else {
            Vec::new()
        };
        let part = ast::Query {
            expr: part.clone(),
            clauses,
            span: query.span,
        };
        let result = check::check_query(&part, cx);
        if let Err(errors) = result {
            for error in errors {
                problems.push(Problem::Check(error));
            }
        }
    }
}

/// The largest subtrees of `expr` without references, in the order written.
fn reference_free<'a>(expr: &'a ast::Expr, out: &mut Vec<&'a ast::Expr>) {
    if !has_refs(expr) {
        out.push(expr);
        return;
    }
    match &expr.kind {
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
            for operand in operands {
                reference_free(operand, out);
            }
        }
        ast::ExprKind::Not(operand) => reference_free(operand, out),
        ast::ExprKind::Ref(_)
        | ast::ExprKind::Compare { .. }
        | ast::ExprKind::In { .. }
        | ast::ExprKind::All => {}
    }
}
