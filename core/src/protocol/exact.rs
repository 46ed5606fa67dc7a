//! Exact conversions between doubles and decimal text, without `core`'s float formatting and parsing.
//!
//! `core`'s float formatting and parsing are fast but large: in the
//! size-optimised no_std build they were some 17 KB of code and 12 KB of
//! tables. collectd's protocol needs only two conversions:
//!
//! - [`exp_digits`]: the seven significant digits `printf("%.6e")` prints,
//!   rounded from the exact binary value to nearest, ties to even;
//! - [`decimal_parts`]: decimal text to 64 bits of its exact binary value
//!   plus a sticky bit, which the caller rounds once to a double.
//!
//! Both work on exact ratios of big integers ([`Big`]), so every answer is
//! the correctly rounded one, the same bits `core` and glibc give. Numbers
//! that fit take the same steps in `u128`s, and the reader first tries
//! Clinger's shortcut (a short mantissa times or over an exact power of
//! ten), as exponent forms such as `1.5e-05` always come here rather than
//! to the quick reader.

use core::cmp::Ordering;

use super::bignum::Big;

/// `10^6`: the least seven-digit significand.
const SEVEN_DIGITS: u32 = 1_000_000;

/// Return `|v|`'s seven significant digits, rounded to nearest with ties to even, and its decimal exponent.
///
/// `v` must be finite. The digits are an integer `q` with
/// `10^6 ≤ q < 10^7` (or 0 for zero), so that `|v| ≈ q × 10^(exp − 6)`;
/// `%.6e` prints `q`'s first digit, a point, the other six and `e<exp>`.
pub(crate) fn exp_digits(v: f64) -> (u32, i32) {
    let (mut m, e) = double_parts(v.abs());
    let mut e = e as i32;
    if m == 0 {
        return (0, 0);
    }
    let zeros = m.trailing_zeros();
    m >>= zeros;
    e += zeros as i32;
    // ⌊log10 2^b⌋ for 2^b ≤ |v| < 2^(b+1); 78913 / 2^18 is close enough
    // to log10(2) for this to be exact for |b| ≤ 1650.
    let log2 = 63 - m.leading_zeros() as i32 + e;
    let mut exp = (log2 * 78_913) >> 18;
    // |v| × 10^scale lies in [10^6, 2 × 10^7).
    let scale = 6 - exp;
    let (mut q, tenth, rest) = seven_digits(m, e, scale);
    exp += i32::from(tenth);
    if rest == Ordering::Greater || (rest == Ordering::Equal && q % 2 == 1) {
        q += 1;
    }
    if q == 10 * SEVEN_DIGITS {
        q = SEVEN_DIGITS;
        exp += 1;
    }
    (q, exp)
}

/// Return `(m, e)` with `m < 2^53` and `v = m × 2^e` for a finite non-negative double.
fn double_parts(v: f64) -> (u64, i64) {
    let bits = v.to_bits();
    let biased = (bits >> 52) as i64;
    let fraction = bits & ((1 << 52) - 1);
    match biased {
        0 => (fraction, -1074),
        _ => (fraction | 1 << 52, biased - 1075),
    }
}

/// Return the seven-digit quotient of `m × 2^e × 10^scale`, whether it was divided by ten more, and how the remainder compares with half the divisor.
///
/// The quotient of `m × 2^e × 10^scale` must lie in `[10^6, 2 × 10^7)`;
/// past `10^7` the divisor takes another factor ten.
fn seven_digits(m: u64, e: i32, scale: i32) -> (u32, bool, Ordering) {
    let mut num = Big::from_u64(m);
    let mut den = Big::from_u64(1);
    let twos = if e >= 0 { &mut num } else { &mut den };
    twos.shl(e.unsigned_abs() as usize);
    let tens = if scale >= 0 { &mut num } else { &mut den };
    tens.mul_pow5(scale.unsigned_abs());
    tens.shl(scale.unsigned_abs() as usize);
    // Long division, one decimal digit at a time, by den × 10^6.
    den.mul_pow5(6);
    den.shl(6);
    let mut ten_den = den.clone();
    ten_den.mul_add(10, 0);
    let tenth = num >= ten_den;
    if tenth {
        den = ten_den;
    }
    // Below 2^124 the remainder times ten fits in a u128.
    if let (Some(n), Some(d)) = (num.to_u128(), den.to_u128().filter(|d| d >> 124 == 0)) {
        let (q, rest) = decimal_digits_u128(n, d);
        return (q, tenth, rest);
    }
    let mut q = 0;
    for i in 0..7 {
        if i > 0 {
            num.mul_add(10, 0);
        }
        let mut digit = 0;
        while num >= den {
            num.sub(&den);
            digit += 1;
        }
        q = q * 10 + digit;
    }
    num.mul_add(2, 0);
    (q, tenth, num.cmp(&den))
}

