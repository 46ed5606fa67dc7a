//! A value cache of fixed capacity with collectd's rate rules.
//!
//! [`ValueCache`] keeps, per normalised identifier (the key written by
//! [`Identifier::write_key`](crate::protocol::Identifier::write_key)), the
//! last raw values, their rates, the time of the last value, the local time
//! of the last update and the interval — what collectd's `utils_cache.c`
//! keeps for GETVAL, LISTVAL and expiry. It never allocates: capacity and
//! the longest key are const generics, and a full cache refuses new keys
//! instead of evicting old ones.
//!
//! Rates follow collectd 5.12 (see [`rate`]): the first sample of a GAUGE
//! reads as itself, of a COUNTER or DERIVE as NaN and of an ABSOLUTE as its
//! count over the interval; later samples read as GAUGE value, DERIVE change
//! per second, COUNTER change per second with 32/64-bit wrap-around and
//! ABSOLUTE count per second; a rate outside the data source's `min..=max`
//! reads as NaN. A value that is not strictly newer than the cached one is
//! refused with [`CacheError::TooOld`] and leaves the cache as it was.
//!
//! ```
//! use collie_core::cache::ValueCache;
//! use collie_core::dataset::{DataSets, BUILTIN};
//! use collie_core::{Time, Value};
//!
//! let mut cache: ValueCache<16> = ValueCache::new();
//! let if_octets = BUILTIN.get(b"if_octets").unwrap();
//! let (key, ten) = (&b"host/interface-eth0/if_octets"[..], Time::from_secs(10));
//! let values = [Value::Derive(1000), Value::Derive(0)];
//! cache.update(key, if_octets, Time::from_secs(100), ten, &values, Time::from_secs(100))?;
//! let values = [Value::Derive(2000), Value::Derive(500)];
//! let up = cache.update(key, if_octets, Time::from_secs(110), ten, &values, Time::from_secs(110))?;
//! assert_eq!(up.entry.rates(), [100.0, 50.0]);
//! # Ok::<(), collie_core::cache::CacheError>(())
//! ```

mod changes;
pub mod entry;
pub mod key;
pub mod rate;
mod table;

pub use crate::value::MAX_VALUES;
pub use changes::{Changes, Cursor};
pub use entry::{Entry, Origin, record_len};

use core::fmt;

use crate::dataset::DataSet;
use crate::time::Time;
use crate::value::{DsType, Value};

/// How many intervals a value may go without an update before it expires (collectd's `Timeout`).
pub const DEFAULT_TIMEOUT: u32 = 2;

/// The longest key, in bytes, a [`ValueCache`] holds unless told otherwise.
///
/// Room for 256 bytes fits any realistic `host/plugin-instance/type-instance`,
/// including long mount-point instances; collectd's own limit is 767.
pub const DEFAULT_KEY_CAPACITY: usize = 256;

/// The record bytes a [`ValueCache`] sets aside per key unless told otherwise.
///
/// A record takes [`record_len`] = 48 + key bytes + 16 × values: 104 for a
/// gauge under a typical 40-byte key, so 128 leaves room for keys 24 bytes
/// longer on average, or a second value and 8.
pub const DEFAULT_RECORD_ROOM: usize = 128;

/// Keys added since the last sorted listing are put in place one by one while
/// there are at most this many or they are at most a quarter of all keys;
/// beyond that the whole index is sorted again. Measured on 10 000 keys, a
/// binary insertion costs about 0.7 µs and a full sort of a shuffled index
/// about 5 ms (each comparison misses the cache twice).
const INSERT_LIMIT: usize = 64;

