//! Load and faults against the built `collied`, on Unix sockets only.
//!
//! `a_million_putvals_from_a_thousand_clients_are_all_kept` sends 1 M
//! pipelined PUTVALs from 1,000 concurrent clients over 10,000 identifiers
//! and checks every accepted value in LISTVAL, GETVAL and the Netdata
//! output. It is meant for an optimised build (`cargo test --release -p
//! collied --test load`) but also passes, slower, in a debug build.
//! `faulty_clients_slow_nobody_and_use_bounded_memory` runs misbehaving
//! clients next to one that must keep getting prompt answers. A closed
//! stdout (EPIPE) is tested in `process.rs`.

mod common;
#[path = "../../tests/support_netdata/mod.rs"]
mod support_netdata;

use std::collections::{HashMap, HashSet};
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{Collied, pipelined, read_until};

/// Concurrent clients of the load test.
const CLIENTS: usize = 1000;
/// Identifiers each client owns (and updates in turn).
const IDS_PER_CLIENT: usize = 10;
/// Updates of each identifier.
const ROUNDS: usize = 100;
/// Lines each client sends.
const LINES_PER_CLIENT: usize = IDS_PER_CLIENT * ROUNDS;
/// Identifiers per chart (the type instances of one plugin instance).
const DIMS: usize = 100;

/// Identifier number `n`: plugin instance `n / DIMS`, type instance `n % DIMS`.
fn identifier(n: usize) -> String {
    format!("h/load-{}/gauge-d{}", n / DIMS, n % DIMS)
}

/// The value identifier `n` gets in `round`.
fn value(n: usize, round: usize) -> usize {
    n * 1000 + round
}

