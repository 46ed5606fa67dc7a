//! Fuzz target: collectd's binary network protocol, opened, decoded and re-encoded.
#![no_main]

mod check_network;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_network::check(data));
