//! Why a run ended without its rows: the API refused a request, or the
//! calls kept failing until the attempts ran out.

use crate::plan::Request;
use miette::Diagnostic;
use thiserror::Error;

/// Why a run ended early. Once an executor holds one, it sends nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum RunError {
    /// The API answered 400: request `request` of the plan is one it does
    /// not accept (for example a filter on a field the account lacks).
    /// Never retried: the same body would be refused again.
    #[error(
        "the API refused request {request} of the plan (400 Bad Request){}: {errors}",
        at_filter(filter.as_ref())
    )]
    #[diagnostic(
        code(hcq::run::bad_request),
        help(
            "the API's `errors` say what it refuses; `hcq emit` shows the plan's requests \
             (numbered from 0, as are their filters); the field may not exist in this account"
        )
    )]
    BadRequest {
        /// The index of the refused request in the plan's `requests`.
        request: usize,
        /// The filter an error's `code` points at (`filter[1].value`):
        /// its index in the request's `filter` list and its JSON.
        filter: Option<(usize, String)>,
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
    /// The run sent as many calls as
    /// [`RunOptions::max_requests`](super::RunOptions::max_requests)
    /// allows and needed more.
    #[error("stopped at the most calls allowed ({max}), before the run was complete")]
    #[diagnostic(
        code(hcq::run::over_budget),
        help(
            "the rows printed so far are not the whole answer; allow more calls \
             (--max-requests), or ask for fewer rows (--limit)"
        )
    )]
    OverBudget {
        /// The ceiling that was reached.
        max: u64,
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

/// Something the user should know about a run's rows, though it ended well.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
#[non_exhaustive]
pub enum RunWarning {
    /// Request `request`'s number of matches changed while it was read,
    /// and again after it was read a second time from its first page.
    #[error(
        "the contacts matching request {request} kept changing during the run \
         ({before} matches, then {after})"
    )]
    #[diagnostic(
        code(hcq::run::drift),
        severity(Warning),
        help(
            "contacts were added, seen or edited while the request was read twice; one \
             that changed between two of its pages may be missing: run again when fewer \
             contacts change"
        )
    )]
    Drift {
        /// The index of the request in the plan's `requests`.
        request: usize,
        /// `total` before the change.
        before: u64,
        /// `total` after it.
        after: u64,
    },
}

/// ` at filter N {json}` for a 400's message, or nothing.
fn at_filter(filter: Option<&(usize, String)>) -> String {
    filter.map_or_else(String::new, |(index, json)| {
        format!(" at filter {index} {json}")
    })
}

/// The filter a 400's `errors` point at: the first `code` of the shape
/// `filter[N]…` whose `N` is one of `request`'s filters, as its index and
/// its JSON.
pub(crate) fn pointed_filter(errors: &str, request: &Request) -> Option<(usize, String)> {
    let errors: Vec<serde_json::Value> = serde_json::from_str(errors).ok()?;
    errors.iter().find_map(|error| {
        let code = error.get("code")?.as_str()?;
        let index: usize = code
            .strip_prefix("filter[")?
            .split(']')
            .next()?
            .parse()
            .ok()?;
        let filter = request.filter.get(index)?;
        Some((index, serde_json::to_string(filter).ok()?))
    })
}

/// The `errors` array of an API error body as JSON text, or the body
/// itself when it is not JSON with one.
pub(crate) fn errors_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("errors").map(ToString::to_string))
        .unwrap_or_else(|| body.to_owned())
}
