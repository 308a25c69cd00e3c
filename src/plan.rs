//! The serialisable output of [`crate::lower`]: the requests to send and how
//! to merge their answers. serde lives here and nowhere on the syntax trees.
//!
//! # The JSON format
//!
//! ```json
//! {
//!   "requests": [
//!     {
//!       "comparison": "OR",
//!       "filter": [
//!         {"field": "customers.email", "operator": "~", "value": "gmail"},
//!         {"field": "customers.tagsData", "operator": "=", "value": [{"name": "Lead"}]}
//!       ],
//!       "sort": "customers.firstSeen",
//!       "order": "ASC",
//!       "offset": 0,
//!       "limit": 60
//!     },
//!     {
//!       "comparison": "AND",
//!       "filter": [
//!         {"field": "customers.city", "operator": "=", "value": "Kyiv"},
//!         {"field": "customers.lastSeen", "operator": ">=", "value": 1700000000}
//!       ],
//!       "sort": "customers.firstSeen",
//!       "order": "ASC",
//!       "offset": 0,
//!       "limit": 60
//!     }
//!   ],
//!   "merge": {"by": "id", "sort": "customers.firstSeen", "order": "ASC", "offset": 10, "limit": 50}
//! }
//! ```
//!
//! - `requests`: each element is exactly a body `POST /v1/customers/search`
//!   accepts (docs/SEMANTICS.md, "Request body"): `comparison` is `"AND"` or `"OR"`,
//!   `filter` lists `{field, operator, value}` with the field's full name,
//!   Integer and Date values as JSON numbers, text as JSON strings, tags as
//!   `[{"name": …}, …]`; `sort`, `order`, `offset` and `limit` are always
//!   written, and `limit` is never above [`MAX_PAGE`]. The contacts the plan
//!   selects are the union, by `id`, of what the requests select.
//! - An empty `requests` list means the expression matches no contact: send
//!   nothing, the answer is empty.
//! - An expression that matches every contact gets one request,
//!   `customers.id < 0` OR `customers.id >= 0`: every contact has an integer
//!   id, and it is an ordinary body the API surely accepts (an empty filter
//!   list, or a bound like `-9223372036854775808`, might not be).
//! - Requests come in a fixed order: the request of single comparisons
//!   (`"OR"`, or `"AND"` when it holds only one) first, then one `"AND"`
//!   request per remaining AND-term, in the order the source mentions them.
//! - `sort` defaults to [`DEFAULT_SORT`] and `order` to [`DEFAULT_ORDER`]
//!   when the query gives none; `limit` defaults to [`DEFAULT_LIMIT`] rows.
//! - Without `merge` there is at most one request, and its answer, as the API
//!   pages it, is the answer.
//! - With `merge` (always when there are several requests; also for one
//!   request whose page is longer than [`MAX_PAGE`], or that asks for every
//!   row) the client reads each request page by page: starting at the
//!   request's own `offset`, asking for the request's `limit` rows at a time
//!   and advancing `offset` by `limit`, until it holds `merge.offset +
//!   merge.limit` rows from that request or a page comes back shorter than
//!   `limit` (or the answer's `total` is reached). It then unions all rows by
//!   `merge.by` (the contact `id`), sorts them by the `merge.sort` field in
//!   `merge.order` (ties by `id` ascending), skips `merge.offset` rows and
//!   keeps the next `merge.limit`. This is correct because every request is
//!   sorted the same way as the merge: a contact among the first `offset +
//!   limit` of the union is among the first `offset + limit` of each request
//!   that selects it.
//! - A `merge` without a `limit` key (`limit all`, `--all`) asks for every
//!   matching row: the client reads each request until a page comes back
//!   short, and keeps every merged row after `merge.offset`. Its requests
//!   then ask for [`MAX_PAGE`] rows a page.
//!
//! The same plan always serialises to the same bytes: the field order is
//! fixed here and [`crate::lower`] builds requests in a fixed order.

use crate::ast;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The most rows one request may ask for (docs/SEMANTICS.md, "Paging").
pub const MAX_PAGE: u64 = 100;

/// The sort field a plan uses when the query names none: merging pages of
/// several requests needs every request in one known order, and
/// `firstSeen` is one that contacts do not move in while a client pages
/// through them (`lastSeen` changes as people come back, so a row could
/// move between pages and be skipped without a trace).
pub const DEFAULT_SORT: &str = "customers.firstSeen";

