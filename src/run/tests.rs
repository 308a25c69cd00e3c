//! The executor against a fake API on a fake clock: for random plans,
//! contacts and fault schedules, the rows it hands out are exactly
//! `eval::run_plan`'s, and every send respects the rate, the waits and
//! the attempt budget. `PROPTEST_CASES` sets the number of cases.

use super::backoff::{self, Jitter};
use super::*;
use crate::eval::{self, Contact};
use crate::plan::{Comparison, Filter, Merge, Operator, Order, Page, Value};
use proptest::prelude::*;
use std::collections::HashMap;

const MS: Duration = Duration::from_millis(1);

// Small domains, so that filters match often and sort keys tie often.
const SEEN: [i64; 4] = [100, 200, 300, 400];
const CITIES: [Option<&str>; 3] = [Some("Kyiv"), Some("Lviv"), None];
const TAGS: [&str; 2] = ["Lead", "Paid"];
const SORTS: [&str; 3] = ["customers.lastSeen", "customers.firstSeen", "customers.id"];

/// A contact as the API sends it (timestamps as strings, as in the
/// vendor's example), and the same contact read back.
fn contact_json(
    id: i64,
    last_seen: i64,
    first_seen: Option<i64>,
    city: Option<&str>,
    tags: &[&str],
) -> (String, Contact) {
    let tags: Vec<_> = tags
        .iter()
        .map(|t| serde_json::json!({"name": t}))
        .collect();
    let json = serde_json::json!({
        "id": id,
        "lastSeen": last_seen.to_string(),
        "firstSeen": first_seen.map(|s| s.to_string()),
        "location": {"city": city},
        "tags": tags,
    })
    .to_string();
    let contact = serde_json::from_str(&json).unwrap();
    (json, contact)
}

fn contacts() -> impl Strategy<Value = Vec<(String, Contact)>> {
    let one = (
        proptest::sample::select(SEEN.to_vec()),
        proptest::option::of(proptest::sample::select(SEEN.to_vec())),
        proptest::sample::select(CITIES.to_vec()),
        proptest::sample::subsequence(TAGS.to_vec(), 0..=2),
    );
    proptest::collection::vec(one, 0..40).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            // Ids unique, but not in the order the contacts are listed.
            .map(|(i, (last, first, city, tags))| {
                let id = (i as i64 * 7) % 41 - 3;
                contact_json(id, last, first, city, &tags)
            })
            .collect()
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    let number = |field: &'static str, op, n: i64| Filter {
        field: field.into(),
        operator: op,
        value: Value::Number(n),
    };
    prop_oneof![
        (-3..40i64).prop_map(move |n| number("customers.id", Operator::Gt, n)),
        (-3..40i64).prop_map(move |n| number("customers.id", Operator::Lt, n)),
        proptest::sample::select(SEEN.to_vec()).prop_map(move |n| number(
            "customers.lastSeen",
            Operator::Ge,
            n
        )),
        proptest::sample::select(vec!["Kyiv", "Lviv"]).prop_map(|city| Filter {
            field: "customers.city".into(),
            operator: Operator::Eq,
            value: Value::Text(city.into()),
        }),
        proptest::sample::select(TAGS.to_vec()).prop_map(|tag| Filter {
            field: "customers.tagsData".into(),
            operator: Operator::Eq,
            value: Value::Tags(vec![crate::plan::Tag { name: tag.into() }]),
        }),
    ]
}

fn request(sort: &'static str, order: Order) -> impl Strategy<Value = Request> {
    (
        proptest::collection::vec(filter(), 1..=3),
        any::<bool>(),
        0..=2u64,
        1..=6u64,
    )
        .prop_map(move |(filter, and, offset, limit)| Request {
            comparison: if and { Comparison::And } else { Comparison::Or },
            filter,
            sort: sort.into(),
            order,
            offset,
            limit,
        })
}

/// Plans as `lower` makes them (one sort for every request and the merge)
/// with short pages, so that few contacts need many calls; and single
/// requests without `merge`.
fn plans() -> impl Strategy<Value = Plan> {
    let sorted = (proptest::sample::select(SORTS.to_vec()), any::<bool>())
        .prop_map(|(sort, asc)| (sort, if asc { Order::Asc } else { Order::Desc }));
    sorted.prop_flat_map(|(sort, order)| {
        prop_oneof![
            3 => (
                proptest::collection::vec(request(sort, order), 1..=4),
                0..=6u64,
                // Sometimes no limit: every row (`limit all`).
                proptest::option::weighted(0.85, 0..=25u64),
            )
                .prop_map(move |(requests, offset, limit)| Plan {
                    requests,
                    merge: Some(Merge {
                        by: "id".into(),
                        page: Page {
                            sort: sort.into(),
                            order,
                            offset,
                            limit,
                        },
                    }),
                }),
            1 => proptest::collection::vec(request(sort, order), 0..=2).prop_map(|requests| Plan {
                requests,
                merge: None
            }),
        ]
    })
}

