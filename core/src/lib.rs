//! collie-core: the allocation-free heart of collie.
//!
//! Everything here works without an allocator and, with the default `std`
//! feature turned off, without the standard library:
//!
//! - [`protocol`] parses collectd's plain text protocol (GETVAL, LISTVAL,
//!   PUTVAL, PUTNOTIF, FLUSH) into borrowed views and formats replies;
//! - [`dataset`] describes data sets (collectd's `types.db`) and holds a
//!   built-in table of the common ones;
//! - [`cache`] is a value cache of fixed capacity with collectd's rate rules;
//! - [`handler`] ties them together: one call answers one protocol line;
//! - [`chart`] models Netdata charts and dimensions as `const` data;
//! - [`netdata`] writes Netdata's plugins.d protocol;
//! - [`network`] decodes and encodes collectd's binary network protocol;
//! - [`prometheus`] writes Prometheus's text exposition and OpenMetrics.
//!
//! Output of every writer goes to a [`Sink`], which a caller backs with a
//! fixed buffer, a `heapless::Vec` or (with `std`) a `Vec<u8>`.
//!
//! # Minimum Supported Rust Version
//! Rust 1.88.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cache;
pub mod chart;
pub mod dataset;
pub mod handler;
pub mod netdata;
pub mod network;
pub mod prometheus;
pub mod protocol;
pub mod sink;
pub mod time;
pub mod value;

pub use handler::{Handled, Handler};
pub use sink::{Sink, SinkFull};
pub use time::Time;
pub use value::{DsType, Value};
