//! The hand-written parser tried before pest (`src/syntax/fast.rs`) builds
//! exactly the tree pest's path builds, spans included, or gives up so that
//! pest decides: `parse_query` and `parse_query_with_pest` (and the same for
//! files) agree on every input, compared through `Debug`, which shows spans
//! (`Span`'s equality ignores them).
//!
//! Inputs: every fixture of the suite, and generated expressions that mix
//! valid structure with the lexical corners of the grammar (keywords in
//! any case and glued to punctuation, `now-30d`, half-written date-times,
//! `in.x`, comments and CRLF between any two tokens, non-ASCII words).
//!
//! Each property runs 256 cases; `PROPTEST_CASES=100000 cargo test
//! --release --lib syntax::tests` runs more.

use crate::Limits;
use crate::syntax::{parse_file, parse_file_with_pest, parse_query, parse_query_with_pest};
use proptest::prelude::*;
use std::path::Path;

/// Both paths give the same result for `text` read as one expression.
fn assert_query_agrees(text: &str, limits: &Limits) -> Result<(), TestCaseError> {
    let fast = format!("{:?}", parse_query(text, limits));
    let pest = format!("{:?}", parse_query_with_pest(text, limits));
    prop_assert_eq!(fast, pest, "input: {:?}", text);
    Ok(())
}

/// Both paths give the same result for `text` read as a segment file.
fn assert_file_agrees(text: &str, limits: &Limits) -> Result<(), TestCaseError> {
    let fast = format!("{:?}", parse_file(text, limits));
    let pest = format!("{:?}", parse_file_with_pest(text, limits));
    prop_assert_eq!(fast, pest, "input: {:?}", text);
    Ok(())
}

/// Every file under `dir` (recursively) whose name ends in one of `exts`.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a fixture directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files(&path, exts, out);
        } else if exts
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_parses_the_same_on_both_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = Vec::new();
    for dir in ["tests/fixtures", "tests/segment_fixtures", "examples"] {
        files(&root.join(dir), &["hcq"], &mut inputs);
    }
    let mut plans = Vec::new();
    files(&root.join("tests/plans"), &["json"], &mut plans);
    let limits = Limits::default();
    let mut parsed = 0;
    for path in &inputs {
        let text = std::fs::read_to_string(path).expect("a readable fixture");
        let is_file = text.trim_start().starts_with("segment") || text.contains("\nsegment ");
        if is_file {
            assert_file_agrees(&text, &limits).unwrap();
        } else {
            assert_query_agrees(&text, &limits).unwrap();
        }
        parsed += 1;
    }
    // The plan fixtures hold their expression in the JSON.
    for path in &plans {
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let expr = json["expression"]
            .as_str()
            .unwrap_or_else(|| panic!("{} names no expression", path.display()));
        assert_query_agrees(expr, &limits).unwrap();
        parsed += 1;
    }
    assert!(parsed > 150, "only {parsed} fixtures found");
}

/// Keywords in the cases people write them.
fn keyword(word: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => Just(word.to_owned()),
        1 => Just(word.to_uppercase()),
        1 => Just(word[..1].to_uppercase() + &word[1..]),
    ]
}

/// Blanks between tokens: often none where the grammar allows it.
fn gap() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            " ",
            " ",
            " ",
            "",
            "",
            "\n",
            "\r\n",
            "\t",
            "  ",
            " # note\n",
            "#\n",
            "\u{a0}",
            " # é ( \"\n",
        ][..],
    )
}

/// Blanks of at least one character, where a word must end.
fn blank() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&[" ", " ", "\n", "\r\n", "\t", " # c\n", "#x\r\n"][..])
}

fn field() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "email",
            "city",
            "tag",
            "tags",
            "id",
            "lastSeen",
            "customers.email",
            "customers.location.city",
            "x_1",
            "_x",
            "in.x",
            "order",
            "notes",
            "andy",
            "all",
            "ALL.x",
            "sorted",
            "a.",
            "a..b",
            "émail",
            "inй",
            "in€",
            "not",
            "IN",
        ][..],
    )
}

/// Values, most valid, many at the edges of their rule.
fn value() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "Lead",
            "all",
            "gmail.com",
            "a-b",
            "user@x.io",
            "x:y/z",
            "+",
            "-",
            "Київ",
            "gmailé",
            "é",
            "e\u{301}",
            "\u{301}x",
            "x€",
            "«x»",
            "٣٤",
            "Ⅻ",
            "x\u{a0}y",
            "inй",
            "andé",
            "now-30дн",
            "now - 1ⅫW",
            "nowé",
            "now€",
            "42",
            "-7",
            "00123",
            "+10233456781",
            "42x",
            "4.2",
            "2024-01-01",
            "2024-1-01",
            "2024-01-01x",
            "2024-01-01T10:00:00Z",
            "2024-01-01t10:00",
            "2024-01-01T10:00:",
            "2024-01-01T10:00:00.",
            "2024-01-01T10:00:00.5+02:00",
            "2024-01-01T10:00:00+02",
            "2024-01-01T10:00:00-0200",
            "2024-01-01T10:00Zx",
            "now",
            "NOW",
            "now-30d",
            "now - 30d",
            "now -30D",
            "now+2h",
            "now - # c\n 1w",
            "now - 5x",
            "now - 5",
            "now - 30d5",
            "now - 30dé",
            "now-",
            "nowhere",
            "now.x",
            "now@x",
            "now:1",
            "\"gmail\"",
            "\"\"",
            "\"a b\"",
            "\"a\\\"b\"",
            "\"\\\\\"",
            "\"\\u{1F600}\"",
            "\"\\u{D800}\"",
            "\"\\q\"",
            "\"é \\é\"",
            "\"#not a comment\"",
            "in",
            "and",
            "orx",
            "@x",
            "[Lead, \"beta tester\"]",
            "[Lead,]",
            "[Lead , Paid , ]",
            "[]",
            "[[Lead]]",
        ][..],
    )
}

