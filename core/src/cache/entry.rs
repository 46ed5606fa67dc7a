//! One cached value: its last raw values, their rates and its times.

use super::rate::{first_rate, rate};
use crate::dataset::DataSet;
use crate::time::Time;
use crate::value::{DsType, MAX_VALUES, Value};

/// The cached state of one value, as GETVAL and LISTVAL see it.
///
/// The raw values are stored as 64-bit patterns with a one-byte type each,
/// so an entry takes [`Entry::SIZE`] bytes whatever its data set.
///
/// The fields every update touches come first (`repr(C)` keeps the
/// order): the times, the types and the count, then the rates and the raw
/// values, so an update of one or two values touches fewer cache lines.
#[derive(Debug, Clone, PartialEq)]
#[repr(C)]
pub struct Entry {
    time: Time,
    interval: Time,
    last_update: Time,
    types: [DsType; MAX_VALUES],
    len: u8,
    origin: Origin,
    rates: [f64; MAX_VALUES],
    raw: [u64; MAX_VALUES],
    /// One past the change-journal position this entry was last noted at; 0 for never.
    pub(super) mark: u64,
}

/// Who stored a value: a tag the caller chooses, kept with the entry so outputs can route by it.
///
/// The cache gives it no meaning; [`Origin::PROTOCOL`] (0) is what the
/// protocol [`Handler`](crate::Handler) stores with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Origin(pub u16);

impl Origin {
    /// Values from the plain text protocol (a socket client, an Exec program).
    pub const PROTOCOL: Origin = Origin(0);
}

impl Entry {
    /// The size of an entry in bytes.
    pub const SIZE: usize = core::mem::size_of::<Entry>();

    /// Build the entry for the first sample of a value (collectd's `uc_insert`).
    ///
    /// `values` must fit [`MAX_VALUES`] and match `data_set`; the cache checks.
    pub(crate) fn first(
        data_set: &DataSet<'_>,
        time: Time,
        interval: Time,
        values: &[Value],
        now: Time,
        origin: Origin,
    ) -> Entry {
        let mut entry = Entry {
            raw: [0; MAX_VALUES],
            rates: [f64::NAN; MAX_VALUES],
            types: [DsType::Gauge; MAX_VALUES],
            len: values.len() as u8,
            origin,
            time,
            interval,
            last_update: now,
            mark: 0,
        };
        for (i, (&v, ds)) in values.iter().zip(data_set.sources).enumerate() {
            entry.rates[i] = ds.clamp_rate(first_rate(v, interval));
            entry.store(i, v);
        }
        entry
    }

    /// Take a later sample (collectd's `uc_update`); `time` must be newer than [`time`](Self::time).
    pub(crate) fn advance(
        &mut self,
        data_set: &DataSet<'_>,
        time: Time,
        interval: Time,
        values: &[Value],
        now: Time,
        origin: Origin,
    ) {
        let dt = time.saturating_sub(self.time);
        self.origin = origin;
        for (i, (&v, ds)) in values.iter().zip(data_set.sources).enumerate() {
            self.rates[i] = ds.clamp_rate(rate(self.load(i), v, dt));
            self.store(i, v);
        }
        self.time = time;
        self.interval = interval;
        self.last_update = now;
    }

    /// Return whether the entry holds values of exactly these types.
    pub(crate) fn same_shape(&self, values: &[Value]) -> bool {
        values.len() == self.len()
            && values
                .iter()
                .zip(&self.types)
                .all(|(v, &t)| v.ds_type() == t)
    }

    fn store(&mut self, i: usize, value: Value) {
        self.types[i] = value.ds_type();
        self.raw[i] = match value {
            Value::Gauge(v) => v.to_bits(),
            Value::Derive(v) => v as u64,
            Value::Counter(v) | Value::Absolute(v) => v,
        };
    }

    fn load(&self, i: usize) -> Value {
        let bits = self.raw[i];
        match self.types[i] {
            DsType::Gauge => Value::Gauge(f64::from_bits(bits)),
            DsType::Derive => Value::Derive(bits as i64),
            DsType::Counter => Value::Counter(bits),
            DsType::Absolute => Value::Absolute(bits),
        }
    }

    /// Return the number of data sources.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Return whether the entry has no data sources.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Return the rates GETVAL prints, one per data source; NaN where unknown or out of range.
    pub fn rates(&self) -> &[f64] {
        &self.rates[..self.len()]
    }

    /// Return raw value `i` as last received.
    pub fn value(&self, i: usize) -> Option<Value> {
        (i < self.len()).then(|| self.load(i))
    }

    /// Iterate over the raw values as last received.
    pub fn values(&self) -> impl ExactSizeIterator<Item = Value> + '_ {
        (0..self.len()).map(|i| self.load(i))
    }

    /// Return the time of the last value, which LISTVAL prints.
    pub fn time(&self) -> Time {
        self.time
    }

    /// Return the interval the last value came with.
    pub fn interval(&self) -> Time {
        self.interval
    }

    /// Return who stored the last value.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Return the local time of the last update, which expiry counts from.
    pub fn last_update(&self) -> Time {
        self.last_update
    }

    /// Return whether the entry is due to expire: `now − last_update ≥ interval × timeout`.
    ///
    /// An entry with a zero interval is always due; otherwise a `now` before
    /// the last update never is.
    pub fn is_expired(&self, now: Time, timeout: u32) -> bool {
        let limit = self.interval.0.saturating_mul(u64::from(timeout));
        now.saturating_sub(self.last_update).0 >= limit
    }
}
