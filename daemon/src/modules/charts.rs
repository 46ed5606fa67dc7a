//! Charts built from configuration, for modules whose dimensions the user picks.

use collie_core::chart::{Algorithm, Chart, ChartType, Dimension, DimensionValue};
use serde::{Deserialize, Serialize};

/// A chart drawn from configured values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    /// The chart's id (after the job's type and a dot).
    pub id: String,
    /// The chart's title; the id if empty.
    #[serde(default)]
    pub title: String,
    /// The unit of the values.
    #[serde(default)]
    pub units: String,
    /// The dashboard submenu.
    #[serde(default)]
    pub family: String,
    /// The context alerts key on.
    #[serde(default)]
    pub context: String,
    /// `line`, `area` or `stacked`.
    #[serde(default, with = "keyword")]
    pub chart_type: ChartType,
    /// The algorithm of dimensions that set none.
    #[serde(default, with = "keyword")]
    pub algorithm: Algorithm,
    /// The dimensions, in drawing order.
    pub dimensions: Vec<DimSpec>,
}

/// One configured dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DimSpec {
    /// Where the value comes from: a key of the module's data.
    pub key: String,
    /// The dimension's id; the key with other characters than `[A-Za-z0-9_-]` made `_` by default.
    #[serde(default)]
    pub id: Option<String>,
    /// The name shown on the dashboard.
    #[serde(default)]
    pub name: Option<String>,
    /// The chart's algorithm unless set.
    #[serde(
        default,
        with = "keyword::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub algorithm: Option<Algorithm>,
    /// Multiply collected values by this.
    #[serde(default = "one")]
    pub multiplier: i64,
    /// Divide collected values by this.
    #[serde(default = "one")]
    pub divisor: i64,
    /// Decimal digits kept of fractional values (sent × 10^precision, divisor × 10^precision).
    #[serde(default)]
    pub precision: u8,
    /// Collect but do not draw.
    #[serde(default)]
    pub hidden: bool,
}

fn one() -> i64 {
    1
}

/// Netdata keywords (algorithms, chart types) in YAML, spelt as in core's one table of them.
mod keyword {
    use collie_core::chart::{Algorithm, ChartType};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    /// A type named by Netdata keywords.
    pub trait Keyword: Sized + Copy + 'static {
        /// What the keyword names, for errors.
        const WHAT: &'static str;
        /// Every value.
        fn all() -> &'static [Self];
        /// The keyword of a value.
        fn keyword(self) -> &'static str;
    }

    impl Keyword for Algorithm {
        const WHAT: &'static str = "algorithm";
        fn all() -> &'static [Self] {
            &Algorithm::ALL
        }
        fn keyword(self) -> &'static str {
            self.as_str()
        }
    }

    impl Keyword for ChartType {
        const WHAT: &'static str = "chart type";
        fn all() -> &'static [Self] {
            &ChartType::ALL
        }
        fn keyword(self) -> &'static str {
            self.as_str()
        }
    }

    /// Write a value as its keyword.
    pub fn serialize<T: Keyword, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.keyword())
    }

    /// Read a keyword, naming the known ones when it is not one.
    pub fn deserialize<'de, T: Keyword, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        let name = String::deserialize(d)?;
        T::all()
            .iter()
            .copied()
            .find(|v| v.keyword() == name)
            .ok_or_else(|| {
                let known: Vec<String> = T::all()
                    .iter()
                    .map(|v| format!("`{}`", v.keyword()))
                    .collect();
                D::Error::custom(format!(
                    "unknown {} `{name}`, expected one of {}",
                    T::WHAT,
                    known.join(", ")
                ))
            })
    }

    /// The same for an optional keyword.
    pub mod option {
        use super::Keyword;
        use serde::{Deserializer, Serializer};

        /// Write a value as its keyword, or nothing.
        pub fn serialize<T: Keyword, S: Serializer>(
            value: &Option<T>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, s),
                None => s.serialize_none(),
            }
        }

        /// Read a keyword; a missing key is `None`.
        pub fn deserialize<'de, T: Keyword, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<T>, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

impl DimSpec {
    fn id(&self) -> String {
        self.id.clone().unwrap_or_else(|| {
            self.key
                .trim_start_matches('/')
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        })
    }

    fn scale(&self) -> i64 {
        10i64.pow(u32::from(self.precision))
    }
}

