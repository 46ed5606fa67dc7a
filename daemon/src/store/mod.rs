//! The one store every input writes to and every output reads from.
//!
//! [`Store`] owns the protocol [`Handler`] with its value cache, the
//! counters the internal charts show, and one change cursor per output.
//! Inputs put values in: socket clients and Exec programs through
//! [`Store::handler`] (protocol lines, answered under one lock per batch),
//! jobs typed through [`Store::put`], exact integers and all. Outputs read
//! out only what changed since their last tick ([`Store::read_changes`]),
//! copying those entries under the lock and formatting without it. There
//! is no process-wide state: the daemon makes one store and lends it to
//! every thread it starts.

mod quota;
mod snapshot;
mod types;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use collie_core::cache::{CacheError, Cursor, Entry, Origin};
use collie_core::dataset::DataSets;
use collie_core::handler::Admission;
use collie_core::handler::Stats;
use collie_core::protocol::Severity;
use collie_core::protocol::{Command, Scratch};
use collie_core::time::Time;
use collie_core::value::Value;
use collie_core::{Handled, Handler, Sink, SinkFull};

pub use quota::HostQuota;
pub use snapshot::Snapshot;
pub use types::{Types, TypesBuffers, TypesDbError, TypesText};

/// How many identifiers the value cache holds (see the README for the memory this takes).
pub const CACHE_CAPACITY: usize = 65536;

/// The handler the protocol inputs feed.
pub type StoreHandler<'t> = Handler<'t, Types<'t>, CACHE_CAPACITY>;

/// The origin of values a job collected; protocol values are [`Origin::PROTOCOL`].
pub const JOB: Origin = Origin(1);

/// The origin of values received over collectd's network protocol.
pub const NETWORK: Origin = Origin(2);

/// Counters kept beside the handler's own, for the internal charts.
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
    /// Packets and values of collectd's network protocol, in and out.
    pub network: NetworkCounters,
    /// Samples pushed to remote_write receivers.
    pub remote_write: RemoteWriteCounters,
}

/// What the remote_write outputs did.
#[derive(Debug, Default)]
pub struct RemoteWriteCounters {
    /// Samples a receiver took.
    pub sent: AtomicU64,
    /// Samples dropped: the queue was full, or a receiver refused them for good.
    pub dropped: AtomicU64,
    /// Requests that failed and will be tried again.
    pub retries: AtomicU64,
}

/// What the network listeners and senders did, for the `collied.network` chart.
#[derive(Debug, Default)]
pub struct NetworkCounters {
    /// Packets received.
    pub packets_in: AtomicU64,
    /// Values received and stored.
    pub values_in: AtomicU64,
    /// Value lists received and refused by the store (unknown type, too old, over quota, cache full…).
    pub refused: AtomicU64,
    /// Parts refused as malformed, or value lists sent before a part they need.
    pub malformed: AtomicU64,
    /// Packets dropped for failing their listener's security level, signature or checksum.
    pub security: AtomicU64,
    /// Packets sent upstream.
    pub packets_out: AtomicU64,
    /// Values sent upstream.
    pub values_out: AtomicU64,
    /// Packets not sent because the upstream socket was full or failing.
    pub dropped: AtomicU64,
}

impl Counters {
    /// Count a notification of `severity`.
    pub fn notification(&self, severity: Severity) {
        let i = match severity {
            Severity::Failure => 0,
            Severity::Warning => 1,
            Severity::Okay => 2,
        };
        self.notifications[i].fetch_add(1, Ordering::Relaxed);
    }
}

/// A sleep that a FLUSH or a stop cuts short, for every sleeper at once.
#[derive(Debug, Default)]
pub struct Wakeup {
    /// FLUSHes so far, and whether the daemon is stopping.
    state: Mutex<(u64, bool)>,
    cond: Condvar,
}

/// Why a [`Wakeup::wait_until`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Woken {
    /// The deadline passed.
    Deadline,
    /// A FLUSH asked for what is pending to be sent now.
    Flush,
    /// The daemon is stopping.
    Stop,
}

