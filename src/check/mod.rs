//! [`crate::ast`] to [`crate::typed`]: fields resolved against the schema,
//! operators checked against the field's type, values read by the field's
//! type, `in` lists expanded and clauses validated.
//!
//! One run reports every error it finds, in source order. The walk recurses
//! only as deep as the input nests (the parser bounds that); the operands
//! of `and`/`or` are visited in a loop.

mod error;
mod value;

pub use error::CheckError;

use crate::ast::{self, CompareOp, Span};
use crate::limits::Limits;
use crate::schema::{Field, FieldType, Schema};
use crate::typed;
use error::at;
use value::{Reader, Test};

/// What the checker needs besides the tree.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Context {
    /// The fields.
    pub schema: Schema,
    /// What `now` means.
    pub now: jiff::Timestamp,
    /// The bounds.
    pub limits: Limits,
}

impl Context {
    /// The contact schema and the default bounds, with `now` as the clock.
    pub fn new(now: jiff::Timestamp) -> Self {
        Context {
            schema: Schema::default(),
            now,
            limits: Limits::default(),
        }
    }
}

/// Checks a query: its expression and its `sort by`, `limit` and `offset`
/// clauses.
///
/// # Errors
///
/// Every error found, in source order: unknown fields, operators and values
/// that do not fit a field's type, inexpressible negations, clauses the API
/// cannot serve, and bounds ([`Limits::max_filters`](crate::Limits)).
pub fn check_query(query: &ast::Query, cx: &Context) -> Result<typed::Query, Vec<CheckError>> {
    let mut checker = Checker::new(cx);
    let expr = checker.expr(&query.expr);
    let clauses = checker.clauses(&query.clauses);
    match expr {
        Some(expr) if checker.errors.is_empty() => Ok(typed::Query {
            expr,
            sort: clauses.sort,
            limit: clauses.limit,
            offset: clauses.offset,
            span: query.span,
        }),
        _ => Err(checker.errors),
    }
}

/// Checks one expression (a segment's, once its references are spliced
/// in).
///
/// # Errors
///
/// Every error found, in source order, as for [`check_query`].
pub fn check_expr(expr: &ast::Expr, cx: &Context) -> Result<typed::Expr, Vec<CheckError>> {
    let mut checker = Checker::new(cx);
    match checker.expr(expr) {
        Some(expr) if checker.errors.is_empty() => Ok(expr),
        _ => Err(checker.errors),
    }
}

/// The walk's state. Every method that returns `None` has pushed an error.
struct Checker<'a> {
    cx: &'a Context,
    errors: Vec<CheckError>,
    /// Filters seen so far, to report `too_many_filters` once.
    filters: usize,
    /// The innermost `not` while an odd number of them encloses the node
    /// being checked: a tag test there would be a negated tag test.
    negated_by: Option<Span>,
}

/// The checked clauses (the first of each kind).
#[derive(Default)]
struct Clauses {
    sort: Option<typed::Sort>,
    limit: Option<ast::Limit>,
    offset: Option<u64>,
}

impl<'a> Checker<'a> {
    fn new(cx: &'a Context) -> Self {
        Checker {
            cx,
            errors: Vec::new(),
            filters: 0,
            negated_by: None,
        }
    }

    fn expr(&mut self, expr: &ast::Expr) -> Option<typed::Expr> {
        match &expr.kind {
            ast::ExprKind::Or(operands) => self
                .operands(operands)
                .map(|operands| typed::Expr::Or(operands, expr.span)),
            ast::ExprKind::And(operands) => self
                .operands(operands)
                .map(|operands| typed::Expr::And(operands, expr.span)),
            ast::ExprKind::Not(operand) => {
                let outer = self.negated_by;
                self.negated_by = match outer {
                    Some(_) => None,
                    None => Some(not_keyword(expr.span)),
                };
                let operand = self.expr(operand);
                self.negated_by = outer;
                operand.map(|operand| typed::Expr::Not(Box::new(operand), expr.span))
            }
            ast::ExprKind::Compare {
                field,
                op,
                op_span,
                value,
            } => self.compare(expr.span, field, *op, *op_span, value),
            ast::ExprKind::In {
                field,
                negated,
                op_span,
                values,
            } => self.membership(expr.span, field, *negated, *op_span, values),
            ast::ExprKind::Ref(name) => {
                self.errors.push(CheckError::ReferenceOutsideFile {
                    name: name.name.clone(),
                    span: at(expr.span),
                });
                None
            }
            ast::ExprKind::All => Some(typed::Expr::All(expr.span)),
        }
    }

    /// Checks every operand, even after one fails, so that all errors are found.
    fn operands(&mut self, operands: &[ast::Expr]) -> Option<Vec<typed::Expr>> {
        let mut checked = Vec::with_capacity(operands.len());
        let mut ok = true;
        for operand in operands {
            match self.expr(operand) {
                Some(operand) if ok => checked.push(operand),
                Some(_) => {}
                None => ok = false,
            }
        }
        ok.then_some(checked)
    }

