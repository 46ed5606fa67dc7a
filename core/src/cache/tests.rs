use super::*;
use crate::dataset::{BUILTIN, DataSets, DataSource};
use std::vec::Vec;

const S: u64 = 1 << 30;
const TEN: Time = Time(10 * S);

fn t(secs: u64) -> Time {
    Time(secs * S)
}

fn set(name: &str) -> &'static DataSet<'static> {
    BUILTIN.find(name.as_bytes()).unwrap()
}

const FREE_DERIVE: DataSet<'static> = DataSet {
    name: "free_derive",
    sources: &[DataSource::new("value", DsType::Derive, f64::NAN, f64::NAN)],
};

type Cache = ValueCache<16, 64>;

/// Feed `first` at 10 s and `second` at `dt` later; return the second rate of value 0.
fn second_rate(ds: &DataSet<'_>, first: Value, second: Value, dt: Time) -> f64 {
    let mut c = Cache::new();
    c.update(b"h/p/x", ds, t(10), TEN, &[first], t(10)).unwrap();
    c.update(
        b"h/p/x",
        ds,
        t(10).saturating_add(dt),
        TEN,
        &[second],
        t(20),
    )
    .unwrap()
    .entry
    .rates()[0]
}

#[test]
fn rates_follow_value_to_rate_vectors() {
    let derive = set("derive");
    assert_eq!(
        second_rate(derive, Value::Derive(1000), Value::Derive(2000), TEN),
        100.0
    );
    // −20/s is out of range for `derive` (min 0) but exact without limits.
    assert!(second_rate(derive, Value::Derive(2000), Value::Derive(1800), TEN).is_nan());
    let free = second_rate(&FREE_DERIVE, Value::Derive(2000), Value::Derive(1800), TEN);
    assert_eq!(free, -20.0);
    let counter = set("counter");
    assert_eq!(
        second_rate(counter, Value::Counter(1000), Value::Counter(5000), TEN),
        400.0
    );
    let wrap32 = second_rate(
        counter,
        Value::Counter(4_294_967_238),
        Value::Counter(42),
        TEN,
    );
    assert_eq!(wrap32, 10.0);
    let big = 18_446_744_073_709_551_558;
    assert_eq!(
        second_rate(counter, Value::Counter(big), Value::Counter(42), TEN),
        10.0
    );
}

#[test]
fn rates_follow_utils_cache_vectors() {
    let gauge = set("gauge");
    assert_eq!(
        second_rate(gauge, Value::Gauge(1.0), Value::Gauge(2.0), TEN),
        2.0
    );
    assert_eq!(
        second_rate(gauge, Value::Gauge(100.0), Value::Gauge(21.5), TEN),
        21.5
    );
    let counter = set("counter");
    assert_eq!(
        second_rate(counter, Value::Counter(42), Value::Counter(102), TEN),
        6.0
    );
    let m32 = u64::from(u32::MAX) - 23;
    assert_eq!(
        second_rate(counter, Value::Counter(m32), Value::Counter(18), TEN),
        4.2
    );
    let m64 = u64::MAX - 23;
    assert_eq!(
        second_rate(counter, Value::Counter(m64), Value::Counter(18), TEN),
        4.2
    );
}

#[test]
fn fractional_intervals_and_absolute() {
    let derive = set("derive");
    let quarter = Time(S / 4);
    assert_eq!(
        second_rate(derive, Value::Derive(0), Value::Derive(10), quarter),
        40.0
    );
    let absolute = set("absolute");
    assert_eq!(
        second_rate(
            absolute,
            Value::Absolute(7),
            Value::Absolute(30),
            Time(S / 2)
        ),
        60.0
    );
    let dt = Time(S + S / 2);
    assert_eq!(
        second_rate(absolute, Value::Absolute(0), Value::Absolute(3), dt),
        2.0
    );
}

#[test]
fn first_samples() {
    let mut c = Cache::new();
    let first = |c: &mut Cache, key: &[u8], ds: &str, v: Value, interval: Time| {
        let up = c
            .update(key, set(ds), t(100), interval, &[v], t(100))
            .unwrap();
        assert!(up.inserted);
        up.entry.rates()[0]
    };
    assert_eq!(
        first(&mut c, b"h/p/gauge", "gauge", Value::Gauge(42.5), TEN),
        42.5
    );
    assert!(first(&mut c, b"h/p/derive", "derive", Value::Derive(5), TEN).is_nan());
    assert!(first(&mut c, b"h/p/counter", "counter", Value::Counter(5), TEN).is_nan());
    assert_eq!(
        first(
            &mut c,
            b"h/p/absolute",
            "absolute",
            Value::Absolute(100),
            TEN
        ),
        10.0
    );
    assert!(
        first(
            &mut c,
            b"h/p/absolute-0",
            "absolute",
            Value::Absolute(100),
            Time(0)
        )
        .is_nan()
    );
    // Range checks apply to first samples too.
    assert!(first(&mut c, b"h/p/percent", "percent", Value::Gauge(150.0), TEN).is_nan());
    assert_eq!(
        first(
            &mut c,
            b"h/p/percent-ok",
            "percent",
            Value::Gauge(100.1),
            TEN
        ),
        100.1
    );
}

