//! `hcq decompile`, data-driven: JSON inputs under
//! `tests/decompile_fixtures/` next to what they must produce.
//!
//! - `valid/NAME.json` must decompile to `valid/NAME.hcq` (with `--dates
//!   iso` when NAME starts with `iso_`); that text must compile without a
//!   problem, be in `fmt`'s layout, and decompile again from its own plan
//!   to text that compiles to the same plan.
//! - `invalid/NAME.json` must be refused; its diagnostics, rendered by
//!   the binary's renderer without colour at 80 columns, must equal
//!   `invalid/NAME.stderr`.
//!
//! `SNAPSHOTS=overwrite cargo test --test decompile` rewrites the expected
//! files; read the diff before committing it.

#[path = "common/snapshot.rs"]
mod snapshot;

use hcq::decompile::{Dates, decompile};
use snapshot::Snapshots;
use std::path::{Path, PathBuf};

fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/decompile_fixtures")
        .join(kind)
}

/// Whether the expected file at `path` has its JSON input.
fn has_input(path: &Path) -> bool {
    path.with_extension("json").exists()
}

fn inputs(kind: &str) -> Vec<PathBuf> {
    let dir = dir(kind);
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    inputs.sort();
    inputs
}

fn options() -> hcq::Options {
    hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap())
}

#[test]
fn valid_inputs_decompile_to_text_that_compiles_to_the_same_plan() {
    let inputs = inputs("valid");
    assert!(inputs.len() >= 10, "{} fixtures", inputs.len());
    let mut snapshots = Snapshots::default();
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let json = std::fs::read_to_string(input).unwrap();
        let dates = if name.starts_with("iso_") {
            Dates::Iso
        } else {
            Dates::Unix
        };
        let query = match decompile(&name, &json, dates) {
            Ok(query) => query,
            Err(error) => {
                snapshots.fail(format!("{name} should decompile, but: {error:?}"));
                continue;
            }
        };
        let text = hcq::format::query_to_string(&query);
        snapshots.check(&input.with_extension("hcq"), &text);
        let compiled = match hcq::compile(&text, &options()) {
            Ok(compiled) => compiled,
            Err(error) => {
                snapshots.fail(format!(
                    "{name}: the text does not compile: {error:?}\n{text}"
                ));
                continue;
            }
        };
        let limits = hcq::Limits::default();
        let formatted = hcq::format::format_query(&name, &text, &limits).unwrap();
        assert_eq!(formatted, text, "{name}: not in fmt's layout");
        // Its plan, decompiled again, is text with the same plan.
        let again = decompile(&name, &compiled.plan.to_json(), dates).unwrap();
        let again = hcq::format::query_to_string(&again);
        let replanned = hcq::compile(&again, &options()).unwrap().plan;
        assert_eq!(replanned, compiled.plan, "{name}: {text} => {again}");
    }
    snapshots.unclaimed(&dir("valid"), "hcq", has_input);
    snapshots.finish("valid decompile", inputs.len());
}

#[test]
fn invalid_inputs_render_their_diagnostics() {
    let inputs = inputs("invalid");
    assert!(inputs.len() >= 10, "{} fixtures", inputs.len());
    let mut snapshots = Snapshots::default();
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let json = std::fs::read_to_string(input).unwrap();
        match decompile(&name, &json, Dates::Unix) {
            Ok(query) => snapshots.fail(format!(
                "{name} should be refused, but gave\n{}",
                hcq::format::query_to_string(&query)
            )),
            Err(error) => {
                let style = hcq::cli::render::Style::plain();
                let rendered = hcq::cli::render::render(&error, &name, &json, style);
                snapshots.check(&input.with_extension("stderr"), &rendered);
            }
        }
    }
    snapshots.unclaimed(&dir("invalid"), "stderr", has_input);
    snapshots.finish("invalid decompile", inputs.len());
}

/// `hcq ARGS` with `stdin`: (status, stdout, stderr).
fn hcq(args: &[&str], stdin: &str) -> (i32, String, String) {
    let output = assert_cmd::Command::cargo_bin("hcq")
        .unwrap()
        .env("NO_COLOR", "1")
        .args(args)
        .write_stdin(stdin)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn the_binary_turns_what_emit_prints_back_into_text_with_the_same_plan() {
    let expr = "(tag = Lead or countryCode in (UA, PL)) and lastSeen >= 1717000000 \
                sort by lastSeen desc limit 150";
    let (status, plan, _) = hcq(&["emit", "-e", expr], "");
    assert_eq!(status, 0);
    let (status, text, stderr) = hcq(&["decompile", "-"], &plan);
    assert_eq!(status, 0, "{stderr}");
    let (status, again, _) = hcq(&["emit", "-e", &text], "");
    assert_eq!(status, 0, "{text}");
    assert_eq!(again, plan, "{text}");
    // As a segment, appended to a file that then checks.
    let (status, segment, _) = hcq(&["decompile", "-", "--segment", "recent_leads"], &plan);
    assert_eq!(status, 0);
    assert!(segment.starts_with("segment recent_leads\n"), "{segment}");
    let file = format!("segment older\n  tag = Paid\n\n{segment}");
    let (status, _, stderr) = hcq(&["check", "-"], &file);
    assert_eq!(status, 0, "{stderr}");
}

#[test]
fn the_binary_reports_bad_json_with_status_1_in_either_format() {
    let body = r#"{"filter": [{"field": "customers.emial", "operator": "~", "value": 5}]}"#;
    let (status, stdout, stderr) = hcq(&["decompile", "-"], body);
    assert_eq!((status, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("did you mean `customers.email`?"),
        "{stderr}"
    );
    let (status, _, stderr) = hcq(&["decompile", "-", "--message-format", "json"], body);
    assert_eq!(status, 1);
    let line: serde_json::Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(line["code"], "hcq::decompile::unknown_field");
    assert_eq!(line["labels"][0]["line"], 1);
    assert_eq!(line["labels"][0]["column"], 23);
}

#[test]
fn the_binary_refuses_a_segment_name_it_could_not_read_back() {
    let body = r#"{"filter": []}"#;
    for name in ["two words", "and", "", "a\u{1b}b"] {
        let (status, stdout, stderr) = hcq(&["decompile", "-", "--segment", name], body);
        assert_eq!((status, stdout.as_str()), (2, ""), "{name:?}: {stderr}");
        assert!(!stderr.contains('\u{1b}'), "{stderr}");
    }
    let (status, stdout, _) = hcq(&["decompile", "-", "--segment", "everyone"], body);
    assert_eq!((status, stdout.as_str()), (0, "segment everyone\n  all\n"));
}
