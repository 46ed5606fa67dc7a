//! The one store every input writes to and every output reads from.
//!
//! [`Store`] owns the value cache, split into [`SHARDS`] shards by a keyed
//! hash of each identifier, each a protocol [`Handler`](collie_core::Handler) behind its own
//! lock; the counters the internal charts show; and one change cursor per
//! output in every shard. Inputs put values in: socket clients and Exec
//! programs as protocol lines ([`Store::answer`], and
//! [`Store::apply_batch`] for runs of PUTVALs parsed before any lock is
//! taken), jobs typed through [`Store::put`], exact integers and all.
//! Clients storing different identifiers meet only in the shards they
//! share. Outputs read out only what changed since their last tick
//! ([`Store::read_changes`]), shard by shard, copying those entries under
//! its lock and formatting without it. There is no process-wide state: the
//! daemon makes one store and lends it to every thread it starts.

mod answer;
mod counters;
mod listing;
mod quota;
mod shard;
mod snapshot;
mod types;
mod wakeup;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use collie_core::cache::{CacheError, Cursor, Entry, Origin};
use collie_core::handler::Stats;
use collie_core::time::Time;
use collie_core::value::Value;

pub use counters::{Counters, NetworkCounters, RemoteWriteCounters};
pub use listing::Listing;
pub use quota::HostQuota;
pub use shard::{Route, SHARD_CAPACITY, ShardHandler};
pub use snapshot::Snapshot;
pub use types::{Types, TypesBuffers, TypesDbError, TypesText};
pub use wakeup::{LOG_PER_SECOND, LogLimit, Wakeup, Woken};

use shard::{Quota, Reader, Router, Shard};

/// How many identifiers the value cache holds (see the README for the memory this takes).
///
/// The store counts them across its [`SHARDS`] shards and refuses a new one
/// past this as a full cache; each shard has room for [`SHARD_CAPACITY`],
/// an eighth more than its share, so this many fit wherever they hash to.
pub const CACHE_CAPACITY: usize = 65536;

/// How many shards the value cache is split into, each with its own lock ([`SHARD_CAPACITY`] identifiers each).
pub const SHARDS: usize = 16;

/// The origin of values a job collected; protocol values are [`Origin::PROTOCOL`].
pub const JOB: Origin = Origin(1);

/// The origin of values received over collectd's network protocol.
pub const NETWORK: Origin = Origin(2);

/// Changed entries an output copies per hold of a shard's lock ([`Store::read_changes_in_parts`]): well under a millisecond's worth.
pub const READ_PART: usize = 1024;

/// Bytes of a streamed LISTVAL appended per turn ([`Store::continue_listing`]).
pub const LISTING_PART: usize = 16 * 1024;

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
    /// The handlers' counters now.
    pub stats: Stats,
    /// Identifiers in the cache now.
    pub len: usize,
}

