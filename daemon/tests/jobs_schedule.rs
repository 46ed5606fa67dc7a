//! The runner: alignment, penalty, retry, same-name alternatives, isolation, obsolete charts.
//!
//! A scheduling second lasts 40 ms here, so every test ends within about a second.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collied::jobs::{JobInfo, Module, Output, Registry, Runner, RunnerOptions};
use collied::source::{BoxError, Simple};
use serde::{Deserialize, Serialize};

const SECOND: Duration = Duration::from_millis(40);

/// Collection times (on the schedule's clock) by probe key.
static CALLS: Mutex<BTreeMap<String, Vec<Duration>>> = Mutex::new(BTreeMap::new());

/// The runners' epoch, so collection times can be checked for alignment.
static EPOCH: std::sync::LazyLock<std::time::Instant> =
    std::sync::LazyLock::new(std::time::Instant::now);

fn calls(key: &str) -> Vec<Duration> {
    CALLS.lock().unwrap().get(key).cloned().unwrap_or_default()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ProbeConfig {
    /// Distinguishes the probe's calls from other tests'.
    key: String,
    /// Fail the first N calls.
    fail_first: u32,
    /// Fail every call after the first N.
    fail_after: Option<u32>,
    /// Give no value after the first N calls.
    gap_after: Option<u32>,
    /// Sleep this long in each call after the first, in ms.
    sleep_ms: u64,
}

#[derive(collie_macros::Collector, Debug, Default)]
#[collector(crate = collie_core)]
#[chart(id = "probe", title = "Probe", units = "calls")]
struct Probe {
    #[dim]
    calls: Option<u64>,
    config: ProbeConfig,
}

impl Module for Probe {
    const NAME: &'static str = "probe";
    type Source = Simple;
    type Config = ProbeConfig;

    fn new(config: &ProbeConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(Probe {
            calls: None,
            config: config.clone(),
        })
    }

    fn collect(&mut self, (): ()) -> Result<(), BoxError> {
        let c = &self.config;
        let n = {
            let mut all = CALLS.lock().unwrap();
            let v = all.entry(c.key.clone()).or_default();
            v.push(EPOCH.elapsed());
            v.len() as u32
        };
        if n > 1 && c.sleep_ms > 0 {
            std::thread::sleep(Duration::from_millis(c.sleep_ms));
        }
        if n <= c.fail_first || c.fail_after.is_some_and(|k| n > k) {
            return Err(format!("planned failure {n}").into());
        }
        self.calls = if c.gap_after.is_some_and(|k| n > k) {
            None
        } else {
            Some(u64::from(n))
        };
        Ok(())
    }
}

/// Values handed to the callback: job, chart and values.
type Seen = Vec<(String, String, Vec<Option<i64>>)>;

struct Run {
    text: Arc<Mutex<Vec<u8>>>,
    log: Arc<Mutex<Vec<String>>>,
    values: Arc<Mutex<Seen>>,
    runner: Runner,
}

impl Run {
    fn start(yaml: &str, max_runs: Option<u64>) -> Run {
        let registry = Registry::new().with::<Probe>();
        let jobs = registry
            .parse_module("probe", Path::new("probe.yaml"), yaml)
            .unwrap();
        let (output, text) = Output::buffer();
        let log = Arc::new(Mutex::new(Vec::new()));
        let values = Arc::new(Mutex::new(Vec::new()));
        let (l, v) = (Arc::clone(&log), Arc::clone(&values));
        let output = output
            .with_log(move |line| l.lock().unwrap().push(line.to_owned()))
            .with_values(move |c| {
                v.lock().unwrap().push((
                    c.job.to_owned(),
                    format!("{}.{}", c.chart.type_, c.chart.id),
                    c.values.to_vec(),
                ))
            });
        let options = RunnerOptions {
            second: SECOND,
            epoch: Some(*EPOCH),
            max_runs,
            runtime_charts: true,
            ..RunnerOptions::default()
        };
        Run {
            runner: Runner::start(jobs, Arc::new(output), options),
            text,
            log,
            values,
        }
    }

    fn finish(self) -> (String, Vec<String>, collied::jobs::Summary) {
        let summary = self.runner.join();
        let text = String::from_utf8(self.text.lock().unwrap().clone()).unwrap();
        let log = self.log.lock().unwrap().clone();
        (text, log, summary)
    }

    fn stop_after(self, d: Duration) -> (String, Vec<String>, collied::jobs::Summary) {
        std::thread::sleep(d);
        self.runner.stop();
        self.finish()
    }
}

#[test]
fn collections_fall_on_multiples_of_the_period() {
    let run = Run::start(
        "jobs:\n  - name: aligned\n    key: aligned\n    update_every: 2\n",
        Some(4),
    );
    let (_, _, summary) = run.finish();
    assert_eq!(summary.ran, 1);
    let times = calls("aligned");
    assert_eq!(times.len(), 5, "the check, then 4 runs");
    let period = (SECOND * 2).as_micros();
    for t in &times[1..] {
        let off = t.as_micros() % period;
        assert!(
            off < 30_000,
            "{t:?} is {off} µs past a multiple of {period} µs"
        );
    }
    for w in times[1..].windows(2) {
        let gap = (w[1] - w[0]).as_micros();
        assert!(
            (period - 30_000..period + 30_000).contains(&gap),
            "gap {gap} µs"
        );
    }
}

#[test]
fn writes_lazy_charts_a_runtime_chart_and_obsoletes_them_on_stop() {
    let run = Run::start("jobs:\n  - name: lines\n    key: lines\n", Some(2));
    let values = Arc::clone(&run.values);
    let (text, _, _) = run.finish();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        &lines[..8],
        [
            "CHART probe_lines.probe '' 'Probe' 'calls' '' '' line 60000 1 '' 'collied' 'probe'",
            "CLABEL _collect_job 'lines' 1",
            "CLABEL_COMMIT",
            "DIMENSION calls 'calls' absolute 1 1 ''",
            "BEGIN probe_lines.probe",
            "SET calls = 2",
            "END",
            "CHART netdata.runtime_probe_lines '' 'Execution time' 'ms' 'collied' 'netdata.collied_runtime' line 145000 1 '' 'collied' 'probe'",
        ]
    );
    assert!(lines[12].starts_with("SET run_time = "), "{}", lines[12]);
    assert!(lines.contains(&"SET calls = 3"));
    assert!(
        text.contains("\nBEGIN probe_lines.probe "),
        "later BEGINs carry µs"
    );
    assert!(text.ends_with(
        "CHART probe_lines.probe '' 'Probe' 'calls' '' '' line 60000 1 'obsolete' 'collied' 'probe'\n\
         CLABEL _collect_job 'lines' 1\nCLABEL_COMMIT\nDIMENSION calls 'calls' absolute 1 1 ''\n\
         CHART netdata.runtime_probe_lines '' 'Execution time' 'ms' 'collied' 'netdata.collied_runtime' line 145000 1 'obsolete' 'collied' 'probe'\n\
         CLABEL _collect_job 'lines' 1\nCLABEL_COMMIT\nDIMENSION run_time 'run time' absolute 1 1 ''\n"
    ), "{text}");
    let values = values.lock().unwrap().clone();
    assert_eq!(
        values,
        [
            (
                "probe_lines".to_owned(),
                "probe_lines.probe".to_owned(),
                vec![Some(2)]
            ),
            (
                "probe_lines".to_owned(),
                "probe_lines.probe".to_owned(),
                vec![Some(3)]
            ),
        ]
    );
}

