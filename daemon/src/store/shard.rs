//! One shard of the store: a handler over its share of the identifiers, and what each output and listing keeps of that share.
//!
//! Identifiers are spread over [`SHARDS`] shards by a keyed hash of their
//! key, each behind its own lock, so clients storing different
//! identifiers rarely wait for each other and a long hold (an output's
//! read, a LISTVAL sorting its index, expiry) stops only one shard.

use std::hash::BuildHasher;
use std::ops::Deref;
use std::sync::{Mutex, MutexGuard};

use collie_core::cache::CacheError;
use collie_core::cache::{Cursor, DEFAULT_KEY_CAPACITY};
use collie_core::dataset::DataSets;
use collie_core::handler::write_store_key;
use collie_core::handler::{Admission, Refusal};
use collie_core::protocol::Command;
use collie_core::sink::Sink;
use collie_core::time::Time;
use collie_core::{Handled, Handler};

use super::listing::ShardListing;
use super::quota::HostQuota;
use super::types::Types;
use super::{CACHE_CAPACITY, Put, PutError, SHARDS, lock};

/// How many identifiers one shard holds: an even share of [`CACHE_CAPACITY`] and an eighth more.
///
/// Under a random hash seed the busiest of 16 shards holds about 4 096 ±
/// 64 identifiers when the store holds 65 536, so the eighth (512, eight
/// standard deviations) lets all of [`CACHE_CAPACITY`] in; the store
/// refuses any past that. A shard that did fill would refuse new
/// identifiers, as a full cache of this capacity.
pub const SHARD_CAPACITY: usize = CACHE_CAPACITY / SHARDS + CACHE_CAPACITY / SHARDS / 8;

/// The record bytes a shard sets aside per identifier: room for the longest key with the most values.
///
/// So the store's capacity is exact whatever its identifiers: a shard
/// never runs out of record room before it holds [`SHARD_CAPACITY`]. The
/// room is address space, not memory: records are written from its start,
/// each taking what it needs (48 + key bytes + 16 × values; 104 for a
/// gauge under a 40-byte key), and pages are touched only as they fill.
pub const SHARD_RECORD_ROOM: usize = collie_core::cache::record_len(
    collie_core::cache::MAX_VALUES,
    collie_core::cache::DEFAULT_KEY_CAPACITY,
);

/// The handler of one shard.
pub type ShardHandler<'t> = Handler<
    't,
    Types<'t>,
    SHARD_CAPACITY,
    { collie_core::cache::DEFAULT_KEY_CAPACITY },
    SHARD_RECORD_ROOM,
>;

/// What is behind one shard's lock.
pub(super) struct Shard<'t> {
    pub(super) handler: Box<ShardHandler<'t>>,
    /// One per output, by [`ReaderId`](super::ReaderId).
    pub(super) readers: Vec<Reader>,
    /// This shard's part of each LISTVAL being streamed, by listing id; a free slot is `None`.
    pub(super) listings: Vec<Option<ShardListing>>,
}

/// One output's place in a shard: its change cursor and the keys that expired since its last read.
#[derive(Debug, Default)]
pub(super) struct Reader {
    pub(super) cursor: Cursor,
    pub(super) removed: Vec<Box<[u8]>>,
}

impl<'t> Shard<'t> {
    /// Create an empty shard checking values against `types`.
    pub(super) fn new(types: &'t Types<'t>, hostname: &'t str, interval: Time, seed: u128) -> Self {
        let mut handler = new_handler();
        handler.cache_mut().set_seed(seed);
        handler.set_types(types);
        handler.set_hostname(hostname);
        handler.set_interval(interval);
        // The store answers LISTVAL itself, across shards.
        handler.set_listing_streamed(true);
        Shard {
            handler,
            readers: Vec::new(),
            listings: Vec::new(),
        }
    }

