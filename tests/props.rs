//! Properties of lowering, checked by the reference evaluator over random
//! expressions and random contacts: the plan selects exactly what the
//! expression selects, every request is one the API accepts, and paging a
//! plan gives the expression's true page.
//!
//! `PROPTEST_CASES` sets the number of cases (256 by default).

mod common;

use hcq::Limits;
use hcq::ast::{CompareOp, Limit, Order, Span};
use hcq::eval::{self, Contact, Location, Tag};
use hcq::lower::{self, LowerError, PlanOptions};
use hcq::plan;
use hcq::schema::Schema;
use hcq::typed::{Expr, Filter, Literal, Query};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

// Small domains, so that random filters often match random contacts.
const IDS: std::ops::RangeInclusive<i64> = -1..=14;
const SEEN: [i64; 5] = [100, 200, 300, 400, 500];
const TEXTS: [&str; 7] = ["a", "A", "b", "ab", "Ab", "ba", "bab"];
const TAGS: [&str; 4] = ["Lead", "Paid", "VIP", "lead"];
const STRING_FIELDS: [&str; 13] = [
    "customers.userId",
    "customers.name",
    "customers.email",
    "customers.company",
    "customers.phone",
    "customers.countryCode",
    "customers.city",
    "customers.regionCode",
    "customers.telegramId",
    "customers.facebookId",
    "customers.instagramId",
    "customers.viberId",
    "customers.whatsappId",
];
const NUMBER_OPS: [CompareOp; 6] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Gt,
    CompareOp::Lt,
    CompareOp::Ge,
    CompareOp::Le,
];
const STRING_OPS: [CompareOp; 4] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Contains,
    CompareOp::NotContains,
];

/// Bounds that let every generated expression through the request cap, so
/// that the properties see every plan; the DNF bound keeps cases quick.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_dnf_terms = 1500;
    limits.max_requests = usize::MAX;
    limits
}

fn make(field: &str, op: CompareOp, value: Literal) -> Filter {
    Filter {
        field: Schema::CONTACTS.by_name(field),
        op,
        value,
        span: Span::default(),
    }
}

fn number_value(field: &'static str) -> BoxedStrategy<Literal> {
    if field == "customers.id" {
        IDS.prop_map(Literal::Integer).boxed()
    } else {
        (1..=11i64).prop_map(|k| Literal::Timestamp(k * 50)).boxed()
    }
}

fn number_filter() -> impl Strategy<Value = Filter> {
    select(vec!["customers.id", "customers.lastSeen"]).prop_flat_map(|field| {
        (select(NUMBER_OPS.to_vec()), number_value(field))
            .prop_map(move |(op, value)| make(field, op, value))
    })
}

fn text() -> impl Strategy<Value = String> {
    select(TEXTS.to_vec()).prop_map(str::to_owned)
}

/// Mostly a few fields, so that filters meet their negations and
/// duplicates; sometimes any of them.
fn string_field() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        3 => select(STRING_FIELDS[..3].to_vec()),
        1 => select(STRING_FIELDS.to_vec()),
    ]
}

fn string_filter() -> impl Strategy<Value = Filter> {
    (
        string_field(),
        select(STRING_OPS.to_vec()),
        prop_oneof![3 => select(TEXTS[..3].to_vec()).prop_map(str::to_owned), 1 => text()],
    )
        .prop_map(|(field, op, value)| make(field, op, Literal::Text(value)))
}

fn tag_filter() -> impl Strategy<Value = Filter> {
    subsequence(TAGS.to_vec(), 1..=2).prop_map(|names| {
        make(
            "customers.tagsData",
            CompareOp::Eq,
            Literal::Tags(names.into_iter().map(str::to_owned).collect()),
        )
    })
}

fn or(items: Vec<Expr>) -> Expr {
    Expr::Or(items, Span::default())
}

fn and(items: Vec<Expr>) -> Expr {
    Expr::And(items, Span::default())
}

fn not(item: Expr) -> Expr {
    Expr::Not(Box::new(item), Span::default())
}

