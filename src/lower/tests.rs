//! Each lowering stage on typed trees built by hand.

use crate::Limits;
use crate::ast::{CompareOp, Order, Span};
use crate::lower::{
    self, LowerError, LowerWarning, Lowered, PlanOptions, Rule, Trace, dnf, nnf, pack, show_filter,
    show_filters, simplify,
};
use crate::plan::{self, Comparison};
use crate::schema::{FieldType, Schema};
use crate::typed::{Expr, Filter, Literal, Query};
use miette::Diagnostic;
use std::sync::Arc;

// ---------------------------------------------------------------- builder

/// `f("id > 5")`, `f("email ~ gmail")`, `f("tags = Lead, Paid")`: a filter
/// on a field by short name, its value read by the field's type.
fn filter(text: &str) -> Filter {
    let mut parts = text.splitn(3, ' ');
    let (name, op, value) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let field = Schema::CONTACTS.field(name).unwrap();
    let op = *CompareOp::ALL.iter().find(|o| o.as_str() == op).unwrap();
    let value = match field.ty {
        FieldType::Integer => Literal::Integer(value.parse().unwrap()),
        FieldType::Date => Literal::Timestamp(value.parse().unwrap()),
        FieldType::String => Literal::Text(value.trim_matches('"').to_owned()),
        FieldType::Tags => Literal::Tags(value.split(", ").map(str::to_owned).collect()),
    };
    Filter {
        field,
        op,
        value,
        span: Span::default(),
    }
}

fn f(text: &str) -> Expr {
    Expr::Filter(filter(text))
}

fn and(items: Vec<Expr>) -> Expr {
    Expr::And(items, Span::default())
}

fn or(items: Vec<Expr>) -> Expr {
    Expr::Or(items, Span::default())
}