/// `v` as `%e` prints it.
fn sci(v: f64) -> String {
    let s = format!("{v:.6e}");
    let (m, e) = s.split_once('e').unwrap();
    let e: i32 = e.parse().unwrap();
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// Peak and current resident memory of `pid` in KiB, from `/proc/<pid>/status`.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[test]
fn a_million_putvals_from_a_thousand_clients_are_all_kept() {
    let c = Collied::start(
        "hostname: h\ninterval: 1\ntimeout: 100000\nmax_clients: 1100\nnetdata: {update_every: 1}\n",
    );
    let base = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let time = move |round: usize| format!("{base}.{round:02}");
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let mut s = c.connect();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let barrier = Arc::clone(&barrier);
            thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    let mut lines = String::with_capacity(LINES_PER_CLIENT * 48);
                    for round in 0..ROUNDS {
                        for k in 0..IDS_PER_CLIENT {
                            let n = client * IDS_PER_CLIENT + k;
                            lines.push_str(&format!(
                                "PUTVAL {} interval=1 {}:{}\n",
                                identifier(n),
                                time(round),
                                value(n, round)
                            ));
                        }
                    }
                    barrier.wait();
                    // The replies (about 40 KB) fit in the socket buffer, so one thread writes then reads.
                    s.write_all(lines.as_bytes()).unwrap();
                    s.shutdown(Shutdown::Write).unwrap();
                    let mut replies = String::new();
                    s.read_to_string(&mut replies).unwrap();
                    replies
                })
                .unwrap()
        })
        .collect();
    let mut successes = 0;
    for w in workers {
        let replies = w.join().unwrap();
        for line in replies.lines() {
            assert_eq!(line, "0 Success: 1 value has been dispatched.");
            successes += 1;
        }
    }
    let took = started.elapsed();
    eprintln!(
        "{successes} PUTVALs in {took:?}: {:.0} lines/s",
        successes as f64 / took.as_secs_f64()
    );
    assert_eq!(successes, CLIENTS * LINES_PER_CLIENT);
    let total = CLIENTS * IDS_PER_CLIENT;

    // LISTVAL: exactly the identifiers sent, each with its last time.
    let mut s = c.connect();
    s.write_all(b"LISTVAL\n").unwrap();
    let listing = read_until(&mut s, Duration::from_secs(30), |t| {
        t.lines().count() > total
    });
    let mut lines = listing.lines();
    assert_eq!(lines.next(), Some(format!("{total} Values found").as_str()));
    let expected: HashSet<String> = (0..total)
        .map(|n| format!("{}0 {}", time(ROUNDS - 1), identifier(n)))
        .collect();
    let listed: HashSet<String> = lines.map(str::to_string).collect();
    assert_eq!(listed.len(), total, "duplicates in LISTVAL");
    let mut wrong: Vec<_> = listed.symmetric_difference(&expected).take(6).collect();
    wrong.sort();
    assert!(
        wrong.is_empty(),
        "LISTVAL differs from what was sent: {wrong:?}"
    );

    // GETVAL: a spot check of the last values.
    for n in (0..total).step_by(997) {
        let reply = Collied::ask(&mut s, &format!("GETVAL {}\n", identifier(n)), 2);
        let v = value(n, ROUNDS - 1) as f64;
        assert_eq!(reply[0], "1 Value found");
        let got: f64 = reply[1].strip_prefix("value=").unwrap().parse().unwrap();
        assert_eq!(got, v, "{}", identifier(n));
    }

    // Netdata: wait for two more ticks so the last values are charted.
    let after = c.stdout().len();
    let deadline = Instant::now() + Duration::from_secs(20);
    while c.stdout()[after..]
        .matches("BEGIN collied.commands")
        .count()
        < 2
    {
        assert!(Instant::now() < deadline, "no Netdata ticks after the load");
        thread::sleep(Duration::from_millis(100));
    }
    let text = c.stdout();
    let text = &text[..text.rfind("\nEND\n").unwrap() + 5];
    let report = support_netdata::validate(text).unwrap_or_else(|e| panic!("{e}"));
    let charts = total / DIMS;
    for p in 0..charts {
        let chart = &report.charts[&format!("load_{p}.gauge")];
        let dims: HashSet<&str> = chart.dims.iter().map(String::as_str).collect();
        assert_eq!(dims.len(), DIMS, "load_{p}.gauge: {:?}", chart.dims);
        for d in 0..DIMS {
            assert!(
                dims.contains(format!("d{d}").as_str()),
                "load_{p}.gauge lacks d{d}"
            );
        }
    }
    // Each tick (ended by the internal charts) updates each chart at most once.
    let mut last: HashMap<&str, HashMap<&str, i64>> = HashMap::new();
    let mut in_tick: HashSet<&str> = HashSet::new();
    let mut internal = false;
    for (chart, _, sets) in &report.updates {
        if chart.starts_with("collied.") {
            internal = true;
            continue;
        }
        if internal {
            in_tick.clear();
            internal = false;
        }
        assert!(in_tick.insert(chart), "{chart} twice in one tick");
        let dims = last.entry(chart).or_default();
        for (d, v) in sets {
            dims.insert(d, *v);
        }
    }
    for n in 0..total {
        let chart = format!("load_{}.gauge", n / DIMS);
        let dim = format!("d{}", n % DIMS);
        let want = i64::try_from(value(n, ROUNDS - 1) * 1000).unwrap();
        assert_eq!(
            last[chart.as_str()].get(dim.as_str()),
            Some(&want),
            "last SET of {chart} {dim}"
        );
    }
}