/// `field in (…)` and `field not in (…)`, as the checker expands them.
fn in_list() -> impl Strategy<Value = Expr> {
    let values = prop_oneof![
        (string_field(), subsequence(TEXTS.to_vec(), 2..=3)).prop_map(|(field, values)| {
            values
                .into_iter()
                .map(|v| make(field, CompareOp::Eq, Literal::Text(v.to_owned())))
                .collect::<Vec<_>>()
        }),
        proptest::collection::vec(IDS, 2..=3).prop_map(|ids| {
            ids.into_iter()
                .map(|n| make("customers.id", CompareOp::Eq, Literal::Integer(n)))
                .collect()
        }),
    ];
    (values, any::<bool>()).prop_map(|(filters, negated)| {
        let list = or(filters.into_iter().map(Expr::Filter).collect());
        if negated { not(list) } else { list }
    })
}

/// Leaves without tag tests: filters, `in` lists, and now and then `all`.
fn tagless_leaf() -> BoxedStrategy<Expr> {
    prop_oneof![
        8 => number_filter().prop_map(Expr::Filter),
        8 => string_filter().prop_map(Expr::Filter),
        2 => in_list(),
        1 => Just(Expr::All(Span::default())),
    ]
    .boxed()
}

/// Expressions without tag tests, where `not` may go anywhere.
fn tagless() -> BoxedStrategy<Expr> {
    tagless_leaf()
        .prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 2..=3).prop_map(or),
                proptest::collection::vec(inner.clone(), 2..=3).prop_map(and),
                inner.prop_map(not),
            ]
        })
        .boxed()
}

/// Expressions over every field type and operator; like the checker, no
/// `not` over a tag test.
fn expr() -> BoxedStrategy<Expr> {
    prop_oneof![
        3 => tagless_leaf(),
        1 => tag_filter().prop_map(Expr::Filter),
    ]
    .prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 2..=3).prop_map(or),
            3 => proptest::collection::vec(inner, 2..=3).prop_map(and),
            1 => tagless().prop_map(not),
        ]
    })
    .boxed()
}

fn maybe_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(0.7, text())
}

fn contact() -> impl Strategy<Value = Contact> {
    (
        proptest::collection::vec(maybe_text(), 13),
        select(SEEN.to_vec()),
        proptest::option::of(select(SEEN.to_vec())),
        subsequence(TAGS.to_vec(), 0..=3),
    )
        .prop_map(|(mut texts, last_seen, first_seen, tags)| {
            let mut next = || texts.pop().flatten();
            Contact {
                id: 0,
                user_id: next(),
                name: next(),
                email: next(),
                company: next(),
                phone: next(),
                first_seen,
                last_seen,
                location: Location {
                    country_code: next(),
                    city: next(),
                    region_code: next(),
                },
                tags: tags
                    .into_iter()
                    .map(|name| Tag {
                        name: name.to_owned(),
                        color: None,
                    })
                    .collect(),
                telegram_id: next(),
                facebook_id: next(),
                instagram_id: next(),
                viber_id: next(),
                whatsapp_id: next(),
            }
        })
}

