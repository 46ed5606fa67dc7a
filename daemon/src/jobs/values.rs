//! Job values as the store keeps them: typed, under collectd identifiers.
//!
//! | job value | identifier | value |
//! |---|---|---|
//! | absolute or percentage dimension | `<host>/<module>[-<job>]/gauge-<chart>_<dim>` | GAUGE: collected × multiplier ÷ divisor, as Netdata shows it |
//! | incremental dimension | `<host>/<module>[-<job>]/derive-<chart>_<dim>` | DERIVE: the collected counter, exactly (GETVAL gives its rate) |
//!
//! `-<job>` is left out for a job named after its module; characters
//! outside `[A-Za-z0-9_.-]` become `_`. The entries carry the job
//! [origin](crate::store::JOB), so the Netdata output, which sees the job's
//! own charts already, does not chart them twice.

use collie_core::chart::Algorithm;
use collie_core::time::Time;
use collie_core::value::Value;

use super::Collected;
use crate::output::netdata::mapping;
use crate::store::{JOB, JobSeries, Store};

/// Most bytes of one identifier field, well inside collectd's limit.
const FIELD_MAX: usize = 63;

/// One chart's values of one collection, on their way to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    interval: Time,
    items: Vec<(String, &'static [u8], Value)>,
    /// What each item is, in the same order.
    series: Vec<JobSeries>,
}

impl Values {
    /// Name and type the values of `c`, collected on `host`.
    pub fn of(host: &str, c: &Collected<'_>) -> Values {
        let host = field(host);
        let plugin = if c.name == c.module {
            field(c.module)
        } else {
            format!("{}-{}", field(c.module), field(c.name))
        };
        let mut series = Vec::new();
        let items = c
            .chart
            .dimensions
            .iter()
            .zip(c.values)
            .filter_map(|(d, v)| {
                let v = (*v)?;
                let instance = field(&format!("{}_{}", c.chart.id, d.id));
                let (type_, value) = match d.algorithm {
                    Algorithm::Incremental => ("derive", Value::Derive(v)),
                    _ => {
                        let shown = v as f64 * d.multiplier as f64 / d.divisor.max(1) as f64;
                        ("gauge", Value::Gauge(shown))
                    }
                };
                let key = format!("{host}/{plugin}/{type_}-{instance}");
                series.push(JobSeries {
                    module: c.module.to_owned(),
                    job: c.name.to_owned(),
                    chart: c.chart.id.to_owned(),
                    title: c.chart.title.to_owned(),
                    units: c.chart.units.to_owned(),
                    dimension: d.id.to_owned(),
                    counter: d.algorithm == Algorithm::Incremental,
                });
                Some((key, type_.as_bytes(), value))
            })
            .collect();
        Values {
            interval: Time::from_secs(u64::from(c.update_every)),
            items,
            series,
        }
    }

    /// Return the identifiers and values.
    pub fn items(&self) -> impl Iterator<Item = (&str, Value)> {
        self.items.iter().map(|(k, _, v)| (k.as_str(), *v))
    }

    /// Put every value into `store`, logging those it refuses.
    pub fn put_into(&self, store: &Store<'_>) {
        for ((key, type_, value), series) in self.items.iter().zip(&self.series) {
            store.describe_job_value(key.as_bytes(), || series.clone());
            if let Err(e) = store.put(key.as_bytes(), type_, &[*value], self.interval, JOB) {
                warning!("job value {key}: {e}");
            }
        }
    }
}

/// Make `text` an identifier field: `[A-Za-z0-9_.-]`, at most [`FIELD_MAX`] bytes, never empty.
fn field(text: &str) -> String {
    mapping::sanitize(text, FIELD_MAX, |c| matches!(c, '_' | '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::chart::{Chart, Dimension};

    #[test]
    fn identifiers_name_module_job_chart_and_dimension() {
        const DIMS: &[Dimension<'static>] = &[
            Dimension::new("current").divisor(10),
            Dimension::new("hits").algorithm(Algorithm::Incremental),
        ];
        let chart = Chart::new("", "temp_current").dimensions(DIMS);
        let big = (1i64 << 53) + 1;
        let mut c = Collected {
            job: "weather_station",
            module: "weather",
            name: "station",
            update_every: 1,
            chart: &chart,
            values: &[Some(215), Some(big)],
            now_us: 0,
        };
        let v = Values::of("h", &c);
        assert_eq!(
            v.items().collect::<Vec<_>>(),
            [
                (
                    "h/weather-station/gauge-temp_current_current",
                    Value::Gauge(21.5)
                ),
                (
                    "h/weather-station/derive-temp_current_hits",
                    Value::Derive(big)
                ),
            ]
        );
        c.name = "weather";
        c.values = &[None, Some(1)];
        let v = Values::of("a b", &c);
        assert_eq!(
            v.items().map(|(k, _)| k).collect::<Vec<_>>(),
            ["a_b/weather/derive-temp_current_hits"]
        );
    }
}
