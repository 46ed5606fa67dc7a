//! Answering protocol lines from a value cache: parse, apply, reply.
//!
//! [`Handler`] is what a server calls once per line. It parses the line,
//! applies a PUTVAL to its [`ValueCache`], reads GETVAL and LISTVAL from it
//! and writes exactly one reply into the caller's [`Sink`]. It never
//! allocates and holds no clock: the caller passes the local time in.

use crate::cache::{CacheError, MAX_VALUES, Sample, ValueCache};
use crate::dataset::DataSets;
use crate::protocol::reply::{self, Erased};
use crate::protocol::{self, Command, Error, Flush, Putnotif, Putval, Scratch};
use crate::sink::{Sink, SinkFull, SliceSink, put_decimal};
use crate::time::Time;
use crate::value::Value;

/// What a handled line was, for the caller's bookkeeping and outputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Handled<'a> {
    /// An empty or blank line: nothing was written.
    Nothing,
    /// A GETVAL was answered.
    Getval,
    /// A LISTVAL was answered with this many values.
    Listval(usize),
    /// A PUTVAL stored its value lists.
    Putval {
        /// How many value lists were stored.
        count: usize,
    },
    /// A notification was accepted; the caller logs or forwards it.
    Putnotif(Putnotif<'a>),
    /// A FLUSH was answered; the caller passes it on to its outputs.
    Flush(Flush<'a>),
    /// The line got an error reply.
    Failed(Failure),
}

/// The kind of error a line got, so a caller can count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The line did not parse.
    Parse,
    /// The line was longer than the protocol allows.
    TooLong,
    /// GETVAL of a value the cache does not hold.
    NoSuchValue,
    /// PUTVAL of a value not newer than the cached one.
    TooOld,
    /// PUTVAL of a new value into a full cache.
    CacheFull,
    /// PUTVAL of a new value its [`Admission`] refused, such as a host past its quota.
    Quota,
    /// PUTVAL the cache cannot store for another reason (key or data set too large).
    Unstorable,
}

/// Counters of what a [`Handler`] did, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// GETVAL commands answered with values.
    pub getval: u64,
    /// LISTVAL commands answered.
    pub listval: u64,
    /// PUTVAL commands accepted.
    pub putval: u64,
    /// Value lists stored by PUTVAL.
    pub values: u64,
    /// PUTNOTIF commands accepted.
    pub putnotif: u64,
    /// FLUSH commands answered.
    pub flush: u64,
    /// Lines that got an error reply, whatever the reason.
    pub errors: u64,
    /// Value lists refused because the cache was full.
    pub rejected_full: u64,
    /// PUTVALs of new identifiers that the [`Admission`] refused.
    pub rejected_quota: u64,
    /// Value lists refused because they were not newer than the cached ones.
    pub rejected_old: u64,
    /// Value lists stored with their `interval=` cut to the maximum.
    pub clamped_interval: u64,
}

/// Decides whether a PUTVAL may add a new identifier to the cache, such as a quota per host.
///
/// The handler asks only about identifiers the cache does not hold yet
/// and has room for, and says which it then stored, so an implementation
/// can keep exact counts (and forget a key when it expires). A server
/// that spreads identifiers over several caches can also hold their total
/// to a capacity of its own here.
pub trait Admission {
    /// Return `Ok` if the new identifier `key` may be stored, else why not.
    fn admit(&mut self, key: &[u8]) -> Result<(), Refusal>;

    /// Note that the new identifier `key` was stored.
    fn stored(&mut self, key: &[u8]);

    /// Return whether this admission can refuse anything; `false` spares the handler a lookup.
    fn is_active(&self) -> bool {
        true
    }
}

/// Why an [`Admission`] refused a new identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its host holds its quota of this many identifiers.
    Quota(usize),
    /// The store holds its capacity of this many identifiers; it is answered as a full cache.
    Full(usize),
}

/// Admits every new identifier.
#[derive(Debug, Clone, Copy, Default)]
pub struct AdmitAll;

impl Admission for AdmitAll {
    fn admit(&mut self, _key: &[u8]) -> Result<(), Refusal> {
        Ok(())
    }

    fn stored(&mut self, _key: &[u8]) {}

    fn is_active(&self) -> bool {
        false
    }
}

