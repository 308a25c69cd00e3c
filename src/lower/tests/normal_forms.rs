//! Negation normal form and DNF: `not` pushed down, terms distributed and estimated.

use super::*;

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
            nnf::Expr::Filter(Arc::new(filter("id <= 5"))),
            nnf::Expr::Filter(Arc::new(filter("email !~ gmail")))
        ]
    );

    let expr = not(or(vec![f("id > 5"), f("email ~ gmail")]));
    assert!(matches!(nnf_of(&expr), nnf::Expr::And(items, _) if items.len() == 2));
}

#[test]
fn double_negation_cancels() {
    assert_eq!(
        nnf_of(&not(not(f("id > 5")))),
        nnf::Expr::Filter(Arc::new(filter("id > 5")))
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

#[test]
fn all_is_the_constant_true_and_goes_in_the_normal_form() {
    let always = nnf::Expr::And(vec![], Span::default());
    let never = nnf::Expr::Or(vec![], Span::default());
    assert_eq!(nnf_of(&all()), always);
    assert_eq!(nnf_of(&not(all())), never);
    assert_eq!(nnf_of(&not(not(all()))), always);
    // Absorbed where it does not decide: `a and all` is `a`, `a or not all` is `a`.
    let a = nnf::Expr::Filter(Arc::new(filter("id > 5")));
    assert_eq!(nnf_of(&and(vec![all(), f("id > 5")])), a);
    assert_eq!(nnf_of(&or(vec![f("id > 5"), not(all())])), a);
    // The whole node where it decides.
    assert_eq!(nnf_of(&or(vec![f("id > 5"), all()])), always);
    assert_eq!(nnf_of(&and(vec![f("id > 5"), not(all())])), never);
    // Under `not`, by De Morgan: `not (a and all)` is `not a`,
    // `not (a or all)` is false.
    assert_eq!(
        nnf_of(&not(and(vec![f("id > 5"), all()]))),
        nnf::Expr::Filter(Arc::new(filter("id <= 5")))
    );
    assert_eq!(nnf_of(&not(or(vec![f("id > 5"), all()]))), never);
    // Deep inside: only the constant, or no constant, is left.
    let expr = and(vec![
        or(vec![f("id > 5"), all()]),
        or(vec![f("id = 1"), f("id = 2"), not(all())]),
    ]);
    assert_eq!(
        nnf_of(&expr),
        nnf::Expr::Or(
            vec![
                nnf::Expr::Filter(Arc::new(filter("id = 1"))),
                nnf::Expr::Filter(Arc::new(filter("id = 2")))
            ],
            Span::default()
        )
    );
    let mut log = lower::Log::default();
    nnf::to_nnf(&expr, &mut log);
    let rules: Vec<Rule> = log.rewrites().iter().map(|r| r.rule).collect();
    // `or … all`, `not all`, `or … not all`, `and` of the true `or`.
    assert_eq!(rules, [Rule::All; 4]);
}

#[test]
fn the_dnf_of_all_is_one_empty_term_and_of_not_all_none() {
    let terms = dnf::distribute(&nnf_of(&all()), &Limits::default()).unwrap();
    assert_eq!(show(&terms), ["(no condition)"]);
    let terms = dnf::distribute(&nnf_of(&not(all())), &Limits::default()).unwrap();
    assert!(terms.is_empty());
}
