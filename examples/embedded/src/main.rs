//! A `#![no_std]` Netdata collector with no allocator.
//!
//! It derives its charts with `collie-macros`, writes three update cycles
//! into a fixed 1 KiB buffer with `collie-core` (built without `std`), and
//! prints them with `write(2)`. Linking without a `#[global_allocator]`
//! proves nothing on this path allocates.
//!
//! Build and run from this directory: `cargo run --release`.
#![no_std]
#![no_main]
// `main` and the panic/unwind symbols below must be `extern "C"` and
// unmangled, which the `unsafe_code` lint covers.
#![allow(unsafe_code)]

use collie_core::netdata::{Plugin, Writer};
use collie_core::sink::SliceSink;
use collie_macros::Collector;

/// A board with a temperature probe and two fans.
#[derive(Collector)]
#[collector(crate = collie_core, type = "board", priority = 80000)]
#[chart(
    id = "temperature",
    title = "Board temperature",
    units = "Celsius",
    family = "sensors"
)]
#[chart(
    id = "fans",
    title = "Fan speed",
    units = "rpm",
    family = "fans",
    chart_type = "stacked"
)]
struct Board {
    #[dim(chart = "temperature", id = "cpu", precision = 1)]
    cpu_celsius: f32,
    #[dim(chart = "fans", id = "fan{}", name = "fan {}")]
    fans: [Option<u16>; 2],
}

fn write_all(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: `rest` is a valid, initialised buffer of `rest.len()` bytes.
        let n = unsafe { libc::write(1, rest.as_ptr().cast(), rest.len()) };
        if n <= 0 {
            return false;
        }
        rest = &rest[n as usize..];
    }
    true
}

#[unsafe(no_mangle)]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    let mut writer = Writer::<Board>::new(Plugin::new().with_update_every(1));
    if writer.check().is_err() {
        return 2;
    }
    let mut buf = [0u8; 1024];
    let mut board = Board {
        cpu_celsius: 41.25,
        fans: [Some(1200), None],
    };
    for cycle in 0..3u16 {
        let mut sink = SliceSink::new(&mut buf);
        let now_us = u64::from(cycle) * 1_000_000;
        if writer.update(&board, now_us, &mut sink).is_err() || !write_all(sink.as_bytes()) {
            return 1;
        }
        board.cpu_celsius += 0.5;
        board.fans[1] = Some(900 + cycle * 10);
    }
    0
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: abort never returns and is always safe to call.
    unsafe { libc::abort() }
}

/// Needed to link against the prebuilt `core` (built with unwinding) on stable;
/// never called because every profile uses `panic = "abort"`.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
