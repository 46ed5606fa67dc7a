//! Shared support for the conformance tests.
//!
//! * [`cases`] parses the recorded conformance corpus in `tests/conformance/cases/`.
//! * [`collectd`] runs a private collectd 5.12 with only the unixsock plugin and replays
//!   corpus sessions against any line-oriented socket.
//! * [`examples`] finds (or builds) the examples, to run them as a user does.
//!
//! Each test binary uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod cases;
pub mod collectd;
pub mod examples;
