//! Running a [`Plan`] against HelpCrunch's API, sans-IO: an [`Executor`]
//! decides which page to ask for and when, and merges the answers; the
//! caller's driver does the HTTP, the sleeping and the clock. It holds no
//! socket, clock, API key or HTTP client, so any HTTP stack (blocking or
//! async) can drive it, and its tests run on a fake clock.
//!
//! ```
//! use hcq::run::{Executor, Reply, RunOptions, Step};
//! use std::time::Duration;
//!
//! let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
//! let plan = hcq::compile("tag = Lead limit 2", &options)?.plan;
//! let mut executor = Executor::new(&plan, RunOptions::default());
//! let mut now = Duration::ZERO;
//! let mut ids = Vec::new();
//! loop {
//!     match executor.poll(now) {
//!         Step::Send(call) => {
//!             // A driver would POST `call.body_json()` to /customers/search.
//!             assert_eq!(call.body.limit, 2);
//!             let body = r#"{"data": [{"id": 7, "lastSeen": "1700000000"}], "total": 1}"#;
//!             executor.answer(call.id, now, Reply::new(200, None, body));
//!         }
//!         Step::Wait(until) => now = until,
//!         Step::AwaitReplies => unreachable!("this driver answers every call at once"),
//!         Step::Done => break,
//!     }
//!     ids.extend(executor.take_rows().into_iter().map(|row| row.contact.id));
//! }
//! let stats = executor.finish()?;
//! assert_eq!((ids, stats.requests_sent), (vec![7], 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! An async program drives the same executor with `.await`: here with
//! tokio, and any HTTP client in place of `post` (reqwest, hyper, …).
//! Calls go one at a time; a driver that sends the next [`Step::Send`]
//! before the last answer comes polls again until [`Step::AwaitReplies`].
//!
//! ```
//! use hcq::run::{Executor, Reply, Row, RunOptions, Step, TransportError};
//! use std::time::Duration;
//! use tokio::time::Instant;
//!
//! /// POSTs `body` to {base}/customers/search with the key; a real one
//! /// uses an HTTP client and maps its timeouts to `TransportError`.
//! async fn post(body: String) -> Result<(u16, Option<Duration>, String), TransportError> {
//!     # let _ = body;
//!     Ok((200, None, r#"{"data": [{"id": 7, "lastSeen": "1700000000"}], "total": 1}"#.into()))
//! }
//!
//! async fn run(plan: &hcq::Plan) -> Result<Vec<Row>, hcq::run::RunError> {
//!     let start = Instant::now();
//!     let mut executor = Executor::new(plan, RunOptions::default());
//!     let mut rows = Vec::new();
//!     loop {
//!         match executor.poll(start.elapsed()) {
//!             Step::Send(call) => match post(call.body_json()).await {
//!                 Ok((status, retry_after, body)) => {
//!                     let reply = Reply::new(status, retry_after, &body);
//!                     executor.answer(call.id, start.elapsed(), reply);
//!                 }
//!                 Err(error) => executor.transport_error(call.id, start.elapsed(), error),
//!             },
//!             Step::Wait(until) => tokio::time::sleep_until(start + until).await,
//!             Step::AwaitReplies => unreachable!("one call at a time"),
//!             Step::Done => break,
//!         }
//!         rows.extend(executor.take_rows());
//!     }
//!     rows.extend(executor.take_rows());
//!     executor.finish()?;
//!     Ok(rows)
//! }
//!
//! let plan = hcq::compile("tag = Lead", &hcq::Options::default())?.plan;
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
//! let rows = runtime.block_on(run(&plan))?;
//! assert_eq!(rows[0].contact.id, 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What it does, as `eval::run_plan` (its reference) does:
//!
//! - **Paging**: each request is read from its own `offset`, `limit` rows
//!   a page, until a page comes back short, the next page would start at
//!   or past `total`, or the request has given `merge.offset +
//!   merge.limit` rows. A plan without `merge` sends each request once.
//! - **Merging**: rows are unioned by id, ordered by `merge.sort` in
//!   `merge.order`, ties by id ascending, and `merge.offset` / `merge.limit`
//!   applied. A row is handed out as soon as it is final: when no request
//!   still being read can send a row sorting before it.
//! - **Rate**: a token bucket ([`RunOptions::rate_per_minute`], burst
//!   [`RunOptions::burst`]); a 429 halves the rate (down to
//!   [`MIN_RATE_PER_MINUTE`]; once per overload, not again for calls sent
//!   before the halving) and each success adds back one call a minute.
//!   A 429 with `Retry-After` holds every send until it ends.
//! - **Retries**: 429, 5xx, transport errors and unreadable pages are
//!   retried after `Retry-After` (capped) or an exponential back-off with
//!   full jitter, up to [`RunOptions::max_attempts`] attempts per page;
//!   then the run ends with [`RunError::GaveUp`]. 400, 401, 403 and other
//!   statuses end it at once. Once ended, nothing more is sent.
//!   [`RunOptions::max_requests`] caps the calls, retries included.
//! - **Drift**: contacts change while a run pages through them. When a
//!   request's `total` changes between its pages, a row may have crossed
//!   a page boundary unseen, so the request is read again from its first
//!   page, once; if it moves again, [`Stats::warnings`] says so
//!   ([`RunWarning::Drift`]). The union by id keeps re-read rows from
//!   coming twice; a row the re-read finds before rows already handed out
//!   is handed out late ([`Stats::late_rows`]) rather than lost. Plans read
//!   by `firstSeen` ascending unless the query sorts otherwise, where new
//!   contacts come last and move nothing.
//! - **Sharing the rate**: [`Executor::pace`] and [`Executor::with_pace`]
//!   hand the budget from one run to the next.
//!
//! One job per file: `options` the knobs and defaults, `bucket` the rate,
//! `backoff` the waits between attempts, `page` reading an answer's body
//! (through `crate::json`, which keeps each contact's text), `merge` the union and when a row is final, `error` why a run ended,
//! and this file the executor that ties them together. With the cargo
//! feature `http`, `hcq::run::http` is a blocking driver over HTTPS.

