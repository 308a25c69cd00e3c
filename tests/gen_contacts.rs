//! The seeded export generator (`examples/gen_contacts.rs`) that the eval
//! benchmarks read: the same seed gives the same bytes, `hcq eval` reads
//! every layout it writes, and the streaming answer over a generated export
//! is the answer computed over every contact at once.

#[path = "../examples/gen_contacts.rs"]
#[allow(dead_code)]
mod gen_contacts;

use gen_contacts::{Layout, generate};
use hcq::Options;
use hcq::contacts;
use hcq::eval;
use std::process::Command;

const LAYOUTS: [(Layout, &str); 3] = [
    (Layout::Response, "response"),
    (Layout::Array, "array"),
    (Layout::Jsonl, "jsonl"),
];

fn options() -> Options {
    Options::at("2024-06-01T00:00:00Z".parse().expect("a time"))
}

#[test]
fn the_same_seed_writes_the_same_bytes() {
    for (layout, _) in LAYOUTS {
        let a = generate(500, 7, layout);
        assert_eq!(a, generate(500, 7, layout));
        assert_ne!(a, generate(500, 8, layout));
    }
    let one_line = generate(100, 1, Layout::Response);
    assert_eq!(one_line.lines().count(), 1);
    assert_eq!(generate(100, 1, Layout::Jsonl).lines().count(), 100);
}

#[test]
fn hcq_eval_reads_every_layout() {
    let dir = std::env::temp_dir().join(format!("hcq-gen-contacts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory");
    let mut answers = Vec::new();
    for (layout, name) in LAYOUTS {
        let path = dir.join(name);
        std::fs::write(&path, generate(2_000, 3, layout)).expect("writes");
        let run = |args: &[&str]| {
            let output = Command::new(env!("CARGO_BIN_EXE_hcq"))
                .args(["eval", "--now", "2024-06-01T00:00:00Z"])
                .args(args)
                .arg("--contacts")
                .arg(&path)
                .output()
                .expect("runs");
            assert!(
                output.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            // Every contact is valid: no warning, no error.
            assert!(output.stderr.is_empty(), "{name}");
            String::from_utf8(output.stdout).expect("UTF-8")
        };
        assert_eq!(run(&["-e", "all", "--count"]), "2000\n", "{name}");
        answers.push(run(&[
            "-e",
            "email ~ gmail and tag = Lead sort by lastSeen desc limit 20",
            "--ids",
        ]));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(answers[0].lines().count() == 20);
    assert!(answers.iter().all(|a| *a == answers[0]));
}

/// The streaming answer (bounded selections, pushed one contact at a
/// time) against the page and the selection computed over every contact
/// at once (`eval::page`, `contacts::select`, `eval::run_plan`).
#[test]
fn the_streaming_answer_is_the_whole_answer() {
    let text = generate(3_000, 11, Layout::Response);
    let all = contacts::read_contacts(&text).expect("reads");
    for query in [
        "email ~ gmail and tag = Lead",
        "tag = Lead or city = Kyiv or countryCode = PL",
        "lastSeen >= 0 sort by lastSeen desc limit 10",
        "lastSeen >= 0 sort by lastSeen desc limit 10 offset 995",
        "tag = Lead sort by firstSeen asc limit 250",
        "tag = Lead or city = Kyiv sort by lastSeen desc limit 150 offset 20",
        "city = Lviv or tag = VIP sort by lastSeen asc limit all offset 7",
        "email !~ gmail limit 1",
        "city != Kyiv sort by firstSeen desc limit 1000",
    ] {
        let compiled = hcq::compile_detailed(query, &options()).expect("compiles");
        let plan = &compiled.lowered.plan;
        let mut answering =
            eval::Answering::new(&compiled.query, &hcq::PlanOptions::default(), plan);
        for record in contacts::stream("<contacts>", &text).expect("reads") {
            let (contact, range) = record.expect("reads");
            answering.push(&contact, range).expect("unique ids");
        }
        let streamed: Vec<i64> = answering
            .finish()
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .into_iter()
            .map(|range| {
                let json: serde_json::Value = serde_json::from_str(&text[range]).expect("json");
                json["id"].as_i64().expect("an id")
            })
            .collect();
        let paged = query.contains("sort") || query.contains("limit");
        let whole: Vec<i64> = if paged {
            let page = hcq::PlanOptions::default().resolve(&compiled.query);
            eval::page(&compiled.query.expr, &page, &all)
                .iter()
                .map(|c| c.id)
                .collect()
        } else {
            contacts::select(&compiled.query.expr, &all)
                .iter()
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(streamed, whole, "{query}");
        if paged {
            let by_plan: Vec<i64> = eval::run_plan(plan, &all).iter().map(|c| c.id).collect();
            assert_eq!(streamed, by_plan, "{query}");
        }
        assert!(!streamed.is_empty(), "{query}");
    }
}