fn not(item: Expr) -> Expr {
    Expr::Not(Box::new(item), Span::default())
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

fn lower_ok(expr: Expr) -> Lowered {
    lower_traced_ok(expr).0
}

/// Lowers with and without the trace, which must give the same plan and
/// warnings.
fn lower_traced_ok(expr: Expr) -> (Lowered, Trace) {
    let (options, limits) = (PlanOptions::default(), Limits::default());
    let (traced, trace) = lower::lower_traced(&query(expr.clone()), &options, &limits).unwrap();
    let fast = lower::lower(&query(expr), &options, &limits).unwrap();
    assert_eq!(fast.plan, traced.plan);
    assert_eq!(fast.warnings, traced.warnings);
    (traced, trace)
}

fn lower_err(expr: Expr, limits: &Limits) -> LowerError {
    lower::lower(&query(expr), &PlanOptions::default(), limits).unwrap_err()
}

/// The terms as text, one string per term.
fn show(terms: &[dnf::Term]) -> Vec<String> {
    terms
        .iter()
        .map(|t| show_filters(t.filters.iter().map(|f| &**f)))
        .collect()
}

/// Simplifies hand-written terms, each a list of filters.
fn simplified(terms: &[&[&str]]) -> (Vec<String>, Vec<Rule>) {
    let terms = terms
        .iter()
        .map(|t| dnf::Term {
            filters: t.iter().map(|s| Arc::new(filter(s))).collect(),
        })
        .collect();
    let mut log = lower::Log::default();
    let out = simplify::simplify(terms, &mut log);
    let rules = log.rewrites().iter().map(|r| r.rule).collect();
    (show(&out), rules)
}

fn nnf_of(expr: &Expr) -> nnf::Expr {
    nnf::to_nnf(expr, &mut lower::Log::default())
}

fn request_count(expr: Expr) -> usize {
    lower_ok(expr).plan.requests.len()
}

// ---------------------------------------------------------------- nnf

#[test]
fn not_negates_every_operator() {
    for (op, negated) in [
        ("=", "!="),
        ("!=", "="),
        (">", "<="),
        ("<=", ">"),
        ("<", ">="),
        (">=", "<"),
    ] {
        let nnf::Expr::Filter(out) = nnf_of(&not(f(&format!("id {op} 5")))) else {
            panic!("a filter stays a filter");
        };
        assert_eq!(show_filter(&out), format!("id {negated} 5"));
    }
    for (op, negated) in [("~", "!~"), ("!~", "~")] {
        let nnf::Expr::Filter(out) = nnf_of(&not(f(&format!("email {op} gmail")))) else {
            panic!("a filter stays a filter");
        };
        assert_eq!(show_filter(&out), format!("email {negated} \"gmail\""));
    }
}

#[test]
fn de_morgan_swaps_and_and_or() {
    let expr = not(and(vec![f("id > 5"), f("email ~ gmail")]));
    let nnf::Expr::Or(items, _) = nnf_of(&expr) else {
        panic!("not (a and b) is an or");
    };
    assert_eq!(items.len(), 2);
    assert_eq!(
        items,
        vec![
            nnf::Expr::Filter(filter("id <= 5")),
            nnf::Expr::Filter(filter("email !~ gmail"))
        ]
    );

    let expr = not(or(vec![f("id > 5"), f("email ~ gmail")]));
    assert!(matches!(nnf_of(&expr), nnf::Expr::And(items, _) if items.len() == 2));
}

#[test]
fn double_negation_cancels() {
    assert_eq!(
        nnf_of(&not(not(f("id > 5")))),
        nnf::Expr::Filter(filter("id > 5"))
    );
    let mut log = lower::Log::default();
    nnf::to_nnf(&not(not(f("id > 5"))), &mut log);
    assert_eq!(log.rewrites()[0].rule, Rule::DoubleNegation);
}

#[test]
fn nested_ors_are_spliced() {
    // a or not (b and c) is a or not b or not c: one flat or
    let expr = or(vec![f("id = 1"), not(and(vec![f("id = 2"), f("id = 3")]))]);
    let nnf::Expr::Or(items, _) = nnf_of(&expr) else {
        panic!("an or");
    };
    assert_eq!(items.len(), 3);
}

#[test]
fn negated_tag_is_an_error_not_a_panic() {
    let err = lower_err(not(f("tags = Lead")), &Limits::default());
    assert!(matches!(err, LowerError::NegatedTag { .. }));
    assert_eq!(err.code().unwrap().to_string(), "hcq::lower::negated_tag");
}

// ---------------------------------------------------------------- dnf

#[test]
fn estimate_sums_ors_and_multiplies_ands() {
    let two = |a: &str, b: &str| or(vec![f(a), f(b)]);
    let expr = and(vec![
        two("id = 1", "id = 2"),
        two("id = 3", "id = 4"),
        f("email ~ x"),
    ]);
    let estimate = dnf::estimate(&nnf_of(&expr));
    assert_eq!(estimate.size.terms, 4);
    assert_eq!(estimate.size.filters, 12);
    let largest = estimate.largest_and.unwrap();
    assert_eq!(largest.factors, vec![2, 2, 1]);
    assert_eq!(largest.terms, 4);
}

#[test]
fn estimate_saturates_instead_of_overflowing() {
    // 70 groups of two: 2^70 terms
    let groups = (0..70)
        .map(|i| or(vec![f(&format!("id = {i}")), f(&format!("id = -{i}"))]))
        .collect();
    let estimate = dnf::estimate(&nnf_of(&and(groups)));
    assert_eq!(estimate.size.terms, u64::MAX);
}

#[test]
fn distribute_keeps_source_order() {
    let expr = and(vec![
        or(vec![f("id = 1"), f("id = 2")]),
        or(vec![f("id = 3"), f("id = 4")]),
    ]);
    let terms = dnf::distribute(&nnf_of(&expr), &Limits::default()).unwrap();
    assert_eq!(
        show(&terms),
        [
            "id = 1 and id = 3",
            "id = 1 and id = 4",
            "id = 2 and id = 3",
            "id = 2 and id = 4"
        ]
    );
}

#[test]
fn too_many_terms_points_at_the_multiplying_and() {
    let inner_span = Span::new(10, 50);
    let groups = (0..14)
        .map(|i| or(vec![f(&format!("id = {i}")), f(&format!("id = -{i}"))]))
        .collect();
    let expr = or(vec![f("email ~ x"), Expr::And(groups, inner_span)]);
    let err = lower_err(expr, &Limits::default());
    let LowerError::TooManyTerms {
        terms,
        limit,
        span,
        factors,
    } = &err
    else {
        panic!("expected too many terms, got {err:?}");
    };
    assert_eq!(*terms, 16_385);
    assert_eq!(*limit, 10_000);
    assert_eq!((span.offset(), span.len()), (10, 40));
    assert!(factors.starts_with("2 × 2 × "), "{factors}");
    assert!(
        factors.ends_with("= 16384 terms from this `and`"),
        "{factors}"
    );
    assert_eq!(
        err.code().unwrap().to_string(),
        "hcq::lower::too_many_terms"
    );
    assert!(err.to_string().contains("16385 AND-terms"));
    assert!(err.help().unwrap().to_string().contains("segments"));
}

#[test]
fn the_term_bound_is_configurable() {
    let limits = Limits {
        max_dnf_terms: 3,
        ..Limits::default()
    };
    let expr = and(vec![
        or(vec![f("id = 1"), f("id = 2")]),
        or(vec![f("id = 3"), f("id = 4")]),
    ]);
    assert!(matches!(
        lower_err(expr, &limits),
        LowerError::TooManyTerms { terms: 4, .. }
    ));
}

#[test]
fn too_many_filters_in_all_is_refused_before_building() {
    // 600 comparisons repeated in 2^11 terms: 1.2 million filters
    let mut items: Vec<Expr> = (0..600).map(|i| f(&format!("id != {i}"))).collect();
    items.extend((0..11).map(|i| {
        or(vec![
            f(&format!("email = a{i}")),
            f(&format!("email = b{i}")),
        ])
    }));
    let err = lower_err(and(items), &Limits::default());
    assert!(
        matches!(err, LowerError::DnfTooLarge { terms: 2048, .. }),
        "{err:?}"
    );
    assert_eq!(err.code().unwrap().to_string(), "hcq::lower::dnf_too_large");
}

#[test]
fn empty_operand_lists_do_not_panic() {
    // Never produced by the checker, but a hand-built tree must not crash:
    // an empty `or` is false, an empty `and` is true.
    let never = lower_ok(and(vec![f("id = 1"), or(vec![])]));
    assert!(never.plan.requests.is_empty());
    let always = lower_ok(or(vec![f("id = 1"), and(vec![])]));
    assert_eq!(always.plan.requests.len(), 1);
}

// ---------------------------------------------------------------- simplify: one term

#[test]
fn duplicate_filters_go() {
    let (terms, rules) = simplified(&[&["email ~ gmail", "id > 5", "email ~ gmail"]]);
    assert_eq!(terms, ["email ~ \"gmail\" and id > 5"]);
    assert_eq!(rules, [Rule::DuplicateFilter]);
}

#[test]
fn ranges_on_one_field_merge() {
    let cases: &[(&[&str], &str)] = &[
        (&["id > 5", "id > 10"], "id > 10"),
        (&["id > 10", "id > 5"], "id > 10"),
        (&["id < 5", "id <= 3"], "id <= 3"),
        (&["id >= 10", "id <= 10"], "id = 10"),
        (&["id = 7", "id > 3"], "id = 7"),
        (&["id > 3", "id = 7"], "id = 7"),
        (&["id != 7", "id > 10"], "id > 10"),
        (&["id >= 10", "id != 10"], "id > 10"),
        (&["id <= 10", "id != 10", "id != 9"], "id < 9"),
        (
            &["id > 5", "id < 10", "id != 7"],
            "id > 5 and id < 10 and id != 7",
        ),
        (&["id > 5", "id < 7"], "id = 6"),
        (&["id >= 5", "id > 4"], "id >= 5"),
        (
            &["lastSeen >= 100", "lastSeen < 200", "lastSeen > 150"],
            "lastSeen > 1970-01-01T00:02:30Z and lastSeen < 1970-01-01T00:03:20Z",
        ),
    ];
    for (term, expected) in cases {
        let (terms, _) = simplified(&[term]);
        assert_eq!(terms, [*expected], "{term:?}");
    }
}

#[test]
fn ranges_keep_the_field_where_it_first_appears() {
    let (terms, rules) = simplified(&[&["id > 5", "email ~ gmail", "id > 10", "city = Kyiv"]]);
    assert_eq!(terms, ["id > 10 and email ~ \"gmail\" and city = \"Kyiv\""]);
    assert_eq!(rules, [Rule::ImpliedFilter]);
}

#[test]
fn a_merged_equality_is_recorded_as_a_range_rewrite() {
    let (_, rules) = simplified(&[&["id >= 10", "id <= 10"]]);
    assert_eq!(rules, [Rule::RangeRewritten]);
}

#[test]
fn impossible_terms_go() {
    let impossible: &[&[&str]] = &[
        &["id > 10", "id < 5"],
        &["id = 1", "id = 2"],
        &["lastSeen = 1", "lastSeen = 2"],
        &["id = 7", "id != 7"],
        &["id >= 7", "id <= 7", "id != 7"],
        &["id > 9223372036854775807"],
        &["id < -9223372036854775808"],
        &["email = a", "email != a"],
        &["email ~ a", "email !~ a"],
        &["city != Kyiv", "id > 3", "city = Kyiv"],
    ];
    for term in impossible {
        let (terms, rules) = simplified(&[term, &["name = keep"]]);
        assert_eq!(terms, ["name = \"keep\""], "{term:?}");
        assert_eq!(rules, [Rule::Contradiction], "{term:?}");
    }
}

#[test]
fn different_strings_are_not_assumed_to_differ() {
    // Whether "a" equals "A" is the API's business: keep both.
    let (terms, rules) = simplified(&[&["email = a", "email = b"]]);
    assert_eq!(terms, ["email = \"a\" and email = \"b\""]);
    assert!(rules.is_empty());
    let (terms, _) = simplified(&[&["email = A"], &["email = a"]]);
    assert_eq!(terms.len(), 2);
    let (terms, _) = simplified(&[&["email = gmail", "email !~ mail"]]);
    assert_eq!(terms.len(), 1);
}

#[test]
fn tag_tests_of_one_term_merge() {
    let (terms, rules) =
        simplified(&[&["tags = Lead", "id > 1", "tags = Paid, Lead", "tags = VIP"]]);
    assert_eq!(terms, ["tags = [Lead, Paid, VIP] and id > 1"]);
    assert_eq!(rules, [Rule::TagsMerged]);
    let (terms, _) = simplified(&[&["tags = Lead, Lead"]]);
    assert_eq!(terms, ["tags = [Lead]"]);
}

// ---------------------------------------------------------------- simplify: across terms

#[test]
fn absorption() {
    let (terms, rules) = simplified(&[&["email ~ a"], &["email ~ a", "id > 1"]]);
    assert_eq!(terms, ["email ~ \"a\""]);
    assert_eq!(rules, [Rule::SubsumedTerm]);
    // The more general term may come second.
    let (terms, _) = simplified(&[
        &["email ~ a", "id > 1", "city = K"],
        &["city = K", "email ~ a"],
    ]);
    assert_eq!(terms, ["city = \"K\" and email ~ \"a\""]);
}

#[test]
fn range_implication_absorbs() {
    let (terms, _) = simplified(&[&["id > 500"], &["id > 1000"]]);
    assert_eq!(terms, ["id > 500"]);
    let (terms, _) = simplified(&[&["id > 1000"], &["id > 500"]]);
    assert_eq!(terms, ["id > 500"]);
    let (terms, _) = simplified(&[&["id = 7", "email ~ a"], &["id > 3", "id != 9"]]);
    assert_eq!(terms, ["id > 3 and id != 9"]);
    let (terms, _) = simplified(&[&["id != 7"], &["id = 8", "city = K"]]);
    assert_eq!(terms, ["id != 7"]);
    // id != 7 or (id = 7 and city = K) is id != 7 or city = K
    let (terms, _) = simplified(&[&["id != 7"], &["id = 7", "city = K"]]);
    assert_eq!(terms, ["id != 7", "city = \"K\""]);
}

#[test]
fn tag_sets_absorb() {
    let (terms, _) = simplified(&[&["tags = A, B"], &["tags = A"]]);
    assert_eq!(terms, ["tags = [A]"]);
    let (terms, _) = simplified(&[&["tags = A"], &["tags = B"]]);
    assert_eq!(terms.len(), 2);
}

#[test]
fn identical_terms_go() {
    let (terms, rules) = simplified(&[&["email ~ a", "id > 1"], &["id > 1", "email ~ a"]]);
    assert_eq!(terms, ["email ~ \"a\" and id > 1"]);
    assert_eq!(rules, [Rule::DuplicateTerm]);
}

#[test]
fn complementary_terms_merge() {
    // (a and b) or (a and not b) is a
    let (terms, rules) = simplified(&[&["city = K", "email ~ g"], &["city = K", "email !~ g"]]);
    assert_eq!(terms, ["city = \"K\""]);
    assert!(rules.contains(&Rule::Complement), "{rules:?}");
    // a or (not a and b) is a or b
    let (terms, _) = simplified(&[&["email ~ g"], &["email !~ g", "city = K"]]);
    assert_eq!(terms, ["email ~ \"g\"", "city = \"K\""]);
    // but not when the rest differs: (a and b) or (c and not b)
    let (terms, _) = simplified(&[&["city = K", "email ~ g"], &["name = N", "email !~ g"]]);
    assert_eq!(terms.len(), 2);
}

#[test]
fn ranges_join_across_terms() {
    let (terms, rules) = simplified(&[&["city = K", "id < 10"], &["city = K", "id >= 10"]]);
    assert_eq!(terms, ["city = \"K\""]);
    assert!(rules.contains(&Rule::RangeUnion));
    let (terms, _) = simplified(&[
        &["city = K", "id > 5", "id < 10"],
        &["city = K", "id > 8", "id < 20"],
    ]);
    assert_eq!(terms, ["city = \"K\" and id > 5 and id < 20"]);
    // a or (not a and b) with a number: id > 5 or (id <= 5 and city = K)
    let (terms, _) = simplified(&[&["id > 5"], &["id <= 5", "city = K"]]);
    assert_eq!(terms, ["id > 5", "city = \"K\""]);
    // ranges that do not touch stay apart
    let (terms, _) = simplified(&[&["id < 5"], &["id > 10"]]);
    assert_eq!(terms, ["id < 5", "id > 10"]);
    // two single comparisons share a request; joined they would need one more
    let (terms, _) = simplified(&[&["id = 1"], &["id = 2"], &["email ~ a"]]);
    assert_eq!(terms, ["id = 1", "id = 2", "email ~ \"a\""]);
    let (terms, _) = simplified(&[&["id = 1", "email ~ a"], &["id = 2", "email ~ a"]]);
    assert_eq!(terms, ["id >= 1 and id <= 2 and email ~ \"a\""]);
    let (terms, _) = simplified(&[&["id = 4"], &["id >= 5"]]);
    assert_eq!(terms, ["id >= 4"]);
}

#[test]
fn always_true_becomes_one_term_without_filters() {
    for terms in [
        &[&["id > 5"][..], &["id <= 5"][..]][..],
        &[&["id < 10"], &["id > 5"]],
        &[&["email = a"], &["email != a"]],
        &[&["id != 3"], &["id = 3"]],
        &[&["id >= -9223372036854775808"]],
    ] {
        let (out, rules) = simplified(terms);
        assert_eq!(out, ["(no condition)"], "{terms:?}");
        assert!(rules.contains(&Rule::AlwaysTrue), "{terms:?}");
    }
}

#[test]
fn never_matching_leaves_no_term() {
    let (out, _) = simplified(&[&["id > 10", "id < 5"], &["email = a", "email != a"]]);
    assert!(out.is_empty());
}

// ---------------------------------------------------------------- lower: whole expressions

#[test]
fn request_counts_one_two_four() {
    let (a, b, c, d) = (
        || f("email ~ gmail"),
        || f("city = Kyiv"),
        || f("tags = Lead"),
        || f("lastSeen >= 1700000000"),
    );
    assert_eq!(request_count(or(vec![a(), b(), c()])), 1);
    assert_eq!(request_count(and(vec![or(vec![a(), b()]), c()])), 2);
    assert_eq!(
        request_count(and(vec![or(vec![a(), b()]), or(vec![c(), d()])])),
        4
    );
}

#[test]
fn single_filters_share_the_or_request_which_comes_first() {
    let (lowered, trace) = lower_traced_ok(or(vec![
        and(vec![f("city = Kyiv"), f("id > 5")]),
        f("email ~ gmail"),
        f("tags = Lead"),
    ]));
    let requests = &lowered.plan.requests;
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].comparison, Comparison::Or);
    assert_eq!(requests[0].filter.len(), 2);
    assert_eq!(requests[1].comparison, Comparison::And);
    assert_eq!(requests[1].filter[0].field, "customers.city");
    assert_eq!(trace.requests[0].terms, vec![1, 2]);
    assert_eq!(trace.requests[1].terms, vec![0]);
}