    /// `field op value`.
    fn compare(
        &mut self,
        span: Span,
        field: &ast::Ident,
        op: CompareOp,
        op_span: Span,
        value: &ast::Value,
    ) -> Option<typed::Expr> {
        self.count_filter(span);
        let resolved = self.filter_field(field)?;
        let op_ok = self.operator(resolved, field, op, op_span, span);
        let literal = self
            .reader(resolved, field)
            .read(value, Test::Compare(op), &mut self.errors);
        let value = literal.filter(|_| op_ok && resolved.usage.search)?;
        Some(typed::Expr::Filter(typed::Filter {
            field: resolved,
            op,
            value,
            span,
        }))
    }

    /// Whether `op` may compare `field`; pushes the reason if not.
    fn operator(
        &mut self,
        field: &'static Field,
        written: &ast::Ident,
        op: CompareOp,
        op_span: Span,
        test: Span,
    ) -> bool {
        if field.ty == FieldType::Tags && op == CompareOp::Ne {
            let help = if self.negated_by.is_some() {
                format!(
                    "a tags filter only finds contacts that carry the tags; under `not`, \
                     `{0} != X` means `{0} = X`: write that",
                    written.name
                )
            } else {
                "a tags filter only finds contacts that carry the tags; test for a tag \
                 the contacts do carry instead, such as `tag = Customer`"
                    .to_owned()
            };
            self.errors.push(CheckError::TagNotEqual {
                span: at(op_span),
                help,
            });
            return false;
        }
        if !field.ty.allows(op) {
            self.errors.push(CheckError::OperatorType {
                field: written.name.clone(),
                op: op.as_str(),
                holds: holds(field.ty),
                span: at(op_span),
                help: operator_help(field.ty, &written.name),
            });
            return false;
        }
        if field.ty == FieldType::Tags {
            if let Some(not) = self.negated_by {
                self.errors.push(CheckError::TagNegation {
                    test: at(test),
                    negation: at(not),
                });
                return false;
            }
        }
        true
    }

    /// `field in (v, …)` and `field not in (v, …)`: an `or` of `=` filters,
    /// under a `not` for `not in`.
    fn membership(
        &mut self,
        span: Span,
        field: &ast::Ident,
        negated: bool,
        op_span: Span,
        values: &[ast::Value],
    ) -> Option<typed::Expr> {
        for value in values {
            self.count_filter(value.span);
        }
        let resolved = self.filter_field(field)?;
        let mut ok = resolved.usage.search;
        let max = self.cx.limits.max_list_len;
        if values.len() > max {
            self.errors.push(CheckError::ListTooLong {
                len: values.len(),
                max,
                span: at(span),
            });
            ok = false;
        }
        // `not in` inside an odd number of `not`s asks for the tags themselves.
        if resolved.ty == FieldType::Tags && negated != self.negated_by.is_some() {
            let (test, negation) = match self.negated_by {
                Some(not) => (span, not),
                None => (field.span, op_span),
            };
            self.errors.push(CheckError::TagNegation {
                test: at(test),
                negation: at(negation),
            });
            ok = false;
        }
        let reader = self.reader(resolved, field);
        let mut filters = Vec::with_capacity(values.len());
        for value in values {
            match reader.read(value, Test::In { negated }, &mut self.errors) {
                Some(literal) if ok => filters.push(typed::Expr::Filter(typed::Filter {
                    field: resolved,
                    op: CompareOp::Eq,
                    value: literal,
                    span: value.span,
                })),
                Some(_) => {}
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let any = if filters.len() == 1 {
            filters.pop()?
        } else {
            typed::Expr::Or(filters, span)
        };
        Some(if negated {
            typed::Expr::Not(Box::new(any), span)
        } else {
            any
        })
    }

    fn reader<'f>(&self, field: &'static Field, written: &'f ast::Ident) -> Reader<'f> {
        Reader {
            field: &written.name,
            ty: field.ty,
            now: self.cx.now,
            max_list_len: self.cx.limits.max_list_len,
        }
    }

    fn count_filter(&mut self, span: Span) {
        self.filters += 1;
        let max = self.cx.limits.max_filters;
        if self.filters == max.saturating_add(1) {
            self.errors.push(CheckError::TooManyFilters {
                max,
                span: at(span),
            });
        }
    }

    /// The field a filter names, if it exists. One that cannot be filtered
    /// on is reported but still returned, so that the operator and values
    /// written with it are checked by its type too.
    fn filter_field(&mut self, written: &ast::Ident) -> Option<&'static Field> {
        let schema = &self.cx.schema;
        let Some(field) = schema.field(&written.name) else {
            let help = suggestion(schema, &written.name, |f| f.usage.search).unwrap_or_else(|| {
                format!(
                    "the searchable fields are {}",
                    names(schema.searchable(), "and")
                )
            });
            self.errors.push(CheckError::UnknownField {
                name: written.name.clone(),
                span: at(written.span),
                help,
            });
            return None;
        };
        if !field.usage.search {
            let mut help = format!(
                "write `sort by {}` after the expression to order the results by it",
                written.name
            );
            let alike: Vec<_> = schema.searchable().filter(|f| f.ty == field.ty).collect();
            if !alike.is_empty() {
                help.push_str(&format!(
                    "; to filter on {}, use {}",
                    holds(field.ty),
                    names(alike.into_iter(), "or")
                ));
            }
            self.errors.push(CheckError::SortOnlyField {
                name: written.name.clone(),
                span: at(written.span),
                help,
            });
        }
        Some(field)
    }

    /// Checks every clause; a repeated clause is an error and only the
    /// first of each kind is kept.
    fn clauses(&mut self, clauses: &[ast::Clause]) -> Clauses {
        let mut checked = Clauses::default();
        // The first `sort by`, `limit` and `offset` seen.
        let mut first: [Option<Span>; 3] = [None; 3];
        for clause in clauses {
            let slot = match clause.kind {
                ast::ClauseKind::Sort { .. } => 0,
                ast::ClauseKind::Limit(..) => 1,
                ast::ClauseKind::Offset(..) => 2,
            };
            let repeated = match first[slot] {
                Some(earlier) => {
                    self.errors.push(CheckError::DuplicateClause {
                        keyword: clause.kind.keyword(),
                        first: at(earlier),
                        second: at(clause.span),
                    });
                    true
                }
                None => {
                    first[slot] = Some(clause.span);
                    false
                }
            };
            match &clause.kind {
                ast::ClauseKind::Sort { field, order } => {
                    let sort = self.sort_field(field).map(|field| typed::Sort {
                        field,
                        order: order.map(|(order, _)| order),
                    });
                    if !repeated {
                        checked.sort = sort;
                    }
                }
                ast::ClauseKind::Limit(count, span) => {
                    let limit = if ast::Limit::is_all(count) {
                        Some(ast::Limit::All)
                    } else {
                        self.number("limit", count, *span).map(ast::Limit::Rows)
                    };
                    if limit == Some(ast::Limit::Rows(0)) {
                        self.errors.push(CheckError::LimitZero { span: at(*span) });
                    }
                    if !repeated {
                        checked.limit = limit;
                    }
                }
                ast::ClauseKind::Offset(digits, span) => {
                    let offset = self.number("offset", digits, *span);
                    if !repeated {
                        checked.offset = offset;
                    }
                }
            }
        }
        checked
    }

    fn sort_field(&mut self, written: &ast::Ident) -> Option<&'static Field> {
        let schema = &self.cx.schema;
        let sortable = || format!("the API sorts only by {}", names(schema.sortable(), "or"));
        match schema.field(&written.name) {
            None => {
                let help =
                    suggestion(schema, &written.name, |f| f.usage.sort).unwrap_or_else(sortable);
                self.errors.push(CheckError::UnknownField {
                    name: written.name.clone(),
                    span: at(written.span),
                    help,
                });
                None
            }
            Some(field) if !field.usage.sort => {
                self.errors.push(CheckError::NotSortable {
                    name: written.name.clone(),
                    span: at(written.span),
                    help: sortable(),
                });
                None
            }
            Some(field) => Some(field),
        }
    }

