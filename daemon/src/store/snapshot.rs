//! A copy of one cached value list, taken under the store's lock and used after it.

use collie_core::cache::{Entry, MAX_VALUES};
use collie_core::time::Time;
use collie_core::value::Value;

/// One entry's time, interval and values, copied without allocating.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    /// When the values were read.
    pub time: Time,
    /// How often they are read.
    pub interval: Time,
    len: usize,
    values: [Value; MAX_VALUES],
}

impl Snapshot {
    /// Copy `entry`.
    pub fn of(entry: Entry<'_>) -> Snapshot {
        let mut values = [Value::default(); MAX_VALUES];
        let mut len = 0;
        for (slot, v) in values.iter_mut().zip(entry.values()) {
            *slot = v;
            len += 1;
        }
        Snapshot {
            time: entry.time(),
            interval: entry.interval(),
            len,
            values,
        }
    }

    /// Return the values, one per data source.
    pub fn values(&self) -> &[Value] {
        &self.values[..self.len]
    }
}