mod backoff;
mod bucket;
mod error;
#[cfg(feature = "http")]
pub mod http;
mod merge;
mod options;
mod page;
#[cfg(test)]
mod tests;

pub use error::{RunError, RunWarning};
pub use options::{
    DEFAULT_BASE_BACKOFF, DEFAULT_BURST, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_BACKOFF,
    DEFAULT_RATE_PER_MINUTE, DEFAULT_RETRY_AFTER_CAP, MIN_RATE_PER_MINUTE, RunOptions,
};
pub use page::Row;

use crate::plan::{Plan, Request};
use backoff::Jitter;
use bucket::Bucket;
use merge::Merger;
use std::time::Duration;

/// Identifies one call, so its reply finds its way back. Each attempt is
/// a new call with a new id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(u64);

/// What the driver should do next. Deliberately exhaustive: a driver
/// cannot do something sensible with a step it does not know, so a new
/// one must be a breaking change that every driver handles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this call now, then give its outcome to
    /// [`Executor::answer`] or [`Executor::transport_error`].
    Send(Call),
    /// Nothing can be sent before this time (the rate limit, a
    /// `Retry-After` or a back-off); poll again then.
    Wait(Duration),
    /// Every call that can be sent now is in flight: poll again once one
    /// of them is answered.
    AwaitReplies,
    /// The run has ended: take the last rows, then [`Executor::finish`].
    Done,
}

/// One API call to make: `POST {base}/customers/search` with [`Call::body`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Call {
    /// The id to answer it by.
    pub id: CallId,
    /// Which request of the plan this is a page of (from 0).
    pub request: usize,
    /// Which attempt at this page (from 1).
    pub attempt: u32,
    /// The body: the plan's request with this page's `offset` and `limit`.
    pub body: Request,
}

