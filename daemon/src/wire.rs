//! Jobs inside the daemon: one stdout writer, and job values in the value cache.
//!
//! The jobs runner and the cache's Netdata output share one
//! [`jobs::Output`]: each writes a whole collection (every CHART and
//! BEGIN…END block of it) in one locked write, so blocks never interleave.
//!
//! Every value a job collects is also stored in the value cache, so
//! `GETVAL` and `LISTVAL` see it as they see a client's `PUTVAL`:
//!
//! | job value | identifier | value |
//! |---|---|---|
//! | absolute or percentage dimension | `<host>/<module>[-<job>]/gauge-<chart>_<dim>` | collected × multiplier ÷ divisor, as Netdata shows it |
//! | incremental dimension | `<host>/<module>[-<job>]/derive-<chart>_<dim>` | the collected counter (GETVAL gives its rate) |
//!
//! `-<job>` is left out for a job named after its module; characters
//! outside `[A-Za-z0-9_.-]` become `_`. The job already charts these values
//! itself, so the cache's Netdata output skips their identifiers
//! ([`from_job`]) instead of charting them twice.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, PoisonError};

use collie_core::chart::Algorithm;

use crate::collector;
use crate::jobs::{self, Collected, Loaded, Runner, RunnerOptions};

/// Most bytes of one identifier field, well inside collectd's limit.
const FIELD_MAX: usize = 63;

/// Identifiers (cache keys) that jobs have stored values under.
static JOB_KEYS: Mutex<Option<HashSet<Vec<u8>>>> = Mutex::new(None);

/// The jobs to run inside the daemon, and how.
#[derive(Debug, Default)]
pub struct Jobs {
    /// The configured jobs and notes about them.
    pub loaded: Loaded,
    /// How the runner runs them (`min_update_every` is set from Netdata's argument).
    pub options: RunnerOptions,
}

/// A `Write` into a shared [`jobs::Output`]: each `write` is one locked, flushed piece.
#[derive(Debug, Clone)]
pub struct SharedOutput(pub Arc<jobs::Output>);

impl Write for SharedOutput {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write(bytes)?;
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Start `jobs` writing to stdout (or nowhere when `netdata` is off) and into the cache as `host`; return the shared output.
///
/// `update_every` is the plugin's interval: no job collects more often.
pub fn start(
    jobs: Jobs,
    host: &str,
    netdata: bool,
    update_every: u32,
    internal_charts: bool,
) -> (Arc<jobs::Output>, Runner) {
    let host = field(host);
    let stream: Box<dyn Write + Send> = if netdata {
        Box::new(io::stdout())
    } else {
        Box::new(io::sink())
    };
    let output = jobs::Output::new(stream)
        .with_values(move |c| store(&host, c))
        .with_log(|line| info!("{line}"));
    let output = Arc::new(output);
    for note in &jobs.loaded.notes {
        info!("{note}");
    }
    let mut options = jobs.options;
    options.min_update_every = options.min_update_every.max(update_every);
    options.runtime_charts &= internal_charts;
    let runner = Runner::start(jobs.loaded.jobs, Arc::clone(&output), options);
    (output, runner)
}

/// Return whether the cache key `key` holds values a job stored (and charts itself).
pub fn from_job(key: &[u8]) -> bool {
    JOB_KEYS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .is_some_and(|keys| keys.contains(key))
}

/// Return the identifier a job's value is stored under; see the module documentation.
pub fn identifier(host: &str, c: &Collected<'_>, dim: usize) -> Option<(String, &'static str)> {
    let d = c.chart.dimensions.get(dim)?;
    let type_ = match d.algorithm {
        Algorithm::Incremental => "derive",
        _ => "gauge",
    };
    let plugin = if c.name == c.module {
        field(c.module)
    } else {
        format!("{}-{}", field(c.module), field(c.name))
    };
    let instance = field(&format!("{}_{}", c.chart.id, d.id));
    Some((format!("{host}/{plugin}/{type_}-{instance}"), type_))
}

/// Store one chart's collected values in the cache as `PUTVAL`s from `host`.
fn store(host: &str, c: &Collected<'_>) {
    let mut lines = String::new();
    let mut keys = Vec::new();
    for (i, (d, v)) in c.chart.dimensions.iter().zip(c.values).enumerate() {
        let (Some(v), Some((id, type_))) = (v, identifier(host, c, i)) else {
            continue;
        };
        let value = if type_ == "derive" {
            v.to_string()
        } else {
            let shown = *v as f64 * d.multiplier as f64 / d.divisor.max(1) as f64;
            if !shown.is_finite() {
                continue;
            }
            shown.to_string()
        };
        let _ = writeln!(lines, "PUTVAL {id} interval={} N:{value}", c.update_every);
        keys.push(id.into_bytes());
    }
    if lines.is_empty() {
        return;
    }
    {
        let mut known = JOB_KEYS.lock().unwrap_or_else(PoisonError::into_inner);
        let known = known.get_or_insert_with(HashSet::new);
        for k in keys {
            if !known.contains(&k) {
                known.insert(k);
            }
        }
    }
    collector::submit(c.job, lines.as_bytes());
}

/// Make `text` an identifier field: `[A-Za-z0-9_.-]`, at most [`FIELD_MAX`] bytes, never empty.
fn field(text: &str) -> String {
    let mut s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(FIELD_MAX)
        .collect();
    if s.is_empty() {
        s.push('_');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::chart::{Chart, Dimension};

    #[test]
    fn identifiers_name_module_job_chart_and_dimension() {
        static DIMS: [Dimension; 2] = [
            Dimension::new("current"),
            Dimension::new("hits").algorithm(Algorithm::Incremental),
        ];
        let chart = Chart::new("", "temp_current").dimensions(&DIMS);
        let mut c = Collected {
            job: "weather_station",
            module: "weather",
            name: "station",
            update_every: 1,
            chart: &chart,
            values: &[Some(1), Some(2)],
            now_us: 0,
        };
        assert_eq!(
            identifier("h", &c, 0).unwrap().0,
            "h/weather-station/gauge-temp_current_current"
        );
        assert_eq!(
            identifier("h", &c, 1).unwrap().0,
            "h/weather-station/derive-temp_current_hits"
        );
        c.name = "weather";
        assert_eq!(
            identifier("h", &c, 0).unwrap().0,
            "h/weather/gauge-temp_current_current"
        );
        assert_eq!(field("a b/c"), "a_b_c");
    }
}