#[test]
fn a_slow_job_does_not_delay_another() {
    let run = Run::start(
        "jobs:\n  - name: slow\n    key: slow\n    sleep_ms: 400\n  - name: quick\n    key: quick\n",
        None,
    );
    let (text, _, _) = run.stop_after(Duration::from_millis(450));
    let (slow, quick) = (calls("slow").len(), calls("quick").len());
    assert!(slow <= 3, "slow ran {slow} times");
    assert!(
        quick >= 7,
        "quick ran only {quick} times in 450 ms at 40 ms"
    );
    // Blocks never interleave: between BEGIN and END only SETs.
    let mut open = false;
    for line in text.lines() {
        if line.starts_with("BEGIN ") {
            assert!(!open, "nested BEGIN");
            open = true;
        } else if line == "END" {
            open = false;
        } else if open {
            assert!(line.starts_with("SET "), "{line} inside a block");
        }
    }
}

#[test]
fn failures_back_off_by_the_penalty_rule() {
    let (_, log, _) = Run::start(
        "jobs:\n  - name: penalised\n    key: penalised\n    fail_after: 1\n",
        Some(8),
    )
    .finish();
    let t = calls("penalised");
    let gaps: Vec<u128> = t[1..]
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    // Runs 1–5 fail every second; the 5th sets min(5 × 1 / 2, 600) = 2 s of
    // penalty, so the 6th comes at the next multiple of 3 s and later runs
    // are 3 s apart.
    assert!(gaps[..4].iter().all(|&g| g < 70), "{gaps:?}");
    assert!(gaps[4] <= 140, "{gaps:?}");
    assert!(gaps[5..].iter().all(|&g| g >= 100), "{gaps:?}");
    assert!(
        log.contains(
            &"probe[penalised]: collection failed (4 in a row): planned failure 5".to_owned()
        ),
        "{log:?}"
    );
    assert!(
        log.contains(
            &"probe[penalised]: collection failed (5 in a row, next in 3 s): planned failure 6"
                .to_owned()
        ),
        "{log:?}"
    );

    Run::start(
        "penalty: false\njobs:\n  - name: steady\n    key: steady\n    fail_after: 1\n",
        Some(8),
    )
    .finish();
    let t = calls("steady");
    let gaps: Vec<u128> = t[1..]
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    assert!(gaps.iter().all(|&g| g < 70), "{gaps:?}");
}

