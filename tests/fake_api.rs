//! The stand-in of the API (examples/fake_api) over loopback, spoken to
//! in raw HTTP: the contract of docs/SEMANTICS.md, the rate limit and
//! every scripted fault.

// `Handle::wait` is the binary's, not the tests'.
#[allow(dead_code)]
#[path = "../examples/fake_api/server.rs"]
mod server;

use hcq::eval;
use hcq::plan::Request;
use server::{Config, Contacts, Fault, FaultKind, Handle};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

const CONTACTS: &str = include_str!("eval_fixtures/contacts.jsonl");
const KEY: &str = "test-key";

/// Six contacts, two runs of equal `lastSeen`, for the tie faults.
const TIED: &str = r#"{"id": 1, "lastSeen": 100}
{"id": 2, "lastSeen": 200}
{"id": 3, "lastSeen": 200}
{"id": 4, "lastSeen": 200}
{"id": 5, "lastSeen": 300}
{"id": 6, "lastSeen": 300}
"#;

/// An answer as read off the socket.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn error_code(&self) -> String {
        self.json()["errors"][0]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn ids(&self) -> Vec<i64> {
        let json = self.json();
        let data = json["data"].as_array().unwrap();
        data.iter().map(|c| c["id"].as_i64().unwrap()).collect()
    }
}

fn stand_in(contacts: &str, per_second: u32, faults: &str) -> Handle {
    let config = Config {
        per_second,
        faults: server::parse_faults(faults).unwrap(),
        ..Config::new(Contacts::read("<contacts>", contacts).unwrap(), KEY)
    };
    server::start(config).unwrap()
}

/// Sends `text` as it is and reads until the server closes.
fn exchange(handle: &Handle, text: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(handle.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(text).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_owned(), value.trim().to_owned())
        })
        .collect();
    Answer {
        status: status.parse().unwrap(),
        headers,
        body: body.to_owned(),
    }
}

fn post(handle: &Handle, key: Option<&str>, body: &str) -> Answer {
    let auth = key.map_or(String::new(), |k| format!("Authorization: Bearer {k}\r\n"));
    let text = format!(
        "POST /customers/search HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    exchange(handle, text.as_bytes())
}

fn search(handle: &Handle, request: &Request) -> Answer {
    post(handle, Some(KEY), &serde_json::to_string(request).unwrap())
}

fn request(filter: &str) -> Request {
    let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
    hcq::compile(filter, &options)
        .unwrap()
        .plan
        .requests
        .remove(0)
}

fn content_length(answer: &Answer) -> usize {
    answer.header("Content-Length").unwrap().parse().unwrap()
}

#[test]
fn a_missing_or_wrong_key_is_the_vendors_401() {
    let handle = stand_in(CONTACTS, 0, "");
    let body = serde_json::to_string(&request("email ~ gmail")).unwrap();
    for key in [None, Some("wrong"), Some("")] {
        let answer = post(&handle, key, &body);
        assert_eq!(answer.status, 401);
        assert_eq!(answer.error_code(), "unauthorized");
        assert!(answer.json()["errors"][0]["message"].is_string());
    }
    let answer = exchange(
        &handle,
        b"POST /customers/search HTTP/1.1\r\nAuthorization: Basic test-key\r\n\r\n",
    );
    assert_eq!(answer.status, 401);
}

#[test]
fn bad_bodies_are_400s_that_name_the_part() {
    let handle = stand_in(CONTACTS, 0, "");
    for body in ["{not json", "", "[]", r#"{"comparison": "AND"}"#] {
        let answer = post(&handle, Some(KEY), body);
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.error_code(), "body");
    }
    let mut bad = request("email ~ gmail and tag = Lead");
    bad.filter[1].operator = hcq::plan::Operator::Contains;
    assert_eq!(search(&handle, &bad).error_code(), "filter[1].operator");
    let mut bad = request("email ~ gmail");
    bad.filter[0].field = "customers.emial".into();
    assert_eq!(search(&handle, &bad).error_code(), "filter[0].field");
    let mut bad = request("id > 10");
    bad.filter[0].value = hcq::plan::Value::Text("ten".into());
    assert_eq!(search(&handle, &bad).error_code(), "filter[0].value");
    let mut bad = request("id > 10");
    bad.limit = hcq::plan::MAX_PAGE + 1;
    assert_eq!(search(&handle, &bad).error_code(), "limit");
    let mut bad = request("id > 10");
    bad.sort = "customers.email".into();
    assert_eq!(search(&handle, &bad).error_code(), "sort");
    let mut bad = request("id > 10");
    bad.filter.clear();
    assert_eq!(search(&handle, &bad).error_code(), "filter");
}