impl Wakeup {
    /// Ask every sleeper to send what it has now.
    pub fn flush(&self) {
        self.lock().0 += 1;
        self.cond.notify_all();
    }

    /// Tell every sleeper, now and later, that the daemon is stopping.
    pub fn stop(&self) {
        self.lock().1 = true;
        self.cond.notify_all();
    }

    /// Return whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.lock().1
    }

    /// Sleep until `deadline`, a FLUSH after the `seen`th, or a stop; `seen` counts the FLUSHes taken.
    pub fn wait_until(&self, deadline: Instant, seen: &mut u64) -> Woken {
        let mut state = self.lock();
        loop {
            if state.1 {
                return Woken::Stop;
            }
            if state.0 > *seen {
                *seen = state.0;
                return Woken::Flush;
            }
            let now = Instant::now();
            if now >= deadline {
                return Woken::Deadline;
            }
            state = self
                .cond
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Sleep until `deadline` or a stop, whatever FLUSHes come; return false on a stop.
    pub fn sleep_until(&self, deadline: Instant) -> bool {
        let mut seen = u64::MAX;
        self.wait_until(deadline, &mut seen) != Woken::Stop
    }

    /// Return how many FLUSHes there were so far, to start waiting from.
    pub fn flushes(&self) -> u64 {
        self.lock().0
    }

    fn lock(&self) -> MutexGuard<'_, (u64, bool)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How many noisy lines (notifications, errors from inputs) are logged per second before the rest are counted.
pub const LOG_PER_SECOND: u32 = 20;

/// A rate limit for log lines that clients and programs can cause.
///
/// In each second of the wall clock the first [`LOG_PER_SECOND`] lines
/// pass; the rest are counted, and the count is logged with the first line
/// of a later second, so a flood of PUTNOTIFs or error lines costs a few
/// lines a second, not megabytes.
#[derive(Debug, Default)]
pub struct LogLimit {
    /// The second, the lines logged in it, and the lines suppressed since the last report.
    state: Mutex<(u64, u32, u64)>,
}

impl LogLimit {
    /// Log `line` at `level` unless this second's allowance is used up.
    pub fn log(&self, level: &str, line: impl FnOnce() -> String) {
        let second = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let suppressed = {
            let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if s.0 != second {
                *s = (second, 0, s.2);
            }
            if s.1 >= LOG_PER_SECOND {
                s.2 += 1;
                return;
            }
            s.1 += 1;
            std::mem::take(&mut s.2)
        };
        if suppressed > 0 {
            info!(
                "{suppressed} more such lines were not logged (at most {LOG_PER_SECOND} a second)"
            );
        }
        crate::log::write(level, format_args!("{}", line()));
    }
}

/// Changed entries an output copies per hold of the store's lock ([`Store::read_changes_in_parts`]): well under a millisecond's worth.
pub const READ_PART: usize = 1024;

/// Bytes of a streamed LISTVAL appended per turn: the lock is held for about this many bytes of formatting.
pub const LISTING_PART: usize = 16 * 1024;

/// A LISTVAL being streamed: which entries it promised and where it is.
///
/// It promised the first `promised` entries in insertion order (the cache
/// at its start); expiry keeps that mark right and hands over promised
/// entries not yet listed, so exactly the announced count is sent.
#[derive(Debug)]
struct Listing {
    promised: u32,
    /// The last key sent; entries are sent in key order.
    after: Option<Box<[u8]>>,
    /// Lines still to send.
    left: usize,
    /// Promised entries that expired before they were sent, with their times, in reverse key order.
    expired: Vec<(Box<[u8]>, Time)>,
}

/// A client's handle on a LISTVAL it is streaming.
#[derive(Debug)]
pub struct ListingId(usize);

/// One output's place in the store: its change cursor and the keys that expired since its last read.
#[derive(Debug, Default)]
struct Reader {
    cursor: Cursor,
    removed: Vec<Box<[u8]>>,
}

/// What is behind the store's lock.
struct Inner<'t> {
    handler: Box<StoreHandler<'t>>,
    quota: HostQuota,
    readers: Vec<Reader>,
    /// LISTVALs being streamed; a free slot is `None`.
    listings: Vec<Option<Listing>>,
}

/// An output's handle for [`Store::read_changes`].
#[derive(Debug)]
pub struct ReaderId(usize);

/// What [`Store::read_changes`] found besides the changed entries.
#[derive(Debug, Default)]
pub struct ReadSummary {
    /// Every entry was listed (a first read, or one that fell behind): what was not listed is gone.
    pub whole: bool,
    /// Keys that expired since the last read.
    pub removed: Vec<Box<[u8]>>,
    /// The handler's counters now.
    pub stats: Stats,
    /// Identifiers in the cache now.
    pub len: usize,
}

/// The daemon's values, counters and wake-ups, shared by every input and output.
pub struct Store<'t> {
    inner: Mutex<Inner<'t>>,
    types: &'t Types<'t>,
    counters: Counters,
    log_limit: LogLimit,
    wakeup: Wakeup,
    timeout: u32,
    collection_times: Mutex<Vec<(String, Duration)>>,
    job_series: Mutex<HashMap<Box<[u8]>, Arc<JobSeries>>>,
}

