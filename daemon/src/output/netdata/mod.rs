//! The Netdata output: the store's values as plugins.d charts on stdout.
//!
//! Each tick reads the values that changed since the last one (and the
//! identifiers that expired) from the store through this output's change
//! cursor, copying only those under the lock. Without the lock it turns new
//! identifiers into charts and dimensions ([`mapping`]), retires those that
//! left the cache, and sends each chart that is due exactly once, with the
//! latest value of every dimension. A chart is due when the second is a
//! multiple of its own update interval: the largest interval of its values,
//! rounded up to a multiple of `update_every`, so values sent every 10 s
//! make a 10 s chart and Netdata sees one point per value. A FLUSH sends
//! the charts that have new values at once.
//!
//! A chart is (re)defined with CHART, CLABELs and all its DIMENSIONs before
//! its first update and whenever it gains or loses a dimension or changes
//! interval; a dimension whose value expired is sent once more with
//! `obsolete`, and a chart left without dimensions is sent with `obsolete`
//! and forgotten. Memory follows the cache: nothing is kept for an
//! identifier once it has expired. Values jobs collected are charted by the
//! jobs themselves (their entries carry the job origin) and skipped here.
//!
//! Between ticks an empty line is written every second as a keep-alive; a
//! write that fails (Netdata closed the pipe) ends the output. On stop
//! every chart is sent once more as obsolete.

mod internal;
pub mod mapping;

use std::collections::{HashMap, HashSet};
use std::io;
use std::ops::Range;
use std::sync::Arc;
use std::time::Instant;

use collie_core::cache::Entry;
use collie_core::chart::{Algorithm, Chart, Dimension, Label};
use collie_core::dataset::DataSets;
use collie_core::netdata::{ChartState, Plugin};
use collie_core::time::Time;
use collie_core::value::DsType;

use self::mapping::{ChartNames, KeyParts};
use super::{Output, Stream, Tick};
use crate::store::{JOB, READ_PART, ReaderId, Store, Types};

/// Priority of the charts made from identifiers; Netdata orders equal ones by id.
const PRIORITY: u32 = 70000;

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
    key: Box<[u8]>,
    source: usize,
    value: Option<i64>,
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
            key: Box::default(),
            source: 0,
            value: None,
            interval_secs: 0,
            seen: false,
        }
    }

    /// Return the dimension in core's chart model.
    fn view(&self) -> Dimension<'_> {
        Dimension::new(&self.id)
            .name(&self.name)
            .algorithm(self.algorithm)
            .multiplier(self.multiplier)
            .divisor(self.divisor)
    }
}

/// One chart: its names, dimensions and what was sent of it.
#[derive(Debug, Clone)]
struct OwnedChart {
    /// Its text; `names.id` is the id as sent, collision suffix included.
    names: ChartNames,
    /// The identifier group (`host/plugin[-pi]/type`) it shows; empty for internal charts.
    group: String,
    priority: u32,
    update_every: u32,
    dims: Vec<Dim>,
    /// The ids of `dims`.
    dim_ids: Namer,
    /// Dimensions to send once more as obsolete.
    retired: Vec<Dim>,
    state: ChartState,
    /// Values arrived since the chart was last sent.
    pending: bool,
}

impl OwnedChart {
    fn new(names: ChartNames, priority: u32, ue: u32) -> OwnedChart {
        OwnedChart {
            names,
            group: String::new(),
            priority,
            update_every: ue,
            dims: Vec::new(),
            dim_ids: Namer::default(),
            retired: Vec::new(),
            state: ChartState::NEW,
            pending: false,
        }
    }

    fn full_id(&self) -> String {
        format!("{}.{}", self.names.type_, self.names.id)
    }