impl Call {
    /// The body as the JSON text to send.
    pub fn body_json(&self) -> String {
        serde_json::to_string(&self.body).expect("a request holds only strings and numbers")
    }
}

/// The API's answer to a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, read as a duration, if the answer had one.
    pub retry_after: Option<Duration>,
    /// The body, as text.
    pub body: &'a str,
}

impl<'a> Reply<'a> {
    /// A reply with this status, `Retry-After` and body.
    pub fn new(status: u16, retry_after: Option<Duration>, body: &'a str) -> Self {
        Reply {
            status,
            retry_after,
            body,
        }
    }
}

/// A call that got no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// No answer within the driver's timeout.
    #[error("the call timed out")]
    Timeout,
    /// The connection failed or closed before the whole answer arrived.
    #[error("the connection was lost: {0}")]
    ConnectionLost(String),
}

/// What a run did, for the summary line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Calls sent, retries included.
    pub requests_sent: u64,
    /// Calls that were retries of a failed one.
    pub retries: u64,
    /// 429 answers.
    pub rate_limited: u64,
    /// The waits the executor asked for, added up (overlaps counted once).
    pub waited: Duration,
    /// Rows handed out by [`Executor::take_rows`].
    pub rows: u64,
    /// Requests read again from their first page because their number
    /// of matches (`total`) changed between pages.
    pub rereads: u64,
    /// Rows handed out after a row that sorts after them: a re-read found
    /// a contact that had moved before rows already handed out. It is
    /// handed out late rather than lost.
    pub late_rows: u64,
    /// What the user should know about the rows (see [`RunWarning`]).
    pub warnings: Vec<RunWarning>,
}

/// Why the executor asks to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Waiting {
    /// For the rate limit's next token.
    Rate,
    /// Until a 429's `Retry-After` ends.
    RetryAfter,
    /// Backing off before retrying a failed call.
    Backoff,
}

/// The rate budget calls are paced by: the token bucket and any
/// `Retry-After` hold. Plans run one after another in one process share
/// it by handing it on ([`Executor::pace`], [`Executor::with_pace`]), so
/// that together they keep to the rate. Its times are on the driver's
/// clock: only executors polled with the same clock may share one.
#[derive(Clone, Debug)]
pub struct Pace {
    bucket: Bucket,
    /// No send before this: a 429's `Retry-After` holds every request.
    hold_until: Duration,
}

impl Pace {
    /// A fresh budget at the options' rate and burst.
    pub fn new(options: &RunOptions) -> Self {
        Pace {
            bucket: Bucket::new(options.rate_per_minute, options.burst),
            hold_until: Duration::ZERO,
        }
    }

    /// The earliest a send may go: after any `Retry-After` hold and when
    /// the bucket has a token.
    fn earliest_send(&self) -> Duration {
        self.hold_until.max(self.bucket.ready_at())
    }
}

/// Where reading one request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The next page can be asked for.
    Ready,
    /// A call for the next page is out.
    InFlight(CallId),
    /// The last attempt failed; the next may go at this time.
    Backoff(Duration),
    /// The request has given all the rows it needs to.
    Done,
}

#[derive(Clone, Debug)]
struct Paging {
    state: State,
    /// The offset of the next page.
    offset: u64,
    /// Rows read so far.
    read: u64,
    /// Failed attempts at the next page.
    failed: u32,
    /// When the call in flight (or the last one) was sent.
    sent_at: Duration,
    /// The `total` the request's first page of this reading gave.
    total: Option<u64>,
    /// Whether the request was already read again because `total` moved.
    reread: bool,
}

