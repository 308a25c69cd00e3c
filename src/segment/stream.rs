//! Checking a large segment file without holding every segment's tree,
//! checked query and plan at once: a 16 MiB file's trees alone take 17
//! times its size. The file is cut at its `segment` lines and worked on a
//! segment at a time, on every core:
//!
//! 1. each segment is parsed on its own and kept as an [`Outline`];
//! 2. the outlines are resolved and bounded as [`super::analyse`] does;
//! 3. in file order, each segment is parsed again, the segments it uses
//!    are parsed and spliced in (the last few kept for its neighbours),
//!    and it is checked and lowered.
//!
//! Each lowered segment is handed to the caller's `make` on the worker
//! that lowered it, and what `make` makes to the caller's `sink`, in file
//! order, as soon as the segments before it are done (`hcq emit` writes
//! each plan then; `hcq check` keeps only its cost). The problems are
//! collected in the order the whole-file check collects them, so the
//! report is the same. A file that does not parse segment by segment,
//! each chunk one segment, gets `None`: its caller checks it whole, which
//! also finds where it is broken.

use super::analyse::{check_parts, resolve, used_names};
use super::compiled::{CompiledSegment, Info};
use super::error::Problems;
use super::lower::lower_one;
use super::outline::Outline;
use super::parallel::{in_chunks, in_order};
use super::parse::{pieces, shift_segment};
use super::resolve::Graph;
use super::splice::splice;
use super::summary::Cost;
use crate::Problem;
use crate::ast;
use crate::check;
use crate::lower::PlanOptions;
use crate::syntax::{self, lexical};
use std::collections::{HashMap, HashSet};

/// The most spliced expressions a worker keeps for the next segments that
/// use the same ones: neighbours often do (a chain of segments, each
/// using the last), and the memory stays a few MiB.
const KEPT_SPLICES: usize = 256;

/// What checking a file a segment at a time gives besides what `sink`
/// got: the cost of each segment that lowered, in file order, and every
/// problem.
pub(super) struct Streamed {
    pub(super) costs: Vec<Cost>,
    pub(super) problems: Problems,
}

/// What is found of one segment.
struct Found<R> {
    /// Its cost and `make`'s product, when it lowered.
    product: Option<(Cost, R)>,
    check: Vec<Problem>,
    /// Lowering's warnings, or its error.
    lowering: Vec<Problem>,
}

impl<R> Found<R> {
    fn problems(check: Vec<Problem>, lowering: Vec<Problem>) -> Found<R> {
        Found {
            product: None,
            check,
            lowering,
        }
    }
}

/// Checks and lowers every segment of `text` a segment at a time (see the
/// module's comment), or `None` when it does not cut into segments.
pub(super) fn compile_streaming<R: Send>(
    text: &str,
    cx: &check::Context,
    page: &PlanOptions,
    make: &(dyn Fn(CompiledSegment) -> R + Sync),
    sink: &mut dyn FnMut(R),
) -> Option<Streamed> {
    if text.len() > cx.limits.max_file_bytes {
        return None;
    }
    let (prefix, chunks) = cut(text);
    let work = Work {
        text,
        cx,
        page,
        make,
    };
    // The text before the first `segment` line must hold no segment.
    if let Some(prefix) = prefix {
        work.parse(prefix, 0)?;
    }

    // 1. Outlines; each core's share is put after the last as it comes,
    // so the file's outlines are never held twice over.
    let parts = in_chunks(chunks.clone(), &|part: Vec<Chunk>| {
        let mut outlines = Vec::with_capacity(part.len());
        for chunk in part {
            let segment = work.parse(chunk, 1)?.expect("one segment");
            outlines.push(Outline::in_text(&segment, text));
        }
        Some(outlines)
    });
    let mut outlines = Vec::with_capacity(chunks.len());
    for part in parts {
        outlines.append(&mut part?);
    }

    // 2. Resolve.
    let mut problems = Problems::default();
    let (graph, _) = resolve(&outlines, &HashSet::new(), &cx.limits, &mut problems);

    // 3. Every segment, in file order. Problems in the order the
    // whole-file check finds them: resolving (above), then checking, then
    // lowering, each in file order.
    let splicing = Splicing {
        work: &work,
        chunks: &chunks,
        outlines: &outlines,
        graph: &graph,
    };
    let mut costs = Vec::with_capacity(chunks.len());
    let mut check_problems = Vec::new();
    let mut lowering_problems = Vec::new();
    in_order(
        chunks.len(),
        &HashMap::new,
        &|kept, i| splicing.compile(i, kept),
        &mut |found: Found<R>| {
            check_problems.extend(found.check);
            lowering_problems.extend(found.lowering);
            if let Some((cost, product)) = found.product {
                costs.push(cost);
                sink(product);
            }
        },
    );
    for problem in check_problems.into_iter().chain(lowering_problems) {
        problems.push(problem);
    }
    Some(Streamed { costs, problems })
}

