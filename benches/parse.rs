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
    let mut lines = Vec::new();
    for i in 0..1000u64 {
        let host = format!("web-{:02}.example.net", i % 40);
        let t = 1_700_000_000 + i * 10;
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
    let mut inputs = vec![("putval_mix", putval_mix()), ("command_mix", command_mix())];
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

    let mut group = c.benchmark_group("handle");
    for (name, lines) in &inputs[..2] {
        group.throughput(Throughput::Bytes(bytes(lines)));
        group.bench_with_input(BenchmarkId::from_parameter(name), lines, |b, lines| {
            let mut handler: Box<Handler<'static, Builtin, 1024>> =
                Box::new(Handler::new(&BUILTIN, Time::from_secs(10)));
            let mut reply = Vec::with_capacity(1 << 20);
            let mut scratch = Scratch::new();
            let mut now = 1_800_000_000u64;
            b.iter(|| {
                // Fresh times each round so PUTVALs are accepted, not refused as old.
                now += 1;
                handler.cache_mut().clear();
                reply.clear();
                for line in lines {
                    let r = handler.handle(
                        line.as_bytes(),
                        &mut scratch,
                        Time::from_secs(now),
                        &mut reply,
                    );
                    black_box(r.is_ok());
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