    /// Send one update (and the definition first, if due), or the definition as obsolete.
    fn send(&mut self, plugin: &Plugin<'_>, now_us: u64, obsolete: bool, buf: &mut Vec<u8>) {
        let labels: Vec<Label<'_>> = self
            .names
            .labels
            .iter()
            .map(|(name, value)| Label::new(name, value))
            .collect();
        let dims: Vec<Dimension<'_>> = self
            .dims
            .iter()
            .map(|d| d.view().obsolete(obsolete))
            .chain(self.retired.iter().map(|d| d.view().obsolete(true)))
            .collect();
        let chart = Chart::new(&self.names.type_, &self.names.id)
            .title(&self.names.title)
            .units(&self.names.units)
            .family(&self.names.family)
            .context(&self.names.context)
            .priority(self.priority)
            .update_every(self.update_every)
            .labels(&labels)
            .dimensions(&dims);
        let defining = !self.state.is_defined();
        let result = if obsolete {
            plugin
                .obsolete(&mut self.state, &chart, 0, buf)
                .map(|()| true)
        } else {
            let values = &self.dims;
            let value = |d: usize| values.get(d).and_then(|d| d.value);
            plugin
                .update(&mut self.state, &chart, 0, value, now_us, buf)
                .map(|sent| sent && defining)
        };
        match result {
            Ok(defined) => {
                if defined {
                    self.retired.clear();
                }
                self.pending = false;
            }
            // Ids are sanitised, so this is a bug; skip the chart rather than feed Netdata a bad line.
            Err(e) => error!("chart {}: {e}", self.full_id()),
        }
    }
}

/// Where a cache key's dimensions are.
#[derive(Debug, Clone)]
struct KeyDims {
    chart: usize,
    /// Index into the chart's dimensions, per data source.
    dims: Vec<usize>,
}

/// One changed value list, copied out under the lock.
#[derive(Debug, Clone)]
struct Changed {
    key: Range<usize>,
    values: Range<usize>,
    interval: Time,
}

/// The changed values of one tick, copied out under the lock into reused buffers.
#[derive(Debug, Default)]
struct Changes {
    keys: Vec<u8>,
    values: Vec<(DsType, Option<i64>)>,
    items: Vec<Changed>,
}

impl Changes {
    fn clear(&mut self) {
        self.keys.clear();
        self.values.clear();
        self.items.clear();
    }

    fn push(&mut self, key: &[u8], entry: Entry<'_>) {
        let k = self.keys.len();
        self.keys.extend_from_slice(key);
        let v = self.values.len();
        for (value, rate) in entry.values().zip(entry.rates()) {
            self.values
                .push((value.ds_type(), mapping::collected(value, rate)));
        }
        self.items.push(Changed {
            key: k..self.keys.len(),
            values: v..self.values.len(),
            interval: entry.interval(),
        });
    }
}

/// The Netdata output's state.
pub struct Netdata<'t> {
    stream: Arc<Stream>,
    types: &'t Types<'t>,
    reader: ReaderId,
    buf: Vec<u8>,
    settings: Settings,
    plugin: Plugin<'static>,
    started: Instant,
    charts: Vec<Option<OwnedChart>>,
    free: Vec<usize>,
    by_id: HashMap<String, usize>,
    /// The ids of the charts in `by_id`, per type.
    chart_ids: HashMap<String, Namer>,
    by_group: HashMap<String, usize>,
    keys: HashMap<Box<[u8]>, KeyDims>,
    internal: internal::Internal,
    changes: Changes,
}

impl<'t> Netdata<'t> {
    /// Create an output of `store`'s values, writing to `stream`; `types` names the data sources.
    pub fn new(
        settings: Settings,
        stream: Arc<Stream>,
        store: &Store<'_>,
        types: &'t Types<'t>,
    ) -> Self {
        let internal = internal::Internal::new(settings.internal_charts, settings.update_every);
        Netdata {
            stream,
            types,
            reader: store.reader(),
            buf: Vec::new(),
            plugin: Plugin::new().with_update_every(settings.update_every),
            settings,
            started: Instant::now(),
            charts: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            chart_ids: HashMap::new(),
            by_group: HashMap::new(),
            keys: HashMap::new(),
            internal,
            changes: Changes::default(),
        }
    }

    /// Return how many charts made from identifiers are live.
    pub fn chart_count(&self) -> usize {
        self.by_id.len()
    }

