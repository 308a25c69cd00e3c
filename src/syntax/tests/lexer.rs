//! The lexer (`crate::syntax::token`) cuts text where pest's grammar does:
//! on every input that pest parses, the lexer's tokens other than blanks
//! and comments have the boundaries of pest's terminal pairs.
//!
//! Two differences are by design and undone here on pest's side. pest
//! has no pair for the `(` of a group or list and the `@` of a reference,
//! which are literals inside a rule; the lexer has them as `(`, `[` and a
//! word starting with `@`. And the lexer is context-free, so a word is the
//! longest run of word characters, where pest may read one run as several
//! terminals (`now-30d` as `now` `-` `30` `d`, `and@x` between operands as
//! `and` `@x`): terminals that touch are one token unless an operator,
//! string or punctuation is among them. `not in`, one terminal holding
//! blanks, is two keywords to the lexer.
//!
//! Inputs: every fixture of the suite, and generated queries and segment
//! files that mix the lexical corners of the grammar.

use crate::syntax::pest_pairs;
use crate::syntax::token::{Kind, Lexer};
use proptest::prelude::*;
use std::path::Path;

/// The boundaries of the lexer's tokens in `text` that pest has pairs for.
fn lexer_tokens(text: &str) -> Vec<(usize, usize)> {
    Lexer::new(text)
        .filter(|t| !t.kind.is_trivia() && !matches!(t.kind, Kind::LParen | Kind::LBracket))
        .map(|t| (t.start, t.end))
        .collect()
}

/// Terminals that never run on into a neighbour as one token.
const SEPARATE: [&str; 5] = [
    "compare_op",
    "string",
    "comma",
    "close_paren",
    "close_bracket",
];

/// The boundaries of pest's terminals in `text`, undone as the module
/// documentation says; `None` where pest does not parse it.
fn pest_tokens(text: &str, file: bool) -> Option<Vec<(usize, usize)>> {
    let mut terminals: Vec<(usize, usize, bool)> = Vec::new();
    // The span of the last reference: its inner `name` is part of it.
    let mut reference = (0, 0);
    for (rule, start, end, leaf) in pest_pairs(text, file)? {
        let separate = SEPARATE.contains(&rule.as_str());
        if start >= reference.0 && end <= reference.1 {
            continue;
        }
        if rule == "reference" {
            reference = (start, end);
            terminals.push((start, end, false));
        } else if rule == "in_op" && text[start..end].len() > 2 {
            // `not`, blanks and comments, `in`.
            terminals.push((start, start + 3, false));
            terminals.push((end - 2, end, false));
        } else if leaf && start < end {
            terminals.push((start, end, separate));
        }
    }
    let mut tokens: Vec<(usize, usize, bool)> = Vec::new();
    for (start, end, separate) in terminals {
        match tokens.last_mut() {
            Some(last) if last.1 == start && !last.2 && !separate => last.1 = end,
            _ => tokens.push((start, end, separate)),
        }
    }
    Some(tokens.into_iter().map(|(s, e, _)| (s, e)).collect())
}

/// Where pest parses `text` (as a file if `file`), the lexer agrees; says
/// whether pest parsed it.
fn agrees(text: &str, file: bool) -> Result<bool, TestCaseError> {
    let Some(pest) = pest_tokens(text, file) else {
        return Ok(false);
    };
    let lexer = lexer_tokens(text);
    let show = |tokens: &[(usize, usize)]| -> Vec<String> {
        tokens.iter().map(|&(s, e)| text[s..e].to_owned()).collect()
    };
    prop_assert_eq!(show(&lexer), show(&pest), "input: {:?}", text);
    prop_assert_eq!(lexer, pest, "input: {:?}", text);
    Ok(true)
}

#[test]
fn every_fixture_that_parses_lexes_as_pest_reads_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut parsed = 0;
    let mut dirs = vec![
        root.join("tests/fixtures"),
        root.join("tests/segment_fixtures"),
    ];
    dirs.push(root.join("examples"));
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a fixture directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "hcq") {
                let text = std::fs::read_to_string(&path).expect("a readable fixture");
                for file in [false, true] {
                    if agrees(&text, file).unwrap() {
                        parsed += 1;
                    }
                }
            }
        }
    }
    assert!(parsed > 50, "only {parsed} fixtures parsed");
}

#[test]
fn the_corners_lex_as_pest_reads_them() {
    for text in [
        "a = now-30d",
        "a = now - # c\n 30d",
        "a = NOW -30D or b = now",
        "a = 1 and@x",
        "(a = 1)or(b = 2)",
        "not@x",
        "x not # c\r\n in (1, 2,)",
        "tag = [Lead,\"a\\\"b\"]",
        "lastSeen >= 2024-01-01T10:00:00.5+02:00",
        "in.x = -7 sort by a.b desc limit 5 offset 0",
        "\u{FEFF} x = e\u{301}",
    ] {
        assert!(agrees(text, false).unwrap(), "pest rejects {text:?}");
    }
    assert!(agrees("segment a @b segment b x = 1", true).unwrap());
}

