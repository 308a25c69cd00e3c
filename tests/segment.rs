//! Segment files end to end: fixtures of valid files with their plans,
//! invalid files with their rendered diagnostics.
//!
//! `tests/segment_fixtures/invalid/NAME.hcq` is compared with `NAME.stderr`,
//! its diagnostics rendered without colour at 80 columns;
//! `tests/segment_fixtures/valid/NAME.hcq` with `NAME.json`, every
//! segment's plan keyed by name, and with `NAME.stderr` when it has
//! warnings. `HCQ_BLESS=1 cargo test --test segment` rewrites the expected
//! files from the actual output.

use hcq::segment::{FileError, SegmentFile};
use miette::{GraphicalReportHandler, GraphicalTheme};
use std::fs;
use std::path::{Path, PathBuf};

/// The clock every fixture runs with: 2025-06-15T15:06:40Z.
const NOW: i64 = 1_750_000_000;

fn context() -> hcq::check::Context {
    hcq::check::Context::new(jiff::Timestamp::from_second(NOW).expect("a valid timestamp"))
}

fn render(error: &FileError) -> String {
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(80)
        .render_report(&mut out, error)
        .expect("rendering to a string cannot fail");
    out
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/segment_fixtures")
        .join(kind);
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "hcq"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no fixtures in {}", dir.display());
    paths
}

/// Compares `actual` with the file at `expected`, or writes it there under
/// `HCQ_BLESS=1`. Returns a description of the mismatch, if any.
fn expect_file(expected: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("HCQ_BLESS").is_some() {
        fs::write(expected, actual).expect("writing a blessed file");
        return None;
    }
    let wanted = fs::read_to_string(expected).unwrap_or_default();
    (wanted != actual).then(|| {
        format!(
            "{} differs (HCQ_BLESS=1 to accept):\n{}",
            expected.display(),
            hcq::format::diff(&expected.display().to_string(), &wanted, actual)
        )
    })
}

fn read(path: &Path) -> (String, String) {
    let name = path
        .file_name()
        .expect("a fixture file name")
        .to_string_lossy()
        .into_owned();
    let text = fs::read_to_string(path).expect("reading a fixture");
    (name, text)
}

#[test]
fn invalid_files_render_every_problem() {
    let mut failures = Vec::new();
    for path in fixtures("invalid") {
        let (name, text) = read(&path);
        match SegmentFile::parse(&name, &text, &context()) {
            Ok(_) => failures.push(format!("{name} was accepted")),
            Err(error) => {
                failures.extend(expect_file(&path.with_extension("stderr"), &render(&error)))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
