//! `hcq fmt`: the canonical layout, by example and by property.
//!
//! Properties, over randomly written (messy) text: formatting parses back
//! to the same tree, and formatting twice changes nothing.

use hcq::Limits;
use hcq::format::{self, format_source};
use hcq::syntax;
use miette::Diagnostic as _;
use proptest::prelude::*;

fn fmt(text: &str) -> String {
    format_source("test.hcq", text, &Limits::default())
        .unwrap_or_else(|e| panic!("{e:?}\nwhile formatting:\n{text}"))
}

#[track_caller]
fn assert_formats(input: &str, expected: &str) {
    let formatted = fmt(input);
    assert_eq!(
        formatted,
        expected,
        "\n{}",
        format::diff("test.hcq", expected, &formatted)
    );
    assert_eq!(fmt(&formatted), formatted, "formatting is not idempotent");
}

#[test]
fn keywords_spacing_and_clauses() {
    assert_formats(
        "SEGMENT a\n  email~\"gmail\"AND(tag=Lead OR tag = Paid)   SORT BY lastSeen DESC LIMIT 5 Offset 10\n",
        "segment a\n  email ~ \"gmail\" and (tag = Lead or tag = Paid)\n  sort by lastSeen desc\n  limit 5\n  offset 10\n",
    );
}

#[test]
fn limit_all_is_written_in_lower_case() {
    assert_formats(
        "segment a tag = ALL LIMIT All offset 3",
        "segment a\n  tag = ALL\n  limit all\n  offset 3\n",
    );
    assert_eq!(fmt("tag = all limit ALL"), "tag = all\nlimit all\n");
}

#[test]
fn all_is_written_in_lower_case_and_parses_back() {
    assert_formats("ALL", "all\n");
    assert_formats("not   ( All )", "not all\n");
    assert_formats("(all)", "all\n");
    assert_formats(
        "(ALL and tag = all) or not all",
        "all and tag = all or not all\n",
    );
    assert_formats(
        "segment everyone ALL sort by lastSeen DESC limit ALL",
        "segment everyone\n  all\n  sort by lastSeen desc\n  limit all\n",
    );
    for text in [
        "all",
        "not all",
        "(all)",
        "all and x = 1",
        "x = 1 or not (all and y = 2)",
    ] {
        let tree = hcq::syntax::parse_query(text, &Limits::default()).unwrap();
        let formatted = fmt(text);
        assert_eq!(
            hcq::syntax::parse_query(&formatted, &Limits::default()).unwrap(),
            tree,
            "{text:?} formatted as {formatted:?}"
        );
    }
}

#[test]
fn values_are_written_back_as_they_parse() {
    assert_formats(
        "segment v\n  a=00123 and b = -7 and c = +3 and d=2024-01-01 and e=2024-01-01T10:00:00+02:00\n  \
         and f>=NOW-30d and g<now and h = [ \"beta tester\" , Lead, ] and i not IN (x,\"y\\\"z\\\\\")\n  \
         and j = \"line\nbreak\\ttab # not a comment\" and k = user@example.com\n",
        "segment v\n  a = 00123 and b = -7 and c = +3 and d = 2024-01-01 and e = 2024-01-01T10:00:00+02:00 \
         and f >= NOW - 30d and g < now and h = [\"beta tester\", Lead] and i not in (x, \"y\\\"z\\\\\") \
         and j = \"line\\nbreak\\ttab # not a comment\" and k = user@example.com\n",
    );
}

#[test]
fn parentheses_only_where_precedence_needs_them() {
    assert_formats(
        "segment p\n  ((a = 1) and (b = 2)) or (not (c = 3)) and not (d = 4 or e = 5) and not not f = 6\n",
        "segment p\n  a = 1 and b = 2 or not c = 3 and not (d = 4 or e = 5) and not (not f = 6)\n",
    );
    assert_formats(
        "segment q\n  (a = 1 or b = 2) and (c = 3 or (d = 4 or e = 5))\n",
        "segment q\n  (a = 1 or b = 2) and (c = 3 or d = 4 or e = 5)\n",
    );
}

