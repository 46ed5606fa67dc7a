//! Splitting a line into fields the way collectd's `cmd_split` does.
//!
//! Outside quotes, runs of whitespace separate fields. A `"` opens or closes
//! a quoted part, and the quote characters are dropped; a quoted part right
//! after unquoted text joins that text's field (`a/"b c"` is one field), and
//! a closing quote always ends its field (`a"b"c` is `ab` and `c`, `"a""b"`
//! is `a` and `b`, `""` is an empty field). Inside quotes a backslash takes
//! the next byte literally; outside quotes it is an ordinary byte.
//!
//! A line without `"` needs no unquoting, so its fields borrow straight from
//! the line. Otherwise the fields are unquoted into a [`Scratch`] buffer, each
//! ended by a NUL byte (which cannot occur in a line: a NUL ends the line, as
//! in C), and borrowed from there.

use super::error::Error;
use super::scan;

/// The longest line collie accepts, not counting its CR/LF ending.
pub const MAX_LINE: usize = 1024;

/// Return whether `b` is whitespace to C's `isspace` in the C locale.
pub const fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Return the index of the first whitespace byte of `s`.
#[inline]
pub(crate) fn find_space(s: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        // Control bytes other than whitespace are rare: step over them.
        let i = from + scan::find_below_bang(s.get(from..)?)?;
        if is_space(*s.get(i)?) {
            return Some(i);
        }
        from = i + 1;
    }
}

/// Return `s` without leading whitespace.
#[inline]
pub(crate) fn trim_start(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_space(b)).unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

/// Return `s` without trailing whitespace.
pub(crate) fn trim_end(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&b| !is_space(b)).map_or(0, |i| i + 1);
    s.get(..end).unwrap_or_default()
}

/// Room to unquote one line into, used only by lines that hold a `"`.
///
/// Keep one per connection and pass it to every [`parse`](super::parse).
#[derive(Debug, Clone)]
pub struct Scratch {
    buf: [u8; MAX_LINE + 1],
}

impl Scratch {
    /// Create an empty scratch buffer.
    pub const fn new() -> Self {
        Scratch {
            buf: [0; MAX_LINE + 1],
        }
    }

    /// Start writing at the beginning of the buffer.
    pub(crate) fn writer(&mut self) -> Writer<'_> {
        Writer {
            buf: &mut self.buf,
            len: 0,
        }
    }

    /// Return the first `len` bytes, for the rest of the scratch's borrow.
    pub(crate) fn frozen(&self, len: usize) -> &[u8] {
        self.buf.get(..len).unwrap_or_default()
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Scratch::new()
    }
}

/// Appends bytes to a [`Scratch`].
pub(crate) struct Writer<'s> {
    buf: &'s mut [u8],
    len: usize,
}

impl Writer<'_> {
    /// Append one byte, or fail if the scratch is full.
    pub(crate) fn push(&mut self, b: u8) -> Result<(), Error<'static>> {
        let slot = self.buf.get_mut(self.len).ok_or(Error::LineTooLong)?;
        *slot = b;
        self.len += 1;
        Ok(())
    }

    /// Append all of `bytes`, or fail if the scratch is full.
    pub(crate) fn push_all(&mut self, bytes: &[u8]) -> Result<(), Error<'static>> {
        let end = self.len + bytes.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(Error::LineTooLong)?;
        dst.copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// Return how many bytes were written.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Return the bytes written from `start` on.
    pub(crate) fn since(&self, start: usize) -> &[u8] {
        self.buf.get(start..self.len).unwrap_or_default()
    }
}

/// An iterator over the fields of a split line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    rest: &'a [u8],
    packed: bool,
}

impl<'a> Fields<'a> {
    /// Iterate the whitespace-separated fields of `text`, which must need no unquoting.
    pub(crate) const fn whitespace(text: &'a [u8]) -> Self {
        Fields {
            rest: text,
            packed: false,
        }
    }

    /// Iterate fields each ended by a NUL byte.
    pub(crate) const fn packed(text: &'a [u8]) -> Self {
        Fields {
            rest: text,
            packed: true,
        }
    }

    /// Return whether no field is left.
    #[inline]
    pub fn is_empty(&self) -> bool {
        if self.packed {
            self.rest.is_empty()
        } else {
            self.rest.iter().all(|&b| is_space(b))
        }
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.packed {
            if self.rest.is_empty() {
                return None;
            }
            let end = scan::find_byte(self.rest, 0).unwrap_or(self.rest.len());
            let field = self.rest.get(..end).unwrap_or_default();
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
            Some(field)
        } else {
            self.rest = trim_start(self.rest);
            if self.rest.is_empty() {
                return None;
            }
            let end = find_space(self.rest).unwrap_or(self.rest.len());
            let field = self.rest.get(..end).unwrap_or_default();
            self.rest = self.rest.get(end..).unwrap_or_default();
            Some(field)
        }
    }
}

/// Split `line` into fields as collectd's `cmd_split` does.
///
/// Fields borrow from `line` when it holds no `"`, else from `scratch`.
/// Fails with `Backslash at end of string.`, `Unterminated quoted string.`
/// or, if the unquoted fields outgrow the scratch, the line-too-long error.
pub fn split<'a>(line: &'a [u8], scratch: &'a mut Scratch) -> Result<Fields<'a>, Error<'a>> {
    if !line.contains(&b'"') {
        return Ok(Fields::whitespace(line));
    }
    unquote_fields(line, scratch)
}

