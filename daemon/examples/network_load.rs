//! A load generator for collectd's binary network protocol (collied or collectd's network plugin).
//!
//! ```text
//! cargo run --release -p collied --example network_load -- ADDRESS SOCKET
//!     [--rate 1000000] [--seconds 2] [--values N] [--ids 10000] [--host bench]
//! ```
//!
//! It sends gauge value lists over `--ids` identifiers
//! (`HOST-N/load/gauge-dM`, 100 per host), in 1452-byte packets as
//! collectd's network plugin builds them, paced to `--rate` values a second
//! for `--seconds` (or `--values` in all; `--rate 0` sends them unpaced). Every round over the identifiers has a later time, so
//! every value should be stored. Last it sends one value of
//! `HOST/sentinel/gauge` and asks the server's Unix socket (`SOCKET`,
//! collectd's unixsock or collied's) with GETVAL until that value is
//! there: a server stores a listener's packets in order, so by then it has
//! handled all of them. Packets the kernel dropped at the server's socket
//! are read from `/proc/net/udp` (`/proc/net/udp6` for IPv6). It prints:
//!
//! ```text
//! rate=1000000 sent=2000000 packets=51283 dropped_packets=0 lost=0 seconds=2.013 received_per_s=993541
//! ```
//!
//! `received_per_s` is the values stored (sent less lost) over the time
//! from the first packet to the sentinel's arrival. The exit status is 1 if
//! the sentinel never arrived.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use collie_core::network::{DEFAULT_PACKET_SIZE, EncodeError, Encoder, ValueList, identifier};
use collie_core::{Time, Value};

/// Identifiers per host.
const PER_HOST: usize = 100;

/// How long to wait for the sentinel after the last packet.
const DRAIN: Duration = Duration::from_secs(60);

struct Args {
    address: SocketAddr,
    socket: String,
    rate: u64,
    seconds: f64,
    values: Option<u64>,
    ids: usize,
    host: String,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut a = Args {
        address: ([127, 0, 0, 1], 25826).into(),
        socket: String::new(),
        rate: 1_000_000,
        seconds: 2.0,
        values: None,
        ids: 10_000,
        host: "bench".into(),
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rate" => a.rate = value()?.parse().map_err(|e| format!("--rate: {e}"))?,
            "--seconds" => a.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--values" => a.values = Some(value()?.parse().map_err(|e| format!("--values: {e}"))?),
            "--ids" => a.ids = value()?.parse().map_err(|e| format!("--ids: {e}"))?,
            "--host" => a.host = value()?,
            _ => positional.push(arg),
        }
    }
    let [address, socket] = <[String; 2]>::try_from(positional)
        .map_err(|_| "usage: network_load ADDRESS SOCKET [--rate N] [--seconds S] [--values N] [--ids N] [--host H]")?;
    a.address = address.parse().map_err(|e| format!("{address}: {e}"))?;
    a.socket = socket;
    Ok(a)
}

/// The packets of one round over every identifier at `time`.
fn round(names: &[(Vec<u8>, Vec<u8>)], time: Time, value: f64, out: &mut Vec<Vec<u8>>) {
    let mut buf = [0u8; DEFAULT_PACKET_SIZE];
    let mut encoder = Encoder::new(&mut buf);
    let values = [Value::Gauge(value)];
    for (host, instance) in names {
        let vl = ValueList {
            id: identifier(host, b"load", b"", b"gauge", instance),
            time,
            interval: Time::from_secs(10),
            values: &values[..],
        };
        if let Err(EncodeError::Full) = encoder.push_values(&vl) {
            out.push(encoder.packet().to_vec());
            encoder.clear();
            encoder
                .push_values(&vl)
                .expect("one value list fits a packet");
        }
    }
    if !encoder.is_empty() {
        out.push(encoder.packet().to_vec());
    }
}

/// Return the kernel's drop count for the UDP socket bound to `address`.
fn kernel_drops(address: SocketAddr) -> u64 {
    let (file, want) = match address {
        SocketAddr::V4(a) => (
            "/proc/net/udp",
            format!(
                "{:08X}:{:04X}",
                u32::from_le_bytes(a.ip().octets()),
                a.port()
            ),
        ),
        SocketAddr::V6(a) => ("/proc/net/udp6", format!(":{:04X}", a.port())),
    };
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(1)
                .is_some_and(|local| local.ends_with(&want))
        })
        .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
        .sum()
}

