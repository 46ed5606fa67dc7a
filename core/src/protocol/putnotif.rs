//! PUTNOTIF: `PUTNOTIF <option>…`, read with collectd's older option parser.
//!
//! Unlike the other commands, PUTNOTIF does not use the field splitter.
//! Each option is `key=value` with a key of `[A-Za-z0-9_:]+`; the value is
//! either unquoted, running to the next whitespace, or quoted (`"…"`, with
//! `\` taking the next byte literally) and then followed by whitespace or the
//! end of the line. An empty value must be written `""`.
//!
//! Known options are `severity`, `time`, `message`, `host`, `plugin`,
//! `plugin_instance`, `type`, `type_instance` (keys ignoring case, the last of
//! each winning) and `s:<key>` string metadata.

use core::fmt;

use crate::time::Time;

use super::error::Error;
use super::number::strtod_exact;
use super::option::key_eq;
use super::tokenize::{Fields, Scratch, is_space, trim_start};

/// Text options keep at most this many bytes (collectd's `DATA_MAX_NAME_LEN - 1`).
pub const MAX_NAME_LEN: usize = 127;

/// A message keeps at most this many bytes (collectd's `NOTIF_MAX_MSG_LEN - 1`).
pub const MAX_MESSAGE_LEN: usize = 255;

/// How bad the news of a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Something is broken.
    Failure,
    /// Something may soon break.
    Warning,
    /// Everything is fine again.
    Okay,
}

impl Severity {
    /// Return the name collectd prints (`FAILURE`, `WARNING`, `OKAY`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Failure => "FAILURE",
            Severity::Warning => "WARNING",
            Severity::Okay => "OKAY",
        }
    }

    /// Parse a severity name, ignoring case.
    pub fn from_name(name: &[u8]) -> Option<Severity> {
        [Severity::Failure, Severity::Warning, Severity::Okay]
            .into_iter()
            .find(|s| s.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A validated PUTNOTIF: it has a severity, a non-zero time and a message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Putnotif<'a> {
    severity: Severity,
    time: Time,
    /// Every option as `key=value`, borrowed from the line or unquoted into the scratch.
    options: Fields<'a>,
}

/// What the options seen so far have set.
#[derive(Default)]
struct Seen {
    severity: Option<Severity>,
    time: Time,
    has_message: bool,
}

impl Seen {
    /// Apply one option as collectd's `set_option` does; `Err` if it is unknown or invalid.
    fn apply(&mut self, key: &[u8], value: &[u8]) -> Result<(), ()> {
        if let [kind, b':', name @ ..] = key {
            // Metadata: only strings (`s:`), and the name must not be empty.
            return if *kind == b's' && !name.is_empty() {
                Ok(())
            } else {
                Err(())
            };
        }
        let is = |name: &str| key.eq_ignore_ascii_case(name.as_bytes());
        if is("severity") {
            self.severity = Some(Severity::from_name(value).ok_or(())?);
        } else if is("time") {
            let secs = strtod_exact(value).filter(|s| s.is_finite()).ok_or(())?;
            self.time = Time::from_secs_f64(secs);
        } else if is("message") {
            self.has_message = !value.is_empty();
        } else if !["host", "plugin", "plugin_instance", "type", "type_instance"]
            .into_iter()
            .any(is)
        {
            return Err(());
        }
        Ok(())
    }
}

/// Read a quoted value starting after its opening quote into `w`; return what follows the closing quote.
fn unquote<'l>(body: &'l [u8], w: &mut super::tokenize::Writer<'_>) -> Result<&'l [u8], Error<'l>> {
    let mut bytes = body.iter().copied().enumerate();
    while let Some((i, b)) = bytes.next() {
        match b {
            b'"' => return Ok(body.get(i + 1..).unwrap_or_default()),
            b'\\' => w.push(bytes.next().ok_or(Error::MalformedOption)?.1)?,
            b => w.push(b)?,
        }
    }
    Err(Error::MalformedOption)
}

