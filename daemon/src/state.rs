//! What every thread shares: the handler with its value cache, the data sets and counters.
//!
//! The [`Handler`] lives in a `static` [`Mutex`]: its cache is tens of
//! megabytes, and `Handler::new` is `const`, so it never passes through a
//! stack. Threads take the lock once per batch of lines and never while
//! writing to a socket or stdout.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use collie_core::Handler;
use collie_core::dataset::types_db::{TypesDb, load_into};
use collie_core::dataset::{BUILTIN, DataSet, DataSets, DataSource, Sorted};
use collie_core::protocol::Severity;
use collie_core::time::Time;

/// How many identifiers the value cache holds (456 bytes each; pages are touched only as it fills).
pub const CACHE_CAPACITY: usize = 65536;

/// The handler every client and collector feeds.
pub type DaemonHandler = Handler<'static, Types, CACHE_CAPACITY>;

/// The data sets values are checked against: `types.db` files loaded at start-up over [`BUILTIN`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Types;

/// The one [`Types`] lookup.
pub static TYPES: Types = Types;

static LOADED: OnceLock<Sorted<'static>> = OnceLock::new();

/// Whether a loaded set redefines a built-in one differently; usually not.
static OVERRIDES_BUILTIN: AtomicBool = AtomicBool::new(false);

impl DataSets for Types {
    fn get(&self, name: &[u8]) -> Option<&DataSet<'_>> {
        // The built-in table answers in a few nanoseconds; the loaded files
        // need a binary search and matter only where they differ from it.
        if !OVERRIDES_BUILTIN.load(Ordering::Relaxed)
            && let Some(set) = BUILTIN.find(name)
        {
            return Some(set);
        }
        LOADED
            .get()
            .and_then(|sets| sets.find(name))
            .or_else(|| BUILTIN.find(name))
    }
}

// All zeros until `configure`, so the cache lives in `.bss`, not in the binary.
static HANDLER: Mutex<DaemonHandler> = Mutex::new(Handler::without_types(Time::ZERO));

/// Lock the shared handler; a thread that panicked while holding it leaves it usable.
pub fn handler() -> MutexGuard<'static, DaemonHandler> {
    HANDLER.lock().unwrap_or_else(|e| e.into_inner())
}

/// Give the handler its data sets, the host name for values with an empty host and the default interval; call once at start-up.
pub fn configure(hostname: &str, interval: Time) {
    // Leaked once per process: the handler keeps a `'static` host name.
    let hostname: &'static str = Box::leak(hostname.to_owned().into_boxed_str());
    let mut h = handler();
    h.set_types(&TYPES);
    h.set_hostname(hostname);
    h.set_interval(interval);
}

/// Read `types.db` files; each error names its file and line.
pub fn read_types_db(files: &[std::path::PathBuf]) -> Result<String, String> {
    let mut all = String::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
        for def in TypesDb::new(&text) {
            if let Err(e) = def {
                return Err(format!("{}:{}: {}", file.display(), e.line, e.kind_text()));
            }
        }
        all.push_str(&text);
        all.push('\n');
    }
    Ok(all)
}

/// Load checked `types.db` text (from [`read_types_db`]) over the built-in data sets; only the first call counts.
pub fn load_types(text: String) -> usize {
    let defs = TypesDb::new(&text).filter_map(Result::ok);
    let (sets, sources) = defs.fold((0, 0), |(s, d), def| (s + 1, d + def.len()));
    // Leaked once per process: the data sets are borrowed for as long as it runs.
    let text: &'static str = Box::leak(text.into_boxed_str());
    let sets: &'static mut [DataSet<'static>] = Vec::leak(vec![DataSet::EMPTY; sets]);
    let sources: &'static mut [DataSource<'static>] = Vec::leak(vec![DataSource::EMPTY; sources]);
    match load_into(text, sets, sources) {
        Ok(sorted) => {
            let n = sorted.as_slice().len();
            let differs = sorted.as_slice().iter().any(|set| {
                BUILTIN
                    .find(set.name.as_bytes())
                    .is_some_and(|builtin| !builtin.same_as(set))
            });
            OVERRIDES_BUILTIN.store(differs, Ordering::Relaxed);
            let _ = LOADED.set(sorted);
            n
        }
        Err(e) => {
            error!("types.db: {e}");
            0
        }
    }
}

