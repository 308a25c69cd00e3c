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

mod comments;
mod diff;
mod layout;
mod print;

pub use diff::diff;

use crate::Error;
use crate::ast::{self, Expr, Span};
use crate::limits::Limits;
use crate::segment;
use crate::syntax;
use crate::syntax::lexical::{self, Strings};
use layout::{Item, layout, query_item, segment_item};
use print::{Context, write_expr};

/// Expressions longer than this many columns (counting indentation) are
/// broken at their top-level `or`s.
pub const MAX_WIDTH: usize = 80;

/// Formats `text` as a segment file when [`segment::is_segment_file`] says
/// it is one (or when it holds only comments), and as a single expression
/// otherwise.
///
/// # Errors
///
/// As [`format_file`] or [`format_query`]: text that does not parse is
/// not formatted.
pub fn format_source(name: &str, text: &str, limits: &Limits) -> Result<String, Error> {
    if lexical::is_segment_file(text) || lexical::is_blank(text) {
        format_file(name, text, limits)
    } else {
        format_query(name, text, limits)
    }
}

/// Formats a segment file.
///
/// # Errors
///
/// An [`Error`] with every parse error of the file: a file that does not
/// parse is left for the user to fix.
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
///
/// # Errors
///
/// An [`Error`] with the parse error when `text` does not parse.
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
    lexical::scan(text, Strings::Exact).comments
}
