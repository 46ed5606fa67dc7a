//! Parse throughput of collectd's plain text protocol, in bytes per second.
//!
//! Each input is a realistic batch of lines, already split, so the figure is
//! the parser's alone: tokenizing, unquoting, identifier and option checks
//! and typed value parsing. `handle/*` adds the cache and the reply.

use std::hint::black_box;

use collie::Handler;
use collie::dataset::{BUILTIN, Builtin};
use collie::protocol::{self, Scratch};
use collie::time::Time;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

/// PUTVAL lines as collectd's Exec plugins and scripts send them.
fn putval_mix() -> Vec<String> {
    putval_mix_from(1_700_000_000)
}

/// The PUTVAL mix with times from `start` on, the last at `start + 9 990`.
fn putval_mix_from(start: u64) -> Vec<String> {
    let mut lines = Vec::new();
    for i in 0..1000u64 {
        let host = format!("web-{:02}.example.net", i % 40);
        let t = start + i * 10;
        lines.push(match i % 6 {
            0 => format!(
                "PUTVAL {host}/cpu-{}/cpu-user interval=10 {t}:{}",
                i % 8,
                i * 1234
            ),
            1 => format!(
                "PUTVAL {host}/memory/memory-used interval=10 {t}:{}.5",
                i * 4096
            ),
            2 => format!(
                "PUTVAL {host}/interface-eth0/if_octets interval=10 {t}:{}:{}",
                i * 1500,
                i * 900
            ),
            3 => format!(
                "PUTVAL {host}/load/load interval=10 {t}:0.{:02}:0.35:0.30",
                i % 100
            ),
            4 => format!(
                "PUTVAL {host}/df-root/df_complex-free interval=10 {t}:{}",
                1u64 << 33
            ),
            _ => format!(
                "PUTVAL {host}/disk-sda/disk_octets N:{}:{}",
                i * 512,
                i * 256
            ),
        });
    }
    lines
}

/// Every command kind, in the proportions a busy server sees.
fn command_mix() -> Vec<String> {
    let mut lines = putval_mix();
    lines.truncate(600);
    for i in 0..400u64 {
        let host = format!("web-{:02}.example.net", i % 40);
        lines.push(match i % 4 {
            0 | 1 => format!("GETVAL {host}/cpu-{}/cpu-user", i % 8),
            2 => format!("FLUSH timeout=10 plugin=rrdtool identifier={host}/load/load"),
            _ if i % 40 == 3 => "LISTVAL".to_string(),
            _ => format!(
                "PUTNOTIF severity=warning time={} host={host} plugin=df type=df_complex message=\"disk nearly full\"",
                1_700_000_000 + i
            ),
        });
    }
    lines
}

/// The expensive shapes: long quoted identifiers with escapes, and many value lists.
fn worst_cases() -> Vec<(&'static str, Vec<String>)> {
    let instance = "a very long \\\"quoted\\\" mount point /srv/data/".repeat(3);
    let quoted = vec![
        format!(
            "PUTVAL \"host/df-{}/df_complex-used\" 1700000000:1.5",
            &instance[..100]
        );
        100
    ];
    let lists: Vec<String> = (0..60)
        .map(|k| format!("{}:{k}", 1_700_000_000 + k))
        .collect();
    let many = vec![format!("PUTVAL host/cpu-0/cpu-idle {}", lists.join(" ")); 100];
    vec![("long_quoted", quoted), ("many_values", many)]
}

fn bytes(lines: &[String]) -> u64 {
    lines.iter().map(|l| l.len() as u64 + 1).sum()
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    // The same PUTVALs with their identifiers quoted, as libcollectdclient sends them.
    let quoted: Vec<String> = putval_mix()
        .iter()
        .map(|l| {
            let (id, rest) = l["PUTVAL ".len()..].split_once(' ').unwrap();
            format!("PUTVAL \"{id}\" {rest}")
        })
        .collect();
    let mut inputs = vec![
        ("putval_mix", putval_mix()),
        ("command_mix", command_mix()),
        ("putval_quoted", quoted),
    ];
    inputs.extend(worst_cases());
    for (name, lines) in &inputs {
        group.throughput(Throughput::Bytes(bytes(lines)));
        group.bench_with_input(BenchmarkId::from_parameter(name), lines, |b, lines| {
            let mut scratch = Scratch::new();
            b.iter(|| {
                for line in lines {
                    let parsed =
                        protocol::parse(black_box(line.as_bytes()), &mut scratch, &BUILTIN);
                    black_box(parsed.is_ok());
                }
            })
        });
    }
    group.finish();

    // Handling in steady state: every identifier is cached, every value
    // newer than the last. The mix is prepared for ROUNDS rounds, each
    // later than the one before; the cache starts again only once they are
    // used up, so one round in ROUNDS inserts instead of updating. Each
    // line gets its own local time, as the daemon gives it, so `N` lines
    // for one identifier are all accepted.
    const ROUNDS: u64 = 64;
    let mut group = c.benchmark_group("handle");
    let putval_rounds = |r: u64| putval_mix_from(1_700_000_000 + r * 10_000);
    let command_rounds = |r: u64| {
        let mut lines = putval_rounds(r);
        lines.truncate(600);
        lines.extend(command_mix().into_iter().skip(600));
        lines
    };
    let kinds: [(&str, Vec<Vec<String>>); 2] = [
        ("putval_mix", (0..ROUNDS).map(putval_rounds).collect()),
        ("command_mix", (0..ROUNDS).map(command_rounds).collect()),
    ];
    for (name, rounds) in kinds {
        assert_steady(&rounds);
        group.throughput(Throughput::Bytes(bytes(&rounds[0])));
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            let mut handler: Box<Handler<'static, Builtin, 1024>> =
                Box::new(Handler::new(&BUILTIN, Time::from_secs(10)));
            let mut reply = Vec::with_capacity(1 << 20);
            let mut scratch = Scratch::new();
            let mut round = 0;
            let mut now = Time::from_secs(1_800_000_000);
            b.iter(|| {
                if round % ROUNDS == 0 {
                    handler.cache_mut().clear();
                }
                reply.clear();
                for line in &rounds[(round % ROUNDS) as usize] {
                    now = now.saturating_add(Time(1));
                    let r = handler.handle(line.as_bytes(), &mut scratch, now, &mut reply);
                    black_box(r.is_ok());
                }
                round += 1;
            })
        });
    }
    group.finish();
}

/// Check that handling `rounds` in turn refuses nothing but the GETVALs of values never stored.
fn assert_steady(rounds: &[Vec<String>]) {
    let mut handler: Box<Handler<'static, Builtin, 1024>> =
        Box::new(Handler::new(&BUILTIN, Time::from_secs(10)));
    let mut scratch = Scratch::new();
    let mut now = Time::from_secs(1_800_000_000);
    let mut reply = Vec::new();
    for lines in rounds {
        for line in lines {
            now = now.saturating_add(Time(1));
            reply.clear();
            handler
                .handle(line.as_bytes(), &mut scratch, now, &mut reply)
                .unwrap();
            let refused = reply.starts_with(b"-1") && !reply.starts_with(b"-1 No such value");
            assert!(!refused, "{line}: {}", String::from_utf8_lossy(&reply));
        }
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);
