//! Every bound of `hcq::limits`: hit at its default, moved by a custom
//! `Limits`, each with its exact diagnostic code. Also: huge and deep trees
//! are built and dropped without overflowing the stack.

use hcq::Limits;
use hcq::ast::{CompareOp, Expr, ExprKind, Ident, Span, Value, ValueKind};
use hcq::limits::{
    MAX_DEPTH, MAX_DNF_FILTERS, MAX_DNF_TERMS, MAX_FILE_BYTES, MAX_FILE_FILTERS, MAX_FILTERS,
    MAX_INPUT_BYTES, MAX_LIST_LEN, MAX_REQUESTS,
};
use hcq::segment::SegmentFile;
use miette::Diagnostic;

/// The clock every test runs at, so that `now` never varies.
const NOW: &str = "2024-06-01T00:00:00Z";

/// Options with the clock fixed and the given bounds.
fn options(limits: Limits) -> hcq::Options {
    hcq::Options::at(NOW.parse().expect("a valid timestamp")).with_limits(limits)
}

/// Parses and checks `text` under `limits`, as `hcq check` does.
fn check(text: &str, limits: Limits) -> Result<hcq::typed::Query, hcq::Error> {
    hcq::check(text, &options(limits))
}

/// Compiles `text` under `limits`, as `hcq emit` does.
fn compile(text: &str, limits: Limits) -> Result<hcq::Plan, hcq::Error> {
    hcq::compile(text, &options(limits)).map(|compiled| compiled.plan)
}

/// The codes of the problems in `text`, or an empty list if it compiles.
fn codes(text: &str, limits: Limits) -> Vec<String> {
    match compile(text, limits) {
        Ok(_) => Vec::new(),
        Err(error) => codes_of(&error),
    }
}

