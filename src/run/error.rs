//! Why a run ended without its rows: the API refused a request, or the
//! calls kept failing until the attempts ran out.

use miette::Diagnostic;
use thiserror::Error;

/// Why a run ended early. Once an executor holds one, it sends nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum RunError {
    /// The API answered 400: request `request` of the plan is one it does
    /// not accept (for example a filter on a field the account lacks).
    /// Never retried: the same body would be refused again.
    #[error("the API refused request {request} of the plan (400 Bad Request): {errors}")]
    #[diagnostic(
        code(hcq::run::bad_request),
        help(
            "the API's `errors` say which filter it refuses; `hcq emit` shows the request \
             (requests are numbered from 0)"
        )
    )]
    BadRequest {
        /// The index of the refused request in the plan's `requests`.
        request: usize,
        /// The API's `errors` array as JSON text, or its whole body when
        /// it has none.
        errors: String,
    },
    /// The API answered 401: the API key is missing, wrong or revoked.
    #[error("the API refused the API key (401 Unauthorized): {errors}")]
    #[diagnostic(
        code(hcq::run::key_refused),
        help("check the key in HelpCrunch's settings, under Developers → REST API")
    )]
    KeyRefused {
        /// The API's `errors` array as JSON text, or its whole body.
        errors: String,
    },
    /// The API answered 403: the key is valid but may not search contacts.
    #[error("the API key may not search contacts (403 Forbidden): {errors}")]
    #[diagnostic(
        code(hcq::run::forbidden),
        help("the key's account or plan lacks access to the contacts API")
    )]
    Forbidden {
        /// The API's `errors` array as JSON text, or its whole body.
        errors: String,
    },
    /// The API answered a status no retry can change (404, 422, …).
    #[error("the API answered request {request} with status {status}: {body}")]
    #[diagnostic(
        code(hcq::run::unexpected_status),
        help("the base URL may not point at HelpCrunch's API")
    )]
    UnexpectedStatus {
        /// The index of the request in the plan's `requests`.
        request: usize,
        /// The HTTP status.
        status: u16,
        /// The body as given.
        body: String,
    },
    /// A page failed on every attempt: 429s, 5xx answers, transport
    /// errors or unreadable pages.
    #[error(
        "gave up on request {request} at offset {offset} after {attempts} attempts; \
         the last failure: {last}"
    )]
    #[diagnostic(
        code(hcq::run::gave_up),
        help("the API or the network is in trouble; try again later, or with a lower rate")
    )]
    GaveUp {
        /// The index of the request in the plan's `requests`.
        request: usize,
        /// The offset of the page that failed.
        offset: u64,
        /// The attempts made.
        attempts: u32,
        /// What went wrong the last time.
        last: String,
    },
    /// [`Executor::finish`](super::Executor::finish) was called before
    /// [`poll`](super::Executor::poll) answered [`Step::Done`](super::Step::Done).
    #[error("the run is not finished")]
    #[diagnostic(
        code(hcq::run::unfinished),
        help("poll the executor until it answers `Step::Done`, then finish it")
    )]
    Unfinished,
}

/// The `errors` array of an API error body as JSON text, or the body
/// itself when it is not JSON with one.
pub(crate) fn errors_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("errors").map(ToString::to_string))
        .unwrap_or_else(|| body.to_owned())
}
