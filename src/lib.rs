//! collie: collect metrics over collectd's plain text protocol and feed Netdata.
//!
//! This facade re-exports [`collie_core`], the allocation-free protocol core,
//! and the `#[derive(Collector)]` macro from `collie-macros`. The README
//! follows; its Rust examples run as doctests.
//!
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use collie_core::*;
pub use collie_macros::Collector;
