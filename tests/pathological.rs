//! Inputs built to hurt: each must end quickly with one clear result, the
//! exact diagnostic code asserted (or `Ok`). Crashes found by fuzzing land
//! here as regression tests too.

use hcq::Limits;
use hcq::limits::{MAX_DEPTH, MAX_INPUT_BYTES};
use miette::Diagnostic;

/// The clock every test runs at, so that `now` never varies.
const NOW: &str = "2024-06-01T00:00:00Z";

const MIB: usize = 1024 * 1024;

/// Options with the clock fixed and the given bounds.
fn options(limits: Limits) -> hcq::Options {
    hcq::Options::at(NOW.parse().expect("a valid timestamp")).with_limits(limits)
}

/// Parses and checks `text` under `limits`, as `hcq check` does.
fn check_with(text: &str, limits: Limits) -> Result<hcq::typed::Query, hcq::Error> {
    hcq::check(text, &options(limits))
}

fn check(text: &str) -> Result<hcq::typed::Query, hcq::Error> {
    check_with(text, Limits::default())
}

/// Compiles `text` to a plan, as `hcq emit` does.
fn compile(text: &str) -> Result<hcq::Plan, hcq::Error> {
    hcq::compile(text, &options(Limits::default())).map(|compiled| compiled.plan)
}

/// The codes of every problem in `error`.
fn codes(error: &hcq::Error) -> Vec<String> {
    error
        .problems()
        .iter()
        .map(|p| p.code().map(|c| c.to_string()).unwrap_or_default())
        .collect()
}

/// Asserts that `text` fails with exactly one problem, of code `code`,
/// whose first label starts at `offset`.
fn assert_fails(text: &str, code: &str, offset: usize) {
    let error = match compile(text) {
        Ok(plan) => panic!("expected {code} for {}, got {plan:?}", short(text)),
        Err(error) => error,
    };
    assert_eq!(codes(&error), [code], "for {}", short(text));
    let label = error.problems()[0]
        .labels()
        .and_then(|mut labels| labels.next())
        .expect("a label");
    assert_eq!(
        label.offset(),
        offset,
        "label of {code} for {}",
        short(text)
    );
}

/// The start of `text`, for messages.
fn short(text: &str) -> String {
    let start: String = text.chars().take(60).collect();
    format!(
        "{start:?}{}",
        if start.len() < text.len() { "…" } else { "" }
    )
}

/// `unit` repeated to exactly `bytes` bytes, or just under if `unit` does
/// not divide it.
fn fill(unit: &str, bytes: usize) -> String {
    unit.repeat(bytes / unit.len())
}

#[test]
fn a_mebibyte_of_open_parentheses() {
    let text = fill("(", MIB);
    assert_eq!(text.len(), MAX_INPUT_BYTES);
    // The first parenthesis past the depth bound is named.
    assert_fails(&text, "hcq::parse::too_deep", MAX_DEPTH);
}

#[test]
fn a_mebibyte_of_not() {
    let text = fill("not ", MIB);
    assert_fails(&text, "hcq::parse::too_deep", 4 * MAX_DEPTH);
}

#[test]
fn a_mebibyte_of_an_unfinished_chain() {
    let text = fill("email ~ a or ", MIB);
    // The chain ends with `or`: an expression is missing at its end.
    assert_fails(&text, "hcq::parse::expected", text.len() - 3);
}

#[test]
fn forty_groups_of_two_alternatives() {
    let group = "(email ~ a or tag = b)";
    let text = vec![group; 40].join(" and ");
    let query = check(&text).expect("checks");
    assert!(matches!(&query.expr, hcq::typed::Expr::And(groups, _) if groups.len() == 40));
    // 2^40 AND-terms: refused from the estimate, before any is built.
    assert_fails(&text, "hcq::lower::too_many_terms", 0);
    // Distinct alternatives, in parentheses as the issue writes them.
    let text = (0..40)
        .map(|i| format!("(email ~ a{i} or name ~ b{i})"))
        .collect::<Vec<_>>()
        .join(" and ");
    assert_fails(&text, "hcq::lower::too_many_terms", 0);
}

