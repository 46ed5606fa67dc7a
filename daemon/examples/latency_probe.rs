//! A latency probe for collectd-compatible Unix sockets: how long one GETVAL waits while others load the server.
//!
//! ```text
//! cargo run --release -p collied --example latency_probe -- SOCKET [--seconds 5] [--every-ms 1]
//! ```
//!
//! It stores one value (`probe/latency/gauge`), then for `--seconds` sends
//! a GETVAL of it every `--every-ms` milliseconds, one at a time, and
//! prints how long the answers took:
//!
//! ```text
//! requests=4890 p50_us=41 p99_us=380 max_us=2210
//! ```

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(socket) = args.next() else {
        eprintln!("usage: latency_probe SOCKET [--seconds S] [--every-ms N]");
        return ExitCode::from(2);
    };
    let (mut seconds, mut every) = (5.0f64, 1u64);
    while let Some(a) = args.next() {
        let v = args.next().and_then(|v| v.parse::<f64>().ok());
        match (a.as_str(), v) {
            ("--seconds", Some(v)) if v > 0.0 => seconds = v,
            ("--every-ms", Some(v)) if v >= 0.0 => every = v as u64,
            _ => {
                eprintln!("{a}: needs a positive number");
                return ExitCode::from(2);
            }
        }
    }
    let conn = match UnixStream::connect(&socket) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{socket}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut reader = BufReader::new(conn.try_clone().expect("a socket can be cloned"));
    let mut w = conn;
    let mut line = String::new();
    let mut ask = |request: &str, w: &mut UnixStream| -> Option<Duration> {
        let started = Instant::now();
        w.write_all(request.as_bytes()).ok()?;
        line.clear();
        reader.read_line(&mut line).ok()?;
        let lines: usize = line.split(' ').next()?.parse().unwrap_or(0);
        for _ in 0..lines {
            line.clear();
            reader.read_line(&mut line).ok()?;
        }
        Some(started.elapsed())
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    if ask(
        &format!("PUTVAL probe/latency/gauge interval=3600 {now}:1\n"),
        &mut w,
    )
    .is_none()
    {
        eprintln!("{socket}: no answer");
        return ExitCode::from(1);
    }
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut took = Vec::new();
    while Instant::now() < end {
        match ask("GETVAL probe/latency/gauge\n", &mut w) {
            Some(t) => took.push(t.as_micros() as u64),
            None => {
                eprintln!("{socket}: the connection broke");
                return ExitCode::from(1);
            }
        }
        std::thread::sleep(Duration::from_millis(every));
    }
    took.sort_unstable();
    let at = |q: f64| {
        took.get(((took.len() as f64 * q) as usize).min(took.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "requests={} p50_us={} p99_us={} max_us={}",
        took.len(),
        at(0.5),
        at(0.99),
        took.last().copied().unwrap_or(0)
    );
    ExitCode::SUCCESS
}
