//! Whole expressions lowered to plans, and packing on its own.

use super::*;

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
    q.limit = Some(Limit::Rows(20));
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
        (&*r.sort, r.order, r.offset, r.limit),
        ("customers.firstSeen", plan::Order::Asc, 40, 20)
    );
}

#[test]
fn options_override_the_query() {
    let mut q = query(f("email ~ gmail"));
    q.limit = Some(Limit::Rows(20));
    let options = PlanOptions {
        sort: None,
        order: Some(Order::Asc),
        offset: Some(5),
        limit: Some(Limit::Rows(7)),
    };
    let plan = lower::lower(&q, &options, &Limits::default()).unwrap().plan;
    let r = &plan.requests[0];
    assert_eq!(
        (&*r.sort, r.order, r.offset, r.limit),
        ("customers.firstSeen", plan::Order::Asc, 5, 7)
    );
}

#[test]
fn defaults_are_first_seen_asc_and_100_rows() {
    let plan = lower_ok(f("email ~ gmail")).plan;
    let r = &plan.requests[0];
    assert_eq!(
        (&*r.sort, r.order, r.offset, r.limit),
        ("customers.firstSeen", plan::Order::Asc, 0, 100)
    );
}

#[test]
fn every_row_is_always_merged_in_pages_of_100() {
    // One request: read from the query's offset, keep everything.
    let mut q = query(f("email ~ gmail"));
    q.limit = Some(Limit::All);
    q.offset = Some(30);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    let r = &plan.requests[0];
    assert_eq!((r.offset, r.limit), (30, plan::MAX_PAGE));
    let merge = plan.merge.as_ref().unwrap();
    assert_eq!((merge.page.offset, merge.page.limit), (0, None));
    assert!(!plan.to_json().contains("\"limit\": null"));
    assert_eq!(plan.api_calls(), u64::MAX);
    // Several: each from 0; the merge skips the offset.
    let mut q = query(and(vec![
        or(vec![f("email ~ gmail"), f("city = Kyiv")]),
        f("id > 5"),
    ]));
    q.limit = Some(Limit::Rows(5));
    let options = PlanOptions {
        limit: Some(Limit::All),
        offset: Some(20),
        ..PlanOptions::default()
    };
    let plan = lower::lower(&q, &options, &Limits::default()).unwrap().plan;
    assert_eq!(plan.requests.len(), 2);
    assert!(
        plan.requests
            .iter()
            .all(|r| (r.offset, r.limit) == (0, plan::MAX_PAGE))
    );
    let merge = plan.merge.unwrap();
    assert_eq!((merge.page.offset, merge.page.limit), (20, None));
}

#[test]
fn a_long_page_of_one_request_is_read_in_pages() {
    let mut q = query(f("email ~ gmail"));
    q.limit = Some(Limit::Rows(250));
    q.offset = Some(30);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    let r = &plan.requests[0];
    assert_eq!((r.offset, r.limit), (30, 100));
    let merge = plan.merge.unwrap();
    assert_eq!((merge.page.offset, merge.page.limit), (0, Some(250)));
}

#[test]
fn several_requests_read_from_zero_and_merge() {
    let mut q = query(and(vec![
        or(vec![f("email ~ gmail"), f("city = Kyiv")]),
        f("id > 5"),
    ]));
    q.limit = Some(Limit::Rows(30));
    q.offset = Some(20);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    assert_eq!(plan.requests.len(), 2);
    for r in &plan.requests {
        assert_eq!((r.offset, r.limit), (0, 50));
        assert_eq!(r.sort, "customers.firstSeen");
    }
    let merge = plan.merge.unwrap();
    assert_eq!(
        (&*merge.by, merge.page.offset, merge.page.limit),
        ("id", 20, Some(30))
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
        r#"[{"comparison":"OR","filter":[{"field":"customers.id","operator":"<","value":0},{"field":"customers.id","operator":">=","value":0}],"sort":"customers.firstSeen","order":"ASC","offset":0,"limit":100}]"#
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
        sort: "customers.lastSeen".into(),
        order: plan::Order::Desc,
        offset: 0,
        limit: Some(10),
    };
    let packed = pack::pack(&terms, &page, &Limits::default(), Span::default()).unwrap();
    let plan = packed.plan;
    assert_eq!(plan.requests.len(), 2);
    assert_eq!(plan.requests[0].comparison, Comparison::Or);
    assert_eq!(plan.requests[0].filter.len(), 2);
    assert_eq!(plan.requests[1].filter.len(), 2);
    assert_eq!(plan.merge.unwrap().page.limit, Some(10));
    assert_eq!(plan.requests[0].limit, 10);
}

#[test]
fn all_as_written_asks_for_everyone_without_a_warning() {
    let always = lower_ok(or(vec![f("id > 5"), f("id <= 5")]));
    let lowered = lower_ok(all());
    assert_eq!(lowered.plan, always.plan);
    assert!(lowered.warnings.is_empty(), "{:?}", lowered.warnings);
    // Only the literal as the whole expression asked for everyone.
    let lowered = lower_ok(not(not(all())));
    assert_eq!(lowered.plan, always.plan);
    assert!(matches!(
        lowered.warnings.as_slice(),
        [LowerWarning::AlwaysTrue { .. }]
    ));
    // With a page of its own.
    let mut q = query(all());
    q.limit = Some(Limit::All);
    let plan = lower::lower(&q, &PlanOptions::default(), &Limits::default())
        .unwrap()
        .plan;
    assert_eq!(plan.requests.len(), 1);
    assert!(plan.merge.is_some());
}

#[test]
fn all_absorbed_disappears_and_all_deciding_warns() {
    assert_eq!(
        lower_ok(and(vec![all(), f("tags = Lead")])).plan,
        lower_ok(f("tags = Lead")).plan
    );
    let lowered = lower_ok(or(vec![f("tags = Lead"), all()]));
    assert_eq!(lowered.plan, lower_ok(all()).plan);
    assert!(matches!(
        lowered.warnings.as_slice(),
        [LowerWarning::AlwaysTrue { .. }]
    ));
}

#[test]
fn not_all_is_reported_as_other_expressions_that_match_no_contact() {
    let contradiction = lower_ok(and(vec![f("id > 10"), f("id < 5")]));
    let lowered = lower_ok(not(all()));
    assert_eq!(lowered.plan, contradiction.plan);
    assert!(matches!(
        lowered.warnings.as_slice(),
        [LowerWarning::NeverMatches { .. }]
    ));
}
