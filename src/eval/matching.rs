//! Whether one contact meets an expression or a request, by the semantics
//! of docs/SEMANTICS.md.

use super::contact::{Contact, FieldValue};
use crate::ast::CompareOp;
use crate::plan::{self, Request};
use crate::typed::{self, Literal};

/// The value side of one comparison.
pub(super) enum Operand<'a> {
    Number(i64),
    Text(&'a str),
    Tags(Vec<&'a str>),
}

/// Whether `field op operand` holds for `contact`.
pub(super) fn compare(contact: &Contact, field: &str, op: CompareOp, operand: Operand<'_>) -> bool {
    match (contact.field(field), operand) {
        (FieldValue::Number(have), Operand::Number(want)) => match op {
            CompareOp::Eq => have == want,
            CompareOp::Ne => have != want,
            CompareOp::Gt => have > want,
            CompareOp::Lt => have < want,
            CompareOp::Ge => have >= want,
            CompareOp::Le => have <= want,
            CompareOp::Contains | CompareOp::NotContains => false,
        },
        (FieldValue::Text(have), Operand::Text(want)) => {
            let equal = have == Some(want);
            let contains =
                have.is_some_and(|have| have.to_lowercase().contains(&want.to_lowercase()));
            match op {
                CompareOp::Eq => equal,
                CompareOp::Ne => !equal,
                CompareOp::Contains => contains,
                CompareOp::NotContains => !contains,
                CompareOp::Gt | CompareOp::Lt | CompareOp::Ge | CompareOp::Le => false,
            }
        }
        (FieldValue::Tags(have), Operand::Tags(want)) => {
            let all = want.iter().all(|w| have.iter().any(|t| t.name == *w));
            match op {
                CompareOp::Eq => all,
                CompareOp::Ne => !all,
                _ => false,
            }
        }
        // A value of the wrong type, or an unknown field: the API would
        // refuse the request; nothing matches.
        _ => false,
    }
}

/// Whether a checked expression selects `contact`.
pub fn matches_expr(expr: &typed::Expr, contact: &Contact) -> bool {
    match expr {
        typed::Expr::Or(items, _) => items.iter().any(|item| matches_expr(item, contact)),
        typed::Expr::And(items, _) => items.iter().all(|item| matches_expr(item, contact)),
        typed::Expr::Not(inner, _) => !matches_expr(inner, contact),
        typed::Expr::All(_) => true,
        typed::Expr::Filter(filter) => {
            let operand = match &filter.value {
                Literal::Text(text) => Operand::Text(text),
                Literal::Integer(n) | Literal::Timestamp(n) => Operand::Number(*n),
                Literal::Tags(names) => Operand::Tags(names.iter().map(String::as_str).collect()),
            };
            compare(contact, filter.field.name, filter.op, operand)
        }
    }
}

/// Whether one API request's filters select `contact` (ignoring paging).
pub fn matches_request(request: &Request, contact: &Contact) -> bool {
    let hit = |filter: &plan::Filter| {
        let operand = match &filter.value {
            plan::Value::Number(n) => Operand::Number(*n),
            plan::Value::Text(text) => Operand::Text(text),
            plan::Value::Tags(tags) => {
                Operand::Tags(tags.iter().map(|t| t.name.as_str()).collect())
            }
        };
        compare(contact, &filter.field, filter.operator.into(), operand)
    };
    match request.comparison {
        plan::Comparison::And => request.filter.iter().all(hit),
        plan::Comparison::Or => request.filter.iter().any(hit),
    }
}