#[test]
fn tags_of_one_term_are_one_filter() {
    let lowered = lower_ok(and(vec![f("tags = Lead"), f("tags = Paid")]));
    let json = serde_json::to_string(&lowered.plan.requests[0].filter).unwrap();
    assert_eq!(
        json,
        r#"[{"field":"customers.tagsData","operator":"=","value":[{"name":"Lead"},{"name":"Paid"}]}]"#
    );
}

#[test]
fn any_of_several_tags_is_one_or_request() {
    let lowered = lower_ok(or(vec![f("tags = Lead"), f("tags = Paid")]));
    assert_eq!(lowered.plan.requests.len(), 1);
    assert_eq!(lowered.plan.requests[0].comparison, Comparison::Or);
}

#[test]
fn one_filter_is_an_and_request_with_the_callers_page() {
    let mut q = query(f("email ~ gmail"));
    q.limit = Some(20);
    q.offset = Some(40);
    q.sort = Some(crate::typed::Sort {
        field: Schema::CONTACTS.by_name("customers.firstSeen"),
        order: Some(Order::Asc),
    });
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    assert_eq!(plan.merge, None);
    let r = &plan.requests[0];
    assert_eq!(r.comparison, Comparison::And);
    assert_eq!(
        (r.sort.as_str(), r.order, r.offset, r.limit),
        ("customers.firstSeen", plan::Order::Asc, 40, 20)
    );
}