    /// Return how many identifiers are charted.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Read what changed in `store` and write what `tick` makes due into the stream.
    fn send(&mut self, store: &Store<'_>, tick: Tick) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let mut changes = std::mem::take(&mut self.changes);
        changes.clear();
        // In parts, so that ingest waits for one part at most; an entry
        // shown twice is applied twice, the newer value last.
        let summary = store.read_changes_in_parts(&self.reader, READ_PART, |key, entry| {
            // A job's values are charted by the job itself.
            if entry.origin() != JOB {
                changes.push(key, entry);
            }
        });
        if summary.whole {
            for d in self.charts.iter_mut().flatten().flat_map(|c| &mut c.dims) {
                d.seen = false;
            }
        }
        self.apply(&changes);
        self.changes = changes;
        if summary.whole {
            self.retire(&mut buf, |d| !d.seen);
        } else if !summary.removed.is_empty() {
            let removed: std::collections::HashSet<&[u8]> =
                summary.removed.iter().map(|k| &k[..]).collect();
            self.retire(&mut buf, |d| removed.contains(&d.key[..]));
        }
        self.fit_intervals();
        let now_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let due = |ue: u32| match tick {
            Tick::Second(t) => t.is_multiple_of(u64::from(ue.max(1))),
            Tick::Flush => false,
        };
        for chart in self.charts.iter_mut().flatten() {
            if due(chart.update_every) || (tick == Tick::Flush && chart.pending) {
                chart.send(&self.plugin, now_us, false, &mut buf);
            }
        }
        if let Tick::Second(t) = tick {
            self.internal.fill(store, &summary);
            self.internal.send(t, &self.plugin, now_us, &mut buf);
        }
        if buf.is_empty() && matches!(tick, Tick::Second(_)) {
            // Netdata's keep-alive.
            buf.push(b'\n');
        }
        let result = self.stream.write(&buf);
        self.buf = buf;
        result
    }

    /// Put the changed values into their dimensions, adding charts and dimensions for new keys.
    fn apply(&mut self, changes: &Changes) {
        for item in &changes.items {
            let key = &changes.keys[item.key.clone()];
            let values = &changes.values[item.values.clone()];
            // A key keeps its shape: its data set is fixed while collied runs.
            if !self.keys.contains_key(key) && !self.add_key(key, values) {
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
                    d.interval_secs = secs;
                    d.seen = true;
                }
            }
            chart.pending = true;
        }
    }

    /// Give each chart the interval of its slowest value, rounded up to a multiple of `update_every`.
    fn fit_intervals(&mut self) {
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
                chart.state.redefine();
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
                let mut names = mapping::chart_names(&parts, &self.settings.local_host, ds);
                names.id = self
                    .chart_ids
                    .entry(names.type_.clone())
                    .or_default()
                    .claim(&names.id);
                let full_id = format!("{}.{}", names.type_, names.id);
                let mut chart = OwnedChart::new(names, PRIORITY, self.settings.update_every.max(1));
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
                self.by_id.insert(full_id, slot);
                self.by_group.insert(group, slot);
                slot
            }
        };
        let Some(chart) = self.charts.get_mut(slot).and_then(Option::as_mut) else {
            return false;
        };
        let data_set = self.types.get(parts.type_.as_bytes());
        let mut dims = Vec::with_capacity(values.len());
        for (source, &(ds, _)) in values.iter().enumerate() {
            let source_name = data_set
                .and_then(|s| s.sources.get(source))
                .map_or("value", |s| s.name);
            let (id, name) = mapping::dimension_names(&parts, source_name, values.len());
            let id = chart.dim_ids.claim(&id);
            let (algorithm, multiplier, divisor) = mapping::algorithm(ds);
            let mut dim = Dim::new(&id, &name, algorithm, multiplier, divisor);
            dim.key = key.into();
            dim.source = source;
            // A dimension coming back is no longer retired.
            chart.retired.retain(|r| r.id != dim.id);
            chart.dims.push(dim);
            dims.push(chart.dims.len() - 1);
        }
        chart.state.redefine();
        self.keys.insert(key.into(), KeyDims { chart: slot, dims });
        true
    }

    /// Retire the dimensions `gone` picks; obsolete and forget charts left empty.
    fn retire(&mut self, buf: &mut Vec<u8>, gone: impl Fn(&Dim) -> bool) {
        let mut emptied = Vec::new();
        for (slot, chart) in self.charts.iter_mut().enumerate() {
            let Some(chart) = chart else { continue };
            if !chart.dims.iter().any(&gone) {
                continue;
            }
            let (left, kept): (Vec<Dim>, Vec<Dim>) = chart.dims.drain(..).partition(&gone);
            for d in &left {
                self.keys.remove(&d.key);
                chart.dim_ids.release(&d.id);
            }
            chart.dims = kept;
            chart.retired.extend(left);
            if chart.dims.is_empty() {
                emptied.push(slot);
            } else {
                chart.state.redefine();
                reindex(&mut self.keys, slot, chart);
            }
        }
        let now_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        for slot in emptied {
            let Some(mut chart) = self.charts.get_mut(slot).and_then(Option::take) else {
                continue;
            };
            // Written only if Netdata has seen the chart.
            chart.send(&self.plugin, now_us, true, buf);
            info!(
                "chart {} is obsolete: all its values expired",
                chart.full_id()
            );
            self.by_id.remove(&chart.full_id());
            if let Some(ids) = self.chart_ids.get_mut(&chart.names.type_) {
                ids.release(&chart.names.id);
            }
            self.by_group.remove(&chart.group);
            self.free.push(slot);
        }
    }
}