    fn number(&mut self, keyword: &'static str, digits: &str, span: Span) -> Option<u64> {
        match digits.parse() {
            Ok(number) => Some(number),
            Err(_) => {
                self.errors.push(CheckError::ClauseRange {
                    keyword,
                    text: digits.to_owned(),
                    span: at(span),
                });
                None
            }
        }
    }
}

/// The span of the `not` keyword that starts a `not` expression: the AST
/// keeps only the whole expression's span, and the keyword is three bytes
/// in any case.
fn not_keyword(span: Span) -> Span {
    Span::new(span.start, span.end.min(span.start + "not".len()))
}

/// "did you mean `email`?", when a fitting name is close to `name`.
fn suggestion(schema: &Schema, name: &str, fits: impl Fn(&Field) -> bool) -> Option<String> {
    let close = schema.suggest(name)?;
    let field = schema.field(close)?;
    fits(field).then(|| format!("did you mean `{close}`?"))
}

/// "`a`, `b` and `c`", by short name.
fn names(fields: impl Iterator<Item = &'static Field>, conjunction: &str) -> String {
    let names: Vec<String> = fields.map(|f| format!("`{}`", f.short_name())).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} {conjunction} {last}", rest.join(", ")),
    }
}

/// What a field of this type holds, in the plural.
fn holds(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Integer => "integers",
        FieldType::String => "text",
        FieldType::Date => "dates",
        FieldType::Tags => "tags",
    }
}

/// The operators a field takes, in words.
fn operator_help(ty: FieldType, field: &str) -> String {
    if ty == FieldType::Tags {
        return format!(
            "tags take only `=`: `{field} = Lead` matches contacts that carry the tag Lead, \
             `{field} = [Lead, Paid]` those that carry both"
        );
    }
    let ops: Vec<String> = ty
        .operators()
        .iter()
        .map(|op| match op {
            CompareOp::Contains => format!("`{op}` (contains)"),
            CompareOp::NotContains => format!("`{op}` (does not contain)"),
            _ => format!("`{op}`"),
        })
        .collect();
    let ops = match ops.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => ops.concat(),
    };
    format!("`{field}` takes {ops}")
}