#[test]
fn faulty_clients_slow_nobody_and_use_bounded_memory() {
    let c = Collied::start("hostname: h\nnetdata: {enabled: false}\nwrite_timeout: 1\n");
    let pid = c.child.id();
    // Enough values for LISTVAL replies of about 100 KB.
    let mut fill = c.connect();
    let mut lines = String::new();
    for i in 0..2000 {
        lines.push_str(&format!(
            "PUTVAL h/fault-{i}/gauge-a-longer-type-instance N:{i}\n"
        ));
    }
    fill.write_all(lines.as_bytes()).unwrap();
    let acks = read_until(&mut fill, Duration::from_secs(10), |t| {
        t.lines().count() >= 2000
    });
    assert_eq!(acks.lines().count(), 2000);
    let (_, rss_before) = memory_kib(pid);
    // Count the peak from here: start-up (building the cache) is not what this measures.
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");

    let stop = Instant::now() + Duration::from_secs(6);
    let socket = c.socket().to_path_buf();
    let connect = move || {
        // A burst of connections may find the listen queue full: try again shortly.
        let deadline = Instant::now() + Duration::from_secs(5);
        let s = loop {
            match std::os::unix::net::UnixStream::connect(&socket) {
                Ok(s) => break s,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("cannot connect: {e}"),
            }
        };
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    };
    let mut faults = Vec::new();

    // Clients that hang up in the middle of a line.
    let conn = connect.clone();
    faults.push(thread::spawn(move || {
        let mut n = 0;
        while Instant::now() < stop {
            let mut s = conn();
            s.write_all(b"PUTVAL h/fault-mid/gauge interval=1 N:1")
                .unwrap();
            n += 1;
            thread::sleep(Duration::from_millis(2));
        }
        assert!(n > 100);
        format!("{n} clients hung up mid-line")
    }));

    // Clients that send 10 MB without a newline, then a command.
    let conn = connect.clone();
    faults.push(thread::spawn(move || {
        let mut n = 0;
        let junk = vec![b'x'; 10 << 20];
        while Instant::now() < stop {
            let mut s = conn();
            if let Err(e) = s.write_all(&junk) {
                let mut r = String::new();
                let _ = s.read_to_string(&mut r);
                panic!("writing 10 MB: {e}; collied said {r:?}");
            }
            s.write_all(b"\nGETVAL h/fault-1/gauge-a-longer-type-instance\n")
                .unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut reply = String::new();
            s.read_to_string(&mut reply).unwrap();
            assert_eq!(
                reply,
                "-1 Line too long (over 1024 bytes).\n1 Value found\nvalue=1.000000e+00\n"
            );
            n += 1;
        }
        assert!(n > 0);
        format!("{n} clients sent 10 MB lines")
    }));

    // Clients that send invalid UTF-8.
    let conn = connect.clone();
    faults.push(thread::spawn(move || {
        let mut n = 0;
        while Instant::now() < stop {
            let mut s = conn();
            s.write_all(b"PUTVAL h/\xff\xfe/gauge N:1\n\xc3\x28\x80\nPUTVAL h/x/gauge N:\xff\nGETVAL h/fault-2/gauge-a-longer-type-instance\n")
                .unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            let mut reply = Vec::new();
            s.read_to_end(&mut reply).unwrap();
            let reply = String::from_utf8_lossy(&reply);
            let lines: Vec<&str> = reply.lines().collect();
            assert_eq!(lines.len(), 5, "{reply}");
            // Identifiers are bytes, as in collectd; a broken command or value is an error.
            assert_eq!(lines[0], "0 Success: 1 value has been dispatched.");
            assert!(lines[1].starts_with("-1 Unknown command: "), "{reply}");
            assert_eq!(lines[2], "-1 Parsing the values string failed.");
            assert_eq!(lines[3..], ["1 Value found", "value=2.000000e+00"]);
            n += 1;
        }
        format!("{n} clients sent invalid UTF-8")
    }));

    // Clients that ask for big listings and never read them.
    let conn = connect.clone();
    faults.push(thread::spawn(move || {
        let mut dropped = 0;
        while Instant::now() < stop {
            let mut s = conn();
            s.set_write_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            let started = Instant::now();
            while Instant::now() < stop && started.elapsed() < Duration::from_secs(3) {
                match s.write_all(b"LISTVAL\n") {
                    Ok(()) => {}
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => {
                        dropped += 1;
                        break;
                    }
                }
            }
        }
        assert!(dropped > 0, "no client that never reads was dropped");
        format!("{dropped} clients that never read were dropped")
    }));

    // Meanwhile a well-behaved client is answered promptly.
    let mut probe = connect();
    let mut worst = Duration::ZERO;
    let mut asked = 0;
    while Instant::now() < stop {
        let started = Instant::now();
        let reply = Collied::ask(
            &mut probe,
            &format!("PUTVAL h/probe/gauge N:{asked}\nGETVAL h/probe/gauge\n"),
            3,
        );
        let took = started.elapsed();
        assert_eq!(reply[0], "0 Success: 1 value has been dispatched.");
        assert_eq!(reply[1], "1 Value found");
        assert_eq!(reply[2], format!("value={}", sci(f64::from(asked))));
        assert!(took < Duration::from_secs(1), "answer took {took:?}");
        worst = worst.max(took);
        asked += 1;
        thread::sleep(Duration::from_millis(20));
    }
    for f in faults {
        eprintln!("{}", f.join().unwrap());
    }
    let (hwm, rss_after) = memory_kib(pid);
    eprintln!(
        "probe: {asked} answers, slowest {worst:?}; memory: {rss_before} KiB before, {rss_after} KiB after, peak {hwm} KiB"
    );
    assert!(asked > 50, "only {asked} answers");
    assert!(
        hwm.saturating_sub(rss_before) < 64 * 1024,
        "memory grew from {rss_before} KiB to a peak of {hwm} KiB"
    );
    assert!(
        rss_after.saturating_sub(rss_before) < 64 * 1024,
        "memory grew from {rss_before} KiB to {rss_after} KiB"
    );
}