#[test]
fn long_expressions_break_before_or() {
    assert_formats(
        "segment big\n  email ~ gmail and tag = Lead or city = Kyiv and lastSeen >= now - 30d or countryCode in (UA, PL, DE)\n  limit 5\n",
        "segment big\n  email ~ gmail and tag = Lead\n    or city = Kyiv and lastSeen >= now - 30d\n    or countryCode in (UA, PL, DE)\n  limit 5\n",
    );
    // A long `and` has no top-level `or` to break at: it stays on one line.
    let long_and = format!("segment a\n  {}\n", ["city = Kyiv"; 8].join(" and "));
    assert_formats(&long_and, &long_and);
}

#[test]
fn comments_stay_where_they_were() {
    assert_formats(
        "# header\n\n\n# about a\nsegment a   # on the header\n  # before the body\n  x = 1 or # after or\n  # own line\n  y = 2 and\n  z = 3   # end\n  limit 10 # on a clause\n# about b\nsegment b\n  x = 1\n\n\n# the end\n",
        "# header\n\n# about a\nsegment a  # on the header\n  # before the body\n  x = 1  # after or\n    # own line\n    or y = 2 and z = 3  # end\n  limit 10  # on a clause\n\n# about b\nsegment b\n  x = 1\n\n# the end\n",
    );
    // Between two operands of an `and`, a comment breaks the `and`.
    assert_formats(
        "segment a\n  x = 1 and # why\n  # more\n  y = 2\n",
        "segment a\n  x = 1  # why\n    # more\n    and y = 2\n",
    );
}

/// The example of issue 9: two comments were joined on one line, and a
/// comment at the end of a body left its segment.
#[test]
fn each_comment_stays_beside_its_code() {
    assert_formats(
        "segment a # after header\n  # before body\n  email ~ gmail # trailing\n    and id > 5 # second line\n  # end of body\n\n\
         # between\nsegment b\n  (id > 1 # inner\n   or id < 0)\n  sort by lastSeen desc # on clause\n",
        "segment a  # after header\n  # before body\n  email ~ gmail  # trailing\n    and id > 5  # second line\n  # end of body\n\n\
         # between\nsegment b\n  id > 1  # inner\n    or id < 0\n  sort by lastSeen desc  # on clause\n",
    );
}

#[test]
fn a_comment_between_and_operands_breaks_that_chain() {
    // A top-level `and`: continued two spaces deeper.
    assert_formats(
        "segment a\n  x = 1 and y = 2 # why y\n  and z = 3 and w = 4\n",
        "segment a\n  x = 1\n    and y = 2  # why y\n    and z = 3\n    and w = 4\n",
    );
    // An `and` inside an `or`: the `or` breaks too, and the `and`
    // continues two spaces deeper than the `or`s; an `and` without a
    // comment between its operands stays on one line.
    assert_formats(
        "segment a\n  email ~ gmail # from the form\n  and tag = Lead or city = Kyiv and id > 5\n  # recent\n  or lastSeen >= now - 30d and tag = Paid # paid\n",
        "segment a\n  email ~ gmail  # from the form\n      and tag = Lead\n    or city = Kyiv and id > 5\n    # recent\n    or lastSeen >= now - 30d and tag = Paid  # paid\n",
    );
    assert_formats(
        "segment a\n  id = 1 or id = 2 and # two\n  id = 3\n",
        "segment a\n  id = 1\n    or id = 2  # two\n      and id = 3\n",
    );
    // Before the first operand or after the last, a comment breaks nothing.
    assert_formats(
        "segment a\n  # first\n  x = 1 and y = 2 # last\n",
        "segment a\n  # first\n  x = 1 and y = 2  # last\n",
    );
}

#[test]
fn a_comment_inside_parentheses_goes_before_their_line() {
    assert_formats(
        "segment a\n  x = 1 and (y = 2 # in\n  or z = 3) and w = 4\n",
        "segment a\n  x = 1\n    # in\n    and (y = 2 or z = 3)\n    and w = 4\n",
    );
    // In the first operand, it goes before the whole line, which then
    // has no reason to break.
    assert_formats(
        "segment a\n  (y = 2 or # in\n  z = 3) and w = 4\n",
        "segment a\n  # in\n  (y = 2 or z = 3) and w = 4\n",
    );
    // Parentheses the layout drops are no obstacle.
    assert_formats(
        "segment a\n  (x = 1 # one\n  ) and ( # two\n  y = 2)\n",
        "segment a\n  x = 1  # one\n    # two\n    and y = 2\n",
    );
    assert_formats(
        "segment a\n  ( # first\n  x = 1 or y = 2) and z = 3\n",
        "segment a\n  # first\n  (x = 1 or y = 2) and z = 3\n",
    );
}

