//! Segment files (`*.hcq`): saved, named segments, one file checked as a
//! whole.
//!
//! ```text
//! # Leads who write from Gmail
//! segment gmail_leads
//!   email ~ "gmail" and tag = Lead
//!   sort by lastSeen desc
//!   limit 50
//!
//! segment fresh_gmail_leads
//!   @gmail_leads and lastSeen >= now - 30d
//! ```
//!
//! `@name` uses another segment of the same file as if its expression were
//! written there in parentheses. The file is checked in one pass that
//! reports every problem it can find:
//!
//! 1. parse: the whole text at once, and when that fails, each chunk that
//!    starts at a line beginning with `segment` on its own, so that one
//!    broken segment does not hide the errors of the others;
//! 2. resolve: duplicate names, unknown `@name`s (with "did you mean"),
//!    cycles (found with an iterative Tarjan, so a chain of 10,000 segments
//!    does not overflow the stack), and a bound on how large and how deep a
//!    segment becomes once its references are spliced in;
//! 3. check: each segment with its references spliced in, through
//!    [`crate::check`](mod@crate::check); an error inside `a` is reported once, not again for
//!    every segment that uses `a`;
//! 4. lower (in [`check_file`] and the `compile_*` methods): each segment
//!    to its plan.
//!
//! Clauses (`sort by`, `limit`, `offset`) belong to the segment that is run:
//! those of a segment used through `@` do not apply to the user, and a
//! warning says so.

use crate::ast::{self, Span};
use crate::check;
use crate::limits::Limits;
use crate::lower::{self, Lowered, PlanOptions, Trace};
use crate::plan::Plan;
use crate::schema::{Case, MAX_SUGGESTION_CANDIDATES, Suggester};
use crate::syntax::{self, ParseError};
use crate::{Error, Options, Problem, typed};
use miette::{Diagnostic, LabeledSpan, SourceSpan};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

/// A problem that only a segment file can have.
#[derive(Debug, Clone, thiserror::Error, Diagnostic)]
pub enum SegmentError {
    /// A segment that failed to parse, found while parsing the file piece by
    /// piece; its spans are moved to point into the whole file.
    ///
    /// ```text
    /// segment a
    ///   email ~
    /// ```
    #[error(transparent)]
    #[diagnostic(transparent)]
    Parse(ShiftedParseError),

    /// Two segments with one name.
    ///
    /// ```text
    /// segment leads
    ///   tag = Lead
    /// segment leads
    ///   tag = Paid
    /// ```
    #[error("segment `{name}` is defined twice")]
    #[diagnostic(
        code(hcq::segment::duplicate),
        help("rename one of them; `@{name}` means the first")
    )]
    Duplicate {
        /// The name.
        name: String,
        /// The second definition's name.
        #[label(primary, "defined again here")]
        again: SourceSpan,
        /// The first definition's name.
        #[label("first defined here")]
        first: SourceSpan,
    },

    /// `@name` where no segment of the file has that name.
    ///
    /// ```text
    /// segment a
    ///   @gmial_leads and tag = Paid
    /// ```
    #[error("no segment named `{name}` in this file")]
    #[diagnostic(code(hcq::segment::unknown_reference), help("{}", unknown_help(.suggestion)))]
    UnknownReference {
        /// The name after `@`.
        name: String,
        /// The `@name`.
        #[label("not a segment of this file")]
        span: SourceSpan,
        /// The closest name defined in the file, if one is close.
        suggestion: Option<String>,
    },

    /// Segments that use each other, directly or through others.
    ///
    /// ```text
    /// segment a
    ///   @b and tag = Lead
    /// segment b
    ///   @a or tag = Paid
    /// ```
    #[error("{}", cycle_message(.names))]
    #[diagnostic(
        code(hcq::segment::cycle),
        help("a segment cannot use itself, directly or through others; write one of them out")
    )]
    Cycle {
        /// The segments on the cycle, in file order.
        names: Vec<String>,
        /// Every `@name` that joins two segments of the cycle.
        #[label(collection)]
        uses: Vec<LabeledSpan>,
    },

    /// A segment with clauses used through `@`: its clauses do not apply
    /// to the user.
    ///
    /// ```text
    /// segment a
    ///   tag = Lead
    ///   limit 10
    /// segment b
    ///   @a and city = Kyiv
    /// ```
    #[error("the clauses of `{name}` do not apply where it is used")]
    #[diagnostic(
        code(hcq::segment::ignored_clauses),
        severity(Warning),
        help(
            "`@{name}` brings in only its expression; write `sort by`, `limit` and `offset` on the segment that uses it"
        )
    )]
    IgnoredClauses {
        /// The used segment.
        name: String,
        /// The `@name`.
        #[label(primary, "used here")]
        use_span: SourceSpan,
        /// Each clause of the used segment.
        #[label(collection, "ignored here")]
        clauses: Vec<SourceSpan>,
    },

    /// A segment that holds too many filters once its references are
    /// spliced in (the bound is [`Limits::max_filters`]).
    ///
    /// ```text
    /// segment a   email ~ a or email ~ b
    /// segment b   @a or @a
    /// segment c   @b or @b
    /// …            (each doubling the last)
    /// ```
    #[error("segment `{name}` holds {filters} filters once `@` references are spliced in")]
    #[diagnostic(
        code(hcq::segment::too_many_filters),
        help(
            "a segment may hold at most {max} filters; split it into smaller segments run separately"
        )
    )]
    TooManyFilters {
        /// The segment.
        name: String,
        /// Its name.
        #[label("this segment")]
        span: SourceSpan,
        /// How many filters (saturating).
        filters: usize,
        /// The bound.
        max: usize,
    },

    /// A segment nested too deeply once its references are spliced in
    /// (the bound is [`Limits::max_depth`]; each `@name` counts as the
    /// parentheses it stands for).
    ///
    /// ```text
    /// segment s1  not tag = Lead
    /// segment s2  not @s1
    /// …           (a long chain)
    /// ```
    #[error("segment `{name}` nests {depth} levels deep once `@` references are spliced in")]
    #[diagnostic(
        code(hcq::segment::too_deep),
        help("nesting may be at most {max} levels; use fewer chained references")
    )]
    TooDeep {
        /// The segment.
        name: String,
        /// Its name.
        #[label("this segment")]
        span: SourceSpan,
        /// Its depth (saturating).
        depth: usize,
        /// The bound.
        max: usize,
    },

    /// The file's segments hold more than [`Limits::max_file_filters`]
    /// filters together once references are
    /// spliced in; this segment and those after it (in dependency order)
    /// are not checked.
    ///
    /// ```text
    /// segment big   (4,000 filters)
    /// segment u1    @big and city = Kyiv
    /// segment u2    @big and city = Lviv
    /// …             (hundreds more users of `big`)
    /// ```
    #[error(
        "the file's segments hold more than {max} filters together once `@` references are spliced in"
    )]
    #[diagnostic(
        code(hcq::segment::file_too_large),
        help("each `@big` repeats all of `big`; split the file, or use large segments less often")
    )]
    FileTooLarge {
        /// The segment that crossed the bound.
        name: String,
        /// Its name.
        #[label("the bound is crossed here")]
        span: SourceSpan,
        /// The bound.
        max: usize,
    },

    /// The file's segments together need more requests than the budget
    /// the caller set (for CI: `hcq check --budget N`).
    ///
    /// ```text
    /// segment a   (1 request)
    /// segment b   (3 requests)
    /// ```
    /// with a budget of 2.
    #[error(
        "the segments need {total} API calls together, over the budget of {budget} \
         (at least {seconds} at {REQUESTS_PER_MINUTE} requests a minute)"
    )]
    #[diagnostic(
        code(hcq::segment::over_budget),
        help("make the largest segments cheaper, or raise the budget if the cost is expected")
    )]
    OverBudget {
        /// Requests all segments need.
        total: u64,
        /// The budget.
        budget: u64,
        /// The minimum time, as text.
        seconds: String,
        /// The segments needing the most requests (at most five), with their counts.
        #[label(collection)]
        largest: Vec<LabeledSpan>,
    },
}

