//! A request over a Unix or TCP socket, with keep-alive (python.d's `SocketService`).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::{Absent, BoxError, Source, seconds};

/// A module's test of whether the bytes read so far are a whole response.
pub type Complete = fn(&[u8]) -> bool;

/// Job keys of a socket source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SocketConfig {
    /// A Unix socket path; when set, `host` and `port` are not used.
    pub unix_socket: Option<PathBuf>,
    /// The TCP host name or address.
    pub host: String,
    /// The TCP port; a module usually presets it.
    pub port: Option<u16>,
    /// The bytes sent for each collection (YAML escapes such as `"INFO\r\n"` work in double quotes).
    pub request: String,
    /// Seconds allowed for connecting, and for each read and write.
    pub timeout: f64,
    /// Keep the connection open between collections, reconnecting after a failure.
    pub keep_alive: bool,
    /// The module's completeness check; without one, reading stops at EOF or timeout.
    #[serde(skip)]
    pub complete: Option<Complete>,
}

impl PartialEq for SocketConfig {
    fn eq(&self, other: &Self) -> bool {
        self.unix_socket == other.unix_socket
            && self.host == other.host
            && self.port == other.port
            && self.request == other.request
            && self.timeout == other.timeout
            && self.keep_alive == other.keep_alive
    }
}

impl Default for SocketConfig {
    fn default() -> Self {
        SocketConfig {
            unix_socket: None,
            host: "localhost".to_owned(),
            port: None,
            request: String::new(),
            timeout: 2.0,
            keep_alive: true,
            complete: None,
        }
    }
}

enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    fn set_timeouts(&self, t: Duration) -> io::Result<()> {
        match self {
            Conn::Tcp(s) => {
                s.set_read_timeout(Some(t))?;
                s.set_write_timeout(Some(t))
            }
            Conn::Unix(s) => {
                s.set_read_timeout(Some(t))?;
                s.set_write_timeout(Some(t))
            }
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A socket client that sends the request and reads one response per collection.
pub struct Socket {
    config: SocketConfig,
    timeout: Duration,
    conn: Option<Conn>,
    connects: u64,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("peer", &Socket::describe(&self.config))
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

/// Longest response read, to bound memory if a peer never stops talking.
const MAX_RESPONSE: usize = 16 << 20;

impl Socket {
    /// Return how many connections were opened so far (one while keep-alive holds).
    pub fn connects(&self) -> u64 {
        self.connects
    }

    fn connect(&mut self) -> Result<Conn, BoxError> {
        let c = &self.config;
        let conn = if let Some(path) = &c.unix_socket {
            let conn = UnixStream::connect(path).map_err(|e| match e.kind() {
                // A socket file that nobody listens on is a server that is not there.
                io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                    Absent::Server(path.display().to_string()).into()
                }
                _ => Absent::or_error(path.display(), e),
            })?;
            Conn::Unix(conn)
        } else {
            let port = c.port.ok_or("`port` is required without `unix_socket`")?;
            let addrs = (c.host.as_str(), port)
                .to_socket_addrs()
                .map_err(|e| format!("{}:{port}: {e}", c.host))?;
            let mut last = None;
            let mut found = None;
            for addr in addrs {
                match TcpStream::connect_timeout(&addr, self.timeout) {
                    Ok(s) => {
                        found = Some(s);
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            match found {
                Some(s) => {
                    let _ = s.set_nodelay(true);
                    Conn::Tcp(s)
                }
                None => {
                    let at = format!("{}:{port}", c.host);
                    return Err(match last {
                        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                            Absent::Server(at).into()
                        }
                        Some(e) => format!("{at}: {e}").into(),
                        None => format!("{at}: no address").into(),
                    });
                }
            }
        };
        conn.set_timeouts(self.timeout)?;
        self.connects += 1;
        Ok(conn)
    }

    /// Send the request on `conn` and read the response; return it and whether the peer closed.
    fn exchange(&self, conn: &mut Conn) -> Result<(Vec<u8>, bool), BoxError> {
        if !self.config.request.is_empty() {
            conn.write_all(self.config.request.as_bytes())?;
        }
        let deadline = Instant::now() + self.timeout;
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(done) = self.config.complete
                && !buf.is_empty()
                && done(&buf)
            {
                return Ok((buf, false));
            }
            if buf.len() > MAX_RESPONSE {
                return Err(format!("response longer than {MAX_RESPONSE} bytes").into());
            }
            match conn.read(&mut chunk) {
                Ok(0) => {
                    if buf.is_empty() {
                        return Err("the peer closed the connection without answering".into());
                    }
                    if let Some(done) = self.config.complete
                        && !done(&buf)
                    {
                        return Err(format!(
                            "the peer closed the connection after an incomplete response of {} bytes",
                            buf.len()
                        )
                        .into());
                    }
                    return Ok((buf, true));
                }
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    // Without a completeness check a quiet peer ends the response.
                    if self.config.complete.is_none() && !buf.is_empty() {
                        return Ok((buf, false));
                    }
                    return Err(format!(
                        "timed out after {:.1} s waiting for a response ({} bytes so far)",
                        self.timeout.as_secs_f64(),
                        buf.len()
                    )
                    .into());
                }
                Err(e) => return Err(e.into()),
            }
            if Instant::now() > deadline {
                return Err("the peer keeps sending without completing a response".into());
            }
        }
    }
}

impl Source for Socket {
    type Config = SocketConfig;
    type Output = Vec<u8>;
    const KIND: &'static str = "socket";

    fn validate(config: &SocketConfig) -> Result<(), String> {
        if config.unix_socket.is_none() && config.port.is_none() {
            return Err("set `unix_socket`, or `host` and `port`".to_owned());
        }
        seconds(config.timeout, "timeout")?;
        Ok(())
    }

    fn describe(config: &SocketConfig) -> String {
        match (&config.unix_socket, config.port) {
            (Some(p), _) => format!("unix socket {}", p.display()),
            (None, Some(port)) => format!("tcp {}:{port}", config.host),
            (None, None) => format!("tcp {} (no port)", config.host),
        }
    }

    fn open(config: &SocketConfig) -> Result<Self, BoxError> {
        Ok(Socket {
            timeout: seconds(config.timeout, "timeout")?,
            config: config.clone(),
            conn: None,
            connects: 0,
        })
    }

    fn fetch(&mut self) -> Result<Vec<u8>, BoxError> {
        // A kept connection may have been closed by the peer meanwhile: try
        // it once, then a fresh one.
        if let Some(mut conn) = self.conn.take()
            && let Ok((resp, closed)) = self.exchange(&mut conn)
        {
            if self.config.keep_alive && !closed {
                self.conn = Some(conn);
            }
            return Ok(resp);
        }
        let mut conn = self.connect()?;
        let (resp, closed) = self.exchange(&mut conn)?;
        if self.config.keep_alive && !closed {
            self.conn = Some(conn);
        }
        Ok(resp)
    }
}