/// Blanks where a token may touch its neighbour.
fn gap() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["", "", " ", "\n", "\r\n", "\t", " # note\n", "#\r\n"][..])
}

/// Blanks where a word must end.
fn blank() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&[" ", " ", "\n", "\r\n", "\t", " # c\n", "#x é \"\n"][..])
}

fn keyword(word: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(word.to_owned()),
        Just(word.to_uppercase()),
        Just(word[..1].to_uppercase() + &word[1..]),
    ]
}

fn field() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "email",
            "tag",
            "customers.email",
            "in.x",
            "order",
            "andy",
            "all",
            "notes",
            "x_1",
            "_x",
        ][..],
    )
}

fn scalar() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        &[
            "Lead",
            "gmail.com",
            "a-b",
            "user@x.io",
            "x:y/z",
            "+",
            "Київ",
            "e\u{301}",
            "٣٤",
            "Ⅻ",
            "andé",
            "nowhere",
            "now.x",
            "orx",
            "42",
            "-7",
            "+10233456781",
            "42x",
            "2024-01-01",
            "2024-01-01x",
            "2024-01-01T10:00:00Z",
            "2024-01-01t10:00",
            "2024-01-01T10:00:00.5+02:00",
            "now",
            "NOW",
            "now-30d",
            "now - 30d",
            "now -30D",
            "now+ 2h",
            "now - # c\n 1w",
            "now-30дн",
            "\"gmail\"",
            "\"\"",
            "\"a\\\"b\"",
            "\"\\\\\"",
            "\"\\u{1F600}\"",
            "\"#not a comment\"",
            "\"two\nlines\"",
        ][..],
    )
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => scalar().prop_map(str::to_owned),
        1 => (prop::collection::vec((gap(), scalar(), gap()), 1..4), any::<bool>()).prop_map(
            |(items, trailing)| {
                let items: Vec<String> = items.iter().map(|(a, v, b)| format!("{a}{v}{b}")).collect();
                format!("[{}{}]", items.join(","), if trailing { "," } else { "" })
            }
        ),
    ]
}

fn comparison() -> impl Strategy<Value = String> {
    let op = prop::sample::select(&["=", "!=", ">", "<", ">=", "<=", "~", "!~"][..]);
    let in_op = prop_oneof![
        keyword("in"),
        (keyword("not"), blank(), keyword("in")).prop_map(|(n, b, i)| format!("{n}{b}{i}")),
    ];
    prop_oneof![
        4 => (field(), gap(), op, gap(), value()).prop_map(|(f, a, o, b, v)| format!("{f}{a}{o}{b}{v}")),
        1 => (field(), blank(), in_op, gap(), prop::collection::vec(scalar(), 1..4))
            .prop_map(|(f, a, op, b, items)| format!("{f}{a}{op}{b}({})", items.join(", "))),
        1 => prop::sample::select(&["@a", "@gmail_leads"][..]).prop_map(str::to_owned),
        1 => keyword("all"),
    ]
}

fn expression() -> impl Strategy<Value = String> {
    comparison().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                blank(),
                keyword("and"),
                blank(),
                inner.clone()
            )
                .prop_map(|(a, x, k, y, b)| format!("{a}{x}{k}{y}{b}")),
            (
                inner.clone(),
                blank(),
                keyword("or"),
                blank(),
                inner.clone()
            )
                .prop_map(|(a, x, k, y, b)| format!("{a}{x}{k}{y}{b}")),
            (keyword("not"), blank(), inner.clone()).prop_map(|(n, b, x)| format!("{n}{b}{x}")),
            (gap(), inner, gap()).prop_map(|(a, x, b)| format!("({a}{x}{b})")),
        ]
    })
}

fn query() -> impl Strategy<Value = String> {
    let clause = prop::sample::select(
        &[
            " sort by lastSeen",
            " SORT BY customers.lastSeen DESC",
            " sort\nby # c\n id asc",
            " limit 50",
            " LIMIT all",
            " Offset\t0",
        ][..],
    );
    (
        prop::sample::select(&["", "\u{FEFF}", " \u{FEFF}", "# head\n"][..]),
        expression(),
        prop::collection::vec(clause, 0..3),
        prop::sample::select(&["", "\n", " # tail"][..]),
    )
        .prop_map(|(head, expr, clauses, tail)| format!("{head}{expr}{}{tail}", clauses.concat()))
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn generated_queries_lex_as_pest_reads_them(text in query()) {
        prop_assume!(agrees(&text, false)?);
    }

    #[test]
    fn generated_files_lex_as_pest_reads_them(
        segments in prop::collection::vec((keyword("segment"), blank(), query()), 1..4)
    ) {
        let text: String = segments
            .into_iter()
            .map(|(kw, gap, body)| format!("{kw} name{gap}{}\n", body.replace('\u{FEFF}', "")))
            .collect();
        prop_assume!(agrees(&text, true)?);
    }
}
