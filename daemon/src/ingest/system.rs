//! The built-in example collector: load, memory and uptime from `/proc`, as collectd's plugins name them.
//!
//! Values go in as PUTVAL lines, exactly as a client would send them:
//!
//! - `<host>/load/load` (shortterm, midterm, longterm) from `/proc/loadavg`;
//! - `<host>/memory/memory-{used,free,buffered,cached}` in bytes from
//!   `/proc/meminfo` (used = total − free − buffers − cached − slab, as
//!   collectd's memory plugin computes it);
//! - `<host>/uptime/uptime` in seconds from `/proc/uptime`.
//!
//! The Netdata output titles their charts as Netdata's own: "System Load
//! Average", "System RAM" and "System Uptime" (see
//! [`mapping`](crate::output::netdata::mapping)).

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::ingest::collector::Collector;

/// Reads load, memory and uptime.
#[derive(Debug, Clone)]
pub struct System {
    proc: PathBuf,
}

impl Default for System {
    fn default() -> Self {
        System::new("/proc")
    }
}

impl System {
    /// Read from a `/proc` mounted at `proc` (another directory in tests).
    pub fn new(proc: impl AsRef<Path>) -> Self {
        System {
            proc: proc.as_ref().to_path_buf(),
        }
    }

    fn read(&self, name: &str) -> io::Result<String> {
        fs::read_to_string(self.proc.join(name))
    }
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("cannot parse {what}"))
}

impl Collector for System {
    fn name(&self) -> &str {
        "system"
    }

    fn collect(&mut self, host: &str, interval: f64, lines: &mut String) -> io::Result<()> {
        let mut failed = None;
        let id =
            |plugin: &str, type_: &str| format!("\"{host}/{plugin}/{type_}\" interval={interval}");
        match self.read("loadavg") {
            Ok(text) => {
                let f: Vec<&str> = text.split_whitespace().take(3).collect();
                if f.len() == 3 && f.iter().all(|v| v.parse::<f64>().is_ok()) {
                    let _ = writeln!(
                        lines,
                        "PUTVAL {} N:{}:{}:{}",
                        id("load", "load"),
                        f[0],
                        f[1],
                        f[2]
                    );
                } else {
                    failed = Some(bad("loadavg"));
                }
            }
            Err(e) => failed = Some(e),
        }
        match self.read("meminfo") {
            Ok(text) => {
                let kib = |name: &str| {
                    text.lines()
                        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                };
                match (
                    kib("MemTotal"),
                    kib("MemFree"),
                    kib("Buffers"),
                    kib("Cached"),
                ) {
                    (Some(total), Some(free), Some(buffers), Some(cached)) => {
                        let slab = kib("Slab").unwrap_or(0);
                        let used = total.saturating_sub(free + buffers + cached + slab);
                        for (name, v) in [
                            ("used", used),
                            ("free", free),
                            ("buffered", buffers),
                            ("cached", cached),
                        ] {
                            let _ = writeln!(
                                lines,
                                "PUTVAL {} N:{}",
                                id("memory", &format!("memory-{name}")),
                                v * 1024
                            );
                        }
                    }
                    _ => failed = Some(bad("meminfo")),
                }
            }
            Err(e) => failed = Some(e),
        }
        match self.read("uptime") {
            Ok(text) => match text.split_whitespace().next().map(str::parse::<f64>) {
                Some(Ok(up)) => {
                    let _ = writeln!(lines, "PUTVAL {} N:{up}", id("uptime", "uptime"));
                }
                _ => failed = Some(bad("uptime")),
            },
            Err(e) => failed = Some(e),
        }
        failed.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_fake_proc() {
        let dir = std::env::temp_dir().join(format!("collied-proc-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("loadavg"), "0.50 0.25 0.10 1/100 42\n").unwrap();
        fs::write(
            dir.join("meminfo"),
            "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nSlab: 50 kB\n",
        )
        .unwrap();
        fs::write(dir.join("uptime"), "12345.67 999.0\n").unwrap();
        let mut lines = String::new();
        System::new(&dir).collect("h", 10.0, &mut lines).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            lines,
            "PUTVAL \"h/load/load\" interval=10 N:0.50:0.25:0.10\n\
             PUTVAL \"h/memory/memory-used\" interval=10 N:614400\n\
             PUTVAL \"h/memory/memory-free\" interval=10 N:102400\n\
             PUTVAL \"h/memory/memory-buffered\" interval=10 N:51200\n\
             PUTVAL \"h/memory/memory-cached\" interval=10 N:204800\n\
             PUTVAL \"h/uptime/uptime\" interval=10 N:12345.67\n"
        );
    }

    #[test]
    fn charts_are_titled_as_netdata_s_own() {
        use crate::output::netdata::mapping::{KeyParts, chart_names};
        let dir = std::env::temp_dir().join(format!("collied-proc-titles-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("loadavg"), "0.50 0.25 0.10 1/100 42\n").unwrap();
        fs::write(
            dir.join("meminfo"),
            "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\n",
        )
        .unwrap();
        fs::write(dir.join("uptime"), "12345.67 999.0\n").unwrap();
        let mut lines = String::new();
        System::new(&dir).collect("h", 10.0, &mut lines).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        let mut charts: Vec<(String, String, String)> = lines
            .lines()
            .map(|l| {
                let key = l.split('"').nth(1).unwrap();
                let c = chart_names(&KeyParts::split(key.as_bytes()), "h", None);
                (format!("{}.{}", c.type_, c.id), c.title, c.units)
            })
            .collect();
        charts.dedup();
        let want = [
            ("load.load", "System Load Average", "load"),
            ("memory.memory", "System RAM", "bytes"),
            ("uptime.uptime", "System Uptime", "seconds"),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()));
        assert_eq!(charts, want);
    }

    #[test]
    fn reads_this_machine() {
        let mut lines = String::new();
        if System::default().collect("h", 1.0, &mut lines).is_ok() {
            assert_eq!(lines.lines().count(), 6);
        }
    }
}