/// What a job value is, beyond its identifier: for outputs that name it by its chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSeries {
    /// The job's module.
    pub module: String,
    /// The job's own name.
    pub job: String,
    /// The chart's id.
    pub chart: String,
    /// The chart's title.
    pub title: String,
    /// The chart's units.
    pub units: String,
    /// The dimension's id.
    pub dimension: String,
    /// Whether the value is a counter (an incremental dimension, stored as DERIVE).
    pub counter: bool,
}

impl std::fmt::Debug for Store<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("counters", &self.counters)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl<'t> Store<'t> {
    /// Create an empty store checking values against `types`.
    ///
    /// `hostname` is given to identifiers with an empty host, `interval` to
    /// values sent without one; values expire after `timeout` intervals.
    pub fn new(types: &'t Types<'t>, hostname: &'t str, interval: Time, timeout: u32) -> Self {
        let mut handler = new_handler();
        // Keyed per process, so no client can choose identifiers that collide.
        handler.cache_mut().set_seed(random_seed());
        handler.set_types(types);
        handler.set_hostname(hostname);
        handler.set_interval(interval);
        // LISTVAL is streamed in parts (`continue_listing`), never built whole.
        handler.set_listing_streamed(true);
        Store {
            types,
            inner: Mutex::new(Inner {
                handler,
                quota: HostQuota::default(),
                readers: Vec::new(),
                listings: Vec::new(),
            }),
            counters: Counters::default(),
            log_limit: LogLimit::default(),
            wakeup: Wakeup::default(),
            timeout,
            collection_times: Mutex::new(Vec::new()),
            job_series: Mutex::new(HashMap::new()),
        }
    }

    /// Limit every host to `quota` identifiers from now on (0: no limit); set it before the first value.
    pub fn set_host_quota(&self, quota: usize) {
        self.lock().quota = HostQuota::new(quota);
    }

    /// Lock the handler, to answer protocol lines; hold it for one batch, never while writing.
    pub fn handler(&self) -> StoreGuard<'_, 't> {
        StoreGuard(self.lock())
    }

    /// Store one value list under `key` (a normalised identifier), typed, at the wall clock.
    ///
    /// `type_` names the data set the values must match.
    pub fn put(
        &self,
        key: &[u8],
        type_: &[u8],
        values: &[Value],
        interval: Time,
        origin: Origin,
    ) -> Result<(), PutError> {
        let now = now();
        let put = Put {
            key,
            type_,
            time: now,
            interval,
            values,
            origin,
        };
        // Jobs come from the configuration: their identifiers count against the quota but are never refused.
        self.lock().store(&put, now, false)
    }

    /// Return the data sets values are checked against, to parse lines before taking the lock.
    pub fn types(&self) -> &'t Types<'t> {
        self.types
    }

    /// Register an output; its first read lists every entry.
    pub fn reader(&self) -> ReaderId {
        let mut inner = self.lock();
        inner.readers.push(Reader::default());
        ReaderId(inner.readers.len() - 1)
    }

