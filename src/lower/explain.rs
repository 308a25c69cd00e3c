//! `hcq explain`: each stage of lowering, for a person, in plain text.

use super::{Lowered, Rewrite, Rule, Trace, dnf, nnf, show_filter, show_filters};
use crate::ast::Span;
use crate::plan::{self, Comparison};
use std::fmt::Write as _;

/// Most terms listed per stage; the rest are counted.
const SHOWN_TERMS: usize = 40;
/// Most characters of the normal form shown.
const SHOWN_NNF: usize = 2000;
/// Most characters of a quoted piece of source.
const SHOWN_SOURCE: usize = 72;

/// The stages of a lowering as plain text: the normal form, the terms,
/// what was simplified and why, each request with the source it came from,
/// and why the plan needs that many requests. `lowered` and `trace` are
/// what [`super::lower_traced`] returned; `source` is the text the spans
/// point into.
pub fn render(source: &str, lowered: &Lowered, trace: &Trace) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Expression");
    let _ = writeln!(out, "  {}", quote(source, trace.span, usize::MAX / 2));

    section_nnf(&mut out, source, trace);
    section_dnf(&mut out, trace);
    section_simplify(&mut out, source, trace);
    section_requests(&mut out, source, lowered, trace);
    section_paging(&mut out, lowered, trace);

    if !lowered.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings");
        for warning in &lowered.warnings {
            let _ = writeln!(out, "  - {warning}");
        }
    }
    out
}

fn section_nnf(out: &mut String, source: &str, trace: &Trace) {
    let _ = writeln!(
        out,
        "\n1. Negation normal form: every `not` pushed down to a comparison"
    );
    let mut text = show_nnf(&trace.nnf, false);
    if text.chars().count() > SHOWN_NNF {
        text = text.chars().take(SHOWN_NNF).collect::<String>() + " …";
    }
    let _ = writeln!(out, "  {text}");
    let rewrites: Vec<&Rewrite> = trace
        .rewrites
        .iter()
        .filter(|r| {
            matches!(
                r.rule,
                Rule::NegatedComparison | Rule::DeMorgan | Rule::DoubleNegation | Rule::All
            )
        })
        .collect();
    if rewrites.is_empty() {
        let _ = writeln!(out, "  (no `not` to push down)");
    }
    for rewrite in rewrites {
        write_rewrite(out, source, rewrite);
    }
}

fn section_dnf(out: &mut String, trace: &Trace) {
    let terms = &trace.dnf;
    let _ = writeln!(
        out,
        "\n2. Disjunctive normal form: an OR of {} AND-term{}",
        terms.len(),
        plural(terms.len())
    );
    if let Some(and) = &trace.estimate.largest_and {
        let factors: Vec<String> = and.factors.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "  (estimated before building; the largest `and` multiplies {} = {})",
            factors.join(" × "),
            and.terms
        );
    }
    write_terms(out, terms);
}

fn section_simplify(out: &mut String, source: &str, trace: &Trace) {
    let _ = writeln!(
        out,
        "\n3. Simplified, by laws that hold whatever the API's string rules are"
    );
    let rewrites: Vec<&Rewrite> = trace
        .rewrites
        .iter()
        .filter(|r| {
            !matches!(
                r.rule,
                Rule::NegatedComparison | Rule::DeMorgan | Rule::DoubleNegation | Rule::All
            )
        })
        .collect();
    if rewrites.is_empty() {
        let _ = writeln!(out, "  (nothing to simplify)");
    }
    for rewrite in rewrites {
        write_rewrite(out, source, rewrite);
    }
    if trace.unrecorded_rewrites > 0 {
        let _ = writeln!(
            out,
            "  … and {} more rewrites not listed",
            trace.unrecorded_rewrites
        );
    }
    let terms = &trace.simplified;
    match terms.as_slice() {
        [] => {
            let _ = writeln!(out, "  result: no term is left; nothing can match");
        }
        [only] if only.filters.is_empty() => {
            let _ = writeln!(
                out,
                "  result: one term with no condition; every contact matches"
            );
        }
        _ => {
            let _ = writeln!(out, "  result: {} term{}", terms.len(), plural(terms.len()));
            write_terms(out, terms);
        }
    }
}