#[test]
fn options_override_the_query() {
    let mut q = query(f("email ~ gmail"));
    q.limit = Some(20);
    let options = PlanOptions {
        sort: None,
        order: Some(Order::Asc),
        offset: Some(5),
        limit: Some(7),
    };
    let plan = lower::lower(&q, &options, &Limits::default()).unwrap().plan;
    let r = &plan.requests[0];
    assert_eq!(
        (r.sort.as_str(), r.order, r.offset, r.limit),
        ("customers.lastSeen", plan::Order::Asc, 5, 7)
    );
}

#[test]
fn defaults_are_last_seen_desc_and_100_rows() {
    let plan = lower_ok(f("email ~ gmail")).plan;
    let r = &plan.requests[0];
    assert_eq!(
        (r.sort.as_str(), r.order, r.offset, r.limit),
        ("customers.lastSeen", plan::Order::Desc, 0, 100)
    );
}

#[test]
fn a_long_page_of_one_request_is_read_in_pages() {
    let mut q = query(f("email ~ gmail"));
    q.limit = Some(250);
    q.offset = Some(30);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    let r = &plan.requests[0];
    assert_eq!((r.offset, r.limit), (30, 100));
    let merge = plan.merge.unwrap();
    assert_eq!((merge.page.offset, merge.page.limit), (0, 250));
}

