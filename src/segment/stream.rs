//! Checking a large segment file without holding every segment's tree,
//! checked query and plan at once: a 16 MiB file's trees alone take 17
//! times its size. The file is cut at its `segment` lines and worked on a
//! segment at a time, on every core:
//!
//! 1. each segment is parsed on its own and kept as an [`Outline`]; one
//!    that uses no other segment (most) is checked and lowered right away;
//! 2. the outlines are resolved and bounded as [`super::analyse`] does;
//! 3. each segment that uses others is parsed again, the segments it uses
//!    are parsed and spliced in (the last few kept for its neighbours),
//!    and it is checked and lowered.
//!
//! Each lowered segment is handed to the caller's `make` at once, which
//! keeps what it needs of it (`hcq check` its cost, not its plan). The
//! problems are collected in the order the whole-file check collects
//! them, so the report is the same. A file that does not parse segment
//! by segment, each chunk one segment, gets `None`: its caller checks it
//! whole, which also finds where it is broken.

use super::analyse::{check_parts, resolve};
use super::compiled::{CompiledSegment, Info};
use super::error::Problems;
use super::outline::Outline;
use super::parallel::in_chunks;
use super::parse::shift_segment;
use super::resolve::Graph;
use super::splice::splice;
use crate::Problem;
use crate::ast;
use crate::check;
use crate::lower::{self, PlanOptions};
use crate::syntax::{self, lexical};
use std::collections::{HashMap, HashSet};

/// The most spliced expressions a worker keeps for the next segments that
/// use the same ones: neighbours often do (a chain of segments, each
/// using the last), and the memory stays a few MiB.
const KEPT_SPLICES: usize = 256;

/// What checking a file a segment at a time gives: `make`'s product for
/// each segment that lowered, in file order, and every problem.
pub(super) struct Streamed<R> {
    pub(super) products: Vec<R>,
    pub(super) problems: Problems,
}

/// What is found of one segment, apart from resolving.
struct Found<R> {
    /// `make`'s product, when it lowered.
    product: Option<R>,
    /// Its problems, if any: few segments have one, so they are boxed,
    /// and a file's worth of `Found`s stays small.
    problems: Option<Box<SegmentProblems>>,
}

/// One segment's problems, by the stage that found them.
#[derive(Default)]
struct SegmentProblems {
    check: Vec<Problem>,
    /// Lowering's warnings, or its error.
    lowering: Vec<Problem>,
}

impl<R> Found<R> {
    fn new(product: Option<R>, check: Vec<Problem>, lowering: Vec<Problem>) -> Found<R> {
        let problems = (!check.is_empty() || !lowering.is_empty())
            .then(|| Box::new(SegmentProblems { check, lowering }));
        Found { product, problems }
    }

    /// What is left when the segment turns out not to be lowered after
    /// all (a bound crossed): its check errors.
    fn unlowered(self) -> Found<R> {
        let check = self.problems.map(|p| p.check).unwrap_or_default();
        Found::new(None, check, Vec::new())
    }
}

