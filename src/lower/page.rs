//! The page a plan serves, resolved in one place: overrides (from the
//! command line, say) over the query's own `sort by`, `limit` and `offset`
//! clauses, and defaults for what neither gives. [`pack`](super::pack)
//! builds the plan's requests and merge from the result, and the reference
//! evaluator ([`crate::eval::answer_with`]) cuts the expression's matches to
//! the same page.

use crate::ast;
use crate::plan::{self, Page};
use crate::schema;
use crate::typed;

/// Overrides of a query's `sort by`, `limit` and `offset` clauses (from the
/// command line, say). `PlanOptions::default()` overrides nothing; a
/// query's own clauses take the same shape with [`PlanOptions::written`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// The sort field; must be one the schema marks sortable.
    pub sort: Option<&'static schema::Field>,
    /// The sort order.
    pub order: Option<ast::Order>,
    /// Rows to skip.
    pub offset: Option<u64>,
    /// Rows to return, or every row ([`ast::Limit::All`]).
    pub limit: Option<ast::Limit>,
}

impl PlanOptions {
    /// The query's own clauses, each `None` where not written.
    pub fn written(query: &typed::Query) -> PlanOptions {
        PlanOptions {
            sort: query.sort.map(|sort| sort.field),
            order: query.sort.and_then(|sort| sort.order),
            offset: query.offset,
            limit: query.limit,
        }
    }

    /// These overrides over `query`'s clauses: each part from the
    /// overrides where they give it, else from the query.
    pub fn over(&self, query: &typed::Query) -> PlanOptions {
        let written = PlanOptions::written(query);
        PlanOptions {
            sort: self.sort.or(written.sort),
            order: self.order.or(written.order),
            offset: self.offset.or(written.offset),
            limit: self.limit.or(written.limit),
        }
    }

    /// The page a plan of `query` serves: these overrides over its clauses
    /// ([`PlanOptions::over`]), and defaults for what neither gives:
    /// [`plan::DEFAULT_SORT`], [`plan::DEFAULT_ORDER`], offset 0 and
    /// [`plan::DEFAULT_LIMIT`] rows. [`ast::Limit::All`] gives a page
    /// without a limit: every matching row after the offset.
    ///
    /// ```
    /// use hcq::ast::Limit;
    /// use hcq::lower::PlanOptions;
    /// let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
    /// let query = hcq::check("id > 1 sort by firstSeen asc limit 5", &options)?;
    /// let page = PlanOptions { limit: Some(Limit::Rows(20)), ..PlanOptions::default() }.resolve(&query);
    /// assert_eq!((&*page.sort, page.order, page.offset, page.limit), ("customers.firstSeen", hcq::plan::Order::Asc, 0, Some(20)));
    /// let every = PlanOptions { limit: Some(Limit::All), ..PlanOptions::default() }.resolve(&query);
    /// assert_eq!(every.limit, None);
    /// # Ok::<(), hcq::Error>(())
    /// ```
    pub fn resolve(&self, query: &typed::Query) -> Page {
        let given = self.over(query);
        Page {
            sort: given
                .sort
                .map_or(plan::DEFAULT_SORT, |field| field.name)
                .into(),
            order: given.order.map_or(plan::DEFAULT_ORDER, plan::Order::from),
            offset: given.offset.unwrap_or(0),
            limit: given
                .limit
                .map_or(Some(plan::DEFAULT_LIMIT), ast::Limit::rows),
        }
    }
}
