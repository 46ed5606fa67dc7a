//! Numbers as C's `strtod`, `strtoll` and `strtoull` read them.
//!
//! Each reader skips leading whitespace and returns the value of the longest
//! prefix it understands together with the number of bytes that prefix
//! (whitespace included) takes, or `None` if no number starts the input.
//!
//! `strtod` reads decimal and hexadecimal (`0x1.8p3`) numbers,
//! `inf`/`infinity` and `nan`/`nan(…)` in any case, as glibc does.

use super::exact;
use super::tokenize::{trim_end, trim_start};

/// Return how many of `input`'s first bytes are digits by `is_digit`.
fn run_len(input: &[u8], is_digit: fn(&u8) -> bool) -> usize {
    input.iter().take_while(|b| is_digit(b)).count()
}

/// Recognise `digits[.digits]` or `.digits`, then an exponent `<mark>[+-]digits` if one follows.
///
/// `is_digit` picks the mantissa's digits; the exponent is decimal, and
/// `mark` is its letter in lower case (`e`, or `p` for hexadecimal).
fn float_text(input: &[u8], is_digit: fn(&u8) -> bool, mark: u8) -> Option<&[u8]> {
    let int = run_len(input, is_digit);
    let mut len = int;
    if input.get(len) == Some(&b'.') {
        let frac = input.get(len + 1..).map_or(0, |s| run_len(s, is_digit));
        if int + frac > 0 {
            len += 1 + frac;
        }
    }
    if len == 0 {
        return None;
    }
    if input.get(len).is_some_and(|&b| (b | 0x20) == mark) {
        let sign = usize::from(matches!(input.get(len + 1), Some(b'+' | b'-')));
        let digits = input
            .get(len + 1 + sign..)
            .map_or(0, |s| run_len(s, u8::is_ascii_digit));
        if digits > 0 {
            len += 1 + sign + digits;
        }
    }
    input.get(..len)
}

/// Recognise the text of a decimal floating-point number, with its sign.
fn decimal(input: &[u8]) -> Option<&[u8]> {
    let sign = usize::from(matches!(input.first(), Some(b'+' | b'-')));
    let len = sign + float_text(input.get(sign..)?, u8::is_ascii_digit, b'e')?.len();
    input.get(..len)
}

/// Recognise an infinity or a NaN, without its sign.
fn special(input: &[u8]) -> Option<&[u8]> {
    let starts = |word: &[u8]| {
        input
            .get(..word.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(word))
    };
    let len = if starts(b"infinity") {
        8
    } else if starts(b"inf") {
        3
    } else if starts(b"nan") {
        // `nan(chars)`, or just `nan` when the parentheses do not close.
        let chars = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let inside = input.get(4..).map_or(0, |s| run_len(s, chars));
        let closed = input.get(3) == Some(&b'(') && input.get(4 + inside) == Some(&b')');
        if closed { 5 + inside } else { 3 }
    } else {
        return None;
    };
    input.get(..len)
}

/// Recognise a hexadecimal floating-point number without its sign, such as `0x1.8p3`.
fn hexadecimal(input: &[u8]) -> Option<&[u8]> {
    if !input.get(..2)?.eq_ignore_ascii_case(b"0x") {
        return None;
    }
    let len = 2 + float_text(input.get(2..)?, u8::is_ascii_hexdigit, b'p')?.len();
    input.get(..len)
}

/// Return 2^`exp` for an exponent in the normal range.
fn pow2(exp: i32) -> f64 {
    f64::from_bits(((exp.clamp(-1022, 1023) + 1023) as u64) << 52)
}

/// Return the value of text recognised by [`hexadecimal`].
fn hex_value(text: &[u8]) -> f64 {
    let body = text.get(2..).unwrap_or_default();
    let (digits, exp_text) = match body.iter().position(|&b| b == b'p' || b == b'P') {
        Some(i) => (
            body.get(..i).unwrap_or_default(),
            body.get(i + 1..).unwrap_or_default(),
        ),
        None => (body, &b""[..]),
    };
    // Keep the first 64 bits of mantissa; a dropped non-zero digit sets the
    // lowest bit, which is enough for the conversion to round correctly.
    let mut mantissa: u64 = 0;
    let mut exp: i64 = 0;
    let mut after_point = false;
    for &b in digits {
        if b == b'.' {
            after_point = true;
            continue;
        }
        let d = u64::from(char::from(b).to_digit(16).unwrap_or(0));
        if mantissa >> 60 == 0 {
            mantissa = mantissa << 4 | d;
            if after_point {
                exp -= 4;
            }
        } else {
            mantissa |= u64::from(d != 0);
            if !after_point {
                exp += 4;
            }
        }
    }
    let (negative, exp_digits) = match exp_text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, exp_text),
    };
    let written = exp_digits
        .iter()
        .map_while(|&b| char::from(b).to_digit(10))
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d))
        });
    exp = exp.saturating_add(if negative { -written } else { written });
    binary_value(mantissa, exp)
}

