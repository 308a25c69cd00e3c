//! The checker on trees built by hand. The builder lays out source text as
//! it builds each node, so every span points into that text and a test can
//! say which words an error labels.

use hcq::ast::{
    Clause, ClauseKind, CompareOp, Expr, ExprKind, Ident, Limit, Order, Query, RelativeOffset,
    Span, Value, ValueKind,
};
use hcq::check::{CheckError, Context, check_expr, check_query};
use hcq::schema::Schema;
use hcq::typed::{self, Literal};
use miette::Diagnostic;

/// A node and the text it was written as, spans counted from the text's start.
#[derive(Clone, Debug)]
struct Src<T> {
    node: T,
    text: String,
}

/// Moves every span in a node by `by` bytes, for placing it after other text.
trait Shift {
    fn shift(&mut self, by: usize);
}

impl Shift for Span {
    fn shift(&mut self, by: usize) {
        self.start += by;
        self.end += by;
    }
}

impl Shift for Ident {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
    }
}

impl Shift for Value {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        match &mut self.kind {
            ValueKind::Now {
                offset: Some(offset),
                ..
            } => offset.span.shift(by),
            ValueKind::List(items) => items.iter_mut().for_each(|v| v.shift(by)),
            _ => {}
        }
    }
}

impl Shift for Expr {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        match &mut self.kind {
            ExprKind::Or(operands) | ExprKind::And(operands) => {
                operands.iter_mut().for_each(|e| e.shift(by))
            }
            ExprKind::Not(operand) => operand.shift(by),
            ExprKind::Compare {
                field,
                op_span,
                value,
                ..
            } => {
                field.shift(by);
                op_span.shift(by);
                value.shift(by);
            }
            ExprKind::In {
                field,
                op_span,
                values,
                ..
            } => {
                field.shift(by);
                op_span.shift(by);
                values.iter_mut().for_each(|v| v.shift(by));
            }
            ExprKind::Ref(name) => name.shift(by),
            ExprKind::All => {}
        }
    }
}

impl Shift for Clause {
    fn shift(&mut self, by: usize) {
        self.span.shift(by);
        match &mut self.kind {
            ClauseKind::Sort { field, order } => {
                field.shift(by);
                if let Some((_, span)) = order {
                    span.shift(by);
                }
            }
            ClauseKind::Limit(_, span) | ClauseKind::Offset(_, span) => span.shift(by),
        }
    }
}

/// Appends `piece` to `text`, moving its spans to where it now starts.
fn append<T: Shift>(text: &mut String, mut piece: Src<T>) -> T {
    piece.node.shift(text.len());
    text.push_str(&piece.text);
    piece.node
}

fn ident(text: &mut String, name: &str) -> Ident {
    let start = text.len();
    text.push_str(name);
    Ident {
        name: name.to_owned(),
        span: Span::new(start, text.len()),
    }
}

fn value(kind: ValueKind, text: impl Into<String>) -> Src<Value> {
    let text = text.into();
    Src {
        node: Value {
            kind,
            span: Span::new(0, text.len()),
        },
        text,
    }
}

fn word(w: &str) -> Src<Value> {
    value(ValueKind::Word(w.into()), w)
}

fn int(digits: &str) -> Src<Value> {
    value(ValueKind::Integer(digits.into()), digits)
}

fn quoted(s: &str) -> Src<Value> {
    value(ValueKind::Str(s.into()), format!("\"{s}\""))
}

fn date(d: &str) -> Src<Value> {
    value(ValueKind::Date(d.into()), d)
}

fn datetime(d: &str) -> Src<Value> {
    value(ValueKind::DateTime(d.into()), d)
}

fn now() -> Src<Value> {
    now_as("now")
}

/// A bare `now` written as `word` (`NOW`, `Now`).
fn now_as(word: &str) -> Src<Value> {
    value(
        ValueKind::Now {
            word: word.into(),
            offset: None,
        },
        word,
    )
}

/// `now - 30d` (`sign` is `-` or `+`).
fn now_offset(sign: char, amount: &str, unit: &str) -> Src<Value> {
    let text = format!("now {sign} {amount}{unit}");
    let offset = RelativeOffset {
        minus: sign == '-',
        amount: amount.into(),
        unit: unit.into(),
        span: Span::new(6, text.len()),
    };
    value(
        ValueKind::Now {
            word: "now".into(),
            offset: Some(offset),
        },
        text,
    )
}

fn list(items: Vec<Src<Value>>) -> Src<Value> {
    let mut text = String::from("[");
    let mut values = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        values.push(append(&mut text, item));
    }
    text.push(']');
    value(ValueKind::List(values), text)
}

fn expr(kind: ExprKind, text: String) -> Src<Expr> {
    Src {
        node: Expr {
            kind,
            span: Span::new(0, text.len()),
        },
        text,
    }
}

fn operator(op: &str) -> CompareOp {
    CompareOp::ALL
        .into_iter()
        .find(|o| o.as_str() == op)
        .unwrap_or_else(|| panic!("no operator {op}"))
}

/// `field op value`.
fn cmp(field: &str, op: &str, value: Src<Value>) -> Src<Expr> {
    let mut text = String::new();
    let field = ident(&mut text, field);
    text.push(' ');
    let op_span = Span::new(text.len(), text.len() + op.len());
    text.push_str(op);
    text.push(' ');
    let value = append(&mut text, value);
    let kind = ExprKind::Compare {
        field,
        op: operator(op),
        op_span,
        value,
    };
    expr(kind, text)
}

fn membership(field: &str, negated: bool, values: Vec<Src<Value>>) -> Src<Expr> {
    let mut text = String::new();
    let field = ident(&mut text, field);
    text.push(' ');
    let keyword = if negated { "not in" } else { "in" };
    let op_span = Span::new(text.len(), text.len() + keyword.len());
    text.push_str(keyword);
    text.push_str(" (");
    let mut written = Vec::new();
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        written.push(append(&mut text, v));
    }
    text.push(')');
    let kind = ExprKind::In {
        field,
        negated,
        op_span,
        values: written,
    };
    expr(kind, text)
}

