//! Errors a command can end in, worded as collectd 5.12 words them.

use core::fmt;

use crate::sink::{Sink, SinkFull, put_decimal};
use crate::time::Time;

use super::reply::Erased;

/// Why a command failed; its message is the text after `-1 ` in the reply.
///
/// Parse errors borrow the offending text from the line (or from its
/// unquoted form) and echo it byte for byte. The last few variants are not
/// produced by the parser but by an engine answering a command, and by the
/// line framer.
///
/// Messages match collectd 5.12 except where collie fixes collectd: an
/// undefined PUTVAL type has no stray `1 ` before it, and an unknown GETVAL
/// type is a single line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error<'a> {
    /// `Unknown command: <word>`
    UnknownCommand(&'a [u8]),
    /// `Backslash at end of string.`
    BackslashAtEnd,
    /// `Unterminated quoted string.`
    UnterminatedQuote,
    /// `Missing identifier and/or value-list.` (PUTVAL with fewer than two arguments)
    MissingIdentifierOrValues,
    /// ``Cannot parse identifier `<id>'.``
    CannotParseIdentifier(&'a [u8]),
    /// `Identifier too long.` (PUTVAL)
    IdentifierTooLong,
    /// ``Type `<type>' isn't defined.`` (PUTVAL)
    TypeNotDefined(&'a [u8]),
    /// ``Type `<type>' is unknown.`` (GETVAL)
    TypeUnknown(&'a [u8]),
    /// `Parsing the values string failed.` (PUTVAL)
    ParsingValuesFailed,
    /// `Missing identifier.` (GETVAL)
    MissingIdentifier,
    /// ``Garbage after identifier: `<field>'.`` (GETVAL)
    GarbageAfterIdentifier(&'a [u8]),
    /// ``Garbage after end of command: `<field>'.`` (LISTVAL)
    GarbageAfterCommand(&'a [u8]),
    /// ``Invalid option string `<field>'.`` (FLUSH)
    InvalidOptionString(&'a [u8]),
    /// ``Invalid identifier `<value>'.`` (FLUSH; collectd shows the value only up to its first `/`)
    InvalidIdentifier(&'a [u8]),
    /// ``Invalid value for option `timeout': <value>`` (FLUSH; no period)
    InvalidTimeout(&'a [u8]),
    /// ``Cannot parse option `<key>'.`` (FLUSH)
    CannotParseOption(&'a [u8]),
    /// `Malformed option.` (PUTNOTIF)
    MalformedOption,
    /// ``Error parsing option `<key>'`` (PUTNOTIF; no period)
    ErrorParsingOption(&'a [u8]),
    /// ``Option `severity' missing.`` (PUTNOTIF)
    SeverityMissing,
    /// ``Option `time' missing.`` (PUTNOTIF)
    TimeMissing,
    /// `No message or message of length 0 given.` (PUTNOTIF)
    MessageMissing,
    /// `No such value.` (GETVAL of a value not in the cache)
    NoSuchValue,
    /// `Value too old: name = <key>; value time = <t>; last cache update = <t>;`
    ValueTooOld {
        /// The cache key of the value.
        key: &'a [u8],
        /// The time of the value offered.
        value_time: Time,
        /// The time of the value already cached.
        last_update: Time,
    },
    /// `Value cache is full (capacity <n>).`
    CacheFull {
        /// How many values the cache holds.
        capacity: usize,
    },
    /// ``Host `<host>' holds its quota of <n> values.`` (PUTVAL of a new identifier past its host's quota)
    HostQuota {
        /// The host part of the identifier.
        host: &'a [u8],
        /// How many values one host may hold.
        quota: usize,
    },
    /// `Error reading value from cache.`
    CacheRead,
    /// `Line too long (over 1024 bytes).`
    LineTooLong,
    /// `Line holds a NUL byte.`
    NulByte,
}

impl Error<'_> {
    /// Write the message, without status or newline, echoing borrowed bytes as they are.
    pub fn write_message<S: Sink + ?Sized>(&self, out: &mut S) -> Result<(), SinkFull> {
        self.put_message(&mut Erased::new(&mut |b| out.put(b)))
    }

    /// Write the whole reply line: `-1 <message>\n`.
    pub fn write_reply<S: Sink + ?Sized>(&self, out: &mut S) -> Result<(), SinkFull> {
        self.put_reply(&mut Erased::new(&mut |b| out.put(b)))
    }

    /// Write the reply line for [`write_reply`](Self::write_reply), in one copy for every sink.
    #[cold]
    #[inline(never)]
    fn put_reply(&self, out: &mut Erased<'_>) -> Result<(), SinkFull> {
        out.put(b"-1 ")?;
        self.put_message(out)?;
        out.put(b"\n")
    }

    /// Write the message for [`write_message`](Self::write_message), in one copy for every sink.
    #[cold]
    #[inline(never)]
    fn put_message(&self, out: &mut Erased<'_>) -> Result<(), SinkFull> {
        let (start, before, after) = SPANS.get(self.index()).copied().unwrap_or_default();
        let (start, before, after) = (usize::from(start), usize::from(before), usize::from(after));
        let text = |from: usize, len: usize| WORDS.get(from..from + len).unwrap_or_default();
        out.put(text(start, before))?;
        out.put(self.echoed())?;
        match *self {
            Error::ValueTooOld {
                value_time,
                last_update,
                ..
            } => {
                out.put(b"; value time = ")?;
                value_time.put_secs_millis(out, b"")?;
                out.put(b"; last cache update = ")?;
                last_update.put_secs_millis(out, b"")?;
            }
            Error::CacheFull { capacity } => put_decimal(out, false, capacity as u64, b"")?,
            Error::HostQuota { quota, .. } => {
                out.put(b"' holds its quota of ")?;
                put_decimal(out, false, quota as u64, b"")?;
            }
            _ => {}
        }
        out.put(text(start + before, after))
    }

    /// Return the position of this error's wording in [`WORDING`].
    fn index(&self) -> usize {
        match self {
            Error::UnknownCommand(_) => 0,
            Error::BackslashAtEnd => 1,
            Error::UnterminatedQuote => 2,
            Error::MissingIdentifierOrValues => 3,
            Error::CannotParseIdentifier(_) => 4,
            Error::IdentifierTooLong => 5,
            Error::TypeNotDefined(_) => 6,
            Error::TypeUnknown(_) => 7,
            Error::ParsingValuesFailed => 8,
            Error::MissingIdentifier => 9,
            Error::GarbageAfterIdentifier(_) => 10,
            Error::GarbageAfterCommand(_) => 11,
            Error::InvalidOptionString(_) => 12,
            Error::InvalidIdentifier(_) => 13,
            Error::InvalidTimeout(_) => 14,
            Error::CannotParseOption(_) => 15,
            Error::MalformedOption => 16,
            Error::ErrorParsingOption(_) => 17,
            Error::SeverityMissing => 18,
            Error::TimeMissing => 19,
            Error::MessageMissing => 20,
            Error::NoSuchValue => 21,
            Error::ValueTooOld { .. } => 22,
            Error::CacheFull { .. } => 23,
            Error::HostQuota { .. } => 24,
            Error::CacheRead => 25,
            Error::LineTooLong => 26,
            Error::NulByte => 27,
        }
    }

    /// Return the bytes the message echoes from the line or the cache, or none.
    fn echoed(&self) -> &[u8] {
        match *self {
            Error::UnknownCommand(b)
            | Error::CannotParseIdentifier(b)
            | Error::TypeNotDefined(b)
            | Error::TypeUnknown(b)
            | Error::GarbageAfterIdentifier(b)
            | Error::GarbageAfterCommand(b)
            | Error::InvalidOptionString(b)
            | Error::InvalidIdentifier(b)
            | Error::InvalidTimeout(b)
            | Error::CannotParseOption(b)
            | Error::ErrorParsingOption(b)
            | Error::ValueTooOld { key: b, .. }
            | Error::HostQuota { host: b, .. } => b,
            _ => b"",
        }
    }
}

/// Each message's text before and after what it echoes, by [`Error::index`].
///
/// `ValueTooOld` writes its two times and `HostQuota` its quota between the
/// two; `CacheFull` writes its capacity there and echoes nothing.
const WORDING: [(&str, &str); 28] = [
    ("Unknown command: ", ""),
    ("Backslash at end of string.", ""),
    ("Unterminated quoted string.", ""),
    ("Missing identifier and/or value-list.", ""),
    ("Cannot parse identifier `", "'."),
    ("Identifier too long.", ""),
    ("Type `", "' isn't defined."),
    ("Type `", "' is unknown."),
    ("Parsing the values string failed.", ""),
    ("Missing identifier.", ""),
    ("Garbage after identifier: `", "'."),
    ("Garbage after end of command: `", "'."),
    ("Invalid option string `", "'."),
    ("Invalid identifier `", "'."),
    ("Invalid value for option `timeout': ", ""),
    ("Cannot parse option `", "'."),
    ("Malformed option.", ""),
    ("Error parsing option `", "'"),
    ("Option `severity' missing.", ""),
    ("Option `time' missing.", ""),
    ("No message or message of length 0 given.", ""),
    ("No such value.", ""),
    ("Value too old: name = ", ";"),
    ("Value cache is full (capacity ", ")."),
    ("Host `", " values."),
    ("Error reading value from cache.", ""),
    ("Line too long (over 1024 bytes).", ""),
    ("Line holds a NUL byte.", ""),
];

/// The bytes of every text in [`WORDING`], one after another.
///
/// With [`SPANS`] this takes a sixth of the space of a table of `&str`,
/// and needs no relocations in a position-independent binary.
static WORDS: [u8; WORDS_LEN] = {
    let mut words = [0; WORDS_LEN];
    let (mut i, mut at) = (0, 0);
    while i < WORDING.len() {
        let (before, after) = WORDING[i];
        let mut k = 0;
        while k < before.len() {
            words[at] = before.as_bytes()[k];
            (k, at) = (k + 1, at + 1);
        }
        k = 0;
        while k < after.len() {
            words[at] = after.as_bytes()[k];
            (k, at) = (k + 1, at + 1);
        }
        i += 1;
    }
    words
};

/// The length of [`WORDS`].
const WORDS_LEN: usize = {
    let (mut i, mut len) = (0, 0);
    while i < WORDING.len() {
        len += WORDING[i].0.len() + WORDING[i].1.len();
        i += 1;
    }
    len
};

/// Where each message's texts lie in [`WORDS`]: start, length before, length after.
static SPANS: [(u16, u8, u8); 28] = {
    let mut spans = [(0, 0, 0); 28];
    let (mut i, mut at) = (0, 0);
    while i < WORDING.len() {
        let (before, after) = WORDING[i];
        assert!(at <= u16::MAX as usize && before.len() <= 255 && after.len() <= 255);
        spans[i] = (at as u16, before.len() as u8, after.len() as u8);
        at += before.len() + after.len();
        i += 1;
    }
    spans
};

impl fmt::Display for Error<'_> {
    /// Write the message; bytes that are not UTF-8 show as U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lossy = |b: &[u8]| {
            for chunk in b.utf8_chunks() {
                f.write_str(chunk.valid()).map_err(|_| SinkFull)?;
                if !chunk.invalid().is_empty() {
                    f.write_str("\u{FFFD}").map_err(|_| SinkFull)?;
                }
            }
            Ok(())
        };
        self.put_message(&mut Erased::new(&mut lossy))
            .map_err(|_| fmt::Error)
    }
}

impl core::error::Error for Error<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(e: Error<'_>) -> std::vec::Vec<u8> {
        let mut v = std::vec::Vec::new();
        e.write_reply(&mut v).unwrap();
        v
    }

    #[test]
    fn every_message_is_worded_like_collectd() {
        let cases: &[(Error<'_>, &str)] = &[
            (Error::UnknownCommand(b"FOO"), "-1 Unknown command: FOO\n"),
            (Error::BackslashAtEnd, "-1 Backslash at end of string.\n"),
            (Error::UnterminatedQuote, "-1 Unterminated quoted string.\n"),
            (
                Error::MissingIdentifierOrValues,
                "-1 Missing identifier and/or value-list.\n",
            ),
            (
                Error::CannotParseIdentifier(b"a/b"),
                "-1 Cannot parse identifier `a/b'.\n",
            ),
            (Error::IdentifierTooLong, "-1 Identifier too long.\n"),
            (
                Error::TypeNotDefined(b"nope"),
                "-1 Type `nope' isn't defined.\n",
            ),
            (Error::TypeUnknown(b"nope"), "-1 Type `nope' is unknown.\n"),
            (
                Error::ParsingValuesFailed,
                "-1 Parsing the values string failed.\n",
            ),
            (Error::MissingIdentifier, "-1 Missing identifier.\n"),
            (
                Error::GarbageAfterIdentifier(b"x"),
                "-1 Garbage after identifier: `x'.\n",
            ),
            (
                Error::GarbageAfterCommand(b"x"),
                "-1 Garbage after end of command: `x'.\n",
            ),
            (
                Error::InvalidOptionString(b"a/b/c"),
                "-1 Invalid option string `a/b/c'.\n",
            ),
            (
                Error::InvalidIdentifier(b"inv"),
                "-1 Invalid identifier `inv'.\n",
            ),
            (
                Error::InvalidTimeout(b"A"),
                "-1 Invalid value for option `timeout': A\n",
            ),
            (
                Error::CannotParseOption(b"invalid"),
                "-1 Cannot parse option `invalid'.\n",
            ),
            (Error::MalformedOption, "-1 Malformed option.\n"),
            (
                Error::ErrorParsingOption(b"sev"),
                "-1 Error parsing option `sev'\n",
            ),
            (Error::SeverityMissing, "-1 Option `severity' missing.\n"),
            (Error::TimeMissing, "-1 Option `time' missing.\n"),
            (
                Error::MessageMissing,
                "-1 No message or message of length 0 given.\n",
            ),
            (Error::NoSuchValue, "-1 No such value.\n"),
            (
                Error::CacheFull { capacity: 4096 },
                "-1 Value cache is full (capacity 4096).\n",
            ),
            (
                Error::HostQuota {
                    host: b"h",
                    quota: 16,
                },
                "-1 Host `h' holds its quota of 16 values.\n",
            ),
            (Error::CacheRead, "-1 Error reading value from cache.\n"),
            (Error::LineTooLong, "-1 Line too long (over 1024 bytes).\n"),
            (Error::NulByte, "-1 Line holds a NUL byte.\n"),
        ];
        for (e, want) in cases {
            assert_eq!(std::str::from_utf8(&reply(*e)).unwrap(), *want);
            assert_eq!(std::format!("-1 {e}\n"), *want);
        }
    }

    #[test]
    fn value_too_old_prints_three_decimals() {
        let e = Error::ValueTooOld {
            key: b"h/p/gauge",
            value_time: Time::from_secs(1_700_000_000),
            last_update: Time::from_secs_f64(1_700_000_010.25),
        };
        assert_eq!(
            reply(e),
            b"-1 Value too old: name = h/p/gauge; value time = 1700000000.000; \
              last cache update = 1700000010.250;\n"
        );
    }

    #[test]
    fn raw_bytes_are_echoed_verbatim() {
        let e = Error::UnknownCommand(b"\xffX");
        assert_eq!(reply(e), b"-1 Unknown command: \xffX\n");
        assert_eq!(std::format!("{e}"), "Unknown command: \u{FFFD}X");
    }
}