/// Why the cache refused a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheError {
    /// The key is new and the cache already holds `capacity` keys; nothing was evicted.
    Full {
        /// The number of keys the cache holds.
        capacity: usize,
    },
    /// The key is `len` bytes long and the cache holds keys of at most `max` bytes.
    KeyTooLong {
        /// The length of the key given.
        len: usize,
        /// The longest key the cache holds.
        max: usize,
    },
    /// The data set has `count` data sources, more than an entry holds ([`MAX_VALUES`]).
    TooManyValues {
        /// The number of data sources.
        count: usize,
        /// The most an entry holds.
        max: usize,
    },
    /// The number of values differs from the number of data sources.
    ValueCount {
        /// The number of data sources.
        expected: usize,
        /// The number of values given.
        got: usize,
    },
    /// Value `index` has a different type from its data source.
    TypeMismatch {
        /// The position of the value.
        index: usize,
        /// The type of the data source.
        expected: DsType,
        /// The type of the value.
        got: DsType,
    },
    /// The key is new and the cache has no free slot within 128 of its hash's home slot.
    ///
    /// Under a secret seed this does not happen by chance; it bounds the
    /// work of one lookup if keys were ever built to collide.
    Crowded,
    /// The key is new and its record does not fit in what is left of the cache's `room` bytes of records.
    ///
    /// Keys and values are stored by their length in room set aside for
    /// all of them, `B` bytes a key; longer keys than that on average fill
    /// it before `N` keys are stored. Nothing was evicted.
    NoRoom {
        /// The bytes of records the cache holds.
        room: usize,
    },
    /// The key is new and the caller's admission (see [`ValueCache::update_admitted`]) refused it.
    NotAdmitted,
    /// The value is not newer than the one cached at `last` (collectd's "Value too old").
    TooOld {
        /// The time of the cached value, or of the previous value in a batch.
        last: Time,
    },
}

impl fmt::Display for CacheError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CacheError::Full { capacity } => write!(f, "value cache is full ({capacity} values)"),
            CacheError::KeyTooLong { len, max } => {
                write!(
                    f,
                    "identifier is {len} bytes long; the cache holds at most {max}"
                )
            }
            CacheError::TooManyValues { count, max } => {
                write!(
                    f,
                    "data set has {count} data sources; the cache holds at most {max}"
                )
            }
            CacheError::ValueCount { expected, got } => {
                write!(f, "got {got} values for {expected} data sources")
            }
            CacheError::TypeMismatch {
                index,
                expected,
                got,
            } => {
                write!(
                    f,
                    "value {} is {got}, its data source is {expected}",
                    index + 1
                )
            }
            CacheError::TooOld { last } => {
                write!(f, "value too old; last cache update = {last}")
            }
            CacheError::Crowded => f.write_str("no free slot near the identifier's hash"),
            CacheError::NotAdmitted => f.write_str("the new identifier was not admitted"),
            CacheError::NoRoom { room } => {
                write!(
                    f,
                    "value cache is full (its {room} bytes of records are in use)"
                )
            }
        }
    }
}

impl core::error::Error for CacheError {}

/// One value list for [`ValueCache::update_batch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample<'v> {
    /// The time of the values.
    pub time: Time,
    /// The interval they came with.
    pub interval: Time,
    /// One value per data source.
    pub values: &'v [Value],
}

/// What [`ValueCache::update`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Updated<'c> {
    /// The entry as it is now.
    pub entry: Entry<'c>,
    /// Whether the key was new.
    pub inserted: bool,
}