#[test]
fn out_of_range_rates_read_nan() {
    let percent = set("percent");
    assert!(second_rate(percent, Value::Gauge(10.0), Value::Gauge(150.0), TEN).is_nan());
    assert!(second_rate(percent, Value::Gauge(10.0), Value::Gauge(-1.0), TEN).is_nan());
    let signal = set("signal_power");
    assert!(second_rate(signal, Value::Gauge(-10.0), Value::Gauge(3.0), TEN).is_nan());
    assert_eq!(
        second_rate(signal, Value::Gauge(-10.0), Value::Gauge(-1e9), TEN),
        -1e9
    );
    let gauge = set("gauge");
    assert!(second_rate(gauge, Value::Gauge(1.0), Value::Gauge(f64::NAN), TEN).is_nan());
}

#[test]
fn keeps_raw_values_and_times() {
    let mut c = Cache::new();
    let load = set("load");
    let v1 = [Value::Gauge(0.5), Value::Gauge(0.25), Value::Gauge(0.125)];
    c.update(b"h/load/load", load, t(10), TEN, &v1, t(11))
        .unwrap();
    let v2 = [
        Value::Gauge(1.5),
        Value::Gauge(f64::NAN),
        Value::Gauge(6000.0),
    ];
    c.update(b"h/load/load", load, t(20), t(5), &v2, t(21))
        .unwrap();
    let e = c.get(b"h/load/load").unwrap();
    assert_eq!(e.len(), 3);
    assert!(!e.is_empty());
    assert_eq!(e.time(), t(20));
    assert_eq!(e.interval(), t(5));
    assert_eq!(e.last_update(), t(21));
    assert_eq!(e.value(0), Some(Value::Gauge(1.5)));
    assert_eq!(e.value(3), None);
    let raw: Vec<_> = e.values().collect();
    assert!(matches!(raw[1], Value::Gauge(v) if v.is_nan()));
    assert_eq!(raw[2], Value::Gauge(6000.0));
    assert_eq!(e.rates()[0], 1.5);
    assert!(e.rates()[1].is_nan());
    assert!(
        e.rates()[2].is_nan(),
        "6000 is above load's maximum of 5000"
    );

    let ds = set("derive");
    c.update(b"h/p/derive", ds, t(1), TEN, &[Value::Derive(-5)], t(1))
        .unwrap();
    assert_eq!(
        c.get(b"h/p/derive").unwrap().value(0),
        Some(Value::Derive(-5))
    );
    let ds = set("counter");
    c.update(
        b"h/p/counter",
        ds,
        t(1),
        TEN,
        &[Value::Counter(u64::MAX)],
        t(1),
    )
    .unwrap();
    assert_eq!(
        c.get(b"h/p/counter").unwrap().value(0),
        Some(Value::Counter(u64::MAX))
    );
}

#[test]
fn too_old_values_leave_the_cache_unchanged() {
    let mut c = Cache::new();
    let ds = set("derive");
    c.update(b"h/p/d", ds, t(20), TEN, &[Value::Derive(100)], t(20))
        .unwrap();
    let before = std::format!("{:?}", c.get(b"h/p/d").unwrap());
    for time in [t(20), t(19), Time::ZERO] {
        let err = c
            .update(b"h/p/d", ds, time, TEN, &[Value::Derive(1)], t(30))
            .unwrap_err();
        assert_eq!(err, CacheError::TooOld { last: t(20) });
        assert_eq!(
            c.check_update(b"h/p/d", ds, time, &[Value::Derive(1)]),
            Err(err)
        );
    }
    assert_eq!(std::format!("{:?}", c.get(b"h/p/d").unwrap()), before);
    // One tick newer is fine.
    let next = Time(t(20).0 + 1);
    assert_eq!(
        c.check_update(b"h/p/d", ds, next, &[Value::Derive(1)]),
        Ok(())
    );
    assert!(
        c.update(b"h/p/d", ds, next, TEN, &[Value::Derive(100)], t(30))
            .is_ok()
    );
}

#[test]
fn full_cache_refuses_new_keys_only() {
    let mut c: ValueCache<4, 16> = ValueCache::new();
    let ds = set("gauge");
    for i in 0..4u8 {
        let key = [b'k', b'0' + i];
        assert!(
            c.update(&key, ds, t(1), TEN, &[Value::Gauge(1.0)], t(1))
                .unwrap()
                .inserted
        );
    }
    assert!(c.is_full());
    assert_eq!(c.len(), 4);
    assert_eq!(c.capacity(), 4);
    let err = c
        .update(b"new", ds, t(1), TEN, &[Value::Gauge(1.0)], t(1))
        .unwrap_err();
    assert_eq!(err, CacheError::Full { capacity: 4 });
    assert_eq!(
        c.check_update(b"new", ds, t(1), &[Value::Gauge(1.0)]),
        Err(err)
    );
    assert!(!c.contains_key(b"new"));
    // Known keys still update.
    let up = c
        .update(b"k0", ds, t(2), TEN, &[Value::Gauge(2.0)], t(2))
        .unwrap();
    assert!(!up.inserted);
    assert_eq!(up.entry.rates(), [2.0]);
}

