//! One expression, value or clause on one line, in canonical form:
//! keywords in lower case, one space around operators, parentheses only
//! where precedence needs them.

use crate::ast::{self, ClauseKind, Expr, ExprKind, Limit, Value, ValueKind};
use crate::syntax::escape;
use std::fmt::Write as _;

/// Where an expression is printed, for deciding parentheses.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    Top,
    OrOperand,
    AndOperand,
    NotOperand,
}

fn needs_parens(kind: &ExprKind, context: Context) -> bool {
    match kind {
        // `Or` directly in `Or` only comes from a tree built that way (the
        // parser flattens); parentheses keep that tree as it is.
        ExprKind::Or(_) => context != Context::Top,
        ExprKind::And(_) => matches!(context, Context::AndOperand | Context::NotOperand),
        // `not not a` reads badly; `not (not a)` is unambiguous.
        ExprKind::Not(_) => context == Context::NotOperand,
        ExprKind::Compare { .. } | ExprKind::In { .. } | ExprKind::Ref(_) | ExprKind::All => false,
    }
}

// Recursion is bounded by the nesting the parser accepts.
pub(super) fn write_expr(out: &mut String, expr: &Expr, context: Context) {
    let parens = needs_parens(&expr.kind, context);
    if parens {
        out.push('(');
    }
    match &expr.kind {
        ExprKind::Or(operands) => write_joined(out, operands, " or ", Context::OrOperand),
        ExprKind::And(operands) => write_joined(out, operands, " and ", Context::AndOperand),
        ExprKind::Not(operand) => {
            out.push_str("not ");
            write_expr(out, operand, Context::NotOperand);
        }
        ExprKind::Compare {
            field, op, value, ..
        } => {
            let _ = write!(out, "{} {} ", field.name, op.as_str());
            write_value(out, value);
        }
        ExprKind::In {
            field,
            negated,
            values,
            ..
        } => {
            out.push_str(&field.name);
            out.push_str(if *negated { " not in (" } else { " in (" });
            write_values(out, values);
            out.push(')');
        }
        ExprKind::All => out.push_str("all"),
        ExprKind::Ref(ident) => {
            out.push('@');
            out.push_str(&ident.name);
        }
    }
    if parens {
        out.push(')');
    }
}

fn write_joined(out: &mut String, operands: &[Expr], separator: &str, context: Context) {
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        write_expr(out, operand, context);
    }
}

fn write_values(out: &mut String, values: &[Value]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_value(out, value);
    }
}

fn write_value(out: &mut String, value: &Value) {
    match &value.kind {
        ValueKind::Str(text) => escape::quote_into(out, text),
        ValueKind::Word(text)
        | ValueKind::Integer(text)
        | ValueKind::Date(text)
        | ValueKind::DateTime(text) => out.push_str(text),
        // The word as written: compared with a text field, `NOW` is the
        // text "NOW".
        ValueKind::Now { word, offset: None } => out.push_str(word),
        ValueKind::Now {
            word,
            offset: Some(offset),
        } => {
            let sign = if offset.minus { '-' } else { '+' };
            let _ = write!(out, "{word} {sign} {}{}", offset.amount, offset.unit);
        }
        ValueKind::List(values) => {
            out.push('[');
            write_values(out, values);
            out.push(']');
        }
    }
}

pub(super) fn write_clause(clause: &ClauseKind) -> String {
    match clause {
        ClauseKind::Sort { field, order } => match order {
            Some((ast::Order::Asc, _)) => format!("sort by {} asc", field.name),
            Some((ast::Order::Desc, _)) => format!("sort by {} desc", field.name),
            None => format!("sort by {}", field.name),
        },
        ClauseKind::Limit(count, _) if Limit::is_all(count) => "limit all".to_owned(),
        ClauseKind::Limit(digits, _) => format!("limit {digits}"),
        ClauseKind::Offset(digits, _) => format!("offset {digits}"),
    }
}
