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
        let time = (vl.time != self.sent.time).then_some(vl.time);
        let interval = (vl.interval != self.sent.interval).then_some(vl.interval);
        let values_len = HEADER + 2 + 9 * count;
        let needed = self.names_len(&names) + number_len(time) + number_len(interval) + values_len;
        let fresh = full_names_len(&names) + number_len(Some(vl.time)) + values_len + HEADER + 8;
        self.make_room(needed, fresh)?;
        // collectd's order: the host, the times, the other names, the values.
        self.put_names(&names, 0..1);
        self.put_number(PartType::TimeHr, time.map(|t| t.0));
        self.put_number(PartType::IntervalHr, interval.map(|t| t.0));
        self.put_names(&names, 1..5);
        self.sent.time = vl.time;
        self.sent.interval = vl.interval;
        self.put_raw(&part::header(PartType::Values.code(), 2 + 9 * count));
        // Within u16::MAX, checked above.
        self.put_raw(&(count as u16).to_be_bytes());
        for v in vl.values {
            self.put_raw(&[type_code(*v)]);
        }
        for v in vl.values {
            self.put_raw(&wire_bytes(*v));
        }
        Ok(())
    }

    /// Add one notification.
    pub fn push_notification(&mut self, n: &Notification<'_>) -> Result<(), EncodeError> {
        let names = names(&n.id);
        check_names(&names, n.message.len())?;
        let time = (n.time != self.sent.time).then_some(n.time);
        let severity = (Some(n.severity) != self.sent.severity).then_some(n.severity);
        let message_len = HEADER + n.message.len() + 1;
        let needed = self.names_len(&names)
            + number_len(time)
            + number_len(severity.map(|_| Time::ZERO))
            + message_len;
        let fresh = full_names_len(&names) + 2 * (HEADER + 8) + message_len;
        self.make_room(needed, fresh)?;
        // collectd's order: the time, the severity, the names, the message.
        self.put_number(PartType::TimeHr, time.map(|t| t.0));
        self.put_number(PartType::Severity, severity.map(severity_code));
        self.put_names(&names, 0..5);
        self.sent.time = n.time;
        self.sent.severity = Some(n.severity);
        self.put_raw(&part::header(PartType::Message.code(), n.message.len() + 1));
        self.put_raw(n.message);
        self.put_raw(&[0]);
        Ok(())
    }

    /// Check that `needed` more bytes fit; `fresh` is what an empty packet would need.
    fn make_room(&self, needed: usize, fresh: usize) -> Result<(), EncodeError> {
        let capacity = self.buf.len() - self.reserve;
        if fresh > capacity {
            return Err(EncodeError::TooBig {
                needed: fresh,
                capacity,
            });
        }
        if self.len + needed > self.buf.len() {
            return Err(EncodeError::Full);
        }
        Ok(())
    }

    /// Return the bytes of the name parts that differ from what the packet set.
    fn names_len(&self, names: &[&[u8]; 5]) -> usize {
        names
            .iter()
            .zip(&self.sent.names)
            .filter(|(name, at)| self.buf[(*at).clone()] != ***name)
            .map(|(name, _)| HEADER + name.len() + 1)
            .sum()
    }

    /// Write the name parts in `which` that differ from what the packet set.
    fn put_names(&mut self, names: &[&[u8]; 5], which: Range<usize>) {
        for i in which {
            let (name, kind) = (names[i], NAMES[i]);
            if self.buf[self.sent.names[i].clone()] == *name {
                continue;
            }
            self.put_raw(&part::header(kind.code(), name.len() + 1));
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

/// The bytes the non-empty names take in a packet that set none yet.
fn full_names_len(names: &[&[u8]; 5]) -> usize {
    names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| HEADER + n.len() + 1)
        .sum()
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