impl<'a> Putnotif<'a> {
    /// Parse and validate what follows the `PUTNOTIF` word.
    pub(crate) fn parse(rest: &'a [u8], scratch: &'a mut Scratch) -> Result<Self, Error<'a>> {
        // Unquoted options are whitespace-separated `key=value` fields and can
        // be borrowed as they are; a quote anywhere means copying them all.
        let copy = rest.contains(&b'"');
        let mut w = scratch.writer();
        let mut seen = Seen::default();
        let mut s = trim_start(rest);
        while !s.is_empty() {
            let (after_key, key) = key_eq(s).map_err(|_| Error::MalformedOption)?;
            let start = w.len();
            let (value, after): (&[u8], &[u8]) = match after_key.split_first() {
                None => return Err(Error::MalformedOption),
                Some((&b, _)) if is_space(b) => return Err(Error::MalformedOption),
                Some((b'"', body)) => {
                    w.push_all(key)?;
                    w.push(b'=')?;
                    let after = unquote(body, &mut w)?;
                    if after.first().is_some_and(|&b| !is_space(b)) {
                        return Err(Error::MalformedOption);
                    }
                    (w.since(start + key.len() + 1), after)
                }
                Some(_) => {
                    let end = after_key
                        .iter()
                        .position(|&b| is_space(b))
                        .unwrap_or(after_key.len());
                    let (value, after) =
                        after_key.split_at_checked(end).unwrap_or((after_key, b""));
                    if copy {
                        w.push_all(key)?;
                        w.push(b'=')?;
                        w.push_all(value)?;
                    }
                    (value, after)
                }
            };
            seen.apply(key, value)
                .map_err(|()| Error::ErrorParsingOption(key))?;
            if copy {
                w.push(0)?;
            }
            s = trim_start(after);
        }
        let len = w.len();
        let severity = seen.severity.ok_or(Error::SeverityMissing)?;
        if seen.time == Time::ZERO {
            return Err(Error::TimeMissing);
        }
        if !seen.has_message {
            return Err(Error::MessageMissing);
        }
        let options = if copy {
            let scratch: &'a Scratch = scratch;
            Fields::packed(scratch.frozen(len))
        } else {
            Fields::whitespace(rest)
        };
        Ok(Putnotif {
            severity,
            time: seen.time,
            options,
        })
    }

    /// Return the severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Return the time of the notification (never zero).
    pub fn time(&self) -> Time {
        self.time
    }

    /// Return the value of the last option called `name` (ignoring case), cut to `max` bytes; empty if absent.
    fn last(&self, name: &str, max: usize) -> &'a [u8] {
        let value = self
            .options
            .filter_map(split_record)
            .filter(|(k, _)| k.eq_ignore_ascii_case(name.as_bytes()))
            .last()
            .map_or(&b""[..], |(_, v)| v);
        truncate(value, max)
    }

    /// Return the message (at most [`MAX_MESSAGE_LEN`] bytes, never empty).
    pub fn message(&self) -> &'a [u8] {
        self.last("message", MAX_MESSAGE_LEN)
    }

    /// Return the host, or empty if not given.
    pub fn host(&self) -> &'a [u8] {
        self.last("host", MAX_NAME_LEN)
    }

    /// Return the plugin, or empty if not given.
    pub fn plugin(&self) -> &'a [u8] {
        self.last("plugin", MAX_NAME_LEN)
    }

    /// Return the plugin instance, or empty if not given.
    pub fn plugin_instance(&self) -> &'a [u8] {
        self.last("plugin_instance", MAX_NAME_LEN)
    }

    /// Return the type, or empty if not given.
    pub fn type_(&self) -> &'a [u8] {
        self.last("type", MAX_NAME_LEN)
    }

    /// Return the type instance, or empty if not given.
    pub fn type_instance(&self) -> &'a [u8] {
        self.last("type_instance", MAX_NAME_LEN)
    }

    /// Iterate the `s:<key>=<value>` metadata in order, as (key, value).
    pub fn meta(&self) -> Meta<'a> {
        Meta {
            options: self.options,
        }
    }
}

/// Split a stored `key=value` option at its first `=`.
fn split_record(record: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = record.iter().position(|&b| b == b'=')?;
    Some((record.get(..eq)?, record.get(eq + 1..)?))
}

/// Return at most the first `max` bytes of `s`.
fn truncate(s: &[u8], max: usize) -> &[u8] {
    s.get(..max).unwrap_or(s)
}

/// An iterator over the string metadata of a [`Putnotif`].
#[derive(Debug, Clone)]
pub struct Meta<'a> {
    options: Fields<'a>,
}

impl<'a> Iterator for Meta<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<(&'a [u8], &'a [u8])> {
        self.options.find_map(|record| {
            let (key, value) = split_record(record)?;
            let name = key.strip_prefix(b"s:")?;
            Some((truncate(name, MAX_NAME_LEN), value))
        })
    }
}
