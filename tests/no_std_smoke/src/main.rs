//! A freestanding program that parses, caches and replies with collie-core.
//!
//! It has no standard library and no global allocator, so it only links if
//! nothing in collie-core needs either. It exits 0 when the replies are the
//! expected bytes and 1 otherwise.
#![no_std]
#![no_main]

use collie_core::dataset::{BUILTIN, Builtin};
use collie_core::protocol::{self, Command, Scratch};
use collie_core::sink::SliceSink;
use collie_core::{Handler, Time};

const SESSION: &[&[u8]] = &[
    b"PUTVAL dev/sensors-0/temperature 1700000000:21.5",
    b"PUTVAL dev/interface-eth0/if_octets 1700000000:100:200 1700000010:1100:400",
    b"GETVAL dev/interface-eth0/if_octets",
    b"LISTVAL",
    b"PUTVAL \"dev/sensors-0/temperature\" 1699999999:1",
    b"FLUSH timeout=1",
];

const EXPECTED: &[u8] = b"0 Success: 1 value has been dispatched.\n\
0 Success: 2 values have been dispatched.\n\
2 Values found\nrx=1.000000e+02\ntx=2.000000e+01\n\
2 Values found\n1700000010.000 dev/interface-eth0/if_octets\n1700000000.000 dev/sensors-0/temperature\n\
-1 Value too old: name = dev/sensors-0/temperature; value time = 1699999999.000; last cache update = 1700000000.000;\n\
0 Done: 1 successful, 0 errors\n";

fn run() -> bool {
    let mut handler: Handler<'static, Builtin, 8> = Handler::new(&BUILTIN, Time::from_secs(10));
    let mut buf = [0u8; 1024];
    let mut out = SliceSink::new(&mut buf);
    for line in SESSION {
        let mut scratch = Scratch::new();
        if handler
            .handle(line, &mut scratch, Time::from_secs(1_700_000_020), &mut out)
            .is_err()
        {
            return false;
        }
    }
    // The parser on its own, too.
    let mut scratch = Scratch::new();
    let parsed = protocol::parse(b"getval dev/sensors-0/temperature", &mut scratch, &BUILTIN);
    out.as_bytes() == EXPECTED && matches!(parsed, Ok(Some(Command::Getval(_))))
}

#[unsafe(no_mangle)]
extern "C" fn main(_argc: core::ffi::c_int, _argv: *const *const u8) -> core::ffi::c_int {
    if run() { 0 } else { 1 }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: abort never returns and takes no arguments.
    unsafe { libc::abort() }
}

/// The prebuilt `core` refers to this symbol; with panic=abort it is never called.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
