//! Negation normal form: `not` pushed down to the comparisons, where it
//! becomes the negated operator (`not (x > 5)` is `x <= 5`, docs/SEMANTICS.md
//! "Semantics we assume"), with De Morgan's laws over `and`/`or`.
//!
//! `all` goes here too, as the constant true (`not all` as false) by the
//! laws of Boolean algebra: `a and all` is `a`, `a or all` is `all`, and
//! dually. What is left is either free of `all`, or the constant alone.

use super::{Log, Rule, show_filter};
use crate::ast::Span;
use crate::typed::{self, Filter};
use std::sync::Arc;

/// An expression without `not` and without `all`: `or` and `and` of filters.
///
/// `Or` and `And` have at least two operands and are never nested directly
/// in a node of their own kind (an `or` inside an `or` is spliced in), with
/// one exception: the whole expression may be an `And` without operands,
/// which holds for every contact (`all`), or an `Or` without operands,
/// which holds for none (`not all`). The DNF of the first is one term
/// without filters, that of the second no term at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Any operand holds; none, when there is no operand.
    Or(Vec<Expr>, Span),
    /// Every operand holds; all contacts, when there is no operand.
    And(Vec<Expr>, Span),
    /// One filter, its operator already negated where a `not` applied.
    Filter(Arc<Filter>),
}

impl Expr {
    /// Where this expression came from in the source.
    pub fn span(&self) -> Span {
        match self {
            Expr::Or(_, span) | Expr::And(_, span) => *span,
            Expr::Filter(filter) => filter.span,
        }
    }

    /// `Some(true)` for the expression that holds for every contact (an
    /// `And` without operands), `Some(false)` for the one that holds for
    /// none (an `Or` without operands), `None` for any other.
    pub fn constant(&self) -> Option<bool> {
        match self {
            Expr::And(items, _) if items.is_empty() => Some(true),
            Expr::Or(items, _) if items.is_empty() => Some(false),
            _ => None,
        }
    }

    /// The constant `value`, written at `span`.
    fn of_constant(value: bool, span: Span) -> Expr {
        if value {
            Expr::And(Vec::new(), span)
        } else {
            Expr::Or(Vec::new(), span)
        }
    }
}

/// Pushes every `not` in `expr` down to its comparisons, recording each
/// rewrite in `log`.
///
/// A negated tag test has no API form (`!=` is not valid for tags); the
/// checker rejects it, and should one arrive anyway it comes out as a tags
/// filter with `!=`, which [`crate::lower::lower`] reports as an error.
pub fn to_nnf(expr: &typed::Expr, log: &mut Log) -> Expr {
    convert(expr, None, log)
}

/// `negated_by` is the span of the innermost `not` while an odd number of
/// them applies. A negated filter takes that span: `city != Kyiv` came from
/// `not (city = Kyiv)`, not from `city = Kyiv`.
///
/// The recursion follows the tree's nesting, which the parser bounds
/// (`Limits::max_depth`); long `and`/`or` chains are one flat node.
fn convert(expr: &typed::Expr, negated_by: Option<Span>, log: &mut Log) -> Expr {
    match expr {
        typed::Expr::Filter(filter) => {
            let mut out = filter.clone();
            if let Some(span) = negated_by {
                out.op = filter.op.negate();
                out.span = span;
            }
            // Shared from here on: the DNF repeats a filter in many terms.
            Expr::Filter(Arc::new(out))
        }
        typed::Expr::Not(inner, span) => {
            if negated_by.is_none() {
                note_not(inner, *span, log);
            }
            let flipped = match negated_by {
                Some(_) => None,
                None => Some(*span),
            };
            convert(inner, flipped, log)
        }
        typed::Expr::All(span) => {
            Expr::of_constant(negated_by.is_none(), negated_by.unwrap_or(*span))
        }
        typed::Expr::Or(items, span) | typed::Expr::And(items, span) => {
            let is_or = matches!(expr, typed::Expr::Or(..));
            // De Morgan: under a `not`, `or` becomes `and` and back.
            let or = is_or != negated_by.is_some();
            let items: Vec<Expr> = items
                .iter()
                .map(|item| convert(item, negated_by, log))
                .collect();
            fold_constants(or, items, *span, log)
        }
    }
}

/// An `or` (or `and`) of `items`, where an operand may be a constant: one
/// that decides the node (true in an `or`, false in an `and`) is the whole
/// node, and one that does not is dropped. Either way the rewrite is
/// recorded, at the constant's span.
fn fold_constants(or: bool, items: Vec<Expr>, span: Span, log: &mut Log) -> Expr {
    if let Some(decider) = items.iter().find(|item| item.constant() == Some(or)) {
        log.record(Rule::All, decider.span(), || {
            if or {
                "an `or` holding `all` matches every contact".to_owned()
            } else {
                "an `and` holding `not all` matches no contact".to_owned()
            }
        });
        return Expr::of_constant(or, span);
    }
    if let Some(neutral) = items.iter().find(|item| item.constant() == Some(!or)) {
        log.record(Rule::All, neutral.span(), || {
            if or {
                "`not all` matches no contact: the `or` does not need it".to_owned()
            } else {
                "`all` matches every contact: the `and` does not need it".to_owned()
            }
        });
    }
    node(or, items, span)
}

/// Records what pushing the `not` at `span` into `inner` does.
fn note_not(inner: &typed::Expr, span: Span, log: &mut Log) {
    match inner {
        typed::Expr::Filter(filter) => log.record(Rule::NegatedComparison, span, || {
            let mut negated = filter.clone();
            negated.op = filter.op.negate();
            format!(
                "`not ({})` is `{}`",
                show_filter(filter),
                show_filter(&negated)
            )
        }),
        typed::Expr::Not(..) => log.record(Rule::DoubleNegation, span, || {
            "`not not a` is `a`".to_owned()
        }),
        typed::Expr::And(..) => log.record(Rule::DeMorgan, span, || {
            "`not (a and b)` is `not a or not b` (De Morgan)".to_owned()
        }),
        typed::Expr::Or(..) => log.record(Rule::DeMorgan, span, || {
            "`not (a or b)` is `not a and not b` (De Morgan)".to_owned()
        }),
        typed::Expr::All(_) => log.record(Rule::All, span, || {
            "`not all` matches no contact".to_owned()
        }),
    }
}

/// An `or` (or `and`) of `items`, splicing in operands of the same kind
/// (a constant that does not decide the node is such an operand, without
/// operands of its own). No operand left is that constant.
fn node(or: bool, items: Vec<Expr>, span: Span) -> Expr {
    let same =
        |item: &Expr| matches!(item, Expr::Or(..) if or) || matches!(item, Expr::And(..) if !or);
    // Usually nothing is nested the same way: the operands' list is kept.
    let mut flat = if items.iter().any(same) {
        let mut flat = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Expr::Or(inner, _) if or => flat.extend(inner),
                Expr::And(inner, _) if !or => flat.extend(inner),
                other => flat.push(other),
            }
        }
        flat
    } else {
        items
    };
    if flat.len() == 1 {
        return flat.pop().expect("one operand");
    }
    if or {
        Expr::Or(flat, span)
    } else {
        Expr::And(flat, span)
    }
}
