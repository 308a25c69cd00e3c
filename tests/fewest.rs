//! The fewest requests, proven by brute force: for random expressions over
//! at most four comparisons, the plan has exactly as many requests as the
//! smallest plan this test finds by trying every combination, and selects
//! exactly what the expression selects under every string rule the API
//! might have.
//!
//! Nothing here uses hcq's own reasoning. Which combinations of the
//! comparisons' truth values a contact can produce is found by evaluating
//! them on contacts built from the expression's constants (each field
//! independently), under each of eight rules: `=`, `~` and tag names each
//! compared exactly or ignoring case. A plan is exact when, on every such
//! combination, some request holds exactly when the expression does. The
//! smallest plan is searched over the comparisons of the expression and of
//! hcq's plan, each asserted or denied (a tags test only asserted): one OR
//! request of single filters plus AND requests, by prime implicants and
//! every choice of them, fewest first.
//!
//! `PROPTEST_CASES` sets the number of cases (256 by default);
//! BENCHMARKS.md ("Fewest requests") gives a run of 20,000.

#[path = "common/brute.rs"]
mod brute;
mod common;

use brute::{brute_minimum, collect_typed, eval_expr, eval_plan, index, of_plan, realizable};
use hcq::Limits;
use hcq::ast::{CompareOp, Span};
use hcq::lower::{self, PlanOptions};
use hcq::schema::Schema;
use hcq::typed::{Expr, Filter, Literal, Query};
use proptest::prelude::*;
use proptest::sample::select;

fn make(field: &str, op: CompareOp, value: Literal) -> Filter {
    Filter {
        field: Schema::CONTACTS.by_name(field),
        op,
        value,
        span: Span::default(),
    }
}

/// The comparisons the expressions are made of: values that differ only
/// by case, substrings of each other, ranges that meet, tags in one test
/// and in two.
fn pool() -> Vec<Filter> {
    let text = |field, op, v: &str| make(field, op, Literal::Text(v.to_owned()));
    let id = |op, n| make("customers.id", op, Literal::Integer(n));
    let tags = |names: &[&str]| {
        make(
            "customers.tagsData",
            CompareOp::Eq,
            Literal::Tags(names.iter().map(|n| (*n).to_owned()).collect()),
        )
    };
    vec![
        text("customers.city", CompareOp::Eq, "Kyiv"),
        text("customers.city", CompareOp::Eq, "kyiv"),
        text("customers.city", CompareOp::Eq, "Lviv"),
        text("customers.city", CompareOp::Ne, "Kyiv"),
        text("customers.city", CompareOp::Contains, "Ky"),
        text("customers.city", CompareOp::NotContains, "iv"),
        text("customers.email", CompareOp::Contains, "fb.ann"),
        text("customers.email", CompareOp::Contains, "fb."),
        text("customers.email", CompareOp::NotContains, "FB"),
        text("customers.email", CompareOp::Eq, "a@fb.ann"),
        id(CompareOp::Gt, 1),
        id(CompareOp::Lt, 3),
        id(CompareOp::Eq, 2),
        id(CompareOp::Ne, 1),
        id(CompareOp::Ge, 2),
        tags(&["Lead"]),
        tags(&["Paid"]),
        tags(&["Lead", "Paid"]),
    ]
}

#[derive(Clone, Debug)]
enum Shape {
    Leaf(usize),
    Not(Box<Shape>),
    And(Vec<Shape>),
    Or(Vec<Shape>),
}

fn shape() -> impl Strategy<Value = Shape> {
    (0..4usize)
        .prop_map(Shape::Leaf)
        .prop_recursive(4, 12, 3, |inner| {
            prop_oneof![
                1 => inner.clone().prop_map(|s| Shape::Not(Box::new(s))),
                2 => proptest::collection::vec(inner.clone(), 2..=3).prop_map(Shape::And),
                2 => proptest::collection::vec(inner, 2..=3).prop_map(Shape::Or),
            ]
        })
}

