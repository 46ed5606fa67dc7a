//! The example configuration under examples/ loads, and a `Daemon` runs a module of its own.

mod jobs_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use collied::Daemon;
use collied::config::ConfigDirs;
use collied::jobs::{JobInfo, Module, Output, RunnerOptions};
use collied::modules::builtin;
use collied::source::{BoxError, NoConfig, Simple};
use jobs_support::Scratch;

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

#[test]
fn the_example_files_load() {
    let loaded = builtin().load(&ConfigDirs::only(examples())).unwrap();
    assert!(!loaded.main.enabled("weather"));
    let jobs: Vec<String> = loaded.jobs.iter().map(|j| j.label()).collect();
    assert_eq!(
        jobs,
        [
            "httpjson[app]",
            "httpjson[app]",
            "redis[local]",
            "redis[local]",
            "nginxlog[local]",
            "command[queue]",
        ]
    );
    let weather = std::fs::read_to_string(examples().join("collie.d/weather.yaml")).unwrap();
    builtin()
        .parse_module("weather", Path::new("weather.yaml"), &weather)
        .unwrap();
}

/// A user's collector, registered with the `Daemon` builder.
#[derive(collie_macros::Collector, Default)]
#[collector(crate = collie_core)]
#[chart(id = "ticks", title = "Ticks", units = "ticks")]
struct Ticker {
    #[dim]
    ticks: u64,
}

impl Module for Ticker {
    const NAME: &'static str = "ticker";
    type Source = Simple;
    type Config = NoConfig;
    fn new(_: &NoConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(Ticker::default())
    }
    fn collect(&mut self, (): ()) -> Result<(), BoxError> {
        self.ticks += 1;
        Ok(())
    }
}

#[test]
fn a_daemon_runs_a_registered_module() {
    let dir = Scratch::new("daemon");
    dir.write(
        "collie.yaml",
        "default_run: false\nmodules:\n  ticker: true\n",
    );
    dir.write(
        "collie.d/ticker.yaml",
        "jobs:\n  - name: one\n  - name: two\n",
    );
    let daemon = Daemon::new()
        .module::<Ticker>()
        .builtin_modules()
        .config_dir(&dir.0)
        .options(RunnerOptions {
            second: Duration::from_millis(20),
            max_runs: Some(2),
            ..RunnerOptions::default()
        });
    assert!(daemon.registry().names().contains(&"ticker"));
    let (output, text) = Output::buffer();
    let runner = daemon.start(Arc::new(output.with_log(|_| {}))).unwrap();
    assert_eq!(runner.join().ran, 2);
    let text = String::from_utf8(text.lock().unwrap().clone()).unwrap();
    for job in ["one", "two"] {
        assert!(
            text.contains(&format!("BEGIN ticker_{job}.ticks")),
            "{text}"
        );
        assert!(text.contains(&format!(
            "CHART ticker_{job}.ticks '' 'Ticks' 'ticks' '' '' line 60000 1 'obsolete'"
        )));
    }

    dir.write(
        "collie.d/ticker.yaml",
        "jobs:\n  - name: one\n    ticks: 1\n",
    );
    let errors = Daemon::new()
        .module::<Ticker>()
        .config_dir(&dir.0)
        .start(Arc::new(Output::buffer().0))
        .unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        format!(
            "{}/collie.d/ticker.yaml:3:5: jobs[0]: unknown key `ticks`; known keys: autodetection_retry, chart_cleanup, name, penalty, priority, update_every",
            dir.0.display()
        )
    );
}