impl Output for Netdata<'_> {
    fn tick(&mut self, store: &Store<'_>, tick: Tick) -> io::Result<()> {
        self.send(store, tick)
    }

    fn finish(&mut self, _store: &Store<'_>) -> io::Result<()> {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let now_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        for chart in self.charts.iter_mut().flatten() {
            chart.send(&self.plugin, now_us, true, &mut buf);
        }
        self.internal.finish(&self.plugin, now_us, &mut buf);
        self.stream.write(&buf)
    }
}

/// Point the key map at the chart's dimensions after some were removed.
fn reindex(keys: &mut HashMap<Box<[u8]>, KeyDims>, slot: usize, chart: &OwnedChart) {
    for (i, d) in chart.dims.iter().enumerate() {
        if let Some(k) = keys.get_mut(&d.key)
            && k.chart == slot
            && let Some(at) = k.dims.get_mut(d.source)
        {
            *at = i;
        }
    }
}

/// Ids in use, handing out `id`, `id_2`, `id_3`, … in time linear in the ids given.
///
/// Each base id remembers the next suffix to try, so many names that
/// sanitise to one id cost one try each, not one per id already taken.
#[derive(Debug, Clone, Default)]
struct Namer {
    used: HashSet<String>,
    next: HashMap<String, u32>,
}