/// Return [`seven_digits`]' long division for a `num < 10 × den` and a `den` below 2^124, in `u128`s.
fn decimal_digits_u128(mut num: u128, den: u128) -> (u32, Ordering) {
    let mut q = 0;
    for i in 0..7 {
        if i > 0 {
            num *= 10;
        }
        let mut digit = 0;
        while num >= den {
            num -= den;
            digit += 1;
        }
        q = q * 10 + digit;
    }
    (q, (num * 2).cmp(&den))
}

/// The most significant digits of a decimal that are kept; later ones only count as zero or not.
///
/// A double's halfway points have at most 767 significant digits, so
/// digits past those can only break a tie, and one non-zero digit in
/// their place does the same.
const MAX_DIGITS: usize = 800;

/// The significant digits of a decimal, read into a [`Big`] 19 at a time.
struct Digits {
    value: Big,
    chunk: u64,
    chunk_len: u32,
    kept: usize,
    sticky: bool,
}

impl Digits {
    /// Return an empty digit string.
    fn new() -> Digits {
        Digits {
            value: Big::from_u64(0),
            chunk: 0,
            chunk_len: 0,
            kept: 0,
            sticky: false,
        }
    }

    /// Append digit `d`; return whether it fell past [`MAX_DIGITS`] and was dropped.
    fn push(&mut self, d: u8) -> bool {
        if self.kept == 0 && d == 0 {
            return false; // a leading zero
        }
        if self.kept == MAX_DIGITS {
            self.sticky |= d != 0;
            return true;
        }
        self.chunk = self.chunk * 10 + u64::from(d);
        self.chunk_len += 1;
        self.kept += 1;
        if self.chunk_len == 19 {
            self.flush();
        }
        false
    }

    /// Move the pending chunk of digits into the big integer.
    fn flush(&mut self) {
        self.value.mul_add(10u64.pow(self.chunk_len), self.chunk);
        self.chunk = 0;
        self.chunk_len = 0;
    }
}

/// Return the exponent of text `[eE][+-]digits`, saturating far past any double's range; 0 for other text.
fn exponent(text: &[u8]) -> i64 {
    let Some((b'e' | b'E', rest)) = text.split_first() else {
        return 0;
    };
    let (negative, digits) = match rest.split_first() {
        Some((b'-', digits)) => (true, digits),
        Some((b'+', digits)) => (false, digits),
        _ => (false, rest),
    };
    let written = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            (acc * 10 + i64::from(b - b'0')).min(1 << 40)
        });
    if negative { -written } else { written }
}

