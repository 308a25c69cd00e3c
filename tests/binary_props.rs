//! Properties of the binary's own path, run in-process through
//! `hcq::cli::run` with the same renderer and settings as the binary:
//!
//! - any arguments and any input end with status 0, 1 or 2, a bounded
//!   stderr and no raw control character on it; `hcq run` too, as a
//!   `--dry-run` (which sends nothing, so a key in the environment never
//!   reaches the API from a test);
//! - every diagnostic of the fixture corpus renders when its labels sit
//!   anywhere from column 0 to column 200,000 of a line.
//!
//! `PROPTEST_CASES=N` runs more cases (see `tests/common`).

mod common;

use hcq::cli::{Io, render::Style, run};
use proptest::prelude::*;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// What one in-process run gave.
struct Ran {
    status: u8,
    stdout: Vec<u8>,
    stderr: String,
}

fn hcq(args: &[String], stdin: &[u8]) -> Ran {
    let mut input = stdin;
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let mut io = Io {
        stdin: &mut input,
        stdout: &mut stdout,
        stderr: &mut stderr,
        style: Style {
            colour: false,
            width: 100,
            progress: false,
        },
    };
    let args = std::iter::once(OsString::from("hcq")).chain(args.iter().map(OsString::from));
    let status = run(args, &mut io);
    Ran {
        status,
        stdout,
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// The promises of every run.
fn assert_sane(ran: &Ran, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(ran.status <= 2, "{what}: status {}", ran.status);
    prop_assert!(
        ran.stderr.len() <= 256 * 1024,
        "{what}: stderr of {} bytes",
        ran.stderr.len()
    );
    if let Some(c) = ran.stderr.chars().find(|&c| c.is_control() && c != '\n') {
        prop_assert!(false, "{what}: stderr holds {c:?}");
    }
    Ok(())
}

/// Words a command line of hcq is made of, and some that are not.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "check",
            "emit",
            "explain",
            "list",
            "fmt",
            "eval",
            "decompile",
            "--dates",
            "iso",
            "{\"filter\": [{\"field\": \"customers.id\", \"operator\": \">\", \"value\": 1}]}",
            "-e",
            "--expr",
            "-",
            "--check",
            "--segment",
            "--budget",
            "0",
            "1",
            "--max-requests",
            "--limit",
            "--offset",
            "--sort",
            "lastSeen",
            "--order",
            "desc",
            "--compact",
            "--now",
            "2024-06-01",
            "--message-format",
            "json",
            "human",
            "--contacts",
            "--count",
            "--ids",
            "--help",
            "--version",
            "id > 5",
            "emial ~ x",
            "segment a\n  id > 1",
            "city = NOW",
            "lastSeen >= 2024-01-01T10:00:00.5Z",
            "telegramId != \"\"",
            "(((",
            "a = \u{1b}",
        ])
        .prop_map(str::to_owned),
        // A file that does not exist: nothing outside the test is touched.
        Just("/nonexistent/hcq-props/file.hcq".to_owned()),
        "\\PC{0,12}",
        any::<String>(),
    ]
}

/// Words only `hcq run` takes.
fn run_word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "--format",
        "jsonl",
        "json",
        "ids",
        "count",
        "csv",
        "--rate",
        "0",
        "60",
        "--base-url",
        "http://example.com",
        "http://127.0.0.1:9",
        "https://api.helpcrunch.com/v1?x=1",
        "--api-key-file",
        "--quiet",
        "--all",
        "--limit",
        "--columns",
        "id,location.city",
        "a,,b",
        "--spreadsheet-safe",
        "--max-requests",
        "--timeout",
        "--out-dir",
        "/nonexistent",
        "--segment",
        "-",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn any_arguments_and_input_end_sanely(
        args in prop::collection::vec(word(), 0..7),
        stdin in prop_oneof![
            any::<Vec<u8>>(),
            "\\PC{0,60}".prop_map(String::into_bytes),
            Just(b"segment a\n  emial ~ x\n\nsegment b\n  @c\n".to_vec()),
            Just(b"[{\"id\": 1, \"lastSeen\": 0, \"city\": \"Kyiv\", \"city\": 2}]".to_vec()),
            Just(b"{\"comparison\": \"or\", \"filter\": [{\"field\": \"customers.city\", \"operator\": \"=\", \"value\": \"\\u001b\"}], \"limit\": 500}".to_vec()),
        ],
    ) {
        let ran = hcq(&args, &stdin);
        assert_sane(&ran, &format!("{args:?}"))?;
        // Output goes to stdout only on success, save `fmt --check` diffs.
        if ran.status == 2 {
            prop_assert!(!ran.stderr.is_empty(), "{args:?}: failed silently");
        }
        let _ = ran.stdout;
    }

    #[test]
    fn dry_runs_end_sanely(
        args in prop::collection::vec(prop_oneof![3 => word(), 1 => run_word()], 0..7),
        stdin in "\\PC{0,60}",
    ) {
        let mut all = vec!["run".to_owned(), "--dry-run".to_owned()];
        all.extend(args);
        let ran = hcq(&all, stdin.as_bytes());
        assert_sane(&ran, &format!("{all:?}"))?;
        if ran.status == 2 {
            prop_assert!(!ran.stderr.is_empty(), "{all:?}: failed silently");
        }
        // The calls shown carry no key, not even a placeholder's header.
        let out = String::from_utf8_lossy(&ran.stdout);
        prop_assert!(!out.contains("Bearer"), "{all:?}: {out}");
    }

    #[test]
    fn every_diagnostic_renders_at_any_column(
        fixture in prop::sample::select(fixtures()),
        padding in prop_oneof![0usize..200, 60_000usize..70_000, 0usize..200_000],
        json in any::<bool>(),
    ) {
        let text = std::fs::read_to_string(&fixture).expect("a fixture");
        let padded = pad(&text, padding);
        let mut args = vec!["check".to_owned(), "-".to_owned()];
        if json {
            args.extend(["--message-format".to_owned(), "json".to_owned()]);
        }
        let ran = hcq(&args, padded.as_bytes());
        let what = format!("{} padded by {padding}", fixture.display());
        assert_sane(&ran, &what)?;
        prop_assert_eq!(ran.status, 1, "{}: {}", what, ran.stderr);
        if !json {
            // No line near the width of the padding is ever printed.
            let widest = ran.stderr.lines().map(|l| l.chars().count()).max().unwrap_or(0);
            prop_assert!(widest < 400, "{}: a line of {} characters", what, widest);
        }
    }
}