    /// Show `on_entry` every entry changed since `reader`'s last read; return what else it should know.
    ///
    /// `on_entry` runs under the lock that ingest needs: it should copy what
    /// it wants and do its formatting after this returns.
    pub fn read_changes(
        &self,
        reader: &ReaderId,
        on_entry: impl FnMut(&[u8], &Entry),
    ) -> ReadSummary {
        self.read_changes_in_parts(reader, usize::MAX, on_entry)
    }

    /// Show `on_entry` every entry changed since `reader`'s last read, taking the lock for at most `part` of them at a time.
    ///
    /// Between parts ingest goes on, so an entry may be shown again with a
    /// newer value, and one that changes meanwhile may be shown in this
    /// read or the next. A reader's first read, or one after it fell a
    /// whole journal behind, is one part whatever its size. A read shows
    /// at most about as many entries as the cache held at its start, so it
    /// ends even while ingest keeps changing what it has passed; the rest
    /// waits for the next read. The summary is the first part's.
    pub fn read_changes_in_parts(
        &self,
        reader: &ReaderId,
        part: usize,
        mut on_entry: impl FnMut(&[u8], &Entry),
    ) -> ReadSummary {
        let part = part.max(1);
        let mut first = None;
        let mut budget = usize::MAX;
        loop {
            let mut inner = self.lock();
            let Inner {
                handler, readers, ..
            } = &mut *inner;
            let Some(r) = readers.get_mut(reader.0) else {
                return ReadSummary::default();
            };
            let stats = *handler.stats();
            let cache = handler.cache_mut();
            let len = cache.len();
            let changes = cache.changes_part(&mut r.cursor, part.min(budget));
            let (whole, cut) = (changes.is_whole(), changes.is_cut());
            for (key, entry) in changes {
                on_entry(key, entry);
            }
            budget = if first.is_none() {
                len.saturating_add(part)
            } else {
                budget.saturating_sub(part)
            };
            if first.is_none() {
                first = Some(ReadSummary {
                    whole,
                    removed: std::mem::take(&mut r.removed),
                    stats,
                    len,
                });
            }
            drop(inner);
            if !cut || budget == 0 {
                return first.unwrap_or_default();
            }
        }
    }

    /// Remove values not updated for `timeout` intervals; show `on_expired` each, and return how many.
    pub fn expire(&self, on_expired: impl FnMut(&[u8], &Entry)) -> usize {
        self.expire_at(now(), on_expired)
    }