/// `field in (v, …)`.
fn is_in(field: &str, values: Vec<Src<Value>>) -> Src<Expr> {
    membership(field, false, values)
}

/// `field not in (v, …)`.
fn not_in(field: &str, values: Vec<Src<Value>>) -> Src<Expr> {
    membership(field, true, values)
}

fn chain(keyword: &str, operands: Vec<Src<Expr>>) -> (Vec<Expr>, String) {
    let mut text = String::new();
    let mut exprs = Vec::new();
    for (i, operand) in operands.into_iter().enumerate() {
        if i > 0 {
            text.push(' ');
            text.push_str(keyword);
            text.push(' ');
        }
        exprs.push(append(&mut text, operand));
    }
    (exprs, text)
}

fn and(operands: Vec<Src<Expr>>) -> Src<Expr> {
    let (operands, text) = chain("and", operands);
    expr(ExprKind::And(operands), text)
}

fn or(operands: Vec<Src<Expr>>) -> Src<Expr> {
    let (operands, text) = chain("or", operands);
    expr(ExprKind::Or(operands), text)
}

fn not(operand: Src<Expr>) -> Src<Expr> {
    let mut text = String::from("not ");
    let operand = append(&mut text, operand);
    expr(ExprKind::Not(Box::new(operand)), text)
}

/// `(inner)`: the expression's span leaves the parentheses out.
fn paren(inner: Src<Expr>) -> Src<Expr> {
    let mut text = String::from("(");
    let node = append(&mut text, inner);
    text.push(')');
    Src { node, text }
}

fn reference(name: &str) -> Src<Expr> {
    let mut text = String::from("@");
    let name = ident(&mut text, name);
    expr(ExprKind::Ref(name), text)
}

fn clause(kind: ClauseKind, text: String) -> Src<Clause> {
    Src {
        node: Clause {
            kind,
            span: Span::new(0, text.len()),
        },
        text,
    }
}

fn sort(field: &str, order: Option<&str>) -> Src<Clause> {
    let mut text = String::from("sort by ");
    let field = ident(&mut text, field);
    let order = order.map(|o| {
        text.push(' ');
        let span = Span::new(text.len(), text.len() + o.len());
        text.push_str(o);
        let order = if o == "asc" { Order::Asc } else { Order::Desc };
        (order, span)
    });
    clause(ClauseKind::Sort { field, order }, text)
}

fn number_clause(keyword: &str, digits: &str) -> Src<Clause> {
    let text = format!("{keyword} {digits}");
    let span = Span::new(keyword.len() + 1, text.len());
    let kind = if keyword == "limit" {
        ClauseKind::Limit(digits.into(), span)
    } else {
        ClauseKind::Offset(digits.into(), span)
    };
    clause(kind, text)
}

fn limit(digits: &str) -> Src<Clause> {
    number_clause("limit", digits)
}

fn offset(digits: &str) -> Src<Clause> {
    number_clause("offset", digits)
}

fn query(e: Src<Expr>, clauses: Vec<Src<Clause>>) -> Src<Query> {
    let mut text = String::new();
    let expr = append(&mut text, e);
    let clauses = clauses
        .into_iter()
        .map(|c| {
            text.push(' ');
            append(&mut text, c)
        })
        .collect();
    Src {
        node: Query {
            expr,
            clauses,
            span: Span::new(0, text.len()),
        },
        text,
    }
}

/// 2024-06-01T00:00:00Z, the clock of every test.
const NOW: i64 = 1_717_200_000;

fn cx() -> Context {
    Context::new(jiff::Timestamp::from_second(NOW).expect("a valid timestamp"))
}

fn field(name: &str) -> &'static hcq::schema::Field {
    Schema::CONTACTS.by_name(name)
}

/// The typed tree of an expression that must check.
fn typed(e: Src<Expr>) -> typed::Expr {
    check_expr(&e.node, &cx())
        .unwrap_or_else(|errors| panic!("`{}` should check, got {errors:#?}", e.text))
}

/// The single filter of an expression that must check to one.
fn filter(e: Src<Expr>) -> typed::Filter {
    match typed(e) {
        typed::Expr::Filter(filter) => filter,
        other => panic!("expected one filter, got {other:#?}"),
    }
}

fn literal(e: Src<Expr>) -> Literal {
    filter(e).value
}

/// One error as a test reads it: its code, its message, its help and the
/// text under each label with the label's words.
#[derive(Debug)]
struct Seen {
    code: String,
    message: String,
    help: String,
    labels: Vec<(String, String)>,
    /// Where each label starts.
    starts: Vec<usize>,
}

fn seen(error: &CheckError, text: &str) -> Seen {
    let code = error.code().expect("every error has a code").to_string();
    assert!(code.starts_with("hcq::check::"), "{code}");
    let help = error.help().expect("every error has help").to_string();
    let starts = error
        .labels()
        .expect("every error has a label")
        .map(|l| l.offset())
        .collect();
    let labels: Vec<(String, String)> = error
        .labels()
        .expect("every error has a label")
        .map(|l| {
            let under = text[l.offset()..l.offset() + l.len()].to_owned();
            (under, l.label().expect("every label has words").to_owned())
        })
        .collect();
    assert!(!labels.is_empty(), "{code} has no label");
    Seen {
        code,
        message: error.to_string(),
        help,
        labels,
        starts,
    }
}

fn query_errors(q: Src<Query>) -> Vec<Seen> {
    match check_query(&q.node, &cx()) {
        Ok(typed) => panic!("`{}` should not check, got {typed:#?}", q.text),
        Err(errors) => errors.iter().map(|e| seen(e, &q.text)).collect(),
    }
}

fn expr_errors(e: Src<Expr>) -> Vec<Seen> {
    query_errors(query(e, vec![]))
}

/// The only error of an expression.
fn one_error(e: Src<Expr>) -> Seen {
    let text = e.text.clone();
    let mut errors = expr_errors(e);
    assert_eq!(errors.len(), 1, "`{text}`: {errors:#?}");
    errors.remove(0)
}

