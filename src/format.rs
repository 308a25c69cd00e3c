//! The canonical layout of hcq text (`hcq fmt`).
//!
//! ```text
//! # Leads who write from Gmail
//! segment gmail_leads
//!   email ~ "gmail" and tag = Lead
//!   sort by lastSeen desc
//!   limit 50
//!
//! segment big
//!   email ~ "gmail" and tag = Lead
//!     or city = Kyiv and lastSeen >= now - 30d
//!     or countryCode in (UA, PL, DE)
//! ```
//!
//! - keywords in lower case, one space around operators and after commas;
//! - `segment NAME` on its own line, the expression indented two spaces,
//!   each clause on its own line at the same indentation;
//! - an expression longer than [`MAX_WIDTH`] columns is broken before
//!   each top-level `or`, the continuation lines indented two more spaces
//!   (an expression without a top-level `or` stays on one line, however
//!   long); comments may break it further (below);
//! - parentheses exactly where precedence needs them (`not` binds tighter
//!   than `and`, `and` than `or`) and nowhere else: the tree, not the
//!   user's parentheses, decides, so `(a and b) or c` becomes
//!   `a and b or c` and means the same;
//! - names, words, numbers and dates exactly as written, and `now` too
//!   (compared with a text field, `NOW` is the text "NOW"); quoted strings
//!   quoted again, with escapes;
//! - line ends are `\n`, and a byte-order mark at the start is dropped;
//! - blank lines between segments become exactly one; blank lines around
//!   the comments before a segment (or before the expression of a file
//!   that is one) and at the end of the file are kept, at most one; no
//!   other blank line is.
//!
//! # Comments
//!
//! Each comment stays beside the code it was written after (or before,
//! for a comment on a line of its own), in the segment it was in. The
//! layout sees an item as *pieces*, the smallest units it may put on
//! lines of their own: a segment header, each clause, and the expression
//! cut as far as it can be broken, into the operands of its top-level
//! `or` (an `and` among them cut into its operands) or of its top-level
//! `and`, or else left whole. A comment goes by where it starts:
//!
//! - inside a piece (in parentheses, in a list, between `not` and its
//!   operand, inside a clause or a header), deeper than the layout breaks:
//!   on its own line just before the line holding that piece;
//! - after a piece, on the line where the piece ends: at the end of that
//!   piece's line, two spaces after it;
//! - anywhere else (on a line of its own, or after an `and`, `or`, `(` or
//!   `)` that begins a line): on its own line before the next piece, at
//!   that piece's indentation. After the last piece of a segment, an
//!   indented comment stays at the end of the body (indented two spaces);
//!   from the first comment at column 0 on, they go before the next
//!   segment (or at the end of the file).
//!
//! So comments keep their order and never share a line: only one can be
//! on the line where a piece ends.
//!
//! An expression is broken only where a comment sits between two pieces
//! (or for its width): an `and` chain (the top-level one, or one operand
//! of the top-level `or`) with a comment between two of its operands is
//! broken before each of its `and`s, and the top-level `or` holding such
//! a chain, or a comment between two of its operands, before each `or`.
//! A broken top-level `and` continues two spaces deeper than its first
//! line; a broken `and` inside a broken `or`, two spaces deeper than the
//! `or`s:
//!
//! ```text
//! segment a
//!   email ~ gmail  # from the form
//!       and tag = Lead
//!     or city = Kyiv
//!     # only recent ones
//!     or lastSeen >= now - 30d
//! ```
//!
//! Formatting is idempotent and parses back to the same tree (both are
//! property tests in `tests/format.rs`).

use crate::Error;
use crate::ast::{self, ClauseKind, Expr, ExprKind, Span, Value, ValueKind};
use crate::limits::Limits;
use crate::segment::{self, Strings};
use crate::syntax;
use std::fmt::Write as _;

/// Expressions longer than this many columns (counting indentation) are
/// broken at their top-level `or`s.
pub const MAX_WIDTH: usize = 80;

/// Formats `text` as a segment file when [`segment::is_segment_file`] says
/// it is one (or when it holds only comments), and as a single expression
/// otherwise.
pub fn format_source(name: &str, text: &str, limits: &Limits) -> Result<String, Error> {
    if segment::is_segment_file(text) || segment::is_blank(text) {
        format_file(name, text, limits)
    } else {
        format_query(name, text, limits)
    }
}