fn unknown_help(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("did you mean `@{name}`?"),
        None => "`@name` must name a segment defined in the same file".to_owned(),
    }
}

fn cycle_message(names: &[String]) -> String {
    match names {
        [one] => format!("segment `{one}` uses itself"),
        _ => {
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("segments {} use each other in a cycle", list.join(", "))
        }
    }
}

/// A [`ParseError`] found in a piece of the file, with its labels moved by
/// the piece's offset so that they point into the whole file.
#[derive(Debug, Clone)]
pub struct ShiftedParseError {
    error: ParseError,
    offset: usize,
}

impl ShiftedParseError {
    /// The error as the parser reported it for the piece.
    pub fn error(&self) -> &ParseError {
        &self.error
    }

    /// Where the piece starts in the file.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ShiftedParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl std::error::Error for ShiftedParseError {}

impl Diagnostic for ShiftedParseError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.code()
    }

    fn severity(&self) -> Option<miette::Severity> {
        self.error.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.help()
    }

    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error.url()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let offset = self.offset;
        let labels = self.error.labels()?;
        Some(Box::new(labels.map(move |label| {
            let span = SourceSpan::new((label.offset() + offset).into(), label.len());
            let text = label.label().map(str::to_owned);
            if label.primary() {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

/// Whether `text` holds segments rather than one expression: its first
/// token, after a byte-order mark, whitespace and `#` comments, is the
/// keyword `segment` (in any case).
pub fn is_segment_file(text: &str) -> bool {
    starts_with_keyword(after_trivia(text), "segment")
}

/// Whether `text` holds nothing but a byte-order mark, whitespace and
/// comments: an empty segment file.
pub fn is_blank(text: &str) -> bool {
    after_trivia(text).is_empty()
}

/// `text` from its first token on.
fn after_trivia(text: &str) -> &str {
    let mut rest = text.strip_prefix('\u{feff}').unwrap_or(text);
    loop {
        rest = rest.trim_start();
        match rest.strip_prefix('#') {
            Some(comment) => rest = comment.split_once('\n').map_or("", |(_, after)| after),
            None => return rest,
        }
    }
}

/// Whether `text` starts with `keyword` (ASCII, any case) followed by
/// something that cannot continue a name (the grammar's `kw_end`).
fn starts_with_keyword(text: &str, keyword: &str) -> bool {
    let Some(head) = text.get(..keyword.len()) else {
        return false;
    };
    head.eq_ignore_ascii_case(keyword)
        && !text[keyword.len()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// What a lexical scan finds outside string literals: where `#` comments
/// are and which lines begin with the keyword `segment`.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Each comment's span, from `#` to the end of its line (without the
    /// line break or trailing whitespace).
    pub comments: Vec<Span>,
    /// The offset of `segment` on each line whose first token it is.
    pub segment_starts: Vec<usize>,
}

/// How [`scan`] reads a string literal that reaches a line break.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strings {
    /// As the grammar does: a string may span lines. For text that parses.
    Exact,
    /// As ending at the line break: when looking for segments in text that
    /// does not parse, one unterminated string must not swallow the rest of
    /// the file.
    OneLine,
}

/// Scans `text` for comments and segment starts, outside `"…"` strings
/// (where `\` escapes the next character).
pub(crate) fn scan(text: &str, strings: Strings) -> Scan {
    let mut result = Scan::default();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        if line_start {
            line_start = false;
            while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r') {
                i += 1;
            }
            if starts_with_keyword(&text[i..], "segment") {
                result.segment_starts.push(i);
            }
            continue;
        }
        match bytes[i] {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                let trimmed = i + text[i..end].trim_end().len();
                result.comments.push(Span::new(i, trimmed));
                i = end;
            }
            b'"' => {
                i += 1;
                let one_line = strings == Strings::OneLine;
                while i < bytes.len() && bytes[i] != b'"' && !(one_line && bytes[i] == b'\n') {
                    i += if bytes[i] == b'\\' && !(one_line && bytes.get(i + 1) == Some(&b'\n')) {
                        2
                    } else {
                        1
                    };
                }
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    result
}

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
    let mut bounds: Vec<usize> = Vec::with_capacity(starts.len() + 1);
    if starts.first() != Some(&0) {
        bounds.push(0);
    }
    bounds.extend(&starts);
    let mut parsed = Parsed {
        file: ast::File {
            segments: Vec::new(),
        },
        problems: Vec::new(),
        broken: HashSet::new(),
    };
    for (k, &start) in bounds.iter().enumerate() {
        let end = bounds.get(k + 1).copied().unwrap_or(text.len());
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

fn shift_segment(segment: &mut ast::Segment, by: usize) {
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

/// A `@name` in an expression.
#[derive(Clone, Copy)]
struct Use<'a> {
    /// The name after `@`.
    ident: &'a ast::Ident,
    /// The whole `@name`, for labels.
    span: Span,
}

/// Every `@name` in `expr`, in the order written.
fn collect_refs<'a>(expr: &'a ast::Expr, out: &mut Vec<Use<'a>>) {
    match &expr.kind {
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
            for operand in operands {
                collect_refs(operand, out);
            }
        }
        ast::ExprKind::Not(operand) => collect_refs(operand, out),
        ast::ExprKind::Ref(ident) => out.push(Use {
            ident,
            span: expr.span,
        }),
        ast::ExprKind::Compare { .. } | ast::ExprKind::In { .. } => {}
    }
}

/// The strongly connected components of a graph given by adjacency lists,
/// each component emitted after every component it reaches (dependencies
/// first). Tarjan's algorithm with an explicit stack.
fn strongly_connected(adjacent: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = adjacent.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut next = 0;
    let mut components = Vec::new();
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(&mut (v, ref mut edge)) = calls.last_mut() {
            if let Some(&w) = adjacent[v].get(*edge) {
                *edge += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                components.push(component);
            }
        }
    }
    components
}

/// How large and deep a segment is once its references are spliced in.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    filters: usize,
    /// Nesting of `not` and of the parentheses the tree needs (each `@`
    /// counting as a pair), like the parser's depth.
    depth: usize,
}

fn needs_parens(child: &ast::ExprKind, parent_is_and: bool) -> bool {
    matches!(child, ast::ExprKind::Or(_))
        || (parent_is_and && matches!(child, ast::ExprKind::And(_)))
}

/// The size of `expr` with each reference resolved by `target`, which
/// gives the size of the referenced segment; references are visited in
/// the order written.
fn spliced_size(expr: &ast::Expr, target: &mut dyn FnMut(&ast::Ident) -> Size) -> Size {
    match &expr.kind {
        ast::ExprKind::Compare { .. } => Size {
            filters: 1,
            depth: 0,
        },
        ast::ExprKind::In { values, .. } => Size {
            filters: values.len(),
            depth: 0,
        },
        ast::ExprKind::Ref(ident) => {
            let size = target(ident);
            Size {
                filters: size.filters,
                depth: size.depth.saturating_add(1),
            }
        }
        ast::ExprKind::Not(operand) => {
            let inner = spliced_size(operand, target);
            let parens = usize::from(matches!(
                operand.kind,
                ast::ExprKind::Or(_) | ast::ExprKind::And(_)
            ));
            Size {
                filters: inner.filters,
                depth: inner.depth.saturating_add(1 + parens),
            }
        }
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
            let is_and = matches!(expr.kind, ast::ExprKind::And(_));
            operands.iter().fold(Size::default(), |acc, operand| {
                let inner = spliced_size(operand, target);
                let parens = usize::from(needs_parens(&operand.kind, is_and));
                Size {
                    filters: acc.filters.saturating_add(inner.filters),
                    depth: acc.depth.max(inner.depth.saturating_add(parens)),
                }
            })
        }
    }
}

/// `expr` with every reference replaced by the referenced segment's
/// spliced expression, as `target` gives it; references are visited in
/// the order written. An `Or` spliced into an `Or` (or an `And` into an
/// `And`) is flattened, as the parser flattens `a or (b or c)`; that is
/// associativity and never changes meaning.
fn splice(expr: &ast::Expr, target: &mut dyn FnMut(&ast::Ident) -> ast::Expr) -> ast::Expr {
    let kind = match &expr.kind {
        ast::ExprKind::Ref(ident) => return target(ident),
        ast::ExprKind::Not(operand) => ast::ExprKind::Not(Box::new(splice(operand, target))),
        ast::ExprKind::Or(operands) | ast::ExprKind::And(operands) => {
            let is_and = matches!(expr.kind, ast::ExprKind::And(_));
            let mut spliced = Vec::with_capacity(operands.len());
            for operand in operands {
                let operand = splice(operand, target);
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
        ast::ExprKind::Compare { .. } | ast::ExprKind::In { .. } => expr.kind.clone(),
    };
    ast::Expr {
        kind,
        span: expr.span,
    }
}

/// The largest subtrees of `expr` without references, in the order written.
fn reference_free<'a>(expr: &'a ast::Expr, out: &mut Vec<&'a ast::Expr>) {
    let mut refs = Vec::new();
    collect_refs(expr, &mut refs);
    if refs.is_empty() {
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
        ast::ExprKind::Ref(_) | ast::ExprKind::Compare { .. } | ast::ExprKind::In { .. } => {}
    }
}

/// The defined name closest to `name`, if one is close enough to suggest.
fn suggest<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    Suggester::new(names, Case::Keep).suggest(name)
}

/// The most name comparisons "did you mean" makes for one file; unknown
/// names looked up past it get no suggestion. [`Suggester`] bounds what
/// one comparison costs, so a file's suggestions cost at most a constant
/// however many unknown names it holds (a name too long to suggest for
/// costs no comparison, and spends none of this).
const MAX_SUGGESTION_COMPARISONS: usize = 100 * MAX_SUGGESTION_CANDIDATES;

/// Collects problems, dropping any already collected: an error inside
/// `a` is found again when checking every segment that splices `a` in,
/// with the same message and spans, and is reported once.
#[derive(Default)]
struct Problems {
    list: Vec<Problem>,
    seen: HashSet<(String, Vec<(usize, usize)>)>,
}

impl Problems {
    fn push(&mut self, problem: impl Into<Problem>) {
        let problem = problem.into();
        let labels = problem
            .labels()
            .into_iter()
            .flatten()
            .map(|label| (label.offset(), label.len()))
            .collect();
        if self.seen.insert((problem.to_string(), labels)) {
            self.list.push(problem);
        }
    }

    fn has_errors(&self) -> bool {
        self.list.iter().any(Problem::is_error)
    }
}

/// What analysis learns of one segment.
struct Analysed {
    name: ast::Ident,
    span: Span,
    uses: Vec<String>,
    /// The checked query, with references spliced in; `None` when the
    /// segment or one it uses has an error.
    query: Option<typed::Query>,
}

/// Everything the front end finds in a file.
struct Analysis {
    segments: Vec<Analysed>,
    problems: Problems,
}

/// Parses, resolves and checks every segment of `text`.
fn analyse(text: &str, cx: &check::Context) -> Analysis {
    analyse_parsed(parse_recovering(text, &cx.limits), cx)
}

/// Resolves and checks the segments of a parsed file.
fn analyse_parsed(parsed: Parsed, cx: &check::Context) -> Analysis {
    let mut problems = Problems::default();
    for problem in parsed.problems {
        problems.push(problem);
    }
    let segments = &parsed.file.segments;
    let by_name = index_names(segments, &mut problems);
    let mut graph = resolve_references(segments, &by_name, &parsed.broken, &mut problems);
    let order = strongly_connected(&graph.edges);
    report_cycles(segments, &order, &mut graph, &mut problems);
    warn_ignored_clauses(segments, &graph, &mut problems);
    let mut spliced = splice_all(segments, &order, &mut graph, &cx.limits, &mut problems);

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
        let mut uses: Vec<String> = Vec::new();
        for used in &graph.uses[i] {
            if !uses.contains(&used.ident.name) {
                uses.push(used.ident.name.clone());
            }
        }
        analysed.push(Analysed {
            name: segment.name.clone(),
            span: segment.span,
            uses,
            query,
        });
    }
    Analysis {
        segments: analysed,
        problems,
    }
}

