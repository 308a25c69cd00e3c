//! Splicing: each segment's expression with the segments it uses put in
//! place of their `@name`s, dependencies first, after measuring how large
//! and deep the result would be so that the bounds hold before anything
//! is copied.

use super::error::{Problems, SegmentError};
use super::outline::{Outline, Size};
use super::resolve::{Components, Graph};
use crate::Problem;
use crate::ast;
use crate::limits::Limits;

/// `expr` with every reference replaced by the spliced expression of the
/// segment it names, as `spliced` gives it for that segment's place;
/// `targets` are the places the references name, in the order written
/// (the resolved graph's, every one known). An `Or` spliced into an `Or`
/// (or an `And` into an `And`) is flattened, as the parser flattens `a or
/// (b or c)`; that is associativity and never changes meaning.
pub(super) fn splice(
    expr: &ast::Expr,
    targets: &[Option<usize>],
    spliced: &mut dyn FnMut(usize) -> ast::Expr,
) -> ast::Expr {
    let mut next = 0;
    splice_each(expr, &mut |_| {
        let target = targets[next].expect("resolved segments have every target");
        next += 1;
        spliced(target)
    })
}

/// [`splice`] with each reference replaced by what `target` gives, in the
/// order written.
fn splice_each(expr: &ast::Expr, target: &mut dyn FnMut(&ast::Ident) -> ast::Expr) -> ast::Expr {
    let kind = match &expr.kind {
        ast::ExprKind::Ref(ident) => return target(ident),
        ast::ExprKind::Not(operand) => ast::ExprKind::Not(Box::new(splice_each(operand, target))),
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
            let is_and = matches!(expr.kind, ast::ExprKind::And(_));
            let mut spliced = Vec::with_capacity(operands.len());
            for operand in operands {
                let operand = splice_each(operand, target);
                match operand.kind {
                    ast::ExprKind::Or(inner) if !is_and => spliced.extend(inner),
                    ast::ExprKind::And(inner) if is_and => spliced.extend(inner),
                    kind => spliced.push(ast::Expr {
                        kind,
                        span: operand.span,
                    }),
                }
            }
            if is_and {
                ast::ExprKind::And(spliced)
            } else {
                ast::ExprKind::Or(spliced)
            }
        }
        ast::ExprKind::Compare { .. } | ast::ExprKind::In { .. } | ast::ExprKind::All => {
            expr.kind.clone()
        }
    };
    ast::Expr {
        kind,
        span: expr.span,
    }
}

/// A segment's expression with the segments it uses spliced in.
pub(super) enum Spliced {
    /// It uses none: the expression as parsed, neither copied nor rebuilt.
    AsWritten,
    /// Built by splicing the segments it uses into a copy of its own.
    Built(ast::Expr),
}