/// Formats a segment file. Fails with every parse error of the file (a
/// file that does not parse is left for the user to fix).
pub fn format_file(name: &str, text: &str, limits: &Limits) -> Result<String, Error> {
    let parsed = segment::parse_recovering(text, limits);
    if !parsed.problems.is_empty() {
        return Err(Error::new(name, text, parsed.problems));
    }
    let comments = comments(text);
    let items: Vec<Item<'_>> = parsed.file.segments.iter().map(segment_item).collect();
    Ok(layout(text, &comments, &items))
}

/// Formats one expression with its clauses: the expression from column
/// 0 (broken before `or` as in a segment), each clause on its own line.
pub fn format_query(name: &str, text: &str, limits: &Limits) -> Result<String, crate::Error> {
    let query = syntax::parse_query(text, limits)
        .map_err(|error| crate::Error::new(name, text, vec![error.into()]))?;
    let comments = comments(text);
    Ok(layout(text, &comments, &[query_item(&query)]))
}

/// `expr` on one line, in canonical form.
pub fn expr_to_string(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, Context::Top);
    out
}

/// `query` without comments, in canonical layout from column 0.
pub fn query_to_string(query: &ast::Query) -> String {
    layout("", &[], &[query_item(query)])
}

/// `file` without comments, in canonical layout.
pub fn file_to_string(file: &ast::File) -> String {
    let items: Vec<Item<'_>> = file.segments.iter().map(segment_item).collect();
    layout("", &[], &items)
}

/// The span of every `#` comment in `text` (from `#` to the end of its
/// line, trailing blanks left out), outside string literals.
pub fn comments(text: &str) -> Vec<Span> {
    segment::scan(text, Strings::Exact).comments
}

/// Where an expression is printed, for deciding parentheses.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    OrOperand,
    AndOperand,
    NotOperand,
}

fn needs_parens(kind: &ExprKind, context: Context) -> bool {
    match kind {
        // `Or` directly in `Or` only comes from a tree built that way (the
        // parser flattens); parentheses keep that tree as it is.
        ExprKind::Or(_) => context != Context::Top,
        ExprKind::And(_) => matches!(context, Context::AndOperand | Context::NotOperand),
        // `not not a` reads badly; `not (not a)` is unambiguous.
        ExprKind::Not(_) => context == Context::NotOperand,
        ExprKind::Compare { .. } | ExprKind::In { .. } | ExprKind::Ref(_) => false,
    }
}

// Recursion is bounded by the nesting the parser accepts.
fn write_expr(out: &mut String, expr: &Expr, context: Context) {
    let parens = needs_parens(&expr.kind, context);
    if parens {
        out.push('(');
    }
    match &expr.kind {
        ExprKind::Or(operands) => write_joined(out, operands, " or ", Context::OrOperand),
        ExprKind::And(operands) => write_joined(out, operands, " and ", Context::AndOperand),
        ExprKind::Not(operand) => {
            out.push_str("not ");
            write_expr(out, operand, Context::NotOperand);
        }
        ExprKind::Compare {
            field, op, value, ..
        } => {
            let _ = write!(out, "{} {} ", field.name, op.as_str());
            write_value(out, value);
        }
        ExprKind::In {
            field,
            negated,
            values,
            ..
        } => {
            out.push_str(&field.name);
            out.push_str(if *negated { " not in (" } else { " in (" });
            write_values(out, values);
            out.push(')');
        }
        ExprKind::Ref(ident) => {
            out.push('@');
            out.push_str(&ident.name);
        }
    }
    if parens {
        out.push(')');
    }
}

fn write_joined(out: &mut String, operands: &[Expr], separator: &str, context: Context) {
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        write_expr(out, operand, context);
    }
}

fn write_values(out: &mut String, values: &[Value]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(out, value);
    }
}