/// A cache of at most `N` values under keys of at most `K` bytes, with `B` bytes of records a key.
///
/// `N` is any capacity from 1 to 2^31 (no need for a power of two), as
/// long as `N × B` is under 4 GiB; `K` is at most 65535. Lookups and
/// updates take O(1) on average, and as the hash table has two slots per
/// key it is never more than half full: a full cache is as fast as an
/// empty one, so `N` needs no headroom beyond the keys expected. When it
/// holds `N` keys, new keys are refused with [`CacheError::Full`] and
/// nothing is evicted. [`iter_sorted`](Self::iter_sorted) lists keys in
/// byte order from an index that is kept sorted lazily. The table itself
/// is described in the source of the private `table` module.
///
/// # Memory
///
/// Each key's record — its times, values, rates and the key itself — takes
/// [`record_len`] = 48 + key bytes + 16 × values (the layout is in
/// [`entry`]), and all records share `N × B` bytes. A key's record is
/// written once when the key is new and updated in place; when the records
/// are longer than `B` on average the room runs out before `N` keys are
/// stored, and new keys are refused with [`CacheError::NoRoom`].
/// Everything is inline and the size depends on `N` and `B` only:
///
/// `size_of::<ValueCache<N, K, B>>()` = `N × (B + 28) + c` bytes, 112 ≤ `c` ≤ 136,
///
/// on 64-bit targets, for every `N`, `K` and `B`. Per key that is
/// `B` bytes of records, two 8-byte hash slots, a 4-byte record start, a
/// 4-byte listing slot and a 4-byte change-journal slot; `c` is four
/// lengths, the journal's two positions, the 64-byte hash seed, the
/// longest probe run and the padding that keeps them aligned, which
/// depends on `N` and `B`. [`SIZE`](Self::SIZE) gives the exact figure. With the
/// default `B` = 128 that is **156 bytes per key**, and a gauge under a
/// 40-byte key uses 104 of its 128: 156 KiB for `N` = 1024, 2.4 MiB for
/// `N` = 16384, 14.9 MiB for `N` = 100 000. Records are written from the
/// start of their room, so the pages of a large cache an operating system
/// maps lazily are touched only as keys arrive. A large cache belongs in a
/// `static` (`new` is `const`, and an empty cache is all zeros, so a
/// `static` one lands in `.bss` and does not grow the binary) or on the
/// heap; building one on a small stack overflows it.
///
/// # Performance
///
/// A lookup hashes the key 16 bytes at a time, reads one hash slot and
/// then the one record it names, whose header, key and values lie
/// together; beyond a few thousand keys the cost is mostly those two
/// cache misses, one after the other. The `cache` criterion benchmark measures updates,
/// lookups and listings at 1 000, 10 000 and 100 000 keys; the README
/// gives the figures.
///
/// Listing 10 000 keys with `iter_sorted` walks an index when no key was
/// added since the last listing; after new keys, `iter_sorted` first slots
/// them in by binary insertion (up to 64 of them, or a quarter of all
/// keys), or sorts the whole index again when more arrived; expiry keeps
/// the index sorted.
#[repr(C)]
pub struct ValueCache<
    const N: usize,
    const K: usize = DEFAULT_KEY_CAPACITY,
    const B: usize = DEFAULT_RECORD_ROOM,
> {
    /// Indices into `map`, one per key; the first `sorted` are in key order, the rest were added since.
    order: [u32; N],
    sorted: u32,
    journal: changes::Journal<N>,
    /// Last, with its record area last (`repr(C)`), so building a cache leaves that memory untouched.
    map: table::Map<N, B>,
}

impl<const N: usize, const K: usize, const B: usize> ValueCache<N, K, B> {
    /// The number of keys the cache holds.
    pub const CAPACITY: usize = N;

    /// The longest key in bytes.
    pub const KEY_CAPACITY: usize = K;

    /// The bytes all records share: `N × B`.
    pub const RECORD_ROOM: usize = N * B;

    /// The size of the cache in bytes.
    pub const SIZE: usize = core::mem::size_of::<Self>();

    /// Create an empty cache.
    pub const fn new() -> Self {
        ValueCache {
            order: [0; N],
            sorted: 0,
            journal: changes::Journal::new(),
            map: table::Map::new(),
        }
    }