/// Return `mantissa × 2^exp` rounded once to a double, ties to even.
///
/// A mantissa of more than 53 bits keeps its lowest bit set if any bit
/// below it was cut off (a sticky bit), so that one rounding is correct.
pub(super) fn binary_value(mantissa: u64, exp: i64) -> f64 {
    // Below the normal range the result has fewer than 53 bits: round the
    // mantissa once, straight to them, rather than to 53 bits and again.
    if mantissa != 0 && (63 - i64::from(mantissa.leading_zeros())).saturating_add(exp) < -1022 {
        return f64::from_bits(subnormal(mantissa, exp));
    }
    // Scale in steps that stay exact until the result leaves the normal range.
    let mut value = mantissa as f64;
    let mut exp = exp.clamp(-4000, 4000) as i32;
    while exp > 1000 && value.is_finite() {
        value *= pow2(1000);
        exp -= 1000;
    }
    while exp < -1000 && value != 0.0 {
        value *= pow2(-1000);
        exp += 1000;
    }
    value * pow2(exp)
}

/// Return the bits of `mantissa × 2^exp`, a value below 2^-1022, rounded to a multiple of 2^-1074 (ties to even).
///
/// Those bits, read as an `f64`, are the subnormal (or, rounded up to
/// 2^-1022, the least normal) number itself.
fn subnormal(mantissa: u64, exp: i64) -> u64 {
    let shift = -(exp.saturating_add(1074));
    if shift <= 0 {
        // Exact: the value is below 2^-1022, so this is below 2^52.
        return mantissa << -shift;
    }
    if shift > 64 {
        return 0; // below half of 2^-1074
    }
    let m = u128::from(mantissa);
    let kept = m >> shift;
    let rest = m & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    let up = rest > half || (rest == half && kept & 1 == 1);
    (kept + u128::from(up)) as u64
}

/// The powers of ten an `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Append the decimal digits that start `s` to `acc`; return it and how many digits there were.
///
/// The result wraps past 20 digits; callers look at the count first.
#[inline]
pub(crate) fn digits(mut acc: u64, s: &[u8]) -> (u64, usize) {
    let mut count = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        acc = acc.wrapping_mul(10).wrapping_add(u64::from(d));
        count += 1;
    }
    (acc, count)
}

/// Read a plain decimal `[+-]?digits[.digits]` prefix the quick way, or return `None` to leave it to [`strtod`].
///
/// It answers only when the answer is exact: at most 19 digits, and either
/// no fraction (a `u64` converts with correct rounding) or a mantissa of at
/// most 2^53 and so an exact quotient of two exact doubles, correctly
/// rounded (Clinger's fast path). Whatever it returns, `strtod` returns too.
#[inline]
pub(crate) fn decimal_quick(s: &[u8]) -> Option<(f64, usize)> {
    let (negative, sign) = match s.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let body = s.get(sign..)?;
    let (mut mantissa, int_len) = digits(0, body);
    let mut used = int_len;
    let mut frac = 0;
    if body.get(used) == Some(&b'.') {
        (mantissa, frac) = digits(mantissa, body.get(used + 1..)?);
        used += 1 + frac;
    }
    let count = int_len + frac;
    // An exponent or a hexadecimal prefix is left to the general reader.
    if count == 0 || count > 19 || matches!(body.get(used), Some(b'e' | b'E' | b'x' | b'X')) {
        return None;
    }
    let value = if frac == 0 {
        mantissa as f64
    } else if mantissa <= 1 << 53 {
        mantissa as f64 / POW10.get(frac)?
    } else {
        return None;
    };
    Some((if negative { -value } else { value }, sign + used))
}

/// Read a `double` prefix as `strtod` does.
#[inline]
pub fn strtod(s: &[u8]) -> Option<(f64, usize)> {
    decimal_quick(s).or_else(|| strtod_general(s))
}

