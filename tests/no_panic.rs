//! No input makes the library panic: arbitrary strings, and soups of the
//! language's own tokens, through checking and compiling expressions and
//! segment files; and soups of JSON through reading contacts. Every result is
//! `Ok`, or an error whose every label lies inside the input, on character
//! boundaries.
//!
//! Each property runs 256 cases; `PROPTEST_CASES=100000 cargo test --release
//! --test no_panic` runs more.

mod common;

use hcq::segment::SegmentFile;
use miette::Diagnostic;
use proptest::prelude::*;

/// The clock every test runs at, so that `now` never varies.
const NOW: &str = "2024-06-01T00:00:00Z";

/// Options with the clock fixed.
fn options() -> hcq::Options {
    hcq::Options::at(NOW.parse().expect("a valid timestamp"))
}

/// Reading a segment file and compiling its segments end in `Ok` or a
/// well-formed error, and agree on which.
fn assert_file_no_panic(text: &str) -> Result<(), TestCaseError> {
    let options = options();
    let read = SegmentFile::parse("no_panic.hcq", text, &options);
    if let Err(error) = &read {
        assert_well_formed(error, text)?;
    }
    match hcq::segment::check_file("no_panic.hcq", text, &options) {
        Err(error) => assert_well_formed(&error, text)?,
        Ok(compiled) => {
            prop_assert!(read.is_ok(), "compiles but does not read");
            for segment in compiled.segments() {
                for request in &segment.plan().requests {
                    if let Err(why) = hcq::eval::validate(request, &options.schema) {
                        prop_assert!(
                            false,
                            "the API would refuse {}: {}",
                            segment.plan().to_json(),
                            why
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// Every problem has a code and at least one label, and every label lies
/// inside `text` on character boundaries.
fn assert_well_formed(error: &hcq::Error, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!error.problems().is_empty(), "an error without problems");
    prop_assert_eq!(error.source_text(), text);
    for problem in error.problems() {
        let code = problem.code().map(|c| c.to_string()).unwrap_or_default();
        prop_assert!(code.starts_with("hcq::"), "no code on {:?}", problem);
        let labels: Vec<_> = problem.labels().into_iter().flatten().collect();
        prop_assert!(!labels.is_empty(), "no label on {}", code);
        for label in labels {
            let (start, end) = (label.offset(), label.offset() + label.len());
            prop_assert!(
                end <= text.len(),
                "{} labels {}..{} past the end",
                code,
                start,
                end
            );
            prop_assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{} labels {}..{}, which splits a character",
                code,
                start,
                end
            );
        }
    }
    Ok(())
}

/// `check` and `compile` end in `Ok` or a well-formed error, and agree on
/// which; a plan holds only requests the API accepts.
fn assert_no_panic(text: &str) -> Result<(), TestCaseError> {
    let options = options();
    let checked = hcq::check(text, &options);
    if let Err(error) = &checked {
        assert_well_formed(error, text)?;
    }
    match hcq::compile(text, &options).map(|compiled| compiled.plan) {
        Err(error) => assert_well_formed(&error, text)?,
        Ok(plan) => {
            prop_assert!(checked.is_ok(), "compiles but does not check");
            for request in &plan.requests {
                if let Err(why) = hcq::eval::validate(request, &options.schema) {
                    prop_assert!(false, "the API would refuse {}: {}", plan.to_json(), why);
                }
            }
        }
    }
    Ok(())
}

/// Keywords, in any case.
const KEYWORDS: &[&str] = &[
    "and", "AND", "aNd", "or", "OR", "Or", "not", "NOT", "nOt", "in", "IN", "not in", "NOT IN",
    "sort", "sort by", "SORT BY", "by", "limit", "LIMIT", "offset", "asc", "DESC", "desc",
    "segment", "now", "NOW",
];

/// Fields, real and not.
const FIELDS: &[&str] = &[
    "email",
    "customers.email",
    "name",
    "id",
    "customers.id",
    "tag",
    "tags",
    "customers.tagsData",
    "lastSeen",
    "firstSeen",
    "city",
    "countryCode",
    "userId",
    "phone",
    "emial",
    "customers.",
    ".email",
    "chats.status",
];

/// Operators, real and not.
const OPERATORS: &[&str] = &[
    "=", "!=", ">", "<", ">=", "<=", "~", "!~", "==", "!", "=>", "~~", "in", "not in",
];

/// Delimiters and references.
const DELIMITERS: &[&str] = &["(", ")", "[", "]", ",", "@", "@leads", "@and"];

/// Values of every lexical class, valid and not.
const VALUES: &[&str] = &[
    "Lead",
    "gmail.com",
    "user@example.com",
    "foo-bar",
    "42",
    "-7",
    "00123",
    "+10233456781",
    "99999999999999999999",
    "-9223372036854775808",
    "0",
    "2024-01-01",
    "2024-02-30",
    "2024-13-45",
    "2024-01-01T10:00:00Z",
    "2024-01-01T10:00",
    "2024-01-01T25:61:61+99:99",
    "2024-01-01t10:00:00.123456789z",
    "now",
    "now - 30d",
    "now-30d",
    "now + 2h",
    "now - 5x",
    "now - 99999999999999999999d",
    "30d",
    "\"gmail\"",
    "\"\"",
    "\"a\\\"b\"",
    "\"\\\\\"",
    "\"\\u{1F600}\"",
    "\"\\u{D800}\"",
    "\"\\u{110000}\"",
    "\"\\u{}\"",
    "\"\\q\"",
    "\"\\",
    "\"unclosed",
    "\"é\"",
    "Київ",
    "é",
    "ß",
    "\u{301}",
    "[Lead, Paid]",
    "[Lead,]",
    "[]",
    "(1, 2, 3)",
    "(a,)",
    "()",
];

/// Blanks, comments and odd characters.
const TRIVIA: &[&str] = &[
    "# a comment\n",
    "#",
    "\r\n",
    "\n",
    "\r",
    "\t",
    " ",
    "  ",
    "\u{FEFF}",
    "\0",
    "\u{7F}",
];

/// A soup of tokens, glued together with or without blanks.
fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(
                [KEYWORDS, FIELDS, OPERATORS, DELIMITERS, VALUES, TRIVIA].concat(),
            ),
            prop::sample::select(&[" ", " ", " ", "", "\n"][..]),
        ),
        0..40,
    )
    .prop_map(|tokens| {
        tokens
            .into_iter()
            .flat_map(|(token, gap)| [token, gap])
            .collect()
    })
}

/// A comparison that checks: a field with an operator and a value of its type.
fn comparison() -> impl Strategy<Value = String> {
    let text =
        prop::sample::select(&["gmail", "\"a b\"", "Kyiv", "\"\"", "é", "\"\\u{1F600}\""][..]);
    let number = prop::sample::select(&["0", "42", "-7", "9223372036854775807"][..]);
    let time = prop::sample::select(
        &[
            "2024-01-01",
            "2024-01-01T10:00:00Z",
            "now",
            "now - 30d",
            "1603885746",
        ][..],
    );
    let tags = prop::sample::select(&["Lead", "Paid", "[Lead, Paid]", "\"beta tester\""][..]);
    prop_oneof![
        (
            prop::sample::select(&["email", "name", "city", "customers.phone", "userId"][..]),
            prop::sample::select(&["=", "!=", "~", "!~"][..]),
            text,
        )
            .prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        (
            prop::sample::select(&["=", "!=", ">", "<", ">=", "<="][..]),
            number.clone()
        )
            .prop_map(|(o, v)| format!("id {o} {v}")),
        (prop::sample::select(&[">", "<", ">=", "<=", "="][..]), time)
            .prop_map(|(o, v)| format!("lastSeen {o} {v}")),
        tags.prop_map(|v| format!("tag = {v}")),
        (
            prop::sample::select(&["in", "not in"][..]),
            prop::collection::vec(number, 1..4)
        )
            .prop_map(|(o, vs)| format!("id {o} ({})", vs.join(", "))),
    ]
}

/// Something in place of a comparison: mostly one that checks, sometimes
/// any field, operator and value, sometimes any token.
fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => comparison(),
        1 => (
            prop::sample::select(FIELDS),
            prop::sample::select(OPERATORS),
            prop::sample::select(VALUES),
        )
            .prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        1 => prop::sample::select([KEYWORDS, DELIMITERS, TRIVIA].concat()).prop_map(str::to_owned),
    ]
}

