//! collied: a thin daemon that wires collie's core to sockets, jobs and outputs.
//!
//! Data flows one way, through one [`store`]:
//!
//! ```text
//! ingest (socket clients, Exec, system) ─┐
//!                                         ├─► store (values, counters) ─► output (Netdata, …)
//! jobs (modules on sources) ─ typed ──────┘
//! ```
//!
//! - [`ingest`] feeds protocol lines into the store: the Unix socket
//!   server and its clients, collectd's Exec programs, the system collector;
//! - [`jobs`] runs [`modules`] bound to [`source`]s on their schedules; each
//!   job writes its own charts and hands its values to the store, typed;
//! - [`store`] owns the value cache and the counters; each output reads
//!   what changed since its last tick through its own cursor;
//! - [`output`] sends values on: [`output::netdata`] on stdout;
//! - [`app`] is the program: the command line, `check`, `debug`, and
//!   starting and stopping it all; [`config`] reads `collie.yaml`.
//!
//! Dependencies point one way: app → config, ingest, jobs, modules, output
//! → store → collie-core. There is no process-wide state.
#![forbid(unsafe_code)]

#[macro_use]
pub mod log;

pub mod app;
pub mod config;
pub mod ingest;
pub mod jobs;
pub mod modules;
pub mod output;
pub mod privilege;
pub mod source;
pub mod store;

pub use app::Daemon;