/// Each name's first definition; a later one is reported.
fn index_names<'a>(
    segments: &'a [ast::Segment],
    problems: &mut Problems,
) -> HashMap<&'a str, usize> {
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let name = segment.name.name.as_str();
        match by_name.get(name) {
            Some(&first) => problems.push(SegmentError::Duplicate {
                name: name.to_owned(),
                again: segment.name.span.into(),
                first: segments[first].name.span.into(),
            }),
            None => {
                by_name.insert(name, i);
            }
        }
    }
    by_name
}

/// Who uses whom.
struct Graph<'a> {
    /// Each segment's `@name`s, in the order written.
    uses: Vec<Vec<Use<'a>>>,
    /// The segment each of those names, when it names one, in one list
    /// per segment (an edge for each `@`).
    edges: Vec<Vec<usize>>,
    /// Each `@name`'s segment, in the order of `uses` (`None` for an
    /// unknown name).
    targets: Vec<Vec<Option<usize>>>,
    /// Segments whose references cannot all be spliced in: an unknown
    /// name, a cycle, a bound, or a segment used that has one of those.
    unresolved: Vec<bool>,
}

/// Resolves every `@name`, reporting unknown ones (except names of
/// segments that failed to parse, already reported).
fn resolve_references<'a>(
    segments: &'a [ast::Segment],
    by_name: &HashMap<&str, usize>,
    broken: &HashSet<String>,
    problems: &mut Problems,
) -> Graph<'a> {
    let mut graph = Graph {
        uses: Vec::with_capacity(segments.len()),
        edges: Vec::with_capacity(segments.len()),
        targets: Vec::with_capacity(segments.len()),
        unresolved: vec![false; segments.len()],
    };
    let mut suggestions: HashMap<&str, Option<&str>> = HashMap::new();
    // Each name's first definition, in file order, so that ties between
    // equally close names are broken the same way on every run.
    let mut suggester = Suggester::new(
        segments
            .iter()
            .enumerate()
            .filter(|&(i, s)| by_name.get(s.name.name.as_str()) == Some(&i))
            .map(|(_, s)| s.name.name.as_str()),
        Case::Keep,
    );
    for (i, segment) in segments.iter().enumerate() {
        let mut uses = Vec::new();
        collect_refs(&segment.query.expr, &mut uses);
        let targets: Vec<Option<usize>> = uses
            .iter()
            .map(|used| by_name.get(used.ident.name.as_str()).copied())
            .collect();
        for (used, target) in uses.iter().zip(&targets) {
            let name = used.ident.name.as_str();
            if target.is_some() {
                continue;
            }
            graph.unresolved[i] = true;
            if broken.contains(name) {
                continue;
            }
            let suggestion = match suggestions.get(name) {
                Some(&suggestion) => suggestion,
                None if suggester.comparisons() < MAX_SUGGESTION_COMPARISONS => {
                    let suggestion = suggester.suggest(name);
                    suggestions.insert(name, suggestion);
                    suggestion
                }
                None => None,
            };
            problems.push(SegmentError::UnknownReference {
                name: name.to_owned(),
                span: used.span.into(),
                suggestion: suggestion.map(str::to_owned),
            });
        }
        graph
            .edges
            .push(targets.iter().flatten().copied().collect());
        graph.targets.push(targets);
        graph.uses.push(uses);
    }
    graph
}