#[test]
fn rejects_bad_keys_and_values() {
    let mut c: ValueCache<4, 8> = ValueCache::new();
    let gauge = set("gauge");
    let err = c.update(b"123456789", gauge, t(1), TEN, &[Value::Gauge(1.0)], t(1));
    assert_eq!(err.unwrap_err(), CacheError::KeyTooLong { len: 9, max: 8 });
    assert!(
        c.update(b"12345678", gauge, t(1), TEN, &[Value::Gauge(1.0)], t(1))
            .is_ok()
    );
    let err = c.update(b"k", gauge, t(1), TEN, &[], t(1)).unwrap_err();
    assert_eq!(
        err,
        CacheError::ValueCount {
            expected: 1,
            got: 0
        }
    );
    let two = [Value::Gauge(1.0), Value::Gauge(2.0)];
    let err = c.update(b"k", gauge, t(1), TEN, &two, t(1)).unwrap_err();
    assert_eq!(
        err,
        CacheError::ValueCount {
            expected: 1,
            got: 2
        }
    );
    let err = c
        .update(b"k", gauge, t(1), TEN, &[Value::Derive(1)], t(1))
        .unwrap_err();
    let mismatch = CacheError::TypeMismatch {
        index: 0,
        expected: DsType::Gauge,
        got: DsType::Derive,
    };
    assert_eq!(err, mismatch);
    let many = [DataSource::new("v", DsType::Gauge, f64::NAN, f64::NAN); MAX_VALUES + 1];
    let wide = DataSet {
        name: "wide",
        sources: &many,
    };
    let values = [Value::Gauge(0.0); MAX_VALUES + 1];
    let err = c.update(b"k", &wide, t(1), TEN, &values, t(1)).unwrap_err();
    assert_eq!(
        err,
        CacheError::TooManyValues {
            count: 9,
            max: MAX_VALUES
        }
    );
    let fits = DataSet {
        name: "fits",
        sources: &many[..MAX_VALUES],
    };
    let up = c
        .update(b"w", &fits, t(1), TEN, &values[..MAX_VALUES], t(1))
        .unwrap();
    assert_eq!(up.entry.len(), MAX_VALUES);
    assert_eq!(c.len(), 2);
}

#[test]
fn changed_shape_starts_over() {
    let mut c = Cache::new();
    c.update(
        b"h/p/x",
        set("derive"),
        t(1),
        TEN,
        &[Value::Derive(5)],
        t(1),
    )
    .unwrap();
    let up = c
        .update(
            b"h/p/x",
            set("gauge"),
            t(2),
            TEN,
            &[Value::Gauge(3.0)],
            t(2),
        )
        .unwrap();
    assert_eq!(up.entry.rates(), [3.0]);
    let up = c
        .update(
            b"h/p/x",
            set("derive"),
            t(3),
            TEN,
            &[Value::Derive(9)],
            t(3),
        )
        .unwrap();
    assert!(up.entry.rates()[0].is_nan(), "a new DERIVE has no rate yet");
    let err = c.update(
        b"h/p/x",
        set("gauge"),
        t(3),
        TEN,
        &[Value::Gauge(1.0)],
        t(3),
    );
    assert_eq!(err.unwrap_err(), CacheError::TooOld { last: t(3) });
}

#[test]
fn expiry_removes_stale_entries() {
    let mut c = Cache::new();
    let ds = set("gauge");
    c.update(b"a/p/gauge", ds, t(100), TEN, &[Value::Gauge(1.0)], t(100))
        .unwrap();
    c.update(
        b"b/p/gauge",
        ds,
        t(100),
        t(60),
        &[Value::Gauge(1.0)],
        t(105),
    )
    .unwrap();
    c.update(b"c/p/gauge", ds, t(100), TEN, &[Value::Gauge(1.0)], t(110))
        .unwrap();
    let mut gone = Vec::new();
    // 119 − 100 < 2 × 10: nothing goes.
    assert_eq!(
        c.expire(t(119), DEFAULT_TIMEOUT, |k, _| gone.push(k.to_vec())),
        0
    );
    // 120 − 100 ≥ 20: `a` goes, `c` (last updated at 110) stays, `b` has a 60 s interval.
    let n = c.expire(t(120), DEFAULT_TIMEOUT, |k, e| {
        assert_eq!(e.time(), t(100));
        gone.push(k.to_vec());
    });
    assert_eq!(n, 1);
    assert_eq!(gone, [b"a/p/gauge".to_vec()]);
    assert!(c.get(b"a/p/gauge").is_none());
    assert_eq!(c.len(), 2);
    let keys: Vec<_> = c.iter_sorted().map(|(k, _)| k.to_vec()).collect();
    assert_eq!(keys, [b"b/p/gauge".to_vec(), b"c/p/gauge".to_vec()]);
    // A larger timeout keeps entries longer; a clock going back expires nothing.
    assert_eq!(c.expire(t(130), 3, |_, _| {}), 0);
    assert_eq!(c.expire(t(0), 1, |_, _| {}), 0);
    assert_eq!(c.expire(t(1000), DEFAULT_TIMEOUT, |_, _| {}), 2);
    assert!(c.is_empty());
    // A removed key comes back as new.
    let up = c
        .update(b"a/p/gauge", ds, t(50), TEN, &[Value::Gauge(1.0)], t(1000))
        .unwrap();
    assert!(up.inserted);
}

