//! Jobs: modules bound to sources, configured in YAML and run on their own schedules.
//!
//! python.d's orchestrator in Rust: the main file switches modules on and
//! off, each module file gives defaults and a list of jobs, jobs sharing a
//! name are alternatives tried in order, failed checks are retried every
//! `autodetection_retry` seconds, failures back off by python.d's penalty
//! rule, and each job runs on its own thread, aligned to its period. A
//! job writes its own charts (through core's chart writer) and, once the
//! block is written, hands every collection's values on, typed, through
//! [`Output::with_values`] (a call a chart) and [`Output::with_collections`]
//! (a call a collection).

mod config;
mod module;
mod output;
mod registry;
mod runner;
pub mod schedule;
mod values;

pub use config::{
    CommonConfig, DEFAULT_CHART_CLEANUP, DEFAULT_PRIORITY, JobConfig, Settings, field_names,
    parse_module_file,
};
pub use module::{Job, JobInfo, Module, SourceConfig, SourceOutput};
pub use output::{Collected, Output};
pub use registry::{JobSpec, Loaded, Registry};
pub use runner::{Runner, RunnerOptions, Stop, Summary, check};
pub use values::Values;
