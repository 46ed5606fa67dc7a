//! The Prometheus output: `GET /metrics` in the text format or OpenMetrics.
//!
//! A scrape reads what changed in the store since the last one, through
//! the exporter's own change cursor (the store's lock is held only to copy
//! the changed entries), into a mirror of the latest values. It then
//! writes the exposition from the mirror without the store's lock. The
//! series of each identifier (family, type, labels) are worked out when it
//! first appears and kept in family order, so a scrape of known
//! identifiers only formats numbers. The exporter is also an [`Output`]
//! (through [`Refresh`]): ticked each second, it does the same reading
//! between scrapes, so a scrape finds the mirror nearly current and the
//! names of new identifiers already worked out. [`http`] serves it.

pub mod http;
pub mod remote_write;
pub mod series;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use collie_core::prometheus::{Exposition, Format, Kind, Number};
use collie_core::time::Time;
use collie_core::value::Value;

use crate::output::{Output, Tick};
use crate::store::{ReaderId, Snapshot, Store, Types, now};
use series::Series;

/// How the exporter writes samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Leave out values whose time is older than this; `None`: each value's interval × the store's timeout.
    pub staleness: Option<Time>,
    /// Give each sample its value's own time.
    pub timestamps: bool,
}

/// The latest value of one identifier.
#[derive(Debug, Clone)]
struct Cached {
    snapshot: Snapshot,
    /// The read that last listed it (for a read that lists everything).
    seen: u64,
}

/// One identifier: its key, latest value and series.
#[derive(Debug)]
struct Slot {
    key: Box<[u8]>,
    cached: Cached,
    series: Vec<Series>,
}

/// What the exporter keeps between scrapes.
#[derive(Debug)]
struct Mirror {
    reader: ReaderId,
    /// Identifiers by slot; a free slot is `None`.
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    /// Looked up under the store's lock for every changed entry, so hashed fast (and keyed, against flooding).
    index: HashMap<Box<[u8]>, usize, foldhash::fast::RandomState>,
    /// Every series in family order.
    order: Vec<series::At>,
    /// Whether identifiers came or went since `order` was built.
    dirty: bool,
    /// Series left out of `order` for repeating another's family and labels.
    dropped: usize,
    reads: u64,
}

/// Serves the store's values as Prometheus expositions.
#[derive(Debug)]
pub struct Exporter<'s, 't> {
    store: &'s Store<'t>,
    types: &'s Types<'t>,
    settings: Settings,
    mirror: Mutex<Mirror>,
    scrapes: AtomicU64,
    last_micros: AtomicU64,
}

impl<'s, 't> Exporter<'s, 't> {
    /// Export `store`'s values, checked against `types`.
    pub fn new(store: &'s Store<'t>, types: &'s Types<'t>, settings: Settings) -> Self {
        Exporter {
            store,
            types,
            settings,
            mirror: Mutex::new(Mirror {
                reader: store.reader(),
                slots: Vec::new(),
                free: Vec::new(),
                index: HashMap::default(),
                order: Vec::new(),
                dirty: false,
                dropped: 0,
                reads: 0,
            }),
            scrapes: AtomicU64::new(0),
            last_micros: AtomicU64::new(0),
        }
    }