/// Answers collectd protocol lines from a value cache of `N` keys of at most `K` bytes, with `B` bytes of records a key.
#[repr(C)]
pub struct Handler<
    't,
    D: ?Sized,
    const N: usize,
    const K: usize = { crate::cache::DEFAULT_KEY_CAPACITY },
    const B: usize = { crate::cache::DEFAULT_RECORD_ROOM },
> {
    /// `None` only between [`Handler::without_types`] and [`Handler::set_types`].
    types: Option<&'t D>,
    interval: Time,
    /// The longest interval a value is stored with; zero for no limit.
    max_interval: Time,
    /// Answer a value that is not newer than the cached one as collectd does (success, value dropped).
    accept_old: bool,
    /// LISTVAL writes only its first line; the caller sends the entries.
    listing_streamed: bool,
    /// `None` means empty; an `Option` keeps a [`Handler::without_types`] all zeros.
    hostname: Option<&'t [u8]>,
    stats: Stats,
    /// Last (`repr(C)`), so building a handler leaves the cache's record area untouched.
    cache: ValueCache<N, K, B>,
}

impl<'t, D: DataSets + ?Sized, const N: usize, const K: usize, const B: usize>
    Handler<'t, D, N, K, B>
{
    /// Create a handler with an empty cache; `interval` applies to values sent without one.
    pub const fn new(types: &'t D, interval: Time) -> Self {
        let mut handler = Handler::without_types(interval);
        handler.types = Some(types);
        handler
    }

    /// Create a handler with no data sets yet, which knows no types until [`set_types`](Self::set_types).
    ///
    /// Its bytes are all zero for a zero `interval`, so a `static` of it
    /// goes to `.bss` and costs no space in the binary, however large its
    /// cache; a handler holding references (from [`new`](Self::new)) puts
    /// the whole cache into the binary's data.
    pub const fn without_types(interval: Time) -> Self {
        Handler {
            cache: ValueCache::new(),
            types: None,
            interval,
            max_interval: Time::ZERO,
            accept_old: false,
            listing_streamed: false,
            hostname: None,
            stats: Stats {
                getval: 0,
                listval: 0,
                putval: 0,
                values: 0,
                putnotif: 0,
                flush: 0,
                errors: 0,
                rejected_full: 0,
                rejected_quota: 0,
                rejected_old: 0,
                clamped_interval: 0,
            },
        }
    }

    /// Use `hostname` for values whose identifier has an empty host, as collectd does.
    pub const fn with_hostname(mut self, hostname: &'t str) -> Self {
        self.hostname = Some(hostname.as_bytes());
        self
    }

    /// Change the host name used for values whose identifier has an empty host.
    pub fn set_hostname(&mut self, hostname: &'t str) {
        self.hostname = Some(hostname.as_bytes());
    }

    /// Check values against `types` from now on.
    pub fn set_types(&mut self, types: &'t D) {
        self.types = Some(types);
    }

    /// Change the interval given to values that come without one.
    pub fn set_interval(&mut self, interval: Time) {
        self.interval = interval;
    }

    /// Answer a value not newer than the cached one with collectd's success reply instead of `-1 Value too old`.
    ///
    /// The value is dropped either way and counted in
    /// [`Stats::rejected_old`]; this only changes the reply, for clients
    /// that, like Perl's `Collectd::Unixsock` with its whole-second `time`,
    /// send one identifier twice in a second and treat an error as fatal.
    pub fn set_accept_old(&mut self, accept: bool) {
        self.accept_old = accept;
    }

    /// Answer LISTVAL with its first line only (`N Values found`), leaving the `N` entries to the caller.
    ///
    /// A server streams a large listing in parts this way, with
    /// [`ValueCache::list_after`] and [`reply::write_listval_entry`],
    /// without building it whole or holding the cache while it is written.
    pub fn set_listing_streamed(&mut self, streamed: bool) {
        self.listing_streamed = streamed;
    }

    /// Store values with at most `max` as their interval (zero: no limit), counting each one cut.
    ///
    /// A value's interval decides when it expires (`interval × timeout`
    /// after its last update), so without a limit `interval=1e9` would keep
    /// an identifier for decades and fill the cache for good.
    pub fn set_max_interval(&mut self, max: Time) {
        self.max_interval = max;
    }

    /// Return the longest interval a value is stored with; zero for no limit.
    pub fn max_interval(&self) -> Time {
        self.max_interval
    }

    /// Count a value stored with its interval cut to [`max_interval`](Self::max_interval).
    pub fn count_clamped_interval(&mut self) {
        self.stats.clamped_interval += 1;
    }

    /// Return the value cache.
    pub fn cache(&self) -> &ValueCache<N, K, B> {
        &self.cache
    }

    /// Return the value cache for changes such as expiry.
    pub fn cache_mut(&mut self) -> &mut ValueCache<N, K, B> {
        &mut self.cache
    }

    /// Return the data sets values are checked against; `None` before [`set_types`](Self::set_types).
    pub fn types(&self) -> Option<&'t D> {
        self.types
    }

    /// Return the counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Return the interval given to values that come without one.
    pub fn interval(&self) -> Time {
        self.interval
    }

    /// Answer one line (without its newline) at local time `now`, writing the reply to `out`.
    ///
    /// Exactly one reply is written for every line except an empty or
    /// blank one, which gets none. Only a full `out` is an error.
    pub fn handle<'a, S: Sink + ?Sized>(
        &mut self,
        line: &'a [u8],
        scratch: &'a mut Scratch,
        now: Time,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull>
    where
        't: 'a,
    {
        self.handle_admitting(line, scratch, now, &mut AdmitAll, out)
    }

    /// Answer one line as [`handle`](Self::handle) does, asking `admission` before storing a new identifier.
    pub fn handle_admitting<'a, S: Sink + ?Sized>(
        &mut self,
        line: &'a [u8],
        scratch: &'a mut Scratch,
        now: Time,
        admission: &mut dyn Admission,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull>
    where
        't: 'a,
    {
        let parsed = match self.types {
            Some(types) => protocol::parse(line, scratch, types),
            // No data sets: the fast path would give up on every line anyway.
            None => protocol::command::parse_looking_up(line, scratch, &|_| None),
        };
        match parsed {
            Ok(None) => Ok(Handled::Nothing),
            Ok(Some(command)) => self.apply(&command, now, admission, out),
            Err(e) => self.fail(out, &e, Failure::Parse),
        }
    }

    /// Answer a command parsed already (by [`protocol::parse`] against this handler's data sets) at local time `now`.
    ///
    /// A server parses a batch of lines this way before it takes the lock
    /// that guards the handler, and holds it only to apply them.
    pub fn apply<'a, S: Sink + ?Sized>(
        &mut self,
        command: &Command<'a>,
        now: Time,
        admission: &mut dyn Admission,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull> {
        match command {
            Command::Getval(g) => {
                let Some(entry) = self.cache.get(g.identifier().raw) else {
                    return self.fail(out, &Error::NoSuchValue, Failure::NoSuchValue);
                };
                reply::write_getval(out, g.data_set(), &entry.rates())?;
                self.stats.getval += 1;
                Ok(Handled::Getval)
            }
            Command::Listval => {
                reply::write_values_found(out, self.cache.len())?;
                if !self.listing_streamed {
                    for (key, entry) in self.cache.iter_sorted() {
                        reply::write_listval_entry(out, entry.time(), key)?;
                    }
                }
                self.stats.listval += 1;
                Ok(Handled::Listval(self.cache.len()))
            }
            Command::Putval(p) => self.putval(p, now, admission, out),
            Command::Putnotif(n) => {
                reply::write_putnotif_ok(out)?;
                self.stats.putnotif += 1;
                Ok(Handled::Putnotif(*n))
            }
            Command::Flush(f) => {
                reply::write_flush_done(out, f.flush_count(), 0)?;
                self.stats.flush += 1;
                Ok(Handled::Flush(*f))
            }
        }
    }

    /// Answer a line the framer found too long.
    pub fn handle_too_long<S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
    ) -> Result<Handled<'static>, SinkFull> {
        self.fail(out, &Error::LineTooLong, Failure::TooLong)
    }

    /// Store every value list of a PUTVAL, all or none, and reply.
    fn putval<'a, S: Sink + ?Sized>(
        &mut self,
        putval: &Putval<'_>,
        now: Time,
        admission: &mut dyn Admission,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull> {
        // The key is built on the stack: a slice sink copies it whole.
        let mut room = [0u8; K];
        let mut sink = SliceSink::new(&mut room);
        let hostname = self.hostname.unwrap_or_default();
        let fits = write_store_key(putval, hostname, &mut sink).is_ok();
        self.apply_putval(putval, sink.as_bytes(), fits, now, admission, out)
    }

    /// Answer a PUTVAL whose key the caller built already with [`write_store_key`] (`fits`: all of it fit in `K` bytes).
    ///
    /// A server that spreads identifiers over several handlers builds the
    /// key once, to choose the handler, and hands it on here.
    pub fn apply_putval<'a, S: Sink + ?Sized>(
        &mut self,
        putval: &Putval<'_>,
        key: &[u8],
        fits: bool,
        now: Time,
        admission: &mut dyn Admission,
        out: &mut S,
    ) -> Result<Handled<'a>, SinkFull> {
        if !fits || key.len() > K {
            let error = CacheError::KeyTooLong { len: K + 1, max: K };
            return self.refuse(out, key.get(..K).unwrap_or(key), now, error);
        }
        let data_set = putval.data_set();
        if data_set.sources.len() > MAX_VALUES {
            let error = CacheError::TooManyValues {
                count: data_set.sources.len(),
                max: MAX_VALUES,
            };
            return self.refuse(out, key, now, error);
        }
        // A new identifier the cache has room for needs the admission's
        // yes, which the first update asks for when it finds the key new.
        let active = admission.is_active();
        let refusal = core::cell::Cell::new(None);
        let mut admit = || {
            if !active {
                return true;
            }
            match admission.admit(key) {
                Ok(()) => true,
                Err(r) => {
                    refusal.set(Some(r));
                    false
                }
            }
        };
        let (inserted, count) = if let Some(list) = putval.only_list() {
            // The parser cut the only value list already.
            let mut values = [Value::Gauge(0.0); MAX_VALUES];
            let n = list.fill(&mut values);
            let stored = values.get(..n).unwrap_or_default();
            let time = if list.time() == Time::ZERO {
                now
            } else {
                list.time()
            };
            let interval = list.interval();
            match self.store_list(key, data_set, time, interval, stored, now, &mut admit) {
                Ok(inserted) => (inserted, 1),
                Err(CacheError::NotAdmitted) => {
                    return self.not_admitted(out, key, now, refusal.get());
                }
                Err(error) => return self.refused_list(out, key, time, error, 1),
            }
        } else {
            let time_of = |t: Time| if t == Time::ZERO { now } else { t };
            // Check a line of several value lists whole before storing any of
            // it; a single list is checked by the update itself, which changes
            // nothing when it fails.
            let mut lists = putval.value_lists();
            let first = lists.next();
            if first.is_some() && lists.clone().next().is_some() {
                let mut last = self.cache.get(key).map(|e| e.time());
                if last.is_none() && self.cache.is_full() {
                    let error = CacheError::Full { capacity: N };
                    return self.refuse(out, key, now, error);
                }
                for list in putval.value_lists() {
                    let time = time_of(list.time());
                    if let Some(last) = last.filter(|&last| time <= last) {
                        let lists = putval.value_lists().count();
                        return self.too_old(out, key, time, last, lists);
                    }
                    last = Some(time);
                }
            }
            let (mut inserted, mut count) = (false, 0);
            let mut values = [Value::Gauge(0.0); MAX_VALUES];
            for list in first.into_iter().chain(lists) {
                let n = list.fill(&mut values);
                let time = time_of(list.time());
                let stored = values.get(..n).unwrap_or_default();
                let interval = list.interval();
                match self.store_list(key, data_set, time, interval, stored, now, &mut admit) {
                    Ok(new) => {
                        inserted |= new;
                        count += 1;
                    }
                    Err(CacheError::NotAdmitted) => {
                        return self.not_admitted(out, key, now, refusal.get());
                    }
                    Err(error) => {
                        // Only the first list can fail here: the rest were checked.
                        let lists = putval.value_lists().count();
                        return self.refused_list(out, key, time, error, lists);
                    }
                }
            }
            (inserted, count)
        };
        if inserted && active {
            admission.stored(key);
        }
        self.stored(out, count)
    }

    /// Reply to a new identifier its admission refused.
    fn not_admitted<'a, S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
        key: &[u8],
        now: Time,
        refusal: Option<Refusal>,
    ) -> Result<Handled<'a>, SinkFull> {
        match refusal {
            Some(Refusal::Quota(quota)) => {
                self.stats.rejected_quota += 1;
                let host = key.split(|&b| b == b'/').next().unwrap_or_default();
                self.fail(out, &Error::HostQuota { host, quota }, Failure::Quota)
            }
            Some(Refusal::Full(capacity)) => {
                self.refuse(out, key, now, CacheError::Full { capacity })
            }
            None => self.refuse(out, key, now, CacheError::NotAdmitted),
        }
    }

    /// Store one value list at `time` under `key`, with its interval cut to the maximum.
    #[allow(clippy::too_many_arguments)]
    fn store_list(
        &mut self,
        key: &[u8],
        data_set: &crate::dataset::DataSet<'_>,
        time: Time,
        interval: Option<Time>,
        values: &[Value],
        now: Time,
        admit: &mut dyn FnMut() -> bool,
    ) -> Result<bool, CacheError> {
        let mut interval = interval.unwrap_or(self.interval);
        if self.max_interval > Time::ZERO && interval > self.max_interval {
            interval = self.max_interval;
            self.stats.clamped_interval += 1;
        }
        let origin = crate::cache::Origin::PROTOCOL;
        let sample = Sample {
            time,
            interval,
            values,
        };
        self.cache
            .update_admitted(key, data_set, sample, now, origin, admit)
            .map(|up| up.inserted)
    }

    /// Reply to a PUTVAL of `lists` value lists whose list at `time` the cache refused.
    fn refused_list<'a, S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
        key: &[u8],
        time: Time,
        error: CacheError,
        lists: usize,
    ) -> Result<Handled<'a>, SinkFull> {
        if let CacheError::TooOld { last } = error {
            return self.too_old(out, key, time, last, lists);
        }
        self.refuse(out, key, time, error)
    }

    /// Reply to a PUTVAL that stored `count` value lists, and count them.
    fn stored<'a, S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
        count: usize,
    ) -> Result<Handled<'a>, SinkFull> {
        reply::write_putval_ok(out, count)?;
        self.stats.putval += 1;
        self.stats.values += count as u64;
        Ok(Handled::Putval { count })
    }

    /// Reply to a PUTVAL of `lists` value lists refused as not newer than the cached `last`, and count it.
    fn too_old<'a, S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
        key: &[u8],
        time: Time,
        last: Time,
        lists: usize,
    ) -> Result<Handled<'a>, SinkFull> {
        if !self.accept_old {
            return self.refuse(out, key, time, CacheError::TooOld { last });
        }
        self.stats.rejected_old += 1;
        reply::write_putval_ok(out, lists)?;
        Ok(Handled::Putval { count: 0 })
    }

    /// Reply to a value the cache would not take, and count it.
    fn refuse<'a, S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
        key: &[u8],
        time: Time,
        error: CacheError,
    ) -> Result<Handled<'a>, SinkFull> {
        match error {
            CacheError::TooOld { last } => {
                self.stats.rejected_old += 1;
                let e = Error::ValueTooOld {
                    key,
                    value_time: time,
                    last_update: last,
                };
                self.fail(out, &e, Failure::TooOld)
            }
            CacheError::Full { capacity } => {
                self.stats.rejected_full += 1;
                self.fail(out, &Error::CacheFull { capacity }, Failure::CacheFull)
            }
            CacheError::NoRoom { .. }
            | CacheError::KeyTooLong { .. }
            | CacheError::TooManyValues { .. }
            | CacheError::ValueCount { .. }
            | CacheError::TypeMismatch { .. }
            | CacheError::Crowded
            | CacheError::NotAdmitted => {
                // Out of record room is a full cache, worded with its room.
                let full = matches!(error, CacheError::NoRoom { .. });
                self.stats.rejected_full += u64::from(full);
                self.stats.errors += 1;
                write_unstorable(&mut Erased::new(&mut |b| out.put(b)), &error)?;
                let failure = if full {
                    Failure::CacheFull
                } else {
                    Failure::Unstorable
                };
                Ok(Handled::Failed(failure))
            }
        }
    }

    fn fail<'a, S: Sink + ?Sized>(
        &mut self,
        out: &mut S,
        error: &Error<'_>,
        failure: Failure,
    ) -> Result<Handled<'a>, SinkFull> {
        self.stats.errors += 1;
        reply::write_error(out, error)?;
        Ok(Handled::Failed(failure))
    }
}

