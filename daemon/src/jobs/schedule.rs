//! When jobs run: aligned periods and python.d's penalty rule.

use std::time::Duration;

/// Return the next multiple of `period` after `now`: `now − now % period + period`.
///
/// Jobs with the same period thus run at the same moments, however long
/// each collection takes; a zero period is treated as 1 ns.
pub fn next_aligned(now: Duration, period: Duration) -> Duration {
    let p = period.as_nanos().max(1);
    let n = now.as_nanos();
    let next = n - n % p + p;
    Duration::from_nanos(u64::try_from(next).unwrap_or(u64::MAX))
}

/// Longest penalty, in seconds, as python.d.
pub const MAX_PENALTY: u32 = 600;

/// Consecutive failures and the back-off they earned (python.d's rule).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Penalty {
    retries: u32,
    seconds: u32,
}

impl Penalty {
    /// Record a failed run of a job collecting every `update_every` seconds.
    ///
    /// Every 5th consecutive failure sets the penalty to
    /// `min(retries × update_every / 2, 600)` seconds when `enabled`.
    pub fn failed(&mut self, update_every: u32, enabled: bool) {
        self.retries = self.retries.saturating_add(1);
        if enabled && self.retries.is_multiple_of(5) {
            let half = u64::from(self.retries) * u64::from(update_every) / 2;
            self.seconds = half.min(u64::from(MAX_PENALTY)) as u32;
        }
    }

    /// Record a successful run: no more penalty.
    pub fn succeeded(&mut self) {
        *self = Penalty::default();
    }

    /// Return the consecutive failures so far.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// Return the seconds added to the job's period.
    pub fn seconds(&self) -> u32 {
        self.seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_to_multiples() {
        let s = Duration::from_secs;
        assert_eq!(next_aligned(s(0), s(5)), s(5));
        assert_eq!(next_aligned(s(4), s(5)), s(5));
        assert_eq!(next_aligned(s(5), s(5)), s(10));
        assert_eq!(next_aligned(Duration::from_millis(7_300), s(2)), s(8));
    }

    #[test]
    fn penalty_follows_python_d() {
        let mut p = Penalty::default();
        let mut seen = Vec::new();
        for _ in 0..20 {
            p.failed(10, true);
            seen.push(p.seconds());
        }
        assert_eq!(
            seen,
            [
                0, 0, 0, 0, 25, 25, 25, 25, 25, 50, 50, 50, 50, 50, 75, 75, 75, 75, 75, 100
            ]
        );
        for _ in 0..1000 {
            p.failed(10, true);
        }
        assert_eq!(p.seconds(), MAX_PENALTY);
        p.succeeded();
        assert_eq!((p.retries(), p.seconds()), (0, 0));
        let mut off = Penalty::default();
        for _ in 0..10 {
            off.failed(10, false);
        }
        assert_eq!((off.retries(), off.seconds()), (10, 0));
    }
}
