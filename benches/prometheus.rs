//! Prometheus scrapes of 65 000 identifiers, and how long a scrape holds the store's lock.
//!
//! The identifiers are `h/load<c>/gauge-d<i>`: 650 families of 100 series.
//!
//! - `prometheus/scrape_65k_unchanged`: a whole scrape (text format) when
//!   nothing changed since the last one: copying each series' rendered
//!   prefix and formatting its number;
//! - `prometheus/read_65k_changed`: what the store's lock would be held for
//!   when every identifier changed since the last scrape, read in one go:
//!   `read_changes` with the exporter's copy of each entry (a keyed-hash
//!   lookup and a copy of its values);
//! - `prometheus/read_65k_changed_in_parts`: the same read as the exporter
//!   does it, in parts of 1 024 entries with the lock released between
//!   them. The bench also prints the longest part it saw, which is the
//!   longest a scrape stalls ingest.

use std::collections::HashMap;
use std::hint::black_box;

use collie::Time;
use collie::prometheus::Format;
use collie::value::Value;
use collied::output::prometheus::{Exporter, Settings};
use collied::store::{Store, Types};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

const FAMILIES: usize = 650;
const SERIES: usize = 100;

fn put_all(store: &Store<'_>, t: u64) {
    let mut reply = Vec::new();
    for f in 0..FAMILIES {
        for i in 0..SERIES {
            let line = format!(
                "PUTVAL h/load{f}/gauge-d{i} interval=1000 {t}:{}",
                t + i as u64
            );
            reply.clear();
            store.answer_whole(line.as_bytes(), Time::from_secs(t), &mut reply);
        }
    }
}

fn bench(c: &mut Criterion) {
    static TYPES: Types<'static> = Types::BUILTIN;
    let store = Store::new(&TYPES, "h", Time::from_secs(1000), 2);
    store.set_host_quota(0);
    let mut t = 1_800_000_000u64;
    put_all(&store, t);
    let settings = Settings {
        staleness: Some(Time::from_secs(1 << 40)),
        timestamps: false,
    };
    let exporter = Exporter::new(&store, &TYPES, settings);
    let first = exporter.scrape(Format::Text);
    assert!(first.len() > 3_000_000, "{} bytes", first.len());
    let mut g = c.benchmark_group("prometheus");
    g.sample_size(20);
    g.bench_function("scrape_65k_unchanged", |b| {
        b.iter(|| black_box(exporter.scrape(Format::Text).len()))
    });
    let reader = store.reader();
    store.read_changes(&reader, |_, _| {});
    let mut index: HashMap<Box<[u8]>, usize, foldhash::fast::RandomState> = HashMap::default();
    let mut copies = vec![[Value::default(); 8]; FAMILIES * SERIES];
    g.bench_function("read_65k_changed", |b| {
        b.iter_batched(
            || {
                t += 1;
                put_all(&store, t);
            },
            |()| {
                store.read_changes(&reader, |key, entry| {
                    let slot = match index.get(key) {
                        Some(&slot) => slot,
                        None => {
                            let n = index.len();
                            index.insert(key.into(), n);
                            n
                        }
                    };
                    for (c, v) in copies[slot].iter_mut().zip(entry.values()) {
                        *c = v;
                    }
                })
            },
            BatchSize::PerIteration,
        )
    });
    let mut longest = std::time::Duration::ZERO;
    g.bench_function("read_65k_changed_in_parts", |b| {
        b.iter_batched(
            || {
                t += 1;
                put_all(&store, t);
            },
            |()| {
                let mut seen = 0usize;
                let mut part_start = std::time::Instant::now();
                store.read_changes_in_parts(&reader, collied::store::READ_PART, |key, entry| {
                    if seen > 0 && seen.is_multiple_of(1024) {
                        longest = longest.max(part_start.elapsed());
                        part_start = std::time::Instant::now();
                    }
                    seen += 1;
                    let slot = index.get(key).copied().unwrap_or(0);
                    for (c, v) in copies[slot].iter_mut().zip(entry.values()) {
                        *c = v;
                    }
                });
                longest = longest.max(part_start.elapsed());
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
    println!("prometheus/read_65k_changed_in_parts: longest part {longest:?}");
}

criterion_group!(benches, bench);
criterion_main!(benches);
