//! Byte sinks that writers format into without allocating.

use core::fmt;

/// The sink had no room for the bytes offered to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SinkFull;

impl fmt::Display for SinkFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("output buffer is full")
    }
}

impl core::error::Error for SinkFull {}

/// A destination for formatted bytes.
///
/// A writer either appends all of `bytes` or returns [`SinkFull`]; what a
/// sink keeps of a partial write after an error is unspecified.
pub trait Sink {
    /// Append `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull>;

    /// Append formatted text, as `write!` would.
    fn put_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), SinkFull> {
        struct Adapter<'s, S: Sink + ?Sized>(&'s mut S);
        impl<S: Sink + ?Sized> fmt::Write for Adapter<'_, S> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                self.0.put(s.as_bytes()).map_err(|_| fmt::Error)
            }
        }
        fmt::write(&mut Adapter(self), args).map_err(|_| SinkFull)
    }
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull> {
        (**self).put(bytes)
    }
}

impl<const N: usize> Sink for heapless::Vec<u8, N> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull> {
        self.extend_from_slice(bytes).map_err(|_| SinkFull)
    }
}

#[cfg(any(test, feature = "std"))]
impl Sink for std::vec::Vec<u8> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// Write a decimal integer followed by `tail`.
#[inline]
pub(crate) fn put_int<S: Sink + ?Sized>(out: &mut S, v: i64, tail: &[u8]) -> Result<(), SinkFull> {
    put_decimal(out, v < 0, v.unsigned_abs(), tail)
}

/// Write the decimal digits of `n`, after a `-` when `negative`, followed by `tail`.
#[inline]
pub(crate) fn put_decimal<S: Sink + ?Sized>(
    out: &mut S,
    negative: bool,
    mut n: u64,
    tail: &[u8],
) -> Result<(), SinkFull> {
    // Up to 20 digits and a sign end at 21; a short tail follows in place.
    let mut buf = [0u8; 25];
    let mut i = 21;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if negative {
        i -= 1;
        buf[i] = b'-';
    }
    let end = 21 + tail.len();
    if tail.len() <= 4 {
        buf[21..end].copy_from_slice(tail);
        out.put(&buf[i..end])
    } else {
        out.put(&buf[i..21])?;
        out.put(tail)
    }
}

/// Return the eight decimal digits of `n` (< 10^8), one per byte, the first in the lowest byte.
///
/// Both halves of four digits, then their pairs, then single digits are
/// split at once in lanes of one `u64`: no table and no chain of divisions.
#[inline]
const fn eight_digits(n: u32) -> u64 {
    let x = (n / 10_000) as u64 | (((n % 10_000) as u64) << 32);
    // x / 100 in each 32-bit lane: exact below 10 000.
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let pairs = hundreds | ((x - hundreds * 100) << 16);
    // y / 10 in each 16-bit lane: exact below 100.
    let tens = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    tens | ((pairs - tens * 10) << 8)
}

/// Return the eight ASCII digits of `n` (< 10^8), leading zeros included.
#[inline]
fn full_digits(n: u32) -> [u8; 8] {
    (eight_digits(n) | ZEROS).to_le_bytes()
}

/// ASCII `'0'` in every byte.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// Powers of ten that fit in a `u64`.
const POW10: [u64; 20] = {
    let mut p = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// Return how many decimal digits `n` has.
#[inline]
pub(crate) fn decimal_len(n: u64) -> usize {
    // bits · log10(2), rounded down, is the count or one short of it;
    // one comparison tells which.
    // `n | 1` gives 0 its one digit and changes no other count: 10^t is
    // even, so an even `n` reaches it exactly when `n + 1` does.
    let m = n | 1;
    let bits = u64::BITS - m.leading_zeros();
    let t = (bits * 1233) >> 12;
    t as usize + usize::from(m >= POW10[t as usize])
}

/// Return the last `len` (1 to 8) of the eight ASCII digits of `n` (< 10^8), in the low bytes.
#[inline]
fn last_digits(n: u32, len: usize) -> [u8; 8] {
    ((eight_digits(n) >> ((8 - len) * 8)) | ZEROS).to_le_bytes()
}

/// Room [`write_decimal`] needs: 20 digits, and 8-byte stores past a shorter number.
pub(crate) const DECIMAL_ROOM: usize = 24;

/// Write the decimal digits of `n` at the start of `buf` and return how many there are.
///
/// Bytes after the digits may be overwritten too; the caller writes what
/// follows over them. The branches test `n` itself and the length comes
/// from [`decimal_len`], apart from the digits, so neither waits for the
/// other.
#[inline]
pub(crate) fn write_decimal(buf: &mut [u8; DECIMAL_ROOM], n: u64) -> usize {
    const E8: u64 = 100_000_000;
    let len = decimal_len(n);
    // The first digits, then whole chunks of eight, each over what the
    // store before it left past its digits.
    if n < E8 {
        buf[..8].copy_from_slice(&last_digits(n as u32, len));
    } else if n < E8 * E8 {
        buf[..8].copy_from_slice(&last_digits((n / E8) as u32, len - 8));
        buf[len - 8..len].copy_from_slice(&full_digits((n % E8) as u32));
    } else {
        // Seventeen digits or more are rare: one at a time, in little code.
        let mut rest = n;
        for b in buf[..len].iter_mut().rev() {
            *b = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
    }
    len
}

/// A sink over a caller's byte slice.
#[derive(Debug)]
pub struct SliceSink<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> SliceSink<'a> {
    /// Wrap `buf`, starting empty.
    pub fn new(buf: &'a mut [u8]) -> Self {
        SliceSink { buf, len: 0 }
    }

    /// Return the bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Return how many bytes were written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Return whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget what was written, keeping the buffer.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl Sink for SliceSink<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), SinkFull> {
        let end = self.len.checked_add(bytes.len()).ok_or(SinkFull)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(SinkFull)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_cover_every_u64_with_a_sign_and_a_tail() {
        let mut v = std::vec::Vec::new();
        put_decimal(&mut v, true, u64::MAX, b" x").unwrap();
        put_decimal(&mut v, false, 0, b"").unwrap();
        put_int(&mut v, i64::MIN, b"|").unwrap();
        put_int(&mut v, 42, b" long tail").unwrap();
        assert_eq!(
            v,
            b"-18446744073709551615 x0-9223372036854775808|42 long tail"
        );
    }

    #[test]
    fn write_decimal_matches_display() {
        let check = |n: u64| {
            let mut buf = [0u8; DECIMAL_ROOM];
            let len = write_decimal(&mut buf, n);
            assert_eq!(&buf[..len], n.to_string().as_bytes(), "{n}");
            assert_eq!(decimal_len(n), len, "{n}");
        };
        for n in 0..100_000 {
            check(n);
        }
        for p in POW10 {
            for d in [p - 1, p, p + 1, p.wrapping_mul(7) / 3, p.saturating_mul(9)] {
                check(d);
            }
        }
        check(u64::MAX);
        // A fixed sequence covering every length.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check(x >> (x % 64));
        }
    }

    #[test]
    fn slice_sink_refuses_overflow() {
        let mut buf = [0u8; 4];
        let mut s = SliceSink::new(&mut buf);
        assert_eq!(s.put(b"abc"), Ok(()));
        assert_eq!(s.put(b"de"), Err(SinkFull));
        assert_eq!(s.as_bytes(), b"abc");
    }

    #[test]
    fn put_fmt_formats() {
        let mut v: heapless::Vec<u8, 16> = heapless::Vec::new();
        v.put_fmt(format_args!("{} {}", -1, "x")).unwrap();
        assert_eq!(&v[..], b"-1 x");
    }
}