fn codes(errors: &[Seen]) -> Vec<&str> {
    errors
        .iter()
        .map(|e| e.code.trim_start_matches("hcq::check::"))
        .collect()
}

fn under(error: &Seen) -> Vec<&str> {
    error.labels.iter().map(|(text, _)| text.as_str()).collect()
}

// Fields.

#[test]
fn unknown_field_suggests_a_close_name() {
    let e = one_error(cmp("emial", "~", word("gmail")));
    assert_eq!(e.code, "hcq::check::unknown_field");
    assert_eq!(e.message, "unknown field `emial`");
    assert_eq!(under(&e), ["emial"]);
    assert_eq!(e.help, "did you mean `email`?");
}

#[test]
fn unknown_field_far_from_any_lists_the_searchable_fields() {
    let e = one_error(cmp("zzzz", "=", int("1")));
    assert_eq!(e.code, "hcq::check::unknown_field");
    assert!(
        e.help
            .starts_with("the searchable fields are `id`, `userId`"),
        "{}",
        e.help
    );
    assert!(e.help.ends_with("and `lastSeen`"), "{}", e.help);
    assert!(!e.help.contains("firstSeen"), "{}", e.help);
}

#[test]
fn full_field_names_and_aliases_resolve() {
    let f = filter(cmp("customers.email", "~", word("gmail")));
    assert_eq!(f.field, field("customers.email"));
    for alias in ["tag", "tags", "tagsData", "customers.tagsData"] {
        assert_eq!(
            filter(cmp(alias, "=", word("Lead"))).field,
            field("customers.tagsData")
        );
    }
}

#[test]
fn sort_only_field_in_a_filter_says_how_to_sort() {
    let e = one_error(cmp("firstSeen", ">", int("5")));
    assert_eq!(e.code, "hcq::check::sort_only_field");
    assert_eq!(
        e.message,
        "`firstSeen` can only be sorted by, not filtered on"
    );
    assert_eq!(under(&e), ["firstSeen"]);
    assert!(e.help.contains("`sort by firstSeen`"), "{}", e.help);
    assert!(e.help.contains("use `lastSeen`"), "{}", e.help);

    // Its operator and value are still checked by its type.
    let errors = expr_errors(cmp("firstSeen", "~", now_offset('-', "30", "x")));
    assert_eq!(
        codes(&errors),
        ["sort_only_field", "operator_type", "time_unit"]
    );
    let errors = expr_errors(is_in("firstSeen", vec![int("1"), word("x")]));
    assert_eq!(codes(&errors), ["sort_only_field", "value_type"]);
}

// Operators.

#[test]
fn operator_the_type_does_not_take_is_labelled_and_the_allowed_ones_named() {
    let e = one_error(cmp("id", "~", int("5")));
    assert_eq!(e.code, "hcq::check::operator_type");
    assert_eq!(e.message, "`id` cannot be compared with `~`");
    assert_eq!(
        e.labels,
        [("~".to_owned(), "not an operator for integers".to_owned())]
    );
    assert_eq!(e.help, "`id` takes `=`, `!=`, `>`, `<`, `>=` and `<=`");

    let e = one_error(cmp("email", ">", int("5")));
    assert_eq!(e.code, "hcq::check::operator_type");
    assert_eq!(under(&e), [">"]);
    assert_eq!(
        e.help,
        "`email` takes `=`, `!=`, `~` (contains) and `!~` (does not contain)"
    );

    let e = one_error(cmp("tag", "~", word("x")));
    assert_eq!(e.code, "hcq::check::operator_type");
    assert_eq!(under(&e), ["~"]);
    assert!(e.help.starts_with("tags take only `=`"), "{}", e.help);

    let e = one_error(cmp("lastSeen", "!~", int("5")));
    assert_eq!(e.labels[0].1, "not an operator for dates");
}

#[test]
fn every_operator_the_table_allows_checks() {
    for f in Schema::CONTACTS.searchable() {
        for &op in f.ty.operators() {
            let value = if f.ty == hcq::schema::FieldType::Date {
                date("2024-01-01")
            } else {
                int("7")
            };
            let checked = filter(cmp(f.short_name(), op.as_str(), value));
            assert_eq!((checked.field, checked.op), (f, op));
        }
    }
}

#[test]
fn a_wrong_operator_and_a_wrong_value_are_both_reported() {
    let errors = expr_errors(cmp("id", "~", word("abc")));
    assert_eq!(codes(&errors), ["operator_type", "value_type"]);
}

// Values of the wrong type.

#[test]
fn text_for_a_date_shows_how_dates_are_written() {
    let e = one_error(cmp("lastSeen", ">=", quoted("18 June 2020")));
    assert_eq!(e.code, "hcq::check::value_type");
    assert_eq!(e.message, "`lastSeen` takes a date, not quoted text");
    assert_eq!(
        e.labels,
        [("\"18 June 2020\"".to_owned(), "not a date".to_owned())]
    );
    assert!(
        e.help
            .contains("2024-01-01, 2024-01-01T10:00:00Z, now - 30d or 1700000000"),
        "{}",
        e.help
    );
    let e = one_error(cmp("lastSeen", "=", word("yesterday")));
    assert_eq!(e.message, "`lastSeen` takes a date, not a word");
}

#[test]
fn a_word_for_an_integer_is_the_wrong_type() {
    let e = one_error(cmp("id", "=", word("abc")));
    assert_eq!(e.code, "hcq::check::value_type");
    assert_eq!(e.message, "`id` takes an integer, not a word");
    assert_eq!(under(&e), ["abc"]);
    assert!(e.help.contains("such as 42"), "{}", e.help);

    let e = one_error(cmp("id", "=", quoted("5")));
    assert!(
        e.help.ends_with("numbers are written without quotes"),
        "{}",
        e.help
    );

    for v in [date("2024-01-01"), now(), datetime("2024-01-01T10:00:00Z")] {
        assert_eq!(one_error(cmp("id", "=", v)).code, "hcq::check::value_type");
    }
}