    /// Store `put` at local time `now`; a new identifier over its host's quota is refused if `admit`, else only counted.
    pub(super) fn store(
        &mut self,
        put: &Put<'_>,
        now: Time,
        admit: bool,
        quota: &mut Quota<'_>,
    ) -> Result<(), PutError> {
        let handler = &mut self.handler;
        let data_set = handler
            .types()
            .and_then(|t| t.get(put.type_))
            .ok_or(PutError::UnknownType)?;
        let new = !handler.cache().contains_key(put.key);
        if new {
            match quota.admit(put.key) {
                Err(Refusal::Full(capacity)) => {
                    return Err(PutError::Cache(CacheError::Full { capacity }));
                }
                Err(Refusal::Quota(quota)) if admit => return Err(PutError::Quota(quota)),
                Ok(()) | Err(Refusal::Quota(_)) => {}
            }
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

/// The identifiers held, in all and per host, shared by every shard, as one handler's [`Admission`].
///
/// Its lock is taken only for a new identifier, after the shard's (never
/// the other way round), and held from the check to the count, so two
/// shards cannot both take the store's or a host's last free place.
pub(super) struct Quota<'q> {
    quota: &'q Mutex<HostQuota>,
    held: Option<MutexGuard<'q, HostQuota>>,
}

impl<'q> Quota<'q> {
    /// Ask `quota`.
    pub(super) fn new(quota: &'q Mutex<HostQuota>) -> Self {
        Quota { quota, held: None }
    }

    /// Lock the counts themselves, to forget expired identifiers.
    pub(super) fn lock(&mut self) -> &mut HostQuota {
        let quota = self.quota;
        self.held.get_or_insert_with(|| lock(quota))
    }
}

impl Admission for Quota<'_> {
    fn admit(&mut self, key: &[u8]) -> Result<(), Refusal> {
        self.lock().admit(key)
    }

    fn stored(&mut self, key: &[u8]) {
        self.lock().stored(key);
        self.held = None;
    }
}

/// Which shard holds each key: a keyed hash, secret per process.
pub(super) struct Router<'t> {
    hasher: foldhash::quality::RandomState,
    hostname: &'t [u8],
}

impl<'t> Router<'t> {
    /// Route by a fresh random key; PUTVALs with an empty host are routed as `hostname`'s.
    pub(super) fn new(hostname: &'t str) -> Self {
        Router {
            hasher: foldhash::quality::RandomState::default(),
            hostname: hostname.as_bytes(),
        }
    }

    /// Return the shard of the identifier `key`.
    #[inline]
    pub(super) fn shard_of(&self, key: &[u8]) -> usize {
        let hash = self.hasher.hash_one(key);
        ((u128::from(hash) * SHARDS as u128) >> 64) as usize
    }

    /// Return the shard a command reads or writes, its identifier's, appending a PUTVAL's key to `keys`.
    ///
    /// The key is the one the handler stores under, built once here, before
    /// any lock, and handed on to it ([`Shard::apply`]). A command that names
    /// no identifier goes to the first shard.
    #[inline]
    pub(super) fn route<S>(&self, command: &Command<'_>, keys: &mut S) -> Route
    where
        S: Sink + Deref<Target = [u8]>,
    {
        let mut route = Route {
            shard: 0,
            key: (0, 0),
            fits: true,
        };
        match command {
            Command::Putval(p) => {
                let start = keys.len();
                // A key that does not fit is refused by its shard, as too long.
                route.fits = write_store_key(p, self.hostname, keys).is_ok()
                    && keys.len() - start <= DEFAULT_KEY_CAPACITY;
                route.shard = self.shard_of(&keys[start..]);
                route.key = (start as u32, keys.len() as u32);
            }
            Command::Getval(g) => route.shard = self.shard_of(g.identifier().raw),
            Command::Listval | Command::Putnotif(_) | Command::Flush(_) => {}
        }
        route
    }
}

/// Where a parsed command goes: its shard, and for a PUTVAL where its key is in the batch's keys.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub(super) shard: usize,
    key: (u32, u32),
    /// The whole key was written, and the cache holds keys that long.
    fits: bool,
}

impl Shard<'_> {
    /// Apply a command routed here by [`Router::route`], whose keys are in `keys`.
    #[inline]
    pub(super) fn apply<'a>(
        &mut self,
        command: &Command<'a>,
        route: &Route,
        keys: &[u8],
        now: Time,
        quota: &mut Quota<'_>,
        out: &mut Vec<u8>,
    ) -> Handled<'a> {
        let handled = match command {
            Command::Putval(p) => {
                let key = keys
                    .get(route.key.0 as usize..route.key.1 as usize)
                    .unwrap_or_default();
                self.handler
                    .apply_putval(p, key, route.fits, now, quota, out)
            }
            _ => self.handler.apply(command, now, quota, out),
        };
        // A Vec never fills up.
        handled.unwrap_or(Handled::Nothing)
    }
}

/// Build an empty handler on the heap without a cache-sized value on this thread's stack.
fn new_handler<'t>() -> Box<ShardHandler<'t>> {
    // A shard's cache is megabytes; an unoptimised build puts the value on
    // the stack before moving it into the box, so do it on a thread whose
    // stack is large enough (untouched stack pages cost nothing).
    let size = std::mem::size_of::<ShardHandler<'static>>();
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
