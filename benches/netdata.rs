//! Cost of one plugins.d update cycle: 100 charts × 10 dimensions.
//!
//! Measures `Writer::update` writing BEGIN/SET/END for every chart into a
//! reused `Vec<u8>`, after the definitions were sent once; the target is
//! well under 20 µs per cycle on one core.

use std::hint::black_box;

use collie::chart::{Chart, ChartState, Collector, Dimension, DimensionValue};
use collie::netdata::{Plugin, Writer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CHART_COUNT: usize = 100;
const DIM_COUNT: usize = 10;

const DIMS: &[Dimension<'static>] = &[
    Dimension::new("dim_0"),
    Dimension::new("dim_1"),
    Dimension::new("dim_2"),
    Dimension::new("dim_3"),
    Dimension::new("dim_4"),
    Dimension::new("dim_5").divisor(10),
    Dimension::new("dim_6").divisor(10),
    Dimension::new("dim_7").divisor(100),
    Dimension::new("dim_8").divisor(100),
    Dimension::new("dim_9").divisor(1000),
];

macro_rules! charts {
    ($($n:literal)*) => {
        &[$(Chart::new("bench", concat!("chart_", $n))
            .title(concat!("Chart number ", $n))
            .units("things/s")
            .family("bench")
            .context("bench.chart")
            .dimensions(DIMS)),*]
    };
}

/// A collector with 100 charts of 10 dimensions: half integers, half floats.
struct Big {
    ints: [[u64; 5]; CHART_COUNT],
    floats: [[f64; 5]; CHART_COUNT],
}

impl Collector for Big {
    const CHARTS: &'static [Chart<'static>] = charts!(
        0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29
        30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57
        58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85
        86 87 88 89 90 91 92 93 94 95 96 97 98 99
    );
    type State = [ChartState; CHART_COUNT];
    const INITIAL_STATE: Self::State = [ChartState::NEW; CHART_COUNT];

    #[inline]
    fn value(&self, chart: usize, dim: usize) -> Option<i64> {
        const SCALE: [i64; 5] = [10, 10, 100, 100, 1000];
        match dim {
            0..5 => self.ints.get(chart)?[dim].collected(1),
            5..10 => self.floats.get(chart)?[dim - 5].collected(SCALE[dim - 5]),
            _ => None,
        }
    }
}

fn update_cycle(c: &mut Criterion) {
    assert_eq!(Big::CHARTS.len(), CHART_COUNT);
    let mut big = Big {
        ints: [[0; 5]; CHART_COUNT],
        floats: [[0.0; 5]; CHART_COUNT],
    };
    for (i, row) in big.ints.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = 1_000_000_007 * (i as u64 + 1) + j as u64;
        }
    }
    for (i, row) in big.floats.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = 21.5 + i as f64 * 0.37 + j as f64;
        }
    }

    let mut writer = Writer::<Big>::new(Plugin::new());
    let mut out = Vec::with_capacity(64 * 1024);
    writer.define_all(&mut out).unwrap();
    let mut now_us = 0u64;

    let mut group = c.benchmark_group("netdata");
    group.throughput(Throughput::Elements((CHART_COUNT * DIM_COUNT) as u64));
    group.bench_function("update_100x10", |b| {
        b.iter(|| {
            out.clear();
            now_us += 1_000_000;
            let n = writer
                .update(black_box(&big), black_box(now_us), &mut out)
                .unwrap();
            black_box(&out);
            n
        })
    });
    group.finish();
    println!("bytes per cycle: {}", out.len());
}

criterion_group!(benches, update_cycle);
criterion_main!(benches);
