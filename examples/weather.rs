//! A weather station as a Netdata external plugin.
//!
//! This is the weather station of Netdata's python.d collector guide, with
//! its three charts (current temperature, temperature statistics and
//! humidity), written as an annotated struct instead of `ORDER`, `CHARTS`
//! and a `get_data()` dictionary. The struct, `Station`, is collied's
//! built-in `weather` module (`daemon/src/modules/weather.rs`); this example
//! drives it by hand to show what a plugin's main loop does. The sensor is
//! simulated.
//!
//! Run it by hand to see the protocol:
//!
//! ```text
//! cargo run --example weather -- 1 --iterations 3
//! ```
//!
//! Install it for Netdata by copying the binary to a plugins directory as
//! `weather.plugin`. Netdata runs it as `weather.plugin <update_every>
//! [command options]` and reads stdout; logs go to stderr.
//!
//! Options after the update interval:
//! - `--iterations K`: stop after K updates (for tests);
//! - `--fixed`: hold the simulated sensor at 21.5 °C and 64.3 % (for tests).

use std::io::{self, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use collie::netdata::{Plugin, Writer};
use collied::modules::weather::{Sensor, Station};

struct Options {
    update_every: u32,
    iterations: Option<u64>,
    fixed: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        update_every: 1,
        iterations: None,
        fixed: false,
    };
    let mut args = std::env::args().skip(1);
    let mut positional = 0;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--iterations" => {
                let k = args.next().ok_or("--iterations needs a number")?;
                opts.iterations = Some(k.parse().map_err(|_| format!("bad --iterations {k:?}"))?);
            }
            "--fixed" => opts.fixed = true,
            _ if positional == 0 => {
                positional += 1;
                opts.update_every = arg
                    .parse()
                    .map_err(|_| format!("bad update_every {arg:?}"))?;
                opts.update_every = opts.update_every.max(1);
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("weather: {e}");
            eprintln!("usage: weather [update_every] [--iterations K] [--fixed]");
            return ExitCode::FAILURE;
        }
    };
    let plugin = Plugin::new()
        .with_update_every(opts.update_every)
        .with_plugin("weather.plugin", "weather")
        .expect("constant names are valid");
    let mut writer = Writer::<Station>::new(plugin);
    if let Err(e) = writer.check() {
        eprintln!("weather: invalid chart definitions: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "weather: collecting every {} s{}",
        opts.update_every,
        if opts.fixed { " (fixed readings)" } else { "" }
    );

    let mut station = Station::new(Sensor::new(opts.fixed));
    let mut buf = Vec::with_capacity(4096);
    let mut stdout = io::stdout().lock();
    let start = Instant::now();
    let step = Duration::from_secs(opts.update_every.into());
    let mut next = start;
    let mut done = 0u64;
    loop {
        station.sample();
        buf.clear();
        let now_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        if let Err(e) = writer.update(&station, now_us, &mut buf) {
            eprintln!("weather: cannot write an update: {e}");
            return ExitCode::FAILURE;
        }
        if let Err(e) = stdout.write_all(&buf).and_then(|()| stdout.flush()) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                // Netdata went away: nobody is reading, so stop quietly.
                return ExitCode::SUCCESS;
            }
            eprintln!("weather: cannot write to stdout: {e}");
            return ExitCode::FAILURE;
        }
        done += 1;
        if opts.iterations.is_some_and(|k| done >= k) {
            return ExitCode::SUCCESS;
        }
        // Collect on a fixed grid, not "update_every after the last run".
        next += step;
        let now = Instant::now();
        if next > now {
            thread::sleep(next - now);
        } else {
            next = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie::chart::Collector as _;

    #[test]
    fn charts_follow_the_guide() {
        let ids: Vec<_> = Station::CHARTS.iter().map(|c| c.id).collect();
        assert_eq!(ids, ["temp_current", "temp_stats", "humid_current"]);
    }
}
