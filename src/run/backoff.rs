//! How long to wait before a retry: `Retry-After` capped, or exponential
//! back-off with full jitter drawn from a seeded generator.

use std::time::Duration;

/// SplitMix64 (Steele, Lea and Flood, 2014): ten lines instead of a
/// dependency, no I/O, and the same seed gives the same waits on every
/// platform and every version, so a test's schedule never shifts.
#[derive(Clone, Debug)]
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new(seed: u64) -> Self {
        Jitter(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..=max`, by the multiply-shift map: its bias is
    /// below 2^-64 per value, far under anything a wait can show.
    pub(crate) fn up_to(&mut self, max: u64) -> u64 {
        let span = u128::from(max) + 1;
        ((u128::from(self.next()) * span) >> 64) as u64
    }
}

/// The wait before attempt `failed + 1` after `failed` failed attempts
/// (`failed >= 1`): `retry_after` capped at `cap` when the server named
/// one, else uniformly in `0..=min(max, base * 2^(failed - 1))`. Full
/// jitter (AWS's "Exponential Backoff and Jitter") spreads clients that
/// failed together, so they do not come back together.
pub(crate) fn delay(
    failed: u32,
    retry_after: Option<Duration>,
    cap: Duration,
    base: Duration,
    max: Duration,
    jitter: &mut Jitter,
) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(cap);
    }
    let doublings = failed.saturating_sub(1);
    let ceiling = base.saturating_mul(2u32.saturating_pow(doublings)).min(max);
    let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(jitter.up_to(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: Duration = Duration::from_millis(500);
    const MAX: Duration = Duration::from_secs(30);
    const CAP: Duration = Duration::from_secs(60);

    #[test]
    fn retry_after_is_obeyed_up_to_the_cap() {
        let mut jitter = Jitter::new(1);
        let three = Duration::from_secs(3);
        assert_eq!(delay(1, Some(three), CAP, BASE, MAX, &mut jitter), three);
        let hour = Duration::from_secs(3600);
        assert_eq!(delay(4, Some(hour), CAP, BASE, MAX, &mut jitter), CAP);
    }

    #[test]
    fn full_jitter_stays_within_the_doubling_ceiling_and_uses_all_of_it() {
        let mut jitter = Jitter::new(42);
        for failed in 1..=10u32 {
            let ceiling = (BASE * (1 << (failed - 1))).min(MAX);
            let waits: Vec<Duration> = (0..2000)
                .map(|_| delay(failed, None, CAP, BASE, MAX, &mut jitter))
                .collect();
            assert!(waits.iter().all(|&w| w <= ceiling), "attempt {failed}");
            // Full jitter: waits near zero and near the ceiling both occur.
            assert!(waits.iter().any(|&w| w < ceiling / 10), "attempt {failed}");
            assert!(
                waits.iter().any(|&w| w > ceiling * 9 / 10),
                "attempt {failed}"
            );
        }
    }

    #[test]
    fn many_failures_never_overflow_and_stay_capped() {
        let mut jitter = Jitter::new(3);
        for failed in [33, 64, u32::MAX] {
            assert!(delay(failed, None, CAP, BASE, MAX, &mut jitter) <= MAX);
        }
    }

    #[test]
    fn one_seed_one_schedule() {
        let draw = |seed| {
            let mut jitter = Jitter::new(seed);
            (0..8).map(|_| jitter.up_to(1_000_000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }

    #[test]
    fn up_to_zero_is_zero() {
        let mut jitter = Jitter::new(5);
        assert!((0..100).all(|_| jitter.up_to(0) == 0));
    }
}
