//! collied: wires collie's core to a Unix socket, collectors and Netdata.
//!
//! The daemon answers collectd's plain text protocol on a Unix socket
//! ([`server`], [`client`]), keeps every value in one shared value cache
//! ([`state`]), runs built-in collectors ([`collector`], [`system`]) and
//! collectd's Exec programs ([`exec`]), and writes Netdata's plugins.d
//! protocol to stdout ([`output`], with the identifier-to-chart naming in
//! [`mapping`]). [`daemon`] starts and stops it all; [`cli`] and [`config`]
//! read what to do.
#![forbid(unsafe_code)]

#[macro_use]
pub mod log;

pub mod cli;
pub mod client;
pub mod collector;
pub mod config;
pub mod daemon;
pub mod debug;
pub mod exec;
pub mod jobs;
pub mod mapping;
pub mod modules;
pub mod output;
pub mod server;
pub mod session;
pub mod source;
pub mod state;
pub mod system;
pub mod wire;

pub use jobs::Daemon;
