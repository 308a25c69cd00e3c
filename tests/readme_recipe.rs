//! The README's merge recipe, done literally as a client would do it
//! against a simulated API, gives exactly the expression's true page.
//!
//! The recipe (README, "The plan"; `src/plan.rs`, "The JSON format"): read
//! each request from the request's own `offset`, page by page with the
//! request's `limit`, until it has `merge.offset + merge.limit` rows or a
//! page comes back short; union the rows by `id`; sort them by `merge.sort`
//! in `merge.order`, ties by `id` ascending; keep `merge.limit` rows from
//! `merge.offset` (every row after it when `merge` has no `limit`). Without
//! `merge`, the single request's page is the answer.
//!
//! The client and the API below are written here, from the documents: of
//! `hcq::eval` they use only `matches_request` (which filters). The
//! expected answer is `eval::page`, the expression's own page; `run_plan`
//! and `search` are only compared with, not used.

use hcq::ast::Limit;
use hcq::eval::{self, Contact, Location, Tag};
use hcq::plan::{Order, Page, Plan, Request};
use std::cmp::Ordering;
use std::collections::HashSet;

/// The clock every expression is compiled against.
const NOW: &str = "2024-06-01T00:00:00Z";
const NOW_SECONDS: i64 = 1_717_200_000;

fn options() -> hcq::Options {
    hcq::Options::at(NOW.parse().unwrap())
}

/// A small deterministic generator, so the contacts are the same on every
/// run and on every machine.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn maybe(&mut self, items: &[&str]) -> Option<String> {
        // One in four missing, so missing fields meet `!=` and `!~`.
        (self.below(4) != 0).then(|| self.pick(items).to_owned())
    }
}

/// 700 contacts: enough that `limit 250 offset 30` needs several pages,
/// with few distinct `lastSeen` and `firstSeen` values so that ties are
/// everywhere, some without `firstSeen`, and ids not in sort order.
fn contacts() -> Vec<Contact> {
    let mut rng = Lcg(0x5eed);
    let day = 86_400;
    let mut contacts: Vec<Contact> = (0..700)
        .map(|i| {
            let id = (i * 37) % 701 + 1;
            let tags = ["Lead", "Paid", "VIP", "lead"]
                .into_iter()
                .filter(|_| rng.below(3) == 0)
                .map(|name| Tag {
                    name: name.to_owned(),
                    color: None,
                })
                .collect();
            Contact {
                id,
                email: rng.maybe(&[
                    "ann@gmail.com",
                    "Bo@GMail.com",
                    "cy@yahoo.com",
                    "di@example.org",
                    "",
                ]),
                name: rng.maybe(&["Ann", "ann", "Bo Li", ""]),
                location: Location {
                    city: rng.maybe(&["Kyiv", "Lviv", "kyiv", "Warsaw"]),
                    country_code: rng.maybe(&["UA", "PL", "DE"]),
                    region_code: None,
                },
                tags,
                last_seen: NOW_SECONDS - day * 10 * rng.below(8) as i64,
                first_seen: (rng.below(5) != 0)
                    .then(|| NOW_SECONDS - day * 100 * (1 + rng.below(6) as i64)),
                ..Contact::default()
            }
        })
        .collect();
    // The export's order is not the API's order.
    contacts.reverse();
    contacts
}

/// The key the API sorts by; a contact without `firstSeen` comes before
/// every one with it, in ascending order.
fn sort_key(contact: &Contact, sort: &str) -> Option<i64> {
    match sort {
        "customers.firstSeen" => contact.first_seen,
        "customers.lastSeen" => Some(contact.last_seen),
        other => panic!("not a sort field: {other}"),
    }
}

/// Sorted by `sort` in `order`, ties by id ascending in either order.
fn cmp(a: &Contact, b: &Contact, sort: &str, order: Order) -> Ordering {
    let primary = sort_key(a, sort).cmp(&sort_key(b, sort));
    let primary = match order {
        Order::Asc => primary,
        Order::Desc => primary.reverse(),
    };
    primary.then(a.id.cmp(&b.id))
}

/// The API: one request body in, one page of contacts out.
fn api<'a>(body: &Request, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    assert!(body.limit <= 100, "a request asks for {} rows", body.limit);
    let mut rows: Vec<&Contact> = contacts
        .iter()
        .filter(|c| eval::matches_request(body, c))
        .collect();
    rows.sort_by(|a, b| cmp(a, b, &body.sort, body.order));
    rows.into_iter()
        .skip(body.offset as usize)
        .take(body.limit as usize)
        .collect()
}