#[test]
fn a_hash_flood_slows_nobody() {
    // Identifiers that all had one 32-bit hash under the unkeyed hash collie
    // once used (a 16-byte block starting with its multiplier zeroed the
    // state): 60 000 of them cut throughput 304-fold and pushed a probe
    // client's p99 to 743 ms. Under a keyed hash they are ordinary keys.
    const FLOOD: usize = 60_000;
    let c = Collied::start("hostname: h\nhost_quota: 0\nnetdata: {enabled: false}\n");
    let mut flood = Vec::with_capacity(FLOOD * 64);
    for i in 0..FLOOD {
        flood.extend_from_slice(b"PUTVAL h/p/gauge-AAAAAA");
        flood.extend_from_slice(&[0xdb, 0x28, 0xb4, 0xa0, 0xd1, 0x7e, 0x03, 0xe7]);
        flood.extend_from_slice(format!("{i:08x}").as_bytes());
        flood.extend_from_slice(b"BBBBBBBBBBBBBBBB N:1\n");
    }
    let mut flooder = c.connect();
    let flooding = thread::spawn(move || {
        let started = Instant::now();
        let mut writer = flooder.try_clone().unwrap();
        let sent = thread::spawn(move || writer.write_all(&flood));
        let acks = read_until(&mut flooder, Duration::from_secs(120), |t| {
            t.matches('\n').count() >= FLOOD
        });
        sent.join().unwrap().unwrap();
        (acks.matches("0 Success").count(), started.elapsed())
    });

    // Meanwhile a well-behaved client asks, one round trip at a time.
    let mut probe = c.connect();
    let mut latencies = Vec::new();
    let mut n = 0;
    while !flooding.is_finished() || latencies.len() < 200 {
        let asked = Instant::now();
        let reply = Collied::ask(
            &mut probe,
            &format!("PUTVAL h/probe/gauge N:{n}\nGETVAL h/probe/gauge\n"),
            3,
        );
        latencies.push(asked.elapsed());
        assert_eq!(reply[2], format!("value={}", sci(n as f64)));
        n += 1;
    }
    let (stored, took) = flooding.join().unwrap();
    assert_eq!(stored, FLOOD, "every flooding identifier is stored");
    latencies.sort();
    let p99 = latencies[latencies.len() * 99 / 100];
    eprintln!(
        "{FLOOD} flooding PUTVALs in {took:?} ({:.0} lines/s); {} probes, median {:?}, p99 {p99:?}",
        FLOOD as f64 / took.as_secs_f64(),
        latencies.len(),
        latencies[latencies.len() / 2],
    );
    assert!(p99 < Duration::from_millis(100), "probe p99 {p99:?}");
}

/// Start collied with `yaml` and fill it with 65 535 identifiers of about 230 bytes: each LISTVAL reply is ~15 MB.
fn filled(yaml: &str) -> Collied {
    let c = Collied::start(yaml);
    let mut fill = c.connect();
    // Each part of an identifier is shorter than 128 bytes.
    let pad = "p".repeat(100);
    let mut lines = String::new();
    for i in 0..65_535 {
        // Five hosts, so each stays within the default quota of identifiers per host.
        lines.push_str(&format!("PUTVAL h{}{pad}/{pad}-{i}/gauge N:1\n", i % 5));
    }
    let acks = pipelined(&mut fill, lines, 65_535, Duration::from_secs(60));
    assert_eq!(acks.matches("0 Success").count(), 65_535);
    c
}

