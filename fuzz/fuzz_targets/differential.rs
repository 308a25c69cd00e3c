//! The plan selects exactly what the expression selects.
//!
//! From the fuzzer's bytes: an expression, written as text (so the parser
//! and the checker run too), with sometimes `sort by`, `limit` and
//! `offset`; and a handful of contacts whose fields take values from the
//! same small pools as the expression's comparisons, so that comparisons
//! hit and miss. The expression is compiled; then, by the reference
//! evaluator (`hcq::eval`):
//!
//! - the union of the plan's requests selects exactly the contacts the
//!   expression selects;
//! - running the plan as its `merge` says gives the expression's true page.

#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use hcq::eval::{self, Contact, Location, Tag};
use hcq::plan::Page;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeSet;

/// Text values: few, overlapping, in two cases, so that `=`, `~` and their
/// negations all both hold and fail.
const TEXTS: [&str; 6] = ["", "a", "A", "ab", "b", "é"];
const TAGS: [&str; 4] = ["A", "B", "C", "a"];
const TIMES: [i64; 5] = [100, 101, 102, 103, 104];

/// An expression and contacts to run it over.
#[derive(Debug)]
struct Case {
    text: String,
    contacts: Vec<Contact>,
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // A third of the bytes make the contacts, the rest the expression,
        // so that neither starves the other. Once bytes run out, every
        // choice takes its first option, which still makes valid values.
        let share = u.len() / 3;
        let mut people = Unstructured::new(u.bytes(share)?);
        let count = people.int_in_range(1..=12)?;
        let mut contacts = Vec::with_capacity(count);
        for id in 0..count {
            contacts.push(contact(&mut people, id as i64)?);
        }
        let mut text = String::new();
        expr(u, &mut text, 0)?;
        clauses(u, &mut text)?;
        Ok(Case { text, contacts })
    }
}

fn pick<'a, T: Copy>(u: &mut Unstructured<'a>, from: &[T]) -> Result<T> {
    Ok(*u.choose(from)?)
}

/// An expression at most a few levels deep.
fn expr(u: &mut Unstructured<'_>, out: &mut String, depth: usize) -> Result<()> {
    let shape = if depth >= 4 { 0 } else { u.int_in_range(0..=5)? };
    match shape {
        0..=2 => leaf(u, out),
        3 | 4 => {
            let joiner = if shape == 3 { " and " } else { " or " };
            let n = u.int_in_range(2..=4)?;
            for i in 0..n {
                if i > 0 {
                    out.push_str(joiner);
                }
                out.push('(');
                expr(u, out, depth + 1)?;
                out.push(')');
            }
            Ok(())
        }
        _ => {
            out.push_str("not (");
            expr(u, out, depth + 1)?;
            out.push(')');
            Ok(())
        }
    }
}

fn quoted(text: &str) -> String {
    format!("\"{text}\"")
}

/// One comparison, or an `in` list.
fn leaf(u: &mut Unstructured<'_>, out: &mut String) -> Result<()> {
    let leaf = match u.int_in_range(0..=6)? {
        0 => format!(
            "id {} {}",
            pick(u, &["=", "!=", ">", "<", ">=", "<="])?,
            u.int_in_range(-1..=13)?
        ),
        1 => format!(
            "lastSeen {} {}",
            pick(u, &["=", "!=", ">", "<", ">=", "<="])?,
            pick(u, &TIMES)? + u.int_in_range(-1..=1)?
        ),
        2 | 3 => format!(
            "{} {} {}",
            pick(u, &["email", "name", "city", "countryCode", "customers.phone"])?,
            pick(u, &["=", "!=", "~", "!~"])?,
            quoted(pick(u, &TEXTS)?)
        ),
        4 => format!("tag = {}", pick(u, &TAGS)?),
        5 => format!("tags = [{}, {}]", pick(u, &TAGS)?, pick(u, &TAGS)?),
        _ => {
            let negated = if u.arbitrary()? { "not in" } else { "in" };
            let n = u.int_in_range(1..=3)?;
            if u.arbitrary()? {
                let values: Vec<String> = (0..n)
                    .map(|_| u.int_in_range(0..=12).map(|v: i64| v.to_string()))
                    .collect::<Result<_>>()?;
                format!("id {negated} ({})", values.join(", "))
            } else {
                let values: Vec<String> = (0..n)
                    .map(|_| pick(u, &TEXTS).map(quoted))
                    .collect::<Result<_>>()?;
                format!("city {negated} ({})", values.join(", "))
            }
        }
    };
    out.push_str(&leaf);
    Ok(())
}

