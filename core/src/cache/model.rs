//! A model test: the cache against a plain `BTreeMap` under random operations.

use std::collections::BTreeMap;
use std::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::dataset::{BUILTIN, DataSource};

const KEY_MAX: usize = 20;

const FREE: DataSet<'static> = DataSet {
    name: "free",
    sources: &[
        DataSource::new("a", DsType::Derive, f64::NAN, f64::NAN),
        DataSource::new("b", DsType::Absolute, f64::NAN, 1e6),
    ],
};

fn data_set(i: u8) -> &'static DataSet<'static> {
    const NAMES: [&str; 8] = [
        "gauge",
        "derive",
        "counter",
        "absolute",
        "percent",
        "if_octets",
        "load",
        "",
    ];
    match NAMES[usize::from(i) % NAMES.len()] {
        "" => &FREE,
        name => BUILTIN.find(name.as_bytes()).unwrap(),
    }
}

fn key(i: u8) -> Vec<u8> {
    let mut k = std::format!("h{}/plugin{}/type-{}", i % 3, i % 4, i).into_bytes();
    if i % 7 == 6 {
        k.extend_from_slice(b"-too-long-for-the-cache");
    }
    k
}

/// Build a value of `ds_type` from random bits, favouring the interesting ranges.
fn value(ds_type: DsType, bits: u64, mismatch: bool) -> Value {
    let ds_type = if mismatch { DsType::Gauge } else { ds_type };
    let small = (bits >> 8) % 1000;
    match ds_type {
        DsType::Gauge if bits.is_multiple_of(17) => Value::Gauge(f64::NAN),
        DsType::Gauge => Value::Gauge(small as f64 / 4.0 - 50.0),
        DsType::Derive => Value::Derive(small as i64 - 300),
        // Near the 32-bit edge, just past it and near the 64-bit edge.
        DsType::Counter => Value::Counter(match bits % 4 {
            0 => small,
            1 => u64::from(u32::MAX) - small % 4,
            2 => u64::from(u32::MAX) + 1 + small % 4,
            _ => u64::MAX - small,
        }),
        DsType::Absolute => Value::Absolute(small),
    }
}

#[derive(Debug, Clone)]
enum Op {
    Update {
        key: u8,
        ds: u8,
        time: u64,
        interval: u64,
        bits: u64,
        mismatch: bool,
    },
    Batch {
        key: u8,
        ds: u8,
        times: Vec<u64>,
        bits: u64,
    },
    Get {
        key: u8,
    },
    List,
    Expire {
        timeout: u32,
    },
    Tick {
        secs: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..14u8, 0..8u8, 0..400u64, 0..4u64, any::<u64>(), prop::bool::weighted(0.05))
            .prop_map(|(key, ds, time, interval, bits, mismatch)| Op::Update {
                key, ds, time, interval, bits, mismatch
            }),
        1 => (0..14u8, 0..8u8, prop::collection::vec(0..400u64, 0..4), any::<u64>())
            .prop_map(|(key, ds, times, bits)| Op::Batch { key, ds, times, bits }),
        2 => (0..14u8).prop_map(|key| Op::Get { key }),
        1 => Just(Op::List),
        1 => (1..4u32).prop_map(|timeout| Op::Expire { timeout }),
        2 => (0..30u64).prop_map(|secs| Op::Tick { secs }),
    ]
}

#[derive(Debug, Clone)]
struct Model {
    values: Vec<Value>,
    rates: Vec<f64>,
    time: Time,
    interval: Time,
    last_update: Time,
}

/// The reference rate rules, written out again from collectd's description.
fn model_rate(old: Option<(Value, Time)>, new: Value, time: Time, interval: Time) -> f64 {
    let secs = |t: Time| t.0 as f64 / (1u64 << 30) as f64;
    match (old, new) {
        (_, Value::Gauge(v)) => v,
        (None, Value::Absolute(v)) if interval.0 > 0 => v as f64 / secs(interval),
        (None, _) => f64::NAN,
        (Some((Value::Derive(o), t)), Value::Derive(n)) => {
            (i128::from(n) - i128::from(o)) as i64 as f64 / secs(Time(time.0 - t.0))
        }
        (Some((Value::Counter(o), t)), Value::Counter(n)) => {
            let diff = if o <= n {
                n - o
            } else if o <= u64::from(u32::MAX) {
                (u64::from(u32::MAX) - o) + n + 1
            } else {
                ((u128::from(u64::MAX) - u128::from(o)) + u128::from(n) + 1) as u64
            };
            diff as f64 / secs(Time(time.0 - t.0))
        }
        (Some((Value::Absolute(_), t)), Value::Absolute(n)) => n as f64 / secs(Time(time.0 - t.0)),
        _ => unreachable!("types are checked first"),
    }
}

