//! Disjunctive normal form: an `or` of AND-terms, built only after an
//! estimate shows it stays within the bounds.

use super::{LowerError, nnf};
use crate::ast::Span;
use crate::limits::Limits;
use crate::typed::{Filter, Literal};
use std::sync::Arc;

/// One AND-term: every filter must hold.
///
/// Filters are shared with other terms (one `Arc` per filter of the source),
/// so a long value repeated in many terms is stored once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    /// The filters, in source order.
    pub filters: Vec<Arc<Filter>>,
}

/// The size the DNF of an expression would have, computed without building
/// it. Arithmetic saturates at `u64::MAX`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    /// AND-terms.
    pub terms: u64,
    /// Filters summed over every term, each weighted by [`weight`].
    pub filters: u64,
}

impl Size {
    const ONE_EMPTY_TERM: Size = Size {
        terms: 1,
        filters: 0,
    };

    /// The size of `a or b`.
    fn or(self, other: Size) -> Size {
        Size {
            terms: self.terms.saturating_add(other.terms),
            filters: self.filters.saturating_add(other.filters),
        }
    }

    /// The size of `a and b`: every term of `a` with every term of `b`.
    fn and(self, other: Size) -> Size {
        Size {
            terms: self.terms.saturating_mul(other.terms),
            filters: self
                .filters
                .saturating_mul(other.terms)
                .saturating_add(other.filters.saturating_mul(self.terms)),
        }
    }
}

/// What [`estimate`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// The size of the whole DNF.
    pub size: Size,
    /// The largest size of any part built on the way (the whole DNF, unless
    /// an operand has no terms at all, which only hand-built trees have).
    pub peak: Size,
    /// The `and` whose operands multiply into the most terms, if any `and`
    /// has more than one term: its span, its term count and the term count
    /// of each operand.
    pub largest_and: Option<LargestAnd>,
}

/// The `and` node that contributes the largest product of terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LargestAnd {
    /// Where it is.
    pub span: Span,
    /// How many terms it expands to (saturating).
    pub terms: u64,
    /// How many terms each operand has, in order.
    pub factors: Vec<u64>,
}

/// How much one filter costs in a term: one, plus its tag names.
pub fn weight(filter: &Filter) -> u64 {
    match &filter.value {
        Literal::Tags(names) => 1 + names.len() as u64,
        _ => 1,
    }
}

/// The size of `expr`'s DNF, and the `and` that multiplies the most.
pub fn estimate(expr: &nnf::Expr) -> Estimate {
    let mut largest = None;
    let mut peak = Size::default();
    let size = size_of(expr, &mut largest, &mut peak);
    Estimate {
        size,
        peak,
        largest_and: largest,
    }
}

impl Size {
    fn max(self, other: Size) -> Size {
        Size {
            terms: self.terms.max(other.terms),
            filters: self.filters.max(other.filters),
        }
    }
}

/// Up to this many operands of an `and`, [`size_of`] and [`product`] keep
/// their per-operand numbers on the stack.
const FEW: usize = 16;

/// The recursion follows the nesting, which the parser bounds.
fn size_of(expr: &nnf::Expr, largest: &mut Option<LargestAnd>, peak: &mut Size) -> Size {
    let size = match expr {
        nnf::Expr::Filter(filter) => Size {
            terms: 1,
            filters: weight(filter),
        },
        nnf::Expr::Or(items, _) => items
            .iter()
            .map(|item| size_of(item, largest, peak))
            .fold(Size::default(), Size::or),
        nnf::Expr::And(items, span) => {
            // A few operands' sizes on the stack, many on the heap.
            let mut few = [Size::default(); FEW];
            let mut many = Vec::new();
            let sizes: &mut [Size] = if items.len() <= FEW {
                &mut few[..items.len()]
            } else {
                many.resize(items.len(), Size::default());
                &mut many
            };
            for (size, item) in sizes.iter_mut().zip(items) {
                *size = size_of(item, largest, peak);
            }
            // Every prefix product is built on the way.
            let size = sizes.iter().fold(Size::ONE_EMPTY_TERM, |acc, s| {
                let next = acc.and(*s);
                *peak = peak.max(next);
                next
            });
            let beats = largest.as_ref().is_none_or(|l| size.terms > l.terms);
            if size.terms > 1 && beats {
                *largest = Some(LargestAnd {
                    span: *span,
                    terms: size.terms,
                    factors: sizes.iter().map(|s| s.terms).collect(),
                });
            }
            size
        }
    };
    *peak = peak.max(size);
    size
}

/// Distributes `and` over `or`: the AND-terms of `expr`, in source order
/// (`(a or b) and (c or d)` gives `a c`, `a d`, `b c`, `b d`).
///
/// Estimates first and refuses, with [`LowerError::TooManyTerms`] or
/// [`LowerError::DnfTooLarge`], a DNF past [`Limits::max_dnf_terms`] terms
/// or [`Limits::max_dnf_filters`] filters; nothing is built in that case.
///
/// ```
/// use hcq::ast::{CompareOp, Span};
/// use hcq::lower::{dnf, nnf};
/// use hcq::schema::Schema;
/// use hcq::typed::{Filter, Literal};
/// use hcq::Limits;
/// use std::sync::Arc;
///
/// let id = Schema::CONTACTS.by_name("customers.id");
/// let leaf = |n| nnf::Expr::Filter(Arc::new(Filter { field: id, op: CompareOp::Eq, value: Literal::Integer(n), span: Span::default() }));
/// let or = |a, b| nnf::Expr::Or(vec![leaf(a), leaf(b)], Span::default());
/// let and = nnf::Expr::And(vec![or(1, 2), or(3, 4)], Span::default());
/// let terms = dnf::distribute(&and, &Limits::default()).unwrap();
/// assert_eq!(terms.len(), 4);
/// assert_eq!(terms[1].filters[1].value, Literal::Integer(4));
/// ```
#[cfg(test)]
pub fn distribute(expr: &nnf::Expr, limits: &Limits) -> Result<Vec<Term>, LowerError> {
    distribute_estimated(expr.clone(), &estimate(expr), limits)
}

