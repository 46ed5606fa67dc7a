//! One client connection: read, answer every complete line, write the replies in one go.
//!
//! Memory per client is bounded: a fixed read buffer, the framer's 1 KiB
//! line, and replies that are written out whenever they pass
//! [`REPLY_LIMIT`](crate::ingest::session::REPLY_LIMIT); a LISTVAL is sent in
//! parts of [`LISTING_PART`](crate::store::LISTING_PART), however large the
//! cache. A client silent for the
//! idle timeout is closed, and so is one that started a line and did not
//! finish it within the line timeout (one byte a second keeps no slot for
//! ever); one that does not take its replies within the write timeout is
//! dropped. The handler's lock is never held while writing.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::ingest::session::Session;
use crate::store::Store;

/// Bytes read from a client at once: about a thousand pipelined PUTVALs, so syscalls cost little a line.
const READ_BUFFER: usize = 64 * 1024;

/// Reply buffer capacity kept between batches; a larger one (after a big LISTVAL) is shrunk.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Timeouts of a client connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Close a client that sends nothing for this long; `None` waits forever.
    pub idle: Option<Duration>,
    /// Drop a client whose replies cannot be written within this long.
    pub write: Duration,
    /// Close a client that takes longer than this to finish a line it started; `None` waits forever.
    pub line: Option<Duration>,
}

/// Why a connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The client closed its side.
    Closed,
    /// The client sent nothing for the idle timeout.
    Idle,
    /// The client did not finish a line within the line timeout.
    SlowLine,
    /// The client did not take its replies in time, or the socket failed.
    WriteFailed,
    /// Reading failed.
    ReadFailed,
}

/// Serve `stream` until it ends.
pub fn serve(mut stream: UnixStream, limits: Limits, store: &Store<'_>) -> End {
    if stream.set_read_timeout(limits.idle).is_err()
        || stream.set_write_timeout(Some(limits.write)).is_err()
    {
        return End::ReadFailed;
    }
    let mut session = Session::new();
    let mut buf = vec![0u8; READ_BUFFER];
    // When the line now arriving started, and the read timeout in force.
    let mut line_started: Option<Instant> = None;
    let mut timeout = limits.idle;
    let end = loop {
        // A line started earlier must be finished by its deadline; wake up
        // then if nothing comes. (Whether it was is judged after reading
        // what is there: a busy server may read late what came in time.)
        let wanted = match (line_started, limits.line) {
            (Some(t), Some(line)) => {
                let left = line
                    .saturating_sub(t.elapsed())
                    .max(Duration::from_millis(1));
                Some(limits.idle.map_or(left, |idle| idle.min(left)))
            }
            _ => limits.idle,
        };
        if wanted != timeout {
            if stream.set_read_timeout(wanted).is_err() {
                break End::ReadFailed;
            }
            timeout = wanted;
        }
        let n = match stream.read(&mut buf) {
            Ok(0) => {
                session.finish(store);
                session.after_unlock(store);
                let _ = reply(&mut stream, &mut session, store, limits.write);
                break End::Closed;
            }
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if overdue(line_started, limits.line) {
                    break End::SlowLine;
                }
                if line_started.is_some() && timeout != limits.idle {
                    continue; // Woke for the line deadline, which is not due yet.
                }
                store.counters().idle.fetch_add(1, Ordering::Relaxed);
                break End::Idle;
            }
            Err(_) => break End::ReadFailed,
        };
        let mut input = &buf[..n];
        let lines_before = session.lines();
        let mut failed = false;
        while !input.is_empty() {
            let used = session.feed(store, input);
            input = &input[used..];
            session.after_unlock(store);
            if reply(&mut stream, &mut session, store, limits.write).is_err() {
                failed = true;
                break;
            }
        }
        if failed {
            break End::WriteFailed;
        }
        // A line that ended in this read restarts the clock for the next.
        let ended = session.lines() != lines_before;
        line_started = match (session.in_line(), line_started) {
            (false, _) => None,
            (true, Some(t)) if !ended => Some(t),
            (true, _) => Some(Instant::now()),
        };
        // Still in the same line after reading all that had come: too slow.
        if overdue(line_started, limits.line) {
            break End::SlowLine;
        }
    };
    // What was not written is dropped with the connection.
    session.replies.clear();
    session.end(store);
    if end == End::SlowLine {
        store.counters().idle.fetch_add(1, Ordering::Relaxed);
    }
    if end == End::WriteFailed {
        store.counters().slow.fetch_add(1, Ordering::Relaxed);
    }
    end
}

/// Return whether a line started at `started` missed its deadline `line`.
fn overdue(started: Option<Instant>, line: Option<Duration>) -> bool {
    matches!((started, line), (Some(t), Some(line)) if t.elapsed() >= line)
}

/// Write the pending replies, and all of a LISTVAL they begin, within `limit`; an error means the client is gone or too slow.
fn reply(
    stream: &mut UnixStream,
    session: &mut Session,
    store: &Store<'_>,
    limit: Duration,
) -> std::io::Result<()> {
    let deadline = Instant::now() + limit;
    send(stream, session, deadline, limit)?;
    while session.continue_listing(store) {
        send(stream, session, deadline, limit)?;
    }
    send(stream, session, deadline, limit)
}

/// Write the pending replies by `deadline`, however the client reads.
///
/// The socket's write timeout (`limit`) bounds each write; the deadline
/// bounds the whole reply, so a reader that takes a little every few
/// seconds is dropped too.
fn send(
    stream: &mut UnixStream,
    session: &mut Session,
    deadline: Instant,
    limit: Duration,
) -> std::io::Result<()> {
    if session.replies.is_empty() {
        return Ok(());
    }
    let mut result = Ok(());
    let mut rest = &session.replies[..];
    let mut shortened = false;
    while !rest.is_empty() {
        // No write may outlast the deadline, the first of a part included.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            result = Err(ErrorKind::TimedOut.into());
            break;
        }
        if left < limit {
            if stream.set_write_timeout(Some(left)).is_err() {
                result = Err(ErrorKind::Other.into());
                break;
            }
            shortened = true;
        }
        match stream.write(rest) {
            Ok(0) => {
                result = Err(ErrorKind::WriteZero.into());
                break;
            }
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    if shortened {
        let _ = stream.set_write_timeout(Some(limit));
    }
    session.replies.clear();
    if session.replies.capacity() > 4 * KEEP_CAPACITY {
        session.replies.shrink_to(KEEP_CAPACITY);
    }
    result
}
