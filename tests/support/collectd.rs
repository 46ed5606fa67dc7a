//! A private collectd 5.12 (unixsock plugin only) and the session replayer.
//!
//! [`Collectd::start`] runs `collectd -f -C <conf>` in a fresh temporary directory with a
//! socket of its own and an empty value cache; dropping it kills the daemon and removes the
//! directory. [`Replayer`] sends corpus requests on any [`Connection`] (also usable against
//! collie) and collects reply lines the same way for every server:
//!
//! 1. wait up to [`Timing::first_reply`] for a status line (none: "no reply");
//! 2. if the status code is positive, read that many more lines ([`Timing::more_lines`] each);
//! 3. keep reading until nothing arrives for [`Timing::quiet`] (catches extra lines such as the
//!    blank line after GETVAL of an unknown type or several replies to one long line).
//!
//! The quiet period also gives collectd's write thread time to put a PUTVAL into the cache
//! before the next request is sent (collectd dispatches asynchronously).

use std::fs;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::cases::{Request, Session};

/// The collectd daemon of the Debian `collectd-core` package.
pub const COLLECTD: &str = "/usr/sbin/collectd";
/// The types database shipped with collectd 5.12.
pub const TYPES_DB: &str = "/usr/share/collectd/types.db";
/// Host name configured for the private daemon.
pub const HOSTNAME: &str = "collie-test";

/// The collectd binary to run: `$COLLIE_COLLECTD` if set, else [`COLLECTD`].
pub fn binary() -> PathBuf {
    std::env::var_os("COLLIE_COLLECTD")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(COLLECTD))
}

/// Whether collectd and its types database are installed.
pub fn available() -> bool {
    binary().is_file() && Path::new(TYPES_DB).is_file()
}

/// A unique, not yet existing directory below the system temporary directory.
pub fn unique_temp_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    std::env::temp_dir().join(format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// A running private collectd; killed and cleaned up on drop.
pub struct Collectd {
    child: Child,
    dir: PathBuf,
    socket: PathBuf,
}

impl Collectd {
    /// Starts collectd with only the unixsock plugin and waits until its socket accepts.
    pub fn start() -> io::Result<Collectd> {
        let dir = unique_temp_dir("collie-collectd");
        fs::create_dir_all(&dir)?;
        let socket = dir.join("sock");
        let conf = dir.join("collectd.conf");
        fs::write(&conf, config(&dir, &socket))?;
        let log = fs::File::create(dir.join("collectd.log"))?;
        let child = Command::new(binary())
            .arg("-f")
            .arg("-C")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(e) => {
                let _ = fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let mut daemon = Collectd { child, dir, socket };
        daemon.wait_ready()?;
        Ok(daemon)
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "collectd exited early ({status}): {}",
                    self.log()
                )));
            }
            if self.socket.exists() {
                // The file appears at bind(); listen() follows a moment later.
                match UnixStream::connect(&self.socket) {
                    Ok(_) => return Ok(()),
                    Err(e) if e.kind() == ErrorKind::ConnectionRefused => {}
                    Err(e) => return Err(e),
                }
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(
                    ErrorKind::TimedOut,
                    format!("collectd socket did not appear: {}", self.log()),
                ));
            }
            thread::sleep(Duration::from_millis(5));
        }
    }

    /// The path of the unixsock socket.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Opens a new connection to the daemon.
    pub fn connect(&self) -> io::Result<UnixStream> {
        UnixStream::connect(&self.socket)
    }

    /// What collectd logged so far (its stdout and stderr).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("collectd.log")).unwrap_or_default()
    }
}

impl Drop for Collectd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// The configuration file for a private daemon in `dir`.
fn config(dir: &Path, socket: &Path) -> String {
    format!(
        "Hostname \"{HOSTNAME}\"\n\
         FQDNLookup false\n\
         Interval 10\n\
         ReadThreads 1\n\
         WriteThreads 1\n\
         BaseDir \"{dir}\"\n\
         PIDFile \"{dir}/collectd.pid\"\n\
         TypesDB \"{TYPES_DB}\"\n\
         AutoLoadPlugin false\n\
         LoadPlugin unixsock\n\
         <Plugin unixsock>\n  \
           SocketFile \"{socket}\"\n  \
           DeleteSocket true\n\
         </Plugin>\n",
        dir = dir.display(),
        socket = socket.display(),
    )
}

