//! Runs jobs, each on its own thread and period.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use collie_core::chart::{Chart, Dimension};

use super::module::Job;
use super::output::{JobWriter, Output};
use super::registry::JobSpec;
use super::schedule::{Penalty, next_aligned};
use crate::source::{Absent, BoxError};

/// How the runner runs jobs.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// Jobs collect at most this often, in seconds (Netdata's `update_every` argument).
    pub min_update_every: u32,
    /// How long one scheduling second lasts; shorter in tests.
    pub second: Duration,
    /// Send each job's collection-time chart (`netdata.runtime_<job>`).
    pub runtime_charts: bool,
    /// The plugin name sent in CHART lines.
    pub plugin: &'static str,
    /// Stop each job after this many collections.
    pub max_runs: Option<u64>,
    /// The instant aligned periods count from; `None` is when the runner starts.
    pub epoch: Option<Instant>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            min_update_every: 1,
            second: Duration::from_secs(1),
            runtime_charts: std::env::var("NETDATA_INTERNALS_MONITORING")
                .map_or(true, |v| !v.eq_ignore_ascii_case("no")),
            plugin: "collied",
            max_runs: None,
            epoch: None,
        }
    }
}

/// A stop signal that sleeping jobs wake up for.
#[derive(Debug, Default)]
pub struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    /// Ask every job to stop.
    pub fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    /// Return whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sleep until `at`; return `false` if stopped meanwhile.
    pub fn sleep_until(&self, at: Instant) -> bool {
        let mut stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if *stopped {
                return false;
            }
            let now = Instant::now();
            if now >= at {
                return true;
            }
            stopped = self
                .wake
                .wait_timeout(stopped, at - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

/// How the jobs ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Job groups in which a job passed its check and ran.
    pub ran: usize,
    /// Job groups none of whose jobs passed a check.
    pub dropped: usize,
}

/// Running jobs; stop them with [`Runner::stop`], wait with [`Runner::join`].
#[derive(Debug)]
pub struct Runner {
    stop: Arc<Stop>,
    threads: Vec<JoinHandle<bool>>,
    running: Arc<AtomicUsize>,
}

struct Ctx {
    /// The instant the jobs' aligned periods count from, so equal periods run together.
    epoch: Instant,
    output: Arc<Output>,
    options: RunnerOptions,
    stop: Arc<Stop>,
    running: Arc<AtomicUsize>,
}

impl Runner {
    /// Start `jobs`: one thread per job name, trying same-named jobs in order.
    pub fn start(jobs: Vec<JobSpec>, output: Arc<Output>, options: RunnerOptions) -> Runner {
        let stop = Arc::new(Stop::default());
        let running = Arc::new(AtomicUsize::new(0));
        let ctx = Arc::new(Ctx {
            epoch: options.epoch.unwrap_or_else(Instant::now),
            output,
            options,
            stop: Arc::clone(&stop),
            running: Arc::clone(&running),
        });
        let threads = groups(jobs)
            .into_iter()
            .map(|group| {
                let ctx = Arc::clone(&ctx);
                let name = format!("job {}", group[0].label());
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || run_group(&group, &ctx))
                    .expect("a thread can be started")
            })
            .collect();
        Runner {
            stop,
            threads,
            running,
        }
    }

    /// Return how many jobs are collecting now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Return the count of jobs collecting, shared, for a reader that outlives this borrow.
    pub fn collecting(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.running)
    }

    /// Return whether every job thread has ended.
    pub fn finished(&self) -> bool {
        self.threads.iter().all(JoinHandle::is_finished)
    }

    /// Ask every job to stop; each marks its charts obsolete.
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// Wait for every job to end (stopped, dropped or done with its runs).
    pub fn join(self) -> Summary {
        let mut summary = Summary::default();
        for t in self.threads {
            match t.join() {
                Ok(true) => summary.ran += 1,
                _ => summary.dropped += 1,
            }
        }
        summary
    }
}

/// Group jobs by module and name, keeping file order: alternatives of one job.
fn groups(jobs: Vec<JobSpec>) -> Vec<Vec<JobSpec>> {
    let mut groups: Vec<Vec<JobSpec>> = Vec::new();
    for job in jobs {
        let s = &job.settings;
        match groups
            .iter_mut()
            .find(|g| g[0].settings.module == s.module && g[0].settings.name == s.name)
        {
            Some(g) => g.push(job),
            None => groups.push(vec![job]),
        }
    }
    groups
}

/// Open a job and collect once; it passes if some chart has a value.
pub fn check(job: &mut dyn Job) -> Result<(), BoxError> {
    job.open()?;
    job.collect()?;
    let mut any = false;
    job.charts(&mut |charts| {
        any = charts
            .iter()
            .enumerate()
            .any(|(c, chart)| (0..chart.dimensions.len()).any(|d| job.value(c, d).is_some()));
    });
    if any {
        Ok(())
    } else {
        Err("the first collection gave no values".into())
    }
}

