//! Decompiling, held to the reference evaluator: the text means what the
//! JSON asks, for single bodies, arrays and plans, paging included; what
//! `emit` prints decompiles to what the expression meant; the text is in
//! `fmt`'s layout; and bad input is reported in full, in the API's terms.
//! `PROPTEST_CASES` sets the number of cases.

use super::*;
use crate::eval::{self, Contact};
use crate::plan::{Plan, Request};
use proptest::prelude::*;
use serde_json::json;

const SEEN: [i64; 4] = [100, 200, 300, 400];
const CITIES: [Option<&str>; 4] = [Some("Kyiv"), Some("Lviv"), Some("and"), None];
const TAGS: [&str; 3] = ["Lead", "Paid", "beta tester"];

fn contacts() -> impl Strategy<Value = Vec<Contact>> {
    let one = (
        proptest::sample::select(SEEN.to_vec()),
        proptest::option::of(proptest::sample::select(SEEN.to_vec())),
        proptest::sample::select(CITIES.to_vec()),
        proptest::sample::subsequence(TAGS.to_vec(), 0..=2),
    );
    proptest::collection::vec(one, 0..30).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (last, first, city, tags))| {
                let tags: Vec<_> = tags.iter().map(|t| json!({"name": t})).collect();
                let contact = json!({
                    "id": (i as i64 * 7) % 31 - 3,
                    "lastSeen": last.to_string(),
                    "firstSeen": first.map(|s| s.to_string()),
                    "location": {"city": city},
                    "tags": tags,
                });
                serde_json::from_value(contact).unwrap()
            })
            .collect()
    })
}

fn filter() -> impl Strategy<Value = serde_json::Value> {
    let numeric = |field: &'static str, values: Vec<i64>| {
        (
            proptest::sample::select(vec!["=", "!=", ">", "<", ">=", "<="]),
            proptest::sample::select(values),
        )
            .prop_map(move |(op, n)| json!({"field": field, "operator": op, "value": n}))
    };
    prop_oneof![
        numeric("customers.id", (-3..30).collect()),
        numeric("customers.lastSeen", SEEN.to_vec()),
        (
            proptest::sample::select(vec!["=", "!=", "~", "!~"]),
            proptest::sample::select(vec!["Kyiv", "Lviv", "ky", "", "and", "a \"b\""]),
        )
            .prop_map(
                |(op, city)| json!({"field": "customers.city", "operator": op, "value": city})
            ),
        proptest::sample::subsequence(TAGS.to_vec(), 1..=2).prop_map(|tags| {
            let tags: Vec<_> = tags.iter().map(|t| json!({"name": t})).collect();
            json!({"field": "customers.tagsData", "operator": "=", "value": tags})
        }),
    ]
}

/// A body as people write them: `comparison` in any case or left out,
/// the page's keys given or not.
fn body() -> impl Strategy<Value = serde_json::Value> {
    (
        proptest::collection::vec(filter(), 0..=4),
        proptest::sample::select(vec![None, Some("AND"), Some("or"), Some("OR")]),
        proptest::option::of(proptest::sample::select(vec![
            "customers.lastSeen",
            "customers.firstSeen",
        ])),
        proptest::option::of(proptest::sample::select(vec!["ASC", "desc", "DESC"])),
        proptest::option::of(0..4u64),
        proptest::option::of(1..=12u64),
    )
        .prop_map(|(filter, comparison, sort, order, offset, limit)| {
            let mut body = json!({"filter": filter});
            let map = body.as_object_mut().unwrap();
            for (key, value) in [
                ("comparison", comparison.map(|c| json!(c))),
                ("sort", sort.map(|s| json!(s))),
                ("order", order.map(|o| json!(o))),
                ("offset", offset.map(|o| json!(o))),
                ("limit", limit.map(|l| json!(l))),
            ] {
                if let Some(value) = value {
                    map.insert(key.into(), value);
                }
            }
            body
        })
}

/// The body as the API reads it (what the reference evaluator searches).
fn as_request(body: &serde_json::Value) -> Request {
    let mut body = body.clone();
    let map = body.as_object_mut().unwrap();
    let upper = |key: &str, map: &mut serde_json::Map<String, serde_json::Value>, default: &str| {
        let value = map.get(key).and_then(|v| v.as_str()).unwrap_or(default);
        map.insert(key.into(), json!(value.to_ascii_uppercase()));
    };
    if map["filter"].as_array().is_some_and(Vec::is_empty) {
        // No filters: every contact (`all`), as the always-true request.
        map.insert("comparison".into(), json!("OR"));
        map.insert(
            "filter".into(),
            json!([
                {"field": "customers.id", "operator": "<", "value": 0},
                {"field": "customers.id", "operator": ">=", "value": 0},
            ]),
        );
    }
    upper("comparison", map, "AND");
    upper("order", map, "ASC");
    map.entry("sort").or_insert(json!("customers.firstSeen"));
    map.entry("offset").or_insert(json!(0));
    map.entry("limit").or_insert(json!(100));
    serde_json::from_value(body).unwrap()
}

