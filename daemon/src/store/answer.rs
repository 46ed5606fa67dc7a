//! Answering protocol lines from the shards: each command under the lock of the one shard it names.

use collie_core::Handled;
use collie_core::cache::DEFAULT_KEY_CAPACITY;
use collie_core::protocol::{self, Command, Error, Frame, Scratch, reply};
use collie_core::time::Time;

use super::listing::Listing;
use std::sync::MutexGuard;

use super::shard::{Route, Shard};
use super::{Store, lock};

impl<'t> Store<'t> {
    /// Answer one frame at local time `now`, appending the reply to `out`; a LISTVAL also returns its listing.
    ///
    /// The line is parsed before any lock is taken, then applied under the
    /// lock of the shard its identifier is in. LISTVAL writes only its
    /// first line: the entries follow through
    /// [`continue_listing`](Self::continue_listing).
    pub fn answer<'a>(
        &self,
        frame: Frame<'a>,
        scratch: &'a mut Scratch,
        now: Time,
        out: &mut Vec<u8>,
    ) -> (Handled<'a>, Option<Listing>)
    where
        't: 'a,
    {
        let line = match frame {
            Frame::Line(line) => line,
            Frame::TooLong => return (self.fail(&Error::LineTooLong, out), None),
        };
        match protocol::parse(line, scratch, self.types) {
            Ok(None) => (Handled::Nothing, None),
            Ok(Some(Command::Listval)) => {
                self.listvals
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let (count, listing) = self.start_listing(out);
                (Handled::Listval(count), listing)
            }
            Ok(Some(command)) => (self.apply(&command, now, out), None),
            Err(e) => (self.fail(&e, out), None),
        }
    }

    /// Answer one line as [`answer`](Self::answer) does and send a LISTVAL's entries at once: for tests and tools.
    pub fn answer_whole(&self, line: &[u8], now: Time, out: &mut Vec<u8>) {
        let mut scratch = Scratch::new();
        if let (_, Some(mut listing)) = self.answer(Frame::Line(line), &mut scratch, now, out) {
            while self.continue_listing(&mut listing, out) {}
        }
    }

    /// Apply a command parsed against [`types`](Self::types) (not LISTVAL) under its shard's lock.
    fn apply<'a>(&self, command: &Command<'a>, now: Time, out: &mut Vec<u8>) -> Handled<'a> {
        // One byte more than the cache holds, so a key too long is seen as such.
        let mut key = heapless::Vec::<u8, { DEFAULT_KEY_CAPACITY + 1 }>::new();
        let route = self.router.route(command, &mut key);
        let mut quota = self.admission();
        let mut shard = lock(&self.shards[route.shard]);
        shard.apply(command, &route, &key, now, &mut quota, out)
    }

    /// Reply to a line that did not parse, and count it.
    fn fail<'a>(&self, error: &Error<'_>, out: &mut Vec<u8>) -> Handled<'a> {
        self.errors
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // A Vec never fills up.
        let _ = reply::write_error(out, error);
        let failure = match error {
            Error::LineTooLong => collie_core::handler::Failure::TooLong,
            _ => collie_core::handler::Failure::Parse,
        };
        Handled::Failed(failure)
    }

    /// Return where a command parsed against [`types`](Self::types) goes, appending a PUTVAL's key to `keys`: to route a batch before any lock is taken.
    #[inline]
    pub fn route(&self, command: &Command<'_>, keys: &mut Vec<u8>) -> Route {
        self.router.route(command, keys)
    }

    /// Apply routed commands (not LISTVAL) with the `keys` their routes point into, each at its time, appending their replies to `out` in order.
    ///
    /// They are applied in order, as one client sent them, and a shard's
    /// lock is held across a run of commands in that shard: after the
    /// batch's parsing and routing, only the store and the replies are done
    /// under a lock.
    pub fn apply_batch(
        &self,
        batch: &[(Command<'_>, Time, Route)],
        keys: &[u8],
        out: &mut Vec<u8>,
    ) {
        let mut held: Option<(usize, MutexGuard<'_, Shard<'t>>)> = None;
        for (command, now, route) in batch {
            let shard = match &mut held {
                Some((at, shard)) if *at == route.shard => shard,
                _ => {
                    // The previous shard's lock goes before the next is taken.
                    held = None;
                    &mut held
                        .insert((route.shard, lock(&self.shards[route.shard])))
                        .1
                }
            };
            let mut quota = self.admission();
            shard.apply(command, route, keys, *now, &mut quota, out);
        }
    }
}