/// [`strtod`] for the forms [`decimal_quick`] leaves.
#[inline(never)]
fn strtod_general(s: &[u8]) -> Option<(f64, usize)> {
    let body = trim_start(s);
    let skipped = s.len() - body.len();
    let (negative, sign, unsigned) = match body.split_first() {
        Some((b'-', rest)) => (true, 1, rest),
        Some((b'+', rest)) => (false, 1, rest),
        _ => (false, 0, body),
    };
    let signed = |v: f64| if negative { -v } else { v };
    if let Some(text) = hexadecimal(unsigned) {
        return Some((signed(hex_value(text)), skipped + sign + text.len()));
    }
    if let Some(text) = decimal(body) {
        let (mantissa, exp) = exact::decimal_parts(text);
        return Some((signed(binary_value(mantissa, exp)), skipped + text.len()));
    }
    let text = special(unsigned)?;
    let value = match text.first() {
        Some(b'i' | b'I') => signed(f64::INFINITY),
        _ => f64::NAN,
    };
    Some((value, skipped + sign + text.len()))
}

/// Read a `double` that must fill all of `s` but leading whitespace, as collectd's time fields require.
pub fn strtod_exact(s: &[u8]) -> Option<f64> {
    strtod(s)
        .filter(|&(_, used)| used == s.len())
        .map(|(v, _)| v)
}

/// The magnitude and sign of an integer read with base 0.
struct Int {
    negative: bool,
    magnitude: u64,
    overflow: bool,
    used: usize,
}

/// Read a decimal integer of at most 19 digits (which cannot overflow) the quick way, else `None`.
#[inline]
fn int_quick(s: &[u8]) -> Option<Int> {
    let (negative, sign) = match s.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let body = s.get(sign..)?;
    if !matches!(body.first(), Some(b'1'..=b'9')) {
        return None;
    }
    let (magnitude, count) = digits(0, body);
    (count <= 19).then_some(Int {
        negative,
        magnitude,
        overflow: false,
        used: sign + count,
    })
}

/// Read an integer with C's base 0: `0x` hexadecimal, leading `0` octal, else decimal.
#[inline]
fn int_base0(s: &[u8]) -> Option<Int> {
    int_quick(s).or_else(|| int_general(s))
}

/// [`int_base0`] for the forms [`int_quick`] leaves.
#[inline(never)]
fn int_general(s: &[u8]) -> Option<Int> {
    let body = trim_start(s);
    let space = s.len() - body.len();
    let (negative, sign, body) = match body.split_first() {
        Some((b'-', rest)) => (true, 1, rest),
        Some((b'+', rest)) => (false, 1, rest),
        _ => (false, 0, body),
    };
    let hex = matches!(body, [b'0', b'x' | b'X', d, ..] if d.is_ascii_hexdigit());
    let (radix, digits, prefix) = match body {
        _ if hex => (16, body.get(2..)?, 2),
        [b'0', ..] => (8, body, 0),
        _ => (10, body, 0),
    };
    let mut magnitude: u64 = 0;
    let mut overflow = false;
    let mut count = 0;
    for d in digits.iter().map_while(|&b| char::from(b).to_digit(radix)) {
        match magnitude
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(d)))
        {
            Some(m) => magnitude = m,
            None => overflow = true,
        }
        count += 1;
    }
    if count == 0 {
        return None;
    }
    Some(Int {
        negative,
        magnitude,
        overflow,
        used: space + sign + prefix + count,
    })
}

/// Read a `long long` prefix as `strtoll(s, &end, 0)` does, saturating on overflow.
pub fn strtoll(s: &[u8]) -> Option<(i64, usize)> {
    let n = int_base0(s)?;
    let value = if n.negative {
        if n.overflow || n.magnitude > 1 << 63 {
            i64::MIN
        } else {
            0i64.wrapping_sub_unsigned(n.magnitude)
        }
    } else if n.overflow || n.magnitude > i64::MAX as u64 {
        i64::MAX
    } else {
        n.magnitude as i64
    };
    Some((value, n.used))
}

/// Read an `unsigned long long` prefix as `strtoull(s, &end, 0)` does.
///
/// A minus sign negates modulo 2^64; overflow saturates to `u64::MAX`.
pub fn strtoull(s: &[u8]) -> Option<(u64, usize)> {
    let n = int_base0(s)?;
    let value = if n.overflow {
        u64::MAX
    } else if n.negative {
        n.magnitude.wrapping_neg()
    } else {
        n.magnitude
    };
    Some((value, n.used))
}

