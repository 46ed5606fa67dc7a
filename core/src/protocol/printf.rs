//! C `printf` conversions that Rust's formatting does not provide.

use core::fmt::{self, Write};

/// Format a double as C's `printf("%12e")` does, such as `4.250000e+01`.
///
/// Rust's `{:.6e}` rounds the exact binary value to nearest, ties to even,
/// as glibc does; only the exponent (sign always, at least two digits) and
/// the padding to 12 columns need rewriting. Infinities print as `inf` and
/// `-inf`, NaN as `nan` or `-nan`, right-aligned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exp12(pub f64);

impl fmt::Display for Exp12 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        let mut text: heapless::String<24> = heapless::String::new();
        if v.is_nan() {
            text.push_str(if v.is_sign_negative() { "-nan" } else { "nan" })
                .map_err(|_| fmt::Error)?;
        } else if v.is_infinite() {
            text.push_str(if v < 0.0 { "-inf" } else { "inf" })
                .map_err(|_| fmt::Error)?;
        } else {
            let mut rust: heapless::String<24> = heapless::String::new();
            write!(rust, "{v:.6e}")?;
            let (mantissa, exp) = rust.split_once('e').ok_or(fmt::Error)?;
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(digits) => ('-', digits),
                None => ('+', exp),
            };
            let pad = if digits.len() < 2 { "0" } else { "" };
            write!(text, "{mantissa}e{sign}{pad}{digits}")?;
        }
        write!(f, "{text:>12}")
    }
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
}
