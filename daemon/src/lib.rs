//! collied: wires collie's core to Unix sockets, Exec programs and Netdata.
#![forbid(unsafe_code)]
