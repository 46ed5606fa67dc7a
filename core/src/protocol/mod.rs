//! collectd's plain text protocol: parsing commands and formatting replies.
//!
//! The protocol is line based: a client sends `GETVAL`, `LISTVAL`, `PUTVAL`,
//! `PUTNOTIF` or `FLUSH` commands, one per line, and gets one reply each.
//! This module follows collectd 5.12's behaviour byte for byte, with a few
//! deliberate fixes noted where they apply.
//!
//! The pieces, in the order a server uses them:
//!
//! - [`LineFramer`] cuts a byte stream into lines and reports overlong ones;
//! - [`parse`] turns a line into a [`Command`] or an [`Error`];
//! - the functions in [`reply`] write the answer into a [`Sink`](crate::Sink).
//!
//! Nothing here allocates. Parsed commands are views borrowing from the line
//! (or, for a line with quotes, from a [`Scratch`] buffer it was unquoted
//! into) and the data sets. Raw fields from [`split`] are unchecked; a
//! [`Command`] is checked completely when it is parsed, so a PUTVAL that
//! parses holds only valid value lists, and its accessors re-read them
//! lazily without failing. There is no limit on the number of data sources
//! per data set, as values are read one at a time.
//!
//! # Speed
//!
//! Most lines a server sees are plain PUTVALs, so [`parse`] first tries a
//! hand-written path for them (`Putval::parse_line_quick`) that reads the
//! line in one pass: fields, NULs, quotes and the identifier's slashes are
//! found eight bytes at a time (the private `scan` module), and value
//! lists of the plain forms are checked by syntax alone. It takes an
//! identifier in quotes too, as libcollectdclient sends every one, if it
//! holds no backslash. A line with a single plain value list carries that
//! list cut and with its time read ([`Putval::only_list`]), so the handler
//! stores it without splitting the line again; [`parse_quick`] is this
//! path alone, needing no scratch space, for a server that parses a batch
//! of lines before it takes the lock its cache is under. Any line it is
//! not sure of, errors included, goes to the general parser, so the two
//! never disagree (a property test compares them on generated lines). The
//! general parser keeps nom for option keys; measured on the PUTVAL mix,
//! the combinator version of the common path cost about four times the
//! instructions per line, spread over re-tokenizing, re-validating and
//! `str` parsing. Numbers take exact shortcuts too (a `u64` of at most 19
//! digits, Clinger's exact case for decimals) before `strtod`'s full rules,
//! which, like `%12e`, are exact big-integer arithmetic of our own
//! (`exact`, `bignum`) rather than `core`'s float tables, so that a small
//! device does not carry them.

mod bignum;
pub mod command;
pub mod error;
mod exact;
pub mod flush;
pub mod framing;
pub mod getval;
pub mod identifier;
pub mod number;
pub mod option;
pub mod printf;
pub mod putnotif;
pub mod putval;
pub mod reply;
mod scan;
pub mod tokenize;
pub mod values;

#[cfg(test)]
mod tests;

pub use command::{Command, parse, parse_quick};
pub use error::Error;
pub use flush::Flush;
pub use framing::{Frame, LineFramer};
pub use getval::Getval;
pub use identifier::Identifier;
pub use printf::Exp12;
pub use putnotif::{Putnotif, Severity};
pub use putval::Putval;
pub use tokenize::{Fields, MAX_LINE, Scratch, split};
pub use values::{ValueList, Values};
