//! The checked tree: fields resolved against the schema, values read by
//! their field's type, `in` lists expanded, clauses validated. Produced by
//! [`crate::check`](mod@crate::check), consumed by [`crate::lower`].

use crate::ast::{CompareOp, Limit, Order, Span};
use crate::schema::Field;

/// A checked query.
///
/// `sort`, `limit` and `offset` keep the shape the language has (an order
/// only with a `sort by`); [`crate::lower::PlanOptions::written`] gives
/// them in the shape of overrides, and
/// [`crate::lower::PlanOptions::resolve`] turns both into the page a plan
/// serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The filter expression.
    pub expr: Expr,
    /// `sort by`, if written.
    pub sort: Option<Sort>,
    /// `limit N` or `limit all`, if written.
    pub limit: Option<Limit>,
    /// `offset N`, if written.
    pub offset: Option<u64>,
    /// The whole query.
    pub span: Span,
}

/// A checked `sort by` clause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// A field that may be sorted by.
    pub field: &'static Field,
    /// The order, if written.
    pub order: Option<Order>,
}

/// A checked boolean expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Any operand holds (at least two).
    Or(Vec<Expr>, Span),
    /// Every operand holds (at least two).
    And(Vec<Expr>, Span),
    /// The operand does not hold.
    Not(Box<Expr>, Span),
    /// One API filter.
    Filter(Filter),
    /// `all`: every contact holds it.
    All(Span),
}

impl Expr {
    /// Where this expression was written.
    pub fn span(&self) -> Span {
        match self {
            Expr::Or(_, span) | Expr::And(_, span) | Expr::Not(_, span) | Expr::All(span) => *span,
            Expr::Filter(filter) => filter.span,
        }
    }
}

/// One filter the API can take: `field op value`, type-correct.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Filter {
    /// The field (full name in `field.name`).
    pub field: &'static Field,
    /// An operator the field's type allows.
    pub op: CompareOp,
    /// A value of the field's type.
    pub value: Literal,
    /// Where the filter was written (for an `in` list, the listed value).
    pub span: Span,
}

/// A value of a field's type.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Literal {
    /// For String fields.
    Text(String),
    /// For Integer fields.
    Integer(i64),
    /// For Date fields: a UNIX timestamp in seconds.
    Timestamp(i64),
    /// For the tags field: tag names, at least one, in the order written.
    Tags(Vec<String>),
}

impl Literal {
    /// The number of an Integer or Date value.
    pub fn as_number(&self) -> Option<i64> {
        match self {
            Literal::Integer(n) | Literal::Timestamp(n) => Some(*n),
            _ => None,
        }
    }
}