#[test]
fn a_comment_inside_a_list_goes_before_its_line() {
    assert_formats(
        "segment a\n  countryCode in (UA, # Ukraine\n    PL, # Poland\n    DE) and tag = [Lead, # new\n    Paid]\n",
        "segment a\n  # Ukraine\n  # Poland\n  countryCode in (UA, PL, DE)\n    # new\n    and tag = [Lead, Paid]\n",
    );
    assert_formats(
        "segment a\n  city = Kyiv or city not in ( # not these\n  Lviv, Odesa)\n",
        "segment a\n  city = Kyiv\n    # not these\n    or city not in (Lviv, Odesa)\n",
    );
}

#[test]
fn a_comment_after_not_goes_before_its_line() {
    assert_formats(
        "segment a\n  not # never Kyiv\n  city = Kyiv and id > 5\n",
        "segment a\n  # never Kyiv\n  not city = Kyiv and id > 5\n",
    );
    assert_formats(
        "segment a\n  id > 5 and not # neither\n  (city = Kyiv or city = Lviv) # cities\n",
        "segment a\n  id > 5\n    # neither\n    and not (city = Kyiv or city = Lviv)  # cities\n",
    );
}

#[test]
fn comments_between_and_inside_clauses() {
    assert_formats(
        "segment a\n  x = 1 # e\n  sort # s\n  by lastSeen # c\n  # between clauses\n  limit 5 # l\n  offset # o\n  10\n",
        "segment a\n  x = 1  # e\n  # s\n  sort by lastSeen  # c\n  # between clauses\n  limit 5  # l\n  # o\n  offset 10\n",
    );
    // Clauses written on the expression's line.
    assert_formats(
        "segment a x = 1 # e\n  and y = 2 limit # l\n 5 # five\n",
        "segment a\n  x = 1  # e\n    and y = 2\n  # l\n  limit 5  # five\n",
    );
}

#[test]
fn comments_at_the_end_of_a_body_stay_in_it() {
    assert_formats(
        "segment a\n  x = 1\n  # end of a\n\n    # more of a\n# about b\n  # still about b\nsegment b\n  y = 1 # y\n  # end of b\n\n# end of file\n",
        "segment a\n  x = 1\n  # end of a\n  # more of a\n\n# about b\n# still about b\nsegment b\n  y = 1  # y\n  # end of b\n\n# end of file\n",
    );
    // After clauses, and after a broken expression.
    assert_formats(
        "segment a\n  x = 1 or y = 2 # two\n  or z = 3\n  limit 5\n  # end of a\nsegment b\n  x = 1 # one\n  or y = 2\n # end of b",
        "segment a\n  x = 1\n    or y = 2  # two\n    or z = 3\n  limit 5\n  # end of a\n\nsegment b\n  x = 1  # one\n    or y = 2\n  # end of b\n",
    );
}

#[test]
fn two_comments_never_share_a_line() {
    // The second, written after `or`, goes on its own line before the
    // operand that follows.
    assert_formats(
        "segment a\n  x = 1 # one\n  or # two\n  y = 2\n",
        "segment a\n  x = 1  # one\n    # two\n    or y = 2\n",
    );
    // Written after `)`: after the line, on its own.
    assert_formats(
        "segment a\n  (x = 1 # one\n  ) # two\n  and y = 2\n",
        "segment a\n  x = 1  # one\n    # two\n    and y = 2\n",
    );
    assert_formats(
        "segment a\n  (x = 1 # one\n  ) # two\nsegment b\n  y = 2\n",
        "segment a\n  x = 1  # one\n  # two\n\nsegment b\n  y = 2\n",
    );
    // Comments keep their order.
    assert_formats(
        "segment a\n  (x = 1\n  # one\n  ) # two\n  and y = 2\n",
        "segment a\n  x = 1\n    # one\n    # two\n    and y = 2\n",
    );
    assert_formats(
        "segment a\n  (x = 1\n# one\n  ) # two\nsegment b\n  y = 2\n",
        "segment a\n  x = 1\n\n# one\n# two\nsegment b\n  y = 2\n",
    );
}

