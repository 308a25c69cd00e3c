//! Reading contacts: every layout, strictness with the record named, keys
//! written twice, partial exports.

use super::scan::member;
use super::*;
use miette::{Diagnostic, Severity};
use serde_json::Value;

const EXPORT: &str = include_str!("../../tests/eval_fixtures/contacts.json");
const LINES: &str = include_str!("../../tests/eval_fixtures/contacts.jsonl");
const BROKEN: &str = include_str!("../../tests/eval_fixtures/broken.jsonl");

fn code(error: &ContactsError) -> String {
    error.code().map(|c| c.to_string()).unwrap_or_default()
}

fn label(error: &ContactsError) -> (usize, usize) {
    let label = error
        .labels()
        .and_then(|mut labels| labels.next())
        .expect("a label");
    (label.offset(), label.len())
}

#[test]
fn an_api_response_is_read_whole() {
    let contacts = read_contacts(EXPORT).expect("reads");
    assert_eq!(contacts.len(), 12);
    let first = &contacts[0];
    assert_eq!(first.id, 1001);
    assert_eq!(first.email.as_deref(), Some("olena.koval@gmail.com"));
    assert_eq!(first.last_seen, 1_717_000_000);
    assert_eq!(first.first_seen, Some(1_690_000_000));
    assert_eq!(first.location.city.as_deref(), Some("Kyiv"));
    assert_eq!(first.tags.len(), 2);
    assert_eq!(first.tags[0].name, "Lead");
}

#[test]
fn records_keep_their_text_as_written() {
    let records = read_records("contacts.json", EXPORT).expect("reads");
    let value: Value = serde_json::from_str(EXPORT).expect("json");
    for (i, (contact, text)) in records.iter().enumerate() {
        let written: Value = serde_json::from_str(text).expect("a record's text is JSON");
        assert_eq!(written, value["data"][i]);
        assert_eq!(written["id"], contact.id);
    }
    let lines = read_records("contacts.jsonl", LINES).expect("reads");
    for ((_, text), line) in lines.iter().zip(LINES.lines()) {
        assert_eq!(*text, line);
    }
}

#[test]
fn every_layout_reads_the_same_contacts() {
    let export = read_contacts(EXPORT).expect("reads");
    assert_eq!(read_contacts(LINES).expect("reads"), export);
    let value: Value = serde_json::from_str(EXPORT).expect("json");
    let array = serde_json::to_string_pretty(&value["data"]).expect("json");
    assert_eq!(read_contacts(&array).expect("reads"), export);
    // One object alone is one line of JSON Lines.
    let one = serde_json::to_string(&value["data"][3]).expect("json");
    assert_eq!(read_contacts(&one).expect("reads"), [export[3].clone()]);
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let export = read_contacts(EXPORT).expect("reads");
    for text in [EXPORT, LINES] {
        let marked = format!("\u{FEFF}{text}");
        assert_eq!(read_contacts(&marked).expect("reads"), export);
        let records = read_records("marked.json", &marked).expect("reads");
        let written: Value = serde_json::from_str(records[0].1).expect("json");
        assert_eq!(written["id"], export[0].id);
    }
    // An error after the mark still points at the right byte.
    let offset = |text: &str| {
        let problem = read_contacts(text).expect_err("bad JSON");
        let label = problem
            .labels()
            .expect("a label")
            .next()
            .expect("one label");
        label.offset()
    };
    let bad = "[{\"id\": 1,}]";
    assert_eq!(offset(&format!("\u{FEFF}{bad}")), 3 + offset(bad));
}

#[test]
fn an_empty_list_is_no_contacts() {
    assert_eq!(read_contacts("[]").expect("reads"), []);
    assert_eq!(
        read_contacts("{\"data\": [], \"total\": 0}").expect("reads"),
        []
    );
}

#[test]
fn the_broken_file_names_record_line_id_and_field() {
    let error = read_contacts_named("broken.jsonl", BROKEN).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::field_type");
    assert_eq!(
        error.to_string(),
        "the contact at index 2 (line 3, id 1003) has `tags` 5, \
         expected a list of `{\"name\": …}` objects"
    );
    let third_line: usize = BROKEN.split_inclusive('\n').take(2).map(str::len).sum();
    assert_eq!(label(&error).0, third_line);
}

