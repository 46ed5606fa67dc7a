//! Jobs: modules bound to sources, configured in YAML and run on their own schedules.
//!
//! python.d's orchestrator in Rust: a main file switches modules on and
//! off, each module file gives defaults and a list of jobs, jobs sharing a
//! name are alternatives tried in order, failed checks are retried every
//! `autodetection_retry` seconds, failures back off by python.d's penalty
//! rule, and each job runs on its own thread, aligned to its period.

mod config;
mod daemon;
mod module;
mod output;
mod runner;
pub mod schedule;

pub use config::{
    CommonConfig, ConfigDirs, ConfigError, DEFAULT_CHART_CLEANUP, DEFAULT_PRIORITY, JobConfig,
    MAIN_FILE, MODULE_DIR, Settings, did_you_mean, field_names, load_main_file, parse_main_file,
    parse_module_file, yaml_error,
};
pub use daemon::Daemon;
pub use module::{Job, JobInfo, JobSpec, Loaded, Module, Registry, SourceConfig, SourceOutput};
pub use output::{Collected, Output, SharedBuf, intern};
pub use runner::{Runner, RunnerOptions, Stop, Summary, check};