    /// Expire as [`expire`](Self::expire) does, with `now` as the local clock.
    pub fn expire_at(&self, now: Time, mut on_expired: impl FnMut(&[u8], &Entry)) -> usize {
        let mut inner = self.lock();
        let Inner {
            handler,
            quota,
            readers,
            listings,
        } = &mut *inner;
        let mut marks: Vec<u32> = listings.iter().flatten().map(|l| l.promised).collect();
        let old = marks.clone();
        let cache = handler.cache_mut();
        let removed = cache.expire_marked(now, self.timeout, &mut marks, |index, key, entry| {
            on_expired(key, entry);
            quota.forget(key);
            for r in readers.iter_mut() {
                r.removed.push(key.into());
            }
            for (l, &promised) in listings.iter_mut().flatten().zip(&old) {
                let unsent = l.after.as_deref().is_none_or(|a| key > a);
                if index < promised as usize && unsent {
                    l.expired.push((key.into(), entry.time()));
                }
            }
        });
        for (l, mark) in listings.iter_mut().flatten().zip(marks) {
            l.promised = mark;
            // Kept in reverse key order, so the next to send is last.
            l.expired.sort_unstable_by(|a, b| b.0.cmp(&a.0));
        }
        self.counters
            .expired
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Append the next part of a streamed LISTVAL to `out`, about [`LISTING_PART`] bytes; return whether more is to come.
    ///
    /// When it returns false the listing is over and `id` is spent.
    pub fn continue_listing(&self, id: &ListingId, out: &mut Vec<u8>) -> bool {
        let mut inner = self.lock();
        let Inner {
            handler, listings, ..
        } = &mut *inner;
        let Some(Some(l)) = listings.get_mut(id.0) else {
            return false;
        };
        let limit = out.len() + LISTING_PART;
        let Listing {
            promised,
            after,
            left,
            expired,
        } = l;
        // Merge the promised entries still cached with those that expired, in key order.
        // The last key sent, copied into one buffer rather than boxed per entry.
        let mut last: Option<Vec<u8>> = None;
        let mut remember = |key: &[u8]| {
            let buf = last.get_or_insert_with(Vec::new);
            buf.clear();
            buf.extend_from_slice(key);
        };
        let mut stopped = *left == 0;
        if !stopped {
            let cache = handler.cache_mut();
            cache.list_after(after.as_deref(), *promised as usize, |key, entry| {
                while let Some((k, time)) = expired.last().filter(|(k, _)| **k < *key) {
                    if out.len() >= limit || *left == 0 {
                        stopped = true;
                        return false;
                    }
                    write_listval_entry(out, *time, k);
                    *left -= 1;
                    remember(k);
                    expired.pop();
                }
                if out.len() >= limit || *left == 0 {
                    stopped = true;
                    return false;
                }
                write_listval_entry(out, entry.time(), key);
                *left -= 1;
                remember(key);
                stopped = *left == 0;
                !stopped
            });
        }
        if !stopped {
            // No promised entry is cached past `after`: what is left expired.
            while out.len() < limit && *left > 0 {
                let Some((key, time)) = expired.pop() else {
                    // The count says more, which it cannot: end rather than keep a client waiting.
                    *left = 0;
                    break;
                };
                write_listval_entry(out, time, &key);
                *left -= 1;
                remember(&key);
            }
        }
        if let Some(key) = last {
            *after = Some(key.into_boxed_slice());
        }
        let more = l.left > 0;
        if !more {
            listings[id.0] = None;
        }
        more
    }

    /// Forget a streamed LISTVAL whose client went away.
    pub fn end_listing(&self, id: ListingId) {
        if let Some(slot) = self.lock().listings.get_mut(id.0) {
            *slot = None;
        }
    }

    /// Return the counters kept beside the handler's.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Return the intervals a value may miss before it expires.
    pub fn timeout(&self) -> u32 {
        self.timeout
    }

    /// Return the rate limit of log lines that inputs cause.
    pub fn log_limit(&self) -> &LogLimit {
        &self.log_limit
    }

    /// Return the wake-up that FLUSH and stopping use.
    pub fn wakeup(&self) -> &Wakeup {
        &self.wakeup
    }

    /// Return the capacity of the value cache.
    pub fn capacity(&self) -> usize {
        CACHE_CAPACITY
    }

    /// Note what the job value under `key` is, unless it is known already (`describe` runs only then).
    pub fn describe_job_value(&self, key: &[u8], describe: impl FnOnce() -> JobSeries) {
        let mut series = self
            .job_series
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !series.contains_key(key) {
            series.insert(key.into(), Arc::new(describe()));
        }
    }

    /// Return what the job value under `key` is, if a job described it.
    pub fn job_value(&self, key: &[u8]) -> Option<Arc<JobSeries>> {
        let series = self
            .job_series
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        series.get(key).cloned()
    }

    /// Record how long collector `name` took.
    pub fn record_collection(&self, name: &str, took: Duration) {
        let mut times = self
            .collection_times
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match times.iter_mut().find(|(n, _)| n == name) {
            Some((_, t)) => *t = took,
            None => times.push((name.to_string(), took)),
        }
    }

    /// Return the last collection time of each collector.
    pub fn collection_times(&self) -> Vec<(String, Duration)> {
        self.collection_times
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner<'t>> {
        // A thread that panicked while holding the lock leaves the cache usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The locked handler, for one batch of protocol lines.
pub struct StoreGuard<'s, 't>(MutexGuard<'s, Inner<'t>>);

impl<'t> StoreGuard<'_, 't> {
    /// Answer one protocol line as [`Handler::handle`] does, holding each host to its quota.
    pub fn answer<'a, S: Sink + ?Sized>(
        &mut self,
        line: &'a [u8],
        scratch: &'a mut Scratch,
        now: Time,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull>
    where
        't: 'a,
    {
        let Inner { handler, quota, .. } = &mut *self.0;
        handler.handle_admitting(line, scratch, now, quota, out)
    }

    /// Answer a command parsed before the lock was taken (against [`Store::types`]), holding each host to its quota.
    pub fn apply<'a, S: Sink + ?Sized>(
        &mut self,
        command: &Command<'a>,
        now: Time,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull> {
        let Inner { handler, quota, .. } = &mut *self.0;
        handler.apply(command, now, quota, out)
    }

    /// Store a value list received from a client with its own time, as PUTVAL stores one.
    ///
    /// A zero interval is the default one and a long one is cut to the
    /// handler's maximum; a new identifier must fit its host's quota.
    pub fn put_received(&mut self, mut put: Put<'_>, now: Time) -> Result<(), PutError> {
        let handler = &mut self.0.handler;
        if put.interval == Time::ZERO {
            put.interval = handler.interval();
        }
        let max = handler.max_interval();
        if max > Time::ZERO && put.interval > max {
            put.interval = max;
            handler.count_clamped_interval();
        }
        self.0.store(&put, now, true)
    }

    /// Start streaming a LISTVAL whose first line announced `count` entries.
    pub fn start_listing(&mut self, count: usize) -> ListingId {
        let listing = Listing {
            promised: u32::try_from(count).unwrap_or(u32::MAX),
            after: None,
            left: count,
            expired: Vec::new(),
        };
        let listings = &mut self.0.listings;
        match listings.iter().position(Option::is_none) {
            Some(i) => {
                listings[i] = Some(listing);
                ListingId(i)
            }
            None => {
                listings.push(Some(listing));
                ListingId(listings.len() - 1)
            }
        }
    }
}

impl<'t> std::ops::Deref for StoreGuard<'_, 't> {
    type Target = StoreHandler<'t>;
    fn deref(&self) -> &Self::Target {
        &self.0.handler
    }
}

impl std::ops::DerefMut for StoreGuard<'_, '_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0.handler
    }
}

