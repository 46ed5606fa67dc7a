//! Decoding a packet into value lists and notifications.

use thiserror::Error;

use super::part::{self, PartType};
use super::{MESSAGE_BUFFER, NAME_BUFFER, Notification, ValueList, identifier};
use crate::protocol::Severity;
use crate::time::Time;
use crate::value::Value;

/// What a packet sends, in order: a value list or a notification.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Record<'a> {
    /// A VALUES part, with the names and times set before it.
    Values(ValueList<'a, WireValues<'a>>),
    /// A MESSAGE part, with the names, time and severity set before it.
    Notification(Notification<'a>),
}

/// Why a part was refused.
///
/// After a [fatal](DecodeError::is_fatal) error the rest of the packet is
/// dropped, as collectd drops it; what came before it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Fewer than four bytes are left, too few for a part header.
    #[error("truncated part header: {left} bytes left")]
    Truncated {
        /// Bytes left in the packet.
        left: usize,
    },
    /// The part's length is under four or runs past the end of the packet.
    #[error("part length {len} is under 4 or past the end of the packet ({left} bytes left)")]
    Length {
        /// The length the part gives.
        len: usize,
        /// Bytes left in the packet, this part's header included.
        left: usize,
    },
    /// A string part does not end with a NUL byte.
    #[error("string part {code:#06x} does not end with a NUL byte")]
    Unterminated {
        /// The part type.
        code: u16,
    },
    /// A string part is longer than its buffer in collectd.
    #[error("string part {code:#06x} has {len} bytes, over the limit of {max}")]
    StringTooLong {
        /// The part type.
        code: u16,
        /// Its payload length, NUL included.
        len: usize,
        /// The most collectd takes, NUL included.
        max: usize,
    },
    /// A number part's payload is not eight bytes.
    #[error("number part {code:#06x} has {len} bytes, not 8")]
    NumberSize {
        /// The part type.
        code: u16,
        /// Its payload length.
        len: usize,
    },
    /// A VALUES part's length disagrees with the count of values it gives.
    #[error("values part of {len} bytes does not hold the {count} values it announces")]
    ValuesSize {
        /// The payload length.
        len: usize,
        /// The count the part gives.
        count: usize,
    },
    /// A value has a data source type collectd does not know.
    #[error("unknown data source type {code}")]
    DsType {
        /// The type byte.
        code: u8,
    },
    /// A value list or notification came before a part it needs (host, time, …).
    #[error("{what} sent before any {missing} part; not stored")]
    Missing {
        /// `value list` or `notification`.
        what: &'static str,
        /// The part that was missing: `host`, `plugin`, `type`, `time` or `severity`.
        missing: &'static str,
    },
}

impl DecodeError {
    /// Return whether the rest of the packet is dropped after this error.
    pub const fn is_fatal(&self) -> bool {
        !matches!(self, DecodeError::Missing { .. })
    }

    /// Return a short name for this kind of error, to count it by.
    pub const fn label(&self) -> &'static str {
        match self {
            DecodeError::Truncated { .. } => "truncated",
            DecodeError::Length { .. } => "length",
            DecodeError::Unterminated { .. } => "unterminated",
            DecodeError::StringTooLong { .. } => "string_too_long",
            DecodeError::NumberSize { .. } => "number_size",
            DecodeError::ValuesSize { .. } => "values_size",
            DecodeError::DsType { .. } => "ds_type",
            DecodeError::Missing { .. } => "incomplete",
        }
    }
}

/// The values of one VALUES part, read from the wire as they are asked for.
///
/// Every type byte was checked when the part was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireValues<'a> {
    types: &'a [u8],
    data: &'a [u8],
}

impl<'a> WireValues<'a> {
    /// Return how many values there are.
    pub const fn len(&self) -> usize {
        self.types.len()
    }

    /// Return whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// Return the value at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<Value> {
        let code = *self.types.get(index)?;
        let bytes: [u8; 8] = self.data.get(index * 8..index * 8 + 8)?.try_into().ok()?;
        wire_value(code, bytes)
    }

    /// Iterate the values in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Value> + 'a {
        let data = self.data;
        self.types.iter().enumerate().map(move |(i, &code)| {
            let bytes: [u8; 8] = data
                .get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or_default();
            wire_value(code, bytes).unwrap_or_default()
        })
    }

    /// Copy the values into `out`, returning the filled part, or `None` if they do not fit.
    pub fn fill<'o>(&self, out: &'o mut [Value]) -> Option<&'o [Value]> {
        let out = out.get_mut(..self.len())?;
        for (slot, v) in out.iter_mut().zip(self.iter()) {
            *slot = v;
        }
        Some(out)
    }
}

/// Read one value of type `code` from its eight bytes.
fn wire_value(code: u8, bytes: [u8; 8]) -> Option<Value> {
    Some(match code {
        0 => Value::Counter(u64::from_be_bytes(bytes)),
        1 => Value::Gauge(f64::from_le_bytes(bytes)),
        2 => Value::Derive(i64::from_be_bytes(bytes)),
        3 => Value::Absolute(u64::from_be_bytes(bytes)),
        _ => return None,
    })
}

/// The names and times set so far in a packet.
#[derive(Debug, Clone, Copy, Default)]
struct State<'a> {
    host: &'a [u8],
    plugin: &'a [u8],
    plugin_instance: &'a [u8],
    type_: &'a [u8],
    type_instance: &'a [u8],
    time: Time,
    interval: Time,
    severity: Option<Severity>,
}

/// Decode the parts of one packet (already verified or decrypted) into records.
///
/// Yields each value list and notification in order, and each refused part
/// as an error; after a [fatal](DecodeError::is_fatal) one it yields no
/// more. Unknown part types, and security parts, are skipped.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
    state: State<'a>,
}