fn now() -> Time {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Time::from_secs_f64(d.as_secs_f64())
}

/// Ask `socket` for the sentinel until it holds `value`; return whether it did in time.
fn wait_for_sentinel(socket: &str, host: &str, value: f64, deadline: Instant) -> bool {
    let Ok(conn) = UnixStream::connect(socket) else {
        return false;
    };
    let mut reader = BufReader::new(conn.try_clone().expect("a socket can be cloned"));
    let mut w = conn;
    while Instant::now() < deadline {
        if writeln!(w, "GETVAL \"{host}/sentinel/gauge\"").is_err() {
            return false;
        }
        let mut status = String::new();
        if reader.read_line(&mut status).unwrap_or(0) == 0 {
            return false;
        }
        let count: usize = status
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut found = false;
        for _ in 0..count {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap_or(0);
            let v = line
                .trim()
                .split_once('=')
                .and_then(|(_, v)| v.parse::<f64>().ok());
            found |= v == Some(value);
        }
        if found {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

fn main() -> ExitCode {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let names: Vec<(Vec<u8>, Vec<u8>)> = (0..a.ids)
        .map(|i| {
            let host = format!("{}-{}", a.host, i / PER_HOST).into_bytes();
            (host, format!("d{}", i % PER_HOST).into_bytes())
        })
        .collect();
    let total = a.values.unwrap_or((a.rate as f64 * a.seconds) as u64);
    let rounds = total.div_ceil(a.ids.max(1) as u64).max(1);
    let start_time = now();
    // Every packet is built before the clock starts.
    let mut packets = Vec::new();
    let mut per_packet = Vec::new();
    for r in 0..rounds {
        let before = packets.len();
        round(
            &names,
            start_time.saturating_add(Time(r + 1)),
            r as f64,
            &mut packets,
        );
        let made = packets.len() - before;
        for p in 0..made {
            let n = a.ids / made + usize::from(p < a.ids % made);
            per_packet.push(n as u64);
        }
    }
    let sent: u64 = per_packet.iter().sum();
    let socket = UdpSocket::bind(("127.0.0.1", 0)).expect("a UDP socket can be bound");
    let socket = if a.address.is_ipv6() {
        UdpSocket::bind("[::1]:0").expect("an IPv6 UDP socket can be bound")
    } else {
        socket
    };
    socket
        .connect(a.address)
        .expect("the address can be connected to");
    let drops_before = kernel_drops(a.address);
    let started = Instant::now();
    let mut values = 0u64;
    for (p, n) in packets.iter().zip(&per_packet) {
        // Paced: never ahead of `rate` values a second.
        if a.rate > 0 {
            let due = Duration::from_secs_f64(values as f64 / a.rate as f64);
            while started.elapsed() < due {
                std::hint::spin_loop();
            }
        }
        if socket.send(p).is_err() {
            continue;
        }
        values += n;
    }
    let sentinel = rounds as f64 + 0.5;
    let mut buf = [0u8; DEFAULT_PACKET_SIZE];
    let mut e = Encoder::new(&mut buf);
    let vl = ValueList {
        id: identifier(a.host.as_bytes(), b"sentinel", b"", b"gauge", b""),
        time: now(),
        interval: Time::from_secs(10),
        values: &[Value::Gauge(sentinel)][..],
    };
    e.push_values(&vl).expect("one value list fits a packet");
    let _ = socket.send(e.packet());
    let arrived = wait_for_sentinel(&a.socket, &a.host, sentinel, Instant::now() + DRAIN);
    let seconds = started.elapsed().as_secs_f64();
    let dropped = kernel_drops(a.address).saturating_sub(drops_before);
    let per = sent as f64 / packets.len().max(1) as f64;
    let lost = (dropped as f64 * per).round() as u64 + (sent - values);
    println!(
        "rate={} sent={sent} packets={} dropped_packets={dropped} lost={lost} seconds={seconds:.3} received_per_s={:.0}{}",
        a.rate,
        packets.len(),
        (sent - lost.min(sent)) as f64 / seconds,
        if arrived { "" } else { " sentinel=missing" }
    );
    if arrived {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