/// Checks and lowers every segment of `text` a segment at a time (see the
/// module's comment), or `None` when it does not cut into segments.
pub(super) fn check_streaming<R: Send>(
    text: &str,
    cx: &check::Context,
    page: &PlanOptions,
    make: &(dyn Fn(CompiledSegment) -> R + Sync),
) -> Option<Streamed<R>> {
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

    // 1. Outlines, and the segments that use none lowered; each core's
    // share is put after the last as it comes, so the file's outlines are
    // never held twice over.
    let first = in_chunks(chunks.clone(), &|part: Vec<Chunk>| {
        let mut outlines = Vec::with_capacity(part.len());
        let mut found = Vec::with_capacity(part.len());
        for chunk in part {
            let (outline, early) = work.first(chunk)?;
            outlines.push(outline);
            found.push(early);
        }
        Some((outlines, found))
    });
    let mut outlines = Vec::with_capacity(chunks.len());
    let mut found = Vec::with_capacity(chunks.len());
    for part in first {
        let (mut part_outlines, mut part_found) = part?;
        outlines.append(&mut part_outlines);
        found.append(&mut part_found);
    }

    // 2. Resolve.
    let mut problems = Problems::default();
    let (graph, _) = resolve(&outlines, &HashSet::new(), &cx.limits, &mut problems);

    // 3. The segments that use others.
    let later: Vec<usize> = (0..outlines.len())
        .filter(|&i| !outlines[i].uses.is_empty())
        .collect();
    let splicing = Splicing {
        work: &work,
        chunks: &chunks,
        outlines: &outlines,
        graph: &graph,
    };
    let done = in_chunks(later.clone(), &|part: Vec<usize>| {
        let mut kept = HashMap::new();
        part.into_iter()
            .map(|i| splicing.check(i, &mut kept))
            .collect::<Vec<_>>()
    });
    for (i, result) in later.into_iter().zip(done.into_iter().flatten()) {
        found[i] = Some(result);
    }

    // Problems in the order the whole-file check finds them: resolving,
    // then checking, then lowering, each in file order.
    let mut found: Vec<Found<R>> = found
        .into_iter()
        .enumerate()
        .map(|(i, found)| {
            let found = found.expect("every segment is found in one of the passes");
            if graph.unresolved[i] {
                found.unlowered()
            } else {
                found
            }
        })
        .collect();
    drop(graph);
    drop(outlines);
    for segment in &mut found {
        if let Some(found) = &mut segment.problems {
            for problem in found.check.drain(..) {
                problems.push(problem);
            }
        }
    }
    let mut products = Vec::with_capacity(found.len());
    for segment in found {
        if let Some(found) = segment.problems {
            for problem in found.lowering {
                problems.push(problem);
            }
        }
        products.extend(segment.product);
    }
    Some(Streamed { products, problems })
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
    let starts = lexical::scan(text, lexical::Strings::Exact).segment_starts;
    let prefix = match starts.first() {
        Some(0) => None,
        Some(&first) => Some(Chunk {
            start: 0,
            end: first,
        }),
        None => Some(Chunk {
            start: 0,
            end: text.len(),
        }),
    };
    let chunks = (0..starts.len())
        .map(|k| Chunk {
            start: starts[k],
            end: starts.get(k + 1).copied().unwrap_or(text.len()),
        })
        .collect();
    (prefix, chunks)
}

/// What every step needs.
struct Work<'a, R> {
    text: &'a str,
    cx: &'a check::Context,
    page: &'a PlanOptions,
    make: &'a (dyn Fn(CompiledSegment) -> R + Sync),
}

impl<'a, R> Work<'a, R> {
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

    /// Step 1 for one chunk: its outline, and when it uses no other
    /// segment, what checking and lowering it finds; `None` when the
    /// chunk is not one segment.
    fn first(&self, chunk: Chunk) -> Option<(Outline<'a>, Option<Found<R>>)> {
        let segment = self.parse(chunk, 1)?.expect("one segment");
        let outline = Outline::in_text(&segment, self.text);
        if !outline.uses.is_empty() {
            return Some((outline, None));
        }
        let found = self.check_and_lower(&outline, &segment.query);
        Some((outline, Some(found)))
    }

    /// Checks `query` (the segment's, references spliced in) and lowers it.
    fn check_and_lower(&self, outline: &Outline<'_>, query: &ast::Query) -> Found<R> {
        let checked = match check::check_query(query, self.cx) {
            Ok(checked) => checked,
            Err(errors) => {
                let check = errors.into_iter().map(Problem::Check).collect();
                return Found::new(None, check, Vec::new());
            }
        };
        let lowered = match lower::lower(&checked, self.page, &self.cx.limits) {
            Ok(lowered) => lowered,
            Err(error) => return Found::new(None, Vec::new(), vec![Problem::Lower(error)]),
        };
        let warnings = lowered
            .warnings
            .iter()
            .cloned()
            .map(Problem::from)
            .collect();
        let info = Info {
            name: ast::Ident {
                name: outline.name.to_owned(),
                span: outline.name_span,
            },
            span: outline.span,
            uses: super::analyse::used_names(outline),
        };
        let compiled = CompiledSegment {
            info,
            query: checked,
            lowered,
        };
        Found::new(Some((self.make)(compiled)), Vec::new(), warnings)
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
    /// Segment `i` (parsed in step 1, so again here) with its references
    /// spliced in, checked and lowered; or, when they cannot be spliced,
    /// its own parts checked, as the whole-file check does.
    fn check(&self, i: usize, kept: &mut HashMap<usize, ast::Expr>) -> Found<R> {
        let segment = self.segment(i);
        if self.graph.unresolved[i] {
            let mut problems = Problems::default();
            check_parts(&segment.query, self.work.cx, &mut problems);
            return Found::new(None, problems.list, Vec::new());
        }
        let query = ast::Query {
            expr: self.spliced(i, &segment.query.expr, kept),
            clauses: segment.query.clauses,
            span: segment.query.span,
        };
        self.work.check_and_lower(&self.outlines[i], &query)
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
        let mut next = 0;
        splice(expr, &mut |_| {
            let target = targets[next].expect("resolved segments have every target");
            next += 1;
            self.target(target, kept)
        })
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
