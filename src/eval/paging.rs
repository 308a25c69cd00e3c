//! Sorted pages: a request's answer as the API pages it, a plan run as a
//! client runs it (each request read page by page, the rows merged), and
//! the true page of an expression.

use super::contact::Contact;
use super::matching::{matches_expr, matches_request};
use crate::plan::{Order, Page, Plan, Request};
use crate::typed;
use std::cmp::Ordering;
use std::collections::HashSet;

/// Orders two contacts by `sort` in `order`, ties by id ascending.
pub(super) fn by(sort: &str, order: Order) -> impl Fn(&Contact, &Contact) -> Ordering + '_ {
    move |a, b| {
        let primary = a.sort_key(sort).cmp(&b.sort_key(sort));
        let primary = match order {
            Order::Asc => primary,
            Order::Desc => primary.reverse(),
        };
        primary.then(a.id.cmp(&b.id))
    }
}

/// Sorts indexes into `contacts` by `sort` in `order`, ties by id.
pub(super) fn sort_rows(rows: &mut [usize], contacts: &[Contact], sort: &str, order: Order) {
    let by = by(sort, order);
    rows.sort_by(|&a, &b| by(&contacts[a], &contacts[b]));
}

/// The rows of `rows` from `offset`, at most `limit` of them (every one
/// with `None`).
pub(super) fn cut(rows: &[usize], offset: u64, limit: Option<u64>) -> &[usize] {
    let offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(rows.len());
    let limit = limit.map_or(usize::MAX, |limit| {
        usize::try_from(limit).unwrap_or(usize::MAX)
    });
    &rows[offset..offset.saturating_add(limit).min(rows.len())]
}

pub(super) fn rows_of<'a>(rows: &[usize], contacts: &'a [Contact]) -> Vec<&'a Contact> {
    rows.iter().map(|&i| &contacts[i]).collect()
}

/// Every contact `request` selects (as indexes), sorted as it asks, before
/// paging: any page the simulated API returns is a slice of this.
pub(super) fn request_rows(request: &Request, contacts: &[Contact]) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..contacts.len())
        .filter(|&i| matches_request(request, &contacts[i]))
        .collect();
    sort_rows(&mut rows, contacts, &request.sort, request.order);
    rows
}

/// The API simulated: the contacts `request` selects, sorted by its sort
/// field and order (ties by id ascending), `limit` of them from `offset`.
pub fn search<'a>(request: &Request, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    let rows = request_rows(request, contacts);
    rows_of(cut(&rows, request.offset, Some(request.limit)), contacts)
}

/// Runs a plan against simulated API answers, exactly as its `merge` says
/// (see [`crate::plan`]): each request read page by page, the rows unioned
/// by id, sorted, and the merge's page taken. Without `merge`, the single
/// request's answer; with several requests and no `merge` (not a plan
/// [`crate::lower`] makes), their answers unioned by id in request order.
pub fn run_plan<'a>(plan: &Plan, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    rows_of(&plan_rows(plan, contacts), contacts)
}

/// [`run_plan`], as indexes into `contacts`.
pub(super) fn plan_rows(plan: &Plan, contacts: &[Contact]) -> Vec<usize> {
    let mut seen = HashSet::new();
    let Some(merge) = &plan.merge else {
        return plan
            .requests
            .iter()
            .flat_map(|request| {
                let rows = request_rows(request, contacts);
                cut(&rows, request.offset, Some(request.limit)).to_vec()
            })
            .filter(|&i| seen.insert(contacts[i].id))
            .collect();
    };
    // Every row (no limit): each request is read until a short page.
    let wanted = merge
        .page
        .limit
        .map_or(u64::MAX, |limit| merge.page.offset.saturating_add(limit));
    let mut rows = Vec::new();
    for request in &plan.requests {
        // Each page the client asks for is a slice of the same sorted
        // answer: sorting it once, not once per page, keeps a long page
        // over many contacts cheap.
        let answer = request_rows(request, contacts);
        let mut offset = request.offset;
        let mut read: u64 = 0;
        while read < wanted && request.limit > 0 {
            let got = cut(&answer, offset, Some(request.limit));
            read += got.len() as u64;
            rows.extend(got.iter().filter(|&&i| seen.insert(contacts[i].id)));
            if (got.len() as u64) < request.limit {
                break;
            }
            offset = offset.saturating_add(request.limit);
        }
    }
    sort_rows(&mut rows, contacts, &merge.page.sort, merge.page.order);
    cut(&rows, merge.page.offset, merge.page.limit).to_vec()
}

/// The true page of an expression: what a correct client shows for it.
pub fn page<'a>(expr: &typed::Expr, window: &Page, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    rows_of(&page_rows(expr, window, contacts), contacts)
}

/// [`page`], as indexes into `contacts`.
pub(super) fn page_rows(expr: &typed::Expr, window: &Page, contacts: &[Contact]) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..contacts.len())
        .filter(|&i| matches_expr(expr, &contacts[i]))
        .collect();
    sort_rows(&mut rows, contacts, &window.sort, window.order);
    cut(&rows, window.offset, window.limit).to_vec()
}
