//! The daemon's ingest path allocates nothing once warm: counted, not claimed.
//!
//! A counting global allocator tallies the allocations of the test's own
//! thread while PUTVAL (the batched fast path, quoted and not), GETVAL and
//! error lines go through a session into the store, in reads of every size.

#[path = "../../tests/support/counting.rs"]
mod counting;

use collie_core::time::Time;
use collied::ingest::session::Session;
use collied::store::{Store, Types};
use counting::{Counting, allocations};

#[global_allocator]
static COUNTING: Counting = Counting;

/// `rounds` rounds of the load over 200 identifiers, each round one second later.
fn stream(first_round: u64, rounds: u64) -> Vec<u8> {
    let mut out = String::new();
    for r in first_round..first_round + rounds {
        let t = 1_700_000_000 + r;
        for i in 0..200 {
            out += &match i % 4 {
                0 => format!(
                    "PUTVAL \"bench/load-{}/gauge-d{i}\" interval=10 {t}.250:{r}\n",
                    i % 7
                ),
                1 => format!("PUTVAL bench/load-{}/gauge-d{i} {t}:{r}.5\n", i % 7),
                2 => format!(
                    "PUTVAL bench/if-{}/if_octets-x{i} interval=10 {t}:{r}:{}\n",
                    i % 7,
                    r * 2
                ),
                _ => format!("GETVAL \"bench/load-{}/gauge-d{}\"\n", (i - 3) % 7, i - 3),
            };
        }
        out += "PUTVAL bench/nope/no_such_type N:1\nGETVAL bench/not/there\n";
    }
    out.into_bytes()
}

/// Feed `input` to `session` in reads of `chunk` bytes, as a client thread does; return the reply bytes.
fn feed(session: &mut Session, store: &Store<'_>, input: &[u8], chunk: usize) -> usize {
    let mut replied = 0;
    for mut read in input.chunks(chunk) {
        while !read.is_empty() {
            let used = session.feed(store, read);
            read = &read[used..];
            session.after_unlock(store);
            replied += session.replies.len();
            session.replies.clear();
        }
    }
    replied
}

#[test]
fn a_warm_session_stores_and_answers_without_allocating() {
    let types = Types::builtin();
    let store = Store::new(&types, "here", Time::from_secs(10), 2);
    let mut session = Session::new();
    // Warm up: every identifier is cached and the reply buffer has grown.
    feed(&mut session, &store, &stream(0, 3), 65536);

    let before = allocations();
    drop(std::hint::black_box(vec![1u8]));
    assert_eq!(
        allocations() - before,
        1,
        "the counting allocator is not counting"
    );

    // Five rounds in each read size, each round later than the last.
    let inputs: Vec<Vec<u8>> = (0..4).map(|k| stream(3 + 5 * k, 5)).collect();
    let before = allocations();
    let mut replied = 0;
    for (input, chunk) in inputs.iter().zip([65536, 4096, 100, 7]) {
        replied += feed(&mut session, &store, input, chunk);
    }
    let during = allocations() - before;
    let stats = store.stats();
    // Warm-up and measured rounds: 23 of 150 PUTVALs and 50 GETVALs, all found.
    assert!(replied > 0, "{stats:?}");
    assert_eq!(
        (stats.values, stats.getval),
        (23 * 150, 23 * 50),
        "{stats:?}"
    );
    assert_eq!(
        stats.errors,
        23 * 2,
        "only the two bad lines of each round fail"
    );
    assert_eq!(during, 0, "the session allocated {during} times");
}
