//! Outputs: what reads the store and sends values on, each at its own pace.
//!
//! An [`Output`] is ticked once a second (aligned to the clock), on a FLUSH
//! and once more when the daemon stops. Each tick reads only what changed
//! in the [`Store`] since that output's last tick, through its own change
//! cursor, and does its formatting without the store's lock; several
//! outputs run side by side, each on its own thread ([`run`]).
//! [`netdata`] is the plugins.d output on stdout; [`Stream`] is the one
//! stdout writer it shares with the jobs, a whole block per write.
//! [`network`] sends values to collectd (or InfluxDB, …) upstreams;
//! [`prometheus`] serves them to Prometheus scrapes.

pub mod netdata;
pub mod network;
pub mod prometheus;

use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::store::{Store, Woken};

/// Why an output is ticked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// A whole second of the wall clock passed; the number of that second.
    Second(u64),
    /// A FLUSH asked for pending values to be sent now.
    Flush,
}

/// Something that sends the store's values on.
pub trait Output: Send {
    /// Read what changed in `store` and send what is due.
    fn tick(&mut self, store: &Store<'_>, tick: Tick) -> io::Result<()>;

    /// Retire what was sent (charts become obsolete, say): the daemon is stopping.
    fn finish(&mut self, store: &Store<'_>) -> io::Result<()>;
}

/// Tick `output` every second and on every FLUSH until the store's wake-up says stop, then finish it.
///
/// Returns the first write error, which ends the output.
pub fn run(output: &mut dyn Output, store: &Store<'_>) -> io::Result<()> {
    let mut flushes = store.wakeup().flushes();
    loop {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let next = wall.as_secs() + 1;
        let wait = Duration::from_secs(next).saturating_sub(wall);
        match store
            .wakeup()
            .wait_until(Instant::now() + wait, &mut flushes)
        {
            Woken::Stop => return output.finish(store),
            Woken::Flush => output.tick(store, Tick::Flush)?,
            Woken::Deadline => output.tick(store, Tick::Second(next))?,
        }
    }
}

/// A plugins.d stream shared by several writers, each `write` one whole block under its lock.
pub struct Stream {
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").finish_non_exhaustive()
    }
}

impl Stream {
    /// Write blocks to `out`.
    pub fn new(out: impl Write + Send + 'static) -> Stream {
        Stream {
            out: Mutex::new(Box::new(out)),
        }
    }

    /// Write blocks to standard output, as Netdata reads them.
    pub fn stdout() -> Stream {
        Stream::new(io::stdout())
    }

    /// Write blocks into a shared buffer, returned alongside (for tests and tools).
    pub fn buffer() -> (Stream, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (Stream::new(SharedBuf(Arc::clone(&buf))), buf)
    }

    /// Write `bytes` in one piece under the lock, then flush, so blocks never interleave.
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        out.write_all(bytes)?;
        out.flush()
    }
}

/// A `Write` into a shared byte buffer.
#[derive(Debug, Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
