//! The change journal: which entries changed since a reader last looked.
//!
//! Every update notes its entry's index in a ring of `N` slots, unless the
//! entry is already noted at a position no reader has reached yet; so
//! between two reads of the furthest reader each entry is noted at most
//! once, and a ring of `N` slots is enough for every reader that keeps up
//! with it. Each reader holds a [`Cursor`]: [`ValueCache::changes`]
//! hands it the entries noted since its last read, or every entry when it
//! fell a whole ring behind (or has never read). Expiry renumbers entries
//! and renumbers the ring with them; removed entries are not reported
//! here (the caller sees them in [`ValueCache::expire`]'s callback).
//!
//! A reader may see an entry twice in one read (noted again after a faster
//! reader passed it); it reads the entry as it is now both times.
//!
//! [`ValueCache::changes`]: super::ValueCache::changes
//! [`ValueCache::expire`]: super::ValueCache::expire

use super::Entry;
use super::entry;
use super::table::Map;

/// A ring slot that no longer names an entry (it expired).
pub(super) const GONE: u32 = u32::MAX;

/// The ring of changed entry indices.
pub(super) struct Journal<const N: usize> {
    ring: [u32; N],
    /// Notes written so far; the next goes to `head % N`.
    head: u64,
    /// The furthest position any reader has read to.
    read: u64,
}

impl<const N: usize> Journal<N> {
    pub(super) const fn new() -> Self {
        Journal {
            ring: [0; N],
            head: 0,
            read: 0,
        }
    }

    pub(super) fn clear(&mut self) {
        // Past every mark: readers resynchronise with a whole scan.
        self.head = self.head.saturating_add(N as u64 + 1);
        self.read = self.head;
        self.ring.fill(GONE);
    }

    /// Note that entry `index` changed, unless it is noted where no reader has been yet.
    #[inline]
    pub(super) fn note(&mut self, index: usize, record: &mut [u8]) {
        if entry::mark(record) > self.read {
            return;
        }
        self.ring[(self.head % N as u64) as usize] = index as u32;
        self.head += 1;
        entry::set_mark(record, self.head);
    }

    /// Return the ring, for expiry to renumber.
    pub(super) fn ring_mut(&mut self) -> &mut [u32] {
        &mut self.ring
    }
}

/// Where one reader of [`ValueCache::changes`](super::ValueCache::changes) is in the journal.
///
/// A new cursor's first read sees every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    /// Journal position read to, plus one; 0 for a cursor that never read.
    next: u64,
}

impl Cursor {
    /// A cursor whose first read sees every entry.
    pub const NEW: Cursor = Cursor { next: 0 };
}

/// The entries changed since a cursor's last read; see [`ValueCache::changes`](super::ValueCache::changes).
pub struct Changes<'c, const N: usize, const B: usize> {
    map: &'c Map<N, B>,
    ring: &'c [u32; N],
    /// The next position to read, up to `end`; for a whole scan, the next entry index.
    at: u64,
    end: u64,
    whole: bool,
    /// Whether the read stopped before the journal's head.
    cut: bool,
}

impl<'c, const N: usize, const B: usize> Changes<'c, N, B> {
    /// Read from `cursor` towards the journal's head, at most `most` notes of it, and move the cursor as far.
    ///
    /// A whole scan is never cut short.
    pub(super) fn read(
        map: &'c Map<N, B>,
        journal: &'c mut Journal<N>,
        cursor: &mut Cursor,
        most: u64,
    ) -> Self {
        let head = journal.head;
        let from = cursor.next.saturating_sub(1);
        let whole = cursor.next == 0 || head - from.min(head) > N as u64 || from > head;
        let to = if whole {
            head
        } else {
            head.min(from.saturating_add(most))
        };
        // Entries noted after `to` keep marks past `read`, so they stay noted where this reader will look next.
        journal.read = journal.read.max(to);
        cursor.next = to + 1;
        let (at, end) = if whole {
            (0, map.len() as u64)
        } else {
            (from, to)
        };
        Changes {
            map,
            ring: &journal.ring,
            at,
            end,
            whole,
            cut: to < head,
        }
    }

    /// Return whether notes are left past this read, for the next one (a read of bounded size stopped short).
    pub fn is_cut(&self) -> bool {
        !self.whole && self.cut
    }

    /// Return whether this read lists every entry (a new cursor, or one that fell a ring behind).
    ///
    /// A reader that keeps state per entry should then forget what it did
    /// not see: those entries expired meanwhile.
    pub fn is_whole(&self) -> bool {
        self.whole
    }
}

impl<'c, const N: usize, const B: usize> Iterator for Changes<'c, N, B> {
    type Item = (&'c [u8], Entry<'c>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.at < self.end {
            let at = self.at;
            self.at += 1;
            let index = if self.whole {
                at as usize
            } else {
                let i = self.ring[(at % N as u64) as usize];
                if i == GONE {
                    continue;
                }
                i as usize
            };
            if let Some(item) = self.map.get(index) {
                return Some(item);
            }
        }
        None
    }
}
