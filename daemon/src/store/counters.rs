//! Counters kept beside the handler's own, for the internal charts.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use collie_core::protocol::Severity;

/// Counters kept beside the handler's own, for the internal charts.
#[derive(Debug, Default)]
pub struct Counters {
    /// Clients connected now.
    pub clients: AtomicUsize,
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Connections refused because `max_clients` were connected.
    pub refused: AtomicU64,
    /// Clients disconnected for being idle too long.
    pub idle: AtomicU64,
    /// Clients dropped because their replies could not be written in time.
    pub slow: AtomicU64,
    /// PUTNOTIFs by severity: failure, warning, okay.
    pub notifications: [AtomicU64; 3],
    /// Values that expired from the cache.
    pub expired: AtomicU64,
    /// Packets and values of collectd's network protocol, in and out.
    pub network: NetworkCounters,
    /// Samples pushed to remote_write receivers.
    pub remote_write: RemoteWriteCounters,
}

/// What the remote_write outputs did.
#[derive(Debug, Default)]
pub struct RemoteWriteCounters {
    /// Samples a receiver took.
    pub sent: AtomicU64,
    /// Samples dropped: the queue was full, or a receiver refused them for good.
    pub dropped: AtomicU64,
    /// Requests that failed and will be tried again.
    pub retries: AtomicU64,
}

/// What the network listeners and senders did, for the `collied.network` chart.
#[derive(Debug, Default)]
pub struct NetworkCounters {
    /// Packets received.
    pub packets_in: AtomicU64,
    /// Values received and stored.
    pub values_in: AtomicU64,
    /// Value lists received and refused by the store (unknown type, too old, over quota, cache full…).
    pub refused: AtomicU64,
    /// Parts refused as malformed, or value lists sent before a part they need.
    pub malformed: AtomicU64,
    /// Packets dropped for failing their listener's security level, signature or checksum.
    pub security: AtomicU64,
    /// Packets sent upstream.
    pub packets_out: AtomicU64,
    /// Values sent upstream.
    pub values_out: AtomicU64,
    /// Packets not sent because the upstream socket was full or failing.
    pub dropped: AtomicU64,
}

impl Counters {
    /// Count a notification of `severity`.
    pub fn notification(&self, severity: Severity) {
        let i = match severity {
            Severity::Failure => 0,
            Severity::Warning => 1,
            Severity::Okay => 2,
        };
        self.notifications[i].fetch_add(1, Ordering::Relaxed);
    }
}