#[test]
fn comments_in_a_single_expression() {
    assert_formats(
        "id > 1 # a\n# b\nor city = Kyiv # c\n",
        "id > 1  # a\n  # b\n  or city = Kyiv  # c\n",
    );
    assert_formats(
        "id > 1 # a\nand (city = Kyiv # b\nor city = Lviv) sort by lastSeen # c\n  # d\nlimit 5\n  # e\n\n# f\n",
        "id > 1  # a\n  # b\n  and (city = Kyiv or city = Lviv)\nsort by lastSeen  # c\n# d\nlimit 5\n# e\n\n# f\n",
    );
    assert_formats("not # a\nid = 1 # b\n", "# a\nnot id = 1  # b\n");
}

#[test]
fn segments_are_one_blank_line_apart() {
    assert_formats(
        "segment a x = 1 segment b\n\n\n\n   y = 2\nsegment c z = 3",
        "segment a\n  x = 1\n\nsegment b\n  y = 2\n\nsegment c\n  z = 3\n",
    );
    assert_formats("", "");
    assert_formats("# only a comment", "# only a comment\n");
    // A byte-order mark is dropped, CRLF line ends become LF.
    assert_formats("\u{feff}segment a x = 1\n", "segment a\n  x = 1\n");
    assert_formats(
        "# c\r\nsegment a\r\n  x = 1 # d\r\n\r\nsegment b\r\n  y = 2\r\n",
        "# c\nsegment a\n  x = 1  # d\n\nsegment b\n  y = 2\n",
    );
}

#[test]
fn a_single_expression_is_formatted_from_column_zero() {
    assert_formats(
        "# a query\nemail~gmail SORT BY lastSeen limit 5",
        "# a query\nemail ~ gmail\nsort by lastSeen\nlimit 5\n",
    );
    assert_formats(
        "email ~ gmail and tag = Lead or city = Kyiv and lastSeen >= now - 30d or countryCode in (UA, PL, DE)",
        "email ~ gmail and tag = Lead\n  or city = Kyiv and lastSeen >= now - 30d\n  or countryCode in (UA, PL, DE)\n",
    );
}

#[test]
fn text_that_does_not_parse_is_not_formatted() {
    let error = format_source(
        "bad.hcq",
        "segment a\n  x ~\nsegment b\n  y = 1\nsegment c\n  (z = 1\n",
        &Limits::default(),
    )
    .expect_err("two broken segments");
    assert_eq!(error.problems().len(), 2);
    let error = format_source("bad.hcq", "x = ", &Limits::default()).expect_err("a broken query");
    assert_eq!(error.problems().len(), 1);
}

#[test]
fn the_example_file_is_formatted() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/segments.hcq");
    let text = std::fs::read_to_string(path).expect("reading the example");
    let formatted = fmt(&text);
    assert!(
        formatted == text,
        "{}",
        format::diff(path, &text, &formatted)
    );
}

#[test]
fn the_tree_printers_agree_with_the_formatter() {
    let text = "segment a\n  x = 1 and (y = 2 or z = 3)\n  limit 5\n\nsegment b\n  @a\n";
    let file = syntax::parse_file(text, &Limits::default()).expect("parses");
    assert_eq!(format::file_to_string(&file), text);
    let query = &file.segments[0].query;
    assert_eq!(
        format::query_to_string(query),
        "x = 1 and (y = 2 or z = 3)\nlimit 5\n"
    );
    assert_eq!(
        format::expr_to_string(&query.expr),
        "x = 1 and (y = 2 or z = 3)"
    );
}

// ------------------------------------------------------------ properties

/// Text, and how tightly it binds: operands of `and` that are `or`s need
/// parentheses, operands of `not` that are `and`s or `or`s too.
#[derive(Clone, Debug)]
enum Shape {
    Atom,
    Not,
    And,
    Or,
}

/// A comment's text after `#`.
fn comment_text() -> impl Strategy<Value = String> {
    "[a-z \"#]{0,8}"
}

