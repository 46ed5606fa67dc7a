//! Your own collector, in your own crate, run by collied.
//!
//! A collector is a struct with `#[derive(Collector)]` for its charts and an
//! `impl Module` that names it, binds it to a source and parses the
//! source's data into its fields. `collied::Daemon` is the whole `collied`
//! program (socket server, Exec, built-in modules, Netdata output) with
//! this module added: it runs as jobs configured in
//! `collie.d/loadavg.yaml`, with every python.d convenience: module
//! defaults, several jobs, `update_every`, retries, penalties, runtime
//! charts, obsolete charts on stop, and strict configuration errors.
//!
//! Try it:
//!
//! ```text
//! cargo run --example custom_collector -- check --config examples/collie.yaml
//! cargo run --example custom_collector -- debug loadavg --once --config examples/collie.yaml
//! cargo run --example custom_collector -- --config examples/collie.yaml   # plugins.d on stdout
//! ```
//!
//! With `COLLIE_CONFIG_DIR=dir` and no `--config`, `dir/collie.yaml` and
//! `dir/collie.d/loadavg.yaml` are read (see `examples/collie.d/loadavg.yaml`);
//! under Netdata, `NETDATA_USER_CONFIG_DIR`, then `NETDATA_STOCK_CONFIG_DIR`;
//! with no module file the module runs one job with its defaults. Installed
//! in place of collied as `/usr/libexec/netdata/plugins.d/collie.plugin`,
//! Netdata starts it and its charts appear under "loadavg".

use std::path::PathBuf;
use std::process::ExitCode;

use collie::Collector;
use collied::Daemon;
use collied::jobs::{JobInfo, Module};
use collied::source::{BoxError, Simple};
use serde::{Deserialize, Serialize};

/// The module's job keys, with their defaults; a misspelt key is an error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct LoadConfig {
    /// Where the load is read from.
    path: PathBuf,
    /// Also chart the number of processes.
    processes: bool,
}

impl Default for LoadConfig {
    fn default() -> Self {
        LoadConfig {
            path: "/proc/loadavg".into(),
            processes: true,
        }
    }
}

/// The system load, read from `/proc/loadavg`.
// Clippy mistakes charts sharing `units` for duplicated attributes (rust-clippy#12923).
#[allow(clippy::duplicated_attributes)]
#[derive(Collector, Debug, Default)]
#[collector(type = "loadavg", priority = 70000)]
#[chart(
    id = "load",
    title = "System load",
    units = "load",
    context = "loadavg.load"
)]
#[chart(
    id = "processes",
    title = "Processes",
    units = "processes",
    context = "loadavg.processes"
)]
struct LoadAvg {
    #[dim(chart = "load", id = "load1", name = "1 min", precision = 2)]
    load1: Option<f64>,
    #[dim(chart = "load", id = "load5", name = "5 min", precision = 2)]
    load5: Option<f64>,
    #[dim(chart = "load", id = "load15", name = "15 min", precision = 2)]
    load15: Option<f64>,
    #[dim(chart = "processes", id = "running")]
    running: Option<u32>,
    #[dim(chart = "processes", id = "total")]
    total: Option<u32>,
    // Not dimensions.
    config: Option<LoadConfig>,
}

impl Module for LoadAvg {
    const NAME: &'static str = "loadavg";
    const UPDATE_EVERY: u32 = 5;
    // The collector reads its file itself; `Url`, `Socket`, `Log` and
    // `Command` sources hand a module its raw data instead.
    type Source = Simple;
    type Config = LoadConfig;

    fn new(config: &LoadConfig, _job: &JobInfo) -> Result<Self, BoxError> {
        Ok(LoadAvg {
            config: Some(config.clone()),
            ..LoadAvg::default()
        })
    }

    fn collect(&mut self, (): ()) -> Result<(), BoxError> {
        let config = self.config.as_ref().ok_or("not configured")?;
        let text = std::fs::read_to_string(&config.path)
            .map_err(|e| format!("{}: {e}", config.path.display()))?;
        let mut words = text.split_whitespace();
        let mut next = || words.next().ok_or("too few fields");
        self.load1 = next()?.parse().ok();
        self.load5 = next()?.parse().ok();
        self.load15 = next()?.parse().ok();
        let (running, total) = next()?.split_once('/').ok_or("no running/total")?;
        if config.processes {
            self.running = running.parse().ok();
            self.total = total.parse().ok();
        }
        Ok(())
    }
}

fn main() -> ExitCode {
    let mut daemon = Daemon::new().builtin_modules().module::<LoadAvg>();
    if let Some(dir) = std::env::var_os("COLLIE_CONFIG_DIR") {
        daemon = daemon.config_dir(dir);
    }
    daemon.run()
}
