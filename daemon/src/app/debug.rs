//! `collied debug MODULE [--job NAME] [--once]`: run one module in the foreground and show what it collects.
//!
//! The counterpart of python.d's `debug trace nolock MODULE` and go.d's
//! `-m MODULE -d`: every job of the module is checked in file order, a
//! failed check says why, and each collection is printed per chart and
//! dimension as Netdata will show it (collected × multiplier ÷ divisor).

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use collie_core::chart::{Algorithm, Chart};

use crate::config::{ConfigDirs, did_you_mean};
use crate::jobs::{Job, JobSpec, Registry, check};

/// What `collied debug` was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebugArgs {
    /// The module to run.
    pub module: String,
    /// Only the job(s) of this name.
    pub job: Option<String>,
    /// Collect once (the check) and exit, instead of collecting until interrupted.
    pub once: bool,
    /// Where the configuration is read from.
    pub dirs: ConfigDirs,
    /// Stop after this many collections after the check (for tests); `None` runs until interrupted.
    pub max_runs: Option<u64>,
}

impl DebugArgs {
    /// Parse `MODULE [--job NAME] [--once]`.
    pub fn parse(args: &[String], dirs: ConfigDirs) -> Option<DebugArgs> {
        let mut module = None;
        let mut job = None;
        let mut once = false;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--once" => once = true,
                "--job" => job = Some(it.next()?.clone()),
                s if s.starts_with("--job=") => job = Some(s["--job=".len()..].to_owned()),
                s if !s.starts_with('-') && module.is_none() => module = Some(s.to_owned()),
                _ => return None,
            }
        }
        Some(DebugArgs {
            module: module?,
            job,
            once,
            dirs,
            max_runs: None,
        })
    }
}

/// Run `collied debug` with `registry`'s modules, printing to `out`; fail if no job passed its check.
pub fn run_with(registry: &Registry, args: &DebugArgs, out: &mut dyn Write) -> ExitCode {
    match debug(registry, args, out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            let _ = writeln!(out, "{e}");
            ExitCode::FAILURE
        }
    }
}

fn debug(registry: &Registry, args: &DebugArgs, out: &mut dyn Write) -> Result<bool, String> {
    let io = |e: std::io::Error| e.to_string();
    let names = registry.names();
    if !names.contains(&args.module.as_str()) {
        return Err(match did_you_mean(&args.module, names.iter().copied()) {
            Some(best) => format!("unknown module `{}`, did you mean `{best}`?", args.module),
            None => format!(
                "unknown module `{}`; known modules: {}",
                args.module,
                names.join(", ")
            ),
        });
    }
    let mut notes = Vec::new();
    let jobs = registry
        .load_module(&args.module, &args.dirs, &mut notes)
        .map_err(|e| e.to_string())?;
    for n in notes {
        writeln!(out, "note: {n}").map_err(io)?;
    }
    let all = jobs.len();
    let jobs: Vec<JobSpec> = jobs
        .into_iter()
        .filter(|j| args.job.as_ref().is_none_or(|n| &j.settings.name == n))
        .collect();
    if jobs.is_empty() {
        return Err(match &args.job {
            Some(n) => format!(
                "module `{}` has no job named `{n}` ({all} jobs)",
                args.module
            ),
            None => format!("module `{}` has no jobs", args.module),
        });
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop));
    let mut running: Vec<(JobSpec, Box<dyn Job>)> = Vec::new();
    for spec in jobs {
        let s = &spec.settings;
        // A name already served by an earlier alternative is skipped, as when running.
        if running.iter().any(|(r, _)| r.settings.name == s.name) {
            writeln!(
                out,
                "{}: skipped, `{}` is already served by an earlier job",
                spec.label(),
                s.name
            )
            .map_err(io)?;
            continue;
        }
        writeln!(
            out,
            "{}: {}, every {} s{}",
            spec.label(),
            spec.source,
            s.update_every,
            spec.file
                .as_ref()
                .map_or(" (defaults: no module file)".to_owned(), |f| format!(
                    " ({})",
                    f.display()
                ))
        )
        .map_err(io)?;
        let mut job = spec.instantiate();
        let started = Instant::now();
        match check(&mut *job) {
            Ok(()) => {
                writeln!(
                    out,
                    "{}: check passed in {:.1} ms",
                    spec.label(),
                    ms(started.elapsed())
                )
                .map_err(io)?;
                print_values(out, &s.full_name(), &*job).map_err(io)?;
                running.push((spec, job));
            }
            Err(e) => writeln!(out, "{}: check failed: {e}", spec.label()).map_err(io)?,
        }
    }
    if running.is_empty() {
        return Ok(false);
    }
    if args.once {
        return Ok(true);
    }
    let every = running
        .iter()
        .map(|(s, _)| s.settings.update_every)
        .min()
        .unwrap_or(1);
    let mut runs = 0u64;
    while args.max_runs.is_none_or(|m| runs < m) && !stop.load(Ordering::SeqCst) {
        let until = Instant::now() + Duration::from_secs(every.into());
        while Instant::now() < until && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(50));
        }
        runs += 1;
        for (spec, job) in &mut running {
            if !runs.is_multiple_of(u64::from(spec.settings.update_every / every)) {
                continue;
            }
            let started = Instant::now();
            match job.collect() {
                Ok(()) => {
                    writeln!(
                        out,
                        "{}: collected in {:.1} ms",
                        spec.label(),
                        ms(started.elapsed())
                    )
                    .map_err(io)?;
                    print_values(out, &spec.settings.full_name(), &**job).map_err(io)?;
                }
                Err(e) => writeln!(out, "{}: collection failed: {e}", spec.label()).map_err(io)?,
            }
        }
    }
    Ok(true)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Print every chart and dimension of a job's last collection.