#[test]
fn lists_in_strcmp_order() {
    let mut c: ValueCache<256, 32> = ValueCache::new();
    let ds = set("gauge");
    let keys: [&[u8]; 7] = [
        b"host/load/load",
        b"Host/a/gauge",
        b"host/cpu-0/cpu-idle",
        b"host/cpu/cpu",
        b"h",
        b"host/cpu-1/cpu-idle",
        b"\xffz",
    ];
    for (i, k) in keys.iter().enumerate() {
        c.update(k, ds, t(1), TEN, &[Value::Gauge(i as f64)], t(1))
            .unwrap();
    }
    let mut expected: Vec<&[u8]> = keys.to_vec();
    expected.sort();
    let listed: Vec<&[u8]> = c.iter_sorted().map(|(k, _)| k).collect();
    assert_eq!(listed, expected);
    assert_eq!(
        &listed[..3],
        [&b"Host/a/gauge"[..], b"h", b"host/cpu-0/cpu-idle"]
    );
    // Updates do not disturb the order; a few new keys are slotted in.
    c.update(b"host/load/load", ds, t(2), TEN, &[Value::Gauge(9.0)], t(2))
        .unwrap();
    c.update(b"host/b", ds, t(2), TEN, &[Value::Gauge(9.0)], t(2))
        .unwrap();
    c.update(b"a", ds, t(2), TEN, &[Value::Gauge(9.0)], t(2))
        .unwrap();
    expected.extend([&b"host/b"[..], b"a"]);
    expected.sort();
    let listed: Vec<&[u8]> = c.iter_sorted().map(|(k, _)| k).collect();
    assert_eq!(listed, expected);
    // Many new keys at once take the full sort.
    for i in 0..100u32 {
        let key = std::format!("z/{}/gauge", 1000 - i);
        c.update(key.as_bytes(), ds, t(3), TEN, &[Value::Gauge(0.0)], t(3))
            .unwrap();
    }
    let listed: Vec<Vec<u8>> = c.iter_sorted().map(|(k, _)| k.to_vec()).collect();
    assert_eq!(listed.len(), c.len());
    assert!(listed.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(c.iter().count(), c.len());
}

#[test]
fn select_filters_by_plugin_and_key() {
    let mut c = Cache::new();
    let ds = set("gauge");
    for k in [
        "h/cpu-0/gauge",
        "h/cpu-1/gauge",
        "h/memory/gauge",
        "g/cpu/gauge",
    ] {
        c.update(k.as_bytes(), ds, t(1), TEN, &[Value::Gauge(0.0)], t(1))
            .unwrap();
    }
    let pick = |plugins: &[&[u8]], keys: &[&[u8]]| {
        let mut v: Vec<Vec<u8>> = c.select(plugins, keys).map(|(k, _)| k.to_vec()).collect();
        v.sort();
        v
    };
    assert_eq!(pick(&[], &[]).len(), 4);
    assert_eq!(
        pick(&[b"cpu"], &[]),
        [
            b"g/cpu/gauge".to_vec(),
            b"h/cpu-0/gauge".to_vec(),
            b"h/cpu-1/gauge".to_vec()
        ]
    );
    assert_eq!(
        pick(&[b"memory", b"nope"], &[]),
        [b"h/memory/gauge".to_vec()]
    );
    assert_eq!(
        pick(&[], &[b"h/memory/gauge", b"x/y/z"]),
        [b"h/memory/gauge".to_vec()]
    );
    assert!(pick(&[b"cpu"], &[b"h/memory/gauge"]).is_empty());
}

#[test]
fn batches_are_all_or_nothing() {
    let mut c: ValueCache<2, 32> = ValueCache::new();
    let ds = set("derive");
    let (a, b, z) = (
        [Value::Derive(100)],
        [Value::Derive(200)],
        [Value::Derive(0)],
    );
    let batch = [
        Sample {
            time: t(10),
            interval: TEN,
            values: &a,
        },
        Sample {
            time: t(20),
            interval: TEN,
            values: &b,
        },
    ];
    assert_eq!(c.update_batch(b"h/p/d", ds, batch, t(20)), Ok(2));
    let e = c.get(b"h/p/d").unwrap();
    assert_eq!((e.time(), e.rates()[0]), (t(20), 10.0));

    // Out of order inside the batch: nothing applied, the error names the previous time.
    let bad = [
        Sample {
            time: t(30),
            interval: TEN,
            values: &a,
        },
        Sample {
            time: t(30),
            interval: TEN,
            values: &b,
        },
    ];
    assert_eq!(
        c.update_batch(b"h/p/d", ds, bad, t(30)),
        Err(CacheError::TooOld { last: t(30) })
    );
    assert_eq!(c.get(b"h/p/d").unwrap().time(), t(20));
    // Older than the cache.
    let old = [Sample {
        time: t(15),
        interval: TEN,
        values: &z,
    }];
    assert_eq!(
        c.update_batch(b"h/p/d", ds, old, t(30)),
        Err(CacheError::TooOld { last: t(20) })
    );
    // A bad value list anywhere spoils the batch.
    let gauge = [Value::Gauge(1.0)];
    let mixed = [
        Sample {
            time: t(30),
            interval: TEN,
            values: &z,
        },
        Sample {
            time: t(40),
            interval: TEN,
            values: &gauge,
        },
    ];
    assert!(matches!(
        c.update_batch(b"h/p/d", ds, mixed, t(40)),
        Err(CacheError::TypeMismatch { .. })
    ));
    assert_eq!(c.get(b"h/p/d").unwrap().time(), t(20));
    // A full cache refuses a batch for a new key, but not an empty one.
    c.update(b"other", ds, t(1), TEN, &z, t(1)).unwrap();
    let one = [Sample {
        time: t(1),
        interval: TEN,
        values: &z,
    }];
    assert_eq!(
        c.update_batch(b"new", ds, one, t(1)),
        Err(CacheError::Full { capacity: 2 })
    );
    assert_eq!(c.update_batch(b"new", ds, [], t(1)), Ok(0));
    assert_eq!(
        c.check_batch(b"h/p/d", ds, one),
        Err(CacheError::TooOld { last: t(20) })
    );
}

#[test]
fn errors_display() {
    let shown = |e: CacheError| std::format!("{e}");
    assert_eq!(
        shown(CacheError::Full { capacity: 8 }),
        "value cache is full (8 values)"
    );
    let too_old = CacheError::TooOld {
        last: Time::from_secs(1_700_000_000),
    };
    assert_eq!(
        shown(too_old),
        "value too old; last cache update = 1700000000.000"
    );
    let mismatch = CacheError::TypeMismatch {
        index: 1,
        expected: DsType::Gauge,
        got: DsType::Counter,
    };
    assert_eq!(
        shown(mismatch),
        "value 2 is COUNTER, its data source is GAUGE"
    );
}

#[test]
fn memory_formula_holds() {
    /// What a cache takes beyond its N × (B + 28) bytes: 112 to 136, by padding.
    fn fixed<const N: usize, const K: usize, const B: usize>() -> usize {
        let size = ValueCache::<N, K, B>::SIZE;
        let fixed = size - N * (B + 28);
        assert!(
            (112..=136).contains(&fixed),
            "N = {N}, B = {B}: {size} bytes"
        );
        fixed
    }
    assert_eq!(record_len(1, 40), 104);
    assert_eq!(DEFAULT_RECORD_ROOM, 128);
    fixed::<1, 256, 128>();
    fixed::<1024, 256, 128>();
    fixed::<100_000, 256, 128>();
    fixed::<131_072, 256, 128>();
    // The longest key does not change the size; the record room does, for every remainder mod 8.
    assert_eq!(ValueCache::<4, 16>::SIZE, ValueCache::<4, 4096>::SIZE);
    fixed::<3, 256, 100>();
    fixed::<1001, 256, 101>();
    fixed::<64, 256, 102>();
    fixed::<7, 256, 103>();
    fixed::<5, 256, 62>();
    fixed::<4608, 256, 192>();
    fixed::<2, 256, 1>();
    assert_eq!(ValueCache::<16384>::CAPACITY, 16384);
    assert_eq!(ValueCache::<16384>::KEY_CAPACITY, DEFAULT_KEY_CAPACITY);
    assert_eq!(ValueCache::<16384>::RECORD_ROOM, 16384 * 128);
    // At most 160 bytes an identifier, and room for N gauges under 40-byte keys.
    const { assert!(ValueCache::<65_536>::SIZE <= 65_536 * 160) };
    let mut c: Box<ValueCache<1024>> = Box::default();
    for i in 0..1024u32 {
        let key = format!("host-{:04}.example.org/cpu-{:05}/cpu-user", i / 64, i % 64);
        assert_eq!(key.len(), 40);
        c.update(
            key.as_bytes(),
            set("cpu"),
            t(1),
            TEN,
            &[Value::Derive(1)],
            t(1),
        )
        .unwrap();
    }
    assert_eq!((c.len(), c.record_bytes()), (1024, 1024 * 104));
}

#[test]
fn records_take_their_length_and_run_out_as_no_room() {
    // Four keys of room 100 each: long keys fill the room before the count.
    let mut c: ValueCache<4, 256, 100> = ValueCache::new();
    let ds = set("gauge");
    let key = |i: u32, len: usize| {
        let mut k = format!("h/p/gauge-{i}").into_bytes();
        k.resize(len, b'x');
        k
    };
    // 48 + 130 + 16 = 194 bytes each: the first two fit in 400, the third does not.
    for i in 0..2 {
        c.update(&key(i, 130), ds, t(1), TEN, &[Value::Gauge(1.0)], t(1))
            .unwrap();
    }
    assert_eq!(c.record_bytes(), 388);
    let refused = c.update(&key(2, 130), ds, t(1), TEN, &[Value::Gauge(1.0)], t(1));
    assert_eq!(refused.unwrap_err(), CacheError::NoRoom { room: 400 });
    assert_eq!(c.len(), 2);
    // Known keys still update in place.
    let up = c
        .update(&key(0, 130), ds, t(2), TEN, &[Value::Gauge(2.0)], t(2))
        .unwrap();
    assert_eq!((up.inserted, up.entry.rates()[0]), (false, 2.0));
    assert_eq!(c.record_bytes(), 388);
    // Not even a short key fits the 12 bytes left…
    let short = c.check_update(b"h/p/g", ds, t(1), &[Value::Gauge(1.0)]);
    assert_eq!(short, Err(CacheError::NoRoom { room: 400 }));
    // …once expiry has made room, a third long key fits again.
    c.expire(t(21), DEFAULT_TIMEOUT, |_, _| {});
    assert_eq!((c.len(), c.record_bytes()), (1, 194));
    c.update(&key(2, 130), ds, t(30), TEN, &[Value::Gauge(3.0)], t(30))
        .unwrap();
    let keys: Vec<Vec<u8>> = c.iter().map(|(k, _)| k.to_vec()).collect();
    assert_eq!(keys, [key(0, 130), key(2, 130)]);
    assert_eq!(c.get(&key(0, 130)).unwrap().rates(), [2.0]);
}

#[test]
fn a_record_that_changes_shape_moves_the_records_after_it() {
    let mut c: ValueCache<8, 256, 80> = ValueCache::new();
    let (gauge, octets) = (set("gauge"), set("if_octets"));
    let key = |i: u32| format!("h/p/x-{i}").into_bytes();
    for i in 0..4 {
        let v = [Value::Gauge(f64::from(i))];
        c.update(&key(i), gauge, t(1), TEN, &v, t(1)).unwrap();
    }
    let before = c.record_bytes();
    // Key 1 now comes with two values: its record grows by 16 bytes.
    let two = [Value::Derive(10), Value::Derive(20)];
    let up = c.update(&key(1), octets, t(2), TEN, &two, t(2)).unwrap();
    assert!(!up.inserted);
    assert!(up.entry.rates().iter().all(|r| r.is_nan()), "started over");
    assert_eq!(c.record_bytes(), before + 16);
    for i in [0, 2, 3] {
        let e = c.get(&key(i)).unwrap();
        assert_eq!(
            (e.rates().as_slice(), e.time()),
            (&[f64::from(i)][..], t(1))
        );
    }
    assert_eq!(
        c.get(&key(1)).unwrap().values().collect::<Vec<_>>(),
        two.to_vec()
    );
    // And back to one value: it shrinks, the others stay where they are found.
    let up = c
        .update(&key(1), gauge, t(3), TEN, &[Value::Gauge(7.0)], t(3))
        .unwrap();
    assert_eq!(up.entry.rates(), [7.0]);
    assert_eq!(c.record_bytes(), before);
    let listed: Vec<Vec<u8>> = c.iter_sorted().map(|(k, _)| k.to_vec()).collect();
    assert_eq!(listed, (0..4).map(key).collect::<Vec<_>>());
    // Growing past the room is refused and changes nothing.
    let mut wide = c;
    let eight = [Value::Gauge(0.0); 8];
    let big = DataSet {
        name: "eight",
        sources: &[DataSource::new("v", DsType::Gauge, f64::NAN, f64::NAN); 8],
    };
    for i in 4..8 {
        wide.update(&key(i), gauge, t(1), TEN, &[Value::Gauge(0.0)], t(1))
            .unwrap();
    }
    let used = wide.record_bytes();
    assert!(used + 112 > 640, "{used} bytes in use");
    let refused = wide.update(&key(0), &big, t(5), TEN, &eight, t(5));
    assert_eq!(refused.unwrap_err(), CacheError::NoRoom { room: 640 });
    assert_eq!(wide.record_bytes(), used);
    assert_eq!(wide.get(&key(0)).unwrap().rates(), [0.0]);
}
/// A cache can live in a `static`.
#[test]
fn lives_in_a_static() {
    static CACHE: std::sync::Mutex<ValueCache<16384>> = std::sync::Mutex::new(ValueCache::new());
    let mut c = CACHE.lock().unwrap();
    let ds = set("gauge");
    let mut key = heapless::Vec::<u8, 64>::new();
    for i in 0..10_000u32 {
        key.clear();
        crate::Sink::put_fmt(
            &mut key,
            format_args!("host{}/plugin-{}/gauge-{}", i % 7, i / 7, i),
        )
        .unwrap();
        c.update(&key, ds, t(1), TEN, &[Value::Gauge(f64::from(i))], t(1))
            .unwrap();
    }
    assert_eq!(c.len(), 10_000);
    let mut n = 0;
    let mut prev: Vec<u8> = Vec::new();
    for (k, _) in c.iter_sorted() {
        assert!(prev.as_slice() < k);
        prev = k.to_vec();
        n += 1;
    }
    assert_eq!(n, 10_000);
    assert_eq!(
        c.get(b"host3/plugin-1428/gauge-9999").unwrap().rates(),
        [9999.0]
    );
    assert_eq!(
        format!("{:?}", *c),
        "ValueCache { len: 10000, capacity: 16384, key_capacity: 256, record_bytes: 911120, record_room: 2097152, .. }"
    );
}

/// A full cache of a capacity that is not a power of two finds every key,
/// refuses more, and after expiring half of them lists and finds the rest.
#[test]
fn fills_to_an_odd_capacity_and_expires_half() {
    static CACHE: std::sync::Mutex<ValueCache<10_001, 48>> =
        std::sync::Mutex::new(ValueCache::new());
    let mut c = CACHE.lock().unwrap();
    let ds = set("gauge");
    let key = |i: u32| std::format!("host-{:03}/cpu-{}/cpu-{}", i / 64, i % 64 / 4, i % 4);
    for i in 0..10_001u32 {
        // Odd keys were last heard of at 1 s, even ones at 2 s.
        let now = t(if i % 2 == 0 { 2 } else { 1 });
        let up = c.update(
            key(i).as_bytes(),
            ds,
            t(1),
            TEN,
            &[Value::Gauge(f64::from(i))],
            now,
        );
        assert!(up.unwrap().inserted);
    }
    assert!(c.is_full());
    let err = c.update(b"one/more/gauge", ds, t(1), TEN, &[Value::Gauge(0.0)], t(1));
    assert_eq!(err.unwrap_err(), CacheError::Full { capacity: 10_001 });
    for i in 0..10_001u32 {
        assert_eq!(c.get(key(i).as_bytes()).unwrap().rates(), [f64::from(i)]);
    }
    assert_eq!(c.iter_sorted().count(), 10_001);
    // Interval 10 s, timeout 2: odd keys are due at 21 s, even ones at 22 s.
    assert_eq!(c.expire(t(21), DEFAULT_TIMEOUT, |_, _| {}), 5_000);
    assert_eq!(c.len(), 5_001);
    let mut listed = 0;
    let mut prev = Vec::new();
    for (k, e) in c.iter_sorted() {
        assert!(prev.as_slice() < k);
        assert_eq!(e.rates()[0] as u32 % 2, 0);
        prev = k.to_vec();
        listed += 1;
    }
    assert_eq!(listed, 5_001);
    for i in 0..10_001u32 {
        assert_eq!(c.contains_key(key(i).as_bytes()), i % 2 == 0, "key {i}");
    }
    // The room is free again.
    let up = c.update(
        b"one/more/gauge",
        ds,
        t(1),
        TEN,
        &[Value::Gauge(0.0)],
        t(21),
    );
    assert!(up.unwrap().inserted);
}

#[test]
fn sorted_index_survives_both_refresh_paths() {
    let mut c: ValueCache<1024, 32> = ValueCache::new();
    let ds = set("gauge");
    let add = |c: &mut ValueCache<1024, 32>, from: u32, to: u32| {
        for i in from..to {
            // Scatter the keys so new ones land all over the index.
            let key = std::format!("h/p/g-{}", i.wrapping_mul(2_654_435_761) % 100_000);
            c.update(key.as_bytes(), ds, t(1), TEN, &[Value::Gauge(0.0)], t(1))
                .unwrap();
        }
    };
    let check = |c: &mut ValueCache<1024, 32>| {
        let keys: Vec<Vec<u8>> = c.iter_sorted().map(|(k, _)| k.to_vec()).collect();
        assert_eq!(keys.len(), c.len());
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
    };
    add(&mut c, 0, 600);
    check(&mut c);
    add(&mut c, 600, 700); // 100 new of 700: inserted one by one
    check(&mut c);
    add(&mut c, 700, 1000); // 300 new of 1000: sorted again
    check(&mut c);
    c.expire(t(100), DEFAULT_TIMEOUT, |_, _| {});
    assert!(c.is_empty());
    check(&mut c);
    add(&mut c, 0, 10);
    check(&mut c);
    c.clear();
    assert_eq!(c.iter_sorted().count(), 0);
}

#[test]
fn changes_list_what_changed_since_each_reader_looked() {
    let gauge = BUILTIN.get(b"gauge").unwrap();
    let mut c: ValueCache<4, 16> = ValueCache::new();
    let put = |c: &mut ValueCache<4, 16>, key: &[u8], s: u64| {
        c.update(key, gauge, t(s), TEN, &[Value::Gauge(s as f64)], t(s))
            .unwrap();
    };
    let keys = |ch: Changes<'_, 4, DEFAULT_RECORD_ROOM>| -> (bool, Vec<Vec<u8>>) {
        let whole = ch.is_whole();
        (whole, ch.map(|(k, _)| k.to_vec()).collect())
    };
    let (mut fast, mut slow) = (Cursor::NEW, Cursor::NEW);
    put(&mut c, b"a", 1);
    put(&mut c, b"b", 1);
    // A new cursor sees everything, as a whole scan.
    assert_eq!(
        keys(c.changes(&mut fast)),
        (true, vec![b"a".to_vec(), b"b".to_vec()])
    );
    assert_eq!(keys(c.changes(&mut fast)), (false, vec![]));
    put(&mut c, b"b", 2);
    put(&mut c, b"b", 3);
    put(&mut c, b"c", 1);
    // Noted once however often it changed, and in the order of first change.
    assert_eq!(
        keys(c.changes(&mut fast)),
        (false, vec![b"b".to_vec(), b"c".to_vec()])
    );
    put(&mut c, b"a", 2);
    assert_eq!(keys(c.changes(&mut fast)), (false, vec![b"a".to_vec()]));
    // The slow reader never read: a whole scan.
    assert!(c.changes(&mut slow).is_whole());
    put(&mut c, b"c", 2);
    assert_eq!(keys(c.changes(&mut slow)), (false, vec![b"c".to_vec()]));
    put(&mut c, b"a", 3);
    // The fast reader passes `a`, then it changes again: the slow one sees it twice.
    assert_eq!(
        keys(c.changes(&mut fast)),
        (false, vec![b"c".to_vec(), b"a".to_vec()])
    );
    put(&mut c, b"a", 4);
    assert_eq!(
        keys(c.changes(&mut slow)),
        (false, vec![b"a".to_vec(), b"a".to_vec()])
    );
    // Clearing the cache sends every reader back to a whole scan.
    let mut cleared: ValueCache<4, 16> = ValueCache::new();
    put(&mut cleared, b"x", 1);
    let mut reader = Cursor::NEW;
    assert!(cleared.changes(&mut reader).is_whole());
    assert!(!cleared.changes(&mut reader).is_whole());
    cleared.clear();
    assert!(cleared.changes(&mut reader).is_whole(), "at once");
    put(&mut cleared, b"y", 2);
    reader = Cursor::NEW;
    let _ = cleared.changes(&mut reader);
    cleared.clear();
    put(&mut cleared, b"y", 3);
    assert_eq!(
        keys(cleared.changes(&mut reader)),
        (true, vec![b"y".to_vec()])
    );
    // Expiry renumbers the journal with the entries and drops the removed ones.
    put(&mut c, b"b", 10);
    put(&mut c, b"c", 10);
    assert_eq!(c.expire(t(25), 2, |_, _| {}), 1, "a expired");
    assert_eq!(
        keys(c.changes(&mut fast)),
        (false, vec![b"b".to_vec(), b"c".to_vec()])
    );
    // More changes than the ring holds: the reader gets a whole scan.
    for s in 11..20 {
        put(&mut c, b"b", s);
        assert!(!c.changes(&mut fast).is_whole());
    }
    assert_eq!(
        keys(c.changes(&mut slow)),
        (true, vec![b"b".to_vec(), b"c".to_vec()])
    );
    // Entries keep who stored them.
    c.update_from(
        b"d",
        gauge,
        t(40),
        TEN,
        &[Value::Gauge(1.0)],
        t(40),
        Origin(7),
    )
    .unwrap();
    assert_eq!(c.get(b"d").unwrap().origin(), Origin(7));
    assert_eq!(c.get(b"b").unwrap().origin(), Origin::PROTOCOL);
}