fn ids(contacts: Vec<&Contact>) -> Vec<i64> {
    contacts.into_iter().map(|c| c.id).collect()
}

/// The plan of `text`, compiled as any user's text is.
fn compile(text: &str) -> Plan {
    let options = crate::Options::at(jiff::Timestamp::UNIX_EPOCH);
    match crate::compile(text, &options) {
        Ok(compiled) => compiled.plan,
        Err(error) => panic!("decompiled text does not compile: {error:?}\n{text}"),
    }
}

/// The decompiled text of `json`, checked to be in `fmt`'s layout.
fn decompiled(json: &str) -> String {
    let query =
        decompile("<json>", json, Dates::Unix).unwrap_or_else(|error| panic!("{error:?}\n{json}"));
    let text = format::query_to_string(&query);
    let formatted = format::format_query("<text>", &text, &crate::Limits::default()).unwrap();
    assert_eq!(formatted, text, "not a fixed point of fmt");
    text
}

/// Query text the run tests' grammar writes: what `emit` will print plans for.
fn query_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        proptest::sample::select(TAGS.to_vec()).prop_map(|t| format!("tag = \"{t}\"")),
        proptest::sample::select(vec!["Kyiv", "Lviv"]).prop_map(|c| format!("city = {c}")),
        (-3..30i64).prop_map(|n| format!("id > {n}")),
        proptest::sample::select(vec!["Kyiv", "Lviv"]).prop_map(|c| format!("city != {c}")),
        proptest::sample::select(SEEN.to_vec()).prop_map(|s| format!("lastSeen >= {s}")),
    ];
    let expr = atom.prop_recursive(3, 10, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    });
    (
        expr,
        proptest::sample::select(vec!["", " sort by lastSeen desc", " sort by firstSeen"]),
        proptest::sample::select(vec!["", " limit 3", " limit 150", " limit all"]),
        proptest::sample::select(vec!["", " offset 2"]),
    )
        .prop_map(|(expr, sort, limit, offset)| format!("{expr}{sort}{limit}{offset}"))
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn a_decompiled_body_selects_what_the_body_selects(body in body(), contacts in contacts()) {
        let text = decompiled(&body.to_string());
        let expected = ids(eval::search(&as_request(&body), &contacts));
        prop_assert_eq!(ids(eval::run_plan(&compile(&text), &contacts)), expected, "{}", text);
    }

    #[test]
    fn a_decompiled_array_selects_the_union_of_its_bodies(
        bodies in proptest::collection::vec(body(), 1..=3),
        contacts in contacts(),
    ) {
        // One page for all, as an array must have: read every match.
        let bodies: Vec<serde_json::Value> = bodies
            .into_iter()
            .map(|mut body| {
                let map = body.as_object_mut().unwrap();
                for key in ["sort", "order", "offset", "limit"] {
                    map.remove(key);
                }
                body
            })
            .collect();
        let text = decompiled(&serde_json::Value::Array(bodies.clone()).to_string());
        let mut expected: Vec<i64> = bodies
            .iter()
            .flat_map(|body| ids(eval::search(&as_request(body), &contacts)))
            .collect();
        expected.sort_unstable();
        expected.dedup();
        let mut got = ids(eval::run_plan(&compile(&format!("{text}limit all")), &contacts));
        got.sort_unstable();
        // Each body's answer is its first 100 rows; these contacts are fewer.
        prop_assert_eq!(got, expected, "{}", text);
    }

    #[test]
    fn an_emitted_plan_decompiles_to_what_the_expression_meant(
        text in query_text(),
        contacts in contacts(),
    ) {
        let plan = compile(&text);
        let again = decompiled(&plan.to_json());
        let expected = ids(eval::run_plan(&plan, &contacts));
        prop_assert_eq!(ids(eval::run_plan(&compile(&again), &contacts)), expected, "{} => {}", text, again);
    }
}

fn problems(json: &str) -> Vec<(String, String)> {
    let error = decompile("body.json", json, Dates::Unix).unwrap_err();
    error
        .problems()
        .iter()
        .map(|problem| {
            let code = miette::Diagnostic::code(problem).unwrap().to_string();
            let label = miette::Diagnostic::labels(problem)
                .and_then(|mut labels| labels.next())
                .map(|label| json[label.offset()..label.offset() + label.len()].to_owned())
                .unwrap_or_default();
            (code, label)
        })
        .collect()
}