/// Blanks: at least one character, sometimes a line break or a comment
/// (after code, or on a line of its own, indented or at column 0).
///
/// Boxed, as are the other small strategies here: their value trees,
/// nested inline, made frames too large for a test thread's stack.
fn blank() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(" ".to_owned()),
        1 => Just("   ".to_owned()),
        1 => Just("\n  ".to_owned()),
        1 => Just("\n\n".to_owned()),
        1 => Just("\t".to_owned()),
        1 => comment_text().prop_map(|c| format!(" # {c}\n  ")),
        1 => comment_text().prop_map(|c| format!("\n  # {c}\n  ")),
        1 => comment_text().prop_map(|c| format!("\n# {c}\n")),
    ]
    .boxed()
}

/// What may follow a segment's body or a query: blank lines and
/// comments on their own lines, indented or not.
fn after_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\n".to_owned()),
            comment_text().prop_map(|c| format!("  # {c}\n")),
            comment_text().prop_map(|c| format!("# {c}\n")),
        ],
        0..3,
    )
    .prop_map(|lines| lines.concat())
}

/// Blanks that may be empty (around operators and punctuation).
fn maybe_blank() -> BoxedStrategy<String> {
    prop_oneof![2 => Just(String::new()), 1 => blank()].boxed()
}

fn keyword(word: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(word.to_owned()),
        Just(word.to_uppercase()),
        Just(word[..1].to_uppercase() + &word[1..]),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "email",
        "city",
        "tag",
        "id",
        "lastSeen",
        "customers.email",
        "x_1",
    ])
    .prop_map(str::to_owned)
}

fn string_literal() -> impl Strategy<Value = String> {
    // Characters that need care: quotes, backslashes, `#`, line breaks, tabs.
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9 #,()@]".prop_map(|c| c),
            1 => Just("\\\"".to_owned()),
            1 => Just("\\\\".to_owned()),
            1 => Just("\\n".to_owned()),
            1 => Just("\n".to_owned()),
            1 => Just("\\t".to_owned()),
            1 => Just("\\u{e9}".to_owned()),
            1 => Just("é".to_owned()),
        ],
        0..6,
    )
    .prop_map(|parts| format!("\"{}\"", parts.concat()))
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "Lead",
            "gmail.com",
            "a-b",
            "user@x.io",
            "Київ",
            "x:y/z"
        ])
        .prop_map(str::to_owned),
        prop::sample::select(vec!["42", "-7", "00123", "+10233456781"]).prop_map(str::to_owned),
        prop::sample::select(vec![
            "2024-01-01",
            "2024-01-01T10:00:00Z",
            "2024-02-30T10:00:00.5+02:00"
        ])
        .prop_map(str::to_owned),
        (
            keyword("now"),
            prop::option::of((
                prop_oneof![Just("-"), Just("+")],
                maybe_blank(),
                "[0-9]{1,3}",
                prop_oneof![Just("d"), Just("h"), Just("W")]
            ))
        )
            .prop_map(|(now, offset)| match offset {
                None => now,
                Some((sign, gap, amount, unit)) => format!("{now} {sign}{gap}{amount}{unit}"),
            }),
        string_literal(),
    ]
}

fn list(open: &'static str, close: &'static str) -> impl Strategy<Value = String> {
    (
        maybe_blank(),
        prop::collection::vec((scalar(), maybe_blank()), 1..4),
        any::<bool>(),
    )
        .prop_map(move |(lead, items, trailing_comma)| {
            let items: Vec<String> = items
                .into_iter()
                .map(|(v, gap)| format!("{v}{gap}"))
                .collect();
            let comma = if trailing_comma { "," } else { "" };
            format!("{open}{lead}{}{comma}{close}", items.join(", "))
        })
}

fn comparison() -> impl Strategy<Value = String> {
    let op = prop::sample::select(vec!["=", "!=", ">", "<", ">=", "<=", "~", "!~"]);
    prop_oneof![
        4 => (field(), maybe_blank(), op, maybe_blank(), scalar())
            .prop_map(|(f, a, op, b, v)| format!("{f}{a}{op}{b}{v}")),
        1 => (field(), maybe_blank(), list("[", "]")).prop_map(|(f, a, l)| format!("{f}{a}={l}")),
        1 => (field(), blank(), prop::option::of(keyword("not")), keyword("in"), maybe_blank(), list("(", ")"))
            .prop_map(|(f, a, not, kw, b, l)| match not {
                Some(not) => format!("{f}{a}{not} {kw}{b}{l}"),
                None => format!("{f}{a}{kw}{b}{l}"),
            }),
        1 => prop::sample::select(vec!["a", "b", "gmail_leads"]).prop_map(|n| format!("@{n}")),
        1 => keyword("all"),
    ]
}