/// Return the magnitude of decimal text as `(mantissa, exp)`, its value being `mantissa × 2^exp` rounded once.
///
/// The text is `[+-]digits[.digits][(e|E)[+-]digits]`, where either run
/// of digits may be empty but not both; the sign is skipped. A non-zero
/// mantissa has 64 significant bits, the exact value's first 64, with
/// the lowest one also set if any bit below them is: rounding that to a
/// double, ties to even, rounds the exact value correctly. Zero is
/// `(0, 0)`, and values far past the largest double have a huge `exp`.
pub(crate) fn decimal_parts(text: &[u8]) -> (u64, i64) {
    let body = match text.split_first() {
        Some((b'-' | b'+', rest)) => rest,
        _ => text,
    };
    let mut digits = Digits::new();
    let mut exp: i64 = 0;
    let mut point = false;
    let mut rest = body;
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'.' => point = true,
            b'0'..=b'9' => exp += i64::from(digits.push(b - b'0')) - i64::from(point),
            _ => break,
        }
        rest = tail;
    }
    exp = exp.saturating_add(exponent(rest));
    digits.flush();
    if digits.sticky {
        digits.value.mul_add(10, 1);
        digits.kept += 1;
        exp -= 1;
    }
    if digits.value.is_zero() {
        return (0, 0);
    }
    if let Some(v) = digits.value.to_u64().and_then(|m| clinger(m, exp)) {
        return double_parts(v);
    }
    ratio_parts(digits.value, digits.kept as i64, exp)
}

/// Return `m × 10^exp` when one division or multiplication of exact doubles gives it (Clinger's fast path), else `None`.
///
/// `m ≤ 2^53` and `10^|exp|` for `|exp| ≤ 22` are exact doubles, and one
/// IEEE operation on them rounds the exact result correctly.
fn clinger(m: u64, exp: i64) -> Option<f64> {
    if m > 1 << 53 || exp.unsigned_abs() > 22 {
        return None;
    }
    // Each product is exact: 10^k = 2^k × 5^k with 5^22 < 2^53.
    let mut pow = 1.0;
    for _ in 0..exp.unsigned_abs() {
        pow *= 10.0;
    }
    let m = m as f64;
    Some(if exp < 0 { m / pow } else { m * pow })
}

/// Return [`decimal_parts`] for the value `num × 10^exp`, where `num` has `count` digits.
fn ratio_parts(mut num: Big, count: i64, exp: i64) -> (u64, i64) {
    if count - 1 + exp > 309 {
        return (1, 4_000); // at least 10^310, past any double
    }
    if count + exp < -324 {
        return (0, 0); // below 10^-324, under half the least subnormal
    }
    // Both bounds keep |exp| ≤ 324 + MAX_DIGITS + 1.
    let mut den = Big::from_u64(1);
    if exp >= 0 {
        num.mul_pow5(exp as u32);
    } else {
        den.mul_pow5(exp.unsigned_abs() as u32);
    }
    // The value is num / den × 2^exp; make 1 ≤ num / den < 2.
    let shift = den.bit_len() as i64 - num.bit_len() as i64;
    if shift >= 0 {
        num.shl(shift as usize);
    } else {
        den.shl(shift.unsigned_abs() as usize);
    }
    let mut exp = exp - shift;
    if num < den {
        num.shl(1);
        exp -= 1;
    }
    (quotient_bits(num, &den), exp - 63)
}