/// `and`, `or`, `not` and parentheses over `leaf`, a few levels deep, with
/// comments and CRLF between.
fn tree(leaf: BoxedStrategy<String>) -> BoxedStrategy<String> {
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..5).prop_map(|xs| xs.join(" and ")),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|xs| xs.join(" OR ")),
            inner.clone().prop_map(|x| format!("({x})")),
            inner.clone().prop_map(|x| format!("not ({x})")),
            inner.prop_map(|x| format!("# note\r\n({x}) # end\n")),
        ]
    })
    .boxed()
}

/// Well-formed expressions, nested, with clauses and comments, in which a
/// leaf is now and then something else: the checker and the lowering see
/// most of them, the parser's recovery the rest.
fn expression() -> impl Strategy<Value = String> {
    let tree = tree(leaf().boxed());
    let clause = prop::sample::select(
        &[
            "",
            "",
            " sort by lastSeen desc",
            " sort by firstSeen",
            " limit 50",
            " limit 0",
            " offset 100 limit 250",
            " limit 99999999999999999999",
            " sort by email limit 5 limit 6",
        ][..],
    );
    (tree, clause).prop_map(|(tree, clause)| tree + clause)
}

/// A segment file: segments `s0`, `s1`, … that use earlier ones by `@`,
/// with now and then a head, a reference or a separator gone wrong.
fn segment_file() -> impl Strategy<Value = String> {
    let head = prop_oneof![
        8 => Just(None),
        1 => prop::sample::select(&["segment\n", "segment and\n", "SEGMENT s0 ", "# c\n", ""][..]).prop_map(Some),
    ];
    let uses = prop_oneof![
        2 => Just(None),
        1 => (0..8usize, prop::sample::select(&[" or ", " and ", " and not "][..])).prop_map(Some),
    ];
    let stray = prop_oneof![
        8 => Just(""),
        1 => prop::sample::select(&["@s9 or ", "@self and ", "sort by id ", "limit 5 "][..]),
    ];
    let clause = prop_oneof![
        8 => Just(""),
        1 => prop::sample::select(&[" sort by lastSeen", " limit 10", " offset 5 limit 500"][..]),
    ];
    let body = (tree(comparison().boxed()), clause).prop_map(|(tree, clause)| tree + clause);
    prop::collection::vec((head, uses, stray, body), 0..6).prop_map(|segments| {
        let mut text = String::new();
        for (i, (head, uses, stray, expr)) in segments.into_iter().enumerate() {
            match head {
                Some(head) => text.push_str(head),
                None => text.push_str(&format!("segment s{i}\r\n  ")),
            }
            if let Some((j, op)) = uses.filter(|_| i > 0) {
                text.push_str(&format!("@s{}{op}", j % i));
            }
            text.push_str(&stray.replace("@self", &format!("@s{i}")));
            text.push_str(&expr);
            text.push_str("\n\n");
        }
        text
    })
}