/// Reports each cycle (a strongly connected component with more than one
/// segment, or a segment that uses itself), labelling every `@name` that
/// joins two of its segments.
fn report_cycles(
    segments: &[ast::Segment],
    components: &[Vec<usize>],
    graph: &mut Graph<'_>,
    problems: &mut Problems,
) {
    for component in components {
        let cyclic = component.len() > 1 || graph.edges[component[0]].contains(&component[0]);
        if !cyclic {
            continue;
        }
        let members: HashSet<usize> = component.iter().copied().collect();
        let mut uses = Vec::new();
        for &member in component {
            graph.unresolved[member] = true;
            for (used, target) in graph.uses[member].iter().zip(&graph.targets[member]) {
                if target.is_some_and(|t| members.contains(&t)) {
                    let label = format!(
                        "`{}` uses `{}`",
                        segments[member].name.name, used.ident.name
                    );
                    uses.push(LabeledSpan::new_with_span(Some(label), used.span));
                }
            }
        }
        problems.push(SegmentError::Cycle {
            names: component
                .iter()
                .map(|&m| segments[m].name.name.clone())
                .collect(),
            uses,
        });
    }
}

/// Warns at each `@name` whose segment has clauses: they do not apply
/// where it is used.
fn warn_ignored_clauses(segments: &[ast::Segment], graph: &Graph<'_>, problems: &mut Problems) {
    for (uses, targets) in graph.uses.iter().zip(&graph.targets) {
        for (used, target) in uses.iter().zip(targets) {
            let Some(target) = *target else {
                continue;
            };
            let clauses = &segments[target].query.clauses;
            if !clauses.is_empty() {
                problems.push(SegmentError::IgnoredClauses {
                    name: used.ident.name.clone(),
                    use_span: used.span.into(),
                    clauses: clauses.iter().map(|c| c.span.into()).collect(),
                });
            }
        }
    }
}

/// A segment's expression with the segments it uses spliced in.
enum Spliced {
    /// It uses none: the expression as parsed, neither copied nor rebuilt.
    AsWritten,
    /// Built by splicing the segments it uses into a copy of its own.
    Built(ast::Expr),
}

/// Splices every segment whose references all resolve, dependencies
/// first (`order` is [`strongly_connected`]'s), bounding each spliced
/// segment's size and depth and the file's total size.
fn splice_all(
    segments: &[ast::Segment],
    order: &[Vec<usize>],
    graph: &mut Graph<'_>,
    limits: &Limits,
    problems: &mut Problems,
) -> Vec<Option<Spliced>> {
    let mut sizes = vec![Size::default(); segments.len()];
    let mut spliced: Vec<Option<Spliced>> = (0..segments.len()).map(|_| None).collect();
    let mut total: usize = 0;
    let max_total = limits.max_file_filters;
    for &i in order.iter().flatten() {
        if graph.unresolved[i] || graph.edges[i].iter().any(|&t| spliced[t].is_none()) {
            graph.unresolved[i] = true;
            continue;
        }
        let segment = &segments[i];
        let targets = &graph.targets[i];
        // References are visited in the order written, as `uses` lists them.
        let mut next = 0;
        let size = spliced_size(&segment.query.expr, &mut |_| {
            let target = targets[next].expect("resolved segments have every target");
            next += 1;
            sizes[target]
        });
        sizes[i] = size;
        total = total.saturating_add(size.filters);
        let name = || segment.name.name.clone();
        let span = segment.name.span.into();
        let bound = if size.filters > limits.max_filters {
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
        } else if total > max_total {
            Some(SegmentError::FileTooLarge {
                name: name(),
                span,
                max: max_total,
            })
        } else {
            None
        };
        if let Some(error) = bound {
            // Past the file's bound, every later segment is past it too:
            // report it once.
            if !matches!(error, SegmentError::FileTooLarge { .. })
                || !problems
                    .list
                    .iter()
                    .any(|p| matches!(p, Problem::Segment(SegmentError::FileTooLarge { .. })))
            {
                problems.push(error);
            }
            graph.unresolved[i] = true;
            continue;
        }
        if targets.is_empty() {
            spliced[i] = Some(Spliced::AsWritten);
            continue;
        }
        let mut next = 0;
        let expr = splice(&segment.query.expr, &mut |_| {
            let target = targets[next].expect("resolved segments have every target");
            next += 1;
            match &spliced[target] {
                Some(Spliced::AsWritten) => segments[target].query.expr.clone(),
                Some(Spliced::Built(expr)) => expr.clone(),
                None => unreachable!("dependencies are spliced first"),
            }
        });
        spliced[i] = Some(Spliced::Built(expr));
    }
    spliced
}

/// Checks the reference-free parts of a query whose references cannot be
/// spliced in; its clauses are checked with the first part.
fn check_parts(query: &ast::Query, cx: &check::Context, problems: &mut Problems) {
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

/// A checked segment file: every segment parsed, its references resolved
/// and spliced in, and checked against the schema.
///
/// ```
/// # use hcq::segment::SegmentFile;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let text = "segment leads\n  tag = Lead\n\nsegment kyiv_leads\n  @leads and city = Kyiv\n";
/// let file = SegmentFile::parse("segments.hcq", text, &options)?;
/// let names: Vec<&str> = file.segments().map(|s| s.name()).collect();
/// assert_eq!(names, ["leads", "kyiv_leads"]);
/// let lowered = file.compile_segment("kyiv_leads", &options.page).expect("defined")?;
/// assert_eq!(lowered.plan.requests.len(), 1);
/// # Ok::<(), hcq::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct SegmentFile {
    name: String,
    text: Arc<str>,
    segments: Vec<Segment>,
    by_name: HashMap<String, usize>,
    warnings: Vec<Problem>,
    limits: Limits,
}

