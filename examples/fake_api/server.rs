//! A local stand-in of HelpCrunch's contact search (issue 11): a small
//! HTTP/1.1 server over `std::net` that speaks the contract of
//! docs/SEMANTICS.md, so tests and newcomers can run hcq without a key.
//!
//! # The contract it serves
//!
//! - `POST /customers/search` only: another path is `404`, another method
//!   on that path `405` (with `Allow: POST`).
//! - `Authorization: Bearer KEY` must name the configured key, else `401`
//!   with `{"errors": [{"code": "unauthorized", …}]}`.
//! - The body must be a `plan::Request` (serde); invalid JSON or a wrong
//!   shape is a `400` with code `body`. A request `eval::validate` refuses
//!   is a `400` whose code names the part at fault: `filter[i].field`,
//!   `filter[i].operator` or `filter[i].value` for the first bad filter,
//!   else `filter`, `sort` or `limit`.
//! - Past `per_second` requests admitted within the last second the answer
//!   is `429` with code `too_many_requests` and no `Retry-After` (the
//!   vendor's 120 a minute is the default 2 a second; 0 turns it off).
//! - Otherwise `200` with `{"data": [...], "total": N}`: `eval::search`'s
//!   page over the contacts, `total` every match before paging. Each
//!   contact is its JSON from the file (keys sorted, unknown keys kept)
//!   with `firstSeen` and `lastSeen` written as strings of digits, as the
//!   vendor's example does (a `firstSeen` absent or null stays so).
//!
//! Each connection carries one request and is closed after the answer
//! (`Connection: close`), which keeps the server a loop of plain threads
//! and makes "the connection closed after the headers" an honest fault.
//! Request lines and headers together are bounded ([`MAX_HEAD`], else
//! `431`), bodies too ([`MAX_BODY`], else `413`); a body needs a
//! `Content-Length` (chunked is `411`). These answers carry code `request`
//! and are not numbered: nothing was read to number.
//!
//! # Requests are numbered
//!
//! Every request read off a connection gets the next number, from 1, and
//! a [`Logged`] entry (so request `N` is `log()[N - 1]`), whatever its
//! path, key or fate. Faults key on these numbers; they apply only to a
//! request that reached the endpoint with the right key, and they come
//! before the rate limit, so a schedule is obeyed exactly (a scripted
//! status does not count against the limit).
//!
//! # The fault schedule
//!
//! A text file, one fault a line; blank lines and `#` comments are
//! skipped. `N` is a request number:
//!
//! ```text
//! N 429                     429 too_many_requests, no Retry-After
//! N 429 retry-after=S       the same with `Retry-After: S`
//! N 500|502|503|504         that status, code server_error
//! N 503 retry-after=S       a 5xx with `Retry-After: S`
//! N close-after-headers     the real answer's head, then the connection closes
//! N truncate                the real answer's head and half its body, then closes
//! N invalid-json            200 with a well-framed body that is not JSON
//! N slow MS                 the real answer, after sleeping MS milliseconds
//! N refuse-filter I         400 with code filter[I].value, as the vendor refuses a filter
//! N shift-last-seen S       from request N on, every lastSeen is S seconds later
//! N shuffle-ties            from request N on, ties come in descending id order
//! ```
//!
//! `shift-last-seen` stands for contacts seen again while a client pages
//! (several add up). `shuffle-ties` stands for an API whose order among
//! equal sort keys is not stable: `eval` breaks ties by id ascending, and
//! from request `N` on the stand-in returns every run of equal sort keys
//! in descending id order instead, so a client paging across the switch
//! sees the same tie twice or not at all.

use hcq::contacts::read_records;
use hcq::eval::{self, Contact};
use hcq::plan::Request;
use hcq::schema::Schema;
use std::collections::{HashMap, VecDeque};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// The most bytes of request line and headers together.
pub const MAX_HEAD: usize = 16 * 1024;
/// The most bytes of a request body.
pub const MAX_BODY: usize = 1024 * 1024;
/// How long a connection may take to send its request, so a silent
/// client cannot hold a thread.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The contacts the stand-in answers from: each parsed, and its JSON.
#[derive(Clone, Debug)]
pub struct Contacts {
    contacts: Vec<Contact>,
    /// Each contact's JSON by its id (the reader refuses a repeated id).
    json: HashMap<i64, serde_json::Value>,
}