/// A byte stream to a server speaking the plain text protocol.
pub trait Connection: Read + Write {
    /// Sets the timeout of subsequent reads (`None`: block).
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()>;
    /// Half-closes the connection: no more requests will be sent.
    fn shutdown_write(&self) -> io::Result<()>;
}

impl Connection for UnixStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        UnixStream::set_read_timeout(self, timeout)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

impl Connection for TcpStream {
    fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        TcpStream::set_read_timeout(self, timeout)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
}

/// How long the replayer waits for replies.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// Time allowed for the first (status) line; none within it means "no reply".
    pub first_reply: Duration,
    /// Time allowed for each of the lines announced by a positive status code.
    pub more_lines: Duration,
    /// Silence that ends a reply (also the pause after every reply).
    pub quiet: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            first_reply: Duration::from_millis(500),
            more_lines: Duration::from_secs(2),
            quiet: Duration::from_millis(60),
        }
    }
}

/// Sends requests on one connection and collects their reply lines.
pub struct Replayer<C: Connection> {
    conn: C,
    timing: Timing,
    /// Received bytes not yet split into lines.
    pending: Vec<u8>,
    /// The server closed the connection (or it broke).
    closed: bool,
    /// We half-closed the connection.
    write_closed: bool,
}

impl<C: Connection> Replayer<C> {
    /// A replayer with the default [`Timing`].
    pub fn new(conn: C) -> Self {
        Self::with_timing(conn, Timing::default())
    }

    /// A replayer with explicit timing.
    pub fn with_timing(conn: C, timing: Timing) -> Self {
        Replayer {
            conn,
            timing,
            pending: Vec::new(),
            closed: false,
            write_closed: false,
        }
    }

    /// Whether the server has closed the connection.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Sends one request and returns its reply lines (without `\n`); empty if the server sent
    /// nothing or has closed the connection.
    pub fn exchange(&mut self, request: &Request) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        if self.closed || self.write_closed {
            return lines;
        }
        let mut bytes = request.line.clone();
        if request.newline {
            bytes.push(b'\n');
        }
        if self
            .conn
            .write_all(&bytes)
            .and_then(|()| self.conn.flush())
            .is_err()
        {
            self.closed = true;
            return lines;
        }
        if !request.newline {
            self.write_closed = true;
            if self.conn.shutdown_write().is_err() {
                self.closed = true;
                return lines;
            }
        }
        if let Some(status) = self.read_line(self.timing.first_reply) {
            let count = status_code(&status).unwrap_or(0);
            lines.push(status);
            for _ in 0..count {
                match self.read_line(self.timing.more_lines) {
                    Some(line) => lines.push(line),
                    None => break,
                }
            }
        }
        while let Some(line) = self.read_line(self.timing.quiet) {
            lines.push(line);
        }
        if self.write_closed {
            // The server answers what it got, then closes; collect everything up to EOF.
            let deadline = Instant::now() + self.timing.more_lines;
            while !self.closed && Instant::now() < deadline {
                if let Some(line) = self.read_line(self.timing.quiet) {
                    lines.push(line);
                }
            }
        }
        lines
    }

    /// Reads one line within `timeout`. At end of stream a partial line counts as a line.
    fn read_line(&mut self, timeout: Duration) -> Option<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=pos).collect();
                line.pop();
                return Some(line);
            }
            if self.closed {
                return (!self.pending.is_empty()).then(|| std::mem::take(&mut self.pending));
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            if self.conn.set_read_timeout(Some(deadline - now)).is_err() {
                self.closed = true;
                continue;
            }
            let mut chunk = [0u8; 4096];
            match self.conn.read(&mut chunk) {
                Ok(0) => self.closed = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => self.closed = true,
            }
        }
    }
}

/// The leading integer of a status line (`"2 Values found"` → 2).
pub fn status_code(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    text.split(' ').next()?.parse().ok()
}

/// Replays a session on an open connection; one entry of reply lines per request.
pub fn replay_on<C: Connection>(conn: C, session: &Session) -> Vec<Vec<Vec<u8>>> {
    let mut replayer = Replayer::new(conn);
    session
        .requests
        .iter()
        .map(|request| replayer.exchange(request))
        .collect()
}

/// Replays a session against a fresh private collectd.
pub fn replay(session: &Session) -> io::Result<Vec<Vec<Vec<u8>>>> {
    let daemon = Collectd::start()?;
    let conn = daemon.connect()?;
    let replies = replay_on(conn, session);
    drop(daemon);
    Ok(replies)
}

/// Maps `f` over `items` on up to `jobs` threads, keeping the order of the results.
pub fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}
