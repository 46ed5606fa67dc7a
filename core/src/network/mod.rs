//! collectd's binary network protocol: the UDP packets of its network plugin.
//!
//! A packet is a run of parts, each a big-endian `u16` type, a `u16`
//! length that counts the four header bytes, and a payload. String parts
//! set the host, plugin, plugin instance, type and type instance; number
//! parts set the time and interval. A VALUES part sends one value list and
//! a MESSAGE part one notification, each with the names and times set so
//! far in the same packet, so a sender leaves out what has not changed.
//!
//! The pieces:
//!
//! - [`Records`] decodes a packet into borrowed [`Record`]s, with a typed
//!   [`DecodeError`] for every malformed part (never a panic);
//! - [`Encoder`] writes value lists and notifications into a caller's
//!   fixed buffer, leaving out parts that repeat the previous value;
//! - `security` (feature `crypto`) signs, encrypts, verifies and
//!   decrypts packets as the network plugin's `SecurityLevel` asks, and
//!   [`auth_file`] reads collectd's `user: password` files.
//!
//! Counters, derives and absolutes are big-endian integers on the wire;
//! gauges are little-endian doubles, as collectd on x86 has always sent them.

pub mod auth_file;
mod decode;
mod encode;
mod part;
#[cfg(feature = "crypto")]
pub mod security;

#[cfg(test)]
mod tests;

pub use decode::{DecodeError, Record, Records, WireValues};
pub use encode::{EncodeError, Encoder};
pub use part::PartType;

use crate::protocol::{Identifier, Severity};
use crate::time::Time;

/// collectd's default `MaxPacketSize`, the largest packet it sends (1452 bytes).
pub const DEFAULT_PACKET_SIZE: usize = 1452;

/// Names are shorter than this many bytes, their NUL included (collectd's `DATA_MAX_NAME_LEN`).
pub const NAME_BUFFER: usize = 128;

/// A message is shorter than this many bytes, its NUL included (collectd's `NOTIF_MAX_MSG_LEN`).
pub const MESSAGE_BUFFER: usize = 256;

/// Which packets a listener accepts, and how a sender protects what it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SecurityLevel {
    /// Plain packets; signed ones are checked when the user is known.
    #[default]
    None,
    /// Signed (HMAC-SHA-256) or encrypted packets only.
    Sign,
    /// Encrypted (AES-256-OFB) packets only.
    Encrypt,
}

impl SecurityLevel {
    /// Return the name used in configuration (`none`, `sign`, `encrypt`).
    pub const fn as_str(self) -> &'static str {
        match self {
            SecurityLevel::None => "none",
            SecurityLevel::Sign => "sign",
            SecurityLevel::Encrypt => "encrypt",
        }
    }
}

/// One value list of a packet: its names, times and values.
///
/// The identifier's `raw` field is empty for a decoded value list, since
/// the binary protocol sends the names apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueList<'a, V> {
    /// Host, plugin, type and their instances.
    pub id: Identifier<'a>,
    /// When the values were read.
    pub time: Time,
    /// How often they are read; zero when the packet did not say.
    pub interval: Time,
    /// The values: [`WireValues`] when decoded, a `&[Value]` to encode.
    pub values: V,
}

/// One notification of a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification<'a> {
    /// Host, plugin, type and their instances, any of them empty.
    pub id: Identifier<'a>,
    /// When it happened.
    pub time: Time,
    /// How bad the news is.
    pub severity: Severity,
    /// The message, without its NUL.
    pub message: &'a [u8],
}

/// Build an identifier from names that came apart; its `raw` field is empty.
pub const fn identifier<'a>(
    host: &'a [u8],
    plugin: &'a [u8],
    plugin_instance: &'a [u8],
    type_: &'a [u8],
    type_instance: &'a [u8],
) -> Identifier<'a> {
    Identifier {
        raw: b"",
        host,
        plugin,
        plugin_instance,
        type_,
        type_instance,
    }
}