#[test]
fn several_requests_read_from_zero_and_merge() {
    let mut q = query(and(vec![
        or(vec![f("email ~ gmail"), f("city = Kyiv")]),
        f("id > 5"),
    ]));
    q.limit = Some(30);
    q.offset = Some(20);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    assert_eq!(plan.requests.len(), 2);
    for r in &plan.requests {
        assert_eq!((r.offset, r.limit), (0, 50));
        assert_eq!(r.sort, "customers.lastSeen");
    }
    let merge = plan.merge.unwrap();
    assert_eq!(
        (merge.by.as_str(), merge.page.offset, merge.page.limit),
        ("id", 20, 30)
    );
    q.offset = Some(1000);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    assert!(plan.requests.iter().all(|r| r.limit == 100));
}

#[test]
fn always_true_warns_and_asks_for_everyone() {
    let lowered = lower_ok(or(vec![f("id > 5"), f("id <= 5")]));
    assert!(matches!(
        lowered.warnings.as_slice(),
        [LowerWarning::AlwaysTrue { .. }]
    ));
    let warning = &lowered.warnings[0];
    assert_eq!(
        warning.code().unwrap().to_string(),
        "hcq::lower::always_true"
    );
    assert_eq!(warning.severity(), Some(miette::Severity::Warning));
    let json = serde_json::to_string(&lowered.plan.requests).unwrap();
    assert_eq!(
        json,
        r#"[{"comparison":"OR","filter":[{"field":"customers.id","operator":"<","value":0},{"field":"customers.id","operator":">=","value":0}],"sort":"customers.lastSeen","order":"DESC","offset":0,"limit":100}]"#
    );
}

