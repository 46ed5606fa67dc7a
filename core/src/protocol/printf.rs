//! C `printf` conversions that Rust's formatting does not provide.

use core::fmt;

use super::exact::exp_digits;

/// Format a double as C's `printf("%12e")` does, such as `4.250000e+01`.
///
/// The seven digits are the exact binary value rounded to nearest, ties to
/// even, as glibc rounds them; the exponent has a sign and at least two
/// digits, and the text is right-aligned in 12 columns. Infinities print
/// as `inf` and `-inf`, NaN as `nan` or `-nan`, right-aligned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exp12(pub f64);

/// The width `%12e` pads to.
const WIDTH: usize = 12;

/// The longest text `%e` gives a double, `-1.797693e+308`.
const LONGEST: usize = 14;

impl Exp12 {
    /// A buffer for [`render_padded`](Self::render_padded).
    pub(crate) const BUFFER: [u8; WIDTH + LONGEST] = [b' '; WIDTH + LONGEST];

    /// Write the text right-aligned in 12 columns into `buf`, which starts as [`BUFFER`](Self::BUFFER), and return it.
    pub(crate) fn render_padded(self, buf: &mut [u8; WIDTH + LONGEST]) -> &[u8] {
        // The text goes after WIDTH spaces, so its padding is the spaces before it.
        let (_, text) = buf.split_at_mut(WIDTH);
        let len = render(self.0, text);
        let end = WIDTH + len;
        buf.get(end.saturating_sub(len.max(WIDTH))..end)
            .unwrap_or_default()
    }
}

impl fmt::Display for Exp12 {
    /// Write the value right-aligned in 12 columns, ignoring the formatter's flags.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = Exp12::BUFFER;
        let padded = self.render_padded(&mut buf);
        f.write_str(core::str::from_utf8(padded).map_err(|_| fmt::Error)?)
    }
}

/// Write `%e`'s text for `v` into `out`, which holds [`LONGEST`] bytes, and return its length.
fn render(v: f64, out: &mut [u8]) -> usize {
    let mut len = 0;
    let mut push = |bytes: &[u8]| {
        for &b in bytes {
            if let Some(slot) = out.get_mut(len) {
                *slot = b;
                len += 1;
            }
        }
    };
    if v.is_sign_negative() {
        push(b"-");
    }
    if v.is_nan() {
        push(b"nan");
    } else if v.is_infinite() {
        push(b"inf");
    } else {
        let (q, exp) = exp_digits(v);
        let digit = |n: u32| b'0' + (n % 10) as u8;
        let exp_sign = if exp < 0 { b'-' } else { b'+' };
        push(&[
            digit(q / 1_000_000),
            b'.',
            digit(q / 100_000),
            digit(q / 10_000),
            digit(q / 1_000),
            digit(q / 100),
            digit(q / 10),
            digit(q),
            b'e',
            exp_sign,
        ]);
        let e = exp.unsigned_abs();
        if e >= 100 {
            push(&[digit(e / 100)]);
        }
        push(&[digit(e / 10), digit(e)]);
    }
    len
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected strings printed by glibc's printf("[%12e]").
    #[test]
    fn matches_glibc() {
        let cases: &[(f64, &str)] = &[
            (42.5, "4.250000e+01"),
            (-1.23e-4, "-1.230000e-04"),
            (1e100, "1.000000e+100"),
            (0.0, "0.000000e+00"),
            (-0.0, "-0.000000e+00"),
            (9.9999995e5, "9.999999e+05"),
            (9999999.6, "1.000000e+07"),
            (f64::INFINITY, "         inf"),
            (f64::NEG_INFINITY, "        -inf"),
            (5e-324, "4.940656e-324"),
            (f64::MAX, "1.797693e+308"),
            (0.5e-5, "5.000000e-06"),
            (2.5e-7, "2.500000e-07"),
            (1.0000005, "1.000001e+00"),
            (1.0000015, "1.000001e+00"),
            (0.1, "1.000000e-01"),
            (123456.5e-20, "1.234565e-15"),
            (1.0, "1.000000e+00"),
            (-9.5, "-9.500000e+00"),
        ];
        for &(v, want) in cases {
            assert_eq!(std::format!("{}", Exp12(v)), want, "{v:e}");
        }
        assert_eq!(std::format!("{}", Exp12(f64::NAN)), "         nan");
    }

    /// Return `%12e` as the formatter before [`exp_digits`] wrote it, from `core`'s `{:.6e}`.
    fn old_exp12(v: f64) -> std::string::String {
        let text = if v.is_nan() {
            std::string::String::from(if v.is_sign_negative() { "-nan" } else { "nan" })
        } else if v.is_infinite() {
            std::string::String::from(if v < 0.0 { "-inf" } else { "inf" })
        } else {
            let rust = std::format!("{v:.6e}");
            let (mantissa, exp) = rust.split_once('e').unwrap();
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exp),
            };
            let pad = if digits.len() < 2 { "0" } else { "" };
            std::format!("{mantissa}e{sign}{pad}{digits}")
        };
        std::format!("{text:>12}")
    }

    #[test]
    fn matches_old_formatting() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let specials = [
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            -f64::from_bits(1),
            9_999_999.5,
            -9.9999995e-100,
        ];
        let random = (0..20_000).map(|_| f64::from_bits(next()));
        for v in specials.into_iter().chain(random) {
            let ours = std::format!("{}", Exp12(v));
            assert_eq!(ours, old_exp12(v), "{:#x}", v.to_bits());
            // The formatter's own flags change nothing, as before.
            assert_eq!(std::format!("{:>20}", Exp12(v)), ours);
        }
    }
}
