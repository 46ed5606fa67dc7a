//! Encoding value lists and notifications into packets.

use core::ops::Range;

use thiserror::Error;

use super::part::{self, HEADER, PartType};
use super::{MESSAGE_BUFFER, NAME_BUFFER, Notification, ValueList};
use crate::protocol::{Identifier, Severity};
use crate::time::Time;
use crate::value::Value;

/// Why a value list or notification was not added to a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// The packet has no room left for it: send the packet, clear the encoder and add it again.
    #[error("the packet is full")]
    Full,
    /// It does not fit even an empty packet of this size.
    #[error("{needed} bytes do not fit a packet of {capacity}")]
    TooBig {
        /// Bytes it needs in an empty packet.
        needed: usize,
        /// Bytes a packet has for parts.
        capacity: usize,
    },
    /// A name or message is too long for collectd to take.
    #[error("a name of {len} bytes is over the limit of {max}")]
    NameTooLong {
        /// Its length, without the NUL.
        len: usize,
        /// The most collectd takes, without the NUL.
        max: usize,
    },
    /// There are no values, or more than a part can count.
    #[error("{count} values cannot be sent in one part")]
    ValueCount {
        /// How many were given.
        count: usize,
    },
}

/// The string parts, in the order collectd writes them.
const NAMES: [PartType; 5] = [
    PartType::Host,
    PartType::Plugin,
    PartType::PluginInstance,
    PartType::Type,
    PartType::TypeInstance,
];

/// What the packet has set so far: where each name's text lies in the buffer, and the times.
#[derive(Debug, Clone, Default)]
struct Sent {
    names: [Range<usize>; 5],
    time: Time,
    interval: Time,
    severity: Option<Severity>,
}

/// Write value lists and notifications into a fixed buffer, one packet at a time.
///
/// Each part that repeats what the packet already set is left out. When a
/// record does not fit, [`push_values`](Self::push_values) says
/// [`EncodeError::Full`] and leaves the packet as it was; the caller sends
/// [`packet`](Self::packet), calls [`clear`](Self::clear) and pushes again.
/// A caller that signs or encrypts reserves room for that part at the
/// front ([`with_reserve`](Self::with_reserve)).
#[derive(Debug)]
pub struct Encoder<'b> {
    buf: &'b mut [u8],
    reserve: usize,
    len: usize,
    sent: Sent,
}