#[test]
fn a_failed_check_is_retried_or_the_job_dropped() {
    let (text, log, summary) = Run::start(
        "jobs:\n  - name: retried\n    key: retried\n    fail_first: 2\n    autodetection_retry: 2\n",
        Some(1),
    )
    .finish();
    assert_eq!(summary.ran, 1);
    let t = calls("retried");
    assert_eq!(t.len(), 4, "two failed checks, a passing one, one run");
    assert!((t[1] - t[0]).as_millis() >= 75, "retried after 2 s: {t:?}");
    assert_eq!(
        log[..5],
        [
            "probe[retried]: check failed: planned failure 1",
            "probe[retried]: checking again in 2 s",
            "probe[retried]: check failed: planned failure 2",
            "probe[retried]: checking again in 2 s",
            "probe[retried]: check success (computed by the module)",
        ]
    );
    assert!(text.contains("SET calls = 4"));

    let (text, log, summary) = Run::start(
        "jobs:\n  - name: dropped\n    key: dropped\n    fail_first: 1\n",
        None,
    )
    .finish();
    assert_eq!((summary.ran, summary.dropped), (0, 1));
    assert_eq!(calls("dropped").len(), 1);
    assert_eq!(
        log,
        [
            "probe[dropped]: check failed: planned failure 1",
            "probe[dropped]: dropped (no autodetection_retry)",
        ]
    );
    assert_eq!(text, "");
}

#[test]
fn jobs_sharing_a_name_are_alternatives_tried_in_order() {
    let yaml = "\
jobs:
  - name: alt
    key: alt-first
    fail_first: 9
  - name: alt
    key: alt-second
  - name: alt
    key: alt-third
";
    let (text, log, summary) = Run::start(yaml, Some(1)).finish();
    assert_eq!(summary.ran, 1);
    assert_eq!(calls("alt-first").len(), 1, "checked once");
    assert_eq!(calls("alt-second").len(), 2, "check and one run");
    assert_eq!(calls("alt-third").len(), 0, "never needed");
    assert_eq!(log[0], "probe[alt]: check failed: planned failure 1");
    assert!(text.contains("BEGIN probe_alt.probe"));
}

#[test]
fn a_chart_without_data_is_obsoleted_after_chart_cleanup_runs() {
    let (text, _, _) = Run::start(
        "jobs:\n  - name: cleanup\n    key: cleanup\n    gap_after: 2\n    chart_cleanup: 2\n",
        Some(4),
    )
    .finish();
    let obsolete = "CHART probe_cleanup.probe '' 'Probe' 'calls' '' '' line 60000 1 'obsolete' 'collied' 'probe'";
    assert_eq!(text.matches(obsolete).count(), 1, "{text}");
    let at = text.find(obsolete).unwrap();
    assert!(!text[at..].contains("BEGIN probe_cleanup.probe"), "{text}");
}
