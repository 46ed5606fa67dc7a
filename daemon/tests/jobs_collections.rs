//! A job hands its values on once the block is written: per chart, and per collection in one call.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collied::jobs::{JobInfo, Module, Output, Registry, Runner, RunnerOptions, Values};
use collied::modules::weather::Station;
use collied::source::{BoxError, NoConfig, Simple};

/// One value callback's view of a chart: its type and id, and its values.
type Seen = (String, Vec<Option<i64>>);

/// Run `yaml`'s jobs of module `M` for `runs` collections; return the per-chart and per-collection calls.
fn run<M: Module>(yaml: &str, runs: u64) -> (Vec<Seen>, Vec<Vec<Seen>>) {
    let jobs = Registry::new()
        .with::<M>()
        .parse_module(M::NAME, Path::new("jobs.yaml"), yaml)
        .unwrap();
    let charts = Arc::new(Mutex::new(Vec::new()));
    let collections = Arc::new(Mutex::new(Vec::new()));
    let (c, all) = (Arc::clone(&charts), Arc::clone(&collections));
    let seen = |c: &collied::jobs::Collected<'_>| {
        (
            format!("{}.{}", c.chart.type_, c.chart.id),
            c.values.to_vec(),
        )
    };
    let (output, _) = Output::buffer();
    let output = output
        .with_log(|_| {})
        .with_values(move |x| c.lock().unwrap().push(seen(x)))
        .with_collections(move |xs| all.lock().unwrap().push(xs.iter().map(seen).collect()));
    let options = RunnerOptions {
        second: Duration::from_millis(20),
        max_runs: Some(runs),
        runtime_charts: true,
        ..RunnerOptions::default()
    };
    Runner::start(jobs, Arc::new(output), options).join();
    let charts = charts.lock().unwrap().clone();
    let collections = collections.lock().unwrap().clone();
    (charts, collections)
}

#[test]
fn each_collection_is_handed_on_in_one_call_and_chart_by_chart() {
    let (charts, collections) = run::<Station>("jobs:\n  - name: station\n    fixed: true\n", 3);
    let one = vec![
        ("weather_station.temp_current".to_owned(), vec![Some(215)]),
        (
            "weather_station.temp_stats".to_owned(),
            vec![Some(2150), Some(2150), Some(2150)],
        ),
        ("weather_station.humid_current".to_owned(), vec![Some(643)]),
    ];
    assert_eq!(collections, vec![one.clone(); 3]);
    assert_eq!(
        charts,
        [one.clone(), one.clone(), one.clone()].concat(),
        "the runtime chart is not handed on"
    );
}

/// Two charts: `a` always has a value, `b` only on odd calls; the second call fails.
#[derive(collie_macros::Collector, Default)]
#[collector(crate = collie_core)]
#[chart(id = "a", title = "A", units = "calls")]
#[chart(id = "b", title = "B", units = "runs")]
struct Flaky {
    #[dim(chart = "a")]
    a: Option<u64>,
    #[dim(chart = "b")]
    b: Option<u64>,
    calls: u64,
}

impl Module for Flaky {
    const NAME: &'static str = "flaky";
    type Source = Simple;
    type Config = NoConfig;
    fn new(_: &NoConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(Flaky::default())
    }
    fn collect(&mut self, (): ()) -> Result<(), BoxError> {
        self.calls += 1;
        let n = self.calls;
        if n == 2 {
            return Err("planned failure".into());
        }
        self.a = Some(n);
        self.b = (n % 2 == 1).then_some(n);
        Ok(())
    }
}

#[test]
fn only_the_charts_written_are_handed_on_and_a_failed_collection_hands_on_nothing() {
    // Call 1 is the check; the runs are calls 2 (fails), 3 and 4.
    let (charts, collections) = run::<Flaky>("jobs:\n  - name: f\n", 3);
    let a = |n| ("flaky_f.a".to_owned(), vec![Some(n)]);
    let b = |n| ("flaky_f.b".to_owned(), vec![Some(n)]);
    assert_eq!(collections, [vec![a(3), b(3)], vec![a(4)]]);
    assert_eq!(charts, [a(3), b(3), a(4)]);
}

#[test]
fn a_collection_names_the_same_identifiers_as_its_charts() {
    let jobs = Registry::new()
        .with::<Station>()
        .parse_module(
            "weather",
            Path::new("w.yaml"),
            "jobs:\n  - name: s\n    fixed: true\n",
        )
        .unwrap();
    let batches = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&batches);
    let (output, _) = Output::buffer();
    let output = output.with_log(|_| {}).with_collections(move |xs| {
        let batch: Vec<Values> = xs.iter().map(|c| Values::of("h", c)).collect();
        sink.lock().unwrap().push(batch);
    });
    let options = RunnerOptions {
        second: Duration::from_millis(20),
        max_runs: Some(1),
        ..RunnerOptions::default()
    };
    Runner::start(jobs, Arc::new(output), options).join();
    let batches = batches.lock().unwrap();
    let keys: Vec<&str> = batches[0]
        .iter()
        .flat_map(|v| v.items().map(|(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        [
            "h/weather-s/gauge-temp_current_current",
            "h/weather-s/gauge-temp_stats_min",
            "h/weather-s/gauge-temp_stats_max",
            "h/weather-s/gauge-temp_stats_avg",
            "h/weather-s/gauge-humid_current_humidity",
        ]
    );
}
