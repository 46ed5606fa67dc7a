//! collectd's network plugin as a sender: stored values to upstream servers over UDP.
//!
//! Each tick reads what changed in the store since the last one (the
//! latest value of each identifier), copies it out under the lock, then
//! encodes it without the lock into packets of at most `max_packet_size`
//! bytes for every server, signed or encrypted as that server asks. Values
//! received from the network listeners are sent only with `forward: true`.
//! Sending never waits: a socket that is full or failing drops the packet,
//! and the drop is counted.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;

use collie_core::network::security;
use collie_core::network::{EncodeError, Encoder, SecurityLevel, ValueList};
use collie_core::protocol::Identifier;

use crate::config::ServerConfig;
use crate::ingest::network::resolve;
use crate::output::{Output, Tick};
use crate::store::{NETWORK, NetworkCounters, ReaderId, Snapshot, Store, random_seed};

/// One value list copied out of the store.
#[derive(Debug, Clone, Copy)]
struct Pending {
    /// Where its key lies in the batch's key bytes.
    key: (usize, usize),
    snapshot: Snapshot,
}

/// One upstream server and its socket.
#[derive(Debug)]
struct Upstream {
    socket: UdpSocket,
    address: SocketAddr,
    level: SecurityLevel,
    user: Vec<u8>,
    password: Vec<u8>,
    buf: Vec<u8>,
    /// Added to a random start for every encrypted packet's IV, so none repeats.
    iv: u128,
}

/// Why a sender could not start.
#[derive(Debug, thiserror::Error)]
#[error("network server {address}: {source}")]
pub struct ServerError {
    /// The address as configured.
    pub address: String,
    /// What went wrong.
    pub source: io::Error,
}

/// The network output: every changed value to every server.
#[derive(Debug)]
pub struct Network {
    reader: ReaderId,
    servers: Vec<Upstream>,
    forward: bool,
    batch: Vec<Pending>,
    keys: Vec<u8>,
}

impl Network {
    /// Open a socket to each of `servers`; with `forward`, received values go on too.
    pub fn new(
        servers: &[ServerConfig],
        forward: bool,
        store: &Store<'_>,
    ) -> Result<Network, ServerError> {
        let servers = servers
            .iter()
            .map(|c| {
                let error = |source| ServerError {
                    address: c.address.clone(),
                    source,
                };
                let address = resolve(&c.address).map_err(error)?;
                let local: SocketAddr = if address.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    ([0u16; 8], 0).into()
                };
                let socket = UdpSocket::bind(local).map_err(error)?;
                socket.connect(address).map_err(error)?;
                socket.set_nonblocking(true).map_err(error)?;
                Ok(Upstream {
                    socket,
                    address,
                    level: c.security_level,
                    user: c.username.clone().unwrap_or_default().into_bytes(),
                    password: c.password.clone().unwrap_or_default().into_bytes(),
                    buf: vec![0; c.max_packet_size],
                    iv: random_seed(),
                })
            })
            .collect::<Result<_, ServerError>>()?;
        Ok(Network {
            reader: store.reader(),
            servers,
            forward,
            batch: Vec::new(),
            keys: Vec::new(),
        })
    }

    /// Copy out what changed since the last read.
    fn read(&mut self, store: &Store<'_>) {
        self.batch.clear();
        self.keys.clear();
        let (batch, keys, forward) = (&mut self.batch, &mut self.keys, self.forward);
        store.read_changes_in_parts(&self.reader, crate::store::READ_PART, |key, entry| {
            if entry.origin() == NETWORK && !forward {
                return;
            }
            let start = keys.len();
            keys.extend_from_slice(key);
            batch.push(Pending {
                key: (start, keys.len()),
                snapshot: Snapshot::of(entry),
            });
        });
    }
}

impl Upstream {
    /// Encode `batch` into packets and send each; count what went and what was dropped.
    fn send(
        &mut self,
        batch: &[Pending],
        keys: &[u8],
        counters: &NetworkCounters,
        store: &Store<'_>,
    ) {
        let reserve = security::reserve(self.level, &self.user);
        let mut buf = std::mem::take(&mut self.buf);
        self.encode(batch, keys, &mut buf, reserve, counters, store);
        self.buf = buf;
    }

    /// Encode `batch` into `buf`, sending each packet as it fills.
    fn encode(
        &mut self,
        batch: &[Pending],
        keys: &[u8],
        buf: &mut [u8],
        reserve: usize,
        counters: &NetworkCounters,
        store: &Store<'_>,
    ) {
        let mut encoder = Encoder::with_reserve(buf, reserve);
        let mut in_packet = 0u64;
        for p in batch {
            let key = &keys[p.key.0..p.key.1];
            let Some(id) = Identifier::parse(key) else {
                continue;
            };
            let vl = ValueList {
                id,
                time: p.snapshot.time,
                interval: p.snapshot.interval,
                values: p.snapshot.values(),
            };
            match encoder.push_values(&vl) {
                Ok(()) => in_packet += vl.values.len() as u64,
                Err(EncodeError::Full) => {
                    self.flush(&mut encoder, in_packet, counters, store);
                    in_packet = 0;
                    if encoder.push_values(&vl).is_ok() {
                        in_packet += vl.values.len() as u64;
                    }
                }
                Err(e) => store.log_limit().log("WARNING", || {
                    format!(
                        "network server {}: not sending {}: {e}",
                        self.address,
                        String::from_utf8_lossy(key)
                    )
                }),
            }
        }
        if !encoder.is_empty() {
            self.flush(&mut encoder, in_packet, counters, store);
        }
    }

    /// Seal and send the encoder's packet, then clear it.
    fn flush(
        &mut self,
        encoder: &mut Encoder<'_>,
        values: u64,
        counters: &NetworkCounters,
        store: &Store<'_>,
    ) {
        self.iv = self.iv.wrapping_add(1);
        let sealed = security::seal(
            encoder.packet_mut(),
            self.level,
            &self.user,
            &self.password,
            self.iv.to_le_bytes(),
        );
        let sent = match sealed {
            Ok(()) => self.socket.send(encoder.packet()).map(|_| ()),
            Err(e) => Err(io::Error::other(e)),
        };
        match sent {
            Ok(()) => {
                counters.packets_out.fetch_add(1, Ordering::Relaxed);
                counters.values_out.fetch_add(values, Ordering::Relaxed);
            }
            Err(e) => {
                counters.dropped.fetch_add(1, Ordering::Relaxed);
                if e.kind() != io::ErrorKind::WouldBlock {
                    store.log_limit().log("WARNING", || {
                        format!("network server {}: packet dropped: {e}", self.address)
                    });
                }
            }
        }
        encoder.clear();
    }
}

impl Output for Network {
    fn tick(&mut self, store: &Store<'_>, _tick: Tick) -> io::Result<()> {
        self.read(store);
        if self.batch.is_empty() {
            return Ok(());
        }
        let counters = &store.counters().network;
        for server in &mut self.servers {
            server.send(&self.batch, &self.keys, counters, store);
        }
        Ok(())
    }

    fn finish(&mut self, store: &Store<'_>) -> io::Result<()> {
        self.tick(store, Tick::Flush)
    }
}