/// A diagnostic with any labels, some of them on related diagnostics.
#[derive(Debug)]
struct Labelled {
    labels: Vec<miette::LabeledSpan>,
    related: Vec<Labelled>,
}

impl std::fmt::Display for Labelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} labels", self.labels.len())
    }
}

impl std::error::Error for Labelled {}

impl miette::Diagnostic for Labelled {
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)) as Box<_>)
    }
}

fn label() -> impl Strategy<Value = miette::LabeledSpan> {
    (
        any::<usize>(),
        0usize..300_000,
        any::<bool>(),
        "\\PC{0,10}|[\\x00-\\x1f]{0,3}",
    )
        .prop_map(|(offset, len, primary, text)| {
            // Offsets anywhere in or past a text of up to 300 KB.
            let offset = offset % 300_000;
            if primary {
                miette::LabeledSpan::new_primary_with_span(Some(text), (offset, len))
            } else {
                miette::LabeledSpan::new_with_span(Some(text), (offset, len))
            }
        })
}

proptest! {
    #![proptest_config(common::proptest_config())]

    /// The renderer itself, on any text (long lines, CRLF, control and
    /// wide characters) and any labels, even ones past the end or inside
    /// a character.
    #[test]
    fn any_labels_on_any_text_render_safely(
        pieces in prop::collection::vec(
            prop_oneof![
                "\\PC{0,20}",
                Just("\n".to_owned()),
                Just("\r\n".to_owned()),
                Just("\u{1b}[31m\u{7}\u{200b}\u{202e}".to_owned()),
                Just("Київ😀".to_owned()),
                (1usize..150_000).prop_map(|n| "a".repeat(n)),
            ],
            0..12,
        ),
        top in prop::collection::vec(label(), 0..4),
        related in prop::collection::vec(prop::collection::vec(label(), 0..4), 0..60),
    ) {
        let text: String = pieces.concat();
        let diagnostic = Labelled {
            labels: top,
            related: related
                .into_iter()
                .map(|labels| Labelled { labels, related: Vec::new() })
                .collect(),
        };
        let out = hcq::cli::render::render(
            &diagnostic,
            "any.hcq",
            &text,
            hcq::cli::render::Style::plain(),
        );
        prop_assert!(out.len() < 256 * 1024, "{} bytes", out.len());
        if let Some(c) = out.chars().find(|&c| c.is_control() && c != '\n') {
            prop_assert!(false, "{c:?} in {out}");
        }
        let widest = out.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        prop_assert!(widest < 600, "a line of {widest} characters");
    }
}

/// The invalid inputs of both fixture suites.
fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut all = Vec::new();
    for dir in ["fixtures/invalid", "segment_fixtures/invalid"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("a fixture directory") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "hcq") {
                all.push(path);
            }
        }
    }
    all.sort();
    all
}

/// `text` with `padding` blanks where blanks mean nothing: before an
/// expression, and into the indentation of a segment's body lines.
fn pad(text: &str, padding: usize) -> String {
    let blanks = " ".repeat(padding);
    if !hcq::segment::is_segment_file(text) {
        return format!("{blanks}{text}");
    }
    text.split_inclusive('\n')
        .map(|line| {
            if line.starts_with([' ', '\t']) {
                format!("{blanks}{line}")
            } else {
                line.to_owned()
            }
        })
        .collect()
}
