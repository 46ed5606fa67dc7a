//! Cutting a byte stream into command lines.
//!
//! A line ends at `\n`; trailing `\r`s are dropped. A line of more than
//! [`MAX_LINE`] bytes (not counting its CR/LF ending) is reported once as
//! [`Frame::TooLong`] and the rest of it, up to the next `\n`, is thrown
//! away. (collectd instead cuts such a line into 1023-byte pieces and runs
//! each piece as a command.)

use super::scan::find_byte;
use super::tokenize::MAX_LINE;

/// What the framer found in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A complete line, without its CR/LF ending.
    Line(&'a [u8]),
    /// A line longer than [`MAX_LINE`] bytes; reply with [`Error::LineTooLong`](super::Error::LineTooLong).
    TooLong,
}

/// Splits a byte stream into lines of at most [`MAX_LINE`] bytes, without allocating.
///
/// Feed it bytes with [`push`](Self::push) until they are used up, handling
/// each frame it returns, and call [`finish`](Self::finish) at end of input.
///
/// ```
/// use collie_core::protocol::{Frame, LineFramer};
///
/// let mut framer = LineFramer::new();
/// let mut input: &[u8] = b"LISTVAL\r\nGETVAL h/p/gauge\n";
/// let mut lines = 0;
/// while !input.is_empty() {
///     let (used, frame) = framer.push(input);
///     input = &input[used..];
///     if let Some(Frame::Line(_)) = frame {
///         lines += 1;
///     }
/// }
/// assert_eq!(lines, 2);
/// ```
#[derive(Debug, Clone)]
pub struct LineFramer {
    buf: [u8; MAX_LINE],
    len: usize,
    /// `\r`s seen after the buffer filled; harmless if the line ends right after them.
    overflow_cr: bool,
    /// A too-long line is being thrown away up to its `\n`.
    discarding: bool,
    /// The last call returned the buffered line, so the next one starts afresh.
    emitted: bool,
}

impl LineFramer {
    /// Return whether part of a line has arrived and its end has not (a line being discarded counts).
    pub const fn in_line(&self) -> bool {
        self.discarding || (self.len > 0 && !self.emitted)
    }

    /// Create a framer at the start of a stream.
    pub const fn new() -> Self {
        LineFramer {
            buf: [0; MAX_LINE],
            len: 0,
            overflow_cr: false,
            discarding: false,
            emitted: false,
        }
    }

    fn reset_if_emitted(&mut self) {
        if self.emitted {
            self.len = 0;
            self.overflow_cr = false;
            self.emitted = false;
        }
    }

    fn line(&mut self) -> Frame<'_> {
        self.emitted = true;
        let line = self.buf.get(..self.len).unwrap_or_default();
        let end = line.iter().rposition(|&b| b != b'\r').map_or(0, |i| i + 1);
        Frame::Line(line.get(..end).unwrap_or_default())
    }

    /// Consume bytes from `input` up to the end of the next frame.
    ///
    /// A line that lies whole in `input` is returned as a slice of it,
    /// without copying; only a line split across calls is gathered in the
    /// framer's buffer.
    ///
    /// Returns how many bytes were used and the frame they completed, if
    /// any. Fewer than all of `input` are used only when a frame is returned.
    pub fn push<'a>(&'a mut self, input: &'a [u8]) -> (usize, Option<Frame<'a>>) {
        if let Some((used, frame)) = self.push_whole(input) {
            return (used, Some(frame));
        }
        if self.discarding {
            return match input.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.discarding = false;
                    // Keep going: the next line may already be in `input`.
                    let (used, frame) = self.push(input.get(i + 1..).unwrap_or_default());
                    (i + 1 + used, frame)
                }
                None => (input.len(), None),
            };
        }
        for (i, &b) in input.iter().enumerate() {
            if b == b'\n' {
                return (i + 1, Some(self.line()));
            }
            match self.buf.get_mut(self.len) {
                Some(slot) if !self.overflow_cr => {
                    *slot = b;
                    self.len += 1;
                }
                _ if b == b'\r' => self.overflow_cr = true,
                _ => {
                    self.discarding = true;
                    self.len = 0;
                    self.overflow_cr = false;
                    return (i + 1, Some(Frame::TooLong));
                }
            }
        }
        (input.len(), None)
    }

    /// Take the next line as [`push`](Self::push) would when it lies whole at the start of `input`; else take nothing.
    ///
    /// The frame borrows only `input`, never the framer, so a caller can
    /// collect several lines of one read before answering any of them.
    /// `None` means nothing was used: no line is pending from an earlier
    /// call and `input` holds no `\n`, or part of a line is pending (call
    /// `push` then).
    pub fn push_whole<'a>(&mut self, input: &'a [u8]) -> Option<(usize, Frame<'a>)> {
        self.reset_if_emitted();
        if self.len != 0 || self.discarding {
            return None;
        }
        let i = find_byte(input, b'\n')?;
        let line = input.get(..i).unwrap_or_default();
        let end = line.iter().rposition(|&b| b != b'\r').map_or(0, |j| j + 1);
        let frame = match line.get(..end) {
            Some(line) if end <= MAX_LINE => Frame::Line(line),
            _ => Frame::TooLong,
        };
        Some((i + 1, frame))
    }

    /// Return the unterminated last line at end of input, if there is one.
    ///
    /// collectd runs such a line as a command too. The framer is ready for a
    /// new stream afterwards.
    pub fn finish(&mut self) -> Option<Frame<'_>> {
        self.reset_if_emitted();
        if self.discarding || self.len == 0 {
            self.discarding = false;
            self.overflow_cr = false;
            return None;
        }
        Some(self.line())
    }
}

