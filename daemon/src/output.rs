//! The Netdata output: the value cache as plugins.d charts on stdout.
//!
//! Every `update_every` seconds (aligned to the clock) the output copies
//! the latest values out of the cache under the lock, then, without it,
//! turns new identifiers into charts and dimensions ([`mapping`]), retires
//! those that left the cache, and sends each chart that is due exactly once.
//! A chart is due when the tick is a multiple of its own update interval:
//! the largest interval of its values, rounded up to a multiple of
//! `update_every`, so values sent every 10 s make a 10 s chart and Netdata
//! sees one point per value. A FLUSH sends the charts that have new values
//! at once.
//!
//! A chart is (re)defined with CHART, CLABELs and all its DIMENSIONs before
//! its first update and whenever it gains or loses a dimension or changes
//! interval; a dimension whose value expired is sent once more with
//! `obsolete`, and a chart left without dimensions is sent with `obsolete`
//! and forgotten. Memory follows the cache: nothing is kept for an
//! identifier once it has expired.
//!
//! Between ticks an empty line is written every second as a keep-alive; a
//! write that fails (Netdata closed the pipe) ends the output.

use std::collections::HashMap;
use std::io::{self, Write};
use std::ops::Range;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use collie_core::cache::ValueCache;
use collie_core::chart::{Algorithm, ChartOptions, LabelSource};
use collie_core::dataset::DataSets;
use collie_core::handler::Stats;
use collie_core::netdata;
use collie_core::netdata::dynamic::{self, ChartDef, DimensionDef};
use collie_core::time::Time;
use collie_core::value::DsType;

use crate::mapping::{self, KeyParts};
use crate::state::{self, COUNTERS, TYPES};

/// Priority of the charts made from identifiers; Netdata orders equal ones by id.
const PRIORITY: u32 = 70000;

/// Priority of the first internal chart.
const INTERNAL_PRIORITY: u32 = 150000;

/// The type (menu section) of the internal charts.
const INTERNAL_TYPE: &str = "collied";

/// How the output behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Seconds between ticks.
    pub update_every: u32,
    /// collied's own host name: identifiers of other hosts get `__<host>` chart ids.
    pub local_host: String,
    /// Send the internal charts.
    pub internal_charts: bool,
}

/// One dimension of a chart.
#[derive(Debug, Clone)]
struct Dim {
    id: String,
    name: String,
    algorithm: Algorithm,
    multiplier: i64,
    divisor: i64,
    /// The cache key and data source it shows; empty for internal charts.
    key: Vec<u8>,
    source: usize,
    value: Option<i64>,
    /// Time of the value, and of the value last sent.
    time: Time,
    sent: Time,
    interval_secs: u32,
    seen: bool,
}

impl Dim {
    fn new(id: &str, name: &str, algorithm: Algorithm, multiplier: i64, divisor: i64) -> Dim {
        Dim {
            id: id.to_string(),
            name: name.to_string(),
            algorithm,
            multiplier,
            divisor,
            key: Vec::new(),
            source: 0,
            value: None,
            time: Time::ZERO,
            sent: Time::ZERO,
            interval_secs: 0,
            seen: false,
        }
    }

    fn def(&self, obsolete: bool) -> DimensionDef<'_> {
        let mut d = DimensionDef::new(&self.id);
        d.name = &self.name;
        d.algorithm = self.algorithm;
        d.multiplier = self.multiplier;
        d.divisor = self.divisor;
        d.obsolete = obsolete;
        d
    }
}

/// One chart and what was sent of it.
#[derive(Debug, Clone)]
struct Chart {
    type_: String,
    id: String,
    names: mapping::ChartNames,
    /// The identifier group (`host/plugin[-pi]/type`) it shows; empty for internal charts.
    group: String,
    priority: u32,
    update_every: u32,
    dims: Vec<Dim>,
    /// Dimensions to send once more as obsolete.
    retired: Vec<Dim>,
    defined: bool,
    last_sent: Option<Instant>,
}