    /// Write one whole exposition in `format`.
    pub fn scrape(&self, format: Format) -> Vec<u8> {
        let started = Instant::now();
        let mut mirror = self.mirror.lock().unwrap_or_else(PoisonError::into_inner);
        let summary = self.update(&mut mirror);
        let now = now();
        let mut out = Exposition::new(Vec::with_capacity(mirror.order.len() * 96), format);
        let mut family: Option<&[u8]> = None;
        for &(i, j) in &mirror.order {
            let Some(Some(slot)) = mirror.slots.get(i) else {
                continue;
            };
            let (c, s) = (&slot.cached.snapshot, &slot.series[j]);
            let stale = self.settings.staleness.unwrap_or(Time(
                c.interval.0.saturating_mul(u64::from(self.store.timeout())),
            ));
            if now.saturating_sub(c.time) > stale {
                continue;
            }
            let Some(value) = c.values().get(s.index) else {
                continue;
            };
            // A Vec never fills up.
            if family != Some(&s.family[..]) {
                let _ = out.family(&s.family, s.kind, s.help.as_bytes(), &s.unit);
                family = Some(&s.family[..]);
            }
            let time = self.settings.timestamps.then_some(c.time);
            let _ = out.sample_with_prefix(&s.prefix, number(*value), time);
        }
        let dropped = mirror.dropped;
        drop(mirror);
        self.own_metrics(&mut out, &summary, dropped);
        let _ = out.finish();
        self.scrapes.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.last_micros.store(micros, Ordering::Relaxed);
        out.into_inner()
    }

    /// Copy what changed since the last scrape into `mirror`; rebuild the order if identifiers came or went.
    fn update(&self, mirror: &mut Mirror) -> crate::store::ReadSummary {
        mirror.reads += 1;
        let read = mirror.reads;
        let Mirror {
            reader,
            slots,
            index,
            ..
        } = mirror;
        let mut fresh = Vec::new();
        let summary =
            self.store
                .read_changes_in_parts(reader, crate::store::READ_PART, |key, entry| {
                    let cached = Cached {
                        snapshot: Snapshot::of(entry),
                        seen: read,
                    };
                    match index.get(key).and_then(|&i| slots.get_mut(i)?.as_mut()) {
                        Some(slot) => slot.cached = cached,
                        None => fresh.push((Box::<[u8]>::from(key), cached)),
                    }
                });
        // New identifiers' names are worked out here, without the store's lock.
        for (key, cached) in fresh {
            let series = series::of_key(self.store, self.types, &key);
            let slot = Slot {
                key: key.clone(),
                cached,
                series,
            };
            let i = match mirror.free.pop() {
                Some(i) => {
                    mirror.slots[i] = Some(slot);
                    i
                }
                None => {
                    mirror.slots.push(Some(slot));
                    mirror.slots.len() - 1
                }
            };
            mirror.index.insert(key, i);
            mirror.dirty = true;
        }
        let mut gone: Vec<Box<[u8]>> = summary.removed.clone();
        if summary.whole {
            gone.extend(
                mirror
                    .slots
                    .iter()
                    .flatten()
                    .filter(|s| s.cached.seen != read)
                    .map(|s| s.key.clone()),
            );
        }
        for key in gone {
            if let Some(i) = mirror.index.remove(&key) {
                mirror.slots[i] = None;
                mirror.free.push(i);
                mirror.dirty = true;
            }
        }
        if mirror.dirty {
            let slots = mirror.slots.iter_mut().enumerate().filter_map(|(i, s)| {
                let s = s.as_mut()?;
                Some((i, &s.key[..], &mut s.series[..]))
            });
            let (order, dropped) = series::arrange(slots);
            mirror.order = order;
            mirror.dropped = dropped;
            mirror.dirty = false;
        }
        summary
    }