/// What the fake API does with one call.
#[derive(Clone, Debug)]
enum Fault {
    /// 429, with `Retry-After` in milliseconds or without.
    TooMany(Option<u64>),
    /// A 5xx status, with `Retry-After` in milliseconds or without.
    Server(u16, Option<u64>),
    /// No answer: a timeout or a dropped connection.
    Transport,
    /// A 200 whose body was cut short.
    Truncated,
    /// 400, 401 or 403: the run must end.
    Refused(u16),
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        proptest::option::of(0..3000u64).prop_map(Fault::TooMany),
        (
            proptest::sample::select(vec![500u16, 502, 503, 504]),
            proptest::option::of(0..3000u64),
        )
            .prop_map(|(status, after)| Fault::Server(status, after)),
        Just(Fault::Transport),
        Just(Fault::Truncated),
    ]
}

/// Per call, in the order calls are made: a fault or a good answer, and
/// the call's latency in milliseconds.
fn schedule() -> impl Strategy<Value = Vec<(Option<Fault>, u64)>> {
    proptest::collection::vec((proptest::option::of(fault()), 0..800u64), 0..60)
}

fn options() -> impl Strategy<Value = RunOptions> {
    (1..=200u32, 1..=10u32, 2..=5u32, any::<u64>()).prop_map(|(rate, burst, attempts, seed)| {
        RunOptions::default()
            .with_rate_per_minute(rate)
            .with_burst(burst)
            .with_max_attempts(attempts)
            .with_retry_after_cap(Duration::from_secs(2))
            .with_backoff(100 * MS, Duration::from_secs(5))
            .with_seed(seed)
    })
}

/// The fake API over `contacts`: `eval::search` answers the body, with
/// `total` the matches of the whole request; each contact's text is the
/// one `raw` holds for its id.
fn search(body: &Request, parsed: &[Contact], raw: &HashMap<i64, &str>) -> String {
    let rows: Vec<&str> = eval::search(body, parsed)
        .iter()
        .map(|c| raw[&c.id])
        .collect();
    let every = Request {
        offset: 0,
        limit: u64::MAX,
        ..body.clone()
    };
    let total = eval::search(&every, parsed).len();
    format!("{{\"data\": [{}], \"total\": {total}}}", rows.join(", "))
}

/// One call as the driver saw it.
#[derive(Debug)]
struct Sent {
    at: Duration,
    call: Call,
}

/// A run to its end, and what was seen on the way.
struct Outcome {
    rows: Vec<Row>,
    sent: Vec<Sent>,
    /// Per sent call (same index): the time before which it must not go.
    not_before: Vec<Duration>,
    result: Result<Stats, RunError>,
    faults_429: u64,
    /// Calls answered after a 400, 401 or 403 (must be none).
    sent_after_refusal: usize,
}

