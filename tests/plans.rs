//! Expressions compiled by `hcq::compile_detailed` (parser, checker and
//! lowering, with a fixed clock), compared with the plans blessed in
//! `tests/plans/<name>.json`. The cases are listed in
//! `tests/plans/cases.txt`: `name: expression`, each after a comment saying
//! what it shows.
//!
//! `HCQ_BLESS=1 cargo test --test plans` rewrites the expected files (and
//! removes those of cases no longer listed); read the diff before
//! committing it.

use hcq::eval;
use hcq::lower::{self, LowerError};
use hcq::plan::Plan;
use hcq::schema::Schema;
use hcq::{Compilation, Problem};
use miette::Diagnostic;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The clock every case runs under: `now` is 2024-06-01T00:00:00Z.
const NOW: &str = "2024-06-01T00:00:00Z";

/// What a case's expected file holds.
#[derive(Serialize)]
struct Snapshot<'a> {
    expression: &'a str,
    /// AND-terms of the DNF, before simplification: a naive plan's count.
    #[serde(skip_serializing_if = "Option::is_none")]
    dnf_terms: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requests: Option<usize>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorSnapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<&'a Plan>,
}

#[derive(Serialize)]
struct ErrorSnapshot {
    code: String,
    message: String,
    label: Option<String>,
    help: Option<String>,
}

struct Case {
    name: String,
    source: String,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans")
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(dir().join("cases.txt")).unwrap();
    let mut cases = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, source) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("cases.txt:{}: expected `name: expression`", n + 1));
        cases.push(Case {
            name: name.trim().to_owned(),
            source: source.trim().to_owned(),
        });
    }
    cases
}

fn error_snapshot(err: &LowerError) -> ErrorSnapshot {
    ErrorSnapshot {
        code: err.code().map(|c| c.to_string()).unwrap_or_default(),
        message: err.to_string(),
        label: err
            .labels()
            .and_then(|mut labels| labels.next())
            .and_then(|l| l.label().map(str::to_owned)),
        help: err.help().map(|h| h.to_string()),
    }
}

fn options() -> hcq::Options {
    hcq::Options::at(NOW.parse().unwrap())
}

/// The case's snapshot as JSON, or why the front end refused it.
fn render(case: &Case) -> Result<String, String> {
    let compiled = match hcq::compile_detailed(&case.source, &options()) {
        Ok(compilation) => Ok(compilation),
        Err(error) => match error.problems() {
            [Problem::Lower(lower)] => Err(lower.clone()),
            problems => {
                let messages: Vec<String> = problems.iter().map(ToString::to_string).collect();
                return Err(format!("refused: {}", messages.join("; ")));
            }
        },
    };
    if let Ok(compiled) = &compiled {
        // Lowering without the trace gives the same plan.
        let plan = hcq::compile(&case.source, &options()).expect("compiles with the trace");
        assert_eq!(plan.plan, compiled.lowered.plan, "{}", case.source);
        for request in &compiled.lowered.plan.requests {
            eval::validate(request, &Schema::CONTACTS)
                .map_err(|why| format!("a request the API refuses: {why}"))?;
        }
    }
    let snapshot = match &compiled {
        Ok(Compilation { lowered, trace, .. }) => Snapshot {
            expression: &case.source,
            dnf_terms: Some(trace.dnf.len()),
            requests: Some(lowered.plan.requests.len()),
            warnings: lowered
                .warnings
                .iter()
                .filter_map(|w| w.code().map(|c| c.to_string()))
                .collect(),
            error: None,
            plan: Some(&lowered.plan),
        },
        Err(err) => Snapshot {
            expression: &case.source,
            dnf_terms: None,
            requests: None,
            warnings: Vec::new(),
            error: Some(error_snapshot(err)),
            plan: None,
        },
    };
    Ok(serde_json::to_string_pretty(&snapshot).unwrap() + "\n")
}

#[test]
fn plans_match_the_blessed_files() {
    let bless = std::env::var_os("HCQ_BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut names = BTreeSet::new();
    let mut failures = Vec::new();
    for case in &cases {
        assert!(
            names.insert(case.name.clone()),
            "case {} listed twice",
            case.name
        );
        let path = dir().join(format!("{}.json", case.name));
        let got = match render(case) {
            Ok(got) => got,
            Err(why) => {
                failures.push(format!("{}: {why}", case.name));
                continue;
            }
        };
        if bless {
            std::fs::write(&path, &got).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(want) if want.replace("\r\n", "\n") == got => {}
            Ok(want) => failures.push(format!(
                "{}: plan differs\n--- expected {}\n{want}\n--- got\n{got}",
                case.name,
                path.display()
            )),
            Err(_) => failures.push(format!(
                "{}: no {} (run with HCQ_BLESS=1)",
                case.name,
                path.display()
            )),
        }
    }
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_some_and(|e| e == "json") && !names.contains(stem) {
            if bless {
                std::fs::remove_file(&path).unwrap();
            } else {
                failures.push(format!("{} belongs to no case", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn explain_quotes_the_source_of_each_request() {
    let source = "(tag = Lead or tag = Paid) and not (city = Kyiv)\n  and (email ~ gmail or email ~ gmail and id > 5)";
    let compiled = hcq::compile_detailed(source, &options()).unwrap();
    let text = lower::explain::render(source, &compiled.lowered, &compiled.trace);
    for needle in [
        "(tag = Lead or tag = Paid) and not (city = Kyiv) and (email ~ gmail or email ~ gmail and id > 5)",
        "negated comparison: `not (city = \"Kyiv\")` is `city != \"Kyiv\"`",
        "2. Disjunctive normal form: an OR of 4 AND-terms",
        "absorption: `tags = [Lead] and city != \"Kyiv\" and email ~ \"gmail\" and id > 5` is covered by",
        "at `tag = Lead`, `not (city = Kyiv)`, `email ~ gmail`, `id > 5`",
        "4. Requests: 2 (one per DNF term would be 4)",
        "customers.city != \"Kyiv\"             from `not (city = Kyiv)`",
        "customers.tagsData = [Paid]          from `tag = Paid`",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}
