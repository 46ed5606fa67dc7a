//! LISTVAL streamed in parts, merged in key order from every shard.
//!
//! A LISTVAL promises, in its first line, the entries the store holds when
//! it is answered: each shard notes how many it held then (its first
//! `promised` entries in insertion order). The entries follow in parts
//! ([`Store::continue_listing`]): each shard in turn hands over a few of
//! its promised entries after the last it handed over, under its own lock
//! and in key order, and the listing merges them. Expiry keeps each
//! shard's mark right and keeps promised entries that expire before they
//! were handed over, so exactly the announced count is sent, each key once.

use collie_core::cache::ValueCache;
use collie_core::protocol::reply;
use collie_core::time::Time;

use super::{LISTING_PART, SHARDS, Store, lock};

/// Promised entries one shard hands over per hold of its lock.
const GATHER: usize = 256;

/// What one shard keeps of a listing in progress.
#[derive(Debug)]
pub(super) struct ShardListing {
    /// The first `promised` entries in insertion order were promised.
    promised: u32,
    /// The last key handed over.
    after: Option<Box<[u8]>>,
    /// Promised entries that expired before they were handed over, with their times, in reverse key order.
    expired: Vec<(Box<[u8]>, Time)>,
}

impl ShardListing {
    /// Promise a shard's first `promised` entries.
    pub(super) fn new(promised: usize) -> Self {
        ShardListing {
            promised: u32::try_from(promised).unwrap_or(u32::MAX),
            after: None,
            expired: Vec::new(),
        }
    }

    /// Return the mark that expiry keeps in step.
    pub(super) fn promised(&self) -> u32 {
        self.promised
    }

    /// Note that the entry at `index` in insertion order, `key` at `time`, expires now.
    pub(super) fn expiring(&mut self, index: usize, key: &[u8], time: Time) {
        let unsent = self.after.as_deref().is_none_or(|a| key > a);
        if index < self.promised as usize && unsent {
            self.expired.push((key.into(), time));
        }
    }

    /// Take the mark expiry moved, once it is done.
    pub(super) fn expired(&mut self, mark: u32) {
        self.promised = mark;
        // Kept in reverse key order, so the next to hand over is last.
        self.expired.sort_unstable_by(|a, b| b.0.cmp(&a.0));
    }

    /// Hand at most `most` promised entries after the last handed over to `pending`, in key order.
    fn gather<const N: usize, const K: usize, const B: usize>(
        &mut self,
        cache: &mut ValueCache<N, K, B>,
        most: usize,
        pending: &mut Pending,
    ) {
        let ShardListing {
            promised,
            after,
            expired,
        } = self;
        let mut n = 0;
        let mut stopped = false;
        // Merge the promised entries still cached with those that expired.
        cache.list_after(after.as_deref(), *promised as usize, |key, entry| {
            while let Some((k, time)) = expired.last().filter(|(k, _)| **k < *key) {
                if n == most {
                    stopped = true;
                    return false;
                }
                pending.push(*time, k);
                n += 1;
                expired.pop();
            }
            if n == most {
                stopped = true;
                return false;
            }
            pending.push(entry.time(), key);
            n += 1;
            true
        });
        if !stopped {
            // No promised entry is cached past the last: what is left expired.
            while n < most {
                let Some((key, time)) = expired.pop() else {
                    pending.done = true;
                    break;
                };
                pending.push(time, &key);
                n += 1;
            }
        }
        if let Some(last) = pending.last_key() {
            *after = Some(last.into());
        }
    }
}

/// Entries one shard handed over and the listing has not sent yet: `time`, key length and key, one after another.
#[derive(Debug, Default)]
struct Pending {
    buf: Vec<u8>,
    /// Where the next entry starts.
    pos: usize,
    /// Where the last entry starts.
    last: usize,
    /// The shard has nothing more to hand over.
    done: bool,
}

