//! Which series a cached value becomes: its family, type, help, unit and labels.
//!
//! Values from collectd's protocols are named as collectd's
//! `write_prometheus` names them (see [`collie_core::prometheus::name`]);
//! job values by their chart: `collie_<module>_<chart>` with `dimension`,
//! `job` and `host` labels, the chart's title as help and its units as unit.

use collie_core::dataset::DataSet;
use collie_core::prometheus::name::{collectd_labels, write_collectd_family, write_name_part};
use collie_core::prometheus::{Kind, write_sample_prefix};
use collie_core::protocol::Identifier;
use collie_core::value::DsType;

use collie_core::cache::key;
use collie_core::dataset::DataSets;

use crate::store::{JobSeries, Store, Types};

/// A label owned: its name and value.
pub type OwnedLabel = (Box<[u8]>, Box<[u8]>);

/// One series: where its samples go and which value of the entry it shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The family name, a valid metric name without `_total`.
    pub family: Box<[u8]>,
    /// Gauge or counter.
    pub kind: Kind,
    /// The `# HELP` text.
    pub help: Box<str>,
    /// The unit, a valid name part, or empty.
    pub unit: Box<[u8]>,
    /// Label names and values, in order.
    pub labels: Vec<OwnedLabel>,
    /// Which of the entry's values it shows.
    pub index: usize,
    /// Its samples' name and labels as written, once the family is final ([`arrange`]).
    pub prefix: Box<[u8]>,
    /// The family's name before any clash renamed it.
    pub base: Box<[u8]>,
}

/// The series of the value under `key`: a job's by its chart, any other's by its data set in `types`.
pub fn of_key(store: &Store<'_>, types: &Types<'_>, key: &[u8]) -> Vec<Series> {
    match store.job_value(key) {
        Some(j) => vec![job(key, &j)],
        None => types
            .get(key::type_(key))
            .map(|data_set| collectd(key, data_set))
            .unwrap_or_default(),
    }
}

/// The series of a value from collectd's protocols under `key` with `data_set`: one per data source.
pub fn collectd(key: &[u8], data_set: &DataSet<'_>) -> Vec<Series> {
    let Some(id) = Identifier::parse(key) else {
        return Vec::new();
    };
    let labels: Vec<OwnedLabel> = collectd_labels(&id)
        .iter()
        .map(|(k, v)| ((*k).into(), (*v).into()))
        .collect();
    data_set
        .sources
        .iter()
        .enumerate()
        .map(|(index, ds)| {
            let mut family = Vec::new();
            // A Vec never fills up.
            let _ = write_collectd_family(&mut family, id.plugin, id.type_, ds.name.as_bytes());
            let kind = match ds.ds_type {
                DsType::Counter | DsType::Derive => Kind::Counter,
                DsType::Gauge | DsType::Absolute => Kind::Gauge,
            };
            let family: Box<[u8]> = family.into();
            Series {
                base: family.clone(),
                family,
                kind,
                // write_prometheus's words, for whoever reads them.
                help: format!(
                    "write_prometheus plugin: '{}' Type: '{}', Dstype: '{}', Dsname: '{}'",
                    String::from_utf8_lossy(id.plugin),
                    String::from_utf8_lossy(id.type_),
                    ds.ds_type.as_str().to_lowercase(),
                    ds.name,
                )
                .into(),
                unit: Box::default(),
                labels: labels.clone(),
                index,
                prefix: Box::default(),
            }
        })
        .collect()
}

/// The series of a job value under `key`, described by `job`.
pub fn job(key: &[u8], job: &JobSeries) -> Series {
    let host = collie_core::cache::key::host(key);
    let mut family = b"collie_".to_vec();
    let _ = write_name_part(&mut family, job.module.as_bytes(), false);
    family.push(b'_');
    let _ = write_name_part(&mut family, job.chart.as_bytes(), false);
    let mut unit = Vec::new();
    let _ = write_name_part(&mut unit, job.units.to_lowercase().as_bytes(), false);
    // OpenMetrics wants a unit to end the family's name; one that does not is left out.
    let suffix = [b"_".as_slice(), &unit].concat();
    if !family.ends_with(&suffix) {
        unit.clear();
    }
    let family: Box<[u8]> = family.into();
    Series {
        base: family.clone(),
        family,
        kind: if job.counter {
            Kind::Counter
        } else {
            Kind::Gauge
        },
        help: job.title.clone().into(),
        unit: unit.into(),
        labels: vec![
            (
                b"dimension".as_slice().into(),
                job.dimension.as_bytes().into(),
            ),
            (b"job".as_slice().into(), job.job.as_bytes().into()),
            (b"host".as_slice().into(), host.into()),
        ],
        index: 0,
        prefix: Box::default(),
    }
}