fn section_requests(out: &mut String, source: &str, lowered: &Lowered, trace: &Trace) {
    let requests = &lowered.plan.requests;
    let _ = writeln!(
        out,
        "\n4. Requests: {} (one per DNF term would be {})",
        requests.len(),
        trace.dnf.len()
    );
    for (n, (request, origin)) in requests.iter().zip(&trace.requests).enumerate() {
        let how = match (request.comparison, origin.terms.len()) {
            (Comparison::Or, _)
                if trace
                    .simplified
                    .first()
                    .is_some_and(|t| t.filters.is_empty()) =>
            {
                "OR, a test every contact passes".to_owned()
            }
            (Comparison::Or, k) => format!("OR of {k} single-comparison terms"),
            (Comparison::And, 1) if request.filter.len() == 1 => "one comparison".to_owned(),
            (Comparison::And, _) => {
                format!("AND, term {}", origin.terms.first().map_or(0, |t| t + 1))
            }
        };
        let _ = writeln!(out, "  Request {}: {how}", n + 1);
        let filters = origin
            .terms
            .iter()
            .filter_map(|&t| trace.simplified.get(t))
            .flat_map(|term| term.filters.iter());
        let mut any = false;
        for filter in filters {
            any = true;
            let _ = writeln!(
                out,
                "    {:<36} from `{}`",
                show_plan_filter(&super::plan_filter(filter)),
                quote(source, filter.span, SHOWN_SOURCE)
            );
        }
        if !any {
            for filter in &request.filter {
                let _ = writeln!(out, "    {}", show_plan_filter(filter));
            }
        }
    }
    let _ = writeln!(out, "  Why {}:", requests.len());
    let _ = writeln!(out, "    {}", why(trace));
}

/// Why the plan has as many requests as it has.
fn why(trace: &Trace) -> String {
    let terms = &trace.simplified;
    match terms.as_slice() {
        [] => return "no term can match, so there is nothing to ask the API.".to_owned(),
        [only] if only.filters.is_empty() => {
            return "the expression holds for every contact; one request that every \
                    contact matches returns them all."
                .to_owned();
        }
        _ => {}
    }
    let singles = terms.iter().filter(|t| t.filters.len() == 1).count();
    let others = terms.len() - singles;
    let mut text = format!(
        "a request holds one flat list of filters combined by one AND or one OR, so \
         the {} term{} of the simplified OR need",
        terms.len(),
        plural(terms.len())
    );
    match singles {
        0 => {}
        1 => text.push_str(" one request for the single comparison"),
        n => {
            let _ = write!(
                text,
                " one OR request for the {n} terms that are single comparisons"
            );
        }
    }
    if singles > 0 && others > 0 {
        text.push_str(" and");
    }
    match others {
        0 => {}
        1 => text.push_str(
            " one AND request for the term of several comparisons (an OR request \
             cannot hold an AND)",
        ),
        n => {
            let _ = write!(
                text,
                " one AND request for each of the {n} terms of several comparisons \
                 (an OR request cannot hold an AND)"
            );
        }
    }
    text.push('.');
    text
}

