//! Expressions compiled by `hcq::compile_detailed` (parser, checker and
//! lowering, with a fixed clock), compared with the plans blessed in
//! `tests/plans/<name>.json`. The cases are listed in
//! `tests/plans/cases.txt`: `name: expression`, each after a comment saying
//! what it shows.
//!
//! `SNAPSHOTS=overwrite cargo test --test plans` rewrites the expected
//! files (and removes those of cases no longer listed); read the diff
//! before committing it (`tests/common/snapshot.rs`, the comparison every
//! fixture suite shares).

#[path = "common/snapshot.rs"]
mod snapshot;

use hcq::eval;
use hcq::lower::LowerError;
use hcq::plan::Plan;
use hcq::schema::Schema;
use hcq::{Compilation, Problem};
use miette::Diagnostic;
use serde::Serialize;
use snapshot::Snapshots;
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
            dnf_terms: Some(trace.dnf_terms()),
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
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut names = BTreeSet::new();
    let mut snapshots = Snapshots::default();
    for case in &cases {
        assert!(
            names.insert(case.name.clone()),
            "case {} listed twice",
            case.name
        );
        match render(case) {
            Ok(got) => snapshots.check(&dir().join(format!("{}.json", case.name)), &got),
            Err(why) => snapshots.fail(format!("{}: {why}", case.name)),
        }
    }
    snapshots.unclaimed(&dir(), "json", |path| {
        path.file_stem()
            .and_then(|stem| stem.to_str())
            .is_some_and(|stem| names.contains(stem))
    });
    snapshots.finish("plan", cases.len());
}

#[test]
fn explain_quotes_the_source_of_each_request() {
    let source = "(tag = Lead or tag = Paid) and not (city = Kyiv)\n  and (email ~ gmail or email ~ gmail and id > 5)";
    let compiled = hcq::compile_detailed(source, &options()).unwrap();
    let text = compiled.explain(source);
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
