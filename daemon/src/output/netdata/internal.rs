//! collied's own charts: commands, values, errors, the cache, clients, notifications, the network protocol, collection times.

use std::sync::atomic::{AtomicU64, Ordering};

use collie_core::chart::Algorithm;
use collie_core::netdata::Plugin;

use super::mapping::{self, ChartNames};
use super::{Dim, OwnedChart};
use crate::store::{ReadSummary, Store};

/// Priority of the first internal chart.
const PRIORITY: u32 = 150000;

/// The type (menu section) of the internal charts.
const TYPE: &str = "collied";

/// The internal charts, in order: id, title, units, algorithm, dimensions.
const CHARTS: &[(&str, &str, &str, Algorithm, &[&str])] = &[
    (
        "commands",
        "Commands answered",
        "commands/s",
        Algorithm::Incremental,
        &["putval", "getval", "listval", "putnotif", "flush"],
    ),
    (
        "values",
        "Values stored and expired",
        "values/s",
        Algorithm::Incremental,
        &["stored", "expired"],
    ),
    (
        "errors",
        "Error replies",
        "errors/s",
        Algorithm::Incremental,
        &["errors"],
    ),
    (
        "rejected",
        "Values rejected",
        "values/s",
        Algorithm::Incremental,
        &["too_old", "cache_full", "host_quota", "interval_clamped"],
    ),
    (
        "cache",
        "Value cache",
        "values",
        Algorithm::Absolute,
        &["entries", "capacity"],
    ),
    (
        "clients",
        "Connected clients",
        "clients",
        Algorithm::Absolute,
        &["connected"],
    ),
    (
        "connections",
        "Connections",
        "connections/s",
        Algorithm::Incremental,
        &["accepted", "refused", "idle", "dropped"],
    ),
    (
        "notifications",
        "Notifications by severity",
        "notifications/s",
        Algorithm::Incremental,
        &["failure", "warning", "okay"],
    ),
    (
        "network",
        "Network protocol packets and values",
        "events/s",
        Algorithm::Incremental,
        &[
            "packets_received",
            "values_received",
            "values_refused",
            "malformed",
            "security_failures",
            "packets_sent",
            "values_sent",
            "packets_dropped",
        ],
    ),
    (
        "collection_time",
        "Collection time per collector",
        "milliseconds",
        Algorithm::Absolute,
        &[],
    ),
];

/// The internal charts and their latest values.
#[derive(Debug, Default)]
pub(super) struct Internal {
    charts: Vec<OwnedChart>,
}

impl Internal {
    /// The internal charts when `on`, sent every `update_every` seconds.
    pub(super) fn new(on: bool, update_every: u32) -> Internal {
        if !on {
            return Internal::default();
        }
        let charts = CHARTS
            .iter()
            .enumerate()
            .map(|(i, &(id, title, units, algorithm, dims))| {
                let names = ChartNames {
                    type_: TYPE.to_string(),
                    id: id.to_string(),
                    title: format!("collied {}", title.to_lowercase()),
                    units: units.to_string(),
                    family: "collied".to_string(),
                    context: format!("{TYPE}.{id}"),
                    labels: Vec::new(),
                };
                let priority = PRIORITY + i as u32;
                let mut chart = OwnedChart::new(names, priority, update_every.max(1));
                chart.dims = dims
                    .iter()
                    .map(|d| Dim::new(d, d, algorithm, 1, 1))
                    .collect();
                chart
            })
            .collect();
        Internal { charts }
    }

    /// Put the latest counters into the charts.
    pub(super) fn fill(&mut self, store: &Store<'_>, summary: &ReadSummary) {
        if self.charts.is_empty() {
            return;
        }
        let s = &summary.stats;
        let c = store.counters();
        let count = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
        let load = |a: &AtomicU64| count(a.load(Ordering::Relaxed));
        let n = &c.network;
        let values: [&[Option<i64>]; 9] = [
            &[
                count(s.putval),
                count(s.getval),
                count(s.listval),
                count(s.putnotif),
                count(s.flush),
            ],
            &[count(s.values), load(&c.expired)],
            &[count(s.errors)],
            &[
                count(s.rejected_old),
                count(s.rejected_full),
                count(s.rejected_quota),
                count(s.clamped_interval),
            ],
            &[count(summary.len as u64), count(store.capacity() as u64)],
            &[count(c.clients.load(Ordering::Relaxed) as u64)],
            &[
                load(&c.accepted),
                load(&c.refused),
                load(&c.idle),
                load(&c.slow),
            ],
            &[
                load(&c.notifications[0]),
                load(&c.notifications[1]),
                load(&c.notifications[2]),
            ],
            &[
                load(&n.packets_in),
                load(&n.values_in),
                load(&n.refused),
                load(&n.malformed),
                load(&n.security),
                load(&n.packets_out),
                load(&n.values_out),
                load(&n.dropped),
            ],
        ];
        for (chart, values) in self.charts.iter_mut().zip(values) {
            for (d, &v) in chart.dims.iter_mut().zip(values) {
                d.value = v;
            }
        }
        if let Some(chart) = self.charts.last_mut() {
            for (name, took) in store.collection_times() {
                let id = mapping::sanitize_id(&name, mapping::ID_ROOM);
                let micros = i64::try_from(took.as_micros()).unwrap_or(i64::MAX);
                match chart.dims.iter_mut().find(|d| d.id == id) {
                    Some(d) => d.value = Some(micros),
                    None => {
                        let mut d = Dim::new(&id, &name, Algorithm::Absolute, 1, 1000);
                        d.value = Some(micros);
                        chart.dims.push(d);
                        chart.state.redefine();
                    }
                }
            }
        }
    }

    /// Send the charts due at second `tick`.
    pub(super) fn send(&mut self, tick: u64, plugin: &Plugin<'_>, now_us: u64, buf: &mut Vec<u8>) {
        for chart in &mut self.charts {
            if !chart.dims.is_empty() && tick.is_multiple_of(u64::from(chart.update_every.max(1))) {
                chart.send(plugin, now_us, false, buf);
            }
        }
    }

    /// Send every chart as obsolete.
    pub(super) fn finish(&mut self, plugin: &Plugin<'_>, now_us: u64, buf: &mut Vec<u8>) {
        for chart in &mut self.charts {
            chart.send(plugin, now_us, true, buf);
        }
    }
}