impl<'a> Records<'a> {
    /// Decode `packet`.
    pub fn new(packet: &'a [u8]) -> Records<'a> {
        Records {
            rest: packet,
            state: State::default(),
        }
    }

    /// Apply one part; return the record it sends, if any.
    fn part(&mut self, code: u16, payload: &'a [u8]) -> Result<Option<Record<'a>>, DecodeError> {
        let s = &mut self.state;
        let Some(kind) = PartType::from_code(code) else {
            return Ok(None);
        };
        match kind {
            PartType::Host => s.host = string(code, payload, NAME_BUFFER)?,
            PartType::Plugin => s.plugin = string(code, payload, NAME_BUFFER)?,
            PartType::PluginInstance => s.plugin_instance = string(code, payload, NAME_BUFFER)?,
            PartType::Type => s.type_ = string(code, payload, NAME_BUFFER)?,
            PartType::TypeInstance => s.type_instance = string(code, payload, NAME_BUFFER)?,
            PartType::Time => s.time = Time::from_secs(number(code, payload)?),
            PartType::TimeHr => s.time = Time(number(code, payload)?),
            PartType::Interval => s.interval = Time::from_secs(number(code, payload)?),
            PartType::IntervalHr => s.interval = Time(number(code, payload)?),
            // collectd keeps a severity it does not know, then never sends the notification.
            PartType::Severity => s.severity = severity(number(code, payload)?),
            PartType::Values => {
                let values = values(payload)?;
                let missing = [
                    (s.host.is_empty(), "host"),
                    (s.plugin.is_empty(), "plugin"),
                    (s.type_.is_empty(), "type"),
                    (s.time == Time::ZERO, "time"),
                ];
                if let Some(&(_, missing)) = missing.iter().find(|m| m.0) {
                    let what = "value list";
                    return Err(DecodeError::Missing { what, missing });
                }
                return Ok(Some(Record::Values(ValueList {
                    id: s.identifier(),
                    time: s.time,
                    interval: s.interval,
                    values,
                })));
            }
            PartType::Message => {
                let message = string(code, payload, MESSAGE_BUFFER)?;
                let missing = [
                    (s.host.is_empty(), "host"),
                    (s.time == Time::ZERO, "time"),
                    (s.severity.is_none(), "severity"),
                ];
                if let Some(&(_, missing)) = missing.iter().find(|m| m.0) {
                    let what = "notification";
                    return Err(DecodeError::Missing { what, missing });
                }
                return Ok(Some(Record::Notification(Notification {
                    id: s.identifier(),
                    time: s.time,
                    severity: s.severity.unwrap_or(Severity::Okay),
                    message,
                })));
            }
            // Handled before decoding (see `security`); inside a packet they guard nothing.
            PartType::Signature | PartType::Encryption => {}
        }
        Ok(None)
    }
}

impl<'a> State<'a> {
    fn identifier(&self) -> crate::protocol::Identifier<'a> {
        identifier(
            self.host,
            self.plugin,
            self.plugin_instance,
            self.type_,
            self.type_instance,
        )
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.rest.is_empty() {
            let (code, payload, rest) = match part::split(self.rest) {
                Ok(split) => split,
                Err(len) => {
                    let left = self.rest.len();
                    self.rest = &[];
                    return Some(Err(if left < part::HEADER {
                        DecodeError::Truncated { left }
                    } else {
                        DecodeError::Length { len, left }
                    }));
                }
            };
            self.rest = rest;
            match self.part(code, payload) {
                Ok(None) => {}
                Ok(Some(record)) => return Some(Ok(record)),
                Err(e) => {
                    if e.is_fatal() {
                        self.rest = &[];
                    }
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

impl core::iter::FusedIterator for Records<'_> {}

/// Read a NUL-terminated string part of at most `max` bytes (NUL included); it ends at its first NUL, as in C.
fn string(code: u16, payload: &[u8], max: usize) -> Result<&[u8], DecodeError> {
    if payload.len() > max {
        return Err(DecodeError::StringTooLong {
            code,
            len: payload.len(),
            max,
        });
    }
    match payload.split_last() {
        Some((0, text)) => Ok(text.split(|&b| b == 0).next().unwrap_or(text)),
        _ => Err(DecodeError::Unterminated { code }),
    }
}

/// Read a big-endian `u64` number part.
fn number(code: u16, payload: &[u8]) -> Result<u64, DecodeError> {
    let bytes: [u8; 8] = payload.try_into().map_err(|_| DecodeError::NumberSize {
        code,
        len: payload.len(),
    })?;
    Ok(u64::from_be_bytes(bytes))
}

/// Map collectd's severity numbers (1, 2, 4) to a severity.
fn severity(n: u64) -> Option<Severity> {
    match n {
        1 => Some(Severity::Failure),
        2 => Some(Severity::Warning),
        4 => Some(Severity::Okay),
        _ => None,
    }
}

/// Check a VALUES payload: a count, as many type bytes, as many 8-byte values.
fn values(payload: &[u8]) -> Result<WireValues<'_>, DecodeError> {
    let size_error = |count| DecodeError::ValuesSize {
        len: payload.len(),
        count,
    };
    let [c0, c1, body @ ..] = payload else {
        return Err(size_error(0));
    };
    let count = usize::from(u16::from_be_bytes([*c0, *c1]));
    if body.len() != count * 9 {
        return Err(size_error(count));
    }
    let (types, data) = body.split_at(count);
    if let Some(&code) = types.iter().find(|&&c| c > 3) {
        return Err(DecodeError::DsType { code });
    }
    Ok(WireValues { types, data })
}
