//! The hash table behind [`ValueCache`](super::ValueCache).
//!
//! # Why not heapless's `IndexMap`
//!
//! The cache used heapless's `FnvIndexMap` until it had to hold 100 000
//! keys: that map stores positions as `u16`, so it tops out at 65 536
//! entries, hashes byte by byte (FNV), and keeps every value in a slot of
//! the largest size. This table keeps what worked — dense storage in
//! insertion order, `const` construction, no allocation, no `unsafe` — with
//! `u32` positions, a word-at-a-time hash and records stored by their length.
//!
//! # Layout
//!
//! - `records`: `N × B` bytes holding each key's record (see [`entry`]:
//!   header, key, values) one after another in insertion order, with no
//!   gaps; a record takes what its key and values need, so short keys leave
//!   room for long ones;
//! - `starts`: where each item's record starts, by its place in insertion
//!   order (which the record also holds), for the change journal and listings;
//! - `slots`: `2 × N` slots of 8 bytes, each `hash << 32 | (start + 1)`
//!   for the record starting at byte `start`, or 0 when free. A key's home
//!   slot is its hash scaled onto the slot
//!   count (`hash × slots >> 32`, so `N` need not be a power of two), and
//!   a lookup walks forward from there (linear probing) until it finds the
//!   key or a free slot. It compares the hash in the slot before looking
//!   at the key bytes, so a lookup reads the record only for the key it
//!   wants, and nothing but its slots and that record.
//!
//! With at most `N` keys in `2 × N` slots the table is never more than half
//! full, so probe sequences stay short even when the cache is full, and a
//! free slot always ends a probe.
//!
//! Probes are also bounded outright: a new key is placed at most
//! [`MAX_PROBE`] slots past its home, or refused ([`Lookup::Crowded`]), and
//! the map remembers the farthest any stored key sits from its home, so a
//! lookup reads at most that many slots more. Under a secret seed random keys
//! never come near the bound (the longest run in a full cache of 100 000 is
//! a few dozen slots); it is what keeps one lookup cheap even if a seed leaked.
//!
//! There is no single-key removal: keys only go by expiry, which visits
//! every entry anyway, so [`Map::retain`] slides the kept records down in
//! place and rebuilds the slots from the hashes stored in them, in one pass.
//! A record whose size changes (its values changed shape) moves the records
//! after it, which happens only when a data set changes.
//!
//! # The hash
//!
//! Keys are hashed with foldhash (its `quality` variant), keyed with a
//! secret seed the caller gives ([`Seed`]): a client that chooses keys but
//! not the seed cannot make them collide or crowd one probe cluster. A
//! cache built with `const fn new` uses foldhash's fixed seed until
//! [`set_seed`](super::ValueCache::set_seed) is called; a server should
//! call it with a random seed before the first key.

use super::changes::GONE;
use super::entry::{self, Entry};

/// The farthest past its home slot a new key is placed; a key that would go farther is refused.
pub(super) const MAX_PROBE: usize = 128;

/// Where a key is, or where it would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lookup {
    /// The key's record starts at byte `start`.
    Found(usize),
    /// The key is absent; it would take slot `slot` with hash `hash`.
    Vacant { slot: usize, hash: u32 },
    /// The key is absent and has no free slot within [`MAX_PROBE`] of its home.
    Crowded,
}

/// Why a record did not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoRoom {
    /// The map holds `N` keys.
    Keys,
    /// The record area has too few bytes left.
    Bytes,
}

/// An insertion-ordered map of at most `N` keys, whose records share `N × B` bytes.
///
/// `repr(C)` puts the record area last, so building a map writes its
/// zeroed fields and leaves the area's memory untouched.
#[repr(C)]
pub(super) struct Map<const N: usize, const B: usize> {
    /// Bytes of `records` in use.
    used: usize,
    len: usize,
    /// The farthest any stored key sits past its home slot.
    longest: u32,
    seed: Seed,
    starts: [u32; N],
    slots: [[u64; 2]; N],
    /// The record area, taken `B` bytes at a time as records need it, so
    /// memory an operating system maps lazily is touched only as keys arrive.
    records: heapless::Vec<[u8; B], N>,
}