#[test]
fn a_list_for_a_single_value_suggests_in() {
    let e = one_error(cmp("email", "=", list(vec![word("a"), word("b")])));
    assert_eq!(e.code, "hcq::check::value_type");
    assert_eq!(e.message, "`email` takes text, not a list");
    assert_eq!(under(&e), ["[a, b]"]);
    assert!(e.help.ends_with("write `email in (…)`"), "{}", e.help);
    for f in ["id", "lastSeen"] {
        let e = one_error(cmp(f, "=", list(vec![int("1")])));
        assert_eq!(e.code, "hcq::check::value_type");
    }
}

#[test]
fn a_time_relative_to_now_is_no_text() {
    let e = one_error(cmp("name", "=", now_offset('-', "1", "d")));
    assert_eq!(e.message, "`name` takes text, not a time relative to now");
    assert_eq!(under(&e), ["now - 1d"]);
}

// Dates, times and numbers that do not exist.

#[test]
fn invalid_dates_say_why() {
    let cases = [
        ("2020-13-45", "there is no month 13"),
        ("2020-00-10", "there is no month 0"),
        ("2020-02-30", "February 2020 has 29 days"),
        ("2021-02-29", "February 2021 has 28 days"),
        ("2024-04-31", "April 2024 has 30 days"),
        ("2024-01-00", "there is no day 0"),
    ];
    for (text, reason) in cases {
        let e = one_error(cmp("lastSeen", ">", date(text)));
        assert_eq!(e.code, "hcq::check::invalid_date");
        assert_eq!(e.message, format!("`{text}` is not a date"));
        assert_eq!(e.labels, [(text.to_owned(), reason.to_owned())]);
    }
}

#[test]
fn invalid_datetimes_say_why() {
    let cases = [
        ("2024-01-01T25:00:00Z", "there is no hour 25"),
        ("2024-01-01T10:61:00Z", "there is no minute 61"),
        ("2024-01-01T10:00:61Z", "there is no second 61"),
        ("2024-02-30T10:00:00Z", "February 2024 has 29 days"),
        (
            "2024-01-01T10:00:00",
            "no time zone: add `Z` for UTC or an offset such as `+02:00`",
        ),
        (
            "2024-01-01T10:00:60Z",
            "there is no second 60 in UNIX time, which skips leap seconds",
        ),
        (
            "2024-01-01T10:00:00+25:00",
            "there is no UTC offset +25:00: offsets go from -23:59 to +23:59",
        ),
        (
            "2024-01-01T10:00:00-24:00",
            "there is no UTC offset -24:00: offsets go from -23:59 to +23:59",
        ),
        (
            "2024-01-01T10:00:00+23:60",
            "there is no UTC offset +23:60: offsets go from -23:59 to +23:59",
        ),
        (
            "2024-01-01T10:00:00+0200",
            "`+0200` is no UTC offset: write one such as `+02:00`",
        ),
        (
            "2024-01-01T10:00:00.Z",
            "expected YYYY-MM-DDTHH:MM:SS and `Z` or an offset such as `+02:00`",
        ),
        (
            "2024-01-01T10Z",
            "expected YYYY-MM-DDTHH:MM:SS and `Z` or an offset such as `+02:00`",
        ),
    ];
    for (text, reason) in cases {
        let e = one_error(cmp("lastSeen", ">", datetime(text)));
        assert_eq!(e.code, "hcq::check::invalid_datetime");
        assert_eq!(e.message, format!("`{text}` is not a date and time"));
        assert_eq!(e.labels, [(text.to_owned(), reason.to_owned())]);
    }
}

/// Trees built by hand may hold what the grammar never reads as a date:
/// each is an error in words, never the date library's.
#[test]
fn malformed_dates_in_hand_built_trees_say_why() {
    for text in [
        "12345-01-01",
        "2024-1-01",
        "+999-01-01",
        "2024-01-01-01",
        "２０２４-01-01",
    ] {
        let e = one_error(cmp("lastSeen", ">", date(text)));
        assert_eq!(e.code, "hcq::check::invalid_date");
        assert_eq!(
            e.labels,
            [(text.to_owned(), "expected YYYY-MM-DD".to_owned())]
        );
    }
    for text in [
        "2024-01-01",
        "2024-01-01T",
        "2024-01-01T10:00:00ZZ",
        "2024-01-01Té:00:00Z",
    ] {
        let e = one_error(cmp("lastSeen", ">", datetime(text)));
        assert_eq!(e.code, "hcq::check::invalid_datetime", "{text}");
    }
}

/// A year of other than four digits reads as a word; it is told as a
/// date that is out of range, not as a word.
#[test]
fn years_of_other_than_four_digits_are_out_of_range() {
    let reason = "a year has four digits: dates go from 0000-01-01 to 9999-12-31";
    for (text, code) in [
        ("10000-01-01", "hcq::check::invalid_date"),
        ("-0001-01-01", "hcq::check::invalid_date"),
        ("+2024-01-01", "hcq::check::invalid_date"),
        ("999-12-31", "hcq::check::invalid_date"),
        ("10000-01-01T00:00:00Z", "hcq::check::invalid_datetime"),
    ] {
        let e = one_error(cmp("lastSeen", ">", word(text)));
        assert_eq!(e.code, code, "{text}");
        assert_eq!(e.labels, [(text.to_owned(), reason.to_owned())]);
    }
    // Other words stay words.
    for text in ["10000-01-01x", "1-2-3", "2024-01"] {
        let e = one_error(cmp("lastSeen", ">", word(text)));
        assert_eq!(e.code, "hcq::check::value_type", "{text}");
    }
}

