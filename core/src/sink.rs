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
