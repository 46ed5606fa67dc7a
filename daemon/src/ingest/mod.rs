//! Inputs that speak collectd's protocols: they feed values into the store.
//!
//! The Unix socket ([`server`], one [`client`] thread per connection),
//! collectd's Exec programs ([`exec`]) and the built-in collectors
//! ([`collector`], [`system`]) each run a [`session`], which answers its
//! lines under one lock of the store per batch. The [`network`] listeners
//! store the value lists of collectd's binary protocol, one lock per packet.

pub mod client;
pub mod collector;
pub mod exec;
pub mod network;
pub mod server;
pub mod session;
pub mod system;
