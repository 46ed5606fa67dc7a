//! Errors a command can end in, worded as collectd 5.12 words them.

use core::fmt;

use crate::sink::{Sink, SinkFull};
use crate::time::Time;

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
        self.pieces(|piece| match piece {
            Piece::Text(s) => out.put(s.as_bytes()),
            Piece::Bytes(b) => out.put(b),
            Piece::Time(t) => out.put_fmt(format_args!("{t}")),
            Piece::Count(n) => out.put_fmt(format_args!("{n}")),
        })
    }

    /// Write the whole reply line: `-1 <message>\n`.
    pub fn write_reply<S: Sink + ?Sized>(&self, out: &mut S) -> Result<(), SinkFull> {
        out.put(b"-1 ")?;
        self.write_message(out)?;
        out.put(b"\n")
    }

    /// Feed the message to `emit` piece by piece, so text and raw bytes share one wording.
    fn pieces<E>(&self, mut emit: impl FnMut(Piece<'_>) -> Result<(), E>) -> Result<(), E> {
        use Piece::{Bytes, Count, Text};
        let mut quoted = |before: &'static str, b: &[u8], after: &'static str| {
            emit(Text(before))?;
            emit(Bytes(b))?;
            emit(Text(after))
        };
        match *self {
            Error::UnknownCommand(w) => quoted("Unknown command: ", w, ""),
            Error::BackslashAtEnd => emit(Text("Backslash at end of string.")),
            Error::UnterminatedQuote => emit(Text("Unterminated quoted string.")),
            Error::MissingIdentifierOrValues => emit(Text("Missing identifier and/or value-list.")),
            Error::CannotParseIdentifier(id) => quoted("Cannot parse identifier `", id, "'."),
            Error::IdentifierTooLong => emit(Text("Identifier too long.")),
            Error::TypeNotDefined(t) => quoted("Type `", t, "' isn't defined."),
            Error::TypeUnknown(t) => quoted("Type `", t, "' is unknown."),
            Error::ParsingValuesFailed => emit(Text("Parsing the values string failed.")),
            Error::MissingIdentifier => emit(Text("Missing identifier.")),
            Error::GarbageAfterIdentifier(g) => quoted("Garbage after identifier: `", g, "'."),
            Error::GarbageAfterCommand(g) => quoted("Garbage after end of command: `", g, "'."),
            Error::InvalidOptionString(f) => quoted("Invalid option string `", f, "'."),
            Error::InvalidIdentifier(v) => quoted("Invalid identifier `", v, "'."),
            Error::InvalidTimeout(v) => quoted("Invalid value for option `timeout': ", v, ""),
            Error::CannotParseOption(k) => quoted("Cannot parse option `", k, "'."),
            Error::MalformedOption => emit(Text("Malformed option.")),
            Error::ErrorParsingOption(k) => quoted("Error parsing option `", k, "'"),
            Error::SeverityMissing => emit(Text("Option `severity' missing.")),
            Error::TimeMissing => emit(Text("Option `time' missing.")),
            Error::MessageMissing => emit(Text("No message or message of length 0 given.")),
            Error::NoSuchValue => emit(Text("No such value.")),
            Error::ValueTooOld {
                key,
                value_time,
                last_update,
            } => {
                emit(Text("Value too old: name = "))?;
                emit(Bytes(key))?;
                emit(Text("; value time = "))?;
                emit(Piece::Time(value_time))?;
                emit(Text("; last cache update = "))?;
                emit(Piece::Time(last_update))?;
                emit(Text(";"))
            }
            Error::CacheFull { capacity } => {
                emit(Text("Value cache is full (capacity "))?;
                emit(Count(capacity))?;
                emit(Text(")."))
            }
            Error::HostQuota { host, quota } => {
                quoted("Host `", host, "' holds its quota of ")?;
                emit(Count(quota))?;
                emit(Text(" values."))
            }
            Error::CacheRead => emit(Text("Error reading value from cache.")),
            Error::LineTooLong => emit(Text("Line too long (over 1024 bytes).")),
            Error::NulByte => emit(Text("Line holds a NUL byte.")),
        }
    }
}

/// One piece of a message.
enum Piece<'b> {
    Text(&'static str),
    Bytes(&'b [u8]),
    Time(Time),
    Count(usize),
}

impl fmt::Display for Error<'_> {
    /// Write the message; bytes that are not UTF-8 show as U+FFFD.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces(|piece| match piece {
            Piece::Text(s) => f.write_str(s),
            Piece::Bytes(b) => {
                for chunk in b.utf8_chunks() {
                    f.write_str(chunk.valid())?;
                    if !chunk.invalid().is_empty() {
                        f.write_str("\u{FFFD}")?;
                    }
                }
                Ok(())
            }
            Piece::Time(t) => write!(f, "{t}"),
            Piece::Count(n) => write!(f, "{n}"),
        })
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
