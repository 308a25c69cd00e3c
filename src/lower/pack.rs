//! Simplified terms into API requests: every term of one filter shares one
//! `"comparison": "OR"` request, every other term is an `"AND"` request of
//! its own (a term's tag tests are already one `tagsData` filter). So
//! `a or b or c` is 1 request, `(a or b) and c` is 2 (`a and c`, `b and c`),
//! and `(a or b) and (c or d)` is 4.
//!
//! Requests come in a fixed order: the OR request first (when there is
//! one), then the AND requests in the order of their terms, which is the
//! order the source mentions them. Filters within a request keep their
//! terms' order.

use super::{LowerError, PlanOptions, dnf::Term, plan_filter};
use crate::ast::Span;
use crate::limits::Limits;
use crate::plan::{self, Comparison, Merge, Plan, Request};
use crate::typed;

/// The rows per page when a query gives no `limit`: the API's default.
pub const DEFAULT_LIMIT: u64 = 100;

/// The sort, order and page a plan serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paging {
    /// The full name of the sort field.
    pub sort: &'static str,
    /// The order.
    pub order: plan::Order,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return.
    pub limit: u64,
}

impl Paging {
    /// The query's clauses with `options` applied over them, and defaults
    /// for what neither gives: [`plan::DEFAULT_SORT`],
    /// [`plan::DEFAULT_ORDER`], offset 0 and [`DEFAULT_LIMIT`] rows.
    pub fn resolve(query: &typed::Query, options: &PlanOptions) -> Paging {
        let sort = options
            .sort
            .or(query.sort.map(|s| s.field))
            .map_or(plan::DEFAULT_SORT, |field| field.name);
        let order = options
            .order
            .or(query.sort.and_then(|s| s.order))
            .map_or(plan::DEFAULT_ORDER, plan::Order::from);
        Paging {
            sort,
            order,
            offset: options.offset.or(query.offset).unwrap_or(0),
            limit: options.limit.or(query.limit).unwrap_or(DEFAULT_LIMIT),
        }
    }
}

/// Where one request of a plan came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// How its filters combine.
    pub comparison: Comparison,
    /// The simplified terms it carries (indices into
    /// [`crate::lower::Trace::simplified`]): several single-filter terms for
    /// an OR request, one term for an AND request.
    pub terms: Vec<usize>,
}

/// A plan and where each of its requests came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packed {
    /// The plan.
    pub plan: Plan,
    /// One entry per request, in the same order.
    pub origins: Vec<Origin>,
}

/// The plan for simplified `terms`, serving `paging`.
///
/// No terms gives no requests (nothing can match). One term without filters
/// (everything matches) gives one request, `customers.id < 0 OR
/// customers.id >= 0`: every contact has an integer id, so it selects every
/// contact, and it is an ordinary request the API surely takes, where an
/// empty filter list or an extreme number might not be.
///
/// Fails with [`LowerError::TooManyRequests`] past [`Limits::max_requests`];
/// `span` is the expression's, for that error.
///
/// ```
/// use hcq::ast::{CompareOp, Span};
/// use hcq::lower::{dnf::Term, pack};
/// use hcq::schema::Schema;
/// use hcq::typed::{Filter, Literal};
/// use hcq::Limits;
/// use std::sync::Arc;
///
/// let id = Schema::CONTACTS.by_name("customers.id");
/// let f = |n| Arc::new(Filter { field: id, op: CompareOp::Eq, value: Literal::Integer(n), span: Span::default() });
/// // a or b or (c and d): one OR request and one AND request
/// let terms = vec![
///     Term { filters: vec![f(1)] },
///     Term { filters: vec![f(2)] },
///     Term { filters: vec![f(3), f(4)] },
/// ];
/// let paging = pack::Paging { sort: "customers.lastSeen", order: hcq::plan::Order::Desc, offset: 0, limit: 100 };
/// let packed = pack::pack(&terms, &paging, &Limits::default(), Span::default()).unwrap();
/// assert_eq!(packed.plan.requests.len(), 2);
/// ```
pub fn pack(
    terms: &[Term],
    paging: &Paging,
    limits: &Limits,
    span: Span,
) -> Result<Packed, LowerError> {
    pack_with(terms, paging, limits, span, true)
}