fn clauses(u: &mut Unstructured<'_>, out: &mut String) -> Result<()> {
    if u.ratio(1, 3)? {
        let field = pick(u, &["lastSeen", "firstSeen"])?;
        let order = pick(u, &["", " asc", " desc"])?;
        out.push_str(&format!(" sort by {field}{order}"));
    }
    if u.ratio(1, 3)? {
        out.push_str(&format!(" limit {}", u.int_in_range(1..=5)?));
    }
    if u.ratio(1, 3)? {
        out.push_str(&format!(" offset {}", u.int_in_range(0..=5)?));
    }
    Ok(())
}

fn maybe_text(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    Ok(if u.ratio(1, 4)? {
        None
    } else {
        Some(pick(u, &TEXTS)?.to_owned())
    })
}

fn contact(u: &mut Unstructured<'_>, id: i64) -> Result<Contact> {
    let mut tags = Vec::new();
    for name in TAGS {
        if u.arbitrary()? {
            tags.push(Tag {
                name: name.to_owned(),
                color: None,
            });
        }
    }
    Ok(Contact {
        id,
        email: maybe_text(u)?,
        name: maybe_text(u)?,
        phone: maybe_text(u)?,
        last_seen: pick(u, &TIMES)?,
        first_seen: if u.arbitrary()? { Some(pick(u, &TIMES)?) } else { None },
        location: Location {
            city: maybe_text(u)?,
            country_code: maybe_text(u)?,
            region_code: None,
        },
        tags,
        ..Contact::default()
    })
}

fn ids<'a>(rows: impl IntoIterator<Item = &'a Contact>) -> Vec<i64> {
    rows.into_iter().map(|c| c.id).collect()
}

fuzz_target!(|case: Case| {
    let options = hcq::Options::at(jiff::Timestamp::from_second(1_717_200_000).unwrap());
    // Expressions the checker or the bounds refuse (a negated tag test, say)
    // have no plan to compare.
    let Ok(compiled) = hcq::compile_detailed(&case.text, &options) else {
        return;
    };
    let expr = &compiled.query.expr;
    let plan = &compiled.lowered.plan;
    let contacts = &case.contacts;

    let want: BTreeSet<i64> = ids(hcq::contacts::select(expr, contacts)).into_iter().collect();
    let got: BTreeSet<i64> = contacts
        .iter()
        .filter(|c| plan.requests.iter().any(|r| eval::matches_request(r, c)))
        .map(|c| c.id)
        .collect();
    assert_eq!(got, want, "{}\nplan: {}\ncontacts: {contacts:#?}", case.text, plan.to_json());

    // The page a client shows: the plan's merge, or its one request's own page.
    let window = match (&plan.merge, plan.requests.as_slice()) {
        (Some(merge), _) => Some(merge.page.clone()),
        (None, [request]) => Some(Page {
            sort: request.sort.clone(),
            order: request.order,
            offset: request.offset,
            limit: Some(request.limit),
        }),
        (None, []) => None,
        (None, _) => panic!("several requests without a merge: {}", plan.to_json()),
    };
    let got = ids(eval::run_plan(plan, contacts));
    match window {
        Some(window) => {
            let want = ids(eval::page(expr, &window, contacts));
            assert_eq!(got, want, "{}\nplan: {}", case.text, plan.to_json());
        }
        None => {
            assert!(want.is_empty(), "{} selects {want:?}, but the plan has no requests", case.text);
            assert!(got.is_empty());
        }
    }
});