/// Append one LISTVAL line; a `Vec` never fills up.
fn write_listval_entry(out: &mut Vec<u8>, time: Time, key: &[u8]) {
    let _ = collie_core::protocol::reply::write_listval_entry(out, time, key);
}

/// One value list to store: its normalised identifier, data set name, time, interval, values and origin.
#[derive(Debug, Clone, Copy)]
pub struct Put<'a> {
    /// The normalised identifier (`host/plugin[-pi]/type[-ti]`).
    pub key: &'a [u8],
    /// The data set the values must match.
    pub type_: &'a [u8],
    /// When the values were read.
    pub time: Time,
    /// How often they are read.
    pub interval: Time,
    /// The values.
    pub values: &'a [Value],
    /// Who stored them.
    pub origin: Origin,
}

impl Inner<'_> {
    /// Store `put` at local time `now`; a new identifier over its host's quota is refused if `admit`, else only counted.
    fn store(&mut self, put: &Put<'_>, now: Time, admit: bool) -> Result<(), PutError> {
        let Inner { handler, quota, .. } = self;
        let data_set = handler
            .types()
            .and_then(|t| t.get(put.type_))
            .ok_or(PutError::UnknownType)?;
        let new = quota.is_active() && !handler.cache().contains_key(put.key);
        if new && admit {
            quota.admit(put.key).map_err(PutError::Quota)?;
        }
        handler
            .cache_mut()
            .update_from(
                put.key,
                data_set,
                put.time,
                put.interval,
                put.values,
                now,
                put.origin,
            )
            .map_err(PutError::Cache)?;
        if new {
            quota.stored(put.key);
        }
        Ok(())
    }
}

/// Why [`Store::put`] refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PutError {
    /// No data set of that name is known.
    #[error("unknown type")]
    UnknownType,
    /// The cache refused the value.
    #[error("{0}")]
    Cache(CacheError),
    /// The value's host holds its quota of identifiers.
    #[error("the host holds its quota of {0} values")]
    Quota(usize),
}

