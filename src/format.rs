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
//! - an expression longer than [`MAX_WIDTH`] columns, or with a comment
//!   between two of its top-level `or` operands, is broken before each
//!   top-level `or`, the continuation lines indented two more spaces (an
//!   expression without a top-level `or` stays on one line);
//! - parentheses exactly where precedence needs them (`not` binds tighter
//!   than `and`, `and` than `or`) and nowhere else: the tree, not the
//!   user's parentheses, decides, so `(a and b) or c` becomes
//!   `a and b or c` and means the same;
//! - names, words, numbers and dates exactly as written, and `now` too
//!   (compared with a text field, `NOW` is the text "NOW"); quoted strings
//!   quoted again, with escapes;
//! - line ends are `\n`, and a byte-order mark at the start is dropped;
//! - comments kept: a comment on its own line stays before the line that
//!   followed it, a comment after code stays at the end of that code's
//!   line; blank lines between segments become exactly one, and blank
//!   lines around the comments before a segment are kept (at most one).
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
    let items = parsed
        .file
        .segments
        .iter()
        .map(|s| break_long(segment_lines(s), text, &comments))
        .collect();
    Ok(layout(text, &comments, items))
}

/// Formats one expression with its clauses: the expression from column
/// 0 (broken before `or` as in a segment), each clause on its own line.
pub fn format_query(name: &str, text: &str, limits: &Limits) -> Result<String, crate::Error> {
    let query = syntax::parse_query(text, limits)
        .map_err(|error| crate::Error::new(name, text, vec![error.into()]))?;
    let comments = comments(text);
    let lines = break_long(query_lines(&query, 0), text, &comments);
    Ok(layout(text, &comments, vec![lines]))
}

/// `expr` on one line, in canonical form.
pub fn expr_to_string(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, Context::Top);
    out
}

/// `query` without comments, in canonical layout from column 0.
pub fn query_to_string(query: &ast::Query) -> String {
    layout("", &[], vec![break_long(query_lines(query, 0), "", &[])])
}

/// `file` without comments, in canonical layout.
pub fn file_to_string(file: &ast::File) -> String {
    let items = file
        .segments
        .iter()
        .map(|s| break_long(segment_lines(s), "", &[]))
        .collect();
    layout("", &[], items)
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

/// One output line and the source range it comes from.
struct Line<'a> {
    /// The source range, for placing comments.
    span: Span,
    indent: usize,
    text: String,
    /// The expression this line prints, when it may still be broken at
    /// `or`.
    breakable: Option<&'a Expr>,
}

fn segment_lines(segment: &ast::Segment) -> Vec<Line<'_>> {
    let mut lines = vec![Line {
        span: Span::new(segment.span.start, segment.name.span.end),
        indent: 0,
        text: format!("segment {}", segment.name.name),
        breakable: None,
    }];
    lines.extend(query_lines(&segment.query, 2));
    lines
}

fn query_lines(query: &ast::Query, indent: usize) -> Vec<Line<'_>> {
    let mut lines = vec![Line {
        span: query.expr.span,
        indent,
        text: expr_to_string(&query.expr),
        breakable: Some(&query.expr),
    }];
    lines.extend(query.clauses.iter().map(|clause| Line {
        span: clause.span,
        indent,
        text: write_clause(&clause.kind),
        breakable: None,
    }));
    lines
}