/// Check configured charts as Netdata will: core's chart rules, plus distinct chart ids and a sane precision.
pub fn validate(specs: &[ChartSpec]) -> Result<(), String> {
    if specs.is_empty() {
        return Err("`charts` needs at least one chart".to_owned());
    }
    for (i, c) in specs.iter().enumerate() {
        if specs[..i].iter().any(|o| o.id == c.id) {
            return Err(format!("chart `{}` is defined twice", c.id));
        }
        if let Some(d) = c.dimensions.iter().find(|d| d.precision > 9) {
            return Err(format!(
                "chart `{}`, dimension `{}`: precision is at most 9",
                c.id,
                d.id()
            ));
        }
    }
    let mut result = Ok(());
    Table::new(specs).charts(&mut |charts| {
        result = charts.iter().try_for_each(|chart| {
            chart
                .validate()
                .map_err(|e| format!("chart `{}`: {e}", chart.id))
        });
    });
    result
}

/// Configured charts and their latest values.
#[derive(Debug, Clone)]
pub struct Table {
    specs: Vec<ChartSpec>,
    /// Each dimension's id, from its spec.
    ids: Vec<Vec<String>>,
    keys: Vec<Vec<(String, i64)>>,
    values: Vec<Vec<Option<i64>>>,
}

impl Table {
    /// Build the charts of validated specs.
    pub fn new(specs: &[ChartSpec]) -> Table {
        let ids = specs
            .iter()
            .map(|c| c.dimensions.iter().map(DimSpec::id).collect())
            .collect();
        let keys: Vec<Vec<(String, i64)>> = specs
            .iter()
            .map(|c| {
                c.dimensions
                    .iter()
                    .map(|d| (d.key.clone(), d.scale()))
                    .collect()
            })
            .collect();
        let values = keys.iter().map(|k| vec![None; k.len()]).collect();
        Table {
            specs: specs.to_vec(),
            ids,
            keys,
            values,
        }
    }

    /// Show `f` the charts, in core's model over the table's own text.
    pub fn charts(&self, f: &mut dyn FnMut(&[Chart<'_>])) {
        let dims: Vec<Vec<Dimension<'_>>> = self
            .specs
            .iter()
            .zip(&self.ids)
            .map(|(c, ids)| {
                c.dimensions
                    .iter()
                    .zip(ids)
                    .map(|(d, id)| {
                        Dimension::new(id)
                            .name(d.name.as_deref().unwrap_or(""))
                            .algorithm(d.algorithm.unwrap_or(c.algorithm))
                            .multiplier(d.multiplier)
                            .divisor(d.divisor.saturating_mul(d.scale()))
                            .hidden(d.hidden)
                    })
                    .collect()
            })
            .collect();
        let charts: Vec<Chart<'_>> = self
            .specs
            .iter()
            .zip(&dims)
            .map(|(c, dims)| {
                Chart::new("", &c.id)
                    .title(if c.title.is_empty() { &c.id } else { &c.title })
                    .units(&c.units)
                    .family(&c.family)
                    .context(&c.context)
                    .chart_type(c.chart_type)
                    .dimensions(dims)
            })
            .collect();
        f(&charts);
    }

    /// Set every dimension from `lookup(key)`; a key it does not know is a gap.
    pub fn fill(&mut self, lookup: impl Fn(&str) -> Option<f64>) {
        for (keys, values) in self.keys.iter().zip(&mut self.values) {
            for ((key, scale), value) in keys.iter().zip(values.iter_mut()) {
                *value = lookup(key).and_then(|v| v.collected(*scale));
            }
        }
    }

    /// Return the value of dimension `dim` of chart `chart`.
    pub fn value(&self, chart: usize, dim: usize) -> Option<i64> {
        *self.values.get(chart)?.get(dim)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_core_s_and_round_trip() {
        let yaml = "id: c\nchart_type: stacked\nalgorithm: incremental\ndimensions:\n  - key: k\n    algorithm: percentage-of-absolute-row\n";
        let spec: ChartSpec = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(spec.chart_type, ChartType::Stacked);
        assert_eq!(spec.algorithm, Algorithm::Incremental);
        assert_eq!(
            spec.dimensions[0].algorithm,
            Some(Algorithm::PercentageOfAbsoluteRow)
        );
        let again: ChartSpec =
            serde_yaml::from_str(&serde_yaml::to_string(&spec).unwrap()).unwrap();
        assert_eq!(again, spec);
        let e = serde_yaml::from_str::<ChartSpec>("id: c\nchart_type: pie\ndimensions: []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown chart type `pie`, expected one of `line`, `area`, `stacked`"),
            "{e}"
        );
    }
}