impl<'b> Encoder<'b> {
    /// Encode into `buf`, which is the largest packet to send.
    pub fn new(buf: &'b mut [u8]) -> Encoder<'b> {
        Encoder::with_reserve(buf, 0)
    }

    /// Encode into `buf`, keeping its first `reserve` bytes free for a security part.
    pub fn with_reserve(buf: &'b mut [u8], reserve: usize) -> Encoder<'b> {
        let reserve = reserve.min(buf.len());
        Encoder {
            buf,
            reserve,
            len: reserve,
            sent: Sent::default(),
        }
    }

    /// Return whether no record was added since the last clear.
    pub fn is_empty(&self) -> bool {
        self.len == self.reserve
    }

    /// Return the packet so far, the reserved bytes first.
    pub fn packet(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Return the packet so far for sealing in place, the reserved bytes first.
    pub fn packet_mut(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }

    /// Start a new packet.
    pub fn clear(&mut self) {
        self.len = self.reserve;
        self.sent = Sent::default();
    }

    /// Add one value list.
    pub fn push_values(&mut self, vl: &ValueList<'_, &[Value]>) -> Result<(), EncodeError> {
        let count = vl.values.len();
        if count == 0 || count > usize::from(u16::MAX) {
            return Err(EncodeError::ValueCount { count });
        }
        let names = names(&vl.id);
        check_names(&names, 0)?;
        let changed = self.changed(&names);
        let time = (vl.time != self.sent.time).then_some(vl.time);
        let interval = (vl.interval != self.sent.interval).then_some(vl.interval);
        let values_len = HEADER + 2 + 9 * count;
        let needed =
            names_len(&names, changed) + number_len(time) + number_len(interval) + values_len;
        self.make_room(needed, || {
            names_len(&names, non_empty(&names))
                + number_len(Some(vl.time))
                + values_len
                + HEADER
                + 8
        })?;
        // collectd's order: the host, the times, the other names, the values.
        self.put_names(&names, changed, 0..1);
        self.put_number(PartType::TimeHr, time.map(|t| t.0));
        self.put_number(PartType::IntervalHr, interval.map(|t| t.0));
        self.put_names(&names, changed, 1..5);
        self.sent.time = vl.time;
        self.sent.interval = vl.interval;
        let Some(part) = self.buf.get_mut(self.len..self.len + values_len) else {
            return Err(EncodeError::Full);
        };
        let (head, body) = part.split_at_mut(HEADER + 2);
        head[..HEADER].copy_from_slice(&part::header(PartType::Values.code(), values_len - HEADER));
        // Within u16::MAX, checked above.
        head[HEADER..].copy_from_slice(&(count as u16).to_be_bytes());
        let (types, data) = body.split_at_mut(count);
        for ((t, d), v) in types
            .iter_mut()
            .zip(data.chunks_exact_mut(8))
            .zip(vl.values)
        {
            *t = type_code(*v);
            d.copy_from_slice(&wire_bytes(*v));
        }
        self.len += values_len;
        Ok(())
    }

    /// Add one notification.
    pub fn push_notification(&mut self, n: &Notification<'_>) -> Result<(), EncodeError> {
        let names = names(&n.id);
        check_names(&names, n.message.len())?;
        let changed = self.changed(&names);
        let time = (n.time != self.sent.time).then_some(n.time);
        let severity = (Some(n.severity) != self.sent.severity).then_some(n.severity);
        let message_len = HEADER + n.message.len() + 1;
        let needed = names_len(&names, changed)
            + number_len(time)
            + number_len(severity.map(|_| Time::ZERO))
            + message_len;
        self.make_room(needed, || {
            names_len(&names, non_empty(&names)) + 2 * (HEADER + 8) + message_len
        })?;
        // collectd's order: the time, the severity, the names, the message.
        self.put_number(PartType::TimeHr, time.map(|t| t.0));
        self.put_number(PartType::Severity, severity.map(severity_code));
        self.put_names(&names, changed, 0..5);
        self.sent.time = n.time;
        self.sent.severity = Some(n.severity);
        self.put_raw(&part::header(PartType::Message.code(), n.message.len() + 1));
        self.put_raw(n.message);
        self.put_raw(&[0]);
        Ok(())
    }

    /// Check that `needed` more bytes fit; `fresh` says what an empty packet would need.
    fn make_room(&self, needed: usize, fresh: impl FnOnce() -> usize) -> Result<(), EncodeError> {
        if self.len + needed <= self.buf.len() {
            return Ok(());
        }
        let capacity = self.buf.len() - self.reserve;
        let fresh = fresh();
        if fresh > capacity {
            return Err(EncodeError::TooBig {
                needed: fresh,
                capacity,
            });
        }
        Err(EncodeError::Full)
    }

    /// Return which names differ from what the packet set.
    fn changed(&self, names: &[&[u8]; 5]) -> [bool; 5] {
        let mut changed = [false; 5];
        for ((c, name), at) in changed.iter_mut().zip(names).zip(&self.sent.names) {
            *c = self.buf.get(at.clone()) != Some(*name);
        }
        changed
    }

    /// Write the name parts in `which` that `changed` marks.
    fn put_names(&mut self, names: &[&[u8]; 5], changed: [bool; 5], which: Range<usize>) {
        for i in which {
            if !changed[i] {
                continue;
            }
            let name = names[i];
            self.put_raw(&part::header(NAMES[i].code(), name.len() + 1));
            let start = self.len;
            self.put_raw(name);
            self.put_raw(&[0]);
            self.sent.names[i] = start..start + name.len();
        }
    }

    /// Write a number part, if there is a number.
    fn put_number(&mut self, kind: PartType, n: Option<u64>) {
        if let Some(n) = n {
            self.put_raw(&part::header(kind.code(), 8));
            self.put_raw(&n.to_be_bytes());
        }
    }

    /// Append bytes already known to fit.
    fn put_raw(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            self.len = end;
        }
    }
}

/// The names of `id` in the order of [`NAMES`].
fn names<'a>(id: &Identifier<'a>) -> [&'a [u8]; 5] {
    [
        id.host,
        id.plugin,
        id.plugin_instance,
        id.type_,
        id.type_instance,
    ]
}

/// Check that every name, and a message of `message` bytes, fits collectd's buffers.
fn check_names(names: &[&[u8]; 5], message: usize) -> Result<(), EncodeError> {
    if let Some(name) = names.iter().find(|n| n.len() >= NAME_BUFFER) {
        return Err(EncodeError::NameTooLong {
            len: name.len(),
            max: NAME_BUFFER - 1,
        });
    }
    if message >= MESSAGE_BUFFER {
        return Err(EncodeError::NameTooLong {
            len: message,
            max: MESSAGE_BUFFER - 1,
        });
    }
    Ok(())
}

/// The bytes the name parts marked in `changed` take.
fn names_len(names: &[&[u8]; 5], changed: [bool; 5]) -> usize {
    names
        .iter()
        .zip(changed)
        .filter(|(_, c)| *c)
        .map(|(n, _)| HEADER + n.len() + 1)
        .sum()
}

/// The names a new packet sends: the ones that are not empty.
fn non_empty(names: &[&[u8]; 5]) -> [bool; 5] {
    names.map(|n| !n.is_empty())
}

/// The bytes a number part takes, if there is one.
fn number_len(n: Option<Time>) -> usize {
    n.map_or(0, |_| HEADER + 8)
}

fn severity_code(s: Severity) -> u64 {
    match s {
        Severity::Failure => 1,
        Severity::Warning => 2,
        Severity::Okay => 4,
    }
}

/// The wire code of a value's data source type.
fn type_code(v: Value) -> u8 {
    match v {
        Value::Counter(_) => 0,
        Value::Gauge(_) => 1,
        Value::Derive(_) => 2,
        Value::Absolute(_) => 3,
    }
}

/// A value's eight bytes: gauges little-endian, the rest big-endian.
fn wire_bytes(v: Value) -> [u8; 8] {
    match v {
        Value::Counter(n) | Value::Absolute(n) => n.to_be_bytes(),
        Value::Gauge(g) => g.to_le_bytes(),
        Value::Derive(d) => d.to_be_bytes(),
    }
}