/// A piece of the text: from a `segment` line (or the start) to the next.
#[derive(Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
}

/// `text` cut at its `segment` lines (strings read exactly, as the parser
/// reads them), and the text before the first, if any.
fn cut(text: &str) -> (Option<Chunk>, Vec<Chunk>) {
    let starts = lexical::segment_starts(text);
    let mut chunks = pieces(&starts, text.len()).into_iter().map(|piece| Chunk {
        start: piece.start,
        end: piece.end,
    });
    let prefix = if starts.first() == Some(&0) {
        None
    } else {
        chunks.next()
    };
    (prefix, chunks.collect())
}

/// What every step needs.
struct Work<'a, R> {
    text: &'a str,
    cx: &'a check::Context,
    page: &'a PlanOptions,
    make: &'a (dyn Fn(CompiledSegment) -> R + Sync),
}

impl<R> Work<'_, R> {
    /// The segment `chunk` holds, its spans into the whole text, or `None`
    /// when it does not parse or holds other than one segment (`expected`).
    fn parse(&self, chunk: Chunk, expected: usize) -> Option<Option<ast::Segment>> {
        let file = syntax::parse_file(&self.text[chunk.start..chunk.end], &self.cx.limits).ok()?;
        if file.segments.len() != expected {
            return None;
        }
        Some(file.segments.into_iter().next().map(|mut segment| {
            shift_segment(&mut segment, chunk.start);
            segment
        }))
    }

    /// Checks `query` (the segment's, references spliced in) and lowers it.
    fn check_and_lower(
        &self,
        segment: &ast::Segment,
        uses: Vec<String>,
        query: &ast::Query,
    ) -> Found<R> {
        let checked = match check::check_query(query, self.cx) {
            Ok(checked) => checked,
            Err(errors) => {
                let check = errors.into_iter().map(Problem::Check).collect();
                return Found::problems(check, Vec::new());
            }
        };
        let info = Info {
            name: segment.name.clone(),
            span: segment.span,
            uses,
        };
        let compiled = match lower_one(info, checked, self.page, &self.cx.limits) {
            Ok(compiled) => compiled,
            Err(error) => return Found::problems(Vec::new(), vec![Problem::Lower(error)]),
        };
        let warnings = (compiled.lowered.warnings.iter())
            .cloned()
            .map(Problem::from)
            .collect();
        let cost = Cost::of(&compiled);
        Found {
            product: Some((cost, (self.make)(compiled))),
            check: Vec::new(),
            lowering: warnings,
        }
    }
}

/// Step 3: what splicing needs.
struct Splicing<'a, R> {
    work: &'a Work<'a, R>,
    chunks: &'a [Chunk],
    outlines: &'a [Outline<'a>],
    graph: &'a Graph,
}

impl<R> Splicing<'_, R> {
    /// Segment `i` with its references spliced in, checked and lowered;
    /// or, when they cannot be spliced, its own parts checked, as the
    /// whole-file check does.
    fn compile(&self, i: usize, kept: &mut HashMap<usize, ast::Expr>) -> Found<R> {
        let segment = self.segment(i);
        if self.graph.unresolved[i] {
            let mut problems = Problems::default();
            check_parts(&segment.query, self.work.cx, &mut problems);
            return Found::problems(problems.list, Vec::new());
        }
        let uses = used_names(&self.outlines[i]);
        if self.graph.targets[i].is_empty() {
            return self.work.check_and_lower(&segment, uses, &segment.query);
        }
        let query = ast::Query {
            expr: self.spliced(i, &segment.query.expr, kept),
            clauses: segment.query.clauses.clone(),
            span: segment.query.span,
        };
        self.work.check_and_lower(&segment, uses, &query)
    }

    fn segment(&self, i: usize) -> ast::Segment {
        self.work
            .parse(self.chunks[i], 1)
            .flatten()
            .expect("a segment that parsed in step 1 parses again")
    }

    /// `expr`, segment `i`'s, with the segments it uses spliced in.
    fn spliced(
        &self,
        i: usize,
        expr: &ast::Expr,
        kept: &mut HashMap<usize, ast::Expr>,
    ) -> ast::Expr {
        let targets = &self.graph.targets[i];
        if targets.is_empty() {
            return expr.clone();
        }
        splice(expr, targets, &mut |target| self.target(target, kept))
    }

    /// Segment `t`'s expression, references spliced in: kept from an
    /// earlier segment, or parsed and spliced now. Recursion is bounded:
    /// each `@` counts towards the spliced depth, which resolving bounded.
    fn target(&self, t: usize, kept: &mut HashMap<usize, ast::Expr>) -> ast::Expr {
        if let Some(expr) = kept.get(&t) {
            return expr.clone();
        }
        let segment = self.segment(t);
        let expr = self.spliced(t, &segment.query.expr, kept);
        if kept.len() >= KEPT_SPLICES {
            kept.clear();
        }
        kept.insert(t, expr.clone());
        expr
    }
}