fn comparison() -> impl Strategy<Value = String> {
    let op = prop::sample::select(&["=", "!=", ">", "<", ">=", "<=", "~", "!~", "=="][..]);
    let in_op = prop_oneof![
        keyword("in").prop_map(|k| (None, k)),
        (keyword("not"), blank(), keyword("in")).prop_map(|(n, b, k)| (Some((n, b)), k)),
    ];
    prop_oneof![
        6 => (field(), gap(), op, gap(), value())
            .prop_map(|(f, a, op, b, v)| format!("{f}{a}{op}{b}{v}")),
        2 => (field(), blank(), in_op, gap(), prop::collection::vec((value(), gap(), gap()), 1..4), any::<bool>())
            .prop_map(|(f, a, (not, kw), b, items, trailing)| {
                let not = not.map(|(n, gap)| format!("{n}{gap}")).unwrap_or_default();
                let items: Vec<String> =
                    items.into_iter().map(|(v, x, y)| format!("{x}{v}{y}")).collect();
                let comma = if trailing { "," } else { "" };
                format!("{f}{a}{not}{kw}{b}({}{comma})", items.join(","))
            }),
        1 => prop::sample::select(&["@a", "@gmail_leads", "@ a", "@and", "@a.b"][..])
            .prop_map(str::to_owned),
        // `all`, every contact; next to what only looks like it.
        1 => prop_oneof![
            3 => keyword("all"),
            1 => prop::sample::select(&["all.", "allé", "all_x", "al", "all@x", "all in", "all not in (1)"][..])
                .prop_map(str::to_owned),
        ],
    ]
}

/// `and`, `or`, `not` and parentheses over comparisons, with any blanks.
fn expression() -> impl Strategy<Value = String> {
    comparison().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (prop::collection::vec((inner.clone(), gap(), keyword("and"), blank()), 2..4))
                .prop_map(|xs| join(xs)),
            (prop::collection::vec((inner.clone(), gap(), keyword("or"), blank()), 2..4))
                .prop_map(|xs| join(xs)),
            (keyword("not"), blank(), inner.clone()).prop_map(|(n, b, x)| format!("{n}{b}{x}")),
            (gap(), inner, gap()).prop_map(|(a, x, b)| format!("({a}{x}{b})")),
        ]
    })
}

/// Operands joined by their keyword, with the blanks each came with; a
/// blank after `)` may be empty, as the grammar allows.
fn join(operands: Vec<(String, &str, String, &str)>) -> String {
    let mut text = String::new();
    for (i, (operand, before, kw, after)) in operands.into_iter().enumerate() {
        if i > 0 {
            text.push_str(before);
            text.push_str(&kw);
            text.push_str(after);
        }
        text.push_str(&operand);
    }
    text
}

/// Clauses after the expression, valid and not.
fn clauses() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(
            &[
                " sort by lastSeen",
                " SORT BY customers.lastSeen DESC",
                " sort by id asc",
                " sort by id ascending",
                " sort\nby # c\n id",
                " limit 50",
                " limit 50x",
                " limit -1",
                " limit all",
                " LIMIT All",
                " limit\n# c\nall",
                " limit alls",
                " limit all5",
                " offset 100",
                " Offset\t0",
                " sort by",
            ][..],
        ),
        0..3,
    )
    .prop_map(|clauses| clauses.concat())
}

fn query() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["", "", "\u{FEFF}", " \u{FEFF}", "# head\n"][..]),
        expression(),
        clauses(),
        prop::sample::select(&["", "", "\n", " # tail", " )", " and"][..]),
    )
        .prop_map(|(head, expr, clauses, tail)| format!("{head}{expr}{clauses}{tail}"))
}

fn segment_file() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(&["segment ", "SEGMENT\t", "segment\n", "segmentx "][..]),
            prop::sample::select(&["a", "b", "gmail_leads", "and", "a.b"][..]),
            blank(),
            query(),
        ),
        0..4,
    )
    .prop_map(|segments| {
        segments
            .into_iter()
            .map(|(kw, name, gap, body)| format!("{kw}{name}{gap}{body}\n"))
            .collect()
    })
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn generated_expressions_parse_the_same_on_both_paths(text in query()) {
        assert_query_agrees(&text, &Limits::default())?;
    }

    #[test]
    fn generated_files_parse_the_same_on_both_paths(text in segment_file()) {
        assert_file_agrees(&text, &Limits::default())?;
    }

    #[test]
    fn lists_past_the_bound_are_left_to_pest(text in query()) {
        let limits = Limits { max_list_len: 2, ..Limits::default() };
        assert_query_agrees(&text, &limits)?;
    }

    #[test]
    fn any_text_parses_the_same_on_both_paths(text in "[ -~\\n\\té]{0,60}") {
        assert_query_agrees(&text, &Limits::default())?;
        assert_file_agrees(&text, &Limits::default())?;
    }
}
