//! Timestamps at collectd's resolution.

use core::fmt;

/// A point in time or a duration, in units of 2^-30 seconds since the epoch.
///
/// This is collectd's `cdtime_t`: about a nanosecond of resolution and a
/// range of some 544 years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Time(pub u64);

impl Time {
    /// The zero time, which PUTVAL treats as "now".
    pub const ZERO: Time = Time(0);

    /// Convert seconds to a time, truncating as collectd's `DOUBLE_TO_CDTIME_T` does.
    ///
    /// Negative, NaN and out-of-range inputs saturate to zero or `u64::MAX`.
    pub fn from_secs_f64(secs: f64) -> Time {
        // `as` saturates and maps NaN to 0, which is what we want here.
        Time((secs * 1_073_741_824.0) as u64)
    }

    /// Convert whole seconds to a time.
    pub const fn from_secs(secs: u64) -> Time {
        Time(secs.saturating_mul(1 << 30))
    }

    /// Return the time in seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_073_741_824.0
    }

    /// Return `self - earlier`, or zero if `earlier` is later.
    pub const fn saturating_sub(self, earlier: Time) -> Time {
        Time(self.0.saturating_sub(earlier.0))
    }

    /// Return `self + other`, saturating at the end of time.
    pub const fn saturating_add(self, other: Time) -> Time {
        Time(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Time {
    /// Print seconds with three decimals, as LISTVAL does (`%.3f`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from collectd's utils_time_test.c.
    #[test]
    fn conversions_match_collectd() {
        assert_eq!(Time(10_737_418_240).as_secs_f64(), 10.0);
        assert_eq!(Time::from_secs_f64(10.0), Time(10_737_418_240));
        assert_eq!(
            Time(1_542_908_534_771_941_376).as_secs_f64(),
            1_436_945_549.0
        );
        let t = Time(1_542_908_535_540_740_522).as_secs_f64();
        assert!((t - 1_436_945_549.716).abs() < 1e-6);
    }

    #[test]
    fn display_has_three_decimals() {
        let mut s = heapless::String::<32>::new();
        core::fmt::write(
            &mut s,
            format_args!("{}", Time::from_secs_f64(1700000000.5)),
        )
        .unwrap();
        assert_eq!(s.as_str(), "1700000000.500");
    }
}
