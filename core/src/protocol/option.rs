//! `key=value` options, as collectd's `cmd_parse_option` recognises them.

use nom::bytes::complete::take_while1;
use nom::character::complete::char;
use nom::sequence::terminated;
use nom::{IResult, Parser};

/// Return whether `b` may appear in an option key (`[A-Za-z0-9_:]`).
pub const fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// [`is_key_byte`] for every byte, as a table.
const KEY_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = is_key_byte(b as u8);
        b += 1;
    }
    table
};

/// Parse a non-empty option key and the `=` after it, returning the key.
pub(crate) fn key_eq(input: &[u8]) -> IResult<&[u8], &[u8], ()> {
    terminated(take_while1(is_key_byte), char('=')).parse(input)
}

/// Split `field` into key and value if it is an option, else return `None`.
///
/// A field is an option if it starts with `[A-Za-z0-9_:]+=`; the value is
/// everything after the first `=` and may be empty. This is `key_eq`
/// written out by hand, as PUTVAL asks it of every field.
#[inline]
pub fn split_option(field: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = field
        .iter()
        .position(|&b| !KEY_BYTES.get(usize::from(b)).copied().unwrap_or(false))?;
    match field.split_at_checked(n)? {
        (key, [b'=', value @ ..]) if !key.is_empty() => Some((key, value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_options() {
        assert_eq!(
            split_option(b"interval=10"),
            Some((&b"interval"[..], &b"10"[..]))
        );
        assert_eq!(
            split_option(b"meta:k_1=a=b"),
            Some((&b"meta:k_1"[..], &b"a=b"[..]))
        );
        assert_eq!(split_option(b"plugin="), Some((&b"plugin"[..], &b""[..])));
        assert_eq!(split_option(b"=x"), None);
        assert_eq!(split_option(b"a-b=x"), None);
        assert_eq!(split_option(b"1234:42"), None);
        assert_eq!(split_option(b"h/p/t"), None);
        assert_eq!(split_option(b""), None);
    }
}
