//! The parser: text to `ast`, and every way it can refuse.
//!
//! Trees are compared with trees built by hand (spans never tell trees
//! apart, see `ast::Span`); spans are checked explicitly where they matter.

use hcq::Limits;
use hcq::ast::*;
use hcq::syntax::*;
use miette::Diagnostic;

// ------------------------------------------------------------------ helpers

fn sp() -> Span {
    Span::default()
}

fn id(name: &str) -> Ident {
    Ident {
        name: name.into(),
        span: sp(),
    }
}

fn v(kind: ValueKind) -> Value {
    Value { kind, span: sp() }
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn word(text: &str) -> ValueKind {
    ValueKind::Word(text.into())
}

fn int(text: &str) -> ValueKind {
    ValueKind::Integer(text.into())
}

fn string(text: &str) -> ValueKind {
    ValueKind::Str(text.into())
}

fn cmp(field: &str, op: CompareOp, value: ValueKind) -> Expr {
    e(ExprKind::Compare {
        field: id(field),
        op,
        op_span: sp(),
        value: v(value),
    })
}

/// `field = value`, the most common leaf.
fn eq(field: &str, value: ValueKind) -> Expr {
    cmp(field, CompareOp::Eq, value)
}

fn and(operands: Vec<Expr>) -> Expr {
    e(ExprKind::And(operands))
}

fn or(operands: Vec<Expr>) -> Expr {
    e(ExprKind::Or(operands))
}

fn not(operand: Expr) -> Expr {
    e(ExprKind::Not(Box::new(operand)))
}

fn in_list(field: &str, negated: bool, values: Vec<ValueKind>) -> Expr {
    e(ExprKind::In {
        field: id(field),
        negated,
        op_span: sp(),
        values: values.into_iter().map(v).collect(),
    })
}

fn reference(name: &str) -> Expr {
    e(ExprKind::Ref(id(name)))
}

fn q(source: &str) -> Query {
    match parse_query(source, &Limits::default()) {
        Ok(query) => query,
        Err(error) => panic!("{source:?} should parse, got {error:?}"),
    }
}

fn expr(source: &str) -> Expr {
    let query = q(source);
    assert!(query.clauses.is_empty(), "{source:?} has clauses");
    query.expr
}

fn file(source: &str) -> File {
    match parse_file(source, &Limits::default()) {
        Ok(file) => file,
        Err(error) => panic!("{source:?} should parse as a file, got {error:?}"),
    }
}

fn query_error_with(source: &str, limits: &Limits) -> ParseError {
    match parse_query(source, limits) {
        Ok(query) => panic!("{source:?} should not parse, got {query:?}"),
        Err(error) => error,
    }
}

fn query_error(source: &str) -> ParseError {
    query_error_with(source, &Limits::default())
}

fn code(error: &ParseError) -> String {
    error.code().expect("every error has a code").to_string()
}

/// The primary (first) label: offset and length.
fn label(error: &ParseError) -> (usize, usize) {
    let label = error
        .labels()
        .and_then(|mut labels| labels.next())
        .expect("every error has a label");
    (label.offset(), label.len())
}

/// Asserts the code, the primary label's span, and that help is given.
fn assert_error(error: &ParseError, expected_code: &str, offset: usize, len: usize) {
    assert_eq!(code(error), expected_code, "{error:?}");
    assert_eq!(label(error), (offset, len), "{error:?}");
    assert!(error.help().is_some(), "{error:?} has no help");
}

fn message(error: &ParseError) -> String {
    error.to_string()
}

// ------------------------------------------------------------------ expressions

#[test]
fn a_comparison() {
    assert_eq!(
        expr("email ~ gmail"),
        cmp("email", CompareOp::Contains, word("gmail"))
    );
}

#[test]
fn every_comparison_operator() {
    for op in CompareOp::ALL {
        let source = format!("id {op} 5");
        assert_eq!(expr(&source), cmp("id", op, int("5")), "{source}");
        // Without blanks too.
        let source = format!("id{op}5");
        assert_eq!(expr(&source), cmp("id", op, int("5")), "{source}");
    }
}

#[test]
fn dotted_field_names() {
    assert_eq!(
        expr("customers.tagsData = [Lead]"),
        eq("customers.tagsData", ValueKind::List(vec![v(word("Lead"))]))
    );
    assert_eq!(expr("_x.y_2 = 1"), eq("_x.y_2", int("1")));
}

#[test]
fn and_binds_tighter_than_or() {
    assert_eq!(
        expr("a = 1 or b = 2 and c = 3"),
        or(vec![
            eq("a", int("1")),
            and(vec![eq("b", int("2")), eq("c", int("3"))]),
        ])
    );
    assert_eq!(
        expr("a = 1 and b = 2 or c = 3"),
        or(vec![
            and(vec![eq("a", int("1")), eq("b", int("2"))]),
            eq("c", int("3")),
        ])
    );
}

#[test]
fn not_binds_tighter_than_and() {
    assert_eq!(
        expr("not a = 1 and b = 2"),
        and(vec![not(eq("a", int("1"))), eq("b", int("2"))])
    );
    assert_eq!(expr("not not a = 1"), not(not(eq("a", int("1")))));
}

#[test]
fn parentheses_group() {
    assert_eq!(
        expr("(a = 1 or b = 2) and c = 3"),
        and(vec![
            or(vec![eq("a", int("1")), eq("b", int("2"))]),
            eq("c", int("3")),
        ])
    );
    assert_eq!(
        expr("not (a = 1 or b = 2)"),
        not(or(vec![eq("a", int("1")), eq("b", int("2"))]))
    );
    assert_eq!(expr("((a = 1))"), eq("a", int("1")));
}

#[test]
fn chains_are_one_n_ary_node() {
    assert_eq!(
        expr("a = 1 and b = 2 and c = 3"),
        and(vec![
            eq("a", int("1")),
            eq("b", int("2")),
            eq("c", int("3"))
        ])
    );
    assert_eq!(
        expr("a = 1 or b = 2 or c = 3 or d = 4"),
        or(vec![
            eq("a", int("1")),
            eq("b", int("2")),
            eq("c", int("3")),
            eq("d", int("4")),
        ])
    );
}

#[test]
fn parenthesised_chains_of_the_same_operator_are_flattened_too() {
    let flat = and(vec![
        eq("a", int("1")),
        eq("b", int("2")),
        eq("c", int("3")),
    ]);
    assert_eq!(expr("(a = 1 and b = 2) and c = 3"), flat);
    assert_eq!(expr("a = 1 and (b = 2 and c = 3)"), flat);
    let flat = or(vec![
        eq("a", int("1")),
        eq("b", int("2")),
        eq("c", int("3")),
        eq("d", int("4")),
    ]);
    assert_eq!(expr("(a = 1 or b = 2) or (c = 3 or d = 4)"), flat);
}

#[test]
fn different_operators_are_not_flattened() {
    assert_eq!(
        expr("(a = 1 or b = 2) and (c = 3 or d = 4)"),
        and(vec![
            or(vec![eq("a", int("1")), eq("b", int("2"))]),
            or(vec![eq("c", int("3")), eq("d", int("4"))]),
        ])
    );
    assert_eq!(
        expr("a = 1 and not (b = 2 and c = 3)"),
        and(vec![
            eq("a", int("1")),
            not(and(vec![eq("b", int("2")), eq("c", int("3"))])),
        ])
    );
}

#[test]
fn keywords_are_case_insensitive() {
    assert_eq!(
        expr("NOT a = 1 AND b = 2 Or c = 3 aNd d NOT IN (x)"),
        or(vec![
            and(vec![not(eq("a", int("1"))), eq("b", int("2"))]),
            and(vec![eq("c", int("3")), in_list("d", true, vec![word("x")])]),
        ])
    );
    for source in [
        "a = 1 sort by x asc limit 5 offset 10",
        "a = 1 SORT BY x ASC LIMIT 5 OFFSET 10",
        "a = 1 Sort bY x aSc Limit 5 oFFset 10",
    ] {
        assert_eq!(
            q(source)
                .clauses
                .iter()
                .map(|c| c.kind.clone())
                .collect::<Vec<_>>(),
            vec![
                ClauseKind::Sort {
                    field: id("x"),
                    order: Some((Order::Asc, sp())),
                },
                ClauseKind::Limit("5".into(), sp()),
                ClauseKind::Offset("10".into(), sp()),
            ],
            "{source}"
        );
    }
    assert_eq!(file("SeGmEnT s a = 1").segments.len(), 1);
}

#[test]
fn keywords_are_whole_words() {
    assert_eq!(
        expr("order = 1 and android = 2 or notes ~ x and index = 3"),
        or(vec![
            and(vec![eq("order", int("1")), eq("android", int("2"))]),
            and(vec![
                cmp("notes", CompareOp::Contains, word("x")),
                eq("index", int("3")),
            ]),
        ])
    );
    for field in [
        "sorted",
        "by_date",
        "limits",
        "offsets",
        "ascii",
        "description",
        "segments",
        "nowhere",
        "or_",
        "and2",
        "innie",
    ] {
        let source = format!("{field} = 1");
        assert_eq!(expr(&source), eq(field, int("1")), "{source}");
    }
    // And as values.
    assert_eq!(expr("os = android"), eq("os", word("android")));
    assert_eq!(expr("os = orange"), eq("os", word("orange")));
    assert_eq!(expr("os = and.com"), eq("os", word("and.com")));
}

#[test]
fn keywords_need_no_blank_before_a_parenthesis() {
    assert_eq!(
        expr("not(a = 1)and(b = 2)or(c = 3)"),
        or(vec![
            and(vec![not(eq("a", int("1"))), eq("b", int("2"))]),
            eq("c", int("3")),
        ])
    );
}

#[test]
fn in_and_not_in() {
    assert_eq!(
        expr("countryCode in (UA, PL, DE)"),
        in_list(
            "countryCode",
            false,
            vec![word("UA"), word("PL"), word("DE")]
        )
    );
    assert_eq!(
        expr("countryCode not in (UA)"),
        in_list("countryCode", true, vec![word("UA")])
    );
    assert_eq!(
        expr("id in (1, \"two\", 2024-01-01,)"),
        in_list(
            "id",
            false,
            vec![
                int("1"),
                string("two"),
                ValueKind::Date("2024-01-01".into())
            ]
        )
    );
    assert_eq!(
        expr("not x in (a) and y not in (b)"),
        and(vec![
            not(in_list("x", false, vec![word("a")])),
            in_list("y", true, vec![word("b")]),
        ])
    );
}

#[test]
fn segment_references() {
    assert_eq!(
        expr("@gmail_leads and not @Paid_2"),
        and(vec![reference("gmail_leads"), not(reference("Paid_2"))])
    );
}

// ------------------------------------------------------------------ values

fn value_of(source: &str) -> ValueKind {
    match expr(source).kind {
        ExprKind::Compare { value, .. } => value.kind,
        other => panic!("{source:?} is not a comparison: {other:?}"),
    }
}

#[test]
fn integers_keep_their_text() {
    for text in ["42", "-7", "00123", "+10233456781", "0"] {
        assert_eq!(value_of(&format!("x = {text}")), int(text), "{text}");
    }
}

#[test]
fn bare_words() {
    for text in [
        "Lead",
        "gmail.com",
        "foo-bar",
        "a_b",
        "user@example.com",
        "http://x.y/z",
        "1.5",
        "12ab",
        "+1-800-555",
        "2024-01-1",
        "Київ",
        "now.com",
        "nowhere",
    ] {
        assert_eq!(value_of(&format!("x = {text}")), word(text), "{text}");
    }
}

#[test]
fn a_word_stops_at_operators_and_delimiters() {
    assert_eq!(
        expr("(a = b)or(c = d)"),
        or(vec![eq("a", word("b")), eq("c", word("d"))])
    );
    assert_eq!(
        expr("t = [x,y]"),
        eq("t", ValueKind::List(vec![v(word("x")), v(word("y"))]))
    );
    assert_eq!(expr("a = b#comment\n"), eq("a", word("b")));
}

#[test]
fn dates_and_datetimes() {
    assert_eq!(
        value_of("x >= 2024-01-01"),
        ValueKind::Date("2024-01-01".into())
    );
    // Calendars are the checker's business.
    assert_eq!(
        value_of("x >= 2024-13-45"),
        ValueKind::Date("2024-13-45".into())
    );
    for text in [
        "2024-01-01T10:00:00Z",
        "2024-01-01T10:00:00+02:00",
        "2024-01-01T10:00:00-05:30",
        "2024-01-01T10:00:00.123Z",
        "2024-01-01T10:00:00.5+02:00",
        // Incomplete ones are still date-times, for the checker to judge.
        "2024-01-01T10:00",
        "2024-01-01T10:00:00",
        "2024-01-01t10:00:00z",
    ] {
        assert_eq!(
            value_of(&format!("x < {text}")),
            ValueKind::DateTime(text.into()),
            "{text}"
        );
    }
}

fn now(minus: bool, amount: &str, unit: &str) -> ValueKind {
    ValueKind::Now {
        word: "now".into(),
        offset: Some(RelativeOffset {
            minus,
            amount: amount.into(),
            unit: unit.into(),
            span: sp(),
        }),
    }
}

fn bare_now(word: &str) -> ValueKind {
    ValueKind::Now {
        word: word.into(),
        offset: None,
    }
}

#[test]
fn relative_times() {
    assert_eq!(value_of("x >= now"), bare_now("now"));
    // The word keeps its case: compared with a text field, it is that text.
    assert_eq!(value_of("x >= NOW"), bare_now("NOW"));
    assert_eq!(value_of("x >= Now - 1d"), {
        let ValueKind::Now { offset, .. } = now(true, "1", "d") else {
            unreachable!()
        };
        ValueKind::Now {
            word: "Now".into(),
            offset,
        }
    });
    assert_eq!(value_of("x >= now - 30d"), now(true, "30", "d"));
    assert_eq!(value_of("x >= now-30d"), now(true, "30", "d"));
    assert_eq!(value_of("x >= now + 2h"), now(false, "2", "h"));
    // Any unit word: the checker names the unknown ones.
    assert_eq!(value_of("x >= now - 30x"), now(true, "30", "x"));
    assert_eq!(value_of("x >= now - 1days"), now(true, "1", "days"));
}

#[test]
fn tag_lists() {
    assert_eq!(
        value_of("tags = [Lead, \"beta tester\", 42]"),
        ValueKind::List(vec![
            v(word("Lead")),
            v(string("beta tester")),
            v(int("42"))
        ])
    );
    assert_eq!(
        value_of("tags = [ Lead , ]"),
        ValueKind::List(vec![v(word("Lead"))])
    );
}

#[test]
fn strings_resolve_escapes() {
    assert_eq!(value_of(r#"x = "plain""#), string("plain"));
    assert_eq!(value_of(r#"x = """#), string(""));
    assert_eq!(
        value_of(r#"x = "a\"b\\c\nd\te\rf\u{1F600}\u{41}""#),
        string("a\"b\\c\nd\te\rf\u{1F600}A")
    );
    // Keywords, operators and comment marks are text inside quotes.
    assert_eq!(
        value_of(r#"x = "and or not ( ) # = [""#),
        string("and or not ( ) # = [")
    );
    assert_eq!(value_of("x = \"Київ\""), string("Київ"));
}

#[test]
fn keywords_as_values_must_be_quoted() {
    assert_eq!(value_of(r#"x = "and""#), string("and"));
    for keyword in [
        "and", "OR", "not", "in", "sort", "by", "limit", "offset", "asc", "Desc", "segment",
    ] {
        let error = query_error(&format!("x = {keyword}"));
        assert_error(&error, "hcq::parse::expected", 4, keyword.len());
        assert_eq!(message(&error), "expected a value");
        let help = error.help().map(|h| h.to_string()).unwrap_or_default();
        assert!(help.contains(&format!("\"{keyword}\"")), "{help}");
    }
}

// ------------------------------------------------------------------ clauses

#[test]
fn clauses_in_any_order() {
    let query = q("email ~ gmail sort by lastSeen desc limit 50 offset 100");
    assert_eq!(query.expr, cmp("email", CompareOp::Contains, word("gmail")));
    assert_eq!(
        query
            .clauses
            .iter()
            .map(|c| c.kind.clone())
            .collect::<Vec<_>>(),
        vec![
            ClauseKind::Sort {
                field: id("lastSeen"),
                order: Some((Order::Desc, sp())),
            },
            ClauseKind::Limit("50".into(), sp()),
            ClauseKind::Offset("100".into(), sp()),
        ]
    );
    let query = q("a = 1 offset 7 limit 3 sort by customers.firstSeen");
    assert_eq!(
        query
            .clauses
            .iter()
            .map(|c| c.kind.clone())
            .collect::<Vec<_>>(),
        vec![
            ClauseKind::Offset("7".into(), sp()),
            ClauseKind::Limit("3".into(), sp()),
            ClauseKind::Sort {
                field: id("customers.firstSeen"),
                order: None,
            },
        ]
    );
}

#[test]
fn all_is_special_only_after_limit() {
    let query = q("tag = all limit all offset 2");
    assert_eq!(query.expr, cmp("tag", CompareOp::Eq, word("all")));
    let ClauseKind::Limit(count, span) = &query.clauses[0].kind else {
        panic!("a limit clause: {:?}", query.clauses);
    };
    assert_eq!((count.as_str(), span.start, span.end), ("all", 16, 19));
    // In any case, read as `all`.
    let query = q("all = 1 limit ALL");
    assert_eq!(query.expr, cmp("all", CompareOp::Eq, int("1")));
    assert_eq!(query.clauses[0].kind, ClauseKind::Limit("all".into(), sp()));
    // Still a word everywhere else, and an ordinary value in a list.
    let query = q("tag in (all, allies) limit 5");
    assert_eq!(query.clauses[0].kind, ClauseKind::Limit("5".into(), sp()));
}

#[test]
fn all_is_an_expression_where_a_comparison_may_stand() {
    let all = || e(ExprKind::All);
    assert_eq!(expr("all"), all());
    assert_eq!(expr("ALL"), all());
    assert_eq!(expr("(all)"), all());
    assert_eq!(expr("not all"), not(all()));
    assert_eq!(
        expr("all and tag = Lead"),
        and(vec![all(), eq("tag", word("Lead"))])
    );
    assert_eq!(
        expr("tag = Lead or all"),
        or(vec![eq("tag", word("Lead")), all()])
    );
    let query = q("all sort by lastSeen desc limit all");
    assert_eq!(query.expr, all());
    assert_eq!(query.clauses.len(), 2);
    assert_eq!((query.expr.span.start, query.expr.span.end), (0, 3));
    assert_eq!(
        q("all limit all").clauses[0].kind,
        ClauseKind::Limit("all".into(), sp())
    );
    // A comparison first: `all` is a field before an operator, and a value
    // after one.
    assert_eq!(expr("all = 1"), eq("all", int("1")));
    assert_eq!(expr("all in (1)"), in_list("all", false, vec![int("1")]));
    assert_eq!(expr("tag = all"), eq("tag", word("all")));
    assert_eq!(
        expr("city in (all, x)"),
        in_list("city", false, vec![word("all"), word("x")])
    );
    // Only the whole word.
    assert_eq!(code(&query_error("allx")), "hcq::parse::expected");
    let file = file("segment everyone\n  all\n");
    assert_eq!(file.segments[0].query.expr, all());
}

#[test]
fn after_all_comes_what_follows_an_expression() {
    let error = query_error("all all");
    assert_eq!(
        message(&error),
        "expected `and`, `or`, or the end of the expression"
    );
    let error = query_error("(all x)");
    assert_eq!(message(&error), "expected `and`, `or`, or `)`");
    // Where an expression must start, `all` is named among the ways.
    let ParseError::Expected { help, .. } = query_error("a = 1 and") else {
        panic!("an expected-error");
    };
    assert!(help.contains("`all`"), "{help}");
}

#[test]
fn duplicate_clauses_are_left_to_the_checker() {
    let query = q("a = 1 limit 1 limit 2 sort by x asc sort by y");
    let keywords: Vec<_> = query.clauses.iter().map(|c| c.kind.keyword()).collect();
    assert_eq!(keywords, ["limit", "limit", "sort by", "sort by"]);
}

#[test]
fn clauses_follow_the_whole_expression() {
    let query = q("a = 1 or b = 2 limit 5");
    assert_eq!(query.expr, or(vec![eq("a", int("1")), eq("b", int("2"))]));
    assert_eq!(query.clauses.len(), 1);
}

// ------------------------------------------------------------------ trivia

#[test]
fn comments_newlines_crlf_and_bom() {
    let expected = and(vec![eq("a", int("1")), eq("b", word("x"))]);
    assert_eq!(
        expr("# leads\na = 1 # first\n  and\n\tb = x\n# end"),
        expected
    );
    assert_eq!(expr("a = 1\r\nand\r\nb = x\r\n"), expected);
    assert_eq!(expr("# c\r\na = 1 and b = x # c\r\n"), expected);
    assert_eq!(expr("\u{FEFF}a = 1 and b = x"), expected);
    assert_eq!(
        expr("x not # why not\n in (a)"),
        in_list("x", true, vec![word("a")])
    );
}

// ------------------------------------------------------------------ spans

#[test]
fn spans_cover_what_was_written() {
    let src = "  email ~ \"gm\\\"ail\"  and (tag = Lead or x not in (a, b)) # c\n";
    let query = q(src);
    assert_eq!(
        query.span.slice(src),
        "email ~ \"gm\\\"ail\"  and (tag = Lead or x not in (a, b))"
    );
    assert_eq!(query.expr.span.slice(src), query.span.slice(src));
    let ExprKind::And(operands) = &query.expr.kind else {
        panic!("expected And, got {:?}", query.expr)
    };
    let ExprKind::Compare {
        field,
        op_span,
        value,
        ..
    } = &operands[0].kind
    else {
        panic!("expected a comparison")
    };
    assert_eq!(operands[0].span.slice(src), "email ~ \"gm\\\"ail\"");
    assert_eq!(field.span.slice(src), "email");
    assert_eq!(op_span.slice(src), "~");
    assert_eq!(value.span.slice(src), "\"gm\\\"ail\"");
    // A parenthesised expression's span leaves the parentheses out.
    assert_eq!(operands[1].span.slice(src), "tag = Lead or x not in (a, b)");
    let ExprKind::Or(alternatives) = &operands[1].kind else {
        panic!("expected Or")
    };
    let ExprKind::In {
        op_span, values, ..
    } = &alternatives[1].kind
    else {
        panic!("expected In")
    };
    assert_eq!(alternatives[1].span.slice(src), "x not in (a, b)");
    assert_eq!(op_span.slice(src), "not in");
    assert_eq!(values[1].span.slice(src), "b");
}

#[test]
fn spans_of_operators_and_relative_times() {
    let src = "(a = 1 and b = 2) or not (c = 3) or lastSeen >= now - 30d";
    let query = q(src);
    assert_eq!(query.expr.span.slice(src), src);
    let ExprKind::Or(operands) = &query.expr.kind else {
        panic!("expected Or")
    };
    assert_eq!(operands[0].span.slice(src), "a = 1 and b = 2");
    assert_eq!(operands[1].span.slice(src), "not (c = 3)");
    let ExprKind::Compare { value, .. } = &operands[2].kind else {
        panic!("expected a comparison")
    };
    assert_eq!(value.span.slice(src), "now - 30d");
    let ValueKind::Now {
        offset: Some(offset),
        ..
    } = &value.kind
    else {
        panic!("expected now - 30d")
    };
    assert_eq!(offset.span.slice(src), "30d");
}

#[test]
fn spans_of_clauses_and_refs() {
    let src = "@leads SORT by lastSeen desc limit 50";
    let query = q(src);
    let ExprKind::Ref(name) = &query.expr.kind else {
        panic!("expected a reference")
    };
    assert_eq!(query.expr.span.slice(src), "@leads");
    assert_eq!(name.span.slice(src), "leads");
    assert_eq!(query.clauses[0].span.slice(src), "SORT by lastSeen desc");
    let ClauseKind::Sort { field, order } = &query.clauses[0].kind else {
        panic!("expected sort")
    };
    assert_eq!(field.span.slice(src), "lastSeen");
    assert_eq!(order.map(|(_, span)| span.slice(src)), Some("desc"));
    let ClauseKind::Limit(digits, span) = &query.clauses[1].kind else {
        panic!("expected limit")
    };
    assert_eq!((digits.as_str(), span.slice(src)), ("50", "50"));
    assert_eq!(query.span.slice(src), src);
}

#[test]
fn a_flattened_group_keeps_its_parentheses_in_the_outer_span() {
    let src = "(a = 1 and b = 2) and c = 3";
    assert_eq!(expr(src).span.slice(src), src);
    let src = "(a = 1)";
    let query = q(src);
    assert_eq!(query.expr.span.slice(src), "a = 1");
    assert_eq!(query.span.slice(src), src);
}

// ------------------------------------------------------------------ files

#[test]
fn a_file_with_several_segments() {
    let src = "\u{FEFF}# Leads who write from Gmail\r\n\
               segment gmail_leads\r\n\
               \x20 email ~ \"gmail\" and tag = Lead\r\n\
               \x20 sort by lastSeen desc\r\n\
               \x20 limit 50\r\n\
               \r\n\
               SEGMENT fresh_gmail_leads\n\
               \x20 @gmail_leads\n\
               \x20   and lastSeen >= now - 30d # recent\n\
               Segment  other (a = 1\n or b = 2)\n";
    let file = file(src);
    let names: Vec<_> = file.segments.iter().map(|s| s.name.name.as_str()).collect();
    assert_eq!(names, ["gmail_leads", "fresh_gmail_leads", "other"]);
    let first = &file.segments[0];
    assert_eq!(
        first.query.expr,
        and(vec![
            cmp("email", CompareOp::Contains, string("gmail")),
            eq("tag", word("Lead")),
        ])
    );
    assert_eq!(first.query.clauses.len(), 2);
    assert_eq!(
        first.span.slice(src),
        "segment gmail_leads\r\n  email ~ \"gmail\" and tag = Lead\r\n  sort by lastSeen desc\r\n  limit 50"
    );
    assert_eq!(first.name.span.slice(src), "gmail_leads");
    assert_eq!(
        file.segments[1].query.expr,
        and(vec![
            reference("gmail_leads"),
            cmp("lastSeen", CompareOp::Ge, now(true, "30", "d")),
        ])
    );
    assert_eq!(
        file.segments[1].span.slice(src),
        "SEGMENT fresh_gmail_leads\n  @gmail_leads\n    and lastSeen >= now - 30d"
    );
    assert_eq!(
        file.segments[2].query.expr,
        or(vec![eq("a", int("1")), eq("b", int("2"))])
    );
    assert_eq!(
        file.segments[2].span.slice(src),
        "Segment  other (a = 1\n or b = 2)"
    );
}

#[test]
fn an_empty_file_has_no_segments() {
    assert_eq!(file("").segments, vec![]);
    assert_eq!(file("\n# nothing yet\r\n\n").segments, vec![]);
    assert_eq!(file("\u{FEFF}").segments, vec![]);
}

#[test]
fn errors_in_a_file() {
    let src = "segment a\n  x = 1\nsegment b\n  y =\nsegment c z = 3";
    let error = parse_file(src, &Limits::default()).expect_err("y has no value");
    assert_error(
        &error,
        "hcq::parse::expected",
        src.find("\nsegment c").unwrap() + 1,
        7,
    );
    assert_eq!(message(&error), "expected a value");

    let error = parse_file("email = 1", &Limits::default()).expect_err("no segment");
    assert_error(&error, "hcq::parse::expected", 0, 5);
    assert_eq!(
        message(&error),
        "expected `segment NAME` or the end of the file"
    );

    let error = parse_file("segment and x = 1", &Limits::default()).expect_err("keyword name");
    assert_error(&error, "hcq::parse::expected", 8, 3);
    assert_eq!(message(&error), "expected a segment name");

    let error = parse_file("segment a", &Limits::default()).expect_err("no body");
    assert_error(&error, "hcq::parse::expected", 8, 1);
    assert_eq!(message(&error), "expected an expression");

    let error = parse_file("segment a (x = 1", &Limits::default()).expect_err("unclosed");
    assert_error(&error, "hcq::parse::unclosed_delimiter", 10, 1);
}

// ------------------------------------------------------------------ errors

#[test]
fn expected_messages_say_what_was_expected_in_words() {
    const OPERATOR: &str = "expected an operator such as `=` or `~`";
    const VALUE: &str = "expected a value";
    const EXPRESSION: &str = "expected an expression";
    const AND_OR: &str = "expected `and`, `or`, or the end of the expression";
    const COUNT: &str = "expected a whole number";
    const LIMIT: &str = "expected a whole number or `all`";
    const CLAUSE: &str = "expected another clause or the end of the query";
    // (input, message, offset and length of the label). At the end of the
    // input the label is on the last token: "the input ends after this".
    let cases: &[(&str, &str, usize, usize)] = &[
        ("email gmail", OPERATOR, 6, 5),
        ("email", OPERATOR, 0, 5),
        ("x not = 5", OPERATOR, 2, 3),
        ("email =", VALUE, 6, 1),
        ("email = ,", VALUE, 8, 1),
        ("email = @x", VALUE, 8, 2),
        ("x in ()", VALUE, 6, 1),
        ("x = []", VALUE, 5, 1),
        ("x = [[a]]", VALUE, 5, 1),
        ("a == 1", VALUE, 3, 1),
        ("= 5", EXPRESSION, 0, 1),
        ("and = 1", EXPRESSION, 0, 3),
        ("a = 1 and", EXPRESSION, 6, 3),
        ("a = 1 and # more\r\n", EXPRESSION, 6, 3),
        ("a = 1 and or b = 2", EXPRESSION, 10, 2),
        ("not", EXPRESSION, 0, 3),
        ("a = 1 b = 2", AND_OR, 6, 1),
        ("a = \"x\" \"y\"", AND_OR, 8, 3),
        ("(a = 1 b = 2)", "expected `and`, `or`, or `)`", 7, 1),
        ("x in (a b)", "expected `,` or `)`", 8, 1),
        ("x = [a b]", "expected `,` or `]`", 7, 1),
        ("x in 5", "expected a list in parentheses", 5, 1),
        (
            "x = now -",
            "expected an amount of time such as `30d`",
            8,
            1,
        ),
        (
            "x = now - 30",
            "expected a unit of time such as `d` or `h`",
            10,
            2,
        ),
        (
            "x = now - 30 d",
            "expected a unit of time such as `d` or `h`",
            12,
            0,
        ),
        ("a = 1 sort lastSeen", "expected `by`", 11, 8),
        ("a = 1 sort by", "expected a field name", 11, 2),
        ("a = 1 sort by desc", "expected a field name", 14, 4),
        (
            "a = 1 sort by x up",
            "expected `asc`, `desc`, another clause, or the end of the query",
            16,
            2,
        ),
        ("a = 1 limit", LIMIT, 6, 5),
        ("a = 1 limit -5", LIMIT, 12, 2),
        ("a = 1 limit foo", LIMIT, 12, 3),
        ("a = 1 limit alls", LIMIT, 12, 4),
        ("a = 1 offset ten", COUNT, 13, 3),
        ("a = 1 limit 5 b = 2", CLAUSE, 14, 1),
        ("a = 1 limit 5 and b = 2", CLAUSE, 14, 3),
        ("@", "expected a segment name", 0, 1),
        ("@and", "expected a segment name", 1, 3),
    ];
    for &(source, expected, offset, len) in cases {
        let error = query_error(source);
        assert_eq!(message(&error), expected, "{source:?}");
        assert_error(&error, "hcq::parse::expected", offset, len);
        let text = format!("{error} {:?}", error.help().map(|h| h.to_string()));
        assert!(!text.contains("_op") && !text.contains("EOI"), "{text}");
    }
}

#[test]
fn the_label_names_what_was_found() {
    let error = query_error("email gmail");
    let found = error
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| label.label().map(str::to_owned));
    assert_eq!(found.as_deref(), Some("found `gmail`"));
    let error = query_error("email =");
    let found = error
        .labels()
        .and_then(|mut labels| labels.next())
        .and_then(|label| label.label().map(str::to_owned));
    assert_eq!(found.as_deref(), Some("the input ends after this"));
    assert_eq!(label(&error), (6, 1));
}

#[test]
fn empty_input() {
    for source in [
        "",
        "   \n\t",
        "# only a comment",
        "# one\r\n# two\r\n",
        "\u{FEFF}",
    ] {
        let error = query_error(source);
        assert_error(&error, "hcq::parse::empty", 0, source.len());
        assert_eq!(message(&error), "expected an expression");
    }
}

#[test]
fn unclosed_string() {
    let error = query_error("a = 1 or email ~ \"gmail or b = 2");
    assert_error(&error, "hcq::parse::unclosed_string", 17, 1);
    assert_eq!(message(&error), "this string is never closed");
    // An escaped quote does not close it.
    let error = query_error(r#"x = "abc\""#);
    assert_error(&error, "hcq::parse::unclosed_string", 4, 1);
}

#[test]
fn bad_escapes() {
    let cases: &[(&str, usize, &str)] = &[
        (r#"x = "a\qb""#, 6, r"\q"),
        (r#"x = "\é""#, 5, r"\é"),
        (r#"x = "\u1F600""#, 5, r"\u"),
        (r#"x = "\u{}""#, 5, r"\u{}"),
        (r#"x = "\u{zz}""#, 5, r"\u{"),
        (r#"x = "\u{1F600""#, 5, r"\u{1F600"),
        (r#"x = "\u{1234567}""#, 5, r"\u{1234567}"),
        (r#"x = "\u{110000}""#, 5, r"\u{110000}"),
        (r#"x = "ok\n\u{D800}""#, 9, r"\u{D800}"),
    ];
    for &(source, offset, escape) in cases {
        let error = query_error(source);
        assert_error(&error, "hcq::parse::bad_escape", offset, escape.len());
        assert_eq!(
            message(&error),
            format!("`{escape}` is not a valid escape"),
            "{source}"
        );
    }
}

#[test]
fn unbalanced_parentheses() {
    let error = query_error("(a = 1 or (b = 2)");
    assert_error(&error, "hcq::parse::unclosed_delimiter", 0, 1);
    assert_eq!(message(&error), "`(` opened here is never closed");

    // The innermost one left open.
    let src = "(a = 1 or (b = 2 and c = 3) and (d = 4";
    let error = query_error(src);
    assert_error(
        &error,
        "hcq::parse::unclosed_delimiter",
        src.rfind('(').unwrap(),
        1,
    );

    let error = query_error("tags = [Lead, Paid");
    assert_error(&error, "hcq::parse::unclosed_delimiter", 7, 1);
    assert_eq!(message(&error), "`[` opened here is never closed");

    let error = query_error("a = 1) or (b = 2");
    assert_error(&error, "hcq::parse::unexpected_close", 5, 1);

    let error = query_error("a = 1 ]");
    assert_error(&error, "hcq::parse::unexpected_close", 6, 1);

    let error = query_error("x in (a, b]");
    assert_error(&error, "hcq::parse::mismatched_close", 10, 1);
    let labels: Vec<_> = error
        .labels()
        .into_iter()
        .flatten()
        .map(|l| l.offset())
        .collect();
    assert_eq!(labels, [10, 5]);

    // Parentheses in strings and comments do not count.
    assert_eq!(expr("a = \"(\" # )\n"), eq("a", string("(")));
}

#[test]
fn too_large() {
    let mut limits = Limits::default();
    limits.max_input_bytes = 10;
    assert!(parse_query("a = 123456", &limits).is_ok());
    let error = query_error_with("a = 1234567", &limits);
    assert_error(&error, "hcq::parse::too_large", 10, 1);
    // Before anything else, even an unclosed string.
    let error = query_error_with("\"(((((((((((((", &limits);
    assert_eq!(code(&error), "hcq::parse::too_large");
    // The label starts on a character boundary.
    let error = query_error_with("a = \"Київ\"", &limits);
    assert_error(&error, "hcq::parse::too_large", 9, 5);
    // Segment files have their own, larger bound.
    assert!(parse_file("segment a x = 1", &limits).is_ok());
    limits.max_file_bytes = 10;
    let error = parse_file("segment a x = 1", &limits).expect_err("too large");
    assert_eq!(code(&error), "hcq::parse::too_large");
}

#[test]
fn nesting_up_to_the_bound_parses() {
    let depth = hcq::limits::MAX_DEPTH;
    let source = format!("{}a = 1{}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(expr(&source), eq("a", int("1")));
    let source = format!("{}a = 1", "not ".repeat(depth));
    let mut expected = eq("a", int("1"));
    for _ in 0..depth {
        expected = not(expected);
    }
    assert_eq!(expr(&source), expected);
    // `not`s before comparisons do not accumulate.
    let source = vec!["not a = 1"; 200].join(" and ");
    assert!(matches!(expr(&source).kind, ExprKind::And(operands) if operands.len() == 200));
}

#[test]
fn too_deep() {
    let depth = hcq::limits::MAX_DEPTH;
    let source = format!("{}a = 1{}", "(".repeat(depth + 1), ")".repeat(depth + 1));
    let error = query_error(&source);
    assert_error(&error, "hcq::parse::too_deep", depth, 1);
    assert!(error.help().unwrap().to_string().contains("64"));

    let source = format!("{}a = 1", "not ".repeat(depth + 1));
    let error = query_error(&source);
    assert_error(&error, "hcq::parse::too_deep", 4 * depth, 3);

    // Parentheses and `not`s add up: 32 × `not (` is 64 levels, one more `not` passes.
    let source = format!("{}not a = 1{}", "not (".repeat(32), ")".repeat(32));
    let error = query_error(&source);
    assert_error(&error, "hcq::parse::too_deep", 5 * 32, 3);

    let mut limits = Limits::default();
    limits.max_depth = 2;
    assert!(parse_query("not (a = 1)", &limits).is_ok());
    let error = query_error_with("x = 1 or not not (a = 1)", &limits);
    assert_error(&error, "hcq::parse::too_deep", 17, 1);
    assert!(parse_file("segment s ((a = 1))\n", &limits).is_ok());
    let error = parse_file("segment s (((a = 1)))\n", &limits).expect_err("too deep");
    assert_error(&error, "hcq::parse::too_deep", 12, 1);
}

#[test]
fn a_mebibyte_of_open_parentheses_is_too_deep() {
    let source = "(".repeat(1 << 20);
    let error = query_error(&source);
    assert_error(&error, "hcq::parse::too_deep", hcq::limits::MAX_DEPTH, 1);
    let error = parse_file(&source, &Limits::default()).expect_err("too deep");
    assert_eq!(code(&error), "hcq::parse::too_deep");
}

#[test]
fn a_mebibyte_of_nots_is_too_deep() {
    let source = "not ".repeat(1 << 18);
    assert_eq!(source.len(), 1 << 20);
    let error = query_error(&source);
    assert_error(
        &error,
        "hcq::parse::too_deep",
        4 * hcq::limits::MAX_DEPTH,
        3,
    );
    let source = "NOT(".repeat(1 << 18);
    assert_eq!(code(&query_error(&source)), "hcq::parse::too_deep");
}

#[test]
fn a_hundred_thousand_operand_chain_is_one_node() {
    let source = vec!["a = 1"; 100_000].join(" or ");
    let ExprKind::Or(operands) = expr(&source).kind else {
        panic!("expected one Or")
    };
    assert_eq!(operands.len(), 100_000);
    assert!(operands.iter().all(|o| *o == eq("a", int("1"))));
}

#[test]
fn list_too_long() {
    let mut limits = Limits::default();
    limits.max_list_len = 3;
    assert!(parse_query("x in (a, b, c)", &limits).is_ok());
    let src = "x in (a, b, c, dd, e)";
    let error = query_error_with(src, &limits);
    assert_error(
        &error,
        "hcq::parse::list_too_long",
        src.find("dd").unwrap(),
        2,
    );
    let src = "tags = [a, b, c, \"d\"]";
    let error = query_error_with(src, &limits);
    assert_error(
        &error,
        "hcq::parse::list_too_long",
        src.find("\"d\"").unwrap(),
        3,
    );

    let source = format!(
        "id in ({})",
        vec!["1"; hcq::limits::MAX_LIST_LEN + 1].join(",")
    );
    assert_eq!(code(&query_error(&source)), "hcq::parse::list_too_long");
}

#[test]
fn errors_are_comparable_and_cloneable() {
    let error = query_error("a =");
    assert_eq!(error.clone(), error);
    assert_ne!(error, query_error("a = 1 and"));
}

// ------------------------------------------------------------------ properties

/// Every span of a parsed query, for checking that they all lie in the input.
fn spans_of_query(query: &Query, out: &mut Vec<Span>) {
    out.push(query.span);
    let mut stack = vec![&query.expr];
    while let Some(expr) = stack.pop() {
        out.push(expr.span);
        match &expr.kind {
            ExprKind::Or(operands) | ExprKind::And(operands) => stack.extend(operands),
            ExprKind::Not(operand) => stack.push(operand),
            ExprKind::Compare {
                field,
                op_span,
                value,
                ..
            } => {
                out.extend([field.span, *op_span]);
                spans_of_value(value, out);
            }
            ExprKind::In {
                field,
                op_span,
                values,
                ..
            } => {
                out.extend([field.span, *op_span]);
                values.iter().for_each(|value| spans_of_value(value, out));
            }
            ExprKind::Ref(name) => out.push(name.span),
            ExprKind::All => {}
        }
    }
    for clause in &query.clauses {
        out.push(clause.span);
        match &clause.kind {
            ClauseKind::Sort { field, order } => {
                out.push(field.span);
                out.extend(order.map(|(_, span)| span));
            }
            ClauseKind::Limit(_, span) | ClauseKind::Offset(_, span) => out.push(*span),
        }
    }
}

fn spans_of_value(value: &Value, out: &mut Vec<Span>) {
    out.push(value.span);
    match &value.kind {
        ValueKind::List(values) => values.iter().for_each(|value| spans_of_value(value, out)),
        ValueKind::Now {
            offset: Some(offset),
            ..
        } => out.push(offset.span),
        _ => {}
    }
}

fn assert_spans_in(source: &str, spans: &[Span]) {
    for span in spans {
        assert!(
            span.start <= span.end && span.end <= source.len(),
            "{span:?} in {source:?}"
        );
        assert!(
            source.is_char_boundary(span.start) && source.is_char_boundary(span.end),
            "{span:?} in {source:?}"
        );
    }
}

fn assert_well_formed(source: &str) {
    let mut limits = Limits::default();
    limits.max_depth = 6;
    limits.max_list_len = 4;
    match parse_query(source, &limits) {
        Ok(query) => {
            let mut spans = Vec::new();
            spans_of_query(&query, &mut spans);
            assert_spans_in(source, &spans);
        }
        Err(error) => {
            let spans: Vec<_> = error
                .labels()
                .into_iter()
                .flatten()
                .map(|label| Span::new(label.offset(), label.offset() + label.len()))
                .collect();
            assert!(!spans.is_empty(), "{error:?}");
            assert_spans_in(source, &spans);
            assert!(code(&error).starts_with("hcq::parse::"));
            // Every failure is named by what was expected, never by the fallback.
            assert_ne!(message(&error), "expected valid syntax", "{source:?}");
        }
    }
    match parse_file(source, &limits) {
        Ok(file) => {
            let mut spans = Vec::new();
            for segment in &file.segments {
                spans.extend([segment.span, segment.name.span]);
                spans_of_query(&segment.query, &mut spans);
            }
            assert_spans_in(source, &spans);
        }
        Err(error) => assert!(error.labels().is_some_and(|mut l| l.next().is_some())),
    }
}

/// Pieces of the language and near misses, to build inputs from.
const TOKENS: &[&str] = &[
    "email",
    "customers.tagsData",
    "a",
    "=",
    "!=",
    ">",
    "<",
    ">=",
    "<=",
    "~",
    "!~",
    "and",
    "OR",
    "not",
    "in",
    "(",
    ")",
    "[",
    "]",
    ",",
    "@seg",
    "@",
    "\"x\"",
    "\"a\\qb\"",
    "\"\\u{41}\"",
    "\"",
    "42",
    "-7",
    "+1",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "now",
    "-",
    "+",
    "30d",
    "Lead",
    "gmail.com",
    "Київ",
    "sort",
    "by",
    "asc",
    "desc",
    "limit",
    "offset",
    "segment",
    "#c\n",
    "\r\n",
    "\u{FEFF}",
    " ",
    "\t",
    "!",
    "é",
];

proptest::proptest! {
    #[test]
    fn token_soup_never_panics(indices in proptest::collection::vec(0..TOKENS.len(), 0..40)) {
        let source: String = indices
            .iter()
            .map(|&i| TOKENS[i])
            .collect::<Vec<_>>()
            .join(" ");
        assert_well_formed(&source);
        let source: String = indices.iter().map(|&i| TOKENS[i]).collect();
        assert_well_formed(&source);
    }

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC{0,60}") {
        assert_well_formed(&source);
    }
}

#[test]
fn a_sort_clause_without_order_ends_at_its_field() {
    let source = "id > 5 sort by lastSeen  # newest first\n";
    let query = parse_query(source, &Limits::default()).expect("valid");
    assert_eq!(query.clauses[0].span.slice(source), "sort by lastSeen");
    assert_eq!(query.span.slice(source), "id > 5 sort by lastSeen");
}