/// `>=` and `<` round a fraction of a second up, `>` and `<=` down: for
/// every whole second `t`, `t >= x.5` is `t >= x + 1`, and so on.
#[test]
fn fractions_of_a_second_round_the_way_that_keeps_the_comparison() {
    let whole = 1_704_103_200;
    for (op, seconds) in [
        (">=", whole + 1),
        ("<", whole + 1),
        (">", whole),
        ("<=", whole),
    ] {
        for text in [
            "2024-01-01T10:00:00.5Z",
            "2024-01-01T10:00:00.000000000001Z",
            "2024-01-01T10:00:00.999999999999Z",
        ] {
            assert_eq!(
                literal(cmp("lastSeen", op, datetime(text))),
                Literal::Timestamp(seconds),
                "{op} {text}"
            );
        }
    }
    // Before 1970 too: the second at or before the instant, not toward zero.
    assert_eq!(
        literal(cmp("lastSeen", "<=", datetime("1969-12-31T23:59:59.5Z"))),
        Literal::Timestamp(-1)
    );
    assert_eq!(
        literal(cmp("lastSeen", ">=", datetime("1969-12-31T23:59:59.5Z"))),
        Literal::Timestamp(0)
    );
}

#[test]
fn equality_with_a_fraction_of_a_second_is_an_error() {
    for (e, op) in [
        (
            cmp("lastSeen", "=", datetime("2024-01-01T10:00:00.5Z")),
            "=",
        ),
        (
            cmp("lastSeen", "!=", datetime("2024-01-01T10:00:00.5Z")),
            "!=",
        ),
        (
            is_in("lastSeen", vec![datetime("2024-01-01T10:00:00.5Z")]),
            "in",
        ),
        (
            not_in(
                "lastSeen",
                vec![date("2024-01-01"), datetime("2024-01-01T10:00:00.5Z")],
            ),
            "not in",
        ),
    ] {
        let e = one_error(e);
        assert_eq!(e.code, "hcq::check::fractional_second");
        assert_eq!(
            e.message,
            format!("`lastSeen {op}` cannot compare with a fraction of a second")
        );
        assert_eq!(
            e.labels,
            [(
                "2024-01-01T10:00:00.5Z".to_owned(),
                "between two whole seconds".to_owned()
            )]
        );
        assert!(
            e.help.contains("such as `2024-01-01T10:00:00Z`"),
            "{}",
            e.help
        );
    }
    // Zeros after the point are no fraction.
    assert_eq!(
        literal(cmp(
            "lastSeen",
            "=",
            datetime("2024-01-01T10:00:00.000+02:00")
        )),
        Literal::Timestamp(1_704_096_000)
    );
}

#[test]
fn integers_past_64_bits_are_out_of_range() {
    for f in ["id", "lastSeen"] {
        let e = one_error(cmp(f, "=", int("9223372036854775808")));
        assert_eq!(e.code, "hcq::check::integer_range");
        assert_eq!(under(&e), ["9223372036854775808"]);
    }
    assert_eq!(
        literal(cmp("id", "=", int("-9223372036854775808"))),
        Literal::Integer(i64::MIN)
    );
}

#[test]
fn unknown_time_units_are_errors() {
    let e = one_error(cmp("lastSeen", ">", now_offset('-', "30", "x")));
    assert_eq!(e.code, "hcq::check::time_unit");
    assert_eq!(e.message, "unknown time unit `x`");
    assert_eq!(under(&e), ["30x"]);
    assert_eq!(
        one_error(cmp("lastSeen", ">", now_offset('-', "30", "M"))).code,
        "hcq::check::time_unit"
    );
}

#[test]
fn offsets_that_leave_the_calendar_are_errors() {
    for (sign, amount, unit) in [
        ('-', "99999999999999999999", "s"),
        ('-', "9223372036854775807", "w"),
        ('+', "99999999999", "w"),
        ('-', "999999999999", "d"),
    ] {
        let e = one_error(cmp("lastSeen", ">", now_offset(sign, amount, unit)));
        assert_eq!(e.code, "hcq::check::offset_range");
        assert_eq!(under(&e), [format!("{amount}{unit}")]);
    }
}

// Reading values by the field's type.

#[test]
fn text_fields_keep_values_as_written() {
    let cases = [
        (cmp("userId", "=", int("00123")), "00123"),
        (cmp("phone", "=", int("10233456781")), "10233456781"),
        (cmp("phone", "=", int("+10233456781")), "+10233456781"),
        (cmp("email", "~", word("gmail.com")), "gmail.com"),
        (cmp("name", "=", quoted("Ann Lee")), "Ann Lee"),
        (cmp("city", "=", date("2020-13-45")), "2020-13-45"),
        (
            cmp("city", "=", datetime("2024-01-01T10:00:00Z")),
            "2024-01-01T10:00:00Z",
        ),
        (cmp("name", "=", now()), "now"),
        (cmp("name", "=", now_as("NOW")), "NOW"),
        (cmp("city", "!=", now_as("Now")), "Now"),
    ];
    for (e, text) in cases {
        assert_eq!(literal(e), Literal::Text(text.to_owned()));
    }
}

#[test]
fn integer_fields_read_integers() {
    assert_eq!(literal(cmp("id", "=", int("42"))), Literal::Integer(42));
    assert_eq!(literal(cmp("id", ">", int("+5"))), Literal::Integer(5));
    assert_eq!(literal(cmp("id", "<", int("-7"))), Literal::Integer(-7));
    assert_eq!(literal(cmp("id", "=", int("00123"))), Literal::Integer(123));
}

#[test]
fn date_fields_read_timestamps() {
    let cases = [
        (int("1603885746"), 1_603_885_746),
        (date("2020-10-28"), 1_603_843_200),
        (date("1970-01-01"), 0),
        (datetime("2024-01-01T10:00:00Z"), 1_704_103_200),
        (datetime("2024-01-01T10:00:00+02:00"), 1_704_096_000),
        // `>=` rounds a fraction of a second up: see `fractions_of_a_second_*`.
        (datetime("2024-01-01T10:00:00.750Z"), 1_704_103_201),
        (datetime("2024-01-01T10:00:00.000Z"), 1_704_103_200),
        (datetime("2024-01-01T10:00Z"), 1_704_103_200),
        (
            datetime("2024-01-01T10:00:00-23:59"),
            1_704_103_200 + 86_340,
        ),
        (
            datetime("2024-01-01T10:00:00+23:59"),
            1_704_103_200 - 86_340,
        ),
        (date("0000-01-01"), -62_167_219_200),
        (date("1969-12-31"), -86_400),
        (date("2000-02-29"), 951_782_400),
        // Past the end of jiff's timestamps, but a date a user can write.
        (date("9999-12-31"), 253_402_214_400),
        (
            datetime("9999-12-31T23:59:59-23:59"),
            253_402_300_799 + 86_340,
        ),
        (now(), NOW),
        (now_offset('-', "30", "d"), NOW - 30 * 86_400),
        (now_offset('+', "2", "h"), NOW + 2 * 3_600),
        (now_offset('-', "1", "w"), NOW - 7 * 86_400),
        (now_offset('-', "15", "m"), NOW - 15 * 60),
        (now_offset('-', "10", "s"), NOW - 10),
    ];
    for (value, seconds) in cases {
        let text = value.text.clone();
        assert_eq!(
            literal(cmp("lastSeen", ">=", value)),
            Literal::Timestamp(seconds),
            "{text}"
        );
    }
}

