//! A blocking driver for the [`Executor`] over HTTP(S),
//! behind the cargo feature `http` (which the binary's `cli` feature
//! enables; the library alone pulls in no HTTP client).
//!
//! [`Client::run`] (and [`run_blocking`] for one plan) does the I/O the
//! executor leaves out: it POSTs each
//! [`Call`](super::Call) to `{base}/customers/search` with the API key as
//! `Authorization: Bearer KEY`, hands back the status, `Retry-After` (in
//! seconds) and body, or a [`TransportError`] for a
//! timeout or a lost connection, sleeps when told to wait, and passes each
//! final row to an [`Observer`] (or a closure) as soon as the executor
//! hands it out. One [`Client`] running several plans one after another
//! keeps one clock and hands one [`Pace`] from each executor to the next,
//! so together they keep to the rate.
//!
//! The client is `ureq` with rustls: connect and read timeouts
//! ([`Endpoint::with_timeouts`]), and proxies from the environment
//! (`HTTPS_PROXY`, `ALL_PROXY`, `NO_PROXY`) except for loopback hosts.
//!
//! **The key stays secret:** [`ApiKey`] prints as `<redacted>` with both
//! `Debug` and `Display`, and no error of this module holds it.
//!
//! ```no_run
//! use hcq::run::http::{ApiKey, Client, Endpoint};
//! use hcq::run::{Executor, RunOptions};
//!
//! let plan = hcq::compile("tag = Lead limit all", &hcq::Options::default())?.plan;
//! let key = ApiKey::new(std::env::var("HELPCRUNCH_API_KEY")?)?;
//! let mut client = Client::new(&Endpoint::new("https://api.helpcrunch.com/v1", key)?);
//! let stats = client.run(Executor::new(&plan, RunOptions::default()), &mut |row: hcq::run::Row| {
//!     println!("{}", row.raw);
//!     Ok(())
//! })?;
//! eprintln!("{} calls, {} rows", stats.requests_sent, stats.rows);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{Executor, Pace, Reply, Row, RunError, Stats, Step, TransportError};
use std::fmt;
use std::io::{self, Read};
use std::time::{Duration, Instant};

/// The base URL of HelpCrunch's API.
pub const DEFAULT_BASE_URL: &str = "https://api.helpcrunch.com/v1";
/// How long connecting may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an answer (head and body) may take by default once connected.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The most bytes of one answer's body read: a page of 100 contacts is
/// far smaller; more is not an answer of this API.
pub const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;
/// The most characters of an API key.
pub const MAX_KEY_CHARS: usize = 4096;

/// An API key. It prints as `<redacted>` ([`Debug`] and [`Display`](fmt::Display)), so
/// no log, error or panic message built from it shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key in `text`, with surrounding whitespace trimmed.
    ///
    /// # Errors
    ///
    /// [`HttpError::BadKey`] when the key is empty, longer than
    /// [`MAX_KEY_CHARS`], or holds whitespace or control characters (it
    /// could not be sent in a header). The error does not quote the key.
    pub fn new(text: impl AsRef<str>) -> Result<ApiKey, HttpError> {
        let key = text.as_ref().trim();
        let why = if key.is_empty() {
            "it is empty"
        } else if key.chars().count() > MAX_KEY_CHARS {
            "it is too long"
        } else if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            "it holds spaces or control characters"
        } else {
            return Ok(ApiKey(key.to_owned()));
        };
        Err(HttpError::BadKey { why })
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where and how to call the API.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// The base URL, without a trailing `/`.
    base: String,
    key: ApiKey,
    /// Whether the host is loopback (then no proxy is used).
    loopback: bool,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl Endpoint {
    /// The API at `base_url` (`https://…`, or `http://` to a loopback
    /// host: `127.0.0.1`, `[::1]` or `localhost`), called with `key`.
    ///
    /// # Errors
    ///
    /// [`HttpError::InsecureUrl`] for `http://` to any other host, and
    /// [`HttpError::BadUrl`] for a URL that is not `http(s)://HOST…`.
    pub fn new(base_url: &str, key: ApiKey) -> Result<Endpoint, HttpError> {
        let (https, rest) = if let Some(rest) = base_url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = base_url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad_url(base_url, "it must start with https://"));
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(bad_url(
                base_url,
                "credentials in the URL are not allowed; the key comes from the environment or a file",
            ));
        }
        let host = if let Some(bracketed) = authority.strip_prefix('[') {
            match bracketed.split_once(']') {
                Some((host, _)) => host,
                None => return Err(bad_url(base_url, "an IPv6 host needs its closing `]`")),
            }
        } else {
            authority.split(':').next().unwrap_or_default()
        };
        if host.is_empty() {
            return Err(bad_url(base_url, "it has no host"));
        }
        if rest.contains(['?', '#'])
            || base_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad_url(
                base_url,
                "a base URL has no query, fragment or spaces",
            ));
        }
        let loopback =
            host == "127.0.0.1" || host == "::1" || host.eq_ignore_ascii_case("localhost");
        if !https && !loopback {
            return Err(HttpError::InsecureUrl {
                url: base_url.to_owned(),
            });
        }
        Ok(Endpoint {
            base: base_url.trim_end_matches('/').to_owned(),
            key,
            loopback,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
        })
    }

    /// This endpoint with other connect and read timeouts.
    pub fn with_timeouts(self, connect: Duration, read: Duration) -> Endpoint {
        Endpoint {
            connect_timeout: connect,
            read_timeout: read,
            ..self
        }
    }

    /// The URL every call is POSTed to: `{base}/customers/search`.
    pub fn search_url(&self) -> String {
        format!("{}/customers/search", self.base)
    }

    fn agent(&self) -> ureq::Agent {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_recv_response(Some(self.read_timeout))
            .timeout_recv_body(Some(self.read_timeout))
            .max_redirects(0);
        if self.loopback {
            config = config.proxy(None);
        }
        config.build().into()
    }
}