impl Pending {
    fn push(&mut self, time: Time, key: &[u8]) {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        }
        self.last = self.buf.len();
        self.buf.extend_from_slice(&time.0.to_le_bytes());
        // Keys fit the cache's key capacity, far below 64 KiB.
        self.buf
            .extend_from_slice(&(key.len() as u16).to_le_bytes());
        self.buf.extend_from_slice(key);
    }

    /// Return the next entry not sent.
    fn head(&self) -> Option<(Time, &[u8])> {
        let rest = self.buf.get(self.pos..)?;
        let (time, rest) = rest.split_first_chunk::<8>()?;
        let (len, key) = rest.split_first_chunk::<2>()?;
        let key = key.get(..usize::from(u16::from_le_bytes(*len)))?;
        Some((Time(u64::from_le_bytes(*time)), key))
    }

    /// Drop the entry [`head`](Self::head) returned.
    fn pop(&mut self, key_len: usize) {
        self.pos += 10 + key_len;
    }

    fn last_key(&self) -> Option<&[u8]> {
        let rest = self.buf.get(self.last + 8..)?;
        let (len, key) = rest.split_first_chunk::<2>()?;
        key.get(..usize::from(u16::from_le_bytes(*len)))
    }
}

/// A LISTVAL being streamed: its entries still to send, and what it took of each shard.
///
/// It is the client session's; give it back with [`Store::end_listing`]
/// if the client goes away before the listing is over.
#[derive(Debug)]
pub struct Listing {
    /// Its slot in every shard's listings.
    id: usize,
    /// Lines still to send.
    left: usize,
    pending: Vec<Pending>,
    /// Given back to the shards already.
    over: bool,
}

impl Store<'_> {
    /// Promise every entry the store holds now; write LISTVAL's first line and return the listing of the rest, if any.
    pub(super) fn start_listing(&self, out: &mut Vec<u8>) -> (usize, Option<Listing>) {
        let id = {
            let mut ids = lock(&self.listing_ids);
            match ids.iter().position(|used| !used) {
                Some(i) => {
                    ids[i] = true;
                    i
                }
                None => {
                    ids.push(true);
                    ids.len() - 1
                }
            }
        };
        let mut count = 0;
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            let len = shard.handler.cache().len();
            if shard.listings.len() <= id {
                shard.listings.resize_with(id + 1, || None);
            }
            shard.listings[id] = Some(ShardListing::new(len));
            count += len;
        }
        // A Vec never fills up.
        let _ = reply::write_values_found(out, count);
        let listing = Listing {
            id,
            left: count,
            pending: (0..SHARDS).map(|_| Pending::default()).collect(),
            over: false,
        };
        if count == 0 {
            self.end_listing(listing);
            return (0, None);
        }
        (count, Some(listing))
    }

    /// Append the next part of a streamed LISTVAL to `out`, about [`LISTING_PART`] bytes; return whether more is to come.
    ///
    /// When it returns false the listing is over and given back.
    pub fn continue_listing(&self, listing: &mut Listing, out: &mut Vec<u8>) -> bool {
        if listing.over {
            return false;
        }
        let limit = out.len() + LISTING_PART;
        while out.len() < limit && listing.left > 0 {
            // Every shard with more to hand over must show its next entry before the smallest is known.
            let mut next: Option<(usize, Time, &[u8])> = None;
            for (s, pending) in listing.pending.iter_mut().enumerate() {
                if pending.head().is_none() && !pending.done {
                    let mut shard = lock(&self.shards[s]);
                    let shard = &mut *shard;
                    match shard.listings.get_mut(listing.id) {
                        Some(Some(l)) => l.gather(shard.handler.cache_mut(), GATHER, pending),
                        _ => pending.done = true,
                    }
                }
            }
            for (s, pending) in listing.pending.iter().enumerate() {
                if let Some((time, key)) = pending.head()
                    && next.is_none_or(|(_, _, k)| key < k)
                {
                    next = Some((s, time, key));
                }
            }
            let Some((s, time, key)) = next else {
                // The count says more, which it cannot: end rather than keep a client waiting.
                listing.left = 0;
                break;
            };
            // A Vec never fills up.
            let _ = reply::write_listval_entry(out, time, key);
            let len = key.len();
            listing.pending[s].pop(len);
            listing.left -= 1;
        }
        if listing.left > 0 {
            return true;
        }
        listing.over = true;
        self.release_listing(listing.id);
        false
    }

    /// Forget a streamed LISTVAL, over or cut short because its client went away.
    pub fn end_listing(&self, listing: Listing) {
        if !listing.over {
            self.release_listing(listing.id);
        }
    }

    fn release_listing(&self, id: usize) {
        for shard in self.shards.iter() {
            if let Some(slot) = lock(shard).listings.get_mut(id) {
                *slot = None;
            }
        }
        if let Some(used) = lock(&self.listing_ids).get_mut(id) {
            *used = false;
        }
    }
}
