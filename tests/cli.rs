//! The `hcq` binary, run for real: exit codes, standard input, JSON
//! diagnostics, emitted plans.

use assert_cmd::Command;
use predicates::prelude::*;

fn hcq() -> Command {
    let mut cmd = Command::cargo_bin("hcq").expect("the hcq binary is built for tests");
    cmd.env("NO_COLOR", "1").env("COLUMNS", "80");
    cmd
}

const NOW: &str = "2024-06-01T00:00:00Z";

#[test]
fn check_accepts_a_valid_expression_silently() {
    hcq()
        .args([
            "check",
            "-e",
            "email ~ gmail and (tag = Lead or lastSeen >= now - 30d)",
        ])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn check_reports_every_error_and_exits_1() {
    hcq()
        .args(["check", "-e", "emial ~ gmail and id > abc"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("found 2 problems"))
        .stderr(predicate::str::contains("did you mean `email`?"))
        .stderr(predicate::str::contains("hcq::check::unknown_field"));
}

#[test]
fn check_reads_standard_input() {
    hcq()
        .args(["check", "-"])
        .write_stdin("id > 5\n")
        .assert()
        .success();
    hcq()
        .args(["check", "-"])
        .write_stdin("id > \n")
        .assert()
        .code(1);
}

#[test]
fn check_reads_a_file_and_names_it() {
    let dir = std::env::temp_dir().join(format!("hcq-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.txt");
    std::fs::write(&path, "email > 5\n").unwrap();
    hcq()
        .arg("check")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bad.txt"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_file_is_a_usage_error() {
    hcq()
        .args(["check", "/no/such/file.hcq"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read /no/such/file.hcq"));
}

#[test]
fn invalid_utf8_on_stdin_names_the_byte_offset() {
    hcq()
        .args(["check", "-"])
        .write_stdin(b"id > 5 and name = \xff".to_vec())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("byte offset 18"));
}

#[test]
fn bad_usage_exits_2() {
    hcq().args(["check"]).assert().code(2);
    hcq().args(["frobnicate"]).assert().code(2);
    hcq()
        .args(["emit", "-e", "id > 5", "--limit", "0"])
        .assert()
        .code(2);
    hcq()
        .args(["emit", "-e", "id > 5", "--sort", "email"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("sorts only by"));
}

#[test]
fn json_diagnostics_carry_code_span_line_and_column() {
    let output = hcq()
        .args([
            "check",
            "--message-format",
            "json",
            "-e",
            "id = 1 and\nemial ~ x",
        ])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let text = String::from_utf8(output).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["code"], "hcq::check::unknown_field");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["help"], "did you mean `email`?");
    let label = &first["labels"][0];
    assert_eq!(label["offset"], 11);
    assert_eq!(label["length"], 5);
    assert_eq!(label["line"], 2);
    assert_eq!(label["column"], 1);
}

#[test]
fn emit_prints_one_or_request_for_a_flat_or() {
    let output = hcq()
        .args([
            "emit",
            "--compact",
            "--now",
            NOW,
            "-e",
            "email ~ gmail or tag = Lead or id > 5",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(plan["requests"].as_array().unwrap().len(), 1);
    assert_eq!(plan["requests"][0]["comparison"], "OR");
    assert!(plan.get("merge").is_none());
}

#[test]
fn emit_splits_and_over_or_and_says_how_to_merge() {
    let output = hcq()
        .args([
            "emit",
            "--now",
            NOW,
            "-e",
            "(a_is_not_a_field = 1 or id = 2) and id > 1",
        ])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&output).contains("unknown field"));

    let output = hcq()
        .args([
            "emit",
            "--now",
            NOW,
            "-e",
            "(email ~ a or name ~ b) and (city = Kyiv or id > 5)",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(plan["requests"].as_array().unwrap().len(), 4);
    assert_eq!(plan["merge"]["by"], "id");
}

#[test]
fn emit_is_deterministic() {
    let run = || {
        hcq()
            .args([
                "emit",
                "--now",
                NOW,
                "-e",
                "(tag = A or tag = B) and lastSeen >= now - 30d and id in (1, 2)",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    assert_eq!(run(), run());
}

#[test]
fn emit_options_override_clauses() {
    let output = hcq()
        .args([
            "emit",
            "--compact",
            "-e",
            "id > 5 sort by lastSeen asc limit 10",
            "--order",
            "desc",
            "--limit",
            "20",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(plan["requests"][0]["order"], "DESC");
    assert_eq!(plan["requests"][0]["limit"], 20);
    assert_eq!(plan["requests"][0]["sort"], "customers.lastSeen");
}

#[test]
fn emit_refuses_plans_over_the_request_cap() {
    hcq()
        .args([
            "emit",
            "-e",
            "(email ~ a or name ~ b) and (city = Kyiv or id > 5)",
            "--max-requests",
            "3",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hcq::lower::too_many_requests"));
}

#[test]
fn explain_shows_the_stages_and_the_reason_for_the_count() {
    hcq()
        .args([
            "explain",
            "--now",
            NOW,
            "-e",
            "(tag = Lead or tag = Paid) and not (city = Kyiv)",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("city != Kyiv")
                .or(predicate::str::contains("customers.city != ")),
        )
        .stdout(predicate::str::contains("Requests: 2"));
}

#[test]
fn help_teaches_with_examples() {
    hcq()
        .args(["emit", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("--max-requests"));
}

#[test]
fn broken_pipe_is_quiet() {
    // `head -c0` closes the pipe at once; hcq must not print an error or panic.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' emit -e 'id > 5 or id < 2' | head -c0; exit ${{PIPESTATUS[0]:-0}}",
            env!("CARGO_BIN_EXE_hcq")
        ))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&status.stderr).contains("panicked"));
}

/// A scratch folder for one test, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("hcq-cli-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const SEGMENTS: &str = "\
# Leads who write from Gmail
segment gmail_leads
  email ~ \"gmail\" and tag = Lead

segment fresh_gmail_leads
  @gmail_leads and lastSeen >= now - 30d
";

#[test]
fn check_summarises_every_segment_of_every_file() {
    let scratch = Scratch::new("check-many");
    let a = scratch.file("a.hcq", SEGMENTS);
    let b = scratch.file("b.hcq", "segment kyiv\n  city = Kyiv or city = Lviv\n");
    hcq()
        .arg("check")
        .arg(&a)
        .arg(&b)
        .assert()
        .success()
        .stdout(predicate::str::contains("a.hcq: 2 segments, 2 API calls"))
        .stdout(predicate::str::contains("fresh_gmail_leads  1 request"))
        .stdout(predicate::str::contains("b.hcq: 1 segment, 1 API call"));
}

#[test]
fn check_reports_errors_in_every_file_and_exits_1() {
    let scratch = Scratch::new("check-bad");
    let good = scratch.file("good.hcq", SEGMENTS);
    let bad = scratch.file(
        "bad.hcq",
        "segment a\n  @gmial_leads\n\nsegment b\n  emial ~ x\n",
    );
    hcq()
        .arg("check")
        .arg(&good)
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hcq::segment::unknown_reference"))
        .stderr(predicate::str::contains("hcq::check::unknown_field"))
        .stdout(predicate::str::contains("good.hcq: 2 segments"));
}

#[test]
fn check_budget_fails_a_file_over_it() {
    let scratch = Scratch::new("budget");
    let file = scratch.file("a.hcq", SEGMENTS);
    hcq()
        .arg("check")
        .arg(&file)
        .args(["--budget", "2"])
        .assert()
        .success();
    hcq()
        .arg("check")
        .arg(&file)
        .args(["--budget", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hcq::segment::over_budget"));
}

#[test]
fn emit_prints_one_segment_or_all_in_file_order() {
    let scratch = Scratch::new("emit-segments");
    let file = scratch.file("a.hcq", SEGMENTS);
    let one = hcq()
        .args(["emit", "--compact", "--now", NOW])
        .arg(&file)
        .args(["--segment", "fresh_gmail_leads"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let plan: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(plan["requests"][0]["filter"].as_array().unwrap().len(), 3);

    for compact in [true, false] {
        let mut cmd = hcq();
        cmd.args(["emit", "--now", NOW]).arg(&file);
        if compact {
            cmd.arg("--compact");
        }
        let all = cmd.assert().success().get_output().stdout.clone();
        let text = String::from_utf8(all).unwrap();
        let plans: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(plans.as_object().unwrap().len(), 2);
        assert!(
            text.find("\"gmail_leads\"").unwrap() < text.find("\"fresh_gmail_leads\"").unwrap()
        );
    }

    hcq()
        .arg("emit")
        .arg(&file)
        .args(["--segment", "gmail_lead"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `gmail_leads`?"));
}

#[test]
fn list_shows_request_counts() {
    let scratch = Scratch::new("list");
    let file = scratch.file(
        "a.hcq",
        "segment two\n  (city = A or city = B) and id > 5\n",
    );
    hcq()
        .arg("list")
        .arg(&file)
        .assert()
        .success()
        .stdout(predicate::str::contains("two  2 requests"));
}

#[test]
fn fmt_check_shows_a_diff_and_fmt_rewrites() {
    let scratch = Scratch::new("fmt");
    let file = scratch.file("a.hcq", "SEGMENT a\n    email~gmail AND tag=Lead # note\n");
    hcq()
        .args(["fmt", "--check"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "+  email ~ gmail and tag = Lead  # note",
        ));
    hcq().arg("fmt").arg(&file).assert().success();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "segment a\n  email ~ gmail and tag = Lead  # note\n"
    );
    hcq()
        .args(["fmt", "--check"])
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    hcq()
        .args(["fmt", "-"])
        .write_stdin("id>5 OR id<2")
        .assert()
        .success()
        .stdout("id > 5 or id < 2\n");
}

#[test]
fn the_example_segment_file_is_valid_and_formatted() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/segments.hcq");
    hcq().args(["check", example]).assert().success().stderr("");
    hcq()
        .args(["fmt", "--check", example])
        .assert()
        .success()
        .stdout("");
}

const EXPORT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/eval_fixtures/contacts.json"
);

#[test]
fn eval_prints_matching_contacts_ids_or_count() {
    let ids = hcq()
        .args([
            "eval",
            "-e",
            "city = Kyiv or tag = Lead",
            "--contacts",
            EXPORT,
            "--ids",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(ids).unwrap(),
        "1001\n1002\n1005\n1008\n1010\n1011\n1012\n"
    );
    hcq()
        .args([
            "eval",
            "-e",
            "city = Kyiv or tag = Lead",
            "--contacts",
            EXPORT,
            "--count",
        ])
        .assert()
        .success()
        .stdout("7\n");
    let records = hcq()
        .args(["eval", "-e", "city = Kyiv", "--contacts", EXPORT])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // The records as they were written, `customData` and all.
    let records: serde_json::Value = serde_json::from_slice(&records).unwrap();
    assert_eq!(records.as_array().unwrap().len(), 2);
    assert_eq!(records[0]["customData"]["plan"], "pro");
}

#[test]
fn eval_reads_json_lines_from_stdin_and_segments_from_files() {
    let scratch = Scratch::new("eval");
    let file = scratch.file(
        "a.hcq",
        "segment kyiv\n  city = Kyiv\n\nsegment leads\n  @kyiv and tag = Lead\n",
    );
    let lines = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/eval_fixtures/contacts.jsonl"
    ))
    .unwrap();
    hcq()
        .arg("eval")
        .arg(&file)
        .args(["--segment", "leads", "--contacts", "-", "--ids"])
        .write_stdin(lines)
        .assert()
        .success()
        .stdout("1001\n");
    hcq()
        .arg("eval")
        .arg(&file)
        .args(["--contacts", EXPORT])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--segment NAME"));
}

#[test]
fn eval_names_the_bad_record() {
    hcq()
        .args(["eval", "-e", "id > 0", "--contacts"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/eval_fixtures/broken.jsonl"
        ))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hcq::contacts::field_type"))
        .stderr(predicate::str::contains("index 2 (line 3, id 1003)"));
    hcq()
        .args(["eval", "-e", "emial ~ x", "--contacts", EXPORT])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("hcq::check::unknown_field"));
}

#[test]
fn eval_prints_records_reindented_as_array_elements() {
    let output = hcq()
        .args(["eval", "-e", "userId = 00123", "--contacts", EXPORT])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(text.starts_with("[\n  {\n    \"id\": 1004,\n"), "{text}");
    assert!(text.ends_with("\n  }\n]\n"), "{text}");
}

#[test]
fn limit_all_and_all_emit_a_merge_without_a_limit() {
    let emit = |args: &[&str]| -> serde_json::Value {
        let output = hcq()
            .args(["emit", "--compact"])
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&output).unwrap()
    };
    let written = emit(&["-e", "tag = Lead limit all"]);
    let flag = emit(&["-e", "tag = Lead", "--all"]);
    // `--all` overrides the expression's own limit too.
    let over = emit(&["-e", "tag = Lead limit 5", "--all"]);
    assert_eq!(written, flag);
    assert_eq!(written, over);
    let merge = written["merge"].as_object().expect("a merge");
    assert!(!merge.contains_key("limit"), "{written}");
    assert_eq!(merge["sort"], "customers.firstSeen");
    assert_eq!(merge["order"], "ASC");
    assert_eq!(written["requests"][0]["limit"], 100);
    // `--all` and `--limit` cannot both be given.
    hcq()
        .args(["emit", "-e", "tag = Lead", "--all", "--limit", "5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--limit"));
    // A word that is not `all` after `limit`.
    hcq()
        .args(["check", "-e", "tag = Lead limit every"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a whole number or `all`"));
}

#[test]
fn eval_limit_all_answers_every_match_past_one_page() {
    let scratch = Scratch::new("eval-all");
    let contacts: Vec<String> = (1..=250)
        .map(|id| {
            format!(
                r#"{{"id": {id}, "lastSeen": {}, "firstSeen": {}}}"#,
                1_700_000_000 + id % 7,
                1_600_000_000 - id
            )
        })
        .collect();
    let file = scratch.file("contacts.json", &format!("[{}]", contacts.join(",\n")));
    let count = |expr: &str| -> String {
        let output = hcq()
            .args(["eval", "-e", expr, "--contacts"])
            .arg(&file)
            .arg("--count")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(output).unwrap()
    };
    // A clause caps the page at 100 unless it says `all`.
    assert_eq!(count("id > 10 offset 0"), "100\n");
    assert_eq!(count("id > 10 limit all"), "240\n");
    assert_eq!(count("id > 10 limit all offset 40"), "200\n");
    assert_eq!(count("id > 10 or id < 3 limit all"), "242\n");
    // firstSeen ascending by default: the newest ids first here.
    let ids = hcq()
        .args([
            "eval",
            "-e",
            "id > 10 limit all offset 238",
            "--ids",
            "--contacts",
        ])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(ids).unwrap(), "12\n11\n");
}

#[test]
fn emit_all_prints_the_always_true_plan_without_a_warning() {
    let always = hcq()
        .args(["emit", "--now", NOW, "-e", "id > 5 or id <= 5"])
        .assert()
        .success()
        .stderr(predicate::str::contains("hcq::lower::always_true"))
        .get_output()
        .stdout
        .clone();
    hcq()
        .args(["emit", "--now", NOW, "-e", "all"])
        .assert()
        .success()
        .stdout(always)
        .stderr("");
}

#[test]
fn emit_not_all_is_a_plan_that_matches_no_contact() {
    let never = hcq()
        .args(["emit", "--now", NOW, "-e", "city = Kyiv and city != Kyiv"])
        .assert()
        .get_output()
        .clone();
    let not_all = hcq()
        .args(["emit", "--now", NOW, "-e", "not all"])
        .assert()
        .stderr(predicate::str::contains("hcq::lower::never_matches"))
        .get_output()
        .clone();
    assert_eq!(not_all.status, never.status);
    assert_eq!(not_all.stdout, never.stdout);
}