fn bad_url(url: &str, why: &'static str) -> HttpError {
    HttpError::BadUrl {
        url: url.to_owned(),
        why,
    }
}

/// Why a blocking run failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum HttpError {
    /// The run ended early: the API refused a request, or gave no answer.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Run(#[from] RunError),
    /// A base URL like `http://example.com/v1`: the key would travel in clear.
    #[error("refusing to send the API key over plain http:// to {url}")]
    #[diagnostic(
        code(hcq::run::insecure_url),
        help("use https://; http:// is allowed only to 127.0.0.1, [::1] or localhost")
    )]
    InsecureUrl {
        /// The base URL given.
        url: String,
    },
    /// A base URL that is not `http(s)://HOST…`.
    #[error("the base URL {url} is not usable: {why}")]
    #[diagnostic(
        code(hcq::run::bad_url),
        help("write it as https://api.helpcrunch.com/v1")
    )]
    BadUrl {
        /// The base URL given.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The API key cannot be sent (it is not quoted here).
    #[error("the API key is not usable: {why}")]
    #[diagnostic(
        code(hcq::run::bad_key),
        help("the key is one line of text, as HelpCrunch's settings show it")
    )]
    BadKey {
        /// What is wrong with it.
        why: &'static str,
    },
    /// The row callback failed (a closed or full output); the run stopped.
    #[error("cannot write a row: {0}")]
    #[diagnostic(code(hcq::io::write))]
    Output(#[source] io::Error),
}

/// What a blocking run tells its caller as it goes.
pub trait Observer {
    /// A row is final: print it, store it. An error stops the run (nothing
    /// more is sent) and comes back as [`HttpError::Output`].
    ///
    /// # Errors
    ///
    /// Whatever stops the run: typically the output failed.
    fn row(&mut self, row: Row) -> io::Result<()>;

    /// The run moved on: a call was answered, or a wait of `wait` begins
    /// ([`Executor::waiting`] says why). For progress displays; by
    /// default nothing.
    fn progress(&mut self, executor: &Executor, wait: Option<Duration>) {
        let _ = (executor, wait);
    }
}

impl<F: FnMut(Row) -> io::Result<()>> Observer for F {
    fn row(&mut self, row: Row) -> io::Result<()> {
        self(row)
    }
}

/// Runs executors against one endpoint, one after another, on one clock
/// and one rate budget.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    url: String,
    /// Redacted in `Debug`, as everywhere.
    key: ApiKey,
    start: Instant,
    /// The budget the last run left, for the next one.
    pace: Option<Pace>,
}

impl Client {
    /// A client of `endpoint`.
    pub fn new(endpoint: &Endpoint) -> Client {
        Client {
            agent: endpoint.agent(),
            url: endpoint.search_url(),
            key: endpoint.key.clone(),
            start: Instant::now(),
            pace: None,
        }
    }

    /// Runs `executor`, blocking, paced by the budget the previous run of
    /// this client left, and passes each row to `observer` as soon as it
    /// is final, in the plan's order.
    ///
    /// # Errors
    ///
    /// [`HttpError::Run`] with the executor's [`RunError`] when the API
    /// refused a request or a page failed on every attempt, and
    /// [`HttpError::Output`] when the observer failed (nothing more is
    /// sent then).
    pub fn run(
        &mut self,
        executor: Executor,
        observer: &mut dyn Observer,
    ) -> Result<Stats, HttpError> {
        let mut executor = match self.pace.take() {
            Some(pace) => executor.with_pace(pace),
            None => executor,
        };
        let outcome = self.drive(&mut executor, observer);
        self.pace = Some(executor.pace());
        outcome?;
        executor.finish().map_err(HttpError::Run)
    }