/// Pieces of contact exports, valid and not, for JSON soups.
const JSON: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\n",
    "\r\n",
    " ",
    "\"id\"",
    "\"lastSeen\"",
    "\"firstSeen\"",
    "\"email\"",
    "\"tags\"",
    "\"name\"",
    "\"location\"",
    "\"city\"",
    "\"data\"",
    "\"total\"",
    "1",
    "-7",
    "1.5",
    "1e3",
    "99999999999999999999",
    "\"1700000000\"",
    "\"abc\"",
    "\"é\"",
    "null",
    "true",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "{\"id\": 1, \"lastSeen\": 0}",
    "{\"name\": \"Lead\"}",
    "\"",
];

/// A soup of JSON pieces: often almost a contact export.
fn json_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(JSON), 0..40).prop_map(|pieces| pieces.concat())
}

/// Exports of contacts whose fields take any kind of JSON value: most
/// records are well-formed JSON, many are not contacts.
fn contact_export() -> impl Strategy<Value = String> {
    let key = prop::sample::select(
        &[
            "firstSeen",
            "email",
            "name",
            "tags",
            "location",
            "customData",
            "userId",
            "id",
        ][..],
    );
    let value = prop_oneof![
        // What the field holds in the API's answers…
        2 => prop::sample::select(
            &["null", "\"a@b.c\"", "\"1600000000\"", "[{\"name\": \"Lead\"}]", "{\"city\": \"Kyiv\"}"][..],
        ),
        // …and what it should not.
        1 => prop::sample::select(
            &[
                "1", "-7", "1.5", "\"abc\"", "true", "[]", "{}", "[{\"name\": 5}]", "[\"Lead\"]",
                "{\"city\": 3}", "99999999999999999999",
            ][..],
        ),
    ];
    // Mostly with the two fields every contact has, ids often repeated.
    let required = prop_oneof![
        1 => Just(None),
        3 => (0..6u8).prop_map(Some),
    ];
    let record = (required, prop::collection::vec((key, value), 0..3)).prop_map(|(id, fields)| {
        let mut fields: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\": {v}"))
            .collect();
        if let Some(id) = id {
            fields.insert(0, format!("\"id\": {id}, \"lastSeen\": \"1700000000\""));
        }
        format!("{{{}}}", fields.join(", "))
    });
    let layout = prop::sample::select(&["array", "data", "lines"][..]);
    (prop::collection::vec(record, 0..5), layout).prop_map(|(records, layout)| match layout {
        "array" => format!("[{}]", records.join(",\n ")),
        "data" => format!(
            "{{\"data\": [{}], \"total\": {}}}",
            records.join(", "),
            records.len()
        ),
        _ => records.join("\n"),
    })
}