/// Drives `plan` over `contacts` on a fake clock that jumps to each wait,
/// answering call `k` with `schedule[k]`. A page never fails more than
/// `max_attempts - 1` times in a row unless `give_up` names it (request,
/// offset). Tracks, independently of the executor, when each page may
/// next be sent: after a `Retry-After` (capped; for a 429, every page),
/// or after the back-off the same seeded jitter gives.
fn drive(
    plan: &Plan,
    contacts: &[(String, Contact)],
    options: &RunOptions,
    schedule: &[(Option<Fault>, u64)],
    give_up: Option<(usize, u64)>,
) -> Outcome {
    let parsed: Vec<Contact> = contacts.iter().map(|(_, c)| c.clone()).collect();
    let raw: HashMap<i64, &str> = contacts.iter().map(|(r, c)| (c.id, r.as_str())).collect();
    let mut executor = Executor::new(plan, options.clone());
    let mut jitter = Jitter::new(options.seed);
    let mut now = Duration::ZERO;
    let mut outcome = Outcome {
        rows: Vec::new(),
        sent: Vec::new(),
        not_before: Vec::new(),
        result: Err(RunError::Unfinished),
        faults_429: 0,
        sent_after_refusal: 0,
    };
    let mut failures: HashMap<(usize, u64), u32> = HashMap::new();
    let mut page_ready: HashMap<(usize, u64), Duration> = HashMap::new();
    let mut hold = Duration::ZERO;
    let mut refused = false;
    for _ in 0..10_000 {
        outcome.rows.extend(executor.take_rows());
        let call = match executor.poll(now) {
            Step::Send(call) => call,
            Step::Wait(until) => {
                assert!(until > now, "a wait for a time already passed");
                now = until;
                continue;
            }
            Step::AwaitReplies => panic!("a synchronous driver has nothing in flight"),
            Step::Done => break,
        };
        if refused {
            outcome.sent_after_refusal += 1;
        }
        let page = (call.request, call.body.offset);
        let k = outcome.sent.len();
        outcome
            .not_before
            .push(hold.max(page_ready.get(&page).copied().unwrap_or_default()));
        outcome.sent.push(Sent {
            at: now,
            call: call.clone(),
        });
        let (fault, latency) = schedule.get(k).cloned().unwrap_or((None, 30));
        now += Duration::from_millis(latency);
        let failed = failures.entry(page).or_default();
        let fault = match fault {
            Some(Fault::Refused(status)) => Some(Fault::Refused(status)),
            _ if give_up == Some(page) => Some(Fault::Server(503, None)),
            Some(_) if *failed + 1 >= options.max_attempts => None,
            fault => fault,
        };
        let retry_after = match &fault {
            None | Some(Fault::Refused(_)) => {
                *failed = 0;
                None
            }
            Some(Fault::TooMany(after)) => {
                *failed += 1;
                outcome.faults_429 += 1;
                after.map(Duration::from_millis)
            }
            Some(Fault::Server(_, after)) => {
                *failed += 1;
                after.map(Duration::from_millis)
            }
            Some(_) => {
                *failed += 1;
                None
            }
        };
        if fault.is_some() && !matches!(fault, Some(Fault::Refused(_))) {
            let capped = retry_after.map(|wait| wait.min(options.retry_after_cap));
            if let (Some(Fault::TooMany(_)), Some(wait)) = (&fault, capped) {
                hold = hold.max(now + wait);
            }
            if *failed < options.max_attempts {
                // The same seeded draws the executor makes, in the same
                // order; a `Retry-After` draws nothing.
                let wait = capped.unwrap_or_else(|| {
                    backoff::delay(
                        *failed,
                        None,
                        options.retry_after_cap,
                        options.base_backoff,
                        options.max_backoff,
                        &mut jitter,
                    )
                });
                page_ready.insert(page, now + wait);
            }
        }
        let body = search(&call.body, &parsed, &raw);
        match fault {
            None => executor.answer(call.id, now, Reply::new(200, None, &body)),
            Some(Fault::TooMany(_)) => {
                let body = r#"{"errors": [{"code": "too_many_requests"}]}"#;
                executor.answer(call.id, now, Reply::new(429, retry_after, body));
            }
            Some(Fault::Server(status, _)) => {
                let body = "<html>oops</html>";
                executor.answer(call.id, now, Reply::new(status, retry_after, body));
            }
            Some(Fault::Transport) => {
                executor.transport_error(call.id, now, TransportError::Timeout)
            }
            Some(Fault::Truncated) => {
                let cut = &body[..body.len() / 2];
                executor.answer(call.id, now, Reply::new(200, None, cut));
            }
            Some(Fault::Refused(status)) => {
                refused = true;
                let body = r#"{"errors": [{"code": "invalid", "message": "no"}]}"#;
                executor.answer(call.id, now, Reply::new(status, None, body));
                // The call must not be re-sent, nor anything else.
                assert_eq!(executor.poll(now), Step::Done);
            }
        }
    }
    outcome.rows.extend(executor.take_rows());
    outcome.result = executor.finish();
    outcome
}

/// The invariants every run keeps, whatever it ends with.
fn check_sends(outcome: &Outcome, plan: &Plan, options: &RunOptions) {
    let interval = Duration::from_secs(60) / options.rate_per_minute;
    let burst = options.burst as usize;
    let times: Vec<Duration> = outcome.sent.iter().map(|s| s.at).collect();
    for j in 0..times.len() {
        // Calls i..=j went within times[j] - times[i]: a bucket of `burst`
        // tokens at `rate` allows at most burst + elapsed / interval.
        for i in 0..j.saturating_sub(burst - 1) {
            let calls = (j - i + 1 - burst) as u32;
            assert!(
                times[j] - times[i] >= interval * calls,
                "calls {i}..={j} faster than the bucket allows"
            );
        }
    }
    let mut attempts: HashMap<(usize, u64), u32> = HashMap::new();
    for (k, sent) in outcome.sent.iter().enumerate() {
        let call = &sent.call;
        assert!(
            sent.at >= outcome.not_before[k],
            "call {k} sent at {:?}, before its wait ended at {:?}",
            sent.at,
            outcome.not_before[k]
        );
        let page = attempts
            .entry((call.request, call.body.offset))
            .or_default();
        *page += 1;
        assert!(*page <= options.max_attempts && call.attempt <= options.max_attempts);
        let asked = &plan.requests[call.request];
        assert_eq!(
            call.body,
            Request {
                offset: call.body.offset,
                ..asked.clone()
            },
            "a page is the plan's request with its own offset"
        );
        assert!(call.body.offset >= asked.offset);
        assert_eq!((call.body.offset - asked.offset) % asked.limit.max(1), 0);
        assert_eq!(
            serde_json::from_str::<Request>(&call.body_json()).unwrap(),
            call.body
        );
    }
    assert_eq!(
        outcome.sent_after_refusal, 0,
        "a call went out after a refusal"
    );
}

fn ids(rows: &[Row]) -> Vec<i64> {
    rows.iter().map(|row| row.contact.id).collect()
}

