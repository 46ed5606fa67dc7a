//! The Unix socket: binding it with collectd's options, and accepting clients.
//!
//! Like collectd's unixsock plugin, the socket gets its mode after bind and
//! its group after listen. A socket file left by a run that crashed is
//! removed when `delete_socket` is set; a socket another server still
//! answers on, or a file that is not a socket, is never removed.

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::thread;

use crate::ingest::client::{self, Limits};
use crate::store::Store;

/// Stack of a client thread; the session buffers live on it, replies on the heap.
const CLIENT_STACK: usize = 256 * 1024;

/// How to create the socket.
#[derive(Debug, Clone, PartialEq)]
pub struct SocketOptions {
    /// The socket file.
    pub path: PathBuf,
    /// Its mode.
    pub perms: u32,
    /// Its group, by name.
    pub group: Option<String>,
    /// Remove a stale socket file first.
    pub delete_stale: bool,
}

/// Why the socket could not be set up; each message names the path.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Something that is not a socket is at the path.
    #[error("{} exists and is not a socket; not touching it", .0.display())]
    NotASocket(PathBuf),
    /// A server answers on the socket, or it cannot be told whether one does.
    #[error("{} is in use by a running server", .0.display())]
    InUse(PathBuf),
    /// Connecting to the socket failed other than by refusal, so it may be live.
    #[error("{} may be in use (connecting failed: {source}); not removing it", path.display())]
    Unknown {
        /// The socket file.
        path: PathBuf,
        /// Why connecting failed.
        source: std::io::Error,
    },
    /// A stale socket is there and `delete_socket` is off.
    #[error("{} exists (left by an earlier run?); remove it or set delete_socket: true", .0.display())]
    Stale(PathBuf),
    /// A file operation failed.
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The socket file.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The socket's group could not be set.
    #[error("{0}")]
    Group(String),
}

/// Create, set up and listen on the socket.
///
/// A socket file already there is removed only when `delete_stale` is set
/// and connecting to it is refused (`ECONNREFUSED`): nobody listens on it.
/// Any other failure to connect (no permission, say) may hide a live server,
/// so the file is left alone.
pub fn bind(opts: &SocketOptions) -> Result<UnixListener, BindError> {
    let path = &opts.path;
    let io = |what, source| BindError::Io {
        what,
        path: path.clone(),
        source,
    };
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if !meta.file_type().is_socket() {
            return Err(BindError::NotASocket(path.clone()));
        }
        match UnixStream::connect(path) {
            Ok(_) => return Err(BindError::InUse(path.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(source) => {
                return Err(BindError::Unknown {
                    path: path.clone(),
                    source,
                });
            }
        }
        if !opts.delete_stale {
            return Err(BindError::Stale(path.clone()));
        }
        std::fs::remove_file(path).map_err(|e| io("remove stale", e))?;
        info!("removed stale socket {}", path.display());
    }
    let listener = UnixListener::bind(path).map_err(|e| io("bind", e))?;
    let set_up = || {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(opts.perms))
            .map_err(|e| io("set the mode of", e))?;
        if let Some(group) = &opts.group {
            set_group(path, group).map_err(BindError::Group)?;
        }
        Ok(())
    };
    if let Err(e) = set_up() {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(listener)
}

fn set_group(path: &Path, group: &str) -> Result<(), String> {
    let gid = match nix::unistd::Group::from_name(group) {
        Ok(Some(g)) => g.gid,
        Ok(None) => return Err(format!("no such group: {group}")),
        Err(e) => return Err(format!("cannot look up group {group}: {e}")),
    };
    nix::unistd::chown(path, None, Some(gid))
        .map_err(|e| format!("cannot give {} to group {group}: {e}", path.display()))
}

/// File descriptors kept free of clients: the listener, stdio, logs, Exec pipes, outputs.
pub const FD_RESERVE: u64 = 64;

/// Return `max_clients`, or fewer if the open-file limit cannot hold that many clients and [`FD_RESERVE`] more.
///
/// The soft limit is raised towards the hard one first, as far as
/// `max_clients` needs. Past the limit, `accept` would fail with EMFILE and
/// clients would hang unanswered; within it, the extra clients are told
/// `-1 Too many clients`.
pub fn clamp_clients(max_clients: usize) -> usize {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return max_clients;
    };
    let wanted = (max_clients as u64).saturating_add(FD_RESERVE);
    let soft = if soft < wanted {
        let raised = wanted.min(hard);
        match setrlimit(Resource::RLIMIT_NOFILE, raised, hard) {
            Ok(()) => raised,
            Err(_) => soft,
        }
    } else {
        soft
    };
    let room = usize::try_from(soft.saturating_sub(FD_RESERVE).max(1)).unwrap_or(usize::MAX);
    if max_clients > room {
        warning!(
            "max_clients {max_clients} is more than the open-file limit ({soft}) leaves room for; serving at most {room} clients"
        );
        return room;
    }
    max_clients
}

/// Accept clients forever, one thread each in `scope`, at most `max_clients` at once.
pub fn accept_loop<'scope, 't: 'scope>(
    scope: &'scope thread::Scope<'scope, '_>,
    listener: UnixListener,
    max_clients: usize,
    limits: Limits,
    store: &'scope Store<'t>,
) {
    let counters = store.counters();
    for stream in listener.incoming() {
        let mut stream = match stream {
            Ok(s) => s,
            Err(e) => {
                store
                    .log_limit()
                    .log("WARNING", || format!("accept failed: {e}"));
                // Out of file descriptors, say: back off rather than spin.
                thread::sleep(std::time::Duration::from_millis(50));
                continue;
            }
        };
        counters.accepted.fetch_add(1, Ordering::Relaxed);
        if counters.clients.load(Ordering::Relaxed) >= max_clients {
            counters.refused.fetch_add(1, Ordering::Relaxed);
            let _ = stream.set_write_timeout(Some(limits.write));
            let _ = stream.write_all(b"-1 Too many clients, try again later.\n");
            continue;
        }
        counters.clients.fetch_add(1, Ordering::Relaxed);
        let spawned = thread::Builder::new()
            .name("client".into())
            .stack_size(CLIENT_STACK)
            .spawn_scoped(scope, move || {
                /// Count the client out however its thread ends.
                struct Leave<'c>(&'c crate::store::Counters);
                impl Drop for Leave<'_> {
                    fn drop(&mut self) {
                        self.0.clients.fetch_sub(1, Ordering::Relaxed);
                    }
                }
                let _leave = Leave(counters);
                client::serve(stream, limits, store);
            });
        if let Err(e) = spawned {
            counters.clients.fetch_sub(1, Ordering::Relaxed);
            warning!("cannot start a client thread: {e}");
        }
    }
}