/// Return the first 64 bits of `num / den`, which lies in `[1, 2)`, with the lowest also set for a remainder.
fn quotient_bits(mut num: Big, den: &Big) -> u64 {
    let mut q = 0u64;
    // Below 2^126, twice the remainder fits in a u128.
    if let (Some(mut n), Some(d)) = (num.to_u128(), den.to_u128().filter(|d| d >> 126 == 0)) {
        for _ in 0..64 {
            q <<= 1;
            if n >= d {
                n -= d;
                q |= 1;
            }
            n <<= 1;
        }
        return q | u64::from(n != 0);
    }
    // Binary long division: 64 quotient bits, then the sticky bit.
    for _ in 0..64 {
        q <<= 1;
        if num >= *den {
            num.sub(den);
            q |= 1;
        }
        num.shl(1);
    }
    q | u64::from(!num.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;

    /// Return the next value of a xorshift64* sequence.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Return `exp_digits` as `core`'s `{:.6e}` finds them.
    fn std_digits(v: f64) -> (u32, i32) {
        let text = format!("{:.6e}", v.abs());
        let (mantissa, exp) = text.split_once('e').unwrap();
        (
            mantissa.replace('.', "").parse().unwrap(),
            exp.parse().unwrap(),
        )
    }

    /// Check `exp_digits(v)` against `core`'s formatting, and return 1.
    fn check_digits(v: f64) -> usize {
        if v.is_finite() {
            assert_eq!(exp_digits(v), std_digits(v), "{v:e} ({:#x})", v.to_bits());
        }
        1
    }

    /// Return the double `mantissa × 2^exp` rounds to, as `strtod_general` does.
    fn to_f64(text: &str) -> f64 {
        let (m, e) = decimal_parts(text.as_bytes());
        let v = super::super::number::binary_value(m, e);
        if text.starts_with('-') { -v } else { v }
    }

    /// Check the reader against `core`'s `parse::<f64>` on `text`, and return 1.
    fn check_read(text: &str) -> usize {
        let want: f64 = text.parse().unwrap();
        let got = to_f64(text);
        assert_eq!(got.to_bits(), want.to_bits(), "{text}: {got:e} != {want:e}");
        1
    }

    /// Return the exact decimal text of `m × 2^e`.
    fn exact_text(m: u64, e: i32) -> String {
        let mut big = Big::from_u64(m);
        if e >= 0 {
            big.shl(e as usize);
            big.to_decimal()
        } else {
            big.mul_pow5(e.unsigned_abs());
            format!("{}e{e}", big.to_decimal())
        }
    }

    /// Return `(m, e)` with `v = m × 2^e` for a finite positive double.
    fn parts(v: f64) -> (u64, i32) {
        let (m, e) = double_parts(v);
        (m, e as i32)
    }

    /// Compare `2^b` with `10^k` exactly.
    fn cmp_pow2_pow10(b: i32, k: i32) -> Ordering {
        let (mut two, mut ten) = (Big::from_u64(1), Big::from_u64(1));
        if b >= 0 {
            two.shl(b as usize);
        } else {
            ten.shl(b.unsigned_abs() as usize);
        }
        let tens = if k >= 0 { &mut ten } else { &mut two };
        tens.mul_pow5(k.unsigned_abs());
        tens.shl(k.unsigned_abs() as usize);
        two.cmp(&ten)
    }

    #[test]
    fn log10_estimate_is_exact() {
        // 10^k ≤ 2^b < 10^(k+1) for every binary exponent a double has.
        for b in -1074i32..=1023 {
            let k = (b * 78_913) >> 18;
            assert_ne!(cmp_pow2_pow10(b, k), Ordering::Less, "2^{b} < 10^{k}");
            assert_eq!(
                cmp_pow2_pow10(b, k + 1),
                Ordering::Less,
                "2^{b} ≥ 10^{}",
                k + 1
            );
        }
    }

    #[test]
    fn exp_digits_match_core_on_random_doubles() {
        let mut state = 0x1234_5678_9abc_def1;
        let mut cases = 0;
        for _ in 0..60_000 {
            // Any bit pattern: every exponent equally likely.
            cases += check_digits(f64::from_bits(next(&mut state)));
        }
        for _ in 0..60_000 {
            // Magnitudes a server sees: 1e-12 to 1e19.
            let mantissa = (next(&mut state) >> 11) as f64;
            let scale = 10f64.powi((next(&mut state) % 32) as i32 - 28);
            cases += check_digits(mantissa * scale);
        }
        assert_eq!(cases, 120_000);
    }

    #[test]
    fn exp_digits_match_core_on_edges() {
        let mut cases = 0;
        // Every power of two, and its neighbours.
        for b in -1074..=1023 {
            let v = 2f64.powi(b);
            for w in [v, v.next_up(), v.next_down()] {
                cases += check_digits(w);
            }
        }
        // Powers of ten, and their neighbours.
        for k in -323..=308 {
            let v: f64 = format!("1e{k}").parse().unwrap();
            for w in [v, v.next_up(), v.next_down()] {
                cases += check_digits(w);
            }
        }
        // Subnormals, the extremes and zero.
        for bits in (1..5_000).chain((1u64 << 52) - 5_000..(1 << 52) + 5_000) {
            cases += check_digits(f64::from_bits(bits));
        }
        for v in [
            0.0,
            -0.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            1.0,
            -1.0,
        ] {
            cases += check_digits(v);
        }
        assert_eq!(exp_digits(0.0), (0, 0));
        assert_eq!(exp_digits(9_999_999.5), (1_000_000, 7));
        assert_eq!(exp_digits(f64::MAX), (1_797_693, 308));
        assert_eq!(exp_digits(5e-324), (4_940_656, -324));
        assert!(cases > 23_000, "{cases}");
    }

    #[test]
    fn exp_digits_break_exact_ties_to_even() {
        // A tie is |v| × 10^(6 − k) = q + 1/2 exactly. With j = 6 − k ≥ 1,
        // that is v = c / 2^(j+1) for odd c in [2·10^6, 2·10^7) / 5^j; with
        // i = k − 6 ≥ 0 it is v = (2q + 1) × 5^i × 2^(i−1).
        let mut state = 0x0dd_ba11_cafe;
        let mut ties = 0;
        for j in 1..=10u32 {
            let (low, high) = (2_000_000 / 5u64.pow(j), 20_000_000 / 5u64.pow(j));
            for _ in 0..2_000 {
                let c = (low + next(&mut state) % (high - low + 1)) | 1;
                let v = c as f64 / 2f64.powi(j as i32 + 1);
                if (v * 10f64.powi(j as i32)).fract() != 0.0 {
                    continue;
                }
                for w in [v, v.next_up(), v.next_down()] {
                    ties += check_digits(w);
                }
            }
        }
        for i in 0..=12u32 {
            for _ in 0..2_000 {
                let odd = (2_000_000 + next(&mut state) % 18_000_000) | 1;
                let m = odd * 5u64.pow(i);
                if m >= 1 << 53 {
                    continue;
                }
                let v = m as f64 * 2f64.powi(i as i32 - 1);
                for w in [v, v.next_up(), v.next_down(), v * 2f64.powi(-30)] {
                    ties += check_digits(w);
                }
            }
        }
        assert_eq!(exp_digits(12_345_675.0), (1_234_568, 7));
        assert_eq!(exp_digits(12_345_665.0), (1_234_566, 7));
        assert_eq!(exp_digits(123_456.25), (1_234_562, 5));
        assert_eq!(exp_digits(0.000_488_281_25), (4_882_812, -4));
        assert!(ties > 50_000, "{ties}");
    }

    #[test]
    fn reader_matches_core_on_short_decimals() {
        let mut state = 0x5eed_f00d_1234_5678;
        let mut cases = 0;
        for _ in 0..40_000 {
            let len = 1 + (next(&mut state) % 24) as usize;
            let mut text: String = (0..len)
                .map(|_| char::from(b'0' + (next(&mut state) % 10) as u8))
                .collect();
            let point = (next(&mut state) % (len as u64 + 2)) as usize;
            if point <= len {
                text.insert(point, '.');
            }
            let exp = (next(&mut state) % 700) as i64 - 360;
            match next(&mut state) % 4 {
                0 => {}
                1 => text.push_str(&format!("e{exp}")),
                2 => text.push_str(&format!("E{exp:+}")),
                _ => text.insert(0, '-'),
            }
            if text == "." || text.starts_with(".e") || text.starts_with(".E") || text == "-." {
                continue;
            }
            cases += check_read(&text);
        }
        assert!(cases > 39_000, "{cases}");
    }

    #[test]
    fn reader_matches_core_on_long_decimals() {
        let mut state = 0xfeed_beef_0bad_cafe;
        let mut cases = 0;
        for round in 0..3_000 {
            let len = if round % 100 == 0 {
                780 + (next(&mut state) % 60) as usize
            } else {
                17 + (next(&mut state) % 40) as usize
            };
            let digits: String = (0..len)
                .map(|_| char::from(b'0' + (next(&mut state) % 10) as u8))
                .collect();
            let exp = (next(&mut state) % 1_400) as i64 - 1_100;
            cases += check_read(&format!("{digits}e{exp}"));
            cases += check_read(&format!("0.{digits}"));
        }
        assert_eq!(cases, 6_000);
    }

    #[test]
    fn reader_rounds_halfway_points_to_even() {
        // The exact midpoint of two neighbouring doubles, and just above and
        // below it, far down in the digits.
        let mut state = 0xabad_1dea_d00d_f00d;
        let mut cases = 0;
        let mut check_mid = |v: f64| {
            let (m, e) = parts(v);
            let mid = exact_text(2 * m + 1, e - 1);
            let (digits, exp) = mid.split_once('e').unwrap_or((&mid, "0"));
            let exp: i64 = exp.parse().unwrap();
            cases += check_read(&mid);
            cases += check_read(&format!("{digits}000000000000000000001e{}", exp - 21));
            // Just below: the digits less one, in a longer form.
            let mut below = String::from(digits);
            below.push_str("000000000000000000000");
            let mut below = below.into_bytes();
            let mut i = below.len() - 1;
            while below[i] == b'0' {
                below[i] = b'9';
                i -= 1;
            }
            below[i] -= 1;
            let below = String::from_utf8(below).unwrap();
            cases += check_read(&format!("{below}e{}", exp - 21));
        };
        for _ in 0..300 {
            let v = f64::from_bits(next(&mut state) >> 1);
            if v.is_finite() && v != f64::MAX {
                check_mid(v);
            }
        }
        for bits in [1, 2, 3, (1 << 52) - 1, 1 << 52, (1 << 52) + 1] {
            check_mid(f64::from_bits(bits));
        }
        for v in [1.0, 0.1, 1e23, 9007199254740992.0, 1e300, 1e-300, 2.5e-308] {
            check_mid(v);
        }
        assert!(cases > 900, "{cases}");
    }

    #[test]
    fn reader_edges_match_core() {
        let max_mid = exact_text((1 << 54) - 1, 970); // between f64::MAX and 2^1024
        let min_half = exact_text(1, -1075); // half the least subnormal
        let long_zeros = format!("0.{}1", "0".repeat(1_000));
        let many = format!("{}e-1000", "9".repeat(1_100));
        // The largest numbers the reader multiplies: 801 digits over 5^1125,
        // and just past that bound, where it gives zero without them.
        let deepest = format!("{}e-1424", "9".repeat(1_100));
        let past_deepest = format!("{}e-1425", "9".repeat(1_100));
        let widest = "9".repeat(310);
        let texts = [
            "0",
            "-0",
            "0.0",
            "-0.000",
            "+.5",
            "5.",
            ".0e5",
            "00012",
            "0e99999999999999999999",
            "1e99999999999999999999",
            "1e-99999999999999999999",
            "-1e-400",
            "1e400",
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "4.9406564584124654e-324",
            "9007199254740993",
            "9007199254740993.000000000000000000001",
            "18446744073709551616",
            "1844674407370955161.6",
            "7083340984143366.6",
            &max_mid,
            &min_half,
            &format!("{max_mid}1"),
            &format!("{min_half}1"),
            &long_zeros,
            &many,
            &deepest,
            &past_deepest,
            &widest,
            &format!("{}1e-1124", "0.".to_owned() + &"0".repeat(200)),
        ];
        for text in texts {
            check_read(text);
        }
        assert!(to_f64(&max_mid).is_infinite());
        assert_eq!(to_f64(&min_half), 0.0);
        assert_eq!(to_f64("-0").to_bits(), (-0.0f64).to_bits());
    }

    /// A longer sweep; run with `cargo test --release -p collie-core -- --ignored exact`.
    #[test]
    #[ignore]
    fn exact_sweep() {
        let mut state = 0x7777_1234_abcd_0001;
        for i in 0..20_000_000u64 {
            let v = f64::from_bits(next(&mut state));
            check_digits(v);
            if v.is_finite() {
                check_read(&format!("{v:e}"));
                check_read(&format!("{:.25e}", v.abs()));
            }
            if i % 16 == 0 {
                let (m, e) = parts(v.abs());
                if v.is_finite() && v.abs() != f64::MAX {
                    check_read(&exact_text(2 * m + 1, e - 1));
                }
            }
        }
    }
}
