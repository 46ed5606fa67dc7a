//! Byte searches eight bytes at a time, for the parser's hot paths.
//!
//! Each search reads the input as little-endian `u64` words and flags the
//! interesting bytes of a word by their high bit with the usual carry
//! tricks (SWAR, "SIMD within a register"). A flag can only be wrong in a
//! byte above a correctly flagged one, so the lowest flag of a word is
//! always exact, and that is the only one the searches use. The last word
//! of an input may overlap the one before it: its bytes below the overlap
//! were already searched and held no match, so they raise no flag.

/// `0x01` in every byte.
const LO: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
const HI: u64 = 0x8080_8080_8080_8080;

/// Read eight bytes as a little-endian word.
#[inline(always)]
fn word(chunk: &[u8]) -> u64 {
    u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]))
}

/// Flag the bytes of `w` that are zero.
#[inline(always)]
const fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(LO) & !w & HI
}

/// Flag the bytes of `w` equal to `b`.
#[inline(always)]
const fn eq_bytes(w: u64, b: u8) -> u64 {
    zero_bytes(w ^ (LO * b as u64))
}

/// Flag the bytes of `w` below `n`, which must be at most 128.
#[inline(always)]
const fn below_bytes(w: u64, n: u8) -> u64 {
    w.wrapping_sub(LO * n as u64) & !w & HI
}

/// Return the index of the first byte of `s` that `flags` flags and `is` accepts.
///
/// `flags` must flag every byte `is` accepts (and may flag more).
#[inline(always)]
fn find(s: &[u8], flags: impl Fn(u64) -> u64, is: impl Fn(u8) -> bool) -> Option<usize> {
    if s.len() < 8 {
        return s.iter().position(|&b| is(b));
    }
    let mut base = 0;
    let last = s.len() - 8;
    loop {
        let at = base.min(last);
        let m = flags(word(s.get(at..at + 8).unwrap_or_default()));
        if m != 0 {
            return Some(at + (m.trailing_zeros() / 8) as usize);
        }
        if at == last {
            return None;
        }
        base += 8;
    }
}

/// Return the index of the first `b` in `s`.
#[inline]
pub(crate) fn find_byte(s: &[u8], b: u8) -> Option<usize> {
    find(s, |w| eq_bytes(w, b), |x| x == b)
}

/// Return the index of the first NUL or `"` in `s`.
#[inline]
pub(crate) fn find_nul_or_quote(s: &[u8]) -> Option<usize> {
    find(
        s,
        |w| zero_bytes(w) | eq_bytes(w, b'"'),
        |x| x == 0 || x == b'"',
    )
}

/// Return the index of the first `"`, `\\` or NUL in `s`: where a quoted part ends or stops being plain.
/// Return the index of the first `"`, backslash or NUL in `s`: where a quoted part ends or stops being plain.
pub(crate) fn find_quote_backslash_or_nul(s: &[u8]) -> Option<usize> {
    find(
        s,
        |w| zero_bytes(w) | eq_bytes(w, b'"') | eq_bytes(w, b'\\'),
        |x| x == 0 || x == b'"' || x == b'\\',
    )
}

/// Return the index of the first byte of `s` below `!` (a space or a control byte).
#[inline]
pub(crate) fn find_below_bang(s: &[u8]) -> Option<usize> {
    find(s, |w| below_bytes(w, b'!'), |x| x < b'!')
}

/// Return the index of the first byte of `s` below `#`: whitespace, a NUL, a `"` or another control byte.
#[inline]
pub(crate) fn find_field_stop(s: &[u8]) -> Option<usize> {
    find(s, |w| below_bytes(w, b'#'), |x| x < b'#')
}

/// Return the index of the first `/` of `s` or the first byte below `#`.
#[inline]
pub(crate) fn find_field_stop_or_slash(s: &[u8]) -> Option<usize> {
    find(
        s,
        |w| below_bytes(w, b'#') | eq_bytes(w, b'/'),
        |x| x < b'#' || x == b'/',
    )
}

