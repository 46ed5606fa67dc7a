//! collectd's rules for turning raw values into rates.
//!
//! These are the helpers behind [`ValueCache`](super::ValueCache), usable on
//! their own: [`first_rate`] for the first sample of a value,
//! [`rate`] for every later one and [`counter_diff`] for COUNTER wrap-around.
//! Range checks are [`DataSource::clamp_rate`](crate::dataset::DataSource::clamp_rate).

use crate::time::Time;
use crate::value::Value;

/// Return how far a COUNTER moved from `old` to `new`, assuming it wrapped if it went down.
///
/// A counter that was at most 2^32 − 1 is taken to have wrapped at 32 bits,
/// a larger one at 64 bits, exactly as collectd's `counter_diff`.
pub const fn counter_diff(old: u64, new: u64) -> u64 {
    if old <= new {
        new - old
    } else if old <= u32::MAX as u64 {
        (u32::MAX as u64 - old) + new + 1
    } else {
        (u64::MAX - old) + new + 1
    }
}

/// Return the rate of the first sample of a value (collectd's `uc_insert`).
///
/// A GAUGE reads as itself, COUNTER and DERIVE as NaN (no rate without a
/// previous sample) and ABSOLUTE as its count divided by `interval`, or NaN
/// when the interval is zero.
pub fn first_rate(value: Value, interval: Time) -> f64 {
    match value {
        Value::Gauge(v) => v,
        Value::Derive(_) | Value::Counter(_) => f64::NAN,
        Value::Absolute(v) if interval.0 > 0 => v as f64 / interval.as_secs_f64(),
        Value::Absolute(_) => f64::NAN,
    }
}

/// Return the rate between two samples `dt` apart (collectd's `uc_update`).
///
/// GAUGE reads as the new value, DERIVE as the signed change per second,
/// COUNTER as its [`counter_diff`] per second and ABSOLUTE as the new count
/// per second. Values of different types give NaN.
pub fn rate(old: Value, new: Value, dt: Time) -> f64 {
    let secs = dt.as_secs_f64();
    match (old, new) {
        (_, Value::Gauge(v)) => v,
        (Value::Derive(o), Value::Derive(n)) => n.wrapping_sub(o) as f64 / secs,
        (Value::Counter(o), Value::Counter(n)) => counter_diff(o, n) as f64 / secs,
        (Value::Absolute(_), Value::Absolute(n)) => n as f64 / secs,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1 << 30;

    fn at(old: Value, t0: u64, new: Value, t1: u64) -> f64 {
        rate(old, new, Time((t1 - t0) * S))
    }

    // collectd's common_test.c, value_to_rate.
    #[test]
    fn value_to_rate_vectors() {
        assert_eq!(at(Value::Derive(1000), 10, Value::Derive(2000), 20), 100.0);
        assert_eq!(at(Value::Derive(2000), 20, Value::Derive(1800), 30), -20.0);
        assert_eq!(
            at(Value::Counter(1000), 10, Value::Counter(5000), 20),
            400.0
        );
        let wrap32 = at(Value::Counter(4_294_967_238), 20, Value::Counter(42), 30);
        assert_eq!(wrap32, 10.0);
        let wrap64 = at(
            Value::Counter(18_446_744_073_709_551_558),
            30,
            Value::Counter(42),
            40,
        );
        assert_eq!(wrap64, 10.0);
        assert!(first_rate(Value::Derive(1000), Time(10 * S)).is_nan());
        assert!(first_rate(Value::Counter(1000), Time(10 * S)).is_nan());
    }

    // collectd 6.0's utils_cache_test.c, samples at 100 and 110 s.
    #[test]
    fn utils_cache_vectors() {
        assert_eq!(at(Value::Gauge(1.0), 100, Value::Gauge(2.0), 110), 2.0);
        assert_eq!(at(Value::Gauge(100.0), 100, Value::Gauge(21.5), 110), 21.5);
        assert_eq!(at(Value::Counter(42), 100, Value::Counter(102), 110), 6.0);
        let max32 = u64::from(u32::MAX);
        assert_eq!(
            at(Value::Counter(max32 - 23), 100, Value::Counter(18), 110),
            4.2
        );
        assert_eq!(
            at(Value::Counter(u64::MAX - 23), 100, Value::Counter(18), 110),
            4.2
        );
    }

    #[test]
    fn counter_diff_wraps_like_collectd() {
        assert_eq!(counter_diff(5, 7), 2);
        assert_eq!(counter_diff(7, 7), 0);
        assert_eq!(counter_diff(u64::from(u32::MAX), 0), 1);
        assert_eq!(counter_diff(u64::MAX, 0), 1);
        assert_eq!(counter_diff(1 << 32, 0), u64::MAX - (1 << 32) + 1);
        // Any decrease is a wrap: 1000 → 500 over 10 s.
        assert_eq!(counter_diff(1000, 500), 4_294_966_796);
        let r = at(Value::Counter(1000), 0, Value::Counter(500), 10);
        assert!((r - 429_496_679.6).abs() < 1e-6);
    }

    #[test]
    fn fractional_and_extreme_intervals() {
        let half = Time(S / 2);
        assert_eq!(rate(Value::Derive(0), Value::Derive(50), half), 100.0);
        assert_eq!(rate(Value::Absolute(7), Value::Absolute(25), half), 50.0);
        let tick = Time(1);
        assert_eq!(rate(Value::Derive(0), Value::Derive(1), tick), S as f64);
        // DERIVE subtraction wraps instead of overflowing.
        let r = rate(Value::Derive(i64::MAX), Value::Derive(i64::MIN), Time(S));
        assert_eq!(r, 1.0);
    }

    #[test]
    fn first_samples() {
        assert_eq!(first_rate(Value::Gauge(42.5), Time::ZERO), 42.5);
        assert_eq!(first_rate(Value::Absolute(100), Time(10 * S)), 10.0);
        assert!(first_rate(Value::Absolute(100), Time::ZERO).is_nan());
        assert!(first_rate(Value::Gauge(f64::NAN), Time(S)).is_nan());
    }

    #[test]
    fn mixed_types_give_nan() {
        assert!(rate(Value::Counter(1), Value::Derive(2), Time(S)).is_nan());
        assert_eq!(rate(Value::Counter(1), Value::Gauge(2.0), Time(S)), 2.0);
    }
}