fn parens(text: &str) -> String {
    format!("({text})")
}

/// Parentheses, with blanks (and so comments) inside them.
fn padded_parens(text: &str, (before, after): &(String, String)) -> String {
    format!("({before}{text}{after})")
}

fn padding() -> BoxedStrategy<(String, String)> {
    (maybe_blank(), maybe_blank()).boxed()
}

fn expression() -> impl Strategy<Value = (String, Shape)> {
    let leaf = comparison().prop_map(|text| (text, Shape::Atom));
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (keyword("not"), blank(), inner.clone(), padding()).prop_map(
                |(not, gap, (text, shape), padding)| {
                    let text = match shape {
                        Shape::And | Shape::Or => padded_parens(&text, &padding),
                        Shape::Atom | Shape::Not => text,
                    };
                    (format!("{not}{gap}{text}"), Shape::Not)
                }
            ),
            (prop::collection::vec(
                (inner.clone(), blank(), keyword("and"), blank(), padding()),
                2..4
            ))
            .prop_map(|operands| {
                let mut text = String::new();
                for (i, ((operand, shape), a, kw, b, padding)) in operands.iter().enumerate() {
                    if i > 0 {
                        text.push_str(&format!("{a}{kw}{b}"));
                    }
                    match shape {
                        Shape::Or => text.push_str(&padded_parens(operand, padding)),
                        _ => text.push_str(operand),
                    }
                }
                (text, Shape::And)
            }),
            (prop::collection::vec((inner.clone(), blank(), keyword("or"), blank()), 2..4))
                .prop_map(|operands| {
                    let mut text = String::new();
                    for (i, ((operand, _), a, kw, b)) in operands.iter().enumerate() {
                        if i > 0 {
                            text.push_str(&format!("{a}{kw}{b}"));
                        }
                        text.push_str(operand);
                    }
                    (text, Shape::Or)
                }),
            // Parentheses the user did not need.
            (inner, padding())
                .prop_map(|((text, _), padding)| (padded_parens(&text, &padding), Shape::Atom)),
        ]
    })
}

fn clause() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            keyword("sort"),
            blank(),
            keyword("by"),
            blank(),
            field(),
            prop::option::of((blank(), prop_oneof![keyword("asc"), keyword("desc")]))
        )
            .prop_map(|(s, a, by, b, f, order)| match order {
                Some((gap, o)) => format!("{s}{a}{by}{b}{f}{gap}{o}"),
                None => format!("{s}{a}{by}{b}{f}"),
            }),
        (keyword("limit"), blank(), "[0-9]{1,4}").prop_map(|(k, gap, n)| format!("{k}{gap}{n}")),
        (keyword("limit"), blank(), keyword("all")).prop_map(|(k, gap, n)| format!("{k}{gap}{n}")),
        (keyword("offset"), blank(), "[0-9]{1,4}").prop_map(|(k, gap, n)| format!("{k}{gap}{n}")),
    ]
}

fn query() -> impl Strategy<Value = String> {
    (
        expression(),
        prop::collection::vec((blank(), clause()), 0..3),
    )
        .prop_map(|((expr, _), clauses)| {
            let mut text = expr;
            for (gap, clause) in clauses {
                text.push_str(&gap);
                text.push_str(&clause);
            }
            text
        })
}

/// A query, then perhaps a comment on its last line and comments after it.
fn query_file() -> impl Strategy<Value = String> {
    (query(), prop::option::of(comment_text()), after_body()).prop_map(|(query, last, after)| {
        match last {
            Some(c) => format!("{query} # {c}\n{after}"),
            None => format!("{query}\n{after}"),
        }
    })
}

fn segment_file() -> impl Strategy<Value = String> {
    let segment = (
        maybe_blank(),
        keyword("segment"),
        blank(),
        "[a-z_][a-z0-9_]{0,6}",
        blank(),
        query_file(),
    );
    prop::collection::vec(segment, 0..4).prop_map(|segments| {
        let mut text = String::new();
        for (lead, kw, a, name, b, query) in segments {
            // `segment` and segment names are keywords or may clash with
            // one: keep generated names clear of them.
            let name = format!("s_{name}");
            text.push_str(&format!("{lead}{kw}{a}{name}{b}{query}"));
        }
        text
    })
}

