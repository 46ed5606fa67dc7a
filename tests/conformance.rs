//! Differential conformance: collie's replies against collectd 5.12's.
//!
//! Every session of the recorded corpus (`tests/conformance/cases/`) is
//! replayed through collie's line framer and [`Handler`], and the replies
//! must equal collectd's recorded replies byte for byte, except for the
//! requests tagged `# difference:`, whose `=` lines say what collie answers
//! instead. `tests/collectd_oracle.rs` checks the recordings against a live
//! collectd, so the two tests together compare collie with collectd itself.

mod support;

use collie::Handler;
use collie::dataset::{BUILTIN, Builtin};
use collie::protocol::{Frame, LineFramer, Scratch};
use collie::time::Time;
use support::cases::{self, DIFFERENCE_TAGS, Request, Session};

/// The host name the corpus was recorded with (collectd fills empty hosts with it).
const HOSTNAME: &str = "collie-test";

/// The local clock during replay; no recorded reply depends on it.
const NOW: Time = Time::from_secs(1_800_000_000);

type CorpusHandler = Handler<'static, Builtin, 256>;

/// Send one request's bytes through a framer and handler, returning the reply lines.
fn answer(handler: &mut CorpusHandler, framer: &mut LineFramer, request: &Request) -> Vec<Vec<u8>> {
    let mut bytes = request.line.clone();
    if request.newline {
        bytes.push(b'\n');
    }
    let mut out = Vec::new();
    let mut input = &bytes[..];
    let mut handle = |frame: Frame<'_>, out: &mut Vec<u8>| {
        let mut scratch = Scratch::new();
        match frame {
            Frame::Line(line) => handler.handle(line, &mut scratch, NOW, out),
            Frame::TooLong => handler.handle_too_long(out),
        }
        .expect("a Vec never fills up");
    };
    while !input.is_empty() {
        let (used, frame) = framer.push(input);
        input = &input[used..];
        if let Some(frame) = frame {
            handle(frame, &mut out);
        }
    }
    if !request.newline
        && let Some(frame) = framer.finish()
    {
        handle(frame, &mut out);
    }
    if out.is_empty() {
        return Vec::new();
    }
    let text = out.strip_suffix(b"\n").unwrap_or(&out);
    text.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn replay(session: &Session) -> String {
    let mut handler = CorpusHandler::new(&BUILTIN, Time::from_secs(10)).with_hostname(HOSTNAME);
    let mut framer = LineFramer::new();
    let replies: Vec<_> = session
        .requests
        .iter()
        .map(|request| answer(&mut handler, &mut framer, request))
        .collect();
    cases::mismatches(session, &replies, Request::expected_collie, "collie")
}

#[test]
fn collie_answers_like_collectd_except_documented_differences() {
    let sessions = cases::load_all();
    let requests: usize = sessions.iter().map(|s| s.requests.len()).sum();
    assert!(requests >= 300, "the corpus shrank to {requests} requests");
    let failures: Vec<String> = sessions
        .iter()
        .map(replay)
        .filter(|m| !m.is_empty())
        .collect();
    let differing = sessions
        .iter()
        .flat_map(|s| &s.requests)
        .filter(|r| r.difference.is_some())
        .count();
    println!(
        "{} sessions, {requests} requests, {differing} with a documented difference, {} sessions with mismatches",
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

#[test]
fn every_difference_is_documented_in_the_readme() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let section = readme
        .split("## Differences from collectd")
        .nth(1)
        .expect("README has a \"Differences from collectd\" section");
    let section = section.split("\n## ").next().unwrap_or(section);
    for tag in DIFFERENCE_TAGS {
        assert!(
            section.contains(&format!("`{tag}`")),
            "README's differences section does not explain `{tag}`"
        );
    }
}