    /// Append collied's own `collied_*` families.
    fn own_metrics(
        &self,
        out: &mut Exposition<Vec<u8>>,
        summary: &crate::store::ReadSummary,
        dropped: usize,
    ) {
        let s = &summary.stats;
        let c = self.store.counters();
        let n = &c.network;
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let rw = &c.remote_write;
        let counters: [Family<'_>; 7] = [
            (
                "collied_commands",
                "Protocol commands answered, by command",
                &[
                    ("putval", s.putval),
                    ("getval", s.getval),
                    ("listval", s.listval),
                    ("putnotif", s.putnotif),
                    ("flush", s.flush),
                ],
            ),
            (
                "collied_values_stored",
                "Values stored from the text protocol",
                &[("", s.values)],
            ),
            (
                "collied_values_expired",
                "Values expired from the cache",
                &[("", load(&c.expired))],
            ),
            (
                "collied_values_rejected",
                "Values rejected, by reason",
                &[
                    ("too_old", s.rejected_old),
                    ("cache_full", s.rejected_full),
                    ("host_quota", s.rejected_quota),
                    ("interval_clamped", s.clamped_interval),
                ],
            ),
            (
                "collied_network_packets",
                "Packets of collectd's network protocol, by what happened to them",
                &[
                    ("received", load(&n.packets_in)),
                    ("security_failure", load(&n.security)),
                    ("sent", load(&n.packets_out)),
                    ("dropped", load(&n.dropped)),
                ],
            ),
            (
                "collied_remote_write_samples",
                "Samples pushed to remote_write receivers, by what happened to them",
                &[
                    ("sent", load(&rw.sent)),
                    ("dropped", load(&rw.dropped)),
                    ("retried", load(&rw.retries)),
                ],
            ),
            (
                "collied_scrapes",
                "Scrapes of this endpoint",
                &[("", self.scrapes.load(Ordering::Relaxed))],
            ),
        ];
        let label = |name: &str| match name {
            "collied_commands" => "command",
            "collied_values_rejected" => "reason",
            _ => "event",
        };
        for (name, help, values) in counters {
            let _ = out.family(name.as_bytes(), Kind::Counter, help.as_bytes(), b"");
            for (value_label, v) in values {
                let labels: &[(&[u8], &[u8])] = if value_label.is_empty() {
                    &[]
                } else {
                    &[(label(name).as_bytes(), value_label.as_bytes())]
                };
                let _ = out.sample(
                    name.as_bytes(),
                    Kind::Counter,
                    labels,
                    Number::Unsigned(*v),
                    None,
                );
            }
        }
        let gauges: [(&str, &str, f64); 5] = [
            (
                "collied_cache_entries",
                "Identifiers in the value cache",
                summary.len as f64,
            ),
            (
                "collied_cache_capacity",
                "Identifiers the value cache can hold",
                self.store.capacity() as f64,
            ),
            (
                "collied_clients",
                "Clients connected to the socket",
                c.clients.load(Ordering::Relaxed) as f64,
            ),
            (
                "collied_scrape_duration_seconds",
                "Time the previous scrape took to write",
                self.last_micros.load(Ordering::Relaxed) as f64 / 1e6,
            ),
            (
                "collied_prometheus_series_dropped",
                "Series left out for repeating another's name and labels",
                dropped as f64,
            ),
        ];
        for (name, help, v) in gauges {
            let _ = out.family(name.as_bytes(), Kind::Gauge, help.as_bytes(), b"");
            let _ = out.sample(name.as_bytes(), Kind::Gauge, &[], Number::Float(v), None);
        }
    }
}

/// One of collied's own counter families: its name, help, and a value for each label value.
type Family<'a> = (&'a str, &'a str, &'a [(&'a str, u64)]);

/// The exporter as an output: each tick reads the store's changes into the mirror.
#[derive(Debug)]
pub struct Refresh<'e, 's, 't>(pub &'e Exporter<'s, 't>);

impl Output for Refresh<'_, '_, '_> {
    fn tick(&mut self, _store: &Store<'_>, _tick: Tick) -> std::io::Result<()> {
        let mut mirror = self.0.mirror.lock().unwrap_or_else(PoisonError::into_inner);
        self.0.update(&mut mirror);
        Ok(())
    }

    fn finish(&mut self, _store: &Store<'_>) -> std::io::Result<()> {
        Ok(())
    }
}

/// A cached value as a sample's number: counters exact, gauges as floats.
fn number(v: Value) -> Number {
    match v {
        Value::Gauge(g) => Number::Float(g),
        Value::Derive(d) => Number::Signed(d),
        Value::Counter(c) | Value::Absolute(c) => Number::Unsigned(c),
    }
}