impl Chart {
    fn new(type_: &str, id: &str, names: mapping::ChartNames, priority: u32, ue: u32) -> Chart {
        Chart {
            type_: type_.to_string(),
            id: id.to_string(),
            names,
            group: String::new(),
            priority,
            update_every: ue,
            dims: Vec::new(),
            retired: Vec::new(),
            defined: false,
            last_sent: None,
        }
    }

    fn full_id(&self) -> String {
        format!("{}.{}", self.type_, self.id)
    }

    /// Write CHART, CLABELs and DIMENSIONs (retired ones as obsolete).
    fn define(&mut self, out: &mut Vec<u8>, obsolete: bool) -> Result<(), netdata::Error> {
        let mut def = ChartDef::new(&self.type_, &self.id);
        def.title = &self.names.title;
        def.units = &self.names.units;
        def.family = &self.names.family;
        def.context = &self.names.context;
        def.priority = self.priority;
        def.update_every = self.update_every;
        def.options = ChartOptions {
            obsolete,
            ..ChartOptions::NONE
        };
        dynamic::chart(out, &def)?;
        if !self.names.labels.is_empty() {
            for (name, value) in &self.names.labels {
                netdata::clabel(out, name, value, LabelSource::Auto)?;
            }
            netdata::clabel_commit(out)?;
        }
        for d in &self.dims {
            dynamic::dimension(out, &d.def(obsolete))?;
        }
        for d in self.retired.drain(..) {
            dynamic::dimension(out, &d.def(true))?;
        }
        self.defined = !obsolete;
        Ok(())
    }

    /// Write BEGIN, a SET per dimension with a value, END.
    fn update(&mut self, out: &mut Vec<u8>, now: Instant) -> Result<(), netdata::Error> {
        if !self.defined {
            self.define(out, false)?;
        }
        let micros = self
            .last_sent
            .map(|t| u64::try_from(now.duration_since(t).as_micros()).unwrap_or(u64::MAX));
        dynamic::begin(out, &self.type_, &self.id, micros)?;
        for d in &mut self.dims {
            if let Some(v) = d.value {
                dynamic::set(out, &d.id, v)?;
            }
            d.sent = d.time;
        }
        dynamic::end(out)?;
        self.last_sent = Some(now);
        Ok(())
    }

    fn changed(&self) -> bool {
        self.dims.iter().any(|d| d.time > d.sent)
    }
}

/// Where a cache key's dimensions are.
#[derive(Debug, Clone)]
struct KeyDims {
    chart: usize,
    /// Index into the chart's dimensions, per data source.
    dims: Vec<usize>,
}

/// One cached value list, copied out of the cache.
#[derive(Debug, Clone)]
struct Item {
    key: Range<usize>,
    values: Range<usize>,
    time: Time,
    interval: Time,
}

/// The latest values, copied out under the lock into reused buffers.
#[derive(Debug, Default)]
struct Snapshot {
    keys: Vec<u8>,
    values: Vec<(DsType, Option<i64>)>,
    items: Vec<Item>,
    stats: Stats,
    len: usize,
    capacity: usize,
}

impl Snapshot {
    fn take<const N: usize, const K: usize>(&mut self, cache: &ValueCache<N, K>, stats: Stats) {
        self.keys.clear();
        self.values.clear();
        self.items.clear();
        for (key, entry) in cache.iter() {
            let k = self.keys.len();
            self.keys.extend_from_slice(key);
            let v = self.values.len();
            for (value, &rate) in entry.values().zip(entry.rates()) {
                self.values
                    .push((value.ds_type(), mapping::collected(value, rate)));
            }
            self.items.push(Item {
                key: k..self.keys.len(),
                values: v..self.values.len(),
                time: entry.time(),
                interval: entry.interval(),
            });
        }
        self.stats = stats;
        self.len = cache.len();
        self.capacity = cache.capacity();
    }
}

/// The internal charts, in slot order.
const INTERNAL: &[(&str, &str, &str, Algorithm, &[&str])] = &[
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
        &["too_old", "cache_full"],
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
        "collection_time",
        "Collection time per collector",
        "milliseconds",
        Algorithm::Absolute,
        &[],
    ),
];