#[test]
fn answers_are_the_reference_evaluators() {
    let handle = stand_in(CONTACTS, 0, "");
    let contacts = hcq::contacts::read_contacts(CONTACTS).unwrap();
    assert_eq!(
        Contacts::read("<contacts>", CONTACTS).unwrap().parsed(),
        contacts
    );
    assert!(handle.url().starts_with("http://127.0.0.1:"));
    let file: Vec<serde_json::Value> = CONTACTS
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let queries = [
        "email ~ gmail",
        "tag = Lead or city = Kyiv",
        "lastSeen >= 2024-05-01 sort by lastSeen asc limit 3",
        "id > 1000 sort by firstSeen desc limit 4 offset 2",
        "countryCode = UA or phone ~ 380",
        "name !~ zzz limit 5 offset 10",
    ];
    for query in queries {
        let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
        for request in hcq::compile(query, &options).unwrap().plan.requests {
            let answer = search(&handle, &request);
            assert_eq!(answer.status, 200, "{query}: {}", answer.body);
            let expected: Vec<i64> = eval::search(&request, &contacts)
                .iter()
                .map(|c| c.id)
                .collect();
            assert_eq!(answer.ids(), expected, "{query}");
            let all = Request {
                offset: 0,
                limit: u64::MAX,
                ..request.clone()
            };
            let json = answer.json();
            assert_eq!(
                json["total"],
                eval::search(&all, &contacts).len(),
                "{query}"
            );
            for row in json["data"].as_array().unwrap() {
                assert!(row["lastSeen"].is_string(), "{row}");
                let original = file.iter().find(|c| c["id"] == row["id"]).unwrap();
                for (key, value) in original.as_object().unwrap() {
                    match key.as_str() {
                        "firstSeen" | "lastSeen" if !value.is_null() => {
                            assert_eq!(row[key].as_str(), value.as_str());
                        }
                        _ => assert_eq!(&row[key], value, "{key}"),
                    }
                }
            }
        }
    }
}

#[test]
fn numbers_in_the_file_come_back_as_strings() {
    let handle = stand_in(TIED, 0, "");
    let answer = search(&handle, &request("id = 2"));
    assert_eq!(answer.json()["data"][0]["lastSeen"], "200");
}

#[test]
fn past_the_rate_limit_is_a_429_without_retry_after() {
    let handle = stand_in(CONTACTS, 2, "");
    let request = request("email ~ gmail");
    assert_eq!(search(&handle, &request).status, 200);
    assert_eq!(search(&handle, &request).status, 200);
    let answer = search(&handle, &request);
    assert_eq!(answer.status, 429);
    assert_eq!(answer.error_code(), "too_many_requests");
    assert_eq!(answer.header("Retry-After"), None);
    // The window slides: a second after the first two, one more goes through.
    let first = handle.log()[0].at;
    std::thread::sleep(Duration::from_secs(1).saturating_sub(first.elapsed()));
    assert_eq!(search(&handle, &request).status, 200);
}

#[test]
fn status_faults_answer_as_scripted() {
    let schedule =
        "1 429\n2 429 retry-after=3\n3 500\n4 502\n5 503 retry-after=1\n6 504\n7 refuse-filter 0\n";
    let handle = stand_in(CONTACTS, 0, schedule);
    let request = request("email ~ gmail");
    let expected = [
        (429, None, "too_many_requests"),
        (429, Some("3"), "too_many_requests"),
        (500, None, "server_error"),
        (502, None, "server_error"),
        (503, Some("1"), "server_error"),
        (504, None, "server_error"),
        (400, None, "filter[0].value"),
    ];
    for (status, retry_after, code) in expected {
        let answer = search(&handle, &request);
        assert_eq!(answer.status, status);
        assert_eq!(answer.header("Retry-After"), retry_after);
        assert_eq!(answer.error_code(), code);
    }
    assert_eq!(search(&handle, &request).status, 200);
}

#[test]
fn broken_replies_break_as_scripted() {
    let schedule = "1 close-after-headers\n2 truncate\n3 invalid-json\n4 slow 300\n";
    let handle = stand_in(CONTACTS, 0, schedule);
    let request = request("email ~ gmail");
    let closed = search(&handle, &request);
    assert_eq!(closed.status, 200);
    assert!(content_length(&closed) > 0);
    assert_eq!(closed.body, "");
    let truncated = search(&handle, &request);
    assert_eq!(truncated.body.len(), content_length(&truncated) / 2);
    let invalid = search(&handle, &request);
    assert_eq!(invalid.status, 200);
    assert_eq!(invalid.body.len(), content_length(&invalid));
    assert!(serde_json::from_str::<serde_json::Value>(&invalid.body).is_err());
    let start = Instant::now();
    let slow = search(&handle, &request);
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(slow.json()["total"], 5);
}