/// The order a plan uses when the query names none: oldest first, so that
/// contacts created while a client pages land after the last page instead
/// of shifting the pages already read; offset paging then loses no row.
pub const DEFAULT_ORDER: Order = Order::Asc;

/// What [`Plan::api_calls`] counts for a plan that reads every matching
/// row (`limit all`): its calls depend on how many contacts match, which
/// nothing before the run bounds.
pub const UNBOUNDED_CALLS: u64 = u64::MAX;

/// The rows per page when a query gives no `limit`: the API's default.
pub const DEFAULT_LIMIT: u64 = 100;

/// The requests to send and how to combine their answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// API request bodies; the answer is the union of what they select.
    pub requests: Vec<Request>,
    /// How to page and merge the answers; absent when the single request's
    /// own page is the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<Merge>,
}

impl Plan {
    /// The plan as pretty-printed JSON, the form `hcq emit` prints.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a plan holds only strings and numbers")
    }

    /// The most API calls running this plan takes: one per request when
    /// one page answers, else each request read page by page until it has
    /// `merge.offset + merge.limit` rows. A merge without a limit (every
    /// row) has no bound but the number of contacts: [`UNBOUNDED_CALLS`].
    pub fn api_calls(&self) -> u64 {
        match &self.merge {
            None => self.requests.len() as u64,
            Some(merge) => {
                let Some(limit) = merge.page.limit else {
                    return if self.requests.is_empty() {
                        0
                    } else {
                        u64::MAX
                    };
                };
                let rows = merge.page.offset.saturating_add(limit);
                self.requests
                    .iter()
                    .map(|request| rows.div_ceil(request.limit.max(1)).max(1))
                    .fold(0, u64::saturating_add)
            }
        }
    }
}

/// One body for `POST /v1/customers/search`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// How the filters combine.
    pub comparison: Comparison,
    /// The filters, at least one.
    pub filter: Vec<Filter>,
    /// The full name of the sort field (`customers.lastSeen`); borrowed
    /// from the schema when compiled, so that a plan copies no name.
    pub sort: Cow<'static, str>,
    /// The sort order.
    pub order: Order,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return, at most [`MAX_PAGE`].
    pub limit: u64,
}

/// `"AND"` or `"OR"`: whether every filter or any filter must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Comparison {
    /// Every filter holds.
    #[serde(rename = "AND")]
    And,
    /// At least one filter holds.
    #[serde(rename = "OR")]
    Or,
}

/// `"ASC"` or `"DESC"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Order {
    /// Ascending.
    #[serde(rename = "ASC")]
    Asc,
    /// Descending.
    #[serde(rename = "DESC")]
    Desc,
}

impl From<ast::Order> for Order {
    fn from(order: ast::Order) -> Self {
        match order {
            ast::Order::Asc => Order::Asc,
            ast::Order::Desc => Order::Desc,
        }
    }
}

impl From<Order> for ast::Order {
    fn from(order: Order) -> Self {
        match order {
            Order::Asc => ast::Order::Asc,
            Order::Desc => ast::Order::Desc,
        }
    }
}

/// One `{field, operator, value}` filter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// The field's full name (`customers.email`); borrowed from the schema
    /// when compiled, so that a plan copies no name.
    pub field: Cow<'static, str>,
    /// The operator.
    pub operator: Operator,
    /// The value, typed as the field's type requires.
    pub value: Value,
}

/// An operator as the API spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Operator {
    /// `=`
    #[serde(rename = "=")]
    Eq,
    /// `!=`
    #[serde(rename = "!=")]
    Ne,
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `~` (contains)
    #[serde(rename = "~")]
    Contains,
    /// `!~` (does not contain)
    #[serde(rename = "!~")]
    NotContains,
}

impl From<ast::CompareOp> for Operator {
    fn from(op: ast::CompareOp) -> Self {
        match op {
            ast::CompareOp::Eq => Operator::Eq,
            ast::CompareOp::Ne => Operator::Ne,
            ast::CompareOp::Gt => Operator::Gt,
            ast::CompareOp::Lt => Operator::Lt,
            ast::CompareOp::Ge => Operator::Ge,
            ast::CompareOp::Le => Operator::Le,
            ast::CompareOp::Contains => Operator::Contains,
            ast::CompareOp::NotContains => Operator::NotContains,
        }
    }
}

