//! The property every fuzz input must keep: shared by the fuzz target and
//! the test that replays the seed corpus.
//!
//! The input is a byte stream, cut into lines by the framer. Every line is
//! parsed on its own and then answered by a handler with a small cache, so
//! the cache's full and too-old paths are reached as well. Nothing may
//! panic, and every handled line gets exactly one reply, ending in a newline
//! (or none at all for a blank line).

use collie_core::dataset::{BUILTIN, Builtin};
use collie_core::protocol::{self, Frame, LineFramer, Scratch};
use collie_core::sink::SliceSink;
use collie_core::{Handled, Handler, Time};

/// Feed `data` through the framer, the parser and a handler, checking every reply.
pub fn check(data: &[u8]) {
    let mut handler: Box<Handler<'static, Builtin, 16>> =
        Box::new(Handler::new(&BUILTIN, Time::from_secs(10)).with_hostname("fuzz"));
    let mut framer = LineFramer::new();
    let mut reply = vec![0u8; 1 << 16];
    let mut input = data;
    let mut answer = |frame: Frame<'_>, handler: &mut Handler<'static, Builtin, 16>| {
        let mut out = SliceSink::new(&mut reply);
        let mut scratch = Scratch::new();
        let handled = match frame {
            Frame::Line(line) => {
                let mut s2 = Scratch::new();
                let _ = protocol::parse(line, &mut s2, &BUILTIN);
                handler.handle(line, &mut scratch, Time::from_secs(1_700_000_000), &mut out)
            }
            Frame::TooLong => handler.handle_too_long(&mut out),
        }
        .expect("a 64 KiB reply buffer holds any reply of a 16-entry cache");
        let bytes = out.as_bytes();
        if matches!(handled, Handled::Nothing) {
            assert!(bytes.is_empty(), "a blank line got a reply");
            if let Frame::Line(line) = frame {
                assert!(
                    line.iter().all(|b| b" \t\r\n".contains(b)),
                    "a line that is not blank got no reply: {line:?}"
                );
            }
        } else {
            assert_one_reply(bytes);
        }
    };
    while !input.is_empty() {
        let (used, frame) = framer.push(input);
        input = &input[used..];
        if let Some(frame) = frame {
            answer(frame, &mut handler);
        }
    }
    if let Some(frame) = framer.finish() {
        answer(frame, &mut handler);
    }
}

/// Check that `reply` is one status line plus exactly the lines it announces.
fn assert_one_reply(reply: &[u8]) {
    let body = reply
        .strip_suffix(b"\n")
        .expect("a reply ends in a newline");
    let mut lines = body.split(|&b| b == b'\n');
    let status = lines.next().unwrap_or_default();
    let code = status.split(|&b| b == b' ').next().unwrap_or_default();
    let code: i64 = core::str::from_utf8(code)
        .ok()
        .and_then(|c| c.parse().ok())
        .expect("a status line starts with a number");
    let announced = usize::try_from(code).unwrap_or(0);
    assert_eq!(
        lines.count(),
        announced,
        "a reply has {announced} lines after its status"
    );
}