/// The secret a [`Map`] hashes its keys with.
pub(super) struct Seed {
    /// `None` until keyed: foldhash's fixed seed. An `Option` keeps a new map all zeros.
    shared: Option<foldhash::SharedSeed>,
    per_map: u64,
}

impl Seed {
    /// foldhash's fixed, public seed.
    pub(super) const FIXED: Seed = Seed {
        shared: None,
        per_map: 0,
    };

    /// A seed derived from the secret `seed`.
    pub(super) fn new(seed: u128) -> Seed {
        Seed {
            shared: Some(foldhash::SharedSeed::from_u64(seed as u64)),
            per_map: (seed >> 64) as u64,
        }
    }

    /// Hash a key to 32 bits.
    #[inline]
    pub(super) fn hash(&self, key: &[u8]) -> u32 {
        use core::hash::Hasher;
        let shared = match &self.shared {
            Some(s) => s,
            None => foldhash::SharedSeed::global_fixed(),
        };
        let mut h = foldhash::quality::FoldHasher::with_seed(self.per_map, shared);
        h.write(key);
        h.write_usize(key.len());
        let h = h.finish();
        (h ^ (h >> 32)) as u32
    }
}

impl<const N: usize, const B: usize> Map<N, B> {
    /// The bytes all records share.
    pub(super) const ROOM: usize = N * B;

    pub(super) const fn new() -> Self {
        const {
            assert!(N >= 1, "a ValueCache holds at least one key");
            assert!(N <= 1 << 31, "a ValueCache holds at most 2^31 keys");
            assert!(
                (N as u64) * (B as u64) < 1 << 32,
                "a ValueCache's records take less than 4 GiB"
            );
        }
        Map {
            used: 0,
            len: 0,
            longest: 0,
            seed: Seed::FIXED,
            starts: [0; N],
            slots: [[0; 2]; N],
            records: heapless::Vec::new(),
        }
    }

    /// Hash keys with `seed` from now on; the map must be empty.
    pub(super) fn set_seed(&mut self, seed: Seed) {
        debug_assert_eq!(
            self.len(),
            0,
            "keys are hashed with the seed they were stored under"
        );
        self.seed = seed;
    }

    pub(super) fn len(&self) -> usize {
        // Never more than N; saying so lets the compiler drop code for
        // longer slices (a small cache sorts its listing by insertion alone).
        self.len.min(N)
    }

    /// Return the bytes of the record area in use.
    pub(super) fn used(&self) -> usize {
        self.used
    }

    pub(super) fn clear(&mut self) {
        self.records.clear();
        self.len = 0;
        self.used = 0;
        self.slots.as_flattened_mut().fill(0);
        self.longest = 0;
    }

    /// Return the record that starts at byte `start`.
    #[inline]
    pub(super) fn record(&self, start: usize) -> &[u8] {
        let rest = self.records.as_slice().as_flattened().get(start..);
        let rest = rest.unwrap_or_default();
        rest.get(..entry::len(rest)).unwrap_or_default()
    }

    /// Return the record that starts at byte `start`, to change in place.
    #[inline]
    pub(super) fn record_mut(&mut self, start: usize) -> &mut [u8] {
        let rest = &mut self.records.as_mut_slice().as_flattened_mut()[start..];
        let len = entry::len(rest);
        &mut rest[..len]
    }

    /// Return the key and entry of the record that starts at byte `start`.
    pub(super) fn at(&self, start: usize) -> (&[u8], Entry<'_>) {
        let rest = self.records.as_slice().as_flattened().get(start..);
        entry::view(rest.unwrap_or_default())
    }