#[test]
fn contacts_drift_between_pages_as_scripted() {
    let handle = stand_in(TIED, 0, "2 shift-last-seen 1000\n3 shift-last-seen 5\n");
    let mut request = request("lastSeen > 0 sort by lastSeen desc");
    request.limit = 1;
    let seen = |answer: &Answer| answer.json()["data"][0]["lastSeen"].clone();
    assert_eq!(seen(&search(&handle, &request)), "300");
    assert_eq!(seen(&search(&handle, &request)), "1300");
    assert_eq!(seen(&search(&handle, &request)), "1305");
    // Filters see the shifted values too.
    let answer = search(&handle, &self::request("lastSeen > 1970-01-01T00:17:00Z"));
    assert_eq!(answer.json()["total"], 6);
}

#[test]
fn ties_reverse_from_the_scripted_request() {
    let handle = stand_in(TIED, 0, "3 shuffle-ties\n");
    let mut request = request("lastSeen > 0 sort by lastSeen desc");
    request.limit = 3;
    assert_eq!(search(&handle, &request).ids(), vec![5, 6, 2]);
    request.offset = 3;
    assert_eq!(search(&handle, &request).ids(), vec![3, 4, 1]);
    request.offset = 0;
    assert_eq!(search(&handle, &request).ids(), vec![6, 5, 4]);
    request.offset = 3;
    assert_eq!(search(&handle, &request).ids(), vec![3, 2, 1]);
}

#[test]
fn faults_count_every_request_but_spare_the_unauthorized() {
    let handle = stand_in(CONTACTS, 0, "1 500\n2 502\n");
    let request = request("email ~ gmail");
    let body = serde_json::to_string(&request).unwrap();
    // Request 1 has no key: the 401 wins and its fault goes unused.
    assert_eq!(post(&handle, None, &body).status, 401);
    assert_eq!(search(&handle, &request).status, 502);
    assert_eq!(search(&handle, &request).status, 200);
}

#[test]
fn the_log_records_every_request() {
    let handle = stand_in(CONTACTS, 0, "");
    let body = serde_json::to_string(&request("email ~ gmail")).unwrap();
    post(&handle, Some(KEY), &body);
    post(&handle, None, "{}");
    let other = exchange(&handle, b"GET /customers/search HTTP/1.1\r\n\r\n");
    assert_eq!(other.status, 405);
    assert_eq!(other.header("Allow"), Some("POST"));
    let missing = exchange(&handle, b"GET /v2/nothing HTTP/1.1\r\n\r\n");
    assert_eq!(missing.status, 404);
    let log = handle.log();
    let seen: Vec<_> = log
        .iter()
        .map(|l| {
            (
                l.number,
                l.method.as_str(),
                l.path.as_str(),
                l.authorized,
                l.status,
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "POST", "/customers/search", true, 200),
            (2, "POST", "/customers/search", false, 401),
            (3, "GET", "/customers/search", false, 405),
            (4, "GET", "/v2/nothing", false, 404),
        ]
    );
    assert_eq!(log[0].body, body);
    assert_eq!(log[1].body, "{}");
    assert!(log[0].at <= log[1].at);
    handle.stop();
}

#[test]
fn oversized_requests_are_refused() {
    let handle = stand_in(CONTACTS, 0, "");
    let text = format!(
        "POST /customers/search HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
        server::MAX_BODY + 1
    );
    assert_eq!(exchange(&handle, text.as_bytes()).status, 413);
    let text = format!(
        "POST /customers/search HTTP/1.1\r\nX-Pad: {}\r\n\r\n",
        "a".repeat(server::MAX_HEAD)
    );
    assert_eq!(exchange(&handle, text.as_bytes()).status, 431);
    assert!(handle.log().is_empty());
}

#[test]
fn schedules_parse_and_refuse_what_is_not_a_fault() {
    let faults = server::parse_faults("# a comment\n\n7 slow 50 # why\n2 shuffle-ties\n").unwrap();
    assert_eq!(
        faults,
        [
            Fault {
                at: 7,
                kind: FaultKind::Slow(Duration::from_millis(50))
            },
            Fault {
                at: 2,
                kind: FaultKind::ShuffleTies
            },
        ]
    );
    for bad in [
        "0 500",
        "x 500",
        "1 418",
        "1 429 retry-after=",
        "1 slow",
        "1 truncate now",
        "1 refuse-filter",
        "1 refuse-filter -1",
    ] {
        assert!(server::parse_faults(bad).is_err(), "{bad}");
    }
    assert_eq!(
        server::parse_faults("\n1 oops\n").unwrap_err(),
        "line 2: not a fault: \"1 oops\""
    );
}