/// The Netdata output's state.
pub struct Output<W: Write> {
    out: W,
    buf: Vec<u8>,
    settings: Settings,
    charts: Vec<Option<Chart>>,
    free: Vec<usize>,
    by_id: HashMap<String, usize>,
    by_group: HashMap<String, usize>,
    keys: HashMap<Vec<u8>, KeyDims>,
    internal: Vec<Chart>,
    snapshot: Snapshot,
}

impl<W: Write> Output<W> {
    /// Create an output writing to `out`.
    pub fn new(settings: Settings, out: W) -> Self {
        let internal = if settings.internal_charts {
            internal_charts(settings.update_every)
        } else {
            Vec::new()
        };
        Output {
            out,
            buf: Vec::new(),
            settings,
            charts: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            by_group: HashMap::new(),
            keys: HashMap::new(),
            internal,
            snapshot: Snapshot::default(),
        }
    }

    /// Return the writer.
    pub fn writer(&self) -> &W {
        &self.out
    }

    /// Return how many charts made from identifiers are live.
    pub fn chart_count(&self) -> usize {
        self.by_id.len()
    }

    /// Copy the latest values out of `cache`; hold its lock only for this call.
    pub fn snapshot<const N: usize, const K: usize>(
        &mut self,
        cache: &ValueCache<N, K>,
        stats: Stats,
    ) {
        self.snapshot.take(cache, stats);
    }

    /// Take the snapshot from the shared handler.
    fn snapshot_shared(&mut self) {
        let h = state::handler();
        self.snapshot.take(h.cache(), *h.stats());
    }

