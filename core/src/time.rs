//! Timestamps at collectd's resolution.

use core::fmt;

use crate::sink::{Sink, SinkFull, put_decimal};

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

impl Time {
    /// Split into whole seconds and milliseconds as `printf("%.3f", seconds)` rounds them.
    ///
    /// collectd converts the time to a double first, which keeps 53 bits,
    /// and printf rounds the exact binary value half to even. Doing the same
    /// in integers gives the same digits as float formatting, much faster.
    pub fn secs_millis(self) -> (u64, u16) {
        // The double collectd prints, as the integer tick count it holds.
        let ticks = self.0 as f64 as u128;
        let secs = ticks >> 30;
        let scaled = (ticks & ((1 << 30) - 1)) * 1000;
        let (mut millis, rest) = (scaled >> 30, scaled & ((1 << 30) - 1));
        let half = 1 << 29;
        if rest > half || (rest == half && millis % 2 == 1) {
            millis += 1;
        }
        let secs = secs + millis / 1000;
        // Both fit: ticks < 2^64 and millis ≤ 999 after the carry.
        (secs as u64, (millis % 1000) as u16)
    }
}

impl Time {
    /// Write the seconds with three decimals, as `printf("%.3f")` does, followed by `tail`.
    #[inline]
    pub(crate) fn put_secs_millis<S: Sink + ?Sized>(
        self,
        out: &mut S,
        tail: &[u8],
    ) -> Result<(), SinkFull> {
        let (secs, millis) = self.secs_millis();
        put_decimal(out, false, secs, b".")?;
        // Three digits and a short tail go out in one piece.
        let mut buf = [
            b'0' + (millis / 100) as u8,
            b'0' + (millis / 10 % 10) as u8,
            b'0' + (millis % 10) as u8,
            0,
            0,
        ];
        match buf.get_mut(3..3 + tail.len()) {
            Some(room) => {
                room.copy_from_slice(tail);
                out.put(buf.get(..3 + tail.len()).unwrap_or_default())
            }
            None => {
                out.put(buf.get(..3).unwrap_or_default())?;
                out.put(tail)
            }
        }
    }
}

impl fmt::Display for Time {
    /// Print seconds with three decimals, as LISTVAL does (`%.3f`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, millis) = self.secs_millis();
        write!(f, "{secs}.{millis:03}")
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
    fn integer_rounding_matches_float_formatting() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let check = |t: u64| {
            let mut ours = heapless::String::<48>::new();
            let mut float = heapless::String::<48>::new();
            core::fmt::write(&mut ours, format_args!("{}", Time(t))).unwrap();
            core::fmt::write(&mut float, format_args!("{:.3}", Time(t).as_secs_f64())).unwrap();
            assert_eq!(ours, float, "ticks {t}");
        };
        // Ties, carries and the edges of the range.
        for t in [
            0,
            1,
            1 << 29,
            3 << 29,
            (1 << 30) - 1,
            u64::MAX,
            u64::MAX >> 1,
        ] {
            check(t);
        }
        for secs in [0u64, 1, 1_700_000_000, 1_800_000_000] {
            for frac in [0.0625, 0.1875, 0.0005, 0.9995, 0.9999999, 0.25] {
                check(Time::from_secs_f64(secs as f64 + frac).0);
            }
        }
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            check(state);
            check(state >> 3);
            check(state % (2_000_000_000u64 << 30));
        }
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