/// One segment of a checked file.
#[derive(Debug, Clone)]
pub struct Segment {
    name: ast::Ident,
    span: Span,
    uses: Vec<String>,
    query: typed::Query,
}

impl Segment {
    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.name.name
    }

    /// Where its name is written.
    pub fn name_span(&self) -> Span {
        self.name.span
    }

    /// The whole definition, from `segment` to its last clause.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The segments it uses directly through `@`, each once, in the order
    /// first written.
    pub fn uses(&self) -> &[String] {
        &self.uses
    }

    /// Its checked query, with every reference spliced in: what is
    /// lowered to its plan.
    pub fn query(&self) -> &typed::Query {
        &self.query
    }
}

impl SegmentFile {
    /// Parses and checks the segment file `text`, named `name` in
    /// diagnostics. The error holds every problem of the file (and its
    /// warnings); on success, [`SegmentFile::warnings`] has the warnings.
    pub fn parse(name: &str, text: &str, options: &Options) -> Result<SegmentFile, Error> {
        let cx = check_context(options);
        let analysis = analyse(text, &cx);
        if analysis.problems.has_errors() {
            return Err(Error::new(name, text, analysis.problems.list));
        }
        let segments: Vec<Segment> = analysis
            .segments
            .into_iter()
            .map(|a| Segment {
                query: a.query.expect("a file without errors checks every segment"),
                name: a.name,
                span: a.span,
                uses: a.uses,
            })
            .collect();
        let by_name = segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.name.clone(), i))
            .collect();
        Ok(SegmentFile {
            name: name.to_owned(),
            text: text.into(),
            segments,
            by_name,
            warnings: analysis.problems.list,
            limits: cx.limits,
        })
    }

    /// The file's name, as given to [`SegmentFile::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file's text.
    pub fn source_text(&self) -> &str {
        &self.text
    }

    /// The segments, in file order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &Segment> + '_ {
        self.segments.iter()
    }

    /// The segment named `name`.
    pub fn get(&self, name: &str) -> Option<&Segment> {
        self.by_name.get(name).map(|&i| &self.segments[i])
    }

    /// The segment name closest to `name`, for "did you mean" when a
    /// caller asks for a segment that is not there.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        suggest(name, self.segments.iter().map(|s| s.name()))
    }

    /// The warnings found while checking, rendered against the file, or
    /// `None` when there are none.
    pub fn warnings(&self) -> Option<Error> {
        (!self.warnings.is_empty()).then(|| self.report(self.warnings.clone()))
    }

    /// `problems` (say, the warnings of a [`Lowered`]) as a report against
    /// this file.
    pub fn report<P: Into<Problem>>(&self, problems: impl IntoIterator<Item = P>) -> Error {
        let problems = problems.into_iter().map(Into::into).collect();
        Error::new(self.name.clone(), self.text.clone(), problems)
    }

    /// Lowers the segment named `name` to its plan, with `options` over
    /// its clauses; `None` when the file has no such segment (see
    /// [`SegmentFile::suggest`]).
    pub fn compile_segment(
        &self,
        name: &str,
        options: &PlanOptions,
    ) -> Option<Result<Lowered, Error>> {
        let segment = self.get(name)?;
        Some(
            lower::lower(&segment.query, options, &self.limits)
                .map_err(|error| self.report([Problem::Lower(error)])),
        )
    }

    /// Lowers every segment, in file order, with `options` over each one's
    /// clauses. The error holds every segment's lowering errors.
    pub fn compile_all(&self, options: &PlanOptions) -> Result<Compiled, Error> {
        let mut problems = Problems::default();
        let checked = self
            .segments
            .iter()
            .map(|segment| {
                let info = Info {
                    name: segment.name.clone(),
                    span: segment.span,
                    uses: segment.uses.clone(),
                };
                (info, segment.query.clone())
            })
            .collect();
        let compiled = lower_all(checked, options, &self.limits, &mut problems);
        if problems.has_errors() {
            return Err(self.report(problems.list));
        }
        Ok(Compiled {
            name: self.name.clone(),
            text: self.text.clone(),
            segments: compiled,
            warnings: problems.list,
            page: *options,
            limits: self.limits,
        })
    }
}

/// What a caller may want to know of a segment besides its plan.
#[derive(Debug, Clone)]
struct Info {
    name: ast::Ident,
    span: Span,
    uses: Vec<String>,
}

/// Files with at least this many segments are lowered on every core;
/// below it, starting threads would cost more than they save (lowering a
/// segment takes some microseconds).
const PARALLEL_SEGMENTS: usize = 256;

/// Lowers checked segments, in file order, collecting their errors and
/// warnings; each compiled segment keeps its query. Segments are
/// independent once checked, so a large file is lowered in one chunk per
/// core; the results are put back in file order, so the output does not
/// depend on the number of cores.
fn lower_all(
    segments: Vec<(Info, typed::Query)>,
    options: &PlanOptions,
    limits: &Limits,
    problems: &mut Problems,
) -> Vec<CompiledSegment> {
    let lower_one = |(info, query): (Info, typed::Query)| {
        lower::lower(&query, options, limits).map(|lowered| CompiledSegment {
            info,
            query,
            lowered,
        })
    };
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let results: Vec<Result<CompiledSegment, lower::LowerError>> =
        if threads == 1 || segments.len() < PARALLEL_SEGMENTS {
            segments.into_iter().map(lower_one).collect()
        } else {
            // One chunk a core, each in a slot its worker empties; this
            // thread lowers the first chunk, and any chunk whose thread
            // could not be started (a platform without threads, a process
            // at its limit), so that the work never depends on one.
            let chunk_len = segments.len().div_ceil(threads);
            let mut slots = Vec::with_capacity(threads);
            let mut rest = segments;
            while rest.len() > chunk_len {
                let tail = rest.split_off(chunk_len);
                slots.push(Mutex::new(Some(rest)));
                rest = tail;
            }
            slots.push(Mutex::new(Some(rest)));
            let lower_slot = |slot: &Mutex<Option<Vec<(Info, typed::Query)>>>| {
                let chunk = slot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take()
                    .unwrap_or_default();
                chunk.into_iter().map(lower_one).collect::<Vec<_>>()
            };
            let lower_slot = &lower_slot;
            std::thread::scope(|scope| {
                let workers: Vec<_> = slots[1..]
                    .iter()
                    .map(|slot| {
                        std::thread::Builder::new()
                            .spawn_scoped(scope, move || lower_slot(slot))
                            .ok()
                    })
                    .collect();
                let mut results = lower_slot(&slots[0]);
                for (slot, worker) in slots[1..].iter().zip(workers) {
                    match worker {
                        Some(worker) => results.extend(
                            worker
                                .join()
                                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                        ),
                        None => results.extend(lower_slot(slot)),
                    }
                }
                results
            })
        };
    let mut compiled = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(segment) => {
                for warning in &segment.lowered.warnings {
                    problems.push(warning.clone());
                }
                compiled.push(segment);
            }
            Err(error) => problems.push(Problem::Lower(error)),
        }
    }
    compiled
}

