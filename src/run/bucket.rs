//! The rate limit: a token bucket whose rate halves after a 429 and
//! climbs back one call per minute per success.

use super::options::MIN_RATE_PER_MINUTE;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

/// A token bucket of `burst` tokens refilled at `rate` per minute.
///
/// It is kept as the generic cell rate algorithm's "theoretical arrival
/// time" rather than a fractional token count: the same limit, computed
/// in whole nanoseconds, so no rounding lets a send through early.
#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    /// The configured rate, which recovery climbs back to.
    ceiling: u32,
    /// The rate in force.
    rate: u32,
    burst: u32,
    /// When the bucket would be full again if nothing else were sent.
    full_at: Duration,
    /// When the rate was last halved.
    slowed_at: Option<Duration>,
}

impl Bucket {
    pub(crate) fn new(rate_per_minute: u32, burst: u32) -> Self {
        let rate = rate_per_minute.max(1);
        Bucket {
            ceiling: rate,
            rate,
            burst: burst.max(1),
            full_at: Duration::ZERO,
            slowed_at: None,
        }
    }

    fn interval(&self) -> Duration {
        MINUTE / self.rate
    }

    /// The earliest time a token is available.
    pub(crate) fn ready_at(&self) -> Duration {
        // The burst's slack is measured at the configured rate, not the
        // rate in force: slack grown by a halved rate would let a burst
        // through right after a 429. So a slowed bucket also bursts less.
        let slack = (MINUTE / self.ceiling) * (self.burst - 1);
        self.full_at.saturating_sub(slack)
    }

    /// Takes a token at `now`; `false` (and nothing taken) if none is there.
    pub(crate) fn take(&mut self, now: Duration) -> bool {
        if now < self.ready_at() {
            return false;
        }
        self.full_at = self.full_at.max(now) + self.interval();
        true
    }

    /// A 429 at `now` to a call sent at `sent_at`: the server thinks we
    /// send too fast, whatever we counted. Halving (multiplicative
    /// decrease) backs off quickly from a budget shared with clients we
    /// cannot see. Once per overload: a 429 to a call sent before the last
    /// halving answers the pace already halved, and halves nothing more.
    pub(crate) fn slow_down(&mut self, sent_at: Duration, now: Duration) {
        if self.slowed_at.is_some_and(|slowed| sent_at < slowed) {
            return;
        }
        self.slowed_at = Some(now);
        self.rate = (self.rate / 2).max(MIN_RATE_PER_MINUTE.min(self.ceiling));
    }

    /// A success: one call per minute more, up to the configured rate
    /// (additive increase). From half the default rate it takes fifty
    /// successful calls, over half a minute, to be back at full speed, so
    /// one lucky answer does not bring the next 429 straight back.
    pub(crate) fn recover(&mut self) {
        self.rate = (self.rate + 1).min(self.ceiling);
    }

    /// The rate in force, calls per minute.
    pub(crate) fn rate(&self) -> u32 {
        self.rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_full_bucket_sends_its_burst_then_one_per_interval() {
        let mut bucket = Bucket::new(60, 3);
        assert!(bucket.take(Duration::ZERO));
        assert!(bucket.take(Duration::ZERO));
        assert!(bucket.take(Duration::ZERO));
        assert!(!bucket.take(Duration::ZERO));
        assert_eq!(bucket.ready_at(), Duration::from_secs(1));
        assert!(!bucket.take(999 * MS));
        assert!(bucket.take(Duration::from_secs(1)));
        assert_eq!(bucket.ready_at(), Duration::from_secs(2));
    }

    #[test]
    fn an_idle_bucket_refills_no_further_than_its_burst() {
        let mut bucket = Bucket::new(60, 2);
        let later = Duration::from_secs(3600);
        assert!(bucket.take(later));
        assert!(bucket.take(later));
        assert!(!bucket.take(later));
    }

    #[test]
    fn a_429_halves_the_rate_down_to_the_floor_and_successes_climb_back() {
        let mut bucket = Bucket::new(100, 1);
        bucket.slow_down(Duration::from_secs(100), Duration::from_secs(100));
        assert_eq!(bucket.rate(), 50);
        for t in 0..10 {
            let t = Duration::from_secs(200 + t);
            bucket.slow_down(t, t);
        }
        assert_eq!(bucket.rate(), MIN_RATE_PER_MINUTE);
        for _ in 0..5 {
            bucket.recover();
        }
        assert_eq!(bucket.rate(), MIN_RATE_PER_MINUTE + 5);
        for _ in 0..1000 {
            bucket.recover();
        }
        assert_eq!(bucket.rate(), 100);
    }

    #[test]
    fn one_overload_halves_the_rate_once() {
        let mut bucket = Bucket::new(100, 1);
        let second = Duration::from_secs(1);
        bucket.slow_down(Duration::ZERO, second);
        // Sent before that halving: the same burst of trouble.
        bucket.slow_down(Duration::ZERO, second * 2);
        bucket.slow_down(second / 2, second * 2);
        assert_eq!(bucket.rate(), 50);
        // Sent at the halved pace and still refused: halve again.
        bucket.slow_down(second * 3, second * 4);
        assert_eq!(bucket.rate(), 25);
    }

    #[test]
    fn a_rate_below_the_floor_is_never_raised_by_a_429() {
        let mut bucket = Bucket::new(4, 1);
        bucket.slow_down(Duration::from_secs(300), Duration::from_secs(300));
        assert_eq!(bucket.rate(), 4);
    }

    #[test]
    fn a_429_never_widens_the_burst() {
        let mut bucket = Bucket::new(60, 3);
        assert!(bucket.take(Duration::ZERO));
        bucket.slow_down(Duration::from_secs(400), Duration::from_secs(400));
        // Two more back to back at 60/min; at 30/min the second must wait.
        assert!(bucket.take(Duration::ZERO));
        assert!(!bucket.take(Duration::ZERO));
        assert_eq!(bucket.ready_at(), Duration::from_secs(1));
    }

    #[test]
    fn a_slower_rate_spaces_sends_further() {
        let mut bucket = Bucket::new(60, 1);
        assert!(bucket.take(Duration::ZERO));
        bucket.slow_down(Duration::from_secs(500), Duration::from_secs(500));
        assert!(bucket.take(Duration::from_secs(1)));
        assert_eq!(bucket.ready_at(), Duration::from_secs(3));
    }
}