    /// Apply the last snapshot and send what is due: every chart due at `tick` (seconds), or with `None` (a FLUSH) every chart with new values.
    pub fn send(&mut self, tick: Option<u64>, now: Instant) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        self.apply(&mut buf);
        let due = |ue: u32| tick.is_some_and(|t| t.is_multiple_of(u64::from(ue.max(1))));
        for chart in self.charts.iter_mut().flatten() {
            if (due(chart.update_every) || (tick.is_none() && chart.changed()))
                && let Err(e) = chart.update(&mut buf, now)
            {
                // Ids are sanitised, so this is a bug; skip the chart rather than feed Netdata a bad line.
                error!("chart {}: {e}", chart.full_id());
            }
        }
        if tick.is_some() {
            self.fill_internal();
            for chart in &mut self.internal {
                if !chart.dims.is_empty()
                    && due(chart.update_every)
                    && let Err(e) = chart.update(&mut buf, now)
                {
                    error!("chart {}: {e}", chart.full_id());
                }
            }
        }
        let result = self.write(&buf);
        self.buf = buf;
        result
    }

    /// Write an empty line, Netdata's keep-alive.
    pub fn keepalive(&mut self) -> io::Result<()> {
        self.write(b"\n")
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.out.write_all(bytes)?;
        self.out.flush()
    }

    /// Match the snapshot against the charts: add, update and retire dimensions; obsolete charts go to `buf`.
    fn apply(&mut self, buf: &mut Vec<u8>) {
        for chart in self.charts.iter_mut().flatten() {
            for d in &mut chart.dims {
                d.seen = false;
            }
        }
        let snapshot = std::mem::take(&mut self.snapshot);
        for item in &snapshot.items {
            let key = &snapshot.keys[item.key.clone()];
            let values = &snapshot.values[item.values.clone()];
            // A key keeps its shape: its data set is fixed while collied runs.
            // A job's values are charted by the job itself (see `wire`).
            if !self.keys.contains_key(key)
                && (crate::wire::from_job(key) || !self.add_key(key, values))
            {
                continue;
            }
            let Some(k) = self.keys.get(key) else {
                continue;
            };
            let Some(chart) = self.charts.get_mut(k.chart).and_then(Option::as_mut) else {
                continue;
            };
            let secs = item.interval.as_secs_f64().ceil().clamp(0.0, 86400.0) as u32;
            for (&i, &(_, value)) in k.dims.iter().zip(values) {
                if let Some(d) = chart.dims.get_mut(i) {
                    d.value = value;
                    d.time = item.time;
                    d.interval_secs = secs;
                    d.seen = true;
                }
            }
        }
        self.snapshot = snapshot;
        self.retire_unseen(buf);
        let ue = self.settings.update_every.max(1);
        for chart in self.charts.iter_mut().flatten() {
            let longest = chart
                .dims
                .iter()
                .map(|d| d.interval_secs)
                .max()
                .unwrap_or(0);
            let wanted = longest.max(ue).div_ceil(ue) * ue;
            if wanted != chart.update_every {
                chart.update_every = wanted;
                chart.defined = false;
            }
        }
    }

    /// Make dimensions (and the chart, if new) for a cache key; false if it cannot be charted.
    fn add_key(&mut self, key: &[u8], values: &[(DsType, Option<i64>)]) -> bool {
        let parts = KeyParts::split(key);
        let group = parts.group();
        let slot = match self.by_group.get(&group) {
            Some(&slot) => slot,
            None => {
                let ds = values.first().map(|v| v.0);
                let names = mapping::chart_names(&parts, &self.settings.local_host, ds);
                let type_ = names.type_.clone();
                let id = unique(&names.id, |id| {
                    !self.by_id.contains_key(&format!("{type_}.{id}"))
                });
                let mut chart = Chart::new(
                    &type_,
                    &id,
                    names,
                    PRIORITY,
                    self.settings.update_every.max(1),
                );
                chart.group = group.clone();
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.charts[slot] = Some(chart);
                        slot
                    }
                    None => {
                        self.charts.push(Some(chart));
                        self.charts.len() - 1
                    }
                };
                self.by_id.insert(format!("{type_}.{id}"), slot);
                self.by_group.insert(group, slot);
                slot
            }
        };
        let Some(chart) = self.charts.get_mut(slot).and_then(Option::as_mut) else {
            return false;
        };
        let data_set = TYPES.get(parts.type_.as_bytes());
        let mut dims = Vec::with_capacity(values.len());
        for (source, &(ds, _)) in values.iter().enumerate() {
            let source_name = data_set
                .and_then(|s| s.sources.get(source))
                .map_or("value", |s| s.name);
            let (id, name) = mapping::dimension_names(&parts, source_name, values.len());
            let id = unique(&id, |id| chart.dims.iter().all(|d| d.id != id));
            let (algorithm, multiplier, divisor) = mapping::algorithm(ds);
            let mut dim = Dim::new(&id, &name, algorithm, multiplier, divisor);
            dim.key = key.to_vec();
            dim.source = source;
            // A dimension coming back is no longer retired.
            chart.retired.retain(|r| r.id != dim.id);
            chart.dims.push(dim);
            dims.push(chart.dims.len() - 1);
        }
        chart.defined = false;
        self.keys
            .insert(key.to_vec(), KeyDims { chart: slot, dims });
        true
    }

    /// Retire dimensions whose values left the cache; obsolete and forget charts left empty.
    fn retire_unseen(&mut self, buf: &mut Vec<u8>) {
        let mut emptied = Vec::new();
        for (slot, chart) in self.charts.iter_mut().enumerate() {
            let Some(chart) = chart else { continue };
            if chart.dims.iter().all(|d| d.seen) {
                continue;
            }
            let (kept, gone): (Vec<Dim>, Vec<Dim>) = chart.dims.drain(..).partition(|d| d.seen);
            for d in &gone {
                self.keys.remove(&d.key);
            }
            chart.dims = kept;
            chart.retired.extend(gone);
            chart.defined = false;
            reindex(&mut self.keys, slot, chart);
            if chart.dims.is_empty() {
                emptied.push(slot);
            }
        }
        for slot in emptied {
            let Some(mut chart) = self.charts.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            if chart.last_sent.is_some()
                && let Err(e) = chart.define(buf, true)
            {
                error!("chart {}: {e}", chart.full_id());
            }
            info!(
                "chart {} is obsolete: all its values expired",
                chart.full_id()
            );
            self.by_id.remove(&chart.full_id());
            self.by_group.remove(&chart.group);
            self.free.push(slot);
        }
    }

    /// Put the latest counters into the internal charts.
    fn fill_internal(&mut self) {
        if self.internal.is_empty() {
            return;
        }
        let s = &self.snapshot.stats;
        let count = |n: u64| Some(i64::try_from(n).unwrap_or(i64::MAX));
        let load =
            |a: &std::sync::atomic::AtomicU64| count(a.load(std::sync::atomic::Ordering::Relaxed));
        let values: [&[Option<i64>]; 8] = [
            &[
                count(s.putval),
                count(s.getval),
                count(s.listval),
                count(s.putnotif),
                count(s.flush),
            ],
            &[count(s.values), load(&COUNTERS.expired)],
            &[count(s.errors)],
            &[count(s.rejected_old), count(s.rejected_full)],
            &[
                count(self.snapshot.len as u64),
                count(self.snapshot.capacity as u64),
            ],
            &[count(
                COUNTERS.clients.load(std::sync::atomic::Ordering::Relaxed) as u64,
            )],
            &[
                load(&COUNTERS.accepted),
                load(&COUNTERS.refused),
                load(&COUNTERS.idle),
                load(&COUNTERS.slow),
            ],
            &[
                load(&COUNTERS.notifications[0]),
                load(&COUNTERS.notifications[1]),
                load(&COUNTERS.notifications[2]),
            ],
        ];
        for (chart, values) in self.internal.iter_mut().zip(values) {
            for (d, &v) in chart.dims.iter_mut().zip(values) {
                d.value = v;
            }
        }
        if let Some(chart) = self.internal.last_mut() {
            for (name, took) in state::collection_times() {
                let id = mapping::sanitize_id(&name, mapping::ID_ROOM);
                let micros = i64::try_from(took.as_micros()).unwrap_or(i64::MAX);
                match chart.dims.iter_mut().find(|d| d.id == id) {
                    Some(d) => d.value = Some(micros),
                    None => {
                        let mut d = Dim::new(&id, &name, Algorithm::Absolute, 1, 1000);
                        d.value = Some(micros);
                        chart.dims.push(d);
                        chart.defined = false;
                    }
                }
            }
        }
    }
}