#[test]
fn a_full_cache_refuses_new_identifiers_at_exactly_its_capacity() {
    // 65 535 identifiers spread over every shard; one more fills the cache.
    let c = filled("netdata: {enabled: false}\n");
    let mut s = c.connect();
    let replies = Collied::ask(
        &mut s,
        "PUTVAL h0/p/gauge N:1\nPUTVAL h1/p/gauge N:1\nPUTVAL h0/p/gauge N:2\nGETVAL h1/p/gauge\n",
        4,
    );
    let ok = "0 Success: 1 value has been dispatched.";
    assert_eq!(
        replies,
        [
            ok,
            "-1 Value cache is full (capacity 65536).",
            ok,
            "-1 No such value."
        ],
        "the 65 536th identifier is the last taken; known ones still update"
    );
}

#[test]
fn large_replies_are_streamed_in_bounded_parts() {
    let c = filled("netdata: {enabled: false}\nwrite_timeout: 60\n");
    let pid = c.child.id();
    let (_, rss_before) = memory_kib(pid);
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
    // Twelve clients ask for LISTVAL (~15 MB each) and read only its first
    // bytes: built whole, their replies would hold 180 MB; streamed, each
    // holds one part.
    let mut stuck = Vec::new();
    for _ in 0..12 {
        let mut s = c.connect();
        s.write_all(b"LISTVAL\n").unwrap();
        stuck.push(s);
    }
    for s in &mut stuck {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let mut head = [0u8; 64];
        let n = s.read(&mut head).unwrap();
        assert!(
            head[..n].starts_with(b"65535 Values found"),
            "{:?}",
            &head[..n]
        );
    }
    thread::sleep(Duration::from_millis(500));
    let (hwm, _) = memory_kib(pid);
    eprintln!("12 LISTVALs of 65535 values held unread: peak RSS {rss_before} -> {hwm} KiB");
    // Meanwhile others are answered at once, a LISTVAL read in full included.
    let mut s = c.connect();
    let asked = Instant::now();
    let reply = Collied::ask(&mut s, "PUTVAL h0/p/gauge N:1\n", 1);
    assert_eq!(reply, ["0 Success: 1 value has been dispatched."]);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    s.write_all(b"LISTVAL\n").unwrap();
    let listing = read_until(&mut s, Duration::from_secs(60), |t| {
        t.matches('\n').count() >= 65_537
    });
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines[0], "65536 Values found");
    assert_eq!(lines.len(), 65_537);
    let keys: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split_once(' ').unwrap().1)
        .collect();
    // Values that expire while it is sent are still listed, in their place.
    assert!(
        keys.windows(2).all(|w| w[0] < w[1]),
        "in key order, once each"
    );
    assert!(
        hwm.saturating_sub(rss_before) < 24 * 1024,
        "memory grew from {rss_before} KiB to {hwm} KiB with 12 listings held"
    );
}

#[test]
fn a_slow_reader_meets_the_whole_reply_deadline() {
    let c = filled("netdata: {enabled: false}\nwrite_timeout: 2\n");
    let mut trickle = c.connect();
    trickle.write_all(b"LISTVAL\n").unwrap();
    // Take 4 KiB every half second for 4 s, past the 2 s deadline, then
    // read the rest as fast as possible: a reply cut at the deadline ends
    // far short of its ~15 MB.
    let mut got = 0usize;
    let mut chunk = [0u8; 4096];
    let trickled = Instant::now();
    while trickled.elapsed() < Duration::from_secs(4) {
        match trickle.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
        thread::sleep(Duration::from_millis(500));
    }
    trickle
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = vec![0u8; 1 << 20];
    let dropped = loop {
        match trickle.read(&mut rest) {
            Ok(0) => break true,
            Ok(n) => got += n,
            Err(_) => break false,
        }
    };
    assert!(got > 0, "the LISTVAL was not answered");
    assert!(dropped, "the connection was not closed");
    assert!(
        got < 10 << 20,
        "a trickling reader got {got} bytes: its reply outlived the deadline"
    );
}