/// Split `line`, which holds a `"`, into fields unquoted into `scratch`.
pub(crate) fn unquote_fields<'a>(
    line: &'a [u8],
    scratch: &'a mut Scratch,
) -> Result<Fields<'a>, Error<'a>> {
    let mut w = scratch.writer();
    let mut in_quotes = false;
    let mut in_field = false;
    let mut bytes = line.iter().copied();
    while let Some(b) = bytes.next() {
        let byte = match b {
            b'"' if in_quotes => {
                // A closing quote ends the field, even an empty one.
                w.push(0)?;
                in_field = false;
                in_quotes = false;
                continue;
            }
            b'"' => {
                // Any unquoted text before the quote stays in the field.
                in_quotes = true;
                continue;
            }
            b'\\' if in_quotes => bytes.next().ok_or(Error::BackslashAtEnd)?,
            b if is_space(b) && !in_quotes => {
                if in_field {
                    w.push(0)?;
                    in_field = false;
                }
                continue;
            }
            b => b,
        };
        w.push(byte)?;
        in_field = true;
    }
    if in_quotes {
        return Err(Error::UnterminatedQuote);
    }
    if in_field {
        w.push(0)?;
    }
    let len = w.len();
    let scratch: &'a Scratch = scratch;
    Ok(Fields::packed(scratch.frozen(len)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn fields(line: &str) -> Result<Vec<std::string::String>, Error<'static>> {
        let mut scratch = Scratch::new();
        match split(line.as_bytes(), &mut scratch) {
            Ok(f) => Ok(f
                .map(|f| std::string::String::from_utf8(f.to_vec()).unwrap())
                .collect()),
            Err(Error::BackslashAtEnd) => Err(Error::BackslashAtEnd),
            Err(Error::UnterminatedQuote) => Err(Error::UnterminatedQuote),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn whitespace_separates() {
        assert_eq!(fields("foo bar").unwrap(), ["foo", "bar"]);
        assert_eq!(fields("foo \t bar").unwrap(), ["foo", "bar"]);
        assert_eq!(
            fields("one two\tthree\rfour\nfive\x0bsix\x0cseven")
                .unwrap()
                .len(),
            7
        );
        assert_eq!(fields("\twith trailing\n").unwrap(), ["with", "trailing"]);
        assert_eq!(fields("single").unwrap(), ["single"]);
        assert!(fields("").unwrap().is_empty());
        assert!(fields("   ").unwrap().is_empty());
    }

    #[test]
    fn quotes_follow_cmd_split() {
        assert_eq!(fields(r#"a/b/"c d""#).unwrap(), ["a/b/c d"]);
        assert_eq!(
            fields(r#"testhost/test/"gauge-with space" 1:2"#).unwrap(),
            ["testhost/test/gauge-with space", "1:2"]
        );
        assert_eq!(fields(r#""a""b""#).unwrap(), ["a", "b"]);
        assert_eq!(fields(r#"a"b"c"#).unwrap(), ["ab", "c"]);
        assert_eq!(fields(r#""a"b"#).unwrap(), ["a", "b"]);
        assert_eq!(fields(r#""""#).unwrap(), [""]);
        assert_eq!(fields(r#"x "" y"#).unwrap(), ["x", "", "y"]);
        assert_eq!(fields(r#"" lead  trail ""#).unwrap(), [" lead  trail "]);
        assert_eq!(fields(r#"'a b' "c""#).unwrap(), ["'a", "b'", "c"]);
    }

    #[test]
    fn backslash_escapes_only_inside_quotes() {
        assert_eq!(
            fields(r#""a\"b" "\\" "\n""#).unwrap(),
            [r#"a"b"#, r"\", "n"]
        );
        assert_eq!(fields(r#"C:\path "q""#).unwrap(), [r"C:\path", "q"]);
        assert_eq!(fields(r"no\quotes\").unwrap(), [r"no\quotes\"]);
    }

    #[test]
    fn quoting_errors() {
        assert_eq!(fields(r#""abc\"#), Err(Error::BackslashAtEnd));
        assert_eq!(fields(r#"x "abc"#), Err(Error::UnterminatedQuote));
        assert_eq!(fields(r#"x ""#), Err(Error::UnterminatedQuote));
        assert_eq!(fields(r#""a\" b"#), Err(Error::UnterminatedQuote));
    }

    #[test]
    fn unquoted_lines_borrow_the_input() {
        let line = b"PUTVAL h/p/t 1:2";
        let mut scratch = Scratch::new();
        let f: Vec<&[u8]> = split(line, &mut scratch).unwrap().collect();
        assert!(core::ptr::eq(f[1].as_ptr(), line[7..].as_ptr()));
    }

    #[test]
    fn worst_case_fits_the_scratch() {
        // Every field unquoted in one byte and ended by a NUL: output = input + 1.
        let line: Vec<u8> = core::iter::repeat_n(b"\"\" ".as_slice(), 341)
            .flatten()
            .copied()
            .chain(*b"x")
            .collect();
        assert!(line.len() <= MAX_LINE);
        let mut scratch = Scratch::new();
        assert_eq!(split(&line, &mut scratch).unwrap().count(), 342);
        let full = [b'"'; 2]
            .iter()
            .chain([b'a'; MAX_LINE - 2].iter())
            .copied()
            .collect::<Vec<_>>();
        let mut scratch = Scratch::new();
        assert_eq!(split(&full, &mut scratch).unwrap().count(), 2);
    }
}