impl Contacts {
    /// Reads a contacts file in any layout `hcq eval` reads.
    ///
    /// # Errors
    ///
    /// The reader's error, rendered, when `text` is not contacts.
    pub fn read(name: &str, text: &str) -> Result<Contacts, String> {
        let records = read_records(name, text).map_err(|e| e.to_string())?;
        let mut contacts = Vec::with_capacity(records.len());
        let mut json = HashMap::with_capacity(records.len());
        for (contact, raw) in records {
            let value = serde_json::from_str(raw).map_err(|e| e.to_string())?;
            json.insert(contact.id, value);
            contacts.push(contact);
        }
        Ok(Contacts { contacts, json })
    }

    /// The parsed contacts, in the file's order.
    pub fn parsed(&self) -> &[Contact] {
        &self.contacts
    }
}

/// What the stand-in serves and how.
#[derive(Clone, Debug)]
pub struct Config {
    /// The contacts searched.
    pub contacts: Contacts,
    /// The key `Authorization: Bearer` must carry.
    pub key: String,
    /// Requests admitted per second before `429`; 0 for no limit.
    pub per_second: u32,
    /// The scripted faults.
    pub faults: Vec<Fault>,
    /// The port on 127.0.0.1; 0 for any free one.
    pub port: u16,
}

impl Config {
    /// The vendor's defaults (2 requests a second), no faults, any port.
    pub fn new(contacts: Contacts, key: impl Into<String>) -> Config {
        Config {
            contacts,
            key: key.into(),
            per_second: 2,
            faults: Vec::new(),
            port: 0,
        }
    }
}

/// One scripted fault: what happens at request `at` (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The request number, from 1.
    pub at: u64,
    /// What happens.
    pub kind: FaultKind,
}

/// The faults the stand-in can script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// A `429`, `500`, `502`, `503` or `504` instead of the answer, with
    /// `Retry-After` when given.
    Status {
        /// The status code.
        status: u16,
        /// Seconds for `Retry-After`.
        retry_after: Option<u64>,
    },
    /// The answer's head, then the connection closes.
    CloseAfterHeaders,
    /// The answer's head and half its body, then the connection closes.
    Truncate,
    /// A `200` whose body is not JSON.
    InvalidJson,
    /// The answer after a sleep.
    Slow(Duration),
    /// From this request on, every `lastSeen` this many seconds later.
    ShiftLastSeen(i64),
    /// From this request on, ties in descending id order.
    ShuffleTies,
    /// A `400` pointing at the filter with this index.
    RefuseFilter(usize),
}

/// Reads a fault schedule (the format is in the module docs).
///
/// # Errors
///
/// The first line that is not a fault, with its number.
pub fn parse_faults(text: &str) -> Result<Vec<Fault>, String> {
    let mut faults = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let fault = parse_fault(line).map_err(|e| format!("line {}: {e}: {line:?}", index + 1))?;
        faults.push(fault);
    }
    Ok(faults)
}

fn parse_fault(line: &str) -> Result<Fault, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let number = |word: Option<&&str>, what: &str| -> Result<i64, String> {
        word.and_then(|w| w.parse().ok())
            .ok_or_else(|| format!("expected {what}"))
    };
    let at = number(words.first(), "a request number")?;
    let at = u64::try_from(at)
        .ok()
        .filter(|&n| n > 0)
        .ok_or("request numbers start at 1")?;
    let kind = match (words.get(1).copied(), &words[2.min(words.len())..]) {
        (Some(code @ ("429" | "500" | "502" | "503" | "504")), rest) => {
            let retry_after = match rest {
                [] => None,
                [option] => {
                    let seconds = option
                        .strip_prefix("retry-after=")
                        .and_then(|s| s.parse().ok())
                        .ok_or("expected retry-after=SECONDS")?;
                    Some(seconds)
                }
                _ => return Err("too many words".into()),
            };
            let status = code.parse().expect("matched a status above");
            FaultKind::Status {
                status,
                retry_after,
            }
        }
        (Some("close-after-headers"), []) => FaultKind::CloseAfterHeaders,
        (Some("truncate"), []) => FaultKind::Truncate,
        (Some("invalid-json"), []) => FaultKind::InvalidJson,
        (Some("slow"), [ms]) => {
            let ms = number(Some(ms), "milliseconds")?;
            FaultKind::Slow(Duration::from_millis(
                u64::try_from(ms).map_err(|_| "milliseconds are not negative")?,
            ))
        }
        (Some("shift-last-seen"), [seconds]) => {
            FaultKind::ShiftLastSeen(number(Some(seconds), "seconds")?)
        }
        (Some("shuffle-ties"), []) => FaultKind::ShuffleTies,
        (Some("refuse-filter"), [index]) => FaultKind::RefuseFilter(
            index
                .parse()
                .map_err(|_| "expected a filter's index, from 0")?,
        ),
        _ => return Err("not a fault".into()),
    };
    Ok(Fault { at, kind })
}

