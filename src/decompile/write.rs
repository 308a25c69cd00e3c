//! What a JSON input asks, written as the simplest hcq that reads back to
//! it: short field names, `a or b or c` from an OR request, `in (…)` and
//! `not in (…)` lists where a field is compared with several values, and
//! only the clauses that differ from the defaults.

use super::Dates;
use super::read::{Asked, Page, Request};
use crate::ast::{
    Clause, ClauseKind, CompareOp, Expr, ExprKind, Ident, Order, Query, Span, Value, ValueKind,
};
use crate::plan::{self, Comparison, Filter, Operator};
use crate::schema::{FieldType, Schema};
use crate::syntax;

/// The query `asked` is.
pub(crate) fn query(asked: &Asked, dates: Dates) -> Query {
    let terms: Vec<Expr> = asked
        .requests
        .iter()
        .map(|request| request_expr(request, dates))
        .collect();
    Query {
        expr: any_of(terms),
        clauses: clauses(&asked.page),
        span: Span::default(),
    }
}

fn expr(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

/// `a or b`, flattened; one operand alone; no operand: no contact.
fn any_of(terms: Vec<Expr>) -> Expr {
    let mut flat = Vec::new();
    for term in terms {
        match term.kind {
            ExprKind::Or(operands) => flat.extend(operands),
            _ => flat.push(term),
        }
    }
    match flat.len() {
        0 => expr(ExprKind::Not(Box::new(expr(ExprKind::All)))),
        1 => flat.remove(0),
        _ => expr(ExprKind::Or(flat)),
    }
}

fn all_of(terms: Vec<Expr>) -> Expr {
    let mut flat = Vec::new();
    for term in terms {
        match term.kind {
            ExprKind::And(operands) => flat.extend(operands),
            _ => flat.push(term),
        }
    }
    match flat.len() {
        0 => expr(ExprKind::All),
        1 => flat.remove(0),
        _ => expr(ExprKind::And(flat)),
    }
}

/// One request's filters joined by its comparison. A field compared with
/// `=` to several values in an OR request reads better as `in (…)`, and
/// with `!=` in an AND request as `not in (…)`, at the place of the first.
fn request_expr(request: &Request, dates: Dates) -> Expr {
    if request.filters.is_empty() || matches_everyone(request) {
        return expr(ExprKind::All);
    }
    let (listed, negated) = match request.comparison {
        Comparison::Or => (Operator::Eq, false),
        Comparison::And => (Operator::Ne, true),
    };
    let mut terms = Vec::new();
    let mut done = vec![false; request.filters.len()];
    for (i, filter) in request.filters.iter().enumerate() {
        if done[i] {
            continue;
        }
        let listable = filter.operator == listed && !matches!(filter.value, plan::Value::Tags(_));
        let same: Vec<usize> = (i..request.filters.len())
            .filter(|&j| {
                listable && {
                    let other = &request.filters[j];
                    other.field == filter.field && other.operator == listed
                }
            })
            .collect();
        if same.len() > 1 {
            let values = same
                .iter()
                .map(|&j| {
                    done[j] = true;
                    value(&request.filters[j], dates)
                })
                .collect();
            terms.push(expr(ExprKind::In {
                field: field_ident(&filter.field, &filter.value),
                negated,
                op_span: Span::default(),
                values,
            }));
        } else {
            done[i] = true;
            terms.push(comparison(filter, dates));
        }
    }
    match request.comparison {
        Comparison::Or => any_of(terms),
        Comparison::And => all_of(terms),
    }
}

/// Whether `request` is `id < N or id >= N`, which every contact matches
/// (every contact has an id): what `emit` sends for `all`.
fn matches_everyone(request: &Request) -> bool {
    let [a, b] = request.filters.as_slice() else {
        return false;
    };
    let on_id = |f: &Filter| f.field == "customers.id";
    request.comparison == Comparison::Or
        && on_id(a)
        && on_id(b)
        && a.value == b.value
        && matches!(
            (a.operator, b.operator),
            (Operator::Lt, Operator::Ge) | (Operator::Ge, Operator::Lt)
        )
}

fn comparison(filter: &Filter, dates: Dates) -> Expr {
    expr(ExprKind::Compare {
        field: field_ident(&filter.field, &filter.value),
        op: CompareOp::from(filter.operator),
        op_span: Span::default(),
        value: value(filter, dates),
    })
}

/// The short name, `tag` for one tag and `tags` for several.
fn field_ident(full_name: &str, value: &plan::Value) -> Ident {
    let field = Schema::default().by_name(full_name);
    let name = match value {
        plan::Value::Tags(tags) if tags.len() == 1 => "tag",
        _ => field.short_name(),
    };
    Ident {
        name: name.to_owned(),
        span: Span::default(),
    }
}

fn value(filter: &Filter, dates: Dates) -> Value {
    let field = Schema::default().by_name(&filter.field);
    let kind = match &filter.value {
        plan::Value::Number(n) if field.ty == FieldType::Date && dates == Dates::Iso => {
            iso(*n).unwrap_or_else(|| ValueKind::Integer(n.to_string()))
        }
        plan::Value::Number(n) => ValueKind::Integer(n.to_string()),
        plan::Value::Text(text) => text_value(text),
        plan::Value::Tags(tags) if tags.len() == 1 => text_value(&tags[0].name),
        plan::Value::Tags(tags) => ValueKind::List(
            tags.iter()
                .map(|tag| Value {
                    kind: text_value(&tag.name),
                    span: Span::default(),
                })
                .collect(),
        ),
    };
    Value {
        kind,
        span: Span::default(),
    }
}

/// A timestamp as a date (midnight UTC) or a date-time in UTC.
fn iso(seconds: i64) -> Option<ValueKind> {
    let time = jiff::Timestamp::from_second(seconds).ok()?;
    let utc = time.to_zoned(jiff::tz::TimeZone::UTC);
    // The language writes years 0000 to 9999; others stay seconds.
    if !(0..=9999).contains(&utc.year()) {
        return None;
    }
    if utc.time() == jiff::civil::Time::midnight() {
        Some(ValueKind::Date(utc.date().to_string()))
    } else {
        Some(ValueKind::DateTime(time.to_string()))
    }
}

/// Text as a bare word when it reads back as exactly that text (a word
/// or digits, never a keyword, a date or `now`), else quoted.
fn text_value(text: &str) -> ValueKind {
    let probe = format!("x = {text}");
    let bare = !text.is_empty()
        && text.len() <= 64
        && syntax::parse_query(&probe, &crate::Limits::default()).is_ok_and(|query| {
            query.clauses.is_empty()
                && matches!(
                    &query.expr.kind,
                    ExprKind::Compare { value: Value { kind: ValueKind::Word(word) | ValueKind::Integer(word), .. }, .. }
                        if word == text
                )
        });
    if bare {
        ValueKind::Word(text.to_owned())
    } else {
        ValueKind::Str(text.to_owned())
    }
}

/// The clauses that differ from the defaults: `sort by F [desc]`,
/// `limit N` or `limit all`, `offset N`.
fn clauses(page: &Page) -> Vec<Clause> {
    let mut clauses = Vec::new();
    let clause = |kind| Clause {
        kind,
        span: Span::default(),
    };
    let default_order: Order = plan::DEFAULT_ORDER.into();
    if page.sort.name != plan::DEFAULT_SORT || page.order != default_order {
        clauses.push(clause(ClauseKind::Sort {
            field: Ident {
                name: page.sort.short_name().to_owned(),
                span: Span::default(),
            },
            order: (page.order != default_order).then_some((page.order, Span::default())),
        }));
    }
    match page.limit {
        Some(plan::DEFAULT_LIMIT) => {}
        Some(limit) => clauses.push(clause(ClauseKind::Limit(
            limit.to_string(),
            Span::default(),
        ))),
        None => clauses.push(clause(ClauseKind::Limit("all".to_owned(), Span::default()))),
    }
    if page.offset != 0 {
        clauses.push(clause(ClauseKind::Offset(
            page.offset.to_string(),
            Span::default(),
        )));
    }
    clauses
}