/// Apply `read` to `s` without trailing whitespace and require it to use every byte.
pub fn whole<T>(s: &[u8], read: impl Fn(&[u8]) -> Option<(T, usize)>) -> Option<T> {
    let s = trim_end(s);
    read(s).filter(|&(_, used)| used == s.len()).map(|(v, _)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nom::branch::alt;
    use nom::bytes::complete::{tag_no_case, take_while};
    use nom::character::complete::{char, digit0, digit1, hex_digit0, hex_digit1, one_of};
    use nom::combinator::{opt, recognize};
    use nom::{IResult, Parser};

    #[test]
    fn strtod_prefixes() {
        assert_eq!(strtod(b"42"), Some((42.0, 2)));
        assert_eq!(strtod(b"  -1.5e3xyz"), Some((-1500.0, 8)));
        assert_eq!(strtod(b"1e"), Some((1.0, 1)));
        assert_eq!(strtod(b"1e+"), Some((1.0, 1)));
        assert_eq!(strtod(b".5"), Some((0.5, 2)));
        assert_eq!(strtod(b"5."), Some((5.0, 2)));
        assert_eq!(strtod(b"+7s"), Some((7.0, 2)));
        assert_eq!(strtod(b"inf"), Some((f64::INFINITY, 3)));
        assert_eq!(strtod(b"-Infinity"), Some((f64::NEG_INFINITY, 9)));
        assert_eq!(strtod(b"-infinit"), Some((f64::NEG_INFINITY, 4)));
        assert!(strtod(b"NaN").is_some_and(|(v, n)| v.is_nan() && n == 3));
        assert!(strtod(b"nan(0x1)").is_some_and(|(v, n)| v.is_nan() && n == 8));
        assert!(strtod(b"nan(").is_some_and(|(v, n)| v.is_nan() && n == 3));
        assert_eq!(strtod(b"0x10"), Some((16.0, 4)));
        assert_eq!(strtod(b"-0X1.8p1z"), Some((-3.0, 8)));
        assert_eq!(strtod(b"0x.8"), Some((0.5, 4)));
        assert_eq!(strtod(b"0x1p"), Some((1.0, 3)));
        assert_eq!(strtod(b"0x6553F100"), Some((1_700_000_000.0, 10)));
        assert_eq!(strtod(b"0x"), Some((0.0, 1)));
        assert_eq!(strtod(b"0xg"), Some((0.0, 1)));
        assert_eq!(strtod(b"0x1p-1074"), Some((5e-324, 9)));
        assert_eq!(strtod(b"0x1p1024"), Some((f64::INFINITY, 8)));
        assert_eq!(strtod(b"0x1p-99999999999999999999"), Some((0.0, 25)));
        assert_eq!(strtod(b"0x1.fffffffffffff8p0"), Some((2.0, 20)));
        assert_eq!(
            strtod(b"0x1.fffffffffffff7ffffp0").map(|(v, _)| v),
            Some(2f64.next_down())
        );
        assert_eq!(
            strtod(b"0x123456789abcdef0123p0").map(|(v, _)| v),
            Some(0x123456789abcdef0123u128 as f64)
        );
        assert_eq!(strtod(b"1e400"), Some((f64::INFINITY, 5)));
        assert_eq!(strtod(b""), None);
        assert_eq!(strtod(b"   "), None);
        assert_eq!(strtod(b"."), None);
        assert_eq!(strtod(b"-"), None);
        assert_eq!(strtod(b"A"), None);
        assert_eq!(strtod(b"U"), None);
        assert_eq!(strtod_exact(b" 12.5"), Some(12.5));
        assert_eq!(strtod_exact(b"12.5 "), None);
    }

    #[test]
    fn integers_use_base_zero() {
        assert_eq!(strtoll(b"0x10"), Some((16, 4)));
        assert_eq!(strtoll(b"0X1f"), Some((31, 4)));
        assert_eq!(strtoll(b"010"), Some((8, 3)));
        assert_eq!(strtoll(b"0"), Some((0, 1)));
        assert_eq!(strtoll(b"08"), Some((0, 1)));
        assert_eq!(strtoll(b"0x"), Some((0, 1)));
        assert_eq!(strtoll(b"0xg"), Some((0, 1)));
        assert_eq!(strtoll(b"  +42"), Some((42, 5)));
        assert_eq!(strtoll(b"-42abc"), Some((-42, 3)));
        assert_eq!(strtoll(b"-0x10"), Some((-16, 5)));
        assert_eq!(strtoll(b"9223372036854775807"), Some((i64::MAX, 19)));
        assert_eq!(strtoll(b"9223372036854775808"), Some((i64::MAX, 19)));
        assert_eq!(strtoll(b"-9223372036854775808"), Some((i64::MIN, 20)));
        assert_eq!(strtoll(b"-9223372036854775809"), Some((i64::MIN, 20)));
        assert_eq!(strtoll(b"-"), None);
        assert_eq!(strtoll(b"+ 1"), None);
        assert_eq!(strtoll(b"U"), None);
        assert_eq!(strtoull(b"-5"), Some((u64::MAX - 4, 2)));
        assert_eq!(strtoull(b"18446744073709551615"), Some((u64::MAX, 20)));
        assert_eq!(strtoull(b"99999999999999999999"), Some((u64::MAX, 20)));
        assert_eq!(strtoull(b"-99999999999999999999"), Some((u64::MAX, 21)));
        assert_eq!(strtoull(b"0xffffffffffffffff"), Some((u64::MAX, 18)));
    }

    // collectd 5.12's GETVAL of a gauge PUTVAL with each text.
    #[test]
    fn hex_floats_read_as_collectd() {
        assert_eq!(strtod(b"0x1.8p3"), Some((12.0, 7))); // 1.200000e+01
        assert_eq!(strtod(b"0X1P-2"), Some((0.25, 6))); // 2.500000e-01
        assert_eq!(strtod(b"0x1P+3"), Some((8.0, 6))); // 8.000000e+00
        assert_eq!(strtod(b"-0x10"), Some((-16.0, 5))); // -1.600000e+01
        assert_eq!(strtod(b"+0x10"), Some((16.0, 5))); // 1.600000e+01
        assert_eq!(strtod(b"+0x1.8p3"), Some((12.0, 8))); // 1.200000e+01
        assert_eq!(strtod(b"+inf"), Some((f64::INFINITY, 4))); // inf
        assert!(strtod(b"+nan").is_some_and(|(v, n)| v.is_nan() && n == 4)); // NaN
        assert_eq!(strtod(b"0x1p1023"), Some((2f64.powi(1023), 8))); // 8.988466e+307
        assert_eq!(strtod(b"0x1.fffffffffffffp1023"), Some((f64::MAX, 22))); // 1.797693e+308
        assert_eq!(strtod(b"0x1.8p1023"), Some((1.5 * 2f64.powi(1023), 10))); // 1.348270e+308
        assert_eq!(strtod(b"0x3p1001"), Some((1.5 * 2f64.powi(1002), 8))); // 6.429052e+301
        let past_max = strtod(b"0x1.fffffffffffff8p1023");
        assert_eq!(past_max, Some((f64::INFINITY, 23))); // inf
        let huge_exp = strtod(b"0x1p99999999999999999999");
        assert_eq!(huge_exp, Some((f64::INFINITY, 24))); // inf
        // A wide mantissa with a saturated exponent must not overflow the range check.
        let wide_huge = strtod(b"0xffp99999999999999999999");
        assert_eq!(wide_huge, Some((f64::INFINITY, 25))); // inf
        assert_eq!(strtod(b"0x1p-1022"), Some((f64::MIN_POSITIVE, 9))); // 2.225074e-308
        let below_min = strtod(b"0x0.fffffffffffff8p-1022");
        assert_eq!(below_min, Some((f64::MIN_POSITIVE, 24))); // 2.225074e-308
    }

    // collectd 5.12's GETVAL: subnormals step by 2^-1074, ties to even.
    #[test]
    fn long_hex_subnormals_round_once_as_collectd() {
        // collectd 5.12 (glibc strtod): 4.940656e-324 and 1.482197e-323, where
        // rounding to 53 bits first and to the subnormal's bits again gave 0
        // and 9.88e-324.
        let read = |t: &[u8]| strtod(t).map(|(v, _)| v);
        for text in [
            &b"0x0.8000000000000001p-1074"[..],
            b"0x0.80000000000000000001p-1074",
            b"0x10000000000000001p-1139",
        ] {
            assert_eq!(read(text), Some(f64::from_bits(1)), "{text:?}");
        }
        for text in [
            &b"0x2.80000000000001p-1074"[..],
            b"0x2.8000000000000001p-1074",
            b"0x2.8000000000000000001p-1074",
        ] {
            assert_eq!(read(text), Some(f64::from_bits(3)), "{text:?}");
        }
        // Rounded up to the least normal number, and a tie to even at zero.
        assert_eq!(read(b"0x0.fffffffffffff8p-1022"), Some(f64::MIN_POSITIVE));
        assert_eq!(read(b"0x1p-1075"), Some(0.0));
        assert_eq!(read(b"-0x3p-1076"), Some(-f64::from_bits(1)));
    }

    #[test]
    fn hex_subnormals_round_as_collectd() {
        let tiny = f64::from_bits(1);
        assert_eq!(strtod(b"0x1p-1075"), Some((0.0, 9))); // 0.000000e+00
        assert_eq!(strtod(b"0x0.8p-1074"), Some((0.0, 11))); // 0.000000e+00
        assert_eq!(strtod(b"0x3p-1076"), Some((tiny, 9))); // 4.940656e-324
        assert_eq!(strtod(b"0x1.8p-1074"), Some((2.0 * tiny, 11))); // 9.881313e-324
        assert_eq!(strtod(b"0x2.8p-1074"), Some((2.0 * tiny, 11))); // 9.881313e-324
        let wide = strtod(b"0x10000000000000000p-1138");
        assert_eq!(wide, Some((tiny, 25))); // 4.940656e-324
    }

    // Only a non-zero digit past the 64 kept bits breaks a tie. Exact bits
    // from glibc's strtod, which collectd calls; its GETVAL shows only
    // 1.000000e+00, 1.152922e+18 and 1.844674e+19.
    #[test]
    fn hex_mantissa_sticky_digits() {
        let up = 1.0f64.next_up();
        assert_eq!(strtod(b"0x1.0000000000000800p0"), Some((1.0, 22)));
        assert_eq!(strtod(b"0x1.0000000000000801p0"), Some((up, 22)));
        assert_eq!(strtod(b"0x1.0000000000000811p0"), Some((up, 22)));
        assert_eq!(strtod(b"0x1000000000000080.0p0"), Some((2f64.powi(60), 22)));
        let int_sticky = strtod(b"0x10000000000000801p0");
        assert_eq!(int_sticky, Some((2f64.powi(64) + 2f64.powi(12), 21)));
    }

    // Decimals past the quick path's reach; exact bits from glibc's strtod
    // (collectd's GETVAL: 1.844674e+19, 1.844674e+00, 1.844674e+18,
    // 7.083341e+15, 9.007199e+15).
    #[test]
    fn long_decimals_read_as_glibc() {
        let two_64 = 2f64.powi(64);
        assert_eq!(strtod(b"18446744073709551616"), Some((two_64, 20)));
        let wraps = strtod(b"1.8446744073709551616");
        assert_eq!(wraps, Some((1.8446744073709551, 21)));
        let wraps = strtod(b"1844674407370955161.6");
        assert_eq!(wraps, Some((1.8446744073709553e18, 21)));
        assert_eq!(
            strtod(b"7083340984143366.6"),
            Some((7083340984143367.0, 18))
        );
        assert_eq!(
            strtod(b"9007199254740993.5"),
            Some((9007199254740994.0, 18))
        );
    }

    // DERIVE in collectd 5.12: PUTVAL 9223372036854775800, then each text a
    // second later, reads the rate 7.000000e+00 (strtoll saturates).
    #[test]
    fn strtoll_saturates_high_as_collectd() {
        for text in [
            "9223372036854775807",
            "9223372036854775808",
            "+9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "0x7fffffffffffffff",
            "0x8000000000000000",
            "0xffffffffffffffff",
            "0x10000000000000000",
            "0777777777777777777777",
            "01000000000000000000000",
        ] {
            assert_eq!(
                strtoll(text.as_bytes()),
                Some((i64::MAX, text.len())),
                "{text}"
            );
        }
    }

    // DERIVE in collectd 5.12: each text, then -9223372036854775800 a second
    // later, reads the rate 8.000000e+00 (strtoll saturates).
    #[test]
    fn strtoll_saturates_low_as_collectd() {
        for text in [
            "-9223372036854775808",
            "-9223372036854775809",
            "-18446744073709551616",
            "-99999999999999999999",
            "-0x8000000000000000",
            "-0x8000000000000001",
            "-0x10000000000000000",
            "-01000000000000000000000",
            "-01000000000000000000001",
        ] {
            assert_eq!(
                strtoll(text.as_bytes()),
                Some((i64::MIN, text.len())),
                "{text}"
            );
        }
    }

    // COUNTER in collectd 5.12: PUTVAL 18446744073709551610, then each text a
    // second later, reads the rate 5.000000e+00, or 7.000000e+00 for a wrap to 1.
    #[test]
    fn strtoull_limits_as_collectd() {
        for text in [
            "18446744073709551615",
            "18446744073709551616",
            "+18446744073709551616",
            "99999999999999999999",
            "-1",
            "0xffffffffffffffff",
            "0x10000000000000000",
            "01777777777777777777777",
            "02000000000000000000000",
            "-18446744073709551616",
            "-0x10000000000000000",
            "-99999999999999999999",
        ] {
            assert_eq!(
                strtoull(text.as_bytes()),
                Some((u64::MAX, text.len())),
                "{text}"
            );
        }
        for text in ["-18446744073709551615", "-0xffffffffffffffff"] {
            assert_eq!(strtoull(text.as_bytes()), Some((1, text.len())), "{text}");
        }
        // From 9223372036854775800 the rate is 8.000000e+00: 2^63.
        for text in [
            "9223372036854775808",
            "-9223372036854775808",
            "0x8000000000000000",
        ] {
            assert_eq!(
                strtoull(text.as_bytes()),
                Some((1 << 63, text.len())),
                "{text}"
            );
        }
    }

    /// Recognise a decimal as the nom version before [`decimal`] did.
    fn nom_decimal(input: &[u8]) -> IResult<&[u8], &[u8], ()> {
        recognize((
            opt(one_of("+-")),
            alt((
                recognize((digit1, opt((char('.'), digit0)))),
                recognize((char('.'), digit1)),
            )),
            opt((one_of("eE"), opt(one_of("+-")), digit1)),
        ))
        .parse(input)
    }

    /// Recognise an infinity or a NaN as the nom version before [`special`] did.
    fn nom_special(input: &[u8]) -> IResult<&[u8], &[u8], ()> {
        let nan_chars = take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_');
        alt((
            tag_no_case("infinity"),
            tag_no_case("inf"),
            recognize((tag_no_case("nan"), opt((char('('), nan_chars, char(')'))))),
        ))
        .parse(input)
    }

    /// Recognise a hexadecimal number as the nom version before [`hexadecimal`] did.
    fn nom_hexadecimal(input: &[u8]) -> IResult<&[u8], &[u8], ()> {
        recognize((
            tag_no_case("0x"),
            alt((
                recognize((hex_digit1, opt((char('.'), hex_digit0)))),
                recognize((char('.'), hex_digit1)),
            )),
            opt((one_of("pP"), opt(one_of("+-")), digit1)),
        ))
        .parse(input)
    }

    // Every string of up to four bytes from the characters that matter, and
    // longer random ones: the same match as the nom recognisers.
    #[test]
    fn recognisers_match_the_nom_versions() {
        /// Return what a nom recogniser matched.
        fn matched<'a>(r: IResult<&'a [u8], &'a [u8], ()>) -> Option<&'a [u8]> {
            r.ok().map(|(_, t)| t)
        }
        let check = |text: &[u8]| {
            assert_eq!(decimal(text), matched(nom_decimal(text)), "{text:?}");
            assert_eq!(
                hexadecimal(text),
                matched(nom_hexadecimal(text)),
                "{text:?}"
            );
            assert_eq!(special(text), matched(nom_special(text)), "{text:?}");
        };
        let alphabet = b"09.eE+-xXpPafiInN()_ ";
        let base = alphabet.len();
        let mut text = std::vec::Vec::new();
        let mut count = 0;
        for len in 0..=4u32 {
            for mut n in 0..base.pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[n % base]);
                    n /= base;
                }
                check(&text);
                count += 1;
            }
        }
        let mut state = 0x4242_4242_1357_9bdfu64;
        for _ in 0..100_000 {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let mut r = state.wrapping_mul(0x2545_f491_4f6c_dd1d);
            text.clear();
            for _ in 0..5 + r % 8 {
                r /= 8;
                text.push(alphabet[(r % base as u64) as usize]);
                r /= base as u64;
            }
            check(&text);
            count += 1;
        }
        for word in [
            &b"infinity"[..],
            b"INFINITYx",
            b"nan(ab_9)",
            b"NaN(a b)",
            b"0x1.8p-3",
        ] {
            check(word);
        }
        assert!(count > 300_000, "{count}");
    }

    /// Return `strtod_general` as it was before decimals left `core`'s `parse::<f64>` and nom.
    fn old_strtod_general(s: &[u8]) -> Option<(f64, usize)> {
        let body = trim_start(s);
        let skipped = s.len() - body.len();
        let (negative, sign, unsigned) = match body.split_first() {
            Some((b'-', rest)) => (true, 1, rest),
            Some((b'+', rest)) => (false, 1, rest),
            _ => (false, 0, body),
        };
        let signed = |v: f64| if negative { -v } else { v };
        if let Ok((_, text)) = nom_hexadecimal(unsigned) {
            return Some((signed(hex_value(text)), skipped + sign + text.len()));
        }
        if let Ok((_, text)) = nom_decimal(body) {
            let value = core::str::from_utf8(text).ok()?.parse::<f64>().ok()?;
            return Some((value, skipped + text.len()));
        }
        let (_, text) = nom_special(unsigned).ok()?;
        let value = match text.first() {
            Some(b'i' | b'I') => signed(f64::INFINITY),
            _ => f64::NAN,
        };
        Some((value, skipped + sign + text.len()))
    }

    /// Return one of `options` at random.
    fn pick(next: &mut impl FnMut() -> u64, options: &[&'static str]) -> &'static str {
        options[(next() % options.len() as u64) as usize]
    }

    /// Append up to `most` random digits of base 16 or 10 to `text`.
    fn push_digits(
        next: &mut impl FnMut() -> u64,
        text: &mut std::string::String,
        most: u64,
        hex: bool,
    ) {
        for _ in 0..next() % (most + 1) {
            let d = next() % if hex { 16 } else { 10 };
            text.extend(char::from_digit(d as u32, 16));
        }
    }

    /// Return a random number text of every form `strtod` meets, with odd prefixes and suffixes.
    fn random_number_text(next: &mut impl FnMut() -> u64) -> std::vec::Vec<u8> {
        let mut text = std::string::String::from(pick(next, &["", "", " ", "\t", "  \n"]));
        text += pick(next, &["", "", "", "+", "-", "+-", "--"]);
        match next() % 8 {
            0 => {
                text += pick(next, &["0x", "0X"]);
                push_digits(next, &mut text, 20, true);
                if next().is_multiple_of(2) {
                    text.push('.');
                    push_digits(next, &mut text, 20, true);
                }
                if next().is_multiple_of(2) {
                    text += pick(next, &["p", "P", "p-", "p+"]);
                    push_digits(next, &mut text, 5, false);
                }
            }
            1 => {
                let words = [
                    "inf", "INF", "infinity", "Infinit", "nan", "NaN(x_1)", "nan(", "in",
                ];
                text += pick(next, &words);
            }
            _ => {
                text += pick(next, &["", "", "", "0000", "."]);
                push_digits(next, &mut text, 26, false);
                if next().is_multiple_of(2) {
                    text.push('.');
                    push_digits(next, &mut text, 26, false);
                }
                if next().is_multiple_of(2) {
                    text += pick(next, &["e", "E", "e-", "E+", "e-", "e+"]);
                    let most = if next().is_multiple_of(8) { 22 } else { 3 };
                    push_digits(next, &mut text, most, false);
                }
            }
        }
        text += pick(next, &["", "", "", "x", "e", "e+", ".", " ", "5", "p1"]);
        text.into_bytes()
    }

    /// Compare `strtod` with the `parse::<f64>` version on `count` random texts; return how many took the general path.
    fn compare_with_old_strtod(count: usize, mut state: u64) -> usize {
        let mut next = || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let bits = |r: Option<(f64, usize)>| r.map(|(v, n)| (v.to_bits(), n));
        let mut general = 0;
        for _ in 0..count {
            let text = random_number_text(&mut next);
            let quick = decimal_quick(&text);
            let old = quick.or_else(|| old_strtod_general(&text));
            let text_lossy = std::string::String::from_utf8_lossy(&text);
            assert_eq!(bits(strtod(&text)), bits(old), "{text_lossy:?}");
            general += usize::from(quick.is_none());
        }
        general
    }

    // The whole reader, quick paths and hexadecimal included, against the
    // version that called `parse::<f64>`: the same value bits and lengths.
    #[test]
    fn strtod_matches_the_parse_f64_version() {
        let general = compare_with_old_strtod(50_000, 0x0123_4567_89ab_cdef);
        assert!(general > 20_000, "{general}");
    }

    /// The same comparison, longer: `cargo test --release -p collie-core -- --ignored strtod_sweep`.
    #[test]
    #[ignore]
    fn strtod_sweep() {
        compare_with_old_strtod(20_000_000, 0xfeed_0123_4567_89ab);
    }

    #[test]
    fn whole_rejects_trailing_garbage() {
        assert_eq!(whole(b"42", strtoll), Some(42));
        assert_eq!(whole(b" 42 \t", strtoll), Some(42));
        assert_eq!(whole(b"42abc", strtoll), None);
        assert_eq!(whole(b"08", strtoll), None);
        assert_eq!(whole(b"", strtoll), None);
        assert_eq!(whole(b"1.5x", strtod), None);
    }
}