/// Runs one plan: see the [module docs](self).
#[derive(Debug)]
pub struct Executor {
    requests: Vec<Request>,
    /// Rows each request must give before it can stop (`merge.offset +
    /// merge.limit`); `None` without `merge`, where one page is the answer.
    wanted: Option<u64>,
    options: RunOptions,
    pace: Pace,
    /// Why the last [`Step::Wait`] waits; `None` after a send.
    waiting: Option<Waiting>,
    jitter: Jitter,
    pagings: Vec<Paging>,
    merger: Merger,
    next_call: u64,
    /// The end of the last wait counted in `stats.waited`.
    waited_until: Duration,
    ended: Option<Result<(), RunError>>,
    stats: Stats,
}

impl Executor {
    /// An executor that will run `plan`.
    pub fn new(plan: &Plan, options: RunOptions) -> Self {
        let wanted = plan.merge.as_ref().map(|merge| {
            // No limit: every row, so read until a short page or `total`.
            merge
                .page
                .limit
                .map_or(u64::MAX, |limit| merge.page.offset.saturating_add(limit))
        });
        let pagings: Vec<Paging> = plan
            .requests
            .iter()
            .map(|request| Paging {
                // A page of 0 rows, or a merge that wants 0 rows, needs no call.
                state: if request.limit == 0 || wanted == Some(0) {
                    State::Done
                } else {
                    State::Ready
                },
                offset: request.offset,
                read: 0,
                failed: 0,
                sent_at: Duration::ZERO,
                total: None,
                reread: false,
            })
            .collect();
        let mut merger = Merger::new(plan);
        for (request, paging) in pagings.iter().enumerate() {
            if paging.state == State::Done {
                merger.close(request);
            }
        }
        Executor {
            requests: plan.requests.clone(),
            wanted,
            pace: Pace::new(&options),
            waiting: None,
            jitter: Jitter::new(options.seed),
            options,
            pagings,
            merger,
            next_call: 0,
            waited_until: Duration::ZERO,
            ended: None,
            stats: Stats::default(),
        }
    }

    /// This executor pacing its calls by `pace`, the budget a previous
    /// executor left ([`Executor::pace`]), instead of a fresh one.
    pub fn with_pace(self, pace: Pace) -> Self {
        Executor { pace, ..self }
    }

    /// The rate budget as it stands, to hand on to the next executor.
    pub fn pace(&self) -> Pace {
        self.pace.clone()
    }

    /// What to do at time `now` (any clock the driver likes, as long as
    /// it never goes back).
    pub fn poll(&mut self, now: Duration) -> Step {
        if self.ended.is_some() {
            return Step::Done;
        }
        if self.merger.is_full() || self.pagings.iter().all(|p| p.state == State::Done) {
            self.ended = Some(Ok(()));
            return Step::Done;
        }
        for paging in &mut self.pagings {
            if matches!(paging.state, State::Backoff(until) if until <= now) {
                paging.state = State::Ready;
            }
        }
        let Some(request) = self.next_ready() else {
            let backoff = self
                .pagings
                .iter()
                .filter_map(|p| match p.state {
                    State::Backoff(until) => Some(until),
                    _ => None,
                })
                .min();
            return match backoff {
                Some(until) if until >= self.pace.earliest_send() => {
                    self.wait(now, until, Waiting::Backoff)
                }
                Some(_) => self.wait_for_pace(now),
                None => Step::AwaitReplies,
            };
        };
        if let Some(max) = self
            .options
            .max_requests
            .filter(|&max| self.stats.requests_sent >= max)
        {
            self.end(RunError::OverBudget { max });
            return Step::Done;
        }
        if now < self.pace.earliest_send() || !self.pace.bucket.take(now) {
            return self.wait_for_pace(now);
        }
        self.waiting = None;
        Step::Send(self.send(request, now))
    }

    /// A wait until the pace allows a send.
    fn wait_for_pace(&mut self, now: Duration) -> Step {
        let pace = &self.pace;
        let why = if pace.hold_until >= pace.bucket.ready_at() {
            Waiting::RetryAfter
        } else {
            Waiting::Rate
        };
        self.wait(now, pace.earliest_send(), why)
    }

