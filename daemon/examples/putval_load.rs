//! A PUTVAL load generator for collectd-compatible Unix sockets (collied or collectd's unixsock plugin).
//!
//! ```text
//! cargo run --release -p collied --example putval_load -- SOCKET [CONNECTIONS...]
//!     [--lines 1000000] [--ids 10000 | --ids-per-connection N] [--host bench]
//!     [--interval 10] [--families] [--quoted]
//! ```
//!
//! For each connection count (default 1, 4 and 16) it sends `--lines`
//! pipelined PUTVAL lines in total over `--ids` gauge identifiers
//! (`HOST/load-N/gauge-dM`; with `--families`, `HOST/loadN/gauge-dM`, so
//! that each hundred identifiers is a family of its own in Prometheus's
//! naming), sent with `interval=` `--interval`, each connection owning its share of the
//! identifiers and giving each update a later time, so every line should be
//! accepted. `--ids-per-connection N` gives each connection N identifiers of
//! its own instead (N × connections in all); `--quoted` puts each identifier
//! in double quotes, as libcollectdclient sends it. A reader per connection
//! counts the replies while the writer sends, by counting newlines a chunk at
//! a time, so that the client keeps up with the fastest server. The lines are built before the clock starts. It prints one line
//! per connection count:
//!
//! ```text
//! connections=4 lines=1000000 ok=1000000 errors=0 seconds=0.912 lines_per_s=1096491
//! ```
//!
//! The exit status is 1 if any reply was not `0 Success`.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Identifiers per plugin instance.
const DIMS: usize = 100;

struct Args {
    socket: String,
    connections: Vec<usize>,
    lines: usize,
    ids: usize,
    ids_per_connection: Option<usize>,
    quoted: bool,
    host: String,
    interval: usize,
    families: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        socket: String::new(),
        connections: Vec::new(),
        lines: 1_000_000,
        ids: 10_000,
        ids_per_connection: None,
        quoted: false,
        host: "bench".into(),
        interval: 10,
        families: false,
    };
    let mut it = std::env::args().skip(1);
    let number = |v: Option<String>, what: &str| -> Result<usize, String> {
        v.and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .ok_or(format!("{what} needs a positive number"))
    };
    while let Some(a) = it.next() {
        match a.as_str() {
            "--lines" => args.lines = number(it.next(), "--lines")?,
            "--ids" => args.ids = number(it.next(), "--ids")?,
            "--host" => args.host = it.next().ok_or("--host needs a name")?,
            "--interval" => args.interval = number(it.next(), "--interval")?,
            "--ids-per-connection" => {
                args.ids_per_connection = Some(number(it.next(), "--ids-per-connection")?)
            }
            "--families" => args.families = true,
            "--quoted" => args.quoted = true,
            _ if args.socket.is_empty() => args.socket = a,
            _ => args
                .connections
                .push(number(Some(a), "a connection count")?),
        }
    }
    if args.socket.is_empty() {
        return Err(
            "usage: putval_load SOCKET [CONNECTIONS...] [--lines N] [--ids N | --ids-per-connection N] [--host H] [--interval S] [--families] [--quoted]".into(),
        );
    }
    if args.connections.is_empty() {
        args.connections = vec![1, 4, 16];
    }
    Ok(args)
}

impl Args {
    /// Return how many identifiers the load uses over `conns` connections.
    fn ids_for(&self, conns: usize) -> usize {
        self.ids_per_connection.map_or(self.ids, |n| n * conns)
    }
}