fn reference(plan: &Plan, contacts: &[(String, Contact)]) -> Vec<i64> {
    let parsed: Vec<Contact> = contacts.iter().map(|(_, c)| c.clone()).collect();
    eval::run_plan(plan, &parsed).iter().map(|c| c.id).collect()
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn rows_are_run_plans_rows_through_any_recoverable_faults(
        plan in plans(),
        contacts in contacts(),
        schedule in schedule(),
        options in options(),
    ) {
        let outcome = drive(&plan, &contacts, &options, &schedule, None);
        check_sends(&outcome, &plan, &options);
        let stats = outcome.result.as_ref().expect("every fault is recoverable");
        prop_assert_eq!(ids(&outcome.rows), reference(&plan, &contacts));
        let raw: HashMap<i64, &str> = contacts.iter().map(|(r, c)| (c.id, r.as_str())).collect();
        for row in &outcome.rows {
            prop_assert_eq!(row.raw.as_str(), raw[&row.contact.id]);
        }
        prop_assert_eq!(stats.requests_sent, outcome.sent.len() as u64);
        prop_assert_eq!(stats.rows, outcome.rows.len() as u64);
        prop_assert_eq!(stats.rate_limited, outcome.faults_429);
        let retries = outcome.sent.iter().filter(|s| s.call.attempt > 1).count();
        prop_assert_eq!(stats.retries, retries as u64);
        prop_assert!(plan.merge.is_none() || stats.requests_sent - stats.retries <= plan.api_calls());
    }

    #[test]
    fn a_refusal_ends_the_run_and_nothing_is_sent_after_it(
        plan in plans(),
        contacts in contacts(),
        mut schedule in schedule(),
        options in options(),
        at in 0..8usize,
        status in proptest::sample::select(vec![400u16, 401, 403]),
    ) {
        let at = at.min(schedule.len());
        schedule.insert(at, (Some(Fault::Refused(status)), 10));
        let outcome = drive(&plan, &contacts, &options, &schedule, None);
        check_sends(&outcome, &plan, &options);
        if outcome.sent.len() <= at {
            // The run finished before the refusal's turn came.
            prop_assert!(outcome.result.is_ok());
            prop_assert_eq!(ids(&outcome.rows), reference(&plan, &contacts));
        } else {
            prop_assert_eq!(outcome.sent.len(), at + 1, "nothing after the refusal");
            let refused = &outcome.sent[at].call;
            let errors = r#"[{"code":"invalid","message":"no"}]"#.to_owned();
            let expected = match status {
                400 => RunError::BadRequest { request: refused.request, filter: None, errors },
                401 => RunError::KeyRefused { errors },
                _ => RunError::Forbidden { errors },
            };
            prop_assert_eq!(outcome.result.unwrap_err(), expected);
        }
    }

    #[test]
    fn a_page_that_always_fails_gives_up_after_max_attempts(
        plan in plans(),
        contacts in contacts(),
        options in options(),
        pick in any::<prop::sample::Index>(),
    ) {
        prop_assume!(!plan.requests.is_empty());
        let request = pick.index(plan.requests.len());
        let first = plan.requests[request].offset;
        let outcome = drive(&plan, &contacts, &options, &[], Some((request, first)));
        check_sends(&outcome, &plan, &options);
        let tries = outcome.sent.iter().filter(|s| s.call.request == request).count();
        let wanted = plan
            .merge
            .as_ref()
            .map_or(1, |m| m.page.limit.map_or(u64::MAX, |limit| m.page.offset + limit));
        let needs_call = plan.requests[request].limit > 0 && wanted > 0;
        match outcome.result {
            Err(RunError::GaveUp { request: r, offset, attempts, .. }) => {
                prop_assert!(needs_call);
                prop_assert_eq!((r, offset, attempts), (request, first, options.max_attempts));
                prop_assert_eq!(tries as u32, options.max_attempts);
            }
            Ok(_) => {
                // Never sent: the page was not needed (limit 0, or the merge's
                // page filled before this request's turn without `merge`).
                prop_assert_eq!(tries, 0);
            }
            Err(other) => prop_assert!(false, "unexpected {other:?}"),
        }
    }
}

fn merged_plan(limits: &[u64], offset: u64, limit: u64) -> Plan {
    let requests = limits
        .iter()
        .map(|&limit| Request {
            comparison: Comparison::And,
            filter: vec![Filter {
                field: "customers.id".into(),
                operator: Operator::Ge,
                value: Value::Number(0),
            }],
            sort: "customers.id".into(),
            order: Order::Asc,
            offset: 0,
            limit,
        })
        .collect();
    Plan {
        requests,
        merge: Some(Merge {
            by: "id".into(),
            page: Page {
                sort: "customers.id".into(),
                order: Order::Asc,
                offset,
                limit: Some(limit),
            },
        }),
    }
}

/// Options that send without waiting: these tests drive a clock that
/// never moves.
fn back_to_back() -> RunOptions {
    RunOptions::default().with_burst(100)
}