/// Where one series lies: its identifier's slot and its place among that identifier's series.
pub type At = (usize, usize);

/// Put every series of `slots` in family order, each family one type and each series one label set.
///
/// `slots` holds each identifier's key and series. A gauge family whose
/// exposed name meets a counter's (`x_total` against counter `x`, or `x`
/// against counter `x` in OpenMetrics) is renamed `<name>_gauge`; of the
/// series that share family and labels, the first in key order is kept.
/// Returns the order and how many series were left out.
pub fn arrange<'a>(
    slots: impl Iterator<Item = (usize, &'a [u8], &'a mut [Series])>,
) -> (Vec<At>, usize) {
    let mut all: Vec<(At, &'a [u8], &'a mut Series)> = slots
        .flat_map(|(i, key, series)| {
            series
                .iter_mut()
                .enumerate()
                .map(move |(j, s)| ((i, j), key, s))
        })
        .collect();
    let counters: std::collections::HashSet<Vec<u8>> = all
        .iter()
        .filter(|(_, _, s)| s.kind == Kind::Counter)
        .flat_map(|(_, _, s)| [s.base.to_vec(), [&s.base[..], b"_total"].concat()])
        .collect();
    for (_, _, s) in all.iter_mut() {
        let family: Box<[u8]> = if s.kind != Kind::Counter && counters.contains(&s.base[..]) {
            [&s.base[..], b"_gauge"].concat().into()
        } else {
            s.base.clone()
        };
        if family != s.family || s.prefix.is_empty() {
            s.family = family;
            render(s);
        }
    }
    all.sort_by(|(_, ka, a), (_, kb, b)| {
        (&a.family, &a.labels, ka).cmp(&(&b.family, &b.labels, kb))
    });
    let before = all.len();
    all.dedup_by(|b, a| a.2.family == b.2.family && a.2.labels == b.2.labels);
    let dropped = before - all.len();
    (all.into_iter().map(|(at, _, _)| at).collect(), dropped)
}

/// Write a series' sample prefix (name, labels, space), copied into every scrape.
fn render(s: &mut Series) {
    let labels: Vec<(&[u8], &[u8])> = s.labels.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    let mut prefix = Vec::with_capacity(s.family.len() + 64);
    // A Vec never fills up.
    let _ = write_sample_prefix(&mut prefix, &s.family, s.kind, &labels);
    s.prefix = prefix.into();
}

#[cfg(test)]
mod tests {
    use super::*;
    use collie_core::dataset::{BUILTIN, DataSource};

    const COUNT: DataSet<'static> = DataSet {
        name: "count",
        sources: &[DataSource::new("value", DsType::Derive, f64::NAN, f64::NAN)],
    };

    fn family_names(keys: &[(&[u8], &DataSet<'_>)]) -> (Vec<String>, usize) {
        let mut slots: Vec<(Box<[u8]>, Vec<Series>)> = keys
            .iter()
            .map(|(k, ds)| (Box::<[u8]>::from(*k), collectd(k, ds)))
            .collect();
        let (order, dropped) = arrange(
            slots
                .iter_mut()
                .enumerate()
                .map(|(i, (k, s))| (i, &k[..], &mut s[..])),
        );
        let names = order
            .iter()
            .map(|&(i, j)| String::from_utf8_lossy(&slots[i].1[j].prefix).into_owned())
            .collect();
        (names, dropped)
    }

    #[test]
    fn clashing_families_are_renamed_and_repeated_series_dropped() {
        let gauge = BUILTIN.find(b"gauge").unwrap();
        // `p/count` is a counter family collectd_p_count; `p/count_total` as a gauge would expose the same name.
        let (names, dropped) = family_names(&[
            (b"h/p/count", &COUNT),
            (b"h/p/gauge-a", gauge),
            (b"h/p-a/gauge", gauge),
        ]);
        assert_eq!(dropped, 1, "{names:?}");
        assert_eq!(
            names,
            [
                "collectd_p_count_total{instance=\"h\"} ",
                "collectd_p_gauge{p=\"a\",instance=\"h\"} "
            ]
        );
        let total = DataSet {
            name: "count",
            sources: &[DataSource::new("total", DsType::Gauge, f64::NAN, f64::NAN)],
        };
        let (names, _) = family_names(&[(b"h/p/count", &COUNT), (b"h/p/count-x", &total)]);
        assert_eq!(
            names,
            [
                "collectd_p_count_total{instance=\"h\"} ",
                "collectd_p_count_total_gauge{p=\"x\",instance=\"h\"} "
            ]
        );
    }
}