/// `shape` over `filters`; a `not` over a tags test is left out, as the
/// checker refuses it.
fn build(shape: &Shape, filters: &[Filter]) -> Expr {
    match shape {
        Shape::Leaf(i) => Expr::Filter(filters[i % filters.len()].clone()),
        Shape::Not(inner) => {
            let inner = build(inner, filters);
            if has_tags(&inner) {
                inner
            } else {
                Expr::Not(Box::new(inner), Span::default())
            }
        }
        Shape::And(items) => Expr::And(
            items.iter().map(|s| build(s, filters)).collect(),
            Span::default(),
        ),
        Shape::Or(items) => Expr::Or(
            items.iter().map(|s| build(s, filters)).collect(),
            Span::default(),
        ),
    }
}

fn has_tags(expr: &Expr) -> bool {
    match expr {
        Expr::Filter(f) => matches!(f.value, Literal::Tags(_)),
        Expr::Not(inner, _) => has_tags(inner),
        Expr::And(items, _) | Expr::Or(items, _) => items.iter().any(has_tags),
        Expr::All(_) => false,
    }
}

fn expression() -> impl Strategy<Value = Expr> {
    (proptest::collection::vec(select(pool()), 1..=4), shape())
        .prop_map(|(filters, shape)| build(&shape, &filters))
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_requests = usize::MAX;
    limits
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// The plan is exact under every rule, and no plan over the same
    /// comparisons has fewer requests.
    #[test]
    fn plans_of_four_comparisons_are_exact_and_the_fewest(expr in expression()) {
        let query = Query { expr: expr.clone(), sort: None, limit: None, offset: None, span: Span::default() };
        let plan = lower::lower(&query, &PlanOptions::default(), &limits()).expect("lowers").plan;
        let mut atoms = Vec::new();
        collect_typed(&expr, &mut atoms);
        for request in &plan.requests {
            for f in &request.filter {
                index(&mut atoms, of_plan(f).0);
            }
        }
        let patterns: Vec<u32> = realizable(&atoms).into_iter().collect();
        prop_assert!(patterns.len() <= 128, "{} patterns", patterns.len());
        let on: Vec<bool> = patterns.iter().map(|&p| eval_expr(&expr, &atoms, p)).collect();
        for (k, &p) in patterns.iter().enumerate() {
            prop_assert_eq!(
                eval_plan(&plan, &atoms, p), on[k],
                "pattern {:b} over {:?}\nplan {}", p, atoms, plan.to_json()
            );
        }
        let least = brute_minimum(&atoms, &patterns, &on);
        prop_assert_eq!(
            plan.requests.len(), least,
            "atoms {:?}\nplan {}", atoms, plan.to_json()
        );
    }
}

/// `hcq explain` names each law of the last pass where it applies.
#[test]
fn explain_names_each_law() {
    let cases = [
        (
            "(city = Kyiv or tag = Lead) and (city != Kyiv or email ~ gmail)",
            "consensus",
        ),
        (
            "(city = Kyiv and id > 3) or (city != Kyiv and email ~ gmail) \
             or (id <= 3 and email ~ gmail) or (email ~ gmail and name ~ Ann)",
            "covered request",
        ),
        (
            "city not in (Kyiv, Lviv) or (city in (Kyiv, Lviv) and tag = Lead)",
            "complement",
        ),
        (
            "(city = Kyiv and city = Lviv) or (email ~ x and id > 5)",
            "contradiction by value",
        ),
        ("email ~ \"fb.ann\" and email ~ \"fb.\"", "implied filter"),
        (
            "(((city in (Kyiv, Lviv)) or (id != 2)) and ((name ~ Kyiv) and (tags = [Lead, Paid]))) \
             or (((city not in (Kyiv, Lviv)) and ((city in (Kyiv, Lviv)) or (city != \"fb.ann\"))) \
             or (((id in (1, 2, 3)) or (city != gmail)) and (lastSeen > now - 7d) \
             and (city not in (Kyiv, Lviv))))",
            "exact minimum",
        ),
    ];
    let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().expect("a time"));
    for (text, law) in cases {
        let compiled = hcq::compile_detailed(text, &options).expect("compiles");
        let explained = compiled.explain(text);
        assert!(
            explained.contains(&format!("  - {law}: ")),
            "no {law:?} in\n{explained}"
        );
    }
}
