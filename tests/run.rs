//! `hcq run`, the real binary, against the stand-in of the API
//! (examples/fake_api) over loopback: the same ids as `hcq eval` over the
//! same contacts, through faults; the key never shown; the exit statuses;
//! `--dry-run` and `--rate` as the server's log sees them; timeouts, a 400
//! that names its filter, `--max-requests`; csv; `--out-dir` for every
//! segment of a file; a request whose matches move while it is read.

// `Handle::wait`, `error_body` and more are the example binary's, not the tests'.
#[allow(dead_code)]
#[path = "../examples/fake_api/server.rs"]
mod server;

use assert_cmd::Command;
use server::{Config, Contacts, Handle};
use std::time::Duration;

const CONTACTS_PATH: &str = "tests/eval_fixtures/contacts.jsonl";
const CONTACTS: &str = include_str!("eval_fixtures/contacts.jsonl");
const KEY: &str = "k3y-that-must-never-show";
const NOW: &str = "2024-06-01T00:00:00Z";

/// The stand-in over the fixture contacts: no rate limit, these faults.
fn stand_in(faults: &str) -> Handle {
    let config = Config {
        per_second: 0,
        faults: server::parse_faults(faults).unwrap(),
        ..Config::new(Contacts::read("<contacts>", CONTACTS).unwrap(), KEY)
    };
    server::start(config).unwrap()
}

/// What a run of the binary gave.
struct Ran {
    status: i32,
    stdout: String,
    stderr: String,
}

