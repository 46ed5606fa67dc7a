//! Collectors: things that produce PUTVAL lines every interval, and the thread that runs them.
//!
//! A collector's lines go through the same [`Session`] as a client's, so
//! they are checked, cached and charted the same way; error replies are
//! logged with the collector's name, and each collection's duration is
//! recorded for the internal `collied.collection_time` chart.

use std::io;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::ingest::session::Session;
use crate::store::Store;

/// Something that collects values as protocol lines.
pub trait Collector: Send {
    /// Return the name used in logs and charts.
    fn name(&self) -> &str;

    /// Append PUTVAL (or PUTNOTIF) lines for `host`, collected every `interval` seconds.
    ///
    /// Lines appended before an error are still used.
    fn collect(&mut self, host: &str, interval: f64, lines: &mut String) -> io::Result<()>;
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

/// Run `collector` every `interval` seconds, aligned to the clock, on its own thread in `scope`, until the store stops.
pub fn spawn<'scope, 't: 'scope>(
    scope: &'scope thread::Scope<'scope, '_>,
    mut collector: Box<dyn Collector + 'scope>,
    host: String,
    interval: f64,
    store: &'scope Store<'t>,
) -> io::Result<()> {
    let name = collector.name().to_string();
    thread::Builder::new()
        .name(format!("collector-{name}"))
        .spawn_scoped(scope, move || {
            let period = Duration::from_secs_f64(interval);
            let mut lines = String::new();
            let mut session = Session::new();
            let mut failing = false;
            loop {
                if !store
                    .wakeup()
                    .sleep_until(Instant::now() + until_aligned(period))
                {
                    return;
                }
                let started = Instant::now();
                lines.clear();
                let result = collector.collect(&host, interval, &mut lines);
                session.feed_all(store, &name, lines.as_bytes(), true);
                store.record_collection(&name, started.elapsed());
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
