//! How an executor paces and retries: [`RunOptions`] and its defaults.

use std::time::Duration;

/// Requests per minute by default. HelpCrunch allows 120 a minute per
/// account; 100 leaves a sixth of that budget to other clients of the
/// same account (an integration, a second `hcq run`) and absorbs skew
/// between our clock and the server's window.
pub const DEFAULT_RATE_PER_MINUTE: u32 = 100;

/// Sends allowed back to back before the rate applies: none, calls are
/// evenly spaced (0.6 s apart at the default rate). HelpCrunch does not
/// say whether its 120 a minute is counted over a minute or as 2 a
/// second; evenly spaced calls keep to both, where a burst would trip the
/// second reading with 429s that slow the whole run down.
pub const DEFAULT_BURST: u32 = 1;

/// The slowest the rate falls after repeated 429s: one call every six
/// seconds still finishes a run instead of stalling it.
pub const MIN_RATE_PER_MINUTE: u32 = 10;

/// Attempts per page, the first included. Five attempts with the default
/// back-off span about half a minute of trouble (0.5 + 1 + 2 + 4 s at
/// most, before the jitter), long enough for a rate window or a restart
/// of a server, short enough that a dead network fails in time.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;

/// The longest `Retry-After` obeyed: a server asking for an hour is
/// waited for a minute, then asked again (the attempt budget still ends
/// the run if it keeps refusing).
pub const DEFAULT_RETRY_AFTER_CAP: Duration = Duration::from_secs(60);

/// The first back-off's ceiling; each further attempt doubles it.
pub const DEFAULT_BASE_BACKOFF: Duration = Duration::from_millis(500);

/// No back-off waits longer than this, however many attempts failed.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);

/// How an [`Executor`](super::Executor) paces and retries its calls.
///
/// ```
/// use std::time::Duration;
/// let options = hcq::run::RunOptions::default()
///     .with_rate_per_minute(60)
///     .with_max_attempts(3)
///     .with_seed(7);
/// assert_eq!(options.rate_per_minute, 60);
/// assert_eq!(options.retry_after_cap, Duration::from_secs(60));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunOptions {
    /// Calls per minute when no 429 has been seen ([`DEFAULT_RATE_PER_MINUTE`]).
    pub rate_per_minute: u32,
    /// Calls allowed back to back ([`DEFAULT_BURST`]).
    pub burst: u32,
    /// Attempts per page, the first included ([`DEFAULT_MAX_ATTEMPTS`]).
    pub max_attempts: u32,
    /// The longest `Retry-After` obeyed ([`DEFAULT_RETRY_AFTER_CAP`]).
    pub retry_after_cap: Duration,
    /// The first back-off's ceiling ([`DEFAULT_BASE_BACKOFF`]).
    pub base_backoff: Duration,
    /// The longest back-off ([`DEFAULT_MAX_BACKOFF`]).
    pub max_backoff: Duration,
    /// Seeds the back-off's jitter: one seed, one schedule of waits.
    pub seed: u64,
    /// The most calls the run may send, retries included; `None` (the
    /// default) for no ceiling. Reaching it ends the run with
    /// [`RunError::OverBudget`](super::RunError::OverBudget).
    pub max_requests: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            rate_per_minute: DEFAULT_RATE_PER_MINUTE,
            burst: DEFAULT_BURST,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            retry_after_cap: DEFAULT_RETRY_AFTER_CAP,
            base_backoff: DEFAULT_BASE_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            seed: 0,
            max_requests: None,
        }
    }
}

impl RunOptions {
    /// These options with `rate` calls per minute (at least 1).
    pub fn with_rate_per_minute(self, rate: u32) -> Self {
        RunOptions {
            rate_per_minute: rate.max(1),
            ..self
        }
    }

    /// These options with `burst` calls allowed back to back (at least 1).
    pub fn with_burst(self, burst: u32) -> Self {
        RunOptions {
            burst: burst.max(1),
            ..self
        }
    }

    /// These options with `attempts` per page (at least 1).
    pub fn with_max_attempts(self, attempts: u32) -> Self {
        RunOptions {
            max_attempts: attempts.max(1),
            ..self
        }
    }

    /// These options obeying `Retry-After` up to `cap`.
    pub fn with_retry_after_cap(self, cap: Duration) -> Self {
        RunOptions {
            retry_after_cap: cap,
            ..self
        }
    }

    /// These options with the first back-off's ceiling at `base` and no
    /// back-off above `max`.
    pub fn with_backoff(self, base: Duration, max: Duration) -> Self {
        RunOptions {
            base_backoff: base,
            max_backoff: max,
            ..self
        }
    }

    /// These options with the jitter seeded by `seed`.
    pub fn with_seed(self, seed: u64) -> Self {
        RunOptions { seed, ..self }
    }

    /// These options sending at most `max` calls, retries included.
    pub fn with_max_requests(self, max: u64) -> Self {
        RunOptions {
            max_requests: Some(max),
            ..self
        }
    }
}
