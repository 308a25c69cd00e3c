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
//!
//! Every request serves one [`Page`]: a single request asks for it
//! directly when it fits one API page; otherwise (several requests, a page
//! longer than [`plan::MAX_PAGE`], or a page without a limit, which is
//! every row) the plan gets a `merge` and the requests are read page by
//! page.

use super::{LowerError, dnf::Term, plan_filter};
use crate::ast::Span;
use crate::limits::Limits;
use crate::plan::{self, Comparison, Merge, Page, Plan, Request};
use std::borrow::Cow;

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

/// The plan for simplified `terms`, serving `page`.
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
/// let page = hcq::plan::Page { sort: "customers.firstSeen".into(), order: hcq::plan::Order::Asc, offset: 0, limit: Some(100) };
/// let packed = pack::pack(&terms, &page, &Limits::default(), Span::default()).unwrap();
/// assert_eq!(packed.plan.requests.len(), 2);
/// ```
#[cfg(test)]
pub fn pack(
    terms: &[Term],
    page: &Page,
    limits: &Limits,
    span: Span,
) -> Result<Packed, LowerError> {
    pack_with(terms, page, limits, span, true)
}

/// [`pack`]; `origins` false leaves [`Packed::origins`] empty, for a
/// caller that keeps no trace.
pub(super) fn pack_with(
    terms: &[Term],
    page: &Page,
    limits: &Limits,
    span: Span,
    origins: bool,
) -> Result<Packed, LowerError> {
    let mut groups = Groups {
        requests: Vec::new(),
        origins: origins.then(Vec::new),
    };
    match terms {
        [only] if only.filters.is_empty() => groups.push(Comparison::Or, everyone(), || vec![0]),
        _ => groups.fill(terms, limits, span)?,
    }
    let pages = Pages::of(groups.requests.len(), page);
    let mut requests = groups.requests;
    for request in &mut requests {
        request.sort = page.sort.clone();
        request.order = page.order;
        request.offset = pages.offset;
        request.limit = pages.limit;
    }
    Ok(Packed {
        plan: Plan {
            requests,
            merge: pages.merge,
        },
        origins: groups.origins.unwrap_or_default(),
    })
}

/// The requests, their page still to set, and where each came from when
/// asked.
struct Groups {
    requests: Vec<Request>,
    /// `None` when no trace is kept: the lists cost an allocation each.
    origins: Option<Vec<Origin>>,
}

impl Groups {
    /// One request's filters; `terms` says which terms they came from,
    /// asked only when origins are kept.
    fn push(
        &mut self,
        comparison: Comparison,
        filters: Vec<plan::Filter>,
        terms: impl FnOnce() -> Vec<usize>,
    ) {
        // The page is set once every request is known: `pack_with`.
        self.requests.push(Request {
            comparison,
            filter: filters,
            sort: Cow::Borrowed(""),
            order: plan::Order::Asc,
            offset: 0,
            limit: 0,
        });
        if let Some(origins) = &mut self.origins {
            origins.push(Origin {
                comparison,
                terms: terms(),
            });
        }
    }

    /// One request for the single-filter terms, one for each other term;
    /// fails past [`Limits::max_requests`].
    fn fill(&mut self, terms: &[Term], limits: &Limits, span: Span) -> Result<(), LowerError> {
        let is_single = |term: &&Term| term.filters.len() == 1;
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
            self.push(comparison, filters, || {
                (0..terms.len())
                    .filter(|&i| terms[i].filters.len() == 1)
                    .collect()
            });
        }
        for (i, term) in terms.iter().enumerate() {
            if term.filters.len() > 1 {
                let filters = term.filters.iter().map(|f| plan_filter(f)).collect();
                self.push(Comparison::And, filters, || vec![i]);
            }
        }
        Ok(())
    }
}

/// The filters of a request every contact matches.
fn everyone() -> Vec<plan::Filter> {
    let id = |operator| plan::Filter {
        field: "customers.id".into(),
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
    fn of(requests: usize, page: &Page) -> Pages {
        let merge = |page: Page| Merge {
            by: "id".into(),
            page,
        };
        if requests == 0 {
            return Pages {
                offset: 0,
                limit: 0,
                merge: None,
            };
        }
        let Some(limit) = page.limit else {
            // Every row: read each request from its start (or, alone, from
            // the query's offset) in pages of 100 until a page comes back
            // short, always through a merge, since one page cannot hold it.
            let alone = requests == 1;
            return Pages {
                offset: if alone { page.offset } else { 0 },
                limit: plan::MAX_PAGE,
                merge: Some(merge(Page {
                    offset: if alone { 0 } else { page.offset },
                    ..page.clone()
                })),
            };
        };
        if requests == 1 && (1..=plan::MAX_PAGE).contains(&limit) {
            // The single request's own page is the answer.
            return Pages {
                offset: page.offset,
                limit,
                merge: None,
            };
        }
        if requests == 1 {
            // A page longer than the API gives (or empty): read it from the
            // query's offset in pages of 100 and keep `limit` rows.
            return Pages {
                offset: page.offset,
                limit: plan::MAX_PAGE,
                merge: Some(merge(Page {
                    offset: 0,
                    ..page.clone()
                })),
            };
        }
        // Each request from its start, in pages no longer than the rows the
        // merge needs from it.
        let needed = page.offset.saturating_add(limit);
        Pages {
            offset: 0,
            limit: needed.clamp(1, plan::MAX_PAGE),
            merge: Some(merge(page.clone())),
        }
    }
}