#[test]
fn every_problem_is_reported_where_it_is_written() {
    let json = r#"{
      "comparison": "XOR",
      "filters": [],
      "filter": [
        {"field": "customers.emial", "operator": "~", "value": "gmail"},
        {"field": "customers.lastSeen", "operator": ">", "value": "18 June 2020"},
        {"field": "customers.id", "operator": "=", "value": "42"},
        {"field": "customers.tagsData", "operator": "!=", "value": [{"name": "Lead"}]},
        {"field": "customers.city", "operator": "=", "value": 5},
        {"field": "email", "operator": "~", "value": "x"},
        {"field": "customers.firstSeen", "operator": ">", "value": 1},
        {"field": "customers.city", "operator": "like", "value": "x"}
      ],
      "limit": 500,
      "limit": 5
    }"#;
    let found = problems(json);
    let expected = [
        ("hcq::decompile::value_type", "\"XOR\""),
        ("hcq::decompile::unknown_key", "\"filters\""),
        ("hcq::decompile::unknown_field", "\"customers.emial\""),
        ("hcq::decompile::value_type", "\"18 June 2020\""),
        ("hcq::decompile::value_type", "\"42\""),
        ("hcq::decompile::operator", "\"!=\""),
        ("hcq::decompile::value_type", "5"),
        ("hcq::decompile::unknown_field", "\"email\""),
        ("hcq::decompile::unknown_field", "\"customers.firstSeen\""),
        ("hcq::decompile::operator", "\"like\""),
        ("hcq::decompile::page", "500"),
        ("hcq::decompile::duplicate_key", "\"limit\""),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    assert_eq!(found, expected);
    let error = decompile("body.json", json, Dates::Unix).unwrap_err();
    let helps: Vec<String> = error
        .problems()
        .iter()
        .filter_map(|p| miette::Diagnostic::help(p).map(|h| h.to_string()))
        .collect();
    assert!(
        helps
            .iter()
            .any(|h| h.contains("did you mean `customers.email`")),
        "{helps:?}"
    );
    assert!(
        helps.iter().any(|h| h.contains("did you mean `filter`")),
        "{helps:?}"
    );
}

#[test]
fn malformed_json_is_located() {
    let found = problems("{\"filter\": [\n  {\"field\": 1,}\n]}");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, "hcq::decompile::json");
    for shape in ["42", "\"text\"", "[]", "[1]"] {
        let found = problems(shape);
        assert_eq!(found[0].0, "hcq::decompile::shape", "{shape}");
    }
}

#[test]
fn the_text_is_the_simplest_that_reads_back() {
    let cases = [
        (
            r#"{"filter": [{"field": "customers.email", "operator": "~", "value": "gmail"}]}"#,
            "email ~ gmail\n",
        ),
        (r#"{"filter": []}"#, "all\n"),
        (r#"{}"#, "all\n"),
        (
            r#"{"comparison": "AND", "filter": [
                {"field": "customers.city", "operator": "!=", "value": "Kyiv"},
                {"field": "customers.id", "operator": ">", "value": 5},
                {"field": "customers.city", "operator": "!=", "value": "Lviv"}]}"#,
            "city not in (Kyiv, Lviv) and id > 5\n",
        ),
        (
            r#"{"filter": [{"field": "customers.tagsData", "operator": "=",
                "value": [{"name": "Lead"}, {"name": "beta tester"}]}], "offset": 100, "limit": 50}"#,
            "tags = [Lead, \"beta tester\"]\nlimit 50\noffset 100\n",
        ),
        (
            r#"{"filter": [{"field": "customers.name", "operator": "=", "value": "and"},
                {"field": "customers.userId", "operator": "=", "value": "00123"},
                {"field": "customers.city", "operator": "=", "value": "now"},
                {"field": "customers.phone", "operator": "=", "value": "+380501112233"}]}"#,
            "name = \"and\" and userId = 00123 and city = \"now\" and phone = +380501112233\n",
        ),
        (
            r#"{"filter": [{"field": "customers.lastSeen", "operator": ">=", "value": 1717200000}],
                "sort": "customers.lastSeen"}"#,
            "lastSeen >= 1717200000\nsort by lastSeen\n",
        ),
    ];
    for (json, text) in cases {
        assert_eq!(decompiled(json), text, "{json}");
    }
    let iso = decompile(
        "<json>",
        r#"{"filter": [{"field": "customers.lastSeen", "operator": ">=", "value": 1717200000},
            {"field": "customers.lastSeen", "operator": "<", "value": 1717237800}]}"#,
        Dates::Iso,
    )
    .unwrap();
    assert_eq!(
        format::query_to_string(&iso),
        "lastSeen >= 2024-06-01 and lastSeen < 2024-06-01T10:30:00Z\n"
    );
    // A time the language cannot write as a date stays in seconds.
    let far = r#"{"filter": [{"field": "customers.lastSeen", "operator": "!=", "value": -155050635568}]}"#;
    let far = decompile("<json>", far, Dates::Iso).unwrap();
    assert_eq!(format::query_to_string(&far), "lastSeen != -155050635568\n");
}

#[test]
fn a_plan_reads_back_with_its_page() {
    let plan = compile("(tag = Lead or city = Kyiv) and id > 5 sort by lastSeen desc limit all");
    assert_eq!(
        decompiled(&plan.to_json()),
        "tag = Lead and id > 5 or city = Kyiv and id > 5\nsort by lastSeen desc\nlimit all\n"
    );
    // `emit` and `decompile` agree on every contact, both ways.
    let everyone = compile("all sort by lastSeen desc").to_json();
    assert_eq!(decompiled(&everyone), "all\nsort by lastSeen desc\n");
    let segment = segment_text(
        "leads",
        &decompile("<json>", &plan.to_json(), Dates::Unix).unwrap(),
    );
    assert!(segment.starts_with("segment leads\n  "), "{segment}");
}