/// One request as the stand-in read it.
#[derive(Clone, Debug)]
pub struct Logged {
    /// Its number, from 1.
    pub number: u64,
    /// The method.
    pub method: String,
    /// The path.
    pub path: String,
    /// Whether it carried the right key.
    pub authorized: bool,
    /// The body, lossily as text.
    pub body: String,
    /// When it was read in full.
    pub at: Instant,
    /// The status answered (before any scripted breakage of the reply).
    pub status: u16,
}

struct Shared {
    config: Config,
    stop: AtomicBool,
    log: Mutex<Vec<Logged>>,
    /// When each request the rate limit admitted arrived, the last second's.
    admitted: Mutex<VecDeque<Instant>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread leaves the data whole (every update is
    // one push or pop), so a poisoned lock is still good to read.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running stand-in; dropping it stops it.
pub struct Handle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the base a client puts `/customers/search` after.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request read so far, in order.
    pub fn log(&self) -> Vec<Logged> {
        lock(&self.shared.log).clone()
    }

    /// Stops accepting and waits for the accepting thread; connections
    /// already open finish on their own.
    pub fn stop(mut self) {
        self.shut_down();
    }

    /// Serves until the process ends (what the example binary does).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn shut_down(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // `accept` blocks; a connection of our own wakes it to see the flag.
        let _ = TcpStream::connect(self.addr);
        let _ = thread.join();
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Binds 127.0.0.1 on `config.port` and serves on a thread of its own.
///
/// # Errors
///
/// When the port cannot be bound.
pub fn start(config: Config) -> io::Result<Handle> {
    let listener = TcpListener::bind(("127.0.0.1", config.port))?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        config,
        stop: AtomicBool::new(false),
        log: Mutex::new(Vec::new()),
        admitted: Mutex::new(VecDeque::new()),
    });
    let serving = Arc::clone(&shared);
    let thread = thread::spawn(move || {
        for stream in listener.incoming() {
            if serving.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let shared = Arc::clone(&serving);
            thread::spawn(move || {
                // A client that hangs up mid-answer is the client's business.
                let _ = serve(&shared, stream);
            });
        }
    });
    Ok(Handle {
        addr,
        shared,
        thread: Some(thread),
    })
}

/// A request as read off the wire.
struct Incoming {
    method: String,
    path: String,
    authorization: Option<String>,
    body: Vec<u8>,
}

/// Why a request could not be read; `None` when the client sent nothing.
enum ReadError {
    Nothing,
    Bad(u16, &'static str),
}

fn read_request(reader: &mut impl BufRead) -> Result<Incoming, ReadError> {
    let mut head = 0usize;
    let mut line = |reader: &mut dyn BufRead| -> Result<String, ReadError> {
        let mut bytes = Vec::new();
        let limit = (MAX_HEAD - head) as u64 + 1;
        reader
            .take(limit)
            .read_until(b'\n', &mut bytes)
            .map_err(|_| ReadError::Nothing)?;
        head += bytes.len();
        if head > MAX_HEAD {
            return Err(ReadError::Bad(431, "the request head is too large"));
        }
        if !bytes.ends_with(b"\n") {
            return Err(ReadError::Nothing);
        }
        let text = String::from_utf8(bytes).map_err(|_| ReadError::Bad(400, "not UTF-8"))?;
        Ok(text.trim_end_matches(['\r', '\n']).to_owned())
    };
    let request_line = line(reader)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(ReadError::Bad(400, "not an HTTP request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad(400, "not HTTP/1.x"));
    }
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let mut authorization = None;
    let mut length = 0usize;
    loop {
        let header = line(reader)?;
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(ReadError::Bad(400, "a header without a colon"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "authorization" => authorization = Some(value.to_owned()),
            "content-length" => {
                length = value
                    .parse()
                    .map_err(|_| ReadError::Bad(400, "a Content-Length that is not a number"))?;
            }
            "transfer-encoding" => {
                return Err(ReadError::Bad(411, "send the body with a Content-Length"));
            }
            _ => {}
        }
    }
    if length > MAX_BODY {
        return Err(ReadError::Bad(413, "the body is too large"));
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .map_err(|_| ReadError::Nothing)?;
    Ok(Incoming {
        method: method.to_owned(),
        path,
        authorization,
        body,
    })
}

/// What to send back, and how to break it if a fault says so.
struct Reply {
    status: u16,
    retry_after: Option<u64>,
    body: String,
    delivery: Delivery,
}

enum Delivery {
    Whole,
    CloseAfterHeaders,
    Truncate,
}

impl Reply {
    fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            retry_after: None,
            body,
            delivery: Delivery::Whole,
        }
    }

    fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, error_body(code, message))
    }
}

