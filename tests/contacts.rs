//! Trust at the edges of `hcq eval`: the page a query answers over a file
//! of contacts, computed from the plan and from the expression; and
//! reading contacts strictly (keys written twice), with warnings (a
//! partial export), in linear time, with diagnostics in the JSON form.

mod common;

use hcq::Options;
use hcq::contacts::{self, ContactsProblem, ContactsWarningKind};
use hcq::eval::{self, AnswerError, Contact};
use miette::Diagnostic;
use proptest::prelude::*;
use serde_json::json;

const EXPORT: &str = include_str!("eval_fixtures/contacts.json");

fn options() -> Options {
    Options::at("2024-06-01T00:00:00Z".parse().expect("a time"))
}

fn fixture() -> Vec<Contact> {
    contacts::read_contacts(EXPORT).expect("the fixture reads")
}

/// The ids of the contacts `text` answers, in the answer's order.
fn answer(text: &str, contacts: &[Contact]) -> Vec<i64> {
    let compiled = hcq::compile_detailed(text, &options()).expect("compiles");
    eval::answer(&compiled.query, &compiled.lowered.plan, contacts)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .into_iter()
        .map(|i| contacts[i].id)
        .collect()
}

// The fixture by lastSeen, newest first: 1004, 1008, 1001, 1011, 1002,
// 1007, 1010, 1003, 1012, 1005, 1009, 1006. By firstSeen, oldest first
// (the default order): 1007 (none), 1006, 1004, 1010, 1002, 1001, 1009,
// 1003, 1005, 1011, 1008, 1012.

#[test]
fn the_answer_is_the_page_the_clauses_ask_for() {
    let contacts = fixture();
    let page = " sort by lastSeen desc limit 3 offset 2";
    for (expr, want) in [
        ("id > 0", &[1001, 1011, 1002][..]),
        ("tag = Lead or city = Kyiv", &[1011, 1002, 1010]),
        // Two AND requests, merged.
        (
            "email ~ gmail and (tag = Lead or city = Kyiv)",
            &[1012, 1005],
        ),
        // 1007 has no city: `!=` holds for it.
        ("city != Kyiv", &[1011, 1002, 1007]),
        ("id < 0", &[]),
    ] {
        assert_eq!(
            answer(&format!("{expr}{page}"), &contacts),
            want,
            "for {expr}"
        );
    }
}

#[test]
fn a_plan_of_several_requests_answers_its_limit() {
    let contacts = fixture();
    let text = "(city = Kyiv and tag = Paid) or (email ~ gmail and tag = Lead) or id = 1004";
    let plan = hcq::compile(text, &options()).expect("compiles").plan;
    assert!(plan.requests.len() > 1, "{}", plan.to_json());
    // Union 1001 1004 1005 1008 1010 1012; by firstSeen, oldest first:
    // 1004, 1010, 1001, 1005, 1008, 1012.
    assert_eq!(
        answer(
            &format!("{text} sort by firstSeen asc limit 2 offset 1"),
            &contacts
        ),
        [1010, 1001]
    );
    // Without `sort by`: the plan's default, firstSeen oldest first
    // (the union is 1001 1005 1008 1012).
    assert_eq!(
        answer(
            "email ~ gmail and (tag = Lead or city = Kyiv) limit 2",
            &contacts
        ),
        [1001, 1005]
    );
    // A contact without `firstSeen` (1007) sorts before every one with it.
    assert_eq!(
        answer("id > 0 sort by firstSeen asc limit 2", &contacts),
        [1007, 1006]
    );
    // A page longer than one request's: read in pages of 100, merged.
    assert_eq!(answer("id > 0 limit 150", &contacts).len(), 12);
    // Every row: the same, without a limit, past an offset.
    assert_eq!(
        answer("tag = Lead or city = Kyiv limit all offset 1", &contacts),
        [1002, 1001, 1005, 1011, 1008, 1012]
    );
}

#[test]
fn without_clauses_every_match_comes_in_the_order_of_the_file() {
    let contacts = fixture();
    assert_eq!(answer("city = Kyiv", &contacts), [1001, 1010]);
    assert_eq!(
        answer("city = Kyiv or tag = Lead", &contacts),
        [1001, 1002, 1005, 1008, 1010, 1011, 1012]
    );
    assert_eq!(answer("id > 0", &contacts).len(), 12);
    // Any clause at all asks for the plan's page instead.
    assert_eq!(answer("id > 0 limit 2", &contacts), [1007, 1006]);
}

#[test]
fn overrides_of_the_clauses_are_page_clauses() {
    let contacts = fixture();
    let mut options = options();
    options.page.limit = Some(hcq::ast::Limit::Rows(2));
    let compiled = hcq::compile_detailed("city = Kyiv or tag = Lead", &options).expect("compiles");
    let rows = eval::answer_with(
        &compiled.query,
        &options.page,
        &compiled.lowered.plan,
        &contacts,
    )
    .expect("agrees");
    let ids: Vec<i64> = rows.iter().map(|&i| contacts[i].id).collect();
    assert_eq!(ids, [1010, 1002]);
    // The same plan held to the query alone (every match) disagrees.
    assert!(matches!(
        eval::answer(&compiled.query, &compiled.lowered.plan, &contacts),
        Err(AnswerError::Disagreement { .. })
    ));
}