#[test]
fn a_missing_id_or_last_seen() {
    let error =
        read_contacts(r#"[{"id": 1, "lastSeen": 0}, {"name": "Ann", "lastSeen": 0}]"#).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::missing_field");
    assert_eq!(
        error.to_string(),
        "the contact at index 1 (line 1) has no `id`"
    );
    assert_eq!(label(&error), (27, 30));
    let error = read_contacts("[\n  {\"id\": 5}\n]").unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::missing_field");
    assert_eq!(
        error.to_string(),
        "the contact at index 0 (line 2, id 5) has no `lastSeen`"
    );
    let error = read_contacts(r#"{"id": null, "lastSeen": 0}"#).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::missing_field");
}

#[test]
fn fields_of_the_wrong_type() {
    let cases = [
        (r#"{"id": "abc", "lastSeen": 0}"#, "id", "an integer"),
        (r#"{"id": 1.5, "lastSeen": 0}"#, "id", "an integer"),
        (
            r#"{"id": 1, "lastSeen": "yesterday"}"#,
            "lastSeen",
            "a UNIX timestamp in seconds (a whole number, or a string of one)",
        ),
        (
            r#"{"id": 1, "lastSeen": true}"#,
            "lastSeen",
            "a UNIX timestamp in seconds (a whole number, or a string of one)",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "firstSeen": []}"#,
            "firstSeen",
            "a UNIX timestamp in seconds (a whole number, or a string of one)",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "email": 5}"#,
            "email",
            "a string or null",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "tags": 5}"#,
            "tags",
            "a list of `{\"name\": …}` objects",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "tags": ["Lead"]}"#,
            "tags[0]",
            "an object such as `{\"name\": \"Lead\"}`",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "tags": [{"name": "a"}, {"color": "red"}]}"#,
            "tags[1].name",
            "a string",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "location": "Kyiv"}"#,
            "location",
            "an object",
        ),
        (
            r#"{"id": 1, "lastSeen": 0, "location": {"city": 3}}"#,
            "location.city",
            "a string or null",
        ),
    ];
    for (text, field, expected) in cases {
        match read_contacts(text).as_ref().map_err(ContactsError::problem) {
            Err(ContactsProblem::FieldType {
                field: f,
                expected: e,
                record,
                ..
            }) => {
                assert_eq!((f.as_str(), *e), (field, expected), "for {text}");
                assert_eq!(record.index, 0);
            }
            other => panic!("expected a field_type error for {text}, got {other:?}"),
        }
    }
}

#[test]
fn a_repeated_id() {
    let text = "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"lastSeen\": 0}\n{\"id\": 1, \"lastSeen\": 5}\n";
    let error = read_contacts(text).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::duplicate_id");
    assert_eq!(
        error.to_string(),
        "the contact at index 2 (line 3, id 1) has id 1, like the contact at index 0 (line 1, id 1)"
    );
    assert_eq!(label(&error), (50, 24));
}

/// The span of the label `n` (from 0) of `error`.
fn nth_label(error: &ContactsError, n: usize) -> Range {
    let label = error.labels().and_then(|mut l| l.nth(n)).expect("a label");
    (label.offset(), label.offset() + label.len())
}

#[test]
fn a_key_written_twice_names_the_record_and_both_keys() {
    let text = "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"city\": \"Kyiv\", \"lastSeen\": 0, \"city\": \"Lviv\"}\n";
    let error = read_contacts(text).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::duplicate_key");
    assert_eq!(
        error.to_string(),
        "the contact at index 1 (line 2, id 2) has the key `city` twice in one object"
    );
    let second = text.rfind("\"city\"").expect("a second key");
    let first = text.find("\"city\"").expect("a first key");
    assert_eq!(nth_label(&error, 0), (second, second + 6));
    assert_eq!(nth_label(&error, 1), (first, first + 6));
}