#[test]
fn a_listing_in_parts_resumes_in_key_order_and_keeps_its_promise() {
    let ds = set("gauge");
    let mut c = Cache::new();
    let put = |c: &mut Cache, key: &str, now: u64| {
        c.update(
            key.as_bytes(),
            ds,
            t(now),
            TEN,
            &[Value::Gauge(1.0)],
            t(now),
        )
        .unwrap();
    };
    // Inserted as d, b, e, a; listed as a b d e.
    for key in ["h/d/gauge", "h/b/gauge", "h/e/gauge", "h/a/gauge"] {
        put(&mut c, key, 100);
    }
    let part = |c: &mut Cache, after: Option<&[u8]>, below: usize, n: usize| {
        let mut keys = Vec::new();
        c.list_after(after, below, |k, _| {
            keys.push(std::string::String::from_utf8(k.to_vec()).unwrap());
            keys.len() < n
        });
        keys
    };
    let mut below = c.len() as u32;
    assert_eq!(
        part(&mut c, None, below as usize, 2),
        ["h/a/gauge", "h/b/gauge"]
    );
    // A key added after the listing began is left out; so is one that expired,
    // and the mark still means the entries promised.
    put(&mut c, "h/c/gauge", 200);
    put(&mut c, "h/e/gauge", 200);
    put(&mut c, "h/b/gauge", 200);
    let mut expired = Vec::new();
    let marks = core::slice::from_mut(&mut below);
    c.expire_marked(t(125), DEFAULT_TIMEOUT, marks, |i, k, _| {
        expired.push((i, k.to_vec()));
    });
    assert_eq!(
        expired,
        [(0, b"h/d/gauge".to_vec()), (3, b"h/a/gauge".to_vec())]
    );
    assert_eq!(below, 2, "b and e of the four promised remain");
    assert_eq!(
        part(&mut c, Some(b"h/b/gauge"), below as usize, 9),
        ["h/e/gauge"]
    );
    assert_eq!(
        part(&mut c, None, 9, 9),
        ["h/b/gauge", "h/c/gauge", "h/e/gauge"]
    );
}