/// The vendor's error body: `{"errors": [{"code": …, "message": …}]}`.
pub fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({"errors": [{"code": code, "message": message}]}).to_string()
}

fn serve(shared: &Shared, stream: TcpStream) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(READ_TIMEOUT))?;
    let mut reader = BufReader::new(&stream);
    let incoming = match read_request(&mut reader) {
        Ok(incoming) => incoming,
        Err(ReadError::Nothing) => return Ok(()),
        Err(ReadError::Bad(status, message)) => {
            // Closing a socket with unread input resets the connection,
            // which can destroy the answer before the client reads it: take
            // what the client is still sending first, briefly and bounded.
            stream.set_read_timeout(Some(Duration::from_millis(100)))?;
            let _ = io::copy(
                &mut reader.take((MAX_HEAD + MAX_BODY) as u64),
                &mut io::sink(),
            );
            return send(&stream, &Reply::error(status, "request", message));
        }
    };
    let authorized = incoming
        .authorization
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        == Some(shared.config.key.as_str());
    let number = {
        let mut log = lock(&shared.log);
        let number = log.len() as u64 + 1;
        log.push(Logged {
            number,
            method: incoming.method.clone(),
            path: incoming.path.clone(),
            authorized,
            body: String::from_utf8_lossy(&incoming.body).into_owned(),
            at: Instant::now(),
            status: 0,
        });
        number
    };
    let reply = answer(shared, &incoming, authorized, number);
    lock(&shared.log)[usize::try_from(number - 1).expect("a log index fits")].status = reply.status;
    send(&stream, &reply)
}