fn print_values(out: &mut dyn Write, type_: &str, job: &dyn Job) -> std::io::Result<()> {
    let mut result = Ok(());
    job.charts(&mut |charts| {
        result = charts
            .iter()
            .enumerate()
            .try_for_each(|(c, chart)| print_chart(out, type_, chart, |d| job.value(c, d)));
    });
    result?;
    out.flush()
}

/// Show collected × multiplier ÷ divisor as a plain number: exact to the
/// divisor's decimals when it is a power of ten, else three decimals,
/// without trailing zeros and never `-0`.
fn shown(v: i64, multiplier: i64, divisor: i64) -> String {
    let x = v as f64 * multiplier as f64 / divisor as f64;
    let mut decimals = 0usize;
    let mut d = divisor.unsigned_abs();
    while d > 1 && d.is_multiple_of(10) {
        d /= 10;
        decimals += 1;
    }
    if d != 1 {
        decimals = 3;
    }
    let mut text = format!("{x:.decimals$}");
    if text.contains('.') {
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
    }
    if text == "-0" {
        text.remove(0);
    }
    text
}

fn print_chart(
    out: &mut dyn Write,
    type_: &str,
    chart: &Chart<'_>,
    value: impl Fn(usize) -> Option<i64>,
) -> std::io::Result<()> {
    writeln!(
        out,
        "  {type_}.{} \"{}\" ({})",
        chart.id, chart.title, chart.units
    )?;
    let width = chart
        .dimensions
        .iter()
        .map(|d| d.display_name().len())
        .max()
        .unwrap_or(0);
    for (d, dim) in chart.dimensions.iter().enumerate() {
        let name = dim.display_name();
        match value(d) {
            None => writeln!(out, "    {name:<width$}  -  (no value: a gap)")?,
            Some(v) => {
                let shown = shown(v, dim.multiplier, dim.divisor);
                let how = match dim.algorithm {
                    Algorithm::Absolute => String::new(),
                    Algorithm::Incremental => {
                        "  (a counter: Netdata charts its rate per second)".to_owned()
                    }
                    a => format!("  {}", a.as_str()),
                };
                let raw = if dim.multiplier == 1 && dim.divisor == 1 {
                    String::new()
                } else {
                    format!("  (collected {v} × {} ÷ {})", dim.multiplier, dim.divisor)
                };
                writeln!(out, "    {name:<width$}  {shown}{raw}{how}")?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn numbers_are_shown_plainly() {
        assert_eq!(shown(215, 1, 10), "21.5");
        assert_eq!(shown(2150, 1, 100), "21.5");
        assert_eq!(shown(7, 1, 1), "7");
        assert_eq!(shown(-400, 1, 1), "-400");
        // A zero counter shown below the axis is 0, not -0.
        assert_eq!(shown(0, -8, 1000), "0");
        assert_eq!(shown(1, -1, 1_000_000), "-0.000001");
        // Binary divisors: three decimals, rounded.
        assert_eq!(shown(862_456, 1, 1_048_576), "0.823");
        assert_eq!(shown(1_048_576, 1, 1_048_576), "1");
        assert_eq!(shown(1, 1, 1_048_576), "0");
        assert_eq!(shown(-1, 1, 1_048_576), "0");
        assert_eq!(shown(1234, -8, 1000), "-9.872");
    }
}