/// Point the key map at the chart's dimensions after some were removed.
fn reindex(keys: &mut HashMap<Vec<u8>, KeyDims>, slot: usize, chart: &Chart) {
    for (i, d) in chart.dims.iter().enumerate() {
        if let Some(k) = keys.get_mut(&d.key)
            && k.chart == slot
            && let Some(at) = k.dims.get_mut(d.source)
        {
            *at = i;
        }
    }
}

/// Return `id`, or `id_2`, `id_3`, … : the first that `free` accepts.
fn unique(id: &str, free: impl Fn(&str) -> bool) -> String {
    if free(id) {
        return id.to_string();
    }
    (2..)
        .map(|n| format!("{id}_{n}"))
        .find(|c| free(c))
        .unwrap_or_else(|| id.to_string())
}

fn internal_charts(update_every: u32) -> Vec<Chart> {
    INTERNAL
        .iter()
        .enumerate()
        .map(|(i, &(id, title, units, algorithm, dims))| {
            let names = mapping::ChartNames {
                type_: INTERNAL_TYPE.to_string(),
                id: id.to_string(),
                title: format!("collied {}", title.to_lowercase()),
                units: units.to_string(),
                family: "collied".to_string(),
                context: format!("{INTERNAL_TYPE}.{id}"),
                labels: Vec::new(),
            };
            let priority = INTERNAL_PRIORITY + i as u32;
            let mut chart = Chart::new(INTERNAL_TYPE, id, names, priority, update_every.max(1));
            chart.dims = dims
                .iter()
                .map(|d| Dim::new(d, d, algorithm, 1, 1))
                .collect();
            chart
        })
        .collect()
}