impl Default for LineFramer {
    fn default() -> Self {
        LineFramer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[derive(Debug, PartialEq)]
    enum Owned {
        Line(Vec<u8>),
        TooLong,
    }

    fn own(f: Frame<'_>) -> Owned {
        match f {
            Frame::Line(l) => Owned::Line(l.to_vec()),
            Frame::TooLong => Owned::TooLong,
        }
    }

    /// Feed `chunks` one after another and collect the frames.
    fn frames(chunks: &[&[u8]]) -> Vec<Owned> {
        let mut framer = LineFramer::new();
        let mut out = Vec::new();
        for chunk in chunks {
            let mut input = *chunk;
            while !input.is_empty() {
                let (used, frame) = framer.push(input);
                assert!(used > 0 && used <= input.len());
                input = &input[used..];
                out.extend(frame.map(own));
            }
        }
        out.extend(framer.finish().map(own));
        out
    }

    fn line(s: &[u8]) -> Owned {
        Owned::Line(s.to_vec())
    }

    #[test]
    fn splits_lines_and_strips_cr() {
        assert_eq!(
            frames(&[b"a\nb\r\nc\r\r\n\n"]),
            [line(b"a"), line(b"b"), line(b"c"), line(b"")]
        );
        assert_eq!(
            frames(&[b"PUT", b"VAL x", b"\nLIST", b"VAL"]),
            [line(b"PUTVAL x"), line(b"LISTVAL")]
        );
        assert_eq!(frames(&[b"a\rb\n"]), [line(b"a\rb")]);
        assert_eq!(frames(&[]), []);
    }

    #[test]
    fn in_line_tells_a_started_line_from_a_finished_one() {
        let mut f = LineFramer::new();
        assert!(!f.in_line(), "nothing yet");
        assert_eq!(f.push(b"PUT"), (3, None));
        assert!(f.in_line(), "a line has started");
        let (_, frame) = f.push(b"VAL x\n");
        assert!(matches!(frame, Some(Frame::Line(b"PUTVAL x"))));
        assert!(!f.in_line(), "the line ended");
        // A line too long to keep is still a line in progress until its end.
        let long = [b'x'; MAX_LINE + 10];
        let mut rest = &long[..];
        while !rest.is_empty() {
            let (n, _) = f.push(rest);
            rest = &rest[n..];
        }
        assert!(f.in_line(), "discarding counts");
        let mut end = &b"\n"[..];
        while !end.is_empty() {
            let (n, _) = f.push(end);
            end = &end[n..];
        }
        assert!(!f.in_line());
    }

    #[test]
    fn limit_is_1024_bytes_without_line_ending() {
        let max = [b'x'; MAX_LINE];
        assert_eq!(frames(&[&max, b"\r\r\n"]), [line(&max)]);
        assert_eq!(frames(&[&max]), [line(&max)]);
        assert_eq!(frames(&[&max, b"y\nok\n"]), [Owned::TooLong, line(b"ok")]);
        assert_eq!(frames(&[&max, b"\ry\nok\n"]), [Owned::TooLong, line(b"ok")]);
    }

    #[test]
    fn long_line_is_reported_once_and_discarded() {
        let long = [b'x'; 5000];
        assert_eq!(
            frames(&[&long, &long, b"\nnext\n"]),
            [Owned::TooLong, line(b"next")]
        );
        assert_eq!(frames(&[&long]), [Owned::TooLong]);
        let mut one = long.to_vec();
        one.extend_from_slice(b"\nGETVAL a/b/c\nLISTVAL\n");
        assert_eq!(
            frames(&[&one]),
            [Owned::TooLong, line(b"GETVAL a/b/c"), line(b"LISTVAL")]
        );
    }

    #[test]
    fn whole_and_byte_by_byte_input_frame_alike() {
        // Lines handed out in place must equal lines gathered byte by byte.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..300 {
            let mut input = Vec::new();
            for _ in 0..20 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let len = match state % 4 {
                    0 => (state >> 8) as usize % 8,
                    1 => MAX_LINE - 2 + (state >> 8) as usize % 5,
                    2 => (state >> 8) as usize % 3000,
                    _ => (state >> 8) as usize % 100,
                };
                input.extend((0..len).map(|k| match (state >> (k % 50)) % 7 {
                    0 => b'\r',
                    _ => b'a' + (k % 26) as u8,
                }));
                if !state.is_multiple_of(5) {
                    input.push(b'\n');
                }
            }
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(frames(&[&input]), frames(&bytes));
            let sevens: Vec<&[u8]> = input.chunks(7).collect();
            assert_eq!(frames(&[&input]), frames(&sevens));
        }
    }
}
