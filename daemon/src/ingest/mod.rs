//! Inputs that speak collectd's plain text protocol: they feed lines into the store.
//!
//! The Unix socket ([`server`], one [`client`] thread per connection),
//! collectd's Exec programs ([`exec`]) and the built-in collectors
//! ([`collector`], [`system`]) each run a [`session`], which answers its
//! lines under one lock of the store per batch.

pub mod client;
pub mod collector;
pub mod exec;
pub mod server;
pub mod session;
pub mod system;