/// Build an empty handler on the heap without a cache-sized value on this thread's stack.
fn new_handler<'t>() -> Box<StoreHandler<'t>> {
    // The cache is tens of megabytes; an unoptimised build puts the value on
    // the stack before moving it into the box, so do it on a thread whose
    // stack is large enough (untouched stack pages cost nothing).
    let size = std::mem::size_of::<StoreHandler<'static>>();
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("store".into())
            .stack_size(8 * size + (1 << 20))
            .spawn_scoped(s, || {
                // Written in place: an optimised build touches only the
                // zeroed index arrays, not the entries' storage, so memory
                // is taken as the cache fills.
                Box::write(Box::new_uninit(), Handler::without_types(Time::ZERO))
            })
            .expect("a thread can be started")
            .join()
            .expect("building an empty handler does not panic")
    })
}

/// Return 128 random bits from the operating system, for the cache's hash seed.
pub(crate) fn random_seed() -> u128 {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok()
    {
        return u128::from_le_bytes(bytes);
    }
    // std's hash maps are keyed from the same source; good enough as a fallback.
    use std::hash::BuildHasher;
    let state = std::collections::hash_map::RandomState::new();
    u128::from(state.hash_one(1u8)) << 64 | u128::from(state.hash_one(2u8))
}

/// Return the wall clock as a protocol time.
pub fn now() -> Time {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let frac = (u64::from(d.subsec_nanos()) << 30) / 1_000_000_000;
    Time::from_secs(d.as_secs()).saturating_add(Time(frac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::protocol::Scratch;

    #[test]
    fn now_is_close_to_the_clock() {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!((now().as_secs_f64() - secs).abs() < 1.0);
    }

    #[test]
    fn wakeup_reports_flushes_once_and_stops_for_good() {
        let w = Wakeup::default();
        let (mut one, mut two) = (w.flushes(), w.flushes());
        let later = || Instant::now() + Duration::from_secs(5);
        w.flush();
        assert_eq!(w.wait_until(later(), &mut one), Woken::Flush);
        assert_eq!(
            w.wait_until(later(), &mut two),
            Woken::Flush,
            "every sleeper sees it"
        );
        let soon = Instant::now() + Duration::from_millis(10);
        assert_eq!(w.wait_until(soon, &mut one), Woken::Deadline);
        w.flush();
        assert!(w.sleep_until(Instant::now() + Duration::from_millis(10)));
        w.stop();
        assert_eq!(w.wait_until(later(), &mut one), Woken::Stop);
        assert!(!w.sleep_until(later()));
        assert!(w.is_stopped());
    }

    #[test]
    fn typed_values_and_protocol_lines_meet_in_one_cache() {
        let types = Types::builtin();
        let store = Store::new(&types, "here", Time::from_secs(10), 2);
        let reader = store.reader();
        let big = (1i64 << 53) + 1;
        store
            .put(
                b"here/job/derive-x",
                b"derive",
                &[Value::Derive(big)],
                Time::from_secs(1),
                JOB,
            )
            .unwrap();
        assert_eq!(
            store.put(
                b"here/job/nope-x",
                b"nope",
                &[Value::Derive(1)],
                Time::from_secs(1),
                JOB
            ),
            Err(PutError::UnknownType)
        );
        let mut reply = Vec::new();
        store
            .handler()
            .handle(
                b"PUTVAL here/p/gauge N:1",
                &mut Scratch::new(),
                now(),
                &mut reply,
            )
            .unwrap();
        let mut seen = Vec::new();
        let summary = store.read_changes(&reader, |key, entry| {
            seen.push((key.to_vec(), entry.origin(), entry.value(0)));
        });
        assert!(summary.whole);
        assert_eq!(summary.len, 2);
        assert_eq!(
            seen,
            [
                (b"here/job/derive-x".to_vec(), JOB, Some(Value::Derive(big))),
                (
                    b"here/p/gauge".to_vec(),
                    Origin::PROTOCOL,
                    Some(Value::Gauge(1.0))
                ),
            ]
        );
        let summary = store.read_changes(&reader, |_, _| panic!("nothing changed"));
        assert!(!summary.whole && summary.removed.is_empty());
    }

    /// Answer `line` at `now` through the store's guard, as a client session does.
    fn answer(store: &Store<'_>, line: &str, now: Time) -> (Vec<u8>, Option<ListingId>) {
        let mut guard = store.handler();
        let (mut out, mut scratch) = (Vec::new(), Scratch::new());
        let handled = guard
            .answer(line.as_bytes(), &mut scratch, now, &mut out)
            .unwrap();
        let listing = match handled {
            Handled::Listval(n) => Some(guard.start_listing(n)),
            _ => None,
        };
        (out, listing)
    }

    #[test]
    fn changes_read_in_parts_show_every_entry() {
        let types = Types::builtin();
        let store = Store::new(&types, "h", Time::from_secs(10), 2);
        let reader = store.reader();
        let put = |i: usize, t: u64| {
            let (reply, _) = answer(
                &store,
                &format!("PUTVAL h/p/gauge-{i} {t}:1"),
                Time::from_secs(t),
            );
            assert!(
                reply.starts_with(b"0 "),
                "{}",
                String::from_utf8_lossy(&reply)
            );
        };
        for i in 0..10 {
            put(i, 100);
        }
        let mut seen = Vec::new();
        let first = store.read_changes_in_parts(&reader, 3, |k, _| seen.push(k.to_vec()));
        assert!(first.whole);
        assert_eq!(seen.len(), 10);
        for i in 0..10 {
            put(i, 101);
        }
        seen.clear();
        let next = store.read_changes_in_parts(&reader, 3, |k, _| seen.push(k.to_vec()));
        assert!(!next.whole);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 10, "every changed entry, in parts of 3");
        seen.clear();
        store.read_changes_in_parts(&reader, 3, |k, _| seen.push(k.to_vec()));
        assert!(seen.is_empty());
    }

    #[test]
    fn a_streamed_listing_sends_what_it_promised_across_expiry() {
        let types = Types::builtin();
        let store = Store::new(&types, "here", Time::from_secs(10), 2);
        let t = Time::from_secs(1_000);
        // 1 000 keys of ~100 bytes: a listing of two parts.
        let key = |i: usize| format!("h/{}-{i:04}/gauge", "p".repeat(90));
        for i in 0..1000 {
            answer(&store, &format!("PUTVAL {} interval=10 N:1", key(i)), t);
        }
        let (head, id) = answer(&store, "LISTVAL", t);
        assert_eq!(head, b"1000 Values found\n");
        let id = id.unwrap();
        let mut listed = Vec::new();
        assert!(
            store.continue_listing(&id, &mut listed),
            "one part is not all"
        );
        assert!(listed.len() >= LISTING_PART && listed.len() < LISTING_PART + 200);
        let first = listed.split(|&b| b == b'\n').count() - 1;
        // Every value expires and others come; neither changes what is owed.
        assert_eq!(store.expire_at(Time::from_secs(2_000), |_, _| {}), 1000);
        answer(&store, "PUTVAL h/a/gauge N:1", Time::from_secs(2_000));
        answer(&store, "PUTVAL h/z/gauge N:1", Time::from_secs(2_000));
        while store.continue_listing(&id, &mut listed) {}
        let text = String::from_utf8(listed).unwrap();
        let keys: Vec<&str> = text.lines().map(|l| l.split_once(' ').unwrap().1).collect();
        let expected: Vec<String> = (0..1000).map(key).collect();
        assert!(
            first > 100 && first < 1000,
            "{first} lines in the first part"
        );
        assert_eq!(keys, expected, "each promised key once, in key order");
        assert!(
            text.lines().all(|l| l.starts_with("1000.000 ")),
            "with their last times"
        );
        // A finished listing is gone; a new one sees the cache as it is now.
        assert!(!store.continue_listing(&id, &mut Vec::new()));
        let (head, _) = answer(&store, "LISTVAL", Time::from_secs(2_000));
        assert_eq!(head, b"2 Values found\n");
    }
}
