//! The recorded conformance corpus over collied's real socket.
//!
//! Every session of `tests/conformance/cases` is sent to a fresh collied
//! (empty cache, host name `collie-test` as the corpus was recorded with)
//! on one connection, and the replies must equal collie's expected replies
//! byte for byte: what the in-process conformance test checks for the
//! handler, this checks for the daemon's framing, batching and writing.

#[path = "../../tests/support/mod.rs"]
mod support;

mod common;

use std::path::Path;
use std::time::Duration;

use common::Collied;
use support::cases::{self, Request, Session};
use support::collectd::{Replayer, Timing, parallel_map};

/// collied answers synchronously, so a short quiet period ends a reply safely.
const TIMING: Timing = Timing {
    first_reply: Duration::from_millis(400),
    more_lines: Duration::from_secs(3),
    quiet: Duration::from_millis(25),
};

fn sessions() -> Vec<Session> {
    // `cases::load_all` looks below the root package; this package is one level down.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|p| {
            cases::load_file(p)
                .unwrap_or_else(|e| panic!("{e}"))
                .sessions
        })
        .collect()
}

/// The corpus was recorded at collectd's default interval of 10 s. Expiry
/// runs on the wall clock's 10 s ticks, so a value sent with `interval=0.1`
/// would vanish if a tick fell inside its session: a long `timeout` keeps
/// expiry out of the replies without changing the interval they depend on.
const CONFIG: &str = "hostname: collie-test\ntimeout: 100000\nnetdata: {enabled: false}\n";

fn replay(session: &Session) -> String {
    let collied = Collied::start(CONFIG);
    let mut replayer = Replayer::with_timing(collied.connect(), TIMING);
    let replies: Vec<_> = session
        .requests
        .iter()
        .map(|request| replayer.exchange(request))
        .collect();
    cases::mismatches(session, &replies, Request::expected_collie, "collied")
}

#[test]
fn collied_answers_the_corpus_over_its_socket() {
    let sessions = sessions();
    let requests: usize = sessions.iter().map(|s| s.requests.len()).sum();
    assert!(requests >= 300, "the corpus shrank to {requests} requests");
    let failures: Vec<String> = parallel_map(&sessions, 4, replay)
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect();
    println!(
        "{} sessions, {requests} requests over the socket, {} sessions with mismatches",
        sessions.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} sessions differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
