//! Each lowering stage on typed trees built by hand: the builders here,
//! the tests by stage in the files below.

use crate::Limits;
use crate::ast::{CompareOp, Limit, Order, Span};
use crate::lower::{
    self, LowerError, LowerWarning, Lowered, PlanOptions, Rule, Trace, dnf, nnf, pack, show_filter,
    show_filters, simplify,
};
use crate::plan::{self, Comparison};
use crate::schema::{FieldType, Schema};
use crate::typed::{Expr, Filter, Literal, Query};
use miette::Diagnostic;
use std::sync::Arc;

mod explain;
mod normal_forms;
mod simplification;
mod whole;

/// `f("id > 5")`, `f("email ~ gmail")`, `f("tags = Lead, Paid")`: a filter
/// on a field by short name, its value read by the field's type.
fn filter(text: &str) -> Filter {
    let mut parts = text.splitn(3, ' ');
    let (name, op, value) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let field = Schema::CONTACTS.field(name).unwrap();
    let op = *CompareOp::ALL.iter().find(|o| o.as_str() == op).unwrap();
    let value = match field.ty {
        FieldType::Integer => Literal::Integer(value.parse().unwrap()),
        FieldType::Date => Literal::Timestamp(value.parse().unwrap()),
        FieldType::String => Literal::Text(value.trim_matches('"').to_owned()),
        FieldType::Tags => Literal::Tags(value.split(", ").map(str::to_owned).collect()),
    };
    Filter {
        field,
        op,
        value,
        span: Span::default(),
    }
}

fn f(text: &str) -> Expr {
    Expr::Filter(filter(text))
}

fn and(items: Vec<Expr>) -> Expr {
    Expr::And(items, Span::default())
}

fn or(items: Vec<Expr>) -> Expr {
    Expr::Or(items, Span::default())
}

/// `all`: every contact.
fn all() -> Expr {
    Expr::All(Span::default())
}

fn not(item: Expr) -> Expr {
    Expr::Not(Box::new(item), Span::default())
}

fn query(expr: Expr) -> Query {
    Query {
        expr,
        sort: None,
        limit: None,
        offset: None,
        span: Span::default(),
    }
}

fn lower_ok(expr: Expr) -> Lowered {
    lower_traced_ok(expr).0
}

/// Lowers with and without the trace, which must give the same plan and
/// warnings.
fn lower_traced_ok(expr: Expr) -> (Lowered, Trace) {
    let (options, limits) = (PlanOptions::default(), Limits::default());
    let (traced, trace) = lower::lower_traced(&query(expr.clone()), &options, &limits).unwrap();
    let fast = lower::lower(&query(expr), &options, &limits).unwrap();
    assert_eq!(fast.plan, traced.plan);
    assert_eq!(fast.warnings, traced.warnings);
    (traced, trace)
}

fn lower_err(expr: Expr, limits: &Limits) -> LowerError {
    lower::lower(&query(expr), &PlanOptions::default(), limits).unwrap_err()
}

/// The terms as text, one string per term.
fn show(terms: &[dnf::Term]) -> Vec<String> {
    terms
        .iter()
        .map(|t| show_filters(t.filters.iter().map(|f| &**f)))
        .collect()
}

/// Simplifies hand-written terms, each a list of filters.
fn simplified(terms: &[&[&str]]) -> (Vec<String>, Vec<Rule>) {
    let terms = terms
        .iter()
        .map(|t| dnf::Term {
            filters: t.iter().map(|s| Arc::new(filter(s))).collect(),
        })
        .collect();
    let mut log = lower::Log::default();
    let out = simplify::simplify(terms, &mut log);
    let rules = log.rewrites().iter().map(|r| r.rule).collect();
    (show(&out), rules)
}

fn nnf_of(expr: &Expr) -> nnf::Expr {
    nnf::to_nnf(expr, &mut lower::Log::default())
}

fn request_count(expr: Expr) -> usize {
    lower_ok(expr).plan.requests.len()
}