/// The checker's context for `options`: the clock read once when it is
/// not fixed.
fn check_context(options: &Options) -> check::Context {
    check::Context {
        schema: options.schema,
        now: options.now.unwrap_or_else(jiff::Timestamp::now),
        limits: options.limits,
    }
}

/// Parses, checks and lowers every segment of a file: everything `hcq
/// check FILE` reports, in one run. `options.page` applies over every
/// segment's clauses; `options.source_name` is not used (`name` is). The error holds every problem of
/// every stage and every segment (a segment that fails to check is not
/// lowered, the others are); on success the result holds each segment's
/// plan and the file's warnings.
///
/// ```
/// # use hcq::segment::check_file;
/// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
/// let text = "segment leads\n  tag = Lead or tag = Trial\n\nsegment kyiv\n  @leads and city = Kyiv\n";
/// let compiled = check_file("segments.hcq", text, &options).unwrap();
/// let counts: Vec<(&str, usize)> = compiled.segments().map(|s| (s.name(), s.requests())).collect();
/// assert_eq!(counts, [("leads", 1), ("kyiv", 2)]);
/// assert_eq!(compiled.budget().total_requests, 3);
/// ```
pub fn check_file(name: &str, text: &str, options: &Options) -> Result<Compiled, Error> {
    let cx = check_context(options);
    let Analysis {
        segments,
        mut problems,
    } = analyse(text, &cx);
    let checked = segments
        .into_iter()
        .filter_map(|segment| {
            let info = Info {
                name: segment.name,
                span: segment.span,
                uses: segment.uses,
            };
            Some((info, segment.query?))
        })
        .collect();
    let compiled = lower_all(checked, &options.page, &cx.limits, &mut problems);
    if problems.has_errors() {
        return Err(Error::new(name, text, problems.list));
    }
    Ok(Compiled {
        name: name.to_owned(),
        text: text.into(),
        segments: compiled,
        warnings: problems.list,
        page: options.page,
        limits: cx.limits,
    })
}

/// Every segment of a file lowered to its plan, in file order.
#[derive(Debug, Clone)]
pub struct Compiled {
    name: String,
    text: Arc<str>,
    segments: Vec<CompiledSegment>,
    warnings: Vec<Problem>,
    /// What every segment was lowered with, to lower one again with its
    /// trace ([`Compiled::trace`]).
    page: PlanOptions,
    limits: Limits,
}

/// One segment and its plan.
#[derive(Debug, Clone)]
pub struct CompiledSegment {
    info: Info,
    query: typed::Query,
    lowered: Lowered,
}

impl CompiledSegment {
    /// The checked query, references spliced in (what `hcq eval` evaluates).
    pub fn query(&self) -> &typed::Query {
        &self.query
    }

    /// The segment's name.
    pub fn name(&self) -> &str {
        &self.info.name.name
    }

    /// Where its name is written.
    pub fn name_span(&self) -> Span {
        self.info.name.span
    }

    /// The whole definition.
    pub fn span(&self) -> Span {
        self.info.span
    }

    /// The segments it uses directly through `@`, each once.
    pub fn uses(&self) -> &[String] {
        &self.info.uses
    }

    /// The lowering: plan and warnings ([`Compiled::trace`] says how it
    /// was reached).
    pub fn lowered(&self) -> &Lowered {
        &self.lowered
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.lowered.plan
    }

    /// The request bodies in the plan.
    pub fn requests(&self) -> usize {
        self.lowered.plan.requests.len()
    }

    /// The most API calls running the plan once takes: one per request
    /// body, and with a `merge`, as many pages of each request as it takes
    /// to hold `merge.offset + merge.limit` rows (`plan.rs`, "The JSON
    /// format").
    pub fn api_calls(&self) -> u64 {
        self.lowered.plan.api_calls()
    }
}

impl Compiled {
    /// The segments and their plans, in file order.
    pub fn segments(&self) -> impl ExactSizeIterator<Item = &CompiledSegment> + '_ {
        self.segments.iter()
    }

    /// The segment named `name`.
    pub fn get(&self, name: &str) -> Option<&CompiledSegment> {
        self.segments.iter().find(|s| s.name() == name)
    }

    /// How the segment named `name` was lowered, stage by stage (what `hcq
    /// explain` shows, with [`CompiledSegment::lowered`]); `None` when the
    /// file has no such segment. Segments are lowered without a trace,
    /// which only explaining needs, so this lowers the segment again.
    ///
    /// ```
    /// # use hcq::segment::check_file;
    /// let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
    /// let text = "segment big_ids\n  id > 500 or id > 1000\n";
    /// let compiled = check_file("segments.hcq", text, &options).unwrap();
    /// let trace = compiled.trace("big_ids").unwrap();
    /// assert_eq!((trace.dnf.len(), trace.simplified.len()), (2, 1));
    /// ```
    pub fn trace(&self, name: &str) -> Option<Trace> {
        let segment = self.get(name)?;
        let (_, trace) = lower::lower_traced(&segment.query, &self.page, &self.limits)
            .expect("lowering is deterministic, and this segment lowered once already");
        Some(trace)
    }

    /// The segment name closest to `name`, for "did you mean".
    pub fn suggest(&self, name: &str) -> Option<&str> {
        suggest(name, self.segments.iter().map(|s| s.name()))
    }

    /// The warnings of the file and of lowering, rendered against the
    /// file, or `None` when there are none.
    pub fn warnings(&self) -> Option<Error> {
        (!self.warnings.is_empty())
            .then(|| Error::new(self.name.clone(), self.text.clone(), self.warnings.clone()))
    }

    /// What running every segment once costs.
    pub fn budget(&self) -> Budget {
        Budget::of(
            self.segments
                .iter()
                .map(CompiledSegment::api_calls)
                .fold(0, u64::saturating_add),
        )
    }

    /// The cost, or an error labelling the costliest segments when it is
    /// over `max_requests` API calls (`hcq check --budget N`, for CI).
    pub fn check_budget(&self, max_requests: u64) -> Result<Budget, Error> {
        let budget = self.budget();
        if budget.total_requests <= max_requests {
            return Ok(budget);
        }
        let mut costliest: Vec<&CompiledSegment> = self.segments.iter().collect();
        costliest.sort_by_key(|s| std::cmp::Reverse(s.api_calls()));
        let largest = costliest
            .iter()
            .take(5)
            .map(|s| {
                let calls = s.api_calls();
                let plural = if calls == 1 { "" } else { "s" };
                LabeledSpan::new_with_span(Some(format!("{calls} API call{plural}")), s.name_span())
            })
            .collect();
        let error = SegmentError::OverBudget {
            total: budget.total_requests,
            budget: max_requests,
            seconds: budget.minimum_time(),
            largest,
        };
        Err(Error::new(
            self.name.clone(),
            self.text.clone(),
            vec![error.into()],
        ))
    }

    /// A table for people (`hcq check FILE`, `hcq list FILE`): a headline
    /// with the file's name, its segment count and [`Budget`], then one line
    /// per segment with its request count (and its API calls when paging
    /// needs more).
    ///
    /// ```text
    /// segments.hcq: 2 segments, 3 API calls, at least 1.5 s at 120 requests a minute
    ///   leads  1 request
    ///   kyiv   2 requests
    /// ```
    pub fn summary(&self) -> String {
        use fmt::Write as _;
        let count = self.segments.len();
        let plural = if count == 1 { "" } else { "s" };
        let mut out = format!(
            "{}: {count} segment{plural}, {}\n",
            self.name,
            self.budget()
        );
        // Align the counts, but not to one very long name.
        let width = self
            .segments
            .iter()
            .map(|s| s.name().chars().count())
            .max()
            .unwrap_or(0)
            .min(32);
        for segment in &self.segments {
            let requests = segment.requests();
            let plural = if requests == 1 { "" } else { "s" };
            let _ = write!(
                out,
                "  {:width$}  {requests} request{plural}",
                segment.name()
            );
            let calls = segment.api_calls();
            if calls != requests as u64 {
                let _ = write!(out, " ({calls} API calls)");
            }
            out.push('\n');
        }
        out
    }

    /// Every plan as one JSON object keyed by segment name, in file order,
    /// pretty-printed like [`Plan::to_json`] (what `hcq emit FILE` prints).
    pub fn to_json(&self) -> String {
        if self.segments.is_empty() {
            return "{}".to_owned();
        }
        let mut out = String::from("{\n");
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            let key = serde_json::to_string(segment.name()).expect("a string serialises");
            let plan = segment.plan().to_json().replace('\n', "\n  ");
            out.push_str("  ");
            out.push_str(&key);
            out.push_str(": ");
            out.push_str(&plan);
        }
        out.push_str("\n}");
        out
    }
}