    /// Return the key and entry of item `index`, in insertion order.
    pub(super) fn get(&self, index: usize) -> Option<(&[u8], Entry<'_>)> {
        (index < self.len).then(|| self.at(self.starts[index] as usize))
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&[u8], Entry<'_>)> + '_ {
        (0..self.len).filter_map(|i| self.get(i))
    }

    pub(super) fn entries(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.iter().map(|(_, entry)| entry)
    }

    /// Return where the record of `key` starts, if present.
    #[inline]
    pub(super) fn find(&self, key: &[u8]) -> Option<usize> {
        match self.lookup(key) {
            Lookup::Found(start) => Some(start),
            Lookup::Vacant { .. } | Lookup::Crowded => None,
        }
    }

    /// Find `key`, or the slot it would take.
    #[inline]
    pub(super) fn lookup(&self, key: &[u8]) -> Lookup {
        self.lookup_hashed(key, self.seed.hash(key))
    }

    /// Find `key` as if its hash were `hash`.
    ///
    /// No stored key sits more than `longest` slots past its home, so the
    /// walk ends there for a key that is absent (or at the bound for a new one).
    #[inline]
    fn lookup_hashed(&self, key: &[u8], hash: u32) -> Lookup {
        let slots = self.slots.as_flattened();
        let records = self.records.as_slice().as_flattened();
        let mut slot = home(hash, slots.len());
        let last = MAX_PROBE.max(self.longest as usize);
        for distance in 0..=last {
            let s = slots[slot];
            if s == 0 {
                return Lookup::Vacant { slot, hash };
            }
            if distance <= self.longest as usize && (s >> 32) as u32 == hash {
                let start = (s as u32 - 1) as usize;
                if entry::key(records.get(start..).unwrap_or_default()) == key {
                    return Lookup::Found(start);
                }
            }
            slot = next(slot, slots.len());
        }
        Lookup::Crowded
    }

    /// Return whether a new record of `len` bytes fits.
    pub(super) fn has_room(&self, len: usize) -> Result<(), NoRoom> {
        if self.len >= N {
            Err(NoRoom::Keys)
        } else if len > Self::ROOM - self.used {
            Err(NoRoom::Bytes)
        } else {
            Ok(())
        }
    }

    /// Return whether the record at `start` can become `len` bytes long.
    pub(super) fn has_room_to_resize(&self, start: usize, len: usize) -> Result<(), NoRoom> {
        let old = self.record(start).len();
        if len.saturating_sub(old) > Self::ROOM - self.used {
            Err(NoRoom::Bytes)
        } else {
            Ok(())
        }
    }

    /// Add a record of `len` bytes for a key [`lookup`](Self::lookup) found `Vacant`, written by `write`, and return where it starts.
    ///
    /// Call it only after [`has_room`](Self::has_room) said there is room
    /// for `len` bytes. `write` gets the record's bytes, the key's hash and
    /// the record's place in insertion order; it must write a record of
    /// exactly `len` bytes.
    pub(super) fn insert(
        &mut self,
        vacant: Lookup,
        len: usize,
        write: impl FnOnce(&mut [u8], u32, usize),
    ) -> usize {
        let Lookup::Vacant { slot, hash } = vacant else {
            unreachable!("insert takes a vacant lookup");
        };
        debug_assert_eq!(self.has_room(len), Ok(()));
        self.reserve(self.used + len);
        let slot_count = self.slots.as_flattened().len();
        let index = self.len;
        let start = self.used;
        let record = &mut self.records.as_mut_slice().as_flattened_mut()[start..start + len];
        write(record, hash, index);
        debug_assert_eq!(entry::len(record), len);
        // Fits u32: the record area is under 4 GiB.
        self.starts[index] = start as u32;
        self.used += len;
        self.len += 1;
        self.slots.as_flattened_mut()[slot] = slot_value(hash, start);
        self.longest = self.longest.max(distance(hash, slot, slot_count));
        start
    }

    /// Make the record at `start` `len` bytes long, moving the records after it, and return it.
    ///
    /// The record's first bytes are kept as far as they fit; the caller
    /// writes it whole again. Moving records rewrites the hash slots of
    /// those after it, which is why this is only for values that changed shape.
    #[cold]
    #[inline(never)]
    pub(super) fn resize(&mut self, start: usize, len: usize) -> Result<&mut [u8], NoRoom> {
        self.has_room_to_resize(start, len)?;
        let record = self.record(start);
        let (index, old) = (entry::index(record), record.len());
        let (end, new_end) = (start + old, start + len);
        self.reserve(self.used + len.saturating_sub(old));
        if new_end != end {
            self.records
                .as_mut_slice()
                .as_flattened_mut()
                .copy_within(end..self.used, new_end);
            for at in &mut self.starts[index + 1..self.len] {
                *at = (*at as usize + new_end - end) as u32;
            }
            // The slots of the records that moved point past this one's start.
            for slot in self.slots.as_flattened_mut() {
                let at = (*slot as u32 as usize).wrapping_sub(1);
                if *slot != 0 && at > start {
                    let moved = at + new_end - end;
                    *slot = slot_value((*slot >> 32) as u32, moved);
                }
            }
            self.used = self.used + len - old;
        }
        Ok(&mut self.records.as_mut_slice().as_flattened_mut()[start..new_end])
    }

    /// Keep the items `keep` accepts (it sees each index, key and entry), in order, and renumber to match.
    ///
    /// `order` holds one index per item; indices of removed items are
    /// dropped from it and the rest are renumbered, keeping their order.
    /// `journal` indices are renumbered in place, removed ones become
    /// [`GONE`]. Each of `marks`, a position in insertion order, becomes the
    /// number of kept items before it. Return how many of the first `sorted`
    /// indices of `order` remain.
    pub(super) fn retain(
        &mut self,
        mut keep: impl FnMut(usize, &[u8], Entry<'_>) -> bool,
        order: &mut [u32],
        sorted: usize,
        journal: &mut [u32],
        marks: &mut [u32],
    ) -> usize {
        let len = self.len;
        debug_assert_eq!(order.len(), len);
        // The slots are rebuilt below; until then they map old indices to new index + 1, or 0.
        let mut kept = 0;
        let mut to = 0;
        for i in 0..len {
            let start = self.starts[i] as usize;
            let rest = &self.records.as_slice().as_flattened()[start..];
            let record = &rest[..entry::len(rest)];
            let size = record.len();
            let slots = self.slots.as_flattened_mut();
            if keep(i, entry::key(record), Entry::new(record)) {
                let records = self.records.as_mut_slice().as_flattened_mut();
                records.copy_within(start..start + size, to);
                entry::set_index(&mut records[to..], kept);
                self.starts[kept] = to as u32;
                to += size;
                kept += 1;
                slots[i] = kept as u64;
            } else {
                slots[i] = 0;
            }
        }
        self.len = kept;
        self.used = to;
        let slots = self.slots.as_flattened_mut();
        for mark in marks.iter_mut() {
            // The kept item nearest below the mark says how many were kept before it.
            let below = (*mark as usize).min(len);
            *mark = slots[..below]
                .iter()
                .rev()
                .find(|&&s| s != 0)
                .map_or(0, |&s| s as u32);
        }

        let (mut listed, mut still_sorted) = (0, 0);
        for at in 0..len {
            let renumbered = slots[order[at] as usize];
            if renumbered != 0 {
                order[listed] = (renumbered - 1) as u32;
                listed += 1;
                still_sorted += usize::from(at < sorted);
            }
        }
        debug_assert_eq!(listed, kept);
        for j in journal.iter_mut() {
            if let Some(&renumbered) = slots.get(*j as usize).filter(|_| (*j as usize) < len) {
                *j = if renumbered == 0 {
                    GONE
                } else {
                    (renumbered - 1) as u32
                };
            }
        }

        self.rebuild_slots();
        still_sorted
    }

    /// Take chunks of the record area until its first `bytes` are there (at most [`ROOM`](Self::ROOM)).
    fn reserve(&mut self, bytes: usize) {
        while self.records.len() * B < bytes && self.records.push([0; B]).is_ok() {}
    }

    /// Place every record in the hash slots again, from the hashes they hold.
    #[inline(never)]
    fn rebuild_slots(&mut self) {
        let slots = self.slots.as_flattened_mut();
        let records = self.records.as_slice().as_flattened();
        slots.fill(0);
        // Re-placed in a new order a key may land farther from home than
        // before, even past MAX_PROBE; it must stay, and `longest` says so.
        let mut longest = 0;
        for &start in &self.starts[..self.len] {
            let hash = entry::hash(&records[start as usize..]);
            let mut slot = home(hash, slots.len());
            while slots[slot] != 0 {
                slot = next(slot, slots.len());
            }
            slots[slot] = slot_value(hash, start as usize);
            longest = longest.max(distance(hash, slot, slots.len()));
        }
        self.longest = longest;
    }
}

/// The slot a hash starts probing at: the hash scaled onto `0..slots`.
#[inline]
fn home(hash: u32, slots: usize) -> usize {
    ((u64::from(hash) * slots as u64) >> 32) as usize
}

/// How many slots past its home `slot` is, for a key of `hash`.
fn distance(hash: u32, slot: usize, slots: usize) -> u32 {
    ((slot + slots - home(hash, slots)) % slots) as u32
}

#[inline]
fn next(slot: usize, slots: usize) -> usize {
    if slot + 1 == slots { 0 } else { slot + 1 }
}

#[inline]
fn slot_value(hash: u32, start: usize) -> u64 {
    (u64::from(hash) << 32) | (start as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::BUILTIN;
    use crate::time::Time;
    use crate::value::Value;
    use std::collections::BTreeSet;
    use std::vec::Vec;

    /// Insert `key` with a gauge of `v` at the place `vacant` names.
    fn put<const N: usize, const B: usize>(
        map: &mut Map<N, B>,
        vacant: Lookup,
        key: &[u8],
        v: f64,
    ) -> Result<usize, NoRoom> {
        let gauge = BUILTIN.find(b"gauge").unwrap();
        let t = Time::from_secs(1);
        let len = entry::record_len(1, key.len());
        map.has_room(len)?;
        let incoming = entry::Incoming {
            data_set: gauge,
            time: t,
            interval: t,
            values: &[Value::Gauge(v)],
            now: t,
            origin: crate::cache::Origin::PROTOCOL,
        };
        let start = map.insert(vacant, len, |record, hash, index| {
            entry::write_first(record, &incoming, hash, key, index)
        });
        Ok(entry::index(map.record(start)))
    }

    /// Return the place in insertion order of the key `lookup` found.
    fn index_of<const N: usize, const B: usize>(map: &Map<N, B>, lookup: Lookup) -> Option<usize> {
        match lookup {
            Lookup::Found(start) => Some(entry::index(map.record(start))),
            _ => None,
        }
    }

    fn add<const N: usize, const B: usize>(map: &mut Map<N, B>, key: &[u8], hash: u32) -> usize {
        let vacant = map.lookup_hashed(key, hash);
        assert!(matches!(vacant, Lookup::Vacant { .. }), "{key:?} is new");
        put(map, vacant, key, map.len() as f64).unwrap()
    }

    #[test]
    fn colliding_hashes_are_told_apart_by_key() {
        // Every key gets the same hash, which starts probing at the last slot and wraps.
        let mut map: Map<5, 80> = Map::new();
        let keys: [&[u8]; 5] = [b"a", b"b", b"ab", b"", b"abcdefgh"];
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(add(&mut map, key, u32::MAX), i);
        }
        for (i, key) in keys.iter().enumerate() {
            assert_eq!(index_of(&map, map.lookup_hashed(key, u32::MAX)), Some(i));
            assert!(matches!(
                map.lookup_hashed(key, 7),
                Lookup::Vacant { hash: 7, .. }
            ));
        }
        assert!(matches!(
            map.lookup_hashed(b"c", u32::MAX),
            Lookup::Vacant { .. }
        ));
        // Full: the entry comes back.
        let vacant = map.lookup(b"zz");
        assert_eq!(put(&mut map, vacant, b"zz", 9.0), Err(NoRoom::Keys));
        assert_eq!(map.len(), 5);
    }

    #[test]
    fn retain_compacts_renumbers_and_rehashes() {
        let mut map: Map<7, 80> = Map::new();
        let key = |i: u32| std::format!("k{i}").into_bytes();
        for i in 0..7 {
            let k = key(i);
            let vacant = map.lookup(&k);
            assert_eq!(put(&mut map, vacant, &k, i.into()), Ok(i as usize));
        }
        // Listed as 6, 5, … 0 with the first four sorted.
        let mut order: Vec<u32> = (0..7).rev().collect();
        let gone = [1, 4, 6];
        let mut journal = [0, 1, 4, 6, GONE];
        let mut marks = [0, 2, 5, 7, 9];
        let sorted = map.retain(
            |_, k, _| !gone.iter().any(|&g| key(g) == k),
            &mut order,
            4,
            &mut journal,
            &mut marks,
        );
        // The journal follows the renumbering; removed entries are gone.
        assert_eq!(journal, [0, GONE, GONE, GONE, GONE]);
        // Of 0 2 3 5 kept, none is before 0, one before 2, three before 5, all before 7.
        assert_eq!(marks, [0, 1, 3, 4, 4]);
        assert_eq!(map.len(), 4);
        // 6 and 4 were among the first four.
        assert_eq!(sorted, 2);
        let listed: Vec<Vec<u8>> = order[..4]
            .iter()
            .map(|&i| map.get(i as usize).unwrap().0.to_vec())
            .collect();
        assert_eq!(listed, [key(5), key(3), key(2), key(0)]);
        for i in 0..7 {
            let found = map.find(&key(i)).map(|at| map.at(at).0.to_vec());
            assert_eq!(found, (!gone.contains(&i)).then(|| key(i)));
        }
        let kept: Vec<Vec<u8>> = map.iter().map(|(k, _)| k.to_vec()).collect();
        assert_eq!(kept, [key(0), key(2), key(3), key(5)]);
        // Room again, and cleared means empty.
        let k = key(9);
        let vacant = map.lookup(&k);
        assert_eq!(put(&mut map, vacant, &k, 9.0), Ok(4));
        map.clear();
        assert_eq!(map.len(), 0);
        assert_eq!(map.find(&k), None);
    }

    fn hash(key: &[u8]) -> u32 {
        Seed::FIXED.hash(key)
    }

    #[test]
    fn hash_covers_every_byte_and_the_length() {
        let mut seen = BTreeSet::new();
        let base = b"host-017/df-var-lib-docker/df_complex-reserved".to_vec();
        for len in 0..=base.len() {
            assert!(seen.insert(hash(&base[..len])), "prefix of {len} bytes");
        }
        for at in 0..base.len() {
            for bit in 0..8 {
                let mut key = base.clone();
                key[at] ^= 1 << bit;
                assert!(seen.insert(hash(&key)), "bit {bit} of byte {at}");
            }
        }
        assert_ne!(hash(b""), hash(b"\0"));
        assert_ne!(hash(b"\0"), hash(b"\0\0"));
    }

    #[test]
    fn hash_spreads_realistic_keys() {
        // 100 000 similar keys over 200 000 slots: about as many distinct
        // home slots as a random function gives (1 − e^−½ of the slots).
        let slots = 200_000;
        let mut homes = std::vec![false; slots];
        let mut tags = BTreeSet::new();
        for i in 0..100_000u32 {
            let key = std::format!("host-{:03}/cpu-{}/cpu-{}", i / 64, i % 64 / 4, i % 4);
            let h = hash(key.as_bytes());
            homes[home(h, slots)] = true;
            tags.insert(h);
        }
        let used = homes.iter().filter(|&&u| u).count();
        assert!((77_000..80_400).contains(&used), "{used} home slots");
        assert!(tags.len() >= 99_990, "{} distinct hashes", tags.len());
    }

    #[test]
    fn keys_crowded_under_one_seed_spread_under_another() {
        // Search, as an attacker who knows the seed would, for keys whose
        // home slots all fall into the first 16 of 2048 slots.
        const SLOTS: usize = 2048;
        let known = Seed::new(7);
        let crowded: Vec<Vec<u8>> = (0u32..)
            .map(|i| std::format!("h/p/gauge-{i:08x}").into_bytes())
            .filter(|k| home(known.hash(k), SLOTS) < 16)
            .take(200)
            .collect();
        // The longest probe run a key was placed at, and how many were refused.
        let probes = |seed: &Seed| {
            let mut map: Box<Map<1024, 80>> = Box::new(Map::new());
            map.set_seed(Seed {
                shared: seed.shared.clone(),
                per_map: seed.per_map,
            });
            let mut refused = 0;
            for k in &crowded {
                match map.lookup(k) {
                    Lookup::Crowded => refused += 1,
                    vacant => {
                        put(&mut map, vacant, k, 0.0).unwrap();
                    }
                }
            }
            // Every stored key is still found, however far it sits.
            assert!(
                crowded
                    .iter()
                    .all(|k| map.find(k).is_some() || map.lookup(k) == Lookup::Crowded)
            );
            (map.longest as usize, refused)
        };
        // With the seed they were made for, the keys form one long probe
        // run, which stops at the bound: the rest are refused…
        let (longest, refused) = probes(&known);
        assert_eq!(longest, MAX_PROBE, "the run is cut at the bound");
        assert!(refused >= 200 - MAX_PROBE - 16, "{refused} refused");
        // …and a seed the attacker does not know spreads them as random keys.
        let other = Seed::new(0x5eed_5eed_5eed_5eed_0123_4567_89ab_cdef);
        let (longest, refused) = probes(&other);
        assert!(
            longest <= 8 && refused == 0,
            "{longest} slots probed, {refused} refused"
        );
        let homes: BTreeSet<usize> = crowded
            .iter()
            .map(|k| home(other.hash(k), SLOTS) / 16)
            .collect();
        assert!(homes.len() >= 80, "{} of 128 regions", homes.len());
    }

    #[test]
    fn a_rebuild_keeps_keys_placed_past_the_bound_findable() {
        // 300 keys of one hash: 129 fit the bound, the rest are refused;
        // after expiry renumbers them, every survivor is found again.
        let mut map: Box<Map<512, 80>> = Box::new(Map::new());
        let key = |i: u32| std::format!("k{i}").into_bytes();
        let mut stored = Vec::new();
        for i in 0..300 {
            let k = key(i);
            match map.lookup_hashed(&k, 12345) {
                Lookup::Crowded => {}
                vacant => {
                    put(&mut map, vacant, &k, 0.0).unwrap();
                    stored.push(i);
                }
            }
        }
        assert_eq!(stored.len(), MAX_PROBE + 1);
        let mut order: Vec<u32> = (0..map.len() as u32).collect();
        map.retain(|_, k, _| k != key(0), &mut order, 0, &mut [], &mut []);
        for &i in &stored[1..] {
            assert!(map.lookup_hashed(&key(i), 12345) != Lookup::Crowded);
        }
        assert_eq!(map.longest as usize, MAX_PROBE - 1);
    }

    #[test]
    fn the_old_unkeyed_collisions_are_told_apart() {
        // One 32-bit hash for every i under the hash collie used before: a
        // block starting with its multiplier constant zeroed the state.
        let keys: Vec<Vec<u8>> = (0..64u32)
            .map(|i| {
                let mut k = b"h/p/gauge-AAAAAA".to_vec();
                k.extend_from_slice(&[0xdb, 0x28, 0xb4, 0xa0, 0xd1, 0x7e, 0x03, 0xe7]);
                k.extend_from_slice(std::format!("{i:08x}").as_bytes());
                k.extend_from_slice(&[b'B'; 16]);
                k
            })
            .collect();
        let seed = Seed::new(42);
        let hashes: BTreeSet<u32> = keys.iter().map(|k| seed.hash(k)).collect();
        assert_eq!(hashes.len(), keys.len());
    }
}