    fn drive(&self, executor: &mut Executor, observer: &mut dyn Observer) -> Result<(), HttpError> {
        loop {
            let step = executor.poll(self.start.elapsed());
            let done = step == Step::Done;
            match step {
                Step::Send(call) => {
                    let bearer = self.key.bearer();
                    let outcome = send(&self.agent, &self.url, &bearer, &call.body_json());
                    let now = self.start.elapsed();
                    match outcome {
                        Ok((status, retry_after, body)) => {
                            executor.answer(call.id, now, Reply::new(status, retry_after, &body));
                        }
                        Err(error) => executor.transport_error(call.id, now, error),
                    }
                    observer.progress(executor, None);
                }
                Step::Wait(until) => {
                    let wait = until.saturating_sub(self.start.elapsed());
                    observer.progress(executor, Some(wait));
                    std::thread::sleep(wait);
                }
                Step::AwaitReplies => unreachable!("this driver answers every call before polling"),
                Step::Done => {}
            }
            for row in executor.take_rows() {
                observer.row(row).map_err(HttpError::Output)?;
            }
            if done {
                return Ok(());
            }
        }
    }
}

/// Runs `executor` against `endpoint`, blocking, and passes each row to
/// `on_row` as soon as it is final, in the plan's order: a [`Client`]
/// for one run.
///
/// # Errors
///
/// As [`Client::run`].
pub fn run_blocking(
    executor: Executor,
    endpoint: &Endpoint,
    on_row: &mut dyn FnMut(Row) -> io::Result<()>,
) -> Result<Stats, HttpError> {
    Client::new(endpoint).run(executor, &mut |row| on_row(row))
}

/// One POST: the status, `Retry-After` in seconds if given, and the body.
fn send(
    agent: &ureq::Agent,
    url: &str,
    bearer: &str,
    body: &str,
) -> Result<(u16, Option<Duration>, String), TransportError> {
    let mut response = agent
        .post(url)
        .header("Authorization", bearer)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .send(body)
        .map_err(transport)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut text = String::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_BODY_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| transport(ureq::Error::Io(e)))?;
    Ok((status, retry_after, text))
}

/// A client error as the executor sees it: a timeout, or a lost connection.
fn transport(error: ureq::Error) -> TransportError {
    match error {
        ureq::Error::Timeout(_) => TransportError::Timeout,
        ureq::Error::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
            ) =>
        {
            TransportError::Timeout
        }
        ureq::Error::Io(e) => match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        {
            Some(ureq::Error::Timeout(_)) => TransportError::Timeout,
            _ => TransportError::ConnectionLost(e.to_string()),
        },
        other => TransportError::ConnectionLost(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ApiKey {
        ApiKey::new("  s3cret-key\n").unwrap()
    }

    #[test]
    fn the_key_never_prints() {
        let endpoint = Endpoint::new("https://api.helpcrunch.com/v1/", key()).unwrap();
        let client = Client::new(&endpoint);
        for text in [
            format!("{:?}", key()),
            key().to_string(),
            format!("{endpoint:?}"),
            format!("{client:?}"),
        ] {
            assert!(!text.contains("s3cret"), "{text}");
        }
        assert_eq!(key().to_string(), "<redacted>");
        assert_eq!(
            endpoint.search_url(),
            "https://api.helpcrunch.com/v1/customers/search"
        );
    }

    #[test]
    fn a_bad_key_is_refused_without_being_quoted() {
        for text in ["", "   ", "two words", "tab\there"] {
            let error = ApiKey::new(text).unwrap_err();
            assert!(matches!(error, HttpError::BadKey { .. }), "{text:?}");
            if !text.trim().is_empty() {
                assert!(!error.to_string().contains(text.trim()), "{error}");
            }
        }
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost/v1",
            "http://[::1]:9/",
            "https://example.com/v1",
        ] {
            assert!(Endpoint::new(url, key()).is_ok(), "{url}");
        }
        for url in [
            "http://example.com",
            "http://127.0.0.1.example.com/",
            "http://10.0.0.1",
        ] {
            let error = Endpoint::new(url, key()).unwrap_err();
            assert!(
                matches!(error, HttpError::InsecureUrl { .. }),
                "{url}: {error}"
            );
        }
        for url in [
            "ftp://x",
            "api.helpcrunch.com",
            "https://",
            "https://u:p@host/",
            "https://h/?q",
        ] {
            let error = Endpoint::new(url, key()).unwrap_err();
            assert!(matches!(error, HttpError::BadUrl { .. }), "{url}: {error}");
        }
    }
}