#[test]
fn keys_written_twice_are_found_at_any_depth_and_through_escapes() {
    for text in [
        r#"[{"id": 1, "lastSeen": 0, "location": {"city": "Kyiv", "city": "Lviv"}}]"#,
        r#"[{"id": 1, "lastSeen": 0, "tags": [{"name": "a", "name": "b"}]}]"#,
        r#"[{"id": 1, "lastSeen": 0, "customData": {"x": {"y": 1, "y": 2}}}]"#,
        r#"[{"id": 1, "lastSeen": 0, "c\u0069ty": "Kyiv", "city": "Lviv"}]"#,
        r#"[{"id": 1, "lastSeen": 0, "id": 2}]"#,
    ] {
        let error = read_contacts(text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::duplicate_key", "for {text}");
        match error.problem() {
            ContactsProblem::DuplicateKey { record, .. } => {
                assert_eq!(record.as_ref().map(|r| r.index), Some(0), "for {text}");
            }
            other => panic!("expected a duplicate key for {text}, got {other:?}"),
        }
    }
}

#[test]
fn one_key_in_different_objects_or_as_a_value_is_not_a_duplicate() {
    let text = r#"{"data": [
        {"id": 1, "lastSeen": 0, "name": "id", "tags": [{"name": "a"}, {"name": "b"}],
         "location": {"city": "city"}, "customData": {"id": 5, "list": ["id", "id"]}},
        {"id": 2, "lastSeen": 0, "customData": {"id": {"id": {}}}}
    ], "total": 2, "meta": {"total": 2}}"#;
    let export = read_export("ok.json", text).expect("reads");
    assert_eq!(export.records.len(), 2);
    assert!(export.warnings.is_empty());
}

#[test]
fn a_key_written_twice_around_the_records_has_no_record() {
    // serde_json would read the second `data`: the records' places
    // would be found in the first.
    let text = r#"{"data": [{"id": 1, "lastSeen": 0}], "data": [{"id": 2, "lastSeen": 0}]}"#;
    let error = read_contacts(text).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the contacts have the key `data` twice in one object"
    );
    let second = text.rfind("\"data\"").expect("a second key");
    assert_eq!(nth_label(&error, 0), (second, second + 6));
    // Also when the second value makes the layout wrong.
    let error = read_contacts(r#"{"data": [], "data": 5}"#).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::duplicate_key");
}

#[test]
fn problems_are_reported_in_the_order_of_the_records() {
    let text = "{\"id\": 1}\n{\"id\": 2, \"lastSeen\": 0, \"id\": 3}\n";
    let error = read_contacts(text).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::missing_field");
    let text = "{\"id\": 2, \"lastSeen\": 0, \"id\": 3}\n{\"id\": 1}\n";
    let error = read_contacts(text).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::duplicate_key");
}

#[test]
fn a_total_above_the_records_is_a_partial_export() {
    let text = "{\"data\": [{\"id\": 1, \"lastSeen\": 0}],\n \"total\": 256}";
    let export = read_export("page.json", text).expect("reads");
    assert_eq!(export.records.len(), 1);
    let [warning] = export.warnings.as_slice() else {
        panic!("expected one warning, got {:?}", export.warnings);
    };
    assert_eq!(
        warning.kind(),
        &ContactsWarningKind::PartialExport {
            records: 1,
            total: 256,
            span: (text.find("\"total\"").expect("total"), 12).into(),
        }
    );
    assert_eq!(warning.severity(), Some(Severity::Warning));
    assert_eq!(
        warning.code().map(|c| c.to_string()).as_deref(),
        Some("hcq::contacts::partial_export")
    );
    assert_eq!(
        (warning.source_name(), warning.source_text()),
        ("page.json", text)
    );
    // A total written as a string counts too.
    let text = r#"{"data": [], "total": "3"}"#;
    assert_eq!(
        read_export("page.json", text)
            .expect("reads")
            .warnings
            .len(),
        1
    );
}

#[test]
fn a_whole_export_or_no_total_is_not_partial() {
    for text in [
        EXPORT,
        LINES,
        r#"{"data": [{"id": 1, "lastSeen": 0}]}"#,
        r#"{"data": [{"id": 1, "lastSeen": 0}], "total": 1}"#,
        r#"{"data": [{"id": 1, "lastSeen": 0}], "total": 0}"#,
        r#"{"data": [{"id": 1, "lastSeen": 0}], "total": null}"#,
        r#"{"data": [{"id": 1, "lastSeen": 0}], "total": -5}"#,
        r#"[{"id": 1, "lastSeen": 0, "total": 9}]"#,
    ] {
        let export = read_export("whole.json", text).expect("reads");
        assert!(export.warnings.is_empty(), "for {text}");
    }
}

