//! A PUTVAL load generator for collectd-compatible Unix sockets (collied or collectd's unixsock plugin).
//!
//! ```text
//! cargo run --release -p collied --example putval_load -- SOCKET [CONNECTIONS...]
//!     [--lines 1000000] [--ids 10000] [--host bench] [--interval 10] [--families]
//! ```
//!
//! For each connection count (default 1, 4 and 16) it sends `--lines`
//! pipelined PUTVAL lines in total over `--ids` gauge identifiers
//! (`HOST/load-N/gauge-dM`; with `--families`, `HOST/loadN/gauge-dM`, so
//! that each hundred identifiers is a family of its own in Prometheus's
//! naming), sent with `interval=` `--interval`, each connection owning its share of the
//! identifiers and giving each update a later time, so every line should be
//! accepted. A reader per connection counts the replies while the writer
//! sends. The lines are built before the clock starts. It prints one line
//! per connection count:
//!
//! ```text
//! connections=4 lines=1000000 ok=1000000 errors=0 seconds=0.912 lines_per_s=1096491
//! ```
//!
//! The exit status is 1 if any reply was not `0 Success`.

use std::io::{BufRead, BufReader, Write};
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
            "--families" => args.families = true,
            _ if args.socket.is_empty() => args.socket = a,
            _ => args
                .connections
                .push(number(Some(a), "a connection count")?),
        }
    }
    if args.socket.is_empty() {
        return Err(
            "usage: putval_load SOCKET [CONNECTIONS...] [--lines N] [--ids N] [--host H] [--interval S] [--families]".into(),
        );
    }
    if args.connections.is_empty() {
        args.connections = vec![1, 4, 16];
    }
    Ok(args)
}

/// The lines connection `c` of `conns` sends from `base_ms` on: its identifiers in turn, each update one millisecond later.
fn payload(args: &Args, c: usize, conns: usize, base_ms: u64) -> (Vec<u8>, usize) {
    let owned: Vec<usize> = (c..args.ids).step_by(conns).collect();
    let share = args.lines / conns + usize::from(c < args.lines % conns);
    let mut out = Vec::with_capacity(share * 48);
    for i in 0..share {
        let n = owned[i % owned.len()];
        let round = i / owned.len();
        let ms = base_ms + round as u64;
        let time = format!("{}.{:03}", ms / 1000, ms % 1000);
        writeln!(
            out,
            "PUTVAL {}/load{}{}/gauge-d{} interval={} {time}:{}",
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
            let mut reader = BufReader::with_capacity(1 << 16, stream);
            let (mut ok, mut errors) = (0, 0);
            let mut line = Vec::new();
            while ok + errors < expected {
                line.clear();
                if reader.read_until(b'\n', &mut line)? == 0 {
                    break;
                }
                if line.starts_with(b"0 Success") {
                    ok += 1;
                } else {
                    if errors < 3 {
                        eprintln!("reply: {}", String::from_utf8_lossy(&line).trim_end());
                    }
                    errors += 1;
                }
            }
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
    let rounds = (args.lines / args.ids.min(args.lines) + 1) as u64;
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
