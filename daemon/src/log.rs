//! Logging to stderr, which Netdata copies into its error log; stdout is for plugins.d only.
//!
//! A log line is one `write` of at most [`MAX_LINE`] bytes, with every
//! control character of the message escaped (`\r` as `\x0d`, ESC as
//! `\x1b`), so text from clients and programs cannot forge or rewrite lines.
//! When stderr is a pipe, [`never_block`] makes it non-blocking: a reader
//! that stops reading makes collied drop log lines, not stop ingest or
//! shutdown. Repeated noisy messages are rate-limited where they are
//! logged ([`crate::store::LogLimit`]).

use std::io::{IsTerminal, Write};

/// Longest log line written, in bytes; longer messages are cut.
pub const MAX_LINE: usize = 4000;

/// Write one log line to stderr: `collied: <LEVEL>: <message>`.
pub fn write(level: &str, args: std::fmt::Arguments<'_>) {
    let message = args.to_string();
    // On a terminal, clear what the status line left (see `app::terminal`).
    let clear = if std::io::stderr().is_terminal() {
        "\x1b[K"
    } else {
        ""
    };
    let line = format!(
        "{clear}collied: {level}: {}\n",
        escape(&message, MAX_LINE - 32)
    );
    // One write per line, at most PIPE_BUF-ish, so lines of different threads
    // do not interleave; when stderr would block, the line is dropped.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Escape control characters as `\xNN` and cut `text` to about `max` bytes.
pub fn escape(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars() {
        if out.len() >= max {
            out.push('…');
            break;
        }
        if c.is_control() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Make stderr non-blocking when it is a pipe, so an unread stderr drops log lines instead of stalling collied.
///
/// A terminal or file is left alone: its file description may be shared
/// with the shell, and neither fills up.
pub fn never_block() {
    use nix::fcntl::{FcntlArg, OFlag, fcntl};
    use std::os::unix::fs::FileTypeExt;
    let stderr = std::io::stderr();
    let is_pipe = std::fs::metadata("/proc/self/fd/2")
        .map(|m| m.file_type().is_fifo())
        .unwrap_or(false);
    if !is_pipe {
        return;
    }
    if let Ok(flags) = fcntl(&stderr, FcntlArg::F_GETFL) {
        let flags = OFlag::from_bits_truncate(flags) | OFlag::O_NONBLOCK;
        let _ = fcntl(&stderr, FcntlArg::F_SETFL(flags));
    }
}

/// Log an informational message to stderr.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::write("INFO", format_args!($($arg)*)) };
}

/// Log a warning to stderr.
#[macro_export]
macro_rules! warning {
    ($($arg:tt)*) => { $crate::log::write("WARNING", format_args!($($arg)*)) };
}

/// Log an error to stderr.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::write("ERROR", format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_lines() {
        assert_eq!(
            escape("x\rcollied: ERROR: forged \x1b[2J\n", 100),
            "x\\x0dcollied: ERROR: forged \\x1b[2J\\x0a"
        );
        assert_eq!(escape("ünïcode stays", 100), "ünïcode stays");
        assert_eq!(escape(&"a".repeat(50), 10), "aaaaaaaaaa…");
    }
}