    fn wait(&mut self, now: Duration, until: Duration, why: Waiting) -> Step {
        self.waiting = Some(why);
        let from = now.max(self.waited_until);
        self.stats.waited += until.saturating_sub(from);
        self.waited_until = self.waited_until.max(until);
        Step::Wait(until)
    }

    /// The request to ask a page of next: without `merge`, only the first
    /// one not done (rows come out in request order); with it, the ready
    /// request that has read the least in merged order, since it holds
    /// back the most rows.
    fn next_ready(&self) -> Option<usize> {
        let mut candidates = self
            .pagings
            .iter()
            .enumerate()
            .filter(|(_, p)| p.state != State::Done);
        if self.wanted.is_none() {
            return candidates
                .next()
                .filter(|(_, p)| p.state == State::Ready)
                .map(|(i, _)| i);
        }
        candidates
            .filter(|(_, p)| p.state == State::Ready)
            .min_by_key(|&(i, _)| self.merger.progress(i))
            .map(|(i, _)| i)
    }

    fn send(&mut self, request: usize, now: Duration) -> Call {
        let id = CallId(self.next_call);
        self.next_call += 1;
        let paging = &mut self.pagings[request];
        paging.state = State::InFlight(id);
        paging.sent_at = now;
        self.stats.requests_sent += 1;
        if paging.failed > 0 {
            self.stats.retries += 1;
        }
        let mut body = self.requests[request].clone();
        body.offset = paging.offset;
        Call {
            id,
            request,
            attempt: paging.failed + 1,
            body,
        }
    }

    /// The request whose call `id` is still awaited; `None` for a call
    /// the run no longer waits for (it ended, or the id is unknown).
    fn awaiting(&self, id: CallId) -> Option<usize> {
        if self.ended.is_some() {
            return None;
        }
        self.pagings
            .iter()
            .position(|p| p.state == State::InFlight(id))
    }

    /// The API answered call `id` at `now`. A reply to a call the run no
    /// longer waits for is ignored.
    pub fn answer(&mut self, id: CallId, now: Duration, reply: Reply<'_>) {
        let Some(request) = self.awaiting(id) else {
            return;
        };
        match reply.status {
            200..=299 => match page::read(reply.body) {
                Ok(page) => {
                    self.pace.bucket.recover();
                    self.accept(request, page);
                }
                Err(why) => self.retry(request, now, None, why),
            },
            429 => {
                self.stats.rate_limited += 1;
                let sent_at = self.pagings[request].sent_at;
                self.pace.bucket.slow_down(sent_at, now);
                if let Some(wait) = reply.retry_after {
                    let until = now + wait.min(self.options.retry_after_cap);
                    self.pace.hold_until = self.pace.hold_until.max(until);
                }
                let why = "429 Too Many Requests".to_owned();
                self.retry(request, now, reply.retry_after, why);
            }
            500..=599 => {
                let why = format!("status {}", reply.status);
                self.retry(request, now, reply.retry_after, why);
            }
            400 => {
                let errors = error::errors_of(reply.body);
                self.end(RunError::BadRequest {
                    request,
                    filter: error::pointed_filter(&errors, &self.requests[request]),
                    errors,
                });
            }
            401 => self.end(RunError::KeyRefused {
                errors: error::errors_of(reply.body),
            }),
            403 => self.end(RunError::Forbidden {
                errors: error::errors_of(reply.body),
            }),
            status => self.end(RunError::UnexpectedStatus {
                request,
                status,
                body: reply.body.to_owned(),
            }),
        }
    }

    /// Call `id` got no answer at `now`: it is retried like a 5xx.
    pub fn transport_error(&mut self, id: CallId, now: Duration, error: TransportError) {
        if let Some(request) = self.awaiting(id) {
            self.retry(request, now, None, error.to_string());
        }
    }