#[test]
fn tag_values_are_names() {
    let tags = |names: &[&str]| Literal::Tags(names.iter().map(|&n| n.to_owned()).collect());
    assert_eq!(literal(cmp("tag", "=", word("Lead"))), tags(&["Lead"]));
    assert_eq!(
        literal(cmp("tag", "=", quoted("beta tester"))),
        tags(&["beta tester"])
    );
    assert_eq!(literal(cmp("tag", "=", int("2024"))), tags(&["2024"]));
    assert_eq!(
        literal(cmp(
            "tags",
            "=",
            list(vec![word("Lead"), quoted("Paid"), word("Lead"), int("7")])
        )),
        tags(&["Lead", "Paid", "7"])
    );
}

#[test]
fn tag_lists_hold_only_names() {
    let e = one_error(cmp(
        "tags",
        "=",
        list(vec![word("Lead"), list(vec![word("x")])]),
    ));
    assert_eq!(e.code, "hcq::check::value_type");
    assert_eq!(e.message, "`tags` takes tag names, not a nested list");
    assert_eq!(under(&e), ["[x]"]);

    // Each wrong name in a list is reported.
    let errors = expr_errors(cmp(
        "tags",
        "=",
        list(vec![date("2024-01-01"), word("Lead"), now()]),
    ));
    assert_eq!(codes(&errors), ["value_type", "value_type"]);
    assert_eq!(under(&errors[0]), ["2024-01-01"]);
    assert_eq!(under(&errors[1]), ["now"]);
    assert!(
        errors[0]
            .help
            .ends_with("to use it as a tag name, quote it: \"2024-01-01\""),
        "{}",
        errors[0].help
    );
    assert!(
        errors[1]
            .help
            .ends_with("to use it as a tag name, quote it: \"now\""),
        "{}",
        errors[1].help
    );

    for v in [date("2024-01-01"), now(), now_offset('-', "1", "d")] {
        assert_eq!(one_error(cmp("tag", "=", v)).code, "hcq::check::value_type");
    }

    let e = one_error(cmp("tags", "=", list(vec![])));
    assert_eq!(e.code, "hcq::check::empty_tag_list");
    assert_eq!(under(&e), ["[]"]);
}

// `in` lists.

#[test]
fn in_is_an_or_of_equalities_with_each_value_spanned() {
    let e = is_in("countryCode", vec![word("UA"), word("PL"), word("DE")]);
    let text = e.text.clone();
    let checked = typed(e);
    let typed::Expr::Or(filters, span) = &checked else {
        panic!("expected an or, got {checked:#?}");
    };
    assert_eq!(span.slice(&text), text);
    let written: Vec<(&str, &Literal, CompareOp)> = filters
        .iter()
        .map(|f| match f {
            typed::Expr::Filter(f) => (f.span.slice(&text), &f.value, f.op),
            other => panic!("expected a filter, got {other:#?}"),
        })
        .collect();
    let text_of = |s: &str| Literal::Text(s.to_owned());
    assert_eq!(
        written,
        [
            ("UA", &text_of("UA"), CompareOp::Eq),
            ("PL", &text_of("PL"), CompareOp::Eq),
            ("DE", &text_of("DE"), CompareOp::Eq),
        ]
    );
}

#[test]
fn in_with_one_value_is_that_filter() {
    let f = filter(is_in("id", vec![int("3")]));
    assert_eq!((f.op, f.value), (CompareOp::Eq, Literal::Integer(3)));
}

#[test]
fn not_in_is_the_negated_or() {
    let checked = typed(not_in("id", vec![int("1"), int("2")]));
    let typed::Expr::Not(inner, _) = checked else {
        panic!("expected a not, got {checked:#?}");
    };
    let typed::Expr::Or(filters, _) = *inner else {
        panic!("expected an or, got {inner:#?}");
    };
    assert_eq!(filters.len(), 2);

    let checked = typed(not_in("city", vec![word("Kyiv")]));
    assert!(
        matches!(&checked, typed::Expr::Not(inner, _) if matches!(**inner, typed::Expr::Filter(_))),
        "{checked:#?}"
    );
}

#[test]
fn tag_in_is_an_or_of_single_tag_filters() {
    let checked = typed(is_in("tag", vec![word("A"), word("B")]));
    let typed::Expr::Or(filters, _) = checked else {
        panic!("expected an or, got {checked:#?}");
    };
    let values: Vec<Literal> = filters
        .into_iter()
        .map(|f| match f {
            typed::Expr::Filter(f) => f.value,
            other => panic!("expected a filter, got {other:#?}"),
        })
        .collect();
    assert_eq!(
        values,
        [
            Literal::Tags(vec!["A".into()]),
            Literal::Tags(vec!["B".into()])
        ]
    );
}

#[test]
fn every_bad_value_of_an_in_list_is_reported() {
    let errors = expr_errors(is_in("id", vec![word("a"), int("1"), word("b")]));
    assert_eq!(codes(&errors), ["value_type", "value_type"]);
    assert_eq!(under(&errors[0]), ["a"]);
    assert_eq!(under(&errors[1]), ["b"]);
}

// Tags cannot be negated.