fn write_value(out: &mut String, value: &Value) {
    match &value.kind {
        ValueKind::Str(text) => write_quoted(out, text),
        ValueKind::Word(text)
        | ValueKind::Integer(text)
        | ValueKind::Date(text)
        | ValueKind::DateTime(text) => out.push_str(text),
        // The word as written: compared with a text field, `NOW` is the
        // text "NOW".
        ValueKind::Now { word, offset: None } => out.push_str(word),
        ValueKind::Now {
            word,
            offset: Some(offset),
        } => {
            let sign = if offset.minus { '-' } else { '+' };
            let _ = write!(out, "{word} {sign} {}{}", offset.amount, offset.unit);
        }
        ValueKind::List(values) => {
            out.push('[');
            write_values(out, values);
            out.push(']');
        }
    }
}

/// `text` as a string literal the parser reads back as `text`.
fn write_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_clause(clause: &ClauseKind) -> String {
    match clause {
        ClauseKind::Sort { field, order } => match order {
            Some((ast::Order::Asc, _)) => format!("sort by {} asc", field.name),
            Some((ast::Order::Desc, _)) => format!("sort by {} desc", field.name),
            None => format!("sort by {}", field.name),
        },
        ClauseKind::Limit(digits, _) => format!("limit {digits}"),
        ClauseKind::Offset(digits, _) => format!("offset {digits}"),
    }
}

/// What one segment, or the query of a single-expression file, prints:
/// its parts one below the other.
struct Item<'a> {
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

fn segment_item(segment: &ast::Segment) -> Item<'_> {
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

fn query_item(query: &ast::Query) -> Item<'_> {
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

/// Where a comment goes, relative to one piece; ordered as printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum At {
    /// On its own line before the line that begins with the piece (after
    /// every piece: at the end of the file).
    Before,
    /// At the end of the line that ends with the piece.
    EndOfLine,
    /// On its own line at the end of the body of the segment whose last
    /// piece this is.
    EndOfBody,
}

/// A place for a comment: `at` piece number `piece`. Ordered as printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Slot {
    piece: usize,
    at: At,
}

/// Where the comments go.
struct Placed {
    /// Comments on their own lines before the line beginning with piece
    /// `j`; the last entry (one past the pieces) holds those at the end.
    before: Vec<Vec<Span>>,
    /// The comment at the end of the line ending with piece `j`.
    end_of_line: Vec<Option<Span>>,
    /// Comments at the end of the body of item `i`.
    end_of_body: Vec<Vec<Span>>,
}

impl Placed {
    /// Whether a comment sits between pieces `j` and `j + 1`, so that they
    /// must be on different lines.
    fn splits_after(&self, j: usize) -> bool {
        self.end_of_line[j].is_some() || !self.before[j + 1].is_empty()
    }
}