impl Namer {
    /// Take `id` if it is free, else the first free `id_N`.
    fn claim(&mut self, id: &str) -> String {
        if self.used.insert(id.to_owned()) {
            return id.to_owned();
        }
        let n = self.next.entry(id.to_owned()).or_insert(2);
        loop {
            let candidate = format!("{id}_{n}");
            *n += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }

    /// Give `id` back.
    fn release(&mut self, id: &str) {
        self.used.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    type Small = Store<'static>;

    fn store(interval: u64) -> Small {
        static TYPES: Types<'static> = Types::BUILTIN;
        Store::new(&TYPES, "here", Time::from_secs(interval), 2)
    }

    fn put(h: &mut Small, line: &str, now: u64) {
        let mut out = Vec::new();
        h.answer_whole(line.as_bytes(), Time::from_secs(now), &mut out);
        assert!(
            out.starts_with(b"0 "),
            "{line}: {}",
            String::from_utf8_lossy(&out)
        );
    }

    struct Out<'t> {
        netdata: Netdata<'t>,
        text: Arc<Mutex<Vec<u8>>>,
    }

    fn output_with<'t>(h: &Small, internal_charts: bool) -> Out<'t> {
        let (stream, text) = Stream::buffer();
        static TYPES: Types<'static> = Types::BUILTIN;
        let settings = Settings {
            update_every: 1,
            local_host: "here".into(),
            internal_charts,
        };
        Out {
            netdata: Netdata::new(settings, Arc::new(stream), h, &TYPES),
            text,
        }
    }

    fn output<'t>(h: &Small) -> Out<'t> {
        output_with(h, false)
    }

    fn step(o: &mut Out<'_>, h: &Small, tick: Option<u64>) -> String {
        let tick = tick.map_or(Tick::Flush, Tick::Second);
        o.netdata.tick(h, tick).unwrap();
        let text = String::from_utf8(std::mem::take(&mut *o.text.lock().unwrap())).unwrap();
        // An idle tick writes Netdata's keep-alive and nothing else.
        if text == "\n" { String::new() } else { text }
    }

    #[test]
    fn identifiers_become_charts_and_dimensions() {
        let mut h = store(1);
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
        let mut o = output(&h);
        let text = step(&mut o, &h, Some(101));
        assert!(text.contains(
            "CHART memory.memory '' 'System RAM' 'bytes' 'ram' 'collectd.memory.memory' line 70000 1 ''\n\
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
        let mut h = store(1);
        put(&mut h, "PUTVAL here/load/load interval=1 100:1:2:3", 100);
        put(&mut h, "PUTVAL there/load/load interval=1 100:1:2:3", 100);
        put(&mut h, "PUTVAL here/p.x/gauge interval=1 100:1", 100);
        put(&mut h, "PUTVAL here/p_x/gauge interval=1 100:2", 100);
        let mut o = output(&h);
        let text = step(&mut o, &h, Some(101));
        assert!(text.contains("CHART load.load "), "{text}");
        assert!(text.contains("CHART load.load__there "), "{text}");
        assert!(text.contains("CLABEL host 'there' 1"), "{text}");
        assert!(text.contains("CHART p_x.gauge "), "{text}");
        assert!(text.contains("CHART p_x.gauge_2 "), "{text}");
        assert_eq!(o.netdata.chart_count(), 4);
    }

    #[test]
    fn expired_values_are_obsoleted_and_forgotten() {
        let mut h = store(1);
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
        let mut o = output(&h);
        step(&mut o, &h, Some(101));
        put(
            &mut h,
            "PUTVAL here/memory/memory-used interval=1 103:1",
            103,
        );
        h.expire_at(Time::from_secs(103), |_, _| {});
        let text = step(&mut o, &h, Some(104));
        assert!(text.contains("DIMENSION used 'used' absolute 1 1000 ''\nDIMENSION free 'free' absolute 1 1000 'obsolete'\nBEGIN"), "{text}");
        assert!(!text.contains("SET free"), "{text}");
        h.expire_at(Time::from_secs(110), |_, _| {});
        let text = step(&mut o, &h, Some(111));
        assert!(text.contains("line 70000 1 'obsolete'\n"), "{text}");
        assert!(
            text.contains("DIMENSION used 'used' absolute 1 1000 'obsolete'\n"),
            "{text}"
        );
        assert!(!text.contains("BEGIN"), "{text}");
        assert_eq!(o.netdata.chart_count(), 0);
        assert_eq!(o.netdata.key_count(), 0);
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
        let mut h = store(10);
        put(&mut h, "PUTVAL here/p/gauge 100:1", 100);
        let mut o = output(&h);
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
        let h = store(1);
        let mut o = output_with(&h, true);
        let text = step(&mut o, &h, Some(5));
        assert!(text.contains("CHART collied.commands "), "{text}");
        assert!(
            text.contains("DIMENSION putval 'putval' incremental 1 1 ''"),
            "{text}"
        );
        assert!(
            text.contains("BEGIN collied.cache\nSET entries = 0\nSET capacity = 65536\nEND\n"),
            "{text}"
        );
        assert!(text.contains("CHART collied.notifications "), "{text}");
    }

    #[test]
    fn many_ids_that_sanitise_alike_cost_linear_time() {
        let mut h = store(1);
        let n = 4000u32;
        for i in 0..n {
            let c = char::from_u32(0x100 + i).unwrap();
            put(
                &mut h,
                &format!("PUTVAL \"here/p/gauge-x{c}\" interval=1 100:1"),
                100,
            );
        }
        let mut o = output(&h);
        let started = std::time::Instant::now();
        let text = step(&mut o, &h, Some(101));
        let took = started.elapsed();
        assert!(text.contains("DIMENSION x_ 'x"), "{}", &text[..300]);
        assert!(text.contains(&format!("DIMENSION x__{n} ")), "no x__{n}");
        // Quadratic or worse would take minutes here; linear takes milliseconds.
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    }
}
