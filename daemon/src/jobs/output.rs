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
type LogFn = dyn Fn(&str) + Send + Sync;

/// The destination of every job: a plugins.d stream, a value callback and a log.
pub struct Output {
    stream: Arc<Stream>,
    on_values: Option<Box<ValueFn>>,
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

    pub(crate) fn values(&self, c: &Collected<'_>) {
        if let Some(f) = &self.on_values {
            f(c);
        }
    }
}

/// Writes one job's charts: lazily defined, skipped without values, obsoleted when idle or stopped.
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
    pub(crate) fn update(
        &mut self,
        charts: &[Chart<'_>],
        value: &dyn Fn(usize, usize) -> Option<i64>,
        now_us: u64,
        out: &mut Vec<u8>,
        sink: Option<&Output>,
    ) -> Result<usize, Error> {
        if self.states.len() < charts.len() {
            self.states.resize(charts.len(), ChartState::NEW);
        }
        let mut states = std::mem::take(&mut self.states);
        let result = self.with_plugin(|plugin| {
            let mut updated = 0;
            for (i, (chart, state)) in charts.iter().zip(&mut states).enumerate() {
                let values: Vec<Option<i64>> =
                    (0..chart.dimensions.len()).map(|d| value(i, d)).collect();
                if !plugin.update(state, chart, i, |d| values[d], now_us, out)? {
                    plugin.retire_idle(state, chart, i, self.chart_cleanup, out)?;
                    continue;
                }
                updated += 1;
                if let Some(sink) = sink {
                    let mut sent = *chart;
                    sent.type_ = &self.type_;
                    sink.values(&Collected {
                        job: &self.type_,
                        module: self.module,
                        name: &self.job_label,
                        update_every: self.update_every,
                        chart: &sent,
                        values: &values,
                        now_us,
                    });
                }
            }
            Ok(updated)
        });
        self.states = states;
        result
    }

    /// Mark every defined chart obsolete, as a stopping job does.
    pub(crate) fn obsolete_all(
        &mut self,
        charts: &[Chart<'_>],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
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
