//! Part types and the part header.

/// The type of a part, the first two bytes of its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum PartType {
    /// The host name (string).
    Host = 0x0000,
    /// The time in whole seconds (number).
    Time = 0x0001,
    /// The plugin name (string).
    Plugin = 0x0002,
    /// The plugin instance (string).
    PluginInstance = 0x0003,
    /// The type, which names a data set (string).
    Type = 0x0004,
    /// The type instance (string).
    TypeInstance = 0x0005,
    /// A value list: a count, the data source types, the values.
    Values = 0x0006,
    /// The interval in whole seconds (number).
    Interval = 0x0007,
    /// The time in units of 2^-30 s (number).
    TimeHr = 0x0008,
    /// The interval in units of 2^-30 s (number).
    IntervalHr = 0x0009,
    /// A notification's message (string); it sends the notification.
    Message = 0x0100,
    /// A notification's severity: 1 failure, 2 warning, 4 okay (number).
    Severity = 0x0101,
    /// An HMAC-SHA-256 over the username and the rest of the packet.
    Signature = 0x0200,
    /// The rest of the packet, encrypted with AES-256-OFB.
    Encryption = 0x0210,
}

impl PartType {
    /// Return the part type with this code, if it is one collie knows.
    pub const fn from_code(code: u16) -> Option<PartType> {
        Some(match code {
            0x0000 => PartType::Host,
            0x0001 => PartType::Time,
            0x0002 => PartType::Plugin,
            0x0003 => PartType::PluginInstance,
            0x0004 => PartType::Type,
            0x0005 => PartType::TypeInstance,
            0x0006 => PartType::Values,
            0x0007 => PartType::Interval,
            0x0008 => PartType::TimeHr,
            0x0009 => PartType::IntervalHr,
            0x0100 => PartType::Message,
            0x0101 => PartType::Severity,
            0x0200 => PartType::Signature,
            0x0210 => PartType::Encryption,
            _ => return None,
        })
    }

    /// Return the code sent on the wire.
    pub const fn code(self) -> u16 {
        self as u16
    }
}

/// The bytes of a part header: type and length.
pub(crate) const HEADER: usize = 4;

/// Split the first part off `packet`: its type code, its payload and what follows.
///
/// `Err(len)` gives the bad length: under 4, or past the end of the packet
/// (a packet with fewer than 4 bytes left has a length of 0).
pub(crate) fn split(packet: &[u8]) -> Result<(u16, &[u8], &[u8]), usize> {
    let [t0, t1, l0, l1, ..] = *packet else {
        return Err(0);
    };
    let len = usize::from(u16::from_be_bytes([l0, l1]));
    if len < HEADER || len > packet.len() {
        return Err(len);
    }
    let (part, rest) = packet.split_at(len);
    Ok((u16::from_be_bytes([t0, t1]), &part[HEADER..], rest))
}

/// Write a part header for `code` with a payload of `payload` bytes.
pub(crate) fn header(code: u16, payload: usize) -> [u8; HEADER] {
    // Callers keep parts within a u16 length.
    let len = (payload + HEADER) as u16;
    let [t0, t1] = code.to_be_bytes();
    let [l0, l1] = len.to_be_bytes();
    [t0, t1, l0, l1]
}