    /// Return the number of keys the cache holds.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Return the number of keys in the cache.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Return whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.map.len() == 0
    }

    /// Return whether the cache has no room for another key.
    pub fn is_full(&self) -> bool {
        self.map.len() >= N
    }

    /// Return the bytes of records in use, of [`RECORD_ROOM`](Self::RECORD_ROOM).
    pub fn record_bytes(&self) -> usize {
        self.map.used()
    }

    /// Hash keys with the secret `seed` from now on, so clients cannot choose colliding keys; call it while the cache is empty.
    ///
    /// A cache that is not empty keeps its seed: its keys were placed with it.
    /// A server draws the seed from the operating system's random source.
    pub fn set_seed(&mut self, seed: u128) {
        if self.is_empty() {
            self.map.set_seed(table::Seed::new(seed));
        }
    }

    /// Remove every entry.
    pub fn clear(&mut self) {
        self.map.clear();
        self.sorted = 0;
        self.journal.clear();
    }

    /// Return the entry under `key`.
    pub fn get(&self, key: &[u8]) -> Option<Entry<'_>> {
        let start = self.map.find(key)?;
        Some(self.map.at(start).1)
    }

    /// Return whether there is an entry under `key`.
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.map.find(key).is_some()
    }

    /// Store `values`, taken at `time`, under `key` and update their rates.
    ///
    /// `values` must match `data_set` in number and types. `now` is the local
    /// clock, which expiry counts from. A new key gets first-sample rates; a
    /// known key must get a strictly newer `time`, else
    /// [`TooOld`](CacheError::TooOld). A known key whose values changed shape
    /// (number or types, as after a `types.db` change) starts over as if new.
    /// On error the cache is unchanged.
    pub fn update(
        &mut self,
        key: &[u8],
        data_set: &DataSet<'_>,
        time: Time,
        interval: Time,
        values: &[Value],
        now: Time,
    ) -> Result<Updated<'_>, CacheError> {
        self.update_from(key, data_set, time, interval, values, now, Origin::PROTOCOL)
    }

    /// Store values as [`update`](Self::update) does, tagged with who stored them.
    #[allow(clippy::too_many_arguments)]
    pub fn update_from(
        &mut self,
        key: &[u8],
        data_set: &DataSet<'_>,
        time: Time,
        interval: Time,
        values: &[Value],
        now: Time,
        origin: Origin,
    ) -> Result<Updated<'_>, CacheError> {
        let sample = Sample {
            time,
            interval,
            values,
        };
        self.update_admitted(key, data_set, sample, now, origin, &mut || true)
    }

    /// Store values as [`update_from`](Self::update_from) does, storing a new key only if `admit` says so.
    ///
    /// `admit` is asked once, only for a key that is new and would fit,
    /// after every other check; when it says no the cache is unchanged and
    /// the update fails with [`CacheError::NotAdmitted`]. A caller that
    /// limits new keys (a quota per host) asks here instead of looking the
    /// key up first.
    pub fn update_admitted(
        &mut self,
        key: &[u8],
        data_set: &DataSet<'_>,
        sample: Sample<'_>,
        now: Time,
        origin: Origin,
        admit: &mut dyn FnMut() -> bool,
    ) -> Result<Updated<'_>, CacheError> {
        let (time, values) = (sample.time, sample.values);
        let incoming = entry::Incoming {
            data_set,
            time,
            interval: sample.interval,
            values,
            now,
            origin,
        };
        check_key::<K>(key)?;
        check_values(data_set, values)?;
        let len = record_len(values.len(), key.len());
        let (start, inserted) = match self.map.lookup(key) {
            table::Lookup::Found(start) => {
                let record = self.map.record_mut(start);
                let last = entry::time(record);
                if time <= last {
                    return Err(CacheError::TooOld { last });
                }
                if entry::same_shape(record, values) {
                    entry::advance(record, &incoming);
                } else {
                    let (hash, index) = (entry::hash(record), entry::index(record));
                    let record = self.map.resize(start, len).map_err(Self::refused)?;
                    entry::write_first(record, &incoming, hash, key, index);
                }
                (start, false)
            }
            table::Lookup::Crowded => return Err(CacheError::Crowded),
            vacant => {
                self.map.has_room(len).map_err(Self::refused)?;
                if !admit() {
                    return Err(CacheError::NotAdmitted);
                }
                let write = |record: &mut [u8], hash, index| {
                    entry::write_first(record, &incoming, hash, key, index)
                };
                (self.map.insert(vacant, len, write), true)
            }
        };
        let record = self.map.record_mut(start);
        let index = entry::index(record);
        if inserted {
            // Every key has a place in `order`; `N` ≤ 2^31 fits u32.
            self.order[index] = index as u32;
        }
        self.journal.note(index, record);
        Ok(Updated {
            entry: Entry::new(record),
            inserted,
        })
    }

    /// Return the refusal for a record the map has no room for.
    fn refused(no_room: table::NoRoom) -> CacheError {
        match no_room {
            table::NoRoom::Keys => CacheError::Full { capacity: N },
            table::NoRoom::Bytes => CacheError::NoRoom {
                room: Self::RECORD_ROOM,
            },
        }
    }

    /// Return what [`update`](Self::update) would, without changing anything.
    pub fn check_update(
        &self,
        key: &[u8],
        data_set: &DataSet<'_>,
        time: Time,
        values: &[Value],
    ) -> Result<(), CacheError> {
        let sample = Sample {
            time,
            interval: Time::ZERO,
            values,
        };
        self.check_batch(key, data_set, [sample])
    }

    /// Check a batch of value lists for one key as [`update_batch`](Self::update_batch) would.
    ///
    /// The key must fit, each list must match `data_set`, and times must
    /// increase strictly from the cached time through the batch; a new key
    /// needs a free slot unless the batch is empty.
    pub fn check_batch<'v, I>(
        &self,
        key: &[u8],
        data_set: &DataSet<'_>,
        samples: I,
    ) -> Result<(), CacheError>
    where
        I: IntoIterator<Item = Sample<'v>>,
    {
        check_key::<K>(key)?;
        let found = self.map.find(key);
        let mut last = found.map(|start| entry::time(self.map.record(start)));
        let mut first = true;
        for sample in samples {
            check_values(data_set, sample.values)?;
            let len = record_len(sample.values.len(), key.len());
            if first && last.is_none() {
                self.map.has_room(len).map_err(Self::refused)?;
            }
            if let Some(last) = last.filter(|&last| sample.time <= last) {
                return Err(CacheError::TooOld { last });
            }
            // A known key whose values changed shape needs room to grow its record.
            if first
                && let Some(start) =
                    found.filter(|&s| !entry::same_shape(self.map.record(s), sample.values))
            {
                self.map
                    .has_room_to_resize(start, len)
                    .map_err(Self::refused)?;
            }
            first = false;
            last = Some(sample.time);
        }
        Ok(())
    }

    /// Apply several value lists for one key, all or none, and return how many.
    ///
    /// This is what one PUTVAL line with several value lists needs: the batch
    /// is first checked with [`check_batch`](Self::check_batch) and only
    /// applied, in order, if every list would be accepted. A
    /// [`TooOld`](CacheError::TooOld) inside the batch carries the time of
    /// the list before it.
    pub fn update_batch<'v, I>(
        &mut self,
        key: &[u8],
        data_set: &DataSet<'_>,
        samples: I,
        now: Time,
    ) -> Result<usize, CacheError>
    where
        I: IntoIterator<Item = Sample<'v>>,
        I::IntoIter: Clone,
    {
        let samples = samples.into_iter();
        self.check_batch(key, data_set, samples.clone())?;
        let mut count = 0;
        for s in samples {
            self.update(key, data_set, s.time, s.interval, s.values, now)?;
            count += 1;
        }
        Ok(count)
    }

    /// Remove the entries not updated for `timeout` intervals and return how many.
    ///
    /// An entry expires when `now − last_update ≥ interval × timeout`
    /// ([`Entry::is_expired`]); collectd's default `timeout` is
    /// [`DEFAULT_TIMEOUT`]. `on_expired` sees each one before it goes, which
    /// is where collectd dispatches its "missing" notifications.
    pub fn expire(
        &mut self,
        now: Time,
        timeout: u32,
        mut on_expired: impl FnMut(&[u8], Entry<'_>),
    ) -> usize {
        self.expire_marked(now, timeout, &mut [], |_, key, entry| {
            on_expired(key, entry)
        })
    }

    /// Expire as [`expire`](Self::expire) does, keeping `marks` (positions in insertion order) in step.
    ///
    /// `on_expired` also sees each entry's position before removal, and
    /// each mark then becomes the number of remaining entries that were
    /// before it, so "the first `m` entries" keeps meaning the same entries
    /// (a listing in progress uses this to know which entries it promised).
    pub fn expire_marked(
        &mut self,
        now: Time,
        timeout: u32,
        marks: &mut [u32],
        mut on_expired: impl FnMut(usize, &[u8], Entry<'_>),
    ) -> usize {
        if !self.map.entries().any(|e| e.is_expired(now, timeout)) {
            return 0;
        }
        let mut removed = 0;
        let len = self.map.len();
        let keep = |index: usize, key: &[u8], entry: Entry<'_>| {
            let expired = entry.is_expired(now, timeout);
            if expired {
                on_expired(index, key, entry);
                removed += 1;
            }
            !expired
        };
        // Removal renumbers entries; the listing index keeps its order.
        let sorted = self.map.retain(
            keep,
            &mut self.order[..len],
            self.sorted as usize,
            self.journal.ring_mut(),
            marks,
        );
        self.sorted = sorted as u32;
        removed
    }

    /// Return the entries changed since `cursor` last read, and move it to now.
    ///
    /// This costs what changed, not what the cache holds: each update
    /// notes its entry in a journal of `N` slots (see the `changes`
    /// module), and a read walks what was noted since the cursor's last
    /// read. A new cursor, or one that fell more than `N` notes behind,
    /// gets every entry instead ([`Changes::is_whole`]). Entries that
    /// expired are not listed; [`expire`](Self::expire) reports them.
    pub fn changes(&mut self, cursor: &mut Cursor) -> Changes<'_, N, B> {
        Changes::read(&self.map, &mut self.journal, cursor, u64::MAX)
    }

    /// Return at most `most` of the changes since `cursor` last read, and move it past them.
    ///
    /// What is left comes with the next read ([`Changes::is_cut`] says if
    /// anything is), so a caller can read a busy cache in parts without
    /// holding it for the whole. A whole scan is never cut.
    pub fn changes_part(&mut self, cursor: &mut Cursor, most: usize) -> Changes<'_, N, B> {
        Changes::read(&self.map, &mut self.journal, cursor, most as u64)
    }

    /// Iterate over all entries in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Entry<'_>)> + '_ {
        self.map.iter()
    }

    /// Iterate over all entries in byte order of their keys, as LISTVAL lists them.
    ///
    /// The order is kept in an index that only changes when keys come or
    /// go, so listing an unchanged cache costs O(n); after new keys it costs
    /// a few binary insertions, or one sort when many were added.
    pub fn iter_sorted(&mut self) -> impl Iterator<Item = (&[u8], Entry<'_>)> + '_ {
        self.sort_index();
        let map = &self.map;
        self.order[..map.len()]
            .iter()
            .filter_map(move |&i| map.get(i as usize))
    }

    /// Show `f` the entries with keys after `after` (all with `None`) in key order, until it returns false.
    ///
    /// Only the first `below` entries in insertion order are shown, so a
    /// caller listing the cache in parts can leave out keys added since it
    /// began (see [`expire_marked`](Self::expire_marked) to keep `below`
    /// right across expiry). Finding where to resume costs O(log n).
    pub fn list_after(
        &mut self,
        after: Option<&[u8]>,
        below: usize,
        mut f: impl FnMut(&[u8], Entry<'_>) -> bool,
    ) {
        self.sort_index();
        let map = &self.map;
        let order = &self.order[..map.len()];
        let key_at = |i: u32| map.get(i as usize).map_or(&[][..], |(k, _)| k);
        let start = after.map_or(0, |a| order.partition_point(|&i| key_at(i) <= a));
        for &i in &order[start..] {
            if i as usize >= below {
                continue;
            }
            if let Some((key, entry)) = map.get(i as usize)
                && !f(key, entry)
            {
                break;
            }
        }
    }

    /// Iterate over the entries FLUSH names: by `keys`, else all; then only those of `plugins`.
    ///
    /// An empty `keys` means every key and an empty `plugins` every plugin;
    /// named keys come in the order given and unknown ones are skipped.
    pub fn select<'s>(
        &'s self,
        plugins: &'s [&'s [u8]],
        keys: &'s [&'s [u8]],
    ) -> impl Iterator<Item = (&'s [u8], Entry<'s>)> + 's {
        let named = keys
            .iter()
            .filter_map(|k| self.map.find(k))
            .map(|start| self.map.at(start));
        let all = self
            .iter()
            .take(if keys.is_empty() { usize::MAX } else { 0 });
        named
            .chain(all)
            .filter(move |(k, _)| plugins.is_empty() || plugins.contains(&key::plugin(k)))
    }

    fn sort_index(&mut self) {
        let map = &self.map;
        let total = map.len();
        let sorted = self.sorted as usize;
        if sorted == total {
            return;
        }
        let key_at = |i: u32| map.get(i as usize).map_or(&[][..], |(k, _)| k);
        let order = &mut self.order[..total];
        let added = total.saturating_sub(sorted);
        // Up to INSERT_LIMIT keys go in one by one even into an empty index,
        // so a cache of fewer keys than that never needs the general sort.
        if added > INSERT_LIMIT && (sorted == 0 || added * 4 > total) {
            order.sort_unstable_by(|&a, &b| key_at(a).cmp(key_at(b)));
        } else {
            for i in sorted..total {
                let key = key_at(order[i]);
                let at = order[..i].partition_point(|&j| key_at(j) < key);
                order[at..=i].rotate_right(1);
            }
        }
        self.sorted = total as u32;
    }
}