impl From<Operator> for ast::CompareOp {
    fn from(op: Operator) -> Self {
        match op {
            Operator::Eq => ast::CompareOp::Eq,
            Operator::Ne => ast::CompareOp::Ne,
            Operator::Gt => ast::CompareOp::Gt,
            Operator::Lt => ast::CompareOp::Lt,
            Operator::Ge => ast::CompareOp::Ge,
            Operator::Le => ast::CompareOp::Le,
            Operator::Contains => ast::CompareOp::Contains,
            Operator::NotContains => ast::CompareOp::NotContains,
        }
    }
}

/// A filter's value: a number for Integer and Date fields, a string for
/// text, a list of `{"name": …}` for tags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// An integer or a UNIX timestamp in seconds.
    Number(i64),
    /// Text.
    Text(String),
    /// Tag names; a contact must carry every one.
    Tags(Vec<Tag>),
}

/// `{"name": "Lead"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The tag's name, matched exactly.
    pub name: String,
}

/// How to combine the answers of several requests into one page: union
/// the rows by `by`, then take the [`Page`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Merge {
    /// The key rows are unioned by: always `"id"`.
    pub by: Cow<'static, str>,
    /// The merged rows' sort, order and page; its `limit` may exceed
    /// [`MAX_PAGE`]. Flattened, so the JSON keeps `sort`, `order`, `offset`
    /// and `limit` beside `by`.
    #[serde(flatten)]
    pub page: Page,
}

/// The page a query asks for, resolved: the matches sorted by `sort` in
/// `order` (ties by `id` ascending), `offset` rows skipped and `limit`
/// kept. [`crate::lower::PlanOptions::resolve`] makes it from a query and
/// its overrides; a plan's [`Merge`] serves it, and the reference evaluator
/// cuts an expression's matches to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// The full name of the sort field (`customers.lastSeen`).
    pub sort: Cow<'static, str>,
    /// The order; ties are broken by `id` ascending.
    pub order: Order,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to keep; `None` keeps every row after `offset` (`limit all`),
    /// and a merge's JSON then has no `limit` key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_serialise_by_type() {
        let filters = vec![
            Filter {
                field: "customers.id".into(),
                operator: Operator::Gt,
                value: Value::Number(18),
            },
            Filter {
                field: "customers.email".into(),
                operator: Operator::Contains,
                value: Value::Text("gmail".into()),
            },
            Filter {
                field: "customers.tagsData".into(),
                operator: Operator::Eq,
                value: Value::Tags(vec![Tag {
                    name: "Lead".into(),
                }]),
            },
        ];
        let json = serde_json::to_string(&filters).unwrap();
        assert_eq!(
            json,
            r#"[{"field":"customers.id","operator":">","value":18},{"field":"customers.email","operator":"~","value":"gmail"},{"field":"customers.tagsData","operator":"=","value":[{"name":"Lead"}]}]"#
        );
        let back: Vec<Filter> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, filters);
    }

    #[test]
    fn merge_writes_its_page_beside_by() {
        let merge = Merge {
            by: "id".into(),
            page: Page {
                sort: "customers.lastSeen".into(),
                order: Order::Desc,
                offset: 10,
                limit: Some(50),
            },
        };
        let json = serde_json::to_string(&merge).unwrap();
        assert_eq!(
            json,
            r#"{"by":"id","sort":"customers.lastSeen","order":"DESC","offset":10,"limit":50}"#
        );
        assert_eq!(serde_json::from_str::<Merge>(&json).unwrap(), merge);
    }

    #[test]
    fn a_merge_of_every_row_has_no_limit() {
        let merge = Merge {
            by: "id".into(),
            page: Page {
                sort: "customers.firstSeen".into(),
                order: Order::Asc,
                offset: 0,
                limit: None,
            },
        };
        let json = serde_json::to_string(&merge).unwrap();
        assert_eq!(
            json,
            r#"{"by":"id","sort":"customers.firstSeen","order":"ASC","offset":0}"#
        );
        assert_eq!(serde_json::from_str::<Merge>(&json).unwrap(), merge);
    }

    #[test]
    fn merge_is_left_out_when_absent() {
        let plan = Plan {
            requests: vec![],
            merge: None,
        };
        assert_eq!(serde_json::to_string(&plan).unwrap(), r#"{"requests":[]}"#);
    }
}
