//! A weather station as a Netdata external plugin.
//!
//! This is the weather station of Netdata's python.d collector guide, with
//! its three charts (current temperature, temperature statistics and
//! humidity), written as an annotated struct instead of `ORDER`, `CHARTS`
//! and a `get_data()` dictionary. The sensor is simulated.
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

use collie::Collector;
use collie::netdata::{Plugin, Writer};

/// What the plugin reports each update.
// Clippy mistakes charts sharing `units`/`family` for duplicated attributes
// (rust-clippy#12923).
#[allow(clippy::duplicated_attributes)]
#[derive(Collector, Default)]
#[collector(type = "weather_station", priority = 90000)]
#[chart(
    id = "temp_current",
    title = "Temperature",
    units = "Celsius",
    family = "TEMP",
    context = "weather_station.temperature"
)]
#[chart(
    id = "temp_stats",
    title = "Temperature statistics",
    units = "Celsius",
    family = "TEMP",
    context = "weather_station.temperature_stats"
)]
#[chart(
    id = "humid_current",
    title = "Humidity",
    units = "percentage",
    family = "HUMIDITY",
    context = "weather_station.humidity",
    chart_type = "area"
)]
struct Station {
    #[dim(chart = "temp_current", id = "current", precision = 1)]
    temperature: Option<f64>,
    #[dim(chart = "temp_stats", id = "min", precision = 2)]
    min: Option<f64>,
    #[dim(chart = "temp_stats", id = "max", precision = 2)]
    max: Option<f64>,
    #[dim(chart = "temp_stats", id = "avg", name = "average", precision = 2)]
    avg: Option<f64>,
    #[dim(
        chart = "humid_current",
        id = "humidity",
        name = "relative",
        precision = 1
    )]
    humidity: Option<f64>,

    // Running statistics; not dimensions.
    sum: f64,
    count: u32,
}

impl Station {
    /// Take in one reading; a missing value leaves a gap in its chart.
    fn record(&mut self, temperature: Option<f64>, humidity: Option<f64>) {
        self.temperature = temperature;
        self.humidity = humidity;
        if let Some(t) = temperature {
            self.min = Some(self.min.map_or(t, |m| m.min(t)));
            self.max = Some(self.max.map_or(t, |m| m.max(t)));
            self.sum += t;
            self.count += 1;
            self.avg = Some(self.sum / f64::from(self.count));
        }
    }
}

/// A pretend sensor with 0.1 resolution that drifts slowly and sometimes drops a humidity reading.
struct Sensor {
    n: u64,
    fixed: bool,
}

impl Sensor {
    fn read(&mut self) -> (Option<f64>, Option<f64>) {
        let n = self.n;
        self.n += 1;
        if self.fixed {
            return (Some(21.5), Some(64.3));
        }
        let phase = n as f64 * std::f64::consts::TAU / 90.0;
        let tenths = |x: f64| (x * 10.0).round() / 10.0;
        let temperature = tenths(21.5 + 3.0 * phase.sin());
        let humidity = (n % 15 != 14).then(|| tenths(64.3 - 8.0 * phase.sin()));
        (Some(temperature), humidity)
    }
}

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

    let mut sensor = Sensor {
        n: 0,
        fixed: opts.fixed,
    };
    let mut station = Station::default();
    let mut buf = Vec::with_capacity(4096);
    let mut stdout = io::stdout().lock();
    let start = Instant::now();
    let step = Duration::from_secs(opts.update_every.into());
    let mut next = start;
    let mut done = 0u64;
    loop {
        let (t, h) = sensor.read();
        station.record(t, h);
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