#[test]
fn never_matching_warns_and_sends_nothing() {
    let lowered = lower_ok(and(vec![f("id > 10"), f("id < 5")]));
    assert!(matches!(
        lowered.warnings.as_slice(),
        [LowerWarning::NeverMatches { .. }]
    ));
    assert_eq!(
        lowered.warnings[0].code().unwrap().to_string(),
        "hcq::lower::never_matches"
    );
    assert_eq!(lowered.plan.to_json(), "{\n  \"requests\": []\n}");
}

#[test]
fn negated_empty_text_warns_as_written() {
    for (written, op) in [("telegramId != \"\"", "!="), ("email !~ \"\"", "!~")] {
        let lowered = lower_ok(and(vec![f(written), f("id > 5")]));
        let [warning] = lowered.warnings.as_slice() else {
            panic!(
                "{written}: one warning expected, got {:?}",
                lowered.warnings
            );
        };
        assert!(
            matches!(warning, LowerWarning::EmptyTextNegation { op: o, .. } if *o == op),
            "{warning:?}"
        );
        assert_eq!(
            warning.code().unwrap().to_string(),
            "hcq::lower::empty_text_negation"
        );
        assert_eq!(warning.severity(), Some(miette::Severity::Warning));
        // A warning only: the plan sends the filter as written.
        assert_eq!(lowered.plan.requests[0].filter.len(), 2);
    }
    // Under `not` each is warned about as written; none is made up for
    // `not x ~ ""` or `not x = ""`, which nnf turns into `!~` and `!=`.
    let lowered = lower_ok(or(vec![
        not(f("telegramId ~ \"\"")),
        not(f("viberId = \"\"")),
        not(f("city != \"\"")),
        f("email != x"),
        f("id != 0"),
    ]));
    let ops: Vec<_> = lowered
        .warnings
        .iter()
        .map(|w| match w {
            LowerWarning::EmptyTextNegation { field, op, .. } => format!("{field} {op}"),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ops, ["city !="]);
}

#[test]
fn too_many_requests_names_count_and_cap() {
    let six = |field: &str| or((0..6).map(|i| f(&format!("{field} = v{i}"))).collect());
    let err = lower_err(and(vec![six("email"), six("city")]), &Limits::default());
    let LowerError::TooManyRequests {
        requests, limit, ..
    } = &err
    else {
        panic!("expected too many requests, got {err:?}");
    };
    assert_eq!((*requests, *limit), (36, 30));
    assert_eq!(
        err.code().unwrap().to_string(),
        "hcq::lower::too_many_requests"
    );
    assert_eq!(
        err.to_string(),
        "this expression needs 36 requests, more than the cap of 30"
    );
    assert!(
        err.help()
            .unwrap()
            .to_string()
            .contains("36 alternatives have several conditions")
    );
}

#[test]
fn the_request_cap_is_configurable() {
    let limits = Limits {
        max_requests: 1,
        ..Limits::default()
    };
    let expr = and(vec![or(vec![f("email ~ a"), f("city = b")]), f("id > 1")]);
    assert!(matches!(
        lower_err(expr, &limits),
        LowerError::TooManyRequests {
            requests: 2,
            limit: 1,
            ..
        }
    ));
}

#[test]
fn redundancy_collapses_a_large_dnf() {
    // (a or x1) and (a or x2) and … and (a or x13): 8192 terms, but every
    // term with `a` is absorbed by `a`, leaving `a or (x1 and … and x13)`.
    let groups = (1..=13)
        .map(|i| or(vec![f("email ~ gmail"), f(&format!("id != {i}"))]))
        .collect();
    let (lowered, trace) = lower_traced_ok(and(groups));
    assert_eq!(trace.dnf.len(), 8192);
    assert_eq!(lowered.plan.requests.len(), 2);
    assert_eq!(lowered.plan.requests[1].filter.len(), 13);
}

#[test]
fn output_is_deterministic() {
    let build = || {
        and(vec![
            or(vec![f("email ~ gmail"), f("tags = Lead"), f("id > 10")]),
            or(vec![f("city = Kyiv"), not(f("lastSeen < 1700000000"))]),
        ])
    };
    let first = lower_ok(build()).plan.to_json();
    for _ in 0..5 {
        assert_eq!(lower_ok(build()).plan.to_json(), first);
    }
}

#[test]
fn plans_round_trip_through_json() {
    let plan = lower_ok(and(vec![
        or(vec![f("email ~ gmail"), f("tags = Lead, Paid")]),
        f("lastSeen >= 1700000000"),
    ]))
    .plan;
    let back: plan::Plan = serde_json::from_str(&plan.to_json()).unwrap();
    assert_eq!(back, plan);
}

// ---------------------------------------------------------------- pack on its own

#[test]
fn pack_puts_single_filters_in_one_request() {
    let term = |fs: &[&str]| dnf::Term {
        filters: fs.iter().map(|s| Arc::new(filter(s))).collect(),
    };
    let terms = vec![
        term(&["email ~ a"]),
        term(&["city = b", "id > 1"]),
        term(&["tags = Lead"]),
    ];
    let page = plan::Page {
        sort: "customers.lastSeen".to_owned(),
        order: plan::Order::Desc,
        offset: 0,
        limit: 10,
    };
    let packed = pack::pack(&terms, &page, &Limits::default(), Span::default()).unwrap();
    let plan = packed.plan;
    assert_eq!(plan.requests.len(), 2);
    assert_eq!(plan.requests[0].comparison, Comparison::Or);
    assert_eq!(plan.requests[0].filter.len(), 2);
    assert_eq!(plan.requests[1].filter.len(), 2);
    assert_eq!(plan.merge.unwrap().page.limit, 10);
    assert_eq!(plan.requests[0].limit, 10);
}

// ---------------------------------------------------------------- explain

#[test]
fn explain_shows_every_stage_with_source_quotes() {
    let source = "(email ~ gmail or city = Kyiv) and not id <= 5";
    let at = |start, end, text: &str| {
        let mut filter = filter(text);
        filter.span = Span::new(start, end);
        Expr::Filter(filter)
    };
    let expr = Expr::And(
        vec![
            Expr::Or(
                vec![at(1, 14, "email ~ gmail"), at(18, 29, "city = Kyiv")],
                Span::new(1, 29),
            ),
            Expr::Not(Box::new(at(39, 46, "id <= 5")), Span::new(35, 46)),
        ],
        Span::new(0, 46),
    );
    let (lowered, trace) = lower_traced_ok(expr);
    let text = lower::explain::render(source, &lowered, &trace);
    for needle in [
        "1. Negation normal form",
        "(email ~ \"gmail\" or city = \"Kyiv\") and id > 5",
        "negated comparison: `not (id <= 5)` is `id > 5`",
        "at `not id <= 5`",
        "2. Disjunctive normal form: an OR of 2 AND-terms",
        "email ~ \"gmail\" and id > 5",
        "4. Requests: 2 (one per DNF term would be 2)",
        "Request 1: AND, term 1",
        "customers.email ~ \"gmail\"",
        "from `email ~ gmail`",
        "from `city = Kyiv`",
        "one AND request for each of the 2 terms of several comparisons",
        "Paging: sort by customers.lastSeen DESC, offset 0, limit 100",
        "union the rows by id",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn explain_says_why_a_plan_is_empty_or_total() {
    let (never, trace) = lower_traced_ok(and(vec![f("id > 10"), f("id < 5")]));
    let text = lower::explain::render("", &never, &trace);
    assert!(text.contains("nothing to ask the API"), "{text}");
    assert!(text.contains("contradiction"), "{text}");
    let (always, trace) = lower_traced_ok(or(vec![f("email = a"), f("email != a")]));
    let text = lower::explain::render("", &always, &trace);
    assert!(text.contains("holds for every contact"), "{text}");
}

// ------------------------------------------------- examples of the stages

/// `(a or b) and (c or d) and (e or f)` has 2 × 2 × 2 terms, estimated without building them.
#[test]
fn the_estimate_multiplies_across_and() {
    use crate::ast::{CompareOp, Span};
    use crate::lower::{dnf, nnf};
    use crate::schema::Schema;
    use crate::typed::{Filter, Literal};

    let id = Schema::CONTACTS.by_name("customers.id");
    let leaf = |n| {
        nnf::Expr::Filter(Filter {
            field: id,
            op: CompareOp::Eq,
            value: Literal::Integer(n),
            span: Span::default(),
        })
    };
    let or = |a, b| nnf::Expr::Or(vec![leaf(a), leaf(b)], Span::default());
    // (a or b) and (c or d) and (e or f): 2 × 2 × 2 terms
    let and = nnf::Expr::And(vec![or(1, 2), or(3, 4), or(5, 6)], Span::default());
    assert_eq!(dnf::estimate(&and).size.terms, 8);
}

/// `id > 500 or id > 1000`: two DNF terms, one after absorption.
#[test]
fn the_trace_records_each_stage() {
    use crate::Limits;
    use crate::ast::{CompareOp, Span};
    use crate::lower::{PlanOptions, Rule, lower_traced};
    use crate::schema::Schema;
    use crate::typed::{Expr, Filter, Literal, Query};

    let id = Schema::CONTACTS.by_name("customers.id");
    let filter = |op, n| {
        Expr::Filter(Filter {
            field: id,
            op,
            value: Literal::Integer(n),
            span: Span::default(),
        })
    };
    // id > 500 or id > 1000
    let expr = Expr::Or(
        vec![filter(CompareOp::Gt, 500), filter(CompareOp::Gt, 1000)],
        Span::default(),
    );
    let query = Query {
        expr,
        sort: None,
        limit: None,
        offset: None,
        span: Span::default(),
    };
    let (lowered, trace) =
        lower_traced(&query, &PlanOptions::default(), &Limits::default()).unwrap();
    assert_eq!(lowered.plan.requests.len(), 1);
    assert_eq!((trace.dnf.len(), trace.simplified.len()), (2, 1));
    assert_eq!(trace.rewrites[0].rule, Rule::SubsumedTerm);
}

/// `not (id > 5)` is `id <= 5`.
#[test]
fn negation_is_pushed_into_a_comparison() {
    use crate::ast::{CompareOp, Span};
    use crate::lower::{Log, nnf};
    use crate::schema::Schema;
    use crate::typed::{Expr, Filter, Literal};

    let id = Schema::CONTACTS.by_name("customers.id");
    let gt5 = Expr::Filter(Filter {
        field: id,
        op: CompareOp::Gt,
        value: Literal::Integer(5),
        span: Span::default(),
    });
    let not = Expr::Not(Box::new(gt5), Span::default());
    let nnf::Expr::Filter(filter) = nnf::to_nnf(&not, &mut Log::default()) else {
        panic!()
    };
    assert_eq!(filter.op, CompareOp::Le);
}
