//! A job's values reach the store typed, and Netdata exactly: no text, no f64 on the way.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use collie_core::cache::Origin;
use collie_core::value::Value;
use collied::jobs::{JobInfo, Module, Output, Registry, Runner, RunnerOptions, Values};
use collied::source::{BoxError, NoConfig, Simple};
use collied::store::{self, JOB, Store, Types};

/// 2^53 + 1: the first integer an f64 cannot hold.
const BIG: i64 = (1 << 53) + 1;

#[derive(collie_macros::Collector, Default)]
#[collector(crate = collie_core)]
#[chart(id = "big", title = "Big numbers", units = "things")]
struct Big {
    #[dim(algorithm = "incremental")]
    count: i64,
    #[dim(precision = 1)]
    level: f64,
}

impl Module for Big {
    const NAME: &'static str = "big";
    type Source = Simple;
    type Config = NoConfig;
    fn new(_: &NoConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(Big {
            count: BIG - 2000,
            level: 21.5,
        })
    }
    fn collect(&mut self, (): ()) -> Result<(), BoxError> {
        self.count += 1000;
        Ok(())
    }
}

#[test]
fn a_jobs_integer_reaches_the_store_getval_and_netdata_exactly() {
    let registry = Registry::new().with::<Big>();
    let jobs = registry
        .parse_module("big", std::path::Path::new("big.yaml"), "name: big\n")
        .unwrap();
    let (output, text) = Output::buffer();
    let collected = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&collected);
    let output = output
        .with_log(|_| {})
        .with_values(move |c| sink.lock().unwrap().push(Values::of("here", c)));
    let options = RunnerOptions {
        second: Duration::from_millis(50),
        max_runs: Some(1),
        runtime_charts: false,
        ..RunnerOptions::default()
    };
    let summary = Runner::start(jobs, Arc::new(output), options).join();
    assert_eq!(summary.ran, 1);

    // Netdata sees the job's own chart with the integer as collected.
    let text = String::from_utf8(text.lock().unwrap().clone()).unwrap();
    assert!(text.contains(&format!("SET count = {BIG}\n")), "{text}");
    assert!(text.contains("SET level = 215\n"), "{text}");

    // The store gets it typed, exactly, marked as a job's.
    let types = Types::builtin();
    let store = Store::new(&types, "here", collie_core::Time::from_secs(1), 2);
    let reader = store.reader();
    for values in collected.lock().unwrap().iter() {
        values.put_into(&store);
    }
    let mut seen = Vec::new();
    store.read_changes(&reader, |key, entry| {
        seen.push((
            String::from_utf8_lossy(key).into_owned(),
            entry.origin(),
            entry.value(0),
        ));
    });
    // The store's shards are read one after another, in no set order.
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        seen,
        [
            (
                "here/big/derive-big_count".to_owned(),
                JOB,
                Some(Value::Derive(BIG))
            ),
            (
                "here/big/gauge-big_level".to_owned(),
                JOB,
                Some(Value::Gauge(21.5))
            ),
        ]
    );
    assert_ne!(JOB, Origin::PROTOCOL);

    // GETVAL answers from the same cache: a DERIVE's first rate is unknown, the gauge is as shown.
    let mut reply = Vec::new();
    for line in [
        "GETVAL here/big/derive-big_count",
        "GETVAL here/big/gauge-big_level",
    ] {
        store.answer_whole(line.as_bytes(), store::now(), &mut reply);
    }
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        "1 Value found\nvalue=NaN\n1 Value found\nvalue=2.150000e+01\n"
    );
}