/// `hcq ARGS`, with the key in the environment when `key` is given.
fn hcq(args: &[&str], key: Option<&str>) -> Ran {
    let mut command = Command::cargo_bin("hcq").unwrap();
    command.env_remove("HELPCRUNCH_API_KEY").args(args);
    if let Some(key) = key {
        command.env("HELPCRUNCH_API_KEY", key);
    }
    let output = command.output().unwrap();
    Ran {
        status: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// `hcq run EXPR --format ids` against `handle`, with `extra` flags.
fn run_ids(handle: &Handle, expr: &str, extra: &[&str]) -> Ran {
    let url = handle.url();
    let mut args = vec![
        "run",
        "-e",
        expr,
        "--now",
        NOW,
        "--base-url",
        &url,
        "--format",
        "ids",
    ];
    args.extend_from_slice(extra);
    hcq(&args, Some(KEY))
}

/// `hcq eval EXPR --ids` over the same contacts: the answer to expect.
fn eval_ids(expr: &str, extra: &[&str]) -> String {
    eval_ids_over(CONTACTS_PATH, expr, extra)
}

/// `hcq eval EXPR --ids` over the contacts file at `contacts`.
fn eval_ids_over(contacts: &str, expr: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "eval",
        "-e",
        expr,
        "--now",
        NOW,
        "--contacts",
        contacts,
        "--ids",
    ];
    args.extend_from_slice(extra);
    let ran = hcq(&args, None);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    ran.stdout
}

/// Expressions with a page (`eval` answers in the file's order without
/// one): one request; several requests and a merge; pages cut by `limit`
/// and `offset`.
const CASES: &[&str] = &[
    "tag = Lead limit 50",
    "(tag = Lead or tag = Paid) and not (city = Kyiv) limit 50",
    "email ~ gmail or (countryCode = UA and tag = Lead) sort by lastSeen desc limit 3",
    "(tag = Lead or city = Berlin) and (tag = Paid or countryCode = PL) \
     sort by firstSeen asc limit 2 offset 1",
];

#[test]
fn ids_are_evals_ids_for_every_case() {
    let handle = stand_in("");
    for expr in CASES {
        let ran = run_ids(&handle, expr, &[]);
        assert_eq!(ran.status, 0, "{expr}: {}", ran.stderr);
        assert_eq!(ran.stdout, eval_ids(expr, &[]), "{expr}");
        assert!(!ran.stdout.is_empty(), "{expr} matches some contacts");
        assert!(
            ran.stderr.starts_with("hcq: "),
            "the summary: {}",
            ran.stderr
        );
    }
    // The merged cases really sent several requests.
    let log = handle.log();
    assert!(log.len() > CASES.len(), "{} requests", log.len());
    assert!(
        log.iter()
            .all(|entry| entry.authorized && entry.status == 200)
    );
}

#[test]
fn faults_do_not_change_the_answer() {
    let expr = CASES[3];
    let handle = stand_in("1 503\n2 429\n3 truncate\n5 close-after-headers\n6 502\n");
    let ran = run_ids(&handle, expr, &[]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(ran.stdout, eval_ids(expr, &[]));
    assert!(ran.stderr.contains("1 429"), "{}", ran.stderr);
    assert!(handle.log().len() >= 6);
}

#[test]
fn retry_after_is_waited_for() {
    let handle = stand_in("1 429 retry-after=1\n");
    let ran = run_ids(&handle, CASES[0], &[]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(ran.stdout, eval_ids(CASES[0], &[]));
    let log = handle.log();
    assert_eq!(log.len(), 2);
    let waited = log[1].at.duration_since(log[0].at);
    assert!(waited >= Duration::from_secs(1), "resent after {waited:?}");
}

#[test]
fn rate_spaces_the_sends() {
    let handle = stand_in("");
    let ran = run_ids(&handle, CASES[1], &["--rate", "60"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let log = handle.log();
    assert!(log.len() >= 2, "{} requests", log.len());
    for pair in log.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        // 60 a minute: one a second; the server reads a request a little
        // after it is sent, so allow some slack.
        assert!(gap >= Duration::from_millis(950), "sent {gap:?} apart");
    }
}

#[test]
fn a_wrong_key_is_refused_and_never_shown() {
    let handle = stand_in("");
    let url = handle.url();
    let wrong = "wr0ng-key-never-shown";
    for format in ["human", "json"] {
        let args = [
            "run",
            "-e",
            "tag = Lead",
            "--base-url",
            &url,
            "--message-format",
            format,
        ];
        let ran = hcq(&args, Some(wrong));
        assert_eq!(ran.status, 3, "{}", ran.stderr);
        assert!(ran.stderr.contains("refused the API key"), "{}", ran.stderr);
        for text in [&ran.stdout, &ran.stderr] {
            assert!(!text.contains(wrong) && !text.contains(KEY), "{text}");
        }
    }
    assert_eq!(handle.log().len(), 2, "a 401 is not retried");
}

#[test]
fn dry_run_sends_nothing_and_shows_no_key() {
    let handle = stand_in("");
    let url = handle.url();
    let ran = hcq(
        &["run", "-e", CASES[1], "--base-url", &url, "--dry-run"],
        Some(KEY),
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let post = format!("POST {url}/customers/search\n");
    assert!(ran.stdout.matches(&post).count() >= 2, "{}", ran.stdout);
    assert!(!ran.stdout.contains(KEY) && !ran.stderr.contains(KEY));
    assert!(handle.log().is_empty());
}

#[test]
fn without_a_key_it_is_a_usage_error_naming_both_ways() {
    let ran = hcq(
        &[
            "run",
            "-e",
            "tag = Lead",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        None,
    );
    assert_eq!(ran.status, 2);
    assert!(ran.stderr.contains("HELPCRUNCH_API_KEY"), "{}", ran.stderr);
    assert!(ran.stderr.contains("--api-key-file"), "{}", ran.stderr);
}

#[test]
fn the_key_is_read_from_a_file() {
    let handle = stand_in("");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("key");
    std::fs::write(&path, format!("  {KEY}\n")).unwrap();
    let url = handle.url();
    let path = path.to_str().unwrap();
    let args = ["run", "-e", CASES[0], "--now", NOW, "--base-url", &url];
    let ran = hcq(
        &[&args[..], &["--api-key-file", path, "--format", "count"]].concat(),
        None,
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let expected = eval_ids(CASES[0], &[]).lines().count();
    assert_eq!(ran.stdout, format!("{expected}\n"));
}

#[test]
fn plain_http_to_another_host_is_refused() {
    let ran = hcq(
        &[
            "run",
            "-e",
            "tag = Lead",
            "--base-url",
            "http://example.com",
        ],
        Some(KEY),
    );
    assert_eq!(ran.status, 2);
    assert!(ran.stderr.contains("plain http://"), "{}", ran.stderr);
    assert!(!ran.stderr.contains(KEY));
}

#[test]
fn a_segment_file_needs_a_segment() {
    let ran = hcq(&["run", "examples/segments.hcq"], Some(KEY));
    assert_eq!(ran.status, 2);
    assert!(ran.stderr.contains("--segment NAME"), "{}", ran.stderr);
}

#[test]
fn nothing_answering_is_giving_up() {
    // A port nothing listens on: every attempt fails to connect.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let args = [
        "run",
        "-e",
        "tag = Lead",
        "--base-url",
        &url,
        "--message-format",
        "json",
    ];
    let ran = hcq(&args, Some(KEY));
    assert_eq!(ran.status, 4, "{}", ran.stderr);
    assert!(ran.stderr.contains("hcq::run::gave_up"), "{}", ran.stderr);
}

#[test]
fn json_and_jsonl_print_the_contacts_as_received() {
    let handle = stand_in("");
    let url = handle.url();
    let args = [
        "run",
        "-e",
        CASES[0],
        "--now",
        NOW,
        "--base-url",
        &url,
        "--quiet",
    ];
    let jsonl = hcq(&[&args[..], &["--format", "jsonl"]].concat(), Some(KEY));
    let json = hcq(&[&args[..], &["--format", "json"]].concat(), Some(KEY));
    assert_eq!((jsonl.status, json.status), (0, 0));
    assert!(jsonl.stderr.is_empty(), "--quiet: {}", jsonl.stderr);
    let lines: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let array: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(lines, array);
    let ids: String = lines.iter().map(|c| format!("{}\n", c["id"])).collect();
    assert_eq!(ids, eval_ids(CASES[0], &[]));
}

#[test]
fn a_slow_answer_times_out_and_is_retried() {
    let handle = stand_in("1 slow 2500\n");
    let ran = run_ids(&handle, CASES[0], &["--timeout", "1"]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert_eq!(ran.stdout, eval_ids(CASES[0], &[]));
    assert!(ran.stderr.contains("1 retry"), "{}", ran.stderr);
    assert_eq!(handle.log().len(), 2);
}

#[test]
fn a_400_names_the_request_and_the_filter_and_is_not_retried() {
    let handle = stand_in("1 refuse-filter 0\n");
    let ran = run_ids(&handle, CASES[0], &[]);
    assert_eq!(ran.status, 3, "{}", ran.stderr);
    for part in [
        "request 0 of the plan",
        "at filter 0",
        "customers.tagsData",
        "filter[0].value",
        "should not be blank",
    ] {
        assert!(ran.stderr.contains(part), "{part}: {}", ran.stderr);
    }
    assert!(ran.stdout.is_empty());
    assert_eq!(handle.log().len(), 1);
}

#[test]
fn max_requests_stops_the_run_with_status_4() {
    let handle = stand_in("");
    let ran = run_ids(&handle, CASES[1], &["--max-requests", "1"]);
    assert_eq!(ran.status, 4, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("most calls allowed (1)"),
        "{}",
        ran.stderr
    );
    assert_eq!(handle.log().len(), 1);
}

#[test]
fn csv_has_the_columns_asked_for() {
    let handle = stand_in("");
    let url = handle.url();
    let args = ["run", "-e", CASES[0], "--now", NOW, "--base-url", &url];
    let columns = ["--format", "csv", "--columns", "id,location.city,tags"];
    let ran = hcq(&[&args[..], &columns].concat(), Some(KEY));
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let mut lines = ran.stdout.lines();
    assert_eq!(lines.next(), Some("id,location.city,tags"));
    let ids: String = lines
        .map(|line| format!("{}\n", line.split(',').next().unwrap()))
        .collect();
    assert_eq!(ids, eval_ids(CASES[0], &[]));
    assert!(
        ran.stdout.contains("1001,Kyiv,Lead;Paid\n"),
        "{}",
        ran.stdout
    );
    // Columns only make sense for csv.
    let ran = hcq(&[&args[..], &["--columns", "id"]].concat(), Some(KEY));
    assert_eq!(ran.status, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("--format csv"), "{}", ran.stderr);
}

#[test]
fn out_dir_runs_every_segment_into_its_own_file() {
    let handle = stand_in("");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let url = handle.url();
    let file = "examples/segments.hcq";
    let args = [
        "run",
        file,
        "--now",
        NOW,
        "--base-url",
        &url,
        "--rate",
        "6000",
    ];
    let ran = hcq(
        &[&args[..], &["--format", "ids", "--out-dir", out]].concat(),
        Some(KEY),
    );
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let listed = hcq(&["list", file], None).stdout;
    let names: Vec<&str> = listed
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| dir.path().join(format!("{name}.txt")).exists())
        .collect();
    assert!(names.len() >= 5, "{listed}");
    for name in &names {
        let written = std::fs::read_to_string(dir.path().join(format!("{name}.txt"))).unwrap();
        let expected = hcq(
            &[
                "eval",
                file,
                "--segment",
                name,
                "--now",
                NOW,
                "--contacts",
                CONTACTS_PATH,
                "--ids",
            ],
            None,
        );
        // The same contacts (`eval` lists a segment without a page in
        // the file's order; the order is held to `eval`'s above).
        let sorted = |text: &str| {
            let mut ids: Vec<i64> = text.lines().map(|id| id.parse().unwrap()).collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(sorted(&written), sorted(&expected.stdout), "{name}");
        assert!(
            ran.stderr.contains(&format!("hcq: {name}: ")),
            "{}",
            ran.stderr
        );
    }
    // A failed run replaces no earlier export and leaves nothing behind.
    let kept = dir.path().join(format!("{}.txt", names[0]));
    std::fs::write(&kept, "earlier export\n").unwrap();
    let before: usize = std::fs::read_dir(dir.path()).unwrap().count();
    let ran = hcq(
        &[&args[..], &["--format", "ids", "--out-dir", out]].concat(),
        Some("wrong-key"),
    );
    assert_eq!(ran.status, 3, "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "earlier export\n");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before);
    // One expression has no segments to spread over files.
    let ran = hcq(
        &[
            "run",
            "-e",
            "tag = Lead",
            "--base-url",
            &url,
            "--out-dir",
            out,
        ],
        Some(KEY),
    );
    assert_eq!(ran.status, 2, "{}", ran.stderr);
}

/// `count` contacts, one every six hours back from `NOW` by `lastSeen`.
fn contacts_over_weeks(count: i64, shift: i64) -> String {
    let now = 1_717_200_000; // NOW as UNIX seconds
    (0..count)
        .map(|i| {
            let last_seen = now - i * 6 * 3600 + shift;
            format!(
                "{{\"id\": {}, \"firstSeen\": \"{}\", \"lastSeen\": \"{last_seen}\"}}\n",
                i + 1,
                1_600_000_000 + i * 60,
            )
        })
        .collect()
}

#[test]
fn a_request_whose_matches_move_is_read_again_and_loses_nothing() {
    // 250 contacts; 121 seen in the last 30 days, so the request is read
    // in pages of 100. From the second call on, everyone was seen ten
    // days later: the matches grow to 161 between the pages.
    let shift = 10 * 86_400;
    let contacts = contacts_over_weeks(250, 0);
    let config = Config {
        per_second: 0,
        faults: server::parse_faults(&format!("2 shift-last-seen {shift}\n")).unwrap(),
        ..Config::new(Contacts::read("<contacts>", &contacts).unwrap(), KEY)
    };
    let handle = server::start(config).unwrap();
    let expr = "lastSeen >= now - 30d sort by firstSeen asc limit 1000";
    let ran = run_ids(&handle, expr, &[]);
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("read again"), "{}", ran.stderr);
    // Exactly the contacts matching after the move, each once, in order.
    let dir = tempfile::tempdir().unwrap();
    let shifted = dir.path().join("shifted.jsonl");
    std::fs::write(&shifted, contacts_over_weeks(250, shift)).unwrap();
    let shifted = shifted.to_str().unwrap();
    let expected = eval_ids_over(shifted, expr, &[]);
    assert_eq!(expected.lines().count(), 161);
    assert_eq!(ran.stdout, expected);
}

#[test]
fn segments_of_one_run_share_one_rate() {
    let handle = stand_in("");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("three.hcq");
    std::fs::write(
        &file,
        "segment a\n  tag = Lead\nsegment b\n  tag = Paid\nsegment c\n  city = Kyiv\n",
    )
    .unwrap();
    let url = handle.url();
    let out = dir.path().to_str().unwrap();
    let args = [
        "run",
        file.to_str().unwrap(),
        "--base-url",
        &url,
        "--out-dir",
        out,
        "--rate",
        "60",
        "--message-format",
        "json",
    ];
    let ran = hcq(&args, Some(KEY));
    assert_eq!(ran.status, 0, "{}", ran.stderr);
    let log = handle.log();
    assert_eq!(log.len(), 3);
    for pair in log.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(gap >= Duration::from_millis(950), "sent {gap:?} apart");
    }
    // One summary a segment, each a JSON line.
    let summaries: Vec<serde_json::Value> = ran
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(summaries.len(), 3, "{}", ran.stderr);
    for summary in &summaries {
        assert_eq!(summary["code"], "hcq::run::summary");
        assert_eq!(summary["severity"], "advice");
    }
}