/// Measures every segment whose references all resolve, dependencies
/// first (`order` is [`strongly_connected`](super::resolve::strongly_connected)'s),
/// bounding each spliced segment's size and depth and the file's total
/// size; a segment past a bound, or using one, is marked unresolved in
/// `graph`. Nothing is copied: that is [`splice_all`]'s, or a caller's
/// that splices one segment at a time.
pub(super) fn bound_all(
    segments: &[Outline<'_>],
    order: &Components,
    graph: &mut Graph,
    limits: &Limits,
    problems: &mut Problems,
) {
    let mut sizes = vec![Size::default(); segments.len()];
    let mut total: usize = 0;
    for &i in order.order() {
        if graph.unresolved[i] || graph.edges[i].iter().any(|&t| graph.unresolved[t]) {
            graph.unresolved[i] = true;
            continue;
        }
        let segment = &segments[i];
        let targets = &graph.targets[i];
        let size = segment
            .spliced_size(|k| sizes[targets[k].expect("resolved segments have every target")]);
        sizes[i] = size;
        total = total.saturating_add(size.filters);
        if let Some(error) = bound_error(segment, size, total, limits) {
            report_bound(error, problems);
            graph.unresolved[i] = true;
        }
    }
}

/// Splices every segment [`bound_all`] left resolved, dependencies first.
pub(super) fn splice_all(
    segments: &[ast::Segment],
    order: &Components,
    graph: &Graph,
) -> Vec<Option<Spliced>> {
    let mut spliced: Vec<Option<Spliced>> = (0..segments.len()).map(|_| None).collect();
    for &i in order.order() {
        if graph.unresolved[i] {
            continue;
        }
        let targets = &graph.targets[i];
        if targets.is_empty() {
            spliced[i] = Some(Spliced::AsWritten);
            continue;
        }
        let expr = splice(
            &segments[i].query.expr,
            targets,
            &mut |target| match &spliced[target] {
                Some(Spliced::AsWritten) => segments[target].query.expr.clone(),
                Some(Spliced::Built(expr)) => expr.clone(),
                None => unreachable!("dependencies are spliced first"),
            },
        );
        spliced[i] = Some(Spliced::Built(expr));
    }
    spliced
}

/// The bound `segment` crosses once spliced, at `size`, with the file's
/// segments holding `total` filters so far; `None` when it fits.
fn bound_error(
    segment: &Outline<'_>,
    size: Size,
    total: usize,
    limits: &Limits,
) -> Option<SegmentError> {
    let name = || segment.name.to_owned();
    let span = segment.name_span.into();
    if size.filters > limits.max_filters {
        Some(SegmentError::TooManyFilters {
            name: name(),
            span,
            filters: size.filters,
            max: limits.max_filters,
        })
    } else if size.depth > limits.max_depth {
        Some(SegmentError::TooDeep {
            name: name(),
            span,
            depth: size.depth,
            max: limits.max_depth,
        })
    } else if total > limits.max_file_filters {
        Some(SegmentError::FileTooLarge {
            name: name(),
            span,
            max: limits.max_file_filters,
        })
    } else {
        None
    }
}

/// Reports a crossed bound. Past the file's bound, every later segment is
/// past it too: that one is reported once.
fn report_bound(error: SegmentError, problems: &mut Problems) {
    let file_bound_reported = || {
        problems
            .list
            .iter()
            .any(|p| matches!(p, Problem::Segment(SegmentError::FileTooLarge { .. })))
    };
    if !matches!(error, SegmentError::FileTooLarge { .. }) || !file_bound_reported() {
        problems.push(error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check;
    use crate::segment::testing::*;

    #[test]
    fn spliced_size_is_bounded_before_splicing() {
        // Each segment doubles the last: 2^40 filters if spliced.
        let mut segments = vec![segment("s0", 0, compare("x", "1", 1), vec![])];
        for i in 1..=40 {
            let previous = format!("s{}", i - 1);
            segments.push(segment(
                &format!("s{i}"),
                i * 100,
                or(vec![
                    reference(&previous, i * 100 + 10),
                    reference(&previous, i * 100 + 20),
                ]),
                vec![],
            ));
        }
        let analysis = analyse_segments(segments, &context());
        let errors = segment_errors(&analysis);
        // 2^13 = 8192 is the first count over 4096; later segments use it
        // and report nothing more.
        assert!(
            matches!(
                errors.as_slice(),
                [SegmentError::TooManyFilters { name, filters: 8192, max: 4096, .. }] if name == "s13"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn the_whole_file_is_bounded_once_spliced() {
        let limits = Limits {
            max_filters: 4,
            max_file_filters: 4 * 256,
            ..Limits::default()
        };
        let cx = check::Context {
            limits,
            ..context()
        };
        // `big` holds 4 filters; each user 5: the file's bound is 1024.
        let big = or(vec![
            compare("city", "a", 1),
            compare("city", "b", 2),
            compare("city", "c", 3),
            compare("city", "d", 4),
        ]);
        let mut segments = vec![segment("big", 0, big, vec![])];
        for i in 1..300 {
            segments.push(segment(
                &format!("u{i}"),
                i * 100,
                and(vec![reference("big", i * 100 + 10)]),
                vec![],
            ));
        }
        let analysis = analyse_segments(segments, &cx);
        let errors = segment_errors(&analysis);
        // 4 + 255 × 4 = 1024 fit; the 256th user crosses the bound, once.
        assert!(
            matches!(
                errors.as_slice(),
                [SegmentError::FileTooLarge { name, max: 1024, .. }] if name == "u256"
            ),
            "{errors:?}"
        );
        assert!(analysis.segments[255].query.is_some());
        assert!(analysis.segments[256].query.is_none());
    }

    #[test]
    fn spliced_depth_counts_each_reference_as_parentheses() {
        let mut segments = vec![segment("s0", 0, compare("x", "1", 1), vec![])];
        for i in 1..=100 {
            let previous = format!("s{}", i - 1);
            segments.push(segment(
                &format!("s{i}"),
                i * 100,
                not(reference(&previous, i * 100 + 10)),
                vec![],
            ));
        }
        let analysis = analyse_segments(segments, &context());
        let errors = segment_errors(&analysis);
        // Each level adds `not` and a pair of parentheses: 2 per segment.
        assert!(
            matches!(
                errors.as_slice(),
                [SegmentError::TooDeep { name, depth: 66, max: 64, .. }] if name == "s33"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn splicing_flattens_like_parentheses_would() {
        let target = or(vec![compare("a", "1", 0), compare("b", "2", 0)]);
        let user = or(vec![reference("t", 0), compare("c", "3", 0)]);
        let spliced = splice(&user, &[Some(0)], &mut |_| target.clone());
        assert_eq!(
            spliced,
            or(vec![
                compare("a", "1", 0),
                compare("b", "2", 0),
                compare("c", "3", 0)
            ])
        );
        let user = and(vec![reference("t", 0), compare("c", "3", 0)]);
        assert_eq!(
            splice(&user, &[Some(0)], &mut |_| target.clone()),
            and(vec![target.clone(), compare("c", "3", 0)])
        );
    }
}
