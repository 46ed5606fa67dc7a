//! Where jobs write: a plugins.d stream shared with the other outputs, a value callback and a log.

use std::sync::Arc;

use collie_core::chart::{Chart, Label};
use collie_core::netdata::{ChartState, Error, Plugin};

use crate::output::Stream;

/// One chart's values of one collection, as handed to a value callback.
#[derive(Debug)]
pub struct Collected<'a> {
    /// The job's full name (its chart type).
    pub job: &'a str,
    /// The job's module.
    pub module: &'a str,
    /// The job's own name (the module's name for a job named after it).
    pub name: &'a str,
    /// Seconds between the job's collections.
    pub update_every: u32,
    /// The chart, with `type_` as sent.
    pub chart: &'a Chart<'a>,
    /// The value of each dimension, `None` for a gap.
    pub values: &'a [Option<i64>],
    /// The monotonic time of the collection, in µs.
    pub now_us: u64,
}

type ValueFn = dyn Fn(&Collected<'_>) + Send + Sync;
type CollectionFn = dyn Fn(&[Collected<'_>]) + Send + Sync;
type LogFn = dyn Fn(&str) + Send + Sync;

/// The destination of every job: a plugins.d stream, value callbacks and a log.
pub struct Output {
    stream: Arc<Stream>,
    on_values: Option<Box<ValueFn>>,
    on_collection: Option<Box<CollectionFn>>,
    log: Box<LogFn>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").finish_non_exhaustive()
    }
}

impl Output {
    /// Write plugins.d lines to `stream`; log to stderr.
    pub fn new(stream: Arc<Stream>) -> Output {
        Output {
            stream,
            on_values: None,
            on_collection: None,
            log: Box::new(|line| eprintln!("collied: {line}")),
        }
    }

    /// Write plugins.d lines to standard output, as Netdata reads them.
    pub fn stdout() -> Output {
        Output::new(Arc::new(Stream::stdout()))
    }

    /// Write plugins.d lines into a shared buffer, returned alongside (for tests and tools).
    pub fn buffer() -> (Output, Arc<std::sync::Mutex<Vec<u8>>>) {
        let (stream, buf) = Stream::buffer();
        (Output::new(Arc::new(stream)), buf)
    }

    /// Also hand every chart's collected values to `f` (the daemon's store, a test).
    pub fn with_values(mut self, f: impl Fn(&Collected<'_>) + Send + Sync + 'static) -> Output {
        self.on_values = Some(Box::new(f));
        self
    }

    /// Also hand each collection's charts to `f` in one call, after the per-chart callback.
    ///
    /// One call a collection lets a reader on another thread (the daemon's
    /// store) be woken once a collection instead of once a chart.
    pub fn with_collections(
        mut self,
        f: impl Fn(&[Collected<'_>]) + Send + Sync + 'static,
    ) -> Output {
        self.on_collection = Some(Box::new(f));
        self
    }

    /// Send log lines to `f` instead of stderr.
    pub fn with_log(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Output {
        self.log = Box::new(f);
        self
    }

    /// Write `bytes` in one piece, so blocks never interleave with other writers'.
    pub fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write(bytes)
    }

    /// Log a line.
    pub fn log(&self, line: &str) {
        (self.log)(line);
    }

    /// Return whether any value callback is set.
    fn wants_values(&self) -> bool {
        self.on_values.is_some() || self.on_collection.is_some()
    }
}

/// Writes one job's charts: lazily defined, skipped without values, obsoleted when idle or stopped.
///
/// It keeps the values of the charts it last wrote, so that they can be
/// handed on ([`JobWriter::hand_on`]) after the block went out, without an
/// allocation a collection.
#[derive(Debug)]
pub(crate) struct JobWriter {
    type_: String,
    plugin: &'static str,
    module: &'static str,
    job_label: String,
    update_every: u32,
    priority: u32,
    chart_cleanup: u32,
    states: Vec<ChartState>,
    /// The values of each chart, as of the last update.
    values: Vec<Vec<Option<i64>>>,
    /// Which charts the last update wrote, by index.
    written: Vec<usize>,
    /// The time of the last update, in µs.
    now_us: u64,
}

impl JobWriter {
    /// A writer of charts of type `type_` for the job named `job`.
    pub(crate) fn new(
        type_: String,
        plugin: &'static str,
        module: &'static str,
        job: &str,
        update_every: u32,
        priority: u32,
        chart_cleanup: u32,
    ) -> JobWriter {
        JobWriter {
            type_,
            plugin,
            module,
            job_label: job.to_owned(),
            update_every,
            priority,
            chart_cleanup,
            states: Vec::new(),
            values: Vec::new(),
            written: Vec::new(),
            now_us: 0,
        }
    }

    /// Run `f` with the plugin settings of this job: its type, names and `_collect_job` label, as python.d sends them.
    fn with_plugin<T>(&self, f: impl FnOnce(&Plugin<'_>) -> Result<T, Error>) -> Result<T, Error> {
        let labels = [Label::new("_collect_job", &self.job_label)];
        let plugin = Plugin::new()
            .with_type(&self.type_)?
            .with_plugin(self.plugin, self.module)?
            .with_update_every(self.update_every)
            .with_priority(self.priority)
            .with_labels(&labels)?;
        f(&plugin)
    }

    /// Write one collection; return how many charts had a value.
    ///
    /// The charts written are remembered, with their values, for
    /// [`JobWriter::hand_on`], even when a later chart fails.
    pub(crate) fn update(
        &mut self,
        charts: &[Chart<'_>],
        value: &dyn Fn(usize, usize) -> Option<i64>,
        now_us: u64,
        out: &mut Vec<u8>,
    ) -> Result<usize, Error> {
        if self.states.len() < charts.len() {
            self.states.resize(charts.len(), ChartState::NEW);
        }
        if self.values.len() < charts.len() {
            self.values.resize_with(charts.len(), Vec::new);
        }
        self.written.clear();
        self.now_us = now_us;
        let mut states = std::mem::take(&mut self.states);
        let mut all_values = std::mem::take(&mut self.values);
        let mut written = std::mem::take(&mut self.written);
        let result = self.with_plugin(|plugin| {
            let mut updated = 0;
            for (i, ((chart, state), values)) in charts
                .iter()
                .zip(&mut states)
                .zip(&mut all_values)
                .enumerate()
            {
                values.clear();
                values.extend((0..chart.dimensions.len()).map(|d| value(i, d)));
                if !plugin.update(state, chart, i, |d| values[d], now_us, out)? {
                    plugin.retire_idle(state, chart, i, self.chart_cleanup, out)?;
                    continue;
                }
                updated += 1;
                written.push(i);
            }
            Ok(updated)
        });
        self.states = states;
        self.values = all_values;
        self.written = written;
        result
    }

    /// Hand the charts the last update wrote, with their values, to `sink`'s value callbacks.
    ///
    /// `charts` must be the ones that update was given.
    pub(crate) fn hand_on(&self, charts: &[Chart<'_>], sink: &Output) {
        if !sink.wants_values() || self.written.is_empty() {
            return;
        }
        let sent = || {
            self.written.iter().filter_map(|&i| {
                let mut sent = *charts.get(i)?;
                sent.type_ = &self.type_;
                Some((i, sent))
            })
        };
        if let Some(f) = &sink.on_values {
            for (i, chart) in sent() {
                f(&self.collected(i, &chart));
            }
        }
        if let Some(f) = &sink.on_collection {
            let sent: Vec<(usize, Chart<'_>)> = sent().collect();
            let all: Vec<Collected<'_>> = sent.iter().map(|(i, c)| self.collected(*i, c)).collect();
            f(&all);
        }
    }

    /// Return chart number `i` of the last update, sent as `chart`, as a value callback sees it.
    fn collected<'a>(&'a self, i: usize, chart: &'a Chart<'a>) -> Collected<'a> {
        Collected {
            job: &self.type_,
            module: self.module,
            name: &self.job_label,
            update_every: self.update_every,
            chart,
            values: self.values.get(i).map_or(&[], Vec::as_slice),
            now_us: self.now_us,
        }
    }

    /// Mark every defined chart obsolete, as a stopping job does.
    pub(crate) fn obsolete_all(
        &mut self,
        charts: &[Chart<'_>],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        self.written.clear();
        let mut states = std::mem::take(&mut self.states);
        let result = self.with_plugin(|plugin| {
            for (i, (chart, state)) in charts.iter().zip(&mut states).enumerate() {
                plugin.obsolete(state, chart, i, out)?;
            }
            Ok(())
        });
        self.states = states;
        result
    }
}