/// [`pack`]; `origins` false leaves [`Packed::origins`] empty, for a
/// caller that keeps no trace.
pub(super) fn pack_with(
    terms: &[Term],
    paging: &Paging,
    limits: &Limits,
    span: Span,
    origins: bool,
) -> Result<Packed, LowerError> {
    let mut groups: Vec<(Comparison, Vec<plan::Filter>)> = Vec::new();
    // Where each group came from, only when asked: the lists cost an
    // allocation each.
    let mut sources: Vec<Origin> = Vec::new();
    let is_single = |term: &&Term| term.filters.len() == 1;
    if let [only] = terms {
        if only.filters.is_empty() {
            groups.push((Comparison::Or, everyone()));
            if origins {
                sources.push(Origin {
                    comparison: Comparison::Or,
                    terms: vec![0],
                });
            }
        }
    }
    if groups.is_empty() {
        let singles = terms.iter().filter(is_single).count();
        let others = terms.len() - singles;
        let needed = others + usize::from(singles > 0);
        if needed > limits.max_requests {
            return Err(LowerError::TooManyRequests {
                requests: needed,
                limit: limits.max_requests,
                shape: shape(singles, others),
                span: span.into(),
            });
        }
        if singles > 0 {
            // One filter combines the same either way; say AND, the API's default.
            let comparison = if singles == 1 {
                Comparison::And
            } else {
                Comparison::Or
            };
            let filters = terms
                .iter()
                .filter(is_single)
                .map(|term| plan_filter(&term.filters[0]))
                .collect();
            groups.push((comparison, filters));
            if origins {
                let terms = (0..terms.len())
                    .filter(|&i| terms[i].filters.len() == 1)
                    .collect();
                sources.push(Origin { comparison, terms });
            }
        }
        for (i, term) in terms.iter().enumerate() {
            if term.filters.len() > 1 {
                let filters = term.filters.iter().map(|f| plan_filter(f)).collect();
                groups.push((Comparison::And, filters));
                if origins {
                    sources.push(Origin {
                        comparison: Comparison::And,
                        terms: vec![i],
                    });
                }
            }
        }
    }
    let pages = Pages::of(groups.len(), paging);
    let requests = groups
        .into_iter()
        .map(|(comparison, filter)| Request {
            comparison,
            filter,
            sort: paging.sort.to_owned(),
            order: paging.order,
            offset: pages.offset,
            limit: pages.limit,
        })
        .collect();
    Ok(Packed {
        plan: Plan {
            requests,
            merge: pages.merge,
        },
        origins: sources,
    })
}

/// The filters of a request every contact matches.
fn everyone() -> Vec<plan::Filter> {
    let id = |operator| plan::Filter {
        field: "customers.id".to_owned(),
        operator,
        value: plan::Value::Number(0),
    };
    vec![id(plan::Operator::Lt), id(plan::Operator::Ge)]
}

/// Why a plan needs so many requests, in words.
fn shape(singles: usize, others: usize) -> String {
    let others = match others {
        1 => "1 alternative has several conditions and needs an AND request of its own".to_owned(),
        n => format!("{n} alternatives have several conditions and need an AND request each"),
    };
    match singles {
        0 => format!("{others}."),
        1 => format!("{others}; 1 single comparison takes one more request."),
        n => format!("{others}; {n} single comparisons share one OR request."),
    }
}

/// Every request's `offset` and `limit`, and the merge, if any.
struct Pages {
    offset: u64,
    limit: u64,
    merge: Option<Merge>,
}

impl Pages {
    fn of(requests: usize, paging: &Paging) -> Pages {
        let merge = || Merge {
            by: "id".to_owned(),
            sort: paging.sort.to_owned(),
            order: paging.order,
            offset: paging.offset,
            limit: paging.limit,
        };
        if requests == 1 && (1..=plan::MAX_PAGE).contains(&paging.limit) {
            // The single request's own page is the answer.
            return Pages {
                offset: paging.offset,
                limit: paging.limit,
                merge: None,
            };
        }
        if requests == 1 {
            // A page longer than the API gives (or empty): read it from the
            // query's offset in pages of 100 and keep `limit` rows.
            return Pages {
                offset: paging.offset,
                limit: plan::MAX_PAGE,
                merge: Some(Merge {
                    offset: 0,
                    ..merge()
                }),
            };
        }
        if requests == 0 {
            return Pages {
                offset: 0,
                limit: 0,
                merge: None,
            };
        }
        // Each request from its start, in pages no longer than the rows the
        // merge needs from it.
        let needed = paging.offset.saturating_add(paging.limit);
        Pages {
            offset: 0,
            limit: needed.clamp(1, plan::MAX_PAGE),
            merge: Some(merge()),
        }
    }
}
