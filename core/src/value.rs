//! Data source types and the values they carry.

use core::fmt;

/// The most data sources one value holds: a cache entry's capacity, and what a parsed PUTVAL carries.
///
/// collectd's shipped `types.db` never has more than 5; collectd itself
/// allows up to 63.
pub const MAX_VALUES: usize = 8;

/// The type of a data source, which decides how its value becomes a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DsType {
    /// A value that is itself the reading, such as a temperature.
    Gauge,
    /// A signed counter whose rate is its change per second.
    Derive,
    /// An unsigned counter that may wrap at 2^32 or 2^64.
    Counter,
    /// A count since the last reading, divided by the time between readings.
    Absolute,
}

impl DsType {
    /// Return the name used in `types.db` (`GAUGE`, `DERIVE`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            DsType::Gauge => "GAUGE",
            DsType::Derive => "DERIVE",
            DsType::Counter => "COUNTER",
            DsType::Absolute => "ABSOLUTE",
        }
    }

    /// Parse a `types.db` type name, ignoring case.
    pub fn from_name(name: &[u8]) -> Option<DsType> {
        [
            DsType::Gauge,
            DsType::Derive,
            DsType::Counter,
            DsType::Absolute,
        ]
        .into_iter()
        .find(|t| t.as_str().as_bytes().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for DsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value of one data source, as received.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A GAUGE reading; NaN stands for `U` (unknown).
    Gauge(f64),
    /// A DERIVE counter.
    Derive(i64),
    /// A COUNTER counter.
    Counter(u64),
    /// An ABSOLUTE count.
    Absolute(u64),
}

impl Value {
    /// Return the data source type this value belongs to.
    pub const fn ds_type(self) -> DsType {
        match self {
            Value::Gauge(_) => DsType::Gauge,
            Value::Derive(_) => DsType::Derive,
            Value::Counter(_) => DsType::Counter,
            Value::Absolute(_) => DsType::Absolute,
        }
    }
}

impl Default for Value {
    fn default() -> Self {
        Value::Gauge(f64::NAN)
    }
}
