//! Logging to stderr, which Netdata copies into its error log; stdout is for plugins.d only.

/// Write one log line to stderr: `collied: <LEVEL>: <message>`.
pub fn write(level: &str, args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    // One write per line so lines of different threads do not interleave.
    let line = format!("collied: {level}: {args}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
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