#[test]
fn members_are_found_by_their_unescaped_key() {
    let text = r#"{"a": [1, {"total": 2}], "t\u006ftal": 12 , "b": 1}"#;
    let (key, value) = member(text, 0, "total").expect("a member");
    assert_eq!(&text[key.0..key.1], r#""t\u006ftal""#);
    assert_eq!(&text[value.0..value.1], "12");
    assert_eq!(member(text, 0, "c"), None);
}

#[test]
fn an_error_knows_its_source_and_has_a_json_form() {
    let text = "[\n  {\"id\": 1, \"lastSeen\": 0, \"id\": 2}\n]";
    let error = read_records("a.json", text).unwrap_err();
    assert_eq!((error.source_name(), error.source_text()), ("a.json", text));
    let json = error.to_json();
    assert_eq!(json.code.as_deref(), Some("hcq::contacts::duplicate_key"));
    assert_eq!(json.severity, "error");
    assert_eq!(json.source, "a.json");
    assert_eq!(json.message, error.to_string());
    assert!(json.help.is_some());
    let spots: Vec<(usize, usize, Option<&str>)> = json
        .labels
        .iter()
        .map(|l| (l.line, l.column, l.label.as_deref()))
        .collect();
    assert_eq!(
        spots,
        [(2, 28, Some("`id` again")), (2, 4, Some("first here"))]
    );
}

#[test]
fn timestamps_as_numbers_or_strings_and_nulls_as_absent() {
    let contacts = read_contacts(
        r#"[{"id": 1, "lastSeen": " 1700000000 ", "firstSeen": null, "email": null,
             "location": null, "tags": null, "customData": {"plan": "pro"}}]"#,
    )
    .expect("reads");
    assert_eq!(contacts[0].last_seen, 1_700_000_000);
    assert_eq!(contacts[0].first_seen, None);
    assert_eq!(contacts[0].email, None);
    assert!(contacts[0].tags.is_empty());
}

#[test]
fn not_json_and_not_contacts() {
    let error = read_contacts("[{\"id\": 1,}]").unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::syntax");
    assert_eq!(label(&error).0, 10);
    let error = read_contacts("{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2,\n").unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::syntax");
    for (text, found) in [
        ("", "nothing"),
        ("  \n", "nothing"),
        ("42", "the number 42"),
        ("{\"data\": 5}", "`data` holding the number 5"),
        ("\"abc\"", "the string \"abc\""),
    ] {
        let error = read_contacts(text).unwrap_err();
        assert_eq!(code(&error), "hcq::contacts::layout", "for {text:?}");
        assert_eq!(
            error.to_string(),
            format!("expected contacts, found {found}")
        );
    }
    let error = read_contacts("[{\"id\": 1, \"lastSeen\": 0}, [1]]").unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::not_an_object");
    assert_eq!(
        error.to_string(),
        "the contact at index 1 (line 1) is a list, not an object"
    );
    assert_eq!(label(&error), (27, 3));
}

#[test]
fn records_of_an_api_response_are_located() {
    let text = "{\"total\": 2, \"data\": [\n {\"id\": 1, \"lastSeen\": 0},\n {\"id\": \"x\"}\n]}";
    let error = read_contacts(text).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the contact at index 1 (line 3, id \"x\") has `id` \"x\", expected an integer"
    );
    assert_eq!(label(&error), (text.find("{\"id\": \"x\"").unwrap(), 11));
}

#[test]
fn deep_json_is_an_error_not_an_overflow() {
    let text = format!("[{}{}]", "[".repeat(100_000), "]".repeat(100_000));
    let error = read_contacts(&text).unwrap_err();
    assert_eq!(code(&error), "hcq::contacts::syntax");
}

#[test]
fn select_keeps_the_order_of_the_file() {
    let contacts = read_contacts(EXPORT).expect("reads");
    let options = crate::Options::at("2024-06-01T00:00:00Z".parse().expect("a time"));
    let query = crate::check("tag = Lead", &options).expect("checks");
    let ids: Vec<i64> = select(&query.expr, &contacts)
        .iter()
        .map(|c| c.id)
        .collect();
    assert!(!ids.is_empty());
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert!(select(&query.expr, &[]).is_empty());
}

#[test]
fn select_all_is_every_contact_and_not_all_none() {
    let contacts = read_contacts(EXPORT).expect("reads");
    let options = crate::Options::at("2024-06-01T00:00:00Z".parse().expect("a time"));
    let all = crate::check("all", &options).expect("checks");
    assert_eq!(select(&all.expr, &contacts).len(), contacts.len());
    let none = crate::check("not all", &options).expect("checks");
    assert!(select(&none.expr, &contacts).is_empty());
    let lead = crate::check("tag = Lead", &options).expect("checks");
    let absorbed = crate::check("all and tag = Lead", &options).expect("checks");
    assert_eq!(
        select(&absorbed.expr, &contacts),
        select(&lead.expr, &contacts)
    );
}

