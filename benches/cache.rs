//! Value cache throughput: PUTVAL updates, GETVAL lookups and LISTVAL.
//!
//! Measures, with realistic keys of 24–60 bytes (`host-017/cpu-3/cpu-user`,
//! `host-017/df-var-lib-docker/df_complex-reserved`, …):
//!
//! - `update/<n>`: `ValueCache::update` of a known key, `n` keys cached,
//!   keys visited in a fixed shuffled order (no locality to help);
//! - `update_in_order/<n>`: the same in insertion order, as a collectd
//!   client sends its values the same way every interval;
//! - `get/<n>`: `ValueCache::get` hits in shuffled order;
//! - `listval/10000`: a whole LISTVAL reply of 10 000 keys, `iter_sorted`
//!   and formatting every line into a reused `Vec<u8>`;
//! - `listval_walk/10000`: the cache's share of that, `iter_sorted` alone;
//! - `memory_floor/<n>`: no cache, the floor under `update/<n>`: one read
//!   of a random place in as many bytes as the cache of `n` keys has
//!   records and slots, each read's place taken from the one before (an
//!   update reads a slot and then the record it names, one after the other).
//!
//! The target is at least 10 M updates/s (≤ 100 ns each) at 10 000 keys.
//! The caches live in `static`s: `ValueCache::new` is `const`, so even the
//! 100 000-key cache (about 20 MB) is never built on the stack.

use std::hint::black_box;
use std::sync::Mutex;

use collie_core::cache::ValueCache;
use collie_core::dataset::{BUILTIN, DataSet};
use collie_core::protocol::reply::{write_listval_entry, write_values_found};
use collie_core::{DsType, Time, Value};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

static SMALL: Mutex<ValueCache<1024>> = Mutex::new(ValueCache::new());
static MEDIUM: Mutex<ValueCache<16384>> = Mutex::new(ValueCache::new());
static LARGE: Mutex<ValueCache<131_072>> = Mutex::new(ValueCache::new());

/// One cached value: its key, data set and a value list to feed it.
struct Metric {
    key: Vec<u8>,
    data_set: &'static DataSet<'static>,
    values: &'static [Value],
}

/// The updates to replay, laid out one after another as a receive buffer
/// holds them, so the benchmark itself reads memory in order.
struct Stream {
    keys: Vec<u8>,
    ops: Vec<Op>,
}

struct Op {
    key: std::ops::Range<usize>,
    data_set: &'static DataSet<'static>,
    values: &'static [Value],
}

impl Stream {
    fn new(metrics: &[Metric], order: &[usize]) -> Stream {
        let mut keys = Vec::new();
        let ops = order
            .iter()
            .map(|&i| {
                let m = &metrics[i];
                let start = keys.len();
                keys.extend_from_slice(&m.key);
                Op {
                    key: start..keys.len(),
                    data_set: m.data_set,
                    values: m.values,
                }
            })
            .collect();
        Stream { keys, ops }
    }

    /// Cycle through the ops forever: key, data set and values.
    fn cycle(&self) -> impl Iterator<Item = (&[u8], &'static DataSet<'static>, &'static [Value])> {
        self.ops
            .iter()
            .cycle()
            .map(|op| (&self.keys[op.key.clone()], op.data_set, op.values))
    }
}

/// Build `n` distinct keys shaped like a fleet's collectd metrics.
fn metrics(n: usize) -> Vec<Metric> {
    let set = |name: &str| BUILTIN.find(name.as_bytes()).expect("built-in data set");
    let (cpu, df, disk, if_octets, memory, load) = (
        set("cpu"),
        set("df_complex"),
        set("disk_octets"),
        set("if_octets"),
        set("memory"),
        set("load"),
    );
    const CPU: [&str; 4] = ["user", "system", "idle", "wait"];
    const MOUNTS: [&str; 4] = ["root", "boot", "var-lib-docker", "srv-data-postgres"];
    const DF: [&str; 3] = ["free", "used", "reserved"];
    const MEMORY: [&str; 4] = ["used", "free", "cached", "buffered"];
    let mut out = Vec::with_capacity(n);
    // 68 values per host: 32 CPU, 12 df, 4 disks, 4 interfaces, 4 memory, 1 load, 11 vmem.
    'hosts: for host in 0.. {
        let mut push = |key: String, data_set: &'static DataSet<'static>| {
            let values: &'static [Value] =
                match (data_set.sources.len(), data_set.sources[0].ds_type) {
                    (1, DsType::Gauge) => &[Value::Gauge(1.5)],
                    (1, _) => &[Value::Derive(1)],
                    (2, _) => &[Value::Derive(1), Value::Derive(2)],
                    _ => &[Value::Gauge(0.5), Value::Gauge(0.25), Value::Gauge(0.125)],
                };
            out.push(Metric {
                key: key.into_bytes(),
                data_set,
                values,
            });
            out.len() == n
        };
        let h = format!("host-{host:03}");
        for c in 0..8 {
            for state in CPU {
                if push(format!("{h}/cpu-{c}/cpu-{state}"), cpu) {
                    break 'hosts;
                }
            }
        }
        for mount in MOUNTS {
            for kind in DF {
                if push(format!("{h}/df-{mount}/df_complex-{kind}"), df) {
                    break 'hosts;
                }
            }
        }
        for disk_name in ["sda", "sdb", "nvme0n1", "nvme1n1"] {
            if push(format!("{h}/disk-{disk_name}/disk_octets"), disk) {
                break 'hosts;
            }
        }
        for nic in ["eth0", "eth1", "lo", "docker0"] {
            if push(format!("{h}/interface-{nic}/if_octets"), if_octets) {
                break 'hosts;
            }
        }
        for kind in MEMORY {
            if push(format!("{h}/memory/memory-{kind}"), memory) {
                break 'hosts;
            }
        }
        if push(format!("{h}/load/load"), load) {
            break 'hosts;
        }
        for v in 0..11 {
            if push(format!("{h}/vmem/vmpage_number-zone{v}"), memory) {
                break 'hosts;
            }
        }
    }
    out
}

