//! The collectd half of the differential test: replays every session of the conformance
//! corpus against a live collectd 5.12 and checks that its replies equal the recorded `<`
//! lines.
//!
//! * `COLLIE_RECORD=1` re-records: the `<` lines of the case files are rewritten from the
//!   live replies (every other line is kept).
//! * Without collectd installed the test is skipped, unless `COLLIE_REQUIRE_PEERS=1`.
//! * `COLLIE_ORACLE_JOBS` sets how many sessions (daemons) run at once (default 4).

mod support;

use std::time::Instant;

use support::cases::{self, Session};
use support::collectd;

fn env_is(name: &str, value: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == value)
}

fn jobs() -> usize {
    std::env::var("COLLIE_ORACLE_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

/// Replays sessions, each against its own fresh collectd.
fn replay_all(sessions: &[Session]) -> Vec<Vec<Vec<Vec<u8>>>> {
    collectd::parallel_map(sessions, jobs(), |session| {
        collectd::replay(session).unwrap_or_else(|e| {
            panic!(
                "{}:{}: cannot run collectd for session `{}': {e}",
                session.source.0, session.source.1, session.name
            )
        })
    })
}

#[test]
fn corpus_matches_live_collectd() {
    if !collectd::available() {
        assert!(
            !env_is("COLLIE_REQUIRE_PEERS", "1"),
            "collectd not installed ({}), but COLLIE_REQUIRE_PEERS=1",
            collectd::binary().display()
        );
        eprintln!("skipped: collectd not installed");
        return;
    }
    let started = Instant::now();
    let files = cases::load_files();
    let sessions: Vec<Session> = files.iter().flat_map(|f| f.sessions.clone()).collect();
    let mut replies = replay_all(&sessions).into_iter();

    let record = env_is("COLLIE_RECORD", "1");
    let mut failures = String::new();
    let mut requests = 0;
    for file in &files {
        let file_replies: Vec<_> = replies.by_ref().take(file.sessions.len()).collect();
        if record {
            let text = cases::rewrite_collectd_replies(file, &file_replies)
                .unwrap_or_else(|e| panic!("{e}"));
            if text != file.text {
                std::fs::write(&file.path, text).expect("case file is writable");
                eprintln!("recorded {}", file.path.display());
            }
        }
        for (session, session_replies) in file.sessions.iter().zip(&file_replies) {
            requests += session.requests.len();
            if !record {
                failures.push_str(&cases::mismatches(
                    session,
                    session_replies,
                    |r| &r.collectd,
                    "live collectd",
                ));
            }
        }
    }
    eprintln!(
        "{} sessions, {requests} requests against collectd in {:.1?}",
        sessions.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "live collectd differs from the recorded corpus \
         (re-record with COLLIE_RECORD=1 if collectd is right):\n{failures}"
    );
}

/// Every `# difference:` request must really differ from collectd, or the tag is stale.
#[test]
fn differences_differ() {
    let mut stale = String::new();
    for session in cases::load_all() {
        for request in &session.requests {
            if request.collie.as_ref() == Some(&request.collectd) {
                stale.push_str(&format!(
                    "{}:{}: `# difference: {}' but collie's reply equals collectd's\n",
                    request.source.0,
                    request.source.1,
                    request.difference.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    assert!(stale.is_empty(), "{stale}");
}

#[test]
fn request_escapes_round_trip() {
    for (bytes, newline) in [
        (&b"PUTVAL a/b/c 1:2"[..], true),
        (b"a\\xzz \\x41 \\\\", true),
        (b"\xff\x00 \r\t\\nonl", false),
        (b"x  ", true),
        (b"", true),
    ] {
        let text = cases::encode_request(bytes, newline);
        assert_eq!(
            cases::decode_request(&text),
            (bytes.to_vec(), newline),
            "{text}"
        );
    }
}

#[test]
fn parser_rejects_malformed_files() {
    for (text, why) in [
        ("> LISTVAL\n", "request outside a session"),
        ("== s\n< 0 x\n", "reply without request"),
        ("== s\n> LISTVAL\n= 0 x\n", "override without tag"),
        ("== s\n# difference: nonsense\n> LISTVAL\n", "unknown tag"),
        (
            "== s\n> LISTVAL\\nonl\n> LISTVAL\n",
            "request after half-close",
        ),
        ("== s\n# difference: long-line\n", "dangling tag"),
    ] {
        assert!(cases::parse("t.txt", text).is_err(), "accepted: {why}");
    }
    let sessions = cases::parse(
        "t.txt",
        "== s\n# difference: whitespace-only-line\n> \\x20\n< -1 Internal error\n",
    )
    .expect("valid");
    assert_eq!(sessions[0].requests[0].line, b" ");
    assert_eq!(sessions[0].requests[0].collie, Some(vec![]));
}