fn numbered(n: i64) -> Vec<(String, Contact)> {
    (0..n)
        .map(|id| contact_json(id, 100, None, None, &[]))
        .collect()
}

#[test]
fn rows_stream_out_before_the_last_page_arrives() {
    let plan = merged_plan(&[2, 2], 1, 4);
    let contacts = numbered(10);
    let parsed: Vec<Contact> = contacts.iter().map(|(_, c)| c.clone()).collect();
    let raw: HashMap<i64, &str> = contacts.iter().map(|(r, c)| (c.id, r.as_str())).collect();
    let mut executor = Executor::new(&plan, back_to_back());
    let mut streamed_early = false;
    let now = Duration::ZERO;
    while let Step::Send(call) = executor.poll(now) {
        let body = search(&call.body, &parsed, &raw);
        executor.answer(call.id, now, Reply::new(200, None, &body));
        let rows = executor.take_rows();
        if !rows.is_empty() && executor.poll(now) != Step::Done {
            streamed_early = true;
            // Offset 1 skips id 0; ids 1 and 2... arrive in merged order.
            assert_eq!(rows[0].contact.id, 1);
        }
    }
    assert!(streamed_early, "no row came out before the run ended");
}

#[test]
fn a_filled_page_stops_the_reading() {
    // Two requests, pages of 2, a merged page of 3: each request needs
    // two pages (3 rows), none a third.
    let plan = merged_plan(&[2, 2], 0, 3);
    let outcome = drive(&plan, &numbered(30), &RunOptions::default(), &[], None);
    assert_eq!(ids(&outcome.rows), vec![0, 1, 2]);
    assert!(outcome.sent.len() <= 4, "{} calls", outcome.sent.len());
}

#[test]
fn total_ends_a_request_without_asking_for_an_empty_page() {
    let plan = merged_plan(&[2], 0, 50);
    let outcome = drive(&plan, &numbered(4), &RunOptions::default(), &[], None);
    assert_eq!(ids(&outcome.rows), vec![0, 1, 2, 3]);
    assert_eq!(outcome.sent.len(), 2);
}

#[test]
fn a_429_halves_the_rate_and_retry_after_holds_every_send() {
    let plan = merged_plan(&[2, 2], 0, 6);
    let mut executor = Executor::new(&plan, RunOptions::default().with_burst(5));
    let Step::Send(call) = executor.poll(Duration::ZERO) else {
        panic!("a first call");
    };
    let retry = Duration::from_secs(7);
    executor.answer(call.id, Duration::ZERO, Reply::new(429, Some(retry), "{}"));
    assert_eq!(executor.rate_per_minute(), DEFAULT_RATE_PER_MINUTE / 2);
    assert_eq!(executor.poll(Duration::from_secs(1)), Step::Wait(retry));
    assert!(matches!(executor.poll(retry), Step::Send(_)));
    assert_eq!(executor.stats().rate_limited, 1);
    assert_eq!(executor.stats().waited, retry - Duration::from_secs(1));
}

#[test]
fn an_error_body_without_errors_is_carried_whole() {
    let plan = merged_plan(&[2], 0, 2);
    let mut executor = Executor::new(&plan, RunOptions::default());
    let Step::Send(call) = executor.poll(Duration::ZERO) else {
        panic!("a first call");
    };
    executor.answer(call.id, Duration::ZERO, Reply::new(404, None, "not here"));
    assert_eq!(executor.poll(Duration::ZERO), Step::Done);
    let error = executor.finish().unwrap_err();
    assert_eq!(
        error,
        RunError::UnexpectedStatus {
            request: 0,
            status: 404,
            body: "not here".into()
        }
    );
    assert_eq!(
        miette::Diagnostic::code(&error).unwrap().to_string(),
        "hcq::run::unexpected_status"
    );
}