fn section_paging(out: &mut String, lowered: &Lowered, trace: &Trace) {
    let plan = &lowered.plan;
    let page = &trace.page;
    let order = match page.order {
        plan::Order::Asc => "ASC",
        plan::Order::Desc => "DESC",
    };
    let limit = page
        .limit
        .map_or_else(|| "every row".to_owned(), |limit| format!("limit {limit}"));
    let _ = writeln!(
        out,
        "\nPaging: sort by {} {order}, offset {}, {limit}",
        page.sort, page.offset
    );
    let text = match (&plan.merge, plan.requests.as_slice()) {
        (_, []) => "  nothing to read.".to_owned(),
        (None, [_]) => "  the request asks the API for exactly this page.".to_owned(),
        (Some(merge), [request]) => match merge.page.limit {
            Some(limit) => format!(
                "  the API returns at most {} rows per request: read the request from offset \
                 {} in pages of {} until {limit} rows (or a short page), then keep {limit} rows.",
                plan::MAX_PAGE,
                request.offset,
                request.limit,
            ),
            None => format!(
                "  every row: read the request from offset {} in pages of {} until a short \
                 page, and keep every row.",
                request.offset, request.limit,
            ),
        },
        (Some(merge), requests) => match merge.page.limit {
            Some(limit) => format!(
                "  read each request from offset 0 in pages of {} until it gives {} rows (or a \
                 short page); union the rows by id, sort them by {} {order} (ties by id), and \
                 keep {limit} rows from offset {}.",
                requests[0].limit,
                merge.page.offset.saturating_add(limit),
                merge.page.sort,
                merge.page.offset
            ),
            None => format!(
                "  every row: read each request from offset 0 in pages of {} until a short \
                 page; union the rows by id, sort them by {} {order} (ties by id), and keep \
                 every row from offset {}.",
                requests[0].limit, merge.page.sort, merge.page.offset
            ),
        },
        (None, _) => "  union the requests' answers by id.".to_owned(),
    };
    let _ = writeln!(out, "{text}");
}

/// Most pieces of source quoted for one rewrite.
const SHOWN_PARTS: usize = 6;

fn write_rewrite(out: &mut String, source: &str, rewrite: &Rewrite) {
    let _ = writeln!(out, "  - {}: {}", rewrite.rule.name(), rewrite.message);
    let mut quoted: Vec<String> = rewrite
        .parts
        .iter()
        .map(|&span| quote(source, span, SHOWN_SOURCE))
        .filter(|q| !q.is_empty())
        .map(|q| format!("`{q}`"))
        .collect();
    if quoted.is_empty() {
        return;
    }
    if quoted.len() > SHOWN_PARTS {
        quoted.truncate(SHOWN_PARTS);
        quoted.push("…".to_owned());
    }
    let _ = writeln!(out, "      at {}", quoted.join(", "));
}

fn write_terms(out: &mut String, terms: &[dnf::Term]) {
    for (i, term) in terms.iter().take(SHOWN_TERMS).enumerate() {
        let _ = writeln!(
            out,
            "  {:>3}. {}",
            i + 1,
            show_filters(term.filters.iter().map(|f| &**f))
        );
    }
    if terms.len() > SHOWN_TERMS {
        let _ = writeln!(out, "       … and {} more", terms.len() - SHOWN_TERMS);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The source under `span`, on one line, shortened to `max` characters.
fn quote(source: &str, span: Span, max: usize) -> String {
    let Some(text) = source.get(span.start..span.end) else {
        return String::new();
    };
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > max {
        one_line.chars().take(max).collect::<String>() + "…"
    } else {
        one_line
    }
}

/// An NNF expression in the language's syntax.
fn show_nnf(expr: &nnf::Expr, in_and: bool) -> String {
    match expr {
        nnf::Expr::Filter(filter) => show_filter(filter),
        nnf::Expr::And(items, _) if items.is_empty() => "all".to_owned(),
        nnf::Expr::Or(items, _) if items.is_empty() => "not all".to_owned(),
        nnf::Expr::And(items, _) => items
            .iter()
            .map(|item| show_nnf(item, true))
            .collect::<Vec<_>>()
            .join(" and "),
        nnf::Expr::Or(items, _) => {
            let text = items
                .iter()
                .map(|item| show_nnf(item, false))
                .collect::<Vec<_>>()
                .join(" or ");
            if in_and { format!("({text})") } else { text }
        }
    }
}

/// A request's filter as the API will see it.
fn show_plan_filter(filter: &plan::Filter) -> String {
    let value = match &filter.value {
        plan::Value::Number(n) => n.to_string(),
        plan::Value::Text(text) => super::show_literal(&crate::typed::Literal::Text(text.clone())),
        plan::Value::Tags(tags) => {
            let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
            format!("[{}]", names.join(", "))
        }
    };
    let op: crate::ast::CompareOp = filter.operator.into();
    format!("{} {op} {value}", filter.field)
}