#[test]
fn a_plan_that_is_not_the_querys_is_an_error_not_an_answer() {
    let contacts = fixture();
    let query = hcq::check("city = Kyiv", &options()).expect("checks");
    let other = hcq::compile("city = Lviv", &options())
        .expect("compiles")
        .plan;
    let error = eval::answer(&query, &other, &contacts).unwrap_err();
    assert_eq!(
        error.code().map(|c| c.to_string()).as_deref(),
        Some("hcq::eval::disagreement")
    );
    assert!(
        error
            .to_string()
            .contains("please report this with the expression"),
        "{error}"
    );
}

#[test]
fn a_key_written_twice_is_an_error_at_the_second_key() {
    let text = "[\n  {\"id\": 1, \"lastSeen\": 0},\n  {\"id\": 2, \"city\": \"Kyiv\", \"lastSeen\": 0, \"city\": \"Lviv\"}\n]\n";
    let error = contacts::read_records("dup.json", text).unwrap_err();
    let ContactsProblem::DuplicateKey { key, record, .. } = error.problem() else {
        panic!("expected a duplicate key, got {error:?}");
    };
    assert_eq!(key, "city");
    assert_eq!(record.as_ref().map(|r| (r.index, r.line)), Some((1, 3)));
    let labels: Vec<(usize, usize)> = error
        .labels()
        .expect("labels")
        .map(|l| (l.offset(), l.len()))
        .collect();
    let second = text.rfind("\"city\"").expect("a second key");
    let first = text.find("\"city\"").expect("a first key");
    assert_eq!(labels, [(second, 6), (first, 6)]);
    assert!(error.help().is_some());
}

#[test]
fn a_partial_export_reads_with_a_warning_on_total() {
    let text = "{\n  \"data\": [{\"id\": 1, \"lastSeen\": 0}, {\"id\": 2, \"lastSeen\": 0}],\n  \"total\": 256\n}\n";
    let export = contacts::read_export("page.json", text).expect("reads");
    assert_eq!(export.records.len(), 2);
    let [warning] = export.warnings.as_slice() else {
        panic!("expected one warning, got {:?}", export.warnings);
    };
    assert!(matches!(
        warning.kind(),
        ContactsWarningKind::PartialExport {
            records: 2,
            total: 256,
            ..
        }
    ));
    assert_eq!(warning.to_string(), "the export holds 2 of 256 contacts");
    let json = serde_json::to_value(warning.to_json()).expect("serialises");
    assert_eq!(
        json,
        json!({
            "code": "hcq::contacts::partial_export",
            "severity": "warning",
            "message": "the export holds 2 of 256 contacts",
            "help": warning.help().expect("help").to_string(),
            "source": "page.json",
            "labels": [{
                "label": "the API counted 256 contacts",
                "offset": text.find("\"total\"").expect("total"),
                "length": "\"total\": 256".len(),
                "line": 3,
                "column": 3,
                "column_utf16": 3,
                "column_byte": 3,
            }],
        })
    );
    // The functions that return only records read it the same.
    assert_eq!(
        contacts::read_records("page.json", text).expect("reads"),
        export.records
    );
}

#[test]
fn an_error_in_the_json_form_of_every_diagnostic() {
    let text = "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"lastSeen\": 0, \"id\": 3}\n";
    let error = contacts::read_records("dup.jsonl", text).unwrap_err();
    assert_eq!(error.source_name(), "dup.jsonl");
    assert_eq!(error.source_text(), text);
    let json = serde_json::to_value(error.to_json()).expect("serialises");
    assert_eq!(
        json,
        json!({
            "code": "hcq::contacts::duplicate_key",
            "severity": "error",
            "message": "the contact at index 1 (line 2, id 3) has the key `id` twice in one object",
            "help": error.help().expect("help").to_string(),
            "source": "dup.jsonl",
            "labels": [
                {"label": "`id` again", "offset": 50, "length": 4, "line": 2, "column": 26,
                 "column_utf16": 26, "column_byte": 26},
                {"label": "first here", "offset": 26, "length": 4, "line": 2, "column": 2,
                 "column_utf16": 2, "column_byte": 2},
            ],
        })
    );
}

/// `count` records on one line, as a minified export is written.
fn one_line(count: usize) -> String {
    let records: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"id":{},"lastSeen":{},"email":"c{i}@example.com","location":{{"city":"{}"}},"tags":[{{"name":"{}"}}]}}"#,
                i + 1,
                1_700_000_000 + i % 977,
                if i % 3 == 0 { "Kyiv" } else { "Lviv" },
                if i % 5 == 0 { "Lead" } else { "Paid" },
            )
        })
        .collect();
    format!(r#"{{"data":[{}],"total":{count}}}"#, records.join(","))
}