/// Each comment of `text`, and whether it is on a line of its own.
fn comments_of(text: &str) -> Vec<(&str, bool)> {
    format::comments(text)
        .into_iter()
        .map(|c| {
            let line = text[..c.start].rfind('\n').map_or(0, |i| i + 1);
            (c.slice(text), text[line..c.start].trim().is_empty())
        })
        .collect()
}

/// Comments come out whole, in order, none joined to another, and each
/// comment on a line of its own still is.
fn assert_comments_kept(text: &str, formatted: &str) -> Result<(), TestCaseError> {
    let (before, after) = (comments_of(text), comments_of(formatted));
    let texts =
        |comments: &[(&str, bool)]| comments.iter().map(|c| c.0.to_owned()).collect::<Vec<_>>();
    prop_assert_eq!(texts(&before), texts(&after), "formatted:\n{}", formatted);
    for ((comment, own_line), (_, still)) in before.iter().zip(&after) {
        prop_assert!(
            !own_line || *still,
            "{:?} joined a line:\n{}",
            comment,
            formatted
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn formatting_a_file_keeps_its_tree(text in segment_file()) {
        let limits = Limits::default();
        let before = syntax::parse_file(&text, &limits);
        prop_assume!(before.is_ok());
        let formatted = fmt(&text);
        let after = syntax::parse_file(&formatted, &limits)
            .unwrap_or_else(|e| panic!("{e:?}\nformatted:\n{formatted}"));
        prop_assert_eq!(before.expect("checked above"), after, "formatted:\n{}", formatted);
    }

    #[test]
    fn formatting_keeps_each_comment_whole_in_order_and_in_its_segment(text in segment_file()) {
        let limits = Limits::default();
        let Ok(before) = syntax::parse_file(&text, &limits) else {
            return Err(TestCaseError::reject("does not parse"));
        };
        let formatted = fmt(&text);
        assert_comments_kept(&text, &formatted)?;
        // As many comments before each segment's header as before (a
        // comment inside a header goes before it).
        let after = syntax::parse_file(&formatted, &limits).expect("formatted text parses");
        let count = |text: &str, end: usize| format::comments(text).iter().filter(|c| c.start < end).count();
        for (old, new) in before.segments.iter().zip(&after.segments) {
            prop_assert_eq!(
                count(&text, old.name.span.end),
                count(&formatted, new.name.span.end),
                "segment {} gained or lost comments:\n{}", old.name.name, formatted
            );
        }
    }

    #[test]
    fn formatting_a_file_twice_changes_nothing(text in segment_file()) {
        prop_assume!(syntax::parse_file(&text, &Limits::default()).is_ok());
        let once = fmt(&text);
        let twice = fmt(&once);
        prop_assert!(once == twice, "{}", format::diff("once", &once, &twice));
    }

    #[test]
    fn formatting_a_query_keeps_its_tree_and_comments_and_is_idempotent(text in query_file()) {
        let limits = Limits::default();
        let before = syntax::parse_query(&text, &limits);
        prop_assume!(before.is_ok());
        let once = fmt(&text);
        let after = syntax::parse_query(&once, &limits)
            .unwrap_or_else(|e| panic!("{e:?}\nformatted:\n{once}"));
        prop_assert_eq!(before.expect("checked above"), after, "formatted:\n{}", once);
        assert_comments_kept(&text, &once)?;
        let twice = fmt(&once);
        prop_assert!(once == twice, "{}", format::diff("once", &once, &twice));
    }
}

// ------------------------------------------------- splicing keeps meaning

/// A comparison the checker accepts (apart from a negated tag test,
/// which `not` around it may make).
fn typed_comparison() -> impl Strategy<Value = String> {
    let text_field = prop::sample::select(vec!["email", "city", "name", "company"]);
    let text_op = prop::sample::select(vec!["=", "!=", "~", "!~"]);
    let text_value = prop::sample::select(vec!["gmail", "Kyiv", "Acme", "\"a b\""]);
    let number_op = prop::sample::select(vec!["=", "!=", ">", "<", ">=", "<="]);
    prop_oneof![
        3 => (text_field.clone(), text_op, text_value.clone()).prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        2 => (number_op.clone(), 0..50u32).prop_map(|(o, n)| format!("id {o} {n}")),
        1 => (number_op, prop::sample::select(vec!["2024-01-01", "now - 30d", "now"]))
            .prop_map(|(o, v)| format!("lastSeen {o} {v}")),
        1 => (text_field, prop::bool::ANY, text_value)
            .prop_map(|(f, not, v)| format!("{f} {}in ({v}, Lviv)", if not { "not " } else { "" })),
        1 => prop::sample::select(vec!["Lead", "Paid"]).prop_map(|t| format!("tag = {t}")),
        1 => Just("all".to_owned()),
    ]
}

/// Expressions over `leaf`, written with only the parentheses precedence
/// needs, and their shape.
fn expressions(leaf: BoxedStrategy<String>) -> impl Strategy<Value = (String, Shape)> {
    leaf.prop_map(|text| (text, Shape::Atom))
        .prop_recursive(3, 8, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|(text, shape)| match shape {
                    Shape::And | Shape::Or => (format!("not ({text})"), Shape::Not),
                    Shape::Atom | Shape::Not => (format!("not {text}"), Shape::Not),
                }),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|operands| {
                    let texts: Vec<String> = operands
                        .into_iter()
                        .map(|(text, shape)| match shape {
                            Shape::Or => parens(&text),
                            _ => text,
                        })
                        .collect();
                    (texts.join(" and "), Shape::And)
                }),
                prop::collection::vec(inner, 2..4).prop_map(|operands| {
                    let texts: Vec<String> = operands.into_iter().map(|(text, _)| text).collect();
                    (texts.join(" or "), Shape::Or)
                }),
            ]
        })
}

