//! collectd's network plugin as a listener: UDP packets of the binary protocol into the store.
//!
//! Each listening address has its own thread. A packet is checked against
//! the address's security level first (and decrypted in place); one that
//! fails is dropped whole and counted. Its value lists are then stored
//! under one lock of the store per packet, each with its own time, and
//! its notifications are counted and logged as PUTNOTIF's are. A part
//! that is malformed ends the packet, as it does in collectd, and what
//! came before it stays stored.

use std::collections::HashMap;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use collie_core::cache::{CacheError, MAX_VALUES};
use collie_core::network::auth_file;
use collie_core::network::security::{self, Passwords};
use collie_core::network::{Record, Records, SecurityLevel};
use collie_core::value::Value;

use crate::config::ListenConfig;
use crate::ingest::session::notification_line;
use crate::store::{NETWORK, Put, PutError, Store, now};

/// The largest UDP payload; collectd's senders stay far below it.
const MAX_DATAGRAM: usize = 65535;

/// How often a listener looks whether the daemon is stopping.
const STOP_POLL: Duration = Duration::from_millis(200);

/// Why a listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// The address does not resolve.
    #[error("network listen {address}: cannot resolve: {source}")]
    Resolve {
        /// The address as configured.
        address: String,
        /// What the resolver said.
        source: io::Error,
    },
    /// The socket cannot be bound.
    #[error("network listen {address}: cannot bind: {source}")]
    Bind {
        /// The address as configured.
        address: String,
        /// What the system said.
        source: io::Error,
    },
    /// The auth file cannot be read.
    #[error("network listen {address}: cannot read auth_file {}: {source}", path.display())]
    AuthFile {
        /// The address as configured.
        address: String,
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A line of the auth file is not `user: password`.
    #[error("{}:{line}: not a `user: password` line", path.display())]
    AuthLine {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
    },
}

/// The users of an auth file and their passwords.
#[derive(Debug, Default, Clone)]
pub struct Users(HashMap<Vec<u8>, Vec<u8>>);

impl Users {
    /// Read an auth file's `user: password` lines; `Err(line)` names the first bad one.
    pub fn parse(text: &[u8]) -> Result<Users, usize> {
        let mut users = HashMap::new();
        for entry in auth_file::entries(text) {
            let (_, user, password) = entry?;
            users.insert(user.to_vec(), password.to_vec());
        }
        Ok(Users(users))
    }
}

impl Users {
    /// Read the auth file at `path` of the listener at `address`.
    pub fn read(address: &str, path: &std::path::Path) -> Result<Users, ListenError> {
        let text = std::fs::read(path).map_err(|source| ListenError::AuthFile {
            address: address.to_owned(),
            path: path.to_owned(),
            source,
        })?;
        Users::parse(&text).map_err(|line| ListenError::AuthLine {
            path: path.to_owned(),
            line,
        })
    }
}

impl Passwords for Users {
    fn password(&self, user: &[u8]) -> Option<&[u8]> {
        self.0.get(user).map(Vec::as_slice)
    }
}

/// A bound listening socket with its security level and users.
#[derive(Debug)]
pub struct Listener {
    socket: UdpSocket,
    address: SocketAddr,
    level: SecurityLevel,
    users: Option<Users>,
}

impl Listener {
    /// Resolve and bind `config`'s address, size its receive buffer and read its auth file.
    pub fn bind(config: &ListenConfig) -> Result<Listener, ListenError> {
        let address = resolve(&config.address).map_err(|source| ListenError::Resolve {
            address: config.address.clone(),
            source,
        })?;
        let users = match &config.auth_file {
            None => None,
            Some(path) => Some(Users::read(&config.address, path)?),
        };
        let bind_error = |source| ListenError::Bind {
            address: config.address.clone(),
            source,
        };
        let socket = UdpSocket::bind(address).map_err(bind_error)?;
        socket
            .set_read_timeout(Some(STOP_POLL))
            .map_err(bind_error)?;
        // The kernel may give less than asked (net.core.rmem_max); that is not an error.
        let wanted = config.receive_buffer.min(i32::MAX as usize);
        let _ = nix::sys::socket::setsockopt(
            &socket.as_fd(),
            nix::sys::socket::sockopt::RcvBuf,
            &wanted,
        );
        let address = socket.local_addr().map_err(bind_error)?;
        Ok(Listener {
            socket,
            address,
            level: config.security_level,
            users,
        })
    }