/// The daemon's values, counters and wake-ups, shared by every input and output.
pub struct Store<'t> {
    shards: Box<[Mutex<Shard<'t>>]>,
    router: Router<'t>,
    /// The identifiers held, in all and per host: locked only for a new one.
    quota: Mutex<HostQuota>,
    /// Which listing slots are taken, the same in every shard.
    listing_ids: Mutex<Vec<bool>>,
    /// What the store answers itself, beside the shards' handlers: LISTVAL, and lines that did not parse.
    listvals: AtomicU64,
    errors: AtomicU64,
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
        // Keyed per process, so no client can choose identifiers that collide.
        let shards = (0..SHARDS)
            .map(|_| Mutex::new(Shard::new(types, hostname, interval, random_seed())))
            .collect();
        Store {
            shards,
            router: Router::new(hostname),
            quota: Mutex::new(HostQuota::new(0, CACHE_CAPACITY)),
            listing_ids: Mutex::new(Vec::new()),
            listvals: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            types,
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
        lock(&self.quota).set_quota(quota);
    }

    /// Set up every shard's handler the same way (`f` runs once per shard), before the first value.
    pub fn configure(&self, mut f: impl FnMut(&mut ShardHandler<'t>)) {
        for shard in self.shards.iter() {
            f(&mut lock(shard).handler);
        }
    }

    /// Return the handlers' counters, added up, with what the store answered itself.
    pub fn stats(&self) -> Stats {
        let mut total = self.own_stats();
        for shard in self.shards.iter() {
            add_stats(&mut total, lock(shard).handler.stats());
        }
        total
    }

    /// Return the counts of what the store answers itself: LISTVAL, and lines that did not parse.
    fn own_stats(&self) -> Stats {
        Stats {
            listval: self.listvals.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            ..Stats::default()
        }
    }

    /// Return how many identifiers the cache holds.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| lock(s).handler.cache().len())
            .sum()
    }

    /// Return whether the cache holds no identifier.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        let mut quota = self.admission();
        self.shard_of(key).store(&put, now, false, &mut quota)
    }

    /// Store a value list received from a client with its own time, as PUTVAL stores one.
    ///
    /// A zero interval is the default one and a long one is cut to the
    /// handler's maximum; a new identifier must fit its host's quota.
    pub fn put_received(&self, mut put: Put<'_>, now: Time) -> Result<(), PutError> {
        let mut shard = self.shard_of(put.key);
        let handler = &mut shard.handler;
        if put.interval == Time::ZERO {
            put.interval = handler.interval();
        }
        let max = handler.max_interval();
        if max > Time::ZERO && put.interval > max {
            put.interval = max;
            handler.count_clamped_interval();
        }
        let mut quota = self.admission();
        shard.store(&put, now, true, &mut quota)
    }

    /// Return the data sets values are checked against, to parse lines before taking a lock.
    pub fn types(&self) -> &'t Types<'t> {
        self.types
    }

    /// Register an output; its first read lists every entry.
    pub fn reader(&self) -> ReaderId {
        let mut id = 0;
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            shard.readers.push(Reader::default());
            id = shard.readers.len() - 1;
        }
        ReaderId(id)
    }

    /// Show `on_entry` every entry changed since `reader`'s last read; return what else it should know.
    ///
    /// `on_entry` runs under a lock that ingest needs: it should copy what
    /// it wants and do its formatting after this returns.
    pub fn read_changes(
        &self,
        reader: &ReaderId,
        on_entry: impl FnMut(&[u8], Entry<'_>),
    ) -> ReadSummary {
        self.read_changes_in_parts(reader, usize::MAX, on_entry)
    }

    /// Show `on_entry` every entry changed since `reader`'s last read, taking a shard's lock for at most `part` of them at a time.
    ///
    /// Between parts ingest goes on, so an entry may be shown again with a
    /// newer value, and one that changes meanwhile may be shown in this
    /// read or the next. A reader's first read of a shard, or one after it
    /// fell a whole journal behind there, is one part whatever its size;
    /// then the other shards are read whole too, so that a whole read
    /// means what it says. A read of a shard shows at most about as many
    /// entries as it held at its start, so it ends even while ingest keeps
    /// changing what it has passed; the rest waits for the next read.
    pub fn read_changes_in_parts(
        &self,
        reader: &ReaderId,
        part: usize,
        mut on_entry: impl FnMut(&[u8], Entry<'_>),
    ) -> ReadSummary {
        let mut summary = ReadSummary {
            stats: self.own_stats(),
            ..ReadSummary::default()
        };
        let mut whole = [false; SHARDS];
        for (s, shard) in self.shards.iter().enumerate() {
            whole[s] = self.read_shard(shard, reader, part, &mut on_entry, Some(&mut summary));
        }
        if whole.contains(&true) && whole.contains(&false) {
            // Read the rest whole as well: what was not listed is gone.
            for (s, shard) in self.shards.iter().enumerate() {
                if !whole[s] {
                    if let Some(r) = lock(shard).readers.get_mut(reader.0) {
                        r.cursor = Cursor::NEW;
                    }
                    self.read_shard(shard, reader, part, &mut on_entry, None);
                }
            }
        }
        summary.whole = whole.contains(&true);
        summary
    }

    /// Read one shard's changes for `reader` in parts; add its counts to `summary`, and return whether the read was whole.
    fn read_shard(
        &self,
        shard: &Mutex<Shard<'t>>,
        reader: &ReaderId,
        part: usize,
        on_entry: &mut impl FnMut(&[u8], Entry<'_>),
        mut summary: Option<&mut ReadSummary>,
    ) -> bool {
        let part = part.max(1);
        let mut budget = None;
        let mut whole = false;
        loop {
            let mut shard = lock(shard);
            let Shard {
                handler, readers, ..
            } = &mut *shard;
            let Some(r) = readers.get_mut(reader.0) else {
                return false;
            };
            if let Some(summary) = summary.take() {
                add_stats(&mut summary.stats, handler.stats());
                summary.len += handler.cache().len();
                summary.removed.append(&mut r.removed);
            }
            let cache = handler.cache_mut();
            let len = cache.len();
            let left: usize = *budget.get_or_insert(len.saturating_add(part));
            let changes = cache.changes_part(&mut r.cursor, part.min(left));
            whole |= changes.is_whole();
            let cut = changes.is_cut();
            for (key, entry) in changes {
                on_entry(key, entry);
            }
            let left = left.saturating_sub(part);
            budget = Some(left);
            drop(shard);
            if !cut || left == 0 {
                return whole;
            }
        }
    }

    /// Remove values not updated for `timeout` intervals; show `on_expired` each, and return how many.
    pub fn expire(&self, on_expired: impl FnMut(&[u8], Entry<'_>)) -> usize {
        self.expire_at(now(), on_expired)
    }

    /// Expire as [`expire`](Self::expire) does, with `now` as the local clock.
    pub fn expire_at(&self, now: Time, mut on_expired: impl FnMut(&[u8], Entry<'_>)) -> usize {
        let mut removed = 0;
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let Shard {
                handler,
                readers,
                listings,
            } = &mut *shard;
            let mut quota = self.admission();
            let mut marks: Vec<u32> = listings.iter().flatten().map(|l| l.promised()).collect();
            let cache = handler.cache_mut();
            removed += cache.expire_marked(now, self.timeout, &mut marks, |index, key, entry| {
                on_expired(key, entry);
                quota.lock().forget(key);
                for r in readers.iter_mut() {
                    r.removed.push(key.into());
                }
                for l in listings.iter_mut().flatten() {
                    l.expiring(index, key, entry.time());
                }
            });
            for (l, mark) in listings.iter_mut().flatten().zip(marks) {
                l.expired(mark);
            }
        }
        self.counters
            .expired
            .fetch_add(removed as u64, Ordering::Relaxed);
        removed
    }

    /// Return the counters kept beside the handlers'.
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

    /// Return the number of identifiers the value cache holds at most.
    pub fn capacity(&self) -> usize {
        CACHE_CAPACITY
    }

    /// Note what the job value under `key` is, unless it is known already (`describe` runs only then).
    pub fn describe_job_value(&self, key: &[u8], describe: impl FnOnce() -> JobSeries) {
        let mut series = lock(&self.job_series);
        if !series.contains_key(key) {
            series.insert(key.into(), Arc::new(describe()));
        }
    }

    /// Return what the job value under `key` is, if a job described it.
    pub fn job_value(&self, key: &[u8]) -> Option<Arc<JobSeries>> {
        lock(&self.job_series).get(key).cloned()
    }

    /// Record how long collector `name` took.
    pub fn record_collection(&self, name: &str, took: Duration) {
        let mut times = lock(&self.collection_times);
        match times.iter_mut().find(|(n, _)| n == name) {
            Some((_, t)) => *t = took,
            None => times.push((name.to_string(), took)),
        }
    }

    /// Return the last collection time of each collector.
    pub fn collection_times(&self) -> Vec<(String, Duration)> {
        lock(&self.collection_times).clone()
    }

    /// Lock the shard that holds `key`.
    fn shard_of(&self, key: &[u8]) -> MutexGuard<'_, Shard<'t>> {
        lock(&self.shards[self.router.shard_of(key)])
    }

    /// Return the host quota as a handler's admission.
    fn admission(&self) -> Quota<'_> {
        Quota::new(&self.quota)
    }
}

/// Lock `mutex`; a thread that panicked while holding it leaves the data usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Add one handler's counters to `total`.
fn add_stats(total: &mut Stats, s: &Stats) {
    let Stats {
        getval,
        listval,
        putval,
        values,
        putnotif,
        flush,
        errors,
        rejected_full,
        rejected_quota,
        rejected_old,
        clamped_interval,
    } = *s;
    total.getval += getval;
    total.listval += listval;
    total.putval += putval;
    total.values += values;
    total.putnotif += putnotif;
    total.flush += flush;
    total.errors += errors;
    total.rejected_full += rejected_full;
    total.rejected_quota += rejected_quota;
    total.rejected_old += rejected_old;
    total.clamped_interval += clamped_interval;
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
        store.answer_whole(b"PUTVAL here/p/gauge N:1", now(), &mut reply);
        let mut seen = Vec::new();
        let summary = store.read_changes(&reader, |key, entry| {
            seen.push((key.to_vec(), entry.origin(), entry.value(0)));
        });
        // Shards are read one after another.
        seen.sort_by(|a, b| a.0.cmp(&b.0));
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
    fn answer(store: &Store<'_>, line: &str, now: Time) -> (Vec<u8>, Option<Listing>) {
        let (mut out, mut scratch) = (Vec::new(), Scratch::new());
        let frame = collie_core::protocol::Frame::Line(line.as_bytes());
        let (_, listing) = store.answer(frame, &mut scratch, now, &mut out);
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
        let mut id = id.unwrap();
        let mut listed = Vec::new();
        assert!(
            store.continue_listing(&mut id, &mut listed),
            "one part is not all"
        );
        assert!(listed.len() >= LISTING_PART && listed.len() < LISTING_PART + 200);
        let first = listed.split(|&b| b == b'\n').count() - 1;
        // Every value expires and others come; neither changes what is owed.
        assert_eq!(store.expire_at(Time::from_secs(2_000), |_, _| {}), 1000);
        answer(&store, "PUTVAL h/a/gauge N:1", Time::from_secs(2_000));
        answer(&store, "PUTVAL h/z/gauge N:1", Time::from_secs(2_000));
        while store.continue_listing(&mut id, &mut listed) {}
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
        assert!(!store.continue_listing(&mut id, &mut Vec::new()));
        let (head, _) = answer(&store, "LISTVAL", Time::from_secs(2_000));
        assert_eq!(head, b"2 Values found\n");
    }
}