/// The plan of segment `user` in `text`, or the codes of its problems.
fn user_plan(text: &str) -> Result<hcq::plan::Plan, std::collections::BTreeSet<String>> {
    let cx = hcq::Options::at(jiff::Timestamp::from_second(1_750_000_000).expect("valid"));
    let codes = |error: hcq::Error| -> std::collections::BTreeSet<String> {
        error
            .problems()
            .iter()
            .filter(|p| p.severity() != Some(miette::Severity::Warning))
            .filter_map(|p| p.code().map(|c| c.to_string()))
            .collect()
    };
    let file = hcq::segment::SegmentFile::parse("splice.hcq", text, &cx).map_err(codes)?;
    let lowered = file
        .compile_segment("user", &Default::default())
        .expect("the file defines `user`")
        .map_err(codes)?;
    Ok(lowered.plan)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// `@other` means `(other)`: the user compiles to the same plan (or
    /// fails with the same errors) whether it refers to a valid `other` or
    /// has it written out in parentheses.
    #[test]
    fn a_reference_compiles_like_its_segment_in_parentheses(
        (other, _) in expressions(typed_comparison().boxed()),
        (user, shape) in expressions(prop_oneof![3 => typed_comparison(), 1 => Just("@other".to_owned())].boxed()),
        joined_by_and in prop::bool::ANY,
        clauses in prop::sample::select(vec!["", "\n  limit 20", "\n  sort by lastSeen asc\n  offset 10"]),
    ) {
        let user = match (user.contains("@other"), joined_by_and, shape) {
            (true, _, _) => user,
            (false, true, Shape::Or) => format!("({user}) and @other"),
            (false, true, _) => format!("{user} and @other"),
            (false, false, _) => format!("@other or {user}"),
        };
        // `other` must be a valid segment itself: `not tag = Lead` is not,
        // though `not @other` written out would be.
        let cx = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH);
        prop_assume!(hcq::segment::SegmentFile::parse("other.hcq", &format!("segment other {other}"), &cx).is_ok());
        let referring = format!("segment other\n  {other}\n\nsegment user\n  {user}{clauses}\n");
        let written_out = format!("segment user\n  {}{clauses}\n", user.replace("@other", &parens(&other)));
        let (a, b) = (user_plan(&referring), user_plan(&written_out));
        prop_assert_eq!(a, b, "\n{}\n---\n{}", referring, written_out);
    }
}