/// The placement rule (the module documentation says it in words).
/// `pieces` are the source ranges of all pieces in order, `owner` the item
/// of each, `bodies` whether each item is a segment.
fn place_comments(
    text: &str,
    comments: &[Span],
    pieces: &[Span],
    owner: &[usize],
    bodies: &[bool],
) -> Placed {
    let count = pieces.len();
    let mut placed = Placed {
        before: vec![Vec::new(); count + 1],
        end_of_line: vec![None; count],
        end_of_body: vec![Vec::new(); bodies.len()],
    };
    // A comment on its own line after piece `last` (before every piece
    // when `None`): before the next piece, unless it is indented after the
    // last piece of a segment, whose body it ends.
    let own_line_after = |last: Option<usize>, comment: Span| match last {
        Some(j)
            if bodies[owner[j]]
                && owner.get(j + 1) != Some(&owner[j])
                && line_start(text, comment.start) < comment.start =>
        {
            Slot {
                piece: j,
                at: At::EndOfBody,
            }
        }
        _ => Slot {
            piece: last.map_or(0, |j| j + 1),
            at: At::Before,
        },
    };
    // Where the last comment went: comments keep their order.
    let mut cursor = Slot {
        piece: 0,
        at: At::Before,
    };
    for &comment in comments {
        let last = pieces
            .partition_point(|p| p.start <= comment.start)
            .checked_sub(1);
        let natural = match last {
            // Inside a piece: deeper than the layout breaks.
            Some(j) if comment.start < pieces[j].end => Slot {
                piece: j,
                at: At::Before,
            },
            // On the line where the piece ends.
            Some(j) if line_start(text, comment.start) < pieces[j].end => Slot {
                piece: j,
                at: At::EndOfLine,
            },
            _ => own_line_after(last, comment),
        };
        // Natural places follow the text, except at the end of a segment:
        // an indented comment after one at column 0 goes where that one
        // went. (Only one comment can be on the line where a piece ends,
        // so no place at the end of a line is taken twice.)
        let slot = natural.max(cursor);
        match slot.at {
            At::Before => placed.before[slot.piece].push(comment),
            At::EndOfLine => {
                debug_assert!(placed.end_of_line[slot.piece].is_none());
                placed.end_of_line[slot.piece] = Some(comment);
            }
            At::EndOfBody => placed.end_of_body[owner[slot.piece]].push(comment),
        }
        cursor = slot;
    }
    placed
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

/// `span` without the blanks and comments at its end. (A parsed span
/// may end past them: pest's implicit whitespace after an optional part
/// that is absent, such as `asc` in `sort by lastSeen`, is kept in it.)
fn trim_span(text: &str, comments: &[Span], span: Span) -> Span {
    let Some(mut covered) = text.get(span.start..span.end) else {
        return span;
    };
    loop {
        covered = covered.trim_end();
        let end = span.start + covered.len();
        // A comment ending exactly here.
        let k = comments.partition_point(|c| c.end < end);
        match comments.get(k) {
            Some(c) if c.end == end && c.start >= span.start => {
                covered = &covered[..c.start - span.start];
            }
            _ => return Span::new(span.start, end),
        }
    }
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
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
fn layout(text: &str, comments: &[Span], items: &[Item<'_>]) -> String {
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

/// Lines of context around each change in [`diff`].
const CONTEXT: usize = 3;

/// Past this many differing lines, [`diff`] stops looking for the
/// smallest difference and shows the differing middle as removed and
/// added: the search takes time and memory quadratic in the difference.
const MAX_EDIT_DISTANCE: usize = 1000;

/// A unified diff from `old` to `new` (`--- path`, `+++ path (formatted)`,
/// hunks with three lines of context), empty when they are equal.
pub fn diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- {path}\n+++ {path} (formatted)\n");
    // Hunks: runs of changes with their context, merged when close.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same))
        .map(|(i, _)| i)
        .collect();
    if changed.is_empty() {
        // Only the final line break differs.
        out.push_str("\\ the files differ only in their final line break\n");
        return out;
    }
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        let start = i.saturating_sub(CONTEXT);
        let end = (i + CONTEXT + 1).min(ops.len());
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    // Line numbers (from 0) in `a` and `b` before each op.
    let mut positions = Vec::with_capacity(ops.len() + 1);
    let (mut x, mut y) = (0, 0);
    for op in &ops {
        positions.push((x, y));
        match op {
            Op::Same => (x, y) = (x + 1, y + 1),
            Op::Delete => x += 1,
            Op::Insert => y += 1,
        }
    }
    positions.push((x, y));
    for (start, end) in hunks {
        let (x0, y0) = positions[start];
        let (x1, y1) = positions[end];
        let range = |from: usize, to: usize| {
            let count = to - from;
            let first = if count == 0 { from } else { from + 1 };
            format!("{first},{count}")
        };
        let _ = writeln!(out, "@@ -{} +{} @@", range(x0, x1), range(y0, y1));
        for (op, &(x, y)) in ops[start..end].iter().zip(&positions[start..end]) {
            let _ = match op {
                Op::Same => writeln!(out, " {}", a[x]),
                Op::Delete => writeln!(out, "-{}", a[x]),
                Op::Insert => writeln!(out, "+{}", b[y]),
            };
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Same,
    Delete,
    Insert,
}

/// The shortest edit script from `a` to `b` (Myers' algorithm, after
/// trimming the common prefix and suffix).
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let middle_a = &a[prefix..a.len() - suffix];
    let middle_b = &b[prefix..b.len() - suffix];
    let mut ops = vec![Op::Same; prefix];
    match myers(middle_a, middle_b) {
        Some(middle) => ops.extend(middle),
        None => {
            ops.extend(std::iter::repeat_n(Op::Delete, middle_a.len()));
            ops.extend(std::iter::repeat_n(Op::Insert, middle_b.len()));
        }
    }
    ops.extend(std::iter::repeat_n(Op::Same, suffix));
    ops
}

/// Myers' O((N+M)·D) diff, keeping for each step only the diagonals it
/// reached, so memory is O(D²). `None` past [`MAX_EDIT_DISTANCE`].
fn myers(a: &[&str], b: &[&str]) -> Option<Vec<Op>> {
    let (n, m) = (a.len() as isize, b.len() as isize);
    let max = (a.len() + b.len()).min(MAX_EDIT_DISTANCE) as isize;
    let offset = max + 1;
    let mut v = vec![0isize; 2 * max as usize + 3];
    let at = |k: isize| (k + offset) as usize;
    // trace[d]: the furthest x on diagonals -d..=d before step d.
    let mut trace: Vec<Vec<isize>> = Vec::new();
    let mut found = None;
    'search: for d in 0..=max {
        trace.push(v[at(-d)..=at(d)].to_vec());
        for k in (-d..=d).step_by(2) {
            let mut x = if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) {
                v[at(k + 1)]
            } else {
                v[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[at(k)] = x;
            if x >= n && y >= m {
                found = Some(d);
                break 'search;
            }
        }
    }
    let distance = found?;
    let mut ops = Vec::new();
    let (mut x, mut y) = (n, m);
    for d in (0..=distance).rev() {
        if d == 0 {
            ops.extend(std::iter::repeat_n(Op::Same, x as usize));
            break;
        }
        let before = &trace[d as usize];
        let get = |k: isize| before[(k + d) as usize];
        let k = x - y;
        let previous_k = if k == -d || (k != d && get(k - 1) < get(k + 1)) {
            k + 1
        } else {
            k - 1
        };
        let previous_x = get(previous_k);
        let previous_y = previous_x - previous_k;
        while x > previous_x && y > previous_y {
            ops.push(Op::Same);
            x -= 1;
            y -= 1;
        }
        if x == previous_x {
            ops.push(Op::Insert);
        } else {
            ops.push(Op::Delete);
        }
        (x, y) = (previous_x, previous_y);
    }
    ops.reverse();
    Some(ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(a: &[&str], b: &[&str], ops: &[Op]) -> Vec<String> {
        let (mut x, mut y) = (0, 0);
        let mut out = Vec::new();
        for op in ops {
            match op {
                Op::Same => {
                    assert_eq!(a[x], b[y]);
                    out.push(a[x].to_owned());
                    x += 1;
                    y += 1;
                }
                Op::Delete => x += 1,
                Op::Insert => {
                    out.push(b[y].to_owned());
                    y += 1;
                }
            }
        }
        assert_eq!((x, y), (a.len(), b.len()));
        out
    }

    #[test]
    fn edit_scripts_turn_old_into_new() {
        let cases: &[(&[&str], &[&str])] = &[
            (&[], &[]),
            (&["a"], &[]),
            (&[], &["a"]),
            (&["a", "b", "c"], &["a", "c"]),
            (
                &["a", "b", "c", "a", "b", "b", "a"],
                &["c", "b", "a", "b", "a", "c"],
            ),
            (&["x", "y"], &["y", "x"]),
        ];
        for (a, b) in cases {
            let ops = edit_script(a, b);
            assert_eq!(apply(a, b, &ops), b.to_vec());
        }
        // The classic example has distance 5.
        let ops = edit_script(
            &["a", "b", "c", "a", "b", "b", "a"],
            &["c", "b", "a", "b", "a", "c"],
        );
        assert_eq!(ops.iter().filter(|op| **op != Op::Same).count(), 5);
    }

    #[test]
    fn diffs_show_hunks_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n";
        assert_eq!(
            diff("f.hcq", old, new),
            "--- f.hcq\n+++ f.hcq (formatted)\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
        assert_eq!(diff("f.hcq", old, old), "");
        assert_eq!(
            diff("f.hcq", "a", "b\n"),
            "--- f.hcq\n+++ f.hcq (formatted)\n@@ -1,1 +1,1 @@\n-a\n+b\n"
        );
    }

    #[test]
    fn a_difference_past_the_bound_shows_the_whole_middle() {
        let a: Vec<String> = (0..MAX_EDIT_DISTANCE + 10).map(|i| i.to_string()).collect();
        let b: Vec<String> = a.iter().map(|s| format!("{s}!")).collect();
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        let ops = edit_script(&a, &b);
        assert_eq!(apply(&a, &b, &ops), b);
    }
}