#[test]
fn tag_not_equal_has_its_own_message() {
    let e = one_error(cmp("tag", "!=", word("Spam")));
    assert_eq!(e.code, "hcq::check::tag_not_equal");
    assert_eq!(e.message, "tags cannot be compared with `!=`");
    assert_eq!(under(&e), ["!="]);
    assert!(e.help.contains("such as `tag = Customer`"), "{}", e.help);

    let e = one_error(not(paren(cmp("tag", "!=", word("Spam")))));
    assert_eq!(e.code, "hcq::check::tag_not_equal");
    assert!(
        e.help.contains("`tag != X` means `tag = X`: write that"),
        "{}",
        e.help
    );
}

#[test]
fn a_tag_test_under_not_labels_the_test_and_the_not() {
    let e = one_error(not(paren(cmp("tag", "=", word("X")))));
    assert_eq!(e.code, "hcq::check::tag_negation");
    assert_eq!(e.message, "a tag test cannot be negated");
    assert_eq!(
        e.labels,
        [
            ("tag = X".to_owned(), "this tag test".to_owned()),
            ("not".to_owned(), "is negated here".to_owned()),
        ]
    );
    assert!(e.help.contains("no \"has not this tag\""), "{}", e.help);
}

#[test]
fn a_tag_test_deep_under_not_is_found() {
    let e = one_error(not(paren(and(vec![
        cmp("id", ">", int("1")),
        cmp("tag", "=", word("X")),
    ]))));
    assert_eq!(e.code, "hcq::check::tag_negation");
    assert_eq!(under(&e), ["tag = X", "not"]);

    // The innermost `not` of an odd number is labelled.
    let q = not(paren(or(vec![
        cmp("id", "=", int("1")),
        not(paren(and(vec![
            cmp("id", "=", int("2")),
            not(cmp("tag", "=", word("X"))),
        ]))),
    ])));
    let text = q.text.clone();
    let e = one_error(q);
    assert_eq!(under(&e), ["tag = X", "not"]);
    assert_eq!(e.starts[1], text.rfind("not").expect("three nots"));
}

#[test]
fn an_even_number_of_nots_is_fine() {
    let checked = typed(not(not(cmp("tag", "=", word("X")))));
    let typed::Expr::Not(inner, _) = checked else {
        panic!("expected a not, got {checked:#?}");
    };
    assert!(matches!(*inner, typed::Expr::Not(..)), "{inner:#?}");
}

#[test]
fn tag_not_in_is_a_negation() {
    let e = one_error(not_in("tag", vec![word("A"), word("B")]));
    assert_eq!(e.code, "hcq::check::tag_negation");
    assert_eq!(under(&e), ["tag", "not in"]);

    // Under one more `not` it asks for the tags themselves.
    let checked = typed(not(paren(not_in("tag", vec![word("A")]))));
    assert!(matches!(checked, typed::Expr::Not(..)), "{checked:#?}");

    let e = one_error(not(paren(is_in("tag", vec![word("A"), word("B")]))));
    assert_eq!(e.code, "hcq::check::tag_negation");
    assert_eq!(under(&e), ["tag in (A, B)", "not"]);
}

#[test]
fn other_fields_may_be_negated() {
    let checked = typed(not(paren(cmp("city", "=", word("Kyiv")))));
    assert!(matches!(checked, typed::Expr::Not(..)), "{checked:#?}");
}

// Clauses.

#[test]
fn clauses_are_checked() {
    let q = query(
        cmp("email", "~", word("gmail")),
        vec![sort("lastSeen", Some("desc")), limit("50"), offset("100")],
    );
    let checked = check_query(&q.node, &cx()).expect("checks");
    assert_eq!(
        checked.sort,
        Some(typed::Sort {
            field: field("customers.lastSeen"),
            order: Some(Order::Desc),
        })
    );
    assert_eq!(
        (checked.limit, checked.offset),
        (Some(Limit::Rows(50)), Some(100))
    );

    let q = query(
        cmp("id", ">", int("1")),
        vec![sort("customers.firstSeen", None)],
    );
    let checked = check_query(&q.node, &cx()).expect("checks");
    assert_eq!(
        checked.sort,
        Some(typed::Sort {
            field: field("customers.firstSeen"),
            order: None,
        })
    );
    assert_eq!((checked.limit, checked.offset), (None, None));

    // `all` (any case) after `limit` is every row.
    for all in ["all", "ALL"] {
        let q = query(cmp("id", ">", int("1")), vec![limit(all)]);
        let checked = check_query(&q.node, &cx()).expect("checks");
        assert_eq!(checked.limit, Some(Limit::All));
    }
}

#[test]
fn a_clause_given_twice_labels_both() {
    let errors = query_errors(query(
        cmp("id", ">", int("1")),
        vec![
            limit("5"),
            limit("6"),
            sort("lastSeen", None),
            sort("lastSeen", Some("asc")),
        ],
    ));
    assert_eq!(codes(&errors), ["duplicate_clause", "duplicate_clause"]);
    assert_eq!(errors[0].message, "`limit` is given twice");
    assert_eq!(
        errors[0].labels,
        [
            ("limit 5".to_owned(), "first given here".to_owned()),
            ("limit 6".to_owned(), "given again here".to_owned()),
        ]
    );
    assert_eq!(errors[1].message, "`sort by` is given twice");
    assert_eq!(
        under(&errors[1]),
        ["sort by lastSeen", "sort by lastSeen asc"]
    );
}

#[test]
fn sorting_by_a_field_the_api_does_not_sort_by() {
    let errors = query_errors(query(cmp("id", ">", int("1")), vec![sort("email", None)]));
    assert_eq!(codes(&errors), ["not_sortable"]);
    assert_eq!(errors[0].message, "cannot sort by `email`");
    assert_eq!(under(&errors[0]), ["email"]);
    assert_eq!(
        errors[0].help,
        "the API sorts only by `lastSeen` or `firstSeen`"
    );
}