#[test]
fn a_ten_megabyte_string() {
    let text = format!("name = \"{}\"", "x".repeat(10_000_000));
    assert_fails(&text, "hcq::parse::too_large", MAX_INPUT_BYTES);
}

#[test]
fn a_long_string_under_a_raised_bound() {
    let mut limits = Limits::default();
    limits.max_input_bytes = 2 * MIB;
    let text = format!("name = \"{}\"", "x".repeat(MIB));
    let query = check_with(&text, limits).expect("checks");
    assert!(matches!(&query.expr, hcq::typed::Expr::Filter(f)
        if f.value == hcq::typed::Literal::Text("x".repeat(MIB))));
}

#[test]
fn nul_bytes() {
    // Inside a string, a NUL is text like any other.
    assert!(compile("name = \"a\0b\"").is_ok());
    let query = check("name = \"a\0b\"").expect("checks");
    assert!(matches!(&query.expr, hcq::typed::Expr::Filter(f)
        if f.value == hcq::typed::Literal::Text("a\0b".into())));
    // Between tokens it is not part of the language.
    assert_fails("name = a\0", "hcq::parse::expected", 8);
    assert_fails("\0", "hcq::parse::expected", 0);
    assert_fails(&"\0".repeat(1000), "hcq::parse::expected", 0);
}

#[test]
fn a_byte_order_mark() {
    assert!(compile("\u{FEFF}email ~ gmail").is_ok());
    assert_fails("\u{FEFF}", "hcq::parse::empty", 0);
    // Only at the very start.
    assert_fails("email ~ gmail \u{FEFF}", "hcq::parse::expected", 14);
}

#[test]
fn crlf_line_ends() {
    let text = "# leads\r\nemail ~ gmail\r\n  and tag = Lead # paid\r\n  sort by lastSeen desc\r\n";
    let query = check(text).expect("checks");
    assert!(matches!(&query.expr, hcq::typed::Expr::And(operands, _) if operands.len() == 2));
    assert!(query.sort.is_some());
    assert_eq!(compile(text).expect("compiles").requests.len(), 1);
}

#[test]
fn an_empty_input() {
    assert_fails("", "hcq::parse::empty", 0);
    assert_fails(" \t\r\n", "hcq::parse::empty", 0);
}

#[test]
fn only_a_comment() {
    assert_fails("# nothing here", "hcq::parse::empty", 0);
    assert_fails("# one\r\n# two\n", "hcq::parse::empty", 0);
}

// ---------------------------------------------------------------- segment files

/// Reads and compiles the segment file `text`, as `hcq check FILE` does.
fn check_file(text: &str) -> Result<hcq::segment::CompiledFile, hcq::Error> {
    hcq::segment::check_file("pathological.hcq", text, &options(Limits::default()))
}

/// Asserts that the segment file `text` fails, every problem with `code`,
/// and returns how many problems there are.
fn assert_file_fails(text: &str, code: &str) -> usize {
    let error = match check_file(text) {
        Ok(_) => panic!("expected {code} for {}", short(text)),
        Err(error) => error,
    };
    let codes = codes(&error);
    assert!(
        codes.iter().all(|c| c == code),
        "expected only {code} for {}, got {:?}",
        short(text),
        &codes[..codes.len().min(5)]
    );
    codes.len()
}

#[test]
fn segment_files_with_nothing_in_them() {
    for text in [
        "",
        "\u{FEFF}",
        "\r\n\r\n",
        "# only a comment",
        "# one\r\n\n# two\n",
    ] {
        let compiled = check_file(text).expect("an empty file is valid");
        assert_eq!(compiled.segments().len(), 0, "for {text:?}");
    }
}