/// Write `-1 Cannot store value: <error>.`, worded as [`CacheError`]'s `Display`, without `core::fmt`.
#[cold]
#[inline(never)]
fn write_unstorable(out: &mut Erased<'_>, error: &CacheError) -> Result<(), SinkFull> {
    let count =
        |out: &mut Erased<'_>, n: usize, tail: &[u8]| put_decimal(out, false, n as u64, tail);
    out.put(b"-1 Cannot store value: ")?;
    match *error {
        CacheError::Full { capacity } => {
            out.put(b"value cache is full (")?;
            count(out, capacity, b"")?;
            out.put(b" values)")?;
        }
        CacheError::KeyTooLong { len, max } => {
            out.put(b"identifier is ")?;
            count(out, len, b"")?;
            out.put(b" bytes long; the cache holds at most ")?;
            count(out, max, b"")?;
        }
        CacheError::TooManyValues { count: n, max } => {
            out.put(b"data set has ")?;
            count(out, n, b"")?;
            out.put(b" data sources; the cache holds at most ")?;
            count(out, max, b"")?;
        }
        CacheError::ValueCount { expected, got } => {
            out.put(b"got ")?;
            count(out, got, b"")?;
            out.put(b" values for ")?;
            count(out, expected, b"")?;
            out.put(b" data sources")?;
        }
        CacheError::TypeMismatch {
            index,
            expected,
            got,
        } => {
            out.put(b"value ")?;
            count(out, index.saturating_add(1), b" is ")?;
            out.put(got.as_str().as_bytes())?;
            out.put(b", its data source is ")?;
            out.put(expected.as_str().as_bytes())?;
        }
        CacheError::TooOld { last } => {
            out.put(b"value too old; last cache update = ")?;
            last.put_secs_millis(out, b"")?;
        }
        CacheError::Crowded => out.put(b"no free slot near the identifier's hash")?,
        CacheError::NotAdmitted => out.put(b"the new identifier was not admitted")?,
        CacheError::NoRoom { room } => {
            out.put(b"value cache is full (its ")?;
            count(out, room, b" bytes of records are in use)")?;
        }
    }
    out.put(b".\n")
}

