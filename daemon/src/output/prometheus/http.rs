//! A small HTTP/1.1 server for `GET /metrics`, on plain threads.
//!
//! Each connection gets one request and one answer, then is closed. At
//! most `max_scrapes` are served at once (more are answered `503` at once),
//! and each has one deadline for reading its request and writing the whole
//! answer, so a scraper that never reads costs a thread and its answer's
//! memory only until then. Requests are parsed with `httparse`; an answer
//! is gzipped when the request's `Accept-Encoding` allows it.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use collie_core::prometheus::Format;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::Exporter;

/// Longest request head read, in bytes.
const MAX_HEAD: usize = 8 * 1024;

/// How long a refused connection may hold the accepting thread while it is closed.
const REFUSAL_WAIT: Duration = Duration::from_millis(50);

/// How long an answered connection is drained before it is closed.
const DRAIN_WAIT: Duration = Duration::from_millis(200);

/// Limits of the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most scrapes served at once.
    pub max_scrapes: usize,
    /// Time for reading one request and writing its whole answer.
    pub deadline: Duration,
}

/// Accept connections on `listener` forever, serving each on its own thread in `scope`.
pub fn serve<'scope, 'env, 't>(
    scope: &'scope thread::Scope<'scope, 'env>,
    listener: TcpListener,
    exporter: &'env Exporter<'env, 't>,
    limits: Limits,
    busy: &'env AtomicUsize,
) {
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else {
            continue;
        };
        if busy.fetch_add(1, Ordering::SeqCst) >= limits.max_scrapes {
            busy.fetch_sub(1, Ordering::SeqCst);
            let _ = conn.set_write_timeout(Some(REFUSAL_WAIT));
            let _ = answer(
                &mut conn,
                503,
                "text/plain",
                None,
                b"too many scrapes at once\n",
                false,
            );
            close_gently(&mut conn, REFUSAL_WAIT);
            continue;
        }
        let spawned = thread::Builder::new()
            .name("scrape".into())
            .spawn_scoped(scope, move || {
                let _ = handle(conn, exporter, limits.deadline);
                busy.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            busy.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Close `conn` after its answer without a reset: stop writing, then read and drop what the client still sends, for at most `wait`.
///
/// Closing a socket with unread input makes the kernel reset the
/// connection, and the client may lose the answer it had not read yet.
fn close_gently(conn: &mut TcpStream, wait: Duration) {
    let _ = conn.shutdown(std::net::Shutdown::Write);
    let end = Instant::now() + wait;
    let mut buf = [0u8; 4096];
    let mut drained = 0;
    while drained < 64 * 1024 {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() || conn.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => drained += n,
        }
    }
}

/// Read one request from `conn` and answer it, all within `deadline`, then close it gently.
fn handle(mut conn: TcpStream, exporter: &Exporter<'_, '_>, deadline: Duration) -> io::Result<()> {
    let result = read_and_answer(&mut conn, exporter, deadline);
    close_gently(&mut conn, DRAIN_WAIT);
    result
}

/// Read one request from `conn` and answer it, all within `deadline`.
fn read_and_answer(
    conn: &mut TcpStream,
    exporter: &Exporter<'_, '_>,
    deadline: Duration,
) -> io::Result<()> {
    let end = Instant::now() + deadline;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        conn.set_read_timeout(Some(left))?;
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {
                let response = respond(&req, exporter);
                let (status, kind, allow, body, gzip) = response;
                return write_within(conn, end, |c| answer(c, status, kind, allow, &body, gzip));
            }
            Ok(httparse::Status::Partial) if head.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) => {
                return write_within(conn, end, |c| {
                    answer(
                        c,
                        431,
                        "text/plain",
                        None,
                        b"request head too large\n",
                        false,
                    )
                });
            }
            Err(_) => {
                return write_within(conn, end, |c| {
                    answer(c, 400, "text/plain", None, b"bad request\n", false)
                });
            }
        }
    }
}

type Response = (u16, &'static str, Option<&'static str>, Vec<u8>, bool);

/// Decide the answer to a parsed request.
fn respond(req: &httparse::Request<'_, '_>, exporter: &Exporter<'_, '_>) -> Response {
    let path = req.path.unwrap_or("/");
    let path = path.split('?').next().unwrap_or(path);
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map_or(&b""[..], |h| h.value)
    };
    match (req.method.unwrap_or(""), path) {
        ("GET", "/metrics") => {
            let format = Format::from_accept(header("accept"));
            let gzip = accepts_gzip(header("accept-encoding"));
            (
                200,
                format.content_type(),
                None,
                exporter.scrape(format),
                gzip,
            )
        }
        (_, "/metrics") => (
            405,
            "text/plain",
            Some("GET"),
            b"only GET is served here\n".to_vec(),
            false,
        ),
        ("GET", "/") => (
            200,
            "text/html; charset=utf-8",
            None,
            b"<html><body><a href=\"/metrics\">metrics</a></body></html>\n".to_vec(),
            false,
        ),
        _ => (
            404,
            "text/plain",
            None,
            b"not found: try /metrics\n".to_vec(),
            false,
        ),
    }
}

/// Return whether an `Accept-Encoding` header allows gzip.
fn accepts_gzip(value: &[u8]) -> bool {
    value.split(|&b| b == b',').any(|item| {
        let mut parts = item.split(|&b| b == b';');
        let coding = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            let p: Vec<u8> = p
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            p == b"q=0" || p == b"q=0.0" || p == b"q=0.00" || p == b"q=0.000"
        });
        coding.trim_ascii().eq_ignore_ascii_case(b"gzip") && !refused
    })
}

/// Run `write` with the connection's write timeout set to what is left before `end`.
fn write_within(
    conn: &mut TcpStream,
    end: Instant,
    write: impl FnOnce(&mut Deadline<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = Deadline { conn, end };
    write(&mut w)?;
    w.flush()
}

/// A connection that refuses to write past a deadline.
struct Deadline<'c> {
    conn: &'c mut TcpStream,
    end: Instant,
}

impl Write for Deadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        self.conn.set_write_timeout(Some(left))?;
        self.conn.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.conn.flush()
    }
}

/// Write a whole answer with `Connection: close`.
fn answer(
    out: &mut impl Write,
    status: u16,
    content_type: &str,
    allow: Option<&str>,
    body: &[u8],
    gzip: bool,
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    };
    let zipped;
    let body = if gzip {
        let mut z = GzEncoder::new(Vec::with_capacity(body.len() / 4), Compression::fast());
        z.write_all(body)?;
        zipped = z.finish()?;
        &zipped[..]
    } else {
        body
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if gzip {
        head += "Content-Encoding: gzip\r\n";
    }
    if let Some(allow) = allow {
        head += &format!("Allow: {allow}\r\n");
    }
    head += "\r\n";
    out.write_all(head.as_bytes())?;
    out.write_all(body)
}

#[cfg(test)]
mod tests {
    use super::accepts_gzip;

    #[test]
    fn gzip_is_used_when_allowed() {
        assert!(accepts_gzip(b"gzip"));
        assert!(accepts_gzip(b"deflate, GZIP;q=0.5"));
        assert!(!accepts_gzip(b"gzip;q=0"));
        assert!(!accepts_gzip(b"identity"));
        assert!(!accepts_gzip(b""));
    }
}