#[test]
fn a_segment_file_with_a_byte_order_mark_and_crlf() {
    let text = "\u{FEFF}# leads\r\nsegment leads\r\n  tag = Lead\r\n\r\nsegment kyiv_leads\r\n  @leads and city = Kyiv\r\n";
    let compiled = check_file(text).expect("compiles");
    let names: Vec<&str> = compiled.segments().map(|s| s.name()).collect();
    assert_eq!(names, ["leads", "kyiv_leads"]);
}

#[test]
fn nul_bytes_in_a_segment_file() {
    assert_eq!(
        assert_file_fails("segment a\n  id = 1\0\n", "hcq::parse::expected"),
        1
    );
}

#[test]
fn a_mebibyte_of_open_parentheses_in_a_segment_file() {
    let text = format!("segment a\n  {}", fill("(", MIB));
    assert_eq!(assert_file_fails(&text, "hcq::parse::too_deep"), 1);
}

#[test]
fn a_mebibyte_of_one_segment_defined_again_and_again() {
    let text = fill("segment s\n  id = 1\n", MIB);
    let count = text.len() / "segment s\n  id = 1\n".len();
    // Every definition after the first is reported.
    assert_eq!(
        assert_file_fails(&text, "hcq::segment::duplicate"),
        count - 1
    );
}

#[test]
fn a_thousand_segments_each_using_the_one_before() {
    let mut text = String::from("segment s0\n  id = 0\n");
    for i in 1..1000 {
        text.push_str(&format!("segment s{i}\n  @s{} or id = {i}\n", i - 1));
    }
    // Each `@` counts as the parentheses it stands for: the first segment
    // past the depth bound is reported (those using it are not checked).
    assert_eq!(assert_file_fails(&text, "hcq::segment::too_deep"), 1);
    let error = check_file(&text).unwrap_err();
    let first = MAX_DEPTH + 1;
    assert_eq!(
        error.problems()[0].to_string(),
        format!("segment `s{first}` nests {first} levels deep once `@` references are spliced in")
    );
}

// ---------------------------------------------------------------- found by fuzzing

/// The codes and first label offsets `hcq check --message-format json`
/// prints for `input` on standard input, and its exit code. Through the
/// binary, so that a crash fails this test instead of aborting the suite.
fn check_through_the_binary(input: &str) -> (Option<i32>, Vec<(String, u64)>) {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_hcq"))
        .args(["check", "--message-format", "json", "--now", NOW, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hcq runs");
    child
        .stdin
        .take()
        .expect("a pipe")
        .write_all(input.as_bytes())
        .expect("hcq reads its input");
    let output = child.wait_with_output().expect("hcq ends");
    let problems = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .map(|json| {
            let code = json["code"].as_str().unwrap_or_default().to_owned();
            (
                code,
                json["labels"][0]["offset"].as_u64().unwrap_or(u64::MAX),
            )
        })
        .collect();
    (output.status.code(), problems)
}

/// Found by the `segments` target: the grammar ended a comment at a lone
/// `\r` (pest's `NEWLINE`), while the depth scan, the formatter and every
/// other scanner end it at `\n` only. Parentheses after `#\r` were then
/// code to pest but comment to the depth scan, which let them nest without
/// bound: 50 000 of them overflowed the stack.
#[test]
fn parentheses_after_a_carriage_return_in_a_comment() {
    let text = format!(
        "id = 1 or #\r{}id = 1{}",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let (status, problems) = check_through_the_binary(&text);
    // The comment runs to the end: the `or` has nothing after it.
    assert_eq!(
        (status, problems),
        (Some(1), vec![("hcq::parse::expected".to_owned(), 7)])
    );
}

/// Found by the `segments` target (the same cause as above): the
/// formatter kept `# \r…expected` as one comment, then wrote the
/// expression it had read after the `\r`, `expected >= no`, below it;
/// read again, its output did not parse.
#[test]
fn a_carriage_return_inside_a_comment_when_formatting() {
    let text = "# \r\r\r\r\r\r\r\rexpected\r\n >= no";
    let error = hcq::format::format_source("fuzz.hcq", text, &Limits::default()).unwrap_err();
    assert_eq!(codes(&error), ["hcq::parse::expected"]);
}
