//! `weather`: the simulated weather station of Netdata's python.d guide, as a module.
//!
//! Three charts (current temperature, temperature statistics, humidity)
//! declared on a struct instead of `ORDER`, `CHARTS` and a `get_data()`
//! dictionary. Jobs collect it here; `examples/weather.rs` runs the same
//! struct from a hand-written loop.

use serde::{Deserialize, Serialize};

use crate::jobs::{JobInfo, Module};
use crate::source::{BoxError, Simple};

/// What the station reports each update.
// Clippy mistakes charts sharing `units`/`family` for duplicated attributes
// (rust-clippy#12923).
#[allow(clippy::duplicated_attributes)]
#[derive(collie_macros::Collector, Debug, Default)]
#[collector(crate = collie_core, type = "weather_station", priority = 90000)]
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
pub struct Station {
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

    // Running statistics and the sensor; not dimensions.
    sum: f64,
    count: u32,
    sensor: Sensor,
}

impl Station {
    /// Create a station reading from `sensor`.
    pub fn new(sensor: Sensor) -> Station {
        Station {
            sensor,
            ..Station::default()
        }
    }

    /// Read the sensor and record the reading.
    pub fn sample(&mut self) {
        let (t, h) = self.sensor.read();
        self.record(t, h);
    }

    /// Take in one reading; a missing value leaves a gap in its chart.
    pub fn record(&mut self, temperature: Option<f64>, humidity: Option<f64>) {
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
#[derive(Debug, Default)]
pub struct Sensor {
    n: u64,
    fixed: bool,
}

impl Sensor {
    /// A sensor that drifts, or holds 21.5 °C and 64.3 % when `fixed`.
    pub fn new(fixed: bool) -> Sensor {
        Sensor { n: 0, fixed }
    }

    /// Take a reading: temperature and humidity.
    pub fn read(&mut self) -> (Option<f64>, Option<f64>) {
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

/// Job keys of the weather module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WeatherConfig {
    /// Hold the readings at 21.5 °C and 64.3 % (for tests and demos).
    pub fixed: bool,
}

impl Module for Station {
    const NAME: &'static str = "weather";
    // Simulated data: only with a module file asking for it.
    const DEFAULT_JOB: bool = false;
    type Source = Simple;
    type Config = WeatherConfig;

    fn new(config: &WeatherConfig, _: &JobInfo) -> Result<Self, BoxError> {
        Ok(Station::new(Sensor::new(config.fixed)))
    }

    fn collect(&mut self, (): ()) -> Result<(), BoxError> {
        self.sample();
        Ok(())
    }
}
