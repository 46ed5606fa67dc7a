//! Fuzz the protocol parser and the whole line handler; see `check.rs`.
#![no_main]

mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