    /// Return the address bound, with the port the system chose for port 0.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Receive packets into `store` until it says stop.
    pub fn run(self, store: &Store<'_>) {
        let mut buf = vec![0u8; MAX_DATAGRAM];
        let mut key = Vec::with_capacity(256);
        let mut notes = Vec::new();
        while !store.wakeup().is_stopped() {
            let (n, peer) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock
                            | io::ErrorKind::TimedOut
                            | io::ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                Err(e) => {
                    store.log_limit().log("ERROR", || {
                        format!("network {}: receive failed: {e}", self.address)
                    });
                    std::thread::sleep(STOP_POLL);
                    continue;
                }
            };
            self.packet(store, &mut buf[..n], peer, &mut key, &mut notes);
            for note in notes.drain(..) {
                store.log_limit().log("INFO", || note);
            }
        }
    }

    /// Check, decode and store one packet; notifications are left in `notes` to log afterwards.
    fn packet(
        &self,
        store: &Store<'_>,
        packet: &mut [u8],
        peer: SocketAddr,
        key: &mut Vec<u8>,
        notes: &mut Vec<String>,
    ) {
        let counters = &store.counters().network;
        counters.packets_in.fetch_add(1, Ordering::Relaxed);
        let users = self.users.as_ref().map(|u| u as &dyn Passwords);
        let opened = match security::open(packet, self.level, users) {
            Ok(opened) => opened,
            Err(e) => {
                counters.security.fetch_add(1, Ordering::Relaxed);
                store.log_limit().log("WARNING", || {
                    format!("network {}: packet from {peer} dropped: {e}", self.address)
                });
                return;
            }
        };
        let mut values = [Value::default(); MAX_VALUES];
        let (mut stored, mut refused, mut malformed) = (0u64, 0u64, 0u64);
        let mut first_error = None;
        let now = now();
        for record in Records::new(opened.parts) {
            match record {
                Ok(Record::Values(vl)) => {
                    key.clear();
                    let _ = vl.id.write_key(key);
                    let result = match vl.values.fill(&mut values) {
                        Some(vals) => {
                            let put = Put {
                                key,
                                type_: vl.id.type_,
                                time: vl.time,
                                interval: vl.interval,
                                values: vals,
                                origin: NETWORK,
                            };
                            store.put_received(put, now).map(|()| vals.len())
                        }
                        None => Err(PutError::Cache(CacheError::TooManyValues {
                            count: vl.values.len(),
                            max: MAX_VALUES,
                        })),
                    };
                    match result {
                        Ok(n) => stored += n as u64,
                        Err(e) => {
                            refused += 1;
                            first_error.get_or_insert_with(|| {
                                format!("{}: {e}", String::from_utf8_lossy(key))
                            });
                        }
                    }
                }
                Ok(Record::Notification(n)) => {
                    store.counters().notification(n.severity);
                    let id = n.id;
                    notes.push(notification_line(
                        n.severity,
                        n.time,
                        [
                            id.host,
                            id.plugin,
                            id.plugin_instance,
                            id.type_,
                            id.type_instance,
                        ],
                        n.message,
                    ));
                }
                Err(e) => {
                    malformed += 1;
                    first_error.get_or_insert_with(|| e.to_string());
                }
            }
        }
        counters.values_in.fetch_add(stored, Ordering::Relaxed);
        counters.refused.fetch_add(refused, Ordering::Relaxed);
        counters.malformed.fetch_add(malformed, Ordering::Relaxed);
        if let Some(error) = first_error {
            store.log_limit().log("WARNING", || {
                format!(
                    "network {}: packet from {peer}: {} refused, {} malformed, first: {error}",
                    self.address, refused, malformed
                )
            });
        }
    }
}

/// Resolve `host:port` to its first address.
pub fn resolve(address: &str) -> io::Result<SocketAddr> {
    address
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the name has no addresses"))
}
