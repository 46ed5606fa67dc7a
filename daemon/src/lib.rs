//! collied: wires collie's core to Unix sockets, Exec programs and Netdata.
#![forbid(unsafe_code)]
pub mod debug;
pub mod jobs;
pub mod modules;
pub mod source;