impl<const N: usize, const K: usize, const B: usize> Default for ValueCache<N, K, B> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const K: usize, const B: usize> fmt::Debug for ValueCache<N, K, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValueCache")
            .field("len", &self.len())
            .field("capacity", &N)
            .field("key_capacity", &K)
            .field("record_bytes", &self.map.used())
            .field("record_room", &Self::RECORD_ROOM)
            .finish_non_exhaustive()
    }
}

fn check_key<const K: usize>(key: &[u8]) -> Result<(), CacheError> {
    if key.len() > K {
        return Err(CacheError::KeyTooLong {
            len: key.len(),
            max: K,
        });
    }
    Ok(())
}

fn check_values(data_set: &DataSet<'_>, values: &[Value]) -> Result<(), CacheError> {
    let expected = data_set.sources.len();
    if expected > MAX_VALUES {
        return Err(CacheError::TooManyValues {
            count: expected,
            max: MAX_VALUES,
        });
    }
    if values.len() != expected {
        return Err(CacheError::ValueCount {
            expected,
            got: values.len(),
        });
    }
    for (index, (v, ds)) in values.iter().zip(data_set.sources).enumerate() {
        if v.ds_type() != ds.ds_type {
            return Err(CacheError::TypeMismatch {
                index,
                expected: ds.ds_type,
                got: v.ds_type(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod model;
#[cfg(test)]
mod tests;