#[test]
fn a_minified_export_of_fifty_thousand_records_reads_and_answers() {
    const COUNT: usize = 50_000;
    let text = one_line(COUNT);
    let export = contacts::read_export("big.json", &text).expect("reads");
    assert_eq!(export.records.len(), COUNT);
    assert!(export.warnings.is_empty());
    let contacts: Vec<Contact> = export.records.into_iter().map(|(c, _)| c).collect();
    // Every third in Kyiv, every fifth a lead: 16,667 + 10,000 - 3,334.
    assert_eq!(answer("city = Kyiv or tag = Lead", &contacts).len(), 23_333);
    let page = answer(
        "(city = Kyiv and tag = Lead) or (email ~ 9@ and tag = Paid) limit 5 offset 3",
        &contacts,
    );
    assert_eq!(page.len(), 5);

    // An error at the last record still names its line and points at it.
    let broken = text.replacen(
        &format!(r#"{{"id":{COUNT},"#),
        &format!(r#"{{"id":{COUNT},"id":0,"#),
        1,
    );
    let error = contacts::read_records("big.json", &broken).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with(&format!("the contact at index {} (line 1,", COUNT - 1)),
        "{error}"
    );
    assert_eq!(error.to_json().labels[0].line, 1);
}

/// JSON built as a tree, so that whether it writes a key twice in one
/// object is known without reading its text.
#[derive(Clone, Debug)]
enum Json {
    Text(String),
    Number(u8),
    List(Vec<Json>),
    /// Each key with whether to write its first letter as a `\u` escape.
    Object(Vec<(String, bool, Json)>),
}

impl Json {
    fn has_duplicate_key(&self) -> bool {
        match self {
            Json::Text(_) | Json::Number(_) => false,
            Json::List(items) => items.iter().any(Json::has_duplicate_key),
            Json::Object(members) => {
                let mut keys = std::collections::HashSet::new();
                members.iter().any(|(key, _, _)| !keys.insert(key))
                    || members
                        .iter()
                        .any(|(_, _, value)| value.has_duplicate_key())
            }
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Text(text) => out.push_str(&format!("{text:?}")),
            Json::Number(n) => out.push_str(&n.to_string()),
            Json::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i == 0 { "" } else { ", " });
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, escaped, value)) in members.iter().enumerate() {
                    out.push_str(if i == 0 { "" } else { ",\n " });
                    let mut chars = key.chars();
                    let first = chars.next().expect("keys are not empty");
                    if *escaped {
                        // The rest as a JSON string writes it, without its quotes.
                        let rest = format!("{:?}", chars.as_str());
                        let rest = &rest[1..rest.len() - 1];
                        out.push_str(&format!("\"\\u{:04x}{rest}\": ", first as u32));
                    } else {
                        out.push_str(&format!("{key:?}: "));
                    }
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn json() -> impl Strategy<Value = Json> {
    // Values that look like keys, and keys with quotes and braces in them.
    let key = prop::sample::select(vec!["a", "b", "id", "x\"{", "[,]"]).prop_map(str::to_owned);
    let leaf = prop_oneof![
        key.clone().prop_map(Json::Text),
        any::<u8>().prop_map(Json::Number),
    ];
    leaf.prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::List),
            prop::collection::vec((key.clone(), any::<bool>(), inner), 0..4).prop_map(Json::Object),
        ]
    })
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// A key written twice in one object is found wherever it is, and one
    /// written in different objects, or as a value, never is.
    #[test]
    fn keys_written_twice_are_found_exactly(data in json(), lines in any::<bool>()) {
        let mut custom = String::new();
        data.write(&mut custom);
        let record = format!("{{\"id\": 1, \"lastSeen\": 0, \"customData\": {custom}}}");
        let text = if lines {
            format!("{{\"id\": 2, \"lastSeen\": 0}}\n{}\n", record.replace('\n', ""))
        } else {
            format!("{{\"data\": [{{\"id\": 2, \"lastSeen\": 0}}, {record}], \"total\": 2}}")
        };
        let read = contacts::read_export("p.json", &text);
        if data.has_duplicate_key() {
            let error = read.expect_err("a key written twice");
            match error.problem() {
                ContactsProblem::DuplicateKey { record, span, first_span, key } => {
                    prop_assert_eq!(record.as_ref().map(|r| r.index), Some(1));
                    // Both labels are on the key, as written.
                    for span in [span, first_span] {
                        let written = &text[span.offset()..span.offset() + span.len()];
                        let unescaped: String = serde_json::from_str(written).expect("a JSON string");
                        prop_assert_eq!(&unescaped, key);
                    }
                }
                other => prop_assert!(false, "expected a duplicate key, got {:?}", other),
            }
        } else {
            let export = read.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(export.records.len(), 2);
            prop_assert!(export.warnings.is_empty());
        }
    }
}