fn same_f64(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_same(entry: Entry<'_>, model: &Model) {
    assert_eq!(entry.len(), model.values.len());
    assert_eq!(entry.time(), model.time);
    assert_eq!(entry.interval(), model.interval);
    assert_eq!(entry.last_update(), model.last_update);
    for (i, (r, m)) in entry.rates().iter().zip(&model.rates).enumerate() {
        assert!(same_f64(*r, *m), "rate {i}: {r} != {m}");
    }
    for (v, m) in entry.values().zip(&model.values) {
        match (v, m) {
            (Value::Gauge(a), Value::Gauge(b)) => assert!(same_f64(a, *b)),
            _ => assert_eq!(v, *m),
        }
    }
}

/// The cache of `CAP` keys and `B` record bytes a key under test and the model it must agree with.
struct Harness<const CAP: usize, const B: usize> {
    cache: ValueCache<CAP, KEY_MAX, B>,
    model: BTreeMap<Vec<u8>, Model>,
    now: Time,
}

impl<const CAP: usize, const B: usize> Harness<CAP, B> {
    /// The record bytes the model's entries take.
    fn used(&self) -> usize {
        self.model
            .iter()
            .map(|(k, m)| record_len(m.values.len(), k.len()))
            .sum()
    }

    /// What the model says an update should do; `Ok` carries the new model entry.
    fn expect(
        &self,
        key: &[u8],
        ds: &DataSet<'_>,
        time: Time,
        interval: Time,
        values: &[Value],
    ) -> Result<Model, CacheError> {
        if key.len() > KEY_MAX {
            return Err(CacheError::KeyTooLong {
                len: key.len(),
                max: KEY_MAX,
            });
        }
        if values.len() != ds.sources.len() {
            return Err(CacheError::ValueCount {
                expected: ds.sources.len(),
                got: values.len(),
            });
        }
        if let Some((index, (v, s))) = values
            .iter()
            .zip(ds.sources)
            .enumerate()
            .find(|(_, (v, s))| v.ds_type() != s.ds_type)
        {
            return Err(CacheError::TypeMismatch {
                index,
                expected: s.ds_type,
                got: v.ds_type(),
            });
        }
        let old = self.model.get(key);
        let room = CAP * B;
        let len = record_len(values.len(), key.len());
        match old {
            Some(old) if time <= old.time => return Err(CacheError::TooOld { last: old.time }),
            None if self.model.len() >= CAP => return Err(CacheError::Full { capacity: CAP }),
            None if self.used() + len > room => return Err(CacheError::NoRoom { room }),
            Some(old) if self.used() + len > room + record_len(old.values.len(), key.len()) => {
                return Err(CacheError::NoRoom { room });
            }
            _ => {}
        }
        let old = old.filter(|o| {
            o.values.len() == values.len()
                && o.values
                    .iter()
                    .zip(values)
                    .all(|(a, b)| a.ds_type() == b.ds_type())
        });
        let rates = values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let prev = old.map(|o| (o.values[i], o.time));
                let r = model_rate(prev, v, time, interval);
                let s = ds.sources[i];
                if (!s.min.is_nan() && r < s.min) || (!s.max.is_nan() && r > s.max) {
                    f64::NAN
                } else {
                    r
                }
            })
            .collect();
        Ok(Model {
            values: values.to_vec(),
            rates,
            time,
            interval,
            last_update: self.now,
        })
    }

    fn run(&mut self, op: Op) {
        match op {
            Op::Update {
                key: k,
                ds,
                time,
                interval,
                bits,
                mismatch,
            } => {
                let (key, ds) = (key(k), data_set(ds));
                let values: Vec<Value> = ds
                    .sources
                    .iter()
                    .enumerate()
                    .map(|(i, s)| value(s.ds_type, bits.rotate_left(8 * i as u32), mismatch))
                    .collect();
                let (time, interval) = (Time(time * (1 << 28)), Time::from_secs(interval * 5));
                let expected = self.expect(&key, ds, time, interval, &values);
                let checked = self.cache.check_update(&key, ds, time, &values);
                assert_eq!(checked, expected.as_ref().map(|_| ()).map_err(|e| *e));
                let got = self
                    .cache
                    .update(&key, ds, time, interval, &values, self.now);
                match (got, expected) {
                    (Ok(up), Ok(m)) => {
                        assert_eq!(up.inserted, !self.model.contains_key(&key));
                        assert_same(up.entry, &m);
                        self.model.insert(key, m);
                    }
                    (Err(e), Err(m)) => assert_eq!(e, m),
                    (got, expected) => panic!("cache {got:?}, model {expected:?}"),
                }
            }
            Op::Batch {
                key: k,
                ds,
                times,
                bits,
            } => {
                let (key, ds) = (key(k), data_set(ds));
                let lists: Vec<Vec<Value>> = (0..times.len() as u64)
                    .map(|j| {
                        ds.sources
                            .iter()
                            .map(|s| value(s.ds_type, bits.wrapping_add(j * 7919), false))
                            .collect()
                    })
                    .collect();
                let samples: Vec<Sample<'_>> = times
                    .iter()
                    .zip(&lists)
                    .map(|(&t, v)| Sample {
                        time: Time(t * (1 << 28)),
                        interval: Time::from_secs(10),
                        values: v,
                    })
                    .collect();
                // The model applies one by one and rolls back on the first error.
                let saved = self.model.clone();
                // The key is checked even when there is nothing to apply.
                let mut expected = if key.len() > KEY_MAX {
                    Err(CacheError::KeyTooLong {
                        len: key.len(),
                        max: KEY_MAX,
                    })
                } else {
                    Ok(0)
                };
                for s in samples
                    .iter()
                    .take(if expected.is_ok() { usize::MAX } else { 0 })
                {
                    match self.expect(&key, ds, s.time, s.interval, s.values) {
                        Ok(m) => {
                            self.model.insert(key.clone(), m);
                            expected = expected.map(|n| n + 1);
                        }
                        Err(e) => {
                            expected = Err(e);
                            self.model = saved;
                            break;
                        }
                    }
                }
                let got = self
                    .cache
                    .update_batch(&key, ds, samples.iter().copied(), self.now);
                assert_eq!(got, expected);
                self.check_all();
            }
            Op::Get { key: k } => {
                let key = key(k);
                match (self.cache.get(&key), self.model.get(&key)) {
                    (Some(e), Some(m)) => assert_same(e, m),
                    (None, None) => {}
                    (e, m) => panic!("cache {e:?}, model {m:?}"),
                }
            }
            Op::List => self.check_all(),
            Op::Expire { timeout } => {
                let mut gone = Vec::new();
                let n = self
                    .cache
                    .expire(self.now, timeout, |k, _| gone.push(k.to_vec()));
                let now = self.now;
                let mut expected: Vec<Vec<u8>> = Vec::new();
                self.model.retain(|k, m| {
                    let limit = m.interval.0.saturating_mul(u64::from(timeout));
                    let stale = now.saturating_sub(m.last_update).0 >= limit;
                    if stale {
                        expected.push(k.clone());
                    }
                    !stale
                });
                gone.sort();
                assert_eq!(n, expected.len());
                assert_eq!(gone, expected);
                self.check_all();
            }
            Op::Tick { secs } => self.now = self.now.saturating_add(Time::from_secs(secs)),
        }
    }

    fn check_all(&mut self) {
        assert_eq!(self.cache.len(), self.model.len());
        assert_eq!(self.cache.is_empty(), self.model.is_empty());
        let listed: Vec<(Vec<u8>, Time)> = self
            .cache
            .iter_sorted()
            .map(|(k, e)| (k.to_vec(), e.time()))
            .collect();
        let expected: Vec<(Vec<u8>, Time)> = self
            .model
            .iter()
            .map(|(k, m)| (k.clone(), m.time))
            .collect();
        assert_eq!(listed, expected);
        for (k, m) in &self.model {
            assert_same(self.cache.get(k).unwrap(), m);
        }
    }
}

fn run_model<const CAP: usize, const B: usize>(ops: Vec<Op>) {
    let mut h = Harness::<CAP, B> {
        cache: ValueCache::new(),
        model: BTreeMap::new(),
        now: Time::from_secs(1000),
    };
    for op in ops {
        h.run(op);
    }
    h.check_all();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn cache_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        run_model::<8, DEFAULT_RECORD_ROOM>(ops);
    }

    /// Room for fewer records than keys: new keys and growing records run out of it.
    #[test]
    fn cache_short_of_record_room_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        run_model::<8, 70>(ops);
    }

    /// An odd capacity, not a power of two, fills up more often.
    #[test]
    fn small_odd_cache_matches_model(ops in prop::collection::vec(op(), 1..120)) {
        run_model::<3, DEFAULT_RECORD_ROOM>(ops);
    }
}
