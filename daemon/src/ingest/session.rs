//! Feeding a byte stream of protocol lines to the store.
//!
//! A [`Session`] is what one client connection (or one collector, or one
//! Exec program) has: a line framer, a scratch buffer and the replies
//! not yet sent. [`Session::feed`] answers every complete line of its
//! input, parsing with no lock held and storing under the lock of each
//! line's shard, and appends the replies, stopping early once they exceed
//! [`REPLY_LIMIT`] so that the caller can write them out before going on.
//! A LISTVAL stops it too: its entries follow in parts
//! ([`Session::continue_listing`]), each gathered from the shards and
//! written out before the next, so no reply is ever built whole.

use collie_core::Handled;
use collie_core::protocol::{self, Command, Frame, LineFramer, Scratch, Severity};
use collie_core::time::Time;

use crate::store::{Listing, Route, Store};

/// Replies gathered before the caller should write them out.
pub const REPLY_LIMIT: usize = 64 * 1024;

/// Common PUTVALs parsed, with no lock held, before [`Store::apply_batch`] applies them.
pub const BATCH: usize = 64;

/// Framing and reply state of one stream of protocol lines.
pub struct Session {
    framer: LineFramer,
    answers: Answers,
    /// The keys of a batch's PUTVALs, built as they are routed.
    keys: Vec<u8>,
    /// Replies not yet written, in order.
    pub replies: Vec<u8>,
}

/// What answering a line needs besides the line: scratch space, and what to do once the lines are answered.
#[derive(Default)]
struct Answers {
    scratch: Scratch,
    /// Notification lines to log once the lines are answered.
    notes: Vec<String>,
    /// A FLUSH was answered since the last [`Session::after_unlock`].
    flush: bool,
    /// Answer only PUTVAL and PUTNOTIF, as collectd's Exec plugin does.
    put_only: bool,
    /// The time given to the last line; the next gets a later one.
    last_now: Time,
    /// The LISTVAL whose entries are still to be sent; no line is answered until it is done.
    listing: Option<Listing>,
    /// Lines (frames) answered so far.
    lines: u64,
}

