//! Collectors: things that produce PUTVAL lines every interval, and the thread that runs them.
//!
//! A collector's lines go through the same [`Session`] as a client's, so
//! they are checked, cached and charted the same way; error replies are
//! logged with the collector's name, and each collection's duration is
//! recorded for the internal `collied.collection_time` chart.

use std::io;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::session::Session;
use crate::state;

/// Something that collects values as protocol lines.
pub trait Collector: Send {
    /// Return the name used in logs and charts.
    fn name(&self) -> &str;

    /// Append PUTVAL (or PUTNOTIF) lines for `host`, collected every `interval` seconds.
    ///
    /// Lines appended before an error are still used.
    fn collect(&mut self, host: &str, interval: f64, lines: &mut String) -> io::Result<()>;
}

/// Feed protocol `lines` from `source` to the handler and log the error replies.
pub fn submit(source: &str, lines: &[u8]) {
    let mut session = Session::new();
    let mut input = lines;
    while !input.is_empty() {
        let used = session.feed(input, state::now());
        input = &input[used..];
        session.after_unlock();
        log_errors(source, &session.replies);
        session.replies.clear();
    }
    session.finish(state::now());
    session.after_unlock();
    log_errors(source, &session.replies);
}

fn log_errors(source: &str, replies: &[u8]) {
    for line in replies.split(|&b| b == b'\n') {
        if line.starts_with(b"-") {
            warning!("{source}: {}", String::from_utf8_lossy(line));
        }
    }
}

/// Return the time until the next multiple of `interval` on the wall clock.
pub fn until_aligned(interval: Duration) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let period = interval.as_nanos().max(1);
    let into = now.as_nanos() % period;
    Duration::from_nanos(u64::try_from(period - into).unwrap_or(u64::MAX))
}

/// Run `collector` every `interval` seconds, aligned to the clock, on its own thread.
pub fn spawn(mut collector: Box<dyn Collector>, host: String, interval: f64) -> io::Result<()> {
    let name = collector.name().to_string();
    thread::Builder::new()
        .name(format!("collector-{name}"))
        .spawn(move || {
            let period = Duration::from_secs_f64(interval);
            let mut lines = String::new();
            let mut failing = false;
            loop {
                thread::sleep(until_aligned(period));
                let started = Instant::now();
                lines.clear();
                let result = collector.collect(&host, interval, &mut lines);
                submit(&name, lines.as_bytes());
                state::record_collection(&name, started.elapsed());
                match result {
                    Err(e) if !failing => {
                        warning!("collector {name}: {e}");
                        failing = true;
                    }
                    Ok(()) if failing => {
                        info!("collector {name} works again");
                        failing = false;
                    }
                    _ => {}
                }
            }
        })
        .map(|_| ())
}