/// Try the alternatives in order until one passes its check, retrying if configured; run it.
fn run_group(group: &[JobSpec], ctx: &Ctx) -> bool {
    let retry = group
        .iter()
        .map(|j| j.settings.autodetection_retry)
        .filter(|&r| r > 0)
        .min();
    let single = group.len() == 1;
    loop {
        let mut all_absent = true;
        for spec in group {
            let mut job = spec.instantiate();
            match check(&mut *job) {
                Ok(()) => {
                    ctx.output.log(&format!(
                        "{}: check success ({})",
                        spec.label(),
                        spec.source
                    ));
                    run_job(spec, job, ctx);
                    return true;
                }
                // A service that is not there is news, not a failure; one alternative says it in one line.
                Err(e) if e.downcast_ref::<Absent>().is_some() => {
                    if !single {
                        ctx.output.log(&format!("{}: {e}", spec.label()));
                    } else if retry.is_none() {
                        ctx.output
                            .log(&format!("{}: {e}, will not run", spec.label()));
                        return false;
                    } else {
                        ctx.output.log(&format!("{}: {e}", spec.label()));
                    }
                }
                Err(e) => {
                    all_absent = false;
                    ctx.output
                        .log(&format!("{}: check failed: {e}", spec.label()));
                }
            }
            if ctx.stop.is_stopped() {
                return false;
            }
        }
        let label = group[0].label();
        let Some(retry) = retry else {
            ctx.output.log(&if all_absent {
                format!("{label}: will not run")
            } else {
                format!("{label}: dropped (no autodetection_retry)")
            });
            return false;
        };
        ctx.output
            .log(&format!("{label}: checking again in {retry} s"));
        if !ctx
            .stop
            .sleep_until(Instant::now() + ctx.options.second * retry)
        {
            return false;
        }
    }
}

fn runtime_chart(id: &str, update_every: u32) -> Chart<'_> {
    const DIMS: &[Dimension<'static>] = &[Dimension::new("run_time").name("run time")];
    Chart::new("netdata", id)
        .title("Execution time")
        .units("ms")
        .family("collied")
        .context("netdata.collied_runtime")
        .priority(145000)
        .update_every(update_every)
        .dimensions(DIMS)
}

/// Collect on the job's aligned period until stopped, then obsolete its charts.
fn run_job(spec: &JobSpec, mut job: Box<dyn Job>, ctx: &Ctx) {
    let s = &spec.settings;
    let o = &ctx.options;
    let every = s.update_every.max(o.min_update_every);
    let full = s.full_name();
    let mut writer = JobWriter::new(
        full.clone(),
        o.plugin,
        s.module,
        &s.name,
        every,
        s.priority,
        s.chart_cleanup,
    );
    let runtime_id = format!("runtime_{full}");
    let runtime = [runtime_chart(&runtime_id, every)];
    let mut runtime_writer = JobWriter::new(
        "netdata".to_owned(),
        o.plugin,
        s.module,
        &s.name,
        every,
        0,
        0,
    );
    let mut penalty = Penalty::default();
    let mut runs = 0u64;
    let mut buf = Vec::with_capacity(4096);
    ctx.running.fetch_add(1, Ordering::SeqCst);
    loop {
        let period = o.second * (every + penalty.seconds());
        let next = next_aligned(ctx.epoch.elapsed(), period);
        if !ctx.stop.sleep_until(ctx.epoch + next) {
            break;
        }
        let started = Instant::now();
        let result = job.collect();
        let elapsed = started.elapsed();
        let now_us = u64::try_from(ctx.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        buf.clear();
        let mut wrote = false;
        let outcome = result.and_then(|()| {
            let mut written = Ok(0);
            job.charts(&mut |charts| {
                let value = |c, d| job.value(c, d);
                written = writer.update(charts, &value, now_us, &mut buf);
            });
            wrote = true;
            let n = written.map_err(|e| format!("cannot write a chart: {e}"))?;
            if n == 0 {
                return Err("no chart had a value".into());
            }
            Ok(())
        });
        match outcome {
            Ok(()) => {
                penalty.succeeded();
                if o.runtime_charts {
                    let ms = i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX);
                    let _ = runtime_writer.update(&runtime, &|_, _| Some(ms), now_us, &mut buf);
                }
            }
            Err(e) => {
                penalty.failed(every, s.penalty);
                ctx.output.log(&format!(
                    "{}: collection failed ({} in a row{}): {e}",
                    spec.label(),
                    penalty.retries(),
                    match penalty.seconds() {
                        0 => String::new(),
                        p => format!(", next in {} s", every + p),
                    }
                ));
            }
        }
        let sent = ctx.output.write(&buf);
        // The values go on after the block: a woken reader of them cannot delay it.
        if wrote {
            job.charts(&mut |charts| writer.hand_on(charts, &ctx.output));
        }
        if let Err(e) = sent {
            ctx.output
                .log(&format!("cannot write the plugins.d stream, stopping: {e}"));
            ctx.stop.stop();
            break;
        }
        runs += 1;
        if o.max_runs.is_some_and(|m| runs >= m) {
            break;
        }
    }
    buf.clear();
    job.charts(&mut |charts| {
        let _ = writer.obsolete_all(charts, &mut buf);
    });
    let _ = runtime_writer.obsolete_all(&runtime, &mut buf);
    let _ = ctx.output.write(&buf);
    ctx.running.fetch_sub(1, Ordering::SeqCst);
    ctx.output.log(&format!("{}: stopped", spec.label()));
}