/// The codes of the problems in `error`.
fn codes_of(error: &hcq::Error) -> Vec<String> {
    error
        .problems()
        .iter()
        .map(|p| p.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

/// The code of the only problem in `text`.
fn code(text: &str, limits: Limits) -> String {
    match codes(text, limits).as_slice() {
        [only] => only.clone(),
        other => panic!(
            "expected exactly one problem in {:.80?}, got {other:?}",
            text
        ),
    }
}

/// `a = 1 or a = 2 or …` with `n` operands.
fn chain(n: usize) -> String {
    (0..n)
        .map(|i| format!("id = {i}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

/// `id in (0, 1, …)` with `n` values.
fn in_list(n: usize) -> String {
    let values: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    format!("id in ({})", values.join(", "))
}

/// `n` parentheses around `id = 1`.
fn nested(n: usize) -> String {
    format!("{}id = 1{}", "(".repeat(n), ")".repeat(n))
}

// ---------------------------------------------------------------- input size

#[test]
fn input_size_default() {
    let just_fits = format!("name = \"{}\"", "a".repeat(MAX_INPUT_BYTES - 9));
    assert_eq!(just_fits.len(), MAX_INPUT_BYTES);
    assert!(compile(&just_fits, Limits::default()).is_ok());
    let one_more = format!("name = \"{}\"", "a".repeat(MAX_INPUT_BYTES - 8));
    assert_eq!(code(&one_more, Limits::default()), "hcq::parse::too_large");
}

#[test]
fn input_size_custom() {
    let mut limits = Limits::default();
    limits.max_input_bytes = 10;
    assert!(compile("id = 12345", limits).is_ok());
    assert_eq!(code("id = 123456", limits), "hcq::parse::too_large");
}

/// Reads the segment file `text` under `limits`, as `hcq check FILE` does.
fn read_file(text: &str, limits: Limits) -> Result<SegmentFile, hcq::Error> {
    SegmentFile::parse("limits.hcq", text, &options(limits))
}

#[test]
fn file_size_default() {
    let segment = "segment s\n  id = 1\n";
    let file = segment.repeat(MAX_FILE_BYTES / segment.len() + 1);
    assert!(file.len() > MAX_FILE_BYTES);
    let error = read_file(&file, Limits::default()).unwrap_err();
    assert_eq!(codes_of(&error), ["hcq::parse::too_large"]);
}

#[test]
fn file_size_custom() {
    let mut limits = Limits::default();
    limits.max_file_bytes = 20;
    assert!(read_file("segment s\n  id = 1\n", limits).is_ok());
    let error = read_file("segment s\n  id = 1234\n", limits).unwrap_err();
    assert_eq!(codes_of(&error), ["hcq::parse::too_large"]);
    // The file bound, not the expression bound, applies to files.
    let mut small_expressions = Limits::default();
    small_expressions.max_input_bytes = 10;
    let file: String = (0..10)
        .map(|i| format!("segment s{i}\n  id = 1\n"))
        .collect();
    assert_eq!(
        read_file(&file, small_expressions)
            .expect("reads")
            .segments()
            .len(),
        10
    );
}

// ---------------------------------------------------------------- depth

#[test]
fn depth_default() {
    assert!(compile(&nested(MAX_DEPTH - 1), Limits::default()).is_ok());
    assert_eq!(
        code(&nested(MAX_DEPTH + 1), Limits::default()),
        "hcq::parse::too_deep"
    );
    let nots = format!("{}id = 1", "not ".repeat(MAX_DEPTH + 1));
    assert_eq!(code(&nots, Limits::default()), "hcq::parse::too_deep");
}

#[test]
fn depth_custom() {
    let mut limits = Limits::default();
    limits.max_depth = 3;
    assert!(compile(&nested(2), limits).is_ok());
    assert_eq!(code(&nested(4), limits), "hcq::parse::too_deep");
    assert_eq!(
        code("not not not not id = 1", limits),
        "hcq::parse::too_deep"
    );
}

/// `count` segments, each using the one before it: `segment s1  not @s0`.
fn chain_of_segments(count: usize, body: &str) -> String {
    let mut file = String::from("segment s0\n  id = 1\n");
    for i in 1..count {
        file.push_str(&format!(
            "segment s{i}\n  {}\n",
            body.replace("@prev", &format!("@s{}", i - 1))
        ));
    }
    file
}

#[test]
fn depth_through_references() {
    // Each `@` stands for parentheses: a chain deeper than the bound fails
    // at the first segment past it (and at every one using it).
    let file = chain_of_segments(MAX_DEPTH + 10, "not @prev");
    let error = read_file(&file, Limits::default()).unwrap_err();
    let codes = codes_of(&error);
    assert!(!codes.is_empty());
    assert!(
        codes.iter().all(|c| c == "hcq::segment::too_deep"),
        "{codes:?}"
    );
    let mut limits = Limits::default();
    limits.max_depth = 4;
    assert!(read_file(&chain_of_segments(2, "not @prev"), limits).is_ok());
    let error = read_file(&chain_of_segments(6, "not @prev"), limits).unwrap_err();
    assert_eq!(codes_of(&error)[0], "hcq::segment::too_deep");
}

// ---------------------------------------------------------------- filters

#[test]
fn filters_default() {
    assert!(compile(&chain(MAX_FILTERS), Limits::default()).is_ok());
    assert_eq!(
        code(&chain(MAX_FILTERS + 1), Limits::default()),
        "hcq::check::too_many_filters"
    );
}

#[test]
fn filters_custom() {
    let mut limits = Limits::default();
    limits.max_filters = 3;
    assert!(compile("id = 1 or id = 2 or id = 3", limits).is_ok());
    assert_eq!(
        code("id = 1 or id = 2 or id = 3 or id = 4", limits),
        "hcq::check::too_many_filters"
    );
    // Each value of an `in` list is a filter.
    assert_eq!(
        code("id in (1, 2) or id in (3, 4)", limits),
        "hcq::check::too_many_filters"
    );
}

#[test]
fn filters_through_references() {
    // Each segment doubles the one before: 2^40 filters, counted, never built.
    let file = chain_of_segments(41, "@prev or @prev");
    let error = read_file(&file, Limits::default()).unwrap_err();
    let codes = codes_of(&error);
    assert!(!codes.is_empty());
    assert!(
        codes.iter().all(|c| c == "hcq::segment::too_many_filters"),
        "{codes:?}"
    );
    let mut limits = Limits::default();
    limits.max_filters = 4;
    assert!(read_file(&chain_of_segments(3, "@prev or @prev"), limits).is_ok());
    let error = read_file(&chain_of_segments(4, "@prev or @prev"), limits).unwrap_err();
    assert_eq!(codes_of(&error), ["hcq::segment::too_many_filters"]);
}

#[test]
fn file_filters_default() {
    // One large segment, used by many: each use repeats its filters.
    let big = chain(MAX_FILTERS - 1);
    let users = MAX_FILE_FILTERS / MAX_FILTERS + 1;
    let mut file = format!("segment big\n  {big}\n");
    for i in 0..users {
        file.push_str(&format!("segment user{i}\n  @big and city = c{i}\n"));
    }
    let error = read_file(&file, Limits::default()).unwrap_err();
    assert_eq!(codes_of(&error), ["hcq::segment::file_too_large"]);
}

#[test]
fn file_filters_custom() {
    let mut limits = Limits::default();
    limits.max_file_filters = 10;
    // 3 + 4 filters fit; 3 + 4 + 5 do not.
    let file = "segment a\n  id = 1 or id = 2 or id = 3\nsegment b\n  @a or id = 4\n";
    assert!(read_file(file, limits).is_ok());
    let file = format!("{file}segment c\n  @b or id = 5\n");
    let error = read_file(&file, limits).unwrap_err();
    assert_eq!(codes_of(&error), ["hcq::segment::file_too_large"]);
}

// ---------------------------------------------------------------- list length

#[test]
fn list_length_default() {
    assert!(compile(&in_list(MAX_LIST_LEN), Limits::default()).is_ok());
    assert_eq!(
        code(&in_list(MAX_LIST_LEN + 1), Limits::default()),
        "hcq::parse::list_too_long"
    );
    let tags: Vec<String> = (0..=MAX_LIST_LEN).map(|i| format!("t{i}")).collect();
    let tags = format!("tags = [{}]", tags.join(", "));
    assert_eq!(code(&tags, Limits::default()), "hcq::parse::list_too_long");
}

#[test]
fn list_length_custom() {
    let mut limits = Limits::default();
    limits.max_list_len = 2;
    assert!(compile("id in (1, 2)", limits).is_ok());
    assert_eq!(code("id in (1, 2, 3)", limits), "hcq::parse::list_too_long");
    assert_eq!(
        code("tags = [a, b, c]", limits),
        "hcq::parse::list_too_long"
    );
}

// ---------------------------------------------------------------- DNF terms

/// `n` groups of two alternatives joined by `and`: 2^n AND-terms.
fn groups(n: usize) -> String {
    (0..n)
        .map(|i| format!("(email ~ a{i} or name ~ b{i})"))
        .collect::<Vec<_>>()
        .join(" and ")
}

#[test]
fn dnf_terms_default() {
    // 2^13 = 8192 terms fit (the request cap is raised so that it does not
    // fire first); 2^14 = 16384 do not.
    assert!(2usize.pow(13) <= MAX_DNF_TERMS && 2usize.pow(14) > MAX_DNF_TERMS);
    let mut many_requests = Limits::default();
    many_requests.max_requests = usize::MAX;
    let error = compile(&groups(14), many_requests).unwrap_err();
    assert_eq!(codes_of(&error), ["hcq::lower::too_many_terms"]);
    assert_eq!(
        code(&groups(14), Limits::default()),
        "hcq::lower::too_many_terms"
    );
}

#[test]
fn dnf_terms_custom() {
    let mut limits = Limits::default();
    limits.max_dnf_terms = 4;
    assert_eq!(
        compile(&groups(2), limits)
            .expect("compiles")
            .requests
            .len(),
        4
    );
    assert_eq!(code(&groups(3), limits), "hcq::lower::too_many_terms");
}

#[test]
fn dnf_filters_default() {
    // 2^11 = 2048 terms fit, but each repeats the 600 comparisons of the
    // `and`: 1.2 million filters, past `MAX_DNF_FILTERS`.
    const { assert!(2048 * 600 > MAX_DNF_FILTERS) };
    let comparisons: Vec<String> = (0..600).map(|i| format!("name != n{i}")).collect();
    let text = format!("{} and {}", comparisons.join(" and "), groups(11));
    assert_eq!(code(&text, Limits::default()), "hcq::lower::dnf_too_large");
}

#[test]
fn dnf_filters_custom() {
    let mut limits = Limits::default();
    limits.max_dnf_filters = 10;
    // 2 terms of 4 filters fit; 4 terms of 4 do not.
    let two = "(email ~ a or name ~ b) and city = c and phone = d and company = e";
    assert_eq!(compile(two, limits).expect("compiles").requests.len(), 2);
    let four = "(email ~ a or name ~ b) and (city = c or phone = d) and company = e and userId = f";
    assert_eq!(code(four, limits), "hcq::lower::dnf_too_large");
}

// ---------------------------------------------------------------- requests

/// `(name ~ n0 or … ) and (email ~ e0 or …)` with `a` and `b`
/// alternatives: a×b two-filter terms, one request each.
fn grid(a: usize, b: usize) -> String {
    let ids: Vec<String> = (0..a).map(|i| format!("name ~ n{i}")).collect();
    let emails: Vec<String> = (0..b).map(|i| format!("email ~ e{i}")).collect();
    format!("({}) and ({})", ids.join(" or "), emails.join(" or "))
}

#[test]
fn requests_default() {
    assert_eq!(MAX_REQUESTS, 30);
    assert_eq!(
        compile(&grid(5, 6), Limits::default())
            .expect("compiles")
            .requests
            .len(),
        30
    );
    assert_eq!(
        code(&grid(6, 6), Limits::default()),
        "hcq::lower::too_many_requests"
    );
}

#[test]
fn requests_custom() {
    let mut limits = Limits::default();
    limits.max_requests = 2;
    // An AND request and the OR request that all single filters share.
    let plan = compile(
        "(id > 1 and email ~ a) or city = Kyiv or tag = Lead",
        limits,
    )
    .expect("compiles");
    assert_eq!(plan.requests.len(), 2);
    assert_eq!(code(&grid(1, 3), limits), "hcq::lower::too_many_requests");
}

// ---------------------------------------------------------------- stack

/// Runs `work` on a thread with a small stack, as a program embedding hcq
/// on a worker thread might: a recursion per operand would overflow it.
fn on_small_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(work)
        .expect("a thread")
        .join()
        .expect("no overflow");
}

#[test]
fn a_long_chain_is_built_and_dropped_flat() {
    on_small_stack(|| {
        // Parsing 100 000 operands takes seconds in a debug build, so the
        // parser's flat chains are tested on a shorter one, and the passes
        // after it on a tree built by hand.
        let ast = hcq::syntax::parse_query(&chain(10_000), &Limits::default()).expect("parses");
        assert!(matches!(&ast.expr.kind, ExprKind::Or(operands) if operands.len() == 10_000));
        drop(ast);
        let leaf = |i: usize| Expr {
            kind: ExprKind::Compare {
                field: Ident {
                    name: "id".into(),
                    span: Span::new(0, 2),
                },
                op: CompareOp::Eq,
                op_span: Span::new(3, 4),
                value: Value {
                    kind: ValueKind::Integer(i.to_string()),
                    span: Span::new(5, 6),
                },
            },
            span: Span::new(0, 6),
        };
        let ast = Expr {
            kind: ExprKind::Or((0..100_000).map(leaf).collect()),
            span: Span::new(0, 6),
        };
        let mut cx = hcq::check::Context::new(NOW.parse().expect("a valid timestamp"));
        cx.limits.max_filters = 100_000;
        let typed = hcq::check::check_expr(&ast, &cx).expect("checks");
        drop(ast);
        assert!(matches!(&typed, hcq::typed::Expr::Or(operands, _) if operands.len() == 100_000));
        drop(typed);
    });
}

#[test]
fn the_deepest_nesting_is_built_and_dropped() {
    on_small_stack(|| {
        // `(id = 0 or (id = 1 and (id = 2 or …)))`, and `not` at every level.
        let mut text = String::new();
        for level in 0..MAX_DEPTH / 2 {
            let op = if level % 2 == 0 { "or" } else { "and" };
            text.push_str(&format!("not (id = {level} {op} "));
        }
        text.push_str("id = 1");
        text.push_str(&")".repeat(MAX_DEPTH / 2));
        let typed = check(&text, Limits::default()).expect("checks");
        drop(typed);
        assert_eq!(
            code(&format!("not {text}"), Limits::default()),
            "hcq::parse::too_deep"
        );
    });
}

#[test]
fn bounds_lifted_to_the_largest_number_do_not_overflow() {
    let mut limits = Limits::default();
    limits.max_input_bytes = usize::MAX;
    limits.max_filters = usize::MAX;
    limits.max_list_len = usize::MAX;
    limits.max_dnf_terms = usize::MAX;
    limits.max_dnf_filters = usize::MAX;
    limits.max_requests = usize::MAX;
    let options = hcq::Options::at(jiff::Timestamp::UNIX_EPOCH).with_limits(limits);
    let plan = hcq::compile("tags = [Lead, Paid] or city in (Kyiv, Lviv)", &options)
        .unwrap()
        .plan;
    // Three one-filter terms: one OR request.
    assert_eq!(plan.requests.len(), 1);
}