#[test]
fn an_unfinished_run_says_so_and_late_answers_are_ignored() {
    let plan = merged_plan(&[2], 0, 2);
    let mut executor = Executor::new(&plan, RunOptions::default());
    let Step::Send(call) = executor.poll(Duration::ZERO) else {
        panic!("a first call");
    };
    executor.answer(
        call.id,
        Duration::ZERO,
        Reply::new(401, None, r#"{"errors":[1]}"#),
    );
    // A second answer to the same call, after the run ended, changes nothing.
    executor.answer(
        call.id,
        Duration::ZERO,
        Reply::new(200, None, r#"{"data":[]}"#),
    );
    assert_eq!(executor.poll(Duration::ZERO), Step::Done);
    assert_eq!(
        executor.finish(),
        Err(RunError::KeyRefused {
            errors: "[1]".into()
        })
    );
    let fresh = Executor::new(&plan, RunOptions::default());
    assert_eq!(fresh.finish(), Err(RunError::Unfinished));
}

#[test]
fn an_empty_plan_sends_nothing() {
    let plan = Plan {
        requests: vec![],
        merge: None,
    };
    let mut executor = Executor::new(&plan, RunOptions::default());
    assert_eq!(executor.poll(Duration::ZERO), Step::Done);
    assert_eq!(executor.finish().unwrap().requests_sent, 0);
}

#[test]
fn concurrent_calls_wait_for_replies() {
    let plan = merged_plan(&[2, 2], 0, 4);
    let mut executor = Executor::new(&plan, back_to_back());
    let now = Duration::ZERO;
    let (Step::Send(a), Step::Send(b)) = (executor.poll(now), executor.poll(now)) else {
        panic!("one call per request may be out at once");
    };
    assert_ne!(a.request, b.request);
    assert_eq!(executor.poll(now), Step::AwaitReplies);
}

/// Query text from a small grammar of the language: what `hcq run` will
/// compile. Values come from the contacts' small domains; `not` only
/// where the checker allows it (never before a tag test), and only the
/// sort fields the API sorts by.
fn query_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        proptest::sample::select(TAGS.to_vec()).prop_map(|t| format!("tag = {t}")),
        proptest::sample::select(vec!["Kyiv", "Lviv"]).prop_map(|c| format!("city = {c}")),
        (-3..40i64).prop_map(|n| format!("id > {n}")),
        (-3..40i64).prop_map(|n| format!("not id < {n}")),
        proptest::sample::select(vec!["Kyiv", "Lviv"]).prop_map(|c| format!("city != {c}")),
    ];
    let expr = atom.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} and {b})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a} or {b})")),
        ]
    });
    (
        expr,
        proptest::sample::select(vec!["lastSeen", "firstSeen"]),
        proptest::sample::select(vec!["asc", "desc"]),
        0..=5u64,
        // `limit 0` is refused by the checker; above 100 the plan pages.
        prop_oneof![1..=30u64, 95..=130u64],
    )
        .prop_map(|(expr, sort, order, offset, limit)| {
            format!("{expr} sort by {sort} {order} limit {limit} offset {offset}")
        })
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    #[test]
    fn compiled_plans_run_to_their_reference_rows(
        text in query_text(),
        contacts in contacts(),
        schedule in schedule(),
        options in options(),
    ) {
        let compile = crate::Options::at(jiff::Timestamp::UNIX_EPOCH);
        let plan = crate::compile(&text, &compile).expect("the generator writes valid queries").plan;
        let outcome = drive(&plan, &contacts, &options, &schedule, None);
        check_sends(&outcome, &plan, &options);
        prop_assert!(outcome.result.is_ok());
        prop_assert_eq!(ids(&outcome.rows), reference(&plan, &contacts));
    }
}