/// Where a client starts reading each request.
#[derive(Clone, Copy)]
enum Start {
    /// The request's own `offset`: what the README says.
    OwnOffset,
    /// Offset 0: what the README once said.
    Zero,
}

/// The client: the README's recipe, step by step.
fn client<'a>(plan: &Plan, contacts: &'a [Contact], start: Start) -> Vec<&'a Contact> {
    let Some(merge) = &plan.merge else {
        // No merge: at most one request, and its page is the answer.
        assert!(plan.requests.len() <= 1, "several requests without merge");
        return plan
            .requests
            .first()
            .map(|body| api(body, contacts))
            .unwrap_or_default();
    };
    assert_eq!(merge.by, "id");
    // No `limit`: every row, so read until a short page.
    let wanted = merge
        .page
        .limit
        .map_or(u64::MAX, |limit| merge.page.offset + limit);
    let mut rows = Vec::new();
    for request in &plan.requests {
        let mut body = request.clone();
        body.offset = match start {
            Start::OwnOffset => request.offset,
            Start::Zero => 0,
        };
        assert!(
            body.limit > 0,
            "a merged request reads pages of {} rows",
            body.limit
        );
        let mut have = 0;
        while have < wanted {
            let page = api(&body, contacts);
            have += page.len() as u64;
            let short = (page.len() as u64) < body.limit;
            rows.extend(page);
            if short {
                break;
            }
            body.offset += body.limit;
        }
    }
    // Union by id.
    let mut seen = HashSet::new();
    rows.retain(|c| seen.insert(c.id));
    // Sort by the merge's sort and order, ties by id.
    rows.sort_by(|a, b| cmp(a, b, &merge.page.sort, merge.page.order));
    // `merge.limit` rows from `merge.offset`, or all of them.
    rows.into_iter()
        .skip(merge.page.offset as usize)
        .take(merge.page.limit.map_or(usize::MAX, |limit| limit as usize))
        .collect()
}

/// The expression's true page: its clauses, with the documented defaults
/// (`customers.firstSeen`, `ASC`, offset 0, limit 100; `limit all` keeps
/// every row).
fn true_page<'a>(text: &str, contacts: &'a [Contact]) -> Vec<&'a Contact> {
    let query = hcq::check(text, &options()).unwrap_or_else(|e| panic!("{text}: {e:?}"));
    let window = Page {
        sort: query
            .sort
            .map_or("customers.firstSeen", |s| s.field.name)
            .into(),
        order: query
            .sort
            .and_then(|s| s.order)
            .map_or(Order::Asc, Order::from),
        offset: query.offset.unwrap_or(0),
        limit: query.limit.map_or(Some(100), Limit::rows),
    };
    eval::page(&query.expr, &window, contacts)
}

fn ids(rows: &[&Contact]) -> Vec<i64> {
    rows.iter().map(|c| c.id).collect()
}

/// Single requests with long pages and their own offsets, several requests
/// with every sort, order, offset and limit, pages past the end, and
/// plans with no request at all.
const EXPRESSIONS: &[&str] = &[
    "id > 5 limit 250 offset 30",
    "id > 5 limit 250",
    "id > 5 limit 100 offset 30",
    "id > 5 sort by firstSeen asc limit 101 offset 199",
    "id > 5 limit 1 offset 10",
    "id > 5 limit 1000 offset 650",
    "email ~ gmail and (tag = Lead or lastSeen >= now - 30d)",
    "email ~ gmail and (tag = Lead or id > 300) sort by lastSeen asc limit 150 offset 60",
    "(city = Kyiv or city = Lviv) and (tag = Lead or email ~ gmail) sort by firstSeen asc limit 40 offset 25",
    "(city = Kyiv or city = Lviv) and (tag = Lead or email ~ gmail) sort by firstSeen desc limit 120 offset 7",
    "(tag = Lead or city != Kyiv) and email !~ yahoo limit 1 offset 5",
    "(tag = Lead or city != Kyiv) and email !~ yahoo limit 3 offset 97",
    "(tag = Lead or city != Kyiv) and email !~ yahoo sort by lastSeen asc limit 150 offset 90",
    "countryCode in (UA, PL) and tags = [Lead, Paid] or lastSeen < now - 40d sort by firstSeen limit 120 offset 90",
    "tag = Lead or tag = Paid sort by firstSeen desc limit 7 offset 3",
    "(tag = VIP or tag = lead) and (name = Ann or name != \"\") limit 300",
    "(city ~ \"\" or email = \"\") and (id < 100 or id > 600) offset 40 limit 60",
    "email ~ gmail and (tag = Lead or tag = VIP) offset 1000",
    "id > 10 and id < 5",
    "id > 100 or id <= 100 limit 150 offset 500",
    "id > 5 limit all",
    "id > 5 limit all offset 30",
    "tag = Lead or tag = Paid sort by lastSeen desc limit all offset 3",
    "(city = Kyiv or city = Lviv) and (tag = Lead or email ~ gmail) limit all",
];