#[test]
fn changes_can_be_read_in_parts() {
    let gauge = BUILTIN.get(b"gauge").unwrap();
    let mut c: ValueCache<16, 16> = ValueCache::new();
    let put = |c: &mut ValueCache<16, 16>, key: &[u8], s: u64| {
        c.update(key, gauge, t(s), TEN, &[Value::Gauge(s as f64)], t(s))
            .unwrap();
    };
    let part = |c: &mut ValueCache<16, 16>, r: &mut Cursor, most| {
        let ch = c.changes_part(r, most);
        let cut = ch.is_cut();
        (cut, ch.map(|(k, _)| k.to_vec()).collect::<Vec<_>>())
    };
    let mut r = Cursor::NEW;
    for k in [b"a", b"b", b"c", b"d", b"e"] {
        put(&mut c, k, 1);
    }
    // A whole scan is never cut.
    assert_eq!(part(&mut c, &mut r, 2).1.len(), 5);
    for k in [b"a", b"b", b"c", b"d", b"e"] {
        put(&mut c, k, 2);
    }
    assert_eq!(
        part(&mut c, &mut r, 2),
        (true, vec![b"a".to_vec(), b"b".to_vec()])
    );
    // Changes meanwhile: `a` (already read) is noted again, `d` (not yet read) is not.
    put(&mut c, b"a", 3);
    put(&mut c, b"d", 3);
    assert_eq!(
        part(&mut c, &mut r, 2),
        (true, vec![b"c".to_vec(), b"d".to_vec()])
    );
    assert_eq!(
        part(&mut c, &mut r, 2),
        (false, vec![b"e".to_vec(), b"a".to_vec()])
    );
    assert_eq!(part(&mut c, &mut r, 2), (false, vec![]));
    // A reader of whole reads is not held back by one that reads in parts.
    let mut whole = Cursor::NEW;
    let _ = c.changes(&mut whole);
    put(&mut c, b"b", 4);
    put(&mut c, b"c", 4);
    assert_eq!(part(&mut c, &mut r, 1), (true, vec![b"b".to_vec()]));
    let all: Vec<_> = c.changes(&mut whole).map(|(k, _)| k.to_vec()).collect();
    assert_eq!(all, [b"b".to_vec(), b"c".to_vec()]);
    assert_eq!(part(&mut c, &mut r, 5), (false, vec![b"c".to_vec()]));
}
