//! Data-driven tests: inputs under `tests/fixtures/` next to what they must
//! produce.
//!
//! - `invalid/NAME.hcq` must fail to parse or to check; its diagnostics,
//!   rendered by the binary's renderer without colour at 80 columns, must equal
//!   `invalid/NAME.stderr`.
//! - `valid/NAME.hcq` must parse and check; a dump of its typed query must
//!   equal `valid/NAME.out`.
//!
//! `now` is 2024-06-01T00:00:00Z for every fixture.
//!
//! To write or rewrite the expected files from the current output, run
//!
//! ```text
//! SNAPSHOTS=overwrite cargo test --test fixtures
//! ```
//!
//! and read the diff before committing it (`tests/common/snapshot.rs`, the
//! comparison every fixture suite shares).

#[path = "common/snapshot.rs"]
mod snapshot;

use hcq::check::{Context, check_query};
use hcq::typed::{self, Literal};
use hcq::{Error, Problem};
use snapshot::Snapshots;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// 2024-06-01T00:00:00Z.
const NOW: i64 = 1_717_200_000;

fn cx() -> Context {
    Context::new(jiff::Timestamp::from_second(NOW).expect("a valid timestamp"))
}

/// What checking `source` gives: the typed query, or every problem found.
fn compile(source: &str) -> Result<typed::Query, Vec<Problem>> {
    let cx = cx();
    let query = hcq::syntax::parse_query(source, &cx.limits).map_err(|e| vec![e.into()])?;
    check_query(&query, &cx).map_err(|errors| errors.into_iter().map(Problem::from).collect())
}

/// The binary's own renderer, without colour, at 80 columns.
fn render(name: &str, source: &str, problems: Vec<Problem>) -> String {
    let error = Error::new(name, source, problems);
    hcq::cli::render::render(&error, name, source, hcq::cli::render::Style::plain())
}

/// One fixture directory, `valid` or `invalid`.
fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

/// The inputs of one fixture directory, sorted by name.
fn inputs(kind: &str) -> Vec<PathBuf> {
    let dir = dir(kind);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "hcq"))
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn invalid_inputs_render_their_diagnostics() {
    let inputs = inputs("invalid");
    let mut snapshots = Snapshots::default();
    for input in &inputs {
        let name = input.file_name().expect("a file name").to_string_lossy();
        let source = std::fs::read_to_string(input).expect("a readable fixture");
        match compile(&source) {
            Ok(query) => snapshots.fail(format!(
                "{name} should not check, but gave\n{}",
                dump(&query, &source)
            )),
            Err(problems) => {
                let rendered = render(&name, &source, problems);
                snapshots.check(&input.with_extension("stderr"), &rendered);
            }
        }
    }
    snapshots.unclaimed(&dir("invalid"), "stderr", has_input);
    snapshots.finish("invalid", inputs.len());
}

#[test]
fn valid_inputs_give_their_typed_query() {
    let inputs = inputs("valid");
    let mut snapshots = Snapshots::default();
    for input in &inputs {
        let name = input.file_name().expect("a file name").to_string_lossy();
        let source = std::fs::read_to_string(input).expect("a readable fixture");
        match compile(&source) {
            Ok(query) => snapshots.check(&input.with_extension("out"), &dump(&query, &source)),
            Err(problems) => snapshots.fail(format!(
                "{name} should check, but gave\n{}",
                render(&name, &source, problems)
            )),
        }
    }
    snapshots.unclaimed(&dir("valid"), "out", has_input);
    snapshots.finish("valid", inputs.len());
}

/// Whether an expected file has its input beside it.
fn has_input(expected: &Path) -> bool {
    expected.with_extension("hcq").exists()
}

/// The typed query, one node a line, indented by depth, each with the
/// source text its span covers.
fn dump(query: &typed::Query, source: &str) -> String {
    let mut out = String::new();
    dump_expr(&mut out, &query.expr, source, 0);
    if let Some(sort) = &query.sort {
        let order = sort.order.map_or("(no order)", |o| o.as_api());
        writeln!(out, "sort {} {order}", sort.field.name).expect("writing to a String");
    }
    match query.limit {
        Some(hcq::ast::Limit::Rows(limit)) => {
            writeln!(out, "limit {limit}").expect("writing to a String");
        }
        Some(hcq::ast::Limit::All) => writeln!(out, "limit all").expect("writing to a String"),
        None => {}
    }
    if let Some(offset) = query.offset {
        writeln!(out, "offset {offset}").expect("writing to a String");
    }
    out
}

fn dump_expr(out: &mut String, expr: &typed::Expr, source: &str, depth: usize) {
    let indent = "  ".repeat(depth);
    let span = expr.span();
    let written = span.slice(source).replace('\n', "⏎");
    let (head, operands) = match expr {
        typed::Expr::Or(operands, _) => ("or".to_owned(), operands.as_slice()),
        typed::Expr::And(operands, _) => ("and".to_owned(), operands.as_slice()),
        typed::Expr::Not(operand, _) => ("not".to_owned(), std::slice::from_ref(&**operand)),
        typed::Expr::Filter(filter) => (
            format!(
                "{} {} {}",
                filter.field.name,
                filter.op,
                literal(&filter.value)
            ),
            &[][..],
        ),
        typed::Expr::All(_) => ("all".to_owned(), &[][..]),
    };
    writeln!(
        out,
        "{indent}{head}    ⟵ {}..{} `{written}`",
        span.start, span.end
    )
    .expect("writing to a String");
    for operand in operands {
        dump_expr(out, operand, source, depth + 1);
    }
}

fn literal(value: &Literal) -> String {
    match value {
        Literal::Text(text) => format!("{text:?}"),
        Literal::Integer(n) => n.to_string(),
        Literal::Timestamp(seconds) => match jiff::Timestamp::from_second(*seconds) {
            Ok(at) => format!("{seconds} ({at})"),
            Err(_) => seconds.to_string(),
        },
        Literal::Tags(tags) => format!("{tags:?}"),
    }
}
