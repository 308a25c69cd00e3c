//! `hcq run`'s progress line on stderr: which segment, requests read,
//! calls sent, rows, and what it is waiting for. Drawn only when stderr
//! is a terminal (a script's log gets the one-line summary instead), and
//! cleared before anything else is written there.

use crate as hcq;
use hcq::run::{Executor, Waiting};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// How often the line is redrawn while the driver sleeps.
const TICK: Duration = Duration::from_millis(120);

/// The progress line, or nothing.
pub(super) struct Progress {
    /// Whether a line is drawn at all.
    shown: bool,
    /// The line of the run under way: a cleared bar draws no more, so
    /// each run gets its own.
    bar: Option<ProgressBar>,
    /// What is being run: the segment's name, or nothing for an expression.
    label: String,
}

impl Progress {
    /// A progress line when `shown` (stderr is a terminal and not
    /// `--quiet`), else one that draws nothing.
    pub(super) fn new(shown: bool) -> Progress {
        Progress {
            shown,
            bar: None,
            label: String::new(),
        }
    }

    /// The next run is of segment `name`.
    pub(super) fn start(&mut self, name: Option<&str>) {
        self.clear();
        self.label = name.map(|name| format!("{name}: ")).unwrap_or_default();
        self.bar = self.shown.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(TICK);
            bar.set_message(format!("{}starting", self.label));
            bar
        });
    }

    /// The run moved on; `wait` is how long it now sleeps, if it does.
    pub(super) fn update(&mut self, executor: &Executor, wait: Option<Duration>) {
        if let Some(bar) = &self.bar {
            bar.set_message(line(&self.label, executor, wait));
        }
    }

    /// Runs `write` with the line out of the way: rows printed to a
    /// terminal that also shows the line would otherwise run into it.
    pub(super) fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// Clears the line, so what follows on stderr starts clean.
    pub(super) fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// `leads: 2/3 requests read · 7 calls · 250 rows · waiting 1.5 s (rate limit)`.
fn line(label: &str, executor: &Executor, wait: Option<Duration>) -> String {
    let stats = executor.stats();
    let (done, requests) = executor.requests_done();
    let mut text = format!(
        "{label}{done}/{requests} requests read · {} · {}",
        plural(stats.requests_sent, "call", "calls"),
        plural(stats.rows, "row", "rows")
    );
    if let (Some(wait), Some(why)) = (wait, executor.waiting()) {
        let why = match why {
            Waiting::Rate => "rate limit",
            Waiting::RetryAfter => "Retry-After",
            Waiting::Backoff => "retrying",
        };
        text.push_str(&format!(" · waiting {:.1} s ({why})", wait.as_secs_f64()));
    }
    text
}

/// `1 row`, `2 rows`.
pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcq::run::{Reply, RunOptions, Step};

    #[test]
    fn the_line_says_what_the_run_is_doing() {
        let options = hcq::Options::at("2024-06-01T00:00:00Z".parse().unwrap());
        let plan = hcq::compile("tag = Lead or tag = Paid and city = Kyiv", &options)
            .unwrap()
            .plan;
        let run = RunOptions::default().with_rate_per_minute(60).with_burst(1);
        let mut executor = Executor::new(&plan, run);
        let Step::Send(call) = executor.poll(Duration::ZERO) else {
            panic!("a first call");
        };
        let body = r#"{"data": [], "total": 0}"#;
        executor.answer(call.id, Duration::ZERO, Reply::new(200, None, body));
        let Step::Wait(until) = executor.poll(Duration::ZERO) else {
            panic!("the rate holds the second call");
        };
        assert_eq!(
            line("leads: ", &executor, Some(until)),
            "leads: 1/2 requests read · 1 call · 0 rows · waiting 1.0 s (rate limit)"
        );
        // Hidden when not shown: nothing is drawn, nothing fails.
        let mut hidden = Progress::new(false);
        hidden.start(Some("leads"));
        hidden.update(&executor, None);
        hidden.clear();
    }
}
