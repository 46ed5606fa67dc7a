//! Where jobs write: plugins.d bytes under one lock, a value callback and a log.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use collie_core::chart::{Chart, Label};
use collie_core::netdata::{Error, Plugin};

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
    pub chart: &'a Chart,
    /// The value of each dimension, `None` for a gap.
    pub values: &'a [Option<i64>],
    /// The monotonic time of the collection, in µs.
    pub now_us: u64,
}

type ValueFn = dyn Fn(&Collected<'_>) + Send + Sync;
type LogFn = dyn Fn(&str) + Send + Sync;

/// The destination of every job: a plugins.d stream, a value callback and a log.
pub struct Output {
    stream: Mutex<Box<dyn Write + Send>>,
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
    pub fn new(stream: impl Write + Send + 'static) -> Output {
        Output {
            stream: Mutex::new(Box::new(stream)),
            on_values: None,
            log: Box::new(|line| eprintln!("collied: {line}")),
        }
    }

    /// Write plugins.d lines to standard output, as Netdata reads them.
    pub fn stdout() -> Output {
        Output::new(io::stdout())
    }

    /// Write plugins.d lines into a shared buffer, returned alongside (for tests and tools).
    pub fn buffer() -> (Output, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (Output::new(SharedBuf(Arc::clone(&buf))), buf)
    }

    /// Also hand every chart's collected values to `f` (the daemon's cache, a test).
    pub fn with_values(mut self, f: impl Fn(&Collected<'_>) + Send + Sync + 'static) -> Output {
        self.on_values = Some(Box::new(f));
        self
    }

    /// Send log lines to `f` instead of stderr.
    pub fn with_log(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Output {
        self.log = Box::new(f);
        self
    }

    /// Write `bytes` in one piece under the lock, then flush, so blocks never interleave.
    pub fn write(&self, bytes: &[u8]) -> io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let mut s = self.stream.lock().unwrap_or_else(PoisonError::into_inner);
        s.write_all(bytes)?;
        s.flush()
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

/// A `Write` into a shared byte buffer.
#[derive(Debug, Clone, Default)]
pub struct SharedBuf(pub Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Return a `&'static` copy of `s`, kept once per distinct text: chart tables hold `&'static str`.
pub fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    static STRINGS: Mutex<Option<HashSet<&'static str>>> = Mutex::new(None);
    let mut set = STRINGS.lock().unwrap_or_else(PoisonError::into_inner);
    let set = set.get_or_insert_with(HashSet::new);
    if let Some(&kept) = set.get(s) {
        return kept;
    }
    let kept: &'static str = Box::leak(s.to_owned().into_boxed_str());
    set.insert(kept);
    kept
}

#[derive(Debug, Clone, Copy, Default)]
struct State {
    defined: bool,
    last_us: Option<u64>,
    idle: u32,
}

/// Writes one job's charts: lazily defined, skipped without values, obsoleted when idle or stopped.
#[derive(Debug)]
pub(crate) struct JobWriter {
    type_: &'static str,
    plugin: &'static str,
    module: &'static str,
    job_label: &'static str,
    update_every: u32,
    priority: u32,
    chart_cleanup: u32,
    states: Vec<State>,
    labels: HashMap<(&'static str, usize), &'static [Label]>,
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
            type_: intern(&type_),
            plugin,
            module,
            job_label: intern(job),
            update_every,
            priority,
            chart_cleanup,
            states: Vec::new(),
            labels: HashMap::new(),
        }
    }

    fn plugin(&self) -> Result<Plugin<'static>, Error> {
        Ok(Plugin::new()
            .with_type(self.type_)?
            .with_plugin(self.plugin, self.module)?
            .with_update_every(self.update_every)
            .with_priority(self.priority))
    }

    /// Return `chart` with the `_collect_job` label added, as python.d sends it.
    fn labelled(&mut self, chart: &Chart) -> Chart {
        let job = self.job_label;
        let labels = *self
            .labels
            .entry((chart.id, chart.labels.as_ptr() as usize))
            .or_insert_with(|| {
                let mut all = chart.labels.to_vec();
                all.push(Label::new("_collect_job", job));
                Box::leak(all.into_boxed_slice())
            });
        let mut c = *chart;
        c.labels = labels;
        c
    }

    /// Write one collection; return how many charts had a value.
    pub(crate) fn update(
        &mut self,
        charts: &[Chart],
        value: &dyn Fn(usize, usize) -> Option<i64>,
        now_us: u64,
        out: &mut Vec<u8>,
        sink: Option<&Output>,
    ) -> Result<usize, Error> {
        if self.states.len() < charts.len() {
            self.states.resize(charts.len(), State::default());
        }
        let mut updated = 0;
        for (i, chart) in charts.iter().enumerate() {
            let values: Vec<Option<i64>> =
                (0..chart.dimensions.len()).map(|d| value(i, d)).collect();
            if values.iter().all(Option::is_none) {
                self.idle(charts, i, out)?;
                continue;
            }
            let chart = self.labelled(chart);
            let plugin = self.plugin()?;
            let state = self.states[i];
            let start = out.len();
            let written = (|| {
                if !state.defined {
                    plugin.define(out, &chart, i, false)?;
                }
                let micros = state.last_us.map(|t| now_us.saturating_sub(t));
                let mut u = plugin.begin(out, &chart, micros)?;
                for (d, v) in values.iter().enumerate() {
                    u.set_index(d, *v)?;
                }
                u.end()
            })();
            if let Err(e) = written {
                out.truncate(start);
                return Err(e);
            }
            self.states[i] = State {
                defined: true,
                last_us: Some(now_us),
                idle: 0,
            };
            updated += 1;
            if let Some(sink) = sink {
                let mut sent = chart;
                sent.type_ = self.type_;
                sink.values(&Collected {
                    job: self.type_,
                    module: self.module,
                    name: self.job_label,
                    update_every: self.update_every,
                    chart: &sent,
                    values: &values,
                    now_us,
                });
            }
        }
        Ok(updated)
    }

    /// Count a run without data for chart `i`; obsolete it after `chart_cleanup` such runs.
    fn idle(&mut self, charts: &[Chart], i: usize, out: &mut Vec<u8>) -> Result<(), Error> {
        let state = &mut self.states[i];
        if !state.defined {
            return Ok(());
        }
        state.idle += 1;
        if self.chart_cleanup > 0 && state.idle >= self.chart_cleanup {
            self.obsolete(charts, i, out)?;
        }
        Ok(())
    }

    fn obsolete(&mut self, charts: &[Chart], i: usize, out: &mut Vec<u8>) -> Result<(), Error> {
        if !self.states.get(i).is_some_and(|s| s.defined) {
            return Ok(());
        }
        let chart = self.labelled(&charts[i]);
        self.plugin()?.define(out, &chart, i, true)?;
        self.states[i] = State::default();
        Ok(())
    }

    /// Mark every defined chart obsolete, as a stopping job does.
    pub(crate) fn obsolete_all(
        &mut self,
        charts: &[Chart],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        for i in 0..charts.len().min(self.states.len()) {
            self.obsolete(charts, i, out)?;
        }
        Ok(())
    }
}