fn answer(shared: &Shared, incoming: &Incoming, authorized: bool, number: u64) -> Reply {
    if incoming.path != "/customers/search" {
        return Reply::error(404, "not_found", "No route found");
    }
    if incoming.method != "POST" {
        return Reply::error(405, "method_not_allowed", "Only POST is allowed");
    }
    if !authorized {
        return Reply::error(401, "unauthorized", "Invalid or missing API key");
    }
    let config = &shared.config;
    let mut delivery = Delivery::Whole;
    let mut shift = 0i64;
    let mut shuffle = false;
    for fault in &config.faults {
        match &fault.kind {
            FaultKind::ShiftLastSeen(seconds) if fault.at <= number => shift += seconds,
            FaultKind::ShuffleTies if fault.at <= number => shuffle = true,
            _ if fault.at != number => {}
            FaultKind::Status {
                status,
                retry_after,
            } => {
                let (code, message) = match status {
                    429 => ("too_many_requests", "Too many requests"),
                    _ => ("server_error", "The server failed (scripted)"),
                };
                let mut reply = Reply::error(*status, code, message);
                reply.retry_after = *retry_after;
                return reply;
            }
            FaultKind::CloseAfterHeaders => delivery = Delivery::CloseAfterHeaders,
            FaultKind::Truncate => delivery = Delivery::Truncate,
            FaultKind::InvalidJson => {
                return Reply::json(200, r#"{"data": [{"id": 1, "lastSeen": }"#.to_owned());
            }
            FaultKind::Slow(pause) => thread::sleep(*pause),
            FaultKind::RefuseFilter(index) => {
                let code = format!("filter[{index}].value");
                return Reply::error(400, &code, "This value should not be blank.");
            }
            FaultKind::ShiftLastSeen(_) | FaultKind::ShuffleTies => {}
        }
    }
    if !admit(shared) {
        return Reply::error(429, "too_many_requests", "Too many requests");
    }
    let request: Request = match serde_json::from_slice(&incoming.body) {
        Ok(request) => request,
        Err(e) => return Reply::error(400, "body", &e.to_string()),
    };
    if let Err(message) = eval::validate(&request, &Schema::default()) {
        return Reply::error(400, &error_code(&request), &message);
    }
    let mut reply = Reply::json(200, search(&config.contacts, &request, shift, shuffle));
    reply.delivery = delivery;
    reply
}

/// Whether the rate limit lets one more request through now.
fn admit(shared: &Shared) -> bool {
    let limit = shared.config.per_second as usize;
    if limit == 0 {
        return true;
    }
    let now = Instant::now();
    let mut admitted = lock(&shared.admitted);
    while admitted
        .front()
        .is_some_and(|&t| now.duration_since(t) >= Duration::from_secs(1))
    {
        admitted.pop_front();
    }
    if admitted.len() >= limit {
        return false;
    }
    admitted.push_back(now);
    true
}

/// The vendor-style code naming what `eval::validate` refused: the first
/// filter that fails alone, and which of its parts, else the request-wide
/// setting at fault.
fn error_code(request: &Request) -> String {
    let schema = Schema::default();
    for (i, filter) in request.filter.iter().enumerate() {
        let alone = Request {
            filter: vec![filter.clone()],
            sort: "customers.lastSeen".into(),
            limit: 1,
            ..request.clone()
        };
        if eval::validate(&alone, &schema).is_ok() {
            continue;
        }
        let part = match schema.fields.iter().find(|f| f.name == filter.field) {
            Some(field) if field.usage.search => {
                if field.ty.allows(filter.operator.into()) {
                    "value"
                } else {
                    "operator"
                }
            }
            _ => "field",
        };
        return format!("filter[{i}].{part}");
    }
    if request.filter.is_empty() {
        "filter".to_owned()
    } else if request.limit > hcq::plan::MAX_PAGE {
        "limit".to_owned()
    } else {
        "sort".to_owned()
    }
}

/// The `200` body: the page of `request` over the contacts, with the
/// scripted drift applied.
fn search(contacts: &Contacts, request: &Request, shift: i64, shuffle: bool) -> String {
    let shifted;
    let parsed = if shift == 0 {
        &contacts.contacts
    } else {
        shifted = contacts
            .contacts
            .iter()
            .map(|c| Contact {
                last_seen: c.last_seen.saturating_add(shift),
                ..c.clone()
            })
            .collect::<Vec<_>>();
        &shifted
    };
    let everything = Request {
        offset: 0,
        limit: u64::MAX,
        ..request.clone()
    };
    let mut rows = eval::search(&everything, parsed);
    if shuffle {
        let key = |c: &Contact| match &*request.sort {
            "customers.firstSeen" => c.first_seen,
            _ => Some(c.last_seen),
        };
        for run in rows.chunk_by_mut(|a, b| key(a) == key(b)) {
            run.reverse();
        }
    }
    let total = rows.len();
    let offset = usize::try_from(request.offset)
        .unwrap_or(usize::MAX)
        .min(total);
    let limit = usize::try_from(request.limit).unwrap_or(usize::MAX);
    let data: Vec<serde_json::Value> = rows[offset..offset.saturating_add(limit).min(total)]
        .iter()
        .map(|contact| render(&contacts.json[&contact.id], contact))
        .collect();
    serde_json::json!({"data": data, "total": total}).to_string()
}

/// A contact's JSON from the file, with its (maybe shifted) timestamps as
/// strings of digits.
fn render(json: &serde_json::Value, contact: &Contact) -> serde_json::Value {
    let mut json = json.clone();
    if let Some(object) = json.as_object_mut() {
        object.insert("lastSeen".into(), contact.last_seen.to_string().into());
        if let Some(first_seen) = contact.first_seen {
            object.insert("firstSeen".into(), first_seen.to_string().into());
        }
    }
    json
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

fn send(mut stream: &TcpStream, reply: &Reply) -> io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reason(reply.status),
        reply.body.len()
    );
    if reply.status == 405 {
        head.push_str("Allow: POST\r\n");
    }
    if let Some(seconds) = reply.retry_after {
        head.push_str(&format!("Retry-After: {seconds}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    match reply.delivery {
        Delivery::Whole => stream.write_all(reply.body.as_bytes())?,
        Delivery::CloseAfterHeaders => {}
        Delivery::Truncate => stream.write_all(&reply.body.as_bytes()[..reply.body.len() / 2])?,
    }
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}