/// The fast path (a record read straight into a contact) accepts exactly
/// what the strict reader accepts, and reads the same contact: every field
/// hcq uses, given every kind of JSON value.
#[test]
fn the_fast_reader_agrees_with_the_strict_one() {
    let values = [
        "null",
        "0",
        "-7",
        "1.5",
        "1e3",
        "9223372036854775807",
        "9223372036854775808",
        "\"1700000000\"",
        "\" 42 \"",
        "\"x\"",
        "\"\"",
        "true",
        "[]",
        "{}",
        "[\"Lead\"]",
        "[[\"Lead\"]]",
        "[{\"name\": \"Lead\"}]",
        "[{\"name\": \"Lead\", \"color\": null, \"x\": 1}]",
        "[{\"name\": null}]",
        "[{\"color\": \"red\"}]",
        "[{\"name\": \"a\", \"color\": 5}]",
        "{\"city\": \"Kyiv\", \"countryCode\": null, \"x\": [1]}",
        "{\"city\": 5}",
        "[\"30\", \"UA\", \"Kyiv\"]",
    ];
    let fields = [
        "id",
        "lastSeen",
        "firstSeen",
        "userId",
        "name",
        "email",
        "company",
        "phone",
        "telegramId",
        "facebookId",
        "instagramId",
        "viberId",
        "whatsappId",
        "location",
        "tags",
        "customData",
    ];
    let mut compared = 0;
    for field in fields {
        for value in values {
            let base = [("id", "1"), ("lastSeen", "\"5\"")];
            let mut members: Vec<String> = base
                .iter()
                .filter(|(k, _)| *k != field)
                .map(|(k, v)| format!("\"{k}\": {v}"))
                .collect();
            members.push(format!("\"{field}\": {value}"));
            for text in [
                format!("{{{}}}", members.join(", ")),
                format!("{{{}}}", members[members.len() - 1..].join(", ")),
            ] {
                let value: Value = serde_json::from_str(&text).expect("json");
                let record = Record {
                    index: 0,
                    line: 1,
                    id: None,
                };
                let strict = records::contact(&value, &record, (0, text.len())).ok();
                let fast = records::fast(&text).map(|(contact, len)| {
                    assert_eq!(len, text.len(), "{text}");
                    contact
                });
                assert_eq!(fast, strict, "{text}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 16 * 24 * 2);
}

#[test]
fn a_stream_reads_what_read_export_reads() {
    for text in [EXPORT, LINES] {
        let export = read_export("x", text).expect("reads");
        let mut stream = stream("x", text).expect("opens");
        let mut read = Vec::new();
        for record in &mut stream {
            let (contact, range) = record.expect("reads");
            read.push((contact, &text[range]));
        }
        assert_eq!(read, export.records);
        assert_eq!(stream.records_read(), read.len());
        assert_eq!(stream.warnings().len(), export.warnings.len());
    }
    // The first error ends the stream.
    let mut stream = stream("x", BROKEN).expect("opens");
    assert!(stream.by_ref().any(|record| record.is_err()));
    assert!(stream.next().is_none());
    assert!(stream.warnings().is_empty());
}

/// The check of the whole text notes a key written twice exactly when the
/// search for where finds one, so skipping that search otherwise loses
/// nothing.
#[test]
fn the_text_check_notes_every_key_written_twice() {
    for text in [
        EXPORT,
        LINES,
        "[{\"id\": 1, \"id\": 2}]",
        "[{\"id\": 1, \"\\u0069d\": 2}]",
        "{\"data\": [], \"data\": []}",
        "[{\"a\": {\"b\": 1, \"c\": {\"b\": 2}}}]",
        "[{\"a\": [{\"b\": 1}, {\"b\": 1}]}]",
        "[{\"a\": [{\"b\": 1, \"b\": 1}]}]",
        "{\"x\": 1}\n{\"x\": 1, \"y\": {\"x\": 2, \"x\": 3}}",
        "[\"id\", \"id\", {\"id\": \"id\"}]",
    ] {
        let (_, _, twice) = layout::values(text).expect("JSON");
        assert_eq!(twice, scan::duplicate_key(text, 0).is_some(), "{text}");
    }
    // Past the 32 keys compared one by one, a set.
    let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
    let many = format!("{{{}}}", keys.join(", "));
    assert!(!layout::values(&many).expect("JSON").2);
    let again = format!("{{{}, \"k3\": 0}}", keys.join(", "));
    assert!(layout::values(&again).expect("JSON").2);
}

/// A reader that hands over at most `step` bytes a call, so that records
/// straddle the window's reads.
struct Trickle<'t> {
    text: &'t [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.text.len());
        buf[..n].copy_from_slice(&self.text[..n]);
        self.text = &self.text[n..];
        Ok(n)
    }
}

/// What the window reads of `text`, `step` bytes at a time: the records
/// (contact, text, column), or `None` when it gives up.
fn through_window(text: &str, step: usize) -> Option<Vec<(Contact, String, usize)>> {
    let mut reader = Trickle {
        text: text.as_bytes(),
        step,
    };
    let mut records = Vec::new();
    let outcome = window::read(&mut reader, 1 << 20, &mut |record| {
        records.push((record.contact, record.text.to_owned(), record.column));
    })
    .expect("reads");
    matches!(outcome, window::Outcome::Read).then_some(records)
}

/// The window reads the common case exactly as the whole-text reading
/// does, and gives up on everything else (errors, warnings, rarer
/// layouts), which the whole-text reading then reports.
#[test]
fn the_window_reads_what_the_text_reads_or_gives_up() {
    let value: Value = serde_json::from_str(EXPORT).expect("json");
    let pretty = serde_json::to_string_pretty(&value["data"]).expect("json");
    let response_pretty = serde_json::to_string_pretty(&value).expect("json");
    let one_line = serde_json::to_string(&value["data"]).expect("json");
    let marked = format!("\u{FEFF}{LINES}");
    let lines_crlf = LINES.replace('\n', "\r\n");
    let common = [
        EXPORT,
        LINES,
        &pretty,
        &response_pretty,
        &one_line,
        &marked,
        &lines_crlf,
        "[]",
        " [ ] \n",
        "{\"data\": [], \"total\": 0}",
    ];
    for text in common {
        let export = read_export("x", text).expect("reads");
        // The response fixture's `total` is its length: no warning.
        assert!(export.warnings.is_empty());
        for step in [1, 7, 4096, 1 << 20] {
            let read = through_window(text, step)
                .unwrap_or_else(|| panic!("gave up at step {step}: {text}"));
            assert_eq!(read.len(), export.records.len());
            for ((contact, written, column), (expected, range_text)) in
                read.iter().zip(&export.records)
            {
                assert_eq!(contact, expected);
                assert_eq!(written, range_text);
                if written.contains('\n') {
                    let start = range_text.as_ptr() as usize - text.as_ptr() as usize;
                    let line = text[..start].rfind('\n').map_or(0, |i| i + 1);
                    assert_eq!(*column, text[line..start].chars().count());
                }
            }
        }
    }
    let partial = "{\"data\": [{\"id\": 1, \"lastSeen\": 0}], \"total\": 2}";
    let total_first = "{\"total\": 1, \"data\": [{\"id\": 1, \"lastSeen\": 0}]}";
    let one = "{\"id\": 1, \"lastSeen\": 0}";
    for text in [
        BROKEN,
        partial,
        total_first,
        one,
        "{\"id\": 1, \"lastSeen\": 0, \"data\": 5}",
        "[{\"id\": 1, \"lastSeen\": 0}, {\"id\": 1, \"lastSeen\": 0}]",
        "[{\"id\": 1, \"lastSeen\": 0, \"x\": {\"a\": 1, \"a\": 2}}]",
        "{\"data\": [], \"total\": 0, \"data\": []}",
        "[{\"id\": 1, \"lastSeen\": 0},]",
        "[{\"id\": 1, \"lastSeen\": 0}] [1]",
        "[{\"id\": 1, \"lastSeen\": 0}, 2]",
        "[{\"id\": 1, \"lastSeen\": \"x\"}]",
        "[{\"id\": 1, \"lastSeen\": 0, \"name\": \"\\ud800\"}]",
        "{\"id\": 1, \"lastSeen\": 0}\n{\"id\": 2, \"lastSeen\": 0},\n",
        "",
        "5",
    ] {
        for step in [1, 7, 1 << 20] {
            assert!(through_window(text, step).is_none(), "{step}: {text}");
        }
    }
    // Past the bound, the whole-text reading says so.
    let mut reader = Trickle {
        text: LINES.as_bytes(),
        step: 100,
    };
    let outcome = window::read(&mut reader, 10, &mut |_| {}).expect("reads");
    assert!(matches!(outcome, window::Outcome::Reread));
}
