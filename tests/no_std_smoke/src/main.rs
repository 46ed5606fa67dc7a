//! A freestanding program that parses, caches and replies with collie-core, and writes Netdata charts.
//!
//! It has no standard library and no global allocator, so it only links if
//! nothing in collie-core needs either. It exits 0 when the replies and the
//! plugins.d lines are the expected bytes and 1 otherwise. Built with the
//! `smallest` profile, its `.text` has a 32 KiB target; `.ci/run` bounds it.
#![no_std]
#![no_main]

use collie_core::chart::{
    Algorithm, Chart, ChartState, ChartType, Collector, Dimension, DimensionValue,
};
use collie_core::dataset::{BUILTIN, Builtin};
use collie_core::netdata::{Plugin, Writer};
use collie_core::protocol::{self, Command, Scratch};
use collie_core::sink::SliceSink;
use collie_core::{Handler, Time};

/// A protocol session: PUTVAL, GETVAL, LISTVAL and FLUSH, a refusal, and numbers past the quick reader.
const SESSION: &[&[u8]] = &[
    b"PUTVAL dev/sensors-0/temperature 1700000000:21.5",
    b"PUTVAL dev/interface-eth0/if_octets 1700000000:100:200 1700000010:1100:400",
    b"GETVAL dev/interface-eth0/if_octets",
    b"LISTVAL",
    b"PUTVAL \"dev/sensors-0/temperature\" 1699999999:1",
    b"FLUSH timeout=1",
    b"PUTVAL dev/sensors-0/temperature 1700000001:0.00125e3",
    b"GETVAL dev/sensors-0/temperature",
    b"PUTVAL dev/sensors-0/temperature 1700000002:12.50000000000000000001",
    b"GETVAL dev/sensors-0/temperature",
];

/// The replies collectd 5.12 gives to [`SESSION`].
const EXPECTED: &[u8] = b"0 Success: 1 value has been dispatched.\n\
0 Success: 2 values have been dispatched.\n\
2 Values found\nrx=1.000000e+02\ntx=2.000000e+01\n\
2 Values found\n1700000010.000 dev/interface-eth0/if_octets\n1700000000.000 dev/sensors-0/temperature\n\
-1 Value too old: name = dev/sensors-0/temperature; value time = 1699999999.000; last cache update = 1700000000.000;\n\
0 Done: 1 successful, 0 errors\n\
0 Success: 1 value has been dispatched.\n1 Value found\nvalue=1.250000e+00\n\
0 Success: 1 value has been dispatched.\n1 Value found\nvalue=1.250000e+01\n";

/// A board with a temperature probe and two fans, charted by hand (no derive).
struct Board {
    celsius: f64,
    fans: [u16; 2],
}

impl Collector for Board {
    const CHARTS: &'static [Chart<'static>] = &[
        Chart::new("board", "temperature")
            .title("Board temperature")
            .units("Celsius")
            .dimensions(&[Dimension::new("cpu").divisor(10)]),
        Chart::new("board", "fans")
            .title("Fan speed")
            .units("rpm")
            .chart_type(ChartType::Stacked)
            .dimensions(&[
                Dimension::new("fan0").name("fan 0"),
                Dimension::new("fan1")
                    .name("fan 1")
                    .algorithm(Algorithm::Incremental),
            ]),
    ];
    type State = [ChartState; 2];
    const INITIAL_STATE: Self::State = [ChartState::NEW; 2];

    fn value(&self, chart: usize, dim: usize) -> Option<i64> {
        match (chart, dim) {
            (0, 0) => self.celsius.collected(10),
            (1, d) => self.fans.get(d)?.collected(1),
            _ => None,
        }
    }
}

/// The definitions and first values, then one update cycle a second later.
const CHARTS_EXPECTED: &[u8] =
    b"CHART board.temperature '' 'Board temperature' 'Celsius' '' '' line 70000 1 ''\n\
DIMENSION cpu 'cpu' absolute 1 10 ''\n\
BEGIN board.temperature\nSET cpu = 413\nEND\n\
CHART board.fans '' 'Fan speed' 'rpm' '' '' stacked 70001 1 ''\n\
DIMENSION fan0 'fan 0' absolute 1 1 ''\n\
DIMENSION fan1 'fan 1' incremental 1 1 ''\n\
BEGIN board.fans\nSET fan0 = 1200\nSET fan1 = 900\nEND\n\
BEGIN board.temperature 1000000\nSET cpu = 418\nEND\n\
BEGIN board.fans 1000000\nSET fan0 = 1210\nSET fan1 = 910\nEND\n";

/// Write two cycles of the board's charts into a fixed buffer and compare the bytes.
fn charts() -> bool {
    let mut writer = Writer::<Board>::new(Plugin::new());
    if writer.check().is_err() {
        return false;
    }
    let mut buf = [0u8; 1024];
    let mut out = SliceSink::new(&mut buf);
    let cycles = [
        (
            0,
            Board {
                celsius: 41.25,
                fans: [1200, 900],
            },
        ),
        (
            1_000_000,
            Board {
                celsius: 41.75,
                fans: [1210, 910],
            },
        ),
    ];
    for (now_us, board) in &cycles {
        if writer.update(board, *now_us, &mut out).is_err() {
            return false;
        }
    }
    out.as_bytes() == CHARTS_EXPECTED
}

/// Run a protocol session through the handler and the parser on its own, and compare the bytes.
fn session() -> bool {
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
    // Both run, so both are linked and measured, whatever the first returns.
    let session_ok = session();
    let charts_ok = charts();
    if session_ok && charts_ok { 0 } else { 1 }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: abort never returns and takes no arguments.
    unsafe { libc::abort() }
}

/// The prebuilt `core` refers to this symbol; with panic=abort it is never called.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