/// Run the output on `out` until a write fails; return that error.
pub fn run<W: Write>(settings: Settings, out: W) -> io::Error {
    let ue = u64::from(settings.update_every.max(1));
    let mut output = Output::new(settings, out);
    loop {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let next = wall.as_secs() + 1;
        let wait = Duration::from_secs(next).saturating_sub(wall);
        let flushed = state::WAKEUP.wait_until(Instant::now() + wait);
        let result = if flushed {
            output.snapshot_shared();
            output.send(None, Instant::now())
        } else if next.is_multiple_of(ue) {
            output.snapshot_shared();
            output.send(Some(next), Instant::now())
        } else {
            output.keepalive()
        };
        if let Err(e) = result {
            return e;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::Handler;
    use collie_core::dataset::{BUILTIN, Builtin};
    use collie_core::protocol::Scratch;

    type Small = Handler<'static, Builtin, 64>;

    fn put(h: &mut Small, line: &str, now: u64) {
        let mut out = Vec::new();
        h.handle(
            line.as_bytes(),
            &mut Scratch::new(),
            Time::from_secs(now),
            &mut out,
        )
        .unwrap();
        assert!(
            out.starts_with(b"0 "),
            "{line}: {}",
            String::from_utf8_lossy(&out)
        );
    }

    fn output() -> Output<Vec<u8>> {
        Output::new(
            Settings {
                update_every: 1,
                local_host: "here".into(),
                internal_charts: false,
            },
            Vec::new(),
        )
    }

    fn step(o: &mut Output<Vec<u8>>, h: &Small, tick: Option<u64>) -> String {
        o.snapshot(h.cache(), *h.stats());
        o.send(tick, Instant::now()).unwrap();
        let text = String::from_utf8(o.out.clone()).unwrap();
        o.out.clear();
        text
    }

    #[test]
    fn identifiers_become_charts_and_dimensions() {
        let mut h: Small = Handler::new(&BUILTIN, Time::from_secs(1));
        put(
            &mut h,
            "PUTVAL here/memory/memory-used interval=1 100:1024.5",
            100,
        );
        put(
            &mut h,
            "PUTVAL here/interface-eth0/if_octets interval=1 100:10:20",
            100,
        );
        let mut o = output();
        let text = step(&mut o, &h, Some(101));
        assert!(text.contains(
            "CHART memory.memory '' 'memory of memory' 'bytes' 'memory' 'collectd.memory.memory' line 70000 1 ''\n\
             CLABEL host 'here' 1\nCLABEL plugin 'memory' 1\nCLABEL type 'memory' 1\nCLABEL_COMMIT\n\
             DIMENSION used 'used' absolute 1 1000 ''\n\
             BEGIN memory.memory\nSET used = 1024500\nEND\n"
        ), "{text}");
        assert!(
            text.contains(
                "DIMENSION rx 'rx' incremental 1 1 ''\nDIMENSION tx 'tx' incremental 1 1 ''\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("BEGIN interface_eth0.if_octets\nSET rx = 10\nSET tx = 20\nEND\n"),
            "{text}"
        );
        // A new type instance redefines the chart with all its dimensions.
        put(
            &mut h,
            "PUTVAL here/memory/memory-free interval=1 101:5",
            101,
        );
        let text = step(&mut o, &h, Some(102));
        assert!(text.contains("DIMENSION used 'used' absolute 1 1000 ''\nDIMENSION free 'free' absolute 1 1000 ''\nBEGIN memory.memory "), "{text}");
        assert!(
            text.contains("SET used = 1024500\nSET free = 5000\nEND\n"),
            "{text}"
        );
        // Unchanged charts are sent once per tick, without redefinition.
        let text = step(&mut o, &h, Some(103));
        assert!(!text.contains("CHART"), "{text}");
        assert_eq!(text.matches("BEGIN memory.memory").count(), 1);
    }

    #[test]
    fn other_hosts_get_their_own_charts_and_collisions_a_suffix() {
        let mut h: Small = Handler::new(&BUILTIN, Time::from_secs(1));
        put(&mut h, "PUTVAL here/load/load interval=1 100:1:2:3", 100);
        put(&mut h, "PUTVAL there/load/load interval=1 100:1:2:3", 100);
        put(&mut h, "PUTVAL here/p.x/gauge interval=1 100:1", 100);
        put(&mut h, "PUTVAL here/p_x/gauge interval=1 100:2", 100);
        let mut o = output();
        let text = step(&mut o, &h, Some(101));
        assert!(text.contains("CHART load.load "), "{text}");
        assert!(text.contains("CHART load.load__there "), "{text}");
        assert!(text.contains("CLABEL host 'there' 1"), "{text}");
        assert!(text.contains("CHART p_x.gauge "), "{text}");
        assert!(text.contains("CHART p_x.gauge_2 "), "{text}");
        assert_eq!(o.chart_count(), 4);
    }

    #[test]
    fn expired_values_are_obsoleted_and_forgotten() {
        let mut h: Small = Handler::new(&BUILTIN, Time::from_secs(1));
        put(
            &mut h,
            "PUTVAL here/memory/memory-used interval=1 100:1",
            100,
        );
        put(
            &mut h,
            "PUTVAL here/memory/memory-free interval=1 100:2",
            100,
        );
        let mut o = output();
        step(&mut o, &h, Some(101));
        put(
            &mut h,
            "PUTVAL here/memory/memory-used interval=1 103:1",
            103,
        );
        h.cache_mut().expire(Time::from_secs(103), 2, |_, _| {});
        let text = step(&mut o, &h, Some(104));
        assert!(text.contains("DIMENSION used 'used' absolute 1 1000 ''\nDIMENSION free 'free' absolute 1 1000 'obsolete'\nBEGIN"), "{text}");
        assert!(!text.contains("SET free"), "{text}");
        h.cache_mut().expire(Time::from_secs(110), 2, |_, _| {});
        let text = step(&mut o, &h, Some(111));
        assert!(text.contains("line 70000 1 'obsolete'\n"), "{text}");
        assert!(
            text.contains("DIMENSION used 'used' absolute 1 1000 'obsolete'\n"),
            "{text}"
        );
        assert!(!text.contains("BEGIN"), "{text}");
        assert_eq!(o.chart_count(), 0);
        assert!(o.keys.is_empty());
        // It comes back as a fresh chart.
        put(
            &mut h,
            "PUTVAL here/memory/memory-used interval=1 120:7",
            120,
        );
        let text = step(&mut o, &h, Some(121));
        assert!(text.contains("line 70000 1 ''\n"), "{text}");
        assert!(text.contains("SET used = 7000"), "{text}");
    }

    #[test]
    fn slow_values_make_slow_charts_and_flush_sends_new_values() {
        let mut h: Small = Handler::new(&BUILTIN, Time::from_secs(10));
        put(&mut h, "PUTVAL here/p/gauge 100:1", 100);
        let mut o = output();
        let text = step(&mut o, &h, Some(101));
        assert_eq!(text, "", "a 10 s chart waits for its tick");
        let text = step(&mut o, &h, Some(110));
        assert!(text.contains("line 70000 10 ''"), "{text}");
        assert!(text.contains("SET value = 1000"), "{text}");
        assert_eq!(step(&mut o, &h, None), "", "nothing new to flush");
        put(&mut h, "PUTVAL here/p/gauge 105:2", 105);
        let text = step(&mut o, &h, None);
        assert!(
            text.starts_with("BEGIN p.gauge ") && text.contains("SET value = 2000"),
            "{text}"
        );
    }

    #[test]
    fn internal_charts_count() {
        let h: Small = Handler::new(&BUILTIN, Time::from_secs(1));
        let mut o = Output::new(
            Settings {
                update_every: 1,
                local_host: "here".into(),
                internal_charts: true,
            },
            Vec::new(),
        );
        let text = step(&mut o, &h, Some(5));
        assert!(text.contains("CHART collied.commands "), "{text}");
        assert!(
            text.contains("DIMENSION putval 'putval' incremental 1 1 ''"),
            "{text}"
        );
        assert!(
            text.contains("BEGIN collied.cache\nSET entries = 0\nSET capacity = 64\nEND\n"),
            "{text}"
        );
        assert!(text.contains("CHART collied.notifications "), "{text}");
    }
}