    fn accept(&mut self, request: usize, page: page::Page) {
        let limit = self.requests[request].limit;
        let paging = &mut self.pagings[request];
        let got = page.rows.len() as u64;
        paging.failed = 0;
        let moved = match (paging.total, page.total) {
            (Some(before), Some(after)) if before != after => Some((before, after)),
            _ => None,
        };
        if let Some((before, after)) = moved {
            if !paging.reread {
                // The matches changed under the offsets: a row may have
                // moved past a page boundary unseen. Read the request
                // again from its first page; the union drops the rows
                // already had.
                paging.reread = true;
                paging.total = None;
                paging.offset = self.requests[request].offset;
                paging.read = 0;
                paging.state = State::Ready;
                self.stats.rereads += 1;
                self.merger.receive(request, page.rows);
                self.merger.restart(request);
                return;
            }
            if !self
                .stats
                .warnings
                .iter()
                .any(|w| matches!(w, RunWarning::Drift { request: r, .. } if *r == request))
            {
                self.stats.warnings.push(RunWarning::Drift {
                    request,
                    before,
                    after,
                });
            }
        }
        paging.total = paging.total.or(page.total);
        paging.read = paging.read.saturating_add(got);
        paging.offset = paging.offset.saturating_add(limit);
        let done = match self.wanted {
            None => true,
            Some(wanted) => {
                got < limit
                    || paging.read >= wanted
                    || page.total.is_some_and(|total| paging.offset >= total)
            }
        };
        paging.state = if done { State::Done } else { State::Ready };
        self.merger.receive(request, page.rows);
        if done {
            self.merger.close(request);
        }
    }

    fn retry(&mut self, request: usize, now: Duration, retry_after: Option<Duration>, why: String) {
        let paging = &mut self.pagings[request];
        paging.failed += 1;
        if paging.failed >= self.options.max_attempts {
            let (offset, attempts) = (paging.offset, paging.failed);
            self.end(RunError::GaveUp {
                request,
                offset,
                attempts,
                last: why,
            });
            return;
        }
        let wait = backoff::delay(
            paging.failed,
            retry_after,
            self.options.retry_after_cap,
            self.options.base_backoff,
            self.options.max_backoff,
            &mut self.jitter,
        );
        paging.state = State::Backoff(now + wait);
    }

    fn end(&mut self, error: RunError) {
        self.ended = Some(Err(error));
    }

    /// The rows that became final since the last call, in the merged
    /// order, the page's offset and limit already applied.
    pub fn take_rows(&mut self) -> Vec<Row> {
        let rows = self.merger.take();
        self.stats.rows += rows.len() as u64;
        self.stats.late_rows = self.merger.late();
        rows
    }

    /// Why the last [`Step::Wait`] waits; `None` once a call was sent since.
    pub fn waiting(&self) -> Option<Waiting> {
        self.waiting
    }

    /// How many of the plan's requests are read to the end, and how many
    /// there are.
    pub fn requests_done(&self) -> (usize, usize) {
        let done = self
            .pagings
            .iter()
            .filter(|p| p.state == State::Done)
            .count();
        (done, self.pagings.len())
    }

    /// What the run has done so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The calls per minute in force now (lower than configured after a 429).
    pub fn rate_per_minute(&self) -> u32 {
        self.pace.bucket.rate()
    }

    /// The outcome, once [`poll`](Self::poll) has answered [`Step::Done`].
    ///
    /// # Errors
    ///
    /// Why the run ended early: the API refused a request
    /// ([`RunError::BadRequest`], [`RunError::KeyRefused`],
    /// [`RunError::Forbidden`], [`RunError::UnexpectedStatus`]), a page
    /// failed on every attempt ([`RunError::GaveUp`]), the calls reached
    /// [`RunOptions::max_requests`] ([`RunError::OverBudget`]), or the run has not
    /// ended yet ([`RunError::Unfinished`]).
    pub fn finish(self) -> Result<Stats, RunError> {
        match self.ended {
            None => Err(RunError::Unfinished),
            Some(Err(error)) => Err(error),
            Some(Ok(())) => Ok(self.stats),
        }
    }
}