/// Contacts with distinct ids drawn from the filters' id domain.
fn contacts() -> impl Strategy<Value = Vec<Contact>> {
    proptest::collection::vec(contact(), 0..=14).prop_map(|mut contacts| {
        for (i, c) in contacts.iter_mut().enumerate() {
            c.id = i as i64;
        }
        contacts
    })
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

/// The plan, or `None` for an expression whose DNF is past the test bound.
fn plan_for(expr: &Expr, options: &PlanOptions) -> Option<plan::Plan> {
    match lower::lower(&query(expr.clone()), options, &limits()) {
        Ok(lowered) => Some(lowered.plan),
        Err(LowerError::TooManyTerms { .. } | LowerError::DnfTooLarge { .. }) => None,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Limits from 0 to `short`, a page longer than the API's, and every row.
fn page_limits(short: u64) -> impl Strategy<Value = Limit> {
    prop_oneof![
        4 => (0..=short).prop_map(Limit::Rows),
        1 => Just(Limit::Rows(150)),
        1 => Just(Limit::All),
    ]
}

fn ids(rows: &[&Contact]) -> Vec<i64> {
    rows.iter().map(|c| c.id).collect()
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// The union of the requests selects exactly the expression's contacts.
    #[test]
    fn plan_selects_what_the_expression_selects(expr in expr(), contacts in contacts()) {
        let Some(plan) = plan_for(&expr, &PlanOptions::default()) else {
            return Ok(());
        };
        for contact in &contacts {
            let want = eval::matches_expr(&expr, contact);
            let got = plan.requests.iter().any(|r| eval::matches_request(r, contact));
            prop_assert_eq!(got, want, "contact {:?}\nplan {}", contact, plan.to_json());
        }
    }

    /// Every request is one the API accepts, and the plan's shape follows
    /// the documented format.
    #[test]
    fn every_request_is_valid(expr in expr(), limit in page_limits(120)) {
        let options = PlanOptions { limit: Some(limit), ..PlanOptions::default() };
        let Some(plan) = plan_for(&expr, &options) else {
            return Ok(());
        };
        for request in &plan.requests {
            prop_assert_eq!(eval::validate(request, &Schema::CONTACTS), Ok(()), "{}", plan.to_json());
        }
        let needs_merge = plan.requests.len() > 1
            || (plan.requests.len() == 1
                && !limit.rows().is_some_and(|rows| (1..=100).contains(&rows)));
        prop_assert_eq!(plan.merge.is_some(), needs_merge, "{}", plan.to_json());
        let or_requests = plan.requests.iter().filter(|r| r.comparison == plan::Comparison::Or).count();
        prop_assert!(or_requests <= 1);
        // Same input, same bytes.
        let again = plan_for(&expr, &options).map(|p| p.to_json());
        prop_assert_eq!(again, Some(plan.to_json()));
    }

    /// Paging the plan as `merge` says gives the expression's true page.
    #[test]
    fn paging_a_plan_gives_the_true_page(
        expr in expr(),
        contacts in contacts(),
        sort in select(vec!["customers.lastSeen", "customers.firstSeen"]),
        ascending in any::<bool>(),
        offset in 0..=12u64,
        limit in page_limits(6),
    ) {
        let order = if ascending { Order::Asc } else { Order::Desc };
        let options = PlanOptions {
            sort: Some(Schema::CONTACTS.by_name(sort)),
            order: Some(order),
            offset: Some(offset),
            limit: Some(limit),
        };
        let Some(plan) = plan_for(&expr, &options) else {
            return Ok(());
        };
        let window = plan::Page { sort: sort.into(), order: order.into(), offset, limit: limit.rows() };
        let want = eval::page(&expr, &window, &contacts);
        let got = eval::run_plan(&plan, &contacts);
        prop_assert_eq!(ids(&got), ids(&want), "plan {}", plan.to_json());
    }

    /// What `emit` prints, decompiled, is hcq text whose plan pages to the
    /// same rows, and the text is in `fmt`'s layout.
    #[test]
    fn a_decompiled_plan_pages_to_the_same_rows(
        expr in expr(),
        contacts in contacts(),
        descending in any::<bool>(),
        offset in 0..=4u64,
        limit in page_limits(6),
    ) {
        let options = PlanOptions {
            order: Some(if descending { Order::Desc } else { Order::Asc }),
            offset: Some(offset),
            limit: Some(limit),
            ..PlanOptions::default()
        };
        let Some(plan) = plan_for(&expr, &options) else {
            return Ok(());
        };
        if limit.rows() == Some(0) {
            // A page of no rows: the language has no `limit 0` to write it.
            return Ok(());
        }
        let dates = hcq::decompile::Dates::Unix;
        let query = hcq::decompile::decompile("<plan>", &plan.to_json(), dates)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{}", plan.to_json())))?;
        let text = hcq::format::query_to_string(&query);
        let formatted = hcq::format::format_query("<text>", &text, &limits()).unwrap();
        prop_assert_eq!(&formatted, &text);
        let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH).with_limits(limits());
        let compiled = hcq::compile(&text, &options)
            .map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        prop_assert_eq!(
            ids(&eval::run_plan(&compiled.plan, &contacts)),
            ids(&eval::run_plan(&plan, &contacts)),
            "{}\n{}", plan.to_json(), text
        );
    }
}
