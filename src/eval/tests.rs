//! The evaluator: the response shape, the text and tag semantics, paging,
//! merging, and the answer's refusals.

use super::answer::describe_rows;
use super::paging::cut;
use super::*;
use crate::ast::CompareOp;
use crate::ast::Span;
use crate::plan::{self, Order, Plan, Request};
use crate::plan::{Comparison, Filter, Operator, Value};
use crate::schema::Schema;
use crate::typed::{self, Literal};
use miette::Diagnostic;

fn contact(json: &str) -> Contact {
    serde_json::from_str(json).unwrap()
}

fn filter(field: &str, op: CompareOp, value: Literal) -> typed::Expr {
    typed::Expr::Filter(typed::Filter {
        field: Schema::CONTACTS.by_name(field),
        op,
        value,
        span: Span::default(),
    })
}

#[test]
fn reads_the_api_response_shape() {
    let c = contact(
        r#"{"id": 3, "name": null, "firstSeen": 1600000000, "lastSeen": "1700000000",
            "location": null, "tags": null, "customData": {"x": 1}, "blocked": false,
            "viberId": "v1"}"#,
    );
    assert_eq!(c.first_seen, Some(1_600_000_000));
    assert_eq!(c.last_seen, 1_700_000_000);
    assert_eq!(c.location, Location::default());
    assert!(c.tags.is_empty());
    assert_eq!(c.viber_id.as_deref(), Some("v1"));
    let err = serde_json::from_str::<Contact>(r#"{"id": 1, "lastSeen": "soon"}"#).unwrap_err();
    assert!(err.to_string().contains("UNIX timestamp"), "{err}");
    assert!(serde_json::from_str::<Contact>(r#"{"id": 1}"#).is_err());
}

#[test]
fn text_semantics() {
    let ann = contact(r#"{"id": 1, "lastSeen": 0, "email": "Ann@Gmail.com"}"#);
    let text = |op, v: &str| filter("customers.email", op, Literal::Text(v.into()));
    assert!(matches_expr(&text(CompareOp::Contains, "gmail"), &ann));
    assert!(!matches_expr(&text(CompareOp::NotContains, "GMAIL"), &ann));
    assert!(!matches_expr(&text(CompareOp::Eq, "ann@gmail.com"), &ann));
    assert!(matches_expr(&text(CompareOp::Eq, "Ann@Gmail.com"), &ann));
    // A missing field: never equal, never contains; `!=` and `!~` hold.
    let city = |op, v: &str| filter("customers.city", op, Literal::Text(v.into()));
    assert!(!matches_expr(&city(CompareOp::Eq, ""), &ann));
    assert!(!matches_expr(&city(CompareOp::Contains, ""), &ann));
    assert!(matches_expr(&city(CompareOp::Ne, "Kyiv"), &ann));
    assert!(matches_expr(&city(CompareOp::NotContains, ""), &ann));
}

#[test]
fn tags_need_every_name_exactly() {
    let c = contact(
        r#"{"id": 1, "lastSeen": 0, "tags": [{"name": "Lead", "color": "red"}, {"name": "Paid"}]}"#,
    );
    let tags = |names: &[&str]| {
        filter(
            "customers.tagsData",
            CompareOp::Eq,
            Literal::Tags(names.iter().map(|n| n.to_string()).collect()),
        )
    };
    assert!(matches_expr(&tags(&["Lead", "Paid"]), &c));
    assert!(!matches_expr(&tags(&["Lead", "VIP"]), &c));
    assert!(!matches_expr(&tags(&["lead"]), &c));
}

fn request(offset: u64, limit: u64) -> Request {
    Request {
        comparison: Comparison::And,
        filter: vec![Filter {
            field: "customers.id".into(),
            operator: Operator::Gt,
            value: Value::Number(0),
        }],
        sort: "customers.lastSeen".into(),
        order: Order::Desc,
        offset,
        limit,
    }
}

fn people() -> Vec<Contact> {
    (0..10)
        .map(|id| Contact {
            id,
            last_seen: id % 3,
            ..Contact::default()
        })
        .collect()
}

#[test]
fn search_sorts_with_ties_by_id_and_pages() {
    let people = people();
    let ids = |rows: Vec<&Contact>| rows.iter().map(|c| c.id).collect::<Vec<_>>();
    // lastSeen 2: 2, 5, 8; 1: 1, 4, 7; 0: 3, 6, 9 (0 fails id > 0)
    assert_eq!(
        ids(search(&request(0, 100), &people)),
        [2, 5, 8, 1, 4, 7, 3, 6, 9]
    );
    assert_eq!(ids(search(&request(2, 3), &people)), [8, 1, 4]);
}

#[test]
fn run_plan_pages_and_merges() {
    let people = people();
    // Requests sorted as the merge sorts, read two rows at a time.
    let mut first = request(0, 2);
    first.order = Order::Asc;
    let mut second = first.clone();
    second.filter[0].operator = Operator::Ne;
    second.filter[0].value = Value::Number(4);
    let window = plan::Page {
        sort: "customers.lastSeen".into(),
        order: Order::Asc,
        offset: 1,
        limit: Some(3),
    };
    let plan = Plan {
        requests: vec![first, second],
        merge: Some(plan::Merge {
            by: "id".into(),
            page: window.clone(),
        }),
    };
    let rows: Vec<i64> = run_plan(&plan, &people).iter().map(|c| c.id).collect();
    // Everyone is selected; by lastSeen ascending, ties by id: 0 3 6 9 1 …
    assert_eq!(rows, [3, 6, 9]);
    let all = typed::Expr::And(vec![], Span::default());
    let want: Vec<i64> = page(&all, &window, &people).iter().map(|c| c.id).collect();
    assert_eq!(rows, want);
}

fn compiled(text: &str) -> crate::Compilation {
    let options = crate::Options::at("2024-06-01T00:00:00Z".parse().expect("a time"));
    crate::compile_detailed(text, &options).expect("compiles")
}

fn answer_ids(text: &str, contacts: &[Contact]) -> Vec<i64> {
    let compiled = compiled(text);
    answer(&compiled.query, &compiled.lowered.plan, contacts)
        .expect("the plan agrees")
        .into_iter()
        .map(|i| contacts[i].id)
        .collect()
}

#[test]
fn answer_sorts_ties_by_id_and_cuts_the_page() {
    let people = people();
    // lastSeen 0: 0, 3, 6, 9; 1: 1, 4, 7; 2: 2, 5, 8
    assert_eq!(
        answer_ids("id >= 0 sort by lastSeen asc limit 4 offset 2", &people),
        [6, 9, 1, 4]
    );
    assert_eq!(
        answer_ids("id >= 0 sort by lastSeen desc limit 3 offset 2", &people),
        [8, 1, 4]
    );
    // An `offset` past the matches is an empty page.
    assert_eq!(answer_ids("id >= 0 offset 50", &people), [] as [i64; 0]);
    // No clauses: every match, in the order of the contacts.
    let mut shuffled = people.clone();
    shuffled.reverse();
    assert_eq!(answer_ids("id > 2", &shuffled), [9, 8, 7, 6, 5, 4, 3]);
}

#[test]
fn answer_without_clauses_is_not_cut_at_the_api_page() {
    // First seen in the reverse order of their ids.
    let many: Vec<Contact> = (1..=250)
        .map(|id| Contact {
            id,
            last_seen: id,
            first_seen: Some(1000 - id),
            ..Contact::default()
        })
        .collect();
    assert_eq!(answer_ids("id > 0", &many), (1..=250).collect::<Vec<_>>());
    // The default order is firstSeen ascending: the last ids first.
    assert_eq!(
        answer_ids("id > 0 limit 150", &many),
        (101..=250).rev().collect::<Vec<_>>()
    );
    // Any clause means the plan's page: 100 rows unless `limit` says.
    assert_eq!(answer_ids("id > 0 offset 0", &many).len(), 100);
}

#[test]
fn limit_all_reads_every_page() {
    let many: Vec<Contact> = (1..=250)
        .map(|id| Contact {
            id,
            last_seen: id % 7,
            first_seen: Some(id / 3),
            ..Contact::default()
        })
        .collect();
    // One request, read from its offset in pages of 100 until a short one.
    let one = compiled("id > 3 limit all offset 10");
    let plan = &one.lowered.plan;
    assert_eq!(plan.merge.as_ref().map(|m| m.page.limit), Some(None));
    let rows: Vec<i64> = run_plan(plan, &many).iter().map(|c| c.id).collect();
    assert_eq!(rows, (14..=250).collect::<Vec<_>>());
    // Several requests: every match, merged and sorted.
    let text =
        "(id < 120 or id > 130) and (city = Kyiv or id >= 0) sort by lastSeen desc limit all";
    let several = compiled(text);
    assert!(several.lowered.plan.requests.len() > 1);
    let mut want: Vec<&Contact> = many.iter().filter(|c| c.id < 120 || c.id > 130).collect();
    want.sort_by_key(|c| (std::cmp::Reverse(c.last_seen), c.id));
    let want: Vec<i64> = want.iter().map(|c| c.id).collect();
    assert_eq!(want.len(), 239);
    assert_eq!(answer_ids(text, &many), want);
    let rows: Vec<i64> = run_plan(&several.lowered.plan, &many)
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(rows, want);
}

#[test]
fn answer_refuses_a_plan_whose_selection_differs_beyond_its_page() {
    let many: Vec<Contact> = (1..=150)
        .map(|id| Contact {
            id,
            first_seen: Some(1000 - id),
            ..Contact::default()
        })
        .collect();
    let compiled = compiled("id > 0");
    // The first page (firstSeen ascending: ids 150 down to 51) is still
    // right; ids 1 to 10, which only the whole answer shows, are lost.
    let mut plan = compiled.lowered.plan.clone();
    plan.requests[0].filter[0].value = Value::Number(10);
    match answer(&compiled.query, &plan, &many) {
        Err(AnswerError::Disagreement {
            what,
            by_plan,
            by_expression,
            ..
        }) => {
            assert_eq!(what, "selects");
            assert_eq!((by_plan.len(), by_expression.len()), (140, 150));
        }
        other => panic!("expected a disagreement, got {other:?}"),
    }
}

#[test]
fn answer_refuses_a_plan_paging_the_wrong_window() {
    let people = people();
    // No one has a firstSeen: the default order is by id.
    let compiled = compiled("id >= 0 limit 3 offset 2");
    let mut plan = compiled.lowered.plan.clone();
    plan.requests[0].offset = 0;
    let error = answer(&compiled.query, &plan, &people).unwrap_err();
    assert_eq!(
        error.to_string(),
        "internal error: the plan answers 3 contacts (ids 0, 1, 2) where the expression \
         answers 3 contacts (ids 2, 3, 4); please report this with the expression"
    );
    assert_eq!(
        error.code().map(|c| c.to_string()).as_deref(),
        Some("hcq::eval::disagreement")
    );
    let label = error.labels().and_then(|mut l| l.next()).expect("a label");
    assert_eq!(
        (label.offset(), label.len()),
        (0, "id >= 0 limit 3 offset 2".len())
    );
}

#[test]
fn answer_refuses_contacts_sharing_an_id() {
    let mut people = people();
    people[7].id = 2;
    let compiled = compiled("id >= 0");
    assert_eq!(
        answer(&compiled.query, &compiled.lowered.plan, &people),
        Err(AnswerError::DuplicateId {
            id: 2,
            first: 2,
            second: 7
        })
    );
}

#[test]
fn pages_are_cut_without_overflow() {
    let rows = [4, 5, 6];
    assert_eq!(cut(&rows, 1, None), [5, 6]);
    assert_eq!(cut(&rows, u64::MAX, Some(2)), [] as [usize; 0]);
    assert_eq!(cut(&rows, 0, Some(0)), [] as [usize; 0]);
}

#[test]
fn rows_are_described_briefly() {
    assert_eq!(describe_rows(&[]), "no contacts");
    assert_eq!(describe_rows(&[7]), "1 contact (id 7)");
    let many: Vec<i64> = (1..=12).collect();
    assert_eq!(
        describe_rows(&many),
        "12 contacts (ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …)"
    );
}

#[test]
fn validate_names_what_is_wrong() {
    let mut r = request(0, 101);
    assert!(
        validate(&r, &Schema::CONTACTS)
            .unwrap_err()
            .contains("limit")
    );
    r.limit = 100;
    assert_eq!(validate(&r, &Schema::CONTACTS), Ok(()));
    r.filter[0].operator = Operator::Contains;
    assert!(validate(&r, &Schema::CONTACTS).is_err());
    r.filter[0].field = "customers.firstSeen".into();
    assert!(
        validate(&r, &Schema::CONTACTS)
            .unwrap_err()
            .contains("searchable")
    );
}