/// The API's rate limit for a whole account (docs/SEMANTICS.md, "Rate limit").
pub const REQUESTS_PER_MINUTE: u64 = 120;

/// What running every segment of a file costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// The most API calls running every segment once takes (see
    /// [`CompiledSegment::api_calls`]).
    pub total_requests: u64,
    /// The least time those requests take at [`REQUESTS_PER_MINUTE`],
    /// spread evenly: half a second per request.
    pub minimum_seconds: f64,
}

impl Budget {
    /// The cost of `total_requests` API calls.
    pub fn of(total_requests: u64) -> Budget {
        Budget {
            total_requests,
            // Precision loss above 2^53 requests does not matter here.
            minimum_seconds: total_requests as f64 * 60.0 / REQUESTS_PER_MINUTE as f64,
        }
    }

    /// The minimum time as text: `6.5 s`, `2 min 30 s`.
    pub fn minimum_time(&self) -> String {
        let seconds = self.minimum_seconds;
        if seconds < 60.0 {
            format!("{seconds} s")
        } else {
            let minutes = (seconds / 60.0).floor();
            let rest = seconds - minutes * 60.0;
            if rest == 0.0 {
                format!("{minutes} min")
            } else {
                format!("{minutes} min {rest} s")
            }
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.total_requests == 1 { "" } else { "s" };
        write!(
            f,
            "{} API call{plural}, at least {} at {REQUESTS_PER_MINUTE} requests a minute",
            self.total_requests,
            self.minimum_time()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{CompareOp, Expr, ExprKind, Ident, Value, ValueKind};

    fn ident(name: &str, at: usize) -> Ident {
        Ident {
            name: name.to_owned(),
            span: Span::new(at, at + name.len()),
        }
    }

    fn compare(field: &str, value: &str, at: usize) -> Expr {
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

    fn reference(name: &str, at: usize) -> Expr {
        Expr {
            kind: ExprKind::Ref(ident(name, at)),
            span: Span::new(at, at + name.len() + 1),
        }
    }

    fn or(operands: Vec<Expr>) -> Expr {
        Expr {
            kind: ExprKind::Or(operands),
            span: Span::default(),
        }
    }

    fn and(operands: Vec<Expr>) -> Expr {
        Expr {
            kind: ExprKind::And(operands),
            span: Span::default(),
        }
    }

    fn not(operand: Expr) -> Expr {
        Expr {
            kind: ExprKind::Not(Box::new(operand)),
            span: Span::default(),
        }
    }

    /// A segment named `name` at offset `at` (names in tests are placed
    /// 100 bytes apart so that their spans differ).
    fn segment(name: &str, at: usize, expr: Expr, clauses: Vec<ast::Clause>) -> ast::Segment {
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

    fn limit(at: usize) -> ast::Clause {
        ast::Clause {
            kind: ast::ClauseKind::Limit("10".to_owned(), Span::new(at + 6, at + 8)),
            span: Span::new(at, at + 8),
        }
    }

    fn context() -> check::Context {
        check::Context {
            schema: crate::Schema::CONTACTS,
            now: jiff::Timestamp::UNIX_EPOCH,
            limits: Limits::default(),
        }
    }

    fn analyse_segments(segments: Vec<ast::Segment>, cx: &check::Context) -> Analysis {
        let parsed = Parsed {
            file: ast::File { segments },
            problems: Vec::new(),
            broken: HashSet::new(),
        };
        analyse_parsed(parsed, cx)
    }

    /// The problems only segment files have.
    fn segment_errors(analysis: &Analysis) -> Vec<&SegmentError> {
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

    #[test]
    fn unknown_references_suggest_a_close_name() {
        let analysis = analyse_segments(
            vec![
                segment("gmail_leads", 0, compare("email", "gmail", 20), vec![]),
                segment(
                    "fresh",
                    100,
                    and(vec![reference("gmial_leads", 120), reference("zzz", 140)]),
                    vec![],
                ),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        assert!(matches!(
            errors.as_slice(),
            [
                SegmentError::UnknownReference { name: a, suggestion: Some(s), .. },
                SegmentError::UnknownReference { name: b, suggestion: None, .. },
            ] if a == "gmial_leads" && s == "gmail_leads" && b == "zzz"
        ));
        assert!(analysis.segments[1].query.is_none());
    }

    /// Past the file's budget of comparisons, unknown names get no
    /// suggestion, however close; names too long to suggest for spend
    /// none of it.
    #[test]
    fn suggestions_stop_at_the_file_budget() {
        let defined: Vec<ast::Segment> = (0..1000)
            .map(|i| {
                segment(
                    &format!("seg_{i:04}"),
                    i * 10,
                    compare("id", "1", i * 10 + 5),
                    vec![],
                )
            })
            .collect();
        let long = "x".repeat(crate::schema::MAX_SUGGESTED_LEN + 1);
        let lookups = MAX_SUGGESTION_COMPARISONS / MAX_SUGGESTION_CANDIDATES;
        let mut refs: Vec<ast::Expr> = (0..50)
            .map(|i| reference(&format!("{long}{i}"), 20_000 + i * 100))
            .collect();
        // Typos of defined names, each a new lookup of a full candidate list.
        refs.extend((0..=lookups).map(|i| reference(&format!("seg_{i:04}x"), 30_000 + i * 20)));
        let mut segments = defined;
        segments.push(segment("uses", 19_000, or(refs), vec![]));
        let analysis = analyse_segments(segments, &context());
        let suggestions: Vec<Option<String>> = segment_errors(&analysis)
            .into_iter()
            .filter_map(|error| match error {
                SegmentError::UnknownReference { suggestion, .. } => Some(suggestion.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(suggestions.len(), 50 + lookups + 1);
        assert!(suggestions[..50].iter().all(Option::is_none));
        assert!(suggestions[50..50 + lookups].iter().all(Option::is_some));
        assert_eq!(suggestions[50 + lookups], None);
    }

    #[test]
    fn references_to_segments_that_failed_to_parse_are_not_unknown() {
        let parsed = Parsed {
            file: ast::File {
                segments: vec![segment("a", 0, reference("broken", 20), vec![])],
            },
            problems: Vec::new(),
            broken: HashSet::from(["broken".to_owned()]),
        };
        let analysis = analyse_parsed(parsed, &context());
        assert!(segment_errors(&analysis).is_empty());
    }

    #[test]
    fn duplicates_label_both_definitions() {
        let analysis = analyse_segments(
            vec![
                segment("leads", 0, compare("tag", "Lead", 20), vec![]),
                segment("leads", 100, compare("tag", "Paid", 120), vec![]),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        let [SegmentError::Duplicate { again, first, .. }] = errors.as_slice() else {
            panic!("expected one duplicate, got {errors:?}");
        };
        assert_eq!((first.offset(), again.offset()), (0, 100));
    }

    #[test]
    fn cycles_label_every_use_on_the_cycle() {
        let analysis = analyse_segments(
            vec![
                segment(
                    "a",
                    0,
                    and(vec![reference("b", 20), compare("x", "1", 30)]),
                    vec![],
                ),
                segment("b", 100, reference("c", 120), vec![]),
                segment(
                    "c",
                    200,
                    or(vec![reference("a", 220), reference("d", 230)]),
                    vec![],
                ),
                segment("d", 300, compare("x", "2", 320), vec![]),
                segment("e", 400, reference("e", 420), vec![]),
                segment("f", 500, reference("a", 520), vec![]),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        let cycles: Vec<(&[String], Vec<usize>)> = errors
            .iter()
            .filter_map(|e| match e {
                SegmentError::Cycle { names, uses } => {
                    Some((names.as_slice(), uses.iter().map(|l| l.offset()).collect()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(cycles.len(), 2, "{errors:?}");
        assert!(cycles.contains(&(
            &["a".into(), "b".into(), "c".into()][..],
            vec![20, 120, 220]
        )));
        assert!(cycles.contains(&(&["e".into()][..], vec![420])));
        // `f` uses the cycle and `d` does not: neither is an error of its own.
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn a_long_chain_is_resolved_without_recursion() {
        let n = 20_000;
        let mut segments = vec![segment("s0", 0, compare("x", "1", 1), vec![])];
        for i in 1..n {
            let previous = format!("s{}", i - 1);
            segments.push(segment(
                &format!("s{i}"),
                i * 100,
                reference(&previous, i * 100 + 10),
                vec![],
            ));
        }
        // Close the chain into one big cycle.
        segments[0].query.expr = reference(&format!("s{}", n - 1), 1);
        let analysis = analyse_segments(segments, &context());
        let errors = segment_errors(&analysis);
        assert!(
            matches!(errors.as_slice(), [SegmentError::Cycle { names, .. }] if names.len() == n)
        );
    }

    #[test]
    fn clauses_of_a_used_segment_are_a_warning() {
        let analysis = analyse_segments(
            vec![
                segment("a", 0, compare("tag", "Lead", 20), vec![limit(40)]),
                segment("b", 100, reference("a", 120), vec![]),
                segment("unused", 200, compare("tag", "Paid", 220), vec![limit(240)]),
            ],
            &context(),
        );
        let errors = segment_errors(&analysis);
        let [
            warning @ SegmentError::IgnoredClauses {
                use_span, clauses, ..
            },
        ] = errors.as_slice()
        else {
            panic!("expected one warning, got {errors:?}");
        };
        assert_eq!(warning.severity(), Some(miette::Severity::Warning));
        assert_eq!(use_span.offset(), 120);
        assert_eq!(clauses.iter().map(|c| c.offset()).collect::<Vec<_>>(), [40]);
    }

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
        let spliced = splice(&user, &mut |_| target.clone());
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
            splice(&user, &mut |_| target.clone()),
            and(vec![target.clone(), compare("c", "3", 0)])
        );
    }

    #[test]
    fn strongly_connected_components_come_dependencies_first() {
        // 0 -> 1 -> 2 -> 1, 3 -> 0
        let components = strongly_connected(&[vec![1], vec![2], vec![1], vec![0]]);
        assert_eq!(components, [vec![1, 2], vec![0], vec![3]]);
    }

    #[test]
    fn segment_files_are_recognised_by_their_first_token() {
        assert!(is_segment_file("segment a\n  tag = Lead"));
        assert!(is_segment_file("\u{feff}# a comment\n\n  SEGMENT a"));
        assert!(is_segment_file("# only\nSegment"));
        assert!(!is_segment_file("segments = 1"));
        assert!(!is_segment_file("email ~ gmail # segment"));
        assert!(!is_segment_file("# segment a"));
        assert!(!is_segment_file(""));
        assert!(is_blank("\u{feff} # a\n\n# b"));
        assert!(!is_blank("# a\nx"));
    }

    #[test]
    fn scanning_skips_strings() {
        let text =
            "segment a # one\n  name = \"# not\" # two\n  segment_x = 1\n SEGMENT b\n\"un#\n#three";
        let scan = scan(text, Strings::OneLine);
        let comments: Vec<&str> = scan.comments.iter().map(|c| c.slice(text)).collect();
        assert_eq!(comments, ["# one", "# two", "#three"]);
        let starts: Vec<&str> = scan
            .segment_starts
            .iter()
            .map(|&s| &text[s..s + 9])
            .collect();
        assert_eq!(starts, ["segment a", "SEGMENT b"]);
        // Exactly as the grammar reads it, the string spans lines.
        let text = "x = \"a\n# not\nsegment b\\\"\" # yes\nsegment c";
        let scan = super::scan(text, Strings::Exact);
        let comments: Vec<&str> = scan.comments.iter().map(|c| c.slice(text)).collect();
        assert_eq!(comments, ["# yes"]);
        assert_eq!(scan.segment_starts, [text.len() - 9]);
    }

    #[test]
    fn chunks_end_at_their_last_code() {
        assert_eq!(
            without_trailing_comments("segment a\n  x ~ # y\n\n# next\n  # more\n\n"),
            "segment a\n  x ~ # y"
        );
        assert_eq!(without_trailing_comments("# only\n"), "");
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

    #[test]
    fn budgets_count_half_a_second_a_request() {
        let budget = Budget::of(13);
        assert_eq!(budget.minimum_seconds, 6.5);
        assert_eq!(
            budget.to_string(),
            "13 API calls, at least 6.5 s at 120 requests a minute"
        );
        assert_eq!(Budget::of(300).minimum_time(), "2 min 30 s");
        assert_eq!(Budget::of(240).minimum_time(), "2 min");
        assert_eq!(
            Budget::of(1).to_string(),
            "1 API call, at least 0.5 s at 120 requests a minute"
        );
    }
}