/// [`distribute`] with `expr`'s [`estimate`] already made, taking `expr`
/// apart: its filters move into the terms instead of being copied.
pub(super) fn distribute_estimated(
    expr: nnf::Expr,
    estimate: &Estimate,
    limits: &Limits,
) -> Result<Vec<Term>, LowerError> {
    let max_terms = limits.max_dnf_terms as u64;
    let span = estimate
        .largest_and
        .as_ref()
        .map_or(expr.span(), |and| and.span);
    if estimate.peak.terms > max_terms {
        return Err(LowerError::too_many_terms(estimate, expr.span(), max_terms));
    }
    // Counting a tag list as one plus its names.
    let max_filters = limits.max_dnf_filters as u64;
    if estimate.peak.filters > max_filters {
        return Err(LowerError::DnfTooLarge {
            filters: estimate.peak.filters,
            limit: max_filters,
            terms: estimate.peak.terms,
            span: span.into(),
        });
    }
    let mut terms = Vec::with_capacity(estimate.size.terms as usize);
    build(expr, &mut terms);
    Ok(terms)
}

/// Appends the terms of `expr` to `out`; the estimate above bounds every
/// list built here, since each is at most the size of the final one.
fn build(expr: nnf::Expr, out: &mut Vec<Term>) {
    match expr {
        nnf::Expr::Filter(filter) => out.push(Term {
            filters: vec![filter],
        }),
        nnf::Expr::Or(items, _) => items.into_iter().for_each(|item| build(item, out)),
        nnf::Expr::And(items, _) => {
            let parts: Vec<Part> = items
                .into_iter()
                .map(|item| match item {
                    nnf::Expr::Filter(filter) => Part::Filter(filter),
                    nnf::Expr::Or(alternatives, _)
                        if alternatives
                            .iter()
                            .all(|a| matches!(a, nnf::Expr::Filter(_))) =>
                    {
                        let filters = alternatives.into_iter().filter_map(|a| match a {
                            nnf::Expr::Filter(filter) => Some(filter),
                            _ => None,
                        });
                        Part::Alternatives(filters.collect())
                    }
                    item => {
                        let mut terms = Vec::new();
                        build(item, &mut terms);
                        Part::Terms(terms)
                    }
                })
                .collect();
            product(&parts, out);
        }
    }
}

/// One operand of an `and`, as [`product`] takes it: a lone filter (the
/// most common operand) needs no list of terms of its own.
enum Part {
    Filter(Arc<Filter>),
    /// An `or` of lone filters, each a term of one: one list, not a list
    /// per term.
    Alternatives(Vec<Arc<Filter>>),
    Terms(Vec<Term>),
}

impl Part {
    /// How many terms it has.
    fn len(&self) -> usize {
        match self {
            Part::Filter(_) => 1,
            Part::Alternatives(filters) => filters.len(),
            Part::Terms(terms) => terms.len(),
        }
    }

    /// The filters of its term `i`.
    fn filters(&self, i: usize) -> &[Arc<Filter>] {
        match self {
            Part::Filter(filter) => std::slice::from_ref(filter),
            Part::Alternatives(filters) => std::slice::from_ref(&filters[i]),
            Part::Terms(terms) => &terms[i].filters,
        }
    }
}

/// Appends to `out` every way of picking one term from each part, joined
/// into one term, in order (the last part varies fastest). Each term is
/// built once, at its final length: multiplying in one part at a time would
/// copy every term again for each later part, which is quadratic in the
/// number of `and` operands (95 single filters after a 10,000-term product
/// took 0.5 s).
fn product(parts: &[Part], out: &mut Vec<Term>) {
    let count: usize = parts.iter().map(Part::len).product();
    if count == 0 {
        return;
    }
    out.reserve(count);
    let mut few = [0; FEW];
    let mut many = Vec::new();
    let picked: &mut [usize] = if parts.len() <= FEW {
        &mut few[..parts.len()]
    } else {
        many.resize(parts.len(), 0);
        &mut many
    };
    loop {
        let len = parts
            .iter()
            .zip(picked.iter())
            .map(|(part, &i)| part.filters(i).len())
            .sum();
        let mut filters = Vec::with_capacity(len);
        for (part, &i) in parts.iter().zip(picked.iter()) {
            filters.extend(part.filters(i).iter().cloned());
        }
        out.push(Term { filters });
        // The next pick, as an odometer whose last digit turns fastest.
        let mut k = parts.len();
        loop {
            if k == 0 {
                return;
            }
            k -= 1;
            picked[k] += 1;
            if picked[k] < parts[k].len() {
                break;
            }
            picked[k] = 0;
        }
    }
}