/// Breaks each breakable line that is too wide, or that has a comment
/// belonging between two of its `or` operands, before each top-level `or`.
///
/// A comment before the first operand or after the last one stays with
/// the unbroken line; breaking for it would not survive a second
/// formatting, which finds it outside the expression.
fn break_long<'a>(lines: Vec<Line<'a>>, text: &str, comments: &[Span]) -> Vec<Line<'a>> {
    let mut out = Vec::with_capacity(lines.len());
    for mut line in lines {
        line.span = trim_span(text, comments, line.span);
        let Some(Expr {
            kind: ExprKind::Or(operands),
            span,
        }) = line.breakable
        else {
            out.push(line);
            continue;
        };
        let too_wide = line.indent + line.text.chars().count() > MAX_WIDTH;
        let needs_break = too_wide || {
            // Comments are sorted: those inside the expression.
            let first = comments.partition_point(|c| c.start <= span.start);
            let last = comments.partition_point(|c| c.start < span.end);
            let spans: Vec<Span> = operands
                .iter()
                .map(|o| trim_span(text, comments, o.span))
                .collect();
            comments[first..last.max(first)]
                .iter()
                .any(|&c| match place(text, c, &spans) {
                    Place::Leading(j) => j > 0,
                    Place::Trailing(j) => j + 1 < spans.len(),
                    Place::After => false,
                })
        };
        if !needs_break {
            out.push(line);
            continue;
        }
        for (i, operand) in operands.iter().enumerate() {
            let mut printed = String::new();
            if i > 0 {
                printed.push_str("or ");
            }
            write_expr(&mut printed, operand, Context::OrOperand);
            out.push(Line {
                span: trim_span(text, comments, operand.span),
                indent: if i == 0 { line.indent } else { line.indent + 2 },
                text: printed,
                breakable: None,
            });
        }
    }
    out
}

/// Where each comment goes.
#[derive(Default)]
struct Placed {
    /// Comments on their own lines before line `i`.
    leading: Vec<Vec<Span>>,
    /// Comments at the end of line `i`.
    trailing: Vec<Vec<Span>>,
    /// Comments after the last line.
    after: Vec<Span>,
}

/// Where one comment goes, relative to lines with source ranges `lines`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Leading(usize),
    Trailing(usize),
    After,
}

/// The placement rule: a comment inside a line's source range, or after
/// it on the same source line, stays with that line (before it when the
/// comment has a line of its own, at its end otherwise); a comment on its
/// own line between lines goes before the next line.
fn place(text: &str, comment: Span, lines: &[Span]) -> Place {
    let own_line = text[line_start(text, comment.start)..comment.start]
        .trim()
        .is_empty();
    // Lines starting before the comment.
    let before = lines.partition_point(|l| l.start <= comment.start);
    let containing = before
        .checked_sub(1)
        .filter(|&j| comment.start < lines[j].end);
    match (containing, own_line) {
        (Some(j), true) => Place::Leading(j),
        (Some(j), false) => Place::Trailing(j),
        (None, true) if before < lines.len() => Place::Leading(before),
        (None, true) => Place::After,
        (None, false) => match before.checked_sub(1) {
            Some(j) => Place::Trailing(j),
            None if lines.is_empty() => Place::After,
            None => Place::Leading(0),
        },
    }
}

fn place_comments(text: &str, comments: &[Span], lines: &[Span]) -> Placed {
    let mut placed = Placed {
        leading: vec![Vec::new(); lines.len()],
        trailing: vec![Vec::new(); lines.len()],
        after: Vec::new(),
    };
    for &comment in comments {
        match place(text, comment, lines) {
            Place::Leading(j) => placed.leading[j].push(comment),
            Place::Trailing(j) => placed.trailing[j].push(comment),
            Place::After => placed.after.push(comment),
        }
    }
    placed
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
fn layout(text: &str, comments: &[Span], items: Vec<Vec<Line<'_>>>) -> String {
    let spans: Vec<Span> = items.iter().flatten().map(|line| line.span).collect();
    let placed = place_comments(text, comments, &spans);
    let mut out = String::new();
    // Whether `out` ends in a blank line, or is empty: no blank line is
    // printed there.
    let mut at_blank = true;
    let mut index = 0;
    for item in &items {
        blank(&mut out, &mut at_blank);
        for (k, line) in item.iter().enumerate() {
            let indent = " ".repeat(line.indent);
            let leading = &placed.leading[index];
            for comment in leading {
                if k == 0 && blank_line_before(text, comment.start) {
                    blank(&mut out, &mut at_blank);
                }
                let _ = writeln!(out, "{indent}{}", comment.slice(text));
                at_blank = false;
            }
            if k == 0 && !leading.is_empty() && blank_line_before(text, line.span.start) {
                blank(&mut out, &mut at_blank);
            }
            out.push_str(&indent);
            out.push_str(&line.text);
            for (n, comment) in placed.trailing[index].iter().enumerate() {
                out.push_str(if n == 0 { "  " } else { " " });
                out.push_str(comment.slice(text));
            }
            out.push('\n');
            at_blank = false;
            index += 1;
        }
    }
    for comment in &placed.after {
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