#[test]
fn sorting_by_an_unknown_field_suggests() {
    let errors = query_errors(query(
        cmp("id", ">", int("1")),
        vec![sort("lastseen", None)],
    ));
    assert_eq!(codes(&errors), ["unknown_field"]);
    assert_eq!(errors[0].help, "did you mean `lastSeen`?");
    // A close name that cannot be sorted by is no suggestion.
    let errors = query_errors(query(cmp("id", ">", int("1")), vec![sort("emial", None)]));
    assert_eq!(
        errors[0].help,
        "the API sorts only by `lastSeen` or `firstSeen`"
    );
}

#[test]
fn limit_zero_and_numbers_past_64_bits() {
    let errors = query_errors(query(
        cmp("id", ">", int("1")),
        vec![limit("0"), offset("18446744073709551616")],
    ));
    assert_eq!(codes(&errors), ["limit_zero", "clause_range"]);
    assert_eq!(under(&errors[0]), ["0"]);
    assert_eq!(
        errors[1].message,
        "`offset 18446744073709551616` is out of range"
    );
    assert_eq!(under(&errors[1]), ["18446744073709551616"]);

    let errors = query_errors(query(
        cmp("id", ">", int("1")),
        vec![limit("99999999999999999999")],
    ));
    assert_eq!(codes(&errors), ["clause_range"]);

    let q = query(
        cmp("id", ">", int("1")),
        vec![offset("18446744073709551615"), limit("00100")],
    );
    let checked = check_query(&q.node, &cx()).expect("checks");
    assert_eq!(
        (checked.limit, checked.offset),
        (Some(Limit::Rows(100)), Some(u64::MAX))
    );
}

// References and bounds.

#[test]
fn a_reference_reaching_the_checker_is_an_error() {
    let e = one_error(and(vec![
        reference("gmail_leads"),
        cmp("tag", "=", word("Lead")),
    ]));
    assert_eq!(e.code, "hcq::check::reference_outside_file");
    assert_eq!(
        e.message,
        "segment reference `@gmail_leads` outside a segment file"
    );
    assert_eq!(under(&e), ["@gmail_leads"]);
}

#[test]
fn too_many_filters_is_one_error_at_the_first_past_the_bound() {
    let mut limits = cx();
    limits.limits.max_filters = 3;
    let e = or(vec![
        cmp("id", "=", int("1")),
        is_in("id", vec![int("2"), int("3"), int("4")]),
        cmp("id", "=", int("5")),
    ]);
    let text = e.text.clone();
    let errors = check_expr(&e.node, &limits).expect_err("too many");
    let seen: Vec<Seen> = errors.iter().map(|e| seen(e, &text)).collect();
    assert_eq!(codes(&seen), ["too_many_filters"]);
    assert_eq!(seen[0].message, "more than 3 filters");
    assert_eq!(under(&seen[0]), ["4"]);

    let fits = or(vec![
        cmp("id", "=", int("1")),
        is_in("id", vec![int("2"), int("3")]),
    ]);
    assert!(check_expr(&fits.node, &limits).is_ok());
}

#[test]
fn lists_longer_than_the_bound() {
    let mut small = cx();
    small.limits.max_list_len = 2;
    for e in [
        is_in("id", vec![int("1"), int("2"), int("3")]),
        cmp("tags", "=", list(vec![word("a"), word("b"), word("c")])),
    ] {
        let text = e.text.clone();
        let errors = check_expr(&e.node, &small).expect_err("too long");
        let seen: Vec<Seen> = errors.iter().map(|e| seen(e, &text)).collect();
        assert_eq!(codes(&seen), ["list_too_long"]);
        assert_eq!(
            seen[0].message,
            "a list of 3 values is longer than the 2 allowed"
        );
    }
}

#[test]
fn a_long_chain_checks_without_deep_recursion() {
    let mut big = cx();
    big.limits.max_filters = 20_000;
    let operands: Vec<Expr> = (0..20_000)
        .map(|i| cmp("id", "=", int(&i.to_string())).node)
        .collect();
    let chain = Expr {
        kind: ExprKind::Or(operands),
        span: Span::default(),
    };
    match check_expr(&chain, &big) {
        Ok(typed::Expr::Or(filters, _)) => assert_eq!(filters.len(), 20_000),
        other => panic!("expected an or, got {other:?}"),
    }
}

// Shapes and error collection.

#[test]
fn boolean_shapes_are_kept() {
    let checked = typed(or(vec![
        and(vec![
            cmp("email", "~", word("gmail")),
            cmp("id", ">", int("1")),
            not(cmp("city", "=", word("Kyiv"))),
        ]),
        cmp("tag", "=", word("Lead")),
    ]));
    let typed::Expr::Or(operands, _) = checked else {
        panic!("expected an or, got {checked:#?}");
    };
    assert_eq!(operands.len(), 2);
    let typed::Expr::And(terms, _) = &operands[0] else {
        panic!("expected an and, got {:#?}", operands[0]);
    };
    assert_eq!(terms.len(), 3);
    assert!(matches!(terms[2], typed::Expr::Not(..)), "{:#?}", terms[2]);
}

#[test]
fn every_error_is_reported_in_source_order() {
    let errors = query_errors(query(
        and(vec![
            cmp("emial", "=", int("1")),
            paren(or(vec![
                cmp("id", "~", int("5")),
                not(cmp("tag", "=", word("X"))),
            ])),
            cmp("lastSeen", ">", date("2020-13-45")),
            reference("other"),
        ]),
        vec![limit("0"), limit("5"), sort("email", None)],
    ));
    assert_eq!(
        codes(&errors),
        [
            "unknown_field",
            "operator_type",
            "tag_negation",
            "invalid_date",
            "reference_outside_file",
            "limit_zero",
            "duplicate_clause",
            "not_sortable",
        ]
    );
}

#[test]
fn check_expr_checks_a_lone_expression() {
    let checked = typed(cmp("lastSeen", ">=", now_offset('-', "30", "d")));
    assert_eq!(
        checked,
        typed::Expr::Filter(typed::Filter {
            field: field("customers.lastSeen"),
            op: CompareOp::Ge,
            value: Literal::Timestamp(NOW - 30 * 86_400),
            span: Span::default(),
        })
    );
}