/// A fixed pseudo-random permutation of `0..n`.
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut x = 0x9e37_79b9_7f4a_7c15_u64;
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        order.swap(i, (x % (i as u64 + 1)) as usize);
    }
    order
}

/// The time of the `step`-th update: a millisecond apart, so always newer.
fn time(step: u64) -> Time {
    Time(Time::from_secs(1_000_000).0 + step * (1 << 20))
}

fn fill<const N: usize>(cache: &mut ValueCache<N>, metrics: &[Metric]) {
    cache.clear();
    let ten = Time::from_secs(10);
    for m in metrics {
        let up = cache
            .update(&m.key, m.data_set, time(0), ten, m.values, time(0))
            .expect("room for every key");
        assert!(up.inserted);
    }
    assert_eq!(cache.len(), metrics.len());
}

fn bench_size<const N: usize>(c: &mut Criterion, cache: &Mutex<ValueCache<N>>, n: usize) {
    let metrics = metrics(n);
    let shuffled = Stream::new(&metrics, &shuffled(n));
    let in_order = Stream::new(&metrics, &(0..n).collect::<Vec<_>>());
    let mut cache = cache.lock().expect("bench cache");
    fill(&mut cache, &metrics);
    let ten = Time::from_secs(10);
    let mut step = 1;

    let mut group = c.benchmark_group("cache");
    group.throughput(Throughput::Elements(1));
    for (name, order) in [("update", &shuffled), ("update_in_order", &in_order)] {
        group.bench_function(BenchmarkId::new(name, n), |b| {
            let mut next = order.cycle();
            b.iter(|| {
                let (key, data_set, values) = next.next().expect("endless");
                step += 1;
                let up = cache.update(
                    black_box(key),
                    data_set,
                    time(step),
                    ten,
                    values,
                    time(step),
                );
                black_box(up.map(|up| up.inserted)).expect("a known key updates");
            })
        });
    }
    group.bench_function(BenchmarkId::new("get", n), |b| {
        let mut next = shuffled.cycle();
        b.iter(|| {
            let (key, _, _) = next.next().expect("endless");
            black_box(cache.get(black_box(key)).map(|e| e.time())).expect("a hit");
        })
    });
    group.finish();
}

fn listval(c: &mut Criterion) {
    let n = 10_000;
    let metrics = metrics(n);
    let mut cache = MEDIUM.lock().expect("bench cache");
    fill(&mut cache, &metrics);
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut group = c.benchmark_group("cache");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(BenchmarkId::new("listval", n), |b| {
        b.iter(|| {
            out.clear();
            write_values_found(&mut out, cache.len()).expect("Vec grows");
            for (key, entry) in cache.iter_sorted() {
                write_listval_entry(&mut out, entry.time(), key).expect("Vec grows");
            }
            black_box(out.len())
        })
    });
    // The cache's share of that: walking the keys in order without formatting.
    group.bench_function(BenchmarkId::new("listval_walk", n), |b| {
        b.iter(|| {
            let walked = cache
                .iter_sorted()
                .map(|(key, entry)| (key.len() as u64) ^ entry.time().0);
            black_box(walked.fold(0, u64::wrapping_add))
        })
    });
    group.finish();
}

/// One dependent read at a random place in `bytes` bytes: what a cache miss costs here.
fn memory_floor(c: &mut Criterion, n: usize, bytes: usize) {
    // A single random cycle through every 64-byte line, one `u64` a line.
    let lines = bytes / 64;
    let order = shuffled(lines);
    let mut next = vec![0u64; lines * 8];
    for w in 0..lines {
        next[order[w] * 8] = order[(w + 1) % lines] as u64;
    }
    let mut group = c.benchmark_group("cache");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("memory_floor", n), |b| {
        let mut at = 0u64;
        b.iter(|| {
            at = next[at as usize * 8];
            black_box(at)
        })
    });
    group.finish();
}

fn cache(c: &mut Criterion) {
    bench_size(c, &SMALL, 1_000);
    bench_size(c, &MEDIUM, 10_000);
    bench_size(c, &LARGE, 100_000);
    // What the 100 000-key cache touches: its records (about 100 bytes a
    // key in this mix) and its hash slots (16 bytes a key of capacity).
    let large = LARGE.lock().expect("bench cache");
    let touched = large.record_bytes() + 16 * large.capacity();
    drop(large);
    memory_floor(c, 100_000, touched);
    listval(c);
}

criterion_group!(benches, cache);
criterion_main!(benches);
