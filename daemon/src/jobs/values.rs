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
use crate::store::{JOB, JobSeries, Store};

/// Most bytes of one identifier field, well inside collectd's limit.
const FIELD_MAX: usize = 63;

/// One chart's values of one collection, on their way to the store.
///
/// Built on the job's thread at every collection, so it allocates little:
/// one identifier and one dimension id a value, and the chart's names once.
#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    interval: Time,
    chart: ChartNames,
    items: Vec<Item>,
}

/// What the store is told about a chart's values, the first time it sees each.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ChartNames {
    module: String,
    job: String,
    chart: String,
    title: String,
    units: String,
}

/// One value: its identifier, the dimension it comes from, and the value.
#[derive(Debug, Clone, PartialEq)]
struct Item {
    key: String,
    dimension: String,
    value: Value,
}

impl Values {
    /// Name and type the values of `c`, collected on `host`.
    pub fn of(host: &str, c: &Collected<'_>) -> Values {
        let mut prefix = String::with_capacity(host.len() + c.module.len() + c.name.len() + 4);
        push_field(&mut prefix, &[host]);
        prefix.push('/');
        push_field(&mut prefix, &[c.module]);
        if c.name != c.module {
            prefix.push('-');
            push_field(&mut prefix, &[c.name]);
        }
        prefix.push('/');
        let items = c
            .chart
            .dimensions
            .iter()
            .zip(c.values)
            .filter_map(|(d, v)| {
                let v = (*v)?;
                let (type_, value) = match d.algorithm {
                    Algorithm::Incremental => ("derive-", Value::Derive(v)),
                    _ => {
                        let shown = v as f64 * d.multiplier as f64 / d.divisor.max(1) as f64;
                        ("gauge-", Value::Gauge(shown))
                    }
                };
                let mut key = String::with_capacity(
                    prefix.len() + type_.len() + c.chart.id.len() + d.id.len() + 1,
                );
                key.push_str(&prefix);
                key.push_str(type_);
                push_field(&mut key, &[c.chart.id, "_", d.id]);
                Some(Item {
                    key,
                    dimension: d.id.to_owned(),
                    value,
                })
            })
            .collect();
        Values {
            interval: Time::from_secs(u64::from(c.update_every)),
            chart: ChartNames {
                module: c.module.to_owned(),
                job: c.name.to_owned(),
                chart: c.chart.id.to_owned(),
                title: c.chart.title.to_owned(),
                units: c.chart.units.to_owned(),
            },
            items,
        }
    }

    /// Return the identifiers and values.
    pub fn items(&self) -> impl Iterator<Item = (&str, Value)> {
        self.items.iter().map(|i| (i.key.as_str(), i.value))
    }

    /// Put every value into `store`, logging those it refuses.
    pub fn put_into(&self, store: &Store<'_>) {
        for item in &self.items {
            let counter = matches!(item.value, Value::Derive(_));
            store.describe_job_value(item.key.as_bytes(), || JobSeries {
                module: self.chart.module.clone(),
                job: self.chart.job.clone(),
                chart: self.chart.chart.clone(),
                title: self.chart.title.clone(),
                units: self.chart.units.clone(),
                dimension: item.dimension.clone(),
                counter,
            });
            let type_: &[u8] = if counter { b"derive" } else { b"gauge" };
            if let Err(e) = store.put(
                item.key.as_bytes(),
                type_,
                &[item.value],
                self.interval,
                JOB,
            ) {
                warning!("job value {}: {e}", item.key);
            }
        }
    }
}

/// Append the identifier field made of `parts`, joined, to `out`: `[A-Za-z0-9_.-]`, at most [`FIELD_MAX`] bytes, never empty.
fn push_field(out: &mut String, parts: &[&str]) {
    let start = out.len();
    let chars = parts.iter().flat_map(|p| p.chars()).take(FIELD_MAX);
    out.extend(chars.map(|c| {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
            c
        } else {
            '_'
        }
    }));
    if out.len() == start {
        out.push('_');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::netdata::mapping;
    use collie_core::chart::{Chart, Dimension};

    #[test]
    fn fields_are_sanitized_as_the_netdata_mapping_does() {
        let long = "x".repeat(100);
        for text in [
            "",
            "a b",
            "weather",
            "Ünïcode/°C",
            "a.b-c_d",
            long.as_str(),
            "/",
        ] {
            let mut pushed = String::from("pre");
            push_field(&mut pushed, &[text]);
            let sanitized = mapping::sanitize(text, FIELD_MAX, |c| matches!(c, '_' | '.' | '-'));
            assert_eq!(pushed, format!("pre{sanitized}"), "{text:?}");
        }
        let mut joined = String::new();
        push_field(&mut joined, &["temp current", "_", "ß"]);
        assert_eq!(joined, "temp_current__");
    }

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