/// Write the key a PUTVAL's values are stored under, with `hostname` for an empty host.
///
/// This is what [`Handler`] stores under; a caller that routes PUTVALs by
/// key builds it with this and hands it to [`Handler::apply_putval`].
#[inline]
pub fn write_store_key<S: Sink + ?Sized>(
    putval: &Putval<'_>,
    hostname: &[u8],
    out: &mut S,
) -> Result<(), SinkFull> {
    let mut identifier = *putval.identifier();
    if identifier.host.is_empty() {
        identifier.host = hostname;
    }
    identifier.write_key(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::BUILTIN;
    use std::string::String;
    use std::vec::Vec;

    type Small = Handler<'static, crate::dataset::Builtin, 4>;

    fn run(h: &mut Small, line: &str, now: u64) -> String {
        let mut out = Vec::new();
        let mut scratch = Scratch::new();
        h.handle(
            line.as_bytes(),
            &mut scratch,
            Time::from_secs(now),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn handler() -> Small {
        Handler::new(&BUILTIN, Time::from_secs(10))
    }

    #[test]
    fn putval_then_getval_reads_your_write() {
        let mut h = handler();
        assert_eq!(
            run(&mut h, "PUTVAL h/p/gauge 1700000000:42.5", 5),
            "0 Success: 1 value has been dispatched.\n"
        );
        assert_eq!(
            run(&mut h, "GETVAL h/p/gauge", 5),
            "1 Value found\nvalue=4.250000e+01\n"
        );
        assert_eq!(run(&mut h, "GETVAL h/p/derive", 5), "-1 No such value.\n");
        assert_eq!(h.stats().errors, 1);
    }

    /// At most `quota` identifiers per host and `capacity` in all, counting those stored.
    struct PerHost {
        quota: usize,
        capacity: usize,
        stored: Vec<Vec<u8>>,
    }

    impl Admission for PerHost {
        fn admit(&mut self, key: &[u8]) -> Result<(), Refusal> {
            let host = |k: &[u8]| k.split(|&b| b == b'/').next().map(<[u8]>::to_vec);
            let held = self.stored.iter().filter(|k| host(k) == host(key)).count();
            if self.stored.len() >= self.capacity {
                Err(Refusal::Full(self.capacity))
            } else if held < self.quota {
                Ok(())
            } else {
                Err(Refusal::Quota(self.quota))
            }
        }

        fn stored(&mut self, key: &[u8]) {
            self.stored.push(key.to_vec());
        }
    }

    #[test]
    fn admission_refuses_new_identifiers_past_a_host_quota() {
        let mut h = Small::new(&BUILTIN, Time::from_secs(10));
        let mut quota = PerHost {
            quota: 2,
            capacity: 3,
            stored: Vec::new(),
        };
        let mut put = |h: &mut Small, line: &str| {
            let mut out = Vec::new();
            let mut scratch = Scratch::new();
            h.handle_admitting(
                line.as_bytes(),
                &mut scratch,
                Time::from_secs(100),
                &mut quota,
                &mut out,
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        let ok = "0 Success: 1 value has been dispatched.\n";
        assert_eq!(put(&mut h, "PUTVAL a/p/gauge-1 1:1"), ok);
        assert_eq!(put(&mut h, "PUTVAL a/p/gauge-2 1:1"), ok);
        assert_eq!(
            put(&mut h, "PUTVAL a/p/gauge-3 1:1"),
            "-1 Host `a' holds its quota of 2 values.\n"
        );
        // Known identifiers still update, and other hosts have their own quota.
        assert_eq!(put(&mut h, "PUTVAL a/p/gauge-1 2:1"), ok);
        assert_eq!(put(&mut h, "PUTVAL b/p/gauge-1 1:1"), ok);
        // Refusals are counted; a line that fails stores and notes nothing.
        assert_eq!(
            put(&mut h, "PUTVAL b/p/gauge-2 1:1:2").chars().next(),
            Some('-')
        );
        // At its capacity the admission refuses any new identifier, as a full cache.
        assert_eq!(
            put(&mut h, "PUTVAL c/p/gauge 1:1"),
            "-1 Value cache is full (capacity 3).\n"
        );
        assert_eq!(put(&mut h, "PUTVAL b/p/gauge-1 2:1"), ok);
        assert_eq!(quota.stored.len(), 3);
        assert_eq!(h.cache().len(), 3);
        assert_eq!(h.stats().rejected_quota, 1);
        assert_eq!(h.stats().rejected_full, 1);
    }

    #[test]
    fn derive_rates_and_listval_order() {
        let mut h = handler();
        run(&mut h, "PUTVAL b/p/derive 100:1000", 1);
        run(&mut h, "PUTVAL b/p/derive 110:2000", 2);
        run(&mut h, "PUTVAL a/p/gauge 105.5:1", 2);
        assert_eq!(
            run(&mut h, "GETVAL b/p/derive", 2),
            "1 Value found\nvalue=1.000000e+02\n"
        );
        assert_eq!(
            run(&mut h, "LISTVAL", 2),
            "2 Values found\n105.500 a/p/gauge\n110.000 b/p/derive\n"
        );
    }

    #[test]
    fn a_line_is_stored_all_or_nothing() {
        let mut h = handler();
        run(&mut h, "PUTVAL h/p/gauge 100:1", 1);
        assert_eq!(
            run(&mut h, "PUTVAL h/p/gauge 101:2 100:3", 1),
            "-1 Value too old: name = h/p/gauge; value time = 100.000; last cache update = 101.000;\n"
        );
        assert_eq!(
            run(&mut h, "GETVAL h/p/gauge", 1),
            "1 Value found\nvalue=1.000000e+00\n"
        );
        assert_eq!(h.stats().rejected_old, 1);
    }

    #[test]
    fn a_full_cache_says_so_and_counts() {
        let mut h = handler();
        for i in 0..4 {
            run(&mut h, &std::format!("PUTVAL h/p/gauge-{i} 100:1"), 1);
        }
        assert_eq!(
            run(&mut h, "PUTVAL h/p/gauge-9 100:1", 1),
            "-1 Value cache is full (capacity 4).\n"
        );
        // Known keys still update.
        assert_eq!(
            run(&mut h, "PUTVAL h/p/gauge-0 101:1", 1),
            "0 Success: 1 value has been dispatched.\n"
        );
        assert_eq!(h.stats().rejected_full, 1);
    }

    #[test]
    fn n_means_now_and_slashes_are_escaped() {
        let mut h = handler();
        run(&mut h, "PUTVAL h/p/gauge-a/b N:1", 1234);
        assert_eq!(
            run(&mut h, "LISTVAL", 1),
            "1 Value found\n1234.000 h/p/gauge-a_b\n"
        );
        assert_eq!(
            run(&mut h, "GETVAL h/p/gauge-a/b", 1),
            "-1 No such value.\n"
        );
    }

    #[test]
    fn an_empty_host_becomes_the_hostname() {
        let mut h = handler().with_hostname("here");
        run(&mut h, "PUTVAL /p/gauge 100:1", 1);
        assert_eq!(
            run(&mut h, "LISTVAL", 1),
            "1 Value found\n100.000 here/p/gauge\n"
        );
    }

    #[test]
    fn without_types_every_type_is_unknown_until_set() {
        let mut h: Small = Handler::without_types(Time::ZERO);
        assert_eq!(
            run(&mut h, "PUTVAL h/p/gauge 100:1", 1),
            "-1 Type `gauge' isn't defined.\n"
        );
        h.set_types(&BUILTIN);
        h.set_interval(Time::from_secs(10));
        assert_eq!(
            run(&mut h, "PUTVAL h/p/gauge 100:1", 1),
            "0 Success: 1 value has been dispatched.\n"
        );
    }

    #[test]
    fn blank_lines_get_no_reply() {
        let mut h = handler();
        assert_eq!(run(&mut h, "", 1), "");
        assert_eq!(run(&mut h, " \t ", 1), "");
    }

    #[test]
    fn intervals_are_cut_to_the_maximum_and_counted() {
        let mut h: Handler<'_, _, 4> = Handler::new(&BUILTIN, Time::from_secs(10));
        h.set_max_interval(Time::from_secs(3600));
        let mut out = std::vec::Vec::new();
        let now = Time::from_secs(1000);
        h.handle(
            b"PUTVAL h/p/gauge interval=1e9 1000:1",
            &mut Scratch::new(),
            now,
            &mut out,
        )
        .unwrap();
        h.handle(
            b"PUTVAL h/q/gauge interval=60 1000:1",
            &mut Scratch::new(),
            now,
            &mut out,
        )
        .unwrap();
        assert!(out.starts_with(b"0 Success"));
        assert_eq!(
            h.cache().get(b"h/p/gauge").unwrap().interval(),
            Time::from_secs(3600)
        );
        assert_eq!(
            h.cache().get(b"h/q/gauge").unwrap().interval(),
            Time::from_secs(60)
        );
        assert_eq!(h.stats().clamped_interval, 1);
        // So it expires within two hours, not 63 years.
        assert_eq!(
            h.cache_mut()
                .expire(Time::from_secs(1000 + 7200), 2, |_, _| {}),
            2
        );
    }

    #[test]
    fn old_values_can_get_collectds_success_reply() {
        let mut h: Handler<'_, _, 4> = Handler::new(&BUILTIN, Time::from_secs(10));
        let reply = |h: &mut Handler<'_, _, 4>, line: &str| {
            let mut out = Vec::new();
            h.handle(
                line.as_bytes(),
                &mut Scratch::new(),
                Time::from_secs(1000),
                &mut out,
            )
            .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            reply(&mut h, "PUTVAL h/p/gauge 1000:1"),
            "0 Success: 1 value has been dispatched.\n"
        );
        assert!(reply(&mut h, "PUTVAL h/p/gauge 1000:2").starts_with("-1 Value too old"));
        h.set_accept_old(true);
        assert_eq!(
            reply(&mut h, "PUTVAL h/p/gauge 1000:3"),
            "0 Success: 1 value has been dispatched.\n"
        );
        assert_eq!(
            reply(&mut h, "PUTVAL h/p/gauge 999:4 1001:5"),
            "0 Success: 2 values have been dispatched.\n"
        );
        // Dropped all the same, and counted.
        assert_eq!(h.cache().get(b"h/p/gauge").unwrap().rates(), [1.0]);
        assert_eq!(h.stats().rejected_old, 3);
    }

    #[test]
    fn unstorable_replies_word_the_cache_error_as_its_display_does() {
        use crate::value::DsType;
        let errors = [
            CacheError::Full { capacity: 4096 },
            CacheError::KeyTooLong { len: 257, max: 256 },
            CacheError::TooManyValues { count: 9, max: 8 },
            CacheError::ValueCount {
                expected: 2,
                got: 1,
            },
            CacheError::TypeMismatch {
                index: 0,
                expected: DsType::Derive,
                got: DsType::Gauge,
            },
            CacheError::TooOld {
                last: Time::from_secs_f64(1_700_000_010.25),
            },
            CacheError::Crowded,
        ];
        for error in errors {
            let mut out = Vec::new();
            write_unstorable(&mut Erased::new(&mut |b| out.put(b)), &error).unwrap();
            let want = std::format!("-1 Cannot store value: {error}.\n");
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }
}