impl Answers {
    /// Return the local time for the next line: `clock`, and always after the previous line's.
    ///
    /// `N` in a PUTVAL means this time, so pipelined lines for one identifier
    /// each get their own, increasing, as collectd resolves `N` per line.
    /// The clock is read once for all the lines of one read, which arrived
    /// together; the lines after the first are each one tick (2^-30 s) later.
    fn now(&mut self, clock: Time) -> Time {
        let now = clock.max(self.last_now.saturating_add(Time(1)));
        self.last_now = now;
        now
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// Start a stream.
    pub fn new() -> Self {
        Session {
            framer: LineFramer::new(),
            answers: Answers::default(),
            keys: Vec::new(),
            replies: Vec::new(),
        }
    }

    /// Start a stream from an Exec program: only PUTVAL and PUTNOTIF lines are answered.
    ///
    /// Any other line (comments included, as in collectd) gets an error
    /// reply `-1 Unable to parse command, ignoring line: "…"`.
    pub fn put_only() -> Self {
        let mut session = Session::new();
        session.answers.put_only = true;
        session
    }

    /// Answer the complete lines at the start of `input`, each at the wall clock; return how many bytes were used.
    ///
    /// Uses all of `input` unless the replies grew past [`REPLY_LIMIT`].
    /// Runs of common PUTVALs (up to [`BATCH`]) are parsed before any lock
    /// is taken, then applied in order, each under its shard's lock; every
    /// other line is parsed, then answered under its shard's lock.
    /// Replies keep the order of the lines. Call
    /// [`after_unlock`](Self::after_unlock) afterwards.
    pub fn feed(&mut self, store: &Store<'_>, input: &[u8]) -> usize {
        let clock = crate::store::now();
        let types = store.types();
        let mut used = 0;
        while used < input.len() && self.replies.len() < REPLY_LIMIT && !self.is_listing() {
            let mut batch = heapless::Vec::<(Command<'_>, Time, Route), BATCH>::new();
            self.keys.clear();
            while !batch.is_full() {
                let Some((n, Frame::Line(line))) = self.framer.push_whole(&input[used..]) else {
                    break;
                };
                let Some(command) = protocol::parse_quick(line, types) else {
                    break;
                };
                used += n;
                let now = self.answers.now(clock);
                let route = store.route(&command, &mut self.keys);
                // The loop stops before the batch is full.
                let _ = batch.push((command, now, route));
            }
            self.answers.lines += batch.len() as u64;
            store.apply_batch(&batch, &self.keys, &mut self.replies);
            // The line that ended the batch, if any.
            if used < input.len() && self.replies.len() < REPLY_LIMIT {
                let (n, frame) = self.framer.push(&input[used..]);
                used += n;
                if let Some(frame) = frame {
                    let now = self.answers.now(clock);
                    self.answers.answer(store, frame, now, &mut self.replies);
                }
            }
        }
        used
    }

    /// Answer an unterminated last line at end of input, as collectd does.
    pub fn finish(&mut self, store: &Store<'_>) {
        if let Some(frame) = self.framer.finish() {
            let now = self.answers.now(crate::store::now());
            self.answers.answer(store, frame, now, &mut self.replies);
        }
    }

    /// Return whether a LISTVAL's entries are still to be sent.
    pub fn is_listing(&self) -> bool {
        self.answers.listing.is_some()
    }

    /// Append the next part of the LISTVAL being sent to the replies; return whether more is to come.
    pub fn continue_listing(&mut self, store: &Store<'_>) -> bool {
        let Some(listing) = &mut self.answers.listing else {
            return false;
        };
        let more = store.continue_listing(listing, &mut self.replies);
        if !more {
            self.answers.listing = None;
        }
        more
    }

    /// Let go of what the store keeps for this stream (a LISTVAL cut short); call when it ends.
    pub fn end(&mut self, store: &Store<'_>) {
        if let Some(listing) = self.answers.listing.take() {
            store.end_listing(listing);
        }
    }

    /// Return how many lines were answered so far.
    pub fn lines(&self) -> u64 {
        self.answers.lines
    }

    /// Return whether part of a line has arrived and its end has not.
    pub fn in_line(&self) -> bool {
        self.framer.in_line()
    }

    /// Log notifications and pass FLUSH on to the outputs; call without the store's lock.
    pub fn after_unlock(&mut self, store: &Store<'_>) {
        for note in self.answers.notes.drain(..) {
            store.log_limit().log("INFO", || note);
        }
        if std::mem::take(&mut self.answers.flush) {
            store.wakeup().flush();
        }
    }

    /// Answer every line of `input` (and an unterminated last one), logging each error reply as `source: …`.
    ///
    /// For inputs nobody reads replies from: collectors and Exec programs.
    pub fn feed_all(&mut self, store: &Store<'_>, source: &str, mut input: &[u8], end: bool) {
        while !input.is_empty() {
            let used = self.feed(store, input);
            input = &input[used..];
            self.after_unlock(store);
            self.log_errors(store, source);
            while self.continue_listing(store) {
                self.replies.clear();
            }
            self.replies.clear();
        }
        if end {
            self.finish(store);
            self.after_unlock(store);
            self.log_errors(store, source);
            while self.continue_listing(store) {
                self.replies.clear();
            }
            self.replies.clear();
        }
    }

    /// Log the error replies as `source: …` and forget every reply.
    fn log_errors(&mut self, store: &Store<'_>, source: &str) {
        for line in self.replies.split(|&b| b == b'\n') {
            if line.starts_with(b"-") {
                store.log_limit().log("ERROR", || {
                    format!("{source}: {}", String::from_utf8_lossy(line))
                });
            }
        }
        self.replies.clear();
    }
}

impl Answers {
    /// Answer one frame into `replies`, noting side effects for later.
    fn answer(&mut self, store: &Store<'_>, frame: Frame<'_>, now: Time, replies: &mut Vec<u8>) {
        self.lines += 1;
        if self.put_only && refuse(frame, replies) {
            return;
        }
        let counters = store.counters();
        let (handled, listing) = store.answer(frame, &mut self.scratch, now, replies);
        if listing.is_some() {
            self.listing = listing;
        }
        match handled {
            Handled::Putnotif(n) => {
                counters.notification(n.severity());
                self.notes.push(notification_line(
                    n.severity(),
                    n.time(),
                    [
                        n.host(),
                        n.plugin(),
                        n.plugin_instance(),
                        n.type_(),
                        n.type_instance(),
                    ],
                    n.message(),
                ));
            }
            Handled::Flush(_) => self.flush = true,
            // The other outcomes are counted by the handlers.
            _ => {}
        }
    }
}

/// Describe a notification for the log: severity, time, host, plugin, type and their instances, message.
pub fn notification_line(
    severity: Severity,
    time: Time,
    names: [&[u8]; 5],
    message: &[u8],
) -> String {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let [host, plugin, plugin_instance, type_, type_instance] = names.map(text);
    format!(
        "notification {severity} at {time}: host={host} plugin={plugin} plugin_instance={plugin_instance} \
         type={type_} type_instance={type_instance}: {}",
        text(message)
    )
}

/// Refuse a line that is neither PUTVAL nor PUTNOTIF (any case) with an error reply; return whether it was refused.
fn refuse(frame: Frame<'_>, replies: &mut Vec<u8>) -> bool {
    let Frame::Line(line) = frame else {
        return false;
    };
    let starts =
        |word: &[u8]| line.len() >= word.len() && line[..word.len()].eq_ignore_ascii_case(word);
    if starts(b"PUTVAL") || starts(b"PUTNOTIF") {
        return false;
    }
    replies.extend_from_slice(b"-1 Unable to parse command, ignoring line: \"");
    replies.extend_from_slice(String::from_utf8_lossy(line).as_bytes());
    replies.extend_from_slice(b"\"\n");
    true
}
