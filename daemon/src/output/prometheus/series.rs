//! Which series a cached value becomes: its family, type, help, unit and labels.
//!
//! Values from collectd's protocols are named as collectd's
//! `write_prometheus` names them (see [`collie_core::prometheus::name`]);
//! job values by their chart: `collie_<module>_<chart>` with `dimension`,
//! `job` and `host` labels, the chart's title as help and its units as unit.

use collie_core::dataset::DataSet;
use collie_core::prometheus::Kind;
use collie_core::prometheus::name::{collectd_labels, write_collectd_family, write_name_part};
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
            Series {
                family: family.into(),
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
    Series {
        family: family.into(),
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
    }
}

/// Make every family hold one type and every series one label set, deterministically.
///
/// `series` must be sorted by (family, labels, key). A gauge family whose
/// exposed name meets a counter's (`x_total` against counter `x`, or `x`
/// against counter `x` in OpenMetrics) is renamed `<name>_gauge`; a series
/// with the family and labels of one before it is dropped. Returns how many
/// were dropped.
pub fn resolve(series: &mut Vec<(Box<[u8]>, Series)>) -> usize {
    let counters: std::collections::HashSet<Vec<u8>> = series
        .iter()
        .filter(|(_, s)| s.kind == Kind::Counter)
        .flat_map(|(_, s)| [s.family.to_vec(), [&s.family[..], b"_total"].concat()])
        .collect();
    let mut renamed = false;
    for (_, s) in series.iter_mut() {
        if s.kind != Kind::Counter && counters.contains(&s.family[..]) {
            s.family = [&s.family[..], b"_gauge"].concat().into();
            renamed = true;
        }
    }
    if renamed {
        sort(series);
    }
    let before = series.len();
    series.dedup_by(|b, a| a.1.family == b.1.family && a.1.labels == b.1.labels);
    before - series.len()
}

/// Sort series by family, then labels, then key, so families are contiguous and the order is stable.
pub fn sort(series: &mut [(Box<[u8]>, Series)]) {
    series.sort_by(|(ka, a), (kb, b)| (&a.family, &a.labels, ka).cmp(&(&b.family, &b.labels, kb)));
}
