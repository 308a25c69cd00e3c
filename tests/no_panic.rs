//! No input makes the library panic: arbitrary strings, and soups of the
//! language's own tokens, through checking and compiling. Every result is
//! `Ok`, or an error whose every label lies inside the input, on character
//! boundaries.
//!
//! Each property runs 256 cases; `PROPTEST_CASES=100000 cargo test --release
//! --test no_panic` runs more.

use hcq::Limits;
use miette::Diagnostic;
use proptest::prelude::*;

/// The clock every test runs at, so that `now` never varies.
const NOW: &str = "2024-06-01T00:00:00Z";

/// Parses and checks `text`, as `hcq check` does.
fn check(text: &str) -> Result<hcq::typed::Query, hcq::Error> {
    let limits = Limits::default();
    let error = |problems| hcq::Error::new("<expression>", text, problems);
    let query = hcq::syntax::parse_query(text, &limits).map_err(|e| error(vec![e.into()]))?;
    let cx = hcq::check::Context::new(NOW.parse().expect("a valid timestamp"));
    hcq::check::check_query(&query, &cx)
        .map_err(|errors| error(errors.into_iter().map(Into::into).collect()))
}

/// Parses a segment file.
fn parse_file(text: &str) -> Result<hcq::ast::File, hcq::Error> {
    hcq::syntax::parse_file(text, &Limits::default())
        .map_err(|e| hcq::Error::new("<file>", text, vec![e.into()]))
}

/// Cases per property: `PROPTEST_CASES`, or 256.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        // Failures are reported with their input; no file is written beside the tests.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
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

fn assert_no_panic(text: &str) -> Result<(), TestCaseError> {
    if let Err(error) = check(text) {
        assert_well_formed(&error, text)?;
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

/// A soup that is mostly well-formed: comparisons joined by operators, in
/// parentheses, with clauses, so that the checker sees much of it.
fn near_miss() -> impl Strategy<Value = String> {
    let field = prop::sample::select(FIELDS);
    let op = prop::sample::select(OPERATORS);
    let value = prop::sample::select(VALUES);
    let comparison = (field, op, value).prop_map(|(f, o, v)| format!("{f} {o} {v}"));
    let joiner = prop::sample::select(&[" and ", " or ", " and not ", " or (", ") and ", " "][..]);
    let clause = prop::sample::select(
        &[
            "",
            " sort by lastSeen desc",
            " sort by id",
            " limit 50",
            " limit 0",
            " offset 100",
            " limit 99999999999999999999",
            " sort by email limit 5 limit 6",
        ][..],
    );
    (prop::collection::vec((comparison, joiner), 1..8), clause).prop_map(|(parts, clause)| {
        let mut text: String = parts
            .into_iter()
            .flat_map(|(c, j)| [c, j.to_owned()])
            .collect();
        text.push_str(clause);
        text
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        assert_no_panic(&text)?;
    }

    #[test]
    fn printable_strings(text in "[ -~\\n\\t]{0,80}") {
        assert_no_panic(&text)?;
    }

    #[test]
    fn token_soups(text in soup()) {
        assert_no_panic(&text)?;
    }

    #[test]
    fn near_misses(text in near_miss()) {
        assert_no_panic(&text)?;
    }

    #[test]
    fn segment_files(
        body in prop::collection::vec((prop::sample::select(&["segment a\n", "segment b\n", "segment\n", "segment and\n", ""][..]), near_miss()), 0..4)
    ) {
        let text: String = body.into_iter().flat_map(|(head, query)| [head.to_owned(), query, "\n".to_owned()]).collect();
        if let Err(error) = parse_file(&text) {
            assert_well_formed(&error, &text)?;
        }
    }
}