/// The `types.db` error text without its line prefix.
trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for collie_core::dataset::types_db::TypesDbError {
    fn kind_text(&self) -> String {
        let full = self.to_string();
        match full.split_once(": ") {
            Some((_, rest)) => rest.to_string(),
            None => full,
        }
    }
}

/// Return the wall clock as a protocol time.
pub fn now() -> Time {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let frac = (u64::from(d.subsec_nanos()) << 30) / 1_000_000_000;
    Time::from_secs(d.as_secs()).saturating_add(Time(frac))
}

/// Counters kept outside the handler, for the internal charts.
#[derive(Debug, Default)]
pub struct Counters {
    /// Clients connected now.
    pub clients: AtomicUsize,
    /// Connections accepted since start.
    pub accepted: AtomicU64,
    /// Connections refused because `max_clients` were connected.
    pub refused: AtomicU64,
    /// Clients disconnected for being idle too long.
    pub idle: AtomicU64,
    /// Clients dropped because their replies could not be written in time.
    pub slow: AtomicU64,
    /// PUTNOTIFs by severity: failure, warning, okay.
    pub notifications: [AtomicU64; 3],
    /// Values that expired from the cache.
    pub expired: AtomicU64,
}

/// The daemon's counters.
pub static COUNTERS: Counters = Counters {
    clients: AtomicUsize::new(0),
    accepted: AtomicU64::new(0),
    refused: AtomicU64::new(0),
    idle: AtomicU64::new(0),
    slow: AtomicU64::new(0),
    notifications: [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)],
    expired: AtomicU64::new(0),
};

/// Count a notification of `severity`.
pub fn count_notification(severity: Severity) {
    let i = match severity {
        Severity::Failure => 0,
        Severity::Warning => 1,
        Severity::Okay => 2,
    };
    COUNTERS.notifications[i].fetch_add(1, Ordering::Relaxed);
}

/// A wake-up call for the output thread: FLUSH commands and shutdown.
#[derive(Debug, Default)]
pub struct Wakeup {
    flush: Mutex<bool>,
    cond: Condvar,
}

/// The output's wake-up call.
pub static WAKEUP: Wakeup = Wakeup {
    flush: Mutex::new(false),
    cond: Condvar::new(),
};

impl Wakeup {
    /// Ask the outputs to send what they have now.
    pub fn request_flush(&self) {
        let mut f = self.flush.lock().unwrap_or_else(|e| e.into_inner());
        *f = true;
        self.cond.notify_all();
    }

    /// Sleep until `deadline` or a flush request; return whether a flush was requested.
    pub fn wait_until(&self, deadline: Instant) -> bool {
        let mut f = self.flush.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if *f {
                *f = false;
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            f = self
                .cond
                .wait_timeout(f, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The last collection time of each collector, by name.
static COLLECTION_TIMES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// Record how long collector `name` took.
pub fn record_collection(name: &str, took: Duration) {
    let mut times = COLLECTION_TIMES.lock().unwrap_or_else(|e| e.into_inner());
    match times.iter_mut().find(|(n, _)| n == name) {
        Some((_, t)) => *t = took,
        None => times.push((name.to_string(), took)),
    }
}

/// Return the last collection time of each collector.
pub fn collection_times() -> Vec<(String, Duration)> {
    COLLECTION_TIMES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_close_to_the_clock() {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!((now().as_secs_f64() - secs).abs() < 1.0);
    }

    #[test]
    fn wakeup_reports_flushes_once() {
        let w = Wakeup::default();
        w.request_flush();
        assert!(w.wait_until(Instant::now() + Duration::from_secs(5)));
        assert!(!w.wait_until(Instant::now() + Duration::from_millis(10)));
    }
}