#[test]
fn the_recipe_gives_the_true_page() {
    let contacts = contacts();
    let mut merged = 0;
    let mut several = 0;
    for text in EXPRESSIONS {
        let plan = hcq::compile(text, &options())
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .plan;
        let want = ids(&true_page(text, &contacts));
        let got = ids(&client(&plan, &contacts, Start::OwnOffset));
        assert_eq!(got, want, "{text}\n{}", plan.to_json());
        // The reference's own run of the plan agrees.
        assert_eq!(ids(&eval::run_plan(&plan, &contacts)), want, "{text}");
        merged += usize::from(plan.merge.is_some());
        several += usize::from(plan.requests.len() > 1);
    }
    // The set covers what it is meant to.
    assert!(
        merged >= 10 && several >= 6,
        "{merged} merged, {several} several"
    );
}

/// The simulated API sorts as the reference evaluator assumes the API does.
#[test]
fn the_simulated_api_is_the_reference_search() {
    let contacts = contacts();
    for text in EXPRESSIONS {
        let plan = hcq::compile(text, &options()).unwrap().plan;
        for request in &plan.requests {
            for offset in [0, 30, 99, 650] {
                let body = Request {
                    offset,
                    ..request.clone()
                };
                assert_eq!(
                    ids(&api(&body, &contacts)),
                    ids(&eval::search(&body, &contacts)),
                    "{text} at offset {offset}"
                );
            }
        }
    }
}

/// The case the README once got wrong: one request with its own offset and
/// a page longer than 100. Its plan carries the offset on the request and
/// not on the merge, so reading from offset 0 returns the wrong rows.
#[test]
fn a_long_page_is_read_from_the_requests_own_offset() {
    let contacts = contacts();
    let text = "id > 5 limit 250 offset 30";
    let plan = hcq::compile(text, &options()).unwrap().plan;
    let [request] = plan.requests.as_slice() else {
        panic!("one request expected: {}", plan.to_json());
    };
    let merge = plan.merge.as_ref().expect("a page of 250 needs merge");
    assert_eq!((request.offset, request.limit), (30, 100));
    assert_eq!((merge.page.offset, merge.page.limit), (0, Some(250)));

    let want = ids(&true_page(text, &contacts));
    assert_eq!(want.len(), 250);
    assert_eq!(ids(&client(&plan, &contacts, Start::OwnOffset)), want);
    let from_zero = ids(&client(&plan, &contacts, Start::Zero));
    assert_ne!(from_zero, want, "reading from offset 0 gives other rows");
    // From 0 it is the first 250 rows instead of rows 30 to 279.
    assert_eq!(from_zero[30..], want[..220]);
}

/// `limit all` reads past the API's page of 100: every match comes back.
#[test]
fn limit_all_gives_every_match() {
    let contacts = contacts();
    let text = "id > 5 limit all";
    let plan = hcq::compile(text, &options()).unwrap().plan;
    let [request] = plan.requests.as_slice() else {
        panic!("one request expected: {}", plan.to_json());
    };
    let merge = plan.merge.as_ref().expect("every row needs merge");
    assert_eq!((request.offset, request.limit), (0, 100));
    assert_eq!((merge.page.offset, merge.page.limit), (0, None));
    let every = contacts.iter().filter(|c| c.id > 5).count();
    assert!(every > 600, "{every}");
    assert_eq!(client(&plan, &contacts, Start::OwnOffset).len(), every);
    assert_eq!(eval::run_plan(&plan, &contacts).len(), every);
}
