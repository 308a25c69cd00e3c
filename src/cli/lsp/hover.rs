//! Hover: on a field, its API name, type and operators; on a segment's
//! name or `@name`, the segment's text and what running it costs.

use super::document::Document;
use super::index::{Index, Target};
use crate as hcq;
use crate::segment::{CompiledFile, CompiledSegment, calls_text};
use hcq::schema::{Field, FieldType, Schema};
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

/// What to show for the name at byte `offset`.
pub(crate) fn hover(
    document: &Document,
    index: &Index,
    compiled: Option<&CompiledFile>,
    schema: &Schema,
    offset: usize,
) -> Option<Hover> {
    let (text, span) = match index.at(offset)? {
        Target::Field(name) => (describe_field(schema.field(&name.name)?), name.span),
        Target::Definition(definition) => (
            describe_segment(document, index, compiled, &definition.name)?,
            definition.name_span,
        ),
        Target::Reference(reference) => (
            describe_segment(document, index, compiled, &reference.name)?,
            reference.span,
        ),
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: text,
        }),
        range: Some(document.range(span.start, span.end)),
    })
}

/// A field's full name, type, operators and other names.
pub(crate) fn describe_field(field: &Field) -> String {
    let mut text = format!(
        "**{}** (`{}`): {}\n\n",
        field.short_name(),
        field.name,
        field.ty
    );
    if field.usage.search {
        text.push_str(&format!("Operators: {}", operators(field.ty)));
    } else {
        text.push_str("Only in `sort by`: the API does not filter by it.");
    }
    if field.usage.search && field.usage.sort {
        text.push_str("\n\nAlso a `sort by` field.");
    }
    let others: Vec<String> = field
        .aliases
        .iter()
        .skip(1)
        .map(|alias| format!("`{alias}`"))
        .collect();
    if !others.is_empty() {
        text.push_str(&format!("\n\nAlso written {}.", others.join(", ")));
    }
    text
}

/// The operators a field of type `ty` takes, as the checker allows them:
/// the comparisons of the operator table, `in`, and `not in` where `!=` is
/// allowed (it is an `and` of `!=`).
pub(crate) fn operators(ty: FieldType) -> String {
    let mut names: Vec<String> = ty.operators().iter().map(|op| format!("`{op}`")).collect();
    names.push("`in`".to_owned());
    if ty.allows(hcq::ast::CompareOp::Ne) {
        names.push("`not in`".to_owned());
    }
    names.join(" ")
}

fn describe_segment(
    document: &Document,
    index: &Index,
    compiled: Option<&CompiledFile>,
    name: &str,
) -> Option<String> {
    let definition = index.definition(name)?;
    let source = definition.span.slice(document.text());
    let mut text = format!("```hcq\n{source}\n```\n\n");
    match compiled.and_then(|compiled| compiled.get(name)) {
        Some(segment) => {
            let cost = cost(segment);
            text.push_str(&format!("**{}**", cost.headline));
            if let Some(detail) = cost.detail {
                text.push_str(&format!(": {detail}"));
            }
        }
        None => text.push_str("Its cost is known once the file has no errors."),
    }
    Some(text)
}

/// What running a segment once costs, in words.
pub(crate) struct Cost {
    /// Requests and API calls: `2 requests, 4 API calls`.
    pub headline: String,
    /// How the pages add up, when they do.
    pub detail: Option<String>,
}

pub(crate) fn cost(segment: &CompiledSegment) -> Cost {
    let requests = match segment.requests() {
        1 => "1 request".to_owned(),
        n => format!("{n} requests"),
    };
    let plan = segment.plan();
    let Some(merge) = &plan.merge else {
        return Cost {
            headline: format!("{requests}, {}", calls_text(plan.api_calls())),
            detail: None,
        };
    };
    let page_rows = plan
        .requests
        .first()
        .map_or(hcq::plan::MAX_PAGE, |r| r.limit);
    let detail = match merge.page.limit {
        Some(limit) => {
            let rows = merge.page.offset.saturating_add(limit);
            let pages = rows.div_ceil(page_rows.max(1)).max(1);
            format!(
                "each request is read in pages of {page_rows} rows until it has {rows} \
                 (offset {} and limit {limit}): {pages} page{} each",
                merge.page.offset,
                if pages == 1 { "" } else { "s" }
            )
        }
        None => format!(
            "`limit all`: each request is read in pages of {page_rows} rows until \
             its last, as many as there are matching contacts"
        ),
    };
    Cost {
        headline: format!("{requests}, {}", calls_text(plan.api_calls())),
        detail: Some(detail),
    }
}
