//! Cost of one Netdata output tick over the store: 10 000 identifiers, 1 % or nothing changed.
//!
//! The identifiers are `h/p-<c>/gauge-<i>`: 1 000 charts of 10 dimensions.
//! Each iteration stores 100 new values (or none) through the protocol
//! handler, then ticks the Netdata output, which reads only the changed
//! entries through its cursor and writes every chart's BEGIN/SET/END into
//! a sink. `read_changes` alone shows what the lock is held for: with 100
//! changes (including storing them) and with none.

use std::hint::black_box;
use std::sync::Arc;

use collie::Time;
use collied::output::netdata::{Netdata, Settings};
use collied::output::{Output, Stream, Tick};
use collied::store::{Store, Types};
use criterion::{Criterion, criterion_group, criterion_main};

const CHARTS: usize = 1000;
const DIMS: usize = 10;

fn put(store: &Store<'_>, c: usize, i: usize, t: u64) {
    let line = format!("PUTVAL h/p-{c}/gauge-{i} interval=1 {t}:{}", t + i as u64);
    let mut reply = Vec::new();
    store.answer_whole(line.as_bytes(), Time::from_secs(t), &mut reply);
    debug_assert!(reply.starts_with(b"0 "));
}

fn tick(c: &mut Criterion) {
    static TYPES: Types<'static> = Types::BUILTIN;
    let store = Store::new(&TYPES, "h", Time::from_secs(1), 2);
    for ch in 0..CHARTS {
        for i in 0..DIMS {
            put(&store, ch, i, 1);
        }
    }
    let settings = Settings {
        update_every: 1,
        local_host: "h".into(),
        internal_charts: false,
    };
    let mut out = Netdata::new(
        settings,
        Arc::new(Stream::new(std::io::sink())),
        &store,
        &TYPES,
    );
    out.tick(&store, Tick::Second(1)).unwrap();
    let mut group = c.benchmark_group("store_tick");
    let mut t = 2u64;
    group.bench_function("10k_ids_1pct_changed", |b| {
        b.iter(|| {
            t += 1;
            // 100 of the 10 000 identifiers change: one dimension in each of 100 charts.
            for k in 0..100 {
                put(&store, (k * 10 + t as usize) % CHARTS, k % DIMS, t);
            }
            out.tick(&store, Tick::Second(t)).unwrap();
        })
    });
    group.bench_function("10k_ids_unchanged", |b| {
        b.iter(|| {
            t += 1;
            out.tick(&store, Tick::Second(t)).unwrap();
        })
    });
    let reader = store.reader();
    store.read_changes(&reader, |_, _| {});
    group.bench_function("read_changes_100_of_10k", |b| {
        b.iter(|| {
            t += 1;
            for k in 0..100 {
                put(&store, (k * 10 + t as usize) % CHARTS, k % DIMS, t);
            }
            let mut n = 0;
            store.read_changes(&reader, |k, _| n += k.len());
            black_box(n)
        })
    });
    group.bench_function("read_changes_none_of_10k", |b| {
        b.iter(|| {
            let mut n = 0;
            store.read_changes(&reader, |k, _| n += k.len());
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, tick);
criterion_main!(benches);