/// Flag the bytes of `w` that are not ASCII digits.
///
/// A byte is a digit if its high nibble is 3 and adding 6 keeps it so. The
/// addition carries into the next byte only out of a byte of `0xfa` or
/// more, which is flagged itself, so the lowest flag is exact.
#[inline(always)]
const fn non_digit_bytes(w: u64) -> u64 {
    const HIGH_NIBBLES: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    ((w & HIGH_NIBBLES) ^ THREES) | ((w.wrapping_add(LO * 6) & HIGH_NIBBLES) ^ THREES)
}

/// Return the length of the run of ASCII digits that starts `s`.
#[inline]
pub(crate) fn digit_run(s: &[u8]) -> usize {
    let mut n = 0;
    while let Some(chunk) = s.get(n..).and_then(|rest| rest.first_chunk::<8>()) {
        let m = non_digit_bytes(u64::from_le_bytes(*chunk));
        if m != 0 {
            return n + (m.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    let tail = s.get(n..).unwrap_or_default();
    n + tail
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(tail.len())
}

/// Return the length of the run of ASCII digits that starts at `s[from]`.
///
/// Near the end of `s` the last eight bytes are read and shifted, so the
/// bytes past the end come in as zeros, which are no digits; only an `s`
/// shorter than eight bytes is read a byte at a time.
#[inline]
pub(crate) fn digit_run_at(s: &[u8], from: usize) -> usize {
    let mut at = from;
    loop {
        let w = match s.get(at..).and_then(|rest| rest.first_chunk::<8>()) {
            Some(chunk) => u64::from_le_bytes(*chunk),
            None => {
                let left = s.len().saturating_sub(at);
                let last = s.len().checked_sub(8).and_then(|i| s.get(i..));
                match last.and_then(|tail| tail.first_chunk::<8>()) {
                    Some(chunk) if left > 0 => u64::from_le_bytes(*chunk) >> (8 * (8 - left)),
                    Some(_) => return at - from,
                    None => return at - from + digit_run(s.get(at..).unwrap_or_default()),
                }
            }
        };
        let m = non_digit_bytes(w);
        if m != 0 {
            return at - from + (m.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_match_at_every_offset() {
        for len in 0..40 {
            for at in 0..=len {
                let mut s = std::vec![b'a'; len];
                if at < len {
                    s[at] = b'"';
                }
                let want = (at < len).then_some(at);
                assert_eq!(find_nul_or_quote(&s), want, "{len} {at}");
                assert_eq!(find_byte(&s, b'"'), want);
                if at < len {
                    s[at] = 0;
                    // A second match later must not hide the first.
                    if at + 1 < len {
                        s[at + 1] = b'"';
                    }
                }
                assert_eq!(find_nul_or_quote(&s), want, "{len} {at}");
                assert_eq!(find_below_bang(&s), want, "{len} {at}");
            }
        }
        for len in 0..24 {
            for at in 0..=len {
                for stop in [b'/', b':', 0xff, 0xfa, b'9' + 1, b'0' - 1, 0x39 + 0x80] {
                    let mut s: std::vec::Vec<u8> =
                        (0..len).map(|i| b'0' + (i % 10) as u8).collect();
                    if at < len {
                        s[at] = stop;
                    }
                    assert_eq!(digit_run(&s), at, "{s:?}");
                    for from in 0..=len {
                        let want = if from <= at {
                            at - from
                        } else {
                            digit_run(&s[from..])
                        };
                        assert_eq!(digit_run_at(&s, from), want, "{s:?} {from}");
                    }
                }
            }
        }
        let high = [0xffu8, 0x80, 0xa0, 0x21, b' ', 0x21, 0, 1];
        assert_eq!(find_below_bang(&high), Some(4));
        assert_eq!(find_below_bang(&high[5..]), Some(1));
        assert_eq!(find_byte(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 1], 1), Some(0));
        assert_eq!(find_byte(&[2, 2, 3, 4, 5, 6, 7, 8, 9, 1], 1), Some(9));
    }
}
