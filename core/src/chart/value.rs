//! Turning field values into the integers Netdata collects.

/// A value that can be sent as a dimension's collected number.
///
/// `scale` is the power of ten a float is multiplied by before it is
/// rounded (half away from zero); the dimension's divisor carries the same
/// factor, so Netdata shows the original value. Integers are multiplied by
/// `scale` too. `None` means "no value this time" (a gap): an empty
/// `Option`, a non-finite float, or a number that does not fit in an `i64`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a Netdata dimension value",
    label = "not an integer, a float or an `Option` of one",
    note = "dimension fields must be integers, `f32`/`f64` with `precision = N`, `Option`s or arrays of those"
)]
pub trait DimensionValue {
    /// Return the number to SET, or `None` for a gap.
    fn collected(&self, scale: i64) -> Option<i64>;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl DimensionValue for $t {
            #[inline]
            fn collected(&self, scale: i64) -> Option<i64> {
                i64::try_from(*self).ok()?.checked_mul(scale)
            }
        }
    )*};
}

int_value!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);

/// Round `x` half away from zero to an `i64`, or `None` if it is not finite or out of range.
#[inline]
pub(crate) fn round_f64(x: f64) -> Option<i64> {
    // 2^63 is exactly representable; anything at or past it does not fit.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    // One comparison refuses NaN, the infinities and what does not fit.
    if x.abs() < LIMIT {
        // `as` truncates toward zero; below 2^52 the fraction is exact. The
        // comparisons add without branches: the fraction of measured values
        // is noise, and a branch on it would be mispredicted half the time.
        let t = x as i64;
        let frac = x - t as f64;
        Some(t + i64::from(frac >= 0.5) - i64::from(frac <= -0.5))
    } else {
        None
    }
}

impl DimensionValue for f64 {
    #[inline]
    fn collected(&self, scale: i64) -> Option<i64> {
        round_f64(*self * scale as f64)
    }
}

impl DimensionValue for f32 {
    #[inline]
    fn collected(&self, scale: i64) -> Option<i64> {
        // Widen exactly to f64 first so the product keeps all of f32's digits.
        round_f64(f64::from(*self) * scale as f64)
    }
}

impl<T: DimensionValue> DimensionValue for Option<T> {
    #[inline]
    fn collected(&self, scale: i64) -> Option<i64> {
        self.as_ref()?.collected(scale)
    }
}

impl<T: DimensionValue + ?Sized> DimensionValue for &T {
    #[inline]
    fn collected(&self, scale: i64) -> Option<i64> {
        (**self).collected(scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_round_instead_of_truncating() {
        assert_eq!(21.5f64.collected(10), Some(215));
        assert_eq!(21.9f64.collected(1), Some(22));
        assert_eq!(21.49f64.collected(1), Some(21));
        assert_eq!((-2.5f64).collected(1), Some(-3));
        assert_eq!((-2.4f64).collected(1), Some(-2));
        assert_eq!(21.7f32.collected(10), Some(217));
        assert_eq!(64.35f64.collected(100), Some(6435));
        assert_eq!(f64::NAN.collected(1), None);
        assert_eq!(f64::INFINITY.collected(1), None);
        assert_eq!(1e19f64.collected(1), None);
        assert_eq!((-9.2e18f64).collected(1), Some(-9_200_000_000_000_000_000));
    }

    #[test]
    fn integers_and_options() {
        assert_eq!(7u8.collected(1), Some(7));
        assert_eq!(7u8.collected(100), Some(700));
        assert_eq!(u64::MAX.collected(1), None);
        assert_eq!(i64::MAX.collected(10), None);
        assert_eq!(Some(3i32).collected(1), Some(3));
        assert_eq!(None::<i32>.collected(1), None);
        let r: &u16 = &5;
        assert_eq!(DimensionValue::collected(&r, 1), Some(5));
    }
}