/// The lines connection `c` of `conns` sends from `base_ms` on: its identifiers in turn, each update one millisecond later.
fn payload(args: &Args, c: usize, conns: usize, base_ms: u64) -> (Vec<u8>, usize) {
    let ids = args.ids_for(conns);
    let owned: Vec<usize> = (c..ids).step_by(conns).collect();
    let share = args.lines / conns + usize::from(c < args.lines % conns);
    let mut out = Vec::with_capacity(share * 48);
    for i in 0..share {
        let n = owned[i % owned.len()];
        let round = i / owned.len();
        let ms = base_ms + round as u64;
        let time = format!("{}.{:03}", ms / 1000, ms % 1000);
        let q = if args.quoted { "\"" } else { "" };
        writeln!(
            out,
            "PUTVAL {q}{}/load{}{}/gauge-d{}{q} interval={} {time}:{}",
            args.host,
            if args.families { "" } else { "-" },
            n / DIMS,
            n % DIMS,
            args.interval,
            i % 1000
        )
        .expect("writing to a Vec");
    }
    (out, share)
}

/// Read replies until `expected` lines came or the server closed; return (successes, errors).
///
/// A reply is an error if it starts with `-`; the success reply holds
/// none, so a chunk without one is all successes and needs only its
/// newlines counted. The first three errors are printed.
fn count_replies(mut stream: UnixStream, expected: usize) -> std::io::Result<(usize, usize)> {
    let mut buf = vec![0u8; 1 << 16];
    let (mut lines, mut errors) = (0, 0);
    // Whether the next byte starts a reply, and whether the reply being read is an error.
    let (mut at_start, mut in_error) = (true, false);
    let mut shown = Vec::new();
    while lines < expected {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        if !in_error && !chunk.contains(&b'-') {
            lines += chunk.iter().filter(|&&b| b == b'\n').count();
            at_start = chunk.last() == Some(&b'\n');
            continue;
        }
        for &b in chunk {
            if at_start && b == b'-' {
                in_error = true;
                errors += 1;
            }
            if in_error && errors <= 3 {
                shown.push(b);
            }
            at_start = b == b'\n';
            if at_start {
                lines += 1;
                in_error = false;
            }
        }
    }
    if !shown.is_empty() {
        eprint!("replies: {}", String::from_utf8_lossy(&shown));
    }
    Ok((lines - errors, errors))
}

/// Send the load over `conns` connections with times from `base_ms` on; return (ok, errors, elapsed).
fn run(args: &Args, conns: usize, base_ms: u64) -> std::io::Result<(usize, usize, Duration)> {
    let base = base_ms;
    let barrier = Arc::new(Barrier::new(conns + 1));
    let mut workers = Vec::new();
    for c in 0..conns {
        let (data, expected) = payload(args, c, conns, base);
        let stream = UnixStream::connect(&args.socket)?;
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        let mut writer = stream.try_clone()?;
        let barrier = Arc::clone(&barrier);
        workers.push(thread::spawn(move || -> std::io::Result<(usize, usize)> {
            barrier.wait();
            let sender = thread::spawn(move || writer.write_all(&data));
            let (ok, errors) = count_replies(stream, expected)?;
            sender.join().expect("writer thread")?;
            Ok((ok, errors))
        }));
    }
    barrier.wait();
    let started = Instant::now();
    let (mut ok, mut errors) = (0, 0);
    for w in workers {
        let (o, e) = w.join().expect("connection thread")?;
        ok += o;
        errors += e;
    }
    Ok((ok, errors, started.elapsed()))
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
    };
    // Times only grow, also from one connection count to the next.
    let mut base_ms = now_ms();
    let fewest_ids = args.connections.iter().map(|&c| args.ids_for(c)).min();
    let rounds = (args.lines / fewest_ids.unwrap_or(1).min(args.lines) + 1) as u64;
    for &conns in &args.connections {
        let result = run(&args, conns, base_ms);
        base_ms = now_ms().max(base_ms + rounds + 1);
        match result {
            Ok((ok, errors, took)) => {
                let secs = took.as_secs_f64();
                println!(
                    "connections={conns} lines={} ok={ok} errors={errors} seconds={secs:.3} lines_per_s={:.0}",
                    args.lines,
                    ok as f64 / secs
                );
                failed |= errors > 0 || ok != args.lines;
            }
            Err(e) => {
                eprintln!("connections={conns}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
