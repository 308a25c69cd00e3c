//! The trace and its explanation for a person, and examples of each stage.

use super::*;

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
        "Paging: sort by customers.firstSeen ASC, offset 0, limit 100",
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

/// `(a or b) and (c or d) and (e or f)` has 2 × 2 × 2 terms, estimated without building them.
#[test]
fn the_estimate_multiplies_across_and() {
    use crate::ast::{CompareOp, Span};
    use crate::lower::{dnf, nnf};
    use crate::schema::Schema;
    use crate::typed::{Filter, Literal};

    let id = Schema::CONTACTS.by_name("customers.id");
    let leaf = |n| {
        nnf::Expr::Filter(Arc::new(Filter {
            field: id,
            op: CompareOp::Eq,
            value: Literal::Integer(n),
            span: Span::default(),
        }))
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