/// Reading contacts ends in `Ok` or an error whose labels lie inside the text.
fn assert_contacts_no_panic(text: &str) -> Result<(), TestCaseError> {
    if let Err(error) = hcq::contacts::read_contacts(text) {
        let code = error.code().map(|c| c.to_string()).unwrap_or_default();
        prop_assert!(code.starts_with("hcq::contacts::"), "no code on {}", error);
        for label in error.labels().into_iter().flatten() {
            let (start, end) = (label.offset(), label.offset() + label.len());
            prop_assert!(
                end <= text.len(),
                "{} labels {}..{} past the end",
                code,
                start,
                end
            );
            prop_assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "{} labels {}..{}, which splits a character",
                code,
                start,
                end
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        assert_no_panic(&text)?;
        assert_file_no_panic(&text)?;
    }

    #[test]
    fn printable_strings(text in "[ -~\\n\\t]{0,80}") {
        assert_no_panic(&text)?;
    }

    #[test]
    fn token_soups(text in soup()) {
        assert_no_panic(&text)?;
        assert_file_no_panic(&text)?;
    }

    #[test]
    fn expressions(text in expression()) {
        assert_no_panic(&text)?;
    }

    #[test]
    fn contact_files(text in json_soup()) {
        assert_contacts_no_panic(&text)?;
    }

    #[test]
    fn contact_exports(text in contact_export()) {
        assert_contacts_no_panic(&text)?;
    }

    #[test]
    fn contact_files_of_any_text(text in any::<String>()) {
        assert_contacts_no_panic(&text)?;
    }

    #[test]
    fn segment_files(text in segment_file()) {
        assert_file_no_panic(&text)?;
    }
}
