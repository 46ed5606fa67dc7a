//! collectd's binary network protocol: encoding into packets and decoding them.
//!
//! The workload is 10 000 value lists as a collectd agent sends them, with
//! realistic names (`host-017/cpu-3/cpu-user`, `host-017/interface-eth1/if_octets`,
//! …), one or two values each, grouped by host and plugin as the agent
//! reads them:
//!
//! - `encode/10000`: every list into 1452-byte packets (collectd's
//!   `MaxPacketSize`), a new packet each time one is full;
//! - `decode/10000`: decoding those packets back into value lists, every
//!   value read;
//! - `sign/packet` and `encrypt/packet`: sealing one full packet.
//!
//! The target for encoding is at least 20 M values/s.

use std::hint::black_box;

use collie_core::network::security;
use collie_core::network::{
    DEFAULT_PACKET_SIZE, EncodeError, Encoder, Record, Records, SecurityLevel, ValueList,
    identifier,
};
use collie_core::{Time, Value};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// One value list to send: its names and values.
struct List {
    names: [Vec<u8>; 5],
    values: Vec<Value>,
}

fn workload() -> Vec<List> {
    let mut lists = Vec::new();
    let s = |t: &str| t.as_bytes().to_vec();
    'hosts: for h in 0.. {
        let host = format!("host-{h:03}");
        for cpu in 0..4 {
            for state in ["user", "system", "idle", "wait"] {
                lists.push(List {
                    names: [s(&host), s("cpu"), s(&cpu.to_string()), s("cpu"), s(state)],
                    values: vec![Value::Derive(1_000_000 + h * 7 + cpu)],
                });
            }
        }
        for eth in ["eth0", "eth1"] {
            for type_ in ["if_octets", "if_packets", "if_errors"] {
                lists.push(List {
                    names: [s(&host), s("interface"), s(eth), s(type_), s("")],
                    values: vec![Value::Derive(h * 1000), Value::Derive(h * 2000)],
                });
            }
        }
        for g in ["used", "free", "cached", "buffered"] {
            lists.push(List {
                names: [s(&host), s("memory"), s(""), s("memory"), s(g)],
                values: vec![Value::Gauge(1.5e9 + h as f64)],
            });
        }
        if lists.len() >= 10_000 {
            break 'hosts;
        }
    }
    lists.truncate(10_000);
    lists
}

/// Encode every list; call `sent` with each full packet.
fn encode(lists: &[List], buf: &mut [u8], mut sent: impl FnMut(&[u8])) -> usize {
    let mut encoder = Encoder::new(buf);
    let mut values = 0;
    for l in lists {
        let [h, p, pi, t, ti] = &l.names;
        let vl = ValueList {
            id: identifier(h, p, pi, t, ti),
            time: Time::from_secs(1_700_000_000),
            interval: Time::from_secs(10),
            values: &l.values[..],
        };
        if let Err(EncodeError::Full) = encoder.push_values(&vl) {
            sent(encoder.packet());
            encoder.clear();
            encoder.push_values(&vl).expect("fits an empty packet");
        }
        values += l.values.len();
    }
    sent(encoder.packet());
    values
}

fn bench(c: &mut Criterion) {
    let lists = workload();
    let mut buf = vec![0u8; DEFAULT_PACKET_SIZE];
    let mut packets: Vec<Vec<u8>> = Vec::new();
    let values = encode(&lists, &mut buf, |p| packets.push(p.to_vec()));

    let mut g = c.benchmark_group("network");
    g.throughput(Throughput::Elements(values as u64));
    g.bench_function("encode/10000", |b| {
        b.iter(|| {
            let mut bytes = 0;
            encode(black_box(&lists), &mut buf, |p| bytes += p.len());
            black_box(bytes)
        })
    });
    g.bench_function("decode/10000", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for p in &packets {
                for r in Records::new(black_box(p)) {
                    if let Ok(Record::Values(vl)) = r {
                        for v in vl.values.iter() {
                            sum = sum.wrapping_add(match v {
                                Value::Gauge(g) => g as u64,
                                Value::Derive(d) => d as u64,
                                Value::Counter(n) | Value::Absolute(n) => n,
                            });
                        }
                    }
                }
            }
            black_box(sum)
        })
    });
    g.finish();

    let mut g = c.benchmark_group("network");
    g.throughput(Throughput::Bytes(packets[0].len() as u64));
    for level in [SecurityLevel::Sign, SecurityLevel::Encrypt] {
        let room = security::reserve(level, b"alice");
        let mut sealed = vec![0u8; room + packets[0].len()];
        g.bench_function(format!("{}/packet", level.as_str()), |b| {
            b.iter(|| {
                sealed[room..].copy_from_slice(&packets[0]);
                security::seal(&mut sealed, level, b"alice", b"s3cret", [7; 16]).unwrap();
                black_box(sealed[room])
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