#[test]
fn requests_sorted_unlike_the_merge_hold_every_row_to_the_end() {
    // Without a shared order a request's last row bounds nothing, so the
    // merge can only be cut once every request is read.
    let mut plan = merged_plan(&[2, 3], 1, 5);
    plan.requests[1].order = Order::Desc;
    let contacts = numbered(8);
    let parsed: Vec<Contact> = contacts.iter().map(|(_, c)| c.clone()).collect();
    let raw: HashMap<i64, &str> = contacts.iter().map(|(r, c)| (c.id, r.as_str())).collect();
    let mut executor = Executor::new(&plan, back_to_back());
    let now = Duration::ZERO;
    let mut rows = Vec::new();
    loop {
        match executor.poll(now) {
            Step::Send(call) => {
                assert!(executor.take_rows().is_empty(), "a row came out early");
                let body = search(&call.body, &parsed, &raw);
                executor.answer(call.id, now, Reply::new(200, None, &body));
            }
            Step::Done => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    rows.extend(executor.take_rows());
    assert_eq!(ids(&rows), reference(&plan, &contacts));
    assert_eq!(ids(&rows), vec![1, 2, 3, 4, 5]);
}

#[test]
fn a_bad_request_reads_as_a_diagnostic_with_the_apis_errors() {
    let error = RunError::BadRequest {
        request: 1,
        filter: Some((0, r#"{"field":"customers.city"}"#.into())),
        errors: r#"[{"code":"invalid_filter","field":"customers.city"}]"#.into(),
    };
    let mut text = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .with_width(80)
        .render_report(&mut text, &error)
        .unwrap();
    assert!(text.contains("hcq::run::bad_request"), "{text}");
    assert!(text.contains("request 1 of the plan"), "{text}");
    assert!(text.contains("at filter 0"), "{text}");
    assert!(text.contains(r#""code":"invalid_filter""#), "{text}");
    assert!(text.contains("hcq emit"), "{text}");
}

#[test]
fn a_400_names_the_filter_its_code_points_at() {
    let plan = merged_plan(&[2], 0, 2);
    let mut executor = Executor::new(&plan, RunOptions::default());
    let Step::Send(call) = executor.poll(Duration::ZERO) else {
        panic!("a first call");
    };
    let body = r#"{"errors": [{"code": "filter[0].value", "message": "This value should not be blank."}]}"#;
    executor.answer(call.id, Duration::ZERO, Reply::new(400, None, body));
    assert_eq!(executor.poll(Duration::ZERO), Step::Done);
    let Err(RunError::BadRequest {
        request,
        filter,
        errors,
    }) = executor.finish()
    else {
        panic!("a bad request");
    };
    assert_eq!(request, 0);
    let (index, json) = filter.expect("the code points at filter 0");
    assert_eq!(index, 0);
    assert_eq!(
        json,
        r#"{"field":"customers.id","operator":">=","value":0}"#
    );
    assert!(errors.contains("should not be blank"));
    // A code that points nowhere (or at no filter of the request) names none.
    let request = &plan.requests[0];
    for errors in [
        r#"[{"code":"customer"}]"#,
        r#"[{"code":"filter[9].field"}]"#,
        "oops",
    ] {
        assert_eq!(error::pointed_filter(errors, request), None, "{errors}");
    }
}

/// A fake API whose contacts change between calls: `answer(k, body)`
/// gives the contacts call `k` sees.
fn run_changing(
    plan: &Plan,
    contacts_at: &dyn Fn(usize) -> Vec<(String, Contact)>,
) -> (Vec<Row>, Stats) {
    let mut executor = Executor::new(plan, back_to_back());
    let mut rows = Vec::new();
    let mut now = Duration::ZERO;
    let mut calls = 0;
    loop {
        match executor.poll(now) {
            Step::Send(call) => {
                let contacts = contacts_at(calls);
                calls += 1;
                let parsed: Vec<Contact> = contacts.iter().map(|(_, c)| c.clone()).collect();
                let raw: HashMap<i64, &str> =
                    contacts.iter().map(|(r, c)| (c.id, r.as_str())).collect();
                let body = search(&call.body, &parsed, &raw);
                executor.answer(call.id, now, Reply::new(200, None, &body));
            }
            Step::Wait(until) => now = until,
            Step::AwaitReplies => panic!("nothing is left in flight"),
            Step::Done => break,
        }
        rows.extend(executor.take_rows());
    }
    rows.extend(executor.take_rows());
    (rows, executor.finish().expect("the run ends well"))
}

#[test]
fn a_request_whose_total_moves_is_read_again_and_loses_nothing() {
    // Ids 10..20 sorted by id; after the first page a contact with id 0
    // appears, pushing every row one place down: without a re-read, the
    // second page (offset 3) would skip id 12.
    let plan = merged_plan(&[3], 0, 100);
    let before = || {
        (10..20)
            .map(|id| contact_json(id, 100, None, None, &[]))
            .collect::<Vec<_>>()
    };
    let (rows, stats) = run_changing(&plan, &|call| {
        let mut contacts = before();
        if call >= 1 {
            contacts.push(contact_json(0, 100, None, None, &[]));
        }
        contacts
    });
    // Id 0 sorts before rows handed out before the re-read found it: it
    // comes late, not never.
    assert_eq!(ids(&rows), vec![10, 11, 12, 13, 0, 14, 15, 16, 17, 18, 19]);
    assert_eq!(stats.rereads, 1);
    assert_eq!(stats.late_rows, 1);
    assert!(stats.warnings.is_empty(), "{:?}", stats.warnings);
}

#[test]
fn a_request_that_keeps_moving_is_read_again_once_then_warned_about() {
    let plan = merged_plan(&[2], 0, 100);
    let (rows, stats) = run_changing(&plan, &|call| {
        // One more contact at the end on every call.
        (0..10 + call as i64)
            .map(|id| contact_json(id, 100, None, None, &[]))
            .collect()
    });
    assert_eq!(stats.rereads, 1);
    assert!(
        matches!(
            stats.warnings.as_slice(),
            [RunWarning::Drift { request: 0, .. }]
        ),
        "{:?}",
        stats.warnings
    );
    let got = ids(&rows);
    let mut unique = got.clone();
    unique.dedup();
    assert_eq!(got, unique, "no row twice");
    assert!(got.starts_with(&(0..10).collect::<Vec<_>>()), "{got:?}");
}

#[test]
fn ties_the_api_orders_otherwise_still_come_out_in_merged_order() {
    // Every row ties on the sort value; the API sends ties in descending
    // id order. The merge breaks ties by id ascending, so no row may come
    // out before the request is read to its end.
    let mut plan = merged_plan(&[2], 0, 100);
    plan.requests[0].sort = "customers.lastSeen".into();
    if let Some(merge) = &mut plan.merge {
        merge.page.sort = "customers.lastSeen".into();
    }
    let contacts = numbered(5);
    let raws: HashMap<i64, String> = contacts.iter().map(|(r, c)| (c.id, r.clone())).collect();
    let mut executor = Executor::new(&plan, back_to_back());
    let mut rows = Vec::new();
    let now = Duration::ZERO;
    while let Step::Send(call) = executor.poll(now) {
        let page: Vec<&str> = (0..5i64)
            .rev()
            .skip(call.body.offset as usize)
            .take(2)
            .map(|id| raws[&id].as_str())
            .collect();
        let body = format!(r#"{{"data": [{}], "total": 5}}"#, page.join(","));
        executor.answer(call.id, now, Reply::new(200, None, &body));
        rows.extend(executor.take_rows());
    }
    rows.extend(executor.take_rows());
    assert_eq!(ids(&rows), vec![0, 1, 2, 3, 4]);
    assert_eq!(executor.finish().unwrap().late_rows, 0);
}

#[test]
fn max_requests_ends_the_run_before_the_next_call() {
    let plan = merged_plan(&[2, 2], 0, 10);
    let options = RunOptions::default().with_max_requests(3);
    let outcome = drive(&plan, &numbered(30), &options, &[], None);
    assert_eq!(outcome.sent.len(), 3);
    assert_eq!(outcome.result, Err(RunError::OverBudget { max: 3 }));
    // Retries count too.
    let schedule = [(Some(Fault::Transport), 10), (Some(Fault::Transport), 10)];
    let outcome = drive(&plan, &numbered(30), &options, &schedule, None);
    assert_eq!(outcome.sent.len(), 3);
}

#[test]
fn executors_handed_one_pace_keep_to_one_rate() {
    let plan = merged_plan(&[2], 0, 2);
    let options = RunOptions::default().with_rate_per_minute(60).with_burst(1);
    let mut sends = Vec::new();
    let mut pace = Pace::new(&options);
    let mut now = Duration::ZERO;
    for _ in 0..3 {
        let mut executor = Executor::new(&plan, options.clone()).with_pace(pace);
        loop {
            match executor.poll(now) {
                Step::Send(call) => {
                    sends.push(now);
                    let body = r#"{"data": [], "total": 0}"#;
                    executor.answer(call.id, now, Reply::new(200, None, body));
                }
                Step::Wait(until) => {
                    assert_eq!(executor.waiting(), Some(Waiting::Rate));
                    now = until;
                }
                Step::AwaitReplies => panic!("nothing in flight"),
                Step::Done => break,
            }
        }
        pace = executor.pace();
        assert_eq!(executor.requests_done(), (1, 1));
    }
    let seconds: Vec<u64> = sends.iter().map(Duration::as_secs).collect();
    assert_eq!(seconds, vec![0, 1, 2], "one a second across executors");
}

/// Contacts that appear during a run: (the call from which on it exists,
/// the contact), ids from 100 up so they are new.
fn arrivals() -> impl Strategy<Value = Vec<(usize, (String, Contact))>> {
    let one = (
        0..30usize,
        proptest::sample::select(SEEN.to_vec()),
        proptest::option::of(proptest::sample::select(SEEN.to_vec())),
        proptest::sample::select(CITIES.to_vec()),
        proptest::sample::subsequence(TAGS.to_vec(), 0..=2),
    );
    proptest::collection::vec(one, 0..8).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (at, last, first, city, tags))| {
                (at, contact_json(100 + i as i64, last, first, city, &tags))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(crate::testing::proptest_config())]

    /// Contacts are only added while the run reads every row: then every
    /// `total` that moves is seen, and unless the run warns, no contact
    /// there from the start is missed; none ever comes twice, none that
    /// does not match comes, and without late rows the order is the merge's.
    #[test]
    fn contacts_added_during_a_run_lose_nothing_unless_it_warns(
        mut plan in plans(),
        contacts in contacts(),
        arrivals in arrivals(),
    ) {
        for request in &mut plan.requests {
            request.offset = 0;
        }
        let Some(first) = plan.requests.first() else {
            return Ok(());
        };
        // Every row, in the requests' order (a plan that reads every row
        // always merges).
        plan.merge = Some(Merge {
            by: "id".into(),
            page: Page {
                sort: first.sort.clone(),
                order: first.order,
                offset: 0,
                limit: None,
            },
        });
        let at = |call: usize| -> Vec<(String, Contact)> {
            let mut now = contacts.clone();
            now.extend(arrivals.iter().filter(|(from, _)| *from <= call).map(|(_, c)| c.clone()));
            now
        };
        let (rows, stats) = run_changing(&plan, &at);
        let got = ids(&rows);
        let unique: std::collections::HashSet<i64> = got.iter().copied().collect();
        prop_assert_eq!(unique.len(), got.len(), "a row came twice");
        let every = at(usize::MAX);
        let finally = reference(&plan, &every);
        prop_assert!(got.iter().all(|id| finally.contains(id)), "a row that does not match");
        if stats.warnings.is_empty() {
            for id in reference(&plan, &contacts) {
                prop_assert!(unique.contains(&id), "contact {} was there from the start and is missing", id);
            }
        }
        if stats.late_rows == 0 {
            let in_order: Vec<i64> = finally.into_iter().filter(|id| unique.contains(id)).collect();
            prop_assert_eq!(got, in_order);
        }
    }
}
